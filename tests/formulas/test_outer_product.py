"""An (n, 1) column against an (n,) array: refused, not n x n results (memory n^2).

Before, the formulas (through ``_common.fused``/``jit_arrays`` and ``_binding``), the
centile tables (``LMSTable``/``LMSPTable``: zscore, centile, value_at) and
``propagate_imprecision`` broadcast their inputs with numpy's rules, so a column passed as
``df[["x"]].to_numpy()`` or ``x.reshape(-1, 1)`` next to a 1-D array gave every
combination of rows: 6 rows in, 36 results out, silently; 100,000 rows would need 80 GB
(1e10 float64). Now such inputs are refused with a message naming both (and the fix);
scalars and equal shapes broadcast as before.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from labstats.formulas import bmi, egfr, free_androgen_index, free_testosterone, ldl_cholesterol
from labstats.stats import LMSTable, propagate_imprecision

N = 6
COL = np.linspace(10.0, 20.0, N).reshape(-1, 1)
ROW = np.linspace(20.0, 40.0, N)
TABLE = LMSTable([0, 10], [0.0, 0.0], [10.0, 10.0], [0.1, 0.1], age_unit="years")

CALLS = {
    "free_androgen_index": lambda c, r: free_androgen_index(c, r),
    "free_testosterone": lambda c, r: free_testosterone(c, r),
    "bmi": lambda c, r: bmi(weight=c * 5, height=r * 5),
    "ldl_cholesterol": lambda c, r: ldl_cholesterol(c / 3, r / 20, r / 20),
    "egfr": lambda c, r: egfr(creatinine=c * 6, age=r * 1.5, sex=np.full(np.shape(r), "female")),
    "LMSTable.zscore": lambda c, r: TABLE.zscore(r / 3, c / 3),
    "LMSTable.value_at": lambda c, r: TABLE.value_at(r / 20, c / 3),
    "propagate_imprecision": lambda c, r: propagate_imprecision(
        lambda a, b: a / b, {"a": c, "b": r}, {"a": 0.05, "b": 0.05}),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_a_column_against_a_row_is_refused(name):
    with pytest.raises(ValueError, match=r"\(shape \(6,\)\) .*would broadcast to \(6, 6\): 36 "
                                         r"results from 6 values.*Pass 1-D arrays"):
        CALLS[name](COL, ROW)


@pytest.mark.parametrize("name", list(CALLS))
def test_same_rows_and_scalars_still_broadcast(name):
    out = CALLS[name](COL.ravel(), ROW)
    assert len(out) == N
    assert np.shape(CALLS[name](COL, ROW.reshape(-1, 1))) in ((N, 1), (N, 8))  # (n, 1) both


def _peak(f):
    tracemalloc.start()
    try:
        f()
    except ValueError:
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_grows_with_n_not_n_squared():
    """At n = 4,000 the old code allocated the 4,000 x 4,000 result (128 MB, 3.2 GB at
    n = 20,000); now the refusal costs no more than a row-wise call, and a row-wise call's
    peak grows linearly (n -> 4n: at most 6x, where n^2 would be 16x)."""
    n = 4_000
    rng = np.random.default_rng(0)
    tt, shbg = rng.uniform(5, 30, 4 * n), rng.uniform(10, 80, 4 * n)
    refused = _peak(lambda: free_androgen_index(tt[:n].reshape(-1, 1), shbg[:n]))
    small = _peak(lambda: free_androgen_index(tt[:n], shbg[:n]))
    large = _peak(lambda: free_androgen_index(tt, shbg))
    assert refused < 0.01 * n * n * 8
    assert large < 6 * small


def test_metabolic_syndrome_refuses_a_column_against_a_row():
    """metabolic_syndrome stacked its criteria with np.broadcast_arrays: a waist column of
    (n, 1) against (n,) inputs built n x n criteria (1 GB at n = 3,000) before pandas
    refused it without naming an argument."""
    from labstats.formulas import metabolic_syndrome

    kw = {"triglycerides": ROW / 20, "hdl_cholesterol": ROW / 30,
          "systolic_blood_pressure": ROW * 6, "diastolic_blood_pressure": ROW * 4,
          "glucose": ROW / 5, "sex": np.array(["M", "F"] * 3)}
    with pytest.raises(ValueError, match=r"waist_circumference \(shape \(6, 1\)\).*would "
                                         r"broadcast to \(6, 6\)"):
        metabolic_syndrome(waist_circumference=COL * 8, **kw)
    assert len(metabolic_syndrome(waist_circumference=COL.ravel() * 8, **kw)) == N
