"""The draws of copies of ``pair_export``'s SQL path (``_engines_sql_draws.Draws._copies``),
resolved in numpy: for each draw, its classes of rows (one per analyte, value and
censoring) and each analyte's kept result, as ``_mark_duplicates`` and ``pair_results``
give them."""

from __future__ import annotations

import numpy as np


def _starts(*keys):
    """Positions where any of the sorted ``keys`` changes (the first of each run)."""
    new = np.zeros(len(keys[0]), dtype=bool)
    if len(new):
        new[0] = True
    for key in keys:
        new[1:] |= key[1:] != key[:-1]
    return np.flatnonzero(new)


def resolve(g, a, i, row, classes, shift, codes, last):
    """The rows of some draws of copies (``g``: their draw, ``a``: analyte code, ``i``:
    dictionary entry, ``row``: source row) -> per draw ``g``: ``nc`` (its results: classes
    of rows), ``most`` (the most classes of one analyte), ``conflicts`` (analytes whose
    classes differ in value, NaN not counted, or in censoring, as ``pair_results`` counts
    them) and ``r{k}`` for each analyte code ``k`` of ``codes``: the kept result's
    ``row << shift | entry``, the first row of the class of the earliest first row (the
    latest when ``last``), null when the draw has none. ``classes``: ``Draws._classes``."""
    import pyarrow as pa

    of_entry, value, mark = classes
    g, a = g.astype(np.int64, copy=False), a.astype(np.int64, copy=False)
    i = i.astype(np.int64, copy=False)
    c = of_entry[i]
    f = (row.astype(np.int64, copy=False) << shift) | i
    lo = int(g.min()) if len(g) else 0
    span = (int(g.max()) - lo + 1) if len(g) else 1
    # one integer key (analyte codes < 64: bits of the draws' BIGINT mask): a radix sort
    if span * 64 * max(1, len(value)) < 2**62:
        order = np.argsort(((g - lo) * 64 + a) * max(1, len(value)) + c, kind="stable")
    else:
        order = np.lexsort((c, a, g))
    g, a, c, f = g[order], a[order], c[order], f[order]
    s1 = _starts(g, a, c)  # classes: their first row
    first = np.minimum.reduceat(f, s1) if len(s1) else f[:0]
    g, a, c = g[s1], a[s1], c[s1]
    s2 = _starts(g, a)  # analytes of a draw: their classes
    per = np.diff(np.r_[s2, len(g)])
    kept = (np.maximum if last else np.minimum).reduceat(first, s2) if len(s2) else first
    v, m = value[c], mark[c]
    filled = ~np.isnan(v)
    if len(s2):
        lo_v, hi_v = np.fmin.reduceat(v, s2), np.fmax.reduceat(v, s2)
        n_v = np.add.reduceat(filled.astype(np.int64), s2)
        marks = np.bitwise_or.reduceat(np.left_shift(1, m), s2)
    else:
        lo_v = hi_v = v
        n_v = marks = m
    n_marks = (marks & 1) + ((marks >> 1) & 1) + ((marks >> 2) & 1)
    conflict = ((n_v > 0) & (lo_v != hi_v)) | (n_marks > 1)  # (values NaN: marks alone)
    g, a = g[s2], a[s2]
    s3 = _starts(g)  # draws
    draw = g[s3]
    out = {"g": draw}
    if len(s3):
        out.update(nc=np.add.reduceat(per, s3), most=np.maximum.reduceat(per, s3),
                   conflicts=np.add.reduceat(conflict.astype(np.int64), s3))
    else:
        out.update(nc=per, most=per, conflicts=per)
    at = np.repeat(np.arange(len(s3)), np.diff(np.r_[s3, len(g)]))
    for k in codes:
        r = np.full(len(draw), -1, dtype=np.int64)
        here = a == k
        r[at[here]] = kept[here]
        out[f"r{k}"] = pa.array(r, mask=r < 0)
    return out
