"""Tests for labstats.units: the analyte table, unit spelling, conversions.

External references: NHANES public-use files (ratio of the SI to the conventional
column, median over all rows, 2011-2016; tests/reference/test_vectors.csv rows
``convert_*``), the ISSAM page (288.4 ng/dL = 10 nmol/L), Vølund 1993 / NCHS for insulin
(6.00 pmol/L per µIU/mL).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats import _calibrate_units, units
from labstats._validate import as_concentration, as_measure
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


# --- Column-level unit check (labstats._validate.check_column_unit) --------------------
# External reference: NHANES 2011-2016 (CDC/NCHS public-use files in ../shared/data/nhanes):
# the stored TYPICAL_QUARTILES must be what labstats._calibrate_units computes from them,
# NHANES itself must pass in every accepted unit, and the four classic unit traps (insulin
# µIU/mL as pmol/L, testosterone ng/mL as nmol/L, estradiol pg/mL as pmol/L, waist in
# inches as cm) must warn with the right unit.

_COLUMN_WARNING = r"the column's median is"


@pytest.fixture(scope="module")
def nhanes():
    return _calibrate_units.nhanes_frame()  # the embedded extract (equal to the CDC files)


def _spec(key):
    return ANALYTES[key] if key in ANALYTES else units.MEASURES[key]


def _in_unit(values, key, unit):
    """NHANES values (canonical unit) expressed in ``unit``."""
    spec = _spec(key)
    if key in ANALYTES:
        return convert(values, key, spec.canonical_unit, unit)
    return values / spec.units[unit]


def _check(values, name, key, unit):
    if key in ANALYTES:
        return as_concentration(values, name, analyte=key, unit=unit)
    return as_measure(values, name, unit=unit, measure=key)


def test_stored_quartiles_are_what_the_calibration_script_computes(nhanes):
    for key, column in _calibrate_units.COLUMNS.items():
        assert _spec(key).typical_quartiles == units.TYPICAL_QUARTILES[key]
        assert list(units.TYPICAL_QUARTILES[key]) == _calibrate_units.group_quartiles(
            nhanes, column), key


@pytest.mark.parametrize(("key", "unit"), [
    (k, u) for k in _calibrate_units.COLUMNS for u in _spec(k).units])
def test_nhanes_in_each_accepted_unit_raises_no_column_warning(nhanes, key, unit):
    column = _calibrate_units.COLUMNS[key]
    for _, frame in _calibrate_units.groups(nhanes):
        x = frame[column].dropna()
        if len(x) < _calibrate_units.MIN_GROUP:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("error", labstats.LabstatsWarning)
            _check(_in_unit(x, key, unit), key, key, unit)  # raises if it warns


def test_four_unit_traps_warn_once_with_the_right_unit(nhanes):
    men = nhanes[(nhanes.sex == "male") & (nhanes.age >= 20)]
    fasting = nhanes.dropna(subset=["glucose", "insulin"])
    t = men.dropna(subset=["total_testosterone", "shbg"])
    e = men.dropna(subset=["estradiol", "shbg"])
    w = nhanes[nhanes.age >= 20].dropna(subset=["waist", "height"])
    traps = [
        (lambda: labstats.homa_ir(fasting.glucose, fasting.insulin / 6.0),
         'insulin_unit="µIU/mL"'),
        (lambda: labstats.free_testosterone(t.total_testosterone / 3.4672, t.shbg),
         'total_testosterone_unit="ng/mL"'),
        (lambda: labstats.free_estradiol(e.estradiol / 3.6713, e.shbg),
         'estradiol_unit="pg/mL"'),
        (lambda: labstats.waist_to_height_ratio(waist_circumference=w.waist / 2.54,
                                                height=w.height),
         'waist_circumference_unit="in"'),
    ]
    for call, fix in traps:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        column = [str(c.message) for c in caught if _COLUMN_WARNING in str(c.message)]
        assert len(column) == 1, (fix, column)
        assert fix in column[0]
        assert caught[0].filename == __file__  # attributed to the caller's line


def test_the_suggested_unit_silences_the_column_warning(nhanes):
    fasting = nhanes.dropna(subset=["glucose", "insulin"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", labstats.LabstatsWarning)
        a = labstats.homa_ir(fasting.glucose, fasting.insulin / 6.0, insulin_unit="µIU/mL")
    np.testing.assert_allclose(a, labstats.homa_ir(fasting.glucose, fasting.insulin),
                               rtol=1e-12)


# Without ../shared: a lognormal column with NHANES-like fasting insulin (median 60 pmol/L,
# quartiles about 38 and 96 as in NHANES 2011-2016).
_INSULIN = np.random.default_rng(10).lognormal(np.log(60.0), 0.68, 60_000)


@pytest.mark.parametrize("n", [20, 500, 60_000])  # 60,000 > one block: the fused path
def test_insulin_in_uiu_declared_as_pmol_warns_once_at_any_length(n):
    ins = _INSULIN[:n] / 6.0
    with pytest.warns(labstats.LabstatsWarning, match=r"insulin: the column's median is "
                      r"\d.* pmol/L .*typical of \"µIU/mL\".*pass insulin_unit=\"µIU/mL\"") as rec:
        labstats.homa_ir(np.full(n, 5.2), ins)
    assert sum(_COLUMN_WARNING in str(r.message) for r in rec) == 1


def test_column_check_skips_short_columns_nan_and_ignore_mode():
    with warnings.catch_warnings():
        warnings.simplefilter("error", labstats.LabstatsWarning)
        labstats.homa_ir(np.full(19, 5.2), _INSULIN[:19] / 6.0)  # fewer than 20 values
        x = np.full(200, np.nan)
        x[:19] = _INSULIN[:19] / 6.0
        labstats.homa_ir(np.full(200, 5.2), x)  # 19 values, the rest missing
        labstats.homa_ir(np.full(500, 5.2), _INSULIN[:500])  # right unit
        with labstats.plausibility("ignore"):
            labstats.homa_ir(np.full(500, 5.2), _INSULIN[:500] / 6.0)


def test_pair_export_leaves_the_plausibility_mode_as_it_found_it(tmp_path):
    """pair_export derives in a pool of threads (``with plausibility("ignore")`` inside
    derive): afterwards the caller's mode is intact and implausible values still raise."""
    from labstats._warn import plausibility_mode

    export = labstats.make_lab_results(60, seed=3, shape="mimic")
    test_map, export.attrs = export.attrs["test_map"], {}
    path = tmp_path / "labevents.parquet"
    export.to_parquet(path, index=False)
    for _ in range(3):
        labstats.pair_export(path, test_map=test_map, by="window", derive=True,
                             rows_per_partition=50, threads=2)
    assert plausibility_mode() == "raise"
    with pytest.raises(ValueError, match="450"):
        labstats.free_testosterone(450.0, 40.0)
