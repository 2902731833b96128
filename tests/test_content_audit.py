"""What a reader sees: the notebooks' text and figures, the docs, the CLI's words.

labstats computes and describes; it never recommends a treatment, a dose or an "optimal"
level, and a cut-off or range appears only with its source. These checks read the text
(no notebook is run here; ``tests/test_notebooks.py`` runs them, and the notebooks assert
the numbers their readings state):

* no advice language anywhere a reader looks (notebooks, docs, README, docstrings, CLI help);
* every screening cut-off a notebook applies (BMI, HbA1c, glucose, eGFR) cites its document;
* every log axis of a notebook figure says so in its label;
* a notebook's "Reading" types no estimate by hand ("about 80-130"): it prints it, or
  asserts what it states;
* a timing measured on the shared machine says when (date and commit) it was measured.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
DOCS = [ROOT / "README.md", ROOT / "data" / "README.md",
        *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "docs" / "guide").glob("*.md"))]
SOURCES = sorted((ROOT / "src" / "labstats").rglob("*.py"))

#: advice a research tool must not give (case-insensitive)
ADVICE = re.compile(r"\boptimal\b|healthy (target|level|range)|should aim|\baim for\b|"
                    r"target (range|level|value)s?\b|\bdos(e|es|ing|age)\b|you should|"
                    r"\bideal (level|value|range)", re.I)
#: lines that name the rule itself ("never recommends ... an 'optimal' level") or a
#: publication's title, not advice
ALLOWED = re.compile(r"never|does not|do not|not recommend|no reference range|"
                     r"optimal free testosterone index for use in elderly men", re.I)


def _cells(path):
    """(kind, text) of each cell of a jupytext percent notebook."""
    cells, kind, lines = [], None, []
    for line in path.read_text().splitlines():
        if line.startswith("# %%"):
            if kind:
                cells.append((kind, "\n".join(lines)))
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        elif kind:
            lines.append(line)
    if kind:
        cells.append((kind, "\n".join(lines)))
    return cells


def _advice(text):
    """Sentences (comment markers and line breaks removed) that give advice."""
    flat = re.sub(r"\s*\n\s*(#+|//|\*)?\s*", " ", text)
    return [sentence.strip() for sentence in re.split(r"(?<=[.!?:;])\s+", flat)
            if ADVICE.search(sentence) and not ALLOWED.search(sentence)]


def test_the_scan_finds_advice():
    """The checks below can fail: the patterns catch what they are meant to catch."""
    assert _advice("# Men should aim for an optimal free T above 300 pmol/L.")
    assert _advice("the dose of testosterone") and _advice("a healthy target range")
    assert not _advice('labstats never recommends a treatment, a dose or an "optimal" level')


@pytest.mark.parametrize("path", [*NOTEBOOKS, *DOCS, *SOURCES],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_advice_language(path):
    found = _advice(path.read_text())
    assert not found, f"{path.relative_to(ROOT)}: advice language {found}"


def test_cli_help_gives_no_advice(capsys):
    from labstats.cli import main

    for argv in (["--help"], ["report", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = capsys.readouterr().out
        assert out and not _advice(out), (argv, _advice(out))


#: a cut-off in a notebook's text -> the document it must cite in the same cell
CUTOFFS = {r"BMI 18\.5": "WHO Technical Report Series 894",
           r"HbA1c\s*<": "Diabetes Care 2024;47(Suppl 1):S20-S42",
           r"glucose[^.]*<\s*7\.0": "Diabetes Care 2024;47(Suppl 1):S20-S42",
           r"eGFR >= 60": "KDIGO 2012"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_screening_cutoffs_cite_their_source(path):
    for kind, text in _cells(path):
        flat = re.sub(r"\s*\n#\s*", " ", text)
        for pattern, source in CUTOFFS.items():
            if kind == "markdown" and re.search(pattern, flat):
                assert source in flat, f"{path.name}: {pattern!r} without {source!r}:\n{text}"


LOG_AXIS = re.compile(r"""(x|y)scale\s*=\s*["']log|set_(x|y)scale\(\s*["']log|log(x|y)\s*=\s*True""")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_log_axes_are_labelled(path):
    for kind, text in _cells(path):
        if kind == "code" and LOG_AXIS.search(text):
            assert "log scale" in text, f"{path.name}: a log axis not labelled so:\n{text}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_readings_type_no_estimate_by_hand(path):
    """A measured number in a reading is printed by the code (an f-string) or not given:
    "AIC lower by about 80-130" went stale (the fits give 78-101)."""
    for kind, text in _cells(path):
        if kind == "markdown" and "**Reading" in text:
            typed = re.findall(r"about\s+[−-]?\d[\d.,]*(?:\s*(?:-|to)\s*[−-]?\d[\d.,]*)?", text)
            assert not typed, f"{path.name}: estimates typed in a reading: {typed}"


def test_timings_in_the_docs_say_when():
    """Every paragraph that reports a timing on the shared machine (it names the load
    average) gives the date it was measured."""
    for path in DOCS:
        for para in path.read_text().split("\n\n"):
            if re.search(r"load average", para):
                assert re.search(r"20\d\d-\d\d-\d\d", para), (
                    f"{path.relative_to(ROOT)}: a timing without its date:\n{para[:300]}")


def test_the_synthetic_export_holds_what_notebook_06_says():
    """Notebook 06 (and data/README.md) describe the synthetic export in numbers: the
    shares of copies, reruns and unusable rows typed there are those the generator makes."""
    import labstats

    text = re.sub(r"\s*\n#\s*", " ", (ROOT / "notebooks" / "06_routine_lab_data.py").read_text())
    patterns = {"patients": r"make_lab_results\(3000, seed=0\)`: ([\d,]+) patients",
                "copies": r"exact copies of ([\d.]+) % of the rows \(sodium aside\)",
                "reruns": r"reruns of ([\d.]+) % of the TT results",
                "bad": r"and ([\d.]+) % more rows that cannot be used or were withdrawn"}
    typed = {}
    for k, pattern in patterns.items():
        found = re.search(pattern, text)
        assert found, f"notebook 06 no longer says {pattern!r}: update this test"
        typed[k] = float(found.group(1).replace(",", ""))
    export = labstats.make_lab_results(3000, seed=0)
    counts, truth = export.attrs["expected_counts"], export.attrs["truth"]
    results = labstats.read_lab_results(export)
    sodium = int(results.attrs["unknown_tests"]["rows"].sum())
    bad = counts["reported"] + counts["excluded"] - sodium
    draws = labstats.pair_results(results, analytes=["total_testosterone", "shbg", "albumin"])
    made = {"patients": truth["patient_id"].nunique(),
            "copies": 100 * counts["duplicates"] / (counts["rows"] - bad - counts["duplicates"]
                                                    - sodium),
            "reruns": 100 * draws.attrs["counts"]["conflicts"]
            / truth["total_testosterone"].notna().sum(),
            "bad": 100 * bad / (counts["rows"] - bad)}
    for k, value in typed.items():
        assert abs(made[k] - value) < 0.1, (k, value, made[k])
    readme = re.sub(r"\s+", " ", (ROOT / "data" / "README.md").read_text())
    assert (f"exact copies of {typed['copies']:g} % of the rows (sodium aside), reruns of "
            f"{typed['reruns']:g} % of the testosterone results") in readme
    assert f"`bad_rows=True`, {typed['bad']:g} % more rows)" in readme


def test_data_readme_counts_are_those_of_the_shipped_extract():
    """data/README.md's table of non-missing values per variable and cycle, its row counts
    and file size, against the extract itself."""
    import warnings

    import labstats

    cycles = ["2011-2012", "2013-2014", "2015-2016", "2021-2023"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 2021-2023's new design: said in the README
        nh = labstats.load_nhanes(tuple(cycles))
    text = (ROOT / "data" / "README.md").read_text()
    rows = re.findall(r"^\| `(\w+)` \|(.+)\|$", text, flags=re.M)
    checked = 0
    for column, cells in rows:
        if column not in nh:
            continue
        typed = [int(m.group(0).replace(",", "")) if (m := re.match(r"[\d,]+", c.strip())) else 0
                 for c in cells.split("|")]
        if len(typed) != len(cycles):
            continue
        got = [int(nh.loc[nh["cycle"] == c, column].notna().sum()) for c in cycles]
        assert typed == got, (column, typed, got)
        checked += 1
    assert checked >= 15
    sizes = nh.groupby("cycle").size()
    assert (f"{sizes['2011-2012']:,} (2011-2012), {sizes['2013-2014']:,}"
            in re.sub(r"\s+", " ", text))
    assert f"{len(nh):,} rows x" in re.sub(r"\s+", " ", text)
    size = (ROOT / "src" / "labstats" / "datasets" / "nhanes_extract.parquet").stat().st_size
    assert f"{size:,} bytes" in text


def test_tests_and_scripts_the_text_points_at_exist():
    """A claim of validation or a quoted measurement that names a test or a script
    ("see tests/formulas/test_metabolic.py", "python benchmarks/x.py") names a real file
    (and a real test function after ``::``)."""
    ref = re.compile(r"(?:tests|benchmarks)/[\w/]+\.(?:py|csv\.gz|csv|R|md)(?:::\w+)?")
    checked = 0
    for path in [*NOTEBOOKS, *DOCS, *SOURCES]:
        for found in set(ref.findall(path.read_text())):
            name, _, function = found.partition("::")
            assert (ROOT / name).is_file(), f"{path.relative_to(ROOT)} names {found}"
            if function:
                assert f"def {function}(" in (ROOT / name).read_text(), found
            checked += 1
    assert checked > 20


def _commented_results():
    """(page, code, expression, typed) for each ``expr  # 1.7388`` of a python block."""
    import ast

    found = []
    for path in DOCS:
        for block in re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S):
            lines = block.splitlines()
            tree = ast.parse(block)
            for node in tree.body:
                m = re.search(r"#\s*([−-]?\d[\d.,]*)\b", lines[node.end_lineno - 1])
                if isinstance(node, ast.Expr) and m:
                    found.append((path.relative_to(ROOT).as_posix(), block,
                                  ast.get_source_segment(block, node.value),
                                  m.group(1).replace(",", "")))
    return found


@pytest.mark.parametrize("page, block, expression, typed", _commented_results(),
                         ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "")
def test_results_typed_in_the_docs_examples(page, block, expression, typed):
    """``labstats.units.convert(450, ...)  # 15.60``: the value the code gives, to the
    digits typed."""
    namespace: dict = {}
    exec(compile(block, page, "exec"), namespace)  # the block's imports and names
    value = float(eval(expression, namespace))
    decimals = len(typed.partition(".")[2])
    assert round(value, decimals) == pytest.approx(float(typed), abs=10 ** -decimals / 2), (
        page, expression, value, typed)


def test_the_docs_have_typed_results_to_check():
    assert len(_commented_results()) >= 4


def test_validated_against_lists_no_self_check():
    """docs/validated.md ("checked against numbers from outside the project") lists a test
    only when it names an outside source: a test whose own note names none compares
    labstats with itself (before: e.g. test_the_check_uses_the_unit_an_option_declares,
    test_affine_not_a_factor were listed). The rule on a made-up module is tested with
    the extractor in tests/test_docs.py."""
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    from validated_against import collect

    listed = {r["test"] for m in collect() for r in m["rows"]}
    for self_check in ("tests/test_hba1c.py::test_affine_not_a_factor",
                       "tests/datasets/test_derive.py::"
                       "test_the_check_uses_the_unit_an_option_declares"):
        assert self_check not in listed
    assert "tests/formulas/test_kidney.py::test_matches_nephro_grid_to_1e9" in listed
