"""Plots of labstats results. matplotlib and seaborn load inside each function.

Every function draws on ``ax`` (a new figure when omitted) and returns the Axes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bland_altman_plot", "centile_plot", "indirect_reference_interval_plot",
           "method_comparison_plot"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5, 4))
    return ax


def bland_altman_plot(x, y, *, result=None, ax=None, log: bool = False, **kwargs):
    """Bland-Altman plot: differences y - x against pair means, bias and limits with CIs.

    Parameters
    ----------
    x, y : array_like or pandas.Series
        Paired measurements by the comparison and the test method. [any unit, the same]
    result : pandas.DataFrame, optional
        Output of ``labstats.stats.bland_altman(x, y, ...)``; computed with its
        defaults (and ``log``) when omitted.
    ax : matplotlib.axes.Axes, optional
    log : bool, default False
        Ratio variant: plots y/x on a log axis against the geometric mean.
    **kwargs
        Passed to ``seaborn.scatterplot``.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    The lines and bands are the rows of ``result``; the plot adds no statistics. The
    method and its references are in ``labstats.stats.bland_altman``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = bland_altman_plot([1.0, 2.0, 3.0, 4.0], [1.1, 2.2, 2.9, 4.1])
    >>> ax.get_ylabel()
    'y - x'
    """
    import seaborn as sns

    from labstats.stats._common import paired
    from labstats.stats.agreement import LOG_POSITIVE, bland_altman

    a, b = paired(x, y, positive=LOG_POSITIVE if log else None)  # (labels of x and y)
    res = bland_altman(a, b, log=log) if result is None else result
    ax = _axes(ax)
    if log:
        avg, diff = np.sqrt(a * b), b / a
        ax.set_yscale("log")
    else:
        avg, diff = (a + b) / 2, b - a
    sns.scatterplot(x=avg, y=diff, ax=ax, **kwargs)
    rows = res.set_index("statistic")
    for stat, style in (("bias", "-"), ("loa_lower", "--"), ("loa_upper", "--")):
        est, lo, hi = rows.loc[stat, ["estimate", "ci_low", "ci_high"]]
        ax.axhline(est, color="0.2", linestyle=style, linewidth=1)
        if np.isfinite(lo) and np.isfinite(hi):
            ax.axhspan(lo, hi, color="0.5", alpha=0.15, linewidth=0)
    ax.axhline(1.0 if log else 0.0, color="0.6", linewidth=0.8, linestyle=":")
    ax.set_xlabel("geometric mean of x and y" if log else "mean of x and y")
    ax.set_ylabel("y / x, log scale" if log else "y - x")
    return ax


def method_comparison_plot(x, y, *, result=None, ax=None, **kwargs):
    """Scatter of y against x with the fitted line (and its slope CI band) and identity.

    Parameters
    ----------
    x, y : array_like or pandas.Series
        Paired measurements by the comparison and the test method. [any unit, the same]
    result : pandas.DataFrame, optional
        A frame with ``slope`` and ``intercept`` rows, from ``passing_bablok`` or
        ``deming``; Passing-Bablok with its defaults when omitted.
    ax : matplotlib.axes.Axes, optional
    **kwargs
        Passed to ``seaborn.scatterplot``.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    The band joins the CI limits of slope and intercept (for positive x the steeper slope
    with the lower intercept); it is a visual guide, not a simultaneous confidence band.
    The methods and their references are in ``labstats.stats.passing_bablok`` and ``deming``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = method_comparison_plot([1.0, 2.0, 3.0, 4.0], [1.1, 2.2, 2.9, 4.1])
    >>> [line.get_label() for line in ax.get_lines()]
    ['identity', 'fit']
    """
    import seaborn as sns

    from labstats.stats._common import paired
    from labstats.stats.agreement import passing_bablok

    a, b = paired(x, y)
    res = passing_bablok(a, b) if result is None else result
    rows = res.set_index("statistic")
    slope, inter = rows.loc["slope", "estimate"], rows.loc["intercept", "estimate"]
    ax = _axes(ax)
    sns.scatterplot(x=a, y=b, ax=ax, **kwargs)
    grid = np.linspace(min(a.min(), b.min()), max(a.max(), b.max()), 100)
    ax.plot(grid, grid, color="0.6", linestyle=":", label="identity")
    ax.plot(grid, inter + slope * grid, color="C1", label="fit")
    lo = rows.loc[["slope", "intercept"], "ci_low"].to_numpy(float)
    hi = rows.loc[["slope", "intercept"], "ci_high"].to_numpy(float)
    if np.all(np.isfinite(np.r_[lo, hi])):
        # the steeper slope goes with the lower intercept for x >= 0, the higher for x <= 0;
        # x of both signs: every pairing (a band that holds them all)
        pairs = ([(lo[1], hi[1])] if np.all(a >= 0) else [(hi[1], lo[1])] if np.all(a <= 0)
                 else [(lo[1], hi[1]), (hi[1], lo[1])])
        ends = np.vstack([e for p in pairs for e in (p[0] + hi[0] * grid, p[1] + lo[0] * grid)])
        ax.fill_between(grid, ends.min(axis=0), ends.max(axis=0), color="C1", alpha=0.15,
                        linewidth=0)
    ax.set_xlabel("x (comparison method)")
    ax.set_ylabel("y (test method)")
    ax.legend(loc="upper left")
    return ax


def indirect_reference_interval_plot(values, *, result=None, method: str = "refiner",
                                     censored=None, lod=None, ax=None, bins: int = 60,
                                     **kwargs):
    """Histogram of routine results, the fitted non-pathological density and the limits.

    Parameters
    ----------
    values : array_like or pandas.Series
        The results the interval was estimated from (one partition). [any unit]
    result : pandas.DataFrame, optional
        Output of ``labstats.stats.indirect_reference_interval`` for these values (one
        partition); computed with ``method``, ``censored``, ``lod`` and 100 bootstrap
        resamples (seed 1) when omitted.
    method : str, default "refiner"
        Used only when ``result`` is omitted.
    censored, lod : optional
        As in ``indirect_reference_interval``; censored results are not drawn.
    ax : matplotlib.axes.Axes, optional
    bins : int, default 60
        Histogram bins between the 0.1st and 99.5th percentiles of the measured values.
    **kwargs
        Passed to ``Axes.bar`` (the histogram).

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    The histogram is scaled as a density of *all* values (censored included), and the
    model density is multiplied by its share ``1 - p_pathological``, so the curve sits
    under the histogram where the values are non-pathological. The limits are the
    ``estimate`` rows, their CIs the shaded bands; the plot adds no statistics.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> rng = np.random.default_rng(1)
    >>> x = np.r_[rng.lognormal(3.0, 0.25, 4000), rng.normal(45.0, 8.0, 1000)]
    >>> ax = indirect_reference_interval_plot(x, method="reflim")
    >>> [line.get_label() for line in ax.get_lines()]
    ['non-pathological model', 'lower limit', 'upper limit']
    """
    from labstats.stats._ri_model import model_pdf
    from labstats.stats.indirect import _prepare, indirect_reference_interval

    res = (indirect_reference_interval(values, method=method, censored=censored, lod=lod,
                                       seed=1) if result is None else result)
    if len(res) != 2:
        raise ValueError(f"result has {len(res)} rows; pass the two rows of one partition, "
                         "e.g. result[result['sex'] == 'male']")
    x, side, _ = _prepare(values, censored, lod)
    n_all = int(np.sum(~np.isnan(x) | (side != 0)))
    shown = x[(side == 0) & ~np.isnan(x)]
    lo, hi = np.quantile(shown, [0.001, 0.995])
    counts, edges = np.histogram(shown, bins=bins, range=(lo, hi))
    width = np.diff(edges)
    ax = _axes(ax)
    ax.bar(edges[:-1], counts / (n_all * width), width=width, align="edge",
           color=kwargs.pop("color", "0.8"), label="all results", **kwargs)
    r = res.iloc[0]
    grid = np.linspace(lo, hi, 400)
    dens = model_pdf(grid, r["lam"], r["mu"], r["sigma"], r["shift"])
    ax.plot(grid, (1 - r["p_pathological"]) * dens, color="C0",
            label="non-pathological model")
    for (_, row), colour in zip(res.iterrows(), ("C2", "C3"), strict=True):
        ax.axvline(row["estimate"], color=colour, linestyle="--", label=f"{row['limit']} limit")
        if np.isfinite(row["ci_low"]) and np.isfinite(row["ci_high"]):
            ax.axvspan(row["ci_low"], row["ci_high"], color=colour, alpha=0.15, linewidth=0)
    ax.set_xlabel("value")
    ax.set_ylabel("density")
    ax.set_title(f"{r['method']}: {res['estimate'].iloc[0]:.3g} - {res['estimate'].iloc[1]:.3g}"
                 f" ({r['p_pathological']:.0%} pathological)")
    ax.legend(loc="upper right")
    return ax

def centile_plot(table, age=None, value=None, *, sex=None, centiles=(3, 10, 25, 50, 75, 90, 97),
                 ci=None, ages=None, ax=None, **kwargs):
    """Centile curves of an LMS table, with the data and confidence bands.

    Parameters
    ----------
    table : labstats.stats.LMSTable
        From ``labstats.stats.fit_lms`` or ``labstats.datasets.cdc_growth_lms``.
    age, value : array_like, optional
        Data drawn as points (the rows of ``sex`` when ``sex`` is given and the data
        include a sex column: select them before passing). [age in ``table.age_unit``]
    sex : optional
        The sex whose curves are drawn (required for a table by sex).
    centiles : sequence of float
        Centiles (0-100) drawn as lines; the 50th solid, the others dashed.
    ci : pandas.DataFrame, optional
        Bands with columns ``sex``, ``age``, ``centile``, ``ci_low``, ``ci_high``; default
        ``table.diagnostics.ci`` of a fit with ``replicates``. Drawn for the centiles in
        both ``ci`` and ``centiles``.
    ages : array_like, optional
        Ages at which to draw the curves; default 200 across the table's range.
    ax : matplotlib.axes.Axes, optional
    **kwargs
        Passed to ``seaborn.scatterplot`` for the data.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from labstats.datasets import cdc_growth_lms
    >>> ax = centile_plot(cdc_growth_lms("bmi"), sex="female", centiles=(5, 50, 95))
    >>> [line.get_label() for line in ax.get_lines()]
    ['P5', 'P50', 'P95']
    """
    import seaborn as sns

    ax = _axes(ax)
    if age is not None and value is not None:
        kwargs = {"s": 4, "alpha": 0.25, "color": "0.4", "linewidth": 0, **kwargs}
        sns.scatterplot(x=np.asarray(age, float), y=np.asarray(value, float), ax=ax, **kwargs)
    if ages is None:
        lo, hi = table.age_range(sex)
        ages = np.linspace(lo, hi, 200)
    curves = table.centiles(ages, sex, centiles=centiles)
    if ci is None:
        ci = getattr(getattr(table, "diagnostics", None), "ci", None)
    name = None if sex is None else ("female" if float(_sex_code(sex)) == 1.0 else "male")
    for i, c in enumerate(centiles):
        color = f"C{min(i, len(centiles) - 1 - i) % 10}"
        ax.plot(curves["age"], curves[f"P{c:g}"], color=color, label=f"P{c:g}",
                linestyle="-" if c == 50 else "--", linewidth=1.4 if c == 50 else 1.0)
        if ci is not None:
            band = ci[(ci["centile"] == c) & ((ci["sex"] == name) if name else True)]
            if len(band):
                ax.fill_between(band["age"], band["ci_low"], band["ci_high"], color=color,
                                alpha=0.2, linewidth=0)
    ax.set_xlabel(f"age ({table.age_unit})")
    ax.set_ylabel(" ".join(str(v) for v in (table.measure or "value", table.unit) if v))
    ax.legend(loc="upper left", fontsize="small")
    return ax

def _sex_code(sex) -> float:
    from labstats._validate import as_sex

    return float(as_sex([sex], "sex")[0])
