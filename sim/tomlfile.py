"""Reading the project's input files (scenarios, experiments, studies, design tables) with one-line
errors.

Only regular files are read, and only up to a size limit: a folder, a device (``/dev/zero``), a pipe
(``/dev/stdin``) or an unreadable file is refused with one line before anything is read, a file
larger than the limit without reading it whole. A missing file's message suggests a similarly named
file of the same folder.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from .hints import did_you_mean

#: Largest TOML file read (scenario, experiment, study); real ones are a few kilobytes.
MAX_TOML_BYTES = 1 << 20


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n // 1024} kB" if n >= 1024 else f"{n} bytes"


def missing_file_hint(path: Path) -> str:
    """`` (did you mean NAME?)`` for a file of ``path``'s folder (same suffix) with a similar name."""
    try:
        names = [p.name for p in path.parent.iterdir()
                 if p.suffix == path.suffix and p.name != path.name]
    except OSError:
        return ""
    return did_you_mean(path.name, names)


def check_regular_file(path: Path, error: type[Exception], kind: str, limit: int,
                       prefix: str = "") -> int:
    """Raise ``error`` (one line: ``prefix`` + the path + the problem) unless ``path`` is a regular
    file that this process may read, of at most ``limit`` bytes; return its size.

    ``kind`` says what the file should be (e.g. "scenario", "CSV design table").
    """
    where = f"{prefix}{path}"
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{where}: file not found{missing_file_hint(path)}") from None
    except PermissionError:
        raise error(f"{where}: cannot be read (permission denied)") from None
    except OSError as err:
        raise error(f"{where}: cannot be read ({err.strerror or err})") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{where}: is a directory; allowed: a {kind} file")
    if not stat.S_ISREG(info.st_mode):
        what = ("a pipe" if stat.S_ISFIFO(info.st_mode) else "a device"
                if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise error(f"{where}: is {what}, not a regular file; allowed: a {kind} file")
    if not os.access(path, os.R_OK):
        raise error(f"{where}: cannot be read (permission denied)")
    if info.st_size > limit:
        raise error(f"{where}: is {_size(info.st_size)}; allowed: a {kind} file of at most "
                    f"{_size(limit)}")
    return info.st_size


def read_limited(path: Path, error: type[Exception], kind: str, limit: int,
                 prefix: str = "") -> bytes:
    """The bytes of ``path`` after :func:`check_regular_file` (never more than ``limit``)."""
    check_regular_file(path, error, kind, limit, prefix)
    where = f"{prefix}{path}"
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except PermissionError:
        raise error(f"{where}: cannot be read (permission denied)") from None
    except OSError as err:
        raise error(f"{where}: cannot be read ({err.strerror or err})") from None
    if len(data) > limit:         # grew since it was checked
        raise error(f"{where}: is larger than {_size(limit)}; allowed: a {kind} file of at most "
                    f"{_size(limit)}")
    return data


def read_toml(path: Path, error: type[Exception], kind: str) -> tuple[dict[str, Any], str]:
    """Parse ``path``; any problem raises ``error`` with one line naming the file.

    ``kind`` says what the file should be (e.g. "scenario"), for the message about a folder.
    Returns the parsed table and the file's text.
    """
    path = Path(path)
    data = read_limited(path, error, f".toml {kind}", MAX_TOML_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise error(f"{path}: not a text file (expected UTF-8 TOML)") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as err:
        raise error(f"{path}: not valid TOML ({err})") from None
