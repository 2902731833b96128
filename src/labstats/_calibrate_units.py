"""Calibrate the column-level unit check from NHANES: ``units.TYPICAL_QUARTILES``.

A single value of insulin, testosterone, estradiol or waist is often plausible in two
units (10 is a fasting insulin in µIU/mL and in pmol/L), so the per-value check of
``labstats._validate`` cannot tell them apart; a whole column can. This script records
where the quartiles of real columns lie, in the canonical unit of each analyte or
measure. Run by hand, on the embedded NHANES extract or a folder of CDC files::

    python -m labstats._calibrate_units                                # print
    python -m labstats._calibrate_units --write                        # update units.py
    python -m labstats._calibrate_units ../shared/data/nhanes          # from the CDC files

Method. Source: NHANES 2011-2012, 2013-2014 and 2015-2016 (CDC/NCHS public-use files
DEMO, TST, BIOPRO, GLU, INS, TRIGLY, HDL, TCHOL, BMX; public domain), every participant
with a value (children, pregnant women and the fasting subsample included; testosterone
of 2011-2012 bridged to the later method as CDC prescribes). Groups: sex x age band
(12-19, 20-39, 40-59, 60-80 years), each sex (all ages), each age band, adults (20+) by
sex and together, and everyone -- 18 groups, those with at least ``MIN_GROUP`` values
kept (children under 12 only within the all-age groups, see ``AGE_BANDS``).
For each group, the unweighted first and third quartiles (Q1, Q3) of the column -- what
a user's column of such people would show -- are stored. A column is "typical" for a
unit when its (Q1, Q3), converted to the canonical unit, lies within a factor ``MARGIN``
of one group's (Q1, Q3), i.e. in the box ``[Q1 / MARGIN, Q1 x MARGIN] x
[Q3 / MARGIN, Q3 x MARGIN]`` of that group.

Why quartiles, not the median alone: testosterone of men in ng/mL (median 3.7) has the
median of a mixed-sex column in nmol/L, and only its narrow spread (Q1 2.8, Q3 5.1)
shows that it is neither; a pair of quartiles captures location and spread together.
Why a margin of 1.3: wide enough for populations a little unlike NHANES, narrow enough
that every unit mix-up of the four classic traps (insulin µIU/mL as pmol/L, factor 6;
testosterone ng/mL as nmol/L, 3.47; estradiol pg/mL as pmol/L, 3.67; waist in inches as
cm, 2.54) leaves all boxes for the NHANES groups of adult men (and most other groups);
``tests/test_units.py`` checks both directions.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

#: Ratio by which each quartile may exceed or fall short of the NHANES group's.
MARGIN = 1.3
#: Smallest group (values) that contributes a box.
MIN_GROUP = 100
#: Age bands [years], inclusive; 80 is the NHANES top code ("80 or older"). Children under
#: 12 enter only through the all-age groups: their tiny hormone values (often below the
#: limit of detection) would otherwise make, e.g., testosterone in pg/mL look typical.
AGE_BANDS = ((12, 19), (20, 39), (40, 59), (60, 80))
CYCLES = ("2011-2012", "2013-2014", "2015-2016")
#: ANALYTES / MEASURES key -> column of the NHANES frame built by ``nhanes_frame``.
COLUMNS = {
    "testosterone": "total_testosterone", "estradiol": "estradiol", "albumin": "albumin",
    "creatinine": "creatinine", "glucose": "glucose", "insulin": "insulin",
    "triglycerides": "triglycerides", "hdl_cholesterol": "hdl_cholesterol",
    "total_cholesterol": "total_cholesterol", "ldl_cholesterol": "ldl_cholesterol",
    "waist_circumference": "waist", "height": "height", "weight": "weight",
}
UNITS_PY = Path(__file__).with_name("units.py")
_BEGIN, _END = "# BEGIN TYPICAL_QUARTILES", "# END TYPICAL_QUARTILES"


def nhanes_frame(directory=None):
    """NHANES 2011-2016 (2011-2012 testosterone bridged), height and weight included: the
    embedded extract (``load_nhanes``), or ``read_nhanes`` of the CDC files in ``directory``
    (the two are equal; tests/datasets/test_embedded.py)."""
    if directory is None:
        from labstats.datasets.embedded import load_nhanes

        return load_nhanes(CYCLES, bridge_testosterone=True)
    from labstats.datasets.nhanes import read_nhanes

    return read_nhanes(directory, CYCLES, bridge_testosterone=True)


def groups(frame):
    """(name, sub-frame) of the 18 calibration groups."""
    age, sex = frame["age"], frame["sex"]
    yield "everyone", frame
    yield "adults", frame[age >= 20]
    for s in ("male", "female"):
        yield s, frame[sex == s]
        yield f"{s} adults", frame[(sex == s) & (age >= 20)]
        for lo, hi in AGE_BANDS:
            yield f"{s} {lo}-{hi}", frame[(sex == s) & (age >= lo) & (age <= hi)]
    for lo, hi in AGE_BANDS:
        yield f"{lo}-{hi}", frame[(age >= lo) & (age <= hi)]


def group_quartiles(frame, column: str) -> list[tuple[float, float]]:
    """(Q1, Q3) of ``column`` in each group of at least ``MIN_GROUP`` values (4 digits)."""
    points = []
    for _, g in groups(frame):
        x = g[column].to_numpy(dtype=float)
        x = x[~np.isnan(x)]
        if x.size >= MIN_GROUP:
            q1, q3 = np.percentile(x, [25, 75])
            points.append((float(f"{q1:.4g}"), float(f"{q3:.4g}")))
    return sorted(set(points))


def calibrate(directory=None) -> dict[str, list[tuple[float, float]]]:
    """The group quartiles of every analyte and measure of ``COLUMNS``."""
    frame = nhanes_frame(directory)
    return {key: group_quartiles(frame, col) for key, col in COLUMNS.items()}


def render(table) -> str:
    """The generated block of units.py."""
    lines = [
        f"{_BEGIN} (generated by `python -m labstats._calibrate_units <NHANES folder>",
        "# --write`; do not edit by hand). Source and method: the docstring of",
        "# labstats._calibrate_units (NHANES 2011-2016, 18 groups by sex and age).",
        "#: A column is typical for a unit when its quartiles, in the canonical unit, are within",
        "#: a factor COLUMN_MARGIN of the (Q1, Q3) of one NHANES group listed here.",
        f"COLUMN_MARGIN = {MARGIN!r}",
        "#: (Q1, Q3) of the NHANES groups, per analyte or measure, in its canonical unit.",
        "TYPICAL_QUARTILES: Mapping[str, tuple[tuple[float, float], ...]] = MappingProxyType({",
    ]
    for key, points in table.items():
        cells = [f"({q1!r}, {q3!r})," for q1, q3 in points]
        line = f'    "{key}": ('
        for cell in cells:
            if len(line) + len(cell) + 1 > 99:
                lines.append(line.rstrip())
                line = "        "
            line += cell + " "
        lines.append(line.rstrip().rstrip(",") + "),")
    lines += ["})", _END]
    return "\n".join(lines) + "\n"


def write(table, path: Path = UNITS_PY) -> None:
    """Replace the generated block of units.py with ``table``."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"^{re.escape(_BEGIN)}.*?^{re.escape(_END)}\n", re.S | re.M)
    if not pattern.search(text):
        raise ValueError(f"{path}: no {_BEGIN} ... {_END} block to replace")
    path.write_text(pattern.sub(lambda _: render(table), text), encoding="utf-8")


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    do_write = "--write" in argv
    folders = [a for a in argv if a != "--write"]
    if len(folders) > 1 or any(a.startswith("-") for a in folders):
        print("usage: python -m labstats._calibrate_units [<folder with the NHANES files>] "
              "[--write]   (default: the embedded extract)")
        return 2
    table = calibrate(folders[0] if folders else None)
    if do_write:
        write(table)
        print(f"updated {UNITS_PY}")
    else:
        print(render(table), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
