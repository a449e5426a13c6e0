"""Experiment files: a base scenario, a design over named parameters, and how to run it (TOML).

Example (``experiments/mix_by_support.toml``)::

    name = "mix_by_support"
    description = "Leadership mix against management support"
    scenario = "../scenarios/baseline.toml"   # path relative to this file
    replications = 3
    seed = 7                                  # default: the scenario's seed
    common_random_numbers = false             # true: replication r of every point shares a seed
    outcomes = ["improvement", "nobody_in_charge_rate"]   # default: all summary outcomes

    [overrides]                               # parameters changed in the base scenario
    n_hospitals = 2
    ticks = 260

    [design]
    kind = "grid"                             # every combination (first name varies slowest)
    leadership_mix = [0.0, 0.5, 1.0]
    management_support = [0.2, 0.8]

Other designs::

    [design]                                  # Latin hypercube
    kind = "lhs"
    size = 50
    parameters = ["leadership_mix", "turnover_rate"]   # documented ranges ...
    [design.ranges]
    management_support = [0.2, 0.9]           # ... or explicit [low, high]

    [design]                                  # explicit points
    kind = "table"
    file = "points.csv"                       # relative to this file; or inline:
    # rows = [{leadership_mix = 0.1, management_support = 0.5}, ...]

An optional ``[cluster]`` table holds settings for ``--cluster slurm`` (see
:mod:`sim.sweep.cluster`). Every error is an :class:`ExperimentError`: one line naming the file,
the key and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..hints import did_you_mean
from ..outcomes import SUMMARY_OUTCOMES
from ..parameters import SPECS
from ..tomlfile import missing_file_hint, read_toml
from ..scenario import MAX_REPLICATIONS, Scenario, ScenarioError, load_with_overrides
from .cluster import ClusterConfigError, check_cluster_config
from .design import DesignError, grid_design, grid_points, lhs_design, table_design
from .runner import check_outcomes
from .storage import SweepError

TOP_KEYS = ("name", "description", "scenario", "overrides", "design", "replications", "seed",
            "common_random_numbers", "outcomes", "cluster")
DESIGN_KINDS = ("grid", "lhs", "table")
MAX_RUNS = 10_000_000


class ExperimentError(ScenarioError):
    """An experiment file that cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class Experiment:
    """A loaded experiment: what to run (base, design, replications) and how to keep it."""

    name: str
    path: Path
    base: Scenario
    design: pd.DataFrame
    replications: int
    seed: int
    outcomes: tuple[str, ...]
    cluster: dict[str, Any] = field(default_factory=dict)
    common_random_numbers: bool = False
    description: str = ""
    text: str = ""                      # the file's text (saved with the results)

    @property
    def runs(self) -> int:
        """Runs in the experiment (points x replications)."""
        return len(self.design) * self.replications


def check_runs(points: int, replications: int, path: Path) -> None:
    """At most :data:`MAX_RUNS` runs (checked before the design is built where it can be)."""
    if points * replications > MAX_RUNS:
        raise ExperimentError(f"{path}: 'design': {points:,} points x {replications} "
                              f"replications = {points * replications:,} runs; allowed: at most "
                              f"{MAX_RUNS:,} runs")


def check_sweep_size(points: int, parameters: int, replications: int, outcomes: int, what: str,
                     force: bool) -> None:
    """Refuse a design whose bookkeeping needs more memory than this machine has available."""
    from ..sizing import check_fits, sweep_setup_cost

    check_fits(sweep_setup_cost(points, parameters, points * replications, outcomes), what,
               force, "use fewer points or split the sweep")


def _read(path: Path) -> tuple[dict[str, Any], str]:
    return read_toml(path, ExperimentError, "experiment")


def _int(raw: dict, key: str, path: Path, low: int, high: int, default: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ExperimentError(f"{path}: '{key}': expected an integer in [{low}, {high}], "
                              f"got {value!r}")
    return value


def design_points(spec: Any) -> int | None:
    """Points of a ``[design]`` table, known before it is built (None: a table file, counted when
    read)."""
    if not isinstance(spec, dict):
        return None
    kind = spec.get("kind")
    rest = {k: v for k, v in spec.items() if k != "kind"}
    if kind == "grid":
        return grid_points(rest)
    if kind == "lhs" and isinstance(rest.get("size"), int) and not isinstance(rest["size"], bool):
        return rest["size"]
    if kind == "table" and isinstance(rest.get("rows"), list):
        return len(rest["rows"])
    return None


def _design(spec: Any, path: Path, seed: int, max_points: int = MAX_RUNS) -> pd.DataFrame:
    if not isinstance(spec, dict):
        raise ExperimentError(f"{path}: 'design': expected a table ([design]) with kind = "
                              f"{' | '.join(DESIGN_KINDS)}")
    kind = spec.get("kind")
    if kind not in DESIGN_KINDS:
        raise ExperimentError(f"{path}: 'design.kind': expected one of {', '.join(DESIGN_KINDS)}, "
                              f"got {kind!r}")
    rest = {k: v for k, v in spec.items() if k != "kind"}
    try:
        if kind == "grid":
            for key, value in rest.items():
                if key not in SPECS:
                    raise DesignError(f"'{key}': unknown parameter{did_you_mean(key, SPECS)}; a "
                                      f"grid lists parameters with their values; allowed: "
                                      f"{', '.join(SPECS)}")
                if not isinstance(value, list):
                    raise DesignError(f"'{key}': expected a list of values, e.g. {key} = "
                                      f"[{SPECS[key].low}, {SPECS[key].high}], got {value!r}")
            return grid_design(rest, max_points)
        if kind == "lhs":
            allowed = ("size", "parameters", "ranges")
            for key in rest:
                if key not in allowed:
                    raise DesignError(f"'{key}': unknown key for an LHS design"
                                      f"{did_you_mean(key, allowed)}; allowed: kind, "
                                      f"{', '.join(allowed)}")
            names = rest.get("parameters", [])
            ranges = rest.get("ranges", {})
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise DesignError(f"'parameters': expected a list of parameter names, "
                                  f"got {names!r}")
            if not isinstance(ranges, dict):
                raise DesignError(f"'ranges': expected a table of name = [low, high], "
                                  f"got {ranges!r}")
            merged: dict[str, tuple | None] = {n: None for n in names}
            for key, value in ranges.items():
                if key not in SPECS:
                    raise DesignError(f"'ranges.{key}': unknown parameter"
                                      f"{did_you_mean(key, SPECS)}; allowed: {', '.join(SPECS)}")
                if not (isinstance(value, list) and len(value) == 2):
                    raise DesignError(f"'ranges.{key}': expected [low, high], got {value!r}")
                merged[key] = tuple(value)
            if "size" not in rest:
                raise DesignError("'size': an LHS design needs size = <number of points>")
            return lhs_design(merged, rest["size"], seed, max_points)
        allowed = ("file", "rows")
        for key in rest:
            if key not in allowed:
                raise DesignError(f"'{key}': unknown key for a table design"
                                  f"{did_you_mean(key, allowed)}; allowed: kind, file, rows")
        if ("file" in rest) == ("rows" in rest):
            raise DesignError("'file': a table design needs exactly one of file = \"points.csv\" "
                              "or rows = [{...}, ...]")
        if "file" in rest:
            if not isinstance(rest["file"], str):
                raise DesignError(f"'file': expected a CSV file name, got {rest['file']!r}")
            return table_design(rest["file"], base_dir=path.parent, max_points=max_points)
        return table_design(rest["rows"], max_points=max_points)
    except DesignError as err:
        msg = str(err)
        where = f"'design.{msg[1:]}" if msg.startswith("'") else f"'design': {msg}"
        raise ExperimentError(f"{path}: {where}") from None


def load_experiment(path: str | Path, *, force: bool = False) -> Experiment:
    """Load and validate an experiment file (see the module docstring for its form).

    The design is sized before it is built: more than :data:`MAX_RUNS` runs is an error, and so is
    a design whose handling (the table, its fingerprint and copy, the results read back) needs more
    memory than this machine has available, unless ``force``.
    """
    path = Path(path)
    raw, text = _read(path)
    for key in raw:
        if key not in TOP_KEYS:
            hint = (" (put parameters under [overrides] or [design])" if key in SPECS
                    else did_you_mean(key, TOP_KEYS))
            raise ExperimentError(f"{path}: '{key}': unknown key{hint}; "
                                  f"allowed: {', '.join(TOP_KEYS)}")
    for key in ("name", "description"):
        if key in raw and not isinstance(raw[key], str):
            raise ExperimentError(f"{path}: '{key}': expected a string, got {raw[key]!r}")
    scen = raw.get("scenario")
    if not isinstance(scen, str) or not scen:
        raise ExperimentError(f"{path}: 'scenario': expected the base scenario file (path relative "
                              f"to the experiment), e.g. scenario = \"../scenarios/baseline.toml\"")
    scen_path = path.parent / scen
    if not scen_path.is_file():
        what = "is not a file" if scen_path.exists() else \
            f"not found{missing_file_hint(scen_path)}"
        raise ExperimentError(f"{path}: 'scenario': file {scen_path} {what}")
    base = load_with_overrides(scen_path, raw.get("overrides", {}), path, ExperimentError)
    seed = _int(raw, "seed", path, 0, 2**63 - 1, base.params.seed)
    crn = raw.get("common_random_numbers", False)
    if not isinstance(crn, bool):
        raise ExperimentError(f"{path}: 'common_random_numbers': expected true or false, "
                              f"got {crn!r}")
    replications = _int(raw, "replications", path, 1, MAX_REPLICATIONS, base.replications)
    outcomes = raw.get("outcomes", list(SUMMARY_OUTCOMES))
    try:
        outcomes = check_outcomes(list(dict.fromkeys(outcomes)) if isinstance(outcomes, list)
                                  else outcomes)
    except SweepError as err:
        raise ExperimentError(f"{path}: {err}") from None
    if "design" not in raw:
        raise ExperimentError(f"{path}: 'design': missing; add a [design] table with kind = "
                              f"{' | '.join(DESIGN_KINDS)}")
    points = design_points(raw["design"])
    if points is not None:
        check_runs(points, replications, path)
        check_sweep_size(points, len(raw["design"]) - 1, replications, len(outcomes),
                         f"{path}: 'design'", force)
    design = _design(raw["design"], path, seed, max(1, MAX_RUNS // replications))
    check_runs(len(design), replications, path)
    if points is None:
        check_sweep_size(len(design), len(design.columns), replications, len(outcomes),
                         f"{path}: 'design'", force)
    try:
        cluster = check_cluster_config(raw.get("cluster"))
    except ClusterConfigError as err:
        raise ExperimentError(f"{path}: {err}") from None
    return Experiment(name=raw.get("name", path.stem), path=path, base=base, design=design,
                      replications=replications, seed=seed, outcomes=outcomes,
                      cluster=cluster, common_random_numbers=crn,
                      description=raw.get("description", ""), text=text)
