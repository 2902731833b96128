"""Compiled kernels (numba) for the binding models' hot loops.

Each kernel does in one pass over memory what the numpy fallback in ``_binding`` does in
a dozen array operations: per row, the same equations, the same branch choices, so
the two agree to rounding. Imported lazily by ``_binding``; set the environment variable
``LABSTATS_NO_NUMBA=1`` to use the numpy fallback instead. Compiled code is cached on
disk (``cache=True``), so only the first call on a machine pays the compilation.
"""

from __future__ import annotations

import numba
import numpy as np

_EPS = np.finfo(np.float64).eps


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _linear_root(L, S, N, k_s, M):
    """Positive root of k_s N F^2 + (N M + k_s (S - L)) F - L M = 0, cancellation-free."""
    b = N * M + k_s * (S - L)
    s = np.sqrt(b * b + 4.0 * k_s * N * L * M)
    if b >= 0.0:
        return 2.0 * L * M / (b + s)
    return (s - b) / (2.0 * k_s * N)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def linear(L, S, Alb, k_s, k_a, F, B):
    """Linear-albumin model: free F and bioavailable B = N F; ``k_a`` per unit of ``Alb``."""
    for i in range(F.shape[0]):
        N = 1.0 + k_a * Alb[i]
        f = _linear_root(L[i], S[i], N, k_s, 1.0)
        F[i] = f
        B[i] = N * f


@numba.njit(cache=True, nogil=True, error_model="numpy")
def linear_free(L, S, Alb, k_s, k_a, F):
    """As ``linear`` without the bioavailable output."""
    for i in range(F.shape[0]):
        F[i] = _linear_root(L[i], S[i], 1.0 + k_a * Alb[i], k_s, 1.0)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def saturable(L, S, A, k_s, k_a, M, F, B):
    """Saturable one-site albumin: Newton from the linear root (monotone, never overshoots)."""
    for i in range(F.shape[0]):
        a, m = A[i], M[i]
        f = _linear_root(L[i], S[i], 1.0 + k_a * a, k_s, m)
        for _ in range(60):
            u = 1.0 + k_a * f
            v = m + k_s * f
            g = f + a * k_a * f / u + S[i] * k_s * f / v - L[i]
            dg = 1.0 + a * k_a / (u * u) + S[i] * k_s * m / (v * v)
            step = g / dg
            f = max(f - step, 0.0)
            if not abs(step) > 4.0 * _EPS * abs(f):
                break
        F[i] = f
        B[i] = f + a * k_a * f / (1.0 + k_a * f)
