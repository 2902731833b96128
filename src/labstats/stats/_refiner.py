"""refiner: inverse modelling of the histogram, after Ammer et al. 2021 (Sci Rep 11:16023).

Model, as published: the non-pathological (NP) values follow a truncated Box-Cox normal
(lambda, mu, sigma; optionally a shift, the "modified Box-Cox"); the data are a mixture
of them (share P) and pathological values, which can only *add* counts. Two costs rank
the candidates (``options={"cost": ...}``):

* ``"profile"`` (default, ours): equal bins in the transformed scale over the main peak
  (clamp(11 (N/5000)^(1/5), 9, 40) of them plus two catch-alls; mode +/- 4 peak-width
  sigmas, at least the central 90 % of the values). A bin counts only where the model
  expects >= 20 values and the observed count is not significantly above it
  (alpha = 0.01); P is profiled (the largest share at which at most 5 % of the bins fall
  significantly below the model) and candidates are ranked by -P + 0.01 x the mean
  Poisson deviance of the used bins. Search: lambda on 0, 0.1, ..., 1 refined by
  +/- 0.025 and 0.05; per lambda a 9 x 13 (mu, sigma) grid from the main peak's widths
  at 50-90 % of its height, then 8 zoom steps on a 3 x 3 grid.
* ``"paper"``: refineR v1.0's cost as the paper defines it -- overlapping histogram
  windows in the original scale, the asymmetric confidence region, the P scan and
  -sum log[Poisson(O; P E) P E] / sqrt(#bins) -- in ``_refiner_paper``, whose docstring
  lists it and where it departs from v1.0.

Why the default is not the paper's (figures: docs/guide/indirect_reference_intervals.md,
"refiner's cost"; ``benchmarks/bench_refiner_cost.py``): the paper's cost is better with
more than 20 % pathological values and on refineR's five test cases, but it prefers
too-narrow models when the pathological values are few and on one side, and on coarsely
rounded real data (NHANES albumin in whole g/L: 42.3-45.8 g/L with P at its floor 0.4,
against a direct 38-50). Bins above the confidence region are dropped without penalty,
and -sum/sqrt(#bins) falls when a low-count tail bin is dropped, so fitting a few central
bins exactly beats explaining the tails. refineR 1.6.0 added a tail regularisation term
(NEWS.md), which is not published in detail and not implemented here.

Shared by both: the main-peak region (``_region``: where a smoothed fine histogram stays
above 2 % of its peak, stopping at a second mode) and the modified Box-Cox shift (damped
steps towards the model's mu - 5 sigma point, keeping the lowest cost; held fixed in
bootstrap resamples).

All arrays carry a leading batch axis (one row per bootstrap resample), so resamples
are fitted together without a Python loop over them.
"""

from __future__ import annotations

import numpy as np

from labstats.stats._ri_model import (
    Sample,
    bc,
    count_le,
    inv_bc,
    model_quantile,
    rounding_base,
    wquantile,
)

_Z = 2.5758293035489  # two-sided alpha = 0.01 band of the observed counts
_EMIN = 20.0
_REACH = 4.0
_W = 1e-2  # weight of the fit (mean deviance per used bin) against P


def _region(sample: Sample):
    """Main-peak region [a, b] of the first row (x scale)."""
    one = Sample(sample.xs, sample.w[:1])
    q01, q99 = wquantile(one, [0.01, 0.99])[0]
    rng = q99 - q01
    a, b = q01 - 0.1 * rng, q99 + 0.1 * rng
    a = max(a, sample.xs[0] if sample.xs[0] > 0 else 0.0, sample.left)
    b = min(b, sample.right)
    n = int(one.n[0])
    nf = int(np.clip(n // 20, 32, 256))
    base = getattr(sample, "base", 0.0)
    if base > 0:  # at least two reported grid values per fine bin
        nf = int(max(8, min(nf, (b - a) / (2 * base))))
    edges = np.linspace(a, b, nf + 1)
    c = np.diff(count_le(one, edges)[0]).astype(float)
    dens = np.convolve(c, np.ones(7) / 7, mode="same")
    m = int(np.argmax(dens))
    peak = dens[m]

    def walk(step):
        i, low = m, peak
        while 0 <= i + step < nf:
            d = dens[i + step]
            if d < 0.02 * peak or (low < 0.5 * peak and d > 1.5 * low + 1e-12
                                   and d > low + 3 * np.sqrt(low * 7 + 1) / 7):
                break
            low = min(low, d)
            i += step
        return i

    lo_i, hi_i = walk(-1), walk(1)
    return float(edges[lo_i]), float(edges[hi_i + 1])


def _nbins(n):
    return int(np.clip(np.round(11 * (n / 5000) ** 0.2), 9, 40))


def _hist(sample, cum, lam, shift, a, b, nb, ya=None, yb=None):
    """Observed counts (B, nb + 2) and transformed edges (B, nb + 1) per row's lambda.

    Bins span [a, b] (x scale), or [ya, yb] (transformed scale, per row) when given.
    """
    if ya is None:
        ya, yb = bc(a - shift, lam), bc(b - shift, lam)
    ey = ya[:, None] + (yb - ya)[:, None] * np.linspace(0, 1, nb + 1)[None, :]
    ex = inv_bc(ey, lam[:, None]) + shift[:, None]
    base = getattr(sample, "base", 0.0)
    if base > 0:  # edges half-way between grid values, so no bin straddles a reported value
        ex = (np.floor(ex / base) + 0.5) * base
        ex = np.maximum.accumulate(ex, axis=1)
        ey = bc(np.maximum(ex - shift[:, None], 1e-300), lam[:, None])
    c = count_le(sample, ex, cum).astype(float)
    n = cum[:, -1].astype(float)[:, None]
    obs = np.concatenate([c[:, :1], np.diff(c, axis=1), n - c[:, -1:]], axis=1)
    return obs, ey


def _bin_probs(ey, lam, mu, sigma):
    """Model probability of each bin incl. the two catch-alls; mu, sigma (B, K)."""
    from scipy.special import ndtr

    end = np.where(lam > 1e-9, -1.0 / np.maximum(lam, 1e-9), -np.inf)[:, None]
    f0 = ndtr((end - mu) / sigma)  # (B, K)
    f = (ndtr((ey[:, None, :] - mu[..., None]) / sigma[..., None]) - f0[..., None]) \
        / (1.0 - f0[..., None])
    f = np.clip(f, 0.0, 1.0)
    return np.concatenate([f[..., :1], np.diff(f, axis=-1), 1.0 - f[..., -1:]], axis=-1)


def _cost(obs, e):
    """(cost, P) (B, K) for bin probabilities e (B, K, nb); P profiled out.

    P is the largest share (0.4-1) at which at most 5 % of the bins fall significantly
    below the model: bin i falls below once sqrt(P N e_i) > (z + sqrt(z^2 + 4 O_i)) / 2,
    so each bin gives a threshold and P is the matching order statistic of them.
    """
    n = obs.sum(axis=1).astype(float)[:, None, None]
    o = obs[:, None, :].astype(float)
    with np.errstate(divide="ignore"):
        thr = ((_Z + np.sqrt(_Z**2 + 4 * o)) / 2) ** 2 / (n * e)  # (B, K, nb)
    nb = e.shape[-1]
    j = int(np.floor(0.05 * nb))
    p = np.clip(np.partition(thr, j, axis=-1)[..., j], 0.0, 1.0)
    ex = n * p[..., None] * e
    big = ex >= _EMIN
    used = big & (o <= ex + _Z * np.sqrt(ex))
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = 2 * (np.where(o > 0, o * np.log(o / ex), 0.0) - (o - ex))
    k = used.sum(-1)
    dev = np.where(used, dev, 0.0).sum(-1) / np.maximum(k, 1)
    # lexicographic: explain as many values as possible (P), then fit the used bins
    cost = -p + _W * dev
    return np.where((k < 3) | (p < 0.4), np.inf, cost), p


def _starts(sample, cum, lam, shift, a, b):
    """(mu, sigma) start grids (B, 9*13) from the main peak's widths in the transformed scale."""
    nb = 64
    obs, ey = _hist(sample, cum, lam, shift, a, b, nb)
    width = np.diff(ey, axis=1)  # 0 where snapping to the rounding grid merged edges
    dens = np.where(width > 0, obs[:, 1:-1] / np.where(width > 0, width, 1.0), 0.0)
    # a merged (zero-width) bin takes the density of the bin before it
    idx_ok = np.where(width > 0, np.arange(width.shape[1])[None, :], 0)
    dens = np.take_along_axis(dens, np.maximum.accumulate(idx_ok, axis=1), axis=1)
    k = np.ones(5) / 5
    dens = np.apply_along_axis(lambda r: np.convolve(r, k, mode="same"), 1, dens)
    mid = 0.5 * (ey[:, 1:] + ey[:, :-1])
    m = np.argmax(dens, axis=1)
    rows = np.arange(dens.shape[0])
    peak = dens[rows, m]
    cs, ss = [], []
    idx = np.arange(nb)[None, :]
    for lev in (0.5, 0.6, 0.7, 0.8, 0.9):
        under = dens < lev * peak[:, None]
        left = np.where(under & (idx < m[:, None]), idx, -1).max(1)
        right = np.where(under & (idx > m[:, None]), idx, nb).min(1)
        xl = mid[rows, np.clip(left, 0, nb - 1)]
        xr = mid[rows, np.clip(right, 0, nb - 1)]
        hw_l, hw_r = mid[rows, m] - xl, xr - mid[rows, m]
        f = np.sqrt(-2 * np.log(lev))
        cs += [0.5 * (xl + xr), mid[rows, m]]
        ss += [np.minimum(hw_l, hw_r) / f, np.maximum(hw_l, hw_r) / f]
    cs, ss = np.array(cs), np.array(ss)
    width = ey[:, -1] - ey[:, 0]
    # the central 90 % of the values as a floor for the widths (coarse data, flat peaks)
    q05, q95 = sample.q0595
    s_rob = (bc(np.maximum(q95 - shift, 1e-300), lam) - bc(np.maximum(q05 - shift, 1e-300), lam)) \
        / 3.29
    smin = np.maximum(np.minimum(ss.min(0) * 0.7, 0.3 * s_rob), width / 200)
    smax = np.maximum(np.maximum(ss.max(0) * 1.3, 1.3 * s_rob), smin * 1.5)
    spread = 0.5 * np.maximum(np.median(ss, axis=0), 0.5 * s_rob)
    mu = np.linspace(cs.min(0) - spread, cs.max(0) + spread, 9).T  # (B, 9)
    sg = np.exp(np.linspace(np.log(smin), np.log(smax), 13)).T  # (B, 13)
    mu_g = np.repeat(mu, 13, axis=1)
    sg_g = np.tile(sg, (1, 9))
    centre, spread = mid[rows, m], np.maximum(np.median(ss, axis=0), 0.5 * s_rob)
    return mu_g, sg_g, (mu[:, 1] - mu[:, 0]), np.log(sg[:, 1] / sg[:, 0]), centre, spread


def _fit_lambda(sample, cum, lam, shift, a, b, nb):
    """Best (cost, mu, sigma, p) per row for a fixed lambda per row (B,)."""
    mu, sg, dmu, dls, centre, spread = _starts(sample, cum, lam, shift, a, b)
    # the fitting histogram covers the main peak: mode +/- _REACH peak-width sigmas, and
    # at least the central 90 % of the values (coarse, rounded data give a poor width)
    q05, q95 = sample.q0595
    ya = np.maximum(bc(a - shift, lam), np.minimum(centre - _REACH * spread,
                                                   bc(np.maximum(q05 - shift, 1e-300), lam)))
    yb = np.minimum(bc(b - shift, lam), np.maximum(centre + _REACH * spread,
                                                   bc(np.maximum(q95 - shift, 1e-300), lam)))
    obs, ey = _hist(sample, cum, lam, shift, a, b, nb, ya, yb)
    c, pk = _cost(obs, _bin_probs(ey, lam, mu, sg))  # (B, K)
    rows = np.arange(c.shape[0])
    ki = c.argmin(1)
    best, bm, bs, bp = c[rows, ki], mu[rows, ki], sg[rows, ki], pk[rows, ki]
    off = np.array(np.meshgrid([-1, 0, 1], [-1, 0, 1], indexing="ij")).reshape(2, -1)
    for _ in range(8):
        dmu, dls = dmu / 2, dls / 2
        mu_g = bm[:, None] + off[0][None, :] * dmu[:, None]
        sg_g = bs[:, None] * np.exp(off[1][None, :] * dls[:, None])
        cc, pp = _cost(obs, _bin_probs(ey, lam, mu_g, sg_g))  # (B, 9)
        j = cc.argmin(1)
        better = cc[rows, j] < best
        best = np.where(better, cc[rows, j], best)
        bm = np.where(better, mu_g[rows, j], bm)
        bs = np.where(better, sg_g[rows, j], bs)
        bp = np.where(better, pp[rows, j], bp)
    return best, bm, bs, bp


def _search(sample, cum, shift, a, b, nb, lams=None):
    bsz = sample.w.shape[0]
    rows = np.arange(bsz)
    lams = np.linspace(0, 1, 11) if lams is None else np.asarray(lams, float)
    res = [_fit_lambda(sample, cum, np.full(bsz, lam), shift, a, b, nb) for lam in lams]
    cost = np.array([r[0] for r in res])  # (n_lambda, B)
    i = cost.argmin(0)
    best = [np.array([r[k] for r in res])[i, rows] for k in range(4)]
    lam_best = lams[i]
    for d in (-0.05, -0.025, 0.025, 0.05):
        lam = np.clip(lam_best + d, 0.0, 1.0)
        r = _fit_lambda(sample, cum, lam, shift, a, b, nb)
        better = r[0] < best[0]
        best = [np.where(better, r[k], best[k]) for k in range(4)]
        lam_best = np.where(better, lam, lam_best)
    return lam_best, *best


def fit(sample: Sample, limits, *, model: str = "boxcox", shift=None, lams=None,
        cost: str = "profile"):
    """Fit every row; dict of arrays (B,): lam, mu, sigma, shift, p_np, cost, limits (B, L).

    ``lams``: the coarse lambda grid (default 0, 0.1, ..., 1); ``shift``: a fixed shift;
    ``cost``: "profile" (ours, the default) or "paper" (refineR v1.0's, ``_refiner_paper``).
    """
    if model not in ("boxcox", "modboxcox"):
        raise ValueError(f"unknown refiner model {model!r}; valid: boxcox, modboxcox")
    if cost not in ("paper", "profile"):
        raise ValueError(f"options: unknown refiner cost {cost!r}; use {{'cost': 'profile'}} "
                         "(the default) or {'cost': 'paper'} (Ammer et al. 2021)")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _fit(sample, limits, model, shift, lams, cost)


def _fit(sample, limits, model, shift, lams, cost="profile"):
    if sample.xs[-1] <= 0:
        raise ValueError("method='refiner' needs positive values")
    bsz = sample.w.shape[0]
    cum = sample.cum
    inner = sample.xs[(sample.xs > sample.left) & (sample.xs < sample.right)]
    sample.base = rounding_base(inner)
    a, b = _region(sample)
    sample.q0595 = wquantile(Sample(sample.xs, sample.w[:1]), [0.05, 0.95])[0]
    nb = _nbins(int(cum[0, -1]))
    if cost == "paper":
        from labstats.stats._refiner_paper import search
    else:
        def search(smp, cm, sh, lo, hi, lams=None):
            return _search(smp, cm, sh, lo, hi, nb, lams)
    if shift is None and model == "modboxcox":
        best = None
        s = 0.0
        for _ in range(4):  # damped steps towards the model's mu - 5 sigma point
            one = Sample(sample.xs, sample.w[:1])
            one.base, one.q0595 = sample.base, sample.q0595
            out = search(one, cum[:1], np.array([s]), max(a, s + 1e-9 * (b - a)), b)
            if best is None or out[1][0] < best[1][0]:
                best, best_s = out, s
            low = float(inv_bc(out[2][0] - 5 * out[3][0], out[0][0]))
            s_new = s + 0.5 * low
            if not np.isfinite(s_new) or s_new >= a or abs(s_new - s) < 1e-6 * (b - a):
                break
            s = s_new
        shift = best_s
    shift = np.full(bsz, 0.0 if shift is None else float(shift))
    a_eff = max(a, float(shift[0]) + 1e-9 * (b - a))
    lam, cost, mu, sg, p = search(sample, cum, shift, a_eff, b, lams)
    lims = model_quantile(np.asarray(limits)[None, :], lam[:, None], mu[:, None],
                          sg[:, None], shift[:, None])
    # no admissible candidate (every cost infinite: no model explains 40 % of the values,
    # e.g. three equal modes): the first grid point is no estimate; NaN, reported
    lims = np.where(np.isfinite(cost)[:, None], lims, np.nan)
    return {"lam": lam, "mu": mu, "sigma": sg, "shift": shift, "p_np": p, "cost": cost,
            "limits": lims}
