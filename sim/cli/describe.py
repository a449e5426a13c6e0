"""``leadsim describe [SCENARIO] [--constants]``: every parameter (or behavioural constant) with its
value, unit, range and meaning."""

from __future__ import annotations

import argparse
import shutil
import textwrap
from typing import Any

from ..constants import constants_markdown, describe_constants
from ..parameters import PARAMETER_SPECS, Parameters
from ..scenario import Scenario, scenario_from_params
from .run import load_named_scenario, print_json

EPILOG = """\
examples:
  leadsim describe                               every parameter with its default
  leadsim describe scenarios/distributed_qic.toml  the values a scenario uses (* = set by it)
  leadsim describe scenarios/baseline.toml --json  the same as JSON
  leadsim describe --constants                   every behavioural constant: value, range, rationale

Scenario file keys (TOML): any parameter below at top level; replications; seed; name;
description; extends = "other.toml" (start from another scenario, change a few knobs);
[[hospitals]] tables with hospital = <0-based index> and per-hospital parameters
(marked "per hospital" below); a [constants] table changing behavioural constants within their
declared ranges (leadsim describe --constants). See docs/CLI.md.
"""


def register(sub) -> None:
    p = sub.add_parser(
        "describe", help="list every parameter: value, unit, range and meaning",
        description="\n".join([
            "List every model parameter with its value (the scenario's, or the default),",
            "unit, allowed range and meaning; per-hospital values too.",
        ]),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", metavar="SCENARIO", nargs="?",
                   help="scenario file (TOML); without it, the defaults")
    p.add_argument("--json", action="store_true", help="print the description as JSON")
    p.add_argument("--constants", action="store_true",
                   help="list the behavioural constants (value, plausible range, unit, rationale) "
                        "instead of the parameters")
    p.add_argument("--markdown", action="store_true",
                   help="with --constants: the Markdown table of docs/ODD.md section 10")
    p.set_defaults(func=describe_command)


def rows(scenario: Scenario, from_file: bool) -> list[dict[str, Any]]:
    """One mapping per parameter: value, default, whether the scenario sets it, range, meaning."""
    out = []
    for spec in PARAMETER_SPECS:
        value = getattr(scenario.params, spec.name)
        hospitals = ({ov.hospital: ov.values[spec.name] for ov in scenario.params.hospitals
                      if spec.name in ov.values} if spec.per_hospital else {})
        out.append({
            "name": spec.name, "value": value, "default": spec.default,
            "set_by_scenario": from_file and spec.name in scenario.values,
            "hospitals": hospitals, "type": spec.kind.__name__, "low": spec.low,
            "high": spec.high, "unit": spec.unit, "per_hospital": spec.per_hospital,
            "description": spec.description,
        })
    return out


def constant_rows(scenario: Scenario, from_file: bool) -> list[dict[str, Any]]:
    """One mapping per behavioural constant: the run's value, the declared value, range, rationale."""
    values = scenario.params.constant_values()
    return [{**row, "value": getattr(values, row["name"]), "default": row["value"],
             "set_by_scenario": from_file and row["name"] in scenario.params.constants}
            for row in describe_constants()]


def describe_command(args) -> int:
    if args.scenario:
        scenario, from_file = load_named_scenario(args.scenario), True
    else:
        scenario, from_file = scenario_from_params(Parameters(), name="defaults"), False
    if args.constants:
        table = constant_rows(scenario, from_file)
        if args.json:
            print_json({"scenario": scenario.name if from_file else None, "constants": table})
        elif args.markdown:
            print(constants_markdown())
        else:
            print("\n".join(constant_lines(table)))
        return 0
    table = rows(scenario, from_file)
    if args.json:
        print_json({"scenario": scenario.name if from_file else None,
                    "sources": list(scenario.sources), "replications": scenario.replications,
                    "description": scenario.description, "parameters": table})
        return 0
    print("\n".join(text_lines(scenario, from_file, table)))
    return 0


def _fmt(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def text_lines(scenario: Scenario, from_file: bool, table: list[dict[str, Any]]) -> list[str]:
    """The description for the terminal: a header, then one block per parameter."""
    width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 110))
    if from_file:
        chain = " <- ".join(scenario.sources)
        lines = [f"scenario {scenario.name}: {scenario.description or '(no description)'}",
                 f"  files: {chain}",
                 f"  replications: {scenario.replications}; * = value set by the scenario, "
                 f"otherwise the default"]
    else:
        lines = ["model parameters and their defaults (set them in a scenario file or with "
                 "--set KEY=VALUE)"]
    for row in table:
        mark = "*" if row["set_by_scenario"] else " "
        value = _fmt(row["value"])
        default = "" if row["value"] == row["default"] else f"  (default {_fmt(row['default'])})"
        where = "  per hospital" if row["per_hospital"] else ""
        lines.append("")
        lines.append(f"{mark} {row['name']} = {value}{default}")
        lines.append(f"    {row['type']} in [{_fmt(row['low'])}, {_fmt(row['high'])}]; unit: "
                     f"{row['unit']}{where}")
        for h, v in sorted(row["hospitals"].items()):
            lines.append(f"    hospital {h}: {_fmt(v)}")
        lines.extend(textwrap.wrap(row["description"], width, initial_indent="    ",
                                   subsequent_indent="    "))
    return lines


def constant_lines(table: list[dict[str, Any]]) -> list[str]:
    """The constants for the terminal, by group: name = value [low, high] unit, then the rationale."""
    width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 110))
    lines = ["behavioural constants (change them in a scenario's [constants] table, within the "
             "range; * = changed by the scenario)"]
    group = None
    for row in table:
        if row["group"] != group:
            group = row["group"]
            lines += ["", f"[{group}]"]
        mark = "*" if row["set_by_scenario"] else " "
        default = "" if row["value"] == row["default"] else f"  (declared {_fmt(row['default'])})"
        lines.append(f"{mark} {row['name']} = {_fmt(row['value'])}{default}  "
                     f"[{_fmt(row['low'])}, {_fmt(row['high'])}] {row['unit']}")
        lines.extend(textwrap.wrap(row["rationale"], width, initial_indent="    ",
                                   subsequent_indent="    "))
    return lines
