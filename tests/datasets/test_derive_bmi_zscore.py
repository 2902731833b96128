"""derive() adds CDC BMI-for-age z-scores and centiles for children 2-19 y.

CDC convention (CDC's SAS program documentation; ../shared/data/reference/CDC_GROWTH.md):
ages in completed months (NHANES RIDEXAGM) are scored at age + 0.5; as CDC's programs, only
24 <= age < 240 months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labstats import derive
from labstats.datasets import cdc_growth_lms


def test_bmi_zscore_centile_from_completed_months():
    df = pd.DataFrame({"bmi": [16.54777487, 18.0, 25.0, 17.0, np.nan],
                       "age_months": [24, 120, np.nan, 239, 60],
                       "sex": ["male", "female", "male", "F", "M"]}, index=[5, 7, 9, 11, 13])
    out = derive(df, ["bmi_zscore", "bmi_centile"])
    assert out.index.equals(df.index) and list(out.columns[:3]) == list(df.columns)
    bmi = cdc_growth_lms("bmi")
    expect = bmi.zscore(df["bmi"], df["age_months"] + 0.5, df["sex"])
    np.testing.assert_allclose(out["bmi_zscore"], expect, atol=0, equal_nan=True)
    assert abs(out.loc[5, "bmi_zscore"]) < 1e-12  # the CDC median at 24.5 months
    np.testing.assert_allclose(out["bmi_centile"],
                               bmi.centile(df["bmi"], df["age_months"] + 0.5, df["sex"]),
                               equal_nan=True)
    assert out["bmi_zscore"].isna().tolist() == [False, False, True, False, True]


def test_outside_2_to_19_years_is_nan_with_one_warning():
    df = pd.DataFrame({"bmi": [17.0, 17.0, 17.0], "age_months": [23, 240, 100],
                       "sex": [1, 2, 1]})
    with pytest.warns(UserWarning, match="2 rows with BMI outside 24-239") as rec:
        out = derive(df, ["bmi_zscore", "bmi_centile"])
    assert len([w for w in rec if "BMI outside" in str(w.message)]) == 1
    assert out["bmi_zscore"].isna().tolist() == [True, True, False]


def test_never_overwrites_and_embedded_nhanes_has_the_inputs():
    import labstats

    nh = labstats.load_nhanes()
    assert {"bmi", "age_months", "sex"} <= set(nh.columns)
    kids = nh[(nh["age_months"] >= 24) & (nh["age_months"] < 240)].head(50)
    out = derive(kids, ["bmi_zscore"])
    assert out["bmi_zscore"].notna().sum() == kids["bmi"].notna().sum()
    with pytest.raises(ValueError, match="bmi_zscore"):
        derive(out, ["bmi_zscore"])
