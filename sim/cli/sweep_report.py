"""``leadsim sweep-report DIR``: redraw a sweep's summary table and figures from its folder."""

from __future__ import annotations

from . import UserError


def register(sub) -> None:
    p = sub.add_parser(
        "sweep-report", help="redraw the summary table and figures of a sweep folder",
        description="Read the results of a sweep folder (finished or not) and write its tables "
                    "and figures (each outcome against each swept parameter, 95% confidence "
                    "bands) to DIR/report/.")
    p.add_argument("folder", metavar="DIR", help="output folder of a sweep (holds sweep.json)")
    p.set_defaults(func=sweep_report_command)


def sweep_report_command(args) -> int:
    from ..sweep import SweepError
    from ..sweep.report import format_summary, write_report

    try:
        report = write_report(args.folder)
    except SweepError as err:
        raise UserError(str(err)) from None
    print(format_summary(report))
    return 0
