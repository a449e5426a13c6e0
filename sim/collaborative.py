"""The quality-improvement collaborative: what hospitals learn from one another, and when.

Hospitals of a run form one collaborative (Carstensen et al. 2023 studied two nationwide Danish
QICs; the IHI Breakthrough Series, Kilo 1998, is the template: learning sessions between action
periods). This module keeps the collaborative's bookkeeping, the same for both backends:

- the **topic** of an improvement: its national programme (one topic per national body) or, for a
  local task, one of ``LOCAL_TOPICS`` equal sectors of aims (:func:`topic_of`, :func:`topic_aims`);
- the **lessons** each hospital learned since the last session: tasks it completed, by topic;
- the **completions** of every week by hospital and topic, from which the spread outcomes are
  computed (:func:`sim.outcomes.collaborative_outcomes`), recorded whether or not the collaborative
  is on (isolated hospitals complete similar improvements too, at their own pace);
- the **cross-hospital overhead** of each hospital (collaborative complexity, less the cut of a
  regional coordinator who covers it) and the session calendar.

The learning session itself, a rule of the model, is :func:`sim.reference.learning_session`
(plain Python) and its numba twin :func:`sim.kernel.learning_session`; ``docs/ODD.md`` section 7.11
gives the rules with their sources. With ``collaborative_learning = 0`` no session is held and
nothing here changes the state: the model is the isolated-hospitals model, bit for bit.
"""

from __future__ import annotations

import numpy as np

from . import constants as C
from .constants import Constants
from .outcomes import SpreadTracker
from .state import with_room


def topic_aims(body_aims: np.ndarray) -> np.ndarray:
    """The aim of each topic: the national bodies' aims, then the centres of the local sectors."""
    width = 2.0 * np.pi / C.LOCAL_TOPICS
    sectors = -np.pi + (np.arange(C.LOCAL_TOPICS) + 0.5) * width   # structural: sector centres
    return np.concatenate([np.asarray(body_aims, dtype=np.float64), sectors])


def topic_of(kind: np.ndarray, body: np.ndarray, aim: np.ndarray, n_bodies: int) -> np.ndarray:
    """Topic of each task: its body for a national initiative, else the sector of its aim."""
    sector = np.floor((np.asarray(aim) + np.pi) / (2.0 * np.pi) * C.LOCAL_TOPICS).astype(np.int64)
    sector = np.clip(sector, 0, C.LOCAL_TOPICS - 1)
    return np.where(kind == C.NATIONAL, body, n_bodies + sector).astype(np.int64)


def regional_cover(n_hospitals: int, coordinators: int, span: int) -> np.ndarray:
    """Whether a regional coordinator covers each hospital. Coordinator ``r`` covers hospitals
    ``r, r + R, r + 2R, ...`` (R coordinators), at most ``span`` of them: hospitals beyond
    ``R * span`` have none."""
    covered = np.zeros(n_hospitals, np.bool_)
    covered[:min(n_hospitals, coordinators * span)] = True
    return covered


def cross_hospital_overhead(params, kc: Constants, n_hospitals: int | None = None) -> np.ndarray:
    """Per hospital: ``1 + COLLABORATIVE_OVERHEAD * collaborative_complexity * (1 -
    REGIONAL_OVERHEAD_CUT * covered)``, the cost of translating a peer's lesson to this hospital
    (``n_hospitals``: of the organisation, default ``params.n_hospitals``)."""
    n = params.n_hospitals if n_hospitals is None else n_hospitals
    covered = regional_cover(n, params.regional_coordinators, params.regional_span)
    cut = kc.REGIONAL_OVERHEAD_CUT * covered
    return 1.0 + kc.COLLABORATIVE_OVERHEAD * params.collaborative_complexity * (1.0 - cut)


class Collaborative:
    """The collaborative's state and calendar for one model (see the module docstring)."""

    def __init__(self, params, kc: Constants, body_aims: np.ndarray,
                 n_hospitals: int | None = None):
        self.n_hospitals = params.n_hospitals if n_hospitals is None else int(n_hospitals)
        self.n_bodies = int(np.asarray(body_aims).shape[0])
        aims = topic_aims(body_aims)
        self.topic_cos, self.topic_sin = np.cos(aims), np.sin(aims)
        self.n_topics = aims.shape[0]
        self.learning = float(params.collaborative_learning)
        self.interval = int(params.learning_session_interval)
        self.overhead = cross_hospital_overhead(params, kc, self.n_hospitals)
        self.lessons = np.zeros((self.n_hospitals, self.n_topics), np.int64)
        # completions by week, hospital and topic (grown as the weeks go)
        self._completions = np.zeros((max(int(params.ticks), 1), self.n_hospitals, self.n_topics),
                                     np.int32)
        self.weeks = 0
        self._spread = SpreadTracker(self.n_hospitals, self.n_topics)

    @property
    def active(self) -> bool:
        """Whether learning sessions are held (``collaborative_learning > 0``)."""
        return self.learning > 0.0

    def record_week(self, tasks, week: int) -> np.ndarray:
        """Count this week's completions by hospital and topic (lessons for the next session, and
        the completion log of the spread outcomes); returns this week's counts. (The numba
        backend's twin is :func:`sim.compiled_week._record_completions`.)"""
        done = np.flatnonzero((tasks.status == C.COMPLETED) & (tasks.ended == week))
        counts = np.zeros((self.n_hospitals, self.n_topics), np.int32)
        if done.size:
            topic = topic_of(tasks.kind[done], tasks.body[done], tasks.aim[done], self.n_bodies)
            np.add.at(counts, (tasks.hospital[done], topic), 1.0)
        self.completions_buffer(self.weeks + 1)[self.weeks] = counts
        self.weeks += 1
        self.lessons += counts
        return counts

    def completions_buffer(self, weeks: int) -> np.ndarray:
        """The completion log's buffer (weeks x hospitals x topics), grown (doubled) to hold at
        least ``weeks`` weeks."""
        self._completions = with_room(self._completions, self.weeks, weeks)
        return self._completions

    @property
    def spread(self) -> SpreadTracker:
        """The spread counts of every week logged so far (:class:`sim.outcomes.SpreadTracker`,
        brought up to date when read)."""
        for week in range(self._spread.weeks, self.weeks):
            self._spread.add(self._completions[week])
        return self._spread

    def session_due(self, week: int) -> bool:
        """A learning session closes every ``learning_session_interval``-th week."""
        return self.active and (week + 1) % self.interval == 0

    def completion_array(self) -> np.ndarray:
        """Completions so far: weeks x hospitals x topics (a view)."""
        return self._completions[:self.weeks]
