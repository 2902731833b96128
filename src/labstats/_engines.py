"""Engines beyond pandas for long laboratory exports: all DuckDB code of labstats lives here.

Out of core, on one machine (``pair_export``): DuckDB streams a Parquet export (a file or
a folder) that may be larger than memory, counts and drops the rows of tests labstats does
not use, and writes the rest hash-partitioned by patient into a temporary folder (DuckDB
spills to disk under ``memory_limit``). Each partition holds whole patients and fits in
memory; it goes through the same ``read_lab_results`` and ``pair_results`` as an in-memory
export (one parser, one unit layer), with the export's global row numbers. Memory is
bounded by the partition size, not by the file.

Why DuckDB rather than pyarrow datasets alone: the hash partitioning by patient is one
``COPY ... PARTITION_BY`` that spills to disk, where pyarrow's ``write_dataset`` would need
the partition column computed batch by batch and caps open partitions (1024 by default);
and DuckDB reads a folder of Parquet files with file names and row numbers, which give each
row its global ``source_row``.

On a cluster (``dask_read_lab_results``, ``dask_pair_results``, ``dask_derive``, reached by
passing a Dask DataFrame to ``read_lab_results``, ``pair_results`` or ``derive``): rows are
numbered, shuffled once by patient unless the partitions already hold disjoint patient
ranges, and each partition goes through the same pandas functions with an explicit ``meta``
(ROUTINE_LAB_DATA.md section 4: shuffle once, then ``map_partitions`` with meta).

The SQL path of ``pair_export`` (``by="specimen"``) is in ``_engines_sql`` and
``_engines_sql_draws``; the partitioned path's per-partition step in ``_engines_parts``.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["pair_export"]


def _files(source) -> list[Path]:
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".parquet", ".pq"))
        if not files:
            raise ValueError(f"{path}: a folder without Parquet files (*.parquet)")
        return files
    if path.suffix.lower() not in (".parquet", ".pq"):
        raise ValueError(f"{path}: pair_export reads Parquet (a file or a folder of files); "
                         f"convert the export first, or use read_lab_results for CSV/Excel")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    return [path]


def _sql_string(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def pair_export(source, output=None, *, columns=None, test_map=None, by: str = "specimen",
                window="1D", repeats: str = "first", analytes=None,
                derive: bool = False, report=None, rows_per_partition: int = 1_000_000,
                memory_limit: str = "2GB", threads: int = 2, temp_directory=None,
                **read_options):
    """Read and pair a Parquet export larger than memory, with bounded memory.

    Two paths give the draws of ``pair_results(read_lab_results(source))``, chosen here:

    - ``by="specimen"`` (SQL path, ``labstats._engines_sql``): ``read_lab_results``
      reads the *dictionary* of the export's distinct cells (test code, value, unit,
      flag, status: a few thousand tuples for millions of rows) and of its distinct time
      texts; DuckDB joins them back and groups the rows into draws. Draws with one result
      per analyte are built in SQL; draws with repeats, duplicates or a time shared with
      another draw of the patient go through ``pair_results``, in buckets of patients.
      Timezone-aware times, times of another type than text or timestamp, or an export
      with two different cells of one hash take the partitioned path.
    - ``by="window"`` (partitioned path): draws chain from the first result of each
      window, which SQL grouping does not give; DuckDB writes the export partitioned by
      patient and each partition goes through ``read_lab_results`` and ``pair_results``.

    Parameters
    ----------
    source : str or os.PathLike
        A Parquet file or a folder of Parquet files (the parts of one export, in name
        order, as ``read_lab_results`` reads them).
    output : str or os.PathLike, optional
        A ``.parquet`` file to write the draws to, batch by batch (in no global order:
        sort by ``patient_id`` and ``collected_at`` to compare). Default: return them as
        a DataFrame, sorted as ``pair_results`` sorts them.
    columns, test_map, **read_options
        As ``read_lab_results`` (``units``, ``censored``, ``decimal``, ``thousands``,
        ``time_format``, ``insulin_factor``).
    by, window, repeats, analytes
        As ``pair_results``. Default analytes: those of the used results (SQL path, as
        ``pair_results``); all the test map finds in the export (partitioned path).
    derive : bool, default False
        Add every derived value (``labstats.derive``) to the draws of each partition.
    report : str or os.PathLike, optional
        A ``.parquet`` file for the per-row report of ``read_lab_results`` (reported and
        excluded rows with their reason, by global ``source_row``; the value as text).
        Rows of unknown test codes are counted per code in ``unknown_tests`` instead.
    rows_per_partition : int, default 1,000,000
        Rows of used tests per partition, hence the memory of the pandas step (about
        0.5 KB a row, times ``threads`` partitions at once). SQL path: rows per bucket of
        draws paired by ``pair_results``; draws are streamed in batches of a quarter of it.
    memory_limit, threads, temp_directory
        DuckDB's settings: its memory limit (it spills beyond), threads and spill folder.
        ``threads`` is also the number of partitions read and paired at once (threads of
        this process: numpy, Arrow and DuckDB release the GIL).

    Returns
    -------
    pandas.DataFrame or dict
        The draws (``output=None``), else the counts. ``attrs["counts"]`` (or the dict):
        ``read`` (as ``read_lab_results``: rows, used, reported, excluded, duplicates),
        ``pair`` (as ``pair_results``), ``partitions`` (buckets paired by pandas),
        ``unknown_tests`` (code -> rows), ``path`` ("sql" or "partitioned"). The per-row
        report of unknown test codes is this count per code. Patients whose results are
        in several files of a folder are warned of (SQL path), as ``read_lab_results``
        does. On the partitioned path, the column-level unit check is judged on the whole
        export (its counted cells) and warned once, and times of several time zones are
        refused, as ``read_lab_results`` does.

    Examples
    --------
    >>> import labstats
    >>> export = labstats.make_lab_results(30, seed=2, shape="mimic")
    >>> test_map = export.attrs["test_map"]
    >>> export.attrs = {}
    >>> path = getfixture("tmp_path") / "labevents.parquet"
    >>> export.to_parquet(path, index=False)
    >>> draws = pair_export(path, test_map=test_map, rows_per_partition=100)
    >>> same = labstats.pair_results(labstats.read_lab_results(path, test_map=test_map))
    >>> draws.equals(same)
    True
    """
    import duckdb
    import pandas as pd
    import pyarrow.parquet as pq

    from labstats._engines_parts import _first_row, _pair_parts, _pandas_metadata
    from labstats._warn import plausibility_mode
    from labstats.datasets import _loinc, _routine_io
    from labstats.datasets._routine_pair import pair_results
    from labstats.datasets._routine_screen import warn_column_units
    from labstats.datasets.routine import _analytes, _test_map, read_lab_results

    files = _files(source)
    schema = pq.read_schema(files[0])
    role = _routine_io.map_columns(pd.DataFrame(columns=schema.names), columns)
    tmap = _test_map(test_map)
    sizes = [pq.ParquetFile(f).metadata.num_rows for f in files]
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    tmp = Path(tempfile.mkdtemp(prefix="labstats-", dir=temp_directory))
    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit = {_sql_string(memory_limit)}")
        con.execute(f"SET threads = {int(threads)}")
        con.execute(f"SET temp_directory = {_sql_string(tmp / 'spill')}")
        con.execute("SET preserve_insertion_order = false")
        listed = "[" + ", ".join(_sql_string(f) for f in files) + "]"
        con.execute("CREATE TEMP TABLE offsets (filename VARCHAR, start BIGINT, k BIGINT)")
        con.executemany("INSERT INTO offsets VALUES (?, ?, ?)",
                        [(str(f), int(o), k) for k, (f, o) in enumerate(zip(files, offsets,
                                                                           strict=True))])
        test = f'"{role["test"]}"'
        export = (f"read_parquet({listed}, filename = true, file_row_number = true, "
                  f"union_by_name = false)")
        if by == "specimen":
            from labstats import _engines_sql

            folder = Path(source) if Path(source).is_dir() else None
            try:
                return _engines_sql.pair_export_sql(
                    con, source, export, folder and [str(f.relative_to(folder)) for f in files],
                    schema, role, test_map=test_map, repeats=repeats, window=window,
                    analytes=analytes, derive=derive, output=output, report=report,
                    rows_per_partition=rows_per_partition, read_options=read_options)
            except _engines_sql.Unsupported:
                pass  # the partitioned pandas path below
        codes = con.execute(f"SELECT CAST({test} AS VARCHAR) AS code, count(*) AS n FROM "
                            f"{export} GROUP BY 1").df()
        norm = codes["code"].astype("string").str.strip()
        norm = norm.mask(norm == "").str.removesuffix(".0")
        analyte, _, _ = _analytes(norm.to_numpy(dtype=object, na_value=None), tmap)
        keep = norm.isna().to_numpy(dtype=bool) | (analyte != None)  # noqa: E711
        unknown = codes[~keep]
        con.execute("CREATE TEMP TABLE keep (code VARCHAR)")
        kept_codes = [(c,) for c in codes.loc[keep, "code"] if c is not None]
        if kept_codes:  # (executemany refuses an empty list)
            con.executemany("INSERT INTO keep VALUES (?)", kept_codes)
        kept = int(codes.loc[keep, "n"].sum())
        parts = max(1, math.ceil(kept / max(1, int(rows_per_partition))))
        used = [c for c in schema.names if c in role.values()]  # the columns read, only
        names = ", ".join(f'e."{c}"' for c in used)
        con.execute(
            f"COPY (SELECT {names}, o.start + e.file_row_number AS __source_row, "
            f"hash(e.\"{role['patient_id']}\") % {parts} AS __part FROM {export} e "
            f"JOIN offsets o ON e.filename = o.filename "
            f"WHERE CAST(e.{test} AS VARCHAR) IN (SELECT code FROM keep) OR e.{test} IS NULL) "
            f"TO {_sql_string(tmp / 'parts')} (FORMAT parquet, PARTITION_BY (__part), "
            f"COMPRESSION uncompressed)")  # temporary files: written once, read once
        if analytes is None:  # one set of columns for every partition
            found = set(analyte[keep]) - {None}
            analytes = [a for a in _loinc.ANALYTE_NAMES if a in found]
        cells = _export_cells(con, tmp / "parts", role, schema)
        evidence = _export_evidence(cells, role, test_map, read_options)
        if len(cells) and plausibility_mode() != "ignore":  # once, on the whole export
            warn_column_units(cells, columns=_roles(role), test_map=test_map,
                              evidence=evidence, **{k: v for k, v in read_options.items()
                                                    if k in _UNIT_KW})
        read_options = {**read_options, "time_format": _export_time_format(
            files, schema, role, read_options.get("time_format"))}
        _export_time_zones(files, schema, role, read_options["time_format"])
        steps = {"read": lambda raw: read_lab_results(raw, columns=_roles(role),
                                                      test_map=test_map, **read_options,
                                                      _decimal_evidence=evidence,
                                                      _column_check=False),
                 "pair": lambda res: pair_results(res, by=by, window=window, repeats=repeats,
                                                  analytes=analytes),
                 "derive": derive, "first": lambda: _first_row(files[0], used), "schema": schema}
        result = _pair_parts(tmp / "parts", output, report, steps, unknown, sum(sizes),
                             _pandas_metadata(schema.metadata, used), workers=threads)
        (result if isinstance(result, dict) else result.attrs["counts"])["path"] = "partitioned"
        return result
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)


from labstats._engines_parts import (  # noqa: E402 (the partitioned path's helpers)
    _export_cells,
    _export_evidence,
    _export_time_format,
    _export_time_zones,
)


def _roles(role):
    return {header: name for name, header in role.items()}


# --- Dask: the same functions on a partitioned (possibly distributed) frame -------------------

#: Rows per partition when the Dask reader shuffles an export by patient: bounds a task's
#: memory (about 0.5 KB a row through read_lab_results) and gives each worker several tasks.
DASK_ROWS_PER_PARTITION = 500_000


def is_dask(obj) -> bool:
    """A Dask DataFrame (recognised without importing dask)."""
    return type(obj).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(
        obj, "map_partitions")


def _enforce(frame, meta):
    """``frame`` with the columns and dtypes of ``meta`` (the same frame on every worker)."""
    return frame[list(meta.columns)].astype(meta.dtypes.to_dict())


def _pandas_strings(frame):
    """Dask's own string columns (``string[pyarrow]``, missing = ``pd.NA``) in pandas' default
    string dtype, as pandas reads the same export: the pandas reader then gives the same
    dtypes on a worker as on one machine."""
    import pandas as pd

    default = pd.Series(["a"]).dtype
    strings = {c: default for c, t in frame.dtypes.items()
               if isinstance(t, pd.StringDtype) and t != default}
    return frame.astype(strings) if strings else frame


def _number(frame, start):
    return frame.assign(__source_row=np.arange(start, start + len(frame), dtype=np.int64))


def _read_part(raw, kw, meta=None):
    """read_lab_results on one partition (whole patients), with global rows and reasons."""
    from labstats.datasets.routine import read_lab_results

    raw = _pandas_strings(raw.sort_values("__source_row", kind="stable"))
    rows = raw.pop("__source_row").to_numpy()
    res = read_lab_results(raw.reset_index(drop=True), **kw)
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


def _column_stats(part, evidence=None, time=None):
    """(evidence of the decimal mark or None, (format, text) of the first filled time of
    column ``time`` or None) of a partition; ``evidence``: ``decimal_evidence``'s
    keywords. Whole-column decisions of ``read_lab_results``: evidence combines by ``or``,
    the first time is the first partition's that has one (any partitioning will do)."""
    import pandas as pd

    from labstats.datasets import _routine_io
    from labstats.datasets._routine_screen import decimal_evidence

    marks = None if evidence is None else decimal_evidence(_pandas_strings(part), **evidence)
    first = None
    if time is not None:  # the first rows first (a whole column's text only when empty)
        for cells in (part[time].head(1000), part[time]):
            if isinstance(cells.dtype, pd.DatetimeTZDtype) or cells.dtype.kind == "M":
                break
            text = cells.astype("string").str.strip()
            filled = text[(text.notna() & (text != "")).to_numpy(dtype=bool)]
            if len(filled):
                first = (_routine_io.time_format_of(filled.iloc[0]), filled.iloc[0])
                break
    return marks, first


#: read_lab_results' keywords that decide a result's analyte, unit and value.
_UNIT_KW = ("columns", "test_map", "units", "censored", "decimal", "thousands",
            "insulin_factor")


def _unit_cells(part, role):
    """``unit_cells`` of a Dask partition, its strings in pandas' dtype."""
    from labstats.datasets._routine_screen import unit_cells

    return unit_cells(_pandas_strings(part), role)


def _needs_evidence(kw) -> bool:
    """Whether ``decimal="auto"`` decides the mark from the cells (thousands= not "."/",")."""
    return kw.get("decimal", "auto") == "auto" and kw.get("thousands") not in (".", ",")


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
#: partitions hold whole patients (pair_results need not shuffle again), the analytes of the
#: export's test codes, and a read sample (pair_results' meta without computing a partition).
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
    per partition), the columns that decide the decimal mark and the time format, and a
    sample of the first rows. Rows are numbered as in the whole
    export (``source_row``); the partitions are shuffled by patient, into about
    ``DASK_ROWS_PER_PARTITION`` rows each, unless their patient id ranges are already
    disjoint (an export written patient by patient); each is read by the pandas reader.
    The result has a ``reason`` column (the per-row report); ``labstats.counts`` gives
    its counts. As in pandas, not per partition: the time format is that of the export's
    first filled time, and with ``decimal="auto"`` the decimal mark is that of the whole
    value column (both found in the same pass); the column-level unit check is judged on
    all partitions' counted cells and warned here, once; mixed time zones are refused.
    """
    import dask
    import dask.dataframe as dd
    import pandas as pd

    from labstats._warn import plausibility_mode
    from labstats.datasets import _loinc, _routine_io
    from labstats.datasets._routine_screen import UNIT_ROLES, warn_column_units
    from labstats.datasets.routine import _analytes, _code_text, _test_map

    role = _routine_io.map_columns(ddf._meta, kw.get("columns"))
    kw = {**kw, "columns": {h: r for r, h in role.items()}}
    ddf = ddf[[c for c in ddf.columns if c in role.values()]]  # shuffle only the columns read
    pid, test = role["patient_id"], role["test"]
    # The partitions as they are read: dask-expr may fuse small Parquet reads (by the
    # columns read), so the stats, row numbers and reads all use these same pieces.
    pieces = ddf.to_delayed()
    parts = [dask.delayed(_stats)(p, pid, test) for p in pieces]
    # whole-column decisions (the decimal mark, the time format), in the same compute
    evidence, read = None, []
    if _needs_evidence(kw):  # the decimal mark of the whole column, not of each partition
        read = [role[r] for r in ("patient_id", "test", "value", "valuenum", "status")
                if r in role]
        evidence = {"columns": {h: r for r, h in role.items() if h in read},
                    "test_map": kw.get("test_map"), "thousands": kw.get("thousands")}
    time = role.get("collected_at") if kw.get("time_format") is None else None
    read += [time] if time is not None else []
    columns = [dask.delayed(_column_stats)(p[read], evidence, time) for p in
               (pieces if read else ())]
    first = dask.delayed(lambda p: p.head(1000))(pieces[0])
    cells = []  # the counted cells of the column-level unit check (judged on the client)
    if plausibility_mode() != "ignore":
        units = [role[r] for r in ("patient_id", *UNIT_ROLES) if r in role]
        cells = [dask.delayed(_unit_cells)(p[units], role) for p in pieces]
    stats, columns, sample, cells = dask.compute(parts, columns, first, cells)
    if evidence is not None:
        from labstats.datasets._routine_screen import combine_evidence

        kw["_decimal_evidence"] = combine_evidence(c[0] for c in columns)
    if cells:  # warned here, once, at the caller's line; not per partition on the workers
        warn_column_units(pd.concat(cells, ignore_index=True), evidence=kw.get(
            "_decimal_evidence"), **{k: v for k, v in kw.items() if k in _UNIT_KW})
    kw["_column_check"] = False
    sample = _pandas_strings(sample)
    first = next((c[1] for c in columns if c[1] is not None), None)
    if first is not None:  # the export's first filled time, in partition (= row) order
        kw["time_format"] = first[0]
    header = role.get("collected_at")
    if header is not None and _routine_io.zoned(kw.get("time_format")):  # one time zone
        _routine_io.check_zones(dask.compute([dask.delayed(_routine_io.zone_text)(  # for all
            p[header], kw["time_format"]) for p in pieces])[0], kw["time_format"])
    lengths = np.array([s[0] for s in stats], dtype=np.int64)
    codes = pd.concat([pd.Series(s[2], dtype=object) for s in stats], ignore_index=True)
    codes = _code_text(codes.drop_duplicates()).dropna().drop_duplicates()
    found = set(_analytes(codes.to_numpy(dtype=object), _test_map(kw.get("test_map")))[0])
    offsets = np.r_[0, np.cumsum(lengths)[:-1]].astype(np.int64)
    numbered = dd.from_delayed(
        [dask.delayed(_number)(p, int(o)) for p, o in zip(pieces, offsets, strict=True)],
        meta=ddf._meta.assign(__source_row=np.int64(0)).iloc[:0], verify_meta=False)
    if not _disjoint([s[1] for s in stats]):
        n = max(len(pieces), math.ceil(int(lengths.sum()) / DASK_ROWS_PER_PARTITION))
        numbered = numbered.shuffle(on=pid, npartitions=n)
    read = _read_part(sample.assign(__source_row=np.arange(len(sample), dtype=np.int64)), kw)
    if first is not None and read["collected_at"].isna().all():  # the times' dtype: not
        times = _routine_io.parse_times(pd.Series([first[1]], dtype="string"), first[0])[0]
        read = read.astype({"collected_at": times.dtype})  # that of a sample without any
    meta = read.iloc[:0]
    results = numbered.map_partitions(_read_part, kw, meta, meta=meta)
    _remember(results, sample=read, analytes=[a for a in _loinc.ANALYTE_NAMES if a in found])
    return results


def _pair_part(results, kw, meta=None):
    from labstats.datasets._routine_pair import pair_results

    paired = pair_results(results, **kw)
    paired.attrs = {}
    return paired if meta is None else _enforce(paired, meta)


def dask_pair_results(ddf, **kw):
    """``pair_results`` on a Dask DataFrame of results: draws of whole patients per
    partition, one column set for all (``analytes``).

    A result of the Dask ``read_lab_results`` is paired as it is (its partitions hold whole
    patients), its default analytes those of the export's test codes (as ``pair_export``);
    any other frame is shuffled by ``patient_id`` and its used analytes found in one pass.
    """
    import dask

    from labstats.datasets import _loinc

    info = _LAZY.get(ddf._name)
    if info is not None:
        shuffled, sample = ddf, info["sample"]
        if kw.get("analytes") is None:
            kw = {**kw, "analytes": info["analytes"]}
    else:
        shuffled = ddf.shuffle(on="patient_id", npartitions=ddf.npartitions)
        if kw.get("analytes") is None:  # found in the same pass as the sample (one, not two)
            used = ddf["analyte"][ddf["status"] == "used"] if "status" in ddf.columns else \
                ddf["analyte"]
            found, sample = dask.compute(used.dropna().unique(), ddf.get_partition(0))
            kw = {**kw, "analytes": [a for a in _loinc.ANALYTE_NAMES if a in set(found)]}
        else:
            sample = ddf.get_partition(0).compute()
    meta = _pair_part(sample, kw).iloc[:0]
    return shuffled.map_partitions(_pair_part, kw, meta, meta=meta)


def dask_derive(ddf, names=None, **kw):
    """``derive`` on a Dask DataFrame, partition by partition (rows are independent)."""
    from labstats.datasets.derive import derive

    meta = derive(ddf._meta, names, **kw)  # an empty frame: no fake values to check
    return ddf.map_partitions(derive, names, **kw, meta=meta)
