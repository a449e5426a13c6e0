"""The Mesa model: owns the state arrays, steps the mechanisms once a week, records outcomes.

Schedule of one tick (one week), see ``docs/ODD.md`` section 3:

1. arrival of local tasks and national initiatives (:mod:`sim.arrival`);
2. turnover: leavers replaced by newcomers (:mod:`sim.turnover`);
3. reporting load and this week's derived quantities (:func:`sim.kernel_data.prepare`);
4. the interaction kernel: leadership emergence, direction and alignment, effort, progress,
   consolidation, failure and completion (:mod:`sim.kernel` or :mod:`sim.reference`);
5. commitment and the drift of aims (:mod:`sim.commitment`);
6. decay of completed gains, tenure, and the week's records.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import mesa
import numpy as np
from mesa import DataCollector

from . import commitment, kernel, reference, staff_kernel
from . import constants as C
from .agents import ROLE_CLASSES, StaffMember
from .arrival import arrive
from .kernel_data import N_TASK_UNIFORMS, lead_category, person_inputs, prepare
from .organisation import aim_anchor, build_organisation
from .outcomes import COL, TIMESERIES_COLUMNS, summary, timeseries_frame
from .parameters import Parameters
from .state import Organisation
from .turnover import recount_roles, turnover


class Backend(NamedTuple):
    """One implementation of the weekly rules: the interaction kernel and the per-person updates."""

    interaction_step: Callable
    person_inputs: Callable
    end_of_week: Callable


BACKENDS = {
    "numba": Backend(kernel.interaction_step, staff_kernel.person_inputs, staff_kernel.end_of_week),
    "reference": Backend(reference.interaction_step, person_inputs, commitment.end_of_week),
}
AGENT_VIEW_LIMIT = 50_000   # structural: above this many staff, agent views are off unless asked for


def random_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator, int]:
    """Independent generators for building the organisation and for the weekly dynamics, and a seed
    for Mesa's own generator, all spawned from ``SeedSequence(seed)``."""
    org_ss, dyn_ss, mesa_ss = np.random.SeedSequence(seed).spawn(3)   # structural: three streams
    return (np.random.default_rng(org_ss), np.random.default_rng(dyn_ss),
            int(mesa_ss.generate_state(1)[0]))


class LeadershipModel(mesa.Model):
    """Hospitals whose staff lead, follow and work on QI tasks under a leadership mix.

    Args:
        params: a :class:`~sim.parameters.Parameters` (or keywords to build one).
        backend: ``"numba"`` (fast) or ``"reference"`` (plain Python, same results).
        agents: create Mesa agent views for staff (default: when there are at most 50,000 staff).
        organisation: start from a given organisation instead of building one (tests, teaching).
    """

    def __init__(self, params: Parameters | None = None, *, backend: str = "numba",
                 agents: bool | None = None, organisation: Organisation | None = None, **kwargs):
        params = (Parameters() if params is None else params).replace(**kwargs)
        org_rng, dyn_rng, mesa_seed = random_streams(params.seed)
        super().__init__(rng=mesa_seed)
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose from {sorted(BACKENDS)}")
        self.params = params
        self.backend = backend
        self._impl = BACKENDS[backend]
        self.dynamics_rng = dyn_rng
        self.constants = params.constant_values()
        self.org = organisation if organisation is not None else build_organisation(params, org_rng)
        st = self.org.staff
        self.category = lead_category(st.role, st.hybrid)
        self.anchor = aim_anchor(st, self.org.units, self.org.hospitals)
        self._anchor_cos, self._anchor_sin = np.cos(self.anchor), np.sin(self.anchor)
        self.staff_per_hospital = (self.org.hospitals.staff_end - self.org.hospitals.staff_start).astype(float)
        self.week = 0
        self.records: list[np.ndarray] = []
        self.last_kernel = None
        self._agents_by_post: list[StaffMember] | None = None
        self._refilled = np.zeros(st.n, bool)   # posts refilled since their agent was created
        if agents if agents is not None else st.n <= AGENT_VIEW_LIMIT:
            self._agents_by_post = [ROLE_CLASSES[int(r)](self, i) for i, r in enumerate(st.role)]
        self.datacollector = DataCollector(model_reporters={
            "improvement": lambda m: m._latest("gain").sum(),
            "sustained_improvement": lambda m: m._latest("sustained_gain").mean(),
            "active_tasks": lambda m: m._latest("active_tasks").sum(),
            "tasks_without_leader": lambda m: m._latest("vacuum_tasks").sum(),
            "tasks_in_conflict": lambda m: m._latest("conflict_tasks").sum(),
            "failed_nobody_in_charge": lambda m: m._latest("failed_vacuum").sum(),
            "failed_conflict": lambda m: m._latest("failed_conflict").sum(),
            "completed": lambda m: m._latest("completed").sum(),
            "mean_motivation": lambda m: float(m.org.staff.motivation.mean()),
        })

    # --- agents -----------------------------------------------------------------------------
    # A newcomer's agent is created when the model's agents are next looked at (``agents``,
    # ``agents_by_type``, ``agent_for_post``), not at every turnover: runs that never look at
    # agents between weeks do not pay for agents nobody sees.
    @property
    def agents(self) -> mesa.agent.AgentSet:
        """All Mesa agents (one per staff post, for its current occupant)."""
        self._refresh_agents()
        return super().agents

    @property
    def agents_by_type(self) -> dict:
        """Agents by class (Manager, Clinician, Coordinator), for their posts' current occupants."""
        self._refresh_agents()
        return super().agents_by_type

    def agent_for_post(self, post: int) -> StaffMember:
        """The Mesa agent currently in staff post ``post``."""
        if self._agents_by_post is None:
            raise RuntimeError("this model was created with agents=False")
        self._refresh_agents()
        return self._agents_by_post[post]

    def _refresh_agents(self) -> None:
        """Replace the agents of posts refilled since: the leaver's agent is removed from the model
        and a new agent of the same role is created for the newcomer."""
        if self._agents_by_post is None or not self._refilled.any():
            return
        posts = np.flatnonzero(self._refilled)
        self._refilled[:] = False
        for post in posts:
            old = self._agents_by_post[post]
            old.remove()
            self._agents_by_post[post] = type(old)(self, post)

    # --- the week ---------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one week (see the module docstring for the schedule)."""
        org, p, rng = self.org, self.params, self.dynamics_rng
        kc = self.constants
        arrivals = arrive(org, p, kc, rng, self.week)
        leavers = turnover(org, p, kc, rng)
        self._refilled[leavers] = True
        recount_roles(org)
        uniforms = rng.random((org.tasks.n, N_TASK_UNIFORMS))
        k = prepare(org, p, kc, self.category, self._impl.person_inputs)
        self._impl.interaction_step(self.week, k, uniforms)
        hs, st = org.hospitals, org.staff
        self._impl.end_of_week(st, hs, k.out, kc, self._anchor_cos, self._anchor_sin,
                               k.staff.cos_aim, k.staff.sin_aim)
        hs.gain_fragile *= 1.0 - p.gain_decay_rate
        hs.gain_held *= 1.0 - kc.HELD_DECAY
        st.tenure += 1
        motivation = np.bincount(st.hospital, weights=st.motivation, minlength=hs.aim.shape[0])
        row = np.concatenate([k.out.record, arrivals,
                              np.column_stack([motivation / self.staff_per_hospital,
                                               hs.reporting_load, hs.gain_held + hs.gain_fragile])],
                             axis=1)
        self.records.append(row)
        self.last_kernel = k
        self.week += 1
        self.datacollector.collect(self)

    def _latest(self, name: str) -> np.ndarray:
        return self.records[-1][:, COL[name]] if self.records else np.zeros(1)

    # --- results ----------------------------------------------------------------------------
    def record_array(self) -> np.ndarray:
        """All records so far: weeks x hospitals x :data:`~sim.outcomes.TIMESERIES_COLUMNS`."""
        if not self.records:
            return np.zeros((0, self.org.hospitals.aim.shape[0], len(TIMESERIES_COLUMNS)))
        return np.stack(self.records)

    def timeseries(self):
        """Tidy per-week, per-hospital time series (pandas DataFrame)."""
        return timeseries_frame(self.record_array())

    def summary(self):
        """(system-wide outcomes dict, per-hospital outcomes DataFrame) of the run so far."""
        st = self.org.staff
        return summary(self.record_array(), self.staff_per_hospital, st.leader_weeks, st.hospital)
