"""Tests for labstats.read_lab_results: long exports (one row per result) -> tidy results.

Outside numbers: testosterone 1 nmol/L = 28.84 ng/dL (MW 288.42; ARUP test 0070111 and
the ISSAM calculator, ROUTINE_LAB_DATA.md S18), albumin 1 g/dL = 10 g/L. LOINC codes
are those of ROUTINE_LAB_DATA.md section 1, each seen in a public source (S1 mimic-code
d_labitems_to_loinc.csv, S7 OHDSI DQD, S8 LOINC table rows, S9-S18 FHIR IGs and lab
catalogues); their check digits follow the LOINC Users' Guide mod-10 rule (Appendix C).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats import LabstatsWarning, free_testosterone
from labstats.datasets import _loinc, make_lab_results, pair_results, read_lab_results

from ..conftest import SHARED

COUNT_KEYS = ("used", "reported", "excluded", "duplicates")


def _bare(frame):
    """The export without its attrs (a frame with frames in attrs cannot go to Parquet)."""
    out = frame.copy()
    out.attrs = {}
    return out


def _law(res):
    c = res.attrs["counts"]
    assert sum(c[k] for k in COUNT_KEYS) == c["rows"] == len(res)
    assert res["source_row"].tolist() == list(range(len(res)))
    return c


def _free_t_from_truth(truth):
    return free_testosterone(truth["total_testosterone"], truth["shbg"], truth["albumin"])


@pytest.mark.parametrize("shape", ["lis", "mimic"])
def test_export_file_to_derived_free_t_with_every_row_accounted_for(tmp_path, shape):
    export = make_lab_results(150, seed=11, shape=shape)
    path = tmp_path / ("export.csv" if shape == "lis" else "labevents.parquet")
    if shape == "lis":
        export.to_csv(path, index=False)
    else:
        _bare(export).to_parquet(path, index=False)
    before = path.read_bytes()
    res = read_lab_results(path, test_map=export.attrs.get("test_map"))
    assert path.read_bytes() == before  # never written to
    counts = _law(res)
    assert counts == export.attrs["expected_counts"]
    assert counts["reported"] > 0 and counts["excluded"] > 0 and counts["duplicates"] > 0
    paired = pair_results(res)
    derived = labstats.derive(paired)
    truth = export.attrs["truth"].sort_values(["patient_id", "collected_at"]).reset_index(
        drop=True)
    np.testing.assert_allclose(derived["free_testosterone"], _free_t_from_truth(truth),
                               rtol=1e-12, equal_nan=True)
    has_all = truth[["total_testosterone", "shbg", "albumin"]].notna().all(axis=1)
    assert derived["free_testosterone"].notna().sum() == has_all.sum() > 0


def test_values_are_converted_row_by_row_by_their_own_unit():
    raw = pd.DataFrame({"Patient ID": ["a"] * 4, "Test Code": ["2986-8", "14913-8", "1751-7",
                                                                "1751-7"],
                        "Result": ["288.4", "10.0", "4.3", "43"],
                        "Units": ["ng/dL", "nmol/L", "g/dL", "g/L"]})
    res = read_lab_results(raw)
    # 1 nmol/L = 28.84 ng/dL (S18); 4.3 g/dL = 43 g/L
    np.testing.assert_allclose(res["value"], [288.4 / 28.842, 10.0, 43.0, 43.0], rtol=1e-4)
    assert res["analyte"].tolist() == ["total_testosterone"] * 2 + ["albumin"] * 2
    assert res["raw_value"].tolist() == raw["Result"].tolist()
    assert res["raw_unit"].tolist() == raw["Units"].tolist()


def test_censored_and_flagged_cells_use_the_one_cell_parser():
    raw = pd.DataFrame({"patient_id": ["a", "a", "b"], "test": ["13967-5"] * 3,
                        "value": ["<0.5", ">180", "45 H"], "unit": ["nmol/L"] * 3})
    res = read_lab_results(raw, censored="lod")
    assert res["censored"].tolist() == ["<", ">", ""]
    assert res["value"].tolist() == [0.5, 180.0, 45.0]
    assert res["flag"].tolist()[2] == "H"
    lod = read_lab_results(raw)  # default policy: LOD / sqrt(2), as read_lab_export
    assert lod["value"].iloc[0] == pytest.approx(0.5 / np.sqrt(2))


def test_test_names_and_local_codes_are_mapped():
    raw = pd.DataFrame({"patient": ["a", "a", "a"], "test name": ["Testosterone", "SHBG", "X9"],
                        "result": ["15", "40", "1"], "units": ["nmol/L", "nmol/L", "U"]})
    res = read_lab_results(raw, test_map={"X9": "albumin"}, columns={"test name": "test"})
    assert res["analyte"].tolist() == ["total_testosterone", "shbg", "albumin"]
    assert res["status"].tolist()[:2] == ["used", "used"]
    assert res["status"].tolist()[2] == "reported"  # "U" is no unit of albumin


def test_test_map_from_a_csv_file(tmp_path):
    path = tmp_path / "map.csv"
    path.write_text("code,analyte\n90001,total_testosterone\n", encoding="utf-8")
    raw = pd.DataFrame({"subject_id": [1], "itemid": [90001], "value": ["15"],
                        "valueuom": ["nmol/L"]})
    assert read_lab_results(raw, test_map=path)["value"].tolist() == [15.0]


def test_input_frame_is_not_modified_and_dtypes_of_ids_are_kept():
    export = make_lab_results(10, seed=2, shape="mimic")
    copy = export.copy()
    res = read_lab_results(export, test_map=export.attrs["test_map"])
    pd.testing.assert_frame_equal(export, copy)
    assert str(res["patient_id"].dtype) == "Int64"


# --- the LOINC map --------------------------------------------------------------------

# ROUTINE_LAB_DATA.md section 1 (sources S1-S18 there): code -> (analyte, unit family).
NOTES_CODES = {
    "2986-8": ("total_testosterone", "mass"), "14913-8": ("total_testosterone", "molar"),
    "13967-5": ("shbg", "molar"), "1751-7": ("albumin", "mass"), "2862-1": ("albumin", "mass"),
    "2243-4": ("estradiol", "mass"), "14715-7": ("estradiol", "molar"),
    "2345-7": ("glucose", "mass"), "14749-6": ("glucose", "molar"),
    "1558-6": ("glucose", "mass"), "14771-0": ("glucose", "molar"),
    "20448-7": ("insulin", "activity"), "27873-9": ("insulin", "activity"),
    "2093-3": ("total_cholesterol", "mass"), "14647-2": ("total_cholesterol", "molar"),
    "2085-9": ("hdl_cholesterol", "mass"), "14646-4": ("hdl_cholesterol", "molar"),
    "18262-6": ("ldl_cholesterol", "mass"), "69419-0": ("ldl_cholesterol", "molar"),
    "13457-7": ("ldl_cholesterol", "mass"), "39469-2": ("ldl_cholesterol", "molar"),
    "2571-8": ("triglycerides", "mass"), "14927-8": ("triglycerides", "molar"),
    "2160-0": ("creatinine", "mass"), "14682-9": ("creatinine", "molar"),
    "33863-2": ("cystatin_c", "mass"), "4548-4": ("hba1c", "fraction"),
    "17856-6": ("hba1c", "fraction"), "59261-8": ("hba1c", "substance_fraction"),
}


def test_loinc_map_holds_the_codes_of_the_notes_and_every_analyte():
    table = _loinc.loinc_map().set_index("loinc")
    got = {c: (table.at[c, "analyte"], table.at[c, "unit_family"]) for c in table.index}
    assert got == NOTES_CODES
    for analyte in ("total_testosterone", "shbg", "albumin", "estradiol", "glucose", "insulin",
                    "total_cholesterol", "hdl_cholesterol", "ldl_cholesterol", "triglycerides",
                    "creatinine", "cystatin_c", "hba1c"):
        assert (table["analyte"] == analyte).any(), analyte
    assert table["source"].notna().all() and table["specimen"].notna().all()
    # the calculated/measured free T trap (S18) and the miscoded molar free T (S1): unmapped
    assert not {"2991-8", "96559-0", "14914-6", "49041-7"} & set(table.index)


def test_loinc_check_digits_are_valid():
    for code in _loinc.loinc_map()["loinc"]:
        number, digit = code.split("-")
        assert _loinc.loinc_check_digit(number) == int(digit), code
    assert _loinc.loinc_check_digit("2345") == 7  # glucose 2345-7 (LOINC Users' Guide)


def test_loinc_map_agrees_with_the_notes_table_when_present():
    notes = SHARED / "science" / "ROUTINE_LAB_DATA.md"
    if not notes.exists():
        pytest.skip("this test checks the transcription NOTES_CODES against the team's notes "
                    "(../shared/science/ROUTINE_LAB_DATA.md, not part of the project); the map "
                    "itself is checked against NOTES_CODES by the test above")
    section = notes.read_text(encoding="utf-8").split("## 2.")[0]
    quoted = set(re.findall(r"\|\s*(\d{4,6}-\d)\s*\|", section))
    free_t = {"2991-8", "14914-6", "103227-5", "96559-0", "2990-0", "6891-6"}
    assert quoted - free_t == set(NOTES_CODES)


def test_unit_family_of_units():
    assert _loinc.unit_family("mg/dL") == "mass" and _loinc.unit_family("µmol/L") == "molar"
    assert _loinc.unit_family("furlongs") is None


# --- bad input: every case reported per row or a clear error --------------------------

def _one(rows, **kw):
    base = {"patient_id": "p", "specimen_id": "s", "test": "2986-8", "value": "450",
            "unit": "ng/dL"}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    return read_lab_results(frame, **kw)


def test_unknown_test_codes_are_excluded_and_listed_with_counts():
    res = _one([{"test": "2951-2"}, {"test": "2951-2"}, {"test": "LOCAL7"}, {}])
    c = _law(res)
    assert c["excluded"] == 3 and c["used"] == 1
    assert res.attrs["unknown_tests"].values.tolist() == [["2951-2", 2], ["LOCAL7", 1]]
    assert set(res.attrs["report"]["reason"]) == {
        "unknown test code: not in test_map= or the LOINC map"}


@pytest.mark.parametrize(("cell", "reason"), [
    ("see comment", "not a number"), ("", "no result value"),
    ("ND", "a censored result without a number"), ("1,200", "ambiguous")])
def test_unparseable_values_are_reported(cell, reason):
    res = _one([{"value": cell}, {}])
    assert res["status"].tolist() == ["reported", "used"]
    entry = res.attrs["report"].iloc[0]
    assert entry["source_row"] == 0 and reason in entry["reason"] and entry["column"] == "value"
    assert np.isnan(res["value"].iloc[0])


def test_unknown_contradictory_and_clashing_units_are_reported():
    res = _one([{"unit": "furlongs"}, {"test": "2345-7", "value": "5.4", "unit": "mmol/L"},
                {"value": "15 nmol/L", "unit": "ng/dL"}, {"unit": ""}, {}])
    assert res["status"].tolist() == ["reported"] * 4 + ["used"]
    why = res.attrs["report"]["reason"].tolist()
    assert "unknown unit for testosterone" in why[0]
    assert "a molar unit, but the test's LOINC code is a mass concentration" in why[1]
    assert "correct one of them" in why[2]
    assert "fill in its unit, or pass units=" in why[3]
    filled = _one([{"unit": ""}], units={"total_testosterone": "ng/dL"})
    assert filled["status"].tolist() == ["used"]


def test_implausible_value_for_its_unit_is_reported_with_the_likely_unit():
    res = _one([{"value": "450", "unit": "nmol/L", "test": "14913-8"}, {}])
    assert res["status"].tolist() == ["reported", "used"]
    assert "if it is ng/dL, correct the unit" in res.attrs["report"]["reason"].iloc[0]
    with labstats.plausibility("warn"), pytest.warns(LabstatsWarning):
        kept = _one([{"value": "450", "unit": "nmol/L", "test": "14913-8"}])
    assert kept["status"].tolist() == ["used"]


def test_missing_patient_id_is_reported():
    res = _one([{"patient_id": None}, {"patient_id": " "}, {}])
    assert res["status"].tolist() == ["reported", "reported", "used"]
    assert res.attrs["report"]["reason"].tolist() == ["no patient id"] * 2


def test_withdrawn_results_are_excluded():
    res = _one([{"status": "W"}, {"status": "F"}, {"status": "d"}])
    assert res["status"].tolist() == ["excluded", "used", "excluded"]


def test_exact_duplicates_are_counted_not_dropped():
    res = _one([{"collected_at": "2024-01-01 08:00"}] * 3 + [{"value": "451"}])
    assert res["status"].tolist() == ["used", "duplicate", "duplicate", "used"]
    assert _law(res)["duplicates"] == 2


def test_times_in_mixed_formats_or_unreadable_are_listed_and_refused_by_window():
    with pytest.warns(LabstatsWarning, match=r"2 time\(s\) .*source_row 1: '02/01/2024 "
                      r"09:00'\) and were not read"):  # said, not only listed
        res = _one([{"collected_at": "2024-01-02 08:00"}, {"collected_at": "02/01/2024 09:00"},
                    {"collected_at": "yesterday"}, {"collected_at": ""}])
    assert res["status"].tolist() == ["used"] * 4  # a time is needed only to pair by time
    assert res.attrs["times"]["source_row"].tolist() == [1, 2]
    assert res["collected_at"].isna().tolist() == [False, True, True, True]
    with pytest.raises(ValueError, match=r"3 result\(s\) without collected_at .*source_row 1, "
                                         r"2, 3.*time_format="):
        pair_results(res, by="window")
    assert len(pair_results(res, by="specimen")) == 1
    fixed = _one([{"collected_at": "02/01/2024 09:00"}], time_format="%d/%m/%Y %H:%M")
    assert fixed["collected_at"].iloc[0] == pd.Timestamp("2024-01-02 09:00")


def test_timezone_aware_times_stay_aware():
    res = _one([{"collected_at": "2024-01-02T08:00:00+01:00"}])
    assert str(res["collected_at"].dt.tz) == "UTC+01:00"


def test_a_patient_in_several_files_of_a_folder_warns_and_is_paired(tmp_path):
    export = make_lab_results(30, seed=4, shape="mimic")
    half = len(export) // 2
    (tmp_path / "part").mkdir()
    _bare(export).iloc[:half].to_parquet(tmp_path / "part" / "a.parquet", index=False)
    _bare(export).iloc[half:].to_parquet(tmp_path / "part" / "b.parquet", index=False)
    with pytest.warns(LabstatsWarning, match=r"patient\(s\) have results in several files "
                                             r"of the folder \(e.g. 1000\d{4} in a.parquet"):
        res = read_lab_results(tmp_path / "part", test_map=export.attrs["test_map"])
    assert _law(res) == export.attrs["expected_counts"]
    assert set(res["source_file"].unique()) == {"a.parquet", "b.parquet"}
    assert len(res.attrs["split_patients"]) >= 1
    assert len(pair_results(res)) == len(export.attrs["truth"])


def test_folder_with_other_columns_or_no_parquet_is_an_error(tmp_path):
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "a.parquet")
    pd.DataFrame({"b": [1]}).to_parquet(tmp_path / "b.parquet")
    with pytest.raises(ValueError, match="are not those of"):
        read_lab_results(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="without Parquet files"):
        read_lab_results(tmp_path / "empty")


@pytest.mark.parametrize("reader", ["read_lab_results", "pair_export"])
def test_parts_that_disagree_or_a_truncated_part_are_refused_by_both_readers(tmp_path,
                                                                            reader):
    """The parts of a folder are one export: a truncated part, other columns, or a column
    of numbers in one part and of text in another (patient 10001 and "10001": two
    patients for pandas, one for DuckDB) are refused by name, by both readers alike;
    integers and floats, or a column of nulls, agree."""
    import labstats

    export = _bare(make_lab_results(30, seed=4, shape="mimic"))
    test_map = make_lab_results(30, seed=4, shape="mimic").attrs["test_map"]
    half = len(export) // 2
    read = getattr(labstats, reader)
    folder = tmp_path / "parts"
    folder.mkdir()
    export.iloc[:half].to_parquet(folder / "a.parquet", index=False)
    second = export.iloc[half:].copy()
    second["hadm_id"] = None  # a column of nulls (Arrow null): no value to disagree
    second["valuenum"] = second["valuenum"].astype("float32")
    second.to_parquet(folder / "b.parquet", index=False)
    with pytest.warns(LabstatsWarning, match="several files"):
        read(folder, test_map=test_map)
    for column in ("subject_id", "charttime"):
        bad = second.copy()
        bad[column] = bad[column].astype(str) if column == "subject_id" else \
            pd.to_datetime(bad[column])
        bad.to_parquet(folder / "b.parquet", index=False)
        kinds = "text.*numbers" if column == "subject_id" else "times.*text"
        with pytest.raises(ValueError, match=rf"b.parquet: column '{column}' holds {kinds}.*"
                                             rf"write '{column}' with one type in every part"):
            read(folder, test_map=test_map)
    data = (folder / "a.parquet").read_bytes()
    (folder / "b.parquet").write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match=r"b.parquet: cannot be read as a table .*is the file "
                                         r"complete\?"):
        read(folder, test_map=test_map)
    export.iloc[half:].rename(columns={"flag": "flags"}).to_parquet(folder / "b.parquet",
                                                                   index=False)
    with pytest.raises(ValueError, match="b.parquet: its columns .* are not those of"):
        read(folder, test_map=test_map)


def test_missing_required_column_names_the_keyword():
    with pytest.raises(ValueError, match=r"no column for test.*columns=\{HEADER: 'test'\}"):
        read_lab_results(pd.DataFrame({"patient_id": [1], "value": ["1"]}))
    with pytest.raises(ValueError, match="not a role"):
        read_lab_results(pd.DataFrame({"patient_id": [1], "x": ["1"]}), columns={"x": "nope"})
    with pytest.raises(ValueError, match="test_map: 'A' maps to 'sodium'"):
        read_lab_results(pd.DataFrame({"patient_id": [1]}), test_map={"A": "sodium"})


def test_excel_export_is_read(tmp_path):
    export = make_lab_results(8, seed=3)
    path = tmp_path / "export.xlsx"
    export.to_excel(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LabstatsWarning)
        res = read_lab_results(path)
    assert _law(res) == export.attrs["expected_counts"]


def test_no_unit_column_and_no_unit_in_the_cell_is_reported_not_a_crash():
    """An export without a unit column whose value cells carry no unit: those rows are
    reported (the value cell, with the units= fix), the others read (was KeyError 'unit')."""
    raw = pd.DataFrame({"patient_id": [1, 1, 2], "collected_at": ["2024-01-01 08:00"] * 3,
                        "test": ["2986-8", "2986-8", "2986-8"],
                        "value": ["450", "415 ng/dL", "12"]})
    res = labstats.read_lab_results(raw)
    assert res.attrs["counts"] == {"rows": 3, "used": 1, "reported": 2, "excluded": 0,
                                   "duplicates": 0}
    report = res.attrs["report"]
    assert report["source_row"].tolist() == [0, 2]
    assert set(report["column"]) == {"value"}
    assert report["reason"].str.contains("units=").all()
    assert res["value"].iloc[1] == pytest.approx(415 / 28.84, rel=1e-3)  # ng/dL -> nmol/L
    same = labstats.read_lab_results(raw, units={"total_testosterone": "ng/dL"})
    assert same.attrs["counts"]["used"] == 3


def test_headers_with_invisible_characters_are_recognised_by_both_readers(tmp_path):
    """A zero-width space, a BOM or a soft hyphen in a header (copied from a web page or a
    spreadsheet) left the column unrecognised: every unit then unknown, every row
    reported. Headers are matched by the one normalisation of both readers
    (``_labtext.norm_label``), as read_lab_export matches them."""
    from labstats.datasets import pair_export

    export = make_lab_results(20, seed=3, shape="lis")
    test_map = export.attrs.get("test_map")
    export.attrs = {}
    odd = export.rename(columns={"Units": "Units\u200b", "Patient ID": "\ufeffPatient ID",
                                 "Result": "Re\u00adsult"})
    want = read_lab_results(export, test_map=test_map)
    got = read_lab_results(odd, test_map=test_map)
    assert got.attrs["counts"] == want.attrs["counts"]
    assert got.attrs["counts"]["used"] > got.attrs["counts"]["reported"]
    pd.testing.assert_frame_equal(got, want)
    path = tmp_path / "odd.parquet"
    odd.to_parquet(path, index=False)
    assert pair_export(path, test_map=test_map).attrs["counts"]["read"] == want.attrs["counts"]
