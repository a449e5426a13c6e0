"""The model in Mesa 3's conventions, driven by Mesa's own clients: ``rng=``, ``running``,
``DataCollector`` reporters, ``mesa.batch_run`` and ``mesa.experimental.scenarios.Scenario``."""

import multiprocessing

import mesa
import numpy as np
import pytest

from sim import LeadershipModel, Parameters, SUMMARY_OUTCOMES, run_simulation
from sim.mesa_interop import LeadershipScenario, seed_from_rng
from sim.model import random_streams
from sim.parameters import ParameterError
from sim.reporters import WEEKLY_SERIES

SMALL = dict(n_hospitals=2, staff_per_hospital=60, unit_size=10, ticks=30)


def _same(a: float, b: float) -> bool:
    return a == b or (np.isnan(a) and np.isnan(b))


def _run(model: LeadershipModel) -> np.ndarray:
    model.run_model()
    return model.record_array()


def test_rng_seeds_the_run_exactly_as_seed_does():
    reference = _run(LeadershipModel(Parameters(**SMALL, seed=42)))
    for rng in (42, np.int64(42), np.uint32(42)):
        model = LeadershipModel(rng=rng, **SMALL)
        assert model.params.seed == 42
        assert np.array_equal(_run(model), reference)
    assert not np.array_equal(_run(LeadershipModel(rng=43, **SMALL)), reference)


def test_a_generator_maps_to_one_draw_of_it_reproducibly():
    model = LeadershipModel(rng=np.random.default_rng(5), **SMALL)
    expected = int(np.random.default_rng(5).integers(2**63 - 1, dtype=np.int64, endpoint=True))
    assert model.params.seed == expected
    again = LeadershipModel(rng=np.random.default_rng(5), **SMALL)
    assert np.array_equal(_run(model), _run(again))
    by_seed = LeadershipModel(rng=model.params.seed, **SMALL)      # the recorded seed repeats it
    assert np.array_equal(_run(by_seed), model.record_array())
    assert seed_from_rng(np.random.SeedSequence(9)) == seed_from_rng(np.random.SeedSequence(9))
    assert seed_from_rng([1, 2]) == seed_from_rng(np.random.SeedSequence([1, 2]))


def test_rng_none_draws_fresh_entropy_and_records_it():
    a, b = LeadershipModel(rng=None, **SMALL), LeadershipModel(rng=None, **SMALL)
    assert a.params.seed != b.params.seed
    assert LeadershipModel(**SMALL).params.seed == 0          # not given: the parameters' seed


def test_rng_and_seed_together_or_a_bad_rng_are_refused():
    with pytest.raises(ValueError, match="either rng or seed"):
        LeadershipModel(rng=1, seed=2, **SMALL)
    with pytest.raises(ParameterError, match="'rng'"):
        LeadershipModel(rng="abc", **SMALL)
    with pytest.raises(ParameterError, match="'rng'"):
        LeadershipModel(rng=-1, **SMALL)


def test_model_rng_is_the_generator_of_the_dynamics():
    model = LeadershipModel(rng=3, **SMALL)
    assert model.rng.bit_generator.state == random_streams(3)[1].bit_generator.state
    assert model.dynamics_rng is model.rng
    same_seed = LeadershipModel(rng=3, **SMALL)
    same_seed.rng = np.random.default_rng(99)             # another stream, same organisation
    assert not np.array_equal(_run(model), _run(same_seed))
    restored = LeadershipModel(rng=3, **SMALL)
    restored.rng.random(10)                               # disturb it, then Mesa's reset_rng()
    restored.reset_rng()
    assert np.array_equal(_run(restored), model.record_array())


def test_running_turns_false_after_ticks_and_run_model_stops_there():
    model = LeadershipModel(rng=1, **SMALL)
    for week in range(SMALL["ticks"] - 1):
        model.step()
        assert model.running
    model.step()
    assert not model.running
    driven = LeadershipModel(rng=1, **SMALL)
    driven.run_model()
    assert driven.week == driven.steps == SMALL["ticks"]


def test_reporters_carry_every_summary_outcome_equal_to_the_summary_of_the_weeks_so_far():
    model = LeadershipModel(rng=11, **{**SMALL, "n_hospitals": 3, "ticks": 40})
    columns = model.datacollector.model_vars
    while model.running:
        model.step()
        summary = model.summary()[0]
        for name in SUMMARY_OUTCOMES:
            assert _same(columns[name][-1], summary[name]), (model.week, name)
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == [*WEEKLY_SERIES, *SUMMARY_OUTCOMES]
    assert len(frame) == 40
    ts = model.timeseries()
    assert np.array_equal(frame["active_tasks"].to_numpy(),
                          ts.groupby("tick")["active_tasks"].sum().to_numpy())
    # the renamed weekly series: the summary's improvement is their sum per hospital per year
    years = 40 / 52
    assert frame["weekly_gain"].sum() / 3 / years == pytest.approx(frame["improvement"].iloc[-1])
    assert frame["mean_motivation"].iloc[-1] != frame["motivation_this_week"].iloc[-1]


def test_run_simulation_gives_the_same_summary_as_the_collecting_model():
    params = Parameters(**SMALL, seed=8)
    model = LeadershipModel(params)
    model.run_model()
    collected = model.datacollector.get_model_vars_dataframe().iloc[-1]
    summary = run_simulation(params).summary
    assert all(_same(collected[name], summary[name]) for name in SUMMARY_OUTCOMES)


@pytest.fixture
def start_method():
    """mesa.batch_run sets the global multiprocessing start method to spawn: put it back."""
    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def test_mesa_batch_run_drives_the_model_unwrapped(start_method):
    mixes = np.linspace(0.2, 0.8, 2)                       # numpy floats, as a user would pass
    rows = mesa.batch_run(LeadershipModel, parameters={"leadership_mix": mixes, **SMALL},
                          rng=[1, np.int64(2)], max_steps=1000, number_processes=1,
                          display_progress=False)
    assert len(rows) == 4
    for row in rows:
        assert row["Step"] == SMALL["ticks"]               # stopped by running, not max_steps
        expected = run_simulation(Parameters(**SMALL, leadership_mix=float(row["leadership_mix"]),
                                             seed=int(row["rng"]))).summary
        for name in SUMMARY_OUTCOMES:
            assert _same(row[name], expected[name]), name
    every_week = mesa.batch_run(LeadershipModel, parameters=SMALL, rng=[4], max_steps=1000,
                                data_collection_period=1, display_progress=False)
    assert [r["Step"] for r in every_week] == list(range(1, SMALL["ticks"] + 1))


def test_mesa_scenarios_drive_the_model():
    from mesa.experimental.scenarios import Scenario

    typed = LeadershipScenario(rng=7, leadership_mix=0.3, **SMALL)
    assert typed.management_support == Parameters().management_support    # declared defaults
    model = LeadershipModel(scenario=typed)
    assert model.scenario is typed and model.params.leadership_mix == 0.3
    with pytest.raises(ValueError):                        # Mesa: no changes during a run
        typed.leadership_mix = 0.9
    model.run_model()
    expected = run_simulation(Parameters(**SMALL, leadership_mix=0.3, seed=7)).summary
    assert model.summary()[0] == pytest.approx(expected, nan_ok=True)
    plain = LeadershipModel(scenario=Scenario(rng=7, leadership_mix=0.3, **SMALL))
    plain.run_model()
    assert np.array_equal(plain.record_array(), model.record_array())
    with pytest.raises(ParameterError, match="leadership_mx"):
        LeadershipModel(scenario=Scenario(rng=1, leadership_mx=0.3))
    with pytest.raises(ValueError, match="scenario.rng"):
        LeadershipModel(rng=2, scenario=Scenario(rng=1, **SMALL))


def test_this_mesa_has_no_run_scenarios_to_drive():
    """Mesa 3.5 has ``Scenario`` but no ``run_scenarios``; a Mesa that adds it fails here, so that
    a test driving the model with it is written then."""
    import mesa.experimental.scenarios as scenarios

    assert not hasattr(scenarios, "run_scenarios"), "add a test that drives the model with it"
