"""Whole-column decisions on parts of an export (issue 12): a Dask partition and a
``pair_export`` partition are read as ``read_lab_results`` reads the whole export.

- The hint of an implausible value ("if it is ng/dL, correct the unit") is that value's
  own: before, one hint was chosen for all implausible values of an analyte and unit,
  so a partition holding only some of them got another wording.
- The column-level unit check (a column of insulin "pmol/L" whose quartiles are those of
  µIU/mL) is judged on the whole column, from the counted cells of the parts, and warned
  once on the client at the caller's line: before, each partition judged its own rows
  (on the workers, where the caller never saw it).
- Times of several time zones are refused as pandas refuses them in one column, though
  each partition holds one zone (before: each partition read fine, in its own zone).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats.datasets import pair_export, pair_results, read_lab_results
from labstats.datasets._routine_screen import unit_cells, warn_column_units

TT_MOLAR = "14913-8"  # LOINC: testosterone, nmol/L


def _reasons(res):
    report = res.attrs["report"]
    return dict(zip(report["source_row"].astype(int), report["reason"], strict=True))


def _hint_export():
    """p1: 450 "nmol/L" (plausible in another unit); p2: 5e7 nmol/L (in none)."""
    return pd.DataFrame({"Patient ID": ["p1", "p1", "p2", "p2"],
                         "Accession": ["A1", "A1", "A2", "A2"],
                         "Collected": ["2024-01-02 08:00"] * 2 + ["2024-01-03 08:00"] * 2,
                         "Test Code": [TT_MOLAR, "13967-5"] * 2,
                         "Result": ["450", "40", "50000000", "35"],
                         "Units": ["nmol/L"] * 4})


def test_each_implausible_value_gets_its_own_hint():
    """Pandas on the whole export gives each value the unit it is plausible in: the same
    hint as a part holding that value alone (before: "check the unit" for both, since no
    one unit fits both values, while p1's part alone said "if it is ...")."""
    export = _hint_export()
    whole = _reasons(read_lab_results(export))
    assert "if it is ng/dL, correct the unit" in whole[0]
    assert "check the unit" in whole[2] and "correct the unit" not in whole[2]
    for part in (export.iloc[:2], export.iloc[2:]):
        alone = _reasons(read_lab_results(part.reset_index(drop=True)))
        assert {part.index[r]: why for r, why in alone.items()} == {
            r: why for r, why in whole.items() if r in part.index}


def _insulin(values_by_patient):
    rows = [(p, f"A-{p}-{k}", f"2024-01-{1 + k % 28:02d} 08:00", "INS", f"{v:.1f}", "pmol/L")
            for p, values in values_by_patient.items() for k, v in enumerate(values)]
    return pd.DataFrame(rows, columns=["Patient ID", "Accession", "Collected", "Test Code",
                                       "Result", "Units"])


INSULIN = {"INS": "insulin"}
LOW = np.linspace(6.0, 16.0, 6)  # "pmol/L" with the quartiles of µIU/mL (NHANES)


def _warned(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    column = [w for w in caught if "the column's median is" in str(w.message)]
    return out, column


def test_column_unit_check_of_counted_cells_equals_the_whole_columns():
    """Quartiles of the counted cells of parts (weights) equal those of the rows: the
    same message to the digit, whichever way the export is cut; and the check is exact
    (every row), as for the parts together."""
    export = _insulin({f"p{k}": LOW + k for k in range(5)})
    _, want = _warned(lambda: read_lab_results(export, test_map=INSULIN))
    assert len(want) == 1 and "insulin: the column's median is" in str(want[0].message)
    assert "correct the unit in column 'Units'" in str(want[0].message)
    for cut in ([0, 6, 30], [0, 1, 2, 29, 30]):
        parts = [export.iloc[a:b] for a, b in zip(cut[:-1], cut[1:], strict=True)]
        cells = pd.concat([unit_cells(p, {"patient_id": "Patient ID", "test": "Test Code",
                                          "value": "Result", "unit": "Units"})
                           for p in parts], ignore_index=True)
        assert cells["__n"].sum() == len(export)
        _, got = _warned(lambda cells=cells: warn_column_units(cells, test_map=INSULIN))
        assert [str(w.message) for w in got] == [str(w.message) for w in want]
        for p in parts:  # a part read alone with _column_check=False says nothing
            _, quiet = _warned(lambda p=p: read_lab_results(p, test_map=INSULIN,
                                                             _column_check=False))
            assert not quiet


@pytest.mark.parametrize("rows_per_partition", [6, 1000])
def test_pair_export_judges_the_column_once_on_the_whole_export(tmp_path, rows_per_partition):
    """By window (the partitioned path): one warning, that of pandas, attributed to the
    caller's line; 5 patients of 6 values: no partition alone reaches 20 values unless
    all are in one (before: no warning at all, or one per partition)."""
    pytest.importorskip("duckdb")
    export = _insulin({f"p{k}": LOW + k for k in range(5)})
    path = tmp_path / "insulin.parquet"
    export.to_parquet(path, index=False)
    res, want = _warned(lambda: read_lab_results(path, test_map=INSULIN))
    got, warned = _warned(lambda: pair_export(path, by="window", test_map=INSULIN,
                                              rows_per_partition=rows_per_partition))
    assert got.attrs["counts"]["path"] == "partitioned"
    assert [str(w.message) for w in warned] == [str(w.message) for w in want]
    assert warned[0].filename == __file__
    pd.testing.assert_frame_equal(got, pair_results(res, by="window"))


def test_hints_of_pair_export_partitions_equal_pandas(tmp_path):
    pytest.importorskip("duckdb")
    path = tmp_path / "hints.parquet"
    _hint_export().to_parquet(path, index=False)
    res = read_lab_results(path)
    report = tmp_path / "report.parquet"
    pair_export(path, by="window", report=report, rows_per_partition=1)
    got = pd.read_parquet(report)
    assert dict(zip(got["source_row"], got["reason"], strict=True)) == _reasons(res)


def _zones():
    """p1's times at +01:00, p2's at +02:00: each patient (partition) one zone."""
    export = _hint_export().assign(Result=["450", "40", "300", "35"],
                                   Units=["ng/dL", "nmol/L"] * 2)
    export["Test Code"] = ["2986-8", "13967-5"] * 2
    export["Collected"] = ["2024-01-02 08:00:00+01:00"] * 2 + ["2024-07-02 08:00:00+02:00"] * 2
    return export


def test_mixed_time_zones_are_refused_on_the_partitioned_path(tmp_path, monkeypatch):
    pytest.importorskip("duckdb")
    from labstats.datasets import _routine_io

    export = _zones()
    path = tmp_path / "zones.parquet"
    export.to_parquet(path, index=False)
    with pytest.raises(ValueError, match="Mixed timezones.*one time zone"):
        read_lab_results(path)
    for part in (export.iloc[:2], export.iloc[2:]):  # one zone each: read
        assert read_lab_results(part)["collected_at"].notna().all()
    for by in ("window", "specimen"):
        with pytest.raises(ValueError, match="Mixed timezones.*one time zone"):
            pair_export(path, by=by, rows_per_partition=1)
    monkeypatch.setattr(_routine_io, "check_zones", lambda *a: None)  # the rule before
    alone = pair_export(path, by="window", rows_per_partition=1)
    assert alone.attrs["counts"]["partitions"] == 2 and len(alone) == 2  # read, wrongly


def test_one_time_zone_in_several_spellings_reads_on_the_partitioned_path(tmp_path):
    """"Z" and "+00:00" are one zone (UTC) for pandas: not refused."""
    pytest.importorskip("duckdb")
    export = _zones()
    export["Collected"] = ["2024-01-02 08:00:00Z"] * 2 + ["2024-07-02 08:00:00+00:00"] * 2
    path = tmp_path / "utc.parquet"
    export.to_parquet(path, index=False)
    want = pair_results(read_lab_results(path), by="window")
    pd.testing.assert_frame_equal(pair_export(path, by="window", rows_per_partition=1), want)


# --- Dask on a local dask.distributed cluster of two worker processes -----------------------

@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", memory_limit="1GiB")
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _per_patient(export):
    """A Dask frame of one partition per patient (disjoint: no shuffle)."""
    dd = pytest.importorskip("dask.dataframe")
    return dd.concat([dd.from_pandas(export[export["Patient ID"] == p], npartitions=1)
                      for p in pd.unique(export["Patient ID"])])


def test_dask_column_check_hints_and_zones_equal_pandas(client):
    assert len(client.scheduler_info()["workers"]) == 2
    export = _insulin({f"p{k}": LOW + k for k in range(5)})
    want, expected = _warned(lambda: read_lab_results(export, test_map=INSULIN))
    lazy, warned = _warned(lambda: read_lab_results(_per_patient(export), test_map=INSULIN))
    assert [str(w.message) for w in warned] == [str(w.message) for w in expected]
    assert len(warned) == 1 and warned[0].filename == __file__  # the caller's line
    got, again = _warned(lambda: lazy.compute())
    assert not again
    got = got.sort_values("source_row", ignore_index=True)
    pd.testing.assert_frame_equal(got.drop(columns="reason"), want)
    with labstats.plausibility("ignore"):
        _, quiet = _warned(lambda: read_lab_results(_per_patient(export), test_map=INSULIN))
    assert not quiet

    hints = _hint_export()
    want = read_lab_results(hints)
    got = read_lab_results(_per_patient(hints)).compute()
    assert got.set_index("source_row")["reason"].dropna().to_dict() == _reasons(want)

    with pytest.raises(ValueError, match="Mixed timezones.*one time zone"):
        read_lab_results(_per_patient(_zones()))
    utc = _zones()
    utc["Collected"] = ["2024-01-02 08:00:00Z"] * 2 + ["2024-07-02 08:00:00+00:00"] * 2
    got = read_lab_results(_per_patient(utc)).compute().sort_values("source_row",
                                                                    ignore_index=True)
    pd.testing.assert_frame_equal(got.drop(columns="reason"), read_lab_results(utc))
