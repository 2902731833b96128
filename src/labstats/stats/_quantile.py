"""Weighted quantile rules and CI transforms of R's survey package 4.1-1 (private).

``qrule_math`` and ``qrule_hf7`` repeat R's ``survey:::qrule_math`` / ``qrule_hf7`` step by
step, including R's long-double cumulative sums, so that a quantile that falls exactly on a
step of the weighted CDF is resolved as R resolves it.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats


def sort_weighted(x: np.ndarray, w: np.ndarray):
    """Values sorted as R's ``order()`` does, their weights, cumulative weights, total weight.

    Rows of zero weight are dropped first, as every ``survey:::qrule_*`` does.
    """
    keep = w != 0
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")  # R's order() is stable (radix)
    cumw = np.cumsum(w[order], dtype=np.longdouble).astype(float)  # R: long-double cumsum
    total = float(np.cumsum(w, dtype=np.longdouble)[-1]) if len(w) else 0.0
    return x[order], w[order], cumw, total


def _step(xs, cumw, total, p, average_ties: bool):
    """R's ``survey:::qs`` and the choice of qrule_math (hf1) or qrule_school (hf2)."""
    n = len(xs)
    if n == 0:
        return np.full(len(p), np.nan)
    pos = np.searchsorted(cumw, p * total, side="right") - 1  # last cumw <= p * sum(w)
    below = pos < 0  # p below the first step: the smallest value (survey 4.1-1: the 2nd)
    pos = np.where(below, 0, pos)
    nxt = np.minimum(pos + 1, n - 1)
    on_step = (p - cumw[pos] / total) == 0
    low = (xs[pos] + xs[nxt]) / 2 if average_ties else xs[pos]
    return np.where(below, xs[0], np.where(on_step, low, xs[nxt]))


def qrule_math(xs, ws, cumw, total, p):
    """Inverse of the weighted empirical CDF (R ``qrule="math"`` = "hf1", the default)."""
    return _step(xs, cumw, total, p, average_ties=False)


def qrule_school(xs, ws, cumw, total, p):
    """As "math", but the midpoint where p falls on a step (R "school" = "hf2")."""
    return _step(xs, cumw, total, p, average_ties=True)


def _interp(pk_of):
    def rule(xs, ws, cumw, total, p):
        n = len(xs)
        if n < 2:
            return np.full(len(p), xs[0] if n else np.nan)
        return np.interp(p, pk_of(ws, cumw, n), xs)  # R: approx(pk, x, p, rule=2)
    return rule


# plotting positions of R's qrule_hf5 ... qrule_hf9 (survey 4.1-1), weighted
_PK = {
    "hf5": lambda w, c, n: (c - w / 2) / c[n - 1],
    "hf6": lambda w, c, n: c / (c[n - 1] + w[n - 1]),
    "hf7": lambda w, c, n: np.concatenate(([0.0], c[:-1])) / c[n - 2],
    "hf8": lambda w, c, n: (np.concatenate(([0.0], c[:-1])) / 3 + c * 2 / 3)
    / (c[n - 1] + w[n - 1] / 3),
    "hf9": lambda w, c, n: (np.concatenate(([0.0], c[:-1])) * 3 / 8 + c * 5 / 8)
    / (c[n - 1] + w[n - 1] / 4),
}

QRULES = {"math": qrule_math, "school": qrule_school, "hf1": qrule_math, "hf2": qrule_school,
          **{name: _interp(pk) for name, pk in _PK.items()}}


def tcrit(confidence: float, df) -> np.ndarray:
    """Two-sided critical value of Student's t (normal when df is infinite)."""
    return stats.t.ppf(0.5 + confidence / 2, df)


def proportion_ci(p, se, df, method: str, confidence: float, n_rows=None):
    """Confidence limits of a proportion as ``svyciprop`` (and ``woodruffCI``) compute them.

    Except "asin": R takes sin^2 of an angle beyond [0, pi/2], which folds back (limits in
    reverse order, or one that excludes ``p``); here the angle is clamped, so such a limit is
    0 or 1, as the beta interval reaches 0.
    """
    t = tcrit(confidence, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "mean":
            return p - t * se, p + t * se
        if method in ("logit", "xlogit"):  # Wald interval on the logit scale
            eta, s = special.logit(p), se / (p * (1 - p))
            return special.expit(eta - t * s), special.expit(eta + t * s)
        if method == "asin":  # angle clamped to [0, pi/2], where sin^2 rises (R: it folds)
            eta, s = np.arcsin(np.sqrt(p)), se / (2 * np.sqrt(p * (1 - p)))
            low, high = np.maximum(eta - t * s, 0.0), np.minimum(eta + t * s, np.pi / 2)
            return np.sin(low) ** 2, np.sin(high) ** 2
        if method == "beta":  # Korn & Graubard (1998)
            alpha = 1 - confidence
            n_eff = p * (1 - p) / se**2
            n_eff = n_eff * (stats.t.ppf(alpha / 2, n_rows - 1) / stats.t.ppf(alpha / 2, df)) ** 2
            low = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
            high = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
            return low, high
    raise ValueError(f"method must be one of 'logit', 'beta', 'mean', 'xlogit', 'asin'; "
                     f"got {method!r}")
