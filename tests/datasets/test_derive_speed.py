"""``derive`` on paired draws, as ``pair_export(..., derive=True)`` calls it batch by batch:
what its faster paths must not change.

- Free and bioavailable testosterone are computed by one call when both are wanted
  (``derive._JOINT``: inputs checked once, model solved once); each must equal its own
  function bit for bit, for every method and option, and a user's replacement of either
  registry entry must still be called.
- The linear model runs numpy or compiled kernels by size (``_binding.JIT_MIN_ROWS``);
  derive of a frame must equal derive of its halves concatenated.
- The per-row checks stay: an implausible value raises naming the column, value and index
  label, or warns once at the caller's line; a negative one raises in every mode.

External reference: ISSAM calculator worked example (TT 10 nmol/L, SHBG 40 nmol/L,
albumin 43 g/L -> free T 0.1739 nmol/L; issam.ch/freetesuit.html).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats import LabstatsWarning, formulas
from labstats.datasets import derive, register_derived
from labstats.datasets.derive import _REGISTRY
from labstats.formulas import _binding


@pytest.fixture(scope="module")
def draws():
    """Paired draws of a synthetic MIMIC-shaped export: more rows than one block, NaN where
    a draw lacks an analyte, censored flags as text, provenance columns."""
    export = labstats.make_lab_results(6000, seed=3, shape="mimic")
    results = labstats.read_lab_results(export, test_map=export.attrs["test_map"])
    out = labstats.pair_results(results)
    out.attrs = {}
    assert len(out) > _binding.BLOCK
    return out


def test_derive_of_the_whole_equals_derive_of_its_halves(draws):
    whole = derive(draws)
    half = len(draws) // 2 + 123
    parts = pd.concat([derive(draws.iloc[:half]), derive(draws.iloc[half:])])
    pd.testing.assert_frame_equal(whole, parts, check_exact=True)
    added = ["free_testosterone", "bioavailable_testosterone", "free_androgen_index"]
    assert list(whole.columns) == [*draws.columns, *added]
    assert whole["free_testosterone"].notna().sum() > 1000


@pytest.mark.parametrize("options", [
    {}, {"method": "sodergard1982"}, {"method": "emadi_konjin2003"},
    {"output_unit": "%"}, {"output_unit": "ng/dL"}, {"albumin_molar_mass": 66_500.0},
])
def test_joint_free_and_bioavailable_equal_their_own_functions(draws, options):
    opts = {"free_testosterone": options, "bioavailable_testosterone": options}
    out = derive(draws, ["bioavailable_testosterone", "free_testosterone"], options=opts)
    args = draws["total_testosterone"], draws["shbg"], draws["albumin"]
    ft = formulas.free_testosterone(*args, **options)
    bat = formulas.bioavailable_testosterone(*args, **options)
    pd.testing.assert_series_equal(out["free_testosterone"], ft, check_exact=True)
    pd.testing.assert_series_equal(out["bioavailable_testosterone"], bat, check_exact=True)
    assert list(out.columns)[-2:] == ["bioavailable_testosterone", "free_testosterone"]


def test_worked_example_through_the_joint_call():
    frame = pd.DataFrame({"total_testosterone": [10.0], "shbg": [40.0], "albumin": [43.0]})
    out = derive(frame)
    assert out["free_testosterone"].iloc[0] == pytest.approx(0.1739, abs=5e-5)
    assert out["free_androgen_index"].iloc[0] == 25.0


def test_different_options_are_computed_apart(draws):
    out = derive(draws, options={"free_testosterone": {"method": "sodergard1982"}})
    args = draws["total_testosterone"], draws["shbg"], draws["albumin"]
    np.testing.assert_array_equal(out["free_testosterone"],
                                  formulas.free_testosterone(*args, method="sodergard1982"))
    np.testing.assert_array_equal(out["bioavailable_testosterone"],
                                  formulas.bioavailable_testosterone(*args))


def test_a_replaced_registry_entry_is_called(draws):
    calls = []

    def mine(total_testosterone, shbg, albumin):
        calls.append(len(total_testosterone))
        return total_testosterone * 0 + 1.0

    saved = _REGISTRY["bioavailable_testosterone"]
    try:
        register_derived("bioavailable_testosterone", mine,
                         ("total_testosterone", "shbg", "albumin"))
        out = derive(draws)
    finally:
        _REGISTRY["bioavailable_testosterone"] = saved
    assert calls == [len(draws)]
    assert (out["bioavailable_testosterone"] == 1.0).all()
    np.testing.assert_array_equal(out["free_testosterone"], formulas.free_testosterone(
        draws["total_testosterone"], draws["shbg"], draws["albumin"]))


def test_an_error_of_the_joint_call_names_the_first_column_asked_for(draws):
    bad = {"method": "zakharov2015"}
    with pytest.raises(ValueError, match=r"^derive bioavailable_testosterone: method "
                                         r"'zakharov2015' is not available"):
        derive(draws, ["bioavailable_testosterone", "free_testosterone"],
               options={"bioavailable_testosterone": bad, "free_testosterone": bad})
    with pytest.raises(TypeError, match="unexpected keyword argument 'methd'"):
        derive(draws, options={"free_testosterone": {"methd": "x"},
                               "bioavailable_testosterone": {"methd": "x"}})


def test_implausible_value_in_a_large_frame_raises_with_its_label_or_warns_at_my_line(draws):
    odd = draws.copy()
    label = odd.index[len(odd) - 5]
    odd.loc[label, "shbg"] = 2500.0
    with pytest.raises(ValueError, match=rf"shbg: 2500\.0 at index {label!r} is implausible"):
        derive(odd)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = derive(odd, plausibility="warn")
    ours = [w for w in caught if issubclass(w.category, LabstatsWarning)]
    assert len(ours) == 1 and "shbg: 2500.0" in str(ours[0].message)
    assert ours[0].filename == __file__
    assert out.loc[label, "free_androgen_index"] == 100 * odd.loc[label, "total_testosterone"] \
        / 2500.0 or np.isnan(odd.loc[label, "total_testosterone"])


def test_a_negative_value_raises_in_every_mode(draws):
    odd = draws.copy()
    label = odd.index[7]
    odd.loc[label, "albumin"] = -1.0
    for mode in ("raise", "warn", "ignore"):
        with pytest.raises(ValueError, match=rf"albumin: 1 negative value; the first is -1\.0 "
                                             rf"at index {label!r}"):
            derive(odd, plausibility=mode)


def test_the_free_androgen_index_is_100_tt_over_shbg_exactly():
    rng = np.random.default_rng(5)
    tt, sb = rng.uniform(0.1, 90, 1000), rng.uniform(0.5, 300, 1000)
    np.testing.assert_array_equal(formulas.free_androgen_index(tt, sb), 100.0 * tt / sb)
    assert formulas.free_androgen_index(10.0, 40.0) == 25.0
    np.testing.assert_array_equal(formulas.free_androgen_index(tt, 40.0), 100.0 * tt / 40.0)
    np.testing.assert_array_equal(formulas.free_androgen_index(10.0, sb), 1000.0 / sb)


def test_nhanes_derive_of_the_whole_equals_its_halves_and_keeps_attrs():
    """Every formula of the registry on real NHANES (sex as text in pandas' string dtype,
    attrs holding the source): each column is taken from the frame once and shared by
    the check and the formulas; nothing of the result may depend on it."""
    nhanes = labstats.load_nhanes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabstatsWarning)  # validity ranges (age < 18 ...)
        whole = derive(nhanes)
        half = len(nhanes) // 2
        parts = pd.concat([derive(nhanes.iloc[:half]), derive(nhanes.iloc[half:])])
    parts.attrs = whole.attrs
    # Halves of 14,951 rows run the numpy code of LDL (Sampson), eGFR and the LMS scores,
    # the whole their compiled loops (above one block of 16,384 rows): they agree to
    # rounding, not to the bit (7.5e-14 at most, as before this file).
    pd.testing.assert_frame_equal(whole, parts, check_exact=False, rtol=1e-12, atol=0)
    assert len(whole.columns) - len(nhanes.columns) >= 15
    assert whole.attrs.keys() == nhanes.attrs.keys() and whole.attrs is not nhanes.attrs
    assert whole["egfr_ckd_epi_2021"].notna().sum() > 10_000


@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", "string[python]"])
def test_sex_as_pandas_text_reads_as_object_text(dtype):
    from labstats._validate import as_sex

    good = ["F", "male", " Female ", "2", "1.0", "", "NA", None, "m"] * 10
    as_text = pd.Series(good, dtype=dtype)
    as_object = pd.Series(good, dtype=object)
    np.testing.assert_array_equal(as_sex(as_text), as_sex(as_object))
    bad = pd.Series([*good, "x", "U"], index=[f"r{i}" for i in range(len(good) + 2)])
    with pytest.raises(ValueError) as text_error:
        as_sex(bad.astype(dtype))
    with pytest.raises(ValueError) as object_error:
        as_sex(bad.astype(object))
    assert str(text_error.value) == str(object_error.value)
    assert "2 values not a recognised sex; the first is 'x' at index 'r90'" in str(
        text_error.value)
    frame = pd.DataFrame({"creatinine": 80.0, "age": 50.0, "sex": bad.astype(dtype)})
    with pytest.raises(ValueError, match=r"derive egfr_ckd_epi_2021: sex: 2 values not a "
                                         r"recognised sex; the first is 'x' at index 'r90'"):
        derive(frame)
