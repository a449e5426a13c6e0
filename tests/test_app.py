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


def test_reset_rebuilds_the_model_the_way_solaraviz_does(scenarios):
    from mesa.visualization.solara_viz import _build_model_init_kwargs, _check_model_params

    from sim.app.page import model_params

    scenario = load_app_scenario("tiny")
    params = model_params("tiny", knob_defaults(scenario))
    model = TeachingModel("tiny", 2, 1)
    _check_model_params(model, params)  # Mesa's own check of the slider names
    values = {k: (v.value if hasattr(v, "value") else v) for k, v in params.items()}
    values["leadership_mix"] = 0.85
    kwargs = _build_model_init_kwargs(model, values, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    rebuilt = type(model)(**kwargs)
    assert rebuilt.params.leadership_mix == 0.85
    assert rebuilt.scenario_name == "tiny"
    assert set(KNOBS) <= set(inspect.signature(TeachingModel).parameters)


def test_outcome_series(stepped_model):
    frame = outcome_series(stepped_model)
    assert list(frame.columns) == list(SERIES_COLUMNS)
    assert frame["week"].tolist() == list(range(1, 31))
    for cumulative in ("improvement_per_hospital", "completed", "failed_nobody_in_charge",
                       "failed_conflict"):
        assert (np.diff(frame[cumulative]) >= 0).all(), cumulative
    for share in ("direction", "alignment", "commitment"):
        values = frame[share].dropna()
        assert ((values >= 0) & (values <= 1)).all(), share
    records = stepped_model.record_array()
    from sim.outcomes import COL
    assert frame["failed_nobody_in_charge"].iloc[-1] == records[:, :, COL["failed_vacuum"]].sum()


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
    fig = draw_organisation(stepped_model)
    ax_net, ax_tasks = fig.axes
    shown = min(len(active_tasks(stepped_model, 0)), MAX_TASK_ROWS)
    assert len(ax_tasks.get_yticklabels()) == shown
    points = sum(len(c.get_offsets()) for c in ax_net.collections if hasattr(c, "get_sizes")
                 and len(c.get_sizes()) == APP_STAFF_PER_HOSPITAL)
    assert points == APP_STAFF_PER_HOSPITAL


@pytest.mark.parametrize("lo, width, n, expected", [
    (2, 3, 8, [(2.0, 3.0)]),
    (6, 4, 8, [(6.0, 2.0), (0.0, 2.0)]),
    (0, 9, 8, [(0.0, 8.0)]),
])
def test_task_spans_wrap_around_the_units(lo, width, n, expected):
    assert _spans(lo, width, n) == expected


def test_page_renders_without_a_browser(scenarios):
    import ipywidgets
    import solara

    from sim.app.page import Page

    _, rc = solara.render(Page(), handle_error=False)
    assert len(rc.find(ipywidgets.Image).widgets) == 5   # organisation view and four plots
    rc.close()


def test_required_web_assets_are_read_from_solara():
    specs = assets.required_packages()
    assert any(s.startswith("@widgetti/solara-vuetify") for s in specs)
    assert any(s.startswith("requirejs@") for s in specs)
    assert all("@" in s.lstrip("@") for s in specs)


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
