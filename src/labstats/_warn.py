"""Warnings of labstats and the plausibility mode: part of the validation layer
(``labstats._validate`` re-exports every name here).

``warn()`` attributes a warning to the caller's line outside labstats, however deep inside
the package it is raised, so a user sees their own script's line, not ours.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
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
    """Issue ``message`` as a warning attributed to the caller's line outside labstats."""
    warnings.warn(message, category, stacklevel=caller_stacklevel() + 1)


# The mode is per context (thread, task), not global: concurrent ``with plausibility(...)``
# blocks in worker threads (pair_export runs derive in a thread pool) must not leave
# another thread's mode behind. Pools that run labstats code carry the caller's context.
_MODE = contextvars.ContextVar("labstats_plausibility", default="raise")


def plausibility_mode() -> str:
    """The unit-plausibility mode in force here: ``"raise"``, ``"warn"`` or ``"ignore"``."""
    return _MODE.get()


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
    if mode not in ("raise", "warn", "ignore"):
        raise ValueError(f"plausibility mode must be 'raise', 'warn' or 'ignore', got {mode!r}")
    token = _MODE.set(mode)
    try:
        yield
    finally:
        _MODE.reset(token)
