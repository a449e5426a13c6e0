"""Figures of a study (PNG, matplotlib): indices with confidence bars, Morris mu*-sigma, second-order
heatmap, convergence. Each function takes tidy tables (see :class:`~sim.sensitivity.study.StudyResult`)
and returns the matplotlib figure.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

NCOLS = 4
TOP_CONVERGENCE = 8  # parameters drawn per outcome in the convergence plot (largest final index)

LABELS = {"S1": "first order S1", "ST": "total ST", "mu_star_rel": "mu* / max mu*",
          "PAWN": "PAWN (median KS)", "mu_star": "mu*"}


def _grid(n: int, width: float, height: float):
    ncols = min(NCOLS, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows + 0.6),
                             squeeze=False, layout="constrained")
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def index_bars(indices: pd.DataFrame, names: list[str], kinds: list[str], title: str,
               conf_level: float = 0.95):
    """Horizontal bars of ``kinds`` (e.g. S1 and ST) per parameter with +/- conf, one panel per outcome."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    d = len(names)
    fig, axes = _grid(len(outcomes), 4.2, 0.6 + 0.28 * d * max(1, len(kinds)) ** 0.5)
    height = 0.8 / len(kinds)
    y = np.arange(d)
    for ax, outcome in zip(axes, outcomes):
        sub = indices[indices["outcome"] == outcome]
        for k, kind in enumerate(kinds):
            s = sub[sub["index"] == kind].set_index("parameter").reindex(names)
            ax.barh(y - 0.4 + height * (k + 0.5), s["value"], height,
                    xerr=s["conf"].where(np.isfinite(s["conf"])), capsize=2,
                    label=LABELS.get(kind, kind), color=f"C{k}", error_kw={"lw": 0.8})
        ax.set_yticks(y, names, fontsize=7)
        ax.invert_yaxis()
        ax.axvline(0, color="k", lw=0.5)
        ax.set_title(outcome, fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        if sub["value"].isna().all():
            ax.text(0.5, 0.5, "constant output", transform=ax.transAxes, ha="center")
    axes[0].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"{title}\nbars: {conf_level:.0%} confidence intervals", fontsize=10)
    return fig


def morris_scatter(indices: pd.DataFrame, names: list[str], title: str):
    """Morris mu* against sigma per outcome; labelled points, mu*_conf as horizontal bars."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    fig, axes = _grid(len(outcomes), 4.2, 3.6)
    for ax, outcome in zip(axes, outcomes):
        sub = indices[indices["outcome"] == outcome]
        mu = sub[sub["index"] == "mu_star"].set_index("parameter").reindex(names)
        sigma = sub[sub["index"] == "sigma"].set_index("parameter").reindex(names)["value"]
        ax.errorbar(mu["value"], sigma, xerr=mu["conf"], fmt="o", ms=3, lw=0.6, capsize=1.5)
        top = mu["value"].nlargest(min(6, len(names))).index
        for name in top:
            if np.isfinite(mu.loc[name, "value"]):
                ax.annotate(name, (mu.loc[name, "value"], sigma.loc[name]), fontsize=6,
                            xytext=(2, 2), textcoords="offset points")
        hi = np.nanmax([mu["value"].max(), sigma.max(), 0]) if len(mu) else 0
        if np.isfinite(hi) and hi > 0:
            ax.plot([0, hi], [0, hi], ls=":", color="grey", lw=0.7)
        ax.set_xlabel("mu*", fontsize=7)
        ax.set_ylabel("sigma", fontsize=7)
        ax.set_title(outcome, fontsize=9)
        ax.tick_params(labelsize=7)
    fig.suptitle(f"{title}\nMorris mu* and sigma (dotted: sigma = mu*)", fontsize=10)
    return fig


def second_order_heatmap(second: pd.DataFrame, names: list[str], title: str):
    """Second-order Sobol indices S2 (upper triangle) per outcome; blue cells (< 0) are noise."""
    outcomes = list(dict.fromkeys(second["outcome"]))
    d = len(names)
    size = 1.2 + 0.45 * d
    fig, axes = _grid(len(outcomes), size, size)
    pos = {n: i for i, n in enumerate(names)}
    for ax, outcome in zip(axes, outcomes):
        mat = np.full((d, d), np.nan)
        for row in second[second["outcome"] == outcome].itertuples():
            mat[pos[row.parameter_1], pos[row.parameter_2]] = row.value
        top = np.nanmax(np.abs(mat)) if np.isfinite(mat).any() else 0.0
        top = max(0.05, top)
        im = ax.imshow(mat, cmap="RdBu_r", vmin=-top, vmax=top)
        if d <= 8:
            for (j, k), value in np.ndenumerate(mat):
                if np.isfinite(value):
                    ax.text(k, j, f"{value:.2f}", ha="center", va="center", fontsize=6)
        ax.set_xticks(range(d), names, rotation=90, fontsize=6)
        ax.set_yticks(range(d), names, fontsize=6)
        ax.set_title(outcome, fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.7).ax.tick_params(labelsize=6)
    fig.suptitle(title.replace(": second", "\nsecond"), fontsize=10)
    return fig


def convergence_plot(convergence: pd.DataFrame, settled: pd.DataFrame, index: str, title: str):
    """``index`` against sample size per outcome (largest parameters), with confidence bars."""
    table = convergence[convergence["index"] == index]
    outcomes = list(dict.fromkeys(table["outcome"]))
    fig, axes = _grid(len(outcomes), 4.2, 3.2)
    status = settled.set_index("outcome") if len(settled) else pd.DataFrame()
    for ax, outcome in zip(axes, outcomes):
        sub = table[table["outcome"] == outcome]
        full = sub[sub["n"] == sub["n"].max()].set_index("parameter")["value"]
        top = full.fillna(-np.inf).nlargest(min(TOP_CONVERGENCE, len(full))).index
        for k, name in enumerate(top):
            s = sub[sub["parameter"] == name].sort_values("n")
            ax.errorbar(s["n"], s["value"], yerr=s["conf"], marker="o", ms=3, lw=1, capsize=2,
                        label=name, color=f"C{k % 10}")
        ax.set_xscale("log", base=2)
        sizes = sorted(sub["n"].unique())
        ax.set_xticks(sizes, [str(n) for n in sizes])
        ax.minorticks_off()
        ax.set_xlabel("sample size", fontsize=7)
        ax.tick_params(labelsize=7)
        ok = bool(status.loc[outcome, "settled"]) if outcome in status.index else False
        ax.set_title(f"{outcome} ({'settled' if ok else 'NOT settled'})", fontsize=9,
                     color="k" if ok else "firebrick")
        ax.legend(fontsize=5, loc="best")
    fig.suptitle(f"{title}\n{LABELS.get(index, index)} at nested sample sizes", fontsize=10)
    return fig
