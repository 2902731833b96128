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

import sys

import numpy as np

from labstats._validate import broadcast_rows

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


#: Rows from which the linear model loads its compiled kernels (numba). Loading them costs
#: about 0.5 s of CPU once per process (numba's import and its target's registries); the
#: numpy kernel ``_linear_blocks`` gives the same bits at 7-9 ns a row, so below this
#: size it runs unless the kernels are loaded already (a previous large call).
JIT_MIN_ROWS = 1 << 22


def _jit(n: int | None = None):
    """The compiled kernels of ``_jit``, or None (numba missing, or LABSTATS_NO_NUMBA=1).

    With ``n`` (rows of a linear-model call): None as well when ``n < JIT_MIN_ROWS`` and no
    kernel of ``_jit`` has been loaded in this process yet.
    """
    from labstats.formulas._common import jit

    if n is not None and n < JIT_MIN_ROWS:
        loaded = sys.modules.get("labstats.formulas._jit")
        if loaded is None or not any(getattr(loaded, k).signatures
                                     for k in ("linear", "linear_free", "saturable")):
            return None
    return jit("_jit")


def _flat_inputs(*xs):
    arrays = broadcast_rows([np.asarray(x, dtype=np.float64) for x in xs])
    for a in arrays:
        a.flags.writeable = False  # inputs are only read (and numba wants to know)
    shape = arrays[0].shape
    if len(shape) != 1:
        arrays = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    return arrays, shape


def linear_model(L, S, Alb, k_s, k_a, *, bioavailable: bool = True):
    """Free and bioavailable ligand of the linear-albumin model (no competing ligand).

    ``k_a`` is per unit of ``Alb`` (albumin may stay in g/L). Returns (F, B) shaped like
    the broadcast inputs; B is None when ``bioavailable`` is False. The compiled kernel
    and ``_linear_blocks`` do the same operations in the same order (same bits).
    """
    (L, S, Alb), shape = _flat_inputs(L, S, Alb)
    F = np.empty(L.shape[0])
    B = np.empty(L.shape[0]) if bioavailable else None
    jit = _jit(L.shape[0])
    if jit is None:
        _linear_blocks(L, S, Alb, k_s, k_a, F, B)
    elif bioavailable:
        jit.linear(L, S, Alb, k_s, k_a, F, B)
    else:
        jit.linear_free(L, S, Alb, k_s, k_a, F)
    return F.reshape(shape), (B.reshape(shape) if B is not None else None)


def _linear_blocks(L, S, Alb, k_s, k_a, F, B=None):
    """``linear_model`` in numpy, into ``F`` (and ``B``): cache-sized blocks and reused
    scratch arrays, so that only the inputs and outputs stream through main memory.

    Per row exactly the operations of ``_jit.linear`` (IEEE results do not depend on the
    order of the operands of + and *, and scaling by 2 or 4 is exact): N = 1 + k_a A,
    b = N + k_s (S - L), s = sqrt(b² + 4 k_s N L), F = 2L / (b + s) where b >= 0, else
    (s - b) / (2 k_s N); B = N F. NaN gives NaN in both.
    """
    n = L.shape[0]
    m = max(1, min(BLOCK, n))
    nb, bb, dd, qq = (np.empty(m) for _ in range(4))
    lt = np.empty(m, dtype=bool)
    k4, k2 = 4.0 * k_s, 2.0 * k_s
    with np.errstate(all="ignore"):  # as the kernel (error_model="numpy"): no warning
        for start in range(0, n, BLOCK):
            stop = min(start + BLOCK, n)
            k = stop - start
            t, N, b, d, q, neg = L[start:stop], nb[:k], bb[:k], dd[:k], qq[:k], lt[:k]
            f = F[start:stop]
            np.multiply(Alb[start:stop], k_a, out=N)
            N += 1.0
            np.subtract(S[start:stop], t, out=b)
            b *= k_s
            b += N
            np.multiply(b, b, out=d)
            np.multiply(N, k4, out=q)
            q *= t
            d += q
            np.sqrt(d, out=d)  # s
            np.less(b, 0.0, out=neg)
            np.abs(b, out=b)
            b += d  # |b| + s: b + s where b >= 0, s - b where b < 0
            np.multiply(t, 2.0, out=d)
            np.divide(d, b, out=f)  # 2L / (b + s): b >= 0 and NaN
            if neg.any():  # rare in real data (TT above SHBG + ~25 nmol/L)
                np.multiply(N, k2, out=q)
                np.divide(b, q, out=d)  # (s - b) / (2 k_s N)
                np.copyto(f, d, where=neg)
            if B is not None:
                np.multiply(N, f, out=B[start:stop])


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
    arrays = broadcast_rows([np.asarray(a, dtype=np.float64) for a in arrays])
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
