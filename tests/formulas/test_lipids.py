"""Tests for labstats.formulas.lipids (LDL cholesterol equations, non-HDL cholesterol).

External references:
* NHANES 2011-2016 (CDC/NCHS public-use files, read through tests.conftest.nhanes_frame):
  LBDLDL of TRIGLY_G/H/I is LDL-C computed by NCHS with Friedewald from LBXTC (TCHOL),
  LBDHDD (HDL) and LBXTR (TRIGLY), printed as integer mg/dL, missing above TG 400 mg/dL.
* tests/reference/test_vectors.csv: test suites of Modibo/biosigma (@569b752,
  @45e0089) and pacharanero/clincalc 0.4.0 (run from PyPI), nmillrr/outlabs (Sampson).
* tests/reference/peer_outputs_ldl_ldlcalc_clincalc.csv: cran/LDLcalc 2.1 and
  clincalc 0.4.0 run on a common grid.
* Martin 2013 table: checksum 949.4 and the monotonicity described in FORMULAS.md
  section 6 (three transcriptions agree); boundary cases from the biosigma and clincalc
  tests, transcribed below so that they run without ../shared.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats.formulas import ldl_cholesterol, non_hdl_cholesterol
from labstats.formulas._martin_hopkins import FACTORS_2013, FACTORS_EXTENDED, factor
from labstats.units import convert
from tests.conftest import REFERENCE, nhanes_frame, parse_inputs, vectors

MG = dict(total_cholesterol_unit="mg/dL", hdl_cholesterol_unit="mg/dL",
          triglycerides_unit="mg/dL", output_unit="mg/dL")
_METHOD_OF = {"ldl_friedewald": "friedewald", "ldl_sampson_nih2": "sampson",
              "ldl_martin_hopkins_180cell": "martin_hopkins",
              "ldl_martin_hopkins_extended_240cell": "martin_hopkins_extended"}


# --- NHANES: NCHS's own Friedewald ------------------------------------------------------


_CDC_LIPIDS = {"LBXTC": "total_cholesterol", "LBDHDD": "hdl_cholesterol",
               "LBXTR": "triglycerides", "LBDLDL": "ldl_cholesterol"}


def _nhanes_lipids(cycle: str) -> pd.DataFrame:
    """The CDC variables in mg/dL: the harmonised frame's mmol/L converted back. NCHS
    publishes all four as integer mg/dL, so the round trip is rounded to integers (it is
    within 1e-9 of one, asserted; 2.3e-13 at most on 2011-2016)."""
    label = {"G": "2011-2012", "H": "2013-2014", "I": "2015-2016"}[cycle]
    nh = nhanes_frame([label])
    out = pd.DataFrame(index=nh.index)
    for cdc, col in _CDC_LIPIDS.items():
        mg = convert(nh[col].to_numpy(), col, "mmol/L", "mg/dL")
        assert np.nanmax(np.abs(mg - np.round(mg))) < 1e-9, cdc
        out[cdc] = np.round(mg)
    return out


@pytest.mark.parametrize(("cycle", "n_ldl"), [("G", 2942), ("H", 3105), ("I", 2699)])
def test_friedewald_reproduces_nhanes_lbdldl_for_every_participant(cycle, n_ldl):
    """LBDLDL (NCHS, integer mg/dL) = round(LBXTC - LBDHDD - LBXTR/5) for all participants.

    Mismatches found: 0 of 2942 (G), 3105 (H), 2699 (I). TC and HDL are integers and TG/5
    has a fractional part of .0/.2/.4/.6/.8, so rounding to nearest has no ties. NCHS
    also computes LDL at TG = 400 exactly (one participant in 2011-2012) and leaves it
    missing above, which is the limit labstats uses.
    """
    d = _nhanes_lipids(cycle)
    with pytest.warns(labstats.LabstatsWarning, match=r"rows? with triglycerides above 400"):
        got = ldl_cholesterol(d.LBXTC, d.LBDHDD, d.LBXTR, method="friedewald", **MG)
    assert got.index.equals(d.index)
    published = d.LBDLDL
    assert published.notna().sum() == n_ldl  # as counted in the CDC codebook
    mismatch = (np.round(got) != published) & published.notna()
    assert int(mismatch.sum()) == 0
    # Missing exactly where NCHS left it missing: TG > 400 or an input missing.
    assert got.isna().equals(published.isna())
    # Unrounded, every value is within the half unit NCHS rounding allows.
    assert float((got - published).abs().max()) <= 0.4 + 1e-9


# --- published and peer values ------------------------------------------------------


def _vector_rows():
    rows = []
    for prefix, method in _METHOD_OF.items():
        for r in vectors(prefix).itertuples():
            if r.method == prefix:
                rows.append((method, r))
    return rows


@pytest.mark.parametrize(("method", "row"), _vector_rows(),
                         ids=lambda x: x if isinstance(x, str) else x.inputs)
def test_matches_test_vectors(method, row):
    """Tolerances from the file: biosigma/clincalc values to 1e-9 (or 1e-6 where stated);
    clincalc's printed 0.1 mg/dL -> 0.05."""
    x = parse_inputs(row.inputs)
    got = ldl_cholesterol(x["tc"][0], x["hdl"][0], x["tg"][0], method=method, **MG)
    tol = 1e-6 if "1e-6" in row.tolerance_note else 1e-9
    if "prints 83.1" in row.tolerance_note:
        tol = 1e-6
    assert got == pytest.approx(float(row.expected_output), rel=tol)


@pytest.mark.parametrize("row", list(vectors("ldl_martin_hopkins_").query(
    "method.str.endswith('_factor')").itertuples()), ids=lambda r: f"{r.method}:{r.inputs}")
def test_factor_matches_test_vectors(row):
    """biosigma (180-cell) and clincalc (extended 240-cell) factor look-ups, exact."""
    x = parse_inputs(row.inputs)
    ext = "extended" in row.method
    assert factor(x["tg"][0], x["non_hdl"][0], extended=ext) == float(row.expected_output)


def test_biosigma_and_clincalc_values_transcribed():
    """Same values, transcribed so they run without ../shared (sources in the docstring of
    the module): Friedewald 200/50/100 -> 130 (biosigma); Martin 180/40/350 -> 93.3333,
    215/85/50 -> 116.4865 (non-HDL 130 -> column 130-159), 300/35/450 -> 197.8358
    (biosigma); extended 260/40/450 -> 145.0 (clincalc); Sampson 200/50/100 -> 131.966687
    (biosigma, outlabs)."""
    assert ldl_cholesterol(200.0, 50.0, 100.0, **MG) == pytest.approx(130.0, abs=1e-12)
    mh = dict(method="martin_hopkins", **MG)
    assert ldl_cholesterol(180.0, 40.0, 350.0, **mh) == pytest.approx(93.33333333333334)
    assert ldl_cholesterol(215.0, 85.0, 50.0, **mh) == pytest.approx(116.48648648648648)
    assert ldl_cholesterol(300.0, 35.0, 450.0, **mh) == pytest.approx(197.83582089552237)
    assert ldl_cholesterol(260.0, 40.0, 450.0, method="martin_hopkins_extended",
                           **MG) == pytest.approx(145.0)
    assert ldl_cholesterol(200.0, 50.0, 100.0, method="sampson",
                           **MG) == pytest.approx(131.96668749215988, abs=1e-9)


def test_martin_and_sampson_match_clincalc_grid():
    """clincalc 0.4.0 (PyPI) on the common grid, printed to 0.1 mg/dL. Its Martin column
    switches to the extended table at TG >= 400, i.e. our martin_hopkins_extended."""
    g = pd.read_csv(REFERENCE / "peer_outputs_ldl_ldlcalc_clincalc.csv")
    args = (g.tc_mg_dL, g.hdl_mg_dL, g.tg_mg_dL)
    ext = ldl_cholesterol(*args, method="martin_hopkins_extended", **MG)
    np.testing.assert_allclose(ext, g.clincalc_martin_ldl, atol=0.05 + 1e-9)
    np.testing.assert_allclose(ldl_cholesterol(*args, method="sampson", **MG),
                               g.clincalc_sampson_ldl, atol=0.05 + 1e-9)
    with pytest.warns(labstats.LabstatsWarning, match="1 row with triglycerides above 400"):
        fw = ldl_cholesterol(*args, method="friedewald", **MG)
    np.testing.assert_allclose(fw, g.clincalc_friedewald_ldl, atol=0.05 + 1e-9)
    assert fw.isna().equals(g.clincalc_friedewald_ldl.isna())


def test_factor_matches_ldlcalc_except_at_its_documented_boundary_bug():
    """cran/LDLcalc 2.1 assigns a TG equal to a stratum's lower edge to the previous
    stratum (PEERS.md): TG 50 and TG 80 are its only disagreements on the grid. Elsewhere
    its 180-cell factor equals ours, and clincalc's (original 180-cell rows) everywhere."""
    g = pd.read_csv(REFERENCE / "peer_outputs_ldl_ldlcalc_clincalc.csv")
    f = factor(g.tg_mg_dL, g.tc_mg_dL - g.hdl_mg_dL)
    differ = ~np.isclose(f, g.ldlcalc_martin180_factor)
    assert sorted(g.tg_mg_dL[differ]) == [50.0, 80.0]
    orig = g.clincalc_martin_variant == "original_180_cell"
    np.testing.assert_array_equal(f[orig], g.clincalc_martin_factor[orig])


# --- the Martin/Hopkins tables --------------------------------------------------------


def test_martin_table_checksum_is_949_4():
    # Sum of the 180 factors in cran/LDLcalc dfCell180 and biosigma's test: 949.4.
    assert FACTORS_2013.shape == (30, 6)
    assert FACTORS_2013.sum() == pytest.approx(949.4, abs=1e-9)


def test_martin_table_monotonicity_as_published():
    """FORMULAS.md: F never increases with non-HDL-C within a TG row; down each column F
    increases with TG except 93-96 -> 97-100 in the >= 220 column (4.4 -> 4.3), which is
    in the published table."""
    assert (np.diff(FACTORS_2013, axis=1) <= 0).all()
    drops = np.argwhere(np.diff(FACTORS_2013, axis=0) < 0)
    assert drops.tolist() == [[10, 5]]
    assert FACTORS_2013[10, 5] == 4.4 and FACTORS_2013[11, 5] == 4.3
    # Transcription errors seen in a JS copy (FORMULAS.md): these cells must be 4.2 and 4.5.
    assert FACTORS_2013[6, 5] == 4.2 and FACTORS_2013[12, 5] == 4.5


@pytest.mark.parametrize(("tg", "non_hdl", "expected"), [
    (350.0, 140.0, 7.5), (100.0, 150.0, 4.8), (399.9, 150.0, 7.5),  # biosigma
    (50.0, 130.0, 3.7), (400.0, 150.0, 8.8), (49.999, 99.999, 3.5),
])
def test_martin_factor_lookup_boundaries(tg, non_hdl, expected):
    # Lower-edge-inclusive strata (biosigma martin_hopkins_entered_table_test.dart).
    assert factor(tg, non_hdl) == expected


@pytest.mark.parametrize(("tg", "non_hdl", "expected"), [
    (730.0, 130.0, 9.9), (400.0, 99.9, 10.4), (409.999, 220.0, 6.1), (410.0, 100.0, 8.9),
    (799.999, 220.0, 6.7), (399.0, 150.0, 7.5),
])
def test_extended_factor_lookup_matches_clincalc_tests(tg, non_hdl, expected):
    # pacharanero/clincalc ldl_cholesterol.rs unit tests (boundaries of eTable 1A).
    assert factor(tg, non_hdl, extended=True) == expected


def test_extended_table_shape_and_range():
    assert FACTORS_EXTENDED.shape == (40, 6)
    assert np.isnan(factor(800.0, 150.0, extended=True))
    assert np.isnan(factor(6.9, 150.0))


def test_2013_and_extended_tables_differ_at_high_tg_as_documented():
    # FORMULAS.md: TC 300, HDL 35, TG 450 -> 197.8 (2013, F 6.7) vs 190.0 (extended, F 6.0).
    a = ldl_cholesterol(300.0, 35.0, 450.0, method="martin_hopkins", **MG)
    b = ldl_cholesterol(300.0, 35.0, 450.0, method="martin_hopkins_extended", **MG)
    assert round(a, 1) == 197.8 and round(b, 1) == 190.0


# Fractional TG (every mmol/L input) lies between Martin 2013's integer strata (7-49,
# 50-56, ...). labstats floors (lower-edge-inclusive strata, as biosigma's 399.9/400
# tests); pacharanero/clincalc assigns by the printed upper bound (49.6 -> 50-56). Row
# factors (non-HDL-C < 100 column unless stated) from Martin 2013 / Sajja 2021 eTable 1A
# as in FORMULAS.md section 6.
@pytest.mark.parametrize(("tg", "non_hdl", "extended", "expected"), [
    (49.0, 90.0, False, 3.5), (49.6, 90.0, False, 3.5), (49.999, 90.0, False, 3.5),  # 7-49
    (50.0, 90.0, False, 4.0),  # 50-56
    (6.999, 90.0, False, np.nan), (7.0, 90.0, False, 3.5),  # table starts at 7
    (399.6, 150.0, False, 7.5), (400.0, 150.0, False, 8.8),  # 293-399 | 400-13975
    (13975.9, 150.0, False, 8.8), (13976.0, 150.0, False, np.nan),  # end of the 2013 table
    (399.6, 150.0, True, 7.5), (400.0, 90.0, True, 10.4),  # 2013 row | extended 400-409
    (409.6, 90.0, True, 10.4), (410.0, 90.0, True, 10.7),  # 400-409 | 410-419
    (799.6, 90.0, True, 15.6), (800.0, 90.0, True, np.nan),  # 790-799 | beyond the table
    (150.0, 99.6, False, 6.5), (150.0, 100.0, False, 6.0),  # non-HDL-C <100 | 100-129
])
def test_martin_strata_are_looked_up_by_the_integer_part(tg, non_hdl, extended, expected):
    got = factor(tg, non_hdl, extended=extended)
    if np.isnan(expected):
        assert np.isnan(got)
    else:
        assert got == expected


def test_martin_fractional_tg_from_mmol_l_is_floored_not_assigned_by_upper_bound():
    # 0.56 mmol/L = 49.6 mg/dL: row 7-49 (F 3.5); the upper-bound rule would give 4.0.
    tc, hdl, tg = 4.0, 1.8, 0.56  # non-HDL-C 2.2 mmol/L = 85.1 mg/dL (< 100 column)
    got = ldl_cholesterol(tc, hdl, tg, method="martin_hopkins")
    tg_mg = tg * 88.57
    assert got == pytest.approx((tc - hdl) - tg_mg / 3.5 / 38.665, rel=1e-12)
    assert got != pytest.approx((tc - hdl) - tg_mg / 4.0 / 38.665, rel=1e-6)


# --- validity limits ------------------------------------------------------------------


@pytest.mark.parametrize(("method", "tg", "count"), [
    ("friedewald", [100.0, 400.0, 401.0, 900.0], 2),
    ("sampson", [100.0, 800.0, 800.5, np.nan], 1),
    ("martin_hopkins_extended", [5.0, 100.0, 799.0, 800.0], 2),
    ("martin_hopkins", [5.0, 100.0, 5000.0, 14000.0], 2),
])
def test_outside_validity_gives_nan_and_a_warning_counting_rows(method, tg, count):
    n = len(tg)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with labstats.plausibility("ignore"):
            got = ldl_cholesterol([250.0] * n, [50.0] * n, tg, method=method, **MG)
    said = [str(w.message) for w in caught if issubclass(w.category, labstats.LabstatsWarning)]
    assert any(re.match(rf"^{count} rows? with triglycerides", m) for m in said), said
    # (Martin/Hopkins at TG 5,000 mg/dL also gives a negative LDL, said on its own)
    assert all(re.match(r"^\d+ rows? with (triglycerides|a negative LDL)", m) for m in said)
    assert int(np.isnan(got).sum()) == count + int(np.isnan(tg).sum())


def test_friedewald_at_tg_400_is_computed_like_nchs():
    assert ldl_cholesterol(250.0, 50.0, 400.0, **MG) == pytest.approx(120.0)


def test_friedewald_limit_is_inclusive_at_400_mg_dl_in_both_units():
    # NCHS computes LBDLDL at TG = 400 mg/dL and leaves it missing above (docstring and
    # constants.FRIEDEWALD_TG_LIMIT_MG_DL say the same).
    with pytest.warns(labstats.LabstatsWarning, match=r"^1 row with triglycerides above 400"):
        got = ldl_cholesterol([250.0] * 2, [50.0] * 2, [400.0, 400.001], **MG)
    assert got[0] == pytest.approx(120.0) and np.isnan(got[1])
    # 4.516 mmol/L = 399.98 mg/dL is computed; 4.517 mmol/L = 400.07 mg/dL is not.
    with pytest.warns(labstats.LabstatsWarning, match=r"^1 row with triglycerides above 400"):
        got = ldl_cholesterol([6.5] * 2, [1.3] * 2, [4.516, 4.517])
    assert np.isfinite(got[0]) and np.isnan(got[1])


# --- units -------------------------------------------------------------------------


def test_mmol_l_inputs_give_the_mg_dl_answer_converted():
    mg = ldl_cholesterol(200.0, 50.0, 150.0, method="sampson", **MG)
    mmol = ldl_cholesterol(200.0 / 38.665, 50.0 / 38.665, 150.0 / 88.57, method="sampson")
    assert mmol == pytest.approx(mg / 38.665, rel=1e-12)


def test_friedewald_mmol_l_divisor_exact_is_2_183_and_2_2_on_request():
    # FORMULAS.md: the mg/dL equation in mmol/L is TG/2.183 (5 x 38.67/88.57); 2.2 is
    # the conventional rounded divisor.
    tc, hdl, tg = 5.2, 1.3, 2.0
    exact = ldl_cholesterol(tc, hdl, tg)
    assert tc - hdl - exact == pytest.approx(tg / (5 * 38.665 / 88.57), rel=1e-12)
    assert (tc - hdl - exact) * 2.183 == pytest.approx(tg, rel=2e-4)
    conv = ldl_cholesterol(tc, hdl, tg, friedewald_mmol_divisor=2.2)
    assert conv == pytest.approx(tc - hdl - tg / 2.2, rel=1e-12)


def test_friedewald_divisor_only_for_friedewald():
    with pytest.raises(ValueError, match="friedewald_mmol_divisor applies to method="):
        ldl_cholesterol(5.0, 1.0, 1.0, method="sampson", friedewald_mmol_divisor=2.2)


def test_non_hdl_cholesterol_is_the_difference_in_any_unit():
    assert non_hdl_cholesterol(5.2, 1.3) == pytest.approx(3.9)
    got = non_hdl_cholesterol(200.0, 1.3, total_cholesterol_unit="mg/dL")
    assert got == pytest.approx(200.0 / 38.665 - 1.3, rel=1e-12)


# --- behaviour shared by every formula ------------------------------------------------


def test_same_container_out_and_index_kept(container):
    tc, hdl, tg = container([200.0, 180.0]), container([50.0, 45.0]), container([100.0, 150.0])
    out = ldl_cholesterol(tc, hdl, tg, **MG)
    np.testing.assert_allclose(np.asarray(out), [130.0, 105.0], rtol=1e-14)
    if isinstance(tc, pd.Series):
        assert out.index.equals(tc.index) and out.name == "ldl_cholesterol"
    else:
        assert isinstance(out, np.ndarray)


def test_nan_propagates_and_no_row_is_dropped():
    tc = pd.Series([5.0, np.nan, 6.0], index=list("abc"))
    out = ldl_cholesterol(tc, 1.2, pd.Series([1.0, 1.0, np.nan], index=list("abc")),
                          method="martin_hopkins")
    assert out.isna().tolist() == [False, True, True]


def test_inputs_are_not_modified():
    tc = np.array([200.0, 220.0])
    ldl_cholesterol(tc, 50.0, 100.0, method="sampson", **MG)
    np.testing.assert_array_equal(tc, [200.0, 220.0])


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(method="martin"), r"unknown method 'martin'; valid methods are friedewald, "
                            r"martin_hopkins, martin_hopkins_extended, sampson"),
    (dict(total_cholesterol=[5.0, 200.0]),
     r"total_cholesterol: 200\.0 at index 1 is implausible for mmol/L.*"
     r'total_cholesterol_unit="mg/dL"'),
    (dict(triglycerides=[1.0, -1.0]), r"triglycerides: 1 negative value.*-1\.0 at index 1"),
    (dict(hdl_cholesterol_unit="g/L"), r"unknown unit 'g/L' for hdl_cholesterol"),
    (dict(friedewald_mmol_divisor=0.0), r"friedewald_mmol_divisor=0\.0 is not valid: it must "
                                        r"be a number between 1 and 4"),
    (dict(friedewald_mmol_divisor=5), r"friedewald_mmol_divisor=5\.0 .* 5 is the divisor of "
                                      r"the mg/dL equation"),
])
def test_bad_input_message_names_argument_value_and_fix(kwargs, message):
    args = dict(total_cholesterol=[5.0, 6.0], hdl_cholesterol=[1.2, 1.3],
                triglycerides=[1.0, 1.5])
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        ldl_cholesterol(args.pop("total_cholesterol"), args.pop("hdl_cholesterol"),
                        args.pop("triglycerides"), **args)
