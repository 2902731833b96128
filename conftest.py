"""Root conftest: the doctest namespace, so that doctests in src/ run alone or with tests/."""

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace["np"] = np
    doctest_namespace["pd"] = pd


# Property tests: in CI (CI=true) hypothesis draws the same examples every run, so that a
# submission never lands or fails by the luck of the draw; locally it explores freshly.
try:
    import os

    from hypothesis import HealthCheck, settings

    settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True,
                              suppress_health_check=[HealthCheck.too_slow])
    if os.environ.get("CI"):
        settings.load_profile("ci")
except ImportError:  # hypothesis is a test dependency; doctests alone run without it
    pass
