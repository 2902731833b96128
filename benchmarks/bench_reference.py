"""Reference intervals' bootstrap refits, as ratios to the per-resample loop they replace.

``reference_interval(method="robust")`` refits the Horn-Pesce-Copeland biweight limits to
2,000 resamples (the default ``n_boot``), ``method="bootstrap"`` the rank limits. labstats
refits the resamples in vectorised blocks (``labstats.stats._ri_boot``); the reference is
the naive implementation below, one Python call per resample (robust) and one (n_boot, n)
array sorted in full (bootstrap), as labstats did before (same random numbers: the
results agree, tests/test_perf_audit.py). Measured side by side in one run, alternating,
best of 3, CPU time of this process (``time.process_time``; steadier than wall time on a
shared machine; numpy single-threaded here):
(a) robust, n = 120 (CLSI's minimum) and n = 10,000: ratio = loop / labstats (goal >= 5
    at n = 120, where the loop's per-call overhead dominates; at n = 10,000 each refit is
    arithmetic-bound and the two are about even, 0.8-1.0 in December 2026);
(b) bootstrap, n = 50,000: ratio = full sort / labstats seconds; and the peak memory
    (``tracemalloc``) of labstats against the loop's (goal: bounded, <= 0.1 of the loop's,
    which holds 2 x n_boot x n x 8 bytes).
Run: ``python benchmarks/run.py benchmarks.bench_reference``.
"""

from __future__ import annotations

import tracemalloc

import numpy as np

from benchmarks._common import alternating
from labstats.stats.reference import _rank_quantile, tail_probabilities


# ----------------------------------------------------------------- the naive implementation
# Kept deliberately: the developers' guide asks a benchmark to compare with a naive
# implementation, and this is labstats' own per-sample code before the vectorised refits
# (stats/reference.py before commit 89d0917), one Python call per resample, which
# tests/test_perf_audit.py uses as the oracle. Not a copy to replace with an import.
def _naive_biweight_scale(x, center, c, mad, with_n=True):
    u = (x - center) / (c * mad)
    m = np.abs(u) < 1
    u2 = u[m] ** 2
    num = np.sum((x[m] - center) ** 2 * (1 - u2) ** 4)
    den = np.sum((1 - u2) * (1 - 5 * u2))
    return np.sqrt((x.size if with_n else 1) * num / (den * max(1.0, den - 1.0)))


def naive_robust_limits(x, coverage):
    """Horn, Pesce & Copeland limits of one sample (labstats' code before the audit)."""
    from scipy import stats

    med = np.median(x)
    mad = np.median(np.abs(x - med)) / 0.6745
    if mad == 0:
        return np.nan, np.nan
    t = med
    for _ in range(100):
        u = (x - t) / (3.7 * mad)
        w = np.where(np.abs(u) < 1, (1 - u**2) ** 2, 0.0)
        t_new = np.sum(w * x) / np.sum(w)
        if abs(t_new - t) < 1e-10 * (abs(t) + mad):
            t = t_new
            break
        t = t_new
    s_pred = _naive_biweight_scale(x, med, 205.6, mad)
    s_37 = _naive_biweight_scale(x, med, 3.7, mad)
    s_t = _naive_biweight_scale(x, t, 3.7, s_37, with_n=False)
    half = stats.t.ppf(0.5 + coverage / 2, x.size - 1) * np.sqrt(s_pred**2 + s_t**2)
    return t - half, t + half


def naive_robust_boot(y, coverage, n_boot, rng):
    """One refit per resample, in a Python loop."""
    n = y.size
    return np.array([naive_robust_limits(y[rng.integers(0, n, n)], coverage)
                     for _ in range(n_boot)])


def naive_rank_boot(x, coverage, n_boot, rng):
    """All resamples at once, each sorted in full."""
    p_lo, p_hi = tail_probabilities(coverage)
    n = x.size
    samples = np.sort(x[rng.integers(0, n, (n_boot, n))], axis=1)
    return np.column_stack([_rank_quantile(samples, p_lo), _rank_quantile(samples, p_hi)])


# ----------------------------------------------------------------- labstats
def labstats_boot(kind, x, coverage, n_boot, rng):
    """labstats' refits: ``_ri_boot.refit`` as ``reference._one`` calls it (imported, not
    copied, so that the benchmark measures the live code)."""
    from labstats.stats._ri_boot import rank_limits, refit, robust_limits

    if kind == "robust":
        return refit(robust_limits, x, coverage, n_boot, rng)
    return refit(rank_limits, x, tail_probabilities(coverage), n_boot, rng)


# ----------------------------------------------------------------- measures
def _peak(f):
    tracemalloc.start()
    f()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def run(n_boot: int = 2000) -> list[dict]:
    rows = []
    data = np.random.default_rng(1)
    for n in (120, 10_000):
        x = data.lognormal(1.0, 0.3, n)
        ours, loop = alternating(
            lambda x=x: labstats_boot("robust", x, 0.95, n_boot, np.random.default_rng(2)),
            lambda x=x: naive_robust_boot(x, 0.95, n_boot, np.random.default_rng(2)))
        rows.append({"name": f"robust RI, n={n:,}, {n_boot} resamples: loop / labstats "
                             f"(goal >= 5 at n=120)", "seconds": ours, "reference_seconds": loop,
                     "ratio": loop / ours})
    x = data.lognormal(1.0, 0.3, 50_000)
    ours, full = alternating(
        lambda: labstats_boot("rank", x, 0.95, n_boot, np.random.default_rng(2)),
        lambda: naive_rank_boot(x, 0.95, n_boot, np.random.default_rng(2)))
    rows.append({"name": f"bootstrap RI, n=50,000, {n_boot} resamples: full sort / labstats",
                 "seconds": ours, "reference_seconds": full, "ratio": full / ours})
    mine = _peak(lambda: labstats_boot("rank", x, 0.95, n_boot, np.random.default_rng(2)))
    theirs = _peak(lambda: naive_rank_boot(x, 0.95, n_boot, np.random.default_rng(2)))
    rows.append({"name": f"bootstrap RI, n=50,000: peak memory labstats / loop (goal <= 0.1;"
                         f" {mine / 2**20:.0f} MB vs {theirs / 2**20:.0f} MB)",
                 "seconds": None, "reference_seconds": None, "ratio": mine / theirs})
    return rows


if __name__ == "__main__":
    from benchmarks.run import report

    report(run())
