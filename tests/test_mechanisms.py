"""Each mechanism on tiny hand-built organisations whose answer is known."""

import numpy as np
import pytest

from sim import LeadershipModel, Parameters
from sim import constants as C
from sim.constants import DEFAULTS as K
from sim.turnover import replace_leavers

from .orgs import add_task, quiet_model, staff_of_unit

BACKENDS = ["numba", "reference"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_concentrated_leadership_only_gives_leadership_to_formal_authority(backend):
    model = LeadershipModel(Parameters(n_hospitals=2, staff_per_hospital=60, unit_size=15, ticks=60,
                                       leadership_mix=0.0, local_task_rate=25, seed=11),
                            backend=backend, agents=False)
    authority = model.org.staff.authority
    led = 0
    for _ in range(60):
        model.step()
        t = model.org.tasks
        leaders = t.leaders[(t.status == C.ACTIVE)]
        leaders = leaders[leaders >= 0]
        led += leaders.size
        assert np.all(authority[leaders] > 0), "a post without formal authority led at mix 0"
    assert led > 0, "nobody led at all: the test would prove nothing"
    clinicians = (model.org.staff.role == C.CLINICIAN) & ~model.org.staff.hybrid
    assert model.org.staff.leader_weeks[clinicians].sum() == 0


def test_distributed_leadership_lets_clinicians_lead():
    model = LeadershipModel(Parameters(n_hospitals=2, staff_per_hospital=60, unit_size=15, ticks=60,
                                       leadership_mix=1.0, local_task_rate=25, seed=11), agents=False)
    for _ in range(60):
        model.step()
    clinicians = (model.org.staff.role == C.CLINICIAN) & ~model.org.staff.hybrid
    assert model.org.staff.leader_weeks[clinicians].sum() > 0


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("patience", [1, 3, 8])
def test_a_task_no_one_may_lead_fails_nobody_in_charge_after_exactly_vacuum_patience(backend, patience):
    model = quiet_model(backend, vacuum_patience=patience, conflict_patience=52)
    model.org.staff.max_leads[:] = 0          # nobody has room to lead anything
    t = add_task(model, width=2, required=1e9)
    for week in range(patience - 1):
        model.step()
        assert model.org.tasks.status[t] == C.ACTIVE
        assert model.org.tasks.vacuum_run[t] == week + 1
    model.step()
    assert model.org.tasks.status[t] == C.FAILED_VACUUM
    assert model.org.tasks.ended[t] == patience - 1
    ts = model.timeseries()
    assert ts["failed_vacuum"].sum() == 1
    assert ts["vacuum_tasks"].sum() == patience


def _untied_managers(model):
    """Two unit managers of different units without an informal tie."""
    managers = model.org.units.manager
    for a in managers:
        for b in managers:
            if a < b and not model.org.network.tied(int(a), int(b)):
                return int(a), int(b)
    pytest.skip("every pair of unit managers is tied in this draw")


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_leaders_with_opposite_aims_and_no_coordinator_produce_conflict(backend):
    model = quiet_model(backend, leadership_mix=0.0, conflict_patience=6, vacuum_patience=52)
    a, b = _untied_managers(model)
    st = model.org.staff
    st.aim[a], st.aim[b] = 0.0, np.pi
    st.motivation[[a, b]] = 1.0               # nobody steps down
    st.max_leads[np.setdiff1d(np.arange(st.n), [a, b])] = 0   # and nobody else joins
    t = add_task(model, unit_lo=0, width=3, required=1e9, leaders=(a, b), consolidation=0.9)
    for week in range(5):
        model.step()
        assert model.org.tasks.conflict[t], f"no conflict in week {week}"
        assert model.org.tasks.conflict_run[t] == week + 1
    model.step()
    assert model.org.tasks.status[t] == C.FAILED_CONFLICT
    assert model.timeseries()["failed_conflict"].sum() == 1


def test_a_coordinator_negotiates_divergent_leaders_out_of_conflict():
    model = quiet_model(leadership_mix=0.0, conflict_patience=52, coordinators_per_hospital=1)
    a, b = _untied_managers(model)
    st = model.org.staff
    st.aim[a], st.aim[b] = 0.0, 0.6 * np.pi
    st.motivation[[a, b]] = 1.0
    st.max_leads[np.setdiff1d(np.arange(st.n), [a, b])] = 0
    t = add_task(model, unit_lo=0, width=3, required=1e9, leaders=(a, b), consolidation=0.9)
    model.step()
    assert model.org.tasks.broker[t] >= 0
    assert model.org.tasks.conflict[t]
    for _ in range(15):
        model.step()
    assert not model.org.tasks.conflict[t]
    assert model.org.tasks.status[t] == C.ACTIVE


@pytest.mark.parametrize("backend", BACKENDS)
def test_without_support_only_positional_power_commands_the_remaining_resources(backend):
    """McKee et al.: leaders need "infrastructural administrative support and/or positional power".
    With no support, a ward manager leading a task in their own ward (clout 1) still commands a share
    LINE_RESOURCES of the resources above RESOURCE_FLOOR by positional power, and is fully backed; an
    emergent leader without authority works with RESOURCE_FLOOR of the resources and gets only the
    part of backing that needs no clout."""
    def first_week_progress(support: float, leader: str, line: float = K.LINE_RESOURCES) -> float:
        model = quiet_model(backend, management_support=support, leadership_mix=0.5,
                            grant_threshold=0.05, LINE_RESOURCES=line)
        st = model.org.staff
        unit0 = staff_of_unit(model, model.org.hospitals.unit_start[0])
        who = int(model.org.units.manager[0]) if leader == "manager" else \
            int(unit0[np.flatnonzero(st.role[unit0] == C.CLINICIAN)[0]])
        st.motivation[:] = 0.8
        st.max_leads[np.arange(st.n) != who] = 0
        t = add_task(model, unit_lo=0, width=1, required=1e9, leaders=(who,), consolidation=1.0)
        model.step()
        return float(model.org.tasks.progress[t])

    full = first_week_progress(1.0, "manager")
    commanded = K.RESOURCE_FLOOR + (1 - K.RESOURCE_FLOOR) * min(1.0, K.LINE_RESOURCES)
    assert first_week_progress(0.0, "manager") == pytest.approx(commanded * full, rel=1e-9)
    for line in (0.2, 0.6):    # a weaker positional power commands less, in proportion
        assert first_week_progress(0.0, "manager", line) == pytest.approx(
            (K.RESOURCE_FLOOR + (1 - K.RESOURCE_FLOOR) * line) * full, rel=1e-9)
    emergent = first_week_progress(0.0, "clinician") / first_week_progress(1.0, "clinician")
    assert emergent == pytest.approx(K.RESOURCE_FLOOR * (1 - K.CLOUT_WEIGHT), rel=1e-9)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("consolidation, keeps_leader", [(0.0, False), (1.0, True)])
def test_a_leader_who_leaves_opens_a_vacuum_unless_the_role_was_consolidated(backend, consolidation,
                                                                             keeps_leader):
    model = quiet_model(backend, leadership_mix=0.0)
    manager = int(model.org.units.manager[0])
    others = np.setdiff1d(np.arange(model.org.staff.n), [manager])
    model.org.staff.max_leads[others] = 0     # nobody else could step in
    t = add_task(model, required=1e9, leaders=(manager,), consolidation=consolidation)
    model.org.staff.motivation[manager] = 1.0
    model.step()
    assert model.org.tasks.vacuum_run[t] == 0
    tenure_before = int(model.org.staff.tenure[manager])
    replace_leavers(model.org, np.array([manager]), np.full(model.org.tasks.leaders.shape, 0.5),
                    np.random.default_rng(0), model.constants)
    assert model.org.staff.tenure[manager] == 0 and tenure_before > 0
    assert (manager in model.org.tasks.leaders[t]) == keeps_leader
    model.org.staff.max_leads[manager] = 0 if not keeps_leader else model.org.staff.max_leads[manager]
    model.step()
    if keeps_leader:
        assert model.org.tasks.vacuum_run[t] == 0
    else:
        assert model.org.tasks.vacuum_run[t] == 1
        assert (model.org.tasks.leaders[t] < 0).all()


def test_turnover_replaces_people_in_post_and_conserves_staff():
    model = LeadershipModel(Parameters(n_hospitals=2, staff_per_hospital=60, unit_size=15, ticks=52,
                                       turnover_rate=0.5, seed=2))
    roles_before = model.org.staff.role.copy()
    agents_before = len(model.agents)
    ids_before = {a.unique_id for a in model.agents}
    for _ in range(52):
        model.step()
    assert np.array_equal(model.org.staff.role, roles_before)
    assert len(model.agents) == agents_before == model.org.staff.n
    assert model.org.staff.generation.sum() > 0
    replaced = {a.unique_id for a in model.agents} - ids_before
    assert len(replaced) == (model.org.staff.generation > 0).sum()   # one new agent per refilled post


def test_arrival_rates_match_the_parameters():
    params = Parameters(n_hospitals=4, staff_per_hospital=100, unit_size=25, ticks=520,
                        local_task_rate=10.0, n_national_bodies=2, initiative_rate=3.0, seed=5)
    model = LeadershipModel(params, agents=False)
    for _ in range(520):
        model.step()
    ts = model.timeseries()
    years = 10 * 4
    local = ts["arrived_local"].sum() / years          # expected 10 per 100 staff per year
    national = ts["arrived_national"].sum() / years    # expected 2 bodies x 3 per year
    # Poisson counts: 400 and 240 expected arrivals in total, 4 sd is about 20% / 26%
    assert abs(local - 10.0) < 0.2 * 10.0
    assert abs(national - 6.0) < 0.26 * 6.0


def test_reporting_lasts_reporting_weeks_after_an_initiative_is_issued_whatever_becomes_of_it():
    """McKee et al.: "report in different ways on the same thing": a body's reporting demand runs
    for REPORTING_WEEKS, also after the initiative failed locally, so failure relieves no load."""
    model = quiet_model(n_national_bodies=4, initiative_rate=6.0, reporting_load=0.05,
                        vacuum_patience=1, task_deadline=8)
    model.org.staff.max_leads[:] = 0          # every initiative fails, nobody in charge, and ends
    issued = []
    for _ in range(70):
        model.step()
        issued.append(int(model.timeseries()["arrived_national"].iloc[-1]))
        window = sum(issued[-int(K.REPORTING_WEEKS):])
        assert model.org.hospitals.reporting_load[0] == pytest.approx(
            min(K.MAX_REPORTING_LOAD, 0.05 * window))
    ts = model.timeseries()
    assert ts["failed_vacuum"].sum() > ts["reissued"].sum() > 0      # some ended at the deadline
    active = ((model.org.tasks.status == C.ACTIVE) & (model.org.tasks.kind == C.NATIONAL)).sum()
    assert active < sum(issued[-int(K.REPORTING_WEEKS):])     # ended ones are still reported on


@pytest.mark.parametrize("bodies", [1, 3, 6])
def test_an_initiative_s_steer_falls_as_responsibility_spreads_across_bodies(bodies):
    model = quiet_model(n_national_bodies=bodies, initiative_rate=6.0)
    for _ in range(20):
        model.step()
    t = model.org.tasks
    national = t.kind == C.NATIONAL
    assert national.any()
    expected = 1.0 / (1.0 + K.NATIONAL_DIFFUSION * (bodies - 1))
    assert np.allclose(t.steer[national & (t.status != C.FREE)], expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_concentrated_leadership_takes_on_an_initiative_only_as_far_as_it_is_steered(backend):
    assigned = {}
    for steer in (0.0, 1.0):
        model = quiet_model(backend, leadership_mix=0.0, vacuum_patience=52)
        t = add_task(model, required=1e9)
        model.org.tasks.kind[t] = C.NATIONAL
        model.org.tasks.steer[t] = steer
        model.step()
        assigned[steer] = bool((model.org.tasks.leaders[t] >= 0).any())
    assert assigned == {0.0: False, 1.0: True}


def test_consolidation_keeps_completed_gains():
    """Gains of a consolidated task are held; unconsolidated gains decay."""
    sustained = {}
    for consolidation in (0.0, 1.0):
        model = quiet_model(leadership_mix=0.0, management_support=1.0, gain_decay_rate=0.05,
                            consolidation_rate=0.0)
        manager = int(model.org.units.manager[0])
        model.org.staff.motivation[:] = 1.0
        t = add_task(model, required=0.01, value=1.0, leaders=(manager,), consolidation=consolidation)
        model.step()
        assert model.org.tasks.status[t] == C.COMPLETED
        for _ in range(52):
            model.step()
        sustained[consolidation] = model.timeseries()["sustained_gain"].iloc[-1]
    assert sustained[1.0] == pytest.approx((1 - K.HELD_DECAY) ** 53, rel=1e-9)
    assert sustained[0.0] == pytest.approx(0.95 ** 53, rel=1e-9)


@pytest.mark.parametrize("backend", BACKENDS)
def test_effort_on_a_task_nobody_leads_is_wasted(backend):
    model = quiet_model(backend, vacuum_patience=52)
    model.org.staff.max_leads[:] = 0          # nobody can take the task on
    t = add_task(model, unit_lo=0, width=2, required=1.0)
    model.step()
    k, ta = model.last_kernel, model.org.tasks
    units = model.org.hospitals.unit_start[0] + np.array([0, 1])
    reached = np.concatenate([staff_of_unit(model, u) for u in units])
    others = np.setdiff1d(np.arange(model.org.staff.n), reached)
    share = K.VACUUM_PULL / (K.ROUTINE_PULL + K.VACUUM_PULL)     # the only task reaching them
    assert np.allclose(k.out.share[reached], share) and np.all(k.out.share[others] == 0)
    undirected = 1.0 - K.AGREEMENT_EFFORT        # no direction to agree with
    assert np.isclose(ta.effort[t], (k.staff.budget[reached] * share * undirected).sum())
    assert ta.effort[t] > 0
    assert ta.progress[t] == 0.0                                  # without direction it yields nothing
    ts = model.timeseries()
    assert ts["effort"].sum() == pytest.approx(ta.effort[t]) and ts["aligned_effort"].sum() == 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_coordination_overhead_is_cut_by_the_line_or_by_a_coordinator_not_both(backend):
    """A leader with clout over every unit crossed coordinates them (direct supervision); a
    brokering coordinator cuts the overhead only where the line does not (mutual adjustment)."""
    def progress(leader: str, coordinators: int, broker_cut: float, line_cut: float) -> float:
        model = quiet_model(backend, coordinators_per_hospital=coordinators, leadership_mix=0.5,
                            management_support=0.8, grant_threshold=0.05,
                            constants={"BROKER_OVERHEAD_CUT": broker_cut,
                                       "LINE_OVERHEAD_CUT": line_cut,
                                       "LATERAL_OVERHEAD_CUT": 0.25})
        st = model.org.staff
        if leader == "executive":
            who = int(model.org.hospitals.executive[0])
        else:
            who = int(staff_of_unit(model, 0)[np.flatnonzero(
                st.role[staff_of_unit(model, 0)] == C.CLINICIAN)[0]])
        st.motivation[:] = 0.8
        st.max_leads[np.arange(st.n) != who] = 0                  # nobody else leads
        t = add_task(model, unit_lo=0, width=3, required=1e9, leaders=(who,), consolidation=1.0)
        model.step()
        assert (model.org.tasks.broker[t] >= 0) == (coordinators > 0)
        return float(model.org.tasks.progress[t])

    # the executive's line covers every unit: a coordinator's (smaller or equal) cut adds nothing
    assert progress("executive", 1, 0.5, 0.5) == progress("executive", 1, 0.25, 0.5)
    assert progress("executive", 0, 0.25, 0.5) > progress("executive", 0, 0.25, 0.25)
    # a clinician has no clout over the units: only a coordinator cuts the overhead
    assert progress("clinician", 1, 0.5, 0.5) > progress("clinician", 1, 0.25, 0.5)


def test_a_coordinator_s_qi_time_goes_first_to_the_tasks_they_broker():
    from sim import staff_kernel
    from sim.kernel_data import KDerived, person_inputs
    from sim.state import embeddedness_table

    model = quiet_model(coordinators_per_hospital=2, coordinator_span=4)
    st, span = model.org.staff, 4
    coordinator = np.flatnonzero(st.role == C.COORDINATOR)
    load = np.zeros(1)
    for impl in (person_inputs, staff_kernel.person_inputs):
        budgets = []
        for brokered in (0, 2, 4):
            st.broker_load[coordinator] = brokered
            out = tuple(np.empty(st.n) for _ in KDerived)
            impl(st, load, span, embeddedness_table(), K, out)
            budgets.append(out[3][coordinator])
        free = st.capacity[coordinator] * st.motivation[coordinator]
        assert np.allclose(budgets[0], free) and np.allclose(budgets[1], free / 2)
        assert np.all(budgets[2] == 0.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_negotiation_closes_divergence_among_local_leaders_not_the_gap_to_a_national_body(backend):
    model = quiet_model(backend, leadership_mix=0.0, coordinators_per_hospital=1,
                        conflict_patience=52, vacuum_patience=52)
    st, ta = model.org.staff, model.org.tasks
    manager = int(model.org.units.manager[0])
    st.aim[manager] = 0.0
    st.motivation[manager] = 1.0
    st.max_leads[np.arange(st.n) != manager] = 0
    # agreement with the body's aim 0.4: fully negotiated, local closure would lift it to 0.7
    t = add_task(model, unit_lo=0, width=1, aim=float(np.arccos(-0.2)), required=1e9,
                 leaders=(manager,), consolidation=1.0)
    ta.kind[t] = C.NATIONAL
    ta.negotiated[t] = 1.0
    model.step()
    assert ta.broker[t] >= 0 and ta.conflict[t]
    assert ta.alignment[t] < K.CONFLICT_THRESHOLD


# --- coalitions (McKee et al.: "combining credibility with control") ------------------------------
def _one_clinician(model, unit_rel=0, hybrid=False):
    st = model.org.staff
    members = staff_of_unit(model, model.org.hospitals.unit_start[0] + unit_rel)
    pick = members[(st.role[members] == C.CLINICIAN) & (st.hybrid[members] == hybrid)]
    return int(pick[0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_manager_led_task_co_opts_the_most_credible_granted_clinician(backend):
    model = quiet_model(backend, coalition_rate=1.0, leadership_mix=0.5, grant_threshold=0.05,
                        hybrid_share=0.0)
    st = model.org.staff
    manager = int(model.org.units.manager[0])
    unit0 = staff_of_unit(model, model.org.hospitals.unit_start[0])
    clinicians = unit0[st.role[unit0] == C.CLINICIAN]
    st.credibility[clinicians] = np.linspace(0.2, 0.6, clinicians.size)
    st.credibility[clinicians[3]] = 0.9                   # the most credible
    st.tenure[:] = 1000                                   # everyone fully embedded
    st.motivation[:] = 0.0                                # nobody claims on their own
    st.aim[:] = 0.0                                       # allies
    t = add_task(model, unit_lo=0, width=1, required=1e9, leaders=(manager,), consolidation=1.0)
    model.step()
    ta = model.org.tasks
    assert ta.partner[t] == clinicians[3] and clinicians[3] in ta.leaders[t]
    assert model.timeseries()["coalitions"].sum() == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_clinician_led_task_co_opts_its_positional_owner(backend):
    model = quiet_model(backend, coalition_rate=1.0, leadership_mix=0.5, grant_threshold=0.05,
                        hybrid_share=0.0)
    model.org.staff.motivation[:] = 0.0
    model.org.staff.aim[:] = 0.0                          # allies
    clinician = _one_clinician(model)
    t = add_task(model, unit_lo=0, width=1, required=1e9, leaders=(clinician,), consolidation=1.0)
    model.step()
    assert model.org.tasks.partner[t] == model.org.tasks.owner[t]


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_coalition_without_the_knob_or_when_a_hybrid_already_leads(backend):
    for rate, hybrid in ((0.0, False), (1.0, True)):
        model = quiet_model(backend, coalition_rate=rate, leadership_mix=0.5, grant_threshold=0.05,
                            hybrid_share=0.5)
        model.org.staff.motivation[:] = 0.0
        leader = _one_clinician(model, hybrid=hybrid) if hybrid else int(model.org.units.manager[0])
        t = add_task(model, unit_lo=0, width=1, required=1e9, leaders=(leader,), consolidation=1.0)
        model.step()
        assert model.org.tasks.partner[t] == -1 and (model.org.tasks.leaders[t] >= 0).sum() == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_coalition_partners_close_their_divergence_like_tied_leaders(backend):
    """Two leaders whose aims diverge (agreement 0.4) are in conflict; as coalition partners (or
    tied), TIE_ALIGNMENT of the divergence closes and they are not."""
    conflict = {}
    for as_partner in (False, True):
        model = quiet_model(backend, coalition_rate=0.0, leadership_mix=0.5, grant_threshold=0.05,
                            hybrid_share=0.0, leader_tie_density=0.0)
        st, ta = model.org.staff, model.org.tasks
        manager = int(model.org.units.manager[0])
        unit0 = staff_of_unit(model, model.org.hospitals.unit_start[0])
        clinician = next(int(i) for i in unit0 if st.role[i] == C.CLINICIAN
                         and not model.org.network.tied(manager, int(i)))
        st.tenure[:] = 1000
        st.aim[manager], st.aim[clinician] = 0.0, float(np.arccos(-0.2))
        st.motivation[[manager, clinician]] = 1.0
        t = add_task(model, unit_lo=0, width=1, required=1e9, leaders=(manager, clinician),
                     consolidation=1.0)
        if as_partner:
            ta.partner[t] = clinician
        model.step()
        conflict[as_partner] = bool(ta.conflict[t])
    assert conflict == {False: True, True: False}


# --- collective culture (West et al.): shared responsibility, learning from errors or blame ------
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failed_task_teaches_its_units_in_a_collective_culture_and_blames_its_leaders_otherwise(
        backend):
    outcome = {}
    for culture in (0.0, 1.0):
        model = quiet_model(backend, collective_culture=culture, leadership_mix=0.0,
                            conflict_patience=1, coalition_rate=0.0)
        st, ta = model.org.staff, model.org.tasks
        manager = int(model.org.units.manager[0])
        other = int(model.org.units.manager[1])
        st.aim[manager], st.aim[other] = 0.0, np.pi        # opposed: conflict at once
        st.motivation[[manager, other]] = 1.0
        t = add_task(model, unit_lo=0, width=2, required=1e9, leaders=(manager, other),
                     consolidation=1.0)
        before = model.org.units.capability.copy()
        model.step()
        assert ta.status[t] == C.FAILED_CONFLICT
        crossed = model.org.hospitals.unit_start[0] + np.array([0, 1])
        outcome[culture] = (model.org.units.capability[crossed] - before[crossed],
                            model.last_kernel.staff.motivation[manager])
    learned0, motivation0 = outcome[0.0]
    learned1, motivation1 = outcome[1.0]
    assert np.all(learned0 == 0) and np.allclose(learned1, K.LEARNING_RATE)
    assert motivation1 > motivation0          # blamed leaders lost BLAME_SHOCK of their motivation


def test_a_unit_that_has_learned_needs_less_effort_for_new_tasks():
    required = {}
    for capability in (0.0, 0.8):
        model = quiet_model(local_task_rate=30.0, task_complexity=0.0, seed=3)
        model.org.units.capability[:] = capability
        for _ in range(10):
            model.step()
        t = model.org.tasks
        seen = t.status != C.FREE
        required[capability] = t.required[seen] / (K.EFFORT_PER_UNIT * t.width[seen])
    # the same random difficulties, scaled by (1 - CAPABILITY_GAIN * capability)
    assert np.allclose(required[0.8], required[0.0] * (1 - K.CAPABILITY_GAIN * 0.8))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_collective_culture_removes_the_diffusion_of_responsibility(backend):
    """With many who could lead, claims are rare unless the culture is collective."""
    claimed = {}
    for culture in (0.0, 1.0):
        model = quiet_model(backend, collective_culture=culture, leadership_mix=1.0,
                            management_support=1.0, diffusion_of_responsibility=2.0,
                            grant_threshold=0.05, vacuum_patience=52, staff_per_hospital=60,
                            unit_size=60, seed=1)
        model.org.staff.motivation[:] = 0.3
        weeks = []
        for trial in range(30):
            t = add_task(model, unit_lo=0, width=1, required=1e9)
            model.step()
            weeks.append(bool((model.org.tasks.leaders[t] >= 0).any()))
            model.org.tasks.status[t] = C.FREE
            model.org.staff.lead_count[:] = 0
        claimed[culture] = np.mean(weeks)
    assert claimed[1.0] > 2 * claimed[0.0]


# --- national mandates and newcomers ------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_national_initiative_that_fails_locally_is_issued_again_until_its_deadline(backend):
    """McKee et al.: "duplication of initiatives": a mandate does not go away because the local
    effort on it collapsed."""
    model = quiet_model(backend, vacuum_patience=3, task_deadline=10)
    model.org.staff.max_leads[:] = 0          # nobody can lead it: it keeps failing
    t = add_task(model, required=1e9)
    model.org.tasks.kind[t] = C.NATIONAL
    for week in range(1, 10):
        model.step()
        assert model.org.tasks.status[t] == C.ACTIVE, week
    model.step()
    assert model.org.tasks.status[t] == C.ABANDONED
    ts = model.timeseries()
    assert ts["failed_vacuum"].sum() == 3 and ts["reissued"].sum() == 3     # weeks 3, 6, 9
    assert ts["abandoned"].sum() == 1


def test_a_newcomer_takes_on_the_commitment_prevailing_in_their_unit():
    model = quiet_model(turnover_rate=0.0)
    st = model.org.staff
    unit0 = staff_of_unit(model, model.org.hospitals.unit_start[0])
    unit1 = staff_of_unit(model, model.org.hospitals.unit_start[0] + 1)
    st.motivation[unit0], st.motivation[unit1] = 0.1, 0.9
    leavers = np.concatenate([unit0[1:], unit1[1:]])
    replace_leavers(model.org, leavers, np.ones(model.org.tasks.leaders.shape),
                    np.random.default_rng(0), model.constants)
    assert st.motivation[unit0[1:]].mean() < 0.25 and st.motivation[unit1[1:]].mean() > 0.75


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_coalition_partner_is_an_ally_of_the_leaders(backend):
    """"Productive coalitions and alliances": a manager does not co-opt a credible clinician whose
    aims they cannot work with."""
    partners = {}
    for opposed in (False, True):
        model = quiet_model(backend, coalition_rate=1.0, leadership_mix=0.5, grant_threshold=0.05,
                            hybrid_share=0.0)
        st = model.org.staff
        manager = int(model.org.units.manager[0])
        st.tenure[:] = 1000
        st.motivation[:] = 0.0
        unit0 = staff_of_unit(model, model.org.hospitals.unit_start[0])
        clinicians = unit0[st.role[unit0] == C.CLINICIAN]
        st.aim[manager] = 0.0
        st.aim[clinicians] = np.pi if opposed else 0.1
        t = add_task(model, unit_lo=0, width=1, required=1e9, leaders=(manager,), consolidation=1.0)
        model.step()
        partners[opposed] = int(model.org.tasks.partner[t])
    assert partners[False] >= 0 and partners[True] == -1


@pytest.mark.parametrize("backend", BACKENDS)
def test_relationships_between_leaders_cut_the_coordination_overhead(backend):
    """Relational coordination (Gittell; West et al.'s relationships between leaders): a leader
    tied to the managers of every unit a task crosses coordinates them, beyond their line reach."""
    from sim.reference import related_units

    def run(lateral: float):
        model = quiet_model(backend, leader_tie_density=1.0, leadership_mix=0.5,
                            management_support=0.8, grant_threshold=0.05, coalition_rate=0.0,
                            constants={"LATERAL_OVERHEAD_CUT": lateral})
        st = model.org.staff
        manager = int(model.org.units.manager[0])
        st.motivation[:] = 0.8
        st.max_leads[np.arange(st.n) != manager] = 0
        t = add_task(model, unit_lo=0, width=3, required=1e9, leaders=(manager,), consolidation=1.0)
        model.step()
        return model, t

    model, t = run(0.25)
    assert related_units(model.last_kernel, 0, t) == 3      # all three managers tied or leading
    assert run(0.75)[0].org.tasks.progress[t] > model.org.tasks.progress[t]


@pytest.mark.parametrize("backend", BACKENDS)
def test_negotiation_brings_a_local_task_s_direction_towards_its_aim(backend):
    """Carstensen et al.: coordinators negotiate "the aims, roles, and scope": on a local task the
    negotiated share of the gap between the leaders' direction and the task's aim closes."""
    alignment = {}
    for negotiated in (0.0, 1.0):
        model = quiet_model(backend, coordinators_per_hospital=0, coalition_rate=0.0)
        st, ta = model.org.staff, model.org.tasks
        manager = int(model.org.units.manager[0])
        st.aim[manager] = 0.0
        st.motivation[manager] = 1.0
        st.max_leads[np.arange(st.n) != manager] = 0        # the manager leads alone
        t = add_task(model, unit_lo=0, width=1, aim=np.pi / 2, required=1e9, leaders=(manager,),
                     consolidation=1.0)
        ta.negotiated[t] = negotiated
        model.step()
        alignment[negotiated] = ta.alignment[t]
    fit = 0.5                                        # directions 90 degrees apart
    closed = fit + (1 - fit) * K.NEGOTIATION_CEILING
    assert alignment[0.0] == pytest.approx(1 - K.FIT_WEIGHT + K.FIT_WEIGHT * fit)
    assert alignment[1.0] == pytest.approx(1 - K.FIT_WEIGHT + K.FIT_WEIGHT * closed)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_practice_spanning_more_units_consolidates_more_slowly(backend):
    consolidation = {}
    for width in (1, 3):
        model = quiet_model(backend, consolidation_rate=0.2, coalition_rate=0.0)
        manager = int(model.org.hospitals.executive[0])
        model.org.staff.motivation[manager] = 1.0
        t = add_task(model, unit_lo=0, width=width, required=1e9, leaders=(manager,))
        model.step()
        consolidation[width] = model.org.tasks.consolidation[t]
    assert consolidation[3] == pytest.approx(consolidation[1] / 3)


def test_responsibility_spread_across_national_bodies_costs_focus():
    """McKee et al.: national pluralisation brought "loss of focus on quality and safety": the
    motivation target falls by MOTIVATION_FOCUS times the national steer lost."""
    from sim.commitment import motivation_target

    steer = {b: quiet_model(n_national_bodies=b).org.hospitals.national_focus[0] for b in (0, 1, 6)}
    assert steer[0] == steer[1] == 1.0
    assert steer[6] == pytest.approx(1.0 / (1.0 + K.NATIONAL_DIFFUSION * 5))
    args = dict(support=0.5, load=0.1, seen_progress=0.0, seen_conflict=0.0, supportive=0.0,
                seen_related=0.0, share=0.0, demand=0.0)
    lost = motivation_target(K, focus=1.0, **args) - motivation_target(K, focus=steer[6], **args)
    assert lost == pytest.approx(K.MOTIVATION_FOCUS * (1 - steer[6]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_nobody_learns_from_a_task_nobody_led(backend):
    model = quiet_model(backend, collective_culture=1.0, vacuum_patience=1)
    model.org.staff.max_leads[:] = 0
    t = add_task(model, unit_lo=0, width=2, required=1e9)
    model.step()
    assert model.org.tasks.status[t] == C.FAILED_VACUUM
    assert np.all(model.org.units.capability == 0.0)


def test_a_unit_forgets_what_its_leavers_knew():
    """Argote: organisational knowledge depreciates through turnover."""
    model = quiet_model()
    units = model.org.units
    units.capability[:] = 0.6
    members = staff_of_unit(model, model.org.hospitals.unit_start[0])
    leavers = members[: members.size // 2]
    replace_leavers(model.org, leavers, np.ones(model.org.tasks.leaders.shape),
                    np.random.default_rng(0), model.constants)
    u0 = model.org.hospitals.unit_start[0]
    assert units.capability[u0] == pytest.approx(0.6 * (1 - leavers.size / members.size))
    assert np.all(units.capability[u0 + 1:] == 0.6)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("culture", [0.0, 0.4])
def test_staff_see_related_leadership_where_the_leaders_act_with_their_manager(backend, culture):
    """West et al. ("relationships between leaders"), McKee et al. (no "competing, conflicting, or
    duplicative requirements"): a contributor's share of a task counts as related leadership in
    full where their own manager leads it or is tied to a leader, otherwise only as far as the
    collective culture makes leaders act together."""
    from sim.reference import tied

    seen = {}
    for density in (0.0, 1.0):
        model = quiet_model(backend, leader_tie_density=density, collective_culture=culture,
                            coalition_rate=0.0, coordinators_per_hospital=0)
        st, units = model.org.staff, model.org.units
        leader = int(units.manager[0])
        st.max_leads[np.arange(st.n) != leader] = 0
        add_task(model, unit_lo=0, width=2, required=1e9, leaders=(leader,), consolidation=1.0)
        model.step()
        out = model.last_kernel.out
        other = int(units.manager[1])
        assert tied(model.last_kernel, leader, other) == (density == 1.0)
        for unit, expected in ((0, 1.0), (1, 1.0 if density == 1.0 else culture)):
            staff = staff_of_unit(model, model.org.hospitals.unit_start[0] + unit)
            assert np.all(out.share[staff] > 0)
            np.testing.assert_allclose(out.seen_related[staff], expected * out.share[staff])
        seen[density] = out.seen_related.sum()
    assert seen[1.0] > seen[0.0]      # ties make more of the work related (culture < 1 here)


def test_related_leadership_raises_the_motivation_target():
    from sim.commitment import motivation_target

    args = dict(support=0.5, focus=1.0, load=0.1, seen_progress=0.0, seen_conflict=0.0,
                supportive=0.0, share=0.5, demand=0.5)
    gained = (motivation_target(K, seen_related=0.5, **args)
              - motivation_target(K, seen_related=0.0, **args))
    assert gained == pytest.approx(K.MOTIVATION_RELATED)
