"""Method comparison: Bland-Altman, Passing-Bablok, Deming, Lin's concordance.

Every function takes paired measurements of the same samples, ``x`` by the
comparison (reference) method and ``y`` by the test method, and returns a tidy
DataFrame with one row per statistic: ``statistic, estimate, se, ci_low, ci_high,
df, p_value, n_obs, method``. Pairs with a missing value are left out and ``n_obs``
counts the pairs used. Nothing is rounded.
"""

from __future__ import annotations

import numpy as np

from labstats.stats._common import check_confidence, check_method, frame, paired

__all__ = ["bland_altman", "concordance", "deming", "passing_bablok", "ratio_summary"]


# --------------------------------------------------------------------------- Bland-Altman
def _loa_ci(d_mean, sd, n, z, confidence, ci_method):
    """CIs of the limits of agreement ``d_mean -/+ z*sd`` as ((lo, hi) lower, (lo, hi) upper)."""
    from scipy import stats

    a = 1.0 - confidence
    if ci_method == "exact":  # non-central t pivot, Carkeet 2015 Eq. 6 [3]
        t_lo, t_hi = stats.nct.ppf([a / 2, 1 - a / 2], n - 1, z * np.sqrt(n))
        k_lo, k_hi = t_lo / np.sqrt(n), t_hi / np.sqrt(n)
        return ((d_mean - k_hi * sd, d_mean - k_lo * sd), (d_mean + k_lo * sd, d_mean + k_hi * sd))
    if ci_method == "bland_altman_1999":  # SE^2 = (1/n + z^2/(2(n-1))) s^2, Sect. 2.1 of [2]
        se = sd * np.sqrt(1.0 / n + z**2 / (2.0 * (n - 1)))
    else:  # "bland_altman_1986": SE^2 ~ 3 s^2 / n, p. 310 of [1]
        se = sd * np.sqrt(3.0 / n)
    t = stats.t.ppf(1 - a / 2, n - 1)
    lo, hi = d_mean - z * sd, d_mean + z * sd
    return ((lo - t * se, lo + t * se), (hi - t * se, hi + t * se)), se


_BA_CI = ("exact", "bland_altman_1999", "bland_altman_1986")


def bland_altman(x, y, *, confidence: float = 0.95, agreement: float = 0.95,
                 multiplier: float | None = None, ci_method: str = "exact",
                 log: bool = False):
    r"""Bland-Altman bias and limits of agreement of ``y`` against ``x``, with CIs.

    The differences are :math:`d_i = y_i - x_i` (test minus comparison method); the
    limits of agreement are :math:`\bar d \mp z s_d` [1]_ [2]_.

    Parameters
    ----------
    x, y : array_like or pandas.Series
        Paired measurements by the comparison and the test method. [any unit, the same]
    confidence : float, default 0.95
        Level of the confidence intervals.
    agreement : float, default 0.95
        Proportion of differences the limits should hold; gives ``z = 1.96``.
    multiplier : float, optional
        Use this ``z`` instead (Bland & Altman 1986 used 2).
    ci_method : {"exact", "bland_altman_1999", "bland_altman_1986"}, default "exact"
        CIs of the limits: exact non-central t [3]_, or the approximate standard error
        of [2]_ or of [1]_.
    log : bool, default False
        Ratio variant: analyse :math:`\ln y - \ln x` and back-transform, so that the
        bias and limits are ratios y/x [2]_ (Sect. 3).

    Returns
    -------
    pandas.DataFrame
        Rows ``bias``, ``sd``, ``loa_lower``, ``loa_upper`` and ``proportional_bias``
        (slope of the differences on the pair means, with its t-test ``p_value``).

    Raises
    ------
    ValueError
        Different lengths, fewer than 3 pairs, an unknown ``ci_method``, or
        non-positive values with ``log=True``.

    Notes
    -----
    Validated against the peak-flow example of [1]_ (17 subjects, Wright vs mini
    Wright meter: bias -2.1, limits -79.7 to 75.5 L/min with z = 2, CI of the lower
    limit -114.3 to -45.1); the exact CIs against R 4.2 ``qt(p, df, ncp)`` (1e-8) and
    one-sided normal tolerance factors (Natrella 1963, Table A-7: n = 10 and 20),
    which they equal by construction. With ``log=True`` the rows ``bias`` and
    ``loa_*`` are ratios y/x, while ``sd`` and ``proportional_bias`` stay on the
    natural-log scale.

    References
    ----------
    .. [1] J. M. Bland and D. G. Altman, "Statistical methods for assessing agreement
       between two methods of clinical measurement," Lancet, vol. 327, no. 8476,
       pp. 307-310, 1986, doi:10.1016/S0140-6736(86)90837-8.
    .. [2] J. M. Bland and D. G. Altman, "Measuring agreement in method comparison
       studies," Stat. Methods Med. Res., vol. 8, no. 2, pp. 135-160, 1999,
       doi:10.1177/096228029900800204.
    .. [3] A. Carkeet, "Exact parametric confidence intervals for Bland-Altman limits
       of agreement," Optom. Vis. Sci., vol. 92, no. 3, pp. e71-e80, 2015,
       doi:10.1097/OPX.0000000000000513.

    Examples
    --------
    >>> wright = [494, 395, 516, 434, 476, 557, 413, 442, 650, 433, 417, 656, 267, 478,
    ...           178, 423, 427]
    >>> mini = [512, 430, 520, 428, 500, 600, 364, 380, 658, 445, 432, 626, 260, 477,
    ...         259, 350, 451]
    >>> res = bland_altman(mini, wright, multiplier=2, ci_method="bland_altman_1986")
    >>> res.set_index("statistic").loc[["bias", "loa_lower", "loa_upper"], "estimate"].round(1)
    statistic
    bias         -2.1
    loa_lower   -79.6
    loa_upper    75.4
    Name: estimate, dtype: float64
    """
    from scipy import stats

    confidence = check_confidence(confidence)
    check_confidence(agreement, "agreement")
    check_method(ci_method, _BA_CI, "ci_method")
    a, b = paired(x, y)
    if log:
        if np.any(a <= 0) or np.any(b <= 0):
            raise ValueError("log=True needs positive x and y: the ratio variant analyses "
                             "ln(y) - ln(x)")
        a, b = np.log(a), np.log(b)
    n = a.size
    z = stats.norm.ppf(0.5 + agreement / 2) if multiplier is None else float(multiplier)
    d = b - a
    m = d.mean()
    s = d.std(ddof=1)
    t = stats.t.ppf(0.5 + confidence / 2, n - 1)
    se_bias = s / np.sqrt(n)
    ci = _loa_ci(m, s, n, z, confidence, ci_method)
    if ci_method == "exact":
        (lo_ci, hi_ci), se_loa = ci, np.nan
    else:
        (lo_ci, hi_ci), se_loa = ci
    # proportional bias: OLS of d on the pair means (Sect. 3 of [2])
    avg = (a + b) / 2
    reg = stats.linregress(avg, d)
    t_s = stats.t.ppf(0.5 + confidence / 2, n - 2)
    chi = stats.chi2.ppf([0.5 + confidence / 2, 0.5 - confidence / 2], n - 1)
    sd_ci = s * np.sqrt((n - 1) / chi)
    label = "bland_altman_log" if log else "bland_altman"
    rows = [
        dict(statistic="bias", estimate=m, se=se_bias, ci_low=m - t * se_bias,
             ci_high=m + t * se_bias, df=n - 1, p_value=2 * stats.t.sf(abs(m / se_bias), n - 1)),
        dict(statistic="sd", estimate=s, ci_low=sd_ci[0], ci_high=sd_ci[1], df=n - 1),
        dict(statistic="loa_lower", estimate=m - z * s, se=se_loa, ci_low=lo_ci[0],
             ci_high=lo_ci[1], df=n - 1),
        dict(statistic="loa_upper", estimate=m + z * s, se=se_loa, ci_low=hi_ci[0],
             ci_high=hi_ci[1], df=n - 1),
        dict(statistic="proportional_bias", estimate=reg.slope, se=reg.stderr,
             ci_low=reg.slope - t_s * reg.stderr, ci_high=reg.slope + t_s * reg.stderr,
             df=n - 2, p_value=reg.pvalue),
    ]
    out = frame([{**r, "n_obs": n, "method": label} for r in rows])
    if log:  # back to ratios y/x (all but the SD and the slope, which stay on the log scale)
        back = out["statistic"].isin(["bias", "loa_lower", "loa_upper"])
        for col in ("estimate", "ci_low", "ci_high"):
            out.loc[back, col] = np.exp(out.loc[back, col])
        out.loc[back, "se"] = np.nan
    return out


# --------------------------------------------------------------------------- Passing-Bablok
_PB_MAX_N = 20_000  # 2e8 pairwise slopes, several GB of memory
def _pb_core(a, b, z, rule):
    """Slope (estimate, low, high) for positively related x, y; Passing & Bablok 1983."""
    i, j = np.triu_indices(a.size, k=1)
    dx, dy = a[j] - a[i], b[j] - b[i]
    ok = (dx != 0) | (dy != 0)  # identical pairs give no slope
    dx, dy = dx[ok], dy[ok]
    n = a.size
    c = z * np.sqrt(n * (n - 1) * (2 * n + 5) / 18.0)  # Eq. of Sect. 3.2 of [1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ang = np.where(dx != 0, np.arctan(dy / dx), np.pi / 2)  # vertical pairs: +inf
    if rule == "passing_bablok1983":
        s = np.sort(np.tan(ang[~np.isclose(ang, -np.pi / 4, rtol=0, atol=1e-15)]))
        s[np.isclose(np.abs(s), np.tan(np.pi / 2))] = np.inf
        big_n = s.size
        k = int(np.sum(s < -1))
        if big_n % 2:
            est = s[(big_n + 1) // 2 + k - 1]
        else:
            est = 0.5 * (s[big_n // 2 + k - 1] + s[big_n // 2 + k])
        m1 = int(np.round((big_n - c) / 2))
        m2 = big_n - m1 + 1
        lo = s[m1 + k - 1] if m1 + k >= 1 else -np.inf
        hi = s[m2 + k - 1] if m2 + k <= big_n else np.inf
        return est, lo, hi
    # "mcr": quantiles on the sorted angles in half-rank units, averaging two neighbours
    s = np.sort(ang)
    big_n = s.size
    off = int(np.sum(s <= -np.pi / 4)) + int(np.sum(s < -np.pi / 4))

    def at(idx2):
        h = (idx2 + 1) // 2
        return s[h - 1] if idx2 % 2 else 0.5 * (s[h - 1] + s[h])

    est = np.tan(at(big_n + off))
    i_lo = int(np.round(big_n - c + off))
    lowest = 2 * (int(np.sum(s <= -np.pi / 4)) - int(np.sum(s < -np.pi / 4))) + 1
    lo = -np.inf if i_lo < lowest else np.tan(at(i_lo))
    i_hi = int(np.round(big_n + c + off))
    hi = np.inf if i_hi > 2 * big_n - 1 else np.tan(at(i_hi))
    return est, lo, hi


def _cusum(a, b, slope, intercept):
    """Largest |CUSUM| of residual scores, Sect. 5 of Passing & Bablok (1983)."""
    from scipy import special

    r = b - intercept - slope * a
    pos, neg = int(np.sum(r > 0)), int(np.sum(r < 0))
    score = np.zeros(a.size)
    if pos and neg:
        score[r > 0] = np.sqrt(neg / pos)
        score[r < 0] = -np.sqrt(pos / neg)
    dist = (b + a / slope - intercept) / np.sqrt(1 + 1 / slope**2)
    cs = np.cumsum(score[np.argsort(dist, kind="stable")])
    h = np.max(np.abs(cs)) / np.sqrt(neg + 1)
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

    Notes
    -----
    The procedure assumes the two methods are positively related; when Kendall's tau
    is negative, it runs on ``-y`` and flips the result back, as mcr does. It needs
    all :math:`n(n-1)/2` pairwise slopes: memory grows with :math:`n^2`.

    Validated against the reference results that R mcr 1.3 ships in its unit tests
    (Calanas values for data sets TD15, TD41 and TD75, the last with a negative
    slope): slopes, intercepts and CI limits agree to 1e-9 with ``ci_rule="mcr"``.
    Swapping x and y inverts the slope exactly (a hypothesis test). The CUSUM test
    follows Sect. 5 of [1]_ and is checked only by laws (a line passes, a parabola
    fails).

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
    i_lo = -np.inf if np.isinf(hi) else np.median(b - hi * a)
    i_hi = np.inf if np.isinf(lo) else np.median(b - lo * a)
    h, p = _cusum(a, b, est, inter)
    n = a.size
    rows = [dict(statistic="slope", estimate=est, ci_low=lo, ci_high=hi),
            dict(statistic="intercept", estimate=inter, ci_low=i_lo, ci_high=i_hi),
            dict(statistic="cusum", estimate=h, p_value=p)]
    return frame([{**r, "n_obs": n, "method": f"passing_bablok:{ci_rule}"} for r in rows])


# --------------------------------------------------------------------------- Deming
def _deming_fit(a, b, lam, weights=None):
    """Closed-form (weighted) Deming slope and intercept; ``lam`` = var(e_y)/var(e_x)."""
    w = np.ones_like(a) if weights is None else weights
    sw = w.sum()
    xm, ym = (w * a).sum() / sw, (w * b).sum() / sw
    u = (w * (a - xm) ** 2).sum()
    q = (w * (b - ym) ** 2).sum()
    p = (w * (a - xm) * (b - ym)).sum()
    # Eq. 4 of Linnet 1993 [2], written with lambda = sigma_y^2 / sigma_x^2
    slope = (q - lam * u + np.sqrt((q - lam * u) ** 2 + 4 * lam * p**2)) / (2 * p)
    return slope, ym - slope * xm


def _wdeming_fit(a, b, lam, max_iter=100, tol=1e-12):
    """Weighted Deming for a constant CV, iterated as in Linnet 1990 [3]."""
    slope, inter = _deming_fit(a, b, lam)
    for _ in range(max_iter):
        d = b - (inter + slope * a)
        xhat = a + slope * d / (lam + slope**2)  # estimated true values on the line
        yhat = inter + slope * xhat
        w = 1.0 / ((lam * xhat + yhat) / (lam + 1.0)) ** 2  # error-variance-weighted level
        new_slope, new_inter = _deming_fit(a, b, lam, w)
        done = abs(new_slope - slope) <= tol * abs(slope) and abs(new_inter - inter) <= tol * (
            abs(inter) + abs(slope))
        slope, inter = new_slope, new_inter
        if done:
            break
    return slope, inter


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
    slope = (q - lam * u + np.sqrt((q - lam * u) ** 2 + 4 * lam * p**2)) / (2 * p)
    return np.column_stack([slope, (ym + b0) - slope * (xm + a0)])


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
        as in [3]_; needs positive values.
    confidence : float, default 0.95
        Level of the jackknife CIs: estimate :math:`\pm t_{n-2}` times the jackknife
        standard error [2]_.

    Returns
    -------
    pandas.DataFrame
        Rows ``slope`` and ``intercept`` with ``se`` (jackknife), ``ci_low``,
        ``ci_high`` and ``df``.

    Notes
    -----
    Closed form of [1]_ [2]_ (``scipy.odr`` is deprecated). Validated against the
    reference results in R mcr 1.3's unit tests (data set TD15, mcr error ratios 1 and
    1.21, plain and weighted, AnalyzeIT values): estimates and CI limits agree to
    1e-6, mcr's own tolerance for that case.

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
    if not (np.isfinite(error_ratio) and error_ratio > 0):
        raise ValueError(f"error_ratio must be a positive number, got {error_ratio!r}")
    a, b = paired(x, y)
    if weighted and (np.any(a <= 0) or np.any(b <= 0)):
        raise ValueError("weighted=True needs positive x and y: the weights are "
                         "1/level^2 (constant CV)")
    fit = (lambda u, v: _wdeming_fit(u, v, error_ratio)) if weighted else (
        lambda u, v: _deming_fit(u, v, error_ratio))
    slope, inter = fit(a, b)
    n = a.size
    jack = _jackknife_deming(a, b, error_ratio) if not weighted else np.array(
        [fit(np.delete(a, k), np.delete(b, k)) for k in range(n)])  # iterative: n fits
    infl = (n - 1) * (jack.mean(axis=0) - jack)
    se = np.sqrt((infl**2).sum(axis=0) / (n * (n - 1)))
    t = stats.t.ppf(0.5 + confidence / 2, n - 2)
    rows = [dict(statistic=name, estimate=est, se=s, ci_low=est - t * s, ci_high=est + t * s,
                 df=n - 2)
            for name, est, s in (("slope", slope, se[0]), ("intercept", inter, se[1]))]
    label = "weighted_deming" if weighted else "deming"
    return frame([{**r, "n_obs": n, "method": label} for r in rows])


# --------------------------------------------------------------------------- concordance
def concordance(x, y, *, confidence: float = 0.95):
    r"""Lin's concordance correlation coefficient with its Fisher-z CI.

    .. math:: \rho_c = \frac{2 s_{xy}}{s_x^2 + s_y^2 + (\bar x - \bar y)^2}

    with variances and covariance over :math:`n` [1]_.

    Parameters
    ----------
    x, y : array_like or pandas.Series
        Paired measurements. [any unit, the same]
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        Rows ``ccc`` (with ``se`` of :math:`z = \operatorname{atanh}\rho_c`, Eq. 7
        of [1]_ as corrected in 2000, and the back-transformed CI), ``pearson_r``
        (precision) and ``bias_correction`` (accuracy :math:`C_b`).

    Notes
    -----
    Validated against R epiR 2.0.57 ``epi.ccc(x, y, ci = "z-transform")`` on the
    Bland & Altman 1986 peak-flow data.

    References
    ----------
    .. [1] L. I. Lin, "A concordance correlation coefficient to evaluate
       reproducibility," Biometrics, vol. 45, no. 1, pp. 255-268, 1989,
       doi:10.2307/2532051; correction: vol. 56, pp. 324-325, 2000.

    Examples
    --------
    >>> res = concordance([1.0, 2.0, 3.0, 4.0], [1.1, 2.0, 2.9, 4.2])
    >>> round(float(res.estimate.iloc[0]), 4)
    0.9942
    """
    from scipy import stats

    confidence = check_confidence(confidence)
    a, b = paired(x, y)
    n = a.size
    sx2, sy2 = a.var(), b.var()
    sxy = ((a - a.mean()) * (b - b.mean())).mean()
    ccc = 2 * sxy / (sx2 + sy2 + (a.mean() - b.mean()) ** 2)
    r = sxy / np.sqrt(sx2 * sy2)
    u = (a.mean() - b.mean()) / (sx2 * sy2) ** 0.25
    var_z = ((1 - r**2) * ccc**2 / ((1 - ccc**2) * r**2)
             + 2 * ccc**3 * (1 - ccc) * u**2 / (r * (1 - ccc**2) ** 2)
             - ccc**4 * u**4 / (2 * r**2 * (1 - ccc**2) ** 2)) / (n - 2)
    se = np.sqrt(var_z)
    zq = stats.norm.ppf(0.5 + confidence / 2)
    zc = np.arctanh(ccc)
    rows = [dict(statistic="ccc", estimate=ccc, se=se, ci_low=np.tanh(zc - zq * se),
                 ci_high=np.tanh(zc + zq * se)),
            dict(statistic="pearson_r", estimate=r),
            dict(statistic="bias_correction", estimate=ccc / r)]
    return frame([{**row, "n_obs": n, "method": "lin1989"} for row in rows])


# --------------------------------------------------------------------------- ratio summary
def ratio_summary(calculated, measured, *, covariates=None, coverage: float = 0.95):
    r"""Distribution of calculated/measured ratios, as Fiers et al. (2018) report it.

    Parameters
    ----------
    calculated, measured : array_like or pandas.Series
        The same quantity by a formula and by a measurement (e.g. calculated free
        testosterone and free T by equilibrium dialysis). [any unit, the same]
    covariates : dict of str to array_like, optional
        Variables whose Spearman correlation with the ratio is wanted (Fiers et al.
        report SHBG, total T and albumin).
    coverage : float, default 0.95
        Central coverage of the percentile range reported with the median.

    Returns
    -------
    pandas.DataFrame
        Row ``median_ratio`` (``ci_low``/``ci_high`` are the 2.5th/97.5th
        percentiles of the ratios by R's default rule, not a CI of the median) and
        one row ``spearman_<name>`` per covariate (estimate rho, ``p_value``).

    Notes
    -----
    Fiers et al. [1]_ found a median Vermeulen/ED ratio of 1.19 (2.5-97.5 %:
    0.90-1.47) and a median Zakharov/ED ratio of 2.05 (1.26-3.26). labstats holds
    no measured free T, so that result is not reproduced here: this function gives
    the same summary when measured values exist.

    References
    ----------
    .. [1] T. Fiers, F. Wu, P. Moghetti, D. Vanderschueren, B. Lapauw and J.-M.
       Kaufman, "Reassessing free-testosterone calculation by liquid
       chromatography-tandem mass spectrometry direct equilibrium dialysis,"
       J. Clin. Endocrinol. Metab., vol. 103, no. 6, pp. 2167-2174, 2018,
       doi:10.1210/jc.2017-02360.

    Examples
    --------
    >>> res = ratio_summary([1.2, 2.4, 3.6, 1.1], [1.0, 2.0, 3.0, 1.0])
    >>> round(float(res.estimate.iloc[0]), 3)
    1.2
    """
    from scipy import stats

    check_confidence(coverage, "coverage")
    a, b = paired(calculated, measured, names=("calculated", "measured"), min_n=2)
    if np.any(b <= 0):
        raise ValueError("measured: values must be positive to form ratios")
    ratio = a / b
    q = np.quantile(ratio, [0.5 - coverage / 2, 0.5 + coverage / 2])
    rows = [dict(statistic="median_ratio", estimate=np.median(ratio), ci_low=q[0],
                 ci_high=q[1], method="percentiles")]
    for name, values in (covariates or {}).items():
        full = np.asarray(calculated, dtype=float) / np.asarray(measured, dtype=float)
        cov = np.asarray(values, dtype=float)
        keep = ~(np.isnan(full) | np.isnan(cov))
        rho, p = stats.spearmanr(full[keep], cov[keep])
        rows.append(dict(statistic=f"spearman_{name}", estimate=rho, p_value=p,
                         method="spearman", n_obs=int(keep.sum())))
    out = frame(rows)
    out["n_obs"] = out["n_obs"].fillna(a.size).astype(int)
    return out
