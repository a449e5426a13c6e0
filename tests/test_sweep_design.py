"""Designs and experiment files of the sweep engine (no simulation runs here)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.parameters import SPECS
from sim.sweep import (DesignError, ExperimentError, check_design, grid_design, lhs_design,
                       load_experiment, run_seed, table_design)
from sim.sweep.design import parameter_values

EXAMPLE = """
name = "ex"
scenario = "{scenario}"
replications = 2
seed = 5
outcomes = ["improvement", "completion_rate"]
[overrides]
n_hospitals = 2
ticks = 52
[design]
{design}
"""


def write_experiment(tmp_path, design: str, scenario="base.toml", body=EXAMPLE, name="exp.toml"):
    (tmp_path / "base.toml").write_text("seed = 3\nreplications = 1\n")
    path = tmp_path / name
    path.write_text(body.format(scenario=scenario, design=design))
    return path


# -- designs ------------------------------------------------------------------------------------
def test_grid_is_every_combination_first_name_slowest():
    d = grid_design({"leadership_mix": [0.0, 0.5, 1.0], "coordinators_per_hospital": [1, 4]})
    assert len(d) == 6
    assert d["leadership_mix"].tolist() == [0.0, 0.0, 0.5, 0.5, 1.0, 1.0]
    assert d["coordinators_per_hospital"].tolist() == [1, 4, 1, 4, 1, 4]
    assert d["coordinators_per_hospital"].dtype == np.int64
    assert d["leadership_mix"].dtype == np.float64


def test_grid_rejects_out_of_range_value_naming_it():
    with pytest.raises(DesignError, match=r"leadership_mix\[1\].*out of range"):
        grid_design({"leadership_mix": [0.0, 1.5]})


@pytest.mark.parametrize("names", [["seed"], ["no_such_knob"], ["hospitals"]])
def test_design_rejects_parameters_that_cannot_be_swept(names):
    with pytest.raises(DesignError, match="allowed:"):
        check_design(pd.DataFrame({n: [1] for n in names}))


def test_design_rejects_text_values():
    with pytest.raises(DesignError, match="must be numbers"):
        check_design(pd.DataFrame({"leadership_mix": ["high"]}))


def test_lhs_is_stratified_within_ranges_and_reproducible():
    size = 20
    d = lhs_design({"leadership_mix": (0.2, 0.6), "turnover_rate": None}, size, seed=9)
    assert len(d) == size
    assert d["leadership_mix"].between(0.2, 0.6).all()
    low, high = SPECS["turnover_rate"].low, SPECS["turnover_rate"].high
    assert d["turnover_rate"].between(low, high).all()
    # Latin hypercube: exactly one point in each of `size` equal strata of every dimension
    strata = np.floor((d["leadership_mix"] - 0.2) / 0.4 * size).astype(int)
    assert sorted(strata) == list(range(size))
    pd.testing.assert_frame_equal(d, lhs_design({"leadership_mix": (0.2, 0.6),
                                                 "turnover_rate": None}, size, seed=9))
    assert not d.equals(lhs_design({"leadership_mix": (0.2, 0.6), "turnover_rate": None}, size, 10))


def test_lhs_integer_parameters_are_whole_and_cover_the_range():
    d = lhs_design({"coordinators_per_hospital": (0, 4)}, 50, seed=1)
    assert d["coordinators_per_hospital"].dtype == np.int64
    assert set(d["coordinators_per_hospital"]) == {0, 1, 2, 3, 4}
    counts = d["coordinators_per_hospital"].value_counts()
    assert counts.min() == counts.max() == 10     # equal share of each whole value


def test_table_from_csv_and_inline_rows(tmp_path):
    (tmp_path / "pts.csv").write_text("leadership_mix,coordinators_per_hospital\n0.1,2\n0.9,5\n")
    d = table_design("pts.csv", base_dir=tmp_path)
    assert d.to_dict("list") == {"leadership_mix": [0.1, 0.9], "coordinators_per_hospital": [2, 5]}
    inline = table_design([{"leadership_mix": 0.1, "coordinators_per_hospital": 2},
                           {"leadership_mix": 0.9, "coordinators_per_hospital": 5}])
    pd.testing.assert_frame_equal(d, inline)


def test_table_rows_must_name_the_same_parameters():
    with pytest.raises(DesignError, match=r"rows\[1\]"):
        table_design([{"leadership_mix": 0.1}, {"management_support": 0.5}])


def test_parameter_values_round_integer_parameters_and_keep_floats():
    row = {"coordinators_per_hospital": np.float64(3.5), "leadership_mix": np.int64(1),
           "vacuum_patience": 7.49}
    values = parameter_values(row)
    assert values == {"coordinators_per_hospital": 4, "leadership_mix": 1.0, "vacuum_patience": 7}
    assert type(values["coordinators_per_hospital"]) is int
    assert type(values["leadership_mix"]) is float


# -- seeds --------------------------------------------------------------------------------------
def test_run_seed_is_the_spawned_seed_sequence_and_distinct():
    expected = np.random.SeedSequence(123, spawn_key=(4, 2)).generate_state(1, np.uint64)[0] >> 1
    assert run_seed(123, 4, 2) == int(expected)
    seeds = {run_seed(123, i, r) for i in range(30) for r in range(5)}
    assert len(seeds) == 150
    assert all(0 <= s < 2**63 for s in seeds)
    assert run_seed(124, 4, 2) != run_seed(123, 4, 2)


# -- experiment files ---------------------------------------------------------------------------
def test_load_grid_experiment(tmp_path):
    path = write_experiment(tmp_path, 'kind = "grid"\nleadership_mix = [0, 1]\n'
                                      'management_support = [0.3, 0.6, 0.9]')
    exp = load_experiment(path)
    assert exp.name == "ex" and exp.replications == 2 and exp.seed == 5
    assert exp.runs == 12
    assert exp.base.params.n_hospitals == 2 and exp.base.params.ticks == 52
    assert exp.outcomes == ("improvement", "completion_rate")
    assert exp.design["leadership_mix"].dtype == np.float64


def test_seed_and_replications_default_to_the_scenario(tmp_path):
    body = 'scenario = "{scenario}"\n[design]\n{design}\n'
    path = write_experiment(tmp_path, 'kind = "grid"\nleadership_mix = [0.5]', body=body)
    exp = load_experiment(path)
    assert exp.seed == 3 and exp.replications == 1 and exp.name == "exp"


def test_lhs_experiment_uses_documented_ranges_by_default(tmp_path):
    path = write_experiment(tmp_path, 'kind = "lhs"\nsize = 8\nparameters = ["turnover_rate"]\n'
                                      '[design.ranges]\nleadership_mix = [0.4, 0.6]')
    d = load_experiment(path).design
    assert list(d.columns) == ["turnover_rate", "leadership_mix"] and len(d) == 8
    assert d["leadership_mix"].between(0.4, 0.6).all()
    assert d["turnover_rate"].between(SPECS["turnover_rate"].low, SPECS["turnover_rate"].high).all()


def test_shipped_experiments_load():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "experiments"
    files = sorted(root.glob("*.toml"))
    assert files
    for path in files:
        exp = load_experiment(path)
        assert exp.runs >= 1


BAD = [
    ('kind = "grid"\nleadership_mix = [0, 2]', "'design.leadership_mix[1]'"),
    ('kind = "grid"\nleadership = [0, 1]', "'design.leadership'"),
    ('kind = "grid"\nleadership_mix = 0.5', "'design.leadership_mix'"),
    ('kind = "cube"', "'design.kind'"),
    ('kind = "lhs"\nparameters = ["leadership_mix"]', "'design.size'"),
    ('kind = "lhs"\nsize = 4\n[design.ranges]\nleadership_mix = [0.9, 0.1]',
     "'design.leadership_mix'"),
    ('kind = "table"\nfile = "missing.csv"', "'design.file'"),
    ('kind = "table"\nrows = [{leadership_mix = "x"}]', "'design.rows[0].leadership_mix'"),
    ('kind = "grid"\nseed = [1, 2]', "'design.seed'"),
]


@pytest.mark.parametrize("design,key", BAD)
def test_bad_design_is_one_line_naming_file_and_key(tmp_path, capsys, design, key):
    path = write_experiment(tmp_path, design)
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message and key in message
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and key in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("edit,key", [
    (lambda t: t.replace('replications = 2', 'replications = 0'), "'replications'"),
    (lambda t: t.replace('seed = 5', 'seed = -1'), "'seed'"),
    (lambda t: t.replace('"improvement",', '"improvment",'), "'outcomes'"),
    (lambda t: t.replace('ticks = 52', 'ticks = 0'), "'overrides.ticks'"),
    (lambda t: t.replace('n_hospitals = 2', 'n_hospital = 2'), "'overrides.n_hospital'"),
    (lambda t: t.replace('name = "ex"', 'name = "ex"\nleadership_mix = 0.5'), "'leadership_mix'"),
    (lambda t: t.replace('base.toml', 'nowhere.toml'), "'scenario'"),
    (lambda t: t + "[cluster]\ncores = 0\n", "'cluster.cores'"),
    (lambda t: t + "[cluster]\nwalltime = \"soon\"\n", "'cluster.walltime'"),
    (lambda t: t + "[cluster]\nqueues = \"a\"\n", "'cluster.queues'"),
    (lambda t: t + "[[oops", "not valid TOML"),
])
def test_bad_experiment_keys_are_one_line_exit_2(tmp_path, capsys, edit, key):
    path = write_experiment(tmp_path, 'kind = "grid"\nleadership_mix = [0, 1]')
    path.write_text(edit(path.read_text()))
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    assert key in err and str(path) in err and "Traceback" not in err


def test_missing_experiment_file_exit_2(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "nope.toml")]) == 2
    assert "not found" in capsys.readouterr().err


def test_experiment_common_random_numbers_flag(tmp_path):
    path = write_experiment(tmp_path, 'kind = "grid"\nleadership_mix = [0, 1]')
    assert load_experiment(path).common_random_numbers is False
    path.write_text(path.read_text().replace('seed = 5', 'seed = 5\ncommon_random_numbers = true'))
    assert load_experiment(path).common_random_numbers is True
    path.write_text(path.read_text().replace('= true', '= "yes"'))
    with pytest.raises(ExperimentError, match="'common_random_numbers': expected true or false"):
        load_experiment(path)
