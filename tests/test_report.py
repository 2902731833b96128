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
    # issue 11: real data by default; a notebook that reads no cohort says so in its row
    assert "Data: <b>NHANES 2013-2016, the extract shipped with labstats (--data nhanes, " \
           "the default)</b>" in index
    assert "no cohort (published examples only)" in index
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


# ---- issue 10 (items 6-8) and issue 11 part 4: fast, clean, honest ---------------------------
def _notebooks(folder: Path, cells: dict[str, list[str]]) -> Path:
    """Write jupytext notebooks ``name.py`` whose code cells are ``cells[name]``."""
    folder.mkdir()
    for name, code in cells.items():
        body = f"# %% [markdown]\n# # {name}\n" + "".join(f"\n# %%\n{c}\n" for c in code)
        (folder / f"{name}.py").write_text(body)
    return folder


def test_notebooks_sharing_a_kernel_start_clean_and_warnings_become_notes(tmp_path, capsys,
                                                                          monkeypatch):
    """jobs=1: both notebooks run in one (reused) kernel. The second must not see the first's
    variables, rc settings or warning filters; warnings become notes (category, message, cell),
    other stderr output stays visible; ANSI colour codes never reach a page or the index.
    Each row of the index names the cohorts its notebook read (issue 11), and only those."""
    nbdir = _notebooks(tmp_path / "nb", {
        "01_dirty": ["x_left_over = 1\nimport labstats\n"
                     "cohort = labstats.load_cohort('synthetic', n=50)\n"
                     "cohort['age'] = -1.0\ncohort.attrs['data'] = 'changed'",
                     "import sys, warnings\nimport matplotlib\n"
                     "matplotlib.rcParams['lines.linewidth'] = 7.0\n"
                     "warnings.warn('check the units', UserWarning)\n"
                     "print('plain stderr text', file=sys.stderr)\n"
                     "warnings.simplefilter('ignore')"],
        "02_clean": ["import matplotlib, warnings\n"
                     "assert 'x_left_over' not in globals(), 'state leaked between notebooks'\n"
                     "assert matplotlib.rcParams['lines.linewidth'] == 1.5\n"
                     "import labstats\ncohort = labstats.load_cohort('synthetic', n=50)\n"
                     "assert cohort['age'].min() >= 20 and cohort.attrs['data'] == 'synthetic'\n"
                     "warnings.warn('second notebook warns too', RuntimeWarning)",
                     # time for IPython's history thread to complain, were history kept
                     "import time\ntime.sleep(0.5)", "time.sleep(0.5)"],
        # IPython colours every traceback; the message carries codes of its own as well
        "03_broken": ["esc = chr(27)\nraise ValueError(esc + '[1mred text' + esc + '[22m is wrong')"],
        "04_default": ["import labstats\nassert labstats.load_cohort().attrs['data'] == 'nhanes'\n"
                       "labstats.load_cohort('synthetic', n=50, seed=3)"],
        "05_extract": ["import labstats\nlabstats.load_nhanes('2013-2014')"],
    })
    out = tmp_path / "report"
    monkeypatch.delenv("LABSTATS_DATA", raising=False)
    assert main(["report", "--out", str(out), "--notebooks", str(nbdir), "--no-progress",
                 "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "03_broken.py failed: ValueError: red text is wrong (cell [1])" in err
    assert "\x1b" not in err
    index = (out / "index.html").read_text()
    assert index.count('class="fail"') == 1 and "red text is wrong" in index
    assert "[1mred" not in index
    assert "UserWarning</b> (cell [2]): check the units" in index
    assert "RuntimeWarning</b> (cell [1]): second notebook warns too" in index
    rows = dict(re.findall(r'<tr><td><a href="(\d\d_\w+)\.html">.*?<td class="data">(.*?)</td>',
                           index))
    assert rows == {"01_dirty": "synthetic cohort (make_cohort(50, seed=0))",
                    "02_clean": "synthetic cohort (make_cohort(50, seed=0))",
                    "03_broken": '<span class="none">none read before it failed</span>',
                    "04_default": "NHANES 2013-2016 (embedded extract, 20,146 participants)<br>"
                                  "synthetic cohort (make_cohort(50, seed=3))",
                    "05_extract": "NHANES 2013-2014 (embedded extract, 10,175 participants)"}
    first = (out / "01_dirty.html").read_text()
    assert 'class="labstats-warning"' in first and "check the units" in first
    assert "(cell [2], line 4)" in first  # the cell and the line in it
    assert "warnings.warn(" not in first  # no raw stderr rendering of the warning
    assert "plain stderr text" in first  # real stderr is kept
    second = (out / "02_clean.html").read_text()
    assert re.search(r"In.\[1\]:", second)  # counts restart in a reused kernel...
    assert "History logging" not in second and "ERROR!" not in second  # ...without complaint
    for page in ("index.html", "01_dirty.html", "02_clean.html", "03_broken.html"):
        text = (out / page).read_text()
        assert "\x1b" not in text and "[0;31m" not in text and "&#27;" not in text, page
    assert "red text is wrong" in (out / "03_broken.html").read_text()


def test_notebooks_run_concurrently_and_keep_their_order(tmp_path, monkeypatch):
    """jobs=2: the slow first notebook finishes last, yet runs and the index keep its place.
    The folders are given relative to the working directory, as on a command line."""
    from labstats.report import build_report

    _notebooks(tmp_path / "nb", {"01_slow": ["import time\ntime.sleep(3)"],
                                 "02_quick": ["y = 2"], "03_quick": ["z = 3"]})
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report"
    runs = build_report("report", notebooks="nb", progress=False, jobs=2)
    assert [r.path.stem for r in runs] == ["01_slow", "02_quick", "03_quick"]
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert runs[0].seconds >= 3 > runs[1].seconds
    index = (out / "index.html").read_text()
    assert index.index("01_slow.html") < index.index("02_quick.html") < index.index("03_quick")


def _no_kernels(monkeypatch):
    import labstats.report

    def no_kernels(*args, **kwargs):
        raise AssertionError("a kernel was started although the data cannot be loaded")

    monkeypatch.setattr(labstats.report, "_run_all", no_kernels)


def test_report_on_an_unreadable_extract_fails_at_once_with_what_to_do(tmp_path, monkeypatch,
                                                                       capsys):
    """Issue 10: no kernel starts when the data cannot be loaded (it used to run every
    notebook for 30 s before failing). The embedded extract is made unloadable by replacing
    the loader."""
    import labstats.datasets

    def missing(data=None, **kwargs):
        raise FileNotFoundError("nhanes_extract.parquet: the embedded NHANES extract is missing")

    _no_kernels(monkeypatch)
    monkeypatch.setattr(labstats.datasets, "load_cohort", missing)
    out = tmp_path / "report"
    assert main(["report", "--out", str(out), "--no-progress"]) == 1  # nhanes: the default
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--data nhanes: the NHANES extract shipped with labstats cannot be read: " \
           "nhanes_extract.parquet" in err
    assert "Reinstall labstats" in err and "--data PATH" in err and "--data synthetic" in err
    assert not out.exists()


def test_report_on_a_folder_without_cdc_files_fails_at_once(tmp_path, monkeypatch, capsys):
    """Issue 11: ``--data PATH`` is checked before any kernel starts: one line naming the
    folder, what it lacks and how to fill it, and the other choices."""
    _no_kernels(monkeypatch)
    empty = tmp_path / "downloads"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a CDC file")
    out = tmp_path / "report"
    assert main(["report", "--data", str(empty), "--out", str(out), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"--data {empty}: the NHANES 2013-2016 files are not in it" in err
    assert f"labstats.fetch_nhanes(cache_dir='{empty}')" in err
    assert "--data nhanes" in err and "--data synthetic" in err
    assert not out.exists()
    # a folder that does not exist, or another word: the option's own error (argparse)
    for bad in (str(tmp_path / "absent"), "nhanse"):
        with pytest.raises(SystemExit) as stop:
            main(["report", "--data", bad, "--out", str(out), "--no-progress"])
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert "argument --data: must be 'nhanes'" in err and repr(bad) in err
    assert not out.exists()


def test_report_data_comes_from_labstats_data_when_not_given(tmp_path, monkeypatch, capsys):
    from labstats.report import build_report

    _no_kernels(monkeypatch)
    monkeypatch.setenv("LABSTATS_DATA", str(tmp_path))  # a folder without the CDC files
    with pytest.raises(FileNotFoundError, match=rf"--data {re.escape(str(tmp_path))}: the "):
        build_report(tmp_path / "r", progress=False)
    monkeypatch.setenv("LABSTATS_DATA", "nhanse")
    assert main(["report", "--out", str(tmp_path / "r"), "--no-progress"]) == 1
    assert ("labstats: error: the environment variable LABSTATS_DATA must be 'nhanes'"
            in capsys.readouterr().err)


def test_unreadable_nhanes_files_name_the_reason(tmp_path, monkeypatch):
    import labstats.datasets
    from labstats.report import check_data

    def truncated(data=None, **kwargs):
        raise ValueError("TST_H.XPT: 4845 rows, the CDC codebook counts 7559")

    monkeypatch.setattr(labstats.datasets, "load_cohort", truncated)
    with pytest.raises(FileNotFoundError, match=r"its NHANES files cannot be read: TST_H\.XPT: "
                                                r"4845 rows.*fetch_nhanes\(cache_dir="):
        check_data(str(tmp_path))
    check_data("synthetic")  # built in: nothing to check


def test_a_folder_missing_a_component_file_is_an_error(tmp_path, monkeypatch):
    """read_nhanes warns and leaves the columns of an absent file NaN; every notebook would
    then fail, so the report refuses the folder at once; other warnings pass through."""
    import labstats.datasets
    from labstats._validate import warn
    from labstats.report import check_data

    def partial(data=None, **kwargs):
        warn(f"2013-2014: not found in {tmp_path}: TST_H.XPT (total_testosterone, estradiol, "
             f"shbg). These columns are NaN for this cycle; fetch_nhanes() downloads the files")
        warn("BMX_H.XPT: 3 rows with a BMI above 100")

    monkeypatch.setattr(labstats.datasets, "load_cohort", partial)
    with (pytest.warns(UserWarning, match="3 rows with a BMI above 100"),
          pytest.raises(FileNotFoundError, match=r"files the notebooks need are missing \(2013-"
                                                 r"2014: not found in .*TST_H\.XPT \(total_"
                                                 r"testosterone, estradiol, shbg\)\)\. Download")):
        check_data(str(tmp_path))


def test_report_help_says_real_nhanes_is_the_default(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["report", "--help"])
    assert stop.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "By default they run on real data: NHANES 2013-2016 from the extract shipped" in out
    assert "--data {nhanes,synthetic,PATH}" in out and "else nhanes" in out


def test_report_jobs_must_be_positive(capsys):
    assert main(["report", "--jobs", "0", "--no-progress"]) == 1
    assert "--jobs must be 1 or more, got 0" in capsys.readouterr().err


def test_a_kernel_that_timed_out_is_replaced(tmp_path):
    """A cell over the timeout fails its notebook; the next one gets a fresh kernel."""
    from labstats.report import build_report

    nbdir = _notebooks(tmp_path / "nb", {"01_hangs": ["import time\ntime.sleep(60)"],
                                         "02_fine": ["assert 'time' not in globals()"]})
    runs = build_report(tmp_path / "report", notebooks=nbdir, progress=False, jobs=1,
                        timeout=2)
    assert not runs[0].ok and "CellTimeoutError" in runs[0].error
    assert runs[1].ok, runs[1].error
    assert runs[0].seconds < 30


def test_a_kernel_that_cannot_start_fails_every_notebook_visibly(tmp_path, monkeypatch, capsys):
    import labstats.report

    monkeypatch.setattr(labstats._report_kernel, "_KERNEL_MODULE", "raise ImportError('no seaborn')")
    nbdir = _notebooks(tmp_path / "nb", {"01_a": ["x = 1"], "02_b": ["y = 2"]})
    out = tmp_path / "report"
    assert main(["report", "--out", str(out), "--notebooks", str(nbdir), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.count("kernel set-up failed") == 2 and "ImportError: no seaborn" in err
    index = (out / "index.html").read_text()
    assert index.count('class="fail"') == 2 and "no seaborn" in index
