"""exp, log and the normal distribution function as straight-line numba code, so that a
loop calling them compiles to SIMD instructions (numba's own ``math.exp``/``log``/``erfc``
are calls into the C library, one value at a time, which keeps the loop scalar).

* ``exp``: argument reduction by k ln2 (ln2 split in two parts) and the rational form of
  the remainder of fdlibm's ``e_exp.c`` (Sun Microsystems 1993, freely redistributable);
  under 1 ulp.
* ``log``: the reduction to [sqrt(2)/2, sqrt(2)) and the polynomial in s = f/(2+f) of
  fdlibm's ``e_log.c``; under 1 ulp.
* ``ndtr``: Cephes' ``ndtr`` (S. L. Moshier 1992, as SciPy's ``scipy.special.ndtr``): the
  same rational approximations with the same coefficients and Horner order, so it equals
  SciPy's to rounding, except that exp(-x^2), x = a/sqrt(2), is evaluated as exp(-a^2/2)
  with a^2 split exactly (a fused multiply-add gives its rounding error): Cephes loses
  x^2 ulps there (2e-13 relative at a = -37), this keeps the lower tail to ~1e-15
  relative.

Every branch is a select (both sides are computed), specials (NaN, +-inf, 0, subnormal
input or output) included. Imported only by the compiled kernels.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

_INL = dict(cache=True, nogil=True, error_model="numpy", inline="always")


@intrinsic
def _bits(typingctx, x):
    """The IEEE bits of a float64 as int64 (a register move, vectorisable)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


@intrinsic
def _float(typingctx, i):
    """The float64 with the IEEE bits ``i`` (int64)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@intrinsic
def fma(typingctx, a, b, c):
    """a * b + c rounded once (LLVM's fma: one instruction where the CPU has FMA)."""
    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        fn = builder.module.declare_intrinsic("llvm.fma", [d], ir.FunctionType(d, [d, d, d]))
        return builder.call(fn, args)
    return types.float64(types.float64, types.float64, types.float64), codegen


_LN2_HI = 6.93147180369123816490e-01  # 21 trailing zero bits: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e+00
# exp: Remez coefficients of R(r^2) = r (e^r + 1)/(e^r - 1) on [0, 0.347] (fdlibm e_exp.c)
_E1, _E2, _E3 = 1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05
_E4, _E5 = -1.65339022054652515390e-06, 4.13813679705723846039e-08
# log: coefficients of log(1+f) = f - f^2/2 + s (f^2/2 + R(s^2)) (fdlibm e_log.c)
_G1, _G2, _G3 = 6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01
_G4, _G5 = 2.222219843214978396e-01, 1.818357216161805012e-01
_G6, _G7 = 1.531383769920937332e-01, 1.479819860511658591e-01


@numba.njit(**_INL)
def exp(x):
    """e**x to under 1 ulp; inf above 709.78, 0 (through subnormals) below -745.1, NaN kept."""
    xc = x if x > -1400.0 else -1400.0
    xc = xc if xc < 1400.0 else 1400.0  # NaN -> 1400.0 here, restored at the end
    k = np.floor(xc * _INV_LN2 + 0.5)
    hi = xc - k * _LN2_HI
    lo = k * _LN2_LO
    r = hi - lo
    t = r * r
    c = fma(-t, fma(t, fma(t, fma(t, fma(t, _E5, _E4), _E3), _E2), _E1), r)
    y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
    ki = np.int64(k)
    k1 = ki >> 1  # two factors 2^k1 2^k2 keep both exponents in range down to subnormals
    y = y * _float((k1 + 1023) << 52) * _float((ki - k1 + 1023) << 52)
    return y if x == x else x


@numba.njit(**_INL)
def log(x):
    """Natural logarithm to under 1 ulp; -inf at 0, NaN below 0 and for NaN, inf at inf."""
    sub = x < 2.2250738585072014e-308  # subnormal (or <= 0): scale by 2^54 first
    xs = x * 18014398509481984.0 if sub else x
    b = _bits(xs)
    hx = (b >> 32) & 0xFFFFF  # top 20 bits of the mantissa
    e = ((b >> 52) & 0x7FF) - (1023 + 54 if sub else 1023)
    m = _float((b & 0xFFFFFFFFFFFFF) | 0x3FF0000000000000)  # in [1, 2)
    half = m > 1.4142135623730951
    m = m * 0.5 if half else m
    dk = np.float64(e + half)
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    R = fma(z, fma(w, fma(w, fma(w, _G7, _G5), _G3), _G1), w * fma(w, fma(w, _G6, _G4), _G2))
    hfsq = 0.5 * f * f
    near = (hx >= 0x6147A) & (hx <= 0x6B851)  # fdlibm's choice between its two forms
    y = (dk * _LN2_HI - ((hfsq - (s * (hfsq + R) + dk * _LN2_LO)) - f) if near else
         dk * _LN2_HI - ((s * (f - R) - dk * _LN2_LO) - f))
    y = y if x < np.inf else x  # inf, NaN
    y = y if x > 0.0 else (-np.inf if x == 0.0 else np.nan)
    return y


# Cephes ndtr.c (scipy/xsf include/xsf/cephes/ndtr.h): erfc = exp(-x^2) P(x)/Q(x) on
# [1, 8), exp(-x^2) R(x)/S(x) beyond, erf = x T(x^2)/U(x^2) below 1.
_P = (2.46196981473530512524E-10, 5.64189564831068821977E-1, 7.46321056442269912687E0,
      4.86371970985681366614E1, 1.96520832956077098242E2, 5.26445194995477358631E2,
      9.34528527171957607540E2, 1.02755188689515710272E3, 5.57535335369399327526E2)
_Q = (1.32281951154744992508E1, 8.67072140885989742329E1, 3.54937778887819891062E2,
      9.75708501743205489753E2, 1.82390916687909736289E3, 2.24633760818710981792E3,
      1.65666309194161350182E3, 5.57535340817727675546E2)
_R = (5.64189583547755073984E-1, 1.27536670759978104416E0, 5.01905042251180477414E0,
      6.16021097993053585195E0, 7.40974269950448939160E0, 2.97886665372100240670E0)
_S = (2.26052863220117276590E0, 9.39603524938001434673E0, 1.20489539808096656605E1,
      1.70814450747565897222E1, 9.60896809063285878198E0, 3.36907645100081516050E0)
_T = (9.60497373987051638749E0, 9.00260197203842689217E1, 2.23200534594684319226E3,
      7.00332514112805075473E3, 5.55923013010394962768E4)
_U = (3.35617141647503099647E1, 5.21357949780152679795E2, 4.59432382970980127987E3,
      2.26290000613890934246E4, 4.92673942608635921086E4)


# One numerator and one denominator of degree 8 for the three ranges (padded with leading
# zeros; the monic Q, S and U with their leading 1): 0 * x + c = c exactly, so Horner on
# the padded coefficients gives the same numbers as Cephes' polevl/p1evl, and each value
# takes one polynomial pair and one division whatever its range.
_NUM = ((0.0,) * 4 + _T, _P, (0.0,) * 3 + _R)
_DEN = ((0.0,) * 3 + (1.0,) + _U, (1.0,) + _Q, (0.0,) * 2 + (1.0,) + _S)


@numba.njit(**_INL)
def _ratio(x, rng):
    """NUM[rng](x)/DEN[rng](x) by Horner, rng 0 (erf: x is the square), 1 (P/Q), 2 (R/S)."""
    n, d = 0.0, 0.0
    for i in range(9):
        n = fma(n, x, _NUM[0][i] if rng == 0 else (_NUM[1][i] if rng == 1 else _NUM[2][i]))
        d = fma(d, x, _DEN[0][i] if rng == 0 else (_DEN[1][i] if rng == 1 else _DEN[2][i]))
    return n / d


@numba.njit(**_INL)
def _exp_minus_half_square(a):
    """exp(-a^2/2) to ~1 ulp: a^2 = hi + lo exactly (lo by a fused multiply-add), then
    exp(-hi/2) (1 - lo/2): |lo/2| <= ulp(a^2)/4, so the next term is below 1e-26."""
    hi = a * a
    lo = fma(a, a, -hi)
    e = exp(-0.5 * hi)
    return fma(-e, 0.5 * lo, e)


@numba.njit(**_INL)
def ndtr(a):
    """Standard normal distribution function Phi(a) (Cephes' algorithm, see the module)."""
    x = a * 0.70710678118654752440
    z = abs(x)
    far = z < 27.5  # exp(-x^2) is 0 beyond; the clamps keep the polynomials finite
    zc = z if far else 27.5
    rng = 0 if z < 1.0 else (1 if z < 8.0 else 2)
    r = _ratio(zc * zc if rng == 0 else zc, rng)
    # exp(-x^2) as exp(-a^2/2): the rounding of x = a/sqrt(2) would cost x^2 ulps
    tail = 0.5 * (_exp_minus_half_square(abs(a) if far else 38.9) * r if far else 0.0)
    y = 0.5 + 0.5 * (x * r) if rng == 0 else (1.0 - tail if x > 0.0 else tail)
    return y if a == a else a
