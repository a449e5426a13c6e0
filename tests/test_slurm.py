"""Sweeps on a real SLURM cluster: the single-node cluster that ``.ci/slurm-up`` starts.

Each test submits real worker jobs with ``sbatch`` (dask-jobqueue) and checks what a user relies
on: results bit-identical to ``--serial``, every run stored exactly once through a cancelled job, a
walltime, a killed sweep process, and one clear line (exit 2) for jobs SLURM refuses or never
starts. Outside CI they are skipped when that cluster does not answer; under CI (``CI`` set) a
missing or broken cluster fails them. Everything binds to 127.0.0.1 (SLURM's daemons, the Dask
scheduler and the workers, ``interface = "lo"``).
"""

from __future__ import annotations

import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.sweep import load_experiment, load_results
from sim.sweep.cluster import numba_cache_dir
from sim.sweep.storage import chunk_files
from sim.sweep.worker import RunTask, execute, run_seed
from sim.validation.studies import STUDY_DIR

pytestmark = pytest.mark.slurm

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = (ROOT / "scenarios" / "baseline.toml").as_posix()
LEADSIM = Path(sys.executable).with_name("leadsim")
CLUSTER_NAME = "leadsim-ci"            # ClusterName in the slurm.conf written by .ci/slurm-up
#: The validation study run through SLURM (its id in experiments/validation/).
VALIDATION_STUDY = "SF2"
ENDED = {"COMPLETED", "CANCELLED", "COMPLETING", "TIMEOUT", "FAILED", "NODE_FAIL", "PREEMPTED",
         "OUT_OF_MEMORY"}


# --- the cluster ---------------------------------------------------------------------------------
def cluster_problem() -> str | None:
    """Why the CI cluster cannot take jobs (None when it can)."""
    if shutil.which("sbatch") is None:
        return "no SLURM here (sbatch not found; .ci/slurm-up starts the CI cluster)"
    try:
        conf = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True,
                              timeout=30)
        state = subprocess.run(["sinfo", "-h", "-p", "main", "-o", "%T"], capture_output=True,
                               text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"SLURM does not answer ({err})"
    if conf.returncode != 0:
        return f"slurmctld does not answer: {conf.stderr.strip()}"
    if not re.search(rf"ClusterName\s*=\s*{CLUSTER_NAME}\b", conf.stdout):
        return f"this SLURM is not the CI cluster ({CLUSTER_NAME}) that .ci/slurm-up starts"
    if state.stdout.strip() not in ("idle", "mixed", "allocated", "completing"):
        return f"the node of partition main is not up (state {state.stdout.strip()!r})"
    return None


@pytest.fixture(scope="module")
def slurm():
    """The CI cluster, with the workers' numba cache warm (the first worker would compile)."""
    problem = cluster_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"SLURM tests under CI: {problem}")
        pytest.skip(problem)
    env = {**os.environ, "NUMBA_CACHE_DIR": numba_cache_dir({})}
    subprocess.run([sys.executable, "-m", "sim.sweep.warmup"], env=env, check=True, timeout=600)
    yield


def jobs_named(name: str) -> dict[str, str]:
    """job id -> state of the jobs called ``name`` that SLURM remembers (MinJobAge = 10 min)."""
    out = subprocess.run(["squeue", "-h", "-t", "all", "-n", name, "-o", "%i|%T"],
                         capture_output=True, text=True, timeout=30).stdout
    return dict(line.split("|") for line in out.split() if "|" in line)


def wait_until_jobs_end(name: str, seconds: float) -> dict[str, str]:
    deadline = time.monotonic() + seconds
    while True:
        jobs = jobs_named(name)
        if all(state in ENDED - {"COMPLETING"} for state in jobs.values()) \
                or time.monotonic() > deadline:
            return jobs
        time.sleep(1.0)


# --- files and commands --------------------------------------------------------------------------
def site_config(folder: Path, name: str, **settings) -> Path:
    """A site's [cluster] file for this machine's cluster (one core and 1 GB per job)."""
    values = {"cores": 1, "memory": "1GB", "walltime": "00:10:00", "jobs": 2, "interface": "lo",
              "dashboard_address": "127.0.0.1:0", "start_timeout": 120, "job_name": name,
              "log_directory": str(folder / "logs"), **settings}
    lines = ["[cluster]"] + [f"{k} = {toml_value(v)}" for k, v in values.items()]
    path = folder / f"{name}-cluster.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def experiment(folder: Path, name: str, *, replications: int = 2, ticks: int = 52) -> Path:
    """An experiment of 6 points (3 mixes x 2 levels of support) on 2 hospitals x 60 staff."""
    path = folder / f"{name}.toml"
    path.write_text(f"""name = "{name}"
scenario = "{SCENARIO}"
replications = {replications}
seed = 1606
outcomes = ["improvement", "nobody_in_charge_rate", "completion_rate", "leadership_gini"]
[overrides]
n_hospitals = 2
staff_per_hospital = 60
ticks = {ticks}
[design]
kind = "grid"
leadership_mix = [0.0, 0.5, 1.0]
management_support = [0.3, 0.8]
""")
    return path


def leadsim(*args, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    command = ([str(LEADSIM)] if LEADSIM.exists() else
               [sys.executable, "-c", "import sys; from sim.cli import main; sys.exit(main())"])
    return subprocess.run([*command, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def leadsim_popen(*args, cwd: Path) -> subprocess.Popen:
    command = ([str(LEADSIM)] if LEADSIM.exists() else
               [sys.executable, "-c", "import sys; from sim.cli import main; sys.exit(main())"])
    return subprocess.Popen([*command, *map(str, args)], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def assert_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.drop(columns="run_seconds"), b.drop(columns="run_seconds"),
                                  check_exact=True)


def assert_stored_once(out: Path, runs: int) -> None:
    """Every run id of the sweep is in exactly one chunk row, and none failed."""
    ids = [i for p in chunk_files(out) for i in pq.read_table(p, columns=["run_id"])
           .column("run_id").to_pylist()]
    assert len(ids) == len(set(ids)) == runs, (len(ids), len(set(ids)), runs)
    results = load_results(out)
    assert results["error"].isna().all(), results["error"].dropna().iloc[0]


def assert_sample_matches_serial(out: Path, exp_path: Path, k: int = 4) -> None:
    """``k`` runs drawn at random, run again here, equal the stored ones bit for bit."""
    exp = load_experiment(exp_path)
    stored = load_results(out).set_index("run_id")
    for run in random.Random(7).sample(sorted(stored.index), k):
        point, rep = map(int, run.split("-"))
        values = {c: stored.loc[run, c] for c in exp.design.columns}
        values = {c: (v.item() if hasattr(v, "item") else v) for c, v in values.items()}
        row = execute(RunTask(point, rep, run_seed(exp.seed, point, rep), values,
                              exp.base.params, exp.outcomes))
        for outcome in exp.outcomes:
            assert row[outcome] == stored.loc[run, outcome], (run, outcome)


def worker_addresses(logs: Path) -> set[str]:
    text = "".join(p.read_text(errors="replace") for p in logs.glob("*.err"))
    return set(re.findall(r"tcp://([0-9.]+):\d+", text))


# --- end to end ----------------------------------------------------------------------------------
def test_sweep_on_slurm_is_identical_to_serial(slurm, tmp_path):
    exp = experiment(tmp_path, "slurm_e2e")
    site = site_config(tmp_path, "leadsim-e2e")
    res = leadsim("sweep", exp, "--cluster", "slurm", "--cluster-config", site, "--out",
                  tmp_path / "slurm", "--no-progress", "--no-report", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "on slurm (2 workers" in res.stderr
    ser = leadsim("sweep", exp, "--serial", "--out", tmp_path / "serial", "--no-progress",
                  "--no-report", cwd=tmp_path)
    assert ser.returncode == 0, ser.stderr
    assert_identical(load_results(tmp_path / "slurm"), load_results(tmp_path / "serial"))
    assert_stored_once(tmp_path / "slurm", 12)
    jobs = wait_until_jobs_end("leadsim-e2e", 30)
    assert jobs and set(jobs.values()) <= ENDED, jobs          # jobs ran and are gone
    assert worker_addresses(tmp_path / "logs") == {"127.0.0.1"}   # workers and scheduler


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def reduced_study(folder: Path, pattern: str) -> Path:
    """A copy of the validation study testing ``pattern`` (e.g. SF2), with a tiny protocol (one
    size of 60 staff, one seed family, 2 hospitals x 52 weeks) and 2 replications, in ``folder``."""
    from sim.validation import load_studies

    study = next((s for s in load_studies(STUDY_DIR) if pattern.upper() in s.ids()), None)
    if study is None:
        pytest.fail(f"no validation study tests {pattern} in {STUDY_DIR}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "protocol.toml").write_text("sizes = [60]\nfamilies = 1\nn_hospitals = 2\nticks = 52\n")
    text = study.path.read_text().replace('scenario = "../../scenarios/baseline.toml"',
                                          f'scenario = "{study.scenario.as_posix()}"')
    text = "\n".join("replications = 2" if line.startswith("replications =") else line
                     for line in text.splitlines())
    out = folder / study.path.name
    out.write_text(text + "\n")
    return out


def test_validate_on_slurm_is_identical_to_serial(slurm, tmp_path):
    study = reduced_study(tmp_path / "studies", VALIDATION_STUDY)
    studies = study.parent
    site = site_config(tmp_path, "leadsim-validate")
    common = ("validate", "--quick", "--only", VALIDATION_STUDY, "--studies", studies, "--quiet")
    res = leadsim(*common, "--cluster", "slurm", "--cluster-config", site, "--out",
                  tmp_path / "slurm", cwd=tmp_path)
    assert res.returncode in (0, 1), res.stderr          # 1: the claim fails at this tiny size
    ser = leadsim(*common, "--serial", "--out", tmp_path / "serial", cwd=tmp_path)
    assert ser.returncode == res.returncode, ser.stderr
    folder = f"{study.stem}/family-0"
    slurm_runs = load_results(tmp_path / "slurm" / folder)
    assert len(slurm_runs) > 0 and slurm_runs["error"].isna().all()
    assert_identical(slurm_runs, load_results(tmp_path / "serial" / folder))
    claims = (tmp_path / "slurm" / "claims.csv").read_text()
    assert VALIDATION_STUDY in claims and claims == (tmp_path / "serial" / "claims.csv").read_text()
    assert set(jobs_named("leadsim-validate").values()) <= ENDED


# --- faults --------------------------------------------------------------------------------------
def wait_for_chunks(out: Path, proc: subprocess.Popen, n: int = 1, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while len(chunk_files(out)) < n:
        assert proc.poll() is None, f"the sweep ended early: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "no result within the time allowed"
        time.sleep(0.1)


def test_scancel_of_a_worker_job_mid_sweep(slurm, tmp_path):
    exp = experiment(tmp_path, "slurm_scancel", replications=20, ticks=260)     # 120 runs
    site = site_config(tmp_path, "leadsim-scancel")
    out = tmp_path / "out"
    proc = leadsim_popen("sweep", exp, "--cluster", "slurm", "--cluster-config", site, "--out",
                         out, "--chunk-size", "4", "--no-progress", "--no-report", cwd=tmp_path)
    try:
        wait_for_chunks(out, proc)
        running = [j for j, s in jobs_named("leadsim-scancel").items() if s == "RUNNING"]
        assert running, jobs_named("leadsim-scancel")
        subprocess.run(["scancel", running[0]], check=True, timeout=30)
        _, stderr = proc.communicate(timeout=240)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    done_after = load_results(out)
    assert len(done_after) == 120
    assert_stored_once(out, 120)
    assert jobs_named("leadsim-scancel")[running[0]] == "CANCELLED"
    assert_sample_matches_serial(out, exp)


def run_seconds_here(exp_path: Path) -> float:
    """Seconds one run of the experiment takes in this process (numba code already loaded)."""
    exp = load_experiment(exp_path)
    task = RunTask(0, 0, 1, {c: exp.design[c].iloc[0].item() for c in exp.design.columns},
                   exp.base.params, exp.outcomes)
    execute(task)
    return min(execute(task)["run_seconds"] for _ in range(3))


def test_walltime_expiry_with_worker_lifetime(slurm, tmp_path):
    """A sweep that outlives its job's 1-minute walltime: each worker leaves after its lifetime
    (20 s +/- 5 s), the adaptive cluster submits a fresh job, SLURM kills none at the walltime.
    One job at a time (one core), so that the other core is left to the rest of the machine."""
    probe = experiment(tmp_path, "probe", ticks=520)
    per_run = run_seconds_here(probe)
    reps = max(2, math.ceil(56 / per_run / 6))      # about 56 s of work (+ restarts) for one worker
    exp = experiment(tmp_path, "slurm_walltime", replications=reps, ticks=520)
    site = site_config(tmp_path, "leadsim-walltime", walltime="00:01:00", lifetime="20s",
                       lifetime_stagger="5s", jobs=1)
    started = time.monotonic()
    res = leadsim("sweep", exp, "--cluster", "slurm", "--cluster-config", site, "--out",
                  tmp_path / "out", "--no-progress", "--no-report", cwd=tmp_path, timeout=400)
    seconds = time.monotonic() - started
    assert res.returncode == 0, res.stderr
    assert seconds > 60, f"the sweep took {seconds:.0f} s, less than the walltime"
    assert_stored_once(tmp_path / "out", 6 * reps)
    jobs = wait_until_jobs_end("leadsim-walltime", 30)
    assert len(jobs) >= 3, jobs                       # the job was replaced, twice or more
    assert "TIMEOUT" not in jobs.values(), jobs       # every worker left before its walltime
    assert_sample_matches_serial(tmp_path / "out", exp)


def test_killed_sweep_resumes_and_its_jobs_end(slurm, tmp_path):
    exp = experiment(tmp_path, "slurm_kill", replications=16, ticks=260)      # 96 runs
    site = site_config(tmp_path, "leadsim-kill", death_timeout=10)
    out = tmp_path / "out"
    args = ("sweep", exp, "--cluster", "slurm", "--cluster-config", site, "--out", out,
            "--chunk-size", "2", "--no-progress", "--no-report")
    proc = leadsim_popen(*args, cwd=tmp_path)
    try:
        wait_for_chunks(out, proc)
        os.kill(proc.pid, signal.SIGKILL)                 # no clean-up of any kind
        proc.wait(timeout=30)
    finally:
        proc.kill()
    done_before = len(load_results(out))
    assert 0 < done_before < 96
    # the orphaned worker jobs leave by themselves once their scheduler is gone (death_timeout)
    jobs = wait_until_jobs_end("leadsim-kill", 10 + 50)
    assert jobs and set(jobs.values()) <= ENDED, jobs
    res = leadsim(*args, "--resume", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert f"{done_before} already done" in res.stderr
    assert_stored_once(out, 96)
    assert_sample_matches_serial(out, exp, k=6)


def test_terminated_sweep_keeps_its_runs_and_cancels_its_jobs(slurm, tmp_path):
    """SIGTERM (``kill``, or ``scancel`` of the sweep's own job) stops the sweep like Ctrl-C (exit
    143): the finished runs are written and the worker jobs are cancelled at once (not after
    death_timeout)."""
    exp = experiment(tmp_path, "slurm_term", replications=20, ticks=520)        # 120 runs
    site = site_config(tmp_path, "leadsim-term", death_timeout=120)
    out = tmp_path / "out"
    proc = leadsim_popen("sweep", exp, "--cluster", "slurm", "--cluster-config", site, "--out",
                         out, "--chunk-size", "1000", "--no-report", cwd=tmp_path)
    seen = []
    reader = threading.Thread(target=lambda: seen.extend(iter(lambda: proc.stderr.read(1), "")),
                              daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while not re.search(r"\b([1-9]\d*)/120\b", "".join(seen)):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(seen)
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        stopped = time.monotonic()
    finally:
        proc.kill()
    reader.join(timeout=10)
    assert proc.returncode == 143, "".join(seen)          # 128 + SIGTERM, as the CLI documents
    assert "leadsim: terminated" in "".join(seen)
    assert 0 < len(load_results(out)) < 120                  # written although no chunk was full
    jobs = wait_until_jobs_end("leadsim-term", 60)
    assert time.monotonic() - stopped < 30 and set(jobs.values()) <= ENDED, jobs


def test_partition_that_does_not_exist_is_one_line_and_exit_2(slurm, tmp_path):
    exp = experiment(tmp_path, "slurm_nosuch")
    site = site_config(tmp_path, "leadsim-nosuch", queue="nosuch")
    started = time.monotonic()
    res = leadsim("sweep", exp, "--cluster", "slurm", "--cluster-config", site, "--out",
                  tmp_path / "out", "--no-progress", cwd=tmp_path, timeout=120)
    assert res.returncode == 2, res.stderr
    assert time.monotonic() - started < 60
    lines = error_lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("leadsim: error: SLURM refuses the worker job")
    assert "nosuch" in lines[0] and "cluster.queue" in lines[0]
    assert jobs_named("leadsim-nosuch") == {}                 # nothing was submitted


def test_job_that_never_starts_gives_up_after_start_timeout(slurm, tmp_path):
    exp = experiment(tmp_path, "slurm_pending")
    site = site_config(tmp_path, "leadsim-pending", queue="down", start_timeout=5)
    started = time.monotonic()
    res = leadsim("sweep", exp, "--cluster", "slurm", "--cluster-config", site, "--out",
                  tmp_path / "out", "--no-progress", cwd=tmp_path, timeout=120)
    assert res.returncode == 2, res.stderr
    assert time.monotonic() - started < 60
    lines = error_lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert "no SLURM worker job started within cluster.start_timeout = 5 s" in lines[0]
    assert "PENDING (PartitionDown)" in lines[0]
    jobs = wait_until_jobs_end("leadsim-pending", 30)
    assert jobs and set(jobs.values()) <= ENDED, jobs         # the pending jobs were cancelled
