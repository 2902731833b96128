"""Bootstrap resamples of the reference-interval methods, refitted in vectorised blocks.

``reference_interval(method="robust" | "bootstrap")`` refits 2,000 resamples by default.
The resamples are drawn block by block (at most ``BLOCK`` values at a time, so memory stays
bounded whatever ``n`` and ``n_boot``): the same random numbers, in the same order, as one
``rng.integers(0, n, n)`` per resample or one ``rng.integers(0, n, (n_boot, n))``. Used by
``labstats.stats.reference``.
"""

from __future__ import annotations

import numpy as np

#: Values of one block of resamples (512 kB as float64: the refits run in cache).
BLOCK = 1 << 16


def resample_blocks(rng, n: int, n_boot: int):
    """Index arrays (rows: resamples) of successive blocks of ``n_boot`` resamples of n."""
    k = max(1, BLOCK // max(n, 1))
    for start in range(0, n_boot, k):
        yield rng.integers(0, n, (min(k, n_boot - start), n))


def refit(limits, x, arg, n_boot: int, rng):
    """``limits(resamples, arg)`` (``robust_limits`` or ``rank_limits``) of ``n_boot``
    resamples of ``x``, block by block: an (n_boot, 2) array."""
    return np.concatenate([limits(x[i], arg) for i in resample_blocks(rng, x.size, n_boot)])


def _biweight_scale(x, center, c, mad, with_n=True):
    """Biweight scale of each row of ``x`` about ``center`` (one per row)."""
    u = (x - center[:, None]) / (c * mad)[:, None]
    m = np.abs(u) < 1
    u2 = np.where(m, u, 0.0) ** 2
    num = np.sum(np.where(m, (x - center[:, None]) ** 2 * (1 - u2) ** 4, 0.0), axis=1)
    den = np.sum(np.where(m, (1 - u2) * (1 - 5 * u2), 0.0), axis=1)
    return np.sqrt((x.shape[1] if with_n else 1) * num / (den * np.maximum(1.0, den - 1.0)))


def robust_limits(x, coverage):
    """Horn, Pesce & Copeland (1998) robust limits of each row of ``x``: (rows, 2) lower and
    upper; NaN for a row whose MAD is 0 (more than half its values equal)."""
    from scipy import stats

    x = np.atleast_2d(np.asarray(x, dtype=float))
    med = np.median(x, axis=1)
    mad = np.median(np.abs(x - med[:, None]), axis=1) / 0.6745
    out = np.full((x.shape[0], 2), np.nan)
    ok = mad != 0  # the rest: no biweight scale, NaN (reported by the caller)
    if not ok.any():
        return out
    if not ok.all():
        x, med, mad = x[ok], med[ok], mad[ok]
    t = med.copy()
    active = np.arange(x.shape[0])
    for _ in range(100):  # Eq. 2 of Horn et al.: biweight location, c = 3.7
        xa, ta, ma = (x, t, mad) if active.size == x.shape[0] else (
            x[active], t[active], mad[active])
        u = (xa - ta[:, None]) / (3.7 * ma)[:, None]
        w = np.where(np.abs(u) < 1, (1 - u**2) ** 2, 0.0)
        t_new = np.sum(w * xa, axis=1) / np.sum(w, axis=1)
        done = np.abs(t_new - ta) < 1e-10 * (np.abs(ta) + ma)
        t[active] = t_new
        active = active[~done]
        if not active.size:
            break
    s_pred = _biweight_scale(x, med, 205.6, mad)  # spread of a new observation
    s_37 = _biweight_scale(x, med, 3.7, mad)
    s_t = _biweight_scale(x, t, 3.7, s_37, with_n=False)  # SE of the location
    half = stats.t.ppf(0.5 + coverage / 2, x.shape[1] - 1) * np.sqrt(s_pred**2 + s_t**2)
    out[ok] = np.column_stack([t - half, t + half])
    return out


def rank_limits(samples, probs):
    """The rank quantiles (R type 6, ``reference._rank_quantile``) at ``probs`` of each row
    of ``samples``: (rows, len(probs)), by selection (``np.partition`` at the order
    statistics they read) instead of a full sort: the same values."""
    from labstats.stats.reference import _rank_positions, _rank_quantile

    n = samples.shape[1]
    kth = set()
    for p in probs:
        _, lo, hi = _rank_positions(n, p)
        kth.update((int(lo) - 1, int(hi) - 1))
    part = np.partition(samples, sorted(kth), axis=1)
    return np.column_stack([_rank_quantile(part, p) for p in probs])
