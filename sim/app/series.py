"""Time series shown by the app's live plots, computed from a running model.

The counts and motivation come from the model's Mesa ``DataCollector`` (model reporters
``improvement``, ``failed_nobody_in_charge``, ...); direction and alignment are computed here from
the model's weekly records (``model.record_array()``) with the definitions of :mod:`sim.outcomes`:

* *direction*: share of active tasks that had coherent direction this week (led, no conflict);
* *alignment*: effort-weighted alignment of direction this week;
* *commitment*: staff's mean motivation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..outcomes import COL

#: Columns of :func:`outcome_series`.
SERIES_COLUMNS = (
    "week", "improvement_per_hospital", "sustained_improvement", "completed",
    "failed_nobody_in_charge", "failed_conflict", "active_tasks", "tasks_without_leader",
    "tasks_in_conflict", "direction", "alignment", "commitment",
)


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where there is nothing to divide (no active task, no effort)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def outcome_series(model) -> pd.DataFrame:
    """One row per week run so far, system-wide (all hospitals), columns :data:`SERIES_COLUMNS`.

    Improvement and failures are cumulative since week 1 (improvement per hospital); the task
    counts are this week's; direction, alignment and commitment are this week's values.
    """
    reporters = model.datacollector.get_model_vars_dataframe()
    weeks = len(reporters)
    if weeks == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in SERIES_COLUMNS})
    records = model.record_array()[-weeks:].sum(axis=1)   # weeks x columns, pooled over hospitals
    n_hospitals = model.org.hospitals.aim.shape[0]
    return pd.DataFrame({
        "week": np.arange(model.week - weeks + 1, model.week + 1),
        "improvement_per_hospital": reporters["improvement"].cumsum().to_numpy() / n_hospitals,
        "sustained_improvement": reporters["sustained_improvement"].to_numpy(),
        "completed": reporters["completed"].cumsum().to_numpy(),
        "failed_nobody_in_charge": reporters["failed_nobody_in_charge"].cumsum().to_numpy(),
        "failed_conflict": reporters["failed_conflict"].cumsum().to_numpy(),
        "active_tasks": reporters["active_tasks"].to_numpy(),
        "tasks_without_leader": reporters["tasks_without_leader"].to_numpy(),
        "tasks_in_conflict": reporters["tasks_in_conflict"].to_numpy(),
        "direction": _share(records[:, COL["directed_tasks"]], records[:, COL["active_tasks"]]),
        "alignment": _share(records[:, COL["aligned_effort"]], records[:, COL["effort"]]),
        "commitment": reporters["mean_motivation"].to_numpy(),
    })[list(SERIES_COLUMNS)]
