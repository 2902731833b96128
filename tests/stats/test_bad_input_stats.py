"""Issue 10, statistics: every bad input gets a clear error (argument, value, index, fix),
never a silent NaN, an absurd number or a crash.

One parametrised case per defect class: infinite and missing weights, infinite values in
every entry point, degenerate method-comparison inputs (constant x, constant y, n < 3),
domain masks of every dtype, and string/categorical strata with a lonely PSU under every
``lonely_psu`` option (results equal to those with integer strata and to R's survey 4.1-1
values in tests/reference/r_survey_example.csv).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labstats.stats import (
    SurveyDesign,
    age_groups,
    bland_altman,
    concordance,
    deming,
    describe,
    fit_lms,
    indirect_reference_interval,
    partition_test,
    passing_bablok,
    propagate_imprecision,
    ratio_summary,
    reference_interval,
    reference_outliers,
)
from labstats.stats._variance import LONELY_PSU

TOY = pd.DataFrame({"w": [1.0, 2, 1, 3, 2, 1], "h": [1, 1, 1, 1, 2, 2],
                    "psu": [1, 1, 2, 2, 1, 2], "y": [3.0, 5, 4, 6, 2, 8]},
                   index=[f"p{i}" for i in range(6)])
LINE = np.arange(1.0, 11.0)
NOISY = LINE * 1.1 + np.array([0.1, -0.2, 0.3, 0.0, -0.1, 0.2, -0.3, 0.1, 0.0, -0.2])
RI = pd.Series(np.r_[np.linspace(10, 30, 119), np.inf], index=[f"s{i}" for i in range(120)])


ROUTINE = pd.Series(np.linspace(10.0, 30.0, 50), index=[f"r{i}" for i in range(50)])


def _by_sex(tau=False):
    """A two-age LMS (or LMSP) table by sex, ages in years."""
    from labstats.stats import LMSPTable, LMSTable

    args = ([0, 10, 0, 10], [1, 0, 1, 0.5], [10, 20, 11, 22.0], [0.1, 0.2, 0.1, 0.2])
    if tau:
        return LMSPTable(*args, [2.0] * 4, sex=["M", "M", "F", "F"], age_unit="years")
    return LMSTable(*args, sex=["M", "M", "F", "F"], age_unit="years")


def _design(**col):
    return SurveyDesign(TOY.assign(**col), weights="w", strata="h", psu="psu")


# ---- the matrix: input -> expected error ----------------------------------------------------
CASES = [
    # 1. weights: non-finite or negative -> column, value, row label and fix
    ("infinite weight", lambda: _design(w=[1.0, 2, np.inf, 3, 2, 1]),
     r"w: 1 infinite weights; the first is inf at index 'p2'.*correct the value"),
    ("-inf weight", lambda: _design(w=[1.0, 2, 1, 3, -np.inf, 1]),
     r"w: 1 infinite weights; the first is -inf at index 'p4'"),
    ("negative weight", lambda: _design(w=[1.0, -2, 1, 3, 2, 1]),
     r"w: 1 negative weights; the first is -2\.0 at index 'p1'.*>= 0"),
    ("missing weight", lambda: _design(w=[1.0, 2, 1, np.nan, 2, 1]),
     r"w: 1 missing weights; the first is nan at index 'p3'.*weight 0 .*fillna\(0\)"),
    ("NA weight (nullable)", lambda: _design(w=pd.array([1.0, 2, None, 3, 2, 1], "Float64")),
     r"w: 1 missing weights; the first is <NA> at index 'p2'"),
    # 3. infinite values in every entry point
    ("survey mean of inf", lambda: _design(y=[3.0, 5, np.inf, 6, 2, 8]).mean("y"),
     r"y: 1 infinite values; the first is inf at index 'p2'.*NaN to leave it out"),
    ("survey quantile of -inf", lambda: _design(y=[3.0, 5, 4, 6, -np.inf, 8]).median("y"),
     r"y: 1 infinite values; the first is -inf at index 'p4'"),
    ("survey ratio with inf", lambda: _design(x=[1.0, 1, 1, np.inf, 1, 1]).ratio("y", "x"),
     r"x: 1 infinite values; the first is inf at index 'p3'"),
    ("describe of inf", lambda: describe(TOY.assign(y=[3.0, 5, 4, np.inf, 2, 8]), "y"),
     r"y: 1 infinite values; the first is inf at index 'p3'"),
    ("reference interval of inf", lambda: reference_interval(RI),
     r"values: 1 infinite value; the first is inf at index 's119'.*NaN"),
    ("survey reference interval of inf",
     lambda: reference_interval("y", design=_design(y=[3.0, np.inf, 4, 6, 2, 8])),
     r"y: 1 infinite values; the first is inf at index 'p1'"),
    ("reference outliers of inf", lambda: reference_outliers(RI),
     r"values: 1 infinite value.*'s119'"),
    ("partition test of inf", lambda: partition_test(RI, ["a"] * 60 + ["b"] * 60),
     r"values: 1 infinite value.*'s119'"),
    ("age bands of inf", lambda: age_groups(pd.Series([30.0, np.inf], index=["a", "b"]), [20, 40]),
     r"age: 1 infinite value; the first is inf at index 'b'"),
    ("Bland-Altman of inf", lambda: bland_altman(LINE, np.r_[NOISY[:-1], np.inf]),
     r"y: 1 infinite value; the first is inf at index 9.*leave that pair out"),
    ("Passing-Bablok of inf", lambda: passing_bablok(np.r_[np.inf, LINE[1:]], NOISY),
     r"x: 1 infinite value; the first is inf at index 0"),
    ("ratio summary covariate inf",
     lambda: ratio_summary(NOISY, LINE, covariates={"shbg": np.r_[LINE[:-1], np.inf]}),
     r"covariates\['shbg'\]: 1 infinite value.*index 9"),
    ("imprecision input inf",
     lambda: propagate_imprecision(lambda a: 2 * a, {"a": [1.0, np.inf]}, {"a": 0.05}),
     r"inputs\['a'\]: 1 infinite value; the first is inf at index 1"),
    # 2. degenerate method comparisons
    ("Passing-Bablok constant x", lambda: passing_bablok(np.full(10, 4.0), NOISY),
     r"x: all 10 values equal 4\.0, so the Passing-Bablok slope.*cannot be computed"),
    ("Passing-Bablok constant y", lambda: passing_bablok(LINE, np.full(10, 4.0)),
     r"y: all 10 values equal 4\.0"),
    ("Passing-Bablok n < 3", lambda: passing_bablok([1.0, 2, np.nan], [1.0, 2, 3]),
     r"x, y: 2 complete pairs; at least 3 are needed"),
    ("Deming constant x", lambda: deming(np.full(10, 4.0), NOISY),
     r"x: all 10 values equal 4\.0, so the Deming slope cannot be computed"),
    ("Deming constant y", lambda: deming(LINE, np.full(10, 4.0)), r"y: all 10 values equal"),
    ("Deming uncorrelated", lambda: deming([1.0, 2, 3, 4, 5], [2.0, 1, 3, 1, 2]),
     r"covariance is 0"),
    ("Deming n < 3", lambda: deming([1.0, 2], [1.0, 2]), r"2 complete pairs; at least 3"),
    ("Bland-Altman constant differences", lambda: bland_altman(LINE, LINE + 1),
     r"differences y - x: all 10 values equal 1\.0, so their SD"),
    ("Bland-Altman constant ratios (log)", lambda: bland_altman(LINE, 2 * LINE, log=True),
     r"differences ln\(y\) - ln\(x\): all 10 values equal 0\.69"),
    ("Bland-Altman constant pair means", lambda: bland_altman(LINE, 11 - LINE),
     r"pair means \(x \+ y\)/2: all 10 values equal 5\.5"),
    ("Bland-Altman n < 3", lambda: bland_altman([1.0, 2], [1.0, 3]), r"2 complete pairs"),
    ("concordance constant x", lambda: concordance(np.full(10, 4.0), NOISY),
     r"x: all 10 values equal 4\.0, so Pearson's r"),
    ("concordance constant y", lambda: concordance(LINE, np.full(10, 4.0)),
     r"y: all 10 values equal 4\.0"),
    ("concordance n < 3", lambda: concordance([1.0, 2], [1.0, 3]), r"2 complete pairs"),
    ("concordance of a column with itself", lambda: concordance(NOISY, NOISY),
     r"x, y: identical in every pair.*two different methods"),
    # 5. rows paired by position, not label; statistics of too few values (audit-stats)
    ("partition test of groups on another index",
     lambda: partition_test(pd.Series(LINE, index=list("abcdefghij")),
                            pd.Series(list("aaaaabbbbb"), index=list("jihgfedcba"))),
     r"groups and values are Series with different indexes; align them first"),
    ("partition test with a missing group label",
     lambda: partition_test(pd.Series(LINE, index=list("abcdefghij")),
                            ["a"] * 4 + [np.nan] + ["b"] * 5),
     r"groups: 1 missing label; the first at index 'e'.*every value its subgroup"),
    ("Harris-Boyd with a group of one value",
     lambda: partition_test(LINE, ["a"] * 9 + ["b"]),
     r"harris_boyd: group 'b' has 1 value; each group needs at least 2"),
    ("ratio summary covariate on another index",
     lambda: ratio_summary(pd.Series(NOISY), pd.Series(LINE),
                           covariates={"shbg": pd.Series(LINE, index=LINE.size - 1 - np.arange(10))}),
     r"covariates\['shbg'\] and calculated are Series with different indexes; align them"),
    ("survey mean at confidence=95", lambda: _design().mean("y", confidence=95),
     r"confidence must be a number between 0 and 1 \(e\.g\. 0\.95\), got 95"),
    ("survey total at confidence=NaN", lambda: _design().total("y", confidence=np.nan),
     r"confidence must be a number between 0 and 1"),
    ("survey ratio at confidence=90", lambda: _design(x=LINE[:6]).ratio("y", "x", confidence=90),
     r"confidence must be a number between 0 and 1"),
    ("survey proportion at confidence=0", lambda: _design().proportion(TOY.y > 4, confidence=0),
     r"confidence must be a number between 0 and 1"),
    ("survey median at confidence=1.5", lambda: _design().median("y", confidence=1.5),
     r"confidence must be a number between 0 and 1"),
    ("bootstrap reference interval of 20 values",
     lambda: reference_interval(np.arange(1.0, 21.0), method="bootstrap"),
     r"the bootstrap method needs n >= 39 for a 95% interval, got n = 20"),
    # 6. fit_lms: rows paired by label, infinite inputs refused before the fit (audit-stats)
    ("fit_lms with value on another index",
     lambda: fit_lms(pd.Series(LINE, index=list("abcdefghij")),
                     pd.Series(NOISY, index=list("jihgfedcba"))),
     r"value: its index differs from the index of age; align them first"),
    ("fit_lms with weights on another index",
     lambda: fit_lms(pd.Series(LINE, index=list("abcdefghij")), pd.Series(NOISY, index=list(
         "abcdefghij")), weights=pd.Series(1.0, index=list("jihgfedcba"))),
     r"weights: its index differs from the index of age"),
    ("fit_lms with age not on the design's data",
     lambda: fit_lms(pd.Series(LINE[:6], index=TOY.index[::-1]), "y", design=_design()),
     r"age: its index differs from the index of the design's data"),
    ("fit_lms of an infinite value",
     lambda: fit_lms(pd.Series(LINE, index=list("abcdefghij")),
                     pd.Series(np.r_[NOISY[:3], np.inf, NOISY[4:]], index=list("abcdefghij"))),
     r"value: 1 infinite value; the first is inf at index 'd'"),
    ("fit_lms of an infinite age", lambda: fit_lms(np.r_[LINE[:-1], np.inf], NOISY),
     r"age: 1 infinite value; the first is inf at index 9"),
    ("fit_lms with an infinite weight",
     lambda: fit_lms(LINE, NOISY, weights=np.r_[np.ones(9), np.inf]),
     r"weights: 1 negative, missing or infinite; the first is inf at index 9"),
    ("fit_lms with a missing weight",
     lambda: fit_lms(pd.Series(LINE, index=list("abcdefghij")), NOISY,
                     weights=np.r_[np.ones(4), np.nan, np.ones(5)]),
     r"weights: 1 negative, missing or infinite; the first is nan at index 'e'.*weight 0"),
    ("fit_lms of a negative age (it used to be fitted as one)",
     lambda: fit_lms(pd.Series(np.r_[LINE[:2], -3.0, LINE[3:]], index=list("abcdefghij")),
                     NOISY),
     r"age: 1 negative age\(s\); the first is -3\.0 at index 'c'.*set those to NaN"),
    ("fit_lms of a value <= 0",
     lambda: fit_lms(pd.Series(LINE, index=list("abcdefghij")),
                     np.r_[NOISY[:7], -1.0, NOISY[8:]]),
     r"value: 1 value\(s\) <= 0; the first is -1\.0 at index 'h'.*positive values"),
    # 7. LMS tables: rows paired by label; centiles outside 0-100 (audit-stats)
    ("LMS parameters of age and sex on different indexes",
     lambda: _by_sex().parameters(pd.Series([5.0, 6.0], index=["a", "b"]),
                                  pd.Series(["M", "F"], index=["b", "a"])),
     r"Series inputs have different indexes; align them first"),
    ("LMSP parameters of age and sex on different indexes",
     lambda: _by_sex(tau=True).parameters(pd.Series([5.0, 6.0], index=["a", "b"]),
                                          pd.Series(["M", "F"], index=["b", "a"])),
     r"Series inputs have different indexes; align them first"),
    ("LMS centile 150", lambda: _by_sex().centiles([5.0], "F", centiles=(50, 150)),
     r"centiles: 150 is not a centile; give centiles strictly between 0 and 100 \(e\.g\. 3, "
     r"50, 97\)"),
    ("LMS centile 0", lambda: _by_sex().centiles([5.0], "F", centiles=(0, 50)),
     r"centiles: 0 is not a centile"),
    ("fit_lms interval at centile 100",
     lambda: fit_lms(LINE, NOISY, df=(1, 2, 1), ci_centiles=(50, 100), replicates=2,
                     design=SurveyDesign(pd.DataFrame({"w": np.ones(10)}), weights="w")),
     r"ci_centiles: 100 is not a centile"),
    # 8. indirect reference intervals: detection limits (audit-stats)
    ("indirect RI with lod on another index",
     lambda: indirect_reference_interval(ROUTINE, censored=ROUTINE < 12, lod=pd.Series(
         np.linspace(11, 13, 50), index=ROUTINE.index[::-1]), bootstrap=0),
     r"lod and values are Series with different indexes; align them first"),
    ("indirect RI with lod of another length",
     lambda: indirect_reference_interval(ROUTINE, lod=np.full(10, 12.0), bootstrap=0),
     r"lod has 10 entries and values has 50; pass one detection limit or one per value"),
    ("indirect RI with an infinite lod",
     lambda: indirect_reference_interval(ROUTINE, lod=np.inf, bootstrap=0),
     r"lod: detection limits must be positive and finite; the first bad one is inf"),
    ("indirect RI with a censored result without its lod",
     lambda: indirect_reference_interval(ROUTINE, censored=ROUTINE < 12, lod=ROUTINE.where(
         ROUTINE >= 12.5, 12.0).where(ROUTINE.index != "r0"), bootstrap=0),
     r"lod: 1 result below the detection limit has no lod \(the first at index 'r0'\); give "
     r"each censored result its detection limit"),
    # 9. constants and counts that gave silent NaN, swapped limits or crashes (audit-stats)
    ("Bland-Altman with a negative multiplier",
     lambda: bland_altman(LINE, NOISY, multiplier=-2),
     r"multiplier=-2\.0 is not valid: it must be a number > 0"),
    ("Bland-Altman with a NaN multiplier",
     lambda: bland_altman(LINE, NOISY, multiplier=np.nan),
     r"multiplier=nan is not valid: it must be a number > 0"),
    ("imprecision CV given in percent",
     lambda: propagate_imprecision(lambda a: 2 * a, {"a": 3.0}, {"a": 5}),
     r"cvs: 'a' = 5\.0; a coefficient of variation is a fraction >= 0 and < 1 \(5 % is 0\.05\)"),
    ("imprecision derivative step 0",
     lambda: propagate_imprecision(lambda a: 2 * a, {"a": 3.0}, {"a": 0.05}, step=0),
     r"step=0\.0 is not valid: it must be a number between 0 and 1"),
    ("robust reference interval with n_boot=0",
     lambda: reference_interval(np.linspace(9.0, 11.0, 60), method="robust", n_boot=0),
     r"n_boot must be a whole number >= 1 \(bootstrap resamples of the 'robust' method\), "
     r"got 0"),
    ("bootstrap reference interval with n_boot=-5",
     lambda: reference_interval(np.linspace(9.0, 11.0, 60), method="bootstrap", n_boot=-5),
     r"n_boot must be a whole number >= 1"),
    # 10. describe: options it would ignore, proportions of nothing binary (audit-stats)
    ("describe proportion of no 0/1 variable",
     lambda: describe(TOY.assign(sex=list("mfmfmf")), ["y", "sex"], statistics=("proportion",)),
     r"statistics: 'proportion' needs a 0/1 or boolean variable; none of 'y', 'sex' is one"),
    # 11. Box-Cox of all-equal values crashed inside scipy (audit-stats)
    ("parametric reference interval of equal values",
     lambda: reference_interval(pd.Series(4.0, index=[f"s{i}" for i in range(50)]),
                                method="parametric"),
     r"transform='boxcox': all 50 values equal 4\.0, so the Box-Cox lambda cannot be "
     r"estimated; pass transform=None"),
    ("Tukey outlier screen of equal values", lambda: reference_outliers(np.full(50, 4.0)),
     r"transform='boxcox': all 50 values equal 4\.0"),
    # 12. an outlier screen asked for and not applied (audit-stats)
    ("survey reference interval with exclude=",
     lambda: reference_interval("y", design=_design(), exclude="tukey"),
     r"exclude='tukey' is not applied with design=.*reference_outliers.*subset"),
    ("survey quantile with an unknown interval", lambda: _design().median("y", interval="wald"),
     r"^interval must be one of 'mean', 'beta', 'xlogit', 'asin'; got 'wald'$"),
    # 4. domain masks that are not boolean
    ("float mask", lambda: _design().subset(pd.Series([1.0, 0, np.nan, 1, 1, 0], TOY.index)),
     r"mask: 5 values are not True/False \(dtype float64\); the first is 1\.0 at index 'p0'"),
    ("text mask", lambda: _design().subset(np.array(["yes", "no", "yes", "no", "no", "no"])),
     r"mask: 6 values are not True/False.*'yes' at index 'p0'.*\.eq\(1\)"),
    ("int mask", lambda: _design().subset([1, 0, 1, 0, 1, 0]),
     r"mask: 6 values are not True/False"),
    ("mixed object mask", lambda: _design().subset(
        pd.Series([True, False, "x", None, True, True], TOY.index, dtype=object)),
     r"mask: 1 values are not True/False \(dtype object\); the first is 'x' at index 'p2'"),
]


@pytest.mark.parametrize(("call", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(("options", "message"), [
    (dict(statistics=("median",), q=0.9),  # was ignored: the median came back
     r"describe: unknown option 'q'; it passes only na_rm, rule \(median\) and method "
     r"\(proportion\)"),
    (dict(narm=False), r"describe: unknown option 'narm'"),
])
def test_describe_refuses_an_option_it_would_ignore(options, message):
    with pytest.raises(TypeError, match=message):
        describe(TOY, "y", **options)


def test_passing_bablok_constant_x_no_longer_gives_a_huge_slope():
    """The reported bug: slope 1.6e16 on constant x. It must be an error, not a number."""
    with pytest.raises(ValueError, match="all 5 values equal 1.0"):
        passing_bablok([1.0, 1, 1, 1, 1], [1.0, 2, 3, 4, 5])


def test_bland_altman_on_a_constant_comparison_method_is_still_defined():
    """Constant x is not degenerate for Bland-Altman: the differences still vary."""
    res = bland_altman(np.full(10, 4.0), NOISY).set_index("statistic")
    assert res.loc["bias", "estimate"] == pytest.approx(NOISY.mean() - 4.0)


def test_nan_pairs_are_left_out_not_refused():
    """NaN stays 'missing, left out and counted' (n_obs), unlike inf."""
    res = deming(np.r_[LINE, np.nan], np.r_[NOISY, 5.0])
    assert (res["n_obs"] == 10).all()


def test_reference_interval_counts_missing_but_refuses_infinite():
    x = pd.Series(np.r_[np.linspace(10, 30, 119), np.nan])
    res = reference_interval(x)
    assert (res["n"] == 119).all() and (res["n_excluded"] == 1).all()
    assert (res["excluded"] == "missing: 1").all()


# ---- 4. SurveyDesign.subset with nullable and object masks: NA counts as False --------------
@pytest.mark.parametrize("mask", [
    pd.Series([True, pd.NA, True, False, pd.NA, True], index=TOY.index, dtype="boolean"),
    pd.Series([True, None, True, False, np.nan, True], index=TOY.index, dtype=object),
    pd.array([True, None, True, False, None, True], dtype="boolean"),
    np.array([True, None, True, False, np.nan, True], dtype=object),
], ids=["BooleanDtype", "object Series", "BooleanArray", "object ndarray"])
def test_subset_treats_missing_as_false(mask):
    des = _design()
    want = des.subset(np.array([True, False, True, False, False, True]))
    got = des.subset(mask)
    pd.testing.assert_frame_equal(got.mean("y"), want.mean("y"))
    pd.testing.assert_frame_equal(got.quantile("y", [0.25, 0.5]), want.quantile("y", [0.25, 0.5]))


def test_subset_of_nullable_eq_true_as_in_the_report():
    """The reported call: design.subset(nh.pregnant.eq(True)) with a nullable boolean."""
    nh = TOY.assign(pregnant=pd.array([True, None, False, True, None, False], dtype="boolean"))
    des = SurveyDesign(nh, weights="w", strata="h", psu="psu")
    got = des.subset(nh.pregnant.eq(True)).mean("y")
    assert got["n_obs"].iloc[0] == 2
    assert got["estimate"].iloc[0] == pytest.approx((1 * 3.0 + 3 * 6.0) / 4)


# ---- 5. string / categorical strata with a lonely PSU --------------------------------------
def _lonely(strata_kind: str) -> pd.DataFrame:
    """TOY plus a third stratum with a single PSU (stratum label 3 / 's3' / Categorical)."""
    data = pd.concat([TOY, pd.DataFrame({"w": [2.0, 1.5], "h": [3, 3], "psu": [1, 1],
                                         "y": [7.0, 4.5]}, index=["p6", "p7"])])
    if strata_kind == "str":
        data["h"] = "s" + data["h"].astype(str)
    elif strata_kind == "category":
        data["h"] = pd.Categorical("s" + data["h"].astype(str), categories=["s3", "s1", "s2", "s9"])
    return data


@pytest.mark.parametrize("kind", ["int", "str", "category"])
def test_lonely_psu_fail_names_the_stratum_for_any_label_type(kind):
    label = "3" if kind == "int" else "'s3'"
    des = SurveyDesign(_lonely(kind), weights="w", strata="h", psu="psu")
    with pytest.raises(ValueError, match=rf"stratum {label} has only one PSU.*lonely_psu="):
        des.mean("y")


@pytest.mark.parametrize("option", [o for o in LONELY_PSU if o != "fail"])
@pytest.mark.parametrize("kind", ["str", "category"])
def test_lonely_psu_results_do_not_depend_on_the_strata_labels(kind, option):
    def run(k):
        des = SurveyDesign(_lonely(k), weights="w", strata="h", psu="psu", lonely_psu=option)
        return pd.concat([des.mean("y"), des.total("y"), des.quantile("y", [0.25, 0.5])])
    pd.testing.assert_frame_equal(run(kind), run("int"))


@pytest.mark.parametrize("option", [o for o in LONELY_PSU if o != "fail"])
@pytest.mark.parametrize("kind", ["str", "category"])
def test_lonely_psu_with_text_strata_matches_r_survey(kind, option):
    """R 4.2.2 / survey 4.1-1, tests/reference/r_survey_example.csv, case lonely_<option>:
    svymean/svytotal(~y) with strata 75 and 89 cut to one PSU (make_survey_reference.R)."""
    from tests.stats.test_design_vs_r import EXAMPLE, example_data

    ex = example_data()
    ex = ex[~(ex["SDMVSTRA"].isin([75, 89]) & (ex["SDMVPSU"] != 1))].copy()
    labels = "stratum_" + ex["SDMVSTRA"].astype(str)
    ex["h"] = labels if kind == "str" else pd.Categorical(labels)
    des = SurveyDesign(ex, weights="WTMEC2YR", strata="h", psu="SDMVPSU", lonely_psu=option)
    ref = EXAMPLE[(EXAMPLE["case"] == f"lonely_{option}") & (EXAMPLE["domain"] == "all")
                  & (EXAMPLE["variable"] == "y")].set_index("statistic")
    for stat, got in (("mean", des.mean("y")), ("total", des.total("y"))):
        np.testing.assert_allclose(got["estimate"].iloc[0], ref.loc[stat, "estimate"], rtol=1e-8)
        np.testing.assert_allclose(got["se"].iloc[0], ref.loc[stat, "se"], rtol=1e-6)
