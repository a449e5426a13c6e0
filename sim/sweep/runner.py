"""Run a design: every (point, replication) once, results streamed to disk as runs finish.

:func:`run_design` is the Python entry point (the ``leadsim sweep`` command and the sensitivity
harness call it). It opens the output folder (:class:`~sim.sweep.storage.ResultStore`), skips runs
already recorded when resuming, sends the rest to a backend (:mod:`sim.sweep.backends`), buffers
finished rows and writes them in atomic chunks, and returns the results from disk.
"""

from __future__ import annotations

import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..hints import did_you_mean
from ..outcomes import SUMMARY_OUTCOMES
from ..parameters import Parameters, as_bool, as_int
from ..scenario import Scenario, scenario_from_params, scenario_to_toml
from .backends import BACKENDS, make_backend
from .design import check_design
from .storage import (BASE_FILE, DESIGN_FILE, EXPERIMENT_FILE, ResultStore, SweepError,
                      load_results, sweep_meta)
from .worker import RunTask, execute, failed_row, run_id, run_seed

DEFAULT_CHUNK_SIZE = 200
DEFAULT_FLUSH_SECONDS = 60.0


@dataclass
class SweepStats:
    """What happened in one call of :func:`run_design` (set as ``results.attrs["sweep"]``)."""

    total: int = 0              # runs in the design
    skipped: int = 0            # already recorded (resume)
    done: int = 0               # run in this call
    failed: int = 0             # of those, recorded with an error
    chunks: int = 0             # chunk files written in this call
    seconds: float = 0.0        # wall time of this call
    backend: str = ""
    workers: int = 0
    first_result_seconds: float | None = None   # from the call's start to its first result
    failures: list[dict[str, Any]] = field(default_factory=list)   # up to 20 failed rows
    estimated_seconds: float = 0.0  # the size estimate of this call's runs (sim.sizing)


def check_outcomes(outcomes: Sequence[str] | None) -> tuple[str, ...]:
    """The outcomes to keep (default: all summary outcomes), names validated."""
    if outcomes is None:
        return tuple(SUMMARY_OUTCOMES)
    if isinstance(outcomes, str) or not isinstance(outcomes, Sequence) or not outcomes:
        raise SweepError(f"'outcomes': expected a non-empty list of names; allowed: "
                         f"{', '.join(SUMMARY_OUTCOMES)}")
    for name in outcomes:
        if name not in SUMMARY_OUTCOMES:
            raise SweepError(f"'outcomes': unknown outcome {name!r}"
                             f"{did_you_mean(name, SUMMARY_OUTCOMES)}; allowed: "
                             f"{', '.join(SUMMARY_OUTCOMES)}")
    if len(set(outcomes)) != len(outcomes):
        raise SweepError("'outcomes': an outcome is listed twice")
    return tuple(outcomes)


LOCAL_BACKENDS = ("serial", "processes", "dask-local")


def check_run_sizes(design: pd.DataFrame, base: Parameters, runs: int, backend: str,
                    workers: int | None, cluster_config: Mapping[str, Any] | None,
                    force: bool, name: str) -> float:
    """Refuse a sweep whose runs, as many at a time as there are workers, need more memory than
    this machine (local backends) or a SLURM worker process has; return the estimated seconds of
    ``runs`` runs on those workers. Sizes are read from the design's columns (nothing is built)."""
    from ..sizing import (PROCESS_BYTES, Estimate, check_fits, design_cost, format_bytes,
                          parse_bytes)
    from .backends import available_cores

    largest, one_each = design_cost(base, design)
    per_run = one_each / max(len(design), 1)
    if backend in LOCAL_BACKENDS:
        parallel = 1 if backend == "serial" else max(1, min(workers or available_cores(), runs))
        extra = 0.0 if backend == "serial" else PROCESS_BYTES * parallel
        check_fits(Estimate(parallel * largest.memory + extra, per_run * runs / parallel),
                   f"sweep {name} ({parallel} run(s) at a time, the largest needing about "
                   f"{format_bytes(largest.memory)})", force,
                   "use fewer --workers or smaller sizes in the design")
        return per_run * runs / parallel
    if backend == "slurm":
        config = dict(cluster_config or {})
        processes = int(config.get("processes", config.get("cores", 1)) or 1)
        memory = str(config.get("memory", f"{2 * processes}GB"))
        try:
            room = parse_bytes(memory.upper().replace("B", "").replace("I", "")) / processes
        except ValueError:
            room = None
        if room is not None:
            check_fits(Estimate(largest.memory + PROCESS_BYTES, largest.seconds),
                       f"sweep {name} (its largest run)", force,
                       "raise [cluster] memory or lower processes per job", limit=room,
                       room="a SLURM worker process gets ([cluster] memory / processes)")
    return per_run * runs


def _tasks(design: pd.DataFrame, base: Parameters, replications: int, seed: int,
           outcomes: tuple[str, ...], skip: set[str], crn: bool = False) -> Iterator[RunTask]:
    """Tasks not yet recorded, in (point, replication) order, built lazily."""
    names = list(design.columns)
    for point, values in enumerate(design.itertuples(index=False, name=None)):
        row = {n: (v.item() if hasattr(v, "item") else v) for n, v in zip(names, values)}
        for rep in range(replications):
            if run_id(point, rep) in skip:
                continue
            yield RunTask(point, rep, run_seed(seed, point, rep, crn), row, base, outcomes)


def _progress_bar(total: int, initial: int, enabled: bool, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, disable=not enabled, unit="run", desc=desc,
                dynamic_ncols=True, smoothing=0.1)


def run_design(design: pd.DataFrame, base: Scenario | Parameters, replications: int = 1,
               outcomes: Sequence[str] | None = None, out_dir: str | Path | None = None,
               backend: str = "processes", workers: int | None = None,
               scheduler: Any = None, cluster_config: Mapping[str, Any] | None = None,
               resume: bool = False, seed: int | None = None, progress: bool = True, *,
               retry_failed: bool = False, retries: int | None = None,
               chunk_size: int = DEFAULT_CHUNK_SIZE, flush_seconds: float = DEFAULT_FLUSH_SECONDS,
               name: str | None = None, experiment_text: str | None = None,
               common_random_numbers: bool = False, force: bool = False) -> pd.DataFrame:
    """Run every point of ``design`` ``replications`` times and return one row per run.

    Args:
        design: one row per sample point, one column per parameter (values for
            :class:`~sim.parameters.Parameters`; integer parameters are rounded).
        base: base scenario (or parameters); parameters not in the design come from it.
        replications: runs per point; replication ``r`` of point ``i`` has run id ``"i-r"``.
        outcomes: summary outcomes to keep (default: all of ``SUMMARY_OUTCOMES``).
        out_dir: folder of the Parquet dataset and its description (None: a new temporary folder).
        backend: ``"serial"``, ``"processes"``, ``"dask-local"``, ``"dask"`` (with ``scheduler``) or
            ``"slurm"`` (with ``cluster_config``).
        workers: worker processes (default: all cores; for SLURM, total worker processes).
        scheduler: address of a running Dask scheduler, or a ``distributed.Client`` (used and
            left open), for ``backend="dask"``. Reusing one cluster this way saves starting a
            new one for each call.
        cluster_config: the ``[cluster]`` settings (see :mod:`sim.sweep.cluster`).
        resume: finish a sweep already started in ``out_dir`` (it must be the same sweep).
        seed: experiment seed (default ``base.params.seed``); run seeds are
            ``SeedSequence(seed, spawn_key=(point, replication))``.
        progress: show a progress bar (tqdm) with rate and ETA.
        retry_failed: on resume, run again the runs recorded with an error.
        retries: times a run lost with its worker is retried (default 3).
        chunk_size: results buffered before a chunk file is written.
        flush_seconds: also write a chunk when the oldest buffered result is this old.
        name: name of the sweep (saved in ``sweep.json``).
        experiment_text: text of the experiment file, saved as ``experiment.toml``.
        common_random_numbers: give replication ``r`` of every point the same seed (paired
            comparisons between points; see :func:`~sim.sweep.worker.run_seed`).
        force: run even if the size estimate (:mod:`sim.sizing`) says the runs, as many at a time
            as there are workers, need more memory than this machine (or a SLURM worker
            process) has; without it such a sweep raises :class:`~sim.sizing.SizeError` before
            anything runs.

    Returns:
        A DataFrame, one row per completed run ordered by (point, replication), with columns
        ``run_id, point, replication, seed``, the design's parameters, the outcomes, ``error``
        (None when the run succeeded) and ``run_seconds``. ``.attrs["sweep"]`` holds a
        :class:`SweepStats` for this call and ``.attrs["out_dir"]`` the folder.
    """
    started = time.perf_counter()
    if backend not in BACKENDS:
        raise SweepError(f"'backend': unknown backend {backend!r}; allowed: {', '.join(BACKENDS)}")
    design = check_design(design)
    if isinstance(base, Parameters):
        base = scenario_from_params(base)
    if not isinstance(base, Scenario):
        raise SweepError(f"'base': expected a Scenario or Parameters, got {type(base).__name__}")
    if as_int(replications) is None or replications < 1:
        raise SweepError(f"'replications': expected a positive integer, got {replications!r}")
    if as_int(chunk_size) is None or chunk_size < 1:
        raise SweepError(f"'chunk_size': expected a positive integer, got {chunk_size!r}")
    replications, chunk_size = as_int(replications), as_int(chunk_size)   # numpy integers too
    keep = check_outcomes(outcomes)
    seed = base.params.seed if seed is None else seed
    if as_int(seed) is None or not 0 <= seed < 2**63:
        raise SweepError(f"'seed': expected an integer in [0, 2**63), got {seed!r}")
    seed = as_int(seed)
    if as_bool(common_random_numbers) is None:
        raise SweepError(f"'common_random_numbers': expected true or false, got "
                         f"{common_random_numbers!r}")
    common_random_numbers = as_bool(common_random_numbers)
    out = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="leadsim-sweep-"))
    from .. import __version__

    meta = sweep_meta(name=name or base.name, design=design, base_params=base.params.to_dict(),
                      replications=replications, seed=seed, outcomes=keep, version=__version__,
                      common_random_numbers=common_random_numbers)
    files = {DESIGN_FILE: design.to_csv(index_label="point"), BASE_FILE: scenario_to_toml(base)}
    if experiment_text is not None:
        files[EXPERIMENT_FILE] = experiment_text
    stats = SweepStats(total=len(design) * replications, backend=backend)
    seconds = check_run_sizes(design, base.params, stats.total, backend, workers, cluster_config,
                              force, name or base.name)
    with ResultStore.open(out, meta, resume=resume, files=files) as store:
        if resume and retry_failed:
            store.drop_failed()
        skip = store.completed() if resume else set()
        stats.skipped = len(skip)
        todo = stats.total - stats.skipped
        if todo > 0:
            stats.estimated_seconds = seconds * todo / stats.total
            with _terminate_as_interrupt():
                _execute(store, _tasks(design, base.params, replications, seed, keep, skip,
                                       common_random_numbers),
                         todo, stats, progress, chunk_size, flush_seconds,
                         make_backend(backend, workers=workers, scheduler=scheduler,
                                      cluster_config=cluster_config, retries=retries), started)
    stats.seconds = time.perf_counter() - started
    results = load_results(out)
    results.attrs["sweep"] = stats
    results.attrs["out_dir"] = str(out)
    return results


@contextmanager
def _terminate_as_interrupt():
    """While a sweep runs in the main thread, SIGTERM (``kill``, ``scancel`` of the sweep's own
    job, a walltime) stops it as Ctrl-C does: finished runs are written and the workers (jobs)
    are stopped, instead of the process dying on the spot. Left alone if a handler is set."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt("terminated (SIGTERM)")

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _execute(store: ResultStore, tasks: Iterator[RunTask], todo: int, stats: SweepStats,
             progress: bool, chunk_size: int, flush_seconds: float, backend,
             started: float) -> None:
    """Drain ``tasks`` through ``backend`` into ``store`` (flushing what is buffered on exit)."""
    buffer: list[dict[str, Any]] = []
    oldest = 0.0

    def flush():
        if buffer:
            store.write_chunk(buffer)
            stats.chunks += 1
            buffer.clear()

    bar = _progress_bar(stats.total, stats.skipped, progress, store.meta.get("name", "sweep"))
    try:
        stats.workers = backend.workers
        if progress:
            meta = store.meta
            from ..sizing import format_seconds

            print(f"sweep {meta['name']}: {meta['points']} points x {meta['replications']} "
                  f"replications = {stats.total} runs ({stats.skipped} already done), backend "
                  f"{stats.backend} with {stats.workers} worker(s), output {store.out_dir}; "
                  f"estimated {format_seconds(stats.estimated_seconds)}", file=sys.stderr)
        for task, result in backend.run(execute, tasks):
            if isinstance(result, BaseException):
                result = failed_row(task, f"{type(result).__name__}: {result}".replace("\n", " "))
            if stats.first_result_seconds is None:
                stats.first_result_seconds = time.perf_counter() - started
            if not buffer:
                oldest = time.monotonic()
            buffer.append(result)
            stats.done += 1
            if result["error"] is not None:
                stats.failed += 1
                if len(stats.failures) < 20:
                    stats.failures.append(result)
                bar.set_postfix(failed=stats.failed, refresh=False)
            bar.update(1)
            if len(buffer) >= chunk_size or time.monotonic() - oldest >= flush_seconds:
                flush()
    finally:
        flush()                 # keep every finished run, even on Ctrl-C or an error
        bar.close()
        backend.close()


def run_experiment(experiment, out_dir: str | Path | None = None, **kwargs) -> pd.DataFrame:
    """Run a loaded :class:`~sim.sweep.experiment.Experiment` with :func:`run_design`.

    Keyword arguments go to :func:`run_design` (``backend``, ``workers``, ``resume``, ...); the
    experiment's ``[cluster]`` table is the default ``cluster_config``.
    """
    kwargs.setdefault("cluster_config", experiment.cluster)
    kwargs.setdefault("common_random_numbers", experiment.common_random_numbers)
    return run_design(experiment.design, experiment.base, replications=experiment.replications,
                      outcomes=list(experiment.outcomes), out_dir=out_dir, seed=experiment.seed,
                      name=experiment.name, experiment_text=experiment.text, **kwargs)
