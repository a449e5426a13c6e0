"""Effects with 95% confidence intervals over paired replications, pooled and by variant.

Within a cell of the protocol (one organisation size, one seed family) every condition of a study
runs with the same replication seeds (common random numbers), so replication r of one condition is
paired with replication r of every other: an effect is computed per replication ("unit"), then
summarised by its mean and a t-interval over all units of all cells (pooled), and by its mean within
each variant (each seed family, each size). Pairing removes the variation between organisations
from the comparison: the standard variance-reduction device for simulation experiments.

A rate is missing (NaN) in a run where nothing it counts happened (no task ended, say). A unit whose
effect is missing is left out of that effect (``n`` counts the units that have one) and of its
variants' means.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..outputs import statistics


def mean_ci(values, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t-interval of paired per-replication values (NaN where unavailable);
    :func:`sim.outputs.statistics.mean_ci` as a tuple."""
    ci = statistics.mean_ci(values, level)
    return tuple(float("nan") if ci[key] is None else ci[key] for key in ("mean", "ci_low", "ci_high"))


def slopes(x, y_by_rep: np.ndarray) -> np.ndarray:
    """Least-squares slope of y on x within each replication (rows of ``y_by_rep``)."""
    x = np.asarray(x, dtype=float)
    xc = x - x.mean()
    y = np.asarray(y_by_rep, dtype=float)
    return (y - y.mean(axis=1, keepdims=True)) @ xc / (xc @ xc)


@dataclass(frozen=True)
class Effect:
    """A measured effect: pooled estimate with a 95% CI, the estimate in each variant, the rule,
    and whether it holds (pooled CI on the claimed side and every variant of the claimed sign)."""

    name: str
    estimate: float
    low: float
    high: float
    rule: str
    passed: bool
    n: int
    variants: dict[str, float] = field(default_factory=dict)
    pooled_passed: bool = False
    detail: dict = field(default_factory=dict)

    @property
    def variants_agreeing(self) -> tuple[int, int]:
        """(variants that agree with the claim, variants)."""
        return self.detail.get("agree", 0), len(self.variants)


def judge(name: str, per_unit: np.ndarray, groups: dict[str, np.ndarray], direction: str,
          rule: str, band: float | None = None, detail: dict | None = None) -> Effect:
    """Pool ``per_unit`` effects, estimate each variant (boolean masks in ``groups``), apply the rule.

    ``direction``: ``positive`` (CI above 0, variants > 0), ``negative`` (below), or ``near_zero``
    (CI within [-band, band], variants within it too).
    """
    e = np.asarray(per_unit, dtype=float)
    m, lo, hi = mean_ci(e)
    variants = {}
    for label, mask in groups.items():
        v = e[mask]
        v = v[np.isfinite(v)]
        variants[label] = float(v.mean()) if v.size else float("nan")
    vals = np.array(list(variants.values()), dtype=float)
    if direction == "positive":
        pooled, agree = bool(lo > 0), int(np.sum(vals > 0))
    elif direction == "negative":
        pooled, agree = bool(hi < 0), int(np.sum(vals < 0))
    else:
        pooled = bool(-band <= lo and hi <= band)
        agree = int(np.sum(np.abs(vals) <= band))
    passed = pooled and agree == len(vals)
    detail = {**(detail or {}), "agree": agree}
    if band is not None:
        detail["band"] = band
    return Effect(name, m, lo, hi, rule, passed, int(np.isfinite(e).sum()), variants, pooled, detail)
