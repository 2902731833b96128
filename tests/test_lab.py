"""``make lab`` (issue 15): JupyterLab serves every ``notebooks/*.py`` as a notebook, and
double-clicking one opens the notebook view.

Starts the server exactly as scripts/lab.py (what ``make lab`` runs) does, on 127.0.0.1, a
free port and a random token, asks its contents API for each notebook and its settings API
for the default viewer of Python files, then stops it. Bounded: 60 s to start, 20 s to stop.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import lab

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    cmd = lab.command(["--no-browser", "--ServerApp.ip=127.0.0.1", f"--port={port}",
                       "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def get(path: str) -> dict:
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                     headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=20) as r:
            return json.load(r)

    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited ({proc.returncode}):\n{proc.stdout.read()[-3000:]}")
            try:
                get("/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("jupyter lab did not answer within 60 s")
                time.sleep(0.25)
        yield get
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def test_every_notebook_is_served_as_a_notebook(server):
    names = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    assert names
    for name in names:
        model = server(f"/api/contents/{name}")
        assert model["type"] == "notebook", name
        cells = model["content"]["cells"]
        assert cells[0]["cell_type"] == "markdown" and any(c["cell_type"] == "code" for c in cells)
        # paired with an .ipynb by the notebook's own jupytext header
        assert "ipynb" in model["content"]["metadata"]["jupytext"]["formats"]


def test_a_double_click_opens_python_files_as_notebooks(server):
    plugin = server("/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
    viewers = plugin["schema"]["properties"]["defaultViewers"]["default"]
    assert viewers.get("python") == "Jupytext Notebook"
