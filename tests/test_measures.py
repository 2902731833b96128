"""Tests for the non-concentration inputs: units.MEASURES, _validate.as_measure, as_sex,
as_flag (body measures, age, blood pressure, sex, treatment flags)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats._validate import as_flag, as_measure, as_sex
from labstats.units import MEASURES


def test_length_and_mass_factors_are_the_exact_international_definitions():
    # 1 in = 2.54 cm and 1 lb = 0.45359237 kg (international yard and pound, 1959).
    assert MEASURES["height"].factor("in") == 2.54
    assert MEASURES["weight"].factor("lb") == 0.45359237
    assert MEASURES["systolic_blood_pressure"].factor("kPa") == pytest.approx(760 / 101.325)


def test_unit_spelling_is_forgiving_and_unknown_units_are_listed():
    assert MEASURES["bmi"].resolve("KG/M2") == "kg/m²"
    with pytest.raises(ValueError, match=r"unknown unit 'ft' for height; accepted units are "
                                         r"cm, m, mm, in"):
        as_measure([170.0], "height", unit="ft")


def test_as_measure_converts_and_checks():
    np.testing.assert_allclose(as_measure([1.7], "height", unit="m"), [170.0])
    with pytest.raises(ValueError, match=r"age: 1 negative value.*-2\.0 at index 'b'"):
        as_measure(pd.Series([3.0, -2.0], index=["a", "b"]), "age", unit="years")


def test_implausible_measure_can_be_relaxed():
    with labstats.plausibility("warn"), pytest.warns(labstats.LabstatsWarning, match="121"):
        as_measure([121.0], "age", unit="years")


def test_as_sex_long_object_column_uses_one_pass_per_distinct_value():
    x = np.array(["F", "male", None, "Female", np.nan] * 1000, dtype=object)
    out = as_sex(x)
    np.testing.assert_array_equal(out[:5], [1.0, 0.0, np.nan, 1.0, np.nan])
    assert out.shape == (5000,)


def test_as_sex_long_column_reports_the_first_bad_value_and_its_label():
    s = pd.Series(["F"] * 100 + ["unknown"] + ["M"] * 10, index=[f"p{i}" for i in range(111)])
    with pytest.raises(ValueError, match=r"sex: 1 value not a recognised sex; the first is "
                                         r"'unknown' at index 'p100'"):
        as_sex(s)


def test_as_sex_categorical_with_a_bad_category():
    s = pd.Series(["F", "M", "other"], dtype="category")
    with pytest.raises(ValueError, match=r"the first is 'other' at index 2"):
        as_sex(s)


def test_as_sex_nhanes_codes():
    # NHANES RIAGENDR: 1 male, 2 female.
    np.testing.assert_array_equal(as_sex(pd.Series([1.0, 2.0, np.nan])), [0.0, 1.0, np.nan])


def test_as_flag_accepts_booleans_and_0_1_and_refuses_missing():
    np.testing.assert_array_equal(as_flag([1, 0, 1], "f"), [True, False, True])
    np.testing.assert_array_equal(as_flag(np.array([0.0, 1.0]), "f"), [False, True])
    with pytest.raises(ValueError, match=r"f: 1 value not True/False \(or 1/0\); the first is "
                                         r"nan at index 'b'"):
        as_flag(pd.Series([1.0, np.nan], index=["a", "b"]), "f")


def test_positional_arguments_of_the_new_formulas_are_in_the_glossary():
    """Concentrations are in units.ARGUMENTS, body measures in units.MEASURES, and every
    <name>_unit keyword names an argument (the rule of tests/test_api.py)."""
    import inspect

    from labstats import formulas
    from labstats.units import ARGUMENTS

    for name in ("homa_ir", "homa_b", "quicki", "tyg_index", "tyg_bmi", "bmi",
                 "waist_to_height_ratio", "ldl_cholesterol", "non_hdl_cholesterol", "egfr",
                 "metabolic_syndrome"):
        sig = inspect.signature(getattr(formulas, name))
        for arg, p in sig.parameters.items():
            if p.kind is p.POSITIONAL_OR_KEYWORD or arg in ("age", "sex"):
                assert arg in ARGUMENTS or arg in MEASURES or arg == "sex", (name, arg)
            if arg.endswith("_unit") and arg != "output_unit":
                assert arg[:-5] in sig.parameters, (name, arg)
