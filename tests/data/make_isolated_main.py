"""Stored on main (fba2fc2) before the collaborative layer: a run with every mechanism active."""
import hashlib, json, sys
import numpy as np
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from sim import LeadershipModel, Parameters
from sim.constants import CONSTANT_SPECS
pinned = {s.name: float(s.value) for s in CONSTANT_SPECS}
params = Parameters(n_hospitals=3, staff_per_hospital=80, unit_size=16, leadership_mix=0.6,
                    local_task_rate=20, n_national_bodies=3, national_coherence=0.2,
                    initiative_rate=3, turnover_rate=0.3, coordinators_per_hospital=2,
                    coalition_rate=0.3, collective_culture=0.5, seed=42, ticks=150, constants=pinned)
m = LeadershipModel(params, agents=False, collect=False)
for _ in range(150):
    m.step()
rec = m.record_array()
st = m.org.staff
out = {"commit": "fba2fc2", "constants": pinned, "weeks": 150,
       "records_sha256": hashlib.sha256(np.ascontiguousarray(rec).tobytes()).hexdigest(),
       "record_totals": [float(x) for x in rec.sum(axis=(0, 1))],
       "motivation_sha256": hashlib.sha256(st.motivation.tobytes()).hexdigest(),
       "aim_sha256": hashlib.sha256(st.aim.tobytes()).hexdigest(),
       "summary": m.summary()[0]}
json.dump(out, open(__import__("pathlib").Path(__file__).with_name("isolated_main.json"), "w"), indent=1)
print(out["records_sha256"], out["summary"]["improvement"])
