"""The LMS (Box-Cox Cole-Green) formulas, vectorised: z-scores, values, modified z-scores.

Notation of Cole & Green (1992): at age t a measurement y has the z-score
``z = ((y/M)^L - 1) / (L S)`` (``log(y/M) / S`` when L = 0), and the value at a z-score is
``M (1 + L S z)^(1/L)`` (``M exp(S z)``). The BCCG family of Rigby & Stasinopoulos (2004)
is the same transformation with the normal truncated to the values where y > 0; its
distribution function and quantiles are ``bccg_*`` below. Nothing here validates input:
``centiles.LMSTable`` does that on the one validation path.

References
----------
.. [1] T. J. Cole and P. J. Green, "Smoothing reference centile curves: the LMS method and
   penalized likelihood," Stat. Med., vol. 11, no. 10, pp. 1305-1319, 1992,
   doi:10.1002/sim.4780111005.
.. [2] R. A. Rigby and D. M. Stasinopoulos, "Smooth centile curves for skew and kurtotic
   data modelled using the Box-Cox power exponential distribution," Stat. Med., vol. 23,
   no. 19, pp. 3053-3076, 2004, doi:10.1002/sim.1861.
.. [3] Centers for Disease Control and Prevention, "Modified z-scores in the CDC growth
   charts," https://www.cdc.gov/nccdphp/dnpao/growthcharts/resources/BIV-cutoffs.pdf
   (the formulas used by CDC's SAS program and its R package cdcanthro).
.. [4] R. Wei, C. L. Ogden, V. L. Parsons, D. S. Freedman and C. M. Hales, "A method for
   calculating BMI z-scores and percentiles above the 95th percentile of the CDC growth
   charts," Ann. Hum. Biol., vol. 47, no. 6, pp. 514-521, 2020,
   doi:10.1080/03014460.2020.1808065.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

#: |L| below this is treated as L = 0 (the log limit) by the fitter's stable forms.
L_ZERO = 1e-12


def zscore(y, L, M, S):
    """LMS z-score, the exact expression of CDC's programs: ((y/M)^L - 1)/(L S)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = y / M
        z = (ratio ** L - 1.0) / (L * S)
        zero = np.abs(L) < L_ZERO
        if np.any(zero):
            z = np.where(zero, np.log(ratio) / S, z)
    return z


def value(z, L, M, S):
    """The value at z-score ``z``: M (1 + L S z)^(1/L); NaN where 1 + L S z <= 0."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        base = 1.0 + L * S * z
        out = M * base ** (1.0 / L)
        out = np.where(base > 0, out, np.nan)
        zero = np.abs(L) < L_ZERO
        if np.any(zero):
            out = np.where(zero, M * np.exp(S * z), out)
    return out


def modified_zscore(y, L, M, S):
    """CDC's modified z-score: (y - M) / (SD2/2), SD2 the distance from M to the value at
    z = +2 for y above the median and at z = -2 below it (used to flag implausible values)."""
    upper = value(2.0, L, M, S) - M
    lower = M - value(-2.0, L, M, S)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y < M, (y - M) / (0.5 * lower), (y - M) / (0.5 * upper))


def _truncation(L, S):
    """Phi(1/(S|L|)): the mass of the normal inside the Box-Cox range (1 when L = 0)."""
    with np.errstate(divide="ignore"):
        return ndtr(1.0 / (S * np.abs(L)))


def bccg_cdf(y, L, M, S):
    """Distribution function of the (truncated) BCCG of Rigby & Stasinopoulos (2004)."""
    z = zscore(y, L, M, S)
    phi_max = _truncation(L, S)
    lower = np.where(L > 0, 1.0 - phi_max, 0.0)
    return (ndtr(z) - lower) / phi_max


def bccg_zscore(y, L, M, S):
    """Normal score of the BCCG distribution function: Phi^-1(F(y)).

    Each tail from its own small probability (F below the median, 1 - F above it, in logs
    where Phi underflows), so that a value far out keeps a finite score (as 1 - F,
    Phi(-z) / Phi(1/(S|L|)) for L > 0, never rounds to 0: Phi^-1(F) = inf from z ~ 8.3).
    y = +inf: +inf, Phi^-1(F(inf)) = Phi^-1(1), for every L (the LMS z of L < 0 is the
    Box-Cox range's end 1/(S|L|) there).
    """
    from scipy.special import log_ndtr, ndtri_exp

    z = _box_cox(y, L, M, S)
    if np.any(top := np.isposinf(y)):
        z = np.where(top, np.inf, z)
    phi_max = _truncation(L, S)
    if np.all(phi_max == 1.0):  # truncation below double precision: the LMS z itself
        return z
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = ndtr(-1.0 / (S * np.abs(L)))  # the normal's mass outside the Box-Cox range
        lo = (ndtr(z) - np.where(L > 0, cut, 0.0)) / phi_max  # F(y)
        hi = (ndtr(-z) - np.where(L < 0, cut, 0.0)) / phi_max  # 1 - F(y)
        out = np.where(lo < 0.5, ndtri(lo), -ndtri(hi))
        log_phi = np.log(phi_max)
        out = np.where((lo == 0) & (L <= 0), ndtri_exp(log_ndtr(z) - log_phi), out)
        out = np.where((hi == 0) & (L >= 0), -ndtri_exp(log_ndtr(-z) - log_phi), out)
    return np.where((phi_max == 1.0) | top, z, out)


def bccg_value(z, L, M, S):
    """The BCCG quantile at probability Phi(z) (Rigby & Stasinopoulos 2004, truncated);
    each tail from its own small probability, as :func:`bccg_zscore`."""
    from scipy.special import log_ndtr, ndtri_exp

    phi_max = _truncation(L, S)
    if np.all(phi_max == 1.0):
        return _box_cox_inverse(z, L, M, S)
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = ndtr(-1.0 / (S * np.abs(L)))
        p_lo = np.where(L > 0, cut, 0.0) + phi_max * ndtr(z)  # Phi(zp)
        p_hi = np.where(L < 0, cut, 0.0) + phi_max * ndtr(-z)  # 1 - Phi(zp)
        zp = np.where(p_lo < 0.5, ndtri(p_lo), -ndtri(p_hi))
        log_phi = np.log(phi_max)  # tails where Phi underflows, in logs
        zp = np.where((p_lo == 0) & (L <= 0), ndtri_exp(log_ndtr(z) + log_phi), zp)
        zp = np.where((p_hi == 0) & (L >= 0), -ndtri_exp(log_ndtr(-z) + log_phi), zp)
        zp = np.where(phi_max == 1.0, z, zp)
        # inside the Box-Cox range by construction (1 + L S zp >= 0); rounding at its end
        # gives 0 (L > 0) or infinity (L < 0), the quantiles at the truncation point
        out = _box_cox_inverse(zp, L, M, S)
    return np.where(np.isnan(zp), np.nan, out)


def _box_cox(y, L, M, S):
    """The Box-Cox z of the BCCG distribution, ((y/M)^L - 1)/(L S), as expm1(L log(y/M))/(L
    S): the literal form (CDC's, ``zscore``) cancels for a small |L| (1e-6 relative error
    at L = 5e-11, found by hypothesis)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_ratio = np.log(y / M)
        small = np.abs(L) < L_ZERO
        safe = np.where(small, 1.0, L)
        return np.where(small, log_ratio / S, np.expm1(safe * log_ratio) / (safe * S))


def _box_cox_inverse(z, L, M, S):
    """M (1 + L S z)^(1/L) as M exp(log1p(L S z)/L) (accurate for a small |L|, as
    ``_box_cox``); at or beyond the range's end, 0 (L > 0) or infinity (L < 0)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        small = np.abs(L) < L_ZERO
        safe = np.where(small, 1.0, L)
        log_base = np.log1p(np.maximum(safe * S * z, -1.0))
        return np.where(small, M * np.exp(S * z), M * np.exp(log_base / safe))


# --- Wei et al. (2020) extended BMI z-score above the 95th centile ------------------------

#: sigma(age in years) of the half-normal above the 95th centile, boys and girls [kg/m2]
#: (Wei et al. 2020, as coded in CDC's SAS program and cdcanthro).
EXTENDED_SIGMA = {0.0: (0.3728, 0.5196, -0.0091),   # male
                  1.0: (0.8334, 0.3712, -0.0011)}   # female
Z95 = 1.6448536269514722  # Phi^-1(0.95)


#: The largest extended z-score CDC reports: where 90 + 10 Phi(...) rounds to 100 (z = inf),
#: cdcanthro sets 8.21 ("highest possible value is 8.20945").
EXTENDED_Z_MAX = 8.21


def extended_bmi(bmi, age_months, sex_code, L, M, S):
    """Extended BMI z and centile (Wei et al. 2020): the LMS values at or below the 95th
    centile; above it the centile 90 + 10 Phi((BMI - P95)/sigma). Returns (z, centile,
    P95, sigma).

    As CDC's cdcanthro (v0.1.3, R/cdcanthro.R): sigma enters the centile rounded to 8
    decimals ("to agree with NCHS"; unrounded, the centile differs from cdcanthro's by up
    to 5e-9), and an extended centile that rounds to 100 gets z = 8.21, not infinity. The
    returned sigma is the unrounded one (cdcanthro's ``sigma`` column).
    """
    years = age_months / 12.0
    sigma = np.full(np.shape(bmi), np.nan)
    for code, (a, b, c) in EXTENDED_SIGMA.items():
        sigma = np.where(sex_code == code, a + b * years + c * years ** 2, sigma)
    p95 = value(Z95, L, M, S)
    z = zscore(bmi, L, M, S)
    centile = 100.0 * ndtr(z)
    with np.errstate(invalid="ignore", divide="ignore"):
        high = bmi > p95
        ext_centile = 90.0 + 10.0 * ndtr((bmi - p95) / np.round(sigma, 8))
        centile = np.where(high, ext_centile, centile)
        ext_z = ndtri(ext_centile / 100.0)
        z = np.where(high, np.where(np.isinf(ext_z), EXTENDED_Z_MAX, ext_z), z)
    return z, centile, p95, sigma
