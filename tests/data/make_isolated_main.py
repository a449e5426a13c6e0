"""Store a reference run of the model WITHOUT the collaborative layer (issue #12), for
``tests/test_collaborative.py``: a run with every within-hospital mechanism active, its constants
pinned, whose records and final state the model with ``collaborative_learning = 0`` and no regional
coordinators must reproduce bit for bit.

Run it on a checkout of the model that does not have the layer (main before the merge), so that
the reference is what the model was, not what it is:

    git -C /work/main archive <commit> | tar -x -C /tmp/main-snapshot
    NUMBA_CACHE_DIR=/tmp/numba-snapshot .venv/bin/python tests/data/make_isolated_main.py \
        --sim-root /tmp/main-snapshot --label <commit>

Each reference is stored under the names of the behavioural constants of the model it was made
with (the within-hospital ones): when main changes a mechanism and adds a constant, the test picks
the reference made on that model. A change of mechanism that adds no constant makes the test fail
until a reference is made on the changed model (without the layer), as the regression baseline
must be regenerated on purpose.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

OUT = Path(__file__).with_name("isolated_main.json")
WEEKS = 150


def reference_params(Parameters, constants: dict):
    return Parameters(n_hospitals=3, staff_per_hospital=80, unit_size=16, leadership_mix=0.6,
                      local_task_rate=20, n_national_bodies=3, national_coherence=0.2,
                      initiative_rate=3, turnover_rate=0.3, coordinators_per_hospital=2,
                      coalition_rate=0.3, collective_culture=0.5, seed=42, ticks=WEEKS,
                      constants=constants)


def fingerprint(records) -> dict:
    import numpy as np

    return {"records_sha256": hashlib.sha256(np.ascontiguousarray(records).tobytes()).hexdigest(),
            "record_totals": [float(x) for x in records.sum(axis=(0, 1))]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim-root", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--label", required=True, help="the commit the model was taken from")
    args = parser.parse_args()
    sys.path.insert(0, str(args.sim_root))
    from sim import LeadershipModel, Parameters
    from sim.constants import CONSTANT_SPECS

    pinned = {s.name: float(s.value) for s in CONSTANT_SPECS}
    model = LeadershipModel(reference_params(Parameters, pinned), agents=False, collect=False)
    for _ in range(WEEKS):
        model.step()
    st = model.org.staff
    entry = {"commit": args.label, "constant_names": sorted(pinned), "constants": pinned,
             "weeks": WEEKS, **fingerprint(model.record_array()),
             "motivation_sha256": hashlib.sha256(st.motivation.tobytes()).hexdigest(),
             "aim_sha256": hashlib.sha256(st.aim.tobytes()).hexdigest()}
    stored = json.loads(OUT.read_text()) if OUT.exists() else {"references": []}
    stored["references"] = [r for r in stored["references"] if r["commit"] != args.label] + [entry]
    OUT.write_text(json.dumps(stored, indent=1) + "\n")
    print(f"{OUT}: reference of {args.label} ({entry['records_sha256'][:12]})")


if __name__ == "__main__":
    main()
