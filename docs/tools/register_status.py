"""Write each claim's status from a full validation run into docs/CLAIMS.md (the last column of
every register row, the collaborative section's included), and print the counts for its Summary.

    .venv/bin/python docs/tools/register_status.py runs/validation/claims.csv

Run it after `leadsim validate` (the full protocol) has rewritten docs/VALIDATION.md, so that the
register and the report show the same run. Claims out of scope keep their rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
CLAIMS = ROOT / "docs" / "CLAIMS.md"


def status_text(rows: pd.DataFrame) -> str:
    """'holds', 'holds within 200-500 staff' or 'fails', with the pooled estimate of each effect."""
    status = rows["status"].iloc[0]
    parts = [f"{r.estimate:.3g} [{r.ci_low:.3g}, {r.ci_high:.3g}], {r.variants_agreeing}/{r.variants}"
             for r in rows.itertuples()]
    word = f"**{status}**" if status == "fails" else status
    return f"{word} ({'; '.join(parts)})"


def update(table: pd.DataFrame, text: str) -> str:
    """Every register row (in any section: the main register and the collaborative one) whose id
    the run tested gets its status in its last column."""
    by_claim = {c: status_text(g) for c, g in table.groupby("claim", sort=False)}
    lines = []
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| id"):
            cells = line.strip().strip("|").split("|")
            words = cells[0].strip().split()
            if len(cells) == 8 and words and words[0] in by_claim:
                cells[-1] = f" {by_claim[words[0]]} "
                line = "|" + "|".join(cells) + "|"
        lines.append(line)
    text = "\n".join(lines) + ("\n" if text.endswith("\n") else "")
    claims = table.groupby("claim").first()
    counts = []
    for role in ("calibration", "held-out"):
        chosen = claims[claims["role"] == role]
        holds = int((chosen["status"] != "fails").sum())
        counts.append(f"{role}: {holds} of {len(chosen)} hold")
        if role == "held-out":
            emergent = chosen[chosen["kind"] == "emergent"]
            counts.append(f"held-out emergent: {int((emergent['status'] != 'fails').sum())} of "
                          f"{len(emergent)}")
    print("counts for the Summary section (write them there by hand): " + "; ".join(counts))
    return text


if __name__ == "__main__":
    table = pd.read_csv(sys.argv[1] if len(sys.argv) > 1 else ROOT / "runs/validation/claims.csv")
    CLAIMS.write_text(update(table, CLAIMS.read_text()))
    print(f"updated {CLAIMS}")
