"""LOINC codes of the analytes labstats knows (``loinc_map.csv``) and their unit families.

A LOINC code names a property: MCnc (mass concentration), SCnc (substance, i.e. molar,
concentration), ACnc (arbitrary units, insulin's international units), MFr (mass fraction,
HbA1c in %), SFr (substance fraction, HbA1c in mmol/mol). A result whose unit belongs to
another family than its code's (glucose 2345-7, a mass code, in mmol/L) is converted by
the unit, as it is written, but reported: either the code or the unit is wrong, and real
exports hold both errors (OHDSI's data-quality rules accept mmol/L for 2345-7). HbA1c of
the IFCC code 59261-8 in mmol/mol is converted to NGSP % (the canonical unit) by the
IFCC-NGSP master equation (``labstats.units.HBA1C_MASTER_EQUATION``); a "%" under 59261-8
is reported, since it may be NGSP % or the older IFCC % (mmol/mol / 10). The map,
its sources and the LOINC copyright notice are in ``loinc_map.csv``.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from labstats import units as _units

#: A LOINC code: up to 7 digits, a hyphen and a check digit ("2986-8").
LOINC_CODE = re.compile(r"^\d{1,7}-\d$")
#: Analytes a long export may hold: labstats argument names (as ``derive`` reads them).
ANALYTE_NAMES = ("total_testosterone", "shbg", "albumin", "estradiol", "glucose", "insulin",
                 "total_cholesterol", "hdl_cholesterol", "ldl_cholesterol", "triglycerides",
                 "creatinine", "cystatin_c", "hba1c", "free_testosterone",
                 "bioavailable_testosterone")


@functools.lru_cache(maxsize=1)
def loinc_map():
    """The shipped map as a DataFrame (one row per code; columns as in ``loinc_map.csv``)."""
    import pandas as pd

    return pd.read_csv(Path(__file__).with_name("loinc_map.csv"), comment="#", dtype=str)


def loinc_check_digit(code: str) -> int:
    """The check digit of a LOINC code's number part (mod 10, LOINC Users' Guide, App. C).

    >>> loinc_check_digit("2986")
    8
    """
    total = 0
    for k, ch in enumerate(reversed(code)):
        d = int(ch) * (2 if k % 2 == 0 else 1)
        total += d // 10 + d % 10
    return (10 - total % 10) % 10


def unit_family(unit: str) -> str | None:
    """"mass", "molar", "activity", "fraction" (%) or "substance_fraction" (mmol/mol) of a
    unit (any spelling), None if unknown.

    >>> unit_family("ng/dl"), unit_family("nmol/L"), unit_family("uIU/mL"), unit_family("%")
    ('mass', 'molar', 'activity', 'fraction')
    >>> unit_family("mmol/mol")
    'substance_fraction'
    """
    if _units.normalize_unit(unit) == "%":
        return "fraction"
    if _units.normalize_unit(unit) == "mmol/mol":
        return "substance_fraction"
    found = _units._ALIASES.get(_units.normalize_unit(unit))
    if found in _units._MOLAR:
        return "molar"
    if found in _units._MASS:
        return "mass"
    if found == _units._INSULIN_ACTIVITY:
        return "activity"
    return None
