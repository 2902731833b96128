"""Estimated glomerular filtration rate: the race-free CKD-EPI equations.

Creatinine enters in mg/dL (IDMS-traceable; 88.40 µmol/L per mg/dL from the molar mass
113.12 g/mol of ``labstats.units.ANALYTES``, as NCHS's 88.4 to 2e-5),
cystatin C in mg/L (standardised to ERM-DA471/IFCC), age in years. Each equation is a
product of powers; it is evaluated as one exponential of a sum of logarithms, which is
the same number to about 1e-15 and costs one ``log`` and one ``exp`` per row. With numba
installed, long inputs run the arithmetic in a compiled loop between numpy's vectorised
``log`` and ``exp`` (``_jit_formulas.egfr_log``; ``LABSTATS_NO_NUMBA=1`` turns it off).
"""

from __future__ import annotations

import math
from types import MappingProxyType

import numpy as np

from labstats import constants as c
from labstats._validate import like_inputs
from labstats.formulas import _common
from labstats.formulas._common import Column, Counter, fused, nan_where

__all__ = ["EGFR_METHODS", "egfr"]

_LN = math.log
_JIT_BLOCK = 1 << 15  # rows per numpy log / compiled loop / numpy exp round


# Kernels accumulate ln(eGFR) in place in a few arrays of their own: fewer, smaller
# temporaries keep a block in cache (about 4 x faster than the same maths written as one
# expression). Each line is one factor of the product, in the paper's order.


def _blend(female, value_f, value_m, out):
    """Sex-specific constant, in ``out``: value_f where female == 1, value_m where 0, NaN
    where sex is missing."""
    np.multiply(female, value_f - value_m, out=out)
    out += value_m
    return out


def _add_bent(acc, x, half_step, above, tmp):
    """acc += below*x for x < 0, above*x for x >= 0, with half_step = (below - above)/2:
    the log of min(r,1)^below x max(r,1)^above for x = ln r, without a branch (x - |x| is
    2 min(x, 0)). Overwrites ``x`` and ``tmp``."""
    np.abs(x, out=tmp)
    np.subtract(x, tmp, out=tmp)
    tmp *= half_step
    acc += tmp
    x *= above
    acc += x


def _half_steps(below, above):
    return tuple((b - above) / 2.0 for b in below) if isinstance(below, tuple) \
        else (below - above) / 2.0


def _age_and_sex(age, female, age_base, scale, female_factor, tmp):
    """ln(scale x age_base^age x female_factor [F]), a new array."""
    acc = np.multiply(age, _LN(age_base))
    acc += _blend(female, _LN(scale * female_factor), _LN(scale), tmp)
    return acc


def _add_creatinine(acc, scr, female, alpha, beta, tmp, tmp2):
    """acc += ln(min(Scr/kappa, 1)^alpha x max(Scr/kappa, 1)^beta), kappa and alpha by sex."""
    lr = np.log(scr)
    lr -= _blend(female, *map(_LN, c.CKD_EPI_2021_CR_KAPPA), tmp)  # ln(Scr / kappa)
    _add_bent(acc, lr, _blend(female, *_half_steps(alpha, beta), tmp), beta, tmp2)


def _add_cystatin(acc, cys, exponents, tmp):
    """acc += ln(min(Scys/0.8, 1)^lo x max(Scys/0.8, 1)^hi) for exponents (lo, hi)."""
    lc = np.multiply(cys, 1.0 / c.CKD_EPI_CYS_KNOT)
    np.log(lc, out=lc)
    lo, hi = exponents
    _add_bent(acc, lc, _half_steps(lo, hi), hi, tmp)


def _ckd_epi_2021(scr, cys, age, female):
    # Inker 2021: 142 x min(Scr/k,1)^a x max(Scr/k,1)^-1.200 x 0.9938^age x 1.012 [F]
    t, u = np.empty_like(age), np.empty_like(age)
    acc = _age_and_sex(age, female, c.CKD_EPI_2021_CR_AGE, c.CKD_EPI_2021_CR_SCALE,
                       c.CKD_EPI_2021_CR_FEMALE, t)
    _add_creatinine(acc, scr, female, c.CKD_EPI_2021_CR_ALPHA, c.CKD_EPI_2021_CR_BETA, t, u)
    return np.exp(acc, out=acc)


def _ckd_epi_2012_cystatin(scr, cys, age, female):
    # Inker 2012: 133 x min(Scys/0.8,1)^-0.499 x max(Scys/0.8,1)^-1.328 x 0.996^age x 0.932 [F]
    t = np.empty_like(age)
    acc = _age_and_sex(age, female, c.CKD_EPI_2012_CYS_AGE, c.CKD_EPI_2012_CYS_SCALE,
                       c.CKD_EPI_2012_CYS_FEMALE, t)
    _add_cystatin(acc, cys, c.CKD_EPI_2012_CYS_EXPONENTS, t)
    return np.exp(acc, out=acc)


def _ckd_epi_2021_creatinine_cystatin(scr, cys, age, female):
    # Inker 2021: 135 x min(Scr/k,1)^a x max(Scr/k,1)^-0.544 x min(Scys/0.8,1)^-0.323
    #             x max(Scys/0.8,1)^-0.778 x 0.9961^age x 0.963 [F]
    t, u = np.empty_like(age), np.empty_like(age)
    acc = _age_and_sex(age, female, c.CKD_EPI_2021_CRCYS_AGE, c.CKD_EPI_2021_CRCYS_SCALE,
                       c.CKD_EPI_2021_CRCYS_FEMALE, t)
    _add_creatinine(acc, scr, female, c.CKD_EPI_2021_CRCYS_ALPHA,
                    c.CKD_EPI_2021_CRCYS_CR_BETA, t, u)
    _add_cystatin(acc, cys, c.CKD_EPI_2021_CRCYS_CYS_EXPONENTS, t)
    return np.exp(acc, out=acc)


def _jit_constants(method: str) -> np.ndarray:
    """ln-constants of ``method`` in the order ``_jit_formulas.egfr`` reads them."""
    if method == "ckd_epi_2012_cystatin":
        age, scale, female = (c.CKD_EPI_2012_CYS_AGE, c.CKD_EPI_2012_CYS_SCALE,
                              c.CKD_EPI_2012_CYS_FEMALE)
        alpha, beta, cys = (0.0, 0.0), 0.0, c.CKD_EPI_2012_CYS_EXPONENTS
    elif method == "ckd_epi_2021":
        age, scale, female = (c.CKD_EPI_2021_CR_AGE, c.CKD_EPI_2021_CR_SCALE,
                              c.CKD_EPI_2021_CR_FEMALE)
        alpha, beta, cys = c.CKD_EPI_2021_CR_ALPHA, c.CKD_EPI_2021_CR_BETA, (0.0, 0.0)
    else:
        age, scale, female = (c.CKD_EPI_2021_CRCYS_AGE, c.CKD_EPI_2021_CRCYS_SCALE,
                              c.CKD_EPI_2021_CRCYS_FEMALE)
        alpha, beta = c.CKD_EPI_2021_CRCYS_ALPHA, c.CKD_EPI_2021_CRCYS_CR_BETA
        cys = c.CKD_EPI_2021_CRCYS_CYS_EXPONENTS
    k_f, k_m = c.CKD_EPI_2021_CR_KAPPA
    return np.array([_LN(age), _LN(scale * female), _LN(scale), _LN(k_f), _LN(k_m),
                     *_half_steps(alpha, beta), beta, _half_steps(*cys), cys[1]])


_JIT_METHOD = {"ckd_epi_2021": 0, "ckd_epi_2012_cystatin": 1,
               "ckd_epi_2021_creatinine_cystatin": 2}

# method id -> (implementation, needs creatinine, needs cystatin C)
_METHODS = {
    "ckd_epi_2021": (_ckd_epi_2021, True, False),
    "ckd_epi_2012_cystatin": (_ckd_epi_2012_cystatin, False, True),
    "ckd_epi_2021_creatinine_cystatin": (_ckd_epi_2021_creatinine_cystatin, True, True),
}

_INKER_2021 = ("L. A. Inker et al., N. Engl. J. Med., vol. 385, no. 19, pp. 1737-1749, 2021, "
               "doi:10.1056/NEJMoa2102953")
#: eGFR equations by method id -> reference.
EGFR_METHODS = MappingProxyType({
    "ckd_epi_2021": _INKER_2021,
    "ckd_epi_2012_cystatin": "L. A. Inker et al., N. Engl. J. Med., vol. 367, no. 1, "
                             "pp. 20-29, 2012, doi:10.1056/NEJMoa1114248",
    "ckd_epi_2021_creatinine_cystatin": _INKER_2021,
})


def egfr(*, creatinine=None, cystatin_c=None, age, sex, creatinine_unit: str = "µmol/L",
         cystatin_c_unit: str = "mg/L", method: str = "ckd_epi_2021"):
    r"""Estimated GFR by the race-free CKD-EPI equations [1]_, [2]_.

    With :math:`\kappa` = 0.7 (female) / 0.9 (male), Scr in mg/dL, Scys in mg/L:

    * ``"ckd_epi_2021"`` (creatinine) [1]_:
      :math:`142 \min(S_{cr}/\kappa,1)^{\alpha} \max(S_{cr}/\kappa,1)^{-1.200}
      \, 0.9938^{age} \times 1.012\,[F]`, :math:`\alpha` = -0.241 (F) / -0.302 (M).
    * ``"ckd_epi_2012_cystatin"`` [2]_: :math:`133 \min(S_{cys}/0.8,1)^{-0.499}
      \max(S_{cys}/0.8,1)^{-1.328} \, 0.996^{age} \times 0.932\,[F]`.
    * ``"ckd_epi_2021_creatinine_cystatin"`` [1]_: :math:`135 \min(S_{cr}/\kappa,1)^{\alpha}
      \max(S_{cr}/\kappa,1)^{-0.544} \min(S_{cys}/0.8,1)^{-0.323} \max(S_{cys}/0.8,1)^{-0.778}
      \, 0.9961^{age} \times 0.963\,[F]`, :math:`\alpha` = -0.219 (F) / -0.144 (M).

    Parameters
    ----------
    creatinine : float, array_like or pandas.Series, optional
        Serum creatinine, IDMS-traceable. [µmol/L, or ``creatinine_unit``] Required by
        the creatinine equations.
    cystatin_c : float, array_like or pandas.Series, optional
        Serum cystatin C, standardised. [mg/L] Required by the cystatin C equations.
    age : float, array_like or pandas.Series
        Age. [years]
    sex : str, int, array_like or pandas.Series
        "female"/"male" or "F"/"M" (any case), or the NHANES RIAGENDR codes 2 (female) /
        1 (male); missing values give NaN.
    creatinine_unit : str, default "µmol/L"
        "µmol/L" (also spelt "umol/L") or "mg/dL" (88.40 µmol/L per mg/dL).
    cystatin_c_unit : str, default "mg/L"
    method : {"ckd_epi_2021", "ckd_epi_2012_cystatin", "ckd_epi_2021_creatinine_cystatin"}

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        eGFR. [mL/min/1.73 m²] Same container as the inputs; a Series is named ``egfr``.
        NaN where an input is missing, and for ages below 18 years (see Notes).

    Raises
    ------
    ValueError
        If a value is non-numeric, negative or implausible, an input the method needs is
        missing, an input it does not use is given, a sex is not recognised, or the
        method is unknown.

    Warns
    -----
    LabstatsWarning
        With the number of rows under 18 years, set to NaN; and of rows with a creatinine
        or cystatin C of 0 (only with ``labstats.plausibility("warn")`` or ``("ignore")``),
        also NaN.

    Notes
    -----
    The equations were developed and validated in adults; children and adolescents have
    their own equations (e.g. CKiD U25), so rows under 18 years are NaN with a warning
    rather than a number that looks valid. None of the three uses race.

    Validated against cran/nephro 1.5 (``CKDEpi2021.creat``, ``CKDEpi.cys``,
    ``CKDEpi2021.creat.cys``, run in R 4.2.2) to 1e-9, the independent test set of
    Modibo/biosigma, pacharanero/clincalc 0.4.0 and the National Kidney Foundation
    calculator result (Scr 1.2 mg/dL, 55 y, male: 71); see ``tests/formulas/test_kidney.py``.

    References
    ----------
    .. [1] L. A. Inker et al., "New creatinine- and cystatin C-based equations to estimate
       GFR without race," N. Engl. J. Med., vol. 385, no. 19, pp. 1737-1749, 2021,
       doi:10.1056/NEJMoa2102953.
    .. [2] L. A. Inker et al., "Estimating glomerular filtration rate from serum
       creatinine and cystatin C," N. Engl. J. Med., vol. 367, no. 1, pp. 20-29, 2012,
       doi:10.1056/NEJMoa1114248.

    Examples
    --------
    >>> round(egfr(creatinine=1.2, creatinine_unit="mg/dL", age=55, sex="male"), 4)
    71.4178
    >>> round(egfr(cystatin_c=0.8, age=50, sex="M", method="ckd_epi_2012_cystatin"), 4)
    108.8475
    >>> import pandas as pd
    >>> scr = pd.Series([88.4, None], index=["p01", "p02"])
    >>> egfr(creatinine=scr, age=60, sex=2).round(1)
    p01    64.5
    p02     NaN
    Name: egfr, dtype: float64
    """
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}; valid methods are {', '.join(_METHODS)}")
    impl, needs_cr, needs_cys = _METHODS[method]
    for name, value, needed in (("creatinine", creatinine, needs_cr),
                                ("cystatin_c", cystatin_c, needs_cys)):
        if needed and value is None:
            raise ValueError(f"method {method!r} needs {name}")
        if not needed and value is not None:
            other = "ckd_epi_2021_creatinine_cystatin"
            raise ValueError(f"method {method!r} does not use {name}; for an equation with "
                             f"both creatinine and cystatin C pass method={other!r}")
    cols = [Column(creatinine, "creatinine", creatinine_unit, "mg/dL") if needs_cr else None,
            Column(cystatin_c, "cystatin_c", cystatin_c_unit, "mg/L") if needs_cys else None,
            Column(age, "age", "years", "years"), Column(sex, "sex")]
    young, zero = Counter(), Counter()

    def kernel(*blocks):
        it = iter(blocks)
        cr = next(it) if needs_cr else None
        cy = next(it) if needs_cys else None
        a, fem = next(it), next(it)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = impl(cr, cy, a, fem)
        if cols[2].block_range(a)[0] < c.CKD_EPI_MIN_AGE:
            out = nan_where(out, a < c.CKD_EPI_MIN_AGE, young)
        low = [blk <= 0.0 for col, blk in ((cols[0], cr), (cols[1], cy))
               if col is not None and col.block_range(blk)[0] <= 0.0]  # 0 let through
        if low:
            out = nan_where(out, np.logical_or.reduce(low), zero)
        return (out,)

    used = [col for col in cols if col is not None]
    compiled, arrays = _common.jit(), _common.jit_arrays(*used)
    if compiled is not None and arrays is not None:  # compiled arithmetic, numpy log/exp
        res = np.empty(arrays[0].shape[0])
        scr_ = arrays.pop(0) if needs_cr else None
        cys_ = arrays.pop(0) if needs_cys else None
        age_, sex_ = arrays
        stats = _common.new_stats(3)
        consts, ln_f = _jit_constants(method), _LN(cols[0].factor) if needs_cr else 0.0
        b_cr, b_cys = np.empty(_JIT_BLOCK), np.empty(_JIT_BLOCK)
        n_bad = 0
        for start in range(0, res.shape[0], _JIT_BLOCK):
            sl = slice(start, min(start + _JIT_BLOCK, res.shape[0]))
            m = sl.stop - sl.start
            cr, cy = (scr_[sl] if needs_cr else b_cr[:m]), (cys_[sl] if needs_cys else b_cys[:m])
            with np.errstate(divide="ignore", invalid="ignore"):
                lcr = np.log(cr, out=b_cr[:m]) if needs_cr else cr
                lcy = np.log(cy, out=b_cys[:m]) if needs_cys else cy
            n_young, bad = compiled.egfr_log(cr, lcr, cy, lcy, age_[sl], sex_[sl], ln_f,
                                             cols[3].sex_codes, _JIT_METHOD[method], consts,
                                             c.CKD_EPI_MIN_AGE, res[sl], stats)
            young.n += n_young
            n_bad += bad
            np.exp(res[sl], out=res[sl])
        if n_bad:
            cols[3]._validate()  # raises, naming the first unrecognised code
        _common.check_stats(stats, *cols[:3])
        if min(stats[0], stats[2]) <= 0.0:  # a marker of 0 let through: its eGFR is NaN
            zero.n += int(np.count_nonzero(((scr_ <= 0.0) if needs_cr else False)
                                           | ((cys_ <= 0.0) if needs_cys else False)))
    else:
        (res,) = fused(kernel, *used)
    young.warn("under 18 years: eGFR set to NaN (CKD-EPI was developed in adults; use a "
               "paediatric equation such as CKiD U25 for them)")
    zero.warn("with creatinine or cystatin C 0 (accepted as plausible by labstats."
              "plausibility): eGFR is undefined there and NaN")
    inputs = [x for x in (creatinine, cystatin_c) if x is not None]
    return like_inputs(res, *inputs, age, sex, name="egfr")
