"""Collection times that are not read (issue 12, "nothing silent").

A time in another format than the column's ("05/01/2024 9:00 AM" among ISO times), or no
time at all ("see comment"), was read as NaT without a word: only ``attrs["times"]``
listed it, and ``pair_export`` and Dask said nothing. Its result was still used, and by
specimen NaT sorted before every time, so ``repeats="first"`` took a rerun of unknown time
over the draw's result of known time.

Now every path (in memory, the SQL and partitioned paths of ``pair_export``, Dask) warns
once, at the caller's line, with the count and the first row; and a time-based rule
never prefers a result of unknown time. The truth for "first" is the same export with the
rerun's time written in the column's format: the draw's own result comes first there.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from labstats import LabstatsWarning
from labstats.datasets import pair_export, pair_results, read_lab_results

pytest.importorskip("duckdb")

TM = {"TT": "total_testosterone", "SHBG": "shbg", "ALB": "albumin"}
ISO = "2024-01-05 08:00:00"


def _export(rerun_time="05/01/2024 9:00 AM", status=False):
    """A draw (rows 0, 1, 3) with a total testosterone rerun (row 2) at ``rerun_time``;
    a second patient whose only time is not a time (row 4); a blank time (row 5: missing,
    not unread)."""
    export = pd.DataFrame({
        "patient_id": [1, 1, 1, 1, 2, 3],
        "specimen_id": [10, 10, 10, 10, 11, 12],
        "collected_at": [ISO, ISO, rerun_time, ISO, "see comment", "  "],
        "test": ["TT", "SHBG", "TT", "ALB", "TT", "TT"],
        "value": ["500", "40", "600", "45", "300", "350"],
        "unit": ["ng/dL", "nmol/L", "ng/dL", "g/L", "ng/dL", "ng/dL"]})
    if status:  # HL7 result status: the export then takes pair_export's partitioned path
        export["status"] = ["F", "F", "F", "F", "F", "P"]  # (P: preliminary, alone)
    return export


def _unread_warnings(caught):
    return [w for w in caught if issubclass(w.category, LabstatsWarning)
            and "were not read" in str(w.message)]


def test_unread_times_warn_at_the_callers_line_with_their_count_and_first_row():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = read_lab_results(_export(), test_map=TM)
    [w] = _unread_warnings(caught)
    assert w.filename == __file__
    message = str(w.message)
    assert "2 time(s)" in message and "source_row 2" in message
    assert "'05/01/2024 9:00 AM'" in message and "time_format=" in message
    assert res.attrs["times"]["source_row"].tolist() == [2, 4]  # the blank is missing
    assert res["collected_at"].isna().tolist() == [False, False, True, False, True, True]


def test_times_all_read_give_no_warning():
    export = _export("2024-01-05 09:00:00").drop(index=4)  # a blank time is missing
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = read_lab_results(export, test_map=TM)
    assert not len(res.attrs["times"])


def _pair(export, repeats):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabstatsWarning)
        res = read_lab_results(export, test_map=TM)
    return pair_results(res, repeats=repeats).set_index("patient_id")


def test_first_takes_the_draws_result_of_known_time_as_the_readable_export_does():
    truth = _pair(_export("2024-01-05 09:00:00"), "first").loc[1]
    got = _pair(_export(), "first").loc[1]
    assert truth["total_testosterone_source_row"] == 0
    assert got["total_testosterone_source_row"] == 0  # was 2: NaT sorted first
    assert got["total_testosterone"] == truth["total_testosterone"]


def test_last_and_mean_never_prefer_a_result_of_unknown_time():
    last = _pair(_export(), "last").loc[1]
    assert last["total_testosterone_source_row"] == 0  # the latest of known time
    mean = _pair(_export(), "mean").loc[1]
    assert mean["total_testosterone_source_row"] == 0  # the earliest of known time
    # ng/dL -> nmol/L: 1 / 28.842 (testosterone, 288.42 g/mol)
    assert mean["total_testosterone"] == pytest.approx((500 + 600) / 2 / 28.842, rel=1e-9)


def test_results_all_of_unknown_time_keep_the_rows_order():
    export = _export()
    export.loc[[0, 2], "collected_at"] = ["later, see note", "05/01/2024 9:00 AM"]
    first, last = _pair(export, "first").loc[1], _pair(export, "last").loc[1]
    assert first["total_testosterone_source_row"] == 0
    assert last["total_testosterone_source_row"] == 2


def _said(monkeypatch):
    """The calls of ``_routine_io.warn_unread`` (count, first row, its text, format), each
    then issued as usual. The paths below run threads (DuckDB, pools, Dask), and
    ``warnings.catch_warnings`` is process-wide, not thread-safe: a thread of another
    test or library inside its own ``catch_warnings`` when this test enters one can
    restore the state from before it, and the warning is then not recorded (seen once in
    a full run). The call is what every path must make once; the warning's line is
    checked above, in memory."""
    from labstats._warn import recording
    from labstats.datasets import _routine_io

    calls, real = [], _routine_io.warn_unread

    def record(*args):
        if recording() is None:  # issued (a part's own read records it, to be dropped)
            calls.append(tuple(args[:3]))
        real(*args)

    monkeypatch.setattr(_routine_io, "warn_unread", record)
    return calls


def test_every_path_warns_once_alike_and_pairs_alike(tmp_path, monkeypatch):
    want = _pair(_export(), "first")
    calls, runs = _said(monkeypatch), {}
    for name, export in (("sql", _export()), ("partitioned", _export(status=True))):
        path = tmp_path / f"{name}.parquet"
        export.to_parquet(path, index=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LabstatsWarning)
            got = pair_export(path, test_map=TM)
        assert got.attrs["counts"]["path"] == name
        runs[name] = (calls[:], got.set_index("patient_id"))
        calls.clear()
    dd = pytest.importorskip("dask.dataframe")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabstatsWarning)
        got = pair_results(read_lab_results(dd.from_pandas(_export(), npartitions=2,
                                                            sort=False), test_map=TM))
    runs["dask"] = (calls[:], got.compute().set_index("patient_id"))
    for name, (found, got) in runs.items():
        assert found == [(2, 2, "05/01/2024 9:00 AM")], name
        pd.testing.assert_series_equal(got["total_testosterone_source_row"].sort_index(),
                                       want["total_testosterone_source_row"].sort_index(),
                                       check_dtype=False, obj=name)


@pytest.mark.parametrize("time_format", [None, "%Y-%m-%d %H:%M:%S"])
@pytest.mark.parametrize("npartitions", [1, 3])
def test_dask_counts_unread_times_over_all_partitions(time_format, npartitions, monkeypatch):
    """Each partition counts its unread times in the format it tries (its first time's,
    or the one given); a partition that tried another format than the export's (its
    first time is the unread one: three partitions of two rows) is counted again."""
    dd = pytest.importorskip("dask.dataframe")
    ddf = dd.from_pandas(_export(), npartitions=npartitions, sort=False)
    calls = _said(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabstatsWarning)
        read_lab_results(ddf, test_map=TM, time_format=time_format)
    assert calls == [(2, 2, "05/01/2024 9:00 AM")]
