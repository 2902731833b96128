"""BCPE centiles: fitting 20,000 observations, and scoring, beside BCCG in the same run.

(a) ``fit_lms(..., family="bcpe")`` on 20,000 ages (24-240 months) and BMIs drawn as BCPE
from the CDC 2000 BMI-for-age L, M, S of boys with tau = 1.5 (the data of
tests/stats/test_bcpe_fit.py; heavy truncation, the costly case) and tau = 3: the penalised
fit, smoothness by local ML, tau constant (the default). Reference = ``fit_lms`` BCCG on
the same data; ratio = BCPE / BCCG seconds (the issue's goal for LMS: < 2 s). With tau a
smooth curve too (``df={"T": "auto"}``).
(b) The maximum-likelihood BCPEo fit on the fixed 23-column cubic B-spline basis (tau
constant) against the GPL Python port of gamlss (PyPI ``gamlss`` 0.1.0, a test-only oracle,
never a dependency), when it is installed: ratio = gamlss seconds / labstats seconds (> 1:
labstats faster).
(c) Scoring 1 million values: ``LMSPTable.zscore``/``centile``/``value_at`` against the
same table's BCCG counterpart (``LMSTable(family="bccg")``, numpy path): ratio = BCPE /
BCCG seconds; and ``value_at``/``zscore`` with the compiled incomplete gamma function
(``_bcpe_jit``) against scipy's (``LABSTATS_NO_NUMBA=1``): ratio = compiled / scipy.

Run: ``python benchmarks/run.py benchmarks.bench_bcpe``.
"""

from __future__ import annotations

import warnings

import numpy as np

from benchmarks._common import best_of
from benchmarks.bench_centiles import _gamlss_seconds


def _simulate(n: int, tau: float, seed: int = 7):
    from labstats.datasets import cdc_growth_lms
    from labstats.stats import _bcpe

    rng = np.random.default_rng(seed)
    age = rng.uniform(24, 240, n)
    p = cdc_growth_lms("bmi").parameters(age, "male")
    L, M, S = (p[c].to_numpy() for c in "LMS")
    return age, _bcpe.quantile(rng.uniform(size=n), L, M, S, tau)


def _fit_rows(n: int, tau: float) -> list[dict]:
    from labstats.stats import fit_lms

    age, y = _simulate(n, tau)
    bcpe = best_of(lambda: fit_lms(age, y, family="bcpe", age_unit="months"))
    bccg = best_of(lambda: fit_lms(age, y, age_unit="months"))
    smooth = best_of(lambda: fit_lms(age, y, family="bcpe", df={"T": "auto"},
                                     age_unit="months"), repeat=1)
    return [{"name": f"fit_lms BCPE {n:,} obs (tau {tau:g}), tau constant / BCCG",
             "seconds": bcpe, "reference_seconds": bccg, "ratio": bcpe / bccg},
            {"name": f"fit_lms BCPE {n:,} obs (tau {tau:g}), tau smooth / BCCG",
             "seconds": smooth, "reference_seconds": bccg, "ratio": smooth / bccg}]


def run_fit(n: int = 20_000) -> list[dict]:
    from labstats.stats._lms_fit import fit_one
    from labstats.stats._lms_smooth import Basis

    rows = _fit_rows(n, 1.5) + _fit_rows(n, 3.0)
    age, y = _simulate(n, 1.5)
    df = {**dict.fromkeys("LMS", 23.0), "T": 1.0}
    fixed = best_of(lambda: fit_one(age, y, np.ones(n), df, None, family="bcpe"), repeat=1)
    ref = _gamlss_seconds(age, y, Basis(age.min(), age.max(), 20), "BCPEo")
    rows.append({"name": f"BCPE ML fit {n:,} obs, fixed 23-col basis: gamlss port / labstats",
                 "seconds": fixed, "reference_seconds": ref,
                 "ratio": None if ref is None else ref / fixed})
    return rows


def run_score(n: int = 1_000_000) -> list[dict]:
    from labstats.stats import LMSPTable, LMSTable

    rng = np.random.default_rng(1)
    ages = np.linspace(24, 240, 50)
    L, M, S = -2.0 + 0.005 * ages, 15 + 0.03 * ages, 0.08 + 0.0002 * ages
    bcpe = LMSPTable(ages, L, M, S, np.full(50, 1.5))
    bccg = LMSTable(ages, L, M, S, family="bccg")
    age = rng.uniform(24, 240, n)
    bmi = rng.lognormal(np.log(18.0), 0.2, n)
    z = rng.standard_normal(n)
    rows = []
    for name, args in (("zscore", (bmi, age)), ("centile", (bmi, age)), ("value_at", (z, age))):
        t = best_of(lambda name=name, args=args: getattr(bcpe, name)(*args))
        ref = best_of(lambda name=name, args=args: getattr(bccg, name)(*args))
        rows.append({"name": f"LMSPTable.{name} {n:,} values / BCCG LMSTable",
                     "seconds": t, "reference_seconds": ref, "ratio": t / ref})
    for name, args in (("value_at", (z, age)), ("zscore", (bmi, age))):
        t = best_of(lambda name=name, args=args: getattr(bcpe, name)(*args))
        ref = best_of(lambda name=name, args=args: _scipy_path(getattr(bcpe, name), *args))
        rows.append({"name": f"LMSPTable.{name} {n:,} values, compiled / scipy gamma",
                     "seconds": t, "reference_seconds": ref, "ratio": t / ref})
    return rows


def _scipy_path(fn, *args):
    """``fn(*args)`` with LABSTATS_NO_NUMBA=1 (scipy's incomplete gamma functions)."""
    import os

    old = os.environ.get("LABSTATS_NO_NUMBA")
    os.environ["LABSTATS_NO_NUMBA"] = "1"
    try:
        return fn(*args)
    finally:
        if old is None:
            del os.environ["LABSTATS_NO_NUMBA"]
        else:
            os.environ["LABSTATS_NO_NUMBA"] = old


def run() -> list[dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_fit() + run_score()


if __name__ == "__main__":
    from benchmarks.run import report

    report(run())
