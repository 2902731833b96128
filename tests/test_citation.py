"""How to cite (issue 15): CITATION.cff agrees with the package, and README's list of primary
papers is the papers the docstrings cite (every DOI there is in a docstring's References)."""

from __future__ import annotations

import re
import tomllib

import labstats
from tests.conftest import ROOT

DOI = re.compile(r"doi:\s*(10\.\d{4,9}/\S+)", re.I)


def _dois(text: str) -> set[str]:
    return {d.rstrip(".,;:)").lower() for d in DOI.findall(text)}


def _how_to_cite() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## How to cite", 1)[1].split("<!-- end of", 1)[0]


def _source_dois() -> set[str]:
    found = set()
    for path in (ROOT / "src" / "labstats").rglob("*.py"):
        found |= _dois(path.read_text(encoding="utf-8"))
    return found


def test_citation_cff_matches_the_package():
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert re.search(r"^cff-version: 1\.2\.0$", cff, re.M)
    assert re.search(rf"^version: {re.escape(labstats.__version__)}$", cff, re.M)
    assert project["version"] == labstats.__version__
    assert re.search(rf"^license: {re.escape(project['license'])}$", cff, re.M)
    # the papers CITATION.cff names are in README's list
    readme = _how_to_cite().lower()
    for doi in re.findall(r"doi: (\S+)", cff):
        assert f"doi:{doi.lower()}" in readme, doi


def test_readme_lists_the_primary_papers_the_docstrings_cite():
    section = _how_to_cite()
    listed = _dois(section)
    assert len(listed) >= 20
    unknown = listed - _source_dois()
    assert not unknown, f"DOIs in README 'How to cite' that no docstring cites: {sorted(unknown)}"
    for author, year in [("Vermeulen", 1999), ("Södergård", 1982), ("Matthews", 1985),
                         ("Friedewald", 1972), ("Martin", 2013), ("Sampson", 2020),
                         ("Inker", 2021), ("Alberti", 2009), ("Lumley", 2004),
                         ("Passing", 1983), ("Bland", 1986)]:
        assert re.search(rf"{author}[^*]*?{year}", section), (author, year)
    assert "EP28-A3c" in section
