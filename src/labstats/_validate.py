"""Shared machinery of every formula: input checks, unit conversion, re-wrapping.

``as_concentration()`` turns what a user passed (scalar, list, ndarray, Series) into
a float64 ndarray in the unit the equation is printed in, after checking that the
values are numbers, not negative, and plausible for the unit they were declared in.
``like_inputs()`` gives the result back in the container the user passed.

pandas is never imported here: a Series is recognised by duck typing, so that
``import labstats`` and formulas on numpy input stay light.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np

from labstats import units as _units

__all__ = [
    "LabstatsWarning",
    "as_concentration",
    "like_inputs",
    "plausibility",
    "to_float_array",
]


class LabstatsWarning(UserWarning):
    """A value was computed but lies outside what its formula was derived for."""


_PLAUSIBILITY = {"mode": "raise"}


@contextlib.contextmanager
def plausibility(mode: str):
    """Context manager to relax the unit-plausibility check: ``"raise"``, ``"warn"`` or ``"ignore"``.

    For data that really hold extreme values (a triglyceride of 80 mmol/L, say):

    >>> import labstats
    >>> with labstats.plausibility("ignore"):
    ...     labstats.units.convert(80.0, "triglycerides", "mmol/L", "mg/dL") > 7000
    True
    """
    if mode not in ("raise", "warn", "ignore"):
        raise ValueError(f"plausibility mode must be 'raise', 'warn' or 'ignore', got {mode!r}")
    old = _PLAUSIBILITY["mode"]
    _PLAUSIBILITY["mode"] = mode
    try:
        yield
    finally:
        _PLAUSIBILITY["mode"] = old


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


def to_float_array(values, name: str) -> np.ndarray:
    """``values`` as a float64 ndarray; ``ValueError`` naming the first cell that is not a number.

    None and NaN become NaN. The result may share memory with ``values``: never write to it.
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
        raise TypeError(f"{name}: got booleans; a concentration must be a number")
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
            f"{first!r} at index {_label(values, bad[0])!r}. Convert text such as censored "
            f"results ('<0.5') first: labstats.read_lab_export() turns them into numbers with a "
            f"'_censored' flag."
        )
    return out.reshape(arr.shape)


def _fmt(v: float) -> str:
    return repr(float(v))


def _check(values, x: np.ndarray, name: str, analyte: _units.Analyte, unit: str,
           molar_mass, insulin_factor) -> None:
    """Negative and implausible values in their declared unit."""
    if x.size == 0:
        return
    lo = np.fmin.reduce(x, axis=None)  # NaN-ignoring, one pass, no temporaries
    hi = np.fmax.reduce(x, axis=None)
    if lo != lo:  # all NaN
        return
    if lo < 0:
        idx = np.flatnonzero(x < 0)
        raise ValueError(
            f"{name}: {idx.size} negative value{'s' if idx.size > 1 else ''}; the first is "
            f"{_fmt(x.flat[idx[0]])} at index {_label(values, idx[0])!r}. A concentration cannot "
            f"be negative: check the source data."
        )
    mode = _PLAUSIBILITY["mode"]
    if mode == "ignore":
        return
    f = analyte.factor(unit, molar_mass=molar_mass, insulin_factor=insulin_factor)
    p_lo, p_hi = analyte.plausible[0] / f, analyte.plausible[1] / f
    if lo >= p_lo and hi <= p_hi:
        return
    idx = np.flatnonzero((x < p_lo) | (x > p_hi))
    first = x.flat[idx[0]]
    bad = x.flat[idx]
    fix = ""
    for alt in analyte.units:
        if alt == unit:
            continue
        g = analyte.factor(alt, molar_mass=molar_mass, insulin_factor=insulin_factor)
        if np.all((bad * g >= analyte.plausible[0]) & (bad * g <= analyte.plausible[1])):
            fix = f" If these are {alt}, pass {name}_unit=\"{alt}\"."
            break
    if not fix:
        fix = (" Check the unit, or wrap the call in `with labstats.plausibility('warn'):` if "
               "such values are real.")
    msg = (
        f"{name}: {_fmt(first)} at index {_label(values, idx[0])!r} is implausible for {unit} "
        f"(plausible {p_lo:g}-{p_hi:g} {unit} per labstats.units.ANALYTES['{analyte.name}']"
        f"{'; ' + str(idx.size) + ' such values' if idx.size > 1 else ''}).{fix}"
    )
    if mode == "warn":
        warnings.warn(msg, LabstatsWarning, stacklevel=4)
    else:
        raise ValueError(msg)


def as_concentration(values, name: str, *, unit: str, analyte: str | None = None,
                     to: str | None = None, molar_mass: float | None = None,
                     insulin_factor: str | float = "standard") -> np.ndarray:
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

    Returns
    -------
    numpy.ndarray
        float64; never the caller's buffer when a conversion was needed; a read-only
        view of it otherwise (the caller's data are never modified).
    """
    a = _units.ANALYTES[_units.analyte_of(analyte or name)]
    unit_ = _units.resolve_unit(unit, a)
    x = to_float_array(values, name)
    _check(values, x, name, a, unit_, molar_mass, insulin_factor)
    target = a.canonical_unit if to is None else _units.resolve_unit(to, a)
    if target != unit_:
        f = a.factor(unit_, molar_mass=molar_mass, insulin_factor=insulin_factor) / a.factor(
            target, molar_mass=molar_mass, insulin_factor=insulin_factor)
        return x * f
    if np.shares_memory(x, np.asarray(values.to_numpy() if _is_series(values) else values)):
        x = x.view()
        x.flags.writeable = False
    return x


def like_inputs(result, *inputs, name: str | None = None):
    """Wrap ``result`` like the inputs: Series if any input is one, float if all are scalars.

    Series inputs must share one index: pairing rows by position across differently
    indexed Series is how rows get silently mismatched, so it is an error.
    """
    series = [s for s in inputs if _is_series(s)]
    if series:
        idx = series[0].index
        for s in series[1:]:
            if not s.index.equals(idx):
                raise ValueError(
                    "Series inputs have different indexes; align them first "
                    "(e.g. a, b = a.align(b)) so that rows are paired by label, not position"
                )
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
