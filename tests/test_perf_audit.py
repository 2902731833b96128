"""Vectorised replacements of per-row / per-resample Python loops equal the loops they
replace (the naive implementations, kept here as the oracle), on awkward inputs.

Speed is measured in benchmarks/bench_reference.py (ratios side by side), not here.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.bench_reference import labstats_boot, naive_rank_boot, naive_robust_boot, naive_robust_limits
from labstats.stats import _ri_boot, reference
from labstats.stats.reference import _rank_quantile, tail_probabilities


def _new_boot(kind, x, coverage, n_boot, rng):
    return labstats_boot("robust" if kind == "robust" else "rank", x, coverage, n_boot, rng)


AWKWARD = {
    "lognormal": np.random.default_rng(1).lognormal(1, 0.4, 120),
    "ties (one decimal)": np.round(np.random.default_rng(2).normal(4.2, 0.5, 150), 1),
    "mostly tied (MAD 0 resamples)": np.r_[np.full(11, 5.0), np.linspace(3, 7, 9)],
    "odd n, outliers": np.r_[np.random.default_rng(3).normal(10, 1, 97), 40.0, 55.0, -9.0],
    "tiny": np.array([1.0, 2.0, 2.0, 3.0]),
}


@pytest.mark.parametrize("name", list(AWKWARD))
@pytest.mark.parametrize("coverage", [0.95, 0.90])
def test_robust_resamples_equal_the_loop(name, coverage, monkeypatch):
    """The blocked robust refits equal one refit per resample: the same random numbers,
    NaN for the same (MAD 0) resamples, values to 1e-12 (the biweight scale sums its
    masked terms with zeros in place, which may round the last bit differently)."""
    monkeypatch.setattr(_ri_boot, "BLOCK", 7 * AWKWARD[name].size)  # several blocks
    x = AWKWARD[name]
    old = naive_robust_boot(x, coverage, 40, np.random.default_rng(9))
    rng = np.random.default_rng(9)
    new = _new_boot("robust", x, coverage, 40, rng)
    assert np.array_equal(np.isnan(old), np.isnan(new))
    np.testing.assert_allclose(new, old, rtol=1e-12, atol=0)
    # the stream after the resamples is where the loop left it (next partition's draws)
    ref = np.random.default_rng(9)
    naive_robust_boot(x, coverage, 40, ref)
    assert rng.integers(0, 1 << 40) == ref.integers(0, 1 << 40)
    if name == "mostly tied (MAD 0 resamples)":
        assert np.isnan(new).any() and not np.isnan(new).all()


@pytest.mark.parametrize("name", list(AWKWARD))
def test_rank_resamples_equal_sorting(name, monkeypatch):
    """Selection (np.partition) in blocks gives bit for bit the sorted resamples' limits."""
    monkeypatch.setattr(_ri_boot, "BLOCK", 5 * AWKWARD[name].size + 3)
    x = AWKWARD[name]
    for coverage in (0.95, 0.90, 0.5):
        old = naive_rank_boot(x, coverage, 33, np.random.default_rng(4))
        new = _new_boot("rank", x, coverage, 33, np.random.default_rng(4))
        assert np.array_equal(old, new)


def test_robust_point_estimate_equals_the_loop():
    for x in AWKWARD.values():
        old = naive_robust_limits(x, 0.95)
        new = reference._robust_limits(x, 0.95)
        np.testing.assert_allclose(new, old, rtol=1e-12, atol=0)


@pytest.mark.parametrize("method", ["robust", "bootstrap"])
def test_reference_interval_by_partitions_equals_the_loop(method):
    """End to end, partitions sharing one random stream: the loops' intervals."""
    import pandas as pd

    rng = np.random.default_rng(5)
    x = pd.Series(np.round(rng.lognormal(1, 0.3, 300), 2))
    x[[3, 50]] = np.nan
    g = np.where(np.arange(300) % 3 == 0, "a", "b")
    res = reference.reference_interval(x, method=method, by=g, transform=None, n_boot=60,
                                       seed=11)
    ref = np.random.default_rng(11)
    a = 1 - 0.90
    for key in ("a", "b"):
        v = x.to_numpy()[(g == key) & x.notna().to_numpy()]
        if method == "robust":
            est = naive_robust_limits(v, 0.95)
            boot = naive_robust_boot(v, 0.95, 60, ref)
        else:
            xs = np.sort(v)
            est = tuple(_rank_quantile(xs, p) for p in tail_probabilities(0.95))
            boot = naive_rank_boot(v, 0.95, 60, ref)
        ci = np.quantile(boot, [a / 2, 1 - a / 2], axis=0)
        got = res[res.group == key]
        np.testing.assert_allclose(got.estimate, est, rtol=1e-12)
        np.testing.assert_allclose(got.ci_low, ci[0], rtol=1e-12)
        np.testing.assert_allclose(got.ci_high, ci[1], rtol=1e-12)


# ------------------------------------------------------------------ wide exports: each
# distinct text of a column is read once (parse_column), every row as when read one by one
_CELLS = ["4.2", "4,2", "1,200", "1.200", "1,200.5", " 12.5 ", "<0.5", "< 0.5", "<=2", ">200",
          "≥ 9", "ND", "nd", "not detected", "", "NA", "n/a", "abc", "450 H", "450*", "3.1 (L)",
          "4.5 mmol/L", "4.5 nmol/l H", "4.5 foo", "1 200", "1\u00a0200", "−3", "12,5,1",
          "0.5e3", ".5", "5.", "+7", "-1", "HH", "2024-01-03"]


def _read_both(cells, monkeypatch, **kw):
    import pandas as pd

    from labstats.datasets import _labcells

    out = []
    for rowwise in (False, True):
        with monkeypatch.context() as m:
            if rowwise:  # the reading before: every row's cell on its own
                m.setattr(_labcells, "_distinct_cells", lambda raw: (np.arange(len(raw)), raw))
            problems: list = []
            res = _labcells.parse_column(cells, "T", problems=problems, what="x", **kw)
        values, side, units, flags = res
        out.append((values, list(side), units.to_dict(), None if flags is None else
                    flags.astype(object).where(flags.notna(), None).to_dict(), problems))
        assert isinstance(units, pd.Series)
    return out


@pytest.mark.parametrize("dtype", [object, "string"])
@pytest.mark.parametrize("kw", [
    dict(decimal="auto", thousands=None, limit=None, censorable=True),
    dict(decimal="auto", thousands=",", limit=0.5, censorable=True),
    dict(decimal=",", thousands=None, limit=None, censorable=False),
    dict(decimal=".", thousands=" ", limit=1.0, censorable=True),
])
def test_distinct_cells_read_as_every_row(dtype, kw, monkeypatch):
    import pandas as pd

    rng = np.random.default_rng(len(str(kw)))
    for _ in range(5):
        picks = rng.choice(len(_CELLS), 60)
        cells = pd.Series([_CELLS[i] for i in picks], dtype=dtype,
                          index=pd.Index(rng.permutation(1000)[:60] * 3))  # not 0..n-1
        (v1, s1, u1, f1, p1), (v2, s2, u2, f2, p2) = _read_both(cells, monkeypatch, **kw)
        np.testing.assert_array_equal(v1, v2)
        assert s1 == s2 and u1 == u2 and f1 == f2
        assert p1 == p2  # the same problems, in the same order
    assert p1  # (the pool holds unreadable cells)


def test_distinct_cells_with_missing_and_mixed_objects(monkeypatch):
    """None/NaN among the texts: still read once per text; numbers among them (1, 1.0,
    True hash alike): read row by row, as before."""
    import pandas as pd

    for cells in (pd.Series(["<0.5", None, "4.2", np.nan, "4.2", "abc", None], dtype=object),
                  pd.Series(["4.2", 1, 1.0, True, "1", "<2"], dtype=object),
                  pd.Series(["4.2", pd.NA, "ND", "4.2"], dtype="string"),
                  pd.Series([], dtype=object)):
        (v1, s1, u1, f1, p1), (v2, s2, u2, f2, p2) = _read_both(
            cells, monkeypatch, decimal="auto", thousands=None, limit=None, censorable=True)
        np.testing.assert_array_equal(v1, v2)
        assert (s1, u1, f1, p1) == (s2, u2, f2, p2)


_IDS = ["7", "001", " 001", "001 ", "7.0", "7.00", "7.", "7.01", "a.0", "\u00a0007", "007\u2003",
        "x\n", "7.0\n", "\u0667.0", "\uff17.0", "id 7", "", "abc", "é", "7\t", "\x1c7", "٧"]


@pytest.mark.parametrize("dtype", [object, "string"])
def test_odd_ids_found_as_by_python_re(dtype):
    """The RE2 pre-filter then Python's re: the same answer as Python's re on every id."""
    import pandas as pd

    from labstats.datasets._routine_io import ODD_ID
    from labstats.datasets.labfile import _any_odd_id

    for cells in [[i] for i in _IDS] + [["1", "2", i, None] for i in _IDS]:
        ids = pd.Series(cells, dtype=dtype)
        naive = bool(ids.astype("string").str.contains(ODD_ID, regex=True).any())
        assert _any_odd_id(ids, ODD_ID) == naive, cells


def test_cell_types_asked_per_type_equal_per_cell():
    """Object columns (Excel, DataFrames): numbers, dates and text found per distinct type
    of cell give what isinstance per cell gave, on every kind of cell a sheet or a frame
    holds."""
    import datetime
    import decimal

    import pandas as pd

    from benchmarks.bench_labfile import naive_as_text, naive_dated
    from labstats.datasets import _labcells

    class Sub(str):
        pass

    kinds = [1, 1.0, -0.0, True, np.bool_(False), np.int32(7), np.float32(2.5), np.nan, None,
             pd.NA, pd.NaT, "4.2", " <0.5 ", np.str_("3,1"), Sub("9"), b"7", decimal.Decimal("1.5"),
             datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 3), datetime.time(1, 12),
             datetime.timedelta(1), np.datetime64("2024-01-02"), pd.Timestamp("2024-01-02"),
             float("inf"), 10**20, "", "ND"]
    rng = np.random.default_rng(8)
    for cells in [[k] for k in kinds] + [list(rng.choice(np.array(kinds, dtype=object), 50))
                                         for _ in range(20)] + [[]]:
        raw = pd.Series(cells, dtype=object, index=np.arange(len(cells)) * 2)
        t1, d1, n1 = _labcells._as_text(raw)
        t2, d2, n2 = naive_as_text(raw)
        assert t1.equals(t2) and np.array_equal(n1, n2)
        np.testing.assert_array_equal(d1, d2)
        assert np.array_equal(_labcells._dated(raw), naive_dated(raw))
