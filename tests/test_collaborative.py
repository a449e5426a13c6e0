"""The collaborative layer (issue #12): off, it is today's model bit for bit; on, the numba and
plain-Python backends agree; its rules and outcomes do what docs/ODD.md section 7.11 says."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim import LeadershipModel, Parameters, run_simulation
from sim import constants as C
from sim.collaborative import (Collaborative, cross_hospital_overhead, regional_cover, topic_aims,
                               topic_of)
from sim.outcomes import COL, spread_counts
from tests.test_kernel_equivalence import assert_same_state, run_both

REFERENCES = json.loads((Path(__file__).parent / "data" / "isolated_main.json").read_text())
COLLABORATIVE = dict(collaborative_learning=0.9, learning_session_interval=6,
                     regional_coordinators=1, regional_span=2, collaborative_complexity=0.6)


def _isolated_reference() -> dict:
    """The stored run of the model without the collaborative layer (tests/data/, made by
    make_isolated_main.py on main before the layer) for the within-hospital model of this checkout:
    the one made with the same behavioural constants, the collaborative's own left aside."""
    from sim.constants import CONSTANT_SPECS

    names = sorted(s.name for s in CONSTANT_SPECS if s.group != "collaborative")
    for reference in REFERENCES["references"]:
        if reference["constant_names"] == names:
            return reference
    pytest.fail("no stored run of the model without the collaborative for this within-hospital "
                "model (its constants changed): make one with tests/data/make_isolated_main.py on "
                "a checkout without the layer")


ISOLATED = _isolated_reference()


def _isolated_params(**changes) -> Parameters:
    """The run stored on main before the collaborative layer existed (tests/data/)."""
    return Parameters(n_hospitals=3, staff_per_hospital=80, unit_size=16, leadership_mix=0.6,
                      local_task_rate=20, n_national_bodies=3, national_coherence=0.2,
                      initiative_rate=3, turnover_rate=0.3, coordinators_per_hospital=2,
                      coalition_rate=0.3, collective_culture=0.5, seed=42, ticks=150,
                      constants=ISOLATED["constants"]).replace(**changes)


@pytest.mark.parametrize("backend", ["numba", "reference"])
def test_without_the_collaborative_the_model_is_the_one_stored_on_main_bit_for_bit(backend):
    """collaborative_learning = 0 and no regional coordinators: the records and final state of a run
    with every other mechanism active are those of the same run made on main before this layer
    (fba2fc2; f9855fe after main's LINE_RESOURCES), to the last bit. The constants of that run are
    pinned, so recalibrating their values does not touch this test."""
    model = LeadershipModel(_isolated_params(), backend=backend, agents=False, collect=False)
    for _ in range(ISOLATED["weeks"]):
        model.step()
    old_columns = len(ISOLATED["record_totals"])
    records = np.ascontiguousarray(model.record_array()[:, :, :old_columns])
    assert records.sum(axis=(0, 1)).tolist() == ISOLATED["record_totals"]
    assert hashlib.sha256(records.tobytes()).hexdigest() == ISOLATED["records_sha256"]
    assert hashlib.sha256(model.org.staff.motivation.tobytes()).hexdigest() == \
        ISOLATED["motivation_sha256"]
    assert hashlib.sha256(model.org.staff.aim.tobytes()).hexdigest() == ISOLATED["aim_sha256"]
    assert not model.record_array()[:, :, COL["peer_learning"]].any()


def test_the_layer_switched_off_in_code_gives_the_same_run():
    """A second check that needs no stored run: the same seed with the collaborative's weekly step
    removed from the model (its bookkeeping and sessions skipped) gives the same records. The
    Python week is the one whose steps can be switched off; the compiled week, which equals the
    Python week (test_backends_agree_with_the_collaborative_on), runs with the layer in place."""
    params = _isolated_params(ticks=80)
    a = LeadershipModel(params, agents=False, collect=False)
    b = LeadershipModel(params, agents=False, collect=False, backend="reference")
    b.collaborative.record_week = lambda tasks, week: None
    b.collaborative.session_due = lambda week: False
    a.run_model()
    b.run_model()
    assert a.record_array()[:, :, COL["completed"]].sum() > 0     # there were completions to log
    assert np.array_equal(a.record_array(), b.record_array())
    assert_same_state(a.org, b.org)


def test_regional_coordinators_without_learning_sessions_change_nothing():
    a = run_simulation(_isolated_params(ticks=60))
    b = run_simulation(_isolated_params(ticks=60, regional_coordinators=2))
    assert np.array_equal(a.timeseries.to_numpy(), b.timeseries.to_numpy())


def test_backends_agree_with_the_collaborative_on():
    params = Parameters(n_hospitals=4, staff_per_hospital=80, unit_size=16, management_support=0.9,
                        local_task_rate=15, n_national_bodies=2, initiative_rate=3,
                        turnover_rate=0.2, coordinators_per_hospital=2, seed=5, **COLLABORATIVE)
    a, b = run_both(params, 100)
    assert np.array_equal(a.record_array(), b.record_array())
    assert_same_state(a.org, b.org)
    assert a.record_array()[:, :, COL["peer_learning"]].sum() > 0     # sessions carried lessons
    assert np.array_equal(a.collaborative.completion_array(), b.collaborative.completion_array())


def test_learning_sessions_raise_progress_only_at_session_weeks_and_change_the_run():
    params = Parameters(n_hospitals=4, staff_per_hospital=80, unit_size=16, local_task_rate=15,
                        management_support=0.9, ticks=100, seed=3, collaborative_learning=1.0,
                        learning_session_interval=10)
    ts = run_simulation(params).timeseries
    by_week = ts.groupby("tick")["peer_learning"].sum()
    assert set(by_week[by_week > 0].index) <= set(range(10, 101, 10))
    assert by_week.sum() > 0
    isolated = run_simulation(params.replace(collaborative_learning=0.0)).timeseries
    assert not np.array_equal(ts.to_numpy(), isolated.to_numpy())


def _session_fixture(n_hospitals=3):
    """A model after some weeks, with one topic's lesson held by every hospital but the first."""
    params = Parameters(n_hospitals=n_hospitals, staff_per_hospital=80, unit_size=16,
                        local_task_rate=15, n_national_bodies=1, initiative_rate=4, seed=2,
                        management_support=0.9, collaborative_learning=1.0)
    model = LeadershipModel(params, agents=False, collect=False)
    for _ in range(30):
        model.step()
    return model


@pytest.mark.parametrize("backend", ["numba", "reference"])
def test_a_session_helps_only_led_tasks_similar_to_what_peers_completed(backend):
    from sim.model import BACKENDS

    model = _session_fixture()
    org, collab = model.org, model.collaborative
    k = model.last_kernel
    ta = org.tasks
    lessons = np.zeros_like(collab.lessons)
    lessons[1:, 0] = 1            # hospitals 1 and 2 completed an initiative of body 0
    before = ta.progress.copy()
    gained = np.zeros(org.hospitals.aim.shape[0])
    BACKENDS[backend].learning_session(k, ta.body, lessons, collab.topic_cos, collab.topic_sin,
                                       collab.n_bodies, collab.overhead, 1.0, gained)
    rose = ta.progress > before
    active = ta.status == C.ACTIVE
    carried = (ta.leaders >= 0).any(axis=1) | (ta.broker >= 0)
    assert rose.any()
    assert not (rose & ~active).any() and not (rose & ~carried).any()   # nobody in charge: no lesson
    assert (ta.progress[active] < 1.0).all()                           # a session never completes
    h0 = ta.hospital == 0
    same_programme = h0 & active & carried & (ta.kind == C.NATIONAL) & (ta.body == 0)
    assert same_programme.any() and rose[same_programme].all()   # both peers completed it: evidence 1
    # evidence is a share of peers: the same lesson at one peer of two gives half the gain
    expected = (k.constants.SESSION_TRANSFER * 1.0 * 1.0 * _uptake(org, same_programme)
                * (1.0 - before[same_programme]) / collab.overhead[0])
    assert np.allclose(ta.progress[same_programme] - before[same_programme], expected)
    assert gained[1:].sum() == pytest.approx(
        (ta.progress - before)[ta.hospital > 0].sum())   # hospitals 1, 2 learn from each other
    assert gained[0] == pytest.approx((ta.progress - before)[h0].sum())


def _uptake(org, mask):
    st, ta = org.staff, org.tasks
    out = []
    for t in np.flatnonzero(mask):
        people = [int(l) for l in ta.leaders[t] if l >= 0] + ([int(ta.broker[t])] if ta.broker[t] >= 0
                                                              else [])
        out.append(max(st.expertise[p] for p in people))
    return np.array(out)


def test_a_hospital_alone_learns_nothing():
    model = _session_fixture(n_hospitals=1)
    before = model.org.tasks.progress.copy()
    gained = np.zeros(1)
    lessons = np.ones_like(model.collaborative.lessons)
    from sim.kernel import learning_session
    c = model.collaborative
    learning_session(model.last_kernel, model.org.tasks.body, lessons, c.topic_cos, c.topic_sin,
                     c.n_bodies, c.overhead, 1.0, gained)
    assert np.array_equal(model.org.tasks.progress, before) and gained[0] == 0


def test_topics_programmes_then_sectors_of_aims():
    aims = topic_aims(np.array([0.3, -1.0]))
    assert aims.shape == (2 + C.LOCAL_TOPICS,) and aims[0] == 0.3
    kind = np.array([C.NATIONAL, C.LOCAL, C.LOCAL, C.LOCAL])
    body = np.array([1, -1, -1, -1])
    topic = topic_of(kind, body, np.array([2.0, -np.pi, 0.0, np.pi - 1e-9]), 2)
    assert topic.tolist() == [1, 2, 2 + C.LOCAL_TOPICS // 2, 2 + C.LOCAL_TOPICS - 1]


def test_regional_coordinators_cover_at_most_their_span_and_cut_the_overhead():
    assert regional_cover(10, 2, 3).tolist() == [True] * 6 + [False] * 4
    assert regional_cover(4, 1, 9).all()
    p = Parameters(n_hospitals=4, collaborative_complexity=1.0, regional_coordinators=1,
                   regional_span=2)
    kc = p.constant_values()
    overhead = cross_hospital_overhead(p, kc)
    assert overhead[0] == 1 + kc.COLLABORATIVE_OVERHEAD * (1 - kc.REGIONAL_OVERHEAD_CUT)
    assert overhead[3] == 1 + kc.COLLABORATIVE_OVERHEAD
    assert (cross_hospital_overhead(p.replace(collaborative_complexity=0.0), kc) == 1.0).all()


def test_complex_collaboratives_have_wider_shared_aims_and_more_divergent_hospitals():
    base = Parameters(n_hospitals=6, staff_per_hospital=200, ticks=104, seed=4, initiative_rate=4)
    simple, complex_ = (LeadershipModel(base.replace(collaborative_complexity=c), agents=False,
                                        collect=False) for c in (0.0, 1.0))
    assert np.allclose(complex_.org.hospitals.aim, 2.0 * simple.org.hospitals.aim) or \
        np.std(complex_.org.hospitals.aim) > np.std(simple.org.hospitals.aim)
    for m in (simple, complex_):
        for _ in range(104):
            m.step()
    t_s, t_c = simple.org.tasks, complex_.org.tasks
    national = lambda t: t.width[(t.kind == C.NATIONAL) & (t.status != C.FREE)].mean()
    assert national(t_c) > national(t_s) + 0.5


# --- outcomes -----------------------------------------------------------------------------------
def test_spread_counts_follow_completions_within_the_window():
    weeks, window = 80, 10
    c = np.zeros((weeks, 3, 2), np.int32)
    c[5, 0, 0] = 1        # hospital 0 completes topic 0 at week 5 ...
    c[9, 1, 0] = 1        # ... hospital 1 follows 4 weeks later; hospital 2 never does
    c[40, 2, 1] = 1       # hospital 2 completes topic 1; nobody follows within 10 weeks ...
    c[60, 0, 1] = 1       # ... hospital 0 only 20 weeks later
    opportunities, adopted, delays = spread_counts(c, window)
    # opportunities of each follower: completions of the others in weeks 0..69
    assert opportunities.tolist() == [2, 3, 3]     # h0: (9, h1) and (40, h2); h1: 5, 40, 60; h2: 5, 9, 60
    assert adopted.tolist() == [0, 1, 0]
    assert delays.tolist() == [0, 4, 0]
    assert spread_counts(c[:window], window)[0].sum() == 0     # no window fits: nothing counted


def test_collaborative_outcomes_are_defined_and_within_their_ranges():
    r = run_simulation(Parameters(n_hospitals=4, staff_per_hospital=100, ticks=160, seed=9,
                                  local_task_rate=12, **COLLABORATIVE))
    s = r.summary
    assert 0 <= s["spread"] <= 1 and 0 < s["adoption_weeks"] <= C.SPREAD_WINDOW_WEEKS
    assert 0 <= s["collaborative_sustainment"] <= 1 and s["improvement_variation"] >= 0
    improvement = r.hospitals["improvement"]
    assert s["improvement_variation"] == pytest.approx(
        (improvement - improvement.mean()).abs().mean() / improvement.mean())
    assert s["collaborative_sustainment"] == pytest.approx(
        r.timeseries[r.timeseries.tick == 160]["sustained_gain"].sum() / r.timeseries["gain"].sum())
    one = run_simulation(Parameters(n_hospitals=1, staff_per_hospital=100, ticks=80, seed=9))
    assert math.isnan(one.summary["spread"]) and one.summary["improvement_variation"] == 0.0


def test_the_weekly_spread_tracker_equals_the_batch_count_at_every_week():
    from sim.outcomes import SpreadTracker

    rng = np.random.default_rng(1)
    completions = (rng.random((40, 4, 3)) < 0.08).astype(np.int32) * rng.integers(1, 3, (40, 4, 3))
    tracker = SpreadTracker(4, 3, window=6)
    for w in range(40):
        tracker.add(completions[w])
        for got, expected in zip(tracker.totals(), spread_counts(completions[:w + 1], 6)):
            assert np.array_equal(got, expected), w
    assert tracker.adoptions.sum() > 0


def test_model_summary_spread_equals_the_batch_count_of_its_completions():
    model = LeadershipModel(Parameters(n_hospitals=4, staff_per_hospital=100, ticks=120, seed=9,
                                       local_task_rate=12, management_support=0.9, **COLLABORATIVE),
                            agents=False)
    model.run_model()
    opportunities, adopted, delays = spread_counts(model.collaborative.completion_array())
    summary = model.summary()[0]
    assert summary["spread"] == adopted.sum() / opportunities.sum()
    assert summary["adoption_weeks"] == delays.sum() / adopted.sum()
    collected = model.datacollector.get_model_vars_dataframe().iloc[-1]
    assert collected["spread"] == summary["spread"]
