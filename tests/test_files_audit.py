"""What labstats reads from and writes to disk: every file of an input accounted for, no
input ever written over, nothing skipped or half-read in silence.

* A folder of Parquet parts (``read_lab_results``, ``pair_export``, ``labstats derive
  --long``) is read whole or refused naming the file and the fix: a file of another name
  (a CSV, Hive's ``000000_0``, ``.parq``) is not skipped, a Parquet file of an unfinished
  write (Spark's ``_temporary/``, a hidden temporary file) is not read as data, a link to a
  part is not read twice, a linked folder is not skipped; Spark's and Hive's bookkeeping
  (``_SUCCESS``, ``.crc``) is not a part; a part of no rows (an empty Dask partition) adds
  none, and times with a time zone in one part only are refused, in both readers alike.
* Files that are not files: a pipe as input or output, a folder for one file.
* The test map (``--test-map``, ``test_map=``) is an input too: never an output, its rows
  never kept last-one-wins, an unreadable one named.
* Two outputs (``--report``) are renamed into place together; ``pair_export`` writes
  Parquet under a Parquet name only; an option that would be ignored (``--report``
  without ``--long``) is an error.
* ``labstats report``'s folder: tests/test_files_audit_report.py.
"""

from __future__ import annotations

import hashlib
import os
import warnings

import pandas as pd
import pytest

import labstats
from labstats.cli import main
from labstats.datasets import make_lab_results

READERS = ["read_lab_results", "pair_export"]


@pytest.fixture(scope="module")
def export():
    frame = make_lab_results(20, seed=4, shape="mimic")
    test_map = frame.attrs["test_map"]
    frame.attrs = {}
    return frame, test_map


def _parts(frame, folder, names=("part-0.parquet", "part-1.parquet")):
    folder.mkdir(parents=True, exist_ok=True)
    half = len(frame) // 2
    frame.iloc[:half].to_parquet(folder / names[0], index=False)
    frame.iloc[half:].to_parquet(folder / names[1], index=False)
    return folder


def _rows(reader, folder, test_map) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (patients in several parts: said elsewhere)
        result = getattr(labstats, reader)(folder, test_map=test_map)
    counts = result.attrs["counts"]
    return counts["read"]["rows"] if reader == "pair_export" else counts["rows"]


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- a folder of parts: every file read, or an error naming it ------------------------------

@pytest.mark.parametrize("reader", READERS)
def test_spark_bookkeeping_is_not_a_part_and_every_row_is_read(reader, export, tmp_path):
    frame, test_map = export
    folder = _parts(frame, tmp_path / "spark")
    (folder / "_SUCCESS").write_text("")
    (folder / ".part-0.parquet.crc").write_bytes(b"\x00crc")
    (folder / "_metadata").write_bytes(b"footer")
    (folder / "._part-0.parquet").write_bytes(b"\x00\x05\x16\x07 AppleDouble")  # (macOS)
    assert _rows(reader, folder, test_map) == len(frame)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("where", ["_temporary/0/_temporary/attempt_1/part-1.parquet",
                                   ".derived-k3j2.parquet"])
def test_a_parquet_file_of_an_unfinished_write_is_not_read_as_data(reader, where, export,
                                                                  tmp_path):
    """Spark writes its parts under ``_temporary/`` and moves them out when the job
    succeeds; a failed job leaves them. Read as parts (old code), their rows were counted
    twice: 402 rows for an export of 268."""
    frame, test_map = export
    folder = _parts(frame, tmp_path / "out")
    (folder / where).parent.mkdir(parents=True, exist_ok=True)
    frame.iloc[len(frame) // 2:].to_parquet(folder / where, index=False)
    with pytest.raises(ValueError, match=rf"{where.split('/')[0]}.*starts with '.' or '_'.*"
                                         rf"let the writer finish, or move the file out"):
        _rows(reader, folder, test_map)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("name", ["part-1.parq", "000000_0", "part-1.csv"])
def test_a_file_of_another_name_in_the_folder_is_an_error_not_skipped(reader, name, export,
                                                                     tmp_path):
    """Old code read only *.parquet and skipped the rest in silence: half the export
    (Hive's ``000000_0``, fastparquet's ``.parq``) was lost with no word."""
    frame, test_map = export
    folder = tmp_path / "hive"
    folder.mkdir()
    half = len(frame) // 2
    frame.iloc[:half].to_parquet(folder / "part-0.parquet", index=False)
    if name.endswith(".csv"):
        frame.iloc[half:].to_csv(folder / name, index=False)
    else:
        frame.iloc[half:].to_parquet(folder / name, index=False)
    with pytest.raises(ValueError, match=rf"{name}: not a Parquet file .*move it out of the "
                                         rf"folder, or rename it to .parquet"):
        _rows(reader, folder, test_map)


@pytest.mark.parametrize("reader", READERS)
def test_a_link_to_a_part_is_not_read_twice(reader, export, tmp_path):
    frame, test_map = export
    folder = _parts(frame, tmp_path / "linked")
    (folder / "again.parquet").symlink_to(folder / "part-0.parquet")
    with pytest.raises(ValueError, match=r"part-0.parquet and .*again.parquet are one file "
                                         r"\(a link\): its rows would be read twice"):
        _rows(reader, folder, test_map)


@pytest.mark.parametrize("reader", READERS)
def test_a_linked_folder_of_parts_is_read_not_skipped(reader, export, tmp_path):
    """An export assembled by linking a year's folder into it: ``Path.rglob`` does not
    follow the link, and old code read half the rows (134 of 268) without a word."""
    frame, test_map = export
    half = len(frame) // 2
    folder, year = tmp_path / "export", tmp_path / "y2020"
    folder.mkdir()
    year.mkdir()
    frame.iloc[:half].to_parquet(folder / "a.parquet", index=False)
    frame.iloc[half:].to_parquet(year / "b.parquet", index=False)
    (folder / "y2020").symlink_to(year)
    assert _rows(reader, folder, test_map) == len(frame)
    if reader == "pair_export":  # nor is an output written where it would be read as a part
        with pytest.raises(ValueError, match=r"inside the input folder .*y2020: it would be "
                                             r"read as a part of the export"):
            labstats.pair_export(folder, year / "draws.parquet", test_map=test_map)
        assert sorted(p.name for p in year.iterdir()) == ["b.parquet"]
    (folder / "loop").symlink_to(folder)
    with pytest.raises(ValueError, match="loop and .*export are one folder \\(a link\\): its "
                                         "parts would be read twice"):
        _rows(reader, folder, test_map)
    (folder / "loop").unlink()
    (folder / "gone.parquet").symlink_to(tmp_path / "nothing.parquet")
    with pytest.raises(ValueError, match="gone.parquet: a link to .*nothing.parquet, which "
                                         "does not exist"):
        _rows(reader, folder, test_map)


@pytest.mark.parametrize("reader", READERS)
def test_a_part_of_no_rows_adds_none_in_both_readers(reader, export, tmp_path):
    """Dask writes a file for every partition, an empty one included: old
    ``read_lab_results`` refused the folder ("a header but no data rows") where
    ``pair_export`` read it."""
    frame, test_map = export
    folder = _parts(frame, tmp_path / "dask", ("part.1.parquet", "part.2.parquet"))
    frame.iloc[:0].to_parquet(folder / "part.0.parquet", index=False)
    assert _rows(reader, folder, test_map) == len(frame)
    if reader == "read_lab_results":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = labstats.read_lab_results(folder, test_map=test_map)
        half = len(frame) // 2
        assert res["source_file"].value_counts().to_dict() == {  # every part named
            "part.0.parquet": 0, "part.1.parquet": half, "part.2.parquet": len(frame) - half}


def _zoned_parts(frame, folder, zones):
    """``frame``'s halves as parts a and b of ``folder``, their times in ``zones`` (None:
    clock readings without a zone); the two halves."""
    folder.mkdir(exist_ok=True)
    half = len(frame) // 2
    parts = frame.iloc[:half].copy(), frame.iloc[half:].copy()
    for part, zone, name in zip(parts, zones, "ab", strict=True):
        part["charttime"] = pd.to_datetime(part["charttime"]).dt.tz_localize(zone)
        part.to_parquet(folder / f"{name}.parquet", index=False)
    return parts


@pytest.mark.parametrize("reader", READERS)
def test_times_with_and_without_a_time_zone_in_two_parts_are_refused(reader, export, tmp_path):
    """Clock readings of an unknown zone in one part, instants in another: old
    ``read_lab_results`` set the second part's 134 times to NaT (33 draws without a time,
    with a warning on formats), old ``pair_export`` read them all in silence: the two
    readers disagreed on one folder."""
    frame, test_map = export
    _zoned_parts(frame, tmp_path / "zones", (None, "Europe/Berlin"))
    with pytest.raises(ValueError, match=r"b.parquet: column 'charttime' holds times with a "
                                         r"time zone .* holds times \(timestamp\[us\]\).*"
                                         r"write 'charttime' with one type in every part"):
        _rows(reader, tmp_path / "zones", test_map)


@pytest.mark.parametrize("reader", READERS)
def test_times_of_two_time_zones_in_two_parts_are_refused(reader, export, tmp_path):
    """Instants in Europe/Berlin in one part, in UTC in another: old ``read_lab_results``
    refused them (pandas: "Mixed timezones detected", as for texts with two offsets), old
    ``pair_export`` read them all as UTC in silence: the two readers disagreed."""
    frame, test_map = export
    folder = tmp_path / "zones"
    second = _zoned_parts(frame, folder, ("Europe/Berlin", "UTC"))[1]
    with pytest.raises(ValueError, match=r"b.parquet: column 'charttime' holds times in time "
                                         r"zone UTC where .*a.parquet holds times in Europe/"
                                         r"Berlin; .*tz_convert\('UTC'\)"):
        _rows(reader, folder, test_map)
    second["charttime"] = second["charttime"].dt.tz_convert("Europe/Berlin")  # the fix
    second.to_parquet(folder / "b.parquet", index=False)
    assert _rows(reader, folder, test_map) == len(frame)


@pytest.mark.parametrize("by", ["specimen", "window"])
def test_a_part_damaged_inside_is_named_by_pair_export(by, export, tmp_path, capsys):
    """Pages damaged behind a whole footer (a bad disk, a bad copy): old ``pair_export``
    raised DuckDB's "don't know what type:" naming no file (a traceback from
    ``labstats derive --out-of-core``); ``read_lab_results`` named the file."""
    frame, test_map = export
    folder = _parts(frame, tmp_path / "parts", ("a.parquet", "b.parquet"))
    data = bytearray((folder / "b.parquet").read_bytes())
    for i in range(200, len(data) // 4, 7):  # (its pages: the footer is at the end)
        data[i] ^= 0x5A
    (folder / "b.parquet").write_bytes(bytes(data))
    message = r"(?s)b.parquet: cannot be read as a table .*is the file complete\?"
    with pytest.raises(ValueError, match=message):
        labstats.read_lab_results(folder, test_map=test_map)
    with pytest.raises(ValueError, match=message):
        labstats.pair_export(folder, test_map=test_map, by=by)
    mapping = tmp_path / "map.csv"
    pd.DataFrame({"code": list(test_map), "analyte": list(test_map.values())}).to_csv(
        mapping, index=False)
    assert main(["derive", str(folder), "--long", "--out-of-core", "--test-map", str(mapping),
                 "-o", str(tmp_path / "o.parquet")] + ["--pair", by]) == 1
    assert "b.parquet: cannot be read as a table" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.csv", "parts"]


@pytest.mark.parametrize("by", ["specimen", "window"])
def test_a_folder_named_like_a_hive_partition_is_not_read_as_a_column(by, export, tmp_path):
    """DuckDB reads ``key=value`` in a path as a Hive partition, its value in place of the
    file's column: under a folder named ``itemid=90001``, old ``pair_export`` read every
    result as test 90001 (125 used and 138 reported, where ``read_lab_results`` used 205)
    without a word."""
    frame, test_map = export
    folder = _parts(frame, tmp_path / "itemid=90001" / "export")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = labstats.read_lab_results(folder, test_map=test_map)
        got = labstats.pair_export(folder, test_map=test_map, by=by)
    assert got.attrs["counts"]["read"] == results.attrs["counts"]
    assert got.attrs["counts"]["pair"] == labstats.pair_results(results).attrs["counts"]


def test_a_folder_of_empty_parts_only_is_still_an_error(export, tmp_path):
    frame, test_map = export
    folder = tmp_path / "empty"
    folder.mkdir()
    frame.iloc[:0].to_parquet(folder / "part.0.parquet", index=False)
    with pytest.raises(ValueError, match="no data rows"):
        labstats.read_lab_results(folder, test_map=test_map)


def test_a_folder_given_for_a_wide_file_is_named_a_folder(export, tmp_path, capsys):
    """Old message: "parts: no such file", of a folder that exists."""
    frame, _ = export
    folder = _parts(frame, tmp_path / "parts")
    with pytest.raises(ValueError, match="parts: a folder, not a file; .*read_lab_results"):
        labstats.read_lab_export(folder)
    assert main(["derive", str(folder), "-o", str(tmp_path / "o.csv")]) == 1
    assert "a folder, not a file" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["output", "report"])
@pytest.mark.parametrize("name", ["draws.csv", "draws.xlsx"])
def test_pair_export_writes_parquet_only_under_a_parquet_name(kind, name, export, tmp_path):
    """Old code wrote Parquet bytes into ``draws.csv`` (a file neither a spreadsheet nor
    a text editor opens) without a word."""
    frame, test_map = export
    src = tmp_path / "labevents.parquet"
    frame.to_parquet(src, index=False)
    kw = {"output": tmp_path / "draws.parquet", kind: tmp_path / name}
    with pytest.raises(ValueError, match=rf"{kind}=.*{name}': pair_export writes Parquet; "
                                         rf"give a file name ending in .parquet"):
        labstats.pair_export(src, test_map=test_map, **kw)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labevents.parquet"]


def test_a_pipe_given_as_output_is_refused_not_replaced(long_csv, export, tmp_path, capsys):
    """Old code, with --overwrite, renamed its new file over a named pipe (a reader of the
    pipe waits for ever; as root, ``-o /dev/stdout`` replaced the device's link)."""
    src, mapping = long_csv
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert main(["derive", str(src), "--long", "--test-map", str(mapping), "-o", str(fifo),
                 "--overwrite"]) == 1
    assert "is not a file but a pipe or a device" in capsys.readouterr().err
    frame, test_map = export
    parquet = tmp_path / "lab.parquet"
    frame.to_parquet(parquet, index=False)
    fifo = tmp_path / "pipe.parquet"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="is not a file but a pipe or a device"):
        labstats.pair_export(parquet, fifo, test_map=test_map, overwrite=True)
    assert all(p.is_file() or p.is_fifo() for p in tmp_path.iterdir())
    assert (tmp_path / "pipe.csv").is_fifo() and fifo.is_fifo()


def test_a_pipe_given_as_input_is_named_a_pipe(tmp_path, capsys):
    """Old message for ``labstats derive <(zcat lab.csv.gz)``: "/dev/fd/63: no such file"."""
    fifo = tmp_path / "lab.csv"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="lab.csv: a pipe or a device, not a file"):
        labstats.read_lab_export(fifo)
    assert main(["derive", str(fifo), "-o", str(tmp_path / "o.csv")]) == 1
    assert "save it to a file" in capsys.readouterr().err


# --- inputs other than the export: never written -----------------------------------------

@pytest.fixture
def long_csv(export, tmp_path):
    frame, test_map = export
    src = tmp_path / "labevents.csv"
    frame.to_csv(src, index=False)
    mapping = tmp_path / "map.csv"
    pd.DataFrame({"code": list(test_map), "analyte": list(test_map.values())}).to_csv(
        mapping, index=False)
    return src, mapping


@pytest.mark.parametrize("option", ["-o", "--report"])
def test_the_test_map_file_is_never_written_over(option, long_csv, tmp_path, capsys):
    """Old code checked the outputs against the export only: ``-o map.csv --overwrite``
    replaced the test map with the draws."""
    src, mapping = long_csv
    before = _sha(mapping)
    other = "--report" if option == "-o" else "-o"
    argv = ["derive", str(src), "--long", "--test-map", str(mapping), option, str(mapping),
            other, str(tmp_path / "other.csv"), "--overwrite"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "is the input file" in err and "map.csv" in err and "Traceback" not in err
    assert _sha(mapping) == before
    assert not (tmp_path / "other.csv").exists()


def test_pair_export_never_writes_over_its_test_map(export, tmp_path):
    frame, test_map = export
    src = tmp_path / "labevents.parquet"
    frame.to_parquet(src, index=False)
    mapping = tmp_path / "map.parquet"  # (an odd name for a CSV, but a path all the same)
    pd.DataFrame({"code": list(test_map), "analyte": list(test_map.values())}).to_csv(
        mapping, index=False)
    before = _sha(mapping)
    for kw in ({"output": mapping}, {"output": tmp_path / "d.parquet", "report": mapping}):
        with pytest.raises(ValueError, match=r"is the input file .*map.parquet"):
            labstats.pair_export(src, test_map=str(mapping), overwrite=True, **kw)
    assert _sha(mapping) == before
    assert not (tmp_path / "d.parquet").exists()


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_long_a_failure_writing_one_output_leaves_both_as_they_were(error, long_csv, tmp_path,
                                                                   monkeypatch, capsys):
    """``--long -o OUT --report REP``: old code renamed the new report into place before
    writing the output, so a failure then (disk full, Ctrl-C) left the new report beside
    the old output: a report of other draws than the file it stands beside."""
    src, mapping = long_csv
    out, report = tmp_path / "draws.csv", tmp_path / "report.csv"
    out.write_text("old draws\n")
    report.write_text("old report\n")
    write, calls = pd.DataFrame.to_csv, []

    def fail_second(self, path=None, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise error
        return write(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", fail_second)
    argv = ["derive", str(src), "--long", "--test-map", str(mapping), "-o", str(out),
            "--report", str(report), "--overwrite"]
    if isinstance(error, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            main(argv)
    else:
        assert main(argv) == 1 and "disk full" in capsys.readouterr().err
    assert len(calls) == 2
    assert (out.read_text(), report.read_text()) == ("old draws\n", "old report\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "draws.csv", "labevents.csv", "map.csv", "report.csv"]


def test_a_test_map_giving_one_code_two_analytes_is_an_error(long_csv, tmp_path, capsys):
    """Old code kept the last row of a code in silence: 50912 read as glucose where the
    first row said creatinine."""
    src, _ = long_csv
    mapping = tmp_path / "dup.csv"
    mapping.write_text("code,analyte\n50912,creatinine\n50931,glucose\n50912 ,glucose\n")
    message = r"code '50912' maps to 'creatinine' and to 'glucose' in .*dup.csv; give each " \
              r"code one analyte"
    with pytest.raises(ValueError, match=rf"test_map: {message}"):
        labstats.read_lab_results(src, test_map=mapping)
    with pytest.raises(ValueError, match="keys that differ by spaces only"):
        labstats.read_lab_results(src, test_map={"50912": "creatinine", " 50912": "glucose"})
    assert main(["derive", str(src), "--long", "--test-map", str(mapping), "-o",
                 str(tmp_path / "o.csv")]) == 1
    assert capsys.readouterr().err.startswith("labstats: error: --test-map: code '50912'")


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04\x14\x00\x81\xff workbook"])
def test_an_unreadable_test_map_file_is_named(content, long_csv, tmp_path, capsys):
    """Old messages: "No columns to parse from file", "'utf-8' codec can't decode ...":
    neither named the file nor the option."""
    src, _ = long_csv
    mapping = tmp_path / "map.xlsx"
    mapping.write_bytes(content)
    with pytest.raises(ValueError, match=r"test_map: .*map.xlsx cannot be read as a CSV file "
                                         r"of the columns code and analyte"):
        labstats.read_lab_results(src, test_map=mapping)
    assert main(["derive", str(src), "--long", "--test-map", str(mapping), "-o",
                 str(tmp_path / "o.csv")]) == 1
    assert capsys.readouterr().err.startswith("labstats: error: --test-map: ")


def test_out_of_core_errors_about_the_input_speak_in_cli_options(long_csv, tmp_path, capsys):
    """Old message of ``--out-of-core`` on a CSV: "pair_export reads Parquet ...; use
    read_lab_results for CSV/Excel", names of the Python API."""
    src, mapping = long_csv
    empty = tmp_path / "empty"
    empty.mkdir()
    for source in (src, empty):
        assert main(["derive", str(source), "--long", "--out-of-core", "--test-map",
                     str(mapping), "-o", str(tmp_path / "o.parquet")]) == 1
        err = capsys.readouterr().err
        assert "pair_export" not in err and "read_lab_results" not in err, err
    assert "--out-of-core reads Parquet" not in err and "a folder without Parquet files" in err


# --- no option ignored in silence ---------------------------------------------------------

def test_report_without_long_is_an_error_not_ignored(tmp_path, capsys):
    """Old code accepted ``--report FILE`` on a wide file, wrote no report and said
    nothing: the user believed the per-row report was in FILE."""
    src = tmp_path / "lab.csv"
    src.write_text("ID;Testosterone (ng/dL);SHBG (nmol/L);Albumin (g/dL)\np1;450;35,5;4,3\n")
    report = tmp_path / "report.csv"
    assert main(["derive", str(src), "-o", str(tmp_path / "out.csv"), "--report",
                 str(report)]) == 1
    err = capsys.readouterr().err
    assert "--report" in err and "--long" in err and "--errors report" in err
    assert not report.exists() and not (tmp_path / "out.csv").exists()
    assert os.listdir(tmp_path) == ["lab.csv"]


def test_a_derived_dask_frame_is_never_written_over_the_files_it_reads(tmp_path):
    """``derive(dd.read_parquet(F)).to_parquet(F)`` wrote Dask's part.0.parquet over the
    input's own part.0.parquet while reading it lazily (found by audit-files); now refused
    for the folder read, a folder in it and a folder holding it, the input untouched."""
    dd = pytest.importorskip("dask.dataframe")
    folder = tmp_path / "in"
    folder.mkdir()
    pd.DataFrame({"total_testosterone": [15.0, 20.0], "shbg": [40.0, 30.0],
                  "albumin": [43.0, 44.0]}).to_parquet(folder / "part.0.parquet", index=False)
    digest = hashlib.sha256((folder / "part.0.parquet").read_bytes()).hexdigest()
    derived = labstats.derive(dd.read_parquet(folder))
    for target in (folder, folder / "sub", tmp_path):
        with pytest.raises(ValueError, match="reads .* lazily, as it writes"):
            derived.to_parquet(target)
    assert sorted(os.listdir(folder)) == ["part.0.parquet"]
    assert hashlib.sha256((folder / "part.0.parquet").read_bytes()).hexdigest() == digest
    with warnings.catch_warnings():  # (pandas' deprecations met in Dask's Parquet writer)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        derived.to_parquet(tmp_path.parent / f"{tmp_path.name}-out")  # elsewhere: written
    got = pd.read_parquet(tmp_path.parent / f"{tmp_path.name}-out")
    assert got["free_testosterone"].notna().all()
