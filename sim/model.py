"""The Mesa model: owns the state arrays, steps the mechanisms once a week, records outcomes.

Schedule of one tick (one week), see ``docs/ODD.md`` section 3:

1. arrival of local tasks and national initiatives (:mod:`sim.arrival`);
2. turnover: leavers replaced by newcomers (:mod:`sim.turnover`);
3. reporting load and this week's derived quantities (:func:`sim.kernel_data.prepare`);
4. the interaction kernel: leadership emergence, direction and alignment, effort, progress,
   consolidation, failure and completion (:mod:`sim.kernel` or :mod:`sim.reference`);
5. the collaborative: this week's completions by topic, and every ``learning_session_interval``
   weeks (when ``collaborative_learning > 0``) a learning session between hospitals
   (:mod:`sim.collaborative`; the rule in :func:`sim.reference.learning_session` or its numba twin);
6. commitment and the drift of aims (:mod:`sim.commitment`);
7. decay of completed gains, tenure, and the week's records.

The reference backend runs the week in Python (``_python_week``, each step a function of its own
module); the numba backend runs the same schedule for many weeks in one compiled call
(:mod:`sim.compiled_week`, :meth:`LeadershipModel.run_weeks`), with identical results.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import mesa
import numpy as np
from mesa import DataCollector

from . import commitment, compiled_week, kernel, reference, staff_kernel
from .collaborative import Collaborative
from .agents import ROLE_CLASSES, StaffMember
from .arrival import ARRIVAL_COLUMNS, arrive
from .kernel_data import (KDerived, KernelInputs, N_TASK_UNIFORMS, fresh_outputs, kernel_inputs,
                          lead_category, person_inputs, prepare)
from .mesa_interop import UNSET, scenario_knobs, seed_from_rng
from .organisation import aim_anchor, build_organisation
from .outcomes import TIMESERIES_COLUMNS, spread_counts, summary, timeseries_frame
from .parameters import Parameters, as_int
from .reporters import RunningSummary, model_reporters
from .state import Organisation, embeddedness_table, with_room
from .turnover import recount_roles, turnover, weekly_leaving_probability


class Backend(NamedTuple):
    """One implementation of the weekly rules: the interaction kernel and the per-person updates."""

    interaction_step: Callable
    person_inputs: Callable
    end_of_week: Callable
    learning_session: Callable


BACKENDS = {
    "numba": Backend(kernel.interaction_step, staff_kernel.person_inputs, staff_kernel.end_of_week,
                     kernel.learning_session),
    "reference": Backend(reference.interaction_step, person_inputs, commitment.end_of_week,
                         reference.learning_session),
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

    In Mesa 3's conventions: ``LeadershipModel(rng=42, leadership_mix=0.8)``, or
    ``LeadershipModel(scenario=LeadershipScenario(rng=42, leadership_mix=0.8))``; ``running`` turns
    False after ``ticks`` weeks (so ``run_model()`` and ``mesa.batch_run`` stop there), and the
    ``DataCollector`` reports every summary outcome of the run so far under its summary name plus
    the weekly series of :mod:`sim.reporters`.

    Args:
        params: a :class:`~sim.parameters.Parameters` (or keywords to build one).
        rng: the run's seed, Mesa style: an integer seeds the run exactly as ``seed`` does
            (``rng=42`` is ``seed=42``); a ``numpy.random.Generator`` gives the seed
            ``int(rng.integers(2**63))`` (one draw: the same generator state, the same run); None
            draws fresh entropy. The seed used is ``model.params.seed`` (see
            :func:`sim.mesa_interop.seed_from_rng`). Not with ``seed``.
        scenario: a Mesa ``Scenario`` (e.g. :class:`sim.mesa_interop.LeadershipScenario`) whose
            attributes are parameters (and whose ``rng`` seeds the run); applied over ``params``.
        backend: ``"numba"`` (fast) or ``"reference"`` (plain Python, same results).
        agents: create Mesa agent views for staff (default: when there are at most 50,000 staff).
        organisation: start from a given organisation instead of building one (tests, teaching).
        collect: record the ``DataCollector``'s reporters each week (``run_simulation`` turns it
            off: its results come from the weekly records).
        **kwargs: parameters (any name of ``PARAMETER_SPECS``, or a behavioural constant).

    ``model.rng`` is the generator of the weekly dynamics (spawned from the seed), so replacing or
    resetting it (``model.reset_rng()``) changes the weeks that follow.
    """

    def __init__(self, params: Parameters | None = None, *, rng=UNSET, scenario=None,
                 backend: str = "numba", agents: bool | None = None,
                 organisation: Organisation | None = None, collect: bool = True, **kwargs):
        if scenario is not None:
            knobs, scenario_rng = scenario_knobs(scenario)
            if rng is not UNSET and rng is not scenario_rng and \
                    (as_int(rng) is None or as_int(rng) != as_int(scenario_rng)):
                raise ValueError("rng and scenario.rng must be the same (pass one of them)")
            kwargs, rng = {**knobs, **kwargs}, scenario_rng
        if rng is not UNSET:
            if "seed" in kwargs:
                raise ValueError("pass either rng or seed, not both")
            kwargs["seed"] = seed_from_rng(rng)
        params = (Parameters() if params is None else params).replace(**kwargs)
        org_rng, dyn_rng, mesa_seed = random_streams(params.seed)
        super().__init__(rng=mesa_seed)
        self.rng = dyn_rng                       # the dynamics' generator is Mesa's model.rng
        self._rng = dyn_rng.bit_generator.state  # what Model.reset_rng() restores
        if scenario is not None:
            self.scenario = scenario
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose from {sorted(BACKENDS)}")
        self.params = params
        self.backend = backend
        self._impl = BACKENDS[backend]
        self.constants = params.constant_values()
        self.org = organisation if organisation is not None else build_organisation(params, org_rng)
        self.collaborative = Collaborative(params, self.constants, self.org.body_aims,
                                           self.org.hospitals.aim.shape[0])
        st = self.org.staff
        self.category = lead_category(st.role, st.hybrid)
        self.anchor = aim_anchor(st, self.org.units, self.org.hospitals)
        self._anchor_cos, self._anchor_sin = np.cos(self.anchor), np.sin(self.anchor)
        self.staff_per_hospital = (self.org.hospitals.staff_end - self.org.hospitals.staff_start).astype(float)
        self.week = 0
        H = self.org.hospitals.aim.shape[0]
        self._records = np.zeros((max(int(params.ticks), 1), H, len(TIMESERIES_COLUMNS)))
        self.last_kernel = None
        self._compiled: _CompiledWeek | None = None   # the numba backend's scratch (made at first use)
        self._clock_only = False                    # Mesa's clock catching up with compiled weeks
        self._agents_by_post: list[StaffMember] | None = None
        self._refilled = np.zeros(st.n, bool)   # posts refilled since their agent was created
        if agents if agents is not None else st.n <= AGENT_VIEW_LIMIT:
            self._agents_by_post = [ROLE_CLASSES[int(r)](self, i) for i, r in enumerate(st.role)]
        self.collect = bool(collect)
        self.running_summary = RunningSummary(self.staff_per_hospital, len(TIMESERIES_COLUMNS),
                                              params.ticks if self.collect else 1)
        self.datacollector = DataCollector(model_reporters=model_reporters())

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
        if self._clock_only:      # the week was already run by run_weeks (Mesa's clock catching up)
            return
        if self.backend == "numba":
            self._compiled_weeks(1)
        else:
            self._python_week()
        self._after_weeks(1)

    def run_weeks(self, weeks: int) -> None:
        """Advance ``weeks`` weeks; with the numba backend, in one compiled call.

        The result is the same as ``weeks`` calls of :meth:`step` (tested). Mesa's clock
        (``model.time``, ``model.steps``) advances by ``weeks``. The weeks run one by one
        (through :meth:`step`) when something must see every week: the ``DataCollector``
        (``collect=True``), the reference backend, or events scheduled on Mesa's clock.
        """
        weeks = int(weeks)
        if weeks <= 0:
            return
        if self.collect or self.backend != "numba" or len(self._event_list) > 1:
            for _ in range(weeks):
                self.step()
            return
        self._compiled_weeks(weeks)
        self._after_weeks(weeks)
        self._clock_only = True
        try:
            self.run_for(weeks)
        finally:
            self._clock_only = False

    def run_model(self) -> None:
        """Run until ``ticks`` weeks have passed (Mesa's ``run_model``), in as few compiled calls as
        :meth:`run_weeks` allows."""
        if self.running:
            self.run_weeks(max(self.params.ticks - self.week, 1))

    def _python_week(self) -> None:
        """One week in Python, each step a readable function of its own module (the reference
        backend; :mod:`sim.compiled_week` runs the same schedule compiled)."""
        org, p, rng = self.org, self.params, self.rng
        kc = self.constants
        arrivals = arrive(org, p, kc, rng, self.week)
        leavers = turnover(org, p, kc, rng)
        self._refilled[leavers] = True
        recount_roles(org)
        uniforms = rng.random((org.tasks.n, N_TASK_UNIFORMS))
        k = prepare(org, p, kc, self.category, self._impl.person_inputs)
        self._impl.interaction_step(self.week, k, uniforms)
        hs, st = org.hospitals, org.staff
        collab = self.collaborative
        collab.record_week(org.tasks, self.week)
        peer_learning = np.zeros(hs.aim.shape[0])
        if collab.session_due(self.week):
            self._impl.learning_session(k, org.tasks.body, collab.lessons, collab.topic_cos,
                                        collab.topic_sin, collab.n_bodies, collab.overhead,
                                        collab.learning, peer_learning)
            collab.lessons[:] = 0
        self._impl.end_of_week(st, hs, k.out, kc, self._anchor_cos, self._anchor_sin,
                               k.staff.cos_aim, k.staff.sin_aim)
        hs.gain_fragile *= 1.0 - p.gain_decay_rate
        hs.gain_held *= 1.0 - kc.HELD_DECAY
        st.tenure += 1
        motivation = np.bincount(st.hospital, weights=st.motivation, minlength=hs.aim.shape[0])
        row = np.concatenate([k.out.record, arrivals,
                              np.column_stack([motivation / self.staff_per_hospital,
                                               hs.reporting_load, hs.gain_held + hs.gain_fragile,
                                               peer_learning])],
                             axis=1)
        self._room_for(1)[self.week] = row
        self.last_kernel = k

    def _compiled_weeks(self, weeks: int) -> None:
        """``weeks`` weeks in one call of :func:`sim.compiled_week.run_weeks`."""
        c = self._compiled_state()
        k = c.kernel(self)
        records = self._room_for(weeks)
        co = self.collaborative
        compiled_week.run_weeks(
            self.week, weeks, self.rng, *c.state(self.org), self.org.body_aims, c.knobs,
            k.staff, k.units, k.hospitals, k.network, k.tasks, k.config, k.constants, k.out,
            compiled_week.WCollaborative(co.lessons, co.completions_buffer(self.week + weeks),
                                         co.topic_cos, co.topic_sin, co.n_bodies, co.learning,
                                         co.interval, co.overhead, c.peer_learning),
            self.params.coordinator_span, embeddedness_table(self.constants), self._anchor_cos,
            self._anchor_sin, self.staff_per_hospital, c.uniforms, c.arrivals, self._refilled,
            records)
        co.weeks = self.week + weeks
        self.last_kernel = k

    def _compiled_state(self) -> "_CompiledWeek":
        """The compiled week's scratch, made again if the organisation (or its size) changed."""
        c, org = self._compiled, self.org
        if (c is None or c.org is not org or c.uniforms.shape[0] != org.tasks.n
                or c.out.demand.shape[0] != org.staff.n):
            self._compiled = _CompiledWeek(self)
        return self._compiled

    def _room_for(self, weeks: int) -> np.ndarray:
        """The records buffer, grown (doubled) to hold ``weeks`` more weeks."""
        self._records = with_room(self._records, self.week, self.week + weeks)
        return self._records

    def _after_weeks(self, weeks: int) -> None:
        self.week += weeks
        self.running = self.week < self.params.ticks
        if self.collect:
            self.running_summary.add(self._records[self.week - 1])
            self.datacollector.collect(self)

    @property
    def dynamics_rng(self) -> np.random.Generator:
        """The generator of the weekly dynamics (``model.rng``)."""
        return self.rng

    # --- results ----------------------------------------------------------------------------
    def record_array(self) -> np.ndarray:
        """All records so far: weeks x hospitals x :data:`~sim.outcomes.TIMESERIES_COLUMNS` (a
        read-only view)."""
        view = self._records[:self.week]
        view.flags.writeable = False
        return view

    def timeseries(self):
        """Tidy per-week, per-hospital time series (pandas DataFrame)."""
        return timeseries_frame(self.record_array())

    def summary(self):
        """(system-wide outcomes dict, per-hospital outcomes DataFrame) of the run so far."""
        st = self.org.staff
        return summary(self.record_array(), self.staff_per_hospital, st.leader_weeks, st.hospital,
                       spread_counts(self.collaborative.completion_array()))


class _CompiledWeek:
    """What the numba backend's compiled week works on besides the organisation's own arrays:
    scratch arrays reused every week (the kernel's derived inputs and outputs, the uniforms)."""

    def __init__(self, model: LeadershipModel):
        org, p = model.org, model.params
        n, T, H = org.staff.n, org.tasks.n, org.hospitals.aim.shape[0]
        self.org = org
        self.derived = tuple(np.zeros(n) for _ in KDerived)
        self.task_derived = (np.zeros(T), np.zeros(T), np.zeros(T), np.zeros(T), np.zeros(T, np.bool_))
        self.out = fresh_outputs(org)
        self.knobs = compiled_week.WKnobs(
            float(p.local_task_rate), float(p.initiative_rate), float(p.task_complexity),
            float(p.collaborative_complexity), weekly_leaving_probability(p.turnover_rate),
            float(p.reporting_load), float(p.gain_decay_rate))
        self.uniforms = np.zeros((T, N_TASK_UNIFORMS))
        self.arrivals = np.zeros((H, len(ARRIVAL_COLUMNS)))
        self.peer_learning = np.zeros(H)

    def kernel(self, model: LeadershipModel) -> KernelInputs:
        """The kernel's named tuples over the model's current arrays and this scratch."""
        return kernel_inputs(model.org, model.params, model.constants, model.category, self.derived,
                             self.task_derived, self.out)

    @staticmethod
    def state(org: Organisation) -> tuple:
        """The organisation's arrays as :mod:`sim.compiled_week` takes them (views, no copies)."""
        cw = compiled_week
        return (cw.as_tuple(cw.WStaff, org.staff), cw.as_tuple(cw.WUnits, org.units),
                cw.as_tuple(cw.WHospitals, org.hospitals), cw.as_tuple(cw.WTasks, org.tasks))
