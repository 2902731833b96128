"""Out-of-core reading and pairing (labstats._engines.pair_export, DuckDB) equals the pandas
path row for row: the same draws, values, provenance and counts, whatever the partitioning.
Bounded memory is measured by benchmarks/bench_routine.py (2.5 M and 10 M rows)."""

from __future__ import annotations

import pandas as pd
import pytest

from labstats.datasets import make_lab_results, pair_export, pair_results, read_lab_results

pytest.importorskip("duckdb")


def _parquet(tmp_path, shape, n=80, seed=5, parts=1):
    export = make_lab_results(n, seed=seed, shape=shape)
    test_map = export.attrs.get("test_map")
    export.attrs = {}
    if parts == 1:
        path = tmp_path / "export.parquet"
        export.to_parquet(path, index=False)
        return path, test_map
    path = tmp_path / "folder"
    path.mkdir()
    step = -(-len(export) // parts)
    for k in range(parts):
        export.iloc[k * step:(k + 1) * step].to_parquet(path / f"part{k}.parquet", index=False)
    return path, test_map


@pytest.mark.parametrize("shape", ["lis", "mimic"])
@pytest.mark.parametrize("by", ["specimen", "window"])
@pytest.mark.parametrize("rows_per_partition", [20, 10_000])
def test_out_of_core_equals_the_pandas_path(tmp_path, shape, by, rows_per_partition):
    path, test_map = _parquet(tmp_path, shape)
    # by specimen the SQL path resolves repeats "first" and "last" itself: "mean" sends
    # the draws with repeats to pandas, bucket by bucket
    repeats = "mean" if by == "specimen" else "first"
    res = read_lab_results(path, test_map=test_map)
    want = pair_results(res, by=by, repeats=repeats)
    got = pair_export(path, test_map=test_map, by=by, rows_per_partition=rows_per_partition,
                      repeats=repeats)
    pd.testing.assert_frame_equal(got, want, check_like=False)
    counts = got.attrs["counts"]
    assert counts["read"] == res.attrs["counts"]
    assert counts["pair"] == want.attrs["counts"]
    assert counts["unknown_tests"] == dict(res.attrs["unknown_tests"].values.tolist())
    assert (counts["partitions"] > 1) == (rows_per_partition == 20)


@pytest.mark.parametrize("by", ["specimen", "window"])
@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_times_of_several_offsets_with_time_zone_equal_the_pandas_path(tmp_path, by, zone):
    """Times written with the offset of their day in Berlin (+01:00 in winter, +02:00 in
    summer, as an ISO 8601 / FHIR export): before, refused by every path; with
    ``time_zone``, instants in that zone, the same on both paths as in pandas."""
    export = make_lab_results(60, seed=5, shape="mimic")
    test_map = export.attrs["test_map"]
    export.attrs = {}
    text = pd.to_datetime(export["charttime"]).dt.tz_localize("Europe/Berlin").dt.strftime(
        "%Y-%m-%dT%H:%M:%S%z")
    export["charttime"] = text.str[:-2] + ":" + text.str[-2:]
    path = tmp_path / "fhir.parquet"
    export.to_parquet(path, index=False)
    with pytest.raises(ValueError, match="Mixed timezones"):
        pair_export(path, test_map=test_map, by=by)
    res = read_lab_results(path, test_map=test_map, time_zone=zone)
    want = pair_results(res, by=by)
    for rows in (50, 10_000):
        got = pair_export(path, test_map=test_map, by=by, time_zone=zone,
                          rows_per_partition=rows)
        pd.testing.assert_frame_equal(got, want)
        assert got.attrs["counts"]["read"] == res.attrs["counts"]
        assert got.attrs["counts"]["pair"] == want.attrs["counts"]
        assert got.attrs["counts"]["path"] == ("sql" if by == "specimen" else "partitioned")


def test_a_folder_and_a_parquet_output(tmp_path):
    path, test_map = _parquet(tmp_path, "mimic", parts=3)
    with pytest.warns(UserWarning, match="several files"):
        want = pair_results(read_lab_results(path, test_map=test_map), repeats="last")
    out, report = tmp_path / "draws.parquet", tmp_path / "report.parquet"
    with pytest.warns(UserWarning, match="several files"):  # as read_lab_results warns
        counts = pair_export(path, out, test_map=test_map, repeats="last",
                             rows_per_partition=100, report=report)
    got = pd.read_parquet(out).sort_values(["patient_id", "collected_at"], kind="stable",
                                           ignore_index=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert counts["read"]["rows"] == sum(len(pd.read_parquet(p)) for p in path.iterdir())
    # the per-row report: every reported or excluded row but those of unknown tests
    with pytest.warns(UserWarning, match="several files"):
        memory = read_lab_results(path, test_map=test_map).attrs["report"]
    memory = memory[~memory["reason"].str.startswith("unknown test code")]
    got = pd.read_parquet(report).sort_values("source_row", ignore_index=True)
    assert got["source_row"].tolist() == memory["source_row"].tolist()
    assert got["reason"].tolist() == memory["reason"].tolist()


def test_only_parquet_is_read_out_of_core(tmp_path):
    src = tmp_path / "export.csv"
    src.write_text("patient_id,test,value\n")
    with pytest.raises(ValueError, match="reads Parquet"):
        pair_export(src)


def test_derive_per_partition_equals_derive_on_the_pandas_draws(tmp_path):
    import labstats

    path, test_map = _parquet(tmp_path, "lis", n=60)
    # repeats="mean": the draws with repeats are derived by pandas, bucket by bucket
    want = labstats.derive(pair_results(read_lab_results(path), repeats="mean"))
    got = pair_export(path, derive=True, rows_per_partition=20, repeats="mean")
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs["counts"]["partitions"] > 1


@pytest.mark.parametrize("by", ["window", "specimen"])
def test_an_export_of_unknown_tests_only_gives_no_draws_with_their_columns(tmp_path, by):
    """Every row excluded (unknown codes): both paths return the pandas path's frame of no
    draws, columns and dtypes included, and write it when asked (the partitioned path used
    to fail in DuckDB's executemany, then in the window pairing of no results)."""
    raw = pd.DataFrame({"patient_id": [1, 1, 2], "specimen_id": [10, 10, 20],
                        "collected_at": ["2024-01-01 08:00"] * 3, "test": ["x1", "x2", "x1"],
                        "value": ["15.2", "40", "12"], "unit": ["nmol/L"] * 3})
    path = tmp_path / "export.parquet"
    raw.to_parquet(path, index=False)
    expected = pair_results(read_lab_results(raw), by=by)
    draws = pair_export(path, by=by)
    assert len(draws) == 0
    pd.testing.assert_frame_equal(draws, expected, check_index_type=False)
    assert draws.attrs["counts"]["read"] == {"rows": 3, "used": 0, "reported": 0,
                                             "excluded": 3, "duplicates": 0}
    assert draws.attrs["counts"]["unknown_tests"] == {"x1": 2, "x2": 1}
    out = tmp_path / "draws.parquet"
    pair_export(path, out, by=by)
    assert list(pd.read_parquet(out).columns) == list(expected.columns)


def test_timezone_aware_times_keep_the_exports_unit_out_of_core(tmp_path):
    """Timezone-aware times (partitioned path): DuckDB's UTC copy is read back as the
    export typed it (microseconds, its zone), so the draws equal the pandas path's; they
    came back in nanoseconds before."""
    export = make_lab_results(40, seed=1, shape="mimic")
    test_map, export.attrs = export.attrs["test_map"], {}
    export["charttime"] = pd.to_datetime(export["charttime"]).dt.tz_localize(
        "Europe/Berlin", nonexistent="shift_forward", ambiguous="NaT")
    path = tmp_path / "labevents.parquet"
    export.to_parquet(path, index=False)
    expected = pair_results(read_lab_results(path, test_map=test_map), by="window")
    draws = pair_export(path, test_map=test_map, by="window", rows_per_partition=100)
    assert draws.attrs["counts"]["partitions"] > 1
    assert str(draws["collected_at"].dtype) == "datetime64[us, Europe/Berlin]"
    draws.attrs, expected.attrs = {}, {}
    pd.testing.assert_frame_equal(draws, expected)


@pytest.mark.parametrize(("kw", "message"), [
    ({"rows_per_partition": 0}, r"rows_per_partition must be a whole number >= 1, got 0"),
    ({"rows_per_partition": 2.5}, r"rows_per_partition must be a whole number >= 1, got 2.5"),
    ({"rows_per_partition": "1000"}, r"rows_per_partition must be .*, got '1000'"),
    ({"threads": 0}, r"threads must be a whole number >= 1, got 0"),
    ({"threads": True}, r"threads must be a whole number >= 1, got True"),
    ({"memory_limit": "lots"}, r"memory_limit='lots' is not valid: give DuckDB's memory "
                               r"limit as a size such as '2GB'"),
])
def test_bad_settings_are_errors_naming_the_keyword(tmp_path, kw, message):
    """A count of 0, a fraction or a text was taken as 1 (rows_per_partition), and DuckDB's
    own parser errors named no keyword (threads, memory_limit): each is now a ValueError
    naming the keyword and the value, and nothing is written."""
    path, test_map = _parquet(tmp_path, "mimic", n=20)
    out = tmp_path / "draws.parquet"
    with pytest.raises(ValueError, match=message):
        pair_export(path, out, test_map=test_map, **kw)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.parquet"]
