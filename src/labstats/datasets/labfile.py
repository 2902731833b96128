"""Read laboratory exports (CSV, Excel, Parquet) into canonical units, cell by cell.

Headers such as ``"Testosterone (ng/dL)"`` give the analyte and its unit, a unit column
(``"Testosterone unit"``) the unit of each row; cells such as ``"<0.5"``, ``"> 1500"``,
``"ND"``, ``"12,5"``, ``"1,200.5"`` (with ``thousands=","``) or ``"450 H"`` are understood;
every cell that cannot be read is reported by row and column instead of being guessed or
turned into NaN. Rows are never dropped, padded or reordered, and the index of a DataFrame
input is kept. The work is split: ``_labtext`` (files), ``_labcells`` (cells), ``_labunits``
(units); this module maps headers and assembles the result.
"""

from __future__ import annotations

import math
import re

import numpy as np

from labstats import units as _units
from labstats._validate import _sex_codes, as_constant, warn
from labstats.datasets import _labtext, _labunits
from labstats.datasets._labcells import FLAGS, THOUSANDS, parse_column
from labstats.datasets._labunits import NUMERIC, UnitColumn, to_canonical

__all__ = ["CENSORED_POLICIES", "FLAGS", "LabExportError", "read_lab_export"]

#: Value given to a left-censored result ``<L`` (``L`` = the limit, in the column's unit).
CENSORED_POLICIES = {
    "lod/sqrt2": lambda lim: lim / math.sqrt(2.0),  # as NHANES stores below-LOD results
    "lod/2": lambda lim: lim / 2.0,
    "lod": lambda lim: lim,
    "nan": lambda lim: lim * np.nan,
}

# Header label (normalised: lower case, single spaces) -> labstats column name.
_ALIASES = {
    "total_testosterone": ["testosterone", "total testosterone", "testosterone total",
                           "testosterone, total", "tt", "testo"],
    "free_testosterone": ["free testosterone", "ft", "testosterone, free"],
    "estradiol": ["estradiol", "oestradiol", "e2", "17b-estradiol", "17beta-estradiol"],
    "shbg": ["shbg", "sex hormone binding globulin", "sex hormone-binding globulin"],
    "albumin": ["albumin", "alb", "serum albumin"],
    "glucose": ["glucose", "glu", "fasting glucose", "plasma glucose"],
    "insulin": ["insulin", "ins", "fasting insulin"],
    "creatinine": ["creatinine", "crea", "creat", "serum creatinine"],
    "cystatin_c": ["cystatin c", "cystatin-c", "cysc"],
    "total_cholesterol": ["cholesterol", "total cholesterol", "cholesterol, total", "tc",
                          "chol"],
    "hdl_cholesterol": ["hdl", "hdl cholesterol", "hdl-c", "hdl-cholesterol"],
    "ldl_cholesterol": ["ldl", "ldl cholesterol", "ldl-c", "ldl-cholesterol"],
    "triglycerides": ["triglycerides", "triglyceride", "tg", "trig"],
    "age": ["age", "age (years)"],
    "bmi": ["bmi", "body mass index"],
    "waist": ["waist", "waist circumference"],
    "hba1c": ["hba1c", "a1c", "glycohemoglobin", "glycated hemoglobin"],
    "sex": ["sex", "gender"],
}
_LABEL_TO_NAME = {label: name for name, labels in _ALIASES.items() for label in labels}
# A header naming the unit of another column: "Testosterone unit", "TT units", "E2 UOM".
_UNIT_HEADER = re.compile(r"^(?:(?P<base>.+?)\s+)?(?:unit|units|uom)$")
_ID_NAMES = {"id", "seqn", "patient id", "patient", "sample id", "sample", "participant",
             "participant id", "subject", "subject id", "record id"}

_HEADER = re.compile(r"^(?P<name>.*?)\s*[\(\[]\s*(?P<unit>[^\)\]]+?)\s*[\)\]]\s*$")


class LabExportError(ValueError):
    """Cells of a laboratory export that could not be read.

    Attributes
    ----------
    report : pandas.DataFrame
        One row per cell: ``row`` (index label), ``column`` (header as in the file),
        ``value`` (the text) and ``reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> from labstats.datasets import LabExportError, read_lab_export
    >>> try:
    ...     read_lab_export(pd.DataFrame({"id": [1, 2], "SHBG": ["40", "abc"]}))
    ... except LabExportError as err:
    ...     print(err.report.to_dict("records"))
    [{'row': 1, 'column': 'SHBG', 'value': 'abc', 'reason': 'not a number'}]
    """

    def __init__(self, message, report):
        super().__init__(message)
        self.report = report


def _py(value):
    """A numpy scalar as the Python value (so messages read 3, not np.int64(3))."""
    return value.item() if isinstance(value, np.generic) else value


_norm_label = _labtext.norm_label  # a header as matched (the one normalisation)


def _split_header(header) -> tuple[str, str | None]:
    m = _HEADER.match(str(header))
    if m and m.group("name"):
        return m.group("name"), m.group("unit")
    return str(header), None


def read_lab_export(path_or_frame, columns=None, units=None, censored: str = "lod/sqrt2", *,
                    limits=None, decimal: str = "auto", thousands: str | None = None,
                    id_column="auto", errors: str = "raise", sheet_name=0, sep=None,
                    encoding: str = "utf-8-sig", insulin_factor: str | float = "standard"):
    """Read a laboratory export into labstats columns and canonical units.

    Parameters
    ----------
    path_or_frame : str, os.PathLike or pandas.DataFrame
        A ``.csv``/``.tsv``/``.txt`` file (optionally ``.gz``/``.xz``/``.zip``), an
        Excel ``.xlsx`` or a ``.parquet`` file (an index stored in it by pandas, such as
        ids set with ``set_index``, is read as its columns, as other readers of the file
        see them), or a DataFrame (never modified). Column
        labels are text or numbers (numbers are kept as they are); tuples (a MultiIndex)
        must be flattened first.
    columns : mapping of str to str, optional
        Header -> labstats name (``{"TT": "total_testosterone"}``). Other headers are
        recognised by name ("Testosterone (ng/dL)", "SHBG", "E2", "HDL-C", ...);
        headers that are not recognised are kept as they are. Map a unit column to
        ``"<name>_unit"`` (``{"Einheit": "total_testosterone_unit"}``).
    units : mapping of str to str, optional
        labstats name -> unit of the values in the file, for headers without one.
        Values of a column with no unit anywhere are taken to be in the canonical unit
        and checked for plausibility (an implausible value raises with the likely fix).
        A unit column gives each row its own unit: it is named after its value column
        plus "unit", "units" or "UOM" ("Testosterone unit", "TT units"), any case.
        HbA1c in IFCC mmol/mol becomes NGSP % by the master equation
        (``labstats.units.HBA1C_MASTER_EQUATION``).
    censored : {"lod/sqrt2", "lod/2", "lod", "nan"}, default "lod/sqrt2"
        Value given to a left-censored result ``<L``: L/√2 (as NHANES), L/2, L, or
        NaN. A right-censored result ``>U`` becomes U, or NaN under "nan".
    limits : mapping of str to float, optional
        Detection limit per header (in the file's unit, a number > 0) for censored
        results written without a number ("ND", "below LOD"); a key must be a header.
    decimal : {"auto", ".", ","}, default "auto"
        "auto": the mark a column proves by a cell that cannot hold a thousands
        separator ("1.5", "0,125", "1,2345"); a cell such as "1,200" or "1.200" (one
        separator, then three digits) in a column that proves neither is ambiguous
        and reported, as is a cell using the other mark.
    thousands : {None, ",", ".", " ", "'"}, default None
        Thousands separator of the file; None: none is accepted. With
        ``decimal=".", thousands=","``, "1,200.5" is 1200.5; with ``decimal=",",
        thousands="."``, "1.200,5" is 1200.5. Digits must be grouped by three.
    id_column : str, "auto" or None, default "auto"
        Participant-id column checked for duplicates; "auto" finds "id", "seqn",
        "patient id", "sample id", ...; None skips the check.
    errors : {"raise", "report"}, default "raise"
        Cells that cannot be read: raise ``LabExportError`` listing every one, or set
        them to NaN (an unrecognised sex to missing), warn, and list them in
        ``result.attrs["unparsed"]``. Errors of the file or of a whole column always
        raise.
    sheet_name, sep, encoding
        Passed to the Excel/CSV reader. ``sheet_name`` names one sheet (a name or a
        number from 0; None or a list is an error listing the sheets); ``sep=None``
        picks ``;``, tab or ``,`` from the header line.
    insulin_factor : {"standard", "legacy"} or float
        Insulin µIU/mL -> pmol/L factor (``labstats.units.INSULIN_FACTORS``). When
        insulin was converted with it, it is kept in ``attrs["insulin_factor"]``, and
        ``derive`` converts the insulin back to µIU/mL with it (HOMA, QUICKI). It is the
        file's factor: insulin the same file writes in pmol/L is taken as converted by it
        too (read such a file in parts if its labs used different factors).

    Returns
    -------
    pandas.DataFrame
        Same rows in the same order (a DataFrame keeps its index); recognised analyte
        and measure columns renamed and converted to canonical units (float64); for
        each of them ``<name>_censored`` ("left", "right" or <NA>) when any cell was
        censored and ``<name>_flag`` when any cell carried a result flag (see
        ``FLAGS``). A unit column is kept, as ``<name>_unit_in_file``. Other columns
        are unchanged (text, for CSV), and ``result.attrs["kept"]`` names those that are
        no analyte, measure, sex, unit, participant-id, censored or flag column.
        ``attrs["insulin_factor"]``: see ``insulin_factor``.

    Raises
    ------
    LabExportError
        Cells that cannot be read (every one listed with row, column, value and the
        fix): not a number, an ambiguous or misplaced separator, a censored age or
        other measure, an unknown unit in a unit column, an unrecognised sex.
    ValueError
        Unreadable, empty or truncated files (a last line without its line break,
        rows with too few or too many fields, a header without data rows), an HTML
        page saved as a table, repeated headers, columns without a header, a title
        row above the header, a units row under it, an Excel sheet whose first row is
        empty, with merged cells, or whose formula cells hold no stored result, unknown or conflicting
        units, mixed units in a column without a unit column, a unit column without a
        value column, two headers mapping to one name,
        duplicate participant ids, values implausible for their unit (ages outside 0-120
        years), tuple column labels, a ``columns``, ``units`` or ``limits`` key that
        names no column, a limit that is not a number > 0, or ``sheet_name=None``.

    Notes
    -----
    A result censored in the file stays censored: the ``_censored`` column says which
    side, and the number is the policy's stand-in, not a measurement. Reading, writing
    and reading again gives the same frame (``tests/properties/test_labfile_laws.py``).
    The default policy, LOD/√2, is Hornung and Reed's substitution [1]_ and what NCHS
    stores for NHANES results below the detection limit. A censored age, BMI, waist or
    HbA1c is an error: a stand-in value is meaningful only for a concentration.

    Result flags written after a number are kept apart: "450 H", "450 (H)", ``"450*"`` read as
    450 with the flag in ``<name>_flag``. Recognised: H, L, HH, LL, A, AA, N, ``*``, !, (H),
    (L); letters in upper case, apart from any unit ("4.5 ng/mL H").

    Sex is checked by ``labstats._validate.as_sex``'s parser: "female"/"male", "F"/"M",
    the NHANES codes 2/1 (also as text "2", "1.0"); empty or "NA" is a missing sex
    (NaN downstream); other codes are reported per cell. The column itself is kept.

    References
    ----------
    .. [1] R. W. Hornung and L. D. Reed, "Estimation of average concentration in the
       presence of nondetectable values," Appl. Occup. Environ. Hyg., vol. 5, no. 1,
       pp. 46-51, 1990, doi:10.1080/1047322X.1990.10389587.

    Examples
    --------
    >>> raw = pd.DataFrame({"ID": ["a", "b", "c"],
    ...                     "Testosterone (ng/dL)": ["288.42", "<10", "ND"],
    ...                     "SHBG": ["40", "35,5", ""]})
    >>> out = read_lab_export(raw, limits={"Testosterone (ng/dL)": 10.0}, censored="lod")
    >>> out
      ID  total_testosterone  shbg total_testosterone_censored
    0  a            10.00000  40.0                        <NA>
    1  b             0.34671  35.5                        left
    2  c             0.34671   NaN                        left

    A unit column, thousands separators and result flags:

    >>> raw = pd.DataFrame({"Testosterone": ["4.5", "450 H"],
    ...                     "Testosterone unit": ["ng/mL", "ng/dL"],
    ...                     "Insulin (uIU/mL)": ["1,200.0", "8.5"]})
    >>> out = read_lab_export(raw, thousands=",")
    >>> out[["total_testosterone", "total_testosterone_flag"]].round(3)
       total_testosterone total_testosterone_flag
    0              15.602                    <NA>
    1              15.602                       H
    >>> out["insulin"].tolist()  # pmol/L: 1200 and 8.5 µIU/mL x 6.00
    [7200.0, 51.0]
    """
    import pandas as pd

    _check_arguments(censored, decimal, thousands, errors)
    raw = _labtext.read_raw(path_or_frame, sheet_name, sep, encoding)
    columns, units, limits = dict(columns or {}), dict(units or {}), dict(limits or {})
    for key in columns:
        if key not in raw.columns:
            raise ValueError(f"columns: {key!r} is not a column of the export; columns are "
                             f"{', '.join(map(str, raw.columns))}")
    names, header_units, unit_columns = _map_headers(raw, columns)
    seen = {}
    for header, name in names.items():
        if name in seen:
            raise ValueError(f"columns {seen[name]!r} and {header!r} both map to {name!r}; "
                             f"rename one with columns=")
        seen[name] = header
    unknown = set(units) - set(seen)
    if unknown:
        raise ValueError(f"units: no column named {sorted(unknown)[0]!r}; columns are "
                         f"{', '.join(map(str, seen))}")
    unknown = [key for key in limits if key not in raw.columns]
    if unknown:  # a typo would leave its column's "ND" cells without the limit
        raise ValueError(f"limits: no column named {unknown[0]!r}; limits are keyed by the "
                         f"export's headers: {', '.join(map(str, raw.columns))}")
    limits = {key: as_constant(v, f"limits: {key!r}", hint="Give the detection limit in the "
                               "column's unit") for key, v in limits.items()}
    _check_ids(raw, id_column)
    _labunits.check_units_row(raw, names, header_units)
    problems: list = []
    out, extra, record = {}, {}, {}
    ours = {u.header for u in unit_columns.values()}  # columns the reader gave a meaning
    ours |= {h for h in raw.columns if _norm_label(h) in _ID_NAMES or (
        id_column not in (None, "auto") and h == id_column)}
    for header in raw.columns:
        name = names[header]
        base, _, kind = name.rpartition("_") if isinstance(name, str) else ("", "", "")
        if kind in ("censored", "flag") and base in seen and base in NUMERIC:  # an earlier read
            allowed = ("left", "right") if kind == "censored" else FLAGS
            out[name] = _text_column(raw[header], header, allowed, problems)
            ours.add(header)
            continue
        if name == "sex":
            bad = _check_sex(raw[header], header, problems)
            if bad.size:  # errors="report": unreadable cells become missing, as elsewhere
                out[name] = raw[header].where(~np.isin(np.arange(len(raw)), bad), None)
                continue
        if name not in NUMERIC:
            out[name] = raw[header]
            continue
        values, side, cell_units, flags = parse_column(
            raw[header], header, decimal=decimal, thousands=thousands, limit=limits.get(header),
            censorable=name in _units.ARGUMENTS, what=_WHAT.get(name, name), problems=problems)
        left, right = side == "left", side == "right"
        values[left] = CENSORED_POLICIES[censored](values[left])
        if censored == "nan":
            values[right] = np.nan
        unit_column = unit_columns.get(name)
        declared = _labunits.column_unit(name, header, header_units[header], units.get(name),
                                         None if unit_column else cell_units)
        if unit_column is not None:
            values = unit_column.convert(raw, values, name, header, declared, cell_units,
                                         insulin_factor, problems, record=record)
        else:
            values = to_canonical(pd.Series(values, index=raw.index), name,
                                  declared or _labunits.default_unit(name), insulin_factor,
                                  record=record)
        out[name] = np.asarray(values, dtype=float)
        if left.any() or right.any():
            extra[f"{name}_censored"] = pd.array(side, dtype="string")
        if flags is not None:
            extra[f"{name}_flag"] = pd.array(flags.to_numpy(dtype=object), dtype="string")
    for key, arr in extra.items():
        if key in out:  # a column of an earlier read: it must say what the cells say
            _same_as_cells(out[key], arr, seen[key], raw.index)
        out[key] = arr if key not in out else out[key]
    result = pd.DataFrame(out, index=raw.index)
    result.attrs["kept"] = [names[h] for h in raw.columns if h not in ours
                            and names[h] not in _ALIASES]
    result.attrs.update(record)  # the insulin factor (derive converts back with it)
    if problems:
        _raise_or_report(problems, errors, result)
    return result


_WHAT = {"age": "an age", "bmi": "a BMI", "waist": "a waist circumference",
         "hba1c": "an HbA1c"}


def _same_as_cells(given, parsed, header, index) -> None:
    import pandas as pd

    given, parsed = pd.Series(given, dtype="string"), pd.Series(parsed, dtype="string")
    clash = (parsed.notna() & (given.isna() | (given != parsed).fillna(True))).to_numpy(bool)
    if clash.any():
        i = int(np.flatnonzero(clash)[0])
        raise ValueError(f"column {header!r} says {given.iloc[i]!r} at row {_py(index[i])!r}, but "
                         f"the value cell says {parsed.iloc[i]!r}; keep one of them")


def _check_arguments(censored, decimal, thousands, errors) -> None:
    if censored not in CENSORED_POLICIES:
        raise ValueError(f"censored: unknown policy {censored!r}; use one of "
                         f"{', '.join(CENSORED_POLICIES)}")
    if decimal not in ("auto", ".", ","):
        raise ValueError(f"decimal must be 'auto', '.' or ',', got {decimal!r}")
    if thousands is not None and thousands not in THOUSANDS:
        raise ValueError(f"thousands must be None, {', '.join(map(repr, THOUSANDS))}, got "
                         f"{thousands!r}")
    if thousands is not None and thousands == decimal:
        raise ValueError(f"decimal and thousands are both {decimal!r}; a file uses one mark "
                         f"for each")
    if errors not in ("raise", "report"):
        raise ValueError(f"errors must be 'raise' or 'report', got {errors!r}")


def _map_headers(raw, columns):
    """Header -> output name; header -> unit in the header; value name -> its UnitColumn."""
    names, header_units, bases = {}, {}, {}
    for header in raw.columns:
        label, unit = _split_header(header)
        norm = _norm_label(label)
        mapped = columns.get(header)
        if isinstance(mapped, str) and mapped.endswith("_unit"):
            bases[header] = mapped[:-5]
            continue
        m = _UNIT_HEADER.match(_norm_label(header)) if mapped is None else None
        if m:
            bases[header] = m.group("base")
            continue
        name = mapped or _LABEL_TO_NAME.get(norm)
        if name is None and norm.endswith((" censored", " flag")):
            name = label.strip()
        names[header] = header if name is None else name
        header_units[header] = unit if name in NUMERIC else None
    labels = {_norm_label(_split_header(h)[0]): n for h, n in names.items()}
    unit_columns = {}
    for header, base in bases.items():
        target = base if header in columns else (
            labels.get(base) or _LABEL_TO_NAME.get(base) or (base or "").replace(" ", "_"))
        if target not in names.values() or target not in NUMERIC:
            raise ValueError(
                f"column {header!r} looks like a unit column, but there is no column of "
                f"measured values{(' named ' + repr(target)) if target else ''} to pair it "
                f"with (unit columns are named after their values, e.g. 'Testosterone unit' "
                f"beside 'Testosterone'). Name its value column with columns={{{header!r}: "
                f"'<name>_unit'}}, e.g. 'total_testosterone_unit'; if it is not a unit, rename "
                f"it, e.g. columns={{{header!r}: 'ward'}} (CLI: --column-map)")
        if target in unit_columns:
            raise ValueError(f"columns {unit_columns[target].header!r} and {header!r} both give "
                             f"the unit of {target!r}; keep one")
        unit_columns[target] = UnitColumn(header, target)
        names[header] = f"{target}_unit_in_file"
        header_units[header] = None
    return {h: names[h] for h in raw.columns}, header_units, unit_columns


def _check_sex(raw, header, problems):
    """Positions of unrecognised sex codes, reported per cell (the parser of ``as_sex``)."""
    try:
        _, bad = _sex_codes(raw, str(header))
    except TypeError as exc:
        raise ValueError(f"column {header!r}: {exc}") from None
    problems.extend((_py(raw.index[i]), header, _py(raw.iloc[i]), "not a recognised sex; use "
                     "female/male, F/M, or the NHANES codes 2 (female) / 1 (male); leave a "
                     "missing sex empty") for i in bad)
    return bad


def _raise_or_report(problems, errors, result):
    import pandas as pd

    report = pd.DataFrame(problems, columns=["row", "column", "value", "reason"])
    report["row"] = pd.array([_py(r) for r, *_ in problems], dtype=object)  # 4, not np.int64(4)
    shown = "\n".join(f"  row {_py(r)!r}, column {c!r}: {v!r} is {why}"
                      for r, c, v, why in problems[:20])
    more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
    msg = (f"{len(problems)} cell{'s' if len(problems) > 1 else ''} could not be read:\n"
           f"{shown}{more}\n(see .report; errors='report' sets them to NaN and lists them "
           f"in result.attrs['unparsed'])")
    if errors == "raise":
        raise LabExportError(msg, report)
    result.attrs["unparsed"] = report
    warn(msg)


def _text_column(raw, header, allowed, problems):
    """A ``<name>_censored``/``<name>_flag`` column read back; other text reported."""
    import pandas as pd

    text = raw.astype(object).where(raw.notna(), None).astype("string").str.strip()
    key = text.str.lower() if "left" in allowed else text
    blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
    known = key.isin(list(allowed)).to_numpy(dtype=bool)
    for i in np.flatnonzero(~(blank | known)):
        problems.append((_py(raw.index[i]), header, _py(raw.iloc[i]),
                         f"not {', '.join(map(repr, allowed))} or empty"))
    return pd.array(key.where(known, None), dtype="string")


def _check_ids(raw, id_column) -> None:
    if id_column is None:
        return
    if id_column == "auto":
        hits = [h for h in raw.columns if _norm_label(h) in _ID_NAMES]
        if not hits:
            return
        id_column = hits[0]
    elif id_column not in raw.columns:
        raise ValueError(f"id_column: {id_column!r} is not a column of the export")
    import pandas as pd

    from labstats.datasets._routine_io import ODD_ID, id_keys

    ids = key = raw[id_column]
    text = ids.dtype == object or isinstance(ids.dtype, pd.StringDtype)
    if text and (pd.api.types.infer_dtype(ids, skipna=True) not in ("string", "empty")
                 or _any_odd_id(ids, ODD_ID)):
        # one id written two ways is one id: 7 and "7" (a workbook column typed cell by
        # cell), "001" and " 001", "7" and "7.0" (the key of _routine_io.check_ids); only
        # a column of numbers and text, or with such a spelling, is keyed
        codes, distinct = pd.factorize(ids)
        keys = np.unique(id_keys(distinct.to_numpy(object)).to_numpy(str),
                         return_inverse=True)[1]
        key = pd.Series(np.where(codes >= 0, keys[codes] if len(keys) else codes, -1),
                        index=ids.index).where(codes >= 0)
    dup = key.duplicated(keep=False) & key.notna()
    if dup.any():
        same = (key == key[dup].iloc[0]).to_numpy(bool)
        rows = [_py(r) for r in ids.index[same]]
        spelt = list(dict.fromkeys(_py(v) for v in ids[same]))
        first = (f"{spelt[0]!r} is in rows {rows}" if len(spelt) == 1 else
                 f"one id, written {' and '.join(map(repr, spelt))}, is in rows {rows}")
        raise ValueError(f"column {id_column!r}: {int(dup.sum())} rows share a participant id; "
                         f"{first}. Remove the duplicates, or pass "
                         f"id_column=None if repeated ids are intended")


def _any_odd_id(ids, odd: str) -> bool:
    """Whether an id of the text column ``ids`` matches ``odd`` (Python's ``re``): tested
    on the few ids that pyarrow's RE2 finds may match (a first or last character outside
    printable ASCII, such as a space, or a ".0" at the end), not row by row in Python."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from labstats.datasets._routine_io import ODD_ID_RE2

    cells = ids.astype(object).where(ids.notna(), None).to_numpy()
    maybe = pc.match_substring_regex(pa.array(cells, type=pa.large_string()), ODD_ID_RE2)
    maybe = maybe.fill_null(False).to_numpy(zero_copy_only=False)
    return bool(ids[maybe].astype("string").str.contains(odd, regex=True).any())
