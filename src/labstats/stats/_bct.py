"""Student's t with tau degrees of freedom: the kurtosis family of the Box-Cox t (BCT).

BCT (Rigby & Stasinopoulos 2006) is BCCG/BCPE with the Box-Cox z following Student's t
with tau degrees of freedom (not rescaled to unit variance), truncated to y > 0 exactly
as gamlss' ``BCT``/``BCTo`` define it; tau -> infinity is the BCCG. The Box-Cox layer
(density, CDF, quantile with the truncation, for BCPE and BCT alike) is ``_bcpe``; this
module is the t "kernel" it takes (``STUDENT_T``), with the interface of
``_bcpe.POWER_EXP``. Tails come from the regularised incomplete beta function,

    P(T > |t|) = I_x(tau/2, 1/2) / 2,  x = tau / (tau + t^2),

computed directly in the far tail (relative precision of tiny tails), and from the
complement I_{1-x}(1/2, tau/2) near the centre; the quantile inverts the same functions.

Expected information (per observation, link scales; used for the Fisher-scoring weights
only): with z ~ t_tau, z^2/tau = B/(1 - B), B ~ Beta(1/2, tau/2) and psi(z) = d log f/dz =
-(tau + 1) z/(tau + z^2), the moments E psi^2 = (tau + 1)/(tau + 3), I(log S) =
E(1 + z psi)^2 - ... = 2 tau/(tau + 3), I(log tau) (Lange, Little & Taylor 1989) and the
cross terms follow from Beta moments; they agree with gamlss.dist's ``BCT`` second
derivatives (R&S 2006), except I_LL, which is computed here to leading order in S from
the same Beta moments (finite for tau > 2; tau is floored at 2.5 in it) where gamlss uses
BCCG's 7 S^2 / 4.

References
----------
.. [1] R. A. Rigby and D. M. Stasinopoulos, "Using the Box-Cox t distribution in GAMLSS to
   model skewness and kurtosis," Stat. Model., vol. 6, no. 3, pp. 209-229, 2006,
   doi:10.1191/1471082X06st122oa.
.. [2] K. L. Lange, R. J. A. Little and J. M. G. Taylor, "Robust statistical modeling
   using the t distribution," J. Am. Stat. Assoc., vol. 84, pp. 881-896, 1989.
"""

from __future__ import annotations

import numpy as np
from scipy.special import (
    betainc,
    betaincc,
    betainccinv,
    betaincinv,
    betaln,
    digamma,
    gammaln,
    log_ndtr,
    polygamma,
)

_HALF_LOG_PI = 0.5 * np.log(np.pi)
#: terms of the far-tail series (``log_half_tail``) before the normal limit is taken: it
#: converges for tau up to about 10 t^2 / 39 x this (5e5 at t = 36, the far tail's start)
_SERIES_TERMS = 20_000
#: above this tau the functions of tau alone (``constants``, ``info``) are their series in
#: 1/tau, to 1e-14 relative (60-digit mpmath): the differences of log-gammas, digammas and
#: trigammas they replace lose digits as tau grows (I(log tau) 1e-6 at tau = 1e4 and all
#: of them by 1e6; the log-tau score's constant all by 1e8, the log normalising constant
#: 0.02 at 1e14), which sent a BCT fit's tau on a random walk to 1e16 and the fit to a
#: FloatingPointError (tests/stats/test_bct_limit.py)
SERIES_TAU = 1e4
#: fit_lms holds BCT's tau at or below this: data no heavier-tailed than the normal send
#: tau to infinity (BCT -> BCCG), where the likelihood has no maximum. t_1e6 is the normal
#: to (|z|^3 + |z|)/(4 tau) in its quantiles (Cornish-Fisher), 1.7e-5 in z at |z| = 4, so a
#: fit held there is the BCCG fit to that precision (tests/stats/test_bct_limit.py)
TAU_MAX = 1e6


class StudentT:
    """The t_tau kernel of BCT (interface of ``_bcpe.PowerExponential``)."""

    family, label = "bct", "BCT"
    tau_start = 10.0  #: gamlss' BCT start
    #: tau in the information is at least this (I_LL needs tau > 2)
    info_tau_min = 2.5
    #: a fitted tau outside these has run off (``_bcpe_fit.tau_problem``): above 1000 the
    #: t is within 0.1% of the normal in every centile (tau -> infinity: use BCCG); below
    #: 0.5 the tails are heavier than a Cauchy's squared
    tau_range = (0.5, 1000.0)
    tau_max = TAU_MAX  #: the fit's cap (BCPE has none)
    #: ``_bcpe.value`` inverts tails below this from their log: the direct quantile loses
    #: its digits once x = tau/(tau + t^2) underflows (tau ~ 1: from tails ~ 1e-154)
    far_quantile = 1e-20
    run_off = {"high": "values no heavier-tailed than the normal: tau -> infinity is BCCG",
               "low": "a spike of tied or rounded values, or extreme outliers"}

    @staticmethod
    def constants(tau):
        """Functions of tau alone: the log normalising constant of t_tau and the constant
        of the log-tau score (above ``SERIES_TAU`` from their series in 1/a, a = tau/2:
        the differences of log-gammas and digammas lose all their digits by tau ~ 1e14)."""
        tau = np.asarray(tau, float)
        half = 0.5 * tau
        big = tau > SERIES_TAU
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            ia = np.where(big, 1.0 / half, 0.0)  # 1/a where the series is used
            ia2 = ia * ia
            # log G(a + 1/2) - log G(a) - log(a)/2 = -1/(8a) + 1/(192a^3) - 1/(640a^5)
            # + 17/(14336a^7) (Stirling's series; its a-derivative gives dig's)
            lg = ia * (-1.0 / 8 + ia2 * (1.0 / 192 + ia2 * (-1.0 / 640 + ia2 * 17.0 / 14336)))
            lognorm = np.where(big, lg - 0.5 * np.log(2.0) - _HALF_LOG_PI,
                               gammaln(half + 0.5) - gammaln(half) - 0.5 * np.log(tau)
                               - _HALF_LOG_PI)
            d = ia2 * (1.0 / 16 + ia2 * (-1.0 / 128 + ia2 * (1.0 / 256 - ia2 * 17.0 / 4096)))
            dig = np.where(big, d, 0.5 * (digamma(half + 0.5) - digamma(half)) - 0.5 / tau)
        return {"lognorm": lognorm[()], "dig": dig[()]}

    def logpdf(self, t, tau, const=None):
        """log density of t_tau at t."""
        const = self.constants(tau) if const is None else const
        return const["lognorm"] - 0.5 * (tau + 1.0) * np.log1p(t * t / tau)

    @staticmethod
    def half_tail(t, tau, const=None):
        """P(T > |t|) = I_x(tau/2, 1/2) / 2 with x = tau/(tau + t^2) (0 at |t| = inf), or
        the same tail as 1 - I_y(1/2, tau/2) / 2, y = 1 - x, when x > 1/2 (no cancellation:
        each branch is a tail function evaluated directly)."""
        t, tau = np.broadcast_arrays(np.asarray(t, float), np.asarray(tau, float))
        with np.errstate(over="ignore", invalid="ignore"):
            t2 = t * t
            x = tau / (tau + t2)
            y = t2 / (tau + t2)
            out = np.where(x < 0.5, 0.5 * betainc(0.5 * tau, 0.5, x),
                           0.5 * betaincc(0.5, 0.5 * tau, y))
        return np.where(np.isinf(t), 0.0, out)

    @staticmethod
    def log_half_tail(log_t, tau):
        """log P(T > |t|) from log |t|, to full relative precision where P(T > |t|)
        underflows: with x = tau/(tau + t^2), a = tau/2, b = 1/2, I_x(a, b) = x^a (1-x)^b
        2F1(a+b, 1; a+1; x) / (a B(a, b)) (Abramowitz & Stegun 26.5.4 with 15.1.1; the
        series' terms fall at least as x^j) where the tail is below FAR_TAIL, else log of
        the direct value."""
        from labstats.stats._bcpe import FAR_TAIL

        log_t, tau = np.broadcast_arrays(np.asarray(log_t, float), np.asarray(tau, float))
        a = 0.5 * tau
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            direct = StudentT.half_tail(np.exp(log_t), tau)
            log_x = np.log(tau) - np.logaddexp(np.log(tau), 2.0 * log_t)
            x = np.exp(log_x)
            far = ~(direct > FAR_TAIL) & (x < 1.0)
            out = np.where(far, np.nan, np.log(direct))
            k = np.flatnonzero(far)  # the series on the far rows only
            xk, ak, lk, log_xk = (v.ravel()[k] for v in (x, a, log_t, log_x))
            # terms <= x^j: 39 / -log(x) of them to 1e-17; more than _SERIES_TERMS (tau of
            # 5e5 and more at t = 36): the normal limit of R's pt for large df, log Phi(-t
            # (1 - 1/(4 tau)) / sqrt(1 + t^2 / (2 tau))) (relative error in log P against
            # 60-digit mpmath: 1.4e-7 at tau 1e6, 1.4e-9 at 1e7; the series was cut at 2,000
            # terms before, 1.2e-4 and 2.3e-3)
            limit = 39.0 / -log_xk > _SERIES_TERMS
            term, total = np.ones(k.size), np.ones(k.size)
            for j in range(_SERIES_TERMS):
                term = np.where(limit, 0.0, term * (ak + 0.5 + j) / (ak + 1.0 + j) * xk)
                total = total + term
                if not np.any(term > 1e-17 * total):
                    break
            series = (ak * log_xk + 0.5 * np.log1p(-xk) - np.log(ak) - betaln(ak, 0.5)
                      + np.log(total) - np.log(2.0))
            t, tk = np.exp(lk[limit]), 2.0 * ak[limit]
            series[limit] = log_ndtr(-t * (1.0 - 0.25 / tk) / np.sqrt(1.0 + t * t / (2.0 * tk)))
            out.ravel()[k] = series
            return out

    @staticmethod
    def log_tail_inverse(log_p, tau):
        """log t with log P(T > t) = log_p < log FAR_TAIL: Newton steps on u = log t,
        d log P / du = -t f(t) / P(T > t) (f from its log: no overflow), from the series'
        leading term x^a / (a B(a, 1/2)) / 2 = p, x = tau / (tau + t^2)."""
        log_p, tau = np.broadcast_arrays(np.asarray(log_p, float), np.asarray(tau, float))
        a = 0.5 * tau
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            log_x = np.minimum((log_p + np.log(a) + betaln(a, 0.5) + np.log(2.0)) / a, -1e-300)
            u = 0.5 * (np.log(tau) + np.log1p(-np.exp(log_x)) - log_x)
            lognorm = StudentT.constants(tau)["lognorm"]
            for _ in range(60):
                log_tail = StudentT.log_half_tail(u, tau)
                log_f = lognorm - 0.5 * (tau + 1.0) * np.logaddexp(0.0, 2.0 * u - np.log(tau))
                step = (log_tail - log_p) / -np.exp(u + log_f - log_tail)
                step = np.where(np.isfinite(step), step, 0.0)
                u = u - step
                if not np.any(np.abs(step) > 1e-15 * (1.0 + np.abs(u))):
                    break
            return np.where(np.isneginf(log_p), np.inf, u)

    @staticmethod
    def log_rate(log_t, tau):
        """log(-log P(T > |t|)) to leading order, log(tau log |t|) (never needed: log P
        of a finite t does not overflow; the interface of ``_bcpe.PowerExponential``)."""
        return np.log(np.asarray(tau, float) * log_t)

    @staticmethod
    def ppf(p, q, tau):
        """The t_tau quantile with lower tail ``p`` and upper tail ``q`` = 1 - p (both
        given, so that each tail keeps its relative precision)."""
        p, q, tau = np.broadcast_arrays(*(np.asarray(v, float) for v in (p, q, tau)))
        m = np.minimum(p, q)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # 2m = I_x(tau/2, 1/2) = 1 - I_y(1/2, tau/2), y = 1 - x = t^2/(tau + t^2): in
            # the tail (m < 1/4) y from the complementary inverse, or x where y > 1/2 (so
            # that the smaller of x and y is the one inverted); near the centre y from
            # |p - q| = I_y(1/2, tau/2)
            y = np.where(m < 0.25, betainccinv(0.5, 0.5 * tau, 2.0 * m),
                         betaincinv(0.5, 0.5 * tau, np.abs(p - q)))
            big = y > 0.5
            x = np.where(big, betaincinv(0.5 * tau, 0.5, 2.0 * m), np.nan)
            t = np.sqrt(np.where(big, tau * (1.0 - x) / x, tau * y / (1.0 - y)))
        return np.where(p < q, -t, t)

    def score_terms(self, z, tau, const):
        """(psi = d log f/dz, z psi, the log-tau score d log f/d log tau) at z."""
        r = z * z / tau
        psi = -(tau + 1.0) * z / (tau + z * z)
        zpsi = -(tau + 1.0) * r / (1.0 + r)
        u_t = tau * (const["dig"] - 0.5 * np.log1p(r)) - 0.5 * zpsi
        return psi, zpsi, u_t

    @staticmethod
    def negligible(a, tau, const):
        """Rows whose cut tail may be dropped: none (the t's tails are polynomial)."""
        return ~np.isfinite(a)

    @staticmethod
    def info(tau):
        """Expected-information constants of the untruncated model (see the module):
        ``mm`` = E psi^2, ``ss`` = I(log S), ``ll`` = I_LL / S^2, ``ml`` = I(log M, L),
        ``sl`` = I(log S, L) / (L S^2), ``tt`` = I(log tau), ``st`` = I(log S, log tau),
        ``lt`` = I(L, log tau) / (L S^2)."""
        tau = np.asarray(tau, float)
        a, b = 0.5, 0.5 * tau
        ss = 2.0 * tau / (tau + 3.0)

        def beta_ratio(p):  # E B^p / (1 - B), B ~ Beta(1/2, tau/2)
            return np.exp(betaln(a + p, b - 1.0) - betaln(a, b))
        ez2 = tau / (tau - 2.0)
        with np.errstate(over="ignore", invalid="ignore"):
            ll = (ez2 - (tau + 1.0) * tau * beta_ratio(2.0)
                  + 0.25 * (tau + 1.0) ** 2 * tau * beta_ratio(3.0))
        big = tau > SERIES_TAU
        with np.errstate(over="ignore", invalid="ignore"):
            tt = np.where(big, 0.0, tau * tau * 0.25 * (
                polygamma(1, b) - polygamma(1, b + 0.5)
                - 2.0 * (tau + 5.0) / (tau * (tau + 1.0) * (tau + 3.0))))
            u = np.where(big, 1.0 / tau, 0.0)  # the same in 1/tau (no cancellation)
            tt = np.where(big, u * u * (3.5 + u * (-13.0 + u * (39.5 - 119.0 * u))), tt)
            # 7/4 - 4/tau + 14.5/tau^2 (BCCG's 7/4 in the limit; the coefficients from
            # the exact Beta moments in 60-digit arithmetic, to 1e-11 at tau = 1e4)
            ll = np.where(big, 1.75 + u * (-4.0 + 14.5 * u), ll)
        with np.errstate(over="ignore"):
            st_ = -2.0 / ((1.0 + 1.0 / tau) * (tau + 3.0))
        return {"mm": (tau + 1.0) / (tau + 3.0), "ss": ss, "ll": ll[()],
                "ml": 0.5 * (1.0 - ss), "sl": 0.5 * ss, "tt": tt[()],
                "st": st_, "lt": -2.0 / tau}


STUDENT_T = StudentT()
