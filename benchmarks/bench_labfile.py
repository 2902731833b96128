"""``read_lab_export`` of a wide CSV export, as a ratio to reading every row's cell on its own.

The export (``wide_export``): ``rows`` rows of an id, sex, age, testosterone with a unit
column (nmol/L or ng/dL per row), SHBG, albumin, glucose with decimal commas and insulin:
results with one or two decimals, 5 % of testosterone "<0.5", 1 % "ND", 1 % empty, 5 %
flagged "H", 2 % of SHBG ">200", 3 % of insulin "<2". Written once to a CSV in the temporary
folder. ``parse_column`` reads each distinct text of a column once and spreads the result
(values, censoring, units, flags, problems) to its rows; the reference is the same reader
with every row's cell read on its own (``_labcells._distinct_cells`` replaced by the
identity, as labstats read before). Side by side in one run, alternating, best of 3,
CPU time of this process (steadier on a shared machine); ratio = row by row / labstats
(goal >= 2 at 1,000,000 rows). Peak resident memory is not compared here (one process).
A column of an Excel sheet or a DataFrame holds numbers and text mixed (an object column:
4.2 as a float, "<0.5" as text), which is read cell by cell: the type of each cell is
asked once per distinct type (``_labcells._instances``); the reference is ``isinstance``
asked of every cell in Python (``naive_as_text``, ``naive_dated``: labstats' code before),
on a DataFrame of 1,000,000 such cells (5 % "<0.5"): ratio = per cell / labstats.
Run: ``python benchmarks/run.py benchmarks.bench_labfile`` (or ``python -m
benchmarks.bench_labfile [rows ...]``).
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

from benchmarks._common import alternating


def wide_export(n: int, seed: int = 0):
    """The export described above, as a DataFrame of text cells."""
    import pandas as pd

    rng = np.random.default_rng(seed)

    def text(x, fmt="{:.1f}"):
        return np.array([fmt.format(v) for v in x], dtype=object)  # (test data only)

    tt = text(rng.lognormal(2.5, 0.6, n))
    tt[rng.random(n) < 0.05] = "<0.5"
    tt[rng.random(n) < 0.01] = "ND"
    tt[rng.random(n) < 0.01] = ""
    flag = rng.random(n) < 0.05
    tt[flag] = tt[flag] + " H"
    shbg = text(rng.lognormal(3.5, 0.5, n))
    shbg[rng.random(n) < 0.02] = ">200"
    ins = text(rng.lognormal(2, 0.5, n))
    ins[rng.random(n) < 0.03] = "<2"
    return pd.DataFrame({
        "id": np.arange(n), "Sex": rng.choice(["F", "M"], n), "Age": rng.integers(18, 90, n),
        "Testosterone": tt, "Testosterone unit": np.where(rng.random(n) < 0.5, "nmol/L", "ng/dL"),
        "SHBG (nmol/L)": shbg, "Albumin (g/L)": text(rng.normal(44, 3, n)),
        "Glucose (mmol/L)": np.char.replace(text(rng.normal(5.5, 1, n), "{:.2f}").astype(str),
                                            ".", ","),
        "Insulin (uIU/mL)": ins})


def _path(n: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"labstats_bench_wide_{n}.csv"
    if not path.exists():
        wide_export(n).to_csv(path, index=False, sep=";")
    return path


def _read(path):
    from labstats.datasets import read_lab_export

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # implausible ng/dL rows: reported, not raised
        limits = None if hasattr(path, "columns") else {"Testosterone": 0.5}
        return read_lab_export(path, limits=limits, errors="report")


def _rowwise(path):
    from labstats.datasets import _labcells

    keep = _labcells._distinct_cells
    _labcells._distinct_cells = lambda raw: (np.arange(len(raw)), raw)
    try:
        return _read(path)
    finally:
        _labcells._distinct_cells = keep


def naive_as_text(raw):
    """``_labcells._as_text`` asking ``isinstance`` of every cell (labstats before)."""
    import pandas as pd

    kind = pd.StringDtype("pyarrow")
    n = len(raw)
    direct = np.full(n, np.nan)
    is_num = np.zeros(n, dtype=bool)
    if raw.dtype == object:
        cells = raw.to_numpy()
        is_num = np.fromiter((isinstance(v, (int, float, np.integer, np.floating))
                              and not isinstance(v, (bool, np.bool_)) for v in cells),
                             dtype=bool, count=n)
        direct[is_num] = cells[is_num].astype(float)
        absent = pd.isna(cells)
        text = [None if is_num[i] or absent[i] else str(v) for i, v in enumerate(cells)]
        return pd.Series(text, index=raw.index, dtype=kind).str.strip(), direct, is_num
    return raw.astype(kind).str.strip(), direct, is_num


def naive_dated(raw):
    """``_labcells._dated`` asking ``isinstance`` of every cell (labstats before)."""
    import datetime

    import pandas as pd

    if raw.dtype != object or pd.api.types.infer_dtype(raw, skipna=True) in (
            "string", "empty", "integer", "floating", "mixed-integer-float", "boolean"):
        return np.zeros(len(raw), dtype=bool)
    kinds = (datetime.date, datetime.time, datetime.timedelta, np.datetime64, np.timedelta64)
    return np.fromiter((isinstance(v, kinds) for v in raw.to_numpy()), dtype=bool,
                       count=len(raw))


def _mixed(n: int):
    import pandas as pd

    cells = np.round(np.random.default_rng(3).lognormal(2.5, 0.6, n), 1).astype(object)
    cells[::20] = "<0.5"
    return pd.DataFrame({"SHBG (nmol/L)": cells})


def _per_cell(frame):
    from labstats.datasets import _labcells

    keep = _labcells._as_text, _labcells._dated
    _labcells._as_text, _labcells._dated = naive_as_text, naive_dated
    try:
        return _read(frame)
    finally:
        _labcells._as_text, _labcells._dated = keep


def run(sizes=(100_000, 1_000_000)) -> list[dict]:
    rows = []
    for n in sizes:
        path = _path(n)
        a, b = _read(path), _rowwise(path)
        assert a.equals(b) and a.attrs["unparsed"].equals(b.attrs["unparsed"]), "differ"
        best = alternating(lambda p=path: _read(p), lambda p=path: _rowwise(p))
        rows.append({"name": f"read_lab_export, {n:,} rows x 9 columns: row by row / labstats"
                             f" (goal >= 2 at 1,000,000)", "seconds": best[0],
                     "reference_seconds": best[1], "ratio": best[1] / best[0]})
    frame = _mixed(1_000_000)
    assert _read(frame).equals(_per_cell(frame)), "differ"
    best = alternating(lambda: _read(frame), lambda: _per_cell(frame))
    rows.append({"name": "read_lab_export, DataFrame of 1,000,000 numbers and '<0.5' mixed: "
                         "per cell / labstats", "seconds": best[0],
                 "reference_seconds": best[1], "ratio": best[1] / best[0]})
    return rows


if __name__ == "__main__":
    from benchmarks.run import report

    report(run([int(a) for a in sys.argv[1:]] or (100_000, 1_000_000)))
