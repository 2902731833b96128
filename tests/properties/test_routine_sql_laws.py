"""Laws of pair_export's SQL path on random small exports (hypothesis).

Random synthetic exports (make_lab_results, both shapes, random seeds and sizes) are edited
row by row with what routine data hold (an exact copy, a copy in another specimen, an
unreadable or censored value, a rerun an hour later, an unreadable time, a missing patient
id) and split into one or two Parquet files; all analytes are paired, or a few. Whatever
the edits: every row is counted once (used + reported + excluded + duplicates = rows), and
the SQL path gives the same draws, types and counts as
``pair_results(read_lab_results(...))``.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labstats.datasets import make_lab_results, pair_export, pair_results, read_lab_results

pytest.importorskip("duckdb")

COLUMNS = {"lis": ("Patient ID", "Accession", "Collected", "Result"),
           "mimic": ("subject_id", "specimen_id", "charttime", "value")}
CELLS = ["<0.5", "see comment", "", "12,5", ">1000", "4.2 H", "ND", "-3"]
edits = st.lists(st.tuples(st.sampled_from(["copy", "other_specimen", "value", "rerun",
                                            "bad_time", "no_patient"]),
                           st.integers(0, 10**6), st.sampled_from(CELLS)), max_size=8)


def _edit(export, shape, changes):
    pid, spec, time, value = COLUMNS[shape]
    out = export.copy()
    for kind, k, cell in changes:
        k %= len(out)
        row = out.iloc[[k]].copy()
        if kind == "copy":
            out = pd.concat([out, row], ignore_index=True)
        elif kind == "other_specimen":
            row[spec] = row[spec] + 10**8 if shape == "mimic" else row[spec] + "x"
            out = pd.concat([out, row], ignore_index=True)
        elif kind == "rerun":
            # a row whose time an earlier edit made "garbage" is rerun with no time
            t = pd.to_datetime(row[time], errors="coerce") + pd.Timedelta("1h")
            row[time] = t.dt.strftime("%Y-%m-%d %H:%M" + (":%S" if shape == "mimic" else ""))
            row[value] = cell
            out = pd.concat([out, row], ignore_index=True)
        elif kind == "value":
            out.loc[k, value] = cell
        elif kind == "bad_time":
            out.loc[k, time] = "garbage"
        else:
            out.loc[k, pid] = None
    return out


def _both(export, test_map, parts, repeats, analytes=None, **read):
    """(read_lab_results, pair_results, pair_export) of ``export`` written in ``parts``
    Parquet files (``read``: the reader's keywords); None when pair_results refuses the
    results, after checking that pair_export refuses them with the same message."""
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # split patients, column-level unit checks
        path = Path(tmp) / "export"
        path.mkdir()
        step = -(-len(export) // parts)
        for k in range(parts):
            export.iloc[k * step:(k + 1) * step].to_parquet(path / f"p{k}.parquet",
                                                            index=False)
        res = read_lab_results(path, test_map=test_map, **read)
        try:
            want = pair_results(res, repeats=repeats, analytes=analytes)
        except ValueError as exc:  # e.g. repeats="nearest" with an unreadable time
            with pytest.raises(ValueError) as got:
                pair_export(path, test_map=test_map, repeats=repeats, analytes=analytes,
                            **read)
            assert str(got.value) == str(exc)
            return None
        return res, want, pair_export(path, test_map=test_map, repeats=repeats,
                                      analytes=analytes, rows_per_partition=40, **read)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["lis", "mimic"]), st.integers(0, 10**6), st.integers(4, 25),
       edits, st.sampled_from(["first", "last", "mean", "nearest"]), st.integers(1, 2),
       st.sampled_from([None, ["shbg", "total_testosterone"], ["albumin", "estradiol"]]))
def test_sql_path_counts_every_row_and_equals_the_pandas_path(shape, seed, n, changes,
                                                             repeats, parts, analytes):
    export = make_lab_results(n, seed=seed, shape=shape)
    test_map = export.attrs.get("test_map")
    export.attrs = {}
    export = _edit(export, shape, changes)
    found = _both(export, test_map, parts, repeats, analytes)
    if found is None:
        return
    res, want, got = found
    counts = got.attrs["counts"]
    read = counts["read"]
    assert read["used"] + read["reported"] + read["excluded"] + read["duplicates"] == \
        read["rows"] == len(export)
    assert counts["path"] == "sql"
    assert read == res.attrs["counts"] and counts["pair"] == want.attrs["counts"]
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["lis", "mimic"]), st.integers(0, 10**6), st.integers(4, 25),
       edits, st.sampled_from(["first", "mean"]), st.integers(1, 2),
       st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"]))
def test_times_of_several_offsets_read_in_one_zone_equal_the_pandas_path(
        shape, seed, n, changes, repeats, parts, zone):
    """The same law for an export whose times carry the UTC offset of their day in Berlin
    (+01:00, +02:00), read with ``time_zone``: the SQL path gives pandas' draws."""
    export = make_lab_results(n, seed=seed, shape=shape)
    test_map = export.attrs.get("test_map")
    export.attrs = {}
    export = _edit(export, shape, changes)
    time = COLUMNS[shape][2]
    clock = pd.to_datetime(export[time], errors="coerce", format="mixed")  # (edits: any text)
    text = clock.dt.tz_localize("Europe/Berlin").dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    export[time] = (text.str[:-2] + ":" + text.str[-2:]).where(clock.notna(), export[time])
    found = _both(export, test_map, parts, repeats, time_zone=zone)
    if found is None:
        return
    res, want, got = found
    assert got.attrs["counts"]["path"] == "sql"
    assert got.attrs["counts"]["read"] == res.attrs["counts"]
    pd.testing.assert_frame_equal(got, want, check_exact=True)
