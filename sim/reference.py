"""The interaction kernel in plain Python: the rules of one week, written to be read.

This is the reference implementation of mechanisms 2-5, 7 and 9 of the model brief. The numba
kernel (:mod:`sim.kernel`) implements the same rules in the same order with the same random numbers,
and the tests hold the two to identical results. Read this module to audit the model; ``docs/ODD.md``
gives the same rules in prose with their sources.

A week is processed hospital by hospital (staff only work on their own hospital's tasks), in four
phases over that hospital's active tasks (in slot order):

1. **Leadership emergence** (DeRue & Ashford 2010, claiming and granting; McKee et al. 2013). For each
   task: a coordinator with room takes it on as broker; leaders who are no longer granted enough, or
   who step down, leave; a leaderless task is *assigned* to its positional owner with probability
   ``(1 - leadership_mix) * steer``; a brokering coordinator may *negotiate* who leads; someone may
   *claim* it, with a hazard damped by the diffusion of responsibility (Darley & Latane 1968) unless
   the culture is collective (West et al. 2014); and a task led from one side only may become a
   manager-clinician *coalition* (McKee et al.). A claimant becomes a legitimate leader when the
   grant score others give them reaches ``grant_threshold``. The grant score blends positional
   authority with expertise, credibility and relationships:
   ``grant = (1 - mix) * authority + mix * standing``.
2. **Demand**: every led task's influence on each person it reaches is added up.
3. **Effort**: each person splits their QI budget (capacity after reporting load and brokering,
   times motivation) across tasks by the influence each exerts, against the pull of routine work;
   effort on a task nobody leads is wasted.
4. **Progress, consolidation, failure**: effort becomes progress, scaled by the alignment of the
   task's direction, its complexity (units crossed) and the hospital's management support (a gate);
   a task that fails or is abandoned teaches its units (learning culture) or discredits its leaders
   (blame).
"""

from __future__ import annotations

import math

import numpy as np

from . import constants as C
from .kernel_data import (REC, REC_LEADERS, U_ASSIGN, U_CLAIM, U_CLAIMANT, U_COALITION, U_DROP,
                          U_NEGOTIATE, KernelInputs)


def interaction_step(tick: int, k: KernelInputs, uniforms: np.ndarray) -> None:
    """Run one week over every hospital (plain Python). Writes into ``k`` in place."""
    for h in range(len(k.hospitals.unit_start)):
        hospital_week(h, tick, k, uniforms)


def hospital_week(h: int, tick: int, k: KernelInputs, u: np.ndarray) -> None:
    """The four phases of one week for hospital ``h``."""
    tasks = k.tasks
    active = [t for t in range(k.hospitals.task_start[h], k.hospitals.task_end[h])
              if tasks.status[t] == C.ACTIVE]
    for t in active:
        leadership_emergence(h, t, k, u)
    for t in active:
        if number_of_leaders(k, t) > 0:
            for unit in units_crossed(k, h, t):
                authority_reach, credibility_reach = reach(k, h, t, unit)
                for i in staff_of(k, unit):
                    if i in leaders_of(k, t):
                        k.out.demand[i] += 1.0          # a leader is fully taken by their task
                    else:
                        k.out.demand[i] += influence(k, authority_reach, credibility_reach)
        else:   # nobody in charge: the task still asks for attention
            for i in staff_reached(k, h, t):
                k.out.demand[i] += k.constants.VACUUM_PULL
    for t in active:
        tasks.effort[t] = effort_on(k, h, t)
    for t in active:
        progress_and_fate(k, h, t, tick)


# --- helpers ------------------------------------------------------------------------------------

def grant_score(k: KernelInputs, i: int, mix: float) -> float:
    """What others grant person i: positional authority blended with standing by the mix.

    Standing = ``GRANT_EXPERTISE`` expertise + ``GRANT_RELATIONS`` relational capital + the rest of
    the weight on credibility (scaled by embeddedness): see :func:`sim.kernel_data.person_inputs`.
    """
    return (1.0 - mix) * k.staff.authority[i] + mix * k.staff.standing[i]


def leaders_of(k: KernelInputs, t: int) -> list[int]:
    return [int(l) for l in k.tasks.leaders[t] if l >= 0]


def number_of_leaders(k: KernelInputs, t: int) -> int:
    return len(leaders_of(k, t))


def can_take_on(k: KernelInputs, t: int, i: int) -> bool:
    """Person i has room to lead another task and does not lead task t already."""
    return k.staff.lead_count[i] < k.staff.max_leads[i] and i not in leaders_of(k, t)


def add_leader(k: KernelInputs, t: int, i: int) -> None:
    slots = k.tasks.leaders[t]
    free = [s for s in range(C.MAX_LEADERS) if slots[s] < 0]
    slots[free[0]] = i
    k.staff.lead_count[i] += 1


def has_room(k: KernelInputs, i: int) -> bool:
    """Person i can lead another task (leads fewer than their capacity allows)."""
    return k.staff.lead_count[i] < k.staff.max_leads[i]


def units_crossed(k: KernelInputs, h: int, t: int) -> list[int]:
    """Units task t crosses: adjacent units from its first, wrapping within the hospital."""
    first_unit = k.hospitals.unit_start[h]
    n_units = k.hospitals.n_units[h]
    return [first_unit + (k.tasks.unit_lo[t] + step) % n_units for step in range(k.tasks.width[t])]


def staff_of(k: KernelInputs, unit: int) -> range:
    return range(k.units.staff_start[unit], k.units.staff_end[unit])


def staff_reached(k: KernelInputs, h: int, t: int):
    """Staff of the units task t crosses, unit by unit."""
    for unit in units_crossed(k, h, t):
        yield from staff_of(k, unit)


def tied(k: KernelInputs, i: int, j: int) -> bool:
    """Whether i and j have an informal tie."""
    neighbours = k.network.idx[k.network.ptr[i]:k.network.ptr[i + 1]]
    return j in set(int(n) for n in neighbours)


def reach(k: KernelInputs, h: int, t: int, unit: int) -> tuple[float, float]:
    """How strongly task t's leaders reach the staff of ``unit``: (authority, credibility).

    Authority reaches fully within a leader's formal scope, credibility within the leader's own unit;
    both reach ``CROSS_UNIT_REACH`` as far beyond. The strongest leader on each count acts, so a
    coalition of a manager and a credible clinician combines control with credibility (McKee et al.).
    (A leader is fully reached by their own task: callers treat leaders separately.)
    """
    st, kc = k.staff, k.constants
    authority_reach = 0.0
    credibility_reach = 0.0
    position = unit - k.hospitals.unit_start[h]
    n_units = k.hospitals.n_units[h]
    for l in leaders_of(k, t):
        in_scope = (position - st.scope_lo[l]) % n_units < st.scope_n[l]
        a = st.authority[l] if in_scope else st.authority[l] * kc.CROSS_UNIT_REACH
        same_unit = st.unit[l] == unit
        c = st.credibility[l] if same_unit else st.credibility[l] * kc.CROSS_UNIT_REACH
        authority_reach = max(authority_reach, a)
        credibility_reach = max(credibility_reach, c)
    return authority_reach, credibility_reach


def influence(k: KernelInputs, authority_reach: float, credibility_reach: float) -> float:
    """A task's influence on a person: the CES mean of its leaders' authority and credibility
    reach, ``(w a^r + (1 - w) c^r)^(1/r)`` with ``w = INFLUENCE_AUTHORITY_WEIGHT`` and ``r =
    INFLUENCE_SUBSTITUTION``: control and credibility are complements ("combining credibility with
    control", McKee et al.), so a leader, or a coalition, with both influences more than one strong
    in one and weak in the other (``r = 1`` would make them substitutes)."""
    kc = k.constants
    w, r = kc.INFLUENCE_AUTHORITY_WEIGHT, kc.INFLUENCE_SUBSTITUTION
    return (w * authority_reach ** r + (1.0 - w) * credibility_reach ** r) ** (1.0 / r)


def agreement(cos_a: float, sin_a: float, cos_b: float, sin_b: float) -> float:
    """How far two directions agree: (1 + cos(difference)) / 2, from 0 (opposed) to 1 (same)."""
    return (1.0 + cos_a * cos_b + sin_a * sin_b) / 2.0


def units_in_reach(k: KernelInputs, h: int, t: int, l: int) -> int:
    """How many of the units task t crosses lie within leader l's formal reach."""
    n_units = k.hospitals.n_units[h]
    covered = 0
    for step in range(k.tasks.width[t]):
        if (k.tasks.unit_lo[t] + step - k.staff.scope_lo[l]) % n_units < k.staff.scope_n[l]:
            covered += 1
    return covered


def acts_with_manager(k: KernelInputs, t: int, unit: int) -> bool:
    """Whether the manager of ``unit`` leads task t or is tied to one of its leaders."""
    manager = k.units.manager[unit]
    return any(manager == l or tied(k, manager, l) for l in leaders_of(k, t))


def related_units(k: KernelInputs, h: int, t: int) -> int:
    """How many of the units task t crosses have a manager who leads it or is tied to one of its
    leaders: units whose work the leaders can coordinate through relationships (relational
    coordination, Gittell 2009; lateral relations between managers, Galbraith 1973)."""
    return sum(1 for unit in units_crossed(k, h, t) if acts_with_manager(k, t, unit))


def relatedness(k: KernelInputs, h: int, t: int, unit: int) -> float:
    """How far the staff of ``unit`` see task t's leaders act with their own manager: 1 if the
    manager leads it or is tied to one of its leaders, otherwise the hospital's collective culture
    (West et al. 2014: a collective leadership strategy "designs systems for ensuring leaders act
    together"). Staff who answer to leaders who do not act with their manager face "competing,
    conflicting, or duplicative requirements" (McKee et al. 2013)."""
    if acts_with_manager(k, t, unit):
        return 1.0
    return k.hospitals.culture[h]


def claim_propensity(k: KernelInputs, i: int, mix: float, support: float) -> float:
    """How strongly person i would step forward to lead.

    Motivation times what the mix says entitles one to lead (authority at 0, expertise at 1), times
    backing: people without formal authority need management support to step forward.
    """
    a = k.staff.authority[i]
    return k.staff.motivation[i] * ((1.0 - mix) * a + mix * k.staff.expertise[i]) * (a + (1.0 - a) * support)


# --- phase 1 ------------------------------------------------------------------------------------

def leadership_emergence(h: int, t: int, k: KernelInputs, u: np.ndarray) -> None:
    """Brokering, retention, assignment, negotiation, claiming and granting, then direction."""
    st, ta, ho, cfg, kc = k.staff, k.tasks, k.hospitals, k.config, k.constants
    mix = ho.mix[h]
    support = ho.support[h]
    threshold = cfg.grant_threshold

    # A coordinator with room brokers the task (least-loaded first): Carstensen et al.'s local
    # quality coordinators negotiate aims, roles and scope across units.
    if ta.broker[t] < 0:
        candidates = [c for c in ho.coordinators[ho.coord_start[h]:ho.coord_start[h + 1]]
                      if st.broker_load[c] < cfg.coordinator_span]
        if candidates:
            chosen = min(candidates, key=lambda c: st.broker_load[c])   # first of the least loaded
            ta.broker[t] = chosen
            st.broker_load[chosen] += 1
    brokered = ta.broker[t] >= 0
    changed = False

    # Leaders keep their role while granted enough; an unmotivated leader of an unconsolidated
    # task may step down.
    for slot in range(C.MAX_LEADERS):
        l = ta.leaders[t, slot]
        if l < 0:
            continue
        step_down = kc.DROP_RATE * (1.0 - st.motivation[l]) * (1.0 - ta.consolidation[t])
        if grant_score(k, l, mix) < threshold or u[t, U_DROP + slot] < step_down:
            ta.leaders[t, slot] = -1
            st.lead_count[l] -= 1
            changed = True
    n_leaders = number_of_leaders(k, t)

    # Concentrated leadership assigns a leaderless task to its positional owner if they have room,
    # otherwise to the person of highest authority in the units it crosses. A national initiative is
    # taken on only as far as its body steers it (responsibility spread across many bodies).
    if n_leaders == 0 and u[t, U_ASSIGN] < (1.0 - mix) * ta.steer[t]:
        owner = ta.owner[t]
        if st.authority[owner] > 0.0 and can_take_on(k, t, owner):
            chosen = owner
        else:
            chosen, best_authority = -1, 0.0
            for i in staff_reached(k, h, t):
                if st.authority[i] > best_authority and can_take_on(k, t, i):
                    chosen, best_authority = i, st.authority[i]
        if chosen >= 0 and grant_score(k, chosen, mix) >= threshold:
            add_leader(k, t, chosen)
            k.out.record[h, REC["assigned"]] += 1.0
            changed = True
            n_leaders += 1

    # A brokering coordinator negotiates who leads: the person others would grant most (the
    # coordinator included), with no diffusion of responsibility.
    if n_leaders == 0 and brokered and u[t, U_NEGOTIATE] < st.motivation[ta.broker[t]]:
        broker = ta.broker[t]
        chosen, best_grant = -1, threshold
        if can_take_on(k, t, broker) and grant_score(k, broker, mix) >= best_grant:
            chosen, best_grant = broker, grant_score(k, broker, mix)
        for i in staff_reached(k, h, t):
            if can_take_on(k, t, i):
                g = grant_score(k, i, mix)
                if g > best_grant or (g == best_grant and chosen < 0):
                    chosen, best_grant = i, g
        if chosen >= 0:
            add_leader(k, t, chosen)
            k.out.record[h, REC["negotiated"]] += 1.0
            changed = True
            n_leaders += 1

    # Emergent claims. Everyone in the units crossed with room to lead may step forward; the more
    # people others would grant, the less each feels it is theirs (felt responsibility
    # steer / (1 + diffusion * (n - 1))), unless the role is consolidated or the culture collective
    # ("everyone taking responsibility", West et al.). A task already led attracts fewer claims. At
    # most one claim a week; a claim by a current leader just renews their role.
    if n_leaders < C.MAX_LEADERS:
        total = 0.0
        could_lead = 0
        for unit in units_crossed(k, h, t):
            unit_total = 0.0
            for i in staff_of(k, unit):
                if has_room(k, i):
                    unit_total += claim_propensity(k, i, mix, support)
                    could_lead += grant_score(k, i, mix) >= threshold
            total += unit_total
        shared = (1.0 - ta.consolidation[t]) * (1.0 - ho.culture[h])
        felt = ta.steer[t] / (1.0 + cfg.diffusion * max(could_lead - 1, 0) * shared)
        damping = 1.0
        for _ in range(n_leaders):
            damping *= kc.JOIN_DAMPING
        hazard = kc.CLAIM_RATE * felt * total * damping
        if total > 0.0 and u[t, U_CLAIM] < 1.0 - math.exp(-hazard):
            people = [i for i in staff_reached(k, h, t) if has_room(k, i)]
            weights = [claim_propensity(k, i, mix, support) for i in people]
            claimant = _weighted_pick(people, weights, u[t, U_CLAIMANT] * total)
            if claimant >= 0 and claimant not in leaders_of(k, t):
                if grant_score(k, claimant, mix) >= threshold:
                    add_leader(k, t, claimant)
                    k.out.record[h, REC["claims_granted"]] += 1.0
                    changed = True
                    n_leaders += 1
                else:
                    k.out.record[h, REC["claims_rejected"]] += 1.0

    # Coalitions. A task led from one side only (managers, or clinicians without authority) may
    # co-opt a partner from the other side, "combining credibility with control" (McKee et al.):
    # the most credible clinician others would grant, or the manager of highest authority others
    # would grant (its positional owner first). Hybrids combine both already.
    if 0 < n_leaders < C.MAX_LEADERS and u[t, U_COALITION] < ho.coalition_rate[h]:
        side = coalition_side(k, t)
        if side != 0:
            partner = coalition_partner(k, h, t, side, mix, threshold)
            if partner >= 0:
                add_leader(k, t, partner)
                ta.partner[t] = partner
                k.out.record[h, REC["coalitions"]] += 1.0
                changed = True
                n_leaders += 1

    set_direction(k, h, t, n_leaders, brokered, changed)


def is_ally(k: KernelInputs, t: int, i: int) -> bool:
    """Whether i, as a coalition partner, would stay cohesive with each of task t's leaders: their
    agreement, with the divergence partners close (``TIE_ALIGNMENT`` weighted by embeddedness),
    reaches ``CONFLICT_THRESHOLD``; for a national initiative, i's agreement with the body's aim
    must reach it too."""
    st, ta, kc = k.staff, k.tasks, k.constants
    if ta.kind[t] == C.NATIONAL and agreement(st.cos_aim[i], st.sin_aim[i], ta.cos_aim[t],
                                              ta.sin_aim[t]) < kc.CONFLICT_THRESHOLD:
        return False     # nor can they work with a national demand they oppose
    for l in leaders_of(k, t):
        agree = agreement(st.cos_aim[i], st.sin_aim[i], st.cos_aim[l], st.sin_aim[l])
        closure = kc.TIE_ALIGNMENT * st.embeddedness[i] * st.embeddedness[l]
        if agree + (1.0 - agree) * closure < kc.CONFLICT_THRESHOLD:
            return False
    return True


def coalition_side(k: KernelInputs, t: int) -> int:
    """Which partner task t's leaders lack: +1 a clinical partner (only managers lead), -1 a
    managerial partner (only clinicians without authority lead), 0 none (both sides, a hybrid, or
    only coordinators)."""
    managers = clinicians = 0
    for l in leaders_of(k, t):
        category = k.staff.category[l]
        if category == C.LEAD_HYBRID:
            return 0
        managers += category == C.LEAD_MANAGER
        clinicians += category == C.LEAD_CLINICIAN
    if managers and not clinicians:
        return 1
    if clinicians and not managers:
        return -1
    return 0


def coalition_partner(k: KernelInputs, h: int, t: int, side: int, mix: float, threshold: float) -> int:
    """The partner a one-sided task co-opts: with room, granted by others, of the missing side, and
    an ally: someone whose aims the leaders can work with ("productive coalitions and alliances",
    McKee et al.), i.e. whose cohesion with every current leader, as partners, stays at or above
    ``CONFLICT_THRESHOLD`` (and, for a national initiative, with its body's aim)."""
    st, ta = k.staff, k.tasks
    if side < 0:   # clinicians lead: the task's positional owner, else the highest authority
        owner = ta.owner[t]
        if (can_take_on(k, t, owner) and grant_score(k, owner, mix) >= threshold
                and is_ally(k, t, owner)):
            return int(owner)
    chosen, best = -1, -1.0
    for i in staff_reached(k, h, t):
        if not can_take_on(k, t, i) or grant_score(k, i, mix) < threshold or not is_ally(k, t, i):
            continue
        category = st.category[i]
        if side > 0 and category in (C.LEAD_CLINICIAN, C.LEAD_HYBRID) and st.credibility[i] > best:
            chosen, best = i, st.credibility[i]
        elif side < 0 and category == C.LEAD_MANAGER and st.authority[i] > best:
            chosen, best = i, st.authority[i]
    return chosen


def _weighted_pick(people, weights, target) -> int:
    """The first person at which the running sum of weights reaches ``target``."""
    running = 0.0
    for person, w in zip(people, weights):
        if w > 0.0:
            running += w
            if running >= target:
                return person
    return -1


def set_direction(k: KernelInputs, h: int, t: int, n_leaders: int, brokered: bool, changed: bool):
    """Direction and alignment of task t (Drath et al. 2008; West et al. 2014).

    No leader: no direction. With leaders, the direction is the mean of their aims weighted by the
    grant each receives. Their agreement is that of the most divergent pair of leaders (see
    :func:`agreement`; 1 for a single leader): one dissenting voice is enough for mixed
    messages (McKee et al.: "too many people leading it ... they are all asking different things").
    Negotiation by a brokering coordinator and ties between the leaders close part of the
    divergence among them: local cohesion = agreement + (1 - agreement) * max(NEGOTIATION_CEILING *
    negotiated, TIE_ALIGNMENT * share of leader pairs tied, weighted by embeddedness); a coalition
    partner works with the leaders who co-opted them, as if tied. For a national
    initiative the issuing body's aim is one more voice: local leaders who want something else
    receive "conflicting expectations and demands" (McKee et al.). That demand is set nationally, so
    local negotiation cannot close the gap to it: cohesion = min(local cohesion, agreement of the
    leader most at odds with the body's aim). Alignment is cohesion times how well the
    direction fits the task's own aim, ``(1 - FIT_WEIGHT) + FIT_WEIGHT * fit``; on a local task a
    brokering coordinator's negotiation of "the aims, roles, and scope" (Carstensen et al.) closes
    ``NEGOTIATION_CEILING * negotiated`` of the gap in fit too (a national aim is set nationally).
    Two or more voices whose cohesion is below
    ``CONFLICT_THRESHOLD`` send mixed messages: the task is in conflict this week.
    """
    st, ta, kc = k.staff, k.tasks, k.constants
    mix = k.hospitals.mix[h]
    sum_cos = sum_sin = 0.0
    for l in leaders_of(k, t):
        w = grant_score(k, l, mix)
        sum_cos += w * st.cos_aim[l]
        sum_sin += w * st.sin_aim[l]
    alignment, conflict, dir_cos, dir_sin = 0.0, False, 0.0, 0.0
    if n_leaders >= 1:
        norm = math.sqrt(sum_cos * sum_cos + sum_sin * sum_sin)
        leaders = leaders_of(k, t)
        pairs = [(a, b) for x, a in enumerate(leaders) for b in leaders[x + 1:]]
        together = 1.0       # agreement of the most divergent pair: one dissenting voice is enough
        national = 1.0       # of the leader most at odds with the issuing body
        voices = n_leaders
        if ta.kind[t] == C.NATIONAL:
            # the issuing body's demand is a voice too: local leaders who want something else
            # receive conflicting expectations and demands (McKee et al.)
            voices += 1
            for l in leaders:
                national = min(national, agreement(st.cos_aim[l], st.sin_aim[l], ta.cos_aim[t],
                                                   ta.sin_aim[t]))
        tie_sum = 0.0
        for a, b in pairs:
            together = min(together, agreement(st.cos_aim[a], st.sin_aim[a], st.cos_aim[b],
                                               st.sin_aim[b]))
            if ta.partner[t] in (a, b) or tied(k, a, b):
                tie_sum += st.embeddedness[a] * st.embeddedness[b]
        tie_share = tie_sum / len(pairs) if pairs else 0.0
        closure = max(kc.NEGOTIATION_CEILING * ta.negotiated[t], kc.TIE_ALIGNMENT * tie_share)
        # local negotiation and ties close divergence among the local leaders, not the gap to a
        # national body's demand, which is set nationally
        cohesion = min(together + (1.0 - together) * closure, national)
        if norm > 0.0:
            dir_cos, dir_sin = sum_cos / norm, sum_sin / norm
        else:
            dir_cos, dir_sin = ta.cos_aim[t], ta.sin_aim[t]
        fit = agreement(dir_cos, dir_sin, ta.cos_aim[t], ta.sin_aim[t])
        if ta.kind[t] != C.NATIONAL:   # negotiation of aims and scope brings the direction closer
            fit += (1.0 - fit) * kc.NEGOTIATION_CEILING * ta.negotiated[t]
        alignment = cohesion * (1.0 - kc.FIT_WEIGHT + kc.FIT_WEIGHT * fit)
        conflict = voices >= 2 and cohesion < kc.CONFLICT_THRESHOLD
    if brokered:
        ta.negotiated[t] += kc.NEGOTIATION_RATE * (1.0 - ta.negotiated[t])
    ta.alignment[t] = alignment
    ta.conflict[t] = conflict
    ta.dir_cos[t] = dir_cos
    ta.dir_sin[t] = dir_sin
    ta.changed[t] = changed


# --- phase 3 ------------------------------------------------------------------------------------

def effort_on(k: KernelInputs, h: int, t: int) -> float:
    """Total effort on task t this week, and what each contributor experiences.

    Person i gives ``budget_i * share_i,t * ((1 - AGREEMENT_EFFORT) + AGREEMENT_EFFORT *
    agreement)``, where the share is the task's influence on i against the pull of routine work and
    all other tasks (``influence / (ROUTINE_PULL + demand_i)``) and agreement is how far i's own aim
    agrees with the task's direction. What each contributor experiences (for their commitment,
    :mod:`sim.commitment`) is weighted by the same share: the task's progress, its conflict, its
    leaders' credibility reach and its leaders' :func:`relatedness` to the contributor's manager.
    """
    st, ta, out, kc = k.staff, k.tasks, k.out, k.constants
    if number_of_leaders(k, t) == 0:
        return undirected_effort_on(k, h, t)
    dir_cos, dir_sin = ta.dir_cos[t], ta.dir_sin[t]
    conflict = 1.0 if ta.conflict[t] else 0.0
    total = 0.0
    for unit in units_crossed(k, h, t):
        unit_authority, unit_credibility = reach(k, h, t, unit)
        related = relatedness(k, h, t, unit)
        out.record[h, REC["interactions"]] += len(staff_of(k, unit))
        for i in staff_of(k, unit):
            if i in leaders_of(k, t):
                authority_reach, credibility_reach = 1.0, 1.0
            else:
                authority_reach, credibility_reach = unit_authority, unit_credibility
            share = influence(k, authority_reach, credibility_reach) / (kc.ROUTINE_PULL + out.demand[i])
            agrees = agreement(st.cos_aim[i], st.sin_aim[i], dir_cos, dir_sin)
            effort = st.budget[i] * share * (1.0 - kc.AGREEMENT_EFFORT + kc.AGREEMENT_EFFORT * agrees)
            total += effort
            out.share[i] += share
            out.seen_progress[i] += share * ta.last_dp[t]
            out.seen_conflict[i] += share * conflict
            out.supportive[i] += share * credibility_reach
            out.seen_related[i] += share * related
            out.pull_cos[i] += effort * dir_cos
            out.pull_sin[i] += effort * dir_sin
            out.effort_given[i] += effort
    for l in leaders_of(k, t):
        out.pull_cos[l] += kc.LEADER_PULL * ta.cos_aim[t]
        out.pull_sin[l] += kc.LEADER_PULL * ta.sin_aim[t]
    return total


def undirected_effort_on(k: KernelInputs, h: int, t: int) -> float:
    """Effort spent on a task that nobody leads: wasted for want of direction.

    A task with nobody in charge does not vanish from its units: it still asks for attention
    (``VACUUM_PULL`` in place of a leader's influence), and the effort staff give it goes nowhere,
    because without direction there is nothing to align it with (Drath et al. 2008; McKee et al.
    2013: when everyone is responsible "nobody" takes charge, and effort is dissipated). Each person
    gives ``budget_i * share_i,t * (1 - AGREEMENT_EFFORT)``: the part of effort that does not depend
    on agreeing with a direction, since there is none.
    """
    st, out, kc = k.staff, k.out, k.constants
    total = 0.0
    for unit in units_crossed(k, h, t):
        out.record[h, REC["interactions"]] += len(staff_of(k, unit))
        for i in staff_of(k, unit):
            share = kc.VACUUM_PULL / (kc.ROUTINE_PULL + out.demand[i])
            effort = st.budget[i] * share * (1.0 - kc.AGREEMENT_EFFORT)
            total += effort
            out.share[i] += share
            out.effort_given[i] += effort
    return total


# --- phase 4 ------------------------------------------------------------------------------------

def progress_and_fate(k: KernelInputs, h: int, t: int, tick: int) -> None:
    """Progress, consolidation, and whether the task completes, fails or is abandoned.

    Progress = effort * alignment * backing * quality / (required effort * complexity overhead).

    *Backing* is the management-support gate: ``resources * (1 - CLOUT_WEIGHT + CLOUT_WEIGHT *
    (clout + (1 - clout) * support ** SUPPORT_BACKING_EXPONENT))``, where resources =
    ``RESOURCE_FLOOR + (1 - RESOURCE_FLOOR) * max(support, LINE_RESOURCES * clout)``: leaders
    "required infrastructural administrative support and/or positional power to command influence"
    (McKee et al.), so with no support QI runs on ``RESOURCE_FLOOR`` of the resources, except that a
    leader with clout over the task's units commands a share ``LINE_RESOURCES`` of them by positional
    power (a ward manager can free their own ward's time without the board's backing), and support
    reaches the task's leaders in full only through clout. Clout is the highest, among the leaders and the brokering coordinator, formal authority
    times the share of the task's units within their formal reach, relative to a unit manager's
    authority (capped at 1): a ward manager has clout over their ward, not over a change that
    crosses four wards, and a quality coordinator lends a share ``BROKER_MANDATE`` of the
    hospital-wide QI mandate of their post to the tasks they broker (Carstensen et al.:
    coordinators are "pivotal"). Support reaches a task in full through a leader with clout over it,
    and through emergent leaders only as far as management backs them, which itself takes
    substantial support (a power of support): support is a precondition for distributed leadership
    (Carstensen et al.), whose leaders "needed to be backed up, underwritten and occasionally
    enforced by old forms of leadership" (McKee et al.).

    *Quality* = ``1 - EXPERTISE_WEIGHT + EXPERTISE_WEIGHT * (highest expertise among the leaders)``
    (West et al.: leadership goes "to wherever expertise ... sit[s]").

    *Overhead*: each unit crossed beyond the first adds ``COMPLEXITY_OVERHEAD`` to the effort needed,
    less a cut for coordination, the largest of: ``LINE_OVERHEAD_CUT`` times the leaders' own clout
    (the line coordinates the units a leader has authority over: direct supervision);
    ``LATERAL_OVERHEAD_CUT`` times the share of the units crossed whose manager leads the task or is
    tied to one of its leaders (relationships between leaders, West et al.; relational coordination,
    Gittell 2009; lateral relations, Galbraith 1973); and, if a coordinator brokers the task,
    ``BROKER_OVERHEAD_CUT`` (a liaison role coordinates by mutual adjustment where neither reaches;
    Mintzberg 1979).

    *Consolidation*: in a week with the same leaders, consolidation rises by ``consolidation_rate``
    times a weight (``CONSOLIDATION_BASE``, plus ``CONSOLIDATION_FORMAL`` with a manager or hybrid
    among the leaders and ``CONSOLIDATION_BROKER`` with a brokering coordinator: Carstensen et al.)
    times what is left, divided by the units crossed: a practice is embedded unit by unit. A
    completed task's gain is held in proportion to its consolidation; the rest is fragile and
    decays.
    """
    st, ta, ho, cfg, rec, kc = k.staff, k.tasks, k.hospitals, k.config, k.out.record, k.constants
    leaders = leaders_of(k, t)
    brokered = ta.broker[t] >= 0
    effort = ta.effort[t]
    if leaders:
        expertise = max(st.expertise[l] for l in leaders)
        reaches = [st.authority[l] * units_in_reach(k, h, t, l) / ta.width[t] for l in leaders]
        line_cut = kc.LINE_OVERHEAD_CUT * min(1.0, max(reaches) / kc.AUTHORITY_UNIT_MANAGER)
        lateral_cut = kc.LATERAL_OVERHEAD_CUT * related_units(k, h, t) / ta.width[t]
        cut = max(line_cut, lateral_cut)
        if brokered:
            cut = max(cut, kc.BROKER_OVERHEAD_CUT)
        overhead = 1.0 + kc.COMPLEXITY_OVERHEAD * (ta.width[t] - 1) * (1.0 - cut)
        if brokered:   # a brokering coordinator lends part of their post's QI mandate
            b = int(ta.broker[t])
            reaches.append(kc.BROKER_MANDATE * st.authority[b] * units_in_reach(k, h, t, b) / ta.width[t])
        clout = min(1.0, max(reaches) / kc.AUTHORITY_UNIT_MANAGER)
        support = ho.support[h]
        backed = clout + (1.0 - clout) * support ** kc.SUPPORT_BACKING_EXPONENT
        resources = kc.RESOURCE_FLOOR + (1.0 - kc.RESOURCE_FLOOR) * max(support, kc.LINE_RESOURCES * clout)
        backing = resources * (1.0 - kc.CLOUT_WEIGHT + kc.CLOUT_WEIGHT * backed)
        quality = 1.0 - kc.EXPERTISE_WEIGHT + kc.EXPERTISE_WEIGHT * expertise
        dp = effort * ta.alignment[t] * backing * quality / (ta.required[t] * overhead)
        ta.progress[t] += dp
        ta.last_dp[t] = dp
        ta.vacuum_run[t] = 0
        if ta.conflict[t]:
            ta.conflict_run[t] += 1
            rec[h, REC["conflict_tasks"]] += 1.0
        else:
            ta.conflict_run[t] = 0
            rec[h, REC["directed_tasks"]] += 1.0
        formal = False
        for l in leaders:
            st.leader_weeks[l] += 1.0
            rec[h, REC_LEADERS + st.category[l]] += 1.0
            rec[h, REC["leader_expertise"]] += st.expertise[l]
            formal = formal or st.category[l] in (C.LEAD_MANAGER, C.LEAD_HYBRID)
        if not ta.changed[t]:
            weight = (kc.CONSOLIDATION_BASE + (kc.CONSOLIDATION_FORMAL if formal else 0.0)
                      + (kc.CONSOLIDATION_BROKER if brokered else 0.0))
            # a practice is consolidated in each unit it spans: wider work takes longer
            ta.consolidation[t] += (ho.consolidation_rate[h] * weight * (1.0 - ta.consolidation[t])
                                    / ta.width[t])
    else:
        ta.last_dp[t] = 0.0
        ta.vacuum_run[t] += 1
        ta.conflict_run[t] = 0
        rec[h, REC["vacuum_tasks"]] += 1.0
    rec[h, REC["active_tasks"]] += 1.0
    if ta.kind[t] == C.NATIONAL:
        rec[h, REC["national_active"]] += 1.0
        if not leaders:
            rec[h, REC["national_vacuum"]] += 1.0
    rec[h, REC["effort"]] += effort
    rec[h, REC["aligned_effort"]] += effort * ta.alignment[t]
    ta.age[t] += 1

    fate = None
    if ta.progress[t] >= 1.0:
        ta.progress[t] = 1.0
        fate = C.COMPLETED
        held = ta.consolidation[t] * ta.value[t]
        ho.gain_held[h] += held
        ho.gain_fragile[h] += ta.value[t] - held
        rec[h, REC["completed"]] += 1.0
        rec[h, REC["gain"]] += ta.value[t]
        rec[h, REC["gain_held"]] += held
    elif ta.vacuum_run[t] >= cfg.vacuum_patience:
        fate = C.FAILED_VACUUM
        rec[h, REC["failed_vacuum"]] += 1.0
    elif ta.conflict_run[t] >= cfg.conflict_patience:
        fate = C.FAILED_CONFLICT
        rec[h, REC["failed_conflict"]] += 1.0
    elif ta.age[t] >= cfg.task_deadline:
        fate = C.ABANDONED
        rec[h, REC["abandoned"]] += 1.0
    if fate is not None:
        if fate != C.COMPLETED:
            learn_or_blame(k, h, t, leaders)
        for l in leaders:
            st.lead_count[l] -= 1
        if brokered:
            st.broker_load[ta.broker[t]] -= 1
        if (ta.kind[t] == C.NATIONAL and fate in (C.FAILED_VACUUM, C.FAILED_CONFLICT)
                and ta.age[t] < cfg.task_deadline):
            reissue(k, h, t)
        else:
            ta.status[t] = fate
            ta.ended[t] = tick


def reissue(k: KernelInputs, h: int, t: int) -> None:
    """A national initiative that failed locally is issued again by its body.

    A mandate does not go away because the hospital's effort on it collapsed (McKee et al.: "too
    many initiatives coming down", "duplication of initiatives", "report in different ways on the
    same thing"): the body issues it again, with its aim and scope, and the local work starts
    afresh under the same programme clock (the task's age continues, so it is abandoned at the
    deadline; its reporting runs on as for the first issue). The failure still counts as a failure.
    """
    ta = k.tasks
    ta.progress[t] = 0.0
    ta.last_dp[t] = 0.0
    ta.vacuum_run[t] = 0
    ta.conflict_run[t] = 0
    ta.consolidation[t] = 0.0
    ta.negotiated[t] = 0.0
    ta.leaders[t] = -1
    ta.broker[t] = -1
    ta.partner[t] = -1
    k.out.record[h, REC["reissued"]] += 1.0


def learn_or_blame(k: KernelInputs, h: int, t: int, leaders: list[int]) -> None:
    """A task that failed or was abandoned: the system learns, or its leaders are blamed.

    In a collective culture (West et al. 2014: "treating complaints and errors as opportunities for
    system learning rather than as prompts for blame") each unit the task crossed gains capability,
    ``LEARNING_RATE * culture * (1 - capability)``, so its later tasks need less effort (see
    :mod:`sim.arrival`); otherwise the task's leaders lose ``BLAME_SHOCK * (1 - culture)`` of their
    motivation. Both need someone to have led the task: a task that failed with nobody in charge
    gave nobody the experience to learn from, and has nobody to blame. (Capability is also lost as
    staff leave: :func:`sim.turnover.replace_leavers`.)
    """
    if not leaders:
        return
    kc, culture = k.constants, k.hospitals.culture[h]
    for unit in units_crossed(k, h, t):
        k.units.capability[unit] += kc.LEARNING_RATE * culture * (1.0 - k.units.capability[unit])
    for l in leaders:
        k.staff.motivation[l] *= 1.0 - kc.BLAME_SHOCK * (1.0 - culture)


# --- between hospitals: the collaborative's learning session ------------------------------------

def learning_session(k: KernelInputs, body: np.ndarray, lessons: np.ndarray, topic_cos: np.ndarray,
                     topic_sin: np.ndarray, n_bodies: int, overhead: np.ndarray, learning: float,
                     gained: np.ndarray) -> None:
    """A learning session of the collaborative: hospitals share what worked (IHI Breakthrough
    Series, Kilo 1998: learning sessions between action periods; Carstensen et al. 2023: meetings
    of nationwide QICs with local and regional coordinators).

    ``lessons[g, k]`` counts the tasks of topic k hospital g completed since the last session
    (:class:`sim.collaborative.Collaborative`). For each active task t of hospital h:

    - *evidence*: the largest, over topics k, of ``similarity(t, k) * peers(h, k) / (H - 1)``, where
      ``peers`` counts the other hospitals that completed a task of topic k; the similarity is 1
      for an initiative of the same national programme, else ``max(0, (agreement - s) / (1 - s))``
      with ``s = LEARNING_SIMILARITY`` and ``agreement`` of the task's aim with the topic's (Rogers
      2003: an innovation spreads where it is compatible);
    - *uptake*: someone must bring the lesson home and adapt it: the highest expertise among the
      task's leaders and its brokering coordinator (0 if the task has neither: nobody in charge,
      nobody learns; absorptive capacity, Cohen & Levinthal 1990);
    - the task's progress rises by ``SESSION_TRANSFER * collaborative_learning * evidence * uptake
      * (1 - progress) / overhead[h]``, where ``overhead`` is the cross-hospital cost of
      :func:`sim.collaborative.cross_hospital_overhead`. A session shortens the work left; it never
      completes a task (the hospital's own work does, in a later week).

    ``gained[h]`` receives the progress transferred to hospital h's tasks.
    """
    st, ta, ho, kc = k.staff, k.tasks, k.hospitals, k.constants
    H, T = lessons.shape
    if H < 2:
        return
    holders = (lessons > 0).sum(axis=0)
    for h in range(H):
        for t in range(ho.task_start[h], ho.task_end[h]):
            if ta.status[t] != C.ACTIVE:
                continue
            carriers = leaders_of(k, t) + ([int(ta.broker[t])] if ta.broker[t] >= 0 else [])
            if not carriers:
                continue
            uptake = max(st.expertise[i] for i in carriers)
            evidence = 0.0
            for topic in range(T):
                peers = holders[topic] - (1 if lessons[h, topic] > 0 else 0)
                if peers <= 0:
                    continue
                if topic < n_bodies and ta.kind[t] == C.NATIONAL and body[t] == topic:
                    similar = 1.0
                else:
                    agree = agreement(ta.cos_aim[t], ta.sin_aim[t], topic_cos[topic], topic_sin[topic])
                    similar = max(0.0, (agree - kc.LEARNING_SIMILARITY) / (1.0 - kc.LEARNING_SIMILARITY))
                evidence = max(evidence, similar * peers / (H - 1))
            dp = (kc.SESSION_TRANSFER * learning * evidence * uptake * (1.0 - ta.progress[t])
                  / overhead[h])
            ta.progress[t] += dp
            gained[h] += dp
