"""Parquet timestamps typed with a time zone on pair_export's SQL path (by="specimen"): DuckDB
reads them as instants (TIMESTAMP WITH TIME ZONE, TIMESTAMPTZ_NS), the draws get the
export's zone and unit back (``time_zone=``'s zone when given), as pandas reads them. The
draws, counts and per-row report equal ``pair_results(read_lab_results(...))`` row for row;
the instants are checked against the export's own clock times. They took the partitioned
path before (the same draws, more slowly)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labstats.datasets import derive, make_lab_results, pair_export, pair_results, read_lab_results

pytest.importorskip("duckdb")

CASES = [("Europe/Berlin", "us"), ("UTC", "ns"), ("America/New_York", "ms")]


def _typed(tmp_path, zone, unit, seed=7):
    """A MIMIC-shaped export (duplicates, reruns, reported rows) whose times are typed in
    ``zone`` and ``unit``: the clock times localized (a time the change to summer time
    skips, or the change back repeats, is missing), one missing time, one draw at two
    times (paired by pandas on the SQL path), ns times 123 ns after the minute."""
    export = make_lab_results(200, seed=seed, shape="mimic")
    test_map = export.attrs["test_map"]
    export.attrs = {}
    clock = pd.to_datetime(export["charttime"], format="ISO8601")
    clock.iloc[5] = pd.NaT
    spec = export["specimen_id"].iloc[10]
    at = np.flatnonzero((export["specimen_id"] == spec).fillna(False).to_numpy())
    clock.iloc[at[0]] += pd.Timedelta("10min")  # a draw at two times (its first: used)
    if unit == "ns":
        clock = clock.dt.as_unit("ns") + pd.Timedelta(123, "ns")
    typed = clock.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").dt.as_unit(unit)
    path = tmp_path / f"typed_{unit}.parquet"
    export.assign(charttime=typed).to_parquet(path, index=False)
    return path, test_map, clock


def _report(res):
    report = res.attrs["report"]
    unknown = (res["analyte"].isna() & res["test"].notna()).to_numpy()
    report = report[~unknown[report["source_row"].to_numpy(dtype=np.int64)]]
    return report.assign(value=report["value"].astype("string")).reset_index(drop=True)


@pytest.mark.parametrize(("zone", "unit"), CASES)
@pytest.mark.parametrize("time_zone", [None, "Asia/Tokyo"])
def test_typed_zoned_times_take_the_sql_path_and_equal_pandas(tmp_path, zone, unit, time_zone):
    path, test_map, clock = _typed(tmp_path, zone, unit)
    read = {} if time_zone is None else {"time_zone": time_zone}
    res = read_lab_results(path, test_map=test_map, **read)
    for repeats in ("first", "mean"):
        want = pair_results(res, by="specimen", repeats=repeats)
        report = tmp_path / "report.parquet"
        got = pair_export(path, test_map=test_map, repeats=repeats, rows_per_partition=300,
                          report=report, overwrite=True, **read)
        assert got.attrs["counts"]["path"] == "sql"
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert got.attrs["counts"]["read"] == res.attrs["counts"]
        assert got.attrs["counts"]["pair"] == want.attrs["counts"]
        pd.testing.assert_frame_equal(pd.read_parquet(report), _report(res),
                                      check_dtype=False)
    assert got["collected_at"].dtype == pd.DatetimeTZDtype(unit, time_zone or zone)
    # draws paired by pandas on the SQL path too: the draw at two times (its span)
    assert got.attrs["counts"]["partitions"] > 0
    assert (got["collected_until"] > got["collected_at"]).sum() == 1
    # each draw's instant is a clock time of the export in ``zone``, to the nanosecond
    seen = got["collected_at"].dropna().dt.tz_convert(zone).dt.tz_localize(None)
    assert seen.isin(clock.dt.as_unit(seen.dt.unit)).all()


@pytest.mark.parametrize(("zone", "unit"), CASES[:2])
def test_written_and_derived_draws_equal_pandas(tmp_path, zone, unit):
    """The draws built as Arrow tables (``Draws._table``) and written to a file."""
    path, test_map, _ = _typed(tmp_path, zone, unit, seed=3)
    want = derive(pair_results(read_lab_results(path, test_map=test_map)))
    out = tmp_path / "draws.parquet"
    counts = pair_export(path, out, test_map=test_map, derive=True, rows_per_partition=300)
    assert counts["path"] == "sql"
    got = pd.read_parquet(out).sort_values(["patient_id", "collected_at"], kind="stable",
                                           ignore_index=True)
    want.attrs = {}
    pd.testing.assert_frame_equal(got, want, check_exact=True)
