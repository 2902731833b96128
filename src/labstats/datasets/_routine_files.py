"""The files of an export written as a folder of Parquet parts (``_routine_io``,
``pair_export``): which files are its parts, whether they agree (columns, kinds of
values) so that they are read as one table, and which patients have results in several
of them (the warning every path of the routine reader gives)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from labstats._validate import warn

_PARQUET = (".parquet", ".pq")


def folder_parts(path: Path, reads: str) -> list[Path]:
    """The Parquet files of folder ``path`` (and its sub-folders), sorted: every file of
    the folder is a part of the export, so a file that may not be one is an error naming
    it, never skipped or read in silence: a file of another name (a CSV, Hive's
    ``000000_0``: renamed or moved out), a Parquet file under a name starting with "." or
    "_" (a write in progress or left by a failed run, such as Spark's ``_temporary/``),
    and two names of one file (a link: its rows would be read twice). Other files whose
    name starts with "." or "_" are the bookkeeping of the programs that write such
    folders (Spark's ``_SUCCESS``, ``.crc`` checksums, ``_metadata``, macOS's ``._*``).
    A link to a folder is followed (``Path.rglob`` skips it); a link to nothing is an error.
    ``reads``: what the reader reads (in words for the API and the CLI alike), said when
    the folder holds no Parquet file."""
    import os

    files, seen = [], {}
    for f in walk(path)[0]:
        if not f.exists():
            raise ValueError(f"{f}: a link to {os.readlink(f)}, which does not exist; every "
                             f"file of the folder {path} is read as a part of the export: "
                             f"remove the link or restore its file")
        hidden = any(part.startswith((".", "_")) for part in f.relative_to(path).parts)
        parquet = f.suffix.lower() in _PARQUET and not f.name.startswith("._")  # (macOS's)
        if hidden and parquet:
            raise ValueError(f"{f}: a Parquet file whose name or folder starts with '.' or "
                             f"'_', as a write in progress or left by a failed run (Spark's "
                             f"_temporary) is named; every file of the folder {path} is read "
                             f"as a part of the export: let the writer finish, or move the "
                             f"file out of the folder (rename it if it is a part)")
        if hidden:
            continue
        if not parquet:
            raise ValueError(f"{f}: not a Parquet file (*.parquet, *.pq); every file of the "
                             f"folder {path} is read as a part of the export: move it out "
                             f"of the folder, or rename it to .parquet if it is a part")
        key = os.stat(f)[1:3]  # (inode, device): two names of one file
        if key in seen:
            raise ValueError(f"{f} and {seen[key]} are one file (a link): its rows would be "
                             f"read twice; remove the link from the folder {path}")
        seen[key] = f
        files.append(f)
    if not files:
        raise ValueError(f"{path}: a folder without Parquet files (*.parquet); {reads}")
    return files


def walk(path: Path) -> tuple[list[Path], list[Path]]:
    """(every file, every folder) under folder ``path`` (itself included), sorted,
    following links to folders; a folder reached twice (a link to it, or to a folder above
    it) is an error."""
    import os

    out, folders, stack = [], {}, [path]
    while stack:
        folder = stack.pop()
        key = os.stat(folder)[1:3]  # (inode, device)
        if key in folders:
            raise ValueError(f"{folder} and {folders[key]} are one folder (a link): its parts "
                             f"would be read twice; remove the link from the folder {path}")
        folders[key] = folder
        with os.scandir(folder) as entries:
            for entry in entries:
                (stack if entry.is_dir() else out).append(Path(entry.path))
    return sorted(out), sorted(folders.values())


def _kind(kind):
    """What a column of Arrow type ``kind`` holds: "numbers", "text", "times", "times with
    a time zone" (instants: times without one are clock readings of an unknown zone),
    "booleans", the type itself, or None (a column of nulls: no value to disagree)."""
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_timestamp(kind) and kind.tz is not None:
        return "times with a time zone"
    for test, name in ((pa.types.is_null, None), (pa.types.is_boolean, "booleans"),
                       (lambda k: pa.types.is_integer(k) or pa.types.is_floating(k)
                        or pa.types.is_decimal(k), "numbers"),
                       (lambda k: pa.types.is_string(k) or pa.types.is_large_string(k)
                        or pa.types.is_string_view(k), "text"),
                       (lambda k: pa.types.is_timestamp(k) or pa.types.is_date(k), "times")):
        if test(kind):
            return name
    return str(kind)


def check_parts(files, time_zone=None) -> list:
    """The Parquet footers of ``files`` (``FileMetaData``: rows, schema), after refusing a
    file that cannot be read, a file whose columns are not the first file's, and a column
    holding another kind of values (numbers, text, times) than in an earlier file. The parts of a
    folder are read as one export: patient 10001 written as a number in one part and as
    text in another would be two patients (pandas) or one (DuckDB), so neither reads them.
    Numbers of several types (integers, floats) and columns of nulls agree; times of two
    time zones only with ``time_zone`` (the readers' ``time_zone=``: each converted to it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    footers = []
    for f in files:
        try:
            footers.append(pq.read_metadata(f))
        except (OSError, pa.ArrowException) as exc:
            raise ValueError(f"{f}: cannot be read as a table ({type(exc).__name__}: {exc}); "
                             f"is the file complete?") from exc
    schemas = [m.schema.to_arrow_schema() for m in footers]
    first, seen = schemas[0].names, {}
    for f, schema in zip(files, schemas, strict=True):
        if schema.names != first:
            raise ValueError(f"{f}: its columns {schema.names} are not those of {files[0]} "
                             f"({first}); a folder holds parts of one export")
        for field in schema:
            kind = _kind(field.type)
            was = seen.setdefault(field.name, (kind, f, field.type)) if kind else None
            if was is not None and was[0] != kind:
                raise ValueError(
                    f"{f}: column {field.name!r} holds {kind} ({field.type}) where {was[1]} "
                    f"holds {was[0]} ({was[2]}); a folder holds parts of one export, read as "
                    f"one table: write {field.name!r} with one type in every part (e.g. "
                    f"frame[{field.name!r}].astype(...) before to_parquet)")
            zones = [getattr(getattr(t, "value_type", t), "tz", None)
                     for t in (was[2], field.type)] if was is not None else ()
            if zones and zones[0] != zones[1] and time_zone is None:  # instants of two
                raise ValueError(  # zones: pandas refuses them, DuckDB would read UTC
                    f"{f}: column {field.name!r} holds times in time zone {zones[1]} where "
                    f"{was[1]} holds times in {zones[0]}; a folder holds parts of one export, "
                    f"whose times are read as one column in one zone: pass time_zone='UTC' (or "
                    f"the laboratory's, e.g. 'Europe/Berlin'; CLI: --time-zone) to read them "
                    f"in that zone, or convert every part to one (e.g. "
                    f"frame[{field.name!r}].dt.tz_convert('UTC') before to_parquet)")
    return footers


def files_per_patient(patients, files, used):
    """Patients whose used results are in several files of a folder: warn, return them."""
    split, first = split_patients(patients, files, used)
    if first is not None:
        warn_split(len(split), *first[1:])
    return split


def split_patients(patients, files, used, rows=None):
    """(``patient_id`` and number of ``files`` of the patients whose ``used`` results are
    in several ``files``, in the order of their first used row; the first's (row, id,
    files)), or (None, None) without files (not a folder). ``rows``: each row's row in the
    export (default: its position). What ``files_per_patient`` warns of; ``pair_export``'s
    partitioned path finds it partition by partition (each holds whole patients)."""
    import pandas as pd

    if files is None:
        return None, None
    # files by number (a Categorical's codes: not their names, row by row)
    files = files if isinstance(files, pd.Categorical) else pd.Categorical(files)
    frame = pd.DataFrame({"patient_id": patients[used], "file": files.codes[used]})
    n = frame.groupby("patient_id", observed=True, sort=False)["file"].nunique()
    split, first = n[n > 1], None
    if len(split):
        pid = split.index[0]
        mine = (frame["patient_id"] == pid).to_numpy(dtype=bool)
        at = int(np.argmax(mine))
        row = int(at if rows is None else np.asarray(rows)[np.flatnonzero(used)[at]])
        first = (row, pid.item() if isinstance(pid, np.generic) else pid,
                 list(files.categories[frame["file"][mine].unique()]))
    return split.rename("files").reset_index(), first


def warn_split(count, first, files):
    """The warning for ``count`` patients with results in several files (``first``, in
    ``files``, the first of them in the export's row order); every path of the routine
    reader gives this one, once per export."""
    warn(f"{count} patient(s) have results in several files of the folder (e.g. "
         f"{first!r} in {', '.join(sorted(files))}); their results are paired across files here, "
         f"but a tool that reads one file at a time would split them. read_lab_results lists "
         f"them in result.attrs['split_patients']")
