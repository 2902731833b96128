"""Survey-weighted reference interval on NHANES against R survey.

External reference: R 4.2.2 survey 4.1-1 ``svyquantile(..., qrule = "math", alpha = 0.10)`` on
pooled NHANES 2013-2016, men aged >= 20 y (tests/reference/make_r_survey_reference.R ->
tests/reference/r_survey_reference_interval.csv): 151 (144.9-156) to 847 (826-886) ng/dL.
NHANES is read through tests.conftest.nhanes_frame.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from labstats.stats import SurveyDesign, reference_interval
from tests.stats._nhanes_join import pooled_2013_2016

REF = Path(__file__).parents[1] / "reference"


def _nhanes_men():
    # DEMO_H/I left-joined to TST_H/I (LBXTST, ng/dL), through tests.conftest.nhanes_frame
    d = pooled_2013_2016()
    d = d[d.WTMEC2YR > 0].assign(w=lambda f: f.WTMEC2YR / 2)
    return d.assign(men20=(d.RIAGENDR == 1) & (d.RIDAGEYR >= 20) & d.LBXTST.notna())


def _design(frame):
    return SurveyDesign(frame, weights="w", strata="SDMVSTRA", psu="SDMVPSU")


def test_survey_reference_interval_matches_r_svyquantile():
    des = _design(_nhanes_men())
    res = reference_interval("LBXTST", design=des, by="men20")
    res = res[res.men20.astype(bool)].set_index("limit")
    want = pd.read_csv(REF / "r_survey_reference_interval.csv", comment="#").set_index("limit")
    for col in ("estimate", "ci_low", "ci_high"):
        np.testing.assert_allclose(res[col].to_numpy(float), want[col].to_numpy(float),
                                   rtol=1e-9)
