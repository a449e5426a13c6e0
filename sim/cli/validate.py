"""``leadsim validate``: run the pattern-oriented validation studies and report."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

from . import UserError


def register(sub) -> None:
    p = sub.add_parser(
        "validate", help="check the model against the claims register of the source papers",
        description="Run the validation studies in experiments/validation/ through the sweep engine, "
                    "each over several organisation sizes and independent seed families (the "
                    "protocol of docs/CLAIMS.md); print the calibration and held-out claims apart "
                    "(effect, pooled 95%% CI, variants agreeing, status) and write a Markdown report "
                    "with figures. Exit status 0 when every claim holds, 1 otherwise.",
        epilog="examples:\n  leadsim validate --quick\n  leadsim validate --only SF5 NIC-2\n"
               "  leadsim validate --cluster local --out runs/validation --resume",
        formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="reduced sizes and replications (a few minutes; used by the test suite)")
    p.add_argument("--studies", default=None, help="folder of study files (default experiments/validation)")
    p.add_argument("--only", nargs="+", metavar="NAME",
                   help="run only the studies testing these claims (ids such as NIC-2, patterns "
                        "such as SF5) or with these study names")
    p.add_argument("--out", default=None, help="folder of the runs (default runs/validation[-quick])")
    p.add_argument("--report", default=None,
                   help="Markdown report to write (default docs/VALIDATION.md; with --quick, "
                        "<out>/VALIDATION.md)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    group.add_argument("--cluster", choices=["local", "slurm"], default=None,
                       help="start a Dask LocalCluster or a SLURM cluster (dask-jobqueue)")
    p.add_argument("--cluster-config", metavar="FILE", default=None,
                   help="TOML file with a [cluster] table: the SLURM settings for --cluster slurm "
                        "(see docs/SWEEPS.md)")
    p.add_argument("--serial", action="store_true", help="run in this process (no workers)")
    p.add_argument("--resume", action="store_true", help="reuse runs already in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--force", action="store_true",
                   help="run even if the estimated memory is more than this machine has available")
    p.set_defaults(func=validate_command)


def validate_command(args) -> int:
    from ..sweep.cluster import ClusterConfigError, load_cluster_config
    from ..sweep.design import DesignError
    from ..sweep.storage import SweepError
    from ..validation import StudyError, load_studies, run_study
    from ..validation.report import claims_frame, console_table, write_markdown

    if args.workers is not None and args.workers < 1:
        raise UserError("'--workers': expected a positive integer")
    backend = "serial" if args.serial else "dask" if args.scheduler else \
        "dask-local" if args.cluster == "local" else "slurm" if args.cluster == "slurm" else "processes"
    try:
        cluster = load_cluster_config(args.cluster_config) if args.cluster_config else None
    except ClusterConfigError as err:
        raise UserError(str(err)) from None
    try:
        studies = load_studies(args.studies) if args.studies else load_studies()
    except StudyError as err:
        raise UserError(str(err)) from None
    if args.only:
        wanted = {p.upper() for p in args.only}
        known = set().union(*(s.ids() for s in studies))
        unknown = sorted(wanted - known)
        if unknown:
            from ..hints import did_you_mean

            raise UserError(f"'--only': no study tests {', '.join(unknown)}"
                            f"{did_you_mean(unknown[0], sorted(known))}; known: "
                            f"{', '.join(sorted(known))}")
        studies = [s for s in studies if s.ids() & wanted]
    out = Path(args.out or ("runs/validation-quick" if args.quick else "runs/validation"))
    if args.resume and not out.is_dir():
        raise UserError(f"{out}: '--resume': folder not found, so there are no runs to reuse; "
                        f"run without --resume to start, or give the folder with --out")
    report = Path(args.report) if args.report else (out / "VALIDATION.md" if args.quick or args.only
                                                    else Path("docs/VALIDATION.md"))
    kwargs = dict(quick=args.quick, backend=backend, workers=args.workers, scheduler=args.scheduler,
                  cluster_config=cluster, resume=args.resume, progress=not args.quiet,
                  force=args.force)
    started = time.perf_counter()
    results = []
    try:
        for study in studies:
            results.append(run_study(study, out_dir=out, **kwargs))
    except (StudyError, SweepError, DesignError, ClusterConfigError) as err:
        raise UserError(str(err)) from None
    seconds = time.perf_counter() - started
    print(console_table(results))
    report.parent.mkdir(parents=True, exist_ok=True)
    command = "leadsim validate " + " ".join(shlex.quote(a) for a in sys.argv[2:]) \
        if sys.argv[1:2] == ["validate"] else "leadsim validate" + (" --quick" if args.quick else "")
    write_markdown(report, results, command.strip(), args.quick, seconds)
    out.mkdir(parents=True, exist_ok=True)
    claims_frame(results).to_csv(out / "claims.csv", index=False)
    print(f"({seconds:.0f} s); report: {report}; table: {out / 'claims.csv'}")
    return 0 if all(r.passed for r in results) else 1
