"""Invariants over random parameter draws: bounds, conservation, no NaN or infinity."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import LeadershipModel, Parameters
from sim import constants as C
from sim.parameters import PARAMETER_SPECS
from tests.outcome_checks import check_outcomes

SWEEPABLE = [s for s in PARAMETER_SPECS if s.sensitivity]


@st.composite
def parameter_draws(draw):
    values = {}
    for spec in SWEEPABLE:
        if spec.kind is int:
            values[spec.name] = draw(st.integers(int(spec.low), min(int(spec.high), 4 if "coordinators" in spec.name else int(spec.high))))
        else:
            values[spec.name] = draw(st.floats(spec.low, spec.high, allow_nan=False))
    values["n_national_bodies"] = min(values["n_national_bodies"], 6)
    return Parameters(n_hospitals=2, staff_per_hospital=60, unit_size=12, ticks=26,
                      seed=draw(st.integers(0, 2**40)), **values)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=parameter_draws())
def test_bounds_conservation_and_finiteness(params):
    model = LeadershipModel(params, agents=True)
    staff = model.org.staff
    n, roles = staff.n, np.bincount(staff.role, minlength=3)
    classes = {cls: len(agents) for cls, agents in model.agents_by_type.items()}
    for _ in range(params.ticks):
        model.step()
        t = model.org.tasks
        assert np.all((t.progress >= 0) & (t.progress <= 1))
        assert np.all((t.consolidation >= 0) & (t.consolidation <= 1))
        assert np.all((t.negotiated >= 0) & (t.negotiated <= 1))
        assert np.all((t.alignment >= 0) & (t.alignment <= 1 + 1e-12))
        assert np.all((staff.motivation >= 0) & (staff.motivation <= 1))
        assert np.all(np.abs(staff.aim) <= np.pi + 1e-12)
        assert np.all(staff.lead_count <= staff.max_leads)
        assert np.all(staff.lead_count >= 0) and np.all(staff.broker_load >= 0)
        assert np.all(staff.broker_load <= params.coordinator_span)
        active = t.status == C.ACTIVE
        assert np.all(t.leaders[~active & (t.status == C.FREE)] == -1)
        out = model.last_kernel.out
        assert np.all(out.share >= 0) and np.all(np.isfinite(out.share))
    assert staff.n == n
    assert np.array_equal(np.bincount(staff.role, minlength=3), roles)
    assert {cls: len(a) for cls, a in model.agents_by_type.items()} == classes
    summary, hospitals = model.summary()
    ts = model.timeseries()
    assert np.all(np.isfinite(ts.select_dtypes("number").to_numpy()))
    # a value wherever one is defined (a rate is missing only without events), rates in [0, 1]
    check_outcomes(summary, ts)
    for h, row in hospitals.set_index("hospital").iterrows():
        check_outcomes(row.to_dict(), ts[ts["hospital"] == h], f"hospital {h}: ", system=False)
