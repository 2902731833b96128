"""refineR's cost as published (Ammer et al. 2021, Sci Rep 11:16023; refineR v1.0).

Written from the paper's description of v1.0 and refineR 1.0.0's documented behaviour
(GPL-3; read for understanding, no code copied). For a candidate (lambda, mu, sigma):

* Histogram (``hist``): fixed in the *original* scale over the main-peak region [a, b],
  the same for every lambda. NBins = clamp(11 (n_ab / 5000)^(1/5), 9, 40) bins of width
  (b - a) / NBins, laid as overlapping windows: f = round(256 / NBins) fine bins per
  window, NBins f windows shifted by one fine bin; plus a catch-all bin below a and one
  above b. For rounded data the fine-bin width is a multiple of the rounding base and
  the edges sit half-way between reported values.
* Expected counts E_i = N (F(R_i) - F(L_i)) with F the model CDF (N = all values).
* Search region for P (``p_range``): around the model's peak, the regions where E is
  >= 95 % of its maximum and, left and right, where it is within [50, 90), [55, 94),
  [60, 95), [65, 96), [70, 97) % of it. P_max is the smallest share at which one region's
  model count falls significantly (alpha = 0.01) above the observed count, P_min the
  largest share at which all fall significantly below it (at least 0.4); P runs from
  P_min to P_max in steps clamp((P_max - P_min) / 8, 0.0025, 0.005), on a grid through 1.
* Asymmetric confidence region of a bin at share P: [P E - z sqrt(P E),
  P E + P z sqrt(P E)], z = 2.576. The scan over P stops when more than
  ceil(0.05 * #bins) bins are observed *below* it (alpha_mcb = 0.1).
* Bins used: E >= 40 and observed count not above the region, or a peak bin
  (E >= 95 % of max E). At least #bins / 16 of them.
* Cost = -sum log[Poisson(O_i; P E_i) P E_i] / sqrt(#used) over the used bins (a bin whose
  Poisson probability underflows to 0 is left out, as in R); the best P per candidate.
* A candidate is admissible only if its 0.5th percentile exists (mu - z sigma inside the
  Box-Cox range) and enough bins have E >= 40.

Where this implementation departs from v1.0 (each one checked on the known-truth grid of
``benchmarks/bench_indirect_accuracy.py``):

* Region [a, b]: v1.0 takes mu +/- 3 sigma of the lambda with the tightest start ranges,
  widened by 5 %, cut where an ASH density falls below 5 % of its maximum (upper end at
  least the 85th percentile). With our density estimate this cut heavily skewed data too
  early (TSH, n = 1,000: b = 2.3 against a true 97.5th percentile of 4), so the region is
  ``_refiner._region``'s (a smoothed histogram above 2 % of its peak).
* Coarse rounding: v1.0 keeps NBins * f windows, which ends the histogram below b when
  [a, b] holds few reported values (AST in whole U/L, n = 100,000: at 29.5 of 40.5, the
  88th percentile; the upper limit came out 7 % low). Here the windows cover [a, b].
* Results below a detection limit (pooled at it) go to the lower catch-all bin, which
  then reaches down to 0.
* E uses the truncated Box-Cox normal (refineR >= 1.6); v1.0 used the untruncated one.
* Search: start values from a smoothed 128-bin histogram in the transformed scale (not
  ASH); the 8 zoom steps halve a 3 x 3 grid around the 3 best start points (v1.0: one);
  lambda refined by 2 (v1.0: 4) values inside each of the 4 grid intervals around the
  best; lambda <= 1 (as refineR >= 1.6.2). Bootstrap refits (``lams`` given) use every
  other start value and one zoom start.

Everything is vectorised over (rows, candidates, P values, bins).
"""

from __future__ import annotations

import numpy as np

from labstats.stats._ri_model import Sample, bc, count_le, inv_bc, model_cdf

_Z = 2.5758293035489004  # -qnorm(0.01 / 2)
_LEVELS = (0.5, 0.55, 0.6, 0.65, 0.7), (0.9, 0.94, 0.95, 0.96, 0.97)
_LOG_TINY = np.log(5e-324)
_STARTS = 3  # zoom starts per lambda


def hist(sample, cum, a, b, base):
    """Overlapping-window histogram of every row over [a, b] (original scale).

    Returns obs (B, nw + 2), left and right edges (nw + 2,) sorted by mid-point, and the
    number of windows ``nw`` (= the bins the 1/16 rule counts).
    """
    n_ab = float(count_le(sample, [b], cum)[0, 0] - count_le(sample, [a], cum)[0, 0])
    nbins = min(40.0, max(9.0, 11 * (n_ab / 5000) ** 0.2))
    over = int(round(256 / nbins))
    if base > 0:
        # refineR v1.0 keeps nbins * over windows, which for coarse rounding (few grid
        # values in [a, b]) ends the histogram well below b (e.g. AST in whole U/L: at the
        # 88th percentile); here the windows run over all fine bins of [a, b]
        step = np.ceil((b - a) / 256 / base) * base
        a = max(0.5 * base, np.round(a / base) * base - 0.5 * base)
        if a < sample.left:  # results pooled at the detection limit stay in the catch-all
            a += np.ceil((sample.left - a) / base) * base
        nfine = max(int(np.ceil((b - a) / step - 1e-9)), 1)
        over = max(1, int(round(nfine / nbins)))
        total = max(nfine - over + 1, 1)
        b = a + (total + over - 1) * step
    else:
        total = int(round(nbins)) * over
    fine = np.linspace(a, b, total + over)
    c = count_le(sample, fine, cum).astype(float)  # (B, total + over)
    win = c[:, over:over + total] - c[:, :total]
    n = cum[:, -1].astype(float)
    below = c[:, 0]
    above = n - c[:, -1]
    # the catch-all bins reach the data's extremes, or the model's whole range where
    # results are censored (pooled at the detection limit)
    lo_x = 0.0 if np.isfinite(sample.left) else max(float(sample.xs[0]), 1e-20)
    hi_x = np.inf if np.isfinite(sample.right) else float(sample.xs[-1])
    left = np.r_[min(lo_x, a), fine[:total], b]
    right = np.r_[a, fine[over:over + total], max(hi_x, b)]
    obs = np.concatenate([below[:, None], win, above[:, None]], axis=1)
    order = np.argsort(0.5 * (left + right), kind="stable")
    return obs[:, order], left[order], right[order], total


def expected(n, lam, mu, sigma, left, right, shift=0.0):
    """E (B, K, bins) for parameters (B, K), shift scalar or (B, 1), bin edges (bins,)."""
    shift = np.asarray(shift, float)
    shift = shift[..., None] if shift.ndim == 2 else shift
    f_r = model_cdf(right[None, None, :], lam[:, None, None], mu[..., None], sigma[..., None],
                    shift)
    f_l = model_cdf(left[None, None, :], lam[:, None, None], mu[..., None], sigma[..., None],
                    shift)
    return np.maximum(n[:, None, None] * (f_r - f_l), 0.0)


def p_range(sample, cum, e, left, right, lam, mu, sigma, shift):
    """(P_min, P_max) (B, K) from the observed and expected counts around the model's peak."""
    n = cum[:, -1].astype(float)
    peak = e.max(-1, keepdims=True)
    ipk = e.argmax(-1)[..., None]
    idx = np.arange(e.shape[-1])
    regions = [e >= 0.95 * peak]
    for lo, hi in zip(*_LEVELS, strict=True):
        band = (e >= lo * peak) & (e < hi * peak)
        regions += [band & (idx <= ipk), band & (idx >= ipk)]
    reg = np.stack(regions)  # (R, B, K, nb)
    has = reg.any(-1)
    lo = np.where(has, np.where(reg, left, np.inf).min(-1), 0.0)
    hi = np.where(has, np.where(reg, right, -np.inf).max(-1), 0.0)
    # observed: values in [lo, hi) (refineR sums the fine bins starting in it)
    r_, b_, k_ = lo.shape
    o = _count_between(sample, cum, lo.transpose(1, 0, 2).reshape(b_, -1),
                       hi.transpose(1, 0, 2).reshape(b_, -1)).reshape(b_, r_, k_)
    o = o.transpose(1, 0, 2)
    p = n[:, None] * (model_cdf(hi, lam[:, None], mu, sigma, shift)
                      - model_cdf(lo, lam[:, None], mu, sigma, shift))
    obs = np.where(has, o, 1.0)
    pred = np.where(has & (p > 0), p, 1.0)
    s = obs / pred
    # P_max: raise each region's ratio until the model (minus its band) exceeds the data
    r_up = ((_Z + np.sqrt(_Z**2 + 4 * obs)) / 2) ** 2 / pred
    p_max = _scan(s, r_up, +1)
    r_dn = ((-_Z + np.sqrt(_Z**2 + 4 * obs)) / 2) ** 2 / pred
    p_min = _scan(s, r_dn, -1)
    p_max = np.minimum(np.maximum(0.401, p_max), 1.0)
    p_min = np.maximum(0.4, p_min)
    return p_min, p_max


def _scan(s, target, sign):
    """refineR's joint 0.001-step scan of the region ratios, in closed form.

    Each unfinished ratio moves by 0.001 per step towards its target; the scan stops when
    all are done or one leaves [0.4, 1] (upward: > 1; downward: < 0.4). Returns the
    smallest ratio at the end (R, B, K -> B, K).
    """
    need = np.maximum(sign * (target - s), 0.0)  # distance each ratio still has to move
    need = np.ceil(np.round(need / 0.001, 9)) * 0.001
    bound = 1.0 if sign > 0 else 0.4
    start_ok = np.all(sign * (bound - s) >= 0, axis=0)
    # distance after which a moving ratio has passed the bound (if it gets there at all)
    stop = np.floor(np.round(sign * (bound - s) / 0.001, 9)) * 0.001 + 0.001
    stop = np.where((need > 0) & (stop <= need + 1e-12), stop, np.inf)
    t = np.minimum(need.max(0), stop.min(0))
    t = np.where(start_ok, t, 0.0)
    moved = s + sign * np.minimum(need, t[None])
    return moved.min(0)


def _count_between(sample, cum, lo, hi):
    """Values in [lo, hi) per row; lo, hi (B, K)."""
    b, k = lo.shape
    i_lo = np.searchsorted(sample.xs, lo.ravel(), side="left").reshape(b, k)
    i_hi = np.searchsorted(sample.xs, hi.ravel(), side="left").reshape(b, k)
    return (np.take_along_axis(cum, i_hi, 1) - np.take_along_axis(cum, i_lo, 1)).astype(float)


def cost(sample, cum, obs, left, right, nw, lam, mu, sigma, shift=0.0):
    """(cost, P) (B, K) of candidates mu, sigma (B, K) at lambda (B,); inf if inadmissible."""
    from scipy.special import gammaln

    n = cum[:, -1].astype(float)
    e = expected(n, lam, mu, sigma, left, right, shift)  # (B, K, nb)
    with np.errstate(invalid="ignore"):
        end = np.where(lam > 1e-9, -1.0 / np.maximum(lam, 1e-9), -np.inf)[:, None]
        ok = ((e >= 40).sum(-1) > nw / 16) & (mu - _Z * sigma > end)
    p_min, p_max = p_range(sample, cum, e, left, right, lam, mu, sigma, shift)
    step = np.clip((p_max - p_min) / 8, 0.0025, 0.005)
    p0 = np.minimum(p_max, 1.0 - 1e-20 - np.ceil((1.0 - 1e-20 - p_min) / step) * step)
    # the scan stops at the first P with more than m bins below the region; bin i is below
    # once P > ((z + sqrt(z^2 + 4 O_i)) / 2)^2 / E_i, so the last P scanned is the
    # (m + 1)-th smallest of these thresholds (only the P values up to it are scored)
    m = int(np.ceil(obs.shape[1] * 0.1 / 2))
    with np.errstate(divide="ignore"):
        thr = ((_Z + np.sqrt(_Z**2 + 4 * obs)) / 2)[:, None, :] ** 2 / e
    p_stop = np.minimum(p_max, np.partition(thr, m, axis=-1)[..., m])
    ok &= p0 <= p_stop + 1e-12
    steps = np.where(ok, np.floor((p_stop - p0) / step + 1e-9), -1).astype(int) + 1
    rows = np.broadcast_to(np.arange(e.shape[0])[:, None], steps.shape)
    lg = gammaln(np.round(obs) + 1)
    best = np.full(steps.shape, np.inf)
    pbest = np.full(steps.shape, np.nan)
    # candidates grouped by the length of their P scan (often <= 9 steps; up to 240)
    for lo_, hi_ in ((1, 9), (10, 20), (21, 40), (41, 80), (81, 400)):
        sel = (steps >= lo_) & (steps <= hi_)
        if not sel.any():
            continue
        r = rows[sel]
        c, pb = _scan_p(e[sel], obs[r], lg[r], p0[sel], step[sel], p_stop[sel], hi_ if
                        hi_ < 400 else int(steps[sel].max()), nw)
        best[sel], pbest[sel] = c, pb
    return best, pbest


def _scan_p(e, obs, lg, p0, step, p_max, nj, nw):
    """The P scan of M candidates: e, obs, lg (M, nb); p0, step, p_max (M,)."""
    j = np.arange(nj)
    p = p0[:, None] + step[:, None] * j  # (M, J)
    in_range = p <= p_max[:, None] + 1e-12
    o = obs[:, None, :]
    pe = p[..., None] * e[:, None, :]  # (M, J, nb)
    # transcendental functions on the (M, J) and (M, nb) factors only
    width = (_Z * np.sqrt(p))[..., None] * np.sqrt(e)[:, None, :]  # z sqrt(P E)
    n_below = (o < pe - width).sum(-1)
    max_below = int(np.ceil(obs.shape[1] * 0.1 / 2))
    # the scan stops at the first P with too many bins below the region
    go = np.cumprod((n_below <= max_below) & in_range, axis=-1).astype(bool)
    sel_peak = e >= 0.95 * e.max(-1, keepdims=True)
    used = sel_peak[:, None, :] | ((e >= 40)[:, None, :] & (o <= pe + p[..., None] * width))
    with np.errstate(divide="ignore", invalid="ignore"):
        oi = np.round(o)
        log_pe = np.log(p)[..., None] + np.log(e)[:, None, :]
        logp = np.where(pe > 0, oi * log_pe - pe - lg[:, None, :],
                        np.where(oi == 0, 0.0, -np.inf))
        term = logp + log_pe
    use = used & ~(logp < _LOG_TINY)  # R: a Poisson probability of 0 is left out
    k = use.sum(-1)
    total = np.where(use, term, 0.0).sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = -total / np.sqrt(k)
    c = np.where(go & (used.sum(-1) > nw / 16) & (k > 0), c, np.inf)
    jb = c.argmin(-1)
    m = np.arange(c.shape[0])
    return c[m, jb], p[m, jb]


# --------------------------------------------------------------------------- search
#: v1.0's lambda grid, (0, 0.1, ..., 1)^1.54542, cut at 1 as refineR >= 1.6.2 does.
LAMBDAS = np.linspace(0.0, 1.0, 11) ** 1.54542


def starts(sample, lam, shift, a, b):
    """Per lambda (B,): 9 mu and 13 sigma start values (B, 9), (B, 13), from the widths of
    the main peak (transformed scale) at 50, 55, ..., 95 % of its height, as v1.0: mu from
    the range of the width centres and the mode widened by half its length, sigma from
    min(left, right half-width) / sqrt(-2 ln level), its range widened by 2.5 x below and
    1 x above."""
    rows = lam.shape[0]
    mus, sgs = np.empty((rows, 9)), np.empty((rows, 13))
    for i in range(rows):
        ya, yb = bc(max(a - shift[i], 1e-12), lam[i]), bc(b - shift[i], lam[i])
        edges = np.linspace(ya, yb, 129)
        ex = inv_bc(edges, lam[i]) + shift[i]
        row = Sample(sample.xs, sample.w[i:i + 1])
        c = np.diff(count_le(row, ex)[0]).astype(float)
        k = np.bartlett(9)[1:-1]
        dens = np.convolve(c, k / k.sum(), mode="same")
        mid = 0.5 * (edges[1:] + edges[:-1])
        m = int(np.argmax(dens))
        w3 = dens[max(m - 1, 0):m + 2]
        mode = float((mid[max(m - 1, 0):m + 2] * w3).sum() / w3.sum())
        levels = np.arange(0.5, 0.951, 0.05)
        cent, sig = [], []
        for lev in levels:
            lo = np.flatnonzero((mid < mode) & (dens <= lev * dens[m]))
            hi = np.flatnonzero((mid > mode) & (dens <= lev * dens[m]))
            xl = mid[lo[-1]] if lo.size else mid[0]
            xr = mid[hi[0]] if hi.size else mid[-1]
            cent.append(0.5 * (xl + xr))
            sig.append(min(mode - xl, xr - mode) / np.sqrt(-2 * np.log(lev)))
        cent = np.r_[cent, mode]
        r = cent.max() - cent.min()
        mus[i] = np.linspace(cent.min() - 0.5 * r, cent.max() + 0.5 * r, 9)
        sig = np.asarray(sig)
        rs = sig.max() - sig.min()
        s_lo = max(sig.min() - 2.5 * rs, 0.02 * sig.max())  # sigma 0 is no model
        sgs[i] = np.linspace(s_lo, sig.max() + rs, 13)
    return mus, sgs


def fit_lambda(sample, cum, lam, shift, h, a0, b0, light=False):
    """Best (cost, mu, sigma, P) per row for lambda (B,): the 9 x 13 start grid, then 8
    zoom steps on a 3 x 3 grid around the best point (step halved each time).

    ``light`` (bootstrap refits): every other start value (5 x 7), one zoom start.
    """
    obs, left, right, nw = h
    mus, sgs = starts(sample, lam, shift, a0, b0)
    if light:
        mus, sgs = mus[:, ::2], sgs[:, ::2]
    mu = np.repeat(mus, sgs.shape[1], axis=1)
    sg = np.tile(sgs, (1, mus.shape[1]))
    c, p = cost(sample, cum, obs, left, right, nw, lam, mu, sg, shift[:, None])
    rows = np.arange(c.shape[0])
    # zoom around the _STARTS best grid points (the cost surface is rough: the bin
    # selection and the P grid make it jump), keep the best
    k = np.argsort(c, axis=1, kind="stable")[:, :1 if light else _STARTS]  # (B, S)
    best = np.take_along_axis(c, k, 1)
    bm, bs = np.take_along_axis(mu, k, 1), np.take_along_axis(sg, k, 1)
    bp = np.take_along_axis(p, k, 1)
    dmu, dsg = (mus[:, 1] - mus[:, 0])[:, None, None], (sgs[:, 1] - sgs[:, 0])[:, None, None]
    off = np.array(np.meshgrid([-1, 0, 1], [-1, 0, 1], indexing="ij")).reshape(2, -1)
    nb_ = rows.size
    for _ in range(8):
        mu_g = bm[..., None] + off[0] * dmu  # (B, S, 9)
        sg_g = np.maximum(bs[..., None] + off[1] * dsg, 1e-3 * dsg)
        cc, pp = cost(sample, cum, obs, left, right, nw, lam, mu_g.reshape(nb_, -1),
                      sg_g.reshape(nb_, -1), shift[:, None])
        cc, pp = cc.reshape(mu_g.shape), pp.reshape(mu_g.shape)
        j = cc.argmin(-1)[..., None]
        cj = np.take_along_axis(cc, j, -1)[..., 0]
        better = cj < best
        best = np.where(better, cj, best)
        bm = np.where(better, np.take_along_axis(mu_g, j, -1)[..., 0], bm)
        bs = np.where(better, np.take_along_axis(sg_g, j, -1)[..., 0], bs)
        bp = np.where(better, np.take_along_axis(pp, j, -1)[..., 0], bp)
        dmu, dsg = dmu / 2, dsg / 2
    i = best.argmin(1)
    best, bm, bs, bp = (v[rows, i] for v in (best, bm, bs, bp))
    return best, bm, bs, bp


def search(sample, cum, shift, a0, b0, lams=None):
    """(lambda, cost, mu, sigma, P) per row: v1.0's lambda grid, then 2 values inside each
    of the 4 grid intervals around the best lambda (none when ``lams`` is given)."""
    bsz = sample.w.shape[0]
    rows = np.arange(bsz)
    base = getattr(sample, "base", 0.0)
    h = hist(sample, cum, a0, b0, base)
    grid = LAMBDAS if lams is None else np.asarray(lams, float)
    res = [fit_lambda(sample, cum, np.full(bsz, lam), shift, h, a0, b0, lams is not None)
           for lam in grid]
    cost_ = np.array([r[0] for r in res])
    i = cost_.argmin(0)
    best = [np.array([r[k] for r in res])[i, rows] for k in range(4)]
    lam_best = grid[i]
    if lams is None:  # refine: 4 inner points of each neighbouring interval (per row)
        ii = np.clip(i, 2, grid.size - 3)
        fr = (1 / 3, 2 / 3)  # v1.0 tries 4 per interval; 2 keep the time near a second
        for d in (-2, -1, 0, 1):
            g0, g1 = grid[ii + d], grid[ii + d + 1]
            for f in fr:
                lam = g0 + f * (g1 - g0)
                r = fit_lambda(sample, cum, lam, shift, h, a0, b0)
                better = r[0] < best[0]
                best = [np.where(better, r[k], best[k]) for k in range(4)]
                lam_best = np.where(better, lam, lam_best)
    return lam_best, *best
