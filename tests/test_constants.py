"""The declared table of behavioural constants is the only place their values live, and runs read
them at run time."""

import ast
import math
from pathlib import Path

import pytest

from sim import Parameters, run_simulation
from sim import constants as C
from sim.constants import CONSTANT_SPECS, DEFAULTS
from sim.parameters import ParameterError

SIM = Path(__file__).resolve().parent.parent / "sim"
#: Modules that hold the model's rules (the table itself, sim/constants.py, is where values live).
BEHAVIOURAL_MODULES = ("arrival", "collaborative", "commitment", "compiled_week", "kernel",
                       "kernel_data", "model", "organisation", "reference", "staff_kernel", "state",
                       "turnover")
STRUCTURAL = {0, 1, 2}      # identities, halves of (1 + cos) / 2, and the like


def numeric_literals(path: Path):
    """(line, value) of every numeric literal in a module, except on lines marked ``# structural``."""
    lines = path.read_text().splitlines()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and not isinstance(node.value, bool) \
                and isinstance(node.value, (int, float)):
            if node.value in STRUCTURAL or "# structural" in lines[node.lineno - 1]:
                continue
            yield node.lineno, node.value


@pytest.mark.parametrize("module", BEHAVIOURAL_MODULES)
def test_no_behavioural_number_lives_outside_the_table(module):
    found = list(numeric_literals(SIM / f"{module}.py"))
    assert not found, (f"sim/{module}.py holds numeric literals {found}: declare them in "
                       "sim/constants.py (CONSTANT_SPECS) or mark a structural one '# structural'")


def test_the_literal_check_would_catch_a_planted_number(tmp_path):
    path = tmp_path / "rule.py"
    path.write_text("def f(x):\n    return x * 0.4 + 1\n\n\nN = 3   # structural\n")
    assert list(numeric_literals(path)) == [(2, 0.4)]


def test_every_constant_is_declared_with_value_range_unit_and_rationale():
    assert len(CONSTANT_SPECS) >= 60
    for spec in CONSTANT_SPECS:
        assert spec.low <= spec.value <= spec.high, spec.name
        assert spec.unit and spec.group and len(spec.rationale) > 20, spec.name
        assert math.isfinite(spec.value)
        if spec.integer:
            assert float(spec.value).is_integer() and float(spec.low).is_integer(), spec.name
    assert len({s.name for s in CONSTANT_SPECS}) == len(CONSTANT_SPECS)


def test_no_module_keeps_a_shadow_copy_of_a_constant():
    """Behavioural values are read from the run's constants, not from module attributes."""
    for spec in CONSTANT_SPECS:
        assert not hasattr(C, spec.name), f"sim.constants.{spec.name} would bypass a run's changes"


def test_a_scenario_can_change_a_constant_and_the_run_uses_it():
    base = Parameters(n_hospitals=1, staff_per_hospital=60, unit_size=15, ticks=80,
                      local_task_rate=20, seed=5)
    changed = base.replace(EFFORT_PER_UNIT=4.0)
    assert changed.constant_values().EFFORT_PER_UNIT == 4.0 and DEFAULTS.EFFORT_PER_UNIT == 2.5
    a, b = run_simulation(base).summary, run_simulation(changed).summary
    assert a != b
    assert Parameters.from_dict(changed.to_dict()) == changed       # round trip in scenario form


@pytest.mark.parametrize("constants, fragment", [
    ({"CLAIM_RAT": 0.5}, "did you mean CLAIM_RATE"),
    ({"CLAIM_RATE": 5.0}, "out of range"),
    ({"UNITS_PER_DIVISION": 3.5}, "whole number"),
    ({"CLAIM_RATE": "fast"}, "expected a number"),
])
def test_bad_constants_are_refused_in_one_line_naming_the_key(constants, fragment):
    with pytest.raises(ParameterError) as err:
        Parameters.from_dict({"constants": constants}, source="s.toml")
    message = str(err.value)
    assert message.startswith("s.toml: 'constants.") and fragment in message
    assert "\n" not in message
