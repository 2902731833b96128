"""NHANES 2013-2016 under the CDC names that tests/reference/make_survey_reference.R reads.

The same rows and values as R's ``read_cycle()`` there (all DEMO rows in SEQN order,
left-joined to the testosterone/SHBG file and to BIOPRO), rebuilt from the harmonised frame
of ``tests.conftest.nhanes_frame`` so that the survey tests and the benchmark read NHANES
through one door. Back to the CDC units: LBXTST is converted from nmol/L to ng/dL and
rounded to the 0.01 ng/dL NCHS publishes (equal to LBXTST of TST_H/TST_I for every
participant; test_design_vs_r checks counts and estimates against R); SHBG (nmol/L) and albumin (g/L,
LBDSALSI = 10 x LBXSAL) are in the CDC unit already.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.conftest import nhanes_frame


def cdc_frame(cycles) -> pd.DataFrame:
    """SEQN, RIAGENDR, RIDAGEYR, WTMEC2YR, SDMVSTRA, SDMVPSU, LBXTST, LBXSHBG, LBDSALSI."""
    from labstats.units import convert

    cycles = list(cycles)
    nh = nhanes_frame(cycles)
    tt = convert(nh["total_testosterone"].to_numpy(), "testosterone", "nmol/L", "ng/dL")
    return pd.DataFrame({
        "SEQN": nh["seqn"], "RIAGENDR": np.where(nh["sex"] == "male", 1.0, 2.0),
        "RIDAGEYR": nh["age"],
        # nhanes_frame divides the weights by the number of cycles; x/2*2 is exact
        "WTMEC2YR": nh["weight_exam"] * len(cycles),
        "SDMVSTRA": nh["strata"], "SDMVPSU": nh["psu"], "LBXTST": np.round(tt, 2),
        "LBXSHBG": nh["shbg"], "LBDSALSI": nh["albumin"]})


def read_cycle(suffix: str) -> pd.DataFrame:
    """One cycle: "H" (2013-2014) or "I" (2015-2016)."""
    return cdc_frame([{"H": "2013-2014", "I": "2015-2016"}[suffix]])


def pooled_2013_2016() -> pd.DataFrame:
    """2013-2014 + 2015-2016 with ``WTMEC4YR = WTMEC2YR / 2`` and the six adult age bands."""
    from labstats.stats import age_groups

    p = cdc_frame(["2013-2014", "2015-2016"])
    p["WTMEC4YR"] = p["WTMEC2YR"] / 2
    p["age_group"] = age_groups(p["RIDAGEYR"], [20, 30, 40, 50, 60, 70])
    return p
