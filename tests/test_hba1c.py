"""HbA1c in IFCC mmol/mol <-> NGSP/DCCT %: an affine unit in the one unit layer.

External references:
* The IFCC-NGSP master equation, NGSP = 0.09148 x IFCC + 2.152 (Hoelzel W et al., Clin Chem
  2004;50:166-74; the constants as printed by the NGSP, www.ngsp.org/ifcc.asp; the IFCC
  network rounds them to 0.0915 and 2.15, information.ifcchba1c.org "Master Equation").
* Paired values of the UK consensus conversion table (Barth JH et al., "Consensus meeting on
  reporting glycated haemoglobin and estimated average glucose in the UK", Ann Clin Biochem
  2008;45:343-4), DCCT-aligned % -> IFCC mmol/mol, of which 6.0 % = 42, 6.5 % = 48 and
  7.0 % = 53 mmol/mol are also the thresholds of NICE NG28 and WHO 2011.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import labstats
from labstats import units
from labstats._validate import as_measure

#: Barth 2008 (UK consensus) table: NGSP % -> IFCC mmol/mol, each rounded as published.
BARTH_2008 = [(4.0, 20), (5.0, 31), (6.0, 42), (6.5, 48), (7.0, 53), (8.0, 64), (9.0, 75),
              (10.0, 86), (11.0, 97), (12.0, 108), (13.0, 119), (14.0, 130), (15.0, 140)]


def test_master_equation_constants_are_the_ngsp_ones():
    eq = units.HBA1C_MASTER_EQUATION
    assert (eq.slope, eq.offset) == (0.09148, 2.152)
    # its inverse: the IFCC network's rounded form IFCC = 10.93 x NGSP - 23.5
    assert 1 / eq.slope == pytest.approx(10.93, abs=0.005)
    assert eq.offset / eq.slope == pytest.approx(23.5, abs=0.05)


@pytest.mark.parametrize(("ngsp", "ifcc"), BARTH_2008)
def test_published_table_both_ways(ngsp, ifcc):
    assert round(units.convert(ngsp, "hba1c", "%", "mmol/mol")) == ifcc
    assert round(units.convert(float(ifcc), "hba1c", "mmol/mol", "%"), 1) == ngsp


def test_diagnostic_thresholds():
    # NICE NG28 / WHO 2011: 42, 48 and 53 mmol/mol are 6.0, 6.5 and 7.0 %.
    got = units.convert(pd.Series([42.0, 48.0, 53.0], index=list("abc"), name="a1c"),
                        "hba1c", "mmol/mol", "%")
    assert got.index.tolist() == ["a", "b", "c"] and got.name == "a1c"
    assert got.round(1).tolist() == [6.0, 6.5, 7.0]
    assert units.convert(53.0, "hba1c", "mmol/mol", "%") == pytest.approx(7.00044, abs=1e-12)


@given(st.floats(min_value=3.0, max_value=25.0, allow_nan=False))
def test_round_trip_percent(x):
    there = units.convert(x, "hba1c", "%", "mmol/mol")
    assert units.convert(there, "hba1c", "mmol/mol", "%") == pytest.approx(x, rel=1e-12)


@given(st.floats(min_value=9.3, max_value=249.0, allow_nan=False),
       st.floats(min_value=9.3, max_value=249.0, allow_nan=False))
def test_affine_not_a_factor(a, b):
    """Differences scale by the slope; values do not (the offset): the map is affine."""
    fa, fb = (units.convert(v, "hba1c", "mmol/mol", "%") for v in (a, b))
    assert fa - fb == pytest.approx(0.09148 * (a - b), abs=1e-9)
    assert units.convert(a, "hba1c", "mmol/mol", "mmol/mol") == a
    assert units.convert(a, "hba1c", "%", "%") == a


def test_no_factor_for_an_affine_unit():
    with pytest.raises(ValueError, match=r"mmol/mol is not a multiple of %"):
        units.MEASURES["hba1c"].factor("mmol/mol")
    assert units.MEASURES["hba1c"].factor("%") == 1.0
    with pytest.raises(ValueError, match=r"unknown unit 'mg/dL' for hba1c; accepted units "
                                         r"are %, mmol/mol"):
        units.convert(5.0, "hba1c", "mg/dL", "%")
    assert units.convert(np.nan, "hba1c", "mmol/mol", "%") != units.convert(
        np.nan, "hba1c", "mmol/mol", "%")  # NaN stays NaN


def test_implausible_values_name_the_other_unit():
    with pytest.raises(ValueError, match=r'48.0 at index 0 is implausible for %.*If these are '
                                         r'mmol/mol, pass hba1c_unit="mmol/mol"'):
        as_measure(np.array([48.0, 53.0]), "hba1c", unit="%")
    with pytest.raises(ValueError, match=r'implausible for mmol/mol.*If these are %, pass '
                                         r'hba1c_unit="%"'):
        as_measure(np.array([6.5, 5.4]), "hba1c", unit="mmol/mol")
    assert as_measure(np.array([48.0]), "hba1c", unit="mmol/mol") == pytest.approx([6.54304])


def test_read_lab_export_converts_an_ifcc_column():
    raw = pd.DataFrame({"id": ["a", "b", "c"], "HbA1c (mmol/mol)": ["42", "48", ""]})
    got = labstats.read_lab_export(raw)
    assert got["hba1c"].round(5).tolist()[:2] == [5.99416, 6.54304]
    assert np.isnan(got["hba1c"].iloc[2])
    # a unit column, row by row
    raw = pd.DataFrame({"id": ["a", "b"], "HbA1c": ["53", "7.0"],
                        "HbA1c unit": ["mmol/mol", "%"]})
    assert labstats.read_lab_export(raw)["hba1c"].round(5).tolist() == [7.00044, 7.0]


def test_read_lab_results_converts_ifcc_rows_and_reports_contradictions():
    raw = pd.DataFrame({
        "Patient ID": ["p1", "p1", "p2", "p3", "p4", "p5"],
        "Test Code": ["59261-8", "4548-4", "59261-8", "4548-4", "59261-8", "HbA1c"],
        "Result": ["48", "6.5", "6.5", "53", "53", "42"],
        "Units": ["mmol/mol", "%", "%", "mmol/mol", "mmol/mol", "mmol/mol"]})
    res = labstats.read_lab_results(raw)
    assert res["analyte"].tolist() == ["hba1c"] * 6
    assert res["status"].tolist() == ["used", "used", "reported", "reported", "used", "used"]
    assert res["value"].round(5).tolist()[:2] == [6.54304, 6.5]
    assert res["value"].round(5).tolist()[4:] == [7.00044, 5.99416]
    why = res.attrs["report"].set_index("source_row")["reason"]
    # "%" under the IFCC code, mmol/mol under the NGSP code: the code or the unit is wrong
    assert "a fraction unit, but the test's LOINC code is a substance_fraction (" in why[2]
    assert "a substance_fraction unit, but the test's LOINC code is a fraction (" in why[3]
    assert res.attrs["counts"] == {"rows": 6, "used": 4, "reported": 2, "excluded": 0,
                                   "duplicates": 0}


def test_read_lab_results_reports_ngsp_values_labelled_mmol_mol():
    raw = pd.DataFrame({"Patient ID": ["p1", "p2"], "Test Code": ["HbA1c", "HbA1c"],
                        "Result": ["6.1", "130 H"], "Units": ["mmol/mol", "%"]})
    res = labstats.read_lab_results(raw)
    assert res["status"].tolist() == ["reported", "reported"]
    why = res.attrs["report"]["reason"].tolist()
    assert why[0].startswith("implausible for mmol/mol") and "if it is %" in why[0]
    assert why[1].startswith("implausible for %") and "if it is mmol/mol" in why[1]
    with labstats.plausibility("warn"), pytest.warns(labstats.LabstatsWarning) as caught:
        kept = labstats.read_lab_results(raw)
    assert sorted(str(w.message)[:40] for w in caught) == [
        "hba1c: 130.0 at index 1 is implausible f", "hba1c: 6.1 at index 0 is implausible for"]
    assert kept["value"].round(5).tolist() == [round(0.09148 * 6.1 + 2.152, 5), 130.0]
