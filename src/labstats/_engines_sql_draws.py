"""Draws of ``pair_export``'s SQL path (``labstats._engines_sql``, whose docstring tells the
whole path): the used rows grouped by patient and specimen in DuckDB; simple draws built
from the SQL columns, the others paired by ``pair_results``; the split-patient warning.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from labstats._engines_sql import _MARKS, Unsupported, _typed
from labstats.datasets import _loinc


class Draws:
    """Used rows -> draws (``GROUP BY patient, specimen``): simple ones from SQL, the
    others through ``_mark_duplicates`` and ``pair_results`` (pandas), bucket by bucket."""

    def __init__(self, ex, mode, time_dtype, analytes, repeats, window, folder):
        """``time_dtype``: the dtype of the times, or a function that registers ``tt``
        and returns it (called once the rows are grouped). ``window``: ``pair_results``'
        (a specimen's results further apart are two draws: only draws of several times,
        which ``_pair`` pairs, can be)."""
        self.ex, self.mode = ex, mode
        self.analytes, self.repeats, self.window = analytes, repeats, window
        code = {a: k for k, a in enumerate(_loinc.ANALYTE_NAMES)}
        self.codes = [code[a] for a in analytes]
        every = {code[a] for a in ex.used} | set(self.codes)
        in_a = ("false" if not self.codes else "" if every == set(self.codes) else
                f"a IN ({', '.join(map(str, self.codes))})")

        def of_a(x):
            return f"CASE WHEN {in_a} THEN {x} END" if in_a else x

        self.shift = max(1, int(len(ex.values)).bit_length())  # row << shift | entry
        # (na: rows of the analytes paired; nt: of those, with a time; one aggregate
        # less each when they are n: every analyte paired, a time text's hash never null)
        aggs = ["count(*) AS n", "bit_or(1::BIGINT << a) AS mask",
                f"count({of_a(1)}) AS na" if in_a else "count(*) AS na",
                f"count({of_a('t')}) AS nt" if in_a or mode != "text" else "count(*) AS nt",
                f"min({of_a('t')}) AS th0", f"max({of_a('t')}) AS th1"]
        # each analyte's row and entry, two analytes to a 128-bit field (one aggregate for
        # two: 20 % less CPU for the group than one max() each). A simple draw has at most
        # one result per analyte (its bit in ``mask``): its half of the field; in the
        # other draws the OR of several, never read (``_copies`` finds their rows itself)
        packed = f"((row << {self.shift}) | i)::HUGEINT"
        self.rk = {}  # analyte code -> SQL of its row and entry in a simple draw
        for j in range(0, len(self.codes), 2):
            pair = self.codes[j:j + 2]
            whens = " ".join(f"WHEN a = {k} THEN {packed}{' << 64' if h else ''}"
                             for h, k in enumerate(pair))
            aggs.append(f"bit_or(CASE {whens} END) AS q{j // 2}")
            for h, k in enumerate(pair):
                half = f"q{j // 2} >> 64" if h else f"q{j // 2} & {(1 << 64) - 1}"
                self.rk[k] = f"CASE WHEN mask & {1 << k} <> 0 THEN ({half})::BIGINT END"
        con = ex.con
        if (ex.counts["rows"] + 1) << self.shift >= 2**63:
            raise Unsupported("too many rows and distinct cells to pack in 64 bits")
        # the used rows, once (spilled to disk beyond memory_limit): grouped into draws,
        # then the rows of the other draws read back
        with ThreadPoolExecutor(1) as pool:  # stored by a cursor while the dictionary's
            stored = pool.submit(con.cursor().execute,  # warnings are read and issued
                                 f"CREATE OR REPLACE TABLE u AS {ex.used_rows(mode)}")
            ex.finish()
            stored.result()
        split = folder and self._may_split()
        chunks = self._chunks() if folder and not split else [""]
        folder = split
        if folder:  # for patients with results in several files
            aggs += ["min(file) AS f0", "max(file) AS f1", "min(row) AS rmin"]
        self.time_dtype, self.by_hash = (time_dtype() if callable(time_dtype) else
                                         (time_dtype, False))
        unread = "t0 IS NULL"
        if self.by_hash:  # one text, one time: a draw's time is its text's hash
            times = ("CASE WHEN th0 = th1 THEN th0 END AS t0", "")
            unread = "(t0 IS NULL OR t0 IN (SELECT h FROM tt WHERE t IS NULL))"
        elif mode == "text":  # a draw of one time text: its time
            times = ("CASE WHEN th0 = th1 THEN tt.t END AS t0", "LEFT JOIN tt ON tt.h = th0")
        else:
            times = ("CASE WHEN th0 = th1 THEN th0 END AS t0", "")
        # complex by content: a duplicate or a repeat (more results than analytes), no
        # specimen id, a time missing or unread, or several times (a rerun; its ``t0`` is
        # null). Draws of two specimens never share a result (by specimen, a copy is its
        # own specimen's: ``pair_results``), so each draw is judged alone. Files of
        # disjoint patients are grouped a chunk of files at a time (``_chunks``)
        cc = f"spec IS NULL OR n <> bit_count(mask) OR nt < na OR (na > 0 AND {unread})"
        for k, where in enumerate(chunks):
            con.execute(
                ("CREATE OR REPLACE TABLE draws AS " if k == 0 else "INSERT INTO draws ") +
                f"SELECT *, ({cc}) AS cc FROM (SELECT g.* EXCLUDE (th0, th1), "
                f"{times[0]}, th0 IS DISTINCT FROM th1 AS multi FROM (SELECT pid, spec, "
                f"{', '.join(aggs)} FROM u{where} GROUP BY pid, spec) g {times[1]})")
        rows = con.sql("SELECT coalesce(sum(n), 0) FROM draws").fetchall()[0][0]
        if int(rows) != ex.counts["used"]:  # every used row is in a draw, or no result
            raise RuntimeError(f"pair_export: {rows} used rows joined back of "
                               f"{ex.counts['used']}; please report this")
        self.counts = {"results": 0, "draws": 0, "duplicates": 0, "repeats": 0,
                       "conflicts": 0}
        self.read_duplicates, self.parts = 0, 0
        self.schema, self.direct = None, True  # of the simple draws' tables
        self._padded = None  # (``_table``)
        self.folder = folder  # then table kept: the files of the other draws' kept rows
        if folder:
            con.execute("CREATE OR REPLACE TABLE kept AS SELECT pid, file AS f0, file "
                        "AS f1, row AS rmin FROM u LIMIT 0")
        # the draws of copies (table pure: ``others``) are simple but for their copies
        self.pure, self._unread = not in_a and mode is not None, unread

    def _chunks(self, rows=1 << 20):
        """``WHERE`` clauses of ``u`` for chunks of whole files of about ``rows`` export rows
        or more each (files of disjoint patients: a draw is in one chunk). DuckDB groups
        a chunk's draws in a smaller hash table: at 2.6 million draws in 9 files, 15-20 %
        less CPU than all at once."""
        starts = [r[0] for r in self.ex.con.sql("SELECT start FROM file_offsets ORDER BY k"
                                                ).fetchall()]
        ends = [*starts[1:], self.ex.counts["rows"]]
        chunks, lo = [], 0
        for k, end in enumerate(ends):
            if end - starts[lo] >= rows or k == len(ends) - 1:
                chunks.append(f" WHERE file BETWEEN {lo} AND {k}")
                lo = k + 1
        return chunks if len(chunks) > 1 else [""]

    def _may_split(self):
        """Whether a patient may have used results in several files of the folder: the
        ranges of the patient ids of the files' used rows overlap, or an id is missing
        (when not, as for an export written a range of patients per file, the draws
        need not follow the files)."""
        return bool(self.ex.con.sql(
            "SELECT count(*) FILTER (WHERE lo <= before) + sum(missing) FROM (SELECT lo, "
            "max(hi) OVER (ORDER BY lo ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS "
            "before, missing FROM (SELECT min(pid) AS lo, max(pid) AS hi, count(*) - "
            "count(pid) AS missing FROM u GROUP BY file))").fetchall()[0][0])

    def others(self, con, rows_per_partition):
        """The tables of the draws that are not simple (run on a cursor ``con`` of its
        own, in a thread, while the simple draws are built): ``pure`` (``_copies``), then
        ``cx``, the other draws, and their rows: fetched when they make one bucket of
        ``rows_per_partition`` rows (returned), else table ``cr`` of their buckets."""
        import math

        if self.pure:
            self._copies(con, self._unread, self.folder, rows_per_partition)
        cx = "(SELECT * FROM draws WHERE cc) d" + (  # the draws of copies: built as simple
            " ANTI JOIN pure ON pure.pid = d.pid AND pure.spec = d.spec" if self.pure else "")
        rows = con.sql(f"SELECT coalesce(sum(d.n), 0) FROM {cx}").fetchall()[0][0]
        if not rows:
            return None
        self.parts = parts = max(1, math.ceil(int(rows) / max(1, int(rows_per_partition))))
        con.execute(f"CREATE OR REPLACE TABLE cx AS SELECT d.pid, d.spec FROM {cx}")
        if parts == 1:
            return con.sql(self._rows("")).to_arrow_table()
        # their rows found once (one pass over the used rows), then taken bucket by bucket
        con.execute(f"CREATE OR REPLACE TABLE cr AS SELECT *, hash(pid) % {parts} AS b "
                    f"FROM ({self._rows('', order=False)})")
        return None

    def _copies(self, con, unread, folder, rows_per_partition):
        """Table ``pure``: the draws that are complex only because an analyte has several
        rows in them (one specimen, one readable time for every row, rows in one
        file). As in pandas, a row equal to an earlier one in analyte,
        value and censoring (a *class*: ``_classes``) is a read duplicate; the first row of
        each class is a result, and an analyte of several classes is a repeat resolved by
        ``repeats=`` "first" or "last" (the class of the earliest or latest first row: one
        time, so row order), its conflict counted when the classes differ in value or in
        censoring as ``pair_results`` counts them; with another rule only draws without
        repeats are here. Only when every used analyte is paired (so ``n``, ``nt`` and the
        times count all rows). Their counts are kept for ``simple(copies=True)``, which
        builds them as the simple draws.

        DuckDB finds their rows (numbered ``g`` by draw); numpy resolves them
        (``_engines_sql_copies.resolve``: a sort of small integers, where three nested
        hash groups of 1.3 million rows took twice the CPU), ``rows_per_partition`` rows
        at a time, each bucket's draws stored back into DuckDB (memory bounded)."""
        import math

        import pyarrow as pa

        from labstats._engines_sql_copies import resolve

        q = ", ".join(f"q{j}" for j in range((len(self.codes) + 1) // 2))
        con.execute(
            f"CREATE OR REPLACE TABLE dd AS SELECT row_number() OVER () - 1 AS g, * EXCLUDE "
            f"({q}) FROM draws WHERE cc AND NOT multi AND spec IS NOT NULL AND "
            f"nt = n AND n <> bit_count(mask) AND NOT {unread}" +
            (" AND f0 = f1" if folder else ""))
        rows, draws = con.sql("SELECT coalesce(sum(n), 0), count(*) FROM dd").fetchall()[0]
        parts = max(1, math.ceil(int(rows) / max(1, int(rows_per_partition))))
        step = max(1, math.ceil(int(draws) / parts))
        their = "SELECT dd.g, u.a, u.i, u.row FROM u JOIN dd ON u.pid = dd.pid AND u.spec = dd.spec"
        if parts > 1:  # their rows found once (one pass over the used rows)
            con.execute(f"CREATE OR REPLACE TABLE pr AS {their}")
            their = "SELECT * FROM pr"
        classes = self._classes()
        for k, lo in enumerate(range(0, max(1, int(draws)), step)):
            where = f" WHERE g >= {lo} AND g < {lo + step}" if parts > 1 else ""
            table = con.sql(their + where).to_arrow_table()
            piece = resolve(*(table[c].to_numpy() for c in ("g", "a", "i", "row")),
                            classes, self.shift, self.codes, self.repeats == "last")
            con.register("p_part", pa.table(piece))
            con.execute(("CREATE OR REPLACE TABLE p AS " if k == 0 else "INSERT INTO p ") +
                        "SELECT * FROM p_part")
            con.unregister("p_part")
        con.execute(
            "CREATE OR REPLACE TABLE pure AS SELECT dd.* EXCLUDE (g), p.* EXCLUDE (g, most) "
            "FROM dd JOIN p ON p.g = dd.g" +
            ("" if self.repeats in ("first", "last") else " WHERE p.most = 1") +
            "; DROP TABLE dd; DROP TABLE p; DROP TABLE IF EXISTS pr")
        found = con.sql("SELECT coalesce(sum(n - nc), 0), coalesce(sum(nc - bit_count(mask)), "
                        "0), coalesce(sum(conflicts), 0) FROM pure").fetchall()[0]
        self._pure_counts = {"read_duplicates": int(found[0]), "results": int(found[1]),
                             "repeats": int(found[1]), "conflicts": int(found[2])}

    def _classes(self):
        """The class of each dictionary entry (one per analyte, value and censoring, a
        missing value as written, as ``_mark_duplicates`` compares rows), and of each
        class its value and censoring: ``(class of entry, value of class, censoring of
        class)``."""
        import pandas as pd

        from labstats.datasets._routine_pair import as_written

        ex = self.ex
        frame = pd.DataFrame({"a": ex.analyte, "v": ex.values, "m": ex.marks,
                              "w": as_written(ex.res)})
        c = frame.groupby(["a", "v", "m", "w"], dropna=False, sort=False).ngroup().to_numpy()
        value = np.empty(int(c.max()) + 1 if len(c) else 0)
        mark = np.empty(len(value), dtype=np.int64)
        value[c], mark[c] = ex.values, ex.marks
        return c.astype(np.int64), value, mark

    def simple(self, batch_rows, derive=False, copies=False):
        """Arrow tables of the simple draws (in no particular order), or of the draws of
        copies (``copies``: once ``others`` made them), derived when ``derive``: the
        columns, types and pandas metadata of ``wide_frame`` (and ``derive``) written by
        ``pyarrow.Table.from_pandas``, built without the frame."""
        if copies and not self.pure:
            return
        mask = sum(1 << k for k in self.codes)
        cols = ", ".join(f"coalesce({f'r{k}' if copies else self.rk[k]}, -1) AS r{k}"
                         for k in self.codes)  # -1: none (no nulls: read without a copy)
        src = "pure" if copies else "(SELECT * FROM draws WHERE NOT cc)"
        n, results = self.ex.con.sql(
            f"SELECT count(*), coalesce(sum(bit_count(mask & {mask})), 0) FROM {src} "
            f"WHERE na > 0").fetchall()[0]
        self.counts["draws"] += int(n)
        self.counts["results"] += int(results)
        if copies:  # their read duplicates, repeats and conflicts (``_copies``)
            found = self._pure_counts
            self.read_duplicates += found["read_duplicates"]
            for key in ("results", "repeats", "conflicts"):
                self.counts[key] += found[key]
        t0, join = "t0", ""
        if self.by_hash:  # the time of each text's hash
            t0, join = "tt.t", " d LEFT JOIN tt ON tt.h = d.t0"
        reader = self.ex.con.sql(
            f"SELECT pid, spec, {t0} AS t0, bit_count(mask & {mask}) AS na, {cols} FROM "
            f"{src}{join} WHERE na > 0").to_arrow_reader(batch_rows)
        for batch in reader:
            if batch.num_rows:
                yield self._table(batch, derive)

    def _table(self, batch, derive):
        """One batch of simple draws as the Arrow table ``wide_frame`` (then ``derive``:
        ``labstats.datasets.derive`` with pair_export's options, or False)
        would give: the schema (types, pandas metadata) taken once from that frame of the
        batch's first draw, the columns built from the batch's (numpy, Arrow: no pandas
        frame but derive's inputs)."""
        import warnings

        import pandas as pd
        import pyarrow as pa

        from labstats.datasets.derive import DERIVED

        if self.schema is None:  # checked on the first draw: else built as frames
            from labstats._warn import collected_warnings

            # the batch's derive gives them (this check's findings are not recorded)
            with warnings.catch_warnings(), collected_warnings():
                warnings.simplefilter("ignore")
                first = self._frame(batch.slice(0, 1))
                first = pa.Table.from_pandas(derive(first) if derive else first,
                                             preserve_index=False)
                self.schema = first.schema
                try:
                    self.direct = self._table(batch.slice(0, 1), derive).equals(first)
                except pa.ArrowException:
                    self.direct = False
        if not self.direct:
            frame = self._frame(batch)
            return pa.Table.from_pandas(derive(frame) if derive else frame,
                                        preserve_index=False)
        n, out, values = batch.num_rows, {}, {}
        names = ["patient_id", "specimen_id"]
        for k, name in enumerate(names[:len(self._ids_names())]):
            out[name] = batch.column(k)
        t, kind = batch["t0"], self.schema.field("collected_at").type
        if getattr(t.type, "tz", None) is not None:  # instants (time_zone=): in its zone
            t = t.cast(kind)
        out["collected_at"] = out["collected_until"] = t if t.null_count < n else pa.nulls(
            n, kind)
        out["n_results"] = batch["na"]
        marks = pa.array(_MARKS, type=pa.large_string())
        low = (1 << self.shift) - 1
        if self._padded is None:  # entry ``low`` (-1 & low: no result) is NaN, uncensored
            self._padded = (np.r_[self.ex.values, np.full(low + 1 - len(self.ex.values),
                                                          np.nan)],
                            np.r_[self.ex.marks, np.zeros(low + 1 - len(self.ex.marks),
                                                          dtype=self.ex.marks.dtype)])
        for k, a in zip(self.codes, self.analytes, strict=True):
            packed = batch[f"r{k}"].to_numpy().astype(np.int64, copy=False)
            entry = packed & low
            value = self._padded[0][entry]
            values[a] = value
            out[a] = pa.array(value, mask=np.isnan(value))
            out[f"{a}_censored"] = marks.take(self._padded[1][entry])
            out[f"{a}_source_row"] = pa.array(packed >> self.shift, mask=packed < 0)
        if derive:  # on derive's inputs only: the same derived columns, in its order
            read = {c for d in DERIVED.values() for c in (*d.inputs, *d.optional)}
            inputs = pd.DataFrame({a: v for a, v in values.items() if a in read},
                                  index=pd.RangeIndex(n))
            derived = derive(inputs)
            for c in derived.columns[inputs.shape[1]:]:
                out[c] = pa.Array.from_pandas(derived[c])
        return pa.Table.from_arrays([out[f.name].cast(f.type) for f in self.schema],
                                    schema=self.schema)

    def _ids_names(self):
        role = self.ex.role
        return [role["patient_id"]] + ([role["specimen_id"]] if "specimen_id" in role
                                        else [])

    def _ids(self, table):
        """Patient (and specimen) ids of an Arrow table (pid, spec, ...), typed as in the
        export."""
        names = self._ids_names()
        renamed = table.rename_columns([*names, *table.schema.names[len(names):]]) if \
            len(names) == 2 else table.rename_columns([names[0], *table.schema.names[1:]])
        ids = _typed(renamed, names, self.ex.schema, self.ex.pandas_meta)
        return [ids[n] for n in names]

    def _frame(self, batch):
        import pandas as pd

        from labstats.datasets._routine_pair import wide_frame

        ids = self._ids(batch)
        info = pd.DataFrame({"patient_id": ids[0]})
        if len(ids) == 2:
            info["specimen_id"] = ids[1]
        time = batch["t0"].to_pandas()
        info["collected_at"] = info["collected_until"] = time.astype(self.time_dtype)
        info["n_results"] = batch["na"].to_numpy().astype(np.int64)

        packed = np.column_stack([batch[f"r{k}"].to_numpy()
                                  for k in self.codes]).astype(np.int64)
        none = packed < 0
        entry = np.where(none, 0, packed & ((1 << self.shift) - 1))
        value = np.where(none, np.nan, self.ex.values[entry])
        return wide_frame(info, self.analytes, value, np.where(none, 0, self.ex.marks[entry]),
                          np.array(_MARKS, dtype=object), np.where(none, -1, packed >> self.shift))

    def complex(self, one):
        """Frames of the other draws (``others``: ``one``, the rows of one bucket, or
        their buckets in table ``cr``): read duplicates marked and ``pair_results``."""
        con, parts = self.ex.con, self.parts
        if one is not None:
            yield self._pair(one)
            return
        for k in range(parts):
            table = con.sql(f"SELECT * EXCLUDE (b) FROM cr WHERE b = {k} ORDER BY row"
                            ).to_arrow_table()
            if table.num_rows:
                yield self._pair(table)
        if parts:
            con.execute("DROP TABLE cr")

    def _rows(self, where, order=True, cx=True):
        """SQL: the used rows of the other draws (``cx``; every draw's: not ``cx``), with
        their times."""
        times = ("tt.t AS t, CASE WHEN tt.t IS NULL THEN tt.s END AS traw",  # unread: text
                 "LEFT JOIN tt ON tt.h = u.t") if self.mode == "text" else ("u.t", "")
        semi = (" SEMI JOIN cx ON u.pid = cx.pid AND u.spec IS NOT DISTINCT FROM cx.spec"
                if cx else "")
        return (f"SELECT u.pid, u.spec, {times[0]}, u.a, u.i, u.row, u.file FROM u{semi} "
                f"{times[1]} {where}" + (" ORDER BY u.row" if order else ""))

    def empty(self):
        """``pair_results`` of no results: the frame of no draws, with its columns."""
        self.ex.con.execute("CREATE OR REPLACE TABLE cx AS SELECT pid, spec FROM draws "
                            "LIMIT 0")
        return self._pair(self.ex.con.sql(self._rows("")).to_arrow_table())

    def _marked(self, table):
        """The rows of ``table`` (``_rows``' columns) as the frame ``pair_results`` reads,
        and their status (0: used, 3: a read duplicate), marked as ``read_lab_results``
        marks them (``_mark_duplicates``)."""
        import pandas as pd

        from labstats.datasets._routine_pair import take_text
        from labstats.datasets.routine import _mark_duplicates

        ids = self._ids(table)
        a = table["a"].to_numpy().astype(np.int64)
        entry = table["i"].to_numpy().astype(np.int64)
        c = self.ex.marks[entry]
        frame = pd.DataFrame({"patient_id": ids[0]})
        if len(ids) == 2:
            frame["specimen_id"] = ids[1]
        # unread times are compared as written, as read_lab_results does
        raw_times = table["traw"].to_pandas() if "traw" in table.column_names else None
        frame["collected_at"] = (table["t"].to_pandas().astype(self.time_dtype) if self.mode
                                 else pd.Series(pd.NaT, index=frame.index,
                                                dtype=self.time_dtype))
        frame["analyte"] = take_text(a, _loinc.ANALYTE_NAMES)
        frame["value"] = self.ex.values[entry]
        frame["censored"] = take_text(c, _MARKS)
        if np.isnan(frame["value"].to_numpy()).any():  # (compared as written: as_written)
            frame["raw_value"] = self.ex.res["raw_value"].to_numpy(dtype=object)[entry]
            frame["raw_unit"] = self.ex.res["raw_unit"].to_numpy(dtype=object)[entry]
        frame["source_row"] = table["row"].to_numpy().astype(np.int64)
        status = np.zeros(len(frame), dtype=np.int8)
        _mark_duplicates(frame, status, np.ones(len(frame), dtype=bool), raw_times, a, c)
        return frame, status

    def _pair(self, table):
        import pandas as pd
        import pyarrow as pa

        from labstats.datasets._routine_pair import pair_results
        from labstats.datasets.routine import STATUSES

        frame, status = self._marked(table)
        self.read_duplicates += int((status == 3).sum())
        if self.folder:  # by patient, in DuckDB (whole patients in a bucket)
            con = self.ex.con
            con.register("kept_part", table.select(["pid", "file", "row"]).filter(
                pa.array(status == 0)))
            con.execute("INSERT INTO kept SELECT pid, min(file), max(file), min(row) FROM "
                        "kept_part GROUP BY pid")
            con.unregister("kept_part")
        frame["status"] = pd.Categorical.from_codes(status, categories=list(STATUSES))
        paired = pair_results(frame, by="specimen", window=self.window,
                              repeats=self.repeats, analytes=self.analytes)
        for key, value in paired.attrs.pop("counts").items():
            self.counts[key] += value
        paired.attrs = {}
        return paired

    def split_patients(self, names):
        """Warn when patients have used results in several files (as ``read_lab_results``
        does for a folder), from the simple draws' files and the other draws' kept rows."""
        from labstats.datasets._routine_files import warn_split

        if not self.folder:  # no patient in several files (``_may_split``)
            return
        con = self.ex.con
        extra = "UNION ALL SELECT pid, f0, f1, rmin FROM kept"
        pure = "UNION ALL SELECT pid, f0, f1, rmin FROM pure" if self.pure else ""
        found = con.sql(
            f"SELECT count(*), arg_min(pid, r) FROM (SELECT pid, min(f0) AS lo, max(f1) AS hi, "
            f"min(r) AS r FROM (SELECT pid, f0, f1, rmin AS r FROM draws WHERE NOT cc {pure} "
            f"{extra}) GROUP BY pid) WHERE lo < hi").fetchall()[0]
        if not found[0]:
            return
        # the example patient's files: of its used results, read duplicates aside (as
        # read_lab_results names them)
        rows = con.sql(self._rows("WHERE u.pid = $pid", cx=False),
                       params={"pid": found[1]}).to_arrow_table()
        _, status = self._marked(rows)
        files = np.unique(rows["file"].to_numpy()[status == 0])
        warn_split(int(found[0]), found[1], [names[f] for f in files])
