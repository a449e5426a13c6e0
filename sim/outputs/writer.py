"""Everything a ``leadsim run`` or ``leadsim compare`` folder holds.

Run folder::

    scenario.toml            the fully resolved scenario (``leadsim run scenario.toml`` reproduces)
    provenance.json          versions, seeds, command line, source files, git commit
    timeseries.parquet       per week, hospital and replication (column ``replication``)
    summary.csv              per outcome: n, mean, sd, 95% CI over replications
    replications.csv         per replication: seed and every summary outcome
    hospitals.csv            per replication and hospital: every summary outcome
    summary.json             the same summaries in one JSON document
    figures/*.png            outcomes over time, who leads, one hospital's organisation

A comparison folder holds the same tables with a ``scenario`` column, ``scenarios/<name>.toml``,
and ``figures/comparison.png``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..outcomes import SUMMARY_OUTCOMES
from ..scenario import scenario_to_toml
from .replications import ScenarioRun


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars made Python and NaN/inf made ``None`` (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(document: dict[str, Any]) -> str:
    """Strict JSON text (no NaN), indented."""
    return json.dumps(jsonable(document), indent=2, allow_nan=False)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [jsonable(r) for r in frame.astype(object).where(frame.notna(), None).to_dict("records")]


def run_document(run: ScenarioRun, out: Path | None = None) -> dict[str, Any]:
    """The summary of one scenario's run as a JSON-ready mapping."""
    s = run.scenario
    summary = run.summary()
    return jsonable({
        "scenario": s.name,
        "description": s.description,
        "out": str(out) if out is not None else None,
        "seed": s.params.seed,
        "replications": s.replications,
        "replication_seeds": run.seeds,
        "n_hospitals": s.params.n_hospitals,
        "ticks": s.params.ticks,
        "confidence_level": 0.95,
        "outcomes": {r.pop("outcome"): r for r in _records(summary)},
        "per_replication": _records(run.per_replication()),
    })


def write_json(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(dumps(document) + "\n", encoding="utf-8")
    return path


def write_tables(folder: Path, runs: Sequence[ScenarioRun], labels: Sequence[str] | None) -> None:
    """Time series (Parquet) and the summary tables (CSV); a ``scenario`` column when ``labels``."""
    def tagged(frames):
        if labels is None:
            return frames[0]
        return pd.concat([f.assign(scenario=lab)[["scenario", *f.columns]]
                          for lab, f in zip(labels, frames)], ignore_index=True)

    tagged([r.timeseries() for r in runs]).to_parquet(folder / "timeseries.parquet", index=False)
    tagged([r.summary() for r in runs]).to_csv(folder / "summary.csv", index=False)
    tagged([r.per_replication() for r in runs]).to_csv(folder / "replications.csv", index=False)
    tagged([r.hospitals() for r in runs]).to_csv(folder / "hospitals.csv", index=False)


def write_run(folder: Path, run: ScenarioRun, provenance: dict[str, Any], out: Path,
              figures: bool = True) -> dict[str, Any]:
    """Write one scenario's run into ``folder`` (the temporary folder; ``out`` is its final
    name, recorded in the JSON); return the summary document."""
    (folder / "scenario.toml").write_text(scenario_to_toml(run.scenario), encoding="utf-8")
    write_json(folder / "provenance.json", provenance)
    write_tables(folder, [run], None)
    document = run_document(run, out)
    write_json(folder / "summary.json", document)
    if figures:
        write_run_figures(folder / "figures", run)
    return document


def write_run_figures(folder: Path, run: ScenarioRun) -> list[Path]:
    """The figures of one scenario's run."""
    from . import figures as fig

    folder.mkdir(exist_ok=True)
    name = run.scenario.name
    staff = run.scenario.params.hospital_values("staff_per_hospital")
    ts = run.timeseries()
    paths = [fig.outcomes_over_time(ts, staff, folder / "outcomes_over_time.png", name),
             fig.who_leads(ts, folder / "who_leads.png", name)]
    if run.organisation is not None:
        h = run.organisation.hospital
        paths.append(fig.organisation(run.organisation, folder / f"organisation_hospital_{h}.png",
                                      name))
    return paths


def unique_labels(names: Sequence[str]) -> list[str]:
    """Scenario names, made unique with ``-2``, ``-3``... when two scenarios share a name."""
    labels, seen = [], {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        labels.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return labels


def scenario_file(label: str) -> Path:
    """Where a comparison folder keeps the resolved scenario of ``label`` (relative path)."""
    from .folder import slug

    return Path("scenarios") / f"{slug(label)}.toml"


def comparison_document(runs: Sequence[ScenarioRun], labels: Sequence[str],
                        out: Path | None = None) -> dict[str, Any]:
    """Summaries of several scenarios as a JSON-ready mapping."""
    docs = []
    for label, run in zip(labels, runs):
        d = run_document(run)
        d.pop("out")
        docs.append({"label": label, **d})
    return {"out": str(out) if out is not None else None, "confidence_level": 0.95,
            "scenarios": docs}


def write_comparison(folder: Path, runs: Sequence[ScenarioRun], provenance: dict[str, Any],
                     out: Path, figures: bool = True) -> dict[str, Any]:
    """Write a comparison of several scenarios into ``folder``; return the summary document."""
    labels = unique_labels([r.scenario.name for r in runs])
    (folder / "scenarios").mkdir()
    for label, run in zip(labels, runs):
        (folder / scenario_file(label)).write_text(scenario_to_toml(run.scenario),
                                                                  encoding="utf-8")
    write_json(folder / "provenance.json", provenance)
    write_tables(folder, runs, labels)
    document = comparison_document(runs, labels, out)
    write_json(folder / "summary.json", document)
    if figures:
        from . import figures as fig

        (folder / "figures").mkdir()
        fig.comparison({lab: r.summary() for lab, r in zip(labels, runs)},
                       folder / "figures" / "comparison.png", SUMMARY_OUTCOMES)
    return document
