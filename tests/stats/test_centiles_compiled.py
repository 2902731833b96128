"""The compiled LMS scoring (``_lms_jit``, numba) against the numpy path and exact math.

* Every input long enough for the compiled path (> 16,384 rows) is scored twice, compiled
  and with LABSTATS_NO_NUMBA=1 (the numpy code of ``centiles``/``_lms``, itself checked
  against CDC's cdcanthro in test_centiles_cdc.py): the same NaNs, the same warning, and
  the numbers to 1e-12 (absolute; z-scores to 1e-12 relative where |z| > 1).
* ``_vecmath``'s exp and log against numpy's (1 ulp), its Phi against mpmath at 40 digits
  (relative error in the lower tail, absolute near 1).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from labstats.datasets import cdc_growth_lms
from labstats.stats import LMSTable

pytest.importorskip("numba")

N = 40_000  # > 16,384: the compiled path
METHODS = ("zscore", "centile", "modified_zscore")


def _ages(table, sex_code, rng, n):
    """Ages over the table and 5 units beyond, with every reference age, both ends, the
    floats next to them, and NaN."""
    a = table._points[sex_code][0]
    lo, hi = a[0], a[-1]
    special = np.concatenate([a, [lo, hi, np.nextafter(lo, -1), np.nextafter(hi, 1e9),
                                  np.nextafter(lo, 1e9), np.nextafter(hi, -1), np.nan]])
    special = np.concatenate([special, np.nextafter(a, a + 1), np.nextafter(a, a - 1)])
    rest = rng.uniform(lo - 5, hi + 5, n - special.size)
    return np.concatenate([special, rest])


def _both_paths(monkeypatch, table, method, *args):
    with warnings.catch_warnings(record=True) as fast_w:
        warnings.simplefilter("always")
        fast = getattr(table, method)(*args)
    monkeypatch.setenv("LABSTATS_NO_NUMBA", "1")
    try:
        with warnings.catch_warnings(record=True) as slow_w:
            warnings.simplefilter("always")
            slow = getattr(table, method)(*args)
    finally:
        monkeypatch.delenv("LABSTATS_NO_NUMBA")
    assert [str(w.message) for w in fast_w] == [str(w.message) for w in slow_w]
    return np.asarray(fast, float), np.asarray(slow, float)


def _assert_same(fast, slow):
    assert np.array_equal(np.isnan(fast), np.isnan(slow))
    ok = ~np.isnan(slow)
    np.testing.assert_allclose(fast[ok], slow[ok], rtol=1e-12, atol=1e-12)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(20261130)
    table = cdc_growth_lms("bmi")
    age = np.concatenate([_ages(table, 0.0, rng, N // 2), _ages(table, 1.0, rng, N // 2)])
    codes = np.repeat([1.0, 2.0], N // 2)
    perm = rng.permutation(N)
    age, codes = age[perm], codes[perm]
    codes[rng.choice(N, 50, replace=False)] = np.nan  # missing sex
    # BMIs from very low to very high (|z| up to ~30 and the centiles' far tails)
    bmi = np.exp(rng.uniform(np.log(6.0), np.log(150.0), N))
    bmi[rng.choice(N, 50, replace=False)] = np.nan
    return table, bmi, age, codes


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("sex_as", ["nhanes_float", "nhanes_int_series", "text",
                                    "categorical", "scalar"])
def test_compiled_equals_numpy_path_cdc_bmi(monkeypatch, data, method, sex_as):
    table, bmi, age, codes = data
    text = np.where(codes == 1.0, "M", np.where(codes == 2.0, "female", None))
    sex = {"nhanes_float": codes,  # no missing sex as int: 1 there
           "nhanes_int_series": pd.Series(np.where(np.isnan(codes), 1, codes).astype(np.int64)),
           "text": text,
           "categorical": pd.Series(pd.Categorical(
               text, categories=["female", "M", "unused"])),  # and missing values
           "scalar": "F"}[sex_as]
    fast, slow = _both_paths(monkeypatch, table, method, bmi, age, sex)
    _assert_same(fast, slow)
    assert np.isfinite(fast).sum() > N * 0.8


@pytest.mark.filterwarnings("ignore:age. .* outside the table")
def test_compiled_categorical_codes_straight_and_unknown_category(data):
    table, bmi, age, codes = data
    ok = ~np.isnan(codes)
    text = np.where(codes[ok] == 1.0, "male", "F")
    cat = pd.Series(text).astype("category")
    np.testing.assert_array_equal(np.asarray(table.zscore(bmi[ok], age[ok], cat)),
                                  np.asarray(table.zscore(bmi[ok], age[ok], codes[ok])))
    bad = cat.cat.add_categories(["U"])
    bad.iloc[7] = "U"
    with pytest.raises(ValueError, match="sex"):
        table.zscore(bmi[ok], age[ok], bad)
    with pytest.raises(ValueError, match="sex"):
        table.zscore(bmi[ok], age[ok], np.where(np.arange(ok.sum()) == 9, 3.0, codes[ok]))


@pytest.mark.parametrize("method", METHODS)
def test_compiled_equals_numpy_irregular_table_without_sex(monkeypatch, method):
    """Reference ages at uneven steps (the bucket grid then needs its correction step)."""
    ages = np.array([0.0, 0.3, 1.0, 1.05, 2.7, 4.0, 9.99, 10.0])
    t = LMSTable(ages, L=np.linspace(-1.5, 1.2, 8), M=np.linspace(10, 30, 8),
                 S=np.linspace(0.08, 0.2, 8), age_unit="years")
    rng = np.random.default_rng(3)
    age = np.concatenate([ages, np.nextafter(ages, 20), np.nextafter(ages, -20),
                          rng.uniform(-1, 11, N)])
    y = rng.lognormal(np.log(18), 0.4, age.size)
    fast, slow = _both_paths(monkeypatch, t, method, y, age, None)
    _assert_same(fast, slow)
    # a table with L = 0 at some ages: the log limit z = log(y/M)/S
    t0 = LMSTable(ages, L=np.zeros(8), M=np.linspace(10, 30, 8), S=np.full(8, 0.1))
    fast, slow = _both_paths(monkeypatch, t0, method, y, age, None)
    _assert_same(fast, slow)


def test_too_uneven_table_falls_back_to_numpy(monkeypatch):
    t = LMSTable([0.0, 1e-9, 100.0], [1.0, 1.0, 1.0], [10.0, 10.0, 20.0], [0.1, 0.1, 0.1])
    from labstats.stats import _lms_jit

    assert _lms_jit.tables(t._points) is None
    age = np.linspace(0, 100, N)
    fast, slow = _both_paths(monkeypatch, t, "zscore", np.full(N, 15.0), age, None)
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.filterwarnings("ignore:age. .* outside the table")
def test_thread_count_does_not_change_results(data):
    import numba

    table, bmi, age, codes = data
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = np.asarray(table.centile(bmi, age, codes))
        numba.set_num_threads(before)
        many = np.asarray(table.centile(bmi, age, codes))
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, many)


# ---------------------------------------------------------------------------- _vecmath
def _vectorised(fn):
    import numba

    @numba.njit
    def apply(x, out):
        for i in range(x.size):
            out[i] = fn(x[i])
    return apply


def test_vecmath_exp_log_within_one_ulp_of_numpy():
    from labstats.stats import _vecmath

    rng = np.random.default_rng(1)
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, 1e-310, -1.0, 1.0,
                         709.78, 709.79, -745.13, -745.14, -708.5, 1e308])
    x_exp = np.concatenate([rng.uniform(-760, 720, 200_000), rng.normal(0, 1, 100_000),
                            specials])
    x_log = np.concatenate([np.exp(rng.uniform(-745, 709, 200_000)),
                            rng.uniform(0.2, 5, 100_000), specials])
    for fn, ref, x in ((_vecmath.exp, np.exp, x_exp), (_vecmath.log, np.log, x_log)):
        out = np.empty_like(x)
        _vectorised(fn)(x, out)
        with np.errstate(all="ignore"):
            want = ref(x)
        assert np.array_equal(np.isnan(out), np.isnan(want))
        ok = np.isfinite(want)
        assert np.array_equal(out[~ok & ~np.isnan(want)], want[~ok & ~np.isnan(want)])
        assert (np.abs(out[ok] - want[ok]) <= np.spacing(np.abs(want[ok]))).all()


def test_vecmath_ndtr_tail_accurate_against_mpmath():
    """Phi to 1.5e-15 relative wherever Phi < 0.5 (down to 1e-300: Cephes' own ndtr, as in
    scipy, loses up to 2e-13 there), to 2.3e-16 absolute above."""
    mpmath = pytest.importorskip("mpmath")
    from labstats.stats import _vecmath

    rng = np.random.default_rng(2)
    x = np.concatenate([np.linspace(-37.0, 9.0, 3001), rng.normal(0, 2, 2000),
                        [-1.4142135623730951, 1.4142135623730951, -11.313708498984761]])
    out = np.empty_like(x)
    _vectorised(_vecmath.ndtr)(x, out)
    with mpmath.workdps(40):
        want = np.array([float(mpmath.ncdf(mpmath.mpf(float(v)))) for v in x])
    low = want < 0.5
    assert (np.abs(out[low] - want[low]) <= 1.5e-15 * want[low]).all()
    assert (np.abs(out[~low] - want[~low]) <= 2.3e-16).all()
    sp = np.array([np.nan, np.inf, -np.inf, -40.0, 40.0, 0.0])
    out = np.empty_like(sp)
    _vectorised(_vecmath.ndtr)(sp, out)
    np.testing.assert_array_equal(out, [np.nan, 1.0, 0.0, 0.0, 1.0, 0.5])


@pytest.mark.filterwarnings("ignore:age. .* outside the table")
def test_forked_child_scores_serially_after_parent_used_threads(data):
    """After the parent ran the threaded kernel, a fork()ed child (multiprocessing's
    default on Linux) scores with the serial kernel instead of a thread pool that is not
    fork-safe (GNU OpenMP aborts such a child), with the same results."""
    import multiprocessing as mp

    import numba

    if "fork" not in mp.get_all_start_methods():
        pytest.skip("no fork() on this platform")
    table, bmi, age, codes = data
    if numba.get_num_threads() < 2:
        pytest.skip("numba has one thread here")
    parent = np.asarray(table.centile(bmi, age, codes))  # starts the pool
    with mp.get_context("fork").Pool(1) as pool:
        # without the guard the child hangs in the pool: fail after 2 minutes instead
        child = pool.apply_async(_centile_in_child, (bmi, age, codes)).get(timeout=120)
    np.testing.assert_array_equal(child, parent)


def _centile_in_child(bmi, age, codes):
    import warnings

    warnings.simplefilter("ignore")
    return np.asarray(cdc_growth_lms("bmi").centile(bmi, age, codes))


_SCORE_AND_REPORT = """
import json, numpy as np
from labstats.datasets import cdc_growth_lms
from labstats.stats import _lms_jit
rng = np.random.default_rng(5)
n = 40_000
table = cdc_growth_lms("bmi")
age, sex = rng.uniform(24, 240, n), rng.integers(1, 3, n).astype(float)
for method in ("zscore", "centile", "modified_zscore"):
    getattr(table, method)(rng.lognormal(np.log(18), 0.2, n), age, sex)
stats = [f.stats for f in (_lms_jit._run, _lms_jit._run_parallel)]
print(json.dumps({"hits": sum(sum(s.cache_hits.values()) for s in stats),
                  "misses": sum(sum(s.cache_misses.values()) for s in stats)}))
"""


def test_second_process_loads_the_kernel_from_the_disk_cache():
    """The kernel is compiled once (cache=True): a second process scoring the same kinds of
    input loads it from numba's cache (a cache miss there would cost seconds of
    compilation in every new process)."""
    import json
    import os
    import subprocess
    import sys

    def run():
        out = subprocess.run([sys.executable, "-c", _SCORE_AND_REPORT], check=True,
                             capture_output=True, text=True, env=dict(os.environ),
                             timeout=600)
        return json.loads(out.stdout.strip().splitlines()[-1])

    run()  # compiles and writes the cache unless an earlier run did
    second = run()
    assert second["misses"] == 0, second
    assert second["hits"] >= 1, second


@pytest.mark.parametrize("method", METHODS)
def test_compiled_sexes_with_different_age_ranges_and_steps(monkeypatch, method):
    """Boys and girls on different lattices (half months from 24, a twelfth of a year
    from 3: steps that are not binary fractions) and different age ranges: each row is
    checked against its own sex's range, on its own lattice."""
    boys = np.concatenate([[24.0], np.arange(24.5, 240.0, 1.0), [240.0]])
    girls = 3.0 + np.arange(0, 12 * 14 + 1) / 12.0 * 12.0  # 3-171 months, 1-month steps
    girls = girls[np.r_[0:5, 7:60, 61:girls.size]]  # with gaps of 2 and 3 steps
    a = np.concatenate([boys, girls])
    rng = np.random.default_rng(11)
    # L kept away from 0: near L = 0 CDC's literal ((y/M)^L - 1)/(L S), which both paths
    # evaluate (as pow and as exp(L log)), loses digits (1e-11 relative at |L| ~ 1e-5)
    t = LMSTable(a, L=rng.uniform(-2.0, -0.2, a.size), M=rng.uniform(14, 25, a.size),
                 S=rng.uniform(0.05, 0.15, a.size),
                 sex=np.r_[np.full(boys.size, "M"), np.full(girls.size, "F")])
    from labstats.stats import _lms_jit

    assert _lms_jit.tables(t._points) is not None  # both on a lattice: compiled
    age = np.concatenate([a, np.nextafter(a, 1e9), np.nextafter(a, -1e9),
                          rng.uniform(0, 250, N)])
    sex = np.where(rng.uniform(size=age.size) < 0.5, 1.0, 2.0)
    y = rng.lognormal(np.log(18), 0.3, age.size)
    fast, slow = _both_paths(monkeypatch, t, method, y, age, sex)
    _assert_same(fast, slow)
    assert np.isfinite(fast).sum() > N * 0.6


def test_lattice_of_twelfths_holds_every_reference_age():
    """Ages in years at whole months (k/12, not exact in binary) lie on a lattice; the
    reference values themselves are the lattice values at the reference ages."""
    from labstats.stats import _lms_jit

    a = np.array([2.0, 2 + 1 / 12, 2.25, 3.0, 5.0 + 7 / 12, 18.0])
    L, M, S = np.linspace(-1, 1, 6), np.linspace(15, 22, 6), np.linspace(0.08, 0.12, 6)
    par, P = _lms_jit.tables({None: (a, L, M, S)})
    step = 1.0 / par[2]
    assert step == pytest.approx(1 / 12, rel=1e-15)
    k = np.rint((a - a[0]) / step).astype(int)
    np.testing.assert_array_equal(P.reshape(-1, 3)[k], np.column_stack([L, M, S]))
    assert _lms_jit.tables({None: (np.array([0.0, 1.0, np.sqrt(2.0)]), L[:3], M[:3],
                                   S[:3])}) is None  # no common step: numpy scores it


@pytest.mark.parametrize("how", ["scalar_age", "one_sex_list", "uint8_codes", "int8_codes"])
def test_compiled_broadcast_and_code_dtypes(monkeypatch, data, how):
    table, bmi, age, codes = data
    known = np.where(np.isnan(codes), 1.0, codes)
    args = {"scalar_age": (bmi, 150.0, codes), "one_sex_list": (bmi, age, ["F"]),
            "uint8_codes": (bmi, age, known.astype(np.uint8)),
            "int8_codes": (bmi, age, pd.Series(known.astype(np.int8)))}[how]
    for method in METHODS:
        fast, slow = _both_paths(monkeypatch, table, method, *args)
        _assert_same(fast, slow)
