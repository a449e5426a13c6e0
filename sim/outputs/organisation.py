"""A snapshot of one hospital's organisation at the end of a run, for the organisation figure.

The snapshot holds plain numpy arrays (picklable, small): staff of the hospital with their
who-leads category and leadership weeks, the informal ties among them, and the hospital's task
slots with status, units crossed and leaders. Indices are local to the hospital (staff 0 is the
hospital's first post, unit 0 its first unit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import constants as C
from ..kernel_data import lead_category
from ..model import LeadershipModel
from ..parameters import Parameters
from ..run import run_to_end
from ..state import Organisation


@dataclass
class OrgSnapshot:
    """One hospital's staff, ties and tasks at the end of a run (local indices)."""

    hospital: int
    week: int
    category: np.ndarray       # int8 who-leads category (C.LEAD_CATEGORY_NAMES) per staff
    level: np.ndarray          # int8 hierarchical level (C.LEVEL_NAMES) per staff
    unit: np.ndarray           # int32 unit of each staff member (hospital-relative)
    leader_weeks: np.ndarray   # float64 weeks each post has been a legitimate leader
    ties: np.ndarray           # int32 [k, 2] informal ties (i < j)
    n_units: int
    task_status: np.ndarray    # int8 C.STATUS_NAMES codes, free slots dropped
    task_kind: np.ndarray      # int8 C.TASK_KIND_NAMES codes
    task_unit_lo: np.ndarray   # int32 first unit crossed (hospital-relative)
    task_width: np.ndarray     # int32 units crossed (wrapping within the hospital)
    task_leaders: np.ndarray   # int32 [tasks, MAX_LEADERS] local staff index, -1 empty

    @property
    def n_staff(self) -> int:
        return int(self.category.shape[0])


def snapshot(org: Organisation, hospital: int, week: int) -> OrgSnapshot:
    """Extract hospital ``hospital`` of ``org`` as an :class:`OrgSnapshot`."""
    hs, st, tk, net = org.hospitals, org.staff, org.tasks, org.network
    s0, s1 = int(hs.staff_start[hospital]), int(hs.staff_end[hospital])
    t0, t1 = int(hs.task_start[hospital]), int(hs.task_end[hospital])
    u0 = int(hs.unit_start[hospital])
    ties = []
    for i in range(s0, s1):
        nb = net.idx[net.ptr[i]:net.ptr[i + 1]]
        nb = nb[(nb > i) & (nb < s1)]
        ties.extend((i - s0, int(j) - s0) for j in nb)
    used = np.flatnonzero(tk.status[t0:t1] != C.FREE) + t0
    leaders = tk.leaders[used].astype(np.int32)
    inside = (leaders >= s0) & (leaders < s1)
    leaders = np.where(inside, leaders - s0, -1).astype(np.int32)
    return OrgSnapshot(
        hospital=hospital, week=week,
        category=lead_category(st.role[s0:s1], st.hybrid[s0:s1]),
        level=st.level[s0:s1].astype(np.int8),
        unit=(st.unit[s0:s1] - u0).astype(np.int32),
        leader_weeks=st.leader_weeks[s0:s1].astype(np.float64),
        ties=np.asarray(ties, dtype=np.int32).reshape(-1, 2),
        n_units=int(hs.n_units[hospital]),
        task_status=tk.status[used].astype(np.int8),
        task_kind=tk.kind[used].astype(np.int8),
        task_unit_lo=tk.unit_lo[used].astype(np.int32),
        task_width=tk.width[used].astype(np.int32),
        task_leaders=leaders,
    )


def final_organisation(params: Parameters, hospital: int = 0, progress=None) -> OrgSnapshot:
    """Run ``params`` to the end with a :class:`LeadershipModel` (no agent views) and snapshot
    ``hospital``. Same seed, same dynamics as :func:`sim.run.run_simulation`."""
    model = LeadershipModel(params, agents=False, collect=False)
    run_to_end(model, progress)
    return snapshot(model.org, hospital, model.week)
