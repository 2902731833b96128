"""Add derived values (free testosterone, FAI, ...) to a frame whose inputs are present.

``DERIVED`` is a small registry: derived column -> function, the input columns it
needs, optional input columns and fixed keyword arguments. A new formula is one line::

    register_derived("homa_ir", "labstats.formulas:homa_ir", ("glucose", "insulin"))
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["DERIVED", "Derivation", "derive", "register_derived"]


@dataclass(frozen=True)
class Derivation:
    """How one derived column is computed.

    Attributes
    ----------
    function : str or callable
        ``"module:name"`` (imported on first use) or the function itself. It is
        called with the input columns as keyword arguments named like the columns.
    inputs : tuple of str
        Columns that must all be present.
    optional : tuple of str
        Columns passed as keywords when present (e.g. ``total_testosterone`` for
        free estradiol, which competes for SHBG).
    kwargs : mapping
        Fixed keyword arguments (e.g. ``{"method": "vermeulen1999"}``).
    """

    function: object
    inputs: tuple[str, ...]
    optional: tuple[str, ...] = ()
    kwargs: dict = field(default_factory=dict)

    def resolve(self):
        if callable(self.function):
            return self.function
        module, name = str(self.function).split(":")
        return getattr(importlib.import_module(module), name)


_REGISTRY: dict[str, Derivation] = {}
#: Read-only view of the registry: derived column -> Derivation.
DERIVED = MappingProxyType(_REGISTRY)


def register_derived(name: str, function, inputs, optional=(), **kwargs) -> None:
    """Register (or replace) the derived column ``name``.

    ``function`` is "module:function"; ``inputs`` are the frame's columns it needs, passed
    positionally; ``optional`` are passed by keyword when present; ``kwargs`` always.

    Examples
    --------
    >>> register_derived("fai_copy", "labstats.formulas:free_androgen_index",
    ...                  ("total_testosterone", "shbg"))
    >>> "fai_copy" in DERIVED
    True
    >>> _ = _REGISTRY.pop("fai_copy")
    """
    _REGISTRY[name] = Derivation(function, tuple(inputs), tuple(optional), dict(kwargs))


register_derived("free_testosterone", "labstats.formulas:free_testosterone",
                 ("total_testosterone", "shbg", "albumin"))
register_derived("bioavailable_testosterone", "labstats.formulas:bioavailable_testosterone",
                 ("total_testosterone", "shbg", "albumin"))
register_derived("free_androgen_index", "labstats.formulas:free_androgen_index",
                 ("total_testosterone", "shbg"))
register_derived("free_estradiol", "labstats.formulas:free_estradiol",
                 ("estradiol", "shbg", "albumin"), optional=("total_testosterone",))
for _name in ("homa_ir", "homa_b", "quicki"):
    register_derived(_name, f"labstats.formulas:{_name}", ("glucose", "insulin"))
register_derived("tyg_index", "labstats.formulas:tyg_index", ("triglycerides", "glucose"))
register_derived("tyg_bmi", "labstats.formulas:tyg_bmi", ("triglycerides", "glucose", "bmi"))
register_derived("non_hdl_cholesterol", "labstats.formulas:non_hdl_cholesterol",
                 ("total_cholesterol", "hdl_cholesterol"))
# A measured or reported ``ldl_cholesterol`` column is never overwritten: each equation
# gets its own column.
for _method in ("friedewald", "martin_hopkins", "sampson"):
    register_derived(f"ldl_cholesterol_{_method}", "labstats.formulas:ldl_cholesterol",
                     ("total_cholesterol", "hdl_cholesterol", "triglycerides"), method=_method)
# CDC 2000 BMI-for-age of children 2-19 y; age_months in completed months (NHANES RIDEXAGM),
# scored at age_months + 0.5 as CDC advises (labstats.datasets.growth).
register_derived("bmi_zscore", "labstats.datasets.growth:bmi_zscore_cdc",
                 ("bmi", "age_months", "sex"))
register_derived("bmi_centile", "labstats.datasets.growth:bmi_centile_cdc",
                 ("bmi", "age_months", "sex"))
register_derived("egfr_ckd_epi_2021", "labstats.formulas:egfr", ("creatinine", "age", "sex"),
                 method="ckd_epi_2021")


def derive(frame, names=None, *, options=None, overwrite: bool = False,
           plausibility: str = "raise"):
    """Add every derived value whose input columns are present, as new columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns named and in units as ``read_nhanes``/``read_lab_export`` return them
        (canonical units: nmol/L testosterone and SHBG, g/L albumin, pmol/L estradiol).
        Never modified. A Dask DataFrame gives a lazy one, derived partition by partition;
        its ``compute()`` and its ``to_parquet()`` (with ``compute=False``, the
        ``compute()`` of the write it returns) give the warnings this function gives on
        the computed frame, once, at that line (they are recorded in the partitions, not
        issued there); ``dask.compute``, other writers and frames made from it do not.
    names : sequence of str, optional
        Derived columns wanted (keys of ``DERIVED``). Default: all whose inputs are
        present; a name asked for whose inputs are missing is an error.
    options : mapping of str to mapping, optional
        Keyword arguments per derived column, e.g.
        ``{"free_testosterone": {"method": "sodergard1982"}}``. A column's name always
        says what it holds: an option that contradicts a method fixed by the name
        (``{"ldl_cholesterol_friedewald": {"method": "sampson"}}``) is an error; ask for
        the column named after the method (``ldl_cholesterol_sampson``) instead.
        Insulin a reader converted from µIU/mL (``frame.attrs["insulin_factor"]``, set by
        ``read_lab_export``/``read_lab_results``, kept by ``pair_results``) is converted
        back with the reader's factor by every value not given an ``insulin_factor``.
    overwrite : bool, default False
        Replace columns already in ``frame`` (otherwise that is an error: a measured
        value is never silently replaced by a calculated one).
    plausibility : {"raise", "warn", "ignore"}, default "raise"
        What an input outside its plausible range (``labstats.units.ANALYTES``) does,
        as ``labstats.plausibility``. Each input column is checked once, in the unit its
        formulas read it in, however many formulas use it (one warning, not one per
        formula). The ranges hold every value of NHANES 2011-2023;
        pass "warn" for data with real values beyond them. A column that looks like
        another unit is named with the fix as ``options=`` (e.g. ``{"homa_ir":
        {"glucose_unit": "mg/dL"}}``, for each derived value reading it).

    Returns
    -------
    pandas.DataFrame
        A new frame: ``frame``'s columns, index and rows, plus the derived columns.
        NaN wherever an input is NaN.

    Raises
    ------
    ValueError
        For an unknown name, missing inputs of a requested name, a column that would
        be overwritten, an option contradicting a column's name, or an input value the
        formula rejects (negative, implausible).

    Notes
    -----
    The formulas are those of ``labstats.formulas``, validated there. A value derived
    from a censored input (see ``<analyte>_censored``) inherits its uncertainty. An
    infinite value (an SHBG of 0 gives an infinite FAI) is kept, with a warning naming
    its first row and inputs.

    Examples
    --------
    >>> df = pd.DataFrame({"total_testosterone": [10.0, 15.0], "shbg": [40.0, 30.0],
    ...                    "albumin": [43.0, None]})
    >>> derive(df, ["free_testosterone", "free_androgen_index"]).round(4)
       total_testosterone  shbg  albumin  free_testosterone  free_androgen_index
    0                10.0  40.0     43.0             0.1739                 25.0
    1                15.0  30.0      NaN                NaN                 50.0
    """
    from labstats import _engines

    if _engines.is_dask(frame):  # partition by partition (issue 12)
        return _engines.dask_derive(frame, names, options=options, overwrite=overwrite,
                                    plausibility=plausibility)
    options = {n: dict(o) for n, o in (options or {}).items()}
    unknown = [n for n in [*(names or ()), *options] if n not in _REGISTRY]
    if unknown:
        raise ValueError(f"unknown derived value {unknown[0]!r}; known: {', '.join(_REGISTRY)}")
    for n, opts in options.items():
        _check_fixed_options(n, opts)
    if names is None:
        wanted = [n for n, d in _REGISTRY.items() if all(c in frame.columns for c in d.inputs)]
    else:
        wanted = list(dict.fromkeys(names))
        for n in wanted:
            lacking = [c for c in _REGISTRY[n].inputs if c not in frame.columns]
            if lacking:
                raise ValueError(f"{n} needs column(s) {', '.join(lacking)}, absent from the "
                                 f"frame (columns: {', '.join(map(str, frame.columns))})")
    from labstats.datasets._labunits import INSULIN_FACTOR

    # insulin a reader converted from µIU/mL: back to µIU/mL with the reader's factor
    options = insulin_options(frame.attrs.get(INSULIN_FACTOR), options, wanted)
    clash = [n for n in wanted if n in frame.columns]
    if clash and not overwrite:
        raise ValueError(f"column {clash[0]!r} is already in the frame; pass overwrite=True to "
                         f"replace it, or rename it first")
    from labstats._warn import thread_plausibility as _plausibility  # this thread only:
    # derive runs on several partitions at once (pair_export's threads, Dask's threads)

    with _plausibility(plausibility):  # validates the mode
        columns = _Columns(frame)
        _check_inputs_once(frame, columns, wanted, options, plausibility)
    new = {}
    # Every input was checked above, once per column: the formulas do not check again
    # (which warned once per formula, four times for one SHBG column). Negative and
    # non-numeric values are refused by the formulas in every mode.
    with _plausibility("ignore"):
        for n in wanted:
            if n in new:  # computed with another column of its group
                continue
            d = _REGISTRY[n]
            args = {c: columns[c] for c in d.inputs}
            args.update({c: columns[c] for c in d.optional if c in frame.columns})
            group = _joint(n, wanted, options)
            try:
                if group is None:
                    new[n] = d.resolve()(**args, **{**d.kwargs, **options.get(n, {})})
                else:
                    names_, fn = group
                    new.update(zip(names_, fn(**args, **options.get(n, {})), strict=True))
            except ValueError as exc:
                raise ValueError(f"derive {n}: {exc}") from exc
    _say_infinite(frame, new, wanted)
    return frame.assign(**{n: new[n] for n in wanted})


def insulin_options(factor, options=None, names=None) -> dict:
    """``options`` with ``insulin_factor=factor`` for each derived value (of ``names``;
    default all) whose function takes one and is not given one (``factor``: the factor a
    reader converted insulin from µIU/mL to pmol/L with, its result's
    ``attrs["insulin_factor"]``; None: ``options`` as they are). HOMA-IR of the lab's
    10 µIU/mL read with 6.945 is then that of 10 µIU/mL, not of 69.45 / 6.00 = 11.6."""
    options = {n: dict(o) for n, o in (options or {}).items()}
    if factor is None:
        return options
    for n in _REGISTRY if names is None else names:
        d = _REGISTRY[n]
        if "insulin_factor" in _parameters(d.resolve()) and "insulin_factor" not in d.kwargs:
            options.setdefault(n, {}).setdefault("insulin_factor", factor)
    return options


def reading_attrs(attrs) -> dict:
    """What ``derive`` reads of the ``attrs`` of a reader's result (the factor insulin was
    converted from µIU/mL with), for frames built from it without them (``pair_export``)."""
    from labstats.datasets._labunits import INSULIN_FACTOR

    return {k: attrs[k] for k in (INSULIN_FACTOR,) if k in attrs}


def reading_derive(attrs):
    """``derive`` of the draws ``pair_export`` pairs, built without ``attrs``: with those
    of its reading (``reading_attrs``: insulin's factor), and without checking the inputs
    again: the reading checked each, in the caller's ``labstats.plausibility`` mode, and
    said what it found in the export's words (derive would say it again, or refuse what
    "warn" kept, advising keywords pair_export lacks)."""
    from labstats.datasets._labunits import INSULIN_FACTOR

    return functools.partial(derive, options=insulin_options(attrs.get(INSULIN_FACTOR)),
                             plausibility="ignore")


def _say_infinite(frame, new, wanted) -> None:
    """A warning per derived column holding infinities (an input of 0 in a denominator,
    e.g. SHBG 0 for the FAI): kept as the formula gives them, never silently."""
    import numpy as np

    from labstats._validate import warn
    from labstats.datasets.labfile import _py

    for n in wanted:
        if getattr(_REGISTRY[n].resolve(), "says_infinite", False):  # said once, by it
            continue
        try:
            infinite = np.isinf(np.asarray(new[n], dtype=float))
        except (TypeError, ValueError):  # not numbers (a registered function's text)
            continue
        if infinite.ndim != 1 or not infinite.any():
            continue
        i = int(np.flatnonzero(infinite)[0])
        d = _REGISTRY[n]
        inputs = ", ".join(f"{c} {_py(frame[c].iloc[i])!r}" for c in (*d.inputs, *d.optional)
                           if c in frame.columns)
        k = int(infinite.sum())
        warn(f"derive {n}: {k} row{'s are' if k > 1 else ' is'} infinite, the first at index "
             f"{_py(frame.index[i])!r} ({inputs}): an input of 0 where the formula divides by "
             f"it; check those inputs (kept as inf)")


# Columns computed by one call when all are wanted with the same options and their
# registry entries are the built-in ones: the inputs are read and checked once and the
# model solved once. The function returns one result per name, each equal to its own
# function's (tests/datasets/test_derive_speed.py).
_JOINT = {("free_testosterone", "bioavailable_testosterone"):
          "labstats.formulas.androgens:_free_and_bioavailable"}
_BUILTIN = dict(_REGISTRY)  # the entries registered above


def _joint(name: str, wanted, options):
    """(names, function) of the group ``name`` is computed with, or None."""
    for names, function in _JOINT.items():
        if (name in names and all(m in wanted for m in names)
                and all(_REGISTRY[m] is _BUILTIN[m] for m in names)
                and all(options.get(m, {}) == options.get(name, {}) for m in names)):
            module, attr = function.split(":")
            return names, getattr(importlib.import_module(module), attr)
    return None


def _check_fixed_options(name: str, opts) -> None:
    """An option may not contradict what the column's name says (its fixed ``kwargs``)."""
    d = _REGISTRY[name]
    for key, value in opts.items():
        if key not in d.kwargs or d.kwargs[key] == value:
            continue
        others = [n for n, o in _REGISTRY.items() if o.function == d.function
                  and o.kwargs.get(key) == value]
        fix = (f"ask for {others[0]} instead" if others else
               f"no derived column computes {key} {value!r}")
        raise ValueError(f"{name} is computed by {_TITLES.get(d.kwargs[key], d.kwargs[key])}; "
                         f"{key} {value!r} would put other values under its name: {fix}")


# Equation names as printed in messages.
_TITLES = {"friedewald": "Friedewald", "martin_hopkins": "Martin-Hopkins",
           "sampson": "Sampson", "ckd_epi_2021": "CKD-EPI 2021"}


def _signature_parameters(fn):
    import inspect

    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


_cached_parameters = functools.lru_cache(maxsize=256)(_signature_parameters)


def _parameters(fn):
    """The parameters of ``fn`` (``inspect.signature``, read once per function)."""
    try:
        return _cached_parameters(fn)
    except TypeError:  # an unhashable callable
        return _signature_parameters(fn)


class _Columns(dict):
    """``frame[c]``, taken once per column and call (each ``frame[c]`` deep-copies the
    frame's ``attrs``) and shared by the check and every formula that reads it."""

    def __init__(self, frame):
        super().__init__()
        self.frame = frame

    def __missing__(self, column):
        self[column] = series = self.frame[column]
        return series


def _check_inputs_once(frame, columns, wanted, options, mode) -> None:
    """Check each input column's plausibility once, in the unit its formulas read it in.

    Raises naming every derived value that reads the column; in "warn" mode warns once.
    The messages give derive's own steps (``_advice``): ``options=`` for the derived
    values that read the column so, and ``plausibility=`` (in ``mode``).
    """
    from labstats import units as _units

    readers: dict[tuple, list[str]] = {}
    for n in wanted:
        d = _REGISTRY[n]
        params = _parameters(d.resolve())
        kw = {**d.kwargs, **options.get(n, {})}
        for c in (*d.inputs, *(c for c in d.optional if c in frame.columns)):
            default = params[f"{c}_unit"].default if f"{c}_unit" in params else None
            unit = kw.get(f"{c}_unit", default)
            factor = "standard"  # only insulin's conversion reads it: one check of glucose
            if c in _units.ARGUMENTS and _units.analyte_of(c) == "insulin":
                factor = kw.get("insulin_factor", params["insulin_factor"].default
                                if "insulin_factor" in params else "standard")
            readers.setdefault((c, unit, factor), []).append(n)
    _check_columns(columns, readers, mode)


def _options_step(column: str, users, alt: str) -> str:
    """derive's step for a column in unit ``alt``: ``options=`` for each of ``users`` (the
    derived values reading it), as typed (module level: recorded for Dask's client)."""
    given = ", ".join(f"{n!r}: {{{column + '_unit'!r}: {alt!r}}}" for n in users)
    return f"pass options={{{given}}}"


def _advice(column: str, users, mode: str):
    """The ``Advice`` of derive's messages about ``column`` (read so by ``users``): its
    ``plausibility=`` decides (a ``with labstats.plausibility(...)`` block around the call
    does not reach it), so a refusal names that keyword."""
    from functools import partial

    from labstats._advice import Advice

    step = partial(_options_step, column, tuple(users))
    if mode != "raise":  # a warning: the values were kept
        return Advice(step)
    return Advice(step, relax=" Check the unit, or, if such values are real, pass "
                  "plausibility='warn'.", also=" If such values are real, pass "
                  "plausibility='warn'.")


def _check_columns(columns, readers, mode) -> None:
    """``_check_inputs_once``'s checks: each column once in each unit it is read in."""
    from labstats import units as _units
    from labstats._validate import as_concentration, as_measure

    for (c, unit, factor), users in readers.items():
        advice = _advice(c, users, mode)
        try:
            if c in _units.MEASURES:
                as_measure(columns[c], c, unit=unit or _units.MEASURES[c].canonical_unit,
                           advice=advice)
            elif c in _units.ARGUMENTS:
                analyte = _units.ANALYTES[_units.analyte_of(c)]
                as_concentration(columns[c], c, unit=unit or analyte.canonical_unit,
                                 insulin_factor=factor, advice=advice)
        except ValueError as exc:
            raise ValueError(f"derive {', '.join(users)}: {exc}") from exc
