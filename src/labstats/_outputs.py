"""Files labstats writes: never an input, never an existing file unless asked, never half.

One place for ``labstats derive`` (``_cli_derive``) and ``pair_export``: an output may not
be an input file (by resolved path, or by ``os.path.samefile``: hard links, another mount
of the same file) nor lie inside an input folder (it would be read as a part of the export
the next time); an existing file is replaced only when the caller says so; and an output is
written to a temporary file beside it and renamed into place when complete, so that a failed
or interrupted run leaves the old file intact and no half file.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


def same_file(a, b) -> bool:
    """Whether paths ``a`` and ``b`` name one file (resolved, or ``os.path.samefile``)."""
    a, b = Path(a), Path(b)
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output(inputs, output, *, overwrite: bool, replace: str, who: str) -> Path:
    """``output`` as a Path, after refusing an input file, a file inside an input folder,
    a folder, a missing parent folder and (unless ``overwrite``) an existing file.

    ``inputs``: the input files and folders; ``replace``: how the caller asks to replace
    an existing file ("pass overwrite=True", "pass --overwrite"); ``who``: what writes
    ("labstats derive", "pair_export"), named in the messages.
    """
    dst = Path(output)
    for source in map(Path, inputs):
        if source.is_dir():
            from labstats.datasets._routine_files import walk

            for folder in walk(source)[1]:  # (and the folders it links to: read as parts)
                if dst.resolve().is_relative_to(folder.resolve()):
                    raise ValueError(f"output {dst} is inside the input folder {folder}: it "
                                     f"would be read as a part of the export; write it "
                                     f"elsewhere")
        elif same_file(source, dst):
            raise ValueError(f"output {dst} is the input file {source}: {who} never writes "
                             f"over its input; choose another output file")
    if dst.is_dir():
        raise ValueError(f"output {dst} is a folder; give a file name such as "
                         f"{dst / ('derived' + (dst.suffix or '.parquet'))}")
    if dst.exists() and not dst.is_file():  # (is_file follows a link: /dev/stdout)
        raise ValueError(f"output {dst} is not a file but a pipe or a device: {who} writes a "
                         f"new file beside it and renames it into place, which would replace "
                         f"it; give the name of a file")
    if not dst.parent.is_dir():
        raise ValueError(f"output {dst}: folder {dst.parent} does not exist; create it first")
    if (dst.exists() or dst.is_symlink()) and not overwrite:
        raise ValueError(f"output {dst} already exists; {replace} to replace it, or choose "
                         f"another name")
    return dst


def umask() -> int:
    """The process's umask (the permissions a new file or folder does not get)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic(path):
    """A temporary file beside ``path`` (created, empty) to write to; renamed to ``path``
    when the block ends without error (``path``'s permissions kept, or the umask's for a
    new file), removed otherwise (Ctrl-C included): ``path`` holds its old content or the
    whole new file, never a part."""
    path = Path(path)
    mode = os.stat(path).st_mode & 0o7777 if path.exists() else 0o666 & ~umask()
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --- .xlsx: what a sheet cannot hold is refused; what it can is written exactly -----------

#: Limits of an Excel worksheet (Microsoft, "Excel specifications and limits"): rows
#: (the header is one of them), columns, characters in a cell, digits of a number.
EXCEL_ROWS, EXCEL_COLUMNS, EXCEL_CELL_CHARACTERS, EXCEL_DIGITS = 1_048_576, 16_384, 32_767, 15
# Characters XML 1.0 does not allow (openpyxl refuses them with a traceback).
_XML_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def check_excel(frame, path) -> None:
    """An error naming the first thing of ``frame`` that an .xlsx file would change, and the
    fix, before anything is written: more rows or columns than a sheet has, a text longer
    than a cell holds (the writer would cut it at 32,767 characters), a whole number of
    more than 15 digits (Excel keeps 15: the id 12345678901234567 would show as
    12345678901234600), times with a time zone (Excel has none) or finer than a
    millisecond, or a control character."""
    import numpy as np
    import pandas as pd

    from labstats.datasets.labfile import _py

    fix = "write .csv or .parquet instead, which keep it"
    if len(frame) + 1 > EXCEL_ROWS or frame.shape[1] > EXCEL_COLUMNS:
        raise ValueError(f"output {path}: {len(frame)} rows and {frame.shape[1]} columns; an "
                         f"Excel sheet holds at most {EXCEL_ROWS - 1} rows below its header "
                         f"and {EXCEL_COLUMNS} columns: {fix}")
    for column in frame.columns:
        values, dtype = frame[column], frame[column].dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            raise ValueError(f"output {path}: column {column!r} holds times with a time zone "
                             f"({dtype.tz}); Excel has no time zones: {fix}")
        for mask, says in _losses(values, dtype, np, pd):
            mask = pd.Series(mask).fillna(False).to_numpy(bool)
            if mask.any():
                i = int(np.flatnonzero(mask)[0])
                value, why = says(values.iloc[i])
                raise ValueError(f"output {path}: column {column!r} holds {value} at row "
                                 f"{_py(values.index[i])!r} ({int(mask.sum())} such cells): "
                                 f"{why}: {fix}")


def _losses(values, dtype, np, pd):
    """(cells an .xlsx would change, value -> (value as shown, why)) of one column."""
    if pd.api.types.is_datetime64_any_dtype(dtype):
        yield (values.dt.microsecond % 1000 != 0,
               lambda v: (str(v), "Excel keeps a time to the millisecond"))
    big = None
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        big = (values >= 10**EXCEL_DIGITS) | (values <= -10**EXCEL_DIGITS)
    elif pd.api.types.is_object_dtype(dtype):
        big = values.map(lambda v: isinstance(v, (int, np.integer)) and not isinstance(
            v, (bool, np.bool_)) and abs(int(v)) >= 10**EXCEL_DIGITS).astype(bool)
    if big is not None:
        yield big, lambda v: (repr(int(v)), f"a number of more than {EXCEL_DIGITS} digits, "
                              f"which Excel does not keep (it shows "
                              f"{int(float(f'{int(v):.{EXCEL_DIGITS}g}'))})")
    if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
        cells = values.astype("string")
        yield (cells.str.len() > EXCEL_CELL_CHARACTERS,
               lambda v: (f"a text of {len(str(v))} characters", f"an Excel cell holds at most "
                          f"{EXCEL_CELL_CHARACTERS} (the rest would be cut off)"))
        yield (cells.str.contains(_XML_ILLEGAL, regex=True),
               lambda v: (repr(v), "a control character, which an .xlsx file cannot hold "
                          "(XML 1.0)"))


def write_excel(frame, path) -> None:
    """``frame`` as one sheet of an .xlsx file, its cells as they are.

    Check it first with ``check_excel`` (what a sheet cannot hold). Written exactly:
    a number with all the digits its float needs (17 significant digits where 16 do not
    give the same float back; openpyxl writes 16), and a text starting with "=" as text
    (openpyxl would write "=1+1" as a formula, which Excel computes and labstats refuses
    to read).
    """
    import math

    import numpy as np
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as book:
        frame.to_excel(book, index=False)
        sheet = next(iter(book.sheets.values()))
        for j, column in enumerate(frame.columns, 1):
            dtype = frame[column].dtype
            if (pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
                    or pd.api.types.is_datetime64_any_dtype(dtype)):
                continue  # written exactly as they are
            values = frame[column].to_numpy(dtype=object)
            for i in np.flatnonzero(pd.Series(values).map(
                    lambda v: isinstance(v, (float, np.floating)) and math.isfinite(v)
                    or isinstance(v, str) and v.startswith("="))):
                cell, value = sheet.cell(row=int(i) + 2, column=j), values[i]
                if isinstance(value, str):
                    cell.data_type = "s"  # text, not a formula
                else:
                    cell.value = repr(float(value))  # the shortest text giving it back
                    cell.data_type = "n"
