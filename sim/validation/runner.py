"""Run validation studies through the sweep engine (any backend, resumable).

A study runs once per seed family of its protocol: the design is its conditions times the protocol's
sizes, with the study's replications per cell and common random numbers (every condition and size
of a replication shares its seed), and family ``f`` uses the base scenario's seed plus the study's
``seed_offset`` plus ``f``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .analysis import ClaimResult, analyse
from .studies import SIZE, Study


@dataclass
class StudyResult:
    study: Study
    claims: list[ClaimResult]
    runs: pd.DataFrame
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(c.holds for c in self.claims)


def family_seed(study: Study, family: int) -> int:
    """Experiment seed of seed family ``family`` of ``study``."""
    return study.base().params.seed + study.seed_offset + family


def run_study(study: Study, *, quick: bool = False, out_dir: str | Path | None = None,
              backend: str = "processes", workers: int | None = None, scheduler: Any = None,
              cluster_config: dict | None = None, resume: bool = False,
              progress: bool = True, force: bool = False) -> StudyResult:
    """Run one study over every cell of its protocol and analyse its claims (``force``: run even
    if the size estimate says the runs need more memory than this machine has)."""
    import time

    from ..sweep import run_design

    if quick:
        study = study.quick_version()
    started = time.perf_counter()
    design = study.design()
    n_sizes = len(study.protocol.sizes)
    frames = []
    for family in range(study.protocol.families):
        folder = Path(out_dir) / study.name / f"family-{family}" if out_dir is not None else None
        runs = run_design(design, study.base(), replications=study.replications,
                          outcomes=study.outcomes(), out_dir=folder, backend=backend,
                          workers=workers, scheduler=scheduler, cluster_config=cluster_config,
                          resume=resume, seed=family_seed(study, family), progress=progress,
                          common_random_numbers=True, force=force,
                          name=f"validation {study.name} family {family}")
        runs = runs.assign(family=family, condition=runs["point"] // n_sizes)
        runs[SIZE] = runs[SIZE].astype(int)
        frames.append(runs)
    runs = pd.concat(frames, ignore_index=True)
    return StudyResult(study, analyse(study, runs), runs, time.perf_counter() - started)
