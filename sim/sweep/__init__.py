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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# Names are loaded on first use (PEP 562), so that worker processes, which only need
# :mod:`sim.sweep.worker`, do not import pyarrow, scipy or matplotlib.
_EXPORTS = {
    "BACKENDS": "backends", "make_backend": "backends",
    "ClusterConfigError": "cluster", "make_slurm_cluster": "cluster",
    "slurm_cluster_kwargs": "cluster",
    "DesignError": "design", "check_design": "design", "grid_design": "design",
    "lhs_design": "design", "table_design": "design",
    "Experiment": "experiment", "ExperimentError": "experiment", "load_experiment": "experiment",
    "write_report": "report",
    "SweepStats": "runner", "run_design": "runner", "run_experiment": "runner",
    "SweepError": "storage", "load_results": "storage",
    "run_id": "worker", "run_seed": "worker",
    "to_ema": "ema",
}

if TYPE_CHECKING:  # pragma: no cover
    from .backends import BACKENDS, make_backend
    from .cluster import ClusterConfigError, make_slurm_cluster, slurm_cluster_kwargs
    from .design import DesignError, check_design, grid_design, lhs_design, table_design
    from .experiment import Experiment, ExperimentError, load_experiment
    from .report import write_report
    from .runner import SweepStats, run_design, run_experiment
    from .storage import SweepError, load_results
    from .worker import run_id, run_seed
    from .ema import to_ema


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sim.sweep' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "BACKENDS", "ClusterConfigError", "DesignError", "Experiment", "ExperimentError", "SweepError",
    "SweepStats", "check_design", "grid_design", "lhs_design", "load_experiment", "load_results",
    "make_backend", "make_slurm_cluster", "run_design", "run_experiment", "run_id", "run_seed",
    "slurm_cluster_kwargs", "table_design", "to_ema", "write_report",
]
