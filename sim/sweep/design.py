"""Designs of a sweep: one row per sample point, one column per swept parameter.

Three kinds are offered, each returning a :class:`pandas.DataFrame` whose index is the point number
(0, 1, ...) and whose columns are parameter names of :data:`sim.parameters.PARAMETER_SPECS`:

* :func:`grid_design`: every combination of given value lists (first parameter varies slowest);
* :func:`lhs_design`: a Latin hypercube sample (``scipy.stats.qmc.LatinHypercube``) of ``size``
  points over ranges (default: each parameter's documented range);
* :func:`table_design`: explicit rows (a CSV file or a list of mappings), e.g. from another tool.

:func:`check_design` validates a design given by the caller (column names, numeric values), and
:func:`parameter_values` turns one row into keyword arguments for :meth:`Parameters.replace`
(integer parameters are rounded to the nearest whole number).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..constants import SPECS as CONSTANT_SPECS
from ..parameters import SPECS, ParameterError

#: Parameters a design may set (``seed`` is derived per run, so it cannot be swept), and the
#: behavioural constants of :mod:`sim.constants` by name.
SWEEPABLE = (*(name for name in SPECS if name != "seed"), *CONSTANT_SPECS)


class DesignError(ValueError):
    """A design that cannot be run (unknown parameter, non-numeric values, empty design)."""


def _check_names(names: Sequence[str]) -> None:
    for name in names:
        if name not in SWEEPABLE:
            hint = (" (each run's seed is derived from the experiment seed)"
                    if name == "seed" else "")
            raise DesignError(f"'{name}': not a parameter that can be swept{hint}; "
                              f"allowed: {', '.join(SWEEPABLE)}")
    dupes = sorted({n for n in names if list(names).count(n) > 1})
    if dupes:
        raise DesignError(f"'{dupes[0]}': parameter appears twice in the design")


def check_design(design: pd.DataFrame) -> pd.DataFrame:
    """Return ``design`` with a 0..n-1 index after checking its columns; raise :class:`DesignError`.

    Values are not range-checked here: a value the model rejects makes that run fail (recorded
    with its error) rather than stopping the sweep.
    """
    if not isinstance(design, pd.DataFrame):
        raise DesignError(f"the design must be a pandas DataFrame, got {type(design).__name__}")
    if len(design) == 0:
        raise DesignError("the design has no rows (no sample points)")
    names = [str(c) for c in design.columns]
    if not names:
        raise DesignError("the design has no columns; name at least one parameter")
    _check_names(names)
    for name in names:
        col = design[name]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            raise DesignError(f"'{name}': design values must be numbers, got dtype {col.dtype}")
    out = design.copy()
    out.columns = names
    return out.reset_index(drop=True)


def parameter_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for :meth:`Parameters.replace` from one design row.

    Numbers are converted to the parameter's type: integer parameters take the value rounded to the
    nearest whole number (halves round up), float parameters a Python float. Anything else is
    passed through unchanged so that validation reports it.
    """
    out: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, np.generic):
            value = value.item()
        if name in CONSTANT_SPECS and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = float(value)
            if CONSTANT_SPECS[name].integer and math.isfinite(value):
                value = float(math.floor(value + 0.5))
        spec = SPECS.get(name)
        if spec is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
            if spec.kind is int and isinstance(value, float) and math.isfinite(value):
                value = int(math.floor(value + 0.5))
            elif spec.kind is float:
                value = float(value)
        out[name] = value
    return out


def _checked(name: str, value: Any, where: str) -> float | int:
    try:
        return SPECS[name].check(value, key=where)
    except ParameterError as err:
        raise DesignError(str(err)) from None


def grid_design(values: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Every combination of the value lists (first parameter varies slowest), values validated."""
    _check_names(list(values))
    if not values:
        raise DesignError("a grid needs at least one parameter with a list of values")
    columns: dict[str, list] = {}
    for name, seq in values.items():
        if isinstance(seq, (str, bytes)) or not isinstance(seq, Sequence) or len(seq) == 0:
            raise DesignError(f"'{name}': expected a non-empty list of values, got {seq!r}")
        columns[name] = [_checked(name, v, f"{name}[{k}]") for k, v in enumerate(seq)]
    rows = list(itertools.product(*columns.values()))
    frame = pd.DataFrame(rows, columns=list(columns))
    return _typed(frame)


def default_range(name: str) -> tuple[float, float]:
    """The documented range of a parameter (from ``PARAMETER_SPECS``)."""
    spec = SPECS[name]
    return spec.low, spec.high


def lhs_design(ranges: Mapping[str, tuple[float, float] | None], size: int,
               seed: int) -> pd.DataFrame:
    """A Latin hypercube sample of ``size`` points.

    ``ranges`` maps each parameter to ``(low, high)`` or ``None`` (its documented range). Integer
    parameters are sampled on ``[low - 0.5, high + 0.5)`` and rounded, so each whole value gets an
    equal share. The sample depends only on ``seed``, the ranges and the size.
    """
    names = list(ranges)
    _check_names(names)
    if not names:
        raise DesignError("an LHS design needs at least one parameter")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise DesignError(f"'size': expected a positive integer, got {size!r}")
    lows, highs = [], []
    for name in names:
        rng = ranges[name]
        low, high = default_range(name) if rng is None else rng
        low = _checked(name, low, f"{name}.low")
        high = _checked(name, high, f"{name}.high")
        if not low < high:
            raise DesignError(f"'{name}': low ({low}) must be below high ({high})")
        if SPECS[name].kind is int:
            low, high = low - 0.5, high + 0.5
        lows.append(low)
        highs.append(high)
    from scipy.stats import qmc     # imported here: workers never need it

    sampler = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng([seed, 0x4C4853]))
    unit = sampler.random(size)
    scaled = qmc.scale(unit, lows, highs)
    frame = pd.DataFrame(scaled, columns=names)
    for name in names:
        spec = SPECS[name]
        if spec.kind is int:
            frame[name] = np.clip(np.floor(frame[name] + 0.5), spec.low, spec.high).astype(np.int64)
    return frame


def table_design(rows: Sequence[Mapping[str, Any]] | str | Path, *,
                 base_dir: Path | None = None) -> pd.DataFrame:
    """Explicit sample points: a CSV file path (relative to ``base_dir``) or a list of mappings.

    Every row must name the same parameters. Values must be numbers; their ranges are checked when
    each run starts (a bad value fails that run only, and the failure is recorded).
    """
    if isinstance(rows, (str, Path)):
        path = Path(rows)
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        try:
            frame = pd.read_csv(path)
        except FileNotFoundError:
            raise DesignError(f"'file': {path} not found") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
            raise DesignError(f"'file': {path} is not a readable CSV table ({err})") from None
        if frame.isna().any().any():
            col = frame.columns[frame.isna().any()][0]
            raise DesignError(f"'file': {path}: column '{col}' has empty cells; every row needs "
                              f"a value for every column")
    else:
        if not isinstance(rows, Sequence) or not rows:
            raise DesignError("'rows': expected a non-empty list of tables")
        names = None
        for k, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise DesignError(f"'rows[{k}]': expected a table of parameter = value, "
                                  f"got {row!r}")
            if names is None:
                names = list(row)
            elif set(row) != set(names):
                raise DesignError(f"'rows[{k}]': names {sorted(row)} differ from the first row's "
                                  f"{sorted(names)}; every row must set the same parameters")
            for name, value in row.items():
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise DesignError(f"'rows[{k}].{name}': expected a number, got {value!r}")
        frame = pd.DataFrame([dict(r) for r in rows], columns=names)
    _check_names([str(c) for c in frame.columns])
    return check_design(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns typed by each parameter's kind (int64 for whole-number parameters)."""
    for name in frame.columns:
        frame[name] = frame[name].astype(np.int64 if SPECS[name].kind is int else np.float64)
    return frame
