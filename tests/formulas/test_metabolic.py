"""Tests for labstats.formulas.metabolic (HOMA1, QUICKI, TyG, TyG-BMI, BMI, WHtR).

External references:
* Matthews 1985 normalisation (FPI 5 µU/mL, FPG 4.5 mmol/L -> IR 1, %B 100 %), quoted in
  tests/reference/test_vectors.csv.
* Modibo/biosigma insulin_resistance_test.dart @569b752 (HOMA-IR, QUICKI, TyG values;
  QUICKI and TyG agree with a second peer to 1e-9), via test_vectors.csv and transcribed.
* NHANES 2011-2016 BMX files: BMXBMI, computed by NCHS from BMXWT and BMXHT and printed
  to 0.1 kg/m² (the three columns are ``bmi``, ``weight`` and ``height`` of the embedded
  extract, ``labstats.load_nhanes``, proven equal to the CDC files by
  tests/datasets/test_embedded.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats.formulas import (
    bmi,
    homa_b,
    homa_ir,
    quicki,
    tyg_bmi,
    tyg_index,
    waist_to_height_ratio,
)
from tests.conftest import nhanes_frame, parse_inputs, vectors

UIU = dict(insulin_unit="µIU/mL")
MGDL = dict(triglycerides_unit="mg/dL", glucose_unit="mg/dL")


# --- published and peer values ------------------------------------------------------


def test_homa_ir_is_one_for_matthews_reference_adult():
    # Matthews 1985: FPI 5 µU/mL and FPG 4.5 mmol/L define IR = 1 (22.5 = 5 x 4.5).
    assert homa_ir(4.5, 5.0, **UIU) == pytest.approx(1.0, rel=1e-15)


def test_homa_b_is_100_percent_for_matthews_reference_adult():
    # Matthews 1985: 20 x 5 / (4.5 - 3.5) = 100 %.
    assert homa_b(4.5, 5.0, **UIU) == pytest.approx(100.0, rel=1e-15)


def test_homa_ir_matches_biosigma():
    # biosigma insulin_resistance_test.dart: FPI 15 µU/mL, FPG 5.0 mmol/L -> 3.3333333333.
    assert homa_ir(5.0, 15.0, **UIU) == pytest.approx(3.3333333333333335, rel=1e-12)


@pytest.mark.parametrize(("glucose", "insulin", "expected"), [
    (90.0, 15.0, 0.3194547527373662), (80.0, 5.0, 0.38431089342012037)])
def test_quicki_matches_biosigma(glucose, insulin, expected):
    # biosigma insulin_resistance_test.dart (log10 of insulin µU/mL and glucose mg/dL).
    got = quicki(glucose, insulin, glucose_unit="mg/dL", **UIU)
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("tg", "glucose", "expected"), [
    (150.0, 90.0, 8.817297783866575), (200.0, 110.0, 9.305650551780507)])
def test_tyg_matches_biosigma(tg, glucose, expected):
    # biosigma insulin_resistance_test.dart: ln(TG x FPG / 2), both mg/dL.
    assert tyg_index(tg, glucose, **MGDL) == pytest.approx(expected, rel=1e-13)


_VECTOR_FUNCS = {"homa1_ir": homa_ir, "homa1_percent_b": homa_b, "quicki": quicki}


@pytest.mark.parametrize("row", [r for p in (*_VECTOR_FUNCS, "tyg_index")
                                 for r in vectors(p).itertuples()],
                         ids=lambda r: f"{r.method}:{r.inputs}")
def test_matches_test_vectors(row):
    x = parse_inputs(row.inputs)
    if row.method == "tyg_index":
        got = tyg_index(x["triglycerides"][0], x["fasting_glucose"][0], **MGDL)
    else:
        value, unit = x["fasting_glucose"]
        got = _VECTOR_FUNCS[row.method](value, x["fasting_insulin"][0], glucose_unit=unit,
                                        insulin_unit="µIU/mL")
    expected = float(row.expected_output)
    if "exactly 18 mg/dL per mmol/L" in row.tolerance_note:
        # clincalc divides mg/dL by 18; labstats by 18.016 (the note: 3.3304 with 18.016).
        expected *= 18.0 / 18.016
        assert round(got, 4) == 3.3304
    assert got == pytest.approx(expected, rel=1e-9)


def test_tyg_bmi_is_tyg_times_bmi():
    # Er 2016: TyG-BMI = TyG x BMI; TyG from the biosigma vector above.
    assert tyg_bmi(150.0, 90.0, bmi=25.0, **MGDL) == pytest.approx(8.817297783866575 * 25.0,
                                                              rel=1e-13)


@pytest.mark.parametrize(("cycle", "n"), [("2011-2012", 8602), ("2013-2014", 9055),
                                          ("2015-2016", 8756)])
def test_bmi_reproduces_nhanes_bmxbmi(cycle, n):
    """BMXBMI (NCHS, 0.1 kg/m²) = BMXWT / (BMXHT/100)^2 rounded half up, for every
    participant with a BMI (mismatches: 0). Rounding half to even instead would miss the
    two exact ties (86.4 kg / 160 cm = 33.75 and 54.4 kg / 160 cm = 21.25)."""
    d = nhanes_frame((cycle,)).reset_index(drop=True)
    got = bmi(weight=d.weight, height=d.height)
    has = d.bmi.notna()
    assert int(has.sum()) == n
    assert got.notna().equals(has)
    half_up = np.floor(got * 10 + 0.5 + 1e-9) / 10
    assert int(((half_up - d.bmi).abs() > 1e-9)[has].sum()) == 0


# --- units and the insulin factor -------------------------------------------------


def test_insulin_pmol_l_uses_6_00_and_legacy_6_945_on_request():
    # units.INSULIN_FACTORS: 6.00 pmol/L per µIU/mL (NHANES LBDINSI/LBXIN), legacy 6.945.
    assert homa_ir(5.0, 90.0) == pytest.approx(homa_ir(5.0, 15.0, **UIU), rel=1e-14)
    assert homa_ir(5.0, 90.0, insulin_factor="legacy") == pytest.approx(
        5.0 * 90.0 / 6.945 / 22.5, rel=1e-14)
    assert homa_ir(5.0, 90.0, insulin_factor=7.0) == pytest.approx(
        5.0 * 90.0 / 7.0 / 22.5, rel=1e-14)


def test_glucose_mg_dl_gives_the_mmol_l_answer():
    # 405 = 22.5 x 18.0 is the rounded mg/dL constant; labstats converts with 18.016.
    assert homa_ir(90.0, 15.0, glucose_unit="mg/dL", **UIU) == pytest.approx(
        15.0 * 90.0 / 18.016 / 22.5, rel=1e-12)


def test_quicki_in_mmol_l_is_the_same_number():
    a = quicki(5.0, 60.0)
    assert a == pytest.approx(1 / (np.log10(10.0) + np.log10(5.0 * 18.016)), rel=1e-12)


def test_tyg_mmol_l_inputs_converted_first():
    got = tyg_index(1.5, 5.0)
    assert got == pytest.approx(np.log(1.5 * 88.57 * 5.0 * 18.016 / 2), rel=1e-13)


def test_bmi_units():
    assert bmi(weight=70.0, height=1.75, height_unit="m") == pytest.approx(70.0 / 1.75**2,
                                                                          rel=1e-14)
    assert bmi(weight=154.32358352941175, height=68.89763779527559, weight_unit="lb",
               height_unit="in") == pytest.approx(70.0 / 1.75**2, rel=1e-12)


def test_waist_to_height_ratio_converts_units():
    assert waist_to_height_ratio(waist_circumference=88.0, height=176.0) == 0.5
    assert waist_to_height_ratio(waist_circumference=34.64566929133858, height=1.76,
                                 waist_circumference_unit="in",
                                 height_unit="m") == pytest.approx(0.5, rel=1e-12)


# --- limits --------------------------------------------------------------------------


def test_homa_b_nan_and_warning_at_or_below_3_5_mmol_l():
    with pytest.warns(labstats.LabstatsWarning, match=r"^2 rows with glucose at or below 3\.5"):
        got = homa_b([3.5, 3.0, 5.0], [60.0, 60.0, 60.0])
    assert np.isnan(got).tolist() == [True, True, False]


# --- behaviour shared by every formula ------------------------------------------------


@pytest.mark.parametrize("func", [homa_ir, homa_b, quicki])
def test_same_container_out_and_index_kept(container, func):
    g, i = container([5.0, 6.0]), container([60.0, 90.0])
    out = func(g, i)
    np.testing.assert_allclose(np.asarray(out), [func(5.0, 60.0), func(6.0, 90.0)], rtol=1e-14)
    if isinstance(g, pd.Series):
        assert out.index.equals(g.index) and out.name == func.__name__
    else:
        assert isinstance(out, np.ndarray)


@pytest.mark.parametrize(("func", "names"), [
    (tyg_index, ("triglycerides", "glucose")), (bmi, ("weight", "height")),
    (waist_to_height_ratio, ("waist_circumference", "height")),
    (tyg_bmi, ("triglycerides", "glucose", "bmi"))])
def test_series_name_and_index(func, names):
    values = dict(zip(names, ([1.5, 80.0], [5.0, 170.0], [25.0, 30.0]), strict=False))
    kw = {k: pd.Series(v, index=["x", "y"]) for k, v in values.items()}
    positional = [kw.pop(k) for k in ("triglycerides", "glucose") if k in kw]
    with labstats.plausibility("ignore"):
        out = func(*positional, **kw)
    assert list(out.index) == ["x", "y"] and out.name == func.__name__


def test_nan_propagates_and_no_row_is_dropped():
    g = pd.Series([5.0, np.nan, 6.0], index=list("abc"))
    i = pd.Series([60.0, 60.0, np.nan], index=list("abc"))
    for func in (homa_ir, homa_b, quicki, tyg_index):
        assert func(g, i if func is not tyg_index else g).isna().tolist()[:2] == [False, True]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: homa_ir([5.0, 90.0], [60.0, 60.0]),
     r'glucose: 90\.0 at index 1 is implausible for mmol/L.*glucose_unit="mg/dL"'),
    (lambda: homa_ir(5.0, 60.0, insulin_factor="new"), r"insulin_factor: unknown name 'new'"),
    (lambda: bmi(weight=[70.0, 72.0], height=[175.0, 1.8]),
     r'height: 1\.8 at index 1 is implausible for cm.*height_unit="m"'),
    (lambda: bmi(weight=70.0, height=175.0, weight_unit="stone"),
     r"unknown unit 'stone' for weight; accepted units are kg, g, lb"),
    (lambda: waist_to_height_ratio(waist_circumference=["x"], height=[170.0]),
     r"waist_circumference: 1 value not a number; the first is 'x' at index 0"),
])
def test_bad_input_message_names_argument_value_and_fix(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_quicki_is_nan_with_a_warning_where_its_logarithm_is_undefined():
    """QUICKI = 1/(log10 FPI + log10 FPG): an insulin of 0 (below detection, stored as 0)
    gave -0.0, and FPI*FPG < 1 a negative index, without a word (audit-stats). Katz 2000
    defines it for positive logs only; like HOMA1-%B below 3.5 mmol/L, NaN and a count."""
    with pytest.warns(labstats.LabstatsWarning, match=r"^2 rows with fasting insulin x "
                                                      r"glucose at or below 1 .*QUICKI"):
        got = quicki(pd.Series([5.0, 5.0, 5.0], index=list("abc")),
                     pd.Series([0.0, 0.05, 60.0], index=list("abc")))
    assert got.isna().tolist() == [True, True, False]
    assert got["c"] == pytest.approx(quicki(5.0, 60.0), rel=1e-15)
