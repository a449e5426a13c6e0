"""Validation studies: one TOML file per design in ``experiments/validation/``, testing the claims of
``docs/CLAIMS.md``.

A study file gives a design (``[conditions]``: a grid of parameter values, or ``[[conditions.rows]]``),
the base scenario, replications per cell, and the claims it tests (``[[claims]]``), each with its id,
role (calibration or held out), kind (assumed or emergent) and one or more effects
(``[[claims.effects]]``: slope, difference, interaction or interior optimum, with the outcome and the
claimed direction). Every study runs under the protocol of ``experiments/validation/protocol.toml``:
several organisation sizes times several independent seed families. See
``experiments/validation/README.md``.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..outcomes import SUMMARY_OUTCOMES
from ..resources import data_dir
from ..parameters import SPECS, ParameterError
from ..scenario import Scenario, ScenarioError, load_scenario

STUDY_DIR = data_dir("experiments") / "validation"      # shipped (sim.resources)
PROTOCOL_FILE = "protocol.toml"
EFFECT_TYPES = ("slope", "difference", "interaction", "interior_optimum")
DIRECTIONS = ("positive", "negative", "near_zero")
ROLES = ("calibration", "held-out")
CLAIM_KINDS = ("assumed", "emergent")
SIZE = "staff_per_hospital"


class StudyError(ValueError):
    """A study file that cannot be used; one line naming the file and key."""


@dataclass(frozen=True)
class Protocol:
    """Where every study runs: organisation sizes x independent seed families."""

    sizes: tuple[int, ...]            # staff per hospital
    families: int                     # independent seed families (study seed + 0, 1, ...)
    n_hospitals: int
    ticks: int
    quick: dict[str, Any] = field(default_factory=dict)

    def quick_version(self) -> Protocol:
        q = self.quick
        return Protocol(tuple(q.get("sizes", self.sizes)), int(q.get("families", self.families)),
                        int(q.get("n_hospitals", self.n_hospitals)), int(q.get("ticks", self.ticks)))

    def changes(self) -> dict[str, Any]:
        return {"n_hospitals": self.n_hospitals, "ticks": self.ticks}


@dataclass(frozen=True)
class EffectSpec:
    """One effect a claim predicts: how it is computed from the runs and its claimed direction."""

    type: str
    outcome: str
    direction: str
    settings: dict[str, Any]

    @property
    def label(self) -> str:
        s = self.settings
        if self.type == "slope":
            where = _describe(s.get("where", {}))
            return f"{self.outcome}: slope per unit {s['parameter']}" + (f" ({where})" if where else "")
        if self.type == "difference":
            scale = s.get("b_scale", 1.0)
            b = _describe(s["b"])
            b = f"{scale:g} x ({b})" if scale != 1.0 else f"({b})"
            return f"{self.outcome}: ({_describe(s['a'])}) - {b}"
        if self.type == "interaction":
            f, m = s["factor"], s["moderator"]
            log = "log " if s.get("scale") == "log" else ""
            return (f"{log}{self.outcome}: gain from {f['parameter']} {f['from']:g}->{f['to']:g} at "
                    f"{m['parameter']} {m['high']:g} minus at {m['low']:g}")
        if self.type == "gain":
            f = s["factor"]
            log = "log " if s.get("scale") == "log" else ""
            return (f"{log}{self.outcome}: gain from {f['parameter']} {f['from']:g}->{f['to']:g} "
                    f"({_describe(s.get('at', {}))})")
        lo, hi = s["interior"]
        return f"{self.outcome}: best interior {s['parameter']} in [{lo:g}, {hi:g}] minus the {s['pole']} pole"

    @property
    def rule(self) -> str:
        if self.direction == "near_zero":
            return f"within +/-{self.settings['band']['share']:g} x {self.outcome} at " \
                   f"({_describe(self.settings['band']['of'])})"
        return "> 0" if self.direction == "positive" else "< 0"


@dataclass(frozen=True)
class ClaimSpec:
    """A claim of the register tested by a study."""

    id: str
    pattern: str          # the model brief's pattern (SF1-SF6) it belongs to, or ""
    role: str             # calibration | held-out
    kind: str             # assumed | emergent
    source: str
    claim: str
    effects: tuple[EffectSpec, ...]

    @property
    def name(self) -> str:
        return f"{self.id} ({self.pattern})" if self.pattern else self.id


@dataclass(frozen=True)
class Study:
    path: Path
    name: str
    title: str
    scenario: Path
    replications: int                 # per cell (size x seed family)
    conditions: pd.DataFrame          # one row per condition (parameter columns, optional 'label')
    claims: tuple[ClaimSpec, ...]
    protocol: Protocol
    quick: dict[str, Any] = field(default_factory=dict)
    seed_offset: int = 0

    def base(self, changes: dict[str, Any] | None = None) -> Scenario:
        """The base scenario at the protocol's size, with ``changes`` applied."""
        try:
            return load_scenario(self.scenario, **{**self.protocol.changes(), **(changes or {})})
        except ScenarioError as err:
            raise StudyError(f"{self.path}: base scenario: {err}") from None

    def design(self) -> pd.DataFrame:
        """Conditions x sizes: one row per run configuration (the size is ``staff_per_hospital``)."""
        conds = self.conditions.drop(columns=["label"], errors="ignore")
        rows = [{**c, SIZE: size} for c in conds.to_dict("records") for size in self.protocol.sizes]
        return pd.DataFrame(rows)

    def outcomes(self) -> list[str]:
        return list(dict.fromkeys(e.outcome for c in self.claims for e in c.effects))

    def ids(self) -> set[str]:
        """Names that select this study: its name, claim ids and patterns (upper case)."""
        return ({self.name.upper()} | {c.id.upper() for c in self.claims}
                | {c.pattern.upper() for c in self.claims if c.pattern})

    def quick_version(self) -> Study:
        """The reduced study of ``--quick``: the protocol's quick sizes and families, and the
        study's ``[quick]`` replications."""
        return replace(self, replications=int(self.quick.get("replications", self.replications)),
                       protocol=self.protocol.quick_version(), quick={})


def _describe(values: dict) -> str:
    return ", ".join(f"{k} {v:g}" if isinstance(v, (int, float)) else f"{k} {v}"
                     for k, v in values.items())


def _need(raw: dict, key: str, where: str, kind=str):
    if key not in raw:
        raise StudyError(f"{where}: '{key}': missing")
    value = raw[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise StudyError(f"{where}: '{key}': expected {getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def _one_of(raw: dict, key: str, allowed: tuple[str, ...], where: str) -> str:
    value = _need(raw, key, where)
    if value not in allowed:
        raise StudyError(f"{where}: '{key}': {value!r} is not one of {', '.join(allowed)}")
    return value


def _conditions(raw: Any, path: Path) -> pd.DataFrame:
    if not isinstance(raw, dict):
        raise StudyError(f"{path}: 'conditions': expected a table")
    if "rows" in raw:
        rows = raw["rows"]
        if not isinstance(rows, list) or not rows:
            raise StudyError(f"{path}: 'conditions.rows': expected a non-empty list of tables")
        frame = pd.DataFrame(rows)
    else:
        names = list(raw)
        for name in names:
            if not isinstance(raw[name], list) or not raw[name]:
                raise StudyError(f"{path}: 'conditions.{name}': expected a non-empty list of values")
        frame = pd.DataFrame(list(itertools.product(*(raw[n] for n in names))), columns=names)
    for column in frame.columns:
        if column == "label":
            continue
        if column not in SPECS:
            raise StudyError(f"{path}: 'conditions.{column}': unknown parameter")
        if column == SIZE:
            raise StudyError(f"{path}: 'conditions.{column}': sizes are set by the protocol")
        for value in frame[column]:
            try:
                SPECS[column].check(value, str(path), f"conditions.{column}")
            except ParameterError as err:
                raise StudyError(str(err)) from None
    if frame.drop(columns=["label"], errors="ignore").duplicated().any():
        raise StudyError(f"{path}: 'conditions': two conditions are the same")
    return frame


def _selector(value: Any, conditions: pd.DataFrame, where: str) -> dict[str, Any]:
    """A condition selector (parameter values, or ``{label = "..."}``) checked against the design."""
    if not isinstance(value, dict) or not value:
        raise StudyError(f"{where}: expected a table of parameter = value (or label = ...)")
    for key in value:
        if key not in conditions.columns:
            raise StudyError(f"{where}.{key}: not a condition column; allowed: "
                             f"{', '.join(conditions.columns)}")
    return dict(value)


def _effect(raw: dict, conditions: pd.DataFrame, where: str) -> EffectSpec:
    kind = _one_of(raw, "type", EFFECT_TYPES + ("gain",), where)
    outcome = _need(raw, "outcome", where)
    if outcome not in SUMMARY_OUTCOMES:
        raise StudyError(f"{where}: 'outcome': {outcome!r} is not one of {', '.join(SUMMARY_OUTCOMES)}")
    direction = _one_of(raw, "direction", DIRECTIONS, where) if kind != "interior_optimum" \
        else "positive"
    settings = {k: v for k, v in raw.items() if k not in ("type", "outcome", "direction")}
    params = [c for c in conditions.columns if c != "label"]

    def param(name_key: str):
        name = _need(settings, name_key, where) if name_key in settings else None
        if name is None or name not in params:
            raise StudyError(f"{where}: '{name_key}': expected one of the condition columns "
                             f"{', '.join(params)}")

    if kind in ("slope", "interior_optimum"):
        param("parameter")
        if "where" in settings:
            settings["where"] = _selector(settings["where"], conditions, f"{where}.where")
        if kind == "interior_optimum":
            interior = settings.get("interior")
            if not (isinstance(interior, list) and len(interior) == 2):
                raise StudyError(f"{where}: 'interior': expected [low, high]")
            pole = settings.get("pole")
            if pole not in ("low", "high"):
                raise StudyError(f"{where}: 'pole': expected \"low\" or \"high\"")
    elif kind == "difference":
        for key in ("a", "b"):
            settings[key] = _selector(settings.get(key), conditions, f"{where}.{key}")
        scale = settings.get("b_scale", 1.0)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)):
            raise StudyError(f"{where}: 'b_scale': expected a number")
    elif kind in ("interaction", "gain"):
        factor = settings.get("factor")
        if not isinstance(factor, dict) or set(factor) != {"parameter", "from", "to"}:
            raise StudyError(f"{where}: 'factor': expected {{ parameter, from, to }}")
        settings["factor"] = dict(factor)
        if factor["parameter"] not in params:
            raise StudyError(f"{where}: 'factor.parameter': not a condition column")
        if kind == "interaction":
            mod = settings.get("moderator")
            if not isinstance(mod, dict) or set(mod) != {"parameter", "low", "high"}:
                raise StudyError(f"{where}: 'moderator': expected {{ parameter, low, high }}")
            if mod["parameter"] not in params:
                raise StudyError(f"{where}: 'moderator.parameter': not a condition column")
        if "at" in settings:
            settings["at"] = _selector(settings["at"], conditions, f"{where}.at")
        if settings.get("scale", "linear") not in ("linear", "log"):
            raise StudyError(f"{where}: 'scale': expected \"linear\" or \"log\"")
    if direction == "near_zero":
        band = settings.get("band")
        if not (isinstance(band, dict) and isinstance(band.get("share"), (int, float))
                and "of" in band):
            raise StudyError(f"{where}: 'band': expected {{ share = ..., of = {{ ... }} }} for a "
                             "near-zero effect")
        band["of"] = _selector(band["of"], conditions, f"{where}.band.of")
    return EffectSpec(kind, outcome, direction, settings)


def _claims(raw: Any, conditions: pd.DataFrame, path: Path) -> tuple[ClaimSpec, ...]:
    if not isinstance(raw, list) or not raw:
        raise StudyError(f"{path}: 'claims': expected at least one [[claims]] table")
    claims = []
    for j, c in enumerate(raw):
        where = f"{path}: claims[{j}]"
        if not isinstance(c, dict):
            raise StudyError(f"{where}: expected a table")
        effects = c.get("effects")
        if not isinstance(effects, list) or not effects:
            raise StudyError(f"{where}: 'effects': expected at least one [[claims.effects]] table")
        claims.append(ClaimSpec(
            id=_need(c, "id", where), pattern=c.get("pattern", ""),
            role=_one_of(c, "role", ROLES, where), kind=_one_of(c, "kind", CLAIM_KINDS, where),
            source=_need(c, "source", where), claim=_need(c, "claim", where),
            effects=tuple(_effect(e, conditions, f"{where}.effects[{k}]")
                          for k, e in enumerate(effects))))
    return tuple(claims)


def load_protocol(folder: str | Path = STUDY_DIR) -> Protocol:
    path = Path(folder) / PROTOCOL_FILE
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise StudyError(f"{path}: file not found (every study folder needs its protocol)") from None
    except tomllib.TOMLDecodeError as err:
        raise StudyError(f"{path}: not valid TOML ({err})") from None
    where = str(path)
    sizes = _need(raw, "sizes", where, list)
    for s in sizes:
        try:
            SPECS[SIZE].check(s, where, "sizes")
        except ParameterError as err:
            raise StudyError(str(err)) from None
    families = _need(raw, "families", where, int)
    if families < 1:
        raise StudyError(f"{where}: 'families': expected at least 1")
    return Protocol(tuple(sizes), families, _need(raw, "n_hospitals", where, int),
                    _need(raw, "ticks", where, int), dict(raw.get("quick", {})))


def load_study(path: str | Path, protocol: Protocol | None = None) -> Study:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise StudyError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as err:
        raise StudyError(f"{path}: not valid TOML ({err})") from None
    protocol = protocol or load_protocol(path.parent)
    reps = _need(raw, "replications", str(path), int)
    if reps < 2:
        raise StudyError(f"{path}: 'replications': need at least 2 per cell")
    conditions = _conditions(raw.get("conditions"), path)
    return Study(
        path=path, name=path.stem, title=_need(raw, "title", str(path)),
        scenario=(path.parent / _need(raw, "scenario", str(path))).resolve(), replications=reps,
        conditions=conditions, claims=_claims(raw.get("claims"), conditions, path),
        protocol=protocol, quick=dict(raw.get("quick", {})),
        seed_offset=int(raw.get("seed_offset", 0)))


def load_studies(folder: str | Path = STUDY_DIR) -> list[Study]:
    """Every study file of ``folder`` (all ``*.toml`` but the protocol), in file-name order."""
    folder = Path(folder)
    files = sorted(f for f in folder.glob("*.toml") if f.name != PROTOCOL_FILE)
    if not files:
        raise StudyError(f"{folder}: no study files (*.toml)")
    protocol = load_protocol(folder)
    studies = [load_study(f, protocol) for f in files]
    seen: dict[str, Path] = {}
    for s in studies:
        for c in s.claims:
            if c.id in seen:
                raise StudyError(f"{s.path}: claim {c.id} is also tested in {seen[c.id]}")
            seen[c.id] = s.path
    return studies
