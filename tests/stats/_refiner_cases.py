"""refineR's five test cases, regenerated from their published definitions (seeded).

refineR 2.0.0 (T. Ammer et al., CRAN, GPL-3), ``R/data.R`` / ``?testcase1`` .. ``?testcase5``,
states for each simulated data set only its size, its non-pathological (NP) share and the
true 2.5th-97.5th percentile interval:

====  =======  =====  ============
case  N        NP     true RI
====  =======  =====  ============
1     10,000   80 %   10.2 - 29.8
2     50,000   60 %   59.8 - 160
3     75,000   96 %   9.04 - 13
4     100,000  90 %   10 - 50
5     250,000  80 %   0.25 - 4
====  =======  =====  ============

Nothing of refineR's data files is used here. What the documentation leaves open is our
choice, stated per case in ``CASES``:

* NP shape: normal (lambda = 1) for the two symmetric intervals (1: mean 20, SD 5; 3),
  lognormal (lambda = 0) for the skewed ones (2; 4, which is RIbench's GGT, 10-50; 5,
  RIbench's TSH, 0.25-4). mu and sigma follow from the true interval exactly.
* Pathological values: normals in the NP's transformed scale, centred 3 NP SDs beyond
  the NP mean, SD = the NP SD, split below:above as given (``left``, ``right``: shares
  of all values), values <= 0 redrawn. The sides were chosen to resemble refineR's cases
  (both sides in 1 and 3, mostly above in 2, below in 4, above in 5).
* Values are not rounded (refineR's vignette prints "rounded: no" for testcase 4).
"""

from __future__ import annotations

import numpy as np

from labstats.stats._ri_model import bc, inv_bc

#: case -> N, NP share, true interval, Box-Cox lambda of the NP, pathological shares.
CASES = {
    1: {"n": 10_000, "np": 0.80, "truth": (10.2, 29.8), "lam": 1.0, "left": 0.10, "right": 0.10},
    2: {"n": 50_000, "np": 0.60, "truth": (59.8, 160.0), "lam": 0.0, "left": 0.10,
        "right": 0.30},
    3: {"n": 75_000, "np": 0.96, "truth": (9.04, 13.0), "lam": 1.0, "left": 0.02, "right": 0.02},
    4: {"n": 100_000, "np": 0.90, "truth": (10.0, 50.0), "lam": 0.0, "left": 0.10, "right": 0.0},
    5: {"n": 250_000, "np": 0.80, "truth": (0.25, 4.0), "lam": 0.0, "left": 0.0, "right": 0.20},
}
_Z975 = 1.959963984540054


def np_params(case):
    """(lambda, mu, sigma) of the NP distribution whose 2.5/97.5 % points are the truth."""
    c = CASES[case]
    lo, hi = (bc(v, c["lam"]) for v in c["truth"])
    return c["lam"], float((lo + hi) / 2), float((hi - lo) / (2 * _Z975))


def _draw(rng, lam, mean, sd, n):
    """n values BoxCox^-1(N(mean, sd)) > 0 (draws outside the transform's range redrawn)."""
    out = np.empty(0)
    while out.size < n:
        y = rng.normal(mean, sd, 2 * (n - out.size) + 10)
        if lam > 0:
            y = y[y > -1.0 / lam]
        x = inv_bc(y, lam)
        out = np.r_[out, x[x > 0]]
    return out[:n]


def testcase(case, seed=None):
    """Values of refineR-type test case ``case`` (shuffled) and a bool mask of the NP ones."""
    c = CASES[case]
    lam, mu, sigma = np_params(case)
    rng = np.random.default_rng(2021 * 10 + case if seed is None else seed)
    n = c["n"]
    n_left, n_right = round(c["left"] * n), round(c["right"] * n)
    n_np = n - n_left - n_right
    x = np.r_[_draw(rng, lam, mu, sigma, n_np),
              _draw(rng, lam, mu - 3 * sigma, sigma, n_left),
              _draw(rng, lam, mu + 3 * sigma, sigma, n_right)]
    is_np = np.r_[np.ones(n_np, bool), np.zeros(n - n_np, bool)]
    order = rng.permutation(n)
    return x[order], is_np[order]
