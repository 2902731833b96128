"""Edge cases of the formulas found by an adversarial audit: each test failed on the code
before its fix (see the commit that added it). Sources are cited per test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats.formulas import (
    bioavailable_estradiol,
    bioavailable_testosterone,
    bmi,
    egfr,
    free_androgen_index,
    free_estradiol,
    free_testosterone,
    ldl_cholesterol,
    metabolic_syndrome,
    non_hdl_cholesterol,
    testosterone_fractions,
    tyg_bmi,
    tyg_index,
    waist_to_height_ratio,
)

MG = dict(total_cholesterol_unit="mg/dL", hdl_cholesterol_unit="mg/dL",
          triglycerides_unit="mg/dL", output_unit="mg/dL")


def test_fai_shbg_zero_is_never_silent():
    # FAI = 100 TT / SHBG (Wilke & Utley, Clin. Chem. 33(8):1372, 1987,
    # doi:10.1093/clinchem/33.8.1372) is infinite at SHBG 0 (as documented, and as
    # labstats.datasets.derive expects), NaN at 0/0; free_androgen_index itself returned
    # them without a word, an inf that then silently poisons any mean or model.
    tt = pd.Series([10.0, 0.0, 12.0], index=[7, 3, 9])
    with pytest.warns(labstats.LabstatsWarning, match=r"^2 rows with SHBG 0"):
        out = free_androgen_index(tt, pd.Series([0.0, 0.0, 40.0], index=[7, 3, 9]))
    assert out.index.tolist() == [7, 3, 9]
    assert out[7] == np.inf and np.isnan(out[3]) and out[9] == 30.0
    with pytest.warns(labstats.LabstatsWarning, match=r"^3 rows with SHBG 0"):
        assert np.isinf(free_androgen_index([1.0, 2.0, 3.0], 0.0)).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert free_androgen_index(10.0, 40.0) == 25.0  # no warning without SHBG 0


@pytest.mark.parametrize("n", [1, 40_000])  # numpy path and the compiled one (> one block)
@pytest.mark.parametrize("method", ["friedewald", "martin_hopkins", "sampson"])
def test_negative_ldl_is_kept_but_never_silent(n, method):
    # HDL-C is part of total cholesterol (NCEP ATP III, Circulation 106(25):3143, 2002), so
    # TC 100 / HDL 150 mg/dL -- typically the two columns swapped -- is impossible; every
    # method then gives a negative LDL-C (Friedewald 1972: 100 - 150 - 100/5 = -70), which
    # the old code returned without a word.
    tc, hdl, tg = np.full(n, 200.0), np.full(n, 50.0), np.full(n, 100.0)
    tc[-1], hdl[-1] = 100.0, 150.0
    with pytest.warns(labstats.LabstatsWarning, match=r"^1 row with a negative LDL chol"):
        out = ldl_cholesterol(tc, hdl, tg, method=method, **MG)
    assert out[-1] < 0 and (out[:-1] > 0).all()
    if method == "friedewald":
        assert out[-1] == -70.0 and (out[:-1] == 130.0).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ldl_cholesterol(tc[:-1], hdl[:-1], tg[:-1], method=method, **MG)


def test_non_hdl_above_total_cholesterol_warns():
    with pytest.warns(labstats.LabstatsWarning, match=r"^1 row with a negative non-HDL"):
        out = non_hdl_cholesterol([5.2, 1.3], [1.3, 5.2])
    assert out[0] == pytest.approx(3.9) and out[1] == pytest.approx(-3.9)


@pytest.mark.parametrize("mode", ["warn", "ignore"])
def test_zero_inputs_accepted_by_plausibility_give_nan_not_infinity(mode):
    # A 0 is implausible (an error by default) but may be let through with
    # labstats.plausibility; then TyG = ln(TG x FPG / 2) (Simental-Mendia 2008,
    # doi:10.1089/met.2008.0034) was -inf and BMI (Keys 1972) or waist/height inf, silently
    # (BMI and WHtR with a bare numpy RuntimeWarning). A row with both zeros counts once.
    mg = dict(triglycerides_unit="mg/dL", glucose_unit="mg/dL")
    with labstats.plausibility(mode), warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        tyg = tyg_index([0.0, 150.0, 0.0], [90.0, 0.0, 0.0], **mg)
        tb = tyg_bmi([0.0, 150.0], [90.0, 90.0], bmi=[25.0, 0.0], **mg)
        b = bmi(weight=[70.0, 70.0], height=[0.0, 175.0])
        w = waist_to_height_ratio(waist_circumference=[70.0, 70.0], height=[0.0, 175.0])
    texts = [str(r.message) for r in rec if issubclass(r.category, labstats.LabstatsWarning)]
    assert np.isnan(tyg).all() and np.isnan(tb[0]) and tb[1] == 0.0
    assert np.isnan(b[0]) and b[1] == pytest.approx(70 / 1.75**2)
    assert np.isnan(w[0]) and w[1] == pytest.approx(0.4)
    assert any(t.startswith("3 rows with triglycerides or glucose 0") for t in texts)
    assert any(t.startswith("1 row with triglycerides or glucose 0") for t in texts)
    assert sum(t.startswith("1 row with height 0") for t in texts) == 2
    assert not [r for r in rec if issubclass(r.category, RuntimeWarning)]


@pytest.mark.parametrize("n", [3, 40_000])  # numpy path and the compiled one (> one block)
@pytest.mark.parametrize("method", ["ckd_epi_2021", "ckd_epi_2012_cystatin",
                                    "ckd_epi_2021_creatinine_cystatin"])
def test_egfr_of_a_zero_marker_is_nan_with_a_warning(n, method):
    # CKD-EPI (Inker 2021, doi:10.1056/NEJMoa2102953; Inker 2012, doi:10.1056/NEJMoa1114248)
    # is a power of creatinine / cystatin C; at 0 (let through by labstats.plausibility) it
    # has no value, and the old code returned NaN without saying why.
    marker = np.full(n, 80.0)
    marker[0] = 0.0
    kw = dict(age=np.full(n, 50.0), sex="F", method=method)
    if method != "ckd_epi_2012_cystatin":
        kw["creatinine"] = marker
    if method != "ckd_epi_2021":
        kw["cystatin_c"] = marker / 80.0
    with labstats.plausibility("ignore"):
        with pytest.warns(labstats.LabstatsWarning, match=r"^1 row with creatinine or cyst"):
            out = egfr(**kw)
    assert np.isnan(out[0]) and np.isfinite(out[1:]).all()


@pytest.mark.parametrize("fn", [free_testosterone, bioavailable_testosterone,
                                testosterone_fractions, free_estradiol, bioavailable_estradiol])
def test_albumin_none_is_an_error_not_a_column_of_nan(fn):
    # albumin defaults to 43 g/L, Vermeulen 1999's value (doi:10.1210/jcem.84.10.6079) when
    # albumin was not measured; albumin=None (e.g. a missing column looked up with .get)
    # silently gave NaN in every row instead of either.
    with pytest.raises(ValueError, match=r"albumin=None: omit albumin to use 43 g/L"):
        fn(10.0, 30.0, None)
    assert np.isfinite(np.asarray(fn(10.0, 30.0), dtype=float)).all()


def test_friedewald_limit_in_mmol_is_stated_to_the_digit_that_decides():
    # 400 mg/dL is 4.516 mmol/L (88.57 mg/dL per mmol/L, the NCHS factor); the warning said
    # "above 400 mg/dL (4.52 mmol/L)" while a row of exactly 4.52 mmol/L (400.3 mg/dL) is
    # set to NaN too.
    with pytest.warns(labstats.LabstatsWarning, match=r"above 400 mg/dL \(4\.516 mmol/L\)"):
        assert np.isnan(ldl_cholesterol(6.0, 1.2, 4.52))
    assert np.isfinite(ldl_cholesterol(6.0, 1.2, 4.516))


@pytest.mark.parametrize("as_type", [np.float32, lambda v: pd.Series(v, dtype="Float32")])
def test_metabolic_syndrome_float32_values_at_the_cut_points(as_type):
    # Alberti 2009 (Circulation 120(16):1640, doi:10.1161/CIRCULATIONAHA.109.192644),
    # Table 1: glucose >= 5.6 mmol/L, HDL-C < 1.3 mmol/L in women, TG >= 1.7 mmol/L. A
    # float32 column holding 5.6 and 1.3 (5.5999999 and 1.2999999 as doubles) was read as
    # glucose not elevated and HDL-C reduced: both criteria flipped.
    kw = dict(waist_circumference=[80.0], triglycerides=[1.7], hdl_cholesterol=[1.3],
              systolic_blood_pressure=[120.0], diastolic_blood_pressure=[80.0], glucose=[5.6])
    want = metabolic_syndrome(**kw, sex=["F"]).iloc[0]
    got = metabolic_syndrome(**{k: as_type(v) for k, v in kw.items()}, sex=["F"]).iloc[0]
    assert bool(want["elevated_glucose"]) and not bool(want["reduced_hdl_cholesterol"])
    assert got.tolist() == want.tolist()


@pytest.mark.parametrize("n", [1, 40_000])  # numpy path and the compiled one (> one block)
def test_martin_non_hdl_at_a_stratum_edge_from_decimal_inputs(n):
    # Martin 2013 (JAMA 310(19):2061, doi:10.1001/jama.2013.280532), 180-cell table: TG
    # 97-100 mg/dL, non-HDL-C 100-129 -> F = 5.1 (<100 -> 5.4). TC 128.2 - HDL-C 28.2 is
    # 100 mg/dL, but 99.99999999999999 in binary, and the old code took the <100 column.
    tc, hdl, tg = np.full(n, 128.2), np.full(n, 28.2), np.full(n, 100.0)
    got = ldl_cholesterol(tc, hdl, tg, method="martin_hopkins", **MG)
    np.testing.assert_allclose(got, 100.0 - 100.0 / 5.1, rtol=1e-12)
    got = ldl_cholesterol(130.2, 30.2, 100.0, method="martin_hopkins", **MG)  # exact 100
    assert got == pytest.approx(100.0 - 100.0 / 5.1, rel=1e-12)


@pytest.mark.parametrize("n", [1, 40_000])
@pytest.mark.parametrize(("method", "limit"), [("friedewald", 400.0), ("sampson", 800.0)])
def test_inclusive_tg_limit_given_in_mmol_is_still_computed(n, method, limit):
    # Friedewald is computed at TG 400 mg/dL itself (NCHS LBDLDL; Friedewald 1972,
    # doi:10.1093/clinchem/18.6.499), Sampson up to 800 (doi:10.1001/jamacardio.2020.0013).
    # 400 / 88.57 mmol/L converts back to 400.0000000000001 mg/dL, which was set to NaN.
    tg = np.full(n, limit / 88.57)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ldl_cholesterol(np.full(n, 6.0), np.full(n, 1.0), tg, method=method)
    want = ldl_cholesterol(6.0 * 38.665, 38.665, limit, method=method, **MG) / 38.665
    np.testing.assert_allclose(got, want, rtol=1e-12)
    with pytest.warns(labstats.LabstatsWarning, match="row"):
        assert np.isnan(ldl_cholesterol(6.0, 1.0, (limit + 0.01) / 88.57, method=method))


def test_percent_of_a_zero_total_is_nan_with_a_warning():
    # Free % = 100 x free / total (Vermeulen 1999, doi:10.1210/jcem.84.10.6079): at total
    # 0 it is 0 / 0. The old code gave NaN without a word (in free_percent, and for
    # output_unit="%"), while the nmol/L outputs of the same row are a valid 0.
    with pytest.warns(labstats.LabstatsWarning, match=r"^1 row with total testosterone 0"):
        fr = testosterone_fractions([0.0, 10.0], 30.0, 43.0)
    assert fr["free"].tolist()[0] == 0.0 and np.isnan(fr["free_percent"][0])
    assert fr["free_percent"][1] == pytest.approx(2.0709, abs=1e-4)  # ISSAM-type example
    for fn in (free_testosterone, bioavailable_testosterone):
        with pytest.warns(labstats.LabstatsWarning, match=r"^1 row with total testosterone 0"):
            assert np.isnan(fn([0.0, 10.0], 30.0, 43.0, output_unit="%")[0])
    for fn in (free_estradiol, bioavailable_estradiol):
        with pytest.warns(labstats.LabstatsWarning, match=r"^1 row with estradiol 0"):
            assert np.isnan(fn([0.0, 100.0], 30.0, 43.0, output_unit="%")[0])
