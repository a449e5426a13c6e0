"""A ``leadsim run`` killed while it writes its folder: what it leaves, and what the next run does.

SIGKILL cannot be caught, so a run killed during its write leaves its hidden ``.NAME.*.partial``
folder; the next run into the same parent folder removes it and says so. SIGTERM (and Ctrl-C) are
caught: the partial folder is deleted on the way out, exit status 143 (130).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.outputs.folder import (WRITING, OutputFolderError, atomic_folder, remove_stale_partials,
                                stale_partials)

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = textwrap.dedent(f"""\
    extends = "{(ROOT / 'scenarios' / 'baseline.toml').as_posix()}"
    n_hospitals = 2
    staff_per_hospital = 60
    unit_size = 15
    ticks = 26
    replications = 2
""")


def partials(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".partial")]


def killed_during_write(out: Path) -> None:
    """A process that dies by SIGKILL in the middle of writing ``out`` (as a kill -9 would)."""
    code = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from sim.outputs.folder import atomic_folder
        with atomic_folder(Path({str(out)!r})) as tmp:
            (tmp / "summary.csv").write_text("half written")
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=120)
    assert proc.returncode == -signal.SIGKILL


def test_a_run_killed_during_its_write_leaves_a_partial_that_the_next_run_removes(tmp_path,
                                                                                   capsys):
    out = tmp_path / "runs" / "mine"
    killed_during_write(out)
    left = partials(out.parent)
    assert len(left) == 1 and not out.exists()          # nothing that looks complete
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO)
    status = main(["run", str(scenario), "--out", str(out), "--quiet", "--no-figures",
                   "--workers", "1"])
    assert status == 0
    err = capsys.readouterr().err
    assert f"removed {left[0]}, the unfinished output of a run that was killed" in err
    assert partials(out.parent) == [] and (out / "summary.csv").is_file()
    assert not (out / WRITING).exists()


def test_stale_partials_of_other_runs_in_the_same_parent_are_removed_too(tmp_path):
    killed_during_write(tmp_path / "runs" / "other-20250101-120000")
    removed = remove_stale_partials(tmp_path / "runs" / "mine")
    assert len(removed) == 1 and partials(tmp_path / "runs") == []


def test_a_partial_being_written_now_is_never_removed(tmp_path):
    out = tmp_path / "busy"
    with atomic_folder(out) as tmp:
        stale, busy = stale_partials(tmp_path, "busy")
        assert stale == [] and busy == [tmp]
        with pytest.raises(OutputFolderError, match="another run is writing this folder now"):
            remove_stale_partials(out)
        assert remove_stale_partials(tmp_path / "elsewhere") == []     # other name: left alone
        assert tmp.is_dir()
    assert out.is_dir() and partials(tmp_path) == []


def test_a_users_own_hidden_folders_are_left_alone(tmp_path):
    mine = tmp_path / ".notes.partial"
    mine.mkdir()
    other = tmp_path / ".thing.abcdefgh.partial"      # our pattern, no lock file, another name
    other.mkdir()
    assert remove_stale_partials(tmp_path / "run") == []
    assert mine.is_dir() and other.is_dir()


def test_sigterm_during_a_run_stops_it_cleanly_with_exit_143(tmp_path):
    """Terminate ``leadsim run`` while it simulates: its workers stop, nothing is left behind."""
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO.replace("n_hospitals = 2", "n_hospitals = 50")
                        .replace("staff_per_hospital = 60", "staff_per_hospital = 200")
                        .replace("ticks = 26", "ticks = 5200"))
    out = tmp_path / "runs" / "t"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", str(scenario), "--out", str(out),
                             "--quiet", "--workers", "2"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        assert proc.stdout.readline().startswith("scenario s:")     # it has started simulating
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 143, err
    assert err.strip().splitlines()[-1] == "leadsim: terminated" and "Traceback" not in err
    assert not out.exists() and (not out.parent.exists() or partials(out.parent) == [])


def test_an_exception_during_the_write_deletes_the_partial_folder(tmp_path):
    from sim.cli import Terminated
    with pytest.raises(Terminated):
        with atomic_folder(tmp_path / "x") as tmp:
            (tmp / "a.csv").write_text("1")
            raise Terminated()
    assert list(tmp_path.iterdir()) == []
