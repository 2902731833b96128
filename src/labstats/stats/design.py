"""Complex-sample survey design and its estimators (means, totals, proportions, ratios,
quantiles) with Taylor-linearisation standard errors that agree with R's survey package.

A :class:`SurveyDesign` holds the data, the sampling weights, the strata and the primary
sampling units (PSUs). Domains (subpopulations) are analysed inside the full design with
:meth:`SurveyDesign.subset` or ``by=``, never by dropping rows first, so that strata and
PSUs the domain does not reach still count in the variance (R's ``subset.survey.design``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labstats._validate import to_float_array
from labstats.stats import _quantile
from labstats.stats._common import check_confidence
from labstats.stats._design_checks import FrameGuard, deff_where_defined, mask_to_bool, variable_values
from labstats.stats._variance import LONELY_PSU, first_bad, layout_from_frame, plain

__all__ = ["SurveyDesign"]

_COLUMNS = ["variable", "statistic", "estimate", "se", "ci_low", "ci_high", "df", "deff",
            "n_obs", "n_pop"]


class SurveyDesign:
    r"""A stratified, clustered, weighted sample (one-stage, with-replacement variance).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per participant. Never modified. Rows are paired with their weight, stratum
        and PSU as they are now: sorting, dropping or re-indexing the frame in place, or
        changing those columns, later raises ``ValueError`` (build the design again);
        analysis columns added or replaced later are read at each call.
    weights : str
        Column of sampling weights (e.g. NHANES ``WTMEC2YR``). [persons represented]
        Zero weights are allowed (the row is kept but represents no one); negative,
        infinite or missing weights raise ``ValueError`` naming the row. To exclude rows
        without a weight, say so explicitly: give them weight 0
        (``data.assign(w=data["w"].fillna(0))``), so that they stay in the design but
        represent no one.
    strata : str, optional
        Column of (pseudo-)strata, e.g. ``SDMVSTRA``: numbers, text or a categorical.
        None: one stratum.
    psu : str, optional
        Column of primary sampling units, e.g. ``SDMVPSU``. None: each row is a PSU.
    nest : bool, default True
        PSU labels are reused across strata (NHANES: 1 and 2 in every stratum), so a PSU is
        the pair (stratum, psu), as R's ``nest=TRUE``. With False a PSU label found in two
        strata raises ``ValueError``.
    lonely_psu : {"fail", "remove", "adjust", "certainty", "average"}, default "fail"
        What a stratum with a single PSU contributes to a variance, as R's
        ``options(survey.lonely.psu=)``: "fail" raises; "remove" and "certainty" add
        nothing; "adjust" centres the PSU at the grand mean instead of the stratum mean;
        "average" replaces it by the average variance of the other strata.

    Notes
    -----
    Variances follow R survey 4.1-1 (``svyrecvar``/``onestrat``) for the design
    ``svydesign(id=~psu, strata=~strata, weights=~weights, nest=TRUE)``. Validated against
    R 4.2.2 / survey 4.1-1 on the survey package's NHANES 2009-2010 example and on NHANES
    2013-2016 (tests/reference/r_survey_*.csv): estimates within 1e-8 and standard errors
    within 1e-6 (relative), including lonely PSUs, zero weights, missing values and domains.
    Deliberate departures from R are listed in :meth:`mean`, :meth:`ratio`,
    :meth:`proportion` and :meth:`quantile` (tests/stats/test_survey_audit2.py).
    Confidence intervals use Student's t on the design degrees of freedom (PSUs minus
    strata of the domain, R's ``degf``).

    References
    ----------
    .. [1] T. Lumley, "Analysis of complex survey samples," J. Stat. Softw., vol. 9, no. 8,
       pp. 1-19, 2004, doi:10.18637/jss.v009.i08.
    .. [2] R. S. Woodruff, "Confidence intervals for medians and other position measures,"
       J. Am. Stat. Assoc., vol. 47, no. 260, pp. 635-646, 1952,
       doi:10.1080/01621459.1952.10483443.
    .. [3] E. L. Korn and B. I. Graubard, "Confidence intervals for proportions with small
       expected number of positive counts estimated from survey data," Surv. Methodol.,
       vol. 24, no. 2, pp. 193-201, 1998.

    Examples
    --------
    The R results quoted come from ``svymean(~y, svydesign(id=~psu, strata=~h,
    weights=~w, nest=TRUE, data=df))``, ``svyby(~y, ~sex, d, svymean)`` and
    ``svyquantile(~y, d, 0.5, ci=TRUE)`` (R 4.2.2, survey 4.1-1).

    >>> df = pd.DataFrame({"w": [1.0, 2, 1, 3, 2, 1], "h": [1, 1, 1, 1, 2, 2],
    ...                    "psu": [1, 1, 2, 2, 1, 2], "y": [3.0, 5, 4, 6, 2, 8],
    ...                    "sex": ["m", "f", "m", "f", "m", "f"]})
    >>> des = SurveyDesign(df, weights="w", strata="h", psu="psu")
    >>> des.mean("y")[["variable", "estimate", "se", "df"]]  # R: 4.7, SE 0.9705
      variable  estimate        se   df
    0        y       4.7  0.970464  2.0
    >>> des.mean("y", by="sex")[["sex", "estimate", "se", "n_obs", "n_pop"]]
      sex  estimate        se  n_obs  n_pop
    0   f      6.00  0.471405      3    6.0
    1   m      2.75  0.450694      3    4.0
    >>> des.median("y")[["estimate", "ci_low", "ci_high"]]  # R: 5, CI NaN (p + t SE > 1)
       estimate  ci_low  ci_high
    0       5.0     NaN      NaN
    """

    def __init__(self, data, weights: str, strata: str | None = None, psu: str | None = None,
                 *, nest: bool = True, lonely_psu: str = "fail"):
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        if lonely_psu not in LONELY_PSU:
            raise ValueError(f"lonely_psu must be one of {', '.join(map(repr, LONELY_PSU))}; "
                             f"got {lonely_psu!r}")
        for arg, col in (("weights", weights), ("strata", strata), ("psu", psu)):
            if col is not None and col not in data.columns:
                raise ValueError(f"{arg}: column {col!r} is not in data (columns: "
                                 f"{', '.join(map(str, data.columns[:12]))}...)")
        w = to_float_array(data[weights], weights)
        if np.isnan(w).any():
            first_bad(data, weights, np.isnan(w), "missing weights",
                      f"Exclude those rows explicitly: give them weight 0 (data.assign("
                      f"{weights}=data[{weights!r}].fillna(0))), so they stay in the design "
                      "but represent no one.")
        if np.isinf(w).any():
            first_bad(data, weights, np.isinf(w), "infinite weights",
                      "A weight is the number of persons a row represents: correct the "
                      "value (an infinite weight would give every estimate as NaN).")
        if (w < 0).any():
            first_bad(data, weights, w < 0, "negative weights", "Weights must be >= 0.")
        n = len(data)
        self.data = data
        self.weights, self.strata, self.psu = weights, strata, psu
        self.lonely_psu = lonely_psu
        self._w = w
        self._layout = layout_from_frame(data, strata, psu, nest, lonely_psu)
        self._guard = FrameGuard(data, {"weights": weights, "strata": strata, "psu": psu})
        self._domain = np.ones(n, dtype=bool)
        self._groups: dict = {}

    def __repr__(self) -> str:
        lay = self._layout
        return (f"SurveyDesign({len(self.data)} rows, {int(self._domain.sum())} in domain, "
                f"{lay.n_strata} strata, {lay.n_psu} PSUs, weights={self.weights!r}, "
                f"lonely_psu={self.lonely_psu!r})")

    # ----------------------------------------------------------------- domains and groups
    def subset(self, mask) -> SurveyDesign:
        """The domain where ``mask`` is True, analysed within the full design.

        ``mask`` is a boolean Series with the index of ``data`` (or an array of its
        length): numpy bool, pandas' nullable ``boolean`` or an object column of
        True/False. Missing values (``pd.NA``, None, NaN) count as False, as in R's
        ``subset()``. Any other value (numbers, text) raises ``ValueError``.

        Examples
        --------
        >>> df = pd.DataFrame({"w": [1.0, 2, 1, 3], "y": [3.0, 5, 4, 6],
        ...                    "pregnant": pd.array([True, None, False, True])})
        >>> SurveyDesign(df, weights="w").subset(df["pregnant"].eq(True)).mean("y").estimate
        0    5.25
        Name: estimate, dtype: float64
        """
        self._guard.check(self.data)
        labels = self.data.index
        if isinstance(mask, pd.Series):
            if not mask.index.equals(self.data.index):
                raise ValueError("mask: its index differs from the index of the design's data; "
                                 "build it from the same DataFrame (e.g. df.RIDAGEYR >= 20).")
            labels = mask.index
        raw = mask if isinstance(mask, pd.Series) else pd.Series(pd.array(np.atleast_1d(mask)))
        if raw.shape != (len(self.data),):
            raise ValueError(f"mask: length {raw.size} differs from the {len(self.data)} rows "
                             "of the design's data.")
        keep = mask_to_bool(raw, labels)
        new = object.__new__(SurveyDesign)
        new.__dict__.update(self.__dict__)
        new._domain = self._domain & keep
        new._groups = {}
        return new

    def _group_codes(self, by):
        """Group code per row (-1: outside the domain or a missing key) and the keys table.

        Groups whose domain rows all have zero weight are dropped, as R's ``svyby`` does.
        """
        self._guard.check(self.data)
        by = [] if by is None else [by] if isinstance(by, str) else list(by)
        key = tuple(by)
        if key not in self._groups or not self._guard.same(self.data, by, self._groups[key][3]):
            if not by:
                code = np.where(self._domain, 0, -1)
                keys = pd.DataFrame(index=[0])
            else:
                missing = [b for b in by if b not in self.data.columns]
                if missing:
                    raise ValueError(f"by: column {missing[0]!r} is not in the design's data.")
                grouped = self.data[by].groupby(by, sort=True, dropna=True, observed=True)
                code = grouped.ngroup().fillna(-1).to_numpy().astype(np.int64)
                keys = grouped.size().index.to_frame(index=False)
                code[~self._domain] = -1
            alive = np.bincount(code[(code >= 0) & (self._w > 0)], minlength=len(keys)) > 0
            if not by:  # an empty domain still gets its (NaN) row
                alive[:] = True
            remap = np.where(alive, np.cumsum(alive) - 1, -1)
            code = np.where(code >= 0, remap[np.maximum(code, 0)], -1)
            self._groups[key] = (code, keys[alive].reset_index(drop=True), by,
                                 self._guard.keep(self.data, by))
        return self._groups[key][:3]

    def _frame(self, keys, rows: dict) -> pd.DataFrame:
        cols = {col: rows[col] if np.ndim(rows[col]) else np.repeat(rows[col], len(keys))
                for col in _COLUMNS}
        cols["n_obs"] = np.asarray(cols["n_obs"]).astype(np.int64)
        return pd.concat([keys, pd.DataFrame(cols, index=keys.index)], axis=1)

    def _setup(self, variable, by, na_rm, extra=None):
        code, keys, by = self._group_codes(by)
        name, y = variable_values(self.data, variable)
        nan = np.isnan(y) if extra is None else np.isnan(y) | np.isnan(extra)
        G = len(keys)
        has_nan = np.bincount(code[nan & (code >= 0)], minlength=G) > 0
        use = np.where(nan, -1, code)
        w = np.where(use >= 0, self._w, 0.0)
        n_obs = np.bincount(use[(use >= 0) & (w > 0)], minlength=G)
        n_pop = np.bincount(use[use >= 0], weights=w[use >= 0], minlength=G)
        blank = has_nan & (not na_rm)
        return dict(code=code, keys=keys, name=name, y=np.where(nan, 0.0, y), use=use, w=w,
                    G=G, n_obs=n_obs, n_pop=n_pop, blank=blank)

    def _finish(self, s, statistic, est, var, df, deff, confidence, *, empty_is_zero=False):
        deff = deff_where_defined(deff, s["n_pop"], s["n_obs"])
        se = np.sqrt(var)
        t = _quantile.tcrit(confidence, df)
        rows = dict(variable=s["name"], statistic=statistic, estimate=est, se=se,
                    ci_low=est - t * se, ci_high=est + t * se, df=df, deff=deff,
                    n_obs=s["n_obs"], n_pop=s["n_pop"])
        return self._finish_rows(s, rows, empty_is_zero=empty_is_zero)

    def _finish_rows(self, s, rows, *, empty_is_zero=False):
        """NaN for groups with a kept missing value or no positive weight (a total: 0)."""
        blank = s["blank"] | ((s["n_obs"] == 0) & (not empty_is_zero))
        for col in ("estimate", "se", "ci_low", "ci_high", "deff"):
            rows[col] = np.where(blank, np.nan, rows[col])
        return self._frame(s["keys"], rows)

    def _df(self, s, code):
        """Design df per group among rows of ``code`` with positive weight (R: ``degf``)."""
        return self._layout.degf(code, (code >= 0) & (self._w > 0), s["G"])

    def _srs_var(self, s, ybar):
        """R's svyvar (weighted variance with n/(n-1)) per group."""
        use, w = s["use"], s["w"]
        sel = use >= 0
        dev2 = w[sel] * (s["y"][sel] - ybar[use[sel]]) ** 2
        n = s["n_obs"].astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.bincount(use[sel], weights=dev2, minlength=s["G"]) / s["n_pop"] * n / (n - 1)

    # --------------------------------------------------------------------------- estimators
    def _mean(self, s, confidence):
        use, w, y = s["use"], s["w"], s["y"]
        sel = use >= 0
        with np.errstate(divide="ignore", invalid="ignore"):
            ybar = np.bincount(use[sel], weights=w[sel] * y[sel], minlength=s["G"]) / s["n_pop"]
            z = np.zeros(len(y))
            z[sel] = w[sel] * (y[sel] - ybar[use[sel]]) / s["n_pop"][use[sel]]
            var = self._layout.variance(use, z, s["G"])
            n, big_w = s["n_obs"], s["n_pop"]
            deff = var / (self._srs_var(s, ybar) * (big_w - n) / (big_w * n))
        return ybar, var, deff

    def mean(self, variable, by=None, *, na_rm: bool = True, confidence: float = 0.95):
        """Weighted mean with its design-based standard error (R: ``svymean``).

        Parameters
        ----------
        variable : str, list of str or pandas.Series
            Column(s) of the data, or a Series on the data's index (named). Each variable
            is estimated on its own rows, as one R call per variable (``svymean(~a)``,
            ``svymean(~b)``); R's ``svymean(~a + b, na.rm=TRUE)`` instead keeps only the
            rows complete in all of them (``subset(df.a.notna() & df.b.notna())`` first
            for that).
        by : str or list of str, optional
            Grouping columns; each group is a domain of the full design. Rows with a
            missing key, and groups whose rows all have zero weight, are left out (R's
            ``svyby``).
        na_rm : bool, default True
            Leave out missing values within each domain (R's ``na.rm=TRUE``); with False a
            domain holding a missing value gets NaN.
        confidence : float, default 0.95
            Level of the t interval on the domain's design degrees of freedom.

        Returns
        -------
        pandas.DataFrame
            One row per group and variable: group keys, ``variable, statistic, estimate,
            se, ci_low, ci_high, df, deff, n_obs, n_pop``. ``deff`` is R's
            (without-replacement) design effect, NaN with a warning where the weights sum
            to fewer persons than rows (R: NA for a mean, a negative number for a total or
            ratio); ``n_obs`` counts rows with a value and a positive weight, ``n_pop``
            sums their weights. Never rounded. A domain without a row that has a value and
            a positive weight gives NaN (R's svymean: NaN for zero weights only, but 0 with
            SE 0 for no row or only missing values: a sum of nothing, not an estimate).
        """
        confidence = check_confidence(confidence)
        return self._each(variable, lambda v: self._mean_one(v, by, na_rm, confidence))

    def _mean_one(self, variable, by, na_rm, confidence):
        s = self._setup(variable, by, na_rm)
        est, var, deff = self._mean(s, confidence)
        return self._finish(s, "mean", est, var, self._df(s, s["code"]), deff, confidence)

    def total(self, variable, by=None, *, na_rm: bool = True, confidence: float = 0.95):
        """Weighted (population) total and its standard error (R: ``svytotal``).

        Arguments as :meth:`mean`. A domain without a row of positive weight (empty, or
        zero weights only) totals 0 with SE 0, as R's ``svytotal`` on ``subset()``.
        """
        confidence = check_confidence(confidence)

        def one(v):
            s = self._setup(v, by, na_rm)
            use, w, y = s["use"], s["w"], s["y"]
            sel = use >= 0
            z = np.where(sel, w * y, 0.0)
            est = np.bincount(use[sel], weights=z[sel], minlength=s["G"])
            var = self._layout.variance(use, z, s["G"])
            with np.errstate(divide="ignore", invalid="ignore"):
                ybar = est / s["n_pop"]
                n, big_w = s["n_obs"], s["n_pop"]
                deff = var / (self._srs_var(s, ybar) * big_w * (big_w - n) / n)
            return self._finish(s, "total", est, var, self._df(s, s["code"]), deff, confidence,
                                empty_is_zero=True)
        return self._each(variable, one)

    def ratio(self, numerator, denominator, by=None, *, na_rm: bool = True,
              confidence: float = 0.95):
        """Ratio of two weighted totals, sum(w y) / sum(w x) (R: ``svyratio``).

        Rows missing either variable are left out of the domain (with ``na_rm``). The
        ``variable`` column reads ``"numerator/denominator"``. A domain without such a row
        gives NaN with SE NaN (R: NaN with SE 0).
        """
        confidence = check_confidence(confidence)
        x_name, x = variable_values(self.data, denominator)
        s = self._setup(numerator, by, na_rm, extra=x)
        use, w, y = s["use"], s["w"], s["y"]
        sel = use >= 0
        g = use[sel]
        sy = np.bincount(g, weights=w[sel] * y[sel], minlength=s["G"])
        sx = np.bincount(g, weights=w[sel] * x[sel], minlength=s["G"])
        with np.errstate(divide="ignore", invalid="ignore"):
            r = sy / sx
            resid = np.zeros(len(y))
            resid[sel] = (y[sel] - r[g] * x[sel]) / sx[g]
            var = self._layout.variance(use, w * resid, s["G"])
            s2 = dict(s, y=resid)
            rbar = np.bincount(g, weights=w[sel] * resid[sel], minlength=s["G"]) / s["n_pop"]
            n, big_w = s["n_obs"], s["n_pop"]
            deff = var / (self._srs_var(s2, rbar) * big_w * (big_w - n) / n)
        s["name"] = f"{s['name']}/{x_name}"
        return self._finish(s, "ratio", r, var, self._df(s, s["code"]), deff, confidence)

    def proportion(self, variable, by=None, *, method: str = "logit", na_rm: bool = True,
                   confidence: float = 0.95):
        """Proportion of a 0/1 (or boolean) variable with a CI as R's ``svyciprop``.

        ``method``: "logit" (R's default), "beta" (Korn-Graubard, a Clopper-Pearson
        interval on the effective sample size), "mean", "xlogit" or "asin". The standard
        error is that of the weighted mean. Departures from R survey 4.1-1 (tested in
        tests/stats/test_survey_audit2.py):

        * "logit" on 1 design df: the Wald interval on the logit scale with t(1), which is
          "xlogit"'s; R's svyciprop gives (0, NaN) there, as its confint.svyglm returns
          infinite limits for ddf <= 1. R's "logit" estimate comes from a glm fit and can
          differ from the weighted mean given here by about 1e-10.
        * "asin": the angle asin(sqrt(p)) -/+ t SE / (2 sqrt(p (1 - p))) is clamped to
          [0, pi/2] (a limit 0 or 1); R's sin^2 folds back beyond it (NHANES women 70+,
          share below 300 ng/dL: 0.9999988 for 1; on 1 df (0.953, 0.274) for p = 0.337).
        * p = 0 or 1 (SE 0): "mean" gives (p, p), the others NaN, as R where its p is
          exact; R's p = 1 is often 1 - 1e-16 (a rounded sum), giving (1, 1).
        * ``by=``: each group's CI is its domain's; R's confint(svyby(...)) is normal Wald.
        """
        confidence = check_confidence(confidence)

        def one(v):
            s = self._setup(v, by, na_rm)
            bad = (s["use"] >= 0) & (s["y"] != 0) & (s["y"] != 1)
            if bad.any():
                pos = int(np.flatnonzero(bad)[0])
                raise ValueError(f"{s['name']}: proportion needs 0/1 or boolean values; found "
                                 f"{plain(s['y'][pos])!r} at index "
                                 f"{plain(self.data.index[pos])!r}. Pass an indicator such "
                                 "as (df.LBXTST < 300).where(df.LBXTST.notna()).")
            p, var, deff = self._mean(s, confidence)
            df = self._df(s, s["code"])
            n_rows = np.bincount(s["code"][s["code"] >= 0], minlength=s["G"])  # R: nrow(design)
            low, high = _quantile.proportion_ci(p, np.sqrt(var), df, method, confidence, n_rows)
            rows = dict(variable=s["name"], statistic="proportion", estimate=p,
                        se=np.sqrt(var), ci_low=low, ci_high=high, df=df,
                        deff=deff_where_defined(deff, s["n_pop"], s["n_obs"]),
                        n_obs=s["n_obs"], n_pop=s["n_pop"])
            return self._finish_rows(s, rows)
        return self._each(variable, one)

    def quantile(self, variable, q=0.5, by=None, *, rule: str = "math",
                 interval: str = "mean", na_rm: bool = True, confidence: float = 0.95):
        """Weighted quantiles with Woodruff confidence intervals (R: ``svyquantile``).

        Parameters
        ----------
        variable : str, list of str or pandas.Series
            Column(s) of the data, or a Series on the data's index.
        q : float or list of float, default 0.5
            Probabilities in [0, 1].
        by : str or list of str, optional
            Grouping columns; each group is a domain of the full design.
        rule : str, default "math"
            R's ``qrule``: "math" (= "hf1", the inverse of the weighted CDF, R's default),
            "school" (= "hf2"), "hf5", "hf6", "hf7", "hf8", "hf9" (weighted Hyndman-Fan
            types). Below the first step of the weighted CDF (p under the weight share of
            the smallest value), "math" and "school" give the smallest value; R survey
            4.1-1 gives the second smallest there (its quantiles are then not monotone:
            1, 2, 3 with equal weights give 2 at p = 0.3 and 1 at p = 1/3). A domain of one
            value gives it under every rule (R's hf5-hf9 stop with an error).
        interval : {"mean", "beta", "xlogit", "asin"}, default "mean"
            R's ``interval.type``: how the CI of the CDF at the quantile is formed before
            it is mapped back through ``rule`` (Woodruff).
        na_rm : bool, default True
            Leave out missing values within each domain.
        confidence : float, default 0.95

        Returns
        -------
        pandas.DataFrame
            As :meth:`mean`, with a column ``q``. The standard error is the CI width
            divided by 2 t, as R reports it; ``df`` counts the domain without its missing
            values (R); a CI limit whose probability leaves [0, 1] is NaN (R); ``deff`` is
            NaN (R gives none). The "asin" interval is clamped as in :meth:`proportion`.
            Where the CDF at the quantile is 1 (q = 1, the largest value), it is computed
            exactly (SE 0): interval "mean" gives (max, max), the others NaN (0/0 on their
            scales), as R does when its sum of w / sum(w) is exactly 1; R's answer
            otherwise depends on that sum's rounding (1 - 1e-16 gives the opposite).
        """
        confidence = check_confidence(confidence)
        if rule not in _quantile.QRULES:
            raise ValueError(f"rule must be one of {', '.join(map(repr, _quantile.QRULES))}; "
                             f"got {rule!r}")
        if interval not in ("mean", "beta", "xlogit", "asin"):  # R's interval.type
            raise ValueError("interval must be one of 'mean', 'beta', 'xlogit', 'asin'; "
                             f"got {interval!r}")
        qrule = _quantile.QRULES[rule]
        probs = np.atleast_1d(np.asarray(q, dtype=float))
        if ((probs < 0) | (probs > 1) | np.isnan(probs)).any():
            raise ValueError(f"q: probabilities must lie in [0, 1]; got {q!r}")

        def one(v):
            s = self._setup(v, by, na_rm)
            use, w, y, G = s["use"], s["w"], s["y"], s["G"]
            sel = np.flatnonzero(use >= 0)
            order = sel[np.argsort(use[sel], kind="stable")]
            bounds = np.searchsorted(use[order], np.arange(G + 1))
            # one sort per domain (a loop over domains, never over rows)
            sorted_ = [_quantile.sort_weighted(y[r], w[r])
                       for r in (order[bounds[g]:bounds[g + 1]] for g in range(G))]
            df = self._df(s, use)
            n_rows = np.bincount(use[sel], minlength=G)
            t = _quantile.tcrit(confidence, df)
            frames = []
            for p in probs:
                qhat = np.array([qrule(*srt, np.array([p]))[0] for srt in sorted_])
                below = np.where(use >= 0, y <= qhat[np.maximum(use, 0)], 0.0)
                phat, var, _ = self._mean(dict(s, y=below.astype(float)), confidence)
                lo, hi = _quantile.proportion_ci(phat, np.sqrt(var), df, interval, confidence,
                                                 n_rows)
                lo = np.where(np.isnan(lo) | (lo < 0), np.nan, lo)
                hi = np.where(np.isnan(hi) | (hi > 1), np.nan, hi)
                lims = np.array([qrule(*srt, np.array([a, b]))
                                 for srt, a, b in zip(sorted_, lo, hi, strict=True)]).reshape(G, 2)
                ci_low = np.where(np.isnan(lo), np.nan, lims[:, 0])
                ci_high = np.where(np.isnan(hi), np.nan, lims[:, 1])
                rows = dict(variable=s["name"], statistic="quantile", estimate=qhat,
                            se=(ci_high - ci_low) / (2 * t), ci_low=ci_low, ci_high=ci_high,
                            df=df, deff=np.nan, n_obs=s["n_obs"], n_pop=s["n_pop"])
                frame = self._finish_rows(s, rows)
                frame.insert(frame.columns.get_loc("statistic") + 1, "q", p)
                frames.append(frame)
            return pd.concat(frames, ignore_index=True)
        return self._each(variable, one)

    def median(self, variable, by=None, **kwargs):
        """Weighted median: :meth:`quantile` with ``q=0.5`` (same keyword arguments)."""
        return self.quantile(variable, 0.5, by=by, **kwargs)

    @staticmethod
    def _each(variable, one):
        if isinstance(variable, (list, tuple)):
            return pd.concat([one(v) for v in variable], ignore_index=True)
        return one(variable)
