"""Audit of the Dask path of routine lab data (issue 12): cases where the Dask result of
``read_lab_results``, ``pair_results`` and ``derive`` differed from pandas' on the same
export (partitioning, dtypes, errors), each with the pandas result as the reference.
Dask's synchronous scheduler (the partitions run in this process): the cluster itself is
tested in test_routine_dask.py."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from labstats.datasets import make_lab_results, pair_export, pair_results, read_lab_results

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(autouse=True)
def _synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def _recorded(call):
    """(call(), [messages of the warnings it gave])."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    return out, [str(w.message) for w in caught]


def _by_row(results):
    """A computed Dask result in the export's row order, without its ``reason`` column."""
    return results.sort_values("source_row", ignore_index=True).drop(columns="reason")


def _export(times):
    return pd.DataFrame({"Patient ID": ["p1", "p1", "p2", "p2"], "Collected": times,
                         "Test Code": ["2986-8", "13967-5"] * 2,
                         "Result": ["450", "40", "300", "35"],
                         "Units": ["ng/dL", "nmol/L"] * 2})


@pytest.mark.parametrize("times", [
    ["2024-01-02 08:00+0100"] * 2 + ["", ""],  # no time in the second partition
    ["2024-01-02 08:00+0100"] * 2 + ["2024-01-03 09:00", ""],  # none read there (naive)
    ["", ""] + ["2024-01-02 08:00+0100"] * 2,  # none in the first (the sample's) partition
])
def test_zoned_times_with_a_partition_without_a_read_time(times):
    """Times with a UTC offset, and a partition none of whose times is read (empty, or
    naive and so not in the export's format): pandas' column is timezone-aware, NaT
    there; the Dask reader failed ("Cannot use .astype to convert from timezone-naive
    dtype to timezone-aware dtype") when computed or, for the first partition, when
    called."""
    export = _export(times)
    want, expected = _recorded(lambda: read_lab_results(export))
    assert isinstance(want["collected_at"].dtype, pd.DatetimeTZDtype)
    lazy, got = _recorded(lambda: read_lab_results(dd.from_pandas(export, npartitions=2)))
    assert got == expected
    pd.testing.assert_frame_equal(_by_row(lazy.compute()), want)


def _lis(n=20, seed=3):
    export = make_lab_results(n, seed=seed, shape="lis")
    export.attrs = {}
    return export


def _draws(results, **kw):
    """Draws of a Dask result, computed, in pandas' order (patient, time)."""
    return pair_results(results, **kw).compute().sort_values(
        ["patient_id", "collected_at"], kind="stable", ignore_index=True)


@pytest.mark.parametrize("first", ["no used row", "no test code", "empty"])
def test_a_first_partition_without_used_results(first):
    """The Dask reader's first rows are its sample: the types of its result and draws.
    When they held no test code, its ``test`` column was object (pandas': str); when
    they held no used result (only unknown tests, as the first rows of a MIMIC-IV
    ``labevents`` often are) or none at all, the draws' ids were object (pandas': str)."""
    export = _lis()
    third = len(export) // 3
    if first == "no used row":
        export.loc[:third, "Test Code"] = "LOCAL-42"  # not an analyte: excluded
    elif first == "no test code":
        export.loc[:third, "Test Code"] = None
    ddf = dd.from_pandas(export, npartitions=3)
    if first == "empty":
        ddf = ddf.map_partitions(lambda p: p[p.index > third])
        export = export.iloc[third + 1:].reset_index(drop=True)
    want, expected = _recorded(lambda: read_lab_results(export))
    lazy, got = _recorded(lambda: read_lab_results(ddf))
    # (LOCAL-42 beside "Testosterone, total": the test-name hint, as pandas gives it)
    assert got == expected and any("have a test name labstats knows" in m for m in got) is (
        first == "no used row")
    pd.testing.assert_frame_equal(_by_row(lazy.compute()), want)
    for by in ("specimen", "window"):
        pd.testing.assert_frame_equal(_draws(lazy, by=by), pair_results(want, by=by))


def test_ids_of_text_and_numbers_are_not_cast_to_text():
    """A column of objects holding text ids in its first partition and numbers in a later
    one (Dask without its string conversion): pandas keeps the numbers (object ids); the
    Dask reader cast them to the sample's type, text (1003 -> "1003"), silently."""
    export = _lis().sort_values("Patient ID", kind="stable", ignore_index=True)
    ids = export["Patient ID"].astype(object)
    late = (export.index > len(export) // 2) & ids.str.len().gt(0).fillna(False)
    ids[late] = [int(x[1:]) + 1000 for x in ids[late]]
    export["Patient ID"] = ids
    want = read_lab_results(export)
    assert want["patient_id"].dtype == object
    with dask.config.set({"dataframe.convert-string": False}):  # (else Dask makes 7 "7")
        ddf = dd.from_pandas(export, npartitions=3)
        assert ddf.dtypes["Patient ID"].kind == "O"
        lazy = read_lab_results(ddf)
        got = _by_row(lazy.compute())
        draws = _draws(lazy)
    pd.testing.assert_frame_equal(got, want)
    assert got["patient_id"].map(type).eq(int).sum() == late.sum()
    pd.testing.assert_frame_equal(draws, pair_results(want))


def test_ids_of_text_in_a_column_of_objects():
    """The same column with text ids only (and a partition without any): str, as pandas."""
    export = _lis()
    export["Patient ID"] = export["Patient ID"].astype(object)
    export.loc[:len(export) // 3, "Patient ID"] = None
    want = read_lab_results(export)
    assert isinstance(want["patient_id"].dtype, pd.StringDtype)
    with dask.config.set({"dataframe.convert-string": False}):
        got = read_lab_results(dd.from_pandas(export, npartitions=3)).compute()
    pd.testing.assert_frame_equal(_by_row(got), want)


def test_zoned_draws_when_the_first_rows_have_no_used_result():
    """Draws of a timezone-aware export whose first rows hold no used result: their
    times were typed by the draws of those rows (none: object), so the computed draws'
    ``collected_at`` was object, not pandas' timezone-aware times."""
    export = _lis()
    export["Collected"] = export["Collected"] + "+0100"
    # (a local test labstats does not know, by code or name: excluded without a hint)
    export.loc[:len(export) // 3, ["Test Code", "Test Name"]] = ["LOCAL-42", "Local test"]
    want = read_lab_results(export)
    lazy = read_lab_results(dd.from_pandas(export, npartitions=3))
    for by in ("specimen", "window"):
        expected = pair_results(want, by=by)
        assert isinstance(expected["collected_at"].dtype, pd.DatetimeTZDtype)
        pd.testing.assert_frame_equal(_draws(lazy, by=by), expected)


def _counting(export, k):
    """A Dask frame of ``export`` in ``k`` partitions, and the loads of each partition."""
    import numpy as np

    loads = [0] * k
    bounds = np.linspace(0, len(export), k + 1).astype(int)

    def load(i):
        loads[i] += 1
        return export.iloc[bounds[i]:bounds[i + 1]]

    return dd.from_map(load, range(k), meta=export.iloc[:0], enforce_metadata=False), loads


def test_pair_results_on_dask_computes_nothing_to_type_the_draws():
    """The draws' types come from the results' types: pairing a Dask frame of results
    with its analytes given loads no partition (it computed the first one), and without
    them one pass finds the analytes."""
    want = read_lab_results(_lis())
    want.attrs = {}
    ddf, loads = _counting(want, 3)
    draws = pair_results(ddf, analytes=["total_testosterone", "shbg"])
    assert loads == [0, 0, 0]
    expected = pair_results(want, analytes=["total_testosterone", "shbg"])
    pd.testing.assert_frame_equal(draws.compute().sort_values(
        ["patient_id", "collected_at"], kind="stable", ignore_index=True), expected)
    loads[:] = [0, 0, 0]
    draws = pair_results(ddf, by="window", repeats="mean")
    assert loads == [1, 1, 1]
    pd.testing.assert_frame_equal(draws.compute().sort_values(
        ["patient_id", "collected_at"], kind="stable", ignore_index=True),
        pair_results(want, by="window", repeats="mean"))


def test_results_without_specimen_in_several_partitions_refused_by_a_partition():
    """Results without a specimen id in three partitions: pandas refuses the 3; the Dask
    draws said "1 result(s) without specimen_id" as if it were all (the count of the
    first rows, when pair_results was called, or of the partition that raised). Now the
    refusal comes when the draws are computed and says it is one partition's."""
    export = _lis(40, seed=5)
    rows = [5, len(export) // 2, len(export) - 5]
    export.loc[rows, "Accession"] = None
    with pytest.raises(ValueError, match=r"3 result\(s\) without specimen_id .*source_row "
                       rf"{rows[0]}, {rows[1]}, {rows[2]}\)"):
        pair_results(read_lab_results(export))
    draws = pair_results(read_lab_results(dd.from_pandas(export, npartitions=4)))
    with pytest.raises(ValueError, match=r"result\(s\) without specimen_id .*fill in their "
                       r"specimen ids \(Dask: found in one partition, a part of the patients; "
                       r"others may hold more\)"):
        draws.compute()


@pytest.mark.parametrize("case", ["day first", "month first", "never told", "both"])
def test_day_month_order_settled_in_the_first_pass(case):
    """Times written "03/04/2024 08:00": their day/month order was settled by a second
    pass over every partition, and the times not read in the settled format counted by
    a third (each partition of the export loaded three times before the result was
    computed; the reader documents one pass). Now one pass, as pandas decides: the
    same format, times, unread times and warnings."""
    export = _lis(30, seed=4)
    times = pd.to_datetime(export["Collected"])
    if case == "day first":
        times = times.dt.strftime("%d/%m/%Y %H:%M")
    elif case == "month first":
        times = times.dt.strftime("%m/%d/%Y %H:%M")
    else:  # days 1-12 only: no time tells the orders apart (or both orders, below)
        times = times.map(lambda t: t.replace(day=1 + t.day % 12)).dt.strftime(
            "%d/%m/%Y %H:%M")
    export["Collected"] = times
    export.loc[len(export) - 3, "Collected"] = "2024-05-06 08:00"  # another format
    if case == "both":
        export.loc[len(export) - 2, "Collected"] = "13/02/2024 08:00"
        export.loc[len(export) - 1, "Collected"] = "02/13/2024 08:00"
        with pytest.raises(ValueError, match="written in both orders"):
            read_lab_results(export)
    ddf, loads = _counting(export, 3)
    if case == "both":
        with pytest.raises(ValueError, match="written in both orders"):
            read_lab_results(ddf)
        return
    want, expected = _recorded(lambda: read_lab_results(export))
    assert any("not in the column's format" in m for m in expected)
    assert any("reads both as day/month" in m for m in expected) is (case == "never told")
    lazy, got = _recorded(lambda: read_lab_results(ddf))
    assert got == expected
    assert loads == [1, 1, 1]
    pd.testing.assert_frame_equal(_by_row(lazy.compute()), want)



@pytest.mark.parametrize("zone", ["+0100", "Z", "+0100 then +0200"])
def test_time_zone_checked_in_the_first_pass(zone):
    """Times with a zone: one zone for the export was checked by a second pass over
    every partition; now in the first (each partition loaded once before computing),
    with pandas' result, warnings and refusal of several zones."""
    export = _lis(30, seed=5)
    times = pd.to_datetime(export["Collected"])
    if zone == "Z":
        export["Collected"] = times.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        export["Collected"] = times.dt.strftime("%Y-%m-%d %H:%M+0100")
    export.loc[3, "Collected"] = "garbage"
    if zone == "+0100 then +0200":
        export.loc[len(export) - 4:, "Collected"] = "2024-06-01 08:00+0200"
        with pytest.raises(ValueError, match="Mixed timezones"):
            read_lab_results(export)
        with pytest.raises(ValueError, match="Mixed timezones"):
            read_lab_results(dd.from_pandas(export, npartitions=3))
        return
    want, expected = _recorded(lambda: read_lab_results(export))
    assert isinstance(want["collected_at"].dtype, pd.DatetimeTZDtype) and len(expected) == 1
    ddf, loads = _counting(export, 3)
    lazy, got = _recorded(lambda: read_lab_results(ddf))
    assert got == expected
    assert loads == [1, 1, 1]
    pd.testing.assert_frame_equal(_by_row(lazy.compute()), want)



def test_a_superseded_result_names_its_replacements_row_in_the_export(tmp_path):
    """A final result replaced by a correction: the reason names the correction's row.
    The Dask reader named its row in the partition ("at row 1"), not in the export (3);
    so did pair_export's partitioned path, which reads each partition alone."""
    export = pd.DataFrame({
        "Patient ID": ["p1", "p1", "p2", "p2"], "Accession": ["A1", "A1", "A2", "A2"],
        "Collected": ["2024-01-02 08:00"] * 4, "Test Code": ["2986-8", "13967-5"] * 2,
        "Result": ["450", "40", "300", "310"], "Units": ["ng/dL", "nmol/L", "ng/dL", "ng/dL"],
        "Result Status": ["F", "F", "F", "C"]})
    export.loc[3, "Test Code"] = "2986-8"  # p2's testosterone corrected
    want = read_lab_results(export)
    assert want["status"].tolist() == ["used", "used", "excluded", "used"]
    reason = want.attrs["report"].set_index("source_row").loc[2, "reason"]
    assert reason.startswith("superseded: the corrected result (C) at row 3 replaces it")
    got = read_lab_results(dd.from_pandas(export, npartitions=2)).compute()
    assert got.set_index("source_row").loc[2, "reason"] == reason
    pd.testing.assert_frame_equal(_by_row(got), want)
    pytest.importorskip("duckdb")
    export.to_parquet(tmp_path / "export.parquet", index=False)
    pair_export(tmp_path / "export.parquet", tmp_path / "draws.parquet", by="window",
                rows_per_partition=2, report=tmp_path / "report.parquet")
    report = pd.read_parquet(tmp_path / "report.parquet").set_index("source_row")
    assert report.loc[2, "reason"] == reason



def test_draws_of_an_arrow_backed_export(tmp_path):
    """An export read with Arrow's types (``dtype_backend="pyarrow"``: Int64 ids and
    times as Arrow timestamps): the draws' times are NumPy's, as pandas pairs them (a
    guard of the draws' types taken from the results' types, not from a pairing)."""
    export = make_lab_results(20, seed=3, shape="mimic")
    test_map = export.attrs["test_map"]
    export.attrs = {}
    export["charttime"] = pd.to_datetime(export["charttime"])
    export.to_parquet(tmp_path / "export.parquet", index=False)
    frame = pd.read_parquet(tmp_path / "export.parquet", dtype_backend="pyarrow")
    want = read_lab_results(frame, test_map=test_map)
    with warnings.catch_warnings():  # (pandas' deprecations met in Dask's Parquet reader)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        lazy = read_lab_results(dd.read_parquet(tmp_path / "export.parquet",
                                                dtype_backend="pyarrow"), test_map=test_map)
        for by in ("specimen", "window"):
            pd.testing.assert_frame_equal(_draws(lazy, by=by), pair_results(want, by=by))


# --- law: the Dask reader and pairing equal pandas' on random edits of an export --------

_EDITS = {"Test Code": ["LOCAL-42", None, "2986-8"],
          "Result": ["see comment", "<0.5", ">1000", "", "450 H", "1,5", "12000"],
          "Collected": ["", "garbage", "03/01/2024 09:00", "2024-01-02T08:00:15",
                        "13/02/2024 08:00"],
          "Patient ID": [None, "", "P000001"], "Units": ["zz", "", "mmol/L", "ng/mL"],
          "Result Status": ["C", "W", "P", "Final"], "Accession": [None, "A00000001"]}


def test_dask_equals_pandas_on_random_edits():
    """However the export is edited (unknown tests, unreadable values and times, missing
    ids, units, statuses) and cut into partitions (patients across partitions, or sorted
    so that no shuffle is needed): the Dask reader's rows, reasons, counts and warnings
    are pandas', and its draws by specimen and by window are pandas' draws of the same
    analytes (the Dask default: those of the export's codes), or both refuse them."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    import labstats

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(n=st.integers(2, 12), seed=st.integers(0, 1000),
           edits=st.lists(st.tuples(st.sampled_from(sorted(_EDITS)), st.integers(0, 10**6),
                                    st.integers(0, 10)), max_size=8),
           npartitions=st.integers(1, 5), by_patient=st.booleans(),
           repeats=st.sampled_from(["first", "last", "mean", "nearest"]))
    def law(n, seed, edits, npartitions, by_patient, repeats):
        export = _lis(n, seed)
        if by_patient:
            export = export.sort_values("Patient ID", kind="stable", ignore_index=True)
        for column, row, k in edits:
            export.loc[row % len(export), column] = _EDITS[column][k % len(_EDITS[column])]
        want, expected = _recorded(lambda: read_lab_results(export))
        lazy, got = _recorded(lambda: read_lab_results(dd.from_pandas(export, npartitions)))
        assert got == expected
        computed = lazy.compute()
        pd.testing.assert_frame_equal(_by_row(computed), want)
        reasons = computed.set_index("source_row")["reason"].dropna().sort_index()
        report = want.attrs["report"]
        assert reasons.index.tolist() == report["source_row"].tolist()
        assert reasons.tolist() == report["reason"].tolist()
        assert labstats.counts(lazy) == want.attrs["counts"]
        for by in ("specimen", "window"):
            draws = pair_results(lazy, by=by, repeats=repeats)
            analytes = [c[:-len("_source_row")] for c in draws.columns
                        if c.endswith("_source_row")]
            try:
                expected = pair_results(want, by=by, repeats=repeats, analytes=analytes)
            except ValueError as exc:
                assert "cannot be paired" in str(exc)
                with pytest.raises(ValueError, match="cannot be paired"):
                    draws.compute()
                continue
            pd.testing.assert_frame_equal(draws.compute().sort_values(
                ["patient_id", "collected_at"], kind="stable", ignore_index=True), expected)

    law()
