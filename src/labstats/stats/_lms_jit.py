"""Compiled (numba) scoring against a linearly interpolated LMS table: one pass over memory.

The table is resampled once onto a uniform lattice of ages that holds every reference age
(the CDC charts: every half month), so a row's interval is ``floor((age - first) / step)``
with no search and no correction step, and L, M, S there are read from two consecutive
lattice points (one 48-byte run: [L, M, S] at the point and at the next) and interpolated
as R's ``approx`` (CDC's cdcanthro). Then the z-score ((y/M)^L - 1)/(L S), the centile
100 Phi(z) or CDC's modified z-score: the same equations as the numpy code of
``centiles.LMSTable`` (``_lms``), which runs when numba is missing, LABSTATS_NO_NUMBA=1,
or the reference ages lie on no lattice (then the numpy code scores them).

Rows go in blocks of 1,024 whose scratch stays in cache, in three loops:

* index (SIMD): the sex code to a group by arithmetic (no select the compiler could turn
  into a mispredicted branch; Categorical codes and one sex for all are read from a
  lookup first), the group's lattice parameters by selects, the lattice point and the
  fraction of the step, NaN for rows that score nothing (missing or unknown sex, NaN
  age, age outside the sex's range), and the counts;
* table reads (scalar: the compiler does not vectorise gathers on this CPU family):
  six reads and three fused multiply-adds per row, nothing else;
* scores (SIMD): exp, log and Phi are the straight-line ``_vecmath`` versions.

Runs of blocks go to numba's threads (``numba.set_num_threads`` or NUMBA_NUM_THREADS
limit them; one thread runs the serial kernel; a process forked after its parent started
the pool runs serially). Imported lazily. Compiled code is cached on disk
(``cache=True``), so a second process loads it instead of compiling (tested); all
inputs reach the kernels read-only and as float64 or int64/int8 codes, so one
compilation serves every call of a kind. numba keys the cache on this file only: after
editing ``_vecmath`` alone, touch this file (or clear ``__pycache__``) to recompile.
"""

from __future__ import annotations

import os
import threading

import numba
import numpy as np

from labstats.stats import _vecmath as vm

_OPTS = dict(cache=True, nogil=True, error_model="numpy")
_INL = dict(_OPTS, inline="always")
_L_ZERO = 1e-12  # |L| below this: the log limit z = log(y/M)/S (as _lms.L_ZERO)
_BLOCK = 1024  # rows per block: its scratch (lattice rows, fractions, L, M, S) stays in cache
_MAX_POINTS = 1 << 18  # lattice points per group; finer tables are scored by numpy
_ONE_AT_A_TIME = threading.Lock()
_POOL_PID = None  # the process that started numba's thread pool

#: How ``sex`` reaches the kernel: float or integer codes, group = code - base for codes
#: base and base + 1 (NHANES 1/2: base 1; labstats' parsed 0.0/1.0: base 0), NaN
#: missing, anything else unknown; pandas Categorical codes through a lookup table of
#: groups (``lut[code + 1]``, code -1 missing); or one group ``lut[0]`` for all.
CODES, CATEGORICAL, CONSTANT = 0, 1, 2
#: groups: the two sexes (the order of a table's points), missing sex, unknown sex
MISSING, UNKNOWN = 2, 3
# a group's row of ``par``: first age, last age, 1/step, lattice cells, first point in P
_W = 5
_LO, _HI, _INV, _TOP, _OFF = range(_W)


@numba.njit(**_INL)
def _code_group(c, base):
    """The group of sex code c: c - base for base and base + 1, MISSING for NaN, else
    UNKNOWN (arithmetic, not selects: the compiler turned nested selects into branches)."""
    d = np.float64(c) - base
    one = np.uint64(d == 1.0)
    other = np.uint64(1) - (np.uint64(d == 0.0) | one)
    return one + other * (np.uint64(UNKNOWN) - np.uint64(d != d))


@numba.njit(**_INL)
def _index_rows(age, sex, kind, base, G, s0, n, par, R, T):
    """For rows s0:s0 + n the first of their two lattice points (R: its offset in P) and
    the fraction of the step from it (T: NaN where the row is not scored: missing or
    unknown sex, NaN age, outside the ages); returns the counts (outside, unknown sex).
    The group from the sex code (CODES) or from G; SIMD: the two groups' parameters by
    selects, ages clamped so every R is in P."""
    lo0, hi0, inv0, top0, off0 = par[0], par[1], par[2], par[3], par[4]
    lo1, hi1, inv1, top1, off1 = par[5], par[6], par[7], par[8], par[9]
    outside, unknown = 0, 0
    for k in range(n):
        x = age[s0 + k]
        g = _code_group(sex[s0 + k], base) if kind == CODES else G[k]
        one = g == 1
        lo = lo1 if one else lo0
        hi = hi1 if one else hi0
        top = top1 if one else top0
        u = (x - lo) * (inv1 if one else inv0)
        u = u if u > 0.0 else 0.0  # NaN -> 0
        u = u if u < top else top
        fl = np.floor(u)
        R[k] = np.uint64(fl + (off1 if one else off0)) * np.uint64(3)
        sexed = g < MISSING
        ok = (x >= lo) & (x <= hi)  # False for NaN
        T[k] = u - fl if ok & sexed else np.nan
        outside += sexed & (x == x) & ~ok
        unknown += g == UNKNOWN
    return outside, unknown


@numba.njit(**_OPTS)
def _index(age, sex, kind, base, lut, start, stop, par, G, R, T):
    """R, T and the counts of rows start:stop (``_index_rows``); Categorical codes (a
    lookup) and one sex for all go through G first, the codes' loop is one SIMD loop."""
    s0, n = np.uint64(start), np.uint64(stop - start)
    if kind == CODES:
        return _index_rows(age, sex, CODES, base, G, s0, n, par, R, T)
    if kind == CATEGORICAL:
        for k in range(n):
            G[k] = lut[np.int64(sex[s0 + k]) + 1]
    else:
        for k in range(n):
            G[k] = lut[0]
    return _index_rows(age, sex, CATEGORICAL, base, G, s0, n, par, R, T)


@numba.njit(**_OPTS)
def _lookup(R, T, n, P, Lb, Mb, Sb):
    """L, M, S of the block's rows into Lb, Mb, Sb (NaN where T is): scalar (the compiler
    does not vectorise these reads), six reads from one run of P, no branch."""
    for k in range(np.uint64(n)):
        r = R[k]
        t = T[k]
        L0, M0, S0 = P[r], P[r + np.uint64(1)], P[r + np.uint64(2)]
        L1, M1, S1 = P[r + np.uint64(3)], P[r + np.uint64(4)], P[r + np.uint64(5)]
        Lb[k] = vm.fma(L1 - L0, t, L0)
        Mb[k] = vm.fma(M1 - M0, t, M0)
        Sb[k] = vm.fma(S1 - S0, t, S0)


@numba.njit(**_INL)
def _z(y, L, M, S):
    lr = vm.log(y / M)
    zero = abs(L) < _L_ZERO  # the log limit lr/S: one division for both forms
    return (lr if zero else vm.exp(L * lr) - 1.0) / (S if zero else L * S)


@numba.njit(**_INL)
def _modified_exponent(y, L, M, S):
    """The exponent e of the value at z = +-2 (+2 for y >= M): M exp(e) = M (1 + 2 L S)^(1/L)
    (M exp(2 S) where L is 0); NaN where 1 + L S z2 <= 0 (no such value)."""
    z2 = -2.0 if y < M else 2.0
    base = 1.0 + L * S * z2
    zero = abs(L) < _L_ZERO
    e = S * z2 if zero else vm.log(base) * (1.0 / L)  # one exp later, not two
    return e if zero | (base > 0.0) else np.nan


@numba.njit(**_INL)
def _modified(y, M, e):
    """CDC's modified z: (y - M)/(SD2/2), SD2 from M to the value at z = +2 (y >= M) or -2,
    M exp(e)."""
    v = M * vm.exp(e)
    return (y - M) / (0.5 * (M - v if y < M else v - M))


@numba.njit(**_INL)
def _scores(f, y, Lb, Mb, Sb, s0, n, dest, d0):
    """f(value, L, M, S) of rows s0:s0 + n into dest[d0:d0 + n] (SIMD: no branch, no
    call; NaN L, M, S give NaN); returns the number of values <= 0."""
    nonpos = 0
    for k in range(n):
        v = y[s0 + k]
        dest[d0 + k] = f(v, Lb[k], Mb[k], Sb[k])
        nonpos += v <= 0.0
    return nonpos


@numba.njit(**_INL)
def _log_ratio(y, s0, n, Mb):
    """log(y/M) of the block's rows into Mb (SIMD); returns the number of values <= 0."""
    nonpos = 0
    for k in range(n):
        v = y[s0 + k]
        Mb[k] = vm.log(v / Mb[k])
        nonpos += v <= 0.0
    return nonpos


@numba.njit(**_INL)
def _box_cox(Lb, Rb, Sb, n, dest, d0):
    """z from L, log(y/M) and S into dest[d0:d0 + n] (SIMD; the log limit lr/S where L is
    0, one division for both forms)."""
    for k in range(n):
        L, lr, S = Lb[k], Rb[k], Sb[k]
        zero = abs(L) < _L_ZERO
        dest[d0 + k] = (lr if zero else vm.exp(L * lr) - 1.0) / (S if zero else L * S)


@numba.njit(**_OPTS)
def _math(y, Lb, Mb, Sb, start, stop, mode, out):
    """Scores of rows start:stop from their L, M, S: z (mode 0), centile (1), modified z
    (2); returns the number of values <= 0. z in two loops (log, then exp) and Phi in a
    third: each loop keeps its constants in registers (one loop for all: ~25% slower)."""
    s0 = np.uint64(start)
    n = np.uint64(stop - start)
    if mode == 2:  # the exponent (a log), then the score (an exp): two loops
        nonpos = _scores(_modified_exponent, y, Lb, Mb, Sb, s0, n, Lb, np.uint64(0))
        for k in range(n):
            out[s0 + k] = _modified(y[s0 + k], Mb[k], Lb[k])
        return nonpos
    nonpos = _log_ratio(y, s0, n, Mb)
    if mode == 0:
        _box_cox(Lb, Mb, Sb, n, out, s0)
        return nonpos
    _box_cox(Lb, Mb, Sb, n, Lb, np.uint64(0))
    for k in range(n):
        out[s0 + k] = 100.0 * vm.ndtr(Lb[k])
    return nonpos


@numba.njit(**_OPTS)
def _run(y, age, sex, kind, base, lut, par, P, mode, out, first, last):
    """Blocks first:last of rows (one thread), with their scratch in L1."""
    n = out.shape[0]
    G, R = np.empty(_BLOCK, dtype=np.uint64), np.empty(_BLOCK, dtype=np.uint64)
    T, Lb, Mb, Sb = np.empty(_BLOCK), np.empty(_BLOCK), np.empty(_BLOCK), np.empty(_BLOCK)
    outside, unknown, nonpos = 0, 0, 0
    for blk in range(first, last):
        start = blk * _BLOCK
        stop = min(start + _BLOCK, n)
        o, u = _index(age, sex, kind, base, lut, start, stop, par, G, R, T)
        _lookup(R, T, stop - start, P, Lb, Mb, Sb)
        nonpos += _math(y, Lb, Mb, Sb, start, stop, mode, out)
        outside += o
        unknown += u
    return outside, unknown, nonpos


@numba.njit(parallel=True, **_OPTS)
def _run_parallel(y, age, sex, kind, base, lut, par, P, mode, out, nblocks,
                  nchunks):
    outside, unknown, nonpos = 0, 0, 0
    for c in numba.prange(nchunks):  # contiguous runs of blocks
        o, u, p = _run(y, age, sex, kind, base, lut, par, P, mode, out,
                       c * nblocks // nchunks, (c + 1) * nblocks // nchunks)
        outside += o
        unknown += u
        nonpos += p
    return outside, unknown, nonpos


def _readonly(a):
    """A read-only view: the kernels see one array type whatever the caller passes (a
    writable and a read-only array would be two compilations)."""
    v = a.view()
    v.flags.writeable = False
    return v


def score(y, age, sex, kind, base, lut, tabs, mode: int, out):
    """z-scores (mode 0), centiles (1) or modified z-scores (2) of every row into ``out``.

    ``y``, ``age`` float64 (n,); ``sex`` codes (n,) read as ``kind`` says (CODES with
    ``base``, CATEGORICAL with ``lut``; CONSTANT: every row in group ``lut[0]``);
    ``tabs`` is ``tables(...)``. Returns the counts (rows outside the ages, rows of unknown
    sex, values <= 0): the caller raises or warns, naming rows.
    """
    global _POOL_PID
    n = out.shape[0]
    args = (_readonly(y), _readonly(age), _readonly(sex), kind, float(base),
            lut.astype(np.uint64), *tabs, mode, out)
    nblocks = (n + _BLOCK - 1) // _BLOCK
    threads = min(numba.get_num_threads(), nblocks // 8)  # >= 8 blocks a thread
    # a process forked after the parent started numba's thread pool must not use it (GNU
    # OpenMP aborts such a child, the workqueue pool is not fork-safe either): serial there
    if threads <= 1 or _POOL_PID not in (None, os.getpid()):
        return _run(*args, 0, nblocks)
    with _ONE_AT_A_TIME:  # the workqueue pool is not re-entrant
        _POOL_PID = os.getpid()
        return _run_parallel(*args, nblocks, 4 * threads)


def _lattice(a):
    """(step, lattice index of each reference age) when the ages lie on a uniform lattice
    (to 8 ulps) of at most _MAX_POINTS points, else None."""
    span = a[-1] - a[0]
    tol = 8 * np.spacing(np.abs(a).max())
    for d in range(1, 13):  # the step is the smallest gap or a fraction of it
        h = np.diff(a).min() / d
        if span / h >= _MAX_POINTS:
            return None
        k = np.rint((a - a[0]) / h)
        if np.all(np.abs(a[0] + k * h - a) <= tol):
            return h, k.astype(np.int64)
    return None


def tables(points: dict):
    """The reference points of each group as the kernel reads them, or None when the
    reference ages lie on no uniform lattice (then numpy scores the table).

    ``par`` (2 rows of 5): first age, last age, 1/step, cells, first point in ``P`` of
    groups 0 and 1 (the order of ``points``; a table without sex repeats group 0);
    ``P``: [L, M, S] at each lattice point of each group (the reference values at the
    reference ages, ``approx``'s between them), the last repeated (an age at the very end
    reads it as the next point).
    """
    groups = list(points.values())
    par = np.zeros((2, _W))
    blocks, off = [], 0
    for g, (a, L, M, S) in enumerate(groups):
        lat = _lattice(a)
        if lat is None:
            return None
        h, k = lat
        ages = a[0] + np.arange(k[-1] + 1) * h
        vals = np.column_stack([np.interp(ages, a, p) for p in (L, M, S)])
        vals[k] = np.column_stack([L, M, S])  # the reference values themselves
        blocks.append(np.vstack([vals, vals[-1:]]))
        par[g] = a[0], a[-1], 1.0 / h, k[-1], off
        off += k[-1] + 2
    if len(groups) == 1:
        par[1] = par[0]
    return par.ravel(), np.ascontiguousarray(np.vstack(blocks)).ravel()
