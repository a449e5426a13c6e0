"""Write a study's tables (CSV), figures (PNG) and a plain-text summary to a directory.

Layout of ``out_dir``::

    problem.csv              factors: bounds, kind, distribution, declared range
    sample.csv               SALib's sample matrix (continuous values, one row per point)
    design.csv               model inputs per point (integers rounded)
    runs.csv                 one row per run (point, replication, seed, outcomes, error)
    point_means.csv          outcome means over each point's replications (what is analysed)
    indices.csv              full-sample indices: outcome, parameter, index, value, conf, n
    second_order.csv         Sobol S2 per pair of parameters (when computed)
    convergence.csv          indices at every nested sample size
    convergence_summary.csv  per outcome: settled?, settled_at, largest change and conf, note
    noise.csv                per outcome: variance split into seed noise and inputs
    emulator.csv             emulator route only: per outcome and size, cross-validated Q2,
                             white-noise share and fitting time of the Gaussian process
    salib.json               the SALib problem, the sampling and analysis calls with their seeds
                             (repeat the study with plain SALib: see docs/SENSITIVITY.md)
    summary.txt              the text printed by the command line
    figures/*.png            indices, morris_mu_star_sigma, second_order, convergence
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from . import plots

FIGURE_DPI = 110


def write_outputs(result, out_dir, figures: bool = True) -> list[Path]:
    """Write every table, figure and the summary of ``result`` under ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    study = result.study
    names = study.problem.names
    written = []

    def csv(frame: pd.DataFrame, name: str, index: bool = False):
        path = out / name
        frame.to_csv(path, index=index)
        written.append(path)

    csv(study.problem.table(), "problem.csv")
    csv(pd.DataFrame(result.X, columns=names).rename_axis("point"), "sample.csv", index=True)
    csv(result.design.rename_axis("point"), "design.csv", index=True)
    csv(result.runs, "runs.csv")
    csv(result.means, "point_means.csv", index=True)
    csv(result.indices, "indices.csv")
    if len(result.second_order):
        csv(result.second_order, "second_order.csv")
    csv(result.convergence, "convergence.csv")
    csv(result.settled, "convergence_summary.csv")
    csv(result.noise, "noise.csv")
    if "q2" in result.convergence.columns:
        from .emulator import emulator_table

        csv(emulator_table(result.convergence), "emulator.csv")
    path = out / "salib.json"
    path.write_text(json.dumps(salib_record(study), indent=2) + "\n")
    written.append(path)
    path = out / "summary.txt"
    path.write_text(summary_text(result))
    written.append(path)
    if figures:
        written += write_figures(result, out / "figures")
    return written


def salib_record(study) -> dict:
    """What ``salib.json`` holds: enough to repeat the study's sampling and analysis with SALib."""
    return {"study": study.name, "method": study.method.name, "samples": study.samples,
            "study_seed": study.seed, "problem": study.problem.salib(),
            **study.method.salib_calls(study.samples, study.seed),
            "outputs": {"X": "sample.csv (without its point column)",
                        "Y": "point_means.csv, one column per outcome (the mean over a point's "
                             "replications)",
                        "indices": "indices.csv"}}


def write_figures(result, fig_dir: Path) -> list[Path]:
    """The study's PNG figures (which ones depends on the method)."""
    import matplotlib.pyplot as plt

    fig_dir.mkdir(parents=True, exist_ok=True)
    study = result.study
    method = study.method
    names = study.problem.names
    title = (f"{study.name}: {method.name}, N={study.samples}" if not hasattr(method, "emulator")
             else f"{study.name}: sobol via GP emulator, {study.samples} points")
    figures = {}
    if method.name == "sobol":
        figures["indices"] = plots.index_bars(result.indices, names, ["S1", "ST"], title,
                                               method.conf_level)
        if len(result.second_order):
            figures["second_order"] = plots.second_order_heatmap(
                result.second_order, names, f"{title}: second-order indices S2")
    elif method.name == "morris":
        figures["indices"] = plots.index_bars(result.indices, names, ["mu_star_rel"], title,
                                               method.conf_level)
        figures["morris_mu_star_sigma"] = plots.morris_scatter(result.indices, names, title)
    else:
        figures["indices"] = plots.index_bars(result.indices, names, [method.settle_index], title,
                                               method.conf_level)
    figures["convergence"] = plots.convergence_plot(result.convergence, result.settled,
                                                    method.settle_index, title)
    paths = []
    for name, fig in figures.items():
        path = fig_dir / f"{name}.png"
        fig.savefig(path, dpi=FIGURE_DPI)
        plt.close(fig)
        paths.append(path)
    return paths


def summary_text(result, top: int = 5) -> str:
    """Human-readable summary: leading parameters per outcome, settling, noise, warnings."""
    study = result.study
    method = study.method
    key = method.settle_index
    t = result.timings
    runs = int(t.get("runs", len(result.runs)))
    executed = int(t.get("runs_executed", runs))
    lines = [
        f"study {study.name}: method {method.label}, sample size {study.samples}, "
        f"{study.problem.num_vars} parameters, {len(result.design)} points, {runs} runs",
        f"time: {t.get('evaluation_s', np.nan):.1f} s running {executed} runs "
        f"({executed / t['evaluation_s'] if t.get('evaluation_s') else np.nan:.2f} runs/s"
        f"{f'; {runs - executed} already done' if executed < runs else ''}), "
        f"{t.get('analysis_s', np.nan):.1f} s analysis",
        f"leading parameters per outcome ({key}, +/- {method.conf_level:.0%} confidence "
        f"half-width); settle rule: change <= {study.change_tol} from sizes "
        f"{' '.join(map(str, study.sizes()))}, conf <= {study.conf_tol}",
    ]
    noise = result.noise.set_index("outcome")
    settled = result.settled.set_index("outcome")
    for outcome in result.outcomes:
        sub = result.indices[(result.indices["outcome"] == outcome) & (result.indices["index"] == key)]
        sub = sub.sort_values("value", ascending=False, na_position="last").head(top)
        share = noise.loc[outcome, "noise_share_means"] if outcome in noise.index else np.nan
        state = settled.loc[outcome, "note"] if outcome in settled.index else ""
        if "q2" in sub.columns and len(sub):
            state = f"emulator Q2 {sub['q2'].iloc[0]:.3f}; {state}"
        lines.append(f"  {outcome}  [noise share of averaged output {share:.2f}; {state}]")
        for row in sub.itertuples():
            lines.append(f"      {row.parameter:<30} {row.value:8.3f} +/- {row.conf:.3f}")
    if result.warnings:
        lines.append("warnings:")
        lines += [f"  - {w}" for w in result.warnings]
    return "\n".join(lines) + "\n"
