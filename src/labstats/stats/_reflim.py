"""reflim: truncated Q-Q plot after an iterated boxplot (Hoffmann, Klawonn et al.).

Implemented from the method's publications [1]_ [2]_ and the behaviour documented for
reflimR 1.1.0 (no code copied; reflimR is GPL-2):

1. Model: normal or lognormal, chosen by Bowley's quartile skewness of x and ln x
   (lognormal when skew(x) >= 0 and skew(x) - skew(ln x) >= 0.05).
2. Truncation ("iBoxplot"): keep median +/- k * min(Q2 - Q1, Q3 - Q2), where
   k = z(t) / z(quartile of a normal already truncated at the previous target); five
   warm-up passes with t = 1 - q i / 5, i = 1..5 (99.5 % to 97.5 % at the default q),
   then t = 1 - q repeated until the kept set stops changing (q = ``perc_trunc`` / 100,
   default 2.5 %). Share of
   non-pathological values: n_kept / (1 - 2q) / n.
3. Estimation: 100 quantiles of the kept values (probabilities 0..1) against normal
   quantiles at q..1-q; least squares on points 5-95 gives mean (intercept) and SD
   (slope); limits mean + z_p SD, back-transformed.
4. 95 % CIs (used when ``bootstrap=0``): on the model scale, with s = SD and n the
   total, the outer side +/- s 5.81 / (sqrt(n) + 0.66), the inner side
   s 7.26 / (sqrt(n) - 5.58) (reflimR's ``conf_int95``; its derivation is not given).

Everything runs on a batch of count rows (one per bootstrap resample) at once.

References: [1] G. Hoffmann et al., J. Lab. Med. 2015, doi:10.1515/labmed-2015-0104;
[2] G. Hoffmann, S. Klawitter, I. Trulson, F. Klawonn, J. Clin. Med. 2024;13:4397,
doi:10.3390/jcm13154397.
"""

from __future__ import annotations

import numpy as np

from labstats.stats._ri_model import Sample, wquantile


def _bowley(q):
    return (q[..., 0] - 2 * q[..., 1] + q[..., 2]) / (q[..., 2] - q[..., 0])


def choose_log(sample: Sample) -> bool:
    """reflimR's model choice on the first row (quartile skewness of x and ln x)."""
    one = Sample(sample.xs, sample.w[:1], sample.left, sample.right)
    q = wquantile(one, [0.25, 0.5, 0.75])[0]
    if np.any(q <= 0):
        return False
    s_lin = _bowley(q)
    s_log = _bowley(np.log(q))  # quantiles commute with the monotone log
    # a tolerance of 1e-9 so that rounding noise (e.g. after a change of unit) cannot flip
    # a tie such as quartiles 16, 23, 30 (skewness exactly 0)
    return bool(s_lin >= -1e-9 and s_lin - s_log >= 0.05 - 1e-9)


def _zq(t_prev):
    from scipy.special import ndtri

    # quartile of a normal truncated at 1 - t_prev on each side: 0.75 - q/2
    return ndtri(0.75 - (1.0 - t_prev) / 2.0)


def _truncate(y, w, perc_trunc, left, right):
    """Iterated boxplot on transformed support ``y`` for count rows ``w``: kept mask (B, M)."""
    from scipy.special import ndtri

    b = w.shape[0]
    keep = np.ones(w.shape, bool)
    t_prev = np.ones(b)  # untruncated
    q = perc_trunc / 100.0
    targets = [1 - q * i / 5 for i in range(1, 6)] + [1 - q] * 60
    ys = Sample(y, w)
    for it, t in enumerate(targets):
        ys.w = w * keep
        qs = wquantile(ys, [0.25, 0.5, 0.75])
        if np.any(qs[:, 0] <= left) or np.any(qs[:, 2] >= right):
            raise _Censored
        k = ndtri(t) / _zq(t_prev)
        half = np.minimum(qs[:, 1] - qs[:, 0], qs[:, 2] - qs[:, 1])
        lo, hi = qs[:, 1] - k * half, qs[:, 1] + k * half
        new = keep & (y[None, :] >= lo[:, None]) & (y[None, :] <= hi[:, None])
        t_prev = np.full(b, t)
        if it >= 5 and np.array_equal(new, keep):
            break
        keep = new
    return keep


class _Censored(Exception):
    pass


def fit(sample: Sample, limits, *, perc_trunc: float = 2.5, log: bool | None = None):
    """Fit every row of ``sample``; dict of arrays (B,): lam, mu, sigma, p_np, limits."""
    from scipy.special import ndtri

    if isinstance(perc_trunc, bool) or not isinstance(perc_trunc, (int, float)) \
            or not 0 < perc_trunc <= 25:
        raise ValueError(f"options: reflim's perc_trunc is the percentage truncated on each "
                         f"side, a number in (0, 25] (reflimR: 2.5; 5 for overlapping "
                         f"subgroups); got {perc_trunc!r}")
    if log not in (None, True, False):
        raise ValueError(f"options: reflim's log is True (lognormal), False (normal) or None "
                         f"(Bowley's rule chooses); got {log!r}")
    if log is None:
        log = choose_log(sample)
    xs = sample.xs
    if log and xs[0] <= 0:
        raise ValueError("method='reflim' with a lognormal model needs positive values")
    y = np.log(xs) if log else xs
    tr = np.log if log else (lambda v: v)
    left = tr(sample.left) if np.isfinite(sample.left) else -np.inf
    right = tr(sample.right) if np.isfinite(sample.right) else np.inf
    try:
        keep = _truncate(y, sample.w, perc_trunc, left, right)
    except _Censored:
        raise ValueError("method='reflim': a quartile lies in the censored range (more than "
                         "25 % of values are below the detection limit); use method='tmc', "
                         "which is designed for censored data") from None
    q = perc_trunc / 100.0
    kept = Sample(y, sample.w * keep)
    n_kept = kept.n.astype(float)
    probs = np.linspace(0.0, 1.0, 100)
    sq = wquantile(kept, probs)  # (B, 100)
    tq = ndtri(np.linspace(q, 1 - q, 100))
    use = np.zeros((sq.shape[0], 100), bool)
    use[:, 4:95] = True  # points 5-95
    use &= (sq > left) & (sq < right)  # a censored quantile is not a point of the line
    wts = use.astype(float)
    sw = wts.sum(1)
    mx = (wts * tq).sum(1) / sw
    my = (wts * sq).sum(1) / sw
    slope = (wts * (tq - mx[:, None]) * (sq - my[:, None])).sum(1) / \
        (wts * (tq - mx[:, None]) ** 2).sum(1)
    mu = my - slope * mx
    z = ndtri(np.asarray(limits, float))
    lim_y = mu[:, None] + slope[:, None] * z[None, :]
    lims = np.exp(lim_y) if log else lim_y
    n = sample.n.astype(float)
    return {"lam": np.full(mu.shape, 0.0 if log else 1.0), "mu": mu, "sigma": slope,
            "shift": np.zeros(mu.shape), "p_np": np.minimum(n_kept / (1 - 2 * q) / n, 1.0),
            "limits": lims, "log": log, "n_kept": n_kept}


def formula_ci(fitted, n):
    """reflimR's 95 % CIs of the two limits (lower, upper): ((lo, hi), (lo, hi))."""
    s = fitted["sigma"][0]
    log = fitted["log"]
    lims = fitted["limits"][0]
    y = np.log(lims) if log else lims
    outer = s * 5.81 / (np.sqrt(n) + 0.66)
    inner = s * 7.26 / (np.sqrt(n) - 5.58)
    lo = (y[0] - outer, y[0] + inner)
    hi = (y[-1] - inner, y[-1] + outer)
    back = np.exp if log else (lambda v: v)
    return [tuple(float(back(v)) for v in lo), tuple(float(back(v)) for v in hi)]
