"""The Box-Cox t (BCT) distribution, LMSPTable(family="bct") and fit_lms(family="bct").

* tests/reference/gamlss_bct_dist_reference.csv.xz: dBCT, pBCT, qBCT of the GPL Python port
  of gamlss 0.1.0 (a port of gamlss.dist 6.1-1; Rigby & Stasinopoulos 2006, Stat. Model.
  6:209-229), and gamlss_bct_fit_reference.csv.xz: BCTo fitted by maximum likelihood on a
  fixed B-spline basis; both written once by tests/reference/make_gamlss_bct_reference.py
  (a test-only oracle, never imported here).
* Far tails: 40-digit mpmath integration of the t density.
* Expected information: Monte Carlo (the Beta-moment formulas of ``_bct.StudentT.info``).
* Known truth: data simulated as BCT from the CDC 2000 BMI-for-age L, M, S of boys
  (Kuczmarski et al. 2002; shipped with labstats) with tau = 6: errors of L, M, S, tau and
  P3/P50/P97 fall as n grows 2,000 -> 8,000 -> 32,000 (with BCPE's, in
  tests/stats/test_bcpe_fit.py::test_recovers_known_bcpe_curves_as_n_grows).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtri

from labstats.stats import LMSPTable, _bcpe, _lms, fit_lms
from labstats.stats._bct import STUDENT_T as T
from labstats.stats._lms_fit import fit_one
from tests.stats.test_bcpe_fit import simulate_cdc_bmi_bcpe

HERE = Path(__file__).resolve().parents[1] / "reference"
DIST = HERE / "gamlss_bct_dist_reference.csv.xz"
FIT = HERE / "gamlss_bct_fit_reference.csv.xz"
GRID = np.linspace(30, 234, 35)  # the known-truth ages of test_bcpe_fit (errors())


def test_density_cdf_quantile_agree_with_gamlss_port():
    """735 grid points (L -2..2 with 0, S 0.05-0.6, tau 0.8-1000, p 0.001-0.999; the two
    where the port's quantile under/overflows to 0 or inf, L = 0, S = 0.6, tau = 0.8, are
    left out)."""
    g = pd.read_csv(DIST)
    g = g[np.isfinite(g["y"]) & (g["y"] > 0)]
    assert len(g) == 733
    args = [g[c].to_numpy() for c in ("L", "M", "S", "tau")]
    y, p = g["y"].to_numpy(), g["p"].to_numpy()
    # measured: quantile 1.8e-13 (relative), log density 5.5e-14, CDF 1.1e-15
    np.testing.assert_allclose(_bcpe.quantile(p, *args, kern=T), y, rtol=1e-12)
    np.testing.assert_allclose(_bcpe.value(ndtri(p), *args, kern=T), y, rtol=1e-12)
    np.testing.assert_allclose(_bcpe.logpdf(y, *args, kern=T), g["logpdf"], rtol=0, atol=2e-13)
    np.testing.assert_allclose(_bcpe.cdf(y, *args, kern=T), g["cdf"], rtol=0, atol=1e-14)


def _mp_tail(t, tau):
    t, tau = mp.mpf(t), mp.mpf(tau)
    k = mp.gamma((tau + 1) / 2) / (mp.sqrt(tau * mp.pi) * mp.gamma(tau / 2))
    return mp.quad(lambda x: k * (1 + x * x / tau) ** (-(tau + 1) / 2), [abs(t), mp.inf])


@pytest.mark.parametrize("t,tau", [(1e3, 3.0), (50.0, 0.8), (1e6, 2.0), (0.01, 5.0),
                                   (3.0, 1e4), (6.0, 1e3), (8.0, 1e5), (1.0, 0.8)])
def test_tails_and_quantiles_against_mpmath(t, tau):
    """Each tail to full relative precision, down to 1e-16 (where 1 - F would be 0), and
    the quantile that inverts it (the far tail computed directly, not as 1 - F)."""
    mp.mp.dps = 40
    exact = _mp_tail(t, tau)
    assert float(T.half_tail(t, tau) / exact - 1) == pytest.approx(0, abs=5e-15)
    e = float(exact)
    assert float(T.ppf(e, 1 - e, tau)) == pytest.approx(-t, rel=5e-14)
    assert float(T.ppf(1 - e, e, tau)) == pytest.approx(t, rel=5e-14)


@pytest.mark.parametrize("tau", [3.0, 6.0, 25.0])
def test_information_constants_by_monte_carlo(tau):
    """E psi^2, I(log S), I_LL/S^2 (leading order), I(log tau) and I(log S, log tau) of
    ``StudentT.info`` against 4 million draws of t_tau (MC error well under 1%)."""
    rng = np.random.default_rng(3)
    z = rng.standard_t(tau, 4_000_000)
    psi, zpsi, u_t = T.score_terms(z, tau, T.constants(tau))
    np.testing.assert_allclose(zpsi, z * psi, rtol=1e-12, atol=1e-300)
    C = T.info(tau)
    assert abs(u_t.mean()) < 0.01 * np.sqrt(C["tt"])  # a score: mean 0
    mc = {"mm": psi ** 2, "ss": (1 + psi * z) ** 2, "tt": u_t ** 2,
          "st": -(1 + psi * z) * u_t}
    if tau > 4:  # I_LL needs E z^2 ... E psi^2 z^4 finite with finite variance: tau > 4
        mc["ll"] = (z + psi * z * z / 2) ** 2
    for k, v in mc.items():
        assert v.mean() == pytest.approx(C[k], rel=0.02), k


@settings(max_examples=60, deadline=None)
@given(L=st.floats(-2.5, 2.5), S=st.floats(0.02, 0.5), tau=st.floats(0.7, 200.0),
       p=st.floats(1e-6, 1 - 1e-6))
def test_cdf_inverts_the_quantile(L, S, tau, p):
    y = _bcpe.quantile(p, L, 10.0, S, tau, kern=T)
    if np.isfinite(y) and 0 < y < 1e300:
        assert float(_bcpe.cdf(y, L, 10.0, S, tau, kern=T)) == pytest.approx(p, rel=1e-9,
                                                                            abs=1e-13)


@settings(max_examples=40, deadline=None)
@given(L=st.floats(-2.0, 2.0), S=st.floats(0.02, 0.4), tau=st.floats(0.8, 100.0))
def test_quantile_and_cdf_are_monotone(L, S, tau):
    p = np.linspace(0.001, 0.999, 200)
    y = _bcpe.quantile(p, L, 10.0, S, tau, kern=T)
    y = y[np.isfinite(y)]
    assert (np.diff(y) > 0).all()
    F = _bcpe.cdf(y, L, 10.0, S, tau, kern=T)
    assert (np.diff(F) >= 0).all()


@settings(max_examples=40, deadline=None)
@given(L=st.floats(-2.0, 2.0), S=st.floats(0.02, 0.4), p=st.floats(0.001, 0.999))
def test_large_tau_is_bccg(L, S, p):
    """t_tau -> N(0, 1): at tau = 1e8 BCT's quantile and z-score are BCCG's (to 1e-6; the
    t quantile differs from the normal one by about (z^3 + z)/(4 tau), which the Box-Cox
    transform amplifies near the truncation)."""
    zn, L = np.array([ndtri(p)]), np.array([L])
    with np.errstate(over="ignore"):  # BCCG's truncation at L = 0: 1/0
        want = _lms.bccg_value(zn, L, 10.0, S)
    if not np.isfinite(want).all():
        return
    np.testing.assert_allclose(_bcpe.value(zn, L, 10.0, S, 1e8, kern=T), want, rtol=1e-6)
    np.testing.assert_allclose(_bcpe.zscore(want, L, 10.0, S, 1e8, kern=T), zn, atol=1e-6)


def test_lmsp_table_with_family_bct():
    t = LMSPTable([0.0, 10.0], [0.3, 0.3], [10.0, 12.0], [0.2, 0.2], [4.0, 8.0],
                  family="bct", age_unit="years")
    assert t.family == "bct" and "family='bct'" in repr(t)
    # tau interpolated linearly: 6 at age 5
    assert t.parameters([5.0])["tau"].iloc[0] == pytest.approx(6.0)
    want = float(_bcpe.zscore(13.0, 0.3, 11.0, 0.2, 6.0, kern=T))
    assert float(t.zscore(13.0, 5.0)) == pytest.approx(want, rel=1e-14)
    assert float(t.centile(t.value_at(1.5, 5.0), 5.0)) == pytest.approx(93.3192799, abs=1e-6)
    pe = LMSPTable([0.0, 10.0], [0.3, 0.3], [10.0, 12.0], [0.2, 0.2], [4.0, 8.0],
                   age_unit="years")
    assert float(pe.zscore(13.0, 5.0)) != pytest.approx(want, rel=1e-3)  # not BCPE's
    assert np.isfinite(t.modified_zscore(15.0, 5.0))
    with pytest.raises(ValueError, match="family: 'bcpe' or 'bct'"):
        LMSPTable([0.0, 1.0], [0, 0], [1, 1], [0.1, 0.1], [2, 2], family="bccg")


# --- fitting -------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["simulated", "nhanes_tt_men"])
def test_fit_agrees_with_gamlss_port_on_the_same_basis(case):
    """BCTo, 7-column cubic B-spline of age for log mu, log sigma and nu, constant log
    tau, maximum likelihood, same weights: deviance, parameters and centiles agree.
    Measured: NHANES TT deviance +6e-9, mu 2e-6, sigma 9e-7, nu 1.4e-5 (absolute), tau
    1.9e-5, P3/P50/P97 8e-6; simulated (tau 5) the deviance here is 1.2e-6 LOWER than the
    port's (its RS cycles stop while tau still creeps along a flat likelihood): tau 1.4e-4,
    sigma 2.8e-5, nu 4.9e-5, P3 1.1e-5."""
    ref = pd.read_csv(FIT)
    d = ref[ref["case"] == case]
    age, y, w = (d[c].to_numpy() for c in ("age", "y", "w"))
    f = fit_one(age, y, w, {"L": 7, "M": 7, "S": 7, "T": 1.0}, None, n_intervals=4,
                tol=1e-12, family="bct")
    assert f["converged"]
    assert f["deviance"] <= d["deviance"].iloc[0] + 1e-7  # never a worse maximum
    assert f["deviance"] == pytest.approx(d["deviance"].iloc[0], abs=2e-6)
    e = f["eta"]
    mu, sigma, nu, tau = np.exp(e["M"]), np.exp(e["S"]), e["L"], np.exp(e["T"])
    assert np.ptp(tau) < 1e-12
    np.testing.assert_allclose(mu, d["mu"], rtol=5e-6)
    np.testing.assert_allclose(sigma, d["sigma"], rtol=5e-5)
    np.testing.assert_allclose(tau, d["tau"], rtol=2e-4)
    np.testing.assert_allclose(nu, d["nu"], atol=1e-4)
    for q in (3, 50, 97):
        np.testing.assert_allclose(_bcpe.quantile(q / 100, nu, mu, sigma, tau, kern=T),
                                   d[f"p{q}"], rtol=3e-5)


def test_smooth_tau_fit_agrees_with_gamlss_port():
    """The simulated case again with log tau on the same 7-column basis (tau_formula on
    b1..b6; df 7 for T here). Measured: our deviance 1e-5 lower than the port's; tau
    (2.9 to 380: at the ages where the data cannot tell a t_300 from the normal the
    likelihood is flat) to 9e-4, P3/P50/P97 to 1.1e-4 (relative)."""
    ref = pd.read_csv(FIT)
    d = ref[ref["case"] == "simulated_smooth_tau"]
    age, y, w = (d[c].to_numpy() for c in ("age", "y", "w"))
    f = fit_one(age, y, w, {"L": 7, "M": 7, "S": 7, "T": 7}, None, n_intervals=4,
                tol=1e-12, family="bct")
    assert f["converged"]
    assert f["deviance"] <= d["deviance"].iloc[0] + 1e-7
    assert f["deviance"] == pytest.approx(d["deviance"].iloc[0], abs=5e-5)
    e = f["eta"]
    mu, sigma, nu, tau = np.exp(e["M"]), np.exp(e["S"]), e["L"], np.exp(e["T"])
    assert np.ptp(np.log(d["tau"])) > 3  # tau varies with age
    np.testing.assert_allclose(tau, d["tau"], rtol=3e-3)
    for q in (3, 50, 97):
        np.testing.assert_allclose(_bcpe.quantile(q / 100, nu, mu, sigma, tau, kern=T),
                                   d[f"p{q}"], rtol=2e-4)


def simulate_cdc_bmi_bct(n: int, tau: float, seed: int):
    return simulate_cdc_bmi_bcpe(n, tau, seed, T)


def test_smooth_tau_curve_and_diagnostics():
    """df={"T": 3}: tau a smooth curve of age; the summary and Q4 count its edf."""
    age, y = simulate_cdc_bmi_bct(6000, 6.0, 11)
    f = fit_lms(age, y, family="bct", df={"M": 5, "S": 3, "L": 2, "T": 3}, age_unit="months")
    s = f.diagnostics.summary.iloc[0]
    assert s["converged"] and s["edf_T"] == pytest.approx(3.0, abs=0.02)
    tau = f.parameters(GRID)["tau"]
    assert np.ptp(tau) > 0 and tau.between(2.5, 20).all()
    assert (f.diagnostics.qstats["p_value"] > 0.001).all()


def test_normal_data_send_tau_to_infinity_with_a_warning():
    """Data with BCCG's normal tails: the t's tau runs off to infinity (BCT -> BCCG); the
    fit warns and names family='bccg'."""
    rng = np.random.default_rng(5)
    age = rng.uniform(20, 80, 3000)
    y = np.exp(np.log(15 - 0.05 * age) + 0.3 * rng.uniform(-1.7, 1.7, 3000))
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fit_lms(age, y, family="bct", df=(1, 3, 2))
    msgs = [str(r.message) for r in rec if "tau" in str(r.message)]
    assert msgs and "BCT fit" in msgs[-1] and "family='bccg'" in msgs[-1]
    assert "tau runs off to infinity" in msgs[-1]
