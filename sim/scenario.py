"""Scenario files: plain TOML that maps onto the validated parameters.

A scenario file holds any parameter of :data:`sim.parameters.PARAMETER_SPECS` at top level (system
defaults), plus:

* ``replications`` (int >= 1): how many runs with different seeds (default 1);
* ``extends = "other.toml"``: start from another scenario (path relative to this file) and change a
  few knobs; chains are followed, cycles are an error;
* ``[[hospitals]]`` tables, each with ``hospital = <0-based index>`` and per-hospital parameters
  (e.g. ``management_support``, ``coordinators_per_hospital``, ``staff_per_hospital``);
* ``name`` and ``description`` (strings, optional).

Example::

    # A collaborative with weak backing in one hospital.
    extends = "baseline.toml"
    leadership_mix = 0.8
    [[hospitals]]
    hospital = 0
    management_support = 0.1

Every error is a :class:`ScenarioError` whose message names the file, the key and what is allowed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .parameters import SPECS, ParameterError, Parameters

META_KEYS = ("extends", "replications", "name", "description")
MAX_REPLICATIONS = 10_000


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; the message is one line for the user."""


@dataclass(frozen=True)
class Scenario:
    """A loaded scenario: validated parameters, replications and where it came from."""

    name: str
    params: Parameters
    replications: int = 1
    description: str = ""
    sources: tuple[str, ...] = field(default_factory=tuple)   # files read, most derived first
    values: dict[str, Any] = field(default_factory=dict)      # merged raw values (provenance)

    def replication_seeds(self, n: int | None = None) -> list[int]:
        """Seeds of the replications, derived from the scenario seed with SeedSequence."""
        return replication_seeds(self.params.seed, self.replications if n is None else n)

    def with_changes(self, **changes: Any) -> Scenario:
        """The same scenario with some parameters (or ``replications``) changed, validated."""
        reps = changes.pop("replications", self.replications)
        if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= MAX_REPLICATIONS:
            raise ScenarioError(f"'replications': expected an integer in [1, {MAX_REPLICATIONS}], got {reps!r}")
        try:
            params = self.params.replace(**changes) if changes else self.params
        except ParameterError as err:
            raise ScenarioError(str(err)) from None
        return Scenario(self.name, params, reps, self.description, self.sources,
                        {**self.values, **changes, "replications": reps})


def replication_seeds(seed: int, n: int) -> list[int]:
    """``n`` independent 63-bit seeds spawned from ``SeedSequence(seed)`` (stable for any n)."""
    children = np.random.SeedSequence(seed).spawn(n)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a directory, expected a .toml scenario file") from None
    except PermissionError:
        raise ScenarioError(f"{path}: cannot be read (permission denied)") from None
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: not valid TOML ({err})") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a text file") from None


def _merged(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Values of ``path`` with its ``extends`` chain applied (the file's own values win)."""
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(str(p.name) for p in (*chain, path))
        raise ScenarioError(f"{chain[-1]}: 'extends': circular extends ({cycle})")
    raw = _read_toml(path)
    for key, value in raw.items():
        if key in META_KEYS or key == "hospitals":
            continue
        if key not in SPECS:
            allowed = ", ".join((*SPECS, *META_KEYS, "hospitals"))
            raise ScenarioError(f"{path}: '{key}': unknown key; allowed: {allowed}")
        if isinstance(value, dict):
            raise ScenarioError(f"{path}: '{key}': expected a value, got a table")
    base: dict[str, Any] = {}
    sources: tuple[str, ...] = ()
    if "extends" in raw:
        parent = raw["extends"]
        if not isinstance(parent, str) or not parent:
            raise ScenarioError(f"{path}: 'extends': expected a file name (string), got {parent!r}")
        parent_path = (path.parent / parent)
        if not parent_path.exists():
            raise ScenarioError(f"{path}: 'extends': file {parent_path} not found")
        base, sources = _merged(parent_path, (*chain, path))
    merged = {**base, **{k: v for k, v in raw.items() if k != "extends"}}
    if "hospitals" in raw and "hospitals" in base:
        by_index = {h.get("hospital"): dict(h) for h in base["hospitals"] if isinstance(h, dict)}
        for entry in raw["hospitals"] if isinstance(raw["hospitals"], list) else []:
            if isinstance(entry, dict):
                by_index[entry.get("hospital")] = {**by_index.get(entry.get("hospital"), {}), **entry}
        merged["hospitals"] = list(by_index.values())
    return merged, (str(path), *sources)


def load_scenario(path: str | Path, **changes: Any) -> Scenario:
    """Load a scenario file (following ``extends``), validate it, apply ``changes``."""
    path = Path(path)
    values, sources = _merged(path, ())
    reps = values.get("replications", 1)
    if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= MAX_REPLICATIONS:
        raise ScenarioError(f"{path}: 'replications': expected an integer in [1, {MAX_REPLICATIONS}], "
                            f"got {reps!r}")
    for key in ("name", "description"):
        if key in values and not isinstance(values[key], str):
            raise ScenarioError(f"{path}: '{key}': expected a string, got {values[key]!r}")
    param_values = {k: v for k, v in values.items() if k not in META_KEYS}
    try:
        params = Parameters.from_dict(param_values, source=str(path))
    except ParameterError as err:
        raise ScenarioError(str(err)) from None
    scenario = Scenario(values.get("name", path.stem), params, reps, values.get("description", ""),
                        sources, values)
    return scenario.with_changes(**changes) if changes else scenario


def scenario_from_params(params: Parameters, name: str = "custom", replications: int = 1) -> Scenario:
    """Wrap parameters built in Python as a scenario."""
    return Scenario(name, params, replications, "", (), params.to_dict())


def scenario_to_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as TOML text (every parameter explicit, no ``extends``)."""
    lines = [f'name = "{scenario.name}"', f"replications = {scenario.replications}"]
    values = scenario.params.to_dict()
    hospitals = values.pop("hospitals")
    for key, value in values.items():
        lines.append(f"{key} = {value!r}")
    for h in hospitals:
        lines.append("")
        lines.append("[[hospitals]]")
        for key, value in h.items():
            lines.append(f"{key} = {value!r}")
    return "\n".join(lines) + "\n"
