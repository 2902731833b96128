"""Tests for labstats.formulas.syndrome.metabolic_syndrome (Alberti 2009, harmonised).

External reference: the cut points of Alberti et al., Circulation 2009;120:1640-1645,
Table 1 (TG >= 150 mg/dL [1.7 mmol/L]; HDL-C < 40 mg/dL [1.0 mmol/L] men, < 50 mg/dL
[1.3 mmol/L] women; BP >= 130 systolic and/or >= 85 diastolic mmHg; glucose >= 100 mg/dL
[5.6 mmol/L]; any 3 of 5) and the waist thresholds of its Table 2 as listed in
../shared/science/FORMULAS.md section 7 (e.g. US AHA/NHLBI 102/88 cm, IDF Europid 94/80,
Japanese Obesity Society 85/90). Each criterion is tested on both sides of its border.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labstats.formulas import WAIST_THRESHOLDS, metabolic_syndrome

NORMAL = dict(waist_circumference=80.0, triglycerides=100.0, hdl_cholesterol=60.0,
              systolic_blood_pressure=110.0, diastolic_blood_pressure=70.0, glucose=90.0,
              sex="male", triglycerides_unit="mg/dL", hdl_cholesterol_unit="mg/dL",
              glucose_unit="mg/dL")


def _one(**changes):
    return metabolic_syndrome(**{**NORMAL, **changes}).iloc[0]


@pytest.mark.parametrize(("column", "below", "at"), [
    ("elevated_triglycerides", dict(triglycerides=149.9), dict(triglycerides=150.0)),
    ("elevated_glucose", dict(glucose=99.9), dict(glucose=100.0)),
    ("elevated_blood_pressure", dict(systolic_blood_pressure=129.0),
     dict(systolic_blood_pressure=130.0)),
    ("elevated_blood_pressure", dict(diastolic_blood_pressure=84.0),
     dict(diastolic_blood_pressure=85.0)),
    ("elevated_waist_circumference", dict(waist_circumference=101.9),
     dict(waist_circumference=102.0)),
])
def test_greater_or_equal_criteria_are_met_at_the_cut_point(column, below, at):
    # Alberti 2009 Table 1: ">=" for TG, BP, glucose; Table 2: ">=" for waist (US 102 cm).
    assert not _one(**below)[column]
    assert _one(**at)[column]


@pytest.mark.parametrize(("sex", "met", "not_met"), [("male", 39.9, 40.0),
                                                      ("female", 49.9, 50.0)])
def test_hdl_is_reduced_strictly_below_the_sex_specific_cut_point(sex, met, not_met):
    # Alberti 2009 Table 1: HDL-C < 40 mg/dL in men, < 50 mg/dL in women.
    assert _one(sex=sex, hdl_cholesterol=met)["reduced_hdl_cholesterol"]
    assert not _one(sex=sex, hdl_cholesterol=not_met)["reduced_hdl_cholesterol"]


def test_three_of_five_make_the_diagnosis_two_do_not():
    two = _one(triglycerides=200.0, glucose=110.0)
    three = _one(triglycerides=200.0, glucose=110.0, systolic_blood_pressure=135.0)
    assert two["n_criteria_met"] == 2 and not two["metabolic_syndrome"]
    assert three["n_criteria_met"] == 3 and three["metabolic_syndrome"]


def test_waist_is_one_criterion_not_obligatory():
    # Harmonised definition: no obligatory component (unlike IDF 2005).
    r = _one(triglycerides=200.0, glucose=110.0, hdl_cholesterol=35.0)
    assert not r["elevated_waist_circumference"] and r["metabolic_syndrome"]


@pytest.mark.parametrize(("name", "men", "women"), [
    ("us_aha_nhlbi", 102.0, 88.0), ("idf_europid", 94.0, 80.0), ("idf_asian", 90.0, 80.0),
    ("japanese_obesity_society", 85.0, 90.0), ("china_cooperative_task_force", 85.0, 80.0)])
def test_waist_thresholds_table_as_listed(name, men, women):
    # Alberti 2009 Table 2 as transcribed in FORMULAS.md section 7.
    assert WAIST_THRESHOLDS[name] == (men, women)
    assert _one(waist_circumference=men, waist_thresholds=name)["elevated_waist_circumference"]
    assert not _one(waist_circumference=women - 0.1, sex="female",
                    waist_thresholds=name)["elevated_waist_circumference"]


def test_waist_thresholds_as_a_men_women_pair():
    r = metabolic_syndrome(**{**NORMAL, "waist_circumference": [95.0, 95.0],
                              "sex": ["M", "F"], "waist_thresholds": (96.0, 90.0)})
    assert r["elevated_waist_circumference"].tolist() == [False, True]


def test_treatment_flags_meet_their_criterion():
    r = _one(triglycerides_treatment=True, hdl_cholesterol_treatment=True,
             blood_pressure_treatment=True)
    assert r["n_criteria_met"] == 3 and r["metabolic_syndrome"]
    assert _one(glucose_treatment=True)["elevated_glucose"]


def test_cut_points_mmol_l_uses_the_printed_roundings():
    """Alberti 2009 prints HDL-C < 40 mg/dL (1.0 mmol/L): HDL-C 1.02 mmol/L in a man is
    39.4 mg/dL (reduced) but not below 1.0 mmol/L."""
    kw = {**NORMAL, "hdl_cholesterol": 1.02, "hdl_cholesterol_unit": "mmol/L"}
    assert metabolic_syndrome(**kw, cut_points="mg/dL")["reduced_hdl_cholesterol"].iloc[0]
    assert not metabolic_syndrome(**kw, cut_points="mmol/L")[
        "reduced_hdl_cholesterol"].iloc[0]
    tg = {**NORMAL, "triglycerides": 1.7, "triglycerides_unit": "mmol/L"}
    assert metabolic_syndrome(**tg, cut_points="mmol/L")["elevated_triglycerides"].iloc[0]


#: The border case of issue 10: a man with TG 1.69, HDL-C 1.02, glucose 5.58 mmol/L and
#: systolic BP 135 mmHg. Alberti 2009 Table 1 in mg/dL (150, 40, 100): TG 149.7 no, HDL-C
#: 39.4 yes, glucose 100.5 yes, BP yes -> 3 criteria; in mmol/L (1.7, 1.0, 5.6): BP only.
BORDER_MAN = dict(waist_circumference=90.0, triglycerides=1.69, hdl_cholesterol=1.02,
                  glucose=5.58, systolic_blood_pressure=135.0, diastolic_blood_pressure=80.0,
                  sex="M")


def test_border_man_meets_three_criteria_by_mg_dl_and_one_by_mmol_l_cut_points():
    mg = metabolic_syndrome(**BORDER_MAN, cut_points="mg/dL").iloc[0]
    mmol = metabolic_syndrome(**BORDER_MAN, cut_points="mmol/L").iloc[0]
    assert (mg["n_criteria_met"], bool(mg["metabolic_syndrome"])) == (3, True)
    assert (mmol["n_criteria_met"], bool(mmol["metabolic_syndrome"])) == (1, False)
    assert mg["reduced_hdl_cholesterol"] and mg["elevated_glucose"]
    assert not mmol["reduced_hdl_cholesterol"] and not mmol["elevated_glucose"]


def test_default_cut_points_follow_the_unit_system_of_the_inputs():
    # mmol/L inputs (the default units) -> the mmol/L cut points of Table 1.
    assert metabolic_syndrome(**BORDER_MAN).iloc[0]["n_criteria_met"] == 1
    # The same man in mg/dL -> the mg/dL cut points.
    mg = {**BORDER_MAN, "triglycerides": 1.69 * 88.57, "hdl_cholesterol": 1.02 * 38.67,
          "glucose": 5.58 * 18.016, "triglycerides_unit": "mg/dL",
          "hdl_cholesterol_unit": "mg/dl", "glucose_unit": "mg/dL"}
    assert metabolic_syndrome(**mg).iloc[0]["n_criteria_met"] == 3


def test_mixed_unit_systems_must_choose_the_cut_points():
    mixed = {**BORDER_MAN, "glucose": 100.5, "glucose_unit": "mg/dL"}
    with pytest.raises(ValueError, match=r"mix unit systems \(triglycerides_unit='mmol/L', "
                       r"hdl_cholesterol_unit='mmol/L', glucose_unit='mg/dL'\).*pass "
                       r'cut_points="mg/dL" or cut_points="mmol/L"'):
        metabolic_syndrome(**mixed)
    assert metabolic_syndrome(**mixed, cut_points="mg/dL").iloc[0]["n_criteria_met"] == 3


def test_sex_categorical_with_an_unused_category_is_accepted():
    # pandas keeps unused categories after filtering; only a used unknown one is an error.
    sex = pd.Series(pd.Categorical(["M", "F"], categories=["M", "F", "X"]))
    r = metabolic_syndrome(**{**NORMAL, "sex": sex, "hdl_cholesterol": 45.0})
    assert r["reduced_hdl_cholesterol"].tolist() == [False, True]
    bad = pd.Series(pd.Categorical(["M", "X"], categories=["M", "F", "X"]))
    with pytest.raises(ValueError, match=r"sex: 1 value not a recognised sex; the first is "
                                         r"'X' at index 1"):
        metabolic_syndrome(**{**NORMAL, "sex": bad})


def test_missing_values_make_criteria_and_diagnosis_unknown_not_normal():
    r = metabolic_syndrome(**{
        **NORMAL, "triglycerides": [200.0, 200.0, 100.0],
        "glucose": [110.0, 90.0, 90.0],
        "systolic_blood_pressure": [np.nan, np.nan, np.nan],
        "diastolic_blood_pressure": [np.nan, 70.0, np.nan]})
    assert r["elevated_blood_pressure"].isna().tolist() == [True, True, True]
    assert r["n_criteria_unknown"].tolist() == [1, 1, 1]
    # 2 met + 1 unknown: could be 3 -> unknown; 1 met + 1 unknown -> cannot reach 3.
    assert r["metabolic_syndrome"].isna().tolist() == [True, False, False]
    assert r["metabolic_syndrome"].tolist()[1:] == [False, False]


def test_treatment_settles_a_missing_measurement():
    r = _one(systolic_blood_pressure=np.nan, diastolic_blood_pressure=np.nan,
             blood_pressure_treatment=True)
    assert r["elevated_blood_pressure"] and r["n_criteria_unknown"] == 0


def test_frame_is_tidy_and_keeps_the_index():
    idx = ["p1", "p2"]
    kw = {k: (pd.Series([v, v], index=idx) if isinstance(v, float) else v)
          for k, v in NORMAL.items()}
    r = metabolic_syndrome(**kw)
    assert list(r.index) == idx
    assert list(r.columns) == ["elevated_waist_circumference", "elevated_triglycerides",
                               "reduced_hdl_cholesterol", "elevated_blood_pressure",
                               "elevated_glucose", "n_criteria_met", "n_criteria_unknown",
                               "metabolic_syndrome"]
    assert str(r["metabolic_syndrome"].dtype) == "boolean"


@pytest.mark.parametrize(("changes", "message"), [
    (dict(waist_thresholds="europe"), r"unknown waist_thresholds 'europe'; use one of "
                                      r"us_aha_nhlbi, idf_europid"),
    (dict(waist_thresholds=(94.0,)), r"waist_thresholds must be a name .* or a \(men, women\)"),
    (dict(sex="X"), r"sex: 1 value not a recognised sex; the first is 'X'"),
    (dict(blood_pressure_treatment=[True, None]),
     r"blood_pressure_treatment: 1 value not True/False .* None at index 1.*fillna\(False\)"),
    (dict(waist_circumference=40.0, waist_circumference_unit="in"), None),
    (dict(cut_points="g/L"), r"cut_points must be one of mg/dL, mmol/L or None"),
    (dict(waist_thresholds=(40.0, 35.0)), r"waist_thresholds \(men\)=40\.0 is not valid: it "
                                          r"must be a number between 50 and 150 .*\[cm\]"),
    (dict(waist_thresholds=(102.0, float("nan"))), r"waist_thresholds \(women\)=nan is not"),
    (dict(glucose=5.5), r'glucose: 5\.5 at index 0 is implausible for mg/dL.*glucose_unit='
                        r'"mmol/L"'),
])
def test_bad_input_message_names_argument_value_and_fix(changes, message):
    if message is None:  # inches are accepted: 40 in = 101.6 cm < 102
        assert not _one(**changes)["elevated_waist_circumference"]
        return
    with pytest.raises(ValueError, match=message):
        _one(**changes)
