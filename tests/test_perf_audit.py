"""Vectorised replacements of per-row / per-resample Python loops equal the loops they
replace (the naive implementations, kept here as the oracle), on awkward inputs.

Speed is measured in benchmarks/bench_perf_audit.py (ratios side by side), not here.
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
