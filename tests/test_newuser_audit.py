"""What a new user meets first, as the README and the guide tell them to do it.

* The README's first calculation prints the numbers its comments promise.
* A CSV as a spreadsheet writes it (BOM, CRLF, ``;``, decimal comma, ``<0.5``/``>1000``,
  an empty trailing column) is read whole; a title row above the header (padded with
  separators, as Excel pads it), columns without a header, and a units row under the
  header are errors that say what they are and what to do, in CLI options from the CLI.
* ``labstats derive --long --report FILE`` writes reasons that advise CLI options, as its
  summary does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import labstats
from labstats.cli import main
from labstats.datasets import read_lab_export

ROOT = Path(__file__).resolve().parents[1]


def test_readme_first_calculation_prints_what_its_comments_say():
    """Each line of the README's "A first calculation" with a number in its comment gives
    that number (to the digits shown); the guide's getting-started page holds the same code."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## A first calculation\s+```python\n(.*?)```", text, re.S)[1]
    assert block in (ROOT / "docs" / "getting_started.md").read_text(encoding="utf-8")
    # statements end where the next one starts at column 0 (continuation lines indented)
    statements = re.split(r"\n(?=\S)", block.strip())
    checked = 0
    for statement in statements:
        code, _, comment = statement.rpartition("#")
        number = re.match(r"\s*(\d+\.\d+)", comment)
        if statement.startswith("#") or not number:
            exec(statement, {"labstats": labstats})
            continue
        value = eval(code.strip(), {"labstats": labstats})
        digits = len(number[1].split(".")[1])
        assert f"{value:.{digits}f}" == number[1], (statement, value)
        checked += 1
    assert checked == 2  # 1.7388 (% free), 15.60 nmol/L


EXCEL_CSV = ("\ufeffID;Sex;Age;Testosterone (ng/dL);SHBG (nmol/L);Albumin (g/L);\r\n"
             "1;M;45;450,5;35,2;43;\r\n2;F;30;<20;80;41;\r\n3;M;60;>1000;20,1;44;\r\n"
             "4;M;50;380;<0,5;42;\r\n")


def test_a_spreadsheet_csv_is_read_whole(tmp_path, capsys):
    """A semicolon CSV with a BOM, CRLF, decimal commas, censored cells and the empty last
    column a spreadsheet adds: every row kept, in order, values converted, censoring kept."""
    path = tmp_path / "export.csv"
    path.write_bytes(EXCEL_CSV.encode("utf-8"))
    frame = read_lab_export(path)
    assert frame["ID"].tolist() == ["1", "2", "3", "4"]  # ids stay text
    # ng/dL -> nmol/L with testosterone's molar mass 288.42 g/mol (FORMULAS.md: 10 / 288.42)
    assert frame["total_testosterone"].iloc[0] == pytest.approx(450.5 * 10 / 288.42, rel=1e-9)
    assert frame["total_testosterone_censored"].tolist()[1:3] == ["left", "right"]
    assert frame["shbg_censored"].iloc[3] == "left"
    out = tmp_path / "out.csv"
    assert main(["derive", str(path), "-o", str(out)]) == 0
    assert len(pd.read_csv(out)) == 4
    assert "read 4 rows" in capsys.readouterr().out


TITLE_CSV = ("Lab export 2026-11-30;;;;;\r\nID;Sex;Age;Testosterone (ng/dL);SHBG (nmol/L);"
             "Albumin (g/L)\r\n1;M;45;450,5;35,2;43\r\n")


def test_a_title_row_padded_with_separators_is_named_as_a_title(tmp_path, capsys):
    """Excel pads a title row with separators (``Lab export;;;;;``); the error was "the
    header '' appears more than once", about columns the user never wrote."""
    path = tmp_path / "export.csv"
    path.write_text(TITLE_CSV, encoding="utf-8", newline="")
    with pytest.raises(ValueError, match=r"its first line holds only 'Lab export 2026-11-30'"
                       r", in its first cell, and no header for its other 5 columns: a "
                       r"title above the header\? .*delete the lines above it"):
        read_lab_export(path)
    assert main(["derive", str(path), "-o", str(tmp_path / "out.csv")]) == 1
    err = capsys.readouterr().err
    assert "a title above the header" in err and "appears more than once" not in err


def test_columns_without_a_header_are_named_by_position(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("ID;Testosterone (nmol/L);;\n1;15;;\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"2 columns have no header \(columns 3, 4, counted "
                       r"from 1\): give each column a name"):
        read_lab_export(path)


UNITS_ROW_CSV = ("ID;Sex;Age;Testosterone;SHBG;Albumin\r\n;;years;ng/dL;nmol/L;g/L\r\n"
                 "1;M;45;450,5;35,2;43\r\n2;M;46;500;30;44\r\n")


def test_a_units_row_under_the_header_is_named_with_its_fix(tmp_path, capsys):
    """A units row under the header was read as data: first as "450.5 implausible for
    nmol/L at index 1" (the units row was row 0), with --units as "'ng/dL' is not a
    number" cell by cell, and with --errors report a row of NaN in the output."""
    path = tmp_path / "export.csv"
    path.write_text(UNITS_ROW_CSV, encoding="utf-8", newline="")
    with pytest.raises(ValueError, match=r"row 0 \(the line under the header\) holds units, "
                       r"not values: 'years' under 'Age' \(read as age\), 'ng/dL' under "
                       r"'Testosterone' \(read as total_testosterone\).*units=\{'age': "
                       r"'years', 'total_testosterone': 'ng/dL', 'shbg': 'nmol/L', "
                       r"'albumin': 'g/L'\}: delete the units row"):
        read_lab_export(path)
    for extra in ([], ["--units", "total_testosterone=ng/dL", "--errors", "report"]):
        assert main(["derive", str(path), "-o", str(tmp_path / "out.csv"), *extra]) == 1
        err = capsys.readouterr().err
        assert "holds units, not values" in err and "--units 'NAME=UNIT'" in err
        assert "units=" not in err
    assert not (tmp_path / "out.csv").exists()


def test_a_units_row_under_headers_with_units_is_named_without_doubling_them(tmp_path):
    """Headers that give their units ("Testosterone (ng/dL)") above a units row: the fix
    was "e.g. 'Testosterone (ng/dL) (ng/dL)'"; the headers need nothing, the row goes."""
    path = tmp_path / "export.csv"
    path.write_text("ID,Testosterone (ng/dL),SHBG (nmol/L),Albumin\n,ng/dL,nmol/L,g/L\n"
                    "1,450,35,43\n", encoding="utf-8")
    with pytest.raises(ValueError) as err:
        read_lab_export(path)
    text = str(err.value)
    assert "holds units, not values" in text and "(ng/dL) (ng/dL)" not in text
    # only the header without a unit is given one
    assert "e.g. 'Albumin (g/L)', or from units={'albumin': 'g/L'}" in text
    path.write_text("ID,Testosterone (ng/dL),SHBG (nmol/L)\n,ng/dL,nmol/L\n1,450,35\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"the headers give their units already: delete "
                       r"the units row"):
        read_lab_export(path)


def test_a_first_row_of_values_with_a_unit_cell_is_not_a_units_row(tmp_path):
    """One unit-like text among numbers is an unreadable cell, reported as before."""
    path = tmp_path / "export.csv"
    path.write_text("ID,Testosterone (nmol/L),SHBG (nmol/L)\n1,15,nmol/L\n2,16,30\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"row 0, column 'SHBG \(nmol/L\)': 'nmol/L' is not "
                       r"a number"):
        read_lab_export(path)


LONG_CSV = """Patient ID,Accession,Collected,Test Code,Test Name,Result,Units,Abnormal Flag
P1,A100,2026-01-05 08:10,TTES,"Testosterone, total",450,ng/dL,
P1,A100,2026-01-05 08:10,SHBGX,SHBG,35,nmol/L,
P1,A100,2026-01-05 08:10,ALB,Albumin,43,g/L,
P2,A101,2026-01-06 09:00,TTES,"Testosterone, total",<20,ng/dL,L
P2,A101,2026-01-06 09:00,SHBGX,SHBG,80,nmol/L,
P2,A101,2026-01-06 09:00,NA,Sodium,140,mmol/L,
"""


def test_long_report_file_advises_cli_options(tmp_path, capsys):
    """The summary said "not in --test-map FILE", the report file "not in test_map=", a
    Python keyword the CLI user never typed."""
    export, codes = tmp_path / "export.csv", tmp_path / "codes.csv"
    export.write_text(LONG_CSV, encoding="utf-8")
    codes.write_text("code,analyte\nTTES,total_testosterone\nSHBGX,shbg\nALB,albumin\n",
                     encoding="utf-8")
    report = tmp_path / "report.csv"
    assert main(["derive", str(export), "--long", "--test-map", str(codes), "-o",
                 str(tmp_path / "draws.csv"), "--report", str(report)]) == 0
    assert "not in --test-map FILE" in capsys.readouterr().out
    written = pd.read_csv(report)
    assert written["source_row"].tolist() == [5]
    assert written["reason"].tolist() == ["unknown test code: not in --test-map FILE or the "
                                          "LOINC map"]
    draws = pd.read_csv(tmp_path / "draws.csv")
    assert draws["total_testosterone_censored"].tolist()[1] == "<"
    assert len(draws) == 2


def test_unknown_codes_beside_a_column_of_known_test_names_are_pointed_to_it(tmp_path,
                                                                             capsys):
    """An LIS export with local codes ("TTES") and names ("Testosterone, total"): the first
    test column found is read and the names were silently not looked at; now a warning names
    the column, the codes it would name, and the mapping. Rows and counts are unchanged."""
    export = tmp_path / "export.csv"
    export.write_text(LONG_CSV, encoding="utf-8")
    with pytest.warns(UserWarning, match=r"4 results with a test code neither test_map= nor "
                      r"the LOINC map knows \(column 'Test Code'\) have a test name labstats "
                      r"knows in column 'Test Name', which is not read: 'TTES' \('Testosterone,"
                      r" total' -> total_testosterone\), 'SHBGX' \('SHBG' -> shbg\)\. Give "
                      r"column 'Test Name' the role 'test' \(columns=\{'Test Name': 'test'\}\)"):
        results = labstats.read_lab_results(export)
    assert results.attrs["counts"] == {"rows": 6, "used": 1, "reported": 0, "excluded": 5,
                                       "duplicates": 0}
    named = labstats.read_lab_results(export, columns={"Test Name": "test"})
    assert named.attrs["counts"]["used"] == 5
    assert main(["derive", str(export), "--long", "-o", str(tmp_path / "draws.csv")]) == 0
    out = capsys.readouterr().out
    assert "Give column 'Test Name' the role 'test' (--column-map 'HEADER=NAME')" in out


def test_no_name_hint_when_the_other_column_names_nothing_known(tmp_path):
    import warnings

    export = tmp_path / "export.csv"
    export.write_text(LONG_CSV, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = labstats.read_lab_results(export, test_map={"TTES": "total_testosterone",
                                                             "SHBGX": "shbg",
                                                             "ALB": "albumin"})
    assert results.attrs["counts"]["excluded"] == 1  # sodium: no analyte by either column


def test_a_test_map_saved_by_a_spreadsheet_is_read(tmp_path, capsys):
    """A test map saved by Excel where the decimal mark is a comma ("Code;Analyte", a BOM,
    CRLF) was refused as "it has ['Code;Analyte']"; it is read as an export is (the
    separator most used in the header line; headers in any case)."""
    export, codes = tmp_path / "export.csv", tmp_path / "codes.csv"
    export.write_text(LONG_CSV, encoding="utf-8")
    codes.write_bytes("\ufeffCode;Analyte\r\nTTES;total_testosterone\r\nSHBGX;shbg\r\n"
                      "ALB;albumin\r\n".encode())
    results = labstats.read_lab_results(export, test_map=codes)
    assert results.attrs["counts"]["used"] == 5
    assert main(["derive", str(export), "--long", "--test-map", str(codes), "-o",
                 str(tmp_path / "draws.csv")]) == 0
    assert "5 used" in capsys.readouterr().out
    tabs = tmp_path / "codes.tsv"
    tabs.write_text("code\tanalyte\nTTES\ttotal_testosterone\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"'SHBGX' \('SHBG' -> shbg\)"):  # named, unmapped
        assert labstats.read_lab_results(export, test_map=tabs).attrs["counts"]["used"] == 3


def test_notebook_06_reads_an_export_with_the_users_own_headers(tmp_path, monkeypatch):
    """Notebook 06 on an export whose headers labstats does not recognise ("Pat_No",
    "Wert"): without a way to name them the notebook stopped at the first read (its only
    advice was columns=, a keyword of a call inside the notebook); ``LABSTATS_COLUMNS``
    gives the roles as ``--column-map`` does."""
    pytest.importorskip("nbclient")
    from labstats.report import build_report

    notebook = ROOT / "notebooks" / "06_routine_lab_data.py"
    rows = [("1", "A", "TTES", "450", "ng/dL"), ("1", "A", "SHBGX", "35", "nmol/L"),
            ("1", "A", "ALB", "43", "g/L"), ("2", "B", "TTES", "300", "ng/dL"),
            ("2", "B", "SHBGX", "30", "nmol/L")]
    (tmp_path / "export.csv").write_text(
        "Pat_No,Probe,Zeit,Analyt,Wert,Einheit\n" + "".join(
            f"{p},{s},2026-01-0{p} 08:00,{t},{v},{u}\n" for p, s, t, v, u in rows),
        encoding="utf-8")
    (tmp_path / "codes.csv").write_text(
        "code,analyte\nTTES,total_testosterone\nSHBGX,shbg\nALB,albumin\n", encoding="utf-8")
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / notebook.name).symlink_to(notebook)
    monkeypatch.setenv("LABSTATS_EXPORT", str(tmp_path / "export.csv"))
    monkeypatch.setenv("LABSTATS_TEST_MAP", str(tmp_path / "codes.csv"))
    monkeypatch.setenv("LABSTATS_COLUMNS", "Pat_No=patient_id, Probe=specimen_id,"
                       "Zeit=collected_at,Analyt=test,Wert=value,Einheit=unit")
    (run,) = build_report(tmp_path / "report", notebooks=folder, progress=False, jobs=1)
    assert run.ok, run.error
    executed = (tmp_path / "report" / f"{notebook.stem}.ipynb").read_text()
    assert "FT calculated for 1 of 2 draws" in executed


def test_derive_says_in_which_unit_it_writes_each_column(tmp_path, capsys):
    """A file's "Testosterone (ng/dL)" 450.5 is written as total_testosterone 15.6 (nmol/L)
    and free T as 0.31 with no unit anywhere in the output or the summary; a user reading the
    CSV took 15.6 for ng/dL. The summary now names the unit of every concentration written."""
    path = tmp_path / "export.csv"
    path.write_bytes(EXCEL_CSV.encode("utf-8"))
    assert main(["derive", str(path), "-o", str(tmp_path / "out.csv")]) == 0
    out = capsys.readouterr().out
    assert ("  units of the output (the file's values converted): age in years; "
            "total_testosterone, shbg, free_testosterone, bioavailable_testosterone in nmol/L;"
            " albumin in g/L\n") in out
    assert "free_androgen_index in" not in out  # a ratio: no unit named
    export, codes = tmp_path / "long.csv", tmp_path / "codes.csv"
    export.write_text(LONG_CSV, encoding="utf-8")
    codes.write_text("code,analyte\nTTES,total_testosterone\nSHBGX,shbg\nALB,albumin\n",
                     encoding="utf-8")
    assert main(["derive", str(export), "--long", "--test-map", str(codes), "-o",
                 str(tmp_path / "draws.csv")]) == 0
    assert ("units of the output (the file's values converted): total_testosterone, shbg, "
            "free_testosterone, bioavailable_testosterone in nmol/L; albumin in g/L") \
        in capsys.readouterr().out


def test_data_readme_counts_the_loinc_map_it_describes():
    """data/README said "31 codes"; the shipped map has had 29 rows since it was added."""
    from labstats.datasets._loinc import loinc_map

    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    said = re.search(r"\*\*LOINC map\*\* \(`src/labstats/datasets/loinc_map\.csv`\): (\d+) "
                     r"codes", text)
    assert int(said[1]) == len(loinc_map()) == loinc_map()["loinc"].nunique()


def test_docs_send_a_user_neither_to_shared_nor_to_pypi():
    """A clone has no ../shared; labstats is not on PyPI (the changelog: not released)."""
    written = ["changelog.md", "citing.md", "getting_started.md", "index.md"]  # not generated
    pages = [ROOT / "README.md", ROOT / "data" / "README.md",
             *(ROOT / "docs" / name for name in written),
             *sorted((ROOT / "docs" / "guide").glob("*.md"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for line in text.splitlines():
            if "../shared" in line:
                assert "only tests of CDC's raw files read" in line, (page, line)
        assert not re.search(r"`pip install labstats`(?! does not)", text), page


def test_a_window_without_a_unit_is_refused(tmp_path, capsys):
    """``--window 1`` (one day, to its user) was pandas' 1 nanosecond: every result its own
    draw, silently (3 draws where 1D gives 2)."""
    export = tmp_path / "export.csv"
    export.write_text("Patient ID,Collected,Test Code,Result,Units\n"
                      "P1,2026-01-05 08:10,2986-8,450,ng/dL\n"
                      "P1,2026-01-05 08:40,13967-5,35,nmol/L\n"
                      "P1,2026-01-05 08:40,1751-7,4.3,g/dL\n"
                      "P2,2026-01-13 09:00,2986-8,<20,ng/dL\n", encoding="utf-8")
    results = labstats.read_lab_results(export)
    for window in ("1", 1, 2.5, " 12 "):
        with pytest.raises(ValueError, match=r"window: .* has no unit, which pandas reads as "
                           r".* nanosecond\(s\); give the unit, e.g. '.*D' \(days\)"):
            labstats.pair_results(results, by="window", window=window)
    assert len(labstats.pair_results(results, by="window", window="1D")) == 2
    assert len(labstats.pair_results(results, by="window", window=0)) == 3  # 0 is 0
    assert len(labstats.pair_results(results, by="window", window=pd.Timedelta(1, "h"))) == 2
    assert main(["derive", str(export), "--long", "--pair", "window", "--window", "1", "-o",
                 str(tmp_path / "draws.csv")]) == 1
    assert "--window: '1' has no unit" in capsys.readouterr().err
    assert not (tmp_path / "draws.csv").exists()


def test_units_row_in_a_workbook_and_a_number_beside_a_unit_cell(tmp_path):
    """The units row of a workbook is named as in a CSV; a first row whose other cells are
    numbers (a workbook stores them as numbers, not text) is data, its unit cell reported."""
    pytest.importorskip("openpyxl")
    units_row = tmp_path / "units.xlsx"
    pd.DataFrame({"ID": [None, 1, 2], "Testosterone": ["ng/dL", 450, 500],
                  "SHBG": ["nmol/L", 30, 35]}).to_excel(units_row, index=False)
    with pytest.raises(ValueError, match=r"row 0 \(the line under the header\) holds units"):
        read_lab_export(units_row)
    data_row = tmp_path / "data.xlsx"
    pd.DataFrame({"ID": [1, 2], "Testosterone (nmol/L)": [15, 16],
                  "SHBG": ["nmol/L", 35]}).to_excel(data_row, index=False)
    with pytest.raises(ValueError, match=r"row 0, column 'SHBG': 'nmol/L' is not a number"):
        read_lab_export(data_row)


def test_derive_names_the_columns_it_did_not_read_as_inputs(tmp_path, capsys):
    """A German export ("Kreatinin (µmol/L)", "Alter", "Geschlecht") gave "skipped
    egfr_ckd_epi_2021: needs creatinine, age, sex" and nothing about the columns that hold
    them; the summary now names them with the option that maps them."""
    path = tmp_path / "export.csv"
    path.write_text("ID;Kreatinin (µmol/L);Alter;Geschlecht;Testosterone (nmol/L)\n"
                    "1;80;50;M;15\n", encoding="utf-8")
    assert main(["derive", str(path), "-o", str(tmp_path / "out.csv")]) == 0
    out = capsys.readouterr().out
    assert ("  kept as they are, not read as inputs: 'Kreatinin (µmol/L)', 'Alter', "
            "'Geschlecht'; if one is an input, name it with --column-map 'HEADER=NAME'") in out
    assert main(["derive", str(path), "-o", str(tmp_path / "out2.csv"), "--column-map",
                 "Kreatinin (µmol/L)=creatinine,Alter=age,Geschlecht=sex"]) == 0
    out = capsys.readouterr().out
    assert "not read as inputs" not in out and "derived egfr_ckd_epi_2021: 1 of 1" in out


def test_the_columns_not_read_as_inputs_are_those_the_reader_kept(tmp_path, capsys):
    """The summary re-derived which columns the reader had read: the participant-id column
    named with --id-column ("MRN") was listed as "not read as inputs", and a column whose
    header ends in "_flag" without being the flags of an analyte ("Comment_flag") was not
    listed. It now takes the reader's own word (read_lab_export's attrs["kept"])."""
    path = tmp_path / "export.csv"
    path.write_text("MRN,Testosterone (nmol/L),Comment_flag,Ward\n1,15,x,A\n2,16,y,B\n",
                    encoding="utf-8")
    assert main(["derive", str(path), "-o", str(tmp_path / "out.csv"), "--id-column",
                 "MRN"]) == 0
    assert ("  kept as they are, not read as inputs: 'Comment_flag', 'Ward'; if one is an "
            "input") in capsys.readouterr().out
