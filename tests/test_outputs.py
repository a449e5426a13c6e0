"""Run outputs: statistics over replications, parallel replications, snapshots, figures, the
atomic run folder and what it holds."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.outcomes import SUMMARY_OUTCOMES, TIMESERIES_COLUMNS
from sim.outputs import figures
from sim.outputs.folder import OutputFolderError, atomic_folder, default_folder
from sim.outputs.organisation import final_organisation
from sim.outputs.provenance import provenance
from sim.outputs.replications import run_scenario, total_weeks
from sim.outputs.statistics import band, mean_ci, rate_ci, summary_table
from sim.outputs.writer import dumps, write_comparison, write_run
from sim.parameters import HospitalOverride, Parameters
from sim.scenario import load_scenario, scenario_from_params

SMALL = Parameters(n_hospitals=2, staff_per_hospital=60, unit_size=15, ticks=20, seed=11,
                   hospitals=(HospitalOverride(1, {"staff_per_hospital": 45}),))


@pytest.fixture(scope="module")
def small_run():
    """Three replications of a small scenario (serial), with hospital 1's organisation."""
    return run_scenario(scenario_from_params(SMALL, "small", replications=3), workers=1,
                        organisation_of=1)


# --- statistics ---------------------------------------------------------------------------------
def test_mean_ci_is_the_student_t_interval():
    x = [2.0, 3.5, 1.0, 4.0, 2.5]
    got = mean_ci(x)
    low, high = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    assert got["n"] == 5 and got["mean"] == pytest.approx(np.mean(x))
    assert got["sd"] == pytest.approx(np.std(x, ddof=1))
    assert (got["ci_low"], got["ci_high"]) == (pytest.approx(low), pytest.approx(high))


def test_mean_ci_with_one_value_or_none_has_no_interval():
    assert mean_ci([3.0]) == {"n": 1, "mean": 3.0, "sd": None, "ci_low": None, "ci_high": None}
    assert mean_ci([])["mean"] is None
    assert mean_ci([1.0, float("nan"), 3.0])["n"] == 2
    same = mean_ci([0.4, 0.4, 0.4])
    assert same["ci_low"] == pytest.approx(0.4) and same["ci_high"] == pytest.approx(0.4)


def test_t_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(5)
    trials = 4000
    hits = 0
    for _ in range(trials):
        ci = mean_ci(rng.normal(10.0, 3.0, size=4))
        hits += ci["ci_low"] <= 10.0 <= ci["ci_high"]
    share = hits / trials
    half = 1.96 * math.sqrt(0.95 * 0.05 / trials)      # binomial 95% interval around 0.95
    assert 0.95 - half <= share <= 0.95 + half


@pytest.mark.parametrize("p, n, reps", [(0.01, 200, 3), (0.03, 300, 4), (0.3, 100, 5), (0.5, 50, 2)])
def test_rate_interval_stays_in_0_1_and_covers_the_true_rate(p, n, reps):
    """Binomial rates from a few replications: the t-interval leaves [0, 1] (it did for 77% of
    the draws at p = 0.01), the rate interval never does and covers p at least 95% of the time
    (conservative: within a binomial margin of 0.95 or above)."""
    rng = np.random.default_rng(11)
    trials = 2000
    hits = {"with totals": 0, "without": 0}
    for _ in range(trials):
        rates = rng.binomial(n, p, reps) / n
        for key, totals in (("with totals", [n] * reps), ("without", None)):
            ci = rate_ci(rates, totals)
            assert 0.0 <= ci["ci_low"] <= ci["mean"] <= ci["ci_high"] <= 1.0
            hits[key] += ci["ci_low"] <= p <= ci["ci_high"]
    margin = 2.58 * math.sqrt(0.95 * 0.05 / trials)
    assert hits["with totals"] / trials >= 0.95 - margin
    if reps >= 3:   # without counts, two equal replications leave no spread to go on
        assert hits["without"] / trials >= 0.95 - margin


def test_rate_interval_without_spread_uses_the_counts():
    ci = rate_ci([0.0, 0.0, 0.0], [100, 120, 90])
    assert ci["ci_low"] == 0.0 and 0.0 < ci["ci_high"] < 0.1      # not a zero-width interval
    same = rate_ci([0.2, 0.2])
    assert same["ci_low"] == same["ci_high"] == pytest.approx(0.2)
    with pytest.raises(ValueError):
        rate_ci([0.5, 1.5])


def test_summary_table_uses_the_rate_interval_for_shares():
    frame = pd.DataFrame({"nobody_in_charge_rate": [0.0, 0.01, 0.0], "tasks_ended": [90, 100, 80],
                          "improvement": [1.0, 2.0, 3.0]})
    table = summary_table(frame, ["nobody_in_charge_rate", "improvement"]).set_index("outcome")
    assert 0.0 <= table.loc["nobody_in_charge_rate", "ci_low"] < table.loc["nobody_in_charge_rate", "mean"]
    assert mean_ci(frame["nobody_in_charge_rate"])["ci_low"] < 0.0      # what it replaces
    assert table.loc["improvement", "ci_low"] == pytest.approx(mean_ci([1.0, 2.0, 3.0])["ci_low"])


def test_band_matches_mean_ci_per_column_and_ignores_nan():
    m = np.array([[1.0, 2.0, np.nan], [3.0, 2.0, 5.0], [2.0, 5.0, np.nan]])
    mean, lo, hi = band(m)
    for j in range(2):
        ci = mean_ci(m[:, j])
        assert (mean[j], lo[j], hi[j]) == (pytest.approx(ci["mean"]), pytest.approx(ci["ci_low"]),
                                           pytest.approx(ci["ci_high"]))
    assert mean[2] == lo[2] == hi[2] == 5.0


def test_summary_table_has_one_row_per_outcome():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.0, 0.0, 1.0]})
    table = summary_table(frame, ["a", "b"])
    assert list(table["outcome"]) == ["a", "b"]
    assert table.loc[0, "mean"] == 2.0 and table.loc[0, "ci_low"] < 2.0 < table.loc[0, "ci_high"]


# --- replications -------------------------------------------------------------------------------
def test_replication_r_uses_the_r_th_seed(small_run):
    seeds = small_run.scenario.replication_seeds()
    assert small_run.seeds == seeds
    assert [r.params.seed for r in small_run.results] == seeds
    assert list(small_run.per_replication()["seed"]) == seeds
    assert len(set(small_run.per_replication()["improvement"])) >= 1


def test_parallel_replications_equal_serial(small_run):
    parallel = run_scenario(small_run.scenario, workers=2, organisation_of=1)
    pd.testing.assert_frame_equal(parallel.timeseries(), small_run.timeseries())
    pd.testing.assert_frame_equal(parallel.per_replication(), small_run.per_replication())
    pd.testing.assert_frame_equal(parallel.hospitals(), small_run.hospitals())
    np.testing.assert_array_equal(parallel.organisation.leader_weeks,
                                  small_run.organisation.leader_weeks)


def test_progress_counts_every_simulated_week():
    scenario = scenario_from_params(SMALL.replace(ticks=6), "p", replications=2)
    for workers in (1, 2):
        weeks = []
        run_scenario(scenario, workers=workers, on_week=weeks.append, organisation_of=0)
        assert sum(weeks) == total_weeks([scenario], 0) == 3 * 6


def test_tables_of_a_run(small_run):
    ts = small_run.timeseries()
    assert list(ts.columns[:3]) == ["replication", "tick", "hospital"]
    assert set(TIMESERIES_COLUMNS) <= set(ts.columns)
    assert len(ts) == 3 * SMALL.ticks * SMALL.n_hospitals
    assert list(small_run.summary()["outcome"]) == list(SUMMARY_OUTCOMES)
    assert len(small_run.hospitals()) == 3 * SMALL.n_hospitals


def test_organisation_snapshot_is_the_chosen_hospital(small_run):
    snap = small_run.organisation
    assert snap.hospital == 1 and snap.week == SMALL.ticks
    assert snap.n_staff == 45                       # the per-hospital override of hospital 1
    assert snap.ties.min() >= 0 and snap.ties.max() < snap.n_staff
    assert (snap.ties[:, 0] < snap.ties[:, 1]).all()
    assert snap.task_leaders.max() < snap.n_staff and snap.task_leaders.min() >= -1
    assert snap.unit.min() >= 0 and snap.unit.max() < snap.n_units
    # replication 0 re-run gives the same state as the same seed again
    again = final_organisation(small_run.results[0].params, 1)
    np.testing.assert_array_equal(again.leader_weeks, snap.leader_weeks)
    np.testing.assert_array_equal(again.task_status, snap.task_status)


# --- figures ----------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n"


def test_weekly_series_are_bounded_ratios(small_run):
    series = figures.weekly_system_series(small_run.timeseries(),
                                          SMALL.hospital_values("staff_per_hospital"))
    ticks, _ = series.pop("tick")
    assert len(ticks) == SMALL.ticks
    for label, (matrix, (low, high)) in series.items():
        assert matrix.shape == (3, SMALL.ticks), label
        finite = matrix[np.isfinite(matrix)]
        assert ((finite >= low - 1e-12) & (finite <= high + 1e-12)).all(), label


# --- run folder ---------------------------------------------------------------------------------
def test_atomic_folder_renames_on_success(tmp_path):
    out = tmp_path / "runs" / "x"
    with atomic_folder(out) as tmp:
        assert tmp.parent == out.parent and tmp != out and not out.exists()
        (tmp / "f.txt").write_text("done")
    assert (out / "f.txt").read_text() == "done"
    assert [p.name for p in out.parent.iterdir()] == ["x"]


def test_atomic_folder_leaves_nothing_on_failure(tmp_path):
    out = tmp_path / "x"
    with pytest.raises(RuntimeError):
        with atomic_folder(out) as tmp:
            (tmp / "half.txt").write_text("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_folder_refuses_a_non_empty_folder_and_accepts_an_empty_one(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("keep")
    with pytest.raises(OutputFolderError, match="not empty"):
        with atomic_folder(tmp_path / "full"):
            pass
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputFolderError, match="not a folder"):
        with atomic_folder(tmp_path / "file"):
            pass
    (tmp_path / "empty").mkdir()
    with atomic_folder(tmp_path / "empty") as tmp:
        (tmp / "a").write_text("a")
    assert (tmp_path / "empty" / "a").exists()
    assert (tmp_path / "full" / "keep.txt").read_text() == "keep"


def test_default_folder_is_new_and_timestamped(tmp_path):
    from datetime import datetime

    now = datetime(2024, 5, 6, 7, 8, 9)
    first = default_folder("my scenario", now, tmp_path)
    assert first.name == "my_scenario-20240506-070809"
    first.mkdir()
    assert default_folder("my scenario", now, tmp_path).name == "my_scenario-20240506-070809-2"


def test_run_folder_contents(small_run, tmp_path):
    out = tmp_path / "run"
    record = provenance([small_run.scenario], reproduce="leadsim run scenario.toml")
    with atomic_folder(out) as tmp:
        document = write_run(tmp, small_run, record, out)
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert names == {"scenario.toml", "provenance.json", "timeseries.parquet", "summary.csv",
                     "replications.csv", "hospitals.csv", "summary.json",
                     "figures/outcomes_over_time.png", "figures/who_leads.png",
                     "figures/organisation_hospital_1.png"}
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"), small_run.timeseries())
    summary = json.loads((out / "summary.json").read_text())
    assert summary == json.loads(dumps(document)) and summary["out"] == str(out)
    assert set(summary["outcomes"]) == set(SUMMARY_OUTCOMES)
    assert summary["replication_seeds"] == small_run.seeds
    csv = pd.read_csv(out / "summary.csv")
    assert list(csv["outcome"]) == list(SUMMARY_OUTCOMES)
    assert len(pd.read_csv(out / "replications.csv")) == 3
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["scenarios"][0]["replication_seeds"] == small_run.seeds
    assert {"python", "numpy", "numba", "mesa"} <= set(prov["versions"])
    for key in ("leadsim_version", "timestamp", "command", "reproduce"):
        assert prov[key]
    assert load_scenario(out / "scenario.toml").params == SMALL
    for name in names:
        if name.endswith(".png"):
            assert (out / name).read_bytes()[:8] == PNG


def test_comparison_folder_has_a_scenario_column(small_run, tmp_path):
    out = tmp_path / "cmp"
    with atomic_folder(out) as tmp:
        document = write_comparison(tmp, [small_run, small_run], {"x": 1}, out)
    assert [d["label"] for d in document["scenarios"]] == ["small", "small-2"]
    table = pd.read_csv(out / "summary.csv")
    assert list(table.columns[:2]) == ["scenario", "outcome"]
    assert set(table["scenario"]) == {"small", "small-2"}
    assert sorted(p.name for p in (out / "scenarios").iterdir()) == ["small-2.toml", "small.toml"]
    assert (out / "figures" / "comparison.png").read_bytes()[:8] == PNG


def test_json_is_strict():
    text = dumps({"a": float("nan"), "b": np.float64(1.5), "c": [np.int64(2), float("inf")]})
    assert json.loads(text) == {"a": None, "b": 1.5, "c": [2, None]}
