"""Laws of the BCPE distribution (Rigby & Stasinopoulos 2004) as labstats computes it.

* F(Q(p)) = p and Q(F(y)) = y: the quantile inverts the CDF (both tails);
* F increases with the value, and the density is its derivative;
* the compiled inverse of the incomplete gamma function inverts scipy's P and Q (both
  tails, down to 1e-300);
* tau = 2 is the BCCG (the power exponential of shape 2 is the normal): the same CDF,
  quantile and density as ``_lms.bccg_*``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special
from scipy.special import ndtri

from labstats.stats import LMSPTable, LMSTable, _bcpe, _lms

L_ = st.floats(-3.0, 3.0)
S_ = st.floats(0.02, 0.8)
TAU = st.floats(0.7, 8.0)
P = st.floats(1e-9, 1.0 - 1e-9)
#: L for comparisons with the BCCG code, whose literal Box-Cox loses digits for tiny |L|
L_CMP = st.one_of(st.just(0.0), st.floats(0.01, 3.0), st.floats(-3.0, -0.01))


@settings(max_examples=200, deadline=None)
@given(L=L_, S=S_, tau=TAU, p=P)
def test_cdf_of_quantile_is_p(L, S, tau, p):
    y = _bcpe.quantile(p, L, 10.0, S, tau)
    F, Q = _bcpe.cdf_sf(y, L, 10.0, S, tau)
    assert abs(F - p) <= 1e-12 + 1e-9 * p
    assert abs(Q - (1.0 - p)) <= 1e-12 + 1e-9 * (1.0 - p)


@settings(max_examples=300, deadline=None)
@given(tau=st.floats(0.3, 10.0), log_m=st.floats(np.log(1e-300), np.log(0.5)))
def test_compiled_gamma_inverse_inverts_scipys_tails(tau, log_m):
    """Q(a, s) = 2 m (m < 1/4) or P(a, s) = 1 - 2 m, by scipy, at s = pe_inverse(a, m, 1 - 2m),
    to 1e-12 times the conditioning |d log F / d log s| (about s in the far tail)."""
    from labstats.stats._bcpe_jit import pe_inverse

    a, m = 1.0 / tau, float(np.exp(log_m))
    s = float(pe_inverse(a, m, 1.0 - 2.0 * m))
    tol = 1e-12 * max(1.0, s)
    if m < 0.25:
        assert abs(special.gammaincc(a, s) / (2.0 * m) - 1.0) <= tol
    elif m == 0.5:
        assert s == 0.0  # the median
    else:
        assert abs(special.gammainc(a, s) / (1.0 - 2.0 * m) - 1.0) <= tol


@settings(max_examples=200, deadline=None)
@given(L=L_, S=S_, tau=TAU, z=st.floats(-6.0, 6.0))
def test_value_of_zscore_roundtrip(L, S, tau, z):
    """value_at(z) then zscore gives z back (normal scores, both tails)."""
    y = _bcpe.value(z, L, 10.0, S, tau)
    assert abs(float(_bcpe.zscore(y, L, 10.0, S, tau)) - z) < 1e-7


@settings(max_examples=100, deadline=None)
@given(L=L_, S=S_, tau=TAU, p=st.lists(P, min_size=2, max_size=30, unique=True))
def test_cdf_and_quantile_are_monotone(L, S, tau, p):
    p = np.sort(np.asarray(p))
    y = _bcpe.quantile(p, L, 10.0, S, tau)
    assert np.all(np.diff(y) >= 0)
    assert np.all(np.diff(_bcpe.cdf(y, L, 10.0, S, tau)) >= 0)


@settings(max_examples=100, deadline=None)
@given(L=L_, S=S_, tau=TAU, p=st.one_of(st.floats(0.01, 0.45), st.floats(0.55, 0.99)))
def test_density_is_the_derivative_of_the_cdf(L, S, tau, p):
    """(Away from the median, where the density of tau < 2 has a cusp.)"""
    y = float(_bcpe.quantile(p, L, 10.0, S, tau))
    h = 1e-5 * y
    slope = (_bcpe.cdf(y + h, L, 10.0, S, tau) - _bcpe.cdf(y - h, L, 10.0, S, tau)) / (2 * h)
    dens = np.exp(_bcpe.logpdf(y, L, 10.0, S, tau))
    assert abs(slope - dens) <= 1e-5 * dens + 1e-9


@settings(max_examples=200, deadline=None)
@given(L=L_CMP, S=S_, p=st.floats(1e-4, 0.999))
def test_tau_two_is_bccg(L, S, p):
    """(1e-4 <= p <= 0.999: ``_lms.bccg_value`` takes 1 - p and 1 - (1 - p) Phi(a), which
    lose digits further out, and ((y/M)^L - 1)/(L S) for 0 < |L| < 0.01;
    tests/stats/test_bcpe.py checks BCPE there with mpmath.)"""
    L, S = np.float64(L), np.float64(S)
    z = ndtri(p)
    y = _lms.bccg_value(z, L, 10.0, S)
    if 1.0 + L * S * z > 0.01:  # nearer y = 0 the quantile is ill-conditioned for both
        np.testing.assert_allclose(_bcpe.value(z, L, 10.0, S, 2.0), y, rtol=1e-11)
    np.testing.assert_allclose(_bcpe.cdf(y, L, 10.0, S, 2.0), _lms.bccg_cdf(y, L, 10.0, S),
                               rtol=1e-10, atol=1e-15)


@settings(max_examples=50, deadline=None)
@given(L=st.lists(L_CMP, min_size=2, max_size=2), S=st.lists(S_, min_size=2, max_size=2),
       v=st.floats(5.0, 20.0))
def test_lmsp_table_with_tau_two_scores_as_the_bccg_table(L, S, v):
    """LMSPTable(tau = 2) equals LMSTable(family="bccg") on z, centile and value_at."""
    args = ([0.0, 10.0], L, [10.0, 12.0], S)
    a = LMSPTable(*args, [2.0, 2.0], age_unit="years")
    b = LMSTable(*args, family="bccg", age_unit="years")
    np.testing.assert_allclose(a.centile(v, 4.0), b.centile(v, 4.0), rtol=1e-9, atol=1e-12)
    za, zb = a.zscore(v, 4.0), b.zscore(v, 4.0)
    if abs(zb) < 7:
        assert abs(za - zb) < 1e-7
    np.testing.assert_allclose(a.value_at(1.3, 4.0), b.value_at(1.3, 4.0), rtol=1e-11)
