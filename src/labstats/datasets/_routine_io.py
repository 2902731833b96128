"""Sources and columns of a long-format laboratory export (one row per result).

Reads a file (through ``_labtext``, the reader of ``read_lab_export``), a folder of
Parquet files or a DataFrame; finds the columns of each role (patient, specimen, time,
test, value, unit, flag, status) by the headers of MIMIC-IV ``labevents`` and of common
LIS exports, or by ``columns=``; parses collection times. Used by ``routine``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from labstats._validate import number_objects, warn
from labstats.datasets import _labtext
from labstats.datasets._routine_files import check_parts, folder_parts

#: Role -> header spellings recognised (normalised: lower case, "_" as a space), in order
#: of preference. MIMIC-IV ``hosp.labevents`` first, then LIS / HL7 OBX flattenings.
DEFAULT_COLUMNS = {
    "patient_id": ["subject id", "patient id", "patient", "patientid", "mrn", "pid",
                   "person id", "patient number"],
    "specimen_id": ["specimen id", "specimen", "accession", "accession number",
                    "accession no", "sample id", "sample", "order id", "lab order id"],
    "collected_at": ["charttime", "collected at", "collected", "collection time",
                     "collection date", "collection datetime", "collected date",
                     "specimen collected", "draw time", "observation datetime", "obx-14"],
    "test": ["itemid", "loinc", "loinc code", "test code", "test", "test id", "order code",
             "observation identifier", "obx-3", "test name", "analyte", "code"],
    "value": ["value", "result", "result value", "obx-5"],
    "valuenum": ["valuenum"],
    "unit": ["valueuom", "unit", "units", "uom", "result unit", "result units", "obx-6"],
    "flag": ["flag", "abnormal flag", "abnormal flags", "interpretation", "obx-8"],
    "status": ["result status", "status", "obx-11"],
}
ROLES = tuple(DEFAULT_COLUMNS)
REQUIRED = ("patient_id", "test", "value")


norm = _labtext.norm_label  # a header as matched (the one normalisation, with labfile's)


def read_source(source, sheet_name, sep, encoding, time_zone=None):
    """(raw frame with a RangeIndex, file of each row or None) from a file, folder or frame;
    with ``time_zone``, the parts of a folder may hold times of different zones (each part's
    converted to it, ``in_zone``)."""
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        _labtext.check_labels(source.columns, "source")
        return source.reset_index(drop=True), None
    path = Path(source)
    if not path.is_dir():
        return _labtext.read_raw(path, sheet_name, sep, encoding).reset_index(drop=True), None
    files = folder_parts(path, "give a folder of Parquet files, or one CSV, Excel or "
                               "Parquet file")
    sizes = [m.num_rows for m in check_parts(files, time_zone)]
    # a part of no rows (Dask and Spark write one for an empty partition) adds none, as
    # for pair_export; a folder of no rows at all is the reader's error
    frames = [in_zone(_labtext.read_raw(f, sheet_name, sep, encoding), time_zone)
              for f, n in zip(files, sizes, strict=True) if n or not any(sizes)]
    names = [str(f.relative_to(path)) for f in files]
    which = np.repeat(np.arange(len(files)), sizes)
    raw = pd.concat(frames, ignore_index=True)
    return raw, pd.Categorical.from_codes(which, categories=names)


#: Text ids that may be another's spelling (``check_ids``): blanks around, or a ".0".
ODD_ID = r"^\s|\s$|^\d+\.0+$"
#: The same for RE2 (pyarrow, DuckDB), whose ``\s`` is ASCII only: a superset (a first or
#: last character outside printable ASCII, such as a no-break space, or a ".0" ending);
#: ``id_keys`` (Python's Unicode ``strip``) then decides which spell one id two ways.
ODD_ID_RE2 = r"^[^!-~]|[^!-~]$|\.0+$"


def id_keys(values, number=None):
    """The text each id of ``values`` is compared by (``check_ids``): a whole number as its
    integer ("7" for 7 and 7.0), text stripped, without a ".0" after digits ("7.0": a
    float written as text); ``number``: which values are numbers (default: found)."""
    import pandas as pd

    number = number_objects(values) if number is None else number
    keys = pd.Series([str(int(v)) if n and float(v).is_integer() else str(v)
                      for v, n in zip(values, number, strict=True)], dtype=object).str.strip()
    return keys.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


def check_ids(raw, role, rows=None):
    """Refuse an id column (patient, specimen) that writes one id two ways, so that one
    patient's results would be paired as two patients: as a number and as text (7 and
    "7": a spreadsheet column typed cell by cell; as ``check_parts`` refuses a folder
    whose parts type a column differently), with and without blanks around it ("001"
    and " 001": a padded fixed-width field), or with and without a decimal ".0" ("7.0",
    a float written as text). The distinct ids are compared as text, stripped, without
    a ".0" after digits; nothing is checked row by row. ``rows``: the export's row of each
    row of ``raw`` (for the message), when ``raw`` holds some of its ids only."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    for r in ("patient_id", "specimen_id"):
        cells = raw[role[r]] if r in role else None
        if cells is None or cells.dtype.kind in "iufbmM":
            continue
        mixed = cells.dtype == object and pd.api.types.infer_dtype(cells, skipna=True) not in (
            "string", "empty")
        if not mixed:  # text: only a padded cell can write an id two ways
            text = pa.array(cells.astype("string").array)
            if not pc.any(pc.match_substring_regex(text, ODD_ID_RE2)).as_py():
                continue
        codes, distinct = pd.factorize(cells)
        number = number_objects(distinct) if mixed else np.zeros(len(distinct), bool)
        as_text = id_keys(distinct, number)
        twice = np.flatnonzero((as_text.duplicated(keep=False) & (as_text != ""))
                               .to_numpy())  # (blank: no id, reported row by row)
        if not len(twice):
            continue
        k = twice[0]
        j = next(i for i in twice if i != k and as_text[i] == as_text[k])
        (a, b), header = (int(np.argmax(codes == i)) for i in (k, j)), role[r]
        if rows is not None:
            a, b = int(rows[a]), int(rows[b])
        how = ("both as a number and as text" if number[k] != number[j] else
               "with different blanks around it" if str(distinct[k]).strip() ==
               str(distinct[j]).strip() else "with and without a decimal '.0'")
        v, w = (x.item() if isinstance(x, np.generic) else x for x in distinct[[k, j]])
        fix = ".str.removesuffix('.0')" if how.endswith("'.0'") else ""
        raise ValueError(
            f"column {header!r} holds the id {as_text[k]!r} {how} ({v!r} at row {a}, {w!r} "
            f"at row {b}): its results would be paired as two {r.split('_')[0]}s. Write "
            f"each id one way before reading (as text, stripped: frame[{header!r}] = "
            f"frame[{header!r}].astype('string').str.strip(){fix})")


def map_columns(headers, columns) -> dict:
    """Role -> header among ``headers`` (the export's column names): ``columns=`` (header
    -> role) first, then the defaults."""
    headers, columns = list(headers), dict(columns or {})
    for header, role in columns.items():
        if header not in headers:
            raise ValueError(f"columns: {header!r} is not a column of the export; columns are "
                             f"{', '.join(map(str, headers))}")
        if role not in ROLES:
            raise ValueError(f"columns: {header!r} maps to {role!r}, not a role of a long "
                             f"export; roles are {', '.join(ROLES)}")
    found = {role: header for header, role in columns.items()}
    if len(found) < len(columns):
        role = next(r for r in found if list(columns.values()).count(r) > 1)
        raise ValueError(f"columns: several headers map to {role!r}; map one")
    taken = set(columns)
    by_norm = {}
    for header in headers:
        by_norm.setdefault(norm(header), header)
    for role, spellings in DEFAULT_COLUMNS.items():
        if role in found:
            continue
        for s in spellings:
            header = by_norm.get(s)
            if header is not None and header not in taken:
                found[role] = header
                taken.add(header)
                break
    lacking = [r for r in REQUIRED if r not in found]
    if lacking:
        raise ValueError(
            f"no column for {', '.join(lacking)} among {', '.join(map(str, headers))}; "
            f"name it with columns={{HEADER: {lacking[0]!r}}} (CLI: --column-map "
            f"'HEADER={lacking[0]}')")
    return found


def time_format_of(first: str) -> str:
    """The format of a column of times, from its first filled (stripped) cell."""
    import warnings

    from pandas.tseries.api import guess_datetime_format

    with warnings.catch_warnings():  # pandas' note that a day-first format was guessed
        # (it is: "13/03/2024") would point into labstats; the format is the first time's,
        # as documented, and reported times say which format was used
        warnings.filterwarnings("ignore", message="Parsing dates in .* when dayfirst",
                                category=UserWarning)
        return guess_datetime_format(first) or "ISO8601"


#: A format whose first two fields are a numeric day and month, in either order.
_DAY_MONTH = re.compile(r"^%([dm])([/.\-])%([dm])\2")


def month_first(fmt) -> bool | None:
    """Whether ``fmt`` begins with a numeric month then day (``True``), day then month
    (``False``), or neither (None: no order to settle)."""
    found = _DAY_MONTH.match(fmt or "")
    if found is None or found.group(1) == found.group(3):
        return None
    return found.group(1) == "m"


def order_evidence(cells) -> tuple:
    """The largest first and second field of the cells that begin with two numbers of one
    or two digits and a separator ("13/04/2024", "3.4.24 08:00"): what tells a column's
    day/month order apart (a field above 12 is not a month); (0, 0) when none."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(np.asarray(cells, dtype=object), type=pa.string(), from_pandas=True)
    found = pc.extract_regex(text, r"^\s*(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-]")
    return tuple(int(pc.max(pc.cast(field, pa.int64())).as_py() or 0)  # (null: no match)
                 for field in found.flatten())


def other_order(fmt):
    """``fmt`` (``month_first`` not None) with its day and month swapped: "%m/%d/%Y" <->
    "%d/%m/%Y"."""
    return re.sub(r"^%([dm])(.)%([dm])", r"%\3\2%\1", fmt)


def settle_order(fmt, evidence, first):
    """(format, note): the format of a column of times guessed from its first time
    ``first`` (pandas reads "03/04/2024" as month/day), settled on the whole column: its
    ``evidence`` (``order_evidence`` of all its times, or the largest of its parts'). A
    field above 12 where the guess put the month means the other order (day/month),
    unless the other field goes above 12 too (both orders: an error); when no time tells
    the orders apart, the guess stands, and ``note`` is the warning to issue (by the
    caller's thread), else None. Formats without a numeric day and month pass."""
    first_is_month = month_first(fmt)
    if first_is_month is None:
        return fmt, None
    month, day = evidence if first_is_month else evidence[::-1]
    swapped = other_order(fmt)
    if month > 12 and day > 12:
        raise ValueError(
            f"collected_at: the times are written in both orders, day/month and month/day "
            f"(a first field up to {evidence[0]}, a second up to {evidence[1]}), so no order "
            f"reads them all; pass time_format= with the export's format (e.g. {fmt!r} or "
            f"{swapped!r}): the times in the other are then listed as not read")
    if month > 12:
        return swapped, None  # the first time was ambiguous ("03/04/2024"); others not
    if day > 12:
        return fmt, None
    return fmt, (f"collected_at: every time reads both as day/month and as month/day (the "
                 f"first is {first!r}), and they were read as {fmt!r}; if the export writes "
                 f"the day first, pass time_format={swapped!r}, else time_format={fmt!r}")


def time_variants(fmt) -> list:
    """The formats of ``fmt``'s times written with or without seconds (or their fraction),
    "%H:%M" <-> "%H:%M:%S" <-> "%H:%M:%S.%f", and with "T" or a space between date and
    time: ISO 8601 lets the seconds be left out, and RFC 3339 (section 5.6) lets a space
    stand for its "T": the same clock time, not another format; a UTC offset or zone
    after them ("%z", "%Z") is kept ("01:30+01:00" and "01:30:00+01:00" are one format,
    as their naive times are). None (an empty list) for a format without hours and
    minutes."""
    found = re.search(r"%[HI]:%M(?::%S(?:\.%f)?)?", fmt or "")
    if found is None:
        return []
    head, tail = fmt[:found.start()] + found.group(0)[:5], fmt[found.end():]
    heads = [head]
    if head.endswith(("%dT%H:%M", "%d %H:%M")):  # the other separator
        heads.append(head[:-6] + ("T" if head[-6] == " " else " ") + head[-5:])
    return list(dict.fromkeys(h + s + tail for h in heads for s in ("", ":%S", ":%S.%f")
                              if h + s + tail != fmt))


def parse_times(cells, time_format, time_zone=None):
    """Collection times -> (datetime64 Series, positions not read, the format used).

    One format per column: ``time_format`` or the one of the first filled cell, its
    day/month order settled on the whole column (``settle_order``), its times read with
    or without seconds, with "T" or a space (``time_variants``); a cell in another
    format (times in mixed formats), or not a time, is not read (NaT) and listed.
    Timezone-aware or naive, as the file gives them; several time zones (UTC offsets) are
    an error naming the fix, ``time_zone``: then times with a zone are read as instants
    and given in ``time_zone`` (``to_zone``), and a time without one is an error
    (``NaiveTime``: a clock reading of an unknown zone, not an instant).
    """
    import pandas as pd

    if isinstance(cells.dtype, pd.DatetimeTZDtype) or cells.dtype.kind == "M":
        return to_zone(cells, time_zone, cells), np.array([], dtype=np.int64), None
    text = cells.astype("string").str.strip()
    filled = (text.notna() & (text != "")).to_numpy(dtype=bool)
    if not filled.any():
        none = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
        return to_zone(none, time_zone, cells), np.array([], dtype=np.int64), None
    fmt = time_format or time_format_of(text[filled].iloc[0])
    # each distinct text once (a draw's results share their time)
    codes, distinct = pd.factorize(text.where(filled, None), use_na_sentinel=True)
    if time_format is None and month_first(fmt) is not None:  # the day/month order of
        fmt, note = settle_order(fmt, order_evidence(distinct), text[filled].iloc[0])  # all
        if note:
            warn(note)
    distinct = pd.Series(distinct, dtype=text.dtype)
    instants = time_zone is not None and zoned(fmt)  # (several offsets: one parse)
    try:
        read = pd.to_datetime(distinct, format=fmt, errors="coerce", utc=instants)
        for alt in time_variants(fmt):  # a rerun's time with seconds, the draw's without
            miss = read.isna().to_numpy(dtype=bool)
            if miss.any():
                read = _fill(read, miss, pd.to_datetime(distinct[miss], format=alt,
                                                        errors="coerce", utc=instants))
    except ValueError as exc:  # e.g. several timezones in one column
        fix = ("pass time_zone='UTC' (or the laboratory's, e.g. time_zone='Europe/Berlin'; "
               "CLI: --time-zone) to read them as instants in one time zone"
               if "timezones" in str(exc) else "pass time_format= (e.g. '%Y-%m-%d %H:%M:%S%z')")
        raise ValueError(f"collected_at: the times cannot be read as one column ({exc}); "
                         f"{fix}") from None
    if instants and "%z" not in fmt and "%Z" not in fmt:  # ISO 8601: utc=True reads a
        naive = read.notna().to_numpy(dtype=bool) & ~_offset(distinct)  # time without an
        if naive.any():  # offset as UTC: refused (with %z it is not read, and listed)
            at = int(np.argmax(codes == np.argmax(naive)))
            raise NaiveTime(at, cells.iloc[at], time_zone)
    times = pd.Series(read.array.take(codes, allow_fill=True), index=cells.index,
                      name=cells.name)
    bad = np.flatnonzero(filled & times.isna().to_numpy(dtype=bool))
    return to_zone(times, time_zone, cells), bad, fmt


def _fill(read, miss, more):
    """``read`` (times parsed in a format) with its missing values at ``miss`` from
    ``more`` (those texts parsed in a variant, ``time_variants``), in the finer unit of the
    two (pandas reads a column of no time in seconds, "08:00:00.5" in microseconds).
    Times of two UTC offsets (without ``time_zone=``) are pandas' error of several time
    zones in one column, as one parse of them all gives."""
    import pandas as pd

    if not more.notna().any():
        return read
    if not read.notna().any():  # no time read yet: the variant's type
        read = pd.Series(pd.NaT, index=read.index, dtype=more.dtype)
    elif getattr(read.dtype, "tz", None) != getattr(more.dtype, "tz", None):
        raise ValueError(f"Mixed timezones detected ({read.dtype.tz} and {more.dtype.tz}) "
                         f"in times written with and without seconds")
    unit = max(read.dt.unit, more.dt.unit, key=_UNITS.index)
    read = read.dt.as_unit(unit)
    read[miss] = more.dt.as_unit(unit)
    return read


_UNITS = ("s", "ms", "us", "ns")

#: An ISO 8601 time's UTC offset at the end of its text: "Z", "+01", "+01:00", "+0100".
_OFFSET = r"(?i)\d{2}(?::?\d{2}){1,2}(?:[.,]\d+)?\s*(?:z|[+-]\d{2}(?::?\d{2})?)$"


def _offset(texts) -> np.ndarray:
    """Whether each text (stripped) ends with an ISO 8601 UTC offset after its time."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.match_substring_regex(pa.array(texts.array, type=pa.string()), _OFFSET)
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)


class NaiveTime(ValueError):
    """A time without a time zone where ``time_zone=`` asks for instants: ``row`` (0-based,
    in the cells checked; ``moved``: in the export), ``text`` (as written)."""

    def __init__(self, row, text, zone):
        self.row, self.text, self.zone = int(row), text, zone
        super().__init__(
            f"collected_at: the time {str(text)!r} (source_row {self.row}) has no time zone "
            f"(no UTC offset): a clock reading, not an instant, so time_zone={zone!r} cannot "
            f"convert it (to read it in {zone!r} would be to guess the zone it was written "
            f"in). Write every time with its offset (e.g. '2024-01-10T08:00:00+01:00'), "
            f"or read the times as written, without time_zone=; clock times of one zone can "
            f"be made instants first: frame[column] = pd.to_datetime(frame[column])"
            f".dt.tz_localize({zone!r}, ambiguous=..., nonexistent=...)")

    def moved(self, offset):
        """The same error, its row counted from ``offset`` (its part's first row)."""
        return NaiveTime(self.row + int(offset), self.text, self.zone)


def as_zone(time_zone):
    """``time_zone=`` checked: None, or the name of a zone of the IANA time zone database
    ("UTC", "Europe/Berlin"; ``zoneinfo``); anything else is an error naming it."""
    if time_zone is None:
        return None
    import zoneinfo

    try:
        known = isinstance(time_zone, str) and zoneinfo.ZoneInfo(time_zone) is not None
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        known = False
    if not known:
        raise ValueError(f"time_zone={time_zone!r} is not the name of a time zone of the "
                         f"IANA database (zoneinfo.available_timezones()); give one such as "
                         f"'UTC' or the laboratory's, e.g. 'Europe/Berlin'")
    return time_zone


def to_zone(times, time_zone, cells):
    """Collection ``times`` (read from ``cells``) in ``time_zone``: instants converted;
    naive times (filled) are ``NaiveTime``, a column of none put in the zone. The one place
    ``time_zone=`` converts times, on every path of the routine reader."""
    import pandas as pd

    if time_zone is None:
        return times
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        return times.dt.tz_convert(time_zone)
    filled = times.notna().to_numpy(dtype=bool)
    if filled.any():
        at = int(np.argmax(filled))
        raise NaiveTime(at, cells.iloc[at], time_zone)
    return times.dt.tz_localize(time_zone)


def in_zone(frame, time_zone):
    """``frame`` (a part of a folder) with its timezone-aware columns in ``time_zone``."""
    import pandas as pd

    if time_zone is None:
        return frame
    zoned = [c for c, t in frame.dtypes.items() if isinstance(t, pd.DatetimeTZDtype)]
    return frame.assign(**{c: frame[c].dt.tz_convert(time_zone) for c in zoned})


def zoned(time_format) -> bool:
    """Whether times in ``time_format`` may carry a time zone (an offset, a name, ISO 8601)."""
    return time_format is not None and ("%z" in time_format or "%Z" in time_format
                                        or time_format in ("ISO8601", "mixed"))


def zone_text(cells, time_format, time_zone=None):
    """For a part of a column of times in a zoned format (``zoned``): the first text read
    (one text stands for the part's one time zone, or for its naive times), None when
    none is read; the error of ``parse_times`` when the part itself mixes zones. The
    texts of the parts read together (``check_zones``) then fail as the whole column
    does: pandas refuses several time zones in one column, not in each part. With
    ``time_zone`` (zones may differ): None, or the part's ``NaiveTime``."""
    import pandas as pd

    if (isinstance(cells.dtype, pd.DatetimeTZDtype) or cells.dtype.kind == "M") and \
            time_zone is None:
        return None
    try:
        times, _, _ = parse_times(cells, time_format, time_zone)
    except ValueError as exc:
        return exc
    if time_zone is not None:
        return None
    read = times.notna().to_numpy(dtype=bool)
    return str(cells.astype("string").str.strip()[read].iloc[0]) if read.any() else None


def check_zones(texts, time_format, offsets=None):
    """Raise ``parse_times``' error when the parts' ``zone_text``s mix time zones (as
    the whole column would: ``read_lab_results`` refuses it), or a part's error (its
    ``NaiveTime`` at its row in the export: ``offsets``, each part's first row)."""
    import pandas as pd

    for k, t in enumerate(texts):
        if isinstance(t, NaiveTime):
            raise t.moved(0 if offsets is None else offsets[k]) from None
        if isinstance(t, Exception):  # a part mixes zones itself
            raise ValueError(str(t)) from None
    texts = [t for t in texts if t is not None]
    if len(texts) > 1:
        parse_times(pd.Series(texts, dtype="string"), time_format)


def warn_unread(count, row, text, time_format):
    """The warning for ``count`` rows whose filled collection time is not read in
    ``time_format`` (the first at source row ``row``, written ``text``); every path of
    the routine reader gives this one, once per export."""
    warn(f"collected_at: {count} time(s) are not in the column's format {time_format!r} "
         f"(mixed formats, or not a time; the first at source_row {row}: {str(text)!r}) and "
         f"were not read: their results are kept without a time (repeats= then prefers "
         f"results with a time; by='window' refuses them; read_lab_results lists them in "
         f"result.attrs['times']); pass time_format= to read another format")


def unread_times(cells, time_format, time_zone=None):
    """(count, first position, its text) of the filled times of ``cells`` (a part of an
    export's time column) that ``parse_times`` does not read in ``time_format``."""
    _, bad, _ = parse_times(cells, time_format, time_zone)
    if not len(bad):
        return 0, None, None
    return len(bad), int(bad[0]), cells.iloc[int(bad[0])]
