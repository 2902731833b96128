"""pair_export's SQL path reads its dictionary of distinct cells; its warnings of
implausible values (plausibility("warn")) are those of read_lab_results on the whole
export: named at an export row, counted in rows."""

from __future__ import annotations

import pandas as pd
import pytest

from labstats.datasets import pair_export, read_lab_results

pytest.importorskip("duckdb")


def test_warn_mode_names_the_exports_row_and_counts_rows_on_the_sql_path(tmp_path):
    """In plausibility("warn") the SQL path named a dictionary entry's position as the row
    ("94.0 at index 0", where row 0 holds 5.0) and counted distinct cells, not rows; every
    path now says what read_lab_results says on the whole export: the first implausible
    value at its row (91.0 at row 1) and the number of such rows."""
    import warnings

    import labstats

    n = 30
    values = ["5.0"] + [str(90 + i) for i in range(1, n)]
    values[7] = values[8] = "95"  # a repeated value: rows, not cells, are counted
    export = pd.DataFrame({"patient_id": [f"p{i}" for i in range(n)],
                           "specimen_id": [f"S{i}" for i in range(n)],
                           "collected_at": ["2024-01-02 08:00"] * n, "test": ["GLU"] * n,
                           "value": values, "unit": ["mmol/L"] * n})
    path = tmp_path / "glucose.parquet"
    export.to_parquet(path, index=False)
    said = {}
    for name, run in (("memory", lambda: read_lab_results(export, test_map={"GLU": "glucose"})),
                      ("sql", lambda: pair_export(path, test_map={"GLU": "glucose"}))):
        with warnings.catch_warnings(record=True) as caught, labstats.plausibility("warn"):
            warnings.simplefilter("always")
            run()
        said[name] = [str(w.message) for w in caught if "is implausible for" in str(w.message)]
    assert len(said["sql"]) == 1 and said["sql"] == said["memory"]
    assert said["sql"][0].startswith("glucose: 91.0 at index 1 is implausible for mmol/L")
    assert "; 29 such values)" in said["sql"][0]
