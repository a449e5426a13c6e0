"""``leadsim sensitivity EXPERIMENT``: global sensitivity analysis of the model (SALib).

The experiment file (see ``experiments/sensitivity/`` and ``docs/SENSITIVITY.md``) sets the method,
sample size, parameters and ranges, replications and outcomes; the command line sets where and how
the runs go (output folder, backend, workers, resume).
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import UserError

DEFAULT_OUT = Path("runs") / "sensitivity"


def register(sub) -> None:
    p = sub.add_parser(
        "sensitivity", help="global sensitivity analysis (Sobol, Morris, PAWN, RBD-FAST)",
        description="Run a sensitivity experiment: sample the parameters' declared (or narrowed) "
                    "ranges, run the model through the sweep engine, and write indices with "
                    "confidence intervals, convergence checks, seed-noise shares (CSV) and "
                    "figures (PNG). Example: leadsim sensitivity "
                    "experiments/sensitivity/morris_screening.toml")
    p.add_argument("experiment", help="sensitivity experiment file (TOML)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help=f"output folder (default {DEFAULT_OUT}/<experiment name>)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes (default: all cores)")
    p.add_argument("--backend", default="processes",
                   choices=["serial", "processes", "dask-local", "dask", "slurm"],
                   help="where runs execute (default processes; slurm uses the file's [cluster])")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address for --backend dask (tcp://host:port)")
    p.add_argument("--resume", action="store_true",
                   help="finish a study already started in --out (runs done are kept)")
    p.add_argument("--samples", type=int, default=None, metavar="N",
                   help="override the file's sample size")
    p.add_argument("--replications", type=int, default=None, metavar="R",
                   help="override the file's replications per sample point")
    p.add_argument("--dry-run", action="store_true",
                   help="print the problem and the number of runs, run nothing")
    p.add_argument("--no-figures", action="store_true", help="write tables only")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--force", action="store_true",
                   help="run even if the estimated memory is more than this machine has available")
    p.set_defaults(func=sensitivity_command)


def check_study_size(exp, force: bool) -> None:
    """The study's runs, counted before it is sampled: at most the sweep engine's limit, and a
    design whose bookkeeping fits in memory (the runs themselves are checked by the sweep)."""
    from ..sweep.experiment import MAX_RUNS, check_sweep_size

    if exp.runs > MAX_RUNS:
        raise UserError(f"{exp.path}: 'samples': {exp.study.points:,} points x "
                        f"{exp.replications} replications = {exp.runs:,} runs; allowed: at most "
                        f"{MAX_RUNS:,} runs")
    check_sweep_size(exp.study.points, exp.study.problem.num_vars, exp.replications,
                     len(exp.outcomes), f"{exp.path}: 'samples'", force)


def sensitivity_command(args) -> int:
    from ..sensitivity import ModelEvaluator, SensitivityError, run_study
    from ..sensitivity.experiment import load_experiment

    try:
        from ..sweep.cluster import ClusterConfigError
        from ..sweep.design import DesignError
        from ..sweep.storage import SweepError
        engine_errors: tuple[type[Exception], ...] = (SweepError, DesignError, ClusterConfigError)
    except ImportError:  # pragma: no cover - the sweep engine is part of the package
        engine_errors = ()

    for flag in ("workers", "samples", "replications"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UserError(f"--{flag}: expected a positive integer, got {value}")
    try:
        from ..resources import resolve

        exp = load_experiment(resolve(args.experiment, "experiment"), samples=args.samples,
                              replications=args.replications)
    except SensitivityError as err:
        raise UserError(str(err)) from None
    study = exp.study
    out = Path(args.out) if args.out else DEFAULT_OUT / study.name
    check_study_size(exp, args.force)
    if args.resume and not args.dry_run:
        from .sweep import check_resumable
        check_resumable(out / "runs")
    print(f"{study.name}: {study.method.label} over {study.problem.num_vars} parameters, sample size "
          f"{study.samples} -> {study.points} points x {exp.replications} replications = "
          f"{exp.runs} runs; base {exp.base.name} ({exp.base.params.n_hospitals} hospitals x "
          f"{exp.base.params.staff_per_hospital} staff, {exp.base.params.ticks} weeks)")
    if exp.budget:
        print(f"budget: {exp.budget}")
    if args.dry_run:
        print(study.problem.table().to_string(index=False))
        print(f"outcomes: {', '.join(exp.outcomes)}")
        print(f"convergence sizes: {' '.join(map(str, study.sizes()))}")
        return 0
    evaluator = ModelEvaluator(
        exp.base, outcomes=exp.outcomes, replications=exp.replications, seed=study.seed,
        out_dir=out / "runs", resume=args.resume,
        options={"backend": args.backend, "workers": args.workers, "scheduler": args.scheduler,
                 "cluster_config": exp.cluster or None, "progress": not args.no_progress,
                 "name": study.name, "experiment_text": exp.text,
                 "common_random_numbers": exp.common_random_numbers, "force": args.force})
    try:
        result = run_study(study, evaluator)
    except SensitivityError as err:
        raise UserError(f"{exp.path}: {err}") from None
    except engine_errors as err:
        raise UserError(str(err)) from None
    paths = result.write(out, figures=not args.no_figures)
    (out / "experiment.toml").write_text(exp.text)
    sys.stdout.write((out / "summary.txt").read_text())
    print(f"wrote {len(paths) + 1} files to {out}/ (indices.csv, convergence_summary.csv, noise.csv, "
          f"figures/)")
    return 0
