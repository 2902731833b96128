"""Audit of ``labstats report`` as a program and as files a person opens: Ctrl-C, offline
pages, links, options. Small notebook folders made in each test (the full report runs in
tests/test_report.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.conftest import ROOT
from tests.test_report import _notebooks


def test_ctrl_c_stops_the_report_at_once_and_leaves_nothing_running(tmp_path):
    """Ctrl-C (SIGINT) while a notebook runs stops the whole report: exit status 130, no report
    written (nor half a one, nor a working folder), the kernel gone. Before, nbclient's own
    handler interrupted the kernel only: the notebook "failed" with KeyboardInterrupt, the run
    went on to the next notebooks and wrote a report (exit status 1)."""
    mark = tmp_path / "kernel.pid"
    nbdir = _notebooks(tmp_path / "nb", {
        "01_slow": ["import os, pathlib, time\n"
                    f"pathlib.Path({str(mark)!r}).write_text(str(os.getpid()))\n"
                    "time.sleep(60)"],
        "02_next": ["x = 1"]})
    out = tmp_path / "report"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"),
                                                          os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "labstats", "report", "--out", str(out), "--notebooks",
         str(nbdir), "--no-progress", "--jobs", "1"], env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # as a terminal's Ctrl-C finds it (a background job of a shell may ignore SIGINT)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while not (mark.is_file() and mark.read_text()):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.2)
        kernel = int(mark.read_text())
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted: no report written" in err and "Traceback" not in err, err
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".report-")]
    for _ in range(50):  # the kernel was shut down (not left running its 60 s sleep)
        try:
            os.kill(kernel, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"kernel {kernel} still running after Ctrl-C")
