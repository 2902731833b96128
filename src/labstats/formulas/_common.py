"""Small helpers shared by the metabolic, lipid and kidney formulas.

Inputs are checked in the unit the caller declared and converted inside the cache-sized
blocks of ``_binding.blockwise`` (a factor per input), so that a 10-million-row column
is not copied once per conversion.
"""

from __future__ import annotations

import warnings

from labstats._validate import LabstatsWarning, as_concentration, as_measure
from labstats.units import ANALYTES, MEASURES, analyte_of


def checked(values, name: str, unit: str, target: str, *,
            insulin_factor: str | float = "standard"):
    """(values as float64 in their declared unit, factor to ``target``) after the checks."""
    a = ANALYTES[analyte_of(name)]
    x = as_concentration(values, name, unit=unit, to=unit, insulin_factor=insulin_factor)
    f = a.factor(unit, insulin_factor=insulin_factor) / a.factor(
        target, insulin_factor=insulin_factor)
    return x, f


def unit_factor(name: str, from_unit: str, to_unit: str) -> float:
    """Multiply a value of analyte/argument ``name`` in ``from_unit`` by this to get ``to_unit``."""
    a = ANALYTES[analyte_of(name)]
    return a.factor(from_unit) / a.factor(to_unit)


def checked_measure(values, name: str, unit: str, target: str, *, measure: str | None = None):
    """The ``checked`` of body measures, age and blood pressure (``units.MEASURES``)."""
    m = MEASURES[measure or name]
    x = as_measure(values, name, unit=unit, to=unit, measure=measure)
    return x, m.factor(unit) / m.factor(target)


def warn_rows(n: int, message: str, stacklevel: int = 3) -> None:
    """``LabstatsWarning`` that states how many rows ``message`` is about (none: silent)."""
    if n:
        warnings.warn(f"{n} row{'s' if n > 1 else ''} {message}", LabstatsWarning,
                      stacklevel=stacklevel)
