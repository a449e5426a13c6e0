"""Same parameters and seed: identical results; different seeds: different results."""

import numpy as np
import pandas as pd

from sim import Parameters, run_simulation

SMALL = Parameters(n_hospitals=2, staff_per_hospital=60, unit_size=15, ticks=80, local_task_rate=15)


def test_same_seed_same_results():
    a = run_simulation(SMALL.replace(seed=9))
    b = run_simulation(SMALL.replace(seed=9))
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.hospitals, b.hospitals)
    np.testing.assert_equal(a.summary, b.summary)       # NaN (a rate without events) equals NaN


def test_same_seed_same_results_on_the_reference_backend():
    a = run_simulation(SMALL.replace(seed=9, ticks=30))
    b = run_simulation(SMALL.replace(seed=9, ticks=30), backend="reference")
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)


def test_agent_views_do_not_change_results():
    a = run_simulation(SMALL.replace(seed=4, ticks=40), agents=True)
    b = run_simulation(SMALL.replace(seed=4, ticks=40), agents=False)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)


def test_different_seeds_different_results():
    a = run_simulation(SMALL.replace(seed=1))
    b = run_simulation(SMALL.replace(seed=2))
    assert not np.array_equal(a.timeseries.to_numpy(), b.timeseries.to_numpy())
    assert a.summary != b.summary
