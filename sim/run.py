"""One public call that runs a whole simulation and returns tidy results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .model import LeadershipModel
from .parameters import Parameters


PROGRESS_WEEKS = 13   # structural: weeks per compiled call when progress is reported (a quarter)


def run_to_end(model: LeadershipModel, progress=None) -> None:
    """Run ``model`` until its ``ticks`` weeks have passed: in one compiled call, or
    :data:`PROGRESS_WEEKS` at a time with ``progress(week)`` called for each week run."""
    ticks = model.params.ticks
    chunk = max(ticks - model.week, 1) if progress is None else PROGRESS_WEEKS
    while model.week < ticks:
        weeks = min(chunk, ticks - model.week)
        model.run_weeks(weeks)
        if progress is not None:
            for week in range(model.week - weeks + 1, model.week + 1):
                progress(week)


@dataclass
class Results:
    """What a run returns.

    Attributes:
        params: the parameters the run used (with its seed).
        summary: system-wide outcomes (see :mod:`sim.outcomes` for exact definitions).
        hospitals: the same outcomes per hospital (DataFrame, one row per hospital).
        timeseries: one row per week and hospital (DataFrame, see ``TIMESERIES_COLUMNS``).
    """

    params: Parameters
    summary: dict[str, float]
    hospitals: pd.DataFrame
    timeseries: pd.DataFrame


def run_simulation(params: Parameters | dict[str, Any] | None = None, *, backend: str = "numba",
                   agents: bool | None = False, progress=None, **overrides: Any) -> Results:
    """Build the model from ``params``, run it for ``params.ticks`` weeks and return its results.

    ``params`` may be a :class:`Parameters`, a plain mapping (validated), or omitted for defaults;
    keyword ``overrides`` change single knobs. ``progress`` is called as ``progress(week)`` for each
    week, if given (in bursts: the weeks run :data:`PROGRESS_WEEKS` at a time in one compiled call).
    Agent views are off by default here (headless); they do not change results.
    """
    if params is None:
        params = Parameters(**overrides)
    elif isinstance(params, Parameters):
        params = params.replace(**overrides) if overrides else params
    else:
        params = Parameters.from_dict({**params, **overrides})
    model = LeadershipModel(params, backend=backend, agents=agents, collect=False)
    run_to_end(model, progress)
    summary, hospitals = model.summary()
    return Results(params, summary, hospitals, model.timeseries())
