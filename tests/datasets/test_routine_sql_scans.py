"""The first scans of pair_export's SQL path (``labstats._engines_sql.Early``: the cells'
and the time texts' dictionaries, started in threads while pandas is imported), the first
time text that gives the format of every time, and the draws file its writer encodes
(delta-encoded integers and times, read alike by pyarrow and DuckDB). The SQL path's
equality with the pandas path is tested in test_routine_sql.py, whose helpers these use.
"""

from __future__ import annotations

import pandas as pd
import pytest

from labstats.datasets import pair_export

from .test_routine_sql import TIME, _day_first, _export, _same, _write

pytest.importorskip("duckdb")


def test_the_format_of_times_is_that_of_the_first_filled_text_in_file_order(tmp_path):
    """The SQL path finds the export's first filled time text (``_engines_sql_times._first_text``,
    with pyarrow, while DuckDB scans) skipping blanks as read_lab_results strips them (an
    empty text, a missing one, a tab, U+3000), through a whole first file of blanks: the
    day-first times are read as the pandas path reads them. (The blanks themselves are
    checked by ``test_first_text_is_the_first_cell_read_lab_results_finds_filled``.)"""
    export, test_map = _export("lis", n=60, seed=3)
    export = _day_first(export, "lis")
    step = -(-len(export) // 3)
    blanks = ["", None, "\t ", "\u3000"]
    export.loc[:step + 3, TIME["lis"]] = [blanks[k % 4] for k in range(step + 4)]
    got, res = _same(tmp_path, _write(tmp_path, export, parts=3), test_map)
    assert res["collected_at"].notna().sum() > len(res) // 2
    assert got["collected_at"].notna().any()


def test_an_error_before_the_first_scans_are_used_stops_them(tmp_path):
    """pair_export starts its first scans (``_engines_sql.Early``) before it checks the
    test map; a bad test map still raises its own error, and the scans' threads end."""
    import threading

    export, test_map = _export("mimic", n=400)
    path = _write(tmp_path, export)
    with pytest.raises(ValueError, match="not an analyte"):
        pair_export(path, test_map={"50993": "not an analyte"})
    assert not [t for t in threading.enumerate() if t.name.startswith("labstats-sql")]
    assert pair_export(path, test_map=test_map).attrs["counts"]["path"] == "sql"


@pytest.mark.parametrize("blank", ["", None, "\t ", "\u3000", " \u00a0\n"])
def test_first_text_is_the_first_cell_read_lab_results_finds_filled(tmp_path, blank):
    """``_first_text`` (whose format reads every time) is the first cell, in file and row
    order, that ``str.strip`` leaves non-empty, as read_lab_results takes it
    (``_routine_io.parse_times``): blanks are skipped, the text is kept as written."""
    from labstats._engines_sql_times import _first_text

    column = "charttime"
    frames = [pd.DataFrame({column: [blank] * 3}, dtype="string"),
              pd.DataFrame({column: [blank, " 01/02/2020 09:30", "13/02/2020 09:30"]},
                           dtype="string")]
    files = []
    for k, frame in enumerate(frames):
        files.append(tmp_path / f"part{k}.parquet")
        frame.to_parquet(files[-1], index=False)
    cells = pd.concat(frames, ignore_index=True)[column]
    stripped = cells.str.strip()
    want = cells[(stripped.notna() & (stripped != "")).to_numpy(dtype=bool)].iloc[0]
    assert _first_text(files, column) == want == " 01/02/2020 09:30"
    assert _first_text(files[:1], column) is None


@pytest.mark.parametrize("scan", ["_distinct", "_time_texts"])
def test_a_hash_clash_in_a_first_scan_takes_the_partitioned_path(tmp_path, monkeypatch, scan):
    """Two different cells (or time texts) of one hash are refused by the first scans,
    which run in threads (``Early``); the refusal reaches pair_export, which pairs the
    export on the partitioned path: the same draws and counts."""
    from labstats import _engines_sql

    export, test_map = _export("mimic", n=80)
    path = _write(tmp_path, export)
    want = pair_export(path, test_map=test_map)
    assert want.attrs["counts"]["path"] == "sql"

    def clash(*args, **kwargs):
        raise _engines_sql.Unsupported("two different cells share a hash")

    monkeypatch.setattr(_engines_sql, scan, clash)
    got = pair_export(path, test_map=test_map)
    assert got.attrs["counts"]["path"] == "partitioned"
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for key in ("read", "pair", "unknown_tests"):
        assert got.attrs["counts"][key] == want.attrs["counts"][key]


def test_the_draws_file_reads_the_same_in_duckdb(tmp_path):
    """The draws file's integers and times are delta-encoded (``_engines_parts.Writer``):
    another Parquet reader (DuckDB) reads the same ids, source rows and times as pyarrow."""
    import duckdb
    import pyarrow.parquet as pq

    export, test_map = _export("mimic", n=120)
    out = tmp_path / "draws.parquet"
    pair_export(_write(tmp_path, export), out, test_map=test_map, derive=True)
    meta = pq.ParquetFile(out).metadata
    encodings = {meta.row_group(0).column(k).path_in_schema:
                 meta.row_group(0).column(k).encodings for k in range(meta.num_columns)}
    assert "DELTA_BINARY_PACKED" in encodings["total_testosterone_source_row"]
    assert "DELTA_BINARY_PACKED" in encodings["collected_at"]
    want = pd.read_parquet(out)
    ints = [c for c in want.columns if want[c].dtype.kind in "iM" or c.endswith("source_row")]
    names = ", ".join(f'"{c}"' for c in ints)
    got = duckdb.sql(f"SELECT {names} FROM read_parquet('{out}')").df()
    for c in ints:  # (DuckDB gives int64 where a column has no missing value)
        pd.testing.assert_series_equal(got[c], want[c], check_dtype=False)


@pytest.mark.parametrize("repeats", ["first", "last", "mean"])
def test_files_of_disjoint_patients_are_grouped_chunk_by_chunk(tmp_path, monkeypatch,
                                                               repeats):
    """A folder whose files hold disjoint patients is grouped into draws a chunk of files
    at a time (``Draws._chunks``: about a million rows each, here one file each): the same
    draws and counts as the pandas path, reruns, copies and duplicates across specimens
    included (the MIMIC shape has them), each met within its chunk."""
    import numpy as np

    from labstats import _engines_sql_draws

    export, test_map = _export("mimic", n=150, seed=9)
    ids = np.sort(export["subject_id"].dropna().unique())
    cut = np.searchsorted(ids, export["subject_id"].fillna(ids[0]), side="right")
    part = np.minimum(3 * (cut - 1) // len(ids), 2)
    folder = tmp_path / "folder"
    folder.mkdir()
    for k in range(3):
        export[part == k].to_parquet(folder / f"part-{k}.parquet", index=False)
    chunks, real = [], _engines_sql_draws.Draws._chunks
    monkeypatch.setattr(_engines_sql_draws.Draws, "_chunks",
                        lambda self: chunks.append(real(self, rows=1)) or chunks[-1])
    got, _ = _same(tmp_path, folder, test_map, repeats=repeats)
    assert chunks == [[f" WHERE file BETWEEN {k} AND {k}" for k in range(3)]]
    assert got.attrs["counts"]["pair"]["duplicates"] + got.attrs["counts"]["pair"][
        "repeats"] > 0
    chunks.clear()  # files cut through patients: grouped at once (a draw may span files)
    (tmp_path / "cut").mkdir()
    _, res = _same(tmp_path, _write(tmp_path / "cut", export, parts=3), test_map,
                   repeats=repeats)  # (the split-file warning: compared by _same)
    assert len(res.attrs["split_patients"]) and chunks == []
