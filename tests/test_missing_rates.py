"""A rate of a run in which nothing it counts happened (no task ended) is missing, not 0, and every
consumer (summaries, folders, sweeps, reports, validation effects, sensitivity) copes with that."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from sim import Parameters, run_simulation
from sim.outcomes import SHARE_OUTCOMES, SUMMARY_OUTCOMES, _ratio
from sim.outputs.statistics import rate_ci, summary_table
from tests.outcome_checks import check_results

# Four weeks: tasks arrive but none can end yet, so every "per task ended" rate is undefined.
NOTHING_ENDS = Parameters(n_hospitals=2, staff_per_hospital=40, unit_size=10, ticks=4, seed=3)
RATES = ("nobody_in_charge_rate", "conflict_failure_rate", "completion_rate", "abandonment_rate")


def test_ratio_with_zero_denominator_is_missing():
    out = _ratio([1.0, 0.0, 0.0], [2.0, 0.0, 5.0])
    assert out[0] == 0.5 and math.isnan(out[1]) and out[2] == 0.0


def test_run_without_an_ended_task_has_missing_rates_system_and_per_hospital():
    res = run_simulation(NOTHING_ENDS)
    assert res.summary["tasks_ended"] == 0
    for name in RATES:
        assert math.isnan(res.summary[name])
        assert res.hospitals[name].isna().all()
    assert math.isfinite(res.summary["improvement"])
    check_results(res)


def test_summary_table_leaves_missing_values_out():
    per_rep = pd.DataFrame({"completion_rate": [np.nan, 0.5, 0.7],
                            "tasks_ended": [0, 10, 10], "improvement": [1.0, 2.0, 3.0]})
    table = summary_table(per_rep, ["completion_rate", "improvement"]).set_index("outcome")
    assert table.loc["completion_rate", "n"] == 2 and table.loc["improvement", "n"] == 3
    assert table.loc["completion_rate", "mean"] == pytest.approx(0.6)
    all_missing = summary_table(pd.DataFrame({"completion_rate": [np.nan, np.nan]}),
                                ["completion_rate"]).iloc[0]
    assert all_missing["n"] == 0 and pd.isna(all_missing["mean"])


@pytest.mark.parametrize("values", [[0.0, 0.1], [0.95, 1.0], [0.0, 0.0], [1.0, 1.0], [0.02, 0.3]])
def test_rate_intervals_of_two_replications_stay_within_0_and_1(values):
    ci = rate_ci(values, [20, 20])
    assert 0.0 <= ci["ci_low"] <= ci["mean"] <= ci["ci_high"] <= 1.0


def test_run_folder_writes_missing_as_empty_and_null(tmp_path, capsys):
    from sim.cli import main
    scenario = tmp_path / "s.toml"
    scenario.write_text("n_hospitals = 2\nstaff_per_hospital = 40\nunit_size = 10\nticks = 4\n"
                        "replications = 2\n")
    out = tmp_path / "o"
    assert main(["run", str(scenario), "--out", str(out), "--quiet", "--no-figures",
                 "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "completion_rate" in printed and "a rate is missing" in printed
    doc = json.loads((out / "summary.json").read_text())
    assert doc["outcomes"]["completion_rate"]["mean"] is None
    assert doc["outcomes"]["completion_rate"]["n"] == 0
    assert all(r["completion_rate"] is None for r in doc["per_replication"])
    reps = pd.read_csv(out / "replications.csv")
    assert reps["completion_rate"].isna().all() and reps["improvement"].notna().all()
    assert pd.read_csv(out / "hospitals.csv")["completion_rate"].isna().all()


def test_sweep_and_its_report_keep_missing_rates_missing(tmp_path):
    from sim.scenario import scenario_from_params
    from sim.sweep import grid_design, run_design, write_report
    design = grid_design({"ticks": [4, 104]})          # 4 weeks: no task ends; 104: some do
    base = scenario_from_params(NOTHING_ENDS.replace(local_task_rate=20.0))
    res = run_design(design, base, replications=2, backend="serial", progress=False,
                     out_dir=tmp_path / "s", outcomes=["completion_rate", "tasks_ended",
                                                       "improvement"])
    short, long_ = res[res["ticks"] == 4], res[res["ticks"] == 104]
    assert short["completion_rate"].isna().all() and short["error"].isna().all()
    assert long_["completion_rate"].notna().all() and (long_["tasks_ended"] > 0).all()
    report = write_report(tmp_path / "s", res)
    assert report.summary.loc["completion_rate", "runs"] == 2       # the two that have a rate
    assert 0.0 <= report.summary.loc["completion_rate", "ci95_low"]
    assert report.summary.loc["completion_rate", "ci95_high"] <= 1.0
    points = pd.read_csv(tmp_path / "s" / "report" / "points.csv")
    assert pd.isna(points.loc[0, "completion_rate_mean"])
    effects = pd.read_csv(tmp_path / "s" / "report" / "effects.csv")
    rate = effects[effects["outcome"] == "completion_rate"]
    assert rate["ci95_low"].dropna().ge(0).all() and rate["ci95_high"].dropna().le(1).all()


def test_validation_effects_leave_missing_replications_out():
    from sim.validation.effects import judge, slopes
    groups = {"a": np.array([True, True, False, False]), "b": np.array([False, False, True, True])}
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # no "mean of empty slice" either
        effect = judge("x", np.array([0.2, np.nan, 0.3, 0.25]), groups, "positive", "> 0")
    assert effect.n == 3 and effect.estimate == pytest.approx(0.25) and effect.passed
    assert effect.variants == {"a": pytest.approx(0.2), "b": pytest.approx(0.275)}
    y = np.array([[0.1, 0.5, 0.2], [np.nan, 0.6, 0.1], [0.1, 0.4, 0.2], [0.2, 0.5, np.nan]])
    s = slopes([0.0, 0.5, 1.0], y)
    assert np.isfinite(s[[0, 2]]).all() and np.isnan(s[[1, 3]]).all()


def test_sensitivity_leaves_an_outcome_missing_at_a_point_unanalysed():
    """SALib needs every point: an outcome missing at some point gets no indices and a warning
    that says why; the other outcomes are analysed as usual."""
    from sim.sensitivity import FunctionEvaluator, Problem, Study, run_study
    from sim.sensitivity.methods import make_method

    def model(design):
        x = design.to_numpy()
        y = x[:, 0] + 2 * x[:, 1]
        rate = np.where(x[:, 0] < 0.1, np.nan, x[:, 1])     # "no task ended" for small x0
        return pd.DataFrame({"y": y, "rate": rate})

    problem = Problem.from_bounds({"a": (0, 1), "b": (0, 1)})
    study = Study(problem, make_method("morris", conf_level=0.95, resamples=20), 8, seed=2)
    result = run_study(study, FunctionEvaluator(model))
    ok = result.indices[result.indices["outcome"] == "y"]
    assert ok["value"].notna().any()
    missing = result.indices[result.indices["outcome"] == "rate"]
    assert missing["value"].isna().all()
    note = result.settled.set_index("outcome").loc["rate", "note"]
    assert note.startswith("missing at") and "not analysed" in note
    assert any(w.startswith("rate: missing at") for w in result.warnings)


def test_share_outcomes_are_the_rates_checked():
    assert set(RATES) <= set(SHARE_OUTCOMES) <= set(SUMMARY_OUTCOMES)
