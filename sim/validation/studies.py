"""Validation studies: one TOML file per pattern in ``experiments/validation/``.

A study file names its pattern, source and claim, the base scenario, the outcome, the conditions (a
grid of parameter values, or explicit labelled rows), the replications and sizes of the full and quick
versions, and the test: its kind (``interior_optimum``, ``slope``, ``difference`` or
``interaction``) and the rule's settings. See ``experiments/validation/README.md``.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..outcomes import SUMMARY_OUTCOMES
from ..parameters import SPECS, ParameterError
from ..scenario import Scenario, ScenarioError, load_scenario

KINDS = ("interior_optimum", "slope", "difference", "interaction")
STUDY_DIR = Path(__file__).resolve().parents[2] / "experiments" / "validation"


class StudyError(ValueError):
    """A study file that cannot be used; one line naming the file and key."""


@dataclass(frozen=True)
class Study:
    path: Path
    pattern: str
    title: str
    source: str
    claim: str
    scenario: Path
    outcome: str
    kind: str
    replications: int
    size: dict[str, Any]
    quick: dict[str, Any]
    conditions: pd.DataFrame          # one row per condition (parameter columns, optional 'label')
    test: dict[str, Any]
    extra_outcomes: tuple[str, ...] = field(default_factory=tuple)

    def base(self, changes: dict[str, Any] | None = None) -> Scenario:
        """The base scenario at the study's size, with ``changes`` applied."""
        try:
            return load_scenario(self.scenario, **{**self.size, **(changes or {})})
        except ScenarioError as err:
            raise StudyError(f"{self.path}: base scenario: {err}") from None

    def design(self) -> pd.DataFrame:
        return self.conditions.drop(columns=["label"], errors="ignore")

    def outcomes(self) -> list[str]:
        return list(dict.fromkeys([self.outcome, *self.extra_outcomes]))

    def quick_version(self) -> Study:
        """The reduced study of ``--quick``: the ``[quick]`` replications, sizes and conditions."""
        quick = dict(self.quick)
        conditions = quick.pop("conditions", None)
        reps = int(quick.pop("replications", self.replications))
        return replace(self, replications=reps, size={**self.size, **quick}, quick={},
                       conditions=self.conditions if conditions is None
                       else _conditions(conditions, self.path))


def _need(raw: dict, key: str, path: Path, kind=str):
    if key not in raw:
        raise StudyError(f"{path}: '{key}': missing")
    value = raw[key]
    if not isinstance(value, kind):
        raise StudyError(f"{path}: '{key}': expected {kind.__name__}, got {value!r}")
    return value


def _conditions(raw: Any, path: Path) -> pd.DataFrame:
    if not isinstance(raw, dict):
        raise StudyError(f"{path}: 'conditions': expected a table")
    if "rows" in raw:
        rows = raw["rows"]
        if not isinstance(rows, list) or not rows:
            raise StudyError(f"{path}: 'conditions.rows': expected a non-empty list of tables")
        frame = pd.DataFrame(rows)
    else:
        names = list(raw)
        for name in names:
            if not isinstance(raw[name], list) or not raw[name]:
                raise StudyError(f"{path}: 'conditions.{name}': expected a non-empty list of values")
        frame = pd.DataFrame(list(itertools.product(*(raw[n] for n in names))), columns=names)
    for column in frame.columns:
        if column == "label":
            continue
        if column not in SPECS:
            raise StudyError(f"{path}: 'conditions.{column}': unknown parameter")
        for value in frame[column]:
            try:
                SPECS[column].check(value, str(path), f"conditions.{column}")
            except ParameterError as err:
                raise StudyError(str(err)) from None
    return frame


def load_study(path: str | Path) -> Study:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise StudyError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as err:
        raise StudyError(f"{path}: not valid TOML ({err})") from None
    kind = _need(raw, "kind", path)
    if kind not in KINDS:
        raise StudyError(f"{path}: 'kind': {kind!r} is not one of {', '.join(KINDS)}")
    outcome = _need(raw, "outcome", path)
    extra = tuple(raw.get("extra_outcomes", ()))
    for name in (outcome, *extra):
        if name not in SUMMARY_OUTCOMES:
            raise StudyError(f"{path}: 'outcome': {name!r} is not one of {', '.join(SUMMARY_OUTCOMES)}")
    reps = _need(raw, "replications", path, int)
    if reps < 4:
        raise StudyError(f"{path}: 'replications': need at least 4 for a confidence interval")
    return Study(
        path=path, pattern=_need(raw, "pattern", path), title=_need(raw, "title", path),
        source=_need(raw, "source", path), claim=_need(raw, "claim", path),
        scenario=(path.parent / _need(raw, "scenario", path)).resolve(), outcome=outcome, kind=kind,
        replications=reps, size=dict(raw.get("size", {})), quick=dict(raw.get("quick", {})),
        conditions=_conditions(raw.get("conditions"), path), test=dict(raw.get("test", {})),
        extra_outcomes=extra,
    )


def load_studies(folder: str | Path = STUDY_DIR) -> list[Study]:
    """Every study file of ``folder``, in file-name order."""
    files = sorted(Path(folder).glob("*.toml"))
    if not files:
        raise StudyError(f"{folder}: no study files (*.toml)")
    return [load_study(f) for f in files]
