"""Method-comparison regression: Passing-Bablok and Deming.

Both take paired measurements of the same samples, ``x`` by the comparison (reference)
method and ``y`` by the test method, and return the tidy frame of
:mod:`labstats.stats.agreement` (``statistic, estimate, se, ci_low, ci_high, df, p_value,
n_obs, method``). Pairs with a missing value are left out; degenerate inputs (a constant
method, fewer than 3 pairs, infinite values) raise ``ValueError``. Nothing is rounded.
"""

from __future__ import annotations

import numpy as np

from labstats._validate import as_constant, warn
from labstats.stats._common import (
    check_confidence,
    check_method,
    frame,
    paired,
    require_spread,
)
from labstats.stats._deming import (
    _WDEMING_MAX_ITER,
    _deming_fit,
    _jackknife_deming,
    _jackknife_wdeming,
    _wdeming_fit,
)

__all__ = ["deming", "passing_bablok"]


# --------------------------------------------------------------------------- Passing-Bablok
_PB_MAX_N = 20_000  # 2e8 pairwise slopes: 1.6 GB for their angles (8 bytes a pair)
_PB_BLOCK = 1 << 18  # pairs made at once: bounds the temporaries (~15 MB)


def _pair_angles(a, b):
    """Sorted angles arctan(dy/dx) of all pairs (vertical: pi/2), identical pairs last as NaN.

    Built in blocks of rows of the upper triangle and sorted in place, so that memory is
    one float per pair (not the ~50 bytes of index and difference arrays made at once).
    """
    n = a.size
    out = np.empty(n * (n - 1) // 2)
    per_row = np.arange(n - 1, 0, -1)  # row i pairs with j = i+1..n-1
    ends = np.cumsum(per_row)
    start = same = 0
    while start < n - 1:  # one iteration per block of rows, not per pair
        stop = max(start + 1, int(np.searchsorted(ends, ends[start] - per_row[start]
                                                  + _PB_BLOCK, side="right")))
        rows = np.arange(start, stop)
        cnt = per_row[start:stop]
        first = ends[start] - cnt[0]
        i = np.repeat(rows, cnt)
        j = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt) + i + 1
        dx, dy = a[j] - a[i], b[j] - b[i]
        with np.errstate(divide="ignore", invalid="ignore"):
            ang = np.where(dx != 0, np.arctan(dy / dx), np.pi / 2)
        none = (dx == 0) & (dy == 0)  # identical pairs give no slope
        ang[none] = np.nan
        same += int(none.sum())
        out[first:first + ang.size] = ang
        start = stop
    out.sort()  # in place; NaN last
    return out[:out.size - same]


def _pb_core(a, b, z, rule):
    """Slope (estimate, low, high) for positively related x, y; Passing & Bablok 1983."""
    s = _pair_angles(a, b)  # sorted angles of the defined slopes
    n = a.size
    c = z * np.sqrt(n * (n - 1) * (2 * n + 5) / 18.0)  # Eq. of Sect. 3.2 of [1]
    q = -np.pi / 4
    if rule == "passing_bablok1983":
        # slopes of -1 (angles within 1e-15 of -pi/4) are left out: a run of the sorted
        # angles starting at e0, the number of slopes < -1
        e0 = int(np.searchsorted(s, q - 1e-15, side="left"))
        drop = int(np.searchsorted(s, q + 1e-15, side="right")) - e0
        big_n = s.size - drop
        k = e0

        def at(r):  # r-th (1-based) of the kept slopes
            r -= 1
            t = np.tan(s[r if r < e0 else r + drop])
            return np.inf if np.isclose(abs(t), np.tan(np.pi / 2)) else t

        if big_n % 2:
            est = at((big_n + 1) // 2 + k)
        else:
            est = 0.5 * (at(big_n // 2 + k) + at(big_n // 2 + k + 1))
        m1 = int(np.round((big_n - c) / 2))
        m2 = big_n - m1 + 1
        lo = at(m1 + k) if m1 + k >= 1 else -np.inf
        hi = at(m2 + k) if m2 + k <= big_n else np.inf
        return est, lo, hi
    # "mcr": quantiles on the sorted angles in half-rank units, averaging two neighbours
    big_n = s.size
    below = int(np.searchsorted(s, q, side="left"))  # angles < -pi/4
    upto = int(np.searchsorted(s, q, side="right"))  # angles <= -pi/4
    off = upto + below

    def at(idx2):
        h = (idx2 + 1) // 2
        return s[h - 1] if idx2 % 2 else 0.5 * (s[h - 1] + s[h])

    est = np.tan(at(big_n + off))
    i_lo = int(np.round(big_n - c + off))
    lowest = 2 * (upto - below) + 1
    lo = -np.inf if i_lo < lowest else np.tan(at(i_lo))
    i_hi = int(np.round(big_n + c + off))
    hi = np.inf if i_hi > 2 * big_n - 1 else np.tan(at(i_hi))
    return est, lo, hi


def _cusum(a, b, slope, intercept):
    """Largest |CUSUM| of residual scores, Sect. 5 of Passing & Bablok (1983)."""
    from scipy import special

    r = b - intercept - slope * a
    # a point on the line has residual 0 (score 0), also when rounding in the slope (tan of
    # an angle: 0.9999999999999999 for 1) leaves it 1e-16 off: integer-valued data would
    # otherwise get scores of the sign of that noise, and the test a spurious rejection
    scale = np.max(np.abs(b)) + np.max(np.abs(slope * a)) + abs(intercept)
    # 1e-12: ~1e4 ulp of the terms (tan(pi/4) is 1 ulp, 1.1e-16, off), far below any
    # residual of data recorded to fewer than 12 significant digits
    r[np.abs(r) <= 1e-12 * scale] = 0.0
    pos, neg = int(np.sum(r > 0)), int(np.sum(r < 0))
    score = np.zeros(a.size)
    if pos and neg:
        score[r > 0] = np.sqrt(neg / pos)
        score[r < 0] = -np.sqrt(pos / neg)
    # points in their order along the line: projection on its direction (1, slope), defined
    # for every slope (the paper's (y + x/b - a)/sqrt(1 + 1/b^2) is the same order for b > 0,
    # the reverse for b < 0, which leaves max|cusum| unchanged, and 0/0 for b = 0)
    t = a + slope * b
    order = np.argsort(t, kind="stable")
    cs = np.cumsum(score[order])
    # points at one place along the line (rounded data: (3, 4) and (4, 3) on y = x) have no
    # order among them: the sum is taken after each such group, never inside it, where the
    # rows' order (or rounding noise in the slope) would decide
    ts = t[order]
    ends = np.append(np.diff(ts) > 1e-12 * (np.max(np.abs(a)) + np.max(np.abs(slope * b))),
                     True)
    h = np.max(np.abs(cs[ends])) / np.sqrt(neg + 1)
    return h, float(special.kolmogorov(h))


def passing_bablok(x, y, *, confidence: float = 0.95, ci_rule: str = "mcr"):
    r"""Passing-Bablok regression of ``y`` on ``x`` with CIs and the CUSUM linearity test.

    The slope is the shifted median of all pairwise slopes, and the intercept the
    median of :math:`y_i - b x_i` [1]_.

    Parameters
    ----------
    x, y : array_like or pandas.Series
        Paired measurements by the comparison and the test method. [any unit, the same]
    confidence : float, default 0.95
        Level of the CIs of slope and intercept.
    ci_rule : {"mcr", "passing_bablok1983"}, default "mcr"
        How the rank of a CI limit is turned into a slope. ``"passing_bablok1983"``:
        ranks :math:`M_1 = \mathrm{round}((N-C)/2)` and :math:`N - M_1 + 1` of the
        sorted slopes, as printed in [1]_. ``"mcr"``: the limits are quantiles of the
        slope angles at the unrounded half-ranks, averaging two neighbours as for the
        median (R package mcr [2]_ and Analyse-it/Calanas).

    Returns
    -------
    pandas.DataFrame
        Rows ``slope``, ``intercept`` (estimate, ci_low, ci_high) and ``cusum``
        (the linearity statistic :math:`\max|\mathrm{cusum}|/\sqrt{L+1}` with its
        Kolmogorov-Smirnov ``p_value``; a small p-value speaks against linearity).

    Raises
    ------
    ValueError
        Different lengths, fewer than 3 pairs, an infinite value, or ``x`` (or ``y``)
        all equal: then every pairwise slope is undefined (or 0) and no fit exists.

    Notes
    -----
    The procedure assumes the two methods are positively related; when Kendall's tau
    is negative, it runs on ``-y`` and flips the result back, as mcr does. The CI of the
    intercept, medians of :math:`y_i - b x_i` at the slope's CI limits, needs ``x`` of
    one sign: for ``x`` <= 0 its limits swap; for ``x`` of both signs it is NaN, with a
    warning. It needs
    all :math:`n(n-1)/2` pairwise slopes: memory grows with :math:`n^2`, 8 bytes a pair
    (0.4 GB at 10,000 samples, 1.6 GB at 20,000, the most accepted).

    Validated against the reference results that R mcr 1.3 ships in its unit tests
    (Calanas values for data sets TD15, TD41 and TD75, the last with a negative
    slope): slopes, intercepts and CI limits agree to 1e-9 with ``ci_rule="mcr"``; and
    against mcr's fit of its creatinine data (tied values, missing values) to the 7
    digits printed.
    Swapping x and y inverts the slope exactly (a hypothesis test). The CUSUM test
    follows Sect. 5 of [1]_: points within 1e-12 (relative) of the line score 0, and
    points at one place along the line (ties of rounded data) are summed as a group, so
    that neither rounding noise in the slope nor the rows' order decides; it is checked
    by laws (a line passes, a parabola fails) and a case computed by hand. With results
    rounded to a few distinct values it still rejects a straight line more often than
    its level.

    References
    ----------
    .. [1] H. Passing and W. Bablok, "A new biometrical procedure for testing the
       equality of measurements from two different analytical methods," J. Clin.
       Chem. Clin. Biochem., vol. 21, no. 11, pp. 709-720, 1983,
       doi:10.1515/cclm.1983.21.11.709.
    .. [2] E. Manuilova, A. Schuetzenmeister and F. Model, "mcr: Method Comparison
       Regression," R package version 1.3, 2021. [Online]. Available:
       https://CRAN.R-project.org/package=mcr

    Examples
    --------
    >>> res = passing_bablok([1.0, 2.0, 3.0, 4.0, 5.0], [1.1, 2.3, 2.9, 4.2, 5.1])
    >>> res.set_index("statistic").loc[["slope", "intercept"], "estimate"].round(3)
    statistic
    slope        0.975
    intercept    0.227
    Name: estimate, dtype: float64
    """
    from scipy import stats

    confidence = check_confidence(confidence)
    check_method(ci_rule, ("mcr", "passing_bablok1983"), "ci_rule")
    a, b = paired(x, y)
    require_spread(a, "x", "the Passing-Bablok slope (every pairwise slope is vertical)")
    require_spread(b, "y", "the Passing-Bablok fit (every pairwise slope is 0)")
    if a.size > _PB_MAX_N:
        raise ValueError(f"passing_bablok: {a.size} pairs need {a.size * (a.size - 1) // 2} "
                         f"pairwise slopes in memory; above {_PB_MAX_N} pairs, fit a random "
                         "subsample or use deming()")
    tau = stats.kendalltau(a, b).statistic
    sign = -1.0 if tau < 0 else 1.0
    z = stats.norm.ppf(0.5 + confidence / 2)
    est, lo, hi = _pb_core(a, sign * b, z, ci_rule)
    if sign < 0:
        est, lo, hi = -est, -hi, -lo
    inter = np.median(b - est * a)
    # Sect. 3.3 of [1]: the medians of y - b x at the slope's limits; median(y - b x) falls
    # as b grows when x >= 0 and rises when x <= 0 (the limits swap)
    if np.all(a >= 0):
        i_lo = -np.inf if np.isinf(hi) else np.median(b - hi * a)
        i_hi = np.inf if np.isinf(lo) else np.median(b - lo * a)
    elif np.all(a <= 0):
        i_lo = -np.inf if np.isinf(lo) else np.median(b - lo * a)
        i_hi = np.inf if np.isinf(hi) else np.median(b - hi * a)
    else:
        i_lo = i_hi = np.nan
        warn("passing_bablok: x holds negative and positive values, so the CI of the "
             "intercept (medians of y - b x at the slope's CI limits, Passing & Bablok 1983) "
             "is not defined (not monotone in b; it may miss the estimate) and is NaN; the "
             "slope, its CI and the intercept stand.")
    h, p = _cusum(a, b, est, inter)
    n = a.size
    rows = [dict(statistic="slope", estimate=est, ci_low=lo, ci_high=hi),
            dict(statistic="intercept", estimate=inter, ci_low=i_lo, ci_high=i_hi),
            dict(statistic="cusum", estimate=h, p_value=p)]
    return frame([{**r, "n_obs": n, "method": f"passing_bablok:{ci_rule}"} for r in rows])


# --------------------------------------------------------------------------- Deming
def deming(x, y, *, error_ratio: float = 1.0, weighted: bool = False,
           confidence: float = 0.95):
    r"""Deming regression of ``y`` on ``x`` (closed form) with jackknife CIs.

    Parameters
    ----------
    x, y : array_like or pandas.Series
        Paired measurements by the comparison and the test method. [any unit, the same]
    error_ratio : float, default 1.0
        :math:`\lambda = \sigma^2_{e,y} / \sigma^2_{e,x}`, the ratio of the error
        variances of y and x. As :math:`\lambda \to \infty` (x without error) the fit
        tends to ordinary least squares of y on x. R mcr's ``error.ratio`` is the
        reciprocal, :math:`\sigma^2_{e,x}/\sigma^2_{e,y}`.
    weighted : bool, default False
        Weighted Deming for errors proportional to the level (constant CV), iterated
        as in [3]_ (with half steps when the plain iteration cycles; a fit that still
        does not converge warns); needs positive values.
    confidence : float, default 0.95
        Level of the jackknife CIs: estimate :math:`\pm t_{n-2}` times the jackknife
        standard error [2]_.

    Returns
    -------
    pandas.DataFrame
        Rows ``slope`` and ``intercept`` with ``se`` (jackknife), ``ci_low``,
        ``ci_high`` and ``df``.

    Raises
    ------
    ValueError
        Different lengths, fewer than 3 pairs, an infinite value, ``x`` or ``y`` all
        equal, or a covariance of 0: the slope is then undefined.

    Notes
    -----
    Closed form of [1]_ [2]_ (``scipy.odr`` is deprecated). Validated against the
    reference results in R mcr 1.3's unit tests (data set TD15, mcr error ratios 1 and
    1.21, plain and weighted, AnalyzeIT values): estimates and CI limits agree to
    1e-6, mcr's own tolerance for that case. With ``error_ratio=1e16`` the line is
    AnalyzeIT's least-squares line for TD15 (1e-9): the slope is computed in a form that
    does not cancel as :math:`\lambda` grows.

    References
    ----------
    .. [1] W. E. Deming, Statistical Adjustment of Data. New York: Wiley, 1943.
    .. [2] K. Linnet, "Evaluation of regression procedures for methods comparison
       studies," Clin. Chem., vol. 39, no. 3, pp. 424-432, 1993,
       doi:10.1093/clinchem/39.3.424.
    .. [3] K. Linnet, "Estimation of the linear relationship between the measurements
       of two methods with proportional errors," Stat. Med., vol. 9, no. 12,
       pp. 1463-1473, 1990, doi:10.1002/sim.4780091210.

    Examples
    --------
    >>> res = deming([1.0, 2.0, 3.0, 4.0, 5.0], [2.1, 3.9, 6.2, 7.8, 10.1])
    >>> round(float(res.loc[res.statistic == "slope", "estimate"].iloc[0]), 4)
    1.9943
    """
    from scipy import stats

    confidence = check_confidence(confidence)
    error_ratio = as_constant(error_ratio, "error_ratio", hint=(
        "It is var(error of y) / var(error of x), e.g. 1; R mcr's error.ratio is its "
        "reciprocal."))
    a, b = paired(x, y)
    require_spread(a, "x", "the Deming slope")
    require_spread(b, "y", "the Deming slope")
    if np.isclose(np.cov(a, b)[0, 1], 0.0, rtol=0, atol=1e-12 * a.std() * b.std()):
        raise ValueError("x, y: their covariance is 0 (no linear relation), so the Deming "
                         "slope is undefined; check that x and y are paired measurements "
                         "of the same samples.")
    if weighted and (np.any(a <= 0) or np.any(b <= 0)):
        v = float(a[a <= 0][0] if np.any(a <= 0) else b[b <= 0][0])
        raise ValueError(f"weighted=True needs positive x and y (got {v!r}): the weights are "
                         "1/level^2 (constant CV); use weighted=False for data near 0")
    n = a.size
    if weighted:
        slope, inter, ok = _wdeming_fit(a, b, error_ratio)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            jack, conv = _jackknife_wdeming(a, b, error_ratio)  # n iterated refits at once
        stuck = (not ok) + int(np.sum(~conv & np.isfinite(jack).all(axis=1)))  # NaN: below
        if stuck:
            warn(f"deming: the weighted fit did not converge in {stuck} of {n + 1} fits (the "
                 f"fit and its jackknife refits; at most {2 * _WDEMING_MAX_ITER} iterations): "
                 "its line and CIs may be off; the errors may not be proportional to the "
                 "level (try weighted=False)")
    else:
        slope, inter = _deming_fit(a, b, error_ratio)
        with np.errstate(divide="ignore", invalid="ignore"):
            jack = _jackknife_deming(a, b, error_ratio)
    bad = ~np.isfinite(jack).all(axis=1)
    if bad.any():  # e.g. the other pairs uncorrelated: a vertical leave-one-out line
        k = int(np.flatnonzero(bad)[0])
        warn(f"deming: without the pair x={float(a[k])!r}, y={float(b[k])!r} "
             f"({int(bad.sum())} such pair(s) of {n}) the other pairs have no finite Deming "
             "slope (no linear relation), so the jackknife se and CIs are NaN; such a fit "
             "rests on a few pairs: add samples that span the range")
        jack = np.where(bad[:, None], np.nan, jack)
    infl = (n - 1) * (jack.mean(axis=0) - jack)
    se = np.sqrt((infl**2).sum(axis=0) / (n * (n - 1)))
    t = stats.t.ppf(0.5 + confidence / 2, n - 2)
    rows = [dict(statistic=name, estimate=est, se=s, ci_low=est - t * s, ci_high=est + t * s,
                 df=n - 2)
            for name, est, s in (("slope", slope, se[0]), ("intercept", inter, se[1]))]
    label = "weighted_deming" if weighted else "deming"
    return frame([{**r, "n_obs": n, "method": label} for r in rows])
