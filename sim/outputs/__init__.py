"""What a run leaves behind: replications run in parallel, summaries with confidence intervals,
figures, provenance, and the run folder that holds them (written atomically).

* :mod:`~sim.outputs.replications`: run a scenario's replications (local processes) -> ScenarioRun;
* :mod:`~sim.outputs.statistics`: mean and 95% t-interval over replications;
* :mod:`~sim.outputs.organisation`: a snapshot of one hospital's organisation at the end of a run;
* :mod:`~sim.outputs.figures`: PNG figures (matplotlib, Agg backend);
* :mod:`~sim.outputs.provenance`: versions, seeds, command line, source files of a run;
* :mod:`~sim.outputs.folder`: run-folder naming and atomic writing;
* :mod:`~sim.outputs.writer`: everything a ``leadsim run`` / ``leadsim compare`` folder holds;
* :mod:`~sim.outputs.console`: progress bar and summary tables for the terminal.
"""

from .replications import ScenarioRun, run_scenario, run_scenarios
from .statistics import mean_ci, summary_table

__all__ = ["ScenarioRun", "mean_ci", "run_scenario", "run_scenarios", "summary_table"]
