"""The app's live outcome plots, drawn with matplotlib from :func:`sim.app.series.outcome_series`.

Each ``draw_*`` function fills one matplotlib ``Axes``; the Solara page wraps them in components
that redraw after every step. They also work in a notebook on any model that has run a few weeks.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .organisation_view import CONFLICT, DIRECTED, STATE_COLOURS

PLOT_SIZE = (5.6, 3.0)


def _finish(ax, title: str, ylabel: str, frame) -> None:
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("week", fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(frame):
        ax.set_xlim(frame["week"].iloc[0] - 0.5, max(frame["week"].iloc[-1], 4) + 0.5)
        ax.legend(fontsize=7, loc="upper left", frameon=False)
    else:
        ax.text(0.5, 0.5, "press Step or \u25b6 to run the model", transform=ax.transAxes,
                ha="center", va="center", fontsize=9, color="#555555")
    ax.grid(alpha=0.3)


def draw_improvement(ax, frame) -> None:
    """Cumulative gain from completed tasks per hospital, and the gain still in place."""
    if len(frame):
        ax.plot(frame["week"], frame["improvement_per_hospital"], color="#2e9d4a",
                label="gained so far (per hospital)")
        ax.plot(frame["week"], frame["sustained_improvement"], color="#1f4e9c", ls="--",
                label="still in place (sustained)")
    _finish(ax, "Improvement", "improvement (task value)", frame)


def draw_failures(ax, frame) -> None:
    """Tasks ended so far: completed, failed with nobody in charge, failed in conflict."""
    if len(frame):
        ax.plot(frame["week"], frame["completed"], color=STATE_COLOURS[DIRECTED], label="completed")
        ax.plot(frame["week"], frame["failed_nobody_in_charge"], color="#555555",
                label="failed: nobody in charge")
        ax.plot(frame["week"], frame["failed_conflict"], color=STATE_COLOURS[CONFLICT],
                label="failed: conflict (mixed messages)")
    _finish(ax, "Tasks ended so far (all hospitals)", "tasks", frame)


def draw_dac(ax, frame) -> None:
    """Direction, alignment and commitment this week (West et al. 2014; Drath et al. 2008)."""
    if len(frame):
        ax.plot(frame["week"], frame["direction"], color="#2e9d4a",
                label="direction (share of tasks led, no conflict)")
        ax.plot(frame["week"], frame["alignment"], color="#8e44ad", label="alignment of effort")
        ax.plot(frame["week"], frame["commitment"], color="#f28e1c",
                label="commitment (mean motivation)")
    ax.set_ylim(-0.02, 1.15)
    _finish(ax, "Direction, alignment, commitment", "share / level (0-1)", frame)


PLOTS = {
    "improvement": draw_improvement,
    "failures": draw_failures,
    "dac": draw_dac,
}


def plot_figure(kind: str, frame) -> Figure:
    """A new Figure with plot ``kind`` (a key of :data:`PLOTS`) drawn from ``frame``."""
    fig = Figure(figsize=PLOT_SIZE)
    ax = fig.subplots()
    PLOTS[kind](ax, frame)
    fig.tight_layout()
    return fig
