"""The Dask path (issue 12): read_lab_results, pair_results and derive accept a Dask
DataFrame and return a lazy one, partitioned by patient, which on a local dask.distributed
cluster of two worker processes equals the pandas result row for row."""

from __future__ import annotations

import pandas as pd
import pytest

import labstats
from labstats.datasets import make_lab_results, pair_results, read_lab_results

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, memory_limit="1GiB")
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.mark.parametrize("shape", ["lis", "mimic"])
def test_dask_pipeline_equals_pandas_on_a_two_worker_cluster(client, shape):
    assert len(client.scheduler_info()["workers"]) == 2
    export = make_lab_results(80, seed=6, shape=shape)
    test_map = export.attrs.get("test_map")
    export.attrs = {}
    ddf = dd.from_pandas(export, npartitions=4)

    results = read_lab_results(ddf, test_map=test_map)
    assert isinstance(results, dd.DataFrame)  # lazy
    want = read_lab_results(export, test_map=test_map)
    got = results.compute().sort_values("source_row", ignore_index=True)
    pd.testing.assert_frame_equal(got.drop(columns="reason"), want, check_dtype=False)
    reported = want.attrs["report"].set_index("source_row")["reason"]
    assert got.set_index("source_row")["reason"].dropna().equals(reported.rename("reason"))

    for by in ("specimen", "window"):
        draws = labstats.derive(pair_results(results, by=by))
        assert isinstance(draws, dd.DataFrame)
        expected = labstats.derive(pair_results(want, by=by))
        paired = draws.compute().sort_values(["patient_id", "collected_at"], kind="stable",
                                             ignore_index=True)
        pd.testing.assert_frame_equal(paired, expected, check_dtype=False)
