"""Reference intervals (CLSI EP28-A3c): nonparametric, robust, parametric, bootstrap, survey.

``reference_interval`` returns one row per partition and limit: the ``by`` columns,
``limit`` ("lower"/"upper"), ``estimate``, ``ci_low``, ``ci_high``, ``n``, ``method``,
``n_excluded`` and ``excluded`` (why observations were left out, with their index
labels). Outliers are screened by ``reference_outliers`` and only removed when asked
(``exclude=``), and every removal is reported. ``partition_test`` asks whether
subgroups (men and women, age bands) need their own intervals.
"""

from __future__ import annotations

import numpy as np

from labstats._validate import _is_series, as_count, to_float_array
from labstats.stats._common import check_confidence, check_method, no_inf, warn_few_resamples
from labstats.stats._ri_boot import rank_limits, refit, robust_limits

__all__ = ["partition_test", "reference_interval", "reference_outliers"]

_RI_COLUMNS = ["limit", "estimate", "ci_low", "ci_high", "n", "method", "n_excluded",
               "excluded"]


# --------------------------------------------------------------------------- building blocks
def tail_probabilities(coverage):
    """The probabilities of an interval's limits, 0.5 -/+ coverage / 2, to 12 digits: in
    floating point 0.5 - 0.95 / 2 is 0.025000000000000022 and 0.5 - 0.90 / 2 is
    0.04999999999999999, which move a rank p(n + 1) or a weighted quantile that sits on a
    step (n = 19 at 90 %: rank 1, the sample minimum, read as below 1)."""
    return round(0.5 - coverage / 2, 12), round(0.5 + coverage / 2, 12)


def _rank_positions(n: int, p):
    """(h, lo, hi): rank p(n+1) clipped to [1, n] and the 1-based order statistics around
    it that R's type 6 quantile reads (``_rank_quantile``, ``_ri_boot.rank_limits``)."""
    h = np.clip(p * (n + 1), 1, n)
    lo = np.floor(h).astype(int)
    return h, lo, np.minimum(lo + 1, n)


def _rank_quantile(xs, p):
    """Quantile at rank p(n+1) of sorted ``xs`` (last axis), interpolated (R type 6)."""
    h, lo, hi = _rank_positions(xs.shape[-1], p)
    return xs[..., lo - 1] + (h - lo) * (xs[..., hi - 1] - xs[..., lo - 1])


def order_statistic_ranks(n: int, p: float, confidence: float = 0.90):
    """1-based ranks (r, s) of the order statistics bounding the CI of the p-quantile.

    The largest r with :math:`P(K < r) \\le \\alpha/2` and the smallest s with
    :math:`P(K < s) \\ge 1 - \\alpha/2`, K ~ Binomial(n, p) (CLSI EP28-A3c, Table 8:
    n = 120, p = 0.025 gives ranks 1 and 7). (0, s) or (r, n + 1) when n is too small.

    >>> order_statistic_ranks(120, 0.025)
    (1, 7)
    >>> order_statistic_ranks(120, 0.975)
    (114, 120)
    """
    from scipy import stats

    a = 1.0 - confidence
    k = np.arange(0, n + 2)
    cdf_below = stats.binom.cdf(k - 1, n, p)  # P(K < k)
    r = int(k[cdf_below <= a / 2].max())
    s = int(k[cdf_below >= 1 - a / 2].min()) if np.any(cdf_below >= 1 - a / 2) else n + 1
    return r, s


def _robust_limits(x, coverage):
    """Horn, Pesce & Copeland (1998) robust limits: biweight location and scale."""
    lo, hi = robust_limits(x[None, :], coverage)[0]
    return lo, hi


def _boxcox(x, transform):
    """(forward, inverse, lambda) for "boxcox" (MLE lambda), "log" or None."""
    from scipy import special, stats

    if transform is None:
        return (lambda v: v), (lambda v: v), np.nan
    if np.any(x <= 0):
        raise ValueError(f"transform={transform!r} needs positive values; pass transform=None "
                         "for data that can be zero or negative")
    if transform == "boxcox" and x.size and np.ptp(x) == 0:  # scipy: BracketError
        raise ValueError(f"transform='boxcox': all {x.size} values equal {float(x[0])!r}, so "
                         "the Box-Cox lambda cannot be estimated; pass transform=None (and "
                         "check that the right column was passed)")
    lam = 0.0 if transform == "log" else float(stats.boxcox_normmax(x, method="mle"))
    return (lambda v: special.boxcox(v, lam)), (lambda v: special.inv_boxcox(v, lam)), lam


def _parametric(x, coverage, confidence, transform):
    from scipy import stats

    fwd, inv, lam = _boxcox(x, transform)
    y = fwd(x)
    n, m, s = y.size, y.mean(), y.std(ddof=1)
    z = stats.norm.ppf(0.5 + coverage / 2)
    a = 1 - confidence
    t_lo, t_hi = stats.nct.ppf([a / 2, 1 - a / 2], n - 1, z * np.sqrt(n)) / np.sqrt(n)
    lower = (m - z * s, m - t_hi * s, m - t_lo * s)
    upper = (m + z * s, m + t_lo * s, m + t_hi * s)
    return [tuple(inv(np.asarray(v))) for v in (lower, upper)], lam


# --------------------------------------------------------------------------- outliers
def _flags(x, method, transform):
    """Boolean mask of outliers in ``x`` (no NaN) and a reason per flagged value."""
    if method == "tukey":  # Tukey fences on Box-Cox transformed data, Horn et al. 2001 [3]
        fwd, _, _ = _boxcox(x, transform)
        y = fwd(x)
        q1, q3 = np.quantile(y, [0.25, 0.75])
        lo, hi = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
        return (y < lo) | (y > hi), "outside Tukey fences (1.5 IQR)"
    # Dixon/Reed (CLSI EP28-A3c): a gap D between neighbours beyond the median with
    # D/R >= 1/3 marks every value beyond it (so two outliers at one end do not mask
    # each other)
    flag = np.zeros(x.size, bool)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    rng = xs[-1] - xs[0]
    if rng > 0 and x.size >= 3:
        big = np.flatnonzero(np.diff(xs) >= rng / 3)  # gap between xs[k] and xs[k + 1]
        med = np.median(xs)
        up = big[xs[big] >= med]
        low = big[xs[big + 1] <= med]
        if up.size:
            flag[order[up.min() + 1:]] = True
        if low.size:
            flag[order[:low.max() + 1]] = True
    return flag, "Dixon/Reed gap >= 1/3 of the range"


def _groups(values, by, name):
    """[(key dict, float array, index labels)] for ``values`` split by ``by``."""
    import pandas as pd

    x = np.atleast_1d(to_float_array(values, name))
    no_inf(x, values, name)
    labels = values.index if _is_series(values) else pd.RangeIndex(x.size)
    if by is None:
        return [({}, x, labels)], []
    if _is_series(by):
        frame = by.to_frame(name=by.name if by.name is not None else "group")
    elif type(by).__name__ == "DataFrame":
        frame = by
    else:  # list or array of labels: one key column named "group"
        frame = pd.DataFrame({"group": np.asarray(by, dtype=object)})
    if len(frame) != x.size:
        raise ValueError(f"by has {len(frame)} rows and {name} has {x.size}; pass one group "
                         "label per value")
    labelled = _is_series(by) or type(by).__name__ == "DataFrame"
    if labelled and _is_series(values) and not frame.index.equals(values.index):
        raise ValueError(f"by and {name} have different indexes; align them first")
    keys = list(frame.columns)
    out = []
    codes = frame.reset_index(drop=True).groupby(keys, sort=True, dropna=False).indices
    for key, pos in codes.items():
        key = key if isinstance(key, tuple) else (key,)
        out.append((dict(zip(keys, key, strict=True)), x[pos], labels[pos]))
    return out, keys


def reference_outliers(values, *, method: str = "tukey", transform: str | None = "boxcox",
                       by=None):
    """Screen reference values for outliers; report them, remove nothing.

    Parameters
    ----------
    values : array_like or pandas.Series
        Reference values. [any unit]
    method : {"tukey", "dixon"}, default "tukey"
        Tukey fences (1.5 IQR) on transformed data [3]_, or the Dixon/Reed rule
        (an extreme value whose gap to the next is at least a third of the range,
        applied again until nothing is flagged) [1]_.
    transform : {"boxcox", "log", None}, default "boxcox"
        Transformation before Tukey fences (ignored by ``"dixon"``).
    by : array_like, pandas.Series or DataFrame, optional
        Partition labels; each partition is screened on its own.

    Returns
    -------
    pandas.DataFrame
        One row per flagged value: the ``by`` columns, ``index`` (its label),
        ``value``, ``method`` and ``reason``.

    Notes
    -----
    Validated against the examples in R mcradds 1.1's tests (``tukey_outlier`` on raw
    data, ``dixon_outlier``): the same four values are flagged.

    References
    ----------
    .. [1] CLSI, "Defining, establishing, and verifying reference intervals in the
       clinical laboratory; approved guideline - third edition," CLSI document
       EP28-A3c, 2010.
    .. [3] P. S. Horn, L. Feng, Y. Li and A. J. Pesce, "Effect of outliers and
       nonhealthy individuals on reference interval estimation," Clin. Chem.,
       vol. 47, no. 12, pp. 2137-2145, 2001, doi:10.1093/clinchem/47.12.2137.

    Examples
    --------
    >>> reference_outliers([4.1, 4.3, 4.2, 4.4, 4.0, 9.5], method="dixon")[["index", "value"]]
       index  value
    0      5    9.5
    """
    import pandas as pd

    check_method(method, ("tukey", "dixon"))
    check_method(transform, ("boxcox", "log", None), "transform")
    rows = []
    groups, keys = _groups(values, by, "values")
    for key, x, labels in groups:
        ok = ~np.isnan(x)
        flag, reason = _flags(x[ok], method, transform)
        for lab, val in zip(labels[ok][flag], x[ok][flag], strict=True):
            rows.append({**key, "index": lab, "value": val, "method": method, "reason": reason})
    return pd.DataFrame(rows, columns=[*keys, "index", "value", "method", "reason"])


# --------------------------------------------------------------------------- intervals
_METHODS = ("nonparametric", "robust", "parametric", "bootstrap")


def _one(x, method, coverage, confidence, transform, n_boot, rng, key=None):
    p_lo, p_hi = tail_probabilities(coverage)
    n = x.size
    xs = np.sort(x)
    if method in ("nonparametric", "bootstrap") and p_lo * (n + 1) < 1:
        # the rank p(n+1) of a limit would fall below 1: the limit would be the sample
        # minimum (maximum), not the percentile
        raise ValueError(f"the {method} method needs n >= {int(np.ceil(1 / p_lo)) - 1} "
                         f"for a {coverage:.0%} interval, got n = {n}; use "
                         "method='robust' or 'parametric' for small samples")
    if method == "nonparametric":
        out = []
        for p in (p_lo, p_hi):
            r, s = order_statistic_ranks(n, p, confidence)
            ci = (xs[r - 1] if r >= 1 else np.nan, xs[s - 1] if s <= n else np.nan)
            out.append((_rank_quantile(xs, p), *ci))
        return out
    if method == "parametric":
        return _parametric(x, coverage, confidence, transform)[0]
    if method == "robust":  # on the transformed scale, back-transformed (CLSI: symmetry)
        fwd, inv, _ = _boxcox(x, transform)
        y = fwd(x)
        est = inv(np.asarray(_robust_limits(y, coverage)))
        boot = inv(refit(robust_limits, y, coverage, n_boot, rng))  # vectorised blocks
        bad = np.isnan(boot).any(axis=1)
        if np.isnan(est).any() or bad.all():  # no estimate (MAD 0): no CI either
            boot = np.full((1, 2), np.nan)
        elif bad.any():  # never (median, median) intervals in the CI
            from labstats._validate import warn

            warn(f"values{' for ' + str(key) if key else ''}: {int(bad.sum())} of {n_boot} "
                 "bootstrap resamples of the robust method had more than half of their "
                 "values equal (MAD 0, no biweight scale) and are left out of the CI")
            boot = boot[~bad]
    else:  # bootstrap of the nonparametric (rank) limits
        est = (_rank_quantile(xs, p_lo), _rank_quantile(xs, p_hi))
        boot = refit(rank_limits, x, (p_lo, p_hi), n_boot, rng)  # blocks: bounded memory
    a = 1 - confidence
    ci = np.quantile(boot, [a / 2, 1 - a / 2], axis=0)
    return [(est[0], ci[0, 0], ci[1, 0]), (est[1], ci[0, 1], ci[1, 1])]


def _survey(design, values, by, coverage, confidence, rule):
    """Survey-weighted limits from a SurveyDesign-like ``design`` (duck-typed)."""
    import pandas as pd

    if not isinstance(values, str):
        raise TypeError("with design=, pass values as the name of a variable of the design "
                        "(e.g. reference_interval('LBXTST', design=des))")
    parts = []
    # (0.025, not 0.025000000000000022: where p * sum(w) falls on a step of the weighted
    # CDF, equal weights, that picked the next value; R users type 0.025)
    for limit, q in zip(("lower", "upper"), tail_probabilities(coverage), strict=True):
        res = pd.DataFrame(design.quantile(values, q, by=by, rule=rule, confidence=confidence))
        missing = {"estimate", "ci_low", "ci_high"} - set(res.columns)
        if missing:
            raise TypeError(f"design.quantile() must return columns estimate, ci_low, ci_high; "
                            f"{sorted(missing)} absent")
        keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
        n = res["n_obs"] if "n_obs" in res else np.nan
        parts.append(res[keys].assign(limit=limit, estimate=res["estimate"],
                                      ci_low=res["ci_low"], ci_high=res["ci_high"], n=n,
                                      method=f"survey:{rule}", n_excluded=0, excluded=""))
    return pd.concat(parts, ignore_index=True)


def reference_interval(values, *, method: str = "nonparametric", by=None, design=None,
                       coverage: float = 0.95, confidence: float = 0.90,
                       exclude: str | None = None, transform: str | None = "boxcox",
                       n_boot: int = 2000, seed: int | None = 1, rule: str = "math"):
    r"""Reference interval (2.5th-97.5th percentiles by default) with 90 % CIs of its limits.

    Parameters
    ----------
    values : array_like, pandas.Series or str
        Reference values [any unit]; with ``design``, the name of a design variable.
    method : {"nonparametric", "robust", "parametric", "bootstrap"}
        ``"nonparametric"``: rank :math:`p(n+1)` interpolated, CIs from order
        statistics (CLSI EP28-A3c [1]_; needs n >= 39, 120 recommended).
        ``"robust"``: Horn, Pesce & Copeland biweight method for small samples [2]_,
        bootstrap CIs. ``"parametric"``: mean :math:`\pm z` SD after ``transform``,
        exact non-central t CIs, back-transformed. ``"bootstrap"``: the rank limits
        with percentile-bootstrap CIs (n >= 39, as ``"nonparametric"``).
    by : array_like, pandas.Series or DataFrame, optional
        Partition labels (e.g. sex, age band); one interval per partition. A Series
        gives a key column of its name, a DataFrame one per column, a list a column
        ``group``. With ``design``, the name(s) of design variables.
    design : SurveyDesign-like, optional
        Survey-weighted limits: any object with ``design.quantile(variable, q, by=...,
        rule=..., confidence=...)`` that returns a frame with the ``by`` columns and
        ``estimate``, ``ci_low``, ``ci_high`` (Woodruff CIs) and optionally ``n_obs``,
        as ``labstats.stats.design.SurveyDesign`` does. ``method`` is then ignored;
        ``exclude`` raises (screen with ``reference_outliers`` and ``design.subset``).
    coverage : float, default 0.95
        Central proportion covered by the interval.
    confidence : float, default 0.90
        Level of the CIs of the limits (CLSI uses 90 %).
    exclude : {None, "tukey", "dixon"}, default None
        Remove the outliers that ``reference_outliers`` flags before estimating, and
        report them in ``excluded``. By default nothing is removed.
    transform : {"boxcox", "log", None}, default "boxcox"
        Transformation towards symmetry for ``"parametric"``, ``"robust"`` and Tukey
        screening; limits are transformed back. Box-Cox lambda by maximum likelihood.
    n_boot : int, default 2000
        Bootstrap resamples (``"robust"``, ``"bootstrap"``); fewer than
        2 / (1 - ``confidence``) (20 at 90 %) warn: no percentile CI can be read from them.
    seed : int, default 1
        Seed of the bootstrap; the result is reproducible.
    rule : str, default "math"
        Quantile rule passed to ``design.quantile``.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``limit``, ``estimate``, ``ci_low``, ``ci_high``,
        ``n`` (values used), ``method``, ``n_excluded`` and ``excluded``.

    Notes
    -----
    Missing values are left out and counted in ``n_excluded``/``excluded``; an infinite
    value raises ``ValueError`` (it is never used, nor dropped silently). A limit or CI
    bound that cannot be computed is NaN and a ``LabstatsWarning`` says which and why
    (rank CIs need n >= 119 for 90 %; a Box-Cox limit may fall beyond the back-transform;
    ``"robust"`` has no scale when more than half of the values are equal, as after
    coarse rounding). Validated: the
    nonparametric limits against R 4.2 ``quantile(type = 6)`` and the CI ranks
    against CLSI EP28-A3c Table 8; the Box-Cox lambda against R car 3.1
    ``powerTransform``. The robust method follows the equations of [2]_ but has not
    been compared with a published worked example.

    References
    ----------
    .. [1] CLSI, "Defining, establishing, and verifying reference intervals in the
       clinical laboratory; approved guideline - third edition," CLSI document
       EP28-A3c, 2010.
    .. [2] P. S. Horn, A. J. Pesce and B. E. Copeland, "A robust approach to reference
       interval estimation and evaluation," Clin. Chem., vol. 44, no. 3,
       pp. 622-631, 1998, doi:10.1093/clinchem/44.3.622.

    Examples
    --------
    >>> x = np.arange(1.0, 121.0)
    >>> reference_interval(x)[["limit", "estimate", "ci_low", "ci_high", "n"]]
       limit  estimate  ci_low  ci_high    n
    0  lower     3.025     1.0      7.0  120
    1  upper   117.975   114.0    120.0  120
    """
    import pandas as pd

    check_method(method, _METHODS)
    coverage = check_confidence(coverage, "coverage")
    confidence = check_confidence(confidence)
    check_method(exclude, ("tukey", "dixon", None), "exclude")
    check_method(transform, ("boxcox", "log", None), "transform")
    if design is not None:
        if exclude is not None:  # it was ignored: n_excluded 0 read as 'nothing flagged'
            raise ValueError(f"exclude={exclude!r} is not applied with design=: screen the "
                             "values with reference_outliers(), then pass "
                             "design.subset(~flagged) so that the excluded rows stay in the "
                             "design (its strata and PSUs) but out of the interval")
        return _survey(design, values, by, coverage, confidence, rule)
    if method in ("robust", "bootstrap"):
        n_boot = as_count(n_boot, "n_boot", hint="e.g. n_boot=2000",
                          what=f"bootstrap resamples of the {method!r} method")
        warn_few_resamples(n_boot, confidence, "n_boot")
    rng = np.random.default_rng(seed)
    rows = []
    groups, keys = _groups(values, by, "values")
    for key, x, labels in groups:
        ok = ~np.isnan(x)
        notes = [f"missing: {int((~ok).sum())}"] if (~ok).any() else []
        xv, lv = x[ok], labels[ok]
        if exclude is not None:
            flag, reason = _flags(xv, exclude, transform)
            if flag.any():
                shown = ", ".join(repr(v) for v in list(lv[flag])[:10])
                notes.append(f"{exclude} ({reason}): {int(flag.sum())} at index {shown}")
                xv = xv[~flag]
        if xv.size < 3:
            raise ValueError(f"values{' for ' + str(key) if key else ''}: {xv.size} values "
                             "left; a reference interval needs many more (CLSI: 120)")
        lims = _one(xv, method, coverage, confidence, transform, n_boot, rng, key)
        _report_nan(lims, key, xv.size, method, transform, tied=_mostly_tied(xv))
        for limit, (est, lo, hi) in zip(("lower", "upper"), lims, strict=True):
            rows.append({**key, "limit": limit, "estimate": float(est), "ci_low": float(lo),
                         "ci_high": float(hi), "n": int(xv.size), "method": method,
                         "n_excluded": int(x.size - xv.size), "excluded": "; ".join(notes)})
    return pd.DataFrame(rows, columns=[*keys, *_RI_COLUMNS])


def _mostly_tied(x) -> bool:
    """Whether at least about half of ``x`` equal one value (a resample's MAD may be 0)."""
    _, counts = np.unique(x, return_counts=True)
    return bool(counts.max() >= 0.4 * x.size)


def _report_nan(lims, key, n, method, transform, tied=False) -> None:
    """Warn naming each limit whose estimate or CI bound is NaN, and why (never silent)."""
    parts, cells = [], 0
    for limit, vals in zip(("lower", "upper"), lims, strict=True):
        cols = [c for c, v in zip(("estimate", "ci_low", "ci_high"), vals, strict=True)
                if not np.isfinite(v)]
        cells += len(cols)
        ci = " and ".join(c for c in cols if c != "estimate")
        if "estimate" in cols:
            parts.append(f"the {limit} limit" + (f" and its {ci}" if ci else ""))
        elif cols:
            parts.append(f"the {limit} limit's {ci}")
    if not parts:
        return
    from labstats._validate import warn

    if method == "nonparametric":
        why = ("too few values for the order-statistic CI of that limit (CLSI EP28-A3c "
               "Table 8: 120 for a 90 % CI)")
    elif method == "robust" and tied:
        why = ("the biweight scale is undefined where more than half of the values (of "
               "the data or of a bootstrap resample) equal their median, MAD 0: results "
               "reported too coarsely for this method; use method='nonparametric' or "
               "'parametric'")
    elif transform is not None:
        why = ("beyond the range of the Box-Cox back-transform (too few or too skewed "
               "values for this transform); try transform='log' or None, or more values")
    else:
        why = "too few values for this method (CLSI: 120)"
    where = f" for {key}" if key else ""
    what = "infinite or NaN" if any(np.isinf(v) for vals in lims for v in vals) else "NaN"
    warn(f"values{where}: {' and '.join(parts)} {'is' if cells == 1 else 'are'} {what} "
         f"({n} values, method={method!r}): {why}")


# partition_test lives in labstats.stats._partition (file size); it belongs here.
from labstats.stats._partition import partition_test  # noqa: E402
