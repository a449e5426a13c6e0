"""A sensitivity study's sample and indices can be repeated with plain SALib: the public sample
(`study_sample`), the run seeds (`run_seed`) and the example of docs/SENSITIVITY.md, run on small
versions of the shipped studies."""

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import run_simulation
from sim.sensitivity import ModelEvaluator, run_study, study_sample
from sim.sensitivity.experiment import load_experiment
from sim.sweep import run_seed

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "SENSITIVITY.md").read_text()
SMALL_BASE = dict(n_hospitals=1, staff_per_hospital=60, unit_size=10, ticks=52)


def doc_example() -> str:
    section = DOC.split("## Seeds and samples; repeating a study with plain SALib")[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def run_small_study(name: str, samples: int, folder: Path):
    """The shipped experiment ``name`` on a small base scenario, as `leadsim sensitivity` runs it."""
    exp = load_experiment(ROOT / "experiments" / "sensitivity" / f"{name}.toml", samples=samples,
                          replications=1)
    exp = dataclasses.replace(exp, base=exp.base.with_changes(**SMALL_BASE))
    evaluator = ModelEvaluator(exp.base, outcomes=["improvement", "completion_rate"],
                               replications=1, seed=exp.study.seed, out_dir=folder / "runs",
                               options={"backend": "serial", "progress": False})
    run_study(exp.study, evaluator).write(folder, figures=False)
    return exp


@pytest.mark.parametrize("name, samples", [("morris_screening", 2), ("sobol_leading", 4)])
def test_the_documented_plain_salib_example_recomputes_the_indices(tmp_path, name, samples):
    exp = run_small_study(name, samples, tmp_path)
    folder = tmp_path
    # the public sample is the folder's sample, and SALib's own sampler gives it again
    sample = study_sample(exp)
    written = pd.read_csv(folder / "sample.csv", index_col="point").to_numpy()
    assert np.array_equal(sample.X, written)
    import importlib
    import json

    recipe = json.loads((folder / "salib.json").read_text())
    assert recipe["problem"] == sample.problem
    sampler = importlib.import_module(recipe["sample"]["function"].rsplit(".", 1)[0])
    again = sampler.sample(dict(recipe["problem"]), **{k: v for k, v in recipe["sample"].items()
                                                 if k != "function"})
    assert np.array_equal(again, written)
    # the documented example, run as written on this folder
    code = doc_example().replace('"runs/sensitivity/morris_screening"', repr(str(folder)))
    scope: dict = {}
    exec(compile(code, "docs/SENSITIVITY.md", "exec"), scope)
    assert np.isfinite(scope["mine"]).all() and np.ptp(scope["Y"]) > 0   # something to attribute


def test_each_runs_seed_is_run_seed_and_repeats_the_run(tmp_path):
    exp = run_small_study("morris_screening", 2, tmp_path)
    runs = pd.read_csv(tmp_path / "runs.csv")
    design = study_sample(exp).design
    for row in runs.head(3).itertuples():
        assert row.seed == run_seed(exp.study.seed, row.point, row.replication)
        params = exp.base.params.replace(**design.iloc[row.point].to_dict(),
                                         seed=row.seed)
        assert run_simulation(params).summary["improvement"] == pytest.approx(row.improvement)


def test_study_sample_takes_a_path_an_experiment_or_a_study():
    path = ROOT / "experiments" / "sensitivity" / "morris_screening.toml"
    exp = load_experiment(path, samples=2)
    a, b, c = study_sample(path, samples=2), study_sample(exp), study_sample(exp.study)
    assert np.array_equal(a.X, b.X) and np.array_equal(b.X, c.X)
    assert study_sample(exp, samples=4).X.shape[0] == 2 * a.X.shape[0]
    assert a.calls["sample"]["seed"] == a.calls["analyze"]["seed"]
    assert set(a.design.columns) == set(a.problem["names"])
