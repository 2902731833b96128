"""What ``labstats derive`` writes reads back as it was: an audit of its output files.

Each test failed on the code before its fix (the audit of what labstats writes):

* .xlsx numbers keep every digit of their float: openpyxl writes ``"%.16g"``, one digit
  short of a double's 17 (0.24516565466560827 came back as 0.2451656546656083).
* A text starting with "=" is written as text, not as a formula (openpyxl writes the
  comment "=1+1" as a formula, which Excel computes and labstats then refuses to read).
* What an Excel sheet cannot hold is refused before writing, with the fix: an integer id
  of more than 15 digits (Microsoft, "Excel specifications and limits": number precision
  15 digits; 12345678901234567 came back as 12345678901234570, exit status 0) and a text
  longer than a cell's 32,767 characters (cut off, with only a pandas warning on stderr).
* Excel text cells "NA", "None", "null" stay text, as in a CSV (pandas read them as
  missing: a comment, or an id "NA", was lost on reading a workbook).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labstats.cli import main
from labstats.datasets import read_lab_export

LAB = ("ID,Testosterone (ng/dL),SHBG (nmol/L),Albumin (g/L),Note\n"
       "001,288.42,40,43,NA\n"
       "002,<10,35.5,44,\n"
       "0123456789012345678901,450 H,30.123456789012345,42.5,\"=1+1\"\n")


def _derive(tmp_path, src, out, *extra):
    return main(["derive", str(src), "-o", str(tmp_path / out), *extra])


@pytest.fixture
def lab(tmp_path):
    src = tmp_path / "lab.csv"
    src.write_text(LAB)
    return src


def _cells(frame):
    """Columns as lists of Python values, missing as None (types and text compared)."""
    return {c: frame[c].astype(object).where(frame[c].notna(), None).tolist()
            for c in frame.columns}


def test_each_output_format_reads_back_as_parquet_does(lab, tmp_path, capsys):
    for ext in ("parquet", "csv", "tsv", "xlsx"):
        assert _derive(tmp_path, lab, f"out.{ext}") == 0, capsys.readouterr().err
    ref = _cells(pd.read_parquet(tmp_path / "out.parquet"))
    assert ref["ID"] == ["001", "002", "0123456789012345678901"]
    assert ref["Note"] == ["NA", "", "=1+1"]
    assert ref["total_testosterone"][1] == pytest.approx(10 / 28.842 / math.sqrt(2))  # <10 ng/dL
    for ext in ("csv", "tsv", "xlsx"):
        back = _cells(read_lab_export(tmp_path / f"out.{ext}"))
        for column, values in ref.items():
            if ext in ("csv", "tsv") and column == "free_androgen_index":
                values = [repr(v) for v in values]  # not an analyte: text, as in the file
            if ext == "xlsx" and column == "Note":
                values = ["NA", None, "=1+1"]  # an empty text cell is an empty cell
            assert back[column] == values, (ext, column)


def test_xlsx_numbers_keep_all_seventeen_digits(tmp_path):
    from labstats._cli_derive import write_atomic

    values = [0.24516565466560827, 0.1 + 0.2, 1 / 3, 5e-324, 1.7976931348623157e308, -2.5]
    frame = pd.DataFrame({"x": values, "o": pd.Series(values, dtype=object),
                          "f": pd.array(values, dtype="Float64")})
    write_atomic(frame, tmp_path / "n.xlsx")
    back = pd.read_excel(tmp_path / "n.xlsx")
    for column in frame.columns:
        assert back[column].tolist() == values, column


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20))
@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
def test_xlsx_write_read_of_any_float_is_exact(tmp_path_factory, values):
    from labstats._cli_derive import write_atomic

    path = tmp_path_factory.mktemp("xlsx") / "v.xlsx"
    write_atomic(pd.DataFrame({"v": values}), path)
    back = pd.read_excel(path)["v"].astype(float).tolist()
    assert back == [v + 0.0 for v in values]  # -0.0 reads as 0.0 (equal)


def test_a_text_starting_with_equals_is_written_as_text(lab, tmp_path):
    assert _derive(tmp_path, lab, "out.xlsx") == 0
    back = read_lab_export(tmp_path / "out.xlsx")  # the old file: a formula, refused here
    assert back["Note"].tolist()[2] == "=1+1"
    import openpyxl

    cell = openpyxl.load_workbook(tmp_path / "out.xlsx").active["E4"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")


@pytest.mark.parametrize("dtype", ["int64", "Int64", "object", "uint64"])
def test_an_integer_of_more_than_15_digits_is_refused_for_xlsx(dtype, tmp_path, capsys):
    ids = pd.Series([7, 12345678901234567, 8], dtype=dtype)
    pd.DataFrame({"SEQN": ids, "SHBG": [40.0, 41.0, 42.0]}).to_parquet(tmp_path / "in.parquet")
    assert _derive(tmp_path, tmp_path / "in.parquet", "out.xlsx") == 1
    err = capsys.readouterr().err
    assert "column 'SEQN' holds 12345678901234567 at row 1" in err
    assert "15 digits" in err and "12345678901234600" in err and ".csv or .parquet" in err
    assert not (tmp_path / "out.xlsx").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.parquet"]  # no temporary file
    for ext in ("csv", "parquet"):  # the formats the message advises keep it
        assert _derive(tmp_path, tmp_path / "in.parquet", f"out.{ext}") == 0
    assert pd.read_csv(tmp_path / "out.csv")["SEQN"].tolist() == [7, 12345678901234567, 8]


def test_fifteen_digits_and_text_ids_are_written(tmp_path):
    from labstats._cli_derive import write_atomic

    frame = pd.DataFrame({"a": [999_999_999_999_999, -5], "b": ["12345678901234567890", "x"]})
    write_atomic(frame, tmp_path / "ok.xlsx")
    back = read_lab_export(tmp_path / "ok.xlsx", id_column=None)
    assert back["a"].tolist() == [999_999_999_999_999, -5]
    assert back["b"].tolist() == ["12345678901234567890", "x"]


def test_a_text_longer_than_an_excel_cell_is_refused(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("ID,SHBG,Comment\na,40,short\nb,41," + "x" * 40_000 + "\n")
    assert _derive(tmp_path, src, "out.xlsx") == 1
    err = capsys.readouterr().err
    assert "column 'Comment' holds a text of 40000 characters at row 1" in err
    assert "32767" in err and not (tmp_path / "out.xlsx").exists()
    assert _derive(tmp_path, src, "out.csv") == 0
    assert len(pd.read_csv(tmp_path / "out.csv")["Comment"][1]) == 40_000


def test_times_with_a_time_zone_are_refused_for_xlsx_with_the_cli_fix(tmp_path):
    from labstats._outputs import check_excel

    times = pd.to_datetime(["2024-01-01 08:00"]).tz_localize("Europe/Berlin")
    with pytest.raises(ValueError, match=r"column 'at' holds times with a time zone "
                                         r"\(Europe/Berlin\).*\.csv or \.parquet"):
        check_excel(pd.DataFrame({"at": times}), tmp_path / "t.xlsx")


@pytest.mark.parametrize("text", ["NA", "None", "null", "n/a", "NaN", "#N/A N/A"])
def test_excel_text_such_as_na_stays_text_as_in_a_csv(text, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["ID", "SHBG", "Comment", "Sex"], [text, 40, text, "F"], ["b", None, "", "M"],
                ["c", "NA", "ok", text if text in ("NA", "NaN") else None]):
        sheet.append(row)
    book.save(tmp_path / "in.xlsx")
    pd.DataFrame({"ID": [text, "b", "c"], "SHBG": ["40", "", "NA"],
                  "Comment": [text, "", "ok"]}).to_csv(tmp_path / "in.csv", index=False)
    excel = read_lab_export(tmp_path / "in.xlsx")
    csv = read_lab_export(tmp_path / "in.csv")
    assert excel["ID"].tolist() == csv["ID"].tolist() == [text, "b", "c"]
    assert excel["Comment"].tolist()[0] == text
    assert np.isnan(excel["shbg"].to_numpy()[1:]).all()  # an empty cell and "NA": missing
    assert excel["shbg"].tolist()[0] == csv["shbg"].tolist()[0] == 40.0


def test_long_a_refused_output_leaves_the_report_unwritten_too(tmp_path, capsys):
    """--long writes two files; an output refused by its format used to come after the
    report had been written (a failed run with a new report beside an old output)."""
    times = pd.Timestamp("2024-03-01 08:00", tz="Europe/Berlin")
    pd.DataFrame({"Patient ID": ["007", "007"], "Accession": ["A1", "A1"],
                  "Collected": [times, times], "Test Code": ["Testosterone", "SHBG"],
                  "Result": ["450", "35.5"], "Units": ["ng/dL", "nmol/L"]}
                 ).to_parquet(tmp_path / "long.parquet")
    argv = ["derive", str(tmp_path / "long.parquet"), "--long", "-o",
            str(tmp_path / "draws.xlsx"), "--report", str(tmp_path / "report.csv")]
    assert main(argv) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.parquet"]
    assert "column 'collected_at' holds times with a time zone" in capsys.readouterr().err
    argv[4] = str(tmp_path / "draws.csv")  # a format that keeps the time zone
    assert main(argv) == 0
    back = pd.read_csv(tmp_path / "draws.csv", dtype=str)
    assert back["patient_id"].tolist() == ["007"]
    assert back["collected_at"].tolist() == ["2024-03-01 08:00:00+01:00"]


@pytest.mark.parametrize(("merge", "where"), [("A2:A3", "column 'Patient ID', rows 0-1"),
                                              ("C1:D1", "column 'SHBG', the header")])
def test_merged_cells_of_a_workbook_are_an_error(merge, where, tmp_path):
    """An id merged over a patient's two rows read as p1 and NaN, silently (openpyxl
    gives the value of a merged range in its first cell only)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["Patient ID", "Visit", "SHBG", "Testosterone (nmol/L)"], ["p1", 1, 40, 10],
                [None, 2, 41, 11], ["p2", 1, 42, 12]):
        sheet.append(row)
    sheet.merge_cells(merge)
    book.save(tmp_path / "merged.xlsx")
    with pytest.raises(ValueError, match=rf"1 range of merged cells \({merge}; the first in "
                                         rf"{where}\).*Unmerge the cells"):
        read_lab_export(tmp_path / "merged.xlsx")


def test_ids_stored_as_a_parquet_index_are_kept(tmp_path, capsys):
    """pandas stores an index set with set_index as columns of the Parquet file; read as
    an index, labstats derive wrote the output without it: the ids were lost, silently."""
    frame = pd.DataFrame({"SEQN": [73557, 73558, 73558], "SHBG": [40.0, 41.0, 42.0],
                          "Testosterone (nmol/L)": [10.0, 11.0, 12.0]})
    frame.iloc[:2].set_index("SEQN").to_parquet(tmp_path / "in.parquet")
    assert _derive(tmp_path, tmp_path / "in.parquet", "out.csv") == 0
    back = pd.read_csv(tmp_path / "out.csv")
    assert back["SEQN"].tolist() == [73557, 73558]
    assert back["free_androgen_index"].tolist() == [25.0, 100 * 11 / 41]
    frame.set_index("SEQN").to_parquet(tmp_path / "dup.parquet")  # and they are checked
    with pytest.raises(ValueError, match="column 'SEQN': 2 rows share a participant id"):
        read_lab_export(tmp_path / "dup.parquet")


def test_formula_results_a_writer_did_not_compute_are_an_error(tmp_path):
    """XlsxWriter stores 0 as the result of every formula and sets fullCalcOnLoad for
    Excel to compute them on opening (XlsxWriter's documentation, "Formula Results");
    read as they are, a testosterone "=B2/28.842" was 0 nmol/L, silently. The workbook is
    made as XlsxWriter makes it: openpyxl's file (which sets the flag) with <v>0</v>."""
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["ID", "TT ng/dL", "Testosterone (nmol/L)", "SHBG"],
                ["a", 288.42, "=B2/28.842", 40], ["b", 400, "=B3/28.842", 41]):
        sheet.append(row)
    book.save(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as src, \
            zipfile.ZipFile(tmp_path / "stale.xlsx", "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b"<v />", b"<v>0</v>").replace(b"<v/>", b"<v>0</v>")
                assert b"<v>0</v>" in data
            dst.writestr(item, data)
    with pytest.raises(ValueError, match=r"2 formula cells of sheet 'Sheet' hold results never "
                                         r"computed \(0 or empty: .*C2 "
                                         r"\(column 'Testosterone \(nmol/L\)', row 0\)"):
        read_lab_export(tmp_path / "stale.xlsx")


def test_the_summary_says_what_each_censored_side_was_set_to(tmp_path, capsys):
    """'2 right, 1 left (set by policy 'lod/sqrt2')' read as if '>100' had become
    100/sqrt(2); read_lab_export sets a right-censored result to its limit."""
    src = tmp_path / "in.csv"
    src.write_text("ID,Testosterone (nmol/L),SHBG\na,<1,40\nb,>100,41\nc,>90,42\nd,5,43\n")
    assert _derive(tmp_path, src, "out.csv", "--plausibility", "warn") == 0
    text = capsys.readouterr().out
    assert ("censored total_testosterone: 2 right (set to the limit), 1 left (set to "
            "limit/sqrt(2) by --censored lod/sqrt2)") in text
    assert pd.read_csv(tmp_path / "out.csv")["total_testosterone"].tolist() == [
        1 / math.sqrt(2), 100.0, 90.0, 5.0]


@pytest.mark.parametrize(("column", "message"), [
    (["ok\x01", "b"], r"column 'c' holds 'ok\\x01' at row 0 \(1 such cells\): a control "
                      r"character, which an \.xlsx file cannot hold"),
    (pd.to_datetime(["2024-01-01 08:00:00.123456", "2024-01-01 08:00:01.000000"]),
     r"column 'c' holds 2024-01-01 08:00:00\.123456 at row 0 \(1 such cells\): Excel keeps "
     r"a time to the millisecond")])
def test_what_openpyxl_refuses_or_rounds_is_an_error_naming_the_cell(column, message, tmp_path):
    """A control character gave openpyxl's IllegalCharacterError with a traceback (the
    cell unnamed); microseconds were cut to milliseconds, silently."""
    from labstats._cli_derive import write_atomic

    with pytest.raises(ValueError, match=message + r".*\.csv or \.parquet"):
        write_atomic(pd.DataFrame({"c": column}), tmp_path / "x.xlsx")
    assert list(tmp_path.iterdir()) == []
    write_atomic(pd.DataFrame({"c": column}), tmp_path / "x.parquet")  # which keeps it
    pd.testing.assert_series_equal(pd.read_parquet(tmp_path / "x.parquet")["c"],
                                   pd.Series(column, name="c"), check_dtype=False)


def test_a_hidden_sheet_read_and_the_sheets_not_read_are_said(tmp_path, capsys):
    """The first sheet of a workbook (read by default) may be hidden in Excel: labstats
    read it without a word while the user saw another; and of several sheets only one is
    read, which the summary did not say."""
    import openpyxl

    from labstats._validate import LabstatsWarning

    book = openpyxl.Workbook()
    codes = book.active
    codes.title = "codes"
    for row in (["code", "meaning"], ["H", "high"]):
        codes.append(row)
    codes.sheet_state = "hidden"
    for name, row in (("Results", ["a", 40, 10]), ("Men", ["b", 30, 12])):
        sheet = book.create_sheet(name)
        sheet.append(["ID", "SHBG", "Testosterone (nmol/L)"])
        sheet.append(row)
    book.active = 1
    book.save(tmp_path / "book.xlsx")
    with pytest.warns(LabstatsWarning, match=r"sheet 'codes', which was read, is hidden in "
                                             r"Excel; the workbook shows 'Results', 'Men'"):
        read_lab_export(tmp_path / "book.xlsx")
    argv = ["derive", str(tmp_path / "book.xlsx"), "-o", str(tmp_path / "out.csv"), "--sheet",
            "Results"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert ("read 1 rows from " + str(tmp_path / "book.xlsx") + " (sheet 'Results'; the "
            "workbook's other sheets, not read: 'codes', 'Men'; --sheet reads another)") in out
    assert "is hidden in Excel" not in out


def test_one_id_written_two_ways_is_a_duplicate_id(tmp_path, capsys):
    """A workbook's id typed as the number 1 in one row and the text '1' in another passed
    the duplicate check (1 != '1' to pandas); the CSV labstats derive wrote then held '1'
    twice, which labstats derive itself refuses on reading it back."""
    import openpyxl

    book = openpyxl.Workbook()
    for row in (["ID", "SHBG"], [1, 40], ["1", 41], [2, 42]):
        book.active.append(row)
    book.save(tmp_path / "in.xlsx")
    assert _derive(tmp_path, tmp_path / "in.xlsx", "out.csv") == 1
    err = capsys.readouterr().err
    assert ("column 'ID': 2 rows share a participant id; one id, written 1 and '1', is in "
            "rows [0, 1]") in err and "--no-id-check" in err
    for ids in (["001", " 001", "2"], ["7", "7.0", "8"]):
        with pytest.raises(ValueError, match="2 rows share a participant id; one id, written"):
            read_lab_export(pd.DataFrame({"ID": ids, "SHBG": [40.0, 41.0, 42.0]}))
    assert read_lab_export(pd.DataFrame({"ID": ["001", "1", "01"], "SHBG": [40.0] * 3}))[
        "ID"].tolist() == ["001", "1", "01"]  # leading zeros: other ids


def test_errors_report_writes_parquet(tmp_path, capsys):
    """With --errors report an unreadable cell is NaN and listed in result.attrs; writing
    .parquet then failed ('Object of type DataFrame is not JSON serializable': pandas
    stores attrs in the file as JSON), so --errors report could not write Parquet."""
    src = tmp_path / "in.csv"
    src.write_text("ID,SHBG,Testosterone (nmol/L)\na,abc,10\nb,41,11\n")
    assert _derive(tmp_path, src, "out.parquet", "--errors", "report") == 0, \
        capsys.readouterr().err
    assert "1 cell could not be read and is NaN (first: row 0, column 'SHBG', value 'abc')" \
        in capsys.readouterr().out
    back = pd.read_parquet(tmp_path / "out.parquet")
    assert back["ID"].tolist() == ["a", "b"] and math.isnan(back["shbg"][0])
    assert back["free_androgen_index"].tolist()[1] == 100 * 11 / 41
