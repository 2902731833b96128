"""Read laboratory exports (CSV, Excel, Parquet) into canonical units, cell by cell.

Headers such as ``"Testosterone (ng/dL)"`` give the analyte and its unit; cells such as
``"<0.5"``, ``"> 1500"``, ``"ND"`` or ``"12,5"`` are understood; every cell that cannot
be read is reported by row and column instead of being guessed or turned into NaN.
Rows are never dropped or reordered, and the index of a DataFrame input is kept.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from labstats import units as _units
from labstats._validate import as_concentration, warn

__all__ = ["CENSORED_POLICIES", "LabExportError", "read_lab_export"]

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
# Numeric columns that are not concentrations, with the units accepted (not converted).
_PLAIN_UNITS = {"age": {"years", "year", "y", "yr", "yrs"}, "bmi": {"kg/m2", "kg/m²"},
                "waist": {"cm"}, "hba1c": {"%"}}
_ID_NAMES = {"id", "seqn", "patient id", "patient", "sample id", "sample", "participant",
             "participant id", "subject", "subject id", "record id"}

_MISSING = {"", "na", "n/a", "nan", "null", "none", "missing"}
_LEFT_TEXT = {"nd", "n.d.", "not detected", "below lod", "<lod", "< lod", "below detection limit",
              "below the detection limit", "bdl", "blq", "<lloq", "< lloq", "below lloq",
              "undetectable"}
_CELL = re.compile(
    r"^(?P<op><=|>=|<|>|≤|≥)?\s*(?P<num>[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)"
    r"\s*(?P<unit>[^\d\s].*?)?\s*$")
_HEADER = re.compile(r"^(?P<name>.*?)\s*[\(\[]\s*(?P<unit>[^\)\]]+?)\s*[\)\]]\s*$")


class LabExportError(ValueError):
    """Cells of a laboratory export that could not be read.

    Attributes
    ----------
    report : pandas.DataFrame
        One row per cell: ``row`` (index label), ``column`` (header as in the file),
        ``value`` (the text) and ``reason``.
    """

    def __init__(self, message, report):
        super().__init__(message)
        self.report = report


def _py(value):
    """A numpy scalar as the Python value (so messages read 3, not np.int64(3))."""
    return value.item() if isinstance(value, np.generic) else value


def _norm_label(text: str) -> str:
    return re.sub(r"[\s_]+", " ", str(text).strip().lower()).strip(" ,:")


def _split_header(header) -> tuple[str, str | None]:
    m = _HEADER.match(str(header))
    if m and m.group("name"):
        return m.group("name"), m.group("unit")
    return str(header), None


def _read_any(source, sheet_name, sep, encoding):
    """A DataFrame of the raw cells (all text for CSV; a copy of a DataFrame input)."""
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return source.copy()
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    name = path.name.lower()
    try:
        if name.endswith((".xlsx", ".xlsm", ".xls")):
            return pd.read_excel(path, sheet_name=sheet_name)
        if name.endswith((".parquet", ".pq")):
            return pd.read_parquet(path)
        if re.search(r"\.(csv|tsv|txt)(\.(gz|xz|bz2|zip))?$", name):
            if sep is None:
                with pd.io.common.get_handle(path, "r", encoding=encoding,
                                             compression="infer") as h:
                    first = h.handle.readline()
                sep = max((";", "\t", ","), key=first.count) if first.strip() else ","
            return pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep,
                               encoding=encoding)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not {encoding} text ({exc}); pass the file's encoding, "
                         f"e.g. encoding='cp1252'") from exc
    except (ValueError, OSError, EOFError, ImportError, pd.errors.ParserError) as exc:
        raise ValueError(f"{path}: cannot be read as a table ({type(exc).__name__}: {exc}); "
                         f"is the file complete?") from exc
    except Exception as exc:  # openpyxl/zipfile/pyarrow raise their own types
        raise ValueError(f"{path}: corrupt or truncated file ({type(exc).__name__}: {exc})"
                         ) from exc
    raise ValueError(f"{path}: unknown file type; read_lab_export reads .csv, .tsv, .txt "
                     f"(optionally compressed), .xlsx and .parquet, or a DataFrame")


def _parse_column(raw, header, decimal, limits, errors):
    """Text cells -> (float values, censored side array or None, cell unit or None)."""
    import pandas as pd

    n = len(raw)
    if raw.dtype.kind in "fiu":
        values = np.array(raw.to_numpy(dtype=float), copy=True)  # never the caller's buffer
        return values, np.full(n, None, dtype=object), None
    if raw.dtype.kind == "b":
        errors.extend((_py(raw.index[i]), header, _py(raw.iloc[i]), "a boolean, not a number")
                      for i in range(n))
        return np.full(n, np.nan), np.full(n, None, dtype=object), None
    # Arrow-backed strings: strip, lower, isin and the regex run vectorised (RE2), not
    # per cell in Python.
    kind = pd.StringDtype("pyarrow")
    if raw.dtype == object:  # Excel or a DataFrame: numbers and text mixed
        raw_text = [None if v is None or (isinstance(v, float) and v != v) else
                    (repr(v) if isinstance(v, float) else str(v)) for v in raw]
        text = pd.Series(raw_text, index=raw.index, dtype=kind).str.strip()
    else:
        text = raw.astype(kind).str.strip()
    values = np.full(n, np.nan)
    side = np.full(n, None, dtype=object)
    low = text.str.lower()
    missing = (text.isna() | low.isin(_MISSING)).to_numpy(dtype=bool)
    left_text = low.isin(_LEFT_TEXT).to_numpy(dtype=bool)
    parts = _extract(text)
    ok = parts["num"].notna().to_numpy(dtype=bool) & ~missing
    num = parts["num"]
    has_comma = num.str.contains(",", regex=False).fillna(False).to_numpy(dtype=bool) & ok
    has_dot = num.str.contains(".", regex=False).fillna(False).to_numpy(dtype=bool) & ok
    if decimal == "auto":
        bad_sep = has_comma if has_dot.any() else np.zeros(n, bool)
        reason = "a decimal comma in a column that also uses decimal points; pass decimal"
    else:
        bad_sep = has_comma if decimal == "." else has_dot
        reason = f"a {'comma' if decimal == '.' else 'point'} in a number, but decimal={decimal!r}"
    for i in np.flatnonzero(bad_sep):
        errors.append((_py(raw.index[i]), header, text.iloc[i], reason))
    ok &= ~bad_sep
    values[ok] = num[ok].str.replace(",", ".", regex=False).astype(float).to_numpy()
    op = parts["op"].fillna("")
    side[ok & op.isin(["<", "<=", "≤"]).to_numpy(dtype=bool)] = "left"
    side[ok & op.isin([">", ">=", "≥"]).to_numpy(dtype=bool)] = "right"
    lim = limits.get(header)
    if left_text.any():
        pos = np.flatnonzero(left_text)
        if lim is None:
            errors.extend((_py(raw.index[i]), header, text.iloc[i], "a censored result without a "
                           "number; pass limits={column: detection limit}") for i in pos)
        else:
            values[pos] = float(lim)
            side[pos] = "left"
    unparsed = ~(ok | missing | left_text | bad_sep)
    for i in np.flatnonzero(unparsed):
        errors.append((_py(raw.index[i]), header, text.iloc[i], "not a number"))
    units = parts["unit"][ok]
    cell_units = units[units.fillna("") != ""].astype(object)
    return values, side, cell_units


def _extract(text):
    """``_CELL``'s groups (op, num, unit) of each cell, by pyarrow's RE2, vectorised."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.extract_regex(pa.array(text), pattern=_CELL.pattern)
    kind = pd.StringDtype("pyarrow")
    return pd.DataFrame({g: pd.array(pc.struct_field(found, g), dtype=kind)
                         for g in ("op", "num", "unit")}, index=text.index)


def _column_unit(name, header, header_unit, given, cell_units):
    """The one unit of a column: header, ``units=`` and cells must agree."""
    found = {u for u in (header_unit, given) if u}
    if cell_units is not None and len(cell_units):
        distinct = cell_units.map(str.strip).unique().tolist()
        if len(distinct) > 1:
            firsts = {u: _py(cell_units.index[cell_units == u][0]) for u in distinct}
            raise ValueError(
                f"column {header!r}: mixed units in one column ("
                f"{', '.join(f'{u!r} first at row {r!r}' for u, r in firsts.items())}); split "
                f"the column by unit or convert the values before reading")
        found.add(distinct[0])
    if name in _PLAIN_UNITS:
        bad = [u for u in found if _units.normalize_unit(u) not in _PLAIN_UNITS[name]]
        if bad:
            raise ValueError(f"column {header!r}: unit {bad[0]!r} is not supported for {name}; "
                             f"use {sorted(_PLAIN_UNITS[name])}")
        return None
    analyte = _units.ANALYTES[_units.analyte_of(name)]
    try:
        resolved = {_units.resolve_unit(u, analyte) for u in found}
    except ValueError as exc:
        raise ValueError(f"column {header!r}: {exc}") from None
    if len(resolved) > 1:
        raise ValueError(f"column {header!r}: conflicting units {sorted(found)} (header, "
                         f"units= and cells must agree)")
    return resolved.pop() if resolved else analyte.canonical_unit


def read_lab_export(path_or_frame, columns=None, units=None, censored: str = "lod/sqrt2", *,
                    limits=None, decimal: str = "auto", id_column="auto", errors: str = "raise",
                    sheet_name=0, sep=None, encoding: str = "utf-8-sig",
                    insulin_factor: str | float = "standard"):
    """Read a laboratory export into labstats columns and canonical units.

    Parameters
    ----------
    path_or_frame : str, os.PathLike or pandas.DataFrame
        A ``.csv``/``.tsv``/``.txt`` file (optionally ``.gz``/``.xz``/``.zip``), an
        Excel ``.xlsx`` or a ``.parquet`` file, or a DataFrame (never modified).
    columns : mapping of str to str, optional
        Header -> labstats name (``{"TT": "total_testosterone"}``). Other headers are
        recognised by name ("Testosterone (ng/dL)", "SHBG", "E2", "HDL-C", ...);
        headers that are not recognised are kept as they are.
    units : mapping of str to str, optional
        labstats name -> unit of the values in the file, for headers without one.
        Values of a column with no unit anywhere are taken to be in the canonical unit
        and checked for plausibility (an implausible value raises with the likely fix).
    censored : {"lod/sqrt2", "lod/2", "lod", "nan"}, default "lod/sqrt2"
        Value given to a left-censored result ``<L``: L/√2 (as NHANES), L/2, L, or
        NaN. A right-censored result ``>U`` becomes U, or NaN under "nan".
    limits : mapping of str to float, optional
        Detection limit per header (in the file's unit) for censored results written
        without a number ("ND", "below LOD").
    decimal : {"auto", ".", ","}, default "auto"
        "auto": a comma is a decimal mark when no cell of that column uses a point.
        Thousands separators are never accepted.
    id_column : str, "auto" or None, default "auto"
        Participant-id column checked for duplicates; "auto" finds "id", "seqn",
        "patient id", "sample id", ...; None skips the check.
    errors : {"raise", "report"}, default "raise"
        Cells that cannot be read: raise ``LabExportError`` listing every one, or set
        them to NaN, warn, and list them in ``result.attrs["unparsed"]``.
    sheet_name, sep, encoding
        Passed to the Excel/CSV reader; ``sep=None`` picks ``;``, tab or ``,`` from
        the header line.
    insulin_factor : {"standard", "legacy"} or float
        Insulin µIU/mL -> pmol/L factor (``labstats.units.INSULIN_FACTORS``).

    Returns
    -------
    pandas.DataFrame
        Same rows in the same order (a DataFrame keeps its index); recognised analyte
        columns renamed and converted to canonical units (float64); for each of them
        ``<name>_censored`` ("left", "right" or <NA>) when any cell was censored.
        Other columns are unchanged (text, for CSV).

    Raises
    ------
    LabExportError
        Cells that are not numbers (every one listed with row and column).
    ValueError
        Unreadable or truncated files, unknown or conflicting units, mixed units in a
        column, two headers mapping to one name, duplicate participant ids, or values
        implausible for their unit.

    Notes
    -----
    A result censored in the file stays censored: the ``_censored`` column says which
    side, and the number is the policy's stand-in, not a measurement. Reading, writing
    and reading again gives the same frame (``tests/properties/test_labfile_laws.py``).
    The default policy, LOD/√2, is Hornung and Reed's substitution [1]_ and what NCHS
    stores for NHANES results below the detection limit.

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
    """
    import pandas as pd

    if censored not in CENSORED_POLICIES:
        raise ValueError(f"censored: unknown policy {censored!r}; use one of "
                         f"{', '.join(CENSORED_POLICIES)}")
    if decimal not in ("auto", ".", ","):
        raise ValueError(f"decimal must be 'auto', '.' or ',', got {decimal!r}")
    if errors not in ("raise", "report"):
        raise ValueError(f"errors must be 'raise' or 'report', got {errors!r}")
    raw = _read_any(path_or_frame, sheet_name, sep, encoding)
    columns, units, limits = dict(columns or {}), dict(units or {}), dict(limits or {})
    for key in columns:
        if key not in raw.columns:
            raise ValueError(f"columns: {key!r} is not a column of the export; columns are "
                             f"{', '.join(map(str, raw.columns))}")
    names, header_units = {}, {}
    for header in raw.columns:
        label, unit = _split_header(header)
        name = columns.get(header) or _LABEL_TO_NAME.get(_norm_label(label))
        if name is None and _norm_label(label).endswith(" censored"):
            name = label.strip()
        names[header] = name or header
        header_units[header] = unit if name in _units.ARGUMENTS or name in _PLAIN_UNITS else None
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
    _check_ids(raw, id_column)
    problems: list = []
    out = {}
    censor_cols = {}
    for header in raw.columns:
        name = names[header]
        if name.endswith("_censored") and name[:-9] in seen:  # written by an earlier read
            out[name] = _censor_column(raw[header], header, problems)
            continue
        if name not in _units.ARGUMENTS and name not in _PLAIN_UNITS:
            out[name] = raw[header]
            continue
        values, side, cell_units = _parse_column(raw[header], header, decimal, limits, problems)
        unit = _column_unit(name, header, header_units[header], units.get(name), cell_units)
        left, right = side == "left", side == "right"
        values[left] = CENSORED_POLICIES[censored](values[left])
        if censored == "nan":
            values[right] = np.nan
        if unit is not None:
            values = as_concentration(pd.Series(values, index=raw.index), name,
                                      unit=unit, insulin_factor=insulin_factor)
        out[name] = np.asarray(values, dtype=float)
        if left.any() or right.any():
            censor_cols[f"{name}_censored"] = pd.array(side, dtype="string")
    for key, arr in censor_cols.items():
        if key not in out:
            out[key] = arr
    result = pd.DataFrame(out, index=raw.index)
    if problems:
        report = pd.DataFrame(problems, columns=["row", "column", "value", "reason"])
        shown = "\n".join(f"  row {r!r}, column {c!r}: {v!r} is {why}"
                          for r, c, v, why in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        msg = (f"{len(problems)} cell{'s' if len(problems) > 1 else ''} could not be read:\n"
               f"{shown}{more}\n(see .report; errors='report' sets them to NaN and lists them "
               f"in result.attrs['unparsed'])")
        if errors == "raise":
            raise LabExportError(msg, report)
        result.attrs["unparsed"] = report
        warn(msg)
    return result


def _censor_column(raw, header, problems):
    """A ``<analyte>_censored`` column read back: "left", "right" or <NA>; other text reported."""
    import pandas as pd

    text = raw.astype(object).where(raw.notna(), None).astype("string").str.strip().str.lower()
    blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
    known = text.isin(["left", "right"]).to_numpy(dtype=bool)
    for i in np.flatnonzero(~(blank | known)):
        problems.append((_py(raw.index[i]), header, _py(raw.iloc[i]),
                         "not 'left', 'right' or empty"))
    return pd.array(text.where(known, None), dtype="string")


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
    ids = raw[id_column]
    dup = ids.duplicated(keep=False) & ids.notna()
    if dup.any():
        first = _py(ids[dup].iloc[0])
        rows = [_py(r) for r in ids.index[ids == first]]
        raise ValueError(f"column {id_column!r}: {int(dup.sum())} rows share a participant id; "
                         f"{first!r} is in rows {rows}. Remove the duplicates, or pass "
                         f"id_column=None if repeated ids are intended")
