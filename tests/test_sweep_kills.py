"""Sweeps killed the hard way resume with every run exactly once: the whole process group killed,
a kill in the middle of writing a chunk, repeated kills, and kills on the Dask backend."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.sweep import load_experiment, load_results, run_experiment
from sim.sweep.storage import RESULTS_DIR, chunk_files
from tests.test_sweep_cli import KILL_EXPERIMENT, all_chunk_rows, live_group_members

ROOT = Path(__file__).resolve().parents[1]
TOTAL = 40
COLUMNS = ["run_id", "seed", "leadership_mix", "management_support", "improvement",
           "completion_rate", "leadership_gini", "error"]


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kills")
    path = folder / "killme.toml"
    path.write_text(KILL_EXPERIMENT)
    # the answer, run here (this also warms numba's cache for the subprocesses)
    reference = run_experiment(load_experiment(path), out_dir=folder / "ref", backend="serial",
                               progress=False)
    return path, reference


def start(cmd: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def sweep_command(exp: Path, out: Path, *flags: str) -> list[str]:
    return [sys.executable, "-m", "sim", "sweep", str(exp), "--out", str(out), "--chunk-size",
            "2", "--no-progress", "--no-report", *flags]


def wait_for_chunks(proc: subprocess.Popen, out: Path, more_than: int, timeout: float = 240):
    deadline = time.monotonic() + timeout
    while len(chunk_files(out)) <= more_than and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(chunk_files(out)) > more_than, "no new chunk before the sweep ended or timed out"


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL to every process of the sweep's group (main process, workers, forkserver, Dask
    scheduler and nannies), as a job scheduler or ``kill -9 -PGID`` would."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    deadline = time.monotonic() + 30
    while live_group_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not live_group_members(proc.pid)


def resume_and_check(exp: Path, out: Path, reference: pd.DataFrame) -> None:
    """Finish the sweep in this process; every run exactly once, as the uninterrupted answer."""
    assert main(["sweep", str(exp), "--out", str(out), "--resume", "--serial", "--no-progress",
                 "--no-report", "--chunk-size", "7"]) == 0
    rows = all_chunk_rows(out)                       # every chunk file is readable
    assert len(rows) == TOTAL and rows["run_id"].is_unique
    assert not [p for p in (out / RESULTS_DIR).iterdir() if p.name.startswith(".")]
    pd.testing.assert_frame_equal(load_results(out)[COLUMNS], reference[COLUMNS])


def test_killing_the_whole_process_group_loses_and_duplicates_nothing(experiment, tmp_path):
    exp, reference = experiment
    out = tmp_path / "out"
    proc = start(sweep_command(exp, out, "--workers", "2"), tmp_path)
    try:
        wait_for_chunks(proc, out, 0)
    finally:
        kill_group(proc)
    assert 0 < len(all_chunk_rows(out)) < TOTAL
    resume_and_check(exp, out, reference)


KILL_IN_WRITE = textwrap.dedent("""
    import os, signal, sys
    import sim.sweep.storage as storage

    calls = [0]
    real = storage.ResultStore._write_table

    def dying_write(self, table, path):
        calls[0] += 1
        if calls[0] < 3:
            return real(self, table, path)
        tmp = path.with_name(f".{path.name}.tmp")       # half a chunk on disk, then SIGKILL
        tmp.write_bytes(b"PAR1 half a parquet file")
        os.kill(os.getpid(), signal.SIGKILL)

    storage.ResultStore._write_table = dying_write
    from sim.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def test_a_kill_in_the_middle_of_a_chunk_write_loses_and_duplicates_nothing(experiment,
                                                                            tmp_path):
    exp, reference = experiment
    out = tmp_path / "out"
    cmd = [sys.executable, "-c", KILL_IN_WRITE, *sweep_command(exp, out, "--serial")[3:]]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL
    assert len(chunk_files(out)) == 2                     # two complete chunks, then the kill
    assert [p.name for p in (out / RESULTS_DIR).iterdir() if p.name.startswith(".")] == \
        [".part-00002.parquet.tmp"]
    assert len(load_results(out)) == 4                    # readers ignore the half chunk
    resume_and_check(exp, out, reference)


@pytest.mark.slow
def test_repeated_kills_lose_and_duplicate_nothing(experiment, tmp_path):
    exp, reference = experiment
    out = tmp_path / "out"
    for round_ in range(3):
        flags = ["--workers", "2"] + (["--resume"] if round_ else [])
        before = len(chunk_files(out)) if out.exists() else 0
        proc = start(sweep_command(exp, out, *flags), tmp_path)
        try:
            wait_for_chunks(proc, out, before)
        finally:
            kill_group(proc)
        assert len(all_chunk_rows(out)) < TOTAL, "the sweep finished before the kill"
    resume_and_check(exp, out, reference)


@pytest.mark.slow
def test_killing_a_sweep_on_the_dask_backend_loses_and_duplicates_nothing(experiment, tmp_path):
    exp, reference = experiment
    out = tmp_path / "out"
    proc = start(sweep_command(exp, out, "--cluster", "local", "--workers", "2"), tmp_path)
    try:
        wait_for_chunks(proc, out, 0)
    finally:
        kill_group(proc)
    assert 0 < len(all_chunk_rows(out)) < TOTAL
    # resume on Dask too, then finish: results identical to the serial answer
    proc = start(sweep_command(exp, out, "--cluster", "local", "--workers", "2", "--resume"),
                 tmp_path)
    try:
        wait_for_chunks(proc, out, len(chunk_files(out)))
    finally:
        kill_group(proc)
    resume_and_check(exp, out, reference)
