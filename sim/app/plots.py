"""The app's charts drawn with matplotlib from :func:`sim.app.series.outcome_series`.

The same charts as the app's live SVG views (:data:`sim.app.series.CHARTS`: titles, units,
colours and dash patterns), for the app's PNG export and for notebooks; they work on any model
that has run a few weeks.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .series import CHARTS, Chart

PLOT_SIZE = (5.6, 3.0)
LINESTYLES = {"solid": "-", "dashed": "--", "dotted": ":", "dashdot": "-."}
CHARTS_BY_NAME = {c.name: c for c in CHARTS}


def draw_chart(ax, chart: Chart, frame) -> None:
    """Draw ``chart`` (one of :data:`~sim.app.series.CHARTS`) from ``frame`` into ``ax``."""
    if len(frame):
        for line in chart.lines:
            ax.plot(frame["week"], frame[line.column], color=line.colour,
                    ls=LINESTYLES[line.dash], lw=1.6, label=line.label)
        ax.set_xlim(0, max(frame["week"].iloc[-1], 52))
        ax.legend(fontsize=7, loc="upper left", frameon=False)
    else:
        ax.text(0.5, 0.5, "press Step or Play to run the model", transform=ax.transAxes,
                ha="center", va="center", fontsize=9, color="#555555")
    if chart.ylim is not None:
        ax.set_ylim(*chart.ylim)
    else:
        ax.set_ylim(bottom=0)
    ax.set_title(chart.title, fontsize=10)
    ax.set_xlabel("week", fontsize=8)
    ax.set_ylabel(chart.ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if chart.counts:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)


def plot_figure(name: str, frame) -> Figure:
    """A new Figure with chart ``name`` (a :class:`~sim.app.series.Chart` name) drawn from
    ``frame``."""
    fig = Figure(figsize=PLOT_SIZE)
    ax = fig.subplots()
    draw_chart(ax, CHARTS_BY_NAME[name], frame)
    fig.tight_layout()
    return fig
