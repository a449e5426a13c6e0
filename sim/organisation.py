"""Organisation builder: hospitals, units, staff of three roles, reporting lines and informal ties.

Each hospital is a hierarchy (McKee et al. 2013: "organisations that remain permeated by traditional
structures"): a chief executive (plus one more executive per ``STAFF_PER_EXECUTIVE`` staff), a middle
manager per ``UNITS_PER_DIVISION`` units, a manager per unit (ward), local quality coordinators
(Carstensen et al. 2023) and clinicians,
a share of whom are hybrid clinician-managers (McKee et al.: "senior, hybrid positions that combined
the knowledge and professional legitimacy of clinical experience with ... managerial authority").

Informal ties are dense within a unit and sparse across units; formal leaders are additionally tied to
each other across units with probability ``leader_tie_density`` (West et al. 2014: "relationships
between leaders").
"""

from __future__ import annotations

import math

import numpy as np

from . import constants as C
from .constants import DEFAULTS, Constants
from .parameters import Parameters, ParameterError
from .state import (HospitalArrays, Network, Organisation, StaffArrays, TaskArrays, UnitArrays,
                    empty_tasks)


def units_in(staff: int, unit_size: int) -> int:
    """Number of units (wards) of a hospital of ``staff`` people."""
    return max(1, int(round(staff / unit_size)))


def hierarchy_counts(staff: int, unit_size: int, kc: Constants = DEFAULTS) -> tuple[int, int, int]:
    """(units, executives, middle managers) of a hospital of ``staff`` people."""
    n_units = units_in(staff, unit_size)
    return (n_units, 1 + staff // int(kc.STAFF_PER_EXECUTIVE),
            n_units // int(kc.UNITS_PER_DIVISION))


def staff_needed(staff: int, unit_size: int, coordinators: int, kc: Constants = DEFAULTS) -> int:
    """Fewest staff a hospital needs for its posts: a manager per unit, executives, middle
    managers, ``coordinators`` and at least one clinician (checked by the parameters)."""
    n_units, n_exec, n_mid = hierarchy_counts(staff, unit_size, kc)
    return n_units + n_exec + n_mid + coordinators + 1


def task_slots(params: Parameters, staff: int, kc: Constants = DEFAULTS) -> int:
    """Task slots of a hospital: room for ``TASK_POOL_YEARS`` of arrivals, plus
    ``TASK_POOL_EXTRA``."""
    per_year = (params.local_task_rate * staff / C.STAFF_PER_RATE_UNIT
                + params.n_national_bodies * params.initiative_rate)
    return int(kc.TASK_POOL_EXTRA) + int(math.ceil(kc.TASK_POOL_YEARS * per_year))


def national_steer(bodies: int, kc: Constants) -> float:
    """How strongly national bodies follow up their initiatives: ``1 / (1 + NATIONAL_DIFFUSION *
    (bodies - 1))`` (1 with one body or none): responsibility spread across bodies (McKee et al.)."""
    return 1.0 / (1.0 + kc.NATIONAL_DIFFUSION * max(bodies - 1, 0))


def beta_draws(rng, mean: float, concentration: float, n: int) -> np.ndarray:
    """``n`` draws of a Beta distribution given by its mean and concentration (a + b)."""
    return rng.beta(mean * concentration, (1.0 - mean) * concentration, n)


def _draw_role_traits(rng, role, hybrid, level, kc: Constants, post_traits: bool = True):
    """Expertise, credibility, authority and capacity by post (Beta draws; see ODD 7.1).

    Authority and capacity belong to the post, not the person: without ``post_traits`` (newcomers
    to an existing post) they are not computed and ``None`` is returned for them."""
    n = role.shape[0]
    conc = kc.TRAIT_CONCENTRATION
    is_mgr = role == C.MANAGER
    is_clin = (role == C.CLINICIAN) & ~hybrid
    is_coord = role == C.COORDINATOR
    expertise = np.where(is_mgr, beta_draws(rng, kc.EXPERTISE_MANAGER, conc, n),
                         np.where(is_coord, beta_draws(rng, kc.EXPERTISE_COORDINATOR, conc, n),
                                  beta_draws(rng, kc.EXPERTISE_CLINICIAN, conc, n)))
    credibility = np.where(is_mgr, beta_draws(rng, kc.CREDIBILITY_MANAGER, conc, n),
                           np.where(is_coord, beta_draws(rng, kc.CREDIBILITY_COORDINATOR, conc, n),
                                    np.where(hybrid, beta_draws(rng, kc.CREDIBILITY_HYBRID, conc, n),
                                             beta_draws(rng, kc.CREDIBILITY_CLINICIAN, conc, n))))
    if not post_traits:
        return expertise, credibility, None, None
    authority = np.select(
        [level == C.EXECUTIVE, level == C.MIDDLE_MANAGER, is_mgr, hybrid, is_coord, is_clin],
        [kc.AUTHORITY_EXECUTIVE, kc.AUTHORITY_MIDDLE, kc.AUTHORITY_UNIT_MANAGER, kc.AUTHORITY_HYBRID,
         kc.AUTHORITY_COORDINATOR, kc.AUTHORITY_CLINICIAN])
    capacity = np.select(
        [level == C.EXECUTIVE, is_mgr, hybrid, is_coord, is_clin],
        [kc.CAPACITY_EXECUTIVE, kc.CAPACITY_MANAGER, kc.CAPACITY_HYBRID, kc.CAPACITY_COORDINATOR,
         kc.CAPACITY_CLINICIAN])
    return expertise, credibility, authority.astype(np.float64), capacity.astype(np.float64)


def draw_newcomer_traits(rng, staff: StaffArrays, idx: np.ndarray, unit_aim: np.ndarray,
                         hospital_aim: np.ndarray, kc: Constants) -> None:
    """Refill the posts ``idx`` with newcomers: new traits, no tenure, the motivation that prevails
    in their unit, and a fresh aim.

    The post (role, level, authority, reach, capacity) is kept; the person is new.
    """
    if idx.size == 0:
        return
    exp_, cred, _, _ = _draw_role_traits(rng, staff.role[idx], staff.hybrid[idx], staff.level[idx],
                                         kc, post_traits=False)
    staff.expertise[idx] = exp_
    staff.credibility[idx] = cred
    # socialisation: a newcomer takes on the commitment that prevails in their unit (Van Maanen &
    # Schein 1979), not a fresh enthusiasm that would make turnover a cure for low morale
    unit_motivation = (np.bincount(staff.unit, weights=staff.motivation, minlength=unit_aim.shape[0])
                       / np.maximum(np.bincount(staff.unit, minlength=unit_aim.shape[0]), 1))
    prevailing = np.clip(unit_motivation[staff.unit[idx]], kc.SOCIALISATION_FLOOR,
                         1.0 - kc.SOCIALISATION_FLOOR)
    staff.motivation[idx] = beta_draws(rng, prevailing, kc.TRAIT_CONCENTRATION, idx.size)
    staff.aim[idx] = _initial_aims(rng, staff.role[idx], staff.hybrid[idx], staff.unit[idx],
                                   staff.hospital[idx], unit_aim, hospital_aim, kc)
    staff.tenure[idx] = 0
    staff.generation[idx] += 1


def _initial_aims(rng, role, hybrid, unit, hospital, unit_aim, hospital_aim, kc: Constants):
    """Managers and coordinators lean to the hospital's aim, clinicians to their unit's culture."""
    clinical = (role == C.CLINICIAN)
    anchor = np.where(clinical, unit_aim[unit], hospital_aim[hospital])
    return wrap(anchor + rng.normal(0.0, kc.PERSON_AIM_SPREAD, role.shape[0]))


def wrap(angle: np.ndarray) -> np.ndarray:
    """Angles into [-pi, pi)."""
    return (np.asarray(angle) + np.pi) % (2.0 * np.pi) - np.pi


def aim_anchor(staff: StaffArrays, units: UnitArrays, hospitals: HospitalArrays) -> np.ndarray:
    """The culture each person's aim returns to: the unit's for clinicians, the hospital's otherwise."""
    return np.where(staff.role == C.CLINICIAN, units.aim[staff.unit], hospitals.aim[staff.hospital])


def build_organisation(params: Parameters, rng: np.random.Generator) -> Organisation:
    """Build hospitals, units, staff, informal network and an empty task pool from ``params``."""
    kc = params.constant_values()
    H = params.n_hospitals
    sizes = params.hospital_values("staff_per_hospital")
    n_coord = params.hospital_values("coordinators_per_hospital")
    hybrid_share = np.asarray(params.hospital_values("hybrid_share"))
    tie_density = params.hospital_values("leader_tie_density")

    role_l, level_l, unit_l, hosp_l, sup_l, scope_lo_l, scope_n_l, hyb_l = [], [], [], [], [], [], [], []
    unit_start_s, unit_end_s, unit_hosp, unit_mgr, unit_div = [], [], [], [], []
    h_staff_start, h_unit_start, h_n_units, h_exec, coords = [], [], [], [], []
    offset = 0
    unit_offset = 0
    for h in range(H):
        S = sizes[h]
        U, n_exec, n_mid = hierarchy_counts(S, params.unit_size, kc)
        needed = staff_needed(S, params.unit_size, n_coord[h], kc)
        if S < needed:
            raise ParameterError(
                "coordinators_per_hospital" if n_coord[h] else "staff_per_hospital",
                f"hospital {h} has {S} staff but needs at least {needed} for {U} unit managers, "
                f"{n_exec + n_mid} executives/middle managers, {n_coord[h]} coordinators and a "
                "clinician")
        unit_sizes = S // U + (np.arange(U) < S % U)
        starts = np.concatenate([[0], np.cumsum(unit_sizes)[:-1]])
        role = np.full(S, C.CLINICIAN, np.int8)
        level = np.full(S, C.FRONTLINE, np.int8)
        unit = np.repeat(np.arange(U), unit_sizes)
        scope_lo = unit.copy()
        scope_n = np.ones(S, np.int32)
        sup = np.full(S, -1, np.int64)
        next_free = np.ones(U, np.int64)

        def place(u0):
            for k in range(U):
                uu = (u0 + k) % U
                if next_free[uu] < unit_sizes[uu]:
                    slot = starts[uu] + next_free[uu]
                    next_free[uu] += 1
                    return int(slot)
            raise AssertionError("unreachable: sizes checked above")

        managers = starts.copy()
        role[managers] = C.MANAGER
        level[managers] = C.UNIT_MANAGER
        execs = [place(0) for _ in range(n_exec)]
        role[execs] = C.MANAGER
        level[execs] = C.EXECUTIVE
        scope_lo[execs] = 0
        scope_n[execs] = U
        per_div = int(kc.UNITS_PER_DIVISION)
        mids = [place(per_div * m) for m in range(n_mid)]
        for m, s in enumerate(mids):
            role[s] = C.MANAGER
            level[s] = C.MIDDLE_MANAGER
            scope_lo[s] = per_div * m
            scope_n[s] = min(per_div, U - per_div * m)
        co = [place((j * U) // max(1, n_coord[h])) for j in range(n_coord[h])]
        role[co] = C.COORDINATOR
        scope_lo[co] = 0
        scope_n[co] = U
        clin = np.flatnonzero(role == C.CLINICIAN)
        hybrid = np.zeros(S, bool)
        hybrid[clin[rng.random(clin.size) < hybrid_share[h]]] = True

        # formal reporting lines (a tree rooted at the chief executive)
        ceo = execs[0]
        for e in execs[1:]:
            sup[e] = ceo
        for s in mids:
            sup[s] = ceo
        for u in range(U):
            grp = u // per_div
            sup[managers[u]] = mids[grp] if grp < n_mid else ceo
        sup[co] = ceo
        sup[clin] = managers[unit[clin]]

        role_l.append(role); level_l.append(level); unit_l.append(unit + unit_offset)
        hosp_l.append(np.full(S, h, np.int32))
        sup_l.append(np.where(sup >= 0, sup + offset, -1))
        scope_lo_l.append(scope_lo); scope_n_l.append(scope_n); hyb_l.append(hybrid)
        unit_start_s.append(starts + offset); unit_end_s.append(starts + unit_sizes + offset)
        unit_hosp.append(np.full(U, h, np.int32)); unit_mgr.append(managers + offset)
        division = np.full(U, -1, np.int64)
        for m, s_mid in enumerate(mids):
            division[per_div * m:per_div * m + scope_n[s_mid]] = s_mid + offset
        unit_div.append(division)
        h_staff_start.append(offset); h_unit_start.append(unit_offset); h_n_units.append(U)
        h_exec.append(ceo + offset); coords.append(np.asarray(co, np.int64) + offset)
        offset += S
        unit_offset += U

    role = np.concatenate(role_l); level = np.concatenate(level_l)
    hybrid = np.concatenate(hyb_l); unit = np.concatenate(unit_l).astype(np.int32)
    hospital = np.concatenate(hosp_l)
    N = role.shape[0]

    # hospitals of a complex collaborative differ more in their aims (the same draw, scaled)
    hospital_aim = (rng.normal(0.0, kc.HOSPITAL_AIM_SPREAD, H)
                    * (1.0 + kc.COLLABORATIVE_AIM_SPREAD * params.collaborative_complexity))
    unit_aim = wrap(hospital_aim[np.concatenate(unit_hosp)] + kc.CLINICAL_OFFSET
                    + rng.normal(0.0, kc.UNIT_AIM_SPREAD, unit_offset))
    expertise, credibility, authority, capacity = _draw_role_traits(rng, role, hybrid, level, kc)
    staff = StaffArrays(
        hospital=hospital,
        unit=unit,
        role=role,
        hybrid=hybrid,
        level=level,
        supervisor=np.concatenate(sup_l).astype(np.int32),
        authority=authority,
        scope_lo=np.concatenate(scope_lo_l).astype(np.int32),
        scope_n=np.concatenate(scope_n_l).astype(np.int32),
        expertise=expertise,
        credibility=credibility,
        capacity=capacity,
        max_leads=(1 + np.floor(capacity * kc.LEADS_PER_CAPACITY)).astype(np.int32),
        motivation=beta_draws(rng, kc.MOTIVATION_INITIAL, kc.TRAIT_CONCENTRATION, N),
        aim=np.zeros(N),
        tenure=np.minimum(rng.exponential(kc.TENURE_MEAN_WEEKS, N), kc.TENURE_CAP_WEEKS).astype(np.int32),
        generation=np.zeros(N, np.int32),
        relations=np.zeros(N),
        lead_count=np.zeros(N, np.int32),
        broker_load=np.zeros(N, np.int32),
        leader_weeks=np.zeros(N),
    )
    staff.aim[:] = _initial_aims(rng, role, hybrid, unit, hospital, unit_aim, hospital_aim, kc)

    units = UnitArrays(
        hospital=np.concatenate(unit_hosp),
        staff_start=np.concatenate(unit_start_s).astype(np.int32),
        staff_end=np.concatenate(unit_end_s).astype(np.int32),
        manager=np.concatenate(unit_mgr).astype(np.int32),
        division_manager=np.concatenate(unit_div).astype(np.int32),
        aim=unit_aim,
        capability=np.zeros(unit_offset),
    )

    h_start = np.asarray(h_staff_start, np.int64)
    network = _build_network(rng, staff, units, tie_density, h_start,
                             h_start + np.asarray(sizes, np.int64), kc)
    staff.relations[:] = np.minimum(1.0, network.degree() / kc.RELATIONS_FULL)

    slots = np.array([task_slots(params, s, kc) for s in sizes], np.int64)
    task_start = np.concatenate([[0], np.cumsum(slots)[:-1]])
    coord_counts = np.array([c.size for c in coords])
    hospitals = HospitalArrays(
        staff_start=np.asarray(h_staff_start, np.int32),
        staff_end=np.asarray(h_staff_start, np.int32) + np.asarray(sizes, np.int32),
        unit_start=np.asarray(h_unit_start, np.int32),
        n_units=np.asarray(h_n_units, np.int32),
        task_start=task_start.astype(np.int32),
        task_end=(task_start + slots).astype(np.int32),
        executive=np.asarray(h_exec, np.int32),
        coord_start=np.concatenate([[0], np.cumsum(coord_counts)]).astype(np.int32),
        coordinators=(np.concatenate(coords) if coords else np.zeros(0)).astype(np.int32),
        leadership_mix=np.asarray(params.hospital_values("leadership_mix"), np.float64),
        management_support=np.asarray(params.hospital_values("management_support"), np.float64),
        consolidation_rate=np.asarray(params.hospital_values("consolidation_rate"), np.float64),
        coalition_rate=np.asarray(params.hospital_values("coalition_rate"), np.float64),
        collective_culture=np.asarray(params.hospital_values("collective_culture"), np.float64),
        aim=hospital_aim,
        national_focus=np.full(H, national_steer(params.n_national_bodies, kc)),
        reporting_load=np.zeros(H),
        issued=np.zeros((H, int(kc.REPORTING_WEEKS)), np.int32),
        gain_held=np.zeros(H),
        gain_fragile=np.zeros(H),
    )
    tasks: TaskArrays = empty_tasks(np.repeat(np.arange(H), slots))
    spread = (1.0 - params.national_coherence) * np.pi
    body_aims = rng.uniform(-spread, spread, params.n_national_bodies)
    return Organisation(staff, units, hospitals, tasks, network, body_aims)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` by a sort (numpy's hash-based unique is several times slower here)."""
    values = np.sort(values)
    keep = np.ones(values.shape[0], np.bool_)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


def _build_network(rng, staff: StaffArrays, units: UnitArrays, tie_density, h_start: np.ndarray,
                   h_end: np.ndarray, kc: Constants) -> Network:
    """Symmetric informal ties: within units, across units, and among formal leaders."""
    N = staff.n
    u = staff.unit
    u_size = (units.staff_end - units.staff_start)[u]
    # within-unit ties: each person names Poisson(WITHIN_UNIT_TIES) colleagues of their unit
    k_in = rng.poisson(kc.WITHIN_UNIT_TIES, N)
    src_in = np.repeat(np.arange(N), k_in)
    size_in = u_size[src_in]
    off = rng.integers(1, np.maximum(size_in, 2))
    dst_in = units.staff_start[u[src_in]] + (src_in - units.staff_start[u[src_in]] + off) % size_in
    # cross-unit ties anywhere in the same hospital
    k_x = rng.poisson(kc.CROSS_UNIT_TIES, N)
    src_x = np.repeat(np.arange(N), k_x)
    h = staff.hospital[src_x]
    dst_x = h_start[h] + rng.integers(0, h_end[h] - h_start[h])
    # ties among formal leaders (posts with authority >= unit manager, hybrids, coordinators)
    formal = np.flatnonzero((staff.authority >= kc.AUTHORITY_COORDINATOR))
    src_l, dst_l = [], []
    fh = staff.hospital[formal]
    for hh in np.unique(fh):
        members = formal[fh == hh]
        if members.size < 2:
            continue
        a, b = np.triu_indices(members.size, 1)
        keep = rng.random(a.size) < tie_density[hh]
        src_l.append(members[a[keep]]); dst_l.append(members[b[keep]])
    src = np.concatenate([src_in, src_x] + src_l).astype(np.int64)
    dst = np.concatenate([dst_in, dst_x] + dst_l).astype(np.int64)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    pairs = _sorted_unique(np.concatenate([src * N + dst, dst * N + src]))
    a = pairs // N
    b = (pairs % N).astype(np.int32)
    ptr = np.zeros(N + 1, np.int64)
    np.add.at(ptr, a + 1, 1)
    ptr = np.cumsum(ptr)
    return Network(ptr=ptr, idx=b)
