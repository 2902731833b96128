"""Binding models on 10 million rows, as ratios measured side by side in one run.

(a) memory-bandwidth floor: read three float64 arrays, write one;
(b) ``free_testosterone`` with the default method;
(c) a row-by-row implementation as users commonly write it (pandas ``apply`` of a scalar
    function), measured on a slice and scaled;
(d) peak memory of (b) against the size of its inputs;
(e) the iterative Södergård model (saturable albumin) against scipy's ``brentq`` called row
    by row, measured on a slice and scaled.
Goals (issue 2): b/a <= 4, c/b >= 500, peak <= 6 x inputs, e >= 100 x.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pandas as pd

import labstats
from benchmarks._common import best_of, floor_seconds


def _inputs(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    tt = rng.lognormal(np.log(15.0), 0.5, n).clip(0.1, 90)
    shbg = rng.lognormal(np.log(40.0), 0.5, n).clip(1, 500)
    alb = rng.normal(43.0, 3.0, n).clip(25, 55)
    return tt, shbg, alb


def _vermeulen_scalar(tt, shbg, alb):
    """What a user typically writes: one row at a time, constants inline."""
    n = 1 + 3.6e4 * alb / 69000
    a = 1e9 * n
    b = n + 1e9 * (shbg * 1e-9 - tt * 1e-9)
    return (-b + math.sqrt(b * b + 4 * a * tt * 1e-9)) / (2 * a) * 1e9


def _sodergard_brentq(tt, shbg, alb):
    from scipy.optimize import brentq

    t, s, a = tt * 1e-9, shbg * 1e-9, alb / 69000
    kt, ka = 5.97e8, 4.06e4

    def g(f):
        return f + a * ka * f / (1 + ka * f) + s * kt * f / (1 + kt * f) - t
    return brentq(g, 0.0, t, xtol=1e-30, rtol=4 * np.finfo(float).eps) * 1e9


def run(n: int = 10_000_000, slice_n: int = 20_000) -> list[dict]:
    tt, shbg, alb = _inputs(n)
    rows = []
    t_floor = floor_seconds(tt, shbg, alb)
    t_vec = best_of(lambda: labstats.free_testosterone(tt, shbg, alb))
    rows.append({"name": "free_testosterone vermeulen1999 / floor (goal <= 4)", "seconds": t_vec,
                 "reference_seconds": t_floor, "ratio": t_vec / t_floor})

    df = pd.DataFrame({"tt": tt[:slice_n], "shbg": shbg[:slice_n], "alb": alb[:slice_n]})
    t_apply = best_of(lambda: df.apply(lambda r: _vermeulen_scalar(r.tt, r.shbg, r.alb), axis=1),
                      repeat=1) * n / slice_n
    ref = df.apply(lambda r: _vermeulen_scalar(r.tt, r.shbg, r.alb), axis=1)
    got = labstats.free_testosterone(df.tt, df.shbg, df.alb)
    assert np.allclose(ref, got, rtol=1e-9), "naive and vectorised disagree"
    rows.append({"name": "row-by-row pandas apply / free_testosterone (goal >= 500)",
                 "seconds": t_apply, "reference_seconds": t_vec, "ratio": t_apply / t_vec})

    tracemalloc.start()
    labstats.free_testosterone(tt, shbg, alb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    inputs = tt.nbytes + shbg.nbytes + alb.nbytes
    rows.append({"name": "free_testosterone peak memory / inputs (goal <= 6)",
                 "seconds": float("nan"), "reference_seconds": float("nan"),
                 "ratio": peak / inputs})

    t_sod = best_of(lambda: labstats.free_testosterone(tt, shbg, alb, method="sodergard1982"))
    rows.append({"name": "free_testosterone sodergard1982 (iterative) / floor",
                 "seconds": t_sod, "reference_seconds": t_floor, "ratio": t_sod / t_floor})
    k = slice_n // 4
    t_brentq = best_of(lambda: [_sodergard_brentq(a, b, c) for a, b, c in
                                zip(tt[:k], shbg[:k], alb[:k], strict=True)], repeat=1) * n / k
    ref = np.array([_sodergard_brentq(a, b, c) for a, b, c in zip(tt[:200], shbg[:200],
                                                                  alb[:200], strict=True)])
    got = labstats.free_testosterone(tt[:200], shbg[:200], alb[:200], method="sodergard1982")
    assert np.allclose(ref, got, rtol=1e-12), "brentq and Newton disagree"
    rows.append({"name": "scipy brentq row by row / sodergard1982 vectorised (goal >= 100)",
                 "seconds": t_brentq, "reference_seconds": t_sod, "ratio": t_brentq / t_sod})
    return rows


if __name__ == "__main__":
    from benchmarks.run import report

    report(run())
