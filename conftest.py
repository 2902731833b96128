"""Root conftest: the doctest namespace, so that doctests in src/ run alone or with tests/."""

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace["np"] = np
    doctest_namespace["pd"] = pd
