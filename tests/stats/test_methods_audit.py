"""Audit of method comparison and imprecision: degenerate inputs, numerics and memory.

Each test named after a finding failed on the code before the audit. Outside references:
- R mcr's Passing-Bablok fit of its creatinine data (ties, missing values), as printed in
  R. Wicklin, "Passing-Bablok regression in SAS", SAS blog, 2022;
- R mcr 1.3's AnalyzeIT least-squares reference for its data set TD15 (the limit of Deming
  regression as the error ratio grows), tests/reference/mcr_reference_results.csv;
- the law that Deming regression tends to ordinary least squares of y on x as the error
  ratio sigma_y^2/sigma_x^2 grows (Linnet 1993, Clin. Chem. 39:424), with least squares
  from numpy.polyfit;
- a CUSUM linearity statistic computed by hand (Passing & Bablok 1983, Sect. 5) with
  scipy's Kolmogorov distribution;
- the Deming slope as the major axis of (x, y / sqrt(lambda)) (Deming 1943), from the
  eigenvectors of the 2x2 covariance matrix (numpy.linalg.eigh);
- the variance of a linear combination Var(a + b) = Var(a) + Var(b) (GUM, JCGM 100:2008,
  eq. 10, exact for linear functions).
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from labstats.stats import (
    bland_altman,
    deming,
    imprecision,
    passing_bablok,
    propagate_imprecision,
    ratio_summary,
    regression,
)


def _rows(res):
    return res.set_index("statistic")


# --------------------------------------------------------------------------- Passing-Bablok
def _pb_all_pairs(a, b, z, rule):
    """The textbook computation with every pairwise slope in memory at once (the code before
    the audit), to check the blockwise one against."""
    i, j = np.triu_indices(a.size, k=1)
    dx, dy = a[j] - a[i], b[j] - b[i]
    ok = (dx != 0) | (dy != 0)
    dx, dy = dx[ok], dy[ok]
    n = a.size
    c = z * np.sqrt(n * (n - 1) * (2 * n + 5) / 18.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ang = np.where(dx != 0, np.arctan(dy / dx), np.pi / 2)
    if rule == "passing_bablok1983":
        s = np.sort(np.tan(ang[~np.isclose(ang, -np.pi / 4, rtol=0, atol=1e-15)]))
        s[np.isclose(np.abs(s), np.tan(np.pi / 2))] = np.inf
        m, k = s.size, int(np.sum(s < -1))
        est = s[(m + 1) // 2 + k - 1] if m % 2 else 0.5 * (s[m // 2 + k - 1] + s[m // 2 + k])
        m1 = int(np.round((m - c) / 2))
        lo = s[m1 + k - 1] if m1 + k >= 1 else -np.inf
        hi = s[m - m1 + k] if m - m1 + 1 + k <= m else np.inf
        return est, lo, hi
    s = np.sort(ang)
    m = s.size
    off = int(np.sum(s <= -np.pi / 4)) + int(np.sum(s < -np.pi / 4))

    def at(idx2):
        h = (idx2 + 1) // 2
        return s[h - 1] if idx2 % 2 else 0.5 * (s[h - 1] + s[h])

    i_lo, i_hi = int(np.round(m - c + off)), int(np.round(m + c + off))
    lowest = 2 * (int(np.sum(s <= -np.pi / 4)) - int(np.sum(s < -np.pi / 4))) + 1
    return (np.tan(at(m + off)), -np.inf if i_lo < lowest else np.tan(at(i_lo)),
            np.inf if i_hi > 2 * m - 1 else np.tan(at(i_hi)))


@pytest.mark.parametrize("rule", ["mcr", "passing_bablok1983"])
def test_passing_bablok_blockwise_slopes_equal_all_pairs_at_once(rule, monkeypatch):
    """Blocks of 7 pairs (many block edges), data with ties, identical pairs and slopes of
    exactly -1 and of both signs: the same estimate and limits as all slopes at once."""
    monkeypatch.setattr(regression, "_PB_BLOCK", 7)
    rng = np.random.default_rng(11)
    for case in range(150):
        n = int(rng.integers(3, 30))
        if case % 3 == 0:
            x, y = rng.integers(0, 5, n).astype(float), rng.integers(0, 5, n).astype(float)
        elif case % 3 == 1:
            x = np.round(rng.normal(10, 3, n), 1)
            y = np.round(rng.choice([1.0, 0.5, -1.0]) * x + rng.normal(0, 1, n), 1)
        else:
            x = rng.normal(size=n)
            y = -x + rng.choice([0.0, 0.1], n)
        if np.ptp(x) == 0 or np.ptp(y) == 0:
            continue
        y = y * (-1.0 if stats.kendalltau(x, y).statistic < 0 else 1.0)  # as passing_bablok
        for z in (0.5, 1.96, 3.0):
            np.testing.assert_allclose(regression._pb_core(x, y, z, rule),
                                       _pb_all_pairs(x, y, z, rule), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("block", [1 << 18, 5])
def test_passing_bablok_with_ties_and_missing_values_matches_r_mcr(block, monkeypatch):
    """R mcr, data(creatinine) (serum vs plasma creatinine, 110 patients, 2 plasma values
    missing; 41 tied serum values, one identical pair), mcreg(x, y, method.reg="PaBa",
    method.ci="analytical", slope.measure="radian"), as printed by printSummary in R.
    Wicklin's "Passing-Bablok regression in SAS" (SAS blog, 2022): intercept -0.1171729
    (-0.2001149, -0.020000), slope 1.0880089 (1.0000000, 1.173005). The mcr reference data
    of test_agreement.py hold no ties; in blocks of 5 pairs as well."""
    monkeypatch.setattr(regression, "_PB_BLOCK", block)
    d = pd.read_csv(Path(__file__).parents[1] / "reference" / "mcr_creatinine.csv", comment="#")
    res = _rows(passing_bablok(d.serum_crea, d.plasma_crea))
    np.testing.assert_allclose(res.loc["slope", ["estimate", "ci_low", "ci_high"]].to_numpy(float),
                               [1.0880089, 1.0, 1.173005], atol=6e-7)
    np.testing.assert_allclose(
        res.loc["intercept", ["estimate", "ci_low", "ci_high"]].to_numpy(float),
        [-0.1171729, -0.2001149, -0.02], atol=6e-7)
    assert (res.n_obs == 108).all()


def test_passing_bablok_keeps_one_float_per_pairwise_slope():
    """n = 3000 (4.5 M slopes): the code before held ~50 bytes a pair at once (index arrays,
    differences, masks, angles, slopes: 225 MB here, 10 GB at the accepted n = 20,000)."""
    rng = np.random.default_rng(0)
    x = rng.lognormal(3, 0.5, 3000)
    y = 1.02 * x + rng.normal(0, 1, x.size)
    passing_bablok(x[:10], y[:10])  # imports done before measuring
    tracemalloc.start()
    try:
        passing_bablok(x, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # one float64 slope a pair (8 B) plus the sort's and the blocks' temporaries:
    # measured 11.8 B; the all-pairs code took about 50
    assert peak / (x.size * (x.size - 1) / 2) < 16


def test_passing_bablok_cusum_does_not_depend_on_row_order_when_the_slope_is_0():
    """The CUSUM orders the points along the fitted line; with the paper's formula
    (y + x/b - a)/sqrt(1 + 1/b^2) a slope of 0 gave NaN for every point, so the order (and
    p = 0.02 or 0.11) was the order of the rows. Here the points along the line y = a are
    ordered by x: residuals +,+,..,-,..,+,+ of a parabola, which the test rejects."""
    x = np.arange(1.0, 21.0)
    y = 10 + 0.05 * (x - 10.5) ** 2
    order = np.random.default_rng(1).permutation(x.size)
    a = _rows(passing_bablok(x, y))
    b = _rows(passing_bablok(x[order], y[order]))
    assert a.loc["slope", "estimate"] == 0
    assert b.loc["cusum", "p_value"] == pytest.approx(a.loc["cusum", "p_value"], rel=1e-12)
    assert a.loc["cusum", "p_value"] < 0.05


def test_passing_bablok_intercept_ci_of_negative_x_mirrors_positive_x():
    """Negating both methods negates the line's intercept and keeps every pairwise slope, so
    the intercept's CI must mirror: (-high, -low). The rule of Passing & Bablok (1983, Sect.
    3.3), median(y - B_U x) to median(y - B_L x), assumes x >= 0; with x < 0 it gave
    ci_low > ci_high."""
    rng = np.random.default_rng(4)
    x = rng.uniform(50, 100, 40)
    y = 5 + 1.1 * x + rng.normal(0, 2, x.size)
    pos = _rows(passing_bablok(x, y))
    neg = _rows(passing_bablok(-x, -y))
    assert neg.loc["intercept", "estimate"] == pytest.approx(-pos.loc["intercept", "estimate"])
    np.testing.assert_allclose(neg.loc["intercept", ["ci_low", "ci_high"]].to_numpy(float),
                               -pos.loc["intercept", ["ci_high", "ci_low"]].to_numpy(float))
    assert neg.loc["intercept", "ci_low"] < neg.loc["intercept", "estimate"] < neg.loc[
        "intercept", "ci_high"]


def test_passing_bablok_intercept_ci_of_x_of_both_signs_is_nan_with_the_reason():
    """x from -30 to 30: the medians of y - b x at the slope's limits were 5.347 to 5.290,
    an 'interval' that missed the estimate 5.334."""
    rng = np.random.default_rng(4)
    x = rng.uniform(-30, 30, 40)
    y = 5 + 1.1 * x + rng.normal(0, 2, x.size)
    with pytest.warns(UserWarning, match=r"x holds negative and positive values, so the CI "
                                         r"of the intercept .* is NaN"):
        res = _rows(passing_bablok(x, y))
    assert res.loc["intercept", ["ci_low", "ci_high"]].isna().all()
    assert np.isfinite(res.loc["slope", ["estimate", "ci_low", "ci_high"]].astype(float)).all()


def test_passing_bablok_cusum_scores_points_on_the_line_0():
    """y = x at 30 of 40 points, +1 and -1 alternately at the other 10: the slope comes out
    as tan(pi/4) = 0.9999999999999999, which left the 30 points 1e-16 off the line with
    scores of that sign, and the test rejected linearity (p = 0.0004). By hand (Passing &
    Bablok 1983, Sect. 5): l = L = 5, scores +-1 alternating, max|cusum| = 1,
    H = 1/sqrt(L + 1); p = 1 - K(H), K the Kolmogorov distribution."""
    x = np.arange(1.0, 41.0)
    y = x.copy()
    y[3::8] += 1
    y[7::8] -= 1
    res = _rows(passing_bablok(x, y))
    assert res.loc["cusum", "estimate"] == pytest.approx(1 / np.sqrt(6), rel=1e-12)
    assert res.loc["cusum", "p_value"] == pytest.approx(special.kolmogorov(1 / np.sqrt(6)))


def test_passing_bablok_cusum_of_rounded_data_does_not_depend_on_row_order():
    """Integer results (rounded lab data) on y = x +- 1: points at one place along the line,
    e.g. (3, 4) and (4, 3), were ordered by the rows' order or by rounding noise in the
    slope; the p-value of one data set ranged over 0.005-0.06 with the row order. A
    simulation of such linear data rejected linearity at 5 % in 90 % of data sets."""
    rng = np.random.default_rng(5)
    x = rng.integers(1, 10, 80).astype(float)
    y = x + rng.integers(-1, 2, 80)
    p = {_rows(passing_bablok(x[o], y[o])).loc["cusum", "p_value"]
         for o in [np.arange(80)] + [rng.permutation(80) for _ in range(10)]}
    assert max(p) - min(p) < 1e-12


# --------------------------------------------------------------------------- Deming
def _major_axis_slope(x, y, lam):
    """Deming slope as the major axis of (x, y/sqrt(lam)), rescaled: an independent route."""
    w, v = np.linalg.eigh(np.cov(x, y / np.sqrt(lam)))
    return np.sqrt(lam) * v[1, -1] / v[0, -1]


@pytest.mark.parametrize("lam", [1e8, 1e12, 1e14])
def test_deming_tends_to_least_squares_without_cancellation(lam):
    """As lambda grows the Deming line tends to least squares of y on x; the closed form
    (d + sqrt(d^2 + 4 lam p^2)) / 2p cancelled (d ~ -lam u): at lambda = 1e14 the slope was off
    by 7e-4 (relative) and its jackknife SE by 15 %."""
    rng = np.random.default_rng(2)
    x = rng.uniform(50, 150, 40)
    y = 1.1 * x + rng.normal(0, 3, x.size)
    ols = np.polyfit(x, y, 1)[0]
    loo = np.array([np.polyfit(np.delete(x, k), np.delete(y, k), 1)[0] for k in range(x.size)])
    se_ols = np.sqrt((x.size - 1) / x.size * ((loo - loo.mean()) ** 2).sum())
    res = _rows(deming(x, y, error_ratio=lam))
    assert res.loc["slope", "estimate"] == pytest.approx(ols, rel=2e-7)
    assert res.loc["slope", "se"] == pytest.approx(se_ols, rel=1e-5)


@pytest.mark.parametrize("lam", [1e12, 1e16])
def test_deming_at_a_huge_error_ratio_gives_analyse_it_least_squares(lam):
    """R mcr 1.3's AnalyzeIT reference for data set TD15 (MC_TestCase_AnaIT_TD15.xml, in
    tests/reference/mcr_reference_results.csv): least squares slope 0.955092812261344 and
    intercept 1.52907247609414. The limit of Deming as lambda grows; before, lambda = 1e16
    gave a slope of 0.691 and an intercept of 13.8."""
    d = pd.read_csv(Path(__file__).parents[1] / "reference" / "mcr_testdata.csv", comment="#")
    ref = pd.read_csv(Path(__file__).parents[1] / "reference" / "mcr_reference_results.csv",
                      comment="#").query("algorithm == 'LinReg'").set_index("statistic")
    d = d[d.dataset == "TD15"]
    res = _rows(deming(d.x, d.y, error_ratio=lam))
    for stat in ("slope", "intercept"):
        assert res.loc[stat, "estimate"] == pytest.approx(ref.loc[stat, "estimate"], rel=1e-9)


def test_deming_jackknife_when_a_leave_one_out_covariance_is_0():
    """Without the last pair the others have covariance 0 and, with lambda = 4, more spread in
    x than in y/2: that leave-one-out line is horizontal (slope 0), not 0/0 = NaN, which made
    the SE and CIs NaN."""
    x, y = np.array([1.0, 2.0, 3.0, 10.0]), np.array([1.0, 3.0, 1.0, 10.0])
    res = _rows(deming(x, y, error_ratio=4.0))
    loo = np.array([_major_axis_slope(np.delete(x, k), np.delete(y, k), 4.0) for k in range(4)])
    assert loo[3] == pytest.approx(0.0, abs=1e-12)
    se = np.sqrt(3 / 4 * ((loo - loo.mean()) ** 2).sum())
    assert res.loc["slope", "estimate"] == pytest.approx(_major_axis_slope(x, y, 4.0), rel=1e-12)
    assert res.loc["slope", "se"] == pytest.approx(se, rel=1e-10)


@pytest.mark.parametrize("weighted", [False, True])
def test_deming_says_why_its_jackknife_is_nan(weighted):
    """With lambda = 1 the same leave-one-out line is vertical: no finite jackknife, so NaN
    SE and CIs, and the user is told which pair and why (before: NaN and numpy warnings)."""
    with pytest.warns(UserWarning, match=r"without the pair x=10.0, y=10.0 .* jackknife se and "
                                         r"CIs are NaN"):
        res = _rows(deming([1.0, 2.0, 3.0, 10.0], [1.0, 3.0, 1.0, 10.0], weighted=weighted))
    assert np.isnan(res.loc["slope", "se"]) and np.isfinite(res.loc["slope", "estimate"])


WD_X = np.array([0.72, 0.04, 3.05, 258.98, 0.34, 12.22, 2.87, 6.63, 25.04, 3.21, 65.03, 32.94,
                 1.41, 697.01])
WD_Y = np.array([0.19, 0.29, 24.59, 599.2, 8.0, 4.31, 11.27, 1.19, 221.82, 7.96, 244.4, 10.42,
                 1.34, 768.83])


def test_weighted_deming_finds_the_fixed_point_when_the_iteration_cycles():
    """Very scattered data (CVs of ~100 %): Linnet's (1990) iteration settled into a 2-cycle
    between slopes 1.326 and 1.382, and the slope returned after 100 iterations (1.3259) or
    101 (1.3822) was whichever the cycle was at. The weighted Deming line is the fixed point:
    weights 1/level^2 computed on it give it back (checked here by one more step)."""
    slope, inter, ok = regression._wdeming_fit(WD_X, WD_Y, 1.0)
    assert ok
    for max_iter in (100, 101):  # no longer depends on the parity of the iteration count
        assert regression._wdeming_fit(WD_X, WD_Y, 1.0, max_iter=max_iter)[0] == pytest.approx(
            slope, rel=1e-10)
    d = WD_Y - (inter + slope * WD_X)
    xhat = WD_X + slope * d / (1.0 + slope**2)
    w = 1.0 / ((xhat + inter + slope * xhat) / 2.0) ** 2
    np.testing.assert_allclose(regression._deming_fit(WD_X, WD_Y, 1.0, w), (slope, inter),
                               rtol=1e-9)
    assert 1.326 < slope < 1.382


def test_weighted_deming_that_does_not_converge_warns(monkeypatch):
    monkeypatch.setattr(regression._wdeming_fit, "__defaults__", (3, 1e-12))
    monkeypatch.setattr(regression._jackknife_wdeming, "__defaults__", (3, 1e-12))
    with pytest.warns(UserWarning, match=r"weighted fit did not converge in 15 of 15 fits"):
        deming(WD_X, WD_Y, weighted=True)


def _loo_loop(x, y, lam):
    """The weighted jackknife as it was: one ``_wdeming_fit`` per left-out pair."""
    with np.errstate(divide="ignore", invalid="ignore"):
        fits = [regression._wdeming_fit(np.delete(x, k), np.delete(y, k), lam)
                for k in range(x.size)]
    return np.array([f[:2] for f in fits]), np.array([f[2] for f in fits])


@pytest.mark.parametrize("lam", [1.0, 1 / 1.21, 4.0])
@pytest.mark.parametrize("case", ["TD15", "TD41", "cycling"])
def test_weighted_deming_jackknife_refits_all_pairs_at_once_as_the_loop(case, lam, monkeypatch):
    """The n leave-one-out refits of the weighted fit were one Python call each (n + 1 calls
    of ``_wdeming_fit`` a fit); now they are iterated together as rows of one array (one
    call, the full fit), each stopping where its own iteration stops. Same lines as the
    loop to 1e-12 (4e-14 measured) and the same convergence flags, also for WD_X/WD_Y,
    whose refits cycle and need the half steps; with blocks of 3 refits (the block bound
    for large n) too. mcr's AnalyzeIT values for TD15 are test_agreement's."""
    from labstats.stats import _deming

    d = pd.read_csv(Path(__file__).parents[1] / "reference" / "mcr_testdata.csv", comment="#")
    x, y = (WD_X, WD_Y) if case == "cycling" else (d.x[d.dataset == case].to_numpy(),
                                                   d.y[d.dataset == case].to_numpy())
    want, want_ok = _loo_loop(x, y, lam)
    with np.errstate(divide="ignore", invalid="ignore"):
        got, ok = regression._jackknife_wdeming(x, y, lam)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_array_equal(ok, want_ok)
    monkeypatch.setattr(_deming, "_LOO_BLOCK", 3 * x.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_allclose(regression._jackknife_wdeming(x, y, lam)[0], want, rtol=1e-12)
    monkeypatch.setattr(_deming, "_LOO_MAX_ROWS", 5)  # large n: one refit at a time
    with np.errstate(divide="ignore", invalid="ignore"):
        got, ok = regression._jackknife_wdeming(x, y, lam)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_array_equal(ok, want_ok)
    calls = []
    fit = regression._wdeming_fit
    monkeypatch.setattr(regression, "_wdeming_fit", lambda *a, **k: calls.append(1) or fit(*a, **k))
    deming(x, y, error_ratio=lam, weighted=True)
    assert len(calls) == 1  # the full fit; before: 1 + n


@pytest.mark.parametrize("bad", [True, "1"])
def test_deming_error_ratio_must_be_a_positive_number(bad):
    """True was taken as 1 and "1" gave a TypeError from numpy naming no argument."""
    with pytest.raises(ValueError, match=r"error_ratio=.* is not valid: it must be a number > 0"):
        deming([1.0, 2.0, 3.0, 4.0], [1.1, 2.3, 2.9, 4.2], error_ratio=bad)


def test_weighted_deming_names_the_non_positive_value():
    with pytest.raises(ValueError, match=r"weighted=True needs positive x and y \(got -1.0\)"):
        deming([1.0, -1.0, 3.0, 4.0], [1.1, 2.3, 2.9, 4.2], weighted=True)


# --------------------------------------------------------------------------- imprecision
def _fai(tt, shbg):
    return 100 * tt / shbg


def test_delta_method_input_of_zero_adds_no_variance():
    """a + b at a = 0 (e.g. a value reported as 0): a's SD is 0.1 x 0 = 0, so sd = 0.1 x 10
    exactly (GUM eq. 10); the numerical slope 0/0 made the whole row NaN."""
    res = propagate_imprecision(lambda a, b: a + b, {"a": [0.0, 2.0], "b": 10.0},
                                {"a": 0.1, "b": 0.1})
    np.testing.assert_allclose(res["sd"], [1.0, np.hypot(0.2, 1.0)], rtol=1e-8)
    np.testing.assert_allclose(res["share_a"], [0.0, 0.04 / 1.04], rtol=1e-6)


def test_monte_carlo_normal_draws_at_or_below_zero_warn():
    """CV 0.6 with the normal model draws ~5 % of the values below 0; before, a function such
    as free_testosterone then failed with 'shbg: 466 negative values ... at index 24' (an
    index of the draws, not of the user's data) and np.log gave NaN without a word."""
    with pytest.warns(UserWarning, match=r"cvs: 'a' = 0.6 with distribution='normal' draws "
                                         r"\d+ of 10000 values of a at or below 0"):
        propagate_imprecision(lambda a: 2 * a, {"a": 1.0}, {"a": 0.6}, method="monte_carlo")


@pytest.mark.parametrize("block", [None, 1])  # 1: each row in a block of its own
def test_monte_carlo_nan_draws_are_reported_not_silent(block, monkeypatch):
    if block:
        monkeypatch.setattr(imprecision, "_MC_BLOCK", block)
    with pytest.warns(UserWarning, match=r"function: NaN for \d+ of the 20000 draws at 2 input "
                                         r"point\(s\) \(10000 each; the first at index 'p2'\)"):
        with np.errstate(invalid="ignore"), pytest.warns(UserWarning, match="at or below 0"):
            res = propagate_imprecision(lambda x: np.log(x), {"x": pd.Series([1.0, 2.0], index=["p2", "p3"])},
                                        {"x": 0.6}, method="monte_carlo")
    assert res["sd"].isna().all()


def test_monte_carlo_holds_the_draws_of_a_block_of_rows_not_of_all():
    """2,000 rows x 10,000 draws: all draws of every input at once peaked at 800 MB (a
    NHANES cohort of 10,000 rows: 4 GB); blocks of rows keep it bounded."""
    rng = np.random.default_rng(0)
    inputs = {"tt": rng.uniform(5, 30, 2000), "shbg": rng.uniform(10, 80, 2000)}
    propagate_imprecision(_fai, {"tt": 1.0, "shbg": 2.0}, {"tt": 0.05}, method="monte_carlo",
                          n_draws=10)
    tracemalloc.start()
    try:
        res = propagate_imprecision(_fai, inputs, {"tt": 0.05, "shbg": 0.04},
                                    method="monte_carlo")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # blocks of _MC_BLOCK (16 MB of draws an input): measured 84 MB, about 5 blocks
    # (two inputs, their draws and the function's temporaries); 2,000 x 10,000 draws at
    # once peaked at 800 MB
    assert peak < 200e6
    # GUM eq. 12 to first order, and every block drawn (no row left at its initial value)
    np.testing.assert_allclose(res["cv"], np.hypot(0.05, 0.04), rtol=0.05)


@pytest.mark.parametrize("bad", [2.5, "100"])
def test_n_draws_must_be_a_whole_number_of_at_least_2(bad):
    """2.5 and "100" gave numpy TypeErrors naming no argument."""
    with pytest.raises(ValueError, match=r"n_draws must be a whole number >= 2"):
        propagate_imprecision(lambda a: a, {"a": 1.0}, {"a": 0.1}, method="monte_carlo",
                              n_draws=bad)


def test_cv_of_a_negative_value_is_positive():
    """GUM eq. 12: the relative uncertainty is u(y)/|y|; for a - b = -5 with sd 1 the cv was
    -0.2."""
    for method in ("delta", "monte_carlo"):
        res = propagate_imprecision(lambda a, b: a - b, {"a": 5.0, "b": 10.0}, {"b": 0.1},
                                    method=method)
        assert res["cv"].iloc[0] == pytest.approx(res["sd"].iloc[0] / 5.0)
        assert res["cv"].iloc[0] > 0


# --------------------------------------------------------------------------- Bland-Altman
def test_bland_altman_refuses_agreement_and_multiplier_together():
    """agreement=0.90 with multiplier=2 gave limits at z = 2 without a word."""
    with pytest.raises(ValueError, match=r"agreement=0.9 and multiplier=2: both set the z"):
        bland_altman([1.0, 2.0, 3.0, 4.0], [1.1, 2.3, 2.9, 4.2], agreement=0.9, multiplier=2)


def test_bland_altman_log_names_the_non_positive_value_and_its_row():
    x = pd.Series([1.0, 2.0, np.nan, 4.0], index=["a", "b", "c", "d"])
    y = pd.Series([1.1, -2.0, 0.0, 4.2], index=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match=r"y: 1 value\(s\) at or below 0; the first is -2.0 at "
                                         r"index 'b'. log=True analyses ln\(y\) - ln\(x\)"):
        bland_altman(x, y, log=True)


# --------------------------------------------------------------------------- ratio summary
def test_ratio_summary_names_the_non_positive_measured_value_and_its_row():
    calc = pd.Series([1.2, 2.4, np.nan, 1.1], index=["a", "b", "c", "d"])
    meas = pd.Series([1.0, 2.0, 0.0, -1.0], index=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match=r"measured: 1 value\(s\) at or below 0; the first is "
                                         r"-1.0 at index 'd'.*replace it with NaN"):
        ratio_summary(calc, meas)
