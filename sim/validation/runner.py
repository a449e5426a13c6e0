"""Run validation studies through the sweep engine (any backend, resumable)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from .analysis import analyse
from .effects import Effect
from .studies import Study


@dataclass
class StudyResult:
    study: Study
    effects: list[Effect]
    runs: pd.DataFrame
    detail: dict = field(default_factory=dict)
    variant: str = "main"

    @property
    def passed(self) -> bool:
        return all(e.passed for e in self.effects)


def robustness_variants(study: Study) -> list[tuple[str, dict[str, Any], int]]:
    """(label, parameter changes, seed offset) of the robustness re-checks of a study.

    They are run on the study's quick version (its test conditions, fewer replications) at the full
    study's horizon, with the organisation size or seeds changed.
    """
    base = study.base().params
    return [
        ("half-size hospitals", {"staff_per_hospital": max(60, base.staff_per_hospital // 2)}, 0),
        ("twice the hospitals", {"n_hospitals": base.n_hospitals * 2}, 0),
        ("other seeds", {}, 1),
    ]


def run_study(study: Study, *, quick: bool = False, out_dir: str | Path | None = None,
              backend: str = "processes", workers: int | None = None, scheduler: str | None = None,
              cluster_config: dict | None = None, resume: bool = False, progress: bool = True,
              changes: dict[str, Any] | None = None, seed_offset: int = 0,
              variant: str = "main", force: bool = False) -> StudyResult:
    """Run one study (or a robustness variant of it) and analyse it (``force``: run even if the
    size estimate says the runs need more memory than this machine has)."""
    from ..sweep import run_design

    if quick:
        study = study.quick_version()
    base = study.base(changes)
    seed = base.params.seed + seed_offset
    folder = None
    if out_dir is not None:
        slug = variant.replace(" ", "-")
        folder = Path(out_dir) / f"{study.pattern}-{slug}"
    runs = run_design(study.design(), base, replications=study.replications,
                      outcomes=study.outcomes(), out_dir=folder, backend=backend, workers=workers,
                      scheduler=scheduler, cluster_config=cluster_config, resume=resume, seed=seed,
                      progress=progress, common_random_numbers=True,
                      name=f"validation {study.pattern} {variant}", force=force)
    effects, detail = analyse(study, runs)
    return StudyResult(study, effects, runs, detail, variant)


def region_of_sf1(result: StudyResult) -> list[tuple[float, list[Effect]]]:
    """The interior-optimum test repeated at every level of management support in the SF1 study."""
    study = result.study
    if study.kind != "interior_optimum" or "management_support" not in study.conditions:
        return []
    out = []
    for level in sorted(set(study.conditions["management_support"])):
        test = {**study.test, "where": {**study.test.get("where", {}), "management_support": level}}
        effects, _ = analyse(replace(study, test=test), result.runs)
        out.append((float(level), effects))
    return out
