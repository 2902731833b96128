"""load_cohort: the synthetic / embedded NHANES / CDC-files switch used by the notebooks."""

from __future__ import annotations

import pandas as pd
import pytest

from labstats.datasets import COLUMNS, load_cohort, load_nhanes, make_cohort
from tests.conftest import NHANES, require_shared


def test_load_cohort_default_is_the_embedded_nhanes(monkeypatch):
    """Issue 11: real data is the default, offline (CDC DEMO_H + DEMO_I: 10,175 + 9,971)."""
    monkeypatch.delenv("LABSTATS_DATA", raising=False)
    got = load_cohort()
    pd.testing.assert_frame_equal(got, load_nhanes(["2013-2014", "2015-2016"]))
    assert got.attrs["data"] == "nhanes"
    assert got.attrs["description"] == "NHANES 2013-2016 (embedded extract, 20,146 participants)"


def test_load_cohort_synthetic_is_make_cohort(monkeypatch):
    monkeypatch.delenv("LABSTATS_DATA", raising=False)
    got = load_cohort("synthetic", n=300, seed=4)
    pd.testing.assert_frame_equal(got, make_cohort(300, 4))
    assert got.attrs["data"] == "synthetic"
    assert got.attrs["description"] == "synthetic cohort (make_cohort(300, seed=4))"
    monkeypatch.setenv("LABSTATS_DATA", " Synthetic ")
    assert load_cohort(n=30).attrs["data"] == "synthetic"


def test_load_cohort_reads_the_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("LABSTATS_DATA", "NHANES")
    with pytest.raises(FileNotFoundError, match=r"fetch_nhanes\("):
        load_cohort(directory=tmp_path)
    monkeypatch.setenv("LABSTATS_DATA", str(tmp_path))  # a folder without the CDC files
    with pytest.raises(FileNotFoundError, match=r"DEMO_H\.XPT.*data='nhanes'"):
        load_cohort()


def test_load_cohort_argument_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("LABSTATS_DATA", "nhanes")
    assert len(load_cohort("synthetic", n=50)) == 50


def test_load_cohort_unknown_choice_names_the_options(monkeypatch):
    monkeypatch.setenv("LABSTATS_DATA", "nhanse")
    with pytest.raises(ValueError, match="'nhanes', 'synthetic' or a folder.*'nhanse'"):
        load_cohort()


def test_load_cohort_nhanes_is_the_embedded_extract_offline(monkeypatch, tmp_path):
    """No files, no network: data="nhanes" is 2013-2016 from the extract, weights halved.

    CDC DEMO_H and DEMO_I codebooks: 10,175 + 9,971 participants; SOURCES.md (NHANES
    files): sums of WTMEC2YR 311.2 M (H) and 316.5 M (I), so the pooled frame sums to
    their mean, 313.9 M.
    """
    monkeypatch.setenv("LABSTATS_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.delenv("LABSTATS_DATA", raising=False)
    nh = load_cohort("nhanes")
    pd.testing.assert_frame_equal(nh, load_nhanes(["2013-2014", "2015-2016"]))
    assert nh["cycle"].value_counts().to_dict() == {"2013-2014": 10_175, "2015-2016": 9_971}
    assert abs(nh["weight_exam"].sum() / 1e6 - (311.2 + 316.5) / 2) < 0.1
    assert list(nh.columns) == list(COLUMNS) and nh.attrs["data"] == "nhanes"
    assert "embedded" in nh.attrs["source"]


def test_load_cohort_nhanes_missing_folder_says_fetch_first(tmp_path):
    with pytest.raises(FileNotFoundError, match="fetch_nhanes"):
        load_cohort("nhanes", directory=tmp_path / "absent")


@pytest.mark.parametrize("how", ["path", "directory", "environment"])
def test_load_cohort_from_a_folder_of_cdc_files_equals_the_extract(monkeypatch, how):
    folder = str(require_shared(NHANES))
    monkeypatch.setenv("LABSTATS_DATA", folder)
    nh = {"path": lambda: load_cohort(folder), "environment": load_cohort,
          "directory": lambda: load_cohort("nhanes", directory=folder)}[how]()
    assert nh.attrs["source"] == f"CDC files in {folder}" and nh.attrs["data"] == "nhanes"
    assert nh.attrs["description"] == (f"NHANES 2013-2016 (CDC files in {folder}, "
                                        "20,146 participants)")
    embedded = load_cohort("nhanes")
    pd.testing.assert_frame_equal(nh, embedded, check_exact=True)
