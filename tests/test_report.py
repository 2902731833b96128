"""The main job end to end: ``labstats report`` executes notebooks and writes HTML + PNGs."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from labstats.cli import main
from tests.conftest import ROOT

TEST_OUTPUT = ROOT / "test-output"


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Debian's chromium is not installed (scripts/ensure_chromium.sh installs it "
                "when run as root, as `make test` does)")


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 1600) -> None:
    """Render ``html`` in headless Chromium and save a PNG screenshot."""
    profile = png.parent / ".chromium-profile"
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
           f"--window-size={width},{height}", f"--screenshot={png}", html.resolve().as_uri()]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


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
    # every figure the index shows exists
    for src in re.findall(r'<img src="([^"]+)"', index):
        assert (out / src).is_file(), src


def test_report_renders_in_headless_chromium(tmp_path):
    """Issue 7: render the report as a browser would and keep a screenshot in test-output/."""
    chromium = _chromium()
    assert chromium
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    shutil.copy(ROOT / "notebooks" / "01_free_testosterone_worked_examples.py", nbdir)
    out = tmp_path / "report"
    assert main(["report", "--out", str(out), "--notebooks", str(nbdir), "--no-progress"]) == 0
    TEST_OUTPUT.mkdir(exist_ok=True)
    for page in ("index.html", "01_free_testosterone_worked_examples.html"):
        png = TEST_OUTPUT / f"report-{Path(page).stem}.png"
        png.unlink(missing_ok=True)
        screenshot(out / page, png)
        assert png.stat().st_size > 20_000  # a rendered page, not a blank one


def test_report_fails_loudly_when_a_notebook_fails(tmp_path, capsys):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    (nbdir / "01_broken.py").write_text("# %% [markdown]\n# # Broken\n\n# %%\nassert 1 == 2\n")
    assert main(["report", "--out", str(tmp_path / "r"), "--notebooks", str(nbdir),
                 "--no-progress"]) == 1
    assert 'class="fail"' in (tmp_path / "r" / "index.html").read_text()
    assert "01_broken.py failed" in capsys.readouterr().err
