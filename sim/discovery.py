"""Scenario discovery over a finished sweep: in which region of the parameter space does an outcome
cross a threshold? (``leadsim discover``; see ``docs/DISCOVERY.md``.)

The runs are classified by the question (e.g. ``nobody_in_charge_rate > 0.2``) and three methods
of EMA Workbench's analysis module (``ema_workbench.analysis``, Kwakkel 2017) describe where the
runs of interest lie:

* **PRIM** (Friedman & Fisher 1999; Bryant & Lempert 2010): peels the parameter space down to a
  box of high density, giving a *peeling trajectory* of boxes from all runs (coverage 1) to small
  dense boxes. Each limit of a box comes with a quasi-p value (a one-sided binomial test: is the
  density gained by that limit significant?). One box is chosen: ``box``, or by default the densest
  box whose limits are all significant (quasi-p <= 0.05) and that still covers at least
  ``min_coverage`` of the runs of interest (fewer restricted parameters, then more coverage,
  breaking ties). Coverage: the share of all runs of interest inside the box; density: the
  share of runs inside the box that are of interest; mass: the share of all runs inside the box.
* **CART**: a classification tree (scikit-learn) whose leaves are boxes with their own coverage
  and density.
* **feature scoring**: extra-trees importances of each parameter for the classification and for
  the outcome itself.

By default a sweep's replications are averaged per sample point first (the question is then about
the expected outcome at that point); ``per="run"`` classifies every run.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .hints import did_you_mean
from .sweep.ema import to_ema
from .sweep.storage import SweepError, chunk_files

EXTRA = "discover"
DEFAULT_MIN_COVERAGE = 0.5
SIGNIFICANT = 0.05          # quasi-p above this: the limit is not significant
FEATURE_SEED = 0


class DiscoveryError(ValueError):
    """A question that cannot be answered (bad folder, outcome or threshold); one line."""


def ema_analysis():
    """EMA Workbench's analysis module, or a one-line :class:`DiscoveryError` if not installed."""
    try:
        with warnings.catch_warnings():          # its optional parallel back-ends warn on import
            warnings.simplefilter("ignore")
            from ema_workbench import analysis
    except ImportError as err:
        raise DiscoveryError(f"scenario discovery needs EMA Workbench ({err.name} is not "
                             f"installed); install it with: pip install 'leadsim[{EXTRA}]'") from None
    return analysis


@dataclass
class Question:
    """Which runs are of interest: ``outcome`` above (or below) ``threshold``."""

    outcome: str
    threshold: float
    above: bool = True

    @property
    def text(self) -> str:
        return f"{self.outcome} {'>' if self.above else '<'} {self.threshold:g}"

    def classify(self, values: np.ndarray) -> np.ndarray:
        return values > self.threshold if self.above else values < self.threshold


@dataclass
class Discovery:
    """What :func:`discover` found (tables are DataFrames; ``prim_box`` and ``cart`` are EMA's)."""

    question: Question
    per: str
    experiments: pd.DataFrame          # inputs of the runs (or points) analysed
    values: np.ndarray                 # the outcome of each
    of_interest: np.ndarray            # bool: the question holds
    left_out: int                      # runs (points) without a value of the outcome
    trajectory: pd.DataFrame           # PRIM's peeling trajectory (one row per box)
    chosen: int                        # the chosen box on the trajectory
    box: pd.DataFrame                  # its limits: parameter, low, high, qp_low, qp_high, ...
    cart_boxes: pd.DataFrame           # CART leaves: box, coverage, density, mass, limits
    cart_rules: str                    # the tree as text
    feature_scores: pd.DataFrame       # parameter, classification, regression
    prim_box: Any = field(repr=False)
    cart: Any = field(repr=False)

    @property
    def inputs(self) -> list[str]:
        return [c for c in self.experiments.columns if c != "scenario"]


def load_discovery_data(folder: str | Path, outcome: str, per: str = "point"
                        ) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """(experiments, outcome values, the sweep's outcomes) of a sweep folder, with one-line
    errors for a folder that is not a finished sweep or an outcome it did not keep."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DiscoveryError(f"{folder}: not a folder; give the output folder of a finished sweep "
                             f"(leadsim sweep EXPERIMENT --out FOLDER)")
    if not chunk_files(folder):
        what = "no results yet" if (folder / "sweep.json").is_file() else \
            "not a sweep folder (no sweep.json, no results/)"
        raise DiscoveryError(f"{folder}: {what}; run the sweep first (leadsim sweep EXPERIMENT "
                             f"--out {folder})")
    try:
        experiments, outcomes = to_ema(folder, per=per)
    except SweepError as err:
        raise DiscoveryError(str(err)) from None
    kept = list(outcomes)
    if outcome not in outcomes:
        raise DiscoveryError(f"{folder}: '--outcome': {outcome!r} is not an outcome of this sweep"
                             f"{did_you_mean(outcome, kept)}; allowed: {', '.join(kept)}")
    if len(experiments) == 0:
        raise DiscoveryError(f"{folder}: no successful run to analyse (every run failed)")
    return experiments, outcomes[outcome], kept


def box_significant(p_values: dict) -> bool:
    """Whether every limit of a box has a quasi-p value of at most :data:`SIGNIFICANT` (EMA
    writes -1 for the side of a parameter that is not restricted)."""
    return all(q is None or q == -1 or q <= SIGNIFICANT for qs in p_values.values() for q in qs)


def choose_box(trajectory: pd.DataFrame, min_coverage: float = DEFAULT_MIN_COVERAGE) -> int:
    """The densest box on the trajectory that has only significant limits (column
    ``significant``, when present) and a coverage of at least ``min_coverage`` (ties: fewer
    restricted parameters, then more coverage); the conditions are dropped, significance last,
    if no box meets them."""
    covering = trajectory["coverage"] >= min_coverage - 1e-12
    significant = trajectory.get("significant", pd.Series(True, index=trajectory.index))
    for keep in (covering & significant, significant, covering):
        ok = trajectory[keep.astype(bool)]
        if not ok.empty:
            break
    else:
        ok = trajectory
    order = ok.sort_values(["density", "res_dim", "coverage"], ascending=[False, True, False],
                           kind="stable")
    return int(order.index[0])


def _box_table(prim_box, i: int, inputs: list[str]) -> pd.DataFrame:
    """The limits of box ``i`` with their quasi-p values: restricted parameters first."""
    lims, init = prim_box.box_lims[i], prim_box.box_lims[0]
    qp = prim_box.p_values[i]
    rows = []
    for name in inputs:
        low, high = float(lims.loc[0, name]), float(lims.loc[1, name])
        restricted = name in qp
        qp_low, qp_high = (qp[name] if restricted else (np.nan, np.nan))
        qp_low = np.nan if qp_low is None or qp_low == -1 else float(qp_low)
        qp_high = np.nan if qp_high is None or qp_high == -1 else float(qp_high)
        significant = restricted and all(not (q > SIGNIFICANT) for q in (qp_low, qp_high)
                                         if np.isfinite(q))
        rows.append({"parameter": name, "restricted": restricted, "low": low, "high": high,
                     "range_low": float(init.loc[0, name]), "range_high": float(init.loc[1, name]),
                     "qp_low": qp_low, "qp_high": qp_high,
                     "significant": bool(significant) if restricted else None})
    table = pd.DataFrame(rows)
    return table.sort_values("restricted", ascending=False, kind="stable").reset_index(drop=True)


def _cart_tables(cart, inputs: list[str]) -> tuple[pd.DataFrame, str]:
    from sklearn.tree import export_text

    rows = []
    for k, (box, stats) in enumerate(zip(cart.boxes, cart.stats)):
        limits = []
        for name in inputs:
            low, high = box.loc[0, name], box.loc[1, name]
            sides = ([f">= {low:.3g}"] if low > cart.x[name].min() else []) + \
                ([f"<= {high:.3g}"] if high < cart.x[name].max() else [])
            if sides:
                limits.append(f"{name} {' and '.join(sides)}")
        rows.append({"leaf": k, "coverage": float(stats["coverage"]),
                     "density": float(stats["density"]), "mass": float(stats["mass"]),
                     "restricted": int(stats["res dim"]), "limits": "; ".join(limits)})
    table = pd.DataFrame(rows).sort_values("density", ascending=False, kind="stable")
    rules = export_text(cart.clf, feature_names=list(cart.feature_names), show_weights=True)
    return table.reset_index(drop=True), rules


def _feature_scores(analysis, x: pd.DataFrame, y_class: np.ndarray, values: np.ndarray,
                    seed: int) -> pd.DataFrame:
    rit = analysis.RuleInductionType
    fs = analysis.feature_scoring
    classification, _ = fs.get_ex_feature_scores(x, y_class.astype(int),
                                                 mode=rit.CLASSIFICATION, random_state=seed)
    regression, _ = fs.get_ex_feature_scores(x, values, mode=rit.REGRESSION, random_state=seed)
    table = pd.DataFrame({"classification": classification.iloc[:, 0],
                          "regression": regression.iloc[:, 0]})
    table.index.name = "parameter"
    return table.sort_values("classification", ascending=False).reset_index()


def discover(folder: str | Path, outcome: str, threshold: float, above: bool = True,
             per: str = "point", box: int | None = None,
             min_coverage: float = DEFAULT_MIN_COVERAGE, peel_alpha: float = 0.05,
             mass_min: float = 0.05, seed: int = FEATURE_SEED) -> Discovery:
    """PRIM, CART and feature scoring of ``outcome`` above (``above=True``) or below ``threshold``
    over the finished sweep in ``folder`` (see the module docstring).

    Raises :class:`DiscoveryError` (one line) for a folder without results, an outcome the sweep
    did not keep, or a threshold that no run (or every run) crosses.
    """
    if not math.isfinite(threshold):
        raise DiscoveryError(f"the threshold must be a finite number, got {threshold!r}")
    analysis = ema_analysis()
    question = Question(outcome, float(threshold), above)
    experiments, values, _ = load_discovery_data(folder, outcome, per)
    known = np.isfinite(values)
    left_out = int((~known).sum())
    experiments, values = experiments[known], values[known]
    what = "sample points" if per == "point" else "runs"
    if len(values) == 0:
        raise DiscoveryError(f"{folder}: '--outcome': {outcome} is missing in every run (no event "
                             f"to count); choose another outcome")
    y = question.classify(values)
    if not y.any() or y.all():
        side = "above" if above else "below"
        none = "none" if not y.any() else "all"
        raise DiscoveryError(
            f"{folder}: '--{side}': {none} of the {len(values)} {what} ha{'s' if none == 'none' else 've'} "
            f"{outcome} {side} {threshold:g} (range {values.min():.3g} to {values.max():.3g}); "
            f"allowed: a threshold that some {what} cross and others do not")
    x = experiments.drop(columns=["scenario"]).reset_index(drop=True)
    inputs = list(x.columns)
    with warnings.catch_warnings():      # EMA Workbench's use of deprecated pandas keywords
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        prim = analysis.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min)
        prim_box = prim.find_box()
    trajectory = prim_box.peeling_trajectory[["id", "coverage", "density", "mass", "res_dim",
                                              "n", "k"]].copy()
    trajectory = trajectory.astype({"id": int, "res_dim": int, "n": int, "k": int})
    trajectory["significant"] = [box_significant(p) for p in prim_box.p_values]
    if box is None:
        chosen = choose_box(trajectory, min_coverage)
    elif not 0 <= box < len(trajectory):
        raise DiscoveryError(f"'--box': {box} is not on the peeling trajectory; allowed: 0.."
                             f"{len(trajectory) - 1}")
    else:
        chosen = box
    table = _box_table(prim_box, chosen, inputs)
    prim_box.select(chosen)
    cart = analysis.CART(x, y, mass_min=mass_min)       # inputs are reals (see sim.sweep.ema)
    cart.build_tree()
    cart_boxes, rules = _cart_tables(cart, inputs)
    scores = _feature_scores(analysis, x, y, values, seed)
    return Discovery(question, per, experiments, values, y, left_out, trajectory, chosen, table,
                     cart_boxes, rules, scores, prim_box, cart)


# --- outputs -----------------------------------------------------------------------------------
def summary_text(found: Discovery, folder: str | Path) -> str:
    """What the command prints: the question, the chosen box, CART's densest leaves, scores."""
    t, i = found.trajectory, found.chosen
    row = t.loc[i]
    noun = "sample points" if found.per == "point" else "runs"
    what = "sample points (means over replications)" if found.per == "point" else "runs"
    steps = [f"{int(r.id)}: {r.coverage:.2f}/{r.density:.2f}/{int(r.res_dim)}"
             + ("" if r.significant else "*") for r in t.itertuples()]
    lines = [f"scenario discovery in {folder}: {found.question.text}",
             f"  {int(found.of_interest.sum())} of {len(found.values)} {what} of interest"
             + (f"; {found.left_out} left out (no value of {found.question.outcome})"
                if found.left_out else ""),
             f"PRIM peeling trajectory: {len(t)} boxes (box: coverage/density/restricted "
             f"parameters; * a limit not significant)"]
    lines += ["  " + "  ".join(steps[k:k + 6]) for k in range(0, len(steps), 6)]
    lines.append(f"chosen box {i} (--box N to pick another): coverage {row.coverage:.2f}, density "
                 f"{row.density:.2f}, mass {row.mass:.2f}, {int(row.res_dim)} restricted "
                 f"parameter(s), {int(row.n)} {noun} inside")
    for r in found.box[found.box["restricted"]].itertuples():
        lines.append(f"  {limit_text(r)}")
    lines.append("CART leaves, densest first (coverage, density, mass):")
    for r in found.cart_boxes.head(3).itertuples():
        lines.append(f"  leaf {r.leaf}: {r.coverage:.2f}, {r.density:.2f}, {r.mass:.2f}: "
                     f"{r.limits or '(all)'}")
    lines.append("feature scores (extra trees; classification | outcome):")
    for r in found.feature_scores.itertuples():
        lines.append(f"  {r.parameter:<30} {r.classification:6.3f} | {r.regression:6.3f}")
    return "\n".join(lines) + "\n"


def limit_text(r) -> str:
    """One restricted parameter of a box, e.g. ``grant_threshold >= 0.546 (of 0.05..0.95;
    quasi-p 4e-29)``; only the sides PRIM moved are shown."""
    sides = []
    if r.low > r.range_low:
        sides.append((f">= {r.low:.3g}", r.qp_low))
    if r.high < r.range_high:
        sides.append((f"<= {r.high:.3g}", r.qp_high))
    text = f"{r.parameter} " + " and ".join(s for s, _ in sides)
    qps = [f"{q:.2g}" for _, q in sides if np.isfinite(q)]
    flag = "" if r.significant else ", not significant"
    return (f"{text}  (of {r.range_low:.3g}..{r.range_high:.3g}; quasi-p {', '.join(qps) or 'n/a'}"
            f"{flag})")


def write_outputs(found: Discovery, out: str | Path, folder: str | Path,
                  figures: bool = True) -> list[Path]:
    """Tables, the summary and (``figures``) box plots under ``out``; returns the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def csv(frame: pd.DataFrame, name: str) -> None:
        frame.to_csv(out / name, index=False)
        written.append(out / name)

    csv(found.trajectory, "peeling_trajectory.csv")
    csv(found.box, "box.csv")
    csv(found.cart_boxes, "cart_leaves.csv")
    csv(found.feature_scores, "feature_scores.csv")
    (out / "cart_tree.txt").write_text(found.cart_rules)
    (out / "summary.txt").write_text(summary_text(found, folder))
    row = found.trajectory.loc[found.chosen]
    record = {"sweep": str(folder), "question": found.question.text, "per": found.per,
              "analysed": len(found.values), "of_interest": int(found.of_interest.sum()),
              "left_out": found.left_out, "chosen_box": found.chosen,
              "coverage": float(row.coverage), "density": float(row.density),
              "mass": float(row.mass),
              "limits": {r.parameter: [r.low, r.high] for r in found.box.itertuples()
                         if r.restricted}}
    (out / "box.json").write_text(json.dumps(record, indent=2) + "\n")
    written += [out / "cart_tree.txt", out / "summary.txt", out / "box.json"]
    if figures:
        written += write_figures(found, out / "figures")
    return written


def write_figures(found: Discovery, fig_dir: Path) -> list[Path]:
    """Peeling trajectory (trade-off and per-box statistics), the chosen box, the CART tree and
    the feature scores, as PNG."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from sklearn.tree import plot_tree

    fig_dir.mkdir(parents=True, exist_ok=True)
    box = found.prim_box
    figs = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = box.show_tradeoff(annotated=False)
        ax = fig.axes[0]
        for r in found.trajectory.itertuples():
            ax.annotate(str(r.id), (r.coverage, r.density), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
        chosen = found.trajectory.loc[found.chosen]
        ax.scatter([chosen.coverage], [chosen.density], s=160, facecolors="none",
                   edgecolors="red", linewidths=1.5, label=f"chosen box {found.chosen}")
        ax.legend(loc="lower left", fontsize=8)
        ax.set_title(f"PRIM peeling trajectory: {found.question.text}", fontsize=10)
        figs["peeling_tradeoff"] = fig
        plt.figure()                       # EMA draws the trajectory on the current figure
        figs["peeling_trajectory"] = box.show_ppt()
        figs["box"] = box.inspect(found.chosen, style="graph")[0]
        figs["box"].suptitle(f"PRIM box {found.chosen}: {found.question.text} (quasi-p values in "
                             f"brackets)", fontsize=10)
    fig, ax = plt.subplots(figsize=(12, 7))
    plot_tree(found.cart.clf, feature_names=list(found.cart.feature_names),
              class_names=["other", "of interest"], filled=True, impurity=False,
              proportion=False, fontsize=7, ax=ax, max_depth=4)
    ax.set_title(f"CART: {found.question.text} (first four levels)")
    figs["cart_tree"] = fig
    scores = found.feature_scores
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(scores) + 1.5))
    pos = np.arange(len(scores))
    ax.barh(pos - 0.2, scores["classification"], 0.4, label=f"region ({found.question.text})")
    ax.barh(pos + 0.2, scores["regression"], 0.4, label=found.question.outcome)
    ax.set_yticks(pos, scores["parameter"])
    ax.invert_yaxis()
    ax.set_xlabel("feature score (extra trees importance)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    figs["feature_scores"] = fig
    paths = []
    for name, fig in figs.items():
        fig = fig if hasattr(fig, "savefig") else fig.figure
        path = fig_dir / f"{name}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        paths.append(path)
    return paths
