"""Tests for labstats.datasets.derive and its registry.

External reference: the ISSAM calculator's worked example (TT 10 nmol/L, SHBG 40 nmol/L,
albumin 43 g/L -> free T 0.174 nmol/L, issam.ch/freetesuit.html), also used by
tests/formulas/test_androgens.py; FAI = 100 x TT / SHBG (Wilke & Utley 1987).
"""

import numpy as np
import pandas as pd
import pytest

from labstats import formulas
from labstats.datasets import DERIVED, derive, register_derived
from labstats.datasets.derive import _REGISTRY


@pytest.fixture
def frame():
    return pd.DataFrame({"total_testosterone": [10.0, 15.0, np.nan],
                         "shbg": [40.0, 30.0, 50.0], "albumin": [43.0, np.nan, 40.0],
                         "estradiol": [100.0, 200.0, 300.0]}, index=["p1", "p2", "p3"])


def test_worked_example_free_testosterone_and_fai(frame):
    out = derive(frame)
    assert out.loc["p1", "free_testosterone"] == pytest.approx(0.1739, abs=5e-5)
    assert out.loc["p1", "free_androgen_index"] == pytest.approx(25.0)


def test_adds_every_derivable_value_as_new_columns(frame):
    out = derive(frame)
    assert list(out.columns) == [*frame.columns, "free_testosterone",
                                 "bioavailable_testosterone", "free_androgen_index",
                                 "free_estradiol"]
    assert out.index.equals(frame.index) and out is not frame
    assert list(frame.columns) == ["total_testosterone", "shbg", "albumin", "estradiol"]


def test_values_equal_the_formula_functions(frame):
    out = derive(frame)
    np.testing.assert_array_equal(
        out["free_estradiol"],
        formulas.free_estradiol(frame["estradiol"], frame["shbg"], frame["albumin"],
                                total_testosterone=frame["total_testosterone"]))


def test_nan_input_gives_nan_and_keeps_the_row(frame):
    out = derive(frame)
    assert out["free_testosterone"].isna().tolist() == [False, True, True]
    assert len(out) == 3


def test_only_values_whose_inputs_are_present(frame):
    out = derive(frame[["total_testosterone", "shbg"]])
    assert list(out.columns) == ["total_testosterone", "shbg", "free_androgen_index"]


def test_requested_value_with_missing_input_is_an_error(frame):
    with pytest.raises(ValueError, match=r"free_testosterone needs column\(s\) albumin"):
        derive(frame[["total_testosterone", "shbg"]], ["free_testosterone"])


def test_existing_column_is_not_overwritten_silently(frame):
    measured = frame.assign(free_androgen_index=1.0)
    with pytest.raises(ValueError, match=r"'free_androgen_index' is already in the frame"):
        derive(measured)
    assert derive(measured, overwrite=True)["free_androgen_index"]["p1"] == 25.0


def test_options_reach_the_formula(frame):
    out = derive(frame, ["free_testosterone"],
                 options={"free_testosterone": {"method": "sodergard1982"}})
    expected = formulas.free_testosterone(10.0, 40.0, 43.0, method="sodergard1982")
    assert out.loc["p1", "free_testosterone"] == pytest.approx(expected, rel=1e-12)


def test_unknown_name_lists_the_known_ones(frame):
    with pytest.raises(ValueError, match=r"unknown derived value 'homa'; known: "
                                         r"free_testosterone"):
        derive(frame, ["homa"])


def test_a_new_formula_is_one_registry_line(frame):
    register_derived("tt_shbg_ratio", lambda total_testosterone, shbg: total_testosterone / shbg,
                     ("total_testosterone", "shbg"))
    try:
        assert "tt_shbg_ratio" in DERIVED
        assert derive(frame, ["tt_shbg_ratio"])["tt_shbg_ratio"]["p2"] == 0.5
    finally:
        _REGISTRY.pop("tt_shbg_ratio")


def test_implausible_input_names_the_derived_value_and_the_way_out(frame):
    # Above the plausible SHBG range (0-2000 nmol/L; the highest real NHANES value is 1,067).
    odd = frame.assign(shbg=[40.0, 2500.0, 50.0])
    with pytest.raises(ValueError, match=r"derive free_testosterone: shbg: 2500\.0 at index "
                                         r"'p2' is implausible.*plausibility='warn'"):
        derive(odd)
    with pytest.warns(UserWarning, match=r"shbg: 2500\.0"):
        out = derive(odd, plausibility="warn")
    assert out.loc["p2", "free_androgen_index"] == pytest.approx(100 * 15.0 / 2500.0)


def test_derive_runs_on_real_nhanes():
    from labstats import LabstatsWarning
    from tests.conftest import nhanes_frame

    nh = nhanes_frame(["2013-2014"])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", LabstatsWarning)  # every real value is plausible
        out = derive(nh, ["free_testosterone", "bioavailable_testosterone",
                          "free_androgen_index", "free_estradiol"])
    both = nh[["total_testosterone", "shbg", "albumin"]].notna().all(axis=1)
    assert (out["free_testosterone"].notna() == both).all() and len(out) == len(nh)


def test_derive_adds_the_metabolic_lipid_and_kidney_formulas():
    import numpy as np
    import pandas as pd

    from labstats import formulas

    f = pd.DataFrame({"glucose": [5.0, 6.1], "insulin": [60.0, np.nan],
                      "triglycerides": [1.2, 2.0], "total_cholesterol": [5.2, 6.0],
                      "hdl_cholesterol": [1.3, 1.0], "creatinine": [80.0, 100.0],
                      "age": [40.0, 60.0], "sex": ["female", "male"], "bmi": [24.0, 31.0]},
                     index=["a", "b"])
    out = derive(f)
    pd.testing.assert_series_equal(out["homa_ir"], formulas.homa_ir(f.glucose, f.insulin),
                                   check_names=False)
    assert np.isnan(out.loc["b", "homa_ir"])  # missing insulin stays missing
    pd.testing.assert_series_equal(
        out["ldl_cholesterol_sampson"],
        formulas.ldl_cholesterol(f.total_cholesterol, f.hdl_cholesterol, f.triglycerides,
                                 method="sampson"), check_names=False)
    assert out["egfr_ckd_epi_2021"].notna().all() and list(out.index) == ["a", "b"]


def test_derived_friedewald_reproduces_nchs_ldl_on_real_nhanes():
    """NCHS computes LBDLDL with Friedewald in mg/dL and rounds to an integer (TRIGLY_H/I):
    derive()'s column, read through read_nhanes' unit conversions, must agree to 0.5 mg/dL."""
    import numpy as np

    from tests.conftest import nhanes_frame

    nh = nhanes_frame(["2013-2014", "2015-2016"])
    from labstats import LabstatsWarning

    with pytest.warns(LabstatsWarning, match=r"rows with triglycerides above 400 mg/dL"):
        out = derive(nh, ["ldl_cholesterol_friedewald"])
    both = out[["ldl_cholesterol", "ldl_cholesterol_friedewald"]].dropna()
    assert len(both) > 5000
    diff_mg_dl = (both.ldl_cholesterol_friedewald - both.ldl_cholesterol) * 38.67
    assert np.abs(diff_mg_dl).max() <= 0.5 + 1e-6
