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
passing a Dask DataFrame to ``read_lab_results``, ``pair_results`` or ``derive``): in
``_engines_dask``, re-exported here.

The SQL path of ``pair_export`` (``by="specimen"``) is in ``_engines_sql`` and
``_engines_sql_draws``; the partitioned path's per-partition step in ``_engines_parts``.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["pair_export"]


def _files(source) -> list[Path]:
    path = Path(source)
    if path.is_dir():
        from labstats.datasets._routine_files import folder_parts

        return folder_parts(path, "give a folder of Parquet files, or one Parquet file")
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
                overwrite: bool = False, **read_options):
    """Read and pair a Parquet export larger than memory, with bounded memory.

    Two paths give the draws of ``pair_results(read_lab_results(source))``, chosen here:

    - ``by="specimen"`` (SQL path, ``labstats._engines_sql``): ``read_lab_results``
      reads the *dictionary* of the export's distinct cells (test code, value, unit,
      flag, status: a few thousand tuples for millions of rows) and of its distinct time
      texts; DuckDB joins them back and groups the rows into draws. Draws with one result
      per analyte are built in SQL; draws with repeats, duplicates or a time shared with
      another draw of the patient go through ``pair_results``, in buckets of patients.
      Texts with offsets read without ``time_zone=``, times of another type than text or
      timestamp (timestamps typed with a zone are read as instants, in their zone or
      ``time_zone=``'s), results whose status replaces another's (C, F, P), or an export
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
        a DataFrame, sorted as ``pair_results`` sorts them. Never an input file nor a
        file inside the input folder; an existing file only with ``overwrite=True``.
        Written to a temporary file beside it, renamed into place when complete: an
        error or an interruption leaves the old file intact and no half file.
    columns, test_map, **read_options
        As ``read_lab_results`` (``units``, ``censored``, ``decimal``, ``thousands``,
        ``time_format``, ``time_zone``, ``insulin_factor``): with ``time_zone``, times of
        several UTC offsets (or parts of several zones) are read as instants in that zone,
        and a time without a zone is refused before any partition is read.
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
    overwrite : bool, default False
        Replace an existing ``output`` or ``report`` file (else an error, before any work).

    Returns
    -------
    pandas.DataFrame or dict
        The draws (``output=None``), else the counts. ``attrs["counts"]`` (or the dict):
        ``read`` (as ``read_lab_results``: rows, used, reported, excluded, duplicates),
        ``pair`` (as ``pair_results``), ``partitions`` (buckets paired by pandas),
        ``unknown_tests`` (code -> rows), ``path`` ("sql" or "partitioned"). The per-row
        report of unknown test codes is this count per code. Patients whose results are
        in several files of a folder are warned of (both paths), in the words and counts
        of ``read_lab_results`` (which lists them in ``attrs["split_patients"]``). On the
        partitioned path, the column-level unit check is judged on the whole export (its
        counted cells) and warned once, and times of several time zones are refused
        without ``time_zone=`` (with it, a time without a zone), as ``read_lab_results``
        does. On both paths, unknown test codes beside a
        column of test names labstats knows ("Test Name") are warned of once, as
        ``read_lab_results`` words and counts it (``labstats._engines_hint``: one more
        scan, of the rows of unknown codes, only when there are some and such a column).

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
    from contextlib import ExitStack

    from labstats._outputs import atomic, check_output, same_file
    from labstats._validate import as_count
    from labstats.datasets._routine_files import check_parts

    rows_per_partition = as_count(rows_per_partition, "rows_per_partition")
    threads = as_count(threads, "threads")
    from labstats.datasets._routine_io import as_zone

    files = _files(source)
    if "time_zone" in read_options:
        read_options["time_zone"] = as_zone(read_options["time_zone"])
    # (a file that cannot be read; parts that disagree)
    footers = check_parts(files, read_options.get("time_zone"))
    schema = footers[0].schema.to_arrow_schema()
    targets = {"output": output, "report": report}
    inputs = [source] + ([test_map] if isinstance(test_map, (str, os.PathLike)) else [])
    for name, path in targets.items():  # before any work
        if path is not None and Path(path).suffix.lower() not in (".parquet", ".pq"):
            raise ValueError(f"{name}={str(path)!r}: pair_export writes Parquet; give a file "
                             f"name ending in .parquet (pandas.read_parquet reads it, and "
                             f"writes it to CSV or Excel)")
        if path is not None:
            targets[name] = check_output(inputs, path, overwrite=overwrite,
                                         replace="pass overwrite=True", who="pair_export")
    if None not in targets.values() and same_file(targets["output"], targets["report"]):
        raise ValueError(f"report and output name the same file {output}; give two names")
    with ExitStack() as stack:  # each written beside it, renamed once complete
        temps = {k: v if v is None else stack.enter_context(atomic(v))
                 for k, v in targets.items()}
        try:
            result = _pair_export(source, files, schema, [m.num_rows for m in footers],
                                  temps["output"], columns=columns,
                                  test_map=test_map, by=by, window=window, repeats=repeats,
                                  analytes=analytes, derive=derive, report=temps["report"],
                                  rows_per_partition=rows_per_partition,
                                  memory_limit=memory_limit, threads=threads,
                                  temp_directory=temp_directory, **read_options)
        except Exception as exc:  # DuckDB's error of a damaged part names no file
            if type(exc).__module__.split(".")[0] not in ("duckdb", "_duckdb"):
                raise
            _damaged(files, exc)
            raise
        for kind in ("output", "report"):
            if temps[kind] is not None and not temps[kind].stat().st_size:
                _empty_parquet(temps[kind], kind)  # nothing written: a file of no rows
    return result


def _damaged(files, exc) -> None:
    """After DuckDB's error ``exc`` while reading ``files``: the first file whose pages
    cannot be read (its footer could: ``check_parts``), as an error naming it, if any."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for f in files:
        try:
            for _ in pq.ParquetFile(f).iter_batches():  # (a batch at a time: bounded memory)
                pass
        except (OSError, pa.ArrowException) as bad:
            raise ValueError(f"{f}: cannot be read as a table ({type(bad).__name__}: {bad}); "
                             f"is the file complete? Write or download it again") from exc


def _empty_parquet(path, kind):
    """A Parquet file of no rows: the per-row report's columns ("report"), or none."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {} if kind == "output" else {
        "source_row": pa.int64(), **dict.fromkeys(("status", "reason", "column", "value"),
                                                   pa.string())}
    pq.write_table(pa.table({c: pa.array([], t) for c, t in columns.items()}), path)


def _pair_export(source, files, schema, sizes, output, *, columns, test_map, by, window, repeats,
                 analytes, derive, report, rows_per_partition, memory_limit, threads,
                 temp_directory, **read_options):
    """``pair_export`` once its outputs are checked: ``output`` and ``report`` are the
    temporary files (created, empty) they are written to."""
    import duckdb

    from labstats.datasets import _routine_io

    role = _routine_io.map_columns(schema.names, columns)
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    tmp = Path(tempfile.mkdtemp(prefix="labstats-", dir=temp_directory))
    con, early = duckdb.connect(), None
    try:
        try:
            con.execute(f"SET memory_limit = {_sql_string(memory_limit)}")
        except duckdb.Error as exc:
            raise ValueError(f"memory_limit={memory_limit!r} is not valid: give DuckDB's memory "
                             f"limit as a size such as '2GB' or '500MB' ({exc})") from None
        con.execute(f"SET threads = {int(threads)}")
        con.execute(f"SET temp_directory = {_sql_string(tmp / 'spill')}")
        con.execute("SET preserve_insertion_order = false")
        # no progress bar printed into the caller's output (a notebook, a piped summary)
        con.execute("SET enable_progress_bar = false")
        listed = "[" + ", ".join(_sql_string(f) for f in files) + "]"
        con.execute("CREATE TEMP TABLE offsets (filename VARCHAR, start BIGINT, k BIGINT)")
        con.executemany("INSERT INTO offsets VALUES (?, ?, ?)",
                        [(str(f), int(o), k) for k, (f, o) in enumerate(zip(files, offsets,
                                                                           strict=True))])
        # hive_partitioning off: DuckDB would read a folder named "itemid=5" above a part
        # as the value of that column, in place of the file's, where pandas reads the file
        export = (f"read_parquet({listed}, filename = true, file_row_number = true, "
                  f"union_by_name = false, hive_partitioning = false)")
        if by == "specimen":  # its first scans run while pandas is imported
            from labstats import _engines_sql

            try:
                early = _engines_sql.Early(con, export, schema, role,
                                           read_options.get("time_zone"))
            except _engines_sql.Unsupported:
                pass  # the partitioned pandas path below

        from labstats._engines_parts import _first_row, _pair_parts, _pandas_metadata
        from labstats._warn import collected_warnings
        from labstats.datasets import _loinc
        from labstats.datasets._routine_pair import pair_results
        from labstats.datasets._routine_screen import warn_column_units
        from labstats.datasets.routine import _analytes, _test_map, read_lab_results

        tmap = _test_map(test_map)
        test = f'"{role["test"]}"'
        _export_ids(con, export, role, schema)  # one id written two ways, across parts
        if early is not None:
            folder = Path(source) if Path(source).is_dir() else None
            try:
                return _engines_sql.pair_export_sql(
                    con, source, export, folder and [str(f.relative_to(folder)) for f in files],
                    schema, role, early, test_map=test_map, repeats=repeats, window=window,
                    analytes=analytes, derive=derive, output=output, report=report,
                    rows_per_partition=rows_per_partition, read_options=read_options)
            except _engines_sql.Unsupported:
                pass  # the partitioned pandas path below
            finally:
                early.close()
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
        if len(unknown):  # test names beside unknown codes: read_lab_results' hint
            from labstats._engines_hint import warn_sql

            warn_sql(con, export, schema, role, test_map, f"e.{test} IS NOT NULL AND "
                     f"CAST(e.{test} AS VARCHAR) NOT IN (SELECT code FROM keep)")
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
        if len(cells):  # once, on the whole export (in "ignore" mode: insulin's factor only)
            warn_column_units(cells, columns=_roles(role), test_map=test_map,
                              evidence=evidence, **{k: v for k, v in read_options.items()
                                                    if k in _UNIT_KW})
        time_format, note = _export_time_format(files, schema, role,
                                                read_options.get("time_format"))
        if note:
            from labstats._validate import warn

            warn(note)
        read_options = {**read_options, "time_format": time_format}
        _export_time_zones(files, schema, role, read_options["time_format"],
                           read_options.get("time_zone"))
        def read(raw, rows=None):  # its warnings: the whole export's, given above
            with collected_warnings():
                return read_lab_results(raw, columns=_roles(role), test_map=test_map,
                                        **read_options, _decimal_evidence=evidence,
                                        _column_check=False, _rows=rows)

        steps = {"read": read,
                 "pair": lambda res: pair_results(res, by=by, window=window, repeats=repeats,
                                                  analytes=analytes),
                 "derive": derive, "first": lambda: _first_row(files[0], used), "schema": schema,
                 "time_format": read_options["time_format"],
                 # (a folder: each file's name and first row, for the split-patient warning)
                 "files": Path(source).is_dir() and (
                     [str(f.relative_to(source)) for f in files], offsets)}
        result = _pair_parts(tmp / "parts", output, report, steps, unknown, sum(sizes),
                             _pandas_metadata(schema.metadata, used), workers=threads)
        (result if isinstance(result, dict) else result.attrs["counts"])["path"] = "partitioned"
        return result
    finally:
        if early is not None:  # (an error before the SQL path used them)
            early.close()
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)


from labstats._engines_parts import (  # noqa: E402 (the partitioned path's helpers)
    _export_cells,
    _export_evidence,
    _export_ids,
    _export_time_format,
    _export_time_zones,
)


def _roles(role):
    return {header: name for name, header in role.items()}


#: read_lab_results' keywords that decide a result's analyte, unit and value.
_UNIT_KW = ("columns", "test_map", "units", "censored", "decimal", "thousands",
            "insulin_factor")


def _needs_evidence(kw) -> bool:
    """Whether ``decimal="auto"`` decides the mark from the cells (thousands= not "."/",")."""
    return kw.get("decimal", "auto") == "auto" and kw.get("thousands") not in (".", ",")


# Dask: the same functions on a partitioned (possibly distributed) frame (_engines_dask)
from labstats._engines_dask import (  # noqa: E402, F401
    _LAZY,
    DASK_ROWS_PER_PARTITION,
    _disjoint,
    dask_derive,
    dask_pair_results,
    dask_read_lab_results,
    is_dask,
)
