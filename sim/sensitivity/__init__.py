"""Global sensitivity analysis of the model (and of any function) with SALib.

Generic core: a :class:`Problem` (factors and bounds; for the model generated from
:data:`sim.parameters.PARAMETER_SPECS`), a method (:class:`Sobol`, :class:`Morris`, :class:`Pawn`,
:class:`RbdFast`; :class:`SobolEmulator` for Sobol' indices through a Gaussian-process
emulator), a :class:`Study` and an evaluator (:class:`FunctionEvaluator` for any Python
function, :class:`ModelEvaluator` for the model through the sweep engine). :func:`run_study` samples,
evaluates, averages replications, analyses every outcome at nested sample sizes (convergence) and
measures seed noise; :meth:`StudyResult.write` stores tables and figures. Experiment files
(:func:`load_experiment`) drive the ``leadsim sensitivity`` command. See ``docs/SENSITIVITY.md``.
"""

from .convergence import settle
from .emulator import SobolEmulator
from .evaluators import DEFAULT_OUTCOMES, FunctionEvaluator, ModelEvaluator, check_base
from .methods import METHODS, Method, Morris, Pawn, RbdFast, Sobol, make_method
from .noise import noise_table, point_means
from .problem import Factor, Problem, SensitivityError, model_factor, sensitivity_parameters
from .methods import salib_seed
from .study import SalibSample, Study, StudyResult, analyse, run_study, study_sample

__all__ = [
    "DEFAULT_OUTCOMES", "METHODS", "Factor", "FunctionEvaluator", "Method", "ModelEvaluator",
    "Morris", "Pawn", "Problem", "RbdFast", "SalibSample", "SensitivityError", "Sobol",
    "SobolEmulator", "Study", "StudyResult", "analyse", "check_base", "make_method", "model_factor",
    "noise_table", "point_means", "run_study", "salib_seed", "sensitivity_parameters", "settle", "study_sample",
]
