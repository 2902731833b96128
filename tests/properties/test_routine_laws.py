"""Laws of read_lab_results and pair_results over random long exports (hypothesis).

Every input row is accounted for exactly once: used + reported + excluded + duplicates ==
rows, in input order, and every reported or excluded row has one entry in the report;
pairing loses no used result: each is a value of the paired frame, a counted exact
duplicate or a counted repeat.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labstats.datasets import pair_results, read_lab_results

ANALYTES = ["total_testosterone", "shbg", "albumin", "glucose"]
row = st.fixed_dictionaries({
    "patient_id": st.sampled_from(["p1", "p2", "p3", "", None]),
    "specimen_id": st.sampled_from(["s1", "s2", "s3"]),
    "collected_at": st.sampled_from(["2024-01-01 08:00", "2024-01-01 09:30",
                                     "2024-01-03 08:00", "02/01/2024", "", None]),
    "test": st.sampled_from(["2986-8", "14913-8", "13967-5", "1751-7", "2345-7", "14749-6",
                             "2951-2", "LOCAL", "", None]),
    "value": st.sampled_from(["450", "15.2", "<7", ">180", "40 H", "4.3", "43", "see comment",
                              "", "ND", "-3", "1e9", "1,200", "5.4 mmol/L"]),
    "unit": st.sampled_from(["ng/dL", "nmol/L", "g/dL", "g/L", "mmol/L", "mg/dL", "furlongs",
                             "", None]),
    "status": st.sampled_from(["F", "F", "C", "W", None]),
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=1, max_size=40))
def test_every_row_is_accounted_for_once(rows):
    export = pd.DataFrame(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = read_lab_results(export)
    c = res.attrs["counts"]
    assert c["used"] + c["reported"] + c["excluded"] + c["duplicates"] == c["rows"] == len(rows)
    assert res["source_row"].tolist() == list(range(len(rows)))
    assert res["raw_value"].tolist() == export["value"].tolist()
    status = res["status"].astype(str).to_numpy()
    assert [int((status == s).sum()) for s in ("used", "reported", "excluded", "duplicate")] \
        == [c["used"], c["reported"], c["excluded"], c["duplicates"]]
    report = res.attrs["report"]
    assert sorted(report["source_row"]) == list(np.flatnonzero(
        np.isin(status, ["reported", "excluded"])))
    used = res[status == "used"]
    assert used["value"].notna().all() and (used["value"] >= 0).all()
    assert used["analyte"].isin(ANALYTES).all() and used["patient_id"].str.strip().ne("").all()

    # pairing by specimen loses nothing: values + duplicates + repeats == results
    paired = pair_results(res, analytes=ANALYTES)
    p = paired.attrs["counts"]
    values = int(paired[ANALYTES].notna().to_numpy().sum())
    assert values + p["duplicates"] + p["repeats"] == p["results"] == c["used"]
    assert set(paired["patient_id"]) == set(used["patient_id"])
