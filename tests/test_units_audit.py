"""Adversarial audit of the one unit layer (labstats.units, _validate, _column_unit and the
unit parsing of lab exports): each test failed on the code before its fix.

Outside numbers: testosterone 288.42 g/mol (C19H28O2; the ISSAM calculator: 288.4 ng/dL =
10 nmol/L); free testosterone is 1-4 % of total T (ISSAM worked example: FT 1.74 % of
TT 10 nmol/L, bioavailable T 4.07 nmol/L; Fiers T et al., J Clin Endocrinol Metab
2018;103(6):2167-74: equilibrium-dialysis free T medians 1.2 % in women and 1.5 % in men,
248 pmol/L = 71.5 pg/mL in men); insulin 1 µIU/mL = 6.00 pmol/L (NHANES LBDINSI / LBXIN;
Vølund, Am J Clin Nutr 1993;58:714-5); HbA1c NGSP % = 0.09148 x IFCC mmol/mol + 2.152
(Hoelzel W et al., Clin Chem 2004;50:166-74, as printed by the NGSP).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats import LabstatsWarning
from labstats._validate import as_concentration, as_measure
from labstats.datasets import read_lab_export, read_lab_results
from labstats.units import ANALYTES, convert


def _quartile_column(q1: float, q3: float, n: int = 41) -> np.ndarray:
    """n values evenly spaced on the log scale whose quartiles (np.percentile) are q1, q3."""
    d = np.log(q3) - np.log(q1)
    return np.exp(np.linspace(np.log(q1) - d / 2, np.log(q3) + d / 2, n))


# --- Free and bioavailable testosterone had total T's range (0-250 nmol/L) -------------


def test_free_testosterone_in_pg_per_ml_without_a_unit_is_not_read_as_nmol_per_l():
    # Men's free T in pg/mL (about 50-250; Fiers 2018 median 71.5 pg/mL) under a header
    # without a unit: taken to be nmol/L and passed as plausible, a 288-fold error (median
    # "144 nmol/L" of free T). Now implausible for free T (0-10 nmol/L: 4 % of 250).
    frame = pd.DataFrame({"id": range(6), "Free testosterone": [50.4, 71.5, 98.0, 143.9,
                                                                 180.2, 199.6]})
    with pytest.raises(ValueError, match=r"implausible for nmol/L .*ANALYTES\['free_"
                       r"testosterone'\].*pmol/L.*pg/mL"):
        read_lab_export(frame)
    ok = read_lab_export(frame.rename(columns={"Free testosterone": "Free testosterone "
                                                                    "(pg/mL)"}))
    np.testing.assert_allclose(ok["free_testosterone"], frame["Free testosterone"] / 288.42,
                               rtol=1e-12)


def test_bioavailable_testosterone_in_ng_per_dl_labelled_nmol_per_l_is_implausible():
    # 110-240 ng/dL (men's bioavailable T) is 3.8-8.3 nmol/L; as "nmol/L" it passed under
    # total T's 250 nmol/L. Bioavailable T is about 40 % of total T (ISSAM: 4.07 of 10).
    with pytest.raises(ValueError, match=r"implausible for nmol/L.*If these are ng/dL"):
        as_concentration([110.0, 150.0, 240.0], "bioavailable_testosterone", unit="nmol/L")
    got = as_concentration([110.0, 150.0, 240.0], "bioavailable_testosterone", unit="ng/dL")
    np.testing.assert_allclose(got, np.array([110.0, 150.0, 240.0]) / 28.842, rtol=1e-12)


def test_free_and_bioavailable_testosterone_convert_as_total_testosterone():
    for name in ("free_testosterone", "bioavailable_testosterone"):
        assert convert(288.42, name, "pg/mL", "pmol/L") == pytest.approx(1000.0, rel=1e-12)
        assert ANALYTES[name].molar_mass == ANALYTES["testosterone"].molar_mass
        assert set(ANALYTES[name].units) == set(ANALYTES["testosterone"].units)
    # a man's free T in nmol/L passes; a supraphysiological one (TRT, 3 nmol/L) too
    as_concentration([0.17, 0.5, 0.7, 3.0], "free_testosterone", unit="nmol/L")


def test_free_testosterone_in_pmol_per_l_is_not_advised_to_be_ng_per_dl():
    # 544 pmol/L labelled nmol/L: the old advice was "If these are ng/dL" (544 ng/dL is a
    # total T, 18.9 nmol/L); now pmol/L first (0.544 nmol/L, a man's free T).
    with pytest.raises(ValueError, match=r'If these are pmol/L, pass free_testosterone_unit='
                       r'"pmol/L"'):
        as_concentration([544.0, 300.0], "free_testosterone", unit="nmol/L")


# --- Several units fit: the advice names them all ----------------------------------------


def test_implausible_value_advice_names_every_unit_that_fits():
    # 450 "nmol/L" of testosterone: 15.6 nmol/L if ng/dL (a man), 0.45 if pmol/L (a woman),
    # 1.56 if pg/mL. The old message named ng/dL only, as if it were the one answer.
    with pytest.raises(ValueError) as info:
        labstats.free_testosterone(450.0, 40.0)
    msg = str(info.value)
    assert 'If these are ng/dL, pass total_testosterone_unit="ng/dL"' in msg
    assert re.search(r"plausible in ng/dL, pmol/L or pg/mL: the values alone cannot tell "
                     r"which; check the unit the laboratory used\. If these are ng/dL", msg)
    # one unit fits: no hedge
    with pytest.raises(ValueError) as info:
        as_measure([48.0, 53.0], "hba1c", unit="%")
    assert 'pass hba1c_unit="mmol/mol".' in str(info.value)
    assert "cannot tell" not in str(info.value)


def test_column_check_names_every_typical_unit_when_several_fit():
    # Testosterone quartiles 300-700 labelled pg/mL (1.0-2.4 nmol/L: typical of nothing):
    # typical of men in ng/dL (10.4-24.3 nmol/L) and of women in pmol/L (0.30-0.70
    # nmol/L). The old warning named ng/dL only.
    with pytest.warns(LabstatsWarning) as rec:
        as_concentration(_quartile_column(300.0, 700.0), "total_testosterone", unit="pg/mL")
    msg = str(rec[0].message)
    assert 'typical of "ng/dL" or "pmol/L"' in msg and "cannot tell which" in msg
    assert 'pass total_testosterone_unit="ng/dL"' in msg
    assert 'pass total_testosterone_unit="pmol/L"' in msg
    # one typical unit: the message as before
    with pytest.warns(LabstatsWarning, match=r'typical of "µIU/mL" \(labstats.units.TYPICAL_'
                      r'QUARTILES\)\. If the unit is "µIU/mL", pass insulin_unit="µIU/mL"; if '
                      r'"pmol/L" is right'):
        as_concentration(_quartile_column(6.0, 16.0), "insulin", unit="pmol/L")


def test_long_export_row_report_names_every_unit_that_fits():
    frame = pd.DataFrame([{"patient_id": "p", "specimen_id": "s", "test": "14913-8",
                           "value": "450", "unit": "nmol/L"}])
    res = read_lab_results(frame)
    reason = res.attrs["report"]["reason"].iloc[0]
    assert "if it is ng/dL, correct the unit (pmol/L or pg/mL would also make it " \
           "plausible)" in reason


def test_likely_units_lists_all_fitting_units_per_value():
    from labstats._validate import likely_units
    from labstats.units import MEASURES

    got = likely_units(np.array([450.0, 1e9, np.nan]), ANALYTES["testosterone"], "nmol/L")
    assert got.tolist() == [("ng/dL", "pmol/L", "pg/mL"), None, None]
    got = likely_units(np.array([[48.0, 6.5]]), MEASURES["hba1c"], "%")
    assert got.shape == (1, 2) and got.tolist() == [[("mmol/mol",), None]]



# --- Unit spellings of real exports: UCUM, full-width, older forms -----------------------


@pytest.mark.parametrize(("text", "analyte", "unit"), [
    ("u[IU]/mL", "insulin", "µIU/mL"),  # UCUM, LOINC 20448-7's example unit
    ("m[IU]/L", "insulin", "µIU/mL"),
    ("mcIU/mL", "insulin", "µIU/mL"),
    ("ｎｇ／ｄＬ", "testosterone", "ng/dL"),  # full-width (East Asian systems)
    ("ｍｇ/ｄｌ", "glucose", "mg/dL"),
    ("mcmol/L", "creatinine", "µmol/L"),
    ("mg/100 mL", "glucose", "mg/dL"),  # 100 mL = 1 dL
    ("g/100ml", "albumin", "g/dL"),
])
def test_ucum_full_width_and_older_spellings_are_read(text, analyte, unit):
    from labstats.units import resolve_unit

    assert resolve_unit(text, analyte) == unit


@pytest.mark.parametrize(("text", "analyte"), [
    ("[IU]/mL", "insulin"),  # international units per mL: 10^6 µIU/mL, not µIU/mL
    ("[iU]/mL", "insulin"),
    ("u[IU]/L", "insulin"),  # µIU/L: 1000-fold off µIU/mL
    ("mIU/mL", "insulin"),
    ("mmol/mol", "glucose"),
    ("mg", "creatinine"),
    ("mg%", "glucose"),
    ("ng/L", "testosterone"),  # more likely a slip for ng/dL (100-fold) than pg/mL
])
def test_lookalike_units_are_still_refused_naming_the_choices(text, analyte):
    from labstats.units import resolve_unit

    with pytest.raises(ValueError, match=rf"unknown unit {re.escape(repr(text))} for "
                       rf"{analyte}; accepted units are"):
        resolve_unit(text, analyte)


def test_ucum_and_full_width_units_of_measures_and_loinc_families():
    from labstats.datasets._loinc import unit_family
    from labstats.units import MEASURES

    assert MEASURES["hba1c"].resolve("％") == "%"
    assert MEASURES["systolic_blood_pressure"].resolve("mm[Hg]") == "mmHg"
    assert MEASURES["height"].resolve("[in_i]") == "in"
    assert MEASURES["weight"].resolve("[lb_av]") == "lb"
    assert unit_family("u[IU]/mL") == "activity"
    assert unit_family("％") == "fraction"  # was None: the row's family went unchecked


def test_long_export_reads_ucum_insulin_and_full_width_units():
    # LOINC 20448-7 (insulin) with its UCUM unit was reported as an unknown unit.
    rows = [("20448-7", "10", "u[IU]/mL"), ("4548-4", "6.5", "％"),
            ("2986-8", "450", "ｎｇ／ｄＬ")]
    frame = pd.DataFrame([{"patient_id": "p", "specimen_id": "s", "test": t, "value": v,
                           "unit": u} for t, v, u in rows])
    res = read_lab_results(frame)
    assert res["status"].tolist() == ["used"] * 3
    np.testing.assert_allclose(res["value"], [60.0, 6.5, 450.0 / 28.842], rtol=1e-4)


# --- convert(): arguments checked even where unused; errors name every choice -------------


@pytest.mark.parametrize("bad", [0, -6.0, float("nan"), "Standard", True])
def test_convert_checks_insulin_factor_for_every_analyte(bad):
    # was ignored unless insulin was converted between pmol/L and µIU/mL
    for args in (("glucose", "mg/dL", "mmol/L"), ("insulin", "pmol/L", "pmol/L"),
                 ("hba1c", "%", "mmol/mol")):
        with pytest.raises(ValueError, match="insulin_factor"):
            convert(5.0, *args, insulin_factor=bad)


def test_convert_refuses_a_molar_mass_for_a_measure():
    with pytest.raises(ValueError, match=r"molar_mass=180\.16: hba1c is not a concentration"):
        convert(48.0, "hba1c", "mmol/mol", "%", molar_mass=180.16)
    with pytest.raises(ValueError, match=r"molar_mass=-1\.0 is not valid"):
        convert(1.0, "glucose", "mmol/L", "mmol/L", molar_mass=-1.0)


def test_unknown_analyte_error_names_the_measures_convert_accepts():
    with pytest.raises(ValueError, match=r"unknown analyte 'hba1C'.*also converts.*hba1c"):
        convert(6.5, "hba1C", "%", "mmol/mol")


def test_convert_containers_nullable_and_float32_inputs():
    s = pd.Series([1.0, pd.NA, 3.0], dtype="Float64", index=["a", "b", "c"], name="glu")
    got = convert(s, "glucose", "mmol/L", "mg/dL")
    assert got.index.tolist() == ["a", "b", "c"] and got.name == "glu"
    np.testing.assert_allclose(got.to_numpy(), [18.016, np.nan, 54.048], rtol=1e-12)
    i = convert(pd.Series([10, None], dtype="Int64"), "insulin", "µIU/mL", "pmol/L")
    np.testing.assert_array_equal(i.to_numpy(), [60.0, np.nan])
    # float32 is widened before the factor: 48 mmol/mol -> % as in float64
    f = convert(np.array([48.0], dtype=np.float32), "hba1c", "mmol/mol", "%")
    assert f.dtype == np.float64 and f[0] == pytest.approx(0.09148 * 48 + 2.152, rel=1e-15)


def test_implausible_rows_of_a_unit_column_are_told_to_correct_that_column():
    # The unit comes from each row's unit cell: the old advice units={'hba1c': '%'} made
    # every "mmol/mol" row of the unit column a conflict with units= instead.
    frame = pd.DataFrame({"id": [1, 2, 3], "HbA1c": [6.5, 48.0, 7.0],
                          "HbA1c unit": ["%", "mmol/mol", "mmol/mol"]})
    with pytest.raises(ValueError, match=r"7\.0 at index 2 is implausible for mmol/mol.*If "
                       r"these are %, correct the unit 'mmol/mol' of these rows in column "
                       r"'HbA1c unit'\.$") as info:
        read_lab_export(frame)
    assert "units=" not in str(info.value) and "_unit=" not in str(info.value)
    fixed = read_lab_export(frame.assign(**{"HbA1c unit": ["%", "mmol/mol", "%"]}))
    np.testing.assert_allclose(fixed["hba1c"], [6.5, 0.09148 * 48 + 2.152, 7.0], rtol=1e-12)


@pytest.mark.parametrize(("text", "analyte", "unit"), [
    ("ng/L", "estradiol", "pg/mL"),  # 1 ng/L = 1 pg/mL
    ("ng/l", "estradiol", "pg/mL"),
    ("µg/L", "testosterone", "ng/mL"),  # 1 µg/L = 1 ng/mL
    ("ug/L", "testosterone", "ng/mL"),
])
def test_units_equal_to_an_accepted_one_are_read_as_it(text, analyte, unit):
    from labstats.units import resolve_unit

    assert resolve_unit(text, analyte) == unit
    assert convert(272.38, analyte, text, "pg/mL") == pytest.approx(
        272.38 * (1000.0 if unit == "ng/mL" else 1.0), rel=1e-15)


@pytest.mark.parametrize(("text", "unit"), [
    ("% Hb", "%"), ("%HbA1c", "%"), ("% (NGSP)", "%"), ("% DCCT", "%"),
    ("mmol/mol Hb", "mmol/mol"), ("mmol/mol (IFCC)", "mmol/mol"),
])
def test_hba1c_units_written_with_their_scale_are_read(text, unit):
    from labstats.units import MEASURES

    assert MEASURES["hba1c"].resolve(text) == unit


@pytest.mark.parametrize("text", ["% (IFCC)", "%IFCC", "mmol/mol (NGSP)", "mmol/L"])
def test_hba1c_units_of_another_scale_are_refused(text):
    # the older IFCC percentage is mmol/mol / 10, not NGSP %: refused, never read as %
    from labstats.units import MEASURES

    with pytest.raises(ValueError, match=r"unknown unit .* for hba1c; accepted units are %, "
                       r"mmol/mol"):
        MEASURES["hba1c"].resolve(text)


def test_hba1c_master_equation_round_trip_and_published_points():
    # 6.5 % = 48 mmol/mol (the WHO 2011 diagnostic threshold in both units), 7 % = 53,
    # 8 % = 64 (NGSP/IFCC conversion table, rounded to integers)
    got = convert([6.5, 7.0, 8.0], "hba1c", "%", "mmol/mol")
    np.testing.assert_array_equal(np.round(got), [48, 53, 64])
    x = np.linspace(20.0, 200.0, 181)
    back = convert(convert(x, "hba1c", "mmol/mol", "%"), "hba1c", "%", "mmol/mol")
    np.testing.assert_allclose(back, x, rtol=1e-13)


def test_value_cell_and_unit_column_with_two_spellings_of_one_unit_agree():
    frame = pd.DataFrame({"id": [1, 2], "E2": ["100 ng/L", "80 pg/mL"],
                          "E2 unit": ["pg/mL", "ng/L"]})
    got = read_lab_export(frame)
    np.testing.assert_allclose(got["estradiol"], np.array([100.0, 80.0]) * 3.6713, rtol=1e-4)
    with pytest.raises(ValueError, match=r"'100 ng/dL' is in unit 'ng/dL', but column 'E2 "
                       r"unit' says 'pg/mL'"):
        read_lab_export(frame.assign(E2=["100 ng/dL", "80 pg/mL"]))


# --- Insulin: one factor from the export to the formula ----------------------------------


def test_insulin_read_with_the_legacy_factor_says_formulas_need_the_same_factor():
    # The lab's 10 µIU/mL read with 6.945 is 69.45 pmol/L; a formula called on it converts
    # it back with its own factor: 6.00 by default (11.6 µIU/mL), HOMA-IR 2.572 instead of
    # 10 x 5 / 22.5 = 2.222 (Matthews 1985). The reader says so; derive converts back with
    # the reader's factor (tests/datasets/test_insulin_round_trip.py), a formula with the
    # same insulin_factor.
    from labstats.formulas import homa_ir

    raw = pd.DataFrame({"id": [1], "Insulin (uIU/mL)": [10.0], "Glucose (mmol/L)": [5.0]})
    with pytest.warns(LabstatsWarning, match=r"insulin_factor='legacy' \(6\.945 pmol/L per "
                      r"µIU/mL.*homa_ir, homa_b, quicki\) called on the column needs the same "
                      r"insulin_factor"):
        frame = read_lab_export(raw, insulin_factor="legacy")
    got = homa_ir(frame["glucose"], frame["insulin"], insulin_factor="legacy")
    assert got.iloc[0] == pytest.approx(10.0 * 5.0 / 22.5, rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_lab_export(raw)  # the standard factor: nothing to say
    with pytest.warns(LabstatsWarning, match="the export's factor for all its insulin"):
        read_lab_export(raw.rename(columns={"Insulin (uIU/mL)": "Insulin (pmol/L)"}),
                        insulin_factor="legacy")  # pmol/L: taken as converted with it


def test_column_check_says_which_populations_can_look_like_another_unit():
    # Hypogonadal men (total T 176-273 ng/dL = 5.1-7.9 nmol/L) are unlike every NHANES
    # group in ng/dL and like women's in pg/mL: a warning, which now says such a
    # population can look so (it claimed the column was "unlike testosterone in ng/dL").
    with pytest.warns(LabstatsWarning) as rec:
        as_concentration(_quartile_column(176.0, 273.0), "total_testosterone", unit="ng/dL")
    msg = str(rec[0].message)
    assert 'unlike the NHANES 2011-2016 groups of testosterone in "ng/dL"' in msg
    assert "such as young children or hypogonadal men, can look so), ignore" in msg


def test_column_check_in_a_lab_export_advises_the_readers_own_keywords():
    # read_lab_export has no total_testosterone_unit=; the warning told to pass it.
    x = _quartile_column(15.0, 40.0)  # women's testosterone in ng/dL, under no unit
    with pytest.warns(LabstatsWarning) as rec:
        read_lab_export(pd.DataFrame({"id": range(41), "Testosterone": x}))
    msg = str(rec[0].message)
    assert "pass units={'total_testosterone': 'ng/dL'} (CLI: --units total_testosterone=" \
           "ng/dL)" in msg and "_unit=" not in msg
    with pytest.warns(LabstatsWarning) as rec:
        read_lab_export(pd.DataFrame({"id": range(41), "Testosterone": x,
                                      "Testosterone unit": ["nmol/L"] * 41}))
    assert ("correct the unit 'nmol/L' of these rows in column 'Testosterone unit'"
            in str(rec[0].message))
