"""The validation tables (console and Markdown, calibration and held-out claims apart) and figures
for ``docs/VALIDATION.md``."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .analysis import curves  # noqa: E402
from .runner import StudyResult  # noqa: E402
from .studies import SIZE  # noqa: E402

ROLE_TITLES = {"calibration": "Calibration claims (may be used to set constants)",
               "held-out": "Held-out claims (never used to set constants)"}


def claim_results(results: list[StudyResult]):
    """(study result, claim result) pairs, in register order (by claim id)."""
    pairs = [(r, c) for r in results for c in r.claims]
    return sorted(pairs, key=lambda p: _order(p[1].spec.id))


def _order(claim_id: str):
    prefix, _, number = claim_id.partition("-")
    return prefix, int(number) if number.isdigit() else 0


def counts(results: list[StudyResult]) -> dict[str, tuple[int, int]]:
    """Per role (and for emergent held-out claims): (claims that hold, claims)."""
    out = {}
    pairs = claim_results(results)
    for role in ("calibration", "held-out"):
        chosen = [c for _, c in pairs if c.spec.role == role]
        out[role] = (sum(c.holds for c in chosen), len(chosen))
    emergent = [c for _, c in pairs if c.spec.role == "held-out" and c.spec.kind == "emergent"]
    out["held-out emergent"] = (sum(c.holds for c in emergent), len(emergent))
    return out


def _fmt(x: float) -> str:
    return "nan" if not np.isfinite(x) else f"{x:.3g}"


def console_table(results: list[StudyResult]) -> str:
    lines = []
    for role, title in ROLE_TITLES.items():
        lines += [f"{title}:",
                  f"  {'claim':<14}{'effect':<66}{'estimate':>10}  {'95% CI':<22}{'variants':<10}status"]
        for _, c in claim_results(results):
            if c.spec.role != role:
                continue
            for k, e in enumerate(c.effects):
                agree, total = e.variants_agreeing
                ci = f"[{_fmt(e.low)}, {_fmt(e.high)}]"
                status = c.status.upper() if k == 0 else ""
                lines.append(f"  {c.spec.name if k == 0 else '':<14}{e.name[:64]:<66}"
                             f"{_fmt(e.estimate):>10}  {ci:<22}{f'{agree}/{total}':<10}{status}")
        lines.append("")
    n = counts(results)
    lines.append(f"calibration: {n['calibration'][0]} of {n['calibration'][1]} hold; held out: "
                 f"{n['held-out'][0]} of {n['held-out'][1]} hold "
                 f"(emergent: {n['held-out emergent'][0]} of {n['held-out emergent'][1]})")
    return "\n".join(lines)


def claims_frame(results: list[StudyResult]):
    """One row per effect of every claim (claim, role, kind, study, status, effect, estimate, CI,
    variants agreeing): the table ``leadsim validate`` writes as ``claims.csv``."""
    import pandas as pd

    rows = []
    for res, c in claim_results(results):
        for e in c.effects:
            agree, total = e.variants_agreeing
            rows.append({"claim": c.spec.id, "pattern": c.spec.pattern, "role": c.spec.role,
                         "kind": c.spec.kind, "study": res.study.name, "status": c.status,
                         "effect": e.name, "rule": e.rule, "estimate": e.estimate, "ci_low": e.low,
                         "ci_high": e.high, "n": e.n, "variants_agreeing": agree,
                         "variants": total, "pooled_passed": e.pooled_passed, "passed": e.passed,
                         **{f"variant: {k}": v for k, v in e.variants.items()}})
    return pd.DataFrame(rows)


def markdown_table(results: list[StudyResult], role: str) -> str:
    lines = ["| claim | kind | effect | estimate | 95% CI | n | variants agreeing | status |",
             "|---|---|---|---|---|---|---|---|"]
    for _, c in claim_results(results):
        if c.spec.role != role:
            continue
        for k, e in enumerate(c.effects):
            agree, total = e.variants_agreeing
            status = (f"**{c.status}**" if c.status == "fails" else c.status) if k == 0 else ""
            first = f"{c.spec.name}" if k == 0 else ""
            kind = c.spec.kind if k == 0 else ""
            lines.append(f"| {first} | {kind} | {e.name} ({e.rule}) | {_fmt(e.estimate)} | "
                         f"[{_fmt(e.low)}, {_fmt(e.high)}] | {e.n} | {agree}/{total} | {status} |")
    return "\n".join(lines)


def variant_table(results: list[StudyResult]) -> str:
    """Every effect's estimate in each variant (seed families and sizes)."""
    pairs = claim_results(results)
    if not pairs:
        return ""
    labels = list(pairs[0][1].effects[0].variants)
    lines = ["| claim | effect | " + " | ".join(labels) + " |",
             "|---|---|" + "---|" * len(labels)]
    for _, c in pairs:
        for e in c.effects:
            cells = [_fmt(e.variants.get(label, float("nan"))) for label in labels]
            lines.append(f"| {c.spec.id} | {e.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def figures(results: list[StudyResult], folder: Path) -> list[tuple[str, str]]:
    """One figure per study: each outcome its claims test, per condition and size (mean, 95% CI)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for res in results:
        study = res.study
        outcomes = study.outcomes()
        fig, axes = plt.subplots(1, len(outcomes), figsize=(4.2 * len(outcomes) + 0.5, 3.6),
                                 squeeze=False)
        labels = [_condition_label(study, i) for i in range(len(study.conditions))]
        x = np.arange(len(labels))
        for ax, outcome in zip(axes[0], outcomes):
            c = curves(study, res.runs, outcome)
            sizes = sorted(c[SIZE].unique())
            for k, size in enumerate(sizes):
                frame = c[c[SIZE] == size].sort_values("condition")
                offset = (k - (len(sizes) - 1) / 2) * 0.12
                ax.errorbar(x[frame["condition"]] + offset, frame["mean"],
                            yerr=[frame["mean"] - frame["low"], frame["high"] - frame["mean"]],
                            fmt="o", capsize=3, label=f"{size} staff")
            ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=7)
            ax.set_title(outcome.replace("_", " "), fontsize=9)
        axes[0][0].legend(fontsize=7)
        claims = ", ".join(c.spec.id for c in res.claims)
        fig.suptitle(f"{study.title} ({claims})", fontsize=10)
        fig.tight_layout()
        name = f"{study.name}.png"
        fig.savefig(folder / name, dpi=100)
        plt.close(fig)
        out.append((name, f"{study.title} ({claims}): mean and 95% CI per condition and size, "
                          "pooled over seed families."))
    return out


def _condition_label(study, i: int) -> str:
    row = study.conditions.iloc[i]
    if "label" in row and isinstance(row["label"], str):
        return row["label"]
    return ", ".join(f"{k.replace('_per_hospital', '').replace('_', ' ')} {v:g}"
                     for k, v in row.items() if k != "label")


def write_markdown(path: Path, results: list[StudyResult], command: str, quick: bool,
                   seconds: float) -> None:
    fig_dir = path.parent / "validation"
    figs = figures(results, fig_dir)
    n = counts(results)
    protocol = results[0].study.protocol if results else None
    lines = [
        "# Validation: the claims of the sources",
        "",
        f"Generated by `{command}` in {seconds:.0f} s. Each claim of the register (`docs/CLAIMS.md`) "
        "is tested by a study in `experiments/validation/` (conditions, outcomes, effects and rules "
        "are in its file; see its README). All conditions of a cell run with the same replication "
        "seeds (common random numbers); effects are paired per replication and pooled with a 95% "
        "t-interval.",
        "",
    ]
    if protocol is not None:
        lines += [f"Protocol{' (quick, reduced)' if quick else ''}: {protocol.n_hospitals} hospitals "
                  f"of {', '.join(map(str, protocol.sizes))} staff, {protocol.ticks} weeks, "
                  f"{protocol.families} independent seed families; each study's replications per "
                  "cell are in its file (n in the tables counts paired replications in all cells). "
                  "A claim **holds** when the pooled 95% CI is on the claimed side and every variant "
                  "(each seed family, each size) agrees in sign; **holds within** a region of sizes "
                  "when it holds there (a region that keeps the default size and most of the range) "
                  "but not over all sizes.", ""]
    held, cal, emerg = n["held-out"], n["calibration"], n["held-out emergent"]
    share = 100.0 * held[0] / held[1] if held[1] else float("nan")
    lines += [f"**Held-out claims: {held[0]} of {held[1]} hold ({share:.0f}%)**; of these, emergent: "
              f"{emerg[0]} of {emerg[1]}. Calibration claims: {cal[0]} of {cal[1]} hold.", ""]
    for role, title in ROLE_TITLES.items():
        lines += [f"## {title}", "", markdown_table(results, role), ""]
    lines += ["## Every effect by variant", "",
              "Estimates per seed family (pooled over sizes) and per size (pooled over families).",
              "", variant_table(results), ""]
    lines += ["## Figures", ""]
    for name, caption in figs:
        lines += [f"![{caption}](validation/{name})", "", f"*{caption}*", ""]
    lines += ["## How to run", "",
              "    leadsim validate                 # every study, full protocol; writes this file",
              "    leadsim validate --quick         # reduced protocol, as in the test suite",
              "    leadsim validate --only NIC-1 coordinators_by_mix   # some studies",
              "    .venv/bin/python -m pytest -m slow tests/test_validation.py   # the full run as a test",
              ""]
    path.write_text("\n".join(lines))
