"""The reference data in tests/reference are the files their sources name.

tests/reference/SOURCES.md (written by scripts/make_test_fixtures.py from ../shared) lists
each copied file with the SHA-256 of its content. External reference: the SHA-256 of the R
survey package's ``nhanes`` data set as written with ``write.csv``, printed in
../shared/data/r-survey-nhanes.md (336fe11c...), and its size (8,591 rows x 7 columns, sum
of WTMEC2YR 276,536,446).
"""

from __future__ import annotations

import hashlib
import lzma
import re

import pandas as pd
import pytest

from tests.conftest import REFERENCE

ROW = re.compile(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|", re.MULTILINE)
LISTED = dict(ROW.findall((REFERENCE / "SOURCES.md").read_text(encoding="utf-8")))


def test_sources_md_lists_the_copied_files():
    assert {"test_vectors.csv", "r-survey-nhanes.csv.xz",
            "cdc_growth_zscores_nhanes.csv.xz"} <= set(LISTED)
    assert len(LISTED) == 9


def test_sources_md_keeps_the_paragraphs_written_by_hand():
    """make_test_fixtures.py writes SOURCES.md with SOURCES_BY_HAND.md at its end (the R
    and gamlss outputs): a paragraph added to SOURCES.md alone would be lost on a rerun."""
    text = (REFERENCE / "SOURCES.md").read_text(encoding="utf-8")
    by_hand = (REFERENCE / "SOURCES_BY_HAND.md").read_text(encoding="utf-8")
    assert text.endswith("|\n\n" + by_hand) and "r_survey_audit.csv" in by_hand


@pytest.mark.parametrize("name", sorted(LISTED))
def test_file_content_has_the_recorded_sha256(name):
    data = (REFERENCE / name).read_bytes()
    if name.endswith(".xz"):
        data = lzma.decompress(data)
    assert hashlib.sha256(data).hexdigest() == LISTED[name]


def test_r_survey_example_is_the_published_data_set():
    # r-survey-nhanes.md: SHA-256 of the CSV, 8,591 rows x 7 columns, sum of WTMEC2YR.
    assert LISTED["r-survey-nhanes.csv.xz"] == (
        "336fe11c562020cd9be7008c524b284f5e4fb537457937167164456ab93dfaba")
    ex = pd.read_csv(REFERENCE / "r-survey-nhanes.csv.xz")
    assert ex.shape == (8591, 7)
    assert round(ex["WTMEC2YR"].sum()) == 276_536_446
    assert int(ex["HI_CHOL"].isna().sum()) == 745
