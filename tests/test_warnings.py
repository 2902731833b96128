"""Every LabstatsWarning names the caller's line, not a line inside labstats (issue 10).

A warning that says ``labstats/datasets/derive.py:164`` sends the user into our code; the
user needs the line of their own script or notebook that caused it.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import labstats
from labstats._validate import LabstatsWarning

HERE = __file__


def _caught(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    ours = [w for w in caught if issubclass(w.category, LabstatsWarning)]
    assert ours, "expected a LabstatsWarning"
    return ours


CASES = {
    # a formula's validity-range warning, raised from a compiled/numpy kernel helper
    "ldl friedewald above 400": lambda: labstats.ldl_cholesterol(5.0, 1.0, 6.0),
    "egfr under 18": lambda: labstats.egfr(creatinine=70.0, age=15, sex="M"),
    "homa_b low glucose": lambda: labstats.homa_b(3.0, 60.0),
    # plausibility relaxed to a warning
    "plausibility warn": lambda: _with_warn(lambda: labstats.free_testosterone(450.0, 40.0)),
    # through derive(), two layers deeper
    "derive": lambda: labstats.derive(pd.DataFrame({
        "total_cholesterol": [5.0], "hdl_cholesterol": [1.0], "triglycerides": [6.0]}),
        ["ldl_cholesterol_friedewald"]),
}


def _with_warn(fn):
    with labstats.plausibility("warn"):
        fn()


@pytest.mark.parametrize("case", list(CASES))
def test_warning_points_at_the_caller(case):
    for w in _caught(CASES[case]):
        assert w.filename == HERE, f"{case}: warning attributed to {w.filename}:{w.lineno}"


def test_caller_stacklevel_outside_the_package_is_one():
    from labstats._validate import caller_stacklevel

    assert caller_stacklevel() == 1  # called from a test: the caller is outside labstats
