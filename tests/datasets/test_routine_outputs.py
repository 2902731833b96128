"""``pair_export``'s files: never an input, never an existing file unless asked, never half
(nothing lost: the guide's rule, as ``labstats derive`` keeps it in tests/test_cli_safety.py).
"""

from __future__ import annotations

import os

import pandas as pd
import pytest

from labstats.datasets import make_lab_results, pair_export

pytest.importorskip("duckdb")


@pytest.fixture
def export(tmp_path):
    frame = make_lab_results(40, seed=3, shape="mimic")
    test_map = frame.attrs["test_map"]
    frame.attrs = {}
    path = tmp_path / "labevents.parquet"
    frame.to_parquet(path, index=False)
    return path, test_map


def _left(folder):
    """Temporary files left beside the outputs (``.<stem>-*``)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("by", ["specimen", "window"])
def test_the_input_file_is_never_the_output(tmp_path, export, by):
    path, test_map = export
    before = path.read_bytes()
    link = tmp_path / "hard.parquet"
    os.link(path, link)
    alias = tmp_path / "sub" / ".." / "labevents.parquet"
    (tmp_path / "sub").mkdir()
    for output, report in ((path, None), (link, None), (alias, None),
                           (tmp_path / "draws.parquet", path)):
        with pytest.raises(ValueError, match="is the input file .*never writes over its "
                                             "input; choose another output file"):
            pair_export(path, output, test_map=test_map, by=by, report=report,
                        overwrite=True)
    assert path.read_bytes() == before
    assert not (tmp_path / "draws.parquet").exists()


def test_nothing_is_written_inside_the_input_folder(tmp_path, export):
    path, test_map = export
    folder = tmp_path / "parts"
    folder.mkdir()
    os.replace(path, folder / "part-0.parquet")
    before = sorted(p.name for p in folder.iterdir())
    for output in (folder / "draws.parquet", folder / "part-0.parquet",
                   folder / "sub" / "draws.parquet"):
        with pytest.raises(ValueError, match="inside the input folder .*write it elsewhere"):
            pair_export(folder, output, test_map=test_map, overwrite=True)
    assert sorted(p.name for p in folder.iterdir()) == before


def test_an_existing_file_is_replaced_only_when_asked(tmp_path, export):
    path, test_map = export
    out, report = tmp_path / "draws.parquet", tmp_path / "report.parquet"
    old = pd.DataFrame({"mine": [1, 2]})
    for target in (out, report):
        old.to_parquet(target)
        kept = target.read_bytes()
        with pytest.raises(ValueError, match=r"already exists; pass overwrite=True to "
                                             r"replace it, or choose another name"):
            pair_export(path, out, report=report, test_map=test_map)
        assert target.read_bytes() == kept
        target.unlink()
    with pytest.raises(ValueError, match="report and output name the same file"):
        pair_export(path, out, report=out, test_map=test_map)
    old.to_parquet(out)
    os.chmod(out, 0o640)
    counts = pair_export(path, out, report=report, test_map=test_map, overwrite=True)
    got = pd.read_parquet(out)
    assert len(got) == counts["pair"]["draws"] > 0 and "mine" not in got
    assert os.stat(out).st_mode & 0o777 == 0o640  # the replaced file's permissions
    assert _left(tmp_path) == []


@pytest.mark.parametrize("by", ["specimen", "window"])
def test_a_failed_run_leaves_the_old_file_and_no_half_file(tmp_path, export, monkeypatch,
                                                         by):
    """An error after draws were written (here the second batch's write) leaves
    ``output`` as it was, and no temporary file: never a part of the draws."""
    from labstats import _engines_parts

    path, test_map = export
    out = tmp_path / "draws.parquet"
    pd.DataFrame({"mine": [1]}).to_parquet(out)
    kept = out.read_bytes()
    write, calls = _engines_parts.Writer._write, []

    def fail_second(self, frame):
        calls.append(len(frame))
        if len(calls) == 2:
            raise OSError("disk full")
        return write(self, frame)

    monkeypatch.setattr(_engines_parts.Writer, "_write", fail_second)
    with pytest.raises(OSError, match="disk full"):
        pair_export(path, out, test_map=test_map, by=by, rows_per_partition=40,
                    overwrite=True)
    assert len(calls) >= 2  # a batch had been written
    assert out.read_bytes() == kept
    assert _left(tmp_path) == []
    monkeypatch.undo()
    counts = pair_export(path, out, test_map=test_map, by=by, overwrite=True)
    assert len(pd.read_parquet(out)) == counts["pair"]["draws"]


@pytest.mark.parametrize("by", ["specimen", "window"])
def test_no_progress_bar_is_printed_into_the_callers_output(export, monkeypatch, by):
    """DuckDB prints a progress bar to stdout for a query longer than two seconds (10 M
    rows on a loaded machine): into a notebook, or a piped CLI summary. pair_export's
    connection turns it off, whatever DuckDB's default (it depends on where it runs)."""
    import duckdb

    path, test_map = export
    settings, connect = [], duckdb.connect

    def spy(*args, **kwargs):  # DuckDB's default when the caller's is a terminal
        con = connect(*args, **kwargs)
        con.execute("SET enable_progress_bar = true")
        real = con.close

        def close():
            settings.append(con.execute("SELECT current_setting('enable_progress_bar')")
                            .fetchall()[0][0])
            real()
        return _Closing(con, close)

    monkeypatch.setattr(duckdb, "connect", spy)
    pair_export(path, test_map=test_map, by=by)
    assert settings == [False]


class _Closing:
    """A DuckDB connection whose ``close`` is replaced (its own attribute is read-only)."""

    def __init__(self, con, close):
        self._con, self.close = con, close

    def __getattr__(self, name):
        return getattr(self._con, name)
