"""pair_export's partitioned path (by="window") warns as pandas on the whole export, once, at
the caller's line: the implausible values of plausibility("warn") from the counted cells
and their first rows (DuckDB), derive's warnings from all partitions together (before, each
partition warned alone, from a pool thread, with its own first value, row and count)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats.datasets import make_lab_results, pair_export, pair_results, read_lab_results

pytest.importorskip("duckdb")


def _recorded(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    return out, [(str(w.message), w.filename) for w in caught]


def test_implausible_values_warn_once_as_pandas(tmp_path):
    export = make_lab_results(40, seed=6, shape="lis")
    export.attrs = {}
    tt = export.index[export["Test Code"] == "2986-8"]
    export.loc[tt[[3, 30, 60, 61]], "Result"] = ["90000", "80000", "85000", "80000"]
    path = tmp_path / "export.parquet"
    export.to_parquet(path, index=False)
    with labstats.plausibility("warn"):
        want, expected = _recorded(lambda: pair_results(read_lab_results(path), by="window"))
        got, warned = _recorded(lambda: pair_export(path, by="window", rows_per_partition=100))
    assert got.attrs["counts"]["partitions"] > 1
    assert len(expected) == 1 and "4 such values" in expected[0][0]
    assert warned == expected and warned[0][1] == __file__
    pd.testing.assert_frame_equal(got.drop(columns=[]), want)


def test_derive_warns_once_for_all_partitions(tmp_path):
    """Triglycerides above Friedewald's 400 mg/dL in two patients of different partitions:
    one warning of 2 rows, at this line, as derive on the pandas draws gives."""
    rng = np.random.default_rng(3)
    n = 40
    rows = []
    for k in range(n):
        tg = 700.0 if k in (2, 37) else float(rng.uniform(50, 200))
        for code, value in (("2093-3", rng.uniform(150, 230)), ("2085-9", rng.uniform(40, 70)),
                            ("2571-8", tg)):  # LOINC mass codes: mg/dL
            rows.append({"Patient ID": f"p{k:02d}", "Collected": "2024-01-02 08:00",
                         "Test Code": code, "Result": f"{value:.1f}", "Units": "mg/dL"})
    path = tmp_path / "lipids.parquet"
    pd.DataFrame(rows).to_parquet(path, index=False)
    want, expected = _recorded(lambda: labstats.derive(pair_results(read_lab_results(path),
                                                                    by="window")))
    got, warned = _recorded(lambda: pair_export(path, by="window", rows_per_partition=30,
                                                derive=True))
    assert got.attrs["counts"]["partitions"] > 1
    assert [m for m, _ in expected] == [m for m, _ in warned]
    assert any(m.startswith("2 rows with triglycerides above 400") for m, _ in warned)
    assert all(f == __file__ for _, f in warned)


def test_derive_warns_once_for_all_batches_of_the_sql_path(tmp_path):
    """The SQL path (by specimen) derives its draws a batch at a time: each batch warned
    alone (eight warnings of "1 row" for eight draws in eight batches). Now one warning of
    8 rows, at this line, as derive on the pandas draws gives."""
    rows = []
    for k in range(40):
        tg = "500" if k % 5 == 0 else "150"
        for code, value in (("2093-3", "220"), ("2085-9", "50"), ("2571-8", tg)):
            rows.append({"Patient ID": f"p{k:02d}", "Accession": f"A{k:02d}",
                         "Collected": "2024-01-02 08:00", "Test Code": code,
                         "Result": value, "Units": "mg/dL"})
    path = tmp_path / "lipids.parquet"
    pd.DataFrame(rows).to_parquet(path, index=False)
    want, expected = _recorded(lambda: labstats.derive(pair_results(read_lab_results(path))))
    for rows_per_partition in (1_000, 20):  # one batch; a batch of 5 draws
        got, warned = _recorded(lambda rpp=rows_per_partition: pair_export(
            path, rows_per_partition=rpp, derive=True))
        assert got.attrs["counts"]["path"] == "sql"
        assert [m for m, _ in warned] == [m for m, _ in expected]
        assert [m[:41] for m, _ in warned] == ["8 rows with triglycerides above 400 mg/dL"]
        assert all(f == __file__ for _, f in warned)
