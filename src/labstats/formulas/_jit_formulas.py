"""Compiled (numba) loops for the LDL and eGFR equations: one pass over memory per call.

Each loop reads the inputs in the units the caller declared, converts them with the
factors it is given, computes the same equation as the numpy code of ``lipids`` and
``kidney`` (same constants, same order of operations up to rounding) and records the
minimum and maximum of every input (NaN ignored), so that the plausibility check of
``_common.Column`` costs no second pass. Imported lazily through ``_common.jit()``; the
numpy code is used when numba is missing or ``LABSTATS_NO_NUMBA=1``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from labstats import constants as c
from labstats.formulas._martin_hopkins import EDGE_ROUNDING_MG_DL

_OPTS = dict(cache=True, nogil=True, error_model="numpy")
# Sampson 2020 Eq. 2 constants as the reciprocals the numpy code multiplies by.
_S_TC, _S_HDL = 1 / c.SAMPSON_TC_DIVISOR, 1 / c.SAMPSON_HDL_DIVISOR
_S_TG, _S_TGNH, _S_TG2 = (1 / c.SAMPSON_TG_DIVISOR, 1 / c.SAMPSON_TG_NONHDL_DIVISOR,
                          1 / c.SAMPSON_TG2_DIVISOR)
_S_INTERCEPT = c.SAMPSON_INTERCEPT_MG_DL
_LN_CYS_KNOT = math.log(c.CKD_EPI_CYS_KNOT)
_MH_COL_START = 70.0 - EDGE_ROUNDING_MG_DL  # as _martin_hopkins.factor


@numba.njit(**_OPTS)
def _track(stats, j, v):
    """Running NaN-ignoring min (stats[2j]) and max (stats[2j+1]) of input j."""
    if v < stats[2 * j]:
        stats[2 * j] = v
    if v > stats[2 * j + 1]:
        stats[2 * j + 1] = v


@numba.njit(**_OPTS)
def ldl(tc, hdl, tg, f_tc, f_hdl, f_tg, f_out, method, divisor, lut, bins, tg_lo, tg_hi,
        hi_inclusive, out, stats):
    """LDL-C [output unit]: method 0 Friedewald (TG / ``divisor``), 1 Martin/Hopkins with
    the flat look-up table ``lut`` (``bins`` TG bins per non-HDL column), 2 Sampson.
    Rows with TG outside [tg_lo, tg_hi] (tg_hi exclusive unless ``hi_inclusive``) are NaN;
    returns their number."""
    n_out = 0
    for i in range(out.shape[0]):
        a, b, t = tc[i], hdl[i], tg[i]
        _track(stats, 0, a)
        _track(stats, 1, b)
        _track(stats, 2, t)
        a *= f_tc
        b *= f_hdl
        t *= f_tg
        if a != a or b != b or t != t:
            out[i] = np.nan
            continue
        if t < tg_lo or (t > tg_hi if hi_inclusive else t >= tg_hi):
            out[i] = np.nan
            n_out += 1
            continue
        non_hdl = a - b
        if method == 0:
            v = non_hdl - t / divisor  # Friedewald 1972
        elif method == 1:
            col = math.floor((non_hdl - _MH_COL_START) * (1.0 / 30.0))  # Martin 2013
            col = min(max(col, 0.0), 5.0)
            row = min(math.floor(t), bins - 1.0)
            v = non_hdl - t / lut[int(col * bins + row)]
        else:  # Sampson 2020, Eq. 2
            vldl = t * (_S_TG + non_hdl * _S_TGNH - t * _S_TG2)
            v = a * _S_TC - b * _S_HDL - vldl - _S_INTERCEPT
        out[i] = v * f_out
        if v < stats[6]:  # minimum result (stats[6:8] when given): negative LDL-C is warned
            stats[6] = v
    return n_out


@numba.njit(**_OPTS)
def egfr_log(scr, lscr, cys, lcys, age, sex, ln_f_cr, sex_is_code, method, consts, min_age,
             out, stats):
    """ln(eGFR) of CKD-EPI into ``out`` (NaN under ``min_age``), from ``lscr`` = ln of
    creatinine in its declared unit (``ln_f_cr`` converts to mg/dL) and ``lcys`` = ln of
    cystatin C [mg/L]: the logarithms and the final exponential are left to numpy, whose
    vectorised ``log``/``exp`` are several times faster than scalar ones. ``consts`` holds,
    per method, the ln constants of ``kidney._jit_constants``; ``sex`` is NHANES codes
    (1 M, 2 F; ``sex_is_code``) or 1.0/0.0 female. Min/max of ``scr``, ``cys`` (the raw
    values) and ``age`` go to ``stats``. Returns (rows under ``min_age``, invalid sex
    codes)."""
    n_young = 0
    n_bad = 0
    (ln_age, ls_f, ls_m, lk_f, lk_m, h_f, h_m, beta, c_half, c_hi) = (
        consts[0], consts[1], consts[2], consts[3], consts[4], consts[5], consts[6],
        consts[7], consts[8], consts[9])
    for i in range(out.shape[0]):
        a = age[i]
        _track(stats, 2, a)
        s = sex[i]
        if sex_is_code:
            if not (s == 1.0 or s == 2.0 or s != s):
                n_bad += 1
            s = s - 1.0
        acc = a * ln_age + (ls_m + s * (ls_f - ls_m))
        if method != 1:  # creatinine term
            _track(stats, 0, scr[i])
            lr = lscr[i] + ln_f_cr - (lk_m + s * (lk_f - lk_m))
            acc += beta * lr + (h_m + s * (h_f - h_m)) * (lr - abs(lr))
        if method != 0:  # cystatin C term
            _track(stats, 1, cys[i])
            lc = lcys[i] - _LN_CYS_KNOT
            acc += c_hi * lc + c_half * (lc - abs(lc))
        if a < min_age:
            out[i] = np.nan
            n_young += 1
        else:
            out[i] = acc
    return n_young, n_bad
