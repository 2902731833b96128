"""Shared fixtures: container parametrisation, the in-repo reference data, real NHANES."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Published test vectors, peer outputs, R outputs and the R survey example data, all in the
#: repository (tests/reference/SOURCES.md; scripts/make_test_fixtures.py rebuilds the copies).
REFERENCE = ROOT / "tests" / "reference"
SHARED = ROOT.parent / "shared"
SHARED_DATA = SHARED / "data"
#: The team's raw CDC files (not in the repository): only tests of the raw files read them.
NHANES = SHARED_DATA / "nhanes"


def require_shared(path: Path) -> Path:
    """Skip the calling test with a clear reason when a raw CDC file of ../shared is absent.

    Only tests whose point is the raw public-use files (the XPT/CSV reader on real files, the
    embedded extract rebuilt from them) call this; everything else reads the repository's
    own data (the embedded extract, tests/reference)."""
    if not path.exists():
        pytest.skip(f"this test checks labstats against CDC's raw NHANES file {path.name} "
                    f"(30 MB of public-use files, deliberately not shipped; the embedded "
                    f"extract and tests/reference cover the same data elsewhere in the "
                    f"suite); absent at {path.parent}")
    return path


@pytest.fixture
def nhanes_dir() -> Path:
    return require_shared(NHANES)


@functools.cache
def _nhanes(cycles: tuple[str, ...]) -> pd.DataFrame:
    from labstats import load_nhanes

    return load_nhanes(list(cycles), bridge_testosterone=False)


def nhanes_frame(cycles=("2013-2014", "2015-2016")) -> pd.DataFrame:
    """The harmonised NHANES frame of ``cycles`` (every column of ``read_nhanes``; weights
    divided by the number of cycles, testosterone as published), a fresh copy per call. The
    one door through which the tests read NHANES participant data: the embedded extract
    (``labstats.load_nhanes``), which tests/datasets/test_embedded.py proves equal to
    ``read_nhanes`` on the CDC files and to the CDC codebook counts."""
    return _nhanes(tuple(cycles)).copy()


def _as_list(x):
    return list(x)


def _as_array(x):
    return np.asarray(x, dtype=float)


def _as_series(x):
    return pd.Series(x, index=[f"p{i:02d}" for i in range(len(x))], dtype=float)


@pytest.fixture(params=[_as_list, _as_array, _as_series], ids=["list", "ndarray", "series"])
def container(request):
    """Wraps a list of numbers as list, ndarray or a Series with a non-default index."""
    return request.param


_NUM = re.compile(r"^\s*([-+0-9.eE]+)\s*(.*)$")


def parse_inputs(text: str) -> dict[str, tuple[float, str]]:
    """Parse test_vectors.csv ``inputs``: "tt=10 nmol/L (288.4 ng/dL);shbg=40 nmol/L" ->
    {"tt": (10.0, "nmol/L"), "shbg": (40.0, "nmol/L")}. Non-numeric values are kept as text."""
    out = {}
    for part in text.split(";"):
        if "=" not in part:
            continue
        key, val = part.split("=", 1)
        val = re.sub(r"\(.*?\)", "", val).strip()
        m = _NUM.match(val)
        if m:
            try:
                out[key.strip()] = (float(m.group(1)), m.group(2).strip())
                continue
            except ValueError:
                pass
        out[key.strip()] = (val, "")
    return out


def vectors(method_prefix: str) -> pd.DataFrame:
    """Rows of tests/reference/test_vectors.csv whose method starts with the prefix."""
    tv = pd.read_csv(REFERENCE / "test_vectors.csv")
    return tv[tv["method"].str.startswith(method_prefix)].reset_index(drop=True)
