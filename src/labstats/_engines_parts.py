"""The partitioned path of ``pair_export``: each partition of whole patients through
``read_lab_results``, ``pair_results`` (and ``derive``), counts summed, draws written or
collected. DuckDB wrote the partitions (``labstats._engines``)."""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np


class Writer:
    """Frames appended to one Parquet file (opened on the first frame); text columns
    dictionary-encoded, measured values plain (a dictionary of them costs more time than
    it saves space), integers and times delta-encoded (ids, source rows and collection
    times of draws written patient by patient differ little from one row to the next:
    at 2.6 million draws the file is a third smaller and written with 8 % less CPU;
    integers then gain nothing from snappy, which they skip). Each frame is converted
    and written in a thread of its own while the next one is built (pyarrow releases the
    GIL); one write at a time, in order, at most two frames waiting."""

    def __init__(self, path):
        from concurrent.futures import ThreadPoolExecutor

        self.path, self.writer, self.pending = path, None, []
        self.pool = ThreadPoolExecutor(1) if path is not None else None

    def write(self, frame):
        while len(self.pending) >= 2:
            self.pending.pop(0).result()  # its error, if any, here
        self.pending.append(self.pool.submit(self._write, frame))

    def _write(self, frame):
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = (frame if isinstance(frame, pa.Table) else  # (a table: as it is)
                 pa.Table.from_pandas(frame, preserve_index=False))
        if self.writer is None:
            kinds = {f.name: f.type for f in table.schema}
            text = [n for n, k in kinds.items() if pa.types.is_string(k)
                    or pa.types.is_large_string(k)]
            delta = {n: "DELTA_BINARY_PACKED" for n, k in kinds.items()
                     if pa.types.is_integer(k) or pa.types.is_timestamp(k)}
            self.writer = pq.ParquetWriter(
                self.path, table.schema, use_dictionary=text, column_encoding=delta,
                compression={n: "NONE" if pa.types.is_integer(k) else "SNAPPY"
                             for n, k in kinds.items()})
        self.writer.write_table(table.cast(self.writer.schema))

    def close(self):
        if self.pool is None:
            return
        try:
            for done in self.pending:
                done.result()
        finally:
            self.pool.shutdown(wait=True)
            if self.writer is not None:
                self.writer.close()


def _pair_parts(folder, output, report, steps, unknown, rows, metadata, workers=1):
    """read_lab_results and pair_results on each partition; counts summed."""
    import pandas as pd
    import pyarrow.parquet as pq

    from labstats.datasets.derive import reading_attrs, reading_derive

    read = {"rows": int(rows), "used": 0, "reported": 0,
            "excluded": int(unknown["n"].sum()), "duplicates": 0}
    pair = {"results": 0, "draws": 0, "duplicates": 0, "repeats": 0, "conflicts": 0}
    frames = []
    sink, report_sink = Writer(output), Writer(report)
    read_attrs: dict = {}  # what derive reads of the reading's attrs (insulin's factor): one
    parts = sorted(folder.glob("__part=*"), key=lambda p: int(p.name.split("=")[1]))

    def one(part):
        """read -> pair (-> derive) of one partition: (results' counts, report, draws)."""
        # the export's own pandas types (an id with gaps stays Int64, as in memory)
        table = _as_export_times(pq.read_table(part), steps["schema"])
        table = table.replace_schema_metadata(metadata)
        raw = table.sort_by("__source_row").to_pandas()
        global_rows = raw.pop("__source_row").to_numpy()
        # (rows: a reason naming another row names its row in the export)
        res = steps["read"](raw.reset_index(drop=True), global_rows)
        res["source_row"] = global_rows[res["source_row"].to_numpy()]
        entries = None
        if report is not None:
            entries = res.attrs["report"]
            entries = entries.assign(
                source_row=global_rows[entries["source_row"].to_numpy(dtype=np.int64)],
                value=entries["value"].astype("string"))
        paired = steps["pair"](res)
        counts, attrs, paired.attrs = paired.attrs["counts"], reading_attrs(paired.attrs), {}
        read_attrs.update(attrs)  # (the same for all parts: the reading's)
        found: list = []
        if steps["derive"]:
            from labstats._warn import collected_warnings

            with collected_warnings() as found:  # judged on all partitions, below
                paired = reading_derive(attrs)(paired)
        times = res.attrs["times"]  # unread times: (count, first row, its text)
        unread = (len(times), int(global_rows[times["source_row"].iloc[0]]),
                  times["value"].iloc[0]) if len(times) else (0, None, None)
        return res.attrs["counts"], entries, counts, paired, found, unread, split_of(
            res, global_rows)

    def split_of(res, global_rows):
        """(count, first row, id, files) of the partition's patients with used results in
        several files of the folder (a partition holds whole patients), or None."""
        if not steps.get("files"):
            return None
        from labstats.datasets._routine_files import split_patients

        names, starts = steps["files"]
        which = np.searchsorted(starts, global_rows, side="right") - 1
        files = pd.Categorical.from_codes(which, categories=names)  # (names not repeated)
        split, first = split_patients(res["patient_id"].array, files,
                                      (res["status"] == "used").to_numpy(), global_rows)
        return None if first is None else (len(split), *first)

    def collect(done):
        res_counts, entries, pair_counts, paired, found, times, split = done
        recorded.append(found)
        if split is not None:  # the count, and the patient of the export's first row
            splits[:] = [splits[0] + split[0], *min(splits[1:], split[1:], key=lambda x: (
                x[0] is None, x[0] or 0))]
        if times[0]:
            first = min(unread[1:], times[1:], key=lambda x: (x[0] is None, x[0]))
            unread[:] = [unread[0] + times[0], *first]
        if entries is not None:
            report_sink.write(entries)
        for key in ("used", "reported", "excluded", "duplicates"):
            read[key] += res_counts[key]
        for key in pair:
            pair[key] += pair_counts[key]
        if not len(paired):  # a partition without draws (all its rows reported) has
            return  # typeless columns: left out, as the SQL path does
        written.append(True)
        if output is None:
            frames.append(paired)
        else:
            sink.write(paired)

    def no_draws():
        """The frame of no draws, with its columns, from the export's first row."""
        raw = steps["first"]().replace_schema_metadata(metadata).to_pandas()
        res = steps["read"](raw)
        none = steps["pair"](res.iloc[:0].copy())
        none.attrs = {}
        if steps["derive"]:
            from labstats.datasets.derive import derive as _derive

            none = _derive(none)
        return none

    written: list = []
    unread = [0, None, None]  # unread times: count, first row and its text
    splits = [0, None, None, None]  # patients in several files: count, first row, id, files
    recorded: list = []  # derive's warnings of each partition, in partition order
    try:  # ``workers`` partitions at a time (numpy, Arrow and DuckDB release the GIL)
        serial = workers <= 1 or len(parts) <= 1
        for part in parts if serial else ():
            collect(one(part))
        with ThreadPoolExecutor(max(1, int(workers))) as pool:
            pending: deque = deque()
            for part in () if serial else parts:
                pending.append(pool.submit(one, part))
                if len(pending) >= workers:
                    collect(pending.popleft().result())
            while pending:
                collect(pending.popleft().result())
        if not written:  # no draws at all: the output still has the draws' columns
            if output is None:
                frames.append(no_draws())
            else:
                sink.write(no_draws())
    finally:
        sink.close()
        report_sink.close()
    from labstats._engines_dask import replay

    if unread[0]:  # read_lab_results' warning, for the whole export
        from labstats.datasets._routine_io import warn_unread

        warn_unread(*unread, steps["time_format"])
    if splits[0]:  # read_lab_results' warning for a folder, for the whole export
        from labstats.datasets._routine_files import warn_split

        warn_split(splits[0], *splits[2:])
    replay(recorded, "raise")  # derive's warnings once, in this (the caller's) thread
    counts = {"read": read, "pair": pair, "partitions": len(parts),
              "unknown_tests": dict(zip(unknown["code"], unknown["n"].astype(int),
                                        strict=True))}
    if output is not None:
        return counts
    out = pd.concat(frames, ignore_index=True)
    if len(out):
        # a patient is in one partition, so ties keep pair_results' order
        out = out.sort_values(["patient_id", "collected_at"], kind="stable",
                              ignore_index=True)
    out.attrs.update(counts=counts, **read_attrs)  # (kept as pair_results keeps them)
    return out


def _as_export_times(table, schema):
    """Timestamps as the export typed them: DuckDB writes timezone-aware times in UTC,
    which pandas' metadata would then read back in nanoseconds, not the export's unit."""
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        want = schema.field(field.name).type if field.name in schema.names else None
        if want is not None and pa.types.is_timestamp(field.type) and want != field.type:
            table = table.set_column(i, field.name, table.column(i).cast(want))
    return table


def _first_row(path, names):
    """The first row of a Parquet file (columns ``names``), as an Arrow table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    batch = next(pq.ParquetFile(path).iter_batches(batch_size=1, columns=names))
    return pa.Table.from_batches([batch.slice(0, 1)])


def _pandas_metadata(metadata, names):
    """The export's pandas metadata (its columns' pandas types) for the columns ``names``."""
    import json

    if not metadata or b"pandas" not in metadata:
        return metadata
    meta = json.loads(metadata[b"pandas"])
    meta["columns"] = [c for c in meta.get("columns", []) if c.get("name") in names]
    meta["index_columns"] = []
    return {**metadata, b"pandas": json.dumps(meta).encode()}


def _export_cells(con, parts, role, schema):
    """The counted cells of the partitions (``_routine_screen.unit_cells`` of the whole
    export, by DuckDB): test code, value, valuenum, status, unit, whether the patient id
    is missing, their count ``__n`` and first row in the export ``__first``; what decides
    the decimal mark, the column-level unit check and the warnings of implausible values of
    the export (an empty frame without partitions)."""
    import pandas as pd

    from labstats._engines import _sql_string
    from labstats._engines_sql import _missing_id
    from labstats.datasets._routine_screen import UNIT_ROLES

    cols = [role[r] for r in UNIT_ROLES if r in role]
    if not any(parts.glob("__part=*")):
        return pd.DataFrame(columns=[*cols, role["patient_id"], "__n"])
    pid = role["patient_id"]
    missing = _missing_id(f'"{pid}"', schema.field(pid).type)
    names = "".join(f'"{c}", ' for c in cols)
    return con.execute(
        f'SELECT {names}CASE WHEN {missing} THEN NULL ELSE 1 END AS "{pid}", '
        f"count(*) AS __n, min(__source_row) AS __first "
        f"FROM read_parquet({_sql_string(parts / '*' / '*.parquet')}, "
        f"hive_partitioning = false) "  # (a folder "value=1" above: not a column)
        f"GROUP BY ALL").df()


def _export_ids(con, export, role, schema):
    """``_routine_io.check_ids`` on the whole export (a folder of parts, read by DuckDB):
    a text id written two ways ("001", " 001"; "7", "7.0") in different partitions or
    chunks would otherwise be paired as two patients (or specimens), where
    ``read_lab_results`` refuses it. A scan of each text id column for an id with blanks
    around it or a ".0" (none: nothing more); else the spellings of those ids, each with
    its first row, are checked."""
    import pyarrow as pa

    from labstats._engines_sql import _BLANKS, _col, _q
    from labstats.datasets import _routine_io

    for r in ("patient_id", "specimen_id"):
        header = role.get(r)
        if header is None or not (pa.types.is_string(schema.field(header).type) or
                                  pa.types.is_large_string(schema.field(header).type)):
            continue  # (numbers: one spelling; Parquet parts agree in kind: check_parts)
        col = _col(header)
        norm = f"regexp_replace(trim({col}, {_q(_BLANKS)}), '^(\\d+)\\.0+$', '\\1')"
        odd = (f"SELECT DISTINCT {norm} FROM {export} e WHERE "
               f"regexp_matches({col}, {_q(_routine_io.ODD_ID_RE2)})")
        if not con.sql(f"SELECT count(*) FROM ({odd})").fetchall()[0][0]:
            continue
        ids = con.sql(f"SELECT {col} AS id, min(o.start + e.file_row_number) AS row FROM "
                      f"{export} e JOIN offsets o ON o.k = e.file_index::BIGINT WHERE {norm} "
                      f"IN ({odd}) GROUP BY 1 ORDER BY 2").df()
        _routine_io.check_ids(ids.rename(columns={"id": header}), {r: header},
                              rows=ids["row"].to_numpy())


def _export_evidence(cells, role, test_map, read_options):
    """The decimal mark's evidence of the whole export (``decimal="auto"``), from its
    counted cells (``_export_cells``: what decides which values ``read_lab_results``
    parses), so that each partition is read by the export's mark; None when the mark is
    given (or no partitions)."""
    from labstats._engines import _needs_evidence
    from labstats.datasets._routine_screen import decimal_evidence

    if not _needs_evidence(read_options) or not len(cells):
        return None
    cells = cells.drop(columns=["__n", "__first"], errors="ignore")
    return decimal_evidence(cells, columns={h: r for r, h in role.items() if h in cells},
                            test_map=test_map, thousands=read_options.get("thousands"))


def _export_time_format(files, schema, role, time_format):
    """(format, note): ``time_format``, else the format of the export's first filled time
    text (of every row, as ``read_lab_results`` takes it from the whole column), its
    day/month order settled on every time of the export (``_routine_io.settle_order``:
    read batch by batch, only for a format of numeric day and month), for every partition
    or chunk; None for times typed as times (or none filled). ``note``: the warning to
    issue when no time tells the day/month orders apart, else None."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from labstats._engines_sql_times import _first_text
    from labstats.datasets import _routine_io

    header = role.get("collected_at")
    if time_format is not None or header is None or pa.types.is_timestamp(
            schema.field(header).type):
        return time_format, None
    first = _first_text(files, header)
    if first is None:
        return None, None
    fmt = _routine_io.time_format_of(first.strip())
    if _routine_io.month_first(fmt) is None:
        return fmt, None
    evidence = (0, 0)
    for f in files:
        for batch in pq.ParquetFile(f).iter_batches(batch_size=1 << 20, columns=[header]):
            found = _routine_io.order_evidence(batch.column(0).to_pandas())
            evidence = (max(evidence[0], found[0]), max(evidence[1], found[1]))
    return _routine_io.settle_order(fmt, evidence, first.strip())


def _export_time_zones(files, schema, role, time_format, time_zone=None):
    """Refuse times of several time zones in the export (``read_lab_results`` refuses
    them in one column) though each partition may hold one: checked batch by batch
    (``_routine_io.zone_text``), only for text times in a zoned format. With
    ``time_zone`` (zones may differ): refuse a time without a zone (``NaiveTime``, at its
    row in the export), also of times typed without one (instants typed with a zone:
    converted by each partition's read)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from labstats.datasets import _routine_io

    header = role.get("collected_at")
    if header is None:
        return
    kind = schema.field(header).type
    typed = pa.types.is_timestamp(kind)
    if (typed and (time_zone is None or kind.tz is not None)) or (
            not typed and time_zone is None and not _routine_io.zoned(time_format)):
        return
    texts, start = [], 0
    for f in files:
        for batch in pq.ParquetFile(f).iter_batches(batch_size=1 << 20, columns=[header]):
            texts.append(_routine_io.zone_text(batch.column(0).to_pandas(), time_format,
                                               time_zone))
            _routine_io.check_zones(texts, time_format, [start] * len(texts))
            texts = [next((t for t in texts if t is not None), None)]  # one zone so far
            start += batch.num_rows
