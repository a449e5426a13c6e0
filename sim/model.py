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

import mesa
import numpy as np
from mesa import DataCollector

from . import commitment, kernel, reference
from . import constants as C
from .agents import ROLE_CLASSES, StaffMember
from .arrival import arrive
from .kernel_data import N_TASK_UNIFORMS, lead_category, prepare
from .organisation import aim_anchor, build_organisation
from .outcomes import COL, TIMESERIES_COLUMNS, summary, timeseries_frame
from .parameters import Parameters
from .state import Organisation
from .turnover import recount_roles, turnover

BACKENDS = {"numba": kernel.interaction_step, "reference": reference.interaction_step}
AGENT_VIEW_LIMIT = 50_000   # above this many staff, agent views are off unless asked for


def random_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator, int]:
    """Independent generators for building the organisation and for the weekly dynamics, and a seed
    for Mesa's own generator, all spawned from ``SeedSequence(seed)``."""
    org_ss, dyn_ss, mesa_ss = np.random.SeedSequence(seed).spawn(3)
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
        params = Parameters(**kwargs) if params is None else params.replace(**kwargs)
        org_rng, dyn_rng, mesa_seed = random_streams(params.seed)
        super().__init__(rng=mesa_seed)
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose from {sorted(BACKENDS)}")
        self.params = params
        self.backend = backend
        self._kernel = BACKENDS[backend]
        self.dynamics_rng = dyn_rng
        self.org = organisation if organisation is not None else build_organisation(params, org_rng)
        st = self.org.staff
        self.category = lead_category(st.role, st.hybrid)
        self.anchor = aim_anchor(st, self.org.units, self.org.hospitals)
        self.staff_per_hospital = (self.org.hospitals.staff_end - self.org.hospitals.staff_start).astype(float)
        self.week = 0
        self.records: list[np.ndarray] = []
        self.last_kernel = None
        self._agents_by_post: list[StaffMember] | None = None
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
    def agent_for_post(self, post: int) -> StaffMember:
        """The Mesa agent currently in staff post ``post``."""
        if self._agents_by_post is None:
            raise RuntimeError("this model was created with agents=False")
        return self._agents_by_post[post]

    def _replace_agents(self, posts: np.ndarray) -> None:
        if self._agents_by_post is None:
            return
        for post in posts:
            old = self._agents_by_post[post]
            old.remove()
            self._agents_by_post[post] = type(old)(self, post)

    # --- the week ---------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one week (see the module docstring for the schedule)."""
        org, p, rng = self.org, self.params, self.dynamics_rng
        arrivals = arrive(org, p, rng, self.week)
        leavers = turnover(org, p, rng)
        self._replace_agents(leavers)
        recount_roles(org)
        uniforms = rng.random((org.tasks.n, N_TASK_UNIFORMS))
        k = prepare(org, p, self.category)
        self._kernel(self.week, k, uniforms)
        hs, st = org.hospitals, org.staff
        target = commitment.motivation_target(
            hs.management_support[st.hospital], hs.reporting_load[st.hospital], k.out.seen_progress,
            k.out.seen_conflict, k.out.supportive, k.out.share, k.out.demand)
        commitment.update_motivation(st.motivation, target)
        commitment.drift_aims(st.aim, k.out.pull_cos, k.out.pull_sin, self.anchor,
                              k.staff.cos_aim, k.staff.sin_aim)   # aims unchanged since prepare
        hs.gain_fragile *= 1.0 - p.gain_decay_rate
        hs.gain_held *= 1.0 - C.HELD_DECAY
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
