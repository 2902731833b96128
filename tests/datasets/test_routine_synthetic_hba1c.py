"""``make_lab_results(hba1c=True)`` (issue 12): HbA1c in NGSP % (LOINC 4548-4) before the
assay change and in IFCC mmol/mol (59261-8) after it, converted by ``read_lab_results``
with the IFCC-NGSP master equation, NGSP % = 0.09148 x IFCC + 2.152 (Hoelzel et al.,
Clin Chem 2004;50:166-174; ngsp.org "IFCC Standardization of HbA1c"). The default export
of a seed does not change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats.datasets import make_lab_results, pair_results, read_lab_results

HBA1C_CODES = {"4548-4", "59261-8"}


@pytest.mark.parametrize("shape", ["lis", "mimic"])
def test_default_export_is_unchanged(shape):
    """Without the keyword (or with hba1c=False) the export, its truth and counts are
    those of the seed; hba1c=True adds HbA1c rows and leaves the other draws' results."""
    plain = make_lab_results(60, seed=5, shape=shape)
    off = make_lab_results(60, seed=5, shape=shape, hba1c=False)
    pd.testing.assert_frame_equal(plain, off)
    assert plain.attrs["expected_counts"] == off.attrs["expected_counts"]
    test = "Test Code" if shape == "lis" else "itemid"
    assert not set(plain[test].astype(str)) & (HBA1C_CODES | {"90006"})
    assert "hba1c" not in plain.attrs["truth"]
    with_a1c = make_lab_results(60, seed=5, shape=shape, hba1c=True)
    pd.testing.assert_frame_equal(with_a1c.attrs["truth"].drop(columns=["hba1c",
                                                                        "hba1c_censored"]),
                                  plain.attrs["truth"])


@pytest.mark.parametrize("shape", ["lis", "mimic"])
def test_hba1c_results_are_converted_by_the_master_equation(shape):
    export = make_lab_results(300, seed=4, shape=shape, hba1c=True)
    test_map, truth, expected = (export.attrs.get("test_map"), export.attrs["truth"],
                                 export.attrs["expected_counts"])
    export.attrs = {}
    res = read_lab_results(export, test_map=test_map)
    assert res.attrs["counts"] == expected
    a1c = res[(res["analyte"] == "hba1c") & (res["status"] == "used")]
    ifcc = a1c["raw_unit"] == "mmol/mol"
    ngsp = a1c["raw_unit"] == "%"
    assert ifcc.sum() > 50 and ngsp.sum() > 50 and (ifcc | ngsp).all()  # mixed units
    if shape == "lis":  # LOINC codes by unit
        assert set(a1c.loc[ifcc, "test"]) == {"59261-8"} and set(a1c.loc[ngsp, "test"]) == {
            "4548-4"}
    raw = a1c["raw_value"].astype(float)
    np.testing.assert_allclose(a1c.loc[ifcc, "value"], 0.09148 * raw[ifcc] + 2.152,
                               rtol=1e-12)
    np.testing.assert_array_equal(a1c.loc[ngsp, "value"], raw[ngsp])
    # the WHO/ADA diagnostic threshold: 48 mmol/mol is 6.5 % NGSP (to 0.01)
    at48 = a1c.loc[ifcc & (raw == 48.0), "value"]
    assert len(at48) and np.allclose(at48, 6.543, atol=5e-4)
    draws = pair_results(res).sort_values(["patient_id", "collected_at"], ignore_index=True)
    truth = truth.sort_values(["patient_id", "collected_at"], ignore_index=True)
    np.testing.assert_allclose(draws["hba1c"], truth["hba1c"], rtol=1e-12)
    assert labstats.derive(draws)["hba1c"].notna().sum() == truth["hba1c"].notna().sum()
