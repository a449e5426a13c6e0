"""Random draws over every parameter's full documented range, sizes included: every run ends with a
value wherever one is defined (no NaN otherwise) and every rate within [0, 1].

Sizes are drawn log-uniformly over their whole range (up to 5000 hospitals, 10000 staff, 5200
weeks), then the run is shrunk (weeks first, then hospitals) until the size estimate
(:mod:`sim.sizing`) says it takes a fraction of a second, so large staffs and long horizons are
still drawn while the test stays fast. A draw whose posts do not fit its staff must be refused
with a one-line error naming the key; it is then run with the most coordinators that fit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import Parameters, run_simulation
from sim.parameters import PARAMETER_SPECS, SPECS, HospitalOverride, ParameterError
from sim.sizing import run_cost
from tests.outcome_checks import check_results

DRAWS = 16
LOG_UNIFORM = ("n_hospitals", "staff_per_hospital", "unit_size", "ticks", "task_deadline")
MAX_SECONDS = 0.25         # estimated, per draw
MAX_BYTES = 300e6


def draw(rng: np.random.Generator) -> dict:
    values = {}
    for spec in PARAMETER_SPECS:
        low, high = spec.low, spec.high
        if spec.name == "seed":
            values["seed"] = int(rng.integers(0, 2**62))
        elif spec.name in LOG_UNIFORM:
            values[spec.name] = int(round(math.exp(rng.uniform(math.log(low), math.log(high)))))
        elif spec.kind is int:
            values[spec.name] = int(rng.integers(low, high + 1))
        else:
            values[spec.name] = float(rng.uniform(low, high)) if rng.random() > 0.1 else \
                float(rng.choice([low, high]))        # the ends of the range too
    return fit_regional_coordinators(values)


def fit_regional_coordinators(values: dict) -> dict:
    """At most one regional coordinator per hospital, none with one hospital (a clear error
    otherwise: tests/test_bad_input.py)."""
    h = values["n_hospitals"]
    values["regional_coordinators"] = min(values["regional_coordinators"], h) if h >= 2 else 0
    return values


def shrink(values: dict) -> dict:
    """Fewer weeks, then fewer hospitals, until the estimate is small (staff kept as drawn)."""
    def cost(v):
        return run_cost(Parameters(**{**v, "coordinators_per_hospital": 0}))

    while cost(values).seconds > MAX_SECONDS or cost(values).memory > MAX_BYTES:
        if values["ticks"] > 8:
            values["ticks"] = max(8, values["ticks"] // 2)
        elif values["n_hospitals"] > 1:
            values["n_hospitals"] = max(1, values["n_hospitals"] // 2)
            fit_regional_coordinators(values)
        else:
            values["hybrid_share"] /= 2
            values["staff_per_hospital"] = max(8, int(values["staff_per_hospital"] * 0.7))
    return values


def parameters(values: dict, rng: np.random.Generator) -> Parameters:
    """The drawn parameters; a staffing that cannot hold its posts must be a clear error."""
    if rng.random() < 0.3:                               # one hospital with its own values
        own = {"leadership_mix": float(rng.uniform(0, 1)),
               "staff_per_hospital": int(rng.integers(8, 400)),
               "coordinators_per_hospital": int(rng.integers(0, 31))}
        values["hospitals"] = (HospitalOverride(0, own),)
    try:
        return Parameters(**values)
    except ParameterError as err:
        assert "posts" in str(err) and "allowed: at most" in str(err) and "\n" not in str(err)
        assert err.key.endswith(("coordinators_per_hospital", "staff_per_hospital"))
    values["coordinators_per_hospital"] = 0
    for ov in values.get("hospitals", ()):
        ov.values["coordinators_per_hospital"] = 0
    return Parameters(**values)


@pytest.mark.parametrize("k", range(DRAWS))
def test_random_point_of_the_full_ranges(k):
    rng = np.random.default_rng([20261201, k])
    values = shrink(draw(rng))
    params = parameters(values, rng)
    for name in SPECS:
        assert SPECS[name].low <= getattr(params, name) <= SPECS[name].high
    check_results(run_simulation(params))
