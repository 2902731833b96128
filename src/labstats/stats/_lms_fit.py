"""Penalised-likelihood fit of the BCCG (LMS) model: the Rigby-Stasinopoulos RS algorithm.

Model (Cole & Green 1992; Rigby & Stasinopoulos 2004, the truncated BCCG): for age t,
y > 0 has z = ((y/M)^L - 1)/(L S) standard normal, truncated to y > 0. Links: log M, log S,
identity L; each is a penalised cubic B-spline of age (``_lms_smooth``). Fisher scoring
with the expected information of Cole & Green / Rigby & Stasinopoulos, one parameter at a
time (the RS algorithm, cross-information ignored), each step a penalised weighted least
squares whose smoothness is chosen on the working model. Written from the publications.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr

from labstats.stats._lms_smooth import Basis, Smoother

PARAMS = ("M", "S", "L")  # the RS cycle: mu, sigma, nu
_LOG_2PI = np.log(2.0 * np.pi)


def _stable(x):
    """expm1(x)/x and (expm1(x) - x)/x^2, accurate at and near x = 0."""
    small = np.abs(x) < 1e-4
    xs = np.where(small, 1.0, x)
    e1 = np.where(small, 1.0 + x / 2.0 + x * x / 6.0, np.expm1(xs) / xs)
    g = np.where(small, 0.5 + x / 6.0 + x * x / 24.0, (np.expm1(xs) - xs) / (xs * xs))
    return e1, g


class State:
    """Data, prior weights and the current linear predictors of one LMS fit."""

    params = PARAMS
    family = "bccg"

    def __init__(self, y, w):
        self.y, self.w, self.logy = y, w, np.log(y)

    def quantities(self, eta):
        mu, sigma, nu = np.exp(eta["M"]), np.exp(eta["S"]), eta["L"]
        ell = self.logy - eta["M"]
        e1, g = _stable(nu * ell)
        z = ell * e1 / sigma
        a = 1.0 / (sigma * np.maximum(np.abs(nu), 1e-300))
        with np.errstate(over="ignore", invalid="ignore"):
            h = np.where(np.isfinite(a), np.exp(-0.5 * a * a - 0.5 * _LOG_2PI - log_ndtr(a)), 0.0)
        return mu, sigma, nu, ell, z, g, a, h

    def deviance(self, eta) -> float:
        """Global deviance -2 sum w log f of the truncated BCCG."""
        mu, sigma, nu, ell, z, g, a, h = self.quantities(eta)
        logf = ((nu - 1.0) * self.logy - nu * eta["M"] - eta["S"] - 0.5 * z * z
                - 0.5 * _LOG_2PI - np.where(np.isfinite(a), log_ndtr(a), 0.0))
        # an elementwise sum, not np.dot: BLAS' dot of a long vector on a loaded machine
        # waits for its threads (2.8 s -> 0.4 s for a 20,000-row fit with load 5 on 2 cores)
        return float(-2.0 * (self.w * logf).sum())

    def scores(self, eta):
        """Scores and expected information per observation in the link scale (log M, log S,
        L): Cole & Green (1992) / Rigby & Stasinopoulos (2004), cross terms included."""
        mu, sigma, nu, ell, z, g, a, h = self.quantities(eta)
        u = {"M": z / sigma + nu * (z * z - 1.0),
             "S": z * z - 1.0 + h * a,
             "L": z * ell * ell * g / sigma - ell * (z * z - 1.0) + np.sign(nu) * h * a * a * sigma}
        s2 = sigma * sigma
        info = {("M", "M"): (1.0 + 2.0 * nu * nu * s2) / s2, ("S", "S"): np.full_like(z, 2.0),
                ("L", "L"): 1.75 * s2, ("M", "S"): 2.0 * nu, ("M", "L"): np.full_like(z, -0.5),
                ("S", "L"): nu * s2}
        return u, info

    def working(self, eta, which):
        """Working weights and response of parameter ``which`` (Fisher scoring)."""
        mu, sigma, nu, ell, z, g, a, h = self.quantities(eta)
        if which == "M":  # log link: u_mu * mu / (I_mu * mu^2), I_mu mu^2 = (1+2 nu^2 s^2)/s^2
            info = (1.0 + 2.0 * nu * nu * sigma * sigma) / (sigma * sigma)
            step = (z / sigma + nu * (z * z - 1.0)) / info
        elif which == "S":  # log link: I_sigma sigma^2 = 2; truncation term h a
            info = np.full_like(z, 2.0)
            step = (z * z - 1.0 + h * a) / 2.0
        else:  # nu, identity link: I = 7 sigma^2 / 4
            info = 1.75 * sigma * sigma
            trunc = np.sign(nu) * h * a * a * sigma
            step = (z * ell * ell * g / sigma - ell * (z * z - 1.0) + trunc) / info
        return self.w * info, eta[which] + step

    def residuals(self, eta):
        """Normalised quantile residuals Phi^-1(F(y)) of the fitted truncated BCCG."""
        return residuals(self.y, eta)


def _state(y, w, family, age):
    if family in ("bcpe", "bct"):
        from labstats.stats._bcpe import kernel
        from labstats.stats._bcpe_fit import BCPEState

        return BCPEState(y, w, age, kernel(family))
    return State(y, w)


def fit_one(age, y, w, df, k, *, max_iter=100, tol=1e-6, n_intervals=20, start=None,
            family="bccg"):
    """Fit one group (one sex). ``df``: {param: target edf or None (choose by GAIC(k))}.
    ``family``: "bccg" (parameters M, S, L) "bcpe" (and T, log tau; start tau = 2) or "bct"
    (T: the t's degrees of freedom; start tau = 10, as gamlss).

    Returns a dict with the basis, coefficients, edf, lambdas, deviance, iterations.
    """
    basis = Basis(float(age.min()), float(age.max()), n_intervals)
    B = basis.matrix(age)
    state = _state(y, w, family, age)
    params = state.params
    coef, lam, edf = {}, {}, {}
    # BCPE's tau at df 1 is an exact constant (one coefficient; the other curves' df 1 stay
    # the order-1 penalised spline at the largest lambda, as before)
    const = {p for p in params if p == "T" and df[p] == 1.0}

    def smooth(which, ww, zz, penalty_order=2):
        target = df[which]
        if which in const:
            return np.full(basis.size, (ww * zz).sum() / ww.sum()), 0.0, 1.0, None
        order = 1 if target is not None and target < 2.0 else 2
        sm = Smoother(B, ww, zz, basis.penalty[order])
        if target is not None:
            lam_ = sm.for_edf(target)
        elif k is None:  # local ML
            lam_ = sm.for_ml(int(np.count_nonzero(ww > 0)), order, lam.get(which, 10.0))
        else:
            lam_ = sm.for_gaic(k)
        return sm.coef(lam_), lam_, float(sm.edf(lam_)), sm

    # Starting values: log M a smooth of log y, S the spread of log y about it, L = start.
    if start is None:
        b, *_ = smooth("M", w, state.logy)
        coef["M"] = b
        resid = state.logy - B @ b
        coef["S"] = np.full(basis.size, 0.5 * np.log(np.dot(w, resid ** 2) / w.sum()))
        coef["L"] = np.zeros(basis.size)
        if "T" in params:
            coef["T"] = np.full(basis.size, np.log(state.kern.tau_start))  # BCPE: BCCG
    else:
        coef = {p: np.array(c, float) for p, c in start.items()}
    eta = {p: B @ coef[p] for p in params}
    dev = state.deviance(eta)
    pens = {p: basis.penalty[1 if df[p] is not None and df[p] < 2 else 2] for p in params}

    def rs_cycle():
        nonlocal eta, dev
        for which in params:
            ww, zz = state.working(eta, which)
            if not np.all(np.isfinite(zz)):
                raise FloatingPointError(f"LMS fit: non-finite working values for {which}")
            b, lam[which], edf[which], _ = smooth(which, ww, zz)
            new_eta = dict(eta, **{which: B @ b})
            new_dev = state.deviance(new_eta)
            pen, step = pens[which], 1.0
            # Step halving: the penalised deviance at this lambda must not increase.
            while (not np.isfinite(new_dev) or new_dev + lam[which] * b @ pen @ b
                   > dev + lam[which] * coef[which] @ pen @ coef[which] + 1e-9 * abs(dev)) \
                    and step > 1e-3:
                step /= 2.0
                b = coef[which] + step * (b - coef[which])
                new_eta = dict(eta, **{which: B @ b})
                new_dev = state.deviance(new_eta)
            coef[which], eta, dev = b, new_eta, new_dev

    # Phase 1, RS (Rigby & Stasinopoulos 2005): parameters in turn, smoothness re-chosen at
    # every step, until the deviance settles to 1e-4 or 20 cycles.
    it = 0
    while it < min(max_iter, 20):
        it += 1
        old = dev
        rs_cycle()
        if abs(old - dev) < 1e-4 * (1.0 + abs(dev)):
            break
    # Phase 2, Cole & Green's algorithm: joint Fisher scoring of the three curves with the
    # cross-information, at the current lambdas (the RS cycles alone creep where L and S
    # trade off); then one RS cycle re-chooses the lambdas; until both are stable.
    converged, prev = False, None
    while it < max_iter:
        it += 1
        coef, eta, dev = cole_green(state, B, coef, lam, pens, tol, const=const)
        # Converged: the deviance and each curve's smoothness are stable. A chosen lambda
        # may wander where the likelihood is flat in it (1e8 and 1e9 are both a straight
        # line): there its edf, not lambda, is what must be stable.
        if prev is not None and abs(prev[0] - dev) < tol * (1.0 + abs(dev)) and all(
                abs(lam[p] - prev[1][p]) <= 1e-3 * prev[1][p] + 1e-12
                or (df[p] is None and abs(edf[p] - prev[2][p]) <= 1e-3) for p in params):
            converged = True
            break
        prev = (dev, dict(lam), dict(edf))
        rs_cycle()
    return {"basis": basis, "coef": coef, "lambda": lam, "edf": edf, "deviance": dev,
            "iterations": it, "converged": converged, "eta": eta, "family": state.family,
            "state": state}


def cole_green(state, B, coef, lam, pens, tol, max_iter=50, const=frozenset()):
    """Penalised Fisher scoring of (log M, log S, L[, log tau]) jointly at fixed lambdas
    (Cole & Green 1992), with step halving on the penalised deviance. Parameters in
    ``const`` stay constant in age (one coefficient). Returns (coef, eta, deviance)."""
    names = state.params
    size = {k: 1 if k in const else B.size for k in names}
    start = dict(zip(names, np.cumsum([0] + [size[k] for k in names[:-1]]), strict=True))
    total = sum(size.values())
    coef = {k: np.asarray(v, float) for k, v in coef.items()}

    def block(a, b, w):
        if a in const and b in const:
            return np.array([[w.sum()]])
        if a in const:
            return B.tdot(w)[None, :]
        if b in const:
            return B.tdot(w)[:, None]
        return B.gram(w)

    def grad_of(k, u):
        g = state.w * u[k]
        return np.array([g.sum()]) if k in const else B.tdot(g) - lam[k] * pens[k] @ coef[k]

    def expand(k, d):
        return np.full(B.size, d[0]) if k in const else d

    def objective(c):
        e = {k: B @ c[k] for k in names}
        d = state.deviance(e)
        return d + sum(lam[k] * c[k] @ pens[k] @ c[k] for k in names), e, d

    obj, eta, dev = objective(coef)
    for _ in range(max_iter):
        u, info = state.scores(eta)
        grad = np.concatenate([grad_of(k, u) for k in names])
        H = np.zeros((total, total))
        for i, a in enumerate(names):
            ra = slice(start[a], start[a] + size[a])
            for j, b in enumerate(names):
                if j < i:
                    continue
                rb = slice(start[b], start[b] + size[b])
                key = (a, b) if (a, b) in info else (b, a)
                blk = block(a, b, state.w * info[key])
                H[ra, rb] = blk
                H[rb, ra] = blk.T
            if a not in const:
                H[ra, ra] += lam[a] * pens[a]
        try:
            delta = np.linalg.solve(H + 1e-10 * np.trace(H) / H.shape[0] * np.eye(total), grad)
        except np.linalg.LinAlgError:
            break
        step = 1.0
        while step > 1e-4:
            trial = {k: coef[k] + step * expand(k, delta[start[k]:start[k] + size[k]])
                     for k in names}
            t_obj, t_eta, t_dev = objective(trial)
            # the objective is -2 x penalised log-likelihood: its decrease is 2 x (ascent)
            if np.isfinite(t_obj) and t_obj <= obj + 1e-12 * abs(obj):
                break
            step /= 2.0
        else:
            break
        done = obj - t_obj < tol * 1e-3 * (1.0 + abs(obj))
        coef, eta, dev, obj = trial, t_eta, t_dev, t_obj
        if done:
            break
    return coef, eta, dev


def curves(fit):
    """callable(age) -> (L, M, S) arrays on the fitted splines."""
    basis, coef = fit["basis"], fit["coef"]

    def at(age):
        a = np.asarray(age, float)
        return (basis.evaluate(a, coef["L"]), np.exp(basis.evaluate(a, coef["M"])),
                np.exp(basis.evaluate(a, coef["S"])))
    return at


def tau_curve(fit):
    """callable(age) -> tau on the fitted spline of log tau (BCPE and BCT fits only; BCT's
    held at or below its cap, ``_bcpe_fit.clamp_tau``)."""
    from labstats.stats._bcpe import kernel
    from labstats.stats._bcpe_fit import clamp_tau

    basis, coef, kern = fit["basis"], fit["coef"], kernel(fit["family"])
    return lambda age: clamp_tau(np.exp(basis.evaluate(np.asarray(age, float), coef["T"])), kern)


def values_at(fit, z, age):
    """Values at normal scores ``z`` (broadcast with ``age``) on the fitted curves."""
    from labstats.stats import _bcpe, _lms

    L, M, S = curves(fit)(age)
    family = fit.get("family", "bccg")
    if family != "bccg":
        return _bcpe.value(z, L, M, S, tau_curve(fit)(age), _bcpe.kernel(family))
    return _lms.bccg_value(z, L, M, S)


def residuals(state_y, eta):
    """Normalised quantile residuals Phi^-1(F(y)) of the fitted truncated BCCG."""
    from labstats.stats import _lms

    mu, sigma, nu = np.exp(eta["M"]), np.exp(eta["S"]), eta["L"]
    with np.errstate(invalid="ignore"):
        return _lms.bccg_zscore(state_y, nu, mu, sigma)
