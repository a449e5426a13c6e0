"""Means and 95% confidence intervals over replications.

Unbounded outcomes get a Student t-interval (:func:`mean_ci`). Outcomes that are shares in [0, 1]
(failure rates, exposures, shares) get :func:`rate_ci`, an interval that never leaves [0, 1]: a
t-interval on a handful of replications of a rate near 0 or 1 would.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

LEVEL = 0.95


def t_quantile(df: int, level: float = LEVEL) -> float:
    """Two-sided Student t critical value for ``df`` degrees of freedom."""
    from scipy.special import stdtrit   # lazily, and not scipy.stats: much faster to import

    return float(stdtrit(df, 0.5 + level / 2.0))


def _normal_quantile(level: float = LEVEL) -> float:
    from scipy.special import ndtri

    return float(ndtri(0.5 + level / 2.0))


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


def rate_ci(values, totals=None, level: float = LEVEL) -> dict[str, float | int | None]:
    """Mean of per-replication shares in [0, 1] with an interval that stays within [0, 1].

    The mean of the replications' rates is the estimate (as for :func:`mean_ci`); its interval is a
    Wilson score interval at the *effective sample size* that the spread between replications
    implies, ``n_eff = p (1 - p) / var(mean)``, shrunk by ``(z / t_{R-1})^2`` for the few degrees of
    freedom (Korn & Graubard 1998, for proportions from clustered samples).
    ``totals`` (optional, one per replication) are the counts each rate is a share of, e.g. tasks
    ended: ``n_eff`` is capped at their sum, and when every replication gives the same rate (no
    spread) their sum is used. Without totals and without spread the interval collapses to the
    mean. Returns ``n, mean, sd, ci_low, ci_high`` like :func:`mean_ci`. Coverage is at or above the
    nominal level for binomial rates (``tests/test_outputs.py``).
    """
    x = np.asarray(values, dtype=np.float64)
    keep = np.isfinite(x)
    x = x[keep]
    n = int(x.size)
    if n < 2:
        return mean_ci(x, level)
    if np.any((x < 0.0) | (x > 1.0)):
        raise ValueError("rate_ci: values must be shares in [0, 1]")
    p = float(x.mean())
    sd = float(x.std(ddof=1))
    var_mean = sd * sd / n
    cap = None
    if totals is not None:
        cap = float(np.asarray(totals, dtype=np.float64)[keep].sum())
    z = _normal_quantile(level)
    if var_mean > 0.0:
        # degrees-of-freedom adjustment (Korn & Graubard): shrink n_eff by (z / t)^2, use z
        n_eff = p * (1.0 - p) / var_mean * (z / t_quantile(n - 1, level)) ** 2
        if cap is not None and cap > 0:
            n_eff = min(n_eff, cap)
    elif cap is not None and cap > 0:
        n_eff = cap
    else:
        return {"n": n, "mean": p, "sd": sd, "ci_low": p, "ci_high": p}
    if n_eff <= 0.0:           # p is exactly 0 or 1 with spread: impossible for shares; be safe
        return {"n": n, "mean": p, "sd": sd, "ci_low": p, "ci_high": p}
    z2 = z * z
    centre = (p + z2 / (2.0 * n_eff)) / (1.0 + z2 / n_eff)
    half = z / (1.0 + z2 / n_eff) * math.sqrt(p * (1.0 - p) / n_eff + z2 / (4.0 * n_eff * n_eff))
    # the Wilson interval contains p; min/max only absorb rounding at p = 0 or 1
    return {"n": n, "mean": p, "sd": sd, "ci_low": min(p, max(0.0, centre - half)),
            "ci_high": max(p, min(1.0, centre + half))}


def outcome_ci(per_replication: pd.DataFrame, name: str, level: float = LEVEL) -> dict:
    """The interval that suits outcome ``name``: :func:`rate_ci` for shares (with their
    denominator column when ``per_replication`` has it), :func:`mean_ci` otherwise."""
    from ..outcomes import SHARE_OUTCOMES

    if name in SHARE_OUTCOMES:
        total = SHARE_OUTCOMES[name]
        totals = per_replication[total] if total in per_replication else None
        return rate_ci(per_replication[name], totals, level)
    return mean_ci(per_replication[name], level)


def summary_table(per_replication: pd.DataFrame, outcomes, level: float = LEVEL) -> pd.DataFrame:
    """One row per outcome: ``outcome, n, mean, sd, ci_low, ci_high`` over the replications
    (shares get intervals within [0, 1]: see :func:`outcome_ci`)."""
    rows = [{"outcome": name, **outcome_ci(per_replication, name, level)} for name in outcomes]
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
