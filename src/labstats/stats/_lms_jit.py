"""Compiled (numba) scoring against a linearly interpolated LMS table: one pass over memory.

Per row: the sex code, the reference interval of the age (a bucket table gives it in O(1)),
L, M and S interpolated as R's ``approx`` (CDC's cdcanthro), then the z-score
((y/M)^L - 1)/(L S), the centile 100 Phi(z) or CDC's modified z-score: the same equations
as the numpy code of ``centiles.LMSTable`` (``_lms``), which runs when numba is missing or
LABSTATS_NO_NUMBA=1. Imported lazily; compiled code is cached on disk.
"""

from __future__ import annotations

import numba
import numpy as np

_OPTS = dict(cache=True, nogil=True, error_model="numpy")
_L_ZERO = 1e-12


@numba.njit(**_OPTS)
def interpolate(y, age, sex, sex_kind, sex_const, ages, pars, lengths, buckets, b_scale,
                slopes, start, stop, Lb, Mb, Sb, counts):
    """L, M and S of rows start:stop into Lb, Mb, Sb (Mb NaN where the row scores NaN).

    sex_kind: 0 no sex (group 0), 1 parsed (0.0 male, 1.0 female, NaN), 2 NHANES codes
    (1 male, 2 female, NaN), 3 one constant code ``sex_const`` for every row.
    ages[g, :lengths[g]] are the reference ages of group g, pars[g, k] L, M, S there and
    slopes[g, k] their change per unit of age; buckets[g, b] is the interval holding the
    start of bucket b (width 1/b_scale[g]). Adds to ``counts`` the rows outside the ages,
    with an unknown sex code, with y <= 0, with |L| < 1e-12; counts[4], counts[5]: the
    first unknown sex code and the first y <= 0.
    """
    nb = buckets.shape[1]
    # local counters (stores to ``counts`` inside the loop would alias the outputs)
    outside, bad, nonpos, zero_l = 0, 0, 0, 0
    first_bad, first_nonpos = counts[4], counts[5]
    for i in range(start, stop):
        k = i - start
        x = age[i]
        g = 0
        if sex_kind != 0:
            c = sex_const if sex_kind == 3 else sex[i]
            if sex_kind == 2:  # branch-free on the common path: codes are 1 or 2
                if not ((c == 1.0) | (c == 2.0)):
                    if c == c:
                        if bad == 0 and counts[1] == 0:
                            first_bad = i
                        bad += 1
                    Mb[k] = np.nan
                    continue
                g = int(c) - 1
            else:
                if c != c:
                    Mb[k] = np.nan
                    continue
                g = int(c)
        if y[i] <= 0.0:
            if nonpos == 0 and counts[2] == 0:
                first_nonpos = i
            nonpos += 1
        m = lengths[g]
        a0 = ages[g, 0]
        if not (x >= a0 and x <= ages[g, m - 1]):
            if x == x:
                outside += 1
            Mb[k] = np.nan
            continue
        b = min(int((x - a0) * b_scale[g]), nb - 1)
        j = buckets[g, b]
        while j < m - 2 and x > ages[g, j + 1]:
            j += 1
        dx = x - ages[g, j]
        L = pars[g, 0, j] + slopes[g, 0, j] * dx
        zero_l += abs(L) < _L_ZERO
        Lb[k] = L
        Mb[k] = pars[g, 1, j] + slopes[g, 1, j] * dx
        Sb[k] = pars[g, 2, j] + slopes[g, 2, j] * dx
    counts[0] += outside
    counts[1] += bad
    counts[2] += nonpos
    counts[3] += zero_l
    counts[4], counts[5] = first_bad, first_nonpos


def score(y, age, sex, sex_kind, sex_const, tabs, mode: int, out, block: int = 1 << 13):
    """z-scores (mode 0), centiles (1) or modified z-scores (2) of every row into ``out``:
    ``interpolate`` per block, then z = (exp(L log(y/M)) - 1)/(L S) (log(y/M)/S where
    L = 0) with numpy in cache. Returns the counts of ``interpolate``."""
    from scipy.special import ndtr

    from labstats.stats import _lms

    n = out.shape[0]
    Lw, Mw, Sw = np.empty(block), np.empty(block), np.empty(block)
    counts = np.zeros(6, dtype=np.int64)
    for start in range(0, n, block):
        stop = min(start + block, n)
        k = stop - start
        L, M, S, ob, yb = Lw[:k], Mw[:k], Sw[:k], out[start:stop], y[start:stop]
        zeros = counts[3]
        interpolate(y, age, sex, sex_kind, sex_const, *tabs, start, stop, L, M, S, counts)
        if mode == 2:
            ob[:] = _lms.modified_zscore(yb, L, M, S)
            continue
        with np.errstate(divide="ignore", invalid="ignore"):  # y <= 0: the caller raises
            np.divide(yb, M, out=M)
            np.log(M, out=M)
            if counts[3] > zeros:  # some L = 0: z = log(y/M)/S there
                zero = np.abs(L) < _L_ZERO
                np.divide(M, S, out=ob)
                L[zero] = 1.0  # placeholder, overwritten below
                z_log = ob[zero].copy()
            np.multiply(M, L, out=ob)
            np.exp(ob, out=ob)
            ob -= 1.0
            np.multiply(S, L, out=S)
            np.divide(ob, S, out=ob)
            if counts[3] > zeros:
                ob[zero] = z_log
        if mode == 1:
            ndtr(ob, out=ob)
            ob *= 100.0
    return counts


def tables(points: dict, n_buckets: int = 2048):
    """Padded arrays of the reference points of each group, with O(1) bucket tables."""
    groups = list(points.values())
    m = max(len(p[0]) for p in groups)
    ages = np.full((len(groups), m), np.nan)
    pars = np.full((len(groups), 3, m), np.nan)
    lengths = np.zeros(len(groups), dtype=np.int64)
    buckets = np.zeros((len(groups), n_buckets), dtype=np.int32)  # small: stays in L1
    scale = np.zeros(len(groups))
    for g, (a, L, M, S) in enumerate(groups):
        k = len(a)
        ages[g, :k] = a
        pars[g, 0, :k], pars[g, 1, :k], pars[g, 2, :k] = L, M, S
        lengths[g] = k
        scale[g] = n_buckets / (a[-1] - a[0]) if a[-1] > a[0] else 0.0
        starts = a[0] + np.arange(n_buckets) / scale[g] if scale[g] else np.full(n_buckets, a[0])
        buckets[g] = np.clip(np.searchsorted(a, starts, side="right") - 1, 0, max(k - 2, 0))
    with np.errstate(invalid="ignore"):
        slopes = np.diff(pars, axis=2) / np.diff(ages, axis=1)[:, None, :]
    return ages, pars, lengths, buckets, scale, slopes
