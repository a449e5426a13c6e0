"""The weekly per-person updates in numba: this week's kernel inputs, and commitment and aim drift.

Fast twins of :func:`sim.kernel_data.person_inputs` (standing, effective credibility, QI budget and
the direction of each person's aim, before the interaction kernel) and of
:func:`sim.commitment.end_of_week` (motivation and the drift of aims, after it). The rules are
documented once, in those plain-Python functions; these loops follow them statement by statement,
with the same order of floating-point operations and the same ``math`` functions, and
``tests/test_kernel_equivalence.py`` holds the two to identical results. Behavioural constants are
passed at run time (:func:`person_constants`), never compiled in.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numba

from . import commitment
from . import constants as C

jit = numba.njit(cache=True, nogil=True)

KPerson = namedtuple("KPerson", [
    "GRANT_EXPERTISE", "GRANT_CREDIBILITY", "GRANT_RELATIONS", "PROGRESS_SIGNAL", "MOTIVATION_RATE",
    "AIM_DRIFT", "AIM_ANCHOR", "BASE", "W_SUPPORT", "W_PROGRESS", "W_SUPPORTIVE", "W_CONFLICT",
    "W_OVERLOAD", "EXCESS_DEMAND",
])
_FROM_COMMITMENT = ("BASE", "W_SUPPORT", "W_PROGRESS", "W_SUPPORTIVE", "W_CONFLICT", "W_OVERLOAD",
                    "EXCESS_DEMAND")


def person_constants() -> KPerson:
    """The current values of the constants these loops use (from :mod:`sim.constants` and
    :mod:`sim.commitment`)."""
    return KPerson(*(float(getattr(commitment if name in _FROM_COMMITMENT else C, name))
                     for name in KPerson._fields))


@jit
def _person_inputs(tenure, credibility, expertise, relations, capacity, motivation, broker_load, aim,
                   hospital, load, span, table, kp, emb, cred, standing, budget, cos_aim, sin_aim):
    last = table.shape[0] - 1
    for i in range(tenure.shape[0]):
        e = table[min(tenure[i], last)]
        c = credibility[i] * (0.4 + 0.6 * e)
        emb[i] = e
        cred[i] = c
        standing[i] = (kp.GRANT_EXPERTISE * expertise[i] + kp.GRANT_CREDIBILITY * c
                       + kp.GRANT_RELATIONS * relations[i] * e)
        brokering = broker_load[i] / span
        budget[i] = capacity[i] * (1.0 - load[hospital[i]]) * motivation[i] * (1.0 - brokering)
        cos_aim[i] = math.cos(aim[i])
        sin_aim[i] = math.sin(aim[i])


def person_inputs(staff, load, span, table, out) -> None:
    """numba twin of :func:`sim.kernel_data.person_inputs` (same arguments)."""
    _person_inputs(staff.tenure, staff.credibility, staff.expertise, staff.relations, staff.capacity,
                   staff.motivation, staff.broker_load, staff.aim, staff.hospital, load, span, table,
                   person_constants(), *out)


@jit
def _end_of_week(motivation, aim, hospital, support, load, seen_progress, seen_conflict, supportive,
                 share, demand, pull_cos, pull_sin, anchor_cos, anchor_sin, cos_aim, sin_aim, kp):
    two_pi = 2.0 * math.pi
    for i in range(motivation.shape[0]):
        h = hospital[i]
        # motivation target (sim.commitment.motivation_target)
        if share[i] > 0.0:
            conflict_share = seen_conflict[i] / share[i]
            supportive_mean = supportive[i] / share[i]
        else:
            conflict_share = 0.0
            supportive_mean = 0.0
        progress = min(1.0, seen_progress[i] * kp.PROGRESS_SIGNAL)
        overload = load[h] + kp.EXCESS_DEMAND * max(0.0, demand[i] - 1.0)
        target = (kp.BASE + kp.W_SUPPORT * support[h] + kp.W_PROGRESS * progress
                  + kp.W_SUPPORTIVE * supportive_mean - kp.W_CONFLICT * conflict_share
                  - kp.W_OVERLOAD * overload)
        m = motivation[i] + kp.MOTIVATION_RATE * (target - motivation[i])
        motivation[i] = min(1.0, max(0.0, m))
        # drift of aims (sim.commitment.drifted_aim)
        c = cos_aim[i]
        s = sin_aim[i]
        norm = math.sqrt(pull_cos[i] * pull_cos[i] + pull_sin[i] * pull_sin[i])
        towards = (pull_sin[i] * c - pull_cos[i] * s) / (norm if norm > 0.0 else 1.0)
        back = anchor_sin[i] * c - anchor_cos[i] * s
        a = aim[i] + kp.AIM_DRIFT * towards + kp.AIM_ANCHOR * back
        while a >= math.pi:
            a -= two_pi
        while a < -math.pi:
            a += two_pi
        aim[i] = a


def end_of_week(staff, hospitals, out, anchor_cos, anchor_sin, cos_aim, sin_aim) -> None:
    """numba twin of :func:`sim.commitment.end_of_week` (same arguments)."""
    _end_of_week(staff.motivation, staff.aim, staff.hospital, hospitals.management_support,
                 hospitals.reporting_load, out.seen_progress, out.seen_conflict, out.supportive,
                 out.share, out.demand, out.pull_cos, out.pull_sin, anchor_cos, anchor_sin, cos_aim,
                 sin_aim,
                 person_constants())
