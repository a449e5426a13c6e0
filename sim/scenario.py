"""Scenario files: plain TOML that maps onto the validated parameters.

A scenario file holds any parameter of :data:`sim.parameters.PARAMETER_SPECS` at top level (system
defaults), plus:

* ``replications`` (int >= 1): how many runs with different seeds (default 1);
* ``extends = "other.toml"``: start from another scenario (path relative to this file) and change a
  few knobs; chains are followed, cycles are an error;
* ``[[hospitals]]`` tables, each with ``hospital = <0-based index>`` and per-hospital parameters
  (e.g. ``management_support``, ``coordinators_per_hospital``, ``staff_per_hospital``);
* ``name`` and ``description`` (strings, optional; not inherited through ``extends``: a scenario's
  name defaults to its file name without ``.toml``);
* a ``[constants]`` table changing behavioural constants of :mod:`sim.constants` within their
  declared ranges (merged key by key along an ``extends`` chain).

Example::

    # A collaborative with weak backing in one hospital.
    extends = "baseline.toml"
    leadership_mix = 0.8
    [[hospitals]]
    hospital = 0
    management_support = 0.1

How values combine along an ``extends`` chain (later wins):

1. the parent's system values, then the parent's ``[[hospitals]]`` values;
2. the child's system values: a key the child sets at top level also replaces the parent's
   per-hospital values of that key (``coordinators_per_hospital = 0`` means none anywhere);
3. the child's ``[[hospitals]]`` values, merged key by key into the parent's table for the same
   hospital index.

Every error is a :class:`ScenarioError` whose message names the file, the key and what is allowed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .constants import SPECS as CONSTANT_SPECS
from .hints import did_you_mean
from .tomlfile import missing_file_hint, read_toml
from .parameters import PER_HOSPITAL, SPECS, ParameterError, Parameters, as_int, check_constants

META_KEYS = ("extends", "replications", "name", "description")
NOT_INHERITED = ("name", "description")
MAX_REPLICATIONS = 10_000
ALLOWED_KEYS = (*SPECS, *META_KEYS, "hospitals", "constants")


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
        """The same scenario with some parameters (or ``replications``) changed, validated.

        Errors name the scenario (its file when it has one) and the changed key.
        """
        where = self.sources[0] if self.sources else f"scenario {self.name}"
        reps = check_replications(changes.pop("replications", self.replications),
                                  f"{where} (changed)")
        for key in changes:
            if key not in SPECS and key not in CONSTANT_SPECS and key != "constants":
                raise ScenarioError(f"{where} (changed): '{key}': unknown parameter"
                                    f"{_hint(key, (*SPECS, *CONSTANT_SPECS))}; "
                                    f"allowed: {', '.join(SPECS)}")
        try:
            params = self.params.replace(**changes) if changes else self.params
        except ParameterError as err:
            raise ScenarioError(f"{where} (changed): '{err.key}': {err.problem}") from None
        plain = {k: v.item() if isinstance(v, np.generic) else v for k, v in changes.items()}
        return Scenario(self.name, params, reps, self.description, self.sources,
                        {**self.values, **plain, "replications": reps})


def check_replications(reps: Any, where: str) -> int:
    """``reps`` if it is a valid number of replications, else a :class:`ScenarioError`."""
    if as_int(reps) is None or not 1 <= reps <= MAX_REPLICATIONS:
        raise ScenarioError(f"{where}: 'replications': expected an integer in [1, {MAX_REPLICATIONS}], "
                            f"got {reps!r}")
    return as_int(reps)


def replication_seeds(seed: int, n: int) -> list[int]:
    """``n`` independent 63-bit seeds spawned from ``SeedSequence(seed)`` (stable for any n)."""
    children = np.random.SeedSequence(seed).spawn(n)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]


def _hint(key: str, names: tuple[str, ...] = ALLOWED_KEYS) -> str:
    return did_you_mean(key, names)


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, ScenarioError, "scenario")[0]


def _check_file(path: Path, raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Check one file's own keys, types and ranges; return its ``[[hospitals]]`` tables."""
    for key, value in raw.items():
        if key == "hospitals" or key == "extends":
            continue
        if key == "constants":
            try:
                check_constants(value, str(path))
            except ParameterError as err:
                raise ScenarioError(str(err)) from None
            continue
        if key in META_KEYS:
            if key == "replications":
                check_replications(value, str(path))
            elif not isinstance(value, str):
                raise ScenarioError(f"{path}: '{key}': expected a string, got {value!r}")
            continue
        if key not in SPECS:
            raise ScenarioError(f"{path}: '{key}': unknown key{_hint(key)}; allowed: "
                                f"{', '.join(ALLOWED_KEYS)}")
        if isinstance(value, dict):
            raise ScenarioError(f"{path}: '{key}': expected a value, got a table")
        try:
            SPECS[key].check(value, str(path))
        except ParameterError as err:
            raise ScenarioError(str(err)) from None
    tables = raw.get("hospitals", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ScenarioError(f"{path}: 'hospitals': expected [[hospitals]] tables, each with "
                            f"'hospital' (a 0-based index) and per-hospital parameters")
    seen: set[int] = set()
    for j, table in enumerate(tables):
        idx = table.get("hospital")
        if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0:
            raise ScenarioError(f"{path}: 'hospitals[{j}].hospital': expected a 0-based hospital "
                                f"index (integer >= 0), got {idx!r}")
        if idx in seen:
            raise ScenarioError(f"{path}: 'hospitals[{j}].hospital': hospital {idx} has two "
                                f"[[hospitals]] tables; allowed: one table per hospital")
        seen.add(idx)
        for key, value in table.items():
            if key == "hospital":
                continue
            if key not in PER_HOSPITAL:
                raise ScenarioError(f"{path}: 'hospitals[{j}].{key}': not a per-hospital parameter"
                                    f"{_hint(key, PER_HOSPITAL)}; allowed: {', '.join(PER_HOSPITAL)}")
            try:
                SPECS[key].check(value, str(path), key=f"hospitals[{j}].{key}")
            except ParameterError as err:
                raise ScenarioError(str(err)) from None
    return [dict(t) for t in tables]


@dataclass
class _Merged:
    values: dict[str, Any]          # system values and meta keys
    hospitals: dict[int, dict]      # hospital index -> per-hospital values
    origin: dict[int, str]          # hospital index -> file that last set a value for it
    sources: tuple[str, ...]


def _merged(path: Path, chain: tuple[Path, ...]) -> _Merged:
    """Values of ``path`` with its ``extends`` chain applied (the file's own values win)."""
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(str(p.name) for p in (*chain, path))
        raise ScenarioError(f"{chain[-1]}: 'extends': circular extends ({cycle}); "
                            f"allowed: a chain of files that ends")
    raw = _read_toml(path)
    tables = _check_file(path, raw)
    if "extends" in raw:
        parent = raw["extends"]
        if not isinstance(parent, str) or not parent:
            raise ScenarioError(f"{path}: 'extends': expected a file name (string), got {parent!r}")
        parent_path = path.parent / parent
        if not parent_path.is_file():
            what = "is not a file" if parent_path.exists() else \
                f"not found{missing_file_hint(parent_path)}"
            raise ScenarioError(f"{path}: 'extends': {parent_path} {what}; allowed: a scenario "
                                f"file, relative to {path.parent}")
        base = _merged(parent_path, (*chain, path))
    else:
        base = _Merged({}, {}, {}, ())
    values = {k: v for k, v in base.values.items() if k not in NOT_INHERITED}
    own = {k: v for k, v in raw.items() if k not in ("extends", "hospitals")}
    if "constants" in own:
        own["constants"] = {**values.get("constants", {}), **own["constants"]}
    values.update(own)
    hospitals = {i: {k: v for k, v in h.items() if k not in own} for i, h in base.hospitals.items()}
    origin = dict(base.origin)
    for table in tables:
        idx = table.pop("hospital")
        hospitals[idx] = {**hospitals.get(idx, {}), **table}
        origin[idx] = str(path)
    hospitals = {i: h for i, h in hospitals.items() if h}
    return _Merged(values, hospitals, origin, (str(path), *base.sources))


def load_scenario(path: str | Path, **changes: Any) -> Scenario:
    """Load a scenario file (following ``extends``), validate it, apply ``changes``."""
    path = Path(path)
    merged = _merged(path, ())
    values = merged.values
    n_hospitals = values.get("n_hospitals", SPECS["n_hospitals"].default)
    for idx in sorted(merged.hospitals):
        if idx >= n_hospitals:
            raise ScenarioError(f"{merged.origin[idx]}: 'hospitals.hospital': hospital index {idx} is "
                                f"out of range; allowed 0..{n_hospitals - 1} (n_hospitals = {n_hospitals})")
    param_values = {k: v for k, v in values.items() if k not in META_KEYS}
    param_values["hospitals"] = [{"hospital": i, **h} for i, h in sorted(merged.hospitals.items())]
    try:
        params = Parameters.from_dict(param_values, source=str(path))
    except ParameterError as err:
        raise ScenarioError(str(err)) from None
    raw_values = {**values, "hospitals": param_values["hospitals"]}
    scenario = Scenario(values.get("name", path.stem), params, values.get("replications", 1),
                        values.get("description", ""), merged.sources, raw_values)
    return scenario.with_changes(**changes) if changes else scenario


def load_with_overrides(scenario_path: Path, overrides: Any, source: Path,
                        error: type[Exception]) -> Scenario:
    """The scenario at ``scenario_path`` with an experiment file's ``[overrides]`` applied.

    Errors are raised as ``error`` with one line naming ``source`` (the experiment file) and the key.
    """
    if not isinstance(overrides, dict):
        raise error(f"{source}: 'overrides': expected a table of parameter = value, e.g. "
                    "[overrides] ticks = 260")
    for key, value in overrides.items():
        if key not in SPECS:
            raise error(f"{source}: 'overrides.{key}': unknown parameter{_hint(key, tuple(SPECS))}; "
                        f"allowed: {', '.join(SPECS)}")
        try:
            SPECS[key].check(value, key=f"overrides.{key}")
        except ParameterError as err:
            raise error(f"{source}: {err}") from None
    try:
        return load_scenario(scenario_path, **overrides)
    except ScenarioError as err:
        raise error(f"{source}: 'scenario': {err}") from None


def scenario_from_params(params: Parameters, name: str = "custom", replications: int = 1) -> Scenario:
    """Wrap parameters built in Python as a scenario."""
    return Scenario(name, params, replications, "", (), params.to_dict())


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)   # a valid TOML basic string
    return repr(value)


def scenario_to_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as TOML text (every parameter explicit, no ``extends``).

    Loading the text again gives the same parameters, replications, name and description.
    """
    lines = ["# Fully resolved scenario (every parameter explicit). Reproduce with:",
             "#   leadsim run scenario.toml",
             f"name = {_toml_value(scenario.name)}"]
    if scenario.description:
        lines.append(f"description = {_toml_value(scenario.description)}")
    lines.append(f"replications = {scenario.replications}")
    values = scenario.params.to_dict()
    hospitals = values.pop("hospitals")
    constants = values.pop("constants")
    for key, value in values.items():
        lines.append(f"{key} = {_toml_value(value)}")
    if constants:
        lines += ["", "[constants]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in constants.items()]
    for h in hospitals:
        lines.append("")
        lines.append("[[hospitals]]")
        for key, value in h.items():
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"
