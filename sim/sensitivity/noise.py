"""Stochastic noise: average replications per sample point and measure how much is seed noise.

A stochastic model gives a different output for the same inputs and another seed. The harness runs
``replications`` seeds per sample point and analyses the mean over them. How much of the output
variation is seed noise is reported per outcome:

* ``noise_share_runs`` = mean within-point variance / total variance across all runs: the share of
  a single run's variance that is seed noise (0: deterministic; 1: inputs explain nothing);
* ``noise_share_means`` = (mean within-point variance / replications) / variance of the point
  means: the share of the variance of the *analysed* (averaged) output that is still noise. Noise
  acts like an extra input that no parameter owns: it lowers every first-order index and inflates
  confidence intervals, so a value above about 0.2 means more replications are needed.

Both need at least two replications at some point (NaN otherwise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .problem import SensitivityError

NOISE_WARN = 0.2


def point_means(runs: pd.DataFrame, outcomes: list[str], n_points: int) -> pd.DataFrame:
    """Mean of each outcome over a point's successful replications (rows = points 0..n-1).

    Runs whose ``error`` is set are left out; a point with no successful run is an error (the
    analysis needs every point of the design). A missing value (a rate without events) is left out
    of its point's mean; a point where every replication misses it gets NaN (see
    :func:`sim.sensitivity.study.analyse`).
    """
    ok = _ok(runs)
    means = ok.groupby("point")[outcomes].mean().reindex(range(n_points))   # NaN values left out
    counts = ok.groupby("point").size().reindex(range(n_points), fill_value=0)
    missing = counts.index[counts.to_numpy() == 0].tolist()
    if missing:
        errors = runs.loc[runs["point"].isin(missing[:3]), "error"].dropna().astype(str).unique()
        why = f" (e.g. {errors[0]})" if len(errors) else ""
        raise SensitivityError(
            f"{len(missing)} of {n_points} sample points have no successful run "
            f"(points {', '.join(map(str, missing[:5]))}{'...' if len(missing) > 5 else ''}){why}")
    means.insert(0, "replications", counts.to_numpy())
    means.index.name = "point"
    return means


def _ok(runs: pd.DataFrame) -> pd.DataFrame:
    if "error" in runs.columns:
        return runs[runs["error"].isna()]
    return runs


def noise_table(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Per outcome: total, within-point and between-point variance and the two noise shares."""
    ok = _ok(runs)
    reps = ok.groupby("point").size()
    rows = []
    for name in outcomes:
        y = ok[name].astype(float)
        total = float(y.var(ddof=1)) if len(y) > 1 else np.nan
        within_by_point = ok.groupby("point")[name].var(ddof=1)
        within = float(within_by_point[reps >= 2].mean()) if (reps >= 2).any() else np.nan
        means = ok.groupby("point")[name].mean()
        between = float(means.var(ddof=1)) if len(means) > 1 else np.nan
        r = float(reps.mean())
        rows.append({
            "outcome": name, "runs": int(len(y)), "mean_replications": r,
            "total_variance": total, "within_point_variance": within,
            "variance_of_point_means": between,
            "noise_share_runs": _share(within, total),
            "noise_share_means": _share(within / r if np.isfinite(within) else np.nan, between),
        })
    return pd.DataFrame(rows)


def _share(num: float, den: float) -> float:
    if not (np.isfinite(num) and np.isfinite(den)):
        return np.nan
    if den <= 0:
        return np.nan if num <= 0 else np.inf
    return num / den
