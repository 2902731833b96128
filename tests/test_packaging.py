"""The set-up contract: README's two commands, CI runs the test command, deps in step."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _spec(req: str) -> str:
    return re.sub(r"\s+", "", req.strip().lower().replace("_", "-"))


def test_environment_yml_declares_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_side = {_spec(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    conda_side = set()
    env = (ROOT / "environment.yml").read_text().split("dependencies:", 1)[1]
    for line in env.splitlines():
        m = re.match(r"^\s{2}- ([A-Za-z0-9_.\-]+.*)$", line)
        if m and not m.group(1).startswith(("python", "pip")):
            conda_side.add(_spec(m.group(1)))
    assert pip_side == conda_side, (
        f"only in pyproject: {sorted(pip_side - conda_side)}; "
        f"only in environment.yml: {sorted(conda_side - pip_side)}")
    py = re.search(r"- python>=([\d.]+)", (ROOT / "environment.yml").read_text()).group(1)
    assert project["requires-python"] == f">={py}"


def test_readme_starts_with_the_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    commands = [ln.split("#")[0].strip() for ln in block.splitlines() if ln.strip()]
    assert commands == ["make demo", "make test"]


def test_ci_runs_exactly_the_readme_test_command():
    lines = [ln.strip() for ln in (ROOT / ".ci/run").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert lines[-1] == "make test"


def test_makefile_test_target_lints_and_runs_pytest():
    mk = (ROOT / "Makefile").read_text()
    assert re.search(r"^test: lint", mk, re.M)
    assert "ruff check" in mk and "-m pytest" in mk
