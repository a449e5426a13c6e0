"""``leadsim sweep EXPERIMENT``: run a parameter sweep, resumable, locally or on a Dask cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import UserError

EXIT_FAILED_RUNS = 1


def register(sub) -> None:
    p = sub.add_parser(
        "sweep", help="run a parameter sweep (experiment file) on local cores or a Dask cluster",
        description="Run every point of an experiment's design (each replication once), streaming "
                    "results to a Parquet dataset in the output folder; --resume runs only what "
                    "is missing. Exit status 1 if any run failed, 2 for bad input. "
                    "See docs/SWEEPS.md.",
        epilog="examples:\n"
               "  leadsim sweep experiments/tiny_grid.toml\n"
               "  leadsim sweep experiments/mix_by_support.toml --workers 2 --out runs/mix\n"
               "  leadsim sweep experiments/mix_by_support.toml --out runs/mix --resume\n"
               "  leadsim sweep experiments/mix_by_support.toml --cluster slurm\n"
               "  leadsim sweep experiments/mix_by_support.toml --scheduler tcp://scheduler-host:8786",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("experiment",
                   help="experiment file (TOML), e.g. experiments/mix_by_support.toml")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="output folder (default: runs/<experiment name>)")
    p.add_argument("--workers", type=int, metavar="N", default=None,
                   help="worker processes (default: all cores; with --cluster slurm: in total)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="run on an existing Dask cluster, e.g. tcp://scheduler-host:8786")
    where.add_argument("--cluster", choices=("local", "slurm"), default=None,
                       help="start a Dask cluster: local (LocalCluster) or slurm (dask-jobqueue, "
                            "settings from the experiment's [cluster] table)")
    where.add_argument("--serial", action="store_true",
                       help="run in this process, one run after another (debugging)")
    p.add_argument("--cluster-config", metavar="FILE", default=None,
                   help="TOML file whose [cluster] table (e.g. a site's SLURM settings) replaces "
                        "the matching keys of the experiment's [cluster] table")
    p.add_argument("--resume", action="store_true",
                   help="finish the sweep already in the output folder (runs only what is missing)")
    p.add_argument("--retry-failed", action="store_true",
                   help="with --resume: run again the runs that failed")
    p.add_argument("--chunk-size", type=int, metavar="N", default=None,
                   help="results buffered before a chunk file is written (default 200)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-report", action="store_true",
                   help="no summary table and figures at the end")
    p.add_argument("--force", action="store_true",
                   help="run even if the estimated memory is more than this machine (or a SLURM "
                        "worker) has available")
    p.set_defaults(func=sweep_command)


def backend_name(args) -> str:
    """The run_design backend chosen by the command-line flags."""
    if args.serial:
        return "serial"
    if args.scheduler:
        return "dask"
    return {"local": "dask-local", "slurm": "slurm", None: "processes"}[args.cluster]


def sweep_command(args) -> int:
    from ..sweep import ExperimentError, SweepError, load_experiment, run_experiment
    from ..sweep.cluster import ClusterConfigError, load_cluster_config, merge_cluster_config
    from ..sweep.design import DesignError
    from ..sweep.report import format_summary, write_report
    from ..sweep.runner import DEFAULT_CHUNK_SIZE

    if args.retry_failed and not args.resume:
        raise UserError("--retry-failed: only with --resume")
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers: expected a positive integer, got {args.workers}")
    if args.workers is not None and args.scheduler:
        raise UserError("--workers: not used with --scheduler (the cluster's own workers run the "
                        "sweep; start more with dask worker)")
    if args.chunk_size is not None and args.chunk_size < 1:
        raise UserError(f"--chunk-size: expected a positive integer, got {args.chunk_size}")
    from ..resources import resolve

    experiment = load_experiment(resolve(args.experiment, "experiment"),   # one line, exit 2
                                 force=args.force)
    cluster = experiment.cluster
    if args.cluster_config:
        try:
            cluster = merge_cluster_config(cluster, load_cluster_config(args.cluster_config))
        except ClusterConfigError as err:
            raise UserError(str(err)) from None
    out = Path(args.out) if args.out else Path("runs") / experiment.name
    if args.resume:
        check_resumable(out)
    backend = backend_name(args)
    try:
        results = run_experiment(
            experiment, out_dir=out, backend=backend, workers=args.workers,
            scheduler=args.scheduler, cluster_config=cluster, resume=args.resume,
            retry_failed=args.retry_failed,
            progress=not args.no_progress, chunk_size=args.chunk_size or DEFAULT_CHUNK_SIZE,
            force=args.force)
    except (SweepError, DesignError, ClusterConfigError) as err:
        raise UserError(str(err)) from None
    except ExperimentError:
        raise
    stats = results.attrs["sweep"]
    print(f"{stats.done} runs in {stats.seconds:.1f} s on {stats.backend} ({stats.workers} "
          f"workers; {stats.skipped} already done); "
          f"{len(results)} of {stats.total} recorded in {out}", file=sys.stderr)
    if not args.no_report:
        print(format_summary(write_report(out, results)))
    return report_failures(results, list(experiment.design.columns))


def check_resumable(out: Path, option: str = "--resume") -> None:
    """``--resume`` needs a sweep to finish: one line (exit 2) if ``out`` holds none."""
    from ..sweep.storage import META_FILE

    if not out.exists():
        raise UserError(f"{out}: '{option}': folder not found, so there is nothing to resume; "
                        f"run without --resume to start, or give the folder of the sweep with --out")
    if not (out / META_FILE).is_file():
        raise UserError(f"{out}: '{option}': holds no sweep ({META_FILE} missing), so there is "
                        f"nothing to resume; run without --resume to start, or give the folder "
                        f"of the sweep with --out")


def report_failures(results, params: list[str]) -> int:
    """Print the failed runs (first 10) and return the exit status (1 if any failed)."""
    failed = results[results["error"].notna()]
    if failed.empty:
        return 0
    print(f"leadsim sweep: {len(failed)} of {len(results)} runs failed:", file=sys.stderr)
    for _, row in failed.head(10).iterrows():
        values = ", ".join(f"{p}={row[p]}" for p in params)
        print(f"  run {row['run_id']} ({values}): {row['error']}", file=sys.stderr)
    if len(failed) > 10:
        print(f"  ... and {len(failed) - 10} more (see report/failures.csv)", file=sys.stderr)
    return EXIT_FAILED_RUNS

