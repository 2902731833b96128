"""labstats.stats.SurveyDesign: edge cases as R's survey 4.1-1 treats them, ``by=`` grouping,
published-precision checks and error messages.

External references: R 4.2.2 / survey 4.1-1 (Debian 12) - the reference CSVs of
tests/reference (see test_design_vs_r.py) and the R calls quoted in each test;
../shared/data/nhanes/SOURCES.md and ../shared/data/r-survey-nhanes.md (survey 4.1-1 results
printed there; the data set ships as tests/reference/r-survey-nhanes.csv.xz).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats.stats import SurveyDesign
from tests.stats.test_design_vs_r import EXAMPLE, NHANES_REF, design, example_data

TOY = pd.DataFrame({"w": [1.0, 2, 1, 3, 2, 1], "h": [1, 1, 1, 1, 2, 2],
                    "psu": [1, 1, 2, 2, 1, 2], "y": [3.0, 5, 4, 6, 2, 8],
                    "sex": ["m", "f", "m", "f", "m", "f"]},
                   index=[f"p{i}" for i in range(6)])


def _ref(frame, **where):
    sel = np.ones(len(frame), dtype=bool)
    for col, val in where.items():
        sel &= frame[col].to_numpy() == val
    return frame[sel]


# ---- published values ------------------------------------------------------------------------
def test_r_survey_nhanes_md_hi_chol_by_race():
    """../shared/data/r-survey-nhanes.md: svyby(~HI_CHOL, ~race, design, svymean, na.rm=TRUE)."""
    got = design("example").mean("HI_CHOL", by="race")
    np.testing.assert_allclose(got["estimate"], [0.10149167, 0.12164921, 0.07864006, 0.09967861],
                               atol=5e-9)
    np.testing.assert_allclose(got["se"], [0.006245843, 0.006604134, 0.010384645, 0.024666227],
                               atol=5e-10)
    overall = design("example").mean("HI_CHOL").iloc[0]
    assert round(overall["estimate"], 5) == 0.11214 and round(overall["se"], 4) == 0.0054


def test_sources_md_testosterone_men_2013_2014():
    """SOURCES.md: survey 4.1-1, lonely.psu='adjust', men 20+ of DEMO_H: mean LBXTST 412.65
    (SE 4.273), SHBG 41.702 (0.6489), albumin 43.728 g/L (0.1025); svyquantile 222/388/634;
    proportion LBXTST < 300 0.26242 (SE 0.0122)."""
    des = design("nhanes_2013_2014")
    men = des.subset((des.data["RIAGENDR"] == 1) & (des.data["RIDAGEYR"] >= 20))
    m = men.mean(["LBXTST", "LBXSHBG", "LBDSALSI"]).set_index("variable")
    assert round(m.loc["LBXTST", "estimate"], 2) == 412.65
    assert round(m.loc["LBXTST", "se"], 3) == 4.273
    assert round(m.loc["LBXSHBG", "estimate"], 3) == 41.702
    assert round(m.loc["LBXSHBG", "se"], 4) == 0.6489
    assert round(m.loc["LBDSALSI", "estimate"], 3) == 43.728
    assert round(m.loc["LBDSALSI", "se"], 4) == 0.1025
    assert men.quantile("LBXTST", [0.1, 0.5, 0.9])["estimate"].tolist() == [222, 388, 634]
    p = men.proportion("LBXTST < 300").iloc[0]
    assert round(p["estimate"], 5) == 0.26242 and round(p["se"], 4) == 0.0122


# ---- by= is the same as one subset per group ------------------------------------------------
@pytest.mark.parametrize("statistic", ["mean", "total", "quantile_math_0.5", "quantile_hf7_0.5",
                                       "proportion_beta", "ratio"])
def test_by_sex_and_age_band_matches_r_per_domain_nhanes_2013_2016(statistic):
    """svyby-style grouping: one call with by=[RIAGENDR, age_group] on pooled 2013-2016 equals
    R's estimate on each subset(dp, RIAGENDR == s & age_group == a) (r_survey_nhanes.csv)."""
    des = design("nhanes_2013_2016")
    adults = des.subset(des.data["RIDAGEYR"] >= 20)
    by = ["RIAGENDR", "age_group"]
    if statistic == "ratio":
        got = adults.ratio("LBXTST", "LBXSHBG", by=by)
    elif statistic.startswith("quantile"):
        got = adults.quantile("LBXTST", 0.5, by=by, rule=statistic.split("_")[1])
    elif statistic == "proportion_beta":
        got = adults.proportion("LBXTST < 300", by=by, method="beta")
    else:
        got = getattr(adults, statistic)("LBXTST", by=by)
    assert len(got) == 12 and list(got.columns[:2]) == by
    ref = _ref(NHANES_REF, case="nhanes_2013_2016", statistic=statistic)
    ref = ref[ref["variable"].str.startswith("LBXTST")]
    keys = "RIAGENDR=" + got["RIAGENDR"].astype(int).astype(str) + "&age_group=" + \
        got["age_group"].astype(str)
    ref = ref.set_index("domain").loc[keys]
    np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=1e-8)
    np.testing.assert_allclose(got["se"], ref["se"], rtol=1e-6)
    np.testing.assert_allclose(got["ci_low"], ref["ci_low"], rtol=1e-6)
    np.testing.assert_array_equal(got["df"], ref["df"])


def test_by_two_keys_equals_subsets_on_example():
    """by=[RIAGENDR, agecat] against R's subset() per cell (r_survey_example.csv)."""
    got = design("example").mean("y", by=["RIAGENDR", "agecat"])
    ref = _ref(EXAMPLE, case="example", statistic="mean", variable="y")
    keys = "RIAGENDR=" + got["RIAGENDR"].astype(str) + "&agecat=" + got["agecat"]
    ref = ref.set_index("domain").loc[keys]
    np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=1e-8)
    np.testing.assert_allclose(got["se"], ref["se"], rtol=1e-6)


# ---- edge cases ---------------------------------------------------------------------------------
def test_lonely_psu_fail_raises_naming_the_stratum():
    """R: options(survey.lonely.psu="fail"); svymean(~y, desl, na.rm=TRUE) ->
    'Stratum (75) has only one PSU at stage 1'."""
    ex = example_data()
    el = ex[~(ex["SDMVSTRA"].isin([75, 89]) & (ex["SDMVPSU"] != 1))]
    des = SurveyDesign(el, weights="WTMEC2YR", strata="SDMVSTRA", psu="SDMVPSU")
    with pytest.raises(ValueError, match=r"stratum 75 has only one PSU.*lonely_psu='adjust'"):
        des.mean("y")


def test_lonely_psu_fail_is_silent_for_a_domain_outside_the_lonely_strata():
    """R: svymean(~y, subset(desl, SDMVSTRA %in% 76:88), na.rm=TRUE) runs: only strata the
    domain reaches are visited, so the estimate equals the one under lonely_psu='remove'."""
    ex = example_data()
    el = ex[~(ex["SDMVSTRA"].isin([75, 89]) & (ex["SDMVPSU"] != 1))]
    inner = el["SDMVSTRA"].between(76, 88)
    fail = SurveyDesign(el, weights="WTMEC2YR", strata="SDMVSTRA", psu="SDMVPSU")
    remove = SurveyDesign(el, weights="WTMEC2YR", strata="SDMVSTRA", psu="SDMVPSU",
                          lonely_psu="remove")
    got, expected = fail.subset(inner).mean("y"), remove.subset(inner).mean("y")
    assert got["se"].iloc[0] == pytest.approx(expected["se"].iloc[0], rel=1e-14)


def test_empty_domain_gives_one_nan_row():
    # R 4.1-1 prints mean 0, SE 0 for svymean on an empty subset and fails in svyquantile;
    # labstats returns NaN with n_obs 0 instead of a number that is not an estimate.
    des = SurveyDesign(TOY, weights="w", strata="h", psu="psu")
    empty = des.subset(TOY["sex"] == "x")
    for res in (empty.mean("y"), empty.quantile("y", 0.5)):
        assert len(res) == 1 and np.isnan(res["estimate"].iloc[0])
        assert res["n_obs"].iloc[0] == 0 and np.isnan(res["se"].iloc[0])
    # a total over no one is 0 (R's svytotal: 0, SE 0; tests/stats/test_survey_audit2.py)
    total = empty.total("y")
    assert total[["estimate", "se", "n_obs"]].iloc[0].tolist() == [0.0, 0.0, 0]


def test_empty_by_group_is_dropped_as_svyby_does():
    des = SurveyDesign(TOY.assign(w=[1.0, 2, 1, 3, 0, 0]), weights="w", strata="h", psu="psu")
    got = des.mean("y", by="h")
    assert got["h"].tolist() == [1]  # stratum 2 has only zero weights


def test_na_rm_false_gives_nan_where_a_domain_has_a_missing_value():
    # R: svyby(~y, ~sex, d, svymean) with an NA among the men -> NA for men, a value for women.
    data = TOY.assign(y=[np.nan, 5, 4, 6, 2, 8])
    des = SurveyDesign(data, weights="w", strata="h", psu="psu")
    got = des.mean("y", by="sex", na_rm=False).set_index("sex")
    assert np.isnan(got.loc["m", "estimate"]) and got.loc["f", "estimate"] == 6.0


def test_missing_values_are_a_domain_not_dropped_rows():
    # na_rm keeps the design: it equals subsetting to the non-missing rows, not filtering
    data = TOY.assign(y=[np.nan, 5, 4, 6, 2, 8])
    des = SurveyDesign(data, weights="w", strata="h", psu="psu")
    via_na = des.mean("y")
    via_subset = des.subset(data["y"].notna()).mean("y")
    filtered = SurveyDesign(data.dropna(), weights="w", strata="h", psu="psu").mean("y")
    assert via_na["se"].iloc[0] == pytest.approx(via_subset["se"].iloc[0], rel=1e-15)
    assert via_na["estimate"].iloc[0] == pytest.approx(filtered["estimate"].iloc[0])


def test_data_and_mask_are_not_modified():
    data = TOY.copy()
    mask = data["sex"] == "m"
    des = SurveyDesign(data, weights="w", strata="h", psu="psu")
    des.subset(mask).quantile("y", [0.25, 0.5], by="h")
    pd.testing.assert_frame_equal(data, TOY)
    assert mask.tolist() == [True, False, True, False, True, False]


def test_top_level_exports():
    assert labstats.SurveyDesign is SurveyDesign
    assert callable(labstats.describe) and callable(labstats.age_groups)


# ---- error messages --------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(weights="wt"), r"weights: column 'wt' is not in data"),
    (dict(weights="w", lonely_psu="drop"), r"lonely_psu must be one of 'fail'.*got 'drop'"),
    (dict(weights="y2"), r"y2: 1 negative weights; the first is -1\.0 at index 'p1'"),
    (dict(weights="y3"), r"y3: 1 missing weights; the first is nan at index 'p2'.*weight 0"),
    (dict(weights="w", strata="h", psu="psu", nest=False),
     r"psu: PSU 1 appears in more than one stratum.*nest=True"),
])
def test_bad_design_message_names_column_value_and_fix(kwargs, message):
    data = TOY.assign(y2=[1.0, -1, 1, 1, 1, 1], y3=[1.0, 1, np.nan, 1, 1, 1])
    with pytest.raises(ValueError, match=message):
        SurveyDesign(data, **kwargs)


def test_bad_estimator_arguments_messages():
    des = SurveyDesign(TOY, weights="w", strata="h", psu="psu")
    with pytest.raises(ValueError, match=r"proportion needs 0/1.*3\.0 at index 'p0'"):
        des.proportion("y")
    with pytest.raises(ValueError, match=r"rule must be one of 'math'.*got 'hf3'"):
        des.quantile("y", 0.5, rule="hf3")
    with pytest.raises(ValueError, match=r"q: probabilities must lie in \[0, 1\]"):
        des.quantile("y", 50)
    with pytest.raises(ValueError, match=r"method must be one of 'logit'.*got 'wilson'"):
        des.proportion(TOY["y"] > 4, method="wilson")
    with pytest.raises(ValueError, match=r"variable: column 'z' is not in"):
        des.mean("z")
    with pytest.raises(ValueError, match=r"mask: its index differs"):
        des.subset(pd.Series([True] * 6))
