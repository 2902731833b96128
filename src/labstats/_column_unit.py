"""The column-level unit check of the validation layer (re-exported by ``labstats._validate``).

A single value is often plausible in two units; a whole column is not. Calibrated on NHANES
by ``labstats._calibrate_units`` (``units.TYPICAL_QUARTILES``).
"""

from __future__ import annotations

import numpy as np

from labstats import units as _units
from labstats._advice import FORMULA
from labstats._warn import plausibility_mode, recording, warn

__all__ = ["check_column_unit", "column_quartiles", "judge_column_unit"]

_COLUMN_MIN = 20  # fewer non-NaN values: no column-level unit check
_COLUMN_CHUNKS, _COLUMN_CHUNK = 64, 64  # longer columns: 64 evenly spaced runs of 64 values
_QUARTER = np.array([0.25, 0.5, 0.75])
_LOG_QUARTILES: dict = {}  # id(spec) -> (spec, log of its typical (Q1, Q3), one row a group)


def _read(x: np.ndarray) -> np.ndarray:
    """The values of x the check reads: all, or 64 evenly spaced runs of 64 values."""
    flat = x.reshape(-1)
    if flat.size > _COLUMN_CHUNKS * _COLUMN_CHUNK:
        starts = np.linspace(0, flat.size - _COLUMN_CHUNK, _COLUMN_CHUNKS).astype(np.intp)
        flat = flat[(starts[:, None] + np.arange(_COLUMN_CHUNK)).reshape(-1)]
    return flat


def _quartiles(x: np.ndarray):
    """(Q1, median, Q3) of the non-NaN values of x, as np.percentile (linear), or None
    for fewer than 20; columns over 4,096 values are read in 64 evenly spaced runs."""
    flat = _read(x)
    s = flat[~np.isnan(flat)]
    if s.size < _COLUMN_MIN:
        return None
    pos = (s.size - 1) * _QUARTER
    lo = pos.astype(np.intp)
    hi = np.minimum(lo + 1, s.size - 1)
    part = np.partition(s, np.concatenate((lo, hi)))
    return part[lo] + (pos - lo) * (part[hi] - part[lo])


def column_quartiles(values: np.ndarray, weights=None):
    """((Q1, median, Q3), n) of the non-NaN ``values``, each repeated ``weights`` times
    (integers; default once), exactly, as np.percentile (linear): every value is read,
    not 64 runs. The same for a column and for its distinct values with their counts
    (a column read in parts: counts add up), to the last bit."""
    x = np.asarray(values, dtype=float).reshape(-1)
    keep = ~np.isnan(x)
    if weights is None:
        s = x[keep]
        n = s.size
        if not n:
            return None, 0
        pos = (n - 1) * _QUARTER
        lo = pos.astype(np.intp)
        hi = np.minimum(lo + 1, n - 1)
        part = np.partition(s, np.concatenate((lo, hi)))
        return part[lo] + (pos - lo) * (part[hi] - part[lo]), n
    w = np.asarray(weights, dtype=np.int64).reshape(-1)[keep]
    s = x[keep]
    order = np.argsort(s, kind="stable")
    s, cum = s[order], np.cumsum(w[order])
    n = int(cum[-1]) if cum.size else 0
    if not n:
        return None, 0
    pos = (n - 1) * _QUARTER
    lo = pos.astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    at_lo, at_hi = (s[np.searchsorted(cum, r, side="right")] for r in (lo, hi))
    return at_lo + (pos - lo) * (at_hi - at_lo), n


def check_column_unit(x: np.ndarray, name: str, spec, unit: str, factor, advice=None) -> None:
    """Warn once when a whole column looks as if it were in another accepted unit.

    A single insulin of 10 is plausible in pmol/L and in µIU/mL; a column of them is
    not: its quartiles (Q1, Q3) are compared, in the canonical unit, with those of real
    NHANES columns (``spec.typical_quartiles``, calibrated by ``labstats._calibrate_units``;
    typical = within a factor ``units.COLUMN_MARGIN`` of one group's). When the declared
    ``unit`` is atypical and another of ``spec``'s units is typical, a ``LabstatsWarning``
    names the argument, the median, the likely unit (every typical one, the closest on
    the log scale first, when several are) and the keyword that fixes it. ``factor(u)``
    converts ``u`` to the canonical unit; ``advice`` (``labstats._advice.Advice``) says
    what to do if the unit is u (default: pass ``<name>_unit=u``). Skipped in
    ``plausibility("ignore")`` and below 20 values; at most 4,096 values are read, so long
    columns cost nothing measurable.
    """
    if not spec.typical_quartiles or plausibility_mode() == "ignore":
        return
    if recording() is not None:  # a part of a column (Dask): judged on the whole column
        recording().append(("column", name, spec, unit, {u: factor(u) for u in (
            unit, *spec.units)}, np.array(_read(x)), x.size > _COLUMN_CHUNKS * _COLUMN_CHUNK,
            advice))
        return
    if x.size < _COLUMN_MIN:
        return
    judge_column_unit(_quartiles(x), name, spec, unit, factor, advice)


def judge_column_unit(q, name: str, spec, unit: str, factor, advice=None) -> None:
    """``check_column_unit``'s judgement of a column of quartiles ``q`` (None: fewer than
    20 values): warn when ``unit`` is atypical and another unit of ``spec`` typical.
    ``advice.step(name, alt)``: what the warning tells to do (default: pass
    ``<name>_unit=alt``)."""
    if not spec.typical_quartiles or plausibility_mode() == "ignore":
        return
    if q is None or not q[0] > 0:  # zeros (or below-LOD fills of 0) say nothing of the unit
        return
    cached = _LOG_QUARTILES.get(id(spec))
    if cached is None or cached[0] is not spec:
        cached = _LOG_QUARTILES[id(spec)] = (spec, np.log(np.asarray(spec.typical_quartiles)))
    ref, tol = cached[1], np.log(_units.COLUMN_MARGIN) + 1e-9
    lq = np.log(q[[0, 2]])

    def distance(u):  # log-distance of the column in unit u to the nearest typical group
        d = lq + np.log(factor(u)) - ref
        d *= d
        d = d[:, 0] + d[:, 1]
        inside = d[(np.abs(lq[0] + np.log(factor(u)) - ref[:, 0]) <= tol)
                   & (np.abs(lq[1] + np.log(factor(u)) - ref[:, 1]) <= tol)]
        return float(inside.min()) if inside.size else None

    if distance(unit) is not None:
        return
    fits = [(d, u) for u in tuple(spec.units) if u != unit and (d := distance(u)) is not None]
    if not fits:
        return
    alts = [u for _, u in sorted(fits)]  # closest first; several may fit: name them all
    q1, med, q3 = q

    def todo(alt):
        return (advice or FORMULA).step(name, alt)

    which = " or ".join(f'"{a}"' for a in alts)
    ifs = "; if ".join(f'"{a}", {todo(a)}' for a in alts[1:])
    warn(f"{name}: the column's median is {med:.4g} {unit} (quartiles {q1:.4g}-{q3:.4g} "
         f"{unit}), unlike the NHANES 2011-2016 groups of {spec.name} in \"{unit}\" but "
         f"typical of {which} (labstats.units.TYPICAL_QUARTILES)"
         f"{': the column alone cannot tell which' if len(alts) > 1 else ''}. If the unit "
         f"is \"{alts[0]}\", {todo(alts[0])}; {'if ' + ifs + '; ' if ifs else ''}if "
         f"\"{unit}\" is right (a population NHANES does not sample on its own, such as "
         f"young children or hypogonadal men, can look so), ignore this warning.")
