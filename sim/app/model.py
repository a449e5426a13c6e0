"""A small, classroom-sized model built from a scenario file and a few flat knobs.

The app rebuilds the model on *Reset* from flat slider values (as Mesa's ``SolaraViz`` would:
``type(model)(**slider_values)``). :class:`TeachingModel` is that thin factory over
:class:`sim.model.LeadershipModel`: it loads a scenario (``scenarios/*.toml``), shrinks it to a
size that steps at interactive speed, applies the values of the app's sliders and stops at the
scenario's horizon. Also here: the sliders (:data:`KNOBS`, :data:`RUN_KNOBS`: range, step, unit,
what the ends mean), the presets (:data:`PRESETS`) and the scenario's story
(:func:`scenario_story`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
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



@dataclass(frozen=True)
class Knob:
    """A slider of the app: label, slider range and step, unit, what its two ends mean."""

    label: str
    low: float
    high: float
    step: float
    unit: str
    low_means: str = ""
    high_means: str = ""

    def format(self, value: float | int) -> str:
        """The value as the slider shows it (no more decimals than the step has)."""
        decimals = 0 if float(self.step).is_integer() else len(f"{self.step:g}".split(".")[1])
        return f"{value:.{decimals}f}"

    def ends(self) -> tuple[str, str]:
        """The texts under the slider's two ends: the range, and what each end means."""
        return (f"{self.low:g} {self.low_means}".strip(), f"{self.high:g} {self.high_means}".strip())


#: The knobs offered as sliders, in display order, with the slider range used in the app (a
#: sub-range of the documented range where the full one makes no sense for 120 staff), the unit
#: and what the ends mean (``docs/TEACHING.md`` explains each).
KNOBS: dict[str, Knob] = {
    "leadership_mix": Knob("Leadership mix", 0.0, 1.0, 0.05, "scale 0\u20131",
                           "position (concentrated)", "expertise (distributed)"),
    "management_support": Knob("Management support", 0.0, 1.0, 0.05, "share of full backing",
                               "none", "full backing"),
    "coordinators_per_hospital": Knob("Coordinators", 0, 10, 1, "per hospital"),
    "n_national_bodies": Knob("National bodies", 0, 12, 1, "bodies"),
    "national_coherence": Knob("National coherence", 0.0, 1.0, 0.05, "scale 0\u20131",
                               "every body its own aim", "one shared aim"),
    "turnover_rate": Knob("Turnover", 0.0, 0.6, 0.02, "share of staff per year",
                          "nobody leaves", "60% leave a year"),
    "collaborative_learning": Knob("Learning between hospitals", 0.0, 1.0, 0.05, "scale 0\u20131",
                                   "isolated hospitals", "full learning sessions"),
}
#: The run's size and seed, shown as sliders next to the knobs.
RUN_KNOBS: dict[str, Knob] = {
    "n_hospitals": Knob("Hospitals", 1, APP_MAX_HOSPITALS, 1, "hospitals",
                        "(views show hospital 0)", "(charts add all)"),
    "seed": Knob("Random seed", 0, 99, 1, ""),
}


@dataclass(frozen=True)
class Preset:
    """Settings that show one phenomenon: a scenario, knob values, and what to watch."""

    label: str
    scenario: str
    knobs: dict
    watch: str


#: Presets offered by the app. ``tests/test_app.py`` checks that each still shows its phenomenon
#: (the model's mechanisms may change).
PRESETS: dict[str, Preset] = {
    "nobody_in_charge": Preset(
        "Show me nobody in charge", "baseline",
        {"leadership_mix": 1.0, "management_support": 0.1, "coordinators_per_hospital": 0},
        "Fully distributed leadership, little management support and no coordinators: watch the "
        "dotted grey task bars (no legitimate leader) and the 'failed: nobody in charge' line. "
        "Then set Coordinators to 3, press Reset and compare."),
}


def scenario_dir() -> Path:
    """Folder of the scenario files: ``$LEADSIM_SCENARIOS``, else ``./scenarios`` if it exists,
    else the shipped scenarios (the installed package's, or the source checkout's)."""
    env = os.environ.get(SCENARIO_DIR_ENV)
    if env:
        return Path(env)
    here = Path.cwd() / "scenarios"
    if here.is_dir():
        return here
    from ..resources import data_dir

    return data_dir("scenarios")


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
    knob = KNOBS[name]
    value = min(max(value, knob.low), knob.high)
    return int(value) if SPECS[name].kind is int else float(value)


def knob_defaults(scenario: Scenario) -> dict[str, float | int]:
    """The scenario's system-wide value of each slider knob (clipped into the slider range)."""
    return {name: clip_to_knob(name, getattr(scenario.params, name)) for name in KNOBS}


def scenario_story(name: str, folder: Path | None = None) -> str:
    """The comment block that opens a scenario file (its policy story and source), as plain text
    with paragraphs separated by blank lines; empty when the file has none."""
    folder = scenario_dir() if folder is None else folder
    lines = []
    for line in (folder / f"{name}.toml").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(re.sub(r"^# ?", "", line))
    paragraphs = " ".join(x if x else "\n\n" for x in lines).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


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
    # a collaborative's regional coordinators: at most one per hospital of the classroom run
    regional = min(base.regional_coordinators, n_hospitals) if n_hospitals >= 2 else 0
    return base.replace(n_hospitals=n_hospitals, staff_per_hospital=APP_STAFF_PER_HOSPITAL,
                        unit_size=APP_UNIT_SIZE, seed=seed, hospitals=tuple(overrides),
                        regional_coordinators=regional,
                        **{k: v for k, v in knobs.items() if k in moved})


def preset_settings(name: str, seed: int = 1, n_hospitals: int = 2) -> tuple[str, dict]:
    """(scenario name, slider settings) of preset ``name`` (a key of :data:`PRESETS`)."""
    preset = PRESETS[name]
    scenario = load_app_scenario(preset.scenario)
    return preset.scenario, {"n_hospitals": n_hospitals, "seed": seed, **knob_defaults(scenario),
                             **preset.knobs}


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
        scenario: Mesa's own scenario object (accepted for Mesa's ``SolaraViz``; ignored).
        **knobs: values of the knobs in :data:`KNOBS` (missing ones keep the scenario's value).

    ``settings`` holds the values the run was built from (``n_hospitals``, ``seed`` and every knob,
    as the sliders show them), so the app can mark a slider moved since. The model stops
    (``running`` becomes False) at the scenario's horizon (``ticks`` weeks).
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, n_hospitals: int = 2, seed: int = 1,
                 leadership_mix: float | None = None, management_support: float | None = None,
                 coordinators_per_hospital: int | None = None, n_national_bodies: int | None = None,
                 national_coherence: float | None = None, turnover_rate: float | None = None,
                 collaborative_learning: float | None = None, scenario=None):
        loaded = load_app_scenario(scenario_name)
        given = {"leadership_mix": leadership_mix, "management_support": management_support,
                 "coordinators_per_hospital": coordinators_per_hospital,
                 "n_national_bodies": n_national_bodies, "national_coherence": national_coherence,
                 "turnover_rate": turnover_rate, "collaborative_learning": collaborative_learning}
        knobs = {k: v for k, v in given.items() if v is not None}
        n = int(min(max(int(n_hospitals), 1), APP_MAX_HOSPITALS))
        params = classroom_parameters(loaded, n, int(seed), knobs)
        super().__init__(params)
        self.settings = {"n_hospitals": n, "seed": int(seed),
                         **knob_defaults(loaded), **{k: clip_to_knob(k, v) for k, v in knobs.items()}}
        self.scenario_name = scenario_name
        self.scenario_description = loaded.description

    def step(self) -> None:
        """Advance one week; stop at the horizon."""
        super().step()
        self.running = self.week < self.params.ticks
