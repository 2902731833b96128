"""The DuckDB SQL path of pair_export (labstats._engines_sql, by="specimen") equals the pandas
path row for row: ``pair_results(read_lab_results(...))`` gives the same draws (values,
censoring, provenance, dtypes), the same counts, the same unknown test codes and the same
per-row report, on the MIMIC and LIS shapes of make_lab_results and on exports edited to
hold what the SQL path treats apart (duplicates across specimens, a draw at several times,
unreadable or missing times, times as timestamps or in a day-first format, no time column).
The truth of the synthetic exports is checked against pairing in test_routine_pairing.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from labstats.datasets import make_lab_results, pair_export, pair_results, read_lab_results

pytest.importorskip("duckdb")

TIME = {"lis": "Collected", "mimic": "charttime"}
SPECIMEN = {"lis": "Accession", "mimic": "specimen_id"}
VALUE = {"lis": "Result", "mimic": "value"}


def _export(shape, n=200, seed=7):
    export = make_lab_results(n, seed=seed, shape=shape)
    test_map = export.attrs.get("test_map")
    export.attrs = {}
    return export, test_map


def _write(tmp_path, export, parts=1):
    if parts == 1:
        path = tmp_path / "export.parquet"
        export.to_parquet(path, index=False)
        return path
    path = tmp_path / "folder"
    path.mkdir()
    step = -(-len(export) // parts)
    for k in range(parts):
        export.iloc[k * step:(k + 1) * step].to_parquet(path / f"part{k}.parquet", index=False)
    return path


def _memory_report(res):
    """The in-memory report without the rows of unknown test codes (counted per code)."""
    report = res.attrs["report"]
    unknown = (res["analyte"].isna() & res["test"].notna()).to_numpy()
    report = report[~unknown[report["source_row"].to_numpy(dtype=np.int64)]]
    return report.assign(value=report["value"].astype("string")).reset_index(drop=True)


def _same(tmp_path, path, test_map, read=None, **kw):
    """pair_export's SQL path == pair_results(read_lab_results(...)): draws, counts, report
    (``read``: read_lab_results' keywords, for both)."""
    read = read or {}
    with warnings.catch_warnings(record=True) as memory_warnings:
        warnings.simplefilter("always")
        res = read_lab_results(path, test_map=test_map, **read)
        want = pair_results(res, by="specimen", **kw)
    report = tmp_path / "report.parquet"
    with warnings.catch_warnings(record=True) as sql_warnings:
        warnings.simplefilter("always")
        got = pair_export(path, test_map=test_map, report=report, rows_per_partition=300,
                          overwrite=True, **read, **kw)  # (called several times by a test)
    counts = got.attrs["counts"]
    assert counts["path"] == "sql"
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert counts["read"] == res.attrs["counts"]
    assert counts["pair"] == want.attrs["counts"]
    assert counts["unknown_tests"] == dict(res.attrs["unknown_tests"].values.tolist())
    read = counts["read"]
    assert read["used"] + read["reported"] + read["excluded"] + read["duplicates"] == read["rows"]
    pd.testing.assert_frame_equal(pd.read_parquet(report), _memory_report(res),
                                  check_dtype=False)
    split = [str(w.message) for w in memory_warnings if "several files" in str(w.message)]
    assert [str(w.message) for w in sql_warnings if "several files" in str(w.message)] == split
    return got, res


@pytest.mark.parametrize("shape", ["lis", "mimic"])
@pytest.mark.parametrize("repeats", ["first", "last", "mean", "nearest"])
def test_sql_path_equals_the_pandas_path(tmp_path, shape, repeats):
    export, test_map = _export(shape)
    got, res = _same(tmp_path, _write(tmp_path, export), test_map, repeats=repeats)
    c = res.attrs["counts"]
    # the export holds what the path must carry: censored values, mixed units, duplicates,
    # reruns, reported and excluded rows
    assert c["reported"] > 0 and c["excluded"] > 0 and c["duplicates"] > 0
    assert got.attrs["counts"]["pair"]["conflicts"] > 0
    assert (got.filter(like="_censored") == "<").any().any()
    assert res.loc[res["analyte"] == "total_testosterone", "raw_unit"].nunique() > 1


def _cross_specimen_duplicate(export, shape):
    """A used row copied into a new specimen of the same patient at the same time, and a
    second specimen at the time of another draw with a different value."""
    first = export.iloc[[0]].copy()
    spec = SPECIMEN[shape]
    first[spec] = first[spec].astype(str) + "9" if shape == "lis" else first[spec] + 10**7
    other = export.iloc[[1]].copy()
    other[spec] = other[spec].astype(str) + "8" if shape == "lis" else other[spec] + 2 * 10**7
    other[VALUE[shape]] = "1.1" if shape == "lis" else "1.1"
    return pd.concat([export, first, other], ignore_index=True)


def _several_times(export, shape):
    """A draw whose results were collected at two times (one an hour later)."""
    out = export.copy()
    t = pd.to_datetime(out[TIME[shape]])
    fmt = "%Y-%m-%d %H:%M" if shape == "lis" else "%Y-%m-%d %H:%M:%S"
    out.loc[2, TIME[shape]] = (t[2] + pd.Timedelta("1h")).strftime(fmt)
    return out


def _unread_times(export, shape):
    """A time that is not a time, an empty time and a missing time, in three draws."""
    out = export.copy()
    out.loc[5, TIME[shape]] = "not a time"
    out.loc[9, TIME[shape]] = "  "
    out.loc[14, TIME[shape]] = None
    return out


def _padded_time(export, shape):
    """A time written with a space before it: two texts of one time."""
    out = export.copy()
    out.loc[3, TIME[shape]] = " " + out.loc[3, TIME[shape]]
    return out


def _day_first(export, shape):
    """Times written day first ("31/01/2020 09:30"): their order as text is not in time."""
    out = export.copy()
    out[TIME[shape]] = pd.to_datetime(out[TIME[shape]]).dt.strftime("%d/%m/%Y %H:%M")
    return out


def _timestamps(export, shape):
    out = export.copy()
    out[TIME[shape]] = pd.to_datetime(out[TIME[shape]])
    return out


EDITS = {"cross_specimen_duplicate": _cross_specimen_duplicate,
         "several_times": _several_times, "unread_times": _unread_times,
         "padded_time": _padded_time, "day_first": _day_first, "timestamps": _timestamps,
         "no_times": lambda export, shape: export.drop(columns=TIME[shape])}


@pytest.mark.parametrize("shape", ["lis", "mimic"])
@pytest.mark.parametrize("edit", list(EDITS))
def test_sql_path_on_edited_exports(tmp_path, shape, edit):
    export, test_map = _export(shape, n=60, seed=3)
    export = EDITS[edit](export, shape)
    for repeats in ("first", "mean"):
        _same(tmp_path, _write(tmp_path, export), test_map, repeats=repeats)


def _offsets(export, shape):
    """Times written as an ISO 8601 / FHIR export from Berlin writes them: with the UTC
    offset of their day ("+01:00" in winter, "+02:00" in summer); unread times kept."""
    out = export.copy()
    clock = pd.to_datetime(out[TIME[shape]], errors="coerce")
    text = clock.dt.tz_localize("Europe/Berlin").dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    out[TIME[shape]] = (text.str[:-2] + ":" + text.str[-2:]).where(clock.notna(),
                                                                    out[TIME[shape]])
    return out


@pytest.mark.parametrize("shape", ["lis", "mimic"])
@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_sql_path_reads_times_of_several_offsets_with_time_zone(tmp_path, shape, zone,
                                                                monkeypatch):
    """Before: refused ("Mixed timezones"), as by read_lab_results. The texts are parsed
    once each, as instants in ``zone``, also a chunk of 5 texts at a time."""
    from labstats import _engines_sql

    export, test_map = _export(shape, n=60, seed=3)
    export = _offsets(_unread_times(_several_times(export, shape), shape), shape)
    assert set(export[TIME[shape]].dropna().str[-6:]) >= {"+01:00", "+02:00"}
    path = _write(tmp_path, export)
    for repeats in ("first", "mean"):
        got, res = _same(tmp_path, path, test_map, read={"time_zone": zone},
                         repeats=repeats)
        assert str(got["collected_at"].dtype.tz) == zone
    monkeypatch.setattr(_engines_sql.Export.time_table, "__defaults__", (None, 5))
    _same(tmp_path, _write(tmp_path, export, parts=2), test_map, read={"time_zone": zone})


def test_a_folder_warns_of_patients_in_several_files(tmp_path):
    export, test_map = _export("mimic", n=80)
    path = _write(tmp_path, export, parts=3)
    with pytest.warns(UserWarning, match="several files"):
        pair_export(path, test_map=test_map)
    got, _ = _same(tmp_path, path, test_map, repeats="last")
    out = tmp_path / "draws.parquet"
    with pytest.warns(UserWarning, match="several files"):
        counts = pair_export(path, out, test_map=test_map, repeats="last")
    written = pd.read_parquet(out).sort_values(["patient_id", "collected_at"], kind="stable",
                                               ignore_index=True)
    pd.testing.assert_frame_equal(written, got, check_dtype=False)
    assert counts["path"] == "sql" and counts["read"] == got.attrs["counts"]["read"]


def test_missing_specimen_ids_are_refused_as_by_pair_results(tmp_path):
    export, test_map = _export("lis", n=40)
    export.loc[[0, 1], "Accession"] = None  # testosterone and SHBG of the first draw
    path = _write(tmp_path, export)
    with pytest.raises(ValueError) as memory:
        pair_results(read_lab_results(path, test_map=test_map))
    with pytest.raises(ValueError) as sql:
        pair_export(path, test_map=test_map)
    assert str(sql.value) == str(memory.value)


def test_pairing_by_window_takes_the_partitioned_path_and_typed_zones_the_sql_path(tmp_path):
    export, test_map = _export("lis", n=40)
    path = _write(tmp_path, export)
    assert pair_export(path, test_map=test_map, by="window").attrs["counts"]["path"] == \
        "partitioned"
    export["Collected"] = pd.to_datetime(export["Collected"]).dt.tz_localize("Europe/Paris")
    path = tmp_path / "tz.parquet"
    export.to_parquet(path, index=False)
    got = pair_export(path, test_map=test_map)  # (the partitioned path before)
    assert got.attrs["counts"]["path"] == "sql"  # (test_routine_sql_typed_zones.py)
    pd.testing.assert_frame_equal(got, pair_results(read_lab_results(path, test_map=test_map)))


def test_an_export_without_used_results_or_without_rows(tmp_path):
    export, test_map = _export("mimic", n=20)
    only_unknown = export[export["itemid"] == 90004]  # sodium: a test labstats does not use
    got, _ = _same(tmp_path, _write(tmp_path, only_unknown), test_map)
    assert got.empty and got.attrs["counts"]["unknown_tests"] == {"90004": len(only_unknown)}
    path = _write(tmp_path, export.iloc[:0])
    with pytest.raises(ValueError) as memory:
        read_lab_results(path, test_map=test_map)
    with pytest.raises(ValueError) as sql:
        pair_export(path, test_map=test_map)
    assert str(sql.value) == str(memory.value)


@pytest.mark.parametrize("shape", ["lis", "mimic"])
def test_analytes_chosen_and_ordered(tmp_path, shape):
    """Analytes given: a subset, in another order, one absent (a column of NaN); the
    other analytes' rows still count as read (duplicates included) but are not paired."""
    export, test_map = _export(shape, n=80)
    for repeats in ("first", "last"):
        got, _ = _same(tmp_path, _write(tmp_path, export), test_map, repeats=repeats,
                       analytes=["shbg", "total_testosterone", "estradiol"])
        assert list(got.columns[5:8]) == ["shbg", "shbg_censored", "shbg_source_row"]
        assert got["estradiol"].isna().all()


@pytest.mark.parametrize("options", [{"censored": "nan"}, {"censored": "lod"},
                                     {"decimal": "."}])
def test_read_options_reach_the_reader(tmp_path, options):
    """read_lab_results' keywords go to the one reader of the dictionary (censored="nan":
    used results without a value, paired as NaN)."""
    export, test_map = _export("lis", n=100, seed=9)
    path = _write(tmp_path, export)
    for repeats in ("first", "mean"):
        want = pair_results(read_lab_results(path, test_map=test_map, **options),
                            repeats=repeats)
        got = pair_export(path, test_map=test_map, repeats=repeats, rows_per_partition=200,
                          **options)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert got.attrs["counts"]["pair"] == want.attrs["counts"]


@pytest.mark.parametrize("shape", ["lis", "mimic"])
@pytest.mark.parametrize("edit", ["unread_times", "padded_time", "day_first"])
def test_time_texts_parsed_in_chunks_read_as_all_at_once(tmp_path, shape, edit, monkeypatch):
    """The distinct time texts are parsed a chunk at a time (memory bounded): chunks of 5
    texts, each read in the format of the export's first time, give the same draws."""
    from labstats import _engines_sql

    monkeypatch.setattr(_engines_sql.Export.time_table, "__defaults__", (None, 5))
    export, test_map = _export(shape, n=60, seed=3)
    export = EDITS[edit](export, shape)
    assert export[TIME[shape]].nunique() > 5 * 3
    _same(tmp_path, _write(tmp_path, export), test_map, repeats="first")


def test_a_patient_split_across_files_only_in_draws_paired_by_pandas(tmp_path):
    """The split-patient warning also sees the other draws (here a patient with a draw at
    two times, so all its draws are paired by pandas), whose kept rows are in two files."""
    export, test_map = _export("mimic", n=40)
    export = _several_times(export, "mimic")
    mine = np.flatnonzero((export["subject_id"] == export.loc[2, "subject_id"]).fillna(False))
    moved = export.index.isin(mine[len(mine) // 2:])
    path = tmp_path / "folder"
    path.mkdir()
    export[~moved].to_parquet(path / "a.parquet", index=False)
    export[moved].to_parquet(path / "b.parquet", index=False)
    with pytest.warns(UserWarning, match=r"1 patient\(s\) have results in several files"):
        read_lab_results(path, test_map=test_map)
    _same(tmp_path, path, test_map, repeats="first")  # the same warning


@pytest.mark.parametrize("shape", ["lis", "mimic"])
@pytest.mark.parametrize("derive", [False, True])
def test_written_draws_are_the_frame_of_draws_as_pyarrow_writes_it(tmp_path, shape, derive):
    """The simple draws are built as Arrow tables, not as frames: the file holds what
    pyarrow writes of the frame pair_results (and derive) give: the same types, pandas
    metadata and values, row for row. The folder holds a range of patients per file
    (no patient in two files: no warning, as read_lab_results gives none)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from labstats.datasets import derive as derive_values

    export, test_map = _export(shape, n=300, seed=3)
    pid = "subject_id" if shape == "mimic" else export.columns[0]
    ids = np.sort(export[pid].dropna().unique())
    low = (export[pid] <= ids[len(ids) // 2]).fillna(False).to_numpy(dtype=bool)
    path = tmp_path / "folder"
    path.mkdir()
    export[low].to_parquet(path / "a.parquet", index=False)
    export[~low].to_parquet(path / "b.parquet", index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        want = pair_results(read_lab_results(path, test_map=test_map), by="specimen")
        want = derive_values(want) if derive else want
        got = pair_export(path, test_map=test_map, derive=derive, rows_per_partition=300)
        out = tmp_path / "draws.parquet"
        counts = pair_export(path, out, test_map=test_map, derive=derive,
                             rows_per_partition=300)
    assert not [w for w in caught if "several files" in str(w.message)]
    assert counts["path"] == "sql"
    want.attrs, got.attrs = {}, {}
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    expected = pa.Table.from_pandas(want, preserve_index=False)
    written = pq.read_table(out)
    assert written.schema.equals(expected.schema, check_metadata=True)
    keys = [("patient_id", "ascending"), ("specimen_id", "ascending")]
    assert written.sort_by(keys).equals(expected.sort_by(keys))


def _insulin_export(repeated, once, times):
    """Insulin in "pmol/L": each of ``repeated`` in ``times`` draws, each of ``once`` in
    one draw (one specimen, one time each): the export's rows and its distinct cells have
    different quartiles."""
    values = np.concatenate([np.repeat(repeated, times), once])
    n = len(values)
    return pd.DataFrame({"Patient ID": [f"p{k % 37}" for k in range(n)],
                         "Accession": [f"A{k}" for k in range(n)],
                         "Collected": [f"2024-01-{1 + k % 28:02d} {k % 24:02d}:00"
                                       for k in range(n)],
                         "Test Code": "INS", "Result": [f"{v:.1f}" for v in values],
                         "Units": "pmol/L"})


def _column_warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [w for w in caught if "the column's median is" in str(w.message)]


@pytest.mark.parametrize("case", ["rows_low", "rows_typical"])
def test_column_unit_check_judges_the_rows_of_the_whole_export(tmp_path, case):
    """The column-level unit check reads the rows' distribution exactly (each distinct
    cell weighing its rows; before: a random sample of 512 rows per analyte and unit,
    which said "median 12.5 (quartiles 9.2-15.5)" here): the warning of read_lab_results
    on the whole file, to the digit, once, at the caller's line. "rows_low": 164 rows of
    41 cells with the quartiles of µIU/mL and 30 typical pmol/L cells once: the rows
    warn, the distinct cells alone would not; "rows_typical": 165 rows of 11 typical
    cells and 50 low cells once: no warning, though the distinct cells alone warn."""
    if case == "rows_low":
        export = _insulin_export(np.linspace(6.0, 16.0, 41), np.linspace(40.0, 100.0, 30), 4)
    else:
        export = _insulin_export(np.linspace(36.0, 96.0, 11), np.linspace(5.0, 17.0, 50), 15)
    path = _write(tmp_path, export)
    test_map = {"INS": "insulin"}
    res, want = _column_warnings(lambda: read_lab_results(path, test_map=test_map))
    got, warned = _column_warnings(lambda: pair_export(path, test_map=test_map))
    assert got.attrs["counts"]["path"] == "sql"
    assert [str(w.message) for w in warned] == [str(w.message) for w in want]
    assert len(want) == (1 if case == "rows_low" else 0)
    if want:
        assert "insulin: the column's median is 12 pmol/L (quartiles 9-15 pmol/L)" in str(
            want[0].message)
        assert warned[0].filename == __file__
    cells = export.drop_duplicates("Result").reset_index(drop=True)
    _, alone = _column_warnings(lambda: read_lab_results(cells, test_map=test_map))
    assert len(alone) == (0 if case == "rows_low" else 1)
    pd.testing.assert_frame_equal(got, pair_results(res, by="specimen"), check_exact=True)


def _repeats_in_a_draw(export):
    """Rows added to the first draws: copies written differently ("279.0"; "ng/dl": the
    same value and censoring, read duplicates), a conflicting repeat and a copy of an
    earlier row (albumin), a repeat differing only in censoring ("<10" and "10" SHBG)
    and two censored testosterone of different limits ("<30", "<40" ng/dL: equal when
    censored="nan", both NaN), and a testosterone "<30" with a ">1500" (censored="nan":
    no conflict, as no value is known)."""
    export = export.copy()
    draws = [export.index[export["Accession"] == a] for a in export["Accession"].unique()[:4]]
    tt = draws[3][export.loc[draws[3], "Test Code"] == "2986-8"][0]
    export.loc[tt, "Result"] = "<30"
    add = []

    def row(draw, code, result=None, units=None):
        like = draws[draw][export.loc[draws[draw], "Test Code"] == code][0]
        new = export.loc[[like]].copy()
        if result is not None:
            new["Result"] = result
        if units is not None:
            new["Units"] = units
        add.append(new)

    row(0, "2986-8", "279.0")
    row(0, "1751-7", "3.9")
    row(0, "1751-7")
    row(1, "2986-8", units="ng/dl")
    row(2, "13967-5", "<10")
    row(2, "13967-5", "10")
    row(2, "2986-8", "<30")
    row(2, "2986-8", "<40")
    row(3, "2986-8", ">1500")
    return pd.concat([export, *add], ignore_index=True)


@pytest.mark.parametrize("censored", ["lod/sqrt2", "lod", "nan"])
def test_repeats_resolved_in_sql_equal_pair_results(tmp_path, censored):
    """Draws whose analytes have several rows at one time are resolved in SQL ("first",
    "last") or, for the other rules when they hold copies only, built from each analyte's
    first row: draws, read duplicates, repeats and conflicts equal pandas' (copies by
    value and censoring, a result without a value (censored="nan") as written; a conflict
    by value or by censoring)."""
    export, test_map = _export("lis", n=40, seed=5)
    path = _write(tmp_path, _repeats_in_a_draw(export))
    res = read_lab_results(path, test_map=test_map, censored=censored)
    assert res.attrs["counts"]["duplicates"] >= 2
    for repeats in ("first", "last", "mean", "nearest"):
        want = pair_results(res, repeats=repeats)
        got = pair_export(path, test_map=test_map, repeats=repeats, censored=censored)
        assert got.attrs["counts"]["path"] == "sql"
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert got.attrs["counts"]["pair"] == want.attrs["counts"]
        assert got.attrs["counts"]["read"] == res.attrs["counts"]
        assert want.attrs["counts"]["conflicts"] >= 3
        if repeats in ("first", "last"):  # no draw left to pandas
            assert got.attrs["counts"]["partitions"] == 0


def test_results_without_a_value_are_copies_only_as_written(tmp_path):
    """censored="nan" keeps no value of "<20" and "<30": they were counted as copies of one
    another (NaN equal to NaN), as if the laboratory had sent one result twice; they are two
    results (a repeat, no conflict: both "<" without a value), and only the same text in
    the same unit is a copy. The same on both paths of pair_export and in pandas."""
    rows = [("p1", "s1", "2986-8", "<20", "ng/dL"), ("p1", "s1", "2986-8", "<30", "ng/dL"),
            ("p1", "s1", "2986-8", "<20", "ng/dL"), ("p1", "s1", "1751-7", "4.3", "g/dL"),
            ("p2", "s2", "2986-8", "<20", "ng/dL"), ("p2", "s2", "14913-8", "<0.7", "nmol/L")]
    export = pd.DataFrame(rows, columns=["patient_id", "specimen_id", "test", "value", "unit"])
    export.insert(2, "collected_at", "2024-01-01 08:00")
    path = tmp_path / "export.parquet"
    export.to_parquet(path, index=False)
    res = read_lab_results(path, censored="nan")
    assert res["status"].tolist() == ["used", "used", "duplicate", "used", "used", "used"]
    want = pair_results(res)
    assert want.attrs["counts"] == {"results": 5, "draws": 2, "duplicates": 0, "repeats": 2,
                                    "conflicts": 0}
    assert want["total_testosterone_source_row"].tolist() == [0, 4]
    got = pair_export(path, censored="nan")
    assert got.attrs["counts"]["read"] == res.attrs["counts"]
    assert got.attrs["counts"]["pair"] == want.attrs["counts"]
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    # by default the limits are values: "<20" and "<30" differ (a conflict), as before
    assert pair_results(read_lab_results(path)).attrs["counts"]["conflicts"] == 2
