"""The scenarios, experiments and validation studies shipped with leadsim, found from any folder.

The repository's top-level ``scenarios/`` and ``experiments/`` folders are the single source. A
wheel (``pip install leadsim`` or ``pip install .``) carries a copy of both under
``sim/_data/`` (made when the wheel is built: see ``setup.py``); a source checkout or an editable
install uses the repository's folders. :func:`data_dir` returns whichever is there, so that
``leadsim run baseline``, ``leadsim validate`` and ``leadsim app`` work from any folder.

Command-line arguments naming a scenario or an experiment are resolved by :func:`resolve`: a path
that exists is used as given; otherwise a bare name (``baseline``, ``baseline.toml``,
``discovery_lhs``, ``morris_screening``) or a path starting with ``scenarios/`` or ``experiments/``
names a shipped file.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE.parent
DATA_FOLDERS = ("scenarios", "experiments")
#: Where shipped files of each kind are looked up by name (first match wins).
KINDS = {"scenario": ("scenarios",),
         "experiment": ("experiments", "experiments/sensitivity")}


def data_dir(name: str) -> Path:
    """The shipped folder ``name`` (``"scenarios"`` or ``"experiments"``): the package's copy in an
    installed wheel, else the source checkout's."""
    if name not in DATA_FOLDERS:
        raise ValueError(f"unknown data folder {name!r}; allowed: {', '.join(DATA_FOLDERS)}")
    packaged = PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else SOURCE_ROOT / name


def shipped(kind: str) -> dict[str, Path]:
    """Shipped files of ``kind`` (``"scenario"`` or ``"experiment"``) by name (file stem)."""
    found: dict[str, Path] = {}
    for folder in KINDS[kind]:
        top, _, sub = folder.partition("/")
        where = data_dir(top) / sub if sub else data_dir(top)
        for path in sorted(where.glob("*.toml")):
            found.setdefault(path.stem, path)
    return found


def resolve(argument: str | Path, kind: str) -> Path:
    """The file a command-line argument names: the path itself if it exists, else the shipped
    file it names (see the module docstring). An argument that names nothing is returned as
    given, so that the loader reports it (with its own hint)."""
    path = Path(argument)
    if path.exists():
        return path
    parts = path.parts
    if len(parts) == 1:
        match = shipped(kind).get(path.stem if path.suffix == ".toml" else path.name)
        if match is not None:
            return match
    elif parts and parts[0] in DATA_FOLDERS and not path.is_absolute():
        candidate = data_dir(parts[0]).joinpath(*parts[1:])
        if candidate.exists():
            return candidate
    return path


def shipped_hint(argument: str | Path, kind: str) -> str:
    """`` (shipped scenarios: baseline, ...)`` for a bare name that names no file."""
    path = Path(argument)
    if path.exists() or len(path.parts) != 1:
        return ""
    from .hints import did_you_mean

    names = list(shipped(kind))
    if not names:
        return ""
    close = did_you_mean(path.stem, names).strip()
    return f" {close}; shipped {kind}s: {', '.join(names)}" if close else \
        f"; shipped {kind}s: {', '.join(names)}"
