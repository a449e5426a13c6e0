"""``leadsim validate``: run the pattern-oriented validation studies and report."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

from . import UserError


def register(sub) -> None:
    p = sub.add_parser(
        "validate", help="check that the model reproduces the patterns of the source papers",
        description="Run the validation studies in experiments/validation/ (SF1-SF6) through the sweep "
                    "engine, print a table (pattern, source, effect, 95%% CI, pass/fail) and write a "
                    "Markdown report with figures. Exit status 0 when every pattern passes, 1 otherwise.",
        epilog="examples:\n  leadsim validate --quick\n  leadsim validate --workers 2\n"
               "  leadsim validate --cluster local --out runs/validation --resume",
        formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="reduced sizes and replications (a few minutes; used by the test suite)")
    p.add_argument("--studies", default=None, help="folder of study files (default experiments/validation)")
    p.add_argument("--only", nargs="+", metavar="PATTERN", help="run only these patterns, e.g. SF1 SF3")
    p.add_argument("--out", default=None, help="folder of the runs (default runs/validation[-quick])")
    p.add_argument("--report", default=None,
                   help="Markdown report to write (default docs/VALIDATION.md; with --quick, "
                        "<out>/VALIDATION.md)")
    p.add_argument("--no-robustness", action="store_true", help="skip the robustness re-checks")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    group.add_argument("--cluster", choices=["local", "slurm"], default=None,
                       help="start a Dask LocalCluster or a SLURM cluster (dask-jobqueue)")
    p.add_argument("--serial", action="store_true", help="run in this process (no workers)")
    p.add_argument("--resume", action="store_true", help="reuse runs already in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--force", action="store_true",
                   help="run even if the estimated memory is more than this machine has available")
    p.set_defaults(func=validate_command)


def validate_command(args) -> int:
    from ..sweep.cluster import ClusterConfigError
    from ..sweep.design import DesignError
    from ..sweep.storage import SweepError
    from ..validation import StudyError, load_studies, robustness_variants, run_study
    from ..validation.report import console_table, write_markdown

    if args.workers is not None and args.workers < 1:
        raise UserError("'--workers': expected a positive integer")
    backend = "serial" if args.serial else "dask" if args.scheduler else \
        "dask-local" if args.cluster == "local" else "slurm" if args.cluster == "slurm" else "processes"
    try:
        studies = load_studies(args.studies) if args.studies else load_studies()
    except StudyError as err:
        raise UserError(str(err)) from None
    if args.only:
        wanted = {p.upper() for p in args.only}
        studies = [s for s in studies if s.pattern.upper() in wanted]
        if not studies:
            from ..hints import did_you_mean
            known = sorted({s.pattern.upper() for s in load_studies(args.studies)
                            } if args.studies else {s.pattern.upper() for s in load_studies()})
            first = sorted(wanted)[0]
            raise UserError(f"'--only': no study for {', '.join(sorted(wanted))}"
                            f"{did_you_mean(first, known)}; allowed: {', '.join(known)}")
    out = Path(args.out or ("runs/validation-quick" if args.quick else "runs/validation"))
    if args.resume and not out.is_dir():
        raise UserError(f"{out}: '--resume': folder not found, so there are no runs to reuse; "
                        f"run without --resume to start, or give the folder with --out")
    report = Path(args.report) if args.report else (out / "VALIDATION.md" if args.quick
                                                    else Path("docs/VALIDATION.md"))
    kwargs = dict(quick=args.quick, backend=backend, workers=args.workers, scheduler=args.scheduler,
                  resume=args.resume, progress=not args.quiet, force=args.force)
    started = time.perf_counter()
    results, robustness = [], []
    try:
        for study in studies:
            results.append(run_study(study, out_dir=out, **kwargs))
        if not (args.quick or args.no_robustness):
            for study in studies:
                for label, changes, offset in robustness_variants(study):
                    robustness.append(run_study(study, out_dir=out, changes=changes,
                                                seed_offset=offset, variant=label,
                                                **{**kwargs, "quick": True}))
    except (StudyError, SweepError, DesignError, ClusterConfigError) as err:
        raise UserError(str(err)) from None
    print(console_table(results))
    if robustness:
        print("\nrobustness:")
        print(console_table(robustness))
    report.parent.mkdir(parents=True, exist_ok=True)
    command = "leadsim validate " + " ".join(shlex.quote(a) for a in sys.argv[2:]) \
        if sys.argv[1:2] == ["validate"] else "leadsim validate" + (" --quick" if args.quick else "")
    write_markdown(report, results, robustness, command, args.quick)
    passed = sum(r.passed for r in results)
    print(f"\n{passed} of {len(results)} patterns pass ({time.perf_counter() - started:.0f} s); "
          f"report: {report}")
    return 0 if passed == len(results) else 1
