"""Where runs execute: this process, a local process pool, or a Dask cluster (local, remote, SLURM).

Every backend offers ``run(fn, tasks)``, a generator of ``(task, result)`` pairs in completion
order, where ``result`` is what ``fn(task)`` returned or the exception that stopped it (e.g. a
worker lost more often than the retries allow). Tasks are drawn lazily from ``tasks`` and only a
bounded window of them is in flight at once, so memory stays flat however long the sweep.

Worker processes are persistent (one pool or cluster for the whole sweep), so each imports the
model and loads its compiled numba code once. On a Dask cluster the backend checks the cluster's
health about once a second while it waits for results (for SLURM: jobs refused or never started,
:mod:`sim.sweep.slurm`), so a sweep never waits forever on workers that will not come.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..parameters import as_int
from .cluster import (DEFAULT_START_TIMEOUT, check_cluster_config, make_slurm_cluster,
                      slurm_scaling)
from .storage import SweepError

BACKENDS = ("serial", "processes", "dask-local", "dask", "slurm")


class WorkerLost(RuntimeError):
    """A run whose worker died more often than the retries allow."""


def available_cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class SerialBackend:
    """Runs in this process, one after another (debugging, tiny sweeps, reference results)."""

    name = "serial"
    workers = 1

    def run(self, fn: Callable, tasks: Iterable) -> Iterator[tuple[Any, Any]]:
        for task in tasks:
            try:
                yield task, fn(task)
            except Exception as err:  # noqa: BLE001 - reported as the run's failure
                yield task, err

    def close(self) -> None:
        pass


class ProcessBackend:
    """A persistent pool of local worker processes (``concurrent.futures``, forkserver start).

    If a worker process dies (e.g. killed by the out-of-memory killer), the pool is rebuilt and
    the runs that were in flight are retried, each at most ``retries`` times. Workers exit by
    themselves if the sweep's process disappears (even if it was killed with SIGKILL).
    """

    name = "processes"

    def __init__(self, workers: int | None = None, retries: int = 3):
        self.workers = workers or available_cores()
        self.retries = retries
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        methods = multiprocessing.get_all_start_methods()
        method = "forkserver" if "forkserver" in methods else "spawn"
        ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["sim.sweep.warmup"])  # load numba code once, then fork
        from .worker import watch_parent

        return ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                   initializer=watch_parent, initargs=(os.getpid(),))

    def run(self, fn: Callable, tasks: Iterable) -> Iterator[tuple[Any, Any]]:
        tasks = iter(tasks)
        window = 2 * self.workers
        retry: deque = deque()
        attempts: dict[Any, int] = {}
        inflight: dict = {}
        self._pool = self._pool or self._new_pool()

        def top_up():
            while len(inflight) < window:
                task = retry.popleft() if retry else next(tasks, None)
                if task is None:
                    return
                inflight[self._pool.submit(fn, task)] = task

        top_up()
        while inflight:
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            lost = []
            for fut in done:
                task = inflight.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    lost.append(task)
                    continue
                except Exception as err:  # noqa: BLE001
                    result = err
                yield task, result
            if lost:
                lost += list(inflight.values())     # the whole pool is gone: requeue all
                inflight.clear()
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                for task in lost:
                    attempts[id(task)] = attempts.get(id(task), 0) + 1
                    if attempts[id(task)] > self.retries:
                        yield task, WorkerLost(f"worker process died {attempts[id(task)]} times "
                                               f"while running this run")
                    else:
                        retry.append(task)
            top_up()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _run_batch(fn: Callable, tasks: list) -> tuple[list, float]:
    """Run ``fn`` on each of ``tasks`` in turn (on a Dask worker); the results and the seconds
    they took. An exception escaping ``fn`` fails the whole batch (Dask then retries it)."""
    start = time.perf_counter()
    results = [fn(task) for task in tasks]
    return results, time.perf_counter() - start


class DaskBackend:
    """Runs on a Dask cluster through a ``distributed.Client``.

    A run whose worker is lost is rescheduled by the Dask scheduler on another worker (up to its
    ``distributed.scheduler.allowed-failures``, set to ``retries`` for schedulers started here,
    then it fails with ``KilledWorker`` and is recorded as failed); runs are also submitted with
    ``retries=`` (a task that errs outside the model is tried again) and a unique key per sweep
    session. The number in flight follows the cluster's size (twice its
    threads, at least ``min_window``), so adaptive clusters can grow and memory stays bounded.

    Short runs go to the workers in batches: each Dask task carries as many runs as take about
    ``batch_seconds`` (at most ``max_batch``), judged from the runs done so far (the first window
    goes one run per task), so that Dask's cost per task, a few milliseconds, stays a small share
    of a run that takes tens of milliseconds. A batch whose worker is lost is rescheduled whole.
    """

    def __init__(self, client, *, name: str, cluster=None, retries: int = 3, min_window: int = 8,
                 wait_workers: int | None = None, own_client: bool = True,
                 batch_seconds: float = 0.25, max_batch: int = 32):
        self.client = client
        self.cluster = cluster
        self.own_client = own_client
        self.name = name
        self.retries = retries
        self.min_window = min_window
        self.batch_seconds = batch_seconds
        self.max_batch = max_batch
        self._threads = (0, 0.0)
        self.poll_seconds = 1.0
        if wait_workers:
            client.wait_for_workers(wait_workers, timeout=120)

    @property
    def workers(self) -> int:
        return len(self.client.nthreads())

    def _window(self) -> int:
        threads, when = self._threads
        if time.monotonic() - when > 5.0:
            threads = sum(self.client.nthreads().values())
            self._threads = (threads, time.monotonic())
        return max(self.min_window, 2 * threads)

    def check(self) -> None:
        """Raise (one line) if the cluster cannot run the sweep; called while waiting for results."""

    def run(self, fn: Callable, tasks: Iterable) -> Iterator[tuple[Any, Any]]:
        from distributed import wait

        session = uuid.uuid4().hex[:8]
        tasks = iter(tasks)
        pending: dict[Any, list] = {}
        timing = [0.0, 0]                      # seconds and runs done so far, for the batch size

        def batch_size() -> int:
            if timing[1] == 0 or timing[0] <= 0.0:
                return 1
            per_run = timing[0] / timing[1]
            return max(1, min(self.max_batch, int(self.batch_seconds / per_run)))

        def top_up():
            target = self._window()
            size = batch_size()
            while len(pending) < target:
                batch = []
                for _ in range(size):
                    task = next(tasks, None)
                    if task is None:
                        break
                    batch.append(task)
                if not batch:
                    return
                key = f"leadsim-run-{session}-{getattr(batch[0], 'run_id', id(batch[0]))}"
                fut = self.client.submit(_run_batch, fn, batch, key=key, pure=False,
                                         retries=self.retries)
                pending[fut] = batch

        top_up()
        self.check()
        checked = time.monotonic()
        while pending:
            try:
                done = wait(list(pending), timeout=self.poll_seconds,
                            return_when="FIRST_COMPLETED").done
            except TimeoutError:
                done = ()
            if time.monotonic() - checked >= self.poll_seconds:
                self.check()
                checked = time.monotonic()
            for fut in done:
                batch = pending.pop(fut)
                try:
                    results, seconds = fut.result()
                    timing[0] += seconds
                    timing[1] += len(batch)
                except Exception as err:  # noqa: BLE001 - e.g. KilledWorker after the retries
                    results = [err] * len(batch)
                fut.release()
                yield from zip(batch, results)
            top_up()

    def close(self) -> None:
        if self.own_client:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


#: Seconds after which the SLURM cluster forgets a job whose workers left (then replaces it).
REPLACE_AFTER = "2s"


class SlurmBackend(DaskBackend):
    """Worker jobs submitted to SLURM by dask-jobqueue (settings: the ``[cluster]`` table).

    Before any job is submitted, SLURM checks the job script (``sbatch --test-only``); while the
    sweep runs, a job that SLURM refuses, or no worker for ``start_timeout`` seconds, stops it
    with one line (:class:`~sim.sweep.slurm.ClusterStartError`). ``workers`` is the number of
    worker processes asked for (or connected, if more).
    """

    def __init__(self, config: Mapping[str, Any], workers: int | None, retries: int):
        import dask
        from distributed import Client

        from .slurm import JobWatch, check_job_script, recording_job_class

        scaling = slurm_scaling(config, workers)
        job_cls = recording_job_class()
        self._config = dask.config.set({} if config.get("lifetime_restart") else
                                       {"distributed.deploy.lost-worker-timeout": REPLACE_AFTER})
        cluster = None
        try:
            with _allowed_failures(retries):
                cluster = make_slurm_cluster(config, job_cls=job_cls)   # scheduler only, no job
            check_job_script(cluster.job_script())
            if scaling["adapt"]:
                cluster.adapt(minimum_jobs=scaling["minimum_jobs"],
                              maximum_jobs=scaling["maximum_jobs"])
            else:
                cluster.scale(jobs=scaling["maximum_jobs"])
            client = Client(cluster)
        except BaseException:
            if cluster is not None:
                cluster.close()
            self._config.__exit__(None, None, None)
            raise
        super().__init__(client, name="slurm", cluster=cluster, retries=retries,
                         min_window=2 * scaling["maximum_jobs"] * scaling["processes"])
        self.requested = scaling["maximum_jobs"] * scaling["processes"]
        self.watch = JobWatch(client, job_cls, config.get("start_timeout", DEFAULT_START_TIMEOUT))

    @property
    def workers(self) -> int:
        return max(len(self.client.nthreads()), self.requested)

    def check(self) -> None:
        self.watch.check()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._config.__exit__(None, None, None)     # Dask's settings as they were


def _allowed_failures(retries: int):
    """Dask config for a scheduler started here: a run whose worker dies is rescheduled on another
    worker up to ``retries`` times before it fails with ``KilledWorker``."""
    import dask

    return dask.config.set({"distributed.scheduler.allowed-failures": retries})


def make_backend(backend: str = "processes", *, workers: int | None = None,
                 scheduler: str | None = None, cluster_config: Mapping[str, Any] | None = None,
                 retries: int | None = None):
    """Build a backend by name (see :data:`BACKENDS`); the caller must ``close()`` it."""
    config = check_cluster_config(cluster_config)
    workers = workers or config.get("workers")
    retries = config.get("retries", 3) if retries is None else retries
    if workers is not None and (as_int(workers) is None or workers < 1):
        raise SweepError(f"'workers': expected a positive integer, got {workers!r}")
    workers = as_int(workers) if workers is not None else None
    if backend == "serial":
        return SerialBackend()
    if backend == "processes":
        return ProcessBackend(workers, retries)
    if backend == "dask-local":
        from distributed import Client, LocalCluster

        n = workers or available_cores()
        with _allowed_failures(retries):
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
        return DaskBackend(Client(cluster), name=backend, cluster=cluster, retries=retries,
                           wait_workers=n)
    if backend == "dask":
        from distributed import Client

        if isinstance(scheduler, Client):        # the caller's client: used, not closed
            return DaskBackend(scheduler, name=backend, retries=retries, own_client=False)
        if not scheduler or not isinstance(scheduler, str):
            raise SweepError("backend 'dask' needs a scheduler address (--scheduler "
                             "tcp://HOST:PORT) or a distributed.Client")
        try:
            client = Client(scheduler, timeout=f"{config.get('connect_timeout', 30)}s")
        except (OSError, TimeoutError) as err:
            raise SweepError(f"cannot reach the Dask scheduler at {scheduler} ({err})") from None
        return DaskBackend(client, name=backend, retries=retries)
    if backend == "slurm":
        return SlurmBackend(config, workers, retries)
    raise SweepError(f"'backend': unknown backend {backend!r}; allowed: {', '.join(BACKENDS)}")
