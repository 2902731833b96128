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

    def matrix(self, x: np.ndarray) -> Banded:
        from scipy.interpolate import BSpline

        x = np.asarray(x, float)
        csr = BSpline.design_matrix(x, self.knots, DEGREE).tocsr()
        # every row has DEGREE + 1 consecutive nonzero columns starting at first[i]
        first = np.clip(np.searchsorted(self.knots, x, side="right") - DEGREE - 1, 0,
                        self.size - DEGREE - 1)
        values = np.zeros((x.size, DEGREE + 1))
        rows = np.repeat(np.arange(x.size), np.diff(csr.indptr))
        values[rows, csr.indices - first[rows]] = csr.data
        return Banded(first, values, self.size)

    def evaluate(self, x: np.ndarray, coef: np.ndarray) -> np.ndarray:
        from scipy.interpolate import BSpline

        return BSpline(self.knots, coef, DEGREE, extrapolate=True)(np.asarray(x, float))


class Banded:
    """A B-spline design matrix stored as its DEGREE + 1 nonzero values per row: B'WB,
    B'Wz and B b in O(n) without dense products."""

    def __init__(self, first: np.ndarray, values: np.ndarray, size: int):
        self.first, self.values, self.size = first, values, size
        self.shape = (first.size, size)

    def gram(self, w: np.ndarray) -> np.ndarray:
        k = self.values.shape[1]
        G = np.zeros((self.size, self.size))
        for a in range(k):
            wa = w * self.values[:, a]
            for b in range(a, k):
                s = np.bincount(self.first, wa * self.values[:, b], minlength=self.size)
                idx = np.arange(self.size - max(a, b))
                G[idx + a, idx + b] += s[: idx.size]
        return np.triu(G) + np.triu(G, 1).T

    def tdot(self, v: np.ndarray) -> np.ndarray:
        out = np.zeros(self.size)
        for a in range(self.values.shape[1]):
            out[a:] += np.bincount(self.first, v * self.values[:, a],
                                   minlength=self.size)[: self.size - a]
        return out

    def __matmul__(self, coef: np.ndarray) -> np.ndarray:
        coef = np.asarray(coef, float)
        out = np.zeros(self.first.size)
        for a in range(self.values.shape[1]):
            out += self.values[:, a] * coef[np.minimum(self.first + a, self.size - 1)]
        return out

    def toarray(self) -> np.ndarray:
        dense = np.zeros(self.shape)
        for a in range(self.values.shape[1]):
            ok = self.first + a < self.size
            dense[np.flatnonzero(ok), (self.first + a)[ok]] = self.values[ok, a]
        return dense


def n_intervals(n_distinct: int, n: int) -> int:
    """Intervals of the basis: 20 (10 below 99 observations), at most the distinct ages - 3."""
    return int(max(1, min(20 if n >= 99 else 10, n_distinct - DEGREE)))


class Smoother:
    """One penalised weighted least-squares problem, solved for any lambda in O(p)."""

    def __init__(self, B: Banded, w: np.ndarray, z: np.ndarray, P: np.ndarray):
        G = B.gram(w)
        p = G.shape[0]
        ridge = 1e-10 * np.trace(G) / p
        R = np.linalg.cholesky(G + ridge * np.eye(p)).T  # upper: G = R'R
        Rinv = np.linalg.inv(R)
        d, U = np.linalg.eigh(Rinv.T @ P @ Rinv)
        self.d = np.clip(d, 0.0, None)
        self.map = Rinv @ U
        self.c = U.T @ (Rinv.T @ B.tdot(w * z))
        self.zz = float((w * z * z).sum())  # not np.dot: BLAS threads wait on a loaded machine

    def edf(self, lam):
        return (1.0 / (1.0 + np.multiply.outer(lam, self.d))).sum(axis=-1)

    def rss(self, lam):
        f = 1.0 / (1.0 + np.multiply.outer(lam, self.d))
        return self.zz - 2.0 * (self.c ** 2 * f).sum(-1) + (self.c ** 2 * f ** 2).sum(-1)

    def coef(self, lam: float) -> np.ndarray:
        return self.map @ (self.c / (1.0 + lam * self.d))

    def for_edf(self, target: float) -> float:
        """The lambda giving ``target`` edf (bounded to LAMBDA_RANGE; 0 for edf = p)."""
        from scipy.optimize import brentq

        if target >= self.d.size:  # as many df as coefficients: no penalty at all
            return 0.0
        lo, hi = np.log(LAMBDA_RANGE)
        f = lambda t: float(self.edf(np.exp(t))) - target  # noqa: E731
        if f(lo) <= 0:
            return float(LAMBDA_RANGE[0])
        if f(hi) >= 0:
            return float(LAMBDA_RANGE[1])
        return float(np.exp(brentq(f, lo, hi, xtol=1e-10)))

    def for_ml(self, n: int, order: int = 2, start: float = 10.0) -> float:
        """Local maximum likelihood (the default of gamlss' ``pb``; Rigby & Stasinopoulos
        2005, Appendix): the mixed-model fixed point lambda = sigma_e^2 / tau^2 with
        sigma_e^2 = RSS / (n - edf) and tau^2 = b'Pb / (edf - order)."""
        lam = start
        lo, hi = LAMBDA_RANGE
        for _ in range(100):
            f = 1.0 / (1.0 + lam * self.d)
            edf = f.sum()
            pen = float((self.d * self.c ** 2 * f ** 2).sum())
            if edf - order <= 1e-8 or pen <= 0:
                return hi
            new = float(np.clip(self.rss(lam) / (n - edf) / (pen / (edf - order)), lo, hi))
            if abs(new - lam) <= 1e-7 * lam:
                return new
            lam = new
        return lam

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
