"""Backends give the same results as serial runs; lost workers' runs are retried elsewhere."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.sweep import load_experiment, load_results, run_experiment
from sim.sweep.backends import ProcessBackend, WorkerLost, make_backend

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "experiments" / "tiny_grid.toml"


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The tiny experiment run serially in this process (also warms numba's cache)."""
    out = tmp_path_factory.mktemp("serial") / "s"
    res = run_experiment(load_experiment(TINY), out_dir=out, backend="serial", progress=False)
    assert res["error"].isna().all()
    assert res["improvement"].nunique() > 1 or res["leadership_gini"].nunique() > 1
    return res.drop(columns=["run_seconds"])


def test_dask_cluster_with_two_worker_processes_matches_serial(serial, tmp_path, capsys):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:
        out = tmp_path / "dask"
        status = main(["sweep", str(TINY), "--scheduler", cluster.scheduler_address, "--out",
                       str(out), "--no-progress", "--no-report", "--chunk-size", "3"])
        assert status == 0
        assert len({w.pid for w in cluster.scheduler.workers.values()}) == 2
        with Client(cluster) as client:            # a caller's client is used and left open
            again = run_experiment(load_experiment(TINY), out_dir=tmp_path / "client",
                                   backend="dask", scheduler=client, progress=False)
            assert client.status == "running"
    res = load_results(out).drop(columns=["run_seconds"])
    pd.testing.assert_frame_equal(res, serial)
    pd.testing.assert_frame_equal(again.drop(columns=["run_seconds"]), serial)
    err = capsys.readouterr().err
    assert "8 runs in" in err and "on dask (2 workers" in err


def test_unreachable_scheduler_is_one_line_exit_2(tmp_path, capsys):
    exp = tmp_path / "tiny.toml"
    scenario = (ROOT / "scenarios" / "baseline.toml").as_posix()
    exp.write_text(TINY.read_text().replace('"../scenarios/baseline.toml"', f'"{scenario}"')
                   + "\n[cluster]\nconnect_timeout = 1\n")
    status = main(["sweep", str(exp), "--scheduler", "tcp://127.0.0.1:9", "--out",
                   str(tmp_path / "o"), "--no-progress"])
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "cannot reach the Dask scheduler" in err
    # nothing was recorded, so the same folder can be used again without --resume
    assert main(["sweep", str(exp), "--serial", "--out", str(tmp_path / "o"), "--no-progress",
                 "--no-report"]) == 0


def test_process_pool_matches_serial(serial, tmp_path):
    res = run_experiment(load_experiment(TINY), out_dir=tmp_path / "p", backend="processes",
                         workers=2, progress=False, chunk_size=3)
    assert res.attrs["sweep"].workers == 2
    pd.testing.assert_frame_equal(res.drop(columns=["run_seconds"]), serial)


# -- lost workers -------------------------------------------------------------------------------
def die_once(task):
    """Kill the worker process the first time a task is seen (a marker file remembers)."""
    marker, value = task
    if not os.path.exists(marker):
        Path(marker).write_text("died")
        os._exit(1)
    return value * 10


def always_die(task):
    os._exit(1)


def test_process_pool_retries_the_runs_of_a_dead_worker(tmp_path):
    backend = ProcessBackend(workers=2, retries=2)
    try:
        tasks = [(str(tmp_path / "m3"), v) if v == 3 else (str(tmp_path / "never"), v) for v in
                 range(6)]
        (tmp_path / "never").write_text("")
        got = dict(backend.run(die_once, tasks))
    finally:
        backend.close()
    assert sorted(got.values()) == [0, 10, 20, 30, 40, 50]
    assert (tmp_path / "m3").exists()


def test_process_pool_gives_up_after_the_retries(tmp_path):
    backend = ProcessBackend(workers=1, retries=1)
    try:
        got = list(backend.run(always_die, [1, 2]))
    finally:
        backend.close()
    assert sorted(t for t, _ in got) == [1, 2]
    assert all(isinstance(r, WorkerLost) for _, r in got)


def test_dask_local_cluster_reschedules_the_run_of_a_lost_worker(tmp_path):
    backend = make_backend("dask-local", workers=2, retries=2)
    assert backend.workers == 2
    try:
        (tmp_path / "never").write_text("")
        tasks = [(str(tmp_path / "m1"), 1), (str(tmp_path / "never"), 2)]
        got = sorted(r for _, r in backend.run(die_once, tasks))
    finally:
        backend.close()
    assert got == [10, 20]
    assert (tmp_path / "m1").exists()


def quick_square(x):
    import time
    time.sleep(0.002)
    return x * x


def test_dask_sends_short_runs_in_batches_and_returns_each_once():
    """Runs of a few milliseconds go several to a Dask task (Dask's own cost per task is of the
    same order); every run still comes back exactly once, with its own result."""
    backend = make_backend("dask-local", workers=2)
    backend.batch_seconds = 0.05
    submitted = []
    submit = backend.client.submit

    def counting_submit(*args, **kwargs):
        submitted.append(len(args[2]))           # _run_batch(fn, batch): the batch's size
        return submit(*args, **kwargs)

    backend.client.submit = counting_submit
    try:
        got = list(backend.run(quick_square, range(300)))
    finally:
        backend.close()
    assert sorted(task for task, _ in got) == list(range(300))
    assert all(result == task * task for task, result in got)
    assert sum(submitted) == 300 and max(submitted) > 1 and len(submitted) < 300
