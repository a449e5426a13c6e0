"""Parameter sweeps that scale from a laptop to a cluster: resumable, each run exactly once.

Python API::

    from sim.scenario import load_scenario
    from sim.sweep import grid_design, run_design, load_results

    base = load_scenario("scenarios/baseline.toml", n_hospitals=2, ticks=260)
    design = grid_design({"leadership_mix": [0.0, 0.5, 1.0], "management_support": [0.2, 0.8]})
    results = run_design(design, base, replications=3, out_dir="runs/mix", backend="processes")
    same = load_results("runs/mix")

Run ``i-r`` (point ``i``, replication ``r``) has seed
``SeedSequence(experiment_seed, spawn_key=(i, r))`` (63 bits), so results do not depend on the
backend, the number of workers or the order in which runs finish. Results stream to a Parquet
dataset in atomic chunks; ``resume=True`` runs only what is missing. See docs/SWEEPS.md.
"""

from .backends import BACKENDS, make_backend
from .cluster import ClusterConfigError, make_slurm_cluster, slurm_cluster_kwargs
from .design import DesignError, check_design, grid_design, lhs_design, table_design
from .experiment import Experiment, ExperimentError, load_experiment
from .report import write_report
from .runner import SweepStats, run_design
from .storage import SweepError, load_results
from .worker import run_id, run_seed


def run_experiment(experiment: Experiment, out_dir=None, **kwargs):
    """Run a loaded :class:`Experiment` with :func:`run_design` (keyword arguments passed on)."""
    kwargs.setdefault("cluster_config", experiment.cluster)
    return run_design(experiment.design, experiment.base, replications=experiment.replications,
                      outcomes=list(experiment.outcomes), out_dir=out_dir, seed=experiment.seed,
                      name=experiment.name, experiment_text=experiment.text, **kwargs)


__all__ = [
    "BACKENDS", "ClusterConfigError", "DesignError", "Experiment", "ExperimentError", "SweepError",
    "SweepStats", "check_design", "grid_design", "lhs_design", "load_experiment", "load_results",
    "make_backend", "make_slurm_cluster", "run_design", "run_experiment", "run_id", "run_seed",
    "slurm_cluster_kwargs", "table_design", "write_report",
]
