"""Tests for labstats.datasets.read_nhanes and read_nhanes_file.

External references: the CDC codebook counts of each file, shipped in the package
(src/labstats/datasets/nhanes_counts.csv, from ../shared/data/nhanes/SOURCES.md), and
design-based results of the R package survey 4.1-1 quoted in SOURCES.md. Tests on the
real files skip with a reason when ../shared/data/nhanes is absent; the others build
small XPT files with pyreadstat.
"""

import warnings

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from labstats import LabstatsWarning
from labstats.datasets import COLUMNS, read_nhanes, read_nhanes_file
from labstats.datasets._nhanes_checks import COUNTS_FILE
from tests.conftest import NHANES, require_shared

COUNTS = pd.read_csv(COUNTS_FILE, comment="#", dtype=str)
#: The small files below carry CDC names (DEMO_H, TST_H) but not CDC's record counts.
SMALL = dict(check_counts=False)
ALL_CYCLES = ("2011-2012", "2013-2014", "2015-2016", "2021-2023")
NG_DL_PER_NMOL_L = 28.842  # 288.42 g/mol: 1 nmol/L = 28.842 ng/dL


def _file_path(stem):
    hits = sorted(NHANES.glob(f"{stem}.*"))
    return require_shared(hits[0] if hits else NHANES / f"{stem}.XPT")


def test_every_file_has_its_cdc_record_count():
    # One test for the 29 files (a fresh clone without ../shared skips it once).
    rows = list(COUNTS[COUNTS.statistic == "rows"].itertuples())
    got = {r.file: len(read_nhanes_file(_file_path(r.file))) for r in rows}
    assert got == {r.file: int(r.expected) for r in rows}


def test_one_row_per_demo_participant_and_no_lab_row_lost():
    require_shared(NHANES / "DEMO_H.XPT")
    for cycle in ALL_CYCLES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LabstatsWarning)  # 2021-2023 files not present
            nh = read_nhanes(NHANES, [cycle])
        demo = read_nhanes_file(_file_path(f"DEMO_{'GHIL'[ALL_CYCLES.index(cycle)]}"))
        assert nh["seqn"].tolist() == demo["SEQN"].tolist(), cycle
        assert list(nh.columns) == list(COLUMNS)


# The counts of the harmonised frame (non-missing, below-LOD, zero weights, fasting weights,
# weight sums, adult men) and the survey-weighted means against R survey are tested on the
# embedded extract, without ../shared (tests/datasets/test_embedded.py), which in turn is
# tested frame-equal to read_nhanes on these files.


def test_missing_albumin_file_gives_nan_and_a_warning_naming_it():
    require_shared(NHANES / "TST_L.XPT")
    with pytest.warns(LabstatsWarning, match=r"BIOPRO_L\.XPT \(albumin, creatinine\)"):
        nh = read_nhanes(NHANES, ["2021-2023"], components=["TST", "BIOPRO"])
    assert nh["albumin"].isna().all() and nh["total_testosterone"].notna().sum() == 7160


def test_pooling_2011_without_bridging_warns():
    require_shared(NHANES / "TST_G.csv.xz")
    with pytest.warns(LabstatsWarning, match="bridge_testosterone=True"):
        read_nhanes(NHANES, ["2011-2012", "2013-2014"], components=["TST"])


# ---- small files made here -------------------------------------------------------------

def _xpt(path, frame, version=5):
    pyreadstat.write_xport(frame, str(path), table_name=path.stem[:8],
                           file_format_version=version)


@pytest.fixture
def tiny(tmp_path):
    """DEMO_H with 4 participants and TST_H for 3 of them, plus INS_H."""
    _xpt(tmp_path / "DEMO_H.XPT", pd.DataFrame({
        "SEQN": [1.0, 2.0, 3.0, 4.0], "RIAGENDR": [1.0, 2.0, 2.0, 1.0],
        "RIDAGEYR": [45.0, 30.0, 80.0, 12.0], "RIDEXPRG": [np.nan, 1.0, np.nan, np.nan],
        "WTMEC2YR": [1000.0, 2000.0, 0.0, 500.0], "SDMVPSU": [1.0, 2.0, 1.0, 2.0],
        "SDMVSTRA": [104.0, 105.0, 104.0, 106.0]}))
    _xpt(tmp_path / "TST_H.XPT", pd.DataFrame({
        "SEQN": [1.0, 2.0, 4.0], "LBXTST": [288.42, 0.53, np.nan],
        "LBDTSTLC": [0.0, 1.0, np.nan], "LBXEST": [20.0, 100.0, np.nan],
        "LBDESTLC": [0.0, 0.0, np.nan], "LBXSHBG": [40.0, 60.0, np.nan],
        "LBDSHGLC": [0.0, 0.0, np.nan]}))
    _xpt(tmp_path / "INS_H.XPT", pd.DataFrame({
        "SEQN": [1.0], "WTSAF2YR": [3000.0], "LBXIN": [10.0]}), version=8)
    return tmp_path


def test_small_files_convert_to_canonical_units(tiny):
    nh = read_nhanes(tiny, ["2013-2014"], components=["TST", "INS"], **SMALL)
    np.testing.assert_allclose(nh["total_testosterone"][:2], [10.0, 0.53 / 28.842])
    np.testing.assert_allclose(nh["estradiol"][:2], [20.0 * 3.67134, 100.0 * 3.67134],
                               rtol=1e-5)  # 1 pg/mL = 3.6713 pmol/L (272.38 g/mol)
    assert nh["insulin"][0] == pytest.approx(60.0)  # 10 µU/mL x 6.00 (NCHS LBDINSI)
    assert nh["total_testosterone_below_lod"].tolist() == [False, True, pd.NA, pd.NA]
    assert nh["weight_fasting"].tolist()[0] == 3000.0 and nh["weight_fasting"][1:].isna().all()


def test_small_files_keep_every_demo_row_including_children(tiny):
    nh = read_nhanes(tiny, ["2013-2014"], components=["TST"], **SMALL)
    assert nh["seqn"].tolist() == [1, 2, 3, 4] and nh["age"].tolist() == [45, 30, 80, 12]
    assert nh["sex"].tolist() == ["male", "female", "female", "male"]
    assert nh["pregnant"].tolist() == [pd.NA, True, pd.NA, pd.NA]


def test_missing_component_gives_nan_columns_and_warning(tiny):
    with pytest.warns(LabstatsWarning, match=r"GLU_H\.XPT \(glucose\)"):
        nh = read_nhanes(tiny, ["2013-2014"], components=["TST", "GLU"], **SMALL)
    assert nh["glucose"].isna().all() and len(nh) == 4


def test_missing_demo_is_an_error_that_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no DEMO_I\.XPT.*fetch_nhanes"):
        read_nhanes(tmp_path, ["2015-2016"])


def test_bridging_equation_applied_to_2011_only_when_asked(tmp_path):
    _xpt(tmp_path / "DEMO_G.XPT", pd.DataFrame({
        "SEQN": [1.0], "RIAGENDR": [1.0], "RIDAGEYR": [40.0], "WTMEC2YR": [1.0],
        "SDMVPSU": [1.0], "SDMVSTRA": [90.0]}))
    _xpt(tmp_path / "TST_G.XPT", pd.DataFrame({"SEQN": [1.0], "LBXTST": [400.0]}))
    plain = read_nhanes(tmp_path, ["2011-2012"], components=["TST"], **SMALL)
    bridged = read_nhanes(tmp_path, ["2011-2012"], components=["TST"],
                          bridge_testosterone=True, **SMALL)
    assert plain["total_testosterone"][0] * NG_DL_PER_NMOL_L == pytest.approx(400.0)
    # CDC TST_H page: new = 1.021 x old + 0.182 [ng/dL] (the unit: test_embedded.py
    # ::test_bridging_intercept_is_in_ng_dl) -> 1.021 x 400 + 0.182 = 408.582 ng/dL
    assert bridged["total_testosterone"][0] * NG_DL_PER_NMOL_L == pytest.approx(408.582)


@pytest.mark.parametrize(("damage", "message"), [
    (lambda p: p.write_bytes(p.read_bytes()[:500]),
     r"TST_H\.XPT: truncated or damaged file: 500 bytes is not a whole number of 80-byte"),
    (lambda p: p.write_text("<html>moved</html>"), r"not a SAS transport.*HTML page"),
])
def test_damaged_file_is_a_clear_error(tiny, damage, message):
    damage(tiny / "TST_H.XPT")
    with pytest.raises(ValueError, match=message):
        read_nhanes(tiny, ["2013-2014"], components=["TST"], **SMALL)


@pytest.mark.parametrize(("frame", "message"), [
    (pd.DataFrame({"SEQN": [1.0, 1.0], "LBXTST": [1.0, 2.0], "LBXEST": [1.0, 1.0],
                   "LBXSHBG": [1.0, 1.0]}), r"2 rows share a participant id; SEQN 1"),
    (pd.DataFrame({"SEQN": [1.0, 9.0], "LBXTST": [1.0, 2.0], "LBXEST": [1.0, 1.0],
                   "LBXSHBG": [1.0, 1.0]}), r"1 participants are not in DEMO_H\.XPT.*SEQN 9"),
    (pd.DataFrame({"SEQN": [1.0], "LBXTST": [1.0], "LBXSHBG": [1.0]}),
     r"missing column LBXEST \(estradiol\)"),
])
def test_bad_lab_file_is_a_clear_error(tiny, frame, message):
    _xpt(tiny / "TST_H.XPT", frame)
    with pytest.raises(ValueError, match=message):
        read_nhanes(tiny, ["2013-2014"], components=["TST"], **SMALL)


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(cycles=["2017-2018"]), r"unknown cycle '2017-2018'; known cycles are 2011-2012"),
    (dict(components=["CBC"]), r"unknown component 'CBC'; known components are DEMO, TST"),
    (dict(cycles=["H", "2013-2014"]), r"'2013-2014' is listed twice"),
])
def test_bad_arguments_name_the_valid_values(tiny, kwargs, message):
    with pytest.raises(ValueError, match=message):
        read_nhanes(tiny, **kwargs, **SMALL)


def test_csv_conversion_reads_like_the_xpt(tiny):
    frame = read_nhanes_file(tiny / "TST_H.XPT", **SMALL)
    frame.to_csv(tiny / "TST_H.csv.xz", index=False)
    (tiny / "TST_H.XPT").unlink()
    assert read_nhanes_file(tiny / "TST_H.csv.xz", **SMALL).equals(frame)


@pytest.mark.parametrize("other", ["TST_H.xpt", "TST_H.csv"])
def test_two_files_of_one_name_are_an_error_naming_both(tiny, other):
    """TST_H.XPT next to TST_H.xpt or a CSV conversion of it: one of them used to be read
    (the first by name) without a word, whatever the other held."""
    frame = read_nhanes_file(tiny / "TST_H.XPT", **SMALL)
    if other.endswith(".csv"):
        frame.assign(LBXTST=999.0).to_csv(tiny / other, index=False)
    else:
        _xpt(tiny / other, frame.assign(LBXTST=999.0))
    with pytest.raises(ValueError, match=rf"2 files hold TST_H: TST_H\.XPT, {other}; keep one"):
        read_nhanes(tiny, ["2013-2014"], components=["TST"], **SMALL)


def test_text_in_a_csv_conversion_is_an_error_naming_file_column_and_seqn(tiny):
    """A CSV conversion holding SAS's "." for missing values (a PROC EXPORT) used to stop
    read_nhanes with numpy's bare "could not convert string to float: '.'"."""
    frame = read_nhanes_file(tiny / "TST_H.XPT", **SMALL)
    (tiny / "TST_H.XPT").unlink()
    frame.astype(object).where(frame.notna(), ".").to_csv(tiny / "TST_H.csv", index=False)
    with pytest.raises(ValueError, match=r"TST_H\.csv: column LBXTST holds text: '\.' for SEQN "
                                         r"4 \(1 such cell\).*leave missing values empty"):
        read_nhanes(tiny, ["2013-2014"], components=["TST"], **SMALL)


def test_absent_default_folder_says_how_to_fill_it(monkeypatch, tmp_path):
    monkeypatch.setenv("LABSTATS_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=r"nowhere: no such folder.*fetch_nhanes"):
        read_nhanes()


@pytest.mark.parametrize("cut", [40, -10])
def test_truncated_compressed_csv_is_a_clear_error(tiny, cut):
    read_nhanes_file(tiny / "TST_H.XPT", **SMALL).to_csv(tiny / "TST_H.csv.xz", index=False)
    path = tiny / "TST_H.csv.xz"
    path.write_bytes(path.read_bytes()[:cut])  # header only, or all but the end marker
    with pytest.raises(ValueError, match=r"TST_H\.csv\.xz: corrupt or truncated CSV file"):
        read_nhanes_file(path, **SMALL)
