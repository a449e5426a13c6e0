"""Means and 95% confidence intervals over replications (Student t-interval)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

LEVEL = 0.95


def t_quantile(df: int, level: float = LEVEL) -> float:
    """Two-sided Student t critical value for ``df`` degrees of freedom."""
    from scipy.special import stdtrit   # lazily, and not scipy.stats: much faster to import

    return float(stdtrit(df, 0.5 + level / 2.0))


def mean_ci(values, level: float = LEVEL) -> dict[str, float | int | None]:
    """Mean, standard deviation and t-interval of the mean of independent replications.

    Returns ``n, mean, sd, ci_low, ci_high``; with fewer than two values the standard deviation and
    interval are ``None`` (unavailable). Non-finite values are dropped.
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return {"n": 0, "mean": None, "sd": None, "ci_low": None, "ci_high": None}
    mean = float(x.mean())
    if n < 2:
        return {"n": n, "mean": mean, "sd": None, "ci_low": None, "ci_high": None}
    sd = float(x.std(ddof=1))
    half = t_quantile(n - 1, level) * sd / math.sqrt(n)
    return {"n": n, "mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half}


def summary_table(per_replication: pd.DataFrame, outcomes, level: float = LEVEL) -> pd.DataFrame:
    """One row per outcome: ``outcome, n, mean, sd, ci_low, ci_high`` over the replications."""
    rows = [{"outcome": name, **mean_ci(per_replication[name], level)} for name in outcomes]
    return pd.DataFrame(rows, columns=["outcome", "n", "mean", "sd", "ci_low", "ci_high"])


def band(matrix: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and t-interval across rows (replications) for every column (tick) of ``matrix``.

    NaN entries are ignored; with fewer than two finite values in a column the band collapses to
    the mean.
    """
    m = np.asarray(matrix, dtype=np.float64)
    finite = np.isfinite(m)
    n = finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(m, axis=0) / np.maximum(n, 1), np.nan)
        dev = np.where(finite, m - mean, 0.0)
        sd = np.sqrt((dev ** 2).sum(axis=0) / np.maximum(n - 1, 1))
    half = np.zeros_like(mean)
    many = n >= 2
    if many.any():
        from scipy.special import stdtrit

        half[many] = stdtrit(n[many] - 1, 0.5 + level / 2.0) * sd[many] / np.sqrt(n[many])
    return mean, mean - half, mean + half
