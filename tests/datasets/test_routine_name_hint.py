"""The test-name hint of ``read_lab_results`` (unknown test codes beside a column of test
names labstats knows: "Test Code" TTES, "Test Name" "Testosterone, total";
``_routine_screen.name_column_hint``) on every path that reads a long export: a file, a
folder of Parquet parts, ``pair_export``'s SQL and partitioned paths (``labstats derive
--long --out-of-core``) and the Dask reader. Before, only the in-memory reader gave it;
the others counted the rows as excluded in silence. Each path gives it once, at the
caller's line, with the in-memory reader's words and counts (rows, not distinct codes);
and it costs no scan (``pair_export``) and no pass (Dask) when there is nothing to hint.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from labstats.cli import main
from labstats.datasets import make_lab_results, pair_export, read_lab_results

HINT = "have a test name labstats knows in column"


def _lis(n=60, seed=11):
    """An LIS export whose testosterone and SHBG have local codes (TTES, SHBGX; some
    written " TTES " or "TTES.0" by a spreadsheet), sodium its LOINC code (unknown to
    labstats, by code and by name: no hint for it)."""
    export = make_lab_results(n, seed=seed, shape="lis")
    export.attrs = {}
    code = export["Test Code"].replace({"2986-8": "TTES", "13967-5": "SHBGX"})
    odd = code.index[code.eq("TTES")][1::4]
    code[odd[::2]], code[odd[1::2]] = " TTES ", "TTES.0"
    return export.assign(**{"Test Code": code})


def _hints(call):
    """(call(), [(message, file) of each hint it warned])."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    return out, [(str(w.message), w.filename) for w in caught if HINT in str(w.message)]


def _write(tmp_path, export, parts):
    if parts == 1:
        export.to_parquet(tmp_path / "export.parquet", index=False)
        return tmp_path / "export.parquet"
    folder = tmp_path / "parts"
    folder.mkdir()
    step = -(-len(export) // parts)
    for k in range(parts):
        export.iloc[k * step:(k + 1) * step].to_parquet(folder / f"part{k}.parquet",
                                                        index=False)
    return folder


@pytest.fixture(scope="module")
def expected():
    """The in-memory reader's hint on the whole export, and the rows it counts."""
    export = _lis()
    res, hints = _hints(lambda: read_lab_results(export))
    named = export["Test Code"].str.strip().str.removesuffix(".0").isin(["TTES", "SHBGX"])
    assert len(hints) == 1 and hints[0][1] == __file__
    message = hints[0][0]
    assert message.startswith(f"{int(named.sum())} results with a test code neither")
    assert int(named.sum()) > 2 * 2  # rows, not the two distinct codes
    assert ("'TTES' ('Testosterone, total' -> total_testosterone), 'SHBGX' ('SHBG' -> "
            "shbg)" in message) or ("'SHBGX' ('SHBG' -> shbg), 'TTES' ('Testosterone, "
                                    "total' -> total_testosterone)" in message)
    assert "2951-2" not in message and res.attrs["counts"]["used"] < len(export)
    return message


@pytest.mark.parametrize("parts", [1, 3])
def test_read_lab_results_of_a_file_or_folder_hints_once(tmp_path, expected, parts):
    """A Parquet file or a folder of parts: read whole (the parts concatenated), hinted
    as a frame (this path gave the hint already)."""
    path = _write(tmp_path, _lis(), parts)
    _, hints = _hints(lambda: read_lab_results(path))
    assert hints == [(expected, __file__)]


@pytest.mark.parametrize("by", ["specimen", "window"])
@pytest.mark.parametrize("parts", [1, 3])
def test_pair_export_hints_once_on_both_paths(tmp_path, expected, by, parts):
    """The SQL path (by="specimen": the dictionary of cells has no names column) and the
    partitioned path (by="window": the rows of unknown codes never reach a partition)
    counted those rows as excluded without the hint."""
    pytest.importorskip("duckdb")
    path = _write(tmp_path, _lis(), parts)
    draws, hints = _hints(lambda: pair_export(path, by=by, rows_per_partition=100))
    assert draws.attrs["counts"]["path"] == {"specimen": "sql", "window": "partitioned"}[by]
    assert hints == [(expected, __file__)]


def test_derive_out_of_core_gives_the_hint_in_cli_words(tmp_path, expected, capsys):
    pytest.importorskip("duckdb")
    path = _write(tmp_path, _lis(), 3)
    assert main(["derive", str(path), "--long", "--out-of-core", "-o",
                 str(tmp_path / "draws.parquet")]) == 0
    out = capsys.readouterr().out
    assert out.count(HINT) == 1
    assert "Give column 'Test Name' the role 'test' (--column-map 'HEADER=NAME')" in out


def test_dask_reader_hints_once_in_its_first_pass(expected):
    """Each partition is read with the hint off (its codes split across partitions): the
    Dask reader gave none. Now the partitions' counts are summed on the client, in the
    first pass (each partition loaded once by read_lab_results), and the result (without
    the names column) equals pandas'."""
    dask = pytest.importorskip("dask")
    from .test_routine_dask_audit import _counting

    export = _lis()
    ddf, loads = _counting(export, 3)
    with dask.config.set(scheduler="synchronous"):
        lazy, hints = _hints(lambda: read_lab_results(ddf))
        assert loads == [1, 1, 1]
        assert hints == [(expected, __file__)]
        assert "Test Name" not in lazy.columns
        got = lazy.compute().sort_values("source_row", ignore_index=True)
    want = _hints(lambda: read_lab_results(export))[0]
    pd.testing.assert_frame_equal(got.drop(columns="reason"), want)


def test_dask_reader_of_parquet_parts_hints_once(tmp_path, expected):
    dd = pytest.importorskip("dask.dataframe")
    path = _write(tmp_path, _lis(), 3)
    _, hints = _hints(lambda: read_lab_results(dd.read_parquet(path)))
    assert hints == [(expected, __file__)]


def test_no_hint_and_no_scan_when_there_is_nothing_to_hint(tmp_path, monkeypatch):
    """pair_export scans the export for the hint only when it has unknown codes and a
    names column (``_engines_hint._counted``): not for an export without a names column
    (MIMIC: unknown itemids), nor for one whose codes are all known (a test map), nor for
    one whose names are not known either (then scanned, not hinted)."""
    pytest.importorskip("duckdb")
    from labstats import _engines_hint

    scans = []
    real = _engines_hint._counted
    monkeypatch.setattr(_engines_hint, "_counted", lambda *a: scans.append(1) or real(*a))
    mimic = make_lab_results(40, seed=3, shape="mimic")
    test_map = mimic.attrs["test_map"]
    mimic.attrs = {}
    lis = _lis()
    known = {"TTES": "total_testosterone", " TTES ": "total_testosterone",
             "TTES.0": "total_testosterone", "SHBGX": "shbg"}
    cases = ((mimic, test_map, 0),  # unknown itemids, no names column
             (lis[lis["Test Code"] != "2951-2"], known, 0),  # a names column, no unknown
             (lis.assign(**{"Test Name": "Local test"}), None, 1))  # names not known
    for export, tmap, scanned in cases:
        path = _write(tmp_path, export, 1)
        for by in ("specimen", "window"):
            scans.clear()
            draws, hints = _hints(lambda: pair_export(path, test_map=tmap, by=by))  # noqa: B023
            assert hints == [] and len(scans) == scanned
            assert bool(draws.attrs["counts"]["unknown_tests"]) is (tmap is not known)
        path.unlink()
