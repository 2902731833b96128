"""The report's kernels talk over IPC sockets on POSIX, so ipykernel (>= 7.3) does not print
"Kernel is running over TCP without encryption" into ``make demo``/``labstats report``
output (issue 15). Not hidden: stderr is captured whole and must not contain it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="IPC sockets need POSIX")


def test_report_kernels_print_no_transport_warning(tmp_path):
    nb = tmp_path / "nbs"
    nb.mkdir()
    (nb / "01_one.py").write_text("# %% [markdown]\n# # One\n\n# %%\nx = 1 + 1\nassert x == 2\n")
    tmp = tmp_path / "tmp"  # the kernels' socket folders go here, and must be gone after
    tmp.mkdir()
    proc = subprocess.run([sys.executable, "-m", "labstats", "report", "--notebooks", str(nb),
                           "--out", str(tmp_path / "out")], env={**os.environ, "TMPDIR": str(tmp)},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "without encryption" not in proc.stderr + proc.stdout
    assert (tmp_path / "out" / "01_one.ipynb").is_file()  # the executed notebook is kept
    assert not [p.name for p in tmp.iterdir() if p.name.startswith("labstats-kernel-")]
