"""load_cohort: the synthetic/NHANES switch used by the notebooks."""

from __future__ import annotations

import pandas as pd
import pytest

from labstats.datasets import COLUMNS, load_cohort, make_cohort
from tests.conftest import NHANES, require_shared


def test_load_cohort_default_is_the_synthetic_cohort(monkeypatch):
    monkeypatch.delenv("LABSTATS_DATA", raising=False)
    got = load_cohort(n=300, seed=4)
    pd.testing.assert_frame_equal(got, make_cohort(300, 4))
    assert got.attrs["data"] == "synthetic"


def test_load_cohort_reads_the_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("LABSTATS_DATA", "NHANES")
    with pytest.raises(FileNotFoundError, match=r"fetch_nhanes\(\)"):
        load_cohort(directory=tmp_path)


def test_load_cohort_argument_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("LABSTATS_DATA", "nhanes")
    assert len(load_cohort("synthetic", n=50)) == 50


def test_load_cohort_unknown_choice_names_the_options(monkeypatch):
    monkeypatch.setenv("LABSTATS_DATA", "nhanse")
    with pytest.raises(ValueError, match="'synthetic', 'nhanes'.*'nhanse'"):
        load_cohort()


def test_load_cohort_nhanes_missing_folder_says_fetch_first(tmp_path):
    with pytest.raises(FileNotFoundError, match="fetch_nhanes"):
        load_cohort("nhanes", directory=tmp_path / "absent")


def test_load_cohort_nhanes_reads_both_cycles_pooled(monkeypatch):
    """CDC DEMO_H and DEMO_I codebooks: 10,175 + 9,971 participants; pooled weights halved.

    SOURCES.md (../shared/data/nhanes): sum of WTMEC2YR is 311.2 M (H) and 316.5 M (I),
    so the pooled frame represents their mean, 313.9 M.
    """
    monkeypatch.setenv("LABSTATS_DATA_DIR", str(require_shared(NHANES)))
    monkeypatch.setenv("LABSTATS_DATA", "nhanes")
    nh = load_cohort()
    assert len(nh) == 10_175 + 9_971
    assert nh["cycle"].value_counts().to_dict() == {"2013-2014": 10_175, "2015-2016": 9_971}
    assert abs(nh["weight_exam"].sum() / 1e6 - (311.2 + 316.5) / 2) < 0.1
    assert set(COLUMNS) <= set(nh.columns)
    assert nh.attrs["data"] == "nhanes"
