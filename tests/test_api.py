"""The public API: light import, documented functions, one vocabulary."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest

import labstats
from labstats import formulas
from labstats.units import ARGUMENTS

HEAVY = ["seaborn", "statsmodels", "matplotlib", "jupyter_client", "jupyterlab", "IPython",
         "nbclient", "scipy", "pandas"]


def _modules_after(code: str) -> dict:
    probe = (
        "import sys, time, json\n"
        "t = time.perf_counter()\n"
        f"{code}\n"
        "dt = time.perf_counter() - t\n"
        "print(json.dumps({'seconds': dt, 'modules': sorted(sys.modules)}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_is_light_and_fast():
    res = _modules_after("import labstats")
    loaded = [m for m in HEAVY if m in res["modules"]]
    assert loaded == [], f"import labstats loaded {loaded}"
    assert res["seconds"] < 0.5


def test_formulas_on_numpy_input_load_no_plotting_or_stats_stack():
    res = _modules_after("import labstats; labstats.free_testosterone([10.0], [40.0])")
    loaded = [m for m in ["seaborn", "statsmodels", "matplotlib", "jupyter_client", "IPython"]
              if m in res["modules"]]
    assert loaded == []


def test_every_export_resolves_and_is_listed_in_dir():
    for name in labstats.__all__:
        assert getattr(labstats, name) is not None
    assert set(labstats.__all__) <= set(dir(labstats))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        labstats.nope  # noqa: B018


def _public_functions():
    return [getattr(formulas, n) for n in formulas.__all__ if inspect.isfunction(getattr(formulas, n))]


@pytest.mark.parametrize("func", _public_functions(), ids=lambda f: f.__name__)
def test_docstring_has_numpydoc_sections(func):
    doc = inspect.getdoc(func)
    for section in ("Parameters", "Returns", "References", "Examples"):
        assert f"\n{section}\n" in doc, f"{func.__name__} lacks {section}"
    assert "doi:" in doc, f"{func.__name__} cites no DOI"


@pytest.mark.parametrize("func", _public_functions(), ids=lambda f: f.__name__)
def test_concentration_arguments_use_the_glossary(func):
    sig = inspect.signature(func)
    for name, p in sig.parameters.items():
        if p.kind is p.POSITIONAL_OR_KEYWORD:
            assert name in ARGUMENTS, f"{func.__name__}({name}): not in units.ARGUMENTS"
        if name.endswith("_unit") and name != "output_unit":
            assert name[:-5] in sig.parameters, f"{name} names no argument of {func.__name__}"


_SUBPACKAGES = ["labstats", "labstats.formulas", "labstats.stats", "labstats.datasets",
                "labstats.units", "labstats.plotting"]


def _public_callables():
    """Every public function and class of labstats and its subpackages, once each."""
    import importlib

    seen = {}
    for name in _SUBPACKAGES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                seen.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return sorted(seen.items())


@pytest.mark.parametrize(("name", "obj"), _public_callables(), ids=lambda v: v if isinstance(
    v, str) else "")
def test_every_public_name_has_a_runnable_example(name, obj):
    """Issue 15: every public function's docstring has an Examples section that runs as a
    doctest (the suite runs the doctests of src/; a literal block would not count)."""
    doc = inspect.getdoc(obj) or ""
    assert "\nExamples\n--------\n" in doc, f"{name} has no Examples section"
    examples = doc.split("\nExamples\n--------\n", 1)[1]
    assert ">>> " in examples, f"{name}: its Examples section has no doctest"
