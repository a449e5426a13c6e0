"""Analytic test functions with known Sobol' indices, to validate the harness.

* Ishigami-Homma: ``f = sin x1 + a sin^2 x2 + b x3^4 sin x1`` on ``[-pi, pi]^3`` (SALib's
  :mod:`SALib.test_functions.Ishigami` evaluates it);
* Sobol' G function: ``prod_i (|4 x_i - 2| + a_i) / (1 + a_i)`` on ``[0, 1]^d``
  (:mod:`SALib.test_functions.Sobol_G`).

Their indices follow from the closed-form variance decomposition (Saltelli et al. 2008, The Primer;
Saltelli et al. 2010), computed here from ``a``, ``b`` and the ``a_i`` rather than copied.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .problem import Problem

G_DEFAULT_A = (0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0)


def ishigami_problem() -> Problem:
    return Problem.from_bounds({f"x{i}": (-np.pi, np.pi) for i in (1, 2, 3)})


def ishigami(design: pd.DataFrame, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """Ishigami function of a design with columns x1, x2, x3 (via SALib)."""
    from SALib.test_functions import Ishigami

    return Ishigami.evaluate(design[["x1", "x2", "x3"]].to_numpy(float), A=a, B=b)


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> pd.DataFrame:
    """Analytic S1 and ST of the Ishigami function (rows x1..x3)."""
    pi4, pi8 = np.pi ** 4, np.pi ** 8
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * pi8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return pd.DataFrame({"S1": [v1 / v, v2 / v, 0.0], "ST": [(v1 + v13) / v, v2 / v, v13 / v]},
                        index=pd.Index(["x1", "x2", "x3"], name="parameter"))


def g_problem(a=G_DEFAULT_A) -> Problem:
    return Problem.from_bounds({f"x{i + 1}": (0.0, 1.0) for i in range(len(a))})


def g_function(design: pd.DataFrame, a=G_DEFAULT_A) -> np.ndarray:
    """Sobol' G function of a design with columns x1..xd (via SALib)."""
    from SALib.test_functions import Sobol_G

    cols = [f"x{i + 1}" for i in range(len(a))]
    return Sobol_G.evaluate(design[cols].to_numpy(float), a=np.asarray(a, float))


def g_indices(a=G_DEFAULT_A) -> pd.DataFrame:
    """Analytic S1, ST (and the closed form behind them) of the G function.

    Partial variances ``V_i = 1 / (3 (1 + a_i)^2)``; total ``V = prod(1 + V_i) - 1``;
    ``S1_i = V_i / V``; ``ST_i = V_i prod_{j != i}(1 + V_j) / V``; ``S2_ij = V_i V_j / V``.
    """
    a = np.asarray(a, float)
    vi = 1.0 / (3.0 * (1.0 + a) ** 2)
    v = np.prod(1.0 + vi) - 1.0
    st = np.array([vi[i] * np.prod(np.delete(1.0 + vi, i)) for i in range(a.size)]) / v
    return pd.DataFrame({"S1": vi / v, "ST": st},
                        index=pd.Index([f"x{i + 1}" for i in range(a.size)], name="parameter"))


def g_second_order(a=G_DEFAULT_A) -> pd.DataFrame:
    """Analytic S2 of the G function, one row per pair (i < j)."""
    a = np.asarray(a, float)
    vi = 1.0 / (3.0 * (1.0 + a) ** 2)
    v = np.prod(1.0 + vi) - 1.0
    return pd.DataFrame([{"parameter_1": f"x{i + 1}", "parameter_2": f"x{j + 1}",
                          "S2": vi[i] * vi[j] / v}
                         for i in range(a.size) for j in range(i + 1, a.size)])
