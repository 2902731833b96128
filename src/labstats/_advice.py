"""What a message about a unit tells the user to do, in the words of the call they made:
part of the validation layer (``labstats._validate`` re-exports these names).

One path: the checks that find a unit problem (``_validate._check``/``_check_measure``: an
implausible value; ``_column_unit.judge_column_unit``: a column that looks like another
unit) build their message with the ``Advice`` their caller passes; nothing rewrites a
message afterwards. ``Advice()`` speaks the formulas' keywords (``<name>_unit=``,
``labstats.plausibility``); ``derive`` passes its ``options=`` and ``plausibility=``
(``labstats.datasets.derive``), the readers their ``units=`` or the cell to correct
(``labstats.datasets._labunits``, ``_routine_screen``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["PLAUSIBILITY_FIX", "Advice", "FORMULA", "unit_fix"]

#: The way out an implausible-value message of a formula offers when no other unit fits.
PLAUSIBILITY_FIX = (" Check the unit, or wrap the call in `with labstats.plausibility('warn'):` "
                    "if such values are real.")


@dataclass(frozen=True)
class Advice:
    """The steps a unit message gives, as the caller can take them.

    Attributes
    ----------
    unit : callable, optional
        ``unit(alt)``: what to do if the values are in unit ``alt`` ("pass
        units={'glucose': 'mg/dL'}"); default: pass the formula's ``<name>_unit="alt"``.
        A module-level function or a ``functools.partial`` of one where the advice is
        recorded for another thread or process (``derive`` on Dask).
    relax : str
        The sentence of an implausible-value message when no other unit fits.
    also : str
        A sentence after the unit step of an implausible-value message (``derive``'s own
        ``plausibility=``, where a ``with labstats.plausibility`` block does not reach).
    """

    unit: Callable[[str], str] | None = None
    relax: str = PLAUSIBILITY_FIX
    also: str = ""

    def step(self, name: str, alt: str) -> str:
        """What to do if the values of argument ``name`` are in unit ``alt``."""
        return self.unit(alt) if self.unit is not None else f'pass {name}_unit="{alt}"'


#: A formula's advice (its own keywords): the default of every check.
FORMULA = Advice()


#: The way out of a warning (``plausibility("warn")``: the values were kept) when no other
#: unit fits: ``relax`` would advise the mode the caller is already in.
WARNED_FIX = " Check the unit."


def unit_fix(name: str, alts, advice: Advice | None = None, warned: bool = False) -> str:
    """The advice of an implausible-value message: the step of ``advice`` (default
    ``FORMULA``) for the first of ``alts`` (units in which the values are plausible, most
    likely first), naming the others when several fit (450 "nmol/L" of testosterone is
    15.6 nmol/L in ng/dL and 0.45 nmol/L in pmol/L: the values alone cannot tell which);
    ``advice.relax`` when none does, or, for a warning (``warned``), ``WARNED_FIX``."""
    advice = advice or FORMULA
    if not alts:
        return WARNED_FIX if warned else advice.relax
    more = ("" if len(alts) == 1 else f" They would be plausible in {', '.join(alts[:-1])} "
            f"or {alts[-1]}: the values alone cannot tell which; check the unit the "
            f"laboratory used.")
    return f"{more} If these are {alts[0]}, {advice.step(name, alts[0])}.{advice.also}"
