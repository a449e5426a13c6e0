"""Pattern-oriented validation: the model reproduces the patterns of the source papers (SF1-SF6).

    from sim.validation import load_studies, run_study
    results = [run_study(s, quick=True) for s in load_studies()]

Studies live in ``experiments/validation/*.toml``; ``leadsim validate`` runs them all and writes
``docs/VALIDATION.md``.
"""

from .analysis import analyse, curves
from .effects import Effect, mean_ci
from .runner import StudyResult, robustness_variants, run_study
from .studies import Study, StudyError, load_studies, load_study

__all__ = ["Effect", "Study", "StudyError", "StudyResult", "analyse", "curves", "load_studies",
           "load_study", "mean_ci", "robustness_variants", "run_study"]
