"""leadsim: an agent-based model of concentrated and distributed leadership for quality
improvement in hospitals (Mesa + numba).

Quick start::

    from sim import Parameters, run_simulation
    results = run_simulation(Parameters(leadership_mix=0.5, n_hospitals=5, ticks=260))
    results.summary["improvement"]
"""

from .agents import Clinician, Coordinator, Manager, StaffMember
from .model import LeadershipModel
from .outcomes import SUMMARY_OUTCOMES, TIMESERIES_COLUMNS
from .parameters import PARAMETER_SPECS, HospitalOverride, ParameterError, Parameters
from .run import Results, run_simulation

__version__ = "0.1.0"

__all__ = [
    "Clinician", "Coordinator", "HospitalOverride", "LeadershipModel", "Manager", "PARAMETER_SPECS",
    "ParameterError", "Parameters", "Results", "SUMMARY_OUTCOMES", "StaffMember",
    "TIMESERIES_COLUMNS", "run_simulation", "__version__",
]
