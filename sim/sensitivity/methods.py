"""Sensitivity methods: how each samples the inputs and turns outputs into indices (via SALib).

Each method knows

* ``sample(problem, n, seed)``: the SALib sample matrix for sample size ``n`` (Sobol: base samples,
  a power of two; Morris: trajectories; PAWN and RBD-FAST: Latin-hypercube points);
* ``rows(n, d)``: how many sample rows (model points) a size-``n`` study of ``d`` factors needs;
* ``analyze(problem, X, Y, seed)``: indices of one output as tidy rows
  (``parameter, index, value, conf``) plus second-order rows where computed;
* ``convergence_sizes(n, fractions)``: smaller sizes whose samples are the first rows of the full
  sample (nested sub-samples), used to check that indices have settled;
* ``settle_index``: the index checked for convergence (on a 0..1 scale).

Confidence values (``conf``) are half-widths of the ``conf_level`` interval as SALib reports them
(bootstrap), so an index is ``value +/- conf``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..parameters import as_int
from .problem import Problem, SensitivityError

SEED_SALT = 7919  # SALib treats seed 0 as "no seed"; every seed passed to it is shifted by this


def salib_seed(seed: int) -> int:
    """The seed leadsim passes to SALib's samplers and analysers for a study seed ``seed``:
    ``seed % (2**31 - 7919) + 7919`` (SALib treats 0 as "no seed", so 0 is never passed)."""
    return int(seed) % (2**31 - SEED_SALT) + SEED_SALT


_salib_seed = salib_seed


def _rows(names, index, value, conf) -> list[dict]:
    return [{"parameter": n, "index": index, "value": float(v),
             "conf": float(c) if c is not None else np.nan}
            for n, v, c in zip(names, np.asarray(value, float),
                               np.asarray(conf, float) if conf is not None else [None] * len(names))]


@dataclass(frozen=True)
class Method:
    """Base class: options shared by all methods."""

    conf_level: float = 0.95
    resamples: int = 100

    name: ClassVar[str] = "method"
    settle_index: ClassVar[str] = ""
    indices: ClassVar[tuple[str, ...]] = ()

    def rows(self, n: int, d: int) -> int:
        raise NotImplementedError

    def min_size(self) -> int:
        return 2

    def check_size(self, n: int, source: str | None = None) -> None:
        """Raise :class:`SensitivityError` unless ``n`` is a usable sample size."""
        where = f"{source}: " if source else ""
        if as_int(n) is None or n < self.min_size():
            raise SensitivityError(f"{where}'samples': expected an integer >= {self.min_size()} for "
                                   f"{self.name}, got {n!r}")

    def convergence_sizes(self, n: int, fractions=(0.25, 0.5, 1.0)) -> list[int]:
        sizes = {max(self.min_size(), int(round(n * f))) for f in fractions if 0 < f <= 1}
        return sorted({s for s in sizes if s <= n} | {n})

    def sample(self, problem: Problem, n: int, seed: int) -> np.ndarray:
        raise NotImplementedError

    def analyze(self, problem: Problem, X: np.ndarray, Y: np.ndarray,
                seed: int) -> tuple[list[dict], list[dict]]:
        raise NotImplementedError

    @property
    def label(self) -> str:
        """How the command line and the summary name the method (default: its name)."""
        return self.name

    def review(self, settled: pd.DataFrame, convergence: pd.DataFrame) -> pd.DataFrame:
        """The settle table with the method's own notes added (default: unchanged)."""
        return settled

    def salib_calls(self, n: int, seed: int) -> dict:
        """How to repeat this method with plain SALib: the sampling and analysis functions and
        their keyword arguments (besides the problem, ``X`` and ``Y``) for sample size ``n`` and
        study seed ``seed``. ``analyze`` is None for a method SALib does not analyse as here."""
        raise NotImplementedError


@dataclass(frozen=True)
class Sobol(Method):
    """Variance-based Sobol' indices: Saltelli's scheme on a scrambled Sobol' sequence.

    ``n`` base samples (a power of two) give ``n * (2d + 2)`` model points with second-order
    indices, ``n * (d + 2)`` without. Reports S1 and ST (and S2) with bootstrap confidence.
    """

    calc_second_order: bool = True

    name = "sobol"
    settle_index = "ST"
    indices = ("S1", "ST")

    def min_size(self) -> int:
        return 4

    def check_size(self, n, source=None):
        super().check_size(n, source)
        if n & (n - 1):
            where = f"{source}: " if source else ""
            raise SensitivityError(f"{where}'samples': Sobol' needs a power of two base samples "
                                   f"(e.g. {2 ** max(2, round(math.log2(n)))}), got {n}")

    def convergence_sizes(self, n, fractions=(0.25, 0.5, 1.0)):
        sizes = {2 ** max(2, int(round(math.log2(max(n * f, 1))))) for f in fractions if 0 < f <= 1}
        return sorted({s for s in sizes if s <= n} | {n})

    def rows(self, n, d):
        return n * (2 * d + 2 if self.calc_second_order else d + 2)

    def salib_calls(self, n, seed):
        return {"sample": {"function": "SALib.sample.sobol.sample", "N": n,
                           "calc_second_order": self.calc_second_order, "scramble": True,
                           "seed": salib_seed(seed)},
                "analyze": {"function": "SALib.analyze.sobol.analyze", "with_X": False,
                            "calc_second_order": self.calc_second_order,
                            "num_resamples": self.resamples, "conf_level": self.conf_level,
                            "seed": salib_seed(seed)}}

    def sample(self, problem, n, seed):
        from SALib.sample import sobol as sobol_sample

        return sobol_sample.sample(problem.salib(), n, calc_second_order=self.calc_second_order,
                                   scramble=True, seed=_salib_seed(seed))

    def analyze(self, problem, X, Y, seed):
        from SALib.analyze import sobol

        S = sobol.analyze(problem.salib(), Y, calc_second_order=self.calc_second_order,
                          num_resamples=self.resamples, conf_level=self.conf_level,
                          seed=_salib_seed(seed))
        names = problem.names
        rows = _rows(names, "S1", S["S1"], S["S1_conf"]) + _rows(names, "ST", S["ST"], S["ST_conf"])
        second = []
        if self.calc_second_order:
            for j in range(len(names)):
                for k in range(j + 1, len(names)):
                    second.append({"parameter_1": names[j], "parameter_2": names[k],
                                   "value": float(S["S2"][j, k]), "conf": float(S["S2_conf"][j, k])})
        return rows, second


@dataclass(frozen=True)
class Morris(Method):
    """Morris elementary effects: ``n`` one-at-a-time trajectories of ``d + 1`` points each.

    Reports mu* (mean absolute effect, with bootstrap confidence), sigma (spread: non-linearity or
    interactions), mu, and ``mu_star_rel`` = mu* / the largest mu* of that output (0..1, for
    comparing outputs on different scales and for the convergence rule). Effects are per unit of the
    normalised range (SALib's default, unscaled).
    """

    levels: int = 4

    name = "morris"
    settle_index = "mu_star_rel"
    indices = ("mu_star", "sigma", "mu", "mu_star_rel")

    def rows(self, n, d):
        return n * (d + 1)

    def salib_calls(self, n, seed):
        return {"sample": {"function": "SALib.sample.morris.sample", "N": n,
                           "num_levels": self.levels, "seed": salib_seed(seed)},
                "analyze": {"function": "SALib.analyze.morris.analyze", "with_X": True,
                            "num_resamples": self.resamples, "conf_level": self.conf_level,
                            "num_levels": self.levels, "seed": salib_seed(seed)}}

    def sample(self, problem, n, seed):
        from SALib.sample import morris as morris_sample

        return morris_sample.sample(problem.salib(), n, num_levels=self.levels,
                                    seed=_salib_seed(seed))

    def analyze(self, problem, X, Y, seed):
        from SALib.analyze import morris

        S = morris.analyze(problem.salib(), np.asarray(X, float), Y, num_resamples=self.resamples,
                           conf_level=self.conf_level, num_levels=self.levels,
                           seed=_salib_seed(seed))
        names = problem.names
        mu_star = np.asarray(S["mu_star"], float)
        conf = np.asarray(S["mu_star_conf"], float)
        top = np.nanmax(mu_star)
        rel = mu_star / top if top > 0 else np.full_like(mu_star, np.nan)
        rel_conf = conf / top if top > 0 else np.full_like(conf, np.nan)
        rows = (_rows(names, "mu_star", mu_star, conf) + _rows(names, "sigma", S["sigma"], None)
                + _rows(names, "mu", S["mu"], None) + _rows(names, "mu_star_rel", rel, rel_conf))
        return rows, []


@dataclass(frozen=True)
class GivenData(Method):
    """Methods that work from any sample: here a Latin hypercube of ``n`` points."""

    def min_size(self) -> int:
        return 20

    def rows(self, n, d):
        return n

    def salib_calls(self, n, seed):
        return {"sample": {"function": "SALib.sample.latin.sample", "N": n,
                           "seed": salib_seed(seed)},
                "analyze": None}

    def sample(self, problem, n, seed):
        from SALib.sample import latin

        return latin.sample(problem.salib(), n, seed=_salib_seed(seed))


def ks_statistic(a_sorted: np.ndarray, b_sorted: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov distance of two sorted samples (as ``scipy.stats.ks_2samp``)."""
    grid = np.concatenate([a_sorted, b_sorted])
    cdf_a = np.searchsorted(a_sorted, grid, side="right") / a_sorted.size
    cdf_b = np.searchsorted(b_sorted, grid, side="right") / b_sorted.size
    return float(np.max(np.abs(cdf_a - cdf_b)))


@dataclass(frozen=True)
class Pawn(GivenData):
    """PAWN (Pianosi & Wagener 2015): moment-independent, does not rest on variance.

    For each input, the outputs are split into ``slides`` conditioning intervals of that input; the
    index is the median Kolmogorov-Smirnov distance between the conditional and the unconditional
    output distribution (0: no influence; note a positive small-sample floor of roughly
    ``1.36 / sqrt(n / slides)`` even for an input with no effect). Confidence by bootstrap over the
    sample points (``resamples``).
    """

    slides: int = 10

    name = "pawn"
    settle_index = "PAWN"
    indices = ("PAWN", "PAWN_max")

    def _pawn(self, X, Y):
        d = X.shape[1]
        median = np.empty(d)
        maximum = np.empty(d)
        edges = np.linspace(0, 1, self.slides + 1)
        y_sorted = np.sort(Y)
        for i in range(d):
            q = np.quantile(X[:, i], edges)
            ks = []
            for s in range(self.slides):
                upper = X[:, i] <= q[s + 1] if s == self.slides - 1 else X[:, i] < q[s + 1]
                sel = Y[(X[:, i] >= q[s]) & upper]
                if sel.size:
                    ks.append(ks_statistic(np.sort(sel), y_sorted))
            median[i] = np.median(ks)
            maximum[i] = np.max(ks)
        return median, maximum

    def analyze(self, problem, X, Y, seed):
        X = np.asarray(X, float)
        median, maximum = self._pawn(X, Y)
        rng = np.random.default_rng(_salib_seed(seed))
        boot = np.empty((self.resamples, X.shape[1]))
        for b in range(self.resamples):
            idx = rng.integers(0, len(Y), len(Y))
            boot[b] = self._pawn(X[idx], Y[idx])[0]
        conf = norm.ppf(0.5 + self.conf_level / 2) * boot.std(axis=0, ddof=1)
        names = problem.names
        return _rows(names, "PAWN", median, conf) + _rows(names, "PAWN_max", maximum, None), []


@dataclass(frozen=True)
class RbdFast(GivenData):
    """RBD-FAST first-order indices (Tarantola et al. 2006, bias-corrected; SALib), from the sample.

    ``harmonics`` is the number of Fourier harmonics (SALib's ``M``).
    """

    harmonics: int = 10

    name = "rbd_fast"
    settle_index = "S1"
    indices = ("S1",)

    def min_size(self) -> int:
        return max(20, 2 * self.harmonics + 2)

    def analyze(self, problem, X, Y, seed):
        from SALib.analyze import rbd_fast

        S = rbd_fast.analyze(problem.salib(), np.asarray(X, float), Y, M=self.harmonics,
                             num_resamples=self.resamples, conf_level=self.conf_level,
                             seed=_salib_seed(seed))
        return _rows(problem.names, "S1", S["S1"], S["S1_conf"]), []

    def salib_calls(self, n, seed):
        calls = super().salib_calls(n, seed)
        calls["analyze"] = {"function": "SALib.analyze.rbd_fast.analyze", "with_X": True,
                            "M": self.harmonics, "num_resamples": self.resamples,
                            "conf_level": self.conf_level, "seed": salib_seed(seed)}
        return calls


METHODS: dict[str, type[Method]] = {m.name: m for m in (Sobol, Morris, Pawn, RbdFast)}
OPTIONS = {"sobol": {"second_order": "calc_second_order", "emulator": "emulator"},
           "morris": {"levels": "levels"}, "pawn": {"slides": "slides"},
           "rbd_fast": {"harmonics": "harmonics"}}


def make_method(name: str, conf_level: float = 0.95, resamples: int = 100, **options) -> Method:
    """The method called ``name`` with its options (names as in experiment files)."""
    if name not in METHODS:
        raise SensitivityError(f"'method': unknown method {name!r}; allowed: {', '.join(METHODS)}")
    allowed = OPTIONS[name]
    kwargs = {}
    for key, value in options.items():
        if key not in allowed:
            raise SensitivityError(f"'{key}': not an option of {name}; allowed: "
                                   f"{', '.join(allowed) or 'none'}")
        kwargs[allowed[key]] = value
    if name == "sobol" and "emulator" in kwargs:
        from .emulator import SobolEmulator   # Sobol' indices through a surrogate of the runs

        kwargs.setdefault("calc_second_order", False)
        return SobolEmulator(conf_level=conf_level, resamples=resamples, **kwargs)
    return METHODS[name](conf_level=conf_level, resamples=resamples, **kwargs)


def constant_rows(problem: Problem, method: Method) -> list[dict]:
    """Rows of NaN indices for an output that does not vary at all (nothing to attribute)."""
    return [row for index in method.indices
            for row in _rows(problem.names, index, [np.nan] * problem.num_vars,
                             [np.nan] * problem.num_vars)]


def frame(rows: list[dict], **columns) -> pd.DataFrame:
    """Tidy DataFrame of index rows with extra constant ``columns`` in front."""
    out = pd.DataFrame(rows)
    for pos, (key, value) in enumerate(columns.items()):
        out.insert(pos, key, value)
    return out
