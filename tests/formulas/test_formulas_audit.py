"""Edge cases of the formulas found by an adversarial audit: each test failed on the code
before its fix (see the commit that added it). Sources are cited per test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats.formulas import free_androgen_index


def test_fai_shbg_zero_is_nan_with_a_warning():
    # FAI = 100 TT / SHBG (Wilke & Utley, Clin. Chem. 33(8):1372, 1987,
    # doi:10.1093/clinchem/33.8.1372) is undefined at SHBG 0: it returned inf (and NaN for
    # TT 0) without a word, an inf that then silently poisons any mean or model.
    tt = pd.Series([10.0, 0.0, 12.0], index=[7, 3, 9])
    with pytest.warns(labstats.LabstatsWarning, match=r"^2 rows with SHBG 0"):
        out = free_androgen_index(tt, pd.Series([0.0, 0.0, 40.0], index=[7, 3, 9]))
    assert out.index.tolist() == [7, 3, 9]
    assert np.isnan(out[7]) and np.isnan(out[3]) and out[9] == 30.0
    with pytest.warns(labstats.LabstatsWarning, match=r"^3 rows with SHBG 0"):
        assert np.isnan(free_androgen_index([1.0, 2.0, 3.0], 0.0)).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert free_androgen_index(10.0, 40.0) == 25.0  # no warning without SHBG 0
