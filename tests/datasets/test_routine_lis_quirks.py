"""Quirks of real LIS exports that read_lab_results must not get silently wrong.

Rules applied, with their sources:

- Result status (OBX-11), HL7 v2 table 0085: "C" is a correction that *replaces a final
  result*, "F" a final result (which replaces a preliminary "P"); "W", "D", "X" withdraw a
  result. Our notes (../shared/science/ROUTINE_LAB_DATA.md, section 3) draw the rule:
  "keep the latest C/F per (order, test) ... never average a correction with its
  original".
- Abnormal flags (OBX-8), HL7 v2 table 0078: "<" is "below absolute low-off instrument
  scale", ">" "above absolute high-off instrument scale": the number beside it is the
  limit of the scale, not the result (a censored result, as "<0.5" in the value cell).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labstats import LabstatsWarning
from labstats.datasets import pair_export, pair_results, read_lab_results


def _corrected_export():
    """One specimen: total T final 450 ng/dL corrected to 300; SHBG preliminary 40 then
    final 45; albumin final 4.3 and a deleted 4.0; a second specimen with one final each."""
    return pd.DataFrame({
        "Patient ID": ["p1"] * 6 + ["p2"] * 2,
        "Accession": ["A1"] * 6 + ["A2"] * 2,
        "Collected": ["2024-03-04 08:00"] * 6 + ["2024-03-05 09:00"] * 2,
        "Test Code": ["2986-8", "13967-5", "1751-7", "1751-7", "13967-5", "2986-8",
                      "2986-8", "13967-5"],
        "Result": ["450", "40", "4.3", "4.0", "45", "300", "500", "30"],
        "Units": ["ng/dL", "nmol/L", "g/dL", "g/dL", "nmol/L", "ng/dL", "ng/dL", "nmol/L"],
        "Result Status": ["F", "P", "F", "D", "F", "C", "F", "F"]})


def test_a_correction_replaces_the_final_result_and_a_final_the_preliminary():
    res = read_lab_results(_corrected_export())
    assert res["status"].tolist() == ["excluded", "excluded", "used", "excluded", "used",
                                      "used", "used", "used"]
    assert res.attrs["counts"] == {"rows": 8, "used": 5, "reported": 0, "excluded": 3,
                                   "duplicates": 0}
    report = res.attrs["report"].set_index("source_row")
    assert report.loc[0, "reason"].startswith("superseded: the corrected result (C) at row 5")
    assert report.loc[1, "reason"].startswith("superseded: the final result (F) at row 4")
    assert "table 0085" in report.loc[0, "reason"] and report.loc[0, "column"] == "Result Status"
    for repeats in ("first", "last", "mean", "nearest"):  # never the original, nor a mean
        draws = pair_results(res, repeats=repeats)
        assert draws["total_testosterone"].round(4).tolist() == [
            round(300 / 28.842, 4), round(500 / 28.842, 4)]
        assert draws["shbg"].tolist() == [45.0, 30.0]
        assert draws.attrs["counts"]["conflicts"] == 0


def test_statuses_replace_only_within_one_specimen_time_and_test():
    raw = _corrected_export()
    raw.loc[5, "Accession"] = "A9"  # the correction is of another specimen: nothing replaced
    raw.loc[4, "Collected"] = "2024-03-04 10:00"  # the final SHBG is of another time
    res = read_lab_results(raw)
    assert res["status"].tolist()[:6] == ["used", "used", "used", "excluded", "used", "used"]
    # lower case and blanks are read as the status they spell
    raw = _corrected_export().assign(**{"Result Status": [" f", "p", "F", "D", "F ", "c",
                                                          "F", "F"]})
    assert read_lab_results(raw)["status"].tolist()[:2] == ["excluded", "excluded"]


@pytest.mark.parametrize("written", ["2024-03-04 08:00:00", "2024-03-04T08:00", " 2024-03-04 08:00"])
def test_a_correction_replaces_a_result_of_the_same_time_written_another_way(written):
    """The correction's time written with seconds, a "T" or a blank (read as the same time:
    ``time_variants``) is still the final result's time: the correction replaces it (the
    time as written kept both, and "first" paired the superseded 450 ng/dL)."""
    raw = _corrected_export()
    raw.loc[5, "Collected"] = written
    res = read_lab_results(raw)
    assert res.loc[5, "collected_at"] == res.loc[0, "collected_at"]
    assert res["status"].tolist()[:6] == ["excluded", "excluded", "used", "excluded", "used",
                                          "used"]
    assert pair_results(res)["total_testosterone"].round(4).tolist()[0] == round(300 / 28.842, 4)
    # a time not read is compared as written: another text is another time
    raw.loc[5, "Collected"] = "04/03/2024 8:00 AM"
    with pytest.warns(LabstatsWarning, match="1 time"):
        res = read_lab_results(raw)
    assert res["status"].tolist()[:2] == ["used", "excluded"]


def test_without_specimen_or_time_a_patients_draws_are_not_told_apart():
    raw = _corrected_export().drop(columns=["Accession", "Collected"])
    res = read_lab_results(raw)
    assert (res["status"] != "excluded").sum() == 7  # only the deleted row is set aside


def test_pair_export_reads_replaced_results_as_in_memory(tmp_path):
    pytest.importorskip("duckdb")
    raw = _corrected_export()
    path = tmp_path / "export.parquet"
    raw.to_parquet(path, index=False)
    res = read_lab_results(path)
    want = pair_results(res)
    got = pair_export(path)
    # the SQL path reads a dictionary of cells without specimens: such an export is read
    # by the partitioned path, whole patients at a time
    assert got.attrs["counts"]["path"] == "partitioned"
    assert got.attrs["counts"]["read"] == res.attrs["counts"]
    assert got["total_testosterone"].round(4).tolist()[0] == round(300 / 28.842, 4)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_an_off_scale_flag_censors_the_number_beside_it():
    raw = pd.DataFrame({
        "Patient ID": ["p1", "p2", "p3", "p4", "p5", "p6"], "Test Code": "14913-8",
        "Result": ["0.5", "200", "<0.5", ">100", "<0.5", "4.2"], "Units": "nmol/L",
        "Abnormal Flag": ["<", " > ", "<", "<", ">", "H"]})
    res = read_lab_results(raw)
    # "0.5" flagged "<" is read as "<0.5" (LOD/sqrt2 by default), "200" flagged ">" as ">200"
    assert res["censored"].tolist() == ["<", ">", "<", "", "", ""]
    np.testing.assert_allclose(res["value"].to_numpy()[[0, 1, 2, 5]],
                               [0.5 / np.sqrt(2), 200, 0.5 / np.sqrt(2), 4.2])
    # a comparator on the other side than the flag: reported, naming the flag column
    assert res["status"].tolist() == ["used", "used", "used", "reported", "reported", "used"]
    report = res.attrs["report"].set_index("source_row")
    assert report.loc[3, "column"] == "Abnormal Flag" and "table 0078" in report.loc[3, "reason"]
    assert res["flag"].tolist()[:2] == ["<", ">"]
    # as the same value written "<0.5" in the cell, with every censoring policy
    same = read_lab_results(raw.assign(Result=["<0.5", ">200", "<0.5", ">100", "<0.5", "4.2"],
                                       **{"Abnormal Flag": None}), censored="lod/2")
    assert read_lab_results(raw, censored="lod/2")["value"].iloc[0] == same["value"].iloc[0]


def test_pair_export_reads_off_scale_flags_as_in_memory(tmp_path):
    pytest.importorskip("duckdb")
    raw = pd.DataFrame({"Patient ID": ["p1", "p1", "p2", "p2"],
                        "Accession": ["A1", "A1", "A2", "A2"],
                        "Test Code": ["14913-8", "13967-5", "14913-8", "13967-5"],
                        "Result": ["0.5", "30", "4.2", "250"], "Units": "nmol/L",
                        "Abnormal Flag": ["<", None, None, ">"]})
    path = tmp_path / "export.parquet"
    raw.to_parquet(path, index=False)
    want = pair_results(read_lab_results(path))
    got = pair_export(path)
    assert got.attrs["counts"]["path"] == "sql"
    assert got["total_testosterone_censored"].tolist() == ["<", ""]
    assert got["shbg_censored"].tolist() == ["", ">"]
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def _blank_specimens():
    """A CSV export where two results of one patient, months apart, have no accession: an
    empty cell (read as "", not as missing, since CSV text is kept as written)."""
    return ("Patient ID,Accession,Collected,Test Code,Result,Units\n"
            "p1,A1,2024-03-04 08:00,2986-8,450,ng/dL\n"
            "p1,A1,2024-03-04 08:00,13967-5,40,nmol/L\n"
            "p1,,2024-03-04 08:00,1751-7,4.3,g/dL\n"
            "p1, ,2024-06-04 08:00,2986-8,300,ng/dL\n")


def test_blank_specimen_ids_are_not_one_specimen(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(_blank_specimens())
    res = read_lab_results(path)
    assert res["specimen_id"].tolist() == ["A1", "A1", "", " "]  # as written
    # before: the albumin of March and the testosterone of June were one "draw"
    with pytest.raises(ValueError, match=r"2 result\(s\) without specimen_id \(missing or "
                       r"blank\) cannot be paired by 'specimen' \(source_row 2, 3\)"):
        pair_results(res)
    assert len(pair_results(res, by="window")) == 2  # the fix the error names


def test_pair_export_refuses_blank_specimen_ids_as_in_memory(tmp_path):
    pytest.importorskip("duckdb")
    raw = pd.read_csv(pd.io.common.StringIO(_blank_specimens()), dtype=str,
                      keep_default_na=False).iloc[[0, 1, 2]]
    raw.loc[2, "Patient ID"] = "p2"  # a draw of one result, at one time: built in SQL
    path = tmp_path / "export.parquet"
    raw.to_parquet(path, index=False)
    with pytest.raises(ValueError, match=r"1 result\(s\) without specimen_id \(missing or "
                       r"blank\) cannot be paired by 'specimen' \(source_row 2\)"):
        pair_results(read_lab_results(path))
    with pytest.raises(ValueError, match=r"1 result\(s\) without specimen_id \(missing or "
                       r"blank\) cannot be paired by 'specimen' \(source_row 2\)"):
        pair_export(path)


def test_statuses_written_as_words_are_read_as_their_letters(tmp_path):
    # FHIR R4 ObservationStatus codes and the names of HL7 v2 table 0085, as EHR extracts
    # write them: "Cancelled" and "entered-in-error" results were used before
    raw = pd.DataFrame({
        "Patient ID": ["p1", "p1", "p2", "p3", "p4", "p5", "p5"],
        "Accession": ["A1", "A1", "A2", "A3", "A4", "A5", "A5"],
        "Test Code": "2986-8", "Units": "ng/dL",
        "Result": ["450", "300", "500", "510", "520", "530", "540"],
        "Result Status": ["Final", "Corrected", "Cancelled", "entered-in-error", "DELETED",
                          "preliminary", " final "]})
    res = read_lab_results(raw)
    assert res["status"].tolist() == ["excluded", "used", "excluded", "excluded", "excluded",
                                      "excluded", "used"]
    reasons = res.attrs["report"].set_index("source_row")["reason"]
    assert reasons[2] == "result withdrawn: could not be obtained (X)"
    assert reasons[3] == "result withdrawn: posted to the wrong patient or test (W)"
    assert reasons[4] == "result withdrawn: deleted (D)"
    assert reasons[5].startswith("superseded: the final result (F) at row 6")
    # pair_export: withdrawn rows are set aside on its dictionary of cells (SQL path)
    path = tmp_path / "export.parquet"
    raw.iloc[[2, 3, 4, 6]].to_parquet(path, index=False)  # no replacing statuses: SQL
    got = pair_export(path)
    assert got.attrs["counts"]["path"] == "sql"
    assert got.attrs["counts"]["read"]["excluded"] == 3
    pd.testing.assert_frame_equal(got, pair_results(read_lab_results(path)), check_exact=True)


def _rerun_with_seconds():
    """A draw at 08:00 and the rerun of its total T at 10:30:15: LIS clocks write the
    seconds of some times only (ISO 8601 lets them be left out)."""
    return pd.DataFrame({
        "Patient ID": ["p1", "p1", "p1", "p2"], "Accession": ["A1", "A1", "A1", "A2"],
        "Collected": ["2024-03-04 08:00", "2024-03-04 08:00", "2024-03-04 10:30:15",
                      "2024-03-05 09:00:00"],
        "Test Code": ["2986-8", "13967-5", "2986-8", "2986-8"],
        "Result": ["450", "40", "300", "500"], "Units": ["ng/dL", "nmol/L", "ng/dL", "ng/dL"]})


def test_times_with_and_without_seconds_are_read_alike(tmp_path):
    res = read_lab_results(_rerun_with_seconds())
    assert res["collected_at"].tolist() == [pd.Timestamp(t) for t in (
        "2024-03-04 08:00", "2024-03-04 08:00", "2024-03-04 10:30:15", "2024-03-05 09:00")]
    assert len(res.attrs["times"]) == 0
    # before: the rerun's time was not read (NaT), sorted first, and taken as the first
    first = pair_results(res, repeats="first")
    last = pair_results(res, repeats="last")
    assert first["total_testosterone_source_row"].tolist() == [0, 3]
    assert last["total_testosterone_source_row"].tolist() == [2, 3]
    assert len(pair_results(res, by="window", window="1D")) == 2  # no time refused
    # a format given with seconds reads times without them too; another format does not
    res = read_lab_results(_rerun_with_seconds(), time_format="%Y-%m-%d %H:%M:%S")
    assert res["collected_at"].notna().all()
    raw = _rerun_with_seconds().assign(Collected=["2024-03-04 08:00", "2024-03-04",
                                                  "04/03/2024 08:00", "2024-03-05 09:00"])
    with pytest.warns(LabstatsWarning, match=r"2 time\(s\) .*source_row 1: '2024-03-04'"):
        assert read_lab_results(raw).attrs["times"]["source_row"].tolist() == [1, 2]
    # ISO 8601's "T" or RFC 3339's space (section 5.6) between date and time: one format
    raw = _rerun_with_seconds().assign(Collected=["2024-03-04T08:00", "2024-03-04 08:00",
                                                  "2024-03-04 10:30:15", "2024-03-05T09:00"])
    res = read_lab_results(raw)
    assert len(res.attrs["times"]) == 0
    assert res["collected_at"].iloc[[1, 3]].tolist() == [pd.Timestamp("2024-03-04 08:00"),
                                                         pd.Timestamp("2024-03-05 09:00")]
    pytest.importorskip("duckdb")
    path = tmp_path / "export.parquet"
    _rerun_with_seconds().to_parquet(path, index=False)
    for repeats in ("first", "last"):
        got = pair_export(path, repeats=repeats)
        want = pair_results(read_lab_results(path), repeats=repeats)
        assert got.attrs["counts"]["path"] == "sql"
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert got["collected_at"].notna().all()


def test_an_id_written_as_a_number_and_as_text_is_refused(tmp_path):
    # a spreadsheet column typed cell by cell: 7 (a number) and "7" (text) are different
    # values, so patient 7's SHBG was paired as another patient's, silently
    raw = pd.DataFrame({"Patient ID": [7, "7", 7], "Accession": ["A1", "A1", "A1"],
                        "Test Code": ["2986-8", "13967-5", "1751-7"],
                        "Result": ["450", "40", "4.3"], "Units": ["ng/dL", "nmol/L", "g/dL"]})
    with pytest.raises(ValueError, match=r"column 'Patient ID' holds the id '7' both as a "
                       r"number and as text \(7 at row 0, '7' at row 1\): its results would "
                       r"be paired as two patients.*astype\('string'\)\.str\.strip\(\)"):
        read_lab_results(raw)
    path = tmp_path / "export.xlsx"
    raw.assign(Accession=[100, "100", 100], **{"Patient ID": "p1"}).to_excel(path, index=False)
    with pytest.raises(ValueError, match=r"'Accession' holds the id '100' .* two specimens"):
        read_lab_results(path)
    # numbers and text that name different ids, and 7 and 7.0 (one value), are read
    fine = raw.assign(**{"Patient ID": [7, "A7", 7.0]})
    assert fine.pipe(read_lab_results).attrs["counts"]["used"] == 3
    assert pair_results(raw.assign(**{"Patient ID": [7, 7.0, 7]}).pipe(
        read_lab_results))["n_results"].tolist() == [3]


def _two_rows(first, second):
    """A CSV export of one draw whose two rows write patient and accession as given."""
    return ("Patient ID,Accession,Test Code,Result,Units\n"
            f"{first[0]},{first[1]},2986-8,450,ng/dL\n{second[0]},{second[1]},13967-5,40,nmol/L\n")


@pytest.mark.parametrize(("first", "second", "match"), [
    # a fixed-width LIS field padded in one feed and not in another
    (("001", "A1"), ("001", "A1 "), r"column 'Accession' holds the id 'A1' with different "
     r"blanks around it \('A1' at row 0, 'A1 ' at row 1\): its results would be paired as "
     r"two specimens"),
    ((" 001", "A1"), ("001", "A1"), r"'Patient ID' holds the id '001' .*two patients"),
    # a no-break space (U+00A0, Excel's padding): RE2's \s is ASCII, so the check that
    # looks for padded ids found none and the two spellings were two patients
    (("\u00a0001", "A1"), ("001", "A1"), r"'Patient ID' holds the id '001' .*two patients"),
    # a CSV put together from a frame whose ids were floats ("10001.0") and one of text
    (("10001", "A1"), ("10001.0", "A1"), r"'Patient ID' holds the id '10001' with and "
     r"without a decimal '\.0' \('10001' at row 0, '10001\.0' at row 1\).*"
     r"removesuffix\('\.0'\)"),
])
def test_an_id_written_two_ways_in_text_is_refused(tmp_path, first, second, match):
    # one patient and one specimen, paired as two before
    path = tmp_path / "export.csv"
    path.write_text(_two_rows(first, second))
    with pytest.raises(ValueError, match=match):
        read_lab_results(path)


@pytest.mark.parametrize("by", ["specimen", "window"])
@pytest.mark.parametrize(("first", "second", "match"), [
    (("001", "A1"), ("001", "A1 "), r"column 'Accession' holds the id 'A1' with different "
     r"blanks around it \('A1' at row 0, 'A1 ' at row 1\)"),
    (("001", "A1"), ("001", "A1\u00a0"), r"column 'Accession' holds the id 'A1' with "
     r"different blanks around it"),
    (("10001", "A1"), ("10001.0", "A1"), r"'Patient ID' holds the id '10001' with and "
     r"without a decimal '\.0' \('10001' at row 0, '10001\.0' at row 1\)"),
])
def test_pair_export_refuses_an_id_written_two_ways_in_two_parts(tmp_path, by, first,
                                                                 second, match):
    # each spelling in a part of its own (a feed padded, another not): the partitions by
    # patient, or the SQL groups, kept them apart as two patients or specimens, silently
    pytest.importorskip("duckdb")
    raw = pd.read_csv(pd.io.common.StringIO(_two_rows(first, second)), dtype=str,
                      keep_default_na=False)
    folder = tmp_path / "export"
    folder.mkdir()
    raw.iloc[[0]].to_parquet(folder / "a.parquet", index=False)
    raw.iloc[[1]].to_parquet(folder / "b.parquet", index=False)
    with pytest.raises(ValueError, match=match):
        read_lab_results(folder)
    with pytest.raises(ValueError, match=match):
        pair_export(folder, by=by, rows_per_partition=1)  # (one row per partition)


def test_dask_refuses_an_id_written_two_ways_in_two_partitions():
    dd = pytest.importorskip("dask.dataframe")
    nbsp = pd.DataFrame({"Patient ID": ["p0", "001", "p2", "001\u00a0"],  # (RE2: not \s)
                         "Accession": ["B0", "A1", "B2", "A3"], "Test Code": "2986-8",
                         "Result": "450", "Units": "ng/dL"})
    with pytest.raises(ValueError, match=r"'Patient ID' holds the id '001' with different "):
        read_lab_results(dd.from_pandas(nbsp, npartitions=2, sort=False)).compute()
    raw = pd.DataFrame({"Patient ID": ["p0", "001", "p2", "001 ", "p4", "p5"],
                        "Accession": ["B0", "A1", "B2", "A3", "B4", "B5"],
                        "Test Code": "2986-8", "Result": "450", "Units": "ng/dL"})
    with pytest.raises(ValueError, match=r"'Patient ID' holds the id '001' with different "
                                         r"blanks around it \('001' at row 1, '001 ' at row 3\)"):
        read_lab_results(raw)
    parts = dd.from_pandas(raw, npartitions=2, sort=False)  # rows 0-2 and 3-5
    assert parts.npartitions == 2
    with pytest.raises(ValueError, match=r"'Patient ID' holds the id '001' with different "
                                         r"blanks around it \('001' at row 1, '001 ' at row 3\)"):
        read_lab_results(parts)
    import dask

    mixed = raw.assign(**{"Patient ID": pd.Series([0, 1, 2, "1", "x4", "x5"], dtype=object)})
    with dask.config.set({"dataframe.convert-string": False}):  # (else Dask makes 1 "1")
        with pytest.raises(ValueError, match=r"'Patient ID' holds the id '1' both as a "
                                             r"number and as text \(1 at row 1, '1' at row 3\)"):
            read_lab_results(dd.from_pandas(mixed, npartitions=2, sort=False))
        # numbers and text that never meet are read
        fine = raw.assign(**{"Patient ID": pd.Series([0, 1, 2, "a1", "x4", "x5"],
                                                     dtype=object)})
        got = read_lab_results(dd.from_pandas(fine, npartitions=2, sort=False)).compute()
    assert len(got) == 6


def test_ids_written_one_way_are_read():
    # ids padded alike (a CHAR field), and blank ids (no id: reported), are read
    raw = pd.DataFrame({"Patient ID": ["001 ", "001 ", " ", ""], "Accession": "A1",
                        "Test Code": ["2986-8", "13967-5", "2986-8", "2986-8"],
                        "Result": ["450", "40", "400", "400"],
                        "Units": ["ng/dL", "nmol/L", "ng/dL", "ng/dL"]})
    res = read_lab_results(raw)
    assert res["status"].tolist() == ["used", "used", "reported", "reported"]
    assert pair_results(res)["n_results"].tolist() == [2]
    # ids that all end in ".0", or decimals that are not ".0", are ids as written
    raw = pd.DataFrame({"Patient ID": ["1.0", "2.0", "1.5", "1.50"], "Test Code": "2986-8",
                        "Result": "450", "Units": "ng/dL"})
    assert read_lab_results(raw).attrs["counts"]["used"] == 4


def test_dask_reads_replaced_results_as_in_memory():
    dd = pytest.importorskip("dask.dataframe")
    raw = _corrected_export()
    raw = pd.concat([raw, raw.assign(**{"Patient ID": raw["Patient ID"] + "x"})],
                    ignore_index=True)  # patients spread over the partitions
    res = read_lab_results(raw)
    lazy = read_lab_results(dd.from_pandas(raw, npartitions=3))
    got = lazy.compute(scheduler="sync").sort_values("source_row")
    assert got["status"].tolist() == res["status"].tolist()
    assert (got["status"] == "excluded").sum() == 6  # 2 x (F, P replaced; D withdrawn)
    draws = pair_results(lazy).compute(scheduler="sync")
    want = pair_results(res)
    assert sorted(draws["total_testosterone"].round(6)) == sorted(
        want["total_testosterone"].round(6))


def _reused_accession():
    """Accession 0001 of p1 in January 2024 and again in March 2025 (a daily sequence
    number, recycled), an add-on albumin without a time; p2's specimen rerun 2 h later."""
    return pd.DataFrame({
        "Patient ID": ["p1"] * 5 + ["p2"] * 2, "Accession": ["0001"] * 5 + ["B7"] * 2,
        "Collected": ["2024-01-02 08:00", "2024-01-02 08:00", "2025-03-04 09:00",
                      "2025-03-04 09:00", "", "2024-05-06 08:00", "2024-05-06 10:00"],
        "Test Code": ["2986-8", "13967-5", "2986-8", "1751-7", "1751-7", "2986-8", "2986-8"],
        "Result": ["450", "40", "300", "4.3", "4.1", "500", "520"],
        "Units": ["ng/dL", "nmol/L", "ng/dL", "g/dL", "g/dL", "ng/dL", "ng/dL"]})


def test_a_specimen_id_reused_for_a_later_draw_is_two_draws(tmp_path):
    res = read_lab_results(_reused_accession())
    draws = pair_results(res)
    # before: one "draw" of the 2024 testosterone and SHBG with the 2025 albumin
    assert draws["specimen_id"].tolist() == ["0001", "0001", "B7"]
    assert draws["collected_at"].tolist() == [pd.Timestamp(t) for t in (
        "2024-01-02 08:00", "2025-03-04 09:00", "2024-05-06 08:00")]
    assert draws["shbg"].iloc[0] == 40.0 and np.isnan(draws["shbg"].iloc[1])
    assert draws["albumin"].tolist()[:2] == [41.0, 43.0]  # the untimed one: the first
    assert draws["total_testosterone_source_row"].tolist() == [0, 2, 5]
    # a rerun within the window stays one draw (a conflict, resolved by repeats=)
    assert draws["n_results"].tolist() == [3, 2, 1] and draws.attrs["counts"]["conflicts"] == 1
    assert len(pair_results(res, window="500D")) == 2
    pytest.importorskip("duckdb")
    path = tmp_path / "export.parquet"
    _reused_accession().to_parquet(path, index=False)
    got = pair_export(path)
    assert got.attrs["counts"]["path"] == "sql"
    pd.testing.assert_frame_equal(got, pair_results(read_lab_results(path)), check_exact=True)


def test_text_after_the_number_that_is_no_unit_is_named_as_such():
    # footnote markers, ranges and trailing comparators were reported as "in unit '¹'"
    vals = ["4.2¹", "4.2 - 5.0", "0.5 <", "4.2 [1]", "4.2 ng/dL", "4.2 H"]
    raw = pd.DataFrame({"Patient ID": [f"p{i}" for i in range(len(vals))],
                        "Test Code": "14913-8", "Result": vals, "Units": "nmol/L"})
    res = read_lab_results(raw)
    assert res["status"].tolist() == ["reported"] * 5 + ["used"]
    report = res.attrs["report"].set_index("source_row")
    for row, text in enumerate(["¹", "- 5.0", "<", "[1]"]):
        assert report.loc[row, "reason"].startswith(
            f"text {text!r} after the number is neither a unit of total_testosterone nor a "
            f"result flag")
        assert report.loc[row, "column"] == "Result"
    # a unit that differs from the unit column's, named by the export's own header
    assert report.loc[4, "reason"] == ("in unit 'ng/dL', but column 'Units' says 'nmol/L'; "
                                       "correct one of them")


def test_no_break_spaces_are_blanks_around_comparators_units_and_flags():
    # spreadsheets and web pages write U+00A0 / U+202F between "<" and the number, or
    # between the number and its flag: "4.2\u00a0H" was reported as "text 'H' ..."
    vals = ["<\u00a00.5", "4.2\u00a0H", "4.2\u202fnmol/L", "4.2\u00a0nmol/L\u00a0H",
            "4.2\u00a0(H)", "\u00a04.2\u00a0"]
    raw = pd.DataFrame({"Patient ID": [f"p{i}" for i in range(len(vals))],
                        "Test Code": "14913-8", "Result": vals, "Units": "nmol/L"})
    res = read_lab_results(raw)
    assert res["status"].tolist() == ["used"] * 6
    assert res["censored"].tolist() == ["<", "", "", "", "", ""]
    assert res["flag"].fillna("").tolist() == ["", "H", "", "H", "(H)", ""]
    np.testing.assert_allclose(res["value"], [0.5 / np.sqrt(2)] + [4.2] * 5)


def test_a_look_alike_of_a_digit_or_minus_is_named():
    vals = ["\u22123", "\uff14.\uff12", "positive"]  # U+2212 minus, full-width digits
    raw = pd.DataFrame({"Patient ID": ["p1", "p2", "p3"], "Test Code": "14913-8",
                        "Result": vals, "Units": "nmol/L"})
    reasons = read_lab_results(raw).attrs["report"]["reason"].tolist()
    assert reasons == ["not a number: it holds a minus sign U+2212 (write '-')",
                       "not a number: it holds full-width digits (write 0-9)", "not a number"]

