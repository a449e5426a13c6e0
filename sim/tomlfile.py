"""Reading the project's TOML files (scenarios, experiments, studies) with one-line errors."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def read_toml(path: Path, error: type[Exception], kind: str) -> tuple[dict[str, Any], str]:
    """Parse ``path``; any problem raises ``error`` with one line naming the file.

    ``kind`` says what the file should be (e.g. "scenario"), for the message about a folder.
    Returns the parsed table and the file's text.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, expected a .toml {kind} file") from None
    except PermissionError:
        raise error(f"{path}: cannot be read (permission denied)") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not a text file (expected UTF-8 TOML)") from None
    except OSError as err:
        raise error(f"{path}: cannot be read ({err.strerror or err})") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as err:
        raise error(f"{path}: not valid TOML ({err})") from None
