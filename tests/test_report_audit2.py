"""Audit of ``labstats report`` as a program and as files a person opens: Ctrl-C, offline
pages, links, options. Small notebook folders made in each test (the full report runs in
tests/test_report.py)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from labstats.cli import main
from tests.conftest import ROOT
from tests.test_report import _notebooks

pytestmark = pytest.mark.slow  # (most run Jupyter kernels: 3-20 s each)


def _start_report(tmp_path, nbdir, out, jobs=1):
    """``labstats report`` in a process of its own, SIGINT as a terminal's Ctrl-C finds it
    (a background job of a shell may ignore it)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"),
                                                          os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, "-m", "labstats", "report", "--out", str(out), "--notebooks",
         str(nbdir), "--no-progress", "--jobs", str(jobs)], env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for(proc, marks, seconds=120):
    """(pid, socket folder) of the kernel running each notebook, once all have started."""
    deadline = time.monotonic() + seconds
    while not all(m.is_file() and m.read_text().endswith("\n") for m in marks):
        assert proc is None or proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.2)
    return [(int(m.read_text().split()[0]), Path(m.read_text().split()[1]).parent)
            for m in marks]


def _slow_notebooks(tmp_path, n):
    """``n`` notebooks that write (pid, socket path) of their kernel to a file and sleep."""
    tmp_path.mkdir(exist_ok=True)
    marks = [tmp_path / f"kernel{i}.txt" for i in range(n)]
    nbdir = _notebooks(tmp_path / "nb", {
        f"0{i}_slow": ["import os, pathlib, time\n"
                       "from ipykernel.kernelapp import IPKernelApp\n"
                       f"pathlib.Path({str(m)!r}).write_text("
                       "f'{os.getpid()} {IPKernelApp.instance().ip}\\n')\n"
                       "time.sleep(60)"] for i, m in enumerate(marks)})
    return nbdir, marks


def _gone(pid, seconds=5):
    for _ in range(int(seconds * 10)):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals and sessions")
@pytest.mark.parametrize("signum, said, twice", [
    (signal.SIGINT, "interrupted", False), (signal.SIGTERM, "stopped (SIGTERM)", False),
    (signal.SIGINT, "interrupted", True)], ids=["ctrl-c", "sigterm", "ctrl-c-twice"])
def test_ctrl_c_and_sigterm_stop_the_report_at_once_and_leave_nothing(signum, said, twice,
                                                                      tmp_path):
    """Ctrl-C (SIGINT) or SIGTERM (kill, a CI's or `timeout`'s limit) while two notebooks
    run (--jobs 2) stops the whole report: exit status 128 + the signal, a message, no
    report written (nor half a one, nor a working folder .report-* beside it), each kernel
    shut down and its socket folder removed; Ctrl-C twice in a row as well.

    Before, on Ctrl-C nbclient's own handler interrupted the kernel only: the notebook
    "failed" with KeyboardInterrupt, the run went on to the next notebooks and wrote a
    report (exit status 1); on SIGTERM Python's default action ended the process at once,
    leaving the hidden working folder with half a report next to --out and the kernels'
    socket folders; a second Ctrl-C during the shutdown left the socket folders."""
    nbdir, marks = _slow_notebooks(tmp_path, 3)
    out = tmp_path / "report"
    proc = _start_report(tmp_path, nbdir, out, jobs=2)
    try:
        kernels = _wait_for(proc, marks[:2])
        proc.send_signal(signum)
        if twice:
            time.sleep(0.05)  # (the first one's shutdown of the kernels is under way)
            proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signum, err
    assert f"labstats: {said}: no report written" in err and "Traceback" not in err, err
    assert not marks[2].exists()  # the third notebook never started
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".report-")]
    for pid, sockets in kernels:
        assert sockets.name.startswith("labstats-kernel-") and not sockets.exists(), sockets
        assert _gone(pid), f"kernel {pid} still running"


# ---- the report as files a person opens ------------------------------------------------------
class _Links(HTMLParser):
    """Every link (a href, img/script src, link href), id and image of an HTML page."""

    def __init__(self):
        super().__init__()
        self.links, self.ids, self.images = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key) is not None:
                self.links.append((tag, attrs[key]))


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _broken_links(out: Path) -> list[str]:
    """Links of the report's pages that lead nowhere: a file that is not there, an anchor
    that no element has, a page or figure outside the report."""
    broken = []
    for page in sorted(out.glob("*.html")):
        for tag, link in _parse(page).links:
            url = urlsplit(link)
            if url.scheme or url.netloc or link.startswith("data:"):
                continue  # (remote resources: test_report_pages_need_no_network)
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if not target.is_file() or out.resolve() not in target.parents:
                broken.append(f"{page.name}: <{tag}> {link!r}: no file {target}")
            elif url.fragment and target.suffix == ".html" and not (  # (as browsers do)
                    {url.fragment, unquote(url.fragment)} & _parse(target).ids):
                broken.append(f"{page.name}: <{tag}> {link!r}: no id {url.fragment!r}")
    return broken


ODD = '01_a#b c%d&é"x'  # a file name that is valid on Linux and macOS
MATH = ("# %% [markdown]\n# # Math\n# Inline $a \\, FT^2 + \\sqrt{b^2 + 4ac} = 0$,"
        "\n# `$not math$`, and\n# $$TT = \\dfrac{K_T [SHBG]}{1 + K_T FT}$$\n"
        "# and one mathtext cannot draw: $\\begin{aligned} x \\end{aligned}$\n")


@pytest.fixture(scope="module")
def small_report(tmp_path_factory):
    """A report of three notebooks, one with an odd name and a figure, one with TeX, in an
    output folder with a space and a non-ASCII letter (run once for the tests below)."""
    if os.name != "posix":
        pytest.skip("a file name with '\"' is not valid on Windows")
    tmp = tmp_path_factory.mktemp("small")
    nbdir = _notebooks(tmp / "nb", {
        ODD: ["import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()"],
        "02_plain": ["x = 1"]})
    (nbdir / "03_math.py").write_text(MATH)
    out = tmp / "rapport é 1"
    assert main(["report", "--out", str(out), "--notebooks", str(nbdir), "--no-progress",
                 "--jobs", "1"]) == 0
    return out


def test_every_link_of_the_report_leads_somewhere_whatever_the_names(small_report):
    """A notebook whose name has #, %, &, a space, a quote and a non-ASCII letter, in an
    output folder with a space and a non-ASCII letter: every link and image of every page
    leads to a file of the report (and an anchor to an element of it); each notebook's page
    links back to the index. Before, the index wrote names into href, src and alt as they
    were: '#' cut the link into a fragment, '"' ended the attribute, '%' started an escape:
    the notebook's page and its figure were out of reach from the index; and a notebook's
    page had no way back to the index."""
    out = small_report
    assert (out / f"{ODD}.html").is_file() and (out / "figures" / f"{ODD}_01.png").is_file()
    targets = {unquote(link) for _, link in _parse(out / "index.html").links}
    assert {f"{ODD}.html", f"figures/{ODD}_01.png", "02_plain.html"} <= targets, targets
    for page in ("02_plain.html", f"{ODD}.html"):
        assert ("a", "index.html") in _parse(out / page).links, page
    assert _broken_links(out) == []


def test_report_pages_need_no_network(small_report):
    """Opened offline (a laptop on a train, a hospital network without internet) every page
    shows whole: it loads no script, style, font or image from elsewhere, and its TeX is
    drawn (an SVG image with the TeX as alt text), not left as $...$ for MathJax. Before,
    each notebook page loaded require.js and MathJax from a CDN: offline every formula
    stayed raw TeX (and online each opening told the CDN)."""
    for page in sorted(small_report.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        remote = [link for tag, link in _parse(page).links
                  if tag != "a" and urlsplit(link).scheme not in ("", "data")]
        remote += re.findall(r"@import\s+url\(['\"]?https?:[^)]*|"
                             r"url\(['\"]?https?://[^)]*|import\(\"https?://[^\"]*", text)
        assert remote == [], (page.name, remote)
    math = (small_report / "03_math.html").read_text(encoding="utf-8")
    alts = [img["alt"] for img in _parse(small_report / "03_math.html").images
            if img["src"].startswith("data:image/svg+xml;base64,")]
    assert alts == [r"a \, FT^2 + \sqrt{b^2 + 4ac} = 0",
                    r"TT = \dfrac{K_T [SHBG]}{1 + K_T FT}"], alts
    assert "<code>$not math$</code>" in math
    assert r'<code title="TeX (not drawn)">$\begin{aligned} x \end{aligned}$</code>' in math


def test_a_page_that_cannot_be_written_fails_its_notebook_not_the_report(tmp_path, capsys):
    """One notebook displays image/png data that is not base64 (any output its page cannot
    be written from): that notebook fails, named, with the reason, and has no page; the
    other notebooks' pages and the index are written (exit status 1). Before, the whole run
    ended with "labstats: error: Invalid base64-encoded string ..." naming no notebook, and
    no report at all."""
    nbdir = _notebooks(tmp_path / "nb", {
        "01_odd_output": ["from IPython.display import display\n"
                          "display({'image/png': '!!!not base64'}, raw=True)"],
        "02_fine": ["x = 1"]})
    out = tmp_path / "report"
    assert main(["report", "--out", str(out), "--notebooks", str(nbdir), "--no-progress",
                 "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "notebook 01_odd_output.py failed: its page could not be written: Error: " \
           "Invalid base64" in err, err
    assert sorted(p.name for p in out.iterdir()) == ["02_fine.html", "02_fine.ipynb",
                                                     "index.html"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('class="fail"') == 1 and "its page could not be written" in index


@pytest.mark.parametrize("given, said", [("nb/01_a.py", "a file, not a folder"),
                                         ("nope", "no such folder")])
def test_notebooks_option_naming_a_file_or_nothing_says_so(given, said, tmp_path, capsys,
                                                          monkeypatch):
    """--notebooks given a notebook's file, or a folder that does not exist: the message says
    which (before: "no notebooks (NN_*.py) found in nb/01_a.py", as if the file were an empty
    folder)."""
    _notebooks(tmp_path / "nb", {"01_a": ["x = 1"]})
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--notebooks", given, "--no-progress"]) == 1
    assert capsys.readouterr().err == (f"labstats: error: {given}: {said}; pass --notebooks "
                                       f"DIR, the folder holding the NN_*.py (or .ipynb) "
                                       f"notebooks\n")
    assert not (tmp_path / "report").exists()


def test_a_cell_that_kills_its_kernel_or_hangs_is_named_with_what_happened(tmp_path):
    """The index says which cell killed its kernel (os._exit: no error output) or ran over
    the time allowed, and what that means; the next notebook runs on a new kernel. Before,
    the index said "DeadKernelError: Kernel died" (no cell) and "CellTimeoutError:
    -------------------" (the last line of nbclient's message, a rule)."""
    from labstats.report import build_report

    nbdir = _notebooks(tmp_path / "nb", {
        "01_dies": ["x = 1", "y = 2", "import os\nos._exit(3)", "z = 3"],
        "02_hangs": ["x = 1", "import time\ntime.sleep(60)"],
        "03_fine": ["assert 'x' not in globals()"]})
    runs = build_report(tmp_path / "report", notebooks=nbdir, progress=False, jobs=1,
                        timeout=3)
    assert [r.error for r in runs] == [
        "DeadKernelError: the kernel died while running cell [3] (the process ended: "
        "os._exit, a crash or out of memory)",
        "CellTimeoutError: cell [2] ran longer than 3 s, the time allowed to a cell (its "
        "kernel was stopped)",
        None]


def test_a_notebook_starts_clean_of_what_the_one_before_set_in_its_process(tmp_path):
    """jobs=1, one kernel: what a notebook sets in the process (an environment variable such
    as LABSTATS_DATA, numpy's floating-point error handling, sys.path, the random seeds) is
    back to what a new kernel has when the next notebook starts. Before, the second notebook
    saw LABSTATS_DATA=synthetic (it read the synthetic cohort while the index said NHANES),
    np.seterr(all='raise') (a division by zero raised instead of warning) and the first
    notebook's sys.path: its result depended on which notebook ran before it."""
    from labstats.report import build_report

    nbdir = _notebooks(tmp_path / "nb", {
        "01_sets": ["import os, sys, random\nimport numpy as np\n"
                    "os.environ['LABSTATS_DATA'] = 'synthetic'\n"
                    "os.environ['LABSTATS_AUDIT_LEFT'] = '1'\n"
                    "np.seterr(all='raise')\nsys.path.insert(0, '/nowhere')\n"
                    "np.random.seed(0)\nrandom.seed(0)"],
        "02_fresh": ["import os, sys, random\nimport numpy as np\nimport labstats\n"
                     "assert os.environ['LABSTATS_DATA'] == 'nhanes', os.environ['LABSTATS_DATA']\n"
                     "assert 'LABSTATS_AUDIT_LEFT' not in os.environ\n"
                     "assert np.geterr()['divide'] == 'warn', np.geterr()\n"
                     "assert '/nowhere' not in sys.path\n"
                     "assert labstats.load_cohort().attrs['data'] == 'nhanes'\n"
                     "assert np.random.rand() != np.random.RandomState(0).rand()\n"
                     "assert random.random() != random.Random(0).random()"]})
    runs = build_report(tmp_path / "report", notebooks=nbdir, progress=False, jobs=1)
    assert [r.error for r in runs] == [None, None]


def test_the_data_column_of_a_failed_notebook_does_not_claim_published_examples(tmp_path):
    """The index's "data used" of a notebook that failed: "none read before it failed" when
    it read none, "not known" when its kernel died before it could be asked; "no cohort
    (published examples only)" is kept for a notebook that ran. Before, all three said
    "published examples only", even of a notebook that read a cohort and then killed its
    kernel."""
    from labstats.report import build_report

    nbdir = _notebooks(tmp_path / "nb", {
        "01_reads_then_dies": ["import labstats, os\nlabstats.load_cohort('synthetic', n=50)",
                               "os._exit(1)"],
        "02_fails_first": ["assert 1 == 2", "import labstats\nlabstats.load_cohort()"],
        "03_examples": ["x = 1"]})
    build_report(tmp_path / "report", notebooks=nbdir, progress=False, jobs=1)
    rows = (tmp_path / "report" / "index.html").read_text(encoding="utf-8").split("<tr>")[2:]
    data = [re.search(r'<td class="data">(.*?)</td>', row)[1] for row in rows]
    assert data == [
        '<span class="none">not known (its kernel had stopped or did not answer when asked)</span>',
        '<span class="none">none read before it failed</span>',
        '<span class="none">no cohort (published examples only)</span>']


def test_a_notebook_that_cannot_be_read_fails_alone_and_says_why(tmp_path, capsys):
    """A notebook saved in Latin-1 (not UTF-8) fails on its own, named, with the byte and
    the fix; the others run and the report is written (exit status 1). Before, the whole
    run ended with "labstats: error: 'utf-8' codec can't decode byte 0xe9 in position 13"
    naming no notebook, and no report."""
    nbdir = _notebooks(tmp_path / "nb", {"02_fine": ["x = 1"]})
    (nbdir / "01_latin1.py").write_bytes(b'# %%\nx = "caf\xe9"\n')
    out = tmp_path / "report"
    assert main(["report", "--out", str(out), "--notebooks", str(nbdir), "--no-progress",
                 "--jobs", "1"]) == 1
    assert capsys.readouterr().err == (
        "labstats: error: notebook 01_latin1.py failed: UnicodeDecodeError: 01_latin1.py is "
        "not UTF-8 text (byte 0xe9 at offset 13); save it as UTF-8\n")
    assert sorted(p.name for p in out.iterdir()) == ["02_fine.html", "02_fine.ipynb",
                                                     "index.html"]
    assert (out / "index.html").read_text(encoding="utf-8").count('class="fail"') == 1


def test_ipynb_notebooks_run_too_and_a_jupytext_pair_runs_once(tmp_path):
    """A folder of 01_a.py with its jupytext pair 01_a.ipynb, and 02_b.ipynb alone (outputs
    of an earlier run saved in it): 01_a runs once, from its .py, and 02_b runs with none of
    its old outputs on its page. Before, 02_b.ipynb was left out of the report in silence
    (only NN_*.py were looked for); the index listed 01_a alone."""
    import nbformat

    from labstats.report import build_report, find_notebooks

    nbdir = _notebooks(tmp_path / "nb", {"01_a": ["x = 1"]})
    (nbdir / "01_a.ipynb").write_text("not read: the .py of the pair is")
    old = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("assert 1 == 2", outputs=[nbformat.v4.new_output(
            "stream", text="STALE OUTPUT OF AN EARLIER RUN")]),
        nbformat.v4.new_code_cell("y = 2", outputs=[nbformat.v4.new_output(
            "stream", text="STALE TOO")])])
    nbformat.write(old, nbdir / "02_b.ipynb")
    assert [p.name for p in find_notebooks(nbdir)] == ["01_a.py", "02_b.ipynb"]
    runs = build_report(tmp_path / "report", notebooks=nbdir, progress=False, jobs=1)
    assert [r.ok for r in runs] == [True, False] and "AssertionError" in runs[1].error
    page = (tmp_path / "report" / "02_b.html").read_text(encoding="utf-8")
    assert "STALE" not in page and "AssertionError" in page


def test_build_report_runs_from_a_jupyter_notebook_and_its_interrupt_stops_it(tmp_path):
    """build_report called where an event loop runs (a cell of a Jupyter notebook: ipykernel
    runs one) writes the report; interrupting that kernel (Ctrl-C in the notebook: a
    KeyboardInterrupt while the report runs) stops the report, its kernels shut down, no
    report written. Before: "RuntimeError: asyncio.run() cannot be called from a running
    event loop", no report."""
    import threading

    from labstats.report import build_report

    async def in_a_notebook(out, nbdir):  # (a cell runs inside the kernel's event loop)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # (as ipykernel's, in a cell)
        return build_report(out, notebooks=nbdir, progress=False, jobs=1)

    nbdir = _notebooks(tmp_path / "nb", {"01_a": ["x = 1"]})
    runs = asyncio.run(in_a_notebook(tmp_path / "report", nbdir))
    assert [r.ok for r in runs] == [True] and (tmp_path / "report" / "01_a.html").is_file()

    slow, marks = _slow_notebooks(tmp_path / "slow", 1)

    def interrupt():  # as Jupyter's "interrupt the kernel" does, once the notebook runs
        while not (marks[0].is_file() and marks[0].read_text().endswith("\n")):
            time.sleep(0.1)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(in_a_notebook(tmp_path / "stopped", slow))
    (pid, sockets), = _wait_for(None, marks)
    assert not (tmp_path / "stopped").exists() and not sockets.exists()
    assert _gone(pid), f"kernel {pid} still running"


def test_formulas_are_drawn_by_mathtext_whatever_the_matplotlibrc():
    """A matplotlibrc with text.usetex: True (and no LaTeX installed, as here): the formulas
    of a page are still drawn, by mathtext. Before, RuntimeError "Failed to process string
    with tex because latex could not be found", and the notebook's page was not written."""
    import matplotlib

    from labstats._report_html import tex_html

    tex_html.cache_clear()
    with matplotlib.rc_context({"text.usetex": True}):
        drawn = tex_html(r"\sqrt{x^2}")
    assert drawn.startswith('<img class="labstats-math" src="data:image/svg+xml;base64,')
