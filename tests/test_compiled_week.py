"""The compiled week (sim.compiled_week): many weeks per call give the same run as week by week."""

import numpy as np

from sim import LeadershipModel, Parameters, compiled_week, run_simulation
from tests.test_kernel_equivalence import assert_same_state

PARAMS = Parameters(n_hospitals=3, staff_per_hospital=90, unit_size=15, turnover_rate=0.3,
                    n_national_bodies=2, initiative_rate=4, coordinators_per_hospital=2,
                    collaborative_learning=1.0, learning_session_interval=6, ticks=70, seed=11)


def test_many_weeks_per_call_equal_one_week_per_call():
    batch = LeadershipModel(PARAMS, agents=False, collect=False)
    weekly = LeadershipModel(PARAMS, agents=False, collect=False)
    batch.run_weeks(25)
    batch.run_weeks(45)
    for _ in range(70):
        weekly.step()
    assert np.array_equal(batch.record_array(), weekly.record_array())
    assert_same_state(batch.org, weekly.org)
    assert np.array_equal(batch.collaborative.completion_array(),
                          weekly.collaborative.completion_array())
    assert batch.week == weekly.week == 70
    assert batch.steps == weekly.steps == 70 and batch.time == weekly.time == 70.0   # Mesa's clock
    assert not batch.running


def test_the_data_collector_sees_every_week_and_the_same_run():
    collected = LeadershipModel(PARAMS, agents=False, collect=True)
    collected.run_model()
    frame = collected.datacollector.get_model_vars_dataframe()
    assert len(frame) == 70
    plain = run_simulation(PARAMS)
    assert np.array_equal(collected.record_array().reshape(-1, collected.record_array().shape[2]),
                          plain.timeseries.drop(columns=["tick", "hospital"]).to_numpy())
    assert frame["improvement"].iloc[-1] == plain.summary["improvement"]


def test_agents_of_refilled_posts_are_renewed_after_a_compiled_call():
    model = LeadershipModel(PARAMS, agents=True, collect=False)
    before = {post: model.agent_for_post(post) for post in range(model.org.staff.n)}
    model.run_weeks(40)
    renewed = [post for post in range(model.org.staff.n) if model.agent_for_post(post) is not before[post]]
    refilled = np.flatnonzero(model.org.staff.generation > 0)
    assert renewed == refilled.tolist() and len(renewed) > 0
    assert len(model.agents) == model.org.staff.n


def test_the_cache_is_dropped_when_the_compiled_in_sources_change(tmp_path, monkeypatch):
    flushed = []

    class FakeCache:
        cache_path = str(tmp_path)

        def flush(self):
            flushed.append(1)

    for function in compiled_week._FUNCTIONS:
        monkeypatch.setattr(function, "_cache", FakeCache())
    (tmp_path / "compiled_week.sources").write_text("sources of an older kernel")
    compiled_week._drop_stale_cache()
    assert len(flushed) == len(compiled_week._FUNCTIONS)
    compiled_week._drop_stale_cache()               # stamp now current: nothing dropped again
    assert len(flushed) == len(compiled_week._FUNCTIONS)


def test_a_copied_model_goes_on_without_compiling_the_week_again():
    """A deep copy (the app's reset, benchmarks) must reuse the compiled week: an argument whose
    type differs (e.g. a writable copy of the read-only embeddedness table) would compile it anew,
    which takes about half a minute."""
    import copy

    model = LeadershipModel(PARAMS, agents=False, collect=False)
    model.run_weeks(5)
    compiled = len(compiled_week.run_weeks.signatures)
    twin = copy.deepcopy(model)
    twin.run_weeks(5)
    model.run_weeks(5)
    assert len(compiled_week.run_weeks.signatures) == compiled
    assert np.array_equal(twin.record_array(), model.record_array())


def test_records_and_the_completion_log_grow_past_the_planned_weeks():
    """Weeks beyond ``ticks`` (the app keeps playing) go into grown buffers: the same records and
    completions as a model planned for that many weeks."""
    short = LeadershipModel(PARAMS.replace(ticks=10), agents=False, collect=False)
    long = LeadershipModel(PARAMS.replace(ticks=40), agents=False, collect=False)
    short.run_weeks(7)
    short.run_weeks(30)
    long.run_weeks(37)
    assert short.record_array().shape[0] == 37
    assert np.array_equal(short.record_array(), long.record_array())
    assert np.array_equal(short.collaborative.completion_array(),
                          long.collaborative.completion_array())
