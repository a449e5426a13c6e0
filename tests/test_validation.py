"""Validation: effect estimators and verdicts, study files against the claims register, and the
studies themselves (quick in the default suite, the full protocol marked slow)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.validation import StudyError, analyse, load_studies, load_study
from sim.validation.effects import judge, mean_ci, slopes

ROOT = Path(__file__).resolve().parent.parent
BRIEF_PATTERNS = {"SF1", "SF2", "SF3", "SF4", "SF5", "SF6"}


def test_t_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    hits = sum(lo <= 1.0 <= hi for _, lo, hi in (mean_ci(rng.normal(1.0, 2.0, 8)) for _ in range(4000)))
    assert 0.935 <= hits / 4000 <= 0.965


def test_per_replication_slopes():
    x = [0.0, 0.5, 1.0]
    y = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    assert np.allclose(slopes(x, y), [2.0, 0.0])


def test_a_claim_holds_only_when_the_pooled_interval_and_every_variant_agree():
    groups = {"a": np.array([True, True, False, False]), "b": np.array([False, False, True, True])}
    assert judge("x", np.array([1.0, 1.2, 0.9, 1.1]), groups, "positive", "> 0").passed
    # pooled CI above 0 but variant b has the wrong sign
    mixed = judge("x", np.array([3.0, 3.2, -0.1, -0.2] * 5), {k: np.tile(v, 5) for k, v in groups.items()},
                  "positive", "> 0")
    assert mixed.pooled_passed and not mixed.passed and mixed.variants_agreeing == (1, 2)
    assert judge("x", -np.array([1.0, 1.2, 0.9, 1.1]), groups, "negative", "< 0").passed
    near = judge("x", np.array([0.01, -0.02, 0.0, 0.01]), groups, "near_zero", "", band=0.1)
    far = judge("x", np.array([1.0, 1.2, 0.9, 1.1]), groups, "near_zero", "", band=0.1)
    assert near.passed and not far.passed


def _synthetic(study_text: str, tmp_path: Path, outcome) -> tuple:
    """A study file on disk and fake runs whose outcome is ``outcome(condition row, family, size,
    rng)``: the analysis sees exactly what a real run would give it."""
    folder = tmp_path / "studies"
    folder.mkdir(exist_ok=True)
    (folder / "protocol.toml").write_text("sizes = [100, 200, 500]\nfamilies = 3\nn_hospitals = 1\n"
                                          "ticks = 10\n")
    (folder / "s.toml").write_text(f"scenario = '{(ROOT / 'scenarios' / 'baseline.toml').as_posix()}'\n"
                                   + study_text)
    study = load_study(folder / "s.toml")
    rng = np.random.default_rng(3)
    rows = []
    for family in range(3):
        for size in (100, 200, 500):
            for rep in range(study.replications):
                for c, cond in study.conditions.iterrows():
                    rows.append({"family": family, "staff_per_hospital": size, "replication": rep,
                                 "condition": c, "error": None,
                                 "improvement": outcome(cond, family, size, rng)})
    return study, pd.DataFrame(rows)


CLAIM = ("[[claims]]\nid = 'T-1'\nrole = 'held-out'\nkind = 'emergent'\nsource = 's'\nclaim = 'c'\n")


def test_interior_optimum_detects_a_hump_and_rejects_a_monotone_curve(tmp_path):
    text = ("title = 't'\nreplications = 6\n[conditions]\nleadership_mix = [0.0, 0.25, 0.5, 0.75, 1.0]\n"
            + CLAIM + "  [[claims.effects]]\n  type = 'interior_optimum'\n  outcome = 'improvement'\n"
            "  parameter = 'leadership_mix'\n  interior = [0.2, 0.8]\n  pole = 'high'\n")
    study, runs = _synthetic(text, tmp_path, lambda c, f, s, r: -8 * (c.leadership_mix - 0.5) ** 2
                             + r.normal(0, 0.2))
    [result] = analyse(study, runs)
    assert result.holds and result.effects[0].detail["best_level"] == 0.5
    study, runs = _synthetic(text, tmp_path, lambda c, f, s, r: 4 * c.leadership_mix + r.normal(0, 0.2))
    [result] = analyse(study, runs)
    assert not result.holds and result.effects[0].detail["overall_best_level"] == 1.0


def test_a_claim_that_fails_in_small_hospitals_holds_within_the_larger_ones(tmp_path):
    text = ("title = 't'\nreplications = 4\n[conditions]\ncoordinators_per_hospital = [0, 3]\n" + CLAIM
            + "  [[claims.effects]]\n  type = 'difference'\n  outcome = 'improvement'\n"
            "  a = { coordinators_per_hospital = 3 }\n  b = { coordinators_per_hospital = 0 }\n"
            "  direction = 'positive'\n")

    def reversed_at_100(c, family, size, rng):
        effect = -1.0 if size == 100 else 1.0
        return effect * c.coordinators_per_hospital / 3 + rng.normal(0, 0.1)

    study, runs = _synthetic(text, tmp_path, reversed_at_100)
    [result] = analyse(study, runs)
    assert result.status == "holds within 200-500 staff" and result.holds
    assert not result.effects[0].passed and result.region_effects[0].passed

    study, runs = _synthetic(text, tmp_path, lambda c, f, s, r: -c.coordinators_per_hospital
                             + r.normal(0, 0.1))
    assert analyse(study, runs)[0].status == "fails"


# --- the studies against the register -----------------------------------------------------------
def _register() -> pd.DataFrame:
    text = (ROOT / "docs" / "CLAIMS.md").read_text()
    table = text.split("## Register")[1].split("### Claims out of scope")[0]
    # the collaborative's claims (issue #12) have their own section, with the same columns
    table += text.split("## Collaborative claims")[1].split("\n### ")[0]
    rows = []
    for line in table.splitlines():
        if line.startswith("| ") and not line.startswith("| id"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.append({"id": cells[0].split()[0], "pattern": cells[0].split("(")[1].rstrip(")")
                         if "(" in cells[0] else "", "kind": cells[3], "study": cells[5].strip("`"),
                         "role": cells[6].replace("held out", "held-out"), "status": cells[7]})
    return pd.DataFrame(rows).set_index("id")


def test_every_registered_claim_has_its_study_with_the_registered_role_and_kind():
    register = _register()
    studies = load_studies()
    tested = {c.id: (s.name, c) for s in studies for c in s.claims}
    assert set(tested) == set(register.index)
    for claim_id, (study_name, claim) in tested.items():
        row = register.loc[claim_id]
        assert (study_name, claim.role, claim.kind, claim.pattern) == \
            (row["study"], row["role"], row["kind"], row["pattern"]), claim_id


def test_calibration_claims_are_at_most_half_and_cover_the_brief_s_patterns():
    claims = [c for s in load_studies() for c in s.claims]
    calibration = [c for c in claims if c.role == "calibration"]
    assert 2 * len(calibration) <= len(claims)
    assert {c.pattern for c in claims if c.pattern} == BRIEF_PATTERNS
    assert all(c.role == "calibration" for c in claims if c.pattern)     # tuned on before


@pytest.mark.parametrize("text, fragment", [
    ("title = 't'\nscenario = 'x.toml'\nreplications = 4\n[conditions]\nleadership_mixx = [0, 1]\n"
     + CLAIM + "  [[claims.effects]]\n  type = 'slope'\n  outcome = 'improvement'\n"
     "  parameter = 'leadership_mixx'\n  direction = 'positive'\n", "conditions.leadership_mixx"),
    ("title = 't'\nscenario = 'x.toml'\nreplications = 4\n[conditions]\nleadership_mix = [0, 1]\n"
     + CLAIM + "  [[claims.effects]]\n  type = 'slope'\n  outcome = 'happiness'\n"
     "  parameter = 'leadership_mix'\n  direction = 'positive'\n", "'outcome'"),
    ("title = 't'\nscenario = 'x.toml'\nreplications = 4\n[conditions]\nleadership_mix = [0, 1]\n"
     + CLAIM.replace("held-out", "tuned") + "  [[claims.effects]]\n  type = 'slope'\n"
     "  outcome = 'improvement'\n  parameter = 'leadership_mix'\n  direction = 'positive'\n", "'role'"),
    ("title = 't'\nscenario = 'x.toml'\nreplications = 4\n[conditions]\nleadership_mix = [0, 1]\n"
     + CLAIM + "  [[claims.effects]]\n  type = 'difference'\n  outcome = 'improvement'\n"
     "  a = { support = 1 }\n  b = { leadership_mix = 0 }\n  direction = 'positive'\n", ".a.support"),
])
def test_bad_study_files_name_the_file_and_key(tmp_path, text, fragment):
    (tmp_path / "protocol.toml").write_text("sizes = [100]\nfamilies = 1\nn_hospitals = 1\nticks = 5\n")
    path = tmp_path / "study.toml"
    path.write_text(text)
    with pytest.raises(StudyError) as err:
        load_study(path)
    assert str(path) in str(err.value) and fragment in str(err.value)


# --- running the studies ----------------------------------------------------------------------------
def _holding_in_register() -> set[str]:
    register = _register()
    return set(register.index[register["status"].str.startswith("holds")])


def test_quick_validation_covers_every_claim_and_keeps_the_direction_of_those_that_hold(tmp_path):
    """`leadsim validate --quick` (2 sizes x 2 seed families): every study runs, every claim is
    reported with its effects; a claim that holds in the full run (register status) must not be
    clearly reversed here: its quick 95% CI must reach the claimed side, so a change that reverses
    one fails CI. (A sign test on the estimate alone would fail on noise: CPX-2, a difference of
    differences of completion rates of about 0.02 in the full run, came out at -0.004 in a quick run
    of the same model.)"""
    out = tmp_path / "validation"
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", "--quick", "--quiet",
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    print(proc.stdout[-6000:], proc.stderr[-2000:])
    assert proc.returncode in (0, 1), proc.stderr
    table = pd.read_csv(out / "claims.csv")
    assert set(table["claim"]) == set(_register().index)
    assert np.isfinite(table["estimate"]).all()
    for _, row in table[table["claim"].isin(_holding_in_register())].iterrows():
        sign = {"> 0": 1, "< 0": -1}.get(row["rule"])
        if sign is None:        # near zero, or an interior optimum (whose rule is longer)
            sign = 1 if row["rule"].startswith("best level") else 0
        if sign:
            reaches = row["ci_high"] > 0 if sign > 0 else row["ci_low"] < 0
            assert reaches, (f"{row['claim']}: {row['effect']} reversed: {row['estimate']:.3g} "
                             f"[{row['ci_low']:.3g}, {row['ci_high']:.3g}]")
        else:
            assert row["passed"], f"{row['claim']}: {row['effect']}"
    report = (out / "VALIDATION.md").read_text()
    assert "Held-out claims" in report and "Calibration claims" in report
    for study in load_studies():
        assert (out / "validation" / f"{study.name}.png").exists(), study.name


@pytest.fixture(scope="module")
def full_validation(tmp_path_factory):
    """The full protocol, run once for the slow tests below: its claims table."""
    tmp = tmp_path_factory.mktemp("full-validation")
    out = tmp / "validation"
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", "--quiet", "--out", str(out),
                           "--report", str(tmp / "VALIDATION.md")],
                          capture_output=True, text=True, cwd=ROOT)
    print(proc.stdout[-8000:])
    return pd.read_csv(out / "claims.csv")


@pytest.mark.slow
def test_full_validation_agrees_with_the_register(full_validation):
    """The full protocol: every claim the register says holds does hold."""
    status = full_validation.groupby("claim")["status"].first()
    for claim in _holding_in_register():
        assert status[claim] != "fails", claim


def _held_out_holding(table: pd.DataFrame) -> pd.Series:
    held_out = table[table["role"] == "held-out"].groupby("claim")["status"].first()
    return held_out != "fails"


@pytest.mark.slow
def test_full_validation_meets_the_credibility_target(full_validation):
    """At least 90% of the held-out claims of the register hold (the claims-register issue's target;
    the collaborative's claims, QIC-*, are kept apart: docs/CLAIMS.md). Run 6: 25 of 27."""
    within = full_validation[~full_validation["claim"].str.startswith("QIC-")]
    assert _held_out_holding(within).mean() >= 0.9


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="not reached with the collaborative's claims: 27 of 32 "
                   "held-out claims hold (84%), docs/CLAIMS.md; when it passes, update the register "
                   "and README")
def test_full_validation_with_the_collaborative_meets_the_credibility_target(full_validation):
    assert _held_out_holding(full_validation).mean() >= 0.9


def test_validate_into_a_folder_that_holds_runs_asks_for_resume_in_one_line(tmp_path):
    """Re-running into the same --out without --resume: a clear message and exit 2, no traceback;
    with --resume the stored runs are reused."""
    studies = tmp_path / "studies"
    studies.mkdir()
    (studies / "protocol.toml").write_text("sizes = [40]\nfamilies = 1\nn_hospitals = 1\nticks = 20\n")
    (studies / "tiny.toml").write_text(
        f"title = 't'\nscenario = '{(ROOT / 'scenarios' / 'baseline.toml').as_posix()}'\n"
        "replications = 2\n[conditions]\nconsolidation_rate = [0.0, 0.3]\n"
        "[[claims]]\nid = 'CON-1'\npattern = 'SF6'\nrole = 'calibration'\nkind = 'assumed'\n"
        "source = 's'\nclaim = 'c'\n  [[claims.effects]]\n  type = 'slope'\n"
        "  outcome = 'sustained_improvement'\n  parameter = 'consolidation_rate'\n"
        "  direction = 'positive'\n")
    command = [sys.executable, "-m", "sim", "validate", "--quick", "--quiet", "--serial",
               "--studies", str(studies), "--out", str(tmp_path / "out")]
    first = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert first.returncode in (0, 1), first.stderr
    again = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 2
    assert "Traceback" not in again.stderr and "--resume" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    resumed = subprocess.run(command + ["--resume"], capture_output=True, text=True, cwd=ROOT)
    assert resumed.returncode == first.returncode and "CON-1 (SF6)" in resumed.stdout
