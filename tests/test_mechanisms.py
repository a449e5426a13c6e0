"""Each mechanism on tiny hand-built organisations whose answer is known."""

import numpy as np
import pytest

from sim import LeadershipModel, Parameters
from sim import constants as C
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
def test_no_management_support_keeps_progress_near_zero(backend):
    progress = {}
    for support in (0.0, 1.0):
        model = quiet_model(backend, management_support=support, leadership_mix=0.5)
        unit0 = staff_of_unit(model, model.org.hospitals.unit_start[0])
        manager = int(model.org.units.manager[0])
        model.org.staff.motivation[unit0] = 0.8
        t = add_task(model, unit_lo=0, width=1, required=1e9, leaders=(manager,), consolidation=1.0)
        for _ in range(20):
            model.step()
        progress[support] = model.org.tasks.progress[t]
    assert progress[1.0] > 0
    # the support gate leaves SUPPORT_FLOOR of the progress possible with full backing, and with no
    # backing motivation also falls, so progress must be at most that share
    assert progress[0.0] <= C.SUPPORT_FLOOR * progress[1.0] + 1e-12


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
                    np.random.default_rng(0))
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


def test_national_initiatives_take_reporting_time():
    model = quiet_model(n_national_bodies=4, initiative_rate=6.0, reporting_load=0.05)
    for _ in range(30):
        model.step()
    t = model.org.tasks
    active_national = int(((t.status == C.ACTIVE) & (t.kind == C.NATIONAL)).sum())
    assert active_national > 0
    assert model.org.hospitals.reporting_load[0] == pytest.approx(
        min(C.MAX_REPORTING_LOAD, 0.05 * active_national))


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
    assert sustained[1.0] == pytest.approx((1 - C.HELD_DECAY) ** 53, rel=1e-9)
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
    share = C.VACUUM_PULL / (C.ROUTINE_PULL + C.VACUUM_PULL)     # the only task reaching them
    assert np.allclose(k.out.share[reached], share) and np.all(k.out.share[others] == 0)
    assert np.isclose(ta.effort[t], (k.staff.budget[reached] * share * 0.5).sum()) and ta.effort[t] > 0
    assert ta.progress[t] == 0.0                                  # without direction it yields nothing
    ts = model.timeseries()
    assert ts["effort"].sum() == pytest.approx(ta.effort[t]) and ts["aligned_effort"].sum() == 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_coordination_overhead_is_cut_by_the_line_or_by_a_coordinator_not_both(backend, monkeypatch):
    """A leader with clout over every unit crossed coordinates them (direct supervision); a
    brokering coordinator cuts the overhead only where the line does not (mutual adjustment)."""
    def progress(leader: str, coordinators: int, broker_cut: float, line_cut: float) -> float:
        monkeypatch.setattr(C, "BROKER_OVERHEAD_CUT", broker_cut)
        monkeypatch.setattr(C, "LINE_OVERHEAD_CUT", line_cut)
        model = quiet_model(backend, coordinators_per_hospital=coordinators, leadership_mix=0.5,
                            management_support=0.8, grant_threshold=0.05)
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

    # the executive's line covers every unit: a coordinator's cut adds nothing
    assert progress("executive", 1, 0.5, 0.5) == progress("executive", 1, 0.0, 0.5)
    assert progress("executive", 0, 0.0, 0.5) > progress("executive", 0, 0.0, 0.0)
    # a clinician has no clout over the units: only a coordinator cuts the overhead
    assert progress("clinician", 1, 0.5, 0.5) > progress("clinician", 1, 0.0, 0.5)


def test_a_coordinator_s_qi_time_goes_first_to_the_tasks_they_broker():
    from sim import staff_kernel
    from sim.kernel_data import person_inputs
    from sim.state import embeddedness_table

    model = quiet_model(coordinators_per_hospital=2, coordinator_span=4)
    st, span = model.org.staff, 4
    coordinator = np.flatnonzero(st.role == C.COORDINATOR)
    load = np.zeros(1)
    for impl in (person_inputs, staff_kernel.person_inputs):
        budgets = []
        for brokered in (0, 2, 4):
            st.broker_load[coordinator] = brokered
            out = tuple(np.empty(st.n) for _ in range(6))
            impl(st, load, span, embeddedness_table(), out)
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
    assert ta.alignment[t] < C.CONFLICT_THRESHOLD
