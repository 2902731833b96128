"""Shared fixtures: container parametrisation, doctest namespace, ../shared location."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_DATA = SHARED / "data"
REFERENCE = SHARED_DATA / "reference"
NHANES = SHARED_DATA / "nhanes"


def require_shared(path: Path) -> Path:
    """Skip the calling test with a clear reason when a file of ../shared is absent."""
    if not path.exists():
        pytest.skip(f"needs {path} (the team's shared data beside the project); not present here")
    return path


@pytest.fixture
def shared_reference() -> Path:
    return require_shared(REFERENCE)


@pytest.fixture
def nhanes_dir() -> Path:
    return require_shared(NHANES)


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
    """Rows of ../shared/data/reference/test_vectors.csv whose method starts with the prefix."""
    path = REFERENCE / "test_vectors.csv"
    if not path.exists():
        return pd.DataFrame(columns=["method", "inputs", "expected_output", "expected_unit",
                                     "tolerance_note", "source"])
    tv = pd.read_csv(path)
    return tv[tv["method"].str.startswith(method_prefix)].reset_index(drop=True)
