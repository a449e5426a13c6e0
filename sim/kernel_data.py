"""What the interaction kernel reads and writes, grouped into named tuples of arrays.

Both implementations of the kernel (numba in :mod:`sim.kernel`, plain Python in
:mod:`sim.reference`) take exactly these tuples, so they see the same state, the same random numbers
and write the same outputs. :func:`prepare` gathers them from the organisation's state, with this
week's per-person quantities from :func:`person_inputs` (plain Python) or its numba twin in
:mod:`sim.staff_kernel`, which give identical values.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from . import constants as C
from .state import Organisation, embeddedness_table

# Per-hospital record columns written by the kernel each week.
RECORD_COLUMNS = (
    "active_tasks", "vacuum_tasks", "conflict_tasks", "directed_tasks", "effort", "aligned_effort",
    "completed", "failed_vacuum", "failed_conflict", "abandoned", "gain",
    "leaders_manager", "leaders_clinician", "leaders_hybrid", "leaders_coordinator",
    "claims_granted", "claims_rejected", "assigned", "negotiated", "interactions",
    "leader_expertise", "gain_held", "national_active", "national_vacuum",
)
REC = {name: k for k, name in enumerate(RECORD_COLUMNS)}
REC_LEADERS = REC["leaders_manager"]   # first of the four who-leads columns (LEAD_* order)

# Per-task uniform random numbers drawn each week (numpy Generator), by use.
U_DROP = 0          # 0..MAX_LEADERS-1: a leader stepping down
U_ASSIGN = C.MAX_LEADERS
U_NEGOTIATE = U_ASSIGN + 1
U_CLAIM = U_ASSIGN + 2
U_CLAIMANT = U_ASSIGN + 3
N_TASK_UNIFORMS = U_ASSIGN + 4

KStaff = namedtuple("KStaff", [
    "unit", "authority", "scope_lo", "scope_n", "expertise", "standing", "credibility",
    "embeddedness", "motivation", "max_leads", "lead_count", "broker_load", "budget",
    "cos_aim", "sin_aim", "category", "leader_weeks",
])
KUnits = namedtuple("KUnits", ["staff_start", "staff_end"])
KHospitals = namedtuple("KHospitals", [
    "unit_start", "n_units", "task_start", "task_end", "coord_start", "coordinators",
    "mix", "support", "consolidation_rate", "gain_held", "gain_fragile",
])
KNetwork = namedtuple("KNetwork", ["ptr", "idx"])
KTasks = namedtuple("KTasks", [
    "status", "kind", "unit_lo", "width", "owner", "cos_aim", "sin_aim", "required", "value", "progress",
    "last_dp", "age", "vacuum_run", "conflict_run", "leaders", "consolidation", "negotiated",
    "broker", "alignment", "conflict", "effort", "ended", "dir_cos", "dir_sin", "changed",
])
KConfig = namedtuple("KConfig", [
    "coordinator_span", "diffusion", "grant_threshold", "vacuum_patience", "conflict_patience",
    "task_deadline",
])
#: Behavioural constants the numba kernel reads at run time (not compiled in: see sim.constants).
KERNEL_CONSTANTS = (
    "AUTHORITY_UNIT_MANAGER",
    "BROKER_MANDATE",
    "BROKER_OVERHEAD_CUT",
    "CLAIM_RATE",
    "CLOUT_WEIGHT",
    "COMPLEXITY_OVERHEAD",
    "CONFLICT_THRESHOLD",
    "CROSS_UNIT_REACH",
    "DROP_RATE",
    "EXPERTISE_WEIGHT",
    "JOIN_DAMPING",
    "LINE_OVERHEAD_CUT",
    "NEGOTIATION_CEILING",
    "NEGOTIATION_RATE",
    "ROUTINE_PULL",
    "SUPPORT_FLOOR",
    "TIE_ALIGNMENT",
    "VACUUM_PULL",
    "LEADER_PULL",
)
KConst = namedtuple("KConst", KERNEL_CONSTANTS)


def kernel_constants() -> KConst:
    """The current values of :data:`KERNEL_CONSTANTS` from :mod:`sim.constants`."""
    return KConst(*(float(getattr(C, name)) for name in KERNEL_CONSTANTS))


KOut = namedtuple("KOut", [
    "demand", "share", "seen_progress", "seen_conflict", "supportive", "pull_cos", "pull_sin",
    "effort_given", "record",
])
KernelInputs = namedtuple("KernelInputs", ["staff", "units", "hospitals", "network", "tasks", "config",
                                           "out", "constants"])


def lead_category(role: np.ndarray, hybrid: np.ndarray) -> np.ndarray:
    """Who-leads category of each person: LEAD_MANAGER, _CLINICIAN, _HYBRID or _COORDINATOR."""
    return np.select([role == C.MANAGER, hybrid, role == C.CLINICIAN, role == C.COORDINATOR],
                     [C.LEAD_MANAGER, C.LEAD_HYBRID, C.LEAD_CLINICIAN, C.LEAD_COORDINATOR]).astype(np.int8)


def reporting_load(org: Organisation, per_initiative: float) -> np.ndarray:
    """Share of QI capacity taken by reporting in each hospital: per active initiative, capped."""
    t = org.tasks
    active_nat = (t.status == C.ACTIVE) & (t.kind == C.NATIONAL)
    n = np.bincount(t.hospital[active_nat], minlength=org.hospitals.staff_start.shape[0])
    return np.minimum(C.MAX_REPORTING_LOAD, per_initiative * n)


def person_inputs(staff, load, span, table, out) -> None:
    """This week's per-person inputs to the kernel (plain Python; :mod:`sim.staff_kernel` is the
    numba twin).

    For each person: embeddedness from tenure (``table``: :func:`sim.state.embeddedness_table`),
    effective credibility = credibility * (0.4 + 0.6 * embeddedness), standing (the distributed
    grant score) = ``GRANT_EXPERTISE`` * expertise + ``GRANT_CREDIBILITY`` * effective credibility
    + ``GRANT_RELATIONS`` * relations * embeddedness, the QI budget = capacity * (1 - the hospital's
    reporting ``load``) * motivation * (1 - tasks brokered / ``span``) (a coordinator's QI time goes
    first to the tasks they broker), and the cosine and sine of their aim. ``out`` is the tuple of
    arrays written: (embeddedness, credibility, standing, budget, cos_aim, sin_aim).
    """
    emb, cred, standing, budget, cos_aim, sin_aim = out
    last = table.shape[0] - 1
    for i in range(staff.tenure.shape[0]):
        e = table[min(staff.tenure[i], last)]
        c = staff.credibility[i] * (0.4 + 0.6 * e)
        emb[i] = e
        cred[i] = c
        standing[i] = (C.GRANT_EXPERTISE * staff.expertise[i] + C.GRANT_CREDIBILITY * c
                       + C.GRANT_RELATIONS * staff.relations[i] * e)
        brokering = staff.broker_load[i] / span
        budget[i] = (staff.capacity[i] * (1.0 - load[staff.hospital[i]]) * staff.motivation[i]
                     * (1.0 - brokering))
        cos_aim[i] = math.cos(staff.aim[i])
        sin_aim[i] = math.sin(staff.aim[i])


def prepare(org: Organisation, params, category: np.ndarray, inputs=person_inputs) -> KernelInputs:
    """Derive this week's kernel inputs from the state (views where possible, fresh outputs).

    ``inputs`` computes the per-person quantities: :func:`person_inputs` or its numba twin
    :func:`sim.staff_kernel.person_inputs`.
    """
    st, hs, t = org.staff, org.hospitals, org.tasks
    hs.reporting_load[:] = reporting_load(org, params.reporting_load)
    emb, cred, standing, budget, cos_aim, sin_aim = derived = tuple(np.empty(st.n) for _ in range(6))
    inputs(st, hs.reporting_load, params.coordinator_span, embeddedness_table(), derived)
    n, H, T = st.n, hs.staff_start.shape[0], t.n
    staff = KStaff(st.unit, st.authority, st.scope_lo, st.scope_n, st.expertise, standing, cred, emb,
                   st.motivation, st.max_leads, st.lead_count, st.broker_load, budget,
                   cos_aim, sin_aim, category, st.leader_weeks)
    units = KUnits(org.units.staff_start, org.units.staff_end)
    hospitals = KHospitals(hs.unit_start, hs.n_units, hs.task_start, hs.task_end, hs.coord_start,
                           hs.coordinators, hs.leadership_mix, hs.management_support,
                           hs.consolidation_rate, hs.gain_held, hs.gain_fragile)
    network = KNetwork(org.network.ptr, org.network.idx)
    tasks = KTasks(t.status, t.kind, t.unit_lo, t.width, t.owner, np.cos(t.aim), np.sin(t.aim), t.required,
                   t.value, t.progress, t.last_dp, t.age, t.vacuum_run, t.conflict_run, t.leaders,
                   t.consolidation, t.negotiated, t.broker, t.alignment, t.conflict, t.effort,
                   t.ended, np.zeros(T), np.zeros(T), np.zeros(T, np.bool_))
    config = KConfig(params.coordinator_span, params.diffusion_of_responsibility,
                     params.grant_threshold, params.vacuum_patience, params.conflict_patience,
                     params.task_deadline)
    out = KOut(np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n),
               np.zeros(n), np.zeros(n), np.zeros((H, len(RECORD_COLUMNS))))
    return KernelInputs(staff, units, hospitals, network, tasks, config, out, kernel_constants())
