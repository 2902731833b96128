"""``pip install labstats`` from a built wheel works without the repository (issue 15).

Builds the wheel from a copy of what a source distribution holds (pyproject.toml, README,
LICENSE, src/), offline (``--no-build-isolation``: setuptools and wheel are test
dependencies), installs it with ``--no-deps`` into a fresh venv made from the running
interpreter, whose dependencies are those of this environment (the running venv's
site-packages is appended to the new one's path by a ``.pth`` file, as plain directories:
labstats' own editable install there is not activated; their Jupyter data files through
``JUPYTER_PATH``; nothing is downloaded), and from a folder outside the repository runs
``labstats --version``, ``labstats demo``, ``python -m labstats`` and ``labstats report``
on notebook 01. That the installed package, not the checkout, is used is asserted.

The notebooks are not in the wheel, by decision: they are the repository's executed
documents (notebooks 02, 04 and 05 compare with R outputs kept in tests/reference, which
is not package data) and are published executed in the documentation; the wheel is the
library and the command line, and ``labstats report --notebooks DIR`` runs any folder of
notebooks with it, as this test does with notebook 01 (which needs no repository file).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import labstats
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def _run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    project = tmp / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "src", project / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    dist = tmp / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--no-index", "-w", str(dist), str(project)])
    wheels = list(dist.glob("labstats-*.whl"))
    assert len(wheels) == 1, wheels
    env_dir = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)])
    py = env_dir / "bin" / "python"
    purelib = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
                   ).stdout.strip()
    here = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
                          *(p for p in sys.path if p.endswith("site-packages"))])
    (Path(purelib) / "_running_env.pth").write_text(
        "".join(f"{p}\n" for p in here if p and Path(p).is_dir()))
    _run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "--force-reinstall",
          "--ignore-installed", str(wheels[0])])
    work = tmp / "elsewhere"  # no repository here
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env.update(MPLBACKEND="Agg", PATH=f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}",
               # data files of the dependencies (nbconvert's templates) are in the running
               # environment's share/jupyter, where a real install would put them in the venv
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"))
    return {"wheel": wheels[0], "py": py, "bin": env_dir / "bin", "cwd": work, "env": env}


def test_the_wheel_holds_the_package_data_and_no_tests(venv):
    names = zipfile.ZipFile(venv["wheel"]).namelist()
    for needed in ("labstats/__init__.py", "labstats/py.typed", "labstats/datasets/nhanes_extract.parquet",
                   "labstats/datasets/nhanes_counts.csv", "labstats/datasets/registry.csv",
                   "labstats/datasets/cohort_calibration.json"):
        assert needed in names, needed
    assert not [n for n in names if n.startswith(("tests/", "notebooks/", "docs/"))]
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "labstats = labstats.cli:main" in zipfile.ZipFile(venv["wheel"]).read(entry).decode()


def test_the_installed_package_is_used_not_the_checkout(venv):
    out = _run([str(venv["py"]), "-c", "import labstats; print(labstats.__file__)"],
               cwd=venv["cwd"], env=venv["env"]).stdout.strip()
    assert out.startswith(str(venv["bin"].parent)) and not out.startswith(str(ROOT / "src"))


def test_labstats_version_and_demo_from_the_wheel(venv):
    labstats_cmd = str(venv["bin"] / "labstats")
    out = _run([labstats_cmd, "--version"], cwd=venv["cwd"], env=venv["env"]).stdout
    assert labstats.__version__ in out
    _run([labstats_cmd, "demo", "--out", "demo"], cwd=venv["cwd"], env=venv["env"])
    csv = venv["cwd"] / "demo" / "free_testosterone_demo.csv"
    assert csv.is_file() and len(csv.read_text().splitlines()) > 2
    out = _run([str(venv["py"]), "-m", "labstats", "--version"], cwd=venv["cwd"], env=venv["env"])
    assert labstats.__version__ in out.stdout


def test_a_notebook_runs_on_the_installed_package(venv):
    nbs = venv["cwd"] / "my-notebooks"
    nbs.mkdir()
    shutil.copy(ROOT / "notebooks" / "01_free_testosterone_worked_examples.py", nbs)
    # and the kernel imports the installed labstats, in the new venv
    (nbs / "02_where.py").write_text(
        "# %%\nimport sys\nimport labstats\n"
        f"assert sys.prefix == {str(venv['bin'].parent)!r}, sys.prefix\n"
        "assert labstats.__file__.startswith(sys.prefix), labstats.__file__\n")
    _run([str(venv["bin"] / "labstats"), "report", "--notebooks", str(nbs), "--out", "report",
          "--no-progress"], cwd=venv["cwd"], env=venv["env"])
    index = (venv["cwd"] / "report" / "index.html").read_text()
    assert index.count("ran, all assertions held") == 2, index
    assert (venv["cwd"] / "report" / "01_free_testosterone_worked_examples.ipynb").is_file()
