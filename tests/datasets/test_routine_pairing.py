"""Tests for labstats.pair_results: long results -> one row per draw.

The synthetic exports of ``make_lab_results`` carry their truth draw by draw; pairing must
equal it exactly, and read -> pair -> derive must equal ``labstats.free_testosterone`` of
the truth (the formula is validated against Vermeulen 1999 in tests/formulas).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats.datasets import make_lab_results, pair_results, read_lab_results

ANALYTES = ["total_testosterone", "shbg", "albumin"]


def _read(shape, n=200, seed=7):
    export = make_lab_results(n, seed=seed, shape=shape)
    return export, read_lab_results(export, test_map=export.attrs.get("test_map"))


def _truth(export, key="truth"):
    return export.attrs[key].sort_values(["patient_id", "collected_at"]).reset_index(drop=True)


@pytest.mark.parametrize("shape", ["lis", "mimic"])
@pytest.mark.parametrize("by", ["specimen", "window"])
@pytest.mark.parametrize(("repeats", "key"), [("first", "truth"), ("last", "truth_last")])
def test_pairing_equals_the_generators_truth_exactly(shape, by, repeats, key):
    export, res = _read(shape)
    paired = pair_results(res, by=by, repeats=repeats, analytes=ANALYTES)
    truth = _truth(export, key)
    assert len(paired) == len(truth)
    assert paired["patient_id"].tolist() == truth["patient_id"].tolist()
    assert (paired["collected_at"] == truth["collected_at"]).all()
    if by == "specimen":
        assert paired["specimen_id"].tolist() == truth["specimen_id"].tolist()
    for a in ANALYTES:
        np.testing.assert_array_equal(paired[a].to_numpy(), truth[a].to_numpy(float))
        assert paired[f"{a}_censored"].tolist() == truth[f"{a}_censored"].tolist()
    assert (paired["shbg"].isna()).any() and (paired["total_testosterone_censored"] == "<").any()
    c = paired.attrs["counts"]
    assert c["conflicts"] > 0 and c["repeats"] == c["conflicts"]
    assert c["results"] == res.attrs["counts"]["used"] - (res["analyte"] == "glucose")[
        res["status"] == "used"].sum()


def test_source_rows_point_back_at_the_results():
    _, res = _read("lis", n=60)
    paired = pair_results(res, analytes=ANALYTES)
    for a in ANALYTES:
        rows = paired[f"{a}_source_row"].dropna().astype(int)
        back = res.set_index("source_row").loc[rows.to_numpy()]
        assert (back["analyte"] == a).all() and (back["status"] == "used").all()
        np.testing.assert_array_equal(back["value"].to_numpy(), paired.loc[rows.index, a])


@pytest.mark.parametrize("shape", ["lis", "mimic"])
def test_read_pair_derive_equals_free_testosterone_of_the_truth(shape):
    export, res = _read(shape, n=120, seed=3)
    derived = labstats.derive(pair_results(res))
    truth = _truth(export)
    expected = labstats.free_testosterone(truth["total_testosterone"], truth["shbg"],
                                          truth["albumin"])
    np.testing.assert_allclose(derived["free_testosterone"], expected, rtol=1e-12,
                               equal_nan=True)
    fai = 100 * truth["total_testosterone"] / truth["shbg"]
    np.testing.assert_allclose(derived["free_androgen_index"], fai, rtol=1e-12, equal_nan=True)


def _long(times, analytes, values, patient="p", **extra):
    n = len(times)
    return pd.DataFrame({"patient_id": [patient] * n, "collected_at": pd.to_datetime(times),
                         "analyte": analytes, "value": values, "source_row": range(n),
                         **extra})


def test_window_is_anchored_at_the_first_result_of_each_draw():
    # 0 h, 20 h: one draw; 30 h is beyond 24 h of 0 h and starts the next; 50 h is within it
    t0 = pd.Timestamp("2024-01-01")
    times = [t0 + pd.Timedelta(hours=h) for h in (0, 20, 30, 50, 24 * 10)]
    long = _long(times, ["total_testosterone", "shbg", "total_testosterone", "shbg",
                         "albumin"], [10.0, 40.0, 12.0, 35.0, 43.0])
    paired = pair_results(long, by="window", window="1D")
    assert paired["total_testosterone"].tolist()[:2] == [10.0, 12.0]
    assert paired["shbg"].tolist()[:2] == [40.0, 35.0]
    assert paired["n_results"].tolist() == [2, 2, 1]
    assert paired["collected_until"].iloc[1] == t0 + pd.Timedelta(hours=50)
    exact = pair_results(long, by="window", window="20h")  # inclusive at the edge
    assert exact["n_results"].tolist() == [2, 2, 1]
    # 19 h: 0 h alone; 20 h and 30 h (10 h later) together; 50 h; 240 h
    assert pair_results(long, by="window", window="19h")["n_results"].tolist() == [1, 2, 1, 1]


def test_windows_of_patients_are_independent_and_unsorted_input_is_fine():
    t = pd.Timestamp("2024-01-01")
    long = pd.concat([_long([t, t + pd.Timedelta("2h")], ["total_testosterone", "shbg"],
                            [10.0, 40.0], patient="b"),
                      _long([t + pd.Timedelta("1h")], ["albumin"], [43.0], patient="a")])
    long["source_row"] = [2, 0, 1]
    paired = pair_results(long, by="window")
    assert paired["patient_id"].tolist() == ["a", "b"]
    assert paired["albumin"].tolist()[0] == 43.0 and np.isnan(paired["albumin"].iloc[1])


@pytest.mark.parametrize(("repeats", "value", "row"), [
    ("first", 10.0, 0), ("last", 14.0, 2), ("mean", 12.0, 0), ("nearest", 14.0, 2)])
def test_repeats_rules(repeats, value, row):
    t = pd.Timestamp("2024-01-01 08:00")
    long = _long([t, t + pd.Timedelta("1h"), t + pd.Timedelta("3h"), t + pd.Timedelta("3h")],
                 ["total_testosterone", "total_testosterone", "total_testosterone", "shbg"],
                 [10.0, 12.0, 14.0, 40.0], specimen_id=["s"] * 4)
    paired = pair_results(long, repeats=repeats, analytes=["shbg", "total_testosterone"])
    assert paired["total_testosterone"].iloc[0] == pytest.approx(value)
    assert paired["total_testosterone_source_row"].iloc[0] == row
    assert paired.attrs["counts"]["repeats"] == 2 and paired.attrs["counts"]["conflicts"] == 1


def test_mean_of_a_censored_and_a_measured_result_is_censored():
    t = pd.Timestamp("2024-01-01")
    long = _long([t, t], ["shbg", "shbg"], [0.5, 1.5], specimen_id=["s", "s"],
                 censored=["<", ""])
    paired = pair_results(long, repeats="mean")
    assert paired["shbg"].iloc[0] == 1.0 and paired["shbg_censored"].iloc[0] == "<"


def test_exact_duplicates_are_counted_and_kept_once():
    t = pd.Timestamp("2024-01-01")
    long = _long([t, t, t], ["shbg"] * 3, [40.0, 40.0, 40.0], specimen_id=["s"] * 3)
    paired = pair_results(long)
    assert paired["shbg"].tolist() == [40.0]
    assert paired.attrs["counts"] == {"results": 3, "draws": 1, "duplicates": 2, "repeats": 0,
                                      "conflicts": 0}


def test_timezone_aware_times_pair_by_window():
    times = pd.to_datetime(["2024-01-01T23:00+01:00", "2024-01-02T01:00+01:00"])
    long = _long(times, ["total_testosterone", "shbg"], [10.0, 40.0])
    assert len(pair_results(long, by="window", window="6h")) == 1


def test_errors_name_the_keyword_and_the_fix():
    long = _long([pd.Timestamp("2024-01-01")], ["shbg"], [40.0])
    with pytest.raises(ValueError, match="no column specimen_id.*by='window'"):
        pair_results(long)
    with pytest.raises(ValueError, match="by must be"):
        pair_results(long, by="visit")
    with pytest.raises(ValueError, match="repeats must be"):
        pair_results(long, repeats="max")
    with pytest.raises(ValueError, match="window: 'a day' is not a duration"):
        pair_results(long, by="window", window="a day")
    with pytest.raises(ValueError, match="analytes: 'sodium'"):
        pair_results(long, by="window", analytes=["sodium"])
    with pytest.raises(ValueError, match="collected_at holds .* not times.*pd.to_datetime"):
        pair_results(long.assign(collected_at=["2024-01-01"]), by="window")
    nospec = long.assign(specimen_id=[None])
    with pytest.raises(ValueError, match=r"1 result\(s\) without specimen_id.*by='window'"):
        pair_results(nospec)


def test_input_is_not_modified():
    _, res = _read("lis", n=20)
    copy = res.copy()
    pair_results(res, by="window", repeats="nearest")
    pd.testing.assert_frame_equal(res, copy)
