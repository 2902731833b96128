"""LDL cholesterol estimated from the standard lipid profile, and non-HDL cholesterol.

Every LDL equation is printed in mg/dL and run in mg/dL (the Martin/Hopkins strata are
mg/dL ranges); inputs and output may be in mmol/L or mg/dL, converted at the boundary
with 38.665 mg/dL per mmol/L for cholesterol (386.65 g/mol; NCHS prints the rounding
38.67) and 88.57 for triglycerides (the NCHS convention), as ``labstats.units.ANALYTES``.
Outside a method's validity range the result is NaN and a ``LabstatsWarning`` says how
many rows, never a silent number.

Inputs longer than one block run through a compiled loop (``_jit_formulas.ldl``) when
numba is installed, the numpy code below otherwise or with ``LABSTATS_NO_NUMBA=1``; the
two agree to rounding (``tests/formulas/test_fused.py``).
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from labstats import constants as c
from labstats._validate import as_constant, like_inputs
from labstats.formulas import _common, _martin_hopkins
from labstats.formulas._common import Column, Counter, fused, nan_where, unit_factor, warn_rows

__all__ = ["LDL_METHODS", "ldl_cholesterol", "non_hdl_cholesterol"]


# In-place arithmetic in arrays the functions create: a block's temporaries stay in cache.


def _friedewald(tc, hdl, tg, divisor=c.FRIEDEWALD_TG_DIVISOR_MG_DL):
    ldl = np.subtract(tc, hdl)  # Friedewald 1972: TC - HDL-C - TG/5 [mg/dL]
    ldl -= tg / divisor
    return ldl


def _martin(tc, hdl, tg, extended=False):
    non_hdl = np.subtract(tc, hdl)  # Martin 2013: non-HDL-C - TG / F(TG, non-HDL-C) [mg/dL]
    vldl = _martin_hopkins.factor(tg, non_hdl, extended=extended)
    np.divide(tg, vldl, out=vldl)
    non_hdl -= vldl
    return non_hdl


def _martin_extended(tc, hdl, tg):
    return _martin(tc, hdl, tg, extended=True)


def _sampson(tc, hdl, tg):
    # Sampson 2020, Eq. 2 [mg/dL]: TC/0.948 - HDL/0.971 - (TG/8.56 + TG x nonHDL/2140
    # - TG^2/16100) - 9.44; the TG terms in Horner form, divisions as reciprocals.
    vldl = np.subtract(tc, hdl)  # non-HDL-C
    vldl *= 1 / c.SAMPSON_TG_NONHDL_DIVISOR
    vldl += 1 / c.SAMPSON_TG_DIVISOR
    t = np.multiply(tg, 1 / c.SAMPSON_TG2_DIVISOR)
    vldl -= t
    vldl *= tg  # TG/8.56 + TG x nonHDL/2140 - TG^2/16100
    ldl = np.multiply(tc, 1 / c.SAMPSON_TC_DIVISOR, out=t)
    ldl -= vldl
    ldl -= np.multiply(hdl, 1 / c.SAMPSON_HDL_DIVISOR, out=vldl)
    ldl -= c.SAMPSON_INTERCEPT_MG_DL
    return ldl


_JIT_METHOD = {"friedewald": 0, "martin_hopkins": 1, "martin_hopkins_extended": 1, "sampson": 2}
_METHODS = {
    "friedewald": _friedewald,
    "martin_hopkins": _martin,
    "martin_hopkins_extended": _martin_extended,
    "sampson": _sampson,
}

#: LDL methods: id -> (valid triglycerides [mg/dL] as (low, high, high_inclusive), reference).
LDL_METHODS = MappingProxyType({
    "friedewald": ((0.0, c.FRIEDEWALD_TG_LIMIT_MG_DL, True),
                   "W. T. Friedewald, R. I. Levy and D. S. Fredrickson, Clin. Chem., vol. 18, "
                   "no. 6, pp. 499-502, 1972, doi:10.1093/clinchem/18.6.499"),
    "martin_hopkins": ((c.MARTIN_TG_MIN_MG_DL, c.MARTIN_TG_UPPER_MG_DL, False),
                       "S. S. Martin et al., JAMA, vol. 310, no. 19, pp. 2061-2068, 2013, "
                       "doi:10.1001/jama.2013.280532"),
    "martin_hopkins_extended": ((c.MARTIN_TG_MIN_MG_DL, c.MARTIN_EXTENDED_TG_LIMIT_MG_DL, False),
                                "A. Sajja et al., JAMA Netw. Open, vol. 4, no. 10, e2128817, "
                                "2021, doi:10.1001/jamanetworkopen.2021.28817"),
    "sampson": ((0.0, c.SAMPSON_TG_LIMIT_MG_DL, True),
                "M. Sampson et al., JAMA Cardiol., vol. 5, no. 5, pp. 540-548, 2020, "
                "doi:10.1001/jamacardio.2020.0013"),
})


def _warn_negative(out: np.ndarray, what: str, low: float = -1.0) -> None:
    """A negative cholesterol fraction is kept as computed but never silent; ``low`` >= 0
    (the minimum, when known) skips the count."""
    n = 0
    if low < 0.0:
        with np.errstate(invalid="ignore"):
            n = int(np.count_nonzero(out < 0.0))
    warn_rows(n, f"with a negative {what}, returned as computed: a concentration cannot be "
                 f"negative; check the HDL cholesterol (above total cholesterol is impossible) "
                 f"and that total and HDL cholesterol are not swapped")


_RANGE_TEXT = {
    "friedewald": "above 400 mg/dL (4.516 mmol/L), where Friedewald 1972 is not valid",
    "martin_hopkins": "outside 7-13975 mg/dL, the range of the Martin 2013 table",
    "martin_hopkins_extended": "outside 7-799 mg/dL, the range of the Martin 2013 and Sajja "
                               "2021 tables",
    "sampson": "above 800 mg/dL (9.032 mmol/L), beyond the validation of Sampson 2020",
}


def ldl_cholesterol(total_cholesterol, hdl_cholesterol, triglycerides, *,
                    method: str = "friedewald", total_cholesterol_unit: str = "mmol/L",
                    hdl_cholesterol_unit: str = "mmol/L", triglycerides_unit: str = "mmol/L",
                    output_unit: str = "mmol/L", friedewald_mmol_divisor: float | None = None):
    r"""LDL cholesterol calculated from total cholesterol, HDL cholesterol and triglycerides.

    All equations in mg/dL, with :math:`\mathrm{nonHDL} = TC - HDL`:

    * ``"friedewald"`` [1]_: :math:`LDL = TC - HDL - TG/5`.
    * ``"martin_hopkins"`` [2]_: :math:`LDL = \mathrm{nonHDL} - TG / F`, F from the
      180-cell table of Martin 2013 (30 TG strata x 6 non-HDL-C strata).
    * ``"martin_hopkins_extended"`` [3]_: the same with the 240-cell table of Sajja 2021
      for TG 400-799 mg/dL (the 2013 table below 400).
    * ``"sampson"`` [4]_ (NIH equation 2): :math:`LDL = TC/0.948 - HDL/0.971 -
      (TG/8.56 + TG \cdot \mathrm{nonHDL}/2140 - TG^2/16100) - 9.44`.

    Parameters
    ----------
    total_cholesterol : float, array_like or pandas.Series
        Total cholesterol. [mmol/L, or ``total_cholesterol_unit``]
    hdl_cholesterol : float, array_like or pandas.Series
        HDL cholesterol. [mmol/L, or ``hdl_cholesterol_unit``]
    triglycerides : float, array_like or pandas.Series
        Triglycerides (fasting, for Friedewald). [mmol/L, or ``triglycerides_unit``]
    method : {"friedewald", "martin_hopkins", "martin_hopkins_extended", "sampson"}
        Equation; ``LDL_METHODS`` lists each one's triglyceride range and reference.
    total_cholesterol_unit, hdl_cholesterol_unit, triglycerides_unit : str
        "mmol/L" (default) or "mg/dL".
    output_unit : str, default "mmol/L"
        "mmol/L" or "mg/dL".
    friedewald_mmol_divisor : float, optional
        Friedewald only. By default the published mg/dL equation is used, which in mmol/L
        is :math:`TG/2.183` (= 5 x 38.665 / 88.57). Give 2.2 (``constants.
        FRIEDEWALD_TG_DIVISOR_MMOL_L_CONVENTIONAL``, the rounded divisor many laboratories
        print) or another divisor to compute :math:`TC - HDL - TG/d` in mmol/L.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        LDL cholesterol. [mmol/L, or ``output_unit``] Same container as the inputs; a
        Series keeps its index and is named ``ldl_cholesterol``. NaN where an input is
        NaN or the triglycerides are outside the method's range: above 400 mg/dL
        (Friedewald; 400 itself is computed, as NCHS does), outside 7-13975 (Martin/
        Hopkins), outside 7-799 (extended) or above 800 mg/dL (Sampson); a
        ``LabstatsWarning`` gives the number of such rows.

    Raises
    ------
    ValueError
        If a value is non-numeric, negative or implausible for its unit, or the method
        is unknown.

    Notes
    -----
    Martin/Hopkins strata. Martin 2013 prints its strata as integer mg/dL ranges (TG
    7-49, 50-56, 57-61, ...; non-HDL-C <100, 100-129, ...), so a fractional value -- every
    mmol/L input becomes one, e.g. 0.56 mmol/L = 49.6 mg/dL -- lies between two printed
    strata, and the paper gives no rule for it. labstats reads each stratum as running
    from its printed lower edge to the next stratum's lower edge, i.e. it looks up the
    integer part (floor) of TG and of non-HDL-C: 49.6 -> 7-49, 50.0 -> 50-56, 399.9 ->
    293-399, 400.0 -> 400-13975 (the boundary cases tested by Modibo/biosigma), and in the
    extended table 409.9 -> 400-409, 410.0 -> 410-419. Assigning the row by the printed
    upper bound instead (TG <= 49 -> 7-49, else TG <= 56 -> 50-56, as
    pacharanero/clincalc does) puts 49.6 in 50-56 (factor 4.0 rather than 3.5 at
    non-HDL-C < 100) and 399.5 in 400-13975; the two rules agree on every integer TG.
    Non-HDL-C, a difference, is looked up 1e-9 mg/dL above its floating-point value, so
    that TC 128.2 - HDL-C 28.2 (99.99999999999999 in binary) falls in 100-129, as the
    decimal numbers do.

    The extended table (``"martin_hopkins_extended"``) is unverified: its only public
    transcription (pacharanero/clincalc, "eTable 1A in Sajja et al. 2021") is used as
    is and has not been checked against the supplement of [3]_; the 2013 table was
    checked cell by cell against three independent transcriptions (sum 949.4).

    Friedewald is computed up to and including TG 400 mg/dL (4.516 mmol/L) and NaN above,
    as NCHS does for NHANES LBDLDL. An inclusive limit (Friedewald 400, Sampson 800 mg/dL) is applied
    1e-9 mg/dL above, so that a limit value given in mmol/L (400 / 88.57) and converted
    back in floating point is still at the limit. Negative results (possible with very high HDL, or
    HDL-C above total cholesterol, e.g. swapped columns) are returned as computed, with a
    ``LabstatsWarning`` giving the number of such rows.

    Validated against Friedewald's LBDLDL of NHANES 2011-2016 (NCHS; all 8,746
    participants reproduced after rounding to the integer mg/dL NCHS prints), the test
    suites of Modibo/biosigma and pacharanero/clincalc 0.4.0 (Friedewald, Sampson,
    Martin/Hopkins 180-cell, extended 240-cell) and nmillrr/outlabs (Sampson); see
    ``tests/formulas/test_lipids.py``.

    References
    ----------
    .. [1] W. T. Friedewald, R. I. Levy and D. S. Fredrickson, "Estimation of the
       concentration of low-density lipoprotein cholesterol in plasma, without use of the
       preparative ultracentrifuge," Clin. Chem., vol. 18, no. 6, pp. 499-502, 1972,
       doi:10.1093/clinchem/18.6.499.
    .. [2] S. S. Martin et al., "Comparison of a novel method vs the Friedewald equation
       for estimating low-density lipoprotein cholesterol levels from the standard lipid
       profile," JAMA, vol. 310, no. 19, pp. 2061-2068, 2013, doi:10.1001/jama.2013.280532.
    .. [3] A. Sajja et al., "Comparison of methods to estimate low-density lipoprotein
       cholesterol in patients with high triglyceride levels," JAMA Netw. Open, vol. 4,
       no. 10, e2128817, 2021, doi:10.1001/jamanetworkopen.2021.28817.
    .. [4] M. Sampson et al., "A new equation for calculation of low-density lipoprotein
       cholesterol in patients with normolipidemia and/or hypertriglyceridemia," JAMA
       Cardiol., vol. 5, no. 5, pp. 540-548, 2020, doi:10.1001/jamacardio.2020.0013.

    Examples
    --------
    >>> mg = dict(total_cholesterol_unit="mg/dL", hdl_cholesterol_unit="mg/dL",
    ...           triglycerides_unit="mg/dL", output_unit="mg/dL")
    >>> ldl_cholesterol(200.0, 50.0, 150.0, **mg)
    120.0
    >>> round(ldl_cholesterol(200.0, 50.0, 150.0, method="martin_hopkins", **mg), 4)
    123.6842
    >>> round(ldl_cholesterol(200.0, 50.0, 150.0, method="sampson", **mg), 4)
    123.3973
    >>> round(ldl_cholesterol(5.2, 1.3, 1.7), 4)
    3.1212
    >>> round(ldl_cholesterol(5.2, 1.3, 1.7, friedewald_mmol_divisor=2.2), 4)
    3.1273
    """
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}; valid methods are {', '.join(_METHODS)}")
    if friedewald_mmol_divisor is not None and method != "friedewald":
        raise ValueError("friedewald_mmol_divisor applies to method='friedewald' only")
    cols = (Column(total_cholesterol, "total_cholesterol", total_cholesterol_unit, "mg/dL"),
            Column(hdl_cholesterol, "hdl_cholesterol", hdl_cholesterol_unit, "mg/dL"),
            Column(triglycerides, "triglycerides", triglycerides_unit, "mg/dL"))
    f_out = unit_factor("ldl_cholesterol", "mg/dL", output_unit)
    impl = _METHODS[method]
    if friedewald_mmol_divisor is not None:
        d = as_constant(friedewald_mmol_divisor, "friedewald_mmol_divisor", unit="mmol/L per "
                        "mmol/L", low=1.0, high=4.0, hint="The mmol/L divisor is about 2.2; 5 "
                        "is the divisor of the mg/dL equation (give mg/dL inputs for that).")
        # TG[mmol/L] / d in mmol/L of cholesterol is TG[mg/dL] / (d x 88.57 / 38.665) in mg/dL.
        mg_divisor = d * unit_factor("triglycerides", "mmol/L", "mg/dL") / unit_factor(
            "total_cholesterol", "mmol/L", "mg/dL")

        def impl(a, b, t):
            return _friedewald(a, b, t, mg_divisor)

    (lo, hi, hi_inclusive), _ = LDL_METHODS[method]
    if hi_inclusive:  # 400 mg/dL given as 400 / 88.57 mmol/L is 400.0000000000001 back
        hi += _martin_hopkins.EDGE_ROUNDING_MG_DL
    outside = Counter()
    compiled, arrays = _common.jit(), _common.jit_arrays(*cols)
    if compiled is not None and arrays is not None:  # one compiled pass, same equations
        ldl = np.empty(arrays[0].shape[0])
        lut, bins = _martin_hopkins.lookup_table(extended=method == "martin_hopkins_extended")
        divisor = mg_divisor if friedewald_mmol_divisor is not None else \
            c.FRIEDEWALD_TG_DIVISOR_MG_DL
        stats = _common.new_stats(4)  # 3 inputs, then the minimum result
        outside.n = compiled.ldl(*arrays, *(col.factor for col in cols), f_out,
                                 _JIT_METHOD[method], divisor, lut, float(bins), lo, hi,
                                 hi_inclusive, ldl, stats)
        _common.check_stats(stats, *cols)
        outside.warn(f"with triglycerides {_RANGE_TEXT[method]}: LDL cholesterol set to NaN")
        _warn_negative(ldl, f"LDL cholesterol (method={method!r})", stats[6])
        return like_inputs(ldl, total_cholesterol, hdl_cholesterol, triglycerides,
                           name="ldl_cholesterol")

    def kernel(tc, hdl, tg):
        ldl = impl(tc, hdl, tg)
        tg_lo, tg_hi = cols[2].block_range(tg)
        if tg_lo < lo or tg_hi >= hi:
            ldl = nan_where(ldl, (tg < lo) | ((tg > hi) if hi_inclusive else (tg >= hi)),
                            outside)
        if f_out != 1.0:
            ldl *= f_out
        low[0] = min(low[0], np.fmin.reduce(ldl, axis=None) if ldl.size else np.inf)
        return (ldl,)

    low = [np.inf]  # minimum result, from the cache-hot blocks
    (ldl,) = fused(kernel, *cols)
    outside.warn(f"with triglycerides {_RANGE_TEXT[method]}: LDL cholesterol set to NaN")
    _warn_negative(ldl, f"LDL cholesterol (method={method!r})", low[0])
    return like_inputs(ldl, total_cholesterol, hdl_cholesterol, triglycerides,
                       name="ldl_cholesterol")


def non_hdl_cholesterol(total_cholesterol, hdl_cholesterol, *,
                        total_cholesterol_unit: str = "mmol/L",
                        hdl_cholesterol_unit: str = "mmol/L", output_unit: str = "mmol/L"):
    r"""Non-HDL cholesterol, :math:`TC - HDL`, the cholesterol of all atherogenic particles [1]_.

    Parameters
    ----------
    total_cholesterol : float, array_like or pandas.Series
        Total cholesterol. [mmol/L, or ``total_cholesterol_unit``]
    hdl_cholesterol : float, array_like or pandas.Series
        HDL cholesterol. [mmol/L, or ``hdl_cholesterol_unit``]
    total_cholesterol_unit, hdl_cholesterol_unit, output_unit : str, default "mmol/L"
        "mmol/L" or "mg/dL".

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Non-HDL cholesterol. [mmol/L, or ``output_unit``] A Series is named
        ``non_hdl_cholesterol``. NaN wherever an input is NaN. Negative where HDL-C exceeds
        total cholesterol (impossible: HDL-C is part of it; often swapped columns), returned
        as computed with a ``LabstatsWarning`` giving the number of such rows.

    Raises
    ------
    ValueError
        If a value is non-numeric, negative or implausible for its unit.

    Notes
    -----
    A difference, valid without fasting. It is the first term of the Martin/Hopkins and
    Sampson equations; the values those tests check pass through it.

    References
    ----------
    .. [1] National Cholesterol Education Program Expert Panel, "Third report of the
       NCEP expert panel on detection, evaluation, and treatment of high blood
       cholesterol in adults (Adult Treatment Panel III) final report," Circulation,
       vol. 106, no. 25, pp. 3143-3421, 2002, doi:10.1161/circ.106.25.3143.

    Examples
    --------
    >>> round(non_hdl_cholesterol(5.2, 1.3), 10)
    3.9
    >>> non_hdl_cholesterol(200.0, 50.0, total_cholesterol_unit="mg/dL",
    ...                     hdl_cholesterol_unit="mg/dL", output_unit="mg/dL")
    150.0
    """
    cols = (Column(total_cholesterol, "total_cholesterol", total_cholesterol_unit, output_unit),
            Column(hdl_cholesterol, "hdl_cholesterol", hdl_cholesterol_unit, output_unit))
    (out,) = fused(lambda a, b: (a - b,), *cols)
    _warn_negative(out, "non-HDL cholesterol")
    return like_inputs(out, total_cholesterol, hdl_cholesterol, name="non_hdl_cholesterol")
