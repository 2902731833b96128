"""Intersphinx inventories for numpy, pandas and scipy, written from the installed packages.

The documentation is built without network (in the test suite, in CI, offline), so
intersphinx cannot download ``objects.inv`` from numpy.org, pandas.pydata.org or
docs.scipy.org. Instead this module lists the public names of the *installed* versions and
writes a Sphinx inventory (format version 2) for each, pointing at the documentation pages
of that version: ``reference/generated/numpy.<name>.html``,
``reference/api/pandas.<name>.html`` and ``reference/generated/scipy.<sub>.<name>.html``,
the stable page patterns of the three projects' API references. A name this misses simply
has no link; a cross-reference to it then fails the nitpicky build, so nothing is silent.
"""

from __future__ import annotations

import importlib
import inspect
import zlib
from pathlib import Path


def _role(obj) -> str | None:
    if inspect.isclass(obj):
        return "py:exception" if issubclass(obj, BaseException) else "py:class"
    if callable(obj):
        return "py:function"
    return None


def _entries(module_name: str, page, prefix: str | None = None):
    module = importlib.import_module(module_name)
    prefix = prefix or module_name
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    for name in sorted(set(names)):
        obj = getattr(module, name, None)
        role = _role(obj)
        if role is None or inspect.ismodule(obj):
            continue
        full = f"{prefix}.{name}"
        yield full, role, page(full)
        if role == "py:class" and module_name == "pandas" and name in {"DataFrame", "Series", "Index"}:
            for meth in dir(obj):
                if not meth.startswith("_") and callable(getattr(obj, meth, None)):
                    yield f"{full}.{meth}", "py:method", page(f"{full}.{meth}")


def _write(path: Path, project: str, version: str, entries) -> None:
    lines = [f"{name} {role} {-1 if role.startswith('std:') else 1} {uri} -"
             for name, role, uri in entries]
    header = (f"# Sphinx inventory version 2\n# Project: {project}\n# Version: {version}\n"
              "# The remainder of this file is compressed using zlib.\n").encode()
    path.write_bytes(header + zlib.compress(("\n".join(lines) + "\n").encode()))


_STDTYPES = {"str", "dict", "list", "tuple", "set", "frozenset", "bytes", "range"}


def _python_entries():
    """Builtins (classes, functions, exceptions, constants) of the running Python, and the
    glossary terms and labels numpydoc's default type aliases point to."""
    import builtins

    for name in dir(builtins):
        if name.startswith("_"):
            continue
        obj = getattr(builtins, name)
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            yield name, "py:exception", f"library/exceptions.html#{name}"
        elif inspect.isclass(obj):
            page = "stdtypes" if name in _STDTYPES else "functions"
            yield name, "py:class", f"library/{page}.html#{name}"
        elif callable(obj):
            yield name, "py:function", f"library/functions.html#{name}"
    for name in ("None", "True", "False", "NotImplemented", "Ellipsis"):
        yield name, "py:data", f"library/constants.html#{name}"
    for term in ("iterable", "sequence", "generator", "path-like object", "mapping"):
        yield term, "std:term", f"glossary.html#term-{term.replace(' ', '-')}"
    yield "bltin-boolean-values", "std:label", "library/stdtypes.html#bltin-boolean-values"
    yield "pathlib.Path", "py:class", "library/pathlib.html#pathlib.Path"
    yield "os.PathLike", "py:class", "library/os.html#os.PathLike"
    yield "contextlib.contextmanager", "py:function", "library/contextlib.html#contextlib.contextmanager"
    yield "collections.namedtuple", "py:function", "library/collections.html#collections.namedtuple"


def write_inventories(folder: Path) -> dict[str, tuple[str, str]]:
    """Write python.inv, numpy.inv, pandas.inv and scipy.inv into ``folder``; return the
    ``intersphinx_mapping`` that uses them (and never the network)."""
    import sys

    import numpy
    import pandas
    import scipy

    folder.mkdir(parents=True, exist_ok=True)
    mapping = {}
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    _write(folder / "python.inv", "Python", py, list(_python_entries()))
    mapping["python"] = (f"https://docs.python.org/{py}/", str(folder / "python.inv"))

    def short(v):
        return ".".join(v.split(".")[:2])

    np_url = f"https://numpy.org/doc/{short(numpy.__version__)}/"
    entries = list(_entries("numpy", lambda n: f"reference/generated/{n}.html#{n}"))
    entries += [("numpy.typing.ArrayLike", "py:data", "reference/typing.html#numpy.typing.ArrayLike"),
                ("array_like", "std:term", "glossary.html#term-array_like"),
                ("arrays.scalars", "std:label", "reference/arrays.scalars.html#arrays-scalars"),
                ("numpy.inf", "py:data", "reference/constants.html#numpy.inf"),
                ("numpy.nan", "py:data", "reference/constants.html#numpy.nan"),
                ("numpy", "py:module", "reference/index.html#module-numpy"),
                ("numpy.random.Generator", "py:class",
                 "reference/random/generator.html#numpy.random.Generator")]
    _write(folder / "numpy.inv", "NumPy", numpy.__version__, entries)
    mapping["numpy"] = (np_url, str(folder / "numpy.inv"))

    pd_url = f"https://pandas.pydata.org/pandas-docs/version/{pandas.__version__}/"
    entries = list(_entries("pandas", lambda n: f"reference/api/{n}.html#{n}"))
    _write(folder / "pandas.inv", "pandas", pandas.__version__, entries)
    mapping["pandas"] = (pd_url, str(folder / "pandas.inv"))

    sp_url = f"https://docs.scipy.org/doc/scipy-{scipy.__version__}/"
    entries = []
    for sub in ("stats", "optimize", "special", "interpolate"):
        entries += _entries(f"scipy.{sub}", lambda n: f"reference/generated/{n}.html#{n}")
    _write(folder / "scipy.inv", "SciPy", scipy.__version__, entries)
    mapping["scipy"] = (sp_url, str(folder / "scipy.inv"))
    return mapping
