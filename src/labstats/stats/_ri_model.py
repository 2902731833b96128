"""Shared machinery of the indirect reference-interval methods (``stats/indirect.py``).

* The non-pathological model: a Box-Cox transformed normal, truncated where the
  transformation ends (:math:`y > -1/\\lambda` for :math:`\\lambda > 0`), optionally shifted
  (Ammer et al. 2021, refineR's "modified Box-Cox"): ``bc``, ``inv_bc``, ``model_cdf``,
  ``model_quantile``, ``model_pdf``.
* Data as weighted support: sorted distinct values ``xs`` with counts, so a bootstrap
  resample is a row of multinomial counts and every method runs on a batch of rows at
  once (no per-resample Python): ``Sample``, ``resample``, ``wquantile``, ``count_le``.
* Censoring: values below the pooling limit ``left`` (the largest detection limit) and
  above ``right`` enter every method as counts only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


# --------------------------------------------------------------------------- the model
def bc(x, lam):
    """Box-Cox transform :math:`(x^\\lambda - 1)/\\lambda` (:math:`\\ln x` at 0); x > 0."""
    x = np.asarray(x, float)
    lam = np.asarray(lam, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        small = np.abs(lam) < 1e-9
        return np.where(small, np.log(x), (np.power(x, lam) - 1.0) / np.where(small, 1.0, lam))


def inv_bc(y, lam):
    """Inverse Box-Cox; values below the end of the transform's range map to 0."""
    y = np.asarray(y, float)
    lam = np.asarray(lam, float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        small = np.abs(lam) < 1e-9
        base = np.maximum(lam * y + 1.0, 0.0)
        return np.where(small, np.exp(y), np.power(base, 1.0 / np.where(small, 1.0, lam)))


def _ndtr(z):
    from scipy.special import ndtr

    return ndtr(z)


def _z0(lam, mu, sigma):
    """Standardised truncation point of the transformed normal (-inf for lambda = 0)."""
    lam = np.asarray(lam, float)
    with np.errstate(divide="ignore"):
        end = np.where(lam > 1e-9, -1.0 / np.where(lam > 1e-9, lam, 1.0), -np.inf)
    return (end - mu) / sigma


def model_cdf(x, lam, mu, sigma, shift=0.0):
    """CDF of the truncated Box-Cox normal at ``x`` (broadcast over the parameters)."""
    x = np.asarray(x, float) - shift
    f0 = _ndtr(_z0(lam, mu, sigma))
    with np.errstate(invalid="ignore"):
        y = bc(np.maximum(x, 1e-300), lam)
        f = (_ndtr((y - mu) / sigma) - f0) / (1.0 - f0)
    return np.where(x <= 0, 0.0, np.clip(f, 0.0, 1.0))


def model_quantile(p, lam, mu, sigma, shift=0.0):
    """Quantile p of the truncated Box-Cox normal: u = F(z0) + p (1 - F(z0)), inverted."""
    from scipy.special import ndtri

    f0 = _ndtr(_z0(lam, mu, sigma))
    u = f0 + np.asarray(p, float) * (1.0 - f0)
    return np.maximum(inv_bc(mu + sigma * ndtri(u), lam) + shift, 0.0)


def model_pdf(x, lam, mu, sigma, shift=0.0):
    """Density of the truncated Box-Cox normal [1/unit of x]."""
    x = np.asarray(x, float) - shift
    f0 = _ndtr(_z0(lam, mu, sigma))
    xp = np.maximum(x, 1e-300)
    z = (bc(xp, lam) - mu) / sigma
    dens = np.exp(-0.5 * z * z) / (sigma * np.sqrt(2 * np.pi)) * xp ** (lam - 1.0) / (1.0 - f0)
    return np.where(x <= 0, 0.0, dens)


def rounding_base(xs):
    """Grid step of rounded data (0 when the values are not on a grid)."""
    fin = xs[np.isfinite(xs)]
    if fin.size < 3:
        return 0.0
    gaps = np.diff(fin)
    step = gaps[gaps > 0].min()
    for dec in range(-3, 7):
        base = 10.0 ** -dec
        if base < step * 0.99:
            break
        r = fin / base
        if np.all(np.abs(r - np.round(r)) < 1e-6):
            return base
    return 0.0


# --------------------------------------------------------------------------- weighted data
@dataclass
class Sample:
    """Distinct sorted values ``xs`` and counts ``w`` (B, M); pooled censored counts.

    ``left``: every value below it (measured or censored) is known only as "< left"
    and sits in ``xs[0] == left`` pooled (-inf when nothing is censored on the left);
    ``right`` likewise for values above (+inf when none).
    """

    xs: np.ndarray
    w: np.ndarray
    left: float = -np.inf
    right: float = np.inf

    @property
    def n(self):
        return self.w.sum(axis=1)

    @property
    def cum(self):
        """Cumulative counts (B, M + 1), starting at 0."""
        c = np.zeros((self.w.shape[0], self.w.shape[1] + 1), np.int64)
        np.cumsum(self.w, axis=1, out=c[:, 1:])
        return c


def keep_best(cost, best, current, candidates):
    """One step of the pattern search of kosmic and TMC: the cheapest grid point of each
    row (``cost`` ``(..., points)``) replaces the current parameters where it beats ``best``.

    ``current`` and ``candidates`` are matching sequences of ``(...)`` and ``(..., points)``
    arrays (mu, sigma, ...). Returns the new ``best`` and the new current parameters.
    """
    j = cost.argmin(-1)[..., None]
    cj = np.take_along_axis(cost, j, -1)[..., 0]
    better = cj < best
    new = [np.where(better, np.take_along_axis(c, j, -1)[..., 0], b)
           for b, c in zip(current, candidates, strict=True)]
    return np.where(better, cj, best), new


def make_sample(x, n_left=0, n_right=0, left=-np.inf, right=np.inf):
    """One-row ``Sample`` from measured values ``x`` (within [left, right]) and pooled counts."""
    xs, w = np.unique(x, return_counts=True)
    if n_left or n_right:  # pooled counts sit at the limits (merged with values equal to them)
        pts = np.r_[xs, [left] if n_left else [], [right] if n_right else []]
        cnt = np.r_[w, [n_left] if n_left else [], [n_right] if n_right else []]
        xs, inv = np.unique(pts, return_inverse=True)
        w = np.bincount(inv, weights=cnt).astype(np.int64)
    return Sample(xs, w[None, :].astype(np.int64), left, right)


def resample(sample: Sample, b: int, rng) -> Sample:
    """``b`` bootstrap resamples (multinomial counts on the support), one per row."""
    w = sample.w[0]
    n = int(w.sum())
    return Sample(sample.xs, rng.multinomial(n, w / n, size=b).astype(np.int64),
                  sample.left, sample.right)


def count_le(sample: Sample, edges, cum=None):
    """Counts of values <= each edge (B, E); ``edges`` (E,) or (B, E)."""
    cum = sample.cum if cum is None else cum
    edges = np.asarray(edges, float)
    idx = np.searchsorted(sample.xs, edges, side="right")
    if idx.ndim == 1:
        return cum[:, idx]
    return np.take_along_axis(cum, idx, axis=1)


def order_stat(sample: Sample, k, cum=None):
    """k-th smallest value (1-based, float k floored) per row; k shape (B,) or (B, K)."""
    cum = sample.cum if cum is None else cum
    k = np.asarray(k, float)
    squeeze = k.ndim == 1
    k2 = np.atleast_2d(k.T).T if squeeze else k
    b, m1 = cum.shape
    # one searchsorted over all rows: offset each row so the flattened array is sorted
    off = (np.arange(b) * (cum[:, -1].max() + 1))[:, None]
    flat = (cum[:, 1:] + off).ravel()
    pos = np.searchsorted(flat, (np.clip(k2, 1, None) + off).ravel(), side="left")
    j = pos.reshape(k2.shape) - np.arange(b)[:, None] * (m1 - 1)
    out = sample.xs[np.clip(j, 0, m1 - 2)]
    return out[:, 0] if squeeze else out


def wquantile(sample: Sample, q, cum=None):
    """Quantiles ``q`` (K,) of each row, R type 7 (linear between order statistics)."""
    cum = sample.cum if cum is None else cum
    n = cum[:, -1].astype(float)[:, None]
    h = (n - 1) * np.asarray(q, float)[None, :] + 1.0
    lo = np.floor(h)
    a = order_stat(sample, lo, cum)
    b = order_stat(sample, np.minimum(lo + 1, n), cum)
    return a + (h - lo) * (b - a)


def nelder_mead(f, x0, step, iters=80, xtol=1e-7):
    """Nelder-Mead simplex minimisation (Nelder & Mead, Comput. J. 7:308, 1965), run for
    many problems at once: ``x0`` (..., d) starts, ``step`` (..., d) the initial simplex
    edges, ``f`` maps points (..., k, d) to costs (..., k). Standard coefficients
    (reflection 1, expansion 2, contraction 1/2, shrink 1/2); each iteration evaluates the
    four candidate points of every problem together (no per-problem Python). Stops when
    every simplex is smaller than ``xtol`` (relative to ``step``) or after ``iters``.
    Returns the best points (..., d) and their costs (...).
    """
    x0 = np.asarray(x0, float)
    d = x0.shape[-1]
    simplex = x0[..., None, :] + np.concatenate(
        [np.zeros((1, d)), np.eye(d)])[(None,) * (x0.ndim - 1)] * step[..., None, :]
    fs = f(simplex)
    for _ in range(iters):
        o = np.argsort(fs, axis=-1)
        simplex = np.take_along_axis(simplex, o[..., None], -2)
        fs = np.take_along_axis(fs, o, -1)
        if np.all(np.abs(simplex[..., 1:, :] - simplex[..., :1, :]) <= xtol * np.abs(step)[..., None, :]):
            break
        worst = simplex[..., -1, :]
        c = simplex[..., :-1, :].mean(-2)
        cand = c[..., None, :] + np.array([1.0, 2.0, 0.5, -0.5])[:, None] * (c - worst)[..., None, :]
        fc = f(cand)
        fr, fe, foc, fic = (fc[..., i] for i in range(4))
        f0, fw2, fw = fs[..., 0], fs[..., -2], fs[..., -1]
        # the point replacing the worst, per problem (index into cand), or shrink (-1)
        pick = np.where(fr < f0, np.where(fe < fr, 1, 0),
                        np.where(fr < fw2, 0,
                                 np.where(fr < fw, np.where(foc <= fr, 2, -1),
                                          np.where(fic < fw, 3, -1))))
        take = np.maximum(pick, 0)
        newx = np.take_along_axis(cand, take[..., None, None], -2)[..., 0, :]
        newf = np.take_along_axis(fc, take[..., None], -1)[..., 0]
        ok = pick >= 0
        simplex[..., -1, :] = np.where(ok[..., None], newx, worst)
        fs[..., -1] = np.where(ok, newf, fw)
        if not ok.all():  # shrink towards the best point where no candidate was accepted
            shr = simplex[..., :1, :] + 0.5 * (simplex - simplex[..., :1, :])
            fsh = f(shr)
            simplex = np.where(ok[..., None, None], simplex, shr)
            fs = np.where(ok[..., None], fs, fsh)
    j = np.argmin(fs, axis=-1)
    return (np.take_along_axis(simplex, j[..., None, None], -2)[..., 0, :],
            np.take_along_axis(fs, j[..., None], -1)[..., 0])
