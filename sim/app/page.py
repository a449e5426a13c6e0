"""The Solara page of the teaching app (run with ``leadsim app`` or ``solara run sim.app.page``).

Layout: a bar that stays on top (title, the running model's week and settings, Reset / Play /
Step, play speed, large text), then the settings (scenario, preset, sliders with value, range and
unit) and the main area with two tabs: *Simulation* (hospital 0's organisation, five charts,
export) and *Info* (what it is, how it works, the scenario's story, glossary). On a narrow screen
the settings move below the simulation, so a phone shows the model first.

The model is a :class:`~sim.app.model.TeachingModel` (a Mesa model); the page runs it itself
rather than through Mesa's ``SolaraViz``, whose fixed sidebar offers no place for ranges, units,
"changed" marks, presets or accessible button names. Sliders take effect when *Reset* is pressed:
the running model is never changed under the student's feet, and a moved slider is marked until
then. The views are SVG built in Python (:mod:`sim.app.live`), a few milliseconds a week.
"""

from __future__ import annotations

import threading
import time
import traceback

import solara
import solara.lab

from .export import series_csv, views_png
from .info import info_html
from .live import chart_view, network_ties, network_view, shape, tasks_view
from .model import (DEFAULT_SCENARIO, KNOBS, PRESETS, RUN_KNOBS, Knob, TeachingModel,
                    knob_defaults, load_app_scenario, preset_settings, usable_scenarios, warm_up)
from .organisation_view import (CONFLICT, DIRECTED, ROLE_COLOURS, STATE_COLOURS, VACUUM,
                                active_tasks, ended_counts)
from .series import CHARTS, outcome_series
from .svg import PATTERN_DEFS, legend_html, line_swatch

# Compile the model's kernel while the first visitor reads the page (not while they wait on Step).
threading.Thread(target=warm_up, name="leadsim-warm-up", daemon=True).start()

TITLE = "leadsim: who leads quality improvement?"
DEFAULT_HOSPITALS = 2
DEFAULT_SEED = 1
SPEEDS = {"1 week/s": 1.0, "2 weeks/s": 2.0, "5 weeks/s": 5.0, "10 weeks/s": 10.0,
          "20 weeks/s": 20.0}
DEFAULT_SPEED = "5 weeks/s"
CATCH_UP_S = 0.5    # a late week is made up for by shorter pauses, up to this far behind

CSS = """
.leadsim-app { font-size: 16px; line-height: 1.45; color: #1a1a1a; }
.leadsim-app.leadsim-large { font-size: 21px; }
.leadsim-bar { position: sticky; top: 0; z-index: 10; background: #fff; display: flex;
  flex-wrap: wrap; align-items: center; gap: 6px 12px; padding: 8px 12px;
  border-bottom: 1px solid #ccc; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
.leadsim-bar h1 { font-size: 1.2em; margin: 0 12px 0 0; font-weight: 600; }
.leadsim-run { flex: 1 1 100%; font-size: 0.95em; }
.leadsim-buttons { display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: center; }
.leadsim-buttons .v-input { margin-top: 0; padding-top: 0; flex: 0 0 auto; }
.leadsim-buttons .v-input__details { display: none; }
.leadsim-body { display: flex; flex-wrap: wrap; gap: 14px; padding: 10px 12px; align-items: flex-start; }
.leadsim-settings { flex: 1 1 300px; max-width: 390px; min-width: 0; }
.leadsim-main { flex: 999 1 560px; min-width: 0; }
@media (max-width: 960px) { .leadsim-settings { order: 2; max-width: none; } }
@media (max-width: 600px) { .leadsim-bar h1, .leadsim-details { display: none; }
  .leadsim-bar { padding: 4px 6px; } .leadsim-body { padding: 6px 4px; } }
.leadsim-views { display: grid; gap: 14px;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 430px), 1fr)); }
.leadsim-large .leadsim-views { grid-template-columns: 1fr; }
.leadsim-card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; background: #fff; min-width: 0; }
.leadsim-card h2 { font-size: 1.05em; margin: 0 0 4px 0; font-weight: 600; }
.leadsim-note { font-size: 0.85em; color: #444; margin: 4px 0 0 0; }
.leadsim-legend { display: flex; flex-wrap: wrap; gap: 2px 14px; font-size: 0.88em; margin-top: 4px; }
.leadsim-key { display: inline-flex; align-items: center; gap: 4px; }
.leadsim-stack { position: relative; }
.leadsim-stack > .leadsim-top { position: absolute; inset: 0; }
.leadsim-knob { padding: 4px 6px 2px 6px; margin: 2px 0 6px 0; border-left: 4px solid transparent; }
.leadsim-knob.leadsim-moved { border-left-color: #b35900; background: #fff4e5; }
.leadsim-knob-head { display: flex; justify-content: space-between; gap: 8px; font-weight: 600; }
.leadsim-knob-value { font-variant-numeric: tabular-nums; }
.leadsim-knob-ends { display: flex; justify-content: space-between; gap: 8px; font-size: 0.82em; color: #444; }
.leadsim-changed { color: #8a4500; font-size: 0.85em; font-weight: 600; }
.leadsim-info { max-width: 60em; }
.leadsim-info h3 { font-size: 1.15em; margin: 1.1em 0 0.3em 0; }
.leadsim-info p { margin: 0 0 0.6em 0; }
.leadsim-info ul, .leadsim-info ol { margin: 0 0 0.6em 0; padding-left: 1.4em; }
.leadsim-info dt { font-weight: 600; margin-top: 0.5em; }
.leadsim-info dd { margin-left: 1.2em; }
.leadsim-app .v-slider .v-slider-thumb__surface { border: 2px solid #fff; }
"""


# --- legends ------------------------------------------------------------------------------------
def _shape_swatch(category: int) -> str:
    return shape(category, 17, 9, 6, ROLE_COLOURS[category])


NETWORK_LEGEND = legend_html(
    [(_shape_swatch(c), name) for c, name in zip(ROLE_COLOURS, ("manager", "clinician",
                                                                 "hybrid clinician-manager",
                                                                 "coordinator"))]
    + [('<circle cx="17" cy="9" r="6" fill="#8ec9e8"/><circle cx="17" cy="9" r="8" fill="none" '
        'stroke="black" stroke-width="2"/>', "leads task (number)"),
       ('<line x1="1" y1="9" x2="33" y2="9" stroke="#333" stroke-width="1.5" stroke-dasharray="4 3"/>',
        "reports to"),
       ('<line x1="1" y1="9" x2="33" y2="9" stroke="#9e9e9e" stroke-width="1.5"/>', "informal tie"),
       ('<circle cx="9" cy="9" r="3.5" fill="#8ec9e8"/><circle cx="24" cy="9" r="8" fill="#8ec9e8"/>',
        "size: motivation")])


def _state_swatch(state: str, pattern: str | None) -> str:
    fill = f'<rect x="1" y="2" width="32" height="14" fill="{STATE_COLOURS[state]}"/>'
    return fill + (f'<rect x="1" y="2" width="32" height="14" fill="url(#{pattern})" '
                   f'fill-opacity="0.75"/>' if pattern else "")


TASKS_LEGEND = legend_html([
    (_state_swatch(DIRECTED, None), "coherent direction (led)"),
    (_state_swatch(VACUUM, "ls-dots"), "nobody in charge"),
    (_state_swatch(CONFLICT, "ls-cross"), "mixed messages (conflict)"),
    ('<rect x="1" y="2" width="32" height="14" fill="#2e9d4a" fill-opacity="0.35" stroke="#2e9d4a"/>'
     '<rect x="1" y="10" width="32" height="6" fill="url(#ls-hatch)"/>', "national initiative"),
    ('<rect x="1" y="2" width="14" height="14" fill="#2e9d4a"/><rect x="15" y="2" width="18" '
     'height="14" fill="#2e9d4a" fill-opacity="0.35"/>', "darker part: progress"),
])

CHART_LEGENDS = {c.name: legend_html([(line_swatch(s.colour, s.dash), s.label) for s in c.lines])
                 for c in CHARTS}


# --- the running model ----------------------------------------------------------------------------
def run_description(model) -> str:
    """One line naming the running model's week, scenario and settings (HTML)."""
    p = model.params
    return (f"<strong>Week {model.week} of {p.ticks}</strong> <span class='leadsim-details'>"
            f"\u00b7 scenario <em>{model.scenario_name}</em> \u00b7 {p.n_hospitals} hospital"
            f"{'s' if p.n_hospitals > 1 else ''} of {p.staff_per_hospital} staff \u00b7 leadership "
            f"mix {p.leadership_mix:.2f} \u00b7 management support {p.management_support:.2f} "
            f"\u00b7 {p.coordinators_per_hospital} coordinators \u00b7 {p.n_national_bodies} "
            f"national bodies, coherence {p.national_coherence:.2f} \u00b7 turnover "
            f"{p.turnover_rate:.2f}/year \u00b7 seed {p.seed}"
            + (" \u00b7 some hospitals differ (see Info)" if p.hospitals else "") + "</span>"
            + ("" if model.running else " \u00b7 <strong>finished</strong>: press Reset"))


def moved_settings(pending: dict, model) -> list[str]:
    """Names of the settings whose slider differs from the running model's value."""
    return [k for k, v in pending.items() if model.settings.get(k) != v]


def view_html(name: str, week: int, svg: str) -> str:
    """One live view; ``data-view`` and ``data-week`` say which view and which week it shows."""
    return f'<div data-view="{name}" data-week="{week}">{svg}</div>'


def card_html(title: str, body: str, legend: str = "", note: str = "") -> str:
    """A card's content: heading, view, legend and note, as one piece of HTML (one element to
    update a week, not four)."""
    return (f"<h2>{title}</h2>{body}{legend}"
            + (f'<p class="leadsim-note">{note}</p>' if note else ""))


ORGANISATION_NOTE = "Letters: M manager, C clinician, H hybrid, Q coordinator, with post number."


def live_content(model) -> dict[str, str]:
    """The HTML of every part of the page that changes every week, by part: the run line, the
    organisation view (heading, ties layer, people layer, tasks card) and the four chart cards."""
    rows = active_tasks(model, 0)
    ties, _ = network_ties(model, 0)
    network = network_view(model, rows)
    tasks = tasks_view(model, rows)
    ended = ended_counts(model, 0)
    content = {
        "run": run_description(model),
        "network-title": f"Hospital 0: staff and who leads (week {model.week})",
        "ties": ties,
        "network": view_html("network", network.week, network.svg),
        "tasks": card_html(
            f"Hospital 0: active QI tasks (week {model.week})",
            view_html("tasks", tasks.week, tasks.svg), TASKS_LEGEND,
            "Ended so far in hospital 0: " + ", ".join(f"{k} {v}" for k, v in ended.items())
            + ". " + ORGANISATION_NOTE),
    }
    frame = outcome_series(model)
    for chart in CHARTS:
        view = chart_view(chart, frame, model.week)
        content[chart.name] = card_html(chart.title, view_html(view.name, view.week, view.svg),
                                        CHART_LEGENDS[chart.name], chart.note)
    return content


@solara.component
def LiveHTML(part: str, content: str, tick: int, registry: dict, tag: str = "div",
             classes: list[str] | None = None, attributes: dict | None = None):
    """A part of the page that changes every week. While playing, the play loop sets its HTML
    directly (found in ``registry``), without re-rendering the page: a week then costs the
    server the drawing alone. ``tick`` is written into the HTML so that every render of the
    page, too, sends it afresh."""
    element = solara.HTML(tag=tag, unsafe_innerHTML=f"<!--{tick}-->{content}",
                          classes=classes or [], attributes=attributes or {})

    def register():
        registry[part] = solara.get_widget(element)
        return lambda: registry.pop(part, None)

    solara.use_effect(register, [])
    return element


def push_live(registry: dict, model) -> bool:
    """Set the HTML of every registered live part from ``model``; False (nothing done) unless
    every part is on the page."""
    content = live_content(model)
    widgets = dict(registry)
    if set(widgets) != set(content):
        return False
    for part, widget in widgets.items():
        widget.unsafe_innerHTML = content[part]
    return True


@solara.component
def LiveViews(content: dict, tick: int, registry: dict):
    """Hospital 0's staff network (ties layer under the people layer), its QI tasks, and the
    charts of :data:`sim.app.series.CHARTS` (all hospitals of the run)."""
    with solara.Div(classes=["leadsim-card"]):
        LiveHTML("network-title", content["network-title"], tick, registry, tag="h2")
        with solara.Div(classes=["leadsim-stack"]):
            LiveHTML("ties", content["ties"], tick, registry)
            LiveHTML("network", content["network"], tick, registry, classes=["leadsim-top"])
        solara.HTML(tag="div", unsafe_innerHTML=NETWORK_LEGEND)
    LiveHTML("tasks", content["tasks"], tick, registry, tag="section", classes=["leadsim-card"])
    for chart in CHARTS:
        LiveHTML(chart.name, content[chart.name], tick, registry, tag="section",
                 classes=["leadsim-card"])


@solara.component
def ExportButtons(model):
    """Downloads of the current run: the weekly series (CSV) and every view (PNG), as they are
    when the button is pressed (the week is in the file)."""
    label = f"{model.scenario_name}-seed{model.params.seed}"
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px", "margin": "8px 0"}):
        solara.FileDownload(lambda: series_csv(model), filename=f"leadsim-{label}.csv",
                            label="Download data (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: views_png(model), filename=f"leadsim-{label}.png",
                            label="Download views (PNG)", mime_type="image/png")


# --- settings ------------------------------------------------------------------------------------
@solara.component
def KnobSlider(name: str, knob: Knob, value, running, on_value):
    """A slider with its label, value, unit and range always visible; marked while it differs
    from the running model's value. The label is the slider's accessible name."""
    moved = value != running
    with solara.Div(classes=["leadsim-knob"] + (["leadsim-moved"] if moved else []),
                    attributes={"data-knob": name, "data-moved": "yes" if moved else "no"}):
        solara.HTML(tag="div", classes=["leadsim-knob-head"], unsafe_innerHTML=(
            f"<span>{knob.label}</span><span class='leadsim-knob-value'>{knob.format(value)} "
            f"<small>{knob.unit}</small></span>"))
        solara.v.Slider(v_model=value, on_v_model=lambda v: on_value(name, v), min=knob.low,
                        max=knob.high, step=knob.step, name=knob.label, hide_details=True,
                        color="#b35900" if moved else "primary", class_="ma-0")
        low, high = knob.ends()
        solara.HTML(tag="div", classes=["leadsim-knob-ends"],
                    unsafe_innerHTML=f"<span>{low}</span><span>{high}</span>")
        if moved:
            solara.HTML(tag="div", classes=["leadsim-changed"], unsafe_innerHTML=(
                f"changed: the run uses {knob.format(running)} until you press Reset"))


# --- the page ------------------------------------------------------------------------------------
@solara.component
def Page():
    """The app, or one line saying why there is none (no usable scenario file)."""
    names, broken = solara.use_memo(usable_scenarios, [])
    solara.Title(TITLE)
    solara.Style(CSS)
    if not names:
        solara.Error("No usable scenario file found: set LEADSIM_SCENARIOS to a folder of .toml "
                     "files or start the app from the project folder. " + " ".join(broken.values()))
        return
    Classroom(names, broken)


class PlayTurn:
    """Which play loop may step the model: the one started since the last stop. A loop that
    outlives its turn (Pause then Play before it woke) stops instead of stepping along with the
    new one, and a button that stops the loop does not wait behind more than one week."""

    def __init__(self) -> None:
        self.current = 0

    def end(self) -> None:
        self.current += 1


@solara.component
def Classroom(names: list[str], broken: dict[str, str]):
    """The app for one student: the running model, the sliders' settings and the views.

    Only :func:`LiveArea` reads ``tick``, so a redraw leaves the settings alone; while playing,
    the play loop updates the live parts directly (:func:`push_live`)."""
    initial = DEFAULT_SCENARIO if DEFAULT_SCENARIO in names else names[0]

    def first_model():
        defaults = knob_defaults(load_app_scenario(initial))
        return TeachingModel(initial, DEFAULT_HOSPITALS, DEFAULT_SEED, **defaults)

    model = solara.use_reactive(solara.use_memo(first_model, []))
    registry = solara.use_memo(dict, [])   # the live parts' widgets, by part
    # Held by the play loop while it steps and draws a week, and by a button that stops the loop:
    # a week is never drawn after Pause or Reset (over the new run's week 0), and the page never
    # draws a model that is in the middle of a step.
    frame = solara.use_memo(threading.Lock, [])
    turn = solara.use_memo(PlayTurn, [])
    pending = solara.use_reactive(dict(model.value.settings))
    scenario = solara.use_reactive(initial)
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    large = solara.use_reactive(False)
    tab = solara.use_reactive(0)
    watch = solara.use_reactive("")
    error = solara.use_reactive("")

    def stop_playing() -> None:
        """Stop the play loop. It waits for the week being stepped to be drawn, so the page shows
        the week the model is in, and nothing the loop stepped is drawn after this returns."""
        turn.end()   # the loop stops before its next week, and does not take ``frame`` again
        with frame:
            playing.set(False)

    def build(name: str, settings: dict) -> None:
        stop_playing()
        knobs = {k: v for k, v in settings.items() if k in KNOBS}
        model.set(TeachingModel(name, settings["n_hospitals"], settings["seed"], **knobs))
        tick.set(tick.value + 1)
        error.set("")

    def reset():
        build(scenario.value, pending.value)

    def step():
        try:
            with frame:
                model.value.step()
        except Exception as err:   # shown on the page; the run stays as it was
            traceback.print_exc()
            error.set(f"error in step: {err}")
        tick.set(tick.value + 1)

    def choose_scenario(name: str):
        scenario.set(name)
        settings = {"n_hospitals": pending.value["n_hospitals"], "seed": pending.value["seed"],
                    **knob_defaults(load_app_scenario(name))}
        pending.set(settings)
        watch.set("")
        build(name, settings)

    def apply_preset(key: str):
        name, settings = preset_settings(key, pending.value["seed"], pending.value["n_hospitals"])
        scenario.set(name)
        pending.set(settings)
        watch.set(PRESETS[key].watch)
        build(name, settings)

    def set_pending(name: str, value):
        knob = KNOBS.get(name) or RUN_KNOBS[name]
        value = int(round(value)) if float(knob.step).is_integer() else round(float(value), 6)
        pending.set({**pending.value, name: value})

    # The play loop's own turn and model are those of the render that started it (its thread may
    # start late: after a Pause and a new Play, the Pause's loop must not play).
    started, mine, running = playing.value, turn.current, model.value

    def play_loop():
        """While playing: step and redraw the live parts (directly, or by a render of the page
        when they are not all on it) under ``frame``, then wait for the next week's turn at the
        chosen speed. At the horizon, one render of the page brings everything else up to date."""
        if not started:
            return
        next_at = time.perf_counter()
        try:
            while True:
                with frame:
                    if turn.current != mine:   # every Pause, Reset, scenario or preset ends it
                        return   # stopped by a button, which has redrawn the page itself
                    if not running.running:
                        break    # reached the horizon
                    running.step()
                    drawn = push_live(registry, running)
                if not drawn:
                    tick.set(tick.value + 1)
                next_at += 1.0 / SPEEDS[speed.value]
                wait = next_at - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                elif wait < -CATCH_UP_S:
                    next_at = time.perf_counter()   # far behind (busy server): start afresh
        except Exception as err:
            traceback.print_exc()
            error.set(f"error in step: {err}")
        with frame:
            if turn.current == mine:   # not stopped meanwhile (a Reset, then Play on a new run)
                playing.set(False)
                tick.set(tick.value + 1)

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    current = model.value
    moved = moved_settings(pending.value, current)
    with solara.Div(classes=["leadsim-app"] + (["leadsim-large"] if large.value else [])):
        solara.HTML(tag="div", unsafe_innerHTML=PATTERN_DEFS)
        if error.value:
            solara.Error(error.value)
        with solara.Div(classes=["leadsim-body"]):
            with solara.Div(classes=["leadsim-settings"]):
                with solara.Card("Scenario"):
                    solara.Select("Scenario", values=names, value=scenario.value,
                                  on_value=choose_scenario)
                    solara.Text(load_app_scenario(scenario.value).description)
                    for message in broken.values():
                        solara.Warning(f"skipped {message}", dense=True)
                with solara.Card("Presets"):
                    for key, preset in PRESETS.items():
                        solara.Button(preset.label, icon_name="mdi-lightbulb-on-outline",
                                      outlined=True, on_click=lambda key=key: apply_preset(key))
                    if watch.value:
                        solara.Info(watch.value, dense=True)
                with solara.Card("Settings", subtitle="used from the next Reset"):
                    for name, knob in {**KNOBS, **RUN_KNOBS}.items():
                        KnobSlider(name, knob, pending.value[name], current.settings[name],
                                   set_pending)
            with solara.Div(classes=["leadsim-main"]):
                LiveArea(current, tick, playing, stop_playing, speed, large, tab, len(moved), reset,
                         step, scenario.value, registry)


@solara.component
def ViewControls(speed, large):
    """Play speed and large text (its own component: not redrawn every week)."""
    with solara.Div(classes=["leadsim-buttons"]):
        with solara.Div(style={"width": "150px"}):
            solara.Select("Play speed", values=list(SPEEDS), value=speed, dense=True)
        solara.Switch(label="Large text", value=large)


@solara.component
def LiveArea(model, tick, playing, pause, speed, large, tab, moved: int, reset, step,
             scenario_name: str, registry: dict):
    """Everything that changes with the week, in one component: the bar with the run controls
    and the running model's settings, the views and the export."""
    week = tick.value   # a new value every step and every reset
    content = live_content(model)
    with solara.Div(classes=["leadsim-bar"]):
        solara.HTML(tag="h1", unsafe_innerHTML=TITLE)
        with solara.Div(classes=["leadsim-buttons"]):
            solara.Button("Reset", icon_name="mdi-restart", on_click=reset,
                          color="warning" if moved else "primary")
            if playing.value:
                solara.Button("Pause", icon_name="mdi-pause", color="primary",
                              on_click=pause)
            else:
                solara.Button("Play", icon_name="mdi-play", color="primary",
                              on_click=lambda: playing.set(True), disabled=not model.running)
            solara.Button("Step", icon_name="mdi-step-forward", color="primary", on_click=step,
                          disabled=playing.value or not model.running)
            ViewControls(speed, large)
        LiveHTML("run", content["run"], week, registry, classes=["leadsim-run"],
                 attributes={"data-run": "line"})
        if moved:
            solara.HTML(tag="div", classes=["leadsim-changed"], attributes={"role": "status"},
                        unsafe_innerHTML=(f"{moved} setting{'s' if moved > 1 else ''} changed: "
                                          f"press Reset to start a run with "
                                          f"{'them' if moved > 1 else 'it'}"))
    with solara.v.Tabs(v_model=tab.value, on_v_model=tab.set, class_="leadsim-tabs"):
        solara.v.Tab(children=["Simulation"])
        solara.v.Tab(children=["Info"])
    if tab.value == 1:
        InfoPanel(scenario_name)
    else:
        with solara.Div(classes=["leadsim-views"]):
            LiveViews(content, week, registry)
        ExportButtons(model)


@solara.component
def InfoPanel(scenario_name: str):
    html = solara.use_memo(lambda: info_html(scenario_name), [scenario_name])
    solara.HTML(tag="div", classes=["leadsim-info"], unsafe_innerHTML=html,
                attributes={"data-panel": "info"})
