"""Penalised B-spline smoother of the LMS fit: basis, penalty, and the choice of smoothness.

The basis and penalty follow Eilers & Marx (1996) P-splines as used by gamlss' ``pb()``
(read for ideas only, not copied): cubic B-splines on equal intervals over the data range
widened by 1% on each side, a penalty on second differences of the coefficients. Each
scoring step of the LMS fit is a penalised weighted least-squares problem

    minimise  sum w (z - B b)^2 + lambda b' P b

and lambda is chosen on it, as gamlss does ("local" selection): either to give a target
effective degrees of freedom (edf, the trace of the smoother matrix), or to minimise the
generalised AIC of the working model, ``sum w (z - B b)^2 + k edf`` (k = 2: AIC; k = log n:
BIC/SBC). With the Cholesky factor R of B'WB and the eigendecomposition of R^-T P R^-1 =
U diag(d) U', every lambda costs O(p): the fit is R^-1 U (c / (1 + lambda d)) with
c = U' R^-T B'Wz, edf = sum 1/(1 + lambda d).

References
----------
.. [1] P. H. C. Eilers and B. D. Marx, "Flexible smoothing with B-splines and penalties,"
   Stat. Sci., vol. 11, no. 2, pp. 89-121, 1996, doi:10.1214/ss/1038425655.
.. [2] R. A. Rigby and D. M. Stasinopoulos, "Generalized additive models for location,
   scale and shape," J. R. Stat. Soc. C, vol. 54, no. 3, pp. 507-554, 2005,
   doi:10.1111/j.1467-9876.2005.00510.x.
"""

from __future__ import annotations

import numpy as np

DEGREE = 3
LAMBDA_RANGE = (1e-7, 1e9)
_GRID = np.logspace(np.log10(LAMBDA_RANGE[0]), np.log10(LAMBDA_RANGE[1]), 161)


class Basis:
    """Cubic B-splines on ``n_intervals`` equal intervals over [lo, hi] widened by 1%."""

    def __init__(self, lo: float, hi: float, n_intervals: int):
        span = (hi - lo) or 1.0
        lo, hi = lo - 0.01 * span, hi + 0.01 * span
        step = (hi - lo) / n_intervals
        self.knots = lo + step * np.arange(-DEGREE, n_intervals + DEGREE + 1)
        self.size = n_intervals + DEGREE
        d2 = np.diff(np.eye(self.size), 2, axis=0)
        d1 = np.diff(np.eye(self.size), 1, axis=0)
        self.penalty = {2: d2.T @ d2, 1: d1.T @ d1}

    def matrix(self, x: np.ndarray) -> np.ndarray:
        from scipy.interpolate import BSpline

        return BSpline.design_matrix(np.asarray(x, float), self.knots, DEGREE).toarray()

    def evaluate(self, x: np.ndarray, coef: np.ndarray) -> np.ndarray:
        from scipy.interpolate import BSpline

        return BSpline(self.knots, coef, DEGREE, extrapolate=True)(np.asarray(x, float))


def n_intervals(n_distinct: int, n: int) -> int:
    """Intervals of the basis: 20 (10 below 99 observations), at most the distinct ages - 3."""
    return int(max(1, min(20 if n >= 99 else 10, n_distinct - DEGREE)))


class Smoother:
    """One penalised weighted least-squares problem, solved for any lambda in O(p)."""

    def __init__(self, B: np.ndarray, w: np.ndarray, z: np.ndarray, P: np.ndarray):
        G = B.T @ (B * w[:, None])
        p = G.shape[0]
        ridge = 1e-10 * np.trace(G) / p
        R = np.linalg.cholesky(G + ridge * np.eye(p)).T  # upper: G = R'R
        Rinv = np.linalg.inv(R)
        d, U = np.linalg.eigh(Rinv.T @ P @ Rinv)
        self.d = np.clip(d, 0.0, None)
        self.map = Rinv @ U
        self.c = U.T @ (Rinv.T @ (B.T @ (w * z)))
        self.zz = float(np.dot(w * z, z))

    def edf(self, lam):
        return (1.0 / (1.0 + np.multiply.outer(lam, self.d))).sum(axis=-1)

    def rss(self, lam):
        f = 1.0 / (1.0 + np.multiply.outer(lam, self.d))
        return self.zz - 2.0 * (self.c ** 2 * f).sum(-1) + (self.c ** 2 * f ** 2).sum(-1)

    def coef(self, lam: float) -> np.ndarray:
        return self.map @ (self.c / (1.0 + lam * self.d))

    def for_edf(self, target: float) -> float:
        """The lambda giving ``target`` edf (bounded to LAMBDA_RANGE)."""
        from scipy.optimize import brentq

        lo, hi = np.log(LAMBDA_RANGE)
        f = lambda t: float(self.edf(np.exp(t))) - target  # noqa: E731
        if f(lo) <= 0:
            return float(LAMBDA_RANGE[0])
        if f(hi) >= 0:
            return float(LAMBDA_RANGE[1])
        return float(np.exp(brentq(f, lo, hi, xtol=1e-10)))

    def for_gaic(self, k: float) -> float:
        """The lambda minimising sum w (z - f)^2 + k edf (grid, then golden refinement)."""
        from scipy.optimize import minimize_scalar

        crit = self.rss(_GRID) + k * self.edf(_GRID)
        i = int(np.argmin(crit))
        lo, hi = np.log(_GRID[max(i - 1, 0)]), np.log(_GRID[min(i + 1, _GRID.size - 1)])
        if hi <= lo:
            return float(_GRID[i])
        res = minimize_scalar(lambda t: float(self.rss(np.exp(t)) + k * self.edf(np.exp(t))),
                              bounds=(lo, hi), method="bounded", options={"xatol": 1e-4})
        return float(np.exp(res.x)) if res.fun <= crit[i] else float(_GRID[i])
