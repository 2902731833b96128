"""The test-name hint of ``read_lab_results`` on the engines' paths: test codes neither
``test_map=`` nor the LOINC map knows, beside a column of test names labstats knows
("Test Code" TTES, "Test Name" "Testosterone, total"). The engines read an export in
parts (``pair_export``'s partitions, a Dask frame's) or as a dictionary of its cells (the
SQL path), none of which sees both the unknown rows and the names column; here the rows
of unknown codes are counted by (code, names) and ``_routine_screen.name_hint_of_groups``
warns once on the whole export, at the caller's line, with the in-memory reader's
counts (rows) and words.

Cost: nothing unless the export has an unread column whose header is one of the test
column's (``_routine_screen.name_columns``). ``pair_export`` then scans the export once
more only when it has unknown codes: a DuckDB GROUP BY (code, names -> rows, first row)
of the rows of those codes, found by their test code alone (1.2 M rows of an LIS export,
two thirds of unknown codes: 0.06-0.09 s of pair_export's 5.6 s). The Dask reader takes
no pass of its own: it reads that column with the others in its first pass, where each
partition counts its rows of unknown codes by code and names (about 0.1 s of CPU per
300,000 rows); the partitions of the result load it too (the same pieces as the first
pass: their row numbers) and drop it at once, before the shuffle and the read (from
Parquet: one more column read; from memory: nothing).
"""

from __future__ import annotations

import numpy as np


def warn_sql(con, export, schema, role, test_map, where) -> None:
    """The hint from DuckDB: ``export`` (``read_parquet`` of alias ``e``, with the table
    ``offsets`` of ``_engines._pair_export``) counted by test code and name columns over
    the rows where ``where`` (SQL on ``e``: the rows of unknown codes, or more)."""
    from labstats._engines_sql import _col, _typed
    from labstats.datasets._routine_screen import _test_map, name_columns, name_hint_of_groups

    headers = name_columns(schema.names, role)
    if not headers:
        return
    cols = [role["test"], *headers]
    table = _counted(con, export, [_col(c) for c in cols], where)
    groups = _typed(table, cols, schema, schema.metadata).assign(
        __n=table["__n"].to_numpy(), __first=table["__first"].to_numpy())
    name_hint_of_groups(groups, role, _test_map(test_map))


def _counted(con, export, cols, where):
    """The scan of the hint: rows where ``where``, counted by the columns ``cols`` (SQL),
    with their first row in the export (an Arrow table: ``cols``, ``__n``, ``__first``)."""
    return con.sql(
        f"SELECT {', '.join(cols)}, count(*) AS __n, min(o.start + e.file_row_number) "
        f"AS __first FROM {export} e JOIN offsets o ON o.k = e.file_index::BIGINT "
        f"WHERE {where} GROUP BY ALL").to_arrow_table()


def warn_sql_path(ex, test_map) -> None:
    """The hint on ``pair_export``'s SQL path, once its dictionary is read (``ex``: its
    ``_engines_sql.Export``): over the rows whose test code (as the export types it) is
    one of the dictionary's entries of unknown codes, when there are any and a names
    column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from labstats._engines_sql import _col
    from labstats.datasets._routine_screen import name_columns

    if not ex.unknown or not name_columns(ex.schema.names, ex.role):
        return
    codes = ex.table[ex.role["test"]].filter(pa.array(np.asarray(ex.unknown_rows, dtype=bool)))
    ex.con.register("hint_codes", pa.table({"c": pc.unique(codes.drop_null())}))
    try:
        warn_sql(ex.con, ex.export, ex.schema, ex.role, test_map,
                 f"{_col(ex.role['test'])} IN (SELECT c FROM hint_codes)")
    finally:
        ex.con.unregister("hint_codes")


def part_groups(part, test, headers, tmap):
    """A Dask partition's rows of unknown test codes counted by code and the columns
    ``headers`` (``__n``; ``__first``: the first row in the partition), and its rows;
    none counted when it has no unknown code (a factorisation of its codes, no more)."""
    from labstats.datasets._routine_screen import _analytes
    from labstats.datasets._routine_text import _code_text, _distinct_text

    codes = _distinct_text(part[test], _code_text)
    unknown = np.flatnonzero((_analytes(codes, tmap)[0] == None)  # noqa: E711
                             & ~codes.isna().to_numpy(dtype=bool))
    cols = [test, *headers]
    rows = part[cols].iloc[unknown].reset_index(drop=True).assign(__first=unknown)
    groups = rows.groupby(cols, dropna=False, sort=False, observed=True).agg(
        __n=("__first", "size"), __first=("__first", "min")).reset_index()
    return len(part), groups


def warn_parts(found, role, tmap) -> None:
    """The hint from ``part_groups`` of every partition of a Dask frame, in row order."""
    import pandas as pd

    from labstats.datasets._routine_screen import name_hint_of_groups

    offsets = np.r_[0, np.cumsum([n for n, _ in found])[:-1]]
    groups = [g.assign(__first=g["__first"] + int(o))
              for (_, g), o in zip(found, offsets, strict=True) if len(g)]
    if groups:
        name_hint_of_groups(pd.concat(groups, ignore_index=True), role, tmap)
