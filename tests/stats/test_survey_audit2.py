"""SurveyDesign against R's survey package, second audit: every row of the R reference.

External reference: tests/reference/r_survey_audit2.csv, written by
tests/reference/make_survey_audit2_reference.R (R 4.2.2 Patched r83330, survey 4.1-1, Debian
12; run by hand, R is not needed here) on tests/reference/r_survey_audit2_data.csv: 33 rows
built by arithmetic, 5 strata of which S4 has a single PSU, a PSU of S3 holding only zero
weights, weights from 0.1 to 3000, ties, missing values, and domains "a", "b", "c" (only
PSU 1 of S1 and of S2), "one" (a single row), "z" (zero weights only), plus rows in no
domain. Three designs: "strat" (``svydesign(id=~psu, strata=~h, weights=~w, nest=TRUE)``,
under each ``survey.lonely.psu``), "srs" (``id=~1``) and "clus" (``id=~psu_all``, the PSUs
numbered across strata, no strata). Each row of the CSV is one R call (svymean, svytotal,
svyratio(~y, ~w), svyciprop(~b) by each method, svyquantile(~y) by each qrule and
interval.type at q = 0, 0.25, 0.5, 0.9, 1) on ``subset(design, dom == group)``; and a few
rows on domains with no row ("none"), only missing values ("na"), b all 0 ("zeros") or all 1
("ones"), and a ratio whose denominator is 0 ("ratio0").

Tolerance: relative 1e-9, absolute 1e-13. The relative 1e-9 is for R's svyciprop "logit"
estimate and interval, which R takes from an iteratively reweighted fit (svyglm) rather
than the weighted mean: they differ from the exact ones by up to 1.6e-10 (group "one":
0.999999999842 for a domain whose only value is 1); every other estimate, SE, CI and deff
agrees within 4e-12 (relative, when written). The absolute 1e-13 covers quantities that are
0 in exact arithmetic where R's sums leave rounding (an SE of 5e-17).

Where labstats deliberately differs from R, the departure is documented in the labstats
docstring and asserted here (``expected()``), with R's own value checked so that the
exception cannot outlive the reason.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labstats._validate import LabstatsWarning
from labstats.stats import SurveyDesign

REF = Path(__file__).parents[1] / "reference"
DATA = pd.read_csv(REF / "r_survey_audit2_data.csv")
# R: d$psu_all <- match(paste(d$h, d$psu), unique(paste(d$h, d$psu)))
DATA["psu_all"] = pd.factorize(DATA["h"] + " " + DATA["psu"].astype(str))[0] + 1
DATA["x0"] = DATA["w"].where(DATA["dom"] != "b", 0.0)  # R: ifelse(d$dom %in% "b", 0, d$w)
R_ROWS = pd.read_csv(REF / "r_survey_audit2.csv")
R_ROWS["kind"] = R_ROWS["case"].str.split().str[0]
# The same R calls where labstats departs from survey 4.1-1 on purpose, computed by R with
# the correction (written from its definition in the script): qrule "math"/"school" below the
# first step of the weighted CDF, and the "asin" interval's angle clamped to [0, pi/2].
KEY = ["design", "case", "lonely", "group", "statistic"]
DEPARTURES = {tuple(r[k] for k in KEY): r for r in
              pd.read_csv(REF / "r_survey_audit2_departures.csv").to_dict("records")}

# the columns R gives per kind of row (the others are NA in the CSV because not computed)
COLUMNS = {"mean": ["estimate", "se", "df", "deff"], "total": ["estimate", "se", "df", "deff"],
           "ratio": ["estimate", "se", "df"], "ratio0": ["estimate", "se"],
           "prop": ["estimate", "se", "ci_low", "ci_high", "df"],
           "quantile": ["estimate", "se", "ci_low", "ci_high", "df"]}
DESIGNS = {"strat": dict(strata="h", psu="psu"), "srs": {}, "clus": dict(psu="psu_all")}
DOMAINS = {"all": None, "none": DATA["dom"].eq("nobody"), "na": DATA["y"].isna(),
           "zeros": DATA["b"].eq(0), "ones": DATA["b"].eq(1)}  # R: subset(des, b %in% 0)

# Groups where R's svymean of the indicator y <= max(y) is not exactly 1 but 1 - 2^-53
# ("a") or 1 + 2^-52 ("c") (R: coef(svymean(~I(as.numeric(y <= 8)), dd)) - 1, with an
# SE of 5e-17 and 1.6e-16 instead of 0): R's sum of w / sum(w) rounds. Its quantile CI
# at q = 1 then depends on that rounding (see expected()).
R_CDF_ROUNDED_OFF_ONE = {"a", "c"}
Q_ALL = [0.0, 0.25, 0.5, 0.9, 1.0]  # the script's q


def design(name: str, lonely: str) -> SurveyDesign:
    return SurveyDesign(DATA, weights="w", lonely_psu=lonely, **DESIGNS[name])


def domain(des: SurveyDesign, group: str) -> SurveyDesign:
    mask = DOMAINS.get(group, DATA["dom"].eq(group))  # R: subset(des, dom == g)
    return des if mask is None else des.subset(mask)


def estimate(des: SurveyDesign, row, by=None) -> pd.DataFrame:
    """The labstats call that repeats the R call of ``row``."""
    if row.kind == "mean":
        return des.mean("y", by=by)
    if row.kind == "total":
        return des.total("y", by=by)
    if row.kind == "ratio":
        return des.ratio("y", "w", by=by)
    if row.kind == "ratio0":
        return des.ratio("y", "x0", by=by)
    if row.kind == "prop":
        return des.proportion("b", by=by, method=row.statistic)
    _, rule, interval, _q = row.case.split()  # every q of the script in one call
    return des.quantile("y", Q_ALL, by=by, rule=rule, interval=interval)


def lookup(des: SurveyDesign, row, cache: dict, by=None) -> pd.DataFrame:
    """The labstats result for ``row`` (one R call), the calls cached per domain/method."""
    what = row.case.rsplit(" ", 1)[0] if row.kind == "quantile" else row.case
    key = (row.group if by is None else by, what, row.statistic)
    if key not in cache:
        cache[key] = call(des if by is not None else domain(des, row.group), row, by)
    got = cache[key]
    if by is not None:
        got = got[got[by] == row.group]
    return got[got["q"] == float(row.case.split()[-1])] if row.kind == "quantile" else got


def r_row(**where) -> pd.Series:
    sel = np.ones(len(R_ROWS), dtype=bool)
    for col, value in where.items():
        sel &= R_ROWS[col].to_numpy() == value
    assert sel.sum() == 1, where
    return R_ROWS[sel].iloc[0]


def expected(row, got: pd.Series) -> dict:
    """R's values, with labstats' documented departures from R put in (each checked)."""
    key = (row.design, row.case, row.lonely, row.group, row.statistic)
    ref = DEPARTURES.get(key, row._asdict())
    exp = {col: ref[col] for col in COLUMNS[row.kind]}
    if row.group in ("none", "na") and row.kind in ("mean", "ratio"):
        # No row with a value and a positive weight: labstats gives NaN (SurveyDesign.mean /
        # ratio docstrings); R gives mean 0 with SE 0 (a sum of nothing) and ratio NaN with
        # SE 0, numbers that are not estimates.
        assert (row.estimate == 0 if row.kind == "mean" else math.isnan(row.estimate))
        assert row.se == 0
        exp.update(estimate=np.nan, se=np.nan)
    if row.kind in ("mean", "total") and got["n_pop"] < got["n_obs"]:
        # weights summing to fewer persons than rows (group "one": w = 0.2): the design
        # effect against sampling without replacement is undefined; labstats: NaN with a
        # warning (deff_where_defined); R: NA for svymean, -Inf for svytotal
        assert math.isnan(row.deff) if row.kind == "mean" else row.deff == -np.inf
        exp["deff"] = np.nan
    if row.kind == "prop" and row.statistic == "logit" and row.df == 1:
        # R's svyciprop(method="logit") on 1 design df gives (0, NaN): its confint.svyglm
        # Wald limits are -Inf/Inf for ddf <= 1 (finite from ddf = 1.5), although
        # qt(0.975, 1) = 12.71. labstats gives the Wald interval on the logit scale with
        # t on 1 df, which is R's method="xlogit" (SurveyDesign.proportion docstring).
        assert row.ci_low == 0 and math.isnan(row.ci_high)
        xlogit = r_row(design=row.design, lonely=row.lonely, group=row.group, kind="prop",
                       statistic="xlogit")
        exp.update(ci_low=xlogit.ci_low, ci_high=xlogit.ci_high)
    if row.kind == "prop" and row.group in ("zeros", "ones"):
        # A share of 0 or 1 (SE 0): labstats computes it exactly; "mean" gives (p, p), the
        # others NaN (0/0 on their scales), as R does where its p is exact ("zeros"). R's p
        # of "ones" is a sum of w / sum(w) rounded below 1 (SE 4e-17, not 0), which gives
        # (1, 1); R's "logit" is a glm that does not converge (p = 1.2e-11, not 0)
        # (SurveyDesign.proportion docstring). R's values are checked case by case, so
        # that each exception holds only while its reason does.
        p, exact = float(row.group == "ones"), row.statistic == "mean"
        q = row.estimate if row.group == "zeros" else 1 - row.estimate  # the tail share
        if row.statistic == "logit":  # the glm's p, 1e-11 off 0 or 1, and a CI around it
            assert 0 < q < 1e-10 and row.ci_low < row.estimate < row.ci_high
            assert 0 < row.ci_low and row.ci_high < 1
        elif row.group == "ones":  # p 1 with an SE of rounding (not 0), CI (1, 1)
            assert row.estimate == 1 and 0 < row.se < 1e-16
            assert row.ci_low == row.ci_high == 1
        else:  # exact in R too: p 0, SE 0, and labstats' CI ((0, 0) for "mean", else NaN)
            assert row.estimate == 0 and row.se == 0
            assert (row.ci_low == row.ci_high == 0) if exact else (
                math.isnan(row.ci_low) and math.isnan(row.ci_high))
        exp.update(estimate=p, se=0.0, ci_low=p if exact else np.nan,
                   ci_high=p if exact else np.nan)
    if row.kind == "quantile" and row.case.endswith(" 1") and row.group in R_CDF_ROUNDED_OFF_ONE:
        # At q = 1 the CDF at the quantile (the maximum) is 1 with SE 0. labstats computes it
        # exactly and gives what R gives where its own sum is exactly 1 (groups "all" and
        # "b"): interval "mean": CI (max, max), SE 0; "beta", "xlogit", "asin": NaN (their
        # transforms are 0/0 at p = 1) (SurveyDesign.quantile docstring). R here holds
        # 1 -/+ 1e-16 and gives the opposite (or NaN for both).
        exact = row.case.split()[2] == "mean" and row.df > 0
        exp.update(ci_low=row.estimate if exact else np.nan,
                   ci_high=row.estimate if exact else np.nan, se=0.0 if exact else np.nan)
    return exp


def mismatches(row, got: pd.Series) -> list[str]:
    out = []
    for col, want in expected(row, got).items():
        have = float(got[col])
        if math.isnan(want) and math.isnan(have):
            continue
        if not have == pytest.approx(want, rel=1e-9, abs=1e-13):
            out.append(f"{row.design}/{row.lonely} {row.case} {row.statistic} group "
                       f"{row.group}: {col} {have!r}, R {want!r}")
    return out


def call(des, row, by=None) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabstatsWarning)  # deff warnings: tested below
        return estimate(des, row, by)


COMBOS = sorted({(d, lo) for d, lo in zip(R_ROWS["design"], R_ROWS["lonely"], strict=True)
                 if lo != "fail"})
# one test per design, lonely.psu option and estimator, over all its rows (domains, methods)
CASES = sorted(R_ROWS.loc[R_ROWS["lonely"] != "fail", ["design", "lonely", "kind"]]
               .drop_duplicates().itertuples(index=False, name=None))


@pytest.mark.parametrize(("design_name", "lonely", "kind"), CASES)
def test_every_r_row_is_reproduced(design_name, lonely, kind):
    """Each R call of the CSV for this design, lonely.psu option and estimator, on
    subset(design, dom == group), against the same labstats call on subset()."""
    rows = R_ROWS[(R_ROWS["design"] == design_name) & (R_ROWS["lonely"] == lonely)
                  & (R_ROWS["kind"] == kind)]
    des = design(design_name, lonely)
    bad, cache = [], {}
    for row in rows.itertuples():
        got = lookup(des, row, cache)
        assert len(got) == 1
        bad += mismatches(row, got.iloc[0])
    assert not bad, f"{len(bad)} of {len(rows)} R rows differ:\n" + "\n".join(bad[:20])


@pytest.mark.parametrize("kind", ["mean", "total", "ratio", "prop", "quantile"])
@pytest.mark.parametrize(("design_name", "lonely"), COMBOS)
def test_by_groups_equal_the_r_rows_of_each_domain(design_name, lonely, kind):
    """by="dom" gives each group as subset(dom == group) does, as R's svyby applies the
    estimator to each group's subset: the same R rows. The group "z" (zero weights only) is
    left out, as R's svyby leaves it out (R: svyby(~y, ~dom, des, svymean, na.rm=TRUE) lists
    a, b, c, one)."""
    rows = R_ROWS[(R_ROWS["design"] == design_name) & (R_ROWS["lonely"] == lonely)
                  & (R_ROWS["kind"] == kind) & R_ROWS["group"].isin(["a", "b", "c", "one"])]
    des = design(design_name, lonely)
    bad, cache = [], {}
    for row in rows.itertuples():
        got = lookup(des, row, cache, by="dom")
        assert len(got) == 1
        bad += mismatches(row, got.iloc[0])
    for frame in cache.values():  # no group "z"
        assert sorted(set(frame["dom"])) == ["a", "b", "c", "one"]
    assert not bad, f"{len(bad)} of {len(rows)} R rows differ:\n" + "\n".join(bad[:20])


def test_lonely_psu_fail_raises_only_where_the_domain_reaches_the_lonely_stratum():
    """R: options(survey.lonely.psu="fail"); svymean(~y, subset(des, dom == g), na.rm=TRUE):
    "a" reaches the single-PSU stratum S4 and R stops ("Stratum (S4) has only one PSU at
    stage 1"); "c" does not and R gives its mean."""
    des = design("strat", "fail")
    assert r_row(lonely="fail", group="a").statistic == "error"
    with pytest.raises(ValueError, match="stratum 'S4' has only one PSU"):
        domain(des, "a").mean("y")
    ref = r_row(lonely="fail", group="c")
    got = domain(des, "c").mean("y").iloc[0]
    assert got["estimate"] == pytest.approx(ref["estimate"], rel=1e-12)
    assert got["se"] == pytest.approx(ref["se"], rel=1e-12)


def test_deff_of_a_domain_weighing_fewer_persons_than_rows_warns():
    """Group "one" (one row of weight 0.2): R gives deff NA for svymean (with the warning
    'Sample size greater than population size') and -Inf for svytotal; labstats NaN with a
    LabstatsWarning for both (deff_where_defined), pointing at this file."""
    des = domain(design("strat", "remove"), "one")
    for method, statistic in ((des.mean, "mean"), (des.total, "total")):
        ref = r_row(design="strat", lonely="remove", group="one", kind=statistic)
        assert math.isnan(ref["deff"]) if statistic == "mean" else ref["deff"] == -np.inf
        with pytest.warns(LabstatsWarning, match="fewer persons than rows") as rec:
            got = method("y").iloc[0]
        assert rec[0].filename == __file__
        assert math.isnan(got["deff"])
        assert got["estimate"] == pytest.approx(ref["estimate"], rel=1e-12)


def test_math_and_school_rules_give_the_smallest_value_below_the_first_step():
    """1, 2, 3 with equal weights: the inverse CDF is 1 for every p <= 1/3. R survey 4.1-1's
    qrule_math gives 2 at p = 0, 0.1 and 0.3 and 1 at p = 1/3 (survey:::qrule_math(1:3,
    rep(1, 3), p)): not monotone. labstats gives 1 (SurveyDesign.quantile docstring); the
    rows of r_survey_audit2_departures.csv hold R's svyquantile with the corrected rule."""
    des = SurveyDesign(pd.DataFrame({"y": [3.0, 1.0, 2.0], "w": 1.0}), weights="w")
    probs = [0.0, 0.1, 0.3, 1 / 3, 0.5, 2 / 3, 1.0]
    math_ = des.quantile("y", probs, rule="math")["estimate"].tolist()
    school = des.quantile("y", probs, rule="school")["estimate"].tolist()
    assert math_ == [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 3.0]
    assert school == [1.0, 1.0, 1.0, 1.5, 2.0, 2.5, 3.0]


def test_asin_interval_is_clamped_where_r_folds_it_back():
    """strat design, lonely "remove", domain "a" (1 df): R's svyciprop(~b, d, method="asin")
    gives (0.953, 0.274) around p = 0.337, sin^2 of angles beyond [0, pi/2]; labstats clamps
    the angle: (0, 1) (SurveyDesign.proportion docstring)."""
    ref = r_row(design="strat", lonely="remove", group="a", kind="prop", statistic="asin")
    assert ref["ci_low"] > ref["estimate"] > ref["ci_high"]  # R's folded "interval"
    got = domain(design("strat", "remove"), "a").proportion("b", method="asin").iloc[0]
    assert (got["ci_low"], got["ci_high"]) == (0.0, 1.0)
    assert got["estimate"] == pytest.approx(ref["estimate"], rel=1e-12)


def _same(a, b, rel=1e-12):
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=rel, abs=1e-13)


def test_labstats_gives_the_corrected_rows_where_survey_4_1_1_departs():
    """Every R row that the departures file corrects (571 of 1,830 when written: 359 with
    the "asin" interval, 212 by the "math"/"school" rule below the first step): labstats'
    value equals the corrected row and differs from R's in each column that the correction
    changes, by the documented amount: under the rules R's estimate or CI limit is a larger
    value than the smallest below the first step (or NaN: 8 "mean" intervals at q = 0);
    a proportion's "asin" limit is clamped to 0 or 1 where R's angle folds back."""
    changed = {"asin": 0, "rule": 0}
    designs, caches, bad = {}, {}, []
    for row in R_ROWS.itertuples():
        dep = DEPARTURES.get((row.design, row.case, row.lonely, row.group, row.statistic))
        cols = [] if dep is None else [c for c in ("estimate", "se", "ci_low", "ci_high")
                                        if not _same(dep[c], getattr(row, c))]
        if not cols:
            continue
        kind = "asin" if " asin " in f" {row.case} {row.statistic} " else "rule"
        changed[kind] += 1
        key = (row.design, row.lonely)
        des = designs.setdefault(key, design(*key))
        got = lookup(des, row, caches.setdefault(key, {})).iloc[0]
        for c in cols:
            have, r = float(got[c]), getattr(row, c)
            ok = _same(have, dep[c], 1e-9) and not _same(have, r, 1e-9)
            if kind == "rule" and c != "se":
                ok &= math.isnan(r) or r > have
            if kind == "asin" and row.kind == "prop":
                ok &= have in (0.0, 1.0)
            if not ok:
                bad.append(f"{row.design}/{row.lonely} {row.case} {row.statistic} "
                           f"{row.group}: {c} {have!r}, corrected {dep[c]!r}, R {r!r}")
    assert changed == {"asin": 359, "rule": 212}
    assert not bad, "\n".join(bad[:20])


@pytest.mark.parametrize("rule", ["hf5", "hf6", "hf7", "hf8", "hf9"])
def test_a_domain_of_one_value_gives_it_under_the_interpolating_rules(rule):
    """Domain "one" (a single row, y = 5): R's svyquantile(~y, d, 0.5, qrule=rule) stops
    ("need at least two non-NA values to interpolate"; hf7: "'x' and 'y' lengths differ"),
    so the script writes no row for it; math and school give 5 (CSV). labstats gives the
    value under every rule, with no CI on 0 df (SurveyDesign.quantile docstring)."""
    assert r_row(design="strat", lonely="remove", group="one",
                 case="quantile math mean 0.5").estimate == 5
    assert not ((R_ROWS["group"] == "one") & R_ROWS["case"].str.contains(rule)).any()
    got = domain(design("strat", "remove"), "one").quantile("y", [0.0, 0.5, 1.0], rule=rule)
    assert got["estimate"].tolist() == [5.0, 5.0, 5.0]
    assert got["df"].eq(0).all() and got["ci_low"].isna().all() and got["ci_high"].isna().all()
