"""LMS scoring against CDC's own program: cdcanthro's z-scores for NHANES children.

Reference: tests/reference/cdc_growth_zscores_nhanes.csv.xz, the output of CDC's R package
cdcanthro v0.1.3 (``cdcanthro(d, age=agemos, wt=wt, ht=ht, bmi=bmi, all=TRUE)``, R 4.2.2)
for 3,144 NHANES children aged 2-19 (SOURCES.md; ../shared/data/reference/CDC_GROWTH.md).
cdcanthro scores only 24 <= agemos < 240 and uses agemos as given.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labstats.datasets import cdc_growth_lms
from labstats.stats import LMSTable

REF = Path(__file__).resolve().parents[1] / "reference" / "cdc_growth_zscores_nhanes.csv.xz"


@pytest.fixture(scope="module")
def cdc():
    d = pd.read_csv(REF)
    assert len(d) == 3144 and d["agemos"].between(24, 239).all()
    return d


@pytest.mark.parametrize("measure, column, z, centile, modified", [
    ("weight", "wt", "waz", "wap", "mod_waz"),
    ("height", "ht", "haz", "hap", "mod_haz"),
    ("bmi", "bmi", "orig_bmiz", "orig_bmip", "mod_bmiz"),
])
def test_zscores_centiles_modified_match_cdcanthro(cdc, measure, column, z, centile, modified):
    table = cdc_growth_lms(measure)
    got_z = table.zscore(cdc[column], cdc["agemos"], cdc["sex"])
    assert isinstance(got_z, pd.Series) and got_z.index.equals(cdc.index)
    # NaN exactly where cdcanthro has NaN (missing measurement)
    assert got_z.isna().equals(cdc[z].isna())
    assert cdc[z].notna().sum() > 3000
    np.testing.assert_allclose(got_z, cdc[z], rtol=0, atol=1e-9)
    np.testing.assert_allclose(table.centile(cdc[column], cdc["agemos"], cdc["sex"]),
                               cdc[centile], rtol=0, atol=1e-9)
    np.testing.assert_allclose(table.modified_zscore(cdc[column], cdc["agemos"], cdc["sex"]),
                               cdc[modified], rtol=0, atol=1e-9)


def test_interpolated_bmi_lms_and_p50_p95_match_cdcanthro(cdc):
    table = cdc_growth_lms("bmi")
    p = table.parameters(cdc["agemos"], cdc["sex"])
    for ours, theirs in (("L", "bmi_l"), ("M", "bmi_m"), ("S", "bmi_s")):
        np.testing.assert_allclose(p[ours], cdc[theirs], rtol=0, atol=1e-9)
    np.testing.assert_allclose(table.value_at(0.0, cdc["agemos"], cdc["sex"]), cdc["p50"],
                               rtol=0, atol=1e-9)
    np.testing.assert_allclose(table.value_at(1.6448536269514722, cdc["agemos"], cdc["sex"]),
                               cdc["p95"], rtol=0, atol=1e-9)


def test_extended_bmi_wei_2020_matches_cdcanthro(cdc):
    """Extended BMI centile and z (Wei et al. 2020) to 1e-9 on every row, above P95 too.

    cdcanthro (R/cdcanthro.R) divides by ``round(sigma, 8)`` ("sigma rounded to 8 to agree
    with NCHS"); with the unrounded sigma about two rows in three above P95 differ by up to
    5e-9 in the centile and 1.3e-8 in z, so this would fail without the rounding.
    """
    table = cdc_growth_lms("bmi")
    ok = cdc["bmi"].notna()
    c = table.extended_centile(cdc["bmi"], cdc["agemos"], cdc["sex"])
    high = ok & (cdc["bmi"] > cdc["p95"])
    assert high.sum() > 500
    np.testing.assert_allclose(c[ok], cdc.loc[ok, "bmip"], rtol=0, atol=1e-9)
    z = table.extended_zscore(cdc["bmi"], cdc["agemos"], cdc["sex"])
    np.testing.assert_allclose(z[ok], cdc.loc[ok, "bmiz"], rtol=0, atol=1e-9)
    assert (cdc.loc[ok, "bmiz"] < cdc.loc[ok, "orig_bmiz"] - 0.1).sum() > 50  # extension used


def test_extended_bmi_z_capped_at_8_21_as_cdcanthro():
    """cdcanthro: an extended centile that rounds to 100 has z = 8.21 ("highest possible
    value is 8.20945"), not infinity; below that the z is finite and grows with BMI."""
    table = cdc_growth_lms("bmi")
    z = table.extended_zscore(np.array([40.0, 50.0, 55.0, 200.0]), 120.0, "female")
    assert z[-1] == 8.21 and np.isfinite(z).all()
    assert (np.diff(z) > 0).all() and z[-2] <= 8.21


def test_published_lms_rows_and_shortest_repr():
    """CDC bmiagerev.csv, boys 24.5 months: L -1.982373595, M 16.54777487, S 0.080127429
    (CENTILES.md section 6, S19) - the package holds CDC's digits exactly."""
    row = cdc_growth_lms("bmi").parameters(24.5, "male").iloc[0]
    assert (row["L"], row["M"], row["S"]) == (-1.982373595, 16.54777487, 0.080127429)


def test_ranges_and_out_of_range_warns_once_counting_rows():
    bmi = cdc_growth_lms("bmi")
    assert bmi.age_range("female") == (23.5, 240.0)
    assert cdc_growth_lms("weight").age_range("M") == (0.0, 240.0)
    assert cdc_growth_lms("length").age_range(2) == (0.0, 36.5)
    with pytest.warns(UserWarning, match=r"age: 2 rows outside .* scored NaN") as rec:
        z = bmi.zscore(np.array([16.0, 16.0, 16.0, 16.0]), np.array([12.0, 100.0, 241.0, np.nan]),
                       "F")
    assert len(rec) == 1
    assert np.isnan(z[[0, 2, 3]]).all() and np.isfinite(z[1])


def test_sex_parsing_and_nan_sex():
    bmi = cdc_growth_lms("bmi")
    ref = bmi.zscore([17.0, 17.0], [60.0, 60.0], ["male", "female"])
    for m, f in (("M", "F"), (1, 2), ("1", "2")):
        np.testing.assert_array_equal(bmi.zscore([17.0, 17.0], [60.0, 60.0], [m, f]), ref)
    out = bmi.zscore([17.0, 17.0], [60.0, 60.0], ["male", None])
    assert np.isfinite(out[0]) and np.isnan(out[1])
    with pytest.raises(ValueError, match="sex"):
        bmi.zscore(17.0, 60.0, "U")
    with pytest.raises(ValueError, match="sex"):
        bmi.zscore(17.0, 60.0)


def test_round_trip_value_zscore_and_bad_values():
    w = cdc_growth_lms("weight")
    z = np.linspace(-3, 3, 13)
    v = w.value_at(z, 100.0, "F")
    np.testing.assert_allclose(w.zscore(v, 100.0, "F"), z, atol=1e-12)
    with pytest.raises(ValueError, match=r"value: .*<= 0.*index 1"):
        w.zscore([10.0, -1.0], 100.0, "F")
    with pytest.raises(ValueError, match="measure"):
        cdc_growth_lms("waist")


def test_table_without_sex_and_bccg_family():
    t = LMSTable([0.0, 10.0], [0.5, 0.5], [10.0, 10.0], [0.5, 0.5], age_unit="years",
                 family="bccg")
    with pytest.raises(ValueError, match="without sex"):
        t.zscore(10.0, 5.0, "male")
    # BCCG truncation (Rigby & Stasinopoulos 2004): with L = 0.5, S = 0.5 the median is not M
    med = t.value_at(0.0, 5.0)
    assert med > 10.0
    assert abs(t.centile(med, 5.0) - 50.0) < 1e-9


def test_nhanes_obesity_prevalence_matches_nchs():
    """Weighted prevalence of BMI >= P95 (obesity), >= 120% of P95 (severe obesity) and
    P85-P95 (overweight) among NHANES children 2-19 y, by the CDC charts shipped here and
    derive()'s age convention (completed months + 0.5), equals NCHS's published estimates to
    their rounding (0.1 percentage point):
    * 2011-2012 obesity 16.9%: Ogden CL et al., JAMA 2014;311(8):806-814.
    * 2015-2016 obesity 18.5%, severe obesity 5.6%, overweight 16.6%: Hales CM et al., NCHS
      Data Brief No. 288 (2017); Fryar CD et al., NCHS Health E-Stats, September 2018.
    """
    import labstats
    from labstats.stats import SurveyDesign

    d = labstats.derive(labstats.load_nhanes(), ["bmi_centile"])
    ok = d["bmi_centile"].notna()
    p95 = cdc_growth_lms("bmi").value_at(1.6448536269514722,
                                         d["age_months"].where(ok, 100.0) + 0.5, d["sex"])
    d = d.assign(obese=(d["bmi_centile"] >= 95).astype(float).where(ok),
                 severe=(d["bmi"] >= 1.2 * p95).astype(float).where(ok),
                 overweight=d["bmi_centile"].between(85, 95, inclusive="left")
                 .astype(float).where(ok))
    des = SurveyDesign(d, weights="weight_exam", strata="strata", psu="psu").subset(ok)
    est = {(v, r["cycle"]): 100 * r["estimate"] for v in ("obese", "severe", "overweight")
           for _, r in des.mean(v, by="cycle").iterrows()}
    published = {("obese", "2011-2012"): 16.9, ("obese", "2015-2016"): 18.5,
                 ("severe", "2015-2016"): 5.6, ("overweight", "2015-2016"): 16.6}
    for key, pct in published.items():
        assert abs(est[key] - pct) <= 0.05 + 1e-9, (key, est[key])


@pytest.mark.parametrize("sex_as", ["codes", "text", "categorical", "scalar"])
def test_compiled_path_reproduces_cdcanthro(cdc, sex_as, monkeypatch):
    """Inputs longer than 16,384 rows are scored in one compiled pass (numba): the same
    cdcanthro numbers to 1e-9, and the numpy path's numbers to 1e-12."""
    big = pd.concat([cdc] * 6, ignore_index=True)  # 18,864 rows
    if sex_as == "scalar":
        big = big[big["sex"] == 2].reset_index(drop=True)
        big = pd.concat([big] * 2, ignore_index=True)
    sex = {"codes": big["sex"], "text": big["sex"].map({1: "M", 2: "female"}),
           "categorical": big["sex"].map({1: "male", 2: "F"}).astype("category"),
           "scalar": "female"}[sex_as]
    assert len(big) > 1 << 14
    bmi = cdc_growth_lms("bmi")
    for method, ref in (("zscore", "orig_bmiz"), ("centile", "orig_bmip"),
                        ("modified_zscore", "mod_bmiz")):
        got = getattr(bmi, method)(big["bmi"], big["agemos"], sex)
        assert got.index.equals(big.index) and got.isna().equals(big[ref].isna())
        np.testing.assert_allclose(got, big[ref], rtol=0, atol=1e-9)
        monkeypatch.setenv("LABSTATS_NO_NUMBA", "1")
        slow = getattr(bmi, method)(big["bmi"], big["agemos"], sex)
        monkeypatch.delenv("LABSTATS_NO_NUMBA")
        np.testing.assert_allclose(got, slow, rtol=0, atol=1e-12)


@pytest.mark.parametrize("measure, column, z, centile, modified", [
    ("weight", "wt", "waz", "wap", "mod_waz"),
    ("height", "ht", "haz", "hap", "mod_haz"),
])
def test_compiled_path_reproduces_cdcanthro_weight_height(cdc, measure, column, z, centile,
                                                          modified):
    """The compiled pass on the weight and stature charts (L crosses 0 on both): cdcanthro's
    waz/haz, centiles and modified z to 1e-9."""
    pytest.importorskip("numba")
    from labstats.stats import _lms_jit

    big = pd.concat([cdc] * 6, ignore_index=True)
    table = cdc_growth_lms(measure)
    assert len(big) > 1 << 14 and _lms_jit.tables(table._points) is not None  # compiled
    for method, ref in (("zscore", z), ("centile", centile), ("modified_zscore", modified)):
        got = getattr(table, method)(big[column], big["agemos"], big["sex"])
        assert got.isna().equals(big[ref].isna())
        np.testing.assert_allclose(got, big[ref], rtol=0, atol=1e-9)


def test_compiled_path_errors_and_warnings():
    bmi = cdc_growth_lms("bmi")
    n = 20000
    age = np.full(n, 100.0)
    age[[5, 7]] = [300.0, 10.0]
    with pytest.warns(UserWarning, match="age: 2 rows outside"):
        z = bmi.zscore(np.full(n, 17.0), age, np.ones(n))
    assert np.isnan(z[[5, 7]]).all() and np.isfinite(np.delete(z, [5, 7])).all()
    bad = np.ones(n)
    bad[9] = 3.0
    with pytest.raises(ValueError, match="sex"):
        bmi.zscore(np.full(n, 17.0), np.full(n, 100.0), bad)
    y = np.full(n, 17.0)
    y[11] = 0.0
    with pytest.raises(ValueError, match="index 11"):
        bmi.zscore(y, np.full(n, 100.0), np.ones(n))
