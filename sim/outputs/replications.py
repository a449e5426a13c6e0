"""Run the replications of one or several scenarios, in parallel local processes.

Replication ``r`` of a scenario runs its parameters with seed ``scenario.replication_seeds()[r]``.
Each replication is a pure function of its parameters, so running them in parallel
(:class:`concurrent.futures.ProcessPoolExecutor`, at most one process per available CPU) gives the
same results, in the same order, as running them one after the other.

Progress is reported in weeks: worker processes send one message per simulated week through a
queue handed to them when they start, and the parent passes the count to ``on_week``.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import sys
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..outcomes import SUMMARY_OUTCOMES
from ..parameters import Parameters
from ..run import Results, run_simulation
from ..scenario import Scenario
from .organisation import OrgSnapshot, final_organisation
from .statistics import summary_table

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class Job:
    """One unit of work: a replication, or the re-run that snapshots one hospital's organisation."""

    params: Parameters
    organisation_of: int | None = None   # hospital index to snapshot, or None for a replication

    @property
    def weeks(self) -> int:
        return self.params.ticks


@dataclass
class ScenarioRun:
    """The replications of one scenario and what they gave."""

    scenario: Scenario
    seeds: list[int]
    results: list[Results]
    organisation: OrgSnapshot | None = None
    _summary: pd.DataFrame | None = field(default=None, init=False, repr=False)

    def per_replication(self) -> pd.DataFrame:
        """One row per replication: ``replication, seed`` and every summary outcome."""
        rows = [{"replication": r, "seed": s, **res.summary}
                for r, (s, res) in enumerate(zip(self.seeds, self.results))]
        return pd.DataFrame(rows, columns=["replication", "seed", *SUMMARY_OUTCOMES])

    def hospitals(self) -> pd.DataFrame:
        """Per-hospital outcomes of every replication (``replication`` column first)."""
        frames = [res.hospitals.assign(replication=r) for r, res in enumerate(self.results)]
        frame = pd.concat(frames, ignore_index=True)
        return frame[["replication", *[c for c in frame.columns if c != "replication"]]]

    def timeseries(self) -> pd.DataFrame:
        """Time series of every replication: ``replication, tick, hospital`` and the records."""
        frames = []
        for r, res in enumerate(self.results):
            ts = res.timeseries.copy()
            ts.insert(0, "replication", r)
            frames.append(ts)
        return pd.concat(frames, ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """Mean, sd and 95% t-interval over replications of every summary outcome."""
        if self._summary is None:
            self._summary = summary_table(self.per_replication(), SUMMARY_OUTCOMES)
        return self._summary.copy()


def available_workers() -> int:
    """CPUs this process may use (affinity-aware), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:   # not on Linux
        return max(1, os.cpu_count() or 1)


def _context():
    # On Linux, fork starts workers at once with numba's compiled code already loaded (spawn or
    # forkserver re-import numba, mesa and pandas: seconds per worker). Elsewhere (macOS, Windows)
    # use the platform's default.
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


_QUEUE = None


def _init_worker(q) -> None:
    global _QUEUE
    _QUEUE = q


def _report_week(week: int) -> None:
    _QUEUE.put(1)


def _execute(job: Job, progress: ProgressCallback | None = None) -> Results | OrgSnapshot:
    if progress is None and _QUEUE is not None:
        progress = _report_week
    if job.organisation_of is not None:
        return final_organisation(job.params, job.organisation_of, progress)
    return run_simulation(job.params, progress=progress)


def run_jobs(jobs: Sequence[Job], workers: int | None = None,
             on_week: ProgressCallback | None = None) -> list[Any]:
    """Results of ``jobs`` in order; in ``workers`` processes (default: one per CPU) when > 1.

    ``on_week(n)`` is called with the number of weeks simulated since its last call.
    """
    workers = min(workers or available_workers(), available_workers(), len(jobs))
    weekly = (lambda week: on_week(1)) if on_week is not None else None
    if workers <= 1:
        return [_execute(job, weekly) for job in jobs]
    _warm_up()
    ctx = _context()
    q = ctx.Queue()
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(q,))
    try:
        with warnings.catch_warnings():
            # Python 3.12 warns when forking a process that has other OS threads; here those are
            # idle native pools (OpenBLAS registers fork handlers) and the workers only compute.
            warnings.filterwarnings("ignore", "This process .* is multi-threaded, use of fork",
                                    DeprecationWarning)
            futures = [pool.submit(_execute, job) for job in jobs]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.1, return_when=FIRST_EXCEPTION)
            _drain(q, on_week)
            for f in done:
                if f.exception() is not None:
                    raise f.exception()
        _drain(q, on_week)
        return [f.result() for f in futures]
    except BaseException:
        # Ctrl-C, SIGTERM or a failed replication: stop the others now rather than wait for them
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        q.close()


def _warm_up() -> None:
    """Load (or, after a change to the kernel, compile) numba's code once in this process before
    forking, so that the workers inherit it instead of each compiling it again."""
    run_simulation(Parameters(n_hospitals=1, staff_per_hospital=8, unit_size=4, ticks=1))


def _drain(q, on_week: ProgressCallback | None) -> None:
    n = 0
    while True:
        try:
            n += q.get_nowait()
        except queue_module.Empty:
            break
    if n and on_week is not None:
        on_week(n)


def scenario_jobs(scenario: Scenario, organisation_of: int | None = 0) -> list[Job]:
    """One job per replication (seed ``replication_seeds()[r]``), plus the organisation re-run of
    replication 0 when ``organisation_of`` is a hospital index."""
    jobs = [Job(scenario.params.replace(seed=s)) for s in scenario.replication_seeds()]
    if organisation_of is not None:
        jobs.append(Job(jobs[0].params, organisation_of))
    return jobs


def total_weeks(scenarios: Sequence[Scenario], organisation_of: int | None = 0) -> int:
    """Weeks the runs of ``scenarios`` will simulate (for a progress bar)."""
    return sum(j.weeks for s in scenarios for j in scenario_jobs(s, organisation_of))


def run_scenarios(scenarios: Sequence[Scenario], workers: int | None = None,
                  on_week: ProgressCallback | None = None,
                  organisation_of: int | None = None) -> list[ScenarioRun]:
    """Run every replication of every scenario (all in one pool of processes)."""
    per_scenario = [scenario_jobs(s, organisation_of) for s in scenarios]
    outputs = run_jobs([j for jobs in per_scenario for j in jobs], workers, on_week)
    runs, k = [], 0
    for scenario, jobs in zip(scenarios, per_scenario):
        chunk = outputs[k:k + len(jobs)]
        k += len(jobs)
        snap = chunk.pop() if organisation_of is not None else None
        runs.append(ScenarioRun(scenario, scenario.replication_seeds(), chunk, snap))
    return runs


def run_scenario(scenario: Scenario, workers: int | None = None,
                 on_week: ProgressCallback | None = None,
                 organisation_of: int | None = None) -> ScenarioRun:
    """Run every replication of ``scenario``; see :func:`run_scenarios`."""
    return run_scenarios([scenario], workers, on_week, organisation_of)[0]
