"""The validation table (console and Markdown) and figures for docs/VALIDATION.md."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .analysis import curves  # noqa: E402
from .runner import StudyResult, region_of_sf1  # noqa: E402


def table_rows(results: list[StudyResult]) -> list[dict]:
    rows = []
    for res in results:
        for e in res.effects:
            rows.append({"pattern": res.study.pattern, "title": res.study.title,
                         "source": res.study.source, "effect": e.name, "estimate": e.estimate,
                         "low": e.low, "high": e.high, "rule": e.rule, "pass": e.passed, "n": e.n,
                         "variant": res.variant})
    return rows


def console_table(results: list[StudyResult]) -> str:
    lines = [f"{'pattern':<8}{'source':<24}{'effect':<62}{'estimate':>10}  {'95% CI':<22}result"]
    for r in table_rows(results):
        ci = f"[{r['low']:.3g}, {r['high']:.3g}]"
        lines.append(f"{r['pattern']:<8}{r['source']:<24}{r['effect'][:60]:<62}{r['estimate']:>10.3g}  "
                     f"{ci:<22}{'PASS' if r['pass'] else 'FAIL'}")
    return "\n".join(lines)


def markdown_table(results: list[StudyResult], variant_column: bool = False) -> str:
    head = "| pattern | source | effect | estimate | 95% CI | n | result |"
    sep = "|---|---|---|---|---|---|---|"
    if variant_column:
        head = "| pattern | variant | effect | estimate | 95% CI | n | result |"
    lines = [head, sep]
    for r in table_rows(results):
        second = r["variant"] if variant_column else r["source"]
        lines.append(f"| {r['pattern']} {r['title']} | {second} | {r['effect']} | {r['estimate']:.3g} | "
                     f"[{r['low']:.3g}, {r['high']:.3g}] | {r['n']} | "
                     f"{'pass' if r['pass'] else '**fail**'} |")
    return "\n".join(lines)


def _band(ax, x, frame, label, color=None):
    ax.plot(x, frame["mean"], marker="o", label=label, color=color)
    ax.fill_between(x, frame["low"], frame["high"], alpha=0.2, color=ax.lines[-1].get_color())


def figures(results: list[StudyResult], folder: Path) -> list[tuple[str, str]]:
    """Write the figures; return (file name, caption) pairs."""
    folder.mkdir(parents=True, exist_ok=True)
    by = {r.study.pattern: r for r in results}
    out = []

    def save(fig, name, caption):
        fig.tight_layout()
        fig.savefig(folder / name, dpi=110)
        plt.close(fig)
        out.append((name, caption))

    if "SF1" in by:
        res = by["SF1"]
        c = curves(res.study, res.runs)
        fig, ax = plt.subplots(figsize=(6.5, 4))
        for level, frame in c.groupby("management_support"):
            frame = frame.sort_values("leadership_mix")
            _band(ax, frame["leadership_mix"], frame, f"support {level:g}")
        ax.set_xlabel("leadership_mix (0 concentrated, 1 distributed)")
        ax.set_ylabel("improvement per hospital per year")
        ax.legend()
        save(fig, "sf1_improvement_by_mix.png",
             "Improvement against leadership_mix at three levels of management support (mean and 95% CI).")
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
        for ax, outcome, title in ((axes[0], "nobody_in_charge_rate", "nobody in charge"),
                                   (axes[1], "conflict_failure_rate", "conflict")):
            c = curves(res.study, res.runs, outcome)
            for level, frame in c.groupby("management_support"):
                frame = frame.sort_values("leadership_mix")
                _band(ax, frame["leadership_mix"], frame, f"support {level:g}")
            if "SF2" in by and outcome in by["SF2"].runs:
                c2 = curves(by["SF2"].study, by["SF2"].runs, outcome).sort_values("leadership_mix")
                _band(ax, c2["leadership_mix"], c2, "support 0.15 (SF2)", color="black")
            ax.set_title(f"tasks failed: {title} / tasks ended")
            ax.set_xlabel("leadership_mix")
        axes[0].legend(fontsize=8)
        save(fig, "failures_by_mix.png",
             "Nobody-in-charge and conflict failure rates against leadership_mix (mean and 95% CI).")
    for pattern, factor, moderator, name, caption in (
            ("SF4", "leadership_mix", "management_support", "sf4_support_by_mix.png",
             "Support-by-mix interaction: improvement with concentrated (0) and distributed (0.8) "
             "leadership, without and with management support."),
            ("SF5", "coordinators_per_hospital", "leadership_mix", "sf5_coordinators.png",
             "Coordinators removed (0) against kept (3) under concentrated (0.1) and distributed "
             "(0.9) leadership.")):
        if pattern not in by:
            continue
        res = by[pattern]
        c = curves(res.study, res.runs)
        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        for level, frame in c.groupby(moderator):
            frame = frame.sort_values(factor)
            _band(ax, frame[factor].astype(str), frame, f"{moderator} {level:g}")
        ax.set_xlabel(factor)
        ax.set_ylabel(res.study.outcome.replace("_", " "))
        ax.legend()
        save(fig, name, caption)
    if "SF6" in by:
        res = by["SF6"]
        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        for outcome in ("sustained_improvement", "improvement"):
            c = curves(res.study, res.runs, outcome).sort_values("consolidation_rate")
            _band(ax, c["consolidation_rate"], c, outcome.replace("_", " "))
        ax.set_xlabel("consolidation_rate (per week)")
        ax.legend()
        save(fig, "sf6_consolidation.png",
             "Sustained improvement at the horizon (and improvement rate) against consolidation_rate.")
    if "SF3" in by:
        res = by["SF3"]
        fig, axes = plt.subplots(1, 2, figsize=(8, 3.4))
        for ax, outcome in zip(axes, ("conflict_exposure", "improvement")):
            c = curves(res.study, res.runs, outcome)
            ax.bar(c["label"], c["mean"], yerr=[c["mean"] - c["low"], c["high"] - c["mean"]],
                   capsize=4, color=["tab:red", "tab:blue"])
            ax.set_title(outcome.replace("_", " "))
        save(fig, "sf3_national_bodies.png",
             "Many incoherent national bodies against few coherent ones (mean and 95% CI).")
    return out


def write_markdown(path: Path, results: list[StudyResult], robustness: list[StudyResult],
                   command: str, quick: bool) -> None:
    fig_dir = path.parent / "validation"
    figs = figures(results, fig_dir)
    sizes = results[0].study.base().params if results else None
    lines = [
        "# Validation: the patterns of the source papers",
        "",
        f"Generated by `{command}`. Each pattern of the model brief (section 6) is checked by a study in "
        "`experiments/validation/` (conditions, outcome, effect and pass rule are in its file; see its "
        "README). All conditions of a study run with the same replication seeds (common random "
        "numbers); effects are paired per replication and reported with a 95% t-interval.",
        "",
    ]
    if sizes is not None:
        lines += [f"Size: {sizes.n_hospitals} hospitals of {sizes.staff_per_hospital} staff, "
                  f"{sizes.ticks} weeks{' (quick, reduced size)' if quick else ''}; replications per "
                  "condition as in the table (n).", ""]
    passed = sum(r.passed for r in results)
    lines += [f"**{passed} of {len(results)} patterns pass.**", "", markdown_table(results), ""]
    for res in results:
        lines += [f"- **{res.study.pattern} {res.study.title}** ({res.study.source}): {res.study.claim}"]
        if res.detail.get("best_level") is not None:
            lines[-1] += (f" Best interior level on the selection half: {res.detail['best_level']:g}; "
                          f"over all replications: {res.detail['overall_best_level']:g}.")
    lines += ["", "## Figures", ""]
    for name, caption in figs:
        lines += [f"![{caption}](validation/{name})", "", f"*{caption}*", ""]
    lines += ["## Robustness", ""]
    sf1 = next((r for r in results if r.study.pattern == "SF1"), None)
    if sf1 is not None:
        lines += ["**Where SF1 holds (management support).** The interior-optimum test repeated at each "
                  "support level of the SF1 study:", ""]
        for level, effects in region_of_sf1(sf1):
            verdict = "holds" if all(e.passed for e in effects) else "does not hold"
            parts = "; ".join(f"{e.name}: {e.estimate:.3g} [{e.low:.3g}, {e.high:.3g}]" for e in effects)
            lines.append(f"- support {level:g}: {verdict} ({parts}; best level "
                         f"{effects[0].detail.get('overall_best_level', float('nan')):g})")
        lines.append("")
    if robustness:
        lines += ["Each pattern re-checked at other organisation sizes and with other seeds (the "
                  "study's quick conditions and replications, full horizon):", "",
                  markdown_table(robustness, variant_column=True), ""]
        failing = sorted({r.study.pattern + " (" + r.variant + ")" for r in robustness if not r.passed})
        lines += ["Patterns that do not hold in a variant: " + (", ".join(failing) if failing else
                                                                "none") + ".", ""]
    else:
        lines += ["(Robustness variants not run in this mode.)", ""]
    lines += ["## How to run", "",
              "    leadsim validate            # full studies (and robustness), writes this file",
              "    leadsim validate --quick    # reduced size, as in the test suite",
              "    .venv/bin/python -m pytest -m slow tests/test_validation.py   # the full run as a test",
              ""]
    path.write_text("\n".join(lines))
