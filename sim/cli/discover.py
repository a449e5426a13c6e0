"""``leadsim discover SWEEP_DIR --outcome NAME --above X``: PRIM scenario discovery, a CART tree and
feature scores over a finished sweep (EMA Workbench's analysis module; see docs/DISCOVERY.md)."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from . import UserError

EPILOG = """\
examples:
  leadsim sweep experiments/discovery_lhs.toml --out runs/discovery_lhs
  leadsim discover runs/discovery_lhs --outcome nobody_in_charge_rate --above 0.2
      in which region of the parameter space does nobody-in-charge exceed 20% of the tasks ended?
  leadsim discover runs/discovery_lhs --outcome improvement --below 2 --box 8
      a region of low improvement; show box 8 of the peeling trajectory instead of the default

Writes OUT (default SWEEP_DIR/discovery/<outcome>-<above|below>-<X>/): summary.txt (printed),
peeling_trajectory.csv, box.csv (limits with quasi-p values), box.json, cart_leaves.csv,
cart_tree.txt, feature_scores.csv and figures/*.png. Needs EMA Workbench:
pip install 'leadsim[discover]'.
"""


def register(sub) -> None:
    p = sub.add_parser(
        "discover", help="scenario discovery (PRIM, CART, feature scores) over a finished sweep",
        description="Find the region of the parameter space where an outcome crosses a threshold: "
                    "PRIM's peeling trajectory and a chosen box with coverage, density and the "
                    "quasi-p value of each limit, a CART tree and feature scores, over the runs of "
                    "a finished sweep (averaged per sample point by default).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sweep", metavar="SWEEP_DIR", help="output folder of a finished sweep")
    p.add_argument("--outcome", required=True, metavar="NAME",
                   help="an outcome the sweep kept, e.g. nobody_in_charge_rate")
    side = p.add_mutually_exclusive_group(required=True)
    side.add_argument("--above", type=float, metavar="X", help="runs of interest: outcome > X")
    side.add_argument("--below", type=float, metavar="X", help="runs of interest: outcome < X")
    p.add_argument("--per", choices=("point", "run"), default="point",
                   help="analyse sample points (outcomes averaged over replications; default) or "
                        "every run")
    p.add_argument("--box", type=int, metavar="N", default=None,
                   help="box of the peeling trajectory to report (default: the densest box with "
                        "only significant limits that covers at least --min-coverage)")
    p.add_argument("--min-coverage", type=float, default=0.5, metavar="C",
                   help="coverage the default box must keep, in (0, 1] (default 0.5)")
    p.add_argument("--peel-alpha", type=float, default=0.05, metavar="A",
                   help="share of the runs PRIM peels off at each step, in (0, 0.5) (default 0.05)")
    p.add_argument("--mass-min", type=float, default=0.05, metavar="M",
                   help="smallest share of the runs a PRIM box or CART leaf holds, in (0, 1) "
                        "(default 0.05)")
    p.add_argument("--out", metavar="DIR", default=None, help="output folder (see below)")
    p.add_argument("--no-figures", action="store_true", help="tables only")
    p.set_defaults(func=discover_command)


def _check_range(value: float, flag: str, low: float, high: float, closed_high: bool) -> None:
    ok = math.isfinite(value) and low < value and (value <= high if closed_high else value < high)
    if not ok:
        bracket = "]" if closed_high else ")"
        raise UserError(f"'{flag}': expected a number in ({low}, {high}{bracket}, got {value}")


def discover_command(args) -> int:
    from ..discovery import DiscoveryError, discover, write_outputs

    above = args.above is not None
    threshold = args.above if above else args.below
    if not math.isfinite(threshold):
        raise UserError(f"'--{'above' if above else 'below'}': expected a finite number, "
                        f"got {threshold}")
    _check_range(args.min_coverage, "--min-coverage", 0, 1, True)
    _check_range(args.peel_alpha, "--peel-alpha", 0, 0.5, False)
    _check_range(args.mass_min, "--mass-min", 0, 1, False)
    folder = Path(args.sweep)
    try:
        found = discover(folder, args.outcome, threshold, above=above, per=args.per, box=args.box,
                         min_coverage=args.min_coverage, peel_alpha=args.peel_alpha,
                         mass_min=args.mass_min)
    except DiscoveryError as err:
        raise UserError(str(err)) from None
    side = "above" if above else "below"
    out = Path(args.out) if args.out else folder / "discovery" / f"{args.outcome}-{side}-{threshold:g}"
    paths = write_outputs(found, out, folder, figures=not args.no_figures)
    sys.stdout.write((out / "summary.txt").read_text())
    print(f"wrote {len(paths)} files to {out}/")
    return 0
