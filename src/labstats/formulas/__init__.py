"""Derived lab values from published equations.

Every function takes scalars, lists, numpy arrays or pandas Series with explicit
units, and returns the same container (a Series keeps its index). See each
function's References for its source and Notes for what it was validated against.
"""

from labstats.formulas.androgens import (
    BINDING_MODELS,
    bioavailable_testosterone,
    free_androgen_index,
    free_testosterone,
    testosterone_fractions,
)
from labstats.formulas.estrogens import (
    ESTRADIOL_BINDING_MODELS,
    bioavailable_estradiol,
    free_estradiol,
)
from labstats.formulas.kidney import EGFR_METHODS, egfr
from labstats.formulas.lipids import LDL_METHODS, ldl_cholesterol, non_hdl_cholesterol
from labstats.formulas.metabolic import (
    bmi,
    homa_b,
    homa_ir,
    quicki,
    tyg_bmi,
    tyg_index,
    waist_to_height_ratio,
)
from labstats.formulas.syndrome import METS_CUT_POINTS, WAIST_THRESHOLDS, metabolic_syndrome

__all__ = [
    "BINDING_MODELS",
    "EGFR_METHODS",
    "ESTRADIOL_BINDING_MODELS",
    "LDL_METHODS",
    "METS_CUT_POINTS",
    "WAIST_THRESHOLDS",
    "bioavailable_estradiol",
    "bioavailable_testosterone",
    "bmi",
    "egfr",
    "free_androgen_index",
    "free_estradiol",
    "free_testosterone",
    "homa_b",
    "homa_ir",
    "ldl_cholesterol",
    "metabolic_syndrome",
    "non_hdl_cholesterol",
    "quicki",
    "testosterone_fractions",
    "tyg_bmi",
    "tyg_index",
    "waist_to_height_ratio",
]
