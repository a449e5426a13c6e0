"""Validation: effect estimators, study files, and the studies themselves (quick in the default
suite, full size marked slow)."""

import subprocess
import sys

import numpy as np
import pytest

from sim.validation import StudyError, load_studies, load_study
from sim.validation.effects import interior_optimum, mean_ci, slopes, within

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def test_t_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    hits = sum(lo <= 1.0 <= hi for _, lo, hi in (mean_ci(rng.normal(1.0, 2.0, 8)) for _ in range(4000)))
    assert 0.935 <= hits / 4000 <= 0.965


def test_per_replication_slopes():
    x = [0.0, 0.5, 1.0]
    y = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    assert np.allclose(slopes(x, y), [2.0, 0.0])


def test_interior_optimum_detects_a_hump_and_rejects_a_monotone_curve():
    rng = np.random.default_rng(1)
    levels = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    hump = -(levels - 0.5) ** 2 * 8 + rng.normal(0, 0.2, (20, 5))
    low, high, detail = interior_optimum(levels, hump, (0.2, 0.8))
    assert low.passed and high.passed and detail["best_level"] == 0.5
    rising = levels * 4 + rng.normal(0, 0.2, (20, 5))
    low, high, detail = interior_optimum(levels, rising, (0.2, 0.8))
    assert low.passed and not high.passed and detail["overall_best_level"] == 1.0


def test_near_zero_rule():
    assert within("x", [0.01, -0.02, 0.0, 0.01], 0.1, "").passed
    assert not within("x", [1.0, 1.2, 0.9, 1.1], 0.1, "").passed


def test_every_pattern_of_the_brief_has_a_study_with_source_and_rule():
    studies = load_studies()
    assert [s.pattern for s in studies] == ["SF1", "SF2", "SF3", "SF4", "SF5", "SF6"]
    for s in studies:
        assert s.source and s.claim and s.replications >= 4
        assert s.quick_version().replications >= 4


@pytest.mark.parametrize("text, fragment", [
    ("kind = 'nonsense'", "'kind'"),
    ("pattern = 'X'\ntitle='t'\nsource='s'\nclaim='c'\nscenario='../../scenarios/baseline.toml'\n"
     "outcome='improvement'\nkind='slope'\nreplications=10\n[conditions]\nleadership_mixx=[0, 1]",
     "conditions.leadership_mixx"),
    ("pattern = 'X'\ntitle='t'\nsource='s'\nclaim='c'\nscenario='../../scenarios/baseline.toml'\n"
     "outcome='happiness'\nkind='slope'\nreplications=10", "'outcome'"),
])
def test_bad_study_files_name_the_file_and_key(tmp_path, text, fragment):
    path = tmp_path / "study.toml"
    path.write_text(text)
    with pytest.raises(StudyError) as err:
        load_study(path)
    assert str(path) in str(err.value) and fragment in str(err.value)


# Effects the model does not reproduce yet (see docs/VALIDATION.md); each row is still run and
# reported, and is listed here so that a new failure anywhere else fails the suite.
KNOWN_GAPS: set[tuple[str, str]] = set()


def test_quick_validation_passes_every_pattern(tmp_path):
    """`leadsim validate --quick`: every pattern must pass at its reduced size (known gaps apart)."""
    out = tmp_path / "validation"
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", "--quick", "--quiet",
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    print(proc.stdout[-4000:], proc.stderr[-2000:])
    rows = [line.split() for line in proc.stdout.splitlines() if line[:3] == "SF" or line[:2] == "SF"]
    assert {r[0] for r in rows} == {"SF1", "SF2", "SF3", "SF4", "SF5", "SF6"}
    for row in rows:
        line = " ".join(row)
        known = any(row[0] == p and word in line for p, word in KNOWN_GAPS)
        if not known:
            assert row[-1] == "PASS", f"validation effect failed: {line}"
    assert proc.returncode == (1 if any(r[-1] == "FAIL" for r in rows) else 0)
    report = (out / "VALIDATION.md").read_text()
    assert "| SF1" in report
    for figure in ("sf1_improvement_by_mix.png", "failures_by_mix.png", "sf4_support_by_mix.png",
                   "sf5_coordinators.png", "sf6_consolidation.png", "sf3_national_bodies.png"):
        assert (out / "validation" / figure).exists(), figure


@pytest.mark.slow
def test_full_validation_passes_every_pattern(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", "--quiet", "--out",
                           str(tmp_path / "validation"), "--report", str(tmp_path / "VALIDATION.md")],
                          capture_output=True, text=True, cwd=ROOT)
    print(proc.stdout[-6000:])
    main_table = proc.stdout.split("\nrobustness:")[0]   # robustness variants are reported, not required
    rows = [line.split() for line in main_table.splitlines() if line.startswith("SF")]
    assert {r[0] for r in rows} == {"SF1", "SF2", "SF3", "SF4", "SF5", "SF6"}
    for row in rows:
        line = " ".join(row)
        if not any(row[0] == p and word in line for p, word in KNOWN_GAPS):
            assert row[-1] == "PASS", line


def test_validate_into_a_folder_that_holds_runs_asks_for_resume_in_one_line(tmp_path):
    """Re-running into the same --out without --resume: a clear message and exit 2, no traceback;
    with --resume the stored runs are reused."""
    studies = tmp_path / "studies"
    studies.mkdir()
    (studies / "tiny.toml").write_text(
        f"pattern = 'SF6'\ntitle = 't'\nsource = 's'\nclaim = 'c'\n"
        f"scenario = '{(ROOT / 'scenarios' / 'baseline.toml').as_posix()}'\n"
        "outcome = 'sustained_improvement'\nkind = 'slope'\nreplications = 4\n"
        "[size]\nn_hospitals = 1\nstaff_per_hospital = 40\nticks = 20\n"
        "[conditions]\nconsolidation_rate = [0.0, 0.3]\n"
        "[test]\nparameter = 'consolidation_rate'\ndirection = 'positive'\n")
    command = [sys.executable, "-m", "sim", "validate", "--quick", "--quiet", "--serial",
               "--studies", str(studies), "--out", str(tmp_path / "out")]
    first = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert first.returncode in (0, 1), first.stderr
    again = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 2
    assert "Traceback" not in again.stderr and "--resume" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    resumed = subprocess.run(command + ["--resume"], capture_output=True, text=True, cwd=ROOT)
    assert resumed.returncode == first.returncode and "SF6" in resumed.stdout
