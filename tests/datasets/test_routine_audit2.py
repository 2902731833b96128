"""Second adversarial audit of issue 12's routine-data API: results a user with a real LIS
or EHR export got wrong, lost or double-counted without being told. Each case is checked on
every path it touches: in memory, ``pair_export``'s SQL and partitioned paths (a C/F/P
result status sends an export to the partitioned path; ``counts["path"]`` says which ran)
and Dask (``dd.from_pandas(..., npartitions=2)``); all must give the same draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labstats.datasets import pair_export, pair_results, read_lab_results

pytest.importorskip("duckdb")

LIS = ["Patient ID", "Accession", "Collected", "Test Code", "Result", "Units"]
TT, ALB, SHBG = "2986-8", "1751-7", "13967-5"  # LOINC: testosterone (ng/dL), albumin, SHBG


UNIT = {TT: "ng/dL", ALB: "g/dL", SHBG: "nmol/L"}
T0 = "2024-01-02 08:00"


def _lis(rows, columns=LIS):
    """An LIS export of ``rows`` (patient, accession, time, test code, result): the unit
    of each test code's LOINC property."""
    return pd.DataFrame([[*r, UNIT[r[-2]]] for r in rows], columns=columns)


def _sort(frame):
    keys = [c for c in ("patient_id", "specimen_id", "collected_at") if c in frame.columns]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def _every_path(raw, tmp_path, read=None, **pair):
    """The draws of ``raw`` on every path (``read``: keywords of ``read_lab_results``),
    keyed by path, each checked to be the one its name says (``counts["path"]``); the Dask
    draws sorted as pandas sorts them."""
    dd = pytest.importorskip("dask.dataframe")
    read = read or {}
    out = {"memory": pair_results(read_lab_results(raw, **read), **pair)}
    plain = tmp_path / "plain.parquet"
    raw.to_parquet(plain, index=False)
    out["sql"] = pair_export(plain, **pair, **read)
    statused = raw.assign(**{"Result Status": "F"})
    # C and F: the partitioned path; the C on a result alone in its patient, specimen, time
    # and test (the first four columns of both shapes here), so that nothing is replaced
    alone = ~raw.iloc[:, :4].astype(str).duplicated(keep=False).to_numpy()
    statused.loc[int(np.flatnonzero(alone)[0]), "Result Status"] = "C"
    parted = tmp_path / "statused.parquet"
    statused.to_parquet(parted, index=False)
    out["partitioned"] = pair_export(parted, **pair, **read)
    for path in ("sql", "partitioned"):
        want = path if pair.get("by", "specimen") == "specimen" else "partitioned"
        assert out[path].attrs["counts"]["path"] == want
    lazy = pair_results(read_lab_results(dd.from_pandas(raw, npartitions=2), **read), **pair)
    out["dask"] = _sort(lazy.compute())
    return out


def _same_everywhere(draws):
    memory = draws["memory"]
    for path, got in draws.items():
        pd.testing.assert_frame_equal(_sort(got), _sort(memory), obj=path)
        if path in ("sql", "partitioned"):  # every row accounted for alike
            assert got.attrs["counts"]["pair"] == memory.attrs["counts"], path
            assert got.attrs["counts"]["read"] == memory.attrs["read"], path
    return memory


# 1. By specimen, a result equal to one of another specimen of the patient (two tubes at one
# time, or an export without times) was removed as a "duplicate" of it: the second draw lost
# its albumin (and its free T), although read_lab_results counts duplicates per specimen.

def test_same_value_in_two_specimens_stays_in_each_draw(tmp_path):
    raw = _lis([["p1", "A1", T0, TT, "450"],
                ["p1", "A1", T0, ALB, "4.3"],
                ["p1", "B1", T0, TT, "300"],
                ["p1", "B1", T0, ALB, "4.3"],
                ["p2", "C1", T0, TT, "200"],
                ["p2", "C1", T0, ALB, "4.0"]])
    assert read_lab_results(raw).attrs["counts"]["duplicates"] == 0
    draws = _same_everywhere(_every_path(raw, tmp_path))
    assert draws["albumin"].tolist() == [43.0, 43.0, 40.0]  # g/L
    assert draws["albumin_source_row"].tolist() == [1, 3, 5]
    assert draws.attrs["counts"]["duplicates"] == 0


def test_same_value_in_two_specimens_of_an_export_without_times():
    raw = _lis([["p1", "A1", TT, "450"], ["p1", "A1", ALB, "4.3"],
                ["p1", "B1", TT, "300"], ["p1", "B1", ALB, "4.3"],
                ["p1", "B1", ALB, "4.3"]],  # (a true copy in B1: kept once)
               columns=[c for c in LIS if c != "Collected"])
    res = read_lab_results(raw)
    assert res.attrs["counts"]["duplicates"] == 1
    draws = pair_results(res)
    assert draws["albumin"].tolist() == [43.0, 43.0]
    assert draws["n_results"].tolist() == [2, 2]
    # the copy is read_lab_results' duplicate; pair_results finds it again on a plain frame
    plain = res.drop(columns="status")  # (every row read: used, or that copy)
    counted = pair_results(plain).attrs["counts"]
    assert counted["duplicates"] == 1 and counted["draws"] == 2
    pd.testing.assert_frame_equal(pair_results(plain), draws)


def test_by_window_two_specimens_at_one_time_are_one_draw(tmp_path):
    # by window, both tubes at one time are one draw: the copy is kept once, as before
    raw = _lis([["p1", "A1", T0, TT, "450"],
                ["p1", "B1", T0, ALB, "4.3"],
                ["p1", "A1", T0, ALB, "4.3"]])
    draws = _same_everywhere(_every_path(raw, tmp_path, by="window"))
    assert draws["albumin"].tolist() == [43.0]
    assert draws.attrs["counts"]["duplicates"] == 1


# 2. repeats="mean" skipped a result without a value (a censored one read with
# censored="nan"): the mean of "<20" and 300 ng/dL was 300 ng/dL, flagged "<"; of ">1500"
# and 300, 300 flagged ">" (the true mean is above 900). The mean is unknown: NaN, flagged.

def test_mean_with_a_censored_result_read_as_nan_is_unknown(tmp_path):
    raw = _lis([["p1", "A1", T0, TT, "<20"],
                ["p1", "A1", "2024-01-02 09:00", TT, "300"],
                ["p2", "A2", T0, TT, ">1500"],
                ["p2", "A2", "2024-01-02 09:00", TT, "300"],
                ["p3", "A3", T0, TT, "200"],
                ["p3", "A3", "2024-01-02 09:00", TT, "300"]])
    draws = _same_everywhere(_every_path(raw, tmp_path, read={"censored": "nan"},
                                         repeats="mean"))
    assert draws["total_testosterone_censored"].tolist() == ["<", ">", ""]
    got = draws["total_testosterone"].to_numpy()
    assert np.isnan(got[:2]).all()
    assert got[2] == pytest.approx(250 / 28.84, rel=1e-3)  # ng/dL -> nmol/L (MW 288.4)
    # with a value for censored results (the default, L/sqrt(2)), the mean is of both
    subst = pair_results(read_lab_results(raw), repeats="mean")
    assert subst["total_testosterone"].iloc[0] == pytest.approx(
        (20 / np.sqrt(2) + 300) / 2 / 28.84, rel=1e-3)
    assert subst["total_testosterone_censored"].iloc[0] == "<"


# 3. repeats="mean" averaged a rerun but the draw's time span (collected_at, collected_until:
# "the time span of the pooled results") left it out: a mean of 08:00 and 20:00 said 08:00
# to 09:00. The span is now that of the results whose values are in the row.

@pytest.mark.parametrize("by", ["specimen", "window"])
def test_mean_spans_every_result_it_averages(tmp_path, by):
    raw = _lis([["p1", "A1", T0, TT, "450"],
                ["p1", "A1", "2024-01-02 20:00", TT, "300"],  # a rerun, same specimen
                ["p1", "A1", "2024-01-02 09:00", SHBG, "40"],
                ["p2", "A2", "2024-01-03 07:00", TT, "200"],
                ["p2", "A2", "2024-01-03 07:00", SHBG, "30"]])
    draws = _same_everywhere(_every_path(raw, tmp_path, by=by, repeats="mean"))
    assert draws["total_testosterone"].iloc[0] == pytest.approx(375 / 28.84, rel=1e-3)
    assert draws["collected_at"].tolist() == pd.to_datetime([T0, "2024-01-03 07:00"]).tolist()
    assert draws["collected_until"].tolist() == pd.to_datetime(
        ["2024-01-02 20:00", "2024-01-03 07:00"]).tolist()
    # "first" keeps the 08:00 result: its row spans 08:00 (TT) to 09:00 (SHBG)
    first = pair_results(read_lab_results(raw), by=by)
    assert first["collected_until"].iloc[0] == pd.Timestamp("2024-01-02 09:00")


# 4. repeats="nearest" anchored on the first analyte of ``analytes``, else on the draw's
# first result: a draw without total testosterone (its result unreadable) was anchored on
# SHBG in memory (default analytes: those used) but on its first result on the paths whose
# default analytes are the export's test codes (pair_export partitioned, Dask): two
# different albumins for one draw. The anchor is now the draw's first analyte it has.

NEAREST = [["p1", "A1", "2024-01-02 07:00", ALB, "4.0"],
           ["p1", "A1", T0, SHBG, "40"],
           ["p1", "A1", "2024-01-02 08:30", ALB, "4.4"],  # 30 min from SHBG
           ["p1", "A1", T0, TT, "see comment"]]  # reported: no testosterone


@pytest.mark.parametrize("by", ["specimen", "window"])
def test_nearest_gives_one_albumin_on_every_path(tmp_path, by):
    draws = _every_path(_lis(NEAREST), tmp_path, by=by, repeats="nearest")
    for path, got in draws.items():  # (default analytes differ: compare the common ones)
        assert got["albumin"].tolist() == [44.0], path
        assert got["albumin_source_row"].tolist() == [2], path


@pytest.mark.parametrize("by", ["specimen", "window"])
def test_nearest_anchors_on_the_first_analyte_the_draw_has(by):
    raw = _lis([*NEAREST, ["p2", "A2", T0, TT, "300"], ["p2", "A2", T0, SHBG, "30"],
                ["p2", "A2", "2024-01-02 07:50", ALB, "4.1"],  # 10 min from TT
                ["p2", "A2", "2024-01-02 08:20", ALB, "4.5"]])
    res = read_lab_results(raw)
    for analytes in (None, ["total_testosterone", "shbg", "albumin"]):
        got = pair_results(res, by=by, repeats="nearest", analytes=analytes)
        assert got["albumin"].tolist() == [44.0, 41.0]
    # albumin listed first: each draw anchored on its first albumin
    alb = pair_results(res, by=by, repeats="nearest", analytes=["albumin", "shbg"])
    assert alb["albumin"].tolist() == [40.0, 41.0]


# 5. pair_results' attrs["read"] copied the attrs["counts"] a selection of a result inherits
# from the whole (pandas keeps attrs on a selection): the draws of one patient said 4 rows
# read and 1 duplicate of a 2-row selection without one. Now the counts of the rows given.
# (In memory only: pair_export counts its own reading, Dask keeps no attrs.)

def test_read_counts_of_a_selection_are_its_own():
    raw = _lis([["p1", "A1", T0, TT, "450"], ["p1", "A1", T0, TT, "450"],
                ["p2", "A2", T0, TT, "300"], ["p2", "A2", T0, TT, "see comment"]])
    res = read_lab_results(raw)
    assert pair_results(res).attrs["read"] == res.attrs["counts"]
    one = res[res["patient_id"] == "p2"]
    assert one.attrs["counts"]["rows"] == 4  # (inherited)
    want = {"rows": 2, "used": 1, "reported": 1, "excluded": 0, "duplicates": 0}
    assert pair_results(one).attrs["read"] == want


# 6. MIMIC-IV labevents: "valuenum is filled only when the value is numeric" (its number).
# A value and a valuenum that disagree ("4.2" g/dL and 42) are an export error; the value
# was used silently (4.2 g/dL: 42 g/L, or 420 g/L had valuenum been the truth). The row is
# now reported, naming both numbers. Agreeing pairs ("<1.0" and 1.0, "4.2 H" and 4.2, an
# empty value with its valuenum) stay used.

MIMIC = ["subject_id", "specimen_id", "charttime", "itemid", "value", "valuenum", "valueuom"]


def test_value_and_valuenum_that_disagree_are_reported(tmp_path):
    t = "2180-01-02 08:00:00"
    raw = pd.DataFrame([[1, 10, t, 50862, "4.2", 42.0, "g/dL"],  # disagree
                        [1, 10, t, 50888, "<1.0", 1.0, "nmol/L"],  # SHBG, censored
                        [2, 20, t, 50862, "4.2 H", 4.2, "g/dL"],
                        [2, 20, t, 50888, None, 40.0, "nmol/L"],  # valuenum alone
                        [3, 30, t, 50862, "4.0", 4.0, "g/dL"],
                        [3, 30, t, 50888, "30", 3.0, "nmol/L"]],  # disagree
                       columns=MIMIC)
    read = {"test_map": {"50862": "albumin", "50888": "shbg"}}
    res = read_lab_results(raw, **read)
    assert res["status"].tolist() == ["reported", "used", "used", "used", "used", "reported"]
    reason = res.attrs["report"].set_index("source_row")["reason"]
    assert "4.2 and its valuenum 42 disagree" in reason[0]
    assert "30 and its valuenum 3 disagree" in reason[5]
    assert res.attrs["counts"] == {"rows": 6, "used": 4, "reported": 2, "excluded": 0,
                                   "duplicates": 0}
    draws = _same_everywhere(_every_path(raw, tmp_path, read=read))
    assert draws["albumin"].tolist()[1:] == [42.0, 40.0] and np.isnan(draws["albumin"][0])
    assert draws["shbg"].tolist()[:2] == [1.0 / np.sqrt(2), 40.0]
    assert np.isnan(draws["shbg"][2])


# 7. The command line: `labstats derive --long --out-of-core` dropped --thousands (a
# "1,050" ng/dL testosterone read in memory was reported out of core) and --plausibility
# warn (an albumin of 9.3 g/dL used in memory was reported out of core), silently. It now
# reads with --thousands as in memory, and refuses --plausibility warn (pair_export derives
# with the default check) instead of ignoring it.

def test_cli_out_of_core_reads_with_the_options_given(tmp_path, capsys):
    from labstats.cli import main

    src = tmp_path / "export.parquet"
    _lis([["p1", "A1", T0, TT, "1,050"], ["p1", "A1", T0, SHBG, "40"],
          ["p1", "A1", T0, ALB, "4.3"]]).to_parquet(src, index=False)
    mem, ooc = tmp_path / "mem.parquet", tmp_path / "ooc.parquet"
    base = ["derive", str(src), "--long", "--thousands", ","]
    assert main([*base, "-o", str(mem)]) == 0
    assert main([*base, "--out-of-core", "-o", str(ooc)]) == 0
    assert "3 used, 0 reported" in capsys.readouterr().out
    got, want = pd.read_parquet(ooc), pd.read_parquet(mem)
    assert got["total_testosterone"].tolist() == pytest.approx([1050 / 28.84], rel=1e-3)
    pd.testing.assert_frame_equal(got, want[got.columns], check_dtype=False)
    assert main([*base, "--plausibility", "warn", "--out-of-core", "-o",
                 str(tmp_path / "warn.parquet")]) == 1
    assert "--plausibility warn" in capsys.readouterr().err
    assert not (tmp_path / "warn.parquet").exists()


# 8. A conflict is a draw x analyte with different results. Read with censored="nan", "<20"
# and ">1500" both have no value: they differed by their censoring alone, and were not
# counted (0 conflicts, where the default censored= counts 1), on every path.

@pytest.mark.parametrize("repeats", ["first", "last", "mean"])
def test_results_censored_on_both_sides_read_as_nan_conflict(tmp_path, repeats):
    raw = _lis([["p1", "A1", T0, TT, "<20"], ["p1", "A1", T0, TT, ">1500"],  # one time
                ["p1", "A1", T0, SHBG, "40"],
                ["p2", "A2", T0, TT, "<20"], ["p2", "A2", "2024-01-02 09:00", TT, ">1500"],
                ["p3", "A3", T0, TT, "<20"], ["p3", "A3", "2024-01-02 09:00", TT, "<20"]])
    for k, censored in enumerate(("lod/sqrt2", "nan")):
        (tmp_path / str(k)).mkdir()
        draws = _same_everywhere(_every_path(raw, tmp_path / str(k), read={
            "censored": censored}, repeats=repeats))
        assert draws.attrs["counts"]["conflicts"] == 2  # (p3: the same result twice)
        assert draws.attrs["counts"]["repeats"] == 3


# 9. (Documented, not changed) by window, only the analytes paired form the draws: pairing
# fewer analytes can pair them differently. The docstring of analytes= now says so.

def test_by_window_the_analytes_paired_form_the_draws():
    long = pd.DataFrame({"patient_id": ["p1"] * 3, "collected_at": pd.to_datetime(
        ["2024-01-02 00:00", "2024-01-02 20:00", "2024-01-03 02:00"]),
        "analyte": ["albumin", "total_testosterone", "shbg"], "value": [43.0, 15.0, 40.0],
        "source_row": [0, 1, 2]})
    every = pair_results(long, by="window")
    assert every["n_results"].tolist() == [2, 1] and np.isnan(every["shbg"][0])
    two = pair_results(long, by="window", analytes=["total_testosterone", "shbg"])
    assert two[["total_testosterone", "shbg"]].values.tolist() == [[15.0, 40.0]]
    assert two.attrs["counts"]["results"] == 2
