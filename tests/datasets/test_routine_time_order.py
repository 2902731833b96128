"""Day/month order of collection times (issue 12, "nothing silent"): pandas guesses a
column's format from its first time and reads "03/04/2024" as 4 March (month first), so a
European LIS export whose first time was ambiguous had every time with a day up to 12
silently read with day and month swapped (and the others listed as not read). The order
is now settled on every time of the export, the same way on each path: in memory, the
SQL and partitioned paths of ``pair_export``, and Dask.

The truth is the export itself written in ISO 8601 (``make_lab_results``' times): the
day-first export must read to the same times.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from labstats import LabstatsWarning
from labstats.datasets import make_lab_results, pair_export, pair_results, read_lab_results
from labstats.datasets._routine_io import order_evidence, settle_order

pytest.importorskip("duckdb")


def _exports(fmt, first="2024-03-04 08:00"):
    """(ISO export, the same export with times written in ``fmt``, test map): the LIS shape,
    the first draw moved to ``first`` (an ambiguous day and month)."""
    export = make_lab_results(40, seed=3, shape="lis")
    test_map = export.attrs.get("test_map")
    export.attrs = {}
    first_draw = export["Accession"] == export["Accession"].iloc[0]
    export.loc[first_draw, "Collected"] = first
    written = export.copy()
    times = pd.to_datetime(export["Collected"], format="%Y-%m-%d %H:%M")
    written["Collected"] = times.dt.strftime(fmt)
    return export, written, test_map


@pytest.mark.parametrize("fmt", ["%d/%m/%Y %H:%M", "%d.%m.%Y %H:%M", "%d-%m-%Y %H:%M"])
def test_day_first_export_with_an_ambiguous_first_time_reads_its_true_times(fmt):
    iso, written, test_map = _exports(fmt)
    assert written["Collected"].iloc[0].startswith("04")  # 4 March: month first to pandas
    want = read_lab_results(iso, test_map=test_map)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a day above 12 settles it: no warning
        got = read_lab_results(written, test_map=test_map)
    pd.testing.assert_series_equal(got["collected_at"], want["collected_at"])
    assert not len(got.attrs["times"])  # every time read


def test_every_path_settles_the_order_alike(tmp_path):
    iso, written, test_map = _exports("%d/%m/%Y %H:%M")
    early = (written["Patient ID"] < written["Patient ID"].iloc[len(written) // 2]).to_numpy()
    folder = tmp_path / "export"  # two files of whole patients, the first time in the first
    folder.mkdir()
    written[early].to_parquet(folder / "a.parquet", index=False)
    written[~early].to_parquet(folder / "b.parquet", index=False)
    for by in ("specimen", "window"):  # the SQL path, the partitioned path
        want = pair_results(read_lab_results(iso, test_map=test_map), by=by)
        got = pair_export(folder, test_map=test_map, by=by, rows_per_partition=50)
        assert got.attrs["counts"]["path"] == ("sql" if by == "specimen" else "partitioned")
        pd.testing.assert_frame_equal(got[["patient_id", "collected_at"]],
                                      want[["patient_id", "collected_at"]])


def test_dask_settles_the_order_on_all_partitions():
    dd = pytest.importorskip("dask.dataframe")
    iso, written, test_map = _exports("%d/%m/%Y %H:%M")
    want = read_lab_results(iso, test_map=test_map)
    # the first partition alone holds no day above 12: only the whole column tells
    first = written["Accession"] == written["Accession"].iloc[0]
    ordered = pd.concat([written[first], written[~first]], ignore_index=True)
    got = read_lab_results(dd.from_pandas(ordered, npartitions=4, sort=False),
                           test_map=test_map).compute()
    truth = pd.concat([want[first.to_numpy()], want[~first.to_numpy()]])
    assert got.sort_values("source_row")["collected_at"].tolist() == \
        truth["collected_at"].tolist()


def test_times_that_never_tell_the_order_apart_are_warned_of_at_the_callers_line(tmp_path):
    export = pd.DataFrame({"Patient ID": ["p1", "p2"], "Accession": ["a1", "a2"],
                           "Collected": ["03/04/2024 08:00", "05/06/2024 09:00"],
                           "Test Code": ["14913-8", "14913-8"], "Result": ["30", "31"],
                           "Units": ["nmol/L", "nmol/L"]})
    message = (r"collected_at: every time reads both as day/month and as month/day \(the "
               r"first is '03/04/2024 08:00'\), and they were read as '%m/%d/%Y %H:%M'; if "
               r"the export writes the day first, pass time_format='%d/%m/%Y %H:%M'")
    with pytest.warns(LabstatsWarning, match=message) as caught:
        got = read_lab_results(export)
    assert caught[0].filename == __file__
    assert got["collected_at"].dt.month.tolist() == [3, 5]  # pandas' guess stands
    path = tmp_path / "export.parquet"
    export.to_parquet(path, index=False)
    for by in ("specimen", "window"):
        with pytest.warns(LabstatsWarning, match=message) as caught:
            pair_export(path, by=by)
        assert [w.filename for w in caught] == [__file__]  # once, here
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the format given: nothing to settle
        got = read_lab_results(export, time_format="%d/%m/%Y %H:%M")
    assert got["collected_at"].dt.month.tolist() == [4, 6]


def test_times_in_both_orders_are_an_error_on_every_path(tmp_path):
    export = pd.DataFrame({"Patient ID": ["p1", "p2", "p3"], "Accession": ["a1", "a2", "a3"],
                           "Collected": ["03/04/2024", "15/04/2024", "04/15/2024"],
                           "Test Code": ["14913-8"] * 3, "Result": ["30"] * 3,
                           "Units": ["nmol/L"] * 3})
    message = r"collected_at: the times are written in both orders, day/month and month/day"
    with pytest.raises(ValueError, match=message):
        read_lab_results(export)
    path = tmp_path / "export.parquet"
    export.to_parquet(path, index=False)
    for by in ("specimen", "window"):
        with pytest.raises(ValueError, match=message):
            pair_export(path, by=by)
    with pytest.warns(LabstatsWarning, match=r"1 time\(s\) .*'15/04/2024'"):  # the rest
        got = read_lab_results(export, time_format="%m/%d/%Y")  # the fix the message gives
    assert got.attrs["times"]["value"].tolist() == ["15/04/2024"]


@pytest.mark.parametrize(("first", "cells", "want"), [
    ("03/04/2024", ["03/04/2024", "15/04/2024"], "%d/%m/%Y"),  # a day above 12: day first
    ("03/04/2024", ["03/04/2024", "04/15/2024"], "%m/%d/%Y"),  # month first, as guessed
    ("13/04/2024", ["13/04/2024", "03/04/2024"], "%d/%m/%Y"),  # unambiguous first time
    ("3.4.2024 08:00", [" 3.4.2024 08:00", "30.4.2024 09:00"], "%d.%m.%Y %H:%M"),
    ("2024-03-04", ["2024-03-04", "2024-30-04"], "%Y-%m-%d"),  # year first: no order
])
def test_settle_order(first, cells, want):
    from labstats.datasets._routine_io import time_format_of

    fmt = time_format_of(first)
    assert settle_order(fmt, order_evidence(pd.Series(cells, dtype="string")), first) == \
        (want, None)


def test_order_evidence_ignores_cells_that_do_not_begin_with_a_day_and_a_month():
    cells = pd.Series(["2024-03-04", None, "", "garbage", "31/12/2024", "7-13-24"],
                      dtype="string")
    assert order_evidence(cells) == (31, 13)
    assert order_evidence(pd.Series([], dtype="string")) == (0, 0)
