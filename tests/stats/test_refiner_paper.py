"""refiner's published cost (``options={"cost": "paper"}``), piece by piece.

Reference: Ammer et al. 2021, Sci Rep 11:16023 (refineR v1.0): histogram of
clamp(11 (N/5000)^(1/5), 9, 40) bin widths laid as about 256 overlapping windows plus
two catch-all bins; asymmetric confidence region [PE - z sqrt(PE), PE + P z sqrt(PE)],
z = qnorm(1 - 0.01/2); the P scan between the bounds found from the regions around the
model's peak by 0.001 steps. The module's docstring lists where it departs from v1.0.
"""

import numpy as np
import pytest

from labstats.stats import _refiner_paper as P
from labstats.stats import indirect_reference_interval
from labstats.stats._ri_model import make_sample
from labstats.stats._simulate_ri import simulate


def test_windows_follow_the_published_histogram():
    rng = np.random.default_rng(1)
    x = rng.lognormal(3, 0.4, 20_000)
    s = make_sample(x)
    a, b = 8.0, 60.0
    obs, left, right, nw = P.hist(s, s.cum, a, b, 0.0)
    n_ab = ((x > a) & (x <= b)).sum()
    nbins = min(40, max(9, 11 * (n_ab / 5000) ** 0.2))
    over = round(256 / nbins)
    assert nw == round(nbins) * over  # NBins x overlap windows, each shifted by a fine bin
    inner = slice(1, -1)
    np.testing.assert_allclose(right[inner] - left[inner], (b - a) * over / (nw + over - 1))
    # catch-alls: everything <= a and > b; each inner window counts the values it spans
    assert obs[0, 0] == (x <= a).sum() and obs[0, -1] == (x > b).sum()
    w = obs[0, inner]
    lo, hi = left[inner], right[inner]
    np.testing.assert_array_equal(w, [((x > l) & (x <= h)).sum() for l, h in zip(lo, hi, strict=True)])


def test_rounded_data_windows_cover_the_region():
    # whole-number AST (RIbench), 30 reported values in [10.5, 40.5]: v1.0's rule would
    # end the windows at 29.5; ours reach the region's end (docstring, "coarse rounding")
    d = simulate("AST", 100_000, seed=3)
    s = make_sample(d["values"])
    obs, left, right, nw = P.hist(s, s.cum, 10.5, 40.5, 1.0)
    assert right[-2] >= 40.5 and left[1] <= 10.5
    assert np.all(np.abs((left[1:-1] - 0.5) % 1.0) < 1e-9)  # edges half-way between values


def _scan_loop(s, target, sign):
    """refineR's 0.001-step scan of the region ratios, written as a loop."""
    r = s.copy()
    if sign > 0:
        while np.all(r <= 1.0) and np.any(r < target - 1e-12):
            r = np.where(r < target - 1e-12, r + 0.001, r)
    else:
        while np.all(r >= 0.4) and np.any(r > target + 1e-12):
            r = np.where(r > target + 1e-12, r - 0.001, r)
    return r.min()


@pytest.mark.parametrize("seed", range(30))
def test_closed_form_p_scan_equals_the_stepwise_scan(seed):
    rng = np.random.default_rng(seed)
    s = rng.uniform(0.45, 1.0, 11)
    for sign in (+1, -1):
        target = s + sign * rng.uniform(0, 0.3, 11) * (rng.random(11) < 0.7)
        got = P._scan(s[:, None, None], target[:, None, None], sign)[0, 0]
        assert got == pytest.approx(_scan_loop(s, target, sign), abs=1.5e-3)


def test_asymmetric_region_and_p_on_clean_data():
    # no pathological values: the share P is found near 1 and the interval near the truth
    d = simulate("Hb", 50_000, seed=5)
    res = indirect_reference_interval(d["values"], method="refiner", bootstrap=0,
                                      options={"cost": "paper"})
    assert 1 - res["p_pathological"].iloc[0] > 0.97
    np.testing.assert_allclose(res["estimate"], d["truth"], rtol=0.01)


def test_cost_is_the_poisson_term_over_the_used_bins():
    # one candidate, P fixed by a degenerate range: the cost equals
    # -sum log[Poisson(O; PE) PE] / sqrt(#used) computed directly
    from scipy.stats import poisson

    e = np.array([[50.0, 400.0, 900.0, 420.0, 60.0, 30.0]])
    obs = np.array([[45.0, 390.0, 880.0, 500.0, 58.0, 20.0]])
    lg = np.zeros_like(obs)
    from scipy.special import gammaln

    lg = gammaln(obs + 1)
    c, p = P._scan_p(e, obs, lg, np.array([0.9]), np.array([0.005]), np.array([0.9]), 1, 4)
    pe = 0.9 * e[0]
    width = P._Z * np.sqrt(pe)
    used = (e[0] >= 0.95 * e[0].max()) | ((e[0] >= 40) & (obs[0] <= pe + 0.9 * width))
    assert used.tolist() == [True, True, True, False, True, False]  # 500 > region; E 30 < 40
    want = -np.log(poisson.pmf(obs[0][used], pe[used]) * pe[used]).sum() / np.sqrt(used.sum())
    assert p[0] == pytest.approx(0.9)
    assert c[0] == pytest.approx(want, rel=1e-10)


def test_unknown_cost_names_the_option_and_the_valid_values():
    d = simulate("Hb", 1000, seed=1)
    with pytest.raises(ValueError, match=r"options: unknown refiner cost 'papr'.*'paper'"):
        indirect_reference_interval(d["values"], method="refiner", bootstrap=0,
                                    options={"cost": "papr"})
