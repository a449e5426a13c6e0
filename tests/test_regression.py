"""Regression baseline: the default scenario gives the summary committed in tests/regression/.

A change that moves any outcome of any replication fails here. When the change is intended,
regenerate the baseline (``.venv/bin/python tests/regression/regenerate.py``) and say why in the
commit message.
"""

import json

import pytest

from .regression.regenerate import BASELINE, baseline_summary


def test_default_scenario_matches_the_committed_baseline():
    expected = json.loads(BASELINE.read_text())
    got = baseline_summary()
    assert got["seeds"] == expected["seeds"]
    assert len(got["replications"]) == len(expected["replications"])
    for r, (now, then) in enumerate(zip(got["replications"], expected["replications"])):
        assert set(now) == set(then), "outcomes added or removed: regenerate the baseline"
        for name, value in then.items():
            assert now[name] == pytest.approx(value, rel=1e-9, abs=1e-12, nan_ok=True), \
                f"replication {r}, {name}: {now[name]!r} != baseline {value!r}"
