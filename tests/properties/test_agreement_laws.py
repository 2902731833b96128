"""Laws of the method-comparison and reference-interval estimators (hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labstats.stats import (
    bland_altman,
    concordance,
    deming,
    passing_bablok,
    reference_interval,
)

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(8, 40)


def _data(seed, n):
    rng = np.random.default_rng(seed)
    truth = rng.uniform(5, 100, n)
    return truth + rng.normal(0, 2, n), 1.5 + 1.1 * truth + rng.normal(0, 2, n)


def _est(res, stat, col="estimate"):
    return float(res.loc[res.statistic == stat, col].iloc[0])


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=sizes)
def test_passing_bablok_swap_inverts_slope(seed, n):
    x, y = _data(seed, n)
    b_xy, b_yx = passing_bablok(x, y), passing_bablok(y, x)
    assert _est(b_yx, "slope") == pytest.approx(1 / _est(b_xy, "slope"), rel=1e-9)
    assert _est(b_yx, "slope", "ci_low") == pytest.approx(1 / _est(b_xy, "slope", "ci_high"),
                                                          rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=sizes)
def test_deming_tends_to_ols_as_error_ratio_grows(seed, n):
    x, y = _data(seed, n)
    ols = np.polyfit(x, y, 1)[0]
    assert _est(deming(x, y, error_ratio=1e9), "slope") == pytest.approx(ols, rel=1e-6)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=sizes, lam=st.floats(0.1, 10))
def test_deming_swap_with_reciprocal_ratio_inverts_slope(seed, n, lam):
    x, y = _data(seed, n)
    s_xy = _est(deming(x, y, error_ratio=lam), "slope")
    assert _est(deming(y, x, error_ratio=1 / lam), "slope") == pytest.approx(1 / s_xy, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=sizes)
def test_bland_altman_swap_negates_bias_and_mirrors_limits(seed, n):
    x, y = _data(seed, n)
    a, b = bland_altman(x, y), bland_altman(y, x)
    assert _est(b, "bias") == pytest.approx(-_est(a, "bias"), abs=1e-9)
    assert _est(b, "loa_upper") == pytest.approx(-_est(a, "loa_lower"), abs=1e-9)
    assert _est(b, "loa_upper", "ci_high") == pytest.approx(-_est(a, "loa_lower", "ci_low"),
                                                            abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=sizes)
def test_concordance_is_symmetric_and_at_most_pearson(seed, n):
    x, y = _data(seed, n)
    a, b = concordance(x, y), concordance(y, x)
    assert _est(a, "ccc") == pytest.approx(_est(b, "ccc"), rel=1e-12)
    assert abs(_est(a, "ccc")) <= abs(_est(a, "pearson_r")) + 1e-12


@settings(max_examples=30, deadline=None)
@given(seed=seeds, scale=st.floats(0.1, 10), shift=st.floats(-50, 50))
def test_nonparametric_interval_is_affine_equivariant(seed, scale, shift):
    x = np.random.default_rng(seed).normal(10, 3, 150)
    a = reference_interval(x)
    b = reference_interval(scale * x + shift)
    for col in ("estimate", "ci_low", "ci_high"):
        np.testing.assert_allclose(b[col], scale * a[col] + shift, rtol=1e-9, atol=1e-9)


# ---- issue 10: bad input is refused wherever it sits, never turned into a number ------------
@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=sizes, pos=st.integers(0, 10**6), sign=st.sampled_from([1, -1]),
       which=st.sampled_from(["x", "y"]),
       fn=st.sampled_from([bland_altman, concordance, deming, passing_bablok]))
def test_an_infinite_value_anywhere_is_refused_naming_its_position(seed, n, pos, sign, which, fn):
    x, y = _data(seed, n)
    k = pos % n
    (x if which == "x" else y)[k] = sign * np.inf
    with pytest.raises(ValueError, match=rf"{which}: 1 infinite value; the first is "
                                         rf"-?inf at index {k}\b"):
        fn(x, y)


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=sizes, c=st.floats(-1e6, 1e6, allow_nan=False),
       which=st.sampled_from(["x", "y"]), fn=st.sampled_from([concordance, deming, passing_bablok]))
def test_a_constant_method_is_refused(seed, n, c, which, fn):
    x, y = _data(seed, n)
    if which == "x":
        x = np.full(n, c)
    else:
        y = np.full(n, c)
    with pytest.raises(ValueError, match=rf"{which}: all {n} values equal"):
        fn(x, y)


@settings(max_examples=30, deadline=None)
@given(seed=seeds, pos=st.integers(0, 10**6))
def test_reference_interval_refuses_inf_and_counts_nan(seed, pos):
    x = np.random.default_rng(seed).lognormal(3, 0.3, 150)
    k = pos % x.size
    res = reference_interval(np.r_[x, np.nan])
    assert (res["n"] == 150).all() and (res["n_excluded"] == 1).all()
    x[k] = np.inf
    with pytest.raises(ValueError, match=rf"values: 1 infinite value; the first is inf at "
                                         rf"index {k}\b"):
        reference_interval(x)
