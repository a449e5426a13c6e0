"""Cost of the model's DataCollector reporters (every summary outcome of the weeks so far, each
week: sim/reporters.py), printed as figures and ratios.

    .venv/bin/python benchmarks/reporters.py [--repeat 5] [--hospitals 10] [--staff 200]

Steps the same run (default: the baseline scenario's size, 10 hospitals x 200 staff, 520 weeks,
headless) with the reporters collected each week (``LeadershipModel``'s default, what
``mesa.batch_run`` and the app use) and without (``collect=False``: what ``run_simulation``, sweeps
and validation use), and reports the median wall time of each, the difference per week, and what a
naive reporter costs (``model.summary()`` recomputed from every record each week). Prints the load
average first: wall times depend on what else runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")


def timed(make, weeks: int) -> float:
    model = make()
    model.step()                         # JIT warm
    start = time.perf_counter()
    model.run_weeks(weeks - 1)           # one compiled call headless; week by week when collecting
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--hospitals", type=int, default=10)
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=520)
    args = parser.parse_args()
    from sim import LeadershipModel, Parameters

    params = Parameters(n_hospitals=args.hospitals, staff_per_hospital=args.staff,
                        ticks=args.weeks, seed=1)
    print("load average %.2f %.2f %.2f" % os.getloadavg())
    times = {"collect": [], "headless": []}
    for _ in range(args.repeat):
        times["headless"].append(timed(lambda: LeadershipModel(params, agents=False,
                                                               collect=False), args.weeks))
        times["collect"].append(timed(lambda: LeadershipModel(params, agents=False), args.weeks))
    with_, without = (statistics.median(times[k]) for k in ("collect", "headless"))
    model = LeadershipModel(params, agents=False, collect=False)
    for _ in range(args.weeks):
        model.step()
    start = time.perf_counter()
    for _ in range(20):
        model.summary()
    naive = (time.perf_counter() - start) / 20 * args.weeks / 2      # mean over a run's weeks
    print(f"{args.hospitals} hospitals x {args.staff} staff, {args.weeks} weeks, median of "
          f"{args.repeat}:")
    print(f"  without reporters (run_simulation) {without:.3f} s; with reporters {with_:.3f} s "
          f"(+{100 * (with_ / without - 1):.1f}%, {1000 * (with_ - without) / args.weeks:.3f} ms "
          f"per week)")
    print(f"  a naive reporter (model.summary() each week) would add about {naive:.2f} s "
          f"(+{100 * naive / without:.0f}%)")
    print("load average %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
