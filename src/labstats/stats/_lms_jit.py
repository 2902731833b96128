"""Compiled (numba) scoring against a linearly interpolated LMS table: one pass over memory.

Per row: the sex group, the reference interval of the age from a uniform grid of buckets
no wider than the closest two reference ages (so at most one step corrects the bucket's
interval: no search), L, M and S interpolated as R's ``approx`` (CDC's cdcanthro), then
the z-score ((y/M)^L - 1)/(L S), the centile 100 Phi(z) or CDC's modified z-score: the
same equations as the numpy code of ``centiles.LMSTable`` (``_lms``), which runs when
numba is missing or LABSTATS_NO_NUMBA=1. Rows go in blocks of 1,024 whose scratch stays
in L1: a scalar lookup loop (table gathers do not vectorise profitably) writes L, M, S;
the math loops have no branch and no library call (exp, log and Phi are the
straight-line ``_vecmath`` versions), so they compile to SIMD code. Runs of blocks go to
numba's threads (``numba.set_num_threads`` or NUMBA_NUM_THREADS limit them; one thread
runs the serial kernel). Imported lazily; compiled code is cached on disk.
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
_BLOCK = 1024  # rows per block: its group codes and L, M, S stay in L1
_MAX_BUCKETS = 1 << 20  # per group; finer tables are scored by the numpy path
_ONE_AT_A_TIME = threading.Lock()
_POOL_PID = None  # the process that started numba's thread pool

#: How ``sex`` reaches the kernel: no sex (one group), labstats' parsed codes (0.0 male,
#: 1.0 female, NaN), NHANES codes (1.0, 2.0, NaN; anything else unknown), one group for
#: every row, pandas Categorical codes (-1 missing) through a lookup table.
NO_SEX, PARSED, NHANES, CONSTANT, CATEGORICAL = range(5)
#: group codes of a row whose sex is missing (scores NaN) or unknown (an error)
_MISSING, _UNKNOWN = -1, -2
# columns of a row of the interval table
_AGE, _L, _DL, _M, _DM, _S, _DS, _NEXT = range(8)
_W = 8  # values per interval


@numba.njit(**_OPTS)
def _groups(sex, kind, const, lut, start, stop, G):
    """The table group (0, 1, ...) of rows start:stop into G, or _MISSING/_UNKNOWN;
    returns the number of unknown codes."""
    k = stop - start
    if kind == NO_SEX or kind == CONSTANT:
        for t in range(k):
            G[t] = const
    elif kind == PARSED:
        for t in range(k):
            c = sex[start + t]
            G[t] = np.int64(c if c == c else 0.0) if c == c else _MISSING
    elif kind == NHANES:
        for t in range(k):
            c = sex[start + t]
            known = (c == 1.0) | (c == 2.0)
            G[t] = (np.int64(c if known else 1.0) - 1 if known else
                    (_MISSING if c != c else _UNKNOWN))
    else:
        for t in range(k):
            G[t] = lut[np.int64(sex[start + t]) + 1]
    unknown = 0
    for t in range(k):
        unknown += G[t] == _UNKNOWN
    return unknown


@numba.njit(**_INL)
def _lms(x, g, grid, buckets, nb, coef):
    """(L, M, S, scored, outside) of age x in group g (< 0: sex missing or unknown).
    Flat tables indexed by unsigned integers: no negative-index wrap-around code."""
    known = g >= 0
    gg = g if known else 0
    at = np.uint64(gg * 4)
    a0, a1, inv = grid[at], grid[at + np.uint64(1)], grid[at + np.uint64(2)]
    inside = (x >= a0) & (x <= a1)  # False for NaN
    ok = inside & known
    xx = x if ok else a0
    b = np.int64((xx - a0) * inv)
    b = b if b < nb - 1 else nb - 1
    j = buckets[np.uint64(gg * nb + b)]
    j = j + np.int64(xx >= coef[np.uint64(j * _W + _NEXT)])  # at most one age in a bucket
    r = np.uint64(j * _W)
    dx = xx - coef[r]
    L = coef[r + np.uint64(_L)] + coef[r + np.uint64(_DL)] * dx
    M = coef[r + np.uint64(_M)] + coef[r + np.uint64(_DM)] * dx
    S = coef[r + np.uint64(_S)] + coef[r + np.uint64(_DS)] * dx
    return L, M, S, ok, known & (x == x) & ~inside


@numba.njit(**_INL)
def _z(y, L, M, S):
    lr = vm.log(y / M)
    z = (vm.exp(L * lr) - 1.0) / (L * S)
    return lr / S if abs(L) < _L_ZERO else z


@numba.njit(**_INL)
def _modified(y, L, M, S):
    """CDC's modified z: (y - M)/(SD2/2), SD2 from M to the value at z = +2 (y >= M) or -2."""
    below = y < M
    z2 = -2.0 if below else 2.0
    base = 1.0 + L * S * z2
    zero = abs(L) < _L_ZERO  # M exp(S z2) there; else M base^(1/L), NaN where base <= 0
    v = M * vm.exp(S * z2 if zero else vm.log(base) * (1.0 / L))  # one exp, not two
    v = v if zero | (base > 0.0) else np.nan
    sd2 = M - v if below else v - M
    return (y - M) / (0.5 * sd2)


@numba.njit(**_OPTS)
def _lookup(age, G, start, stop, grid, buckets, nb, coef, Lb, Mb, Sb):
    """L, M, S of rows start:stop into Lb, Mb, Sb (M NaN where the row scores NaN); returns
    the number of known-sex rows outside the ages. Scalar code (gathers do not pay here)."""
    outside = 0
    for i in range(start, stop):
        L, M, S, ok, off = _lms(age[i], G[i - start], grid, buckets, nb, coef)
        Lb[i - start] = L
        Mb[i - start] = M if ok else np.nan
        Sb[i - start] = S
        outside += off
    return outside


@numba.njit(**_OPTS)
def _math(y, Lb, Mb, Sb, start, stop, mode, out):
    """Scores of rows start:stop from their L, M, S (SIMD code: no branch, no call);
    returns the number of values <= 0."""
    nonpos = 0
    if mode == 0:
        for i in range(start, stop):
            k = i - start
            out[i] = _z(y[i], Lb[k], Mb[k], Sb[k])
            nonpos += y[i] <= 0.0
    elif mode == 1:  # z, then Phi: two loops (~20% faster than one: fewer live registers)
        for i in range(start, stop):
            k = i - start
            Lb[k] = _z(y[i], Lb[k], Mb[k], Sb[k])
            nonpos += y[i] <= 0.0
        for i in range(start, stop):
            out[i] = 100.0 * vm.ndtr(Lb[i - start])
    else:
        for i in range(start, stop):
            k = i - start
            out[i] = _modified(y[i], Lb[k], Mb[k], Sb[k])
            nonpos += y[i] <= 0.0
    return nonpos


@numba.njit(**_OPTS)
def _run(y, age, sex, kind, const, lut, grid, buckets, nb, coef, mode, out, first, last):
    """Blocks first:last of rows (one thread), with their scratch in L1."""
    n = out.shape[0]
    G = np.empty(_BLOCK, dtype=np.int64)
    Lb, Mb, Sb = np.empty(_BLOCK), np.empty(_BLOCK), np.empty(_BLOCK)
    outside, unknown, nonpos = 0, 0, 0
    for blk in range(first, last):
        start = blk * _BLOCK
        stop = min(start + _BLOCK, n)
        unknown += _groups(sex, kind, const, lut, start, stop, G)
        outside += _lookup(age, G, start, stop, grid, buckets, nb, coef, Lb, Mb, Sb)
        nonpos += _math(y, Lb, Mb, Sb, start, stop, mode, out)
    return outside, unknown, nonpos


@numba.njit(parallel=True, **_OPTS)
def _run_parallel(y, age, sex, kind, const, lut, grid, buckets, nb, coef, mode, out, nblocks,
                  nchunks):
    outside, unknown, nonpos = 0, 0, 0
    for c in numba.prange(nchunks):  # contiguous runs of blocks
        o, u, p = _run(y, age, sex, kind, const, lut, grid, buckets, nb, coef, mode, out,
                       c * nblocks // nchunks, (c + 1) * nblocks // nchunks)
        outside += o
        unknown += u
        nonpos += p
    return outside, unknown, nonpos


def score(y, age, sex, kind, const, lut, tabs, mode: int, out):
    """z-scores (mode 0), centiles (1) or modified z-scores (2) of every row into ``out``.

    ``sex`` is read as ``kind`` says (NO_SEX, PARSED, NHANES, CONSTANT with group
    ``const``, CATEGORICAL with codes mapped by ``lut[code + 1]``); ``tabs`` is
    ``tables(...)``. Returns the counts (rows outside the ages, rows of unknown sex,
    values <= 0): the caller raises or warns, naming rows.
    """
    global _POOL_PID
    nblocks = (out.shape[0] + _BLOCK - 1) // _BLOCK
    threads = min(numba.get_num_threads(), nblocks // 8)  # >= 8 blocks a thread
    # a process forked after the parent started numba's thread pool must not use it (GNU
    # OpenMP aborts such a child, the workqueue pool is not fork-safe either): serial there
    if threads <= 1 or _POOL_PID not in (None, os.getpid()):
        return _run(y, age, sex, kind, const, lut, *tabs, mode, out, 0, nblocks)
    with _ONE_AT_A_TIME:  # the workqueue pool is not re-entrant
        _POOL_PID = os.getpid()
        return _run_parallel(y, age, sex, kind, const, lut, *tabs, mode, out, nblocks,
                             4 * threads)


def tables(points: dict):
    """The reference points of each group as the kernel reads them, or None when a table's
    reference ages are too unevenly spaced for the bucket grid (then numpy scores it).

    Flat arrays: grid[4 g:4 g + 3] = (first age, last age, buckets per unit of age) of group
    g; buckets[nb g + b] the row of the interval holding the start of bucket b; coef[8 row:
    8 row + 8] = (age, L, dL/dage, M, dM, S, dS, next reference age (inf after the last)).
    """
    groups = list(points.values())
    steps = [np.diff(p[0]).min() for p in groups]
    spans = [p[0][-1] - p[0][0] for p in groups]
    nb = max(int(np.ceil(span / step)) + 1 for span, step in zip(spans, steps, strict=True))
    if nb > _MAX_BUCKETS:
        return None
    grid = np.zeros((len(groups), 4))
    buckets = np.zeros((len(groups), nb), dtype=np.int64)
    rows = []
    for g, (a, L, M, S) in enumerate(groups):
        first = sum(len(p[0]) - 1 for p in groups[:g])
        grid[g, :3] = a[0], a[-1], 1.0 / steps[g]
        starts = a[0] + np.arange(nb) * steps[g]
        buckets[g] = first + np.clip(np.searchsorted(a, starts, side="right") - 1, 0, len(a) - 2)
        da = np.diff(a)
        nxt = np.append(a[1:-1], np.inf)
        rows.append(np.column_stack([a[:-1], L[:-1], np.diff(L) / da, M[:-1], np.diff(M) / da,
                                     S[:-1], np.diff(S) / da, nxt]))
    return grid.ravel(), buckets.ravel(), nb, np.ascontiguousarray(np.vstack(rows)).ravel()
