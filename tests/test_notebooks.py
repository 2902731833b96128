"""Every notebook runs top to bottom (jupytext source -> nbclient), asserting what it reproduces."""

from __future__ import annotations

import os

import pytest

from tests.conftest import NHANES, ROOT, require_shared

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
# Notebooks that read a cohort (labstats.load_cohort) also run on real NHANES 2013-2016.
ON_NHANES = [p for p in NOTEBOOKS if "load_cohort(" in p.read_text()]


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no NN_topic.py notebook"


def _execute(path, monkeypatch, **env):
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    nb = jupytext.read(path)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for cell in nb.cells if cell.cell_type == "code"
              for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    assert os.environ["MPLBACKEND"] == "Agg"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, monkeypatch):
    _execute(path, monkeypatch, LABSTATS_DATA="synthetic")


@pytest.mark.parametrize("path", ON_NHANES, ids=lambda p: p.stem)
def test_notebook_runs_on_real_nhanes(path, monkeypatch):
    """`labstats report --data nhanes`: the same notebooks on the CDC files (../shared)."""
    require_shared(NHANES / "DEMO_H.XPT")
    _execute(path, monkeypatch, LABSTATS_DATA="nhanes", LABSTATS_DATA_DIR=str(NHANES))
