"""decimal="auto" on parts of an export (issue 12): the decimal mark is the one the whole
value column proves (``_labcells``), so a Dask partition or a ``pair_export`` partition is
read by the whole export's evidence (``decimal_evidence``, combined by ``or``), not by its
own cells: values and per-row reasons equal the pandas reader's on the whole export.

The exports are crafted so that the per-partition rule differs from the pandas one: a
partition whose only separator-bearing cell is ambiguous ("1,200", "1.200") while another
proves the mark ("12,5", "0.950"), and a partition proving "," while another proves "."
(pandas: "." wins and the commas are reported). A row whose test is unknown, or without a
patient id, is not read by pandas and proves nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labstats import LabstatsWarning, _engines
from labstats.datasets import pair_export, pair_results, read_lab_results
from labstats.datasets._routine_screen import combine_evidence, decimal_evidence

SHBG = "13967-5"  # LOINC: SHBG, nmol/L (plausible 0-2000: every reading below is plausible)
#: Per patient, (test code, result text). "X1" is not a test labstats reads; "" no patient.
CASES = {
    "comma proved elsewhere": {"p1": [(SHBG, "1,200"), ("X1", "3.5")], "": [(SHBG, "7.5")],
                               "p2": [(SHBG, "12,5")]},
    "point proved elsewhere": {"p1": [(SHBG, "1.200")], "p2": [(SHBG, "0.950")]},
    "both proved, point wins": {"p1": [(SHBG, "12,5"), (SHBG, "1,200")],
                                "p2": [(SHBG, "0.950"), (SHBG, "3")]},
}


def _export(case):
    rows = [(pid, f"A-{pid or 'none'}-{k}", code, text)
            for pid, cells in CASES[case].items() for k, (code, text) in enumerate(cells)]
    frame = pd.DataFrame(rows, columns=["Patient ID", "Accession", "Test Code", "Result"])
    frame["Patient ID"] = frame["Patient ID"].replace("", None)
    frame["Units"] = "nmol/L"
    frame["Collected"] = "2024-03-01 08:00"
    return frame


def _patients(frame):
    """The export cut into parts of one patient each (rows without an id with the first)."""
    key = frame["Patient ID"].ffill()
    return [frame[key == p] for p in pd.unique(key)]


def _reasons(res, rows=None):
    """{row: reason} of the report; ``rows``: global rows of a part's local ones."""
    report = res.attrs["report"]
    local = report["source_row"].to_numpy(dtype=np.int64)
    return dict(zip(local if rows is None else rows[local], report["reason"], strict=True))


@pytest.mark.parametrize("case", list(CASES))
def test_each_part_alone_differs_with_the_exports_evidence_equals(case):
    """The crafted parts: read alone, a part's values or reasons differ from the whole
    read; given the whole export's evidence, every part equals the whole, row for row."""
    export = _export(case)
    whole = read_lab_results(export)
    evidence = combine_evidence(decimal_evidence(p) for p in _patients(export))
    assert evidence == decimal_evidence(export)
    differs = False
    for part in _patients(export):
        rows = part.index.to_numpy()
        alone = read_lab_results(part.reset_index(drop=True))
        shared = read_lab_results(part.reset_index(drop=True), _decimal_evidence=evidence)
        want = whole.iloc[rows].reset_index(drop=True).drop(columns="source_row")
        pd.testing.assert_frame_equal(shared.drop(columns="source_row"), want)
        expected = {r: why for r, why in _reasons(whole).items() if r in rows}
        assert _reasons(shared, rows) == expected
        differs |= not alone.drop(columns="source_row").equals(want) or \
            _reasons(alone, rows) != expected
    assert differs  # the per-part rule would not give the pandas result


def test_the_marks_and_reasons_pandas_gives():
    """The pandas rule, by hand: a column proving "," reads "1,200" as 1.2; one proving
    "." reads "1.200" as 1.2; one proving both takes "." and reports the commas."""
    got = {case: read_lab_results(_export(case)) for case in CASES}
    comma = got["comma proved elsewhere"]
    assert comma["value"].tolist()[:1] + comma["value"].tolist()[-1:] == [1.2, 12.5]
    assert got["point proved elsewhere"]["value"].tolist() == [1.2, 0.95]
    both = got["both proved, point wins"]
    assert np.isnan(both["value"].iloc[:2]).all() and both["value"].iloc[2:].tolist() == [
        0.95, 3.0]
    assert list(_reasons(both)) == [0, 1]
    assert all(why.startswith("a decimal comma in a column that also uses decimal points")
               for why in _reasons(both).values())


CELLS = ["1,200", "12,5", "1.200", "0.950", "3", "<0,5", "7.25", "1.234,5", "1 200", ".5",
         "450 H", "see comment", "", None, "2,5e3", "-1,000"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(CELLS), min_size=1, max_size=12),
       st.lists(st.integers(1, 11), max_size=4), st.sampled_from([None, " ", "'"]))
def test_evidence_of_parts_combines_to_the_columns(cells, cuts, thousands):
    """Law: the evidence of a column is the ``or`` of its parts' (any split)."""
    frame = pd.DataFrame({"Patient ID": "p", "Test Code": SHBG, "Result": cells,
                          "Units": "nmol/L"})
    bounds = [0, *sorted({c for c in cuts if c < len(cells)}), len(cells)]
    parts = [frame.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    assert combine_evidence(decimal_evidence(p, thousands=thousands) for p in parts) == \
        decimal_evidence(frame, thousands=thousands)


# --- pair_export: the SQL path (distinct cells) and the partitioned path ----------------------

def _report(res):
    """The in-memory report of reported rows (pair_export counts unknown tests per code)."""
    report = res.attrs["report"]
    report = report[report["status"] == "reported"]
    return report.assign(value=report["value"].astype("string")).reset_index(drop=True)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("by", ["specimen", "window"])
def test_pair_export_reads_by_the_exports_mark(tmp_path, case, by, monkeypatch):
    """SQL path (by specimen: a dictionary of distinct cells holds the column's evidence)
    and partitioned path (by window: one partition per patient here) equal pandas: draws,
    counts, report; without the shared evidence the partitioned path would not."""
    pytest.importorskip("duckdb")
    path = tmp_path / "export.parquet"
    _export(case).to_parquet(path, index=False)
    res = read_lab_results(path)
    want = pair_results(res, by=by)
    report = tmp_path / "report.parquet"
    got = pair_export(path, by=by, report=report, rows_per_partition=1)
    counts = got.attrs["counts"]
    assert counts["path"] == ("sql" if by == "specimen" else "partitioned")
    # dtypes too: a partition of rows without a patient id (no draws) is left out, so its
    # typeless columns no longer turn patient_id into object
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert counts["read"] == res.attrs["counts"]
    pd.testing.assert_frame_equal(pd.read_parquet(report), _report(res), check_dtype=False)
    if by == "window" and case != "comma proved elsewhere":  # there p1 and p2 may share
        # a hash partition (then one partition holds the evidence anyway)
        assert counts["partitions"] >= 2
        monkeypatch.setattr(_engines, "_export_evidence", lambda *a: None)
        alone = pair_export(path, by=by, rows_per_partition=1)
        # the partitions read alone: the bug this fixes (other draws, or other counts)
        assert not (alone.equals(want)
                    and alone.attrs["counts"]["read"] == res.attrs["counts"])


# --- Dask on a local dask.distributed cluster of two worker processes -----------------------

@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", memory_limit="1GiB")  # any free port
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _dask_read(export):
    """read_lab_results on a Dask frame of one partition per patient (disjoint: no
    shuffle, so each partition is read as crafted), computed in row order."""
    import dask
    dd = pytest.importorskip("dask.dataframe")

    ddf = dd.concat([dd.from_pandas(p, npartitions=1) for p in _patients(export)])
    assert ddf.npartitions == len(_patients(export))
    results = read_lab_results(ddf)
    (got,) = dask.compute(results)
    return got.sort_values("source_row", ignore_index=True)


@pytest.mark.parametrize("case", list(CASES))
def test_dask_reads_by_the_exports_mark_on_a_cluster(client, case, monkeypatch):
    """Dask equals pandas row for row (dtypes, values, reasons, counts); with each
    partition deciding its own mark (the rule before this fix) it would not."""
    import labstats

    assert len(client.scheduler_info()["workers"]) == 2
    export = _export(case)
    want = read_lab_results(export)
    got = _dask_read(export)
    pd.testing.assert_frame_equal(got.drop(columns="reason"), want, check_exact=True)
    reasons = got.set_index("source_row")["reason"].dropna()
    assert reasons.to_dict() == _reasons(want)
    assert labstats.counts(got) == want.attrs["counts"]
    for by in ("specimen", "window"):
        pd.testing.assert_frame_equal(
            pair_results(got.drop(columns="reason"), by=by), pair_results(want, by=by))
    monkeypatch.setattr(_engines, "_needs_evidence", lambda kw: False)
    alone = _dask_read(export)
    assert not (alone.drop(columns="reason").equals(want) and
                alone.set_index("source_row")["reason"].dropna().to_dict() == _reasons(want))


def test_pair_export_partitions_read_times_in_the_exports_format(tmp_path):
    """The time format is the export's first filled time's, for every partition of the
    partitioned path (as pandas reads the column at once): "01/03/2024" after
    "13/03/2024" is 1 March (day first), not 3 January as a partition alone guesses; the
    first time may be a row of a test the partitions do not hold (format still taken)."""
    pytest.importorskip("duckdb")
    export = _export("point proved elsewhere")
    export["Collected"] = ["13/03/2024 08:00", "01/03/2024 08:00"]
    first = pd.DataFrame({"Patient ID": ["p0"], "Accession": ["A-p0"], "Test Code": ["X1"],
                          "Result": ["1"], "Units": ["mmol/L"],
                          "Collected": ["13/03/2024 08:00"]})
    for frame in (export, pd.concat([first, export.assign(Collected="01/03/2024 08:00")],
                                    ignore_index=True)):
        path = tmp_path / "times.parquet"
        frame.to_parquet(path, index=False)
        want = pair_results(read_lab_results(path), by="window")
        got = pair_export(path, by="window", rows_per_partition=1)
        assert got.attrs["counts"]["partitions"] == 2
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert (got["collected_at"].dt.month == 3).all()
    frame.loc[2, "Collected"] = "2024-03-01 08:00"  # p2: another format than the export's
    frame.to_parquet(path, index=False)
    with pytest.warns(LabstatsWarning, match=r"1 time\(s\) .*source_row 2"):
        res = read_lab_results(path)
    with pytest.raises(ValueError, match=r"cannot be paired by 'window' \(source_row 2\)"):
        pair_results(res, by="window")
    with pytest.raises(ValueError, match=r"cannot be paired by 'window' \(source_row 2\)"):
        pair_export(path, by="window", rows_per_partition=1)


def test_dask_reads_times_in_the_exports_format_on_a_cluster(client):
    """The first partition has no time: the format is the export's first filled time's
    (day first, "13/03/2024"), found in the stats pass, so "01/03/2024" in the last
    partition is 1 March as in pandas (a partition alone would guess 3 January)."""
    export = pd.concat([_export("point proved elsewhere"), _export("point proved elsewhere")
                        .replace({"p1": "p3", "p2": "p4"})], ignore_index=True)
    export["Collected"] = ["", "", "13/03/2024 08:00", "01/03/2024 08:00"]
    want = read_lab_results(export)
    got = _dask_read(export)
    pd.testing.assert_frame_equal(got.drop(columns="reason"), want, check_exact=True)
    assert got["collected_at"].dt.month.dropna().tolist() == [3, 3]
    import dask.dataframe as dd

    ddf = dd.concat([dd.from_pandas(p, npartitions=1) for p in _patients(export)])
    paired = pair_results(read_lab_results(ddf), by="specimen").compute()
    pd.testing.assert_frame_equal(paired.sort_values("patient_id", ignore_index=True),
                                  pair_results(want, by="specimen"))


def test_dask_folder_of_small_parquet_files_on_a_cluster(client, tmp_path):
    """dask-expr fuses small Parquet reads (here 6 files into fewer partitions, by the
    columns read): row numbers come from the same pieces as the stats, so every row keeps
    its own source_row and the result equals pandas (before: rows numbered twice)."""
    import dask.dataframe as dd

    from labstats.datasets import make_lab_results

    export = make_lab_results(200, seed=3, shape="mimic")
    test_map = export.attrs["test_map"]
    export.attrs = {}
    bounds = np.linspace(0, len(export), 7).astype(int)
    folder = tmp_path / "export"
    folder.mkdir()
    for k in range(6):
        export.iloc[bounds[k]:bounds[k + 1]].to_parquet(folder / f"part-{k}.parquet",
                                                        index=False)
    with pytest.warns(Warning):  # patients in several files (pandas' warning)
        want = read_lab_results(folder, test_map=test_map).drop(columns="source_file")
    got = read_lab_results(dd.read_parquet(folder), test_map=test_map).compute()
    got = got.sort_values("source_row", ignore_index=True)
    assert (got["source_row"].to_numpy() == np.arange(len(export))).all()
    pd.testing.assert_frame_equal(got.drop(columns="reason"), want, check_exact=True)
