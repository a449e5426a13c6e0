"""What every run's outcomes must satisfy: a value wherever one is defined, rates within [0, 1].

A rate or share is missing (NaN) exactly when what it is a share of is zero in the run (no task
ended, no active task-week, no effort, no leader-week); every other outcome is always a number.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim import constants as C
from sim.outcomes import COLLABORATIVE_OUTCOMES, SHARE_OUTCOMES, SUMMARY_OUTCOMES

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


def check_collaborative(values: dict, ts: pd.DataFrame, where: str = "", system: bool = True):
    """The collaborative's outcomes: spread needs two hospitals and completions whose year-long
    window fits in the run (per hospital: completions of the others, which ``ts`` does not show);
    adoption time needs an adoption; variation and sustainment need a gain."""
    weeks = int(ts["tick"].max()) if len(ts) else 0
    eligible = ts[ts["tick"] <= weeks - C.SPREAD_WINDOW_WEEKS]["completed"].sum()
    spread, adoption = float(values["spread"]), float(values["adoption_weeks"])
    if system and ts["hospital"].nunique() >= 2 and eligible > 0:
        assert math.isfinite(spread), f"{where}spread is missing although {eligible} completions"
    if weeks <= C.SPREAD_WINDOW_WEEKS:
        assert math.isnan(spread), f"{where}spread {spread} in a run shorter than its window"
    if math.isfinite(spread):
        assert 0 <= spread <= 1, f"{where}spread = {spread}"
        assert math.isfinite(adoption) == (spread > 0), f"{where}adoption_weeks {adoption}"
    else:
        assert math.isnan(adoption)
    if math.isfinite(adoption):
        assert 0 < adoption <= C.SPREAD_WINDOW_WEEKS, f"{where}adoption_weeks = {adoption}"
    gain = float(ts["gain"].sum())
    variation, sustained = float(values["improvement_variation"]), float(values["collaborative_sustainment"])
    assert math.isfinite(sustained) == (gain > 0), f"{where}collaborative_sustainment {sustained}"
    if gain > 0:
        assert math.isfinite(variation) and variation >= 0, f"{where}improvement_variation {variation}"
        assert 0 <= sustained <= 1 + 1e-12, f"{where}collaborative_sustainment = {sustained}"
    elif system:
        assert math.isnan(variation)


def check_outcomes(values: dict, ts: pd.DataFrame, where: str = "", system: bool = True) -> None:
    """Assert the rules of the module docstring for one set of outcomes and its time series."""
    den = denominators(ts)
    check_collaborative(values, ts, where, system)
    for name in SUMMARY_OUTCOMES:
        if name in COLLABORATIVE_OUTCOMES:
            continue
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
                       f"hospital {h}: ", system=False)
    assert np.isfinite(results.timeseries.select_dtypes("number").to_numpy()).all()
