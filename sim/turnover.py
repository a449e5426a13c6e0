"""Mechanism 8, turnover: staff leave and are replaced by newcomers.

Each week a person leaves with probability ``1 - (1 - turnover_rate) ** (1/52)`` (so that
``turnover_rate`` of staff leave per year). The post is refilled at once by a newcomer with the same
formal position but new traits, no tenure (hence few working ties and little credibility: see
:func:`sim.state.embeddedness`) and a fresh motivation and aim.

A leader who leaves leaves the task without that leader, unless the role was consolidated: with
probability equal to the task's consolidation the successor in the post takes over the recognised
role (Carstensen et al. 2023: consolidation provides "robust" QI; McKee et al. 2013: "if that person is
on a mission then it usually happens, assuming they stick around long enough"). A coordinator who
leaves stops brokering their tasks, and a unit loses the share of its learned QI capability that its
leavers held (Argote 2013: organisational knowledge depreciates through turnover).
"""

from __future__ import annotations

import numpy as np

from . import constants as C
from .constants import WEEKS_PER_YEAR, Constants
from .organisation import draw_newcomer_traits
from .state import Organisation


def weekly_leaving_probability(turnover_rate: float) -> float:
    """Weekly hazard that gives ``turnover_rate`` leavers per year."""
    return 1.0 - (1.0 - turnover_rate) ** (1.0 / WEEKS_PER_YEAR)


def turnover(org: Organisation, params, kc: Constants, rng: np.random.Generator) -> np.ndarray:
    """Draw this week's leavers, replace them, and return their staff ids."""
    p = weekly_leaving_probability(params.turnover_rate)
    u_staff = rng.random(org.staff.n)
    u_role = rng.random(org.tasks.leaders.shape)
    leavers = np.flatnonzero(u_staff < p)
    replace_leavers(org, leavers, u_role, rng, kc)
    return leavers


def replace_leavers(org: Organisation, leavers: np.ndarray, u_role: np.ndarray,
                    rng: np.random.Generator, kc: Constants) -> None:
    """Refill the posts of ``leavers`` with newcomers and settle the roles they held.

    A leader slot held by a leaver stays with the post (the successor) when ``u_role`` for that slot
    is below the task's consolidation, and is emptied otherwise. Brokering stops.
    """
    staff, tasks = org.staff, org.tasks
    if leavers.size == 0:
        return
    left = np.zeros(staff.n, bool)
    left[leavers] = True
    active = (tasks.status == C.ACTIVE)[:, None]
    lead = tasks.leaders
    held = lead >= 0
    lost = active & held & left[np.where(held, lead, 0)] & (u_role >= tasks.consolidation[:, None])
    lead[lost] = -1
    brokered = (tasks.status == C.ACTIVE) & (tasks.broker >= 0)
    gone = brokered & left[np.where(tasks.broker >= 0, tasks.broker, 0)]
    tasks.broker[gone] = -1
    # organisational knowledge leaves with the people who leave (Argote 2013: depreciation of
    # organisational knowledge through turnover): a unit keeps the share of capability its stayers hold
    units = org.units
    size = (units.staff_end - units.staff_start).astype(np.float64)
    units.capability *= 1.0 - np.bincount(staff.unit[leavers], minlength=size.shape[0]) / size
    draw_newcomer_traits(rng, staff, leavers, org.units.aim, org.hospitals.aim, kc)


def recount_roles(org: Organisation) -> None:
    """Recompute how many active tasks each person leads and brokers (derived from the tasks)."""
    staff, tasks = org.staff, org.tasks
    active = tasks.status == C.ACTIVE
    lead = tasks.leaders[active].ravel()
    staff.lead_count[:] = np.bincount(lead[lead >= 0], minlength=staff.n)
    brk = tasks.broker[active]
    staff.broker_load[:] = np.bincount(brk[brk >= 0], minlength=staff.n)
