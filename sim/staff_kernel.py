"""The weekly per-person updates in numba: this week's kernel inputs, and commitment and aim drift.

Fast twins of :func:`sim.kernel_data.person_inputs` (standing, effective credibility, QI budget and
the direction of each person's aim, before the interaction kernel) and of
:func:`sim.commitment.end_of_week` (motivation and the drift of aims, after it). The rules are
documented once, in those plain-Python functions; these loops follow them statement by statement,
with the same order of floating-point operations and the same ``math`` functions, and
``tests/test_kernel_equivalence.py`` holds the two to identical results. Behavioural constants are
passed at run time (the run's :class:`sim.constants.Constants`), never compiled in.
"""

from __future__ import annotations

import math

import numba

# allocate nothing: compiled without reference counting (see sim.kernel.jit_no_nrt)
jit = numba.njit(cache=True, nogil=True, error_model="numpy", _nrt=False)


@jit
def _person_inputs(lo, hi, tenure, credibility, expertise, relations, capacity, motivation,
                   broker_load, aim, hospital, load, span, table, kc, emb, cred, standing, budget,
                   cos_aim, sin_aim):
    """Staff ``lo`` to ``hi - 1``."""
    last = table.shape[0] - 1
    grant_credibility = 1.0 - kc.GRANT_EXPERTISE - kc.GRANT_RELATIONS
    for i in range(lo, hi):
        e = table[min(tenure[i], last)]
        c = credibility[i] * (kc.NEWCOMER_CREDIBILITY + (1.0 - kc.NEWCOMER_CREDIBILITY) * e)
        emb[i] = e
        cred[i] = c
        standing[i] = (kc.GRANT_EXPERTISE * expertise[i] + grant_credibility * c
                       + kc.GRANT_RELATIONS * relations[i] * e)
        brokering = broker_load[i] / span
        budget[i] = capacity[i] * (1.0 - load[hospital[i]]) * motivation[i] * (1.0 - brokering)
        cos_aim[i] = math.cos(aim[i])
        sin_aim[i] = math.sin(aim[i])


def person_inputs(staff, load, span, table, kc, out) -> None:
    """numba twin of :func:`sim.kernel_data.person_inputs` (same arguments)."""
    _person_inputs(0, staff.tenure.shape[0], staff.tenure, staff.credibility, staff.expertise,
                   staff.relations, staff.capacity, staff.motivation, staff.broker_load, staff.aim,
                   staff.hospital, load, span, table, kc, *out)


@jit
def _end_of_week(lo, hi, motivation, aim, hospital, support, focus, load, seen_progress,
                 seen_conflict, supportive, seen_related, share, demand, pull_cos, pull_sin,
                 anchor_cos, anchor_sin, cos_aim, sin_aim, kc):
    """Staff ``lo`` to ``hi - 1``."""
    two_pi = 2.0 * math.pi
    for i in range(lo, hi):
        h = hospital[i]
        # motivation target (sim.commitment.motivation_target)
        if share[i] > 0.0:
            conflict_share = seen_conflict[i] / share[i]
            supportive_mean = supportive[i] / share[i]
            related_share = seen_related[i] / share[i]
        else:
            conflict_share = 0.0
            supportive_mean = 0.0
            related_share = 0.0
        progress = min(1.0, seen_progress[i] * kc.PROGRESS_SIGNAL)
        overload = load[h] + kc.EXCESS_DEMAND * max(0.0, demand[i] - 1.0)
        target = (kc.MOTIVATION_BASE + kc.MOTIVATION_SUPPORT * support[h]
                  + kc.MOTIVATION_PROGRESS * progress + kc.MOTIVATION_SUPPORTIVE * supportive_mean
                  + kc.MOTIVATION_RELATED * related_share
                  - kc.MOTIVATION_CONFLICT * conflict_share - kc.MOTIVATION_FOCUS * (1.0 - focus[h])
                  - kc.MOTIVATION_OVERLOAD * overload)
        m = motivation[i] + kc.MOTIVATION_RATE * (target - motivation[i])
        motivation[i] = min(1.0, max(0.0, m))
        # drift of aims (sim.commitment.drifted_aim)
        c = cos_aim[i]
        s = sin_aim[i]
        norm = math.sqrt(pull_cos[i] * pull_cos[i] + pull_sin[i] * pull_sin[i])
        towards = (pull_sin[i] * c - pull_cos[i] * s) / (norm if norm > 0.0 else 1.0)
        back = anchor_sin[i] * c - anchor_cos[i] * s
        a = aim[i] + kc.AIM_DRIFT * towards + kc.AIM_ANCHOR * back
        while a >= math.pi:
            a -= two_pi
        while a < -math.pi:
            a += two_pi
        aim[i] = a


def end_of_week(staff, hospitals, out, kc, anchor_cos, anchor_sin, cos_aim, sin_aim) -> None:
    """numba twin of :func:`sim.commitment.end_of_week` (same arguments)."""
    _end_of_week(0, staff.motivation.shape[0], staff.motivation, staff.aim, staff.hospital,
                 hospitals.management_support, hospitals.national_focus, hospitals.reporting_load,
                 out.seen_progress, out.seen_conflict, out.supportive, out.seen_related, out.share,
                 out.demand, out.pull_cos, out.pull_sin, anchor_cos, anchor_sin, cos_aim, sin_aim, kc)
