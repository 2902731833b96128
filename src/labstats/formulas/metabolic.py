"""Insulin resistance indices (HOMA1, QUICKI, TyG, TyG-BMI) and body-size indices.

HOMA1 and QUICKI take fasting glucose and insulin; their constants assume insulin in
µU/mL, so insulin in pmol/L is divided by a named conversion factor (6.00 by default,
``labstats.units.INSULIN_FACTORS``). TyG takes triglycerides and glucose in mg/dL, as
printed. Conversions happen once, inside the cache-sized blocks of the computation.
"""

from __future__ import annotations

import numpy as np

from labstats import constants as c
from labstats._validate import like_inputs
from labstats.formulas._common import Column, Counter, fused, nan_where


def _zero_to_nan(out, counter: Counter, *pairs):
    """NaN (each row counted once) where a block of the (Column, block) ``pairs`` is 0: a
    log of 0 or a division by 0. Only reachable with ``labstats.plausibility("warn")`` or
    ``("ignore")``; a block without 0 is not scanned again (its minimum is known)."""
    hit = [blk for col, blk in pairs if col.block_range(blk)[0] <= 0.0]
    if hit:
        mask = hit[0] <= 0.0
        for blk in hit[1:]:
            mask |= blk <= 0.0
        out = nan_where(out, mask, counter)
    return out


def _warn_zero(counter: Counter, names: str, what: str) -> None:
    counter.warn(f"with {names} 0 (accepted as plausible by labstats.plausibility): {what} "
                 f"is undefined there and set to NaN")

__all__ = [
    "bmi",
    "homa_b",
    "homa_ir",
    "quicki",
    "tyg_bmi",
    "tyg_index",
    "waist_to_height_ratio",
]

_MATTHEWS = ("D. R. Matthews, J. P. Hosker, A. S. Rudenski, B. A. Naylor, D. F. Treacher and "
             "R. C. Turner, \"Homeostasis model assessment: insulin resistance and beta-cell "
             "function from fasting plasma glucose and insulin concentrations in man,\" "
             "Diabetologia, vol. 28, no. 7, pp. 412-419, 1985, doi:10.1007/BF00280883.")

_GLU_INS_PARAMS = """
    Parameters
    ----------
    glucose : float, array_like or pandas.Series
        Fasting plasma glucose. [mmol/L, or ``glucose_unit``]
    insulin : float, array_like or pandas.Series
        Fasting serum insulin. [pmol/L, or ``insulin_unit``]
    glucose_unit : str, default "mmol/L"
        "mmol/L" or "mg/dL" (18.016 mg/dL per mmol/L).
    insulin_unit : str, default "pmol/L"
        "pmol/L" or "µIU/mL" (also "uIU/mL", "mIU/L", "µU/mL").
    insulin_factor : {"standard", "legacy"} or float, default "standard"
        pmol/L per µIU/mL used to bring pmol/L to the µU/mL of the equation: 6.00
        ("standard", used by NCHS in NHANES) or 6.945 ("legacy"); see
        ``labstats.units.INSULIN_FACTORS``. Irrelevant when insulin is given in µIU/mL.
"""


def _glucose_insulin(glucose, insulin, glucose_unit, insulin_unit, insulin_factor, glu_to):
    return (Column(glucose, "glucose", glucose_unit, glu_to),
            Column(insulin, "insulin", insulin_unit, "µIU/mL", insulin_factor=insulin_factor))


def homa_ir(glucose, insulin, *, glucose_unit: str = "mmol/L", insulin_unit: str = "pmol/L",
            insulin_factor: str | float = "standard"):
    r"""HOMA1 insulin resistance, :math:`FPI\,[\mu U/mL] \times FPG\,[mmol/L] / 22.5` [1]_.
    {params}
    Returns
    -------
    float, numpy.ndarray or pandas.Series
        HOMA1-IR. [dimensionless] Same container as the inputs; a Series is named
        ``homa_ir``. NaN wherever an input is NaN.

    Raises
    ------
    ValueError
        If a value is non-numeric, negative or implausible for its unit.

    Notes
    -----
    This is the closed-form HOMA1 of 1985, not the computer model HOMA2, which gives
    different numbers. 22.5 = 5 µU/mL x 4.5 mmol/L makes a normal young adult 1.
    Validated against that normalisation and the test suite of Modibo/biosigma
    (FPI 15 µU/mL, FPG 5.0 mmol/L -> 3.3333); see ``tests/formulas/test_metabolic.py``.

    References
    ----------
    .. [1] {ref}

    Examples
    --------
    >>> homa_ir(4.5, 5.0, insulin_unit="µIU/mL")
    1.0
    >>> round(homa_ir(5.0, 90.0), 4)
    3.3333
    >>> round(homa_ir(5.0, 90.0, insulin_factor="legacy"), 4)
    2.8798
    """
    cols = _glucose_insulin(glucose, insulin, glucose_unit, insulin_unit, insulin_factor,
                            "mmol/L")
    (out,) = fused(lambda g, i: (g * i / c.HOMA_IR_DENOMINATOR,), *cols)  # Matthews 1985
    return like_inputs(out, glucose, insulin, name="homa_ir")


def homa_b(glucose, insulin, *, glucose_unit: str = "mmol/L", insulin_unit: str = "pmol/L",
           insulin_factor: str | float = "standard"):
    r"""HOMA1 beta-cell function, :math:`20 \, FPI\,[\mu U/mL] / (FPG\,[mmol/L] - 3.5)` [1]_.
    {params}
    Returns
    -------
    float, numpy.ndarray or pandas.Series
        HOMA1-%B. [%] A Series is named ``homa_b``. NaN where an input is NaN or glucose
        is at or below 3.5 mmol/L, where the formula is undefined; a ``LabstatsWarning``
        gives the number of such rows.

    Raises
    ------
    ValueError
        If a value is non-numeric, negative or implausible for its unit.

    Notes
    -----
    Validated against the defining normalisation of [1]_ (FPI 5 µU/mL, FPG 4.5 mmol/L ->
    100 %).

    References
    ----------
    .. [1] {ref}

    Examples
    --------
    >>> homa_b(4.5, 5.0, insulin_unit="µIU/mL")
    100.0
    >>> round(homa_b(81.0, 5.0, glucose_unit="mg/dL", insulin_unit="µIU/mL"), 1)
    100.4
    """
    cols = _glucose_insulin(glucose, insulin, glucose_unit, insulin_unit, insulin_factor,
                            "mmol/L")
    low = Counter()

    def kernel(g, i):
        with np.errstate(divide="ignore"):
            out = c.HOMA_B_SCALE * i / (g - c.HOMA_B_GLUCOSE_OFFSET)  # Matthews 1985
        if cols[0].block_range(g)[0] <= c.HOMA_B_GLUCOSE_OFFSET:
            out = nan_where(out, g <= c.HOMA_B_GLUCOSE_OFFSET, low)
        return (out,)

    (out,) = fused(kernel, *cols)
    low.warn("with glucose at or below 3.5 mmol/L (63 mg/dL): HOMA1-%B is undefined there "
             "and set to NaN")
    return like_inputs(out, glucose, insulin, name="homa_b")


def quicki(glucose, insulin, *, glucose_unit: str = "mmol/L", insulin_unit: str = "pmol/L",
           insulin_factor: str | float = "standard"):
    r"""QUICKI, :math:`1 / (\log_{10} FPI\,[\mu U/mL] + \log_{10} FPG\,[mg/dL])` [1]_.
    {params}
    Returns
    -------
    float, numpy.ndarray or pandas.Series
        QUICKI. [dimensionless] A Series is named ``quicki``. NaN where an input is NaN
        or FPI [µU/mL] x FPG [mg/dL] is at or below 1 (e.g. insulin 0), where the index
        is undefined; a ``LabstatsWarning`` gives the number of such rows.

    Raises
    ------
    ValueError
        If a value is non-numeric, negative or implausible for its unit.

    Notes
    -----
    Decimal logarithms of glucose in mg/dL, as published; natural logarithms or mmol/L
    give other numbers. Validated against the test suite of Modibo/biosigma (agreeing
    with a second peer to 1e-9); see ``tests/formulas/test_metabolic.py``.

    References
    ----------
    .. [1] A. Katz et al., "Quantitative insulin sensitivity check index: a simple,
       accurate method for assessing insulin sensitivity in humans," J. Clin. Endocrinol.
       Metab., vol. 85, no. 7, pp. 2402-2410, 2000, doi:10.1210/jcem.85.7.6661.

    Examples
    --------
    >>> round(quicki(90.0, 15.0, glucose_unit="mg/dL", insulin_unit="µIU/mL"), 6)
    0.319455
    """
    cols = _glucose_insulin(glucose, insulin, glucose_unit, insulin_unit, insulin_factor,
                            "mg/dL")
    undefined = Counter()

    def kernel(g, i):
        gi = g * i
        with np.errstate(divide="ignore"):
            out = 1.0 / np.log10(gi)  # Katz 2000: log10(FPI) + log10(FPG)
        # FPI x FPG <= 1: the sum of logs is <= 0 (an insulin of 0 gave -0.0)
        return (nan_where(out, gi <= 1.0, undefined),)

    (out,) = fused(kernel, *cols)
    undefined.warn("with fasting insulin x glucose at or below 1 (µU/mL x mg/dL), e.g. "
                   "insulin 0: QUICKI is undefined there and set to NaN")
    return like_inputs(out, glucose, insulin, name="quicki")


_TYG_PARAMS = """
    Parameters
    ----------
    triglycerides : float, array_like or pandas.Series
        Fasting triglycerides. [mmol/L, or ``triglycerides_unit``]
    glucose : float, array_like or pandas.Series
        Fasting plasma glucose. [mmol/L, or ``glucose_unit``]"""


def tyg_index(triglycerides, glucose, *, triglycerides_unit: str = "mmol/L",
              glucose_unit: str = "mmol/L"):
    r"""Triglyceride-glucose index, :math:`\ln(TG\,[mg/dL] \times FPG\,[mg/dL] / 2)` [1]_.
    {tyg}
    triglycerides_unit, glucose_unit : str, default "mmol/L"
        "mmol/L" or "mg/dL"; converted to mg/dL (88.57 and 18.016 mg/dL per mmol/L).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        TyG. [dimensionless] A Series is named ``tyg_index``. NaN where an input is NaN,
        or (with a ``LabstatsWarning``) where TG or glucose is 0: the log is undefined.

    Raises
    ------
    ValueError
        If a value is non-numeric, negative or implausible for its unit.

    Notes
    -----
    Natural logarithm of the product over 2, as in [1]_; some papers print
    :math:`\ln(TG \times FPG)/2`, a different number. Validated against the test suite
    of Modibo/biosigma (TG 150, FPG 90 mg/dL -> 8.8173).

    References
    ----------
    .. [1] L. E. Simental-Mendía, M. Rodríguez-Morán and F. Guerrero-Romero, "The product
       of fasting glucose and triglycerides as surrogate for identifying insulin
       resistance in apparently healthy subjects," Metab. Syndr. Relat. Disord., vol. 6,
       no. 4, pp. 299-304, 2008, doi:10.1089/met.2008.0034.

    Examples
    --------
    >>> round(tyg_index(150.0, 90.0, triglycerides_unit="mg/dL", glucose_unit="mg/dL"), 6)
    8.817298
    """
    cols = (Column(triglycerides, "triglycerides", triglycerides_unit, "mg/dL"),
            Column(glucose, "glucose", glucose_unit, "mg/dL"))

    zero = Counter()

    def kernel(tg, g):
        with np.errstate(divide="ignore"):
            out = np.log(tg * g / c.TYG_DIVISOR)  # Simental-Mendía 2008
        return (_zero_to_nan(out, zero, (cols[0], tg), (cols[1], g)),)

    (out,) = fused(kernel, *cols)
    _warn_zero(zero, "triglycerides or glucose", "the TyG index (a logarithm)")
    return like_inputs(out, triglycerides, glucose, name="tyg_index")


def tyg_bmi(triglycerides, glucose, *, bmi, triglycerides_unit: str = "mmol/L",
            glucose_unit: str = "mmol/L"):
    r"""TyG-BMI, the triglyceride-glucose index times body-mass index [1]_.

    :math:`\mathrm{TyG\text{-}BMI} = \ln(TG\,[mg/dL] \times FPG\,[mg/dL] / 2) \times BMI`.
    {tyg}
    bmi : float, array_like or pandas.Series
        Body-mass index. [kg/m²] (``labstats.bmi`` computes it.)
    triglycerides_unit, glucose_unit : str, default "mmol/L"
        "mmol/L" or "mg/dL".

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        TyG-BMI. [kg/m²] A Series is named ``tyg_bmi``. NaN where an input is NaN, or
        (with a ``LabstatsWarning``) where TG or glucose is 0: the log is undefined.

    Raises
    ------
    ValueError
        If a value is non-numeric, negative or implausible for its unit.

    Notes
    -----
    The product of ``tyg_index`` (validated there) and BMI, as defined in [1]_ (the
    definition was taken from secondary descriptions of the paper).

    References
    ----------
    .. [1] L.-K. Er et al., "Triglyceride glucose-body mass index is a simple and
       clinically useful surrogate marker for insulin resistance in nondiabetic
       individuals," PLoS One, vol. 11, no. 3, e0149731, 2016,
       doi:10.1371/journal.pone.0149731.

    Examples
    --------
    >>> round(tyg_bmi(150.0, 90.0, bmi=25.0, triglycerides_unit="mg/dL", glucose_unit="mg/dL"), 4)
    220.4324
    """
    cols = (Column(triglycerides, "triglycerides", triglycerides_unit, "mg/dL"),
            Column(glucose, "glucose", glucose_unit, "mg/dL"), Column(bmi, "bmi", "kg/m²", "kg/m²"))

    zero = Counter()

    def kernel(tg, g, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log(tg * g / c.TYG_DIVISOR) * b  # Er 2016
        return (_zero_to_nan(out, zero, (cols[0], tg), (cols[1], g)),)

    (out,) = fused(kernel, *cols)
    _warn_zero(zero, "triglycerides or glucose", "TyG-BMI (a logarithm)")
    return like_inputs(out, triglycerides, glucose, bmi, name="tyg_bmi")


def bmi(*, weight, height, weight_unit: str = "kg", height_unit: str = "cm"):
    r"""Body-mass index, :math:`\mathrm{weight}\,[kg] / \mathrm{height}\,[m]^2` [1]_.

    Parameters
    ----------
    weight : float, array_like or pandas.Series
        Body weight. [kg, or ``weight_unit``: "kg", "g", "lb"]
    height : float, array_like or pandas.Series
        Height. [cm, or ``height_unit``: "cm", "m", "mm", "in"]
    weight_unit, height_unit : str

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        BMI. [kg/m²] A Series is named ``bmi``. NaN where an input is NaN, or (with a
        ``LabstatsWarning``) where the height is 0.

    Raises
    ------
    ValueError
        If a value is non-numeric, negative or implausible for its unit (a height of
        1.75 declared in cm suggests ``height_unit="m"``).

    Notes
    -----
    Validated against NHANES 2011-2016 BMXBMI, which NCHS computes from BMXWT and BMXHT
    and prints to 0.1 kg/m²; see ``tests/formulas/test_metabolic.py``.

    References
    ----------
    .. [1] A. Keys, F. Fidanza, M. J. Karvonen, N. Kimura and H. L. Taylor, "Indices of
       relative weight and obesity," J. Chronic Dis., vol. 25, no. 6, pp. 329-343, 1972,
       doi:10.1016/0021-9681(72)90027-6.

    Examples
    --------
    >>> round(bmi(weight=70.0, height=175.0), 4)
    22.8571
    >>> round(bmi(weight=154.3, height=69.0, weight_unit="lb", height_unit="in"), 2)
    22.79
    """
    cols = (Column(weight, "weight", weight_unit, "kg"), Column(height, "height", height_unit, "m"))
    zero = Counter()

    def kernel(w, h):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (_zero_to_nan(w / (h * h), zero, (cols[1], h)),)

    (out,) = fused(kernel, *cols)
    _warn_zero(zero, "height", "BMI")
    return like_inputs(out, weight, height, name="bmi")


def waist_to_height_ratio(*, waist_circumference, height, waist_circumference_unit: str = "cm",
                          height_unit: str = "cm"):
    r"""Waist-to-height ratio, waist circumference over height in the same unit [1]_.

    Parameters
    ----------
    waist_circumference : float, array_like or pandas.Series
        Waist circumference. [cm, or ``waist_circumference_unit``: "cm", "m", "mm", "in"]
    height : float, array_like or pandas.Series
        Height. [cm, or ``height_unit``]
    waist_circumference_unit, height_unit : str

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Waist-to-height ratio. [dimensionless] A Series is named
        ``waist_to_height_ratio``. NaN where an input is NaN, or (with a
        ``LabstatsWarning``) where the height is 0.

    Raises
    ------
    ValueError
        If a value is non-numeric, negative or implausible for its unit.

    Notes
    -----
    A ratio of lengths; the units are converted first, so waist in inches and height in
    cm give the right number.

    References
    ----------
    .. [1] M. Ashwell and S. D. Hsieh, "Six reasons why the waist-to-height ratio is a
       rapid and effective global indicator for health risks of obesity and how its use
       could simplify the international public health message on obesity," Int. J. Food
       Sci. Nutr., vol. 56, no. 5, pp. 303-307, 2005, doi:10.1080/09637480500195066.

    Examples
    --------
    >>> waist_to_height_ratio(waist_circumference=88.0, height=176.0)
    0.5
    >>> round(waist_to_height_ratio(waist_circumference=34.0, height=172.0,
    ...                              waist_circumference_unit="in"), 4)
    0.5021
    """
    cols = (Column(waist_circumference, "waist_circumference", waist_circumference_unit, "cm"),
            Column(height, "height", height_unit, "cm"))
    zero = Counter()

    def kernel(w, h):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (_zero_to_nan(w / h, zero, (cols[1], h)),)

    (out,) = fused(kernel, *cols)
    _warn_zero(zero, "height", "the waist-to-height ratio")
    return like_inputs(out, waist_circumference, height, name="waist_to_height_ratio")


_ref = {"homa_ir": _MATTHEWS, "homa_b": _MATTHEWS}
for _f in (homa_ir, homa_b, quicki):
    _f.__doc__ = _f.__doc__.replace("{params}", _GLU_INS_PARAMS).replace(
        "{ref}", _ref.get(_f.__name__, ""))
for _f in (tyg_index, tyg_bmi):
    _f.__doc__ = _f.__doc__.replace("{tyg}", _TYG_PARAMS)
