"""Deming fits for :func:`labstats.stats.regression.deming`: the closed form, Linnet's
weighted iteration, and their leave-one-out (jackknife) refits, all n at once.

The plain jackknife comes from running sums (each leave-one-out sum is the total less one
term). The weighted one cannot: its weights depend on each refit's own line, so each of the
n refits is iterated, but as rows of (block, n) arrays stepped together (a refit's row stops
where its own iteration stops, as the one-refit-at-a-time loop did), never one Python call
per left-out pair. References: [2] Linnet 1993, [3] Linnet 1990 (see ``deming``).
"""

from __future__ import annotations

import numpy as np


def _deming_slope(u, q, p, lam):
    """Deming slope from the sums of squares u (x), q (y) and products p: the root of
    ``p s^2 + (lam u - q) s - lam p = 0`` with the sign of p (Eq. 4 of Linnet 1993 [2],
    written with lambda = sigma_y^2 / sigma_x^2), in the form that does not cancel: for
    q < lam u (e.g. a large lambda, near least squares) it is 2 lam p / (root - d)."""
    d = q - lam * u
    root = np.hypot(d, 2 * np.sqrt(lam) * p)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d >= 0, (d + root) / (2 * p), 2 * lam * p / (root - d))


def _deming_fit(a, b, lam, weights=None):
    """Closed-form (weighted) Deming slope and intercept; ``lam`` = var(e_y)/var(e_x)."""
    w = np.ones_like(a) if weights is None else weights
    sw = w.sum()
    xm, ym = (w * a).sum() / sw, (w * b).sum() / sw
    u = (w * (a - xm) ** 2).sum()
    q = (w * (b - ym) ** 2).sum()
    p = (w * (a - xm) * (b - ym)).sum()
    slope = float(_deming_slope(u, q, p, lam))
    return slope, ym - slope * xm


#: Iterations of each pass of the weighted Deming fit (plain steps, then half steps).
_WDEMING_MAX_ITER = 100


def _wdeming_fit(a, b, lam, max_iter=_WDEMING_MAX_ITER, tol=1e-12):
    """Weighted Deming for a constant CV, iterated as in Linnet 1990 [3]: (slope, intercept,
    converged). The plain iteration can settle into a 2-cycle around the fixed point (its
    result then depends on the parity of ``max_iter``); it then goes on with half steps,
    which converge to the fixed point between the two."""
    slope, inter = _deming_fit(a, b, lam)
    for step in (1.0, 0.5):
        for _ in range(max_iter):
            d = b - (inter + slope * a)
            xhat = a + slope * d / (lam + slope**2)  # estimated true values on the line
            yhat = inter + slope * xhat
            w = 1.0 / ((lam * xhat + yhat) / (lam + 1.0)) ** 2  # error-variance-weighted level
            new_slope, new_inter = _deming_fit(a, b, lam, w)
            new_slope = slope + step * (new_slope - slope)
            new_inter = inter + step * (new_inter - inter)
            done = abs(new_slope - slope) <= tol * abs(slope) and abs(
                new_inter - inter) <= tol * (abs(inter) + abs(slope))
            slope, inter = new_slope, new_inter
            if done:
                return slope, inter, True
    return slope, inter, False


def _jackknife_deming(a, b, lam):
    """Leave-one-out (slope, intercept) of the plain Deming fit, from running sums (O(n))."""
    a0, b0 = a.mean(), b.mean()
    a, b = a - a0, b - b0  # centred: the running sums lose no precision to the offset
    m = a.size - 1
    xm = (a.sum() - a) / m
    ym = (b.sum() - b) / m
    u = (a**2).sum() - a**2 - m * xm**2
    q = (b**2).sum() - b**2 - m * ym**2
    p = (a * b).sum() - a * b - m * xm * ym
    slope = _deming_slope(u, q, p, lam)
    return np.column_stack([slope, (ym + b0) - slope * (xm + a0)])


#: Floats in one (block, n) array of the weighted jackknife (0.5 MB, ~10 such temporaries:
#: in cache; 2 MB blocks made n = 4,000 2.6x slower, slower than one refit at a time):
#: refits iterated together are the rows of a block of this size.
_LOO_BLOCK = 1 << 16
#: Above this many pairs the refits run one at a time (bench_deming, loop / blocks: 1.8 at
#: n = 1,000, 0.7 at 4,000: each row of a block then costs as much as a refit of its own).
_LOO_MAX_ROWS = 2_000


def _deming_fit_rows(a, b, lam, w):
    """``_deming_fit`` of each row of weights ``w`` (k, n): (slope, intercept) arrays (k,)."""
    sw = w.sum(axis=1)
    xm, ym = (w * a).sum(axis=1) / sw, (w * b).sum(axis=1) / sw
    dx, dy = a - xm[:, None], b - ym[:, None]
    wdx = w * dx
    u = (wdx * dx).sum(axis=1)
    q = (w * dy * dy).sum(axis=1)
    p = (wdx * dy).sum(axis=1)
    slope = _deming_slope(u, q, p, lam)
    return slope, ym - slope * xm


def _jackknife_wdeming(a, b, lam, max_iter=_WDEMING_MAX_ITER, tol=1e-12):
    """Leave-one-out ``_wdeming_fit`` of every pair: (slope, intercept) rows (n, 2) and
    converged flags (n,). Refit k is row k of a (block, n) weight array, 0 at pair k (the
    pair left out); all rows of a block take each iteration step together, and a row leaves
    when its own test stops it (plain steps, then half steps, as ``_wdeming_fit``)."""
    n = a.size
    if n > _LOO_MAX_ROWS:  # each refit is then O(n) array work: one at a time is as fast
        fits = [_wdeming_fit(np.delete(a, k), np.delete(b, k), lam, max_iter, tol)
                for k in range(n)]
        return np.array([f[:2] for f in fits]), np.array([f[2] for f in fits], dtype=bool)
    out = np.empty((n, 2))
    conv = np.zeros(n, bool)
    for s in range(0, n, max(1, _LOO_BLOCK // n)):
        k = np.arange(s, min(s + max(1, _LOO_BLOCK // n), n))
        keep = np.ones((k.size, n), bool)
        keep[np.arange(k.size), k] = False
        slope, inter = _deming_fit_rows(a, b, lam, keep.astype(float))
        live = np.arange(k.size)  # rows of the block still iterating
        for step in (1.0, 0.5):
            for _ in range(max_iter):
                if not live.size:
                    break
                sl, it = slope[live], inter[live]
                d = b - (it[:, None] + sl[:, None] * a)
                xhat = a + sl[:, None] * d / (lam + sl**2)[:, None]
                yhat = it[:, None] + sl[:, None] * xhat
                w = np.where(keep[live], 1.0 / ((lam * xhat + yhat) / (lam + 1.0)) ** 2, 0.0)
                new_sl, new_it = _deming_fit_rows(a, b, lam, w)
                new_sl = sl + step * (new_sl - sl)
                new_it = it + step * (new_it - it)
                done = (np.abs(new_sl - sl) <= tol * np.abs(sl)) & (
                    np.abs(new_it - it) <= tol * (np.abs(it) + np.abs(sl)))
                slope[live], inter[live] = new_sl, new_it
                conv[k[live[done]]] = True
                live = live[~done]
        out[k] = np.column_stack([slope, inter])
    return out, conv
