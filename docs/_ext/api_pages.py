"""The API reference pages, written from ``__all__`` at every build (never by hand).

``labstats.__all__`` and the ``__all__`` of each public subpackage decide what is
documented: a name added to an ``__all__`` gets its page at the next build, and
tests/test_docs.py checks that every one of them has. Each name is documented once, in
the subpackage that exports it; the top-level page links ``labstats.<name>`` there.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

#: Subpackages with an API page, in the order of the reference.
SUBPACKAGES = ("formulas", "stats", "datasets", "units", "plotting", "report", "constants", "cli")


def public_names(module) -> list[str]:
    return list(getattr(module, "__all__", []))


def canonical(name: str) -> str | None:
    """``labstats.<sub>.<name>`` where the top-level ``name`` is documented, if a subpackage
    exports the same object."""
    import labstats

    obj = getattr(labstats, name)
    for sub in SUBPACKAGES:
        mod = importlib.import_module(f"labstats.{sub}")
        if name in public_names(mod) and getattr(mod, name) is obj:
            return f"labstats.{sub}.{name}"
    return None


def _underline(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


def _write(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:  # unchanged pages keep Sphinx's cache
        path.write_text(text)


def write_api_pages(folder: Path) -> list[str]:
    """Write ``folder/index.rst`` and one page per subpackage; return every documented
    dotted name."""
    import labstats

    folder.mkdir(parents=True, exist_ok=True)
    documented = []
    pages = []
    for sub in SUBPACKAGES:
        mod = importlib.import_module(f"labstats.{sub}")
        names = public_names(mod)
        first = (inspect.getdoc(mod) or "").strip().splitlines()
        pages.append((sub, first[0] if first else ""))
        text = _underline(f"labstats.{sub}")
        text += f"\n.. automodule:: labstats.{sub}\n   :no-members:\n\n"
        if names:
            text += (f".. currentmodule:: labstats.{sub}\n\n.. autosummary::\n"
                     "   :toctree: generated\n\n")
            text += "".join(f"   {n}\n" for n in names)
            documented += [f"labstats.{sub}.{n}" for n in names]
        _write(folder / f"labstats.{sub}.rst", text)

    rows, own = [], []
    for name in labstats.__all__:
        if name == "__version__":
            rows.append(("``labstats.__version__``", "the installed version (a string)"))
        elif name in SUBPACKAGES:
            rows.append((f":mod:`labstats.{name}`", "subpackage"))
        elif (target := canonical(name)) is not None:
            rows.append((f":py:obj:`labstats.{name} <{target}>`", f"same object as ``{target}``"))
        else:
            own.append(name)
            rows.append((f":py:obj:`labstats.{name}`", "documented here"))
    documented += [f"labstats.{n}" for n in own]

    text = _underline("API reference")
    text += ("\nGenerated from ``labstats.__all__`` and each subpackage's ``__all__``: every "
             "public name has a page, with its numpydoc docstring (parameters with units, "
             "returns, references, examples that run as doctests).\n\n")
    text += ".. toctree::\n   :maxdepth: 1\n\n"
    text += "".join(f"   labstats.{sub}\n" for sub, _ in pages)
    text += "\n" + _underline("Subpackages", "-") + "\n"
    text += "".join(f"* :mod:`labstats.{sub}` -- {doc}\n" for sub, doc in pages)
    text += "\n" + _underline("The top-level namespace", "-")
    text += ("\n``import labstats`` is light (names load on first use). These are the names of "
             "``labstats.__all__``:\n\n.. list-table::\n   :header-rows: 1\n\n"
             "   * - name\n     - where it is documented\n")
    text += "".join(f"   * - {a}\n     - {b}\n" for a, b in rows)
    if own:
        text += ("\n.. currentmodule:: labstats\n\n.. autosummary::\n   :toctree: generated\n\n"
                 + "".join(f"   {n}\n" for n in own))
    _write(folder / "index.rst", text)
    return documented
