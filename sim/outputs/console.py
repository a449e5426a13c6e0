"""Terminal output: the progress bar and the summary tables."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pandas as pd


@contextmanager
def progress_bar(total: int, enabled: bool = True, description: str = "simulating") -> Iterator:
    """A tqdm bar over ``total`` weeks on stderr; yields ``on_week(n)`` (``None`` if disabled)."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    class Bar(tqdm):
        monitor_interval = 0   # no monitor thread: worker processes are forked while it runs

    with Bar(total=total, desc=description, unit="week", file=sys.stderr, dynamic_ncols=True,
              smoothing=0.1) as bar:
        yield bar.update


def number(value) -> str:
    """A number for the tables: 4 significant digits, no exponent for ordinary magnitudes."""
    if value is None or pd.isna(value):
        return "-"
    value = float(value)
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 0.001:
        return f"{value:.4g}" if abs(value) >= 1 else f"{value:.4f}"
    return f"{value:.2e}"


def summary_lines(summary: pd.DataFrame) -> list[str]:
    """Outcome | mean | 95% CI for one scenario (CI unavailable with one replication)."""
    rows = [(r.outcome, number(r.mean),
             f"[{number(r.ci_low)}, {number(r.ci_high)}]" if pd.notna(r.ci_low) else
             "-" if pd.isna(r.mean) else "unavailable")
            for r in summary.itertuples()]
    head = ("outcome", "mean", "95% CI")
    w = [max(len(x[k]) for x in (head, *rows)) for k in range(3)]
    lines = [f"  {head[0]:<{w[0]}}  {head[1]:>{w[1]}}  {head[2]}"]
    lines += [f"  {a:<{w[0]}}  {b:>{w[1]}}  {c}" for a, b, c in rows]
    if len(summary) and int(summary["n"].max()) < 2:
        lines.append("  (95% CI unavailable with 1 replication: use --replications 2 or more)")
    lines += missing_note([summary])
    return lines


def missing_note(summaries: Sequence[pd.DataFrame]) -> list[str]:
    """A note when some outcome rests on fewer replications than others (missing rates)."""
    if not any(len(s) and (s["n"] < s["n"].max()).any() for s in summaries):
        return []
    return ["  (- or fewer replications: a rate is missing in a replication where nothing it counts "
            "happened, e.g. no task ended; see the n column of summary.csv)"]


def comparison_lines(summaries: dict[str, pd.DataFrame], outcomes: Sequence[str]) -> list[str]:
    """Outcomes as rows, scenarios as columns, each cell ``mean [95% CI]`` (rate intervals are not
    symmetric about the mean: see :func:`sim.outputs.statistics.rate_ci`)."""
    labels = list(summaries)
    cells = []
    for name in outcomes:
        row = [name]
        for lab in labels:
            r = summaries[lab].set_index("outcome").loc[name]
            ci = (f" [{number(r['ci_low'])}, {number(r['ci_high'])}]"
                  if pd.notna(r["ci_high"]) else "")
            row.append(number(r["mean"]) + ci)
        cells.append(row)
    head = ["outcome", *labels]
    w = [max(len(x[k]) for x in (head, *cells)) for k in range(len(head))]

    def fmt(row):
        return "  " + "  ".join(f"{c:<{w[0]}}" if k == 0 else f"{c:>{w[k]}}" for k, c in enumerate(row))

    lines = [fmt(head), *map(fmt, cells)]
    n = min(int(s["n"].min()) for s in summaries.values())
    lines.append("  (mean [95% CI] over replications: t-interval; rates and shares: Wilson "
                 "interval, within [0, 1])" if n >= 2 else
                 "  (95% CI unavailable with 1 replication: use --replications 2 or more)")
    lines += missing_note(list(summaries.values()))
    return lines
