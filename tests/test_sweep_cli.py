"""``leadsim sweep`` and ``leadsim sweep-report`` end to end: kill and resume, failures, report."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.sweep import load_experiment, load_results, run_experiment
from sim.sweep.storage import RESULTS_DIR, chunk_files

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = (ROOT / "scenarios" / "baseline.toml").as_posix()

KILL_EXPERIMENT = f"""
name = "killme"
scenario = "{SCENARIO}"
replications = 2
seed = 99
outcomes = ["improvement", "completion_rate", "leadership_gini"]
[overrides]
n_hospitals = 2
staff_per_hospital = 60
unit_size = 15
ticks = 52
[design]
kind = "grid"
leadership_mix = [0.0, 0.25, 0.5, 0.75, 1.0]
management_support = [0.2, 0.4, 0.6, 0.8]
"""

FAIL_EXPERIMENT = f"""
name = "withfailure"
scenario = "{SCENARIO}"
replications = 2
seed = 5
outcomes = ["improvement", "leadership_gini"]
[overrides]
n_hospitals = 2
staff_per_hospital = 60
unit_size = 15
ticks = 52
[design]
kind = "table"
rows = [{{leadership_mix = 0.2, management_support = 0.5}},
        {{leadership_mix = 1.5, management_support = 0.5}},
        {{leadership_mix = 0.8, management_support = 0.5}}]
"""

LHS_DESIGN = """[design]
kind = "lhs"
size = 24
parameters = ["leadership_mix", "coordinators_per_hospital"]
"""


def live_group_members(pgid: int) -> list[int]:
    """Processes (not zombies) in process group ``pgid``, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(stat.parent.name))
    return found


def all_chunk_rows(out: Path) -> pd.DataFrame:
    """Every row of every chunk file (each file must be a readable Parquet file)."""
    return pd.concat([pq.read_table(p).to_pandas() for p in chunk_files(out)], ignore_index=True)


def test_sigkilled_sweep_resumes_with_every_run_exactly_once(tmp_path):
    exp_path = tmp_path / "killme.toml"
    exp_path.write_text(KILL_EXPERIMENT)
    out = tmp_path / "out"
    total = 40
    # warm numba's cache in this process so the subprocess does not spend its time compiling
    reference = run_experiment(load_experiment(exp_path), out_dir=tmp_path / "ref",
                               backend="serial", progress=False)
    cmd = [sys.executable, "-m", "sim", "sweep", str(exp_path), "--out", str(out), "--workers", "1",
           "--chunk-size", "2", "--no-progress", "--no-report"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not chunk_files(out) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert chunk_files(out), "no chunk was written before the sweep ended or timed out"
        proc.send_signal(signal.SIGKILL)        # the sweep's main process only, like kill -9
        proc.wait()
        # its worker processes notice and exit by themselves
        deadline = time.monotonic() + 60
        while live_group_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not live_group_members(proc.pid), "worker processes outlived the killed sweep"
    finally:
        if live_group_members(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done_at_kill = len(all_chunk_rows(out))
    assert 0 < done_at_kill < total, "the sweep finished before it could be killed"

    status = main(["sweep", str(exp_path), "--out", str(out), "--resume", "--serial",
                   "--no-progress", "--no-report", "--chunk-size", "7"])
    assert status == 0
    rows = all_chunk_rows(out)                  # every file readable, nothing duplicated
    assert len(rows) == total and rows["run_id"].is_unique
    assert not [p for p in (out / RESULTS_DIR).iterdir() if p.name.startswith(".")]
    res = load_results(out)
    assert res["run_id"].tolist() == [f"{i}-{r}" for i in range(20) for r in range(2)]
    cols = ["run_id", "seed", "leadership_mix", "management_support", "improvement",
            "completion_rate", "leadership_gini", "error"]
    pd.testing.assert_frame_equal(res[cols], reference[cols])


def test_failed_run_is_recorded_reported_and_exit_status_is_1(tmp_path, capsys):
    exp_path = tmp_path / "fail.toml"
    exp_path.write_text(FAIL_EXPERIMENT)
    out = tmp_path / "out"
    status = main(["sweep", str(exp_path), "--out", str(out), "--workers", "2", "--no-progress"])
    assert status == 1
    captured = capsys.readouterr()
    assert "2 of 6 runs failed" in captured.err
    assert "run 1-0 (leadership_mix=1.5, management_support=0.5): ParameterError" in captured.err
    assert "6 runs (4 succeeded, 2 failed)" in captured.out     # the summary is still printed
    res = load_results(out)
    assert len(res) == 6
    assert res.loc[res.error.notna(), "run_id"].tolist() == ["1-0", "1-1"]
    assert res.loc[res.error.isna(), "improvement"].notna().all()
    failures = pd.read_csv(out / "report" / "failures.csv")
    assert failures["run_id"].tolist() == ["1-0", "1-1"]
    # failed runs count as completed on resume...
    assert main(["sweep", str(exp_path), "--out", str(out), "--resume", "--serial",
                 "--no-progress", "--no-report"]) == 1
    assert "0 runs in" in capsys.readouterr().err
    # ... unless asked to retry them
    assert main(["sweep", str(exp_path), "--out", str(out), "--resume", "--retry-failed",
                 "--serial", "--no-progress", "--no-report"]) == 1
    assert "2 runs in" in capsys.readouterr().err
    assert all_chunk_rows(out)["run_id"].is_unique


def test_rerun_without_resume_is_refused_in_one_line(tmp_path, capsys):
    exp_path = tmp_path / "fail.toml"
    exp_path.write_text(FAIL_EXPERIMENT.replace("1.5", "0.5"))
    out = tmp_path / "out"
    assert main(["sweep", str(exp_path), "--out", str(out), "--serial", "--no-progress",
                 "--no-report"]) == 0
    capsys.readouterr()
    assert main(["sweep", str(exp_path), "--out", str(out), "--serial"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--resume" in err
    exp_path.write_text(FAIL_EXPERIMENT.replace("1.5", "0.5").replace("replications = 2",
                                                                     "replications = 3"))
    assert main(["sweep", str(exp_path), "--out", str(out), "--serial", "--resume"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "cannot resume" in err and "'replications'" in err


@pytest.mark.parametrize("argv,needle", [
    (["--retry-failed"], "--retry-failed"),
    (["--workers", "0"], "--workers"),
    (["--chunk-size", "0"], "--chunk-size"),
])
def test_bad_flags_exit_2(tmp_path, capsys, argv, needle):
    exp_path = tmp_path / "fail.toml"
    exp_path.write_text(FAIL_EXPERIMENT)
    assert main(["sweep", str(exp_path), "--out", str(tmp_path / "o"), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and needle in err


def test_sweep_report_redraws_from_disk(tmp_path, capsys):
    exp_path = tmp_path / "lhs.toml"
    exp_path.write_text(FAIL_EXPERIMENT.split("[design]")[0] + LHS_DESIGN)
    out = tmp_path / "out"
    assert main(["sweep", str(exp_path), "--out", str(out), "--serial", "--no-progress",
                 "--no-report"]) == 0
    assert not (out / "report").exists()
    capsys.readouterr()
    assert main(["sweep-report", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "48 runs (48 succeeded, 0 failed)" in printed and "improvement" in printed
    figures = sorted(p.name for p in (out / "report").glob("*.png"))
    assert figures == ["effect_coordinators_per_hospital.png", "effect_leadership_mix.png"]
    for png in (out / "report").glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    effects = pd.read_csv(out / "report" / "effects.csv")
    mix = effects[(effects.parameter == "leadership_mix") & (effects.outcome == "improvement")]
    assert len(mix) == 10 and mix["n"].sum() == 48     # 24 distinct values -> deciles
    coord = effects[(effects.parameter == "coordinators_per_hospital")
                    & (effects.outcome == "improvement")]
    assert coord["value"].tolist() == sorted(coord["value"]) and coord["n"].sum() == 48
    summary = pd.read_csv(out / "report" / "summary.csv", index_col="outcome")
    res = load_results(out)
    assert summary.loc["improvement", "mean"] == pytest.approx(res["improvement"].mean())


def test_sweep_report_on_a_folder_without_a_sweep_exit_2(tmp_path, capsys):
    assert main(["sweep-report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not a sweep folder" in err


def test_two_parameter_grid_report_has_interaction_lines(tmp_path, capsys):
    tiny = ROOT / "experiments" / "tiny_grid.toml"
    out = tmp_path / "out"
    assert main(["sweep", str(tiny), "--out", str(out), "--serial", "--no-progress"]) == 0
    report = out / "report"
    name = "interaction_leadership_mix_by_management_support"
    assert (report / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    table = pd.read_csv(report / f"{name}.csv")
    res = load_results(out)
    means = res.groupby(["leadership_mix", "management_support"])["improvement"].mean()
    imp = table[table.outcome == "improvement"].set_index(["leadership_mix", "management_support"])
    assert len(imp) == 4 and (imp["n"] == 2).all()
    pd.testing.assert_series_equal(imp["mean"], means, check_names=False)


def test_workers_with_scheduler_is_refused(tmp_path, capsys):
    tiny = ROOT / "experiments" / "tiny_grid.toml"
    assert main(["sweep", str(tiny), "--scheduler", "tcp://127.0.0.1:9", "--workers", "2",
                 "--out", str(tmp_path / "o")]) == 2
    assert "--workers" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
