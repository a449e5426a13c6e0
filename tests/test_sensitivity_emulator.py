"""The emulator route of Sobol' indices (a Gaussian process fitted to the runs): known answers on
the Ishigami and G functions against the analytic indices and the direct Saltelli estimate at a
similar number of evaluations, its accuracy check (refusal of a surrogate that explains nothing),
seed noise, experiment files and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.sensitivity import FunctionEvaluator, SensitivityError, Sobol, Study, make_method, run_study
from sim.sensitivity.analytic import (g_function, g_indices, g_problem, ishigami, ishigami_indices,
                                      ishigami_problem)
from sim.sensitivity.emulator import REFUSE_Q2, SobolEmulator, emulate_sobol
from sim.sensitivity.experiment import load_experiment

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SHIPPED = ROOT / "experiments" / "sensitivity" / "sobol_leading_emulator.toml"
LEADSIM = Path(sys.executable).with_name("leadsim")
COMMAND = [str(LEADSIM)] if LEADSIM.exists() else [sys.executable, "-m", "sim"]
FLOOR = 0.02   # absolute floor for indices near zero (as the direct route's validation tests)


def _emulated(problem, func, n, seed):
    X = SobolEmulator().sample(problem, n, seed)
    return emulate_sobol(problem, X, func(problem.design(X)), seed)


def _within(fit, analytic):
    """|emulator - analytic| <= max(95% half-width, FLOOR) for every S1 and ST."""
    for index, value, conf in (("S1", fit.s1, np.hypot(fit.s1_conf_mc, fit.s1_conf_emulator)),
                               ("ST", fit.st, np.hypot(fit.st_conf_mc, fit.st_conf_emulator))):
        err = np.abs(value - analytic[index].to_numpy())
        assert (err <= np.maximum(conf, FLOOR)).all(), (index, value, conf, analytic[index])
    return max(np.abs(fit.s1 - analytic["S1"].to_numpy()).max(),
               np.abs(fit.st - analytic["ST"].to_numpy()).max())


def _direct(problem, func, n, seed):
    """The direct Saltelli estimate without second order: n (d + 2) evaluations."""
    method = Sobol(calc_second_order=False)
    X = method.sample(problem, n, seed)
    rows, _ = method.analyze(problem, X, func(problem.design(X)), seed)
    table = pd.DataFrame(rows).pivot(index="parameter", columns="index", values=["value", "conf"])
    return table.loc[problem.names], len(X)


def test_ishigami_emulator_recovers_the_analytic_indices_at_256_runs():
    problem, analytic = ishigami_problem(), ishigami_indices()
    fit = _emulated(problem, ishigami, 256, seed=1)
    assert fit.q2 > 0.9
    assert fit.noise_share < 1e-3                       # a deterministic function: no noise term
    emulator_error = _within(fit, analytic)
    # the direct estimate with a similar budget (64 x 5 = 320 evaluations) is far less precise
    direct, runs = _direct(problem, ishigami, 64, seed=1)
    assert runs == 320
    emulator_conf = max(np.hypot(fit.st_conf_mc, fit.st_conf_emulator).max(),
                        np.hypot(fit.s1_conf_mc, fit.s1_conf_emulator).max())
    assert emulator_conf < 0.5 * direct["conf"].to_numpy().max()
    direct_error = np.abs(direct["value"][["S1", "ST"]].to_numpy()
                          - analytic[["S1", "ST"]].to_numpy()).max()
    assert emulator_error < direct_error


def test_g_function_emulator_finds_the_influential_and_the_inert_inputs_at_256_runs():
    problem, analytic = g_problem(), g_indices()
    fit = _emulated(problem, g_function, 256, seed=2)
    assert fit.q2 > 0.9
    _within(fit, analytic)
    assert fit.st[0] > fit.st[1] > fit.st[2] > fit.st[4:].max()
    assert (fit.st[4:] < FLOOR).all()                 # a_i = 99: no influence
    direct, runs = _direct(problem, g_function, 32, seed=2)
    assert runs == 320
    assert np.hypot(fit.st_conf_mc, fit.st_conf_emulator).max() < direct["conf"]["ST"].max()


def test_emulator_uncertainty_shrinks_with_more_points():
    """The posterior-draw part of the interval is the emulator's own uncertainty: more design
    points leave less open."""
    problem = ishigami_problem()
    small = _emulated(problem, ishigami, 32, seed=3)
    large = _emulated(problem, ishigami, 128, seed=3)
    assert large.st_conf_emulator.max() < small.st_conf_emulator.max()
    assert large.q2 > small.q2


def test_through_the_study_machinery_settles_and_writes_emulator_table(tmp_path):
    assert isinstance(make_method("sobol", emulator="gp"), SobolEmulator)
    # a smaller Monte Carlo sample and fewer draws than the defaults, to keep the test fast
    study = Study(ishigami_problem(), SobolEmulator(mc_samples=1024, draws=50), 256, seed=1)
    assert study.points == 256
    assert study.sizes() == [64, 128, 256]
    result = run_study(study, FunctionEvaluator(ishigami))
    assert len(result.runs) == 256
    assert {"conf_mc", "conf_emulator", "q2"} <= set(result.indices.columns)
    row = result.settled.iloc[0]
    assert row["settled"], row["note"]
    result.write(tmp_path, figures=False)
    table = pd.read_csv(tmp_path / "emulator.csv")
    assert list(table["n"]) == [64, 128, 256] and table["q2"].iloc[-1] > 0.9
    assert "emulator Q2" in (tmp_path / "summary.txt").read_text()
    assert not (tmp_path / "second_order.csv").exists()


def test_a_surrogate_that_explains_nothing_is_refused():
    """Outputs unrelated to the inputs: held-out Q2 near or below 0, so no indices and a warning."""
    rng = np.random.default_rng(5)
    noise = rng.standard_normal(32)
    study = Study(ishigami_problem(), SobolEmulator(mc_samples=512, draws=20), 32, seed=1)
    result = run_study(study, FunctionEvaluator(lambda d: noise[: len(d)]))
    full = result.indices
    assert full["value"].isna().all() and (full["q2"] < REFUSE_Q2).all()
    note = result.settled.iloc[0]["note"]
    assert note.startswith("emulator refused") and not result.settled.iloc[0]["settled"]
    assert any("emulator refused" in w for w in result.warnings)


def test_seed_noise_goes_to_the_noise_term_not_into_the_indices():
    """Ishigami plus seed noise (averaged over 2 replications): the GP's white-noise term takes the
    noise, so the first-order indices are those of the mean response (the direct route lowers
    them by the noise share)."""
    sd = 1.5      # noise variance 2.25 of a total about 13.8 + 2.25 / 2

    def noisy(design, rng):
        return ishigami(design) + sd * rng.standard_normal(len(design))

    study = Study(ishigami_problem(), SobolEmulator(mc_samples=2048, draws=50), 256, seed=4,
                  convergence=(1.0,))
    result = run_study(study, FunctionEvaluator(noisy, replications=2, seed=4, stochastic=True))
    assert result.noise["noise_share_means"].iloc[0] > 0.05
    q2 = result.indices["q2"].iloc[0]
    assert 0.5 < q2 < 1 - 0.5 * result.noise["noise_share_means"].iloc[0]
    analytic = ishigami_indices()
    s1 = result.indices[result.indices["index"] == "S1"].set_index("parameter")
    err = (s1["value"] - analytic["S1"]).abs()
    assert (err <= np.maximum(s1["conf"], FLOOR)).all(), s1


def test_same_seed_same_indices():
    problem = ishigami_problem()
    a = _emulated(problem, ishigami, 32, seed=7)
    b = _emulated(problem, ishigami, 32, seed=7)
    np.testing.assert_array_equal(a.st, b.st)
    np.testing.assert_array_equal(a.st_conf_emulator, b.st_conf_emulator)


def test_shipped_experiment_loads():
    exp = load_experiment(SHIPPED)
    method = exp.study.method
    assert isinstance(method, SobolEmulator) and method.emulator == "gp"
    assert not method.calc_second_order
    assert exp.runs == 1024 * exp.replications == 16384
    assert {"improvement", "sustained_improvement", "nobody_in_charge_rate",
            "conflict_failure_rate"} <= set(exp.outcomes)
    direct = load_experiment(SHIPPED.with_name("sobol_leading.toml"))
    assert exp.study.problem.names == direct.study.problem.names
    assert exp.study.problem.salib()["bounds"] == direct.study.problem.salib()["bounds"]
    X = exp.study.sample()
    assert X.shape == (1024, 5)
    bounds = np.asarray(exp.study.problem.salib()["bounds"])
    assert ((X >= bounds[:, 0]) & (X <= bounds[:, 1])).all()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(f'scenario = "{BASELINE}"\nmethod = "sobol"\n' + text)
    return path


@pytest.mark.parametrize("text, match", [
    ('emulator = "pce"\nsamples = 64\n', "'emulator': expected one of 'gp'"),
    ('emulator = 1\nsamples = 64\n', "'emulator': expected one of 'gp'"),
    ('emulator = "gp"\nsamples = 64\nsecond_order = true\n', "'second_order': the emulator route"),
    ('emulator = "gp"\nsamples = 100\n', "'samples': with an emulator, the number of model points"),
    ('emulator = "gp"\nsamples = 8\n', "'samples': with an emulator"),
])
def test_bad_emulator_settings_name_file_and_key(tmp_path, text, match):
    path = _write(tmp_path, text)
    with pytest.raises(SensitivityError, match=match) as err:
        load_experiment(path)
    assert str(err.value).startswith(str(path))


def test_emulator_is_an_option_of_sobol_only(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(f'scenario = "{BASELINE}"\nmethod = "morris"\nsamples = 4\nemulator = "gp"\n')
    with pytest.raises(SensitivityError, match="'emulator': an option of sobol"):
        load_experiment(path)


def _cli(*args, cwd):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([*COMMAND, "sensitivity", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_cli_bad_emulator_is_one_line_exit_2(tmp_path):
    path = _write(tmp_path, 'emulator = "kriging"\nsamples = 64\n')
    proc = _cli(path, "--dry-run", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert str(path) in proc.stderr and "'emulator'" in proc.stderr and "'gp'" in proc.stderr


def test_cli_emulator_end_to_end_on_a_tiny_model(tmp_path):
    """The command runs the model at the Sobol' design points through the sweep engine and writes
    the emulator's indices and accuracy."""
    tiny = {"n_hospitals": 2, "staff_per_hospital": 60, "unit_size": 15, "ticks": 26}
    path = _write(tmp_path, (
        'name = "tiny_emulator"\nemulator = "gp"\nsamples = 16\nreplications = 2\nseed = 3\n'
        'parameters = ["leadership_mix", "management_support", "grant_threshold"]\n'
        'outcomes = ["mean_motivation"]\n[overrides]\n'
        + "".join(f"{k} = {v}\n" for k, v in tiny.items())))
    out = tmp_path / "out"
    proc = _cli(path, "--out", out, "--backend", "serial", "--no-progress", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "16 points x 2 replications = 32 runs" in proc.stdout
    assert "emulator Q2" in proc.stdout
    indices = pd.read_csv(out / "indices.csv")
    assert set(indices["index"]) == {"S1", "ST"} and len(indices) == 2 * 3
    emulator = pd.read_csv(out / "emulator.csv")
    assert set(emulator["n"]) == {8, 16} and emulator["q2"].notna().all()
    recipe = (out / "salib.json").read_text()
    assert "GaussianProcessRegressor" in recipe and "scipy.stats.qmc.Sobol" in recipe
    assert (out / "figures" / "indices.png").stat().st_size > 1000
