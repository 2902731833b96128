"""How assay imprecision carries into a calculated value: delta method and Monte Carlo."""

from __future__ import annotations

import numpy as np

from labstats._validate import (
    _is_series,
    as_constant,
    as_count,
    broadcast_rows,
    to_float_array,
    warn,
)
from labstats.stats._common import check_confidence, check_method, no_inf

__all__ = ["propagate_imprecision"]

_METHODS = ("delta", "monte_carlo")
_MC_BLOCK = 1 << 21  # Monte Carlo values per input held at once (16 MB)
_DISTRIBUTIONS = ("normal", "lognormal")


def _broadcast_inputs(inputs):
    if not inputs:
        raise ValueError("inputs: give at least one input, e.g. {'total_testosterone': 15.0}")
    index = next((v.index for v in inputs.values() if _is_series(v)), None)
    for name, v in inputs.items():
        if _is_series(v) and not v.index.equals(index):
            raise ValueError(f"inputs: {name!r} is a Series with another index than the first "
                             "Series; align them first")
    arrays = {k: np.atleast_1d(to_float_array(v, k)) for k, v in inputs.items()}
    for k, a in arrays.items():
        no_inf(a, inputs[k], f"inputs[{k!r}]", "(the result for that row is then NaN)")
    try:
        np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError as exc:
        sizes = ", ".join(f"{k}: {a.size}" for k, a in arrays.items())
        raise ValueError(f"inputs: lengths differ ({sizes}); give scalars or equal lengths") \
            from exc
    arrays = dict(zip(arrays, broadcast_rows(list(arrays.values()),
                                             [f"inputs[{k!r}]" for k in arrays]), strict=True))
    return {k: a.ravel().copy() for k, a in arrays.items()}, index


def _check_cvs(cvs, names):
    out = {}
    for name, cv in cvs.items():
        if name not in names:
            raise ValueError(f"cvs: {name!r} is not one of the inputs ({', '.join(names)})")
        cv = float(cv)
        if not (0 <= cv < 1):  # NaN fails too; 5 meant as 5 % would give sd = 5 x
            raise ValueError(f"cvs: {name!r} = {cv!r}; a coefficient of variation is a "
                             "fraction >= 0 and < 1 (5 % is 0.05)")
        out[name] = cv
    return out


def propagate_imprecision(function, inputs, cvs, *, method: str = "delta",
                          n_draws: int = 10_000, distribution: str = "normal",
                          confidence: float = 0.95, seed: int | None = 1,
                          step: float = 1e-6):
    r"""Standard deviation and CV of a calculated value caused by imprecise inputs.

    Parameters
    ----------
    function : callable
        Vectorised; called as ``function(**arrays)`` with one float array per input
        (e.g. ``labstats.free_testosterone``). Fix other arguments with
        ``functools.partial``.
    inputs : mapping of str to float, array_like or pandas.Series
        Measured values, by argument name (broadcast against each other) [their units].
    cvs : mapping of str to float
        Analytical coefficient of variation of each imprecise input, as a fraction
        (0.05 = 5 %) [–]. Inputs not named are held fixed. Errors are independent.
    method : {"delta", "monte_carlo"}, default "delta"
        ``"delta"``: first-order law of propagation (GUM [1]_ eq. 10) with central
        numerical derivatives; ``"monte_carlo"``: ``n_draws`` random draws of the
        inputs (GUM Supplement 1 [2]_).
    n_draws : int, default 10000
        Draws per input point (Monte Carlo); made for a block of rows at a time, about
        2 million values (16 MB) per input, so that memory does not grow with the rows.
    distribution : {"normal", "lognormal"}, default "normal"
        Monte Carlo error model: ``x (1 + cv Z)``, or a log-normal with the same mean
        and CV (never negative).
    confidence : float, default 0.95
        Level of the interval: ``estimate ± z sd`` (delta) or the central percentiles
        of the draws (Monte Carlo).
    seed : int, default 1
        Seed of ``numpy.random.default_rng`` (Monte Carlo); results are reproducible.
    step : float, default 1e-6
        Relative step of the numerical derivative (delta).

    Returns
    -------
    pandas.DataFrame
        One row per input point (the index of a Series input is kept): ``estimate``
        (the function at the inputs), ``sd``, ``cv`` (= sd / abs(estimate)), ``ci_low``,
        ``ci_high``, ``method``, and for the delta method ``share_<input>``, the
        fraction of the variance due to each imprecise input. Monte Carlo reports the
        SD of the draws; its ``estimate`` is still the function at the inputs.

    Raises
    ------
    ValueError
        For a CV naming no input, a CV not in [0, 1) (a percentage passed as a fraction),
        unequal input lengths, a ``step`` not in (0, 1) or an unknown
        ``method``/``distribution``.

    Notes
    -----
    The delta method is exact for linear functions and first-order otherwise; for
    a product of powers :math:`y = \prod x_i^{p_i}` it gives
    :math:`u(y)/y = \sqrt{\sum (p_i\,u(x_i)/x_i)^2}` (GUM eq. 12), e.g. for the free
    androgen index 100 TT/SHBG, :math:`CV = \sqrt{CV_{TT}^2 + CV_{SHBG}^2}`. Validated
    against that identity and, for Monte Carlo, against the exact variance of sums
    and of the log-normal product (tests/stats/test_imprecision.py). Missing inputs
    give NaN rows.

    References
    ----------
    .. [1] JCGM, "Evaluation of measurement data - Guide to the expression of
       uncertainty in measurement," JCGM 100:2008, doi:10.59161/JCGM100-2008E.
    .. [2] JCGM, "Evaluation of measurement data - Supplement 1 to the GUM -
       Propagation of distributions using a Monte Carlo method," JCGM 101:2008,
       doi:10.59161/JCGM101-2008.

    Examples
    --------
    Free androgen index with 5 % CV on testosterone and 4 % on SHBG:

    >>> fai = lambda tt, shbg: 100 * tt / shbg
    >>> res = propagate_imprecision(fai, {"tt": 15.0, "shbg": 40.0}, {"tt": 0.05, "shbg": 0.04})
    >>> round(float(res.cv[0]), 6), round((0.05**2 + 0.04**2) ** 0.5, 6)
    (0.064031, 0.064031)
    """
    import pandas as pd

    check_method(method, _METHODS)
    check_method(distribution, _DISTRIBUTIONS, "distribution")
    confidence = check_confidence(confidence)
    step = as_constant(step, "step", low=0.0, high=1.0,
                       hint="It is the relative step of the numerical derivative, e.g. 1e-6.")
    arrays, index = _broadcast_inputs(dict(inputs))
    cvs = _check_cvs(dict(cvs), list(arrays))
    n = next(iter(arrays.values())).size
    estimate = np.asarray(function(**arrays), dtype=float).reshape(-1)
    from scipy import stats

    z = stats.norm.ppf(0.5 + confidence / 2)
    out = {"estimate": estimate}
    if method == "delta":
        parts = {}
        for name, cv in cvs.items():
            x = arrays[name]
            up, down = dict(arrays), dict(arrays)
            up[name], down[name] = x * (1 + step), x * (1 - step)
            with np.errstate(divide="ignore", invalid="ignore"):
                slope = (np.asarray(function(**up), dtype=float).reshape(-1)
                         - np.asarray(function(**down), dtype=float).reshape(-1)) / (2 * step * x)
            # an input of 0 has sd cv * 0 = 0: it adds nothing (its slope above is 0/0)
            parts[name] = np.where(x == 0, 0.0, (slope * cv * x) ** 2)
        var = sum(parts.values()) if parts else np.zeros(n)
        sd = np.sqrt(var)
        out.update(sd=sd, ci_low=estimate - z * sd, ci_high=estimate + z * sd)
        with np.errstate(divide="ignore", invalid="ignore"):
            shares = {f"share_{k}": np.where(var > 0, v / var, 0.0) for k, v in parts.items()}
    else:
        n_draws = as_count(n_draws, "n_draws", low=2, what="Monte Carlo draws per input "
                           "point")
        rng = np.random.default_rng(seed)
        a = (1 - confidence) / 2
        sd, lo, hi = np.empty(n), np.empty(n), np.empty(n)
        flipped = dict.fromkeys(cvs, 0)
        nan_draws = np.zeros(n, dtype=np.int64)
        step_rows = max(1, _MC_BLOCK // n_draws)  # rows at once: bounds the draws in memory
        for r0 in range(0, n, step_rows):  # one pass per block of rows (all rows when few)
            rows = slice(r0, min(n, r0 + step_rows))
            draws = {}
            for name, full in arrays.items():
                x = full[rows]
                if name not in cvs:
                    draws[name] = np.tile(x, n_draws)
                    continue
                zz = rng.standard_normal((n_draws, x.size))
                if distribution == "normal":
                    d = x * (1 + cvs[name] * zz)
                    flipped[name] += int(np.sum((d <= 0) & (x > 0)))  # Z < -1/cv
                else:
                    s2 = np.log1p(cvs[name] ** 2)
                    d = x * np.exp(np.sqrt(s2) * zz - s2 / 2)
                draws[name] = d.ravel()
            y = np.asarray(function(**draws), dtype=float).reshape(n_draws, -1)
            nan_draws[rows] = np.isnan(y).sum(axis=0)
            sd[rows] = y.std(axis=0, ddof=1)
            lo[rows], hi[rows] = np.quantile(y, [a, 1 - a], axis=0)
        for name, k in flipped.items():
            if k:
                warn(f"cvs: {name!r} = {cvs[name]!r} with distribution='normal' draws {k} of "
                     f"{n * n_draws} values of {name} at or below 0 (x (1 + cv Z) with "
                     "Z < -1/cv), which a measured value seldom can be: use "
                     "distribution='lognormal' for a CV this large")
        lost = (nan_draws > 0) & ~np.isnan(estimate)
        if lost.any():  # never an SD of the draws that happened to work
            first = int(np.flatnonzero(lost)[0])
            where = index[first] if index is not None else first
            warn(f"function: NaN for {int(nan_draws[lost].sum())} of the "
                 f"{n_draws * int(lost.sum())} draws at {int(lost.sum())} input point(s) "
                 f"({n_draws} each; the first at index {where!r}) where the value itself is "
                 "defined, so their sd, cv and CI are NaN; the draws leave the function's "
                 "domain (e.g. a negative value): use distribution='lognormal' or a smaller CV")
        out.update(sd=sd, ci_low=lo, ci_high=hi)
        shares = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cv"] = out["sd"] / np.abs(estimate)  # relative uncertainty u(y)/abs(y), GUM eq. 12
    cols = ["estimate", "sd", "cv", "ci_low", "ci_high"]
    res = pd.DataFrame({c: out[c] for c in cols}, index=index)
    res["method"] = method
    for k, v in shares.items():
        res[k] = v
    return res
