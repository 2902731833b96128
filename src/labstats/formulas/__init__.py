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

__all__ = [
    "BINDING_MODELS",
    "ESTRADIOL_BINDING_MODELS",
    "bioavailable_estradiol",
    "bioavailable_testosterone",
    "free_androgen_index",
    "free_estradiol",
    "free_testosterone",
    "testosterone_fractions",
]
