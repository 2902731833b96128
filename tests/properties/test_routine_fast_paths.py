"""The fast paths of read_lab_results and pair_results equal the plain pandas operations
they replace, on random cells (hypothesis).

Each fast path does per distinct cell (or on integer codes) what the plain operation does
per row: stripping unit and test-code texts, parsing collection times, finding duplicate
rows, keeping the first or last result of a draw. The results must be identical, value
for value and in the same order, or the big-export speed would change what is read.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labstats.datasets import _labunits, _routine_io, _routine_pair, routine

texts = st.sampled_from([" mg/dL", "mg/dL", "mg/dL ", "ng/dL", "", "  ", None, "nmol/L",
                         "50862", " 50862", "50862.0", "2986-8", "\u00a0g/dL", "µg/L", "ug/L"])
cells = st.lists(texts, min_size=1, max_size=60)
dtypes = st.sampled_from(["str", "string", "category", object])
settings_ = settings(max_examples=120, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


def _series(values, dtype):
    return pd.Series(values, dtype=dtype)


@settings_
@given(cells, dtypes)
def test_unit_codes_equal_stripping_every_row(values, dtype):
    s = _series(values, dtype)
    codes, uniques = _labunits._unit_codes(s)
    want_codes, want_uniques = pd.factorize(_labunits._strip(s).to_numpy())
    np.testing.assert_array_equal(codes, want_codes)
    assert list(uniques) == list(want_uniques)


@settings_
@given(cells, dtypes)
def test_distinct_text_equals_converting_every_row(values, dtype):
    s = _series(values, dtype)
    for how, plain in ((None, lambda t: t.astype("string").str.strip()),
                       (routine._code_text, routine._code_text)):
        got = routine._distinct_text(s, how)
        pd.testing.assert_series_equal(got, plain(s), check_names=False)


@settings_
@given(st.lists(st.integers(0, 2**40), min_size=1, max_size=40))
def test_distinct_text_of_integer_codes(values):
    s = pd.Series(values, dtype="int64")
    pd.testing.assert_series_equal(routine._distinct_text(s, routine._code_text),
                                   routine._code_text(s), check_names=False)


times = st.sampled_from(["2024-01-01 08:00:00", "2024-01-01 09:30:00", "2024-02-30 08:00:00",
                         "01/02/2024", "", None, "2024-01-03 08:00:00", "soon"])


@settings_
@given(st.lists(times, min_size=1, max_size=50), st.sampled_from([None, "%Y-%m-%d %H:%M:%S"]))
def test_times_parsed_once_per_text_equal_parsing_every_row(values, fmt):
    cells = pd.Series(values, dtype="str")
    with warnings.catch_warnings():  # "01/02/2024" first: an order no time settles (its
        warnings.filterwarnings("ignore", "collected_at: every time reads both")  # test:
        got, bad, used = _routine_io.parse_times(cells, fmt)  # test_routine_time_order)
    text = cells.astype("string").str.strip()
    filled = (text.notna() & (text != "")).to_numpy(dtype=bool)
    if not filled.any():
        return
    want = pd.to_datetime(text.where(filled, None), format=used, errors="coerce")
    pd.testing.assert_series_equal(got, want, check_names=False)
    np.testing.assert_array_equal(bad, np.flatnonzero(filled & want.isna().to_numpy()))


columns = st.lists(st.lists(st.sampled_from([0, 1, 2, 3, None]), min_size=12, max_size=12),
                   min_size=1, max_size=5)


@settings_
@given(columns, st.sampled_from([0, 1, 2**40]))
def test_folded_codes_find_the_duplicates_of_dataframe_duplicated(cols, scale):
    frame = pd.DataFrame({f"c{k}": pd.array([None if v is None else v * scale + k
                                             for v in c], dtype="Int64")
                          for k, c in enumerate(cols)})
    got = _routine_pair.duplicated([pd.factorize(frame[c])[0] for c in frame.columns])
    np.testing.assert_array_equal(got, frame.duplicated(keep="first").to_numpy())


def test_folded_codes_renumber_before_int64_overflows():
    rng = np.random.default_rng(1)
    cols = [rng.integers(0, 50_000, 2_000) for _ in range(6)]  # 50 000**6 > 2**63
    cols[3][1000:] = cols[3][:1000]  # rows 1000.. repeat rows ..999 in every column
    for c in cols:
        c[1000:] = c[:1000]
    frame = pd.DataFrame({f"c{k}": c for k, c in enumerate(cols)})
    got = _routine_pair.duplicated([pd.factorize(frame[c])[0] for c in frame.columns])
    np.testing.assert_array_equal(got, frame.duplicated().to_numpy())
    assert got[1000:].all() and not got[:1000].any()


draws = st.lists(st.fixed_dictionaries({
    "_draw": st.integers(0, 3),
    "analyte": st.sampled_from(["shbg", "albumin", "total_testosterone"]),
    "value": st.sampled_from([1.0, 2.0, 2.0, np.nan, 0.0, -0.0]),
    "censored": st.sampled_from(["", "", "<", ">"]),
    "collected_at": st.sampled_from(["2024-01-01 08:00", "2024-01-01 09:00", None]),
}), min_size=1, max_size=30)


@settings_
@given(draws, st.sampled_from(["first", "last"]))
def test_first_or_last_equals_the_pandas_sort_and_groupby(rows, repeats):
    d = pd.DataFrame(rows)
    d["analyte"] = d["analyte"].astype("string")
    d["censored"] = d["censored"].astype("string")
    d["collected_at"] = pd.to_datetime(d["collected_at"])
    d["source_row"] = np.random.default_rng(len(rows)).permutation(len(rows))
    got, n_rep, n_conf = _routine_pair._one_per_analyte(d.copy(), repeats, None)
    # float source rows take the plain path (sort_values, groupby transforms)
    plain = d.assign(source_row=d["source_row"].astype(float))
    want, want_rep, want_conf = _routine_pair._one_per_analyte(plain, repeats, None)
    pd.testing.assert_frame_equal(got, want.astype({"source_row": np.int64}))
    assert (n_rep, n_conf) == (want_rep, want_conf)
