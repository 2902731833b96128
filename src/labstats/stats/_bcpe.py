"""The Box-Cox power exponential (BCPE) distribution, vectorised: density, CDF, quantile.

BCPE (Rigby & Stasinopoulos 2004) adds a kurtosis parameter tau (T) to the LMS/BCCG model:
for y > 0 at age t, ``z = ((y/M)^L - 1)/(L S)`` (``log(y/M)/S`` when L = 0) follows the
power exponential distribution PE(tau) of unit variance,

    f_T(z) = tau exp(-|z/c|^tau / 2) / (c 2^(1 + 1/tau) Gamma(1/tau)),
    c^2 = 2^(-2/tau) Gamma(1/tau) / Gamma(3/tau),

truncated to the values of z that give y > 0 (z > -1/(S|L|) when L > 0, z < 1/(S|L|) when
L < 0; no truncation when L = 0), exactly as gamlss' ``BCPE``/``BCPEo`` define it (not the
untruncated "BCPEuntr"). tau = 2 is the normal (BCCG), tau < 2 heavier tails (tau = 1:
Laplace), tau > 2 lighter ones. Since |z/c|^tau / 2 ~ Gamma(1/tau, 1), the CDF is

    F_T(z) = 1/2 + sign(z) P(1/tau, |z/c|^tau / 2) / 2,

P the regularised lower incomplete gamma function; tails are computed from the upper
function Q and its inverse, so centiles far out keep full relative precision. P, Q and the
inverse are the compiled ufuncs of ``_bcpe_jit`` (Newton-Halley steps from the tail
asymptotics; 3-10x faster than scipy's), or scipy's ``gammaincc``/``gammainccinv``/
``gammaincinv`` when numba is missing or LABSTATS_NO_NUMBA=1 (and for the rare value whose
iteration does not converge). Nothing here validates input (``LMSPTable`` does).

The Box-Cox layer (``logpdf``, ``cdf_sf``, ``zscore``, ``value``, ``quantile``, the
truncation) is shared with the Box-Cox t (BCT, Rigby & Stasinopoulos 2006): each takes a
kernel ``kern``, the distribution of z, by default ``POWER_EXP`` (``PowerExponential``,
at the end of this module), or ``_bct.STUDENT_T``; ``kernel(family)`` returns it.

The expected information of the untruncated model (what gamlss' Fisher scoring uses, and
the fitter here) follows from the gamma moments of u = |z/c|^tau / 2; the diagonal terms are
those of Rigby & Stasinopoulos (2004) (tau = 2 gives Cole & Green's BCCG values); the cross
terms, and I_tau,tau, were derived here the same way and are checked against Monte Carlo in
``tests/stats/test_bcpe.py``. Terms in L are to leading order in S, as for BCCG.

References
----------
.. [1] R. A. Rigby and D. M. Stasinopoulos, "Smooth centile curves for skew and kurtotic
   data modelled using the Box-Cox power exponential distribution," Stat. Med., vol. 23,
   no. 19, pp. 3053-3076, 2004, doi:10.1002/sim.1861.
.. [2] R. A. Rigby and D. M. Stasinopoulos, "Using the Box-Cox t distribution in GAMLSS to
   model skewness and kurtosis," Stat. Model., vol. 6, no. 3, pp. 209-229, 2006 (the
   truncated Box-Cox families).
"""

from __future__ import annotations

import numpy as np
from scipy.special import (
    digamma,
    gammaincc,
    gammainccinv,
    gammaincinv,
    gammaln,
    log_ndtr,
    ndtr,
    ndtri,
    polygamma,
)

_LOG2 = np.log(2.0)


def log_c(tau):
    """log c(tau), c the scale that gives PE(tau) unit variance."""
    return 0.5 * (-(2.0 / tau) * _LOG2 + gammaln(1.0 / tau) - gammaln(3.0 / tau))


def pe_logpdf(t, tau, lc=None):
    """log density of the unit-variance power exponential PE(tau) at t (``lc``: log_c(tau)
    when the caller has it)."""
    lc = log_c(tau) if lc is None else lc
    with np.errstate(over="ignore"):
        return (np.log(tau) - lc - 0.5 * np.abs(t * np.exp(-lc)) ** tau
                - (1.0 + 1.0 / tau) * _LOG2 - gammaln(1.0 / tau))


def _jit():
    """``labstats.stats._bcpe_jit``, or None: numba missing, or LABSTATS_NO_NUMBA=1."""
    from labstats.formulas._common import jit

    return jit("labstats.stats._bcpe_jit")


def upper_gamma(k, s):
    """Q(k, s), the regularised upper incomplete gamma function (compiled or scipy's)."""
    jit = _jit()
    return gammaincc(k, s) if jit is None else jit.gammaincc(k, s)


def _one_tau(tau):
    """tau as a float when every row shares it (a fitted table's constant tau): the
    functions of tau alone then run once, not per row."""
    tau = np.asarray(tau, float)
    if tau.ndim == 0 or tau.size == 0:
        return tau
    first = tau.flat[0]
    return np.float64(first) if (tau == first).all() else tau  # (numpy: 1/0 = inf)


def _half_tail(t, tau, lc=None):
    """P(T > |t|) = Q(1/tau, |t/c|^tau / 2) / 2 (0 at |t| = inf; ``lc``: log_c(tau))."""
    tau = _one_tau(tau)
    with np.errstate(over="ignore"):
        s = 0.5 * np.abs(t * np.exp(-(log_c(tau) if lc is None else lc))) ** tau
    return 0.5 * upper_gamma(1.0 / tau, s)


def pe_cdf(t, tau):
    """F_T(t) of PE(tau)."""
    q = _half_tail(t, tau)
    return np.where(t < 0, q, 1.0 - q)


def pe_sf(t, tau):
    """1 - F_T(t) of PE(tau), computed directly (accurate in the upper tail)."""
    q = _half_tail(t, tau)
    return np.where(t > 0, q, 1.0 - q)


def pe_ppf(p, q, tau):
    """The PE(tau) quantile with lower tail ``p`` and upper tail ``q`` (= 1 - p, passed
    separately so that both tails keep their relative precision)."""
    p, q, tau = np.broadcast_arrays(*_arrays(p, q, tau))
    one = _one_tau(tau)
    m = np.minimum(p, q)
    k = 1.0 / tau
    w = np.abs(p - q)
    jit = _jit()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        s = (np.full(m.shape, np.nan) if jit is None else  # one shape: lgamma once
             np.array(jit.pe_inverse(1.0 / one if np.ndim(one) == 0 else k, m, w)))
        # scipy: everywhere without numba, else where the Newton iteration did not converge
        redo = np.isnan(s) & (m >= 0) & (m <= 0.5) & (k > 0)
        tail = redo & (m < 0.25)  # the inverse of Q there (slow in scipy: only where needed)
        mid = redo & (m >= 0.25)
        s[tail] = gammainccinv(k[tail], 2.0 * m[tail])
        s[mid] = gammaincinv(k[mid], w[mid])
        t = np.exp(log_c(one)) * (2.0 * s) ** (1.0 / one)
    return np.where(p < q, -t, t)


def tail_at(a, tau, kern=None):
    """``kern.half_tail(a, tau)`` for many rows sharing few distinct (a, tau): each
    distinct value once (scoring at a table's ages, fitting at whole-year ages)."""
    kern = POWER_EXP if kern is None else kern
    a, tau = np.broadcast_arrays(*_arrays(a, tau))
    if a.size > 64 and (tau.size == 0 or np.ptp(tau) == 0):
        ua, inv = np.unique(a, return_inverse=True)
        if ua.size < 0.5 * a.size:
            return kern.half_tail(ua, tau.flat[0])[inv].reshape(a.shape)
    return kern.half_tail(a, tau)


def _arrays(*xs):
    return (np.asarray(x, float) for x in xs)


def _truncation(L, S, tau, kern=None):
    """(F_T(a), mass cut below, mass cut above) with a = 1/(S|L|) (no cut at L = 0)."""
    with np.errstate(divide="ignore", over="ignore"):
        a = 1.0 / (S * np.abs(L))
    tail = tail_at(a, tau, kern)  # F_T(-a) = 1 - F_T(a)
    return 1.0 - tail, np.where(L > 0, tail, 0.0), np.where(L < 0, tail, 0.0)


def boxcox_z(y, L, M, S):
    """Box-Cox z of y, ((y/M)^L - 1)/(L S) as expm1(L log(y/M)) / (L S): accurate for L
    near 0 too (CDC's literal expression, ``_lms.zscore``, loses digits there). At y =
    +inf its limit: +inf for L >= 0, the upper end 1/(S|L|) of the Box-Cox range for L < 0."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ell = np.log(y / M)
        x = L * ell
        e1 = np.where(x == 0, 1.0, np.expm1(x) / np.where(x == 0, 1.0, x))
        z = ell * e1 / S
        if np.any(top := np.isposinf(y)):
            z = np.where(top, np.where(L < 0, -1.0 / (S * L), np.inf), z)
    return z


def boxcox_value(t, L, M, S):
    """Inverse of ``boxcox_z``: M (1 + L S t)^(1/L) = M exp(S t log1p(L S t)/(L S t)); at
    the cut t = -1/(S L) (where a quantile of a cut side rounds to: t beyond it by rounding
    is taken as it) the end of the range, 0 (L > 0) or inf (L < 0)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        x = np.maximum(L * S * t, -1.0)
        r = np.where(x == 0, 1.0, np.log1p(x) / np.where(x == 0, 1.0, x))
        end = np.where(x == -1.0, np.where(L > 0, 0.0, np.inf), np.nan)
        out = np.where(x > -1.0, M * np.exp(S * t * r), end)
    return np.where(np.isinf(t), np.where(t > 0, np.inf, 0.0), out)  # (t of a quantile)


def logpdf(y, L, M, S, tau, kern=None):
    """log density of BCPE (truncated as gamlss' dBCPE; ``kern``: ``_bct.STUDENT_T`` for
    BCT, as gamlss' dBCT) at y > 0."""
    kern = POWER_EXP if kern is None else kern
    y, L, M, S, tau = _arrays(y, L, M, S, tau)
    z = boxcox_z(y, L, M, S)
    inside, _, _ = _truncation(L, S, tau, kern)
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((L - 1.0) * np.log(y) - L * np.log(M) - np.log(S) + kern.logpdf(z, tau)
                - np.log(inside))


def cdf_sf(y, L, M, S, tau, kern=None):
    """(F(y), 1 - F(y)) of BCPE (or of BCT, ``kern``), each from its own tail."""
    kern = POWER_EXP if kern is None else kern
    y, L, M, S, tau = _arrays(y, L, M, S, tau)
    z = boxcox_z(y, L, M, S)
    inside, below, above = _truncation(L, S, tau, kern)
    t = kern.half_tail(z, tau)  # one tail function per value: F_T and 1 - F_T from it
    with np.errstate(invalid="ignore"):
        F = np.clip((np.where(z < 0, t, 1.0 - t) - below) / inside, 0.0, 1.0)
        Q = np.clip((np.where(z > 0, t, 1.0 - t) - above) / inside, 0.0, 1.0)
    top = np.isposinf(y)  # F(+inf) = 1 exactly (for L < 0 too: z is the cut there)
    return np.where(top, 1.0, F), np.where(top, 0.0, Q)


def cdf(y, L, M, S, tau, kern=None):
    """Distribution function of BCPE (Rigby & Stasinopoulos 2004, truncated) or BCT."""
    return cdf_sf(y, L, M, S, tau, kern)[0]


#: A tail probability below this is computed in logs for the normal score: Phi^-1 of a
#: subnormal probability loses digits, and of 0 (from |z| ~ 38) is infinite.
FAR_TAIL = 1e-280


def zscore(y, L, M, S, tau, kern=None):
    """Normal score Phi^-1(F(y)) of BCPE or BCT (lower tail from F, upper from 1 - F; a
    tail below ``FAR_TAIL`` from its logarithm, ``_far_zscore``); +inf at y = +inf (the
    limit of the increasing score), NaN where an input is NaN."""
    F, Q = cdf_sf(y, L, M, S, tau, kern)
    with np.errstate(divide="ignore"):
        out = np.where(F < 0.5, ndtri(F), -ndtri(Q))
    far = (np.minimum(F, Q) < FAR_TAIL) & ~np.isposinf(y)
    if not np.any(far):
        return out
    y, L, M, S, tau, far = np.broadcast_arrays(*_arrays(y, L, M, S, tau), far)
    out = np.array(out, float, ndmin=1).reshape(far.shape)
    out[far] = _far_zscore(y[far], L[far], M[far], S[far], tau[far], kern)
    return out


def _log_abs_boxcox(y, L, M, S):
    """(log |z|, sign of z) of the Box-Cox z of ``boxcox_z``, without forming z (which
    overflows for a large y and L > 0 while its log does not)."""
    ell = np.log(y) - np.log(M)
    x = L * ell
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # log(expm1(x) / x) > 0 for x != 0; 0 at x = 0 (L = 0: log |z| = log |ell| - log S)
        big = x > 1.0
        xs = np.where((x == 0) | big, 1.0, x)
        log_e1 = np.where(big, x + np.log1p(-np.exp(-np.where(big, x, 1.0))) - np.log(
            np.where(big, x, 1.0)), np.log(np.expm1(xs) / xs))
        log_e1 = np.where(x == 0, 0.0, log_e1)
        return np.log(np.abs(ell)) + log_e1 - np.log(S), np.sign(ell)


def _far_zscore(y, L, M, S, tau, kern=None):
    """Normal scores of values whose tail probability is below ``FAR_TAIL``, from the log
    of that probability: log F = log(T(z) - cut below) - log(mass inside), each term from
    ``kern.log_half_tail`` (log P(T > |t|) from log |t|), then Phi^-1 of exp(log F) as
    ``ndtri_exp``. Finite while log F >= -1.8e308 (|score| < 1.9e154)."""
    kern = POWER_EXP if kern is None else kern
    log_t, sign = _log_abs_boxcox(y, L, M, S)
    log_tail = kern.log_half_tail(log_t, tau)  # this side's tail of the kernel
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_cut = kern.log_half_tail(-np.log(S * np.abs(L)), tau)  # -inf at L = 0
        cut = np.where(sign < 0, L > 0, L < 0)  # this side is truncated
        log_p = (log_tail + np.where(cut, np.log1p(-np.exp(log_cut - log_tail)), 0.0)
                 - np.log1p(-np.exp(log_cut)))
        z = _ndtri_exp(log_p)
        # log p below -1.8e308 (power exponential, s = |t/c|^tau / 2 > 1.8e308): z^2 =
        # 2 s (1 + O(log s / s)), s from its log
        huge = np.isneginf(log_p) & np.isfinite(log_t) & ~cut
        z = np.where(huge, -np.exp(0.5 * (_LOG2 + kern.log_rate(log_t, tau))), z)
    return np.where(sign < 0, z, -z)


def _ndtri_exp(log_p):
    """Phi^-1(exp(log_p)), log_p < 0: scipy's ``ndtri_exp`` (6e-13 relative error near
    z = -1000, measured) and, for |z| < 1e4, one Newton step on log Phi(z) = log_p (to
    ~1e-16; further out log_p itself is known to 1e-16 z^2 only, and ndtri_exp's error
    falls below that: 4e-16 at z = -1e5)."""
    from scipy.special import log_ndtr, ndtri_exp

    z = ndtri_exp(log_p)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lz = log_ndtr(z)
        mills = np.exp(-0.5 * z * z - 0.5 * np.log(2.0 * np.pi) - lz)  # d log Phi / dz
        step = (lz - log_p) / mills
    return np.where(np.isfinite(step) & (np.abs(z) < 1e4), z - step, z)


def value(zn, L, M, S, tau, kern=None):
    """The BCPE (or BCT) quantile at probability Phi(zn) (the value whose normal score is
    zn); 0 at zn = -inf, inf at +inf. A tail below ``kern.far_quantile`` is inverted from
    its log (``kern.log_tail_inverse``, the inverse of ``zscore``'s far tail); where
    z -> value -> z holds: ``LMSPTable.value_at``."""
    kern = POWER_EXP if kern is None else kern
    zn, L, M, S, tau = _arrays(zn, L, M, S, tau)
    inside, below, above = _truncation(L, S, tau, kern)
    lo, hi = below + ndtr(zn) * inside, above + ndtr(-zn) * inside
    t = kern.ppf(lo, hi, tau)
    out = np.where(np.isposinf(zn), np.inf, np.where(np.isneginf(zn), 0.0, boxcox_value(t, L, M, S)))
    far = (np.minimum(lo, hi) < kern.far_quantile) & np.isfinite(zn)
    if not np.any(far):
        return out
    zn, L, M, S, tau, inside, below, above, far = np.broadcast_arrays(
        zn, L, M, S, tau, inside, below, above, far)
    out = np.array(out, float, ndmin=1).reshape(far.shape)
    zf, Lf, Mf, Sf, sign = zn[far], L[far], M[far], S[far], np.sign(zn[far])
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        # log of this side's tail of the kernel: the mass cut off here and Phi(-|zn|) inside
        log_p = np.logaddexp(np.log(np.where(zf > 0, above[far], below[far])),
                             log_ndtr(-np.abs(zf)) + np.log(inside[far]))
        log_t = kern.log_tail_inverse(log_p, tau[far])  # log |t|, t of zn's sign
        # log(1 + L S t): away from the cut (sign L = sign t) or towards it (-inf at it)
        w = np.log(np.abs(Lf) * Sf) + log_t
        wm = np.minimum(w, 0.0)  # log(1 - e^w), each form where it keeps its digits
        toward = np.where(wm < -_LOG2, np.log1p(-np.exp(wm)), np.log(-np.expm1(wm)))
        log_base = np.where(sign * Lf > 0, np.logaddexp(0.0, w), toward)
        tiny = w < -39.0  # |L| S t < 1e-17 (L = 0 too): log(1 + L S t)/L is S t in doubles
        e = np.where(tiny, sign * Sf * np.exp(log_t), log_base / np.where(tiny, 1.0, Lf))
        out[far] = Mf * np.exp(e)
    return out


def quantile(p, L, M, S, tau, kern=None):
    """The BCPE (or BCT) quantile at probability p (0 < p < 1)."""
    kern = POWER_EXP if kern is None else kern
    p, L, M, S, tau = _arrays(p, L, M, S, tau)
    inside, below, above = _truncation(L, S, tau, kern)
    t = kern.ppf(below + p * inside, above + (1.0 - p) * inside, tau)
    return boxcox_value(t, L, M, S)


# --- expected information of the untruncated model (per observation, link scales) -------

def score_constants(tau):
    """A and E X of the tau score (see ``info_constants``): digamma functions only."""
    k = 1.0 / tau
    A = 0.5 * (3.0 * digamma(3.0 * k) - digamma(k))
    return {"A": A, "mean_x": A * k - k * digamma(k + 1.0)}


def info_constants(tau):
    """Functions of tau in the expected information, with k = 1/tau, u ~ Gamma(k, 1) and
    X = u (A - log u) the part of the tau score (log link) that varies:

    * ``mm``: E[psi(z)^2] = tau^2 Gamma(2 - k) Gamma(3k) / Gamma(k)^2 (I_mu of R&S 2004
      times mu^2 sigma^2; needs tau > 1/2);
    * ``tt``: Var X (I for log tau); ``st``: tau Cov(u, X) (log sigma, log tau);
    * ``lt``: (A - psi(3k + 1) - 1) / 2 (nu, log tau; times nu sigma^2);
    * ``mean_x``: E X (the constant of the tau score).
    """
    k = 1.0 / tau
    sc = score_constants(tau)
    A, mean_x = sc["A"], sc["mean_x"]
    d2 = digamma(k + 2.0)
    ex2 = k * (k + 1.0) * (A * A - 2.0 * A * d2 + d2 * d2 + polygamma(1, k + 2.0))
    cov_ux = A * k - k * (k + 1.0) * d2 + k * k * digamma(k + 1.0)
    mm = np.exp(2.0 * np.log(tau) + gammaln(2.0 - k) + gammaln(3.0 * k) - 2.0 * gammaln(k))
    return {"mm": mm, "tt": ex2 - mean_x ** 2, "st": tau * cov_ux,
            "lt": 0.5 * (A - digamma(3.0 * k + 1.0) - 1.0), "mean_x": mean_x, "A": A}


def tail_dlogtau(a, tau, log_inside=None, step=1e-6, kern=None):
    """d log F_T(a) / d log tau at fixed a, by a forward difference in log tau from
    ``log_inside`` = log F_T(a) when given (as gamlss' BCPE and BCT do); 0 where a = inf."""
    kern = POWER_EXP if kern is None else kern

    def logF(tt):
        with np.errstate(divide="ignore"):
            return np.log1p(-kern.half_tail(a, tt))
    base = logF(tau) if log_inside is None else log_inside
    return np.where(np.isfinite(a), (logF(tau * np.exp(step)) - base) / step, 0.0)


# --- the kurtosis families ("kernels") of the Box-Cox tau models ------------------------

class PowerExponential:
    """The PE(tau) kernel of BCPE. A kernel is what the Box-Cox functions above and the
    fitter (``_bcpe_fit``) need of the distribution of z: its log density, tail, quantile,
    score terms and expected information; ``_bct.StudentT`` is the other one."""

    family, label = "bcpe", "BCPE"
    tau_start = 2.0  #: BCCG
    #: tau in the information is at least this: I_mu needs Gamma(2 - 1/tau), tau > 1/2
    info_tau_min = 0.6
    #: a fitted tau outside these has run off (``_bcpe_fit.tau_problem``): above 20 the
    #: power exponential is within 3% of the uniform's kurtosis (1.8), the lightest it can
    #: be; below 1/4 its kurtosis exceeds 400 (Cauchy-like data converge at tau ~ 0.4; a
    #: spike of tied values sends tau towards 0 without converging)
    tau_range = (0.25, 20.0)
    tau_max = None  #: no cap in the fit (BCT's: ``_bct.TAU_MAX``)
    #: ``value`` inverts tails below this from their log (``log_tail_inverse``'s series)
    far_quantile = FAR_TAIL
    run_off = {"high": "values as light-tailed as a uniform, or bimodal",
               "low": "a spike of tied or rounded values, or extreme outliers"}

    @staticmethod
    def constants(tau):
        """Functions of tau alone: log c and the score constants."""
        return {"lc": log_c(tau), **score_constants(tau)}

    @staticmethod
    def logpdf(t, tau, const=None):
        return pe_logpdf(t, tau, None if const is None else const["lc"])

    @staticmethod
    def half_tail(t, tau, const=None):
        return _half_tail(t, tau, None if const is None else const["lc"])

    @staticmethod
    def log_half_tail(log_t, tau):
        """log P(T > |t|) from log |t|, to full relative precision where P(T > |t|)
        underflows: log(Q(k, s) / 2), k = 1/tau, s = |t/c|^tau / 2, from Q's asymptotic
        series s^(k-1) e^-s / Gamma(k) (1 + (k-1)/s + (k-1)(k-2)/s^2 + ...) (Abramowitz &
        Stegun 6.5.32) where Q < 2 FAR_TAIL (then s > 600: 12 terms are exact to double
        precision for tau >= 1/4), else log of the direct value."""
        k = 1.0 / np.asarray(tau, float)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            log_s = np.asarray(tau, float) * (log_t - log_c(tau)) - _LOG2
            s = np.exp(log_s)
            direct = 0.5 * upper_gamma(k, s)
            term = total = np.ones_like(s)
            for i in range(1, 13):
                term = term * (k - i) / s
                total = total + term
            series = (k - 1.0) * log_s - s - gammaln(k) + np.log(total) - _LOG2
            series = np.where(np.isposinf(log_t), -np.inf, series)  # (k - 1) inf: NaN at k = 1
            return np.where(direct > FAR_TAIL, np.log(direct), series)

    @staticmethod
    def log_tail_inverse(log_p, tau):
        """log t with log P(T > t) = log_p < log FAR_TAIL (the inverse of the series of
        ``log_half_tail``): s = -log_p - log 2 - log Gamma(k) + (k - 1) log s + log(1 +
        (k-1)/s + ...) by fixed-point steps (s > 600: each gains a factor 600)."""
        tau = np.asarray(tau, float)
        k = 1.0 / tau
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            s = -np.asarray(log_p, float)
            for _ in range(8):
                term = total = np.ones_like(s)
                for i in range(1, 13):
                    term = term * (k - i) / s
                    total = total + term
                s = -log_p - _LOG2 - gammaln(k) + (k - 1.0) * np.log(s) + np.log(total)
            return log_c(tau) + (_LOG2 + np.log(s)) / tau

    @staticmethod
    def log_rate(log_t, tau):
        """log s, s = |t/c|^tau / 2 = -log P(T > |t|) (1 + O(log s / s)): the far tail
        where its log overflows."""
        tau = np.asarray(tau, float)
        return tau * (log_t - log_c(tau)) - _LOG2

    ppf = staticmethod(pe_ppf)

    @staticmethod
    def score_terms(z, tau, const):
        """(psi = d log f/dz, z psi, the log-tau score d log f/d log tau) at z; with u =
        |z/c|^tau / 2, z psi = -tau u and the tau score is u (A - log u) - E[u (A - log u)]."""
        t = z * np.exp(-const["lc"])
        at = np.abs(t)
        u = 0.5 * at ** tau
        with np.errstate(divide="ignore", invalid="ignore"):
            # psi(z) = -(tau / 2c) sign(t) |t|^(tau - 1); 0 at t = 0 (tau > 1)
            psi = np.where(at > 0, -tau * u / np.where(at > 0, z, 1.0), 0.0)
            ulogu = np.where(u > 0, u * np.log(np.where(u > 0, u, 1.0)), 0.0)
        return psi, -tau * u, const["A"] * u - ulogu - const["mean_x"]

    @staticmethod
    def negligible(a, tau, const):
        """Rows whose cut tail is below e^-60 (|a/c|^tau / 2 > 60), or a = inf."""
        with np.errstate(over="ignore"):
            s = 0.5 * (a * np.exp(-const["lc"])) ** tau
        return ~(np.isfinite(a) & (s < 60.0))

    @staticmethod
    def info(tau):
        """Expected-information constants, named as ``_bct.StudentT.info``."""
        C = info_constants(tau)
        return {"mm": C["mm"], "ss": tau, "ll": 0.25 * (3.0 * tau + 1.0),
                "ml": 0.5 * (1.0 - tau), "sl": 0.5 * tau, "tt": C["tt"], "st": C["st"],
                "lt": C["lt"]}


POWER_EXP = PowerExponential()


def kernel(family):
    """The kernel of ``family``: "bcpe" (power exponential) or "bct" (Student's t)."""
    if family == "bct":
        from labstats.stats._bct import STUDENT_T

        return STUDENT_T
    return POWER_EXP
