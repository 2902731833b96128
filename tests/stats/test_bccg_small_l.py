"""BCCG's quantile and z-score at a small |L| (but above L_ZERO, 1e-12): the literal
Box-Cox forms M (1 + L S z)^(1/L) and ((y/M)^L - 1)/(L S) cancel there (relative error
1e-6 at L = 5e-11, found by the hypothesis law test_bct.test_large_tau_is_bccg in a user's
CI run); they are computed as M exp(log1p(L S z)/L) and expm1(L log(y/M))/(L S). Against
50-digit mpmath. (CDC's own programs, ``family="lms"``, keep their literal formula.)"""

from __future__ import annotations

import numpy as np
import pytest

from labstats.stats import _lms

mpmath = pytest.importorskip("mpmath")


@pytest.mark.parametrize("L", [5.3e-11, -2e-9, 1e-7, -3e-5, 0.4])
@pytest.mark.parametrize("z", [-1.15, 0.7, 2.5])
def test_small_l_quantile_and_score_against_mpmath(L, z):
    M, S = 10.0, 0.25
    with mpmath.workdps(50):
        exact = float(M * (1 + mpmath.mpf(L) * S * z) ** (1 / mpmath.mpf(L)))
    got = float(_lms.bccg_value(np.array([z]), np.array([L]), M, S)[0])
    assert got == pytest.approx(exact, rel=1e-13)
    back = float(_lms.bccg_zscore(np.array([exact]), np.array([L]), M, S)[0])
    assert back == pytest.approx(z, rel=1e-12, abs=1e-12)
