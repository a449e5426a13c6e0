"""The whole week in numba, for many weeks per call: the numba backend's schedule.

:meth:`sim.model.LeadershipModel.step` with the plain-Python reference backend runs the week as
written in :mod:`sim.model` (arrival, turnover, the kernel's inputs, the kernel, the collaborative,
commitment, decay and the week's records, each a readable function of its own module). This module
runs the same schedule with the same rules inside one compiled call for as many weeks as asked, so
that Python touches the model only between calls (to record, to refresh agent views, or to hand
control to the app). Each step below follows its plain-Python twin statement by statement: the same
random numbers from the same ``numpy.random.Generator`` in the same order (numba's ``Generator``
methods give NumPy's draws bit for bit), the same floating-point operations in the same order, so
``tests/test_kernel_equivalence.py`` holds the two backends to identical states and records.

=======================================  =====================================
step of the week                         plain-Python twin
=======================================  =====================================
:func:`_arrive`                          :func:`sim.arrival.arrive`
:func:`_leavers`, :func:`_newcomers`     :func:`sim.turnover.turnover` (and
                                         :func:`sim.organisation.draw_newcomer_traits`)
:func:`_draw_uniforms`                   the kernel's uniforms in ``step``
:func:`_hospitals_week`, hospital by     :func:`sim.turnover.recount_roles`,
hospital: roles, kernel inputs, the      :func:`sim.kernel_data.prepare`,
kernel (``kernel._hospital_week``),      :func:`sim.reference.interaction_step`,
commitment, decay, tenure, records       :func:`sim.commitment.end_of_week`, the
                                         end of the step
:func:`_record_completions`              :meth:`sim.collaborative.Collaborative.record_week`
``kernel._learning_session``             :func:`sim.reference.learning_session`
=======================================  =====================================

The Python week does each step for every hospital before the next step; the compiled week does
the per-hospital steps one hospital at a time (see :func:`_hospitals_week` for why the numbers are
the same), so that a hospital's arrays stay in the processor's cache between its steps.
"""

from __future__ import annotations

import hashlib
import math
from collections import namedtuple
from dataclasses import fields
from pathlib import Path

import numba
import numpy as np

from . import constants as C
from .arrival import ARRIVAL_COLUMNS
from .kernel import _hospital_week, _learning_session, kernel_scratch
from .kernel_data import RECORD_COLUMNS
from .outcomes import COL
from .staff_kernel import _end_of_week, _person_inputs
from .state import HospitalArrays, StaffArrays, TaskArrays, UnitArrays

jit = numba.njit(cache=True, nogil=True, error_model="numpy")
# Steps that allocate nothing are compiled without reference counting (see sim.kernel.jit_no_nrt).
jit_no_nrt = numba.njit(cache=True, nogil=True, error_model="numpy", _nrt=False)


_ACTIVE, _COMPLETED, _NATIONAL, _LOCAL = C.ACTIVE, C.COMPLETED, C.NATIONAL, C.LOCAL
_MANAGER, _CLINICIAN, _COORDINATOR = C.MANAGER, C.CLINICIAN, C.COORDINATOR
_L = C.MAX_LEADERS
_LOCAL_TOPICS = C.LOCAL_TOPICS
_N_REC = len(RECORD_COLUMNS)
_N_ARR = len(ARRIVAL_COLUMNS)
_C_MOTIVATION, _C_REPORTING = COL["mean_motivation"], COL["reporting_load"]
_C_SUSTAINED, _C_PEER = COL["sustained_gain"], COL["peer_learning"]
_TWO_PI = 2.0 * np.pi
_PI = np.pi
# rows of the newcomers' trait draws, in the order sim.organisation._draw_role_traits draws them
(_EXP_MANAGER, _EXP_COORDINATOR, _EXP_CLINICIAN, _CRED_MANAGER, _CRED_COORDINATOR, _CRED_HYBRID,
 _CRED_CLINICIAN) = range(7)   # structural

# The organisation's state as numba sees it: one named tuple per dataclass of sim.state, same fields.
WStaff = namedtuple("WStaff", [f.name for f in fields(StaffArrays)])
WUnits = namedtuple("WUnits", [f.name for f in fields(UnitArrays)])
WHospitals = namedtuple("WHospitals", [f.name for f in fields(HospitalArrays)])
WTasks = namedtuple("WTasks", [f.name for f in fields(TaskArrays)])
#: The run's knobs the week reads outside the kernel (scalars, from :class:`sim.parameters.Parameters`).
WKnobs = namedtuple("WKnobs", [
    "local_task_rate", "initiative_rate", "task_complexity", "collaborative_complexity",
    "leaving_probability", "reporting_load", "gain_decay_rate",
])
#: The collaborative's state (:class:`sim.collaborative.Collaborative`).
WCollaborative = namedtuple("WCollaborative", [
    "lessons", "completions", "topic_cos", "topic_sin", "n_bodies", "learning", "interval",
    "overhead", "peer_learning",
])


def as_tuple(kind, arrays):
    """The named tuple ``kind`` over the arrays of a :mod:`sim.state` dataclass (no copies)."""
    return kind(**{name: getattr(arrays, name) for name in kind._fields})


@jit
def _wrap(a):
    return (a + _PI) % _TWO_PI - _PI


@jit
def _arrive(tick, st, un, ho, ta, body_aims, kn, kc, rng, counts):
    """See sim.arrival.arrive. Writes this week's arrival counts into ``counts`` (H x 3)."""
    H = ho.staff_start.shape[0]
    B = body_aims.shape[0]
    R = ho.issued.shape[1]
    n_local = np.empty(H, np.int64)
    for h in range(H):
        size = np.float64(ho.staff_end[h] - ho.staff_start[h])
        n_local[h] = rng.poisson(kn.local_task_rate * size / C.STAFF_PER_RATE_UNIT / C.WEEKS_PER_YEAR)
    n_nat = np.zeros((H, B), np.int64)
    for h in range(H):
        for b in range(B):
            n_nat[h, b] = rng.poisson(kn.initiative_rate / C.WEEKS_PER_YEAR)
    slot = tick % R
    total = 0
    for h in range(H):
        ho.issued[h, slot] = 0
        counts[h, 0] = n_local[h]
        nat = 0
        for b in range(B):
            nat += n_nat[h, b]
        counts[h, 1] = nat
        counts[h, 2] = 0.0
        total += n_local[h] + nat
    if total == 0:
        return
    # one row per new task: hospitals in order, its local tasks first, then its bodies in order
    h_of = np.empty(total, np.int64)
    kind = np.empty(total, np.int8)
    body = np.empty(total, np.int64)
    r = 0
    for h in range(H):
        for _ in range(n_local[h]):
            h_of[r] = h
            kind[r] = _LOCAL
            body[r] = -1
            r += 1
        for b in range(B):
            for _ in range(n_nat[h, b]):
                h_of[r] = h
                kind[r] = _NATIONAL
                body[r] = b
                r += 1
    unit_lo = np.empty(total, np.int64)
    for r in range(total):
        unit_lo[r] = rng.integers(0, np.int64(ho.n_units[h_of[r]]))
    width = np.empty(total, np.int64)
    for r in range(total):
        width[r] = 1 + rng.binomial(np.int64(kc.TASK_MAX_EXTRA_UNITS), kn.task_complexity)
        if kind[r] == _NATIONAL:
            width[r] += np.int64(kc.NATIONAL_EXTRA_UNITS)
    if kn.collaborative_complexity > 0.0:
        for r in range(total):
            extra = rng.binomial(np.int64(kc.COLLABORATIVE_EXTRA_UNITS), kn.collaborative_complexity)
            if kind[r] == _NATIONAL:
                width[r] += extra
    for r in range(total):
        width[r] = min(width[r], np.int64(ho.n_units[h_of[r]]))
    local_aim = np.empty(total)
    for r in range(total):
        local_aim[r] = (un.aim[ho.unit_start[h_of[r]] + unit_lo[r]]
                        + rng.normal(0.0, kc.LOCAL_AIM_SPREAD))
    difficulty = np.empty(total)
    for r in range(total):
        difficulty[r] = rng.lognormal(0.0, kc.EFFORT_SPREAD)
    # free slots, per hospital in ascending order, as they were before this week's arrivals
    cursor = ho.task_start.astype(np.int64)
    for r in range(total):
        h = h_of[r]
        s = cursor[h]
        while s < ho.task_end[h] and ta.status[s] == _ACTIVE:
            s += 1
        if s >= ho.task_end[h]:
            cursor[h] = s
            counts[h, 2] += 1.0                     # crowded out: the hospital's pool is full
            continue
        cursor[h] = s + 1
        U = np.int64(ho.n_units[h])
        first = ho.unit_start[h] + unit_lo[r]
        if kind[r] == _NATIONAL:
            ho.issued[h, slot] += 1
            aim = body_aims[body[r]]
            owner = ho.executive[h]
            value = kc.NATIONAL_VALUE * width[r]
            steer = ho.national_focus[h]
        else:
            aim = local_aim[r]
            last = ho.unit_start[h] + (unit_lo[r] + width[r] - 1) % U
            division = un.division_manager[first]
            if width[r] == 1:
                owner = un.manager[first]
            elif division >= 0 and division == un.division_manager[last]:
                owner = division
            else:
                owner = ho.executive[h]
            value = kc.LOCAL_VALUE * width[r]
            steer = 1.0
        learned = 0.0                              # sim.arrival.mean_capability
        for step in range(width[r]):
            learned += un.capability[ho.unit_start[h] + (unit_lo[r] + step) % U]
        learned = learned / max(width[r], 1)
        ta.status[s] = _ACTIVE
        ta.kind[s] = kind[r]
        ta.body[s] = body[r]
        ta.unit_lo[s] = unit_lo[r]
        ta.width[s] = width[r]
        ta.owner[s] = owner
        ta.steer[s] = steer
        ta.aim[s] = _wrap(aim)
        ta.required[s] = (kc.EFFORT_PER_UNIT * width[r] * difficulty[r]
                          * (1.0 - kc.CAPABILITY_GAIN * learned))
        ta.value[s] = value
        ta.progress[s] = 0.0
        ta.last_dp[s] = 0.0
        ta.consolidation[s] = 0.0
        ta.negotiated[s] = 0.0
        ta.alignment[s] = 0.0
        ta.effort[s] = 0.0
        ta.age[s] = 0
        ta.vacuum_run[s] = 0
        ta.conflict_run[s] = 0
        ta.conflict[s] = False
        for k in range(_L):
            ta.leaders[s, k] = -1
        ta.broker[s] = -1
        ta.partner[s] = -1
        ta.created[s] = tick
        ta.ended[s] = -1


@jit
def _beta(rng, mean, concentration):
    return rng.beta(mean * concentration, (1.0 - mean) * concentration)


@jit_no_nrt
def _leavers(st, un, ta, kn, rng, refilled, left, leaver_ids, leaving):
    """See sim.turnover.turnover and replace_leavers, up to the newcomers: this week's leavers
    (``left``; their ids, ascending, in ``leaver_ids``; how many per unit in ``leaving``), the roles
    they held and the capability they take with them; returns how many left. The draws are those of
    the Python week, in its order: one per person, then one per leader slot of every task slot."""
    n = st.hospital.shape[0]
    m = 0
    for i in range(n):
        left[i] = rng.random() < kn.leaving_probability
        if left[i]:
            refilled[i] = True
            leaver_ids[m] = i
            m += 1
    for t in range(ta.status.shape[0]):
        active = ta.status[t] == _ACTIVE
        for k in range(_L):
            u_role = rng.random()
            l = ta.leaders[t, k]
            if active and l >= 0 and left[l] and u_role >= ta.consolidation[t]:
                ta.leaders[t, k] = -1
        if active and ta.broker[t] >= 0 and left[ta.broker[t]]:
            ta.broker[t] = -1
    if m == 0:
        return 0
    U = un.staff_start.shape[0]
    for u in range(U):
        leaving[u] = 0.0
    for j in range(m):
        leaving[st.unit[leaver_ids[j]]] += 1.0
    for u in range(U):
        un.capability[u] *= 1.0 - leaving[u] / np.float64(un.staff_end[u] - un.staff_start[u])
    return m


@jit
def _newcomers(st, un, ho, kc, rng, leaver_ids, m):
    """See sim.organisation.draw_newcomer_traits: the posts ``leaver_ids[:m]`` refilled."""
    idx = leaver_ids
    # traits: as sim.organisation._draw_role_traits, every draw of every role's
    # distribution for every newcomer, in the same order, then the one that applies
    conc = kc.TRAIT_CONCENTRATION
    means = (kc.EXPERTISE_MANAGER, kc.EXPERTISE_COORDINATOR, kc.EXPERTISE_CLINICIAN,
             kc.CREDIBILITY_MANAGER, kc.CREDIBILITY_COORDINATOR, kc.CREDIBILITY_HYBRID,
             kc.CREDIBILITY_CLINICIAN)
    draws = np.empty((len(means), m))
    for g in range(len(means)):
        for j in range(m):
            draws[g, j] = _beta(rng, means[g], conc)
    for j in range(m):
        i = idx[j]
        if st.role[i] == _MANAGER:
            st.expertise[i] = draws[_EXP_MANAGER, j]
            st.credibility[i] = draws[_CRED_MANAGER, j]
        elif st.role[i] == _COORDINATOR:
            st.expertise[i] = draws[_EXP_COORDINATOR, j]
            st.credibility[i] = draws[_CRED_COORDINATOR, j]
        else:
            st.expertise[i] = draws[_EXP_CLINICIAN, j]
            st.credibility[i] = draws[_CRED_HYBRID, j] if st.hybrid[i] else draws[_CRED_CLINICIAN, j]
    # socialisation: the motivation that prevails in the newcomer's unit (staff before refilling;
    # a unit's staff are consecutive, so the sum runs in the order of the Python week's bincount)
    prevailing = np.empty(m)
    for j in range(m):
        u = st.unit[idx[j]]
        total = 0.0
        for i in range(un.staff_start[u], un.staff_end[u]):
            total += st.motivation[i]
        p = total / max(un.staff_end[u] - un.staff_start[u], 1)
        prevailing[j] = min(max(p, kc.SOCIALISATION_FLOOR), 1.0 - kc.SOCIALISATION_FLOOR)
    for j in range(m):
        st.motivation[idx[j]] = _beta(rng, prevailing[j], conc)
    for j in range(m):
        i = idx[j]
        if st.role[i] == _CLINICIAN:
            anchor = un.aim[st.unit[i]]
        else:
            anchor = ho.aim[st.hospital[i]]
        st.aim[i] = _wrap(anchor + rng.normal(0.0, kc.PERSON_AIM_SPREAD))
        st.tenure[i] = 0
        st.generation[i] += 1


@jit_no_nrt
def _draw_uniforms(rng, uniforms):
    """This week's per-task uniforms (``rng.random((tasks, N_TASK_UNIFORMS))`` of the Python week),
    drawn for every task slot before any hospital's week."""
    for t in range(uniforms.shape[0]):
        for k in range(uniforms.shape[1]):
            uniforms[t, k] = rng.random()


@jit_no_nrt
def _hospitals_week(week, st, un, ho, ta, kn, kst, kun, kho, knet, kta, cfg, kc, kout, span, table,
                    uniforms, anchor_cos, anchor_sin, staff_per_hospital, arrivals, row, unit_claim,
                    unit_could, reach_influence, reach_credibility):
    """Each hospital's week, one hospital after the other: the roles its staff hold
    (sim.turnover.recount_roles), its reporting load and kernel inputs (sim.kernel_data.prepare),
    the kernel (sim.kernel._hospital_week), commitment and aim drift (sim.commitment.end_of_week),
    decay of gains, tenure and its row of records (all but the collaborative's column).

    A hospital's steps read and write only its own staff, units and task slots, so doing them
    hospital by hospital gives the same numbers as doing each step for every hospital in turn (as
    the Python week does), while each hospital's arrays stay in the processor's cache. (The learning
    session, which spans hospitals, reads nothing these steps change afterwards: expertise, tasks'
    progress and the kernel's direction of each task.)"""
    for h in range(ho.staff_start.shape[0]):
        lo = ho.staff_start[h]
        hi = ho.staff_end[h]
        t0 = ho.task_start[h]
        t1 = ho.task_end[h]
        for i in range(lo, hi):
            st.lead_count[i] = 0
            st.broker_load[i] = 0
        for t in range(t0, t1):
            if ta.status[t] != _ACTIVE:
                continue
            for k in range(_L):
                if ta.leaders[t, k] >= 0:
                    st.lead_count[ta.leaders[t, k]] += 1
            if ta.broker[t] >= 0:
                st.broker_load[ta.broker[t]] += 1
        n = 0
        for w in range(ho.issued.shape[1]):
            n += ho.issued[h, w]
        ho.reporting_load[h] = min(kc.MAX_REPORTING_LOAD, kn.reporting_load * n)
        _person_inputs(lo, hi, st.tenure, st.credibility, st.expertise, st.relations, st.capacity,
                       st.motivation, st.broker_load, st.aim, st.hospital, ho.reporting_load, span,
                       table, kc, kst.embeddedness, kst.credibility, kst.standing, kst.budget,
                       kst.cos_aim, kst.sin_aim)
        for t in range(t0, t1):
            kta.cos_aim[t] = math.cos(ta.aim[t])
            kta.sin_aim[t] = math.sin(ta.aim[t])
            kta.dir_cos[t] = 0.0
            kta.dir_sin[t] = 0.0
            kta.changed[t] = False
        for i in range(lo, hi):
            kout.demand[i] = 0.0
            kout.share[i] = 0.0
            kout.seen_progress[i] = 0.0
            kout.seen_conflict[i] = 0.0
            kout.supportive[i] = 0.0
            kout.seen_related[i] = 0.0
            kout.pull_cos[i] = 0.0
            kout.pull_sin[i] = 0.0
            kout.effort_given[i] = 0.0
        for c in range(kout.record.shape[1]):
            kout.record[h, c] = 0.0
        _hospital_week(h, week, kst, kun, kho, knet, kta, cfg, kc, uniforms, kout, unit_claim,
                       unit_could, reach_influence, reach_credibility)
        _end_of_week(lo, hi, st.motivation, st.aim, st.hospital, ho.management_support,
                     ho.national_focus, ho.reporting_load, kout.seen_progress, kout.seen_conflict,
                     kout.supportive, kout.seen_related, kout.share, kout.demand, kout.pull_cos,
                     kout.pull_sin, anchor_cos, anchor_sin, kst.cos_aim, kst.sin_aim, kc)
        ho.gain_fragile[h] *= 1.0 - kn.gain_decay_rate
        ho.gain_held[h] *= 1.0 - kc.HELD_DECAY
        motivation = 0.0
        for i in range(lo, hi):
            st.tenure[i] += 1
            motivation += st.motivation[i]
        for c in range(_N_REC):
            row[h, c] = kout.record[h, c]
        for c in range(_N_ARR):
            row[h, _N_REC + c] = arrivals[h, c]
        row[h, _C_MOTIVATION] = motivation / staff_per_hospital[h]
        row[h, _C_REPORTING] = ho.reporting_load[h]
        row[h, _C_SUSTAINED] = ho.gain_held[h] + ho.gain_fragile[h]


@jit_no_nrt
def _record_completions(week, ta, co, H):
    """See sim.collaborative.Collaborative.record_week: this week's completions by hospital and
    topic, into the completion log and the lessons for the next session."""
    for t in range(ta.status.shape[0]):
        if ta.status[t] != _COMPLETED or ta.ended[t] != week:
            continue
        if ta.kind[t] == _NATIONAL:
            topic = np.int64(ta.body[t])
        else:
            sector = np.int64(math.floor((ta.aim[t] + _PI) / _TWO_PI * _LOCAL_TOPICS))
            topic = co.n_bodies + min(max(sector, 0), _LOCAL_TOPICS - 1)
        co.completions[week, ta.hospital[t], topic] += 1
        co.lessons[ta.hospital[t], topic] += 1


@jit
def run_weeks(first_week, n_weeks, rng, st, un, ho, ta, body_aims, kn, kst, kun, kho, knet, kta,
              cfg, kc, kout, co, span, table, anchor_cos, anchor_sin, staff_per_hospital,
              uniforms, arrivals, refilled, records):
    """Run weeks ``first_week .. first_week + n_weeks - 1``; week ``w``'s records go to
    ``records[w]`` (weeks x hospitals x TIMESERIES_COLUMNS)."""
    H = ho.staff_start.shape[0]
    left = np.zeros(st.hospital.shape[0], np.bool_)
    leaver_ids = np.zeros(st.hospital.shape[0], np.int64)
    leaving = np.zeros(un.staff_start.shape[0])
    unit_claim, unit_could, reach_influence, reach_credibility = kernel_scratch(ho)
    for week in range(first_week, first_week + n_weeks):
        _arrive(week, st, un, ho, ta, body_aims, kn, kc, rng, arrivals)
        m = _leavers(st, un, ta, kn, rng, refilled, left, leaver_ids, leaving)
        if m > 0:
            _newcomers(st, un, ho, kc, rng, leaver_ids, m)
        _draw_uniforms(rng, uniforms)
        row = records[week]
        _hospitals_week(week, st, un, ho, ta, kn, kst, kun, kho, knet, kta, cfg, kc, kout, span,
                        table, uniforms, anchor_cos, anchor_sin, staff_per_hospital, arrivals, row,
                        unit_claim, unit_could, reach_influence, reach_credibility)
        _record_completions(week, ta, co, H)
        for h in range(H):
            co.peer_learning[h] = 0.0
        if co.learning > 0.0 and (week + 1) % co.interval == 0:
            _learning_session(kst, kta, kho, kc, ta.body, co.lessons, co.topic_cos, co.topic_sin,
                              co.n_bodies, co.overhead, co.learning, co.peer_learning)
            for h in range(H):
                for k in range(co.lessons.shape[1]):
                    co.lessons[h, k] = 0
        for h in range(H):
            row[h, _C_PEER] = co.peer_learning[h]


# numba keys a function's on-disk cache by its own source file only, but the functions here compile
# in the kernel's and the per-person updates' code (and the constants of the modules below): after
# an edit to one of those files the cache would silently run the old rules. The cache is dropped
# when their contents change.
_COMPILED_IN = ("kernel.py", "staff_kernel.py", "kernel_data.py", "constants.py", "outcomes.py",
                "arrival.py", "state.py", "compiled_week.py")
_FUNCTIONS = (run_weeks, _arrive, _leavers, _newcomers, _draw_uniforms, _hospitals_week,
              _record_completions, _wrap, _beta)


def _drop_stale_cache() -> None:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(b"".join((here / name).read_bytes() for name in _COMPILED_IN)).hexdigest()
    try:
        stamp = Path(run_weeks._cache.cache_path) / "compiled_week.sources"
        if stamp.exists() and stamp.read_text() == digest:
            return
        for function in _FUNCTIONS:
            function._cache.flush()
        stamp.write_text(digest)
    except OSError:          # a read-only cache folder: numba then compiles without caching
        pass


_drop_stale_cache()
