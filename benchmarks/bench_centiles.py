"""Centile curves: fitting LMS to 20,000 observations, scoring 10 million values.

(a) ``fit_lms`` on 20,000 ages (24-240 months) and BMIs drawn from the CDC 2000 BMI-for-age
curves of boys (BCCG; the data of tests/stats/test_centiles_fit.py): the penalised fit with
its smoothness chosen by local ML (goal, issue 14: < 2 s), and the maximum-likelihood fit on
the fixed 23-column cubic B-spline basis of the same ages. When the GPL Python port of
gamlss (PyPI ``gamlss`` 0.1.0, a test-only oracle, never a dependency) is installed, it fits
that fixed-basis BCCGo model to the same data (its 0.1.0 has no ``pb()`` smoother, so the
penalised fit has no counterpart there); ratio = gamlss seconds / labstats seconds on the
same model (> 1: labstats faster; goal >= 10). Without gamlss the reference is n/a.
(b) ``LMSTable.zscore``/``centile``/``modified_zscore`` of 10 million BMIs against the CDC
BMI chart (value, age, sex as NHANES codes 1/2; once sex as a Categorical): best-of-3 wall
time / the memory floor of benchmarks/_common.py on the same three inputs (goal <= 4).
Both allocate their 80 MB output in every call, as a user's call does. The floor is one
numpy thread; the compiled scoring runs on numba's threads (all cores by default), so
each call is timed with those threads and again with one thread, and on one thread also
as CPU time of this process against the floor's CPU time (best of 5): on a machine shared
with other work the wall-time ratios swing with the load, the CPU-time ratio much less.

Run: ``python benchmarks/bench_centiles.py`` or through ``benchmarks/run.py``.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from benchmarks._common import best_of, floor_seconds


def _simulate(n: int, seed: int = 7):
    from scipy.special import ndtr, ndtri

    from labstats.datasets import cdc_growth_lms
    from labstats.stats import _lms

    rng = np.random.default_rng(seed)
    age = rng.uniform(24, 240, n)
    p = cdc_growth_lms("bmi").parameters(age, "male")
    L, M, S = (p[c].to_numpy() for c in "LMS")
    z = ndtri(rng.uniform(size=n) * ndtr(1 / (S * np.abs(L))))
    return age, _lms.value(z, L, M, S)


def _gamlss_seconds(age, y, basis, family="BCCGo"):
    """Seconds of the gamlss port's ML fit of ``family`` (every parameter but tau on the
    basis), or None without gamlss."""
    try:
        import gamlss as gl
    except ImportError:
        return None
    import pandas as pd

    B = basis.matrix(age).toarray()
    data = pd.DataFrame({"y": y, **{f"b{j}": B[:, j] for j in range(1, B.shape[1])}})
    terms = " + ".join(f"b{j}" for j in range(1, B.shape[1]))
    t = time.perf_counter()
    gl.gamlss(f"y ~ {terms}", sigma_formula=f"~ {terms}", nu_formula=f"~ {terms}",
              family=getattr(gl, family)(), data=data, control=gl.gamlss_control(trace=False))
    return time.perf_counter() - t


def run_fit(n: int = 20_000) -> list[dict]:
    from labstats.stats import fit_lms
    from labstats.stats._lms_fit import fit_one
    from labstats.stats._lms_smooth import Basis

    age, y = _simulate(n)
    w = np.ones(n)
    penalised = best_of(lambda: fit_lms(age, y, age_unit="months"))
    fixed = best_of(lambda: fit_one(age, y, w, dict.fromkeys("LMS", 23.0), None))
    ref = _gamlss_seconds(age, y, Basis(age.min(), age.max(), 20))
    return [
        {"name": f"fit_lms {n:,} obs, penalised, ML smoothness (goal < 2 s)",
         "seconds": penalised, "reference_seconds": None, "ratio": None},
        {"name": f"BCCG ML fit {n:,} obs, fixed 23-col basis: gamlss port / labstats "
                 f"(goal >= 10)", "seconds": fixed, "reference_seconds": ref,
         "ratio": None if ref is None else ref / fixed},
    ]


def run_score(n: int = 10_000_000) -> list[dict]:
    import numba
    import pandas as pd

    from labstats.datasets import cdc_growth_lms

    rng = np.random.default_rng(1)
    age = rng.uniform(24, 240, n)
    sex = rng.integers(1, 3, n).astype(np.float64)
    bmi = rng.lognormal(np.log(18.0), 0.2, n)
    sex_cat = pd.Series(np.where(sex == 2.0, "female", "male")).astype("category")
    table = cdc_growth_lms("bmi")
    for m in ("zscore", "centile", "modified_zscore"):  # compile (cached on disk)
        getattr(table, m)(bmi[:20_000], age[:20_000], sex[:20_000])
    table.zscore(bmi[:20_000], age[:20_000], sex_cat[:20_000])
    floor = floor_seconds(bmi, age, sex)
    threads = numba.get_num_threads()
    rows = []
    # the floor is one numpy thread; the scoring uses numba's threads, then one
    for nt in dict.fromkeys((threads, 1)):
        numba.set_num_threads(nt)
        try:
            for name, call in (
                    ("zscore", lambda: table.zscore(bmi, age, sex)),
                    ("centile", lambda: table.centile(bmi, age, sex)),
                    ("modified_zscore", lambda: table.modified_zscore(bmi, age, sex)),
                    ("zscore, sex as Categorical", lambda: table.zscore(bmi, age, sex_cat))):
                t = best_of(call)
                rows.append({"name": f"CDC BMI {name}, {n:,} values, {nt} thread"
                                     f"{'s' if nt > 1 else ''} / floor (goal <= 4)",
                             "seconds": t, "reference_seconds": floor, "ratio": t / floor})
        finally:
            numba.set_num_threads(threads)
    numba.set_num_threads(1)
    try:
        cpu_floor = floor_seconds(bmi, age, sex, repeat=5, clock=time.process_time)
        for name, call in (("zscore", lambda: table.zscore(bmi, age, sex)),
                           ("centile", lambda: table.centile(bmi, age, sex))):
            t = best_of(call, 5, time.process_time)
            rows.append({"name": f"CDC BMI {name}, {n:,} values, 1 thread, CPU time / floor's "
                                 f"CPU time", "seconds": t, "reference_seconds": cpu_floor,
                         "ratio": t / cpu_floor})
    finally:
        numba.set_num_threads(threads)
    return rows


def run() -> list[dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_fit() + run_score()


if __name__ == "__main__":
    from benchmarks.run import report

    report(run())
