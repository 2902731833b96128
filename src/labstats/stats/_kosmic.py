"""kosmic: truncated Box-Cox normal fitted to the ECDF (Zierk et al. 2020), from the paper.

For a Box-Cox lambda and a truncation pair (T1 at an empirical 5-30 % quantile, T2 at
70-95 %), the model CDF F is rescaled so that it agrees with the ECDF at T1 and T2:
G(x) = F_hat(T1) + P (F(x) - F(T1)), P = (F_hat(T2) - F_hat(T1)) / (F(T2) - F(T1)).
The cost is a Kolmogorov-Smirnov distance, two-sided inside [T1, T2] and one-sided
outside (pathological values can only add mass: below T1 the model may not fall short
of the ECDF, above T2 it may not exceed it), divided by sqrt(F_hat(T2) - F_hat(T1)) so
that wider truncations are preferred. As in the paper, (mu, sigma) minimise the cost
over all truncation pairs for each lambda, and lambda is searched over 0, 0.1, ..., 1,
then refined to 0.01 near the best.

The search, vectorised over bootstrap rows and truncation pairs:

1. for each lambda and each pair of a 6 x 6 grid (5 % steps), a zoomed 3 x 3 grid over
   (mu, log sigma) started from the normal through the two truncation points;
2. lambda refined to a step of 0.01 within +/- 0.08 of the best tenth (three rounds of
   +/- 0.05, 0.02, 0.01 around the running best: 6 fits, where the kosmic program tries
   all 18);
3. the paper's optimiser: Nelder-Mead over (mu, log sigma) of the cost minimised over
   the truncation pairs, started from the grid optimum (the program starts at the
   mode), at the chosen lambda and at the best two coarse lambdas more than 0.15 from it
   (the cost can have two modes in lambda); the lowest polished cost wins. Its pairs:
   every evaluation point between the coarse neighbours of the grid pair (at most 8 per
   side, evenly by rank); its evaluation points all of them (the grid stage uses 120).

The ECDF is evaluated at every distinct reported value (the paper's classes at the
reported decimals) when there are at most 1,024, else at 512 quantile points. Limits
are the quantiles of the truncated model (kosmic takes the untruncated normal's; they
differ only when -1/lambda lies within a few sigma of mu).

Missing against the kosmic program (C++, GPL-3, read, not copied): its truncation
points range over every class from the 5th to the 30th and the 70th to the 95th
percentile for every (mu, sigma); here the grid stage uses 5 % steps and the
Nelder-Mead stage every class near the best of them. Its lambda refinement tries all 18
values at 0.01 (6 bisection fits here). Bootstrap resamples (for speed) keep the
estimate's lambda and the truncation pairs next to its pair, and are refitted by the
grid stage only: the CI is the spread of that stage's estimate.
Zierk et al. report reliable results with less than 20 % pathological values.

Reference: J. Zierk et al., "Reference interval estimation from mixed distributions
using truncation points and the Kolmogorov-Smirnov distance (kosmic)," Sci. Rep.,
vol. 10, 1704, 2020, doi:10.1038/s41598-020-58749-2.
"""

from __future__ import annotations

import numpy as np

from labstats.stats._ri_model import (
    Sample,
    bc,
    count_le,
    keep_best,
    model_cdf,
    model_quantile,
    nelder_mead,
    rounding_base,
    wquantile,
)

_T1 = np.arange(0.05, 0.301, 0.05)
_T2 = np.arange(0.70, 0.951, 0.05)
_MAX_EVAL, _QUANT_EVAL, _GRID_EVAL, _MAX_T = 512, 512, 120, 8


class _Data:
    """ECDF of every row at the evaluation points and at the truncation points."""

    def __init__(self, sample, cum, ev_x, t1_x, t2_x, t_ok):
        n = cum[:, -1].astype(float)[:, None]
        self.ev_x, self.t1_x, self.t2_x, self.t_ok = ev_x, t1_x, t2_x, t_ok
        self.fe = count_le(sample, ev_x, cum) / n  # (B, V)
        self.f1 = count_le(sample, t1_x, cum) / n  # (B, nP)
        self.f2 = count_le(sample, t2_x, cum) / n
        self.inside = (ev_x[None, :] >= t1_x[:, None]) & (ev_x[None, :] <= t2_x[:, None])
        self.below = ev_x[None, :] < t1_x[:, None]
        self.above = ev_x[None, :] > t2_x[:, None]


def _cost(dat, lam, mu, sg):
    """Cost (B, nP, k) of parameters mu, sg (B, nP or 1, k) for every truncation pair."""
    from scipy.special import ndtr

    end = -1.0 / lam if lam > 1e-9 else -np.inf
    ye, y1, y2 = bc(dat.ev_x, lam), bc(dat.t1_x, lam), bc(dat.t2_x, lam)
    f0 = ndtr((end - mu) / sg)
    Fe = (ndtr((ye - mu[..., None]) / sg[..., None]) - f0[..., None]) / (1 - f0[..., None])
    F1 = (ndtr((y1[None, :, None] - mu) / sg) - f0) / (1 - f0)
    F2 = (ndtr((y2[None, :, None] - mu) / sg) - f0) / (1 - f0)
    f1, f2 = dat.f1[..., None], dat.f2[..., None]
    p = (f2 - f1) / np.maximum(F2 - F1, 1e-12)
    d = dat.fe[:, None, None, :] - (f1[..., None] + p[..., None] * (Fe - F1[..., None]))
    c_in = np.where(dat.inside[None, :, None, :], np.abs(d), 0).max(-1)
    c_lo = np.where(dat.below[None, :, None, :], np.maximum(d, 0), 0).max(-1)
    c_hi = np.where(dat.above[None, :, None, :], np.maximum(-d, 0), 0).max(-1)
    cost = (c_in + c_lo + c_hi) / np.sqrt(np.maximum(f2 - f1, 1e-12))
    return np.where((p > 1.0) | (p < 0.3) | ~dat.t_ok[None, :, None], np.inf, cost), p


def _fit_lambda(dat, lam):
    """Grid optimum per row and pair at one lambda: cost, mu, sigma (B, nP)."""
    from scipy.special import ndtri

    y1, y2 = bc(dat.t1_x, lam), bc(dat.t2_x, lam)
    # start: the normal through both truncation points, assuming P = 1
    z1 = ndtri(np.clip(dat.f1, 1e-6, 1 - 1e-6))
    z2 = ndtri(np.clip(dat.f2, 1e-6, 1 - 1e-6))
    s0 = np.maximum((y2 - y1)[None, :] / np.maximum(z2 - z1, 1e-6), 1e-9)
    m0 = y1[None, :] - z1 * s0
    off = np.array(np.meshgrid([-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0],
                               indexing="ij")).reshape(2, -1)
    bm, bs = m0, s0  # (B, nP)
    best = np.full(bm.shape, np.inf)
    dm, dls = s0 * 1.0, np.full(s0.shape, 0.7)
    for _ in range(8):
        mu = bm[..., None] + off[0] * dm[..., None]  # (B, nP, 9)
        sg = bs[..., None] * np.exp(off[1] * dls[..., None])
        cost, _ = _cost(dat, lam, mu, sg)
        best, (bm, bs) = keep_best(cost, best, (bm, bs), (mu, sg))
        dm, dls = dm / 1.6, dls / 1.6
    return best, bm, bs


def _polish(sample, cum, ev_x, t_lo, t_hi, lam, mu, sg):
    """Nelder-Mead over (mu, log sigma) of the cost minimised over the pairs of ``t_lo`` x
    ``t_hi`` (the paper's objective), from (mu, sg) (B,). Returns cost, mu, sigma, P."""
    t1g, t2g = (v.ravel() for v in np.meshgrid(t_lo, t_hi, indexing="ij"))
    dat = _Data(sample, cum, ev_x, t1g, t2g, t2g > t1g)

    def f(x):  # x (B, k, 2) -> (B, k)
        return _cost(dat, lam, x[:, None, :, 0], np.exp(x[:, None, :, 1]))[0].min(1)

    x0 = np.stack([mu, np.log(sg)], -1)
    step = np.stack([0.05 * sg, np.full(sg.shape, 0.05)], -1)
    x, c = nelder_mead(f, x0, step, iters=40, xtol=1e-4)
    cost, p = _cost(dat, lam, x[:, None, None, 0], np.exp(x[:, None, None, 1]))
    k = cost[..., 0].argmin(1)
    rows = np.arange(x.shape[0])
    return c, x[:, 0], np.exp(x[:, 1]), p[rows, k, 0]


def _between(x, a, b):
    """Points of ``x`` in [a, b], at most _MAX_T of them (evenly by rank), a and b kept."""
    v = np.unique(np.r_[a, x[(x > a) & (x < b)], b])
    return v[np.unique(np.linspace(0, v.size - 1, _MAX_T).round().astype(int))]


def _points(sample):
    """Evaluation points, truncation candidates (coarse and fine) on the data's scale."""
    one = Sample(sample.xs, sample.w[:1])
    inner = sample.xs[(sample.xs > sample.left) & (sample.xs < sample.right)]
    base = rounding_base(inner)
    if inner.size <= _MAX_EVAL:
        ev_x = inner.copy()
    else:
        ev_x = np.unique(wquantile(one, np.linspace(0.002, 0.998, _QUANT_EVAL))[0])
    t1_x, t2_x = wquantile(one, _T1)[0], wquantile(one, _T2)[0]
    if base > 0:  # a count of reported values <= v is the count of true values <= v + base/2
        ev_x, t1_x, t2_x = np.unique(ev_x + base / 2), t1_x + base / 2, t2_x + base / 2
    ev_x = ev_x[(ev_x > max(sample.left, 0)) & (ev_x < sample.right)]
    # the grid stage evaluates at most _GRID_EVAL of them (evenly by rank)
    ev_g = ev_x[np.unique(np.linspace(0, ev_x.size - 1, _GRID_EVAL).round().astype(int))]
    return ev_x, ev_g, t1_x, t2_x


def fit(sample: Sample, limits, *, lams=None, pairs=None, polish=None):
    """Fit every row; dict of arrays (B,): lam, mu, sigma, shift, p_np, limits (B, L), pair.

    ``lams``: lambdas to try (default 0, 0.1, ..., 1, refined to 0.01);
    ``pairs``: indices of the 6 x 6 truncation pairs to try (default all 36; given: the
    grid stage only, as for bootstrap resamples); ``polish``: run the Nelder-Mead stage
    (default: when ``pairs`` is not given).
    """
    if sample.xs[-1] <= 0:
        raise ValueError("method='kosmic' needs positive values")
    cum = sample.cum
    ev_x, ev_g, t1_x, t2_x = _points(sample)
    t1c, t2c = t1_x, t2_x  # the 6 + 6 coarse points; pair i1 * 6 + i2
    t1g, t2g = np.meshgrid(t1_x, t2_x, indexing="ij")
    t1_x, t2_x = t1g.ravel(), t2g.ravel()
    t_ok = (t1_x > max(sample.left, 0)) & (t2_x < sample.right) & (t2_x > t1_x)
    if pairs is not None:
        t_ok &= np.isin(np.arange(t_ok.size), pairs)
    if not t_ok.any():
        if np.isfinite(sample.left) and t1c.max() <= sample.left:
            raise ValueError("method='kosmic': no truncation points above the detection "
                             "limit (more than 30 % censored); use method='tmc'")
        raise ValueError("method='kosmic': no truncation pair T1 < T2 (the 5-30 % and "
                         "70-95 % quantiles coincide: most values are equal, results "
                         "reported too coarsely); try method='refiner', or values with "
                         "more decimals")
    keep = np.flatnonzero(t_ok)  # compute only the admissible pairs
    dat = _Data(sample, cum, ev_g, t1_x[keep], t2_x[keep], t_ok[keep])
    bsz = sample.w.shape[0]
    rows = np.arange(bsz)
    refine = lams is None
    polish = pairs is None if polish is None else polish
    lams = list(np.round(np.linspace(0, 1, 11), 2)) if lams is None else list(lams)

    def best_of(lam):
        cost, m, s = _fit_lambda(dat, lam)
        k = cost.argmin(1)
        return cost[rows, k], m[rows, k], s[rows, k], k

    res = [best_of(lam) for lam in lams]
    cost = np.array([r[0] for r in res])
    i = cost.argmin(0)
    best = [np.array([r[k] for r in res])[i, rows] for k in range(4)]
    lam_best = np.asarray(lams, float)[i].copy()
    for d in (0.05, 0.02, 0.01) if refine else ():  # lambda to 0.01, around the running best
        centre = lam_best.copy()
        for sgn in (-1, 1):
            for lam in np.unique(np.round(np.clip(centre + sgn * d, 0, 1), 2)):
                r = best_of(lam)
                better = (r[0] < best[0]) & np.isclose(np.clip(centre + sgn * d, 0, 1), lam)
                best = [np.where(better, r[k], best[k]) for k in range(4)]
                lam_best = np.where(better, lam, lam_best)
    cost, mu, sg, pair = best
    pair = keep[pair.astype(int)]
    n = cum[:, -1].astype(float)
    f_t1 = count_le(sample, t1_x[pair][:, None], cum)[:, 0] / n
    f_t2 = count_le(sample, t2_x[pair][:, None], cum)[:, 0] / n
    p = (f_t2 - f_t1) / np.maximum(model_cdf(t2_x[pair], lam_best, mu, sg) -
                                   model_cdf(t1_x[pair], lam_best, mu, sg), 1e-12)
    if polish:  # the point estimate (bootstrap rows pass ``pairs`` and skip this)
        coarse_cost = np.array([r[0] for r in res])  # (lambdas, B)
        lam_arr = np.asarray(lams, float)
        for j in rows:
            # candidates: the refined best lambda and the best two coarse lambdas of other
            # modes (> 0.15 away); the paper's objective then decides between them
            cands = [(float(lam_best[j]), mu[j], sg[j], int(pair[j]))]
            for q in np.argsort(coarse_cost[:, j]):
                if len(cands) == 3 or not np.isfinite(coarse_cost[q, j]):
                    break
                if all(abs(lam_arr[q] - c[0]) > 0.15 for c in cands):
                    cands.append((float(lam_arr[q]), res[q][1][j], res[q][2][j],
                                  int(keep[int(res[q][3][j])])))
            sub = Sample(sample.xs, sample.w[j:j + 1], sample.left, sample.right)
            out = []
            for lam, m0, s0, pr in cands:
                i1, i2 = divmod(pr, t2c.size)  # every class between the coarse neighbours
                lo = _between(ev_x, t1c[max(i1 - 1, 0)], t1c[min(i1 + 1, t1c.size - 1)])
                hi = _between(ev_x, t2c[max(i2 - 1, 0)], t2c[min(i2 + 1, t2c.size - 1)])
                lo, hi = lo[lo > max(sample.left, 0)], hi[hi < sample.right]
                if lo.size and hi.size:  # the start is a simplex vertex: never worse
                    c, m, sgm, pp = _polish(sub, sub.cum, ev_x, lo, hi, lam,
                                            np.atleast_1d(m0), np.atleast_1d(s0))
                    out.append((float(c[0]), lam, float(m[0]), float(sgm[0]), float(pp[0]), pr))
            if out:
                cost[j], lam_best[j], mu[j], sg[j], p[j], pair[j] = min(out)
    lims = model_quantile(np.asarray(limits)[None, :], lam_best[:, None], mu[:, None],
                          sg[:, None])
    # no admissible pair (P outside [0.3, 1] everywhere): no estimate; NaN, reported
    lims = np.where(np.isfinite(cost)[:, None], lims, np.nan)
    return {"lam": lam_best, "mu": mu, "sigma": sg, "shift": np.zeros(bsz),
            "p_np": np.minimum(p, 1.0), "limits": lims, "pair": pair}
