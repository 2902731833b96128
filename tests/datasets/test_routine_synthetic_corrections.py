"""``make_lab_results(corrections=True)`` (issue 12: "there are repeats, corrections and
duplicates"): results issued twice with HL7 v2 result statuses (table 0085, OBX-11: "C"
record coming over is a correction and thus replaces a final result; "F" final, "P"
preliminary). The later result is the one paired, on every path; the replaced row is
excluded with its reason, and every row is accounted for. The default export of a seed
does not change."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from labstats.datasets import make_lab_results, pair_export, pair_results, read_lab_results

ANALYTES = ["total_testosterone", "shbg", "albumin"]


def _export(n=300, seed=3):
    export = make_lab_results(n, seed=seed, corrections=True)
    attrs, export.attrs = export.attrs, {}
    return export, attrs


def _sorted(frame):
    return frame.sort_values(["patient_id", "collected_at"], kind="stable",
                             ignore_index=True)


def test_default_export_is_unchanged():
    plain = make_lab_results(60, seed=5)
    off = make_lab_results(60, seed=5, corrections=False)
    pd.testing.assert_frame_equal(plain, off)
    assert plain.attrs["expected_counts"] == off.attrs["expected_counts"]
    with_c = make_lab_results(60, seed=5, corrections=True)
    assert set(plain["Result Status"]) == {"F", "W"}
    assert {"C", "P"} <= set(with_c["Result Status"])
    assert len(with_c) > len(plain)


def test_mimic_shape_has_no_result_status():
    with pytest.raises(ValueError, match="shape='lis'.*no result status"):
        make_lab_results(10, corrections=True, shape="mimic")


def test_the_later_status_is_the_truth_and_every_row_is_accounted_for():
    export, attrs = _export()
    res = read_lab_results(export)
    assert res.attrs["counts"] == attrs["expected_counts"]
    c = res.attrs["counts"]
    assert c["used"] + c["reported"] + c["excluded"] + c["duplicates"] == c["rows"]
    status = export["Result Status"]
    replaced = res.loc[status.isin(["P"]) | (status.eq("F") & _corrected(export)), :]
    assert len(replaced) > 5 and (replaced["status"] == "excluded").all()
    reasons = res.attrs["report"].set_index("source_row").loc[replaced["source_row"],
                                                              "reason"]
    assert reasons.str.startswith("superseded: the ").all()
    assert reasons.str.contains(r"\(C\)").any() and reasons.str.contains(r"\(F\)").any()
    for repeats, truth in (("first", "truth"), ("last", "truth_last")):
        got = _sorted(pair_results(res, repeats=repeats))
        want = _sorted(attrs[truth])
        assert len(got) == len(want)
        for a in ANALYTES:
            np.testing.assert_allclose(got[a], want[a], rtol=1e-12)
    # the corrected values differ from the replaced ones: a path that paired the first
    # issue would fail above
    first = pd.to_numeric(export.loc[status.isin(["P"]), "Result"].str.split().str[0])
    later = pd.to_numeric(export.loc[status.eq("C") | (status.eq("F") & _after_p(export)),
                                     "Result"].str.split().str[0])
    assert len(first) and len(later) and not np.isin(first.to_numpy(), later.to_numpy()).all()


def _group(export):
    return export["Accession"] + "|" + export["Test Code"]


def _corrected(export):
    """Rows of a (specimen, test) group that holds a "C" row."""
    g = _group(export)
    return g.isin(set(g[export["Result Status"] == "C"]))


def _after_p(export):
    g = _group(export)
    return g.isin(set(g[export["Result Status"] == "P"]))


@pytest.mark.parametrize("parts", [1, 3])
def test_pair_export_pairs_the_later_status(tmp_path, parts):
    """pair_export's SQL path cannot tell one result's issues apart (its dictionary has no
    specimen): it takes the partitioned path, which reads whole patients, and equals the
    pandas path."""
    export, attrs = _export(200, seed=8)
    if parts == 1:
        path = tmp_path / "export.parquet"
        export.to_parquet(path, index=False)
    else:  # a folder of Parquet parts, whole patients per part
        path = tmp_path / "folder"
        path.mkdir()
        patients = export["Patient ID"].where(export["Patient ID"] != "", "~")
        cut = np.array_split(np.sort(patients.unique()), parts)
        for k, ids in enumerate(cut):
            export[patients.isin(ids)].to_parquet(path / f"part{k}.parquet", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the same warnings on both sides)
        want = pair_results(read_lab_results(path))
        got = pair_export(path, rows_per_partition=150)
    assert got.attrs["counts"]["path"] == "partitioned"
    assert got.attrs["counts"]["read"] == attrs["expected_counts"]
    pd.testing.assert_frame_equal(got, want)
    truth = _sorted(attrs["truth"])
    for a in ANALYTES:
        np.testing.assert_allclose(_sorted(got)[a], truth[a], rtol=1e-12)
