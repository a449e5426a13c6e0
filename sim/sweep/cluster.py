"""Settings of the ``[cluster]`` table and the SLURM cluster built from them (dask-jobqueue).

A SLURM job runs ``processes`` Dask workers on ``cores`` cores for at most ``walltime``. So that the
walltime limit does not kill runs mid-way, every worker gets a *lifetime* shorter than the walltime
(``--lifetime``, ``--lifetime-stagger`` passed through ``worker_extra_args``): it stops taking new
runs, hands back what it holds and leaves before SLURM kills the job, and the cluster is *adaptive*
(``cluster.adapt``) so that jobs which end are replaced by fresh ones. A run lost anyway (node
failure, preemption, ``scancel``) is retried on another worker (Dask ``retries``).

Workers share one numba cache folder (``numba_cache_dir``, exported as ``NUMBA_CACHE_DIR`` in the
job script), so only the first worker to use it compiles the model's kernels and every later one
loads them. A worker whose scheduler is gone (the sweep's process was killed) leaves after
``death_timeout`` seconds, ending its job. How the running jobs are watched (a job SLURM refuses,
jobs that never start) is in :mod:`sim.sweep.slurm`.

Defaults for any key not given here come from Dask's own configuration (e.g.
``~/.config/dask/jobqueue.yaml``, section ``jobqueue.slurm``) and then from dask-jobqueue.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..parameters import as_bool, as_int

#: Allowed keys of ``[cluster]``: name -> (type, meaning). Types: int, str, bool, list (of str).
CLUSTER_KEYS: dict[str, tuple[type, str]] = {
    "workers": (int, "worker processes for local backends (default: all cores)"),
    "retries": (int, "times a run lost with its worker is retried elsewhere (default 3)"),
    "connect_timeout": (int, "seconds to wait for a Dask scheduler (--scheduler; default 30)"),
    "queue": (str, "SLURM partition (#SBATCH -p)"),
    "job_name": (str, "name of the worker jobs in squeue (#SBATCH -J; default 'leadsim-worker')"),
    "account": (str, "SLURM account (#SBATCH -A)"),
    "cores": (int, "cores per job (default 1)"),
    "processes": (int, "worker processes per job (default: cores; one run per process)"),
    "memory": (str, "memory per job, e.g. '8GB' (default 2GB per process)"),
    "walltime": (str, "walltime per job, e.g. '02:00:00' or '1-00:00:00' (default 01:00:00)"),
    "jobs": (int, "jobs to keep running (default 1)"),
    "minimum_jobs": (int, "fewest jobs the adaptive cluster keeps (default: jobs)"),
    "adapt": (bool, "adaptive cluster, replaces jobs that end (default true)"),
    "lifetime": (str, "worker lifetime, e.g. '50m' (default: derived from walltime)"),
    "lifetime_stagger": (str, "random +/- spread of lifetimes, e.g. '3m' (default: derived)"),
    "lifetime_restart": (bool, "restart a worker in its job when its lifetime ends "
                               "(default false)"),
    "job_extra_directives": (list, "extra #SBATCH lines, e.g. ['--qos=normal']"),
    "job_script_prologue": (list, "shell lines before the worker starts, "
                                  "e.g. ['source venv/bin/activate']"),
    "local_directory": (str, "worker scratch folder, e.g. '$TMPDIR'"),
    "log_directory": (str, "folder for the jobs' stdout/stderr"),
    "interface": (str, "network interface, e.g. 'ib0'"),
    "python": (str, "Python executable on the compute nodes (default: this one)"),
    "dashboard_address": (str, "scheduler dashboard address (default 'localhost:8787')"),
    "start_timeout": (int, "seconds to wait for a worker job to start before giving up with one "
                           "line, also whenever no worker is left (default 3600; 0: no limit)"),
    "death_timeout": (int, "seconds a worker whose sweep process is gone waits before its job "
                           "ends (default 60)"),
    "numba_cache_dir": (str, "folder of the compiled model code shared by the workers, on a file "
                             "system they all see (default ~/.cache/leadsim/numba)"),
}
DEFAULT_WALLTIME = "01:00:00"
DEFAULT_START_TIMEOUT = 3600
DEFAULT_DEATH_TIMEOUT = 60
DEFAULT_NUMBA_CACHE_DIR = "~/.cache/leadsim/numba"
_WALLTIME_RE = re.compile(r"^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$")


class ClusterConfigError(ValueError):
    """A ``[cluster]`` setting that is not allowed; the message names the key."""


def check_cluster_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate a ``[cluster]`` mapping; return a plain dict (raise :class:`ClusterConfigError`)."""
    if config is None:
        return {}
    if not isinstance(config, Mapping):
        raise ClusterConfigError(f"'cluster': expected a table of settings, got {config!r}")
    out: dict[str, Any] = {}
    for key, value in config.items():
        if key not in CLUSTER_KEYS:
            raise ClusterConfigError(f"'cluster.{key}': unknown setting; allowed: "
                                     f"{', '.join(CLUSTER_KEYS)}")
        kind, meaning = CLUSTER_KEYS[key]
        if kind is int and as_int(value) is not None:          # numpy integers and booleans too
            value = as_int(value)
        elif kind is bool and as_bool(value) is not None:
            value = as_bool(value)
        ok = (isinstance(value, list) and all(isinstance(v, str) for v in value)) if kind is list \
            else (isinstance(value, kind) and (kind is bool or not isinstance(value, bool)))
        if not ok:
            raise ClusterConfigError(f"'cluster.{key}': expected {kind.__name__} ({meaning}), "
                                     f"got {value!r}")
        if kind is int and value < (0 if key in ("retries", "minimum_jobs", "start_timeout")
                                    else 1):
            raise ClusterConfigError(f"'cluster.{key}': expected a positive integer, got {value}")
        out[key] = value
    if "walltime" in out:
        walltime_seconds(out["walltime"])
    for key in ("lifetime", "lifetime_stagger"):
        if key in out:
            duration_seconds(out[key], f"cluster.{key}")
    if out.get("minimum_jobs", 0) > out.get("jobs", max(out.get("minimum_jobs", 0), 1)):
        raise ClusterConfigError(f"'cluster.minimum_jobs': {out['minimum_jobs']} is more than "
                                 f"'jobs' ({out.get('jobs', 1)})")
    return out


def load_cluster_config(path: str | Path) -> dict[str, Any]:
    """The ``[cluster]`` table of a TOML file (a site's settings, or any experiment file), checked.

    Errors raise :class:`ClusterConfigError` with one line naming the file and the key.
    """
    from ..tomlfile import read_toml

    path = Path(path)
    raw, _ = read_toml(path, ClusterConfigError, "cluster settings")
    if "cluster" not in raw:
        raise ClusterConfigError(f"{path}: 'cluster': missing; the settings go in a [cluster] "
                                 f"table (see docs/SWEEPS.md)")
    try:
        return check_cluster_config(raw["cluster"])
    except ClusterConfigError as err:
        raise ClusterConfigError(f"{path}: {err}") from None


def merge_cluster_config(base: Mapping[str, Any] | None,
                         override: Mapping[str, Any] | None) -> dict[str, Any]:
    """``base`` (e.g. an experiment's ``[cluster]``) with the keys of ``override`` replacing its own
    (e.g. a site file given with ``--cluster-config``), checked."""
    return check_cluster_config({**(base or {}), **(override or {})})


def numba_cache_dir(config: Mapping[str, Any]) -> str:
    """The workers' numba cache folder: absolute, ``~`` and ``$VARS`` expanded on this machine."""
    folder = os.path.expandvars(os.path.expanduser(config.get("numba_cache_dir",
                                                              DEFAULT_NUMBA_CACHE_DIR)))
    return str(Path(folder).absolute())


def walltime_seconds(text: str) -> int:
    """Seconds in a SLURM walltime (``MM``, ``HH:MM:SS``, ``D-HH:MM:SS``, ``D-HH``, ...)."""
    m = _WALLTIME_RE.match(text.strip())
    if not m:
        raise ClusterConfigError(f"'cluster.walltime': expected a SLURM time such as '02:00:00' or "
                                 f"'1-12:00:00', got {text!r}")
    days, a, b, c = m.groups()
    nums = [int(x) for x in (a, b, c) if x is not None]
    if days is not None:                      # D-HH[:MM[:SS]]
        h, mi, s = (nums + [0, 0])[:3]
        return int(days) * 86400 + h * 3600 + mi * 60 + s
    if len(nums) == 1:                        # MM
        return nums[0] * 60
    if len(nums) == 2:                        # MM:SS
        return nums[0] * 60 + nums[1]
    return nums[0] * 3600 + nums[1] * 60 + nums[2]


def duration_seconds(text: str, key: str) -> float:
    """Seconds in a Dask duration such as ``'50m'``, ``'3000s'`` or ``'1h'``."""
    from dask.utils import parse_timedelta

    try:
        seconds = parse_timedelta(text, default="s")
    except (ValueError, KeyError, TypeError):
        seconds = None
    if seconds is None or seconds <= 0:
        raise ClusterConfigError(f"'{key}': expected a duration such as '50m' or '3000s', "
                                 f"got {text!r}")
    return float(seconds)


def worker_lifetime(config: Mapping[str, Any]) -> tuple[str, str]:
    """``(lifetime, stagger)`` for the workers: given, or derived from the walltime.

    Derived: stagger = min(5 min, 5% of walltime); lifetime = walltime - stagger - max(2 min, 10%
    of walltime), so that even the latest worker (lifetime + stagger) leaves with a margin of at
    least 2 minutes to hand back its runs before SLURM ends the job.
    """
    wall = walltime_seconds(config.get("walltime", DEFAULT_WALLTIME))
    stagger = int(duration_seconds(config["lifetime_stagger"], "cluster.lifetime_stagger")) \
        if "lifetime_stagger" in config else int(min(300, 0.05 * wall))
    if "lifetime" in config:
        lifetime = int(duration_seconds(config["lifetime"], "cluster.lifetime"))
    else:
        lifetime = int(wall - stagger - max(120, 0.1 * wall))
    if lifetime <= 0 or lifetime + stagger >= wall:
        raise ClusterConfigError(
            f"'cluster.walltime': {config.get('walltime', DEFAULT_WALLTIME)} leaves no room for a "
            f"worker lifetime (lifetime {lifetime}s + stagger {stagger}s must be below the "
            f"walltime, {wall}s); use a longer walltime or set cluster.lifetime")
    return f"{lifetime}s", f"{stagger}s"


def slurm_cluster_kwargs(config: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for ``dask_jobqueue.SLURMCluster`` from a checked ``[cluster]`` table."""
    config = check_cluster_config(config)
    cores = config.get("cores", 1)
    processes = config.get("processes", cores)
    if processes > cores:
        raise ClusterConfigError(f"'cluster.processes': {processes} is more than 'cores' ({cores})")
    lifetime, stagger = worker_lifetime(config)
    extra = ["--lifetime", lifetime, "--lifetime-stagger", stagger]
    if config.get("lifetime_restart", False):
        extra.append("--lifetime-restart")
    import dask

    site = "jobqueue.slurm."           # Dask's configuration (jobqueue.yaml) for keys not given
    prologue = [f"export NUMBA_CACHE_DIR={shlex.quote(numba_cache_dir(config))}",
                *config.get("job_script_prologue",
                            dask.config.get(site + "job-script-prologue", None) or [])]
    kwargs: dict[str, Any] = {
        "job_name": config.get("job_name", "leadsim-worker"),
        "cores": cores,
        "processes": processes,
        "memory": config.get("memory", f"{2 * processes}GB"),
        "walltime": config.get("walltime", DEFAULT_WALLTIME),
        "python": config.get("python", sys.executable),
        "worker_extra_args": extra,
        "job_script_prologue": prologue,
        "death_timeout": config.get("death_timeout", dask.config.get(site + "death-timeout",
                                                                     DEFAULT_DEATH_TIMEOUT)),
        "scheduler_options": {"dashboard_address": config.get("dashboard_address",
                                                              "localhost:8787")},
    }
    for key in ("queue", "account", "job_extra_directives", "local_directory", "log_directory",
                "interface"):
        if key in config:
            kwargs[key] = config[key]
    return kwargs


def slurm_scaling(config: Mapping[str, Any], workers: int | None = None) -> dict[str, Any]:
    """How to size the SLURM cluster: ``{"adapt": bool, "minimum_jobs": n, "maximum_jobs": m}``.

    ``workers`` (``--workers``), if given, asks for that many worker processes in total and
    overrides ``jobs``.
    """
    processes = config.get("processes", config.get("cores", 1))
    jobs = config.get("jobs", 1) if workers is None else max(1, -(-workers // processes))
    minimum = min(config.get("minimum_jobs", jobs), jobs)
    return {"adapt": config.get("adapt", True), "minimum_jobs": minimum, "maximum_jobs": jobs,
            "processes": processes}


def make_slurm_cluster(config: Mapping[str, Any], job_cls=None):
    """A ``SLURMCluster`` (scheduler started here, no job submitted yet) from ``[cluster]``.

    ``job_cls``: a subclass of ``dask_jobqueue.slurm.SLURMJob`` (e.g. one that records refused
    submissions, :func:`sim.sweep.slurm.recording_job_class`).
    """
    from dask_jobqueue import SLURMCluster

    kwargs = slurm_cluster_kwargs(config)
    if job_cls is not None:
        kwargs["job_cls"] = job_cls
    return SLURMCluster(**kwargs)
