"""``labstats derive``: its options, its summary, a safe write, and CLI wording of errors.

Nothing lost, nothing silent (issue 10): the input file is never written to (the output
may not be the input, by path or by link), an existing output is replaced only with
``--overwrite``, and the output is written to a temporary file beside it and renamed into
place, so that a failed or interrupted run leaves the old file intact and no half file.
Library messages advise Python keywords (``encoding='cp1252'``); ``cli_advice`` rewrites
them as the options of this command line (``--encoding cp1252``), in one table.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

__all__ = ["KEYWORD_OPTIONS", "add_derive_parser", "check_output", "cli_advice", "sheet_option",
           "write_atomic"]

#: Python keyword advised by a library message -> the CLI option that does the same.
KEYWORD_OPTIONS = {
    "encoding": "--encoding",
    "sep": "--sep",
    "decimal": "--decimal",
    "thousands": "--thousands",
    "sheet_name": "--sheet",
    "id_column": "--id-column",
    "errors": "--errors",
    "censored": "--censored",
    "limits": "--limit",
    "columns": "--column-map",
    "units": "--units",
    "plausibility": "--plausibility",
    "test_map": "--test-map",
    "time_format": "--time-format",
    "time_zone": "--time-zone",
    "window": "--window",
    "repeats": "--repeats",
    "by": "--pair",
}
# Whole phrases first (they carry Python syntax beyond keyword=value), then the table.
_PHRASES = [
    (re.compile(r"wrap the call in `with labstats\.plausibility\('warn'\):`"),
     "pass --plausibility warn"),
    # a reader's unit fix: units={'glucose': 'mg/dL'} -> --units glucose=mg/dL
    (re.compile(r"\bunits=\{'(\w+)': '([^']*)'\}"), lambda m: f"--units {m[1]}={_shell(m[2])}"),
    (re.compile(r"\b(limits|columns|units)=\{[^}]*\}"),
     lambda m: f"{KEYWORD_OPTIONS[m[1]]} {_PLACEHOLDER[m[1]]}"),
    (re.compile(r"\bpass overwrite=True to replace it, or rename it first"),
     "rename the file's column with --column-map 'HEADER=OTHER_NAME' to derive it (a value "
     "in the file is never replaced)"),
    (re.compile(r"\(see \.report; "), "("),
    # pair_export's input check, reached by --out-of-core
    (re.compile(r"pair_export reads Parquet (\([^)]*\)); convert the export first, or use "
                r"read_lab_results for CSV/Excel"),
     r"--out-of-core reads Parquet \1; convert the export first, or read it in memory "
     r"without --out-of-core"),
    # derive()'s unit fix: options={'free_testosterone': {'total_testosterone_unit': 'ng/dL'}}
    (re.compile(r"\boptions=\{'[^']*': \{'(\w+?)_unit': '([^']*)'\}"
                r"(?:, '[^']*': \{[^{}]*\})*\}"),
     lambda m: f"--units {m[1]}={_shell(m[2])}"),
    (re.compile(r"\bresult\.attrs\[['\"]unparsed['\"]\]"), "the summary"),
    # total_testosterone_unit="ng/dL" -> --units total_testosterone=ng/dL
    (re.compile(r"\b(\w+?)_unit=(?:\"([^\"]*)\"|'([^']*)')"),
     lambda m: f"--units {m[1]}={_shell(m[2] if m[2] is not None else m[3])}"),
]
_KEYWORD = re.compile(r"(?<![\w.-])(" + "|".join(KEYWORD_OPTIONS) + r")="
                      r"(?:'([^']*)'|\"([^\"]*)\"|(None|True|False|[\w./+-]+))?")
# "units: no column named ..." (a message that starts with the keyword it is about)
_PREFIX = re.compile(r"^(" + "|".join(KEYWORD_OPTIONS) + r"):", re.MULTILINE)
_PLACEHOLDER = {"limits": "'HEADER=LIMIT'", "columns": "'HEADER=NAME'", "units": "'NAME=UNIT'",
                "sheet_name": "NAME", "encoding": "ENC", "sep": "SEP", "decimal": "MARK",
                "thousands": "SEP", "time_format": "FORMAT", "test_map": "FILE",
                "time_zone": "ZONE"}
# A message may carry its own CLI hint beside the keyword ("(CLI: --sheet)"); once the
# keyword is translated the hint repeats it.
_CLI_HINTS = [re.compile(r"\s*\(CLI: [^)]*\)"), re.compile(r"[;,]\s*CLI: [^)]*(?=\))")]


def _shell(value: str) -> str:
    """``value`` as typed in a shell (quoted when it holds spaces or quotes)."""
    if value and re.fullmatch(r"[\w@%+=:,./-]+", value):
        return value
    return f'"{value}"' if "'" in value else f"'{value}'"


def _keyword(m: re.Match) -> str:
    option = KEYWORD_OPTIONS[m[1]]
    value = next((v for v in m.groups()[1:] if v is not None), None)
    if value is None:
        return f"{option} {_PLACEHOLDER.get(m[1], 'VALUE')}"
    if value == "None":
        return "--no-id-check" if m[1] == "id_column" else f"{option} none"
    return f"{option} {_shell(value)}"


def cli_advice(text: str) -> str:
    """A library message with its keyword advice rewritten as command-line options.

    >>> cli_advice("not utf-8 text; pass the file's encoding, e.g. encoding='cp1252'")
    "not utf-8 text; pass the file's encoding, e.g. --encoding cp1252"
    >>> cli_advice('If these are ng/dL, pass total_testosterone_unit="ng/dL".')
    'If these are ng/dL, pass --units total_testosterone=ng/dL.'
    """
    for pattern, repl in _PHRASES:
        text = pattern.sub(repl, text)
    text = _KEYWORD.sub(_keyword, text)
    text = _PREFIX.sub(lambda m: f"{KEYWORD_OPTIONS[m[1]]}:", text)
    for hint in _CLI_HINTS:
        text = hint.sub("", text)
    return re.sub(r"\bpass decimal\b", "pass --decimal", text)


# --- Output file: never the input, never replaced without --overwrite, written atomically ---

_WRITERS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".xlsx": "excel", ".parquet": "parquet"}


def _writer(path: Path) -> str:
    try:
        return _WRITERS[path.suffix.lower()]
    except KeyError:
        raise ValueError(f"output {path}: unknown format {path.suffix!r}; use .csv, .tsv, .xlsx "
                         f"or .parquet") from None


def check_output(source, output, overwrite: bool = False) -> Path:
    """The output path, after refusing an input (``source``: the input file, or a list of
    the files read), a folder, or an existing file (``labstats._outputs.check_output``: by
    resolved path and ``os.path.samefile``)."""
    from labstats._outputs import check_output as check

    dst = Path(output)
    _writer(dst)
    return check(source if isinstance(source, list) else [source], dst, overwrite=overwrite,
                 replace="pass --overwrite", who="labstats derive")


def _write(frame, path: Path, kind: str) -> None:
    if kind == "excel":
        from labstats._outputs import write_excel

        write_excel(frame, path)
    elif kind == "parquet":
        # the cells only: attrs hold labstats' bookkeeping (the unparsed cells of --errors
        # report, a DataFrame), which pandas would try to store as JSON and fail on
        frame = frame.copy(deep=False)
        frame.attrs = {}
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, sep="\t" if kind == "tsv" else ",")


def _one_type_per_column(frame, path: Path) -> None:
    """A Parquet column holds one type: a column of text and numbers (a workbook's ids "001"
    and 2, kept as the cells are) is an error naming it, a cell of each kind and the fix."""
    import numpy as np
    import pandas as pd

    from labstats.datasets.labfile import _py

    for column in frame.columns:
        if (frame[column].dtype != np.dtype(object) or pd.api.types.infer_dtype(
                frame[column], skipna=True) not in ("mixed", "mixed-integer")):
            continue
        cells = frame[column].dropna()
        kinds = cells.map(lambda v: "text" if isinstance(v, str) else "numbers" if isinstance(
            v, (int, float)) and not isinstance(v, bool) else type(v).__name__).to_numpy()
        names = list(dict.fromkeys(kinds))
        firsts = [int(np.flatnonzero(kinds == k)[0]) for k in names]
        shown = ", ".join(f"{_py(cells.iloc[i])!r} at row {_py(cells.index[i])!r}" for i in firsts)
        raise ValueError(f"output {path}: column {column!r} holds {' and '.join(names)} "
                         f"({shown}); a Parquet column holds one type: write .csv or .xlsx "
                         f"instead, or make the column one type in the input file")


def check_format(frame, path: Path) -> None:
    """What the format of ``path`` cannot hold is an error naming it, before anything is
    written: a Parquet column of two types, and for .xlsx long texts, integers of more
    than 15 digits and times with a time zone (``labstats._outputs.check_excel``)."""
    from labstats._outputs import check_excel

    kind = _writer(path)
    if kind == "parquet":
        _one_type_per_column(frame, path)
    elif kind == "excel":  # what a sheet cannot hold: refused, never cut or rounded
        check_excel(frame, path)


def write_atomic(frame, path: Path, *others) -> None:
    """Write ``frame`` to a temporary file beside ``path``, then rename it into place;
    ``others``: more (frame, path) pairs written with it, renamed only once all are written.

    The rename is atomic on one file system: ``path`` holds either its old content or the
    whole new file, never a part. On any failure (including Ctrl-C) the temporary files are
    removed and every path is untouched (``labstats._outputs.atomic``): never the new
    report beside the old output. What the format cannot hold is an error before anything
    is written (``check_format``); an .xlsx keeps every digit of a float and text starting
    with "=" as text (``labstats._outputs.write_excel``).
    """
    from contextlib import ExitStack

    from labstats._outputs import atomic

    pairs = [(frame, path), *others]
    for f, p in pairs:
        check_format(f, p)
    with ExitStack() as stack:
        for f, p in pairs:
            _write(f, stack.enter_context(atomic(p)), _writer(p))


# --- The command ---------------------------------------------------------------------------


def _pairs(items: list[str] | None, what: str) -> dict[str, str]:
    """["a=b,c=d", "e=f"] -> {"a": "b", "c": "d", "e": "f"}.

    A comma before the ``=`` of its pair belongs to the name: headers such as
    "Testosterone, total (ng/dL)=10" keep their comma.
    """
    out: dict[str, str] = {}
    for item in items or []:
        parts: list[str] = []
        for piece in item.split(","):
            if parts and parts[-1].strip() and "=" not in parts[-1]:
                parts[-1] += "," + piece  # still in the name
            else:
                parts.append(piece)
        for part in parts:
            if not part.strip():
                continue
            if "=" not in part:
                raise ValueError(f"{what}: expected NAME=VALUE, got {part.strip()!r}")
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def _limits(items: list[str] | None) -> dict[str, float]:
    """``--limit`` pairs as numbers; a value that is not one is an error naming it."""
    out = {}
    for header, text in _pairs(items, "--limit").items():
        try:
            out[header] = float(text)
        except ValueError:
            raise ValueError(f"--limit: {text!r} for {header!r} is not a number; give the "
                             f"detection limit in the column's unit, e.g. "
                             f"--limit {_shell(header + '=0.5')}") from None
    return out


_SEPARATORS = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "space": " "}
_THOUSANDS = {"none": None, ",": ",", ".": ".", "'": "'", " ": " ", "space": " "}


def _reader_options(args) -> dict:
    """Keywords of read_lab_export given on the command line (only those given)."""
    kw = {"decimal": args.decimal}
    if args.encoding is not None:
        kw["encoding"] = args.encoding
    if args.sep is not None:
        kw["sep"] = _SEPARATORS.get(args.sep.lower(), args.sep)
    if _THOUSANDS.get(args.thousands) is not None:  # newer keyword: passed only when asked
        kw["thousands"] = _THOUSANDS[args.thousands]
    if args.id_column is not None:
        kw["id_column"] = None if args.id_column.lower() == "none" else args.id_column
    if args.sheet is not None:
        kw["sheet_name"] = sheet_option(args.sheet, args.input)
    return kw


def sheet_option(text: str, source) -> str | int:
    """``--sheet``: a sheet's name; digits that name no sheet of ``source`` are a 0-based
    position (a sheet named "1" is read by name, not the second sheet)."""
    if not text.isdigit():
        return text
    path = Path(source)
    if path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        import pandas as pd

        try:
            with pd.ExcelFile(path) as book:
                if text in book.sheet_names:
                    return text
        except Exception:  # an unreadable workbook: the reader says why
            pass
    return int(text)


def _sheet_read(args) -> str:
    """' (sheet 'A' of 'A', 'B')' for a workbook of several sheets (only one is read)."""
    if Path(args.input).suffix.lower() not in (".xlsx", ".xlsm", ".xls"):
        return ""
    import pandas as pd

    with pd.ExcelFile(args.input) as book:
        names = list(book.sheet_names)
    if len(names) < 2:
        return ""
    sheet = sheet_option(args.sheet, args.input) if args.sheet is not None else 0
    read = sheet if isinstance(sheet, str) else names[sheet]
    return (f" (sheet {read!r}; the workbook's other sheets, not read: "
            f"{', '.join(repr(n) for n in names if n != read)}; --sheet reads another)")


def _thousands(text: str) -> str:
    if text not in _THOUSANDS:
        import argparse

        raise argparse.ArgumentTypeError(
            f"{text!r}: use none, ',', '.', \"'\" or space (the thousands separator of the "
            f"file's numbers)")
    return text


# What a censored result is set to, by side and --censored (read_lab_export's policies:
# a right-censored ">U" is U under every policy but nan).
_STAND_IN = {**{("left", p): f"set to {t} by --censored {p}" for p, t in (
    ("lod/sqrt2", "limit/sqrt(2)"), ("lod/2", "limit/2"), ("lod", "the limit"), ("nan", "NaN"))},
    **{("right", p): "set to the limit" for p in ("lod/sqrt2", "lod/2", "lod")},
    ("right", "nan"): "set to NaN by --censored nan"}


def print_warnings(*phases) -> None:
    """Print the warnings recorded (``warnings.catch_warnings(record=True)``) in each phase
    of a command, in command-line words (``cli_advice``), each message once with its count.
    Counted per phase and merged by maximum: the same finding about a column is said once,
    whether reading or deriving found it (a count says it recurred), by the text shown: the
    reader's ``units=`` and derive's ``options=`` are both ``--units`` here."""
    seen = Counter()
    for recorded in phases:
        seen |= Counter(cli_advice(str(w.message)) for w in recorded)
    for message, count in seen.items():
        print(_show(message, count))


def _show(message: str, count: int) -> str:
    lines = str(message).strip().splitlines() or [""]
    times = f" ({count} times)" if count > 1 else ""
    return "\n".join([f"  warning: {lines[0]}{times}", *(f"    {ln}" for ln in lines[1:])])


def _derive(args) -> int:
    import warnings

    from labstats._validate import plausibility
    from labstats.datasets import DERIVED, derive, read_lab_export
    from labstats.datasets.labfile import _py as _plain

    if args.report and not args.long:  # (the per-row report is that of a long export)
        raise ValueError(f"--report {args.report}: the per-row report is written for a long "
                         f"export (--long); for this file, --errors report lists the cells "
                         f"that cannot be read")
    inputs = [args.input] + ([args.test_map] if args.test_map else [])  # the files read
    output = check_output(inputs, args.output, args.overwrite)  # before any work
    options: dict[str, dict] = {}
    for name, method in _pairs(args.method, "--method").items():
        options.setdefault(name, {})["method"] = method
    if args.long:
        from labstats._cli_long import derive_long

        if args.report:
            args.report = check_output(inputs, args.report, args.overwrite)
            if args.report.resolve() == output.resolve():
                raise ValueError("--report and --output name the same file; give two names")
        return derive_long(args, output, options)
    limits = _limits(args.limit)
    with warnings.catch_warnings(record=True) as read_w, plausibility(args.plausibility):
        warnings.simplefilter("always")
        frame = read_lab_export(args.input, columns=_pairs(args.column_map, "--column-map"),
                                units=_pairs(args.units, "--units"), censored=args.censored,
                                limits=limits or None, errors=args.errors,
                                **_reader_options(args))
    present = [n for n, d in DERIVED.items() if all(c in frame.columns for c in d.inputs)]
    wanted = args.only or [n for n in present if n not in frame.columns]
    with warnings.catch_warnings(record=True) as derive_w:
        warnings.simplefilter("always")
        out = derive(frame, wanted, options=options, plausibility=args.plausibility)
    write_atomic(out, output)

    print(f"read {len(frame)} rows from {args.input}{_sheet_read(args)}")
    from labstats._cli_summary import not_inputs, units_written

    print(units_written(out.columns, wanted) or "", end="")
    print(not_inputs(frame) or "", end="")
    for c in [c for c in frame.columns if f"{c}_censored" in frame.columns]:
        counts = frame[f"{c}_censored"].value_counts()
        print(f"  censored {c}: " + ", ".join(f"{_plain(n)} {side} ({_STAND_IN[side, args.censored]})"
                                               for side, n in counts.items()))
    unparsed = out.attrs.get("unparsed")
    if unparsed is not None and len(unparsed):
        first = unparsed.iloc[0]
        n = len(unparsed)
        print(f"  {n} cell{'s' if n > 1 else ''} could not be read and {'are' if n > 1 else 'is'} "
              f"NaN (first: row "
              f"{_plain(first['row'])!r}, column {_plain(first['column'])!r}, value "
              f"{_plain(first['value'])!r})")
    print_warnings(read_w, derive_w)
    for n in wanted:
        print(f"  derived {n}: {int(out[n].notna().sum())} of {len(out)} rows")
    for n, d in DERIVED.items():
        if n in frame.columns and n in present and n not in wanted:
            print(f"  kept {n}: already in the file (not computed again)")
        elif n not in wanted and n not in frame.columns:
            lacking = [c for c in d.inputs if c not in frame.columns]
            if lacking:
                print(f"  skipped {n}: needs {', '.join(lacking)}")
    print(f"wrote {output}")
    return 0


def add_derive_parser(sub):
    """The ``derive`` subcommand and its options."""
    p = sub.add_parser(
        "derive", help="add every derived value (free T, FAI, HOMA-IR, LDL, eGFR, ...) to a "
                       "CSV/Excel/Parquet lab export",
        description="Read a laboratory export (unit-bearing headers, decimal commas and "
                    "censored values such as '<0.5' are understood), add every derived value "
                    "whose inputs are present as new columns, write the result and print a "
                    "summary of censored values, unreadable cells, warnings and formulas "
                    "skipped for missing inputs. Concentrations are written in labstats' "
                    "units (testosterone in nmol/L, albumin in g/L, ...: the summary names "
                    "each), under labstats' column names. Rows are never dropped or "
                    "reordered; the input file is never written to.")
    p.add_argument("input", help="CSV, TSV, Excel (.xlsx) or Parquet file")
    p.add_argument("-o", "--output", required=True,
                   help="output file (.csv, .tsv, .xlsx or .parquet); never the input file")
    p.add_argument("--overwrite", action="store_true",
                   help="replace OUTPUT if it exists (it is replaced only once the new file "
                        "is completely written)")
    p.add_argument("--column-map", action="append", metavar="HEADER=NAME[,...]",
                   help="map file headers to labstats names, e.g. 'TT=total_testosterone'")
    p.add_argument("--units", action="append", metavar="NAME=UNIT[,...]",
                   help="units of columns whose header has none, e.g. "
                        "'total_testosterone=ng/dL,albumin=g/dL'")
    p.add_argument("--censored", default="lod/sqrt2", choices=["lod/sqrt2", "lod/2", "lod", "nan"],
                   help="value given to '<L' results (default lod/sqrt2)")
    p.add_argument("--limit", action="append", metavar="HEADER=VALUE[,...]",
                   help="detection limit for censored cells written without a number ('ND')")
    p.add_argument("--only", nargs="+", metavar="NAME", help="derive only these values")
    p.add_argument("--method", action="append", metavar="NAME=METHOD[,...]",
                   help="method per derived value, e.g. 'free_testosterone=sodergard1982' "
                        "(a column named after a method, such as ldl_cholesterol_friedewald, "
                        "keeps it: ask for ldl_cholesterol_sampson instead)")
    p.add_argument("--plausibility", default="raise", choices=["raise", "warn"],
                   help="implausible input values: stop (default) or warn and compute")
    p.add_argument("--errors", default="raise", choices=["raise", "report"],
                   help="unreadable cells: stop listing them (default), or set NaN and report")
    g = p.add_argument_group("reading the file")
    g.add_argument("--encoding", metavar="ENC",
                   help="text encoding of a CSV file, e.g. cp1252 or latin-1 (default utf-8)")
    g.add_argument("--sep", metavar="SEP",
                   help="field separator of a CSV file: ',', ';', tab, ... (default: the one "
                        "of ';', tab, ',' most used in the header line)")
    g.add_argument("--decimal", default="auto", choices=["auto", ".", ","],
                   help="decimal mark (default auto: a comma where no cell of the column "
                        "uses a point)")
    g.add_argument("--thousands", type=_thousands, metavar="{none,',','.',\"'\",space}",
                   help="thousands separator of the numbers (default none: '1,200' is an "
                        "error, never silently 1.2)")
    ids = g.add_mutually_exclusive_group()
    ids.add_argument("--id-column", metavar="HEADER",
                     help="participant-id column checked for duplicate ids (default: found by "
                          "name: ID, SEQN, Patient ID, ...); 'none' skips the check")
    ids.add_argument("--no-id-check", dest="id_column", action="store_const", const="none",
                     help="do not check for duplicate participant ids (same as --id-column "
                          "none)")
    g.add_argument("--sheet", metavar="NAME|INDEX",
                   help="Excel sheet to read, by name or 0-based position (default: the first); "
                        "digits are a name when a sheet has that name")
    from labstats._cli_long import add_long_options

    add_long_options(p)
    p.set_defaults(func=_derive)
    return p
