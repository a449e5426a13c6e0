"""The Solara page of the teaching app (run with ``leadsim app`` or ``solara run sim.app.page``).

Layout: Mesa's ``SolaraViz`` supplies the title bar, the play / step / reset controls and the
model-parameter sliders in the sidebar; above them a *Scenario* card picks a scenario file; the main
area shows one hospital's organisation (:mod:`sim.app.organisation_view`) and four live plots.

Choosing a scenario starts a fresh model from it, with the sliders set to the scenario's values.
Sliders take effect when *Reset* is pressed (Mesa's rule: the running model is never changed under
the student's feet).

The main area is laid out here with plain Solara columns rather than Mesa's draggable grid, which
loads a JavaScript library from a CDN and so fails on an offline classroom machine.
"""

from __future__ import annotations

import threading

import solara
from mesa.visualization import SolaraViz, Slider, make_plot_component
from mesa.visualization.utils import update_counter

from .model import (APP_MAX_HOSPITALS, DEFAULT_SCENARIO, KNOBS, TeachingModel, knob_defaults,
                    load_app_scenario, usable_scenarios, warm_up)
from .organisation_view import CONFLICT, STATE_COLOURS, VACUUM, draw_organisation
from .plots import PLOT_SIZE, plot_figure
from .series import outcome_series

# Compile the model's kernel while the first visitor reads the page (not while they wait on Step).
threading.Thread(target=warm_up, name="leadsim-warm-up", daemon=True).start()

TITLE = "leadsim: who leads quality improvement?"
DEFAULT_HOSPITALS = 2
DEFAULT_SEED = 1
PLAY_INTERVAL_MS = 150
#: PNG options of the figures sent to the browser: fast compression, screen resolution.
PNG = {"format": "png", "dpi": 90, "pil_kwargs": {"compress_level": 1}}
HINT = ("Pick a scenario, move the sliders, then press **Reset** to start a new run with them. "
        "**Step** advances one week; **\u25b6** plays.")


def model_params(scenario_name: str, defaults: dict) -> dict:
    """``SolaraViz`` model parameters: the scenario (fixed), run size and seed, and the knobs."""
    params = {
        "scenario_name": scenario_name,
        "n_hospitals": Slider("Hospitals", DEFAULT_HOSPITALS, 1, APP_MAX_HOSPITALS, 1),
        "seed": Slider("Random seed", DEFAULT_SEED, 0, 99, 1),
    }
    for name, (label, low, high, step) in KNOBS.items():
        params[name] = Slider(label, defaults[name], low, high, step,
                              dtype=type(defaults[name]))
    return params


def _tasks_now_post(ax) -> None:
    """Titles and readable legend names for Mesa's DataCollector plot of this week's tasks."""
    names = {"active_tasks": "active", "tasks_without_leader": "no leader (nobody in charge)",
             "tasks_in_conflict": "leaders in conflict"}
    for line in ax.get_lines():   # DataCollector rows 0, 1, ... are weeks 1, 2, ...
        line.set_xdata(line.get_xdata() + 1)
    ax.relim()
    ax.autoscale_view()
    ax.set_title("Tasks this week (all hospitals)", fontsize=10)
    ax.set_ylabel("tasks", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, [names.get(lab, lab) for lab in labels], fontsize=7, loc="upper left",
              frameon=False)
    ax.figure.set_size_inches(*PLOT_SIZE)
    ax.figure.tight_layout()


TasksNow, _ = make_plot_component(
    {"active_tasks": "#1f4e9c", "tasks_without_leader": STATE_COLOURS[VACUUM],
     "tasks_in_conflict": STATE_COLOURS[CONFLICT]},
    post_process=_tasks_now_post, save_format="png")


@solara.component
def OrganisationView(model):
    """Hospital 0's staff network and QI tasks, redrawn after every step."""
    update_counter.get()
    solara.FigureMatplotlib(draw_organisation(model), **PNG)


@solara.component
def OutcomePlot(model, kind: str):
    """One of the plots of :mod:`sim.app.plots`, redrawn after every step."""
    update_counter.get()
    solara.FigureMatplotlib(plot_figure(kind, outcome_series(model)), **PNG)


def run_description(model) -> str:
    """One line naming the running model's scenario, week and knob values."""
    p = model.params
    return (f"**Week {model.week} of {p.ticks}** \u00b7 scenario *{model.scenario_name}* \u00b7 "
            f"{p.n_hospitals} hospital{'s' if p.n_hospitals > 1 else ''} of {p.staff_per_hospital} "
            f"staff \u00b7 leadership mix {p.leadership_mix:.2f} \u00b7 management support "
            f"{p.management_support:.2f} \u00b7 {p.coordinators_per_hospital} coordinators \u00b7 "
            f"{p.n_national_bodies} national bodies, coherence {p.national_coherence:.2f} \u00b7 "
            f"turnover {p.turnover_rate:.2f}/year \u00b7 seed {p.seed}"
            + (" \u00b7 some hospitals differ (see the scenario file)" if p.hospitals else ""))


@solara.component
def RunDescription(model):
    """The line of :func:`run_description`, refreshed after every step."""
    update_counter.get()
    solara.Markdown(run_description(model))


@solara.component
def MainView(model):
    """The main area: the organisation view on top, then the plots two by two."""
    with solara.Column(style={"padding": "8px"}):
        RunDescription(model)
        with solara.Card(style={"width": "100%"}):
            OrganisationView(model)
        with solara.Columns([1, 1]):
            with solara.Card():
                OutcomePlot(model, "improvement")
            with solara.Card():
                OutcomePlot(model, "failures")
        with solara.Columns([1, 1]):
            with solara.Card():
                TasksNow(model)
            with solara.Card():
                OutcomePlot(model, "dac")


@solara.component
def Classroom(scenario_name: str):
    """SolaraViz and the main view for one scenario (remounted when the scenario changes)."""
    defaults = solara.use_memo(lambda: knob_defaults(load_app_scenario(scenario_name)), [])
    first = solara.use_memo(
        lambda: TeachingModel(scenario_name, DEFAULT_HOSPITALS, DEFAULT_SEED, **defaults), [])
    model = solara.use_reactive(first)
    SolaraViz(model, components=[], model_params=model_params(scenario_name, defaults),
              name=TITLE, play_interval=PLAY_INTERVAL_MS)
    MainView(model.value)


@solara.component
def Page():
    """The app: a scenario picker and the classroom for the chosen scenario.

    Changing the scenario unmounts the classroom for one render before mounting the new one.
    SolaraViz's sidebar controls live in the layout's sidebar (a portal), where a direct swap would
    reuse the old controls' state (Mesa's parameter store would stay empty, and Reset would build
    the default scenario); the empty render in between makes them start afresh.
    """
    names, broken = solara.use_memo(usable_scenarios, [])
    initial = DEFAULT_SCENARIO if DEFAULT_SCENARIO in names else (names[0] if names else None)
    chosen = solara.use_reactive(initial)      # the picker's value
    mounted = solara.use_reactive(initial)     # the scenario whose classroom is on screen
    description = solara.use_memo(
        lambda: load_app_scenario(chosen.value).description if chosen.value else "", [chosen.value])

    def follow_picker():
        if mounted.value != chosen.value:
            mounted.set(chosen.value)

    solara.use_effect(follow_picker, [chosen.value, mounted.value])
    if chosen.value is None:
        solara.Error("No usable scenario file found: set LEADSIM_SCENARIOS to a folder of .toml "
                     "files or start the app from the project folder. "
                     + " ".join(broken.values()))
        return
    with solara.Sidebar():
        with solara.Card("Scenario"):
            solara.Select(label="Scenario", values=names, value=chosen)
            if description:
                solara.Text(description)
            solara.Markdown(HINT)
            for message in broken.values():
                solara.Warning(f"skipped {message}", dense=True)
    if mounted.value == chosen.value:
        Classroom(mounted.value).key(f"classroom-{mounted.value}")
    else:
        solara.Info(f"Loading scenario {chosen.value} ...")
