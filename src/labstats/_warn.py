"""Warnings of labstats and the plausibility mode: part of the validation layer
(``labstats._validate`` re-exports every name here).

``warn()`` attributes a warning to the caller's line outside labstats, however deep inside
the package it is raised, so a user sees their own script's line, not ours.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings

__all__ = ["LabstatsWarning", "caller_stacklevel", "plausibility", "warn"]


class LabstatsWarning(UserWarning):
    """A value was computed but lies outside what its formula was derived for.

    Also used for every other finding labstats reports without stopping (a column that
    looks like another unit, pooled survey cycles). Attributed to the caller's line.

    Examples
    --------
    >>> import warnings
    >>> import labstats
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     ldl = labstats.ldl_cholesterol(5.0, 1.0, 6.0)  # TG > 400 mg/dL: Friedewald invalid
    >>> caught[0].category is labstats.LabstatsWarning, bool(ldl != ldl)
    (True, True)
    """


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside labstats.

    Counted from the caller of this function, so ``warnings.warn(msg, stacklevel=
    caller_stacklevel())`` names the user's line, however deep inside labstats it is raised
    (the approach of pandas' ``find_stack_level``).
    """
    import inspect

    frame = inspect.currentframe()
    level = 0
    try:
        frame = frame.f_back  # the function that called us is level 1
        while frame is not None:
            if not frame.f_code.co_filename.startswith(_PACKAGE_DIR):
                break
            level += 1
            frame = frame.f_back
    finally:
        del frame
    return max(level, 1)


def warn(message: str, category: type[Warning] = LabstatsWarning) -> None:
    """Issue ``message`` as a warning attributed to the caller's line outside labstats
    (inside ``collected_warnings``: recorded for this thread's caller instead)."""
    sink = recording()
    if sink is not None:
        sink.append(("warn", message, category))
        return
    warnings.warn(message, category, stacklevel=caller_stacklevel() + 1)


def recording() -> list | None:
    """The list ``collected_warnings`` records this thread's warnings in, or None: checks
    whose warning words a whole column (its first value, a count) record their findings
    there as data, to be judged on the whole column (``labstats._engines_dask``)."""
    return getattr(_THREAD, "sink", None)


@contextlib.contextmanager
def collected_warnings():
    """Record the warnings ``warn`` issues in this thread, as a list of ("warn", message,
    category) (and the findings of the checks that look at ``recording()``), instead of
    issuing them: for code that runs a part of a user's call on a
    Dask worker or in a pool thread (``labstats._engines_dask``), whose warnings are judged
    once for the whole call, on the client, at the caller's line. Thread-local, unlike
    ``warnings.catch_warnings`` (which swaps process-wide state)."""
    old = getattr(_THREAD, "sink", None)
    _THREAD.sink = sink = []
    try:
        yield sink
    finally:
        _THREAD.sink = old


class _Mode(dict):
    """``{"mode": ...}``: the mode ``plausibility`` sets for the process (threads inherit
    it), unless this thread is inside ``thread_plausibility`` (its own mode)."""

    def __getitem__(self, key):
        mine = getattr(_THREAD, "mode", None)
        return mine if key == "mode" and mine is not None else super().__getitem__(key)


_THREAD = threading.local()
_PLAUSIBILITY = _Mode(mode="raise")


def plausibility_mode() -> str:
    """The unit-plausibility mode in force in this thread: ``"raise"``, ``"warn"`` or
    ``"ignore"``."""
    return _PLAUSIBILITY["mode"]


def _check_mode(mode: str) -> None:
    if mode not in ("raise", "warn", "ignore"):
        raise ValueError(f"plausibility mode must be 'raise', 'warn' or 'ignore', got {mode!r}")


@contextlib.contextmanager
def thread_plausibility(mode: str):
    """``plausibility`` for the calling thread only: for labstats' own use in code that runs
    in several threads at once (``derive`` on the partitions of ``pair_export`` or of a Dask
    frame), where setting and restoring the process-wide mode from two threads would leave
    it wrong (one thread restores while the other still relies on it)."""
    _check_mode(mode)
    old = getattr(_THREAD, "mode", None)
    _THREAD.mode = mode
    try:
        yield
    finally:
        _THREAD.mode = old


@contextlib.contextmanager
def plausibility(mode: str):
    """Context manager to relax the unit-plausibility check: ``"raise"``, ``"warn"`` or ``"ignore"``.

    Examples
    --------
    For data that really hold extreme values (a triglyceride of 80 mmol/L, say):

    >>> import labstats
    >>> with labstats.plausibility("ignore"):
    ...     labstats.units.convert(80.0, "triglycerides", "mmol/L", "mg/dL") > 7000
    True
    """
    _check_mode(mode)
    old = dict.__getitem__(_PLAUSIBILITY, "mode")
    _PLAUSIBILITY["mode"] = mode
    try:
        yield
    finally:
        _PLAUSIBILITY["mode"] = old
