"""Audit of the newest statistics (indirect and direct reference intervals, LMS fits):
cases where a wrong number, a degenerate interval or a CI from another model came back
without a word. Each test failed on the code before its fix (see the commit messages).
"""

import warnings

import numpy as np
import pytest

from labstats import LabstatsWarning
from labstats.stats import indirect_reference_interval


def _quiet(fn, *a, **k):
    """Call ``fn`` and return (result, labstats warning messages)."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = fn(*a, **k)
    return out, [str(w.message) for w in rec if issubclass(w.category, LabstatsWarning)]


# ----------------------------------------------------------------- indirect: reflim bootstrap
def test_reflim_bootstrap_keeps_the_estimates_model():
    """Lognormal(3, 0.15): Bowley's rule picks log for the data but linear for about 40 %
    of resamples. The CI came from the model the *first* resample of a batch chose, so
    with some seeds the lower limit 15.1 had the CI 14.2-14.6 (the normal model's)."""
    x = np.random.default_rng(0).lognormal(3.0, 0.15, 3000)
    for seed in range(6):
        res = indirect_reference_interval(x, method="reflim", bootstrap=40, seed=seed)
        held = indirect_reference_interval(x, method="reflim", bootstrap=40, seed=seed,
                                           options={"log": bool(res["lam"][0] == 0)})
        np.testing.assert_array_equal(res[["ci_low", "ci_high"]], held[["ci_low", "ci_high"]])
        assert (res["ci_low"] <= res["estimate"]).all()
        assert (res["estimate"] <= res["ci_high"]).all()


# ----------------------------------------------------------------- indirect: coarse data
def test_reflim_coarse_values_give_nan_and_a_warning_not_a_zero_width_interval():
    """Normal(4.2, 0.06) reported to one decimal (true interval 4.08-4.32): 59 % of the
    values are 4.2, so Q1 = Q2 = Q3 and reflim's boxplot kept only them: 4.2-4.2 with the
    CI 4.2-4.2 and sigma 0, silently."""
    x = np.round(np.random.default_rng(0).normal(4.2, 0.06, 3000), 1)
    res, msgs = _quiet(indirect_reference_interval, x, method="reflim", bootstrap=10, seed=1)
    assert res[["estimate", "ci_low", "ci_high"]].isna().all().all()
    assert any("found no reference interval" in m and "distinct values" in m for m in msgs)


def test_all_equal_values_refused_clearly_or_nan_with_a_reason():
    x = np.full(2000, 5.0)
    res, msgs = _quiet(indirect_reference_interval, x, method="refiner", bootstrap=5, seed=1)
    assert res["estimate"].isna().all()
    assert any("found no reference interval" in m for m in msgs)
    # kosmic blamed censoring (there is none); tmc failed inside numpy
    for method in ("kosmic", "tmc"):
        with pytest.raises(ValueError, match="coincide: most values are equal"):
            indirect_reference_interval(x, method=method, bootstrap=0)


def test_interval_narrower_than_the_reporting_step_warns():
    """Two reported values 5.0 and 5.1: kosmic returned 4.98-5.02 without a word (refiner
    5.092-5.092 from an inadmissible grid point, now NaN: test below)."""
    x = np.r_[np.full(1000, 5.0), np.full(1000, 5.1)]
    res, msgs = _quiet(indirect_reference_interval, x, method="kosmic", bootstrap=0)
    assert res["estimate"].diff().iloc[1] < 0.1
    assert any("narrower than the step 0.1" in m for m in msgs)


def test_failed_bootstrap_resamples_are_counted_not_dropped_silently():
    """reflim on two values: 9 of 10 resamples gave a zero-width interval that entered
    the percentile CI without a word."""
    x = np.r_[np.full(1000, 5.0), np.full(1000, 5.1)]
    res, msgs = _quiet(indirect_reference_interval, x, method="reflim", bootstrap=10, seed=1)
    assert np.isfinite(res["estimate"]).all()
    assert any("of 10 bootstrap resamples gave no interval" in m for m in msgs)


def test_unknown_option_names_the_methods_options():
    """options={"perc_trunc": 5} (reflim's) with refiner: TypeError 'fit() got an
    unexpected keyword argument' from inside, naming no keyword of the API."""
    x = np.random.default_rng(0).lognormal(3.0, 0.25, 1000)
    with pytest.raises(ValueError, match="options: 'perc_trunc' not understood by "
                                         "method='refiner'; its options are 'model'"):
        indirect_reference_interval(x, method="refiner", bootstrap=0,
                                    options={"perc_trunc": 5})


# ----------------------------------------------------------------- direct: robust method
def test_robust_interval_with_mostly_tied_values_is_nan_with_the_reason():
    """78 of 120 values 4.0 (one decimal): the MAD is 0 and the robust method returned the
    interval 4.0-4.0 with the CIs 4.0-4.0, silently (nonparametric: 3.6-4.5)."""
    from labstats.stats import reference_interval

    rng = np.random.default_rng(0)
    x = np.r_[np.full(70, 4.0), np.round(rng.normal(4.0, 0.3, 50), 1)]
    res, msgs = _quiet(reference_interval, x, method="robust", n_boot=200)
    assert res[["estimate", "ci_low", "ci_high"]].isna().all().all()
    assert any("MAD 0" in m for m in msgs)


def test_robust_bootstrap_resamples_without_a_scale_are_counted():
    """CLSI EP28-A3c Appendix B calcium (n = 20, one decimal): a resample with more than
    half of its values equal entered the CI as the interval (median, median)."""
    from labstats.stats import reference_interval

    x = np.array([8.9, 9.2] + [9.4] * 2 + [9.5] * 3 + [9.6] * 4 + [9.7] * 5 + [9.8]
                 + [9.9] * 2 + [10.2])
    res, msgs = _quiet(reference_interval, x, method="robust", transform=None, n_boot=200,
                       by=["a"] * 20)
    assert np.isfinite(res[["estimate", "ci_low", "ci_high"]]).all().all()
    assert any("for {'group': 'a'}: 1 of 200 bootstrap resamples" in m for m in msgs)


# ----------------------------------------------------------------- fit_lms: no spread
def test_fit_lms_without_spread_in_age_or_value_says_so():
    """One age: 'age: reference ages repeat for sex all' (from building the table); one
    value: FloatingPointError 'non-finite working values for S'."""
    from labstats.stats import fit_lms

    rng = np.random.default_rng(0)
    age = rng.uniform(5, 15, 200)
    y = np.exp(np.log(10 + age) + 0.1 * rng.standard_normal(200))
    with pytest.raises(ValueError, match=r"age: all 200 rows used have age 10\.0"):
        fit_lms(np.full(200, 10.0), y)
    with pytest.raises(ValueError, match=r"value: all 100 rows of the females used have value"):
        fit_lms(age, np.where(np.arange(200) < 100, y, 20.0), sex=np.repeat([1, 2], 100))


def test_refiner_with_no_admissible_model_gives_nan_not_the_first_grid_point():
    """Three equal modes (10, 20, 30): no model explains the 40 % refiner requires, every
    cost is infinite, and the first grid point came back as the interval 8.06-10.25
    (P = 0.13), silently."""
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(10, 1, 2000), rng.normal(20, 1, 2000), rng.normal(30, 1, 2000)]
    res, msgs = _quiet(indirect_reference_interval, x, method="refiner", bootstrap=0)
    assert res["estimate"].isna().all()
    assert any("no admissible model" in m and "No model explains the main peak" in m
               for m in msgs)


# ----------------------------------------------------------------- BCCG tails
@pytest.mark.parametrize("L, y, z_lms", [(1.0, 40.0, 10.0), (1.0, 200.0, 63.3333333),
                                          (2.0, 50.0, 40.0), (-1.0, 0.01, -3330.0)])
def test_bccg_zscore_of_a_far_value_is_finite(L, y, z_lms):
    """BCCG z = Phi^-1(F(y)) (M 10, S 0.3): for L = 1, y = 40 the LMS z is 10 and
    1 - F = Phi(-10) / Phi(3.33) = 7.6e-24, so the BCCG z is 10 to 1e-3 (the truncation
    moves it by < 1e-4); F was formed as 1 - 7.6e-24 = 1.0 and the z-score was inf (-inf
    for L = -1, y = 0.01, where Phi(-3330) underflows). The value at that z is y again."""
    from labstats.stats import LMSTable

    t = LMSTable([0, 10], [L, L], [10.0, 10.0], [0.3, 0.3], age_unit="years",
                 family="bccg")
    z = float(t.zscore(y, 5.0))
    assert z == pytest.approx(z_lms, rel=1e-3)
    assert float(t.value_at(z, 5.0)) == pytest.approx(y, rel=1e-6)
    assert t.centile(y, 5.0) == (100.0 if z > 0 else 0.0)


def test_bccg_value_at_the_truncation_end_is_zero_not_nan():
    """L = 1, S = 0.5: the BCCG's lower end is y = 0, reached for z -> -inf; z = -9 gave NaN
    (1 + L S zp rounded below 0), the quantile is 0 to double precision."""
    from labstats.stats import LMSTable

    t = LMSTable([0, 10], [1.0, 1.0], [10.0, 10.0], [0.5, 0.5], age_unit="years",
                 family="bccg")
    v = t.value_at(np.array([-9.0, -6.0, 0.0]), 5.0)
    assert v[0] == pytest.approx(0.0, abs=1e-9) and np.isfinite(v).all()
    assert np.all(np.diff(v) > 0) or v[0] == v[1] == 0.0


def test_estimate_outside_its_bootstrap_ci_warns():
    """RIbench Hb (true 11-15), n = 1000, 30 % pathological: refiner's lower limit 10.68
    came with the CI 10.96-11.24 and the upper 15.92 with 15.19-15.59, without a word."""
    from labstats.stats._simulate_ri import simulate

    d = simulate("Hb", 1000, p_path=0.3, seed=3)
    res, msgs = _quiet(indirect_reference_interval, d["values"], method="refiner",
                       bootstrap=30, seed=1)
    outside = (res["estimate"] < res["ci_low"]) | (res["estimate"] > res["ci_high"])
    assert outside.all()
    assert any("the estimate lies outside its bootstrap CI: lower 10.6" in m for m in msgs)


# ----------------------------------------------------------------- partition_test: ties
def test_lahti_does_not_split_identical_groups_of_rounded_values():
    """Two random halves of one N(140, 1.5) reported as integers (sodium): about 20 % of
    the values sit on each combined limit and were counted inside, so each half had
    ~1.2 % (not 2.5 %) outside and the groups were 'marginal' or 'partition' (the
    docstring's law: identical groups are not split). Continuous values: no partition."""
    from labstats.stats import partition_test

    rng = np.random.default_rng(0)
    x = np.round(rng.normal(140, 1.5, 40000))
    g = np.where(rng.random(40000) < 0.5, "f", "m")
    res = partition_test(x, g, method="lahti")
    assert (res["decision"] == "no_partition").all()
    assert res["estimate"].to_numpy() == pytest.approx(0.025, abs=0.002)
    shifted = np.r_[x[:2000], x[2000:4000] + 2.0]
    halves = np.repeat(["f", "m"], 2000)
    assert (partition_test(shifted, halves, method="lahti")["decision"] == "partition").all()


# ----------------------------------------------------------------- LMS tables: absent sex
def test_scoring_a_sex_the_table_lacks_warns_and_age_range_says_why():
    """A table of boys only (or fit_lms on men with sex=): girls' rows scored NaN without a
    word, and age_range('F') raised KeyError: 1.0."""
    from labstats.stats import LMSPTable, LMSTable

    t = LMSTable([0, 10], [1.0, 1.0], [10.0, 10.0], [0.1, 0.1], sex=["M", "M"],
                 age_unit="years")
    with pytest.warns(LabstatsWarning, match="sex: 2 rows of sex female scored NaN; the "
                                             "table has male only"):
        z = t.zscore(np.array([10.0, 11.0, 12.0]), 5.0, np.array(["M", "F", "F"]))
    assert z[0] == 0.0 and np.isnan(z[1:]).all()
    with pytest.raises(ValueError, match="the table has male only; got 'F'"):
        t.age_range("F")
    tp = LMSPTable([0, 10], [1.0, 1.0], [10.0, 10.0], [0.1, 0.1], [2.0, 2.0], sex=["M", "M"],
                   age_unit="years")
    with pytest.warns(LabstatsWarning, match="1 row of sex female scored NaN"):
        assert np.isnan(tp.value_at(0.0, 5.0, "F"))


@pytest.mark.parametrize("bad", [0, -1, 60, "5"])
def test_reflim_perc_trunc_out_of_range_is_refused(bad):
    """perc_trunc=0 or 60 gave NaN limits with a message about the data (0: no truncation,
    k infinite), "5" a TypeError from inside."""
    x = np.random.default_rng(0).lognormal(3.0, 0.25, 1000)
    with pytest.raises(ValueError, match=r"perc_trunc is the percentage truncated on each "
                                         r"side, a number in \(0, 25\]"):
        indirect_reference_interval(x, method="reflim", bootstrap=0,
                                    options={"perc_trunc": bad})


def test_a_pile_at_the_smallest_value_without_lod_warns():
    """RIbench GGT (true 10-50), 10 % below a detection limit of 12 stored as LOD/sqrt(2)
    = 8.49 (NHANES' convention) and passed without censored=/lod=: refiner's lower limit
    fell from 8.1 (with lod=) to 3.1, silently."""
    from labstats.stats._simulate_ri import simulate

    d = simulate("GGT", 5000, p_path=0.1, lod_quantile=0.1, seed=2)
    stand_in = np.where(d["censored"], d["lod"] / np.sqrt(2), d["values"])
    res, msgs = _quiet(indirect_reference_interval, stand_in, method="reflim", bootstrap=0)
    assert any("9.9% of the values equal the smallest, 8.48528" in m
               and "pass censored= and lod=" in m for m in msgs)
    _, msgs = _quiet(indirect_reference_interval, stand_in, method="reflim", bootstrap=0,
                     lod=d["lod"])
    assert not any("equal the smallest" in m for m in msgs)
    # the other end: CRP results above 10 stored as 10 (">10")
    crp = np.minimum(simulate("CRP", 5000, p_path=0.1, seed=2)["values"], 10.0)
    _, msgs = _quiet(indirect_reference_interval, crp, method="reflim", bootstrap=0)
    assert any("6.8% of the values equal the largest, 10" in m and "censored='>'" in m
               for m in msgs)


# ----------------------------------------------------------------- fit_lms: replicates
def test_unconverged_bootstrap_replicates_are_left_out_and_counted():
    """The main fit converges in 5 steps; with max_iter=5, 6 of 8 Rao-Wu replicates did not
    converge, entered the intervals as their last step, and 'replicates' said 8."""
    from labstats.stats import fit_lms
    from tests.stats.test_centiles_fit import tt_design

    des = tt_design()
    f, msgs = _quiet(fit_lms, "age", "tt", design=des, df=(1, 3, 2), replicates=8, seed=1,
                     max_iter=5)
    assert bool(f.diagnostics.summary["converged"][0])
    assert any("of 8 bootstrap replicates, 0 failed and 6 did not converge" in m for m in msgs)
    assert (f.diagnostics.ci["replicates"] == 2).all()


# ----------------------------------------------------------------- too few resamples
def test_too_few_resamples_for_the_ci_warn():
    """bootstrap=1 gave a zero-width '90 % CI' (12.48-12.48 beside the estimate 12.19),
    n_boot=3 the range of three resamples, without a word; 20 are enough for 90 %."""
    from labstats.stats import reference_interval

    x = np.random.default_rng(0).lognormal(3.0, 0.25, 2000)
    res, msgs = _quiet(indirect_reference_interval, x, method="reflim", bootstrap=1, seed=1)
    assert (res["ci_low"] == res["ci_high"]).all()
    assert any("bootstrap=1 resamples are too few for a 90% percentile CI (at least 20"
               in m for m in msgs)
    assert not any("outside its bootstrap CI" in m for m in msgs)
    _, msgs = _quiet(reference_interval, x[:200], method="bootstrap", n_boot=3,
                     confidence=0.95)
    assert any("n_boot=3 resamples are too few for a 95% percentile CI (at least 40"
               in m for m in msgs)
    _, msgs = _quiet(reference_interval, x[:200], method="bootstrap", n_boot=20)
    assert not any("too few" in m for m in msgs)
