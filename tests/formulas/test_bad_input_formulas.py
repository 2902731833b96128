"""Bad-input matrix of the formulas (issue 10, "Nothing lost, nothing silent").

One parametrised case per defect class: the call, and what it must give -- an error whose
text names the argument, the value and the valid range or fix; a warning naming the fix;
or the right value. External references for the values: Alberti 2009 Table 1 (cut points
in mg/dL and mmol/L), Martin 2013 (TG strata 7-49 / 50-56, factors 3.5 / 4.0 at non-HDL-C
< 100 mg/dL), Friedewald 1972 / NCHS LBDLDL (computed at TG 400 mg/dL, missing above),
NHANES 2011-2016 quartiles of adult men and of fasting insulin (for the synthetic unit
traps: insulin Q1 38 / Q3 96 pmol/L, testosterone 10 / 17.6 nmol/L, estradiol 67 / 108
pmol/L, waist of adults 88 / 108 cm).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats.formulas import (
    bioavailable_estradiol,
    egfr,
    free_estradiol,
    free_testosterone,
    homa_ir,
    ldl_cholesterol,
    metabolic_syndrome,
    quicki,
    testosterone_fractions,
    waist_to_height_ratio,
)
from labstats.units import convert

_RNG = np.random.default_rng(2026)


def _lognormal(median, q1, q3, n=400):
    """NHANES-like column: lognormal with the given median and quartiles (about)."""
    sigma = np.log(q3 / q1) / 1.349
    return _RNG.lognormal(np.log(median), sigma, n)


INSULIN = _lognormal(60.0, 38.0, 96.0)  # pmol/L, fasting adults
TESTOSTERONE_MEN = _lognormal(13.3, 10.0, 17.6)  # nmol/L
SHBG = np.full(400, 35.0)
ESTRADIOL_MEN = _lognormal(85.0, 67.0, 108.0)  # pmol/L
WAIST_ADULTS = _lognormal(97.5, 88.0, 108.0)  # cm
HEIGHT = np.full(400, 170.0)

SEX_UNUSED = pd.Series(pd.Categorical(["M", "F"], categories=["M", "F", "X"]))
SEX_USED_X = pd.Series(pd.Categorical(["M", "X"], categories=["M", "F", "X"]))
BIG = 40_000  # more than one block: the compiled / blockwise path
SEX_UNUSED_BIG = pd.Series(pd.Categorical(["M", "F"] * (BIG // 2), categories=["M", "F", "X"]))

#: The man at the border of Alberti 2009 Table 1 (issue 10): TG 1.69, HDL-C 1.02, glucose
#: 5.58 mmol/L, systolic 135 mmHg.
BORDER_MAN = dict(waist_circumference=90.0, triglycerides=1.69, hdl_cholesterol=1.02,
                  glucose=5.58, systolic_blood_pressure=135.0, diastolic_blood_pressure=80.0,
                  sex="M")
MG = dict(total_cholesterol_unit="mg/dL", hdl_cholesterol_unit="mg/dL",
          triglycerides_unit="mg/dL", output_unit="mg/dL")


def _n_met(**kw):
    return int(metabolic_syndrome(**kw)["n_criteria_met"].iloc[0])


# (id, call, kind, expected): kind "raises" -> regex of the ValueError; "warns" -> regex of
# the one LabstatsWarning; "value" -> expected result (compared with assert_allclose).
CASES = [
    # --- constants: validated by one function (labstats._validate.as_constant) ---------
    ("free_estradiol k_shbg negative", lambda: free_estradiol(100, 60, k_shbg=-1e9), "raises",
     r"k_shbg=-1000000000\.0 is not valid: it must be a number > 0 \[L/mol\]"),
    ("free_estradiol k_shbg zero not ignored", lambda: free_estradiol(100, 60, k_shbg=0),
     "raises", r"k_shbg=0\.0 is not valid: it must be a number > 0 \[L/mol\]"),
    ("free_estradiol k_albumin zero", lambda: free_estradiol(100, 60, k_albumin=0), "raises",
     r"k_albumin=0\.0 is not valid"),
    ("free_estradiol albumin_molar_mass zero not ignored",
     lambda: free_estradiol(100, 60, albumin_molar_mass=0), "raises",
     r"albumin_molar_mass=0\.0 is not valid: it must be a number between 50000 and 100000 "
     r"\(exclusive\) \[g/mol\]"),
    ("bioavailable_estradiol k_shbg NaN",
     lambda: bioavailable_estradiol(100, 60, k_shbg=float("nan")), "raises",
     r"k_shbg=nan is not valid"),
    ("free_testosterone k_shbg negative", lambda: free_testosterone(15, 30, k_shbg=-1e9),
     "raises", r"k_shbg=-1000000000\.0 is not valid: it must be a number > 0 \[L/mol\]"),
    ("free_testosterone albumin molar mass in kDa",
     lambda: free_testosterone(15, 30, albumin_molar_mass=69), "raises",
     r"albumin_molar_mass=69\.0 is not valid: .*\(e\.g\. 69000, not 69 kDa\)"),
    ("free_testosterone mass_action infinite k_albumin",
     lambda: free_testosterone(15, 30, method="mass_action", k_shbg=1e9,
                               k_albumin=float("inf")), "raises",
     r"k_albumin=inf is not valid"),
    ("free_testosterone k_shbg as text", lambda: free_testosterone(15, 30, k_shbg="1e9"),
     "raises", r"k_shbg='1e9' is not valid: it must be a number > 0"),
    ("free_testosterone k_shbg boolean", lambda: free_testosterone(15, 30, k_shbg=True),
     "raises", r"k_shbg=True is not valid"),
    ("testosterone_fractions k_albumin negative",
     lambda: testosterone_fractions([15.0], [30.0], k_albumin=-3.6e4), "raises",
     r"k_albumin=-36000\.0 is not valid"),
    ("free_estradiol explicit model constants equal the default",
     lambda: free_estradiol(100, 60, k_shbg=3.14e8, k_albumin=4.21e4,
                            albumin_molar_mass=69_000) - free_estradiol(100, 60), "value", 0.0),
    ("homa_ir insulin_factor zero", lambda: homa_ir(5.0, 60.0, insulin_factor=0), "raises",
     r"insulin_factor=0\.0 is not valid: it must be a number between 1 and 20 "
     r"\(exclusive\) \[pmol/L per µIU/mL\]"),
    ("homa_ir insulin_factor inverted", lambda: homa_ir(5.0, 60.0, insulin_factor=1 / 6),
     "raises", r"insulin_factor=0\.1666.* not its inverse"),
    ("quicki insulin_factor NaN", lambda: quicki(5.0, 60.0, insulin_factor=float("nan")),
     "raises", r"insulin_factor=nan is not valid"),
    ("homa_ir insulin_factor unknown name", lambda: homa_ir(5.0, 60.0, insulin_factor="new"),
     "raises", r"insulin_factor: unknown name 'new'"),
    ("convert molar_mass zero",
     lambda: convert(43.0, "albumin", "g/L", "µmol/L", molar_mass=0), "raises",
     r"molar_mass=0\.0 is not valid: it must be a number > 0 \[g/mol\]"),
    ("ldl friedewald_mmol_divisor negative",
     lambda: ldl_cholesterol(5.2, 1.3, 1.7, friedewald_mmol_divisor=-2.2), "raises",
     r"friedewald_mmol_divisor=-2\.2 is not valid: it must be a number between 1 and 4"),
    ("metabolic_syndrome waist thresholds in inches",
     lambda: metabolic_syndrome(**BORDER_MAN, waist_thresholds=(40, 35)), "raises",
     r"waist_thresholds \(men\)=40\.0 is not valid: it must be a number between 50 and 150 "
     r"\(exclusive\) \[cm\]"),
    # --- sex Categorical with an unused category (pandas keeps them after filtering) ---
    ("egfr sex Categorical with unused category",
     lambda: egfr(creatinine=[80.0, 70.0], age=[50.0, 50.0], sex=SEX_UNUSED), "value",
     egfr(creatinine=[80.0, 70.0], age=[50.0, 50.0], sex=["M", "F"])),
    ("egfr long sex Categorical with unused category",
     lambda: egfr(creatinine=np.full(BIG, 80.0), age=50.0, sex=SEX_UNUSED_BIG)[:2], "value",
     egfr(creatinine=[80.0, 80.0], age=[50.0, 50.0], sex=["M", "F"])),
    ("metabolic_syndrome sex Categorical with unused category",
     lambda: metabolic_syndrome(**{**BORDER_MAN, "hdl_cholesterol": 1.1, "sex": SEX_UNUSED},
                                cut_points="mmol/L")["reduced_hdl_cholesterol"].to_numpy(
                                    dtype=float), "value", [0.0, 1.0]),
    ("egfr used unknown category still raises",
     lambda: egfr(creatinine=[80.0, 70.0], age=[50.0, 50.0], sex=SEX_USED_X), "raises",
     r"sex: 1 value not a recognised sex; the first is 'X' at index 1"),
    ("metabolic_syndrome used unknown category still raises",
     lambda: metabolic_syndrome(**{**BORDER_MAN, "sex": SEX_USED_X}), "raises",
     r"sex: 1 value not a recognised sex; the first is 'X' at index 1"),
    # --- metabolic syndrome: the cut points of the inputs' unit system -----------------
    ("border man, mg/dL cut points: 3 criteria",
     lambda: _n_met(**BORDER_MAN, cut_points="mg/dL"), "value", 3),
    ("border man, mmol/L cut points: 1 criterion",
     lambda: _n_met(**BORDER_MAN, cut_points="mmol/L"), "value", 1),
    ("border man, mmol/L inputs: mmol/L cut points by default",
     lambda: _n_met(**BORDER_MAN), "value", 1),
    ("mixed unit systems must choose the cut points",
     lambda: _n_met(**{**BORDER_MAN, "glucose": 100.5, "glucose_unit": "mg/dL"}), "raises",
     r"the inputs mix unit systems .* pass cut_points=\"mg/dL\" or cut_points=\"mmol/L\""),
    # --- LDL boundaries -------------------------------------------------------------------
    ("Martin/Hopkins TG 49.6 mg/dL is floored into 7-49 (F 3.5)",
     lambda: ldl_cholesterol(180.0, 90.0, 49.6, method="martin_hopkins", **MG), "value",
     90.0 - 49.6 / 3.5),
    ("Martin/Hopkins TG 50.0 mg/dL is row 50-56 (F 4.0)",
     lambda: ldl_cholesterol(180.0, 90.0, 50.0, method="martin_hopkins", **MG), "value",
     90.0 - 50.0 / 4.0),
    ("Friedewald at TG 400 mg/dL is computed", lambda: ldl_cholesterol(250.0, 50.0, 400.0,
                                                                       **MG), "value", 120.0),
    ("Friedewald above TG 400 mg/dL is NaN with a count",
     lambda: ldl_cholesterol(250.0, 50.0, 400.5, **MG), "warns",
     r"^1 row with triglycerides above 400 mg/dL .*set to NaN"),
    # --- column-level unit traps: single values plausible in both units ----------------
    ("insulin in µIU/mL passed as pmol/L", lambda: homa_ir(np.full(400, 5.2), INSULIN / 6.0),
     "warns", r"^insulin: the column's median is .* pass insulin_unit=\"µIU/mL\""),
    ("testosterone in ng/mL passed as nmol/L",
     lambda: free_testosterone(TESTOSTERONE_MEN / 3.4672, SHBG), "warns",
     r"^total_testosterone: the column's median is .* total_testosterone_unit=\"ng/mL\""),
    ("estradiol in pg/mL passed as pmol/L",
     lambda: free_estradiol(ESTRADIOL_MEN / 3.6713, SHBG), "warns",
     r"^estradiol: the column's median is .* pass estradiol_unit=\"pg/mL\""),
    ("waist in inches passed as cm",
     lambda: waist_to_height_ratio(waist_circumference=WAIST_ADULTS / 2.54, height=HEIGHT),
     "warns", r"^waist_circumference: the column's median is .* "
              r"waist_circumference_unit=\"in\""),
    ("insulin in its declared unit: no warning",
     lambda: homa_ir(np.full(400, 5.2), INSULIN / 6.0, insulin_unit="µIU/mL")
     - homa_ir(np.full(400, 5.2), INSULIN), "value", np.zeros(400)),
    ("testosterone in nmol/L: no warning",
     lambda: free_testosterone(TESTOSTERONE_MEN, SHBG)
     - free_testosterone(convert(TESTOSTERONE_MEN, "testosterone", "nmol/L", "ng/mL"), SHBG,
                         total_testosterone_unit="ng/mL"),
     "value", np.zeros(400)),
]


@pytest.mark.parametrize(("call", "kind", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input(call, kind, expected):
    if kind == "raises":
        with pytest.raises(ValueError, match=expected):
            call()
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = call()
    messages = [str(w.message) for w in caught if issubclass(w.category,
                                                              labstats.LabstatsWarning)]
    if kind == "warns":
        assert len(messages) == 1, messages
        assert re.search(expected, messages[0]), messages[0]
        return
    assert not messages, messages  # a right value comes without a warning
    np.testing.assert_allclose(np.asarray(got, dtype=float), expected, rtol=1e-12,
                               atol=1e-12)
