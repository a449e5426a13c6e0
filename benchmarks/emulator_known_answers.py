"""Known answers for the emulator route of Sobol' indices: Ishigami and the Sobol' G function.

    .venv/bin/python benchmarks/emulator_known_answers.py                  # 256 points, seeds 1-5
    .venv/bin/python benchmarks/emulator_known_answers.py --points 512 --seeds 1,2,3

For each function and seed: the emulator's S1 and ST (a Gaussian process fitted to ``--points``
evaluations on a scrambled Sobol' design, ``sim.sensitivity.emulator``) and the direct Saltelli
estimate (SALib, no second order) with a similar number of evaluations (the largest power-of-two
base sample with N (d + 2) <= 1.25 x points), each against the analytic indices
(``sim.sensitivity.analytic``). Printed per route: the largest absolute error over S1 and ST, the
largest 95% half-width, and coverage = the share of the indices whose interval (with a 0.02 floor,
as the tests) holds the analytic value. Then the indices of the first seed in full. Figures go to
docs/SENSITIVITY.md ("Emulator route"); note the load average next to the times.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from sim.sensitivity import Sobol
from sim.sensitivity.analytic import (g_function, g_indices, g_problem, ishigami, ishigami_indices,
                                      ishigami_problem)
from sim.sensitivity.emulator import SobolEmulator, emulate_sobol

FLOOR = 0.02
CASES = {"ishigami": (ishigami_problem, ishigami, ishigami_indices),
         "g_function": (g_problem, g_function, g_indices)}


def emulator_route(problem, func, points, seed):
    X = SobolEmulator().sample(problem, points, seed)
    t = time.perf_counter()
    fit = emulate_sobol(problem, X, func(problem.design(X)), seed)
    return (pd.DataFrame({"S1": fit.s1, "ST": fit.st,
                          "S1_conf": np.hypot(fit.s1_conf_mc, fit.s1_conf_emulator),
                          "ST_conf": np.hypot(fit.st_conf_mc, fit.st_conf_emulator)},
                         index=problem.names), points, time.perf_counter() - t, fit.q2)


def direct_route(problem, func, points, seed):
    d = problem.num_vars
    n = 2 ** int(np.floor(np.log2(1.25 * points / (d + 2))))
    method = Sobol(calc_second_order=False)
    X = method.sample(problem, n, seed)
    t = time.perf_counter()
    rows, _ = method.analyze(problem, X, func(problem.design(X)), seed)
    wide = pd.DataFrame(rows).pivot(index="parameter", columns="index", values=["value", "conf"])
    table = pd.DataFrame({"S1": wide["value"]["S1"], "ST": wide["value"]["ST"],
                          "S1_conf": wide["conf"]["S1"], "ST_conf": wide["conf"]["ST"]})
    return table.loc[problem.names], len(X), time.perf_counter() - t, np.nan


def score(table, analytic):
    err = np.abs(table[["S1", "ST"]].to_numpy() - analytic[["S1", "ST"]].to_numpy())
    conf = table[["S1_conf", "ST_conf"]].to_numpy()
    return err.max(), conf.max(), float((err <= np.maximum(conf, FLOOR)).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=256)
    parser.add_argument("--seeds", default="1,2,3,4,5")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"load average {os.getloadavg()[0]:.2f}; emulator points {args.points}; seeds {seeds}")
    for name, (make_problem, func, make_analytic) in CASES.items():
        problem, analytic = make_problem(), make_analytic()
        first = {}
        summary = []
        for seed in seeds:
            for route, run in (("emulator", emulator_route), ("direct", direct_route)):
                table, evals, seconds, q2 = run(problem, func, args.points, seed)
                err, conf, cover = score(table, analytic)
                summary.append({"route": route, "seed": seed, "evaluations": evals,
                                "max_error": err, "max_half_width": conf, "coverage": cover,
                                "q2": q2, "analysis_s": seconds})
                first.setdefault(route, table)
        frame = pd.DataFrame(summary)
        print(f"\n{name}: per seed")
        print(frame.round(3).to_string(index=False))
        print(f"{name}: mean over seeds")
        print(frame.groupby("route")[["evaluations", "max_error", "max_half_width", "coverage",
                                      "analysis_s"]].mean().round(3).to_string())
        print(f"{name}: seed {seeds[0]}, analytic vs emulator vs direct")
        side = pd.concat({"analytic": analytic[["S1", "ST"]], **first}, axis=1)
        print(side.round(3).to_string())


if __name__ == "__main__":
    main()
