"""Outcomes of a run (model brief section 5), each defined exactly.

The model records, for every week and hospital, the columns of :data:`TIMESERIES_COLUMNS`
(:data:`sim.kernel_data.RECORD_COLUMNS` plus arrivals, motivation, reporting load and the gain still
in place). Summary outcomes are ratios of sums over weeks (and hospitals) of those records:

=============================  ===================================================================
``improvement``                gain from tasks completed, per hospital per year
                               (sum of ``gain`` / (hospitals * weeks / 52))
``sustained_improvement``      gain still in place at the horizon, mean per hospital
                               (held + fragile gain after decay, last week)
``nobody_in_charge_rate``      tasks failed for lack of a leader / tasks ended
``conflict_failure_rate``      tasks failed for conflict (mixed messages) / tasks ended
``completion_rate``            tasks completed / tasks ended
``abandonment_rate``           tasks abandoned at the deadline / tasks ended
``vacuum_exposure``            active task-weeks with no legitimate leader / active task-weeks
``conflict_exposure``          active task-weeks with divergent leaders / active task-weeks
``direction_share``            active task-weeks with coherent direction (led, no conflict) /
                               active task-weeks (Drath et al. 2008: direction)
``mean_alignment``             effort-weighted mean alignment of direction (alignment)
``mean_motivation``            mean over weeks of staff's mean motivation (commitment)
``leadership_share_<role>``    leader-weeks held by managers, clinicians (not hybrid), hybrid
                               clinician-managers, coordinators / all leader-weeks
``leadership_gini``            Gini coefficient of accumulated leader-weeks across staff posts
                               (0 everyone leads equally, near 1 a few lead everything)
``leader_expertise``           mean expertise of legitimate leaders, weighted by weeks led
``consolidated_share``         share of the gain of completed tasks that was held (consolidated) at
                               completion (sum of held gain / sum of gain)
``national_vacuum_exposure``   active initiative-weeks with no legitimate leader / active
                               initiative-weeks (national initiatives only)
``staff_leading_share``        share of staff posts whose occupants led at least one task-week
``improvement_trend``          improvement per hospital per year in the second half of the run
                               minus the first half
``tasks_ended``                tasks ended (completed, failed or abandoned) in the run
``spread``                     the collaborative's spread: for each improvement a hospital completed,
                               the share of the other hospitals that completed one of the same
                               topic (national programme, or sector of aims:
                               :mod:`sim.collaborative`) within ``SPREAD_WINDOW_WEEKS`` after it,
                               averaged over completions (those in the last window weeks of the
                               run are left out: their window is cut off). Per hospital: the share
                               of the other hospitals' completions it followed within the window
``adoption_weeks``             mean weeks from a completion to each following adoption counted in
                               ``spread`` (how fast improvements spread)
``improvement_variation``      between-hospital variation of improvement: mean absolute deviation
                               of hospitals' improvement from the collaborative's mean, relative to
                               that mean (per hospital: its own absolute deviation, relative)
``collaborative_sustainment``  share of all gain completed in the run that is still in place at
                               the horizon (sum of sustained gain / sum of gain), pooled over the
                               collaborative
=============================  ===================================================================

A ratio whose denominator is zero (e.g. no task ended, so there is no failure rate) is missing: NaN
in tables (an empty cell in CSV, ``null`` in JSON), never 0; ``tasks_ended`` and
``active_task_weeks`` say how much each ratio rests on. Means and confidence intervals over
replications or runs leave missing values out (:mod:`sim.outputs.statistics`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import constants as C
from .arrival import ARRIVAL_COLUMNS
from .kernel_data import RECORD_COLUMNS

HOSPITAL_STATE_COLUMNS = ("mean_motivation", "reporting_load", "sustained_gain")
#: ``peer_learning``: progress carried to the hospital's tasks by this week's learning session
COLLABORATIVE_COLUMNS = ("peer_learning",)
TIMESERIES_COLUMNS = RECORD_COLUMNS + ARRIVAL_COLUMNS + HOSPITAL_STATE_COLUMNS + COLLABORATIVE_COLUMNS
COL = {name: k for k, name in enumerate(TIMESERIES_COLUMNS)}
LEADER_COLUMNS = tuple(f"leaders_{n}" for n in C.LEAD_CATEGORY_NAMES)

SUMMARY_OUTCOMES = (
    "improvement", "sustained_improvement", "nobody_in_charge_rate", "conflict_failure_rate",
    "completion_rate", "abandonment_rate", "vacuum_exposure", "conflict_exposure",
    "direction_share", "mean_alignment", "mean_motivation",
    *(f"leadership_share_{n}" for n in C.LEAD_CATEGORY_NAMES),
    "leadership_gini", "leader_expertise", "consolidated_share", "national_vacuum_exposure",
    "staff_leading_share", "improvement_trend", "tasks_ended", "active_task_weeks",
    "spread", "adoption_weeks", "improvement_variation", "collaborative_sustainment",
)
#: Outcomes of the collaborative (:func:`collaborative_outcomes`).
COLLABORATIVE_OUTCOMES = ("spread", "adoption_weeks", "improvement_variation",
                          "collaborative_sustainment")

#: Outcomes that are shares in [0, 1], with the summary outcome that counts what each is a share of
#: (None where it is not a share of a count). Their confidence intervals stay within [0, 1]
#: (:func:`sim.outputs.statistics.rate_ci`).
SHARE_OUTCOMES = {
    "nobody_in_charge_rate": "tasks_ended", "conflict_failure_rate": "tasks_ended",
    "completion_rate": "tasks_ended", "abandonment_rate": "tasks_ended",
    "vacuum_exposure": "active_task_weeks", "conflict_exposure": "active_task_weeks",
    "direction_share": "active_task_weeks", "mean_alignment": None, "mean_motivation": None,
    **{f"leadership_share_{n}": None for n in C.LEAD_CATEGORY_NAMES},
    "leadership_gini": None, "leader_expertise": None, "consolidated_share": None,
    "national_vacuum_exposure": None, "staff_leading_share": None,
    "spread": None, "collaborative_sustainment": None,
}


def _ratio(num, den):
    """``num / den``, missing (NaN) where the denominator is zero: no rate without events."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 when all are equal or all zero)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    total = x.sum()
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2.0 * np.sum(ranks * x) / (n * total)) - (n + 1.0) / n)


def _trend(gain: np.ndarray) -> np.ndarray:
    """Gain per year in the second half of the weeks minus the first half (per hospital)."""
    weeks = gain.shape[0]
    half = weeks // 2
    if half == 0:
        return np.zeros(gain.shape[1])
    per_year = C.WEEKS_PER_YEAR
    return gain[half:].sum(axis=0) / ((weeks - half) / per_year) - gain[:half].sum(axis=0) / (half / per_year)


def summarise(records: np.ndarray, weeks: int | None = None) -> dict[str, np.ndarray]:
    """Outcomes per hospital from ``records`` (weeks x hospitals x TIMESERIES_COLUMNS).

    Returns a mapping from outcome name to an array over hospitals; sum the inputs over hospitals
    first (``records.sum(axis=1, keepdims=True)``) for system-wide values. Gini and motivation
    need staff data and are added by :func:`summary`.
    """
    weeks = records.shape[0] if weeks is None else weeks
    tot = records.sum(axis=0)  # hospitals x columns

    def c(name):
        return tot[:, COL[name]]

    ended = c("completed") + c("failed_vacuum") + c("failed_conflict") + c("abandoned")
    active = c("active_tasks")
    leaders = sum(c(n) for n in LEADER_COLUMNS)
    years = max(weeks, 1) / C.WEEKS_PER_YEAR
    out = {
        "improvement": c("gain") / years,
        "sustained_improvement": records[-1, :, COL["sustained_gain"]] if weeks else np.zeros(tot.shape[0]),
        "nobody_in_charge_rate": _ratio(c("failed_vacuum"), ended),
        "conflict_failure_rate": _ratio(c("failed_conflict"), ended),
        "completion_rate": _ratio(c("completed"), ended),
        "abandonment_rate": _ratio(c("abandoned"), ended),
        "vacuum_exposure": _ratio(c("vacuum_tasks"), active),
        "conflict_exposure": _ratio(c("conflict_tasks"), active),
        "direction_share": _ratio(c("directed_tasks"), active),
        "mean_alignment": _ratio(c("aligned_effort"), c("effort")),
        "mean_motivation": c("mean_motivation") / max(weeks, 1),
        "leader_expertise": _ratio(c("leader_expertise"), leaders),
        "consolidated_share": _ratio(c("gain_held"), c("gain")),
        "national_vacuum_exposure": _ratio(c("national_vacuum"), c("national_active")),
        "improvement_trend": _trend(records[:, :, COL["gain"]]),
        "tasks_ended": ended,
        "active_task_weeks": active,
    }
    for name, col in zip(C.LEAD_CATEGORY_NAMES, LEADER_COLUMNS):
        out[f"leadership_share_{name}"] = _ratio(c(col), leaders)
    return out


def spread_counts(completions: np.ndarray, window: int = C.SPREAD_WINDOW_WEEKS):
    """Per hospital (as follower): (opportunities, adoptions, weeks to adopt summed) from
    ``completions`` (weeks x hospitals x topics, counts); see ``spread`` in the module docstring.

    An opportunity is a completion by another hospital in a week whose window of ``window`` weeks
    lies within the run; an adoption is one followed by this hospital's own completion of the same
    topic within the window (strictly after it)."""
    weeks, H, T = completions.shape
    if weeks <= window or H < 2:
        zero = np.zeros(H)
        return zero, zero.copy(), zero.copy()
    done = completions > 0
    never = np.iinfo(np.int64).max // 4
    at = np.where(done, np.arange(weeks)[:, None, None], never)
    # earliest completion at or after each week, then strictly after it
    first_from = np.minimum.accumulate(at[::-1], axis=0)[::-1]
    after = np.concatenate([first_from[1:], np.full((1, H, T), never)], axis=0)
    delay = after - np.arange(weeks)[:, None, None]
    n = weeks - window                                   # weeks whose window fits in the run
    events = completions[:n].astype(np.float64)
    others = events.sum(axis=1, keepdims=True) - events  # completions by the other hospitals
    adopted = (delay[:n] <= window) * others
    return (others.sum(axis=(0, 2)), adopted.sum(axis=(0, 2)),
            (adopted * delay[:n]).sum(axis=(0, 2)))


class SpreadTracker:
    """:func:`spread_counts` kept up to date week by week, at the cost of one window per week.

    A completion's window closes ``window`` weeks after it: when week ``w`` is added, the
    completions of week ``w - window`` are settled from the last ``window`` weeks alone, so the
    totals always equal ``spread_counts`` of every week so far (tested)."""

    def __init__(self, n_hospitals: int, n_topics: int, window: int = C.SPREAD_WINDOW_WEEKS):
        self.window = window
        self._recent = np.zeros((window + 1, n_hospitals, n_topics), np.int32)   # ring of weeks
        self.weeks = 0
        self.opportunities = np.zeros(n_hospitals)
        self.adoptions = np.zeros(n_hospitals)
        self.delays = np.zeros(n_hospitals)

    def add(self, counts: np.ndarray) -> None:
        """Add one week's completions (hospitals x topics)."""
        W = self.window + 1
        w = self.weeks
        self._recent[w % W] = counts
        self.weeks += 1
        e = w - self.window                      # the week whose window has just closed
        if e < 0 or counts.shape[0] < 2:
            return
        events = self._recent[e % W].astype(np.float64)
        later = np.stack([self._recent[(e + d) % W] for d in range(1, self.window + 1)]) > 0
        first = np.where(later.any(axis=0), later.argmax(axis=0) + 1, 0)   # weeks to the next one
        others = events.sum(axis=0, keepdims=True) - events
        adopted = (first > 0) * others
        self.opportunities += others.sum(axis=1)
        self.adoptions += adopted.sum(axis=1)
        self.delays += (adopted * first).sum(axis=1)

    def totals(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.opportunities, self.adoptions, self.delays


def collaborative_outcomes(gain: np.ndarray, sustained: np.ndarray, spread: tuple | None,
                           weeks: int) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """The collaborative's outcomes, per hospital and for the collaborative as a whole, from each
    hospital's gain completed over the run, its gain in place at the horizon, and ``spread``
    (per-hospital opportunities, adoptions and weeks to adopt: :func:`spread_counts` or
    :class:`SpreadTracker`; None: spread missing)."""
    years = max(weeks, 1) / C.WEEKS_PER_YEAR
    improvement = np.asarray(gain, dtype=np.float64) / years
    mean = improvement.mean() if improvement.size else 0.0
    deviation = _ratio(np.abs(improvement - mean), np.full(improvement.shape, mean))
    if spread is None:
        spread = (np.zeros(improvement.shape),) * 3
    opportunities, adoptions, delays = spread
    per_h = {"spread": _ratio(adoptions, opportunities), "adoption_weeks": _ratio(delays, adoptions),
             "improvement_variation": deviation,
             "collaborative_sustainment": _ratio(sustained, gain)}
    system = {"spread": float(_ratio(adoptions.sum(), opportunities.sum())),
              "adoption_weeks": float(_ratio(delays.sum(), adoptions.sum())),
              "improvement_variation": float(np.mean(deviation)) if mean > 0 else np.nan,
              "collaborative_sustainment": float(_ratio(np.sum(sustained), np.sum(gain)))}
    return per_h, system


def summary(records: np.ndarray, staff_per_hospital: np.ndarray, leader_weeks: np.ndarray,
            staff_hospital: np.ndarray, spread: tuple | None = None
            ) -> tuple[dict[str, float], pd.DataFrame]:
    """System-wide summary outcomes and a per-hospital table.

    The system-wide improvement and sustained improvement are means per hospital; rates and shares
    pool all hospitals' tasks; mean motivation weights hospitals by staff. ``spread`` (per-hospital
    opportunities, adoptions, weeks to adopt: :class:`SpreadTracker` of the run's completions by
    topic, see :class:`sim.collaborative.Collaborative`) gives the spread outcomes (missing
    without it).
    """
    weeks, H, _ = records.shape
    per_h = summarise(records)
    collab_h, collab = collaborative_outcomes(
        records[:, :, COL["gain"]].sum(axis=0),
        records[-1, :, COL["sustained_gain"]] if weeks else np.zeros(H), spread, weeks)
    per_h.update(collab_h)
    per_h["leadership_gini"] = np.array([gini(leader_weeks[staff_hospital == h]) for h in range(H)])
    led = leader_weeks > 0
    per_h["staff_leading_share"] = (np.bincount(staff_hospital, weights=led, minlength=H)
                                    / np.maximum(np.bincount(staff_hospital, minlength=H), 1))
    hospitals = pd.DataFrame({"hospital": np.arange(H), **per_h})
    hospitals = hospitals[["hospital", *SUMMARY_OUTCOMES]]

    pooled = records.sum(axis=1, keepdims=True)
    pooled[:, :, COL["mean_motivation"]] = (
        records[:, :, COL["mean_motivation"]] @ staff_per_hospital / staff_per_hospital.sum())[:, None]
    system = {k: float(v[0]) for k, v in summarise(pooled).items()}
    system["improvement"] /= H
    system["sustained_improvement"] /= H
    system["improvement_trend"] /= H
    system["leadership_gini"] = gini(leader_weeks)
    system["staff_leading_share"] = float(led.mean()) if led.size else 0.0
    system.update(collab)
    return {k: system[k] for k in SUMMARY_OUTCOMES}, hospitals


def timeseries_frame(records: np.ndarray) -> pd.DataFrame:
    """Tidy time series: one row per week and hospital, one column per recorded quantity."""
    weeks, H, K = records.shape
    frame = pd.DataFrame(records.reshape(weeks * H, K), columns=list(TIMESERIES_COLUMNS))
    frame.insert(0, "hospital", np.tile(np.arange(H), weeks))
    frame.insert(0, "tick", np.repeat(np.arange(1, weeks + 1), H))
    real = ("effort", "aligned_effort", "gain", "gain_held", "leader_expertise", *HOSPITAL_STATE_COLUMNS,
            *COLLABORATIVE_COLUMNS)
    counts = [c for c in TIMESERIES_COLUMNS if c not in real]
    frame[counts] = frame[counts].astype(np.int64)
    return frame
