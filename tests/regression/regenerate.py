"""Regenerate the regression baseline: the default scenario's summary, per replication.

    .venv/bin/python tests/regression/regenerate.py

Run it only on purpose, when a change of the model's behaviour is intended, and give the reason in
the commit message (as Covasim and Starsim do): ``tests/test_regression.py`` then holds every later
change to these numbers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASELINE = Path(__file__).with_name("baseline_summary.json")
SCENARIO = ROOT / "scenarios" / "baseline.toml"


def baseline_summary() -> dict:
    """The default scenario's replications and their summary outcomes (computed now)."""
    sys.path.insert(0, str(ROOT))
    from sim.outputs.replications import run_scenario
    from sim.scenario import load_scenario

    scenario = load_scenario(SCENARIO)
    run = run_scenario(scenario)
    per_rep = run.per_replication()
    return {"scenario": "scenarios/baseline.toml", "seeds": [int(s) for s in run.seeds],
            "replications": per_rep.drop(columns=["replication", "seed"]).to_dict("records")}


if __name__ == "__main__":
    BASELINE.write_text(json.dumps(baseline_summary(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {BASELINE}")
