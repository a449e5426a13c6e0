"""The numba kernel and the plain-Python reference give identical results from the same state."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import LeadershipModel, Parameters
from sim.state import Organisation

STATE_ARRAYS = {
    "staff": ("motivation", "aim", "leader_weeks", "lead_count", "broker_load", "tenure"),
    "tasks": ("status", "leaders", "progress", "consolidation", "negotiated", "broker", "partner",
              "alignment", "conflict", "vacuum_run", "conflict_run", "ended", "required", "steer"),
    "hospitals": ("gain_held", "gain_fragile", "reporting_load", "issued"),
    "units": ("capability",),
}


def assert_same_state(a: Organisation, b: Organisation):
    for group, names in STATE_ARRAYS.items():
        for name in names:
            x, y = getattr(getattr(a, group), name), getattr(getattr(b, group), name)
            assert np.array_equal(x, y), f"{group}.{name} differs between backends"


def run_both(params: Parameters, weeks: int):
    numba_model = LeadershipModel(params, backend="numba", agents=False)
    reference_model = LeadershipModel(params, backend="reference", agents=False)
    for _ in range(weeks):
        numba_model.step()
        reference_model.step()
    return numba_model, reference_model


def test_identical_over_many_weeks_with_every_mechanism_active():
    params = Parameters(n_hospitals=3, staff_per_hospital=80, unit_size=16, leadership_mix=0.6,
                        local_task_rate=20, n_national_bodies=3, national_coherence=0.2,
                        initiative_rate=3, turnover_rate=0.3, coordinators_per_hospital=2,
                        coalition_rate=0.3, collective_culture=0.5, hospitals=(), seed=42)
    a, b = run_both(params, 150)
    assert np.array_equal(a.record_array(), b.record_array())
    assert_same_state(a.org, b.org)
    ts = a.timeseries()
    # the comparison covered every kind of event
    for column in ("completed", "failed_vacuum", "failed_conflict", "abandoned", "claims_granted",
                   "assigned", "negotiated", "coalitions", "reissued", "conflict_tasks"):
        assert ts[column].sum() > 0, column
    assert a.org.units.capability.max() > 0       # units learned from failures


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mix=st.floats(0, 1), support=st.floats(0, 1), coherence=st.floats(0, 1),
       turnover=st.floats(0, 0.6), coordinators=st.integers(0, 3), diffusion=st.floats(0, 2),
       threshold=st.floats(0.05, 0.95), complexity=st.floats(0, 1), coalition=st.floats(0, 1),
       culture=st.floats(0, 1), seed=st.integers(0, 2**32))
def test_identical_for_random_parameter_draws(mix, support, coherence, turnover, coordinators,
                                              diffusion, threshold, complexity, coalition, culture,
                                              seed):
    params = Parameters(n_hospitals=2, staff_per_hospital=50, unit_size=10, leadership_mix=mix,
                        management_support=support, national_coherence=coherence,
                        turnover_rate=turnover, coordinators_per_hospital=coordinators,
                        diffusion_of_responsibility=diffusion, grant_threshold=threshold,
                        task_complexity=complexity, coalition_rate=coalition,
                        collective_culture=culture, local_task_rate=15, seed=seed)
    a, b = run_both(params, 40)
    assert np.array_equal(a.record_array(), b.record_array())
    assert_same_state(a.org, b.org)


def test_identical_with_per_hospital_overrides():
    params = Parameters.from_dict({
        "n_hospitals": 3, "staff_per_hospital": 40, "unit_size": 10, "local_task_rate": 20, "seed": 7,
        "hospitals": [{"hospital": 0, "leadership_mix": 0.0, "management_support": 0.2},
                      {"hospital": 2, "leadership_mix": 1.0, "staff_per_hospital": 70,
                       "coordinators_per_hospital": 0}]})
    a, b = run_both(params, 60)
    assert np.array_equal(a.record_array(), b.record_array())
    assert_same_state(a.org, b.org)


def test_behavioural_constants_reach_the_compiled_kernel_at_run_time():
    """A run's constants change the numba kernel at once (no stale on-disk cache), identically to
    the reference."""
    params = Parameters(n_hospitals=1, staff_per_hospital=60, unit_size=15, local_task_rate=25,
                        n_national_bodies=4, national_coherence=0.0, initiative_rate=4, seed=3)
    default, _ = run_both(params, 30)
    a, b = run_both(params.replace(CONFLICT_THRESHOLD=0.74, CLAIM_RATE=0.3), 30)
    assert np.array_equal(a.record_array(), b.record_array())
    assert not np.array_equal(a.record_array(), default.record_array())


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32))
def test_identical_for_random_draws_of_every_behavioural_constant(seed):
    """Every constant drawn at random within its declared range: the backends still agree."""
    from sim.constants import CONSTANT_SPECS

    rng = np.random.default_rng(seed)
    constants = {}
    for spec in CONSTANT_SPECS:
        if spec.varies:
            value = rng.uniform(spec.low, spec.high)
            constants[spec.name] = float(round(value)) if spec.integer else value
    params = Parameters(n_hospitals=2, staff_per_hospital=50, unit_size=10, local_task_rate=15,
                        n_national_bodies=2, national_coherence=0.3, turnover_rate=0.3,
                        coordinators_per_hospital=2, seed=seed, constants=constants)
    a, b = run_both(params, 40)
    assert np.array_equal(a.record_array(), b.record_array())
    assert_same_state(a.org, b.org)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(learning=st.floats(0.05, 1), interval=st.integers(1, 8), complexity=st.floats(0, 1),
       regional=st.integers(0, 3), span=st.integers(1, 3), mix=st.floats(0, 1),
       seed=st.integers(0, 2**32))
def test_identical_with_the_collaborative_on(learning, interval, complexity, regional, span, mix,
                                             seed):
    """The collaborative's learning sessions (sim.kernel / sim.reference.learning_session) over
    random draws of its knobs: the backends still agree to the last bit."""
    params = Parameters(n_hospitals=3, staff_per_hospital=60, unit_size=12, leadership_mix=mix,
                        management_support=0.9, task_complexity=0.1, local_task_rate=25,
                        n_national_bodies=2, initiative_rate=3, collaborative_learning=learning,
                        learning_session_interval=interval, collaborative_complexity=complexity,
                        regional_coordinators=regional, regional_span=span, seed=seed)
    a, b = run_both(params, 50)
    assert np.array_equal(a.record_array(), b.record_array())
    assert_same_state(a.org, b.org)
