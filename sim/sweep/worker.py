"""What a worker does for one run: build its parameters, simulate, keep the summary outcomes.

A :class:`RunTask` carries everything a run needs (base parameters, the design row's values, its
seed and the outcomes to keep), so any worker on any machine can run it and a lost run can be
retried elsewhere. :func:`execute` never raises for a problem of the run itself: a run whose
parameters are rejected or whose simulation raises comes back as a row with ``error`` set.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..parameters import Parameters
from ..run import run_simulation
from .design import parameter_values


def run_seed(experiment_seed: int, point: int, replication: int,
             common_random_numbers: bool = False) -> int:
    """The seed of run ``point-replication``: a 63-bit integer from
    ``SeedSequence(experiment_seed, spawn_key=(point, replication))``.

    With common random numbers every point's replication ``r`` shares one seed,
    ``SeedSequence(experiment_seed, spawn_key=(replication,))``, so that conditions are compared on
    the same organisations and the same streams (paired comparisons).
    It depends only on these numbers, never on the backend, worker count or order of runs.
    """
    key = (int(replication),) if common_random_numbers else (int(point), int(replication))
    seq = np.random.SeedSequence(int(experiment_seed), spawn_key=key)
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))


def run_id(point: int, replication: int) -> str:
    """Stable identifier of a run: ``"<point>-<replication>"``."""
    return f"{point}-{replication}"


@dataclass(frozen=True)
class RunTask:
    """One run of a sweep, self-contained (picklable, sent to a worker)."""

    point: int
    replication: int
    seed: int
    values: dict[str, Any]          # the design row (parameter -> value)
    base: Parameters
    outcomes: tuple[str, ...]

    @property
    def run_id(self) -> str:
        return run_id(self.point, self.replication)


def execute(task: RunTask) -> dict[str, Any]:
    """Run one task and return its result row (``error`` is None when the run succeeded)."""
    row: dict[str, Any] = {"run_id": task.run_id, "point": task.point,
                           "replication": task.replication, "seed": task.seed, **task.values}
    start = time.perf_counter()
    try:
        params = task.base.replace(**parameter_values(task.values), seed=task.seed)
        summary = run_simulation(params).summary
        row.update({name: float(summary[name]) for name in task.outcomes})
        row["error"] = None
    except Exception as err:  # noqa: BLE001 - a failing run is recorded, the sweep goes on
        row.update({name: None for name in task.outcomes})
        row["error"] = f"{type(err).__name__}: {err}".replace("\n", " ")
    row["run_seconds"] = time.perf_counter() - start
    return row


def failed_row(task: RunTask, message: str) -> dict[str, Any]:
    """The row recorded for a run that could not be executed at all (e.g. its worker was lost)."""
    return {"run_id": task.run_id, "point": task.point, "replication": task.replication,
            "seed": task.seed, **task.values, **{name: None for name in task.outcomes},
            "error": message, "run_seconds": None}


def watch_parent(pid: int, interval: float = 1.0) -> None:
    """Exit this worker process soon after process ``pid`` (the sweep's main process) is gone.

    Used as the initializer of local worker pools, so that killing a sweep (even with SIGKILL)
    does not leave orphaned workers running.
    """
    def watch():
        while True:
            time.sleep(interval)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:     # pid reused by another user's process: ours is gone
                os._exit(1)

    threading.Thread(target=watch, name="leadsim-watch-parent", daemon=True).start()
