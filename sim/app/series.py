"""Time series shown by the app's live plots, computed from a running model.

The counts and motivation come from the model's Mesa ``DataCollector`` (its weekly reporters
``weekly_gain``, ``failed_nobody_in_charge``, ``motivation_this_week``, ...: :mod:`sim.reporters`); direction and alignment are computed here from
the model's weekly records (``model.record_array()``) with the definitions of :mod:`sim.outcomes`:

* *direction*: share of active tasks that had coherent direction this week (led, no conflict);
* *alignment*: effort-weighted alignment of direction this week;
* *commitment*: staff's mean motivation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dataclasses import dataclass

from ..outcomes import COL

#: Columns of :func:`outcome_series`.
SERIES_COLUMNS = (
    "week", "improvement_per_hospital", "sustained_improvement", "completed",
    "failed_nobody_in_charge", "failed_conflict", "abandoned", "active_tasks", "tasks_without_leader",
    "tasks_in_conflict", "direction", "alignment", "commitment", "spread",
    "improvement_variation", "collaborative_sustainment",
)


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where there is nothing to divide (no active task, no effort)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def outcome_series(model) -> pd.DataFrame:
    """One row per week run so far, system-wide (all hospitals), columns :data:`SERIES_COLUMNS`.

    Improvement and ended tasks (completed, failed, abandoned) are cumulative since week 1 (improvement per hospital); the task
    counts are this week's; direction, alignment and commitment are this week's values.
    """
    reporters = {k: np.asarray(v, dtype=float)   # the DataCollector's lists (no DataFrame: fast)
                 for k, v in model.datacollector.model_vars.items()}
    weeks = len(reporters["weekly_gain"]) if reporters else 0
    if weeks == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in SERIES_COLUMNS})
    records = model.record_array()[-weeks:].sum(axis=1)   # weeks x columns, pooled over hospitals
    n_hospitals = model.org.hospitals.aim.shape[0]
    return pd.DataFrame({
        "week": np.arange(model.week - weeks + 1, model.week + 1),
        "improvement_per_hospital": reporters["weekly_gain"].cumsum() / n_hospitals,
        "sustained_improvement": reporters["sustained_improvement"],
        "completed": reporters["completed"].cumsum(),
        "failed_nobody_in_charge": reporters["failed_nobody_in_charge"].cumsum(),
        "failed_conflict": reporters["failed_conflict"].cumsum(),
        "abandoned": records[:, COL["abandoned"]].cumsum(),
        "active_tasks": reporters["active_tasks"],
        "tasks_without_leader": reporters["tasks_without_leader"],
        "tasks_in_conflict": reporters["tasks_in_conflict"],
        "direction": _share(records[:, COL["directed_tasks"]], records[:, COL["active_tasks"]]),
        "alignment": _share(records[:, COL["aligned_effort"]], records[:, COL["effort"]]),
        "commitment": reporters["motivation_this_week"],
        # the collaborative's outcomes so far (sim.outcomes), from the DataCollector
        "spread": reporters["spread"],
        "improvement_variation": reporters["improvement_variation"],
        "collaborative_sustainment": reporters["collaborative_sustainment"],
    })[list(SERIES_COLUMNS)]


@dataclass(frozen=True)
class SeriesLine:
    """One line of a chart: the column of :func:`outcome_series`, its label, colour and dashes."""

    column: str
    label: str
    colour: str
    dash: str = "solid"   # solid, dashed, dotted or dashdot (lines differ by more than colour)


@dataclass(frozen=True)
class Chart:
    """One live chart of the app (and of its PNG export): title, y-axis label with the unit, lines,
    and the y range when it is fixed (shares in [0, 1])."""

    name: str
    title: str
    ylabel: str
    lines: tuple[SeriesLine, ...]
    ylim: tuple[float, float] | None = None
    note: str = ""
    counts: bool = False   # whole numbers (integer ticks)


GREEN, BLUE, GREY, RED, PURPLE, ORANGE, BROWN = ("#2e7d32", "#1f4e9c", "#555555", "#c62828",
                                                 "#7b3294", "#e66100", "#8c510a")

#: The app's charts, in display order. Every one is system-wide (all hospitals of the run).
CHARTS = (
    Chart("improvement", "Improvement", "gain per hospital (task value)", (
        SeriesLine("improvement_per_hospital", "gained so far (completed tasks)", GREEN),
        SeriesLine("sustained_improvement", "still in place (sustained)", BLUE, "dashed"),
    ), note="Gain: the value of completed tasks, per hospital, added up since week 1. Sustained: "
            "what is still in place now; gains that were not consolidated decay."),
    Chart("ended", "Tasks ended so far", "tasks (count, all hospitals)", (
        SeriesLine("completed", "completed", GREEN),
        SeriesLine("failed_nobody_in_charge", "failed: nobody in charge", GREY, "dashed"),
        SeriesLine("failed_conflict", "failed: mixed messages (conflict)", RED, "dotted"),
        SeriesLine("abandoned", "abandoned at the deadline", BROWN, "dashdot"),
    ), counts=True, note="Counts since week 1. Abandoned: still unfinished at the deadline (task_deadline "
            "weeks), without having failed for want of a leader or for conflict."),
    Chart("now", "Tasks this week", "active tasks (count, all hospitals)", (
        SeriesLine("active_tasks", "active", BLUE),
        SeriesLine("tasks_without_leader", "with nobody in charge", GREY, "dashed"),
        SeriesLine("tasks_in_conflict", "with mixed messages", RED, "dotted"),
    ), counts=True, note="This week's active QI tasks, and how many of them have no legitimate leader or "
            "leaders who disagree."),
    Chart("dac", "Direction, alignment, commitment", "share or level (0 to 1)", (
        SeriesLine("direction", "direction: share of tasks led without conflict", GREEN),
        SeriesLine("alignment", "alignment of effort", PURPLE, "dashed"),
        SeriesLine("commitment", "commitment: mean motivation", ORANGE, "dotted"),
    ), ylim=(0.0, 1.0), note="West et al. (2014) after Drath et al. (2008): this week's values."),
    Chart("collaborative", "The collaborative: hospitals learning from one another",
          "share or ratio (so far)", (
              SeriesLine("spread", "spread: share of peers that follow a completed improvement "
                         "within a year", GREEN),
              SeriesLine("improvement_variation", "variation of improvement between hospitals",
                         PURPLE, "dashed"),
              SeriesLine("collaborative_sustainment", "share of the gain still in place", BLUE,
                         "dotted"),
          ), note="Needs two or more hospitals; spread appears after the first year. Set 'Learning "
                  "between hospitals' above 0 for learning sessions every "
                  "learning_session_interval weeks (Carstensen et al. 2023; IHI Breakthrough "
                  "Series)."),
)
