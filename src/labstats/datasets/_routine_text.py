"""Cells of a long export read once per distinct text (``read_lab_results``' helpers).

Routine exports repeat the same texts ("4.2", "<7", "50862") millions of times: each helper
works on the distinct cells and spreads the result back to every row.
"""

from __future__ import annotations

import numpy as np

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
