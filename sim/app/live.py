"""The app's live views as SVG markup: one hospital's staff network and QI tasks, and the charts.

Each function reads the running model and returns a :class:`View`: the SVG (scalable, with its
alternative text in ``<title>``/``<desc>``), the week it shows and a one-line summary. They show the
same things as the matplotlib drawings of :mod:`sim.app.organisation_view` and :mod:`sim.app.plots`
(used by the notebooks and the app's PNG export), with shapes and patterns as well as colours:

* staff: manager a square, clinician a circle, hybrid clinician-manager a diamond, coordinator a
  triangle; size is motivation; a black ring and the task numbers mark who leads which task;
* tasks: coherent direction plain, nobody in charge dotted, mixed messages cross-hatched, national
  initiatives hatched; each row also says its state in words.

The network's ties change only with turnover, so they are a layer of their own
(:func:`network_ties`) that the page re-sends only when it changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import constants as C
from .organisation_view import (CONFLICT, DIRECTED, MAX_TASK_ROWS, ROLE_COLOURS, ROLE_LETTERS,
                                STATE_COLOURS, VACUUM, TaskRow, _spans, active_tasks,
                                ended_counts, hospital_layout)
from .series import CHARTS, Chart, outcome_series
from .svg import Line, esc, line_chart, num, segments_path, svg_open

NET_SIZE = 520          # viewBox of the network (square)
NET_SCALE = 150         # layout units (unit ring radius 1) to viewBox units
ROLE_NAMES = {C.LEAD_MANAGER: "manager", C.LEAD_CLINICIAN: "clinician",
              C.LEAD_HYBRID: "hybrid clinician-manager", C.LEAD_COORDINATOR: "quality coordinator"}
ROLE_SHAPES = {C.LEAD_MANAGER: "square", C.LEAD_CLINICIAN: "circle", C.LEAD_HYBRID: "diamond",
               C.LEAD_COORDINATOR: "triangle"}
#: Fill pattern over each task state's colour (``None``: plain), see :data:`sim.app.svg.PATTERN_DEFS`.
STATE_PATTERNS = {DIRECTED: None, VACUUM: "ls-dots", CONFLICT: "ls-cross"}
STATE_WORDS = {DIRECTED: "led", VACUUM: "nobody in charge", CONFLICT: "mixed messages"}


@dataclass(frozen=True)
class View:
    """One live view: its name, the week it shows, its SVG and a one-line text summary."""

    name: str
    week: int
    svg: str
    summary: str = ""


def _layout(model, hospital: int) -> np.ndarray:
    """The hospital's staff positions in viewBox units (computed once per model)."""
    cached = getattr(model, "_svg_layout", None)
    if cached is None or cached[0] != hospital:
        xy = hospital_layout(model.org, hospital)
        xy = np.column_stack([NET_SIZE / 2 + NET_SCALE * xy[:, 0],
                              NET_SIZE / 2 - NET_SCALE * xy[:, 1]])
        model._svg_layout = cached = (hospital, xy)
    return cached[1]


def shape(category: int, x: float, y: float, r: float, fill: str, tip: str = "") -> str:
    """The SVG element of one person: its shape says the role, as its colour does; ``tip`` is
    shown on hover."""
    kind = ROLE_SHAPES[category]
    style = f'fill="{fill}" stroke="white" stroke-width="0.8"'
    inner = f"><title>{esc(tip)}</title></" if tip else "/>"
    if kind == "circle":
        head, tag = f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}" {style}', "circle"
    elif kind == "square":
        s = r * 0.9
        head, tag = (f'<rect x="{num(x - s)}" y="{num(y - s)}" width="{num(2 * s)}" '
                     f'height="{num(2 * s)}" {style}'), "rect"
    else:
        if kind == "diamond":
            s = r * 1.25
            pts = f"{num(x)},{num(y - s)} {num(x + s)},{num(y)} {num(x)},{num(y + s)} {num(x - s)},{num(y)}"
        else:
            s = r * 1.3
            pts = (f"{num(x)},{num(y - s)} {num(x + s * 0.87)},{num(y + s * 0.5)} "
                   f"{num(x - s * 0.87)},{num(y + s * 0.5)}")
        head, tag = f'<polygon points="{pts}" {style}', "polygon"
    return head + (inner + tag + ">" if tip else inner)


def network_ties(model, hospital: int = 0) -> tuple[str, int]:
    """The ties layer: informal ties (grey) and formal reporting lines (dark, dashed), as SVG
    paths, and a key that changes whenever they do (drawn again only when the ties changed)."""
    org = model.org
    st, net = org.staff, org.network
    s0, s1 = int(org.hospitals.staff_start[hospital]), int(org.hospitals.staff_end[hospital])
    ptr = net.ptr[s0:s1 + 1] - net.ptr[s0]
    idx = net.idx[net.ptr[s0]:net.ptr[s1]]
    sup = st.supervisor[s0:s1]
    cached = getattr(model, "_svg_ties", None)
    if (cached is not None and cached[0] == hospital and np.array_equal(cached[1], ptr)
            and np.array_equal(cached[2], idx) and np.array_equal(cached[3], sup)):
        return cached[4], cached[5]
    xy = _layout(model, hospital)
    src = np.repeat(np.arange(s0, s1), np.diff(ptr))
    keep = (idx > src) & (idx < s1)
    informal = segments_path(xy[src[keep] - s0], xy[idx[keep] - s0])
    has = (sup >= s0) & (sup < s1)
    formal = segments_path(xy[np.flatnonzero(has)], xy[sup[has] - s0])
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {NET_SIZE} {NET_SIZE}" '
           f'aria-hidden="true" style="width:100%;height:auto;display:block">'
           f'<path d="{informal}" stroke="#9e9e9e" stroke-width="0.7" stroke-opacity="0.45" fill="none"/>'
           f'<path d="{formal}" stroke="#333" stroke-width="1.1" stroke-opacity="0.7" '
           f'stroke-dasharray="4 3" fill="none"/></svg>')
    key = hash((informal, formal))
    model._svg_ties = (hospital, ptr.copy(), idx.copy(), sup.copy(), svg, key)
    return svg, key


def network_view(model, rows: list[TaskRow] | None = None, hospital: int = 0) -> View:
    """The people of the staff network (the ties are :func:`network_ties`, drawn underneath)."""
    org = model.org
    st = org.staff
    s0, s1 = int(org.hospitals.staff_start[hospital]), int(org.hospitals.staff_end[hospital])
    nu = int(org.hospitals.n_units[hospital])
    xy = _layout(model, hospital)
    rows = active_tasks(model, hospital) if rows is None else rows
    cat = model.category[s0:s1]
    motivation = st.motivation[s0:s1]
    radius = 3.5 + 6.0 * motivation
    unit = st.unit[s0:s1] - int(org.hospitals.unit_start[hospital])
    leads: dict[int, list[int]] = {}
    for row in rows:
        for p in row.leaders:
            if s0 <= p < s1:
                leads.setdefault(p - s0, []).append(row.number)
    counts = {c: int((cat == c).sum()) for c in ROLE_COLOURS}
    leader_roles = {c: sum(1 for i in leads if cat[i] == c) for c in ROLE_COLOURS}
    title = f"Hospital {hospital}: staff, ties and who leads, week {model.week}"
    desc = (f"{s1 - s0} staff in {nu} units: "
            + ", ".join(f"{counts[c]} {ROLE_NAMES[c]}s" for c in ROLE_COLOURS if counts[c])
            + f". {len(leads)} of them lead the {len(rows)} active tasks"
            + (": " + ", ".join(f"{leader_roles[c]} {ROLE_NAMES[c]}{'s' if leader_roles[c] > 1 else ''}"
                                for c in ROLE_COLOURS if leader_roles[c]) if leads else "")
            + ". Units sit on a ring with their clinicians; managers, coordinators and the "
              "executive towards the centre.")
    out = [svg_open(NET_SIZE, NET_SIZE, title, desc)]
    for u in range(nu):
        a = np.pi / 2 - 2 * np.pi * u / max(nu, 1)
        out.append(f'<text x="{num(NET_SIZE / 2 + 1.45 * NET_SCALE * np.cos(a))}" '
                   f'y="{num(NET_SIZE / 2 - 1.45 * NET_SCALE * np.sin(a) + 5)}" text-anchor="middle" '
                   f'font-size="14" fill="#444">unit {u + 1}</text>')
    for i in np.argsort(-radius):   # small ones on top
        c = int(cat[i])
        tip = (f"{ROLE_NAMES[c]}, post {i}" + (f", unit {unit[i] + 1}" if 0 <= unit[i] < nu else "")
               + f", motivation {motivation[i]:.2f}"
               + (f", leads task {', '.join('#' + str(k) for k in leads[i])}" if i in leads else ""))
        out.append(shape(c, xy[i, 0], xy[i, 1], radius[i], ROLE_COLOURS[c], tip))
    for i, numbers in sorted(leads.items()):
        x, y = xy[i]
        out.append(f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(radius[i] + 4.5)}" fill="none" '
                   f'stroke="black" stroke-width="2.2"/>'
                   f'<text x="{num(x + radius[i] + 4)}" y="{num(y - radius[i] - 3)}" font-size="14" '
                   f'font-weight="700" stroke="white" stroke-width="3" paint-order="stroke" '
                   f'fill="black">{",".join(str(k) for k in numbers)}</text>')
    out.append("</svg>")
    summary = (f"{len(leads)} people lead {len(rows)} active tasks")
    return View("network", int(model.week), "".join(out), summary)


def _row_text(model, row: TaskRow, s0: int) -> str:
    who = " ".join(f"{ROLE_LETTERS[int(model.category[p])]}{p - s0}" for p in row.leaders)
    if row.state == VACUUM:
        return f"{row.progress:.0%} \u00b7 nobody in charge"
    if row.state == CONFLICT:
        return f"{row.progress:.0%} \u00b7 mixed messages: {who}"
    return f"{row.progress:.0%} \u00b7 {who}"


def tasks_view(model, rows: list[TaskRow] | None = None, hospital: int = 0) -> View:
    """One row per active task (the newest :data:`MAX_TASK_ROWS`): a bar over the units it
    crosses, the darker part its progress; colour, pattern and words give its state."""
    org = model.org
    nu = int(org.hospitals.n_units[hospital])
    s0 = int(org.hospitals.staff_start[hospital])
    rows = active_tasks(model, hospital) if rows is None else rows
    shown = rows[-MAX_TASK_ROWS:]
    width, label_w, bars_w, row_h, top = 540, 108, 200, 28, 36
    height = top + row_h * max(len(shown), 4) + 10
    x0 = label_w
    unit_w = bars_w / max(nu, 1)
    states = {s: sum(1 for r in rows if r.state == s) for s in STATE_WORDS}
    ended = ended_counts(model, hospital)
    title = f"Hospital {hospital}: active QI tasks, week {model.week}"
    desc = (f"{len(rows)} active tasks: {states[DIRECTED]} with coherent direction, "
            f"{states[VACUUM]} with nobody in charge, {states[CONFLICT]} with mixed messages; "
            f"{sum(r.national for r in rows)} national. Ended so far: "
            + ", ".join(f"{k} {v}" for k, v in ended.items()) + ".")
    out = [svg_open(width, height, title, desc)]
    out.append(f'<text x="{x0 + bars_w / 2}" y="14" text-anchor="middle" font-size="14" '
               f'fill="#444">units crossed</text>')
    for u in range(nu):
        out.append(f'<text x="{num(x0 + (u + 0.5) * unit_w)}" y="30" text-anchor="middle" '
                   f'font-size="13" fill="#444">{u + 1}</text>'
                   f'<line x1="{num(x0 + u * unit_w)}" x2="{num(x0 + u * unit_w)}" y1="{top}" '
                   f'y2="{height - 6}" stroke="#eee"/>')
    out.append(f'<text x="{x0 + bars_w + 8}" y="30" font-size="13" fill="#444">progress, leaders</text>')
    for k, row in enumerate(shown):
        y = top + k * row_h + 4
        colour = STATE_COLOURS[row.state]
        pattern = STATE_PATTERNS[row.state]
        done = row.progress * min(row.width, nu)
        out.append(f'<g><title>{esc(f"Task #{row.number}, {"national" if row.national else "local"}: "
                                      f"{STATE_WORDS[row.state]}, {row.progress:.0%} done")}</title>')
        for start, length in _spans(row.unit_lo, row.width, nu):
            bx, bw = x0 + start * unit_w, length * unit_w
            out.append(f'<rect x="{num(bx)}" y="{num(y)}" width="{num(bw)}" height="19" '
                       f'fill="{colour}" fill-opacity="0.35" stroke="{colour}" stroke-width="1.2"/>')
            filled = min(done, length)
            if filled > 0:
                out.append(f'<rect x="{num(bx)}" y="{num(y)}" width="{num(filled * unit_w)}" '
                           f'height="19" fill="{colour}"/>')
            done -= filled
            if pattern:
                out.append(f'<rect x="{num(bx)}" y="{num(y)}" width="{num(bw)}" height="19" '
                           f'fill="url(#{pattern})" fill-opacity="0.75"/>')
            if row.national:
                out.append(f'<rect x="{num(bx)}" y="{num(y + 13)}" width="{num(bw)}" height="6" '
                           f'fill="url(#ls-hatch)"/>')
        out.append("</g>")
        out.append(f'<text x="{x0 - 8}" y="{num(y + 15)}" text-anchor="end" font-size="16" '
                   f'fill="#222">#{row.number} {"national" if row.national else "local"}</text>'
                   f'<text x="{x0 + bars_w + 8}" y="{num(y + 15)}" font-size="16" fill="#222">'
                   f'{esc(_row_text(model, row, s0))}</text>')
    if not rows:
        out.append(f'<text x="{x0 + bars_w / 2}" y="{top + 50}" text-anchor="middle" '
                   f'font-size="15" fill="#555">no active QI task this week</text>')
    elif len(rows) > len(shown):
        out.append(f'<text x="4" y="14" font-size="13" fill="#555">+{len(rows) - len(shown)} older '
                   f'not shown</text>')
    out.append("</svg>")
    summary = (f"{len(rows)} active tasks ({states[VACUUM]} with nobody in charge, "
               f"{states[CONFLICT]} with mixed messages); ended so far: "
               + ", ".join(f"{k} {v}" for k, v in ended.items()))
    return View("tasks", int(model.week), "".join(out), summary)


def chart_view(chart: Chart, frame, week: int) -> View:
    """One of :data:`sim.app.series.CHARTS` as an SVG line chart."""
    weeks = frame["week"].to_numpy() if len(frame) else np.array([])
    lines = [Line(s.label, frame[s.column].to_numpy() if len(frame) else np.array([]), s.colour,
                  s.dash) for s in chart.lines]
    svg = line_chart(weeks, lines, chart.title, chart.ylabel, ylim=chart.ylim, counts=chart.counts)
    return View(chart.name, int(week), svg)


def all_views(model, hospital: int = 0) -> dict[str, View]:
    """Every live view of the model's current week, by name (network, tasks, then the charts)."""
    rows = active_tasks(model, hospital)
    frame = outcome_series(model)
    views = {"network": network_view(model, rows, hospital), "tasks": tasks_view(model, rows, hospital)}
    for chart in CHARTS:
        views[chart.name] = chart_view(chart, frame, model.week)
    return views

