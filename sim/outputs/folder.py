"""Run folders: default names and atomic writing.

A run folder is written into a hidden temporary sibling (``.NAME.XXXX.partial``) and renamed to
its final name only when everything in it has been written, so a failed or interrupted run never
leaves a folder that looks complete.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ..cli import UserError

RUNS_DIR = Path("runs")


class OutputFolderError(UserError):
    """The output folder cannot be used (exists, or is not a folder)."""


def slug(name: str) -> str:
    """``name`` made safe as part of a folder name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "run"


def default_folder(name: str, now: datetime | None = None, parent: Path = RUNS_DIR) -> Path:
    """``runs/<name>-<YYYYmmdd-HHMMSS>``, with ``-2``, ``-3``... if that already exists."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = parent / f"{slug(name)}-{stamp}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    return path


def check_folder(path: Path, option: str = "--out") -> Path:
    """``path`` if a run folder can be created there (absent, or an empty folder)."""
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise OutputFolderError(f"{path}: '{option}': exists and is not a folder; allowed: a "
                                    f"new or empty folder")
        if any(path.iterdir()):
            raise OutputFolderError(f"{path}: '{option}': folder exists and is not empty; allowed: "
                                    f"a new or empty folder (remove it or choose another --out)")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir() or not os.access(parent, os.W_OK):
                raise OutputFolderError(f"{path}: '{option}': cannot create it in {parent}; "
                                        f"allowed: a folder you can write to")
            break
    return path


@contextmanager
def atomic_folder(path: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; rename it to ``path`` if the block succeeds,
    delete it if the block fails."""
    path = check_folder(Path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        if path.exists():
            path.rmdir()   # an empty folder given as --out
        os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
