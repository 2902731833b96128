"""tmc: truncated minimum chi-square (Wosniok & Haeckel 2019), from the paper's description.

Model: power normal (Box-Cox lambda, mu, sigma) for the non-pathological values,
prevalence P. For a truncation interval [T1, T2] containing the mode, the values inside
are binned (12 equal bins on the transformed scale); E_i = N P (F(b_i) - F(a_i)) and

    chi2 = sum_i (O_i - E_i)^2 / E_i,

minimised over (mu, sigma) on a grid with zoom steps, P profiled in closed form
(P = sqrt(sum O_i^2 / (N e_i)) / (N sum e_i)). A penalty is added where the model
outside the interval expects more values than were observed there (pathological values
can only add). Results below the detection limit enter exactly as TMC intends: every
value below the (largest) limit is pooled into the first bin, which covers
(0, LOD]; its count enters the chi-square, its position never does. Candidate
intervals: T1 at the empirical 2-30 % quantiles (or the LOD), T2 at 70-98 %; the chosen
one is the widest accepted (below), else
the one with the smallest chi-square per degree of freedom. Lambda: 0, 0.1, ..., 1.

From the publication (whose full text we could not read; its abstract states each
step) and the structure of TMC's program (an unofficial copy, read only):

* start values from a Q-Q plot (abstract: "a quantile-quantile plot providing
  preliminary estimates for the parameters"): per lambda and interval, the least-squares
  line of the transformed bin edges on the normal quantiles of their ECDF (``_qq_start``);
* acceptance of an interval: the chi-square test and a Wald-Wolfowitz runs test on the
  signs of O_i - E_i along the bins (too few runs: systematic misfit) must both not
  reject at 5 % (``runs_test``);
* CIs "by the asymptotic formula for quantiles" (abstract) with ``bootstrap=0``:
  x_p +/- z sqrt(p (1 - p) / (n P)) / f(x_p) (``asymptotic_ci``).

Still missing against TMC: the Q-Q plot's own lambda (lambda is searched on the grid
0, 0.1, ..., 1 instead); the program's penalties for a runs test inside the objective
and for limits outside the overall quantiles (the runs test is an acceptance criterion
here; a prevalence outside [0.2, 1] is refused, not penalised); its ranking of the
candidate intervals beyond "widest accepted"; tolerance limits; and age splines (the
program smooths per-age-class limits; here ``by=`` gives per-class limits only). The
equations and section numbers of the paper could not be checked. Strata with more
than 65 % below the LOD are refused, as in TMC.

Reference: W. Wosniok and R. Haeckel, "A new indirect estimation of reference
intervals: truncated minimum chi-square (TMC) approach," Clin. Chem. Lab. Med.,
vol. 57, no. 12, pp. 1933-1947, 2019, doi:10.1515/cclm-2018-1341.
"""

from __future__ import annotations

import numpy as np

from labstats.stats import _ri_model as _m
from labstats.stats._ri_model import (
    Sample,
    bc,
    count_le,
    keep_best,
    model_quantile,
    wquantile,
)

_NB = 12


def _intervals(sample):
    one = Sample(sample.xs, sample.w[:1])
    n = float(one.n[0])
    frac_left = (sample.w[0, 0] / n) if np.isfinite(sample.left) else 0.0
    if frac_left > 0.65:
        raise ValueError(f"method='tmc': {frac_left:.0%} of values are below the detection "
                         "limit; TMC refuses strata with more than 65 % censored")
    q1 = np.r_[0.02, 0.05, 0.10, 0.15, 0.20, 0.30]
    q2 = np.r_[0.70, 0.80, 0.85, 0.90, 0.95, 0.98]
    t1 = wquantile(one, q1)[0]
    t2 = wquantile(one, q2)[0]
    if sample.base > 0:  # reported values <= v are the true values <= v + base/2
        t1, t2 = t1 + sample.base / 2, t2 + sample.base / 2
    if np.isfinite(sample.left):  # intervals may start at the LOD (pooled first bin)
        t1 = np.unique(np.r_[sample.left, t1[t1 > sample.left]])
    t1g, t2g = np.meshgrid(t1, t2, indexing="ij")
    ok = t2g > t1g
    if not ok.any():
        raise ValueError("method='tmc': no truncation interval T1 < T2 (the 2-30 % and "
                         "70-98 % quantiles coincide: most values are equal, results "
                         "reported too coarsely); try method='refiner', or values with "
                         "more decimals")
    return t1g[ok], t2g[ok]


def _qq_start(c, n, ey):
    """Q-Q line of each row and interval: (mu0, s0), each (B, I). ``c`` counts <= the bin
    edges (B, I, nb + 1), ``ey`` the edges on the transformed scale (I, nb + 1); a pooled
    first edge (the detection limit) enters with its ECDF like any other (all censored
    values lie below it, so its ECDF is known exactly)."""
    from scipy.special import ndtri

    z = ndtri(np.clip(c / n[:, None, None], 1e-4, 1 - 1e-4))  # (B, I, nb + 1)
    y = np.broadcast_to(ey, z.shape)
    zc = z - z.mean(-1, keepdims=True)
    s0 = (zc * (y - y.mean(-1, keepdims=True))).sum(-1) / np.maximum((zc * zc).sum(-1), 1e-12)
    s0 = np.maximum(s0, 1e-9)
    m0 = y.mean(-1) - s0 * z.mean(-1)
    return m0, s0


def _runs_p(obs, n, ey_full, end, mu, sg, p):
    """One-sided p-value of the Wald-Wolfowitz runs test (too few runs) on the signs of
    O_i - E_i over the bins, at the fitted (mu, sg, p) (B, I); normal approximation with
    continuity correction (Wald & Wolfowitz, Ann. Math. Stat. 11:147, 1940)."""
    from scipy.special import ndtr

    f0 = ndtr((end - mu) / sg)
    F = (ndtr((ey_full[None, :, :] - mu[..., None]) / sg[..., None]) - f0[..., None]) / \
        (1 - f0[..., None])
    e = n[:, None, None] * p[..., None] * np.diff(np.clip(F, 0, 1), axis=-1)
    return runs_test(obs > e)


def runs_test(pos):
    """One-sided p-value of too few runs in the boolean sequences ``pos`` (..., m)."""
    from scipy.special import ndtr

    n1 = pos.sum(-1).astype(float)
    n2 = pos.shape[-1] - n1
    runs = 1 + (pos[..., 1:] != pos[..., :-1]).sum(-1)
    m = n1 + n2
    mean = 2 * n1 * n2 / m + 1
    var = 2 * n1 * n2 * (2 * n1 * n2 - m) / (m * m * (m - 1))
    z = (runs - mean + 0.5) / np.sqrt(np.maximum(var, 1e-12))
    return np.where(var > 0, ndtr(z), 1.0)  # all residuals of one sign: no test possible


def asymptotic_ci(fitted, n, limits, confidence):
    """TMC's confidence interval of each limit (Wosniok & Haeckel 2019, abstract: "by the
    asymptotic formula for quantiles"): x_p +/- z sqrt(p (1 - p) / m) / f(x_p), with f the
    fitted non-pathological density and m = n P its estimated number of values
    (the large-sample variance of a sample quantile, e.g. Serfling 1980, Thm 2.3.3).
    Returns (lower ends, upper ends), each (L,)."""
    from scipy.special import ndtri

    from labstats.stats._ri_model import model_pdf

    lims = np.asarray(fitted["limits"][0], float)
    p = np.asarray(limits, float)
    m = n * float(fitted["p_np"][0])
    dens = model_pdf(lims, fitted["lam"][0], fitted["mu"][0], fitted["sigma"][0])
    se = np.sqrt(p * (1 - p) / m) / np.maximum(dens, 1e-300)
    zq = ndtri(0.5 + confidence / 2)
    return lims - zq * se, lims + zq * se


def _fit_lambda(sample, cum, lam, t1, t2):
    from scipy.special import ndtr
    from scipy.stats import chi2 as chi2_dist

    n = cum[:, -1].astype(float)
    pooled = np.isfinite(sample.left) & np.isclose(t1, sample.left)
    lo_x = np.where(pooled, 0.0, t1)
    ey = bc(np.maximum(t1, 1e-300), lam)[:, None] + \
        (bc(t2, lam) - bc(np.maximum(t1, 1e-300), lam))[:, None] * np.linspace(0, 1, _NB + 1)
    ex = np.power(np.maximum(lam * ey + 1, 0), 1 / lam) if lam > 1e-9 else np.exp(ey)
    ex[:, 0], ex[:, -1] = t1, t2
    if sample.base > 0:  # interior edges half-way between reported grid values
        ex[:, 1:-1] = (np.floor(ex[:, 1:-1] / sample.base) + 0.5) * sample.base
        ex = np.maximum.accumulate(ex, axis=1)
        ey = bc(np.maximum(ex, 1e-300), lam)
    c = count_le(sample, ex.ravel(), cum).reshape(cum.shape[0], *ex.shape).astype(float)
    below_lo = count_le(sample, lo_x, cum).astype(float)  # values below the interval
    obs = np.diff(c, axis=-1)  # (B, I, nb)
    obs[..., 0] += np.where(pooled, c[..., 0] - below_lo, 0.0)  # pooled first bin
    o_below = below_lo
    o_above = n[:, None] - c[..., -1]
    ey_full = ey.copy()
    ey_full[:, 0] = np.where(pooled, -np.inf, ey[:, 0])
    end = -1.0 / lam if lam > 1e-9 else -np.inf
    # start values from the Q-Q plot (Wosniok & Haeckel 2019, abstract: "a quantile-quantile
    # plot providing preliminary estimates"): the transformed bin edges inside the interval
    # against the normal quantiles of their ECDF, least-squares line -> mu0 (intercept),
    # s0 (slope)
    m0, s0 = _qq_start(c, n, ey)
    off = np.array(np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5),
                               indexing="ij")).reshape(2, -1)
    bm, bs, best = m0, s0, np.full(m0.shape, np.inf)
    bp = np.ones(m0.shape)
    dm, dls = s0.copy(), np.full(s0.shape, 0.7)
    for _ in range(7):
        mu = bm[..., None] + off[0] * dm[..., None]  # (B, I, 25)
        sg = np.maximum(bs[..., None] * np.exp(off[1] * dls[..., None]), 1e-12)
        f0 = ndtr((end - mu) / sg)
        F = (ndtr((ey_full[None, :, None, :] - mu[..., None]) / sg[..., None]) -
             f0[..., None]) / (1 - f0[..., None])
        F = np.clip(F, 0, 1)
        e = np.maximum(np.diff(F, axis=-1), 1e-300)  # (B, I, 25, nb)
        o = obs[:, :, None, :]
        p = np.sqrt((o**2 / (n[:, None, None, None] * e)).sum(-1) /
                    (n[:, None, None] * e.sum(-1)))
        ex_ = n[:, None, None, None] * p[..., None] * e
        chi = ((o - ex_) ** 2 / ex_).sum(-1)
        out_lo = n[:, None, None] * p * F[..., 0]
        out_hi = n[:, None, None] * p * (1 - F[..., -1])
        pen = np.maximum(out_lo - o_below[..., None], 0) ** 2 / np.maximum(out_lo, 1) + \
            np.maximum(out_hi - o_above[..., None], 0) ** 2 / np.maximum(out_hi, 1)
        cost = np.where((p > 1) | (p < 0.2), np.inf, chi + pen)
        best, (bm, bs, bp) = keep_best(cost, best, (bm, bs, bp), (mu, sg, p))
        dm, dls = dm / 2, dls / 2
    df = _NB - 3
    pval = chi2_dist.sf(best, df)
    # acceptance (TMC): the chi-square test and a runs test on the signs of the residuals
    # O_i - E_i along the bins (too few runs = systematic misfit) must both not reject
    runs_p = _runs_p(obs, n, ey_full, end, bm, bs, bp)
    width = count_le(sample, t2, cum) - below_lo  # values covered by the interval
    accepted = (pval >= 0.05) & (runs_p >= 0.05)
    score = np.where(accepted, -width, 1e12 + best / df)
    k = score.argmin(1)
    rows = np.arange(best.shape[0])
    return score[rows, k], best[rows, k] / df, bm[rows, k], bs[rows, k], bp[rows, k]


def fit(sample: Sample, limits, *, lams=None):
    """Fit every row; dict of arrays (B,): lam, mu, sigma, shift, p_np, limits (B, L).

    ``lams``: lambdas to try (default 0, 0.1, ..., 1).
    """
    if sample.xs[-1] <= 0:
        raise ValueError("method='tmc' needs positive values")
    cum = sample.cum
    sample.base = _m.rounding_base(sample.xs[(sample.xs > sample.left) & (sample.xs < sample.right)])
    t1, t2 = _intervals(sample)
    bsz = sample.w.shape[0]
    rows = np.arange(bsz)
    lams = np.linspace(0, 1, 11) if lams is None else np.asarray(lams, float)
    res = [_fit_lambda(sample, cum, lam, t1, t2) for lam in lams]
    # across lambdas: the widest accepted interval (a count), ties by chi-square per df
    score = np.array([r[0] for r in res])
    crit = np.array([r[1] for r in res])
    i = (score + 0.5 * np.tanh(crit / 10)).argmin(0)
    mu = np.array([r[2] for r in res])[i, rows]
    sg = np.array([r[3] for r in res])[i, rows]
    p = np.array([r[4] for r in res])[i, rows]
    lam = lams[i]
    lims = model_quantile(np.asarray(limits)[None, :], lam[:, None], mu[:, None], sg[:, None])
    # no admissible fit in any interval (prevalence outside [0.2, 1] everywhere): NaN
    lims = np.where(np.isfinite(crit[i, rows])[:, None], lims, np.nan)
    return {"lam": lam, "mu": mu, "sigma": sg, "shift": np.zeros(bsz),
            "p_np": np.minimum(p, 1.0), "limits": lims}
