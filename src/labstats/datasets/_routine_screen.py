"""What ``read_lab_results`` decides before it reads a value: test codes -> analytes, rows
set aside (withdrawn, no or unknown test code, no patient id), the value cells, and the
evidence of the value column's decimal mark that parts of an export (Dask or
``pair_export`` partitions) share so that each is read by the whole export's mark.
"""

from __future__ import annotations

import numpy as np

from labstats.datasets import _loinc, _routine_io
from labstats.datasets._routine_text import _code_text, _distinct_text

#: HL7 v2 table 0085 result statuses that withdraw a result (OBX-11).
_WITHDRAWN = {"W": "posted to the wrong patient or test (W)", "D": "deleted (D)",
              "X": "could not be obtained (X)"}


def _test_map(test_map) -> dict:
    """``test_map=``: a mapping, or a CSV file with the columns code and analyte."""
    import pandas as pd

    if test_map is None:
        return {}
    if not hasattr(test_map, "items"):
        table = pd.read_csv(test_map, dtype=str, comment="#")
        cols = [c for c in table.columns if _routine_io.norm(c) in ("code", "test", "itemid",
                                                                   "loinc", "test code")]
        if not cols or "analyte" not in table.columns:
            raise ValueError(f"test_map: {test_map} needs the columns 'code' and 'analyte' "
                             f"(one row per local test code); it has {list(table.columns)}")
        test_map = dict(zip(table[cols[0]].str.strip(), table["analyte"].str.strip(), strict=False))
    out = {}
    for code, analyte in test_map.items():
        if analyte not in _loinc.ANALYTE_NAMES:
            raise ValueError(f"test_map: {code!r} maps to {analyte!r}, not an analyte labstats "
                             f"reads; use one of {', '.join(_loinc.ANALYTE_NAMES)}")
        out[str(code).strip()] = analyte
    return out


def _analytes(codes, test_map):
    """Analyte of each row (None: unknown) and the LOINC unit family it implies (or None)."""
    import pandas as pd

    from labstats.datasets.labfile import _LABEL_TO_NAME

    table = _loinc.loinc_map().set_index("loinc")
    keys, uniques = pd.factorize(codes, use_na_sentinel=True)
    analyte, family = [], []
    for u in uniques:
        a = test_map.get(u)
        fam = None
        if a is None and _loinc.LOINC_CODE.match(u) and u in table.index:
            a, fam = table.at[u, "analyte"], table.at[u, "unit_family"]
        if a is None:
            a = _LABEL_TO_NAME.get(_routine_io.norm(u))
            a = a if a in _loinc.ANALYTE_NAMES else None
        analyte.append(a)
        family.append(fam)
    named = {a: k for k, a in enumerate(dict.fromkeys(a for a in analyte if a is not None))}
    index = np.array([named.get(a, -1) for a in analyte] + [-1], dtype=np.int64)[keys]
    analyte = np.array([*analyte, None], dtype=object)[keys]  # -1 (missing code) -> None
    family = np.array([*family, None], dtype=object)[keys]
    return analyte, family, (index, list(named))


def _screen(raw, role, tmap):
    """What ``read_lab_results`` decides before it reads values: the rows it sets aside, in
    its order, as ``mark`` arguments (rows, status, reason, header); the test codes and
    ``_analytes`` of them; the value cells (MIMIC's valuenum where the value is empty)."""
    set_aside = []
    if "status" in role:
        st = raw[role["status"]].astype("string").str.strip().str.upper()
        for code, why in _WITHDRAWN.items():
            set_aside.append((np.flatnonzero((st == code).fillna(False).to_numpy(bool)), 2,
                              f"result withdrawn: {why}", role["status"]))
    codes = _distinct_text(raw[role["test"]], _code_text)
    found = _analytes(codes, tmap)
    no_code = codes.isna().to_numpy(dtype=bool)
    set_aside.append((np.flatnonzero(no_code), 1, "no test code", role["test"]))
    unknown = (found[0] == None) & ~no_code  # noqa: E711 (element-wise on objects)
    set_aside.append((np.flatnonzero(unknown), 2, "unknown test code: not in test_map= or the "
                      "LOINC map", role["test"]))
    pid = raw[role["patient_id"]]
    no_pid = pid.isna().to_numpy(dtype=bool, copy=True)
    if pid.dtype.kind not in "iufb":  # a number is never blank text
        no_pid |= (pid.astype("string").str.strip() == "").fillna(False).to_numpy(dtype=bool)
    set_aside.append((np.flatnonzero(no_pid), 1, "no patient id", role["patient_id"]))
    cells = raw[role["value"]]
    if "valuenum" in role:  # MIMIC: value empty but valuenum filled
        empty = (cells.isna() | (cells.astype("string").str.strip() == "")).to_numpy(bool)
        if empty.any():
            num = raw[role["valuenum"]]
            fill = num.astype("string") if num.dtype.kind in "fiu" else num.astype(object)
            cells = (cells.astype("string") if cells.dtype != object else cells).where(
                ~empty, fill)
    return set_aside, codes, found, cells


def decimal_evidence(raw, *, columns=None, test_map=None, thousands=None):
    """The evidence of the decimal mark (``_labcells.mark_evidence``: "." proved, ","
    proved) in the value cells ``read_lab_results`` would parse in ``raw`` (a pandas part
    of an export). Parts' evidence combines by ``or`` (``combine_evidence``); given to
    each part's ``read_lab_results(_decimal_evidence=)``, every part is read by the mark
    of the whole export, as pandas reads it at once."""
    from labstats.datasets._labcells import mark_evidence

    role = _routine_io.map_columns(raw, columns)
    set_aside, _, _, cells = _screen(raw, role, _test_map(test_map))
    live = np.ones(len(raw), dtype=bool)
    for rows, *_ in set_aside:
        live[rows] = False
    return mark_evidence(cells[live].drop_duplicates(), thousands)


def combine_evidence(parts):
    """The evidence of a whole column from that of its parts (``decimal_evidence``)."""
    parts = list(parts)
    return any(p[0] for p in parts), any(p[1] for p in parts)
