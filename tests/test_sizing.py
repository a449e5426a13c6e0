"""The size estimate (sim/sizing.py): runs and designs too large for the machine are refused before
anything is built, in one line with the estimate and the limit (exit 2), and --force goes on."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest

from sim import Parameters
from sim.cli import main
from sim.scenario import scenario_from_params
from sim.sizing import (Estimate, SizeError, available_memory, check_fits, design_cost,
                        format_bytes, parse_bytes, run_cost, scenario_cost, sweep_setup_cost)

ROOT = Path(__file__).resolve().parents[1]
BASELINE = (ROOT / "scenarios" / "baseline.toml").as_posix()
SMALL_SWEEP = dict(n_hospitals=1, staff_per_hospital=30, unit_size=10, ticks=4)


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


# --- the estimate ---------------------------------------------------------------------------------
def test_estimate_grows_with_every_size():
    base = Parameters(n_hospitals=2, staff_per_hospital=200, ticks=52)
    one = run_cost(base)
    for change in ({"n_hospitals": 4}, {"staff_per_hospital": 400}, {"ticks": 104},
                   {"hybrid_share": 0.5}, {"leader_tie_density": 0.9}):
        bigger = run_cost(base.replace(**change))
        assert bigger.memory > one.memory and bigger.seconds > one.seconds, change
    more_tasks = run_cost(base.replace(local_task_rate=20.0))    # slots cost time, little memory
    assert more_tasks.seconds > one.seconds and more_tasks.memory >= one.memory


def test_per_hospital_sizes_count():
    from sim.parameters import HospitalOverride
    base = Parameters(n_hospitals=3, staff_per_hospital=100, ticks=10)
    big_one = base.replace(hospitals=(HospitalOverride(1, {"staff_per_hospital": 5000}),))
    assert run_cost(big_one).memory > 10 * run_cost(base).memory


def test_the_audits_run_is_estimated_far_beyond_this_machine():
    est = run_cost(Parameters(n_hospitals=5000, staff_per_hospital=10000))
    assert est.memory > 100e9          # 50 million staff: hundreds of gigabytes


def test_design_cost_is_the_largest_point_and_vectorised():
    base = Parameters(n_hospitals=2, staff_per_hospital=100, ticks=10)
    design = pd.DataFrame({"n_hospitals": [1, 5, 2], "leadership_mix": [0.1, 0.5, 0.9]})
    largest, total = design_cost(base, design)
    assert largest.memory == pytest.approx(run_cost(base.replace(n_hospitals=5)).memory)
    assert total == pytest.approx(sum(run_cost(base.replace(n_hospitals=n)).seconds
                                      for n in (1, 5, 2)))


def test_scenario_cost_adds_parallel_runs_and_kept_results():
    p = Parameters(n_hospitals=100, staff_per_hospital=8, unit_size=4, ticks=520)
    one = scenario_cost([p], [1], 1)
    four = scenario_cost([p], [4], 2)
    assert four.memory > 2 * run_cost(p).memory
    assert four.memory > one.memory and four.seconds > one.seconds


def test_estimate_is_close_to_the_measured_peak_memory():
    """One run of ~80 MB measured in a fresh process: the estimate is within a factor of two
    (benchmarks/sizing.py measures many more sizes; see docs/CLI.md)."""
    kw = {"n_hospitals": 1, "staff_per_hospital": 1500, "hybrid_share": 1.0, "ticks": 10}
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "sizing.py"), "--child",
                          json.dumps(kw)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         check=True)
    measured = json.loads(out.stdout.strip().splitlines()[-1])["memory"]
    estimated = run_cost(Parameters(**kw)).memory
    assert 0.5 <= estimated / measured <= 2.0, (format_bytes(estimated), format_bytes(measured))


# --- what the machine holds -----------------------------------------------------------------------
def test_available_memory_is_read_from_the_machine(monkeypatch):
    monkeypatch.delenv("LEADSIM_MEMORY_LIMIT", raising=False)
    free = available_memory()
    meminfo = Path("/proc/meminfo").read_text()
    total = float(meminfo.split("MemTotal:")[1].split()[0]) * 1024
    assert 0 < free <= total
    monkeypatch.setenv("LEADSIM_MEMORY_LIMIT", "512M")
    assert available_memory() == 512 * 2**20


def test_parse_bytes_and_bad_limit():
    assert parse_bytes("2G") == 2 * 2**30 and parse_bytes("1000") == 1000
    with pytest.raises(SizeError, match="LEADSIM_MEMORY_LIMIT"):
        parse_bytes("lots")


def test_check_fits_names_estimate_and_limit_and_force_goes_on():
    big = Estimate(5e9, 3600)
    with pytest.raises(SizeError) as err:
        check_fits(big, "scenario x", limit=1e9, advice="lower ticks")
    msg = str(err.value)
    assert "scenario x" in msg and "5 GB" in msg and "1 GB" in msg and "--force" in msg
    assert "\n" not in msg
    check_fits(big, "scenario x", force=True, limit=1e9)     # no error


# --- leadsim run / compare ------------------------------------------------------------------------
def test_run_too_large_for_the_machine_is_one_line_exit_2(tmp_path, capsys):
    status = main(["run", BASELINE, "--set", "n_hospitals=5000", "--set",
                   "staff_per_hospital=10000", "--out", str(tmp_path / "o")])
    assert status == 2
    msg = one_error_line(capsys)
    assert "needs about" in msg and "available" in msg and "--force" in msg
    assert "n_hospitals = 5000" in msg
    assert not (tmp_path / "o").exists() and not list(tmp_path.iterdir())


def test_force_runs_what_the_estimate_refuses(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LEADSIM_MEMORY_LIMIT", "1K")      # nothing fits in a kilobyte
    args = ["run", BASELINE, "--set", "n_hospitals=1", "--set", "ticks=4", "--replications", "1",
            "--workers", "1", "--quiet", "--no-figures"]
    assert main([*args, "--out", str(tmp_path / "refused")]) == 2
    assert "of memory this machine has available" in one_error_line(capsys)
    assert main([*args, "--out", str(tmp_path / "forced"), "--force"]) == 0
    assert (tmp_path / "forced" / "summary.csv").is_file()


def test_compare_is_sized_too(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LEADSIM_MEMORY_LIMIT", "1K")
    status = main(["compare", BASELINE, BASELINE, "--set", "ticks=4", "--out",
                   str(tmp_path / "c")])
    assert status == 2 and "scenarios baseline, baseline" in one_error_line(capsys)


# --- sweeps: designs sized before they are built, runs sized before they start -------------------
def experiment(tmp_path: Path, design: str, extra: str = "") -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(f'scenario = "{BASELINE}"\nreplications = 1\n{extra}\n[overrides]\n'
                    + "".join(f"{k} = {v}\n" for k, v in SMALL_SWEEP.items()) + design)
    return path


SEVEN_BY_15 = "[design]\nkind = \"grid\"\n" + "".join(
    f"{name} = [{', '.join(str(round(0.05 * k, 2)) for k in range(15))}]\n"
    for name in ("leadership_mix", "management_support", "hybrid_share", "leader_tie_density",
                 "national_coherence", "task_complexity", "consolidation_rate"))


@pytest.mark.parametrize("design, needle", [
    (SEVEN_BY_15, "170,859,375 points"),
    ("[design]\nkind = \"lhs\"\nsize = 2000000000\nparameters = [\"leadership_mix\"]\n",
     "2,000,000,000 points"),
    ("[design]\nkind = \"lhs\"\nsize = 10000001\nparameters = [\"leadership_mix\"]\n",
     "10,000,001 points"),
], ids=["grid-170M", "lhs-2e9", "lhs-10M+1"])
def test_huge_designs_are_refused_before_they_are_built(tmp_path, capsys, design, needle):
    path = experiment(tmp_path, design)
    tracemalloc.start()
    status = main(["sweep", str(path), "--out", str(tmp_path / "o"), "--no-progress"])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert status == 2
    msg = one_error_line(capsys)
    assert needle in msg and "at most 10,000,000 runs" in msg and str(path) in msg
    assert peak < 50e6, f"{peak / 1e6:.0f} MB used before refusing"
    assert not (tmp_path / "o").exists()


def test_a_design_whose_bookkeeping_does_not_fit_is_refused_unless_forced(tmp_path, capsys,
                                                                         monkeypatch):
    path = experiment(tmp_path, "[design]\nkind = \"lhs\"\nsize = 200000\n"
                                "parameters = [\"leadership_mix\"]\n")
    monkeypatch.setenv("LEADSIM_MEMORY_LIMIT", "10M")
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    msg = one_error_line(capsys)
    assert "'design'" in msg and "needs about" in msg and "--force" in msg
    from sim.sweep import load_experiment
    assert len(load_experiment(path, force=True).design) == 200_000


def test_sweep_runs_too_large_for_the_machine_are_refused_before_any_run(tmp_path, capsys,
                                                                          monkeypatch):
    path = experiment(tmp_path, "[design]\nkind = \"grid\"\n"
                                "staff_per_hospital = [30, 10000]\n")
    monkeypatch.setenv("LEADSIM_MEMORY_LIMIT", "600M")
    status = main(["sweep", str(path), "--out", str(tmp_path / "o"), "--no-progress",
                   "--workers", "2"])
    assert status == 2
    msg = one_error_line(capsys)
    assert "sweep" in msg and "2 run(s) at a time" in msg and "--workers" in msg
    assert not (tmp_path / "o").exists()


def test_slurm_runs_larger_than_a_worker_process_are_refused():
    from sim.sweep import run_design
    from sim.sweep.design import grid_design
    design = grid_design({"staff_per_hospital": [10000]})
    base = scenario_from_params(Parameters(n_hospitals=50, ticks=52))
    with pytest.raises(SizeError, match="largest run"):
        run_design(design, base, backend="slurm",
                   cluster_config={"cores": 4, "processes": 4, "memory": "4GB"}, progress=False)


def test_sweep_setup_cost_grows_with_points_and_runs():
    a = sweep_setup_cost(1000, 2, 2000, 18)
    assert sweep_setup_cost(2000, 2, 2000, 18).memory > a.memory
    assert sweep_setup_cost(1000, 7, 2000, 18).memory > a.memory
    assert sweep_setup_cost(1000, 2, 4000, 18).memory > a.memory


def test_sensitivity_studies_are_counted_before_they_are_sampled(tmp_path, capsys):
    path = tmp_path / "sobol.toml"
    path.write_text(f'scenario = "{BASELINE}"\nmethod = "sobol"\nsamples = 4194304\n'
                    'parameters = ["leadership_mix", "management_support", "hybrid_share"]\n'
                    'replications = 2\n')
    assert main(["sensitivity", str(path), "--out", str(tmp_path / "o")]) == 2
    msg = one_error_line(capsys)
    assert "runs; allowed: at most 10,000,000 runs" in msg and str(path) in msg


# --- the app --------------------------------------------------------------------------------------
def test_the_apps_largest_model_is_small():
    """The app caps sizes (at most APP_MAX_HOSPITALS hospitals of APP_STAFF_PER_HOSPITAL staff),
    so even a scenario with the longest horizon and the densest organisation fits easily."""
    from sim.app.model import APP_MAX_HOSPITALS, APP_STAFF_PER_HOSPITAL, APP_UNIT_SIZE
    from sim.parameters import SPECS
    worst = Parameters(n_hospitals=APP_MAX_HOSPITALS, staff_per_hospital=APP_STAFF_PER_HOSPITAL,
                       unit_size=APP_UNIT_SIZE, ticks=int(SPECS["ticks"].high),
                       hybrid_share=1.0, leader_tie_density=1.0, coordinators_per_hospital=10,
                       local_task_rate=30.0, n_national_bodies=12, initiative_rate=6.0)
    est = run_cost(worst)
    assert est.memory < 200e6 and est.seconds < 60
