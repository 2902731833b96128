"""fit_lms and the number of observations: refused where the model cannot be identified,
warned where it is only imprecise.

Before, fit_lms had no minimum: with 3 rows (BCCG, df="auto") it returned curves with 7.9
effective parameters and a deviance of -77 (the likelihood has no maximum when the curves
can interpolate the rows: S -> 0), with 2 rows a table, with 2 rows of BCPE a pandas
"No objects to concatenate". The rule now: more observations than parameters of the
simplest model asked (each curve's df; 1 for "auto", a constant): BCCG needs 4, BCPE and
BCT 5; after the fit, curves whose effective parameters reach the number of observations
are refused too; fewer than 10 observations per effective parameter (Harrell, Regression
Modeling Strategies, 2nd ed., 2015, Sect. 4.4) warns.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labstats.stats import fit_lms


def _data(n, seed=1):
    rng = np.random.default_rng(seed)
    age = rng.uniform(20, 80, n)
    return age, np.exp(np.log(15 - 0.05 * age) + 0.3 * rng.standard_normal(n))


@pytest.mark.parametrize("family,n,need", [("bccg", 3, 4), ("bccg", 2, 4), ("bcpe", 4, 5),
                                           ("bct", 3, 5)])
@pytest.mark.parametrize("df", ["auto", 1])
def test_too_few_observations_to_identify_the_model_are_refused(family, n, need, df):
    with pytest.raises(ValueError, match=rf"fit_lms: {n} observation\(s\) cannot identify the "
                                         rf"{family.upper()} model: .*at least {need} for df="):
        fit_lms(*_data(n), family=family, df=df)


def test_the_minimum_counts_the_df_given():
    """df=(1, 3, 1): 5 parameters, so 5 rows are refused and 6 are the minimum."""
    with pytest.raises(ValueError, match=r"5 observation\(s\) cannot .* at least 6 for df="):
        fit_lms(*_data(5), df=(1, 3, 1))


def test_the_minimum_holds_for_each_sex():
    age, y = _data(103)
    sex = np.r_[np.full(100, "male"), np.full(3, "female")]
    with pytest.raises(ValueError, match=r"3 observation\(s\) of females cannot identify"):
        fit_lms(age, y, sex=sex, df=1)


@pytest.mark.parametrize("n", [4, 6])
def test_auto_curves_with_as_many_parameters_as_rows_are_refused(n):
    """With 4 or 6 rows "auto" chose 10 and 12.7 effective parameters (interpolating). The
    fit overflows on the way: numpy's 424 (n = 4) and 77 (n = 6) RuntimeWarnings came
    before the refusal, from inside labstats; now only the refusal."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no other warning
        with pytest.raises(ValueError, match=rf"chose [\d.]+ effective parameters for {n} "
                                             r"observations.*Give df="):
            fit_lms(*_data(n))


@pytest.mark.parametrize("n,df", [(10, 1), (30, 1), (30, "auto")])
def test_few_observations_per_parameter_warn_and_fit(n, df):
    with pytest.warns(UserWarning, match=rf"fit_lms: {n} observations for [\d.]+ effective "
                                         r"parameters \(fewer than 10 per parameter\)"):
        fit = fit_lms(*_data(n), df=df)
    assert np.isfinite(fit.value_at(0.0, 50.0))


def test_enough_observations_do_not_warn_about_n():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_lms(*_data(300), df=1)
    assert not [w for w in caught if "per parameter" in str(w.message)]
