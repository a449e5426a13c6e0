"""Tables and figures of a finished (or partly finished) sweep, drawn from its folder.

For each swept parameter and outcome, runs are grouped by the parameter's value (continuous
designs such as LHS: by deciles of the value) and the group mean is shown with a 95% confidence
band over the successful runs of the group (replications and all values of the other parameters
pooled, i.e. the marginal mean over the design): a Student t-interval, mean +/- t(0.975, n-1) *
sd / sqrt(n), and for rates and shares the Wilson interval at the effective sample size, which
stays within [0, 1] (:func:`sim.outputs.statistics.outcome_ci`). Failed runs are left out and
counted; a rate that is missing in a run (no task ended, say) is left out of that outcome's
statistics, so ``n`` may differ between outcomes.

Written to ``OUT/report/``:

* ``summary.csv`` - per outcome: runs, mean, 95% CI, sd, min, max over all successful runs;
* ``points.csv`` - per design point: runs, failures, mean and 95% CI of each outcome;
* ``effects.csv`` - per parameter, value (or bin) and outcome: n, mean, sd, 95% CI (the
  figures' data);
* ``effect_<parameter>.png`` - one panel per outcome against that parameter, with the band;
* ``interaction_<x>_by_<y>.png`` and ``.csv`` - for a design of two parameters on a grid (at most
  12 values of the first, 6 of the second): each outcome against the first parameter, one line
  and band per value of the second (means over replications only);
* ``failures.csv`` - the failed runs with their parameters and error (only if there are any).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..outputs.statistics import outcome_ci
from ..parameters import SPECS
from .storage import load_results, read_meta

REPORT_DIR = "report"
MAX_LEVELS = 12      # more distinct values than this: group by quantile bins
BINS = 10
MAX_BY_LEVELS = 6    # two-parameter grids: one line per value of the second parameter, up to this


def t_interval(runs: pd.DataFrame, name: str,
               level: float = 0.95) -> tuple[int, float, float, float, float]:
    """``(n, mean, sd, low, high)`` of outcome ``name`` over ``runs`` (NaN where unavailable, as
    when n < 2): :func:`sim.outputs.statistics.outcome_ci` (a t-interval, or for a rate the Wilson
    interval within [0, 1]) as a tuple. Missing values are left out."""
    ci = outcome_ci(runs, name, level)
    return (ci["n"], *(np.nan if ci[key] is None else ci[key]
                       for key in ("mean", "sd", "ci_low", "ci_high")))


def ok_runs(results: pd.DataFrame) -> pd.DataFrame:
    """The runs that succeeded."""
    return results[results["error"].isna()]


def summary_table(results: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Per outcome: n, mean, 95% CI, sd, min and max over successful runs."""
    ok = ok_runs(results)
    rows = []
    for name in outcomes:
        n, mean, sd, low, high = t_interval(ok, name)
        rows.append({"outcome": name, "runs": n, "mean": mean, "ci95_low": low, "ci95_high": high,
                     "sd": sd, "min": ok[name].min(), "max": ok[name].max()})
    return pd.DataFrame(rows).set_index("outcome")


def point_table(results: pd.DataFrame, parameters: list[str], outcomes: list[str]) -> pd.DataFrame:
    """Per design point: its parameters, runs, failures, and mean and 95% CI per outcome."""
    rows = []
    for point, group in results.groupby("point", sort=True):
        ok = ok_runs(group)
        row = {"point": point, **group.iloc[0][parameters].to_dict(), "runs": len(group),
               "failed": int(group["error"].notna().sum())}
        for name in outcomes:
            n, mean, _, low, high = t_interval(ok, name)
            row[f"{name}_mean"] = mean
            row[f"{name}_ci95_low"] = low
            row[f"{name}_ci95_high"] = high
        rows.append(row)
    return pd.DataFrame(rows)


def _groups(values: pd.Series) -> pd.Series:
    """Group labels for a parameter: its values, or quantile bins if it takes many values."""
    if values.nunique() <= MAX_LEVELS:
        return values
    return pd.qcut(values, BINS, duplicates="drop")


def effect_table(results: pd.DataFrame, parameters: list[str], outcomes: list[str]) -> pd.DataFrame:
    """Marginal mean of each outcome at each value (or bin) of each parameter, with 95% CI."""
    ok = ok_runs(results)
    rows = []
    for param in parameters:
        if ok.empty:
            break
        for label, group in ok.groupby(_groups(ok[param]), observed=True, sort=True):
            x = float(group[param].mean())
            for name in outcomes:
                n, mean, sd, low, high = t_interval(group, name)
                rows.append({"parameter": param, "value": x, "group": str(label), "outcome": name,
                             "n": n, "mean": mean, "sd": sd, "ci95_low": low, "ci95_high": high})
    columns = ["parameter", "value", "group", "outcome", "n", "mean", "sd", "ci95_low", "ci95_high"]
    return pd.DataFrame(rows, columns=columns)


def _panel_grid(n_panels: int, legend_height: float = 0.0):
    """A figure with one panel per outcome, up to four a row, and its axes in reading order."""
    from matplotlib.figure import Figure   # no pyplot: works with any (or no) GUI backend

    ncols = min(4, n_panels)
    nrows = -(-n_panels // ncols)
    fig = Figure(figsize=(3.6 * ncols, 2.8 * nrows + legend_height), layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False).ravel()


def _label_panels(axes, outcomes: list[str], xlabel: str) -> None:
    """Title each panel with its outcome, label the x axis, and hide the panels left over."""
    for ax, name in zip(axes, outcomes):
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in axes[len(outcomes):]:
        ax.set_visible(False)


def plot_effects(effects: pd.DataFrame, parameter: str, outcomes: list[str], path: Path,
                 title: str = "") -> Path:
    """One panel per outcome: marginal mean against ``parameter`` with its 95% band; save PNG."""
    fig, axes = _panel_grid(len(outcomes))
    data = effects[effects["parameter"] == parameter]
    spec = SPECS.get(parameter)
    xlabel = f"{parameter} ({spec.unit})" if spec else parameter
    for ax, name in zip(axes, outcomes):
        d = data[data["outcome"] == name].sort_values("value")
        ax.fill_between(d["value"], d["ci95_low"], d["ci95_high"], alpha=0.25, color="C0",
                        linewidth=0, label="95% CI")
        ax.plot(d["value"], d["mean"], marker="o", markersize=3, color="C0", label="mean")
    _label_panels(axes, outcomes, xlabel)
    fig.suptitle(title or f"Outcomes against {parameter} (mean over replications and other "
                          f"parameters, 95% CI)", fontsize=10)
    fig.savefig(path, dpi=90)
    return path


def interaction_table(results: pd.DataFrame, x: str, by: str, outcomes: list[str]) -> pd.DataFrame:
    """Mean of each outcome at each (x, by) pair of values, with 95% CI, over successful runs."""
    ok = ok_runs(results)
    rows = []
    for (xv, bv), group in ok.groupby([x, by], sort=True):
        for name in outcomes:
            n, mean, sd, low, high = t_interval(group, name)
            rows.append({x: xv, by: bv, "outcome": name, "n": n, "mean": mean,
                         "ci95_low": low, "ci95_high": high})
    return pd.DataFrame(rows, columns=[x, by, "outcome", "n", "mean", "ci95_low", "ci95_high"])


def plot_interaction(table: pd.DataFrame, x: str, by: str, outcomes: list[str], path: Path,
                     title: str = "") -> Path:
    """One panel per outcome: mean against ``x``, one line (and 95% band) per value of ``by``."""
    fig, axes = _panel_grid(len(outcomes), legend_height=0.4)
    levels = sorted(table[by].unique())
    for ax, name in zip(axes, outcomes):
        d = table[table["outcome"] == name]
        for k, level in enumerate(levels):
            line = d[d[by] == level].sort_values(x)
            color = f"C{k % 10}"
            ax.fill_between(line[x], line["ci95_low"], line["ci95_high"], alpha=0.15,
                            color=color, linewidth=0)
            ax.plot(line[x], line["mean"], marker="o", markersize=3, color=color,
                    label=f"{by} = {level:g}")
    _label_panels(axes, outcomes, x)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(levels), 6), fontsize=8)
    fig.suptitle(title or f"Outcomes against {x} by {by} (mean, 95% CI)", fontsize=10)
    fig.savefig(path, dpi=90)
    return path


@dataclass
class Report:
    """What :func:`write_report` produced."""

    folder: Path
    summary: pd.DataFrame
    runs: int
    failed: int
    failures: pd.DataFrame
    figures: list[Path] = field(default_factory=list)


def write_report(out_dir: str | Path, results: pd.DataFrame | None = None) -> Report:
    """Write the tables and figures of the sweep in ``out_dir`` (into ``out_dir/report``)."""
    out = Path(out_dir)
    meta = read_meta(out)
    results = load_results(out) if results is None else results
    parameters, outcomes = list(meta["parameters"]), list(meta["outcomes"])
    folder = out / REPORT_DIR
    folder.mkdir(exist_ok=True)
    summary = summary_table(results, outcomes)
    summary.to_csv(folder / "summary.csv")
    point_table(results, parameters, outcomes).to_csv(folder / "points.csv", index=False)
    effects = effect_table(results, parameters, outcomes)
    effects.to_csv(folder / "effects.csv", index=False)
    failures = results[results["error"].notna()]
    failures_path = folder / "failures.csv"
    if len(failures):
        failures.to_csv(failures_path, index=False)
    elif failures_path.exists():
        failures_path.unlink()
    figures = []
    if not effects.empty:
        for param in parameters:
            title = (f"{meta.get('name', 'sweep')}: outcomes against {param} "
                     f"(mean, 95% CI over replications and other parameters)")
            figures.append(plot_effects(effects, param, outcomes, folder / f"effect_{param}.png",
                                        title))
    ok = ok_runs(results)
    if len(parameters) == 2 and not ok.empty:
        x, by = parameters
        if ok[x].nunique() <= MAX_LEVELS and ok[by].nunique() <= MAX_BY_LEVELS:
            table = interaction_table(results, x, by, outcomes)
            table.to_csv(folder / f"interaction_{x}_by_{by}.csv", index=False)
            title = (f"{meta.get('name', 'sweep')}: outcomes against {x}, one line per {by} "
                     f"(mean over replications, 95% CI)")
            figures.append(plot_interaction(table, x, by, outcomes,
                                            folder / f"interaction_{x}_by_{by}.png", title))
    return Report(folder, summary, len(results), len(failures), failures, figures)


def format_summary(report: Report) -> str:
    """The summary table as text for the terminal."""
    table = report.summary.copy()
    text = table.to_string(float_format=lambda v: f"{v:.4g}")
    ok = report.runs - report.failed
    lines = [f"{report.runs} runs ({ok} succeeded, {report.failed} failed); "
             f"statistics over the runs that succeeded:", text,
             f"tables and figures: {report.folder}"]
    return "\n".join(lines)
