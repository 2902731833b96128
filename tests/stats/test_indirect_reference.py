"""Indirect reference intervals against published examples.

External references:
* reflimR 1.1.0 (G. Hoffmann, S. Klawitter, I. Trulson, F. Klawonn; CRAN 2025-05-27),
  vignette "reflimR: Estimation of reference limits from routine laboratory results":
  ``reflim(livertests$BIL)`` prints meanlog 1.944, sdlog 0.458, n.trunc 492, perc.norm
  84.6, limits 2.85-17.17, confidence.int 2.57-3.39 and 14.43-19.07; ``reflim(prot.f,
  perc.trunc = 5, n.min = 100)`` (prot.f: PROT of the women) prints 67.9-75.7. Its test
  suite: ``bowley(livertests$ALB) == 0.01945525``. Data: tests/reference/reflimr_livertests.csv
  (UCI HCV data).
* refineR 2.0.0 (T. Ammer et al.; CRAN), ``?testcase1`` .. ``?testcase5`` (R/data.R): size,
  non-pathological share and true interval of five simulated data sets, which
  tests/stats/_refiner_cases.py regenerates (its docstring lists what is our choice); the
  refineR vignette (refineR_package.html, v1.5.1-2.0.0) reports for its testcase4 with model
  "BoxCox" the interval 9.62-49.5 (truth 10-50).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labstats.stats import indirect_reference_interval
from labstats.stats._reflim import _bowley
from labstats.stats._ri_model import make_sample, wquantile
from tests.stats._refiner_cases import CASES, testcase

REF = Path(__file__).parents[1] / "reference"
LIVER = pd.read_csv(REF / "reflimr_livertests.csv", comment="#")
TRUTH = {c: CASES[c]["truth"] for c in CASES}


def test_bowley_skewness_matches_reflimr_test_suite():
    q = wquantile(make_sample(LIVER["ALB"].to_numpy()), [0.25, 0.5, 0.75])[0]
    assert _bowley(q) == pytest.approx(0.01945525, abs=5e-9)


def test_reflim_reproduces_reflimr_vignette_bilirubin():
    with pytest.warns(UserWarning, match="612 values"):
        res = indirect_reference_interval(LIVER["BIL"], method="reflim", bootstrap=0,
                                          confidence=0.95)
    # reflimR prints limits and CIs rounded to 2 decimals, meanlog/sdlog to 3. It computes
    # the CIs from the limits after rounding them (2.85, 17.17), we from the unrounded
    # 2.846: hence 0.01 for the CIs (the formula itself is checked exactly below).
    np.testing.assert_allclose(res["estimate"], [2.85, 17.17], atol=0.005)
    np.testing.assert_allclose(res["ci_low"], [2.57, 14.43], atol=0.01)
    np.testing.assert_allclose(res["ci_high"], [3.39, 19.07], atol=0.01)
    assert res["lam"].iloc[0] == 0.0  # lognormal chosen, as reflimR
    assert res["mu"].iloc[0] == pytest.approx(1.944, abs=5e-4)
    assert res["sigma"].iloc[0] == pytest.approx(0.458, abs=5e-4)
    assert 1 - res["p_pathological"].iloc[0] == pytest.approx(0.846, abs=5e-4)  # perc.norm


def test_reflim_ci_formula_on_the_rounded_limits_gives_reflimr_cis():
    from labstats.stats._reflim import formula_ci

    fitted = {"limits": np.array([[2.85, 17.17]]), "log": True,
              "sigma": np.array([np.log(17.17 / 2.85) / 3.92])}
    (a, b), (c, d) = formula_ci(fitted, 612)
    np.testing.assert_allclose([a, b, c, d], [2.57, 3.39, 14.43, 19.07], atol=0.005)


@pytest.mark.filterwarnings("ignore:values. 238 values")
def test_reflim_total_protein_women_with_stronger_truncation():
    # reflimR's warm-up targets are 1 - q i / 5 (i = 1..5): 99 % to 95 % at perc.trunc = 5.
    # reflimR prints the limits rounded to 2 - floor(log10(median)) = 1 decimal.
    prot_f = LIVER.loc[LIVER["Sex"] == "f", "PROT"]
    res = indirect_reference_interval(prot_f, method="reflim", bootstrap=0,
                                      options={"perc_trunc": 5})
    np.testing.assert_allclose(res["estimate"], [67.9, 75.7], atol=0.05)


# per method and regenerated refineR test case (tests/stats/_refiner_cases.py): the largest
# relative error (%) accepted for (lower, upper) limit. Set from the errors measured when
# the cases were regenerated, plus a margin, so that a change is noticed; the errors are
# listed in docs/guide/indirect_reference_intervals.md. "refiner" is the default (our
# profile cost), "refiner/paper" the paper's cost. Documented failures: case 2 (40 %
# pathological) for both refiner costs (profile: upper limit 43 % high; paper: lower 15 %
# low) and reflim (upper 28 % high; reflimR assumes at most 25 % per side).
TOL = {
    "refiner": {1: (13, 5), 2: (23, 46), 3: (1, 1), 4: (11, 3), 5: (1, 4)},
    "refiner/paper": {1: (7, 4), 2: (17, 7), 3: (1, 1), 4: (8, 3), 5: (1, 1)},
    "reflim": {1: (12, 4), 2: (14, 32), 3: (1, 1), 4: (5, 3), 5: (5, 20)},
    # kosmic with the paper's Nelder-Mead stage (lambda chosen among two modes by the
    # paper's cost): measured 6.7/3.4, 6.7/6.4, 2.0/0.6, 9.8/6.5, 4.6/4.4 %, better than
    # the grid alone on cases 1-3, worse on 4-5 (RIbench score 0.72 -> 0.69 on 792 sets)
    "kosmic": {1: (8, 5), 2: (8, 8), 3: (3, 1), 4: (11, 8), 5: (6, 6)},
    "tmc": {1: (12, 5), 2: (8, 11), 3: (1, 1), 4: (15, 7), 5: (3, 8)},
}


@pytest.mark.parametrize("case", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("method", list(TOL))
def test_refiner_testcases_recover_the_true_interval(method, case):
    values, _ = testcase(case)
    name, _, cost = method.partition("/")
    res = indirect_reference_interval(values, method=name, bootstrap=0,
                                      options={"cost": cost} if cost else None)
    err = np.abs(res["estimate"].to_numpy() / np.array(TRUTH[case]) - 1) * 100
    assert np.all(err < TOL[method][case]), f"{method} testcase{case}: errors {err.round(1)} %"


def test_refiner_testcase_generator_matches_the_published_definition():
    # refineR's ?testcaseN: N, the NP share and the NP 2.5/97.5 % points
    from labstats.stats._ri_model import model_quantile
    from tests.stats._refiner_cases import np_params

    for case, spec in CASES.items():
        values, is_np = testcase(case)
        assert values.size == spec["n"] and np.all(values > 0)
        assert is_np.mean() == pytest.approx(spec["np"], abs=1e-9)
        np.testing.assert_allclose(model_quantile(np.array([0.025, 0.975]), *np_params(case)),
                                   spec["truth"], rtol=5e-4)  # the truncation at 0
        np.testing.assert_allclose(np.quantile(values[is_np], [0.025, 0.975]), spec["truth"],
                                   rtol=0.02)
    a, _ = testcase(2)
    b, _ = testcase(2)
    np.testing.assert_array_equal(a, b)  # seeded


def test_refiner_testcase4_is_close_to_refiner_documented_result():
    # refineR vignette (v1.5.1 to 2.0.0), its testcase4, model "BoxCox": 9.62-49.5 (truth
    # 10-50). Our regenerated testcase4 is another sample of the same definition, so only
    # closeness (3 %) is asserted, not equality; refineR's algorithm is the paper's cost
    # (the default profile cost gives 9.10-49.49, 5 % below refineR's lower limit).
    values, _ = testcase(4)
    res = indirect_reference_interval(values, method="refiner", bootstrap=0,
                                      options={"cost": "paper"})
    np.testing.assert_allclose(res["estimate"], [9.62, 49.5], rtol=0.03)
