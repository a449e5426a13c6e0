"""``leadsim run SCENARIO``: run a scenario's replications, print the summary, write a run folder.

The options shared with ``leadsim compare`` (replications, seed, ``--set``, workers, output folder,
quiet/JSON) are declared and parsed here.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

from ..hints import did_you_mean
from ..parameters import SPECS, ParameterError
from ..scenario import MAX_REPLICATIONS, load_scenario
from . import UserError

CLI = "command line"

EPILOG = """\
examples:
  leadsim run scenarios/baseline.toml
      run the scenario's replications (5) in parallel; write runs/baseline-<timestamp>/
  leadsim run baseline
      the same from any folder: a shipped scenario by name (see leadsim describe --help)
  leadsim run scenarios/distributed_qic.toml --replications 10 --seed 7 --out runs/qic
      more replications, another seed, a chosen output folder
  leadsim run scenarios/baseline.toml --set ticks=104 --set n_hospitals=3 --quiet
      change any parameter for this run (see: leadsim describe)
  leadsim run scenarios/baseline.toml --json > summary.json
      machine-readable summary on stdout (nothing else is printed there)
  leadsim run runs/baseline-20250101-120000/scenario.toml
      reproduce an earlier run exactly from its resolved scenario

The run folder holds: scenario.toml (fully resolved), provenance.json, timeseries.parquet (per
week, hospital and replication), summary.csv / replications.csv / hospitals.csv / summary.json
(mean and 95% t-interval over replications), and figures/*.png. It is written under a temporary
name and renamed when complete. See docs/CLI.md for the scenario format.
"""


# --- options shared with ``compare`` ----------------------------------------------------------
def add_run_options(p: argparse.ArgumentParser) -> None:
    """Options shared by ``run`` and ``compare``."""
    p.add_argument("--replications", metavar="N",
                   help=f"number of replications (1..{MAX_REPLICATIONS}); default: the scenario's")
    p.add_argument("--seed", metavar="S",
                   help="override the scenario's seed (replication r uses the r-th seed spawned "
                        "from it)")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[], dest="sets",
                   help="change one parameter, e.g. --set leadership_mix=0.8 (repeatable)")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (new or empty); default: runs/<name>-<timestamp>")
    p.add_argument("--workers", metavar="N",
                   help="parallel processes for the replications; default: one per CPU, at most "
                        "one per replication (1: run in this process)")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures (faster)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true",
                   help="print the summary as JSON on stdout (no progress bar, no table)")
    p.add_argument("--force", action="store_true",
                   help="run even if the estimated memory is more than this machine has "
                        "available")


def integer_option(text: str | None, option: str, low: int, high: int) -> int | None:
    """The integer given for ``option`` (``None`` if not given), else a one-line error."""
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise UserError(f"{CLI}: '{option}': expected an integer in [{low}, {high}], got {text!r}")
    return value


def parse_sets(items: list[str]) -> dict[str, Any]:
    """``--set KEY=VALUE`` items as validated parameter values (VALUE read as a TOML value)."""
    changes: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"{CLI}: '--set': expected KEY=VALUE (e.g. leadership_mix=0.8), "
                            f"got {item!r}")
        if key not in SPECS:
            raise UserError(f"{CLI}: '--set {key}': unknown parameter{did_you_mean(key, SPECS)}; "
                            f"allowed: {', '.join(SPECS)}")
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        try:
            changes[key] = SPECS[key].check(value, CLI, key=f"--set {key}")
        except ParameterError as err:
            raise UserError(str(err)) from None
    return changes


def scenario_changes(args) -> dict[str, Any]:
    """Changes to the scenario(s) asked for on the command line."""
    changes = parse_sets(args.sets)
    reps = integer_option(args.replications, "--replications", 1, MAX_REPLICATIONS)
    seed = integer_option(args.seed, "--seed", int(SPECS["seed"].low), int(SPECS["seed"].high))
    if reps is not None:
        changes["replications"] = reps
    if seed is not None:
        changes["seed"] = seed
    return changes


def workers_option(args) -> int | None:
    return integer_option(args.workers, "--workers", 1, 1024)


def out_folder(args, name: str) -> Path:
    """The output folder (``--out`` or a new timestamped one), checked to be usable; partial
    folders that killed runs left beside it are removed (and reported)."""
    from ..outputs.folder import check_folder, default_folder, remove_stale_partials

    out = check_folder(Path(args.out) if args.out else default_folder(name))
    remove_stale_partials(out)
    return out


def check_size(scenarios, workers: int | None, force: bool) -> str:
    """Refuse (one line, exit 2) runs whose estimated memory is more than this machine has
    available, unless ``force``; return the estimate for the header line ("" when it is small)."""
    from ..outputs.replications import available_workers
    from ..sizing import check_fits, scenario_cost, size_advice

    reps = [s.replications for s in scenarios]
    parallel = min(workers or available_workers(), available_workers(), sum(reps))
    estimate = scenario_cost([s.params for s in scenarios], reps, parallel)
    names = ", ".join(s.name for s in scenarios)
    largest = max(scenarios, key=lambda s: s.params.n_hospitals * s.params.staff_per_hospital)
    check_fits(estimate, f"{'scenario' if len(scenarios) == 1 else 'scenarios'} {names}", force,
               size_advice(largest.params) + " or --replications")
    return f"; estimated {estimate.describe()}" if estimate.seconds >= 60 else ""


def load_named_scenario(argument: str, **changes: Any):
    """The scenario a command-line argument names: a file, or a shipped scenario by name
    (``baseline``; see :mod:`sim.resources`), with ``changes`` applied."""
    from ..resources import resolve, shipped_hint
    from ..scenario import ScenarioError

    try:
        return load_scenario(resolve(argument, "scenario"), **changes)
    except ScenarioError as err:
        hint = shipped_hint(argument, "scenario") if "file not found" in str(err) else ""
        raise ScenarioError(f"{err}{hint}") from None


def print_json(document: dict[str, Any]) -> None:
    from ..outputs.writer import dumps

    sys.stdout.write(dumps(document) + "\n")


# --- the subcommand ---------------------------------------------------------------------------
def register(sub) -> None:
    p = sub.add_parser(
        "run", help="run a scenario: replications, summary table, run folder with figures",
        description="\n".join([
            "Run every replication of a scenario (in parallel local processes), print the",
            "summary outcomes with their mean and 95% confidence interval over",
            "replications, and write a run folder with time series, summaries, figures and",
            "provenance.",
        ]),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML), e.g. "
                                                         "scenarios/baseline.toml, or the name of a "
                                                         "shipped scenario, e.g. baseline")
    add_run_options(p)
    p.add_argument("--org-hospital", metavar="H", default=None,
                   help="hospital drawn in the organisation figure (default 0)")
    p.set_defaults(func=run_command)



def run_command(args) -> int:
    from ..outputs.console import progress_bar, summary_lines
    from ..outputs.folder import atomic_folder
    from ..outputs.provenance import provenance
    from ..outputs.replications import run_scenario, total_weeks
    from ..outputs.writer import write_run

    changes = scenario_changes(args)
    workers = workers_option(args)
    scenario = load_named_scenario(args.scenario, **changes)
    hospital = integer_option(args.org_hospital, "--org-hospital", 0,
                              scenario.params.n_hospitals - 1)
    hospital = 0 if hospital is None else hospital
    estimate = check_size([scenario], workers, args.force)
    out = out_folder(args, scenario.name)
    organisation_of = None if args.no_figures else hospital

    show = not (args.quiet or args.json)
    p = scenario.params
    if not args.json:
        print(f"scenario {scenario.name}: {p.n_hospitals} hospitals, {p.ticks} weeks, "
              f"{scenario.replications} replication(s), seed {p.seed}{estimate}", flush=True)
    with progress_bar(total_weeks([scenario], organisation_of), show) as on_week:
        run = run_scenario(scenario, workers, on_week, organisation_of)
    record = provenance([scenario], reproduce=f"leadsim run {out / 'scenario.toml'}",
                        extra={"organisation_figure_hospital": organisation_of})
    with atomic_folder(out) as tmp:
        document = write_run(tmp, run, record, out, figures=not args.no_figures)
    if args.json:
        print_json(document)
        return 0
    print("\n".join(summary_lines(run.summary())))
    print(f"outputs: {out}")
    return 0
