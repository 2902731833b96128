"""Analytes, their units and conversions.

``ANALYTES`` is the one table of analytes labstats knows: canonical unit, accepted
units, molar mass with its source, and the plausible range used to catch unit
mix-ups. ``ARGUMENTS`` maps every argument name used in the public API (the
glossary, e.g. ``total_testosterone``) to its analyte.

Conversions between mass and molar units use the analyte's molar mass; a caller
may override it (albumin: the binding models use the molar mass of their paper).
Insulin's µIU/mL <-> pmol/L factor is a convention, not a molar mass: it is a
named, selectable option (``INSULIN_FACTORS``). Most units are a factor of the canonical
unit; HbA1c in IFCC mmol/mol is not: it maps to NGSP/DCCT % by the IFCC-NGSP master
equation, an affine map (``Affine``, ``HBA1C_MASTER_EQUATION``), and ``convert`` applies
either kind.

Two checks guard the declared unit: ``plausible`` (per value: a testosterone of 450
nmol/L is surely ng/dL) and ``typical_quartiles`` (per column, for units a single value
cannot tell apart: a column of insulin with quartiles 6-16 "pmol/L" is surely µIU/mL),
calibrated from NHANES by ``labstats._calibrate_units`` (``TYPICAL_QUARTILES``).

Examples
--------
>>> convert(288.42, "testosterone", "ng/dL", "nmol/L")
10.0
>>> convert([5.0, 10.0], "insulin", "uIU/mL", "pmol/L").tolist()
[30.0, 60.0]
>>> convert(10.0, "insulin", "µIU/mL", "pmol/L", insulin_factor="legacy")
69.45
>>> round(convert(48.0, "hba1c", "mmol/mol", "%"), 2)
6.54
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from labstats._measures import HBA1C_MASTER_EQUATION, Affine, Measure

__all__ = [
    "ANALYTES",
    "ARGUMENTS",
    "Affine",
    "COLUMN_MARGIN",
    "HBA1C_MASTER_EQUATION",
    "INSULIN_FACTORS",
    "MEASURES",
    "Analyte",
    "Measure",
    "TYPICAL_QUARTILES",
    "analyte_of",
    "convert",
    "normalize_unit",
    "resolve_unit",
]

#: pmol/L per µIU/mL of insulin. ``"standard"``: 6.00, the WHO IS 66/304
#: calibration (1 IU = 34.7 µg of human insulin, MW 5808): Vølund A, "Conversion of
#: insulin units to SI units," Am J Clin Nutr 58:714-715, 1993; Knopp JL et al.,
#: J Diabetes Sci Technol 13(3):597-600, 2019, doi:10.1177/1932296818805074; and the
#: factor NCHS uses (LBDINSI / LBXIN = 6.000 in NHANES 2011-2016).
#: ``"legacy"``: 6.945, the older factor still printed by some laboratories.
INSULIN_FACTORS: Mapping[str, float] = MappingProxyType({"standard": 6.00, "legacy": 6.945})

# Base units: molar units convert to mol/L, mass units to g/L.
_MOLAR = {"mol/L": 1.0, "mmol/L": 1e-3, "µmol/L": 1e-6, "nmol/L": 1e-9, "pmol/L": 1e-12}
_MASS = {
    "g/L": 1.0,
    "g/dL": 10.0,
    "mg/dL": 1e-2,
    "mg/L": 1e-3,
    "µg/dL": 1e-5,
    "ng/mL": 1e-6,
    "ng/dL": 1e-8,
    "pg/mL": 1e-9,
}
_INSULIN_ACTIVITY = "µIU/mL"  # = mIU/L = µU/mL


@dataclass(frozen=True)
class Analyte:
    """One row of ``ANALYTES``.

    Attributes
    ----------
    name : str
        Analyte id, e.g. ``"testosterone"``.
    canonical_unit : str
        Unit of every output and the default of every ``<argument>_unit``.
    units : tuple of str
        Accepted units, canonical first, then in the order a mislabelled value is
        most likely to have been meant (used to suggest a fix).
    molar_mass : float or None
        [g/mol] used between mass and molar units.
    molar_mass_source : str
        Where ``molar_mass`` comes from.
    plausible : tuple of float
        (low, high) in the canonical unit. Values outside are almost surely a unit
        error; they raise ``ValueError`` with the likely fix.
    description : str
    plausible_source : str
    typical_quartiles : tuple of (float, float)
        (Q1, Q3) of real columns in the canonical unit (NHANES groups,
        ``TYPICAL_QUARTILES``), for the column-level unit check; empty: no check.

    Examples
    --------
    >>> t = ANALYTES["testosterone"]
    >>> t.canonical_unit, t.units[:3], t.molar_mass
    ('nmol/L', ('nmol/L', 'ng/dL', 'ng/mL'), 288.42)
    >>> round(t.factor("ng/dL"), 5)  # ng/dL -> nmol/L
    0.03467
    """

    name: str
    canonical_unit: str
    units: tuple[str, ...]
    molar_mass: float | None
    molar_mass_source: str
    plausible: tuple[float, float]
    description: str
    plausible_source: str = field(default="")
    typical_quartiles: tuple[tuple[float, float], ...] = field(default=())

    def factor(self, unit: str, *, molar_mass: float | None = None,
               insulin_factor: str | float = "standard") -> float:
        """Multiply a value in ``unit`` by this factor to get the canonical unit."""
        return _to_base(self, resolve_unit(unit, self), molar_mass, insulin_factor) / _to_base(
            self, self.canonical_unit, molar_mass, insulin_factor
        )


def _insulin_factor(insulin_factor: str | float) -> float:
    if isinstance(insulin_factor, str):
        try:
            return INSULIN_FACTORS[insulin_factor]
        except KeyError:
            raise ValueError(
                f"insulin_factor: unknown name {insulin_factor!r}; use one of "
                f"{sorted(INSULIN_FACTORS)} or a number of pmol/L per µIU/mL"
            ) from None
    from labstats._validate import as_constant

    return as_constant(insulin_factor, "insulin_factor", unit="pmol/L per µIU/mL", low=1.0,
                       high=20.0, hint="The standard factor is 6.00 and the legacy one 6.945; "
                       "give pmol/L per µIU/mL, not its inverse.")


def _to_base(analyte: Analyte, unit: str, molar_mass, insulin_factor) -> float:
    """Factor from ``unit`` to mol/L (molar analytes) or g/L (mass-only analytes)."""
    if molar_mass is None:
        mm = analyte.molar_mass
    else:
        from labstats._validate import as_constant

        mm = as_constant(molar_mass, "molar_mass", unit="g/mol")
    if unit == _INSULIN_ACTIVITY:
        return _insulin_factor(insulin_factor) * 1e-12
    if unit in _MOLAR:
        return _MOLAR[unit]
    if mm is None:  # mass-only analyte (cystatin C): stay in g/L
        return _MASS[unit]
    return _MASS[unit] / mm


def _analyte(name, canonical, units, mm, mm_source, plausible, description, plausible_source):
    return name, Analyte(name, canonical, tuple(units), mm, mm_source, plausible, description,
                         plausible_source, TYPICAL_QUARTILES.get(name, ()))


# BEGIN TYPICAL_QUARTILES (generated by `python -m labstats._calibrate_units <NHANES folder>
# --write`; do not edit by hand). Source and method: the docstring of
# labstats._calibrate_units (NHANES 2011-2016, 18 groups by sex and age).
#: A column is typical for a unit when its quartiles, in the canonical unit, are within
#: a factor COLUMN_MARGIN of the (Q1, Q3) of one NHANES group listed here.
COLUMN_MARGIN = 1.3
#: (Q1, Q3) of the NHANES groups, per analyte or measure, in its canonical unit.
TYPICAL_QUARTILES: Mapping[str, tuple[tuple[float, float], ...]] = MappingProxyType({
    "testosterone": ((0.3663, 0.8672), (0.3989, 0.9731), (0.4278, 0.8343), (0.4611, 0.995),
        (0.5201, 12.06), (0.542, 12.42), (0.5929, 12.48), (0.6068, 1.134), (0.6444, 1.247),
        (0.6644, 13.18), (0.8113, 13.29), (0.8768, 14.47), (7.558, 16.97), (7.795, 17.89),
        (9.257, 17.16), (9.812, 17.12), (9.968, 17.79), (11.06, 19.03)),
    "estradiol": ((7.772, 33.45), (18.48, 265.1), (18.89, 89.95), (19.94, 284.5), (23.46, 317.7),
        (27.24, 129.2), (44.42, 95.82), (44.42, 133.3), (48.83, 139.1), (51.03, 102.4),
        (59.84, 193.8), (66.45, 106.8), (66.45, 110.4), (67.19, 108.3), (69.02, 109.0),
        (77.83, 255.7), (109.5, 414.9), (121.2, 499.3)),
    "albumin": ((40.0, 44.0), (40.0, 45.0), (41.0, 45.0), (41.0, 46.0), (42.0, 45.0),
        (42.0, 46.0), (43.0, 47.0), (44.0, 47.0)),
    "creatinine": ((49.5, 64.53), (52.16, 72.49), (53.04, 68.95), (54.81, 73.37), (55.69, 73.37),
        (55.69, 75.14), (57.46, 79.56), (59.23, 83.98), (60.11, 86.63), (61.0, 84.87),
        (61.0, 85.75), (62.77, 88.4), (67.19, 99.89), (71.61, 94.59), (74.04, 94.59),
        (74.26, 91.94), (75.14, 97.24), (78.68, 108.7)),
    "glucose": ((4.885, 5.384), (4.885, 5.495), (4.94, 5.495), (4.996, 5.662), (4.996, 5.884),
        (5.051, 5.606), (5.051, 5.995), (5.107, 5.773), (5.107, 5.995), (5.162, 6.161),
        (5.218, 6.161), (5.218, 6.217), (5.273, 6.328), (5.329, 6.383), (5.384, 6.605),
        (5.44, 6.883), (5.551, 7.049)),
    "insulin": ((33.95, 90.92), (35.11, 91.0), (36.18, 91.11), (36.48, 94.53), (36.96, 94.77),
        (37.08, 94.68), (37.44, 94.86), (37.5, 95.17), (37.68, 96.8), (37.68, 97.29),
        (37.8, 98.4), (37.98, 95.13), (38.16, 96.06), (38.22, 95.52), (39.05, 96.31),
        (39.06, 97.72), (43.78, 101.6), (50.03, 107.1)),
    "triglycerides": ((0.4742, 1.016), (0.5081, 1.005), (0.5307, 0.9851), (0.6097, 1.27),
        (0.6661, 1.456), (0.6774, 1.423), (0.7, 1.536), (0.7226, 1.513), (0.7226, 1.648),
        (0.7452, 1.55), (0.7565, 1.646), (0.7565, 1.66), (0.8016, 1.637), (0.8016, 1.781),
        (0.8073, 1.75), (0.8355, 1.66), (0.8581, 1.694), (0.8807, 1.998)),
    "hdl_cholesterol": ((0.9828, 1.397), (1.009, 1.422), (1.009, 1.474), (1.035, 1.5),
        (1.06, 1.578), (1.06, 1.604), (1.086, 1.474), (1.086, 1.604), (1.086, 1.655),
        (1.112, 1.604), (1.138, 1.552), (1.164, 1.604), (1.164, 1.681), (1.19, 1.681),
        (1.19, 1.707), (1.19, 1.733), (1.241, 1.81)),
    "total_cholesterol": ((3.44, 4.397), (3.492, 4.474), (3.569, 4.578), (3.828, 5.224),
        (3.854, 5.302), (3.931, 5.302), (4.009, 5.173), (4.009, 5.38), (4.035, 5.302),
        (4.086, 5.38), (4.086, 5.509), (4.138, 5.586), (4.19, 5.561), (4.293, 5.638),
        (4.397, 5.774), (4.448, 5.793), (4.448, 5.819), (4.5, 5.819)),
    "ldl_cholesterol": ((1.733, 2.612), (1.785, 2.664), (1.836, 2.716), (2.017, 3.207),
        (2.069, 3.336), (2.095, 3.104), (2.121, 3.336), (2.147, 3.388), (2.173, 3.31),
        (2.173, 3.336), (2.224, 3.466), (2.25, 3.466), (2.276, 3.466), (2.328, 3.517),
        (2.483, 3.647), (2.483, 3.673), (2.483, 3.698)),
    "waist_circumference": ((70.9, 103.5), (71.0, 89.0), (71.1, 88.8), (71.1, 102.7),
        (71.2, 88.53), (71.3, 101.7), (80.6, 105.0), (82.4, 105.4), (83.8, 105.6), (85.2, 108.0),
        (86.5, 109.6), (87.3, 108.8), (89.1, 109.8), (89.6, 109.5), (90.0, 109.0), (91.9, 109.9),
        (92.2, 110.7), (94.78, 112.2)),
    "height": ((148.4, 163.4), (149.1, 170.9), (152.4, 176.6), (153.1, 162.2), (155.2, 165.2),
        (155.4, 164.7), (155.8, 165.6), (157.0, 171.8), (157.1, 166.7), (157.8, 171.3),
        (159.4, 174.0), (159.8, 174.3), (161.2, 175.6), (163.6, 176.0), (166.7, 176.8),
        (168.7, 179.0), (169.1, 179.5), (170.3, 180.4)),
    "weight": ((34.5, 87.7), (36.9, 83.2), (38.9, 78.3), (50.4, 71.4), (52.2, 75.7), (55.0, 79.1),
        (59.7, 87.05), (60.9, 84.5), (61.1, 87.62), (62.9, 90.8), (64.8, 93.0), (65.4, 89.9),
        (66.0, 92.6), (68.07, 94.8), (71.07, 94.3), (71.5, 97.3), (72.2, 96.9), (74.6, 98.6)),
})
# END TYPICAL_QUARTILES


_LIPID_MM = ("total, HDL and LDL cholesterol: 386.65 g/mol (C27H46O), i.e. 38.665 mg/dL per "
             "mmol/L; NCHS prints LBDTCSI / LBXTC = 0.02586 in NHANES 2011-2016, its rounding "
             "(1 / 0.02586 = 38.67)")

ANALYTES: Mapping[str, Analyte] = MappingProxyType(dict([
    _analyte("testosterone", "nmol/L", ["nmol/L", "ng/dL", "ng/mL", "pmol/L", "pg/mL"],
             288.42, "C19H28O2, 288.42 g/mol; ISSAM calculator: 288.4 ng/dL = 10 nmol/L",
             (0.0, 250.0), "total testosterone",
             "men 5-40 nmol/L; NHANES 2021-2023 has a man at 180 nmol/L; ng/dL values of men "
             "(300-800) labelled nmol/L still fall above 250"),
    # Free and bioavailable T are small fractions of total T: with total T's range, free T
    # in pg/mL (men about 50-250) or pmol/L read as nmol/L passed as plausible (a 288-fold
    # or 1000-fold error). Their ranges are fractions of total T's 250 nmol/L ceiling.
    _analyte("free_testosterone", "nmol/L", ["nmol/L", "pmol/L", "pg/mL", "ng/dL", "ng/mL"],
             288.42, "C19H28O2, 288.42 g/mol (as total testosterone)",
             (0.0, 10.0), "free testosterone",
             "free T is 1-4 % of total T (ISSAM worked example: 1.74 %; Fiers T et al., J Clin "
             "Endocrinol Metab 2018;103:2167-74: equilibrium dialysis medians 1.2 % in women, "
             "1.5 % in men, 248 pmol/L in men); 10 nmol/L is 4 % of total T's 250 nmol/L "
             "ceiling; men's free T in pg/mL or pmol/L (50-700) labelled nmol/L falls above"),
    _analyte("bioavailable_testosterone", "nmol/L",
             ["nmol/L", "ng/dL", "pmol/L", "pg/mL", "ng/mL"],
             288.42, "C19H28O2, 288.42 g/mol (as total testosterone)",
             (0.0, 100.0), "bioavailable (free + albumin-bound) testosterone",
             "bioavailable T is about 40 % of total T (ISSAM worked example: 4.07 of 10 "
             "nmol/L); 100 nmol/L is 40 % of total T's 250 nmol/L ceiling; men's "
             "bioavailable T in ng/dL (about 100-600) labelled nmol/L mostly falls above"),
    _analyte("estradiol", "pmol/L", ["pmol/L", "pg/mL", "nmol/L", "ng/dL"],
             272.38, "C18H24O2, 272.38 g/mol (1 pg/mL = 3.6713 pmol/L)",
             (0.0, 200_000.0), "estradiol-17β (total, free or bioavailable)",
             "third-trimester pregnancy reaches about 100,000 pmol/L"),
    _analyte("shbg", "nmol/L", ["nmol/L"], None, "SHBG is reported in nmol/L of binding sites",
             (0.0, 2000.0), "sex hormone-binding globulin",
             "adults 10-200 nmol/L; NHANES 2013-2016 has young and pregnant women up to "
             "1,067 nmol/L"),
    _analyte("albumin", "g/L", ["g/L", "g/dL", "µmol/L", "mg/dL"],
             66_500.0, "human serum albumin, about 66.5 kDa (sequence mass): a lab's "
             "µmol/L is its measured g/L over the protein's mass, so that g/L, the input the "
             "binding models were calibrated on, is recovered with it; the models then use "
             "their paper's molar mass (Vermeulen 1999: 69,000 g/mol)",
             (10.0, 70.0), "serum albumin",
             "below 10 g/L or above 70 g/L is almost surely a g/dL vs g/L error"),
    _analyte("glucose", "mmol/L", ["mmol/L", "mg/dL"],
             180.16, "C6H12O6, 180.16 g/mol (NHANES LBDGLUSI / LBXGLU = 0.05551)",
             (0.5, 60.0), "plasma glucose", "hyperosmolar states rarely exceed 60 mmol/L"),
    _analyte("insulin", "pmol/L", ["pmol/L", "µIU/mL"],
             5808.0, "human insulin, 5808 g/mol; µIU/mL <-> pmol/L uses INSULIN_FACTORS",
             (0.0, 10_000.0), "serum insulin", "fasting adults 10-300 pmol/L"),
    _analyte("creatinine", "µmol/L", ["µmol/L", "mg/dL"],
             113.12, "C4H7N3O, 113.12 g/mol; NCHS uses 88.4 µmol/L per mg/dL",
             (5.0, 3000.0), "serum creatinine (IDMS-traceable for CKD-EPI)",
             "below 5 µmol/L is almost surely mg/dL"),
    _analyte("cystatin_c", "mg/L", ["mg/L"], None, "reported in mg/L (ERM-DA471/IFCC traceable)",
             (0.1, 15.0), "serum cystatin C", "adults 0.5-8 mg/L"),
    _analyte("total_cholesterol", "mmol/L", ["mmol/L", "mg/dL"], 386.65, _LIPID_MM,
             (0.5, 30.0), "total cholesterol", "above 30 mmol/L is almost surely mg/dL"),
    _analyte("hdl_cholesterol", "mmol/L", ["mmol/L", "mg/dL"], 386.65, _LIPID_MM,
             (0.05, 6.0), "HDL cholesterol", "above 6 mmol/L is almost surely mg/dL"),
    _analyte("ldl_cholesterol", "mmol/L", ["mmol/L", "mg/dL"], 386.65, _LIPID_MM,
             (0.0, 25.0), "LDL cholesterol", "above 25 mmol/L is almost surely mg/dL"),
    _analyte("triglycerides", "mmol/L", ["mmol/L", "mg/dL"],
             885.7, "885.7 g/mol, the value behind the 88.57 mg/dL per mmol/L of the NCHS "
             "convention (NHANES LBDTRSI / LBXTR = 0.01129, 1 / 0.01129 = 88.57); a "
             "convention for mixed triglycerides, close to but not the molar mass of "
             "triolein (C57H104O6, 885.4 g/mol)", (0.05, 60.0), "triglycerides",
             "above 60 mmol/L (5300 mg/dL) is almost surely mg/dL"),
]))

#: Argument names of the public API (the glossary) and the analyte each one is.
ARGUMENTS: Mapping[str, str] = MappingProxyType({
    "total_testosterone": "testosterone",
    "free_testosterone": "free_testosterone",
    "bioavailable_testosterone": "bioavailable_testosterone",
    "testosterone": "testosterone",
    "estradiol": "estradiol",
    "free_estradiol": "estradiol",
    "bioavailable_estradiol": "estradiol",
    "shbg": "shbg",
    "albumin": "albumin",
    "glucose": "glucose",
    "insulin": "insulin",
    "creatinine": "creatinine",
    "cystatin_c": "cystatin_c",
    "total_cholesterol": "total_cholesterol",
    "hdl_cholesterol": "hdl_cholesterol",
    "ldl_cholesterol": "ldl_cholesterol",
    "non_hdl_cholesterol": "total_cholesterol",
    "triglycerides": "triglycerides",
})

# Spellings people type, after normalize_unit(), mapped to the display unit.
_ALIASES: dict[str, str] = {}


def normalize_unit(unit: str) -> str:
    """Fold case, spaces, micro signs and common spellings of a unit string.

    Examples
    --------
    >>> normalize_unit(" nmol / l ")
    'nmol/l'
    >>> normalize_unit("µIU/mL") == normalize_unit("uIU/ml") == normalize_unit("mIU/L")
    True
    >>> normalize_unit("u[IU]/mL"), normalize_unit("ｎｇ／ｄＬ")  # UCUM, full-width
    ('uiu/ml', 'ng/dl')
    """
    if not isinstance(unit, str):
        raise TypeError(f"a unit must be a string such as 'nmol/L', got {unit!r}")
    # NFKC: full-width letters and slash ("ｎｇ／ｄＬ", East Asian systems), superscripts
    s = unicodedata.normalize("NFKC", unit).strip().lower()
    s = s.replace("μ", "u").replace("µ", "u")  # Greek mu, micro sign
    s = re.sub(r"\s+", "", s)
    # UCUM writes arbitrary units in brackets (u[IU]/mL, m[IU]/L, mm[Hg], LOINC's example
    # units); without them they are the LIS spellings. "[IU]/mL" stays "iu/ml": unknown.
    s = {"[in_i]": "in", "[lb_av]": "lb"}.get(s, s).replace("[", "").replace("]", "")
    s = s.replace("litre", "l").replace("liter", "l").replace("mcg", "ug").replace("per", "/")
    s = s.replace("micro", "u").replace("mcmol", "umol").replace("mciu", "uiu")
    s = s.replace("/100ml", "/dl")  # mg/100 mL = mg/dL, g/100 mL = g/dL (older reports)
    # HbA1c written with what it is a fraction of: NGSP/DCCT % and IFCC mmol/mol. Not
    # "% (IFCC)": the older IFCC percentage (mmol/mol / 10), another scale: unknown.
    s = re.sub(r"^%(?:ofhb|hb|hba1c|\(?(?:ngsp|dcct)\)?)$", "%", s)
    s = re.sub(r"^mmol/mol(?:ofhb|hb|hba1c|\(?ifcc\)?)$", "mmol/mol", s)
    s = {"miu/l": "uiu/ml", "mu/l": "uiu/ml", "uu/ml": "uiu/ml", "uiu/l": "piu/ml",
         "umol/dl": "umol/dl"}.get(s, s)
    return s


for _u in list(_MOLAR) + list(_MASS) + [_INSULIN_ACTIVITY]:
    _ALIASES[normalize_unit(_u)] = _u
# The same unit in other words (SI-style spellings of European laboratories), shown as the
# unit they equal: µg/L = ng/mL; ng/L = pg/mL for estradiol only (oestradiol in ng/L): for
# testosterone "ng/L" is more likely a slip for ng/dL, a 100-fold error, so it is refused.
_ALIASES["ug/l"] = "ng/mL"
_ANALYTE_ALIASES = {"estradiol": {"ng/l": "pg/mL"}}


def resolve_unit(unit: str, analyte: Analyte | str) -> str:
    """Return the display spelling of ``unit``; ``ValueError`` if the analyte does not accept it.

    Examples
    --------
    >>> resolve_unit("ng/dl", "testosterone")
    'ng/dL'
    """
    a = ANALYTES[analyte_of(analyte)] if isinstance(analyte, str) else analyte
    folded = normalize_unit(unit)
    found = _ANALYTE_ALIASES.get(a.name, {}).get(folded) or _ALIASES.get(folded)
    if found is None or found not in a.units:
        raise ValueError(
            f"unknown unit {unit!r} for {a.name}; accepted units are {', '.join(a.units)} "
            f"(case, spaces and 'u' for 'µ' do not matter)"
        )
    return found


def analyte_of(name: str) -> str:
    """The analyte id for an analyte or argument name (``"total_testosterone"`` -> ``"testosterone"``).

    Examples
    --------
    >>> analyte_of("total_testosterone"), analyte_of("shbg")
    ('testosterone', 'shbg')
    """
    if name in ANALYTES:
        return name
    if name in ARGUMENTS:
        return ARGUMENTS[name]
    raise ValueError(f"unknown analyte {name!r}; known analytes are {', '.join(ANALYTES)} "
                     f"(argument names such as total_testosterone are accepted too; "
                     f"labstats.units.convert also converts {', '.join(MEASURES)})")


def convert(values, analyte: str, from_unit: str, to_unit: str, *,
            molar_mass: float | None = None, insulin_factor: str | float = "standard"):
    """Convert concentrations of ``analyte`` (or a measure) from ``from_unit`` to ``to_unit``.

    Parameters
    ----------
    values : float, array_like or pandas.Series
        Concentrations. NaN stays NaN. The input is never modified.
    analyte : str
        An analyte of ``ANALYTES``, an argument name of ``ARGUMENTS``, or a measure of
        ``MEASURES`` (``"hba1c"``: IFCC mmol/mol <-> NGSP %, by the master equation,
        ``HBA1C_MASTER_EQUATION``; ``"height"``: cm <-> in).
    from_unit, to_unit : str
        Units accepted for the analyte; spelling is forgiving (``"ng/dl"``, ``"uIU/mL"``).
    molar_mass : float, optional
        [g/mol] overrides the analyte's molar mass for mass <-> molar conversion.
    insulin_factor : {"standard", "legacy"} or float, default "standard"
        pmol/L per µIU/mL for insulin: 6.00 (standard) or 6.945 (legacy); see
        ``INSULIN_FACTORS``.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Same container as ``values``; a Series keeps its index and name.

    Raises
    ------
    ValueError
        For an unknown analyte or unit, listing the accepted ones.

    Examples
    --------
    >>> round(convert(43.0, "albumin", "g/L", "µmol/L", molar_mass=69_000), 2)
    623.19
    >>> convert(4.3, "albumin", "g/dL", "g/L")
    43.0
    >>> convert([42.0, 53.0], "hba1c", "mmol/mol", "%").round(2).tolist()
    [5.99, 7.0]
    """
    from labstats._validate import like_inputs, to_float_array

    _insulin_factor(insulin_factor)  # checked even where unused: a bad value is never ignored
    if analyte not in ANALYTES and analyte not in ARGUMENTS and analyte in MEASURES:
        m = MEASURES[analyte]
        if molar_mass is not None:
            raise ValueError(f"molar_mass={molar_mass!r}: {analyte} is not a concentration "
                             f"(units {', '.join((*m.units, *m.affine))}); omit molar_mass")
        x = to_float_array(values, "values")
        same = m.resolve(from_unit) == m.resolve(to_unit)
        out = x.copy() if same else m.from_canonical(m.to_canonical(x, from_unit), to_unit)
        return like_inputs(out, values, name=getattr(values, "name", None))
    a = ANALYTES[analyte_of(analyte)]
    f = _to_base(a, resolve_unit(from_unit, a), molar_mass, insulin_factor) / _to_base(
        a, resolve_unit(to_unit, a), molar_mass, insulin_factor
    )
    x = to_float_array(values, "values")
    return like_inputs(x * f, values, name=getattr(values, "name", None))


# --- Body measures, age and blood pressure ----------------------------------------------
# Not concentrations: no molar mass, plain multiplicative units. Their argument names
# extend the glossary; ``labstats._validate.as_measure`` checks and converts them.


_LB = 0.45359237  # kg per international avoirdupois pound (exact, 1959 agreement)
_INCH = 2.54  # cm per international inch (exact)
_KPA = 7.500616827  # mmHg per kPa (101.325 kPa = 760 mmHg)

#: Non-concentration arguments (glossary entries beside ``ARGUMENTS``). ``sex`` is not a
#: measure: it is parsed by ``labstats._validate.as_sex`` ("female"/"male", "F"/"M", or
#: the NHANES RIAGENDR codes 2/1).
MEASURES: Mapping[str, Measure] = MappingProxyType({m.name: m for m in [
    Measure("age", "years", {"years": 1.0}, (0.0, 120.0), "age in completed years"),
    Measure("weight", "kg", {"kg": 1.0, "g": 1e-3, "lb": _LB}, (0.5, 700.0), "body weight",
            TYPICAL_QUARTILES["weight"]),
    Measure("height", "cm", {"cm": 1.0, "m": 100.0, "mm": 0.1, "in": _INCH}, (30.0, 280.0),
            "standing height (or recumbent length)", TYPICAL_QUARTILES["height"]),
    Measure("waist_circumference", "cm", {"cm": 1.0, "m": 100.0, "mm": 0.1, "in": _INCH},
            (20.0, 300.0), "waist circumference", TYPICAL_QUARTILES["waist_circumference"]),
    Measure("bmi", "kg/m²", {"kg/m²": 1.0}, (5.0, 200.0), "body-mass index"),
    Measure("systolic_blood_pressure", "mmHg", {"mmHg": 1.0, "kPa": _KPA}, (40.0, 320.0),
            "systolic blood pressure"),
    Measure("diastolic_blood_pressure", "mmHg", {"mmHg": 1.0, "kPa": _KPA}, (10.0, 220.0),
            "diastolic blood pressure"),
    # Plausible 3-25 % (9.3-250 mmol/mol): NHANES 2011-2023 LBXGH spans 3.5-17.8 %; NGSP %
    # values (4-9) labelled mmol/mol fall below 3 %, IFCC values (20-130) labelled % above 25.
    Measure("hba1c", "%", {"%": 1.0}, (3.0, 25.0),
            "glycated haemoglobin HbA1c, NGSP/DCCT % (IFCC mmol/mol by the master equation)",
            affine=MappingProxyType({"mmol/mol": HBA1C_MASTER_EQUATION})),
]})
