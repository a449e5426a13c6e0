"""Scenario discovery (`leadsim discover`) and the EMA Workbench export (`sim.sweep.to_ema`),
checked with EMA Workbench's own analysis functions on sweeps whose answer is known."""

import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench", reason="scenario discovery needs the 'discover' extra")

from sim import Parameters
from sim.cli import main
from sim.discovery import choose_box, discover, ema_analysis
from sim.scenario import scenario_from_params
from sim.sweep import lhs_design, load_results, run_design, to_ema
from sim.sweep.storage import ResultStore, sweep_meta

OUTCOMES = ["nobody_in_charge_rate", "improvement"]


def planted_sweep(folder, points=300, seed=1, replications=1):
    """A sweep folder whose nobody-in-charge rate is high exactly where grant_threshold > 0.6 and
    management_support < 0.4 (plus a little noise): the region discovery must find."""
    design = lhs_design({"grant_threshold": None, "management_support": None,
                         "coordinators_per_hospital": (0, 6), "leadership_mix": None}, points, seed)
    meta = sweep_meta(name="planted", design=design, base_params=Parameters().to_dict(),
                      replications=replications, seed=seed, outcomes=OUTCOMES, version="test")
    rng = np.random.default_rng(seed)
    rows = []
    for point, values in design.iterrows():
        inside = values.grant_threshold > 0.6 and values.management_support < 0.4
        for rep in range(replications):
            rate = (0.5 if inside else 0.05) + rng.normal(0, 0.02)
            rows.append({"run_id": f"{point}-{rep}", "point": point, "replication": rep,
                         "seed": 1000 * point + rep, **values.to_dict(),
                         "coordinators_per_hospital": int(values.coordinators_per_hospital),
                         "nobody_in_charge_rate": rate, "improvement": 3 - 4 * rate,
                         "error": None, "run_seconds": 0.0})
    with ResultStore.open(folder, meta, resume=False) as store:
        store.write_chunk(rows)
    return design


def test_prim_finds_the_planted_box_with_significant_limits(tmp_path):
    planted_sweep(tmp_path)
    found = discover(tmp_path, "nobody_in_charge_rate", 0.2)
    row = found.trajectory.loc[found.chosen]
    assert row.density > 0.9 and row.coverage > 0.8
    limits = found.box.set_index("parameter")
    restricted = set(limits.index[limits["restricted"]])
    assert restricted == {"grant_threshold", "management_support"}
    assert limits.loc["grant_threshold", "low"] == pytest.approx(0.6, abs=0.05)
    assert limits.loc["management_support", "high"] == pytest.approx(0.4, abs=0.05)
    assert limits.loc[list(restricted), "significant"].all()
    assert (limits.loc[["grant_threshold"], "qp_low"] < 1e-6).all()
    # the trajectory runs from every run to denser boxes; coverage and density as defined
    t = found.trajectory
    assert t.loc[0, "coverage"] == 1 and t.loc[0, "mass"] == 1
    assert t["density"].iloc[-1] >= t["density"].iloc[0]
    inside = np.ones(len(found.values), bool)
    x = found.experiments
    for name in restricted:
        inside &= (x[name] >= limits.loc[name, "low"]).to_numpy() & \
                  (x[name] <= limits.loc[name, "high"]).to_numpy()
    y = found.of_interest
    assert row.coverage == pytest.approx((inside & y).sum() / y.sum())
    assert row.density == pytest.approx((inside & y).sum() / inside.sum())
    # CART's densest leaf and the feature scores point at the same two parameters
    assert found.cart_boxes.iloc[0]["density"] > 0.9
    assert set(found.feature_scores["parameter"].head(2)) == restricted


def test_below_and_per_run(tmp_path):
    planted_sweep(tmp_path, points=120, replications=2)
    found = discover(tmp_path, "improvement", 2.0, above=False, per="run")
    assert len(found.values) == 240
    restricted = set(found.box.loc[found.box["restricted"], "parameter"])
    assert "grant_threshold" in restricted


def test_choose_box_prefers_dense_significant_covering_boxes():
    t = pd.DataFrame({"coverage": [1.0, 0.9, 0.7, 0.4], "density": [0.5, 0.8, 0.95, 1.0],
                      "res_dim": [0, 1, 2, 3], "significant": [True, True, False, True]})
    assert choose_box(t, 0.5) == 1          # box 2 is denser but has a limit not significant
    assert choose_box(t.assign(significant=True), 0.5) == 2
    assert choose_box(t.assign(significant=True), 0.3) == 3


def test_leadsim_discover_on_a_real_sweep_writes_the_box_and_figures(tmp_path, capsys):
    base = scenario_from_params(Parameters(n_hospitals=1, staff_per_hospital=60, unit_size=10,
                                           ticks=52))
    design = lhs_design({"grant_threshold": None, "management_support": None}, 40, 3)
    run_design(design, base, outcomes=OUTCOMES + ["tasks_ended"], out_dir=tmp_path / "sweep",
               backend="serial", progress=False)
    values = load_results(tmp_path / "sweep")["nobody_in_charge_rate"]
    threshold = float(np.nanmedian(values))
    status = main(["discover", str(tmp_path / "sweep"), "--outcome", "nobody_in_charge_rate",
                   "--above", str(threshold), "--out", str(tmp_path / "found")])
    assert status == 0
    printed = capsys.readouterr().out
    assert "PRIM peeling trajectory" in printed and "chosen box" in printed
    record = json.loads((tmp_path / "found" / "box.json").read_text())
    assert record["question"] == f"nobody_in_charge_rate > {threshold:g}"
    assert 0 < record["coverage"] <= 1 and 0 < record["density"] <= 1
    for name in ("peeling_tradeoff", "peeling_trajectory", "box", "cart_tree", "feature_scores"):
        assert (tmp_path / "found" / "figures" / f"{name}.png").stat().st_size > 1000
    trajectory = pd.read_csv(tmp_path / "found" / "peeling_trajectory.csv")
    assert {"coverage", "density", "mass", "res_dim", "significant"} <= set(trajectory.columns)


@pytest.mark.parametrize("args, message", [
    (["--outcome", "nobody_incharge", "--above", "0.2"], "did you mean nobody_in_charge_rate"),
    (["--outcome", "nobody_in_charge_rate", "--above", "2"], "none of the 60 sample points"),
    (["--outcome", "nobody_in_charge_rate", "--below", "2"], "all of the 60 sample points"),
    (["--outcome", "nobody_in_charge_rate", "--above", "nan"], "finite"),
    (["--outcome", "nobody_in_charge_rate", "--above", "0.2", "--box", "999"], "'--box'"),
    (["--outcome", "nobody_in_charge_rate", "--above", "0.2", "--min-coverage", "0"],
     "--min-coverage"),
])
def test_bad_questions_get_one_line_and_exit_2(tmp_path, capsys, args, message):
    planted_sweep(tmp_path, points=60)
    assert main(["discover", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_folders_without_results_get_one_line_and_exit_2(tmp_path, capsys):
    started = tmp_path / "started"
    design = lhs_design({"grant_threshold": None}, 5, 1)
    meta = sweep_meta(name="x", design=design, base_params={}, replications=1, seed=1,
                      outcomes=OUTCOMES, version="test")
    ResultStore.open(started, meta, resume=False).close()
    for folder, message in ((tmp_path / "missing", "not a folder"),
                            (tmp_path, "not a sweep folder"),
                            (started, "no results yet")):
        assert main(["discover", str(folder), "--outcome", "improvement", "--above", "1"]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1


# --- to_ema, with EMA Workbench's own analysis -----------------------------------------------
def test_to_ema_gives_emas_form_per_run_and_per_point(tmp_path):
    planted_sweep(tmp_path, points=50, replications=2)
    experiments, outcomes = to_ema(tmp_path)
    assert len(experiments) == 100 and experiments.index.name == "run_id"
    assert list(experiments.columns) == ["grant_threshold", "management_support",
                                         "coordinators_per_hospital", "leadership_mix", "scenario"]
    assert (experiments.drop(columns="scenario").dtypes == np.float64).all()
    assert list(experiments["scenario"][:4]) == [0, 0, 1, 1]
    assert set(outcomes) == set(OUTCOMES)
    assert all(isinstance(v, np.ndarray) and v.shape == (100,) for v in outcomes.values())
    results = load_results(tmp_path)
    assert np.array_equal(outcomes["improvement"], results["improvement"].to_numpy())
    assert list(experiments.index) == list(results["run_id"])
    by_point, means = to_ema(results, outcomes=["improvement"], per="point")   # a DataFrame too
    assert len(by_point) == 50 and list(means) == ["improvement"]
    assert means["improvement"][0] == pytest.approx(results["improvement"][:2].mean())


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
def test_emas_prim_cart_and_feature_scoring_run_on_to_ema_output(tmp_path):
    planted_sweep(tmp_path)
    analysis = ema_analysis()
    experiments, outcomes = to_ema(tmp_path)
    y = outcomes["nobody_in_charge_rate"] > 0.2
    prim = analysis.Prim(experiments, y)
    found = prim.find_box()
    restricted = set(found.box_lim.columns[(found.box_lim != prim.box_init).any()])
    assert {"grant_threshold", "management_support"} <= restricted
    scores = analysis.get_feature_scores_all(experiments, outcomes)
    assert set(scores.index[scores["nobody_in_charge_rate"].rank(ascending=False) <= 2]) == \
        {"grant_threshold", "management_support"}
    cart = analysis.CART(experiments, y)
    cart.build_tree()
    assert max(s["density"] for s in cart.stats) > 0.9


def test_to_ema_refuses_an_unknown_outcome(tmp_path):
    from sim.sweep import SweepError

    planted_sweep(tmp_path, points=10)
    with pytest.raises(SweepError, match="did you mean improvement"):
        to_ema(tmp_path, outcomes=["improvment"])
