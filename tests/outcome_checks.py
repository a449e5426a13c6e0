"""What every run's outcomes must satisfy: a value wherever one is defined, rates within [0, 1].

A rate or share is missing (NaN) exactly when what it is a share of is zero in the run (no task
ended, no active task-week, no effort, no leader-week); every other outcome is always a number.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim import constants as C
from sim.outcomes import SHARE_OUTCOMES, SUMMARY_OUTCOMES

ENDED = ("completed", "failed_vacuum", "failed_conflict", "abandoned")
LEADERS = tuple(f"leaders_{n}" for n in C.LEAD_CATEGORY_NAMES)


def denominators(ts: pd.DataFrame) -> dict[str, float]:
    """What each rate is a share of, summed over the rows of time series ``ts``."""
    ended = float(ts[list(ENDED)].to_numpy().sum())
    active = float(ts["active_tasks"].sum())
    leaders = float(ts[list(LEADERS)].to_numpy().sum())
    out = {"nobody_in_charge_rate": ended, "conflict_failure_rate": ended,
           "completion_rate": ended, "abandonment_rate": ended, "vacuum_exposure": active,
           "conflict_exposure": active, "direction_share": active,
           "mean_alignment": float(ts["effort"].sum()), "leader_expertise": leaders,
           "consolidated_share": float(ts["gain"].sum()),
           "national_vacuum_exposure": float(ts["national_active"].sum())}
    out.update({f"leadership_share_{n}": leaders for n in C.LEAD_CATEGORY_NAMES})
    return out


def check_outcomes(values: dict, ts: pd.DataFrame, where: str = "") -> None:
    """Assert the rules of the module docstring for one set of outcomes and its time series."""
    den = denominators(ts)
    for name in SUMMARY_OUTCOMES:
        v = float(values[name])
        if name in den:
            if den[name] > 0:
                assert math.isfinite(v), f"{where}{name} is {v} although defined ({den[name]})"
            else:
                assert math.isnan(v), f"{where}{name} is {v} although nothing it counts happened"
        else:
            assert math.isfinite(v), f"{where}{name} is {v}"
        if name in SHARE_OUTCOMES and math.isfinite(v):
            assert -1e-12 <= v <= 1 + 1e-12, f"{where}{name} = {v} is outside [0, 1]"


def check_results(results) -> None:
    """System-wide and per-hospital outcomes of a run (:class:`sim.run.Results`)."""
    check_outcomes(results.summary, results.timeseries)
    for h, row in results.hospitals.set_index("hospital").iterrows():
        check_outcomes(row.to_dict(), results.timeseries[results.timeseries["hospital"] == h],
                       f"hospital {h}: ")
    assert np.isfinite(results.timeseries.select_dtypes("number").to_numpy()).all()
