"""Tests for labstats.stats.agreement (method comparison).

External references:
- R mcr 1.3 unit-test vectors (Roche; Calanas/Analyse-it reference results), transcribed to
  tests/reference/mcr_testdata.csv and mcr_reference_results.csv (line 1 gives the files).
- Bland & Altman, Lancet 1986, Table 1 (peak flow), tests/reference/bland_altman_1986_pefr.csv,
  with the published summary figures quoted below.
- R 4.2.2 outputs (epiR 2.0.57 epi.ccc; qt with ncp) in tests/reference/r_references.csv, made
  by tests/reference/make_r_references.R.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labstats.stats import bland_altman, concordance, deming, passing_bablok, ratio_summary

REF = Path(__file__).parents[1] / "reference"
MCR_DATA = pd.read_csv(REF / "mcr_testdata.csv", comment="#")
MCR = pd.read_csv(REF / "mcr_reference_results.csv", comment="#")
PEFR = pd.read_csv(REF / "bland_altman_1986_pefr.csv", comment="#")
R = pd.read_csv(REF / "r_references.csv", comment="#").set_index(["case", "statistic"])["value"]
COLS = ["estimate", "ci_low", "ci_high"]


def _xy(dataset):
    d = MCR_DATA[MCR_DATA.dataset == dataset]
    return d.x.to_numpy(), d.y.to_numpy()


def _rows(res):
    return res.set_index("statistic")


@pytest.mark.parametrize("row", list(MCR[MCR.algorithm == "PaBa"].itertuples()),
                         ids=lambda r: f"{r.dataset}-{r.statistic}")
def test_passing_bablok_matches_mcr_calanas(row):
    """mcr runit.mcPaBa.R: mc.paba(...) checked against Calanas at 1e-14."""
    got = _rows(passing_bablok(*_xy(row.dataset))).loc[row.statistic, COLS].to_numpy(float)
    np.testing.assert_allclose(got, [row.estimate, row.ci_low, row.ci_high], rtol=1e-9,
                               atol=1e-9)


@pytest.mark.parametrize("row", list(MCR[MCR.algorithm.isin(["Deming", "WDeming"])].itertuples()),
                         ids=lambda r: f"{r.algorithm}-{r.mcr_error_ratio}-{r.statistic}")
def test_deming_matches_mcr_analyse_it(row):
    """mcr MC_TestCase_AnaIT_TD15.xml: mcreg(x, y, error.ratio=, method.reg="Deming"/"WDeming",
    method.ci="jackknife"); mcr's own equivalence precision for this case is 1e-6.
    mcr's error.ratio is var(e_x)/var(e_y), labstats' the reciprocal."""
    res = deming(*_xy(row.dataset), error_ratio=1 / row.mcr_error_ratio,
                 weighted=row.algorithm == "WDeming")
    got = _rows(res).loc[row.statistic, COLS].to_numpy(float)
    np.testing.assert_allclose(got, [row.estimate, row.ci_low, row.ci_high], rtol=0, atol=1e-6)


def test_passing_bablok_1983_rule_gives_order_statistics_near_mcr():
    # The 1983 rule takes the CI limits as single sorted slopes (no averaging): they must be
    # actual pairwise slopes, and close to mcr's interpolated limits.
    x, y = _xy("TD15")
    res = _rows(passing_bablok(x, y, ci_rule="passing_bablok1983"))
    i, j = np.triu_indices(x.size, 1)
    slopes = (y[j] - y[i]) / (x[j] - x[i])
    for col in ("ci_low", "ci_high"):
        assert np.min(np.abs(slopes - res.loc["slope", col])) < 1e-12
    ref = MCR[(MCR.dataset == "TD15") & (MCR.algorithm == "PaBa") & (MCR.statistic == "slope")]
    assert res.loc["slope", "ci_low"] == pytest.approx(ref.ci_low.iloc[0], abs=5e-3)


def test_passing_bablok_cusum_does_not_reject_a_straight_line():
    rng = np.random.default_rng(3)
    x = np.linspace(1, 100, 80)
    y = 2 + 1.05 * x + rng.normal(0, 2, x.size)
    assert _rows(passing_bablok(x, y)).loc["cusum", "p_value"] > 0.05


def test_passing_bablok_cusum_rejects_a_curve():
    x = np.linspace(1, 100, 80)
    y = 0.02 * x**2
    assert _rows(passing_bablok(x, y)).loc["cusum", "p_value"] < 0.01


def test_bland_altman_reproduces_bland_altman_1986():
    """Lancet 1986, p. 308-310: mean difference (Wright - mini) -2.1 L/min, SD 38.8, limits
    -79.7 to 75.5 (d -/+ 2 s, computed from the rounded d and s), 95 % CI of the bias
    -22.0 to 17.8 and of the lower limit -114.3 to -45.1 (SE sqrt(3 s^2/n) = 16.3, t = 2.12)."""
    res = _rows(bland_altman(PEFR.mini1, PEFR.wright1, multiplier=2,
                             ci_method="bland_altman_1986"))
    assert res.loc["bias", "estimate"] == pytest.approx(-2.1, abs=0.05)
    assert res.loc["sd", "estimate"] == pytest.approx(38.8, abs=0.05)
    assert res.loc["loa_lower", "estimate"] == pytest.approx(-79.7, abs=0.1)
    assert res.loc["loa_upper", "estimate"] == pytest.approx(75.5, abs=0.1)
    assert res.loc[["bias"], ["ci_low", "ci_high"]].to_numpy().ravel() == pytest.approx(
        [-22.0, 17.8], abs=0.1)
    assert res.loc["loa_lower", "se"] == pytest.approx(16.3, abs=0.05)
    assert [res.loc["loa_lower", "ci_low"], res.loc["loa_lower", "ci_high"]] == pytest.approx(
        [-114.3, -45.1], abs=0.2)


def test_bland_altman_exact_ci_matches_r_noncentral_t():
    """R 4.2.2: mean(d) -/+ sd(d) * qt(c(.025, .975), n - 1, ncp = qnorm(.975) sqrt(n)) / sqrt(n)
    (make_r_references.R, Carkeet 2015 Eq. 6)."""
    res = _rows(bland_altman(PEFR.mini1, PEFR.wright1))
    got = [res.loc["loa_lower", "ci_low"], res.loc["loa_lower", "ci_high"],
           res.loc["loa_upper", "ci_low"], res.loc["loa_upper", "ci_high"]]
    want = [R["pefr_exact", s] for s in ("loa_lower_ci_low", "loa_lower_ci_high",
                                         "loa_upper_ci_low", "loa_upper_ci_high")]
    np.testing.assert_allclose(got, want, rtol=1e-8)


@pytest.mark.parametrize(("n", "k"), [(10, 2.911), (20, 2.396)])
def test_exact_upper_bound_equals_one_sided_tolerance_factor(n, k):
    # Natrella (1963), NBS Handbook 91, Table A-7: one-sided normal tolerance factor K for
    # coverage 0.95 and confidence 0.95. The upper end of the 90 % CI of mean + 1.645 SD
    # is mean + K SD. Differences with mean 0 and SD 1 exactly:
    z = np.random.default_rng(0).standard_normal(n)
    z = (z - z.mean()) / z.std(ddof=1)
    res = _rows(bland_altman(np.zeros(n), z, agreement=0.90, confidence=0.90))
    assert res.loc["loa_upper", "ci_high"] == pytest.approx(k, abs=6e-4)


def test_bland_altman_ratio_variant_back_transforms():
    x = np.array([10.0, 20.0, 40.0, 80.0])
    res = _rows(bland_altman(x, 1.1 * x * np.array([1.0, 1.02, 0.98, 1.0]), log=True))
    assert res.loc["bias", "estimate"] == pytest.approx(1.1, rel=1e-3)
    assert res.loc["loa_lower", "estimate"] < 1.1 < res.loc["loa_upper", "estimate"]


def test_concordance_matches_epir():
    """R epiR 2.0.57: epi.ccc(mini1, wright1, ci = "z-transform", conf.level = 0.95)."""
    res = _rows(concordance(PEFR.mini1, PEFR.wright1))
    np.testing.assert_allclose(res.loc["ccc", COLS].to_numpy(float),
                               [R["pefr_ccc", s] for s in ("ccc", "ci_low", "ci_high")],
                               rtol=1e-10)
    assert res.loc["bias_correction", "estimate"] == pytest.approx(
        R["pefr_ccc", "bias_correction"], rel=1e-10)


def test_series_with_different_indexes_raise():
    a = pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"])
    b = pd.Series([1.0, 2.0, 3.0], index=["a", "b", "d"])
    with pytest.raises(ValueError, match="different indexes.*align"):
        bland_altman(a, b)


def test_missing_pairs_are_left_out_and_counted(container):
    x = container([1.0, 2.0, np.nan, 4.0, 5.0])
    y = container([1.1, 2.1, 3.0, 3.9, 5.2])
    res = deming(x, y)
    assert (res.n_obs == 4).all()
    assert np.isfinite(res.estimate).all()


@pytest.mark.parametrize(("call", "message"), [
    (lambda: bland_altman([1, 2, 3], [1, 2]), r"x has 3 values and y has 2"),
    (lambda: bland_altman([1, 2], [1, 2]), r"2 complete pairs; at least 3"),
    (lambda: bland_altman([1, 2, 3], [1, 2, 3], ci_method="wald"),
     r"unknown ci_method 'wald'; valid: bland_altman_1986, bland_altman_1999, exact"),
    (lambda: bland_altman([1, 0, 3], [1, 2, 3], log=True),
     r"x: 1 value\(s\) at or below 0; the first is 0.0 at index 1. log=True analyses"),
    (lambda: deming([1, 2, 3], [1, 2, 4], error_ratio=0), r"error_ratio=0.0 is not valid"),
    (lambda: passing_bablok([1, 2, 3], [1, 2, 4], ci_rule="x"), r"unknown ci_rule 'x'"),
    (lambda: concordance([1, "a", 3], [1, 2, 3]), r"x: 1 value not a number.*'a' at index 1"),
    (lambda: concordance([1, np.inf, 3, 4], [1, 2, 3, 4]),
     r"x: 1 infinite value; the first is inf at index 1"),
    (lambda: concordance([1, 2, 3], [1, 2, 3], confidence=95), r"confidence must be .* 0 and 1"),
])
def test_bad_input_message_names_argument_and_fix(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_tidy_columns_and_no_rounding():
    res = passing_bablok(*_xy("TD41"))
    assert list(res.columns) == ["statistic", "estimate", "se", "ci_low", "ci_high", "df",
                                 "p_value", "n_obs", "method"]
    assert res.loc[0, "estimate"] != round(res.loc[0, "estimate"], 6)


def test_ratio_summary_recovers_a_known_ratio_and_its_spread():
    # Fiers 2018 reports median cFT-V/ED 1.19 (2.5-97.5 %: 0.90-1.47); a synthetic measured FT
    # with that ratio structure must give it back (no measured FT exists in labstats' data).
    rng = np.random.default_rng(7)
    calc = rng.lognormal(np.log(250), 0.4, 4000)
    measured = calc / (1.19 * rng.lognormal(0, 0.0625, calc.size))
    shbg = rng.lognormal(np.log(35), 0.4, calc.size)
    res = _rows(ratio_summary(calc, measured, covariates={"shbg": shbg}))
    assert res.loc["median_ratio", "estimate"] == pytest.approx(1.19, abs=0.01)
    assert res.loc["median_ratio", "ci_low"] == pytest.approx(1.19 * np.exp(-1.96 * 0.0625),
                                                               abs=0.01)
    assert abs(res.loc["spearman_shbg", "estimate"]) < 0.05


def test_deming_jackknife_from_running_sums_equals_refits():
    from labstats.stats.regression import _deming_fit, _jackknife_deming

    x, y = _xy("TD41")
    loo = np.array([_deming_fit(np.delete(x, k), np.delete(y, k), 0.7) for k in range(x.size)])
    np.testing.assert_allclose(_jackknife_deming(x, y, 0.7), loo, rtol=1e-10)


def test_ratio_summary_covariates_read_the_pairs_as_the_ratio_does():
    # The covariates' ratios were re-read with np.asarray(dtype=float), a second conversion
    # that drifted from paired()'s: a pd.NA in an object Series (a missing cell read from a
    # file) gave the median but a TypeError once covariates= was passed. Spearman's rho of
    # ranks 1..4 against 1, 3, 2, 4 is 1 - 6 * 2 / (4 * 15) = 0.8.
    calc = pd.Series([1.0, 2.0, 3.0, pd.NA, 4.0], dtype=object)
    meas = pd.Series([1.0, 1.0, 1.0, 1.0, 1.0])
    res = _rows(ratio_summary(calc, meas, covariates={"shbg": [10.0, 30.0, 20.0, 99.0, 40.0]}))
    assert res.loc["median_ratio", "n_obs"] == 4
    assert res.loc["spearman_shbg", "estimate"] == pytest.approx(0.8, abs=1e-12)
    assert res.loc["spearman_shbg", "n_obs"] == 4
