"""A sweep's results in EMA Workbench's form, so that its analysis and plotting tools work on them.

EMA Workbench (``ema_workbench``) holds the results of a set of experiments as ``(experiments,
outcomes)``: a DataFrame with one row per experiment and one column per input (plus its
bookkeeping column ``scenario``), and a dict from outcome name to a numpy array with one value per
experiment. :func:`to_ema` gives a leadsim sweep that form::

    from ema_workbench.analysis import prim
    from sim.sweep import to_ema

    experiments, outcomes = to_ema("runs/discovery_lhs")
    box = prim.Prim(experiments, outcomes["nobody_in_charge_rate"] > 0.2).find_box()

A row of ``experiments`` is one successful run (failed runs are left out), indexed by its
``run_id`` (``"<point>-<replication>"``; its seed is the results' ``seed`` column, or
:func:`sim.sweep.run_seed`), or with ``per="point"`` one sample point, indexed by ``point``, whose
outcomes are the means over its successful replications (missing values left out). The inputs are
the design's parameters, all as real numbers (whole-number parameters too: EMA Workbench 3.0's
CART cannot put a split between two whole numbers into an integer column under pandas 3, and PRIM
peels them as reals just as well); ``scenario`` is the sample point (EMA's scenario id), which
EMA's analysis functions leave out themselves. EMA's own experiments also carry ``policy`` and
``model`` columns; a leadsim sweep has neither, and EMA's CART (3.0, pandas 3) fails on such text
columns, so they are not added.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .storage import ID_COLUMNS, SweepError, load_results, read_meta

PER = ("run", "point")
BOOKKEEPING = ("scenario",)


def sweep_columns(results: pd.DataFrame, meta: dict[str, Any] | None = None
                  ) -> tuple[list[str], list[str]]:
    """(parameters, outcomes) of a sweep's results: from ``sweep.json`` when given, else the
    columns between the run ids and ``error``."""
    if meta is not None:
        return list(meta["parameters"]), list(meta["outcomes"])
    rest = [c for c in results.columns if c not in ID_COLUMNS and c not in ("error", "run_seconds")]
    out_dir = results.attrs.get("out_dir")
    if out_dir:
        meta = read_meta(out_dir)
        return list(meta["parameters"]), list(meta["outcomes"])
    raise SweepError("the results do not say which columns are parameters: pass the sweep folder "
                     f"(or the DataFrame returned by run_design / load_results); columns: "
                     f"{', '.join(rest)}")


def load_sweep(results_or_folder: pd.DataFrame | str | Path
               ) -> tuple[pd.DataFrame, list[str], list[str]]:
    """(results, parameters, outcomes) of a finished sweep folder or of its results DataFrame."""
    if isinstance(results_or_folder, pd.DataFrame):
        results = results_or_folder
        parameters, outcomes = sweep_columns(results)
    else:
        folder = Path(results_or_folder)
        if not folder.is_dir():
            raise SweepError(f"{folder}: not a folder; give the output folder of a finished sweep")
        meta = read_meta(folder)
        results = load_results(folder)
        parameters, outcomes = sweep_columns(results, meta)
    return results, parameters, outcomes


def to_ema(results_or_folder: pd.DataFrame | str | Path, outcomes: Sequence[str] | None = None,
           per: str = "run") -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """EMA Workbench's ``(experiments, outcomes)`` for a sweep (see the module docstring).

    Args:
        results_or_folder: a sweep's output folder, or the DataFrame of ``run_design`` /
            ``load_results``.
        outcomes: the outcomes to export (default: every outcome the sweep kept).
        per: ``"run"`` (one experiment per successful run) or ``"point"`` (one per sample point,
            outcomes averaged over its successful replications).
    """
    if per not in PER:
        raise SweepError(f"'per': expected one of {', '.join(PER)}, got {per!r}")
    results, parameters, kept = load_sweep(results_or_folder)
    names = list(kept if outcomes is None else outcomes)
    for name in names:
        if name not in kept:
            from ..hints import did_you_mean

            raise SweepError(f"'outcomes': {name!r} is not an outcome of this sweep"
                             f"{did_you_mean(name, kept)}; allowed: {', '.join(kept)}")
    ok = results[results["error"].isna()] if "error" in results else results
    if per == "point":
        grouped = ok.groupby("point", sort=True)
        frame = grouped[parameters].first()
        values = grouped[names].mean()                        # NaN (missing rates) left out
        points = frame.index.to_numpy()
        index = pd.Index(points, name="point")
    else:
        frame = ok[parameters]
        values = ok[names]
        points = ok["point"].to_numpy()
        index = pd.Index(ok["run_id"].to_numpy(), name="run_id")
    experiments = frame.set_axis(index).astype(np.float64)
    experiments["scenario"] = points.astype(np.int64)
    return experiments, {name: values[name].to_numpy(dtype=float) for name in names}
