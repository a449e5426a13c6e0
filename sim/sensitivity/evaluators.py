"""Evaluators: what turns a design (one row per sample point) into runs with outcomes.

The harness is generic: an evaluator is any callable ``evaluate(design) -> runs`` where ``design``
is a DataFrame (one row per sample point, one column per factor, rows 0..n-1) and ``runs`` a
DataFrame with one row per run: ``point`` (row of the design), ``replication``, one column per
outcome and optionally ``error`` (None when the run succeeded). It also tells its ``outcomes`` and
``replications``.

* :class:`FunctionEvaluator` wraps a Python function (test functions, other models).
* :class:`ModelEvaluator` runs the leadership model through the sweep engine
  (:func:`sim.sweep.run_design`), so every backend works, runs are stored under ``out_dir`` and
  resumable, and progress is shown.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..outcomes import SUMMARY_OUTCOMES
from ..scenario import Scenario
from .problem import SensitivityError

# Outcomes of the model brief (section 5) analysed by default: every summary outcome except the
# two counts that are only denominators (tasks_ended, active_task_weeks).
DEFAULT_OUTCOMES = tuple(o for o in SUMMARY_OUTCOMES if o not in ("tasks_ended", "active_task_weeks"))


@dataclass
class FunctionEvaluator:
    """Evaluate ``func`` on the design.

    ``func(design)`` (or ``func(design, rng)`` when ``stochastic``: called once per replication with
    its own ``numpy.random.Generator`` spawned from ``seed``) returns an array of shape (n,) or
    (n, k), or a DataFrame with one column per outcome. ``outcomes`` names the columns (default: the
    DataFrame's columns, or ``y``/``y0..``).
    """

    func: Callable[..., Any]
    outcomes: Sequence[str] | None = None
    replications: int = 1
    seed: int = 0
    stochastic: bool = False

    def __call__(self, design: pd.DataFrame) -> pd.DataFrame:
        design = design.reset_index(drop=True)
        reps = self.replications if self.stochastic else 1
        rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(self.seed).spawn(reps)]
        frames = []
        for r, rng in enumerate(rngs):
            out = self.func(design, rng) if self.stochastic else self.func(design)
            out = self._frame(out, len(design))
            out.insert(0, "replication", r)
            out.insert(0, "point", np.arange(len(design)))
            frames.append(out)
        runs = pd.concat(frames, ignore_index=True).sort_values(["point", "replication"],
                                                                kind="stable")
        runs["error"] = None
        return runs.reset_index(drop=True)

    def _frame(self, out, n: int) -> pd.DataFrame:
        if isinstance(out, pd.DataFrame):
            frame = out.reset_index(drop=True)
            if self.outcomes is None:
                self.outcomes = list(frame.columns)
            return frame[list(self.outcomes)].astype(float)
        arr = np.asarray(out, dtype=float)
        arr = arr.reshape(n, -1)
        if self.outcomes is None:
            self.outcomes = ["y"] if arr.shape[1] == 1 else [f"y{i}" for i in range(arr.shape[1])]
        if arr.shape[1] != len(self.outcomes):
            raise SensitivityError(f"function returned {arr.shape[1]} outputs for outcomes "
                                   f"{list(self.outcomes)}")
        return pd.DataFrame(arr, columns=list(self.outcomes))


def check_base(base: Scenario, names: Sequence[str], source: str | None = None) -> None:
    """Refuse to vary a parameter that the base scenario overrides per hospital.

    The design sets the system default; a hospital's own value would win over it, so part of the
    variation would silently not reach the model.
    """
    for ov in base.params.hospitals:
        clash = sorted(set(ov.values) & set(names))
        if clash:
            where = f"{source}: " if source else ""
            raise SensitivityError(
                f"{where}'parameters': {', '.join(clash)} is set per hospital in the base scenario "
                f"(hospital {ov.hospital}), so varying it would not reach that hospital; allowed: "
                f"remove the per-hospital value from the base scenario or do not vary {clash[0]}")


# Keywords of run_design's contract; others (e.g. name, experiment_text) are passed only when the
# sweep engine takes them.
CONTRACT_OPTIONS = ("backend", "workers", "scheduler", "cluster_config", "progress")
OPTIONAL_EXTRAS = ("name", "experiment_text")  # dropped silently if the engine does not take them


@dataclass
class ModelEvaluator:
    """Run the model on each design point through :func:`sim.sweep.run_design`.

    ``base`` supplies every parameter the design does not vary (and the model size); each point is
    run ``replications`` times with seeds derived from ``seed`` by the sweep engine. Runs are stored
    under ``out_dir`` (resumable with ``resume=True``). Other keywords go to ``run_design``
    (``backend``, ``workers``, ``scheduler``, ``cluster_config``, ``progress``, and ``name`` and
    ``experiment_text`` when the engine takes them). ``runner`` replaces ``run_design`` (tests).
    """

    base: Scenario
    outcomes: Sequence[str] = DEFAULT_OUTCOMES
    replications: int = 1
    seed: int | None = None
    out_dir: str | Path | None = None
    resume: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    runner: Callable[..., pd.DataFrame] | None = None  # default: sim.sweep.run_design

    def __post_init__(self):
        unknown = [o for o in self.outcomes if o not in SUMMARY_OUTCOMES]
        if unknown:
            from ..hints import did_you_mean
            raise SensitivityError(f"'outcomes': unknown outcome {unknown[0]!r}"
                                   f"{did_you_mean(unknown[0], SUMMARY_OUTCOMES)}; allowed: "
                                   f"{', '.join(SUMMARY_OUTCOMES)}")
        self.outcomes = list(self.outcomes)

    def __call__(self, design: pd.DataFrame) -> pd.DataFrame:
        if self.runner is None:
            from ..sweep import run_design
        else:
            run_design = self.runner
        design = design.reset_index(drop=True)
        check_base(self.base, list(design.columns))
        accepted = inspect.signature(run_design).parameters
        options = {k: v for k, v in self.options.items()
                   if v is not None and (k in accepted or k in CONTRACT_OPTIONS)}
        missing = [k for k, v in self.options.items()
                   if v and k not in options and k not in OPTIONAL_EXTRAS]
        if missing:
            raise SensitivityError(f"the sweep engine does not support {', '.join(missing)}")
        runs = run_design(design, self.base, replications=self.replications,
                          outcomes=self.outcomes, out_dir=self.out_dir, resume=self.resume,
                          seed=self.seed, **options)
        return runs if isinstance(runs, pd.DataFrame) else pd.DataFrame(runs)
