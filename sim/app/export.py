"""Export of the app's current run: the weekly series as CSV, the views as one PNG.

The PNG is drawn with matplotlib (:mod:`sim.app.organisation_view`, :mod:`sim.app.plots`): the
organisation view of hospital 0 on top and the charts below, with the run's settings as the
figure's title, at print resolution.
"""

from __future__ import annotations

import io
import textwrap

from matplotlib.figure import Figure

from .organisation_view import active_tasks, draw_network, draw_tasks, ended_counts, hospital_layout
from .plots import draw_chart
from .series import CHARTS, outcome_series


def run_label(model) -> str:
    """Scenario, seed and week, for file names (``baseline-seed1-week37``)."""
    return f"{model.scenario_name}-seed{model.params.seed}-week{model.week}"


def run_settings(model) -> str:
    """The run's settings on one line (scenario, size, knobs, seed)."""
    p = model.params
    return (f"scenario {model.scenario_name}, week {model.week} of {p.ticks}, {p.n_hospitals} "
            f"hospital(s) of {p.staff_per_hospital} staff, leadership mix {p.leadership_mix:.2f}, "
            f"management support {p.management_support:.2f}, {p.coordinators_per_hospital} "
            f"coordinators, {p.n_national_bodies} national bodies (coherence "
            f"{p.national_coherence:.2f}), turnover {p.turnover_rate:.2f}/year, seed {p.seed}")


def series_csv(model) -> bytes:
    """The weekly series of the run so far (:func:`sim.app.series.outcome_series`) as CSV."""
    return outcome_series(model).to_csv(index=False, float_format="%.6g").encode()


def views_figure(model, hospital: int = 0) -> Figure:
    """One figure with every view: organisation (network and tasks) and the charts."""
    rows_of_charts = (len(CHARTS) + 1) // 2
    fig = Figure(figsize=(12, 7.5 + 3 * rows_of_charts), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 0.625 * rows_of_charts])
    ax_net, ax_tasks = top.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.15]})
    rows = active_tasks(model, hospital)
    draw_network(ax_net, model, hospital, rows, hospital_layout(model.org, hospital))
    draw_tasks(ax_tasks, model, hospital, rows)
    ended = ended_counts(model, hospital)
    ax_net.set_title(f"Hospital {hospital}: staff, ties and who leads", fontsize=10)
    ax_tasks.set_title(f"Hospital {hospital}: {len(rows)} active QI tasks; ended so far: "
                       + ", ".join(f"{k} {v}" for k, v in ended.items()), fontsize=8)
    frame = outcome_series(model)
    axes = list(bottom.subplots(rows_of_charts, 2).flat)
    for ax, chart in zip(axes, CHARTS):
        draw_chart(ax, chart, frame)
    for ax in axes[len(CHARTS):]:      # an odd number of charts leaves the last cell empty
        ax.set_visible(False)
    fig.suptitle(textwrap.fill("leadsim: " + run_settings(model), 130), fontsize=9)
    return fig


def views_png(model, dpi: int = 110) -> bytes:
    """:func:`views_figure` as PNG bytes."""
    buffer = io.BytesIO()
    views_figure(model).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
