"""Throughput of the sweep engine: serial vs a local process pool vs Dask vs SLURM, at 2 workers.

Runs the same sweep (default 200 runs of a small model: 2 hospitals of 100 staff, 260 weeks) and
prints runs per second for each backend, twice:

* end to end: ``run_design`` as a user calls it (pool or cluster start, runs, Parquet chunks,
  results read back), serial, processes, dask-local and slurm, with the time from asking for the
  workers (pool started, jobs submitted) to the first result;
* steady state: the pool or cluster already up with every worker warm, only the backend (no
  storage), so fixed start-up costs that long sweeps amortise are left out.

SLURM runs when ``sbatch`` is found (``--no-slurm`` to skip): by default on this machine's
single-node cluster of ``.ci/slurm-up`` (one core per job, ``interface = "lo"``), or on the
``[cluster]`` table of ``--slurm-config FILE``. It then also measures a worker job's start-up, from
submission to its first result, with an empty numba cache (the worker compiles the model's kernels)
and with the shared, warm one (it loads them).

Figures: parallel efficiency at W workers = T_serial / (W * T_backend) (target >= 80% at 2
workers; T_serial in steady state is the sum of the serial run times) and overhead per run =
(W * T_backend - sum of run times) / N as a share of the mean run time (idle or scheduling time
per run; target for Dask < 5%). The machine's load average is printed before and after, and the
share of a core each run got in steady state: other processes on the same cores slow every run
down, which lowers the parallel efficiency but not the overhead per run. Results use temporary
folders.

    python benchmarks/sweep_throughput.py [--runs 200] [--replications 4] [--workers 2]
                                          [--slurm-config FILE | --no-slurm]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

from sim.parameters import Parameters
from sim.run import run_simulation
from sim.scenario import scenario_from_params
from sim.outcomes import SUMMARY_OUTCOMES
from sim.sweep import grid_design, make_backend, run_design, run_seed
from sim.sweep.cluster import load_cluster_config, numba_cache_dir
from sim.sweep.worker import RunTask, execute

MODEL = dict(n_hospitals=2, staff_per_hospital=100, ticks=260, seed=2024)
#: This machine's cluster (.ci/slurm-up): one core per job, everything on the loopback interface.
LOCAL_SLURM = {"cores": 1, "memory": "2GB", "walltime": "01:00:00", "interface": "lo",
               "dashboard_address": "127.0.0.1:0", "job_name": "leadsim-bench",
               "start_timeout": 300}


def design_for(runs: int, replications: int) -> pd.DataFrame:
    points = -(-runs // replications)
    mixes = np.round(np.linspace(0.0, 1.0, points), 6).tolist()
    return grid_design({"leadership_mix": mixes})


def timed(backend: str, design, base, replications, workers, cluster=None) -> dict:
    folder = tempfile.mkdtemp(prefix=f"bench-{backend}-")
    try:
        start = time.perf_counter()
        res = run_design(design, base, replications=replications, out_dir=folder,
                         backend=backend, workers=workers, progress=False,
                         cluster_config=cluster)
        wall = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert res["error"].isna().all(), res.loc[res.error.notna(), "error"].iloc[0]
    return {"backend": backend, "workers": 1 if backend == "serial" else workers,
            "runs": len(res), "wall_s": wall, "runs_per_s": len(res) / wall,
            "first_result_s": res.attrs["sweep"].first_result_seconds,
            "run_time_sum_s": float(res["run_seconds"].sum()),
            "mean_run_s": float(res["run_seconds"].mean()), "results": res}


def execute_with_cpu(task):
    """The sweep's worker function, also recording the CPU time the run got."""
    start = time.process_time()
    row = execute(task)
    row["cpu_seconds"] = time.process_time() - start
    return row


def steady_state(backend: str, design, base, replications, workers, cluster=None) -> dict:
    """Throughput once the pool or cluster is up and every worker has done a run (no storage)."""
    tasks = [RunTask(i, r, run_seed(base.params.seed, i, r), {"leadership_mix": float(v)},
                     base.params, tuple(SUMMARY_OUTCOMES))
             for i, v in enumerate(design["leadership_mix"]) for r in range(replications)]
    engine = make_backend(backend, workers=workers, cluster_config=cluster)
    try:
        list(engine.run(execute_with_cpu, tasks[:2 * workers]))  # start workers, load code
        start = time.perf_counter()
        rows = [row for _, row in engine.run(execute_with_cpu, tasks)]
        wall = time.perf_counter() - start
    finally:
        engine.close()
    run_sum = sum(row["run_seconds"] for row in rows)
    cpu_sum = sum(row["cpu_seconds"] for row in rows)
    return {"backend": backend, "workers": workers, "runs": len(rows), "wall_s": wall,
            "runs_per_s": len(rows) / wall, "run_time_sum_s": run_sum,
            "mean_run_s": run_sum / len(rows), "cpu_share": cpu_sum / run_sum}


def worker_start_up(base, cluster: dict, cache: str) -> float:
    """Seconds from submitting one worker job (numba cache ``cache``) to its first result."""
    design = grid_design({"leadership_mix": [0.5]})
    folder = tempfile.mkdtemp(prefix="bench-start-")
    try:
        res = run_design(design, base, replications=1, out_dir=folder, backend="slurm", workers=1,
                         progress=False, cluster_config={**cluster, "numba_cache_dir": cache})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return res.attrs["sweep"].first_result_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--slurm-config", metavar="FILE", default=None,
                       help="TOML file whose [cluster] table sets up the SLURM jobs")
    where.add_argument("--no-slurm", action="store_true", help="leave SLURM out")
    args = parser.parse_args()
    slurm = None
    if not args.no_slurm and shutil.which("sbatch"):
        slurm = load_cluster_config(args.slurm_config) if args.slurm_config else \
            {**LOCAL_SLURM, "log_directory": tempfile.mkdtemp(prefix="bench-slurm-logs-")}
        # the workers' shared numba cache, warm (as after a first sweep)
        subprocess.run([sys.executable, "-m", "sim.sweep.warmup"], check=True,
                       env={**os.environ, "NUMBA_CACHE_DIR": numba_cache_dir(slurm)})

    base = scenario_from_params(Parameters(**MODEL), name="bench")
    design = design_for(args.runs, args.replications)
    n = len(design) * args.replications
    run_simulation(Parameters(**{**MODEL, "ticks": 2}))          # compile / load numba cache
    load_before = os.getloadavg()
    print(f"sweep of {n} runs ({MODEL['n_hospitals']} hospitals x {MODEL['staff_per_hospital']} "
          f"staff, {MODEL['ticks']} weeks); {os.cpu_count()} cores; load average before "
          f"{load_before[0]:.2f}")

    rows = [timed("serial", design, base, args.replications, 1),
            timed("processes", design, base, args.replications, args.workers),
            timed("dask-local", design, base, args.replications, args.workers)]
    if slurm is not None:
        rows.append(timed("slurm", design, base, args.replications, args.workers, slurm))
    ref = rows[0]["results"].drop(columns="run_seconds")
    for r in rows[1:]:
        pd.testing.assert_frame_equal(r["results"].drop(columns="run_seconds"), ref)

    table = pd.DataFrame([{k: v for k, v in r.items() if k != "results"} for r in rows])
    print("end to end (run_design: pool or cluster start, runs, Parquet chunks, results loaded):")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    t_serial, w = rows[0]["wall_s"], args.workers
    for r in rows[1:]:
        print(f"  parallel efficiency of {r['backend']} at {w} workers: "
              f"{t_serial / (w * r['wall_s']):.1%} (target >= 80%)")
    proc = rows[1]
    for other in rows[2:]:
        print(f"  {other['backend']}'s extra time vs the process pool, per run: "
              f"{(other['wall_s'] - proc['wall_s']) * w / n / other['mean_run_s']:.1%} of a run")

    steady = [steady_state(b, design, base, args.replications, w)
              for b in ("processes", "dask-local")]
    if slurm is not None:
        steady.append(steady_state("slurm", design, base, args.replications, w, slurm))
    print("steady state (workers up and warm; backend only, no storage):")
    print(pd.DataFrame(steady).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    serial_run = rows[0]["run_time_sum_s"]                  # serial steady state: pure run time
    for r in steady:
        idle = (w * r["wall_s"] - r["run_time_sum_s"]) / n / r["mean_run_s"]
        print(f"  {r['backend']}: parallel efficiency {serial_run / (w * r['wall_s']):.1%} "
              f"(target >= 80%); overhead per run {idle:.1%} of a run's time "
              f"({r['mean_run_s'] * 1000:.0f} ms per run; target for Dask < 5%); workers busy "
              f"{r['run_time_sum_s'] / (w * r['wall_s']):.1%} of the time; a run got "
              f"{r['cpu_share']:.0%} of a core (below 100%: cores shared with other work)")
    if slurm is not None:
        empty = tempfile.mkdtemp(prefix="bench-numba-")
        try:
            cold = worker_start_up(base, slurm, empty)
        finally:
            shutil.rmtree(empty, ignore_errors=True)
        warm = worker_start_up(base, slurm, numba_cache_dir(slurm))
        print(f"SLURM worker job, from submission to its first result: {cold:.1f} s with an empty "
              f"numba cache (compiles the kernels), {warm:.1f} s with the shared warm cache "
              f"(loads them)")
    load_after = os.getloadavg()
    print(f"results identical across backends: yes; load average after {load_after[0]:.2f}"
          + (" - the cores were shared with other work, so parallel figures are pessimistic"
             if max(load_before[0], load_after[0]) > 1.0 else ""))

if __name__ == "__main__":
    main()
