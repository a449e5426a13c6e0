"""Provenance of a run: enough to reproduce it exactly and to know what produced it."""

from __future__ import annotations

import hashlib
import platform
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from ..scenario import Scenario

LIBRARIES = ("numpy", "numba", "mesa", "pandas", "pyarrow", "matplotlib", "networkx", "scipy")


def library_versions() -> dict[str, str | None]:
    """Installed versions of the libraries a run depends on."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def file_record(path: str | Path) -> dict[str, Any]:
    """Path and SHA-256 of a source file (``None`` if it cannot be read any more)."""
    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        digest = None
    return {"path": str(path), "sha256": digest}


def git_state(where: Path | None = None) -> dict[str, Any] | None:
    """Commit and dirty flag of the source tree the package runs from, if it is a git checkout."""
    where = where or Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True,
                                text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=where,
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(dirty)}


def command_line() -> str:
    """The command as typed (program name and arguments)."""
    return shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])


def scenario_record(scenario: Scenario) -> dict[str, Any]:
    """Seed, replication seeds and source files of one scenario."""
    return {
        "name": scenario.name,
        "description": scenario.description,
        "seed": scenario.params.seed,
        "replications": scenario.replications,
        "replication_seeds": scenario.replication_seeds(),
        "source_files": [file_record(p) for p in scenario.sources],
    }


def provenance(scenarios: list[Scenario], reproduce: str, extra: dict[str, Any] | None = None,
               backend: str = "numba") -> dict[str, Any]:
    """The provenance record of a run of ``scenarios``."""
    from .. import __version__

    return {
        "leadsim_version": __version__,
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command_line(),
        "argv": sys.argv,
        "working_directory": str(Path.cwd()),
        "reproduce": reproduce,
        "backend": backend,
        "scenarios": [scenario_record(s) for s in scenarios],
        "versions": library_versions(),
        "platform": platform.platform(),
        "git": git_state(),
        **(extra or {}),
    }
