"""The report's Jupyter kernels (``labstats.report``): one kernel per worker, warmed up
once with the scientific stack and a small module (``_KERNEL_MODULE``: warnings published as
structured outputs, ``load_cohort`` cached per kernel, the data each notebook read), reset
between notebooks, and the execution of one notebook on it (``_execute``)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from pathlib import Path

from labstats._report_html import ERROR_CHARS

#: ANSI escape sequences (colours of IPython tracebacks): never shown in a page.
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
#: MIME type of a warning published by the kernel (see _WARMUP), turned into a note.
WARNING_MIME = "application/vnd.labstats.warning+json"


# --------------------------------------------------------------------------- kernels
# Runs once in each kernel, as a module (its functions keep their globals through %reset).
_KERNEL_MODULE = """
import functools, inspect, os, random, sys, warnings
import numpy, pandas, scipy.stats, matplotlib, matplotlib.pyplot, seaborn
import labstats, labstats.stats, labstats.formulas, labstats.datasets, labstats.plotting
from IPython import get_ipython
from IPython.display import publish_display_data

# load the (inline) backend now: it sets interactive mode and its rc before the snapshot
matplotlib.pyplot.switch_backend(matplotlib.rcParams["backend"])


def showwarning(message, category, filename, lineno, file=None, line=None):
    # a structured output that the report turns into a note (never raw stderr)
    publish_display_data({
        "text/plain": warnings.formatwarning(message, category, filename, lineno, line),
        MIME: {"message": str(message), "category": category.__name__,
               "filename": str(filename), "lineno": lineno}})


warnings.showwarning = showwarning
_load_cohort = labstats.datasets.load_cohort
_loaded = {}
USED = []  # descriptions of the cohorts the current notebook read


@functools.wraps(_load_cohort)
def load_cohort(data=None, **kwargs):
    # each cohort is read once per kernel; every call gets its own deep copy
    key = (data or labstats.datasets.load.default_data(), tuple(sorted(kwargs.items())))
    try:
        hash(key)
    except TypeError:
        frame = _load_cohort(data, **kwargs)
        USED.append(frame.attrs.get("description"))
        return frame
    if key not in _loaded:
        _loaded[key] = _load_cohort(data, **kwargs)
    USED.append(_loaded[key].attrs.get("description"))
    return _loaded[key].copy(deep=True)


labstats.load_cohort = labstats.datasets.load_cohort = load_cohort
_load_nhanes = labstats.datasets.load_nhanes


@functools.wraps(_load_nhanes)
def load_nhanes(*args, **kwargs):
    # not cached (it is fast, and its pooling warnings belong to every notebook): recorded
    frame = _load_nhanes(*args, **kwargs)
    USED.append(frame.attrs.get("description"))
    return frame


labstats.load_nhanes = labstats.datasets.load_nhanes = load_nhanes
_make_lab_results = labstats.datasets.make_lab_results
_read_lab_results = labstats.datasets.read_lab_results


@functools.wraps(_make_lab_results)
def make_lab_results(*args, **kwargs):
    call = inspect.signature(_make_lab_results).bind(*args, **kwargs)
    call.apply_defaults()
    frame = _make_lab_results(*args, **kwargs)
    USED.append(f"synthetic laboratory export (make_lab_results("
                f"{call.arguments['n_patients']}, seed={call.arguments['seed']}))")
    return frame


@functools.wraps(_read_lab_results)
def read_lab_results(source, *args, **kwargs):
    # a file or folder is recorded; a frame was made in the notebook (recorded there, if at all)
    if isinstance(source, (str, os.PathLike)):
        USED.append(f"laboratory export {os.fspath(source)}")
    return _read_lab_results(source, *args, **kwargs)


labstats.make_lab_results = labstats.datasets.make_lab_results = make_lab_results
labstats.read_lab_results = labstats.datasets.read_lab_results = read_lab_results
RC = {k: v for k, v in matplotlib.rcParams.items() if k not in ("backend", "interactive")}
FILTERS = list(warnings.filters)
PRINTOPTIONS = numpy.get_printoptions()
ERRORS = numpy.geterr()
ENVIRON = dict(os.environ)  # (LABSTATS_DATA: the data the report runs on)
PATH = list(sys.path)


def reset(cwd):
    # the state a notebook may change, back to what a fresh kernel has; then %reset
    matplotlib.pyplot.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(RC)
        pandas.reset_option("all")
    warnings.filters[:] = FILTERS
    warnings.showwarning = showwarning
    getattr(warnings, "_filters_mutated", lambda: None)()
    numpy.set_printoptions(**PRINTOPTIONS)
    numpy.seterr(**ERRORS)
    if os.environ != ENVIRON:
        os.environ.clear()
        os.environ.update(ENVIRON)
    sys.path[:] = PATH
    numpy.random.seed()  # (from the system's entropy, as in a new kernel)
    random.seed()
    USED.clear()
    os.chdir(cwd)
    shell = get_ipython()
    shell.execution_count = 1
    shell.run_line_magic("reset", "-f")
"""

_WARMUP = """
import sys as _sys, types as _types
_m = _types.ModuleType("_labstats_report_kernel")
_m.MIME = %(mime)r
_sys.modules[_m.__name__] = _m
exec(compile(%(module)r, "<labstats report kernel>", "exec"), _m.__dict__)
get_ipython().run_line_magic("reset", "-f")
"""

_RESET = '__import__("sys").modules["_labstats_report_kernel"].reset(%(cwd)r)\n'
_USED = 'print(__import__("json").dumps(__import__("sys").modules["_labstats_report_kernel"].USED))'


class _Kernel:
    """One Jupyter kernel, warmed up once, reused for several notebooks."""

    def __init__(self, env: dict, cwd: Path, startup_timeout: float = 120):
        self.env, self.cwd, self.startup_timeout = env, cwd, startup_timeout
        self.km = self.kc = self.ipc_dir = None

    async def start(self) -> None:
        from jupyter_client.manager import AsyncKernelManager

        self.km = AsyncKernelManager(kernel_name="python3")
        if os.name == "posix":  # IPC sockets, not TCP: no "running over TCP without encryption"
            import tempfile

            self.ipc_dir = tempfile.mkdtemp(prefix="labstats-kernel-")
            self.km.transport, self.km.ip = "ipc", os.path.join(self.ipc_dir, "k")
        # no history database: execution counts restart at 1 for every notebook
        await self.km.start_kernel(env=self.env, cwd=str(self.cwd),
                                   extra_arguments=["--HistoryManager.enabled=False"])
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=self.startup_timeout)
        self.kc.allow_stdin = False
        await self.run(_WARMUP % {"mime": WARNING_MIME, "module": _KERNEL_MODULE})

    async def run(self, code: str) -> str:
        """Run ``code`` quietly and return what it printed; RuntimeError with the kernel's
        error if it fails."""
        errors, printed = [], []

        def hook(msg):
            if msg["msg_type"] == "error":
                c = msg["content"]
                errors.append(ANSI.sub("", f"{c['ename']}: {c['evalue']}"))
            elif msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                printed.append(msg["content"]["text"])

        reply = await self.kc.execute_interactive(code, store_history=False, output_hook=hook,
                                                  timeout=self.startup_timeout)
        if reply["content"]["status"] != "ok":
            raise RuntimeError("the report's kernel set-up failed: "
                               + (errors[-1] if errors else str(reply["content"])))
        return "".join(printed)

    async def alive(self) -> bool:
        return self.km is not None and await self.km.is_alive()

    async def shutdown(self) -> None:
        try:
            if self.kc is not None:
                self.kc.stop_channels()
            if self.km is not None and self.km.has_kernel:
                await self.km.shutdown_kernel(now=True)
        finally:  # (a second Ctrl-C stops the shutdown: the kernel ends as its parent does)
            if self.ipc_dir is not None:
                shutil.rmtree(self.ipc_dir, ignore_errors=True)


def _client_class():
    import nbclient

    class _Client(nbclient.NotebookClient):
        """nbclient on a kernel that ``_Kernel`` started and shuts down, without
        nbclient's own Ctrl-C handler (it interrupts the kernel and lets the run go on, the
        notebook failed with KeyboardInterrupt, and then restores Python's default handler):
        Ctrl-C stays with ``asyncio.run``, which stops the whole report."""

        @contextlib.asynccontextmanager
        async def async_setup_kernel(self, **kwargs):
            yield

    return _Client


async def _execute(kernel: _Kernel, path: Path, timeout: int):
    """Execute notebook ``path`` on ``kernel``: (notebook, seconds, error or None, whether
    the kernel must be replaced: it timed out, so it may still be busy, or it died, the
    descriptions of the cohorts it read, None if the kernel could not be asked)."""
    import jupytext
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    try:
        nb = jupytext.read(path)
    except UnicodeDecodeError as exc:  # (no page: the index says why)
        return None, 0.0, (f"UnicodeDecodeError: {path.name} is not UTF-8 text (byte "
                           f"{exc.object[exc.start]:#04x} at offset {exc.start}); save it as "
                           f"UTF-8"), False, []
    except Exception as exc:
        why = f"{type(exc).__name__}: {path.name} could not be read: {exc}"[:ERROR_CHARS]
        return None, 0.0, why, False, []
    for cell in nb.cells:  # (an .ipynb's outputs of an earlier run: never on its page)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    t = time.perf_counter()
    error, fatal = None, False
    try:
        await kernel.run(_RESET % {"cwd": str(path.parent)})
        client = _client_class()(nb, km=kernel.km, timeout=timeout, kernel_name="python3",
                                 resources={"metadata": {"path": str(path.parent)}})
        client.kc = kernel.kc
        await client.async_execute()
    except Exception as exc:  # a failing cell: keep what ran, report the error
        error = _error_text(nb, exc, timeout)
        fatal = isinstance(exc, (CellTimeoutError, DeadKernelError))
    seconds, used = time.perf_counter() - t, None
    if not fatal:
        try:
            used = json.loads(await kernel.run(_USED))
        except (RuntimeError, ValueError, TimeoutError):  # the page still says what failed
            used = None
    return nb, seconds, error, fatal, used


def _error_text(nb, exc: Exception, timeout: int | None = None) -> str:
    """``Name: message (cell [n])`` of the failing cell; for a cell that timed out or whose
    kernel died (no error output), what happened and in which cell; else the exception's
    last line."""
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                where = cell.get("execution_count") or i
                why = ANSI.sub("", f"{o['ename']}: {o['evalue']}")[:ERROR_CHARS]
                return f"{why} (cell [{where}])"
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    name, cell = type(exc).__name__, _running_cell(nb)
    where = f"cell [{cell}]" if cell else "a cell"
    if isinstance(exc, CellTimeoutError):
        return (f"{name}: {where} ran longer than {timeout} s, the time allowed to a cell "
                f"(its kernel was stopped)")
    if isinstance(exc, DeadKernelError):
        return (f"{name}: the kernel died while running {where} (the process ended: "
                f"os._exit, a crash or out of memory)")
    lines = ANSI.sub("", str(exc)).strip().splitlines() or [name]
    return f"{name}: {lines[-1][:ERROR_CHARS]}"


def _running_cell(nb) -> int | None:
    """The execution count the first code cell without a reply would have had: the one
    running as the notebook stopped (nbclient records the time of each cell's reply)."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "shell.execute_reply" not in cell.get("metadata", {}).get("execution", {}):
            return count + 1
        count = cell.get("execution_count") or count
    return None
