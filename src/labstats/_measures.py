"""Non-concentration measures (``labstats.units.MEASURES``) and units that are not a factor.

``Measure`` is one row of ``labstats.units.MEASURES`` (body measures, age, blood pressure,
HbA1c); ``Affine`` is a unit whose conversion to the canonical unit has an offset (HbA1c in
IFCC mmol/mol -> NGSP %, ``HBA1C_MASTER_EQUATION``). Re-exported by ``labstats.units``, the
one unit layer; kept apart to keep that module short.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["HBA1C_MASTER_EQUATION", "Affine", "Measure"]


@dataclass(frozen=True)
class Affine:
    """A unit that is not a multiple of the canonical unit: canonical = slope x value + offset.

    Attributes
    ----------
    slope, offset : float
        In the canonical unit per unit, and in the canonical unit.
    source : str
        Where the equation comes from.

    Examples
    --------
    >>> round(HBA1C_MASTER_EQUATION.to_canonical(53.0), 5)  # IFCC mmol/mol -> NGSP %
    7.00044
    >>> round(HBA1C_MASTER_EQUATION.from_canonical(6.5), 2)  # NGSP % -> IFCC mmol/mol
    47.53
    """

    slope: float
    offset: float
    source: str = ""

    def to_canonical(self, x):
        """Values in this unit -> the canonical unit."""
        return x * self.slope + self.offset

    def from_canonical(self, y):
        """Values in the canonical unit -> this unit (the exact inverse)."""
        return (y - self.offset) / self.slope


#: IFCC-NGSP master equation: NGSP/DCCT HbA1c [%] = 0.09148 x IFCC HbA1c [mmol/mol] + 2.152
#: (Hoelzel W et al., "IFCC reference system for measurement of hemoglobin A1c in human
#: blood and the national standardization schemes in the United States, Japan, and Sweden:
#: a method-comparison study," Clin Chem 50(1):166-174, 2004, doi:10.1373/clinchem.2003.024802;
#: the constants as the NGSP prints them, www.ngsp.org/ifcc.asp). Its inverse is
#: IFCC = (NGSP - 2.152) / 0.09148 = 10.931 x NGSP - 23.52 (the IFCC network rounds it to
#: 10.93 x NGSP - 23.5, information.ifcchba1c.org "Master Equation"); labstats applies the
#: exact inverse so that a round trip returns the value.
HBA1C_MASTER_EQUATION = Affine(0.09148, 2.152, "IFCC-NGSP master equation (Hoelzel et al., "
                               "Clin Chem 2004;50:166-74; NGSP: NGSP = 0.09148 x IFCC + 2.152)")


@dataclass(frozen=True)
class Measure:
    """One row of ``MEASURES``: a non-concentration argument of the public API.

    Attributes
    ----------
    name : str
        Argument name, e.g. ``"height"``.
    canonical_unit : str
        Default of ``<name>_unit`` and unit of outputs.
    units : Mapping[str, float]
        Accepted units -> factor to the canonical unit (canonical first).
    plausible : tuple of float
        (low, high) in the canonical unit; outside is almost surely a unit error.
    description : str
    typical_quartiles : tuple of (float, float)
        As ``Analyte.typical_quartiles``.
    affine : Mapping[str, Affine]
        Accepted units that are not a factor of the canonical unit (HbA1c in mmol/mol).

    Examples
    --------
    >>> from labstats.units import MEASURES
    >>> h = MEASURES["height"]
    >>> h.canonical_unit, h.units["in"], h.plausible
    ('cm', 2.54, (30.0, 280.0))
    >>> MEASURES["hba1c"].to_canonical(48.0, "mmol/mol").round(3)
    np.float64(6.543)
    """

    name: str
    canonical_unit: str
    units: Mapping[str, float]
    plausible: tuple[float, float]
    description: str
    typical_quartiles: tuple[tuple[float, float], ...] = field(default=())
    affine: Mapping[str, Affine] = field(default_factory=lambda: MappingProxyType({}))

    def resolve(self, unit: str) -> str:
        """Display spelling of ``unit``; ``ValueError`` listing the accepted units."""
        from labstats.units import normalize_unit

        want = normalize_unit(unit).replace("²", "2")
        for u in (*self.units, *self.affine):
            if normalize_unit(u).replace("²", "2") == want:
                return u
        raise ValueError(f"unknown unit {unit!r} for {self.name}; accepted units are "
                         f"{', '.join((*self.units, *self.affine))}")

    def factor(self, unit: str) -> float:
        """Multiply a value in ``unit`` by this factor to get the canonical unit.

        ``ValueError`` for an affine unit (no factor): use ``to_canonical``.
        """
        unit = self.resolve(unit)
        if unit in self.affine:
            raise ValueError(f"{unit} is not a multiple of {self.canonical_unit} for "
                             f"{self.name} ({self.affine[unit].source}); convert with "
                             f"labstats.units.convert or Measure.to_canonical")
        return self.units[unit]

    def to_canonical(self, x, unit: str):
        """Values (float or numpy array) in ``unit`` -> the canonical unit."""
        import numpy as np

        unit = self.resolve(unit)
        x = np.asarray(x, dtype=np.float64)
        return self.affine[unit].to_canonical(x) if unit in self.affine else x * self.units[unit]

    def from_canonical(self, x, unit: str):
        """Values (float or numpy array) in the canonical unit -> ``unit``."""
        import numpy as np

        unit = self.resolve(unit)
        x = np.asarray(x, dtype=np.float64)
        return (self.affine[unit].from_canonical(x) if unit in self.affine
                else x / self.units[unit])
