"""fit_lms(family="bcpe"): known truth, the gamlss port, weights, bootstrap, diagnostics.

* Known truth: data simulated as BCPE (Rigby & Stasinopoulos 2004, doi:10.1002/sim.1861)
  from the CDC 2000 BMI-for-age L, M, S of boys (Kuczmarski et al. 2002; shipped with
  labstats) with tau = 1.5 and 3.
* Reference implementation: tests/reference/gamlss_bcpe_fit_reference.csv.xz, written once
  by tests/reference/make_gamlss_bcpe_reference.py with the GPL Python port of gamlss 0.1.0
  (BCPEo, maximum likelihood on a fixed B-spline basis; a test-only oracle, never imported).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri

from labstats.datasets import cdc_growth_lms
from labstats.stats import LMSPTable, SurveyDesign, _bcpe, fit_lms
from labstats.stats._lms_fit import fit_one

REF = Path(__file__).resolve().parents[1] / "reference" / "gamlss_bcpe_fit_reference.csv.xz"
GRID = np.linspace(30, 234, 35)


def simulate_cdc_bmi_bcpe(n: int, tau: float, seed: int, kern=None):
    """BCPE (BCT with ``kern=_bct.STUDENT_T``) draws about the CDC BMI curves of boys."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(24, 240, n)
    p = cdc_growth_lms("bmi").parameters(age, "male")
    L, M, S = (p[c].to_numpy() for c in "LMS")
    return age, _bcpe.quantile(rng.uniform(size=n), L, M, S, tau, kern)


def errors(fit, tau, kern=None) -> dict:
    """RMS over GRID: L absolute; M, S, tau and the 3rd/50th/97th centiles relative."""
    truth = cdc_growth_lms("bmi").parameters(GRID, "male")
    got = fit.parameters(GRID)
    out = {"L": np.sqrt(np.mean((got["L"] - truth["L"]) ** 2))}
    for c in "MS":
        out[c] = np.sqrt(np.mean((got[c] / truth[c] - 1) ** 2))
    out["tau"] = np.sqrt(np.mean((got["tau"] / tau - 1) ** 2))
    for q in (3, 50, 97):
        t = _bcpe.quantile(q / 100, *(truth[c].to_numpy() for c in "LMS"), tau, kern)
        out[f"P{q}"] = np.sqrt(np.mean((fit.value_at(ndtri(q / 100), GRID) / t - 1) ** 2))
    return out


@pytest.mark.parametrize("family,tau", [("bcpe", 1.5), ("bcpe", 3.0), ("bct", 6.0)])
def test_recovers_known_bcpe_curves_as_n_grows(family, tau):
    """BCPE, and BCT (Rigby & Stasinopoulos 2006; tests/stats/test_bct.py) with 6 df."""
    kern = _bcpe.kernel(family)
    table = {n: errors(fit_lms(*simulate_cdc_bmi_bcpe(n, tau, 7, kern), family=family,
                               age_unit="months"), tau, kern) for n in (2000, 8000, 32000)}
    print(f"\nRMS error vs {family.upper()}(CDC BMI boys, tau={tau})\n",
          pd.DataFrame(table).round(4))
    small, large = table[2000], table[32000]
    for k in small:
        assert large[k] < small[k], k  # converges
    # at n = 32,000 (seed 7 gives: tau 1.5 -> L 0.18, M 0.0016, S 0.014, tau 0.004,
    # P3 0.0034, P97 0.0077; tau 3 -> L 0.15, M 0.0015, S 0.012, tau 0.0025, P97 0.005;
    # BCT, tau 6 -> L 0.20, M 0.0017, S 0.015, tau 0.013, P3 0.0044, P97 0.0099; its tau
    # error is 0.03 at n = 2,000 and 0.14 at 8,000: the t's tau is poorly determined)
    assert large["M"] < 0.004 and large["P50"] < 0.004 and large["P3"] < 0.007
    assert large["S"] < 0.03 and large["P97"] < 0.015 and large["L"] < 0.35
    assert large["tau"] < 0.02


@pytest.fixture(scope="module")
def gamlss_ref():
    return pd.read_csv(REF)


@pytest.mark.parametrize("numba", ["compiled", "scipy"])
@pytest.mark.parametrize("case", ["simulated", "nhanes_tt_men"])
def test_agrees_with_gamlss_port_on_the_same_basis(gamlss_ref, case, numba, monkeypatch):
    """BCPEo, 7-column cubic B-spline of age for log mu, log sigma and nu, constant log
    tau, maximum likelihood, same weights: parameters and centiles agree with gamlss (with
    the compiled incomplete gamma function and with scipy's, LABSTATS_NO_NUMBA=1)."""
    monkeypatch.setenv("LABSTATS_NO_NUMBA", "1" if numba == "scipy" else "0")
    d = gamlss_ref[gamlss_ref["case"] == case]
    age, y, w = (d[c].to_numpy() for c in ("age", "y", "w"))
    f = fit_one(age, y, w, {"L": 7, "M": 7, "S": 7, "T": 1.0}, None, n_intervals=4,
                tol=1e-12, family="bcpe")
    assert f["converged"]
    assert f["deviance"] == pytest.approx(d["deviance"].iloc[0], abs=1e-7)
    e = f["eta"]
    mu, sigma, nu, tau = np.exp(e["M"]), np.exp(e["S"]), e["L"], np.exp(e["T"])
    assert np.ptp(tau) < 1e-14  # one constant (up to the B-spline sum of 1)
    # simulated: 1e-7 (nu 1e-6); NHANES TT: mu, sigma, tau 2e-6, nu 1e-5, P3 9e-6 (a flat
    # likelihood along nu: the deviances differ by 4e-9)
    np.testing.assert_allclose(mu, d["mu"], rtol=5e-6)
    np.testing.assert_allclose(sigma, d["sigma"], rtol=5e-6)
    np.testing.assert_allclose(tau, d["tau"], rtol=5e-6)
    np.testing.assert_allclose(nu, d["nu"], atol=3e-5)
    for q in (3, 50, 97):
        np.testing.assert_allclose(_bcpe.quantile(q / 100, nu, mu, sigma, tau), d[f"p{q}"],
                                   rtol=3e-5)


def test_bcpe_fixes_the_kurtosis_bccg_misses():
    """Heavy-tailed data (tau = 1.5): BCCG's Q4 (kurtosis) fails, BCPE's passes, and the
    BCPE deviance is lower by much more than its one extra df."""
    age, y = simulate_cdc_bmi_bcpe(12000, 1.5, 3)
    bccg = fit_lms(age, y, age_unit="months")
    bcpe = fit_lms(age, y, family="bcpe", age_unit="months")
    assert isinstance(bcpe, LMSPTable) and bcpe.family == "bcpe"
    q_bccg = bccg.diagnostics.qstats.set_index("statistic")["p_value"]
    q_bcpe = bcpe.diagnostics.qstats.set_index("statistic")["p_value"]
    assert q_bccg["Q4 kurtosis"] < 1e-6 and q_bcpe["Q4 kurtosis"] > 0.01
    s_bccg, s_bcpe = bccg.diagnostics.summary.iloc[0], bcpe.diagnostics.summary.iloc[0]
    assert s_bcpe["aic"] < s_bccg["aic"] - 50
    assert s_bcpe["edf_T"] == 1.0 and s_bcpe["converged"]
    q = bcpe.diagnostics.qstats.set_index("statistic")
    assert q.loc["Q4 kurtosis", "df"] == q.loc["Q1 mean", "df"] + s_bcpe["edf_M"] - 1.0


def test_tau_df_options_and_errors():
    age, y = simulate_cdc_bmi_bcpe(3000, 2.5, 5)
    f = fit_lms(age, y, family="bcpe", df={"M": 5, "S": 3, "L": 2, "T": 3},
                age_unit="months")
    s = f.diagnostics.summary.iloc[0]
    assert s["edf_T"] == pytest.approx(3.0, abs=1e-6) and s["criterion"] == "df given"
    assert np.ptp(f.parameters(GRID)["tau"]) > 0  # a curve now
    g = fit_lms(age, y, family="bcpe", df=(2, 5, 3, 1), age_unit="months")
    assert np.ptp(g.parameters(GRID)["tau"]) < 1e-14
    h = fit_lms(age, y, family="bcpe", df={"T": "auto"}, criterion="bic", age_unit="months")
    assert 1.0 <= h.diagnostics.summary.iloc[0]["edf_T"] < 23
    with pytest.raises(ValueError, match="keys must be 'L', 'M', 'S' \\(family='bccg'\\)"):
        fit_lms(age, y, df={"T": 2})
    with pytest.raises(ValueError, match="a sequence needs 3 values \\(L, M, S\\) or 4"):
        fit_lms(age, y, family="bcpe", df=(2, 5, 3, 1, 1))


def test_weights_are_frequency_weights_at_fixed_df():
    rng = np.random.default_rng(3)
    age = rng.uniform(0, 10, 600)
    y = np.exp(1 + 0.1 * age + 0.2 * rng.laplace(size=600) / np.sqrt(2))
    w = rng.integers(1, 4, 600).astype(float)
    rep = np.repeat(np.arange(600), w.astype(int))
    a = fit_lms(age, y, weights=w, df=(2, 5, 3), family="bcpe")
    b = fit_lms(age[rep], y[rep], df=(2, 5, 3), family="bcpe")
    # to the convergence of the fits (deviance 1e-6 relative; L and tau trade off, 2e-4)
    np.testing.assert_allclose(a.parameters([1.0, 5.0, 9.0]), b.parameters([1.0, 5.0, 9.0]),
                               rtol=5e-4, atol=1e-5)
    assert a.parameters([5.0])["tau"].iloc[0] < 1.6  # Laplace-like data: tau near 1


def test_by_sex_design_bootstrap_and_residuals():
    rng = np.random.default_rng(8)
    n = 1600
    df = pd.DataFrame({"age": rng.uniform(20, 80, n), "h": rng.integers(0, 6, n),
                       "p": rng.integers(1, 3, n), "w": rng.uniform(0.5, 3, n),
                       "sex": np.where(rng.uniform(size=n) < 0.5, "male", "female")})
    df["tt"] = _bcpe.quantile(rng.uniform(size=n), 0.3,
                              np.where(df["sex"] == "male", 20 - 0.1 * df["age"], 1.2), 0.35,
                              1.6)
    des = SurveyDesign(df, weights="w", strata="h", psu="p")
    f = fit_lms("age", "tt", sex="sex", design=des, replicates=20, df=(1, 3, 2),
                family="bcpe", seed=1)
    assert f.sexes == ["male", "female"]
    ci = f.diagnostics.ci
    assert set(ci["sex"]) == {"male", "female"} and (ci["replicates"] == 20).all()
    assert (ci["ci_low"] <= ci["estimate"]).all() and (ci["estimate"] <= ci["ci_high"]).all()
    # the estimate sits near the middle of its interval (30 replicates: 0.46-0.55 on average)
    position = (ci["estimate"] - ci["ci_low"]) / (ci["ci_high"] - ci["ci_low"])
    assert position.groupby([ci["sex"], ci["centile"]]).mean().between(0.25, 0.75).all()
    est = ci[(ci["sex"] == "male") & (ci["centile"] == 97)].iloc[10]
    assert est["estimate"] == pytest.approx(f.value_at(ndtri(0.97), est["age"], "M"), rel=1e-9)
    r = f.diagnostics.residuals
    assert np.isfinite(r).all() and abs(np.mean(r)) < 0.1 and abs(np.std(r) - 1) < 0.1
    assert set(f.diagnostics.summary.columns) >= {"edf_T", "lambda_T"}


def test_truncation_once_per_age_is_the_same_likelihood():
    """Whole-year ages: the truncation terms computed once per distinct age equal the
    row-by-row ones (deviance and scores), and the tau score matches the deviance's slope."""
    from labstats.stats._bcpe_fit import BCPEState

    rng = np.random.default_rng(4)
    age = rng.integers(20, 80, 3000).astype(float)
    y = _bcpe.quantile(rng.uniform(size=3000), 1.0, 15.0, 0.4, 1.4)
    w = rng.uniform(0.5, 2.0, 3000)
    eta = {"M": np.log(15.0) - 0.002 * age, "S": np.log(0.4) + 0.001 * age,
           "L": 1.2 - 0.01 * age, "T": np.full(3000, np.log(1.4))}
    by_age, by_row = BCPEState(y, w, age), BCPEState(y, w)
    assert by_age._by_age is not None and by_row._by_age is None
    assert by_age.deviance(eta) == pytest.approx(by_row.deviance(eta), rel=1e-14)
    u1, _ = by_age.scores(eta)
    u2, _ = by_row.scores(eta)
    for k in "MSLT":
        np.testing.assert_allclose(u1[k], u2[k], rtol=1e-12, atol=1e-12)
    h = 1e-5
    up, down = dict(eta, T=eta["T"] + h), dict(eta, T=eta["T"] - h)
    slope = -(by_row.deviance(up) - by_row.deviance(down)) / (4 * h)
    assert float(np.dot(w, u2["T"])) == pytest.approx(slope, rel=1e-6)


def _caller_warnings(fn, here=__file__):
    """Run fn recording every warning; each must be attributed to the file ``here`` (the
    test's: fn calls labstats from there)."""
    import warnings

    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        out = fn()
    assert all(w.filename == here for w in got), [(w.filename, str(w.message)) for w in got]
    return out, [str(w.message) for w in got]


def test_a_tau_run_off_to_infinity_warns_even_when_converged():
    """Uniform log values (lighter tails than any power exponential): the likelihood rises
    for ever with tau, and the fit stops "converged" at tau ~ 1e14; fit_lms says so at the
    caller's line and names the fixes."""
    rng = np.random.default_rng(1)
    age = rng.uniform(20, 80, 1000)
    y = np.exp(np.log(15 - 0.05 * age) + 0.3 * rng.uniform(-1, 1, 1000))
    fit, msgs = _caller_warnings(lambda: fit_lms(age, y, family="bcpe"))
    assert fit.diagnostics.summary.iloc[0]["converged"]  # converged, yet tau ran off
    assert fit.parameters([50.0])["tau"].iloc[0] > 1e3
    assert len(msgs) == 1 and "tau runs off to infinity" in msgs[0]
    assert "family='bccg'" in msgs[0] and "df=" not in msgs[0]  # tau was already constant


def test_a_tau_run_off_to_zero_warns_without_numpy_noise():
    """Half the values tied at the median (to 5e-4), half normal: tau heads to 0 (0.1 after
    100 iterations). Before, such fits could raise ZeroDivisionError or leak hundreds of
    numpy RuntimeWarnings from inside labstats; now two warnings at the caller's line."""
    rng = np.random.default_rng(2)
    age = rng.uniform(20, 80, 1000)
    e = np.where(rng.uniform(size=1000) < 0.5, 0.0005 * rng.standard_normal(1000),
                 0.3 * rng.standard_normal(1000))
    y = np.exp(np.log(15 - 0.05 * age) + e)
    for df in ("auto", {"T": "auto"}):
        fit, msgs = _caller_warnings(lambda df=df: fit_lms(age, y, family="bcpe", df=df))
        assert fit.parameters([50.0])["tau"].iloc[0] < 0.25
        assert len(msgs) == 2 and "did not converge" in msgs[0]
        assert "tau runs off to 0" in msgs[1] and "family='bccg'" in msgs[1]
        assert ("fewer df for tau" in msgs[1]) == isinstance(df, dict)


def test_cauchy_like_data_converge_at_a_small_tau_without_a_tau_warning():
    """A finite maximum at tau ~ 0.4 (Cauchy errors) is not a tau that ran off. (df given:
    with the smoothness chosen this sample needs more than 100 iterations.)"""
    rng = np.random.default_rng(2)
    age = rng.uniform(20, 80, 1000)
    y = np.exp(np.log(15 - 0.05 * age) + 0.1 * rng.standard_t(1, 1000).clip(-50, 50))
    fit, msgs = _caller_warnings(lambda: fit_lms(age, y, family="bcpe", df=(1, 3, 2)))
    assert msgs == [] and 0.3 < fit.parameters([50.0])["tau"].iloc[0] < 0.5


def test_no_tau_warning_for_a_tau_in_range():
    from labstats.stats._bcpe_fit import tau_problem

    age, y = simulate_cdc_bmi_bcpe(3000, 1.5, 5)
    fit, msgs = _caller_warnings(lambda: fit_lms(age, y, family="bcpe", age_unit="months"))
    assert msgs == []
    f = fit_one(age, y, np.ones(3000), {"L": 3, "M": 5, "S": 3, "T": 1.0}, None,
                family="bcpe")
    assert tau_problem(f, 1.0) is None
    f["eta"]["T"] = np.full(3000, np.log(0.2))
    assert "BCPE fit of males has tau = 0.2, outside 0.25-20: tau runs off to 0" in tau_problem(
        f, 1.0, " of males")
