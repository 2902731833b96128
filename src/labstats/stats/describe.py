"""The "Table 1" of a population-distribution paper: survey-weighted summaries by group.

:func:`describe` runs the estimators of :class:`~labstats.stats.SurveyDesign` over several
variables and groups and returns one tidy frame; :func:`format_table` turns that frame into
the printed table; :func:`age_groups` makes the usual age bands.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labstats._validate import to_float_array
from labstats.stats._common import no_inf
from labstats.stats.design import SurveyDesign

__all__ = ["age_groups", "describe", "format_table"]

_STATISTICS = ("mean", "median", "total", "proportion")


def age_groups(age, edges, *, last_open: bool = True):
    """Age bands ``[edges[i], edges[i+1])`` as an ordered categorical.

    Parameters
    ----------
    age : array_like or pandas.Series
        Age. [years] Missing ages and ages below ``edges[0]`` give a missing band.
    edges : sequence of float
        Increasing lower limits of the bands. [years]
    last_open : bool, default True
        The last band has no upper limit (``"70+"``); with False the last edge closes
        the band before it and older ages give a missing band.

    Returns
    -------
    pandas.Categorical or pandas.Series
        Labels ``"20-29"`` for whole-year edges (``"20-<30.5"`` otherwise); a Series keeps
        its index and is named ``age_group``.

    Examples
    --------
    >>> age_groups(pd.Series([19, 20, 29.9, 45, 80]), [20, 30, 40, 50, 60, 70]).tolist()
    [nan, '20-29', '20-29', '40-49', '70+']
    >>> age_groups([5, 12], [0, 6, 12], last_open=False).tolist()
    ['0-5', nan]
    """
    e = np.asarray(edges, dtype=float)
    if e.ndim != 1 or len(e) < 2 or np.any(np.diff(e) <= 0) or np.isnan(e).any():
        raise ValueError(f"edges: need at least two increasing ages; got {list(edges)!r}")
    a = to_float_array(age, "age")
    no_inf(a, age, "age")
    whole = bool(np.all(e == np.round(e)))

    def fmt(v):
        return f"{int(v)}" if whole else f"{v:g}"

    labels = [f"{fmt(lo)}-{fmt(hi - 1)}" if whole else f"{fmt(lo)}-<{fmt(hi)}"
              for lo, hi in zip(e[:-1], e[1:], strict=True)]
    bins = e
    if last_open:
        labels.append(f"{fmt(e[-1])}+")
        bins = np.append(e, np.inf)
    cat = pd.cut(a, bins, right=False, labels=labels, ordered=True)
    if isinstance(age, pd.Series):
        return pd.Series(cat, index=age.index, name="age_group")
    return cat


def describe(frame, variables, by=None, design=None, *, statistics=("mean", "median"),
             confidence: float = 0.95, **options) -> pd.DataFrame:
    """Survey-weighted summary of several variables by group, as one tidy DataFrame.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data; a ``design`` built elsewhere must have been built on this frame.
    variables : str or list of str
        Columns to summarise.
    by : str or list of str, optional
        Grouping columns (e.g. ``["sex", "age_group"]``); each group is a domain of the
        full design.
    design : SurveyDesign or dict, optional
        The sample design, or the keyword arguments of :class:`SurveyDesign`
        (``dict(weights="WTMEC2YR", strata="SDMVSTRA", psu="SDMVPSU")``). None: an
        unweighted simple random sample (every row its own PSU, weight 1).
    statistics : sequence of str, default ("mean", "median")
        Any of "mean", "median", "total", "proportion" (the last only for variables
        holding 0/1 or booleans).
    confidence : float, default 0.95
    **options
        Passed to the estimators (``na_rm``, ``rule`` for the median, ``method`` for
        proportions); any other keyword raises ``TypeError`` (it would be ignored).
        "proportion" summarises the 0/1 variables among ``variables`` and raises
        ``ValueError`` when there is none.

    Returns
    -------
    pandas.DataFrame
        Group keys, ``variable, statistic, q, estimate, se, ci_low, ci_high, df, deff,
        n_obs, n_pop``; unrounded. :func:`format_table` prints it.

    Notes
    -----
    A thin loop over :class:`SurveyDesign` methods, which are validated against R's
    survey package (see there).

    Examples
    --------
    >>> df = pd.DataFrame({"w": [1.0, 2, 1, 3, 2, 1], "h": [1, 1, 1, 1, 2, 2],
    ...                    "psu": [1, 1, 2, 2, 1, 2], "y": [3.0, 5, 4, 6, 2, 8],
    ...                    "sex": ["m", "f", "m", "f", "m", "f"]})
    >>> res = describe(df, "y", by="sex", design=dict(weights="w", strata="h", psu="psu"))
    >>> res[["sex", "statistic", "q", "estimate"]]
      sex statistic    q  estimate
    0   f      mean  NaN      6.00
    1   m      mean  NaN      2.75
    2   f  quantile  0.5      6.00
    3   m  quantile  0.5      2.00
    >>> format_table(res, 2, ci=False)
    sex                    f     m
    variable statistic
    y        mean       6.00  2.75
             p50        6.00  2.00
    """
    if design is None:
        frame = frame.assign(_weight_one=1.0)
        design = SurveyDesign(frame, weights="_weight_one")
    elif isinstance(design, dict):
        design = SurveyDesign(frame, **design)
    elif not isinstance(design, SurveyDesign):
        raise TypeError("design must be a SurveyDesign, a dict of its arguments or None; got "
                        f"{type(design).__name__}")
    elif design.data is not frame and not design.data.index.equals(frame.index):
        raise ValueError("design: it was built on other data than frame (the indexes differ).")
    unknown = [s for s in statistics if s not in _STATISTICS]
    if unknown:
        raise ValueError(f"statistics: unknown {unknown[0]!r}; choose from {_STATISTICS}.")
    stray = [k for k in options if k not in ("na_rm", "rule", "method")]
    if stray:  # never ignored: describe(..., q=0.9) would give the median without a word
        raise TypeError(f"describe: unknown option {stray[0]!r}; it passes only na_rm, rule "
                        "(median) and method (proportion) to the estimators. For other "
                        "quantiles call SurveyDesign.quantile.")
    variables = [variables] if isinstance(variables, str) else list(variables)
    rule = {k: options[k] for k in ("rule",) if k in options}
    na = {k: options[k] for k in ("na_rm",) if k in options}
    method = {k: options[k] for k in ("method",) if k in options}
    parts = []
    for stat in statistics:
        if stat == "median":
            parts.append(design.quantile(variables, 0.5, by=by, confidence=confidence,
                                         **rule, **na))
        elif stat == "proportion":  # only for 0/1 (or boolean) variables
            binary = [v for v in variables if _is_binary(design.data[v])]
            if not binary:  # asked for, and none to give: never an empty or partial table
                raise ValueError("statistics: 'proportion' needs a 0/1 or boolean variable; "
                                 f"none of {', '.join(map(repr, variables))} is one. Pass an "
                                 "indicator, e.g. (df.LBXTST < 300).where(df.LBXTST.notna()).")
            parts.append(design.proportion(binary, by=by, confidence=confidence, **method,
                                           **na))
        else:
            parts.append(getattr(design, stat)(variables, by=by, confidence=confidence, **na))
    return pd.concat(parts, ignore_index=True)


def _is_binary(column: pd.Series) -> bool:
    """Whether ``column`` holds only 0/1 or booleans (missing values aside)."""
    values = pd.to_numeric(column.dropna(), errors="coerce")
    return bool(values.notna().all() and values.isin([0.0, 1.0]).all())


def format_table(result: pd.DataFrame, decimals: int = 2, *, ci: bool = True) -> pd.DataFrame:
    """Wide, rounded text table of a tidy result: one row per variable and statistic,
    one column per group, cells ``"estimate (ci_low-ci_high)"``.

    Examples
    --------
    >>> res = pd.DataFrame({"sex": ["f", "m"], "variable": "y", "statistic": "mean",
    ...                     "estimate": [6.0, 3.0], "ci_low": [5.1, 2.2],
    ...                     "ci_high": [6.9, 3.8]})
    >>> format_table(res, 1)
    sex                      f              m
    variable statistic
    y        mean      6.0 (5.1-6.9)  3.0 (2.2-3.8)
    """
    fixed = {"variable", "statistic", "q", "estimate", "se", "ci_low", "ci_high", "df",
             "deff", "n_obs", "n_pop", "unit"}
    keys = [c for c in result.columns if c not in fixed]
    f = f"{{:.{decimals}f}}"
    text = result["estimate"].map(f.format)
    if ci:
        text = text + " (" + result["ci_low"].map(f.format) + "-" + \
            result["ci_high"].map(f.format) + ")"
    label = result["statistic"].astype(str)
    if "q" in result.columns:
        label = label.where(result["q"].isna(), "p" + (100 * result["q"]).map("{:g}".format))
    table = result.assign(_text=text, statistic=label)
    if not keys:
        return table.set_index(["variable", "statistic"])[["_text"]].rename(
            columns={"_text": "all"})
    wide = table.pivot_table(index=["variable", "statistic"], columns=keys, values="_text",
                             aggfunc="first", sort=False)
    return wide
