"""labstats.stats.describe, format_table and age_groups.

External references: ../shared/data/r-survey-nhanes.md (survey 4.1-1, on its example data
tests/reference/r-survey-nhanes.csv.xz:
svyby(~HI_CHOL, ~race, design, svymean, na.rm=TRUE)); the age bands are R's
cut(age, c(20, 30, 40, 50, 60, 70, Inf), right=FALSE), whose group counts (n_obs) in
r_survey_nhanes.csv the pooled-NHANES tests of test_design.py reproduce.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labstats.stats import SurveyDesign, age_groups, describe, format_table
from tests.conftest import REFERENCE

DESIGN = dict(weights="WTMEC2YR", strata="SDMVSTRA", psu="SDMVPSU")


def test_describe_reproduces_r_survey_md_means_by_race():
    ex = pd.read_csv(REFERENCE / "r-survey-nhanes.csv.xz")
    res = describe(ex, "HI_CHOL", by="race", design=DESIGN, statistics=("mean",))
    np.testing.assert_allclose(res["estimate"], [0.10149167, 0.12164921, 0.07864006,
                                                 0.09967861], atol=5e-9)
    np.testing.assert_allclose(res["se"], [0.006245843, 0.006604134, 0.010384645,
                                           0.024666227], atol=5e-10)


def test_describe_equals_the_design_methods():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"w": rng.uniform(1, 5, 200), "h": np.repeat([1, 2], 100),
                       "psu": np.tile([1, 2], 100), "y": rng.normal(10, 2, 200),
                       "flag": rng.integers(0, 2, 200), "sex": rng.choice(["f", "m"], 200)})
    des = SurveyDesign(df, **dict(weights="w", strata="h", psu="psu"))
    res = describe(df, ["y", "flag"], by="sex", design=des,
                   statistics=("mean", "median", "proportion"), method="beta")
    pd.testing.assert_series_equal(
        res.query("statistic == 'quantile' and variable == 'y'")["estimate"].reset_index(drop=True),
        des.median("y", by="sex")["estimate"])
    assert set(res.query("statistic == 'proportion'")["variable"]) == {"flag"}
    beta = res.query("statistic == 'proportion' and variable == 'flag'")
    assert beta["ci_low"].tolist() == des.proportion("flag", by="sex",
                                                     method="beta")["ci_low"].tolist()


def test_describe_without_design_is_unweighted():
    df = pd.DataFrame({"y": [1.0, 2, 3, 4], "g": ["a", "a", "b", "b"]})
    res = describe(df, "y", by="g", statistics=("mean",))
    assert res["estimate"].tolist() == [1.5, 3.5]
    # with every row its own PSU: the usual standard error s / sqrt(n)
    overall = describe(df, "y", statistics=("mean",))
    assert overall["se"].iloc[0] == pytest.approx(np.std([1.0, 2, 3, 4], ddof=1) / 2)
    assert "_weight_one" not in df.columns


def test_describe_unknown_statistic_message():
    with pytest.raises(ValueError, match=r"statistics: unknown 'mode'"):
        describe(pd.DataFrame({"y": [1.0]}), "y", statistics=("mode",))


def test_format_table_is_wide_and_rounded():
    res = pd.DataFrame({"sex": ["f", "m", "f"], "variable": "y",
                        "statistic": ["mean", "mean", "quantile"], "q": [np.nan, np.nan, 0.5],
                        "estimate": [6.0, 3.0, 5.0], "ci_low": [5.123, 2.2, 4.0],
                        "ci_high": [6.9, 3.8, 6.0]})
    table = format_table(res, 1)
    assert table.loc[("y", "mean"), "f"] == "6.0 (5.1-6.9)"
    assert table.loc[("y", "p50"), "f"] == "5.0 (4.0-6.0)"


def test_age_groups_closed_on_the_left_like_r_cut_right_false():
    got = age_groups(pd.Series([19.9, 20, 29.99, 30, 69, 70, 85, np.nan], index=list("abcdefgh")),
                     [20, 30, 40, 50, 60, 70])
    assert got.index.tolist() == list("abcdefgh") and got.name == "age_group"
    assert got.astype(object).where(got.notna(), None).tolist() == [
        None, "20-29", "20-29", "30-39", "60-69", "70+", "70+", None]
    assert list(got.cat.categories) == ["20-29", "30-39", "40-49", "50-59", "60-69", "70+"]


def test_age_groups_bad_edges_message():
    with pytest.raises(ValueError, match=r"edges: need at least two increasing ages"):
        age_groups([30], [40, 20])
