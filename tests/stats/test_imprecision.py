"""propagate_imprecision against the GUM law of propagation and exact variances."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import labstats
from labstats.stats import propagate_imprecision


def _fai(total_testosterone, shbg):
    return 100 * total_testosterone / shbg


def test_delta_fai_cv_is_root_sum_of_squares():
    """GUM (JCGM 100:2008) eq. 10 with relative uncertainties (eq. 12): for FAI = 100 TT/SHBG,
    CV = sqrt(CV_TT^2 + CV_SHBG^2), whatever TT and SHBG are."""
    tt = np.array([1.0, 10.0, 25.0, 40.0])
    res = propagate_imprecision(_fai, {"total_testosterone": tt, "shbg": 30.0},
                                {"total_testosterone": 0.06, "shbg": 0.08})
    np.testing.assert_allclose(res["cv"], 0.10, rtol=1e-8)
    np.testing.assert_allclose(res["estimate"], 100 * tt / 30.0)
    np.testing.assert_allclose(res["share_total_testosterone"], 0.36, rtol=1e-6)
    np.testing.assert_allclose(res["share_shbg"], 0.64, rtol=1e-6)


@settings(max_examples=40, deadline=None)
@given(p=st.floats(-3, 3), q=st.floats(-3, 3), cvx=st.floats(0, 0.3), cvy=st.floats(0, 0.3),
       x=st.floats(0.1, 100), y=st.floats(0.1, 100))
def test_delta_product_of_powers_follows_gum_eq12(p, q, cvx, cvy, x, y):
    """GUM eq. 12: y = x1^p x2^q gives u(y)/|y| = sqrt((p u1/x1)^2 + (q u2/x2)^2)."""
    res = propagate_imprecision(lambda a, b: a ** p * b ** q, {"a": x, "b": y},
                                {"a": cvx, "b": cvy})
    expected = np.hypot(p * cvx, q * cvy)
    assert res["cv"].iloc[0] == pytest.approx(expected, rel=1e-5, abs=1e-9)


def test_delta_linear_function_is_exact():
    """Var(2a + 3b) = 4 Var(a) + 9 Var(b) exactly (variance of a linear combination)."""
    res = propagate_imprecision(lambda a, b: 2 * a + 3 * b, {"a": 10.0, "b": 20.0},
                                {"a": 0.1, "b": 0.05})
    assert res["sd"].iloc[0] == pytest.approx(np.sqrt(4 * 1.0 + 9 * 1.0), rel=1e-8)
    assert res["ci_high"].iloc[0] - res["estimate"].iloc[0] == pytest.approx(
        1.959964 * np.sqrt(13), rel=1e-6)


def test_monte_carlo_matches_exact_sd_of_a_sum():
    """Sum of independent normals: SD = sqrt(1^2 + 1^2); 20,000 draws, SE of an SD ~0.5 %."""
    res = propagate_imprecision(lambda a, b: 2 * a + 3 * b, {"a": 10.0, "b": 20.0},
                                {"a": 0.1, "b": 0.05}, method="monte_carlo", n_draws=20_000)
    assert res["sd"].iloc[0] == pytest.approx(np.sqrt(13), rel=0.02)
    assert res["method"].iloc[0] == "monte_carlo"


def test_monte_carlo_lognormal_product_matches_closed_form():
    """Independent log-normals with CVs c1, c2: CV of the product is
    sqrt((1 + c1^2)(1 + c2^2) - 1) (moments of the log-normal), not the first-order value."""
    c1, c2 = 0.3, 0.4
    res = propagate_imprecision(lambda a, b: a * b, {"a": 2.0, "b": 3.0}, {"a": c1, "b": c2},
                                method="monte_carlo", distribution="lognormal",
                                n_draws=200_000, seed=3)
    exact = np.sqrt((1 + c1**2) * (1 + c2**2) - 1)
    mean_draws = res["sd"].iloc[0] / exact  # sd of draws / exact CV = the mean, 6
    assert mean_draws == pytest.approx(6.0, rel=0.02)


def test_monte_carlo_agrees_with_delta_for_free_testosterone_at_small_cvs():
    """For small CVs the two methods must agree (GUM Supplement 1, 5.8: validation of the
    law of propagation by Monte Carlo)."""
    inputs = {"total_testosterone": [5.0, 15.0, 30.0], "shbg": [20.0, 40.0, 90.0],
              "albumin": 43.0}
    cvs = {"total_testosterone": 0.03, "shbg": 0.03, "albumin": 0.02}
    d = propagate_imprecision(labstats.free_testosterone, inputs, cvs)
    m = propagate_imprecision(labstats.free_testosterone, inputs, cvs, method="monte_carlo",
                              n_draws=20_000)
    np.testing.assert_allclose(m["cv"], d["cv"], rtol=0.03)
    assert (d["share_albumin"] < d["share_shbg"]).all()


def test_monte_carlo_is_reproducible_with_a_seed():
    f = functools.partial(labstats.free_testosterone, albumin=43.0)
    args = ({"total_testosterone": 15.0, "shbg": 40.0}, {"shbg": 0.05})
    a = propagate_imprecision(f, *args, method="monte_carlo", n_draws=500, seed=7)
    b = propagate_imprecision(f, *args, method="monte_carlo", n_draws=500, seed=7)
    pd.testing.assert_frame_equal(a, b)


def test_series_index_is_kept():
    tt = pd.Series([10.0, 20.0], index=["p1", "p2"])
    res = propagate_imprecision(_fai, {"total_testosterone": tt, "shbg": 40.0},
                                {"total_testosterone": 0.05})
    assert list(res.index) == ["p1", "p2"]
    np.testing.assert_allclose(res["cv"], 0.05, rtol=1e-8)


def test_unknown_cv_name_is_an_error():
    with pytest.raises(ValueError, match="cvs: 'sbhg' is not one of the inputs"):
        propagate_imprecision(_fai, {"total_testosterone": 1.0, "shbg": 2.0}, {"sbhg": 0.1})


def test_negative_cv_is_an_error():
    with pytest.raises(ValueError, match="fraction >= 0"):
        propagate_imprecision(_fai, {"total_testosterone": 1.0, "shbg": 2.0}, {"shbg": -0.1})


def test_unequal_lengths_are_an_error():
    with pytest.raises(ValueError, match="lengths differ"):
        propagate_imprecision(_fai, {"total_testosterone": [1.0, 2.0], "shbg": [1.0, 2, 3]},
                              {"shbg": 0.1})


def test_missing_input_gives_nan_row():
    res = propagate_imprecision(_fai, {"total_testosterone": [np.nan, 10.0], "shbg": 40.0},
                                {"total_testosterone": 0.05})
    assert np.isnan(res["sd"].iloc[0]) and res["cv"].iloc[1] == pytest.approx(0.05)
