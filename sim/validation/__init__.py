"""Validation against the claims register: the model reproduces the claims of the source papers.

    from sim.validation import load_studies, run_study
    results = [run_study(s, quick=True) for s in load_studies()]

Studies live in ``experiments/validation/*.toml`` and each tests one or more claims of
``docs/CLAIMS.md`` over the protocol of ``experiments/validation/protocol.toml`` (sizes x seed
families); ``leadsim validate`` runs them all and writes ``docs/VALIDATION.md``.
"""

from .analysis import ClaimResult, analyse, curves, evaluate_claim
from .effects import Effect, mean_ci
from .runner import StudyResult, run_study
from .studies import (ClaimSpec, EffectSpec, Protocol, Study, StudyError, load_protocol,
                      load_studies, load_study)

__all__ = ["ClaimResult", "ClaimSpec", "Effect", "EffectSpec", "Protocol", "Study", "StudyError",
           "StudyResult", "analyse", "curves", "evaluate_claim", "load_protocol", "load_studies",
           "load_study", "mean_ci", "run_study"]
