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
    with pytest.raises(ValueError, match=r"derive free_testosterone, bioavailable_testosterone, "
                                         r"free_androgen_index, free_estradiol: shbg: 2500\.0 at "
                                         r"index 'p2' is implausible.*pass "
                                         r"plausibility='warn'\.$") as info:
        derive(odd)
    # the advice is derive's keyword: a `with labstats.plausibility('warn')` block does not
    # reach derive (its own plausibility= decides), so the message must not advise it
    assert "with labstats.plausibility" not in str(info.value)
    with pytest.warns(UserWarning, match=r"shbg: 2500\.0"):
        out = derive(odd, plausibility="warn")
    assert out.loc["p2", "free_androgen_index"] == pytest.approx(100 * 15.0 / 2500.0)


def test_following_the_advice_of_the_implausible_input_error_works():
    """An age in months passed as years: the error's advice, followed, must run derive."""
    import labstats

    frame = pd.DataFrame({"creatinine": [80.0], "age": [600.0], "sex": ["F"]})
    with pytest.raises(ValueError, match=r"age: 600\.0 at index 0 is implausible") as info:
        derive(frame, ["egfr_ckd_epi_2021"])
    with labstats.plausibility("warn"), pytest.raises(ValueError):
        derive(frame, ["egfr_ckd_epi_2021"])  # derive's plausibility= decides, not the block
    assert "pass plausibility='warn'" in str(info.value)
    with pytest.warns(UserWarning, match=r"age: 600\.0"):
        out = derive(frame, ["egfr_ckd_epi_2021"], plausibility="warn")
    assert np.isfinite(out["egfr_ckd_epi_2021"]).all()


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


def test_an_implausible_column_warns_once_however_many_formulas_read_it(frame):
    """Issue 10: SHBG feeds four formulas; the warning was issued four times. Each input
    column is now checked once, and the warning names the caller's line."""
    import warnings

    from labstats import LabstatsWarning

    odd = frame.assign(shbg=[40.0, 2500.0, 50.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = derive(odd, plausibility="warn")
    ours = [w for w in caught if issubclass(w.category, LabstatsWarning)]
    assert [str(w.message).split(" at ")[0] for w in ours] == ["shbg: 2500.0"]
    assert ours[0].filename == __file__
    assert out[["free_testosterone", "free_estradiol"]].notna().any().all()


def test_the_check_uses_the_unit_an_option_declares(frame):
    # 450 ng/dL is plausible; as nmol/L (the default) it is not.
    ng = frame.assign(total_testosterone=[288.42, 450.0, np.nan])
    out = derive(ng, ["free_androgen_index"],
                 options={"free_androgen_index": {"total_testosterone_unit": "ng/dL"}})
    assert out.loc["p1", "free_androgen_index"] == pytest.approx(25.0, rel=1e-3)
    with pytest.raises(ValueError, match=r"derive free_androgen_index: total_testosterone: "
                                         r"288\.42 at index 'p1' is implausible"):
        derive(ng, ["free_androgen_index"])


def test_a_method_option_cannot_contradict_the_column_name():
    """A column's name says what it holds: Sampson values never go under the Friedewald name."""
    lipids = pd.DataFrame({"total_cholesterol": [5.2], "hdl_cholesterol": [1.3],
                           "triglycerides": [1.2]})
    with pytest.raises(ValueError, match=r"^ldl_cholesterol_friedewald is computed by "
                                         r"Friedewald; .*ask for ldl_cholesterol_sampson"):
        derive(lipids, options={"ldl_cholesterol_friedewald": {"method": "sampson"}})
    with pytest.raises(ValueError, match=r"egfr_ckd_epi_2021 is computed by CKD-EPI 2021; "
                                         r".*no derived column computes method 'ckd_epi_2009'"):
        derive(lipids, options={"egfr_ckd_epi_2021": {"method": "ckd_epi_2009"}})
    # The method the name already says is accepted, and other keywords pass through.
    same = derive(lipids, ["ldl_cholesterol_friedewald"],
                  options={"ldl_cholesterol_friedewald": {"method": "friedewald"}})
    assert same.loc[0, "ldl_cholesterol_friedewald"] == formulas.ldl_cholesterol(
        5.2, 1.3, 1.2, method="friedewald")


def test_every_registered_formula_reads_its_inputs_in_canonical_units():
    """derive() checks each column once in the unit its formula reads it in; by default that
    must be the canonical unit the frame is documented to hold."""
    import inspect

    from labstats import units

    for name, d in DERIVED.items():
        params = inspect.signature(d.resolve()).parameters
        for c in d.inputs + d.optional:
            if f"{c}_unit" in params:
                canonical = units.ANALYTES[units.analyte_of(c)].canonical_unit
                assert units.resolve_unit(params[f"{c}_unit"].default,
                                          units.ANALYTES[units.analyte_of(c)]) == canonical, name


def test_derive_warns_only_through_the_shared_helper():
    """Warnings go through labstats._validate.warn (the caller's line), never by hand."""
    import importlib
    from pathlib import Path

    source = Path(importlib.import_module("labstats.datasets.derive").__file__).read_text()
    assert "warnings.warn" not in source and "stacklevel" not in source
