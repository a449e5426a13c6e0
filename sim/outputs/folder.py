"""Run folders: default names and atomic writing.

A run folder is written into a hidden temporary sibling (``.NAME.XXXX.partial``) and renamed to
its final name only when everything in it has been written, so a failed or interrupted run never
leaves a folder that looks complete. While it writes, the run holds an advisory lock on
``.NAME.XXXX.partial/.writing``; a run killed outright (SIGKILL, power loss) cannot delete its
partial folder, so the next run into the same parent folder removes every partial folder whose lock
is free (and says so on stderr), and refuses to write where another run is writing now.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ..cli import UserError

RUNS_DIR = Path("runs")
WRITING = ".writing"          # lock file inside a partial folder, held while the run writes
PARTIAL_RE = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.partial$")


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


def _lock(folder: Path) -> int | None:
    """An exclusive lock on ``folder/.writing`` (file descriptor), or None if another process
    holds it."""
    fd = os.open(folder / WRITING, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def stale_partials(parent: Path, name: str | None = None) -> tuple[list[Path], list[Path]]:
    """Partial folders in ``parent`` (of run folder ``name``, or of any run): (stale ones, left by
    runs that were killed, and busy ones, that a live run is writing now).

    A partial folder from a version without the lock file counts as stale only for ``name``.
    """
    stale, busy = [], []
    try:
        entries = list(Path(parent).iterdir())
    except OSError:
        return [], []
    for entry in entries:
        m = PARTIAL_RE.match(entry.name)
        if not m or not entry.is_dir() or entry.is_symlink():
            continue
        mine = m.group("name") == name
        if not (entry / WRITING).exists():
            if mine:
                stale.append(entry)
            continue
        try:
            fd = _lock(entry)
        except OSError:
            continue
        if fd is None:
            (busy if mine else []).append(entry)
        else:
            os.close(fd)
            stale.append(entry)
    return stale, busy


def remove_stale_partials(path: Path, option: str = "--out") -> list[Path]:
    """Delete the partial folders that killed runs left beside ``path`` (saying so on stderr);
    refuse with one line when a live run is writing ``path`` now. Returns what was removed."""
    path = Path(path)
    stale, busy = stale_partials(path.parent, path.name)
    if busy:
        raise OutputFolderError(f"{path}: '{option}': another run is writing this folder now "
                                f"({busy[0].name}); wait for it or choose another --out")
    removed = []
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
            print(f"leadsim: removed {folder}, the unfinished output of a run that was killed",
                  file=sys.stderr)
    return removed


@contextmanager
def atomic_folder(path: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``path`` (locked while in use); rename it to ``path`` if the
    block succeeds, delete it if the block fails. Partial folders of killed runs beside it are
    removed first."""
    path = check_folder(Path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    fd = _lock(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        if path.exists():
            path.rmdir()   # an empty folder given as --out
        os.rename(tmp, path)        # still locked: no other run takes it for a stale one
        (path / WRITING).unlink()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if fd is not None:
            os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
