"""The leadsim command line: run, compare, describe, --json, --help and bad input.

End-to-end checks run the installed ``leadsim`` console command in a subprocess; the many
bad-input cases call :func:`sim.cli.main` in this process (same code path, no start-up cost).
Scenarios are tiny files in tmp_path that extend the shipped ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.outcomes import SUMMARY_OUTCOMES
from sim.parameters import SPECS
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
LEADSIM = Path(sys.executable).with_name("leadsim")
TINY = "n_hospitals = 2\nstaff_per_hospital = 40\nunit_size = 10\nticks = 12\n"


def tiny(folder: Path, extends: str = "baseline", name: str | None = None,
         replications: int = 2, extra: str = "") -> Path:
    """A small scenario file in ``folder`` that extends a shipped scenario."""
    path = folder / f"{name or 'tiny_' + extends}.toml"
    path.write_text(f'extends = "{SCENARIOS / (extends + ".toml")}"\n{TINY}'
                    f"replications = {replications}\n{extra}", encoding="utf-8")
    return path


def leadsim(*args, cwd: Path) -> subprocess.CompletedProcess:
    command = ([str(LEADSIM)] if LEADSIM.exists() else
               [sys.executable, "-c", "import sys; from sim.cli import main; sys.exit(main())"])
    return subprocess.run([*command, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "COLUMNS": "100"})


def run_main(capsys, *args) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


# --- end to end, in a subprocess -------------------------------------------------------------
def test_run_end_to_end(tmp_path):
    scenario = tiny(tmp_path, "distributed_qic", extra="[[hospitals]]\nhospital = 1\n"
                                                       "staff_per_hospital = 30\n")
    out = tmp_path / "out"
    proc = leadsim("run", scenario, "--out", out, "--json", "--replications", 3, "--seed", 5,
                   "--set", "ticks=10", "--org-hospital", 1, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "simulating" not in proc.stderr          # no progress bar with --json
    document = json.loads(proc.stdout)              # only JSON on stdout
    assert document["replications"] == 3 and document["seed"] == 5 and document["ticks"] == 10
    assert set(document["outcomes"]) == set(SUMMARY_OUTCOMES)
    assert len(document["per_replication"]) == 3
    assert document["out"] == str(out)
    assert files_in(out) == {"scenario.toml", "provenance.json", "timeseries.parquet",
                             "summary.csv", "replications.csv", "hospitals.csv", "summary.json",
                             "figures/outcomes_over_time.png", "figures/who_leads.png",
                             "figures/organisation_hospital_1.png"}
    assert json.loads((out / "summary.json").read_text()) == document
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert sorted(ts["replication"].unique()) == [0, 1, 2]
    assert len(ts) == 3 * 10 * 2
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["command"].split()[1] == "run" and "--org-hospital" in prov["command"]
    assert [Path(f["path"]).name for f in prov["scenarios"][0]["source_files"]] == [
        scenario.name, "distributed_qic.toml", "baseline.toml"]
    assert all(len(f["sha256"]) == 64 for f in prov["scenarios"][0]["source_files"])
    resolved = load_scenario(out / "scenario.toml")
    assert resolved.params == load_scenario(scenario, seed=5, ticks=10).params
    assert prov["scenarios"][0]["replication_seeds"] == resolved.replication_seeds()
    assert document["replication_seeds"] == resolved.replication_seeds()


def test_compare_end_to_end(tmp_path):
    a = tiny(tmp_path, "concentrated_trust")
    b = tiny(tmp_path, "collective_culture")
    out = tmp_path / "cmp"
    proc = leadsim("compare", a, b, "--replications", 2, "--out", out, "--json", "--no-figures",
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert [s["label"] for s in document["scenarios"]] == [a.stem, b.stem]
    assert all(s["replications"] == 2 for s in document["scenarios"])
    assert {"summary.csv", "timeseries.parquet", "provenance.json",
            f"scenarios/{a.name}", f"scenarios/{b.name}"} <= files_in(out)
    table = pd.read_csv(out / "summary.csv")
    assert len(table) == 2 * len(SUMMARY_OUTCOMES)


def test_describe_json_lists_every_parameter(tmp_path):
    proc = leadsim("describe", SCENARIOS / "distributed_qic.toml", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    rows = {r["name"]: r for r in document["parameters"]}
    assert list(rows) == list(SPECS)
    assert rows["leadership_mix"]["value"] == 0.85 and rows["leadership_mix"]["set_by_scenario"]
    assert rows["management_support"]["hospitals"] == {"0": 0.9, "1": 0.25}
    assert not rows["grant_threshold"]["set_by_scenario"]
    for row in rows.values():
        assert {"unit", "low", "high", "description", "default"} <= set(row)


def test_bad_scenario_in_a_subprocess_is_one_line_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("leadership_mix = 2\n")
    proc = leadsim("run", bad, "--out", tmp_path / "never", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "bad.toml" in proc.stderr and "'leadership_mix'" in proc.stderr
    assert "allowed" in proc.stderr
    assert not (tmp_path / "never").exists()


# --- in this process ----------------------------------------------------------------------------
def test_describe_text(capsys):
    status, out, _ = run_main(capsys, "describe")
    assert status == 0
    for spec in SPECS.values():
        assert f"{spec.name} = " in out and spec.unit in out
    status, out, _ = run_main(capsys, "describe", SCENARIOS / "no_coordinators.toml")
    assert status == 0
    assert "* coordinators_per_hospital = 0  (default 3)" in out
    assert "hospital 1: 0.25" in out and "distributed_qic.toml" in out


@pytest.mark.parametrize("command", ["run", "compare", "describe"])
def test_help_has_examples(capsys, command):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"leadsim {command}" in out


def test_run_prints_the_summary_table(tmp_path, capsys):
    # long enough, and busy enough, for every outcome to be defined in both replications (four
    # hospitals: the collaborative's adoption time needs a peer to follow a completion, which three
    # hospitals did not give in one replication once related leadership raised commitment)
    scenario = tmp_path / "busy.toml"
    scenario.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\nn_hospitals = 4\n'
                        "staff_per_hospital = 100\nunit_size = 20\nticks = 208\nreplications = 2\n"
                        "local_task_rate = 25.0\ninitiative_rate = 3.0\nmanagement_support = 0.9\n",
                        encoding="utf-8")
    status, out, err = run_main(capsys, "run", scenario, "--quiet", "--no-figures",
                                "--out", tmp_path / "o")
    assert status == 0 and err == ""
    assert "95% CI" in out and f"outputs: {tmp_path / 'o'}" in out
    for name in SUMMARY_OUTCOMES:
        assert f"  {name} " in out
    assert "unavailable" not in out


def test_one_replication_says_ci_unavailable(tmp_path, capsys):
    status, out, _ = run_main(capsys, "run", tiny(tmp_path), "--replications", 1, "--quiet",
                              "--no-figures", "--out", tmp_path / "one")
    assert status == 0
    assert "unavailable" in out
    summary = json.loads((tmp_path / "one" / "summary.json").read_text())
    assert summary["outcomes"]["improvement"]["ci_low"] is None


def test_default_out_folder_is_runs_name_timestamp(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, _ = run_main(capsys, "run", tiny(tmp_path, name="mine"), "--quiet",
                              "--no-figures", "--replications", 1)
    assert status == 0
    [folder] = (tmp_path / "runs").iterdir()
    assert folder.name.startswith("mine-") and (folder / "summary.json").exists()


def test_same_seed_gives_identical_parquet_and_parallel_equals_serial(tmp_path, capsys):
    scenario = tiny(tmp_path, replications=3)
    frames = []
    for k, workers in enumerate((1, 1, 2)):
        out = tmp_path / f"r{k}"
        status, _, err = run_main(capsys, "run", scenario, "--quiet", "--no-figures",
                                  "--workers", workers, "--out", out)
        assert status == 0, err
        frames.append(pd.read_parquet(out / "timeseries.parquet"))
        assert (pd.read_csv(out / "replications.csv").drop(columns="seed")
                .equals(pd.read_csv(tmp_path / "r0" / "replications.csv").drop(columns="seed")))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])
    other = tmp_path / "other"
    run_main(capsys, "run", scenario, "--quiet", "--no-figures", "--seed", 99, "--out", other)
    assert not pd.read_parquet(other / "timeseries.parquet").equals(frames[0])


def test_resolved_scenario_reproduces_the_run(tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    run_main(capsys, "run", tiny(tmp_path), "--seed", 3, "--set", "leadership_mix=0.7",
             "--quiet", "--no-figures", "--out", first)
    status, _, _ = run_main(capsys, "run", first / "scenario.toml", "--quiet", "--no-figures",
                            "--out", second)
    assert status == 0
    pd.testing.assert_frame_equal(pd.read_parquet(first / "timeseries.parquet"),
                                  pd.read_parquet(second / "timeseries.parquet"))


def write_bad(folder: Path, text: str, name: str = "bad.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


BAD_FILES = {
    "unknown key": ("colour = 1\n", "'colour'", "allowed"),
    "wrong type": ('ticks = "ten"\n', "'ticks'", "expected int"),
    "out of range": ("management_support = -0.5\n", "'management_support'", "allowed"),
    "missing extends": ('extends = "gone.toml"\n', "'extends'", "not found"),
    "circular extends": ('extends = "bad.toml"\n', "'extends'", "circular"),
    "not TOML": ("ticks = = 1\n", "bad.toml", "not valid TOML"),
    "bad hospital": ("[[hospitals]]\nhospital = 0\nseed = 1\n", "'hospitals[0].seed'", "allowed"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
@pytest.mark.parametrize("command", ["run", "compare", "describe"])
def test_bad_scenario_files(tmp_path, capsys, case, command):
    text, key, allowed = BAD_FILES[case]
    bad = write_bad(tmp_path, text)
    args = [command, bad] + (["--out", tmp_path / "out"] if command != "describe" else [])
    status, out, err = run_main(capsys, *args)
    assert status == 2
    assert out == ""
    assert err.startswith("leadsim: error: ") and err.count("\n") == 1
    assert "bad.toml" in err and key in err and allowed in err
    assert list(tmp_path.iterdir()) == [bad]          # no output folder, no partial folder


def test_unreadable_scenario_file(tmp_path, capsys):
    (tmp_path / "folder.toml").mkdir()
    for path, why in [(tmp_path / "missing.toml", "file not found"),
                      (tmp_path / "folder.toml", "is a directory")]:
        status, _, err = run_main(capsys, "run", path, "--out", tmp_path / "out")
        assert status == 2 and why in err and str(path) in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args, option, allowed", [
    (["--replications", "0"], "'--replications'", "integer in [1, 10000]"),
    (["--replications", "many"], "'--replications'", "integer in [1, 10000]"),
    (["--seed", "-3"], "'--seed'", "integer in [0, "),
    (["--workers", "0"], "'--workers'", "integer in [1, "),
    (["--set", "ticks"], "'--set'", "KEY=VALUE"),
    (["--set", "tick=5"], "'--set tick'", "allowed: leadership_mix"),
    (["--set", "ticks=0"], "'--set ticks'", "allowed: int in [1, 5200]"),
    (["--set", "n_hospitals=1", "--org-hospital", "1"], "'--org-hospital'", "integer in [0, 0]"),
])
def test_bad_command_line_values(tmp_path, capsys, args, option, allowed):
    scenario = tiny(tmp_path)
    status, out, err = run_main(capsys, "run", scenario, *args, "--out", tmp_path / "out")
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and option in err and allowed in err
    assert "command line" in err
    assert not (tmp_path / "out").exists()


def test_existing_output_folder_is_refused_before_running(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("keep")
    status, _, err = run_main(capsys, "run", tiny(tmp_path), "--out", out)
    assert status == 2 and "'--out'" in err and "not empty" in err
    assert files_in(out) == {"precious.txt"}


def test_failure_while_writing_leaves_no_folder(tmp_path, capsys, monkeypatch):
    import sim.outputs.writer as writer

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(writer, "write_run_figures", broken)
    with pytest.raises(OSError):
        main(["run", str(tiny(tmp_path)), "--quiet", "--out", str(tmp_path / "out")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny_baseline.toml"]
