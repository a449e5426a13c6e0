"""Have the indices settled? Indices at nested sample sizes and the rule that judges them.

Indices are recomputed on the first rows of the sample (nested sub-samples, e.g. N/4, N/2 and N:
the first k base samples of a Saltelli design, the first k Morris trajectories, the first k points of
the Latin hypercube), so no extra model runs are needed.

The rule, per outcome, on the method's ``settle_index`` (Sobol: ST; Morris: mu*/max mu*; PAWN:
PAWN; RBD-FAST: S1; all on a 0..1 scale):

* ``settled_at`` is the smallest size from which every larger size gives, for every parameter, an
  index within ``change_tol`` (default 0.05) of the full-sample value;
* the indices have **settled** when ``settled_at`` is smaller than the full size (at least the
  previous size already agreed) **and** every confidence half-width at the full size is at most
  ``conf_tol`` (default 0.1).

Otherwise a warning is issued: take more samples (or, for noisy outputs, more replications).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CHANGE_TOL = 0.05
CONF_TOL = 0.10


def settle(convergence: pd.DataFrame, index: str, change_tol: float = CHANGE_TOL,
           conf_tol: float = CONF_TOL) -> pd.DataFrame:
    """One row per outcome: whether ``index`` settled, at which size, and why not.

    ``convergence`` has columns ``n, outcome, parameter, index, value, conf``.
    """
    rows = []
    table = convergence[convergence["index"] == index]
    for outcome, sub in table.groupby("outcome", sort=False):
        wide = sub.pivot(index="n", columns="parameter", values="value").sort_index()
        conf = sub.pivot(index="n", columns="parameter", values="conf").sort_index()
        sizes = list(wide.index)
        full = sizes[-1]
        row = {"outcome": outcome, "index": index, "sizes": " ".join(map(str, sizes)),
               "full_size": full, "settled": False, "settled_at": np.nan,
               "max_change_last_step": np.nan, "max_conf": np.nan, "note": ""}
        if wide.isna().all().all():
            row["note"] = "output constant: nothing to attribute"
            rows.append(row)
            continue
        change = (wide - wide.loc[full]).abs().max(axis=1, skipna=False)
        row["max_conf"] = float(conf.loc[full].max(skipna=False))
        if len(sizes) > 1:
            row["max_change_last_step"] = float(change.iloc[-2])
        settled_at = full
        for n in reversed(sizes[:-1]):
            if np.isfinite(change.loc[n]) and change.loc[n] <= change_tol:
                settled_at = n
            else:
                break
        notes = []
        if len(sizes) < 2:
            notes.append("only one sample size: cannot judge")
        elif settled_at == full and not np.isfinite(change.iloc[-2]):
            notes.append(f"no indices at size {sizes[-2]} (output constant in that sub-sample)")
        elif settled_at == full:
            notes.append(f"changed by {row['max_change_last_step']:.3f} (> {change_tol}) between "
                         f"{sizes[-2]} and {full}")
        else:
            row["settled_at"] = settled_at
        if not (np.isfinite(row["max_conf"]) and row["max_conf"] <= conf_tol):
            notes.append(f"confidence half-width up to {row['max_conf']:.3f} (> {conf_tol})")
        row["settled"] = not notes
        row["note"] = "; ".join(notes) if notes else f"settled from {settled_at}"
        rows.append(row)
    return pd.DataFrame(rows)
