"""Speed and memory of the simulation core (issue 2 targets), printed as figures and ratios.

    .venv/bin/python benchmarks/performance.py            # all three measurements
    .venv/bin/python benchmarks/performance.py --skip-large

1. Reference size: 20 hospitals x 500 staff (10,000 staff), 520 weekly ticks, numba backend, one
   thread, JIT cache warm, with Mesa agent views (brought up to date at the end) and headless;
   ``--repeat`` runs of each (default 3), the median held to the target: at most 2 s wall.
2. Speed-up over the plain-Python reference on the same run: the reference-size run is taken to its
   steady state (``--warmup-weeks``, numba), copied, and both backends step the copies over the same
   ``--reference-weeks`` weeks (the reference is too slow to run all 520); the ratio of their time
   per week is reported for the whole step (shared numpy bookkeeping included) and for the kernel
   alone. Target: at least 100x.
3. Large: 1,000 hospitals x 500 staff (500,000 staff), 520 ticks, headless (no Mesa agent views), in
   a fresh subprocess so its peak memory (max RSS) is its own. Targets: at most 120 s, 4 GB.

Also printed: staff-task interactions per second (pairs of a person and a led task reaching them,
each week, counted by the kernel). Wall times depend on what else runs on the machine: the script
prints the load average before each measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

REFERENCE_SIZE = dict(n_hospitals=20, staff_per_hospital=500, ticks=520)
LARGE_SIZE = dict(n_hospitals=1000, staff_per_hospital=500, ticks=520)


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def timed_run(size: dict, agents: bool) -> dict:
    from sim import LeadershipModel, Parameters
    from sim.outcomes import COL

    params = Parameters(**size)
    start, cpu = time.perf_counter(), time.process_time()
    model = LeadershipModel(params, agents=agents)
    built = time.perf_counter() - start
    for _ in range(params.ticks):
        model.step()
    if agents:
        len(model.agents)    # brings the agent views up to date (newcomers' agents are made lazily)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    interactions = float(model.record_array()[:, :, COL["interactions"]].sum())
    return {"wall_s": wall, "cpu_s": cpu, "build_s": built, "interactions": interactions,
            "interactions_per_s": interactions / wall, "staff": model.org.staff.n,
            "max_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}


def reference_ratio(weeks: int, warmup: int) -> dict:
    """Time per week of both backends stepping the same weeks from the same steady state.

    The model is run ``warmup`` weeks with numba (so the task pool is as full as in a long run),
    copied, and each copy is stepped ``weeks`` weeks with one backend.
    """
    import copy

    from sim import LeadershipModel, Parameters
    from sim import kernel, reference, staff_kernel
    from sim.kernel_data import N_TASK_UNIFORMS, prepare
    from sim.model import BACKENDS

    params = Parameters(**REFERENCE_SIZE)
    model = LeadershipModel(params, agents=False)
    for _ in range(warmup):
        model.step()
    step_time, kernel_time = {}, {}
    for backend in ("numba", "reference"):
        twin = copy.deepcopy(model)
        twin._impl = BACKENDS[backend]
        start = time.perf_counter()
        for _ in range(weeks):
            twin.step()
        step_time[backend] = (time.perf_counter() - start) / weeks
    uniforms = model.dynamics_rng.random((model.org.tasks.n, N_TASK_UNIFORMS))
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
    parser.add_argument("--repeat", type=int, default=3,
                        help="reference-size runs of each kind; the median is held to the target")
    parser.add_argument("--large-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.large_child:
        print(json.dumps(timed_run(LARGE_SIZE, agents=False)))
        return 0

    from sim import Parameters, run_simulation

    run_simulation(Parameters(n_hospitals=1, staff_per_hospital=40, unit_size=10, ticks=3))  # warm JIT
    print(f"[{load()}]")
    runs = [timed_run(REFERENCE_SIZE, agents=True) for _ in range(args.repeat)]
    ref = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]          # the median run
    walls = ", ".join(f"{r['wall_s']:.2f}" for r in runs)
    print(f"reference size (10,000 staff, 520 weeks, agent views on), {args.repeat} runs: median "
          f"{ref['wall_s']:.2f} s wall, {ref['cpu_s']:.2f} s CPU (build {ref['build_s']:.2f} s; all: "
          f"{walls} s) -> target <= 2 s: {'PASS' if ref['wall_s'] <= 2 else 'MISS'}")
    heads = sorted(timed_run(REFERENCE_SIZE, agents=False)["wall_s"] for _ in range(args.repeat))
    print(f"  headless: median {heads[len(heads) // 2]:.2f} s wall (all: "
          f"{', '.join(f'{w:.2f}' for w in heads)} s)")
    print(f"  staff-task interactions: {ref['interactions']:.3g} in all, "
          f"{ref['interactions_per_s']:.3g} per second")

    print(f"[{load()}]")
    ratio = reference_ratio(args.reference_weeks, args.warmup_weeks)
    s, k = ratio["step_s_per_week"], ratio["kernel_s_per_week"]
    print(f"numba vs plain-Python reference, {ratio['weeks']} weeks of the reference-size run after "
          f"{ratio['warmup']} weeks (steady state):")
    print(f"  whole step: {s['numba'] * 1e3:.2f} ms vs {s['reference']:.2f} s per week -> "
          f"{ratio['step_ratio']:.0f}x (target >= 100x: {'PASS' if ratio['step_ratio'] >= 100 else 'MISS'})")
    print(f"  kernel only: {k['numba'] * 1e3:.2f} ms vs {k['reference']:.2f} s per week -> "
          f"{ratio['kernel_ratio']:.0f}x")

    if not args.skip_large:
        print(f"[{load()}]")
        out = subprocess.run([sys.executable, __file__, "--large-child"], capture_output=True,
                             text=True, check=True)
        big = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"large (500,000 staff, 520 weeks, headless): {big['wall_s']:.1f} s wall, "
              f"{big['cpu_s']:.1f} s CPU, peak memory {big['max_rss_gb']:.2f} GB -> targets <= 120 s: "
              f"{'PASS' if big['wall_s'] <= 120 else 'MISS'}, <= 4 GB: "
              f"{'PASS' if big['max_rss_gb'] <= 4 else 'MISS'}; "
              f"{big['interactions_per_s']:.3g} interactions per second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
