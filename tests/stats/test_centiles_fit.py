"""fit_lms: recovery of known curves, agreement with the gamlss port, weights, diagnostics.

* Known truth: data simulated from the CDC 2000 BMI-for-age curves of boys (Kuczmarski et
  al. 2002; the LMS table shipped with labstats) as a BCCG (Rigby & Stasinopoulos 2004).
* Reference implementation: tests/reference/gamlss_bccgo_reference.csv.xz, written once by
  tests/reference/make_gamlss_reference.py with the GPL Python port of gamlss 0.1.0 (a
  test-only oracle, never imported here).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtr, ndtri

from labstats.datasets import cdc_growth_lms
from labstats.stats import SurveyDesign, _lms, fit_lms
from labstats.stats._lms_fit import fit_one

REF = Path(__file__).resolve().parents[1] / "reference" / "gamlss_bccgo_reference.csv.xz"
GRID = np.linspace(30, 234, 35)  # months, inside the simulated 24-240


def simulate_cdc_bmi(n: int, seed: int):
    rng = np.random.default_rng(seed)
    age = rng.uniform(24, 240, n)
    p = cdc_growth_lms("bmi").parameters(age, "male")
    L, M, S = (p[c].to_numpy() for c in "LMS")
    z = ndtri(rng.uniform(size=n) * ndtr(1 / (S * np.abs(L))))  # truncated normal (L < 0)
    return age, _lms.value(z, L, M, S)


def errors(fit) -> dict:
    """RMS over GRID of L (absolute), M and S (relative) and of the 3rd/50th/97th centiles
    (relative), against the CDC curves the data were drawn from."""
    truth = cdc_growth_lms("bmi").parameters(GRID, "male")
    got = fit.parameters(GRID)
    out = {"L": np.sqrt(np.mean((got["L"] - truth["L"]) ** 2))}
    for c in "MS":
        out[c] = np.sqrt(np.mean((got[c] / truth[c] - 1) ** 2))
    for q in (3, 50, 97):
        t = _lms.bccg_value(ndtri(q / 100), *(truth[c].to_numpy() for c in "LMS"))
        out[f"P{q}"] = np.sqrt(np.mean((fit.value_at(ndtri(q / 100), GRID) / t - 1) ** 2))
    return out


def test_recovers_known_cdc_curves_as_n_grows():
    table = {n: errors(fit_lms(*simulate_cdc_bmi(n, 7), age_unit="months"))
             for n in (2000, 8000, 32000)}
    print("\nRMS error vs the CDC BMI curves (boys)\n", pd.DataFrame(table).round(4))
    small, large = table[2000], table[32000]
    for k in small:
        assert large[k] < small[k], k  # converges
    # bounds at n = 32,000 (about twice what this seed gives; see the report)
    assert large["M"] < 0.005 and large["P50"] < 0.005 and large["P3"] < 0.006
    assert large["S"] < 0.03 and large["P97"] < 0.015 and large["L"] < 0.35


@pytest.fixture(scope="module")
def gamlss_ref():
    return pd.read_csv(REF)


@pytest.mark.parametrize("case", ["simulated", "nhanes_tt_men"])
def test_agrees_with_gamlss_port_on_the_same_basis(gamlss_ref, case):
    """Same model (BCCGo, 7-column cubic B-spline of age for log mu, log sigma and nu),
    maximum likelihood, same weights: fitted parameters and centiles agree with gamlss."""
    d = gamlss_ref[gamlss_ref["case"] == case]
    age, y, w = (d[c].to_numpy() for c in ("age", "y", "w"))
    f = fit_one(age, y, w, {"L": 7, "M": 7, "S": 7}, None, n_intervals=4, tol=1e-12)
    assert f["converged"]
    assert f["lambda"] == {"M": 0.0, "S": 0.0, "L": 0.0}
    assert f["deviance"] == pytest.approx(d["deviance"].iloc[0], abs=1e-6)
    mu, sigma, nu = np.exp(f["eta"]["M"]), np.exp(f["eta"]["S"]), f["eta"]["L"]
    # to the optimisers' tolerance: the likelihood is flat along nu (simulated data: 1e-7,
    # NHANES TT: mu and sigma 2e-6, nu 1e-5, P3 1e-5)
    np.testing.assert_allclose(mu, d["mu"], rtol=1e-5)
    np.testing.assert_allclose(sigma, d["sigma"], rtol=1e-5)
    np.testing.assert_allclose(nu, d["nu"], atol=5e-5)
    for q in (3, 50, 97):
        np.testing.assert_allclose(_lms.bccg_value(ndtri(q / 100), nu, mu, sigma), d[f"p{q}"],
                                   rtol=5e-5)


def test_weights_are_frequency_weights_at_fixed_df():
    """Weighted likelihood: weight 2 = the row twice (fixed df, so lambda follows edf)."""
    rng = np.random.default_rng(3)
    age = rng.uniform(0, 10, 600)
    y = np.exp(1 + 0.1 * age + 0.2 * rng.standard_normal(600))
    w = rng.integers(1, 4, 600).astype(float)
    rep = np.repeat(np.arange(600), w.astype(int))
    a = fit_lms(age, y, weights=w, df=(2, 5, 3))
    b = fit_lms(age[rep], y[rep], df=(2, 5, 3))
    # to the convergence of the fits (global deviance change < 1e-6 relative)
    np.testing.assert_allclose(a.parameters([1.0, 5.0, 9.0]), b.parameters([1.0, 5.0, 9.0]),
                               rtol=1e-4, atol=1e-5)
    c = fit_lms(age, y, weights=w * 1000.0, df=(2, 5, 3))  # scale-free
    np.testing.assert_allclose(a.parameters([5.0]), c.parameters([5.0]), rtol=1e-9)


def test_df_given_is_met_and_reported():
    age, y = simulate_cdc_bmi(3000, 1)
    f = fit_lms(age, y, df={"L": 1, "M": 6, "S": 3}, age_unit="months")
    s = f.diagnostics.summary.iloc[0]
    assert s["edf_L"] == pytest.approx(1.0, abs=1e-3)
    assert s["edf_M"] == pytest.approx(6.0, abs=1e-6) and s["edf_S"] == pytest.approx(3.0, abs=1e-6)
    assert s["criterion"] == "df given"
    L = f.parameters(GRID)["L"]
    assert np.ptp(L) < 1e-3  # constant L
    with pytest.raises(ValueError, match="df"):
        fit_lms(age, y, df=0.5)


def test_diagnostics_qstats_detect_a_misfit():
    """Royston & Wright Q-statistics: a constant L on the CDC BMI data (whose L varies from
    -3.3 to -1.4) fails the skewness test; the automatic fit passes the mean/variance."""
    age, y = simulate_cdc_bmi(20000, 11)
    good = fit_lms(age, y, age_unit="months").diagnostics.qstats.set_index("statistic")
    bad = fit_lms(age, y, df={"L": 1}, age_unit="months").diagnostics.qstats.set_index("statistic")
    assert bad.loc["Q3 skewness", "p_value"] < 1e-4
    assert good.loc["Q3 skewness", "p_value"] > 1e-3
    assert good.loc["Q1 mean", "p_value"] > 1e-3 and good.loc["Q2 variance", "p_value"] > 1e-3


def test_by_sex_worm_residuals_and_errors():
    rng = np.random.default_rng(5)
    n = 1500
    sex = np.where(rng.uniform(size=n) < 0.5, "male", "female")
    age = rng.uniform(20, 80, n)
    y = np.exp(np.where(sex == "male", 2.5, 1.0) + 0.3 * rng.standard_normal(n))
    y[3] = np.nan
    with pytest.warns(UserWarning, match="1 rows with missing age or value"):
        f = fit_lms(pd.Series(age), pd.Series(y), sex=pd.Series(sex))
    assert f.sexes == ["male", "female"]
    assert np.isnan(f.diagnostics.residuals[3]) and np.isfinite(f.diagnostics.residuals).sum() == n - 1
    assert abs(f.zscore(np.exp(2.5), 50.0, "M")) < 0.15
    assert abs(f.zscore(np.exp(1.0), 50.0, "F")) < 0.15
    worm = f.diagnostics.worm
    assert set(worm["sex"]) == {"male", "female"} and worm["group"].nunique() == 4
    with pytest.raises(ValueError, match="value"):
        fit_lms(age, -y)
    with pytest.raises(ValueError, match="family"):
        fit_lms(age, np.abs(np.nan_to_num(y, nan=1.0)), family="bcpo")  # no such family
    with pytest.warns(UserWarning, match="outside the table"):
        assert np.isnan(f.zscore(10.0, 90.0, "M"))  # no extrapolation


def tt_design(n=1200, seed=8):
    """A small stratified design (6 strata x 2 PSUs) with testosterone-like ``tt`` falling
    with ``age`` (also used by test_stats_audit2.py)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"age": rng.uniform(20, 80, n), "h": rng.integers(0, 6, n),
                       "p": rng.integers(1, 3, n), "w": rng.uniform(0.5, 3, n)})
    df["tt"] = np.exp(np.log(20 - 0.1 * df["age"]) + 0.35 * rng.standard_normal(n))
    return SurveyDesign(df, weights="w", strata="h", psu="p")


def test_design_bootstrap_intervals():
    des = tt_design()
    df = des.data
    f = fit_lms("age", "tt", design=des, replicates=8, df=(1, 3, 2), seed=1)
    ci = f.diagnostics.ci
    assert set(ci["centile"]) == {3, 50, 97} and (ci["replicates"] == 8).all()
    assert (ci["ci_low"] <= ci["estimate"]).all() and (ci["estimate"] <= ci["ci_high"]).all()
    with pytest.raises(ValueError, match="design"):
        fit_lms(df["age"], df["tt"], replicates=5)


def test_a_fit_that_does_not_converge_warns_at_the_callers_line():
    """Nothing silent: a fit stopped by max_iter says so (its summary says converged=False
    too), naming the fix; the warning points at this file, not into labstats."""
    from labstats import LabstatsWarning

    age, bmi = simulate_cdc_bmi(2_000, seed=3)
    with pytest.warns(LabstatsWarning, match=r"did not converge in 2 iterations") as seen:
        fit = fit_lms(age, bmi, max_iter=2)
    assert seen[0].filename == __file__
    assert not fit.diagnostics.summary["converged"].any()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a converged fit: no warning
        assert fit_lms(age, bmi).diagnostics.summary["converged"].all()
