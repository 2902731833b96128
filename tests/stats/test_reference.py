"""Tests for labstats.stats.reference (reference intervals, outliers, partitioning).

External references:
- CLSI EP28-A3c, Table 8 (ranks of the 90 % CI of the 2.5th percentile: n = 120 -> 1 and 7).
- CLSI EP28-A3c Appendix B robust-method example (20 calcium values), with the result printed
  in R mcradds 1.1 tests/testthat/test-referenceInterval.R: robustRI(x) = 9.049545, 10.199396.
- R mcradds 1.1 tests/testthat/test-outlier.R: tukey_outlier() and dixon_outlier() examples.
- R 4.2.2 outputs in tests/reference/r_references.csv (quantile type 6; car 3.1 powerTransform,
  bcPower), made by tests/reference/make_r_references.R from tests/reference/ri_sample.csv.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labstats import LabstatsWarning
from labstats.stats import partition_test, reference_interval, reference_outliers
from labstats.stats.reference import order_statistic_ranks

REF = Path(__file__).parents[1] / "reference"
SAMPLE = pd.read_csv(REF / "ri_sample.csv", comment="#")
R = pd.read_csv(REF / "r_references.csv", comment="#").set_index(["case", "statistic"])["value"]
# CLSI EP28-A3c Appendix B, as transcribed in mcradds' test (see module docstring)
CALCIUM20 = np.array([8.9, 9.2] + [9.4] * 2 + [9.5] * 3 + [9.6] * 4 + [9.7] * 5 + [9.8]
                     + [9.9] * 2 + [10.2])


def _lim(res, limit, col="estimate"):
    return float(res.loc[res.limit == limit, col].iloc[0])


def test_clsi_rank_table_n120():
    """CLSI EP28-A3c Table 8: n = 120 -> ranks 1 and 7 for the lower limit (114, 120 upper)."""
    assert order_statistic_ranks(120, 0.025, 0.90) == (1, 7)
    assert order_statistic_ranks(120, 0.975, 0.90) == (114, 120)


def test_order_statistic_ranks_cover_at_least_the_confidence():
    from scipy import stats

    for n in (120, 153, 200, 500, 1000):
        r, s = order_statistic_ranks(n, 0.025, 0.90)
        cover = stats.binom.cdf(s - 1, n, 0.025) - stats.binom.cdf(r - 1, n, 0.025)
        assert cover >= 0.90


@pytest.mark.parametrize("group", ["F", "M", "all"])
def test_nonparametric_limits_match_r_quantile_type6(group):
    """R 4.2.2: quantile(v, c(.025, .975), type = 6) (CLSI rank p(n+1))."""
    v = SAMPLE.value if group == "all" else SAMPLE.value[SAMPLE.sex == group]
    res = reference_interval(v)
    assert _lim(res, "lower") == pytest.approx(R[f"ri_{group}", "lower"], rel=1e-12)
    assert _lim(res, "upper") == pytest.approx(R[f"ri_{group}", "upper"], rel=1e-12)


def test_nonparametric_ci_are_the_clsi_order_statistics():
    v = SAMPLE.value[SAMPLE.sex == "F"].to_numpy()  # n = 120
    xs = np.sort(v)
    res = reference_interval(v)
    assert (_lim(res, "lower", "ci_low"), _lim(res, "lower", "ci_high")) == (xs[0], xs[6])
    assert (_lim(res, "upper", "ci_low"), _lim(res, "upper", "ci_high")) == (xs[113], xs[119])


@pytest.mark.parametrize("group", ["F", "M", "all"])
def test_parametric_boxcox_matches_r_car(group):
    """R car 3.1: lam <- powerTransform(v)$lambda; bcPower(v, lam); mean -/+ qnorm(.975) sd,
    back-transformed. scipy's MLE lambda and car's agree to about 1e-6."""
    v = SAMPLE.value if group == "all" else SAMPLE.value[SAMPLE.sex == group]
    res = reference_interval(v, method="parametric")
    assert _lim(res, "lower") == pytest.approx(R[f"ri_{group}", "parametric_lower"], rel=1e-5)
    assert _lim(res, "upper") == pytest.approx(R[f"ri_{group}", "parametric_upper"], rel=1e-5)


def test_parametric_limits_lie_inside_their_ci():
    res = reference_interval(SAMPLE.value, method="parametric")
    assert (res.ci_low < res.estimate).all() and (res.estimate < res.ci_high).all()


def test_robust_matches_clsi_ep28_appendix_b():
    """CLSI EP28-A3c Appendix B via R mcradds: robustRI(x) = c(9.049545, 10.199396); mcradds
    stops the biweight iteration at 1e-6, hence the tolerance."""
    with pytest.warns(LabstatsWarning, match="1 of 200 bootstrap resamples"):  # MAD 0
        res = reference_interval(CALCIUM20, method="robust", transform=None, n_boot=200)
    assert _lim(res, "lower") == pytest.approx(9.049545, abs=5e-6)
    assert _lim(res, "upper") == pytest.approx(10.199396, abs=5e-6)
    assert (res.ci_low < res.estimate).all() and (res.estimate < res.ci_high).all()


def test_bootstrap_is_reproducible_and_brackets_the_estimate():
    a = reference_interval(SAMPLE.value, method="bootstrap", n_boot=300, seed=5)
    b = reference_interval(SAMPLE.value, method="bootstrap", n_boot=300, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert (a.ci_low <= a.estimate).all() and (a.estimate <= a.ci_high).all()


def test_by_gives_one_row_per_partition_and_limit():
    res = reference_interval(SAMPLE.value, by=SAMPLE.sex)
    assert list(res.columns[:2]) == ["sex", "limit"]
    assert res[["sex", "limit"]].values.tolist() == [["F", "lower"], ["F", "upper"],
                                                     ["M", "lower"], ["M", "upper"]]
    assert res.n.tolist() == [120] * 4


def test_tukey_flags_match_mcradds():
    """R mcradds 1.1 test-outlier.R: tukey_outlier(x)$ord == c(1, 4, 8, 13) (raw data)."""
    x = [13.6, 44.4, 45.9, 14.9, 41.9, 53.3, 44.7, 95.2, 44.1, 50.7, 45.2, 60.1, 89.1]
    assert reference_outliers(x, transform=None)["index"].tolist() == [0, 3, 7, 12]


def test_dixon_flags_match_mcradds():
    """R mcradds 1.1 test-outlier.R: dixon_outlier(x)$out == c(13.6, 11.9, 95.2, 89.1)."""
    x = [13.6, 44.4, 45.9, 11.9, 41.9, 53.3, 44.7, 95.2, 44.1, 50.7, 45.2, 60.1, 89.1]
    out = reference_outliers(x, method="dixon")
    assert sorted(out.value.tolist()) == [11.9, 13.6, 89.1, 95.2]


def test_outliers_are_reported_never_silently_removed():
    x = pd.Series(np.r_[np.linspace(40, 60, 150), 400.0], index=[f"s{i}" for i in range(151)])
    kept = reference_interval(x)
    assert kept.n.tolist() == [151, 151] and (kept.excluded == "").all()
    dropped = reference_interval(x, exclude="dixon")
    assert dropped.n.tolist() == [150, 150] and (dropped.n_excluded == 1).all()
    assert "'s150'" in dropped.excluded.iloc[0]


@pytest.mark.parametrize(("n", "coverage"), [(19, 0.90), (39, 0.95)])
def test_smallest_n_of_the_rank_rule_is_accepted(n, coverage):
    """CLSI EP28-A3c's rank rule r = p(n + 1) reaches rank 1 at n = 1/p - 1: 19 for a 90 %
    interval (p = 0.05), 39 for 95 % (p = 0.025); the limits are then the sample minimum
    and maximum. 0.5 - 0.90 / 2 is 0.04999999999999999 in floating point, which put rank 1
    below 1 and refused n = 19, contradicting the message's own 'needs n >= 19'."""
    x = np.arange(1.0, n + 1)
    with pytest.warns(LabstatsWarning, match="too few values for the order-statistic CI"):
        res = reference_interval(x, coverage=coverage)
    assert res.estimate.tolist() == [1.0, float(n)]
    with pytest.raises(ValueError, match=rf"needs n >= {n} for a {coverage:.0%} interval, "
                                         rf"got n = {n - 1}"):
        reference_interval(x[1:], coverage=coverage)


def test_missing_values_are_counted_in_excluded():
    x = np.r_[np.linspace(1, 100, 120), np.nan]
    res = reference_interval(x)
    assert res.n.tolist() == [120, 120] and res.excluded.iloc[0] == "missing: 1"


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(values=np.arange(30.0)), r"nonparametric method needs n >= 39.*got n = 30.*robust"),
    (dict(values=np.arange(50.0), method="spline"), r"unknown method 'spline'; valid: boot"),
    (dict(values=np.arange(50.0), method="parametric"), r"needs positive values.*transform=None"),
    (dict(values=[1.0, "x", 3.0]), r"values: 1 value not a number; the first is 'x' at index 1"),
    (dict(values=np.arange(50.0), by=["a"] * 3), r"by has 3 rows and values has 50"),
    (dict(values=np.arange(50.0), coverage=95), r"coverage must be a number between 0 and 1"),
])
def test_bad_input_message_names_argument_and_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        reference_interval(**kwargs)


def test_harris_boyd_splits_separated_groups_and_not_identical_ones():
    v = np.r_[np.linspace(10, 20, 120), np.linspace(10, 20, 120)]
    same = partition_test(v, ["a"] * 120 + ["b"] * 120)
    assert (same.decision == "no_partition").all()
    apart = partition_test(np.log(SAMPLE.value), SAMPLE.sex)
    z = apart.set_index("statistic").estimate
    assert z["z"] > z["z_critical"] == pytest.approx(3.0)  # 3 sqrt(240/240)
    assert (apart.decision == "partition").all()


def test_lahti_shares_and_decisions():
    v = np.r_[np.linspace(10, 20, 200), np.linspace(10, 20, 200)]
    res = partition_test(v, ["a"] * 200 + ["b"] * 200, method="lahti")
    assert res.estimate.between(0.018, 0.032).all()
    assert (res.decision == "no_partition").all()
    res = partition_test(SAMPLE.value, SAMPLE.sex, method="lahti")
    assert (res.decision == "partition").all()


def test_harris_boyd_needs_two_groups():
    with pytest.raises(ValueError, match="exactly two groups, got 3"):
        partition_test(np.arange(9.0), list("aaabbbccc"))


class _StubDesign:
    """INTERFACE TEST ONLY: a stand-in for labstats.stats.design.SurveyDesign (written on
    another branch). It records the calls and answers with fixed numbers; the real
    survey-weighted validation against R survey belongs after the merge."""

    def __init__(self):
        self.calls = []

    def quantile(self, variable, q, by=None, rule="math", confidence=0.95):
        self.calls.append((variable, q, by, rule, confidence))
        return pd.DataFrame({"sex": ["F", "M"], "estimate": [q * 100, q * 200],
                             "ci_low": [q * 90, q * 180], "ci_high": [q * 110, q * 220],
                             "n_obs": [10, 12]})


def test_design_path_calls_quantile_per_limit_and_reshapes():
    des = _StubDesign()
    res = reference_interval("LBXTST", design=des, by="sex")
    assert [c[1] for c in des.calls] == pytest.approx([0.025, 0.975])
    assert des.calls[0][0] == "LBXTST" and des.calls[0][2] == "sex"
    assert des.calls[0][3:] == ("math", 0.90)
    assert res.columns.tolist()[:6] == ["sex", "limit", "estimate", "ci_low", "ci_high", "n"]
    assert res.loc[(res.sex == "M") & (res.limit == "upper"), "estimate"].iloc[0] == 195.0


def test_design_path_needs_a_variable_name():
    with pytest.raises(TypeError, match="name of a variable of the design"):
        reference_interval([1.0, 2.0], design=_StubDesign())


def test_series_values_with_list_by_keep_labels():
    v = pd.Series(SAMPLE.value.to_numpy(), index=[f"p{i}" for i in range(len(SAMPLE))])
    res = reference_interval(v, by=SAMPLE.sex.tolist())
    assert res.group.tolist() == ["F", "F", "M", "M"]


@pytest.mark.parametrize(("kwargs", "message"), [
    # the upper limit falls beyond the range of the Box-Cox back-transform: it was NaN
    (dict(values=[1.0, 1.1, 1.2, 1.3, 9.0], method="parametric"),
     r"values: the upper limit and its ci_high are NaN \(5 values, method='parametric'\): "
     r"beyond the range of the Box-Cox back-transform.*transform='log' or None"),
    (dict(values=np.linspace(10.0, 20.0, 60)),  # rank CIs need n >= 119 (CLSI Table 8)
     r"values: the lower limit's ci_low and the upper limit's ci_high are NaN \(60 values, "
     r"method='nonparametric'\): too few values for the order-statistic CI.*120"),
])
def test_a_nan_limit_or_ci_is_reported_not_silent(kwargs, message):
    """audit-stats: NaN limits and CIs came back without a word."""
    import labstats

    with pytest.warns(labstats.LabstatsWarning, match=message):
        res = reference_interval(**kwargs)
    assert res[["estimate", "ci_low", "ci_high"]].isna().to_numpy().any()


def test_infinite_limits_are_reported_as_such():
    import labstats

    with pytest.warns(labstats.LabstatsWarning, match=r"are infinite or NaN \(50 values"):
        res = reference_interval(np.r_[np.full(49, 4.0), 4.1], method="parametric")
    assert np.isinf(res["estimate"]).all()


def test_finite_limits_give_no_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reference_interval(np.arange(1.0, 121.0))
