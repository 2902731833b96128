"""A cut NHANES file is never read as a shorter one (issue 10, item 2).

Laws, as hypothesis properties: any truncation of a valid XPT or CSV file either reads
completely or raises a ValueError naming the file; without a known record count, what
reads is exactly a prefix of whole records that ends on a record boundary (the only
cut the structure cannot show). External reference: the CDC codebook record counts
shipped in ``src/labstats/datasets/nhanes_counts.csv`` (TST_H 8,291 records, GLU_H
3,329, TST_I 8,021; ../shared/data/nhanes/SOURCES.md). The cuts of the real files
(``head -c 300000 TST_H.XPT``) skip with a reason without ../shared.
"""

from __future__ import annotations

import lzma
import re
import shutil

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labstats.datasets import read_nhanes, read_nhanes_file
from labstats.datasets._nhanes_checks import check_csv_text, expected_records, xpt_records
from tests.conftest import NHANES, require_shared

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
GLU_H_ROWS = 3329  # CDC GLU_H codebook: 3,329 records


def _frame(rows: int, cols: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {"SEQN": np.arange(1.0, rows + 1)}
    for j in range(cols):
        x = np.round(rng.lognormal(3, 1, rows), 2)
        x[rng.random(rows) < 0.2] = np.nan
        data[f"LBX{j:02d}"] = x
    return pd.DataFrame(data)


def _write_xpt(path, frame, version=5):
    pyreadstat.write_xport(frame, str(path), table_name=path.stem[:8],
                           file_format_version=version)


def _outcome(path, **kwargs):
    try:
        return read_nhanes_file(path, **kwargs)
    except ValueError as exc:
        assert str(exc).startswith(str(path)), exc  # names the file
        return None


class _Files(dict):
    def __repr__(self):  # hypothesis prints its arguments: not 200 kB of bytes
        return f"<{len(self)} files>"


@pytest.fixture(scope="module")
def glu_h(tmp_path_factory):
    """An XPT file named GLU_H with CDC's record count (3,329) and 1-4 made-up columns."""
    out = _Files()
    folder = tmp_path_factory.mktemp("glu")
    for cols in (1, 4):
        for version in (5, 8):
            path = folder / f"v{version}c{cols}" / "GLU_H.XPT"
            path.parent.mkdir()
            frame = _frame(GLU_H_ROWS, cols, cols)
            _write_xpt(path, frame, version)
            out[cols, version] = path, path.read_bytes(), frame
    return out


@given(cols=st.sampled_from([1, 4]), version=st.sampled_from([5, 8]), data=st.data())
@SETTINGS
def test_any_cut_of_an_xpt_with_a_known_count_reads_whole_or_raises(glu_h, tmp_path, cols,
                                                                    version, data):
    _, raw, frame = glu_h[cols, version]
    cut = data.draw(st.one_of(st.integers(0, len(raw)),
                              st.integers(0, len(raw) // 80).map(lambda k: 80 * k)))
    path = tmp_path / "GLU_H.XPT"
    path.write_bytes(raw[:cut])
    got = _outcome(path)
    if cut < len(raw):
        assert got is None
    else:
        pd.testing.assert_frame_equal(got.astype(float), frame)


@given(rows=st.integers(0, 60), cols=st.integers(1, 12), version=st.sampled_from([5, 8]),
       data=st.data())
@SETTINGS
def test_without_a_count_an_xpt_cut_reads_whole_raises_or_is_a_boundary_prefix(
        tmp_path, rows, cols, version, data):
    path = tmp_path / "MYFILE.XPT"  # no CDC count known for this name
    frame = _frame(rows, cols, rows)
    _write_xpt(path, frame, version)
    raw = path.read_bytes()
    cut = data.draw(st.integers(0, len(raw)))
    path.write_bytes(raw[:cut])
    got = _outcome(path)
    if got is not None and len(got) < rows:
        # Only a cut on an 80-byte boundary that is also an observation boundary passes
        # the structure checks: the rows read are whole, and the first ones of the file.
        obs_len = 8 * (cols + 1)
        assert cut % 80 == 0 and (len(raw) - cut) >= obs_len
        pd.testing.assert_frame_equal(got.astype(float), frame.iloc[:len(got)])
    elif got is not None:
        pd.testing.assert_frame_equal(got.astype(float), frame)


@given(cut=st.integers(0, 400_000), crlf=st.booleans())
@SETTINGS
def test_any_cut_of_a_csv_with_a_known_count_reads_whole_or_raises(glu_h, tmp_path, cut, crlf):
    _, _, frame = glu_h[4, 5]
    text = frame.to_csv(index=False, lineterminator="\r\n" if crlf else "\n").encode()
    cut = min(cut, len(text))
    path = tmp_path / "GLU_H.csv"
    path.write_bytes(text[:cut])
    got = _outcome(path)
    if cut < len(text) - crlf:  # a CRLF file cut before its very last "\n" is whole
        assert got is None
    else:
        pd.testing.assert_frame_equal(got.astype(float), frame)


@given(rows=st.integers(1, 40), data=st.data())
@SETTINGS
def test_without_a_count_a_csv_cut_reads_whole_raises_or_is_whole_lines(tmp_path, rows, data):
    frame = _frame(rows, 3, rows)
    text = frame.to_csv(index=False).encode()
    cut = data.draw(st.integers(0, len(text)))
    path = tmp_path / "mine.csv"
    path.write_bytes(text[:cut])
    got = _outcome(path)
    if got is not None:
        assert text[:cut].endswith(b"\n")  # a cut right after a line break: whole lines
        pd.testing.assert_frame_equal(got.astype(float), frame.iloc[:len(got)])


def test_a_value_cut_mid_number_on_the_last_line_is_an_error(tmp_path):
    # Issue 10: a .csv conversion cut mid-line turned the last SHBG 55.92 into 5.00.
    text = b"SEQN,LBXTST,LBXSHBG\n1,400.5,31.2\n2,20.1,55.92\n"
    path = tmp_path / "TST_X.csv"
    path.write_bytes(text[:text.rindex(b"55.92") + 1])
    with pytest.raises(ValueError, match=r"TST_X\.csv: truncated or damaged file: its last line "
                                         r"does not end with a line break \('\.\.\.2,20\.1,5'\)"):
        read_nhanes_file(path)


@pytest.mark.parametrize(("text", "message"), [
    (b"SEQN,A,B\n1,2,3\n2,3\n3,4,5\n", r"line 3 has 2 fields, the header 3 \(1 such line;"),
    (b"SEQN,A,B\n1,2,3\n2,3,4\n3,4\n", r"line 4 has 2 fields, the header 3"),
    (b'SEQN,A,"B\n1,2,3\n', r"ends inside a quoted field"),
    (b"", r"the file is empty"),
])
def test_ragged_or_open_csv_is_an_error_never_nan_padding(tmp_path, text, message):
    path = tmp_path / "x.csv"
    path.write_bytes(text)
    with pytest.raises(ValueError, match=message):
        read_nhanes_file(path)


def test_quoted_commas_and_blank_lines_are_not_ragged():
    check_csv_text(b'SEQN,"label, with comma",B\r\n1,"a, b",3\r\n\r\n2,"c",4\r\n')


def test_count_mismatch_names_file_rows_found_and_expected_and_the_fix(tmp_path):
    path = tmp_path / "GLU_H.XPT"
    _write_xpt(path, _frame(GLU_H_ROWS - 10, 2, 0))
    with pytest.raises(ValueError, match=re.escape(
            f"{path}: 3,319 records, but CDC's GLU_H has 3,329 (CDC codebook count)") + r".*"
            + re.escape("labstats.fetch_nhanes(['2013-2014'], ['GLU'], force=True)")
            + r".*check_counts=False"):
        read_nhanes_file(path)
    assert len(read_nhanes_file(path, check_counts=False)) == GLU_H_ROWS - 10


def test_renamed_xpt_is_recognised_by_its_data_set_name(glu_h, tmp_path):
    path = tmp_path / "download (1).XPT"
    path.write_bytes(glu_h[1, 5][1][:-80 * 20])
    with pytest.raises(ValueError, match=r"CDC's GLU_H has 3,329"):
        read_nhanes_file(path)


def test_read_nhanes_passes_check_counts_down(glu_h, tmp_path):
    _write_xpt(tmp_path / "DEMO_H.XPT", pd.DataFrame({
        "SEQN": [1.0], "RIAGENDR": [1.0], "RIDAGEYR": [40.0], "WTMEC2YR": [1.0],
        "SDMVPSU": [1.0], "SDMVSTRA": [104.0]}))
    with pytest.raises(ValueError, match=r"DEMO_H\.XPT: 1 records, but CDC's DEMO_H has 10,175"):
        read_nhanes(tmp_path, ["2013-2014"], components=["TST"])


# ---- the real files ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tst_h():
    return require_shared(NHANES / "TST_H.XPT").read_bytes()


def test_head_c_cuts_of_the_real_tst_h_are_errors(tst_h, tmp_path):
    cuts = {
        300_000: r"its last observation is incomplete \(40 of 56 bytes\).*\(5,325 complete "
                 r"records; CDC's TST_H has 8,291\)",  # issue 10: read 4,845 values silently
        300_010: r"300,010 bytes is not a whole number of 80-byte records",
        1760 + 56 * 1000: r"1,000 records, but CDC's TST_H has 8,291",  # a record boundary
        960: r"ends inside its header",
    }
    path = tmp_path / "TST_H.XPT"
    for cut, message in cuts.items():
        path.write_bytes(tst_h[:cut])
        with pytest.raises(ValueError, match=r"TST_H\.XPT: .*" + message + r".*fetch_nhanes\("
                                             r"\['2013-2014'\], \['TST'\], force=True\)"):
            read_nhanes_file(path)


@given(data=st.data())
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_cut_of_the_real_tst_h_raises(tst_h, tmp_path, data):
    cut = data.draw(st.one_of(st.integers(0, len(tst_h) - 1),
                              st.integers(0, len(tst_h) // 80 - 1).map(lambda k: 80 * k)))
    path = tmp_path / "TST_H.XPT"
    path.write_bytes(tst_h[:cut])
    assert _outcome(path) is None


def test_the_real_files_are_whole():
    for path in sorted(require_shared(NHANES).glob("*.XPT")):
        records, member = xpt_records(path)
        assert member == path.stem and records == expected_records(path.stem), path.name


@given(data=st.data())
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_cut_of_the_real_tst_i_csv_raises(tmp_path, data):
    text = lzma.decompress(require_shared(NHANES / "TST_I.csv.xz").read_bytes())
    cut = data.draw(st.integers(0, len(text) - 1))
    path = tmp_path / "TST_I.csv"
    path.write_bytes(text[:cut])
    assert _outcome(path) is None
    whole = tmp_path / "whole" / "TST_I.csv"
    whole.parent.mkdir(exist_ok=True)
    whole.write_bytes(text)
    assert len(read_nhanes_file(whole)) == 8021  # CDC TST_I codebook


def test_a_cut_compressed_csv_is_an_error(tmp_path):
    src = require_shared(NHANES / "INS_I.csv.xz")
    path = tmp_path / "INS_I.csv.xz"
    shutil.copy(src, path)
    path.write_bytes(path.read_bytes()[:30_000])
    with pytest.raises(ValueError, match=r"INS_I\.csv\.xz: corrupt or truncated CSV file"):
        read_nhanes_file(path)
