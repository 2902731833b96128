"""Routine laboratory data in long format (one row per result) -> a tidy frame of results.

``read_lab_results`` reads what a laboratory information system or an EHR research
extract holds (MIMIC-IV ``labevents``, a hospital's LIS dump): patient, specimen, time,
a local test code or a LOINC code, the value as text, a unit column, a flag. Every cell
goes through the one parser of ``read_lab_export`` (``_labcells``: "<0.5", "450 H",
decimal marks) and the one unit layer (``_labunits``, ``labstats.units``); each row is
converted by its own unit, in groups of rows with one unit. Nothing is dropped: every
input row is in the result, with its status (used, reported, excluded, duplicate).
``pair_results`` (``_routine_pair``) turns the used rows into one row per draw.
"""

from __future__ import annotations

import numpy as np

from labstats.datasets import _loinc, _routine_io
from labstats.datasets._labunits import UnitColumn
from labstats.datasets._routine_files import files_per_patient
from labstats.datasets._routine_pair import as_written, duplicated, pair_results, take_text
from labstats.datasets._routine_screen import (  # noqa: F401 (_test_map: for _engines)
    _analytes,
    _screen,
    _test_map,
    export_advice,
    judge_units,
    name_column_hint,
    valuenum_clash,
)
from labstats.datasets._routine_text import (  # noqa: F401 (_code_text: for _engines)
    _check_families,
    _code_text,
    _distinct_text,
    _off_scale,
    _parse_distinct,
    _unit_text,
)

__all__ = ["STATUSES", "counts", "pair_results", "read_lab_results"]

#: Status of an input row: its value is used; it could not be read (reported); it is not
#: a result labstats uses (excluded, e.g. an unknown test); an exact repeat of a used row.
STATUSES = ("used", "reported", "excluded", "duplicate")
_NO_VALUE = "no result value"
_MARKS = ("", "<", ">")  # censoring: none, left (<L), right (>U)


def _py(value):
    return value.item() if isinstance(value, np.generic) else value


def read_lab_results(source, *, columns=None, test_map=None, units=None,
                     censored: str = "lod/sqrt2", decimal: str = "auto",
                     thousands: str | None = None, time_format: str | None = None,
                     time_zone: str | None = None,
                     insulin_factor: str | float = "standard", sheet_name=0, sep=None,
                     encoding: str = "utf-8-sig", _decimal_evidence=None,
                     _column_check=True, _rows=None):
    """Read a long-format laboratory export (one row per result) into canonical units.

    Parameters
    ----------
    source : str, os.PathLike, pandas.DataFrame or dask.dataframe.DataFrame
        A ``.csv``/``.tsv`` (optionally compressed), ``.xlsx`` or ``.parquet`` file, a
        folder of Parquet files (the parts of one export, read in name order; another
        file is an error, but for bookkeeping whose name starts with "." or "_", such
        as ``_SUCCESS``), or a DataFrame (never modified). A Dask DataFrame
        (``dd.read_parquet(folder)``) gives a lazy Dask result, each partition holding
        whole patients (shuffled by patient unless the partitions already hold disjoint
        patients), read partition by
        partition by this same reader; it runs on a ``dask.distributed`` cluster as is.
        Dask keeps no ``attrs``: the counts are ``labstats.counts(result)``, the per-row
        report a ``reason`` column; strings come in pandas' default string dtype (as
        pandas reads the export), not Dask's ``string[pyarrow]``. The partitions are read
        in the ``labstats.plausibility`` mode in force when this function is called (on
        every worker, whenever computed), and its warnings are given here, on the whole
        export, as for a pandas frame.
    columns : mapping of str to str, optional
        Header -> role, the roles being ``patient_id``, ``specimen_id``, ``collected_at``,
        ``test``, ``value``, ``valuenum``, ``unit``, ``flag`` and ``status``. Headers of
        MIMIC-IV ``labevents`` (subject_id, specimen_id, charttime, itemid, value,
        valuenum, valueuom, flag) and common LIS exports ("Patient ID", "Accession",
        "Collected", "Test Code", "Result", "Units", "Abnormal Flag", "Result Status")
        are recognised without it. ``patient_id``, ``test`` and ``value`` are required.
    test_map : mapping of str to str, or path of a CSV file, optional
        Local test code or name -> analyte (``{"50862": "albumin"}``; a CSV file with
        the columns ``code`` and ``analyte``). Codes it does not list are looked up in
        the LOINC map shipped with labstats (``loinc_map.csv``), then as test names
        ("Testosterone", "SHBG", "HDL-C", as ``read_lab_export`` reads headers).
    units : mapping of str to str, optional
        Analyte -> unit of its results that have no unit (no unit column, or an empty
        cell in it).
    censored : {"lod/sqrt2", "lod/2", "lod", "nan"}, default "lod/sqrt2"
        Value given to a result ``<L``, as in ``read_lab_export``; ``>U`` gives U. A
        number flagged "<" or ">" in the flag column (HL7 table 0078: off the
        instrument's scale) is the censored result "<L" or ">U".
    decimal, thousands, insulin_factor, sheet_name, sep, encoding
        As in ``read_lab_export`` (``attrs["insulin_factor"]`` too, kept by
        ``pair_results`` for ``derive``).
    time_format : str, optional
        ``strftime`` format of the collection times; default: that of the first time
        (pandas' guess), its day/month order settled on every time: "03/04/2024" first
        then "15/04/2024" reads day first; times in both orders are an error, and times
        that never tell the orders apart are read as guessed, with a warning. Times
        with and without seconds ("08:00", "10:30:15", "10:30:15.5"), with "T" or a
        space between date and time, are read alike, also with a UTC offset after them
        ("08:00+01:00", "08:00:00+01:00").
    time_zone : str, optional
        An IANA time zone name ("UTC", "Europe/Berlin"; another name is an error): times
        with a UTC offset or zone (texts "2024-01-10T08:00:00+01:00", timestamps with a
        time zone, parts of a folder in different zones) are read as instants and given
        in this zone, so that an export across a daylight-saving change (+01:00 in
        winter, +02:00 in summer) is read, and pairing by window counts real hours.
        Without it, several offsets are an error (naming this fix). Times without a
        zone ("2024-01-10 08:00") are an error with it: they are clock readings of an
        unknown zone, and reading them in ``time_zone`` would guess the zone they were
        written in (a Berlin export read with "UTC" would shift every time by one or
        two hours in silence); read them without ``time_zone`` (as written), or
        localize them first (``Series.dt.tz_localize``, which asks what to do with the
        clock times that a daylight-saving change repeats or skips).

    Returns
    -------
    pandas.DataFrame
        One row per input row, in input order (``source_row``: 0-based position in the
        export, across the files of a folder in name order, with ``source_file``):
        ``patient_id``, ``specimen_id`` (when the export has one), ``collected_at``,
        ``test`` (the code as in the file), ``analyte``, ``value`` (float64, canonical
        unit of ``labstats.units.ANALYTES``; HbA1c in NGSP %, IFCC mmol/mol converted by
        the master equation, ``labstats.units.HBA1C_MASTER_EQUATION``; NaN unless used),
        ``censored`` ("<", ">" or ""), ``flag``, ``raw_value``, ``raw_unit``, ``source_row`` and ``status``
        (one of ``STATUSES``). ``attrs`` holds:

        - ``counts``: ``{"rows", "used", "reported", "excluded", "duplicates"}``, with
          used + reported + excluded + duplicates == rows;
        - ``report``: one row per reported or excluded row (``source_row``, ``status``,
          ``reason``, ``column``, ``value``);
        - ``unknown_tests``: the test codes not mapped, with their counts;
        - ``times``: collection times that could not be read (those rows stay used,
          without a time: ``pair_results(by="window")`` refuses them, and its
          ``repeats=`` prefers results with a time), also said by one warning;
        - ``split_patients`` (a folder): patients whose results are in several files.

        The frames in ``attrs`` compare as wholes (``==`` is ``DataFrame.equals``), so
        that ``pd.concat`` and ``pd.merge`` of results work: pandas keeps ``attrs`` only
        when every input's are equal (the same result twice, or its parts), else the
        concatenation has none. ``labstats.counts`` then counts its ``status`` column;
        the report stays with each result (read several files at once, as a folder, for
        one report).

    Raises
    ------
    ValueError
        Unreadable files, a required column missing, an unknown role or analyte in
        ``columns=``/``test_map=``, unknown keyword values, a patient or specimen id
        written two ways: as a number and as text (7 and "7", a spreadsheet column), or
        with and without blanks around it ("001", " 001"); times of several UTC offsets
        or zones without ``time_zone=``, a time without a zone with it (naming its
        row), a ``time_zone`` that is not an IANA name.

    Notes
    -----
    Reported (never silently NaN): a value that is not a number ("see comment"), empty,
    or censored without a number ("ND"); an unknown unit; a unit of another family than
    the LOINC code's (glucose 2345-7, a mass code, in mmol/L; see ``loinc_map.csv``); a
    unit in the value cell that differs from the unit column; a number that the
    ``valuenum`` column contradicts (MIMIC-IV: "4.2" and 42); a value negative or
    implausible for its unit (``labstats.units.ANALYTES``; relax with
    ``labstats.plausibility("warn")``); a result without a patient id. Excluded: tests
    that are not mapped to an analyte, results withdrawn by their status (HL7 table
    0085: W, D, X), and results replaced by another of the same patient, specimen, time
    (as read; as written where not read) and test code (0085: a correction C replaces a
    final result F, a final result a preliminary one P; needs a specimen id or a time
    column); a status written as a word ("Final", "Corrected", "Cancelled", FHIR's
    "entered-in-error") counts as its letter (``_routine_screen.status_letters``). A
    duplicate is a row equal to an earlier used row in patient, specimen, time, analyte,
    value and censoring (a value not kept, ``censored="nan"``: as written, with its unit).

    ``decimal="auto"`` takes the mark the whole column proves (``_labcells``); a part of an
    export read on its own (a Dask or ``pair_export`` partition) is given the whole
    export's evidence by the private ``_decimal_evidence`` (see ``decimal_evidence``).
    Likewise the column-level unit check (a column of one analyte and unit whose
    quartiles are typical of another unit warns) is judged on the whole export: a part
    is read with the private ``_column_check=False``, and the check is made once on the
    counted cells of all parts (``_routine_screen.warn_column_units``), and a reason
    that names another row names its row in the export (the private ``_rows``: the
    export's row of each of the part's).

    Examples
    --------
    >>> raw = pd.DataFrame({"Patient ID": ["p1", "p1", "p1", "p2"],
    ...                     "Accession": ["A1", "A1", "A1", "A2"],
    ...                     "Test Code": ["2986-8", "13967-5", "1751-7", "2986-8"],
    ...                     "Result": ["450 H", "40", "4.3", "see comment"],
    ...                     "Units": ["ng/dL", "nmol/L", "g/dL", "ng/dL"]})
    >>> res = read_lab_results(raw)
    >>> res[["patient_id", "analyte", "value", "flag", "status"]].round(3)
      patient_id             analyte   value  flag    status
    0         p1  total_testosterone  15.602     H      used
    1         p1                shbg  40.000  <NA>      used
    2         p1             albumin  43.000  <NA>      used
    3         p2  total_testosterone     NaN  <NA>  reported
    >>> res.attrs["counts"]
    {'rows': 4, 'used': 3, 'reported': 1, 'excluded': 0, 'duplicates': 0}
    """
    import pandas as pd
    import pyarrow as pa

    from labstats import _engines
    from labstats.datasets.labfile import CENSORED_POLICIES, _check_arguments

    if _engines.is_dask(source):
        return _engines.dask_read_lab_results(
            source, columns=columns, test_map=test_map, units=units, censored=censored,
            decimal=decimal, thousands=thousands, time_format=time_format,
            time_zone=_routine_io.as_zone(time_zone), insulin_factor=insulin_factor)

    _check_arguments(censored, decimal, thousands, "raise")
    time_zone = _routine_io.as_zone(time_zone)
    tmap = _test_map(test_map)
    units = dict(units or {})
    for a in units:
        if a not in _loinc.ANALYTE_NAMES:
            raise ValueError(f"units: {a!r} is not an analyte labstats reads; use one of "
                             f"{', '.join(_loinc.ANALYTE_NAMES)}")
    raw, files = _routine_io.read_source(source, sheet_name, sep, encoding, time_zone)
    role = _routine_io.map_columns(raw.columns, columns)
    _routine_io.check_ids(raw, role)
    n = len(raw)
    status = np.zeros(n, dtype=np.int8)  # index into STATUSES
    entries: list = []  # (row, reason, column, value) of reported or excluded rows

    def mark(rows, code, reason, header):
        """Rows (still used) get status ``code`` and a report entry; vectorised."""
        rows, first = np.unique(np.asarray(rows, dtype=np.int64), return_index=True)
        keep = status[rows] == 0
        rows = rows[keep]
        if not len(rows):
            return
        if not isinstance(reason, str):
            reason = np.asarray(reason, dtype=object)[first][keep]
        status[rows] = code
        cells = (raw[header].iloc[rows].to_numpy(dtype=object) if header is not None
                 else np.full(len(rows), None, dtype=object))
        entries.append(pd.DataFrame({"source_row": rows, "status": STATUSES[code],
                                     "reason": reason, "column": header, "value": cells}))

    def mark_found(found, unit_header=None):
        """Cells reported by the shared parser or unit layer, as (row, column, value, why)."""
        if not found:
            return
        rows = np.array([f[0] for f in found], dtype=np.int64)
        headers = np.array([str(f[1]) for f in found], dtype=object)
        why = np.array([f[3] for f in found], dtype=object)
        for h in dict.fromkeys(headers):
            m = headers == h
            column = unit_header if (unit_header is not None and h == "unit") else \
                next(f[1] for f in found if str(f[1]) == h)
            mark(rows[m], 1, why[m], column)

    times, bad_times, fmt = (_routine_io.parse_times(raw[role["collected_at"]], time_format,
                                                     time_zone)
                             if "collected_at" in role else (None, np.array([], int), None))
    set_aside, codes, (analyte, family, (analyte_code, analyte_names)), cells = _screen(
        raw, role, tmap, times, _rows)  # (a correction replaces a result of the time read)
    for args in set_aside:
        mark(*args)
    known = analyte != None  # noqa: E711 (element-wise on objects)
    unknown = ~known & ~codes.isna().to_numpy(dtype=bool)
    if _column_check is True:  # a whole export (parts are read by an engine)
        name_column_hint(raw, role, tmap, codes, unknown)
    pid = raw[role["patient_id"]]

    # Values: the cell parser of read_lab_export, on the rows still in play.
    live = np.flatnonzero(status == 0)
    problems: list = []
    values, (left, right), cell_units, flags = _parse_distinct(
        cells.iloc[live].set_axis(live), role["value"], decimal, thousands, problems,
        _decimal_evidence)
    if "flag" in role:  # "<"/">" (HL7 table 0078): off the scale, the number its limit
        left, right, clash = _off_scale(_distinct_text(raw[role["flag"]]).iloc[live],
                                        left, right, values)
        mark(live[clash], 1, "the flag says the result is off the instrument's scale on "
             "the other side than the value's comparator (HL7 v2 table 0078: '<' below, "
             "'>' above); correct the value or the flag", role["flag"])
    if "valuenum" in role:  # MIMIC: a number its own valuenum contradicts ("4.2", 42)
        clash, why = valuenum_clash(raw[role["valuenum"]], live, values)
        mark(live[clash], 1, why, role["value"])
    values[left] = CENSORED_POLICIES[censored](values[left])
    if censored == "nan":
        values[right] = np.nan
    mark_found(problems)
    vals = np.full(n, np.nan)
    vals[live] = values
    was_censored = np.zeros(n, dtype=bool)
    was_censored[live[left | right]] = True
    mark(np.flatnonzero((status == 0) & np.isnan(vals) & ~was_censored), 1, _NO_VALUE,
         role["value"])

    # Units: one per row (the unit column, else the unit in the cell, else units=).
    unit_text = _unit_text(raw, role, live, cell_units, analyte, units, n)
    _check_families(unit_text, family, status, mark, role)
    out = np.full(n, np.nan)
    checked: list = []  # (analyte, unit, rows, values) of each converted group
    record: dict = {}  # the insulin factor, when insulin was converted (_labunits)
    uh = role.get("unit", "unit")  # the unit column, as messages name it
    for name in pd.unique(analyte[(status == 0) & known]):
        rows = np.flatnonzero((status == 0) & (analyte == name))
        frame = pd.DataFrame({uh: unit_text.iloc[rows], role["value"]: cells.iloc[rows]})
        inside = cell_units.reindex(rows) if len(cell_units) else None
        found, groups = [], []
        out[rows] = UnitColumn(uh, name).convert(
            frame, vals[rows], name, role["value"], None, inside, insulin_factor, found,
            report_implausible=True, checked=groups, advice=export_advice(role), record=record)
        checked += [(name, *g) for g in groups]
        # no unit column: the unit was looked for in the value cell, which is reported
        mark_found(found, unit_header=role.get("unit", role["value"]))
    if isinstance(_column_check, list):  # a part: the caller judges the whole column
        _column_check.extend(checked)
    elif _column_check:
        judge_units(checked, insulin_factor, role)
    used = status == 0
    cens = np.zeros(n, dtype=np.int64)  # index into _MARKS
    cens[live[left]], cens[live[right]] = 1, 2
    flag = pd.array(pa.nulls(n, pa.large_string()), dtype="string")
    if flags is not None:
        flag[live] = flags.to_numpy(dtype=object)
    if "flag" in role:
        given = _distinct_text(raw[role["flag"]])
        given = given.mask(given == "")
        flag = (pd.array(pd.Series(flag).fillna(given), dtype="string") if flags is not None
                else given.array)
    result = {"patient_id": pid.array}  # the export's own types (Int64 ids stay Int64)
    if "specimen_id" in role:
        result["specimen_id"] = raw[role["specimen_id"]].array
    result["collected_at"] = times if times is not None else pd.NaT
    result.update({
        "test": (codes.astype("str").array if codes.notna().any()
                 else codes.to_numpy(dtype=object, na_value=None)),
        "analyte": take_text(analyte_code, analyte_names),
        "value": np.where(used, out, np.nan),
        "censored": take_text(np.where(used, cens, 0), _MARKS),
        "flag": flag,
        "raw_value": raw[role["value"]].array,
        "raw_unit": raw[role["unit"]].array if "unit" in role else None,
        "source_row": np.arange(n, dtype=np.int64),
    })
    if files is not None:
        result["source_file"] = files
    frame = pd.DataFrame(result)
    _mark_duplicates(frame, status, used, raw[role["collected_at"]] if times is not None
                     else None, analyte_code, np.where(used, cens, 0))
    frame["status"] = pd.Categorical.from_codes(status, categories=list(STATUSES))
    _attach(frame, status, entries, codes, unknown, bad_times, fmt, raw, role, files)
    frame.attrs.update(record)
    return frame


def counts(results, *, compute: bool = True):
    """The counts of ``read_lab_results``, from a pandas or a Dask frame of results.

    A pandas result carries them in ``attrs["counts"]``; a Dask DataFrame has no ``attrs``
    (dask-expr keeps none, dask/dask#11146), and the ``attrs`` of its partitions are lost
    when they are concatenated. Every row has its ``status``, so the counts are that
    column's tally: this function gives them for both, in the same dict. They are the
    counts of the rows in ``results``: a selection of a result, or results put together
    by ``pd.concat`` (which keeps ``attrs`` only when all are equal, e.g. the same result
    twice), is counted from its ``status`` column, not from the ``attrs`` it inherited.

    Parameters
    ----------
    results : pandas.DataFrame or dask.dataframe.DataFrame
        A result of ``read_lab_results`` (lazy or computed; any frame with its ``status``
        column), or a pandas result of ``pair_results`` (its ``attrs["counts"]``).
    compute : bool, default True
        For a Dask frame: compute the counts now (one pass), or return them as a lazy Dask
        Series (index: the keys below) to compute together with the results in one read:
        ``frame, tally = dask.compute(results, counts(results, compute=False))``, then
        ``tally.to_dict()``.

    Returns
    -------
    dict
        ``{"rows", "used", "reported", "excluded", "duplicates"}``, used + reported +
        excluded + duplicates == rows (a copy of ``attrs["counts"]`` when it is there).

    Raises
    ------
    ValueError
        A frame without ``attrs["counts"]`` and without a ``status`` column (the draws of
        ``pair_results`` on Dask: their counts are not collected).

    Examples
    --------
    >>> raw = pd.DataFrame({"Patient ID": ["p1", "p1", "p2"], "Test Code": ["2986-8"] * 3,
    ...                     "Result": ["450", "450", "see comment"], "Units": ["ng/dL"] * 3,
    ...                     "Collected": ["2024-01-02 08:00"] * 3})
    >>> res = read_lab_results(raw)
    >>> counts(res)
    {'rows': 3, 'used': 1, 'reported': 1, 'excluded': 0, 'duplicates': 1}
    >>> plain = res.copy()
    >>> plain.attrs = {}  # as a computed Dask result: counted from its status column
    >>> counts(plain) == counts(res)
    True
    >>> counts(pd.concat([res, res]))  # attrs kept (all equal), rows counted
    {'rows': 6, 'used': 2, 'reported': 2, 'excluded': 0, 'duplicates': 2}
    """
    from labstats import _engines

    if not _engines.is_dask(results) and "counts" in results.attrs:
        given = results.attrs["counts"]  # a whole result's (or pair_results' counts)
        if "rows" not in given or given["rows"] == len(results) or \
                "status" not in results.columns:
            return dict(given)
    if "status" not in results.columns:
        raise ValueError("counts: the frame has no attrs['counts'] and no 'status' column; "
                         "pass a result of read_lab_results (pandas or Dask), or a pandas "
                         "result of pair_results (on Dask, pair_results' counts are not "
                         "collected)")
    tally = results["status"].astype("string").value_counts()
    if not _engines.is_dask(results):
        return _tally(tally).to_dict()
    import pandas as pd

    lazy = tally.repartition(npartitions=1).map_partitions(
        _tally, meta=pd.Series(dtype="int64", name="count"))
    return lazy.compute().to_dict() if compute else lazy


def _tally(tally):
    """``counts`` (a Series) from the value counts of the ``status`` column."""
    import pandas as pd

    n = [int(tally.get(s, 0)) for s in STATUSES]
    return pd.Series([sum(n), *n], index=["rows", "used", "reported", "excluded",
                                          "duplicates"], dtype="int64", name="count")


def _mark_duplicates(frame, status, used, raw_times, analyte_code, censored):
    """Later copies of a used row (same patient, specimen, time, analyte, value, side).

    A time that could not be read is compared as written (two unreadable times are not
    the same time unless they are the same text).
    """
    import pandas as pd

    keys = [c for c in ("patient_id", "specimen_id", "collected_at", "analyte", "value",
                        "censored") if c in frame.columns]
    rows = np.flatnonzero(used)
    # each column as the codes DataFrame.duplicated would give it (equal values, one code;
    # missing values, one code), on the used rows only
    table = {c: pd.factorize(frame[c])[0][rows] for c in keys
             if c not in ("analyte", "censored")}
    table.update(analyte=analyte_code[rows], censored=censored[rows],  # codes already
                 _raw=as_written(frame, rows))  # (None: no result without a value)
    if raw_times is not None:
        unread = frame["collected_at"].isna().to_numpy()
        if unread.any():  # otherwise one value (missing) for all: no effect
            table["_t"] = pd.factorize(raw_times.astype("string").where(unread))[0][rows]
    dup = duplicated([c for c in table.values() if c is not None])
    status[np.flatnonzero(used)[dup]] = 3


def _attach(frame, status, entries, codes, unknown, bad_times, fmt, raw, role, files):
    import pandas as pd

    from labstats.datasets._attrs import AttrFrame

    counts = np.bincount(status, minlength=4)
    frame.attrs["counts"] = {"rows": int(len(frame)), "used": int(counts[0]),
                             "reported": int(counts[1]), "excluded": int(counts[2]),
                             "duplicates": int(counts[3])}
    report = (pd.concat(entries, ignore_index=True) if entries else pd.DataFrame(
        columns=["source_row", "status", "reason", "column", "value"]))
    frame.attrs["report"] = AttrFrame(report.sort_values(
        "source_row", kind="stable").reset_index(drop=True))
    tally = codes[unknown].value_counts()
    frame.attrs["unknown_tests"] = AttrFrame({"test": tally.index.astype(object),
                                              "rows": tally.to_numpy(dtype=np.int64)})
    header = role.get("collected_at")
    if len(bad_times):
        _routine_io.warn_unread(len(bad_times), int(bad_times[0]),
                                raw[header].iloc[int(bad_times[0])], fmt)
    frame.attrs["times"] = AttrFrame({
        "source_row": bad_times.astype(np.int64),
        "value": raw[header].to_numpy()[bad_times] if header is not None else [],
        "reason": f"not a time in the column's format {fmt!r} (mixed formats, or not a time); "
                  f"pass time_format="})
    split = files_per_patient(frame["patient_id"].array, files, status == 0)
    if split is not None:
        frame.attrs["split_patients"] = AttrFrame(split)
