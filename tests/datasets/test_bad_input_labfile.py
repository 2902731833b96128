"""Bad-input matrix of read_lab_export (issue 10, "Nothing lost, nothing silent").

One parametrised case per defect class: the input (a DataFrame, or the text of a CSV file),
the keywords, and what must come out: a clear error (type and text: column or argument,
value, row, fix) or the right value. Conversions use the molar masses cited in
labstats.units: testosterone 288.42 g/mol (288.42 ng/dL = 10 nmol/L, the ISSAM calculator's
example), estradiol 272.38 g/mol (1 pg/mL = 3.6713 pmol/L, the factor on the CDC TST pages),
insulin 6.00 pmol/L per µIU/mL (WHO IS 66/304; NCHS LBDINSI / LBXIN), 1 in = 2.54 cm.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, time

import numpy as np
import pandas as pd
import pytest

from labstats import LabstatsWarning
from labstats.datasets import LabExportError, derive, read_lab_export
from labstats.formulas import egfr

TT_NG_ML = 4.5 * 100 / 28.842  # 4.5 ng/mL = 450 ng/dL, in nmol/L
MG_DL_CREA = 10_000 / 113.12  # µmol/L per mg/dL of creatinine (113.12 g/mol; NCHS: 88.4)


@dataclass
class Raises:
    kind: type
    match: str


@dataclass
class Gives:
    columns: dict


def _csv(text):
    return ("csv", text)


CASES = [
    # 1. Thousands separators and decimal marks.
    pytest.param({"Insulin": ["1,200"]}, {}, Raises(LabExportError,
                 r"row 0, column 'Insulin': '1,200' is ambiguous: ',' may be a decimal mark or "
                 r"a thousands separator; pass decimal=',' if it is a decimal mark, or "
                 r"thousands=','.*\(CLI: --decimal , / --thousands ,\)"), id="1,200-ambiguous"),
    pytest.param({"Insulin": ["1.200"]}, {}, Raises(LabExportError,
                 r"'1\.200' is ambiguous.*thousands='\.'"), id="1.200-ambiguous"),
    pytest.param(_csv("ID;Insulin\na;1.200\n"), {}, Raises(LabExportError,
                 r"row 0, column 'Insulin': '1\.200' is ambiguous"), id="1.200-csv-ambiguous"),
    pytest.param({"Insulin": ["1,200", "1,200.5", "8.5"]}, {"decimal": ".", "thousands": ","},
                 Gives({"insulin": [1200.0, 1200.5, 8.5]}), id="thousands-comma"),
    pytest.param(_csv("ID,Insulin\na,\"1,200\"\nb,\"1,200.5\"\n"), {"thousands": ","},
                 Gives({"insulin": [1200.0, 1200.5]}), id="thousands-comma-csv"),
    pytest.param({"Insulin": ["1.200,5", "8,5"]}, {"decimal": ",", "thousands": "."},
                 Gives({"insulin": [1200.5, 8.5]}), id="thousands-point"),
    pytest.param(_csv("ID;Insulin (uIU/mL)\na;1.200,5\nb;8,5\n"), {"thousands": "."},
                 Gives({"insulin": [7203.0, 51.0]}), id="thousands-point-csv-converted"),
    pytest.param({"Insulin": ["1 200", "1\u00a0200", "12"]}, {"thousands": " "},
                 Gives({"insulin": [1200.0, 1200.0, 12.0]}), id="thousands-space"),
    pytest.param({"Insulin": ["1'200.5"]}, {"thousands": "'"}, Gives({"insulin": [1200.5]}),
                 id="thousands-apostrophe"),
    pytest.param({"Insulin": ["12 500"]}, {}, Raises(LabExportError,
                 r"'12 500' is a number with ' ' in it; pass thousands=' ' if it separates "
                 r"thousands \(CLI: --thousands \" \"\)"), id="space-without-thousands"),
    pytest.param({"Insulin": ["1,25", "3"]}, {}, Gives({"insulin": [1.25, 3.0]}),
                 id="decimal-comma-unambiguous"),
    pytest.param({"Insulin": ["1.5"]}, {}, Gives({"insulin": [1.5]}), id="decimal-point"),
    # Missing values of an object column (pd.NA, NaT) are missing, not the text "<NA>".
    pytest.param(pd.DataFrame({"SHBG": pd.Series(["40", pd.NA, pd.NaT, None, 35.5],
                                                  dtype=object)}), {},
                 Gives({"shbg": [40.0, np.nan, np.nan, np.nan, 35.5]}), id="pd-NA-in-object"),
    pytest.param({"Insulin": ["1,2345"]}, {}, Gives({"insulin": [1.2345]}),
                 id="four-decimals-unambiguous"),
    pytest.param({"Creatinine (mg/dL)": ["0.950", "1.020"]}, {},
                 Gives({"creatinine": [0.95 * MG_DL_CREA, 1.02 * MG_DL_CREA]}),
                 id="three-decimals-proved-by-column"),
    pytest.param({"Insulin": ["8.5", "1,200"]}, {}, Raises(LabExportError,
                 r"row 1, column 'Insulin': '1,200' is a decimal comma in a column that also "
                 r"uses decimal points, or a thousands separator; pass thousands=',' if it "
                 r"separates thousands \(CLI: --thousands ,\)"),
                 id="thousands-in-point-column"),
    pytest.param({"Insulin": ["1,20,0"]}, {"thousands": ","}, Raises(LabExportError,
                 r"'1,20,0' is a thousands separator ',' in the wrong place"),
                 id="misplaced-separator"),
    pytest.param({"Insulin": ["1,20,0"]}, {}, Raises(LabExportError,
                 r"'1,20,0' is a number with separators ','; name the convention with decimal= "
                 r"and thousands="), id="misplaced-separator-auto"),
    pytest.param({"Insulin": ["1,5"]}, {"decimal": "."}, Raises(LabExportError,
                 r"'1,5' is a comma in a number, but decimal='\.'; pass thousands=','"),
                 id="comma-with-decimal-point"),
    pytest.param({"Insulin": ["1"]}, {"decimal": ".", "thousands": "."},
                 Raises(ValueError, r"decimal and thousands are both '\.'"), id="same-marks"),
    pytest.param({"Insulin": ["1"]}, {"thousands": "_"},
                 Raises(ValueError, r"thousands must be None, ',', '\.', ' ', \"'\", got '_'"),
                 id="bad-thousands"),
    # 2. Per-row unit columns.
    pytest.param({"Testosterone": ["4.5", "450", "12", ""],
                  "Testosterone unit": ["ng/mL", "ng/dL", "nmol/L", ""]}, {},
                 Gives({"total_testosterone": [TT_NG_ML, 450 / 28.842, 12.0, np.nan],
                        "total_testosterone_unit_in_file": ["ng/mL", "ng/dL", "nmol/L", ""]}),
                 id="unit-column-per-row"),
    pytest.param({"TT": ["4.5"], "TT units": ["NG/ML"]}, {}, Gives({"total_testosterone":
                 [TT_NG_ML]}), id="unit-column-alias-and-case"),
    pytest.param({"E2": ["10"], "e2 uom": ["pg/mL"]}, {}, Gives({"estradiol": [36.7134]}),
                 id="unit-column-uom"),
    pytest.param({"TT": ["4.5"], "Einheit": ["ng/mL"]},
                 {"columns": {"Einheit": "total_testosterone_unit"}},
                 Gives({"total_testosterone": [TT_NG_ML]}), id="unit-column-by-columns"),
    pytest.param({"Testosterone (ng/dL)": ["450", "45"], "Testosterone unit": ["", "NG/DL"]},
                 {}, Gives({"total_testosterone": [450 / 28.842, 45 / 28.842]}),
                 id="unit-column-blank-falls-back-to-header"),
    pytest.param({"Testosterone": ["4.5", "4.5"], "TT units": ["ng/mL", "furlong"]}, {},
                 Raises(LabExportError, r"row 1, column 'TT units': 'furlong' is an unknown "
                                        r"unit for testosterone; accepted units are"),
                 id="unit-column-unknown-unit"),
    pytest.param({"Testosterone": ["4.5"], "Testosterone unit": [""]}, {},
                 Raises(LabExportError, r"row 0, column 'Testosterone unit': '' is empty, but "
                                        r"column 'Testosterone' has a value in this row"),
                 id="unit-column-blank-without-fallback"),
    pytest.param({"Testosterone": ["4.5 nmol/L"], "Testosterone unit": ["ng/mL"]}, {},
                 Raises(LabExportError, r"'4\.5 nmol/L' is in unit 'nmol/L', but column "
                                        r"'Testosterone unit' says 'ng/mL'"),
                 id="unit-column-disagrees-with-cell"),
    pytest.param({"Testosterone (nmol/L)": ["4.5", "4.5"], "TT unit": ["nmol/L", "ng/mL"]}, {},
                 Raises(LabExportError, r"row 1, column 'TT unit': 'ng/mL' is not the unit "
                                        r"'nmol/L' of column 'Testosterone \(nmol/L\)'"),
                 id="unit-column-disagrees-with-header"),
    # A unit written in some value cells only, beside a unit column: each row is checked
    # against its own unit cell (this used to compare misaligned rows: an IndexError, or a
    # clash reported for the wrong row).
    pytest.param({"Testosterone": ["4.5 nmol/L", "4.5", "12"],
                  "Testosterone unit": ["nmol/L", "ng/mL", "nmol/L"]}, {},
                 Gives({"total_testosterone": [4.5, TT_NG_ML, 12.0]}),
                 id="unit-column-and-unit-in-some-cells"),
    pytest.param({"Testosterone": ["12", "4.5 ng/mL", "4.5", "5 nmol/L"],
                  "Testosterone unit": ["ng/mL", "nmol/L", "ng/mL", "nmol/L"]}, {},
                 Raises(LabExportError, r"1 cell could not be read:\n  row 1, column "
                                        r"'Testosterone': '4\.5 ng/mL' is in unit 'ng/mL', but "
                                        r"column 'Testosterone unit' says 'nmol/L'"),
                 id="unit-column-clash-in-one-of-some-cells"),
    pytest.param({"Testosterone": ["4.5"], "Unit": ["ng/mL"]}, {},
                 Raises(ValueError, r"column 'Unit' looks like a unit column, but there is no "
                                    r"column of measured values to pair it with.*columns="),
                 id="unit-column-unpaired"),
    pytest.param({"Ward": ["A"], "Ward unit": ["ICU"]}, {},
                 Raises(ValueError, r"column 'Ward unit' looks like a unit column, but there is "
                                    r"no column of measured values named 'Ward'"),
                 id="unit-column-beside-text"),
    pytest.param({"Ward": ["A"], "Unit": ["ICU"]}, {"columns": {"Unit": "ward_unit_name"}},
                 Gives({"ward_unit_name": ["ICU"]}), id="unit-named-otherwise-is-kept"),
    pytest.param({"Glucose": ["5.5 mmol/L", "99 mg/dL"]}, {},
                 Raises(ValueError, r"mixed units in one column .*give each row's unit in a "
                                    r"unit column"), id="mixed-units-without-unit-column"),
    pytest.param({"SHBG": ["40 nmol/L", "35 nmol/l", "30 NMOL/L"]}, {},
                 Gives({"shbg": [40.0, 35.0, 30.0]}), id="one-unit-spelt-in-two-cases"),
    # 3. Result flags.
    *[pytest.param({"SHBG": [f"45{sp}{flag}", "30"]}, {},
                   Gives({"shbg": [45.0, 30.0], "shbg_flag": [flag, pd.NA]}),
                   id=f"flag-{flag}")
      for flag, sp in [("H", " "), ("L", " "), ("HH", " "), ("LL", " "), ("A", " "),
                       ("AA", " "), ("N", " "), ("*", ""), ("!", ""), ("(H)", " "),
                       ("(L)", "")]],
    pytest.param({"Testosterone": ["450 ng/dL H"]}, {}, Gives({"total_testosterone":
                 [450 / 28.842], "total_testosterone_flag": ["H"]}), id="flag-after-unit"),
    pytest.param({"SHBG": ["45 H", "40"], "shbg_flag": ["L", ""]}, {},
                 Raises(ValueError, r"column 'shbg_flag' says 'L' at row 0, but the value cell "
                                    r"says 'H'"), id="flag-column-disagrees-with-cell"),
    pytest.param({"SHBG": ["45 H", "40"], "shbg_flag": ["H", ""]}, {},
                 Gives({"shbg_flag": ["H", pd.NA]}), id="flag-column-agrees-with-cell"),
    pytest.param({"Glucose": ["4.5 mmol/L"]}, {}, Gives({"glucose": [4.5]}),
                 id="unit-ending-in-L-is-no-flag"),
    pytest.param({"SHBG": ["45 X"]}, {}, Raises(ValueError, r"unknown unit 'X' for shbg"),
                 id="unknown-suffix"),
    # 4. Web pages, empty files, header only.
    pytest.param(_csv("<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>\n"),
                 {}, Raises(ValueError, r"looks like an HTML page, not a CSV: was it downloaded "
                                        r"from a login page\?"), id="html-page"),
    pytest.param(_csv(""), {}, Raises(ValueError, r"the file is empty \(0 bytes\)"),
                 id="empty-file"),
    pytest.param(_csv("\n  \n"), {}, Raises(ValueError, r"the file is empty \(no header, no "
                                                        r"data\)"), id="blank-file"),
    pytest.param(_csv("ID,SHBG\n"), {}, Raises(ValueError, r"a header \(2 columns\) but no data "
                                                         r"rows"), id="header-only"),
    pytest.param(pd.DataFrame({"SHBG": pd.Series([], dtype=str)}), {},
                 Gives({"shbg": []}), id="empty-frame-is-0-rows"),
    # 5. Ragged rows and cut-off lines.
    pytest.param(_csv("ID,SHBG,Albumin\na,1,40\nb,2\nc,3,41\nd,4,42,x\n"), {},
                 Raises(ValueError, r"2 rows with another number of fields than the header "
                                    r"\(3\): line 3 has 2, line 5 has 4\. A row is never padded"),
                 id="ragged-rows"),
    pytest.param(_csv("ID,SHBG\na,1\nb,55"), {},
                 Raises(ValueError, r"the last line \(line 3\) does not end with a line break"),
                 id="cut-off-last-line"),
    pytest.param(_csv("ID,SHBG\na,1\nb,55\n  \t"), {}, Gives({"shbg": [1.0, 55.0]}),
                 id="spaces-after-last-line"),
    pytest.param(_csv("ID,SHBG,SHBG\na,1,2\n"), {},
                 Raises(ValueError, r"the header 'SHBG' appears more than once"),
                 id="repeated-header"),
    # 6. Ages: no stand-in for a censored age; plausible range 0-120 years (units.MEASURES).
    pytest.param({"ID": ["a", "b", "c", "d"], "Age": ["40", "50", "60", "<18"]}, {},
                 Raises(LabExportError, r"row 3, column 'Age': '<18' is censored: labstats "
                                        r"cannot give an age a stand-in value"),
                 id="censored-age"),
    pytest.param({"Age": ["ND"]}, {"limits": {"Age": 18}},
                 Raises(LabExportError, r"'ND' is censored: labstats cannot give an age"),
                 id="censored-age-text"),
    # A limits key that names no header (a typo, or the output name) is not ignored.
    *[pytest.param({"ID": ["a"], "Testosterone (ng/dL)": ["ND"]}, {"limits": {key: 10.0}},
                   Raises(ValueError, rf"limits: no column named '{re.escape(key)}'; limits are keyed by "
                                      r"the export's headers: ID, Testosterone \(ng/dL\)"),
                   id=f"limits-unknown-{i}")
      for i, key in enumerate(["Testosterone (ng/dl)", "total_testosterone"])],
    # A NaN limit used to turn the "ND" cells into NaN without a word.
    *[pytest.param({"Testosterone (ng/dL)": ["ND"]}, {"limits": {"Testosterone (ng/dL)": v}},
                   Raises(ValueError, rf"limits: 'Testosterone \(ng/dL\)'={shown} is not valid: "
                                      r"it must be a number > 0\. Give the detection limit"),
                   id=f"limits-value-{v}")
      for v, shown in [(np.nan, "nan"), ("abc", "'abc'"), (0.0, r"0\.0")]],
    pytest.param({"BMI": [">50"]}, {}, Raises(LabExportError, r"'>50' is censored: labstats "
                                                              r"cannot give a BMI"),
                 id="censored-bmi"),
    pytest.param({"Age": ["30", "-5"]}, {}, Raises(ValueError, r"age: 1 negative value; the "
                                                               r"first is -5\.0 at index 1"),
                 id="negative-age"),
    pytest.param({"Age": ["30", "40", "200"]}, {},
                 Raises(ValueError, r"age: 200\.0 at index 2 is implausible for years "
                                    r"\(plausible 0-120 years per labstats\.units\.MEASURES"
                                    r"\['age'\]\).*plausibility\('warn'\)"), id="age-200"),
    pytest.param({"Age (yrs)": ["0", "120"], "Waist (in)": ["30", "40"]}, {},
                 Gives({"age": [0.0, 120.0], "waist": [76.2, 101.6]}), id="age-waist-units"),
    # 7. Sex: NHANES codes as text, blanks are missing, other codes listed.
    pytest.param(_csv("ID,Sex\na,1\nb,2\nc,1.0\nd,2.0\ne,\nf,NA\n"), {},
                 Gives({"sex": ["1", "2", "1.0", "2.0", "", "NA"]}), id="sex-codes-as-text"),
    pytest.param({"Sex": ["F", "x", "M", "3"]}, {},
                 Raises(LabExportError, r"2 cells could not be read:\n  row 1, column 'Sex': "
                                        r"'x' is not a recognised sex.*\n  row 3, column 'Sex': "
                                        r"'3' is not a recognised sex"), id="sex-unknown-codes"),
    # A date or time where a number belongs (a spreadsheet turned "1.12" into 1 December):
    # reported per cell, not taken for the number 2024 with the unit "-12-01 00:00:00".
    pytest.param(pd.DataFrame({"SHBG": pd.Series([40, datetime(2024, 12, 1), time(5, 4)],
                                                  dtype=object)}), {},
                 Raises(LabExportError, r"2 cells could not be read:\n  row 1, column 'SHBG': "
                                        r"'2024-12-01 00:00:00' is a date or time, not a number "
                                        r"\(a spreadsheet may have turned an entry such as "
                                        r"1\.12 into a date.*\n  row 2, column 'SHBG': "
                                        r"'05:04:00' is a date or time"), id="date-in-numbers"),
    pytest.param(pd.DataFrame({"Glucose": pd.to_datetime(["2024-12-01", None])}), {},
                 Raises(LabExportError, r"1 cell could not be read:\n  row 0, column 'Glucose': "
                                        r"'2024-12-01 00:00:00' is a date or time"),
                 id="dates-column"),
    # 8. Column labels and sheets.
    pytest.param(pd.DataFrame({0: ["a"], 1: ["40"], "SHBG": ["40"]}), {},
                 Gives({0: ["a"], 1: ["40"], "shbg": [40.0]}), id="int-labels"),
    # Invisible format characters in a header (zero-width space, BOM, soft hyphen, word
    # joiner) used to leave a known column unrecognised: kept as text, without a word.
    pytest.param({"\ufeffID": ["a"], "SHBG\u200b": ["40"], "Testo\u00adsterone (ng/dL)":
                  ["288.42"], "Albu\u2060min": ["43"], "TT\u200b units": ["ng/dL"]}, {},
                 Gives({"shbg": [40.0], "total_testosterone": [10.0], "albumin": [43.0]}),
                 id="invisible-characters-in-headers"),
    pytest.param(_csv("ID,SHBG\u200b\na,40\n"), {}, Gives({"shbg": [40.0]}),
                 id="zero-width-space-in-csv-header"),
    pytest.param(pd.DataFrame([["a", "40"]], columns=pd.MultiIndex.from_tuples(
                 [("ID", ""), ("SHBG", "nmol/L")])), {},
                 Raises(ValueError, r"column labels are tuples \(a MultiIndex.*flatten them"),
                 id="multiindex-labels"),
    pytest.param(pd.DataFrame([["a", "40"]], columns=["ID", ("SHBG", "x")]), {},
                 Raises(ValueError, r"column labels are tuples"), id="tuple-label"),
]


def _input(raw, tmp_path):
    if isinstance(raw, tuple):
        path = tmp_path / "export.csv"
        path.write_bytes(raw[1].encode("utf-8"))
        return path
    return raw if isinstance(raw, pd.DataFrame) else pd.DataFrame(raw)


@pytest.mark.parametrize(("raw", "kwargs", "expected"), CASES)
def test_bad_input_matrix(raw, kwargs, expected, tmp_path):
    source = _input(raw, tmp_path)
    before = source.copy() if isinstance(source, pd.DataFrame) else source.read_bytes()
    if isinstance(expected, Raises):
        with pytest.raises(expected.kind, match=expected.match):
            read_lab_export(source, **kwargs)
    else:
        out = read_lab_export(source, **kwargs)
        for column, values in expected.columns.items():
            got = out[column].tolist()
            if values and isinstance(values[0], float):
                np.testing.assert_allclose(got, values, rtol=1e-5, err_msg=str(column))
            else:
                assert [None if v is pd.NA else v for v in got] == [
                    None if v is pd.NA else v for v in values], column
    if isinstance(source, pd.DataFrame):  # the input is never modified
        pd.testing.assert_frame_equal(source, before)
    else:
        assert source.read_bytes() == before


def test_sheet_name_none_lists_the_sheets(tmp_path):
    path = tmp_path / "export.xlsx"
    with pd.ExcelWriter(path) as w:
        pd.DataFrame({"SHBG": [40]}).to_excel(w, sheet_name="Results", index=False)
        pd.DataFrame({"x": [1]}).to_excel(w, sheet_name="Notes", index=False)
    with pytest.raises(ValueError, match=r"reads one sheet, but sheet_name=None asks for several; "
                                         r"the workbook has 'Results', 'Notes': pass one, e.g. "
                                         r"sheet_name='Results' \(CLI: --sheet NAME\)"):
        read_lab_export(path, sheet_name=None)
    with pytest.raises(ValueError, match=r"no sheet named 'Lab'; the workbook has 'Results', "
                                         r"'Notes'"):
        read_lab_export(path, sheet_name="Lab")
    assert read_lab_export(path, sheet_name="Results")["shbg"].tolist() == [40.0]


def test_html_saved_as_xlsx_is_named(tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_text("<html><body>Session expired</body></html>")
    with pytest.raises(ValueError, match=r"looks like an HTML page, not a table file"):
        read_lab_export(path)


def test_rows_are_plain_python_values_in_messages_and_report():
    raw = pd.DataFrame({"SHBG": ["40", "abc"]}, index=np.array([3, 4], dtype=np.int64))
    with pytest.raises(LabExportError) as info:
        read_lab_export(raw)
    assert "row 4, column 'SHBG'" in str(info.value) and "np.int64" not in str(info.value)
    row = info.value.report.iloc[0]["row"]
    assert type(row) is int and repr(row) == "4"


def test_sex_codes_from_csv_derive_like_words_and_blank_sex_is_nan(tmp_path):
    """'1'/'2' text (a CSV) gives the eGFR of 'male'/'female'; a blank or NA sex gives NaN
    for that row only (issue 10: the whole file used to fail)."""
    path = tmp_path / "lab.csv"
    path.write_text("ID,Creatinine (mg/dL),Age,Sex\na,1.2,55,1\nb,0.9,60,2\nc,1.0,40,\n"
                    "d,1.0,40,NA\ne,1.1,70,2.0\n")
    out = derive(read_lab_export(path), ["egfr_ckd_epi_2021"])["egfr_ckd_epi_2021"]
    words = egfr(creatinine=pd.Series([1.2, 0.9, 1.1]), creatinine_unit="mg/dL",
                 age=pd.Series([55.0, 60.0, 70.0]),
                 sex=pd.Series(["male", "female", "female"]))
    np.testing.assert_allclose(out.iloc[[0, 1, 4]].to_numpy(), words.to_numpy(), rtol=1e-12)
    assert out.iloc[[2, 3]].isna().all() and out.iloc[[0, 1, 4]].notna().all()
    # egfr's own example (kidney.py docstring, checked there against the CKD-EPI 2021 paper):
    assert out.iloc[0] == pytest.approx(egfr(creatinine=1.2, creatinine_unit="mg/dL", age=55,
                                             sex="male"))


def test_as_sex_accepts_text_codes_and_lists_bad_cells():
    from labstats._validate import as_sex

    np.testing.assert_array_equal(as_sex(["1", "2", "1.0", " 2.0 ", "", "NA", "n/a", None]),
                                  [0.0, 1.0, 0.0, 1.0, np.nan, np.nan, np.nan, np.nan])
    with pytest.raises(ValueError, match=r"sex: 2 values not a recognised sex; the first is "
                                         r"'3' at index 'b' \(then 'U' at index 'd'\)\. Use "
                                         r"'female'/'male'"):
        as_sex(pd.Series(["1", "3", "2", "U"], index=list("abcd")))


def test_censored_concentrations_still_get_their_stand_in():
    out = read_lab_export(pd.DataFrame({"SHBG": ["<0.5", "12"], "Age": ["40", "50"]}))
    assert out["shbg"][0] == pytest.approx(0.5 / math.sqrt(2))


def test_report_mode_sets_unrecognised_sex_to_missing():
    with pytest.warns(LabstatsWarning, match=r"row 'p2', column 'Sex': 'U' is not a recognised"):
        out = read_lab_export(pd.DataFrame({"Sex": ["F", "U", "2"]}, index=["p1", "p2", "p3"]),
                              errors="report")
    assert out["sex"].tolist()[0] == "F" and pd.isna(out["sex"]["p2"])
    assert out.attrs["unparsed"]["value"].tolist() == ["U"]


def test_excel_cells_are_read_as_the_workbook_holds_them(tmp_path):
    """Text cells of a workbook stay text, as in a CSV: pandas' reader used to turn a text
    column of digits into numbers, so ids "001" became 1, a text "1.200" (1200 with a
    European thousands point, or 1.2) became 1.2 without the ambiguity being reported, and a
    TRUE cell in a number column became 1.0."""
    path = tmp_path / "export.xlsx"
    pd.DataFrame({"ID": ["001", "002"], "SHBG": ["40", "35"]}).to_excel(path, index=False)
    assert read_lab_export(path)["ID"].tolist() == ["001", "002"]
    pd.DataFrame({"ID": ["a", "b"], "Insulin": ["1.200", "8.500"]}).to_excel(path, index=False)
    with pytest.raises(LabExportError, match=r"row 0, column 'Insulin': '1\.200' is ambiguous"):
        read_lab_export(path)
    assert read_lab_export(path, thousands=".")["insulin"].tolist() == [1200.0, 8500.0]
    pd.DataFrame({"ID": ["a", "b"], "SHBG": pd.Series([40, True], dtype=object)}).to_excel(
        path, index=False)
    with pytest.raises(LabExportError, match=r"row 1, column 'SHBG': 'True' is not a number"):
        read_lab_export(path)


def _workbook(path, rows, edits=()):
    """A workbook written by openpyxl (formulas without results), its sheet's XML then
    edited as Excel would store it (``edits``: (old, new) text replacements)."""
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for old, new in edits:
        assert old in sheet
        sheet = sheet.replace(old, new)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    if edits:  # Excel, having computed every formula, drops openpyxl's fullCalcOnLoad
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"")
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_excel_formulas_without_stored_results_are_an_error_naming_the_cells(tmp_path):
    """A workbook written by openpyxl (or another program that does not compute formulas)
    and never opened in Excel stores no formula results: pandas reads those cells as
    empty, and their values used to be NaN without a word."""
    path = tmp_path / "export.xlsx"
    _workbook(path, [["ID", "SHBG", "Albumin"], ["a", 40, "=2*20"], ["b", "=B2*2", 41]])
    with pytest.raises(ValueError, match=r"export\.xlsx: 2 formula cells of sheet 'Sheet' hold "
                                         r"no stored result, so they would read as empty: C2 "
                                         r"\(column 'Albumin', row 0\), B3 \(column 'SHBG', row "
                                         r"1\)\..*open it in Excel or LibreOffice and save it.*CSV"):
        read_lab_export(path)


def test_excel_stored_results_are_read_and_error_cells_reported_as_in_a_csv(tmp_path):
    """Formula results stored by Excel are read (an empty text result is an empty cell);
    error cells (#DIV/0!, #N/A), which pandas reads as NaN, are reported like the same
    text in a CSV, and kept as text in a text column."""
    path = tmp_path / "export.xlsx"
    _workbook(path, [["ID", "SHBG", "Note"], ["a", "=20*2", '=IF(1,"","x")'],
                     ["b", 41, "#N/A"]],
              [("<f>20*2</f><v />", "<f>20*2</f><v>40</v>"),
               ('<c r="C2"><f>IF(1,"","x")</f><v />', '<c r="C2" t="str"><f>IF(1,"","x")</f><v />')])
    out = read_lab_export(path)
    assert out["shbg"].tolist() == [40.0, 41.0]
    assert [None if pd.isna(v) else v for v in out["Note"]] == [None, "#N/A"]
    _workbook(path, [["ID", "SHBG"], ["a", "#DIV/0!"], ["b", "#N/A"], ["c", 3]])
    (tmp_path / "export.csv").write_text("ID,SHBG\na,#DIV/0!\nb,#N/A\nc,3\n")
    message = (r"2 cells could not be read:\n  row 0, column 'SHBG': '#DIV/0!' is not a number"
               r"\n  row 1, column 'SHBG': '#N/A' is not a number")
    for source in (path, tmp_path / "export.csv"):
        with pytest.raises(LabExportError, match=message):
            read_lab_export(source)


def test_excel_header_row_is_checked_like_a_csv_header(tmp_path):
    """A repeated header is refused in a workbook as in a CSV (pandas renamed the second
    'SHBG' to 'SHBG.1', which was then kept as an unrecognised column without a word), and
    an empty first row (a header further down) is refused instead of read as a sheet of
    unnamed columns whose header is a data row. Blank header cells are still allowed."""
    import openpyxl

    path = tmp_path / "export.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["ID", "SHBG", "Albumin", "SHBG"])
    book.active.append(["a", 40, 43, 41])
    book.save(path)
    with pytest.raises(ValueError, match=r"export\.xlsx: the header 'SHBG' appears more than "
                                         r"once; rename the repeated columns"):
        read_lab_export(path)
    book = openpyxl.Workbook()
    for row in ([], ["ID", "SHBG"], ["a", 40]):
        book.active.append(row)
    book.save(path)
    with pytest.raises(ValueError, match=r"export\.xlsx: the first row of sheet 'Sheet' is "
                                         r"empty.*header.*delete the empty rows above it"):
        read_lab_export(path)
    book = openpyxl.Workbook()
    for row in (["ID", None, "SHBG", None], ["a", "x", 40, "y"]):
        book.active.append(row)
    book.save(path)
    out = read_lab_export(path)
    assert out.columns.tolist() == ["ID", "Unnamed: 1", "shbg", "Unnamed: 3"]
    assert out["shbg"].tolist() == [40.0]
    book = openpyxl.Workbook()  # a title in A1: read as the header of unnamed columns
    for row in (["Lab export 2026-11-30"], ["ID", "SHBG", "Albumin"], ["a", 40, 43]):
        book.active.append(row)
    book.save(path)
    with pytest.raises(ValueError, match=r"export\.xlsx: the first row of sheet 'Sheet' holds "
                                         r"only 'Lab export 2026-11-30', in its first cell, "
                                         r"and no header for its other 2 columns: a title"):
        read_lab_export(path)
