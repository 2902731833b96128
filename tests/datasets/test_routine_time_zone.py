"""``time_zone=``: collection times of several UTC offsets read as instants in one zone.

An ISO 8601 / FHIR export from Europe writes "2024-01-10T08:00:00+01:00" in winter and
"2024-07-10T08:00:00+02:00" in summer. Before, every reader refused such a column whole
("Mixed timezones detected ... write every time in one time zone before reading"), so
every export spanning a daylight-saving change had to be rewritten. Now ``time_zone``
reads them as instants, on every path alike (pandas, both paths of ``pair_export``,
Dask); without it the refusal stays and names the fix. A time without a zone is an error
with ``time_zone`` (a clock reading, not an instant: see ``read_lab_results``).

External references: the EU's summer time (Directive 2000/84/EC, articles 2 and 3)
begins at 01:00 UTC on the last Sunday of March (31 March 2024) and ends at 01:00 UTC on
the last Sunday of October (27 October 2024); Central European Time is UTC+01:00, its
summer time UTC+02:00. The instants are checked against Python's own ``datetime``
(``fromisoformat``, ``astimezone``), not pandas.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from labstats import LabstatsWarning
from labstats.cli import main
from labstats.datasets import make_lab_results, pair_export, pair_results, read_lab_results

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("duckdb")


@pytest.fixture(autouse=True)
def _synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def _fhir(export):
    """``export`` (LIS shape) with its clock times written as in Berlin, ISO 8601 with
    the offset of the day ("+01:00" in winter, "+02:00" in summer), as a FHIR export."""
    clock = pd.to_datetime(export["Collected"])
    berlin = clock.dt.tz_localize("Europe/Berlin")  # morning draws: no ambiguous time
    text = berlin.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    return export.assign(Collected=text.str[:-2] + ":" + text.str[-2:]), clock


@pytest.fixture(scope="module")
def export():
    frame = make_lab_results(30, seed=3, shape="lis")
    frame.attrs = {}
    fhir, clock = _fhir(frame)
    assert set(fhir["Collected"].str[-6:]) == {"+01:00", "+02:00"}  # winter and summer
    return fhir, clock


#: A patient drawn across the change to summer time (31 March 2024, 01:00 UTC): 01:30
#: CET is 00:30 UTC, 03:20 CEST is 01:20 UTC, 50 minutes later (1 h 50 by the clock).
DST = pd.DataFrame({"Patient ID": ["p1"] * 4 + ["p2"] * 2,
                    "Accession": ["A1", "A1", "A2", "A2", "B1", "B1"],
                    "Collected": ["2024-03-31T01:30:00+01:00", "2024-03-31T01:30:00+01:00",
                                  "2024-03-31T03:20:00+02:00", "2024-03-31T03:20:00+02:00",
                                  "2024-10-27T02:30:00+02:00", "2024-10-27T02:30:00+01:00"],
                    "Test Code": ["2986-8", "13967-5"] * 3,
                    "Result": ["450", "40", "430", "42", "300", "35"],
                    "Units": ["ng/dL", "nmol/L"] * 3})


def _utc(text):
    """The instant of an ISO 8601 text with an offset, by Python's ``datetime`` (UTC)."""
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).replace(tzinfo=None)


def test_an_export_across_daylight_saving_is_read_in_the_laboratorys_zone(export):
    fhir, clock = export
    with pytest.raises(ValueError, match="Mixed timezones"):  # the default: refused
        read_lab_results(fhir)
    res = read_lab_results(fhir, time_zone="Europe/Berlin")
    assert str(res["collected_at"].dtype.tz) == "Europe/Berlin"
    # in Berlin, each time is the clock time written, with the offset written
    assert (res["collected_at"].dt.tz_localize(None) == clock).all()
    written = fhir["Collected"].str[-6:].str.replace(":", "")
    assert (res["collected_at"].dt.strftime("%z") == written).all()
    utc = read_lab_results(fhir, time_zone="UTC")["collected_at"]
    assert (utc.dt.tz_localize(None) == fhir["Collected"].map(_utc)).all()
    assert (utc == res["collected_at"]).all()  # the same instants
    values = ["value", "analyte", "status", "source_row"]
    pd.testing.assert_frame_equal(res[values], read_lab_results(
        fhir.assign(Collected=clock.dt.strftime("%Y-%m-%d %H:%M")))[values])


def test_hand_checked_instants_across_both_changes_of_2024():
    utc = read_lab_results(DST, time_zone="UTC")["collected_at"].dt.tz_localize(None)
    assert utc.tolist() == [pd.Timestamp(t) for t in [
        "2024-03-31 00:30", "2024-03-31 00:30", "2024-03-31 01:20", "2024-03-31 01:20",
        "2024-10-27 00:30", "2024-10-27 01:30"]]  # 02:30 twice on 27 October: an hour apart
    berlin = read_lab_results(DST, time_zone="Europe/Berlin")["collected_at"]
    assert berlin.dt.strftime("%H:%M%z").tolist() == [
        "01:30+0100", "01:30+0100", "03:20+0200", "03:20+0200", "02:30+0200", "02:30+0100"]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_pairing_by_window_across_the_change_counts_real_time(zone, tmp_path):
    """p1's draws are 50 minutes apart (one draw in a window of 1 h), though their clock
    times are 1 h 50 apart; p2's two draws at 02:30 on 27 October are an hour apart (two
    draws in a window of 30 min), though their clock times are equal."""
    want = pair_results(read_lab_results(DST, time_zone=zone), by="window", window="1h")
    assert want.attrs["counts"]["draws"] == 2  # p1: one draw (its first results kept)
    assert want["total_testosterone_source_row"].tolist() == [0, 4]
    half = pair_results(read_lab_results(DST, time_zone=zone), by="window", window="30min")
    assert half.attrs["counts"]["draws"] == 4
    assert half["total_testosterone_source_row"].fillna(-1).tolist() == [0, 2, 4, -1]
    assert half["shbg_source_row"].fillna(-1).tolist() == [1, 3, -1, 5]
    path = tmp_path / "dst.parquet"
    DST.to_parquet(path, index=False)
    for by, window in (("window", "1h"), ("window", "30min"), ("specimen", "1D")):
        expected = pair_results(read_lab_results(path, time_zone=zone), by=by, window=window)
        got = pair_export(path, by=by, window=window, time_zone=zone, rows_per_partition=1)
        pd.testing.assert_frame_equal(got, expected)
        lazy = read_lab_results(dd.from_pandas(DST, npartitions=2), time_zone=zone)
        draws = pair_results(lazy, by=by, window=window).compute().sort_values(
            ["patient_id", "collected_at"], kind="stable", ignore_index=True)
        pd.testing.assert_frame_equal(draws, expected)


def test_every_path_reads_the_export_as_pandas(export, tmp_path):
    fhir, _ = export
    folder = tmp_path / "parts"
    folder.mkdir()
    for k, part in enumerate(np.array_split(np.arange(len(fhir)), 3)):
        fhir.iloc[part].to_parquet(folder / f"p{k}.parquet", index=False)
    split = r"patient\(s\) have results in several files"  # (the parts split patients)
    for zone in ("UTC", "Europe/Berlin"):
        with pytest.warns(LabstatsWarning, match=split):
            res = read_lab_results(folder, time_zone=zone)
        lazy = read_lab_results(dd.from_pandas(fhir, npartitions=3), time_zone=zone)
        got = lazy.compute().sort_values("source_row", ignore_index=True)
        pd.testing.assert_frame_equal(got.drop(columns="reason"), res.drop(
            columns="source_file"))
        for by in ("specimen", "window"):
            want = pair_results(res, by=by)
            for rows in (40, 10_000):
                # (both paths say so: the SQL path, by specimen; the partitioned, by window)
                with pytest.warns(LabstatsWarning, match=split):
                    out = pair_export(folder, by=by, time_zone=zone, rows_per_partition=rows)
                pd.testing.assert_frame_equal(out, want)
                assert out.attrs["counts"]["read"] == res.attrs["counts"]
                assert out.attrs["counts"]["pair"] == want.attrs["counts"]


def test_the_refusal_names_the_fix_in_python_and_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "fhir.csv"
    DST.to_csv(path, index=False)
    fix = r"pass time_zone='UTC' \(or the laboratory's, e.g. time_zone='Europe/Berlin'"
    for call in (lambda: read_lab_results(path), lambda: pair_export(_parquet(tmp_path)),
                 lambda: read_lab_results(dd.from_pandas(DST, npartitions=2))):
        with pytest.raises(ValueError, match=f"Mixed timezones.*; {fix}"):
            call()
    out = tmp_path / "draws.csv"
    assert main(["derive", str(path), "--long", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "pass --time-zone UTC (or the laboratory's, e.g. --time-zone Europe/Berlin)" in err
    assert "time_zone=" not in err and "CLI:" not in err
    assert main(["derive", str(path), "--long", "-o", str(out), "--time-zone",
                 "Europe/Berlin", "--pair", "window", "--window", "1h"]) == 0
    draws = pd.read_csv(out)
    assert draws["collected_at"].tolist() == ["2024-03-31 01:30:00+01:00",
                                              "2024-10-27 02:30:00+02:00"]
    parquet = tmp_path / "draws.parquet"
    assert main(["derive", str(_parquet(tmp_path)), "--long", "--out-of-core", "-o",
                 str(parquet), "--time-zone", "UTC"]) == 0
    assert str(pd.read_parquet(parquet)["collected_at"].dtype.tz) == "UTC"


def _parquet(tmp_path):
    path = tmp_path / "dst.parquet"
    DST.to_parquet(path, index=False)
    return path


def _readers(source, **kw):
    """The readers of ``source``, each called (a Dask frame read from the same rows)."""
    frame = pd.read_parquet(source) if not isinstance(source, pd.DataFrame) else source
    path = source
    yield lambda: read_lab_results(path, **kw)
    yield lambda: pair_export(path, **kw)
    yield lambda: pair_export(path, by="window", **kw)
    yield lambda: read_lab_results(dd.from_pandas(frame, npartitions=3), **kw)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "utc", "", "+01:00", 1])
def test_a_bad_zone_name_is_an_error_naming_it(zone, tmp_path, capsys):
    for call in _readers(_parquet(tmp_path), time_zone=zone):
        with pytest.raises(ValueError, match=rf"^time_zone={re.escape(repr(zone))} is not "
                                             rf"the name of a time zone of the IANA database"):
            call()
    if isinstance(zone, str) and zone:
        assert main(["derive", str(_parquet(tmp_path)), "--long", "-o",
                     str(tmp_path / "o.csv"), "--time-zone", zone]) == 1
        assert f"--time-zone {zone}" in capsys.readouterr().err


@pytest.mark.parametrize("case", ["naive among offsets", "all naive", "typed naive"])
def test_a_time_without_a_zone_is_refused_with_time_zone_naming_its_row(case, tmp_path):
    """Clock times of an unknown zone are not converted: pandas would read a naive text
    among ISO 8601 texts with offsets as UTC (``utc=True``), in silence."""
    export = DST.copy()
    kw = {"time_zone": "Europe/Berlin"}
    row, text = 4, "2024-10-27T02:30:00"
    if case == "naive among offsets":
        export.loc[4, "Collected"] = text
        kw["time_format"] = "ISO8601"  # (in "%Y-%m-%dT%H:%M:%S%z" it is not read: listed)
        with pytest.raises(ValueError, match="Mixed timezones"):
            read_lab_results(export, time_format="ISO8601")
    elif case == "all naive":
        export["Collected"] = export["Collected"].str[:19]
        row, text = 0, "2024-03-31T01:30:00"
        assert read_lab_results(export)["collected_at"].dtype.kind == "M"  # without: read
    else:
        export["Collected"] = pd.to_datetime(export["Collected"].str[:19])
        export.loc[:1, "Collected"] = pd.NaT
        row, text = 2, "2024-03-31 03:20:00"
    path = tmp_path / "naive.parquet"
    export.to_parquet(path, index=False)
    message = (rf"^collected_at: the time '{text}' \(source_row {row}\) has no time zone "
               rf"\(no UTC offset\): a clock reading, not an instant, so time_zone="
               rf"'Europe/Berlin' cannot convert it.*tz_localize\('Europe/Berlin'")
    for call in _readers(path, **kw):
        with pytest.raises(ValueError, match=message):
            call()


def test_naive_texts_in_a_format_with_an_offset_stay_listed_as_not_read():
    """In the format of the first time ("%Y-%m-%dT%H:%M:%S%z"), a time without an offset
    is not in the column's format: listed and warned, as without ``time_zone``."""
    export = DST.assign(Collected=DST["Collected"].where(DST.index != 5, "2024-10-27 02:30"))
    with pytest.warns(UserWarning, match=r"1 time\(s\) are not in the column's format"):
        res = read_lab_results(export, time_zone="UTC")
    assert res.attrs["times"]["source_row"].tolist() == [5]
    assert res["collected_at"].isna().tolist() == [False] * 5 + [True]


# Dask's own Parquet reader (dask/dataframe/io/parquet/arrow.py) on pandas 3.1: not labstats'
@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index")
def test_parquet_parts_of_two_zones_are_read_with_time_zone(tmp_path):
    """Before: refused by ``check_parts`` whatever the keywords."""
    folder = tmp_path / "zones"
    folder.mkdir()
    typed = DST.assign(Collected=pd.to_datetime(DST["Collected"], utc=True))
    typed.iloc[:3].assign(Collected=typed["Collected"].iloc[:3].dt.tz_convert(
        "Europe/Berlin")).to_parquet(folder / "a.parquet", index=False)
    typed.iloc[3:].to_parquet(folder / "b.parquet", index=False)  # UTC
    with pytest.raises(ValueError, match=r"b.parquet: column 'Collected' holds times in time "
                                         r"zone UTC .*pass time_zone='UTC'"):
        read_lab_results(folder)
    split = r"1 patient\(s\) have results in several files"  # (p1 in a and b)
    with pytest.warns(LabstatsWarning, match=split):
        res = read_lab_results(folder, time_zone="Europe/Berlin")
    want = read_lab_results(DST, time_zone="Europe/Berlin")
    pd.testing.assert_series_equal(res["collected_at"].dt.tz_convert("UTC"),
                                   want["collected_at"].dt.tz_convert("UTC"),
                                   check_dtype=False)  # (typed: ns; texts: us)
    assert str(res["collected_at"].dtype.tz) == "Europe/Berlin"
    lazy = read_lab_results(dd.read_parquet(folder), time_zone="Europe/Berlin")
    pd.testing.assert_frame_equal(lazy.compute().sort_values("source_row", ignore_index=True)
                                  .drop(columns="reason"), res.drop(columns="source_file"))
    for by in ("specimen", "window"):
        expected = pair_results(res, by=by, window="1h")
        # (typed times with a zone: the SQL path by specimen; both warn as pandas does)
        with pytest.warns(LabstatsWarning, match=split):
            got = pair_export(folder, by=by, window="1h", time_zone="Europe/Berlin")
        pd.testing.assert_frame_equal(got, expected)
        assert len(got) == (3 if by == "specimen" else 2)
