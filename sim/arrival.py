"""Mechanism 1, arrival: local QI tasks arise in units; national bodies issue initiatives.

Local tasks arise at ``local_task_rate`` per 100 staff per year, in a random unit, carrying that unit's
aim. Each national body issues initiatives to each hospital at ``initiative_rate`` per year; an
initiative carries its body's aim, is owned by the chief executive and, for ``REPORTING_WEEKS`` after
it is issued, takes ``reporting_load`` of every staff member's QI capacity, whatever becomes of the
local effort (McKee et al. 2013: "too many initiatives coming down ... and then you have to report in
different ways on the same thing"). With low ``national_coherence`` the bodies' aims differ, so
different initiatives push different aims on the same staff. An initiative's *steer*, how strongly
its body follows it up, is ``1 / (1 + NATIONAL_DIFFUSION * (bodies - 1))``: responsibility spread
across many bodies leaves each initiative with less of it (McKee et al.: "excessive pluralisation of
responsibility ... at national level ... running the risk of leaving 'nobody in charge'"); a local
task's steer is 1. A unit that has learned from errors (``capability``, see the kernel) needs
``CAPABILITY_GAIN * capability`` less effort for a new task, averaged over the units it crosses.

A task crosses ``1 + Binomial(TASK_MAX_EXTRA_UNITS, task_complexity)`` adjacent units (an initiative
``NATIONAL_EXTRA_UNITS`` more, and in a complex collaborative ``Binomial(COLLABORATIVE_EXTRA_UNITS,
collaborative_complexity)`` more again, drawn only when that complexity is above 0; at most the
hospital's units); its effort and value grow with the units
it crosses. Its positional owner is
the lowest manager whose formal reach covers every unit it crosses (see :func:`positional_owner`).
"""

from __future__ import annotations

import numpy as np

from . import constants as C
from .constants import WEEKS_PER_YEAR, Constants
from .organisation import wrap
from .state import Organisation

ARRIVAL_COLUMNS = ("arrived_local", "arrived_national", "crowded_out")


def arrive(org: Organisation, params, kc: Constants, rng: np.random.Generator, tick: int) -> np.ndarray:
    """Add this week's new tasks to free slots; return per-hospital counts (H x 3).

    Columns: local tasks arrived, national initiatives arrived, arrivals crowded out because the
    hospital's task pool was full.
    """
    hosp, tasks, units = org.hospitals, org.tasks, org.units
    H = hosp.staff_start.shape[0]
    size = (hosp.staff_end - hosp.staff_start).astype(np.float64)
    n_local = rng.poisson(params.local_task_rate * size / C.STAFF_PER_RATE_UNIT / WEEKS_PER_YEAR)
    B = org.body_aims.shape[0]
    n_nat = rng.poisson(params.initiative_rate / WEEKS_PER_YEAR, (H, B)) if B else np.zeros((H, 0), int)
    hosp.issued[:, tick % hosp.issued.shape[1]] = 0     # this week's reporting slot starts empty
    counts = np.zeros((H, len(ARRIVAL_COLUMNS)))
    counts[:, 0] = n_local
    counts[:, 1] = n_nat.sum(axis=1)
    total = int(n_local.sum() + n_nat.sum())
    if total == 0:
        return counts
    # one row per new task, hospitals in order, local tasks first, then bodies in order
    h_of = np.concatenate([np.repeat(np.arange(H), n_local), np.repeat(np.arange(H), n_nat.sum(axis=1))])
    kind = np.concatenate([np.full(n_local.sum(), C.LOCAL), np.full(n_nat.sum(), C.NATIONAL)])
    body = np.concatenate([np.full(n_local.sum(), -1),
                           np.repeat(np.tile(np.arange(B), H), n_nat.ravel())])
    order = np.argsort(h_of, kind="stable")
    h_of, kind, body = h_of[order], kind[order], body[order]
    U = hosp.n_units[h_of]
    unit_lo = rng.integers(0, U)
    width = (1 + rng.binomial(int(kc.TASK_MAX_EXTRA_UNITS), params.task_complexity, total)
             + int(kc.NATIONAL_EXTRA_UNITS) * (kind == C.NATIONAL))
    if params.collaborative_complexity > 0.0:   # a complex collaborative's shared aims span more
        width = width + rng.binomial(int(kc.COLLABORATIVE_EXTRA_UNITS),
                                     params.collaborative_complexity, total) * (kind == C.NATIONAL)
    width = np.minimum(width, U)
    local_aim = units.aim[hosp.unit_start[h_of] + unit_lo] + rng.normal(0.0, kc.LOCAL_AIM_SPREAD, total)
    aim = np.where(kind == C.NATIONAL, org.body_aims[np.maximum(body, 0)] if B else 0.0, local_aim)
    owner = positional_owner(org, h_of, unit_lo, width, kind)
    value = np.where(kind == C.NATIONAL, kc.NATIONAL_VALUE, kc.LOCAL_VALUE) * width
    difficulty = rng.lognormal(0.0, kc.EFFORT_SPREAD, total)
    learned = mean_capability(units.capability, hosp.unit_start[h_of], unit_lo, width, U)
    steer = np.where(kind == C.NATIONAL, hosp.national_focus[h_of], 1.0)

    slots = _free_slots(tasks.status, tasks.hospital, h_of)
    ok = slots >= 0
    np.add.at(counts[:, 2], h_of[~ok], 1)
    issued = np.bincount(h_of[ok & (kind == C.NATIONAL)], minlength=H)
    hosp.issued[:, tick % hosp.issued.shape[1]] = issued
    s = slots[ok]
    tasks.status[s] = C.ACTIVE
    tasks.kind[s] = kind[ok]
    tasks.body[s] = body[ok]
    tasks.unit_lo[s] = unit_lo[ok]
    tasks.width[s] = width[ok]
    tasks.owner[s] = owner[ok]
    tasks.steer[s] = steer[ok]
    tasks.aim[s] = wrap(aim[ok])
    tasks.required[s] = (kc.EFFORT_PER_UNIT * width[ok] * difficulty[ok]
                         * (1.0 - kc.CAPABILITY_GAIN * learned[ok]))
    tasks.value[s] = value[ok]
    for arr in (tasks.progress, tasks.last_dp, tasks.consolidation, tasks.negotiated, tasks.alignment,
                tasks.effort):
        arr[s] = 0.0
    for arr in (tasks.age, tasks.vacuum_run, tasks.conflict_run):
        arr[s] = 0
    tasks.conflict[s] = False
    tasks.leaders[s] = -1
    tasks.broker[s] = -1
    tasks.partner[s] = -1
    tasks.created[s] = tick
    tasks.ended[s] = -1
    return counts


def mean_capability(capability, unit_start, unit_lo, width, n_units) -> np.ndarray:
    """Mean learned capability of the units each new task crosses (adjacent, wrapping)."""
    total = np.zeros(width.shape[0])
    for step in range(int(width.max(initial=0))):
        crosses = step < width
        unit = unit_start + (unit_lo + step) % n_units
        total += np.where(crosses, capability[unit], 0.0)
    return total / np.maximum(width, 1)


def positional_owner(org: Organisation, h_of, unit_lo, width, kind) -> np.ndarray:
    """The lowest post whose formal reach covers every unit a task crosses.

    A one-unit task belongs to its unit manager, a task within one division to the division's
    middle manager, anything wider (and every national initiative) to the chief executive: a
    hierarchy routes complex work upwards, where positional capacity is scarce.
    """
    hosp, units = org.hospitals, org.units
    first = hosp.unit_start[h_of] + unit_lo
    last = hosp.unit_start[h_of] + (unit_lo + width - 1) % hosp.n_units[h_of]
    division = units.division_manager[first]
    same_division = (division >= 0) & (division == units.division_manager[last])
    owner = np.where(same_division, division, hosp.executive[h_of])
    owner = np.where(width == 1, units.manager[first], owner)
    return np.where(kind == C.NATIONAL, hosp.executive[h_of], owner)


def _free_slots(status, task_hospital, h_of) -> np.ndarray:
    """For each new task (hospitals ascending), its hospital's next lowest free slot, or -1."""
    free = np.flatnonzero(status != C.ACTIVE)
    if free.size == 0:
        return np.full(h_of.shape[0], -1, np.int64)
    free_h = task_hospital[free]                       # ascending: slots are grouped by hospital
    first_free = np.searchsorted(free_h, h_of)         # each new task's hospital's first free slot
    n_free = np.searchsorted(free_h, h_of, side="right") - first_free
    first_new = np.searchsorted(h_of, h_of)            # rank of each new task within its hospital
    rank = np.arange(h_of.shape[0]) - first_new
    return np.where(rank < n_free, free[np.minimum(first_free + rank, free.shape[0] - 1)], -1)
