"""SurveyDesign audit: inputs on which a survey estimate could be silently wrong or differ
from R's survey package without saying so.

External reference: tests/reference/r_survey_audit.csv, written by
tests/reference/make_survey_audit_reference.R (R 4.2.2, survey 4.1-1, Debian 12; run by
hand, R is not needed here) on tests/reference/r_survey_audit_data.csv: 58 rows, 7 strata of
which D and F have a single PSU, PSU labels restarting in each stratum, zero weights, missing
values in y and x, a text variable g and a group "k" of g that reaches the lonely stratum D
only through a row of weight 0; and two equal-weight samples y = 1..40 and 1..20 for the
survey reference limits. The R calls are quoted in each test; the script is the full record.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labstats._validate import LabstatsWarning
from labstats.stats import SurveyDesign, reference_interval

REF = Path(__file__).parents[1] / "reference"
DATA = pd.read_csv(REF / "r_survey_audit_data.csv")
AUDIT = pd.read_csv(REF / "r_survey_audit.csv")


def r(case: str, statistic: str, group: str = "all") -> pd.Series:
    row = AUDIT[(AUDIT["case"] == case) & (AUDIT["statistic"] == statistic)
                & (AUDIT["group"] == group)]
    assert len(row) == 1, (case, statistic, group)
    return row.iloc[0]


def design(data=None, **kwargs) -> SurveyDesign:
    kwargs.setdefault("lonely_psu", "adjust")  # the script's options(survey.lonely.psu=)
    return SurveyDesign(DATA.copy() if data is None else data, weights=kwargs.pop("weights", "w"),
                        strata="h", psu="psu", **kwargs)


# ---- lonely PSUs inside by= groups (passes on the code before the audit: a pin) -------------
@pytest.mark.parametrize("lonely", ["remove", "certainty", "adjust", "average"])
def test_lonely_psu_options_by_group_equal_r(lonely):
    """R: options(survey.lonely.psu=lonely); d <- des[d$g == grp, ]; svymean(~y, d,
    na.rm=TRUE), svytotal(...), svyquantile(~y, d, 0.5, ci=TRUE, se=TRUE). Group "k" reaches
    the lonely stratum D only through a zero-weight row: R still counts D among its strata,
    which changes "average" (SE x sqrt(2)) but no other option."""
    des = design(lonely_psu=lonely)
    got = {"mean": des.mean("y", by="g"), "total": des.total("y", by="g"),
           "median": des.median("y", by="g")}
    for statistic, res in got.items():
        res = res.set_index("g")
        for grp in ("k", "u", "v"):
            ref = r(f"lonely_{lonely}", statistic, grp)
            assert res.loc[grp, "estimate"] == pytest.approx(ref["estimate"], rel=1e-10)
            assert res.loc[grp, "df"] == ref["df"]
            if np.isnan(ref["se"]):  # the median's CI needs df > 0
                assert np.isnan(res.loc[grp, "se"])
            else:
                assert res.loc[grp, "se"] == pytest.approx(ref["se"], rel=1e-8, abs=1e-14)


# ---- design effect when the weights sum to fewer persons than rows ---------------------------
def test_deff_with_weights_scaled_to_persons_equals_r():
    """R: svymean/svytotal/svyratio(~y, (~x,) des, na.rm=TRUE, deff=TRUE) with weights ~w."""
    des = design()
    for statistic, res in (("mean", des.mean("y")), ("total", des.total("y")),
                           ("ratio", des.ratio("y", "x"))):
        ref = r("deff_w", statistic)
        assert res["estimate"].iloc[0] == pytest.approx(ref["estimate"], rel=1e-10)
        assert res["se"].iloc[0] == pytest.approx(ref["se"], rel=1e-8)
        assert res["deff"].iloc[0] == pytest.approx(ref["deff"], rel=1e-8)


def test_deff_is_nan_with_a_warning_when_weights_sum_to_fewer_persons_than_rows():
    """Weights w / sum(w) sum to 0.86 persons for the 45 rows with y. R's svymean(...,
    deff=TRUE) gives deff NA and warns 'Sample size greater than population size: are
    weights correctly scaled?';
    svytotal and svyratio print a negative design effect (-0.0933, -0.0308), which is no
    design effect: labstats gives NaN with the same warning for all three. Estimates and
    standard errors do not depend on the scale and equal R's."""
    des = design(DATA.assign(w1=DATA["w"] / DATA["w"].sum()), weights="w1")
    for statistic, call in (("mean", lambda: des.mean("y")), ("total", lambda: des.total("y")),
                            ("ratio", lambda: des.ratio("y", "x"))):
        with pytest.warns(LabstatsWarning, match=r"deff: .*fewer persons than rows.*NaN"):
            res = call()
        ref = r("deff_w1", statistic)
        assert res["estimate"].iloc[0] == pytest.approx(ref["estimate"], rel=1e-10)
        assert res["se"].iloc[0] == pytest.approx(ref["se"], rel=1e-8)
        assert np.isnan(res["deff"].iloc[0])
        assert statistic == "mean" or ref["deff"] < 0  # what R prints for total and ratio
    with warnings.catch_warnings():  # the median does not report a deff: no warning
        warnings.simplefilter("error")
        des.median("y")


# ---- PSU and stratum labels ------------------------------------------------------------------
@pytest.mark.parametrize("column", ["psu", "h"])
def test_labels_mixing_numbers_and_text_are_refused(column):
    """1 and "1" in one column (e.g. frames read from CSV and Excel, concatenated) were two
    different PSUs or strata: a silently wrong SE and df. R cannot hold both in one column
    (a data frame column has one type). With the labels made text the result is R's:
    svydesign(id=~psu, ...) on dc$psu <- as.character(dc$psu); svymean(~y, des, na.rm=TRUE)."""
    data = DATA.copy()
    labels = data[column].astype(object)
    if column == "h":
        labels[data["h"] == "A"] = 1
    first_a = data.index[data["h"] == "A"][0]
    labels[first_a] = "1"
    data[column] = labels
    with pytest.raises(ValueError, match=rf"{column}: .*numbers .*and text.*'1' at index "
                                         rf"{first_a}.*astype\(str\)"):
        design(data)
    fixed = design(data.assign(**{column: labels.astype(str)})).mean("y").iloc[0]
    ref = r("labels", "mean")
    assert fixed["se"] == pytest.approx(ref["se"], rel=1e-8) and fixed["df"] == ref["df"]


def test_boolean_weights_message_does_not_speak_of_a_concentration():
    with pytest.raises(TypeError, match=r"w: got booleans") as err:
        design(DATA.assign(w=DATA["w"] > 1))
    assert "concentration" not in str(err.value)


def test_a_categorical_variable_is_refused_with_the_way_to_its_shares():
    """R's svymean(~g, des) on a text column gives the share of each category; labstats
    refused it with advice about censored lab results ('<0.5'). The message now says how to
    get the shares: proportion(df.g.eq(level)) equals R's svymean(~g, des) for each level."""
    des = design()
    for call in (lambda: des.mean("g"), lambda: des.quantile("g", 0.5),
                 lambda: des.proportion(DATA["g"].astype("category"))):
        with pytest.raises(ValueError, match=r"g: 58 values not a number; the first is 'k' at "
                                             r"index 0\. .*share of each category.*\.eq\(level\)"):
            call()
    for level in ("k", "u", "v"):
        share = des.proportion(DATA["g"].eq(level).rename("g")).iloc[0]
        ref = r("categorical", "share", level)
        assert share["estimate"] == pytest.approx(ref["estimate"], rel=1e-10)
        assert share["se"] == pytest.approx(ref["se"], rel=1e-8)


# ---- the frame changed after the design was built -------------------------------------------
def _inplace(frame, method, *args, **kwargs):
    with warnings.catch_warnings():  # pandas 3.1 deprecates inplace=True; 2.x does not
        warnings.simplefilter("ignore")
        getattr(frame, method)(*args, inplace=True, **kwargs)


@pytest.mark.parametrize("change", ["sort", "sort_and_reset", "drop", "weights", "strata",
                                    "psu", "new_index"])
def test_rows_or_design_columns_changed_in_place_are_refused(change):
    """The design was built on the frame's rows: sorting it in place paired every weight with
    another row's value (mean 10.58 became another number, without a word), dropping rows
    failed with a numpy broadcast error, and weights changed in place were used unchecked. R's
    svydesign keeps its own copy; labstats refuses and says to build the design again."""
    data = DATA.copy()
    des = design(data)
    if change == "sort":
        _inplace(data, "sort_values", "y")
    elif change == "sort_and_reset":
        _inplace(data, "sort_values", "y")
        _inplace(data, "reset_index", drop=True)
    elif change == "drop":
        _inplace(data, "drop", index=[0, 1])
    elif change == "new_index":
        data.index = data["id"]
    else:
        column = {"weights": "w", "strata": "h", "psu": "psu"}[change]
        data.loc[3, column] = {"w": 100.0, "h": "B", "psu": 2}[column]
    message = r"(rows|column '\w+') of the design's data changed after the design was built"
    for call in (lambda: des.mean("y"), lambda: des.median("y", by="g"),
                 lambda: des.subset(data["y"] > 10), lambda: des.ratio("y", "x")):
        with pytest.raises(ValueError, match=message + r".*SurveyDesign\("):
            call()
    if change.startswith("sort"):  # built again: R's estimate (R holds a copy of the data)
        again = SurveyDesign(data, weights="w", strata="h", psu="psu", lonely_psu="adjust")
        assert again.mean("y")["se"].iloc[0] == pytest.approx(r("deff_w", "mean")["se"], rel=1e-8)


def test_columns_added_or_replaced_after_the_design_are_read_when_estimating():
    """Analysis variables are read from the frame at each call (as the notebooks add derived
    columns after building the design), including a by= column given a new value."""
    data = DATA.copy()
    des = design(data)
    data["y2"] = 2 * data["y"]
    assert des.mean("y2")["estimate"].iloc[0] == pytest.approx(
        2 * r("deff_w", "mean")["estimate"], rel=1e-12)
    data["grp"] = data["g"]
    first = des.mean("y", by="grp")
    data["grp"] = np.where(data["h"].isin(["A", "B"]), "AB", "rest")  # re-run a notebook cell
    again = des.mean("y", by="grp")
    fresh = design(data.copy()).mean("y", by="grp")
    assert again["grp"].tolist() == ["AB", "rest"] != first["grp"].tolist()
    pd.testing.assert_frame_equal(again, fresh)


# ---- several variables -----------------------------------------------------------------------
def test_several_variables_are_estimated_one_by_one_as_separate_r_calls():
    """mean(["y", "x"]) equals svymean(~y, des, na.rm=TRUE) and svymean(~x, ...) called one by
    one, not svymean(~y + x, des, na.rm=TRUE), which keeps only the rows complete in both
    (10.32 instead of 10.58 for y). Documented in SurveyDesign.mean."""
    res = design().mean(["y", "x"]).set_index("variable")
    for v in ("y", "x"):
        assert res.loc[v, "estimate"] == pytest.approx(r("separate", f"mean_{v}")["estimate"],
                                                       rel=1e-10)
        assert res.loc[v, "se"] == pytest.approx(r("separate", f"mean_{v}")["se"], rel=1e-8)
        assert abs(res.loc[v, "estimate"] - r("joint", f"mean_{v}")["estimate"]) > 1e-3


# ---- survey reference limits on a step of the weighted CDF -----------------------------------
@pytest.mark.parametrize(("coverage", "n"), [(0.95, 40), (0.90, 20)])
def test_survey_reference_limits_on_equal_weights_equal_r(coverage, n):
    """R: svyquantile(~y, svydesign(id=~1, weights=~w, data=data.frame(y=1:n, w=1)),
    c(0.025, 0.975) (or c(0.05, 0.95)), qrule="math") gives 1 and n - 1. 0.5 - 0.95/2 is
    0.025000000000000022 in floating point, just past the step at 1 of 40, and gave 2."""
    des = SurveyDesign(pd.DataFrame({"y": np.arange(1.0, n + 1), "w": 1.0}), weights="w")
    res = reference_interval("y", design=des, coverage=coverage).set_index("limit")
    for limit in ("lower", "upper"):
        assert res.loc[limit, "estimate"] == r(f"equal_weights_n{n}", limit)["estimate"]
