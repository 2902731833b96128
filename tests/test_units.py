"""Tests for labstats.units: the analyte table, unit spelling, conversions.

External references: NHANES public-use files (ratio of the SI to the conventional
column, median over all rows, 2011-2016; tests/reference/test_vectors.csv rows
``convert_*``), the ISSAM page (288.4 ng/dL = 10 nmol/L), Vølund 1993 / NCHS for insulin
(6.00 pmol/L per µIU/mL).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labstats import units
from labstats.units import ANALYTES, convert
from tests.conftest import parse_inputs, vectors

REQUIRED = {
    "testosterone": {"nmol/L", "pmol/L", "ng/dL", "ng/mL", "pg/mL"},
    "estradiol": {"pmol/L", "pg/mL"},
    "shbg": {"nmol/L"},
    "albumin": {"g/L", "g/dL", "µmol/L"},
    "glucose": {"mmol/L", "mg/dL"},
    "insulin": {"pmol/L", "µIU/mL"},
    "creatinine": {"µmol/L", "mg/dL"},
    "cystatin_c": {"mg/L"},
    "total_cholesterol": {"mmol/L", "mg/dL"},
    "hdl_cholesterol": {"mmol/L", "mg/dL"},
    "ldl_cholesterol": {"mmol/L", "mg/dL"},
    "triglycerides": {"mmol/L", "mg/dL"},
}


@pytest.mark.parametrize("analyte", sorted(REQUIRED))
def test_table_has_required_units_and_a_sourced_molar_mass(analyte):
    a = ANALYTES[analyte]
    assert REQUIRED[analyte] <= set(a.units)
    assert a.units[0] == a.canonical_unit
    assert a.molar_mass_source
    lo, hi = a.plausible
    assert 0 <= lo < hi


# Expected conversion factors from outside the project (see module docstring).
_NHANES_FACTORS = {
    "convert_glucose": ("glucose", "mg/dL", "mmol/L", 4e-4),
    "convert_total_cholesterol": ("total_cholesterol", "mg/dL", "mmol/L", 4e-4),
    "convert_triglycerides": ("triglycerides", "mg/dL", "mmol/L", 4e-4),
    "convert_creatinine": ("creatinine", "mg/dL", "µmol/L", 1e-4),
    "convert_albumin": ("albumin", "g/dL", "g/L", 1e-12),
    "convert_insulin": ("insulin", "µIU/mL", "pmol/L", 1e-12),
    "convert_estradiol": ("estradiol", "pg/mL", "pmol/L", 1e-4),
    "convert_testosterone": ("testosterone", "ng/dL", "nmol/L", 1e-4),
}


@pytest.mark.parametrize("row", list(vectors("convert_").itertuples()), ids=lambda r: r.method)
def test_conversion_factors_match_nhanes_and_published(row):
    analyte, src, dst, rel = _NHANES_FACTORS[row.method]
    (value, _unit), = parse_inputs(row.inputs).values()
    assert convert(value, analyte, src, dst) == pytest.approx(float(row.expected_output), rel=rel)


def test_insulin_factor_is_named_and_selectable():
    assert convert(1.0, "insulin", "uIU/mL", "pmol/L") == 6.00
    assert convert(1.0, "insulin", "uIU/mL", "pmol/L", insulin_factor="legacy") == 6.945
    assert convert(1.0, "insulin", "uIU/mL", "pmol/L", insulin_factor=7.0) == 7.0
    with pytest.raises(ValueError, match=r"insulin_factor: unknown name 'old'.*legacy"):
        convert(1.0, "insulin", "uIU/mL", "pmol/L", insulin_factor="old")


@pytest.mark.parametrize(("spelling", "unit"), [
    ("ng/dl", "ng/dL"), ("nmol/l", "nmol/L"), (" NMOL / L ", "nmol/L"), ("uIU/mL", "µIU/mL"),
    ("µIU/mL", "µIU/mL"), ("μIU/mL", "µIU/mL"), ("mIU/L", "µIU/mL"), ("uU/mL", "µIU/mL"),
    ("umol/L", "µmol/L"), ("micromol/l", "µmol/L"), ("g/dl", "g/dL"), ("nmol/litre", "nmol/L"),
])
def test_unit_spelling_is_forgiving(spelling, unit):
    analyte = {"ng/dL": "testosterone", "nmol/L": "testosterone", "µIU/mL": "insulin",
               "µmol/L": "creatinine", "g/dL": "albumin"}[unit]
    assert units.resolve_unit(spelling, analyte) == unit


def test_unknown_unit_lists_the_accepted_ones():
    with pytest.raises(ValueError, match=r"unknown unit 'mg/dL' for shbg; accepted units are nmol/L"):
        convert(1.0, "shbg", "mg/dL", "nmol/L")


def test_unknown_analyte_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown analyte 'cortisol'; known analytes are testosterone"):
        convert(1.0, "cortisol", "nmol/L", "nmol/L")


def test_argument_names_resolve_to_their_analyte():
    assert convert(288.42, "total_testosterone", "ng/dL", "nmol/L") == pytest.approx(10.0)


@pytest.mark.parametrize("analyte", sorted(ANALYTES))
def test_round_trip_through_every_unit_is_exact(analyte):
    a = ANALYTES[analyte]
    x = np.array([0.0, 1e-3, 0.5, 3.0, 123.456])
    for u in a.units:
        back = convert(convert(x, analyte, a.canonical_unit, u), analyte, u, a.canonical_unit)
        np.testing.assert_allclose(back, x, rtol=1e-12, atol=0)


def test_convert_keeps_container_index_and_name(container):
    x = container([1.0, 2.0])
    out = convert(x, "glucose", "mmol/L", "mg/dL")
    if isinstance(x, pd.Series):
        assert out.index.equals(x.index)
    assert isinstance(out, pd.Series if isinstance(x, pd.Series) else np.ndarray)


def test_convert_propagates_nan_and_does_not_modify_input():
    x = np.array([1.0, np.nan])
    out = convert(x, "glucose", "mmol/L", "mg/dL")
    assert np.isnan(out[1]) and x[0] == 1.0


def test_albumin_molar_conversion_uses_the_molar_mass_given():
    # Vermeulen 1999: 43 g/L = 6.2e-4 mol/L at 69,000 g/mol.
    assert convert(43.0, "albumin", "g/L", "µmol/L", molar_mass=69_000) == pytest.approx(
        620, abs=5)
