"""Tests for labstats.formulas._common (the block-wise check/convert/compute engine) on
inputs longer than one block, where checks run per block instead of up front."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats.formulas import egfr, homa_ir, ldl_cholesterol
from labstats.formulas._common import BLOCK

N = 3 * BLOCK + 17


def _long(value, bad_at=None, bad=None):
    x = np.full(N, value)
    if bad_at is not None:
        x[bad_at] = bad
    return x


def test_long_input_equals_elementwise_scalar_results():
    rng = np.random.default_rng(1)
    tc, hdl, tg = rng.uniform(3, 8, N), rng.uniform(0.8, 2.0, N), rng.uniform(0.5, 4.0, N)
    got = ldl_cholesterol(tc, hdl, tg, method="martin_hopkins")
    idx = rng.integers(0, N, 20)
    expect = [ldl_cholesterol(tc[i], hdl[i], tg[i], method="martin_hopkins") for i in idx]
    np.testing.assert_allclose(got[idx], expect, rtol=1e-15)


def test_bad_value_in_a_late_block_gives_the_same_message_and_index():
    s = pd.Series(_long(5.0, N - 3, 90.0), index=[f"r{i}" for i in range(N)])
    with pytest.raises(ValueError, match=rf"glucose: 90\.0 at index 'r{N - 3}' is implausible for "
                                         r'mmol/L.*glucose_unit="mg/dL"'):
        homa_ir(s, pd.Series(60.0, index=s.index))


def test_negative_in_a_late_block_raises_even_when_plausibility_is_ignored():
    with labstats.plausibility("ignore"), pytest.raises(ValueError, match=r"1 negative value"):
        homa_ir(_long(5.0, 2 * BLOCK + 1, -1.0), 60.0)


def test_warn_mode_warns_once_and_computes():
    with labstats.plausibility("warn"), pytest.warns(labstats.LabstatsWarning,
                                                     match=rf"90\.0 at index {BLOCK}"):
        out = homa_ir(_long(5.0, BLOCK, 90.0), 60.0)
    assert out[BLOCK] == pytest.approx(90.0 * 10.0 / 22.5)


def test_long_numeric_sex_codes_are_checked_per_block():
    sex = _long(2.0, N - 1, 3.0)
    with pytest.raises(ValueError, match=r"sex: 1 value not a recognised sex; the first is 3\.0 "
                                         rf"at index {N - 1}"):
        egfr(creatinine=_long(80.0), age=50.0, sex=sex)
    sex[N - 1] = 1.5
    with pytest.raises(ValueError, match=r"the first is 1\.5"):
        egfr(creatinine=_long(80.0), age=50.0, sex=sex)


def test_long_numeric_sex_codes_and_missing():
    sex = np.tile([1.0, 2.0, np.nan], N // 3 + 1)[:N]
    got = egfr(creatinine=_long(80.0), age=50.0, sex=sex)
    assert np.isnan(got[2::3]).all() and not np.isnan(got[0::3]).any()
    assert got[0] == egfr(creatinine=80.0, age=50.0, sex="M")
    assert got[1] == egfr(creatinine=80.0, age=50.0, sex="F")


def test_validity_warning_counts_rows_across_blocks():
    tg = _long(1.0)
    tg[[5, BLOCK + 5, 2 * BLOCK + 5]] = 5.0  # > 4.52 mmol/L (400 mg/dL)
    with pytest.warns(labstats.LabstatsWarning, match=r"^3 rows with triglycerides above 400"):
        got = ldl_cholesterol(_long(5.0), _long(1.2), tg)
    assert int(np.isnan(got).sum()) == 3


def test_long_categorical_sex_is_decoded_per_block():
    sex = pd.Series(np.tile(["F", "M", None], N // 3 + 1)[:N], dtype="category")
    got = egfr(creatinine=_long(80.0), age=50.0, sex=sex)
    assert np.isnan(got[2::3]).all()
    assert got[0] == egfr(creatinine=80.0, age=50.0, sex="F")
    assert got[1] == egfr(creatinine=80.0, age=50.0, sex="M")
    bad = pd.Series(np.tile(["F", "M", "U"], N // 3 + 1)[:N], dtype="category")
    with pytest.raises(ValueError, match=r"sex: .* the first is 'U' at index 2"):
        egfr(creatinine=_long(80.0), age=50.0, sex=bad)


@pytest.mark.parametrize(("func", "kwargs"), [
    (ldl_cholesterol, dict(method="friedewald")),
    (ldl_cholesterol, dict(method="martin_hopkins")),
    (ldl_cholesterol, dict(method="martin_hopkins_extended")),
    (ldl_cholesterol, dict(method="sampson")),
    (ldl_cholesterol, dict(method="friedewald", friedewald_mmol_divisor=2.2,
                           output_unit="mg/dL")),
    (egfr, dict(method="ckd_epi_2021")),
    (egfr, dict(method="ckd_epi_2012_cystatin")),
    (egfr, dict(method="ckd_epi_2021_creatinine_cystatin")),
])
def test_compiled_loops_equal_the_numpy_code(func, kwargs, monkeypatch):
    """With numba (the default when installed) and without (LABSTATS_NO_NUMBA=1) the
    results agree to rounding, NaN and warnings included."""
    pytest.importorskip("numba")
    rng = np.random.default_rng(2)
    if func is ldl_cholesterol:
        tg = rng.lognormal(np.log(1.5), 0.8, N).clip(0.06, 11.0)  # some above 4.52 and 9.03
        tc, hdl = rng.uniform(3, 9, N), rng.uniform(0.5, 2.5, N)
        tc[7] = np.nan
        args, kw = (tc, hdl, tg), kwargs
    else:
        args = ()
        kw = dict(age=rng.uniform(10, 95, N), sex=rng.integers(1, 3, N).astype(float),
                  method=kwargs["method"])
        kw["sex"][11] = np.nan
        if kwargs["method"] != "ckd_epi_2012_cystatin":
            kw["creatinine"] = rng.lognormal(np.log(90), 0.5, N)
        if kwargs["method"] != "ckd_epi_2021":
            kw["cystatin_c"] = rng.lognormal(np.log(1.0), 0.4, N)
    with pytest.warns(labstats.LabstatsWarning) as compiled_warnings:
        fast = func(*args, **kw)
    monkeypatch.setenv("LABSTATS_NO_NUMBA", "1")
    with pytest.warns(labstats.LabstatsWarning) as numpy_warnings:
        slow = func(*args, **kw)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(slow))
    assert [str(w.message) for w in compiled_warnings] == [str(w.message) for w in
                                                           numpy_warnings]


@pytest.mark.parametrize("method", ["ckd_epi_2021", "ckd_epi_2021_creatinine_cystatin"])
def test_negative_creatinine_in_a_long_column_is_reported(method):
    scr = _long(80.0, N - 2, -3.0)
    kw = dict(cystatin_c=_long(1.0)) if "cystatin" in method else {}
    with pytest.raises(ValueError, match=rf"creatinine: 1 negative value; the first is -3\.0 "
                                         rf"at index {N - 2}"):
        egfr(creatinine=scr, age=50.0, sex="F", method=method, **kw)
