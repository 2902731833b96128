"""Files of a laboratory export -> a DataFrame of the raw cells, or a clear error.

Refused, each with what to do: a web page saved under a table's name, an empty file, a
header without data rows, rows with too few or too many fields (never padded), a last
line without its line break (a cut-off download), repeated headers, tuple column labels,
Excel workbooks read without naming one sheet, a sheet whose first row is empty, merged
cells, and formula cells without a stored result. Excel cells are kept as the workbook
holds them (text stays text; an error cell such as ``#DIV/0!`` is its text, as in a CSV).
Used by ``labstats.datasets.labfile``.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np

_HTML = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|\?xml[^>]*>"
                   rb"\s*<(?:!doctype\s+html|html))", re.IGNORECASE | re.DOTALL)
_EXCEL = (".xlsx", ".xlsm", ".xls")


def _looks_html(head: bytes) -> bool:
    return bool(_HTML.match(head.removeprefix(b"\xef\xbb\xbf")))


def norm_label(text) -> str:
    """A header as matched: invisible format characters (zero-width space, BOM, soft
    hyphen: Unicode category Cf) removed, case folded, spaces and underscores as one space.
    The one normalisation of headers, for wide (``labfile``) and long (``_routine_io``)
    exports."""
    import unicodedata

    text = "".join(c for c in str(text) if unicodedata.category(c) != "Cf")
    return re.sub(r"[\s_]+", " ", text.strip().lower()).strip(" ,:")


def is_blank(cell) -> bool:
    """An empty cell or header: None, NaN, or text of white space only (str.strip's, which
    includes the no-break spaces). The one test, for headers, a sheet's first row and the
    cells under the header (``_labunits.check_units_row``)."""
    return (cell is None or (isinstance(cell, float) and cell != cell)
            or (isinstance(cell, str) and not cell.strip()))


def check_labels(columns, where: str) -> None:
    """Tuple labels and repeated headers are errors; anything else is kept as it is."""
    import pandas as pd

    if isinstance(columns, pd.MultiIndex) or any(isinstance(c, tuple) for c in columns):
        raise ValueError(
            f"{where}: the column labels are tuples (a MultiIndex, e.g. two header rows); "
            f"read_lab_export needs one label per column: flatten them first, e.g. "
            f"frame.columns = [' '.join(map(str, c)).strip() for c in frame.columns]")
    labels = pd.Index(columns)
    blank = [i for i, c in enumerate(columns) if is_blank(c)]
    if len(labels) > 1 and len(blank) == len(labels) - 1 and blank[0] == 1:
        raise ValueError(title_message(where, "its first line", columns[0], len(blank)))
    if len(blank) > 1:
        shown = ", ".join(str(i + 1) for i in blank[:10])
        raise ValueError(f"{where}: {len(blank)} columns have no header (columns {shown}, "
                         f"counted from 1): give each column a name in the header line, or "
                         f"delete the empty columns (an empty column at the end of a "
                         f"spreadsheet's export?)")
    dup = labels[labels.duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"{where}: the header {dup[0]!r} appears more than once; rename the "
                         f"repeated columns so that each has its own header")


def title_message(where: str, line: str, cell, others: int) -> str:
    """The error for a title row above the header (a CSV's first line, a sheet's first
    row): it names the cell and what to do."""
    return (f"{where}: {line} holds only {cell!r}, in its first cell, and no header for its "
            f"other {others} column{'s' if others > 1 else ''}: a title above the header? "
            f"labstats takes the header from the first {'row' if 'row' in line else 'line'}: "
            f"delete the {'rows' if 'row' in line else 'lines'} above it")


def _sheet(path: Path, sheet_name, names):
    """The one sheet to read; ``sheet_name=None`` or a list is an error listing the sheets."""
    listed = ", ".join(map(repr, names))
    if sheet_name is None or isinstance(sheet_name, (list, tuple)):
        raise ValueError(f"{path}: read_lab_export reads one sheet, but sheet_name={sheet_name!r}"
                         f" asks for several; the workbook has {listed}: pass one, e.g. "
                         f"sheet_name={names[0]!r} (CLI: --sheet NAME)")
    if isinstance(sheet_name, str) and sheet_name not in names:
        raise ValueError(f"{path}: no sheet named {sheet_name!r}; the workbook has {listed} "
                         f"(sheet_name=, CLI: --sheet)")
    if isinstance(sheet_name, int) and not -len(names) <= sheet_name < len(names):
        raise ValueError(f"{path}: no sheet number {sheet_name} (sheets are numbered from 0); "
                         f"the workbook has {listed} (sheet_name=, CLI: --sheet)")
    return sheet_name


def _read_excel(path: Path, sheet_name):
    """One sheet, its cells as the workbook holds them, its header row checked as a CSV's.

    pandas would parse a text column of digits ("001", "1.200") and a TRUE among numbers
    into numbers, read the text "NA", "None" or "null" as missing, rename a repeated
    header "SHBG" to "SHBG.1", and take an empty first row for a header of unnamed
    columns; here the cells are kept (``dtype=object``, then ``infer_objects``: numbers
    stay numbers, text stays text, only an empty cell is missing), and the header row is
    read as it is, so that a repeated header or an empty first row is an error. pandas reads
    error cells and formulas without a stored result as empty: see ``_stored_results``.
    """
    import pandas as pd

    with pd.ExcelFile(path) as book:
        names = list(book.sheet_names)
        sheet = _sheet(path, sheet_name, names)
        # text such as "NA", "None" or "null" stays text, as in a CSV (pandas would read
        # it as missing); only an empty cell is missing
        frame = pd.read_excel(book, sheet_name=sheet, dtype=object, keep_default_na=False,
                              na_values=[""])
        first = pd.read_excel(book, sheet_name=sheet, header=None, nrows=1, dtype=object)
    cells = [] if first.empty else first.iloc[0].tolist()
    filled = [not is_blank(c) for c in cells]
    named = [c for c, f in zip(cells, filled, strict=True) if f]
    shown = sheet if isinstance(sheet, str) else names[sheet]
    if not named and len(frame):
        raise ValueError(f"{path}: the first row of sheet {shown!r} is empty, but labstats "
                         f"takes the header from the first row: delete the empty rows above it")
    if len(cells) > 1 and filled[0] and not any(filled[1:]) and len(frame):
        raise ValueError(title_message(str(path), f"the first row of sheet {shown!r}",
                                       cells[0], len(cells) - 1))
    check_labels(named, str(path))
    if path.name.lower().endswith((".xlsx", ".xlsm")):
        _stored_results(path, names.index(shown), shown, frame)
    return frame.infer_objects()


def _stored_results(path: Path, position: int, shown: str, frame) -> None:
    """Formula cells without a stored result are an error; error cells (``#DIV/0!``,
    ``#N/A``) are put in ``frame`` as their text, to be reported as in a CSV.

    pandas reads both as empty (NaN). A workbook written by a program that does not
    compute formulas stores none of their results (openpyxl) or 0 for each (XlsxWriter),
    and asks for all to be computed on opening (``fullCalcOnLoad``): then every formula
    cell is an error. Excel and LibreOffice store every result (an empty text result as
    ``t="str"``). The header is row 1, so the
    frame's row ``i`` is the sheet's row ``i + 2`` and its column ``j`` column ``j + 1``.
    """
    import posixpath
    import zipfile
    from xml.etree import ElementTree

    def local(tag):
        return tag.rpartition("}")[2]

    def rels(book, part):  # relationship id -> (type, part it points to)
        folder, name = posixpath.split(part)
        out = {}
        for r in ElementTree.fromstring(book.read(posixpath.join(folder, "_rels", name + ".rels"))):
            target = r.get("Target", "")
            out[r.get("Id")] = (r.get("Type", ""), target.lstrip("/") if target.startswith("/")
                                else posixpath.normpath(posixpath.join(folder, target)))
        return out

    with zipfile.ZipFile(path) as book:
        top = next(t for kind, t in rels(book, "").values() if kind.endswith("/officeDocument"))
        workbook = book.read(top)
        sheets = [e for e in ElementTree.fromstring(workbook).iter() if local(e.tag) == "sheet"]
        rid = next(v for k, v in sheets[position].attrib.items() if local(k) == "id")
        data = book.read(rels(book, top)[rid][1])
    _hidden(sheets[position], sheets, path, shown)
    _merged(data, path, shown, frame)
    if not (re.search(rb"<(?:\w+:)?f[\s>/]", data) or re.search(rb"\st=\"e\"", data)):
        return
    from openpyxl.utils.cell import coordinate_to_tuple

    # "recompute every formula on opening": the results stored are not computed ones
    # (XlsxWriter stores 0 for each, its documentation says; Excel clears the flag on save)
    stale = re.search(rb'<(?:\w+:)?calcPr\b[^>]*\bfullCalcOnLoad="(?:1|true)"', workbook)
    unstored, row, col, zeros = [], 0, 0, False
    for event, cell in ElementTree.iterparse(io.BytesIO(data), events=("start", "end")):
        if event == "start":  # a row, or a cell, without its number is the next one
            if local(cell.tag) == "row":
                row, col = int(cell.get("r", row + 1)), 0
            elif local(cell.tag) == "c":
                row, col = coordinate_to_tuple(cell.get("r")) if cell.get("r") else (row, col + 1)
            continue
        if local(cell.tag) != "c":
            continue
        parts = {local(e.tag): e for e in cell}
        kind, value = cell.get("t", "n"), parts["v"].text if "v" in parts else None
        if kind == "e" and row > 1:
            frame.iat[row - 2, col - 1] = value
        elif "f" in parts and (stale or not value and kind not in ("str", "s", "inlineStr")):
            unstored.append((cell.get("r") or f"row {row}, column {col}", row, col))
            zeros = zeros or bool(value)
        cell.clear()
    if unstored:
        shown_cells = ", ".join(
            f"{ref} (column {frame.columns[c - 1] if c <= frame.shape[1] else '?'!r}, "
            f"{'the header' if r == 1 else f'row {r - 2}'})" for ref, r, c in unstored[:10])
        more = f" and {len(unstored) - 10} more" if len(unstored) > 10 else ""
        held = ("results never computed (0 or empty: the workbook asks for every formula to "
                "be computed on opening), so they would read as those" if zeros else
                "no stored result, so they would read as empty")
        raise ValueError(
            f"{path}: {len(unstored)} formula cell{'s' if len(unstored) > 1 else ''} of sheet "
            f"{shown!r} hold {held}: {shown_cells}{more}. The workbook was saved by a program "
            f"that does not compute formulas; open it in Excel or LibreOffice and save it "
            f"(that stores the results), or export the sheet as CSV")


def _hidden(sheet, sheets, path: Path, shown: str) -> None:
    """A warning when the sheet read is hidden in Excel (the user sees another one)."""
    state = sheet.get("state") or "visible"
    if state == "visible":
        return
    from labstats._validate import warn

    visible = [e.get("name") for e in sheets if (e.get("state") or "visible") == "visible"]
    warn(f"{path}: sheet {shown!r}, which was read, is {state} in Excel; the workbook shows "
         f"{', '.join(map(repr, visible)) or 'no sheet'}: if you meant another, pass "
         f"sheet_name={visible[0] if visible else 'NAME'!r} (CLI: --sheet)")


def _merged(data: bytes, path: Path, shown: str, frame) -> None:
    """Merged cells are an error: a merged range holds its value in its first cell only,
    so pandas reads the rest as empty (an id merged over a patient's rows would be lost
    on all but the first) and a header merged over two columns leaves one unnamed."""
    refs = [r.decode() for r in re.findall(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([^"]+)"', data)]
    if not refs:
        return
    from openpyxl.utils.cell import range_boundaries

    col, top, _, bottom = range_boundaries(refs[0])
    where = (f"column {frame.columns[col - 1]!r}, " if col <= frame.shape[1] else "") + (
        "the header" if bottom == 1 else f"rows {max(top, 2) - 2}-{bottom - 2}")
    raise ValueError(
        f"{path}: sheet {shown!r} has {len(refs)} range{'s' if len(refs) > 1 else ''} of "
        f"merged cells ({', '.join(refs[:5])}{' ...' if len(refs) > 5 else ''}; the first "
        f"in {where}): a merged range holds its value in its first cell only, so the others "
        f"would read as empty. Unmerge the cells and write the value into each of them "
        f"(in Excel: Merge & Center off, then fill down), and save")


def _ragged(text: str, sep: str, path: Path) -> None:
    """Rows with another number of fields than the header: an error naming their lines."""
    lengths = np.fromiter(map(len, csv.reader(io.StringIO(text, newline=""), delimiter=sep)),
                          dtype=np.int64)
    filled = lengths[lengths > 0]  # blank lines hold no data; pandas skips them too
    if filled.size == 0 or (filled == filled[0]).all():
        return
    width = int(filled[0])
    if filled.size > 2 and (filled[1:] == filled[1]).all():  # all but the first agree
        first = next(line for line in text.splitlines() if line.strip())
        raise ValueError(
            f"{path}: its first line {first[:80]!r} has {width} field"
            f"{'s' if width > 1 else ''} and every other line {int(filled[1])}: a title "
            f"above the header, or a header without a name for every column? A table's "
            f"header is its first line, one name per field: remove the title from the file "
            f"or name every column (or pass the right sep=, CLI: --sep)")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    bad = [(reader.line_num, len(rec)) for rec in reader if rec and len(rec) != width]
    shown = ", ".join(f"line {line} has {k}" for line, k in bad[:10])
    more = f" and {len(bad) - 10} more lines" if len(bad) > 10 else ""
    raise ValueError(
        f"{path}: {len(bad)} row{'s' if len(bad) > 1 else ''} with another number of fields "
        f"than the header ({width}): {shown}{more}. A row is never padded or cut: fix the "
        f"file (a separator inside an unquoted value, an unclosed quote, a cut-off line?), or pass the right "
        f"sep= (CLI: --sep)")


_SEPS = (";", "\t", ",")


def _titles(text: str, path: Path) -> None:
    """Lines without any separator above lines with one: title lines above the header,
    which would make the title the header of a one-column table. An error naming them;
    a file whose lines all lack a separator is one column and passes."""
    titles: list = []
    for number, line in enumerate(text[:1 << 16].splitlines(), 1):  # (titles: on top)
        if not line.strip():
            continue
        if any(c in line for c in _SEPS):
            if not titles:
                return
            shown = f"line {titles[0][0]}" if len(titles) == 1 else \
                f"lines {titles[0][0]}-{titles[-1][0]}"
            raise ValueError(
                f"{path}: {shown} ({titles[0][1][:80]!r}) hold{'s' if len(titles) == 1 else ''}"
                f" no separator ({', '.join(map(repr, _SEPS))}) but line {number} does: "
                f"a title above the header? A table's header is its first line: remove the "
                f"title from the file (for a table of one column, pass sep=, CLI: --sep)")
        titles.append((number, line))
        if len(titles) > 20:  # a one-column file
            return


def separator(header: str) -> str:
    """The separator of a delimited file: the one of ';', tab, ',' its header line (first
    line with text) holds most (a spreadsheet saves ';' where the decimal mark is ',')."""
    return max(_SEPS, key=header.count)


def _read_csv(path: Path, sep, encoding):
    import pandas as pd

    with pd.io.common.get_handle(path, "rb", compression="infer", is_text=False) as h:
        data = h.handle.read()
    if _looks_html(data[:4096]):
        raise ValueError(_html_message(path))
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not {encoding} text ({exc}); pass the file's encoding, "
                         f"e.g. encoding='cp1252' (CLI: --encoding cp1252)") from exc
    text = text.removeprefix("\ufeff")
    tail = text.rstrip(" \t")  # spaces after the last line break hold no data
    text = tail if tail.endswith(("\n", "\r")) else text
    if not text.strip():
        raise ValueError(f"{path}: the file is empty (no header, no data); was the export "
                         f"or the download interrupted?")
    if not text.endswith(("\n", "\r")):
        last = text.count("\n") + 1
        raise ValueError(
            f"{path}: the last line (line {last}) does not end with a line break, as when a "
            f"download or a copy is cut off, so its last value may be incomplete. Download or "
            f"export the file again; if it is complete, add a line break at its end")
    if sep is None:
        _titles(text, path)
        first = next((line for line in text.splitlines() if line.strip()), "")
        sep = separator(first)
    header = next(csv.reader(io.StringIO(text.lstrip("\r\n"), newline=""), delimiter=sep))
    check_labels(header, str(path))
    _ragged(text, sep, path)
    return pd.read_csv(io.StringIO(text, newline=""), dtype=str, keep_default_na=False,
                       sep=sep, index_col=False)


def _html_message(path) -> str:
    kind = "a CSV" if re.search(r"\.(csv|tsv|txt)", path.name.lower()) else "a table file"
    return (f"{path}: looks like an HTML page, not {kind}: was it downloaded from a login "
            f"page? Open it in a text editor, log in, and download the export again")


def read_raw(source, sheet_name, sep, encoding):
    """A DataFrame of the raw cells (all text for CSV; a copy of a DataFrame input)."""
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        check_labels(source.columns, "path_or_frame")
        return source.copy()
    path = Path(source)
    if path.is_dir():
        raise ValueError(f"{path}: a folder, not a file; give one CSV, TSV, Excel or Parquet "
                         f"file (a folder of Parquet files of one row per result is a long "
                         f"export: read_lab_results reads it, as labstats derive --long does)")
    if path.exists() and not path.is_file():
        raise ValueError(f"{path}: a pipe or a device, not a file (as <(zcat x.csv.gz) gives): "
                         f"save it to a file and give that file (a .csv.gz is read as it is)")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    name = path.name.lower()
    is_csv = re.search(r"\.(csv|tsv|txt)(\.(gz|xz|bz2|zip))?$", name)
    if not (is_csv or name.endswith((*_EXCEL, ".parquet", ".pq"))):
        raise ValueError(f"{path}: unknown file type; read_lab_export reads .csv, .tsv, .txt "
                         f"(optionally compressed), .xlsx and .parquet, or a DataFrame")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: the file is empty (0 bytes); was the export or the "
                         f"download interrupted?")
    with open(path, "rb") as f:
        if _looks_html(f.read(4096)):
            raise ValueError(_html_message(path))
    try:
        if name.endswith(_EXCEL):
            frame = _read_excel(path, sheet_name)
        elif name.endswith((".parquet", ".pq")):
            frame = pd.read_parquet(path)
            if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
                # an index set by pandas (ids by set_index; stored as columns of the file,
                # as R or DuckDB see it, or, consecutive, in its metadata) is read as
                # columns: as an index, the output of labstats derive lost it
                frame = frame.reset_index()
        else:
            frame = _read_csv(path, sep, encoding)
    except ValueError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise ValueError(f"{path}: cannot be read as a table ({type(exc).__name__}: {exc}); "
                         f"is the file complete?") from exc
    except (OSError, EOFError, ImportError, csv.Error, pd.errors.ParserError) as exc:
        raise ValueError(f"{path}: cannot be read as a table ({type(exc).__name__}: {exc}); "
                         f"is the file complete?") from exc
    except Exception as exc:  # openpyxl/zipfile/pyarrow raise their own types
        raise ValueError(f"{path}: corrupt or truncated file ({type(exc).__name__}: {exc})"
                         ) from exc
    check_labels(frame.columns, str(path))
    if len(frame) == 0:
        raise ValueError(f"{path}: a header ({len(frame.columns)} columns) but no data rows; "
                         f"was the export empty or cut off? (An empty DataFrame passed "
                         f"directly is read as 0 rows.)")
    return frame
