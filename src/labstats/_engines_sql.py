"""DuckDB SQL path of ``pair_export`` (``by="specimen"``): one parser, one unit layer, on a dictionary.

Routine exports repeat the same cells millions of times ("4.2", "ng/dL", a test code), so
the reading is done on their *dictionary*, not on their rows:

1. DuckDB finds the distinct tuples of each row's reading inputs (test code, value,
   valuenum, unit, flag, result status, and the patient id when it is missing): a few
   thousand for millions of rows. ``read_lab_results`` itself reads them (the cell
   parser, the unit layer, the test map and the LOINC checks: nothing of them is written
   again here), so each tuple gets its status (used, reported, excluded with its reason),
   analyte, canonical value and censoring, and its per-row report entry. Collection
   times written as text are parsed the same way, as the dictionary of their distinct
   texts (``_routine_io.parse_times`` in the format of the export's first time; with
   ``time_zone=``, instants in that zone), in a
   thread while the cells are read, a chunk at a time into a DuckDB table (about one
   text per draw: not held in Python). Rows are joined back to their tuple and time by a
   hash of the values; two different tuples (or texts) with one hash send the export to
   the partitioned pandas path (they are checked, not assumed away). Times typed as
   timestamps are DuckDB's own (typed with a zone: instants, given back in the export's
   zone and unit, or ``time_zone=``'s zone, by ``Export.time_mode``).
   These two scans (the cells' and the time texts' dictionaries) start in threads as
   soon as the export's columns are known (``Early``), while pandas is imported.
2. The used rows are kept in a DuckDB table (spilled to disk beyond ``memory_limit``)
   and grouped by patient and specimen into draws (a chunk of whole files at a time when
   the files hold disjoint patients), with each analyte's row and dictionary entry packed
   in half of a 128-bit column. A draw is *simple* when it has at most one result per
   analyte, one known time and a specimen id: then it has no duplicate and no repeat
   (draws of two specimens share no result: by specimen, a copy is its own specimen's),
   every ``repeats=`` rule gives its one result, and it is built from the SQL columns.
   A draw that is not simple only because an analyte has several rows (one time, one
   file) is built the same way when every used analyte is
   paired: rows equal in analyte, value and censoring are read duplicates but the first,
   and an analyte left with several results is resolved by ``repeats="first"`` or
   ``"last"`` (row order, at one time), with pandas' counts of repeats and conflicts:
   DuckDB finds their rows, numpy sorts and reduces them (``_engines_sql_copies``).
3. The other draws (reruns, corrections, several times or none) are read back, bucket
   by bucket of ``rows_per_partition`` rows of whole
   patients, and go through ``routine._mark_duplicates`` and ``pair_results``: the pandas
   code of the in-memory path. Their tables (and the draws of copies) are made by DuckDB
   on a cursor of its own, in a thread, while the simple draws are built.
4. The simple draws are streamed out of DuckDB in Arrow batches and built as Arrow tables
   with the columns, types and pandas metadata of ``wide_frame`` (the frame of
   ``pair_results``), read from that frame of the first draw and checked equal on it;
   ``derive`` runs on a frame of its input columns only; each table is written as it is.

Counts come from the dictionaries and the groups; the per-row report is the dictionary's
report joined back to the rows; the warning for patients whose results are in several
files of a folder (as ``read_lab_results`` gives it) is computed from the draws' files
(not needed when the files hold disjoint ranges of patient ids).
The column-level unit check (a whole column that looks as if it were in another unit)
reads the distribution of rows, not of tuples: it is judged once on the tuples, each
weighing its number of rows (``_routine_screen.judge_units``), as on the whole export.
"""

from __future__ import annotations

import numpy as np

from labstats._validate import warn as _warn
from labstats.datasets import _loinc, _routine_screen
from labstats.datasets.derive import reading_attrs, reading_derive

#: Python's whitespace (``str.strip``) up to U+3000: the blanks of a missing patient id.
_BLANKS = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_MARKS = ("", "<", ">")
#: Reading inputs of a row, by role (those the export has), in hash order.
_READ_ROLES = ("test", "value", "valuenum", "unit", "flag", "status")


class Unsupported(Exception):
    """The export needs the partitioned pandas path (the message says why)."""


def _q(text) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _col(name, alias="e") -> str:
    return f'{alias}."' + str(name).replace('"', '""') + '"'


# the times written as text (they use the above)
from labstats._engines_sql_times import (  # noqa: E402
    UNREAD,
    _first_text,
    _time_kind,
    _time_texts,
    warn_unread,
)


def _distinct(con, export, exprs: dict):
    """Distinct values of ``exprs`` (name -> SQL on alias ``e``) with their rows ``n`` and
    ``h``, the hash each row is joined back by (the same ``hash(...)`` of the same values).
    Raises ``Unsupported`` when two different values share a hash."""
    names = ", ".join(f'"{n}"' for n in exprs)
    cols = ", ".join(f'{x} AS "{n}"' for n, x in exprs.items())
    table = con.sql(f"SELECT hash({names}) AS h, * FROM (SELECT {cols}, count(*) AS n FROM "
                    f"{export} e GROUP BY ALL)").to_arrow_table()
    h = np.sort(table["h"].to_numpy())
    if (h[1:] == h[:-1]).any():
        raise Unsupported("two different cells share a hash")
    return table


def _typed(table, names, schema, pandas_meta):
    """Columns ``names`` of an Arrow ``table`` as pandas, with the export's own types."""
    import pyarrow as pa

    from labstats._engines_parts import _pandas_metadata

    fields = pa.schema([schema.field(n) for n in names])
    out = pa.table([table[n] for n in names], names=list(names)).cast(fields)
    return out.replace_schema_metadata(_pandas_metadata(pandas_meta, names)).to_pandas()


def _missing_id(pid, kind) -> str:
    """SQL: the patient id is missing (as ``read_lab_results`` sees it)."""
    import pyarrow as pa

    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return f"({pid} IS NULL OR trim({pid}, {_q(_BLANKS)}) = '')"
    if pa.types.is_floating(kind):
        return f"({pid} IS NULL OR isnan({pid}))"
    return f"({pid} IS NULL)"


class Early:
    """The SQL path's first two scans, started in threads as soon as the export's columns
    are known: DuckDB releases the GIL, so they run while the caller imports pandas and
    checks its arguments. ``cells``: the dictionary of reading inputs (``_distinct``);
    ``texts``: table ``tt_text`` of the distinct time texts (times written as text only).
    ``close`` interrupts what still runs (an error before they were used) and waits."""

    def __init__(self, con, export, schema, role, time_zone=None):
        from concurrent.futures import ThreadPoolExecutor

        self.mode = _time_kind(schema, role, time_zone)  # Unsupported: before any scan
        self.time_zone = time_zone
        pid = _col(role["patient_id"])
        missing = _missing_id(pid, schema.field(role["patient_id"]).type)
        self.exprs = {role[r]: _col(role[r]) for r in _READ_ROLES if r in role}
        self.exprs.update({"__nopid": missing, "__pid": f"CASE WHEN {missing} THEN {pid} END"})
        self.cursors = [con.cursor(), con.cursor()]
        self.pool = ThreadPoolExecutor(2, thread_name_prefix="labstats-sql")
        self.cells = self.pool.submit(_distinct, self.cursors[0], export, self.exprs)
        self.texts = (self.pool.submit(_time_texts, self.cursors[1], export,
                                       role["collected_at"]) if self.mode == "text" else None)

    def close(self):
        if self.pool is None:
            return
        for cursor, job in zip(self.cursors, (self.cells, self.texts), strict=True):
            if job is not None and not job.done():
                cursor.interrupt()
        self.pool.shutdown(wait=True)
        for cursor in self.cursors:
            cursor.close()
        self.pool = None


class Export:
    """The export as DuckDB sees it, and what its dictionaries say."""

    def __init__(self, con, export, files, schema, role, early):
        self.con, self.export, self.files, self.schema, self.role = (con, export, files,
                                                                     schema, role)
        self.pandas_meta = schema.metadata
        self.early, self.exprs = early, early.exprs
        self.key = f"hash({', '.join(self.exprs.values())})"
        self.time_raw, self.time_note = None, None
        self.time_fmt, self.unread = None, 0  # (``time_table``: its format, unread texts)

    def read(self, test_map, read_options):
        """``read_lab_results`` on the dictionary of reading inputs: registers ``d``
        (hash, status, analyte, value, censoring) and returns its frame and result."""
        import pyarrow as pa

        from labstats.datasets.routine import STATUSES, read_lab_results

        table = self.early.cells.result()  # (``Early``)
        role, headers = self.role, [h for h in self.exprs if not h.startswith("__")]
        if "status" in role and _routine_screen.replacing(table[role["status"]].to_pylist()):
            raise Unsupported("results whose status replaces another's (C, F, P)")
        frame = _typed(table, headers, self.schema, self.pandas_meta)
        given = _typed(table.rename_columns([role["patient_id"] if c == "__pid" else c
                                             for c in table.column_names]),
                       [role["patient_id"]], self.schema, self.pandas_meta)
        nopid = np.asarray(table["__nopid"].to_numpy(zero_copy_only=False), dtype=bool)
        pid = np.arange(len(frame)).astype(object)  # one patient per tuple: no duplicates
        pid[nopid] = given[role["patient_id"]].to_numpy(dtype=object)[nopid]
        frame.insert(0, role["patient_id"], pid)
        roles = {h: r for r, h in role.items() if h in frame.columns}
        kw = {"columns": roles, "test_map": test_map, **read_options}
        from labstats._engines_sql_read import read_judging_units

        res, self.finish = read_judging_units(read_lab_results, frame, table["n"].to_numpy(),
                                              kw, role, self._first_rows)
        self.read_attrs = reading_attrs(res.attrs)  # (insulin's factor, for derive)
        status = res["status"].cat.codes.to_numpy()
        names = {a: k for k, a in enumerate(_loinc.ANALYTE_NAMES)}
        analyte = res["analyte"].map(names).to_numpy(dtype=float, na_value=np.nan)
        cens = res["censored"].map({m: k for k, m in enumerate(_MARKS)}).to_numpy(dtype=np.int8)
        self.con.register("d_entries", pa.table({  # value, censoring: by entry, in numpy
            "h": table["h"], "i": pa.array(np.arange(len(status), dtype=np.int32)),
            "s": pa.array(status.astype(np.int8)),
            "a": pa.array(analyte, mask=np.isnan(analyte)).cast(pa.int8())}))
        # tables (not a registered view, not TEMP): read by a cursor too (``used_rows``)
        self.con.execute("CREATE OR REPLACE TABLE d AS SELECT * FROM d_entries; CREATE OR "
                         "REPLACE TABLE file_offsets AS SELECT * FROM offsets")
        self.con.unregister("d_entries")
        n = table["n"].to_numpy()
        counts = np.bincount(status, weights=n, minlength=len(STATUSES)).astype(np.int64)
        unknown = (res["analyte"].isna() & res["test"].notna()).to_numpy(dtype=bool)
        tally = res.loc[unknown, ["test"]].assign(n=n[unknown]).groupby("test", sort=False)["n"]
        self.unknown = {str(k): int(v) for k, v in tally.sum().items()}
        self.counts = {"rows": int(n.sum()), "used": int(counts[0]),
                       "reported": int(counts[1]), "excluded": int(counts[2]),
                       "duplicates": 0}
        used = res.loc[status == 0, "analyte"].dropna().unique()
        self.used = [a for a in _loinc.ANALYTE_NAMES if a in set(used)]
        self.table, self.res, self.unknown_rows = table, res, unknown
        self.values, self.marks = res["value"].to_numpy(dtype=float), cens.astype(np.int64)
        self.analyte = analyte  # of each entry (NaN: none)
        return self

    def _first_rows(self):
        """The first row in the export of each dictionary entry (a scan: only for the
        warnings of implausible values)."""
        first = self.con.sql(
            f"SELECT {self.key} AS h, min(o.start + e.file_row_number) AS r FROM "
            f"{self.export} e JOIN offsets o ON o.k = e.file_index::BIGINT GROUP BY 1"
        ).to_arrow_table()
        at = dict(zip(first["h"].to_numpy(), first["r"].to_numpy(), strict=True))
        return np.array([at[h] for h in self.early.cells.result()["h"].to_numpy()],
                        dtype=np.int64)

    def time_mode(self):
        """How each row's time is read: ("native", its dtype), ("text", None: parsed by
        ``time_table``) or (None, dtype): no time column. Native times typed with a zone
        keep their unit and zone (``time_zone=``'s when given), as pandas reads them."""
        import pandas as pd

        mode = self.early.mode
        if mode is None:
            return None, pd.DataFrame({"x": [0], "t": pd.NaT})["t"].dtype
        header = self.role["collected_at"]
        self.time_raw = _col(header)
        if mode == "native":
            kind = self.schema.field(header).type
            if kind.tz is not None:
                return "native", pd.DatetimeTZDtype(kind.unit, self.early.time_zone or kind.tz)
            return "native", np.dtype(f"datetime64[{kind.unit}]")
        return "text", None

    def time_table(self, con, time_format, time_zone=None, chunk=1 << 18):
        """The dictionary of time texts (``tt_text``, made by ``Early``) parsed
        (``_routine_io.parse_times``, in the format of ``_export_time_format``; instants
        in ``time_zone`` when given, a text without a zone ``Unsupported``: the
        partitioned path refuses it, naming its row) into the
        DuckDB table ``tt``: ``h`` (hash of the text), ``t``, ``s`` (the text when not
        read); returns the pandas dtype of the times. The texts are parsed ``chunk`` at a
        time, streamed from and back to DuckDB (spilled beyond ``memory_limit``): memory
        bounded, whatever the number of distinct times (about one per draw). ``con``: a
        cursor of its own (run in a thread while the cells are read)."""
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        from labstats._engines_parts import _export_time_format
        from labstats.datasets import _routine_io

        fmt, self.time_note = _export_time_format(  # (its warning: for the caller's thread)
            self.files, self.schema, self.role, time_format)
        self.time_fmt = fmt
        head = pd.Series([_first_text(self.files, self.role["collected_at"])],
                         dtype="string")
        self.early.texts.result()
        out, dtype = con.cursor(), None  # the texts read by ``con``, written by ``out``
        reader = con.sql("SELECT h, s FROM tt_text").to_arrow_reader(chunk)
        for batch in reader:  # each with the first time ahead (a chunk of one empty text
            texts = batch["s"].to_pandas().astype("string")  # is read as the others)
            try:
                times, _, _ = _routine_io.parse_times(pd.concat([head, texts],
                                                                ignore_index=True), fmt,
                                                      time_zone)
            except _routine_io.NaiveTime:
                raise Unsupported("a time without a time zone, time_zone= given") from None
            times = times.iloc[1:]
            if isinstance(times.dtype, pd.DatetimeTZDtype) and time_zone is None:
                raise Unsupported("timezone-aware times")
            if dtype is not None and times.dtype != dtype:
                raise Unsupported(f"times read as {dtype} and {times.dtype}")
            t = pa.array(times)  # the text kept only when not read (the rest: its hash)
            part = pa.table({"h": batch["h"], "t": t,
                             "s": pc.if_else(pc.is_null(t), batch["s"], None)})
            out.register("tt_part", part)
            out.execute("INSERT INTO tt SELECT * FROM tt_part" if dtype is not None else
                        "CREATE OR REPLACE TABLE tt AS SELECT * FROM tt_part")
            out.unregister("tt_part")
            dtype = times.dtype
        con.execute("DROP TABLE tt_text")
        if dtype is None:  # no texts: an export without rows is not read here
            raise Unsupported("no times")
        self.unread = con.sql(f"SELECT count(*) FROM tt WHERE {UNREAD}").fetchall()[0][0]
        return dtype

    def warn_unread(self):
        """``_routine_io.warn_unread`` when some filled time texts were not read (after
        ``time_table``); in the caller's thread."""
        if self.unread:
            warn_unread(self.con, self.export, self.time_raw, self.time_fmt)

    def used_rows(self, mode):
        """SQL of the used rows: pid, spec, t, a, i (the dictionary entry), row, file; ``t``
        as ``times`` says: the time, or the hash of its text ("text")."""
        role = self.role
        sp = role.get("specimen_id")  # blank: missing (as pair_results refuses it)
        spec = (f"CASE WHEN {_missing_id(_col(sp), self.schema.field(sp).type)} THEN NULL "
                f"ELSE {_col(sp)} END") if sp is not None else "NULL"
        t = {None: "NULL::UBIGINT", "native": self.time_raw,
             "text": f"hash({self.time_raw})"}[mode]
        return (f"SELECT {_col(role['patient_id'])} AS pid, {spec} AS spec, {t} AS t, "
                f"d.a, d.i, o.start + e.file_row_number AS row, o.k::INTEGER AS file "
                f"FROM {self.export} e JOIN d ON d.h = {self.key} AND d.s = 0 "
                f"JOIN file_offsets o ON o.k = e.file_index::BIGINT")

    def report(self, path):
        """The per-row report (rows of unknown test codes are counted, not listed)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        rep = self.res.attrs["report"]
        rep = rep[~self.unknown_rows[rep["source_row"].to_numpy(dtype=np.int64)]]
        h = self.table["h"].to_numpy()[rep["source_row"].to_numpy(dtype=np.int64)]
        self.con.register("rep", pa.table({
            "h": h, "status": rep["status"].astype(str).to_numpy(),
            "reason": rep["reason"].astype(str).to_numpy(),
            "column": pa.array(rep["column"].astype("string"), type=pa.string()),
            "value": pa.array(rep["value"].astype("string"), type=pa.string())}))
        reader = self.con.sql(
            f"SELECT o.start + e.file_row_number AS source_row, r.status, r.reason, "
            f"r.\"column\", r.value FROM {self.export} e JOIN rep r ON r.h = {self.key} "
            f"JOIN offsets o ON o.k = e.file_index::BIGINT ORDER BY 1").to_arrow_reader()
        with pq.ParquetWriter(path, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)


def pair_export_sql(con, source, export, names, schema, role, early, *, test_map, repeats,
                    window, analytes, derive, output, report, rows_per_partition,
                    read_options):
    """``pair_export(by="specimen")`` in SQL (module docstring); counts as pair_export's.
    ``names``: the files' names in a folder (for the split-patient warning), else None;
    ``early``: its first scans, started (``Early``).
    Raises ``Unsupported`` before writing anything when the export needs the pandas path."""
    from concurrent.futures import ThreadPoolExecutor

    import pandas as pd
    import pyarrow as pa

    from labstats._engines_dask import replay
    from labstats._engines_parts import Writer
    from labstats._engines_sql_draws import Draws
    from labstats._warn import collected_warnings
    from labstats.datasets._routine_pair import _analytes, pair_results

    check = ["patient_id", "analyte", "value", "source_row"] + (
        ["specimen_id"] if "specimen_id" in role else [])
    pair_results(pd.DataFrame({c: [] for c in check}), by="specimen", window=window,
                 repeats=repeats, analytes=["shbg"] if analytes is None else analytes)  # checks
    files = con.sql("SELECT filename FROM offsets ORDER BY k").fetchall()
    ex = Export(con, export, [f[0] for f in files], schema, role, early)
    if not con.sql(f"SELECT count(*) FROM {export}").fetchall()[0][0]:
        from labstats.datasets.routine import read_lab_results

        read_lab_results(source, test_map=test_map, **read_options)  # its error
        raise Unsupported("an export without rows")
    mode, time_dtype = ex.time_mode()
    warm = None
    if derive:  # derive's imports and compiled kernels loaded while DuckDB groups
        import threading

        warm = threading.Thread(target=_warm_derive, name="labstats-warm-derive")
        warm.start()
    with ThreadPoolExecutor(1) as pool:  # the time texts read while the cells are
        parsed = (pool.submit(ex.time_table, con.cursor(), read_options.get("time_format"),
                              read_options.get("time_zone"))
                  if mode == "text" else None)
        ex.read(test_map, read_options)
        derive = derive and reading_derive(ex.read_attrs)  # (derive with the reading's attrs)
        analytes = _analytes(pd.DataFrame({"analyte": pd.Series(ex.used, dtype=object)}),
                             analytes)

        def times():
            """(dtype, whether each time has one text: then a draw's time is found by its
            text's hash, joined when the draws are read, not when they are grouped)."""
            dtype = parsed.result()
            if ex.time_note:  # (``time_table``)
                _warn(ex.time_note)
            ex.warn_unread()
            dup = con.sql("SELECT count(t) - count(DISTINCT t) FROM tt").fetchall()[0][0]
            return dtype, not dup

        draws = Draws(ex, mode, times if parsed else time_dtype, analytes, repeats, window,
                      names is not None)
    if warm is not None:
        warm.join()
    frames, sink = [], Writer(output)
    batch_rows = max(1, int(rows_per_partition) // 4)

    def put(frame):
        if output is None:
            frames.append(frame.to_pandas() if isinstance(frame, pa.Table) else frame)
        else:
            sink.write(frame)

    try:
        written = False
        # derive's warnings of every batch, recorded (this thread) and judged once below
        with collected_warnings() as found:
            with ThreadPoolExecutor(1) as pool:  # the other draws' tables made meanwhile
                others = pool.submit(draws.others, con.cursor(), rows_per_partition)
                for table in draws.simple(batch_rows, derive):  # built and derived as tables
                    put(table)
                    written = True
                one = others.result()
            for table in draws.simple(batch_rows, derive, copies=True):
                put(table)
                written = True
            # frames without rows are left out (a bucket of draws without the analytes
            # asked for gives pair_results' frame of no draws, of columns of type object)
            for frame in _chain((f for f in draws.complex(one) if len(f)), [None]):
                if frame is None:  # no draws: pair_results' frame without rows
                    if written:
                        break
                    frame = draws.empty()
                if derive:
                    frame = derive(frame)
                put(frame)
                written = True
    finally:
        sink.close()
    replay([found], "raise")  # once, on all batches, in the caller's thread (as _pair_parts)
    if report is not None:
        ex.report(report)
    if names is not None:
        draws.split_patients(names)
    from labstats._engines_hint import warn_sql_path

    warn_sql_path(ex, test_map)  # (read_lab_results' hint of a column of test names)
    con.execute("DROP TABLE IF EXISTS u; DROP TABLE IF EXISTS tt")
    read = dict(ex.counts)
    read["used"] -= draws.read_duplicates
    read["duplicates"] = draws.read_duplicates
    counts = {"read": read, "pair": draws.counts, "partitions": draws.parts,
              "unknown_tests": ex.unknown, "path": "sql"}
    if output is not None:
        return counts
    out = pd.concat(frames, ignore_index=True)
    first = out[[f"{a}_source_row" for a in analytes]].min(axis=1)
    out = out.assign(__first=first).sort_values(
        ["patient_id", "collected_at", "__first"], kind="stable", ignore_index=True).drop(
        columns="__first")
    out.attrs.update(counts=counts, **ex.read_attrs)  # (kept as pair_results keeps them)
    return out


def _warm_derive():
    """Import ``derive`` and run the free testosterone model on a row of ones (its numpy
    kernel below ``_binding.JIT_MIN_ROWS`` rows: numba is not loaded for batches), while
    DuckDB groups: numbers only, no warning, no check; a failure here is left to the real
    call, which meets it again and reports it."""
    try:
        import labstats.datasets.derive  # noqa: F401
        from labstats.formulas import _binding

        one = np.ones(1)
        _binding.linear_model(one, one, one, 1e-9, 1e-5, bioavailable=True)
        _binding.linear_model(one, one, one, 1e-9, 1e-5, bioavailable=False)
    except Exception:  # only a warm-up
        pass


def _chain(*iterables):
    for it in iterables:
        yield from it
