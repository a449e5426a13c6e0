"""PNG figures of a run (matplotlib with the Agg backend: no display needed).

* :func:`outcomes_over_time`: improvement rate, gain in place, vacuum and conflict exposure,
  direction and motivation per week (13-week rolling windows), mean across replications with a
  95% t-interval band;
* :func:`who_leads`: share of legitimate leaders by role over time (all hospitals and replications);
* :func:`organisation`: one hospital's staff network at the end of a run, coloured by role, sized by
  leadership weeks, with its QI tasks marked by status and linked to their leaders;
* :func:`comparison`: scenarios side by side, mean and 95% CI of each summary outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .. import constants as C  # noqa: E402
from ..outcomes import LEADER_COLUMNS  # noqa: E402
from .organisation import OrgSnapshot  # noqa: E402
from .statistics import band  # noqa: E402

WINDOW = 13   # weeks (a quarter) in the rolling windows of the time-series figure
ROLE_COLOURS = {"manager": "#1f77b4", "clinician": "#2ca02c", "hybrid": "#9467bd",
                "coordinator": "#ff7f0e"}
STATUS_COLOURS = {C.ACTIVE: "#17becf", C.COMPLETED: "#2ca02c", C.FAILED_VACUUM: "#d62728",
                  C.FAILED_CONFLICT: "#e377c2", C.ABANDONED: "#7f7f7f"}
DPI = 110


def _rolling_sum(matrix: np.ndarray, window: int) -> np.ndarray:
    """Trailing sums over ``window`` columns (shorter at the start)."""
    c = np.cumsum(np.nan_to_num(matrix), axis=1)
    out = c.copy()
    out[:, window:] = c[:, window:] - c[:, :-window]
    return out


# Natural bounds of each series (the band of a t-interval is clipped to them).
BOUNDS = {"improvement": (0.0, np.inf), "share": (0.0, 1.0)}


def weekly_system_series(timeseries: pd.DataFrame, staff: Sequence[float],
                         window: int = WINDOW) -> dict[str, tuple[np.ndarray, tuple[float, float]]]:
    """System-wide weekly outcomes: label -> (replications x ticks matrix, natural bounds).

    Ratios use rolling sums of numerator and denominator over ``window`` weeks, so a week with no
    active task does not break the line. ``staff`` (one entry per hospital) weights motivation.
    The ticks are under the key ``"tick"`` (with bounds ``None``).
    """
    ts = timeseries.sort_values(["replication", "tick", "hospital"])
    reps = ts["replication"].nunique()
    ticks = ts["tick"].nunique()
    hospitals = ts["hospital"].nunique()

    def cube(col):
        return ts[col].to_numpy(np.float64).reshape(reps, ticks, hospitals)

    def pooled(col):
        return _rolling_sum(cube(col).sum(axis=2), window)

    counts = np.minimum(np.arange(1, ticks + 1), window)
    with np.errstate(invalid="ignore", divide="ignore"):
        active = pooled("active_tasks")
        weights = np.asarray(staff, dtype=np.float64)
        gain, share = BOUNDS["improvement"], BOUNDS["share"]
        out = {
            "improvement rate\n(gain per hospital per year)":
                (pooled("gain") / counts / hospitals * 52.0, gain),
            "improvement in place\n(mean per hospital)": (cube("sustained_gain").mean(axis=2), gain),
            "vacuum exposure\n(share of task-weeks with no leader)":
                (np.where(active > 0, pooled("vacuum_tasks") / active, np.nan), share),
            "conflict exposure\n(share of task-weeks in conflict)":
                (np.where(active > 0, pooled("conflict_tasks") / active, np.nan), share),
            "direction\n(share of task-weeks led, no conflict)":
                (np.where(active > 0, pooled("directed_tasks") / active, np.nan), share),
            "mean motivation": (cube("mean_motivation") @ weights / weights.sum(), share),
        }
    out["tick"] = (np.sort(ts["tick"].unique()), None)
    return out


def outcomes_over_time(timeseries: pd.DataFrame, staff: Sequence[float], path: Path,
                       title: str) -> Path:
    """Figure of system outcomes per week with a band across replications."""
    series = weekly_system_series(timeseries, staff)
    ticks = series.pop("tick")[0]
    reps = timeseries["replication"].nunique()
    fig, axes = plt.subplots(3, 2, figsize=(11, 9), sharex=True, constrained_layout=True)
    for ax, (label, (matrix, (low, high))) in zip(axes.flat, series.items()):
        mean, lo, hi = band(matrix)
        lo, hi = np.clip(lo, low, high), np.clip(hi, low, high)
        ax.plot(ticks, mean, color="#1f77b4", lw=1.5)
        if reps > 1:
            ax.fill_between(ticks, lo, hi, color="#1f77b4", alpha=0.25, lw=0)
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("week")
    what = (f"mean of {reps} replications; band: 95% CI of the mean (clipped to the possible range)"
            if reps > 1 else "1 replication (no band)")
    fig.suptitle(f"{title}: outcomes over time\n{what}; ratios and rates over {WINDOW}-week "
                 f"windows", fontsize=11)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def who_leads(timeseries: pd.DataFrame, path: Path, title: str) -> Path:
    """Stacked shares of legitimate leaders by role per week (pooled over hospitals and
    replications), and the number of leaders per active task."""
    weekly = timeseries.groupby("tick")[[*LEADER_COLUMNS, "active_tasks"]].sum()
    leaders = weekly[list(LEADER_COLUMNS)].to_numpy(np.float64)
    total = leaders.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total[:, None] > 0, leaders / total[:, None], np.nan)  # no leader: none
        per_task = np.where(weekly["active_tasks"] > 0, total / weekly["active_tasks"], np.nan)
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(10, 7), sharex=True, height_ratios=(3, 1),
                                  constrained_layout=True)
    ax.stackplot(weekly.index, shares.T, labels=C.LEAD_CATEGORY_NAMES,
                 colors=[ROLE_COLOURS[n] for n in C.LEAD_CATEGORY_NAMES], alpha=0.85)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of leaders")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="role")
    ax.set_title(f"{title}: who leads (legitimate leaders of active tasks, by role)", fontsize=11)
    ax2.plot(weekly.index, per_task, color="k", lw=1)
    ax2.set_ylabel("leaders per\nactive task")
    ax2.set_xlabel("week")
    ax2.grid(alpha=0.3)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _layout(snap: OrgSnapshot, seed: int = 1) -> np.ndarray:
    """Node positions: units on a circle, each unit's staff around its centre (spring layout of
    the unit's ties), executives and middle managers in the middle."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(snap.n_staff))
    graph.add_edges_from(map(tuple, snap.ties))
    xy = np.zeros((snap.n_staff, 2))
    n_units = max(snap.n_units, 1)
    radius = min(0.32, 0.8 * np.sin(np.pi / n_units)) if n_units > 1 else 0.5
    senior = snap.level <= C.MIDDLE_MANAGER
    groups = [(np.flatnonzero(senior), (0.0, 0.0), 0.25)]
    for u in range(n_units):
        angle = 2 * np.pi * u / n_units
        groups.append((np.flatnonzero((snap.unit == u) & ~senior),
                       (np.cos(angle), np.sin(angle)), radius))
    for members, centre, scale in groups:
        if len(members) == 1:
            xy[members[0]] = centre
        elif len(members) > 1:
            pos = nx.spring_layout(graph.subgraph(members.tolist()), seed=seed, scale=scale,
                                   center=centre, iterations=50)
            for i, p in pos.items():
                xy[i] = p
    return xy


def organisation(snap: OrgSnapshot, path: Path, title: str) -> Path:
    """Picture of one hospital's organisation at the end of a run."""
    from matplotlib.lines import Line2D

    xy = _layout(snap)
    fig, ax = plt.subplots(figsize=(10, 9), constrained_layout=True)
    if len(snap.ties):
        segments = np.stack([xy[snap.ties[:, 0]], xy[snap.ties[:, 1]]], axis=1)
        from matplotlib.collections import LineCollection

        ax.add_collection(LineCollection(segments, colors="#bbbbbb", linewidths=0.4, alpha=0.5,
                                         zorder=1))
    sizes = 12 + 180 * np.sqrt(snap.leader_weeks / max(snap.leader_weeks.max(), 1.0))
    colours = [ROLE_COLOURS[C.LEAD_CATEGORY_NAMES[c]] for c in snap.category]
    ax.scatter(xy[:, 0], xy[:, 1], s=sizes, c=colours, edgecolors="white", linewidths=0.5,
               zorder=3)
    # Tasks: a square at the centre of the units they cross, joined to their leaders.
    angles = 2 * np.pi * np.arange(max(snap.n_units, 1)) / max(snap.n_units, 1)
    unit_centres = np.column_stack([np.cos(angles), np.sin(angles)])
    for u, (x, y) in enumerate(unit_centres):
        ax.text(1.22 * x, 1.22 * y, f"unit {u}", ha="center", va="center", fontsize=8,
                color="#555555")
    rng = np.random.default_rng(2)
    for k in range(snap.task_status.shape[0]):
        units = (snap.task_unit_lo[k] + np.arange(snap.task_width[k])) % max(snap.n_units, 1)
        centre = 0.75 * unit_centres[units].mean(axis=0) + rng.normal(0.0, 0.05, 2)
        colour = STATUS_COLOURS.get(int(snap.task_status[k]), "k")
        for leader in snap.task_leaders[k]:
            if leader >= 0:
                ax.plot(*np.stack([centre, xy[leader]]).T, color=colour, lw=0.8, alpha=0.8, zorder=2)
        marker = "s" if snap.task_kind[k] == C.LOCAL else "D"
        ax.scatter(*centre, marker=marker, s=55, c=colour, edgecolors="k", linewidths=0.6, zorder=4)
    role_handles = [Line2D([], [], ls="", marker="o", ms=8, color=ROLE_COLOURS[n], label=n)
                    for n in C.LEAD_CATEGORY_NAMES]
    status_handles = [Line2D([], [], ls="", marker="s", ms=8, color=col, markeredgecolor="k",
                             label=C.STATUS_NAMES[s]) for s, col in STATUS_COLOURS.items()]
    kind_handles = [Line2D([], [], ls="", marker="s", ms=7, color="w", markeredgecolor="k",
                           label="local task"),
                    Line2D([], [], ls="", marker="D", ms=7, color="w", markeredgecolor="k",
                           label="national initiative")]
    legend = ax.legend(handles=role_handles, title="staff (size: weeks as leader)",
                       loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.add_artist(legend)
    legend2 = ax.legend(handles=status_handles, title="tasks (lines: to their leaders)",
                        loc="upper left", bbox_to_anchor=(1.0, 0.68))
    ax.add_artist(legend2)
    legend3 = ax.legend(handles=kind_handles, loc="upper left", bbox_to_anchor=(1.0, 0.36))
    active = int((snap.task_status == C.ACTIVE).sum())
    ended = int(snap.task_status.shape[0]) - active
    ax.set_title(f"{title}: hospital {snap.hospital} at week {snap.week}\n{snap.n_staff} staff in "
                 f"{snap.n_units} units; {active} active tasks and {ended} ended ones still on "
                 f"record", fontsize=11)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.savefig(path, dpi=DPI, bbox_inches="tight", bbox_extra_artists=[legend, legend2, legend3])
    plt.close(fig)
    return path


def comparison(summaries: dict[str, pd.DataFrame], path: Path, outcomes: Sequence[str]) -> Path:
    """Means with 95% CI bars of every outcome, one point per scenario (``summaries`` maps a
    scenario label to its summary table)."""
    labels = list(summaries)
    ncols = 4
    nrows = -(-len(outcomes) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.0 * ncols, 0.35 * len(labels) * nrows + 2.2 * nrows),
                             constrained_layout=True, squeeze=False)
    y = np.arange(len(labels))
    colours = plt.get_cmap("tab10")(np.arange(len(labels)) % 10)
    for ax, name in zip(axes.flat, outcomes):
        for i, label in enumerate(labels):
            row = summaries[label].set_index("outcome").loc[name]
            mean = row["mean"]
            if mean is None or pd.isna(mean):
                continue
            err = None
            if row["ci_low"] is not None and pd.notna(row["ci_low"]):
                err = [[mean - row["ci_low"]], [row["ci_high"] - mean]]
            ax.errorbar(mean, y[i], xerr=err, fmt="o", color=colours[i], capsize=3)
        ax.set_yticks(y, labels if ax in axes[:, 0] else [""] * len(labels))
        ax.invert_yaxis()
        ax.set_title(name, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(axis="x", labelsize=8)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.axis("off")
    fig.suptitle("Scenarios compared: mean over replications with 95% confidence interval", fontsize=11)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
