"""Sweep output folders: atomic chunks, exactly-once resume, refusal on mismatch (serial runs)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.parameters import Parameters
from sim.scenario import scenario_from_params
from sim.sweep import SweepError, grid_design, load_results, run_design, table_design
from sim.sweep.storage import RESULTS_DIR, ResultStore, chunk_files, read_meta

OUTCOMES = ["improvement", "completion_rate", "leadership_gini"]


@pytest.fixture(scope="module")
def base():
    return scenario_from_params(Parameters(n_hospitals=2, staff_per_hospital=60, unit_size=15,
                                           ticks=52, seed=11), name="tiny")


@pytest.fixture(scope="module")
def design():
    return grid_design({"leadership_mix": [0.0, 1.0], "management_support": [0.3, 0.9]})


def raw_rows(out) -> pd.DataFrame:
    """Every row of every chunk file, duplicates kept (what is really on disk)."""
    return pd.concat([pq.read_table(p).to_pandas() for p in chunk_files(out)], ignore_index=True)


def test_results_have_contract_columns_order_and_seeds(tmp_path, base, design):
    res = run_design(design, base, replications=2, outcomes=OUTCOMES, out_dir=tmp_path / "s",
                     backend="serial", progress=False)
    assert list(res.columns) == ["run_id", "point", "replication", "seed", "leadership_mix",
                                 "management_support", *OUTCOMES, "error", "run_seconds"]
    assert res["run_id"].tolist() == [f"{i}-{r}" for i in range(4) for r in range(2)]
    assert res["error"].tolist() == [None] * 8
    ss = np.random.SeedSequence(11, spawn_key=(3, 1)).generate_state(1, np.uint64)[0] >> 1
    assert res.loc[res.run_id == "3-1", "seed"].item() == int(ss)
    # a run is reproducible on its own: same parameters and seed -> same outcome
    row = res.iloc[5]
    from sim.run import run_simulation

    again = run_simulation(base.params.replace(leadership_mix=row.leadership_mix,
                                               management_support=row.management_support,
                                               seed=int(row.seed)))
    assert again.summary["improvement"] == row.improvement
    pd.testing.assert_frame_equal(load_results(tmp_path / "s"), res.drop(columns=[]),
                                  check_like=False)
    assert res.attrs["sweep"].done == 8 and res.attrs["out_dir"] == str(tmp_path / "s")


def test_results_are_buffered_into_chunks_not_one_file_per_run(tmp_path, base, design):
    run_design(design, base, replications=2, outcomes=OUTCOMES, out_dir=tmp_path / "s",
               backend="serial", progress=False, chunk_size=3)
    files = chunk_files(tmp_path / "s")
    assert [f.name for f in files] == ["part-00000.parquet", "part-00001.parquet",
                                       "part-00002.parquet"]
    assert [pq.read_metadata(f).num_rows for f in files] == [3, 3, 2]


def test_default_out_dir_is_a_new_temporary_folder(base, design):
    res = run_design(design.iloc[:1], base, outcomes=OUTCOMES, backend="serial", progress=False)
    assert len(res) == 1 and "leadsim-sweep-" in res.attrs["out_dir"]
    assert read_meta(res.attrs["out_dir"])["runs"] == 1


def test_resume_runs_only_what_is_missing_exactly_once(tmp_path, base, design):
    out = tmp_path / "s"
    full = run_design(design, base, replications=2, outcomes=OUTCOMES, out_dir=tmp_path / "ref",
                      backend="serial", progress=False)
    # an interrupted sweep: only points 0 and 1 were recorded, and a chunk was being written
    run_design(design.iloc[:2], base, replications=2, outcomes=OUTCOMES, out_dir=out,
               backend="serial", progress=False)
    meta_full = json.loads((tmp_path / "ref" / "sweep.json").read_text())
    (out / "sweep.json").write_text(json.dumps({**meta_full, "name": "tiny"}))
    (out / "design.csv").write_text((tmp_path / "ref" / "design.csv").read_text())
    (out / RESULTS_DIR / ".part-00001.parquet.tmp").write_bytes(b"PAR1 half a chunk")
    assert len(load_results(out)) == 4          # the temp file is not data
    res = run_design(design, base, replications=2, outcomes=OUTCOMES, out_dir=out,
                     backend="serial", progress=False, resume=True)
    assert res.attrs["sweep"].skipped == 4 and res.attrs["sweep"].done == 4
    assert not list((out / RESULTS_DIR).glob(".*"))
    raw = raw_rows(out)
    assert len(raw) == 8 and raw["run_id"].is_unique
    cols = ["run_id", "seed", *OUTCOMES]
    pd.testing.assert_frame_equal(res[cols], full[cols])
    # resuming a finished sweep runs nothing
    again = run_design(design, base, replications=2, outcomes=OUTCOMES, out_dir=out,
                       backend="serial", progress=False, resume=True)
    assert again.attrs["sweep"].done == 0 and len(raw_rows(out)) == 8


def test_existing_folder_needs_resume(tmp_path, base, design):
    run_design(design.iloc[:1], base, outcomes=OUTCOMES, out_dir=tmp_path / "s",
               backend="serial", progress=False)
    with pytest.raises(SweepError, match="already holds a sweep; use --resume"):
        run_design(design.iloc[:1], base, outcomes=OUTCOMES, out_dir=tmp_path / "s",
                   backend="serial", progress=False)


@pytest.mark.parametrize("change,what", [
    (dict(replications=3), "'replications' differs"),
    (dict(seed=12), "'seed' differs"),
    (dict(outcomes=["improvement"]), "'outcomes' differs"),
    (dict(base_change={"ticks": 26}), "ticks: 52 -> 26"),
    (dict(design_change=True), "design's values differ"),
])
def test_resume_refuses_a_different_sweep(tmp_path, base, design, change, what):
    out = tmp_path / "s"
    run_design(design, base, replications=1, outcomes=OUTCOMES, out_dir=out, backend="serial",
               progress=False, seed=11)
    kwargs = dict(replications=1, outcomes=OUTCOMES, seed=11)
    d, b = design, base
    if "base_change" in change:
        b = base.with_changes(**change.pop("base_change"))
    if change.pop("design_change", False):
        d = design.assign(leadership_mix=design["leadership_mix"] * 0.5)
    kwargs.update(change)
    with pytest.raises(SweepError, match="cannot resume") as info:
        run_design(d, b, out_dir=out, backend="serial", progress=False, resume=True, **kwargs)
    assert what in str(info.value) and "\n" not in str(info.value)


def test_a_folder_has_one_writer_at_a_time(tmp_path, base, design):
    out = tmp_path / "s"
    run_design(design.iloc[:1], base, outcomes=OUTCOMES, out_dir=out, backend="serial",
               progress=False)
    meta = read_meta(out)
    with ResultStore.open(out, meta, resume=True):
        with pytest.raises(SweepError, match="another sweep is writing"):
            ResultStore.open(out, meta, resume=True)
    ResultStore.open(out, meta, resume=True).close()      # released


def test_failed_run_is_recorded_and_the_others_complete(tmp_path, base):
    design = table_design([{"leadership_mix": 0.2}, {"leadership_mix": 1.5},
                           {"leadership_mix": 0.8}])
    res = run_design(design, base, replications=2, outcomes=OUTCOMES, out_dir=tmp_path / "s",
                     backend="serial", progress=False)
    failed = res[res["error"].notna()]
    assert failed["run_id"].tolist() == ["1-0", "1-1"]
    assert failed["error"].str.contains("ParameterError").all()
    assert failed["error"].str.contains("leadership_mix").all()
    assert failed[OUTCOMES].isna().all().all()
    assert failed["leadership_mix"].tolist() == [1.5, 1.5]
    ok = res[res["error"].isna()]
    assert len(ok) == 4 and ok[OUTCOMES].notna().all().all()
    assert res.attrs["sweep"].failed == 2


def test_failed_runs_count_as_done_unless_retry_failed(tmp_path, base):
    design = table_design([{"leadership_mix": 0.2}, {"leadership_mix": 1.5}])
    out = tmp_path / "s"
    kw = dict(replications=2, outcomes=OUTCOMES, out_dir=out, backend="serial", progress=False)
    run_design(design, base, **kw)
    again = run_design(design, base, resume=True, **kw)
    assert again.attrs["sweep"].done == 0
    retried = run_design(design, base, resume=True, retry_failed=True, **kw)
    assert retried.attrs["sweep"].done == 2 and retried.attrs["sweep"].failed == 2
    raw = raw_rows(out)
    assert len(raw) == 4 and raw["run_id"].is_unique


def test_integer_parameters_are_rounded_and_design_values_kept(tmp_path, base):
    design = pd.DataFrame({"coordinators_per_hospital": [1.6, 3.0]})
    res = run_design(design, base, outcomes=OUTCOMES, out_dir=tmp_path / "s", backend="serial",
                     progress=False)
    assert res["error"].isna().all()
    assert res["coordinators_per_hospital"].tolist() == [1.6, 3.0]
    from sim.run import run_simulation

    seed = int(res.loc[0, "seed"])
    rounded = run_simulation(base.params.replace(coordinators_per_hospital=2, seed=seed))
    assert rounded.summary["leadership_gini"] == res.loc[0, "leadership_gini"]


def test_common_random_numbers_share_seeds_across_points_and_must_match_on_resume(tmp_path, base,
                                                                                 design):
    out = tmp_path / "s"
    res = run_design(design, base, replications=2, outcomes=OUTCOMES, out_dir=out,
                     backend="serial", progress=False, common_random_numbers=True)
    seeds = res.pivot(index="point", columns="replication", values="seed")
    assert (seeds.nunique() == 1).all() and seeds.iloc[0, 0] != seeds.iloc[0, 1]
    assert seeds.iloc[0, 1] == int(np.random.SeedSequence(11, spawn_key=(1,))
                                   .generate_state(1, np.uint64)[0] >> 1)
    with pytest.raises(SweepError, match="'common_random_numbers' differs"):
        run_design(design, base, replications=2, outcomes=OUTCOMES, out_dir=out,
                   backend="serial", progress=False, resume=True)
