"""The harmonised metabolic syndrome of Alberti et al. (2009): any 3 of 5 criteria.

Each criterion is three-valued: met, not met, or unknown (a measurement is missing and
no treatment flag settles it). The diagnosis is then met (3 or more criteria met), not
met (fewer than 3 even if every unknown were met) or unknown, so that a missing blood
pressure never silently counts as normal.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from labstats import constants as c
from labstats._validate import (
    _is_series,
    as_concentration,
    as_constant,
    as_flag,
    as_measure,
    check_rows,
)
from labstats.formulas._common import sex_array
from labstats.units import ANALYTES, analyte_of, resolve_unit

__all__ = ["METS_CUT_POINTS", "WAIST_THRESHOLDS", "metabolic_syndrome"]

#: Waist-circumference thresholds for elevated waist, (men, women) [cm], as listed in
#: Alberti 2009, Table 2 (transcribed in ../shared/science/FORMULAS.md section 7; not yet
#: re-read from the statement itself). Values are ">=" thresholds.
WAIST_THRESHOLDS = MappingProxyType({
    "us_aha_nhlbi": (102.0, 88.0),  # United States, AHA/NHLBI (ATP III)
    "idf_europid": (94.0, 80.0),  # Europid, IDF
    "who_caucasian_increased_risk": (94.0, 80.0),  # Caucasian, WHO, increased risk
    "who_caucasian_higher_risk": (102.0, 88.0),  # Caucasian, WHO, still higher risk
    "health_canada": (102.0, 88.0),  # Canada, Health Canada
    "european_cardiovascular_societies": (102.0, 88.0),  # European cardiovascular societies
    "idf_asian": (90.0, 80.0),  # Asian (including Japanese), IDF
    "who_asian": (90.0, 80.0),  # Asian, WHO
    "japanese_obesity_society": (85.0, 90.0),  # Japanese, Japanese Obesity Society
    "china_cooperative_task_force": (85.0, 80.0),  # China, Cooperative Task Force
    "idf_middle_east_mediterranean": (94.0, 80.0),  # Middle East, Mediterranean, IDF
    "idf_sub_saharan_african": (94.0, 80.0),  # Sub-Saharan African, IDF
    "idf_central_south_american": (90.0, 80.0),  # Ethnic Central and South American, IDF
})

#: Accepted waist thresholds [cm] (exclusive): the published ones are 80-102 cm; a pair in
#: inches (40, 35) or metres would silently change every diagnosis.
WAIST_THRESHOLD_RANGE_CM = (50.0, 150.0)

#: Cut points of Alberti 2009 Table 1 in each unit it prints: triglycerides (>=), HDL-C
#: (<; women, men), fasting glucose (>=). The mmol/L values are the statement's roundings
#: of the mg/dL ones (1.7 mmol/L is 150.6 mg/dL), so the two can disagree at the border.
METS_CUT_POINTS = MappingProxyType({
    "mg/dL": {"triglycerides": c.METS_TRIGLYCERIDES_MG_DL, "hdl_cholesterol": c.METS_HDL_MG_DL,
              "glucose": c.METS_GLUCOSE_MG_DL},
    "mmol/L": {"triglycerides": c.METS_TRIGLYCERIDES_MMOL_L,
               "hdl_cholesterol": c.METS_HDL_MMOL_L, "glucose": c.METS_GLUCOSE_MMOL_L},
})

_COLUMNS = ("elevated_waist_circumference", "elevated_triglycerides", "reduced_hdl_cholesterol",
            "elevated_blood_pressure", "elevated_glucose")


def _compare(x, cut, op):
    """1.0 where ``x op cut``, 0.0 where not, NaN where x is NaN."""
    with np.errstate(invalid="ignore"):
        hit = op(x, cut)
    return np.where(np.isnan(x) | np.isnan(cut), np.nan, hit.astype(np.float64))


def _cut_as_stored(values, cut):
    """The cut point at the precision the user's values were stored in: float32 5.6 is
    5.5999999 in float64, and must still count as >= 5.6 (Alberti 2009 prints the cut
    points to the digit lab values are reported in, so values exactly at them are common)."""
    dtype = getattr(values, "dtype", None)
    dtype = getattr(dtype, "numpy_dtype", dtype)  # pandas' nullable Float32
    if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize < 8:
        with np.errstate(invalid="ignore"):
            return np.asarray(cut, dtype=dtype).astype(np.float64)
    return cut


def _either(*parts):
    """Three-valued OR: 1 if any part is 1, 0 if all are 0, else NaN."""
    any_true, all_false = False, True
    for p in parts:
        any_true = any_true | (p == 1.0)
        all_false = all_false & (p == 0.0)
    return np.where(any_true, 1.0, np.where(all_false, 0.0, np.nan))


def _thresholds(waist_thresholds):
    if isinstance(waist_thresholds, str):
        if waist_thresholds not in WAIST_THRESHOLDS:
            raise ValueError(f"unknown waist_thresholds {waist_thresholds!r}; use one of "
                             f"{', '.join(WAIST_THRESHOLDS)} or a (men, women) tuple in cm")
        return WAIST_THRESHOLDS[waist_thresholds]
    try:
        men, women = waist_thresholds
    except (TypeError, ValueError):
        raise ValueError(f"waist_thresholds must be a name of WAIST_THRESHOLDS or a (men, "
                         f"women) pair in cm, got {waist_thresholds!r}") from None
    lo, hi = WAIST_THRESHOLD_RANGE_CM
    hint = "Published thresholds are 80-102 cm; give centimetres (inches x 2.54)."
    return (as_constant(men, "waist_thresholds (men)", unit="cm", low=lo, high=hi, hint=hint),
            as_constant(women, "waist_thresholds (women)", unit="cm", low=lo, high=hi,
                        hint=hint))


def _cut_point_units(cut_points, *units):
    """The unit system of the cut points: as given, or that of the three lipid/glucose units."""
    if cut_points is not None:
        if cut_points not in METS_CUT_POINTS:
            raise ValueError(f"cut_points must be one of {', '.join(METS_CUT_POINTS)} or None "
                             f"(the unit system of the inputs), got {cut_points!r}")
        return cut_points
    names = ("triglycerides_unit", "hdl_cholesterol_unit", "glucose_unit")
    systems = {n: resolve_unit(u, ANALYTES[analyte_of(n[:-5])]) for n, u in zip(
        names, units, strict=True)}
    found = set(systems.values())
    if len(found) == 1:
        return found.pop()
    given = ", ".join(f"{n}={u!r}" for n, u in systems.items())
    raise ValueError(f"the inputs mix unit systems ({given}), so it is not clear which cut "
                     f"points of Alberti 2009 Table 1 apply (the mg/dL and mmol/L ones are not "
                     f"exact conversions); pass cut_points=\"mg/dL\" or cut_points=\"mmol/L\"")


def metabolic_syndrome(*, waist_circumference, triglycerides, hdl_cholesterol,
                       systolic_blood_pressure, diastolic_blood_pressure, glucose, sex,
                       waist_thresholds="us_aha_nhlbi", triglycerides_treatment=False,
                       hdl_cholesterol_treatment=False, blood_pressure_treatment=False,
                       glucose_treatment=False, cut_points: str | None = None,
                       waist_circumference_unit: str = "cm", triglycerides_unit: str = "mmol/L",
                       hdl_cholesterol_unit: str = "mmol/L", glucose_unit: str = "mmol/L",
                       systolic_blood_pressure_unit: str = "mmHg",
                       diastolic_blood_pressure_unit: str = "mmHg"):
    r"""Harmonised metabolic syndrome (Alberti 2009): criteria met and diagnosis [1]_.

    Any 3 of: elevated waist circumference (population-specific threshold); TG >= 150
    mg/dL (1.7 mmol/L) or drug treatment for elevated TG; HDL-C < 40 mg/dL (1.0 mmol/L) in
    men / < 50 mg/dL (1.3 mmol/L) in women or drug treatment for reduced HDL-C; systolic
    >= 130 and/or diastolic >= 85 mmHg or antihypertensive treatment; fasting glucose >=
    100 mg/dL (5.6 mmol/L) or drug treatment for elevated glucose. The cut points of the
    unit system of the inputs apply unless ``cut_points`` says otherwise.

    Parameters
    ----------
    waist_circumference : float, array_like or pandas.Series
        [cm, or ``waist_circumference_unit``]
    triglycerides, hdl_cholesterol, glucose : float, array_like or pandas.Series
        Fasting values. [mmol/L, or ``<name>_unit``: "mmol/L" or "mg/dL"]
    systolic_blood_pressure, diastolic_blood_pressure : float, array_like or pandas.Series
        [mmHg, or "kPa"]
    sex : str, int, array_like or pandas.Series
        "female"/"male", "F"/"M" or the NHANES codes 2/1; sets the HDL-C and waist cut
        points (missing sex leaves those two criteria unknown).
    waist_thresholds : str or (float, float), default "us_aha_nhlbi"
        A key of ``WAIST_THRESHOLDS`` (102/88 cm for the US; "idf_europid" 94/80, ...)
        or (men, women) in cm. The statement lets the population decide; there is no
        neutral default, so state the choice.
    triglycerides_treatment, hdl_cholesterol_treatment : bool or array_like, default False
        Drug treatment for elevated triglycerides / reduced HDL-C, which counts as meeting
        that criterion. True/False or 1/0; missing values are an error (fill them
        explicitly), as for the two flags below.
    blood_pressure_treatment, glucose_treatment : bool or array_like, default False
        Antihypertensive treatment in a patient with a history of hypertension / drug
        treatment of elevated glucose, which counts as meeting that criterion.
    cut_points : {"mg/dL", "mmol/L"}, optional
        Which of the two sets of cut points printed in [1]_, Table 1, to apply: mg/dL
        (TG 150, HDL-C 40 men / 50 women, glucose 100) or mmol/L (1.7, 1.0 / 1.3, 5.6).
        They are not exact conversions of each other (150 mg/dL is 1.69 mmol/L, 40 mg/dL
        is 1.03, 100 mg/dL is 5.55), so near the borders they disagree: a man with TG
        1.69, HDL-C 1.02 and glucose 5.58 mmol/L meets two criteria by the mg/dL cut
        points and none by the mmol/L ones. Default (None): the unit system of the inputs
        -- the mmol/L cut points when ``triglycerides_unit``, ``hdl_cholesterol_unit`` and
        ``glucose_unit`` are all mmol/L, the mg/dL ones when all are mg/dL; mixed units
        raise ``ValueError`` asking you to choose. Values are converted to the unit of the
        cut points, never the cut points to the unit of the values.
    waist_circumference_unit : str, default "cm"
        "cm", "m", "mm" or "in".
    triglycerides_unit, hdl_cholesterol_unit, glucose_unit : str, default "mmol/L"
        "mmol/L" or "mg/dL".
    systolic_blood_pressure_unit, diastolic_blood_pressure_unit : str, default "mmHg"
        "mmHg" or "kPa".

    Returns
    -------
    pandas.DataFrame
        One row per input row (a Series input's index is kept, else a RangeIndex) with
        nullable-boolean columns ``elevated_waist_circumference``,
        ``elevated_triglycerides``, ``reduced_hdl_cholesterol``,
        ``elevated_blood_pressure``, ``elevated_glucose`` (NA where unknown), integer
        columns ``n_criteria_met`` and ``n_criteria_unknown``, and the nullable-boolean
        ``metabolic_syndrome``: True if 3 or more criteria are met, False if fewer than
        3 could be met even with every unknown one, NA otherwise.

    Raises
    ------
    ValueError
        For non-numeric, negative or implausible values, an unrecognised sex, a missing
        treatment flag or unknown thresholds.

    Notes
    -----
    Bounds as printed: ">=" for waist, TG, blood pressure and glucose, "<" for HDL-C.
    Values stored as float32 are compared with the cut point rounded to float32, so that a
    stored 5.6 mmol/L (5.5999999 as a double) is at the cut point, as its writer meant.
    [1]_, Table 1 prints the lipid and glucose cut points in mg/dL with mmol/L in brackets;
    the bracketed values are roundings, not conversions (``METS_CUT_POINTS`` holds both).
    The statement does not say which set rules when they disagree, so labstats applies
    the set printed in the unit the values were measured in, as a laboratory reporting in
    that unit would, and refuses to guess when the inputs mix the two systems.
    This is the harmonised definition (no obligatory component), not the IDF 2005 one
    (waist obligatory). Checked against the cut points of [1]_, Table 1, at and around
    each border; no published individual-level example was found.

    References
    ----------
    .. [1] K. G. M. M. Alberti et al., "Harmonizing the metabolic syndrome: a joint
       interim statement of the International Diabetes Federation Task Force on
       Epidemiology and Prevention; National Heart, Lung, and Blood Institute; American
       Heart Association; World Heart Federation; International Atherosclerosis Society;
       and International Association for the Study of Obesity," Circulation, vol. 120,
       no. 16, pp. 1640-1645, 2009, doi:10.1161/CIRCULATIONAHA.109.192644.

    Examples
    --------
    >>> res = metabolic_syndrome(
    ...     waist_circumference=[105.0, 80.0], triglycerides=[2.0, 1.0],
    ...     hdl_cholesterol=[0.9, 1.6], systolic_blood_pressure=[120.0, None],
    ...     diastolic_blood_pressure=[80.0, None], glucose=[5.0, 5.0], sex=["M", "F"])
    >>> res[["n_criteria_met", "n_criteria_unknown", "metabolic_syndrome"]]
       n_criteria_met  n_criteria_unknown  metabolic_syndrome
    0               3                   0                True
    1               0                   1               False
    """
    import pandas as pd

    cut_points = _cut_point_units(cut_points, triglycerides_unit, hdl_cholesterol_unit,
                                  glucose_unit)
    cuts = METS_CUT_POINTS[cut_points]
    men, women = _thresholds(waist_thresholds)
    female = sex_array(sex)
    w = as_measure(waist_circumference, "waist_circumference", unit=waist_circumference_unit)
    tg = as_concentration(triglycerides, "triglycerides", unit=triglycerides_unit,
                          to=cut_points)
    hdl = as_concentration(hdl_cholesterol, "hdl_cholesterol", unit=hdl_cholesterol_unit,
                           to=cut_points)
    glu = as_concentration(glucose, "glucose", unit=glucose_unit, to=cut_points)
    sbp = as_measure(systolic_blood_pressure, "systolic_blood_pressure",
                     unit=systolic_blood_pressure_unit)
    dbp = as_measure(diastolic_blood_pressure, "diastolic_blood_pressure",
                     unit=diastolic_blood_pressure_unit)
    flags = {n: as_flag(v, n).astype(np.float64) for n, v in (
        ("triglycerides_treatment", triglycerides_treatment),
        ("hdl_cholesterol_treatment", hdl_cholesterol_treatment),
        ("blood_pressure_treatment", blood_pressure_treatment),
        ("glucose_treatment", glucose_treatment))}
    given = {"waist_circumference": w, "triglycerides": tg, "hdl_cholesterol": hdl,
             "glucose": glu, "systolic_blood_pressure": sbp, "diastolic_blood_pressure": dbp,
             "sex": female, **flags}
    check_rows([np.shape(v) for v in given.values()], list(given))  # no outer product

    waist_cut = np.where(female == 1.0, women, np.where(female == 0.0, men, np.nan))
    hdl_cut = np.where(female == 1.0, cuts["hdl_cholesterol"][0],
                       np.where(female == 0.0, cuts["hdl_cholesterol"][1], np.nan))
    crit = {
        "elevated_waist_circumference": _compare(
            w, _cut_as_stored(waist_circumference, waist_cut), np.greater_equal),
        "elevated_triglycerides": _either(
            _compare(tg, _cut_as_stored(triglycerides, cuts["triglycerides"]),
                     np.greater_equal),
            flags["triglycerides_treatment"]),
        "reduced_hdl_cholesterol": _either(
            _compare(hdl, _cut_as_stored(hdl_cholesterol, hdl_cut), np.less),
                                           flags["hdl_cholesterol_treatment"]),
        "elevated_blood_pressure": _either(
            _compare(sbp, c.METS_SYSTOLIC_MMHG, np.greater_equal),
            _compare(dbp, c.METS_DIASTOLIC_MMHG, np.greater_equal),
            flags["blood_pressure_treatment"]),
        "elevated_glucose": _either(
            _compare(glu, _cut_as_stored(glucose, cuts["glucose"]), np.greater_equal),
                                    flags["glucose_treatment"]),
    }
    stacked = np.stack(np.broadcast_arrays(*[np.atleast_1d(v) for v in crit.values()]))
    met = np.count_nonzero(stacked == 1.0, axis=0)
    unknown = np.count_nonzero(np.isnan(stacked), axis=0)
    need = c.METS_CRITERIA_FOR_DIAGNOSIS
    dx = np.where(met >= need, 1.0, np.where(met + unknown < need, 0.0, np.nan))

    inputs = (waist_circumference, triglycerides, hdl_cholesterol, systolic_blood_pressure,
              diastolic_blood_pressure, glucose, sex, triglycerides_treatment,
              hdl_cholesterol_treatment, blood_pressure_treatment, glucose_treatment)
    series = [x for x in inputs if _is_series(x)]
    for s in series[1:]:
        if not s.index.equals(series[0].index):
            raise ValueError("Series inputs have different indexes; align them first "
                             "(e.g. a, b = a.align(b)) so that rows are paired by label, "
                             "not position")
    index = series[0].index if series else None

    def boolean(x):  # 1.0/0.0/NaN -> nullable boolean, without Python objects
        return pd.arrays.BooleanArray(x == 1.0, np.isnan(x))

    out = {name: boolean(v) for name, v in zip(_COLUMNS, stacked, strict=True)}
    out["n_criteria_met"] = met.astype(np.int64)
    out["n_criteria_unknown"] = unknown.astype(np.int64)
    out["metabolic_syndrome"] = boolean(dx)
    return pd.DataFrame(out, index=index)
