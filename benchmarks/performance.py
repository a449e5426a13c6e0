"""Speed and memory of the simulation core (issue 17 targets), printed as figures and ratios.

    .venv/bin/python benchmarks/performance.py            # every measurement
    .venv/bin/python benchmarks/performance.py --skip-large

One thread (``NUMBA_NUM_THREADS=1``), numba cache warm. Each figure comes with staff-weeks per
second and, measured in the same run, the ratio to a *trivial numba gather* (a compiled loop that
reads one float per staff member per week through an index array, over arrays of the same size):
the distance from the model's cost per staff-week to what the machine does at the least.

1. Reference size: 20 hospitals x 500 staff (10,000 staff), 520 weekly ticks (``--repeat`` runs of
   each kind, median held to the targets):
   * headless: ``LeadershipModel(agents=False, collect=False)`` and ``run_model()`` (the weeks run
     in one compiled call, :mod:`sim.compiled_week`), then ``summary()``: at most 1 s;
   * with agent views: the same with ``agents=True``, the agents brought up to date at the end
     (``len(model.agents)``): at most 1.2 s;
   * with the ``DataCollector`` as well (``collect=True``: every week handed to Python to record,
     no target; for information).
2. Small models of sweeps and sensitivity studies (2 hospitals x 100 staff x 260 weeks) end to end:
   ``run_design`` serial on one core, start-up and Parquet storage included (``--small-runs`` runs),
   and ``run_simulation`` alone: target at least 20 runs/s per core.
3. Speed-up over the plain-Python reference on the reference-size run: the run is taken to its
   steady state (``--warmup-weeks``), copied, and both backends step the copies over the same
   ``--reference-weeks`` weeks; the ratio of their time per week.
4. Large: 1,000 hospitals x 500 staff (500,000 staff), 520 ticks, headless, in a fresh subprocess
   so its peak memory (max RSS) is its own. Targets: at most 40 s, 2 GB.

Wall times depend on what else runs on the machine: the script prints the load average before
each measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402

REFERENCE_SIZE = dict(n_hospitals=20, staff_per_hospital=500, ticks=520)
LARGE_SIZE = dict(n_hospitals=1000, staff_per_hospital=500, ticks=520)
SMALL_SIZE = dict(n_hospitals=2, staff_per_hospital=100, ticks=260)
NUMBA_WEEKS = 52


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


@numba.njit(cache=True, nogil=True)
def _gather(values, index, weeks):
    total = 0.0
    for _ in range(weeks):
        for i in range(index.shape[0]):
            total += values[index[i]]
    return total


def gather_rate(staff: int, weeks: int) -> float:
    """Staff-weeks per second of the trivial numba gather over ``staff`` values (best of 3)."""
    rng = np.random.default_rng(0)
    values, index = rng.random(staff), rng.permutation(staff)
    _gather(values, index, 1)
    best = min(_timed(lambda: _gather(values, index, weeks)) for _ in range(3))
    return staff * weeks / best


def _timed(f) -> float:
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def timed_run(size: dict, agents: bool, collect: bool = False) -> dict:
    from sim import LeadershipModel, Parameters
    from sim.outcomes import COL

    params = Parameters(**size)
    start, cpu = time.perf_counter(), time.process_time()
    model = LeadershipModel(params, agents=agents, collect=collect)
    built = time.perf_counter() - start
    model.run_model()
    if agents:
        len(model.agents)    # brings the agent views up to date (newcomers' agents are made lazily)
    model.summary()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    interactions = float(model.record_array()[:, :, COL["interactions"]].sum())
    staff_weeks = model.org.staff.n * params.ticks
    return {"wall_s": wall, "cpu_s": cpu, "build_s": built, "interactions": interactions,
            "interactions_per_s": interactions / wall, "staff": model.org.staff.n,
            "staff_weeks_per_s": staff_weeks / wall,
            "max_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}


def median_run(size: dict, repeat: int, **kinds) -> tuple[dict, list[float]]:
    runs = [timed_run(size, **kinds) for _ in range(repeat)]
    runs.sort(key=lambda r: r["wall_s"])
    return runs[len(runs) // 2], [r["wall_s"] for r in runs]


def small_models(runs: int) -> dict:
    """Runs per second of the small model end to end (run_design, serial) and run_simulation alone."""
    from sim import Parameters, run_simulation
    from sim.scenario import scenario_from_params
    from sim.sweep import grid_design, run_design

    params = Parameters(**SMALL_SIZE, seed=2024)
    run_simulation(params)                                        # numba cache loaded
    alone = _timed(lambda: [run_simulation(params.replace(seed=s)) for s in range(runs)])
    design = grid_design({"leadership_mix": np.round(np.linspace(0.0, 1.0, runs // 4), 6).tolist()})
    folder = tempfile.mkdtemp(prefix="bench-small-")
    try:
        start = time.perf_counter()
        res = run_design(design, scenario_from_params(params, name="bench"), replications=4,
                         out_dir=folder, backend="serial", progress=False)
        end_to_end = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert res["error"].isna().all()
    return {"runs": len(res), "end_to_end_s": end_to_end, "end_to_end_runs_per_s": len(res) / end_to_end,
            "alone_runs_per_s": runs / alone,
            "staff_weeks_per_s": runs * 2 * 100 * SMALL_SIZE["ticks"] / alone}


def reference_ratio(weeks: int, warmup: int) -> dict:
    """Time per week of both backends stepping the same weeks from the same steady state.

    The model is run ``warmup`` weeks with numba (so the task pool is as full as in a long run),
    copied, and each copy is run ``weeks`` weeks with one backend (the numba copy at least
    ``NUMBA_WEEKS``, for a steadier figure; per week the two are comparable).
    """
    import copy

    from sim import LeadershipModel, Parameters
    from sim import kernel, reference, staff_kernel
    from sim.kernel_data import N_TASK_UNIFORMS, prepare
    from sim.model import BACKENDS

    params = Parameters(**REFERENCE_SIZE)
    model = LeadershipModel(params, agents=False, collect=False)
    model.run_weeks(warmup)
    step_time, kernel_time = {}, {}
    for backend, n in (("numba", max(weeks, NUMBA_WEEKS)), ("reference", weeks)):
        twin = copy.deepcopy(model)
        twin.backend, twin._impl = backend, BACKENDS[backend]
        start = time.perf_counter()
        twin.run_weeks(n)          # numba: one compiled call; reference: week by week in Python
        step_time[backend] = (time.perf_counter() - start) / n
    uniforms = model.dynamics_rng.random((model.org.tasks.n, N_TASK_UNIFORMS))
    kernel.interaction_step(model.week, prepare(model.org.copy(), params, model.constants,
                                                model.category, staff_kernel.person_inputs),
                            uniforms)                 # compiled (or loaded from the cache) first
    for name, impl, reps in (("numba", kernel.interaction_step, 20),
                             ("reference", reference.interaction_step, 2)):
        total = 0.0
        for _ in range(reps):
            org = model.org.copy()
            inputs = prepare(org, params, model.constants, model.category, staff_kernel.person_inputs)
            start = time.perf_counter()
            impl(model.week, inputs, uniforms)
            total += time.perf_counter() - start
        kernel_time[name] = total / reps
    return {"weeks": weeks, "warmup": warmup, "step_s_per_week": step_time,
            "kernel_s_per_week": kernel_time,
            "step_ratio": step_time["reference"] / step_time["numba"],
            "kernel_ratio": kernel_time["reference"] / kernel_time["numba"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-large", action="store_true", help="skip the 500,000-staff run")
    parser.add_argument("--reference-weeks", type=int, default=4,
                        help="weeks both backends are timed over (default 4)")
    parser.add_argument("--warmup-weeks", type=int, default=260,
                        help="weeks run first so the task pool is at its steady state (default 260)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="reference-size runs of each kind; the median is held to the target")
    parser.add_argument("--small-runs", type=int, default=200,
                        help="small-model runs timed (default 200)")
    parser.add_argument("--large-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.large_child:
        print(json.dumps(timed_run(LARGE_SIZE, agents=False)))
        return 0

    from sim import Parameters, run_simulation

    run_simulation(Parameters(n_hospitals=1, staff_per_hospital=40, unit_size=10, ticks=3))  # warm JIT
    ticks = REFERENCE_SIZE["ticks"]
    staff = REFERENCE_SIZE["n_hospitals"] * REFERENCE_SIZE["staff_per_hospital"]
    print(f"[{load()}]")
    gather = gather_rate(staff, ticks)
    print(f"trivial numba gather over {staff:,} values x {ticks} weeks: {gather:.3g} staff-weeks/s "
          f"({staff * ticks / gather * 1e3:.1f} ms)")
    targets = {"headless": 1.0, "agent views": 1.2, "agent views + DataCollector": None}
    kinds = {"headless": dict(agents=False), "agent views": dict(agents=True),
             "agent views + DataCollector": dict(agents=True, collect=True)}
    for name, kind in kinds.items():
        ref, walls = median_run(REFERENCE_SIZE, args.repeat, **kind)
        target = targets[name]
        verdict = "" if target is None else \
            f" -> target <= {target} s: {'PASS' if ref['wall_s'] <= target else 'MISS'}"
        print(f"reference size (10,000 staff, 520 weeks, {name}), {args.repeat} runs: median "
              f"{ref['wall_s']:.2f} s wall, {ref['cpu_s']:.2f} s CPU (build {ref['build_s']:.2f} s; "
              f"all: {', '.join(f'{w:.2f}' for w in walls)} s){verdict}")
        print(f"  {ref['staff_weeks_per_s']:.3g} staff-weeks/s = 1/{gather / ref['staff_weeks_per_s']:.0f} "
              f"of the trivial gather; staff-task interactions {ref['interactions_per_s']:.3g}/s")

    print(f"[{load()}]")
    small = small_models(args.small_runs)
    print(f"small models (2 hospitals x 100 staff x 260 weeks), one core: end to end (run_design "
          f"serial, {small['runs']} runs, Parquet storage) {small['end_to_end_runs_per_s']:.1f} runs/s "
          f"-> target >= 20: {'PASS' if small['end_to_end_runs_per_s'] >= 20 else 'MISS'}; "
          f"run_simulation alone {small['alone_runs_per_s']:.1f} runs/s "
          f"({small['staff_weeks_per_s']:.3g} staff-weeks/s = 1/{gather_rate(200, 260) / small['staff_weeks_per_s']:.0f} "
          f"of the trivial gather over 200 values)")

    print(f"[{load()}]")
    ratio = reference_ratio(args.reference_weeks, args.warmup_weeks)
    s, k = ratio["step_s_per_week"], ratio["kernel_s_per_week"]
    print(f"numba vs plain-Python reference, {ratio['weeks']} weeks of the reference-size run after "
          f"{ratio['warmup']} weeks (steady state):")
    print(f"  whole week: {s['numba'] * 1e3:.2f} ms vs {s['reference']:.2f} s per week -> "
          f"{ratio['step_ratio']:.0f}x")
    print(f"  kernel only: {k['numba'] * 1e3:.2f} ms vs {k['reference']:.2f} s per week -> "
          f"{ratio['kernel_ratio']:.0f}x")

    if not args.skip_large:
        print(f"[{load()}]")
        out = subprocess.run([sys.executable, __file__, "--large-child"], capture_output=True,
                             text=True, check=True)
        big = json.loads(out.stdout.strip().splitlines()[-1])
        big_gather = gather_rate(big["staff"], 52) if big["staff"] else float("nan")
        print(f"large (500,000 staff, 520 weeks, headless): {big['wall_s']:.1f} s wall, "
              f"{big['cpu_s']:.1f} s CPU, peak memory {big['max_rss_gb']:.2f} GB -> targets <= 40 s: "
              f"{'PASS' if big['wall_s'] <= 40 else 'MISS'}, <= 2 GB: "
              f"{'PASS' if big['max_rss_gb'] <= 2 else 'MISS'}; "
              f"{big['staff_weeks_per_s']:.3g} staff-weeks/s = 1/{big_gather / big['staff_weeks_per_s']:.0f} "
              f"of the trivial gather")
    return 0


if __name__ == "__main__":
    sys.exit(main())
