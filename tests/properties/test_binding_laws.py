"""Physical laws of the binding models (hypothesis).

Mass balance, ordering of fractions, monotonicity in each input, unit round trips.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labstats.formulas import (
    bioavailable_testosterone,
    free_estradiol,
    free_testosterone,
    testosterone_fractions,
)
from labstats.units import ANALYTES, convert

METHODS = ["vermeulen1999", "sodergard1982", "emadi_konjin2003", "ross2005"]
tt_ = st.floats(min_value=0.01, max_value=95.0)  # + more_ stays plausible (<= 150)
shbg_ = st.floats(min_value=0.0, max_value=900.0)
alb_ = st.floats(min_value=10.0, max_value=70.0)
method_ = st.sampled_from(METHODS)
more_ = st.floats(min_value=0.01, max_value=50.0)


@settings(max_examples=200, deadline=None)
@given(tt=tt_, shbg=shbg_, alb=alb_, method=method_)
def test_mass_balance_closes(tt, shbg, alb, method):
    fr = testosterone_fractions([tt], [shbg], [alb], method=method).iloc[0]
    # free + albumin-bound + SHBG-bound = total, with SHBG-bound from the binding law itself
    from labstats.formulas.androgens import BINDING_MODELS
    m = BINDING_MODELS[method]
    k_s = m.k_shbg * 1e-9
    shbg_bound = shbg * k_s * fr.free / (1 + k_s * fr.free)
    assert fr.free + fr.albumin_bound + shbg_bound == pytest.approx(tt, rel=1e-9)


@settings(max_examples=300, deadline=None)
@given(tt=tt_, shbg=st.floats(min_value=0.5, max_value=900.0), alb=alb_, method=method_)
def test_free_below_bioavailable_below_total(tt, shbg, alb, method):
    ft = free_testosterone(tt, shbg, alb, method=method)
    bat = bioavailable_testosterone(tt, shbg, alb, method=method)
    assert 0 < ft < bat < tt


@settings(max_examples=200, deadline=None)
@given(tt=tt_, shbg=shbg_, alb=alb_, more=more_, method=method_)
def test_free_rises_with_total(tt, shbg, alb, more, method):
    assert free_testosterone(tt + more, shbg, alb, method=method) > free_testosterone(
        tt, shbg, alb, method=method)


@settings(max_examples=200, deadline=None)
@given(tt=tt_, shbg=shbg_, alb=alb_, more=more_, method=method_)
def test_free_falls_with_shbg(tt, shbg, alb, more, method):
    assert free_testosterone(tt, shbg + more, alb, method=method) < free_testosterone(
        tt, shbg, alb, method=method)


@settings(max_examples=200, deadline=None)
@given(tt=tt_, shbg=shbg_, alb=st.floats(min_value=10.0, max_value=60.0),
       more=st.floats(min_value=0.1, max_value=10.0), method=method_)
def test_free_falls_with_albumin(tt, shbg, alb, more, method):
    assert free_testosterone(tt, shbg, alb + more, method=method) < free_testosterone(
        tt, shbg, alb, method=method)


@settings(max_examples=200, deadline=None)
@given(e2=st.floats(min_value=1.0, max_value=150_000.0), tt=st.floats(0.1, 60.0),
       shbg=st.floats(1.0, 900.0), alb=alb_, comp=st.sampled_from(["one_way", "mutual"]))
def test_free_estradiol_between_zero_and_total_and_lowered_by_less_competition(
        e2, tt, shbg, alb, comp):
    fe = free_estradiol(e2, shbg, alb, total_testosterone=tt, competition=comp)
    alone = free_estradiol(e2, shbg, alb)
    assert 0 < alone <= fe < e2  # T takes SHBG sites, so E2 is freer with T present


# Subnormal numbers (< 2.2e-308) cannot round-trip exactly through any multiplication.
_values = st.lists(st.just(0.0) | st.floats(min_value=1e-300, max_value=1e4), min_size=1,
                   max_size=20)


@settings(max_examples=200, deadline=None)
@given(values=_values, analyte=st.sampled_from(sorted(ANALYTES)), data=st.data())
def test_unit_round_trip_is_exact(values, analyte, data):
    a = ANALYTES[analyte]
    u = data.draw(st.sampled_from(a.units))
    x = np.asarray(values)
    back = convert(convert(x, analyte, a.canonical_unit, u), analyte, u, a.canonical_unit)
    np.testing.assert_allclose(back, x, rtol=1e-12, atol=0)


_bad_constant = st.one_of(st.floats(max_value=0.0), st.just(float("nan")),
                          st.just(float("inf")), st.just(-float("inf")))


@settings(max_examples=100, deadline=None)
@given(value=_bad_constant, which=st.sampled_from(["k_shbg", "k_albumin"]),
       func=st.sampled_from([free_testosterone, bioavailable_testosterone, free_estradiol]))
def test_a_non_positive_or_non_finite_constant_is_always_refused(value, which, func):
    # Never ignored, never a number: the error names the keyword and the value.
    with pytest.raises(ValueError, match=rf"^{which}=\S+ is not valid: it must be a number > 0"):
        func(20.0, 40.0, **{which: value})


@settings(max_examples=100, deadline=None)
@given(k=st.floats(min_value=1e6, max_value=1e11), tt=tt_, shbg=shbg_,
       func=st.sampled_from([free_testosterone, free_estradiol]))
def test_any_positive_constant_gives_a_free_fraction_between_0_and_total(k, tt, shbg, func):
    got = func(tt, shbg, k_shbg=k)
    assert 0.0 <= got <= tt  # free <= total (estradiol: both in pmol/L)
