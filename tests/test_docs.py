"""The ODD description's tables agree with the code."""

import re
from pathlib import Path

from sim import constants as C
from sim.parameters import PARAMETER_SPECS

ODD = (Path(__file__).parent.parent / "docs" / "ODD.md").read_text()


def _row(name):
    match = re.search(rf"^\| `{name}` \| ([^|]+) \| ([^|]+) \|", ODD, re.M)
    assert match, f"{name} missing from docs/ODD.md"
    return match.group(1).strip(), match.group(2).strip()


def test_every_parameter_is_in_the_odd_table_with_its_default_and_range():
    for spec in PARAMETER_SPECS:
        default, rng = _row(spec.name)
        assert default == str(spec.default), spec.name
        if spec.name != "seed":
            assert rng == f"[{spec.low}, {spec.high}]", spec.name


def test_every_constant_in_the_odd_table_has_its_value_in_the_code():
    rows = re.findall(r"^\| `([A-Z_]+)` \| ([^|]+) \|", ODD, re.M)
    assert len(rows) >= 40
    for name, value in rows:
        assert str(getattr(C, name)) == value.strip(), name
