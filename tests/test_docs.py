"""The ODD description's tables agree with the code."""

import re
from pathlib import Path

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


def test_the_odd_constants_table_is_the_declared_table():
    """docs/ODD.md section 10 holds exactly what `leadsim describe --constants --markdown` prints."""
    from sim.constants import constants_markdown

    section = ODD.split("## 10.")[1].split("## 11.")[0]
    assert constants_markdown() in section, ("docs/ODD.md section 10 is out of date: paste the output "
                                             "of `leadsim describe --constants --markdown`")


def test_every_constant_named_in_the_odd_text_exists():
    """A constant named in backquotes in the ODD text (CAPITALS) is one of the declared table."""
    from sim import constants as C
    from sim.constants import SPECS

    names = set(re.findall(r"`([A-Z][A-Z0-9_]{3,})`", ODD))
    unknown = {n for n in names if n not in SPECS and not hasattr(C, n)}
    assert not unknown, f"docs/ODD.md names constants that do not exist: {sorted(unknown)}"
