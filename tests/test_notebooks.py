"""Every notebook runs top to bottom on each kind of data, asserting what it reproduces.

The notebooks run as ``labstats report`` runs them (warm kernels, two at a time; each
notebook from an empty namespace): all of them on the default data, real NHANES 2013-2016
shipped with labstats (no ``../shared`` needed); those that read a cohort
(``load_cohort``) also on the synthetic cohort; notebook 02 also on a folder of CDC files
(``--data PATH``), where the team's ``../shared`` holds them. The assertions are cells of
the notebooks: R survey values computed on the data the notebook ran on
(``tests/reference/make_notebook_reference.R``) and published values. A notebook that reads
no cohort would run identically twice, so it runs once.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tests.conftest import NHANES, ROOT, require_shared

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
ON_COHORT = [p for p in NOTEBOOKS if "load_cohort(" in p.read_text()]
#: --data PATH is the embedded extract read from the CDC files (test_embedded.py proves the
#: frames equal), so one notebook suffices to check that the switch reaches the notebooks.
ON_FOLDER = [p for p in NOTEBOOKS if p.name.startswith("02_")]
EMBEDDED = "NHANES 2013-2016 (embedded extract, 20,146 participants)"
SYNTHETIC = "synthetic cohort (make_cohort(20000, seed=0))"


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no NN_topic.py notebook"
    assert ON_COHORT and ON_FOLDER


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """``report(mode)``: {notebook stem: NotebookRun} and the index page of one report run
    (each mode run once per session)."""
    pytest.importorskip("nbclient")
    from labstats.report import build_report

    done = {}

    def run(mode):
        if mode not in done:
            paths, data = {"default": (NOTEBOOKS, None), "synthetic": (ON_COHORT, "synthetic"),
                           "folder": (ON_FOLDER, str(NHANES))}[mode]
            folder = tmp_path_factory.mktemp(f"notebooks-{mode}")
            for p in paths:  # links: each notebook still runs in notebooks/ (it reads ../tests)
                (folder / p.name).symlink_to(p)
            out = tmp_path_factory.mktemp(f"report-{mode}")
            with pytest.MonkeyPatch.context() as mp:
                mp.delenv("LABSTATS_DATA", raising=False)  # the default is what a user gets
                runs = build_report(out, data=data, notebooks=folder, progress=False, jobs=2)
            done[mode] = ({r.path.stem: r for r in runs}, (out / "index.html").read_text())
        return done[mode]

    return run


def _check(run, expected_data):
    """The notebook ran, and the index names exactly the data it read: the cohort of the
    run's --data (load_cohort) and/or the embedded extract it reads itself (load_nhanes,
    whatever --data says)."""
    assert run.ok, f"{run.path.name}: {run.error}"
    # a warning is printed into the page a reader opens: none may be left unexplained
    assert not run.warnings, f"{run.path.name}: {run.warnings}"
    # nor the repr of a plotting object ("<seaborn.axisgrid.FacetGrid at 0x...>", "Text(...)")
    page = run.html.read_text()
    assert not re.search(r"&lt;[\w.]+ (object )?at 0x[0-9a-f]+&gt;|\bText\(\d", page), run.path.name
    text = run.path.read_text()
    assert run.data is not None, f"{run.path.name}: its kernel did not say what it read"
    extract = {d for d in run.data if d.startswith("NHANES ") and "(embedded extract" in d}
    if "load_cohort(" in text:
        assert expected_data in run.data
    if "load_nhanes(" in text:
        assert extract - {expected_data} or expected_data in extract
    export = {d for d in run.data if d.startswith(("synthetic laboratory export",
                                                   "laboratory export "))}
    if "make_lab_results(" in text:
        assert export
    if not any(f"{f}(" in text for f in ("load_cohort", "load_nhanes", "make_lab_results")):
        assert run.data == []
    assert set(run.data) <= {expected_data, *extract, *export}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_embedded_nhanes_by_default(path, report):
    runs, index = report("default")
    _check(runs[path.stem], EMBEDDED)
    row = index[index.index(f"{path.stem}.html"):].split("</tr>")[0]
    reads_extract = "load_nhanes(" in path.read_text()
    assert (html.escape(EMBEDDED) if path in ON_COHORT else
            "(embedded extract" if reads_extract else
            "laboratory export" if "make_lab_results(" in path.read_text() else "no cohort") in row
    assert "the extract shipped with labstats (--data nhanes, the default)" in index


@pytest.mark.parametrize("path", ON_COHORT, ids=lambda p: p.stem)
def test_notebook_runs_on_the_synthetic_cohort(path, report):
    runs, index = report("synthetic")
    _check(runs[path.stem], SYNTHETIC)
    assert html.escape(SYNTHETIC) in index and EMBEDDED not in index


@pytest.mark.parametrize("path", ON_FOLDER, ids=lambda p: p.stem)
def test_notebook_runs_on_a_folder_of_cdc_files(path, report):
    """``--data PATH``: the same assertions as the embedded extract (the same frame)."""
    require_shared(NHANES / "DEMO_H.XPT")
    runs, index = report("folder")
    _check(runs[path.stem], f"NHANES 2013-2016 (CDC files in {Path(NHANES).resolve()}, "
                            "20,146 participants)")
    assert f"CDC files in {Path(NHANES).resolve()} (--data PATH)" in index


def test_routine_notebook_runs_on_a_users_export(tmp_path, monkeypatch):
    """Notebook 06 on the user's own file (``LABSTATS_EXPORT``, ``LABSTATS_TEST_MAP``): a
    MIMIC-shaped CSV with local item ids. The comparisons with the generator's truth drop
    out; the rest runs on the file, whose counts appear in the output."""
    pytest.importorskip("nbclient")
    from labstats.datasets import make_lab_results
    from labstats.report import build_report

    notebook = ROOT / "notebooks" / "06_routine_lab_data.py"
    export = make_lab_results(150, seed=2, shape="mimic")
    export.to_csv(tmp_path / "labevents.csv", index=False)
    (tmp_path / "codes.csv").write_text(
        "code,analyte\n" + "".join(f"{c},{a}\n" for c, a in export.attrs["test_map"].items()))
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / notebook.name).symlink_to(notebook)
    monkeypatch.setenv("LABSTATS_EXPORT", str(tmp_path / "labevents.csv"))
    monkeypatch.setenv("LABSTATS_TEST_MAP", str(tmp_path / "codes.csv"))
    (run,) = build_report(tmp_path / "report", notebooks=folder, progress=False, jobs=1)
    assert run.ok, run.error
    assert run.data == [f"laboratory export {tmp_path / 'labevents.csv'}"]  # the index says so
    executed = (tmp_path / "report" / f"{notebook.stem}.ipynb").read_text()
    assert f"your export {tmp_path / 'labevents.csv'}" in executed
    assert str(export.attrs["expected_counts"]["rows"]) in executed
