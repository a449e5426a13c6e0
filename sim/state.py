"""The model's state as a struct of numpy arrays.

Staff, units, hospitals and QI-task slots each have one array per attribute, indexed by a global
integer id. The numba kernel reads and writes these arrays directly; Mesa agents are views over them
(see :mod:`sim.agents`). Nothing here holds Python objects per staff member or task.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, fields

import numpy as np

from . import constants as C
from .constants import DEFAULTS, EMBEDDEDNESS_TABLE_SPANS, Constants


@dataclass
class StaffArrays:
    """One entry per staff post (a leaver's post is refilled in place, so ids are posts)."""

    hospital: np.ndarray      # int32, hospital id
    unit: np.ndarray          # int32, global unit id
    role: np.ndarray          # int8, MANAGER / CLINICIAN / COORDINATOR
    hybrid: np.ndarray        # bool, clinician-manager
    level: np.ndarray         # int8, EXECUTIVE .. FRONTLINE
    supervisor: np.ndarray    # int32, formal reporting line (-1 at the top)
    authority: np.ndarray     # float64 [0,1], formal (positional) authority
    scope_lo: np.ndarray      # int32, first unit (hospital-relative) of the post's formal reach
    scope_n: np.ndarray       # int32, number of units in that reach (wrapping within the hospital)
    expertise: np.ndarray     # float64 [0,1], clinical / QI expertise
    credibility: np.ndarray   # float64 [0,1], credibility with peers once embedded
    capacity: np.ndarray      # float64 [0,1], share of weekly time available for QI
    max_leads: np.ndarray     # int32, tasks the post can lead at once
    motivation: np.ndarray    # float64 [0,1], commitment to QI (dynamic)
    aim: np.ndarray           # float64 radians, preferred direction of improvement (dynamic)
    tenure: np.ndarray        # int32 weeks in post
    generation: np.ndarray    # int32, how many times the post was refilled
    relations: np.ndarray     # float64 [0,1], relational capital (informal ties / RELATIONS_FULL)
    lead_count: np.ndarray    # int32, tasks currently led (derived, kept in step)
    broker_load: np.ndarray   # int32, tasks currently brokered (coordinators)
    leader_weeks: np.ndarray  # float64, accumulated weeks as a legitimate leader (for Gini)

    @property
    def n(self) -> int:
        return int(self.hospital.shape[0])

    def embeddedness(self, kc: Constants = DEFAULTS) -> np.ndarray:
        """How embedded each person is: ``NEWCOMER_EMBEDDEDNESS`` for a newcomer, rising to 1
        with tenure (weeks)."""
        return embeddedness(self.tenure, kc)

    def effective_credibility(self, kc: Constants = DEFAULTS) -> np.ndarray:
        """Credibility others grant: base credibility scaled by embeddedness (newcomers less)."""
        return self.credibility * effective_share(self.embeddedness(kc), kc)


def effective_share(emb, kc: Constants):
    """Share of their credibility others grant someone of embeddedness ``emb``:
    ``NEWCOMER_CREDIBILITY + (1 - NEWCOMER_CREDIBILITY) * emb``."""
    return kc.NEWCOMER_CREDIBILITY + (1.0 - kc.NEWCOMER_CREDIBILITY) * emb


def embeddedness(tenure: np.ndarray, kc: Constants = DEFAULTS) -> np.ndarray:
    """e0 + (1 - e0) * (1 - exp(-tenure / EMBED_WEEKS)), e0 = NEWCOMER_EMBEDDEDNESS: newcomers
    have few working ties.

    Tenure is whole weeks, so the values come from a table of the same formula (exact: beyond the
    table's end the formula is 1.0 in double precision).
    """
    table = embeddedness_table(kc)
    return table[np.minimum(np.asarray(tenure), table.shape[0] - 1)]


def embeddedness_table(kc: Constants = DEFAULTS) -> np.ndarray:
    """Embeddedness by whole weeks of tenure, up to the tenure from which it is exactly 1."""
    return _embeddedness_table(kc.EMBED_WEEKS, kc.NEWCOMER_EMBEDDEDNESS)


@functools.lru_cache(maxsize=16)   # structural: tables kept
def _embeddedness_table(embed_weeks: float, newcomer: float) -> np.ndarray:
    weeks = np.arange(0, EMBEDDEDNESS_TABLE_SPANS * int(math.ceil(embed_weeks)) + 1, dtype=np.float64)
    table = newcomer + (1.0 - newcomer) * (1.0 - np.exp(-weeks / embed_weeks))
    assert table[-1] == 1.0, "table too short for an exact lookup"
    table.flags.writeable = False
    return table


@dataclass
class UnitArrays:
    """One entry per unit (ward); a unit's staff are the contiguous ids [staff_start, staff_end)."""

    hospital: np.ndarray      # int32
    staff_start: np.ndarray   # int32
    staff_end: np.ndarray     # int32
    manager: np.ndarray       # int32 staff id of the unit manager
    division_manager: np.ndarray  # int32 staff id of the middle manager over the unit (-1 none)
    aim: np.ndarray           # float64 radians, the unit's culture (anchor of its staff's aims)
    capability: np.ndarray    # float64 [0,1), QI capability learned from errors (dynamic)


@dataclass
class HospitalArrays:
    """One entry per hospital, with per-hospital parameters already resolved."""

    staff_start: np.ndarray   # int32
    staff_end: np.ndarray     # int32
    unit_start: np.ndarray    # int32 first global unit id
    n_units: np.ndarray       # int32
    task_start: np.ndarray    # int32 first task slot
    task_end: np.ndarray      # int32 one past the last task slot
    executive: np.ndarray     # int32 staff id of the chief executive
    coord_start: np.ndarray   # int32 offsets into ``coordinators``
    coordinators: np.ndarray  # int32 staff ids of coordinators, grouped by hospital
    leadership_mix: np.ndarray
    management_support: np.ndarray
    consolidation_rate: np.ndarray
    coalition_rate: np.ndarray
    collective_culture: np.ndarray
    aim: np.ndarray           # float64 radians
    national_focus: np.ndarray  # float64 (0,1] the steer national bodies give (1: one body or none)
    reporting_load: np.ndarray  # float64 share of QI capacity taken by reporting (dynamic)
    issued: np.ndarray        # int32 [hospitals, REPORTING_WEEKS] initiatives issued, by week (ring)
    gain_held: np.ndarray     # float64, consolidated improvement still in place (dynamic)
    gain_fragile: np.ndarray  # float64, unconsolidated improvement still in place (dynamic)


@dataclass
class TaskArrays:
    """A fixed pool of QI-task slots per hospital; an ended task stays until its slot is reused."""

    hospital: np.ndarray      # int32
    status: np.ndarray        # int8 FREE / ACTIVE / COMPLETED / FAILED_* / ABANDONED
    kind: np.ndarray          # int8 LOCAL / NATIONAL
    body: np.ndarray          # int16 issuing national body (-1 for local tasks)
    unit_lo: np.ndarray       # int32 first unit crossed (hospital-relative)
    width: np.ndarray         # int32 units crossed (complexity)
    owner: np.ndarray         # int32 staff id of the positional owner
    steer: np.ndarray         # float64 (0,1] how strongly the issuer follows the task up (1 local)
    aim: np.ndarray           # float64 radians
    required: np.ndarray      # float64 effort needed (staff-weeks)
    value: np.ndarray         # float64 improvement gained on completion
    progress: np.ndarray      # float64 [0,1]
    last_dp: np.ndarray       # float64 progress made last week
    age: np.ndarray           # int32 weeks active
    vacuum_run: np.ndarray    # int32 consecutive weeks with no legitimate leader
    conflict_run: np.ndarray  # int32 consecutive weeks of divergent leaders
    leaders: np.ndarray       # int32 [slots, MAX_LEADERS] staff ids, -1 empty
    consolidation: np.ndarray  # float64 [0,1]
    negotiated: np.ndarray    # float64 [0,1] agreement negotiated by a coordinator
    broker: np.ndarray        # int32 staff id of the brokering coordinator, -1 none
    partner: np.ndarray       # int32 staff id of a coalition partner co-opted to lead, -1 none
    alignment: np.ndarray     # float64 [0,1] last week's alignment of direction
    conflict: np.ndarray      # bool, last week in conflict
    effort: np.ndarray        # float64 last week's effort
    created: np.ndarray       # int32 tick of arrival
    ended: np.ndarray         # int32 tick the task ended (-1 while active)

    @property
    def n(self) -> int:
        return int(self.hospital.shape[0])

    def n_leaders(self) -> np.ndarray:
        return (self.leaders >= 0).sum(axis=1)


def with_room(buffer: np.ndarray, used: int, need: int) -> np.ndarray:
    """``buffer`` (rows along its first axis, ``used`` of them filled) if it has ``need`` rows,
    else a zeroed copy grown to at least double its length holding the filled rows."""
    if need <= buffer.shape[0]:
        return buffer
    grown = np.zeros((max(need, 2 * buffer.shape[0]), *buffer.shape[1:]), buffer.dtype)
    grown[:used] = buffer[:used]
    return grown


def empty_tasks(task_hospital: np.ndarray) -> TaskArrays:
    """A pool of free task slots, one per entry of ``task_hospital``."""
    n = task_hospital.shape[0]
    return TaskArrays(
        hospital=task_hospital.astype(np.int32),
        status=np.full(n, C.FREE, np.int8),
        kind=np.zeros(n, np.int8),
        body=np.full(n, -1, np.int16),
        unit_lo=np.zeros(n, np.int32),
        width=np.ones(n, np.int32),
        owner=np.full(n, -1, np.int32),
        steer=np.ones(n),
        aim=np.zeros(n),
        required=np.ones(n),
        value=np.zeros(n),
        progress=np.zeros(n),
        last_dp=np.zeros(n),
        age=np.zeros(n, np.int32),
        vacuum_run=np.zeros(n, np.int32),
        conflict_run=np.zeros(n, np.int32),
        leaders=np.full((n, C.MAX_LEADERS), -1, np.int32),
        consolidation=np.zeros(n),
        negotiated=np.zeros(n),
        broker=np.full(n, -1, np.int32),
        partner=np.full(n, -1, np.int32),
        alignment=np.zeros(n),
        conflict=np.zeros(n, np.bool_),
        effort=np.zeros(n),
        created=np.full(n, -1, np.int32),
        ended=np.full(n, -1, np.int32),
    )


@dataclass
class Network:
    """Informal ties as a symmetric graph in CSR form (neighbour lists sorted by id)."""

    ptr: np.ndarray   # int64 [n_staff + 1]
    idx: np.ndarray   # int32 neighbours

    def degree(self) -> np.ndarray:
        return np.diff(self.ptr)

    def neighbours(self, i: int) -> np.ndarray:
        return self.idx[self.ptr[i]:self.ptr[i + 1]]

    def tied(self, i: int, j: int) -> bool:
        nb = self.neighbours(i)
        k = np.searchsorted(nb, j)
        return bool(k < nb.shape[0] and nb[k] == j)


@dataclass
class Organisation:
    """Everything the builder makes: staff, units, hospitals, task pool and informal network."""

    staff: StaffArrays
    units: UnitArrays
    hospitals: HospitalArrays
    tasks: TaskArrays
    network: Network
    body_aims: np.ndarray     # float64 radians, one per national body

    def copy(self) -> Organisation:
        """A deep copy (every array copied), e.g. to run two backends from the same state."""
        def dup(obj):
            return type(obj)(**{f.name: getattr(obj, f.name).copy() for f in fields(obj)})
        return Organisation(dup(self.staff), dup(self.units), dup(self.hospitals), dup(self.tasks),
                            dup(self.network), self.body_aims.copy())
