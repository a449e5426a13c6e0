"""The parameter object: defaults, validation messages, per-hospital overrides."""

import pytest

from sim import HospitalOverride, ParameterError, Parameters
from sim.parameters import PARAMETER_SPECS, PER_HOSPITAL, SPECS, describe_parameters

BRIEF_KNOBS = ("leadership_mix", "management_support", "coordinators_per_hospital",
               "consolidation_rate", "n_national_bodies", "national_coherence", "initiative_rate",
               "local_task_rate", "turnover_rate", "hybrid_share", "leader_tie_density",
               "task_complexity", "n_hospitals", "staff_per_hospital", "vacuum_patience",
               "conflict_patience", "seed")


def test_every_knob_of_the_brief_is_declared_with_a_range_unit_and_meaning():
    for name in BRIEF_KNOBS:
        spec = SPECS[name]
        assert spec.low <= spec.default <= spec.high
        assert spec.unit and spec.description
    assert {row["name"] for row in describe_parameters()} == {s.name for s in PARAMETER_SPECS}


def test_defaults_validate():
    p = Parameters()
    assert p.leadership_mix == SPECS["leadership_mix"].default


@pytest.mark.parametrize("key, value, fragment", [
    ("leadership_mix", 1.5, "out of range"),
    ("leadership_mix", "high", "expected float"),
    ("n_hospitals", 2.5, "whole number"),
    ("vacuum_patience", 0, "out of range"),
    ("management_support", float("nan"), "finite"),
    ("seed", True, "expected int"),
])
def test_bad_values_are_rejected_with_the_key_and_what_is_allowed(key, value, fragment):
    with pytest.raises(ParameterError) as err:
        Parameters.from_dict({key: value}, source="my.toml")
    message = str(err.value)
    assert message.startswith("my.toml: ")
    assert f"'{key}'" in message and fragment in message
    spec = SPECS[key]
    assert f"[{spec.low}, {spec.high}]" in message


def test_unknown_key_lists_what_is_allowed():
    with pytest.raises(ParameterError) as err:
        Parameters.from_dict({"leadership_mixx": 0.3}, source="s.toml")
    assert "'leadership_mixx'" in str(err.value) and "did you mean leadership_mix" in str(err.value)


def test_per_hospital_overrides_apply_only_to_their_hospital():
    p = Parameters.from_dict({"n_hospitals": 3, "management_support": 0.5,
                              "hospitals": [{"hospital": 1, "management_support": 0.1,
                                             "coordinators_per_hospital": 0}]})
    assert p.hospital_values("management_support") == [0.5, 0.1, 0.5]
    assert p.hospital_values("coordinators_per_hospital") == [3, 0, 3]
    assert set(PER_HOSPITAL) >= {"management_support", "coordinators_per_hospital", "staff_per_hospital"}


@pytest.mark.parametrize("entry, fragment", [
    ({"hospital": 5, "management_support": 0.1}, "out of range"),
    ({"hospital": 0, "n_national_bodies": 2}, "not a per-hospital parameter"),
    ({"management_support": 0.1}, "needs 'hospital'"),
    ({"hospital": 0, "management_support": 2.0}, "hospitals[0].management_support"),
])
def test_bad_hospital_overrides(entry, fragment):
    with pytest.raises(ParameterError) as err:
        Parameters.from_dict({"n_hospitals": 2, "hospitals": [entry]}, source="x.toml")
    assert fragment in str(err.value)


def test_round_trip_through_a_plain_mapping():
    p = Parameters(n_hospitals=2, hospitals=(HospitalOverride(1, {"leadership_mix": 0.9}),))
    assert Parameters.from_dict(p.to_dict()) == p


def test_an_organisation_too_small_for_its_posts_is_rejected_clearly():
    from sim import LeadershipModel
    with pytest.raises(ParameterError) as err:
        LeadershipModel(Parameters(staff_per_hospital=10, unit_size=4, coordinators_per_hospital=8))
    assert "coordinators_per_hospital" in str(err.value) and "posts" in str(err.value)
    assert "allowed: at most" in str(err.value)
