"""A picture of one hospital's organisation: who is tied to whom, who leads which QI task.

Two panels drawn with matplotlib from the model's state arrays (``model.org``):

* **staff network**: units (wards) sit on a ring; each unit's clinicians around it, its unit manager
  just inside it; middle managers, quality coordinators and the chief executive towards the centre.
  Colour and shape are the leadership category (manager square, clinician circle, hybrid
  clinician-manager diamond, coordinator triangle),
  size is motivation; thin grey lines are informal ties, dark dashed lines formal reporting lines.
  People leading an active task wear a black ring and the numbers of the tasks they lead.
* **QI tasks**: one row per active task, a bar over the units it crosses, coloured by its state
  this week (coherent direction plain, nobody in charge dotted, mixed messages cross-hatched; national
  initiatives carry a hatched band), the darker part its progress,
  and the roles and post numbers of its leaders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .. import constants as C

ROLE_COLOURS = {  # by leadership category (sim.constants.LEAD_*)
    C.LEAD_MANAGER: "#1f4e9c",
    C.LEAD_CLINICIAN: "#8ec9e8",
    C.LEAD_HYBRID: "#8e44ad",
    C.LEAD_COORDINATOR: "#f28e1c",
}
ROLE_LETTERS = {C.LEAD_MANAGER: "M", C.LEAD_CLINICIAN: "C", C.LEAD_HYBRID: "H",
                C.LEAD_COORDINATOR: "Q"}
ROLE_MARKERS = {C.LEAD_MANAGER: "s", C.LEAD_CLINICIAN: "o", C.LEAD_HYBRID: "D",
                C.LEAD_COORDINATOR: "^"}   # shapes as well as colours

DIRECTED, VACUUM, CONFLICT = "coherent direction", "nobody in charge", "mixed messages"
STATE_COLOURS = {DIRECTED: "#2e9d4a", VACUUM: "#9a9a9a", CONFLICT: "#d62728"}
STATE_HATCHES = {DIRECTED: None, VACUUM: "..", CONFLICT: "xx"}   # patterns as well as colours
MAX_TASK_ROWS = 14
MIN_TASK_ROWS = 8    # rows of space even when fewer tasks are active (bars keep their height)


def hospital_layout(org, hospital: int = 0) -> np.ndarray:
    """(x, y) of every staff post of ``hospital`` (rows in post order from ``staff_start``).

    Units are on a ring of radius 1 (unit 0 at the top, clockwise); frontline staff on a small
    circle around their unit; unit managers inside their unit; middle managers at radius 0.42 facing
    the units they manage; coordinators evenly on radius 0.62; executives at the centre.
    """
    hs, st = org.hospitals, org.staff
    s0, s1 = int(hs.staff_start[hospital]), int(hs.staff_end[hospital])
    u0, nu = int(hs.unit_start[hospital]), int(hs.n_units[hospital])
    n = s1 - s0

    def angle(unit_pos: float) -> float:
        return np.pi / 2 - 2 * np.pi * unit_pos / max(nu, 1)

    pos = np.zeros((n, 2))
    ring = 1.0
    small = min(0.26, 0.9 * np.sin(np.pi / max(nu, 2))) if nu > 1 else 0.3
    placed = np.zeros(n, bool)
    role, level = st.role[s0:s1], st.level[s0:s1]
    execs = np.flatnonzero(level == C.EXECUTIVE)
    for k, i in enumerate(execs):
        a = 2 * np.pi * k / max(len(execs), 1)
        r = 0.0 if len(execs) == 1 else 0.08
        pos[i] = (r * np.cos(a), r * np.sin(a))
    placed[execs] = True
    middle = np.flatnonzero((level == C.MIDDLE_MANAGER) & ~placed)
    for i in middle:
        a = angle(st.scope_lo[s0 + i] + (st.scope_n[s0 + i] - 1) / 2)
        pos[i] = (0.42 * np.cos(a), 0.42 * np.sin(a))
    placed[middle] = True
    coords = np.flatnonzero((role == C.COORDINATOR) & ~placed)
    for k, i in enumerate(coords):
        a = angle((k + 0.5) * nu / max(len(coords), 1))
        pos[i] = (0.62 * np.cos(a), 0.62 * np.sin(a))
    placed[coords] = True
    for u in range(nu):
        members = np.flatnonzero((st.unit[s0:s1] == u0 + u) & ~placed)
        a = angle(u)
        centre = np.array([ring * np.cos(a), ring * np.sin(a)])
        managers = members[(role[members] == C.MANAGER)]
        for k, i in enumerate(managers):
            off = (k - (len(managers) - 1) / 2) * 0.08
            pos[i] = centre * (1 - small - 0.08) + off * np.array([-np.sin(a), np.cos(a)])
        front = members[role[members] != C.MANAGER]
        for k, i in enumerate(front):
            b = a + np.pi + 2 * np.pi * (k + 0.5) / max(len(front), 1)
            pos[i] = centre + small * np.array([np.cos(b), np.sin(b)])
        placed[members] = True
    return pos


@dataclass
class TaskRow:
    """One active task of the hospital as shown in the task panel."""

    slot: int
    number: int            # 1-based number shown in both panels
    national: bool
    unit_lo: int           # hospital-relative
    width: int
    progress: float
    state: str
    leaders: list[int]     # staff posts (global ids)


def active_tasks(model, hospital: int = 0) -> list[TaskRow]:
    """The hospital's active tasks, oldest first, with their state this week."""
    org = model.org
    t = org.tasks
    lo, hi = int(org.hospitals.task_start[hospital]), int(org.hospitals.task_end[hospital])
    slots = [s for s in range(lo, hi) if t.status[s] == C.ACTIVE]
    slots.sort(key=lambda s: (int(t.created[s]), s))
    rows = []
    for k, s in enumerate(slots):
        leaders = [int(x) for x in t.leaders[s] if x >= 0]
        state = VACUUM if not leaders else CONFLICT if bool(t.conflict[s]) else DIRECTED
        rows.append(TaskRow(s, k + 1, int(t.kind[s]) == C.NATIONAL, int(t.unit_lo[s]),
                            int(t.width[s]), float(t.progress[s]), state, leaders))
    return rows


def ended_counts(model, hospital: int = 0) -> dict[str, int]:
    """Tasks of the hospital ended so far, by how they ended (from the weekly records)."""
    from ..outcomes import COL

    rec = model.record_array()
    tot = rec[:, hospital, :].sum(axis=0) if rec.shape[0] else np.zeros(len(COL))
    return {"completed": int(tot[COL["completed"]]),
            "failed: nobody in charge": int(tot[COL["failed_vacuum"]]),
            "failed: conflict": int(tot[COL["failed_conflict"]]),
            "abandoned": int(tot[COL["abandoned"]])}


def _spans(lo: int, width: int, n_units: int) -> list[tuple[float, float]]:
    """(start, length) pieces of a span of units that may wrap around the hospital's units."""
    width = min(width, n_units)
    first = min(width, n_units - lo)
    out = [(float(lo), float(first))]
    if width > first:
        out.append((0.0, float(width - first)))
    return out


def draw_network(ax, model, hospital: int, rows: list[TaskRow], layout: np.ndarray) -> None:
    """The staff network panel (see the module docstring)."""
    org = model.org
    st, net = org.staff, org.network
    s0, s1 = int(org.hospitals.staff_start[hospital]), int(org.hospitals.staff_end[hospital])
    posts = np.arange(s0, s1)
    # informal ties (each once)
    src = np.repeat(posts, np.diff(net.ptr[s0:s1 + 1]))
    dst = net.idx[net.ptr[s0]:net.ptr[s1]]
    keep = (dst > src) & (dst < s1)
    segs = np.stack([layout[src[keep] - s0], layout[dst[keep] - s0]], axis=1)
    ax.add_collection(LineCollection(segs, colors="#b0b0b0", linewidths=0.4, alpha=0.35, zorder=1))
    # formal reporting lines
    sup = st.supervisor[s0:s1]
    has = (sup >= s0) & (sup < s1)
    formal = np.stack([layout[np.flatnonzero(has)], layout[sup[has] - s0]], axis=1)
    ax.add_collection(LineCollection(formal, colors="#333333", linewidths=0.8, alpha=0.6,
                                     linestyles=(0, (3, 2)), zorder=2))
    cat = model.category[s0:s1]
    sizes = 15 + 70 * st.motivation[s0:s1]
    for c, marker in ROLE_MARKERS.items():
        mine = cat == c
        if mine.any():
            ax.scatter(layout[mine, 0], layout[mine, 1], s=sizes[mine], c=ROLE_COLOURS[c],
                       marker=marker, edgecolors="white", linewidths=0.4, zorder=3)
    leads: dict[int, list[int]] = {}
    for row in rows:
        for p in row.leaders:
            if s0 <= p < s1:
                leads.setdefault(p - s0, []).append(row.number)
    if leads:
        idx = np.array(sorted(leads))
        ax.scatter(layout[idx, 0], layout[idx, 1], s=sizes[idx] + 60, facecolors="none",
                   edgecolors="black", linewidths=1.6, zorder=4)
        for i in idx:
            ax.annotate(",".join(str(k) for k in leads[i]), layout[i], xytext=(4, 4),
                        textcoords="offset points", fontsize=7, fontweight="bold", zorder=5)
    nu = int(org.hospitals.n_units[hospital])
    for u in range(nu):
        a = np.pi / 2 - 2 * np.pi * u / nu
        ax.text(1.42 * np.cos(a), 1.42 * np.sin(a), f"unit {u + 1}", ha="center", va="center",
                fontsize=7, color="#555555")
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.6, 1.6)
    ax.set_aspect("equal")
    ax.axis("off")
    handles = [Line2D([], [], marker=ROLE_MARKERS[c], ls="", color=ROLE_COLOURS[c],
                      label=C.LEAD_CATEGORY_NAMES[c]) for c in ROLE_COLOURS]
    handles.append(Line2D([], [], marker="o", ls="", mfc="none", mec="black", mew=1.6,
                          label="leads task #"))
    handles.append(Line2D([], [], color="#333333", ls=(0, (3, 2)), label="reports to"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3,
              fontsize=7, frameon=False)


def draw_tasks(ax, model, hospital: int, rows: list[TaskRow]) -> None:
    """The QI task panel (see the module docstring)."""
    org = model.org
    nu = int(org.hospitals.n_units[hospital])
    s0 = int(org.hospitals.staff_start[hospital])
    shown = rows[-MAX_TASK_ROWS:]   # the newest, if there are too many
    for y, row in enumerate(shown):
        colour = STATE_COLOURS[row.state]
        done = row.progress * min(row.width, nu)
        for start, length in _spans(row.unit_lo, row.width, nu):
            ax.barh(y, length, left=start, height=0.7, color=colour, alpha=0.3,
                    edgecolor=colour, linewidth=0.8)
            filled = min(done, length)
            if filled > 0:
                ax.barh(y, filled, left=start, height=0.7, color=colour, alpha=0.9)
            done -= filled
            if STATE_HATCHES[row.state]:
                ax.barh(y, length, left=start, height=0.7, fill=False, linewidth=0,
                        hatch=STATE_HATCHES[row.state])
            if row.national:
                ax.barh(y + 0.22, length, left=start, height=0.26, fill=False, linewidth=0,
                        hatch="////")
        who = " ".join(f"{ROLE_LETTERS[int(model.category[p])]}{p - s0}" for p in row.leaders)
        ax.text(nu + 0.1, y, f"{row.progress:4.0%} {who or '(none)'}", va="center", fontsize=7)
    ax.set_xlim(0, nu)
    ax.set_ylim(max(len(shown), MIN_TASK_ROWS) - 0.3, -1.0)   # oldest task at the top
    ax.set_xticks(np.arange(nu) + 0.5, [str(u + 1) for u in range(nu)], fontsize=7)
    ax.set_xlabel("units crossed", fontsize=8)
    ax.set_yticks(range(len(shown)),
                  [f"#{r.number} {'national' if r.national else 'local'}" for r in shown],
                  fontsize=7)
    ax.tick_params(axis="y", length=0)
    ax.text(nu + 0.1, -0.7, "progress, leaders", fontsize=7, color="#555555", va="center")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if not rows:
        ax.text(nu / 2, MIN_TASK_ROWS / 2, "no active QI task this week", ha="center",
                va="center", fontsize=9)
    elif len(rows) > len(shown):
        ax.text(0, -0.7, f"(+{len(rows) - len(shown)} older tasks not shown)", fontsize=7,
                color="#555555", va="center")
    handles = [Patch(facecolor=c, alpha=0.9, hatch=STATE_HATCHES[s], label=s)
               for s, c in STATE_COLOURS.items()]
    handles.append(Patch(facecolor="white", edgecolor="#555555", hatch="////", label="national"))
    # below the units' axis, inside the figure (the figure leaves room for it)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=7,
              frameon=False)


def draw_organisation(model, fig: Figure | None = None, hospital: int = 0) -> Figure:
    """Draw both panels for ``hospital`` into ``fig`` (a new Figure if None) and return it."""
    fig = Figure(figsize=(11, 5.6)) if fig is None else fig
    layout = getattr(model, "_app_layout", None)
    if layout is None or getattr(model, "_app_layout_hospital", None) != hospital:
        layout = hospital_layout(model.org, hospital)
        model._app_layout, model._app_layout_hospital = layout, hospital
    rows = active_tasks(model, hospital)
    ended = ended_counts(model, hospital)
    ax_net, ax_tasks = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.15]})
    draw_network(ax_net, model, hospital, rows, layout)
    draw_tasks(ax_tasks, model, hospital, rows)
    ax_net.set_title(f"Hospital {hospital}: staff, informal ties and who leads (week {model.week})",
                     fontsize=9)
    ax_tasks.set_title(f"Hospital {hospital}: {len(rows)} active QI task{'' if len(rows) == 1 else 's'}"
                       "; ended so far:\n"
                       + ", ".join(f"{k} {v}" for k, v in ended.items()), fontsize=8)
    fig.subplots_adjust(left=0.01, right=0.84, bottom=0.2, top=0.9, wspace=0.22)
    return fig
