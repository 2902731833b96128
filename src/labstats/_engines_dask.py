"""Dask engine of labstats (issue 12): ``read_lab_results``, ``pair_results`` and ``derive``
on a Dask DataFrame, lazy, partition by partition, through the same pandas functions
(reached through ``labstats._engines``, which re-exports the names used elsewhere).

Rows are numbered, shuffled once by patient unless the partitions already hold disjoint
patient ranges, and each partition goes through the same pandas functions with an explicit
``meta`` (ROUTINE_LAB_DATA.md section 4: shuffle once, then ``map_partitions`` with meta).
"""

from __future__ import annotations

import math

import numpy as np

from labstats._engines_dask_times import _check_times, _times_in  # (across partitions)

#: Rows per partition when the Dask reader shuffles an export by patient: bounds a task's
#: memory (about 0.5 KB a row through read_lab_results) and gives each worker several tasks.
DASK_ROWS_PER_PARTITION = 500_000


def is_dask(obj) -> bool:
    """A Dask DataFrame (recognised without importing dask)."""
    return any(c.__module__.split(".")[0] in ("dask", "dask_expr") for c in type(
        obj).__mro__[:-1]) and hasattr(obj, "map_partitions")  # (or labstats' subclass)


def _enforce(frame, meta):
    """``frame`` with the columns and dtypes of ``meta`` (the same frame on every worker)."""
    return _astype(frame[list(meta.columns)], meta.dtypes.to_dict())


def _astype(frame, dtypes):
    """``frame.astype(dtypes)``, a column of times none of which was read (all NaT: naive)
    put in the time zone of ``dtypes`` (a partition without a read time of a zoned
    export, whose other partitions' times carry the zone, as the whole column does)."""
    import pandas as pd

    for c, kind in dtypes.items():
        col = frame[c]
        if isinstance(kind, pd.DatetimeTZDtype) and col.dtype.kind == "M" and \
                not isinstance(col.dtype, pd.DatetimeTZDtype) and col.isna().all():
            frame = frame.assign(**{c: col.dt.tz_localize(kind.tz)})
    return frame.astype(dtypes)


def _pandas_strings(frame):
    """Dask's own string columns (``string[pyarrow]``, missing = ``pd.NA``) in pandas' default
    string dtype, as pandas reads the same export: the pandas reader then gives the same
    dtypes on a worker as on one machine."""
    import pandas as pd

    default = pd.Series(["a"]).dtype
    strings = {c: default for c, t in frame.dtypes.items()
               if isinstance(t, pd.StringDtype) and t != default}
    return frame.astype(strings) if strings else frame


def _number(frame, start, drop=()):
    """``frame`` without the columns ``drop``, its rows numbered from ``start``."""
    return frame.drop(columns=list(drop)).assign(
        __source_row=np.arange(start, start + len(frame), dtype=np.int64))


def _read_part(raw, kw, meta=None, mode="raise"):
    """read_lab_results on one partition (whole patients), with global rows and reasons,
    in the plausibility ``mode`` the graph was built in (the caller's, not the worker's).
    Its warnings are dropped: the Dask reader gives those of the whole export on the client
    (``warn_column_units`` of the counted cells), once, as pandas does."""
    from labstats._warn import collected_warnings, thread_plausibility
    from labstats.datasets.routine import read_lab_results

    raw = _pandas_strings(raw.sort_values("__source_row", kind="stable"))
    rows = raw.pop("__source_row").to_numpy()
    with thread_plausibility(mode), collected_warnings():
        res = read_lab_results(raw.reset_index(drop=True), **kw, _rows=rows)
    report = res.attrs["report"]
    reason = np.full(len(res), None, dtype=object)
    reason[report["source_row"].to_numpy(dtype=np.int64)] = report["reason"].to_numpy()
    res["reason"] = reason
    res["source_row"] = rows[res["source_row"].to_numpy()]
    res.attrs = {}
    return res if meta is None else _enforce(res, meta)


def _stats(part, pid, test):
    """(rows, (lowest, highest) patient id or None, distinct test codes) of a partition."""
    ids = part[pid].dropna()
    try:
        span = (ids.min(), ids.max()) if len(ids) else None
    except TypeError:  # ids of several types: no order, no range
        span = False
    return len(part), span, part[test].dropna().unique()


def _column_stats(part, evidence=None, time=None, time_format=None, time_zone=None):
    """(evidence of the decimal mark or None, (format, text) of the first filled time of
    column ``time`` (of text) or None, {format: ``_times_in``} of its times in
    ``time_format`` or else in that first time's format and, when it has a day and a
    month, in the other order too, or None, ``_routine_io.order_evidence`` of its times
    (when no ``time_format``) or None) of a partition; ``evidence``:
    ``decimal_evidence``'s keywords. Whole-column decisions of ``read_lab_results``:
    evidence combines by ``or``, the first time is the first partition's that has one
    (any partitioning will do), the day/month order is settled on all partitions'
    evidence, all in one pass; the unread times and the time zone are found here in the
    formats the export's may be (else again: ``_check_times``)."""
    from labstats.datasets import _routine_io
    from labstats.datasets._routine_screen import decimal_evidence

    marks = None if evidence is None else decimal_evidence(_pandas_strings(part), **evidence)
    first = unread = order = None
    if time is not None:  # the first rows first (a whole column's text only when empty)
        for cells in (part[time].head(1000), part[time]):
            text = cells.astype("string").str.strip()
            filled = text[(text.notna() & (text != "")).to_numpy(dtype=bool)]
            if len(filled):
                first = (_routine_io.time_format_of(filled.iloc[0]), filled.iloc[0])
                break
        fmt = time_format or (first[0] if first is not None else None)
        if fmt is not None:
            tried = [fmt]
            if time_format is None and _routine_io.month_first(fmt) is not None:
                tried.append(_routine_io.other_order(fmt))
            unread = {f: _times_in(part[time], f, time_zone) for f in tried}
        if time_format is None:
            order = _routine_io.order_evidence(_distinct(part[time]))
    return marks, first, unread, order


def _distinct(cells):
    """The distinct cells (a time column's: a draw's results share their time)."""
    import pandas as pd

    return pd.unique(cells.dropna().to_numpy(dtype=object))


def _odd_ids(part, headers):
    """Per text id column of a partition (``_routine_io.check_ids`` across partitions):
    (keys of its ids that may be another's spelling: blanks around, a ".0"; keys of its
    numbers, in a column of objects; whether it holds text; whether it holds ids that are
    not text)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from labstats._validate import number_objects
    from labstats.datasets import _routine_io

    out = {}
    for h in headers:
        values = pd.unique(part[h].dropna())
        text = np.fromiter((isinstance(v, str) for v in values), bool, count=len(values))
        number = number_objects(values)
        odd = np.zeros(len(values), dtype=bool)
        odd[text] = pc.match_substring_regex(pa.array(values[text].astype(object),
                                                      type=pa.string()),
                                             _routine_io.ODD_ID_RE2).to_numpy(
                                                 zero_copy_only=False)
        keys = _routine_io.id_keys(values, number).to_numpy()
        out[h] = (set(keys[odd]), set(keys[number]), bool(text.any()), bool(not text.all()))
    return out


def _spellings(cells, header, keys, offset):
    """The ids of column ``header`` (``cells``, of a partition) whose key is one of
    ``keys``, each with its first row in the export (``offset``: the partition's first)."""
    import pandas as pd

    from labstats.datasets import _routine_io

    cells = cells.reset_index(drop=True)
    codes, values = pd.factorize(cells)
    hit = np.flatnonzero(_routine_io.id_keys(values).isin(keys).to_numpy())
    code, at = np.unique(codes, return_index=True)  # each id's first row
    first = at[np.searchsorted(code, hit)].astype(np.int64)
    return pd.DataFrame({header: pd.Series(values[hit], dtype=object),
                         "row": first + int(offset)})


def _check_ids(pieces, odd, offsets, role):
    """``_routine_io.check_ids`` on the ids of all partitions that may be spelled two
    ways (``_odd_ids``: a second pass only when there are any)."""
    import dask
    import pandas as pd

    from labstats.datasets import _routine_io

    for r in ("patient_id", "specimen_id"):
        h = role.get(r)
        if h is None or h not in odd[0]:
            continue
        keys = set().union(*(o[h][0] for o in odd))
        if any(o[h][2] for o in odd):  # numbers and text: "7" may be 7
            keys |= set().union(*(o[h][1] for o in odd))
        if not keys:
            continue
        found = pd.concat(dask.compute([dask.delayed(_spellings)(p[h], h, keys, o) for p, o
                                        in zip(pieces, offsets, strict=True)])[0])
        found = found.sort_values("row", kind="stable").drop_duplicates(h)
        _routine_io.check_ids(found[[h]].reset_index(drop=True), {r: h},
                              rows=found["row"].to_numpy())


def _object_ids(ddf, odd, role):
    """The types of the result's id columns read from columns of objects, as pandas' reader
    gives them on the whole column (``_odd_ids`` of all partitions), not as the sample
    has them: objects when a partition holds ids that are not text (numbers: never cast
    to text), else pandas' string type when any partition holds text."""
    kinds = {}
    for r in ("patient_id", "specimen_id"):
        h = role.get(r)
        if h is None or ddf[h].dtype != object or not odd:
            continue
        if any(o[h][3] for o in odd):
            kinds[r] = object
        elif any(o[h][2] for o in odd):
            kinds[r] = "str"
    return kinds


def _unit_cells(part, role):
    """``unit_cells`` of a Dask partition, its strings in pandas' dtype, with each cell's
    first row in the partition (``__first``)."""
    from labstats.datasets._routine_screen import unit_cells

    return unit_cells(_pandas_strings(part), role, first=True)


def _disjoint(spans) -> bool:
    """Whether partitions with these patient id ranges hold disjoint patients."""
    spans = [s for s in spans if s is not None]
    if any(s is False for s in spans):
        return False
    try:
        spans.sort(key=lambda s: s[0])
        return all(bool(a[1] < b[0]) for a, b in zip(spans, spans[1:], strict=False))
    except TypeError:  # ids of several types across partitions
        return False


#: What the Dask reader knows of a lazy result it returned, by the result's name: its
#: partitions hold whole patients (pair_results need not shuffle again), and the analytes of
#: the export's test codes.
#: An entry goes when the result's expression is garbage-collected (no growth per read).
_LAZY: dict = {}


def _remember(ddf, **info):
    import weakref

    try:
        weakref.finalize(ddf.expr, _LAZY.pop, ddf._name, None)
    except TypeError:  # an expression without weak references: remember nothing (the
        return  # result is then paired as any frame, after a shuffle)
    _LAZY[ddf._name] = info


def dask_read_lab_results(ddf, **kw):
    """``read_lab_results`` on a Dask DataFrame: lazy, partitioned by patient.

    One pass over the patient and test columns (rows, patient id range and test codes
    per partition), the columns that decide the decimal mark and the time format (its
    day/month order included), and a sample of the first rows; a second pass
    only for what the first cannot settle: ids that may be written two ways, and the
    times (not read in the export's format, their time zone) of a partition whose own
    first time has another format. Rows are numbered as in the whole
    export (``source_row``); the partitions are shuffled by patient, into about
    ``DASK_ROWS_PER_PARTITION`` rows each, unless their patient id ranges are already
    disjoint (an export written patient by patient); each is read by the pandas reader.
    The result has a ``reason`` column (the per-row report); ``labstats.counts`` gives
    its counts. As in pandas, not per partition: the time format is that of the export's
    first filled time, and with ``decimal="auto"`` the decimal mark is that of the whole
    value column (both found in the same pass); the column-level unit check is judged on
    all partitions' counted cells and warned here, once; mixed time zones are refused
    (read in one with ``time_zone=``, which refuses a time without a zone at its row).
    Unknown test codes beside a column of test names labstats knows ("Test Name", not
    read) are warned of once, as pandas words and counts it: that column is read in the
    first pass (in each partition with unknown codes, those rows counted by code and
    name) and dropped before the shuffle (``labstats._engines_hint``); without such a
    column nothing more is read.
    The plausibility mode is the caller's at this call (the graph's): every partition is
    read in it, on any worker and whenever computed; in "warn" mode the warnings of
    implausible values are given here too, from the counted cells and each cell's first
    row (``warn_implausible``), worded as pandas words them; the partitions' own are
    dropped.
    No warning of patients whose results are in several files (``read_lab_results`` of a
    folder gives one): a Dask DataFrame carries no file names, and its partitions are not
    files (``dd.read_parquet`` may read one file as several partitions, a row group each,
    or fuse small files into one); its rows are read as one export, as pandas reads a
    DataFrame, and each patient's results are paired across partitions (shuffled by
    patient). Read the folder with ``read_lab_results`` or ``pair_export`` to be warned.
    """
    import dask
    import dask.dataframe as dd
    import pandas as pd

    from labstats import _engines
    from labstats._engines_hint import part_groups, warn_parts
    from labstats._validate import warn
    from labstats._warn import plausibility_mode
    from labstats.datasets import _loinc, _routine_io
    from labstats.datasets._routine_screen import UNIT_ROLES, name_columns, warn_column_units
    from labstats.datasets.routine import _analytes, _code_text, _test_map

    role = _routine_io.map_columns(ddf.columns, kw.get("columns"))
    kw = {**kw, "columns": {h: r for r, h in role.items()}}
    names = name_columns(ddf.columns, role)  # test names: the first pass's (for the hint)
    ddf = ddf[[c for c in ddf.columns if c in role.values() or c in names]]
    pid, test, tmap = role["patient_id"], role["test"], _test_map(kw.get("test_map"))
    # The partitions as they are read: dask-expr may fuse small Parquet reads (by the
    # columns read), so the stats, row numbers and reads all use these same pieces.
    pieces = ddf.to_delayed()
    parts = [dask.delayed(_stats)(p, pid, test) for p in pieces]
    # whole-column decisions (the decimal mark, the time format), in the same compute
    evidence, read = None, []
    if _engines._needs_evidence(kw):  # the decimal mark of the whole column, not of each partition
        read = [role[r] for r in ("patient_id", "test", "value", "valuenum", "status")
                if r in role]
        evidence = {"columns": {h: r for r, h in role.items() if h in read},
                    "test_map": kw.get("test_map"), "thousands": kw.get("thousands")}
    time = role.get("collected_at")  # of text: its format, and the times not read
    naive = time is not None and ddf[time].dtype.kind == "M" and not isinstance(
        ddf[time].dtype, pd.DatetimeTZDtype) and kw.get("time_zone") is not None
    time = time if time is not None and ddf[time].dtype.kind not in "mM" else None
    read += [time] if time is not None else []
    columns = [dask.delayed(_column_stats)(p[read], evidence, time, kw.get("time_format"),
                                           kw.get("time_zone"))
               for p in (pieces if read else ())]
    first = dask.delayed(lambda p: p.head(1000))(pieces[0])
    mode = plausibility_mode()  # the caller's: the partitions are read in it, on any worker
    # the counted cells of the column-level unit check (judged on the client; in "ignore"
    # mode, read for insulin's factor only)
    units = [role[r] for r in ("patient_id", *UNIT_ROLES) if r in role]
    cells = [dask.delayed(_unit_cells)(p[units], role) for p in pieces]
    ids = [role[r] for r in ("patient_id", "specimen_id")
           if r in role and ddf[role[r]].dtype.kind not in "iufbmM"]  # (text: two spellings)
    odd = [dask.delayed(_odd_ids)(p[ids], ids) for p in pieces] if ids else []
    hint = [dask.delayed(part_groups)(p[[test, *names]], test, names, tmap)
            for p in (pieces if names else ())]
    stats, columns, sample, cells, odd, hint = dask.compute(parts, columns, first, cells,
                                                            odd, hint)
    if evidence is not None:
        from labstats.datasets._routine_screen import combine_evidence

        kw["_decimal_evidence"] = combine_evidence(c[0] for c in columns)
    lengths = np.array([s[0] for s in stats], dtype=np.int64)
    offsets = np.r_[0, np.cumsum(lengths)[:-1]].astype(np.int64)
    if odd:  # an id spelled two ways in two partitions, as read_lab_results refuses it
        _check_ids(pieces, odd, offsets, role)
    if cells:  # warned here, once, at the caller's line; not per partition on the workers:
        # the column-level unit check and, in "warn" mode, the implausible values
        warn_column_units(pd.concat([c.assign(__first=c["__first"] + o) for c, o in zip(
            cells, offsets, strict=True)], ignore_index=True), evidence=kw.get(
            "_decimal_evidence"), attrs=False,
            **{k: v for k, v in kw.items() if k in _engines._UNIT_KW})
    kw["_column_check"] = False
    sample = _pandas_strings(sample)
    given = kw.get("time_format")
    first = next((c[1] for c in columns if c[1] is not None), None) if given is None else None
    if first is not None:  # the export's first filled time, in partition (= row) order,
        kw["time_format"] = first[0]  # its day/month order settled on all partitions
        if _routine_io.month_first(first[0]) is not None:  # (evidence: of the same pass)
            found = [c[3] for c in columns if c[3] is not None]
            kw["time_format"], note = _routine_io.settle_order(
                first[0], tuple(max(f[k] for f in found) for k in (0, 1)), first[1])
            if note:
                warn(note)
    if hint:  # read_lab_results' hint: unknown codes beside a column of test names
        warn_parts(hint, role, tmap)
    if time is not None and kw.get("time_format"):  # one time zone, the times not read
        _check_times(pieces, time, [c[2] for c in columns], offsets, kw["time_format"],
                     kw.get("time_zone"))
    if naive:  # times typed without a zone, time_zone= given: refused, at their first row
        _check_times(pieces, role["collected_at"], [{} for _ in pieces], offsets, None,
                     kw["time_zone"])
    codes = pd.concat([pd.Series(s[2], dtype=object) for s in stats], ignore_index=True)
    codes = _code_text(codes.drop_duplicates()).dropna().drop_duplicates()
    found = set(_analytes(codes.to_numpy(dtype=object), tmap)[0])
    numbered = dd.from_delayed(  # (the names column dropped: not shuffled, not read)
        [dask.delayed(_number)(p, int(o), names) for p, o in zip(pieces, offsets,
                                                                 strict=True)],
        meta=_number(ddf._meta, 0, names).iloc[:0], verify_meta=False)
    if not _disjoint([s[1] for s in stats]):
        n = max(len(pieces), math.ceil(int(lengths.sum()) / DASK_ROWS_PER_PARTITION))
        numbered = numbered.shuffle(on=pid, npartitions=n)
    read = _read_part(_number(sample, 0, names), kw, mode=mode)
    if first is not None and read["collected_at"].isna().all():  # the times' dtype: not
        times = _routine_io.parse_times(pd.Series([first[1]], dtype="string"),
                                        kw["time_format"], kw.get("time_zone"))[0]
        read = _astype(read, {"collected_at": times.dtype})  # that of a sample without any
    if len(codes) and read["test"].dtype == object:  # codes in the export, none in the
        read = read.astype({"test": "str"})  # sample: the column's type of pandas' reader
    read = read.astype(_object_ids(ddf, odd, role))
    meta = read.iloc[:0]
    results = numbered.map_partitions(_read_part, kw, meta, mode, meta=meta)
    _remember(results, analytes=[a for a in _loinc.ANALYTE_NAMES if a in found])
    return results


def _pair_part(results, kw, meta=None):
    from labstats.datasets._routine_pair import pair_results

    try:
        paired = pair_results(results, **kw)
    except ValueError as exc:  # results that cannot be paired: found in this partition
        raise ValueError(f"{exc} (Dask: found in one partition, a part of the patients; "
                         f"others may hold more)") from None
    paired.attrs = {}
    return paired if meta is None else _enforce(paired, meta)


def dask_pair_results(ddf, **kw):
    """``pair_results`` on a Dask DataFrame of results: draws of whole patients per
    partition, one column set for all (``analytes``).

    A result of the Dask ``read_lab_results`` is paired as it is (its partitions hold whole
    patients), its default analytes those of the export's test codes (as ``pair_export``);
    any other frame is shuffled by ``patient_id`` and its used analytes found in one pass.
    The draws' types are those of the results' (``_draw_types``): nothing else is
    computed here, and results that cannot be paired (no specimen id, no time) are refused
    when the draws are computed, by the partition that holds them.
    """
    import dask

    from labstats.datasets import _loinc

    info = _LAZY.get(ddf._name)
    if info is not None:
        shuffled = ddf
        if kw.get("analytes") is None:
            kw = {**kw, "analytes": info["analytes"]}
    else:
        shuffled = ddf.shuffle(on="patient_id", npartitions=ddf.npartitions)
        if kw.get("analytes") is None:
            used = ddf["analyte"][ddf["status"] == "used"] if "status" in ddf.columns else \
                ddf["analyte"]
            found = dask.compute(used.dropna().unique())[0]
            kw = {**kw, "analytes": [a for a in _loinc.ANALYTE_NAMES if a in set(found)]}
    from labstats.datasets._routine_pair import pair_results

    meta = pair_results(ddf._meta, **kw)  # (its arguments checked: no results to refuse)
    meta.attrs = {}
    meta = _draw_types(meta, ddf._meta)
    return shuffled.map_partitions(_pair_part, kw, meta, meta=meta)


def _draw_types(meta, results):
    """The draws' ``meta`` (paired from no results) with the types pandas gives the
    draws of ``results`` (their meta) when there are draws, not the object columns of an
    empty pairing: the draws' ids and times are columns made of the NumPy array of the
    results' values (text reads as str; text and numbers stay objects, never cast to
    text; times timezone-aware as given, Arrow's as NumPy's)."""
    import pandas as pd
    from dask.dataframe.utils import meta_nonempty

    filled = meta_nonempty(results)

    def made(values):
        return pd.DataFrame({"c": values.dropna().to_numpy()})["c"].dtype

    kinds = {c: object if results[c].dtype == object else made(filled[c])
             for c in ("patient_id", "specimen_id") if c in meta.columns and c in
             results.columns}
    if "collected_at" in results.columns and results["collected_at"].dtype.kind == "M":
        kinds.update(dict.fromkeys(("collected_at", "collected_until"),
                                   made(pd.to_datetime(filled["collected_at"]))))
    return meta.astype(kinds)


# derive on Dask, its warnings issued on the client: labstats._engines_dask_derive
from labstats._engines_dask_derive import dask_derive, replay  # noqa: E402, F401
