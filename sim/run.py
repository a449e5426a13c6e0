"""One public call that runs a whole simulation and returns tidy results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .model import LeadershipModel
from .parameters import Parameters


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
    keyword ``overrides`` change single knobs. ``progress`` is called as ``progress(week)`` after each
    week, if given. Agent views are off by default here (headless); they do not change results.
    """
    if params is None:
        params = Parameters(**overrides)
    elif isinstance(params, Parameters):
        params = params.replace(**overrides) if overrides else params
    else:
        params = Parameters.from_dict({**params, **overrides})
    model = LeadershipModel(params, backend=backend, agents=agents, collect=False)
    for week in range(params.ticks):
        model.step()
        if progress is not None:
            progress(week + 1)
    summary, hospitals = model.summary()
    return Results(params, summary, hospitals, model.timeseries())
