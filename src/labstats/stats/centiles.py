"""Age-continuous centiles: LMS tables (z-scores, centiles, values at a z) and the LMS fit.

:class:`LMSTable` holds L (Box-Cox power), M (median) and S (coefficient of variation) at
reference ages, by sex, and scores values against them (Cole & Green 1992). Between
reference ages L, M and S are interpolated linearly (the CDC convention, as CDC's SAS
program and its R package cdcanthro do), or evaluated on the fitted smooth curves of
:func:`fit_lms`. ``labstats.datasets.cdc_growth_lms`` gives the CDC 2000 growth charts.
"""

from __future__ import annotations

import numpy as np

from labstats._validate import (
    _is_series,
    as_sex,
    check_rows,
    common_index,
    like_inputs,
    to_float_array,
    warn,
)
from labstats.stats import _lms
from labstats.stats._lms_api import fit_lms

__all__ = ["LMSTable", "fit_lms"]

_SEX_NAMES = {0.0: "male", 1.0: "female", None: "all"}
_BLOCK = 1 << 14  # inputs longer than this are scored by the compiled loop (numba)


def _jit():
    """``labstats.stats._lms_jit``, or None: numba missing, or LABSTATS_NO_NUMBA=1."""
    import importlib
    import os

    if os.environ.get("LABSTATS_NO_NUMBA", "") not in ("", "0"):
        return None
    try:
        return importlib.import_module("labstats.stats._lms_jit")
    except ImportError as exc:
        if exc.name != "numba":
            raise
        return None
_FAMILIES = ("lms", "bccg")


def _sex_for_kernel(sex, jit):
    """(kind, base, codes, categorical lookup) of ``sex`` for ``_lms_jit.score``: NHANES
    codes (float or int64) and Categorical codes go to the kernel as they are (no parsed
    copy); the groups are 0 male, 1 female (the order of a table's ``_points``)."""
    lut = np.zeros(1, dtype=np.uint64)
    if np.ndim(sex) == 0 or np.size(sex) == 1:  # one sex for every row
        code = as_sex(np.ravel(sex), "sex")[0]
        group = jit.MISSING if code != code else int(code)
        return jit.CONSTANT, 0.0, np.zeros(1), np.array([group], dtype=np.uint64)
    if _is_series(sex) and str(sex.dtype) == "category":
        from labstats._validate import _sex_of

        parsed = [_sex_of(c) for c in sex.cat.categories]
        if None not in parsed:  # an unknown category: the parsed path names its rows
            lut = np.array([jit.MISSING] + [jit.MISSING if v != v else int(v) for v in parsed],
                           dtype=np.uint64)
            codes = sex.cat.codes.to_numpy()
            return jit.CATEGORICAL, 0.0, codes if codes.dtype == np.int8 else codes.astype(
                np.int64), lut
    raw = sex.to_numpy() if _is_series(sex) and str(sex.dtype) != "category" else sex
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "iuf" and raw.ndim == 1:
        keep = raw.dtype in (np.float64, np.int64)  # else one compilation per dtype
        return jit.CODES, 1.0, raw if keep else raw.astype(np.float64), lut
    return jit.CODES, 0.0, as_sex(sex, "sex").ravel(), lut


class LMSTable:
    """L, M and S at reference ages (by sex), with z-scores, centiles and values at z.

    Parameters
    ----------
    age, L, M, S : array_like
        Reference ages (in ``age_unit``) and the parameters there: L the Box-Cox power, M
        the median (> 0) [unit of the measure], S the coefficient of variation (> 0).
    sex : array_like, optional
        Sex of each reference row, as labstats parses sex everywhere ("male"/"female",
        "M"/"F", NHANES codes 1/2). None: one table for everyone (then the scoring
        methods take ``sex=None``).
    age_unit : str, default "months"
        Unit of ``age`` here and in every method ("months" for the CDC charts, "years"
        for :func:`fit_lms` on ages in years). Scoring ages must be in this unit.
    measure, unit : str, optional
        What the table is for (e.g. "bmi", "kg/m2"); informative.
    family : {"lms", "bccg"}, default "lms"
        "lms": z from the Box-Cox transform itself (Cole & Green 1992; CDC). "bccg": the
        Box-Cox Cole-Green distribution truncated to positive values (Rigby & Stasinopoulos
        2004), whose z-score is Phi^-1(F(y)); the two agree wherever S|L| is small.
    source : str, optional
        Where the numbers come from.

    Notes
    -----
    Ages outside a sex's reference range score NaN with one warning counting the rows:
    the curves are never extrapolated. A missing value, age or sex gives NaN for that row;
    so does a sex the table lacks (a table of one sex), with a warning counting the rows.

    Inputs longer than 16,384 rows are scored by a compiled kernel (numba) on numba's
    threads (``numba.set_num_threads`` or NUMBA_NUM_THREADS limit them); it agrees with
    the numpy code to 1e-12. It needs the reference ages of each sex on a uniform grid
    (any step: half months, twelfths of a year); other tables and LABSTATS_NO_NUMBA=1
    use the numpy code.

    Examples
    --------
    A two-point table (L, M, S interpolated linearly in age between them, as CDC does);
    the CDC charts come from ``labstats.datasets.cdc_growth_lms``:

    >>> t = LMSTable(age=[24.0, 240.0], L=[-2.0, -2.0], M=[16.0, 21.7], S=[0.08, 0.13])
    >>> round(float(t.zscore(18.0, 132.0, None)), 4), round(float(t.centile(18.0, 132.0, None)), 2)
    (-0.4604, 32.26)
    >>> round(float(t.value_at(0.0, 132.0, None)), 4)  # the median at 11 years
    18.85
    """

    def __init__(self, age, L, M, S, sex=None, *, age_unit: str = "months", measure=None,
                 unit=None, family: str = "lms", source=None, _curves=None):
        if family not in _FAMILIES:
            raise ValueError(f"family must be one of {', '.join(map(repr, _FAMILIES))}; "
                             f"got {family!r}")
        cols = {k: to_float_array(v, k).ravel() for k, v in
                (("age", age), ("L", L), ("M", M), ("S", S))}
        n = cols["age"].size
        for k, v in cols.items():
            if v.size != n:
                raise ValueError(f"{k}: {v.size} values for {n} ages")
            if not np.isfinite(v).all():
                raise ValueError(f"{k}: reference rows must be finite numbers; row "
                                 f"{int(np.flatnonzero(~np.isfinite(v))[0])} is {v[~np.isfinite(v)][0]}")
        for k in ("M", "S"):
            if (cols[k] <= 0).any():
                raise ValueError(f"{k}: must be > 0; row {int(np.argmax(cols[k] <= 0))} is "
                                 f"{cols[k][cols[k] <= 0][0]}")
        codes = [None] if sex is None else None
        if sex is not None:
            sx = as_sex(sex, "sex").ravel()
            if sx.size != n or np.isnan(sx).any():
                raise ValueError("sex: one known sex per reference row is needed")
            codes = sorted(set(sx.tolist()))
        self._points = {}
        for code in codes:
            rows = np.ones(n, bool) if code is None else sx == code
            order = np.argsort(cols["age"][rows], kind="stable")
            a = cols["age"][rows][order]
            if a.size < 2:
                raise ValueError(f"age: at least two reference ages are needed for sex "
                                 f"{_SEX_NAMES[code]}")
            if np.any(np.diff(a) <= 0):
                raise ValueError(f"age: reference ages repeat for sex {_SEX_NAMES[code]}")
            self._points[code] = (a, *(cols[k][rows][order] for k in "LMS"))
        self.age_unit, self.measure, self.unit = age_unit, measure, unit
        self.family, self.source = family, source
        self._curves = _curves  # code -> callable(age) -> (L, M, S), for fitted tables
        self._jit_tables = None

    # ------------------------------------------------------------------ description
    @property
    def sexes(self) -> list:
        """The sexes of the table ("male", "female"), or [None] for a table without sex."""
        return [None if c is None else _SEX_NAMES[c] for c in self._points]

    def age_range(self, sex=None) -> tuple[float, float]:
        """(first, last) reference age of ``sex``, in ``age_unit``."""
        a = self._points[self._code(sex)][0]
        return float(a[0]), float(a[-1])

    def _code(self, sex):
        if None in self._points:
            if sex is not None:
                raise ValueError("sex: this table was fitted without sex; pass sex=None")
            return None
        code = float(as_sex([sex], "sex")[0])
        if code not in self._points:
            raise ValueError(f"sex: the table has {', '.join(self.sexes)} only; got {sex!r}")
        return code

    def __repr__(self) -> str:
        what = f"{self.measure!r}, " if self.measure else ""
        ranges = "; ".join(f"{_SEX_NAMES[c]} {a[0]:g}-{a[-1]:g}" for c, (a, *_) in
                           self._points.items())
        return (f"LMSTable({what}{sum(len(p[0]) for p in self._points.values())} reference "
                f"rows, ages ({self.age_unit}) {ranges}, family={self.family!r})")

    def to_frame(self):
        """The reference rows as a DataFrame: ``sex``, ``age``, ``L``, ``M``, ``S``."""
        import pandas as pd

        parts = [pd.DataFrame({"sex": _SEX_NAMES[c] if c is not None else None, "age": a,
                               "L": lo, "M": m, "S": s})
                 for c, (a, lo, m, s) in self._points.items()]
        return pd.concat(parts, ignore_index=True)

    # ------------------------------------------------------------------ parameters at age
    def _lms_at(self, age, sex, *others):
        """L, M, S (float arrays, broadcast with ``others``) at ``age`` for ``sex``."""
        a = to_float_array(age, "age")
        if None in self._points:
            if sex is not None:
                raise ValueError("sex: this table was fitted without sex; pass sex=None")
            groups = {None: None}
            s = None
        else:
            if sex is None:
                raise ValueError("sex: this table is by sex; pass sex (e.g. 'female', 'M', 1/2)")
            s = as_sex(sex, "sex")
            groups = dict.fromkeys(self._points)
        shapes = [a.shape, *(() if s is None else (s.shape,)), *(np.shape(o) for o in others)]
        shape = np.broadcast_shapes(*shapes)
        check_rows(shapes, ["age", *(() if s is None else ("sex",)),
                            *(["value (or z)"] * len(others))])  # no outer product of rows
        a = np.broadcast_to(a, shape).ravel()
        s = None if s is None else np.broadcast_to(s, shape).ravel()
        out = np.full((3, a.size), np.nan)
        outside = 0
        for code in groups:
            ages = self._points[code][0]
            rows = slice(None) if s is None else np.flatnonzero(s == code)
            if s is not None and rows.size == a.size:
                rows = slice(None)
            aa = a[rows]
            inside = (aa >= ages[0]) & (aa <= ages[-1])
            outside += int(np.count_nonzero(~inside & ~np.isnan(aa)))
            if self._curves is not None:
                vals = np.asarray(self._curves[code](np.where(inside, aa, ages[0])))
            else:
                vals = np.stack([np.interp(aa, ages, p) for p in self._points[code][1:]])
            out[:, rows] = np.where(inside, vals, np.nan)
        if outside:
            self._outside_warning(outside)
        if s is not None:  # a sex the table lacks (a table of boys only): NaN, never silent
            absent = ~np.isnan(s) & ~np.isin(s, list(groups))
            if absent.any():
                names = sorted({_SEX_NAMES[float(c)] for c in s[absent]})
                warn(f"sex: {int(absent.sum())} row{'s' if absent.sum() > 1 else ''} of "
                     f"sex {', '.join(names)} scored NaN; the table has "
                     f"{', '.join(self.sexes)} only")
        return out.reshape(3, *shape), shape

    def parameters(self, age, sex=None):
        """L, M and S at ``age`` (interpolated as the table says), as a DataFrame.

        >>> t = LMSTable([0, 10], [1.0, 0.0], [10.0, 20.0], [0.1, 0.2], age_unit="years")
        >>> t.parameters([5.0]).round(3).to_dict("list")
        {'L': [0.5], 'M': [15.0], 'S': [0.15]}
        """
        import pandas as pd

        index = common_index(age, sex)
        (L, M, S), _ = self._lms_at(age, sex)
        return pd.DataFrame({"L": L.ravel(), "M": M.ravel(), "S": S.ravel()}, index=index)

    def _outside_warning(self, outside: int) -> None:
        lo = min(p[0][0] for p in self._points.values())
        hi = max(p[0][-1] for p in self._points.values())
        warn(f"age: {outside} row{'s' if outside > 1 else ''} outside the table's ages "
             f"({lo:g}-{hi:g} {self.age_unit}) scored NaN; the curves are not "
             f"extrapolated")

    def _compiled(self, value, age, sex, mode):
        """The one-pass compiled scoring (numba) of a linearly interpolated LMS table, or
        None when it does not apply (small or n-d input, fitted curves, numba off)."""
        if (self._curves is not None or self.family != "lms" or np.ndim(value) != 1
                or len(value) <= _BLOCK or np.ndim(age) > 1
                or set(self._points) not in ({None}, {0.0, 1.0})):
            return None
        jit = _jit()
        if jit is None:
            return None
        y = np.ascontiguousarray(to_float_array(value, "value"))
        a = np.ascontiguousarray(to_float_array(age, "age")).ravel()
        if a.size == 1:
            a = np.full(y.size, a[0])
        if a.size != y.size:
            return None  # the numpy path raises the broadcasting error
        kind, base, sx, lut = jit.CONSTANT, 0.0, np.zeros(1), np.zeros(1, dtype=np.uint64)
        if None not in self._points:
            if sex is None:
                raise ValueError("sex: this table is by sex; pass sex (e.g. 'female', 'M', 1/2)")
            kind, base, sx, lut = _sex_for_kernel(sex, jit)
            sx = np.ascontiguousarray(sx).ravel()
            if kind != jit.CONSTANT and sx.size != y.size:
                return None
        elif sex is not None:
            raise ValueError("sex: this table was fitted without sex; pass sex=None")
        if self._jit_tables is None:
            self._jit_tables = jit.tables(self._points) or False
        if self._jit_tables is False:  # reference ages on no uniform lattice
            return None
        out = np.empty(y.shape)
        outside, bad_sex, nonpos = jit.score(y, a, sx, kind, base, lut, self._jit_tables,
                                             mode, out)
        if bad_sex:
            as_sex(sex, "sex")  # raises, naming the value and its row
        if nonpos:
            self._value_array(value)  # raises, naming the first value <= 0 and its row
        if outside:
            self._outside_warning(outside)
        return like_inputs(out, value, age, sex)

    def _value_array(self, value):
        y = to_float_array(value, "value")
        bad = y <= 0
        if bad.any():
            from labstats._validate import _label

            pos = int(np.flatnonzero(bad.ravel())[0])
            raise ValueError(f"value: {int(bad.sum())} value(s) <= 0 (first {y.ravel()[pos]} at "
                             f"index {_label(value, pos)!r}); LMS z-scores need positive "
                             f"values. Set them to NaN to score the other rows")
        return y

    def zscore(self, value, age, sex=None):
        """z-score of ``value`` at ``age`` (Cole & Green 1992; CDC's ``((y/M)^L-1)/(L S)``).

        Parameters
        ----------
        value : float, array_like or pandas.Series
            Measurements (> 0) in the table's unit.
        age : float, array_like or pandas.Series
            Ages in ``age_unit`` (months for the CDC tables: CDC scores a child of 24
            completed months at 24.5).
        sex : str, int, array_like or pandas.Series, optional
            As labstats parses sex ("male"/"female", "M"/"F", 1/2); None only for a table
            without sex.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            Like the inputs (a Series keeps its index); NaN where an input is missing or the
            age is outside the table. A value of +inf scores +inf (BCCG: Phi^-1(F(inf)), for
            every L; "lms": the formula's limit, 1/(S|L|) when L < 0); a value <= 0 (-inf
            included) raises ValueError, naming it.

        Examples
        --------
        CDC BMI-for-age, boys at 24.5 months (L -1.982, M 16.548, S 0.0801):

        >>> from labstats.datasets import cdc_growth_lms
        >>> bmi = cdc_growth_lms("bmi")
        >>> round(bmi.zscore(16.54777487, 24.5, "male"), 9)
        0.0
        >>> round(bmi.centile(19.0, 24.5, "M"), 2)
        93.4
        """
        fast = self._compiled(value, age, sex, 0)
        if fast is not None:
            return fast
        return like_inputs(self._z(value, age, sex), value, age, sex)

    def centile(self, value, age, sex=None):
        """Centile (0-100) of ``value`` at ``age``: 100 Phi(z). Arguments as :meth:`zscore`."""
        from scipy.special import ndtr

        fast = self._compiled(value, age, sex, 1)
        if fast is not None:
            return fast
        return like_inputs(100.0 * ndtr(self._z(value, age, sex)), value, age, sex)

    def _z(self, value, age, sex):
        """z-scores on the numpy path (the compiled path of long inputs is tested equal)."""
        y = self._value_array(value)
        (L, M, S), shape = self._lms_at(age, sex, y)
        y = np.broadcast_to(y, shape)
        return (_lms.zscore if self.family == "lms" else _lms.bccg_zscore)(y, L, M, S)

    def value_at(self, z, age, sex=None):
        """The value at z-score ``z``: M (1 + L S z)^(1/L); e.g. ``z=1.6449`` is the 95th
        centile. NaN where the Box-Cox curve has no such value (1 + L S z <= 0).

        >>> t = LMSTable([0, 10], [0.0, 0.0], [10.0, 10.0], [0.1, 0.1], age_unit="years")
        >>> round(t.value_at(1.0, 5.0), 6)  # 10 exp(0.1)
        11.051709
        """
        zz = to_float_array(z, "z")
        (L, M, S), shape = self._lms_at(age, sex, zz)
        zz = np.broadcast_to(zz, shape)
        v = (_lms.value if self.family == "lms" else _lms.bccg_value)(zz, L, M, S)
        return like_inputs(v, z, age, sex)

    def modified_zscore(self, value, age, sex=None):
        """CDC's modified z-score (for flagging biologically implausible values): the
        distance from the median in units of half the distance from the median to the
        value at z = +2 (above the median) or z = -2 (below). Arguments as :meth:`zscore`.
        """
        fast = self._compiled(value, age, sex, 2)
        if fast is not None:
            return fast
        y = self._value_array(value)
        (L, M, S), shape = self._lms_at(age, sex, y)
        return like_inputs(_lms.modified_zscore(np.broadcast_to(y, shape), L, M, S),
                           value, age, sex)

    def _extended(self, value, age, sex):
        if self.measure != "bmi" or self.age_unit != "months" or None in self._points:
            raise ValueError("the extended z-score (Wei et al. 2020) is defined for the CDC "
                             "BMI-for-age chart only: labstats.datasets.cdc_growth_lms('bmi')")
        y = self._value_array(value)
        (L, M, S), shape = self._lms_at(age, sex, y)
        a = np.broadcast_to(to_float_array(age, "age"), shape)
        code = np.broadcast_to(as_sex(sex, "sex"), shape)
        z, c, _, _ = _lms.extended_bmi(np.broadcast_to(y, shape), a, code, L, M, S)
        return z, c

    def extended_zscore(self, value, age, sex):
        """Extended BMI z-score of Wei et al. (2020), CDC BMI chart only: the LMS z-score at
        or below the 95th centile; above it Phi^-1 of the extended centile
        90 + 10 Phi((BMI - P95)/sigma(age, sex)), which keeps growing with BMI where the
        LMS z-score flattens. As CDC's cdcanthro (``bmiz``): sigma rounded to 8 decimals
        in that formula, and z = 8.21 where the extended centile rounds to 100."""
        return like_inputs(self._extended(value, age, sex)[0], value, age, sex)

    def extended_centile(self, value, age, sex):
        """Extended BMI centile (0-100) of Wei et al. (2020); see :meth:`extended_zscore`."""
        return like_inputs(self._extended(value, age, sex)[1], value, age, sex)

    def centiles(self, age, sex=None, centiles=(3, 10, 25, 50, 75, 90, 97)):
        """Values at the given centiles (0-100) for each age, as a DataFrame (one column per
        centile, named like ``"P3"``), for drawing the curves."""
        import pandas as pd
        from scipy.special import ndtri

        from labstats.stats._common import check_centiles

        a = to_float_array(age, "age").ravel()
        out = {f"P{c:g}": np.asarray(self.value_at(ndtri(c / 100.0), a, sex), float).ravel()
               for c in check_centiles(centiles)}
        return pd.DataFrame({"age": a, **out})
