"""Times written with and without seconds (or their fraction) in one column are one format
(``_routine_io.time_variants``: ISO 8601 lets the seconds be left out), also when they carry
a UTC offset ("2024-03-31T01:30+01:00" beside "2024-03-31T01:30:00+01:00", RFC 3339 section
5.6), on every path: ``read_lab_results`` (CSV, Parquet, Dask) and ``pair_export``'s SQL and
partitioned paths. The expected instants are written out below, from the texts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labstats.datasets import pair_export, pair_results, read_lab_results

pytest.importorskip("duckdb")

T, S = ("2986-8", "450", "ng/dL"), ("13967-5", "30", "nmol/L")  # total T, SHBG (LOINC)
#: Each draw's two results, the second written with other seconds than the first.
TIMES = [("p1", "2024-03-31T01:30:00+01:00", "2024-03-31T01:30+01:00"),
         ("p2", "2024-03-31T01:45+01:00", "2024-03-31 01:45:00.000+01:00"),
         ("p3", "2024-07-01T08:00+02:00", "2024-07-01T08:00:00+02:00"),  # summer time
         ("p4", "2024-07-01T09:10:30.5+02:00", "2024-07-01T09:10:30.500+02:00")]
#: The instants (UTC) of the draws: the clock times minus their offsets.
UTC = pd.DatetimeIndex([pd.Timestamp(t, tz="UTC") for t in (
    "2024-03-31 00:30", "2024-03-31 00:45", "2024-07-01 06:00", "2024-07-01 07:10:30.5")])


def _export(times=TIMES):
    rows = []
    for pid, a, b in times:
        for (code, value, unit), when in ((T, a), (S, b)):
            rows.append({"Patient ID": pid, "Accession": f"{pid}-1", "Collected": when,
                         "LOINC": code, "Result": value, "Units": unit})
    return pd.DataFrame(rows)


def _files(tmp_path, export):
    csv, parquet = tmp_path / "export.csv", tmp_path / "export.parquet"
    export.to_csv(csv, index=False)
    export.to_parquet(parquet, index=False)
    return csv, parquet


@pytest.mark.parametrize("zone", ["Europe/Berlin", "UTC"])
def test_offset_times_with_and_without_seconds_are_read_on_every_path(tmp_path, zone):
    """Before: only the times in the first one's format were read; the others were listed
    as not read (their draws without a time: by="window" refused them)."""
    csv, parquet = _files(tmp_path, _export())
    want = np.repeat(UTC.tz_convert(zone), 2)
    for source in (csv, parquet, _export()):
        res = read_lab_results(source, time_zone=zone)
        assert res["collected_at"].tolist() == want.tolist()
        assert len(res.attrs["times"]) == 0
    for by in ("specimen", "window"):
        expected = pair_results(res, by=by)
        assert expected["collected_at"].tolist() == UTC.tz_convert(zone).tolist()
        for rows in (1, 1000):
            got = pair_export(parquet, by=by, time_zone=zone, rows_per_partition=rows)
            assert got.attrs["counts"]["path"] == ("sql" if by == "specimen" else
                                                   "partitioned")
            pd.testing.assert_frame_equal(got, expected)


def test_one_offset_with_and_without_seconds_is_read_without_time_zone(tmp_path):
    """One UTC offset: read without time_zone= as written (the SQL path sends the
    timezone-aware times to the partitioned path), every time read."""
    winter = [t for t in TIMES if t[1].endswith("+01:00")]
    csv, parquet = _files(tmp_path, _export(winter))
    for source in (csv, parquet):
        res = read_lab_results(source)
        assert res["collected_at"].tolist() == np.repeat(
            UTC[:2].tz_convert("+01:00"), 2).tolist()
    for by in ("specimen", "window"):
        got = pair_export(parquet, by=by, rows_per_partition=1)
        assert got.attrs["counts"]["path"] == "partitioned"
        pd.testing.assert_frame_equal(got, pair_results(res, by=by))


def test_two_offsets_without_time_zone_are_refused_as_with_seconds_everywhere(tmp_path):
    """Written with and without seconds, two offsets are still two time zones: refused
    with the fix, as the same times written one way are (not read as one zone)."""
    one_way = _export().assign(Collected=lambda f: pd.to_datetime(
        f["Collected"], format="ISO8601", utc=True).dt.tz_convert("Europe/Berlin")
        .dt.strftime("%Y-%m-%dT%H:%M:%S%z"))
    for export in (_export(), one_way):
        _, parquet = _files(tmp_path, export)
        for call in (lambda parquet=parquet: read_lab_results(parquet),
                     lambda parquet=parquet: pair_export(parquet, by="window",
                                                         rows_per_partition=1)):
            with pytest.raises(ValueError, match=r"cannot be read as one column .*Mixed "
                                                 r"timezones.*pass time_zone='UTC'"):
                call()


def test_a_dask_frame_reads_them_as_pandas():
    dd = pytest.importorskip("dask.dataframe")
    want = read_lab_results(_export(), time_zone="Europe/Berlin")
    lazy = read_lab_results(dd.from_pandas(_export(), npartitions=3), time_zone="Europe/Berlin")
    got = lazy.compute().sort_values("source_row", ignore_index=True)
    pd.testing.assert_frame_equal(got.drop(columns="reason"), want)
    assert got["collected_at"].tolist() == np.repeat(UTC.tz_convert("Europe/Berlin"),
                                                     2).tolist()


def test_a_part_of_times_with_fractions_only(tmp_path):
    """Naive times, the column's format (the first time's, or time_format=) without seconds,
    and a part whose every time has a fraction of a second: pandas reads a column of no
    time in seconds, and a fraction did not fit (TypeError). A partition of the
    partitioned path is such a part (one patient each with rows_per_partition=1)."""
    export = _export().assign(Collected=lambda f: f["Collected"].str[:-6])  # no offsets
    times = export["Collected"].str.replace("T", " ")
    fractions = export.assign(Collected="2024-07-01 09:10:30.5")
    res = read_lab_results(fractions, time_format="%Y-%m-%d %H:%M")
    assert (res["collected_at"] == pd.Timestamp("2024-07-01 09:10:30.5")).all()
    _, parquet = _files(tmp_path, export)
    res = read_lab_results(parquet)
    assert res["collected_at"].tolist() == pd.to_datetime(times, format="ISO8601").tolist()
    for by in ("specimen", "window"):
        got = pair_export(parquet, by=by, rows_per_partition=1)
        pd.testing.assert_frame_equal(got, pair_results(res, by=by))
