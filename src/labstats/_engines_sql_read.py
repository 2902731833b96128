"""The reading of ``pair_export``'s SQL path on its dictionary of cells
(``labstats._engines_sql``, whose docstring tells the whole path): ``read_lab_results`` on
the distinct cells, its warnings said of the export's rows."""

from __future__ import annotations

import numpy as np


def read_judging_units(read, frame, n, kw, role, first_rows):
    """``read(frame, **kw)`` on the dictionary, and a function that issues its warnings
    (called later: while DuckDB stores the used rows), then the column-level unit check
    (a whole column that looks as if it were in another unit). That check reads the
    distribution of the rows, not of the distinct cells: the read collects the converted
    cells (``_column_check=``) and ``judge_units`` weighs each with ``n``, its rows,
    exactly as ``read_lab_results`` judges the whole export (``_routine_screen``). So do
    the warnings of implausible values (``plausibility("warn")``): named at their first
    row in the export (``first_rows()``: of each entry, queried only then) and counted in
    rows, as ``warn_implausible`` words them for the other paths (the dictionary's read
    named an entry's position and counted entries)."""
    import warnings

    import pandas as pd

    from labstats._validate import warn
    from labstats.datasets._routine_screen import judge_units, warn_implausible

    checked: list = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = read(frame, **kw, _column_check=checked)
    factor = kw.get("insulin_factor", "standard")

    def finish():
        far = [w for w in caught if " is implausible for " in str(w.message)]
        for w in caught:  # read_lab_results warns nothing after its column check
            if w not in far:
                warn(str(w.message), w.category)
        if far:  # said again, of the export's rows
            warn_implausible(pd.DataFrame({"__n": n, "__first": first_rows()}), checked,
                             factor, role)
        judge_units(checked, factor, role, np.asarray(n, dtype=np.int64))

    return res, finish
