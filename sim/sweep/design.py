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

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..constants import SPECS as CONSTANT_SPECS
from ..hints import did_you_mean
from ..parameters import SPECS, ParameterError, as_int, as_number
from ..tomlfile import check_regular_file

#: Parameters a design may set (``seed`` is derived per run, so it cannot be swept), and the
#: behavioural constants of :mod:`sim.constants` by name.
SWEEPABLE = (*(name for name in SPECS if name != "seed"), *CONSTANT_SPECS)
#: Most sample points a design may have (a grid's is the product of its value counts, checked
#: before the grid is built).
MAX_POINTS = 10_000_000
#: Largest CSV file read as a table design.
MAX_TABLE_BYTES = 256 * 2**20
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


class DesignError(ValueError):
    """A design that cannot be run (unknown parameter, non-numeric values, empty design)."""


def _check_names(names: Sequence[str], what: str = "") -> None:
    """Names must be sweepable parameters. ``what`` (e.g. "column 3 of points.csv") replaces the
    name in the message for names read from a file's header that do not look like names, so
    that an error never repeats a file's content."""
    for k, name in enumerate(names):
        if name not in SWEEPABLE:
            hint = (" (each run's seed is derived from the experiment seed)"
                    if name == "seed" else did_you_mean(name, SWEEPABLE))
            shown = f"'{name}'" if not what or _NAME_RE.match(name) else \
                f"{what.replace('{}', str(k + 1))} (not a parameter name)"
            raise DesignError(f"{shown}: not a parameter that can be swept{hint}; "
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
        if isinstance(value, np.generic):     # numpy scalars (EMA Workbench, SALib) as Python's
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


class _ConstantAsParameter:
    """A behavioural constant seen as a design parameter (range, kind, check)."""

    def __init__(self, spec):
        self.spec = spec
        self.low, self.high = spec.low, spec.high
        self.kind = int if spec.integer else float

    def check(self, value, source=None, key=None):
        checked = self.spec.check(value, source, key)
        return int(checked) if self.spec.integer else checked


def _spec(name: str):
    """The declaration of a design column: a parameter, or a behavioural constant."""
    return SPECS[name] if name in SPECS else _ConstantAsParameter(CONSTANT_SPECS[name])


def _checked(name: str, value: Any, where: str) -> float | int:
    try:
        return _spec(name).check(value, key=where)
    except ParameterError as err:
        raise DesignError(str(err)) from None


def grid_points(values: Mapping[str, Sequence[Any]]) -> int:
    """Points of the grid of ``values`` (the product of the value counts), without building it."""
    return math.prod(len(seq) if isinstance(seq, Sequence) and not isinstance(seq, (str, bytes))
                     else 1 for seq in values.values())


def check_points(points: int, max_points: int = MAX_POINTS, what: str = "the design") -> None:
    """Refuse a design of more than ``max_points`` points before it is built."""
    if points > max_points:
        raise DesignError(f"{what} has {points:,} points; allowed: at most {max_points:,}")


def grid_design(values: Mapping[str, Sequence[Any]],
                max_points: int = MAX_POINTS) -> pd.DataFrame:
    """Every combination of the value lists (first parameter varies slowest), values validated.

    The grid's size (the product of the value counts) is checked against ``max_points`` before
    anything is built. Value lists may be numpy arrays.
    """
    values = {name: seq.tolist() if isinstance(seq, np.ndarray) else seq
              for name, seq in values.items()}
    _check_names(list(values))
    if not values:
        raise DesignError("a grid needs at least one parameter with a list of values")
    columns: dict[str, list] = {}
    for name, seq in values.items():
        if isinstance(seq, (str, bytes)) or not isinstance(seq, Sequence) or len(seq) == 0:
            raise DesignError(f"'{name}': expected a non-empty list of values, got {seq!r}")
    check_points(grid_points(values), max_points,
                 "the grid (" + " x ".join(f"{len(v)} {n}" for n, v in values.items()) + ")")
    for name, seq in values.items():
        columns[name] = [_checked(name, v, f"{name}[{k}]") for k, v in enumerate(seq)]
    shape = [len(v) for v in columns.values()]
    index = np.indices(shape).reshape(len(shape), -1)      # first parameter varies slowest
    frame = pd.DataFrame({name: np.asarray(vals, dtype=np.int64 if _spec(name).kind is int
                                           else np.float64)[index[k]]
                          for k, (name, vals) in enumerate(columns.items())})
    return _typed(frame)


def default_range(name: str) -> tuple[float, float]:
    """The documented range of a parameter (from ``PARAMETER_SPECS``) or behavioural constant."""
    spec = _spec(name)
    return spec.low, spec.high


def lhs_design(ranges: Mapping[str, tuple[float, float] | None], size: int,
               seed: int, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """A Latin hypercube sample of ``size`` points.

    ``ranges`` maps each parameter to ``(low, high)`` or ``None`` (its documented range). Integer
    parameters are sampled on ``[low - 0.5, high + 0.5)`` and rounded, so each whole value gets an
    equal share. The sample depends only on ``seed``, the ranges and the size.
    """
    names = list(ranges)
    _check_names(names)
    if not names:
        raise DesignError("an LHS design needs at least one parameter")
    if as_int(size) is None or size < 1:
        raise DesignError(f"'size': expected a positive integer, got {size!r}")
    size = as_int(size)
    if size > max_points:
        raise DesignError(f"'size': {size:,} points; allowed: at most {max_points:,}")
    lows, highs = [], []
    for name in names:
        rng = ranges[name]
        low, high = default_range(name) if rng is None else rng
        low = _checked(name, low, f"{name}.low")
        high = _checked(name, high, f"{name}.high")
        if not low < high:
            raise DesignError(f"'{name}': low ({low}) must be below high ({high})")
        if _spec(name).kind is int:
            low, high = low - 0.5, high + 0.5
        lows.append(low)
        highs.append(high)
    from scipy.stats import qmc     # imported here: workers never need it

    sampler = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng([seed, 0x4C4853]))
    unit = sampler.random(size)
    scaled = qmc.scale(unit, lows, highs)
    frame = pd.DataFrame(scaled, columns=names)
    for name in names:
        spec = _spec(name)
        if spec.kind is int:
            frame[name] = np.clip(np.floor(frame[name] + 0.5), spec.low, spec.high).astype(np.int64)
    return frame


def _read_table(path: Path, max_points: int) -> pd.DataFrame:
    """A CSV design file: a regular, readable file of at most :data:`MAX_TABLE_BYTES`, whose
    header names parameters. Messages never quote the file's content beyond a parameter-like
    column name."""
    check_regular_file(path, DesignError, "CSV design table", MAX_TABLE_BYTES, prefix="'file': ")
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8", skipinitialspace=True)
    except PermissionError:
        raise DesignError(f"'file': {path}: cannot be read (permission denied)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError,
            OSError):
        raise DesignError(f"'file': {path}: not a readable CSV table; allowed: a header of "
                          f"parameter names, then one row of numbers per point") from None
    try:
        _check_names([str(c) for c in header.columns], what="column {}")
    except DesignError as err:
        raise DesignError(f"'file': {path}: {err}") from None
    try:
        frame = pd.read_csv(path, encoding="utf-8", nrows=max_points + 1, skipinitialspace=True)
    except PermissionError:
        raise DesignError(f"'file': {path}: cannot be read (permission denied)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as err:
        where = re.search(r"line (\d+)", str(err))
        at = f" (at line {where.group(1)})" if where else ""
        raise DesignError(f"'file': {path}: not a readable CSV table{at}; allowed: a header of "
                          f"parameter names, then one row of numbers per point") from None
    except pd.errors.EmptyDataError:
        raise DesignError(f"'file': {path}: empty; allowed: a header of parameter names, then "
                          f"one row of numbers per point") from None
    if len(frame) > max_points:
        raise DesignError(f"'file': {path}: more than {max_points:,} rows; allowed: at most "
                          f"{max_points:,} points")
    return frame


def table_design(rows: Sequence[Mapping[str, Any]] | str | Path, *,
                 base_dir: Path | None = None, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """Explicit sample points: a CSV file path (relative to ``base_dir``) or a list of mappings.

    Every row must name the same parameters. Values must be numbers; their ranges are checked when
    each run starts (a bad value fails that run only, and the failure is recorded). A file must be a
    regular file of at most :data:`MAX_TABLE_BYTES` (not a folder, device or pipe).
    """
    if isinstance(rows, (str, Path)):
        path = Path(rows)
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        frame = _read_table(path, max_points)
        if frame.isna().any().any():
            col = frame.columns[frame.isna().any()][0]
            raise DesignError(f"'file': {path}: column '{col}' has empty cells; every row needs "
                              f"a value for every column")
    else:
        if not isinstance(rows, Sequence) or not rows:
            raise DesignError("'rows': expected a non-empty list of tables")
        check_points(len(rows), max_points, "'rows'")
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
                if as_number(value) is None:
                    raise DesignError(f"'rows[{k}].{name}': expected a number, got {value!r}")
        frame = pd.DataFrame([{k: as_number(v) for k, v in r.items()} for r in rows], columns=names)
    _check_names([str(c) for c in frame.columns])
    return check_design(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns typed by each parameter's kind (int64 for whole-number parameters)."""
    for name in frame.columns:
        frame[name] = frame[name].astype(np.int64 if _spec(name).kind is int else np.float64)
    return frame
