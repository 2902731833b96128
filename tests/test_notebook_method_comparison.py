"""Runs notebooks/06_method_comparison.py top to bottom (its cells assert published numbers)."""

import os
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "06_method_comparison.py"


@pytest.mark.slow
def test_method_comparison_notebook_runs():
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    os.environ.setdefault("MPLBACKEND", "Agg")
    nb = jupytext.read(NOTEBOOK)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
