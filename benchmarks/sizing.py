"""How well does the size estimate (``sim/sizing.py``) predict memory and time? Measure and compare.

Each configuration runs in a fresh process: the model is imported and warmed up, then one run is
built and stepped; the peak resident memory above the idle process (``VmHWM``) and the wall time
are compared with :func:`sim.sizing.run_cost`. The peak is reset after the warm-up (Linux
``/proc/self/clear_refs``), so that compiling does not hide a small run's peak. A second part measures ``leadsim run`` end to end
(main process and its worker processes, peak of the summed resident memory) against
:func:`sim.sizing.scenario_cost`.

    python benchmarks/sizing.py            # every configuration (about 10 minutes on 2 cores)
    python benchmarks/sizing.py --quick    # a few small ones (about a minute)
    python benchmarks/sizing.py --fit      # also refit the coefficients (least squares, >= 0)

Prints one line per configuration with the ratios estimate / measured, then the median and range
of the ratios. Note the load average next to the figures: times depend on what else runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CONFIGS = [
    {"ticks": 52}, {"ticks": 520}, {"ticks": 2080},
    {"n_hospitals": 100, "ticks": 104}, {"n_hospitals": 1000, "ticks": 26},
    {"n_hospitals": 5000, "staff_per_hospital": 8, "ticks": 52},
    {"n_hospitals": 1, "staff_per_hospital": 10000, "ticks": 26},
    {"n_hospitals": 3, "staff_per_hospital": 10000, "ticks": 26},
    {"n_hospitals": 1, "staff_per_hospital": 10000, "hybrid_share": 0.5, "ticks": 10},
    {"n_hospitals": 1, "staff_per_hospital": 4000, "hybrid_share": 1.0, "leader_tie_density": 1.0,
     "ticks": 10},
    {"n_hospitals": 4, "staff_per_hospital": 1500, "hybrid_share": 1.0, "leader_tie_density": 0.5,
     "ticks": 20},
    {"n_hospitals": 2, "staff_per_hospital": 3000, "local_task_rate": 30, "ticks": 260},
    {"n_hospitals": 2, "staff_per_hospital": 3000, "local_task_rate": 30, "unit_size": 500,
     "task_complexity": 1.0, "ticks": 260},
    {"n_hospitals": 5, "staff_per_hospital": 2000, "unit_size": 4, "ticks": 52},
    {"n_hospitals": 3000, "staff_per_hospital": 8, "unit_size": 4, "ticks": 520},
    {"n_hospitals": 200, "staff_per_hospital": 8, "ticks": 5200},
    {"n_hospitals": 20, "n_national_bodies": 12, "initiative_rate": 6.0, "ticks": 520},
    {"n_hospitals": 10, "staff_per_hospital": 1000, "turnover_rate": 0.6, "ticks": 260},
]
QUICK = [{"ticks": 520}, {"n_hospitals": 100, "ticks": 104},
         {"n_hospitals": 1, "staff_per_hospital": 5000, "ticks": 26},
         {"n_hospitals": 1000, "staff_per_hospital": 8, "ticks": 260}]
RUN_COMMANDS = [  # leadsim run: (--set values, replications, workers)
    ({"n_hospitals": 1000, "staff_per_hospital": 8, "unit_size": 4, "ticks": 520}, 4, 2),
    ({"n_hospitals": 2, "staff_per_hospital": 5000, "ticks": 104}, 2, 2),
]


def child(kw: dict) -> None:
    """Measure one run in this (fresh) process and print a JSON line."""
    from sim import Parameters
    from sim.run import run_simulation

    import gc

    run_simulation(Parameters(n_hospitals=1, staff_per_hospital=8, unit_size=4, ticks=2))
    gc.collect()
    base = reset_peak()
    params = Parameters(**kw)
    t0 = time.perf_counter()
    run_simulation(params)
    seconds = time.perf_counter() - t0
    print(json.dumps({"params": kw, "seconds": seconds, "memory": peak_rss() - base}))


def _status(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return float(line.split()[1]) * 1024
    raise KeyError(field)


def reset_peak() -> float:
    """Reset this process's peak resident memory (Linux: ``clear_refs`` 5) so that the warm-up's
    peak (numba compiling, imports) does not hide the run's; return the current resident size."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return _status("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def peak_rss() -> float:
    try:
        return _status("VmHWM")
    except (OSError, KeyError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(kw: dict) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps(kw)], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def tree_rss(pid: int) -> float:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def measure_command(sets: dict, reps: int, workers: int) -> dict:
    """Peak summed RSS of ``leadsim run`` and its workers, above an idle ``leadsim`` process."""
    scenario = ROOT / "scenarios" / "baseline.toml"
    with tempfile.TemporaryDirectory() as tmp:
        idle = subprocess.Popen([sys.executable, "-c", "import sim.cli.run, sim.outputs.writer, "
                                 "sim.run, time; time.sleep(3)"])
        time.sleep(2.5)
        base = tree_rss(idle.pid)
        idle.wait()
        cmd = [sys.executable, "-m", "sim", "run", str(scenario), "--replications", str(reps),
               "--workers", str(workers), "--quiet", "--no-figures", "--out", f"{tmp}/out"]
        for k, v in sets.items():
            cmd += ["--set", f"{k}={v}"]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.05)
        seconds = time.perf_counter() - t0
    return {"memory": peak - base, "seconds": seconds}


def features(kw: dict) -> dict:
    from sim import Parameters
    from sim.sizing import _groups, run_terms

    return {k: float(v) for k, v in run_terms(*_groups(Parameters(**kw))).items()}


def fit(rows: list[dict]) -> None:
    """Least squares (coefficients >= 0) on relative errors, printed as Python constants."""
    import numpy as np
    from scipy.optimize import nnls

    f = [features(r["params"]) for r in rows]
    mem_cols = ("edges", "rows", "pair_max")
    time_cols = ("pairs", "edge_log", "hospitals", "edge_weeks", "slot_weeks", "work_weeks")
    for x in f:
        x["edge_weeks"] = x["edges"] * x["ticks"]
        x["slot_weeks"] = x["slots"] * x["ticks"]
        x["work_weeks"] = x["work"] * x["ticks"]
        x["edge_log"] = x["edges"] * np.log2(max(x["edges"], 2.0))
    for target, cols in (("memory", mem_cols), ("seconds", time_cols)):
        y = np.array([r[target] for r in rows])
        keep = y > (5e6 if target == "memory" else 0.05)   # tiny runs: noise of the idle process
        A = np.array([[x[c] for c in cols] for x in f])[keep] / y[keep, None]
        coef, _ = nnls(A, np.ones(keep.sum()))
        print(f"{target}: " + ", ".join(f"{c}={v:.3g}" for c, v in zip(cols, coef)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="a few small configurations")
    ap.add_argument("--fit", action="store_true", help="refit the coefficients")
    ap.add_argument("--no-command", action="store_true", help="skip the leadsim run part")
    ap.add_argument("--commands-only", action="store_true", help="only the leadsim run part")
    args = ap.parse_args()
    if args.child:
        child(json.loads(args.child))
        return 0
    from sim import Parameters
    from sim.sizing import format_bytes, run_cost, scenario_cost

    print(f"load average before: {os.getloadavg()[0]:.2f}")
    rows, mem_ratios, time_ratios = [], [], []
    for kw in ([] if args.commands_only else QUICK if args.quick else CONFIGS):
        r = measure(kw)
        est = run_cost(Parameters(**kw))
        rows.append(r)
        mr, tr = est.memory / max(r["memory"], 1.0), est.seconds / max(r["seconds"], 1e-9)
        if r["memory"] >= 20e6:      # below: the idle process's own noise dominates
            mem_ratios.append(mr)
        if r["seconds"] >= 0.5:
            time_ratios.append(tr)
        print(f"{json.dumps(kw):<110} memory {format_bytes(r['memory']):>8} est "
              f"{format_bytes(est.memory):>8} ({mr:5.2f}x)  time {r['seconds']:7.2f} s est "
              f"{est.seconds:7.2f} s ({tr:5.2f}x)", flush=True)
    if not args.no_command and not args.quick:
        for sets, reps, workers in RUN_COMMANDS:
            r = measure_command(sets, reps, workers)
            p = Parameters().replace(**sets)
            est = scenario_cost([p], [reps], workers)
            mr = est.memory / r["memory"]
            mem_ratios.append(mr)
            print(f"leadsim run {sets} x{reps} on {workers} workers: memory "
                  f"{format_bytes(r['memory'])} est {format_bytes(est.memory)} ({mr:.2f}x); "
                  f"time {r['seconds']:.1f} s (whole command) est {est.seconds:.1f} s (runs)",
                  flush=True)

    def spread(x):
        x = sorted(x)
        return f"median {x[len(x) // 2]:.2f}x, range {x[0]:.2f}x..{x[-1]:.2f}x over {len(x)}"

    if mem_ratios:
        print(f"memory estimate / measured (runs >= 20 MB): {spread(mem_ratios)}")
    if time_ratios:
        print(f"time estimate / measured (runs >= 0.5 s): {spread(time_ratios)}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if args.fit:
        fit(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
