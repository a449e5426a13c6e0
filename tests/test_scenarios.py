"""Scenario files: the shipped policy scenarios, the extends rules, resolution and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.outcomes import SUMMARY_OUTCOMES
from sim.parameters import SPECS
from sim.run import run_simulation
from sim.scenario import (ScenarioError, load_scenario, replication_seeds, scenario_from_params,
                          scenario_to_toml)
from tests.outcome_checks import check_results

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
REQUIRED = ("baseline", "concentrated_trust", "distributed_qic", "blended_coalitions",
            "national_vacuum", "collective_culture", "no_coordinators", "danish_qic",
            "danish_qic_complex", "isolated_hospitals")
SHIPPED = sorted(SCENARIOS.glob("*.toml"))
TINY = dict(n_hospitals=3, staff_per_hospital=60, unit_size=15, ticks=13)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, **changes) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, **changes)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- shipped scenarios --------------------------------------------------------------------------
def test_required_scenarios_are_shipped():
    assert {p.stem for p in SHIPPED} >= set(REQUIRED)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_tells_its_story_and_source(path):
    text = path.read_text(encoding="utf-8")
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    story = " ".join(header)
    assert len(header) >= 3, "a scenario opens with a comment telling its policy story"
    assert any(author in story for author in ("Carstensen", "McKee", "West"))
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.description


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_runs_at_a_small_size(path):
    # a collaborative keeps a hospital for each of its regional coordinators
    tiny = {**TINY, "n_hospitals": max(TINY["n_hospitals"],
                                       load_scenario(path).params.regional_coordinators)}
    scenario = load_scenario(path).with_changes(**tiny)
    results = run_simulation(scenario.params)
    assert set(results.summary) == set(SUMMARY_OUTCOMES)
    check_results(results)          # a value wherever one is defined, rates within [0, 1]
    assert results.timeseries["tick"].max() == tiny["ticks"]
    assert results.timeseries["hospital"].nunique() == tiny["n_hospitals"]


def test_policy_knobs_of_the_shipped_scenarios():
    s = {name: load_scenario(SCENARIOS / f"{name}.toml").params for name in REQUIRED}
    assert s["concentrated_trust"].leadership_mix < s["baseline"].leadership_mix
    assert s["distributed_qic"].leadership_mix > s["baseline"].leadership_mix
    assert s["blended_coalitions"].hybrid_share > s["baseline"].hybrid_share
    assert s["national_vacuum"].n_national_bodies > s["baseline"].n_national_bodies
    assert s["national_vacuum"].national_coherence < s["baseline"].national_coherence
    assert s["collective_culture"].leader_tie_density > s["baseline"].leader_tie_density
    # hospitals differ in the QIC ...
    assert len(set(s["distributed_qic"].hospital_values("management_support"))) > 1
    # ... and no_coordinators removes every coordinator, overrides included, and nothing else
    assert set(s["no_coordinators"].hospital_values("coordinators_per_hospital")) == {0}
    qic, none = s["distributed_qic"].to_dict(), s["no_coordinators"].to_dict()
    for key in SPECS:
        if key != "coordinators_per_hospital":
            assert qic[key] == none[key], key
    assert (s["no_coordinators"].hospital_values("management_support")
            == s["distributed_qic"].hospital_values("management_support"))
    # the collaborative (issue #12): off by default; the Danish QIC has learning sessions and
    # regional coordinators; its complex variant is more complex; isolated hospitals are the same
    # departments without the collaborative, and nothing else differs
    assert s["baseline"].collaborative_learning == 0 and s["baseline"].regional_coordinators == 0
    qic = s["danish_qic"]
    assert qic.collaborative_learning > 0 and qic.regional_coordinators * qic.regional_span \
        >= qic.n_hospitals
    assert s["danish_qic_complex"].collaborative_complexity > qic.collaborative_complexity
    isolated = s["isolated_hospitals"].to_dict()
    assert s["isolated_hospitals"].collaborative_learning == 0
    assert s["isolated_hospitals"].regional_coordinators == 0
    for key in SPECS:
        if key not in ("collaborative_learning", "regional_coordinators"):
            assert isolated[key] == qic.to_dict()[key], key


# --- extends ----------------------------------------------------------------------------------
def test_extends_changes_a_few_knobs(tmp_path):
    write(tmp_path, "parent.toml", 'name = "parent"\ndescription = "p"\nreplications = 4\n'
                                   "seed = 9\nn_hospitals = 4\nleadership_mix = 0.2\n"
                                   "[[hospitals]]\nhospital = 1\nmanagement_support = 0.1\n"
                                   "hybrid_share = 0.5\n")
    child = write(tmp_path, "child.toml", 'extends = "parent.toml"\nleadership_mix = 0.9\n'
                                          "[[hospitals]]\nhospital = 1\nhybrid_share = 0.3\n"
                                          "[[hospitals]]\nhospital = 3\nstaff_per_hospital = 90\n")
    s = load_scenario(child)
    assert s.name == "child" and s.description == ""          # not inherited
    assert s.replications == 4 and s.params.seed == 9          # inherited
    assert s.params.leadership_mix == 0.9                      # the child's own value wins
    assert s.params.hospital_values("management_support")[1] == 0.1   # merged key by key
    assert s.params.hospital_values("hybrid_share")[1] == 0.3
    assert s.params.hospital_values("staff_per_hospital") == [200, 200, 200, 90]
    assert s.sources == (str(child.resolve()), str((tmp_path / "parent.toml").resolve()))


def test_system_value_in_child_replaces_inherited_per_hospital_values(tmp_path):
    write(tmp_path, "a.toml", "coordinators_per_hospital = 2\n[[hospitals]]\nhospital = 0\n"
                              "coordinators_per_hospital = 7\nmanagement_support = 0.2\n")
    write(tmp_path, "b.toml", 'extends = "a.toml"\ncoordinators_per_hospital = 0\n')
    c = write(tmp_path, "c.toml", 'extends = "b.toml"\n[[hospitals]]\nhospital = 0\n'
                                  "coordinators_per_hospital = 5\n")
    b = load_scenario(tmp_path / "b.toml").params
    assert set(b.hospital_values("coordinators_per_hospital")) == {0}
    assert b.hospital_values("management_support")[0] == 0.2
    assert load_scenario(c).params.hospital_values("coordinators_per_hospital")[:2] == [5, 0]


def test_extends_chain_of_three_and_subfolder(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path, "root.toml", "ticks = 30\nseed = 1\n")
    write(tmp_path / "sub", "mid.toml", 'extends = "../root.toml"\nseed = 2\n')
    leaf = write(tmp_path, "leaf.toml", 'extends = "sub/mid.toml"\nturnover_rate = 0.3\n')
    p = load_scenario(leaf).params
    assert (p.ticks, p.seed, p.turnover_rate) == (30, 2, 0.3)


# --- resolution and seeds -----------------------------------------------------------------------
def test_resolved_toml_loads_back_to_the_same_scenario(tmp_path):
    s = load_scenario(SCENARIOS / "distributed_qic.toml").with_changes(seed=123, replications=3)
    s = type(s)(name='q "quoted" \\ name', params=s.params, replications=s.replications,
                description="tabs\tand ünïcode", sources=s.sources, values=s.values)
    again = load_scenario(write(tmp_path, "resolved.toml", scenario_to_toml(s)))
    assert again.params == s.params
    assert (again.name, again.description, again.replications) == (s.name, s.description, 3)
    assert again.replication_seeds() == s.replication_seeds()


def test_replication_seeds_are_distinct_stable_and_in_range():
    seeds = replication_seeds(20231119, 50)
    assert len(set(seeds)) == 50
    assert replication_seeds(20231119, 7) == seeds[:7]
    assert all(0 <= s <= SPECS["seed"].high for s in seeds)
    assert replication_seeds(20231120, 7) != seeds[:7]
    s = scenario_from_params(load_scenario(SCENARIOS / "baseline.toml").params, replications=4)
    assert s.replication_seeds() == replication_seeds(s.params.seed, 4)


def test_with_changes_validates_and_names_the_key():
    base = load_scenario(SCENARIOS / "baseline.toml")
    assert base.with_changes(replications=2, ticks=10).params.ticks == 10
    for changes, key in [({"replications": 0}, "replications"), ({"ticks": 0}, "ticks"),
                         ({"leadership_mix": "high"}, "leadership_mix"), ({"nonsense": 1}, "nonsense")]:
        with pytest.raises(ScenarioError, match=f"baseline.toml.*'{key}'"):
            base.with_changes(**changes)
    qic = load_scenario(SCENARIOS / "distributed_qic.toml")
    with pytest.raises(ScenarioError, match="hospital index 2 is out of range"):
        qic.with_changes(n_hospitals=2)


# --- bad input: one line naming file, key and what is allowed -----------------------------------
@pytest.mark.parametrize("text, key, allowed", [
    ("leadership_mx = 0.5\n", "leadership_mx", "did you mean leadership_mix"),
    ("leadership_mix = 1.5\n", "leadership_mix", "allowed: float in [0.0, 1.0]"),
    ('leadership_mix = "high"\n', "leadership_mix", "expected float"),
    ("ticks = 10.5\n", "ticks", "whole number"),
    ("n_hospitals = true\n", "n_hospitals", "expected int"),
    ("replications = 0\n", "replications", "integer in [1, 10000]"),
    ("name = 3\n", "name", "expected a string"),
    ("[leadership_mix]\nx = 1\n", "leadership_mix", "expected a value"),
    ("extends = 3\n", "extends", "expected a file name"),
    ('extends = "nowhere.toml"\n', "extends", "not found"),
    ("hospitals = 3\n", "hospitals", "[[hospitals]] tables"),
    ("[[hospitals]]\nmanagement_support = 0.2\n", "hospitals[0].hospital", "0-based"),
    ("[[hospitals]]\nhospital = 0\nticks = 5\n", "hospitals[0].ticks", "not a per-hospital"),
    ("[[hospitals]]\nhospital = 0\nmanagement_support = 2\n", "hospitals[0].management_support",
     "allowed"),
    ("[[hospitals]]\nhospital = 0\n[[hospitals]]\nhospital = 0\n", "hospitals[1].hospital",
     "one table per hospital"),
    ("n_hospitals = 2\n[[hospitals]]\nhospital = 5\nhybrid_share = 0.2\n", "hospitals.hospital",
     "allowed 0..1"),
])
def test_bad_values_name_file_key_and_what_is_allowed(tmp_path, text, key, allowed):
    path = write(tmp_path, "bad.toml", text)
    message = error_of(path)
    assert str(path) in message or "bad.toml" in message
    assert f"'{key}'" in message
    assert allowed in message


def test_error_in_a_parent_names_the_parent(tmp_path):
    write(tmp_path, "parent.toml", "turnover_rate = 5\n")
    message = error_of(write(tmp_path, "child.toml", 'extends = "parent.toml"\n'))
    assert "parent.toml: 'turnover_rate'" in message


def test_hospital_out_of_range_names_the_file_that_defines_it(tmp_path):
    write(tmp_path, "parent.toml", "[[hospitals]]\nhospital = 6\nhybrid_share = 0.2\n")
    message = error_of(write(tmp_path, "child.toml", 'extends = "parent.toml"\nn_hospitals = 3\n'))
    assert "parent.toml: 'hospitals.hospital'" in message and "allowed 0..2" in message


@pytest.mark.parametrize("files, start", [
    ({"a.toml": 'extends = "a.toml"\n'}, "a.toml"),
    ({"a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "c.toml"\n',
      "c.toml": 'extends = "a.toml"\n'}, "a.toml"),
])
def test_circular_extends(tmp_path, files, start):
    for name, text in files.items():
        write(tmp_path, name, text)
    message = error_of(tmp_path / start)
    assert "'extends': circular extends" in message and "a.toml ->" in message


def test_unreadable_files(tmp_path):
    assert "file not found" in error_of(tmp_path / "missing.toml")
    (tmp_path / "folder.toml").mkdir()
    assert "is a directory" in error_of(tmp_path / "folder.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00ticks = 3")
    message = error_of(binary)
    assert "binary.toml" in message and ("not valid TOML" in message or "not a text file" in message)
    assert "not valid TOML" in error_of(write(tmp_path, "broken.toml", "ticks = = 3\n"))
    (tmp_path / "dir_parent").mkdir()
    message = error_of(write(tmp_path, "child.toml", 'extends = "dir_parent"\n'))
    assert "'extends'" in message and "is not a file" in message
