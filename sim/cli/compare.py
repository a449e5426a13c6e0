"""``leadsim compare SCENARIO...``: several scenarios side by side, with a comparison plot."""

from __future__ import annotations

import argparse

from ..outcomes import SUMMARY_OUTCOMES
from .run import (add_run_options, check_size, load_named_scenario, out_folder, print_json,
                  scenario_changes, workers_option)

EPILOG = """\
examples:
  leadsim compare scenarios/concentrated_trust.toml scenarios/baseline.toml scenarios/distributed_qic.toml
      the three leadership mixes side by side (each scenario's replications)
  leadsim compare scenarios/distributed_qic.toml scenarios/no_coordinators.toml --replications 20
      the coordinators' contribution, with 20 replications each
  leadsim compare scenarios/*.toml --set ticks=260 --json > comparison.json
      every shipped scenario over five years; JSON summary on stdout

--replications, --seed and --set apply to every scenario. Scenarios with the same seed share
their replication seeds (common random numbers), which sharpens the comparison. The folder holds
summary.csv / replications.csv / hospitals.csv / summary.json (with a scenario column),
timeseries.parquet, scenarios/<name>.toml (each resolved), provenance.json and
figures/comparison.png (means with 95% CI bars per outcome).
"""


def register(sub) -> None:
    p = sub.add_parser(
        "compare", help="run several scenarios and show their outcomes side by side",
        description="\n".join([
            "Run every replication of several scenarios, print each summary outcome side by",
            "side (mean and 95% confidence interval over replications), and",
            "write a folder with the tables and a comparison plot.",
        ]),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenarios", metavar="SCENARIO", nargs="+", help="scenario files (TOML)")
    add_run_options(p)
    p.set_defaults(func=compare_command)


def compare_command(args) -> int:
    from ..outputs.console import comparison_lines, progress_bar
    from ..outputs.folder import atomic_folder
    from ..outputs.provenance import provenance
    from ..outputs.replications import run_scenarios, total_weeks
    from ..outputs.writer import scenario_file, unique_labels, write_comparison

    changes = scenario_changes(args)
    workers = workers_option(args)
    scenarios = [load_named_scenario(path, **changes) for path in args.scenarios]
    estimate = check_size(scenarios, workers, args.force)
    out = out_folder(args, "compare")
    show = not (args.quiet or args.json)
    if not args.json:
        print("comparing " + ", ".join(f"{s.name} ({s.replications} replication(s))"
                                       for s in scenarios) + estimate, flush=True)
    with progress_bar(total_weeks(scenarios, None), show) as on_week:
        runs = run_scenarios(scenarios, workers, on_week)
    labels = unique_labels([s.name for s in scenarios])
    files = " ".join(str(out / scenario_file(lab)) for lab in labels)
    record = provenance(scenarios, reproduce=f"leadsim compare {files}")
    with atomic_folder(out) as tmp:
        document = write_comparison(tmp, runs, record, out, figures=not args.no_figures)
    if args.json:
        print_json(document)
        return 0
    print("\n".join(comparison_lines({lab: r.summary() for lab, r in zip(labels, runs)},
                                     SUMMARY_OUTCOMES)))
    print(f"outputs: {out}")
    return 0
