"""Analytes, their units and conversions.

``ANALYTES`` is the one table of analytes labstats knows: canonical unit, accepted
units, molar mass with its source, and the plausible range used to catch unit
mix-ups. ``ARGUMENTS`` maps every argument name used in the public API (the
glossary, e.g. ``total_testosterone``) to its analyte.

Conversions between mass and molar units use the analyte's molar mass; a caller
may override it (albumin: the binding models use the molar mass of their paper).
Insulin's µIU/mL <-> pmol/L factor is a convention, not a molar mass: it is a
named, selectable option (``INSULIN_FACTORS``).

Examples
--------
>>> convert(288.42, "testosterone", "ng/dL", "nmol/L")
10.0
>>> convert([5.0, 10.0], "insulin", "uIU/mL", "pmol/L").tolist()
[30.0, 60.0]
>>> convert(10.0, "insulin", "µIU/mL", "pmol/L", insulin_factor="legacy")
69.45
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "ANALYTES",
    "ARGUMENTS",
    "INSULIN_FACTORS",
    "MEASURES",
    "Analyte",
    "Measure",
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
    """

    name: str
    canonical_unit: str
    units: tuple[str, ...]
    molar_mass: float | None
    molar_mass_source: str
    plausible: tuple[float, float]
    description: str
    plausible_source: str = field(default="")

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
                         plausible_source)


_LIPID_MM = ("total, HDL and LDL cholesterol: 386.65 g/mol (C27H46O), i.e. 38.665 mg/dL per "
             "mmol/L; NCHS prints LBDTCSI / LBXTC = 0.02586 in NHANES 2011-2016, its rounding "
             "(1 / 0.02586 = 38.67)")

ANALYTES: Mapping[str, Analyte] = MappingProxyType(dict([
    _analyte("testosterone", "nmol/L", ["nmol/L", "ng/dL", "ng/mL", "pmol/L", "pg/mL"],
             288.42, "C19H28O2, 288.42 g/mol; ISSAM calculator: 288.4 ng/dL = 10 nmol/L",
             (0.0, 250.0), "testosterone (total, free or bioavailable)",
             "men 5-40 nmol/L; NHANES 2021-2023 has a man at 180 nmol/L; ng/dL values of men "
             "(300-800) labelled nmol/L still fall above 250"),
    _analyte("estradiol", "pmol/L", ["pmol/L", "pg/mL", "nmol/L", "ng/dL"],
             272.38, "C18H24O2, 272.38 g/mol (1 pg/mL = 3.6713 pmol/L)",
             (0.0, 200_000.0), "estradiol-17β (total, free or bioavailable)",
             "third-trimester pregnancy reaches about 100,000 pmol/L"),
    _analyte("shbg", "nmol/L", ["nmol/L"], None, "SHBG is reported in nmol/L of binding sites",
             (0.0, 2000.0), "sex hormone-binding globulin",
             "adults 10-200 nmol/L; NHANES 2013-2016 has young and pregnant women up to "
             "1,067 nmol/L"),
    _analyte("albumin", "g/L", ["g/L", "g/dL", "µmol/L", "mg/dL"],
             66_500.0, "human serum albumin, about 66.5 kDa (sequence mass); the binding "
             "models use their paper's molar mass instead (Vermeulen 1999: 69,000 g/mol)",
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
    "free_testosterone": "testosterone",
    "bioavailable_testosterone": "testosterone",
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

    >>> normalize_unit(" nmol / l ")
    'nmol/l'
    >>> normalize_unit("µIU/mL") == normalize_unit("uIU/ml") == normalize_unit("mIU/L")
    True
    """
    if not isinstance(unit, str):
        raise TypeError(f"a unit must be a string such as 'nmol/L', got {unit!r}")
    s = unit.strip().lower().replace("μ", "u").replace("µ", "u")  # Greek mu, micro sign
    s = re.sub(r"\s+", "", s)
    s = s.replace("litre", "l").replace("liter", "l").replace("mcg", "ug").replace("per", "/")
    s = s.replace("micro", "u")
    s = {"miu/l": "uiu/ml", "mu/l": "uiu/ml", "uu/ml": "uiu/ml", "uiu/l": "piu/ml",
         "umol/dl": "umol/dl"}.get(s, s)
    return s


for _u in list(_MOLAR) + list(_MASS) + [_INSULIN_ACTIVITY]:
    _ALIASES[normalize_unit(_u)] = _u


def resolve_unit(unit: str, analyte: Analyte | str) -> str:
    """Return the display spelling of ``unit``; ``ValueError`` if the analyte does not accept it.

    >>> resolve_unit("ng/dl", "testosterone")
    'ng/dL'
    """
    a = ANALYTES[analyte_of(analyte)] if isinstance(analyte, str) else analyte
    found = _ALIASES.get(normalize_unit(unit))
    if found is None or found not in a.units:
        raise ValueError(
            f"unknown unit {unit!r} for {a.name}; accepted units are {', '.join(a.units)} "
            f"(case, spaces and 'u' for 'µ' do not matter)"
        )
    return found


def analyte_of(name: str) -> str:
    """The analyte id for an analyte or argument name (``"total_testosterone"`` -> ``"testosterone"``)."""
    if name in ANALYTES:
        return name
    if name in ARGUMENTS:
        return ARGUMENTS[name]
    raise ValueError(f"unknown analyte {name!r}; known analytes are {', '.join(ANALYTES)}")


def convert(values, analyte: str, from_unit: str, to_unit: str, *,
            molar_mass: float | None = None, insulin_factor: str | float = "standard"):
    """Convert concentrations of ``analyte`` from ``from_unit`` to ``to_unit``.

    Parameters
    ----------
    values : float, array_like or pandas.Series
        Concentrations. NaN stays NaN. The input is never modified.
    analyte : str
        An analyte of ``ANALYTES`` or an argument name of ``ARGUMENTS``.
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
    """
    from labstats._validate import like_inputs, to_float_array

    a = ANALYTES[analyte_of(analyte)]
    f = _to_base(a, resolve_unit(from_unit, a), molar_mass, insulin_factor) / _to_base(
        a, resolve_unit(to_unit, a), molar_mass, insulin_factor
    )
    x = to_float_array(values, "values")
    return like_inputs(x * f, values, name=getattr(values, "name", None))


# --- Body measures, age and blood pressure ----------------------------------------------
# Not concentrations: no molar mass, plain multiplicative units. Their argument names
# extend the glossary; ``labstats._validate.as_measure`` checks and converts them.


@dataclass(frozen=True)
class Measure:
    """One row of ``MEASURES``: a non-concentration argument of the public API.

    Attributes
    ----------
    name : str
        Argument name, e.g. ``"height"``.
    canonical_unit : str
        Default of ``<name>_unit`` and unit of outputs.
    units : Mapping[str, float]
        Accepted units -> factor to the canonical unit (canonical first).
    plausible : tuple of float
        (low, high) in the canonical unit; outside is almost surely a unit error.
    description : str
    """

    name: str
    canonical_unit: str
    units: Mapping[str, float]
    plausible: tuple[float, float]
    description: str

    def resolve(self, unit: str) -> str:
        """Display spelling of ``unit``; ``ValueError`` listing the accepted units."""
        want = normalize_unit(unit).replace("²", "2")
        for u in self.units:
            if normalize_unit(u).replace("²", "2") == want:
                return u
        raise ValueError(f"unknown unit {unit!r} for {self.name}; accepted units are "
                         f"{', '.join(self.units)}")

    def factor(self, unit: str) -> float:
        """Multiply a value in ``unit`` by this factor to get the canonical unit."""
        return self.units[self.resolve(unit)]


_LB = 0.45359237  # kg per international avoirdupois pound (exact, 1959 agreement)
_INCH = 2.54  # cm per international inch (exact)
_KPA = 7.500616827  # mmHg per kPa (101.325 kPa = 760 mmHg)

#: Non-concentration arguments (glossary entries beside ``ARGUMENTS``). ``sex`` is not a
#: measure: it is parsed by ``labstats._validate.as_sex`` ("female"/"male", "F"/"M", or
#: the NHANES RIAGENDR codes 2/1).
MEASURES: Mapping[str, Measure] = MappingProxyType({m.name: m for m in [
    Measure("age", "years", {"years": 1.0}, (0.0, 120.0), "age in completed years"),
    Measure("weight", "kg", {"kg": 1.0, "g": 1e-3, "lb": _LB}, (0.5, 700.0), "body weight"),
    Measure("height", "cm", {"cm": 1.0, "m": 100.0, "mm": 0.1, "in": _INCH}, (30.0, 280.0),
            "standing height (or recumbent length)"),
    Measure("waist_circumference", "cm", {"cm": 1.0, "m": 100.0, "mm": 0.1, "in": _INCH},
            (20.0, 300.0), "waist circumference"),
    Measure("bmi", "kg/m²", {"kg/m²": 1.0}, (5.0, 200.0), "body-mass index"),
    Measure("systolic_blood_pressure", "mmHg", {"mmHg": 1.0, "kPa": _KPA}, (40.0, 320.0),
            "systolic blood pressure"),
    Measure("diastolic_blood_pressure", "mmHg", {"mmHg": 1.0, "kPa": _KPA}, (10.0, 220.0),
            "diastolic blood pressure"),
]})
