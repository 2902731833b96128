"""Sphinx configuration of the labstats documentation (``make docs``).

Generated at every build, never written by hand: the API pages (``api/``, from
``__all__``), the executed notebooks (``notebooks/``, from ``labstats report``), the
"validated against" table (``validated.md``, from the tests' citations, by
``scripts/validated_against.py``) and the intersphinx inventories of numpy, pandas and
scipy (from the installed packages: the build needs no network).
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT / "scripts"))

from api_pages import write_api_pages  # noqa: E402
from executed_notebooks import executed_notebooks  # noqa: E402
from offline_inventories import write_inventories  # noqa: E402
from validated_against import write_page  # noqa: E402

import labstats  # noqa: E402

project = "labstats"
author = "labstats developers"
copyright = "labstats developers, BSD-3-Clause"
release = version = labstats.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "sphinx_copybutton",
]

write_api_pages(DOCS / "api")
executed_notebooks(ROOT, DOCS / "_build" / "notebooks", DOCS / "notebooks")
write_page(ROOT, DOCS / "validated.md")

exclude_patterns = ["_build", "**.ipynb_checkpoints", "_templates"]
templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}

# every cross-reference must resolve (the test suite builds with -W -n)
nitpicky = True

# autodoc / autosummary / numpydoc
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # the numpydoc Parameters section states types and units
autodoc_default_options = {"member-order": "bysource"}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"  # only the aliases below become links: nothing unresolved
_XREF = {"pandas.DataFrame": ("DataFrame", "pandas.DataFrame", "pd.DataFrame"),
         "pandas.Series": ("Series", "pandas.Series", "pd.Series"),
         "pandas.Index": ("Index", "pandas.Index"),
         "numpy.ndarray": ("ndarray", "numpy.ndarray", "np.ndarray"),
         "numpy.random.Generator": ("numpy.random.Generator", "np.random.Generator"),
         "labstats.stats.SurveyDesign": ("SurveyDesign",),
         "pathlib.Path": ("pathlib.Path", "Path"),
         "os.PathLike": ("os.PathLike",)}
# with numpydoc_xref_ignore = "all" only values with an explicit role become links
numpydoc_xref_aliases = {alias: f":class:`{target}`"
                         for target, aliases in _XREF.items() for alias in aliases}

# intersphinx without network: inventories written from the installed packages
intersphinx_mapping = write_inventories(DOCS / "_build" / "inventories")

# myst / myst-nb: notebooks arrive executed (see _ext/executed_notebooks.py)
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_merge_streams = True

# HTML
html_theme = "pydata_sphinx_theme"
html_title = f"labstats {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": {"**": ["page-toc"], "validated": []},
}
html_static_path = ["_static"]
html_css_files = ["labstats.css"]
# single pages without a section: the whole width for their content (tables)
html_sidebars = {"validated": [], "changelog": [], "citing": [], "getting_started": []}
html_show_sourcelink = False
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
