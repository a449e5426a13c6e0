"""Tiny hand-built organisations for mechanism tests."""

from __future__ import annotations

import numpy as np

from sim import LeadershipModel, Parameters
from sim import constants as C

QUIET = dict(n_hospitals=1, staff_per_hospital=30, unit_size=10, local_task_rate=0.0,
             n_national_bodies=0, turnover_rate=0.0, coordinators_per_hospital=0, ticks=52)


def quiet_model(backend: str = "numba", **changes) -> LeadershipModel:
    """One small hospital where nothing arrives and nobody leaves unless a test says so.

    ``changes`` may name behavioural constants too (e.g. ``BROKER_OVERHEAD_CUT=0.0``)."""
    return LeadershipModel(Parameters().replace(**{**QUIET, **changes}), backend=backend,
                           agents=False)


def add_task(model: LeadershipModel, *, hospital: int = 0, unit_lo: int = 0, width: int = 1,
             aim: float = 0.0, required: float = 2.0, value: float = 1.0, owner: int | None = None,
             leaders=(), consolidation: float = 0.0) -> int:
    """Place an active local task by hand in the first free slot of ``hospital``; return its id."""
    org = model.org
    t = org.tasks
    lo, hi = org.hospitals.task_start[hospital], org.hospitals.task_end[hospital]
    slot = lo + int(np.flatnonzero(t.status[lo:hi] != C.ACTIVE)[0])
    unit = org.hospitals.unit_start[hospital] + unit_lo
    t.status[slot] = C.ACTIVE
    t.kind[slot] = C.LOCAL
    t.body[slot] = -1
    t.unit_lo[slot] = unit_lo
    t.width[slot] = width
    t.owner[slot] = org.units.manager[unit] if owner is None else owner
    t.aim[slot] = aim
    t.required[slot] = required
    t.value[slot] = value
    t.progress[slot] = t.last_dp[slot] = t.negotiated[slot] = 0.0
    t.age[slot] = t.vacuum_run[slot] = t.conflict_run[slot] = 0
    t.consolidation[slot] = consolidation
    t.leaders[slot] = -1
    t.leaders[slot, :len(leaders)] = leaders
    t.broker[slot] = -1
    t.created[slot] = model.week
    t.ended[slot] = -1
    return slot


def staff_of_unit(model: LeadershipModel, unit: int) -> np.ndarray:
    u = model.org.units
    return np.arange(u.staff_start[unit], u.staff_end[unit])
