"""The model's Mesa ``DataCollector`` reporters: the summary outcomes of the run so far, and this
week's system-wide series.

Every summary outcome of :data:`sim.outcomes.SUMMARY_OUTCOMES` is a model reporter under its summary
name; its value at week *w* is exactly what ``model.summary()`` gives after *w* weeks, so the last
row equals the run's summary (``mesa.batch_run`` reports that row). The weekly series are named so
that none clashes with a summary outcome:

==========================  ==========================================================================
``weekly_gain``             gain from tasks completed this week, all hospitals (the summary's
                            ``improvement`` is this summed over weeks, per hospital per year; before
                            this module the weekly series was called ``improvement`` too)
``motivation_this_week``    staff's mean motivation this week (the summary's ``mean_motivation`` is
                            its mean over the weeks so far, hospitals weighted by staff)
``active_tasks``            tasks active this week, all hospitals
``tasks_without_leader``    active tasks with no legitimate leader this week
``tasks_in_conflict``       active tasks whose leaders' aims diverge this week
``completed``               tasks completed this week
``failed_nobody_in_charge`` tasks that failed this week for lack of a leader
``failed_conflict``         tasks that failed this week for conflict (mixed messages)
``abandoned``               tasks abandoned at their deadline this week
==========================  ==========================================================================

The running summary costs one :func:`sim.outcomes.summarise` of the pooled weeks so far per week
(about 0.1 ms): the pooled rows are kept as the weeks go, so no week's records are stacked again.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .outcomes import COL, SUMMARY_OUTCOMES, collaborative_outcomes, gini, summarise

#: Weekly series (name -> record column summed over hospitals), see the module docstring.
WEEKLY_COUNTS = {
    "weekly_gain": "gain", "active_tasks": "active_tasks", "tasks_without_leader": "vacuum_tasks",
    "tasks_in_conflict": "conflict_tasks", "completed": "completed",
    "failed_nobody_in_charge": "failed_vacuum", "failed_conflict": "failed_conflict",
    "abandoned": "abandoned",
}
WEEKLY_SERIES = (*WEEKLY_COUNTS, "motivation_this_week")
#: Per-hospital means in the system summary (``sim.outcomes.summary`` divides these by hospitals).
PER_HOSPITAL_MEANS = ("improvement", "sustained_improvement", "improvement_trend")


class RunningSummary:
    """The system-wide summary of a model's weeks so far, updated once per week.

    :meth:`add` takes the week's records (hospitals x columns); :meth:`values` gives the summary
    outcomes as ``model.summary()[0]`` would, computed at most once per week.
    """

    def __init__(self, staff_per_hospital: np.ndarray, columns: int, capacity: int = 64):
        self.staff_per_hospital = np.asarray(staff_per_hospital, dtype=float)
        self.hospitals = self.staff_per_hospital.shape[0]
        self.weeks = 0
        self._pooled = np.zeros((max(capacity, 1), 1, columns))    # weeks x 1 x columns
        # Motivation by week and hospital, every other float of the buffer: ``sim.outcomes`` weights
        # it by staff with a matrix product on a strided view of the records, and numpy computes a
        # product on a strided view with its own loop (not BLAS, whose sums are ordered otherwise);
        # a strided view here takes the same loop, so the values agree to the last bit.
        self._motivation = np.zeros((max(capacity, 1), self.hospitals, 2))
        self._gain = np.zeros((max(capacity, 1), self.hospitals, 2))    # strided too, as above
        self._values: dict[str, float] | None = None
        self._latest: np.ndarray | None = None

    def add(self, row: np.ndarray) -> None:
        """Add one week's records (hospitals x :data:`~sim.outcomes.TIMESERIES_COLUMNS`)."""
        if self.weeks == self._pooled.shape[0]:
            self._pooled = np.concatenate([self._pooled, np.zeros_like(self._pooled)])
            self._motivation = np.concatenate([self._motivation, np.zeros_like(self._motivation)])
            self._gain = np.concatenate([self._gain, np.zeros_like(self._gain)])
        w = self.weeks
        self._pooled[w, 0] = row.sum(axis=0)          # as records.sum(axis=1) in sim.outcomes
        self._motivation[w, :, 0] = row[:, COL["mean_motivation"]]
        self._gain[w, :, 0] = row[:, COL["gain"]]
        self.weeks += 1
        self._latest = row
        self._values = None

    def values(self, leader_weeks: np.ndarray, spread: tuple | None = None) -> dict[str, float]:
        """Every summary outcome of the weeks so far (NaN for all before the first week);
        ``spread`` (:meth:`sim.outcomes.SpreadTracker.totals`) gives the collaborative's spread."""
        if self._values is not None:
            return self._values
        if self.weeks == 0:
            return {name: np.nan for name in SUMMARY_OUTCOMES}
        w = self.weeks
        pooled = self._pooled[:w].copy()
        sph = self.staff_per_hospital
        pooled[:, 0, COL["mean_motivation"]] = self._motivation[:w, :, 0] @ sph / sph.sum()
        system = {k: float(v[0]) for k, v in summarise(pooled).items()}
        for name in PER_HOSPITAL_MEANS:
            system[name] /= self.hospitals
        system["leadership_gini"] = gini(leader_weeks)
        led = leader_weeks > 0
        system["staff_leading_share"] = float(led.mean()) if led.size else 0.0
        system.update(collaborative_outcomes(self._gain[:w, :, 0].sum(axis=0),
                                             self._latest[:, COL["sustained_gain"]], spread, w)[1])
        self._values = {k: system[k] for k in SUMMARY_OUTCOMES}
        return self._values

    def weekly(self, name: str, model) -> float:
        """This week's value of weekly series ``name`` (0 before the first week)."""
        if name == "motivation_this_week":
            return float(model.org.staff.motivation.mean())
        if self._latest is None:
            return 0.0
        return float(self._latest[:, COL[WEEKLY_COUNTS[name]]].sum())


def model_reporters() -> dict[str, Callable]:
    """Model reporters for Mesa's ``DataCollector``: the weekly series, then every summary outcome.

    Each reporter reads ``model.running_summary`` (a :class:`RunningSummary`).
    """
    def summary_reporter(name: str) -> Callable:
        return lambda m: m.running_summary.values(m.org.staff.leader_weeks,
                                                  m.collaborative.spread.totals())[name]

    def weekly_reporter(name: str) -> Callable:
        return lambda m: m.running_summary.weekly(name, m)

    return {**{name: weekly_reporter(name) for name in WEEKLY_SERIES},
            **{name: summary_reporter(name) for name in SUMMARY_OUTCOMES}}
