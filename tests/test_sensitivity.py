"""The generic sensitivity harness against analytic answers (Ishigami, Sobol' G) and its own rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.sensitivity import (FunctionEvaluator, Morris, Pawn, Problem, RbdFast, SensitivityError,
                             Sobol, Study, noise_table, point_means, run_study, settle)
from sim.sensitivity.analytic import (g_function, g_indices, g_problem, g_second_order, ishigami,
                                      ishigami_indices, ishigami_problem)

FLOOR = 0.02  # smallest tolerance: estimates within max(3 * conf, FLOOR) of the analytic value


def assert_close(result, truth: pd.DataFrame, kinds, floor=FLOOR):
    for kind in kinds:
        est = result.indices[result.indices["index"] == kind].set_index("parameter")
        for name in truth.index:
            value, conf = est.loc[name, "value"], est.loc[name, "conf"]
            tol = max(3 * conf, floor)
            assert abs(value - truth.loc[name, kind]) <= tol, (
                f"{kind}[{name}] = {value:.4f} +/- {conf:.4f}, analytic {truth.loc[name, kind]:.4f}")


def test_ishigami_analytic_values_match_the_literature():
    truth = ishigami_indices(7.0, 0.1)
    np.testing.assert_allclose(truth["S1"], [0.3139, 0.4424, 0.0], atol=5e-4)
    np.testing.assert_allclose(truth["ST"], [0.5576, 0.4424, 0.2437], atol=5e-4)


def test_g_function_analytic_values_agree_with_salib():
    from SALib.test_functions import Sobol_G

    a = [0, 1, 4.5, 9, 99, 99, 99, 99]
    truth = g_indices(a)
    np.testing.assert_allclose(truth["S1"], Sobol_G.sensitivity_index(a), rtol=1e-12)
    np.testing.assert_allclose(truth["ST"], Sobol_G.total_sensitivity_index(a), rtol=1e-12)


def test_sobol_recovers_ishigami_indices():
    study = Study(ishigami_problem(), Sobol(calc_second_order=False), 512, seed=3)
    result = run_study(study, FunctionEvaluator(ishigami))
    assert len(result.design) == 512 * (3 + 2)
    assert_close(result, ishigami_indices(), ["S1", "ST"])
    assert result.second_order.empty


def test_sobol_recovers_g_function_first_total_and_second_order():
    a = (0.0, 1.0, 4.5, 9.0, 99.0, 99.0)
    result = run_study(Study(g_problem(a), Sobol(), 256, seed=11),
                       FunctionEvaluator(lambda d: g_function(d, a)))
    assert_close(result, g_indices(a), ["S1", "ST"])
    s2 = result.second_order.merge(g_second_order(a), on=["parameter_1", "parameter_2"])
    assert len(s2) == 15
    assert (np.abs(s2["value"] - s2["S2"]) <= np.maximum(3 * s2["conf"], FLOOR)).all()


def test_rbd_fast_recovers_ishigami_first_order():
    result = run_study(Study(ishigami_problem(), RbdFast(), 1024, seed=5), FunctionEvaluator(ishigami))
    assert_close(result, ishigami_indices(), ["S1"])


def test_morris_ranks_g_function_inputs_by_their_a_values():
    result = run_study(Study(g_problem(), Morris(), 30, seed=2), FunctionEvaluator(g_function))
    mu = result.indices[result.indices["index"] == "mu_star"].set_index("parameter")["value"]
    # smaller a_i = more influential: x1 (a=0) > x2 (1) > x3 (4.5) > x4 (9) > x5..x8 (99)
    assert mu["x1"] > mu["x2"] > mu["x3"] > mu["x4"] > mu[["x5", "x6", "x7", "x8"]].max()
    rel = result.indices[result.indices["index"] == "mu_star_rel"].set_index("parameter")["value"]
    assert rel["x1"] == pytest.approx(1.0)
    assert len(result.design) == 30 * 9


def test_pawn_separates_influential_from_inert_inputs():
    result = run_study(Study(g_problem(), Pawn(resamples=30), 400, seed=4),
                       FunctionEvaluator(g_function))
    pawn = result.indices[result.indices["index"] == "PAWN"].set_index("parameter")
    inert = pawn.loc[["x5", "x6", "x7", "x8"], "value"]
    assert pawn.loc["x1", "value"] > pawn.loc["x2", "value"] > inert.max()
    assert (pawn["conf"] > 0).all()


def test_replications_are_averaged_and_noise_share_is_measured():
    """Ishigami plus Gaussian noise of the same variance as the function: half of a single run's
    variance is noise; with 2 replications a third of the averaged output's variance is noise, and
    every first-order index shrinks by V / (V + noise / 2)."""
    truth = ishigami_indices()
    pi4, pi8 = np.pi ** 4, np.pi ** 8
    v = 0.5 * (1 + 0.1 * pi4 / 5) ** 2 + 49 / 8 + 0.01 * pi8 * (1 / 18 - 1 / 50)

    def noisy(design, rng):
        return ishigami(design) + rng.normal(0.0, np.sqrt(v), len(design))

    study = Study(ishigami_problem(), Sobol(calc_second_order=False), 512, seed=8)
    result = run_study(study, FunctionEvaluator(noisy, replications=2, seed=1, stochastic=True))
    assert len(result.runs) == 2 * len(result.design)
    first = result.runs[result.runs["point"] == 7]["y"].mean()
    assert result.means.loc[7, "y"] == pytest.approx(first)
    noise = result.noise.set_index("outcome").loc["y"]
    assert noise["noise_share_runs"] == pytest.approx(0.5, abs=0.05)
    assert noise["noise_share_means"] == pytest.approx(1 / 3, abs=0.05)
    diluted = truth.assign(S1=truth["S1"] * v / (v + v / 2))
    assert_close(result, diluted, ["S1"])
    assert any("seed noise" in w for w in result.warnings)


def test_deterministic_function_has_no_noise_estimate():
    result = run_study(Study(ishigami_problem(), Morris(), 4, seed=1), FunctionEvaluator(ishigami))
    assert np.isnan(result.noise.loc[0, "noise_share_runs"])


def test_same_seed_same_indices_other_seed_other_sample():
    def go(seed):
        return run_study(Study(ishigami_problem(), Sobol(calc_second_order=False), 64, seed=seed),
                         FunctionEvaluator(ishigami))

    a, b, c = go(1), go(1), go(2)
    pd.testing.assert_frame_equal(a.indices, b.indices)
    assert not np.allclose(a.X, c.X)


def test_convergence_sizes_are_nested_prefixes():
    study = Study(ishigami_problem(), Sobol(calc_second_order=False), 256, seed=1)
    assert study.sizes() == [64, 128, 256]
    result = run_study(study, FunctionEvaluator(ishigami))
    assert sorted(result.convergence["n"].unique()) == [64, 128, 256]
    # the sub-sample of size 64 is the first 64 * (d + 2) rows: re-running on them alone agrees
    small = run_study(Study(ishigami_problem(), Sobol(calc_second_order=False), 64, seed=1),
                      FunctionEvaluator(ishigami))
    np.testing.assert_allclose(small.X, result.X[:64 * 5])
    a = result.convergence[result.convergence["n"] == 64].reset_index(drop=True)
    b = small.indices.drop(columns="n")
    np.testing.assert_allclose(a["value"], b["value"])
    assert Morris().convergence_sizes(20) == [5, 10, 20]


def _conv(values_by_n: dict[int, list[float]], conf: float) -> pd.DataFrame:
    rows = []
    for n, values in values_by_n.items():
        for i, v in enumerate(values):
            rows.append({"n": n, "outcome": "y", "parameter": f"p{i}", "index": "ST", "value": v,
                         "conf": conf})
    return pd.DataFrame(rows)


def test_settle_rule():
    ok = settle(_conv({16: [0.9, 0.1], 32: [0.52, 0.31], 64: [0.5, 0.3]}, 0.05), "ST").iloc[0]
    assert ok["settled"] and ok["settled_at"] == 32
    early = settle(_conv({16: [0.51, 0.3], 32: [0.52, 0.31], 64: [0.5, 0.3]}, 0.05), "ST").iloc[0]
    assert early["settled"] and early["settled_at"] == 16
    moved = settle(_conv({16: [0.5, 0.3], 32: [0.6, 0.3], 64: [0.5, 0.3]}, 0.05), "ST").iloc[0]
    assert not moved["settled"] and "changed by 0.100" in moved["note"]
    wide = settle(_conv({16: [0.5, 0.3], 32: [0.5, 0.3], 64: [0.5, 0.3]}, 0.2), "ST").iloc[0]
    assert not wide["settled"] and "confidence" in wide["note"]
    flat = settle(_conv({16: [np.nan, np.nan], 64: [np.nan, np.nan]}, np.nan), "ST").iloc[0]
    assert not flat["settled"] and "constant" in flat["note"]


def test_noise_table_and_failed_runs():
    runs = pd.DataFrame({"point": [0, 0, 1, 1, 2, 2], "replication": [0, 1] * 3,
                         "y": [1.0, 3.0, 5.0, 7.0, 9.0, np.nan],
                         "error": [None, None, None, None, None, "boom"]})
    means = point_means(runs, ["y"], 3)
    assert means["y"].tolist() == [2.0, 6.0, 9.0]
    assert means["replications"].tolist() == [2, 2, 1]
    row = noise_table(runs, ["y"]).iloc[0]
    assert row["within_point_variance"] == pytest.approx(2.0)
    assert row["total_variance"] == pytest.approx(np.var([1, 3, 5, 7, 9], ddof=1))
    runs.loc[4, "error"] = "boom"
    with pytest.raises(SensitivityError, match="1 of 3 sample points have no successful run"):
        point_means(runs, ["y"], 3)


def test_constant_output_gives_no_indices_and_a_warning():
    problem = Problem.from_bounds({"a": (0, 1), "b": (0, 1)})
    result = run_study(Study(problem, Morris(), 6, seed=1),
                       FunctionEvaluator(lambda d: np.ones(len(d))))
    assert result.indices["value"].isna().all()
    assert any("constant" in w for w in result.warnings)


def test_generic_problem_checks():
    with pytest.raises(SensitivityError, match="low < high"):
        Problem.from_bounds({"a": (1, 0), "b": (0, 1)})
    with pytest.raises(SensitivityError, match="at least two"):
        Problem.from_bounds({"a": (0, 1)})
    with pytest.raises(SensitivityError, match="power of two"):
        Study(ishigami_problem(), Sobol(), 100)


def test_outputs_are_written(tmp_path):
    result = run_study(Study(g_problem(), Sobol(), 16, seed=1), FunctionEvaluator(g_function))
    paths = result.write(tmp_path)
    names = {p.name for p in paths}
    assert {"indices.csv", "second_order.csv", "convergence.csv", "convergence_summary.csv",
            "noise.csv", "runs.csv", "point_means.csv", "problem.csv", "summary.txt",
            "indices.png", "second_order.png", "convergence.png"} <= names
    indices = pd.read_csv(tmp_path / "indices.csv")
    assert set(indices["index"]) == {"S1", "ST"} and len(indices) == 2 * 8
    for png in (tmp_path / "figures").glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    morris = run_study(Study(g_problem(), Morris(), 4, seed=1), FunctionEvaluator(g_function))
    names = {p.name for p in morris.write(tmp_path / "m")}
    assert {"morris_mu_star_sigma.png", "indices.png", "convergence.png"} <= names


def test_a_large_sobol_study_is_not_refused_for_its_bookkeeping(monkeypatch):
    """The size check counts points x replications runs (it once counted points x runs, and
    refused N = 512 of sobol_leading.toml for 396 GB)."""
    from sim import sizing
    from sim.cli.sensitivity import check_study_size
    from sim.sensitivity.experiment import load_experiment

    monkeypatch.setattr(sizing, "available_memory", lambda: 2e9)
    root = Path(__file__).resolve().parent.parent
    exp = load_experiment(root / "experiments" / "sensitivity" / "sobol_leading.toml", samples=1024)
    check_study_size(exp, force=False)            # 24,576 runs: tens of MB of bookkeeping
