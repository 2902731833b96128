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
@pytest.mark.parametrize("rows_per_partition", [50, 10_000])
def test_out_of_core_equals_the_pandas_path(tmp_path, shape, by, rows_per_partition):
    path, test_map = _parquet(tmp_path, shape)
    res = read_lab_results(path, test_map=test_map)
    want = pair_results(res, by=by)
    got = pair_export(path, test_map=test_map, by=by, rows_per_partition=rows_per_partition)
    pd.testing.assert_frame_equal(got, want, check_like=False)
    counts = got.attrs["counts"]
    assert counts["read"] == res.attrs["counts"]
    assert counts["pair"] == want.attrs["counts"]
    assert counts["unknown_tests"] == dict(res.attrs["unknown_tests"].values.tolist())
    assert (counts["partitions"] > 1) == (rows_per_partition == 50)


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
    want = labstats.derive(pair_results(read_lab_results(path)))
    got = pair_export(path, derive=True, rows_per_partition=60)
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs["counts"]["partitions"] > 1
