"""Effect estimators with 95% confidence intervals over paired replications.

Every condition of a study is run with the same replication seeds (common random numbers), so
replication r of one condition is paired with replication r of every other: effects are computed per
replication and summarised by their mean and a t-interval across replications. This removes the
variation between organisations from the comparison and is the standard variance-reduction device for
simulation experiments.

A rate is missing (NaN) in a run where nothing it counts happened (no task ended, say). A replication
whose effect is missing is left out of that effect (``n`` counts the replications that have one);
level means over replications leave missing values out.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..outputs import statistics


@dataclass(frozen=True)
class Effect:
    """A measured effect: estimate with a 95% CI, the rule it is held to, and whether it passes."""

    name: str
    estimate: float
    low: float
    high: float
    rule: str
    passed: bool
    n: int
    detail: dict = field(default_factory=dict)


def _n(per_rep) -> int:
    """Replications with a value (missing ones are left out)."""
    return int(np.isfinite(np.asarray(per_rep, dtype=float)).sum())


def mean_ci(values, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t-interval of paired per-replication values (NaN where unavailable);
    :func:`sim.outputs.statistics.mean_ci` as a tuple."""
    ci = statistics.mean_ci(values, level)
    return tuple(float("nan") if ci[key] is None else ci[key] for key in ("mean", "ci_low", "ci_high"))


def positive(name: str, per_rep, rule: str = "95% CI above 0") -> Effect:
    m, lo, hi = mean_ci(per_rep)
    return Effect(name, m, lo, hi, rule, bool(lo > 0), _n(per_rep))


def negative(name: str, per_rep, rule: str = "95% CI below 0") -> Effect:
    m, lo, hi = mean_ci(per_rep)
    return Effect(name, m, lo, hi, rule, bool(hi < 0), _n(per_rep))


def within(name: str, per_rep, bound: float, rule: str) -> Effect:
    """Passes when the whole CI lies within [-bound, bound] ("near zero")."""
    m, lo, hi = mean_ci(per_rep)
    return Effect(name, m, lo, hi, rule, bool(-bound <= lo and hi <= bound), _n(per_rep),
                  {"bound": bound})


def _nanargmax(values: np.ndarray) -> int:
    """Index of the largest value, missing values left out (0 when all are missing)."""
    values = np.where(np.isfinite(values), values, -np.inf)
    return int(np.argmax(values))


def slopes(x, y_by_rep: np.ndarray) -> np.ndarray:
    """Least-squares slope of y on x within each replication (rows of ``y_by_rep``)."""
    x = np.asarray(x, dtype=float)
    xc = x - x.mean()
    y = np.asarray(y_by_rep, dtype=float)
    return (y - y.mean(axis=1, keepdims=True)) @ xc / (xc @ xc)


def interior_optimum(levels, y_by_rep: np.ndarray, interior: tuple[float, float]) -> tuple[Effect, Effect, dict]:
    """Is the outcome highest at an interior level, above both poles?

    Split-half, so that choosing the best level does not flatter the test: the best interior level is
    chosen on the odd replications and its advantage over each pole is estimated on the even ones.
    The overall best level (all replications) is reported and must also be interior.
    Returns the effects over the low pole and over the high pole, and details.
    """
    levels = np.asarray(levels, dtype=float)
    y = np.asarray(y_by_rep, dtype=float)           # replications x levels
    inner = np.flatnonzero((levels >= interior[0]) & (levels <= interior[1]))
    select, estimate = y[1::2], y[0::2]
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # a level missing in every replication
        best = int(inner[_nanargmax(np.nanmean(select[:, inner], axis=0))])
        overall = int(_nanargmax(np.nanmean(y, axis=0)))
    overall_interior = bool(interior[0] <= levels[overall] <= interior[1])
    rule = (f"best level (chosen on half the replications) in [{interior[0]}, {interior[1]}] and above "
            "the pole on the other half: 95% CI above 0")
    low = positive(f"best - level {levels[0]:g}", estimate[:, best] - estimate[:, 0], rule)
    high = positive(f"best - level {levels[-1]:g}", estimate[:, best] - estimate[:, -1], rule)
    detail = {"best_level": float(levels[best]), "overall_best_level": float(levels[overall]),
              "overall_best_interior": overall_interior}
    return low, high, detail
