"""Shared machinery of the statistics modules: paired inputs and tidy result frames."""

from __future__ import annotations

import numpy as np

from labstats._validate import common_index, to_float_array

#: Columns of every tidy result of labstats.stats.agreement, in order.
COLUMNS = ["statistic", "estimate", "se", "ci_low", "ci_high", "df", "p_value", "n_obs",
           "method"]


def paired(x, y, *, names=("x", "y"), min_n: int = 3, positive=None, mask: bool = False):
    """``x`` and ``y`` as float arrays with the pairs holding a NaN left out.

    Raises ``ValueError`` for different lengths, Series with different indexes,
    infinite values or fewer than ``min_n`` complete pairs; ``positive`` maps an argument's
    name to the advice of the ``ValueError`` for its values <= 0 in complete pairs (what
    needs them positive, and the fix). With ``mask``, also the boolean of the pairs kept,
    by position in ``x`` and ``y``.
    """
    common_index(x, y, names=names)
    a = np.atleast_1d(to_float_array(x, names[0]))
    b = np.atleast_1d(to_float_array(y, names[1]))
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"{names[0]} and {names[1]} must be one-dimensional")
    if a.shape != b.shape:
        raise ValueError(f"{names[0]} has {a.size} values and {names[1]} has {b.size}; "
                         "they must be paired measurements of the same samples")
    no_inf(a, x, names[0], "to leave that pair out")
    no_inf(b, y, names[1], "to leave that pair out")
    keep = ~(np.isnan(a) | np.isnan(b))
    n = int(keep.sum())
    if n < min_n:
        raise ValueError(f"{names[0]}, {names[1]}: {n} complete pairs; at least {min_n} "
                         "are needed (pairs holding a NaN are left out)")
    for arr, original, name in ((a, x, names[0]), (b, y, names[1])):
        if name in (positive or {}):
            refuse(keep & (arr <= 0), arr, original, name, "value(s) at or below 0",
                   positive[name])
    return (a[keep], b[keep], keep) if mask else (a[keep], b[keep])


def refuse(bad: np.ndarray, arr: np.ndarray, original, name: str, what: str,
           advice: str) -> None:
    """Raise ``ValueError`` when any of ``bad``, naming how many, the first value of ``arr``
    among them and its index label (from ``original``, what the user passed), then ``advice``.
    """
    if bad.any():
        from labstats._validate import _label

        pos = int(np.flatnonzero(bad.ravel())[0])
        raise ValueError(f"{name}: {int(bad.sum())} {what}; the first is "
                         f"{float(arr.ravel()[pos])!r} at index {_label(original, pos)!r}. "
                         f"{advice}")


def no_inf(arr: np.ndarray, original, name: str, what: str = "to leave it out") -> None:
    """Raise ``ValueError`` naming the first infinite value of ``arr`` and its index label.

    ``original`` is what the user passed (its Series index gives the label). An infinite
    value is never a measurement: it is refused, never used or dropped silently.
    """
    bad = np.isinf(arr)
    refuse(bad, arr, original, name, f"infinite value{'s' if bad.sum() > 1 else ''}",
           f"An infinite value is not a measurement: correct it, or replace it with NaN {what}.")


def require_spread(values: np.ndarray, name: str, what: str) -> None:
    """Raise ``ValueError`` when all of ``values`` are equal: ``what`` cannot be computed."""
    # equal up to rounding (e.g. ln(2x) - ln(x) for every x)
    if values.size and np.ptp(values) <= 16 * np.finfo(float).eps * np.max(np.abs(values)):
        raise ValueError(f"{name}: all {values.size} values equal {float(values[0])!r}, so "
                         f"{what} cannot be computed. A method comparison needs samples that span "
                         "the measuring range; check that the right column was passed.")


def check_confidence(confidence: float, name: str = "confidence") -> float:
    if not (isinstance(confidence, (int, float)) and 0.0 < confidence < 1.0):
        raise ValueError(f"{name} must be a number between 0 and 1 (e.g. 0.95), "
                         f"got {confidence!r}")
    return float(confidence)


def check_centiles(centiles, name: str = "centiles") -> np.ndarray:
    """``centiles`` (0-100) as a float array; ``ValueError`` naming the first that is not
    strictly between 0 and 100 (its z would be infinite or NaN, its curve silently 0/NaN)."""
    c = np.atleast_1d(np.asarray(centiles, dtype=float))
    bad = ~((c > 0) & (c < 100))
    if bad.any():
        raise ValueError(f"{name}: {c[bad][0]:g} is not a centile; give centiles strictly "
                         "between 0 and 100 (e.g. 3, 50, 97)")
    return c


def warn_few_resamples(n: int, confidence: float, name: str) -> bool:
    """Warn (and return True) when ``n`` bootstrap resamples are too few for a percentile
    CI at ``confidence``: below 2 / (1 - confidence) (20 for 90 %) a tail holds less than
    one resample and the CI's ends are the extreme resamples (1: a zero-width CI)."""
    need = int(np.ceil(2.0 / (1.0 - confidence) - 1e-9))
    if 0 < n < need:
        from labstats._validate import warn

        warn(f"{name}={n} resamples are too few for a {confidence:.0%} percentile CI (at "
             f"least {need}; the CI's ends are then the extreme resamples, or one value): "
             "do not read it as the limits' uncertainty; use a few hundred")
        return True
    return False


def check_method(method: str, valid, name: str = "method") -> str:
    if method not in valid:
        raise ValueError(f"unknown {name} {method!r}; valid: {', '.join(sorted(valid))}")
    return method


def frame(rows, columns=COLUMNS):
    """Long DataFrame from a list of dicts; absent cells are NaN, never rounded."""
    import pandas as pd

    out = pd.DataFrame.from_records(rows)
    for col in columns:
        if col not in out.columns:
            out[col] = np.nan
    rest = [c for c in out.columns if c not in columns]
    return out[list(columns) + rest]
