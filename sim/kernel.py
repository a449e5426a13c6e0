"""The interaction kernel in numba: claiming, granting, direction, influence, effort and progress.

This is the fast implementation of mechanisms 2-5, 7 and 9 of the model brief for every active task
and every staff member it touches, each week. It works only on the arrays of
:mod:`sim.kernel_data` (no Python objects in the loops) and is compiled with ``cache=True``.

The rules are documented once, in :mod:`sim.reference`, whose plain-Python implementation is written
to be read; this module follows it statement by statement (same order of operations, same random
numbers), and ``tests/test_kernel_equivalence.py`` holds the two to identical results. Behavioural
constants arrive at run time as ``kc`` (:class:`sim.constants.Constants`).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from . import constants as C
from .kernel_data import (REC, REC_LEADERS, U_ASSIGN, U_CLAIM, U_CLAIMANT, U_COALITION, U_DROP,
                          U_NEGOTIATE, KernelInputs)

_ACTIVE = C.ACTIVE
_NATIONAL = C.NATIONAL
_L = C.MAX_LEADERS
_R_ACTIVE, _R_VACUUM, _R_CONFLICT = REC["active_tasks"], REC["vacuum_tasks"], REC["conflict_tasks"]
_R_DIRECTED, _R_EFFORT, _R_ALIGNED = REC["directed_tasks"], REC["effort"], REC["aligned_effort"]
_R_COMPLETED, _R_FVAC, _R_FCON = REC["completed"], REC["failed_vacuum"], REC["failed_conflict"]
_R_ABANDONED, _R_GAIN = REC["abandoned"], REC["gain"]
_R_GRANTED, _R_REJECTED = REC["claims_granted"], REC["claims_rejected"]
_R_ASSIGNED, _R_NEGOTIATED = REC["assigned"], REC["negotiated"]
_R_INTERACTIONS = REC["interactions"]
_R_LEADER_EXPERTISE, _R_GAIN_HELD = REC["leader_expertise"], REC["gain_held"]
_R_NAT_ACTIVE, _R_NAT_VACUUM = REC["national_active"], REC["national_vacuum"]
_R_COALITIONS, _R_REISSUED = REC["coalitions"], REC["reissued"]
_FAILED_VACUUM, _FAILED_CONFLICT = C.FAILED_VACUUM, C.FAILED_CONFLICT
_COMPLETED = C.COMPLETED
_LEAD_MANAGER, _LEAD_CLINICIAN, _LEAD_HYBRID = C.LEAD_MANAGER, C.LEAD_CLINICIAN, C.LEAD_HYBRID

jit = numba.njit(cache=True, nogil=True, error_model="numpy")
# Functions called once per hospital or per task allocate nothing and are compiled without numba's
# reference counting (``_nrt=False``): with it, every call and many reads of an array out of the
# state's named tuples paid an atomic increment and decrement of the array's count, which cost more
# than the arithmetic. Allocation happens once per week, in ``_week``.
jit_no_nrt = numba.njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
# small helpers: no call overhead
inline = numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")


@inline
def _grant(st, i, m):
    return (1.0 - m) * st.authority[i] + m * st.standing[i]


@inline
def _is_leader(ta, t, i):
    for k in range(_L):
        if ta.leaders[t, k] == i:
            return True
    return False


@inline
def _free(st, ta, t, i):
    return st.lead_count[i] < st.max_leads[i] and not _is_leader(ta, t, i)


@inline
def _n_leaders(ta, t):
    n = 0
    for k in range(_L):
        if ta.leaders[t, k] >= 0:
            n += 1
    return n


@inline
def _add_leader(st, ta, t, i):
    for k in range(_L):
        if ta.leaders[t, k] < 0:
            ta.leaders[t, k] = i
            st.lead_count[i] += 1
            return


@inline
def _tied(net, i, j):
    lo = net.ptr[i]
    hi = net.ptr[i + 1]
    while lo < hi:
        mid = (lo + hi) // 2
        v = net.idx[mid]
        if v == j:
            return True
        if v < j:
            lo = mid + 1
        else:
            hi = mid
    return False


@inline
def _unit_reach(st, ta, t, unit, rel, U, kc):
    """(authority reach, credibility reach) of task t's leaders on the staff of ``unit``."""
    auth = 0.0
    cred = 0.0
    for k in range(_L):
        l = ta.leaders[t, k]
        if l < 0:
            continue
        if (rel - st.scope_lo[l]) % U < st.scope_n[l]:
            a = st.authority[l]
        else:
            a = st.authority[l] * kc.CROSS_UNIT_REACH
        if st.unit[l] == unit:
            c = st.credibility[l]
        else:
            c = st.credibility[l] * kc.CROSS_UNIT_REACH
        if a > auth:
            auth = a
        if c > cred:
            cred = c
    return auth, cred


@inline
def _units_in_reach(st, ta, t, l, U):
    """How many of the units task t crosses lie within person l's formal reach."""
    covered = 0
    for j in range(ta.width[t]):
        if (ta.unit_lo[t] + j - st.scope_lo[l]) % U < st.scope_n[l]:
            covered += 1
    return covered


@inline
def _acts_with_manager(un, net, ta, t, unit):
    """Whether the manager of ``unit`` leads task t or is tied to one of its leaders (see
    sim.reference.acts_with_manager)."""
    manager = un.manager[unit]
    for j in range(_L):
        l = ta.leaders[t, j]
        if l >= 0 and (manager == l or _tied(net, manager, l)):
            return True
    return False


@inline
def _related_units(un, net, ta, t, u0, U):
    """Units task t crosses whose manager leads it or is tied to a leader (see
    sim.reference.related_units)."""
    related = 0
    for k in range(ta.width[t]):
        if _acts_with_manager(un, net, ta, t, u0 + (ta.unit_lo[t] + k) % U):
            related += 1
    return related


@inline
def _influence(a, c, kc):
    """CES mean of authority and credibility reach (see sim.reference.influence)."""
    w = kc.INFLUENCE_AUTHORITY_WEIGHT
    r = kc.INFLUENCE_SUBSTITUTION
    return (w * a ** r + (1.0 - w) * c ** r) ** (1.0 / r)


@inline
def _has_room(st, i):
    return st.lead_count[i] < st.max_leads[i]


@inline
def _claim(st, i, m, S):
    a = st.authority[i]
    return st.motivation[i] * ((1.0 - m) * a + m * st.expertise[i]) * (a + (1.0 - a) * S)


@inline
def _count_unit(st, un, unit, rel, m, S, theta, unit_claim, unit_could):
    """Claim propensity summed over the unit's staff with room to lead, and how many could lead."""
    total = 0.0
    could = 0
    for i in range(un.staff_start[unit], un.staff_end[unit]):
        if _has_room(st, i):
            total += _claim(st, i, m, S)
            if _grant(st, i, m) >= theta:
                could += 1
    unit_claim[rel] = total
    unit_could[rel] = could


@inline
def _coalition_side(st, ta, t):
    """+1: only managers lead (a clinical partner is missing); -1: only clinicians without authority
    lead (a managerial partner is missing); 0 otherwise (see sim.reference.coalition_side)."""
    managers = 0
    clinicians = 0
    for k in range(_L):
        l = ta.leaders[t, k]
        if l < 0:
            continue
        c = st.category[l]
        if c == _LEAD_HYBRID:
            return 0
        if c == _LEAD_MANAGER:
            managers += 1
        if c == _LEAD_CLINICIAN:
            clinicians += 1
    if managers > 0 and clinicians == 0:
        return 1
    if clinicians > 0 and managers == 0:
        return -1
    return 0


@inline
def _is_ally(st, ta, t, i, kc):
    """See sim.reference.is_ally."""
    if ta.kind[t] == _NATIONAL:
        a = (1.0 + st.cos_aim[i] * ta.cos_aim[t] + st.sin_aim[i] * ta.sin_aim[t]) / 2.0
        if a < kc.CONFLICT_THRESHOLD:
            return False
    for k in range(_L):
        l = ta.leaders[t, k]
        if l < 0:
            continue
        agree = (1.0 + st.cos_aim[i] * st.cos_aim[l] + st.sin_aim[i] * st.sin_aim[l]) / 2.0
        closure = kc.TIE_ALIGNMENT * st.embeddedness[i] * st.embeddedness[l]
        if agree + (1.0 - agree) * closure < kc.CONFLICT_THRESHOLD:
            return False
    return True


@inline
def _coalition_partner(st, un, ta, t, side, m, theta, u0, U, kc):
    """The partner a one-sided task co-opts (see sim.reference.coalition_partner)."""
    if side < 0:
        o = ta.owner[t]
        if _free(st, ta, t, o) and _grant(st, o, m) >= theta and _is_ally(st, ta, t, o, kc):
            return o
    chosen = -1
    best = -1.0
    for k in range(ta.width[t]):
        unit = u0 + (ta.unit_lo[t] + k) % U
        for i in range(un.staff_start[unit], un.staff_end[unit]):
            if not _free(st, ta, t, i) or _grant(st, i, m) < theta or not _is_ally(st, ta, t, i, kc):
                continue
            c = st.category[i]
            if side > 0 and (c == _LEAD_CLINICIAN or c == _LEAD_HYBRID) and st.credibility[i] > best:
                chosen = i
                best = st.credibility[i]
            elif side < 0 and c == _LEAD_MANAGER and st.authority[i] > best:
                chosen = i
                best = st.authority[i]
    return chosen


@jit_no_nrt
def _emerge_all(h, st, un, ho, net, ta, cfg, kc, u, rec, unit_claim, unit_could):
    """Phase 1 for every active task of hospital ``h``, in slot order."""
    for t in range(ho.task_start[h], ho.task_end[h]):
        if ta.status[t] == _ACTIVE:
            _emerge(h, t, st, un, ho, net, ta, cfg, kc, u, rec, unit_claim, unit_could)


@inline
def _emerge(h, t, st, un, ho, net, ta, cfg, kc, u, rec, unit_claim, unit_could):
    """Phase 1 for one task: brokering, retention, assignment, negotiation, claims, direction."""
    m = ho.mix[h]
    S = ho.support[h]
    theta = cfg.grant_threshold
    u0 = ho.unit_start[h]
    U = ho.n_units[h]
    # a coordinator takes the task on if one has room
    if ta.broker[t] < 0:
        best = -1
        best_load = cfg.coordinator_span
        for j in range(ho.coord_start[h], ho.coord_start[h + 1]):
            c = ho.coordinators[j]
            if st.broker_load[c] < best_load:
                best = c
                best_load = st.broker_load[c]
        if best >= 0:
            ta.broker[t] = best
            st.broker_load[best] += 1
    brokered = ta.broker[t] >= 0
    changed = False
    # leaders who are no longer granted enough, or step down
    for k in range(_L):
        l = ta.leaders[t, k]
        if l < 0:
            continue
        drop = kc.DROP_RATE * (1.0 - st.motivation[l]) * (1.0 - ta.consolidation[t])
        if _grant(st, l, m) < theta or u[t, U_DROP + k] < drop:
            ta.leaders[t, k] = -1
            st.lead_count[l] -= 1
            _count_unit(st, un, st.unit[l], st.unit[l] - u0, m, S, theta, unit_claim, unit_could)
            changed = True
    nl = _n_leaders(ta, t)
    # concentrated leadership assigns the task to its positional owner (or highest authority)
    if nl == 0 and u[t, U_ASSIGN] < (1.0 - m) * ta.steer[t]:
        best = -1
        o = ta.owner[t]
        if st.authority[o] > 0.0 and _free(st, ta, t, o):
            best = o
        else:
            best_a = 0.0
            for k in range(ta.width[t]):
                unit = u0 + (ta.unit_lo[t] + k) % U
                for i in range(un.staff_start[unit], un.staff_end[unit]):
                    if st.authority[i] > best_a and _free(st, ta, t, i):
                        best = i
                        best_a = st.authority[i]
        if best >= 0 and _grant(st, best, m) >= theta:
            _add_leader(st, ta, t, best)
            _count_unit(st, un, st.unit[best], st.unit[best] - u0, m, S, theta, unit_claim, unit_could)
            rec[h, _R_ASSIGNED] += 1.0
            changed = True
            nl += 1
    # a brokering coordinator negotiates who leads
    if nl == 0 and brokered and u[t, U_NEGOTIATE] < st.motivation[ta.broker[t]]:
        best = -1
        best_g = theta
        b = ta.broker[t]
        if _free(st, ta, t, b) and _grant(st, b, m) >= best_g:
            best = b
            best_g = _grant(st, b, m)
        for k in range(ta.width[t]):
            unit = u0 + (ta.unit_lo[t] + k) % U
            for i in range(un.staff_start[unit], un.staff_end[unit]):
                if _free(st, ta, t, i):
                    g = _grant(st, i, m)
                    if g > best_g or (g == best_g and best < 0):
                        best = i
                        best_g = g
        if best >= 0:
            _add_leader(st, ta, t, best)
            _count_unit(st, un, st.unit[best], st.unit[best] - u0, m, S, theta, unit_claim, unit_could)
            rec[h, _R_NEGOTIATED] += 1.0
            changed = True
            nl += 1
    # emergent claims, damped by diffusion of responsibility
    if nl < _L:
        total = 0.0
        n_could = 0
        for k in range(ta.width[t]):
            rel = (ta.unit_lo[t] + k) % U
            total += unit_claim[rel]
            n_could += unit_could[rel]
        extra = n_could - 1 if n_could > 1 else 0
        shared = (1.0 - ta.consolidation[t]) * (1.0 - ho.culture[h])
        felt = ta.steer[t] / (1.0 + cfg.diffusion * extra * shared)
        damping = 1.0
        for _ in range(nl):
            damping *= kc.JOIN_DAMPING
        hazard = kc.CLAIM_RATE * felt * total * damping
        if total > 0.0 and u[t, U_CLAIM] < 1.0 - math.exp(-hazard):
            target = u[t, U_CLAIMANT] * total
            acc = 0.0
            pick = -1
            for k in range(ta.width[t]):
                unit = u0 + (ta.unit_lo[t] + k) % U
                for i in range(un.staff_start[unit], un.staff_end[unit]):
                    if pick < 0 and _has_room(st, i):
                        c = _claim(st, i, m, S)
                        if c > 0.0:
                            acc += c
                            if acc >= target:
                                pick = i
            if pick >= 0 and not _is_leader(ta, t, pick):
                if _grant(st, pick, m) >= theta:
                    _add_leader(st, ta, t, pick)
                    _count_unit(st, un, st.unit[pick], st.unit[pick] - u0, m, S, theta, unit_claim,
                                unit_could)
                    rec[h, _R_GRANTED] += 1.0
                    changed = True
                    nl += 1
                else:
                    rec[h, _R_REJECTED] += 1.0
    # coalitions: a task led from one side only co-opts a partner from the other side
    if nl > 0 and nl < _L and u[t, U_COALITION] < ho.coalition_rate[h]:
        side = _coalition_side(st, ta, t)
        if side != 0:
            partner = _coalition_partner(st, un, ta, t, side, m, theta, u0, U, kc)
            if partner >= 0:
                _add_leader(st, ta, t, partner)
                ta.partner[t] = partner
                _count_unit(st, un, st.unit[partner], st.unit[partner] - u0, m, S, theta, unit_claim,
                            unit_could)
                rec[h, _R_COALITIONS] += 1.0
                changed = True
                nl += 1
    # direction and alignment
    sc = 0.0
    ss = 0.0
    for k in range(_L):
        l = ta.leaders[t, k]
        if l >= 0:
            w = _grant(st, l, m)
            sc += w * st.cos_aim[l]
            ss += w * st.sin_aim[l]
    alignment = 0.0
    conflict = False
    dcos = 0.0
    dsin = 0.0
    if nl >= 1:
        norm = math.sqrt(sc * sc + ss * ss)
        agreement = 1.0
        national = 1.0
        tie_sum = 0.0
        pairs = 0
        voices = nl
        if ta.kind[t] == _NATIONAL:
            voices += 1
        for k1 in range(_L):
            l1 = ta.leaders[t, k1]
            if l1 < 0:
                continue
            if ta.kind[t] == _NATIONAL:
                a = (1.0 + st.cos_aim[l1] * ta.cos_aim[t] + st.sin_aim[l1] * ta.sin_aim[t]) / 2.0
                if a < national:
                    national = a
            for k2 in range(k1 + 1, _L):
                l2 = ta.leaders[t, k2]
                if l2 < 0:
                    continue
                a = (1.0 + st.cos_aim[l1] * st.cos_aim[l2] + st.sin_aim[l1] * st.sin_aim[l2]) / 2.0
                if a < agreement:
                    agreement = a
                pairs += 1
                if ta.partner[t] == l1 or ta.partner[t] == l2 or _tied(net, l1, l2):
                    tie_sum += st.embeddedness[l1] * st.embeddedness[l2]
        tie_share = tie_sum / pairs if pairs > 0 else 0.0
        closure = max(kc.NEGOTIATION_CEILING * ta.negotiated[t], kc.TIE_ALIGNMENT * tie_share)
        cohesion = min(agreement + (1.0 - agreement) * closure, national)
        if norm > 0.0:
            dcos = sc / norm
            dsin = ss / norm
        else:
            dcos = ta.cos_aim[t]
            dsin = ta.sin_aim[t]
        fit = (1.0 + dcos * ta.cos_aim[t] + dsin * ta.sin_aim[t]) / 2.0
        if ta.kind[t] != _NATIONAL:
            fit += (1.0 - fit) * kc.NEGOTIATION_CEILING * ta.negotiated[t]
        alignment = cohesion * (1.0 - kc.FIT_WEIGHT + kc.FIT_WEIGHT * fit)
        conflict = voices >= 2 and cohesion < kc.CONFLICT_THRESHOLD
    if brokered:
        ta.negotiated[t] += kc.NEGOTIATION_RATE * (1.0 - ta.negotiated[t])
    ta.alignment[t] = alignment
    ta.conflict[t] = conflict
    ta.dir_cos[t] = dcos
    ta.dir_sin[t] = dsin
    ta.changed[t] = changed


@jit_no_nrt
def _hospital_week(h, tick, st, un, ho, net, ta, cfg, kc, u, out, unit_claim, unit_could,
                   reach_influence, reach_credibility):
    """One week of hospital ``h``. Scratch: ``unit_claim`` and ``unit_could`` (at least the
    hospital's number of units), ``reach_influence`` and ``reach_credibility`` (task slots x units:
    each led task's reach on each unit it crosses, from phase 2, read again in phase 3)."""
    rec = out.record
    u0 = ho.unit_start[h]
    U = ho.n_units[h]
    t0 = ho.task_start[h]
    t1 = ho.task_end[h]
    # phase 1: who leads, and with what direction
    m = ho.mix[h]
    S = ho.support[h]
    for rel in range(U):
        unit_claim[rel] = 0.0
        unit_could[rel] = 0
    for rel in range(U):
        _count_unit(st, un, u0 + rel, rel, m, S, cfg.grant_threshold, unit_claim, unit_could)
    _emerge_all(h, st, un, ho, net, ta, cfg, kc, u, rec, unit_claim, unit_could)
    # phase 2: demand on each person = sum of the influence of every led task that reaches them
    demand = out.demand
    staff_start = un.staff_start
    staff_end = un.staff_end
    leaders = ta.leaders
    for t in range(t0, t1):
        if ta.status[t] != _ACTIVE:
            continue
        if _n_leaders(ta, t) == 0:   # nobody in charge: the task still asks for attention
            for k in range(ta.width[t]):
                unit = u0 + (ta.unit_lo[t] + k) % U
                for i in range(staff_start[unit], staff_end[unit]):
                    demand[i] += kc.VACUUM_PULL
            continue
        for k in range(ta.width[t]):
            rel = (ta.unit_lo[t] + k) % U
            unit = u0 + rel
            a, c = _unit_reach(st, ta, t, unit, rel, U, kc)
            influence = _influence(a, c, kc)
            reach_influence[t - t0, k] = influence
            reach_credibility[t - t0, k] = c
            l0 = leaders[t, 0]
            l1 = leaders[t, 1]
            l2 = leaders[t, 2]
            for i in range(staff_start[unit], staff_end[unit]):
                demand[i] += 1.0 if (i == l0) | (i == l1) | (i == l2) else influence
    # phase 3: effort, split by influence and scaled by motivation (in the budget)
    budget = st.budget
    cos_aim = st.cos_aim
    sin_aim = st.sin_aim
    share_out = out.share
    seen_progress = out.seen_progress
    seen_conflict = out.seen_conflict
    supportive = out.supportive
    seen_related = out.seen_related
    pull_cos = out.pull_cos
    pull_sin = out.pull_sin
    effort_given = out.effort_given
    inf_leader = _influence(1.0, 1.0, kc)     # a leader is fully reached by their own task
    for t in range(t0, t1):
        if ta.status[t] != _ACTIVE:
            continue
        E = 0.0
        if _n_leaders(ta, t) > 0:
            dcos = ta.dir_cos[t]
            dsin = ta.dir_sin[t]
            conflict = 1.0 if ta.conflict[t] else 0.0
            for k in range(ta.width[t]):
                rel = (ta.unit_lo[t] + k) % U
                unit = u0 + rel
                c_unit = reach_credibility[t - t0, k]       # leaders are as in phase 2
                inf_unit = reach_influence[t - t0, k]       # the same for everyone but leaders
                l0 = leaders[t, 0]
                l1 = leaders[t, 1]
                l2 = leaders[t, 2]
                last_dp = ta.last_dp[t]
                # sim.reference.relatedness
                related = 1.0 if _acts_with_manager(un, net, ta, t, unit) else ho.culture[h]
                rec[h, _R_INTERACTIONS] += staff_end[unit] - staff_start[unit]
                for i in range(staff_start[unit], staff_end[unit]):
                    leads = (i == l0) | (i == l1) | (i == l2)
                    c = 1.0 if leads else c_unit
                    inf = inf_leader if leads else inf_unit
                    share = inf / (kc.ROUTINE_PULL + demand[i])
                    agree = (1.0 + cos_aim[i] * dcos + sin_aim[i] * dsin) / 2.0
                    e = budget[i] * share * (1.0 - kc.AGREEMENT_EFFORT + kc.AGREEMENT_EFFORT * agree)
                    E += e
                    share_out[i] += share
                    seen_progress[i] += share * last_dp
                    seen_conflict[i] += share * conflict
                    supportive[i] += share * c
                    seen_related[i] += share * related
                    pull_cos[i] += e * dcos
                    pull_sin[i] += e * dsin
                    effort_given[i] += e
            for k in range(_L):
                l = ta.leaders[t, k]
                if l >= 0:
                    out.pull_cos[l] += kc.LEADER_PULL * ta.cos_aim[t]
                    out.pull_sin[l] += kc.LEADER_PULL * ta.sin_aim[t]
        else:   # effort on a task nobody leads is wasted for want of direction
            for k in range(ta.width[t]):
                unit = u0 + (ta.unit_lo[t] + k) % U
                rec[h, _R_INTERACTIONS] += staff_end[unit] - staff_start[unit]
                for i in range(staff_start[unit], staff_end[unit]):
                    share = kc.VACUUM_PULL / (kc.ROUTINE_PULL + demand[i])
                    e = budget[i] * share * (1.0 - kc.AGREEMENT_EFFORT)
                    E += e
                    share_out[i] += share
                    effort_given[i] += e
        ta.effort[t] = E
    # phase 4: progress, consolidation, failure and completion
    for t in range(t0, t1):
        if ta.status[t] != _ACTIVE:
            continue
        nl = _n_leaders(ta, t)
        brokered = ta.broker[t] >= 0
        E = ta.effort[t]
        if nl > 0:
            expert = 0.0
            clout = 0.0
            for k in range(_L):
                l = ta.leaders[t, k]
                if l >= 0:
                    if st.expertise[l] > expert:
                        expert = st.expertise[l]
                    reach = st.authority[l] * _units_in_reach(st, ta, t, l, U) / ta.width[t]
                    if reach > clout:
                        clout = reach
            # coordination across units: by the line (a leader with clout over the units crossed)
            # or by a brokering coordinator, whichever cuts the overhead more
            cut = kc.LINE_OVERHEAD_CUT * min(1.0, clout / kc.AUTHORITY_UNIT_MANAGER)
            lateral = kc.LATERAL_OVERHEAD_CUT * _related_units(un, net, ta, t, u0, U) / ta.width[t]
            if lateral > cut:
                cut = lateral
            if brokered and kc.BROKER_OVERHEAD_CUT > cut:
                cut = kc.BROKER_OVERHEAD_CUT
            overhead = 1.0 + kc.COMPLEXITY_OVERHEAD * (ta.width[t] - 1) * (1.0 - cut)
            if brokered:   # a brokering coordinator lends the QI mandate of their post
                b = ta.broker[t]
                reach = (kc.BROKER_MANDATE * st.authority[b] * _units_in_reach(st, ta, t, b, U)
                         / ta.width[t])
                if reach > clout:
                    clout = reach
            clout = min(1.0, clout / kc.AUTHORITY_UNIT_MANAGER)
            backed = clout + (1.0 - clout) * S ** kc.SUPPORT_BACKING_EXPONENT   # backs emergent leaders
            commanded = S                       # positional power commands its own units' resources
            if kc.LINE_RESOURCES * clout > commanded:
                commanded = kc.LINE_RESOURCES * clout
            resources = kc.RESOURCE_FLOOR + (1.0 - kc.RESOURCE_FLOOR) * commanded
            backing = resources * (1.0 - kc.CLOUT_WEIGHT + kc.CLOUT_WEIGHT * backed)
            quality = 1.0 - kc.EXPERTISE_WEIGHT + kc.EXPERTISE_WEIGHT * expert
            dp = E * ta.alignment[t] * backing * quality / (ta.required[t] * overhead)
            ta.progress[t] += dp
            ta.last_dp[t] = dp
            ta.vacuum_run[t] = 0
            if ta.conflict[t]:
                ta.conflict_run[t] += 1
                rec[h, _R_CONFLICT] += 1.0
            else:
                ta.conflict_run[t] = 0
                rec[h, _R_DIRECTED] += 1.0
            formal = False
            for k in range(_L):
                l = ta.leaders[t, k]
                if l >= 0:
                    st.leader_weeks[l] += 1.0
                    rec[h, REC_LEADERS + st.category[l]] += 1.0
                    rec[h, _R_LEADER_EXPERTISE] += st.expertise[l]
                    if st.category[l] == C.LEAD_MANAGER or st.category[l] == C.LEAD_HYBRID:
                        formal = True
            if not ta.changed[t]:
                w = kc.CONSOLIDATION_BASE
                if formal:
                    w += kc.CONSOLIDATION_FORMAL
                if brokered:
                    w += kc.CONSOLIDATION_BROKER
                ta.consolidation[t] += (ho.consolidation_rate[h] * w * (1.0 - ta.consolidation[t])
                                        / ta.width[t])
        else:
            ta.last_dp[t] = 0.0
            ta.vacuum_run[t] += 1
            ta.conflict_run[t] = 0
            rec[h, _R_VACUUM] += 1.0
        rec[h, _R_ACTIVE] += 1.0
        if ta.kind[t] == _NATIONAL:
            rec[h, _R_NAT_ACTIVE] += 1.0
            if nl == 0:
                rec[h, _R_NAT_VACUUM] += 1.0
        rec[h, _R_EFFORT] += E
        rec[h, _R_ALIGNED] += E * ta.alignment[t]
        ta.age[t] += 1
        end = 0
        if ta.progress[t] >= 1.0:
            ta.progress[t] = 1.0
            end = C.COMPLETED
            held = ta.consolidation[t] * ta.value[t]
            ho.gain_held[h] += held
            ho.gain_fragile[h] += ta.value[t] - held
            rec[h, _R_COMPLETED] += 1.0
            rec[h, _R_GAIN] += ta.value[t]
            rec[h, _R_GAIN_HELD] += held
        elif ta.vacuum_run[t] >= cfg.vacuum_patience:
            end = C.FAILED_VACUUM
            rec[h, _R_FVAC] += 1.0
        elif ta.conflict_run[t] >= cfg.conflict_patience:
            end = C.FAILED_CONFLICT
            rec[h, _R_FCON] += 1.0
        elif ta.age[t] >= cfg.task_deadline:
            end = C.ABANDONED
            rec[h, _R_ABANDONED] += 1.0
        if end != 0:
            if end != _COMPLETED and nl > 0:   # learning or blame (sim.reference.learn_or_blame)
                culture = ho.culture[h]
                for k in range(ta.width[t]):
                    unit = u0 + (ta.unit_lo[t] + k) % U
                    un.capability[unit] += kc.LEARNING_RATE * culture * (1.0 - un.capability[unit])
                for k in range(_L):
                    l = ta.leaders[t, k]
                    if l >= 0:
                        st.motivation[l] *= 1.0 - kc.BLAME_SHOCK * (1.0 - culture)
            for k in range(_L):
                l = ta.leaders[t, k]
                if l >= 0:
                    st.lead_count[l] -= 1
            if brokered:
                st.broker_load[ta.broker[t]] -= 1
            if (ta.kind[t] == _NATIONAL and (end == _FAILED_VACUUM or end == _FAILED_CONFLICT)
                    and ta.age[t] < cfg.task_deadline):
                # the body issues it again (sim.reference.reissue)
                ta.progress[t] = 0.0
                ta.last_dp[t] = 0.0
                ta.vacuum_run[t] = 0
                ta.conflict_run[t] = 0
                ta.consolidation[t] = 0.0
                ta.negotiated[t] = 0.0
                for k in range(_L):
                    ta.leaders[t, k] = -1
                ta.broker[t] = -1
                ta.partner[t] = -1
                rec[h, _R_REISSUED] += 1.0
            else:
                ta.status[t] = end
                ta.ended[t] = tick


@jit
def kernel_scratch(ho):
    """Scratch arrays of :func:`_hospital_week`, sized for the largest hospital: unit_claim,
    unit_could (units) and reach_influence, reach_credibility (task slots x units)."""
    units = 0
    slots = 0
    for h in range(ho.n_units.shape[0]):
        units = max(units, ho.n_units[h])
        slots = max(slots, ho.task_end[h] - ho.task_start[h])
    return (np.zeros(units), np.zeros(units, np.int64), np.zeros((slots, units)),
            np.zeros((slots, units)))


@jit
def _week(tick, st, un, ho, net, ta, cfg, kc, u, out):
    unit_claim, unit_could, reach_influence, reach_credibility = kernel_scratch(ho)
    for h in range(ho.unit_start.shape[0]):
        _hospital_week(h, tick, st, un, ho, net, ta, cfg, kc, u, out, unit_claim, unit_could,
                       reach_influence, reach_credibility)


def interaction_step(tick: int, k: KernelInputs, uniforms: np.ndarray) -> None:
    """Run one week of the kernel over every hospital (numba). Writes into ``k`` in place."""
    _week(tick, k.staff, k.units, k.hospitals, k.network, k.tasks, k.config, k.constants, uniforms,
          k.out)


@jit
def _learning_session(st, ta, ho, kc, body, lessons, topic_cos, topic_sin, n_bodies, overhead,
                      learning, gained):
    """See sim.reference.learning_session (the same rules in the same order)."""
    H = lessons.shape[0]
    T = lessons.shape[1]
    if H < 2:
        return
    holders = np.zeros(T, np.int64)
    for g in range(H):
        for k in range(T):
            if lessons[g, k] > 0:
                holders[k] += 1
    for h in range(H):
        for t in range(ho.task_start[h], ho.task_end[h]):
            if ta.status[t] != _ACTIVE:
                continue
            uptake = -1.0
            for j in range(_L):
                l = ta.leaders[t, j]
                if l >= 0 and st.expertise[l] > uptake:
                    uptake = st.expertise[l]
            b = ta.broker[t]
            if b >= 0 and st.expertise[b] > uptake:
                uptake = st.expertise[b]
            if uptake < 0.0:      # neither a leader nor a broker: nobody brings the lesson home
                continue
            evidence = 0.0
            for k in range(T):
                peers = holders[k]
                if lessons[h, k] > 0:
                    peers -= 1
                if peers <= 0:
                    continue
                if k < n_bodies and ta.kind[t] == _NATIONAL and body[t] == k:
                    similar = 1.0
                else:
                    agree = (1.0 + ta.cos_aim[t] * topic_cos[k] + ta.sin_aim[t] * topic_sin[k]) / 2.0
                    similar = max(0.0, (agree - kc.LEARNING_SIMILARITY) / (1.0 - kc.LEARNING_SIMILARITY))
                e = similar * peers / (H - 1)
                if e > evidence:
                    evidence = e
            dp = (kc.SESSION_TRANSFER * learning * evidence * uptake * (1.0 - ta.progress[t])
                  / overhead[h])
            ta.progress[t] += dp
            gained[h] += dp


def learning_session(k: KernelInputs, body, lessons, topic_cos, topic_sin, n_bodies, overhead,
                     learning, gained) -> None:
    """A learning session between hospitals (numba twin of sim.reference.learning_session)."""
    _learning_session(k.staff, k.tasks, k.hospitals, k.constants, body, lessons, topic_cos,
                      topic_sin, n_bodies, overhead, learning, gained)
