"""Cost of the collaborative layer at scale (issue #12 target), printed as figures and a ratio.

    .venv/bin/python benchmarks/collaborative.py
    .venv/bin/python benchmarks/collaborative.py --hospitals 100     # a quicker, smaller check

1,000 hospitals x 500 staff (500,000 staff), 520 weekly ticks, numba backend, headless (no Mesa
agent views, no DataCollector: the path of ``run_simulation``, sweeps and studies), the summary
computed at the end. Run twice, each in a fresh subprocess so that its peak memory (max RSS) is its
own: with the collaborative on (learning sessions every 26 weeks at ``collaborative_learning``
0.6, 200 regional coordinators covering every hospital, ``collaborative_complexity`` 0.5) and off
(the isolated-hospitals model). Targets with it on: at most 120 s and 4 GB. The ratio on/off is the
layer's cost (complexity also widens the shared aims, so part of the ratio is more work per task,
not the layer's bookkeeping). Wall times depend on what else runs on the machine: the script prints
the load average before each run.
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

COLLABORATIVE = dict(collaborative_learning=0.6, learning_session_interval=26,
                     regional_coordinators=200, regional_span=5, collaborative_complexity=0.5)
TARGET_SECONDS, TARGET_GB = 120.0, 4.0


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def one_run(hospitals: int, on: bool) -> dict:
    from sim import LeadershipModel, Parameters

    knobs = COLLABORATIVE if on else {}
    if on:
        knobs = {**knobs, "regional_coordinators": min(knobs["regional_coordinators"], hospitals)}
    params = Parameters(n_hospitals=hospitals, staff_per_hospital=500, ticks=520, seed=1, **knobs)
    start = time.perf_counter()
    model = LeadershipModel(params, agents=False, collect=False)
    model.run_model()              # the whole run in one compiled call (sim.compiled_week)
    summary, _ = model.summary()
    wall = time.perf_counter() - start
    return {"wall_s": wall, "staff": model.org.staff.n,
            "max_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,
            "improvement": summary["improvement"], "spread": summary["spread"],
            "peer_learning": float(model.timeseries()["peer_learning"].sum()) if on else 0.0}


def in_subprocess(hospitals: int, on: bool) -> dict:
    code = (f"import json, sys; sys.path.insert(0, {os.getcwd()!r}); "
            f"from benchmarks.collaborative import one_run; "
            f"print(json.dumps(one_run({hospitals}, {on})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hospitals", type=int, default=1000)
    args = parser.parse_args()
    # warm the numba cache so neither run pays for compilation
    from sim import run_simulation

    run_simulation(n_hospitals=2, staff_per_hospital=60, ticks=30, **{**COLLABORATIVE,
                                                                      "regional_coordinators": 1})
    results = {}
    for on in (True, False):
        label = "collaborative on" if on else "collaborative off (isolated hospitals)"
        print(f"{label}: {args.hospitals} hospitals x 500 staff x 520 weeks ... ({load()})",
              flush=True)
        r = in_subprocess(args.hospitals, on)
        results[on] = r
        print(f"  {r['wall_s']:.1f} s wall, peak memory {r['max_rss_gb']:.2f} GB, "
              f"{r['staff']:,} staff; improvement {r['improvement']:.3f}, spread {r['spread']:.3f}"
              + (f", progress carried by sessions {r['peer_learning']:.1f}" if on else ""),
              flush=True)
    on, off = results[True], results[False]
    print(f"ratio on/off: time {on['wall_s'] / off['wall_s']:.2f}x, "
          f"memory {on['max_rss_gb'] / off['max_rss_gb']:.2f}x")
    if args.hospitals == 1000:
        ok = on["wall_s"] <= TARGET_SECONDS and on["max_rss_gb"] <= TARGET_GB
        print(f"target (on): <= {TARGET_SECONDS:.0f} s and <= {TARGET_GB:.0f} GB: "
              f"{'met' if ok else 'NOT met'} ({load()})")


if __name__ == "__main__":
    main()
