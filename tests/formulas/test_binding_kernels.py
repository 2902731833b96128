"""The linear binding model's two kernels give the same bits, so which one runs is a
matter of speed only.

``_binding.linear_model`` runs the numpy kernel ``_linear_blocks`` below
``JIT_MIN_ROWS`` rows until the compiled kernels (``_jit``, numba) are loaded in the
process: loading them costs about 0.5 s of CPU, which a batch of a few hundred thousand
draws (``pair_export(..., derive=True)``) does not repay. Both do per row the operations
of Vermeulen 1999's quadratic in the same order; these tests hold them to equality, not
to a tolerance, on random values and on the edges (0, NaN, infinity, huge and tiny
values, as ``plausibility("ignore")`` lets through).
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labstats.formulas import _binding

_jit = pytest.importorskip("labstats.formulas._jit", reason="numba not installed")

K_S = 1.0  # Vermeulen 1999: 1e9 L/mol = 1 L/nmol
K_A = 3.6e4 / 69_000  # per g/L of albumin

values = st.one_of(st.floats(0.0, 1e6), st.sampled_from([0.0, np.nan, np.inf, 1e-300, 1e300]))


def _both(L, S, A, k_s=K_S, k_a=K_A):
    L, S, A = (np.asarray(v, dtype=np.float64) for v in (L, S, A))
    n = L.shape[0]
    F, B, F2, B2 = (np.empty(n) for _ in range(4))
    _jit.linear(L, S, A, k_s, k_a, F, B)
    _binding._linear_blocks(L, S, A, k_s, k_a, F2, B2)
    return (F, B), (F2, B2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(values, values, values), min_size=1, max_size=40),
       st.sampled_from([K_S, 0.597, 5.97e-3]), st.sampled_from([K_A, 4.06e4 / 69_000, 0.0]))
def test_numpy_kernel_gives_the_compiled_kernels_bits(rows, k_s, k_a):
    L, S, A = zip(*rows, strict=True)
    (F, B), (F2, B2) = _both(L, S, A, k_s, k_a)
    np.testing.assert_array_equal(F2, F)  # NaN where NaN, otherwise bit for bit
    np.testing.assert_array_equal(B2, B)


def test_numpy_kernel_equals_compiled_across_blocks_and_free_only():
    rng = np.random.default_rng(12)
    n = 3 * _binding.BLOCK + 17  # several blocks and a short last one
    L, S = rng.lognormal(np.log(15), 1.5, n), rng.lognormal(np.log(40), 1.5, n)
    A = rng.normal(43, 6, n).clip(0)
    L[::101] = np.nan
    S[::97] = 0.0
    (F, B), (F2, B2) = _both(L, S, A)
    assert np.array_equal(F2, F, equal_nan=True) and np.array_equal(B2, B, equal_nan=True)
    F3 = np.empty(n)
    _binding._linear_blocks(L, S, A, K_S, K_A, F3)  # without the bioavailable output
    assert np.array_equal(F3, F, equal_nan=True)
    # ISSAM worked example (TT 10, SHBG 40 nmol/L, albumin 43 g/L): free T 0.1739 nmol/L
    one = np.array([10.0]), np.array([40.0]), np.array([43.0])
    F1 = np.empty(1)
    _binding._linear_blocks(*one, K_S, K_A, F1)
    assert F1[0] == pytest.approx(0.17388, abs=5e-6)


@pytest.mark.skipif(os.environ.get("LABSTATS_NO_NUMBA", "") not in ("", "0"),
                    reason="LABSTATS_NO_NUMBA is set: no compiled kernel is ever loaded")
def test_small_calls_do_not_load_numba_and_large_ones_do():
    """A derive of a batch loads no compiled kernel (about 0.5 s of CPU); a call of
    JIT_MIN_ROWS rows does, and from then on every call uses it."""
    code = (
        "import sys, numpy as np\n"
        "import labstats\n"
        "from labstats.formulas import _binding\n"
        "import pandas as pd\n"
        "df = pd.DataFrame({'total_testosterone': [10.0] * 50_000, 'shbg': 40.0,\n"
        "                   'albumin': 43.0})\n"
        "labstats.derive(df)\n"
        "print('numba' in sys.modules)\n"
        "n = _binding.JIT_MIN_ROWS\n"
        "one = np.ones(n)\n"
        "_binding.linear_model(one, one, one, 1.0, 0.5)\n"
        "print('numba' in sys.modules)\n"
        "print(_binding._jit(1) is not None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True", "True"]
