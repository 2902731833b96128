"""Law of the Dask path's warnings (hypothesis): however a frame is cut into partitions,
``derive`` on the Dask frame gives, when computed, the warnings ``derive`` gives on the
pandas frame — the same messages (first implausible value and its label, their count,
the column's quartiles, the rows a formula set to NaN), in the same order, each once
(dask's synchronous scheduler: the partitions run in this process, one after another)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import labstats
from labstats.datasets import make_lab_results

dd = pytest.importorskip("dask.dataframe")


def _messages(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    return out, [str(w.message) for w in caught]


def _frame(n, seed, implausible, high_tg, insulin_low):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "total_testosterone": rng.uniform(5, 30, n), "shbg": rng.uniform(10, 80, n),
        "albumin": rng.uniform(38, 48, n), "total_cholesterol": rng.uniform(3, 7, n),
        "hdl_cholesterol": rng.uniform(0.8, 2, n), "triglycerides": rng.uniform(0.5, 3, n),
        "glucose": rng.uniform(4.5, 6, n),
        "insulin": rng.uniform(5, 20, n) if insulin_low else rng.uniform(35, 95, n)})
    frame.loc[[i % n for i in implausible], "total_testosterone"] = 300.0 + np.arange(
        len(implausible))
    frame.loc[[i % n for i in high_tg], "triglycerides"] = 7.0
    return frame


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 150), seed=st.integers(0, 2**16),
       implausible=st.lists(st.integers(0, 10**6), max_size=5),
       high_tg=st.lists(st.integers(0, 10**6), max_size=4), insulin_low=st.booleans(),
       npartitions=st.integers(1, 7), mode=st.sampled_from(["warn", "ignore"]))
def test_dask_derive_warns_as_pandas_however_partitioned(n, seed, implausible, high_tg,
                                                         insulin_low, npartitions, mode):
    frame = _frame(n, seed, implausible, high_tg, insulin_low)
    want, expected = _messages(lambda: labstats.derive(frame, plausibility=mode))
    lazy = labstats.derive(dd.from_pandas(frame, npartitions=npartitions), plausibility=mode)
    got, messages = _messages(lambda: lazy.compute(scheduler="sync"))
    assert messages == expected
    pd.testing.assert_frame_equal(got, want)


def test_a_column_over_4096_values_in_small_partitions_is_judged_as_pandas():
    """pandas reads 64 runs of 64 values of a column over 4,096 values; partitions of at
    most 4,096 values each send all theirs, so the whole column's runs are the same."""
    frame = _frame(5000, 1, [10, 4000], [3], insulin_low=True)
    _, expected = _messages(lambda: labstats.derive(frame, plausibility="warn"))
    assert any(m.startswith("insulin: the column's median") for m in expected)
    lazy = labstats.derive(dd.from_pandas(frame, npartitions=3), plausibility="warn")
    assert _messages(lambda: lazy.compute(scheduler="sync"))[1] == expected


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), shape=st.sampled_from(["lis", "mimic"]),
       rows=st.lists(st.integers(0, 10**6), max_size=6), npartitions=st.integers(1, 6),
       repeat=st.booleans())
def test_dask_read_warns_as_pandas_however_partitioned(seed, shape, rows, npartitions,
                                                       repeat):
    """In plausibility("warn"), implausible results anywhere in the export (one cell
    repeated or several distinct ones): the Dask reader's warnings, given when it is
    called, are pandas' (first value and row, count, likely unit), in pandas' order."""
    from labstats.datasets import read_lab_results

    export = make_lab_results(12, seed=seed, shape=shape)
    test_map = export.attrs.get("test_map")
    export.attrs = {}
    value = "value" if shape == "mimic" else "Result"
    for k, i in enumerate(rows):
        export.loc[export.index[i % len(export)], value] = "9e6" if repeat else f"{9e6 + k}"
    with labstats.plausibility("warn"):
        _, expected = _messages(lambda: read_lab_results(export, test_map=test_map))
        _, messages = _messages(lambda: read_lab_results(
            dd.from_pandas(export, npartitions=npartitions), test_map=test_map))
    assert messages == expected
