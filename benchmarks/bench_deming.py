"""Weighted Deming's jackknife: the n leave-one-out refits at once, as a ratio to the loop.

``deming(weighted=True)`` refits Linnet's (1990) iteration to each of the n data sets
with one pair left out. labstats iterates them together as rows of (block, n) arrays
(``labstats.stats._deming._jackknife_wdeming``); the reference is the loop it replaced,
one ``_wdeming_fit`` call per left-out pair (the results agree to 1e-12:
tests/stats/test_methods_audit.py). Measured side by side in one run, alternating, best of
3, CPU time of this process; ratio = loop / labstats, at n = 40 (CLSI EP09's minimum
number of samples), 200, 1,000 and 4,000 (goal >= 3 at n = 40 and 200, where the loop's
per-call overhead dominates; both are O(n^2) arithmetic, so from n = 1,000 the ratio nears
1: it must stay >= 1, which blocks of 2 MB missed at n = 4,000, 0.4).
Run: ``python benchmarks/run.py benchmarks.bench_deming``.
"""

from __future__ import annotations

import numpy as np

from benchmarks._common import alternating
from labstats.stats._deming import _jackknife_wdeming, _wdeming_fit


def naive_jackknife(a, b, lam):
    """One refit per left-out pair, in a Python loop (labstats' code before)."""
    return [_wdeming_fit(np.delete(a, k), np.delete(b, k), lam) for k in range(a.size)]


def run() -> list[dict]:
    rows = []
    rng = np.random.default_rng(1)
    for n in (40, 200, 1_000, 4_000):
        true = rng.lognormal(3.0, 1.0, n)  # constant CV of 8 % in both methods
        a, b = true * rng.lognormal(0, 0.08, n), 1.05 * true * rng.lognormal(0, 0.08, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            ours, loop = alternating(lambda a=a, b=b: _jackknife_wdeming(a, b, 1.0),
                                     lambda a=a, b=b: naive_jackknife(a, b, 1.0))
        rows.append({"name": f"weighted Deming jackknife, n={n:,}: loop / labstats "
                             "(goal >= 3 at n <= 200, >= 1 above)", "seconds": ours,
                     "reference_seconds": loop, "ratio": loop / ours})
    return rows
