"""Sobol' indices through an emulator: a Gaussian-process surrogate fitted to the runs.

Where the direct (Saltelli) estimate needs ``N (d + 2)`` model points and many thousands of runs to
settle, an emulator needs a few hundred: fit a cheap surrogate to the model outputs at a
space-filling design, then compute Sobol' indices on the surrogate with a Saltelli sample as large
as wanted (Oakley & O'Hagan 2004; Marrel et al. 2009; Le Gratiet, Marrel & Sudret 2017).

The route (:class:`SobolEmulator`, ``method = "sobol"`` with ``emulator = "gp"`` in an experiment):

1. **Design**: ``n`` points of a scrambled Sobol' sequence (``scipy.stats.qmc.Sobol``, ``n`` a power
   of two) scaled to the factors' bounds; its first n/4, n/2 points are balanced too, so the settle
   rule works on nested sub-designs as for the direct route. Each point's output is the mean over
   its replications (as the direct route analyses).
2. **Surrogate**: scikit-learn's ``GaussianProcessRegressor`` on inputs scaled to the unit cube and
   standardised outputs, kernel ``constant x Matern(nu = 5/2, one length scale per factor) + white
   noise``; hyperparameters by maximum likelihood (L-BFGS-B, restarts). The white-noise term absorbs
   what is left of seed noise in the averaged outputs, so the indices are those of the model's
   *mean response* (seed noise does not dilute them, unlike the direct route).
3. **Accuracy**: ``FOLDS``-fold cross-validated Q2 (1 - held-out squared error / variance of the
   outputs; each fold predicted by the GP conditioned on the others, with the full fit's
   hyperparameters). Below ``REFUSE_Q2`` the indices are not reported
   (NaN, with a note); below ``WARN_Q2`` a warning says the indices describe the surrogate as much
   as the model. For a noisy output Q2 cannot exceed about 1 - the noise share of the averaged
   output (``noise.csv``), so read it against that ceiling.
4. **Indices**: S1 and ST (SALib's Saltelli estimators, ``SALib.analyze.sobol``) of the GP's
   posterior mean on a Saltelli sample of ``mc_samples`` base samples, with SALib's bootstrap
   half-width (the Monte Carlo part, small); and S1, ST of ``draws`` joint posterior draws of the
   GP (without the noise term) on a smaller Saltelli sample (``draw_samples`` base samples): their
   spread is the emulator's own uncertainty (what the design points leave open). The reported
   half-width is ``sqrt(mc^2 + emulator^2)``, both at ``conf_level``. Hyperparameters are plug-in
   estimates: their own uncertainty is not in the interval, nor is a misfit of the kernel, so
   where Q2 is clearly below its noise ceiling the intervals are too narrow.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.stats import norm

from .methods import Sobol, salib_seed
from .problem import Problem, SensitivityError

EMULATORS = {"gp": "Gaussian-process emulator (scikit-learn GaussianProcessRegressor)"}
FOLDS = 5
RESTARTS = 1        # random restarts of the likelihood maximisation (besides the default start)
REFUSE_Q2 = 0.5     # below: indices not reported
WARN_Q2 = 0.9       # below: a warning
REFUSED_NOTE = "emulator refused"
POOR_NOTE = "emulator weak"
CHUNK = 20_000      # points predicted at a time (memory)


def _sklearn():
    try:
        from sklearn import gaussian_process  # noqa: F401
    except ImportError:  # pragma: no cover - scikit-learn is a dependency
        raise SensitivityError("'emulator': the Gaussian-process emulator needs scikit-learn "
                               "(pip install scikit-learn)") from None


def unit_scale(problem: Problem, X: np.ndarray) -> np.ndarray:
    """``X`` (one row per point, the factors' units) mapped to the unit cube by the bounds."""
    bounds = np.asarray(problem.salib()["bounds"], float)
    return (np.asarray(X, float) - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0])


def _kernel(d: int):
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    return (ConstantKernel(1.0, (1e-3, 1e3))
            * Matern(length_scale=np.full(d, 0.5), length_scale_bounds=(1e-2, 1e2), nu=2.5)
            + WhiteKernel(1e-2, (1e-10, 1.0)))


def fit_gp(U: np.ndarray, y: np.ndarray, seed: int, restarts: int = RESTARTS, kernel=None,
           optimize: bool = True):
    """A fitted ``GaussianProcessRegressor`` (standardised outputs, ML hyperparameters; with
    ``optimize=False`` the hyperparameters of ``kernel`` are kept)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor

    gp = GaussianProcessRegressor(kernel if kernel is not None else _kernel(U.shape[1]),
                                  normalize_y=True, n_restarts_optimizer=restarts,
                                  optimizer="fmin_l_bfgs_b" if optimize else None,
                                  random_state=int(seed) % 2**32)
    with warnings.catch_warnings():
        # a hyperparameter at its bound (e.g. no noise in a deterministic function) is expected
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(U, y)
    return gp


def latent_gp(gp, U: np.ndarray, y: np.ndarray):
    """The fitted GP's smooth part: the same posterior mean, a posterior covariance without the
    white-noise term (draws of the mean response, not of a noisy run)."""
    from sklearn.gaussian_process import GaussianProcessRegressor

    signal, white = gp.kernel_.k1, gp.kernel_.k2
    latent = GaussianProcessRegressor(signal, alpha=white.noise_level + 1e-10, optimizer=None,
                                      normalize_y=True)
    return latent.fit(U, y)


def cross_validated_q2(U: np.ndarray, y: np.ndarray, gp, seed: int, folds: int = FOLDS) -> float:
    """K-fold Q2 = 1 - sum of held-out squared errors / sum of squares about the mean.

    Each fold conditions the GP on the other folds with the full fit's hyperparameters (refitting
    them per fold would multiply the fitting time by ``folds`` for a small change in Q2)."""
    from sklearn.model_selection import KFold

    k = min(folds, len(y))
    pred = np.empty_like(y, dtype=float)
    for train, test in KFold(k, shuffle=True, random_state=int(seed) % 2**32).split(U):
        fold = fit_gp(U[train], y[train], seed, restarts=0, kernel=gp.kernel_, optimize=False)
        pred[test] = fold.predict(U[test])
    ss = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum((y - pred) ** 2)) / ss if ss > 0 else np.nan


def _unit_problem(d: int) -> dict:
    return {"num_vars": d, "names": [f"u{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}


def _saltelli(d: int, n: int, seed: int) -> np.ndarray:
    from SALib.sample import sobol as sobol_sample

    return sobol_sample.sample(_unit_problem(d), n, calc_second_order=False, scramble=True,
                               seed=salib_seed(seed))


def _indices_of_draws(Y: np.ndarray, d: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """S1 and ST (draws x d) of outputs ``Y`` (points x draws) on a Saltelli sample (no S2)."""
    from SALib.analyze.sobol import first_order, separate_output_values, total_order

    s1 = np.empty((Y.shape[1], d))
    st = np.empty((Y.shape[1], d))
    for k in range(Y.shape[1]):
        y = Y[:, k]
        y = (y - y.mean()) / (y.std() or 1.0)           # as SALib.analyze.sobol does
        A, B, AB, _ = separate_output_values(y, d, n, False)
        for j in range(d):
            s1[k, j] = first_order(A, AB[:, j], B)
            st[k, j] = total_order(A, AB[:, j], B)
    return s1, st


def posterior_draws(latent, U: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws`` joint draws (columns) of the latent GP at the points ``U``."""
    from scipy.linalg import cholesky

    mean, cov = latent.predict(U, return_cov=True)
    scale = float(np.mean(np.diag(cov))) or 1.0
    for jitter in (1e-10, 1e-8, 1e-6, 1e-4):
        try:
            L = cholesky(cov + jitter * scale * np.eye(len(U)), lower=True)
            break
        except np.linalg.LinAlgError:
            continue
    else:  # pragma: no cover - a covariance matrix is semi-definite up to rounding
        w, v = np.linalg.eigh(cov)
        L = v * np.sqrt(np.clip(w, 0, None))
    return mean[:, None] + L @ rng.standard_normal((len(U), draws))


@dataclass
class EmulatorFit:
    """One output's emulator: accuracy and the indices with their uncertainty."""

    q2: float
    noise_share: float            # white-noise share of the fitted GP's variance
    kernel: str
    s1: np.ndarray
    st: np.ndarray
    s1_conf_mc: np.ndarray
    st_conf_mc: np.ndarray
    s1_conf_emulator: np.ndarray
    st_conf_emulator: np.ndarray
    seconds: float


def emulate_sobol(problem: Problem, X: np.ndarray, y: np.ndarray, seed: int,
                  conf_level: float = 0.95, resamples: int = 100, draws: int = 200,
                  mc_samples: int = 4096, draw_samples: int = 256) -> EmulatorFit:
    """Fit the GP to ``(X, y)`` and compute S1 and ST with their uncertainty (module docstring)."""
    from SALib.analyze import sobol

    _sklearn()
    t0 = time.perf_counter()
    U = unit_scale(problem, X)
    y = np.asarray(y, float)
    d = U.shape[1]
    gp = fit_gp(U, y, seed)
    q2 = cross_validated_q2(U, y, gp, seed)
    latent = latent_gp(gp, U, y)
    signal_var = float(gp.kernel_.k1.k1.constant_value)
    noise_var = float(gp.kernel_.k2.noise_level)
    # Monte Carlo part: the posterior mean on a large Saltelli sample
    P = _saltelli(d, mc_samples, seed)
    mean = np.concatenate([latent.predict(P[i:i + CHUNK]) for i in range(0, len(P), CHUNK)])
    S = sobol.analyze(_unit_problem(d), mean, calc_second_order=False,
                      num_resamples=resamples, conf_level=conf_level, seed=salib_seed(seed))
    # emulator part: joint posterior draws on a smaller Saltelli sample
    Q = _saltelli(d, draw_samples, seed + 1)
    Yd = posterior_draws(latent, Q, draws, np.random.default_rng(salib_seed(seed)))
    s1_d, st_d = _indices_of_draws(Yd, d, draw_samples)
    z = norm.ppf(0.5 + conf_level / 2)
    return EmulatorFit(q2=q2, noise_share=noise_var / (signal_var + noise_var),
                       kernel=str(gp.kernel_), s1=np.asarray(S["S1"], float),
                       st=np.asarray(S["ST"], float),
                       s1_conf_mc=np.asarray(S["S1_conf"], float),
                       st_conf_mc=np.asarray(S["ST_conf"], float),
                       s1_conf_emulator=z * s1_d.std(axis=0, ddof=1),
                       st_conf_emulator=z * st_d.std(axis=0, ddof=1),
                       seconds=time.perf_counter() - t0)


@dataclass(frozen=True)
class SobolEmulator(Sobol):
    """Sobol' S1 and ST through a Gaussian-process emulator (module docstring).

    ``samples`` is the number of model points (a power of two, at least 16) of a scrambled Sobol'
    sequence, not Saltelli base samples: ``n`` points give ``n`` model points. No second-order
    indices. Rows carry, besides ``value`` and ``conf``, ``conf_mc`` and ``conf_emulator`` (the two
    parts of the half-width), ``q2`` (cross-validated accuracy) and ``emulator_noise`` (the
    white-noise share of the fitted GP).
    """

    calc_second_order: bool = False
    emulator: str = "gp"
    draws: int = 200
    mc_samples: int = 4096
    draw_samples: int = 256

    label: ClassVar[str] = "sobol via a Gaussian-process emulator"

    def __post_init__(self):
        if self.emulator not in EMULATORS:
            raise SensitivityError(f"'emulator': expected one of {', '.join(map(repr, EMULATORS))}, "
                                   f"got {self.emulator!r}")
        if self.calc_second_order:
            raise SensitivityError("'second_order': the emulator route gives S1 and ST only; "
                                   "allowed: false (or leave it out)")

    def min_size(self) -> int:
        return 16

    def check_size(self, n, source=None):
        where = f"{source}: " if source else ""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 16 or n & (n - 1):
            raise SensitivityError(f"{where}'samples': with an emulator, the number of model points: "
                                   f"a power of two >= 16 (e.g. 256), got {n!r}")

    def rows(self, n, d):
        return n

    def convergence_sizes(self, n, fractions=(0.25, 0.5, 1.0)):
        return [s for s in super().convergence_sizes(n, fractions) if s >= 8] or [n]

    def sample(self, problem, n, seed):
        from scipy.stats import qmc

        unit = qmc.Sobol(problem.num_vars, scramble=True, seed=salib_seed(seed)).random(n)
        bounds = np.asarray(problem.salib()["bounds"], float)
        return qmc.scale(unit, bounds[:, 0], bounds[:, 1])

    def salib_calls(self, n, seed):
        return {"sample": {"function": "scipy.stats.qmc.Sobol", "d": "num_vars", "scramble": True,
                           "seed": salib_seed(seed), "random": n,
                           "then": "scipy.stats.qmc.scale to the problem's bounds"},
                "analyze": None,
                "emulator": {"kind": self.emulator, "class": "sklearn.gaussian_process."
                             "GaussianProcessRegressor", "kernel": "ConstantKernel * Matern(nu=2.5, "
                             "ARD) + WhiteKernel", "inputs": "scaled to [0, 1] by the bounds",
                             "normalize_y": True, "folds": FOLDS, "draws": self.draws,
                             "mc_samples": self.mc_samples, "draw_samples": self.draw_samples,
                             "indices": "SALib.analyze.sobol.analyze on the posterior mean "
                                        "(calc_second_order=False)",
                             "num_resamples": self.resamples, "conf_level": self.conf_level}}

    def analyze(self, problem, X, Y, seed):
        fit = emulate_sobol(problem, X, Y, seed, self.conf_level, self.resamples, self.draws,
                            self.mc_samples, self.draw_samples)
        refused = not (np.isfinite(fit.q2) and fit.q2 >= REFUSE_Q2)
        rows = []
        for index, value, mc, em in (("S1", fit.s1, fit.s1_conf_mc, fit.s1_conf_emulator),
                                     ("ST", fit.st, fit.st_conf_mc, fit.st_conf_emulator)):
            for j, name in enumerate(problem.names):
                rows.append({"parameter": name, "index": index,
                             "value": np.nan if refused else float(value[j]),
                             "conf": np.nan if refused else float(np.hypot(mc[j], em[j])),
                             "conf_mc": float(mc[j]), "conf_emulator": float(em[j]),
                             "q2": fit.q2, "emulator_noise": fit.noise_share,
                             "emulator_s": fit.seconds})
        return rows, []

    def review(self, settled: pd.DataFrame, convergence: pd.DataFrame) -> pd.DataFrame:
        """Notes on the emulator's accuracy at the full size: refused (Q2 < REFUSE_Q2) or weak
        (Q2 < WARN_Q2)."""
        if "q2" not in convergence.columns or not len(settled):
            return settled
        full = convergence[convergence["n"] == convergence["n"].max()]
        q2 = full.groupby("outcome")["q2"].first()
        settled = settled.copy()
        for i, row in settled.iterrows():
            value = q2.get(row["outcome"], np.nan)
            if not np.isfinite(value):
                continue
            if value < REFUSE_Q2:
                settled.loc[i, "settled"] = False
                settled.loc[i, "note"] = (
                    f"{REFUSED_NOTE}: cross-validated Q2 = {value:.2f} (< {REFUSE_Q2}); the surrogate "
                    f"does not describe the model, no indices; use the direct route (no emulator), "
                    f"more points or more replications")
            elif value < WARN_Q2:
                settled.loc[i, "note"] = (f"{row['note']}; {POOR_NOTE}: cross-validated Q2 = "
                                          f"{value:.2f} (< {WARN_Q2}), compare with 1 - its noise "
                                          f"share; check against the direct route")
        return settled


def emulator_table(convergence: pd.DataFrame) -> pd.DataFrame:
    """Per outcome and size: the emulator's cross-validated Q2, noise share and fitting time."""
    cols = ["n", "outcome", "q2", "emulator_noise", "emulator_s"]
    if "q2" not in convergence.columns:
        return pd.DataFrame(columns=cols)
    return convergence[cols].drop_duplicates(["n", "outcome"]).reset_index(drop=True)
