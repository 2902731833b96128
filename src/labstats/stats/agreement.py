"""Method comparison: Bland-Altman, Lin's concordance, ratio summaries (and, from
:mod:`labstats.stats.regression`, Passing-Bablok and Deming).

Every function takes paired measurements of the same samples, ``x`` by the
comparison (reference) method and ``y`` by the test method, and returns a tidy
DataFrame with one row per statistic: ``statistic, estimate, se, ci_low, ci_high,
df, p_value, n_obs, method``. Pairs with a missing value are left out and ``n_obs``
counts the pairs used. Nothing is rounded.
"""

from __future__ import annotations

import numpy as np

from labstats._validate import as_constant, common_index, to_float_array
from labstats.stats._common import (
    check_confidence,
    check_method,
    frame,
    no_inf,
    paired,
    require_spread,
)
from labstats.stats.regression import deming, passing_bablok

__all__ = ["bland_altman", "concordance", "deming", "passing_bablok", "ratio_summary"]


# --------------------------------------------------------------------------- Bland-Altman
_LOG = ("log=True analyses ln(y) - ln(x), which needs positive values: correct it, replace "
        "it with NaN to leave that pair out, or use log=False.")
#: ``paired(positive=)`` of the ratio (log=True) variant, here and in its plot.
LOG_POSITIVE = {"x": _LOG, "y": _LOG}


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


def bland_altman(x, y, *, confidence: float = 0.95, agreement: float | None = None,
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
    agreement : float, optional
        Proportion of differences the limits should hold; 0.95 (``z = 1.96``) unless
        ``multiplier`` is given.
    multiplier : float, optional
        Use this ``z`` instead (Bland & Altman 1986 used 2); not with ``agreement``.
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
        Different lengths, fewer than 3 pairs, an infinite value, an unknown
        ``ci_method``, non-positive values with ``log=True``, differences that are all
        equal (no spread: no SD, no CIs) or pair means that are all equal.

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
    if agreement is not None and multiplier is not None:
        raise ValueError(f"agreement={agreement!r} and multiplier={multiplier!r}: both set the "
                         "z of the limits of agreement; pass one of them")
    agreement = 0.95 if agreement is None else check_confidence(agreement, "agreement")
    check_method(ci_method, _BA_CI, "ci_method")
    a, b = paired(x, y, positive=LOG_POSITIVE if log else None)
    if log:
        a, b = np.log(a), np.log(b)
    scale = "ln(y) - ln(x)" if log else "y - x"
    require_spread(b - a, f"differences {scale}", "their SD, the CIs of the limits and the "
                   "test of the bias")
    require_spread((a + b) / 2, "pair means (x + y)/2", "the proportional-bias slope")
    n = a.size
    z = stats.norm.ppf(0.5 + agreement / 2) if multiplier is None else as_constant(
        multiplier, "multiplier", hint="It is the z of the limits of agreement, e.g. 1.96 or 2.")
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

    Raises
    ------
    ValueError
        Different lengths, fewer than 3 pairs, an infinite value, ``x`` or ``y`` all
        equal (Pearson's r and the CI are then undefined), or ``x`` equal to ``y`` in every
        pair (the same column passed twice?).

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
    require_spread(a, "x", "Pearson's r and the CI of the concordance")
    require_spread(b, "y", "Pearson's r and the CI of the concordance")
    if np.array_equal(a, b):
        raise ValueError("x, y: identical in every pair, so the concordance is 1 and its CI "
                         "cannot be computed; check that two different methods were passed.")
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
    a, b, pairs = paired(calculated, measured, names=("calculated", "measured"), min_n=2,
                         positive={"measured": "A ratio needs a positive measured value: "
                                   "correct it, or replace it with NaN to leave that pair "
                                   "out."}, mask=True)
    ratio = a / b
    q = np.quantile(ratio, [0.5 - coverage / 2, 0.5 + coverage / 2])
    rows = [dict(statistic="median_ratio", estimate=np.median(ratio), ci_low=q[0],
                 ci_high=q[1], method="percentiles")]
    for name, values in (covariates or {}).items():  # each ratio meets its sample's value
        common_index(values, calculated, measured,
                     names=(f"covariates[{name!r}]", "calculated", "measured"))
        cov = np.atleast_1d(to_float_array(values, f"covariates[{name!r}]"))
        no_inf(cov, values, f"covariates[{name!r}]")
        if cov.shape != pairs.shape:
            raise ValueError(f"covariates[{name!r}]: {cov.size} values for {pairs.size} "
                             "ratios; give one value per sample")
        keep = ~np.isnan(cov[pairs])
        rho, p = stats.spearmanr(ratio[keep], cov[pairs][keep])
        rows.append(dict(statistic=f"spearman_{name}", estimate=rho, p_value=p,
                         method="spearman", n_obs=int(keep.sum())))
    out = frame(rows)
    out["n_obs"] = out["n_obs"].fillna(a.size).astype(int)
    return out
