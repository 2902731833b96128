"""Cells of a long export read once per distinct text (``read_lab_results``' helpers).

Routine exports repeat the same texts ("4.2", "<7", "50862") millions of times: each helper
works on the distinct cells and spreads the result back to every row.
"""

from __future__ import annotations

import numpy as np

from labstats.datasets import _loinc
from labstats.datasets._labcells import parse_column


def _parse_distinct(sub, header, decimal, thousands, problems, evidence=None):
    """``parse_column`` on the distinct cells only, spread back to every row.

    Routine exports repeat the same texts ("4.2", "<7") millions of times; each cell is
    read on its own (the decimal mark a column proves depends on which texts occur, not
    how often), so reading each distinct text once gives the same result, faster.
    """
    import pandas as pd

    codes, uniques = pd.factorize(sub, use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype=sub.dtype if len(uniques) else object)
    found: list = []
    values, side, cell_units, flags = parse_column(
        distinct, header, decimal=decimal, thousands=thousands, limit=None, censorable=True,
        what="a result", problems=found, evidence=evidence)
    missing = codes < 0
    take = np.where(missing, 0, codes)
    values = np.where(missing, np.nan, values[take] if len(uniques) else np.nan)
    sides = []  # rows censored left, right: from the distinct cells' sides
    for which in ("left", "right"):
        hit = side == which if len(uniques) else np.zeros(1, dtype=bool)
        sides.append(~missing & hit[take])
    rows = sub.index.to_numpy()
    if len(cell_units):
        per_row = cell_units.reindex(codes)
        keep = per_row.notna().to_numpy(dtype=bool)
        cell_units = pd.Series(per_row.to_numpy()[keep], index=rows[keep], dtype=object)
    if flags is not None:
        flags = flags.reindex(codes).set_axis(sub.index)
    if found:
        why = np.full(len(uniques), None, dtype=object)
        why[[f[0] for f in found]] = [f[3] for f in found]
        bad = np.flatnonzero(~missing & (why[take] != None))  # noqa: E711
        problems.extend(zip(rows[bad], [header] * len(bad), sub.iloc[bad], why[take[bad]],
                            strict=True))
    return values, tuple(sides), cell_units, flags


def _off_scale(flags, left, right, values):
    """The censoring of values (``left``, ``right``: their comparators "<", ">") with the
    abnormal flags ``flags`` (text, one per value) of HL7 v2 table 0078 (OBX-8): "<" is
    "below absolute low-off instrument scale", ">" "above absolute high-off instrument
    scale", so a number flagged "<" is the scale's limit, a result below it (as "<0.5").
    Returns (left, right, clash): ``clash``, values whose comparator is the other side's."""
    flags = flags.to_numpy(dtype=object, na_value="")
    below, above = flags == "<", flags == ">"
    clash = (below & right) | (above & left)
    number = ~np.isnan(values)
    return (left | (below & number & ~clash), right | (above & number & ~clash),
            clash)


def _code_text(text):
    """Test codes as text: stripped, "" as missing, "50862.0" (Excel) as "50862"."""
    text = text.astype("string").str.strip()
    return text.mask(text == "").str.removesuffix(".0")


def _distinct_text(cells, how=None):
    """``how(cells)`` (default: ``cells.astype("string").str.strip()``), once per distinct
    cell: ``how`` works cell by cell, to text.

    For a column of one type (strings, numbers); an object column (1 and 1.0 are one
    value, two texts) is converted row by row.
    """
    import pandas as pd
    import pyarrow as pa

    how = how or (lambda t: t.astype("string").str.strip())
    if cells.dtype == object or cells.dtype.kind == "f":  # 1 == 1.0 == True, 0.0 == -0.0
        return how(cells)
    codes, distinct = pd.factorize(cells, use_na_sentinel=True)
    text = how(pd.Series(distinct, dtype=cells.dtype))
    taken = pa.array(text.array).take(pa.array(codes, mask=codes < 0))
    return pd.Series(pd.array(taken, dtype="string"), index=cells.index)


def _unit_text(raw, role, live, cell_units, analyte, units, n):
    """The unit text of each row: unit column, else unit in the value cell, else units=."""
    import pandas as pd

    text = (_distinct_text(raw[role["unit"]]) if "unit" in role
            else pd.Series(pd.NA, index=raw.index, dtype="string"))
    text = text.mask(text == "")
    if len(cell_units):
        text = text.fillna(pd.Series(cell_units.to_numpy(), index=cell_units.index,
                                     dtype="string").reindex(raw.index))
    text = text.fillna("")
    for a, u in units.items():
        empty = (text == "").to_numpy(dtype=bool)
        _units_not_used(a, u, text[~empty & (analyte == a)], role)
        text[empty & (analyte == a)] = u
    return text


#: How ``_units_not_used``'s warning starts (the engines say it once, of the whole export).
UNITS_NOT_USED = "units={"


def _units_not_used(name, unit, written, role) -> None:
    """Warn when ``units={name: unit}`` contradicts units the export writes for ``name``
    (``written``: the unit text of its rows that have one): ``units=`` gives the unit of
    rows without one, and those rows keep theirs (it was ignored without a word)."""
    import pandas as pd

    from labstats._validate import warn
    from labstats.datasets._labunits import _same_unit

    given = _same_unit(name, unit)
    other = [t for t in pd.unique(written.to_numpy(dtype=object)) if _same_unit(name, t) != given]
    if other:
        where = (f"column {role['unit']!r}" if "unit" in role else
                 f"the value cells of column {role['value']!r}")
        shown = ", ".join(map(repr, other[:5])) + (" ..." if len(other) > 5 else "")
        warn(f"units={{{name!r}: {unit!r}}} is the unit of the {name} results written without "
             f"one; those with a unit in {where} keep it ({shown}): units= does not change a "
             f"unit the export writes. If those units are wrong, correct them there.")


def _check_families(unit_text, family, status, mark, role):
    """Rows whose unit is of another family than their LOINC code's: reported."""
    import pandas as pd

    rows = np.flatnonzero((status == 0) & (family != None)  # noqa: E711
                          & (unit_text != "").to_numpy(dtype=bool))
    if not len(rows):
        return
    codes, uniques = pd.factorize(unit_text.iloc[rows].to_numpy(dtype=object))
    fam = np.array([_loinc.unit_family(u) for u in uniques], dtype=object)[codes]
    clash = (fam != None) & (fam != family[rows])  # noqa: E711 (unknown units: later)
    for f_unit, f_code in {(a, b) for a, b in zip(fam[clash], family[rows][clash], strict=False)}:
        hit = rows[clash & (fam == f_unit) & (family[rows] == f_code)]
        what = "" if f_code.endswith("fraction") else " concentration"
        mark(hit, 1, f"a {f_unit} unit, but the test's LOINC code is a {f_code}{what} "
                     f"(loinc_map.csv); correct the code or the unit",
             role.get("unit", role["value"]))
