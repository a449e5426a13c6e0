"""The Mesa model: agent views over the arrays, DataCollector records, outcome definitions."""

import numpy as np
import pytest

from sim import Clinician, Coordinator, LeadershipModel, Manager, Parameters, run_simulation
from sim import constants as C
from sim.outcomes import SUMMARY_OUTCOMES, gini

SMALL = Parameters(n_hospitals=2, staff_per_hospital=60, unit_size=15, ticks=40, local_task_rate=15,
                   seed=3)


def test_one_agent_class_per_role_and_agents_are_views_over_the_arrays():
    model = LeadershipModel(SMALL)
    st = model.org.staff
    assert len(model.agents_by_type[Manager]) == (st.role == C.MANAGER).sum()
    assert len(model.agents_by_type[Clinician]) == (st.role == C.CLINICIAN).sum()
    assert len(model.agents_by_type[Coordinator]) == (st.role == C.COORDINATOR).sum()
    agent = model.agent_for_post(7)
    assert agent.motivation == st.motivation[7]
    st.motivation[7] = 0.123
    assert agent.motivation == 0.123          # reading the agent reads the array
    agent.motivation = 0.5
    assert st.motivation[7] == 0.5            # and writing writes it
    boss = agent.supervisor
    assert boss is not None and boss.post == st.supervisor[7]
    ceo = model.agent_for_post(int(model.org.hospitals.executive[0]))
    assert isinstance(ceo, Manager) and ceo.level == "executive" and ceo.supervisor is None


def test_a_leaver_s_agent_leaves_the_model_and_a_newcomer_s_agent_takes_the_post():
    model = LeadershipModel(SMALL.replace(turnover_rate=0.6))
    before = {post: model.agent_for_post(post) for post in range(model.org.staff.n)}
    n_agents = len(model.agents)
    tenure = model.org.staff.tenure.copy()
    for _ in range(10):
        model.step()
    st = model.org.staff
    refilled = st.tenure < tenure + 10             # a newcomer joined during these weeks
    left, stayed = np.flatnonzero(refilled).tolist(), np.flatnonzero(~refilled).tolist()
    assert left and stayed
    agents = model.agents
    assert len(agents) == n_agents                       # one agent per post, always
    for post in left:
        new = model.agent_for_post(post)
        assert new is not before[post] and new in agents and before[post] not in agents
        assert type(new) is type(before[post]) and new.tenure == st.tenure[post]
    for post in stayed:
        assert model.agent_for_post(post) is before[post]
    by_type = model.agents_by_type
    assert sum(len(group) for group in by_type.values()) == n_agents


def test_agents_report_the_tasks_they_lead():
    model = LeadershipModel(SMALL)
    for _ in range(20):
        model.step()
    t = model.org.tasks
    leaders = set(t.leaders[t.status == C.ACTIVE].ravel()) - {-1}
    assert leaders
    for post in leaders:
        assert model.agent_for_post(int(post)).tasks_led


def test_datacollector_records_every_week():
    model = LeadershipModel(SMALL)
    for _ in range(10):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 10
    ts = model.timeseries()
    weekly = ts.groupby("tick")["active_tasks"].sum().to_numpy()
    assert np.array_equal(frame["active_tasks"].to_numpy(), weekly)


def test_run_simulation_returns_tidy_results_and_the_summary_follows_its_definitions():
    r = run_simulation(SMALL)
    assert list(r.summary) == list(SUMMARY_OUTCOMES)
    ts = r.timeseries
    assert len(ts) == SMALL.ticks * SMALL.n_hospitals
    assert set(ts["hospital"]) == {0, 1} and ts["tick"].min() == 1 and ts["tick"].max() == SMALL.ticks
    ended = ts[["completed", "failed_vacuum", "failed_conflict", "abandoned"]].to_numpy().sum()
    assert r.summary["tasks_ended"] == ended
    if ended:
        assert r.summary["nobody_in_charge_rate"] == pytest.approx(ts["failed_vacuum"].sum() / ended)
        assert r.summary["completion_rate"] == pytest.approx(ts["completed"].sum() / ended)
    assert r.summary["vacuum_exposure"] == pytest.approx(ts["vacuum_tasks"].sum() / ts["active_tasks"].sum())
    years = SMALL.ticks / 52
    assert r.summary["improvement"] == pytest.approx(ts["gain"].sum() / years / SMALL.n_hospitals)
    last = ts[ts["tick"] == SMALL.ticks]["sustained_gain"].mean()
    assert r.summary["sustained_improvement"] == pytest.approx(last)
    shares = [r.summary[f"leadership_share_{n}"] for n in C.LEAD_CATEGORY_NAMES]
    assert sum(shares) == pytest.approx(1.0)
    assert len(r.hospitals) == SMALL.n_hospitals


def test_gini():
    assert gini(np.array([1.0, 1.0, 1.0])) == 0.0
    assert gini(np.zeros(4)) == 0.0
    assert gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)
