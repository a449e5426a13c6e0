"""Turn a study's runs into its claims' effects, verdicts and boundary conditions.

``runs`` has one row per run with ``family``, ``condition``, ``staff_per_hospital`` (the size),
``replication`` and the outcomes. A *unit* is one replication of one cell (family, size): the rows
of the paired table below; its columns are the study's conditions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .effects import Effect, judge, mean_ci, slopes
from .studies import SIZE, ClaimSpec, EffectSpec, Study, StudyError

HOLDS = "holds"
FAILS = "fails"


@dataclass(frozen=True)
class ClaimResult:
    """A claim's effects over the whole protocol, and its status."""

    spec: ClaimSpec
    effects: list[Effect]
    status: str                       # "holds", "holds within <region>", "fails"
    region_effects: list[Effect] | None = None

    @property
    def holds(self) -> bool:
        return self.status != FAILS


def paired_table(study: Study, runs: pd.DataFrame, outcome: str) -> tuple[np.ndarray, pd.DataFrame]:
    """(units x conditions matrix of ``outcome``, the units' family, size and replication)."""
    ok = runs[runs["error"].isna()] if "error" in runs else runs
    table = ok.pivot_table(index=["family", SIZE, "replication"], columns="condition",
                           values=outcome, aggfunc="first", dropna=False)
    table = table.reindex(columns=range(len(study.conditions)))
    units = table.index.to_frame(index=False)
    return table.to_numpy(dtype=float), units


def _match(study: Study, selector: dict, where: str) -> np.ndarray:
    cond = study.conditions
    mask = np.ones(len(cond), bool)
    for key, value in selector.items():
        column = cond[key].to_numpy()
        mask &= (column == value) if key == "label" else np.isclose(column.astype(float), float(value))
    return np.flatnonzero(mask)


def _one(study: Study, selector: dict, where: str) -> int:
    hits = _match(study, selector, where)
    if hits.size != 1:
        raise StudyError(f"{study.path}: {where}: {selector} matches {hits.size} conditions, need 1")
    return int(hits[0])


def _values(y: np.ndarray, spec: EffectSpec) -> np.ndarray:
    if spec.settings.get("scale") == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(y > 0, np.log(np.where(y > 0, y, 1.0)), np.nan)
    return y


def per_unit_effect(study: Study, spec: EffectSpec, y: np.ndarray) -> np.ndarray:
    """The effect of ``spec`` in each unit (row of ``y``); NaN where it cannot be computed."""
    s = spec.settings
    y = _values(y, spec)
    if spec.type == "slope":
        points = _match(study, s.get("where", {}), "slope.where")
        x = study.conditions[s["parameter"]].to_numpy(dtype=float)[points]
        if np.unique(x).size < 2:
            raise StudyError(f"{study.path}: slope on {s['parameter']}: needs two levels or more")
        return slopes(x, y[:, points])
    if spec.type == "difference":
        a, b = _one(study, s["a"], "a"), _one(study, s["b"], "b")
        return y[:, a] - float(s.get("b_scale", 1.0)) * y[:, b]

    def gain(at: dict) -> np.ndarray:
        f = s["factor"]
        to = _one(study, {**at, f["parameter"]: f["to"]}, "factor.to")
        frm = _one(study, {**at, f["parameter"]: f["from"]}, "factor.from")
        return y[:, to] - y[:, frm]

    if spec.type == "gain":
        return gain(s.get("at", {}))
    if spec.type == "interaction":
        m = s["moderator"]
        at = s.get("at", {})
        return gain({**at, m["parameter"]: m["high"]}) - gain({**at, m["parameter"]: m["low"]})
    raise StudyError(f"{study.path}: effect type {spec.type!r} has no per-unit form")


def _groups(units: pd.DataFrame) -> dict[str, np.ndarray]:
    groups = {f"family {int(f)}": (units["family"] == f).to_numpy()
              for f in sorted(units["family"].unique())}
    groups.update({f"{int(s)} staff": (units[SIZE] == s).to_numpy()
                   for s in sorted(units[SIZE].unique())})
    return groups


def _interior_optimum(study: Study, spec: EffectSpec, y: np.ndarray, units: pd.DataFrame) -> Effect:
    """Best interior level chosen on odd replications, its edge over a pole on even ones."""
    s = spec.settings
    points = _match(study, s.get("where", {}), "where")
    levels = study.conditions[s["parameter"]].to_numpy(dtype=float)[points]
    order = np.argsort(levels)
    points, levels = points[order], levels[order]
    lo, hi = s["interior"]
    inner = np.flatnonzero((levels >= lo) & (levels <= hi))
    odd = (units["replication"] % 2 == 1).to_numpy()
    sel = y[odd][:, points]
    best = int(inner[np.nanargmax(np.nanmean(sel[:, inner], axis=0))])
    overall = int(np.nanargmax(np.nanmean(y[:, points], axis=0)))
    pole = 0 if s["pole"] == "low" else len(points) - 1
    est = ~odd
    e = y[est][:, points[best]] - y[est][:, points[pole]]
    groups = {k: v[est] for k, v in _groups(units).items()}
    detail = {"best_level": float(levels[best]), "overall_best_level": float(levels[overall])}
    effect = judge(spec.label, e, groups, "positive",
                   f"best level (chosen on odd replications) in [{lo:g}, {hi:g}] above the pole "
                   "on even replications; overall best level interior", detail=detail)
    interior_ok = lo <= levels[overall] <= hi
    if not interior_ok:
        effect = Effect(effect.name, effect.estimate, effect.low, effect.high, effect.rule, False,
                        effect.n, effect.variants, effect.pooled_passed, effect.detail)
    return effect


def evaluate_effect(study: Study, spec: EffectSpec, runs: pd.DataFrame) -> Effect:
    y, units = paired_table(study, runs, spec.outcome)
    if spec.type == "interior_optimum":
        return _interior_optimum(study, spec, y, units)
    e = per_unit_effect(study, spec, y)
    band = None
    if spec.direction == "near_zero":
        of = _one(study, spec.settings["band"]["of"], "band.of")
        band = float(spec.settings["band"]["share"]) * float(np.nanmean(_values(y, spec)[:, of]))
    return judge(spec.label, e, _groups(units), spec.direction, spec.rule, band)


def region_sizes(study: Study) -> tuple[int, ...] | None:
    """The sizes of the boundary region a failing claim may still hold in: all but the smallest,
    when that keeps the default (200 staff) and at least half of the size range."""
    sizes = sorted(study.protocol.sizes)
    if len(sizes) < 3:
        return None
    region = sizes[1:]
    span, kept = sizes[-1] - sizes[0], region[-1] - region[0]
    return tuple(region) if 200 in region and kept * 2 >= span else None


def evaluate_claim(study: Study, claim: ClaimSpec, runs: pd.DataFrame) -> ClaimResult:
    """Every effect of ``claim``; its status over the whole protocol, or within the size region."""
    effects = [evaluate_effect(study, e, runs) for e in claim.effects]
    if all(e.passed for e in effects):
        return ClaimResult(claim, effects, HOLDS)
    region = region_sizes(study)
    if region is not None:
        sub = runs[runs[SIZE].isin(region)]
        region_effects = [evaluate_effect(study, e, sub) for e in claim.effects]
        if all(e.passed for e in region_effects):
            return ClaimResult(claim, effects, f"holds within {region[0]}-{region[-1]} staff",
                               region_effects)
    return ClaimResult(claim, effects, FAILS)


def analyse(study: Study, runs: pd.DataFrame) -> list[ClaimResult]:
    """Results of every claim of ``study``."""
    return [evaluate_claim(study, c, runs) for c in study.claims]


def curves(study: Study, runs: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Mean and 95% CI of an outcome per condition and size (pooled over families), for figures."""
    ok = runs[runs["error"].isna()] if "error" in runs else runs
    rows = []
    for (cond, size), group in ok.groupby(["condition", SIZE]):
        mean, lo, hi = mean_ci(group[outcome])
        rows.append({**study.conditions.iloc[int(cond)].to_dict(), "condition": int(cond),
                     SIZE: int(size), "mean": mean, "low": lo, "high": hi})
    return pd.DataFrame(rows)
