"""The NHANES extract shipped with labstats (issue 11, part 1): real data, offline.

External references, all checked WITHOUT ../shared (that is the point): the CDC
codebook counts shipped in src/labstats/datasets/nhanes_counts.csv (rows, non-missing,
below-LOD and zero-weight counts per file and variable); facts transcribed in
../shared/data/nhanes/SOURCES.md from the NHANES files (adult men with testosterone,
WTMEC2YR sums per cycle); and design-based results of the R package survey 4.1-1 on
DEMO_H + TST_H + BIOPRO_H (SOURCES.md). Where ../shared is present, the extract is
rebuilt from the CDC files and must be frame-equal to the shipped one.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats import LabstatsWarning
from labstats.datasets import COLUMNS, load_nhanes, read_nhanes
from labstats.datasets._build_extract import build_extract, to_parquet_bytes
from labstats.datasets._nhanes_checks import codebook_counts
from labstats.datasets.embedded import EXTRACT, EXTRACT_CYCLES, extract_table
from tests.conftest import NHANES, require_shared

NG_DL_PER_NMOL_L = 28.842  # 288.42 g/mol
SINGLE = {c: load_nhanes(c) for c in EXTRACT_CYCLES}  # each cycle alone: its own weights
STATISTIC = {
    "non_missing": lambda col: col.notna().sum(),
    "below_lod": lambda col: col.eq(True).sum(),
    "at_or_above_lod": lambda col: col.eq(False).sum(),
    "positive": lambda col: (col > 0).sum(),
    "zero": lambda col: (col == 0).sum(),
}
VARIABLE_COUNTS = [r for r in codebook_counts() if r["statistic"] != "rows"]
DEMO_ROWS = [r for r in codebook_counts() if r["statistic"] == "rows" and
             r["file"].startswith("DEMO_")]


def test_the_shipped_file_is_small_and_holds_every_participant_of_four_cycles():
    assert EXTRACT.stat().st_size < 2_000_000  # 1.32 MB when written (zstd level 19)
    table = extract_table()
    assert list(table.columns) == list(COLUMNS)
    assert table["cycle"].value_counts(sort=False).to_dict() == {
        "2011-2012": 9756, "2013-2014": 10175, "2015-2016": 9971, "2021-2023": 11933}
    assert table["seqn"].is_unique and table["age"].min() == 0  # infants too


@pytest.mark.parametrize("row", DEMO_ROWS, ids=lambda r: r["file"])
def test_one_row_per_participant_of_the_cdc_demo_file(row):
    assert len(SINGLE[row["cycle"]]) == row["expected"]


@pytest.mark.parametrize("row", VARIABLE_COUNTS,
                         ids=lambda r: f"{r['file']}-{r['variable']}-{r['statistic']}")
def test_counts_of_the_extract_equal_the_cdc_codebook(row):
    col = SINGLE[row["cycle"]][row["column"]]
    assert int(STATISTIC[row["statistic"]](col)) == row["expected"]


@pytest.mark.parametrize("row", [r for r in codebook_counts() if r["statistic"] == "rows"
                                 and r["file"].split("_")[0] in ("GLU", "TRIGLY")],
                         ids=lambda r: r["file"])
def test_every_participant_of_the_fasting_files_keeps_the_fasting_weight(row):
    # GLU and TRIGLY hold the fasting subsample: each of their rows has WTSAF2YR.
    assert int(SINGLE[row["cycle"]]["weight_fasting"].notna().sum()) == row["expected"]


@pytest.mark.parametrize(("cycle", "men"), [("2011-2012", 2409), ("2013-2014", 2533),
                                            ("2015-2016", 2467), ("2021-2023", 2514)])
def test_adult_men_with_testosterone(cycle, men):
    nh = SINGLE[cycle]  # SOURCES.md "Sanity values": adult men (20+) with TT
    assert int(((nh["sex"] == "male") & (nh["age"] >= 20)
                & nh["total_testosterone"].notna()).sum()) == men


@pytest.mark.parametrize(("cycle", "total_millions"), [
    ("2011-2012", 306.6), ("2013-2014", 311.2), ("2015-2016", 316.5), ("2021-2023", 327.0)])
def test_exam_weights_sum_to_the_population(cycle, total_millions):
    assert SINGLE[cycle]["weight_exam"].sum() / 1e6 == pytest.approx(total_millions, abs=0.05)


@pytest.mark.parametrize(("column", "to_cdc_unit", "r_mean"), [
    ("total_testosterone", NG_DL_PER_NMOL_L, 412.65),  # svymean(~LBXTST) [ng/dL]
    ("shbg", 1.0, 41.702),  # svymean(~LBXSHBG) [nmol/L]
    ("albumin", 1.0, 43.728),  # svymean(~LBDSALSI) [g/L]
])
def test_weighted_means_of_men_equal_r_survey(column, to_cdc_unit, r_mean):
    # R survey 4.1-1 (SOURCES.md): svydesign(id=~SDMVPSU, strata=~SDMVSTRA,
    # weights=~WTMEC2YR, nest=TRUE) on DEMO_H + TST_H + BIOPRO_H, men 20+, na.rm=TRUE.
    nh = SINGLE["2013-2014"]
    m = nh[(nh["sex"] == "male") & (nh["age"] >= 20) & nh[column].notna()]
    assert np.average(m[column] * to_cdc_unit, weights=m["weight_exam"]) == pytest.approx(
        r_mean, abs=0.006)


def test_weighted_share_below_300_ng_dl_equals_r_survey():
    # R survey 4.1-1 (SOURCES.md): svymean(~I(LBXTST < 300)) among men 20+ with a result.
    nh = SINGLE["2013-2014"]
    m = nh[(nh["sex"] == "male") & (nh["age"] >= 20) & nh["total_testosterone"].notna()]
    # Back to ng/dL, rounded to the 2 decimals LBXTST is reported with: two men have exactly
    # 300.00 ng/dL, which the nmol/L round trip would put a few ulps below 300.
    low = ((m["total_testosterone"] * NG_DL_PER_NMOL_L).round(2) < 300).to_numpy()
    assert np.average(low, weights=m["weight_exam"]) == pytest.approx(0.26242, abs=6e-6)


def test_values_below_lod_are_the_cdc_fill_value():
    # CDC TST_H page: LLOD 0.75 ng/dL, stored as LLOD/sqrt(2) = 0.53 ng/dL.
    nh = SINGLE["2013-2014"]
    low = nh.loc[nh["total_testosterone_below_lod"].eq(True), "total_testosterone"]
    assert len(low) == 9
    np.testing.assert_allclose(low * NG_DL_PER_NMOL_L, 0.53, rtol=1e-12)


def test_2021_2023_has_hormones_and_no_biochemistry_fasting_lipids_or_body_measures():
    nh = SINGLE["2021-2023"]
    for col in ("albumin", "creatinine", "glucose", "insulin", "triglycerides",
                "ldl_cholesterol", "hdl_cholesterol", "total_cholesterol", "hba1c", "bmi",
                "waist"):
        assert nh[col].isna().all(), col
    assert nh["weight_fasting"].isna().all()
    assert nh["estradiol"].notna().sum() == 7148  # CDC TST_L codebook


def test_default_pools_2011_2016_the_nchs_way():
    nh = load_nhanes()
    assert nh.attrs["cycles"] == ["2011-2012", "2013-2014", "2015-2016"]
    assert nh.attrs["testosterone_bridged"] and nh.attrs["weights_divided_by"] == 3
    single = pd.concat([SINGLE[c] for c in nh.attrs["cycles"]], ignore_index=True)
    for w in ("weight_exam", "weight_fasting", "weight_hormone"):
        np.testing.assert_array_equal(nh[w], single[w] / 3)
    # SOURCES.md: WTMEC2YR sums 306.6, 311.2, 316.5 M -> pooled 2011-2016 mean 311.4 M
    assert nh["weight_exam"].sum() / 1e6 == pytest.approx((306.6 + 311.2 + 316.5) / 3, abs=0.05)
    old = (nh["cycle"] == "2011-2012").to_numpy()
    # CDC bridging equation (TST_H page), as read_nhanes(bridge_testosterone=True) applies it
    np.testing.assert_allclose(nh["total_testosterone"][old] * NG_DL_PER_NMOL_L,
                               1.021 * single["total_testosterone"][old] * NG_DL_PER_NMOL_L
                               + 0.182, rtol=1e-4)
    np.testing.assert_array_equal(nh["total_testosterone"][~old],
                                  single["total_testosterone"][~old])


def test_2011_2012_alone_is_as_published_unless_asked():
    raw = extract_table()
    raw = raw[raw["cycle"] == "2011-2012"].reset_index(drop=True)
    np.testing.assert_array_equal(SINGLE["2011-2012"]["total_testosterone"],
                                  raw["total_testosterone"])
    bridged = load_nhanes("2011-2012", bridge_testosterone=True)
    assert (bridged["total_testosterone"].dropna() > raw["total_testosterone"].dropna()).all()


def test_bridging_intercept_is_in_ng_dl():
    """The bridging equation's intercept (0.182) is in ng/dL, not ng/mL as our notes said.

    Children aged 6-10 have almost no testosterone, so the intercept dominates there: CDC's
    own later cycles (same population, new method) put their median at 3.45 ng/dL
    (2013-2014) and 3.55 (2015-2016). Bridged 2011-2012 must land there; 0.182 ng/mL
    (18.2 ng/dL) would put it near 21, and the old code's 1.82 ng/dL near 5.2.
    """
    bridged = load_nhanes(["2011-2012"], bridge_testosterone=True)
    later = load_nhanes(["2013-2014", "2015-2016"])

    def children_median(frame):
        kids = frame[(frame["age"] >= 6) & (frame["age"] <= 10)]
        return float(np.nanmedian(kids["total_testosterone"])) * NG_DL_PER_NMOL_L

    assert children_median(later) == pytest.approx(3.5, abs=0.1)
    assert abs(children_median(bridged) - children_median(later)) < 0.3


def test_2021_2023_is_kept_apart_unless_asked_and_pooling_it_says_why():
    assert "2021-2023" not in load_nhanes()["cycle"].unique()
    with pytest.warns(LabstatsWarning, match=r"2021-2023 was run under a new design.*NCHS"):
        nh = load_nhanes(["2015-2016", "2021-2023"])
    assert nh.attrs["weights_divided_by"] == 2


def test_pooling_2011_without_bridging_warns():
    with pytest.warns(LabstatsWarning, match="bridge_testosterone=True"):
        load_nhanes(["2011-2012", "2013-2014"], bridge_testosterone=False)


@pytest.mark.parametrize(("cycles", "message"), [
    ("2017-2018", r"unknown cycle '2017-2018'"), (["H", "2013-2014"], r"listed twice")])
def test_bad_cycles_are_clear_errors(cycles, message):
    with pytest.raises(ValueError, match=message):
        load_nhanes(cycles)


def test_each_call_returns_a_fresh_frame():
    a = load_nhanes("H")
    a["age"] = -1.0
    assert (load_nhanes("H")["age"] >= 0).all()


def test_load_nhanes_is_exported_and_listed():
    assert labstats.load_nhanes is load_nhanes
    assert "nhanes_extract" in labstats.list_datasets()["name"].tolist()


def test_writing_the_extract_is_deterministic():
    table = extract_table()
    assert to_parquet_bytes(table) == to_parquet_bytes(table)


# ---- with the CDC files -----------------------------------------------------------------

@pytest.fixture(scope="module")
def rebuilt():
    require_shared(NHANES / "DEMO_L.XPT")
    return build_extract(NHANES)


def test_rebuilding_from_the_cdc_files_gives_the_shipped_extract(rebuilt):
    table, notes = rebuilt
    pd.testing.assert_frame_equal(table, extract_table(), check_exact=True)
    assert len(notes) == 1 and "BIOPRO_L.XPT (albumin, creatinine)" in notes[0]


@pytest.mark.parametrize(("cycles", "bridge"), [
    (["2013-2014", "2015-2016"], False), (["2011-2012", "2013-2014", "2015-2016"], True),
    (["2021-2023"], False)])
def test_load_nhanes_equals_read_nhanes_on_the_cdc_files(rebuilt, cycles, bridge):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabstatsWarning)  # 2021-2023 files absent
        files = read_nhanes(NHANES, cycles, bridge_testosterone=bridge)
    pd.testing.assert_frame_equal(load_nhanes(cycles), files, check_exact=True)
