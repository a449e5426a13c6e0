"""The sensitivity harness on the model: bounds from the declared ranges, experiment files, and the
``leadsim sensitivity`` command end to end on a tiny model through the sweep engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.parameters import PARAMETER_SPECS, SPECS
from sim.sensitivity import (DEFAULT_OUTCOMES, ModelEvaluator, Morris, Problem, SensitivityError,
                             Study, run_study, sensitivity_parameters)
from sim.sensitivity.experiment import load_experiment

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
LEADSIM = Path(sys.executable).with_name("leadsim")
COMMAND = [str(LEADSIM)] if LEADSIM.exists() else [sys.executable, "-m", "sim"]
TINY = {"n_hospitals": 2, "staff_per_hospital": 60, "unit_size": 15, "ticks": 26}


def test_bounds_are_the_declared_ranges():
    problem = Problem.for_model()
    knobs = [s for s in PARAMETER_SPECS if s.sensitivity]
    assert problem.names == list(sensitivity_parameters()) == [s.name for s in knobs]
    salib = problem.salib()
    assert salib["num_vars"] == len(knobs)
    assert salib["bounds"] == [[float(s.low), float(s.high)] for s in knobs]
    assert salib["dists"] == ["unif"] * len(knobs)
    assert [f.integer for f in problem.factors] == [s.kind is int for s in knobs]
    assert "seed" not in problem.names and "n_hospitals" not in problem.names


def test_narrowed_range_inside_is_used():
    problem = Problem.for_model(["leadership_mix", "vacuum_patience"],
                                {"leadership_mix": [0.2, 0.8], "vacuum_patience": [2, 20]})
    assert problem.salib()["bounds"] == [[0.2, 0.8], [2.0, 20.0]]
    table = problem.table().set_index("parameter")
    assert table.loc["leadership_mix", "narrowed"]
    assert table.loc["vacuum_patience", "declared_high"] == SPECS["vacuum_patience"].high


@pytest.mark.parametrize("rng, match", [
    ([0.5, 1.5], r"'ranges.leadership_mix': range \[0.5, 1.5\] reaches outside the declared range "
                 r"of leadership_mix; allowed: a range inside \[0.0, 1.0\]"),
    ([-0.1, 0.5], "reaches outside the declared range"),
    ([0.6, 0.4], "expected low < high"),
    ([0.5], r"expected \[low, high\]"),
])
def test_narrowing_outside_the_declared_range_is_rejected(rng, match):
    with pytest.raises(SensitivityError, match=match):
        Problem.for_model(["leadership_mix", "turnover_rate"], {"leadership_mix": rng},
                          source="exp.toml")


def test_other_problem_errors():
    with pytest.raises(SensitivityError, match="not offered to sensitivity analysis"):
        Problem.for_model(["leadership_mix", "n_hospitals"])
    with pytest.raises(SensitivityError, match="unknown parameter 'leadership'"):
        Problem.for_model(["leadership", "turnover_rate"])
    with pytest.raises(SensitivityError, match="has a range but does not vary"):
        Problem.for_model(["leadership_mix", "turnover_rate"], {"hybrid_share": [0.1, 0.2]})
    with pytest.raises(SensitivityError, match="only one"):
        Problem.for_model(["vacuum_patience", "turnover_rate"], {"vacuum_patience": [3.6, 4.4]})


def test_integer_parameters_are_rounded_within_bounds():
    problem = Problem.for_model(["vacuum_patience", "leadership_mix"])
    X = np.array([[1.0, 0.3], [1.49, 0.3], [1.5, 0.3], [26.7, 0.3], [52.0, 0.3]])
    design = problem.design(X)
    assert design["vacuum_patience"].tolist() == [1, 1, 2, 27, 52]
    assert design["vacuum_patience"].dtype == np.int64
    assert design["leadership_mix"].tolist() == [0.3] * 5


def test_sampled_designs_stay_inside_the_declared_ranges():
    problem = Problem.for_model()
    study = Study(problem, Morris(), 3, seed=1)
    design = problem.design(study.sample())
    for spec in PARAMETER_SPECS:
        if spec.sensitivity:
            assert design[spec.name].between(spec.low, spec.high).all(), spec.name


def _write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'scenario = "{BASELINE}"\n' + text)
    return path


def test_experiment_file_is_loaded(tmp_path):
    path = _write(tmp_path, 'method = "sobol"\nsamples = 8\nparameters = ["leadership_mix", '
                            '"management_support"]\nsecond_order = false\n[overrides]\nticks = 26\n')
    exp = load_experiment(path)
    assert exp.study.method.name == "sobol" and not exp.study.method.calc_second_order
    assert exp.runs == 8 * 4 * exp.replications
    assert exp.outcomes == DEFAULT_OUTCOMES
    assert exp.base.params.ticks == 26
    assert load_experiment(path, samples=16, replications=3).runs == 16 * 4 * 3


@pytest.mark.parametrize("text, match", [
    ('method = "fast"\nsamples = 8\n', "'method': expected one of sobol, morris, pawn, rbd_fast"),
    ('method = "sobol"\nsamples = 10\n', "'samples': Sobol' needs a power of two"),
    ('method = "morris"\nsamples = 4\nlevel = 4\n', "'level': unknown key"),
    ('method = "morris"\nsamples = 4\nsecond_order = true\n', "'second_order': an option of sobol"),
    ('method = "morris"\nsamples = 4\nlevels = 3\n', "'levels': expected an even integer"),
    ('method = "morris"\nsamples = 4\noutcomes = ["gain"]\n', "'outcomes': unknown name 'gain'"),
    ('method = "morris"\nsamples = 4\nreplications = 0\n', "'replications': expected an integer"),
    ('method = "morris"\nsamples = 4\n[overrides]\nticks = 0\n', "'overrides.ticks'"),
    ('method = "morris"\nsamples = 4\nparameters = ["leadership_mix", "turnover_rate"]\n'
     '[ranges]\nturnover_rate = [0.1, 0.9]\n', "'ranges.turnover_rate': range"),
])
def test_experiment_errors_name_file_and_key(tmp_path, text, match):
    path = _write(tmp_path, text)
    with pytest.raises(SensitivityError, match=match) as err:
        load_experiment(path)
    assert str(err.value).startswith(str(path))


def test_varying_a_parameter_set_per_hospital_is_refused(tmp_path):
    scen = tmp_path / "scen.toml"
    scen.write_text(f'extends = "{BASELINE}"\n[[hospitals]]\nhospital = 0\nmanagement_support = 0.1\n')
    path = tmp_path / "exp.toml"
    path.write_text('scenario = "scen.toml"\nmethod = "morris"\nsamples = 4\n'
                    'parameters = ["management_support", "turnover_rate"]\n')
    with pytest.raises(SensitivityError, match="management_support is set per hospital"):
        load_experiment(path)


def test_model_evaluator_through_run_design(tmp_path):
    """Serial backend of the real sweep engine: one row per run, means per point analysed."""
    from sim.scenario import load_scenario

    base = load_scenario(BASELINE, **TINY)
    outcomes = ["improvement", "mean_motivation"]
    evaluator = ModelEvaluator(base, outcomes=outcomes, replications=2, seed=3,
                               out_dir=tmp_path / "runs",
                               options={"backend": "serial", "progress": False})
    problem = Problem.for_model(["leadership_mix", "management_support", "vacuum_patience"])
    result = run_study(Study(problem, Morris(), 2, seed=1), evaluator)
    assert len(result.runs) == 2 * 4 * 2
    assert result.runs["error"].isna().all()
    assert result.runs.groupby("point")["seed"].nunique().eq(2).all()
    np.testing.assert_allclose(result.means["improvement"],
                               result.runs.groupby("point")["improvement"].mean())
    assert set(result.indices["outcome"]) == set(outcomes)
    assert (tmp_path / "runs" / "sweep.json").exists()


def test_common_random_numbers_pair_the_seeds(tmp_path):
    from sim.scenario import load_scenario

    base = load_scenario(BASELINE, **TINY)
    evaluator = ModelEvaluator(base, outcomes=["mean_motivation"], replications=2, seed=3,
                               out_dir=tmp_path / "runs",
                               options={"backend": "serial", "progress": False,
                                        "common_random_numbers": True})
    problem = Problem.for_model(["leadership_mix", "management_support"])
    result = run_study(Study(problem, Morris(), 2, seed=1), evaluator)
    seeds = result.runs.pivot(index="point", columns="replication", values="seed")
    assert (seeds.nunique() == 1).all() and seeds.iloc[0].nunique() == 2


def _cli(*args, cwd):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([*COMMAND, "sensitivity", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_cli_morris_end_to_end_and_resume(tmp_path):
    outcomes = ["improvement", "sustained_improvement", "nobody_in_charge_rate",
                "conflict_failure_rate", "mean_motivation"]
    path = _write(tmp_path, (
        'name = "tiny_morris"\nmethod = "morris"\nsamples = 4\nreplications = 2\nseed = 9\n'
        'parameters = ["leadership_mix", "management_support", "turnover_rate", "vacuum_patience"]\n'
        f"outcomes = {outcomes!r}\n".replace("'", '"')
        + "[ranges]\nvacuum_patience = [2, 20]\n[overrides]\n"
        + "".join(f"{k} = {v}\n" for k, v in TINY.items())))
    out = tmp_path / "out"
    proc = _cli(path, "--out", out, "--backend", "serial", "--no-progress", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "20 points x 2 replications = 40 runs" in proc.stdout
    indices = pd.read_csv(out / "indices.csv")
    assert set(indices["outcome"]) == set(outcomes)
    assert set(indices["index"]) == {"mu_star", "sigma", "mu", "mu_star_rel"}
    assert len(indices) == len(outcomes) * 4 * 4
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 40 and runs["error"].isna().all()
    design = pd.read_csv(out / "design.csv")
    assert design["vacuum_patience"].between(2, 20).all()
    noise = pd.read_csv(out / "noise.csv")
    assert list(noise["outcome"]) == outcomes
    assert set(pd.read_csv(out / "convergence.csv")["n"]) == {2, 4}
    for fig in ("indices", "morris_mu_star_sigma", "convergence"):
        assert (out / "figures" / f"{fig}.png").stat().st_size > 1000

    again = _cli(path, "--out", out, "--backend", "serial", "--no-progress", "--resume",
                 cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "running 0 runs" in again.stdout and "40 already done" in again.stdout
    pd.testing.assert_frame_equal(pd.read_csv(out / "indices.csv"), indices)

    clash = _cli(path, "--out", out, "--no-progress", cwd=tmp_path)
    assert clash.returncode == 2
    assert clash.stderr.count("\n") == 1 and "already holds a sweep" in clash.stderr


def test_cli_bad_range_is_one_line_exit_2(tmp_path):
    path = _write(tmp_path, 'method = "morris"\nsamples = 4\n'
                            'parameters = ["leadership_mix", "turnover_rate"]\n'
                            '[ranges]\nleadership_mix = [0.5, 2.0]\n')
    proc = _cli(path, "--dry-run", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert str(path) in proc.stderr and "'ranges.leadership_mix'" in proc.stderr
    assert "allowed: a range inside [0.0, 1.0]" in proc.stderr


def test_cli_dry_run_runs_nothing(tmp_path):
    path = _write(tmp_path, 'method = "sobol"\nsamples = 16\n'
                            'parameters = ["leadership_mix", "turnover_rate", "hybrid_share"]\n')
    proc = _cli(path, "--dry-run", "--out", tmp_path / "o", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "16 -> 128 points" in proc.stdout and "convergence sizes: 4 8 16" in proc.stdout
    assert not (tmp_path / "o").exists()


def test_design_keeps_real_factors_within_their_declared_bounds():
    """SALib scales a unit sample as low + (high - low) * u, which can land an ulp past the bound
    (0.3 + 0.6 * 1.0 = 0.9000000000000001); the design clips it, so the parameter checks accept
    every point of a Morris grid that reaches the ends of a range."""
    from SALib.sample import morris as morris_sample

    problem = Problem.from_bounds({"EFFORT_SPREAD": [0.3, 0.9], "leadership_mix": [0.0, 1.0]})
    X = morris_sample.sample(problem.salib(), 20, num_levels=4, seed=1)
    assert X[:, 0].max() > 0.9     # SALib's own scaling overshoots the bound
    design = problem.design(X)
    assert design["EFFORT_SPREAD"].max() == 0.9 and design["EFFORT_SPREAD"].min() >= 0.3
    assert design["leadership_mix"].between(0.0, 1.0).all()
