"""Bad input of every kind gets one clear line and exit status 2: files that are not regular files,
table designs, spelling hints, cross-parameter errors, flags, --resume into nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from sim.hints import did_you_mean
from sim.sweep import design as design_module

ROOT = Path(__file__).resolve().parents[1]
BASELINE = (ROOT / "scenarios" / "baseline.toml").as_posix()
OVERRIDES = "[overrides]\nn_hospitals = 1\nstaff_per_hospital = 30\nunit_size = 10\nticks = 4\n"


def error_line(capsys) -> str:
    """The only line on stderr (and nothing but it)."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("leadsim")
    return lines[0]


def sweep(tmp_path: Path, design: str, capsys, *extra: str, top: str = "") -> tuple[int, str]:
    path = tmp_path / "exp.toml"
    path.write_text(f'scenario = "{BASELINE}"\n{top}{OVERRIDES}{design}')
    status = main(["sweep", str(path), "--out", str(tmp_path / "o"), "--no-progress",
                   "--no-report", "--serial", *extra])
    return status, error_line(capsys) if status == 2 else ""


def table(file: str) -> str:
    return f'[design]\nkind = "table"\nfile = "{file}"\n'


# --- table designs: regular files only, limited, never echoed ----------------------------------
def test_table_design_that_is_a_folder(tmp_path, capsys):
    (tmp_path / "points").mkdir()
    status, line = sweep(tmp_path, table("points"), capsys)
    assert status == 2 and "is a directory" in line and "'design.file'" in line


def test_table_design_that_is_a_pipe_does_not_block(tmp_path, capsys):
    os.mkfifo(tmp_path / "fifo.csv")            # like /dev/stdin fed by a pipe: never read
    status, line = sweep(tmp_path, table("fifo.csv"), capsys)
    assert status == 2 and "is a pipe, not a regular file" in line


def test_table_design_dev_zero_is_refused_without_reading(tmp_path, capsys):
    status, line = sweep(tmp_path, table("/dev/zero"), capsys)
    assert status == 2 and "/dev/zero: is a device, not a regular file" in line


def test_table_design_dev_stdin_in_a_real_process_returns_at_once(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(f'scenario = "{BASELINE}"\n{OVERRIDES}{table("/dev/stdin")}')
    proc = subprocess.run([sys.executable, "-m", "sim", "sweep", str(path), "--out",
                           str(tmp_path / "o")], stdin=subprocess.PIPE, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a regular file" in lines[0]


def test_unreadable_table_design(tmp_path, capsys, monkeypatch):
    (tmp_path / "points.csv").write_text("leadership_mix\n0.5\n")
    real = os.access
    monkeypatch.setattr("sim.tomlfile.os.access",       # tests run as root, who reads anything
                        lambda p, mode: False if str(p).endswith("points.csv") else real(p, mode))
    status, line = sweep(tmp_path, table("points.csv"), capsys)
    assert status == 2 and "cannot be read (permission denied)" in line


def test_table_design_size_limit(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(design_module, "MAX_TABLE_BYTES", 1000)
    (tmp_path / "points.csv").write_text("leadership_mix\n" + "0.5\n" * 400)
    status, line = sweep(tmp_path, table("points.csv"), capsys)
    assert status == 2 and "allowed: a CSV design table file of at most" in line


def test_table_design_errors_never_echo_the_file(tmp_path, capsys):
    secret = "root:x:0:0:root:/root:/bin/bash"
    (tmp_path / "passwd.csv").write_text(f"{secret}\nmore:secrets:here\n")
    status, line = sweep(tmp_path, table("passwd.csv"), capsys)
    assert status == 2 and "root" not in line.split("passwd.csv")[-1]
    assert "passwd.csv: column 1 (not a parameter name)" in line
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00leadership_mix\n\x00\x01")
    status, line = sweep(tmp_path, table("binary.csv"), capsys)
    assert status == 2 and "not a readable CSV table" in line


def test_table_design_column_gets_a_hint(tmp_path, capsys):
    (tmp_path / "points.csv").write_text("leadrship_mix, management_support\n0.5, 0.5\n")
    status, line = sweep(tmp_path, table("points.csv"), capsys)
    assert status == 2 and "'design.file'" in line and "points.csv: 'leadrship_mix'" in line
    assert "did you mean leadership_mix" in line


def test_scenario_file_that_is_a_device_or_pipe(tmp_path, capsys):
    assert main(["describe", "/dev/zero"]) == 2
    assert "/dev/zero: is a device" in error_line(capsys)
    os.mkfifo(tmp_path / "s.toml")
    assert main(["run", str(tmp_path / "s.toml")]) == 2
    assert "is a pipe" in error_line(capsys)


# --- spelling hints everywhere a name is given -----------------------------------------------------
def test_the_hint_helper():
    assert did_you_mean("leadrship_mix", ["leadership_mix", "ticks"]) == \
        " (did you mean leadership_mix?)"
    assert did_you_mean("LeadershipMix", ["leadership_mix"]) == " (did you mean leadership_mix?)"
    assert did_you_mean("zzz", ["leadership_mix"]) == ""
    assert did_you_mean(None, ["a"]) == ""


def test_hint_for_set(capsys):
    assert main(["run", BASELINE, "--set", "leadrship_mix=0.3"]) == 2
    assert "did you mean leadership_mix?" in error_line(capsys)


def test_hint_for_overrides(tmp_path, capsys):
    path = tmp_path / "exp2.toml"
    path.write_text(f'scenario = "{BASELINE}"\n[overrides]\nmanagment_support = 0.3\n'
                    '[design]\nkind = "grid"\nleadership_mix = [0.2]\n')
    assert main(["sweep", str(path), "--out", str(tmp_path / "o2")]) == 2
    line = error_line(capsys)
    assert "'overrides.managment_support'" in line and "did you mean management_support" in line


@pytest.mark.parametrize("design, needle", [
    ('[design]\nkind = "grid"\nleadrship_mix = [0.2]\n', "did you mean leadership_mix"),
    ('[design]\nkind = "lhs"\nsize = 3\nparameters = ["turnovr_rate"]\n',
     "did you mean turnover_rate"),
    ('[design]\nkind = "lhs"\nsize = 3\nparameters = ["turnover_rate"]\n'
     '[design.ranges]\nhybrid_shar = [0.1, 0.2]\n', "did you mean hybrid_share"),
    ('[design]\nkind = "lhs"\nsise = 3\n', "did you mean size"),
    ('[design]\nkind = "table"\nrows = [{leadership_mx = 0.2}]\n', "did you mean leadership_mix"),
], ids=["grid", "lhs-parameters", "lhs-ranges", "lhs-key", "table-rows"])
def test_hint_for_design_parameters(tmp_path, capsys, design, needle):
    status, line = sweep(tmp_path, design, capsys)
    assert status == 2 and needle in line


def test_hint_for_outcomes_and_experiment_keys(tmp_path, capsys):
    grid = '[design]\nkind = "grid"\nleadership_mix = [0.2]\n'
    status, line = sweep(tmp_path, grid, capsys, top='outcomes = ["improvment"]\n')
    assert status == 2 and "did you mean improvement" in line
    status, line = sweep(tmp_path, grid, capsys, top='replicatons = 2\n')
    assert status == 2 and "did you mean replications" in line


def test_hint_for_sensitivity_parameters_and_outcomes(tmp_path, capsys):
    def study(extra):
        path = tmp_path / "study.toml"
        path.write_text(f'scenario = "{BASELINE}"\nmethod = "morris"\nsamples = 2\n{extra}')
        assert main(["sensitivity", str(path), "--dry-run"]) == 2
        return error_line(capsys)

    assert "did you mean leadership_mix" in study('parameters = ["leadership_mx", "turnover_rate"]\n')
    assert "did you mean improvement" in study('outcomes = ["improvemnt"]\n')
    assert "did you mean replications" in study('replicatons = 2\n')


def test_hint_for_scenario_files(tmp_path, capsys):
    assert main(["run", str(ROOT / "scenarios" / "basline.toml")]) == 2
    assert "file not found (did you mean baseline.toml?)" in error_line(capsys)
    child = tmp_path / "child.toml"
    (tmp_path / "parent.toml").write_text("ticks = 4\n")
    child.write_text('extends = "parnt.toml"\n')
    assert main(["describe", str(child)]) == 2
    assert "did you mean parent.toml?" in error_line(capsys)
    path = tmp_path / "exp3.toml"
    path.write_text(f'scenario = "{ROOT / "scenarios" / "basline.toml"}"\n'
                    '[design]\nkind = "grid"\nleadership_mix = [0.2]\n')
    assert main(["sweep", str(path)]) == 2
    assert "did you mean baseline.toml?" in error_line(capsys)


# --- cross-parameter errors name the file ------------------------------------------------------------
def test_cross_parameter_error_names_the_scenario_file(tmp_path, capsys):
    path = tmp_path / "tight.toml"
    path.write_text("staff_per_hospital = 8\ncoordinators_per_hospital = 30\n")
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2
    line = error_line(capsys)
    assert line.startswith(f"leadsim: error: {path}: 'coordinators_per_hospital': hospital 0 has 8")
    assert "allowed: at most" in line
    assert not (tmp_path / "o").exists()


def test_cross_parameter_error_in_a_hospital_table_names_the_table(tmp_path, capsys):
    path = tmp_path / "tight.toml"
    path.write_text("n_hospitals = 2\n[[hospitals]]\nhospital = 1\nstaff_per_hospital = 10\n"
                    "coordinators_per_hospital = 20\n")
    assert main(["describe", str(path)]) == 2
    line = error_line(capsys)
    assert f"{path}: 'hospitals[1].coordinators_per_hospital': hospital 1 has 10 staff" in line


def test_cross_parameter_error_from_set_and_overrides(tmp_path, capsys):
    assert main(["run", BASELINE, "--set", "coordinators_per_hospital=30", "--set",
                 "staff_per_hospital=8"]) == 2
    assert f"{BASELINE} (changed): 'coordinators_per_hospital'" in error_line(capsys)
    path = tmp_path / "exp4.toml"
    path.write_text(f'scenario = "{BASELINE}"\n[overrides]\nstaff_per_hospital = 8\n'
                    'coordinators_per_hospital = 30\n[design]\nkind = "grid"\n'
                    'leadership_mix = [0.2]\n')
    assert main(["sweep", str(path)]) == 2
    line = error_line(capsys)
    assert str(path) in line and "'coordinators_per_hospital'" in line


# --- argparse: one line, no usage block -------------------------------------------------------------
@pytest.mark.parametrize("argv, needle", [
    (["run", BASELINE, "--seeed", "3"], "did you mean --seed?"),
    (["run", BASELINE, "--bogus"], "unrecognized arguments: --bogus"),
    (["rn", BASELINE], "did you mean run?"),
    (["sweep", "x.toml", "--cluster", "slurn"], "did you mean slurm?"),
    (["sweep", "x.toml", "--workers", "two"], "invalid int value: 'two'"),
    (["run"], "the following arguments are required: SCENARIO"),
], ids=["flag-hint", "flag", "command", "choice", "value", "missing"])
def test_argparse_errors_are_one_line(capsys, argv, needle):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "usage:" not in captured.err
    assert captured.out == ""


# --- --resume into nothing ----------------------------------------------------------------------------
def test_resume_into_a_folder_that_does_not_exist(tmp_path, capsys):
    path = tmp_path / "exp.toml"
    path.write_text(f'scenario = "{BASELINE}"\n{OVERRIDES}[design]\nkind = "grid"\n'
                    'leadership_mix = [0.2]\n')
    assert main(["sweep", str(path), "--out", str(tmp_path / "nowhere"), "--resume"]) == 2
    line = error_line(capsys)
    assert "'--resume': folder not found" in line and "nothing to resume" in line
    assert not (tmp_path / "nowhere").exists()
    (tmp_path / "empty").mkdir()
    assert main(["sweep", str(path), "--out", str(tmp_path / "empty"), "--resume"]) == 2
    assert "holds no sweep" in error_line(capsys)


def test_sensitivity_and_validate_resume_into_nothing(tmp_path, capsys):
    study = tmp_path / "study.toml"
    study.write_text(f'scenario = "{BASELINE}"\nmethod = "morris"\nsamples = 2\n'
                     'parameters = ["leadership_mix", "turnover_rate"]\n')
    assert main(["sensitivity", str(study), "--out", str(tmp_path / "no"), "--resume"]) == 2
    assert "nothing to resume" in error_line(capsys)
    assert main(["validate", "--out", str(tmp_path / "no"), "--resume", "--quick"]) == 2
    assert "'--resume': folder not found" in error_line(capsys)


# --- the collaborative's knobs (issue #12) -------------------------------------------------------
@pytest.mark.parametrize("text, key, allowed", [
    ("learning_session_interval = -4\n", "'learning_session_interval'", "int in [1, 260] (weeks)"),
    ("learning_session_interval = 0\n", "'learning_session_interval'", "int in [1, 260] (weeks)"),
    ("collaborative_learning = 1.5\n", "'collaborative_learning'", "float in [0.0, 1.0]"),
    ("collaborative_complexity = -0.1\n", "'collaborative_complexity'", "float in [0.0, 1.0]"),
    ("regional_coordinators = -1\n", "'regional_coordinators'", "int in [0, 1000]"),
    ("n_hospitals = 1\nregional_coordinators = 1\n", "'regional_coordinators'",
     "allowed: 0 unless n_hospitals is at least 2"),
    ("n_hospitals = 3\nregional_coordinators = 4\n", "'regional_coordinators'",
     "allowed: 0..3 (n_hospitals)"),
    ("regional_span = 0\n", "'regional_span'", "int in [1, 100]"),
], ids=["negative-interval", "zero-interval", "learning", "complexity", "negative-regional",
        "regional-one-hospital", "regional-without-hospitals", "span"])
def test_bad_collaborative_values_name_file_key_and_what_is_allowed(tmp_path, capsys, text, key,
                                                                    allowed):
    path = tmp_path / "qic.toml"
    path.write_text(f'extends = "{BASELINE}"\n{text}')
    out = tmp_path / "o"
    assert main(["run", str(path), "--out", str(out)]) == 2
    line = error_line(capsys)
    assert f"{path}: {key}" in line and allowed in line, line
    assert "Traceback" not in line and not out.exists()


def test_bad_regional_coordinators_from_set_name_the_key(capsys):
    assert main(["run", BASELINE, "--set", "n_hospitals=1", "--set", "regional_coordinators=2"]) == 2
    line = error_line(capsys)
    assert "'regional_coordinators'" in line and "n_hospitals" in line
