"""The main job: execute the notebooks and write an HTML report a person can open.

``build_report(out)`` runs every ``notebooks/NN_*.py`` (jupytext percent format; or
``NN_*.ipynb``) top to bottom with nbclient, renders each to a standalone HTML page
(nbconvert; whole without a network, its TeX drawn as SVG: ``labstats._report_html``),
saves every figure as PNG under ``figures/``, and writes ``index.html`` linking them with
the run status of each notebook and the data it read. A notebook that fails is reported
on the index page, in red, with its error, and makes the run fail: a report never hides
an error.
The data (``--data``: real NHANES shipped with labstats by default, the synthetic cohort,
or a folder of CDC files) are chosen and checked in ``labstats._report_data``.

Speed: the notebooks run ``jobs`` at a time (default 2), each worker on one Jupyter kernel
that imports the scientific stack once (a warm-up) and is reset between notebooks
(``%reset -f``; matplotlib, warnings, pandas and numpy print options, numpy's error
handling, environment variables, ``sys.path``, the working folder restored; random seeds
drawn anew; execution count back to 1), so that each notebook still starts as in a new
kernel. Within a kernel ``labstats.load_cohort`` reads each cohort once and gives every
call its own deep copy. A kernel that died or timed out is replaced by a fresh one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import html
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from labstats._report_data import check_data, data_label, resolve_data
from labstats._report_html import ERROR_CHARS, INDEX_PAGE, INDEX_TITLE, index_row
from labstats._report_kernel import ANSI, WARNING_MIME, _execute, _Kernel

__all__ = ["NotebookRun", "build_report", "check_data", "find_notebooks"]

_CELL_FILE = re.compile(r"ipykernel_\d+[/\\]\d+\.py$")


@dataclass
class NotebookRun:
    """What happened to one notebook."""

    path: Path
    html: Path | None = None
    seconds: float = 0.0
    error: str | None = None
    figures: list[Path] = field(default_factory=list)
    #: warnings raised while it ran: dicts with category, message, cell, where
    warnings: list[dict] = field(default_factory=list)
    #: the cohorts it read with load_cohort (their attrs["description"]), in order; None
    #: if not known (its kernel stopped before it could be asked, or did not answer)
    data: list[str] | None = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


class Stopped(KeyboardInterrupt):
    """The run was stopped by signal ``signum`` (SIGTERM, SIGHUP) as by Ctrl-C: its kernels
    shut down, its working folder removed, no report written."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _Signals:
    """SIGTERM and SIGHUP (kill, a CI's or ``timeout``'s limit, a closed terminal) end the
    run as Ctrl-C does, by ``Stopped``: while the notebooks run, the run's task is
    cancelled (``attach``), so that its kernels shut down; else it is raised at once. Their
    default action ends the process, leaving the working folder and the kernels' sockets.
    A handler set by the caller (``nohup``'s SIG_IGN, an application's) is kept; in a
    thread, nothing is done."""

    def __init__(self):
        self.signum, self.task, self.previous, self.cancelled = None, None, {}, False

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
                if s is not None and signal.getsignal(s) == signal.SIG_DFL:
                    self.previous[s] = signal.signal(s, self._received)
        return self

    def __exit__(self, *exc):
        for s, previous in self.previous.items():
            signal.signal(s, previous)

    def _received(self, signum, frame):
        self.signum = signum
        if self.task is None:
            raise Stopped(signum)
        self.cancel()

    def cancel(self):
        """Cancel the run's task, from any thread: now, or as it starts (``attach``)."""
        self.cancelled, task = True, self.task
        if task is not None:  # (between two steps of its loop, as asyncio.run's Ctrl-C)
            task.get_loop().call_soon_threadsafe(task.cancel)

    @contextlib.contextmanager
    def attach(self, task):
        self.task = task
        if self.cancelled:
            task.cancel()
        try:
            yield
        finally:
            self.task = None

    def check(self):
        if self.signum is not None:
            raise Stopped(self.signum)


def find_notebooks(directory: str | os.PathLike | None = None) -> list[Path]:
    """``NN_*.py`` notebooks in ``directory`` (default: ./notebooks, else the repository's),
    and ``NN_*.ipynb`` ones without a ``.py`` of the same name (a jupytext pair runs once,
    from its ``.py``), in the order of their names."""
    candidates = [Path(directory)] if directory else [
        Path.cwd() / "notebooks", Path(__file__).resolve().parents[2] / "notebooks"]
    if directory and not candidates[0].is_dir():
        what = "a file, not a folder" if candidates[0].exists() else "no such folder"
        raise FileNotFoundError(f"{directory}: {what}; pass --notebooks DIR, the folder "
                                f"holding the NN_*.py (or .ipynb) notebooks")
    for d in candidates:
        found = {p.stem: p for p in d.glob("[0-9][0-9]_*.ipynb")}
        found.update({p.stem: p for p in d.glob("[0-9][0-9]_*.py")})
        if found:
            return [found[stem] for stem in sorted(found)]
    where = ", ".join(str(d) for d in candidates)
    raise FileNotFoundError(f"no notebooks (NN_*.py or NN_*.ipynb) found in {where}; pass "
                            f"--notebooks DIR")


def _title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


async def _run_all(paths, data, timeout, jobs, done, started=lambda i: None):
    """Run ``paths`` ``jobs`` at a time; ``started(i)`` as notebook i starts and
    ``await done(i, nb, seconds, error, used)`` as it ends (``used``: the cohorts it read)."""
    env = {**os.environ, "LABSTATS_DATA": data,
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}  # PNGs, no screen
    queue: asyncio.Queue = asyncio.Queue()
    for i, path in enumerate(paths):  # absolute: each kernel changes its directory
        queue.put_nowait((i, Path(path).resolve()))

    def interrupted() -> bool:
        # Ctrl-C cancels the run (asyncio.run); nbclient turns a cancelled cell into
        # DeadKernelError ("Kernel died"), which would else fail one notebook and go on
        return asyncio.current_task().cancelling() > 0

    async def worker():
        kernel = None
        try:
            while not queue.empty() and not interrupted():
                i, path = queue.get_nowait()
                started(i)
                if kernel is None or not await kernel.alive():
                    if kernel is not None:
                        await kernel.shutdown()
                    kernel = _Kernel(env, path.parent)
                    try:
                        await kernel.start()
                    except Exception as exc:  # no kernel, no page: the index says why
                        await kernel.shutdown()
                        kernel = None
                        why = f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
                        await done(i, None, 0.0, why, [])
                        continue
                nb, seconds, error, fatal, used = await _execute(kernel, path, timeout)
                if interrupted():
                    break
                if fatal:
                    await kernel.shutdown()
                    kernel = None
                await done(i, nb, seconds, error, used)
        finally:
            if kernel is not None:
                await kernel.shutdown()

    # a cancelled run (Ctrl-C, SIGTERM) raises CancelledError here once its workers' kernels
    # shut down, even if nbclient turned the cancellation into a failed cell
    await asyncio.gather(*(worker() for _ in range(max(1, min(jobs, len(paths))))))


# --------------------------------------------------------------------------- pages
def _tidy_outputs(nb, run: NotebookRun) -> None:
    """Warnings -> one note each (category, message, cell); ANSI codes out of every text."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        outputs = []
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if WARNING_MIME in data:
                w = data[WARNING_MIME]
                count = cell.get("execution_count") or i
                where = (f"line {w['lineno']}" if _CELL_FILE.search(w["filename"])
                         else f"{w['filename']}:{w['lineno']}")
                note = {"category": w["category"], "message": ANSI.sub("", w["message"]),
                        "cell": count, "where": where}
                run.warnings.append(note)
                o = {"output_type": "display_data", "metadata": {}, "data": {
                    "text/plain": f"{note['category']} (cell [{count}], {where}): "
                                  f"{note['message']}",
                    "text/html": _note_html(note)}}
            elif o.get("output_type") == "stream":
                o["text"] = ANSI.sub("", o["text"])
            elif o.get("output_type") == "error":
                o["traceback"] = [ANSI.sub("", t) for t in o.get("traceback", [])]
                o["evalue"] = ANSI.sub("", o.get("evalue", ""))
            outputs.append(o)
        cell["outputs"] = outputs
    if run.error:
        run.error = ANSI.sub("", run.error)


def _note_html(note: dict) -> str:
    # .9rem: 14.4 px at a browser's default 16 px root, about the page's text (the lab
    # template's 14 px), where the default 1rem would stand out above the cell's output
    return ('<div class="labstats-warning" style="border-left:4px solid #d4a017;'
            'background:#fff8e1;padding:.4rem .7rem;margin:.3rem 0;font-family:system-ui,'
            f'sans-serif;font-size:.9rem"><b>{html.escape(note["category"])}</b> '
            f'<span style="color:#666">(cell [{note["cell"]}], {html.escape(note["where"])})'
            f'</span>: {html.escape(note["message"])}</div>')


def _write_pages(nb, run: NotebookRun, out: Path) -> None:
    """The notebook's page, executed notebook and figures; if they cannot be written (an
    output nbconvert cannot render, a figure that is not PNG data), none of them and the
    notebook failed with the reason: the other notebooks' pages and the index still are."""
    if nb is None:  # the kernel never started: an index row, no page
        return
    try:
        _write_page_files(nb, run, out)
    except Exception as exc:
        for f in [out / f"{run.path.stem}.html", out / f"{run.path.stem}.ipynb", *run.figures]:
            f.unlink(missing_ok=True)
        run.html, run.figures = None, []
        why = ANSI.sub("", f"its page could not be written: {type(exc).__name__}: "
                           f"{exc}")[:ERROR_CHARS]
        run.error = f"{run.error}; {why}" if run.error else why


def _write_page_files(nb, run: NotebookRun, out: Path) -> None:
    import nbformat

    from labstats._report_html import exporter

    _tidy_outputs(nb, run)
    nb.metadata["title"] = _title(nb, run.path.stem)
    nb = nbformat.from_dict(nb)
    body, _ = exporter().from_notebook_node(nb)
    run.html = out / f"{run.path.stem}.html"
    run.html.write_text(body, encoding="utf-8")
    nbformat.write(nb, out / f"{run.path.stem}.ipynb")  # executed, for the documentation
    figdir = out / "figures"
    k = 0
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            png = o.get("data", {}).get("image/png") if hasattr(o, "get") else None
            if png:
                k, data = k + 1, base64.b64decode(png)
                figdir.mkdir(parents=True, exist_ok=True)
                fig = figdir / f"{run.path.stem}_{k:02d}.png"
                fig.write_bytes(data)
                run.figures.append(fig)


def build_report(out: str | os.PathLike = "report", *, data: str | os.PathLike | None = None,
                 notebooks: str | os.PathLike | None = None, timeout: int = 300,
                 progress: bool = True, jobs: int = 2) -> list[NotebookRun]:
    """Execute the notebooks and write ``out/index.html``, one HTML page per notebook and
    ``out/figures/*.png``.

    Parameters
    ----------
    out : path, default "report"
        Output folder (created). A folder that exists is replaced whole once the new
        report is complete (an interrupted run leaves it as it was); it must be empty or
        hold an earlier report, nothing else.
    data : {"nhanes", "synthetic"} or path, optional
        Passed to the notebooks as ``LABSTATS_DATA`` (``labstats.load_cohort``):
        ``"nhanes"``, real NHANES 2013-2016 from the extract shipped with labstats;
        ``"synthetic"``, the calibrated synthetic cohort; a path, a folder of CDC NHANES
        files (``labstats.fetch_nhanes``). Default ``LABSTATS_DATA`` if set, else
        ``"nhanes"``. Checked before any notebook starts (:func:`check_data`). The index
        page names, for each notebook, the cohorts it read.
    notebooks : path, optional
        Folder of ``NN_*.py`` notebooks, or ``NN_*.ipynb`` (default: ./notebooks;
        :func:`find_notebooks`).
    timeout : int, default 300
        Seconds allowed per cell.
    progress : bool, default True
        Show a progress bar naming the running notebooks.
    jobs : int, default 2
        Notebooks executed at the same time (one Jupyter kernel each).

    Returns
    -------
    list of NotebookRun
        In the order of the notebooks, as on the index page.

    Raises
    ------
    ValueError
        If ``data`` is neither "nhanes", "synthetic" nor an existing folder, ``jobs``
        < 1, or ``out`` is a file or a folder holding other files than an earlier report.
    FileNotFoundError
        If there are no notebooks, or the data cannot be loaded (with what to do).
    KeyboardInterrupt
        On Ctrl-C, SIGTERM or SIGHUP (``labstats.report.Stopped``, with the signal's
        number as ``signum``): the kernels shut down, ``out`` as it was.
    """
    data = resolve_data(data)
    from labstats._validate import as_count

    jobs = as_count(jobs, "jobs")
    start = time.perf_counter()
    paths = find_notebooks(notebooks)
    check_data(data)
    out = _report_folder(Path(out))
    with _Signals() as signals:
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
        try:
            runs = _build(paths, data, work, timeout, progress, jobs, start, signals)
            _replace_folder(work, out)
        finally:
            shutil.rmtree(work, ignore_errors=True)  # (gone once renamed into place)
    for r in runs:  # the files where they now are
        r.html = r.html and out / r.html.name
        r.figures = [out / "figures" / f.name for f in r.figures]
    return runs


#: The files a report is made of (``_write_pages``, ``index.html``), by their path in it.
_REPORT_FILE = re.compile(r"index\.html|\d\d_[^/]*\.(html|ipynb)|figures/\d\d_[^/]*\.png")


def _report_folder(out: Path) -> Path:
    """``out`` (absolute; its target if a link), after refusing a file and a folder holding anything
    else than a labstats report: the new report replaces the folder whole (no page or
    figure of an earlier run left behind), so it may not hold a user's files (the
    notebooks' folder, a folder of other pages)."""
    out = out.resolve()  # (a link's target; "." named, so that it can be replaced)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: a file, not a folder; choose a folder for the report")
    if out.is_dir():
        files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if not p.is_dir())
        other = [f for f in files if not _REPORT_FILE.fullmatch(f)]
        index = out / "index.html"
        if files and not other and INDEX_TITLE not in (index.read_text(
                encoding="utf-8", errors="replace") if index.is_file() else ""):
            other = ["index.html, not that of a labstats report" if index.is_file()
                     else "no index.html"]
        if other:
            raise ValueError(f"{out}: a folder holding files that are not a labstats report "
                             f"({', '.join(other[:3])}{', ...' if len(other) > 3 else ''}); "
                             f"the report replaces the folder's content: choose a new or "
                             f"empty folder, or that of an earlier report")
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def _replace_folder(new: Path, out: Path) -> None:
    """Rename folder ``new`` to ``out``, replacing ``out`` (an earlier report) whole; until
    then ``out`` is as it was (a failed or interrupted run leaves it)."""
    from labstats._outputs import umask

    os.chmod(new, 0o777 & ~umask())  # (mkdtemp's folder is private)
    if not out.exists():
        os.rename(new, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
    os.rename(out, old / "report")
    try:
        os.rename(new, out)
    except BaseException:
        os.rename(old / "report", out)  # (should this fail, the report stays in ``old``)
        os.rmdir(old)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _run(main, signals) -> None:
    """``asyncio.run(main())``; in a thread of its own if this thread runs an event loop
    (a Jupyter notebook's kernel, where asyncio.run refuses to run): Ctrl-C (an interrupt
    of that kernel) or another exception while waiting cancels the run and waits for its
    kernels to shut down."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    from concurrent.futures import ThreadPoolExecutor, wait

    with ThreadPoolExecutor(1, thread_name_prefix="labstats-report") as pool:
        future = pool.submit(asyncio.run, main())
        try:
            return future.result()
        except BaseException:
            if not future.done():
                signals.cancel()
                wait([future])
            raise


def _build(paths, data, out, timeout, progress, jobs, start, signals) -> list[NotebookRun]:
    """Run the notebooks and write their pages and the index into folder ``out``."""
    from tqdm.auto import tqdm

    import labstats

    runs = [NotebookRun(p) for p in paths]
    bar = tqdm(total=len(paths), unit="notebook", disable=not progress)
    pending: list = []
    running: list[int] = []

    def describe():  # the notebooks running now, by their number
        names = ", ".join(paths[k].stem.split("_")[0] for k in running)
        bar.set_description(f"running {names}" if names else "done")

    def started(i):
        running.append(i)
        describe()

    async def done(i, nb, seconds, error, used):
        runs[i].seconds, runs[i].error, runs[i].data = seconds, error, used
        running.remove(i)
        describe()
        bar.update()
        # render in a thread, so the other kernel's messages keep flowing
        pending.append(asyncio.ensure_future(asyncio.to_thread(_write_pages, nb, runs[i], out)))

    async def main():
        with signals.attach(asyncio.current_task()):
            await _run_all(paths, data, timeout, jobs, done, started)
            await asyncio.gather(*pending)

    try:
        _run(main, signals)
    except asyncio.CancelledError:
        signals.check()  # SIGTERM, SIGHUP cancelled the run
        raise  # a cancellation not ours (Ctrl-C is KeyboardInterrupt): never an index
    finally:
        bar.close()
    signals.check()  # (one received as the run ended)
    rows = "\n".join(index_row(r) for r in runs)
    when = datetime.datetime.now().astimezone().isoformat(timespec="seconds")  # with offset
    (out / "index.html").write_text(INDEX_PAGE.format(
        data=html.escape(data_label(data)), when=when,
        version=labstats.__version__, rows=rows, seconds=time.perf_counter() - start),
        encoding="utf-8")
    return runs
