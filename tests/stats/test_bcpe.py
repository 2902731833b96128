"""The BCPE distribution and LMSPTable: against the gamlss port, mpmath and Monte Carlo.

* tests/reference/gamlss_bcpe_dist_reference.csv.xz: dBCPE, pBCPE, qBCPE of the GPL Python
  port of gamlss 0.1.0 (a port of gamlss.dist 6.1-1; Rigby & Stasinopoulos 2004,
  doi:10.1002/sim.1861), written once by tests/reference/make_gamlss_bcpe_reference.py
  (a test-only oracle, never imported here).
* Far tails: 40-digit mpmath evaluation of the same definition.
* Expected information: numerical integration over u = |z/c|^tau / 2 ~ Gamma(1/tau, 1).
* The compiled incomplete gamma functions and their inverse (``_bcpe_jit``): scipy and
  40-digit mpmath; the gamlss grid through both the compiled and the scipy path.
"""

from __future__ import annotations

from pathlib import Path

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats
from scipy.special import ndtri

from labstats.stats import LMSPTable, LMSTable, _bcpe
from labstats.stats._bcpe_jit import gammainc, gammaincc, pe_inverse

REF = Path(__file__).resolve().parents[1] / "reference" / "gamlss_bcpe_dist_reference.csv.xz"


@pytest.fixture(scope="module")
def grid():
    return pd.read_csv(REF)


@pytest.mark.parametrize("numba", ["compiled", "scipy"])
def test_density_cdf_quantile_agree_with_gamlss_port(grid, numba, monkeypatch):
    """630 grid points: L -2..2 (0 included), S 0.05-0.6, tau 0.8-6, p 0.001-0.999; with
    the compiled incomplete gamma functions and with scipy's (LABSTATS_NO_NUMBA=1)."""
    monkeypatch.setenv("LABSTATS_NO_NUMBA", "1" if numba == "scipy" else "0")
    assert (_bcpe._jit() is None) == (numba == "scipy")
    args = [grid[c].to_numpy() for c in ("L", "M", "S", "tau")]
    y, p = grid["y"].to_numpy(), grid["p"].to_numpy()
    np.testing.assert_allclose(_bcpe.quantile(p, *args), y, rtol=1e-12)
    np.testing.assert_allclose(_bcpe.logpdf(y, *args), grid["logpdf"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(_bcpe.cdf(y, *args), grid["cdf"], rtol=0, atol=1e-14)
    # the normal-score route of the table gives the same quantiles
    np.testing.assert_allclose(_bcpe.value(ndtri(p), *args), y, rtol=1e-12)


def _mp_pe_cdf(t, tau):
    t, tau = mp.mpf(t), mp.mpf(tau)
    c = mp.sqrt(2 ** (-2 / tau) * mp.gamma(1 / tau) / mp.gamma(3 / tau))
    q = mp.gammainc(1 / tau, abs(t / c) ** tau / 2, mp.inf, regularized=True) / 2
    return q if t < 0 else 1 - q


@pytest.mark.parametrize("L,S,tau", [(0.5, 0.25, 2.0), (-0.3, 0.1, 1.2), (2.0, 0.1, 4.0),
                                     (1e-9, 0.4, 1.5), (0.0, 0.2, 0.9)])
@pytest.mark.parametrize("z", [-9.0, -5.0, 5.0, 9.0])
def test_far_tails_against_mpmath(L, S, tau, z):
    """value_at(z) where Phi(z) is 1e-19: the exact (40-digit) normal score of the value
    returned is z to 1e-9, and zscore agrees (tails from Q, not from 1 - P)."""
    mp.mp.dps = 40
    M = 10.0
    got = float(_bcpe.value(z, L, M, S, tau))
    Lm, Sm = mp.mpf(L), mp.mpf(S)
    zbc = mp.log(mp.mpf(got) / M) / Sm if L == 0 else ((mp.mpf(got) / M) ** Lm - 1) / (Lm * Sm)
    a = 1 / (Sm * abs(Lm)) if L != 0 else mp.inf
    inside = _mp_pe_cdf(a, tau) if L != 0 else mp.mpf(1)
    if z < 0:
        F = (_mp_pe_cdf(zbc, tau) - ((1 - inside) if L > 0 else 0)) / inside
        exact = mp.sqrt(2) * mp.erfinv(2 * F - 1)
    else:
        Q = (1 - _mp_pe_cdf(zbc, tau) - ((1 - inside) if L < 0 else 0)) / inside
        exact = -mp.sqrt(2) * mp.erfinv(2 * Q - 1)
    assert abs(float(exact) - z) < 1e-9
    assert abs(_bcpe.zscore(got, L, M, S, tau) - float(exact)) < 1e-9


@pytest.mark.parametrize("tau", [0.8, 1.0, 1.5, 2.0, 3.0, 6.0])
def test_information_constants_by_integration(tau):
    """The expected-information constants of _bcpe.info_constants (derived for this
    module) against numerical integration over u ~ Gamma(1/tau, 1)."""
    k = 1.0 / tau
    C = _bcpe.info_constants(tau)
    gam = stats.gamma(k)

    def E(f):
        return integrate.quad(lambda u: f(u) * gam.pdf(u), 0, np.inf, limit=200)[0]

    X = lambda u: u * (C["A"] - np.log(u))  # noqa: E731
    assert E(X) == pytest.approx(C["mean_x"], rel=1e-7)
    assert E(lambda u: (X(u) - C["mean_x"]) ** 2) == pytest.approx(C["tt"], rel=1e-7)
    assert tau * E(lambda u: (u - k) * X(u)) == pytest.approx(C["st"], rel=1e-6, abs=1e-10)
    # E psi(z)^2 = (tau/2c)^2 E|t|^(2 tau - 2), |t| = (2u)^(1/tau)
    c2 = np.exp(2 * _bcpe.log_c(tau))
    if tau > 1:
        got = tau ** 2 / (4 * c2) * E(lambda u: (2 * u) ** (2 - 2 * k))
        assert got == pytest.approx(C["mm"], rel=1e-7)
    # I(L, log tau) / (L S^2) = E[X z^2 (tau u / 6 - 1/2)], z^2 = c^2 (2u)^(2/tau)
    got = E(lambda u: X(u) * c2 * (2 * u) ** (2 * k) * (tau * u / 6 - 0.5))
    assert got == pytest.approx(C["lt"], rel=1e-6)
    if tau == 2.0:  # the normal: I_sigma = 2, I_mu mu^2 sigma^2 = 1 (Cole & Green)
        assert C["mm"] == pytest.approx(1.0) and C["st"] == pytest.approx(0.0, abs=1e-12)


def test_lmsp_table_scores_by_sex_series_and_outside():
    t = LMSPTable(age=[20, 80, 20, 80], L=[0.3, 0.1, 0.2, 0.2], M=[18.0, 12.0, 1.2, 1.0],
                  S=[0.3, 0.4, 0.5, 0.5], tau=[1.5, 2.5, 1.8, 1.8],
                  sex=["M", "M", "F", "F"], age_unit="years")
    assert t.family == "bcpe" and isinstance(t, LMSTable)
    assert repr(t).startswith("LMSPTable(4 reference rows") and "family='bcpe'" in repr(t)
    p = t.parameters([50.0], "male")
    assert p.columns.tolist() == ["L", "M", "S", "tau"]
    assert p["tau"].iloc[0] == pytest.approx(2.0)
    idx = pd.Index([10, 11, 12])
    v = pd.Series([15.0, 0.9, np.nan], index=idx)
    age = pd.Series([50.0, 50.0, 50.0], index=idx)
    sex = pd.Series(["male", "female", "male"], index=idx)
    z = t.zscore(v, age, sex)
    assert isinstance(z, pd.Series) and z.index.equals(idx) and np.isnan(z.iloc[2])
    want = _bcpe.zscore(15.0, 0.2, 15.0, 0.35, 2.0)
    assert z.iloc[0] == pytest.approx(want, abs=1e-12)
    c = t.centile(v, age, sex)
    assert c.iloc[1] == pytest.approx(100 * _bcpe.cdf(0.9, 0.2, 1.1, 0.5, 1.8), rel=1e-12)
    # value_at inverts zscore; centiles() draws the curves
    assert t.zscore(t.value_at(1.5, 30.0, "F"), 30.0, "F") == pytest.approx(1.5, abs=1e-9)
    cur = t.centiles([30.0, 60.0], "male", centiles=(3, 50, 97))
    assert (cur["P3"] < cur["P50"]).all() and (cur["P50"] < cur["P97"]).all()
    # modified z: 0 at the median, +-2 at the values at z = +-2
    med = t.value_at(0.0, 40.0, "M")
    assert t.modified_zscore(med, 40.0, "M") == pytest.approx(0.0, abs=1e-12)
    assert t.modified_zscore(t.value_at(2.0, 40.0, "M"), 40.0, "M") == pytest.approx(2.0)
    assert t.modified_zscore(t.value_at(-2.0, 40.0, "M"), 40.0, "M") == pytest.approx(-2.0)
    frame = t.to_frame()
    assert frame.columns.tolist() == ["sex", "age", "L", "M", "S", "tau"]
    assert frame["tau"].tolist() == [1.5, 2.5, 1.8, 1.8]
    with pytest.warns(UserWarning, match="outside the table"):
        assert np.isnan(t.zscore(15.0, 90.0, "M"))
    with pytest.raises(ValueError, match="value"):
        t.zscore(-1.0, 50.0, "M")


def test_lmsp_table_rejects_bad_tau():
    with pytest.raises(ValueError, match="tau: must be finite and > 0; row 1"):
        LMSPTable([0, 1], [0, 0], [1, 1], [0.1, 0.1], [2.0, -1.0])
    with pytest.raises(ValueError, match="tau: 1 values for 2 ages"):
        LMSPTable([0, 1], [0, 0], [1, 1], [0.1, 0.1], [2.0])


def test_heavier_tails_put_the_extreme_centiles_further_out():
    """Same L, M, S: tau < 2 widens P0.1/P99.9 and narrows P25/P75 (unit variance)."""
    args = ([0, 10], [0.0, 0.0], [10.0, 10.0], [0.2, 0.2])
    heavy, normal = LMSPTable(*args, [1.2, 1.2]), LMSPTable(*args, [2.0, 2.0])
    z = np.array([-3.09, -0.674, 0.674, 3.09])
    h, n = heavy.value_at(z, 5.0), normal.value_at(z, 5.0)
    assert h[0] < n[0] and h[3] > n[3]  # tails
    assert h[1] > n[1] and h[2] < n[2]  # shoulders


def _random_gamma_args(n, seed):
    """Shapes a = 1/tau for tau 0.3-10, and x from 1e-13 to 700 (tails down to 1e-300)."""
    rng = np.random.default_rng(seed)
    return 1.0 / rng.uniform(0.3, 10.0, n), np.exp(rng.uniform(-30.0, 6.55, n))


def test_compiled_incomplete_gamma_against_scipy_and_mpmath():
    a, x = _random_gamma_args(20000, 1)
    for ours, ref in ((gammainc, special.gammainc), (gammaincc, special.gammaincc)):
        got, want = ours(a, x), ref(a, x)
        ok = want > 1e-300
        # 1e-13 beyond x ~ 300: the rounding of a log x - x (scipy's error is the same size)
        np.testing.assert_allclose(got[ok], want[ok], rtol=2e-13)
    assert gammaincc(0.5, 0.0) == 1.0 and gammaincc(0.5, np.inf) == 0.0
    assert gammaincc(0.2, 1e190) == 0.0 and gammainc(0.2, 1e190) == 1.0  # no overflow
    assert np.isnan(gammaincc(-1.0, 1.0)) and np.isnan(gammainc(0.5, np.nan))
    mp.mp.dps = 40
    for i in range(0, 20000, 500):
        exact = mp.gammainc(mp.mpf(a[i]), mp.mpf(x[i]), mp.inf, regularized=True)
        assert gammaincc(a[i], x[i]) == pytest.approx(float(exact), rel=2e-13, abs=0)
        assert gammainc(a[i], x[i]) == pytest.approx(float(1 - exact), rel=2e-13, abs=0)


def test_compiled_quantile_against_scipy_and_mpmath():
    """pe_inverse: the upper tail (m < 1/4) against gammainccinv, the middle against
    gammaincinv, to 1e-12 (tails from 1e-300; w = |p - q| down to 1e-25 near the median)."""
    rng = np.random.default_rng(2)
    a = 1.0 / rng.uniform(0.3, 10.0, 20000)
    m = np.exp(rng.uniform(np.log(1e-300), np.log(0.25), 20000))
    np.testing.assert_allclose(pe_inverse(a, m, 1 - 2 * m), special.gammainccinv(a, 2 * m),
                               rtol=1e-12)
    w = np.exp(rng.uniform(np.log(1e-25), np.log(0.5), 20000))
    np.testing.assert_allclose(pe_inverse(a, (1 - w) / 2, w), special.gammaincinv(a, w),
                               rtol=1e-12)
    assert pe_inverse(0.5, 0.5, 0.0) == 0.0 and pe_inverse(0.5, 0.0, 1.0) == np.inf
    assert np.isnan(pe_inverse(0.5, 0.6, 0.0)) and np.isnan(pe_inverse(-1.0, 0.1, 0.8))
    mp.mp.dps = 40
    for a_, m_ in [(0.1, 1e-300), (2 / 3, 1e-200), (1.25, 1e-30), (0.5, 0.2), (3.0, 1e-9)]:
        s = pe_inverse(a_, m_, 1 - 2 * m_)
        exact = mp.gammainc(mp.mpf(a_), mp.mpf(s), mp.inf, regularized=True)
        assert float(exact / (2 * mp.mpf(m_))) == pytest.approx(1.0, abs=1e-13)


def test_quantile_falls_back_to_scipy_where_the_iteration_fails(monkeypatch):
    """A value the compiled inverse returns as NaN is computed by scipy (the same number)."""
    jit = _bcpe._jit()

    class Failing:
        gammaincc = staticmethod(jit.gammaincc)

        @staticmethod
        def pe_inverse(a, m, w):
            return np.full(np.broadcast(a, m, w).shape, np.nan)

    p = np.array([1e-200, 0.01, 0.3, 0.5, 0.7, 0.99])
    want = _bcpe.quantile(p, 0.5, 10.0, 0.2, 1.5)
    monkeypatch.setattr(_bcpe, "_jit", lambda: Failing)
    np.testing.assert_allclose(_bcpe.quantile(p, 0.5, 10.0, 0.2, 1.5), want, rtol=1e-12)
