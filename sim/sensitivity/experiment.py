"""Sensitivity experiment files (TOML) for ``leadsim sensitivity``.

Example (``experiments/sensitivity/morris_screening.toml``)::

    name = "morris_screening"
    description = "Which knobs matter? Morris screening of every sensitivity knob."
    budget = "10 trajectories x 21 points x 2 replications = 420 runs, about 4 min on 2 cores"
    scenario = "../../scenarios/baseline.toml"   # base scenario, relative to this file
    method = "morris"          # sobol | morris | pawn | rbd_fast
    samples = 10               # sobol: base samples (power of 2); morris: trajectories; else points
    replications = 2           # seeds per sample point (averaged; >= 2 to measure seed noise)
    seed = 1                   # sampling and run seeds (default: the base scenario's seed)
    parameters = "all"         # or a list of names; "all" = every sensitivity=True parameter
    constants = ["CLAIM_RATE"] # behavioural constants that vary too ("all": every one whose declared
                               # range allows it; default: none)
    outcomes = ["improvement", "sustained_improvement"]   # default: every section-5 outcome
    levels = 4                 # method option (morris: levels; sobol: second_order, emulator;
                               # pawn: slides; rbd_fast: harmonics)
    [ranges]                   # narrow some ranges (inside the declared ones)
    leadership_mix = [0.2, 0.8]
    [overrides]                # changes to the base scenario (model size, run length, ...)
    n_hospitals = 3
    staff_per_hospital = 150
    ticks = 260

Also: ``conf_level`` (0.95), ``resamples`` (bootstrap resamples, 100), ``convergence`` (fractions of
``samples`` at which indices are recomputed, [0.25, 0.5, 1.0]), ``change_tol`` (0.05) and
``conf_tol`` (0.1) for the settle rule, ``emulator = "gp"`` (Sobol' only: indices through a
Gaussian-process surrogate of the runs, :mod:`sim.sensitivity.emulator`; ``samples`` is then the
number of model points, a power of two), ``common_random_numbers`` (false; true gives replication
``r`` of every point the same seed, so seed noise shared by all points cancels in Morris effects
and Sobol' differences), and a ``[cluster]`` table for the SLURM backend (as in
sweep experiments, see :mod:`sim.sweep.cluster`). Every error names the file, the key and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..hints import did_you_mean
from ..parameters import as_int, as_number
from ..outcomes import SUMMARY_OUTCOMES
from ..tomlfile import read_toml
from ..scenario import Scenario, load_with_overrides
from ..sweep.cluster import ClusterConfigError, check_cluster_config
from .convergence import CHANGE_TOL, CONF_TOL
from .evaluators import DEFAULT_OUTCOMES, check_base
from .methods import METHODS, OPTIONS, make_method
from .problem import Problem, SensitivityError, sensitivity_constants, sensitivity_parameters
from .study import Study

KEYS = ("name", "description", "budget", "scenario", "overrides", "method", "samples",
        "replications", "seed", "parameters", "constants", "outcomes", "ranges", "conf_level", "resamples",
        "convergence", "change_tol", "conf_tol", "cluster", "common_random_numbers")
OPTION_KEYS = tuple(sorted({k for opts in OPTIONS.values() for k in opts}))
DEFAULT_REPLICATIONS = 2


@dataclass(frozen=True)
class Experiment:
    """A loaded experiment: the study, the base scenario and how to run the model."""

    path: Path
    study: Study
    base: Scenario
    replications: int
    outcomes: tuple[str, ...]
    description: str = ""
    budget: str = ""
    cluster: dict[str, Any] = field(default_factory=dict)
    common_random_numbers: bool = False
    text: str = ""
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.study.name

    @property
    def runs(self) -> int:
        return self.study.points * self.replications


def _error(path, key, problem) -> SensitivityError:
    return SensitivityError(f"{path}: '{key}': {problem}")


def _int(raw, path, key, low, high=None, default=None):
    value = raw.get(key, default)
    number = as_int(value)
    if number is None or number < low or (high is not None and number > high):
        rng = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise _error(path, key, f"expected an integer {rng}, got {value!r}")
    return number


def _float(raw, path, key, low, high, default):
    value = raw.get(key, default)
    number = as_number(value)
    if number is None or not low < number < high:
        raise _error(path, key, f"expected a number in ({low}, {high}), got {value!r}")
    return float(number)


def _names(raw, path, key, allowed, default):
    value = raw.get(key, default)
    if key == "parameters" and value == []:
        return []
    if value == "all":
        return list(allowed)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _error(path, key, f"expected \"all\" or a list of names; allowed: {', '.join(allowed)}")
    for v in value:
        if v not in allowed:
            raise _error(path, key, f"unknown name {v!r}{did_you_mean(v, allowed)}; allowed: "
                                    f"{', '.join(allowed)}")
    if len(set(value)) != len(value):
        raise _error(path, key, "a name is listed twice")
    return list(value)


def load_experiment(path: str | Path, samples: int | None = None,
                    replications: int | None = None) -> Experiment:
    """Load and validate a sensitivity experiment; ``samples``/``replications`` override the file."""
    path = Path(path)
    raw, text = read_toml(path, SensitivityError, "experiment")
    for key in raw:
        if key not in KEYS and key not in OPTION_KEYS:
            raise _error(path, key, f"unknown key{did_you_mean(key, (*KEYS, *OPTION_KEYS))}; "
                                    f"allowed: {', '.join((*KEYS, *OPTION_KEYS))}")
    for key in ("name", "description", "budget", "scenario"):
        if key in raw and not isinstance(raw[key], str):
            raise _error(path, key, f"expected a string, got {raw[key]!r}")

    # base scenario and the changes to it
    scen = raw.get("scenario")
    if not isinstance(scen, str) or not scen:
        raise _error(path, "scenario", "expected the base scenario file (path relative to the "
                                       "experiment), e.g. scenario = \"../../scenarios/baseline.toml\"")
    scenario_path = path.parent / scen
    if not scenario_path.is_file():
        from ..tomlfile import missing_file_hint
        raise _error(path, "scenario", f"file {scenario_path} not found"
                                       f"{missing_file_hint(scenario_path)} (the path is relative "
                                       f"to the experiment file)")
    base = load_with_overrides(scenario_path, raw.get("overrides", {}), path, SensitivityError)
    try:
        cluster = check_cluster_config(raw.get("cluster"))
    except ClusterConfigError as err:
        raise SensitivityError(f"{path}: {err}") from None

    # method and its options
    method_name = raw.get("method")
    if method_name not in METHODS:
        raise _error(path, "method", f"expected one of {', '.join(METHODS)}, got {method_name!r}")
    options = {k: raw[k] for k in OPTION_KEYS if k in raw}
    for key in options:
        if key not in OPTIONS[method_name]:
            owner = [m for m, opts in OPTIONS.items() if key in opts]
            raise _error(path, key, f"an option of {', '.join(owner)}, not of {method_name}; "
                                    f"allowed for {method_name}: "
                                    f"{', '.join(OPTIONS[method_name]) or 'none'}")
    _check_options(path, method_name, options)
    method = make_method(method_name, conf_level=_float(raw, path, "conf_level", 0, 1, 0.95),
                         resamples=_int(raw, path, "resamples", 10, 100_000, 100), **options)

    # factors
    names = _names(raw, path, "parameters", sensitivity_parameters(), "all")
    if "constants" in raw:
        names += _names(raw, path, "constants", sensitivity_constants(), [])
    ranges = raw.get("ranges", {})
    if not isinstance(ranges, dict):
        raise _error(path, "ranges", "expected a table: name = [low, high]")
    problem = Problem.for_model(names, ranges, source=str(path))
    check_base(base, problem.names, source=str(path))

    outcomes = _names(raw, path, "outcomes", SUMMARY_OUTCOMES, list(DEFAULT_OUTCOMES))
    reps = _int({"replications": replications} if replications is not None else raw, path,
                "replications", 1, 10_000, DEFAULT_REPLICATIONS)
    seed = _int(raw, path, "seed", 0, 2**63 - 1, base.params.seed)
    n = samples if samples is not None else raw.get("samples")
    n = as_int(n) if as_int(n) is not None else n
    method.check_size(n, str(path))
    fractions = raw.get("convergence", [0.25, 0.5, 1.0])
    if (not isinstance(fractions, list) or not fractions
            or not all(isinstance(f, (int, float)) and not isinstance(f, bool) and 0 < f <= 1
                       for f in fractions)):
        raise _error(path, "convergence", f"expected a list of fractions in (0, 1], got {fractions!r}")
    study = Study(problem, method, n, seed=seed, name=raw.get("name", path.stem),
                  convergence=tuple(float(f) for f in fractions),
                  change_tol=_float(raw, path, "change_tol", 0, 1, CHANGE_TOL),
                  conf_tol=_float(raw, path, "conf_tol", 0, 10, CONF_TOL))
    crn = raw.get("common_random_numbers", False)
    if not isinstance(crn, bool):
        raise _error(path, "common_random_numbers", f"expected true or false, got {crn!r}")
    return Experiment(path, study, base, reps, tuple(outcomes), raw.get("description", ""),
                      raw.get("budget", ""), cluster, crn, text, raw)


def _check_options(path, method, options) -> None:
    if "emulator" in options:
        from .emulator import EMULATORS

        if not isinstance(options["emulator"], str) or options["emulator"] not in EMULATORS:
            raise _error(path, "emulator", f"expected one of {', '.join(map(repr, EMULATORS))} "
                                           f"({'; '.join(EMULATORS.values())}), or leave it out for "
                                           f"the direct estimate; got {options['emulator']!r}")
        if options.get("second_order") is True:
            raise _error(path, "second_order", "the emulator route gives S1 and ST only; allowed: "
                                               "false (or leave it out)")
    if "second_order" in options and not isinstance(options["second_order"], bool):
        raise _error(path, "second_order", f"expected true or false, got {options['second_order']!r}")
    if "levels" in options:
        v = options["levels"]
        if isinstance(v, bool) or not isinstance(v, int) or v < 2 or v % 2:
            raise _error(path, "levels", f"expected an even integer >= 2, got {v!r}")
    for key, low in (("slides", 2), ("harmonics", 1)):
        if key in options:
            _int(options, path, key, low, 1000)
