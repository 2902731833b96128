"""Write the documentation's "Validated against" page from the tests' own citations.

Run by the documentation build (docs/conf.py) and by hand:
``python scripts/validated_against.py [OUT.md]`` (default: print to stdout).

Nothing here is written twice: every row comes from the test suite itself.

* A test module that reproduces outside numbers says so in its docstring, in a paragraph
  starting "External reference(s)"; that paragraph is quoted as the module's sources.
* Each test function of such a module that compares with a tolerance
  (``pytest.approx(..., abs=/rel=)``, ``assert_allclose(..., rtol=/atol=)``,
  ``math.isclose``/``np.isclose``) or exactly (``==`` on a number, ``round(...) ==``) is one
  row: its citation (its docstring, else the comment lines that open its body, else the
  comment just above it), the tolerances as written in the test, and the test's id. A test
  whose own citation names no outside source (``_CITES``) checks labstats against itself
  and is left out; one with no citation of its own is listed under its module's sources.
* ``tests/reference/SOURCES.md`` (the reference files copied from the team's data, with
  their provenance) is appended as it is.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_TOL_KW = {"abs", "rel", "rtol", "atol", "abs_tol", "rel_tol", "decimal"}
_EXTERNAL = re.compile(r"^External references?\b.*", re.M | re.S)
#: a citation that names an outside source (for tests that compare exactly)
_CITES = re.compile(r"\b(1[89]\d\d|20\d\d)\b|\bR\b|CDC|NHANES|NCHS|ISSAM|CLSI|Table|survey|page|"
                    r"paper|\.csv|@[0-9a-f]{7}|published|codebook|scipy|mpmath|nephro|biosigma|"
                    r"clincalc|LDLcalc|cran|\bmcr\b|refineR|reflimR|epiR|mcradds|outlabs|uk_biobank|"
                    r"PEERS\.md|FORMULAS\.md", re.I)


def _module_sources(doc: str) -> str | None:
    m = _EXTERNAL.search(doc)
    if not m:
        return None
    return m.group(0).split("\n\n")[0].strip()


def _call_name(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")


def _constants(tree: ast.Module, src: str) -> dict[str, str]:
    """Module-level NAME = <literal> assignments, to show a tolerance's value."""
    out = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            try:
                ast.literal_eval(node.value)
            except ValueError:
                continue
            out[node.targets[0].id] = ast.get_source_segment(src, node.value)
    return out


def _tolerances(fn: ast.AST, src: str, consts: dict[str, str]) -> list[str]:
    found = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and _call_name(node) in {
                "approx", "assert_allclose", "isclose", "allclose", "assert_almost_equal",
                "assert_array_almost_equal"}:
            kws = []
            for k in node.keywords:
                if k.arg in _TOL_KW:
                    value = ast.get_source_segment(src, k.value)
                    if value in consts:
                        value = f"{value} = {consts[value]}"
                    kws.append(f"{k.arg}={value}")
            name = _call_name(node)
            if kws:
                found.append(", ".join(kws))
            elif name == "approx":
                found.append("rel=1e-6 (approx default)")
            elif name in {"assert_allclose"}:
                found.append("rtol=1e-7 (default)")
    if not found:
        for node in ast.walk(fn):
            if isinstance(node, ast.Compare) and any(isinstance(op, ast.Eq) for op in node.ops):
                text = ast.get_source_segment(src, node) or ""
                if re.search(r"round\(|\d", text):
                    found.append("exact")
                    break
    return list(dict.fromkeys(found))


def _citation(fn: ast.FunctionDef, lines: list[str]) -> str:
    doc = ast.get_docstring(fn)
    if doc:
        return " ".join(doc.split("\n\n")[0].split())
    body_start = fn.body[0].lineno - 1  # 0-based index of the first statement
    comments = []
    for ln in lines[fn.lineno:body_start]:  # between "def ...:" and the first statement
        s = ln.strip()
        if s.startswith("#"):
            comments.append(s.lstrip("#").strip())
    if not comments:  # the comment block just above the decorators / def
        first = min([fn.lineno] + [d.lineno for d in fn.decorator_list]) - 2
        while first >= 0 and lines[first].strip().startswith("#"):
            comments.insert(0, lines[first].strip().lstrip("#").strip())
            first -= 1
        comments = [c for c in comments if not set(c) <= set("-= ")]
        comments = [c for c in comments if not re.fullmatch(r"[-= ]*.*[-=]{5,}", c)]
    return " ".join(" ".join(comments).split())


def collect(root: Path = ROOT) -> list[dict]:
    """One dict per module that cites outside references: path, sources, rows."""
    modules = []
    for path in sorted((root / "tests").rglob("test_*.py")):
        src = path.read_text(encoding="utf-8")
        tree = ast.parse(src)
        sources = _module_sources(ast.get_docstring(tree) or "")
        if sources is None:
            continue
        lines = src.splitlines()
        consts = _constants(tree, src)
        rows = []
        for fn in tree.body:
            if not (isinstance(fn, ast.FunctionDef) and fn.name.startswith("test_")):
                continue
            tol = _tolerances(fn, src, consts)
            cite = _citation(fn, lines)
            # a test whose own note names no outside source checks labstats against itself
            # (an option reaching a formula, a unit rule): not a validation, not listed
            if not tol or (tol == ["exact"] or cite) and not _CITES.search(cite):
                continue
            rows.append({"test": f"{path.relative_to(root).as_posix()}::{fn.name}",
                         "citation": cite, "tolerance": tol})
        modules.append({"path": path.relative_to(root).as_posix(), "sources": sources,
                        "rows": rows})
    return modules


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(root: Path = ROOT) -> str:
    modules = collect(root)
    n = sum(len(m["rows"]) for m in modules)
    out = ["# Validated against", "",
           "Every number labstats computes is checked in the test suite against numbers from "
           "outside the project: published worked examples and tables, R packages, CDC "
           "files and independent implementations. This page is generated from the tests "
           "themselves by `scripts/validated_against.py` at every documentation build: the "
           "sources each test module cites in its docstring, and for each test that compares "
           "with a number, its citation (docstring or comment), the tolerance as written in "
           "the test, and the test that checks it. A test id runs on its own with "
           "`pytest 'ID'`.", "",
           f"{n} tests in {len(modules)} test modules.", "",
           "| reference (as cited by the test) | tolerance | test |", "|---|---|---|"]
    for m in modules:
        for r in m["rows"]:
            cite = r["citation"] or f"the sources of `{m['path']}` (below)"
            tol = "; ".join(f"`{t}`" if t != "exact" else "exact" for t in r["tolerance"])
            out.append(f"| {_cell(cite)} | {_cell(tol)} | `{r['test']}` |")
    out += ["", "## Sources cited by each test module", ""]
    for m in modules:
        out += [f"### `{m['path']}`", "", "```text", m["sources"], "```", ""]
    sources = root / "tests" / "reference" / "SOURCES.md"
    if sources.exists():
        body = sources.read_text(encoding="utf-8").split("\n", 1)[1]
        out += ["## Reference files (`tests/reference/SOURCES.md`)", "", body.strip(), ""]
    return "\n".join(out) + "\n"


def write_page(root: Path, out: Path) -> None:
    text = render(root)
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    text = render()
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
