"""``make lab``: JupyterLab from the project's environment, on notebooks/.

The notebooks are jupytext percent-format ``.py`` files (paired with ``.ipynb`` by their
own header and by jupytext.toml). Jupytext's server extension (installed with jupytext)
serves them to JupyterLab as notebooks, and jupyter/lab-settings/overrides.json makes
"Jupytext Notebook" the default viewer of Python files, so a double click opens them as
notebooks (right click, Open With, Editor still opens the text). The settings are passed
with ``--LabApp.app_settings_dir``: nothing is written to the user's own Jupyter settings.

Extra arguments go to ``jupyter lab`` (e.g. ``make lab ARGS=--no-browser``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def command(extra: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "jupyterlab",
           f"--ServerApp.root_dir={ROOT / 'notebooks'}",
           f"--LabApp.app_settings_dir={ROOT / 'jupyter' / 'lab-settings'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI run as root
        cmd.append("--allow-root")
    return cmd + extra


if __name__ == "__main__":
    cmd = command(sys.argv[1:])
    os.execv(cmd[0], cmd)
