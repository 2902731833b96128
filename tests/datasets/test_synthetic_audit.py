"""Audit of the synthetic generators whose claimed truths other tests use as known truth.

* ``make_lab_results``: the export is parsed here on its own (no labstats reader, no
  labstats unit table): testosterone 288.42 g/mol (1 ng/dL = 10/288.42 nmol/L), albumin
  1 g/dL = 10 g/L, HbA1c by the IFCC-NGSP master equation NGSP = 0.09148 IFCC + 2.152
  (Hoelzel et al. 2004, Clin Chem 50:166-74), "<L" read as L/sqrt(2) and ">U" as U; a
  duplicate is a row equal to an earlier usable row (``read_lab_results``' documented
  rule). Its counts and its draw-by-draw truth (first and last result of a rerun) must be
  the generator's ``attrs``.
* ``make_cohort``: NHANES writes a result below the detection limit as LLOD/sqrt(2) and
  flags it; no result lies between that fill value and the LLOD (CDC TST_H/TST_I pages:
  testosterone LLOD 0.75 ng/dL, estradiol 2.994 pg/mL). Lipids: LDL + HDL cholesterol
  cannot exceed total cholesterol (VLDL cholesterol is not negative; in NHANES 2013-2016
  LDL is Friedewald's TC - HDL - TG/5 mg/dL, TG/2.183 in mmol/L, so LDL + HDL < TC in
  every row).
* ``_simulate_ri``: the returned true limits are the 2.5th/97.5th percentiles of the
  non-pathological distribution, checked against a large independent sample drawn here
  from the Box-Cox specification (numpy only).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from labstats.datasets import make_cohort, make_lab_results

MW_TESTOSTERONE = 288.42  # g/mol
ANALYTES = ("total_testosterone", "shbg", "albumin")
# LIS test codes: analyte and the unit its LOINC code's property allows
LIS_CODES = {"2986-8": ("total_testosterone", "ng/dL"), "14913-8": ("total_testosterone", "nmol/L"),
             "13967-5": ("shbg", "nmol/L"), "1751-7": ("albumin", "g/dL"),
             "4548-4": ("hba1c", "%"), "59261-8": ("hba1c", "mmol/mol"),
             "2345-7": ("glucose", "mg/dL"), "2951-2": ("sodium", None)}
MIMIC_ITEMS = {90001: "total_testosterone", 90002: "shbg", 90003: "albumin", 90004: "sodium",
               90005: "glucose", 90006: "hba1c"}
TO_CANONICAL = {("total_testosterone", "ng/dL"): lambda x: x * 10 / MW_TESTOSTERONE,
                ("total_testosterone", "nmol/L"): lambda x: x,
                ("shbg", "nmol/L"): lambda x: x, ("albumin", "g/dL"): lambda x: 10 * x,
                ("hba1c", "%"): lambda x: x, ("hba1c", "mmol/mol"): lambda x: 0.09148 * x + 2.152,
                ("glucose", "mg/dL"): lambda x: x}


def _parse(export, shape):
    """Each written row: its status, analyte, value in canonical units and censoring."""
    if shape == "lis":
        rows = pd.DataFrame({"pid": export["Patient ID"].to_numpy(),
                             "spec": export["Accession"].to_numpy(),
                             "time": export["Collected"].to_numpy(),
                             "code": export["Test Code"].to_numpy(),
                             "cell": export["Result"].to_numpy(),
                             "unit": export["Units"].to_numpy(),
                             "final": (export["Result Status"] == "F").to_numpy()})
        known = rows["code"].map(lambda c: LIS_CODES.get(c, (None, None)))
        rows["analyte"] = known.str[0]
        unit_ok = (known.str[1] == rows["unit"]).to_numpy()
    else:
        rows = pd.DataFrame({"pid": export["subject_id"].astype(object).to_numpy(),
                             "spec": export["specimen_id"].to_numpy(),
                             "time": export["charttime"].to_numpy(),
                             "analyte": export["itemid"].map(MIMIC_ITEMS).to_numpy(),
                             "cell": export["value"].to_numpy(),
                             "unit": export["valueuom"].to_numpy(), "final": True})
        unit_ok = np.ones(len(rows), bool)
    bare = rows["cell"].astype(str).str.split(" ").str[0]
    rows["cens"] = np.where(bare.str[0].isin(["<", ">"]), bare.str[0], "")
    number = pd.to_numeric(bare.str.lstrip("<>"), errors="coerce").to_numpy()
    number = np.where(rows["cens"] == "<", number / np.sqrt(2.0), number)
    rows["value"] = np.nan
    for (a, u), f in TO_CANONICAL.items():
        m = ((rows["analyte"] == a) & (rows["unit"] == u)).to_numpy()
        rows.loc[m, "value"] = f(number[m])
    no_id = rows["pid"].isna() | (rows["pid"].astype(str) == "")
    rows["status"] = np.where(
        rows["analyte"].isna() | (rows["analyte"] == "sodium") | ~rows["final"], "excluded",
        np.where(no_id | rows["value"].isna() | ~unit_ok, "reported", "used"))
    used = rows["status"] == "used"
    key = rows.loc[used, ["pid", "spec", "time", "analyte", "value", "cens"]].astype(str)
    dup = key.duplicated()
    rows.loc[dup[dup].index, "status"] = "duplicate"
    return rows


CASES = [(shape, n, seed, hba1c) for shape in ("lis", "mimic")
         for n, seed, hba1c in ((1, 0, False), (2, 5, True), (40, 1, True), (150, 2, False),
                                (150, 3, True))]


@pytest.mark.parametrize(("shape", "n", "seed", "hba1c"), CASES)
def test_lab_results_truth_equals_the_written_rows(shape, n, seed, hba1c):
    export = make_lab_results(n, seed=seed, shape=shape, hba1c=hba1c)
    bare = export.copy()
    bare.attrs = {}
    rows = _parse(bare, shape)
    counts = rows["status"].value_counts()
    got = {"rows": len(export), "used": int(counts.get("used", 0)),
           "reported": int(counts.get("reported", 0)),
           "excluded": int(counts.get("excluded", 0)),
           "duplicates": int(counts.get("duplicate", 0))}
    assert got == export.attrs["expected_counts"]
    used = rows[rows["status"] == "used"]
    for key, keep in (("truth", "first"), ("truth_last", "last")):
        truth = export.attrs[key].set_index("specimen_id")
        assert truth.index.is_unique
        kept = used.drop_duplicates(["spec", "analyte"], keep=keep)
        for a in ANALYTES + (("hba1c",) if hba1c else ()):
            one = kept[kept["analyte"] == a].set_index("spec")
            np.testing.assert_allclose(one["value"].reindex(truth.index).to_numpy(float),
                                       truth[a].to_numpy(float), rtol=1e-12, equal_nan=True,
                                       err_msg=f"{key} {a}")
            cens = one["cens"].reindex(truth.index).fillna("").tolist()
            assert cens == truth[f"{a}_censored"].fillna("").tolist(), (key, a)
    first_time = pd.to_datetime(rows.groupby("spec")["time"].min())
    truth = export.attrs["truth"]
    assert (first_time.loc[truth["specimen_id"]].to_numpy()
            == truth["collected_at"].to_numpy()).all()


def test_lab_results_structure_as_documented():
    export = make_lab_results(3000, seed=0)
    truth = export.attrs["truth"]
    per_patient = truth.groupby("patient_id").size()
    assert per_patient.mean() == pytest.approx(3.0, abs=0.1)  # 1 + Poisson(2)
    sex = export.attrs["sex"]
    assert (sex == "female").mean() == pytest.approx(0.5, abs=0.03)
    assert truth["shbg"].isna().mean() == pytest.approx(0.2, abs=0.02)
    assert truth["albumin"].isna().mean() == pytest.approx(0.1, abs=0.02)
    gaps = truth.sort_values(["patient_id", "collected_at"]).groupby("patient_id")[
        "collected_at"].diff().dropna()
    # at least 7 days apart, drawn between 07:00 and 11:00
    assert (gaps > pd.Timedelta("7D") - pd.Timedelta("4h")).all()
    # H/L flags by the documented limits (nmol/L): men 8.6-29, women 0.3-2.0
    rows = _parse(export, "lis")
    flag = export["Result"].str.extract(r" ([HL])$")[0].fillna("")
    tt = (rows["analyte"] == "total_testosterone") & (rows["cens"] == "") & \
        (rows["status"] == "used")  # the unusable rows added by bad_rows carry no flag
    female = rows["pid"].map(sex).eq("female")
    lo, hi = np.where(female, 0.3, 8.6), np.where(female, 2.0, 29.0)
    v = rows["value"].to_numpy()
    expected = np.where(v < lo, "L", np.where(v > hi, "H", ""))
    # the written value is rounded: compare only away from the limits
    clear = tt & (np.minimum(np.abs(v - lo), np.abs(v - hi)) > 0.02)
    assert (flag[clear] == expected[clear]).all()


def test_lab_results_are_the_same_bytes_in_another_process():
    code = ("import sys; from labstats.datasets import make_lab_results as m; "
            "sys.stdout.write(m(50, seed=7, shape='mimic', hba1c=True).to_csv())")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                           text=True).stdout for _ in range(2)]
    here = make_lab_results(50, seed=7, shape="mimic", hba1c=True).to_csv()
    assert runs[0] == runs[1] == here


# CDC TST_H/TST_I: LLOD testosterone 0.75 ng/dL (x 10/288.42 nmol/L), estradiol 2.994
# pg/mL (x 3.6713 pmol/L per pg/mL)
LLOD = {"total_testosterone": 0.75 * 10 / MW_TESTOSTERONE, "estradiol": 2.994 * 3.6713}


@pytest.fixture(scope="module")
def cohort():
    return make_cohort(20_000, seed=0)


@pytest.mark.parametrize("analyte", sorted(LLOD))
def test_cohort_has_no_unflagged_result_below_the_detection_limit(cohort, analyte):
    """Found by this audit: the quantile function interpolated between the fill value
    LLOD/sqrt(2) and the next knot gave 6 testosterone and 299 estradiol results of 20,000
    (seed 0) between the fill value and the LLOD, unflagged: NHANES has none."""
    flag = cohort[f"{analyte}_below_lod"].to_numpy(dtype=bool)
    values = cohort[analyte].to_numpy()
    # (2e-3: the calibrated fill value times sqrt(2) is 0.7495 ng/dL against the published
    # LLOD 0.75, a gap of 6e-4 from the fill values' rounding)
    assert (values[~flag] >= LLOD[analyte] * (1 - 2e-3)).all()
    # the fill values of 2013-2014 and 2015-2016 differ by rounding (0.52, 0.53 ng/dL)
    np.testing.assert_allclose(values[flag], LLOD[analyte] / np.sqrt(2.0), rtol=0.02)
    assert flag.sum() > 0


def test_cohort_flags_insulin_only_at_its_fill_value(cohort):
    """Found by this audit: insulin drawn below the 2015-2016 fill value (4.26 pmol/L, INS_I)
    was flagged below the detection limit (13 rows of 20,000 at seed 0, values down to 1.1
    pmol/L), though NHANES 2013-2014 measured such results (INS_H, no flag) and the flag
    means "the fill value"."""
    fill = 4.26
    flag = cohort["insulin_below_lod"].to_numpy(dtype=bool)
    np.testing.assert_allclose(cohort["insulin"].to_numpy()[flag], fill, rtol=1e-9)
    # NHANES 2015-2016 has 1 result at the fill value in 3,191 (INS_I, LBDINLC = 1); a
    # continuous draw never lands on it, so the flag is never set (make_cohort's docstring)
    assert not flag.any()
    assert (cohort["insulin"] < fill).sum() > 0  # the low results are there, unflagged


def test_cohort_ldl_plus_hdl_below_total_cholesterol(cohort):
    """Found by this audit: the Gaussian copula drew LDL apart from total and HDL
    cholesterol, and LDL + HDL exceeded total cholesterol in 1,542 of 20,000 rows at seed
    0 (LDL >= TC in 5). LDL is now computed from the row's lipids as NCHS computes it
    (test_synthetic.py); missing above 400 mg/dL of triglycerides, as in NHANES."""
    lipids = cohort[["ldl_cholesterol", "hdl_cholesterol", "total_cholesterol"]].dropna()
    assert (lipids["ldl_cholesterol"] + lipids["hdl_cholesterol"]
            < lipids["total_cholesterol"]).all()
    assert (lipids["ldl_cholesterol"] > 0).all()
    assert len(lipids) == 20_000 - 244  # not vacuous: LDL is missing in 1.2 % of rows


def test_cohort_values_and_design_are_possible(cohort):
    from labstats.stats.design import SurveyDesign

    assert cohort["age"].between(20, 80).all() and (cohort["age"] % 1 == 0).all()
    pregnant = cohort["pregnant"]
    assert (pregnant.isna() == ((cohort["sex"] == "male") | (cohort["age"] > 44))).all()
    assert not pregnant.fillna(False).any()
    analytes = ["total_testosterone", "estradiol", "shbg", "albumin", "creatinine", "glucose",
                "insulin", "triglycerides", "ldl_cholesterol", "hdl_cholesterol",
                "total_cholesterol", "hba1c", "bmi", "waist"]
    assert (cohort[analytes].fillna(1.0) > 0).all().all()
    assert not (cohort["hdl_cholesterol"] >= cohort["total_cholesterol"]).any()
    assert set(cohort["psu"]) == {1, 2} and set(cohort["strata"]) == set(range(1, 16))
    assert cohort.groupby("strata")["psu"].nunique().eq(2).all()
    design = SurveyDesign(cohort, "weight_exam", strata="strata", psu="psu")
    mean = design.mean("shbg")
    assert float(mean["estimate"].iloc[0]) == pytest.approx(cohort["shbg"].mean(), rel=1e-12)


def test_cohort_weights_sum_to_the_population_of_its_age_range():
    from labstats.datasets.synthetic import calibration

    weights = calibration()["age_weights"]  # persons by year of age 20..80, per sex
    young = make_cohort(1000, seed=1, age_range=(20, 39))
    expected = sum(sum(weights[s][:20]) for s in ("male", "female"))
    assert young["weight_exam"].sum() == pytest.approx(expected, rel=1e-12)


def test_simulated_true_limits_are_the_quantiles_of_the_np_distribution():
    from labstats.stats._simulate_ri import ANALYTES as SPEC
    from labstats.stats._simulate_ri import true_interval

    rng = np.random.default_rng(2024)
    n = 1_000_000
    for analyte, (lam, mu, sigma, shift, _) in SPEC.items():
        y = mu + sigma * rng.standard_normal(3 * n)
        if lam > 0:
            y = y[y > -1 / lam][:n]  # truncated at the end of the Box-Cox range
        x = (np.exp(y) if lam == 0 else (lam * y + 1) ** (1 / lam)) + shift
        lo, hi = true_interval(analyte)
        for p, limit in ((0.025, lo), (0.975, hi)):
            # 4 standard errors of a sample quantile: sqrt(p(1-p)/n) / density, the
            # density estimated by a difference quotient of the sample's quantiles
            h = 0.002
            dens = 2 * h / (np.quantile(x, p + h) - np.quantile(x, p - h))
            tol = 4 * np.sqrt(p * (1 - p) / len(x)) / dens
            assert np.quantile(x, p) == pytest.approx(limit, abs=tol), (analyte, p)


@pytest.mark.parametrize(("n", "message"), [
    (0, r"got 0"), (10.7, r"got 10.7"), (True, r"got True"), ("200", r"got '200'")])
def test_make_lab_results_refuses_a_size_that_is_not_a_whole_number(n, message):
    # 10.7 patients were truncated to 10 in silence (int()), True read as 1
    with pytest.raises(ValueError, match=r"n_patients must be a whole number >= 1 "
                                         r"\(patients in the export\), " + message):
        make_lab_results(n)
