"""``pd.concat`` of results of ``read_lab_results`` (issue 12). pandas (>= 2.1) compares
the inputs' ``attrs`` and keeps them only when all are equal; a DataFrame in ``attrs`` (the
per-row report) made that comparison raise whenever the counts were equal (two exports
of the same size, a result cut in two and put back). The frames in ``attrs`` now compare
as wholes; ``labstats.counts`` counts the rows of what it is given."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

import labstats
from labstats.datasets import make_lab_results, read_lab_results


@pytest.fixture(scope="module")
def exports():
    a = make_lab_results(20, seed=1)
    a.attrs = {}
    b = a.copy()  # another export with the same counts: other unreadable texts
    b["Result"] = b["Result"].replace({"hemolyzed": "TNP", "see comment": "QNS"})
    assert not a.equals(b)
    return a, b


def _total(*results):
    return {k: sum(r.attrs["counts"][k] for r in results) for k in results[0].attrs["counts"]}


def test_concat_of_two_results_with_equal_counts(exports):
    ra, rb = (read_lab_results(x) for x in exports)
    assert ra.attrs["counts"] == rb.attrs["counts"]  # pandas then compares the reports
    assert not ra.attrs["report"].equals(rb.attrs["report"])
    both = pd.concat([ra, rb], ignore_index=True)  # raised ValueError (truth value of a
    assert len(both) == len(ra) + len(rb)           # DataFrame is ambiguous)
    assert both.attrs == {}  # not all equal: pandas keeps none
    assert labstats.counts(both) == _total(ra, rb)  # every row accounted for
    merged = pd.merge(ra, rb[["source_row", "status"]], on="source_row")
    assert len(merged) == len(ra)


def test_concat_of_parts_keeps_the_report(exports):
    res = read_lab_results(exports[0])
    cut = len(res) // 2
    again = pd.concat([res.iloc[:cut], res.iloc[cut:]])
    pd.testing.assert_frame_equal(again, res)
    assert again.attrs["report"].equals(res.attrs["report"])
    assert labstats.counts(again) == res.attrs["counts"]
    assert labstats.counts(res.iloc[:cut]) == {  # a part: its own rows, not the attrs
        "rows": cut, **{k: int((res["status"].iloc[:cut] == s).sum()) for k, s in
                        (("used", "used"), ("reported", "reported"),
                         ("excluded", "excluded"), ("duplicates", "duplicate"))}}
    twice = pd.concat([res, res.copy()])  # equal attrs are kept; the counts are its rows
    assert twice.attrs["counts"] == res.attrs["counts"]
    assert labstats.counts(twice) == _total(res, res)


def test_a_single_result_keeps_its_report_and_counts(exports):
    res = read_lab_results(exports[0])
    report = res.attrs["report"]
    assert isinstance(report, pd.DataFrame) and len(report) > 0
    assert labstats.counts(res) == res.attrs["counts"]
    reported = report[report["status"] == "reported"]  # a plain frame, element-wise ==
    assert type(reported) is pd.DataFrame and (reported["status"] == "reported").all()
    assert report == report.copy() and not (report != report.copy())  # one bool
    for derived in (res.copy(), res[res["status"] == "used"], pickle.loads(pickle.dumps(res))):
        assert derived.attrs["report"].equals(report)
        assert derived.attrs["report"] == report
    pd.concat([res[res["status"] == "used"], res[res["status"] != "used"]])  # no error
