"""The SALib problem of a study, generated from the parameters' declared ranges.

One source of truth for ranges: every factor's bounds come from :data:`sim.parameters.PARAMETER_SPECS`
(``low``, ``high``, ``kind``) or, for a behavioural constant named in upper case, from
:data:`sim.constants.CONSTANT_SPECS`. A study picks which parameters vary (the others keep the base
scenario's values) and may narrow a range; a range reaching outside the declared one is an error.

Distributions are uniform over the bounds. Integer parameters are sampled as continuous values on
``[low, high]`` and rounded to the nearest whole number before the model runs (so each endpoint
integer gets half the probability of an interior one); the analysis uses the continuous values
SALib drew. A generic problem (for test functions or any other model) can be built from plain
bounds with :meth:`Problem.from_bounds`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..constants import CONSTANT_SPECS
from ..constants import SPECS as CONSTANTS
from ..hints import did_you_mean
from ..parameters import PARAMETER_SPECS, SPECS, as_number


class SensitivityError(ValueError):
    """A study that cannot be set up or analysed; the message is one line for the user."""


@dataclass(frozen=True)
class Factor:
    """One input that varies: its name, bounds and whether the model takes whole numbers."""

    name: str
    low: float
    high: float
    integer: bool = False
    declared: tuple[float, float] | None = None  # the declared range, if narrowed from one

    @property
    def narrowed(self) -> bool:
        return self.declared is not None and (self.low, self.high) != self.declared


def sensitivity_parameters() -> tuple[str, ...]:
    """Names of the parameters offered to sensitivity analysis (``sensitivity=True``)."""
    return tuple(s.name for s in PARAMETER_SPECS if s.sensitivity)


def sensitivity_constants() -> tuple[str, ...]:
    """Names of the behavioural constants offered to sensitivity analysis (those whose declared
    range allows other values; see :mod:`sim.constants`)."""
    return tuple(s.name for s in CONSTANT_SPECS if s.varies)


@dataclass(frozen=True)
class _Declared:
    """What a factor needs to know of a parameter or constant."""

    low: float
    high: float
    unit: str
    integer: bool


def _declared(name: str, source: str | None, key: str) -> _Declared:
    if name in CONSTANTS:
        spec = CONSTANTS[name]
        if not spec.varies:
            raise SensitivityError(f"{_where(source, key)}: {name} is a scale anchor (its declared "
                                   f"range is the single value {spec.value}); it cannot vary")
        return _Declared(spec.low, spec.high, spec.unit, spec.integer)
    if name not in SPECS:
        allowed = ", ".join(sensitivity_parameters())
        hint = did_you_mean(name, (*sensitivity_parameters(), *sensitivity_constants()))
        raise SensitivityError(f"{_where(source, key)}: unknown parameter {name!r}{hint}; allowed: "
                               f"{allowed}, or a behavioural constant (leadsim describe --constants)")
    spec = SPECS[name]
    if not spec.sensitivity:
        allowed = ", ".join(sensitivity_parameters())
        raise SensitivityError(
            f"{_where(source, key)}: {name} is not offered to sensitivity analysis (it sets model "
            f"size or the seed; set it in the base scenario); allowed: {allowed}")
    return _Declared(spec.low, spec.high, spec.unit, spec.kind is int)


def _where(source: str | None, key: str) -> str:
    return f"{source}: '{key}'" if source else f"'{key}'"


def model_factor(name: str, narrowed: Sequence[float] | None = None, source: str | None = None,
                 key: str | None = None) -> Factor:
    """The factor for model parameter ``name``: its declared range, or ``narrowed`` inside it.

    Errors name ``source`` (the experiment file) and ``key`` and say what is allowed.
    """
    key = key or name
    spec = _declared(name, source, key)
    declared = (float(spec.low), float(spec.high))
    low, high = declared
    if narrowed is not None:
        ok = (isinstance(narrowed, (list, tuple, np.ndarray)) and len(narrowed) == 2
              and all(as_number(v) is not None for v in narrowed))
        if not ok:
            raise SensitivityError(f"{_where(source, key)}: expected [low, high] (two numbers) inside "
                                   f"the declared range [{spec.low}, {spec.high}], got {narrowed!r}")
        low, high = float(narrowed[0]), float(narrowed[1])
        if not (np.isfinite(low) and np.isfinite(high)) or low >= high:
            raise SensitivityError(f"{_where(source, key)}: expected low < high, got [{narrowed[0]}, "
                                   f"{narrowed[1]}]")
        if low < declared[0] or high > declared[1]:
            raise SensitivityError(
                f"{_where(source, key)}: range [{narrowed[0]}, {narrowed[1]}] reaches outside the "
                f"declared range of {name}; allowed: a range inside [{spec.low}, {spec.high}] "
                f"({spec.unit})")
        if spec.integer and np.floor(high + 0.5) - np.floor(low + 0.5) < 1:
            raise SensitivityError(
                f"{_where(source, key)}: {name} takes whole numbers and [{narrowed[0]}, "
                f"{narrowed[1]}] holds only one; widen it or fix the value in the base scenario")
    return Factor(name, low, high, integer=spec.integer, declared=declared)


@dataclass(frozen=True)
class Problem:
    """The inputs of a study: an ordered tuple of :class:`Factor` (all uniform)."""

    factors: tuple[Factor, ...]

    def __post_init__(self):
        names = [f.name for f in self.factors]
        if len(names) < 2:
            raise SensitivityError(f"a study needs at least two parameters that vary, got {names}")
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise SensitivityError(f"parameter(s) listed twice: {', '.join(dupes)}")

    # -----------------------------------------------------------------------------------------
    @classmethod
    def for_model(cls, names: Iterable[str] | None = None,
                  ranges: Mapping[str, Sequence[float]] | None = None,
                  source: str | None = None) -> Problem:
        """Problem over model parameters ``names`` (default: every ``sensitivity=True`` one).

        ``ranges`` narrows some of them (each inside its declared range). A narrowed parameter
        that is not in ``names`` is an error (it would silently do nothing).
        """
        names = list(sensitivity_parameters() if names is None else names)
        ranges = dict(ranges or {})
        for key in ranges:
            if key not in names:
                hint = did_you_mean(key, names) if key not in SPECS else ""
                raise SensitivityError(
                    f"{_where(source, 'ranges.' + key)}: {key} has a range but does not vary{hint}; "
                    f"allowed: one of the parameters that vary ({', '.join(names)})")
        return cls(tuple(model_factor(n, ranges.get(n), source, f"ranges.{n}" if n in ranges else
                                      "parameters") for n in names))

    @classmethod
    def from_bounds(cls, bounds: Mapping[str, Sequence[float]],
                    integers: Iterable[str] = ()) -> Problem:
        """A generic problem from ``{name: (low, high)}`` (for test functions, other models)."""
        integers = set(integers)
        factors = []
        for name, (low, high) in bounds.items():
            if as_number(low) is None or as_number(high) is None or not low < high:
                raise SensitivityError(f"'{name}': expected low < high, got [{low}, {high}]")
            factors.append(Factor(name, float(low), float(high), name in integers))
        return cls(tuple(factors))

    # -----------------------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [f.name for f in self.factors]

    @property
    def num_vars(self) -> int:
        return len(self.factors)

    def salib(self) -> dict:
        """The problem as SALib expects it (``num_vars``, ``names``, ``bounds``, ``dists``)."""
        return {"num_vars": self.num_vars, "names": self.names,
                "bounds": [[f.low, f.high] for f in self.factors],
                "dists": ["unif"] * self.num_vars}

    def design(self, X: np.ndarray) -> pd.DataFrame:
        """Model inputs for sample matrix ``X``: one row per point, integer factors rounded.

        Rounding is half-up (``floor(x + 0.5)``) and clipped to the factor's bounds; real values are
        clipped too, because SALib's scaling of a unit sample can land an ulp outside them (``0.3 +
        0.6 * 1.0`` is ``0.9000000000000001``), which the parameter checks would refuse.
        """
        X = np.asarray(X, dtype=float)
        columns = {}
        for j, f in enumerate(self.factors):
            x = X[:, j]
            if f.integer:
                x = np.clip(np.floor(x + 0.5), np.ceil(f.low), np.floor(f.high)).astype(np.int64)
            else:
                x = np.clip(x, f.low, f.high)
            columns[f.name] = x
        return pd.DataFrame(columns)

    def table(self) -> pd.DataFrame:
        """One row per factor: name, low, high, kind, distribution and declared range."""
        return pd.DataFrame([
            {"parameter": f.name, "low": f.low, "high": f.high,
             "kind": "int (sampled continuous, rounded)" if f.integer else "float",
             "distribution": "uniform",
             "declared_low": f.declared[0] if f.declared else np.nan,
             "declared_high": f.declared[1] if f.declared else np.nan,
             "narrowed": f.narrowed}
            for f in self.factors])
