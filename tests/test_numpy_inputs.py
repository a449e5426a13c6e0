"""Numpy scalars and booleans are accepted wherever Python numbers and booleans are, as EMA
Workbench and SALib pass them (a sample row is numpy values)."""

import numpy as np
import pandas as pd
import pytest

from sim import LeadershipModel, Parameters, run_simulation
from sim.parameters import HospitalOverride, ParameterError
from sim.scenario import load_scenario, scenario_from_params
from sim.sensitivity import Morris, Problem, Sobol, Study, model_factor
from sim.sweep import grid_design, lhs_design, run_design, table_design
from sim.sweep.cluster import check_cluster_config

TINY = dict(n_hospitals=1, staff_per_hospital=30, unit_size=10, ticks=8)
NUMPY_TINY = {"n_hospitals": np.int64(1), "staff_per_hospital": np.int32(30),
              "unit_size": np.uint16(10), "ticks": np.int64(8)}


def test_parameters_from_numpy_scalars_equal_those_from_python_numbers():
    numpy_params = Parameters(leadership_mix=np.float32(0.25), management_support=np.float64(0.5),
                              coordinators_per_hospital=np.int64(2), seed=np.uint64(7),
                              **NUMPY_TINY)
    python_params = Parameters(leadership_mix=0.25, management_support=0.5,
                               coordinators_per_hospital=2, seed=7, **TINY)
    assert numpy_params == python_params
    assert type(numpy_params.seed) is int and type(numpy_params.leadership_mix) is float
    with pytest.raises(ParameterError, match="leadership_mix"):     # a numpy boolean is no number
        Parameters(leadership_mix=np.True_)


def test_constants_and_per_hospital_values_from_numpy():
    params = Parameters(n_hospitals=2, constants={"CLAIM_RATE": np.float32(0.5)},
                        hospitals=(HospitalOverride(np.int64(1),
                                                    {"management_support": np.float64(0.2)}),))
    assert params.constants == {"CLAIM_RATE": 0.5}
    assert params.hospital_values("management_support")[1] == 0.2
    assert type(params.hospitals[0].hospital) is int
    same = Parameters.from_dict({"n_hospitals": np.int64(2), "CLAIM_RATE": np.float64(0.5),
                                 "hospitals": [{"hospital": np.int64(1),
                                                "management_support": np.float32(0.2)}]})
    assert same.hospitals[0].hospital == 1
    assert Parameters().replace(CLAIM_RATE=np.float64(0.5)).constants == {"CLAIM_RATE": 0.5}


def test_the_model_and_run_simulation_take_numpy_knobs_and_booleans():
    a = LeadershipModel(rng=np.int64(3), leadership_mix=np.float64(0.7), agents=np.False_,
                        collect=np.True_, **NUMPY_TINY)
    a.run_model()
    b = run_simulation({"leadership_mix": np.float32(0.7), "seed": np.int64(3), **NUMPY_TINY},
                       agents=np.False_)
    assert a.summary()[0] == pytest.approx(b.summary, nan_ok=True)


def test_scenarios_take_numpy_changes():
    scenario = load_scenario("scenarios/baseline.toml", replications=np.int64(2),
                             leadership_mix=np.float64(0.3), seed=np.int64(4))
    assert scenario.replications == 2 and type(scenario.replications) is int
    assert scenario.params.leadership_mix == 0.3
    assert all(not isinstance(v, np.generic) for v in scenario.values.values())   # JSON-ready
    assert len(scenario.replication_seeds(np.int64(3))) == 3


def test_designs_take_numpy_values_sizes_and_seeds():
    grid = grid_design({"leadership_mix": np.linspace(0, 1, 3), "ticks": np.array([8, 9])})
    assert len(grid) == 6
    lhs = lhs_design({"leadership_mix": (np.float64(0.1), np.float32(0.9))}, np.int64(5),
                     np.int64(2))
    assert lhs.equals(lhs_design({"leadership_mix": (0.1, float(np.float32(0.9)))}, 5, 2))
    table = table_design([{"leadership_mix": np.float32(0.5), "ticks": np.int64(8)}])
    assert table.iloc[0]["ticks"] == 8


def test_run_design_takes_numpy_counts_seeds_and_booleans(tmp_path):
    design = pd.DataFrame({"leadership_mix": np.array([0.2, 0.8])})
    base = scenario_from_params(Parameters(**TINY))
    numpy_run = run_design(design, base, replications=np.int64(2), seed=np.uint64(5),
                           workers=np.int64(1), chunk_size=np.int32(3), backend="serial",
                           common_random_numbers=np.False_, progress=np.False_,
                           out_dir=tmp_path / "numpy", outcomes=["improvement"])
    python_run = run_design(design, base, replications=2, seed=5, backend="serial",
                            progress=False, out_dir=tmp_path / "python", outcomes=["improvement"])
    cols = ["run_id", "seed", "leadership_mix", "improvement"]
    assert numpy_run[cols].equals(python_run[cols])


def test_sensitivity_entry_points_take_numpy():
    factor = model_factor("leadership_mix", np.array([0.2, 0.8]))
    assert (factor.low, factor.high) == (0.2, 0.8)
    problem = Problem.for_model(["leadership_mix", "management_support"],
                                {"leadership_mix": [np.float64(0.2), np.float32(0.75)]})
    study = Study(problem, Sobol(calc_second_order=np.False_), np.int64(8), seed=np.int64(1))
    assert study.samples == 8 and type(study.seed) is int
    assert study.sample().shape == (8 * 4, 2)
    Study(problem, Morris(), np.int32(4))
    with pytest.raises(Exception, match="samples"):
        Study(problem, Morris(), np.True_)


def test_cluster_settings_take_numpy():
    assert check_cluster_config({"cores": np.int64(2), "adapt": np.False_}) == \
        {"cores": 2, "adapt": False}
