"""``labstats report`` on disk: the report folder is replaced whole once the new report is
complete, never a folder holding a user's files (the notebooks' folder, other pages), never
a mix of two runs (stale pages and figures), never lost to a failed or interrupted run.
"""

from __future__ import annotations

import os

import pytest

from labstats.cli import main


def _notebooks(folder, cells):
    folder.mkdir(parents=True)
    for name, code in cells.items():
        (folder / f"{name}.py").write_text(f"# %% [markdown]\n# # {name}\n\n# %%\n{code}\n")
    return folder


def _tree(folder) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


async def _no_notebook_runs(*args, **kwargs):
    """``report._run_all`` that runs nothing: the index of notebooks not run."""


FIGURES = ("import matplotlib.pyplot as plt\n"
           "for k in range({n}):\n    plt.figure(); plt.plot([0, k]); plt.show()")


@pytest.mark.parametrize("where", ["notebooks", "other"])
def test_the_report_never_writes_over_a_users_files(where, tmp_path, monkeypatch, capsys):
    """Old code wrote into any folder: ``--out notebooks`` replaced a user's
    ``01_a.ipynb`` (a jupytext pair of ``01_a.py``) with the executed copy, and a folder of
    other pages lost its ``index.html``. Refused now, before any notebook runs."""
    pytest.importorskip("nbclient")
    import labstats.report

    nb = _notebooks(tmp_path / "notebooks", {"01_a": "x = 1"})
    (nb / "01_a.ipynb").write_text('{"mine": true}')
    out = nb if where == "notebooks" else tmp_path / "site"
    if where == "other":
        out.mkdir()
        (out / "index.html").write_text("<title>my site</title>")
    before = _tree(out)
    started = []
    monkeypatch.setattr(labstats.report, "_run_all", lambda *a, **k: started.append(1))
    assert main(["report", "--out", str(out), "--notebooks", str(nb), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "a folder holding files that are not a labstats report" in err
    assert "choose a new or empty folder" in err and "Traceback" not in err
    assert ("01_a.py" if where == "notebooks" else "not that of a labstats report") in err
    assert _tree(out) == before and not started
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == []


def test_a_report_replaces_the_earlier_one_whole(tmp_path):
    """Old code wrote into the earlier report: the figures and pages of notebooks that no
    longer make them stayed beside the new ones (``figures/01_a_02.png``, ``02_b.html``)."""
    pytest.importorskip("nbclient")
    from labstats.report import build_report

    out = tmp_path / "report"
    first = _notebooks(tmp_path / "first", {"01_a": FIGURES.format(n=2), "02_b": "y = 2"})
    build_report(out, notebooks=first, progress=False, jobs=1)
    assert {"figures/01_a_02.png", "02_b.html"} <= set(_tree(out))
    second = _notebooks(tmp_path / "second", {"01_a": FIGURES.format(n=1)})
    (run,) = build_report(out, notebooks=second, progress=False, jobs=1)
    assert run.ok and run.html == out / "01_a.html" and run.figures == [
        out / "figures" / "01_a_01.png"]
    assert sorted(_tree(out)) == ["01_a.html", "01_a.ipynb", "figures/01_a_01.png",
                                  "index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first", "report", "second"]


def test_a_report_failing_half_way_leaves_the_earlier_one(tmp_path, monkeypatch):
    """An error after a page was written (here: the disk full once the first notebook's
    page is rendered) leaves the earlier report as it was, and no temporary folder. Old
    code had replaced the page but not the index: a report of two runs."""
    pytest.importorskip("nbclient")
    import nbformat

    import labstats.report

    out = tmp_path / "report"
    out.mkdir()
    (out / "index.html").write_text("<title>labstats report</title> earlier")
    (out / "01_a.html").write_text("earlier page")
    before = _tree(out)
    nb = _notebooks(tmp_path / "nb", {"01_a": "x = 1", "02_b": "y = 2"})

    async def half(paths, data, timeout, jobs, done, started=lambda i: None):
        page = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# new")])
        started(0)
        await done(0, page, 0.1, None, [])
        raise OSError("disk full")

    monkeypatch.setattr(labstats.report, "_run_all", half)
    with pytest.raises(OSError, match="disk full"):
        labstats.report.build_report(out, notebooks=nb, progress=False)
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb", "report"]


def test_a_failed_swap_of_report_folders_puts_the_earlier_one_back(tmp_path, monkeypatch):
    from labstats import report

    out, new = tmp_path / "report", tmp_path / ".report-new"
    out.mkdir()
    (out / "index.html").write_text("earlier")
    new.mkdir()
    (new / "index.html").write_text("new")
    rename, calls = os.rename, []

    def fail_second(a, b):
        calls.append(b)
        if len(calls) == 2:
            raise OSError("device busy")
        rename(a, b)

    monkeypatch.setattr(os, "rename", fail_second)
    with pytest.raises(OSError, match="device busy"):
        report._replace_folder(new, out)
    assert (out / "index.html").read_text() == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".report-new", "report"]


def test_the_working_folder_as_out_is_replaced_like_any_report(tmp_path, monkeypatch):
    """``cd report && labstats report --out .``: the folder is replaced by its name."""
    pytest.importorskip("nbclient")
    import labstats.report

    monkeypatch.setattr(labstats.report, "_run_all", _no_notebook_runs)
    nb = _notebooks(tmp_path / "nb", {"01_a": "x = 1"})
    (tmp_path / "report").mkdir()
    monkeypatch.chdir(tmp_path / "report")
    labstats.report.build_report(".", notebooks=nb, progress=False)
    assert sorted(_tree(tmp_path / "report")) == ["index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb", "report"]


def test_the_index_says_when_it_was_generated_with_its_utc_offset(tmp_path, monkeypatch):
    """"Generated 2026-12-01 05:00" was local time without its zone: a reader elsewhere (or
    the same reader after a daylight-saving change) could not tell the instant. It is ISO
    8601 with the UTC offset now (of the zone TZ names; New York's from the tz database)."""
    pytest.importorskip("nbclient")
    import datetime
    import re
    import time
    import zoneinfo

    import labstats.report

    monkeypatch.setattr(labstats.report, "_run_all", _no_notebook_runs)
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        nb = _notebooks(tmp_path / "nb", {"01_a": "x = 1"})
        labstats.report.build_report(tmp_path / "report", notebooks=nb, progress=False)
        now = datetime.datetime.now(datetime.UTC)
    finally:
        monkeypatch.undo()
        time.tzset()
    index = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    when = datetime.datetime.fromisoformat(re.search(r"Generated (\S+) by", index)[1])
    new_york = now.astimezone(zoneinfo.ZoneInfo("America/New_York")).utcoffset()
    assert when.utcoffset() == new_york  # -05:00 in winter, -04:00 in summer
    assert abs(now - when) < datetime.timedelta(minutes=5)


def test_a_cancellation_not_from_a_signal_writes_no_report(tmp_path, monkeypatch):
    """A CancelledError that no signal of the run caused (not Ctrl-C, which asyncio.run
    turns into KeyboardInterrupt; not SIGTERM, which is Stopped) goes through build_report:
    the re-raise after ``signals.check()`` is reached, and no index claims a full run."""
    pytest.importorskip("nbclient")
    import asyncio

    import labstats.report

    async def cancelled(*args, **kwargs):
        raise asyncio.CancelledError

    monkeypatch.setattr(labstats.report, "_run_all", cancelled)
    nb = _notebooks(tmp_path / "nb", {"01_a": "x = 1"})
    with pytest.raises(asyncio.CancelledError):
        labstats.report.build_report(tmp_path / "report", notebooks=nb, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb"]


def test_the_data_of_a_notebook_whose_kernel_did_not_answer_is_not_known(tmp_path,
                                                                         monkeypatch):
    """A notebook that ran, read a cohort and left its kernel unable to answer which (e.g.
    ``sys.stdout = io.StringIO()`` in its last cell) was shown as "no cohort (published
    examples only)": only a failed notebook's unknown data said "not known"."""
    pytest.importorskip("nbclient")
    import labstats.report

    async def ran_unasked(paths, data, timeout, jobs, done, started=lambda i: None):
        started(0)
        await done(0, None, 1.0, None, None)  # ran, no error, its data not known

    monkeypatch.setattr(labstats.report, "_run_all", ran_unasked)
    nb = _notebooks(tmp_path / "nb", {"01_a": "x = 1"})
    runs = labstats.report.build_report(tmp_path / "report", notebooks=nb, progress=False)
    index = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert ('<td class="data"><span class="none">not known (its kernel did not answer when '
            'asked)</span></td>') in index
    assert runs[0].ok and runs[0].data is None
