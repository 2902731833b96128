"""Tests for labstats.datasets.make_cohort (synthetic cohort calibrated to NHANES 2013-2016).

External references: the real NHANES 2013-2016 (tests.conftest.nhanes_frame; medians
and rank correlations recomputed here with a plain weighted-median rule, independent of
the calibration script), and the weighted median testosterone of men 20+ printed in
../shared/data/nhanes/SOURCES.md (388 ng/dL in 2013-2014, 394 ng/dL in 2015-2016).

Stated tolerances: age-band medians within 3 % (relative), the TT-SHBG Spearman
correlation within 0.05 (absolute), per sex.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labstats.datasets import COLUMNS, make_cohort
from labstats.datasets._calibrate import AGE_BANDS, ANALYTES, FASTING, weighted_spearman
from labstats.datasets.synthetic import calibration
from tests.conftest import nhanes_frame

MEDIAN_RTOL = 0.03
SPEARMAN_ATOL = 0.05


@pytest.fixture(scope="module")
def cohort():
    return make_cohort(200_000, seed=11)


@pytest.fixture(scope="module")
def real_adults():
    nh = nhanes_frame(("2013-2014", "2015-2016"))
    pregnant = nh["pregnant"].fillna(False).to_numpy(dtype=bool)
    return nh[(nh["age"] >= 20).to_numpy() & (nh["weight_exam"] > 0).to_numpy() & ~pregnant]


def _weighted_median(x, w):
    """Smallest x whose cumulative weight reaches half the total (R survey's qrule="math")."""
    ok = ~np.isnan(x) & (w > 0)
    x, w = x[ok], w[ok]
    order = np.argsort(x)
    cum = np.cumsum(w[order])
    return x[order][np.searchsorted(cum, 0.5 * cum[-1])]


CELLS = [(s, lo, hi, a) for s in ("male", "female") for lo, hi in AGE_BANDS for a in ANALYTES]


@pytest.mark.parametrize(("sex", "lo", "hi", "analyte"), CELLS,
                         ids=[f"{s}-{lo}-{a}" for s, lo, _, a in CELLS])
def test_age_band_median_matches_real_nhanes(cohort, real_adults, sex, lo, hi, analyte):
    real = real_adults[(real_adults["sex"] == sex) & real_adults["age"].between(lo, hi)]
    weight = real["weight_fasting" if analyte in FASTING else "weight_exam"].to_numpy()
    expected = _weighted_median(real[analyte].to_numpy(), weight)
    syn = cohort[(cohort["sex"] == sex) & cohort["age"].between(lo, hi)][analyte]
    assert syn.median() == pytest.approx(expected, rel=MEDIAN_RTOL)


@pytest.mark.parametrize("sex", ["male", "female"])
def test_tt_shbg_rank_correlation_matches_real_nhanes(cohort, real_adults, sex):
    real = real_adults[real_adults["sex"] == sex].dropna(subset=["total_testosterone", "shbg"])
    expected = weighted_spearman(real["total_testosterone"].to_numpy(),
                                 real["shbg"].to_numpy(), real["weight_exam"].to_numpy())
    syn = cohort[cohort["sex"] == sex]
    got = syn["total_testosterone"].rank().corr(syn["shbg"].rank())
    assert got == pytest.approx(expected, abs=SPEARMAN_ATOL)


def test_weighted_spearman_equals_scipy_with_equal_weights():
    # scipy.stats.spearmanr is the reference for the unweighted case.
    from scipy.stats import spearmanr

    rng = np.random.default_rng(1)
    x, y = rng.normal(size=200), rng.normal(size=200).round(1)
    assert weighted_spearman(x, y, np.ones(200)) == pytest.approx(spearmanr(x, y)[0], abs=1e-12)


def test_median_testosterone_of_men_matches_sources_md(cohort):
    # SOURCES.md: weighted median TT of men 20+ 388 ng/dL (2013-2014), 394 (2015-2016).
    men = cohort[cohort["sex"] == "male"]
    assert men["total_testosterone"].median() * 28.842 == pytest.approx(391.0, rel=0.02)


def test_columns_and_dtypes_are_those_of_read_nhanes(cohort):
    assert list(cohort.columns) == list(COLUMNS)
    real = nhanes_frame(["2013-2014"])
    assert cohort.dtypes.equals(real.dtypes)


def test_same_seed_same_cohort_other_seed_other_cohort():
    a, b, c = make_cohort(500, seed=4), make_cohort(500, seed=4), make_cohort(500, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert not a["shbg"].equals(c["shbg"])


def test_no_missing_analytes_and_values_within_stored_range(cohort):
    cal = calibration()
    impossible = cohort["hdl_cholesterol"].isna()  # HDL not below total: set missing
    assert impossible.mean() < 1e-3
    for a in ANALYTES:
        lo = min(c["quantiles"][a][0] for c in cal["cells"])
        hi = max(c["quantiles"][a][-1] for c in cal["cells"])
        assert cohort[a].notna().all() if a != "hdl_cholesterol" else \
            cohort.loc[~impossible, a].notna().all()
        values = cohort[a].dropna()
        assert values.between(lo * (1 - 1e-12), hi * (1 + 1e-12)).all(), a  # exp(log) ulps


def test_hdl_is_never_at_or_above_total_cholesterol():
    """A copula's tails can pair a high HDL with a low total cholesterol (impossible: a
    negative non-HDL cholesterol); such an HDL is missing, at seed 0 in 5 of 20,000 rows."""
    cohort = make_cohort(20_000, seed=0)
    assert not (cohort["hdl_cholesterol"] >= cohort["total_cholesterol"]).any()
    assert int(cohort["hdl_cholesterol"].isna().sum()) == 5


def test_below_lod_flags_mark_the_fill_value(cohort):
    women = cohort[cohort["sex"] == "female"]
    flagged = women.loc[women["estradiol_below_lod"].to_numpy(dtype=bool), "estradiol"]
    # CDC TST_H/TST_I pages: LLOD 2.994 pg/mL stored as 2.117 / 2.114 pg/mL (x 3.6713)
    assert len(flagged) > 0
    np.testing.assert_allclose(flagged / 3.67134, 2.115, atol=0.003)


def test_weights_sum_to_the_adult_population(cohort):
    assert cohort["weight_exam"].sum() == pytest.approx(calibration()["population"], rel=1e-12)
    assert cohort["weight_exam"].sum() / 1e6 == pytest.approx(229.0, abs=0.5)


def test_age_range_restricts_ages():
    young = make_cohort(2000, seed=2, age_range=(20, 39))
    assert young["age"].between(20, 39).all() and young["age"].nunique() == 20


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(n=-1), r"n must be a whole number >= 0 \(people in the cohort\), got -1"),
    # a fractional or boolean size was truncated in silence (10.7 people gave 10)
    (dict(n=10.7), r"n must be a whole number >= 0 .*got 10.7"),
    (dict(n=True), r"n must be a whole number >= 0 .*got True"),
    (dict(age_range=(20.5, 60)), r"age_range must be a whole number .*got 20.5"),
    (dict(age_range=(10, 50)), r"age_range must lie within 20-80"),
])
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_cohort(**kwargs)


def test_empty_cohort_has_the_columns():
    assert list(make_cohort(0).columns) == list(COLUMNS)


def test_data_readme_documents_every_column():
    readme = (Path(__file__).parents[2] / "data" / "README.md").read_text(encoding="utf-8")
    for column, (unit, description) in COLUMNS.items():
        assert f"| `{column}` | {unit} | {description} |" in readme, column


def test_every_rank_correlation_matches_the_calibration(cohort):
    # The copula must reproduce all 91 stored Spearman correlations of each of the 12
    # sex x age-band cells (stored = survey-weighted NHANES 2013-2016, _calibrate.py).
    cal = calibration()
    for cell in cal["cells"]:
        lo, hi = cell["age_band"]
        sub = cohort[(cohort["sex"] == cell["sex"]) & cohort["age"].between(lo, hi)]
        got = sub[cal["analytes"]].rank().corr().to_numpy()
        np.testing.assert_allclose(got, cell["spearman"], atol=0.04,
                                   err_msg=f"{cell['sex']} {lo}-{hi}")


def test_derive_works_on_the_cohort_without_gaps(cohort):
    from labstats.datasets import derive

    out = derive(cohort.iloc[:20_000], ["free_testosterone", "free_estradiol"])
    assert out[["free_testosterone", "free_estradiol"]].notna().all().all()
