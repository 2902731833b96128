"""The SQL path's collection times written as text (``_engines_sql``): how a row's time is
read, the export's first time text, the dictionary of time texts, and the rows whose
time is not read."""

from __future__ import annotations

from labstats._engines_sql import _BLANKS, Unsupported, _col, _q

#: SQL on table ``tt``: a filled time text that was not read.
UNREAD = f"tt.t IS NULL AND trim(tt.s, {_q(_BLANKS)}) <> ''"


def _time_kind(schema, role, time_zone=None):
    """How each row's time is read: "native" (a timestamp, with a zone or without:
    DuckDB reads a Parquet timestamp with a zone as the instant, ``Export.time_mode``
    gives it its zone), "text" (parsed by ``Export.time_table``) or None (no time
    column); ``Unsupported`` otherwise (typed without a zone, ``time_zone`` given: the
    partitioned path refuses them, naming the row)."""
    import pyarrow as pa

    header = role.get("collected_at")
    if header is None:
        return None
    kind = schema.field(header).type
    if pa.types.is_timestamp(kind):
        if kind.tz is None and time_zone is not None:
            raise Unsupported("time_zone= with times typed without a zone")
        return "native"
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise Unsupported(f"times of type {kind}")
    return "text"


def _first_text(files, header):
    """The export's first filled time text (in file and row order), as written: it gives
    the format of every time (``_routine_io.parse_times``); None when there is none."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    for f in files:
        for batch in pq.ParquetFile(f).iter_batches(batch_size=1 << 16, columns=[header]):
            cells = batch.column(0)
            filled = pc.fill_null(pc.not_equal(pc.utf8_trim(cells, _BLANKS), ""), False)
            at = pc.index(filled, True).as_py()
            if at >= 0:
                return cells[at].as_py()
    return None


def _time_texts(con, export, header):
    """Table ``tt_text``: the distinct time texts, hashed (``Unsupported``: two share a hash)."""
    con.execute(f"CREATE OR REPLACE TABLE tt_text AS SELECT hash(s) AS h, s FROM "
                f"(SELECT DISTINCT {_col(header)} AS s FROM {export} e)")
    if con.sql("SELECT count(*) - count(DISTINCT h) FROM tt_text").fetchall()[0][0]:
        raise Unsupported("two different cells share a hash")


def warn_unread(con, export, time_raw, time_format):
    """``_routine_io.warn_unread`` for the rows whose filled time text was not read (table
    ``tt``; ``time_raw``: the time column's SQL): one more scan, only when there are any."""
    from labstats.datasets._routine_io import warn_unread as warn

    n, row, text = con.sql(
        f"SELECT count(*), min(o.start + e.file_row_number), arg_min({time_raw}, "
        f"o.start + e.file_row_number) FROM {export} e JOIN tt ON tt.h = hash({time_raw}) "
        f"AND {UNREAD} JOIN offsets o ON o.k = e.file_index::BIGINT").fetchall()[0]
    warn(n, row, text, time_format)
