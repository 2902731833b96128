"""Fused check-convert-compute engine of the metabolic, lipid and kidney formulas.

A formula declares its inputs as ``Column`` objects (values, argument name, declared
unit, the unit its equation is printed in) and a kernel written in the paper's units.
``fused`` walks the inputs in cache-sized blocks: for each block it takes the minimum
and maximum of every input (the plausibility check), scales it to the equation's unit
and runs the kernel, so that each input is read from main memory once. Only when a block
holds a negative or implausible value is the full check of ``labstats._validate`` run on
that input, which raises (or warns) with the exact message: the text a user sees is the
same as with ``as_concentration``.

``jit()``, ``jit_arrays()`` and ``check_stats()`` serve the compiled loops of
``_jit_formulas`` (numba, optional), which record each input's minimum and maximum while
they compute, so the same check costs no extra pass there either.
"""

from __future__ import annotations

import importlib
import os

import numpy as np

from labstats import _validate
from labstats._validate import as_concentration, as_measure, as_sex, broadcast_rows, warn
from labstats._warn import recording
from labstats.units import ANALYTES, MEASURES, analyte_of, resolve_unit

BLOCK = 1 << 14  # rows per block; measured faster than 8192 in benchmarks/bench_formulas.py


def unit_factor(name: str, from_unit: str, to_unit: str) -> float:
    """Multiply a value of analyte/argument ``name`` in ``from_unit`` by this to get ``to_unit``."""
    a = ANALYTES[analyte_of(name)]
    return a.factor(from_unit) / a.factor(to_unit)


def categorical_sex(values):
    """(look-up table, codes) of a pandas Categorical sex: table[code] is 1.0 female, 0.0
    male, NaN missing (code -1 reads the last entry, NaN). Categories no row uses are
    ignored (pandas keeps them after filtering, e.g. ['M', 'F'] with categories
    ['M', 'F', 'X']); None when a used category is not a sex, so that the caller lets
    ``as_sex`` raise its message naming the value and row."""
    lut = [_validate._sex_of(v) for v in values.cat.categories]
    codes = values.cat.codes.to_numpy()
    if None in lut:
        used = np.bincount(codes.astype(np.intp) + 1, minlength=len(lut) + 1)[1:] > 0
        if any(v is None and u for v, u in zip(lut, used, strict=True)):
            return None
        lut = [np.nan if v is None else v for v in lut]
    return np.array([*lut, np.nan], dtype=np.float64), codes


def sex_array(values, name: str = "sex") -> np.ndarray:
    """Sex as float64 (1.0 female, 0.0 male, NaN missing), as ``as_sex``, with a
    Categorical's unused categories ignored."""
    if _validate._is_series(values) and str(values.dtype) == "category":
        decoded = categorical_sex(values)
        if decoded is not None:
            return decoded[0][decoded[1]]
    return as_sex(values, name)


class Column:
    """One input of a fused formula.

    Parameters
    ----------
    values : scalar, array_like or pandas.Series
    name : str
        Argument name (a key of ``units.ARGUMENTS``/``ANALYTES`` or ``units.MEASURES``,
        or ``"sex"``).
    unit, to : str
        Declared unit and the unit the kernel wants; ignored for sex.
    measure : str, optional
        ``units.MEASURES`` key when ``name`` is not one.
    insulin_factor : str or float
        For insulin in µIU/mL <-> pmol/L.
    """

    def __init__(self, values, name: str, unit: str | None = None, to: str | None = None, *,
                 measure: str | None = None, insulin_factor: str | float = "standard"):
        self.values, self.name, self.unit = values, name, unit
        self.factor, self.bad, self.sex_codes = 1.0, False, False
        self.lo, self.hi = -np.inf, np.inf  # no block check
        self.blk_lo = self.blk_hi = np.nan  # of the current block, in the kernel's unit
        self.buf = self.sex_lut = None
        if name == "sex":
            series = _validate._is_series(values)
            categorical = series and str(values.dtype) == "category"
            text = series and type(values.dtype).__name__ == "StringDtype"  # parsed below
            arr = np.asarray(() if categorical or text else
                             values.to_numpy() if series else values)
            decoded = categorical_sex(values) if categorical else None
            if decoded is not None and len(values) > BLOCK:  # decode block by block
                self.sex_lut, self.x = decoded
            elif decoded is not None:
                self.x = decoded[0][decoded[1]]
            elif arr.dtype.kind in "iuf" and arr.ndim == 1 and arr.size > BLOCK:
                self.x, self.sex_codes = arr.astype(np.float64, copy=False), True
            else:  # text, small, or with an unrecognised category: parse (and raise) once
                self.x = as_sex(values, name)
            self._validate = lambda: as_sex(values, name)
            return
        if measure is not None or name in MEASURES:
            m = MEASURES[measure or name]
            unit_ = m.resolve(unit)
            self.factor = m.factor(unit_) / m.factor(to)
            plausible, to_canonical = m.plausible, m.factor(unit_)
            self._validate = lambda: as_measure(values, name, unit=unit_, to=unit_,
                                                measure=measure, column_check=False)
            spec, unit_factor_of = m, m.factor
        else:
            a = ANALYTES[analyte_of(name)]
            f = a.factor(unit, insulin_factor=insulin_factor)
            self.factor = f / a.factor(to, insulin_factor=insulin_factor)
            plausible, to_canonical = a.plausible, f
            self._validate = lambda: as_concentration(values, name, unit=unit, to=unit,
                                                      insulin_factor=insulin_factor,
                                                      column_check=False)
            unit_ = resolve_unit(unit, a)
            spec = a

            def unit_factor_of(u):
                return a.factor(u, insulin_factor=insulin_factor)
        self.x = _validate.to_float_array(values, name)
        if _validate.plausibility_mode() == "ignore":
            self.lo, self.hi = 0.0, np.inf
        else:
            self.lo, self.hi = plausible[0] / to_canonical, plausible[1] / to_canonical
        if self.x.ndim == 0 or self.x.size <= BLOCK:
            self._validate()  # small input: check once, exactly
            self.lo, self.hi = -np.inf, np.inf
        _validate.check_column_unit(self.x, name, spec, unit_, unit_factor_of)  # once

    def _buffer(self, n: int) -> np.ndarray:
        """A scratch block of this column, reused from block to block (no allocation)."""
        if self.buf is None or self.buf.size < n:
            self.buf = np.empty(max(n, 1), dtype=np.float64)
        return self.buf[:n]

    def scan(self, blk: np.ndarray) -> np.ndarray:
        """Check one block cheaply and return it in the kernel's unit. The result is the
        caller's data or a scratch buffer: kernels must never write into it."""
        if self.sex_lut is not None:
            return np.take(self.sex_lut, blk, out=self._buffer(blk.size), mode="wrap")
        if self.sex_codes:
            female = np.subtract(blk, 1.0, out=self._buffer(blk.size))  # RIAGENDR 1 M, 2 F
            p = np.subtract(female, 1.0)
            p *= female  # 0 for 0/1, NaN for missing, nonzero for any other code
            if np.fmax.reduce(p, axis=None) > 0 or np.fmin.reduce(p, axis=None) < 0:
                self._flag()
            return female
        if self.lo != -np.inf and blk.size:
            lo, hi = np.fmin.reduce(blk, axis=None), np.fmax.reduce(blk, axis=None)
            if lo < self.lo or hi > self.hi:
                self._flag()
            self.blk_lo, self.blk_hi = lo * self.factor, hi * self.factor
        if self.factor == 1.0:
            return blk
        return np.multiply(blk, self.factor, out=self._buffer(blk.size))

    def block_range(self, blk: np.ndarray) -> tuple[float, float]:
        """(min, max) of the block ``scan`` returned last, NaN ignored, without a new pass
        when ``scan`` already took them."""
        if self.blk_lo == self.blk_lo:
            return self.blk_lo, self.blk_hi
        return np.fmin.reduce(blk, axis=None), np.fmax.reduce(blk, axis=None)

    def _flag(self) -> None:
        """A block looked wrong: raise now in "raise" mode, else check again at the end."""
        if _validate.plausibility_mode() == "raise" or self.sex_codes:
            self._validate()
        self.bad = True

    def finish(self) -> None:
        """Run the exact check when a block looked wrong: raises, or warns in "warn" mode."""
        if self.bad:
            self._validate()


def fused(kernel, *columns: Column, n_out: int = 1):
    """Run ``kernel(*blocks) -> tuple of arrays`` over cache-sized blocks of the columns.

    Inputs broadcast against each other; 0-d and multi-dimensional inputs are flattened
    (and the results reshaped), so a kernel always gets 1-d blocks, already in its
    equation's unit, and may compute in place in arrays it created itself. Inputs that
    would broadcast to an outer product are refused (``broadcast_rows``).
    """
    arrays = broadcast_rows([c.x for c in columns], [c.name for c in columns])
    shape = arrays[0].shape
    if len(shape) != 1:
        arrays = [a.reshape(-1) for a in arrays]
    n = arrays[0].shape[0]
    outs = tuple(np.empty(n, dtype=np.float64) for _ in range(n_out))
    for start in range(0, n, BLOCK):
        sl = slice(start, min(start + BLOCK, n))
        res = kernel(*[c.scan(a[sl]) for c, a in zip(columns, arrays, strict=True)])
        for o, r in zip(outs, res, strict=True):
            o[sl] = r
    for c in columns:
        c.finish()
    return tuple(o.reshape(shape) for o in outs)


def jit(module: str = "_jit_formulas"):
    """A module of compiled loops (``labstats.formulas.<module>``, or ``module`` itself when
    it is a dotted name), or None: numba missing, or LABSTATS_NO_NUMBA=1. The numpy code
    then runs and gives the same numbers."""
    if os.environ.get("LABSTATS_NO_NUMBA", "") not in ("", "0"):
        return None
    try:
        return importlib.import_module(module if "." in module else f"labstats.formulas.{module}")
    except ImportError as exc:  # numba not installed
        if exc.name != "numba":
            raise
        return None


def jit_arrays(*columns: Column):
    """Flat float64 inputs for a compiled loop, or None when the numpy path should run
    (input of one block or less: no compilation is worth it; or n-d input)."""
    arrays = broadcast_rows([c.x for c in columns], [c.name for c in columns])
    if arrays[0].ndim != 1 or arrays[0].shape[0] <= BLOCK:
        return None
    out = []
    for col, a in zip(columns, arrays, strict=True):
        if col.sex_lut is not None:  # Categorical codes -> 1.0 female / 0.0 male / NaN
            a = col.sex_lut.take(a, mode="wrap")
        a = np.asarray(a, dtype=np.float64).view()
        a.flags.writeable = False  # only read (and numba wants to know)
        out.append(a)
    return out


def new_stats(k: int) -> np.ndarray:
    """Running (min, max) of k inputs for a compiled loop to fill."""
    return np.tile([np.inf, -np.inf], k)


def check_stats(stats: np.ndarray, *columns: Column | None) -> None:
    """The plausibility check of each column from the min/max a compiled loop recorded
    (column j in stats[2j], stats[2j + 1]; None: an input the loop did not read)."""
    for j, col in enumerate(columns):
        if col is None:
            continue
        lo, hi = stats[2 * j], stats[2 * j + 1]
        if col.lo != -np.inf and lo <= hi and (lo < col.lo or hi > col.hi):
            col._flag()
            col.finish()


class Counter:
    """Rows counted inside a kernel (e.g. outside a validity range), reported afterwards."""

    def __init__(self):
        self.n = 0

    def warn(self, message: str) -> None:
        warn_rows(self.n, message)


def nan_where(out: np.ndarray, mask: np.ndarray, counter: Counter | None = None) -> np.ndarray:
    """Set ``out`` to NaN where ``mask`` (in place when any); count the rows."""
    n = int(np.count_nonzero(mask))
    if counter is not None:
        counter.n += n
    return np.where(mask, np.nan, out) if n else out


def warn_rows(n: int, message: str) -> None:
    """``LabstatsWarning`` that states how many rows ``message`` is about (none: silent),
    attributed to the caller's line outside labstats (recorded with ``n`` for the whole
    column inside ``_warn.collected_warnings``: Dask's partitions)."""
    if recording() is not None:
        recording().append(("rows", message, int(n)))
    elif n:
        warn(f"{n} row{'s' if n > 1 else ''} {message}")


def percent_of_total(x, total, name: str) -> np.ndarray:
    """``100 x / total``; NaN with a ``LabstatsWarning`` where ``total`` is 0 (0 / 0: a
    percentage of nothing), instead of a silent NaN."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 100.0 * x / total
    zero = np.broadcast_to(total, np.shape(out)) == 0.0
    warn_rows(int(np.count_nonzero(zero)), f"with {name} 0: a percentage of it is undefined "
              f"(0 / 0) and NaN")
    return out
