"""``derive`` on a Dask DataFrame (issue 12), partition by partition: each partition's
warnings are recorded as data (its ``attrs``) and issued once, on the client, at the
caller's line, judged on all partitions as ``derive`` judges the whole frame (``replay``),
when the result is computed, persisted and computed, or written with ``to_parquet``.

Computing a result and the warnings of its partitions is one ``dask.compute`` of both
(``_issued``): they read the same derived partitions (the same keys), so each partition is
derived once and none is kept beyond its own tasks.
"""

from __future__ import annotations

import numpy as np

#: The ``attrs`` key of a derived partition's warnings (``_Found``).
_FOUND = "labstats_warnings"


class _Found(list):
    """What ``collected_warnings`` recorded while a partition was derived: it travels with
    the partition (its ``attrs``) to the client. Equal only to itself, so that pandas'
    ``concat`` (which keeps ``attrs`` only when all are equal) drops it."""

    def __eq__(self, other):
        return self is other

    __hash__ = object.__hash__


def _derive_part(part, names, kw):
    """``derive`` on one partition, its warnings recorded (not issued) in its ``attrs``."""
    from labstats._warn import collected_warnings
    from labstats.datasets.derive import derive

    with collected_warnings() as found:
        out = derive(part, names, **kw)
    found = _Found(found)
    found.mode = kw.get("plausibility", "raise")  # the mode derive checked in
    out.attrs = {**out.attrs, _FOUND: found}
    return out


def _without_found(part):
    """The derived partition without its recorded warnings (what every Dask operation and
    writer sees: pyarrow would try to store them as the frame's attrs)."""
    if _FOUND not in part.attrs:
        return part
    part = part.copy(deep=False)
    part.attrs = {k: v for k, v in part.attrs.items() if k != _FOUND}
    return part


def replay(recorded, mode):
    """Issue the warnings ``collected_warnings`` recorded in each part of a frame (a list
    per part, in the parts' order) as ``derive`` on the whole frame words them: each
    check once, on the values of all parts in order (the first implausible value and its
    label, their count, the column's quartiles, the rows a formula set to NaN), in
    ``mode``; any other warning once per message. Called by the caller's thread."""
    from labstats import units as _units
    from labstats._validate import _check, _check_measure, check_column_unit
    from labstats._warn import thread_plausibility, warn
    from labstats.formulas._common import warn_rows

    found: dict = {}  # key -> the records of all partitions, in the order derive checks
    for records in recorded:
        slot = 0  # skeleton records (column, rows: made in every partition) order the rest
        for r in records:
            kind = r[0]
            key = (kind, *r[1:4]) if kind in ("implausible", "measure", "column") else r[:2]
            rank = (slot, 0 if kind in ("implausible", "measure") else 1)
            slot += kind in ("column", "rows")
            found.setdefault(key, (rank, []))[1].append(r)
    with thread_plausibility(mode):  # (each record carries derive's advice: its words)
        for key, (_, records) in sorted(found.items(), key=lambda kv: kv[1][0]):
            kind, r = key[0], records[0]
            if kind == "warn":
                warn(r[1], r[2])
            elif kind == "rows":
                warn_rows(sum(x[2] for x in records), r[1])
            elif kind == "column":
                check_column_unit(np.concatenate([x[5] for x in records]), r[1], r[2], r[3],
                                  r[4].__getitem__, r[7])
            else:
                import pandas as pd

                labels = np.concatenate([x[-2] for x in records])
                bad = np.concatenate([x[-1] for x in records])
                values = pd.Series(bad, index=labels)
                if kind == "implausible":
                    _check(values, bad, r[1], _units.ANALYTES[r[2]], r[3], r[4], r[5], r[6])
                else:
                    _check_measure(values, bad, r[1], _units.MEASURES[r[2]], r[3], r[4])


def _found_of(part):
    """The warnings a derived partition recorded, in a one-cell Series (to the client)."""
    import pandas as pd

    cell = np.empty(1, dtype=object)
    cell[0] = part.attrs.get(_FOUND, _Found())
    return pd.Series(cell)


def _issued(collection, parts, kwargs):
    """``collection`` computed as ``dask.compute`` computes it, in one call with the
    warnings recorded in ``parts`` (the derived partitions it is made from), then those
    warnings issued (``replay``): the derived partitions are computed once, as shared keys
    of both. An error of a partition (an implausible value in "raise" mode) is raised."""
    import dask
    import pandas as pd

    found = parts.map_partitions(_found_of, meta=pd.Series([], dtype=object))
    out, found = dask.compute(collection, found, **kwargs)
    found = list(found)
    replay(found, next((f.mode for f in found if hasattr(f, "mode")), "raise"))
    return out


_CLASSES: dict = {}  # the classes below, made when dask is first used (no import of dask here)


def _classes():
    """``DerivedFrame``: a Dask DataFrame whose ``compute()`` and ``to_parquet()`` issue
    the warnings of ``derive`` on the client, at the caller's line, once for the whole
    frame; ``WrittenParquet``: its ``to_parquet(compute=False)``, whose ``compute()``
    writes and issues them."""
    if _CLASSES:
        return _CLASSES
    import dask.dataframe as dd
    from dask.dataframe.dask_expr import new_collection
    from dask.dataframe.dask_expr._collection import Scalar

    class DerivedFrame(dd.DataFrame):
        """Its expression: the derived partitions (warnings in their attrs), stripped."""

        def _derived_parts(self):
            if getattr(self.expr, "func", None) is _without_found:
                return new_collection(self.expr.frame)
            return None

        def compute(self, **kwargs):
            inner = self._derived_parts()
            if inner is None:  # (not made by dask_derive: nothing recorded)
                return super().compute(**kwargs)
            return _issued(self, inner, kwargs)

        def persist(self, **kwargs):  # the derived partitions kept with their warnings
            inner = self._derived_parts()
            if inner is None:
                return super().persist(**kwargs)
            return _derived(inner.persist(**kwargs), self._meta)

        def to_parquet(self, path, **kwargs):
            """Dask's ``to_parquet``, the same files; with ``compute=True`` (the default)
            the warnings of ``derive`` are issued once written (or its error raised), as
            ``compute()`` issues them; with ``compute=False``, the ``compute()`` of what
            it returns does."""
            _not_an_input(self.expr, path)
            inner = self._derived_parts()
            if inner is None:
                return super().to_parquet(path, **kwargs)
            compute = kwargs.pop("compute", True)
            compute_kwargs = kwargs.pop("compute_kwargs", None) or {}
            import fsspec

            fs, root = fsspec.core.url_to_fs(str(path), **(kwargs.get("storage_options")
                                                          or {}))
            before = _files_under(fs, root)  # (Dask makes the folder now)
            write = super().to_parquet(path, compute=False, **kwargs)
            written = _written(write.expr, inner.expr, before)
            return written.compute(**compute_kwargs) if compute else written

        def __reduce__(self):
            return _derived, (self.expr,)

    class WrittenParquet(Scalar):
        """Dask's lazy write of a derived frame (``to_parquet(compute=False)``): its
        ``compute()`` writes and issues the frame's warnings; written by
        ``dask.compute`` or ``persist()``, it issues none."""

        def __init__(self, expr, parts=None, before=None):
            super().__init__(expr)
            self._parts = parts  # the expression of the derived partitions (or None)
            self._before = before  # the files under its folder before (None: no folder)

        def compute(self, **kwargs):
            if self._parts is None:
                return super().compute(**kwargs)
            fs, root = self.expr.fs, self.expr.path
            try:
                out = _issued(self, new_collection(self._parts), kwargs)
            except BaseException:  # ("raise" mode: raised once all is written)
                _remove_new(fs, root, self._before)
                raise
            fs.invalidate_cache(root)  # (as Dask's to_parquet does)
            return out

        def __reduce__(self):
            return _written, (self.expr, self._parts, self._before)

    _CLASSES.update(DerivedFrame=DerivedFrame, WrittenParquet=WrittenParquet)
    return _CLASSES


def _not_an_input(expr, path):
    """Refuse to write a derived frame to ``path`` when it is, or holds, or lies in a local
    file or folder the frame reads (lazily: Dask would write its parts over the files it
    is still reading, e.g. ``derive(dd.read_parquet(F)).to_parquet(F)``)."""
    from pathlib import Path

    from dask.dataframe.dask_expr.io import BlockwiseIO

    if "://" in str(path):  # (local files only)
        return
    dst = Path(path).resolve()
    for op in expr.find_operations(BlockwiseIO):
        given = getattr(op, "path", None) or getattr(op, "filename", None)
        for source in given if isinstance(given, (list, tuple)) else [given]:
            if not isinstance(source, (str, Path)) or "://" in str(source) or any(
                    c in str(source) for c in "*?["):
                continue
            src = Path(source).resolve()
            if dst == src or dst.is_relative_to(src) or src.is_relative_to(dst):
                raise ValueError(f"to_parquet({str(path)!r}): the derived frame reads {src}, "
                                 f"lazily, as it writes: its parts would be written over (or "
                                 f"beside) the files being read; write to another folder")


def _files_under(fs, root):
    """The files under ``root`` on ``fs`` (fsspec), or None when it does not exist."""
    fs.invalidate_cache(root)
    return set(fs.find(root)) if fs.exists(root) else None


def _remove_new(fs, root, before):
    """After a failed write: remove what it created under ``root`` (``root`` itself when
    it did not exist before), so that no unchecked or partial dataset is left to be read
    as a result. Files it replaced in an existing folder cannot be restored."""
    now = _files_under(fs, root)
    if now is None:
        return
    if before is None:
        fs.rm(root, recursive=True)
        return
    for path in sorted(now - before):
        fs.rm(path)


def _derived(parts, meta=None):
    """The derived frame of a Dask frame of derived partitions with their warnings (or of
    its expression: what a pickled one comes back as)."""
    if meta is None:
        return _classes()["DerivedFrame"](parts)
    return _classes()["DerivedFrame"](parts.map_partitions(_without_found, meta=meta).expr)


def _written(expr, parts=None, before=None):
    """The lazy write ``expr`` (Dask's ``ToParquet``) of the derived partitions ``parts``;
    ``before``: the files under its folder before ``to_parquet`` (None: no folder)."""
    return _classes()["WrittenParquet"](expr, parts, before)


def dask_derive(ddf, names=None, **kw):
    """``derive`` on a Dask DataFrame, partition by partition (rows are independent), in
    ``plausibility`` (its keyword, as in pandas). Each partition records its warnings as
    data; the result's ``compute()``, the ``compute()`` of its ``persist()``, and its
    ``to_parquet()`` (the files Dask writes; with ``compute=False``, the ``compute()`` of
    the lazy write it returns) issue them as ``derive`` on the computed frame would, once,
    at the caller's line (a column's implausible values, column-level unit check and
    formula counts judged on all partitions together; a column of more than 4,096 values
    per partition is judged on the partitions' 64 runs of 64 values together, which pandas
    reads from the whole column), each partition derived once. Not otherwise: computed by
    ``dask.compute(frame)`` or ``client.compute`` (Dask computes the expression and
    returns its value, calling no method of the frame), written by another writer or by
    ``dd.to_parquet(frame, ...)``, or through a frame made from it, its warnings are not
    issued (the partitions it gives carry none). In "raise" mode, an implausible value
    raises when computed or written, naming the column, the value, its label in its
    partition and that partition's count, and what the write created is removed (the
    folder, when it did not exist; files it replaced in an existing folder cannot be
    restored)."""
    from labstats.datasets.derive import derive

    meta = derive(ddf._meta, names, **kw)  # an empty frame: no fake values to check
    return _derived(ddf.map_partitions(_derive_part, names, kw, meta=meta), meta)
