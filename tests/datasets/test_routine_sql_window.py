"""``window=`` with ``by="specimen"``: results of one specimen collected more than ``window``
apart are two draws (``pair_results``), on every path of pair_export too. The SQL path
pairs a specimen at several times through ``pair_results``; it passed no ``window=`` on
(the default "1D": one draw where pandas gave two; fails on the code before the fix)."""

from __future__ import annotations

import pandas as pd
import pytest

from labstats.datasets import pair_export, pair_results, read_lab_results

pytest.importorskip("duckdb")


def _export(tmp_path):
    """p1's specimen s1: total T at 08:00, SHBG at 10:00 (2 h apart); p2: one draw."""
    rows = [("p1", "s1", "2024-01-10 08:00", "2986-8", "450", "ng/dL"),
            ("p1", "s1", "2024-01-10 10:00", "13967-5", "30", "nmol/L"),
            ("p2", "s2", "2024-01-10 08:00", "2986-8", "400", "ng/dL")]
    path = tmp_path / "export.parquet"
    pd.DataFrame(rows, columns=["Patient ID", "Accession", "Collected", "LOINC", "Result",
                                "Units"]).to_parquet(path, index=False)
    return path


def test_the_partitioned_path_splits_a_specimen_wider_than_the_window(tmp_path, monkeypatch):
    from labstats import _engines_sql

    path = _export(tmp_path)
    want = pair_results(read_lab_results(path), by="specimen", window="1h")
    assert len(want) == 3  # s1's two results are two draws (pandas, by hand above)

    def decline(*args, **kw):
        raise _engines_sql.Unsupported("test")

    monkeypatch.setattr(_engines_sql, "Early", decline)
    got = pair_export(path, by="specimen", window="1h")
    assert got.attrs["counts"]["path"] == "partitioned"
    pd.testing.assert_frame_equal(got, want)


def test_the_sql_path_splits_a_specimen_wider_than_the_window(tmp_path):
    path = _export(tmp_path)
    want = pair_results(read_lab_results(path), by="specimen", window="1h")
    got = pair_export(path, by="specimen", window="1h")
    assert got.attrs["counts"]["path"] == "sql"
    pd.testing.assert_frame_equal(got, want)

