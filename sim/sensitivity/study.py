"""A sensitivity study: sample, evaluate, average replications, analyse at nested sizes.

:func:`run_study` is generic: it takes a :class:`Study` (problem, method, sample size, seed) and any
evaluator (see :mod:`sim.sensitivity.evaluators`), and returns a :class:`StudyResult` whose
:meth:`~StudyResult.write` stores tables and figures.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..parameters import as_int
from .convergence import CHANGE_TOL, CONF_TOL, settle
from .emulator import POOR_NOTE, REFUSED_NOTE
from .methods import Method, constant_rows, frame
from .noise import NOISE_WARN, noise_table, point_means
from .problem import Problem, SensitivityError


@dataclass(frozen=True)
class Study:
    """What to analyse and how.

    ``samples`` is the method's sample size (Sobol: base samples, a power of two; Morris:
    trajectories; PAWN/RBD-FAST: points). ``convergence`` lists the fractions of it at which indices
    are recomputed on nested sub-samples; ``change_tol`` and ``conf_tol`` are the settle rule's
    thresholds (:mod:`sim.sensitivity.convergence`).
    """

    problem: Problem
    method: Method
    samples: int
    seed: int = 0
    name: str = "study"
    convergence: tuple[float, ...] = (0.25, 0.5, 1.0)
    change_tol: float = CHANGE_TOL
    conf_tol: float = CONF_TOL

    def __post_init__(self):
        self.method.check_size(self.samples)
        object.__setattr__(self, "samples", int(self.samples))      # numpy integers too
        if as_int(self.seed) is None:
            raise SensitivityError(f"'seed': expected an integer, got {self.seed!r}")
        object.__setattr__(self, "seed", as_int(self.seed))

    @property
    def points(self) -> int:
        """Model points (sample rows) the study needs."""
        return self.method.rows(self.samples, self.problem.num_vars)

    def sizes(self) -> list[int]:
        return self.method.convergence_sizes(self.samples, self.convergence)

    def sample(self) -> np.ndarray:
        X = self.method.sample(self.problem, self.samples, self.seed)
        if X.shape != (self.points, self.problem.num_vars):
            raise SensitivityError(f"{self.method.name} sample has shape {X.shape}, expected "
                                   f"({self.points}, {self.problem.num_vars})")
        return X


class SalibSample(NamedTuple):
    """A study's sample as SALib sees it (see :func:`study_sample`)."""

    problem: dict          # SALib's problem dict: num_vars, names, bounds, dists
    X: np.ndarray          # the sample matrix, one row per model point (continuous values)
    design: pd.DataFrame   # the model inputs per point (integer parameters rounded)
    calls: dict            # the SALib functions and keyword arguments (Method.salib_calls)


def study_sample(study: Any, samples: int | None = None) -> SalibSample:
    """The sample of a sensitivity study exactly as ``leadsim sensitivity`` draws it.

    ``study`` is an experiment file (path), a loaded experiment
    (:func:`sim.sensitivity.experiment.load_experiment`) or a :class:`Study`; ``samples`` overrides
    the sample size (as ``--samples`` does). ``X`` is the matrix SALib's sampler returns for the
    problem, the sample size and the seed in ``calls["sample"]`` (so plain SALib reproduces it),
    and equals the study folder's ``sample.csv``; row ``i`` is model point ``i``, whose runs are
    seeded by :func:`sim.sweep.run_seed` (study seed, ``i``, replication).
    """
    if isinstance(study, (str, Path)):
        from .experiment import load_experiment

        study = load_experiment(study, samples=samples).study
    elif not isinstance(study, Study):
        study = getattr(study, "study", study)
        if not isinstance(study, Study):
            raise SensitivityError(f"expected an experiment file, an experiment or a Study, got "
                                   f"{type(study).__name__}")
        if samples is not None:
            study = Study(study.problem, study.method, samples, study.seed, study.name,
                          study.convergence, study.change_tol, study.conf_tol)
    elif samples is not None:
        study = Study(study.problem, study.method, samples, study.seed, study.name,
                      study.convergence, study.change_tol, study.conf_tol)
    X = study.sample()
    return SalibSample(study.problem.salib(), X, study.problem.design(X),
                       study.method.salib_calls(study.samples, study.seed))


@dataclass
class StudyResult:
    """Everything a study produced (tables are tidy DataFrames)."""

    study: Study
    outcomes: list[str]
    X: np.ndarray
    design: pd.DataFrame
    runs: pd.DataFrame
    means: pd.DataFrame
    indices: pd.DataFrame          # full sample: outcome, parameter, index, value, conf, n
    second_order: pd.DataFrame     # Sobol with second order: outcome, parameter_1, parameter_2, ...
    convergence: pd.DataFrame      # every size: n, outcome, parameter, index, value, conf
    settled: pd.DataFrame          # per outcome: settled, settled_at, note
    noise: pd.DataFrame            # per outcome: noise shares
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def write(self, out_dir, figures: bool = True):
        """Write tables (CSV) and figures (PNG) under ``out_dir``; returns the paths written."""
        from .outputs import write_outputs

        return write_outputs(self, out_dir, figures=figures)


MISSING_NOTE = "missing at"


def analyse(study: Study, X: np.ndarray, means: pd.DataFrame,
            outcomes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Indices of every outcome at every convergence size: (convergence, second order, settled).

    An outcome missing at some sample point (a rate with no event in any of the point's
    replications, e.g. no task ended) is not analysed: SALib's estimators need a value at every
    point of their structured samples, and filling one in would invent data. Its indices are NaN
    and its note in ``settled`` says at how many points it is missing; the other outcomes are
    analysed as usual. (A point's value is the mean over the replications that have one.)
    """
    problem, method = study.problem, study.method
    d = problem.num_vars
    conv, second = [], []
    missing: dict[str, int] = {}
    for outcome in outcomes:
        Y = means[outcome].to_numpy(dtype=float)
        if not np.isfinite(Y).all():
            missing[outcome] = int((~np.isfinite(Y)).sum())
        for n in study.sizes():
            rows = method.rows(n, d)
            y = Y[:rows]
            if outcome in missing:
                first, pairs = constant_rows(problem, method), []
            elif np.ptp(y) == 0:
                first, pairs = constant_rows(problem, method), []
            else:
                first, pairs = method.analyze(problem, X[:rows], y, study.seed)
            conv.append(frame(first, n=n, outcome=outcome))
            if pairs and n == study.samples:
                second.append(frame(pairs, outcome=outcome))
    convergence = pd.concat(conv, ignore_index=True)
    second_order = (pd.concat(second, ignore_index=True) if second else
                    pd.DataFrame(columns=["outcome", "parameter_1", "parameter_2", "value", "conf"]))
    settled = settle(convergence, method.settle_index, study.change_tol, study.conf_tol)
    settled = method.review(settled, convergence)
    for outcome, count in missing.items():
        settled.loc[settled["outcome"] == outcome, "note"] = (
            f"{MISSING_NOTE} {count} of {len(means)} sample points (no event in any replication "
            f"there, e.g. no task ended): not analysed; use a larger base scenario (more weeks or "
            f"hospitals), more replications or narrower ranges")
    return convergence, second_order, settled


def run_study(study: Study, evaluate: Callable[[pd.DataFrame], pd.DataFrame],
              log: Callable[[str], None] | None = None) -> StudyResult:
    """Sample the inputs, evaluate them, and analyse every outcome of the evaluator.

    ``evaluate(design) -> runs`` (see :mod:`sim.sensitivity.evaluators`); its ``outcomes``
    attribute names the outputs analysed (default: every column of the runs except bookkeeping).
    """
    log = log or (lambda message: None)
    t0 = time.perf_counter()
    X = study.sample()
    design = study.problem.design(X)
    log(f"{study.name}: {study.method.name}, {study.problem.num_vars} parameters, sample size "
        f"{study.samples} -> {len(design)} points")
    t1 = time.perf_counter()
    raw = evaluate(design)
    t2 = time.perf_counter()
    stats = getattr(raw, "attrs", {}).get("sweep")
    runs = pd.DataFrame(raw)
    if "point" not in runs.columns:
        raise SensitivityError("the evaluator's runs have no 'point' column")
    outcomes = list(getattr(evaluate, "outcomes", None) or
                    [c for c in runs.columns if c not in _BOOKKEEPING and c not in design.columns])
    means = point_means(runs, outcomes, len(design))
    convergence, second_order, settled = analyse(study, X, means, outcomes)
    full = convergence[convergence["n"] == study.samples].reset_index(drop=True)
    extra = [c for c in full.columns if c not in _INDEX_COLUMNS]     # e.g. an emulator's Q2
    indices = full[[*_INDEX_COLUMNS, *extra]]
    noise = noise_table(runs, outcomes)
    t3 = time.perf_counter()
    result = StudyResult(study, outcomes, X, design, runs, means, indices, second_order,
                         convergence, settled, noise,
                         timings={"sampling_s": t1 - t0, "evaluation_s": t2 - t1,
                                  "analysis_s": t3 - t2, "total_s": t3 - t0,
                                  "runs": float(len(runs)),
                                  "runs_executed": float(getattr(stats, "done", len(runs)))})
    result.warnings = study_warnings(result)
    return result


_INDEX_COLUMNS = ["outcome", "parameter", "index", "value", "conf", "n"]
_BOOKKEEPING = {"run_id", "point", "replication", "seed", "error"}


def study_warnings(result: StudyResult) -> list[str]:
    """Warnings for the user: unsettled indices, noisy outputs, failed runs."""
    out = []
    for row in result.settled.itertuples():
        if row.note.startswith(MISSING_NOTE) or row.note.startswith(REFUSED_NOTE):
            out.append(f"{row.outcome}: {row.note}")
        elif POOR_NOTE in row.note:
            out.append(f"{row.outcome}: {row.note[row.note.index(POOR_NOTE):]}")
            if not row.settled:
                out.append(f"{row.outcome}: {row.index} has not settled "
                           f"({row.note[:row.note.index('; ' + POOR_NOTE)]}); take more samples")
        elif not row.settled and not row.note.startswith("output constant"):
            out.append(f"{row.outcome}: {row.index} has not settled ({row.note}); take more samples")
        elif row.note.startswith("output constant"):
            out.append(f"{row.outcome}: output is constant over the sample; no indices")
    for row in result.noise.itertuples():
        if np.isfinite(row.noise_share_means) and row.noise_share_means > NOISE_WARN:
            out.append(f"{row.outcome}: {row.noise_share_means:.0%} of the variance of the averaged "
                       f"output is seed noise (> {NOISE_WARN:.0%}); use more replications")
    if "error" in result.runs.columns:
        failed = int(result.runs["error"].notna().sum())
        if failed:
            out.append(f"{failed} of {len(result.runs)} runs failed and were left out of the means")
    return out
