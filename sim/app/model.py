"""A small, classroom-sized model built from a scenario file and a few flat knobs.

Mesa's ``SolaraViz`` rebuilds the model on *Reset* as ``type(model)(**slider_values)``, so the
model class it shows must take flat keyword arguments. :class:`TeachingModel` is that thin
factory over :class:`sim.model.LeadershipModel`: it loads a scenario (``scenarios/*.toml``), shrinks
it to a size that steps at interactive speed, applies the values of the app's sliders and stops at
the scenario's horizon.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..model import LeadershipModel
from ..parameters import SPECS, HospitalOverride, Parameters
from ..scenario import Scenario, ScenarioError, load_scenario

#: Size of the organisations in the app: small enough for a weekly step and redraw in a fraction of
#: a second, large enough to show several units, managers and coordinators.
APP_STAFF_PER_HOSPITAL = 120
APP_UNIT_SIZE = 15
APP_MAX_HOSPITALS = 3
DEFAULT_SCENARIO = "baseline"
SCENARIO_DIR_ENV = "LEADSIM_SCENARIOS"

#: The knobs offered as sliders, in display order, with the slider range used in the app (a sub-range
#: of the documented range where the full one makes no sense for 120 staff) and the step.
KNOBS: dict[str, tuple[str, float, float, float]] = {
    "leadership_mix": ("Leadership mix", 0.0, 1.0, 0.05),
    "management_support": ("Management support", 0.0, 1.0, 0.05),
    "coordinators_per_hospital": ("Coordinators", 0, 10, 1),
    "n_national_bodies": ("National bodies", 0, 12, 1),
    "national_coherence": ("National coherence", 0.0, 1.0, 0.05),
    "turnover_rate": ("Turnover / year", 0.0, 0.6, 0.02),
}


def scenario_dir() -> Path:
    """Folder of the scenario files: ``$LEADSIM_SCENARIOS``, else ``./scenarios`` if it exists,
    else the ``scenarios/`` folder of the source checkout."""
    env = os.environ.get(SCENARIO_DIR_ENV)
    if env:
        return Path(env)
    here = Path.cwd() / "scenarios"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / "scenarios"


def available_scenarios(folder: Path | None = None) -> list[str]:
    """Names (file stems) of the scenario files in ``folder``, ``baseline`` first."""
    folder = scenario_dir() if folder is None else folder
    names = sorted(p.stem for p in folder.glob("*.toml"))
    return sorted(names, key=lambda n: n != DEFAULT_SCENARIO)


def usable_scenarios(folder: Path | None = None) -> tuple[list[str], dict[str, str]]:
    """(names of the scenarios that load, {name: one-line error} of those that do not)."""
    folder = scenario_dir() if folder is None else folder
    usable, broken = [], {}
    for name in available_scenarios(folder):
        try:
            load_app_scenario(name, folder)
            usable.append(name)
        except ScenarioError as err:
            broken[name] = str(err)
    return usable, broken


def load_app_scenario(name: str, folder: Path | None = None) -> Scenario:
    """Load ``<folder>/<name>.toml`` (errors are :class:`sim.scenario.ScenarioError`)."""
    folder = scenario_dir() if folder is None else folder
    return load_scenario(folder / f"{name}.toml")


def clip_to_knob(name: str, value: float | int) -> float | int:
    """``value`` clipped into the slider range of knob ``name`` (scenarios may go beyond it)."""
    _, low, high, _ = KNOBS[name]
    value = min(max(value, low), high)
    return int(value) if SPECS[name].kind is int else float(value)


def knob_defaults(scenario: Scenario) -> dict[str, float | int]:
    """The scenario's system-wide value of each slider knob (clipped into the slider range)."""
    return {name: clip_to_knob(name, getattr(scenario.params, name)) for name in KNOBS}


def classroom_parameters(scenario: Scenario, n_hospitals: int, seed: int,
                         knobs: dict[str, Any]) -> Parameters:
    """The scenario's parameters at classroom size with the sliders' values applied.

    Size: ``n_hospitals`` hospitals of :data:`APP_STAFF_PER_HOSPITAL` staff in units of
    :data:`APP_UNIT_SIZE`. Per-hospital overrides of the scenario are kept for the hospitals that
    remain, except the size (fixed here) and any knob whose slider was moved away from the
    scenario's own value: a moved slider sets that knob for every hospital.
    """
    base = scenario.params
    moved = {k for k, v in knobs.items() if v != clip_to_knob(k, getattr(base, k))}
    overrides = []
    for ov in base.hospitals:
        if ov.hospital >= n_hospitals:
            continue
        kept = {k: v for k, v in ov.values.items() if k != "staff_per_hospital" and k not in moved}
        if kept:
            overrides.append(HospitalOverride(ov.hospital, kept))
    return base.replace(n_hospitals=n_hospitals, staff_per_hospital=APP_STAFF_PER_HOSPITAL,
                        unit_size=APP_UNIT_SIZE, seed=seed, hospitals=tuple(overrides),
                        **{k: v for k, v in knobs.items() if k in moved})


def warm_up() -> None:
    """Step a one-hospital model twice, so numba compiles (or loads) the kernel before a student
    presses Step: the first compile on a machine takes 20-30 s, later loads a second or so."""
    model = LeadershipModel(Parameters(n_hospitals=1, staff_per_hospital=20, unit_size=10, ticks=2))
    model.step()
    model.step()


class TeachingModel(LeadershipModel):
    """:class:`~sim.model.LeadershipModel` built from a scenario name and flat slider values.

    Args:
        scenario_name: stem of a file in :func:`scenario_dir` (e.g. ``"baseline"``).
        n_hospitals: hospitals in the run (1 to :data:`APP_MAX_HOSPITALS`); the app shows hospital 0.
        seed: seed of the run.
        scenario: Mesa's own scenario object, passed by ``SolaraViz`` on reset (ignored).
        **knobs: values of the knobs in :data:`KNOBS` (missing ones keep the scenario's value).

    The model stops (``running`` becomes False) at the scenario's horizon (``ticks`` weeks).
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, n_hospitals: int = 2, seed: int = 1,
                 leadership_mix: float | None = None, management_support: float | None = None,
                 coordinators_per_hospital: int | None = None, n_national_bodies: int | None = None,
                 national_coherence: float | None = None, turnover_rate: float | None = None,
                 scenario=None):
        loaded = load_app_scenario(scenario_name)
        given = {"leadership_mix": leadership_mix, "management_support": management_support,
                 "coordinators_per_hospital": coordinators_per_hospital,
                 "n_national_bodies": n_national_bodies, "national_coherence": national_coherence,
                 "turnover_rate": turnover_rate}
        knobs = {k: v for k, v in given.items() if v is not None}
        n = int(min(max(int(n_hospitals), 1), APP_MAX_HOSPITALS))
        params = classroom_parameters(loaded, n, int(seed), knobs)
        super().__init__(params)
        self.scenario_name = scenario_name
        self.scenario_description = loaded.description

    def step(self) -> None:
        """Advance one week; stop at the horizon."""
        super().step()
        self.running = self.week < self.params.ticks
