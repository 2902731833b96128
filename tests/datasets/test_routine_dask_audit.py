"""Audit of the Dask path of routine lab data (issue 12): cases where the Dask result of
``read_lab_results``, ``pair_results`` and ``derive`` differed from pandas' on the same
export (partitioning, dtypes, errors), each with the pandas result as the reference.
Dask's synchronous scheduler (the partitions run in this process): the cluster itself is
tested in test_routine_dask.py."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from labstats.datasets import read_lab_results

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(autouse=True)
def _synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def _recorded(call):
    """(call(), [messages of the warnings it gave])."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    return out, [str(w.message) for w in caught]


def _by_row(results):
    """A computed Dask result in the export's row order, without its ``reason`` column."""
    return results.sort_values("source_row", ignore_index=True).drop(columns="reason")


def _export(times):
    return pd.DataFrame({"Patient ID": ["p1", "p1", "p2", "p2"], "Collected": times,
                         "Test Code": ["2986-8", "13967-5"] * 2,
                         "Result": ["450", "40", "300", "35"],
                         "Units": ["ng/dL", "nmol/L"] * 2})


@pytest.mark.parametrize("times", [
    ["2024-01-02 08:00+0100"] * 2 + ["", ""],  # no time in the second partition
    ["2024-01-02 08:00+0100"] * 2 + ["2024-01-03 09:00", ""],  # none read there (naive)
    ["", ""] + ["2024-01-02 08:00+0100"] * 2,  # none in the first (the sample's) partition
])
def test_zoned_times_with_a_partition_without_a_read_time(times):
    """Times with a UTC offset, and a partition none of whose times is read (empty, or
    naive and so not in the export's format): pandas' column is timezone-aware, NaT
    there; the Dask reader failed ("Cannot use .astype to convert from timezone-naive
    dtype to timezone-aware dtype") when computed or, for the first partition, when
    called."""
    export = _export(times)
    want, expected = _recorded(lambda: read_lab_results(export))
    assert isinstance(want["collected_at"].dtype, pd.DatetimeTZDtype)
    lazy, got = _recorded(lambda: read_lab_results(dd.from_pandas(export, npartitions=2)))
    assert got == expected
    pd.testing.assert_frame_equal(_by_row(lazy.compute()), want)
