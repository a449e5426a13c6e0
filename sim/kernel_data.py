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
from .constants import Constants
from .state import Organisation, embeddedness_table

# Per-hospital record columns written by the kernel each week.
RECORD_COLUMNS = (
    "active_tasks", "vacuum_tasks", "conflict_tasks", "directed_tasks", "effort", "aligned_effort",
    "completed", "failed_vacuum", "failed_conflict", "abandoned", "gain",
    "leaders_manager", "leaders_clinician", "leaders_hybrid", "leaders_coordinator",
    "claims_granted", "claims_rejected", "assigned", "negotiated", "interactions",
    "leader_expertise", "gain_held", "national_active", "national_vacuum", "coalitions",
    "reissued",
)
REC = {name: k for k, name in enumerate(RECORD_COLUMNS)}
REC_LEADERS = REC["leaders_manager"]   # first of the four who-leads columns (LEAD_* order)

# Per-task uniform random numbers drawn each week (numpy Generator), by use.
U_DROP = 0          # 0..MAX_LEADERS-1: a leader stepping down
U_ASSIGN = C.MAX_LEADERS
U_NEGOTIATE = U_ASSIGN + 1
U_CLAIM = U_ASSIGN + 2      # structural: column indices
U_CLAIMANT = U_ASSIGN + 3   # structural
U_COALITION = U_ASSIGN + 4  # structural
N_TASK_UNIFORMS = U_ASSIGN + 5   # structural

KStaff = namedtuple("KStaff", [
    "unit", "authority", "scope_lo", "scope_n", "expertise", "standing", "credibility",
    "embeddedness", "motivation", "max_leads", "lead_count", "broker_load", "budget",
    "cos_aim", "sin_aim", "category", "leader_weeks",
])
KUnits = namedtuple("KUnits", ["staff_start", "staff_end", "manager", "capability"])
KHospitals = namedtuple("KHospitals", [
    "unit_start", "n_units", "task_start", "task_end", "coord_start", "coordinators",
    "mix", "support", "consolidation_rate", "coalition_rate", "culture", "gain_held",
    "gain_fragile",
])
KNetwork = namedtuple("KNetwork", ["ptr", "idx"])
KTasks = namedtuple("KTasks", [
    "status", "kind", "unit_lo", "width", "owner", "steer", "cos_aim", "sin_aim", "required",
    "value", "progress", "last_dp", "age", "vacuum_run", "conflict_run", "leaders", "consolidation",
    "negotiated", "broker", "partner", "alignment", "conflict", "effort", "ended", "dir_cos",
    "dir_sin", "changed",
])
KConfig = namedtuple("KConfig", [
    "coordinator_span", "diffusion", "grant_threshold", "vacuum_patience", "conflict_patience",
    "task_deadline",
])


#: This week's per-person quantities computed before the kernel (:func:`person_inputs`).
KDerived = ("embeddedness", "credibility", "standing", "budget", "cos_aim", "sin_aim")
KOut = namedtuple("KOut", [
    "demand", "share", "seen_progress", "seen_conflict", "supportive", "seen_related", "pull_cos",
    "pull_sin", "effort_given", "record",
])
#: ``constants`` is the run's :class:`sim.constants.Constants` (behavioural constants are read at run
#: time, never compiled into the kernel: editing the table or a scenario's [constants] takes effect
#: at once, even with numba's on-disk cache).
KernelInputs = namedtuple("KernelInputs", ["staff", "units", "hospitals", "network", "tasks", "config",
                                           "out", "constants"])


def lead_category(role: np.ndarray, hybrid: np.ndarray) -> np.ndarray:
    """Who-leads category of each person: LEAD_MANAGER, _CLINICIAN, _HYBRID or _COORDINATOR."""
    return np.select([role == C.MANAGER, hybrid, role == C.CLINICIAN, role == C.COORDINATOR],
                     [C.LEAD_MANAGER, C.LEAD_HYBRID, C.LEAD_CLINICIAN, C.LEAD_COORDINATOR]).astype(np.int8)


def reporting_load(org: Organisation, per_initiative: float, kc: Constants) -> np.ndarray:
    """Share of QI capacity taken by reporting in each hospital: ``per_initiative`` for every
    initiative issued in the last ``REPORTING_WEEKS`` (whatever became of it locally), capped at
    ``MAX_REPORTING_LOAD``."""
    n = org.hospitals.issued.sum(axis=1)
    return np.minimum(kc.MAX_REPORTING_LOAD, per_initiative * n)


def person_inputs(staff, load, span, table, kc, out) -> None:
    """This week's per-person inputs to the kernel (plain Python; :mod:`sim.staff_kernel` is the
    numba twin).

    For each person: embeddedness from tenure (``table``: :func:`sim.state.embeddedness_table`),
    effective credibility = credibility * (``NEWCOMER_CREDIBILITY`` + (1 - ``NEWCOMER_CREDIBILITY``) *
    embeddedness), standing (the distributed grant score) = ``GRANT_EXPERTISE`` * expertise + (1 -
    ``GRANT_EXPERTISE`` - ``GRANT_RELATIONS``) * effective credibility + ``GRANT_RELATIONS`` *
    relations * embeddedness, the QI budget = capacity * (1 - the hospital's
    reporting ``load``) * motivation * (1 - tasks brokered / ``span``) (a coordinator's QI time goes
    first to the tasks they broker), and the cosine and sine of their aim. ``out`` is the tuple of
    arrays written: (embeddedness, credibility, standing, budget, cos_aim, sin_aim).
    """
    emb, cred, standing, budget, cos_aim, sin_aim = out
    last = table.shape[0] - 1
    grant_credibility = 1.0 - kc.GRANT_EXPERTISE - kc.GRANT_RELATIONS
    for i in range(staff.tenure.shape[0]):
        e = table[min(staff.tenure[i], last)]
        c = staff.credibility[i] * (kc.NEWCOMER_CREDIBILITY + (1.0 - kc.NEWCOMER_CREDIBILITY) * e)
        emb[i] = e
        cred[i] = c
        standing[i] = (kc.GRANT_EXPERTISE * staff.expertise[i] + grant_credibility * c
                       + kc.GRANT_RELATIONS * staff.relations[i] * e)
        brokering = staff.broker_load[i] / span
        budget[i] = (staff.capacity[i] * (1.0 - load[staff.hospital[i]]) * staff.motivation[i]
                     * (1.0 - brokering))
        cos_aim[i] = math.cos(staff.aim[i])
        sin_aim[i] = math.sin(staff.aim[i])


def prepare(org: Organisation, params, kc: Constants, category: np.ndarray,
            inputs=person_inputs) -> KernelInputs:
    """Derive this week's kernel inputs from the state (views where possible, fresh outputs).

    ``inputs`` computes the per-person quantities: :func:`person_inputs` or its numba twin
    :func:`sim.staff_kernel.person_inputs`.
    """
    st, hs, t = org.staff, org.hospitals, org.tasks
    hs.reporting_load[:] = reporting_load(org, params.reporting_load, kc)
    derived = tuple(np.empty(st.n) for _ in KDerived)
    inputs(st, hs.reporting_load, params.coordinator_span, embeddedness_table(kc), kc, derived)
    T = t.n
    task_derived = (np.cos(t.aim), np.sin(t.aim), np.zeros(T), np.zeros(T), np.zeros(T, np.bool_))
    return kernel_inputs(org, params, kc, category, derived, task_derived, fresh_outputs(org))


def fresh_outputs(org: Organisation) -> KOut:
    """The kernel's outputs for one week, zeroed."""
    n, H = org.staff.n, org.hospitals.staff_start.shape[0]
    return KOut(*(np.zeros(n) for _ in KOut._fields[:-1]), np.zeros((H, len(RECORD_COLUMNS))))


def config_of(params) -> KConfig:
    """The kernel's knobs from the run's parameters."""
    return KConfig(params.coordinator_span, params.diffusion_of_responsibility,
                   params.grant_threshold, params.vacuum_patience, params.conflict_patience,
                   params.task_deadline)


def kernel_inputs(org: Organisation, params, kc: Constants, category: np.ndarray, derived,
                  task_derived, out: KOut) -> KernelInputs:
    """The kernel's named tuples over the organisation's arrays (views), with this week's derived
    per-person arrays ``derived`` (in :data:`KDerived` order), per-task arrays ``task_derived``
    (cos_aim, sin_aim, dir_cos, dir_sin, changed) and outputs ``out``."""
    st, hs, t = org.staff, org.hospitals, org.tasks
    emb, cred, standing, budget, cos_aim, sin_aim = derived
    staff = KStaff(st.unit, st.authority, st.scope_lo, st.scope_n, st.expertise, standing, cred, emb,
                   st.motivation, st.max_leads, st.lead_count, st.broker_load, budget,
                   cos_aim, sin_aim, category, st.leader_weeks)
    units = KUnits(org.units.staff_start, org.units.staff_end, org.units.manager, org.units.capability)
    hospitals = KHospitals(hs.unit_start, hs.n_units, hs.task_start, hs.task_end, hs.coord_start,
                           hs.coordinators, hs.leadership_mix, hs.management_support,
                           hs.consolidation_rate, hs.coalition_rate, hs.collective_culture,
                           hs.gain_held, hs.gain_fragile)
    network = KNetwork(org.network.ptr, org.network.idx)
    task_cos, task_sin, dir_cos, dir_sin, changed = task_derived
    tasks = KTasks(t.status, t.kind, t.unit_lo, t.width, t.owner, t.steer, task_cos, task_sin,
                   t.required, t.value, t.progress, t.last_dp, t.age, t.vacuum_run,
                   t.conflict_run, t.leaders, t.consolidation, t.negotiated, t.broker, t.partner,
                   t.alignment, t.conflict, t.effort, t.ended, dir_cos, dir_sin, changed)
    return KernelInputs(staff, units, hospitals, network, tasks, config_of(params), out, kc)
