"""labstats: derived lab values, public lab datasets and survey statistics.

``import labstats`` is light: subpackages and the re-exported functions load on first
use (PEP 562), and nothing here imports pandas, seaborn, statsmodels or jupyter.

>>> import labstats
>>> round(labstats.free_testosterone(10.0, 40.0), 4)
0.1739
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "free_testosterone": "labstats.formulas",
    "bioavailable_testosterone": "labstats.formulas",
    "testosterone_fractions": "labstats.formulas",
    "homa_ir": "labstats.formulas",
    "homa_b": "labstats.formulas",
    "quicki": "labstats.formulas",
    "tyg_index": "labstats.formulas",
    "tyg_bmi": "labstats.formulas",
    "ldl_cholesterol": "labstats.formulas",
    "non_hdl_cholesterol": "labstats.formulas",
    "egfr": "labstats.formulas",
    "metabolic_syndrome": "labstats.formulas",
    "bmi": "labstats.formulas",
    "waist_to_height_ratio": "labstats.formulas",
    "free_androgen_index": "labstats.formulas",
    "free_estradiol": "labstats.formulas",
    "bioavailable_estradiol": "labstats.formulas",
    "reference_interval": "labstats.stats",
    "indirect_reference_interval": "labstats.stats",
    "bland_altman": "labstats.stats",
    "passing_bablok": "labstats.stats",
    "deming": "labstats.stats",
    "concordance": "labstats.stats",
    "propagate_imprecision": "labstats.stats",
    "read_nhanes": "labstats.datasets",
    "fetch_nhanes": "labstats.datasets",
    "make_cohort": "labstats.datasets",
    "load_cohort": "labstats.datasets",
    "load_nhanes": "labstats.datasets",
    "read_lab_export": "labstats.datasets",
    "read_lab_results": "labstats.datasets",
    "pair_results": "labstats.datasets",
    "counts": "labstats.datasets",
    "make_lab_results": "labstats.datasets",
    "pair_export": "labstats.datasets",
    "derive": "labstats.datasets",
    "list_datasets": "labstats.datasets",
    "convert": "labstats.units",
    "LabstatsWarning": "labstats._validate",
    "plausibility": "labstats._validate",
    "SurveyDesign": "labstats.stats",
    "describe": "labstats.stats",
    "age_groups": "labstats.stats",
    "format_table": "labstats.stats",
    "LMSTable": "labstats.stats",
    "LMSPTable": "labstats.stats",
    "fit_lms": "labstats.stats",
    "cdc_growth_lms": "labstats.datasets",
}
_SUBMODULES = {"units", "constants", "formulas", "stats", "datasets", "plotting", "cli", "report"}

__all__ = sorted([*_EXPORTS, *_SUBMODULES, "__version__"])


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"labstats.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'labstats' has no attribute {name!r}")


def __dir__():
    return __all__
