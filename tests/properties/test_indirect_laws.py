"""Laws of labstats.stats.indirect_reference_interval.

* The order of the values does not matter (every method sees counts of distinct values).
* reflim is scale-equivariant: Bowley skewness, the iterated boxplot and the Q-Q line all
  commute with multiplication by a positive constant (Hoffmann et al. 2024,
  doi:10.3390/jcm13154397), so the limits of c x are c times the limits of x.
* The lower limit is below the upper one, and the pathological share lies in [0, 1].
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from labstats.stats import indirect_reference_interval
from labstats.stats._simulate_ri import simulate

seeds = st.integers(0, 10_000)
ANALYTES = st.sampled_from(["Hb", "FT4", "AST", "GGT", "TSH"])
METHODS = st.sampled_from(["refiner", "reflim", "kosmic", "tmc"])


@settings(max_examples=12, deadline=None)
@given(seed=seeds, analyte=ANALYTES, method=METHODS, p=st.sampled_from([0.0, 0.1, 0.2]))
def test_order_of_values_does_not_matter(seed, analyte, method, p):
    d = simulate(analyte, 3000, p_path=p, seed=seed)
    x = d["values"]
    perm = np.random.default_rng(seed).permutation(x.size)
    a = indirect_reference_interval(x, method=method, bootstrap=0)
    b = indirect_reference_interval(x[perm], method=method, bootstrap=0)
    np.testing.assert_array_equal(a["estimate"], b["estimate"])


@settings(max_examples=15, deadline=None)
@given(seed=seeds, analyte=ANALYTES, scale=st.floats(0.01, 100.0))
def test_reflim_is_scale_equivariant(seed, analyte, scale):
    x = simulate(analyte, 3000, p_path=0.1, seed=seed)["values"]
    a = indirect_reference_interval(x, method="reflim", bootstrap=0)
    b = indirect_reference_interval(scale * x, method="reflim", bootstrap=0)
    np.testing.assert_allclose(b["estimate"], scale * a["estimate"], rtol=1e-9)


@settings(max_examples=12, deadline=None)
@given(seed=seeds, analyte=ANALYTES, method=METHODS, p=st.sampled_from([0.0, 0.2, 0.4]))
def test_limits_are_ordered_and_share_is_a_fraction(seed, analyte, method, p):
    x = simulate(analyte, 3000, p_path=p, side="right", seed=seed)["values"]
    res = indirect_reference_interval(x, method=method, bootstrap=0)
    assert res["estimate"].iloc[0] < res["estimate"].iloc[1]
    assert 0.0 <= res["p_pathological"].iloc[0] <= 1.0
