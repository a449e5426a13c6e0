"""The teaching app's parts without a browser: model factory, series, drawings, assets, CLI."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest

from sim import constants as C
from sim.app import assets
from sim.app.model import (APP_STAFF_PER_HOSPITAL, KNOBS, TeachingModel, available_scenarios,
                           classroom_parameters, knob_defaults, load_app_scenario)
from sim.app.organisation_view import (MAX_TASK_ROWS, _spans, active_tasks, draw_organisation,
                                       hospital_layout)
from sim.app.series import SERIES_COLUMNS, outcome_series

REPO = Path(__file__).resolve().parents[1]

SCENARIO = """\
name = "tiny"
description = "A tiny test scenario"
ticks = 6
n_hospitals = 4
leadership_mix = 0.3
management_support = 0.5
[[hospitals]]
hospital = 0
management_support = 0.1
staff_per_hospital = 400
[[hospitals]]
hospital = 3
coordinators_per_hospital = 7
"""


@pytest.fixture()
def scenarios(tmp_path, monkeypatch):
    """A scenario folder with one tiny scenario, used by the app's model factory."""
    (tmp_path / "tiny.toml").write_text(SCENARIO)
    (tmp_path / "baseline.toml").write_text('name = "baseline"\nticks = 4\n')
    monkeypatch.setenv("LEADSIM_SCENARIOS", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def stepped_model():
    model = TeachingModel("baseline", n_hospitals=2, seed=3, leadership_mix=0.6)
    for _ in range(30):
        model.step()
    return model


def test_scenarios_listed_baseline_first(scenarios):
    assert available_scenarios() == ["baseline", "tiny"]
    assert "baseline" in available_scenarios(REPO / "scenarios")


def test_broken_scenario_files_are_reported_not_offered(scenarios):
    from sim.app.model import usable_scenarios

    (scenarios / "broken.toml").write_text("leadership_mix = 7\n")
    names, broken = usable_scenarios()
    assert names == ["baseline", "tiny"]
    assert list(broken) == ["broken"] and "'leadership_mix'" in broken["broken"]


def test_model_is_classroom_sized_and_stops_at_the_horizon(scenarios):
    model = TeachingModel("tiny", n_hospitals=2, seed=5)
    hs = model.org.hospitals
    assert hs.aim.shape[0] == 2
    assert (hs.staff_end - hs.staff_start).tolist() == [APP_STAFF_PER_HOSPITAL] * 2
    assert model.scenario_description == "A tiny test scenario"
    for week in range(1, 7):
        assert model.running
        model.step()
        assert model.week == week
    assert not model.running


def test_n_hospitals_is_clipped_to_the_app_range(scenarios):
    assert TeachingModel("tiny", n_hospitals=0).params.n_hospitals == 1
    assert TeachingModel("tiny", n_hospitals=99).params.n_hospitals == 3


def test_unmoved_knobs_keep_the_scenarios_hospital_overrides(scenarios):
    scenario = load_app_scenario("tiny")
    params = classroom_parameters(scenario, 2, 1, knob_defaults(scenario))
    assert params.hospital_values("management_support") == [0.1, 0.5]
    assert params.hospital_values("staff_per_hospital") == [APP_STAFF_PER_HOSPITAL] * 2
    assert params.leadership_mix == 0.3


def test_a_moved_knob_applies_to_every_hospital(scenarios):
    scenario = load_app_scenario("tiny")
    knobs = {**knob_defaults(scenario), "management_support": 0.9}
    params = classroom_parameters(scenario, 4, 1, knobs)
    assert params.hospital_values("management_support") == [0.9] * 4
    assert params.hospital_values("coordinators_per_hospital") == [3, 3, 3, 7]


def test_teaching_model_records_the_settings_it_was_built_from(scenarios):
    model = TeachingModel("tiny", n_hospitals=2, seed=4, leadership_mix=0.85)
    assert model.settings["leadership_mix"] == 0.85 and model.params.leadership_mix == 0.85
    assert model.settings["n_hospitals"] == 2 and model.settings["seed"] == 4
    assert set(KNOBS) <= set(model.settings)
    assert model.settings["management_support"] == 0.5   # the scenario's own value
    assert set(KNOBS) <= set(inspect.signature(TeachingModel).parameters)


def test_outcome_series(stepped_model):
    frame = outcome_series(stepped_model)
    assert list(frame.columns) == list(SERIES_COLUMNS)
    assert frame["week"].tolist() == list(range(1, 31))
    for cumulative in ("improvement_per_hospital", "completed", "failed_nobody_in_charge",
                       "failed_conflict", "abandoned"):
        assert (np.diff(frame[cumulative]) >= 0).all(), cumulative
    for share in ("direction", "alignment", "commitment"):
        values = frame[share].dropna()
        assert ((values >= 0) & (values <= 1)).all(), share
    records = stepped_model.record_array()
    from sim.outcomes import COL
    assert frame["failed_nobody_in_charge"].iloc[-1] == records[:, :, COL["failed_vacuum"]].sum()
    assert frame["abandoned"].iloc[-1] == records[:, :, COL["abandoned"]].sum()


def test_outcome_series_before_the_first_step(scenarios):
    frame = outcome_series(TeachingModel("tiny"))
    assert len(frame) == 0 and list(frame.columns) == list(SERIES_COLUMNS)


def test_layout_places_every_post_apart(stepped_model):
    org = stepped_model.org
    pos = hospital_layout(org, 0)
    assert pos.shape == (APP_STAFF_PER_HOSPITAL, 2)
    assert np.isfinite(pos).all()
    assert len({(round(x, 6), round(y, 6)) for x, y in pos}) == len(pos)
    chief = int(org.hospitals.executive[0]) - int(org.hospitals.staff_start[0])
    assert np.allclose(pos[chief], 0.0)


def test_active_tasks_match_the_state(stepped_model):
    t = stepped_model.org.tasks
    lo, hi = stepped_model.org.hospitals.task_start[0], stepped_model.org.hospitals.task_end[0]
    rows = active_tasks(stepped_model, 0)
    assert len(rows) == int((t.status[lo:hi] == C.ACTIVE).sum())
    for row in rows:
        assert row.leaders == [int(x) for x in t.leaders[row.slot] if x >= 0]
        assert (row.state == "nobody in charge") == (not row.leaders)


def test_organisation_figure(stepped_model):
    from matplotlib.collections import PathCollection

    fig = draw_organisation(stepped_model)
    ax_net, ax_tasks = fig.axes
    shown = min(len(active_tasks(stepped_model, 0)), MAX_TASK_ROWS)
    assert len(ax_tasks.get_yticklabels()) == shown
    people = [c for c in ax_net.collections if isinstance(c, PathCollection) and c.zorder == 3]
    assert sum(len(c.get_offsets()) for c in people) == APP_STAFF_PER_HOSPITAL
    assert len(people) == len(set(stepped_model.category[:APP_STAFF_PER_HOSPITAL].tolist()))


def test_organisation_figure_keeps_its_keys_inside_the_figure(stepped_model):
    """The colour keys (roles, task states) are drawn within the figure, not cut off."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = draw_organisation(stepped_model)
    renderer = FigureCanvasAgg(fig).get_renderer()
    box = fig.bbox
    for ax in fig.axes:
        legend = ax.get_legend()
        extent = legend.get_window_extent(renderer)
        assert extent.y0 >= box.y0 and extent.x0 >= box.x0 and extent.x1 <= box.x1, ax.get_title()


@pytest.mark.parametrize("lo, width, n, expected", [
    (2, 3, 8, [(2.0, 3.0)]),
    (6, 4, 8, [(6.0, 2.0), (0.0, 2.0)]),
    (0, 9, 8, [(0.0, 8.0)]),
])
def test_task_spans_wrap_around_the_units(lo, width, n, expected):
    assert _spans(lo, width, n) == expected


VIEWS = ["network", "tasks", "improvement", "ended", "now", "dac", "collaborative"]


def _html_widgets(rc):
    import solara

    return rc.find(solara.widgets.HTML).widgets


def _views(rc) -> dict[str, int]:
    """{view name: week it shows} of the rendered page."""
    import re

    found = {}
    for w in _html_widgets(rc):
        for name, week in re.findall(r'data-view="(\w+)" data-week="(\d+)"', w.unsafe_innerHTML or ""):
            found[name] = int(week)
    return found


def _all_widgets(rc):
    """Every widget of the rendered page (``rc.find`` does not look inside a match)."""
    import ipywidgets

    def walk(w):
        yield w
        for child in getattr(w, "children", None) or []:
            if isinstance(child, ipywidgets.Widget):
                yield from walk(child)

    return list(walk(rc.container))


def _button(rc, label):
    import ipyvuetify as v

    return next(b for b in rc.find(v.Btn).widgets if label in b.children)


def _run_line(rc) -> str:
    return next(w.unsafe_innerHTML for w in _html_widgets(rc) if w.attributes.get("data-run"))


def test_page_renders_without_a_browser(scenarios):
    import solara

    from sim.app.page import Page

    _, rc = solara.render(Page(), handle_error=False)
    assert _views(rc) == {name: 0 for name in VIEWS}
    assert "Week 0 of 4" in _run_line(rc)
    _button(rc, "Step").click()
    assert _views(rc) == {name: 1 for name in VIEWS}
    assert "Week 1 of 4" in _run_line(rc)
    rc.close()


def _wait(condition, seconds=60.0):
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_play_updates_every_view_each_week_and_reset_redraws(scenarios):
    import re
    import time

    import ipyvuetify as v
    import solara

    from sim.app.page import Page

    (scenarios / "baseline.toml").write_text('name = "baseline"\nticks = 60\n')
    _, rc = solara.render(Page(), handle_error=False)
    speed = next(s for s in rc.find(v.Select).widgets if s.label == "Play speed")
    speed.v_model = "20 weeks/s"

    def week() -> int:
        return int(re.search(r"Week (\d+) of", _run_line(rc)).group(1))

    def shows(n: int) -> bool:   # every view drawn in the week the run line says
        return week() == n and _views(rc) == {name: n for name in VIEWS}

    # A render asked for while another thread renders (the play loop's task reports its state)
    # is done by that thread, after the click returns: so the test waits for what the page shows.
    _button(rc, "Play").click()
    _wait(lambda: week() >= 6)
    _button(rc, "Pause").click()
    _wait(lambda: any("Play" in b.children for b in rc.find(v.Btn).widgets) and shows(week()))
    shown = week()
    time.sleep(0.3)   # six weeks' turns at this speed: paused means no further week
    assert shows(shown)
    _button(rc, "Reset").click()
    _wait(lambda: shows(0))
    _button(rc, "Play").click()   # plays to the horizon and stops there
    _wait(lambda: week() == 60 and any("Play" in b.children for b in rc.find(v.Btn).widgets))
    assert _views(rc) == {name: 60 for name in VIEWS} and "finished" in _run_line(rc)
    rc.close()


def test_reset_while_a_week_is_stepped_never_draws_the_old_run(scenarios, monkeypatch):
    """Reset pressed while the play loop is in the middle of a week: the page ends on the new
    run's week 0, and the old run's week is never drawn over it."""
    import re
    import threading
    import time

    import ipyvuetify as v
    import solara

    from sim.app.page import Page

    (scenarios / "baseline.toml").write_text('name = "baseline"\nticks = 60\n')
    in_week, go_on = threading.Event(), threading.Event()
    held = []   # the model whose week is held (one week, once)
    original = TeachingModel.step

    def held_step(self):
        original(self)
        if self.week == 4 and not held:
            held.append(self)
            in_week.set()
            go_on.wait(30)

    monkeypatch.setattr(TeachingModel, "step", held_step)
    _, rc = solara.render(Page(), handle_error=False)
    speed = next(s for s in rc.find(v.Select).widgets if s.label == "Play speed")
    speed.v_model = "20 weeks/s"

    def week() -> int:
        return int(re.search(r"Week (\d+) of", _run_line(rc)).group(1))

    _button(rc, "Play").click()
    assert in_week.wait(30)   # the loop is inside week 4, not yet drawn
    reset = threading.Thread(target=_button(rc, "Reset").click)
    reset.start()
    time.sleep(0.2)
    go_on.set()
    reset.join(30)
    assert not reset.is_alive()
    _wait(lambda: week() == 0 and _views(rc) == {name: 0 for name in VIEWS})
    time.sleep(0.3)   # the old loop has ended: nothing of the old run comes after Reset
    assert week() == 0 and _views(rc) == {name: 0 for name in VIEWS}
    assert held[0].week == 4   # the held week was stepped and drawn, and its run stopped there
    rc.close()


def test_pause_then_play_at_once_leaves_one_loop_stepping(scenarios, monkeypatch):
    """Play pressed again before the paused loop woke from its wait: only the new loop steps the
    model (two loops would play it at twice the chosen speed)."""
    import threading

    import ipyvuetify as v
    import solara

    from sim.app.page import Page

    (scenarios / "baseline.toml").write_text('name = "baseline"\nticks = 60\n')
    steppers = []   # the thread of every week stepped
    original = TeachingModel.step

    def recorded_step(self):
        steppers.append(threading.current_thread())
        original(self)

    monkeypatch.setattr(TeachingModel, "step", recorded_step)
    _, rc = solara.render(Page(), handle_error=False)
    speed = next(s for s in rc.find(v.Select).widgets if s.label == "Play speed")
    speed.v_model = "2 weeks/s"   # the loop waits half a second between weeks
    _button(rc, "Play").click()
    _wait(lambda: len(steppers) >= 1)
    _button(rc, "Pause").click()
    _wait(lambda: any("Play" in b.children for b in rc.find(v.Btn).widgets))
    before = len(steppers)
    _button(rc, "Play").click()
    _wait(lambda: len(steppers) >= before + 3)
    _button(rc, "Pause").click()
    assert len(set(steppers[before:])) == 1
    rc.close()


def test_a_moved_slider_is_marked_until_reset(scenarios):
    import ipyvuetify as v
    import solara

    from sim.app.page import Page

    _, rc = solara.render(Page(), handle_error=False)
    mix = next(s for s in rc.find(v.Slider).widgets if s.name == "Leadership mix")
    coordinators = next(s for s in rc.find(v.Slider).widgets if s.name == "Coordinators")

    def marked():
        return {w.attributes["data-knob"] for w in _all_widgets(rc)
                if (getattr(w, "attributes", None) or {}).get("data-moved") == "yes"}

    assert marked() == set()
    mix.v_model = 0.85
    coordinators.v_model = 5
    assert marked() == {"leadership_mix", "coordinators_per_hospital"}
    assert any("2 settings changed" in (w.unsafe_innerHTML or "") for w in _html_widgets(rc))
    assert "leadership mix 0.50" in _run_line(rc)   # the running model is left alone
    _button(rc, "Step").click()
    _button(rc, "Reset").click()
    assert marked() == set()
    assert "Week 0 of" in _run_line(rc) and "leadership mix 0.85" in _run_line(rc)
    assert "5 coordinators" in _run_line(rc)
    rc.close()


def test_choosing_a_scenario_starts_it_with_its_values(scenarios):
    import ipyvuetify as v
    import solara

    from sim.app.page import Page

    _, rc = solara.render(Page(), handle_error=False)
    picker = next(s for s in rc.find(v.Select).widgets if s.label == "Scenario")
    picker.v_model = "tiny"
    assert "scenario <em>tiny</em>" in _run_line(rc) and "leadership mix 0.30" in _run_line(rc)
    mix = next(s for s in rc.find(v.Slider).widgets if s.name == "Leadership mix")
    assert mix.v_model == 0.3
    assert any("some hospitals differ" in (w.unsafe_innerHTML or "") for w in _html_widgets(rc))
    info = next(b for b in rc.find(v.Tab).widgets if "Info" in b.children)
    tabs = rc.find(v.Tabs).widget
    tabs.v_model = 1
    assert any("Glossary" in (w.unsafe_innerHTML or "") for w in _html_widgets(rc))
    assert info is not None
    rc.close()


def test_the_preset_sets_its_scenario_and_knobs(scenarios):
    import ipyvuetify as v
    import solara

    from sim.app.model import PRESETS
    from sim.app.page import Page

    (scenarios / "tiny.toml").rename(scenarios / "other.toml")
    preset = PRESETS["nobody_in_charge"]
    _, rc = solara.render(Page(), handle_error=False)
    picker = next(s for s in rc.find(v.Select).widgets if s.label == "Scenario")
    picker.v_model = "other"
    _button(rc, preset.label).click()
    line = _run_line(rc)
    assert f"scenario <em>{preset.scenario}</em>" in line and "Week 0 of" in line
    for name, value in preset.knobs.items():
        slider = next(s for s in rc.find(v.Slider).widgets if s.name == KNOBS[name].label)
        assert slider.v_model == value
    assert f"{preset.knobs['coordinators_per_hospital']} coordinators" in line
    rc.close()


def test_every_slider_shows_its_value_range_and_unit(scenarios):
    import ipyvuetify as v
    import solara

    from sim.app.model import RUN_KNOBS
    from sim.app.page import Page

    _, rc = solara.render(Page(), handle_error=False)
    sliders = {s.name: s for s in rc.find(v.Slider).widgets}
    texts = [w.unsafe_innerHTML or "" for w in _html_widgets(rc)]
    for name, knob in {**KNOBS, **RUN_KNOBS}.items():
        slider = sliders[knob.label]   # the label is the slider's accessible name
        assert (slider.min, slider.max, slider.step) == (knob.low, knob.high, knob.step)
        assert any(knob.label in t and knob.format(slider.v_model) in t and knob.unit in t
                   for t in texts), name
        low, high = knob.ends()
        assert any(low in t and high in t for t in texts), name
    rc.close()


def test_required_web_assets_are_read_from_solara():
    specs = assets.required_packages()
    assert any(s.startswith("@widgetti/solara-vuetify") for s in specs)
    assert any(s.startswith("requirejs@") for s in specs)
    assert all("@" in s.lstrip("@") for s in specs)
    # the scripts Solara's Markdown loads on first use (a 404 and a script error offline before)
    assert any(s.startswith("mermaid@") for s in specs)
    assert any(s.startswith("katex@") for s in specs)


def test_install_assets_without_npm_names_what_is_missing(tmp_path):
    with pytest.raises(assets.AssetError, match="'no-such-npm' not found"):
        assets.install_assets(tmp_path, npm="no-such-npm")
    assert assets.missing_packages(tmp_path) == assets.required_packages()


@pytest.mark.parametrize("args, key", [
    (["--port", "70000"], "'--port'"),
    (["--scenarios", "no/such/folder"], "'--scenarios'"),
    (["--scenarios", "."], "no .toml scenario file"),
])
def test_app_command_rejects_bad_input_in_one_line(args, key, capsys, tmp_path, monkeypatch):
    from sim.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["app", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and key in err and err.startswith("leadsim: error:")


def test_app_command_refuses_a_port_in_use(capsys):
    import socket

    from sim.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["app", "--port", str(port), "--host", "127.0.0.1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"port {port}" in err and "in use" in err


def test_app_command_runs_solara_on_the_page_module():
    from sim.cli.app import solara_command

    cmd = solara_command(8800, "0.0.0.0")
    assert cmd[1:5] == ["-m", "solara", "run", "sim.app.page"]
    assert cmd[cmd.index("--port") + 1] == "8800" and cmd[cmd.index("--host") + 1] == "0.0.0.0"


# --- presets -------------------------------------------------------------------------------------
PRESET_SEEDS = range(1, 11)


def test_nobody_in_charge_preset_shows_a_failure_within_the_first_year():
    """The lesson's preset must make a 'failed: nobody in charge' appear in hospital 0 (the
    hospital the app shows) within 52 weeks in most runs. The mechanisms may change: if this
    fails, retune ``PRESETS["nobody_in_charge"]`` (and docs/TEACHING.md's lesson), do not relax it."""
    from sim.app.model import PRESETS, preset_settings
    from sim.outcomes import COL

    preset = PRESETS["nobody_in_charge"]
    shown_in_year = 0
    for seed in PRESET_SEEDS:
        name, settings = preset_settings("nobody_in_charge", seed=seed)
        assert name == preset.scenario
        knobs = {k: v for k, v in settings.items() if k in KNOBS}
        model = TeachingModel(name, settings["n_hospitals"], seed, **knobs,)
        for _ in range(52):
            model.step()
        if model.record_array()[:, 0, COL["failed_vacuum"]].sum() > 0:
            shown_in_year += 1
    assert shown_in_year >= 8, f"only {shown_in_year} of {len(PRESET_SEEDS)} runs show it in a year"
