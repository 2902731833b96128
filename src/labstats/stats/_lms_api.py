"""``fit_lms``: the public LMS fit (inputs, per-sex fits, diagnostics, bootstrap intervals).

The fitting engine is ``_lms_fit`` (RS and Cole-Green algorithms), the smoother
``_lms_smooth``, the diagnostics ``_lms_diag``.
"""

from __future__ import annotations

import contextlib

import numpy as np

from labstats.stats._lms_fit import curves, fit_one, tau_curve, values_at


class FitDiagnostics:
    """What :func:`fit_lms` reports besides the curves (attribute ``diagnostics``).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per sex: observations used, edf and lambda of L, M and S (and T, tau, for
        BCPE and BCT; lambda 0 for a constant tau), global deviance,
        AIC, BIC, the criterion that chose the smoothness, iterations, convergence.
    qstats : pandas.DataFrame
        Q-statistics of Royston & Wright (2000) per sex, with chi-square p-values (Q4 on
        G - edf(tau) df for BCPE and BCT, G for BCCG).
    qstats_groups : pandas.DataFrame
        Their per-group Z1-Z4.
    worm : pandas.DataFrame
        Worm-plot data (van Buuren & Fredriks 2001) per sex and age group.
    residuals : numpy.ndarray
        Normalised quantile residuals Phi^-1(F(y)), one per input row (NaN where unused).
    ci : pandas.DataFrame or None
        Design-based bootstrap intervals of the centiles asked for (``ci_centiles``).
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self) -> str:
        return f"FitDiagnostics({', '.join(self.__dict__)})"


def _parse_df(df, family="bccg"):
    """{param: target edf or None}; BCPE's and BCT's tau ("T") is constant (df 1) unless
    given."""
    names = "LMS" if family == "bccg" else "LMST"
    keys = ", ".join(map(repr, names))
    extra = {} if family == "bccg" else {"T": 1.0}
    if isinstance(df, str):
        if df != "auto":
            raise ValueError(f"df: expected 'auto', a number or a mapping of {keys}; "
                             f"got {df!r}")
        return {**dict.fromkeys("LMS"), **extra}
    if isinstance(df, dict):
        unknown = set(df) - set(names)
        if unknown:
            raise ValueError(f"df: keys must be {keys} (family={family!r}); got "
                             f"{sorted(unknown)}")
        out = {p: df.get(p, "auto") for p in "LMS"}
        if extra:
            out["T"] = df.get("T", 1.0)
    elif np.ndim(df) == 1 and len(df) in (3, len(names)):
        out = {**extra, **dict(zip(names, df, strict=False))}
    elif np.ndim(df) == 1:
        raise ValueError(f"df: a sequence needs 3 values (L, M, S){' or 4 (and T)' if extra else ''}"
                         f"; got {len(df)}")
    else:
        out = {**dict.fromkeys("LMS", df), **extra}
    for p, v in out.items():
        if v == "auto" or v is None:
            out[p] = None
        elif not (isinstance(v, (int, float, np.number)) and v >= 1.0):
            raise ValueError(f"df: {p} must be 'auto' or a number >= 1 (1: constant, 2: "
                             f"linear in age); got {v!r}")
        else:
            out[p] = float(v)
    return out


def _inputs(age, value, sex, weights, design):
    """Float arrays (age, value, weight, sex code) and the design layout, validated."""
    from labstats._validate import _is_series, _label, as_sex, to_float_array
    from labstats.stats._common import no_inf

    layout = None
    if design is not None:
        if weights is not None:
            raise ValueError("weights: pass either weights or design (whose weights are used)")
        design._guard.check(design.data)  # rows and design columns as it was built on
        data = design.data
        get = (lambda v, name: data[v] if isinstance(v, str) else v)  # noqa: E731
        age, value = get(age, "age"), get(value, "value")
        sex = get(sex, "sex") if sex is not None else None
        w = np.where(design._domain, design._w, 0.0)
        layout = design._layout
    # rows are paired by label: Series on different indexes would be paired by position
    given = [(k, v) for k, v in (("age", age), ("value", value), ("sex", sex),
                                 ("weights", weights)) if _is_series(v)]
    ref = ("the design's data", design.data.index) if design is not None else (
        (given[0][0], given[0][1].index) if given else (None, None))
    for name, v in given:
        if not v.index.equals(ref[1]):
            raise ValueError(f"{name}: its index differs from the index of {ref[0]}; align them "
                             "first (e.g. value.reindex(age.index)) so that each row's age, "
                             "value, sex and weight belong to one person")
    labelled = next((v for _, v in given), None)  # index labels for messages

    def where(pos):
        return _label(labelled, pos) if labelled is not None else pos

    a = to_float_array(age, "age").ravel()
    y = to_float_array(value, "value").ravel()
    n = a.size
    if design is None:
        w = np.ones(n) if weights is None else to_float_array(weights, "weights").ravel()
    for name, arr in (("value", y), ("weights", w)):
        if arr.size != n:
            raise ValueError(f"{name}: {arr.size} values for {n} ages")
    for name, arr in (("age", a), ("value", y)):
        no_inf(arr, labelled if labelled is not None else arr, name, "to leave the row out")
    if (a < 0).any():
        pos = int(np.argmax(a < 0))
        raise ValueError(f"age: {int((a < 0).sum())} negative age(s); the first is "
                         f"{float(a[pos])!r} at index {where(pos)!r}. Ages are >= 0: check "
                         "the source data, or set those to NaN to fit the other rows")
    if (y <= 0).any():
        pos = int(np.argmax(y <= 0))
        raise ValueError(f"value: {int((y <= 0).sum())} value(s) <= 0; the first is "
                         f"{float(y[pos])!r} at index {where(pos)!r}. The LMS/BCCG model "
                         "needs positive values: set those to NaN to fit the other rows")
    bad = ~(w >= 0) | np.isinf(w)
    if bad.any():
        pos = int(np.argmax(bad))
        raise ValueError(f"weights: {int(bad.sum())} negative, missing or infinite; the first "
                         f"is {float(w[pos])!r} at index {where(pos)!r}. Weights must be finite "
                         "and >= 0: give rows to leave out weight 0")
    s = None if sex is None else as_sex(sex, "sex").ravel()
    if s is not None and s.size != n:
        raise ValueError(f"sex: {s.size} values for {n} ages")
    return a, y, w, s, layout


def _check_spread(a, y, code):
    """Curves over age need two ages and two values per sex (else a numeric failure
    deep in the fit, or a misleading 'reference ages repeat')."""
    who = "" if code is None else " of the " + {0.0: "males", 1.0: "females"}[code]
    for name, v, fix in (("age", a, "fit_lms fits curves over age; give a range of ages"),
                         ("value", y, "there is no distribution to fit; check the column")):
        if np.ptp(v) == 0:
            raise ValueError(f"{name}: all {v.size} rows{who} used have {name} "
                             f"{float(v[0])!r}; {fix}")


#: Observations per effective parameter below which a fit warns that it is imprecise (the
#: rule of thumb of ~10 per parameter, Harrell, Regression Modeling Strategies, 2nd ed.,
#: 2015, Sect. 4.4).
PER_PARAMETER = 10


def _check_n(n, targets, family, who):
    """Refuse a fit that cannot be identified: n must exceed the parameters of the simplest
    model asked (each curve's df, 1 for "auto": a constant), else the likelihood can put a
    parameter on each observation (S -> 0: unbounded, the deviance -> -inf)."""
    p = sum(1.0 if v is None else v for v in targets.values())
    if n <= p:
        raise ValueError(
            f"fit_lms: {n} observation(s){who} cannot identify the {family.upper()} model: it "
            f"needs more observations than parameters, at least {int(np.floor(p)) + 1} for "
            f"df={ {k: ('auto' if v is None else v) for k, v in targets.items()} } (each curve "
            f"at least 1 parameter, a constant); with as many parameters as observations the "
            "fit interpolates them and its likelihood has no maximum. Give more rows "
            f"(for centiles, at least {PER_PARAMETER} per parameter)")


def _check_edf(n, edf, family, who):
    """After the fit: refuse curves with as many effective parameters as observations
    ("auto" can choose that with few rows); warn below ``PER_PARAMETER`` per parameter."""
    from labstats._validate import warn

    total = sum(edf.values())
    if total >= n:
        raise ValueError(
            f"fit_lms: the {family.upper()} curves{who} chose {total:.1f} effective parameters "
            f"for {n} observations: as many as the observations, so the fit interpolates them "
            f"and is not identified. Give df= (e.g. df=1: constant curves, "
            f"{len(edf)} parameters) or more rows (at least {PER_PARAMETER} per parameter)")
    if n < PER_PARAMETER * total:
        warn(f"fit_lms: {n} observations{who} for {total:.1f} effective parameters (fewer than "
             f"{PER_PARAMETER} per parameter): the curves, and most of all the outer centiles, "
             f"are imprecise; give more rows or fewer df (df=1: constant curves)")


def fit_lms(age, value, *, sex=None, weights=None, design=None, df="auto", family="bccg",
            criterion="ml", age_unit="years", ci_centiles=(3, 50, 97), replicates=0, seed=0,
            max_iter=100):
    """Smooth centile curves by penalised likelihood: the LMS method (BCCG), BCPE or BCT.

    Parameters
    ----------
    age, value : array_like or pandas.Series, or column names of ``design.data``
        Age (in ``age_unit``) and the measurement (> 0). Series (here, in ``sex`` and
        ``weights``) must share one index (that of ``design.data`` with a design); a
        missing age or value leaves its row out (with a warning), an infinite one or a
        negative age raises.
    sex : array_like, column name or None
        As labstats parses sex; each sex gets its own curves. None: one set of curves.
    weights : array_like, optional
        Survey or frequency weights: each row's log-likelihood is weighted (a
        pseudo-likelihood), normalised to mean 1 within each sex, so the BIC counts rows.
    design : labstats.stats.SurveyDesign, optional
        Its weights (rows outside its domain get weight 0) and, with ``replicates``, its
        strata and PSUs for bootstrap intervals.
    df : "auto", number, (L, M, S), (L, M, S, T) or {"L": ..., "M": ..., "S": ..., "T": ...}
        Effective degrees of freedom of each curve (1 constant, 2 linear in age, more:
        smoother to wigglier), or "auto": chosen by ``criterion`` at every scoring step on
        the working model (the "local" selection of gamlss' ``pb``). With
        ``family="bcpe"`` or ``"bct"``, tau ("T", on the log scale) is constant (df 1, as gamlss users
        usually fit it) unless a mapping or a 4-sequence gives it a df or "auto"; a single
        number, "auto" or a 3-sequence applies to L, M and S only.
    family : {"bccg", "bcpe", "bct"}
        "bccg": the Box-Cox Cole-Green distribution truncated to y > 0 (Rigby &
        Stasinopoulos 2004); L, M, S of Cole & Green (1992). "bcpe": the Box-Cox power
        exponential of Rigby & Stasinopoulos (2004), truncated as gamlss' ``BCPE``
        (log link for M as ``BCPEo``), which adds tau for kurtosis (tau = 2: BCCG; < 2:
        heavier tails than the normal, > 2: lighter); returns an ``LMSPTable``. "bct": the
        Box-Cox t of Rigby & Stasinopoulos (2006), truncated as gamlss' ``BCT`` (log link
        for M as ``BCTo``): z follows Student's t with tau degrees of freedom (heavier
        tails only; tau -> infinity: BCCG; start tau = 10); an ``LMSPTable`` with
        ``family="bct"``. On data no heavier-tailed than the normal BCT's tau runs off to
        infinity: it is held at 1e6, where the curves are the BCCG fit's (a warning says so).
    criterion : {"ml", "aic", "bic"} or float, default "ml"
        How "auto" chooses each curve's smoothness at every scoring step, on the working
        model: "ml", the local maximum likelihood of gamlss' ``pb`` (its default: the
        mixed-model estimate lambda = sigma_e^2 / tau^2, which estimates the working
        dispersion); or the generalised AIC ``sum w (z - f)^2 + k edf`` with k = 2
        ("aic"), k = log(n) ("bic") or k given, which assumes unit dispersion. On curves
        simulated from the CDC BMI chart "ml" and "aic" recover L, M, S equally well; with
        survey weights (unequal weights inflate the variance of the weighted working RSS)
        GAIC(2) chooses wiggly curves (NHANES TT of men: median edf 22.7 of 23), "ml" and
        "bic" do not. The summary reports the criterion and each curve's edf.
    age_unit : str, default "years"
        Unit of ``age``, stored on the table.
    ci_centiles : sequence of float
        Centiles (0-100) whose bootstrap intervals are computed when ``replicates > 0``.
    replicates : int, default 0
        Rao-Wu bootstrap replicates over the design's PSUs within strata (n_h - 1 PSUs
        drawn per stratum); each replicate refits everything, smoothness choice included.
        95% percentile intervals at 50 ages per sex. Needs ``design``. Replicates whose
        fit fails or does not converge are left out, with a warning counting them.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    LMSTable or LMSPTable
        ``family="bccg"`` (an ``LMSTable``) or ``"bcpe"``/``"bct"`` (an ``LMSPTable``,
        with tau),
        scoring on the fitted smooth curves, with attribute ``diagnostics`` (a
        ``FitDiagnostics`` record): edf, lambdas, deviance, AIC/BIC, Q-statistics,
        worm-plot data, residuals and the intervals.

    Notes
    -----
    Each of log M, log S and L is a penalised cubic B-spline of age (20 equal intervals over
    the age range widened by 1%, second-difference penalty; Eilers & Marx 1996). Fitting:
    the RS algorithm of Rigby & Stasinopoulos (2005) (Fisher scoring of M, S and L in turn,
    the smoothness re-chosen at every step) until the deviance settles, then the algorithm
    of Cole & Green (1992) (joint Fisher scoring with the cross-information) at the chosen
    lambdas, alternating with one RS cycle until deviance (1e-6 relative) and lambdas (1e-3)
    are stable; ``diagnostics.summary`` reports iterations and convergence. Rows with
    missing age or value are not used (one warning). Validated by recovering the CDC BMI
    curves from simulated data, and against the GPL Python port of gamlss on fixed-basis
    fits (to 1e-5; tests/stats/test_centiles_fit.py); BCPE likewise
    (tests/stats/test_bcpe_fit.py), and BCT (tests/stats/test_bct.py). For BCPE and BCT
    the scores are exact (the truncation term included) and the scoring weights the
    expected information of the untruncated model; log tau is a fourth curve in the same
    RS and Cole-Green cycles (start tau = 2 for BCPE, 10 for BCT).

    Sample size, per sex: a fit needs more observations than the parameters of the
    simplest model asked (each curve's df, 1 for "auto"): at least 4 for BCCG and 5 for
    BCPE or BCT with constant curves; with fewer the curves can interpolate the rows and
    the likelihood has no maximum, so fit_lms raises ``ValueError``. It raises too when
    "auto" chooses as many effective parameters as observations, and warns below 10
    observations per effective parameter (the curves, above all the outer centiles, are
    then imprecise).

    References
    ----------
    .. [1] T. J. Cole and P. J. Green, Stat. Med. 11:1305-1319, 1992,
       doi:10.1002/sim.4780111005.
    .. [2] R. A. Rigby and D. M. Stasinopoulos, Stat. Med. 23:3053-3076, 2004,
       doi:10.1002/sim.1861; J. R. Stat. Soc. C 54:507-554, 2005,
       doi:10.1111/j.1467-9876.2005.00510.x.
    .. [3] P. Royston and E. M. Wright, Stat. Med. 19:2943-2962, 2000 (Q-statistics).
    .. [4] J. N. K. Rao and C. F. J. Wu, J. Am. Stat. Assoc. 83:231-241, 1988 (bootstrap).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> age = rng.uniform(20, 80, 2000)
    >>> y = np.exp(np.log(15 - 0.05 * age) + 0.3 * rng.standard_normal(2000))
    >>> fit = fit_lms(age, y)
    >>> round(float(fit.value_at(0.0, 50.0)), 0)  # median at 50 y: about 12.5
    12.0

    Laplace-distributed log values (heavier tails than the normal): BCPE finds tau near 1.

    >>> y2 = np.exp(np.log(15 - 0.05 * age) + 0.3 * rng.laplace(size=2000) / np.sqrt(2))
    >>> fit2 = fit_lms(age, y2, family="bcpe")
    >>> type(fit2).__name__, round(float(fit2.parameters([50.0])["tau"].iloc[0]), 1)
    ('LMSPTable', 1.0)
    """
    import pandas as pd

    from labstats._validate import warn
    from labstats.stats import _bcpe_fit, _lms_diag
    from labstats.stats._lms_smooth import n_intervals
    from labstats.stats._lmsp import LMSPTable
    from labstats.stats.centiles import LMSTable

    if family not in ("bccg", "bcpe", "bct"):
        raise ValueError(f"family: 'bccg' (the LMS model), 'bcpe' or 'bct' (with kurtosis); "
                         f"got {family!r}")
    targets = _parse_df(df, family)
    names = "LMS" if family == "bccg" else "LMST"
    a, y, w, s, layout = _inputs(age, value, sex, weights, design)
    if replicates and layout is None:
        raise ValueError("replicates: bootstrap intervals need design=SurveyDesign(...)")
    if replicates:
        from labstats.stats._common import check_centiles

        ci_centiles = check_centiles(ci_centiles, "ci_centiles")
    missing = np.isnan(a) | np.isnan(y)
    if (missing & (w > 0)).any():
        warn(f"fit_lms: {int((missing & (w > 0)).sum())} rows with missing age or value "
             f"not used")
    if s is not None and (np.isnan(s) & ~missing & (w > 0)).any():
        warn(f"fit_lms: {int((np.isnan(s) & ~missing & (w > 0)).sum())} rows with missing "
             f"sex not used")
    use = ~missing & (w > 0) & (np.ones_like(a, bool) if s is None else ~np.isnan(s))
    codes = [None] if s is None else [c for c in (0.0, 1.0) if (use & (s == c)).any()]
    if isinstance(criterion, str):
        if criterion not in ("bic", "aic", "ml"):
            raise ValueError(f"criterion: 'bic', 'aic', 'ml' or a number; got {criterion!r}")
    elif not (isinstance(criterion, (int, float)) and criterion > 0):
        raise ValueError(f"criterion: 'bic', 'aic', 'ml' or a number k > 0; got {criterion!r}")

    def fit_group(rows, ww):
        n_used = int(rows.sum())
        k = {"bic": np.log(n_used), "aic": 2.0, "ml": None}.get(criterion, criterion)
        wn = ww[rows] / ww[rows].mean()
        nint = n_intervals(np.unique(a[rows]).size, n_used)
        return fit_one(a[rows], y[rows], wn, targets, k, max_iter=max_iter, n_intervals=nint,
                       family=family)

    fits, resid, summary, grids, q_all, qg_all, worms = {}, np.full(a.size, np.nan), [], [], [], [], []
    for code in codes:
        rows = use if code is None else use & (s == code)
        _check_spread(a[rows], y[rows], code)
        who = '' if code is None else ' of ' + {0.0: 'males', 1.0: 'females'}[code]
        _check_n(int(rows.sum()), targets, family, who)
        # fewer rows than PER_PARAMETER per curve: "auto" may run off (hundreds of numpy
        # overflow warnings from inside the fit, at n = 4); the result is judged below
        # (_check_edf: refused, or warned as imprecise, which it then always is)
        few = any(v is None for v in targets.values()) and (
            rows.sum() < PER_PARAMETER * len(targets))
        with np.errstate(all="ignore") if few else contextlib.nullcontext():
            f = fit_group(rows, w)
        fits[code] = f
        _check_edf(int(rows.sum()), f["edf"], family, who)
        if not f["converged"]:  # never silently: the curves are those of the last step
            warn(f"fit_lms: the {family.upper()} fit{who} "
                 f"did not converge in {f['iterations']} iterations (max_iter={max_iter}); "
                 f"its curves may be unreliable: raise max_iter=, give df= instead of "
                 f"choosing it, or check the data (a tau that diverges: try family='bccg')")
        if family != "bccg" and (msg := _bcpe_fit.tau_problem(f, targets["T"], who)):
            warn(msg)  # a tau run off to 0 or infinity may still "converge"
        r = f["state"].residuals(f["eta"])
        resid[rows] = r
        total_edf = sum(f["edf"].values())
        name = {None: "all", 0.0: "male", 1.0: "female"}[code]
        summary.append({"sex": name, "n": int(rows.sum()),
                        **{f"edf_{p}": f["edf"][p] for p in names},
                        **{f"lambda_{p}": f["lambda"][p] for p in names},
                        "deviance": f["deviance"], "aic": f["deviance"] + 2 * total_edf,
                        "bic": f["deviance"] + np.log(rows.sum()) * total_edf,
                        "criterion": criterion if any(t is None for t in targets.values())
                        else "df given", "iterations": f["iterations"],
                        "converged": f["converged"]})
        # G age groups: 10, or more when a curve has more edf (the chi-square df are G - edf)
        groups = int(min(max(10, np.ceil(max(f["edf"].values())) + 5), max(rows.sum() // 20, 1)))
        q, per = _lms_diag.qstats(a[rows], r, f["edf"], groups=groups)
        q_all.append(q.assign(sex=name))
        qg_all.append(per.assign(sex=name))
        worms.append(_lms_diag.worm(a[rows], r).assign(sex=name))
        grids.append((code, np.linspace(a[rows].min(), a[rows].max(), 201)))
    ages, lms, sexes = [], [], []
    for code, grid in grids:
        L, M, S = curves(fits[code])(grid)
        ages.append(grid)
        lms.append((L, M, S))
        sexes.append(np.full(grid.size, 1 if code == 0.0 else 2) if code is not None else None)
    cols = (np.concatenate([p[i] for p in lms]) for i in range(3))
    sex_col = None if s is None else np.concatenate(sexes)
    _curves = {c: curves(fits[c]) for c in fits}
    if family != "bccg":
        tau = np.concatenate([tau_curve(fits[code])(grid) for code, grid in grids])
        table = LMSPTable(np.concatenate(ages), *cols, tau, sex=sex_col, age_unit=age_unit,
                          source="fit_lms", family=family, _curves=_curves,
                          _tau_curves={c: tau_curve(fits[c]) for c in fits})
    else:
        table = LMSTable(np.concatenate(ages), *cols, sex=sex_col, age_unit=age_unit,
                         family="bccg", source="fit_lms", _curves=_curves)
    ci = None
    if replicates:
        ci = _bootstrap(fit_group, fits, a, w, s, use, codes, layout, grids, ci_centiles,
                        int(replicates), seed, max_iter)
    table.diagnostics = FitDiagnostics(
        summary=pd.DataFrame(summary), qstats=pd.concat(q_all, ignore_index=True),
        qstats_groups=pd.concat(qg_all, ignore_index=True),
        worm=pd.concat(worms, ignore_index=True), residuals=resid, ci=ci,
        fits=fits)
    return table


def _bootstrap(fit_group, fits, a, w, s, use, codes, layout, grids, centiles, B, seed,
               max_iter=100):
    """Rao-Wu bootstrap percentile intervals of the centile curves (50 ages per sex)."""
    import pandas as pd
    from scipy.special import ndtri

    from labstats.stats._lms_diag import rao_wu_weights

    rng = np.random.default_rng(seed)
    zq = ndtri(np.asarray(centiles, float) / 100.0)
    out = []
    for code, grid in grids:
        ages = np.linspace(grid[0], grid[-1], 50)
        rows = use if code is None else use & (s == code)
        reps = np.full((B, zq.size, ages.size), np.nan)
        failed = unconverged = 0
        for b in range(B):
            wb = rao_wu_weights(w, layout.stratum, layout.psu, rng)
            rb = rows & (wb > 0)
            try:
                fb = fit_group(rb, wb)
            except (FloatingPointError, np.linalg.LinAlgError):
                failed += 1
                continue
            if not fb["converged"]:  # its curves are those of the last step: left out
                unconverged += 1
                continue
            reps[b] = values_at(fb, zq[:, None], ages)
        if failed or unconverged:
            from labstats._validate import warn

            who = "" if code is None else " of " + {0.0: "males", 1.0: "females"}[code]
            warn(f"fit_lms: of {B} bootstrap replicates{who}, {failed} failed and "
                 f"{unconverged} did not converge (max_iter={max_iter}); they are left out "
                 f"of the intervals (column 'replicates' counts those used)")
        est = values_at(fits[code], zq[:, None], ages)
        lo, hi = np.nanpercentile(reps, [2.5, 97.5], axis=0)
        for j, c in enumerate(centiles):
            out.append(pd.DataFrame({"sex": {None: "all", 0.0: "male", 1.0: "female"}[code],
                                     "age": ages, "centile": c, "estimate": est[j],
                                     "ci_low": lo[j], "ci_high": hi[j],
                                     "replicates": int(np.isfinite(reps[:, j, 0]).sum())}))
    return pd.concat(out, ignore_index=True)
