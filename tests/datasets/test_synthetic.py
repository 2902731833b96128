"""Tests for labstats.datasets.make_cohort (synthetic cohort calibrated to NHANES 2013-2016).

External references: the real NHANES 2013-2016 (tests.conftest.nhanes_frame; medians
and rank correlations recomputed here with a plain weighted-median rule, independent of
the calibration script), and the weighted median testosterone of men 20+ printed in
../shared/data/nhanes/SOURCES.md (388 ng/dL in 2013-2014, 394 ng/dL in 2015-2016).

Stated tolerances: age-band medians within 3 % (relative), the TT-SHBG Spearman
correlation within 0.05 (absolute), per sex, for the 13 drawn analytes.

LDL cholesterol is not drawn but computed, as NCHS computes NHANES 2013-2016's LBDLDL
(TRIGLY_H/TRIGLY_I: participants 12+ examined in the morning session, fasting; CDC page
https://wwwn.cdc.gov/Nchs/Nhanes/2013-2014/TRIGLY_H.htm): Friedewald's TC - HDL - TG/5 in
mg/dL from the participant's LBXTC, LBDHDD and LBXTR, missing above 400 mg/dL of
triglycerides (LBDLDL of all 8,746 participants of 2011-2016 reproduced so, and missing
exactly there, by ``labstats.ldl_cholesterol`` in tests/formulas/test_lipids.py; none at or
below 0). It is tested against tests/reference/r_survey_nhanes_ldl.csv (R 4.2.2,
survey 4.1-1; written by make_nhanes_ldl_reference.R): per sex and age band, NHANES
2013-2016 LDL quantiles (svyquantile, Woodruff standard errors) and the survey-weighted
Spearman correlations of LDL with the 13 other analytes (delete-one-PSU jackknife standard
errors); those correlations equal the stored calibration figures (_calibrate.py, Python) to
their 6 decimals, an independent implementation of the weighted Spearman correlation. The
cohort's LDL follows from total and HDL cholesterol (calibrated on the whole exam sample,
about 850 adults per cell) and triglycerides, so it reproduces NHANES's LDL (fasting
subsample, about 350 per cell) within that subsample's sampling error, not to 3 % / 0.04.
Stated tolerance: every LDL quantile and rank correlation within the Bonferroni bound of
its family at 5 % (60 quantiles: 3.34 NHANES standard errors; 156 correlations: 3.59), and
the quantiles' mean z within 0.75 +- 0.35: the cohort's LDL sits above NHANES's by the
fasting subsample's lower non-HDL cholesterol (survey-weighted 3.52 vs 3.60 mmol/L in men,
3.41 vs 3.46 in women, against the whole exam sample). Found over seeds 0-9 at 200,000
rows: largest |z| 2.52-3.09, mean quantile z +0.69 to +0.80 (a bound of 3 failed 3 seeds).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import labstats
from labstats.datasets import COLUMNS, make_cohort
from labstats.datasets._calibrate import AGE_BANDS, ANALYTES, FASTING, weighted_spearman
from labstats.datasets.synthetic import calibration
from tests.conftest import REFERENCE, nhanes_frame

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


#: The analytes the copula draws (LDL cholesterol is computed: see the end of this file)
DRAWN = [a for a in ANALYTES if a != "ldl_cholesterol"]
CELLS = [(s, lo, hi, a) for s in ("male", "female") for lo, hi in AGE_BANDS for a in DRAWN]


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
    for a in DRAWN:
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
    # The copula must reproduce all 78 stored Spearman correlations of the 13 drawn
    # analytes in each of the 12 sex x age-band cells (stored = survey-weighted NHANES
    # 2013-2016, _calibrate.py); LDL's: below.
    cal = calibration()
    drawn = [cal["analytes"].index(a) for a in DRAWN]
    for cell in cal["cells"]:
        lo, hi = cell["age_band"]
        sub = cohort[(cohort["sex"] == cell["sex"]) & cohort["age"].between(lo, hi)]
        got = sub[DRAWN].rank().corr().to_numpy()
        np.testing.assert_allclose(got, np.asarray(cell["spearman"])[np.ix_(drawn, drawn)],
                                   atol=0.04, err_msg=f"{cell['sex']} {lo}-{hi}")


def test_copula_of_the_drawn_analytes_is_exact():
    """Without LDL, each cell's normal-scale correlation matrix is positive definite, so the
    copula reproduces the stored Spearman correlations exactly (Kruskal 1958: rho = (6/pi)
    arcsin(r/2)); with LDL, almost a linear function of TC, HDL and TG and estimated on the
    fasting subsample alone, 5 of the 12 were not and were bent by up to 0.008."""
    from labstats.datasets.synthetic import _copula_cholesky

    cal = calibration()
    drawn = [cal["analytes"].index(a) for a in DRAWN]
    for cell in cal["cells"]:
        rho = np.asarray(cell["spearman"])[np.ix_(drawn, drawn)]
        assert np.linalg.eigvalsh(2 * np.sin(np.pi * rho / 6)).min() > 0.04
        chol = _copula_cholesky(rho)
        np.testing.assert_allclose(6 / np.pi * np.arcsin(chol @ chol.T / 2), rho, atol=1e-12)


def test_derive_works_on_the_cohort_without_gaps(cohort):
    from labstats.datasets import derive

    out = derive(cohort.iloc[:20_000], ["free_testosterone", "free_estradiol"])
    assert out[["free_testosterone", "free_estradiol"]].notna().all().all()


# --- LDL cholesterol: computed as NCHS computes it --------------------------------------

TG_LIMIT_MMOL_L = 400 / 88.57  # NCHS: no LBDLDL above 400 mg/dL of triglycerides
N_QUANTILES, N_CORRELATIONS = 60, 156  # 12 cells x 5 quantiles; x 13 analytes
MAX_Z_QUANTILE = float(stats.norm.isf(0.05 / 2 / N_QUANTILES))  # Bonferroni: 3.34
MAX_Z_CORRELATION = float(stats.norm.isf(0.05 / 2 / N_CORRELATIONS))  # 3.59


@pytest.fixture(scope="module")
def nhanes_ldl():
    return pd.read_csv(REFERENCE / "r_survey_nhanes_ldl.csv", comment="#")


def _cell(cohort, sex, lo, hi):
    return cohort[(cohort["sex"] == sex) & cohort["age"].between(lo, hi)]


def test_ldl_is_friedewald_of_its_row_as_nchs_computes_it():
    """Fails on the copula draw (LDL drawn apart from the other lipids: it equalled the
    row's Friedewald LDL in no row)."""
    cohort = make_cohort(20_000, seed=0)
    tc, hdl, tg = (cohort[c] for c in ("total_cholesterol", "hdl_cholesterol",
                                       "triglycerides"))
    with pytest.warns(labstats.LabstatsWarning, match="triglycerides above 400"), \
            pytest.warns(labstats.LabstatsWarning, match="2 rows with a negative LDL"):
        expected = labstats.ldl_cholesterol(tc, hdl, tg, method="friedewald")
    ldl = cohort["ldl_cholesterol"]
    computed = expected > 0
    np.testing.assert_allclose(ldl[computed], expected[computed], rtol=1e-12)
    # missing where NCHS leaves it missing (TG > 400 mg/dL) and where HDL is missing;
    # never at or below 0 (NHANES 2011-2016 has none): 2 rows at seed 0
    assert ldl.isna().equals(~computed)
    assert int((tg > TG_LIMIT_MMOL_L).sum()) == 237 and int(hdl.isna().sum()) == 5
    assert int((expected <= 0).sum()) == 2
    assert int(ldl.isna().sum()) == 244
    # VLDL cholesterol TC - HDL - LDL is Friedewald's TG/5 in mg/dL
    vldl_mg = (tc - hdl - ldl)[computed] * 38.665
    np.testing.assert_allclose(vldl_mg, tg[computed] * 88.57 / 5, rtol=1e-9)


@pytest.mark.parametrize("q", [0.1, 0.25, 0.5, 0.75, 0.9])
def test_ldl_quantiles_match_nhanes_within_its_sampling_error(cohort, nhanes_ldl, q):
    cal = calibration()
    ref = nhanes_ldl[nhanes_ldl["statistic"] == f"quantile_{q:g}"]
    assert len(ref) == 12
    for row in ref.itertuples():
        stored = next(c for c in cal["cells"]
                      if c["sex"] == row.sex and c["age_band"][0] == row.age_lo)
        # the calibration's quantile (_calibrate.py: interpolated mid-point weighted CDF) is
        # R's svyquantile (qrule "math") but for the rule: found within 0.28 SE, 1.2 %
        calibrated = stored["quantiles"]["ldl_cholesterol"][cal["probabilities"].index(q)]
        assert abs(calibrated - row.estimate) <= 0.5 * row.se
        got = _cell(cohort, row.sex, row.age_lo, row.age_hi)["ldl_cholesterol"].quantile(q)
        z = (got - row.estimate) / row.se
        assert abs(z) <= MAX_Z_QUANTILE, (row.sex, row.age_lo, q, got, row.estimate, row.se)


def test_ldl_quantiles_sit_above_nhanes_by_the_fasting_subsamples_bias(cohort, nhanes_ldl):
    ref = nhanes_ldl[nhanes_ldl["statistic"].str.startswith("quantile_")]
    assert len(ref) == N_QUANTILES
    z = [(_cell(cohort, r.sex, r.age_lo, r.age_hi)["ldl_cholesterol"].quantile(
        float(r.statistic.removeprefix("quantile_"))) - r.estimate) / r.se
         for r in ref.itertuples()]
    assert np.mean(z) == pytest.approx(0.75, abs=0.35)


def test_ldl_rank_correlations_match_nhanes_within_their_sampling_error(cohort, nhanes_ldl):
    cal = calibration()
    analytes = cal["analytes"]
    j = analytes.index("ldl_cholesterol")
    ref = nhanes_ldl[nhanes_ldl["statistic"].str.startswith("spearman_")]
    assert len(ref) == 12 * 13
    within_2 = 0
    for row in ref.itertuples():
        other = row.statistic.removeprefix("spearman_")
        stored = next(c for c in cal["cells"]
                      if c["sex"] == row.sex and c["age_band"][0] == row.age_lo)
        # R's estimate is the calibration's (Python) figure, to its 6 stored decimals
        assert row.estimate == pytest.approx(stored["spearman"][j][analytes.index(other)],
                                             abs=1e-6)
        sub = _cell(cohort, row.sex, row.age_lo, row.age_hi)
        sub = sub[["ldl_cholesterol", other]].dropna()
        got = sub["ldl_cholesterol"].rank().corr(sub[other].rank())
        z = (got - row.estimate) / row.se
        assert abs(z) <= MAX_Z_CORRELATION, (row.sex, row.age_lo, other, got, row.estimate,
                                             row.se)
        within_2 += abs(z) < 2
    assert within_2 >= 0.95 * len(ref) - 3  # about 95 % of them, as sampling error allows
