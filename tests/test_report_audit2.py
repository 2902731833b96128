"""Audit of ``labstats report`` as a program and as files a person opens: Ctrl-C, offline
pages, links, options. Small notebook folders made in each test (the full report runs in
tests/test_report.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_report import _notebooks


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
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.2)
    return [(int(m.read_text().split()[0]), Path(m.read_text().split()[1]).parent)
            for m in marks]


def _slow_notebooks(tmp_path, n):
    """``n`` notebooks that write (pid, socket path) of their kernel to a file and sleep."""
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


@pytest.mark.parametrize("signum, said", [
    (signal.SIGINT, "interrupted"), (signal.SIGTERM, "stopped (SIGTERM)")])
def test_ctrl_c_and_sigterm_stop_the_report_at_once_and_leave_nothing(signum, said, tmp_path):
    """Ctrl-C (SIGINT) or SIGTERM (kill, a CI's or `timeout`'s limit) while two notebooks
    run (--jobs 2) stops the whole report: exit status 128 + the signal, a message, no
    report written (nor half a one, nor a working folder .report-* beside it), each kernel
    shut down and its socket folder removed.

    Before, on Ctrl-C nbclient's own handler interrupted the kernel only: the notebook
    "failed" with KeyboardInterrupt, the run went on to the next notebooks and wrote a
    report (exit status 1); on SIGTERM Python's default action ended the process at once,
    leaving the hidden working folder with half a report next to --out and the kernels'
    socket folders."""
    nbdir, marks = _slow_notebooks(tmp_path, 3)
    out = tmp_path / "report"
    proc = _start_report(tmp_path, nbdir, out, jobs=2)
    try:
        kernels = _wait_for(proc, marks[:2])
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
