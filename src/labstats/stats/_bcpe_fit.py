"""Scores and expected information of the BCPE and BCT families for the LMS fitter.

Same interface as ``_lms_fit.State`` (BCCG), with a fourth parameter T = tau on the log
link: linear predictors log M, log S, L and log tau. The distribution of the Box-Cox z is
a "kernel" (``_bcpe.POWER_EXP``: BCPE; ``_bct.STUDENT_T``: BCT). Scores are the exact
derivatives of the truncated log density (``_bcpe.logpdf``), the truncation term included
(its tau derivative by a forward difference, as gamlss does); the Fisher scoring weights
are the expected information of the untruncated model (``kern.info``, as gamlss uses for
BCCG, BCPE and BCT). Written from Rigby & Stasinopoulos (2004, 2006), not from gamlss'
code. With psi(z) = d log f_T / dz:

* u_logM = -L - psi(z) (1/S + L z)
* u_logS = -1 - psi(z) z + h a                  (a = 1/(S|L|), h = f_T(a)/F_T(a))
* u_L    = log(y/M) + psi(z) dz/dL + sign(L) h a^2 S
* u_logtau = d log f_T(z) / d log tau - d log F_T(a) / d log tau
  (PE: u (A - log u) - E[u (A - log u)], u = |z/c|^tau / 2)
"""

from __future__ import annotations

import numpy as np

from labstats.stats import _bcpe
from labstats.stats._lms_fit import _stable

#: BCPE's bounds (``_bcpe.PowerExponential.tau_range``; BCT: ``_bct.StudentT``)
TAU_RANGE = _bcpe.POWER_EXP.tau_range


def tau_problem(fit, df_tau, who=""):
    """The warning for a BCPE or BCT fit whose tau ran off to a bound of its kernel's
    ``tau_range`` (BCPE: ``TAU_RANGE``), or None. A BCT fit held at ``kern.tau_max`` is
    told so: its curves are the BCCG limit's.

    A likelihood that keeps rising as tau -> infinity (values as light-tailed as a
    uniform, or bimodal) or tau -> 0 (a spike of tied values, or extreme outliers) has no
    finite maximum: the fit may still stop "converged" (the deviance barely changes out
    there) with tau at 1e15. ``fit``: ``fit_one``'s result; ``df_tau``: the df asked for
    tau (1: constant); ``who``: " of males" etc.
    """
    kern = _bcpe.kernel(fit["family"])
    with np.errstate(over="ignore"):
        tau = clamp_tau(np.exp(fit["eta"]["T"]), kern)
    lo, hi = kern.tau_range
    high = not (np.nanmax(tau) <= hi)
    if not (high or np.nanmin(tau) < lo):
        return None
    value = np.nanmax(tau) if high else np.nanmin(tau)
    why = kern.run_off["high" if high else "low"]
    fewer = "" if df_tau == 1.0 else "a constant tau (df={'T': 1}, the default) or fewer df for tau, "
    head = (f"fit_lms: the {kern.label} fit{who} has tau = {value:.3g}, outside {lo:g}-{hi:g}: tau "
            f"runs off to {'infinity' if high else '0'} ({why}), where the likelihood has no "
            f"maximum")
    capped = high and kern.tau_max is not None and value >= kern.tau_max * (1.0 - 1e-9)
    if capped and np.nanmin(tau) >= kern.tau_max * (1.0 - 1e-9):  # at every age
        return (f"{head}; tau was held at {kern.tau_max:g}, where the {kern.label} is the BCCG "
                f"to within 2e-5 in the z-score of every centile within |z| <= 4, so the curves "
                f"are the BCCG fit's: use family='bccg' for that model (without tau), or check "
                f"the data")
    held = f" (held at {kern.tau_max:g} at some ages)" if capped else ""
    return (f"{head}{held}, and the curves are unreliable: use family='bccg', {fewer}or check "
            f"the data")


def clamp_tau(tau, kern):
    """tau held at or below ``kern.tau_max`` (BCT's ``_bct.TAU_MAX``; BCPE: no cap). Data
    no heavier-tailed than the normal send a BCT fit's tau to infinity (BCT -> BCCG),
    where its likelihood has no maximum: the fitter evaluates the likelihood at the
    clamped tau (beyond the cap it is flat in log tau: score and cross-information 0), and
    the fitted tau curve is clamped the same way (``_lms_fit.tau_curve``), so that a run
    off tau stops at the cap, where BCT is the BCCG to ~1e-5 in z (``tau_problem`` says
    so), not on a walk to 1e16 and a FloatingPointError."""
    return tau if kern.tau_max is None else np.minimum(tau, kern.tau_max)


def _info_constants(kern, tau):
    """``kern.info`` for the scoring weights: a smooth tau curve (one tau per row) is
    evaluated once per distinct log tau rounded to 1e-4. The weights only set the steps of
    Fisher scoring, not the likelihood or its maximum (the scores are exact)."""
    if np.ndim(tau) == 0:
        return kern.info(tau)
    key, inv = np.unique(np.round(np.log(tau), 4), return_inverse=True)
    return {k: np.asarray(v)[inv] for k, v in kern.info(np.exp(key)).items()}


def _rows(const, rows):
    """The constants of tau (``kern.constants``) at ``rows`` when tau has one per row."""
    return {k: v[rows] if np.ndim(v) else v for k, v in const.items()}


def _quiet(method):
    """Run ``method`` with numpy's floating-point warnings off: a trial step may send tau
    or L far out (overflow, 0/0), the deviance is then not finite and the fitter halves
    the step; what the user must hear of is said once by ``fit_lms`` (non-convergence,
    ``tau_problem``), not as hundreds of RuntimeWarnings from inside labstats."""
    import functools

    @functools.wraps(method)
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"):
            return method(*args, **kwargs)
    return quiet


class BCPEState:
    """Data, prior weights and the BCPE (or BCT: ``kern=_bct.STUDENT_T``) quantities at
    the current linear predictors."""

    params = ("M", "S", "L", "T")

    def __init__(self, y, w, age=None, kern=None):
        self.kern = _bcpe.POWER_EXP if kern is None else kern
        self.family = self.kern.family
        # BCT's tau is held at or below the kernel's tau_max (``clamp_tau``); BCPE's is not
        self.log_tau_max = np.inf if self.kern.tau_max is None else float(np.log(self.kern.tau_max))
        self.y, self.w, self.logy = y, w, np.log(y)
        self._cache = (None, None)
        self._tau_cache = (None, None)
        # S and L, hence the truncation point a, are functions of age: with few distinct
        # ages (NHANES: whole years) the tail functions run once per age
        self._by_age = None
        if age is not None:
            _, first, inverse = np.unique(age, return_index=True, return_inverse=True)
            if first.size < 0.5 * age.size:
                self._by_age = (first, inverse)

    def _tau(self, eta_t):
        """tau (``clamp_tau``): a scalar when log tau is constant across rows (the default
        df 1), so that the functions of tau alone are computed once."""
        eta_t = np.minimum(eta_t, self.log_tau_max)
        if np.ptp(eta_t) <= 1e-12 * (1.0 + abs(eta_t[0])):
            return np.float64(np.exp(eta_t[0]))  # (numpy's 1/0 = inf: a step halved)
        return np.exp(eta_t)

    def quantities(self, eta):
        sigma, nu, tau = np.exp(eta["S"]), eta["L"], self._tau(eta["T"])
        ell = self.logy - eta["M"]
        e1, g = _stable(nu * ell)
        z = ell * e1 / sigma
        with np.errstate(divide="ignore", over="ignore"):
            a = 1.0 / (sigma * np.abs(nu))
        return sigma, nu, tau, ell, z, e1, g, a

    def _of_tau(self, eta, tau):
        """The kernel's constants of tau (``kern.constants``), kept for the last tau: a
        smooth tau has one value per row, and gammaln/digamma per row were a fifth of a
        smooth-tau fit."""
        key = hash(eta["T"].tobytes()) if np.ndim(tau) else tau
        if self._tau_cache[0] != key:
            self._tau_cache = (key, self.kern.constants(tau))
        return self._tau_cache[1]

    def _truncation(self, eta, a, tau, need_dtau):
        """log F_T(a) and, if asked, d log F_T(a) / d log tau: the tail functions cost
        most of a step, and they depend on S, L and tau only (not on M), so the last
        result is kept (and a later call that wants the tau derivative too computes only
        that: Fisher scoring asks for the deviance at a step, then the scores at the same
        point)."""
        key = (hash(eta["S"].tobytes()), hash(eta["L"].tobytes()), hash(np.asarray(tau).tobytes()))
        got_key, got = self._cache
        if got_key != key:
            by_age = self._by_age is not None and np.ndim(tau) == 0
            aa = a[self._by_age[0]] if by_age else a
            # rows whose cut tail is negligible (PE: below e^-60) keep 0: the tail function
            # is the cost, and such tails change nothing
            const = self._of_tau(eta, tau)
            fin = ~self.kern.negligible(aa, tau, const)
            tf, cf = (tau, const) if np.ndim(tau) == 0 else (tau[fin], _rows(const, fin))
            log_in = np.zeros_like(aa)
            if fin.any():
                log_in[fin] = np.log1p(-self.kern.half_tail(aa[fin], tf, cf))
            inv = self._by_age[1] if by_age else None
            got = {"rows": (aa[fin], tf, fin, log_in, inv), "dtau": None,
                   "log_inside": log_in if inv is None else log_in[inv]}
            self._cache = (key, got)
        if need_dtau and got["dtau"] is None:
            af, tf, fin, log_in, inv = got["rows"]
            dtau = np.zeros_like(log_in)
            if fin.any():
                dtau[fin] = _bcpe.tail_dlogtau(af, tf, log_in[fin], kern=self.kern)
            got["dtau"] = dtau if inv is None else dtau[inv]
        return got["log_inside"], got["dtau"] if need_dtau else None

    @_quiet
    def deviance(self, eta) -> float:
        """Global deviance -2 sum w log f of the truncated BCPE (BCT)."""
        sigma, nu, tau, ell, z, e1, g, a = self.quantities(eta)
        log_inside = self._truncation(eta, a, tau, False)[0]
        const = self._of_tau(eta, tau)
        logf = (nu * ell - self.logy - eta["S"] + self.kern.logpdf(z, tau, const) - log_inside)
        # an elementwise sum, not np.dot: BLAS' dot on a loaded machine waits ~20 ms for
        # its threads, for a 20,000-vector
        return float(-2.0 * (self.w * logf).sum())

    def _scores_info(self, eta, need_dtau=True):
        kern = self.kern
        sigma, nu, tau, ell, z, e1, g, a = self.quantities(eta)
        const = self._of_tau(eta, tau)
        psi, zpsi, u_tau = kern.score_terms(z, tau, const)
        fin = np.isfinite(a)
        af = np.where(fin, a, 0.0)
        log_inside, dtau = self._truncation(eta, a, tau, need_dtau)
        with np.errstate(over="ignore", invalid="ignore"):
            h = np.where(fin, np.exp(kern.logpdf(af, tau, const) - log_inside), 0.0)
        dz_dnu = ell * ell * (e1 - g) / sigma
        # rows whose log tau is above the cap (``clamp_tau``) have tau = tau_max whatever
        # it is: nothing depends on it, so its score and its cross-information are 0
        free = eta["T"] < self.log_tau_max
        u_sc = {"M": -nu - psi * (1.0 / sigma + nu * z),
                "S": -1.0 - zpsi + h * af,
                "L": ell + psi * dz_dnu + np.sign(nu) * h * af * af * sigma,
                "T": np.where(free, u_tau - (0.0 if dtau is None else dtau), 0.0)}
        C = _info_constants(kern, np.maximum(tau, kern.info_tau_min))
        s2 = sigma * sigma
        one = np.ones_like(z)
        info = {("M", "M"): C["mm"] / s2 + nu * nu * C["ss"], ("S", "S"): C["ss"] * one,
                ("L", "L"): s2 * C["ll"], ("T", "T"): C["tt"] * one,
                ("M", "S"): nu * C["ss"], ("M", "L"): C["ml"] * one,
                ("S", "L"): nu * s2 * C["sl"], ("M", "T"): free * nu * C["st"],
                ("S", "T"): free * C["st"], ("L", "T"): free * nu * s2 * C["lt"]}
        return u_sc, info

    @_quiet
    def scores(self, eta):
        """Scores and expected information per observation (link scales, cross terms)."""
        return self._scores_info(eta)

    @_quiet
    def working(self, eta, which):
        """Working weights and response of parameter ``which`` (Fisher scoring)."""
        u, info = self._scores_info(eta, need_dtau=which == "T")
        ii = info[(which, which)]
        return self.w * ii, eta[which] + u[which] / ii

    @_quiet
    def residuals(self, eta):
        """Normalised quantile residuals Phi^-1(F(y))."""
        with np.errstate(invalid="ignore"):
            return _bcpe.zscore(self.y, eta["L"], np.exp(eta["M"]), np.exp(eta["S"]),
                                self._tau(eta["T"]), self.kern)
