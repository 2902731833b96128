"""Cells of a laboratory export -> numbers: decimal marks, thousands separators, censoring,
result flags and units written in the cell. Used by ``labstats.datasets.labfile``.

Every cell is either read, or reported as ``(row, column, value, reason)``: nothing is
guessed. The work is vectorised (pyarrow's RE2 regular expressions over whole columns), on
the distinct texts of a column of text (each cell is read on its own, so a text repeated
on many rows is read once); only cells that are reported are looked at one by one.
"""

from __future__ import annotations

import datetime
import re

import numpy as np

#: Result flags recognised after a number ("450 H", "450*", "450 (H)"): high, low, critically
#: high/low, abnormal, critically abnormal, the marks * and !, and N (normal). Letters must
#: be upper case and stand apart from a unit ("4.5 mmol/L" ends in a unit, not in a flag).
FLAGS = ("H", "L", "HH", "LL", "A", "AA", "N", "*", "!", "(H)", "(L)")
#: Thousands separators ``thousands=`` may name (a space also matches U+00A0 and U+202F).
THOUSANDS = (",", ".", " ", "'")

_MISSING = {"", "na", "n/a", "nan", "null", "none", "missing"}
_LEFT_TEXT = {"nd", "n.d.", "not detected", "below lod", "<lod", "< lod", "below detection limit",
              "below the detection limit", "bdl", "blq", "<lloq", "< lloq", "below lloq",
              "undetectable"}
_NBSP = "\u00a0\u202f"
#: A blank: RE2's \s (ASCII) and the no-break spaces of spreadsheets and web pages.
_WS, _NOT_WS = "[\\s" + _NBSP + "]", "[^\\d\\s" + _NBSP + "]"
_CELL = re.compile(
    r"^(?P<op><=|>=|<|>|≤|≥)?" + _WS + "*"
    r"(?P<num>[+-]?(?:\d(?:[\d.,' " + _NBSP + r"]*\d)?[.,]?|[.,]\d+)(?:[eE][+-]?\d+)?)"
    + _WS + "*(?P<unit>" + _NOT_WS + ".*?)?" + _WS + "*$")


def is_number(text: str) -> bool:
    """Whether the text of a cell is a number alone, as ``parse_column`` reads one (with a
    comparator: "<0.5", "≤5"), for ``_labunits.check_units_row``. A number followed by
    text does not count: a unit such as "10^9/L" begins with digits."""
    m = _CELL.match(text)
    return m is not None and not m["unit"]


_WORD_FLAG = re.compile(r"^(?:(?P<unit>.*?)" + _WS + r"+)?(?P<flag>HH|LL|AA|H|L|A|N)$")
_MARK_FLAG = re.compile(r"^(?P<unit>.*?)" + _WS + r"*(?P<flag>\(H\)|\(L\)|\*|!)$")
_SIGN, _EXP = r"[+-]?", r"(?:[eE][+-]?\d+)?"
# One separator followed by exactly three digits, after a group that may be a thousands
# group: "1,200" and "1.200" are 1.2 or 1200 depending on the convention.
_AMBIGUOUS = re.compile(_SIGN + r"[1-9]\d{0,2}[.,]\d{3}")


def _cli(sep: str) -> str:
    return sep if sep in ".," else f'"{sep}"'


def _decimal_pattern(mark: str) -> str:
    m = re.escape(mark)
    return rf"{_SIGN}(?:\d+(?:{m}\d*)?|{m}\d+){_EXP}"


def _grouped_pattern(mark: str | None, sep: str) -> str:
    t = "[ " + _NBSP + "]" if sep == " " else re.escape(sep)
    frac = "" if mark is None else rf"(?:{re.escape(mark)}\d*)?"
    alt = "" if mark is None else rf"|{re.escape(mark)}\d+"
    return rf"{_SIGN}(?:(?:\d{{1,3}}(?:{t}\d{{3}})*|\d+){frac}{alt}){_EXP}"


def _fullmatch(s, pattern):
    return s.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)


def _mark_evidence(num, thousands) -> tuple[bool, bool]:
    """Whether some cell of ``num`` proves the decimal mark "." / "," (a cell with the mark
    that cannot be a thousands group). Evidence of parts of a column combines by ``or``:
    the column's evidence is that of its parts (partitions, distinct cells) together."""
    if thousands is not None:
        num = num.str.replace(thousands, "", regex=False)
    ambiguous = _fullmatch(num, _AMBIGUOUS.pattern)
    proves = []
    for mark in (".", ","):
        uses = num.str.contains(mark, regex=False).fillna(False).to_numpy(dtype=bool)
        proves.append(bool((uses & _fullmatch(num, _decimal_pattern(mark)) & ~ambiguous).any()))
    return proves[0], proves[1]


def _mark_of(evidence) -> str | None:
    """The decimal mark of a column with this evidence: the first of "." and "," proved."""
    return next((m for m, proved in zip((".", ","), evidence, strict=True) if proved), None)


def _column_mark(num, thousands) -> str | None:
    """The decimal mark a column proves by a cell that cannot be a thousands group."""
    return _mark_of(_mark_evidence(num, thousands))


def _why(text: str, num: str, mark: str | None, decimal: str, thousands: str | None) -> str:
    """Why a number with separators was not read, and the keyword that reads it."""
    if thousands is not None and (thousands in num or (thousands == " " and
                                                       any(c in num for c in _NBSP))):
        return (f"a thousands separator {thousands!r} in the wrong place (digits are grouped "
                f"by three: 1{thousands}200{thousands}000)")
    seps = [c for c in ".,' " + _NBSP if c in num]
    if not seps:
        return "not a number"
    c = " " if seps[0] in _NBSP else seps[0]
    if _AMBIGUOUS.fullmatch(num) and mark is None:
        other = "," if c == "." else "."
        return (f"ambiguous: {c!r} may be a decimal mark or a thousands separator; pass "
                f"decimal={c!r} if it is a decimal mark, or thousands={c!r} (and decimal="
                f"{other!r}) if it separates thousands (CLI: --decimal {_cli(c)} / "
                f"--thousands {_cli(c)})")
    if decimal == "auto" and mark is not None and c in ".," and c != mark and len(seps) == 1:
        kind = "comma" if c == "," else "point"
        where = "points" if mark == "." else "commas"
        return (f"a decimal {kind} in a column that also uses decimal {where}, or a thousands "
                f"separator; pass thousands={c!r} if it separates thousands (CLI: --thousands "
                f"{_cli(c)}), otherwise correct the cell")
    if decimal != "auto" and c != decimal and c in ".,":
        return (f"a {'comma' if c == ',' else 'point'} in a number, but decimal={decimal!r}; "
                f"pass thousands={c!r} if it separates thousands (CLI: --thousands {_cli(c)})")
    if c in " '" and len({" " if x in _NBSP else x for x in seps}) == 1:
        return (f"a number with {c!r} in it; pass thousands={c!r} if it separates thousands "
                f"(CLI: --thousands {_cli(c)}), otherwise correct the cell")
    return (f"a number with separators {''.join(dict.fromkeys(seps))!r}; name the convention "
            f"with decimal= and thousands= (e.g. decimal='.', thousands=','; CLI: --decimal . "
            f"--thousands ,)")


def _numbers(num, decimal: str, thousands: str | None, evidence=None):
    """Number text -> (float values, valid mask, decimal mark used), vectorised.

    ``evidence`` (``decimal="auto"``): the whole column's ``_mark_evidence`` when ``num``
    is only a part of it (a partition), so that the part is read by the column's mark.
    """
    if decimal != "auto":
        mark = decimal
    elif thousands in (".", ","):
        mark = "," if thousands == "." else "."
    elif evidence is not None:
        mark = _mark_of(evidence)
    else:
        mark = _column_mark(num, thousands)
    if thousands is None:
        pattern = _decimal_pattern(mark) if mark else _SIGN + r"\d+" + _EXP
    else:
        pattern = _grouped_pattern(mark, thousands)
    valid = _fullmatch(num, pattern)
    values = np.full(len(num), np.nan)
    if valid.any():
        clean = num[valid]
        if thousands is not None:
            for c in ((" ", *_NBSP) if thousands == " " else (thousands,)):
                clean = clean.str.replace(c, "", regex=False)
        if mark == ",":
            clean = clean.str.replace(",", ".", regex=False)
        values[valid] = clean.astype(float).to_numpy()
    return values, valid, mark


#: Characters that look like a number's but are not ASCII: what the fix names.
_LOOKALIKE = {"\u2212": "a minus sign U+2212 (write '-')", "\u2013": "a dash U+2013 (write "
              "'-')", **{chr(0xFF10 + d): "full-width digits (write 0-9)" for d in range(10)},
              "\uff0e": "a full-width point (write '.')", "\uff0c": "a full-width comma"}


def _not_a_number(text) -> str:
    """The reason a cell is not a number, naming a look-alike character it holds."""
    found = dict.fromkeys(_LOOKALIKE[c] for c in str(text) if c in _LOOKALIKE)
    return "not a number" + (f": it holds {', '.join(found)}" if found else "")


def _extract(text, pattern: str, groups):
    """``pattern``'s named groups of each cell, by pyarrow's RE2, vectorised."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.extract_regex(pa.array(text), pattern=pattern)
    kind = pd.StringDtype("pyarrow")
    return pd.DataFrame({g: pd.array(pc.struct_field(found, g), dtype=kind) for g in groups},
                        index=text.index)


def _split_flags(unit):
    """Unit text after the number -> (unit without its flag, flag), vectorised."""
    import pandas as pd

    flag = pd.Series(pd.NA, index=unit.index, dtype=unit.dtype)
    if not unit.notna().any():
        return unit, flag
    for pattern in (_MARK_FLAG.pattern, _WORD_FLAG.pattern):
        parts = _extract(unit, pattern, ("unit", "flag"))
        hit = parts["flag"].notna() & flag.isna()
        flag = flag.mask(hit, parts["flag"])
        unit = unit.mask(hit, parts["unit"].fillna(""))
    return unit.str.strip(), flag


def _as_text(raw):
    """(text cells as Arrow strings, values of cells that already are numbers, their mask)."""
    import pandas as pd

    kind = pd.StringDtype("pyarrow")
    n = len(raw)
    direct = np.full(n, np.nan)
    is_num = np.zeros(n, dtype=bool)
    if raw.dtype == object:  # Excel or a DataFrame: numbers and text mixed
        cells = raw.to_numpy()
        is_num = _instances(cells, (int, float, np.integer, np.floating), (bool, np.bool_))
        direct[is_num] = cells[is_num].astype(float)
        absent = pd.isna(cells)  # None, NaN, pd.NA, NaT: missing, not the text "<NA>"
        text = cells.copy()
        text[is_num | absent] = None
        other = ~(is_num | absent | _instances(cells, (str,), exact=True))
        text[other] = [str(v) for v in cells[other]]  # (booleans, dates, ...: few)
        return pd.Series(text, index=raw.index, dtype=kind).str.strip(), direct, is_num
    return raw.astype(kind).str.strip(), direct, is_num


_DATE = ("a date or time, not a number (a spreadsheet may have turned an entry such as 1.12 "
         "into a date: format the column as a number or text and enter the value again)")


def _dated(raw):
    """Cells of an object column that are dates or times (an Excel cell formatted as a date).
    A column of text or of numbers only (``infer_dtype``, in C) is not looked at cell by
    cell."""
    import pandas as pd

    if raw.dtype != object or pd.api.types.infer_dtype(raw, skipna=True) in (
            "string", "empty", "integer", "floating", "mixed-integer-float", "boolean"):
        return np.zeros(len(raw), dtype=bool)
    kinds = (datetime.date, datetime.time, datetime.timedelta, np.datetime64, np.timedelta64)
    return _instances(raw.to_numpy(), kinds)


def _instances(cells, kinds, but=(), *, exact=False):
    """Per cell of the object array ``cells``, ``isinstance(v, kinds) and not isinstance(v,
    but)`` (``exact``: ``type(v) in kinds``), asked once per distinct type of cell, not of
    every cell (a column holds a few types)."""
    import pandas as pd

    codes, types = pd.factorize(np.frompyfunc(type, 1, 1)(cells)) if len(cells) else (
        np.zeros(0, dtype=np.intp), [])
    hit = np.array([t in kinds if exact else issubclass(t, kinds) and not issubclass(t, but)
                    for t in types] + [False], dtype=bool)
    return hit[codes]


def _number_cells(raw):
    """(text, direct values, is_num, lower-case text, missing, parts, ok) of a text column:
    ``parts`` are the cells' operator, number and unit; ``ok`` the cells with a number."""
    text, values, is_num = _as_text(raw)
    low = text.str.lower()
    missing = (text.isna() | low.isin(_MISSING)).to_numpy(dtype=bool) & ~is_num
    parts = _extract(text, _CELL.pattern, ("op", "num", "unit"))
    ok = parts["num"].notna().to_numpy(dtype=bool) & ~missing & ~is_num
    return text, values, is_num, low, missing, parts, ok


def mark_evidence(raw, thousands) -> tuple[bool, bool]:
    """``parse_column``'s evidence of the decimal mark ("." proved, "," proved) in the cells
    ``raw``, for ``decimal="auto"``: computed on each part of a column and combined by
    ``or``, then given to ``parse_column(evidence=)``, parts are read as the whole column."""
    if raw.dtype.kind in "fiub" or not len(raw):
        return False, False
    _, _, _, _, _, parts, ok = _number_cells(raw)
    return _mark_evidence(parts["num"][ok], thousands)


def parse_column(raw, header, *, decimal, thousands, limit, censorable, what, problems,
                 evidence=None):
    """Cells of one column -> numbers.

    Returns ``(values, side, cell_units, flags)``: float64 values (NaN where missing or
    unreadable); "left"/"right"/None per cell (censoring); a Series of the unit text written
    in the cells, one per cell of ``raw`` (None where a cell has none), or empty when no
    cell has one; a Series of result flags (<NA> where none), or None when there is none.
    Unreadable cells are appended to ``problems``. ``evidence``: the whole column's
    ``mark_evidence`` when ``raw`` is a part of it.
    """
    import pandas as pd

    def py(v):
        return v.item() if isinstance(v, np.generic) else v

    n = len(raw)
    side = np.full(n, None, dtype=object)  # (early returns; cells below)
    empty_units = pd.Series([], dtype=object)
    if raw.dtype.kind in "fiu":
        values = np.array(raw.to_numpy(dtype=float), copy=True)  # never the caller's buffer
        return values, side, empty_units, None
    if raw.dtype.kind == "b":
        problems.extend((py(raw.index[i]), header, py(raw.iloc[i]), "a boolean, not a number")
                        for i in range(n))
        return np.full(n, np.nan), side, empty_units, None
    if raw.dtype.kind in "mM":  # dates or durations: no cell is a number
        problems.extend((py(raw.index[i]), header, str(raw.iloc[i]), _DATE)
                        for i in np.flatnonzero(raw.notna().to_numpy(dtype=bool)))
        return np.full(n, np.nan), side, empty_units, None
    # each cell is read on its own: a column of text is read once per distinct text (an
    # export repeats "4.2" and "<0.5" thousands of times), its problems listed per row
    codes, cells = _distinct_cells(raw)
    text, values, is_num, low, missing, parts, ok = _number_cells(cells)
    dated = _dated(cells) & ~missing
    for i in np.flatnonzero(dated[codes]):
        problems.append((py(raw.index[i]), header, text.iloc[codes[i]], _DATE))
    ok &= ~dated
    left_text = low.isin(_LEFT_TEXT).fillna(False).to_numpy(dtype=bool)
    num = parts["num"][ok]
    parsed, valid, mark = _numbers(num, decimal, thousands, evidence)
    pos = np.flatnonzero(ok)
    bad_number = np.zeros(len(cells), dtype=bool)
    bad_number[pos[~valid]] = True
    for i in np.flatnonzero(bad_number[codes]):  # reported cells only
        c = codes[i]
        problems.append((py(raw.index[i]), header, text.iloc[c],
                         _why(text.iloc[c], parts["num"].iloc[c], mark, decimal, thousands)))
    values[pos[valid]] = parsed[valid]
    ok &= ~bad_number
    side = np.full(len(cells), None, dtype=object)
    op = parts["op"].fillna("")
    side[ok & op.isin(["<", "<=", "≤"]).to_numpy(dtype=bool)] = "left"
    side[ok & op.isin([">", ">=", "≥"]).to_numpy(dtype=bool)] = "right"
    if left_text.any():
        left = np.flatnonzero(left_text)
        if censorable and limit is None:
            problems.extend((py(raw.index[i]), header, text.iloc[codes[i]], "a censored result "
                             "without a number; pass limits={column: detection limit}")
                            for i in np.flatnonzero(left_text[codes]))
        elif censorable:
            values[left] = float(limit)
            side[left] = "left"
        else:
            side[left] = "left"
    if not censorable:
        for i in np.flatnonzero((side != None)[codes]):  # noqa: E711 (element-wise on objects)
            problems.append((py(raw.index[i]), header, text.iloc[codes[i]], (
                f"censored: labstats cannot give {what} a stand-in value; enter the value, or "
                f"leave the cell empty (NaN)")))
        values[side != None] = np.nan  # noqa: E711
        side[:] = None
    unparsed = ~(ok | missing | left_text | is_num | bad_number | dated)
    for i in np.flatnonzero(unparsed[codes]):
        c = codes[i]
        problems.append((py(raw.index[i]), header, text.iloc[c], _not_a_number(text.iloc[c])))
    units, flags = _split_flags(parts["unit"].where(ok, None))
    has_unit = (units.fillna("") != "").to_numpy(dtype=bool)
    if cells is not raw:  # one cell per distinct text: spread back to every row
        values, side, has_unit = values[codes], side[codes], has_unit[codes]
        units = pd.Series(units.to_numpy(dtype=object)[codes], index=raw.index, dtype=units.dtype)
        flags = pd.Series(flags.to_numpy(dtype=object)[codes], index=raw.index, dtype=flags.dtype)
    cell_units = (units.astype(object).where(has_unit, None) if has_unit.any() else
                  empty_units)  # row by row (a unit column compares each row with its cell)
    return values, side, cell_units, (flags if flags.notna().any() else None)


def _distinct_cells(raw):
    """(codes, cells): the distinct cells of a column of text, ``codes`` mapping each row
    to its cell; ``(arange(n), raw)`` for other columns (an object column may hold 1, 1.0
    and True: equal as keys, read differently), read row by row."""
    import pandas as pd

    if not (isinstance(raw.dtype, pd.StringDtype) or (
            raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=True) == "string")):
        return np.arange(len(raw)), raw
    codes, distinct = pd.factorize(raw, use_na_sentinel=False)
    return codes, pd.Series(distinct, dtype=raw.dtype)
