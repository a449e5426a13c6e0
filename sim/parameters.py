"""The model's parameters: one validated object, one table of names, units and ranges.

Every knob of the model brief (section 4) is declared once in :data:`PARAMETER_SPECS` with its
default, unit, documented range and meaning. Everything else (validation, the ``describe`` command,
sensitivity-analysis bounds, the ODD parameter table) reads that table, so there is one source of
truth for ranges.

A hospital may override the system default of any parameter marked ``per_hospital`` (hospitals differ
in management support, coordinators, size, ...): see :class:`HospitalOverride`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import constants as _constants


class ParameterError(ValueError):
    """A parameter value that the model cannot accept.

    The message names the source (file), the key and what is allowed; it is meant to be shown to a
    user as is, in one line.
    """

    def __init__(self, key: str, problem: str, source: str | None = None):
        self.key = key
        self.problem = problem
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}'{key}': {problem}")


def as_number(value: Any) -> int | float | None:
    """``value`` as a Python int or float if it is a number (numpy scalars included; booleans are
    not numbers here), else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return None


def as_int(value: Any) -> int | None:
    """``value`` as a Python int if it is an integer (``int`` or a numpy integer, not a boolean),
    else None. Entry points that take a count or an index accept numpy integers this way, as
    EMA Workbench and SALib pass them."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    return None


def as_bool(value: Any) -> bool | None:
    """``value`` as a Python bool if it is a boolean (``bool`` or ``numpy.bool_``), else None."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return None


@dataclass(frozen=True)
class ParameterSpec:
    """Declaration of one parameter: what it is, its unit, default and allowed range."""

    name: str
    default: float | int
    low: float | int
    high: float | int
    unit: str
    description: str
    kind: type = float
    per_hospital: bool = False
    sensitivity: bool = True  # offered to sensitivity analysis by default

    def check(self, value: Any, source: str | None = None, key: str | None = None) -> float | int:
        """Return ``value`` converted to this parameter's type, or raise :class:`ParameterError`."""
        key = key or self.name
        allowed = f"{self.kind.__name__} in [{self.low}, {self.high}] ({self.unit})"
        number = as_number(value)
        if number is None:
            raise ParameterError(key, f"expected {allowed}, got {type(value).__name__} {value!r}", source)
        value = number
        if self.kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ParameterError(key, f"expected a whole number, {allowed}; got {value!r}", source)
            value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise ParameterError(key, f"expected a finite number, {allowed}; got {value!r}", source)
        if not (self.low <= value <= self.high):
            raise ParameterError(key, f"{value!r} is out of range; allowed: {allowed}", source)
        return value


_P = ParameterSpec
PARAMETER_SPECS: tuple[ParameterSpec, ...] = (
    # --- leadership ---------------------------------------------------------------------------
    _P("leadership_mix", 0.5, 0.0, 1.0, "share (0 concentrated, 1 distributed)",
       "What counts in claiming and granting leadership: 0 only positional authority "
       "(concentrated, tasks assigned to positional owners), 1 only expertise, credibility, "
       "motivation and relationships (distributed, emergent); values between blend the two.",
       per_hospital=True),
    _P("management_support", 0.6, 0.0, 1.0, "share of full backing",
       "Management support for QI (resources, backing, managerial clout). Gates progress and "
       "backs emergent leaders (Carstensen et al.: a precondition).", per_hospital=True),
    _P("coordinators_per_hospital", 3, 0, 30, "staff per hospital",
       "Local quality coordinators (boundary spanners) per hospital.", kind=int, per_hospital=True),
    _P("coordinator_span", 5, 1, 20, "tasks per coordinator",
       "How many tasks one coordinator can broker (negotiate aims, roles and scope) at once.",
       kind=int),
    _P("consolidation_rate", 0.05, 0.0, 0.3, "per week",
       "How fast persistent leadership of a task becomes consolidated (stable, recognised roles).",
       per_hospital=True),
    _P("hybrid_share", 0.08, 0.0, 1.0, "share of clinicians",
       "Share of clinicians who are hybrid clinician-managers (formal authority and clinical "
       "credibility).", per_hospital=True),
    _P("leader_tie_density", 0.3, 0.0, 1.0, "probability per pair",
       "Density of informal ties among formal leaders across units (relationships between leaders, "
       "West et al.).", per_hospital=True),
    _P("coalition_rate", 0.05, 0.0, 1.0, "per week",
       "Weekly chance that a task led only from one side (managers, or clinicians) co-opts a "
       "partner from the other side as co-leader: manager-clinician coalitions that 'combine "
       "credibility with control' (McKee et al.). 0 = no deliberate coalitions.",
       per_hospital=True),
    _P("collective_culture", 0.3, 0.0, 1.0, "share (0 blame, 1 collective)",
       "Collective leadership culture (West et al.): everyone takes responsibility (felt "
       "responsibility does not diffuse among bystanders), and errors are treated as chances for "
       "system learning rather than as prompts for blame.", per_hospital=True),
    _P("diffusion_of_responsibility", 1.0, 0.0, 2.0, "per additional bystander",
       "How much each additional person who could lead a task lowers everyone's felt "
       "responsibility to step forward (Darley & Latane)."),
    _P("grant_threshold", 0.35, 0.05, 0.95, "grant score",
       "Grant score a claimant must receive to become a legitimate leader (DeRue & Ashford)."),
    # --- national system ----------------------------------------------------------------------
    _P("n_national_bodies", 3, 0, 12, "bodies",
       "National/regional bodies issuing initiatives to every hospital.", kind=int),
    _P("national_coherence", 0.7, 0.0, 1.0, "share (1 all bodies share one aim)",
       "How far the national bodies' aims agree."),
    _P("initiative_rate", 1.0, 0.0, 6.0, "initiatives per body per hospital per year",
       "Rate at which each national body issues initiatives to each hospital."),
    _P("reporting_load", 0.04, 0.0, 0.2, "share of QI capacity per active initiative",
       "Reporting burden each active national initiative puts on every staff member's QI time."),
    # --- local work ---------------------------------------------------------------------------
    _P("local_task_rate", 4.0, 0.0, 30.0, "tasks per 100 staff per year",
       "Rate at which local QI tasks arise in units."),
    _P("task_complexity", 0.4, 0.0, 1.0, "share",
       "How many units and professions a task crosses: each task spans 1 + Binomial(3, "
       "task_complexity) units (national initiatives one more)."),
    _P("task_deadline", 104, 8, 520, "weeks",
       "A task still active after this many weeks is abandoned.", kind=int),
    _P("gain_decay_rate", 0.02, 0.0, 0.2, "per week",
       "Weekly decay of the unconsolidated part of a completed task's gain."),
    # --- people -------------------------------------------------------------------------------
    _P("turnover_rate", 0.12, 0.0, 0.6, "share of staff leaving per year",
       "Staff turnover; leavers are replaced by newcomers with fewer ties and less credibility."),
    _P("vacuum_patience", 8, 1, 52, "weeks",
       "A task with no legitimate leader for this many consecutive weeks fails 'nobody in charge'.",
       kind=int),
    _P("conflict_patience", 8, 1, 52, "weeks",
       "A task whose leaders' aims diverge for this many consecutive weeks fails 'conflict'.",
       kind=int),
    # --- the collaborative (hospitals that learn from one another) -----------------------------
    _P("collaborative_learning", 0.0, 0.0, 1.0, "share (0 isolated hospitals)",
       "How much of what peers completed reaches a hospital's similar tasks at each learning "
       "session (IHI Breakthrough Series: learning sessions between action periods). 0 = isolated "
       "hospitals (no sessions): the model without the collaborative."),
    _P("learning_session_interval", 26, 1, 260, "weeks",
       "Weeks between the collaborative's learning sessions (the action period).", kind=int),
    _P("regional_coordinators", 0, 0, 1000, "coordinators",
       "Regional QIC coordinators who broker between hospitals (Carstensen et al.): each covers up "
       "to regional_span hospitals and cuts the cost of carrying lessons across them. At most "
       "n_hospitals, and none in a run of one hospital.", kind=int, sensitivity=False),
    _P("regional_span", 5, 1, 100, "hospitals per regional coordinator",
       "How many hospitals one regional coordinator can cover.", kind=int),
    _P("collaborative_complexity", 0.0, 0.0, 1.0, "share",
       "How complex the collaborative is: how many units and professions its shared aims (national "
       "initiatives) span and how far hospitals' aims differ; the cost of translating lessons "
       "between hospitals grows with it (Carstensen et al.: 'complex QICs')."),
    # --- size and run -------------------------------------------------------------------------
    _P("n_hospitals", 10, 1, 5000, "hospitals", "Hospitals in the collaborative or system.",
       kind=int, sensitivity=False),
    _P("staff_per_hospital", 200, 8, 10000, "staff", "Staff in each hospital.", kind=int,
       per_hospital=True, sensitivity=False),
    _P("unit_size", 25, 4, 500, "staff per unit", "Staff per unit/ward (sets the number of units).",
       kind=int, sensitivity=False),
    _P("ticks", 520, 1, 5200, "weeks", "Length of a run (one tick is one week).", kind=int,
       sensitivity=False),
    _P("seed", 0, 0, 2**63 - 1, "integer", "Seed of all randomness (numpy SeedSequence).",
       kind=int, sensitivity=False),
)
SPECS: dict[str, ParameterSpec] = {s.name: s for s in PARAMETER_SPECS}
PER_HOSPITAL = tuple(s.name for s in PARAMETER_SPECS if s.per_hospital)


def _check_known(key: str, source: str | None, allowed: tuple[str, ...] | None = None) -> None:
    from .hints import did_you_mean

    names = allowed if allowed is not None else tuple(SPECS)
    if key not in names:
        raise ParameterError(key, f"unknown parameter{did_you_mean(key, names)}; allowed: "
                                  f"{', '.join(names)}", source)


@dataclass(frozen=True)
class HospitalOverride:
    """Per-hospital values that replace the system defaults for one hospital (0-based index)."""

    hospital: int
    values: Mapping[str, float | int]

    def as_dict(self) -> dict[str, Any]:
        return {"hospital": self.hospital, **dict(self.values)}


@dataclass(frozen=True)
class Parameters:
    """All knobs of the model, validated. Create with keywords or :meth:`from_dict`.

    Attributes are the names in :data:`PARAMETER_SPECS`; ``hospitals`` holds per-hospital
    overrides. Use :meth:`hospital_values` to get the effective value of a per-hospital knob for
    every hospital.
    """

    leadership_mix: float = SPECS["leadership_mix"].default
    management_support: float = SPECS["management_support"].default
    coordinators_per_hospital: int = SPECS["coordinators_per_hospital"].default
    coordinator_span: int = SPECS["coordinator_span"].default
    consolidation_rate: float = SPECS["consolidation_rate"].default
    hybrid_share: float = SPECS["hybrid_share"].default
    leader_tie_density: float = SPECS["leader_tie_density"].default
    coalition_rate: float = SPECS["coalition_rate"].default
    collective_culture: float = SPECS["collective_culture"].default
    diffusion_of_responsibility: float = SPECS["diffusion_of_responsibility"].default
    grant_threshold: float = SPECS["grant_threshold"].default
    n_national_bodies: int = SPECS["n_national_bodies"].default
    national_coherence: float = SPECS["national_coherence"].default
    initiative_rate: float = SPECS["initiative_rate"].default
    reporting_load: float = SPECS["reporting_load"].default
    local_task_rate: float = SPECS["local_task_rate"].default
    task_complexity: float = SPECS["task_complexity"].default
    task_deadline: int = SPECS["task_deadline"].default
    gain_decay_rate: float = SPECS["gain_decay_rate"].default
    collaborative_learning: float = SPECS["collaborative_learning"].default
    learning_session_interval: int = SPECS["learning_session_interval"].default
    regional_coordinators: int = SPECS["regional_coordinators"].default
    regional_span: int = SPECS["regional_span"].default
    collaborative_complexity: float = SPECS["collaborative_complexity"].default
    turnover_rate: float = SPECS["turnover_rate"].default
    vacuum_patience: int = SPECS["vacuum_patience"].default
    conflict_patience: int = SPECS["conflict_patience"].default
    n_hospitals: int = SPECS["n_hospitals"].default
    staff_per_hospital: int = SPECS["staff_per_hospital"].default
    unit_size: int = SPECS["unit_size"].default
    ticks: int = SPECS["ticks"].default
    seed: int = SPECS["seed"].default
    hospitals: tuple[HospitalOverride, ...] = field(default_factory=tuple)
    constants: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self):
        for spec in PARAMETER_SPECS:
            object.__setattr__(self, spec.name, spec.check(getattr(self, spec.name)))
        object.__setattr__(self, "constants", check_constants(self.constants))
        seen = set()
        overrides = []
        for ov in self.hospitals:
            if not isinstance(ov, HospitalOverride):
                raise ParameterError("hospitals", "each override must be a HospitalOverride")
            index = as_int(ov.hospital)
            if index is None:
                raise ParameterError("hospitals.hospital",
                                     f"expected an integer hospital index, got {ov.hospital!r}")
            ov = HospitalOverride(index, ov.values)
            if not (0 <= ov.hospital < self.n_hospitals):
                raise ParameterError(
                    "hospitals.hospital",
                    f"hospital index {ov.hospital} is out of range; allowed 0..{self.n_hospitals - 1}")
            if ov.hospital in seen:
                raise ParameterError("hospitals.hospital", f"hospital {ov.hospital} is overridden twice")
            seen.add(ov.hospital)
            checked = {}
            for key, value in ov.values.items():
                _check_known(key, None, PER_HOSPITAL)
                checked[key] = SPECS[key].check(value, key=f"hospitals[{ov.hospital}].{key}")
            overrides.append(HospitalOverride(ov.hospital, checked))
        object.__setattr__(self, "hospitals", tuple(sorted(overrides, key=lambda o: o.hospital)))
        self._check_staffing()
        self._check_collaborative()

    def _check_collaborative(self) -> None:
        """Regional coordinators broker between hospitals: they need a collaborative of at least
        two hospitals, and at least one hospital each."""
        r = self.regional_coordinators
        if r and self.n_hospitals < 2:
            raise ParameterError("regional_coordinators", f"{r} regional coordinators with "
                                 f"{self.n_hospitals} hospital: they broker between hospitals; "
                                 "allowed: 0 unless n_hospitals is at least 2")
        if r > self.n_hospitals:
            raise ParameterError("regional_coordinators", f"{r} regional coordinators for "
                                 f"{self.n_hospitals} hospitals would leave some with no hospital; "
                                 f"allowed: 0..{self.n_hospitals} (n_hospitals)")

    def _check_staffing(self) -> None:
        """Every hospital has room for its posts (unit managers, executives, middle managers,
        coordinators and a clinician): checked here, so that the error names the scenario file
        rather than surfacing when the organisation is built."""
        from .organisation import staff_needed   # the organisation's own rule (no import cycle)

        staff = self.hospital_values("staff_per_hospital")
        coordinators = self.hospital_values("coordinators_per_hospital")
        kc = self.constant_values()
        for h, (s, c) in enumerate(zip(staff, coordinators)):
            needed = staff_needed(s, self.unit_size, c, kc)
            if s < needed:
                own = {k for ov in self.hospitals if ov.hospital == h for k in ov.values}
                key = "coordinators_per_hospital" if c else "staff_per_hospital"
                key = f"hospitals[{h}].{key}" if key in own else key
                room = c - (needed - s)
                enough = next((n for n in range(s, int(SPECS["staff_per_hospital"].high) + 1)
                               if n >= staff_needed(n, self.unit_size, c, kc)), None)
                more = f", or at least {enough} staff_per_hospital" if enough else ""
                raise ParameterError(
                    key, f"hospital {h} has {s} staff for {needed} posts ({c} coordinators, "
                         f"managers, executives and at least one clinician; unit_size "
                         f"{self.unit_size}); allowed: at most {max(room, 0)} coordinators with "
                         f"{s} staff{more}")

    # ------------------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, values: Mapping[str, Any], source: str | None = None) -> Parameters:
        """Build from a plain mapping (e.g. a parsed scenario); errors name ``source`` and the key.

        ``values["hospitals"]`` may be a list of mappings, each with a ``hospital`` index and the
        per-hospital parameters it overrides.
        """
        kwargs: dict[str, Any] = {}
        overrides = []
        for key, value in values.items():
            if key == "constants":
                kwargs["constants"] = check_constants(value, source)
                continue
            if key in _constants.SPECS:
                kwargs.setdefault("constants", {})
                kwargs["constants"] = {**kwargs["constants"],
                                       **check_constants({key: value}, source, prefix="")}
                continue
            if key == "hospitals":
                if not isinstance(value, (list, tuple)):
                    raise ParameterError("hospitals", "expected a list of per-hospital tables", source)
                for j, entry in enumerate(value):
                    if isinstance(entry, HospitalOverride):
                        overrides.append(entry)
                        continue
                    if not isinstance(entry, Mapping) or "hospital" not in entry:
                        raise ParameterError(f"hospitals[{j}]",
                                             "each entry needs 'hospital' (a 0-based index)", source)
                    entry = dict(entry)
                    raw = entry.pop("hospital")
                    idx = as_int(raw)
                    if idx is None:
                        raise ParameterError(f"hospitals[{j}].hospital",
                                             f"expected an integer index, got {raw!r}", source)
                    for k in entry:
                        if k not in PER_HOSPITAL:
                            raise ParameterError(
                                f"hospitals[{j}].{k}",
                                f"not a per-hospital parameter; allowed: {', '.join(PER_HOSPITAL)}",
                                source)
                    overrides.append(HospitalOverride(idx, entry))
                continue
            _check_known(key, source)
            kwargs[key] = SPECS[key].check(value, source)
        kwargs["hospitals"] = tuple(overrides)
        try:
            return cls(**kwargs)
        except ParameterError as err:
            if err.source is None:
                raise ParameterError(err.key, err.problem, source) from None
            raise

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping (scenario form) of every parameter, overrides included (``constants``
        holds the behavioural constants changed from their declared values)."""
        out = {spec.name: getattr(self, spec.name) for spec in PARAMETER_SPECS}
        out["hospitals"] = [ov.as_dict() for ov in self.hospitals]
        out["constants"] = dict(self.constants)
        return out

    def replace(self, **changes: Any) -> Parameters:
        """A copy with some values changed (validated again). A behavioural constant's name
        (e.g. ``CLAIM_RATE=0.8``) changes that constant."""
        for key in changes:
            if key not in _constants.SPECS:
                _check_known(key, None, (*SPECS, "hospitals", "constants"))
        named = {k: changes.pop(k) for k in list(changes) if k in _constants.SPECS}
        if named:
            changes["constants"] = {**dict(changes.get("constants", self.constants)), **named}
        return dataclasses.replace(self, **changes)

    def constant_values(self) -> _constants.Constants:
        """Every behavioural constant of this run: declared values with this run's changes."""
        return _constants.resolve_constants(self.constants)

    def hospital_values(self, name: str) -> list[float | int]:
        """Effective value of a per-hospital parameter for each hospital, overrides applied."""
        if name not in PER_HOSPITAL:
            raise KeyError(f"{name} is not a per-hospital parameter")
        values = [getattr(self, name)] * self.n_hospitals
        for ov in self.hospitals:
            if name in ov.values:
                values[ov.hospital] = ov.values[name]
        return values


def check_constants(values: Any, source: str | None = None, prefix: str = "constants.") -> dict[str, float]:
    """Validated changes of behavioural constants (name -> value within its declared range)."""
    if not isinstance(values, Mapping):
        raise ParameterError("constants", "expected a table of NAME = value (behavioural constants; "
                             "see leadsim describe --constants)", source)
    out = {}
    for name, value in values.items():
        spec = _constants.SPECS.get(name)
        if spec is None:
            import difflib

            close = difflib.get_close_matches(str(name), _constants.CONSTANT_NAMES, n=2, cutoff=0.6)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            raise ParameterError(f"{prefix}{name}", f"unknown constant{hint}; see leadsim describe "
                                 "--constants for the table", source)
        out[name] = spec.check(value, source, f"{prefix}{name}")
    return out


def describe_parameters() -> list[dict[str, Any]]:
    """Rows (name, default, unit, low, high, per_hospital, description) for docs and the CLI."""
    return [
        {"name": s.name, "default": s.default, "unit": s.unit, "low": s.low, "high": s.high,
         "type": s.kind.__name__, "per_hospital": s.per_hospital, "description": s.description}
        for s in PARAMETER_SPECS
    ]
