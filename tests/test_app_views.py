"""The app's live SVG views, Info panel and export, without a browser."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from sim import constants as C
from sim.app import export, info
from sim.app.live import (ROLE_SHAPES, STATE_PATTERNS, all_views, chart_view, network_ties,
                          network_view, tasks_view)
from sim.app.model import (APP_STAFF_PER_HOSPITAL, KNOBS, TeachingModel, available_scenarios,
                           scenario_story)
from sim.app.organisation_view import (CONFLICT, DIRECTED, MAX_TASK_ROWS, VACUUM, TaskRow,
                                       active_tasks)
from sim.app.series import CHARTS, SERIES_COLUMNS, outcome_series
from sim.app.svg import Line, line_chart, ticks

SVG = "{http://www.w3.org/2000/svg}"
TAGS = {"circle": f"{SVG}circle", "square": f"{SVG}rect", "diamond": f"{SVG}polygon",
        "triangle": f"{SVG}polygon"}


@pytest.fixture(scope="module")
def model():
    model = TeachingModel("baseline", n_hospitals=2, seed=2, leadership_mix=1.0,
                          management_support=0.1, coordinators_per_hospital=0)
    for _ in range(40):
        model.step()
    return model


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def test_every_view_is_labelled_svg_with_alternative_text(model):
    views = all_views(model)
    assert list(views) == ["network", "tasks", *[c.name for c in CHARTS]]
    for name, view in views.items():
        root = parse(view.svg)
        assert root.get("role") == "img" and root.get("aria-label"), name
        assert root.find(f"{SVG}title").text and len(root.find(f"{SVG}desc").text) > 40, name
        assert view.week == model.week


def test_network_draws_every_person_with_the_shape_of_their_role(model):
    root = parse(network_view(model).svg)
    shapes = [e for e in root if e.find(f"{SVG}title") is not None and e.tag != f"{SVG}text"]
    assert len(shapes) == APP_STAFF_PER_HOSPITAL
    cat = model.category[:APP_STAFF_PER_HOSPITAL]
    for c, kind in ROLE_SHAPES.items():
        expected = int((cat == c).sum())
        named = [e for e in shapes if e.find(f"{SVG}title").text.startswith(
            {C.LEAD_MANAGER: "manager", C.LEAD_CLINICIAN: "clinician",
             C.LEAD_HYBRID: "hybrid", C.LEAD_COORDINATOR: "quality coordinator"}[c])]
        assert len(named) == expected
        assert all(e.tag == TAGS[kind] for e in named)
    leaders = {p for row in active_tasks(model, 0) for p in row.leaders}
    rings = [e for e in root if e.tag == f"{SVG}circle" and e.get("stroke") == "black"]
    assert len(rings) == len(leaders)


def test_ties_layer_changes_only_with_the_network(model):
    svg, key = network_ties(model)
    root = parse(svg)
    informal, formal = root.findall(f"{SVG}path")
    assert informal.get("d").count("M") > APP_STAFF_PER_HOSPITAL // 2
    assert formal.get("stroke-dasharray")
    assert network_ties(model)[1] == key


def test_tasks_view_says_each_state_in_colour_pattern_and_words(model):
    # one task of every state, local and national (made up: the model need not show them now)
    rows = [TaskRow(slot=k, number=k + 1, national=national, unit_lo=k % 8, width=1 + k % 3,
                    progress=0.1 * k, state=state, leaders=[] if state == VACUUM else [3, 40])
            for k, (state, national) in enumerate(
                [(s, n) for s in (DIRECTED, VACUUM, CONFLICT) for n in (False, True)])]
    root = parse(tasks_view(model, rows).svg)
    groups = root.findall(f"{SVG}g")
    shown = rows[-MAX_TASK_ROWS:]
    assert len(groups) == len(shown)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for row, group in zip(shown, groups):
        fills = {r.get("fill") for r in group.iter(f"{SVG}rect")}
        pattern = STATE_PATTERNS[row.state]
        assert (f"url(#{pattern})" in fills) == (pattern is not None)
        assert ("url(#ls-hatch)" in fills) == row.national
        assert any(f"#{row.number} " in t for t in texts)
    assert sum("nobody in charge" in t for t in texts) == sum(r.state == VACUUM for r in shown)
    assert sum("mixed messages" in t for t in texts) == sum(r.state == CONFLICT for r in shown)


def test_charts_draw_one_line_per_series_over_the_weeks(model):
    frame = outcome_series(model)
    for chart in CHARTS:
        root = parse(chart_view(chart, frame, model.week).svg)
        lines = root.findall(f"{SVG}polyline")
        drawn = [s for s in chart.lines if frame[s.column].notna().any()]
        assert len(lines) == len(drawn), chart.name
        for line in lines:
            points = line.get("points").split()
            assert 1 <= len(points) <= len(frame)
        dashes = {line.get("stroke-dasharray") for line in lines}
        assert len(dashes) == len(lines), "lines differ by their dashes, not only by colour"


def test_empty_chart_invites_a_step():
    svg = line_chart(np.array([]), [Line("x", np.array([]), "#000")], "Empty", "count")
    assert "press Step or Play" in svg
    parse(svg)


@pytest.mark.parametrize("low, high, integer", [(0, 1, False), (0, 37, True), (0, 0.003, False)])
def test_ticks_are_round_and_inside_the_range(low, high, integer):
    values = ticks(low, high, integer=integer)
    assert 3 <= len(values) <= 8
    assert all(low - 1e-12 <= v <= high + 1e-12 for v in values)
    if integer:
        assert all(float(v).is_integer() for v in values)


def test_scenario_story_is_the_files_opening_comments(tmp_path):
    (tmp_path / "s.toml").write_text('# Title line.\n#\n# Policy story: "a quote"\n# goes on.\n'
                                      'name = "s"\n# not this\n')
    assert scenario_story("s", tmp_path) == 'Title line.\n\nPolicy story: "a quote" goes on.'
    (tmp_path / "bare.toml").write_text('name = "bare"\n')
    assert scenario_story("bare", tmp_path) == ""


def test_info_panel_covers_the_shipped_scenarios_glossary_sliders_and_units():
    for name in available_scenarios():
        text = info.info_markdown(name)
        for section in ("What is it?", "How does it work?", "Things to notice", "Things to try",
                        f"This scenario: {name}", "Glossary", "The views", "The sliders"):
            assert f"### {section}" in text, (name, section)
        story = scenario_story(name)
        assert "Policy story" in story and story.split("\n\n")[1][:60] in text
    text = info.info_markdown("baseline")
    for term in ("Nobody in charge", "Mixed messages", "Abandoned", "Consolidated", "Sustained"):
        assert f"**{term}**" in text
    for knob in KNOBS.values():
        assert knob.label in text and (not knob.unit or knob.unit in text)
    for chart in CHARTS:
        assert chart.title in text and chart.ylabel in text
    html = info.info_html("baseline")
    assert "<dt>" in html and "<h3>" in html


def test_export_csv_holds_the_series(model):
    frame = pd.read_csv(io.BytesIO(export.series_csv(model)))
    assert list(frame.columns) == list(SERIES_COLUMNS)
    assert frame["week"].tolist() == list(range(1, model.week + 1))
    expected = outcome_series(model)
    assert np.allclose(frame["completed"], expected["completed"])


def test_export_png_holds_every_view(model):
    fig = export.views_figure(model)
    titles = {ax.get_title() for ax in fig.axes}
    assert {c.title for c in CHARTS} <= titles
    assert any("staff" in t for t in titles) and any("active QI tasks" in t for t in titles)
    png = export.views_png(model, dpi=40)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "scenario baseline" in export.run_settings(model)
