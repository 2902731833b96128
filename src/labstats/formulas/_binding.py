"""Mass-action engine shared by the testosterone and estradiol binding models.

One ligand L (testosterone or estradiol) binds SHBG (one site per SHBG unit, saturable)
and albumin (linear, as Vermeulen 1999, or saturable with one site, as the exact
Södergård model). Another ligand may occupy SHBG sites: its occupancy enters as
``o = K_other * F_other`` (dimensionless). All concentrations are in nmol/L and
association constants in L/nmol inside this module.

Mass balance, with ``M = 1 + o`` (free SHBG sites = S·M / (M + k_s F)):

    linear albumin:    L = N·F + S·k_s·F / (M + k_s·F),        N = 1 + k_a·A
    saturable albumin: L = F + A·k_a·F / (1 + k_a·F) + S·k_s·F / (M + k_s·F)

The linear case is the quadratic ``a F² + b F + c = 0`` with ``a = k_s N``,
``b = N M + k_s (S - L)``, ``c = -L M`` (Vermeulen 1999 appendix for M = 1); its
positive root is taken in the cancellation-free form. The saturable case is solved
by Newton's method started at the linear root, which lies below the exact root; the
balance is increasing and concave in F, so the iterates rise monotonically to the
root and never overshoot.

Work is done in blocks that fit in cache, so that the temporaries of the formula do
not stream through main memory: the cost is close to reading the inputs once.
"""

from __future__ import annotations

import numpy as np

BLOCK = 1 << 14
_EPS = np.finfo(np.float64).eps


def quadratic_root(L, S, N, k_s, M=1.0):
    """Free ligand of the linear-albumin model [nmol/L]; exact, cancellation-free."""
    a = k_s * N
    b = N * M + k_s * (S - L)
    LM = L * M
    s = np.sqrt(b * b + 4.0 * a * LM)
    t = np.abs(b) + s  # no cancellation: both terms >= 0
    with np.errstate(invalid="ignore", divide="ignore"):
        # b >= 0: F = 2LM / (b + s);  b < 0: F = (s - b) / (2a) = t / (2a)
        return np.where(b >= 0, (2.0 * LM) / t, t / (2.0 * a))


def saturable_root(L, S, A, k_s, k_a, M=1.0, *, max_iter: int = 60):
    """Free ligand with saturable one-site albumin [nmol/L]; Newton from the linear root."""
    F = quadratic_root(L, S, 1.0 + k_a * A, k_s, M)
    F = np.array(F, dtype=np.float64, copy=True)
    for _ in range(max_iter):
        u = 1.0 + k_a * F
        v = M + k_s * F
        g = F + A * k_a * F / u + S * k_s * F / v - L
        dg = 1.0 + A * k_a / (u * u) + S * k_s * M / (v * v)
        step = g / dg
        F -= step
        np.maximum(F, 0.0, out=F)
        with np.errstate(invalid="ignore"):
            done = ~(np.abs(step) > 4 * _EPS * np.abs(F))  # NaN counts as done
        if done.all():
            break
    return F


def solve_free(L, S, A, k_s, k_a, saturable: bool, M=1.0):
    """Free ligand [nmol/L] by the model's albumin binding."""
    if saturable:
        return saturable_root(L, S, A, k_s, k_a, M)
    return quadratic_root(L, S, 1.0 + k_a * A, k_s, M)


def albumin_bound(F, A, k_a, saturable: bool):
    """Albumin-bound ligand [nmol/L] at free concentration F."""
    if saturable:
        return A * k_a * F / (1.0 + k_a * F)
    return k_a * A * F


def _jit():
    """The compiled kernels of ``_jit``, or None (numba missing, or LABSTATS_NO_NUMBA=1)."""
    from labstats.formulas._common import jit

    return jit("_jit")


def _flat_inputs(*xs):
    arrays = np.broadcast_arrays(*[np.asarray(x, dtype=np.float64) for x in xs])
    for a in arrays:
        a.flags.writeable = False  # inputs are only read (and numba wants to know)
    shape = arrays[0].shape
    if len(shape) != 1:
        arrays = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    return arrays, shape


def linear_model(L, S, Alb, k_s, k_a, *, bioavailable: bool = True):
    """Free and bioavailable ligand of the linear-albumin model (no competing ligand).

    ``k_a`` is per unit of ``Alb`` (albumin may stay in g/L). Returns (F, B) shaped like
    the broadcast inputs; B is None when ``bioavailable`` is False.
    """
    (L, S, Alb), shape = _flat_inputs(L, S, Alb)
    F = np.empty(L.shape[0])
    B = np.empty(L.shape[0]) if bioavailable else None
    jit = _jit()
    if jit is not None:
        if bioavailable:
            jit.linear(L, S, Alb, k_s, k_a, F, B)
        else:
            jit.linear_free(L, S, Alb, k_s, k_a, F)
    else:
        def kernel(t, s, a):
            n = 1.0 + k_a * a
            f = quadratic_root(t, s, n, k_s)
            return f, n * f
        F, B_ = blockwise(kernel, L, S, Alb, n_out=2)
        if bioavailable:
            B = B_
    return F.reshape(shape), (B.reshape(shape) if B is not None else None)


def saturable_model(L, S, A, k_s, k_a, M=1.0):
    """Free and bioavailable ligand with saturable one-site albumin (A in nmol/L)."""
    (L, S, A, M), shape = _flat_inputs(L, S, A, M)
    jit = _jit()
    if jit is not None:
        F, B = np.empty(L.shape[0]), np.empty(L.shape[0])
        jit.saturable(L, S, A, k_s, k_a, M, F, B)
    else:
        def kernel(t, s, a, m):
            f = saturable_root(t, s, a, k_s, k_a, m)
            return f, f + albumin_bound(f, a, k_a, True)
        F, B = blockwise(kernel, L, S, A, M, n_out=2)
    return F.reshape(shape), B.reshape(shape)


def blockwise(kernel, *arrays, n_out: int = 1):
    """Apply ``kernel(*blocks) -> tuple of arrays`` over cache-sized blocks of 1-D inputs.

    Inputs are broadcast against each other (a scalar albumin with a column of TT costs
    no copy). Inputs of more than one dimension are processed in one piece.
    """
    arrays = np.broadcast_arrays(*[np.asarray(a, dtype=np.float64) for a in arrays])
    shape = arrays[0].shape
    outs = tuple(np.empty(shape, dtype=np.float64) for _ in range(n_out))
    if len(shape) != 1:
        res = kernel(*arrays)
        for o, r in zip(outs, res, strict=True):
            o[...] = r
        return outs
    n = shape[0]
    for start in range(0, n, BLOCK):
        sl = slice(start, min(start + BLOCK, n))
        res = kernel(*(a[sl] for a in arrays))
        for o, r in zip(outs, res, strict=True):
            o[sl] = r
    return outs
