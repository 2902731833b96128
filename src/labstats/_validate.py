"""Shared machinery of every formula: input checks, unit conversion, re-wrapping.

``as_concentration()`` turns what a user passed (scalar, list, ndarray, Series) into
a float64 ndarray in the unit the equation is printed in, after checking that the
values are numbers, not negative, and plausible for the unit they were declared in.
``like_inputs()`` gives the result back in the container the user passed.

pandas is never imported here: a Series is recognised by duck typing, so that
``import labstats`` and formulas on numpy input stay light.
"""

from __future__ import annotations

import numpy as np

from labstats import units as _units

# Warnings and the plausibility mode live in labstats._warn, the column-level unit check in
# labstats._column_unit, the advice of unit messages in labstats._advice; all belong to this
# layer and are re-exported here.
from labstats._advice import PLAUSIBILITY_FIX, Advice, unit_fix  # noqa: F401
from labstats._column_unit import check_column_unit
from labstats._warn import LabstatsWarning, caller_stacklevel, plausibility, plausibility_mode, warn

__all__ = [
    "LabstatsWarning",
    "caller_stacklevel",
    "warn",
    "as_concentration",
    "as_constant",
    "check_column_unit",
    "check_label_kinds",
    "number_objects",
    "common_index",
    "like_inputs",
    "plausibility",
    "to_float_array",
]


def _is_series(x) -> bool:
    return type(x).__name__ == "Series" and type(x).__module__.startswith("pandas")


def _is_frame(x) -> bool:
    return type(x).__name__ == "DataFrame" and type(x).__module__.startswith("pandas")


def _label(values, pos: int):
    """Index label of position ``pos`` (the Series label, else the position)."""
    if _is_series(values):
        label = values.index[pos]
        return label.item() if isinstance(label, np.generic) else label
    if np.ndim(values) > 1:
        return tuple(int(i) for i in np.unravel_index(pos, np.shape(values)))
    return int(pos)


def _labels(values, idx):  # of positions idx: the Series labels, else the positions
    return values.index[idx].to_numpy() if _is_series(values) else idx


def to_float_array(values, name: str, fix: str | None = None) -> np.ndarray:
    """``values`` as a float64 ndarray; ``ValueError`` naming the first cell that is not a number.

    None and NaN become NaN. The result may share memory with ``values``: never write to it.
    ``fix`` replaces the advice of the message (default: convert censored results).
    """
    if _is_frame(values):
        raise TypeError(f"{name}: expected a scalar, array or Series, got a DataFrame; "
                        f"pass one column, e.g. frame['{name}']")
    raw = values.to_numpy() if _is_series(values) else values
    arr = np.asarray(raw)
    if arr.dtype.kind == "f":
        return arr.astype(np.float64, copy=False)
    if arr.dtype.kind in "iu":
        return arr.astype(np.float64)
    if arr.dtype.kind == "b":
        raise TypeError(f"{name}: got booleans (True/False); it must hold numbers, not "
                        "the result of a condition")
    # object, string or anything else: convert cell by cell, reporting the first failure.
    flat = arr.ravel()
    out = np.empty(flat.shape, dtype=np.float64)
    bad = []
    for i, v in enumerate(flat):
        if v is None or (isinstance(v, float) and v != v):
            out[i] = np.nan
            continue
        if isinstance(v, (bool, np.bool_)):
            bad.append(i)
            continue
        try:
            out[i] = float(v)
        except (TypeError, ValueError):
            if type(v).__name__ in ("NAType", "NaTType"):
                out[i] = np.nan
            else:
                bad.append(i)
    if bad:
        first = flat[bad[0]]
        first = first.item() if isinstance(first, np.generic) else first
        raise ValueError(
            f"{name}: {len(bad)} value{'s' if len(bad) > 1 else ''} not a number; the first is "
            f"{first!r} at index {_label(values, bad[0])!r}. " + (fix or
            "Convert text such as censored results ('<0.5') first: labstats.read_lab_export() "
            "turns them into numbers with a '_censored' flag.")
        )
    return out.reshape(arr.shape)


def as_constant(value, name: str, *, unit: str = "", low: float = 0.0,
                high: float = np.inf, hint: str = "") -> float:
    """An equation constant passed by a caller (``k_shbg=``, ``insulin_factor=``, ...) as a float.

    It must be a real number (not a bool, text or array) with ``low < value < high``
    (``high`` may be infinite); otherwise ``ValueError`` naming the argument, the value
    and the valid range. Every constant a public function accepts goes through here, so
    that ``0``, a negative or a NaN constant is an error everywhere, never ignored.

    >>> as_constant(1e9, "k_shbg", unit="L/mol")
    1000000000.0
    >>> as_constant(-1e9, "k_shbg", unit="L/mol")
    Traceback (most recent call last):
    ...
    ValueError: k_shbg=-1000000000.0 is not valid: it must be a number > 0 [L/mol].
    """
    rng = f"> {low:g}" if high == np.inf else f"between {low:g} and {high:g} (exclusive)"
    text = f"it must be a number {rng}{' [' + unit + ']' if unit else ''}"
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))
    v = float(value) if ok else np.nan
    if not (ok and low < v < high):
        shown = repr(v) if ok else repr(value)
        raise ValueError(f"{name}={shown} is not valid: {text}.{' ' + hint if hint else ''}")
    return v


def as_count(value, name: str, *, low: int = 1, what: str = "", hint: str = "") -> int:
    """A count passed by a caller (``rows_per_partition=``, ``threads=``, ``jobs=``,
    ``bootstrap=``) as an int: a whole number (not a bool, text or float) ``>= low``, else
    ``ValueError`` naming the argument, what it counts (``what``), the value and ``hint``.
    Every count a public function accepts goes through here.

    >>> as_count(4, "threads")
    4
    >>> as_count(2.5, "n_boot", what="bootstrap resamples")
    Traceback (most recent call last):
    ...
    ValueError: n_boot must be a whole number >= 1 (bootstrap resamples), got 2.5
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if not (ok and value >= low):
        raise ValueError(f"{name} must be a whole number >= {low}"
                         f"{f' ({what})' if what else ''}, got {value!r}"
                         f"{'; ' + hint if hint else ''}")
    return int(value)


def _fmt(v: float) -> str:
    return repr(float(v))


def plausible_range(analyte: _units.Analyte, unit: str, molar_mass=None,
                    insulin_factor: str | float = "standard") -> tuple[float, float]:
    """(low, high) of ``analyte``'s plausible range expressed in ``unit`` (a resolved unit)."""
    f = analyte.factor(unit, molar_mass=molar_mass, insulin_factor=insulin_factor)
    return analyte.plausible[0] / f, analyte.plausible[1] / f


def _as_canonical(x, spec, molar_mass=None, insulin_factor="standard"):
    """(unit, x read in that unit, in the canonical unit) for each unit of ``spec``."""
    if isinstance(spec, _units.Measure):
        return [(u, spec.to_canonical(x, u)) for u in (*spec.units, *spec.affine)]
    return [(u, x * spec.factor(u, molar_mass=molar_mass, insulin_factor=insulin_factor))
            for u in spec.units]


def plausible_units(bad: np.ndarray, spec, unit: str, molar_mass=None,
                    insulin_factor: str | float = "standard") -> list[str]:
    """The other units of ``spec`` (an ``Analyte`` or a ``Measure``) in which every value of
    ``bad`` is plausible, most likely first (the order of ``spec.units``)."""
    return [u for u, c in _as_canonical(bad, spec, molar_mass, insulin_factor) if u != unit
            and np.all((c >= spec.plausible[0]) & (c <= spec.plausible[1]))]


def _check(values, x: np.ndarray, name: str, analyte: _units.Analyte, unit: str,
           molar_mass, insulin_factor, advice=None) -> None:
    """Negative and implausible values in their declared unit (``advice``: ``Advice``)."""
    if x.size == 0:
        return
    lo = np.fmin.reduce(x, axis=None)  # NaN-ignoring, one pass, no temporaries
    if lo != lo:  # all NaN
        return
    if lo < 0:
        idx = np.flatnonzero(x < 0)
        raise ValueError(
            f"{name}: {idx.size} negative value{'s' if idx.size > 1 else ''}; the first is "
            f"{_fmt(x.flat[idx[0]])} at index {_label(values, idx[0])!r}. A concentration cannot "
            f"be negative: check the source data."
        )
    mode = plausibility_mode()
    if mode == "ignore":  # negatives only: no second pass for the maximum
        return
    hi = np.fmax.reduce(x, axis=None)
    p_lo, p_hi = plausible_range(analyte, unit, molar_mass, insulin_factor)
    if lo >= p_lo and hi <= p_hi:
        return
    idx = np.flatnonzero((x < p_lo) | (x > p_hi))
    first = x.flat[idx[0]]
    bad = x.flat[idx]
    fix = unit_fix(name, plausible_units(bad, analyte, unit, molar_mass, insulin_factor), advice,
                   mode == "warn")
    msg = (
        f"{name}: {_fmt(first)} at index {_label(values, idx[0])!r} is implausible for {unit} "
        f"(plausible {p_lo:g}-{p_hi:g} {unit} per labstats.units.ANALYTES['{analyte.name}']"
        f"{'; ' + str(idx.size) + ' such values' if idx.size > 1 else ''}).{fix}"
    )
    if mode == "warn":
        from labstats._warn import recording

        if recording() is not None:  # a part of a column: judged on the whole (Dask)
            recording().append(("implausible", name, analyte.name, unit, molar_mass,
                                insulin_factor, advice, _labels(values, idx), bad))
            return
        warn(msg)
    else:
        raise ValueError(msg)


def as_concentration(values, name: str, *, unit: str, analyte: str | None = None,
                     to: str | None = None, molar_mass: float | None = None,
                     insulin_factor: str | float = "standard",
                     column_check: bool = True, advice=None) -> np.ndarray:
    """Check ``values`` and return them as float64 in unit ``to`` (default: canonical).

    Parameters
    ----------
    values : float, array_like or pandas.Series
    name : str
        The argument name, used in error messages and to find the analyte.
    unit : str
        The unit ``values`` are declared in.
    analyte : str, optional
        Analyte id; default: looked up from ``name`` in ``labstats.units.ARGUMENTS``.
    to : str, optional
        Unit wanted; default the analyte's canonical unit.
    molar_mass, insulin_factor
        Passed to the conversion (see ``labstats.units.convert``).
    column_check : bool, default True
        Also run ``check_column_unit`` (False where the caller already did).
    advice : labstats._advice.Advice, optional
        The steps the messages give, in the caller's words (default: this function's
        keywords as a formula's, ``<name>_unit=``).

    Returns
    -------
    numpy.ndarray
        float64; never the caller's buffer when a conversion was needed; a read-only
        view of it otherwise (the caller's data are never modified).
    """
    a = _units.ANALYTES[_units.analyte_of(analyte or name)]
    unit_ = _units.resolve_unit(unit, a)
    x = to_float_array(values, name)
    _check(values, x, name, a, unit_, molar_mass, insulin_factor, advice)
    if column_check:
        check_column_unit(x, name, a, unit_, lambda u: a.factor(
            u, molar_mass=molar_mass, insulin_factor=insulin_factor), advice)
    target = a.canonical_unit if to is None else _units.resolve_unit(to, a)
    if target != unit_:
        f = a.factor(unit_, molar_mass=molar_mass, insulin_factor=insulin_factor) / a.factor(
            target, molar_mass=molar_mass, insulin_factor=insulin_factor)
        return x * f
    if np.shares_memory(x, np.asarray(values.to_numpy() if _is_series(values) else values)):
        x = x.view()
        x.flags.writeable = False
    return x


def common_index(*inputs, names=None):
    """The index the Series among ``inputs`` share, or None when none is a Series.

    ``ValueError`` when two Series have different indexes: pairing their rows by position
    is how rows get silently mismatched. ``names`` (one per input) name the two in the
    message; without them it speaks of "Series inputs".
    """
    series = [(k, s) for k, s in enumerate(inputs) if _is_series(s)]
    if not series:
        return None
    first, idx = series[0][0], series[0][1].index
    for k, s in series[1:]:
        if not s.index.equals(idx):
            which = ("Series inputs have" if names is None else
                     f"{names[first]} and {names[k]} are Series with")
            raise ValueError(f"{which} different indexes; align them first (e.g. a, b = "
                             "a.align(b)) so that rows are paired by label, not position")
    return idx


def like_inputs(result, *inputs, name: str | None = None):
    """Wrap ``result`` like the inputs: Series if any input is one, float if all are scalars.

    Series inputs must share one index: pairing rows by position across differently
    indexed Series is how rows get silently mismatched, so it is an error.
    """
    idx = common_index(*inputs)
    if idx is not None:
        import pandas as pd

        arr = np.asarray(result, dtype=np.float64)
        if arr.ndim == 0:
            arr = np.full(len(idx), float(arr))
        if arr.shape != (len(idx),):
            raise ValueError(f"inputs of length {len(idx)} and shape {arr.shape} do not match")
        return pd.Series(arr, index=idx, name=name, copy=False)
    arr = np.asarray(result, dtype=np.float64)
    if arr.ndim == 0 and all(np.ndim(v) == 0 for v in inputs):
        return float(arr)
    return arr


# --- Non-concentration arguments: body measures, age, sex, yes/no flags ----------------


def _check_measure(values, x: np.ndarray, name: str, m: _units.Measure, unit: str,
                   advice=None) -> None:
    """Negative and implausible values of a body measure, age or blood pressure."""
    if x.size == 0:
        return
    lo = np.fmin.reduce(x, axis=None)
    if lo != lo:
        return
    if lo < 0:
        idx = np.flatnonzero(x < 0)
        raise ValueError(
            f"{name}: {idx.size} negative value{'s' if idx.size > 1 else ''}; the first is "
            f"{_fmt(x.flat[idx[0]])} at index {_label(values, idx[0])!r}. Check the source data.")
    if plausibility_mode() == "ignore":
        return
    hi = np.fmax.reduce(x, axis=None)
    p_lo, p_hi = m.from_canonical(m.plausible, unit)
    if lo >= p_lo and hi <= p_hi:
        return
    idx = np.flatnonzero((x < p_lo) | (x > p_hi))
    bad = x.flat[idx]
    fix = unit_fix(name, plausible_units(bad, m, unit), advice,
                   plausibility_mode() == "warn")
    msg = (f"{name}: {_fmt(bad[0])} at index {_label(values, idx[0])!r} is implausible for {unit} "
           f"(plausible {p_lo:g}-{p_hi:g} {unit} per labstats.units.MEASURES['{m.name}']"
           f"{'; ' + str(idx.size) + ' such values' if idx.size > 1 else ''}).{fix}")
    if plausibility_mode() == "warn":
        from labstats._warn import recording

        if recording() is not None:  # a part of a column: judged on the whole (Dask)
            recording().append(("measure", name, m.name, unit, advice, _labels(values, idx),
                                bad))
            return
        warn(msg)
    else:
        raise ValueError(msg)


def likely_units(values: np.ndarray, spec, unit: str,
                 insulin_factor: str | float = "standard") -> np.ndarray:
    """For each value, the other units of ``spec`` (an ``Analyte`` or a ``Measure``) in
    which it is plausible, most likely first, as a tuple, else None (an object array):
    several may fit, and the hint must say so. A value's hint depends on that value alone,
    so a column read in parts (Dask, ``pair_export``) gets the hints of the whole column;
    ``plausible_units`` asks the units of a whole group of values."""
    x = np.asarray(values, dtype=float)
    alts = [alt for alt in _as_canonical(x, spec, None, insulin_factor) if alt[0] != unit]
    fits = np.array([(c >= spec.plausible[0]) & (c <= spec.plausible[1]) for _, c in alts],
                    dtype=bool).reshape(len(alts), *x.shape)
    code = np.zeros(x.shape, dtype=np.int64)  # which alternatives fit, as bits
    for k in range(len(alts)):
        code |= fits[k].astype(np.int64) << k
    names = np.empty(1 << len(alts), dtype=object)  # (a list of tuples would become 2-D)
    for c in range(names.size):
        names[c] = tuple(a for k, (a, _) in enumerate(alts) if c >> k & 1) or None
    return names[code]


def as_measure(values, name: str, *, unit: str, to: str | None = None,
               measure: str | None = None, column_check: bool = True,
               advice=None) -> np.ndarray:
    """Check a body measure, age or blood pressure and return it as float64 in unit ``to``.

    The counterpart of ``as_concentration`` for ``labstats.units.MEASURES`` (``name`` is
    looked up there unless ``measure`` is given). Same checks: non-numeric, negative and
    implausible-for-unit values raise ``ValueError`` naming the value, its index and the fix;
    a whole column that looks as if it were in another unit warns (``check_column_unit``);
    ``advice`` as ``as_concentration``'s.
    """
    m = _units.MEASURES[measure or name]
    unit_ = m.resolve(unit)
    x = to_float_array(values, name)
    _check_measure(values, x, name, m, unit_, advice)
    if column_check:
        check_column_unit(x, name, m, unit_, m.factor, advice)
    target = m.canonical_unit if to is None else m.resolve(to)
    if target != unit_:
        return m.from_canonical(m.to_canonical(x, unit_), target)
    if np.shares_memory(x, np.asarray(values.to_numpy() if _is_series(values) else values)):
        x = x.view()
        x.flags.writeable = False
    return x


#: Spellings of sex accepted by ``as_sex`` (after strip and lower-case) -> 1.0 female, 0.0 male.
def as_flag(values, name: str) -> np.ndarray:
    """A yes/no input (e.g. drug treatment) as a bool array; True/False or 1/0 only.

    Missing values raise ``ValueError``: whether an unknown treatment counts is the
    analyst's decision, so fill them explicitly (``flag.fillna(False)``).
    """
    arr = np.asarray(values.to_numpy() if _is_series(values) else values)
    if arr.dtype.kind == "b":
        return arr
    if arr.dtype.kind in "iuf":
        ok = (arr == 0) | (arr == 1)
        if ok.all():
            return arr == 1
        bad = np.flatnonzero(~ok)
    else:
        ok = np.array([isinstance(v, (bool, np.bool_)) or (
            isinstance(v, (int, float, np.number)) and v in (0, 1)) for v in arr.ravel()],
            dtype=bool)
        if ok.all():
            return np.array([bool(v) for v in arr.ravel()], dtype=bool).reshape(arr.shape)
        bad = np.flatnonzero(~ok)
    first = arr.flat[bad[0]]
    first = first.item() if isinstance(first, np.generic) else first
    raise ValueError(
        f"{name}: {bad.size} value{'s' if bad.size > 1 else ''} not True/False (or 1/0); the "
        f"first is {first!r} at index {_label(values, int(bad[0]))!r}. Fill missing flags "
        f"explicitly, e.g. {name}.fillna(False), so the choice is yours.")



def number_objects(values) -> np.ndarray:
    """Which of ``values`` (objects of a column that may mix kinds) are numbers: ints and
    floats of Python or numpy, not booleans, NaN included. The one test of "a number
    among text" for labels and ids (``check_label_kinds``, ``_routine_io.check_ids``)."""
    return np.fromiter((isinstance(v, (int, float, np.integer, np.floating)) and not
                        isinstance(v, (bool, np.bool_)) for v in values), bool,
                       count=len(values))


def check_label_kinds(values, name: str) -> None:
    """Raise ``ValueError`` when a column of labels (strata, PSUs) mixes numbers and text.

    ``1`` and ``"1"`` are different labels to pandas, so a column holding both (frames read
    from CSV and from Excel, concatenated) would split one stratum or PSU in two without a
    word. Only object columns can mix; missing values are left to the caller.
    """
    arr = np.asarray(values.to_numpy() if _is_series(values) else values)
    if arr.dtype != object:
        return
    from pandas.api.types import infer_dtype  # only object columns get here (from pandas)

    if infer_dtype(arr, skipna=True) not in ("mixed", "mixed-integer"):
        return  # all text, all numbers, or other objects: one kind
    text = np.array([isinstance(v, str) for v in arr], dtype=bool)
    number = number_objects(arr) & (arr == arr)  # (NaN: missing, the caller's)
    if text.any() and number.any():
        t, n = int(np.flatnonzero(text)[0]), int(np.flatnonzero(number)[0])
        num = arr[n].item() if isinstance(arr[n], np.generic) else arr[n]
        raise ValueError(
            f"{name}: the labels mix numbers and text ({int(number.sum())} numbers, "
            f"{int(text.sum())} text); the first text is {arr[t]!r} at index "
            f"{_label(values, t)!r}, the first number {num!r} at index {_label(values, n)!r}. "
            f"A number and its text (1 and '1') would be two different labels: give the "
            f"column one type, e.g. data[{name!r}] = data[{name!r}].astype(str).")

# Sex parsing belongs to this layer; it lives in labstats._validate_sex (file size) and is
# re-exported here, after the helpers it uses are defined.
from labstats._validate_rows import broadcast_rows, check_rows  # noqa: E402, F401
from labstats._validate_sex import (  # noqa: E402, F401
    SEX_CODES,
    SEX_MISSING_TEXT,
    SEX_NUMERIC_CODES,
    _decode,
    _sex_codes,
    _sex_error,
    _sex_of,
    as_sex,
)
