"""labstats.stats.indirect_reference_interval: the frame, partitions, censoring, errors.

Accuracy against published results is in test_indirect_reference.py, against known truth
by simulation (RIbench design, Ammer et al. 2022, doi:10.1093/clinchem/hvac142) in
test_indirect_simulation.py.
"""

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats.stats import indirect_reference_interval, reference_interval
from labstats.stats._simulate_ri import simulate

METHODS = ["refiner", "reflim", "kosmic", "tmc"]


@pytest.fixture(scope="module")
def mixture():
    return simulate("GGT", 5000, p_path=0.2, side="right", seed=11)


def test_frame_has_reference_interval_columns_then_the_model(mixture):
    res = indirect_reference_interval(mixture["values"], bootstrap=0)
    direct = reference_interval(mixture["values"])
    assert list(res.columns[:len(direct.columns)]) == list(direct.columns)
    assert list(res.columns[len(direct.columns):]) == [
        "n_censored", "lam", "mu", "sigma", "shift", "p_pathological"]
    assert res["limit"].tolist() == ["lower", "upper"]
    assert (res["n"] == 5000).all() and (res["method"] == "refiner").all()


@pytest.mark.parametrize("method", METHODS)
def test_every_method_recovers_a_skewed_interval_with_20pct_pathological(method, mixture):
    # kosmic is reported reliable below 20 % pathological values (Zierk et al. 2020):
    # at 20 %, all on one side, it is allowed 20 % error, the others 12 %
    res = indirect_reference_interval(mixture["values"], method=method, bootstrap=0)
    err = np.abs(res["estimate"].to_numpy() / np.array(mixture["truth"]) - 1)
    assert np.all(err < (0.20 if method == "kosmic" else 0.12)), err
    assert 0.05 < res["p_pathological"].iloc[0] < 0.35


@pytest.mark.parametrize("method", METHODS)
def test_bootstrap_ci_brackets_the_estimate_and_is_reproducible(method, mixture):
    a = indirect_reference_interval(mixture["values"], method=method, bootstrap=30, seed=4)
    b = indirect_reference_interval(mixture["values"], method=method, bootstrap=30, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert (a["ci_low"] < a["ci_high"]).all()
    width = a["ci_high"] - a["ci_low"]
    assert (a["ci_low"] - 0.5 * width <= a["estimate"]).all()
    assert (a["estimate"] <= a["ci_high"] + 0.5 * width).all()


def test_without_bootstrap_cis_are_nan():
    x = simulate("Hb", 3000, seed=2)["values"]
    res = indirect_reference_interval(x, bootstrap=0)
    assert res[["ci_low", "ci_high"]].isna().all().all()


def test_by_gives_one_interval_per_partition_in_label_order():
    m = simulate("Hb", 3000, seed=3)["values"]
    f = simulate("Hb", 3000, seed=4)["values"] - 1.5
    values = pd.Series(np.r_[m, f], index=[f"r{i}" for i in range(6000)])
    sex = pd.Series(["male"] * 3000 + ["female"] * 3000, index=values.index, name="sex")
    res = indirect_reference_interval(values, method="reflim", by=sex, bootstrap=0)
    assert res["sex"].tolist() == ["female", "female", "male", "male"]
    lower = res.set_index(["sex", "limit"])["estimate"]
    assert lower[("male", "lower")] - lower[("female", "lower")] == pytest.approx(1.5, abs=0.3)


def test_missing_values_are_counted_not_dropped_silently():
    x = simulate("Hb", 2000, seed=5)["values"].astype(float)
    x[[3, 7]] = np.nan
    res = indirect_reference_interval(x, method="reflim", bootstrap=0)
    assert (res["n"] == 1998).all() and (res["n_excluded"] == 2).all()
    assert (res["excluded"] == "missing: 2").all()


def test_censored_values_enter_as_censored_and_are_counted():
    d = simulate("TSH", 20000, p_path=0.1, side="right", lod_quantile=0.08, seed=6)
    flag = pd.Series(np.where(d["censored"], "left", None), dtype="string")
    res = indirect_reference_interval(d["values"], method="tmc", censored=flag,
                                      lod=d["lod"], bootstrap=0)
    assert (res["n"] == 20000).all()
    assert (res["n_censored"] == int(d["censored"].sum())).all()
    err = np.abs(res["estimate"].to_numpy() / np.array(d["truth"]) - 1)
    assert np.all(err < 0.05), err


def test_censored_results_do_not_depend_on_their_stand_in_numbers():
    # the number stored for "<LOD" (LOD, LOD/sqrt(2), 0.0001...) must not matter
    d = simulate("TSH", 20000, p_path=0.1, side="right", lod_quantile=0.08, seed=6)
    other = np.where(d["censored"], d["lod"] / np.sqrt(2), d["values"])
    for method in METHODS:
        a = indirect_reference_interval(d["values"], method=method, censored=d["censored"],
                                        lod=d["lod"], bootstrap=0)
        b = indirect_reference_interval(other, method=method, censored=d["censored"],
                                        lod=d["lod"], bootstrap=0)
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("method", METHODS)
def test_right_censored_results_count_only_as_above_their_limit(method):
    # results reported as ">500" (above the measuring range): their numbers do not matter
    d = simulate("GGT", 20000, p_path=0.1, side="right", seed=12)
    x = d["values"].copy()
    over = x > 150
    flag = np.where(over, ">", None)
    a = indirect_reference_interval(np.where(over, 150.0, x), method=method, censored=flag,
                                    bootstrap=0)
    b = indirect_reference_interval(np.where(over, 150.0, x) + np.where(over, 1e3, 0.0),
                                    method=method, censored=np.where(over, "right", ""),
                                    bootstrap=0)
    c = indirect_reference_interval(x, method=method, bootstrap=0)
    assert (a["n_censored"] == int(over.sum())).all()
    np.testing.assert_allclose(a["estimate"], c["estimate"], rtol=0.02)
    np.testing.assert_allclose(b["estimate"], c["estimate"], rtol=0.02)
    assert a["n"].iloc[0] == b["n"].iloc[0] == 20000


def test_lod_alone_marks_values_below_it_as_censored():
    d = simulate("TSH", 20000, p_path=0.1, side="right", lod_quantile=0.08, seed=6)
    stand_in = np.where(d["censored"], d["lod"] / np.sqrt(2), d["values"])  # as NHANES
    a = indirect_reference_interval(stand_in, method="tmc", lod=d["lod"], bootstrap=0)
    assert (a["n_censored"] == int(d["censored"].sum())).all()


def test_censored_without_lod_is_refused_naming_the_fix():
    d = simulate("TSH", 5000, lod_quantile=0.05, seed=6)
    with pytest.raises(ValueError, match=r"censored: \d+ results below the detection limit "
                                         r"\(the first at index \d+\) but no lod="):
        indirect_reference_interval(d["values"], censored=d["censored"])


def test_infinite_value_is_refused_naming_its_position():
    x = simulate("Hb", 2000, seed=7)["values"]
    x[17] = np.inf
    with pytest.raises(ValueError, match=r"values: 1 infinite value; the first is inf at "
                                         r"index 17\b"):
        indirect_reference_interval(x)


def test_nonpositive_uncensored_value_is_refused():
    x = simulate("Hb", 2000, seed=7)["values"]
    x[5] = -1.0
    with pytest.raises(ValueError, match=r"1 value\(s\) <= 0 \(the first is -1.0 at index 5\).*lod="):
        indirect_reference_interval(x)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"method": "hoffmann"}, r"unknown method 'hoffmann'; valid: kosmic, refiner, reflim, tmc"),
    ({"limits": (0.975, 0.025)}, r"limits must be two probabilities, lower < upper"),
    ({"limits": 0.95}, r"limits must be two probabilities"),
    ({"confidence": 90}, r"confidence must be a number between 0 and 1"),
    ({"bootstrap": -1}, r"bootstrap must be a whole number >= 0"),
    ({"bootstrap": 2.5}, r"bootstrap must be a whole number >= 0"),
    ({"by": ["a"] * 3}, r"by has 3 rows and values has 2000"),
    ({"censored": ["maybe"] * 2000}, r"censored: 2000 entries not understood; the first is "
                                     r"'maybe' at index 0"),
    ({"options": {"model": "weird"}}, r"unknown refiner model 'weird'"),
])
def test_bad_arguments_are_refused_with_the_keyword_named(kwargs, message):
    x = simulate("Hb", 2000, seed=8)["values"]
    with pytest.raises(ValueError, match=message):
        indirect_reference_interval(x, **kwargs)


def test_too_few_values_are_refused():
    with pytest.raises(ValueError, match=r"values: 30 values; indirect methods need thousands"):
        indirect_reference_interval(np.linspace(1, 2, 30))


def test_small_sample_warns():
    x = simulate("Hb", 500, seed=9)["values"]
    with pytest.warns(labstats.LabstatsWarning, match="500 values; indirect methods are "
                                                      "reliable with thousands"):
        indirect_reference_interval(x, method="reflim", bootstrap=0)


def test_lazy_export_from_labstats():
    assert labstats.indirect_reference_interval is indirect_reference_interval


def test_modified_boxcox_fits_a_shift_for_shifted_data():
    d = simulate("LDH", 20000, seed=10)  # RIbench LDH: shift 100
    res = indirect_reference_interval(d["values"], bootstrap=0,
                                      options={"model": "modboxcox"})
    assert res["shift"].iloc[0] > 0
    err = np.abs(res["estimate"].to_numpy() / np.array(d["truth"]) - 1)
    assert np.all(err < 0.06), err
