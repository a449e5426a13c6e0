"""Turn a study's runs into effects with confidence intervals and pass/fail verdicts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .effects import Effect, interior_optimum, negative, positive, slopes, within
from .studies import Study, StudyError


def outcome_matrix(study: Study, runs: pd.DataFrame, outcome: str) -> np.ndarray:
    """replications x conditions matrix of ``outcome`` (conditions in the study's row order)."""
    table = runs.pivot(index="replication", columns="point", values=outcome)
    return table.reindex(columns=range(len(study.conditions))).to_numpy(dtype=float)


def _points(study: Study, where: dict) -> np.ndarray:
    mask = np.ones(len(study.conditions), bool)
    for key, value in where.items():
        if key not in study.conditions:
            raise StudyError(f"{study.path}: 'test.where.{key}': not a condition column")
        mask &= np.isclose(study.conditions[key].to_numpy(dtype=float), float(value))
    return np.flatnonzero(mask)


def _point(study: Study, **values) -> int:
    points = _points(study, values)
    if points.size != 1:
        raise StudyError(f"{study.path}: 'test': {values} matches {points.size} conditions, need 1")
    return int(points[0])


def _label_point(study: Study, label: str) -> int:
    if "label" not in study.conditions:
        raise StudyError(f"{study.path}: 'test.compare': conditions have no labels")
    hits = np.flatnonzero(study.conditions["label"].to_numpy() == label)
    if hits.size != 1:
        raise StudyError(f"{study.path}: 'test.compare': no single condition labelled {label!r}")
    return int(hits[0])


def analyse(study: Study, runs: pd.DataFrame) -> tuple[list[Effect], dict]:
    """Effects of ``study`` from its runs (one row per run), and details for the report."""
    ok = runs[runs["error"].isna()] if "error" in runs else runs
    test = study.test
    y = outcome_matrix(study, ok, study.outcome)
    if study.kind == "interior_optimum":
        param = test["parameter"]
        points = _points(study, test.get("where", {}))
        order = points[np.argsort(study.conditions[param].to_numpy(dtype=float)[points])]
        levels = study.conditions[param].to_numpy(dtype=float)[order]
        low, high, detail = interior_optimum(levels, y[:, order], tuple(test["interior"]))
        passed = detail["overall_best_interior"]
        low = Effect(low.name, low.estimate, low.low, low.high, low.rule, low.passed and passed, low.n,
                     detail)
        high = Effect(high.name, high.estimate, high.low, high.high, high.rule,
                      high.passed and passed, high.n, detail)
        return [low, high], detail
    if study.kind == "slope":
        param = test["parameter"]
        points = _points(study, test.get("where", {}))
        x = study.conditions[param].to_numpy(dtype=float)[points]
        per_rep = slopes(x, y[:, points])
        name = f"slope of {study.outcome} per unit {param}"
        effect = positive(name, per_rep) if test.get("direction", "positive") == "positive" \
            else negative(name, per_rep)
        return [effect], {}
    if study.kind == "difference":
        a, b = (_label_point(study, lab) for lab in test["compare"])
        effects = []
        for outcome, direction in test["outcomes"].items():
            m = outcome_matrix(study, ok, outcome)
            diff = m[:, a] - m[:, b]
            name = f"{outcome}: {test['compare'][0]} - {test['compare'][1]}"
            effects.append(positive(name, diff) if direction == "positive" else negative(name, diff))
        return effects, {}
    if study.kind == "interaction":
        f, mod = test["factor"], test["moderator"]

        def gain(level):
            to = _point(study, **{f["parameter"]: f["to"], mod["parameter"]: level})
            frm = _point(study, **{f["parameter"]: f["from"], mod["parameter"]: level})
            return y[:, to] - y[:, frm]

        g_low, g_high = gain(mod["low"]), gain(mod["high"])
        what = f"{study.outcome} gain from {f['parameter']} {f['from']:g}->{f['to']:g}"
        effects = []
        checks = test.get("checks", ["gain_at_high_positive", "interaction_positive"])
        if "gain_at_high_positive" in checks:
            effects.append(positive(f"{what} at {mod['parameter']} {mod['high']:g}", g_high))
        if "interaction_positive" in checks:
            effects.append(positive(f"interaction: that gain at {mod['parameter']} {mod['high']:g} "
                                    f"minus at {mod['low']:g}", g_high - g_low))
        if "gain_at_low_near_zero" in checks:
            share = float(test.get("near_zero_share", 0.1))
            top = _point(study, **{f["parameter"]: f["to"], mod["parameter"]: mod["high"]})
            bound = share * float(np.nanmean(y[:, top]))
            effects.append(within(f"{what} at {mod['parameter']} {mod['low']:g}", g_low, bound,
                                  f"95% CI within +/-{share:g} x the improvement at high "
                                  f"{mod['parameter']} ({bound:.3g})"))
        if "gain_at_low_positive" in checks:
            effects.append(positive(f"{what} at {mod['parameter']} {mod['low']:g}", g_low))
        return effects, {}
    raise StudyError(f"{study.path}: 'kind': {study.kind!r} unknown")


def curves(study: Study, runs: pd.DataFrame, outcome: str | None = None) -> pd.DataFrame:
    """Mean and 95% CI of an outcome per condition (for figures)."""
    from .effects import mean_ci

    outcome = outcome or study.outcome
    ok = runs[runs["error"].isna()] if "error" in runs else runs
    m = outcome_matrix(study, ok, outcome)
    rows = []
    for point in range(len(study.conditions)):
        mean, lo, hi = mean_ci(m[:, point])
        rows.append({**study.conditions.iloc[point].to_dict(), "mean": mean, "low": lo, "high": hi})
    return pd.DataFrame(rows)
