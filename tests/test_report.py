"""The main job end to end: ``labstats report`` executes notebooks and writes HTML + PNGs."""

from __future__ import annotations

import shutil

from labstats.cli import main
from tests.conftest import ROOT


def test_report_command_writes_index_pages_and_figures(tmp_path):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    shutil.copy(ROOT / "notebooks" / "01_free_testosterone_worked_examples.py", nbdir)
    out = tmp_path / "report"
    assert main(["report", "--out", str(out), "--notebooks", str(nbdir), "--no-progress"]) == 0
    index = (out / "index.html").read_text()
    assert "01_free_testosterone_worked_examples.html" in index
    assert 'class="fail"' not in index
    page = (out / "01_free_testosterone_worked_examples.html").read_text()
    assert "Traceback" not in page and "AssertionError" not in page
    figures = sorted((out / "figures").glob("*.png"))
    assert len(figures) >= 2 and all(f.stat().st_size > 5_000 for f in figures)


def test_report_fails_loudly_when_a_notebook_fails(tmp_path, capsys):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    (nbdir / "01_broken.py").write_text("# %% [markdown]\n# # Broken\n\n# %%\nassert 1 == 2\n")
    assert main(["report", "--out", str(tmp_path / "r"), "--notebooks", str(nbdir),
                 "--no-progress"]) == 1
    assert 'class="fail"' in (tmp_path / "r" / "index.html").read_text()
    assert "01_broken.py failed" in capsys.readouterr().err
