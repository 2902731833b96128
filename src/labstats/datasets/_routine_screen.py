"""What ``read_lab_results`` decides before it reads a value: test codes -> analytes, rows
set aside (withdrawn, no or unknown test code, no patient id), the value cells, and the
evidence of the value column's decimal mark that parts of an export (Dask or
``pair_export`` partitions) share so that each is read by the whole export's mark; and
the column-level unit check, judged on the whole column (``judge_units``) from the
counted cells of the parts (``unit_cells``, ``warn_column_units``).
"""

from __future__ import annotations

import os

import numpy as np

from labstats._validate import warn
from labstats.datasets import _labtext, _loinc, _routine_io
from labstats.datasets._routine_text import _code_text, _distinct_text

#: HL7 v2 table 0085 result statuses that withdraw a result (OBX-11).
_WITHDRAWN = {"W": "posted to the wrong patient or test (W)", "D": "deleted (D)",
              "X": "could not be obtained (X)"}
#: HL7 v2 table 0085 result statuses that replace one another for one result: a correction
#: (C) "replaces a final result", a final result (F) a preliminary one (P); the rank of each.
_REPLACES = {"P": 1, "F": 2, "C": 3}
_STATUS_NAME = {"P": "preliminary", "F": "final", "C": "corrected"}
#: Statuses written as words (an EHR extract: "Final", "Corrected", "Cancelled"), as the
#: letters above: the names of table 0085 and the codes of FHIR R4 ObservationStatus
#: (hl7.org/fhir/R4/valueset-observation-status.html: "amended", "corrected" follow a
#: final result; "cancelled": not obtained; "entered-in-error": posted wrong).
_STATUS_WORDS = {"final": "F", "corrected": "C", "correction": "C", "amended": "C",
                 "preliminary": "P", "deleted": "D", "delete": "D", "cancelled": "X",
                 "canceled": "X", "entered-in-error": "W", "entered in error": "W"}


def status_letters(cells):
    """Result status cells as the letters of HL7 v2 table 0085: stripped, upper case, and
    the words of ``_STATUS_WORDS`` (any case) as their letter; other text as written."""
    text = cells.astype("string").str.strip()
    word = text.str.lower().map(_STATUS_WORDS).astype("string")
    return word.fillna(text.str.upper())


def _test_map(test_map) -> dict:
    """``test_map=``: a mapping, or a CSV file with the columns code and analyte."""
    import pandas as pd

    if test_map is None:
        return {}
    if not hasattr(test_map, "items"):
        try:  # the separator as for an export (``_labtext.separator``)
            head = ","
            if isinstance(test_map, (str, os.PathLike)):
                with open(test_map, encoding="utf-8-sig", errors="replace") as fh:
                    head = next((line for line in fh if line.strip()
                                 and not line.startswith("#")), ",")
            table = pd.read_csv(test_map, dtype=str, comment="#", encoding="utf-8-sig",
                                sep=_labtext.separator(head))
        except FileNotFoundError:
            raise FileNotFoundError(f"test_map: {test_map}: no such file") from None
        except (ValueError, OSError) as exc:  # (empty, not text, not a CSV: named)
            raise ValueError(f"test_map: {test_map} cannot be read as a CSV file of the "
                             f"columns code and analyte ({type(exc).__name__}: {exc})") from exc
        cols = [c for c in table.columns if _routine_io.norm(c) in ("code", "test", "itemid",
                                                                   "loinc", "test code")]
        named = [c for c in table.columns if _routine_io.norm(c) == "analyte"]
        if not cols or not named:
            raise ValueError(f"test_map: {test_map} needs the columns 'code' and 'analyte' "
                             f"(one row per local test code); it has {list(table.columns)}")
        pairs = list(zip(table[cols[0]].str.strip(), table[named[0]].str.strip(),
                         strict=True))
        where = f" in {test_map}"
    else:
        pairs, where = list(test_map.items()), " (keys that differ by spaces only)"
    out = {}
    for code, analyte in pairs:
        if analyte not in _loinc.ANALYTE_NAMES:
            raise ValueError(f"test_map: {code!r} maps to {analyte!r}, not an analyte labstats "
                             f"reads; use one of {', '.join(_loinc.ANALYTE_NAMES)}")
        key = str(code).strip()
        if out.setdefault(key, analyte) != analyte:  # never the last one in silence
            raise ValueError(f"test_map: code {key!r} maps to {out[key]!r} and to "
                             f"{analyte!r}{where}; give each code one analyte")
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


def _screen(raw, role, tmap, times=None, export_rows=None):
    """What ``read_lab_results`` decides before it reads values: the rows it sets aside, in
    its order, as ``mark`` arguments (rows, status, reason, header); the test codes and
    ``_analytes`` of them; the value cells (MIMIC's valuenum where the value is empty).
    ``times``: the collection times as read (``parse_times``), or None; ``export_rows``: the
    export's row of each row of ``raw`` (a part read on its own), for the rows a reason
    names, or None (its positions)."""
    set_aside, st = [], None
    if "status" in role:
        st = _distinct_text(raw[role["status"]], status_letters)
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
    if st is not None:
        live = np.ones(len(raw), dtype=bool)
        for rows, *_ in set_aside:
            live[rows] = False
        set_aside.append(_superseded(raw, role, st, codes, live, times, export_rows))
    cells = raw[role["value"]]
    if "valuenum" in role:  # MIMIC: value empty but valuenum filled
        empty = (cells.isna() | (cells.astype("string").str.strip() == "")).to_numpy(bool)
        if empty.any():
            num = raw[role["valuenum"]]
            fill = num.astype("string") if num.dtype.kind in "fiu" else num.astype(object)
            cells = (cells.astype("string") if cells.dtype != object else cells).where(
                ~empty, fill)
    return set_aside, codes, found, cells


def valuenum_clash(valuenum, live, values):
    """(mask over ``live``, reasons): the rows whose number read from the value cell
    (``values``, one per ``live`` row) differs from their ``valuenum`` (MIMIC-IV: "the
    value's number", filled only when the value is numeric; a censored "<1.0" has
    valuenum 1.0). Where either is not a number, nothing is compared."""
    import pandas as pd

    num = pd.to_numeric(valuenum.iloc[live], errors="coerce").to_numpy(dtype=float)
    both = ~np.isnan(num) & ~np.isnan(values)
    clash = np.zeros(len(live), dtype=bool)
    clash[both] = ~np.isclose(values[both], num[both], rtol=1e-6, atol=0.0)
    why = [f"the value's number {v:g} and its valuenum {n:g} disagree (MIMIC-IV: valuenum "
           f"is the value's number); correct one of them" for v, n in zip(
               values[clash], num[clash], strict=True)]
    return clash, why


def _superseded(raw, role, st, codes, live, times=None, export_rows=None):
    """The rows replaced by a later status of the same result (HL7 v2 table 0085, OBX-11:
    C replaces F, F replaces P), as a ``mark`` argument: of the live rows of one patient,
    specimen, collection time and test code, those of a lower rank than the group's
    highest are excluded, naming the first row that replaces them. The time is the one
    read (``times``: "08:00" and "08:00:00" are one time), as written where it was not
    read. Without a specimen id or a time, a patient's draws cannot be told apart:
    nothing is replaced. The row named is its row in the export (``export_rows``, of
    a part), else its position."""
    import pandas as pd

    keys = [role[r] for r in ("specimen_id", "collected_at") if r in role]
    rank = st.map(_REPLACES).to_numpy(dtype=float, na_value=np.nan)
    rows = np.flatnonzero(live & ~np.isnan(rank))
    none = (np.array([], dtype=np.int64), 2, "", role["status"])
    if not keys or not len(rows):
        return none
    cols = [raw[role["patient_id"]], *(raw[k].astype("string").str.strip() for k in keys),
            codes]
    if times is not None and "collected_at" in role:  # the time read, else its text
        text = cols[len(keys)]
        cols[len(keys)] = text.where(times.isna().to_numpy(dtype=bool), None)
        cols.append(times)
    group = pd.DataFrame({i: pd.factorize(c.iloc[rows])[0] for i, c in enumerate(cols)})
    group = group.groupby(list(group.columns), sort=False).ngroup().to_numpy()
    frame = pd.DataFrame({"g": group, "rank": rank[rows], "row": rows})
    top = frame.groupby("g")["rank"].transform("max").to_numpy()
    lower = frame["rank"].to_numpy() < top
    if not lower.any():
        return none
    first = frame[~lower].groupby("g")["row"].first()  # (rows in export order)
    by = first.reindex(group[lower]).to_numpy()
    if export_rows is not None:
        by = np.asarray(export_rows)[by]
    names = {v: k for k, v in _REPLACES.items()}
    why = [f"superseded: the {_STATUS_NAME[names[t]]} result ({names[t]}) at row {b} "
           f"replaces it (result status, HL7 v2 table 0085); pair_results uses that one"
           for t, b in zip(top[lower].astype(int), by, strict=True)]
    return rows[lower], 2, why, role["status"]


def reason_kind(reason):
    """``reason`` without the parts of it that belong to its row (``_superseded``'s
    replacing row, ``valuenum_clash``'s numbers): the reasons of one kind read as one,
    where they are counted (the command line's summary). Anything else is returned as is.

    >>> reason_kind("superseded: the corrected result (C) at row 203 replaces it")
    'superseded: the corrected result (C) replaces it'
    >>> reason_kind("the value's number 4.2 and its valuenum 4.3 disagree (MIMIC-IV)")
    "the value's numbers disagree (MIMIC-IV)"
    """
    if not isinstance(reason, str):
        return reason
    import re

    reason = re.sub(r" at row \d+ replaces", " replaces", reason)
    return re.sub(r"the value's number \S+ and its valuenum \S+ disagree",
                  "the value's numbers disagree", reason)


def replacing(statuses) -> bool:
    """Whether the distinct result statuses ``statuses`` hold two that replace one another
    (C, F, P): ``read_lab_results`` then excludes the replaced rows of each specimen and
    test (``_superseded``), which ``pair_export``'s dictionary of cells (without
    specimens) cannot see; its partitioned path, reading whole patients, does."""
    import pandas as pd

    text = set(status_letters(pd.Series(statuses, dtype=object)).dropna())
    return len(text & set(_REPLACES)) > 1


def decimal_evidence(raw, *, columns=None, test_map=None, thousands=None):
    """The evidence of the decimal mark (``_labcells.mark_evidence``: "." proved, ","
    proved) in the value cells ``read_lab_results`` would parse in ``raw`` (a pandas part
    of an export). Parts' evidence combines by ``or`` (``combine_evidence``); given to
    each part's ``read_lab_results(_decimal_evidence=)``, every part is read by the mark
    of the whole export, as pandas reads it at once."""
    from labstats.datasets._labcells import mark_evidence

    role = _routine_io.map_columns(raw.columns, columns)
    set_aside, _, _, cells = _screen(raw, role, _test_map(test_map))
    live = np.ones(len(raw), dtype=bool)
    for rows, *_ in set_aside:
        live[rows] = False
    return mark_evidence(cells[live].drop_duplicates(), thousands)


def combine_evidence(parts):
    """The evidence of a whole column from that of its parts (``decimal_evidence``)."""
    parts = list(parts)
    return any(p[0] for p in parts), any(p[1] for p in parts)


#: The roles whose cells decide a result's analyte, unit and value in canonical unit.
UNIT_ROLES = ("test", "value", "valuenum", "status", "unit")


def judge_units(checked, insulin_factor, role, weights=None):
    """The column-level unit check (``labstats._column_unit``) of each analyte and unit on
    its whole column: ``checked`` holds (analyte, unit, rows, values) of the rows
    converted (``UnitColumn.convert(checked=)``), ``weights`` the number of export rows
    behind each row (the counted cells of ``unit_cells``; default one), so that the
    quartiles, exact, are those of the export's rows. A warning per analyte and unit."""
    from labstats._column_unit import column_quartiles, judge_column_unit
    from labstats._warn import plausibility_mode
    from labstats.datasets._labunits import column_spec

    if plausibility_mode() == "ignore":
        return
    groups: dict = {}
    for name, unit, rows, values in checked:
        groups.setdefault((name, unit), []).append((rows, values))
    advice = export_advice(role)
    for (name, unit), parts in groups.items():
        spec, factor = column_spec(name, unit, insulin_factor)
        if not spec.typical_quartiles:
            continue
        rows = np.concatenate([r for r, _ in parts])
        values = np.concatenate([v for _, v in parts])
        q, n = column_quartiles(values, None if weights is None else weights[rows])
        judge_column_unit(q if n >= 20 else None, name, spec, unit, factor, advice)


def export_advice(role):
    """The step of a long export's unit messages (``role``: role -> header): correct the
    unit where the export gives it (``labstats._advice.Advice``)."""
    from labstats._advice import Advice

    where = (f"in column {role['unit']!r}" if "unit" in role else
             f"in the cells of column {role['value']!r}, or units=")
    return Advice(lambda alt: f"correct the unit {where}")


def unit_cells(part, role, first: bool = False):
    """The distinct cells of ``part`` (a pandas part of an export; ``role``: role ->
    header) that decide each row's analyte, unit and value (``UNIT_ROLES``, and whether
    the patient id is missing), with their counts ``__n``: the counted cells of the parts
    add up (``pd.concat`` them) to those of the export, whose ``warn_column_units`` is the
    column-level unit check of the whole export. ``first``: also each cell's first row
    (``__first``, its position in ``part``)."""

    cols = [role[r] for r in UNIT_ROLES if r in role]
    pid = part[role["patient_id"]]
    missing = pid.isna().to_numpy(dtype=bool, copy=True)
    if pid.dtype.kind not in "iufb":
        missing |= (pid.astype("string").str.strip() == "").fillna(False).to_numpy(bool)
    cells = part[cols].assign(**{role["patient_id"]: np.where(missing, None, "p")})
    grouped = cells.groupby(list(cells.columns), dropna=False, sort=False, observed=True)
    counted = grouped.size().rename("__n").reset_index()
    if first:  # groups numbered in order of first appearance: where the numbers grow
        seen = np.maximum.accumulate(grouped.ngroup().to_numpy())
        counted["__first"] = np.flatnonzero(np.r_[True, seen[1:] > seen[:-1]][:len(seen)])
    return counted


def warn_column_units(cells, *, columns=None, evidence=None, attrs=True, **kw):
    """The column-level unit check of a whole export from its counted cells (``unit_cells``
    of its parts, concatenated), warned once here, as ``read_lab_results`` warns on the
    whole export: the cells are read by it (``kw``: its keywords; ``evidence``: the
    export's decimal mark evidence) and each weighs its count. With ``__first`` (each
    cell's first row in the export), the warnings of implausible values of
    ``plausibility("warn")`` are given here too, as pandas words them on the whole export
    (``warn_implausible``); the parts are then read with their warnings collected and
    dropped. No other warning but insulin converted with a factor that is not the standard
    (``attrs``: the result keeps it in its ``attrs``, for ``derive``; a Dask frame has
    none): the reading itself belongs to the parts. Returns the cells
    summed over the parts (with ``__first``, the first of their ``__first`` when given)
    and the groups of values read ((analyte, unit, cell rows, values), as
    ``UnitColumn.convert(checked=)``)."""
    import warnings

    from labstats.datasets.routine import read_lab_results

    checked: list = []
    if not len(cells):
        return cells, checked
    keys = [c for c in cells.columns if c not in ("__n", "__first")]
    columns = {h: r for h, r in (columns or {}).items() if h in keys}
    role = _routine_io.map_columns(keys, columns)
    cells = cells.groupby(keys, dropna=False, sort=False, observed=True).agg(
        {c: "sum" if c == "__n" else "min" for c in cells.columns if c not in keys})
    cells = cells.reset_index()
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        read_lab_results(cells[keys], columns={h: r for r, h in role.items()},
                         **kw, _decimal_evidence=evidence, _column_check=checked)
    from labstats.datasets._routine_text import UNITS_NOT_USED

    for w in said:  # of the export's units: a units= the cells contradict, else nothing
        if str(w.message).startswith(UNITS_NOT_USED):
            warn(str(w.message))
    from labstats.datasets._labunits import insulin_read  # (said by its reading, ignored)

    insulin_read(checked, kw.get("insulin_factor", "standard"), attrs)
    if "__first" in cells:  # before the column-level check, as read_lab_results warns
        warn_implausible(cells, checked, kw.get("insulin_factor", "standard"), role)
    judge_units(checked, kw.get("insulin_factor", "standard"), role,
                cells["__n"].to_numpy(dtype=np.int64))
    return cells, checked


def warn_implausible(cells, checked, insulin_factor, role):
    """In ``plausibility("warn")``, the warning of each analyte and unit with implausible
    values, worded as ``read_lab_results`` words it on the whole export: its first such
    value and row, their count and the unit they are all plausible in. ``cells``: the
    counted cells (``__n``) with their first row in the export (``__first``); ``checked``:
    the groups of values read from them ((analyte, unit, cell rows, values)). The same
    check (``_labunits.to_canonical``) runs on the implausible values only, each repeated
    as many times as its cell is in the export, at its cell's first row, with the step of
    ``export_advice`` (``role``: role -> header)."""
    import pandas as pd

    from labstats._warn import plausibility_mode
    from labstats.datasets._labunits import plausible_bounds, to_canonical

    if plausibility_mode() != "warn":
        return
    n = cells["__n"].to_numpy(dtype=np.int64)
    first = cells["__first"].to_numpy(dtype=np.int64)
    for name, unit, rows, values in checked:
        _, lo, hi, _ = plausible_bounds(name, unit, insulin_factor)
        far = (values < lo) | (values > hi)
        if far.any():
            rows, values = rows[far], values[far]
            order = np.argsort(first[rows], kind="stable")
            rows, values = rows[order], values[order]
            to_canonical(pd.Series(np.repeat(values, n[rows]), index=np.repeat(
                first[rows], n[rows])), name, unit, insulin_factor, column_check=False,
                advice=export_advice(role))


def name_columns(headers, role) -> list:
    """The columns not read whose header is one of the test column's ("Test Name" beside
    "Test Code"): where ``name_column_hint`` looks for test names (the engines read
    them for that hint only: ``labstats._engines_hint``)."""
    used = set(role.values())
    aliases = _routine_io.DEFAULT_COLUMNS["test"]
    return [h for h in headers if h not in used and _routine_io.norm(h) in aliases]


def name_column_hint(raw, role, tmap, codes, unknown, weights=None) -> None:
    """Unknown test codes beside a column of test names labstats knows ("Test Code" TTES
    and "Test Name" "Testosterone, total"): a warning naming that column and the mapping
    that reads it (the first test column found is the one read; the other is not looked
    at). Nothing when no unknown row would be named by it. ``weights``: the rows of each
    row of ``raw`` (counted rows of an engine, ``name_hint_of_groups``), else one each."""
    if not unknown.any():
        return
    for header in name_columns(raw.columns, role):
        names = _distinct_text(raw[header], _code_text).where(unknown)
        analyte = _analytes(names, tmap)[0]
        hit = np.flatnonzero(analyte != None)  # noqa: E711 (element-wise on objects)
        if not len(hit):
            continue
        pairs = dict.fromkeys(f"{codes.iloc[i]!r} ({names.iloc[i]!r} -> {analyte[i]})"
                              for i in hit)
        shown = ", ".join(list(pairs)[:5]) + (" ..." if len(pairs) > 5 else "")
        n = len(hit) if weights is None else int(np.asarray(weights)[hit].sum())
        warn(f"{n} result{'s' if n > 1 else ''} with a test code neither "
             f"test_map= nor the LOINC map knows (column {role['test']!r}) have a test name "
             f"labstats knows in column {header!r}, which is not read: {shown}. Give column "
             f"{header!r} the role 'test' (columns={{{header!r}: 'test'}}), or map the "
             f"codes with test_map=")
        return


def name_hint_of_groups(groups, role, tmap) -> None:
    """``name_column_hint`` on an export counted by an engine (DuckDB's GROUP BY, the
    partitions of a Dask frame): ``groups`` holds the test column and the columns of
    ``name_columns`` as the export types them, ``__n`` (rows) and ``__first`` (the first
    row in the export); a group may come in several pieces (one per partition). The
    same counts (rows), codes, order and words as on the whole export."""
    keys = [c for c in groups.columns if c not in ("__n", "__first")]
    if not len(groups):
        return
    groups = groups.groupby(keys, dropna=False, sort=False, observed=True).agg(
        __n=("__n", "sum"), __first=("__first", "min")).reset_index()
    groups = groups.sort_values("__first", kind="stable", ignore_index=True)
    codes = _distinct_text(groups[role["test"]], _code_text)
    unknown = (_analytes(codes, tmap)[0] == None) & ~codes.isna().to_numpy(bool)  # noqa: E711
    name_column_hint(groups[keys], role, tmap, codes, unknown, groups["__n"].to_numpy())
