"""Weighted quantile rules and CI transforms of R's survey package 4.1-1 (private).

``qrule_math`` and ``qrule_hf7`` repeat R's ``survey:::qrule_math`` / ``qrule_hf7`` step by
step, including R's long-double cumulative sums, so that a quantile that falls exactly on a
step of the weighted CDF is resolved as R resolves it.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats


def sort_weighted(x: np.ndarray, w: np.ndarray):
    """Values sorted as R's ``order()`` does, their cumulative weights and the total weight.

    Rows of zero weight are dropped first, as every ``survey:::qrule_*`` does.
    """
    keep = w != 0
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")  # R's order() is stable (radix)
    cumw = np.cumsum(w[order], dtype=np.longdouble).astype(float)  # R: long-double cumsum
    total = float(np.cumsum(w, dtype=np.longdouble)[-1]) if len(w) else 0.0
    return x[order], cumw, total


def qrule_math(xs: np.ndarray, cumw: np.ndarray, total: float, p: np.ndarray) -> np.ndarray:
    """Inverse of the weighted empirical CDF (R ``qrule="math"``, the default)."""
    n = len(xs)
    if n == 0:
        return np.full(len(p), np.nan)
    pos = np.searchsorted(cumw, p * total, side="right") - 1  # last cumw <= p * sum(w)
    pos = np.where(pos < 0, 0, pos)  # R's survey:::last() returns 1 when none qualifies
    nxt = np.minimum(pos + 1, n - 1)
    wlow = p - cumw[pos] / total
    return np.where(wlow == 0, xs[pos], xs[nxt])


def qrule_hf7(xs: np.ndarray, cumw: np.ndarray, total: float, p: np.ndarray) -> np.ndarray:
    """Weighted analogue of Hyndman-Fan type 7 (R ``qrule="hf7"``)."""
    n = len(xs)
    if n < 2:
        return np.full(len(p), xs[0] if n else np.nan)
    pk = np.concatenate(([0.0], cumw[:-1])) / cumw[n - 2]
    return np.interp(p, pk, xs)


QRULES = {"math": qrule_math, "hf7": qrule_hf7}


def tcrit(confidence: float, df) -> np.ndarray:
    """Two-sided critical value of Student's t (normal when df is infinite)."""
    return stats.t.ppf(0.5 + confidence / 2, df)


def proportion_ci(p, se, df, method: str, confidence: float, n_rows=None):
    """Confidence limits of a proportion as ``svyciprop`` (and ``woodruffCI``) compute them."""
    t = tcrit(confidence, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "mean":
            return p - t * se, p + t * se
        if method in ("logit", "xlogit"):  # Wald interval on the logit scale
            eta, s = special.logit(p), se / (p * (1 - p))
            return special.expit(eta - t * s), special.expit(eta + t * s)
        if method == "asin":
            eta, s = np.arcsin(np.sqrt(p)), se / (2 * np.sqrt(p * (1 - p)))
            return np.sin(eta - t * s) ** 2, np.sin(eta + t * s) ** 2
        if method == "beta":  # Korn & Graubard (1998)
            alpha = 1 - confidence
            n_eff = p * (1 - p) / se**2
            n_eff = n_eff * (stats.t.ppf(alpha / 2, n_rows - 1) / stats.t.ppf(alpha / 2, df)) ** 2
            low = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
            high = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
            return low, high
    raise ValueError(f"method must be one of 'logit', 'beta', 'mean', 'xlogit', 'asin'; "
                     f"got {method!r}")
