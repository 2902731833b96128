"""Tests for labstats.datasets.read_lab_export.

Conversions are checked against the molar masses cited in labstats.units (testosterone
288.42 g/mol: 288.42 ng/dL = 10 nmol/L, the ISSAM calculator's example; estradiol
272.38 g/mol: 1 pg/mL = 3.6713 pmol/L, the factor printed on the CDC TST pages).
"""

import math

import numpy as np
import pandas as pd
import pytest

from labstats import LabstatsWarning
from labstats.datasets import LabExportError, read_lab_export, read_lab_results


def _csv(tmp_path, text, name="export.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_unit_header_is_understood_and_converted():
    out = read_lab_export(pd.DataFrame({"Testosterone (ng/dL)": ["288.42", "576.84"],
                                        "Estradiol [pg/mL]": ["10", "20"]}))
    np.testing.assert_allclose(out["total_testosterone"], [10.0, 20.0], rtol=1e-12)
    np.testing.assert_allclose(out["estradiol"], [36.713, 73.426], rtol=1e-4)


@pytest.mark.parametrize(("policy", "expected"), [
    ("lod/sqrt2", 0.5 / math.sqrt(2)), ("lod/2", 0.25), ("lod", 0.5), ("nan", np.nan)])
def test_censored_policy_sets_the_value(policy, expected):
    out = read_lab_export(pd.DataFrame({"SHBG (nmol/L)": ["<0.5", "< 0.5", "12"]}),
                          censored=policy)
    np.testing.assert_allclose(out["shbg"], [expected, expected, 12.0])
    assert out["shbg_censored"].tolist() == ["left", "left", pd.NA]


def test_right_censored_value_is_the_limit_and_flagged():
    out = read_lab_export(pd.DataFrame({"Testosterone (ng/dL)": [">1500", "300"]}))
    assert out["total_testosterone"][0] == pytest.approx(1500 / 28.842)
    assert out["total_testosterone_censored"].tolist() == ["right", pd.NA]


def test_text_censored_results_use_the_given_limit():
    out = read_lab_export(pd.DataFrame({"E2": ["ND", "below LOD", "<LOD", "50"]}),
                          limits={"E2": 10.0}, censored="lod/2")
    np.testing.assert_allclose(out["estradiol"], [5.0, 5.0, 5.0, 50.0])
    assert out["estradiol_censored"].tolist() == ["left", "left", "left", pd.NA]


def test_text_censored_result_without_limit_is_reported():
    with pytest.raises(LabExportError, match=r"row 0, column 'E2': 'ND' is a censored result "
                                             r"without a number; pass limits="):
        read_lab_export(pd.DataFrame({"E2": ["ND", "50"]}))


def test_every_unreadable_cell_is_reported_by_row_and_column():
    raw = pd.DataFrame({"SHBG": ["40", "abc", "30"], "Albumin (g/L)": ["43", "44", "4 3"]},
                       index=["p1", "p2", "p3"])
    with pytest.raises(LabExportError, match=r"2 cells could not be read") as info:
        read_lab_export(raw)
    report = info.value.report
    assert report[["row", "column", "value"]].values.tolist() == [
        ["p2", "SHBG", "abc"], ["p3", "Albumin (g/L)", "4 3"]]


def test_report_mode_sets_nan_warns_and_lists_the_cells():
    with pytest.warns(LabstatsWarning, match=r"1 cell could not be read"):
        out = read_lab_export(pd.DataFrame({"SHBG": ["40", "n.a.x"]}), errors="report")
    assert out["shbg"].isna().tolist() == [False, True]
    assert out.attrs["unparsed"]["value"].tolist() == ["n.a.x"]


def test_missing_cells_are_nan_not_errors():
    out = read_lab_export(pd.DataFrame({"SHBG": ["", "NA", "n/a", None, "40"]}))
    assert out["shbg"].isna().tolist() == [True, True, True, True, False]


def test_decimal_comma_semicolon_csv(tmp_path):
    path = _csv(tmp_path, "ID;Testosteron (nmol/L);SHBG\nA;12,5;35,1\nB;<0,4;40\n")
    out = read_lab_export(path, columns={"Testosteron (nmol/L)": "total_testosterone"})
    np.testing.assert_allclose(out["total_testosterone"], [12.5, 0.4 / math.sqrt(2)])
    np.testing.assert_allclose(out["shbg"], [35.1, 40.0])
    assert out["ID"].tolist() == ["A", "B"]


def test_mixed_decimal_marks_in_one_column_are_reported():
    with pytest.raises(LabExportError, match=r"'1,5' is a decimal comma in a column that "
                                             r"also uses decimal points"):
        read_lab_export(pd.DataFrame({"SHBG": ["1.5", "1,5"]}))


def test_rows_are_never_dropped_or_reordered_and_index_is_kept():
    raw = pd.DataFrame({"SHBG": ["30", "", "<1", "20"], "note": ["x", "y", "z", "w"]},
                       index=[9, 3, 7, 1])
    out = read_lab_export(raw)
    assert out.index.tolist() == [9, 3, 7, 1] and out["note"].tolist() == ["x", "y", "z", "w"]
    assert raw["SHBG"].tolist() == ["30", "", "<1", "20"]  # input untouched


@pytest.mark.parametrize(("raw", "kwargs", "message"), [
    (pd.DataFrame({"ID": ["a", "b", "a"], "SHBG": ["1", "2", "3"]}), {},
     r"column 'ID': 2 rows share a participant id; 'a' is in rows \[0, 2\]"),
    (pd.DataFrame({"Glucose": ["5.5 mmol/L", "99 mg/dL"]}), {},
     r"column 'Glucose': mixed units in one column \('mmol/L' first at row 0, 'mg/dL' first "
     r"at row 1\)"),
    (pd.DataFrame({"Testosterone (furlong)": ["1"]}), {},
     r"column 'Testosterone \(furlong\)': unknown unit 'furlong' for testosterone; accepted "
     r"units are nmol/L, ng/dL"),
    (pd.DataFrame({"Testosterone": ["450"]}), {},
     r"total_testosterone: 450\.0 at index 0 is implausible for nmol/L.*If these are ng/dL, "
     r"pass units=\{'total_testosterone': 'ng/dL'\} \(CLI: --units total_testosterone=ng/dL\)\.$"),
    (pd.DataFrame({"TT (ng/dL)": ["450"]}), {"units": {"total_testosterone": "nmol/L"}},
     r"conflicting units"),
    (pd.DataFrame({"TT": ["1"], "Testosterone": ["2"]}), {},
     r"columns 'TT' and 'Testosterone' both map to 'total_testosterone'"),
    (pd.DataFrame({"TT": ["1"]}), {"columns": {"T": "total_testosterone"}},
     r"columns: 'T' is not a column of the export"),
    (pd.DataFrame({"TT": ["1"]}), {"censored": "half"}, r"censored: unknown policy 'half'"),
    (pd.DataFrame({"Waist (ft)": ["3"]}), {},
     r"column 'Waist \(ft\)': unknown unit 'ft' for waist_circumference; accepted units are "
     r"cm, m, mm, in"),
])
def test_bad_input_is_a_clear_error(raw, kwargs, message):
    with pytest.raises(ValueError, match=message):
        read_lab_export(raw, **kwargs)


def test_duplicate_ids_allowed_when_check_is_off():
    out = read_lab_export(pd.DataFrame({"ID": ["a", "a"], "SHBG": ["1", "2"]}), id_column=None)
    assert len(out) == 2


def test_units_argument_applies_to_headers_without_unit():
    out = read_lab_export(pd.DataFrame({"Insulin": ["10"]}), units={"insulin": "uIU/mL"})
    assert out["insulin"][0] == pytest.approx(60.0)  # 6.00 pmol/L per µIU/mL (standard)


@pytest.mark.parametrize("fmt", ["xlsx", "parquet", "csv.gz"])
def test_excel_parquet_and_compressed_csv_read_like_csv(tmp_path, fmt):
    raw = pd.DataFrame({"ID": ["a", "b"], "Testosterone (ng/dL)": ["288.42", "<20"],
                        "SHBG": [40.0, 35.5]})
    path = tmp_path / f"export.{fmt}"
    {"xlsx": lambda: raw.to_excel(path, index=False),
     "parquet": lambda: raw.to_parquet(path, index=False),
     "csv.gz": lambda: raw.to_csv(path, index=False)}[fmt]()
    out = read_lab_export(path)
    np.testing.assert_allclose(out["total_testosterone"], [10.0, 20 / math.sqrt(2) / 28.842])
    np.testing.assert_allclose(out["shbg"], [40.0, 35.5])
    assert out["total_testosterone_censored"].tolist() == [pd.NA, "left"]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("export.xlsx", b"PK\x03\x04 truncated zip", r"export\.xlsx: "),
    ("export.parquet", b"PAR1 not really", r"export\.parquet: "),
    ("export.csv", b'ID,SHBG\n"a,1\n', r"export\.csv: 1 row with another number of fields "
                                         r"than the header \(2\): line 2 has 1\..*unclosed quote"),
    ("export.csv", b"ID,SHBG\n\xff\xfe,1\n", r"not utf-8-sig text.*encoding='cp1252'"),
    ("export.sav", b"x", r"unknown file type"),
])
def test_corrupt_file_is_a_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_lab_export(path)


def test_ragged_csv_is_an_error_not_a_lost_row(tmp_path):
    path = _csv(tmp_path, "ID,SHBG\na,1\nb,2,3,4\n")
    with pytest.raises(ValueError, match=r"1 row with another number of fields than the header "
                                         r"\(2\): line 3 has 4\. A row is never padded or cut"):
        read_lab_export(path)


@pytest.mark.parametrize(("text", "message"), [
    # a title without a separator was the header of a one-column table of whole lines
    ("Lab export 2026-11-30\nID,SHBG\na,1\nb,2\n",
     r"line 1 \('Lab export 2026-11-30'\) holds no separator .* but line 2 does: a title "
     r"above the header\?"),
    ("Lab export\nWard 7\n\nID;SHBG\na;1\n",
     r"lines 1-2 \('Lab export'\) hold no separator .* but line 4 does"),
    # a title with a comma: every data line looked ragged against it
    ("Lab export, ward 7\nID,SHBG,Albumin\na,1,40\nb,2,41\n",
     r"its first line 'Lab export, ward 7' has 2 fields and every other line 3: a title "
     r"above the header, or a header without a name for every column\?"),
])
def test_title_line_above_the_header_is_an_error_not_the_header(tmp_path, text, message):
    path = _csv(tmp_path, text)
    with pytest.raises(ValueError, match=message):
        read_lab_export(path)
    with pytest.raises(ValueError, match=message):  # the same reader for long exports
        read_lab_results(path)


def test_one_column_csv_is_still_one_column(tmp_path):
    out = read_lab_export(_csv(tmp_path, "SHBG\n1\n2\n"), id_column=None)
    assert out.columns.tolist() == ["shbg"] and out["shbg"].tolist() == [1.0, 2.0]


def test_censored_column_read_back_reports_unknown_text():
    raw = pd.DataFrame({"SHBG": ["1", "2", "3"],
                        "shbg_censored": ["left", "", "maybe"]})
    with pytest.raises(LabExportError, match=r"row 2, column 'shbg_censored': 'maybe' is not "
                                             r"'left', 'right' or empty"):
        read_lab_export(raw)
    out = read_lab_export(raw.iloc[:2])
    assert out["shbg_censored"].tolist() == ["left", pd.NA]


def test_frame_columns_without_a_label_are_named_as_missing_headers():
    # A frame's None / NaN column labels are headers missing as an empty CSV header is (one
    # blank-cell test, _labtext.is_blank); the header check counted only empty text, and
    # said "the header nan appears more than once" for a None and a NaN label.
    frame = pd.DataFrame([["a", "35", 1.0, 2.0]], columns=["ID", "SHBG", None, np.nan])
    with pytest.raises(ValueError, match=r"path_or_frame: 2 columns have no header \(columns "
                                         r"3, 4, counted from 1\)"):
        read_lab_export(frame)


@pytest.mark.parametrize("value", ["≤5", "<=5", ".5", "1e3"])
def test_a_first_row_with_a_value_the_reader_reads_is_not_a_units_row(tmp_path, value):
    # The units-row rule had its own number pattern, which missed values that the cell
    # reader reads ("≤5", "<=5", ".5", "1e3"): a data row with one unit typed by mistake
    # beside such a value was refused as a units row. One pattern now (_labcells.is_number).
    path = _csv(tmp_path, f"ID,Testosterone (ng/dL),SHBG (nmol/L)\n1,ng/dL,{value}\n"
                          "2,450,30\n")
    with pytest.raises(LabExportError, match=r"row 0, column 'Testosterone \(ng/dL\)': "
                                              r"'ng/dL' is not a number"):
        read_lab_export(path)
