"""Results of one draw side by side: ``pair_results`` (long results -> one row per draw).

All vectorised: a sort, group numbers, a vectorised binary search for the time windows and
one pass per draw of the longest patient's chain of windows (not per row).
"""

from __future__ import annotations

import re

import numpy as np

from labstats.datasets import _loinc

__all__ = ["REPEATS", "pair_results"]

#: How several results of one analyte in one draw become one (``repeats=``).
REPEATS = ("first", "last", "mean", "nearest")


def pair_results(results, *, by: str = "specimen", window="1D", repeats: str = "first",
                 analytes=None):
    """One row per patient and draw, one column per analyte, from long results.

    Parameters
    ----------
    results : pandas.DataFrame
        As ``read_lab_results`` returns it (only rows whose ``status`` is "used" are
        paired), or any frame with the columns ``patient_id``, ``analyte``, ``value``,
        ``source_row`` and, as ``by`` needs them, ``specimen_id`` and ``collected_at``
        (``censored`` is optional). Never modified. A Dask DataFrame of results gives a
        lazy Dask frame of draws (paired partition by partition, each holding whole
        patients, shuffled by ``patient_id`` unless it is the Dask reader's own result;
        sorted within each partition; counts are not collected; default ``analytes``:
        those the test map finds in the export's codes, as ``pair_export``; results it
        cannot pair are refused when computed, by a partition that holds some of them).
    by : {"specimen", "window"}, default "specimen"
        "specimen": the results of one specimen (``specimen_id``) form a draw.
        "window": a patient's results collected within ``window`` of the first result
        of a draw (inclusive) form that draw; the next result starts the next draw.
    window : str or pandas.Timedelta, default "1D"
        Width of a draw for ``by="window"`` ("1D", "12h", "90min"). By specimen, the
        results of one specimen collected more than ``window`` apart are split into
        draws the same way: one specimen is one collection, so its id was reused (a
        daily sequence number, a recycled accession); results without a time join
        their specimen's first draw.
    repeats : {"first", "last", "mean", "nearest"}, default "first"
        Several different results of one analyte in one draw (a rerun, a correction):
        keep the earliest, the latest (by ``collected_at``, then ``source_row``), their
        mean (censored if any of them is; NaN if any has no value: a censored result
        read with ``censored="nan"``), or the one collected nearest to the draw's
        first result of its first analyte in ``analytes`` order (a draw without total
        testosterone: of its SHBG, if listed next; analytes it lacks never decide).
        A result without a time (by specimen: its time missing, or not read by
        ``read_lab_results``) is neither the earliest nor the latest of results with a
        time: "first" and "last" keep one with a time, and "mean" names the earliest
        with a time as its source row; among results all without a time, the rows'
        order decides.
    analytes : sequence of str, optional
        Analytes to pair, in column order; default: all present, in the order of
        labstats' analyte list (total_testosterone, shbg, albumin, ...). Only their
        results are paired and counted, and by window only they form the draws (a
        window starts at a draw's first result of these analytes): an albumin at 00:00,
        a testosterone at 20:00 and an SHBG at 02:00 the next day are two draws with
        albumin, one (testosterone and SHBG) without.

    Returns
    -------
    pandas.DataFrame
        One row per draw, sorted by patient and time: ``patient_id``, ``specimen_id``
        (by specimen), ``collected_at`` and ``collected_until`` (the time span of the
        results whose values are in the row: for "mean", of every result averaged),
        ``n_results`` (the analytes with a result in the row), and per analyte
        ``<analyte>`` (canonical unit; NaN when the draw has none),
        ``<analyte>_censored`` ("<", ">" or "") and ``<analyte>_source_row`` (the row
        of the export, <NA> when none; for "mean" the first pooled row).
        ``attrs["counts"]``: ``results`` paired, ``draws``,
        ``duplicates`` (exact copies: same patient, analyte, time, value and censoring,
        a result without a value the same as written, and by specimen the same
        specimen, kept once: a copy in another specimen is that
        specimen's result, as ``read_lab_results`` counts duplicates), ``repeats``
        (results set aside or pooled by ``repeats=``) and ``conflicts`` (draws x
        analytes with different results); ``attrs["read"]``: the counts of
        ``read_lab_results`` of the rows given (``labstats.counts``), when given.

    Raises
    ------
    ValueError
        An unknown ``by``, ``repeats`` or analyte, an unreadable ``window``, a column
        ``by`` needs that is missing, results without a specimen id (missing or blank
        text, as an empty CSV cell; by specimen) or without a collection time (by
        window, or ``repeats="nearest"``), listed by ``source_row``.

    Examples
    --------
    >>> long = pd.DataFrame({
    ...     "patient_id": ["p1", "p1", "p1", "p1"],
    ...     "collected_at": pd.to_datetime(["2024-01-02 08:00", "2024-01-02 09:30",
    ...                                     "2024-01-02 08:00", "2024-03-01 08:00"]),
    ...     "analyte": ["total_testosterone", "shbg", "albumin", "total_testosterone"],
    ...     "value": [15.0, 40.0, 43.0, 12.0], "source_row": [0, 1, 2, 3]})
    >>> paired = pair_results(long, by="window", window="1D")
    >>> paired[["patient_id", "total_testosterone", "shbg", "albumin", "n_results"]]
      patient_id  total_testosterone  shbg  albumin  n_results
    0         p1                15.0  40.0     43.0          3
    1         p1                12.0   NaN      NaN          1
    """
    import pandas as pd

    from labstats import _engines

    if _engines.is_dask(results):
        return _engines.dask_pair_results(results, by=by, window=window, repeats=repeats,
                                          analytes=analytes)
    if by not in ("specimen", "window"):
        raise ValueError(f"by must be 'specimen' or 'window', got {by!r}")
    if repeats not in REPEATS:
        raise ValueError(f"repeats must be one of {', '.join(REPEATS)}, got {repeats!r}")
    try:
        width = pd.Timedelta(window)
    except (ValueError, TypeError):
        raise ValueError(f"window: {window!r} is not a duration; use e.g. '1D', '12h' or "
                         f"'90min'") from None
    if pd.isna(width) or width < pd.Timedelta(0):
        raise ValueError(f"window: {window!r} must be a duration of 0 or more")
    if width and re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)\s*", str(window)) and \
            not isinstance(window, (pd.Timedelta, np.timedelta64)):
        raise ValueError(f"window: {window!r} has no unit, which pandas reads as {window} "
                         f"nanosecond(s); give the unit, e.g. '{window}D' (days), '{window}h' "
                         f"or '{window}min'")
    need = ["patient_id", "analyte", "value", "source_row"]
    need += ["specimen_id"] if by == "specimen" else ["collected_at"]
    lacking = [c for c in need if c not in results.columns]
    if lacking:
        fix = (" (an export without specimen ids is paired by time: by='window')"
               if "specimen_id" in lacking else "")
        raise ValueError(f"results have no column {', '.join(lacking)}; pair_results needs "
                         f"{', '.join(need)} for by={by!r}{fix}")
    rows = (results["status"].array == "used").astype(bool) if "status" in \
        results.columns else np.ones(len(results), dtype=bool)
    # results without a value (censored="nan") are copies only as written (as_written)
    raw_cols = ("raw_value", "raw_unit") if results["value"].isna().to_numpy()[rows].any() \
        else ()
    cols = [c for c in ("patient_id", "specimen_id", "collected_at", "analyte", "value",
                        "censored", "source_row", *raw_cols) if c in results.columns]
    d = results.copy(deep=False)
    d.attrs = {}  # not deep-copied by every step below (the report of read_lab_results)
    d = d[cols]  # the columns paired, filtered once (not the whole frame twice)
    analytes = _analytes(d[rows], analytes)
    rows = rows & d["analyte"].isin(analytes).to_numpy(dtype=bool)
    d = d[rows].reset_index(drop=True)
    if "censored" not in d.columns:
        d["censored"] = ""
    d["censored"] = d["censored"].astype("string").fillna("")
    for c in ("analyte", "censored"):  # as categories in the texts' order: compared and
        names = sorted(d[c].dropna().unique())  # sorted as the texts, copied as codes
        d[c] = pd.Categorical(d[c], categories=names, ordered=True)
    if "collected_at" not in d.columns:
        d["collected_at"] = pd.NaT
    kind = d["collected_at"].dtype
    if not (isinstance(kind, pd.DatetimeTZDtype) or kind.kind == "M" or d["collected_at"]
            .isna().all()):
        raise ValueError(f"collected_at holds {kind} values, not times; read the export with "
                         f"read_lab_results, or convert the column with pd.to_datetime")
    d["collected_at"] = pd.to_datetime(d["collected_at"])
    key = "specimen_id" if by == "specimen" else "collected_at"
    _refuse_missing(d, key, by)
    if repeats == "nearest" and by == "specimen":
        _refuse_missing(d, "collected_at", "specimen", why="repeats='nearest'")
    n_in = len(d)
    # by specimen, a copy is one in its own specimen: the same value of another specimen
    # (a second tube at that time, or at an unknown time) is that draw's result
    same = ("patient_id", *(("specimen_id",) if by == "specimen" else ()), "analyte",
            "collected_at", "value", "censored")
    written = as_written(d)  # results without a value: copies only as written
    dup = duplicated([pd.factorize(d[c])[0] for c in same]
                     + ([] if written is None else [written]))
    d = d[~dup].reset_index(drop=True)
    d["_draw"] = _draws(d, by, width)
    d, n_repeats, n_conflicts = _one_per_analyte(d, repeats, analytes)
    paired = _wide(d, by, analytes)
    paired.attrs["counts"] = {"results": int(n_in), "draws": int(len(paired)),
                              "duplicates": int(dup.sum()), "repeats": int(n_repeats),
                              "conflicts": int(n_conflicts)}
    if "counts" in results.attrs:  # of these rows (a selection inherits the whole's)
        from labstats.datasets.routine import counts

        paired.attrs["read"] = counts(results)
    from labstats.datasets._labunits import INSULIN_FACTOR  # the reader's, for derive

    if INSULIN_FACTOR in results.attrs:
        paired.attrs[INSULIN_FACTOR] = results.attrs[INSULIN_FACTOR]
    return paired


def _analytes(d, analytes):
    present = set(d["analyte"].dropna().unique())
    if analytes is None:
        order = list(_loinc.ANALYTE_NAMES)
        return [a for a in order if a in present] + sorted(present - set(order))
    analytes = list(dict.fromkeys(analytes))
    unknown = [a for a in analytes if a not in _loinc.ANALYTE_NAMES]
    if unknown:
        raise ValueError(f"analytes: {unknown[0]!r} is not an analyte labstats reads; use "
                         f"{', '.join(_loinc.ANALYTE_NAMES)}")
    return analytes


def _refuse_missing(d, key, by, why=None):
    missing = d[key].isna().to_numpy(dtype=bool, copy=True)
    if d[key].dtype.kind not in "iufbmM":  # a blank id (an empty CSV cell) is no id
        missing |= (d[key].astype("string").str.strip() == "").fillna(False).to_numpy(bool)
    if not missing.any():
        return
    rows = d["source_row"].to_numpy()[missing]
    shown = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
    if key == "specimen_id":
        fix = "pair them by time with by='window', or fill in their specimen ids"
    else:
        fix = ("their times are empty or unreadable (see result.attrs['times'] of "
               "read_lab_results; time_format= reads another format); pair by specimen "
               "with by='specimen' if the export has specimen ids")
    raise ValueError(f"{len(rows)} result(s) without {key} (missing or blank) cannot be paired "
                     f"{'with ' + why if why else 'by ' + repr(by)} (source_row {shown}); "
                     f"{fix}")


def _ns(times):
    """Times as int64 nanoseconds (UTC for timezone-aware times)."""
    return times.dt.as_unit("ns").array.asi8


def _draws(d, by, width):
    """Draw number of each row: by (patient, specimen), or by windows of patient times.

    By specimen, results of one specimen collected more than ``width`` apart are chained
    into windows as by time (a specimen id reused for a later draw: a daily sequence
    number, an accession recycled); results without a time join their specimen's first
    window."""
    import pandas as pd

    pcode = pd.factorize(d["patient_id"])[0]
    t = _ns(d["collected_at"])
    if by == "window":
        return _chain(pcode, t, d["source_row"].to_numpy(), width)
    group = pd.factorize(fold([pcode, pd.factorize(d["specimen_id"])[0]]))[0]
    timed = d["collected_at"].notna().to_numpy(dtype=bool)
    if not timed.any():  # groupby(...).ngroup(): groups numbered in order of appearance
        return group
    big = np.iinfo(np.int64).max
    first, last = np.full(group.max() + 1, big), np.full(group.max() + 1, -big)
    np.minimum.at(first, group[timed], t[timed])
    np.maximum.at(last, group[timed], t[timed])
    wide = timed & (last - first > width.value)[group]  # rows of specimens to split
    if not wide.any():
        return group
    chain = np.full(len(d), -1, dtype=np.int64)
    chain[wide] = _chain(group[wide], t[wide], d["source_row"].to_numpy()[wide], width)
    first[:] = big
    np.minimum.at(first, group[wide], chain[wide])  # each split specimen's first window
    alone = ~timed & (first[group] < big)  # without a time: its specimen's first window
    chain[alone] = first[group[alone]]
    return pd.factorize(fold([group, chain]))[0]


def _chain(gcode, t, source_row, width):
    """Draws of rows grouped by ``gcode``: each group's rows collected within ``width``
    of the first of a draw (inclusive) form that draw; the next row starts the next."""
    order = np.lexsort((source_row, t, gcode))
    p, ts = gcode[order], t[order]
    n = len(ts)
    if not n:  # no used results: no draws
        return np.zeros(0, dtype=np.int64)
    new_patient = np.r_[True, p[1:] != p[:-1]]
    seg_start = np.flatnonzero(new_patient)
    seg_end = np.r_[seg_start[1:], n]
    patient_end = np.repeat(seg_end, np.diff(np.r_[seg_start, n]))
    limit = ts + width.value
    lo, hi = np.arange(n) + 1, patient_end.copy()
    while True:  # vectorised binary search: first row of the group after the window
        active = lo < hi
        if not active.any():
            break
        mid = (lo + hi) // 2
        inside = np.zeros(n, dtype=bool)
        inside[active] = ts[mid[active]] <= limit[active]
        lo = np.where(active & inside, mid + 1, lo)
        hi = np.where(active & ~inside, mid, hi)
    start = np.zeros(n, dtype=bool)
    frontier = seg_start
    while frontier.size:  # one step per draw of the group with the most draws
        start[frontier] = True
        nxt = lo[frontier]
        frontier = nxt[nxt < patient_end[frontier]]
    draw = np.empty(n, dtype=np.int64)
    draw[order] = np.cumsum(start) - 1
    return draw


def _one_per_analyte(d, repeats, analytes):
    """One row per (draw, analyte) by the ``repeats`` rule; (rows, set aside, conflicts)."""
    import pandas as pd

    t = _ns(d["collected_at"])  # NaT: int64's minimum, before every time
    if repeats != "last":  # a result of unknown time is never "first" before a known one
        t = np.where(t == np.iinfo(np.int64).min, np.iinfo(np.int64).max, t)
    d["_t"] = t
    if repeats in ("first", "last") and d["source_row"].dtype.kind in "iu" and \
            d["value"].dtype.kind == "f":
        return _first_or_last(d, repeats)
    d = d.sort_values(["_draw", "analyte", "_t", "source_row"], kind="stable")
    g = d.groupby(["_draw", "analyte"], sort=False)
    size = g["value"].transform("size").to_numpy()
    # distinct results: values (NaN, a censored result read as "nan", not one) and marks;
    # "<20" and ">1500" read as NaN differ by their marks alone
    distinct = np.maximum(g["value"].transform("nunique").to_numpy(), 1) + (
        g["censored"].transform("nunique").to_numpy() - 1)
    first_of_group = ~d.duplicated(["_draw", "analyte"]).to_numpy()
    conflicts = int((first_of_group & (distinct > 1)).sum())
    n_repeats = int((size > 1).sum() - first_of_group[size > 1].sum())
    if repeats == "first":
        keep = first_of_group
    elif repeats == "last":
        keep = ~d.duplicated(["_draw", "analyte"], keep="last").to_numpy()
    elif repeats == "nearest":
        # anchor: the earliest result of the draw's first analyte in ``analytes`` order
        # (not of an analyte it lacks: the same anchor whatever the absent analytes)
        draw, t = d["_draw"].to_numpy(), d["_t"].to_numpy()
        rank = pd.Categorical(d["analyte"], categories=analytes).codes.astype(np.int64)
        n_draws, big = (int(draw.max()) + 1 if len(d) else 0), np.iinfo(np.int64).max
        top, anchor = np.full(n_draws, big), np.full(n_draws, big)
        np.minimum.at(top, draw, rank)
        lead = rank == top[draw]
        np.minimum.at(anchor, draw[lead], t[lead])
        d["_dist"] = np.abs(t - anchor[draw])
        d = d.sort_values(["_draw", "analyte", "_dist", "_t", "source_row"], kind="stable")
        keep = ~d.duplicated(["_draw", "analyte"]).to_numpy()
    else:  # mean: the mean value, censored if any pooled result is, the first row's source
        # a result without a value (censored="nan") leaves the mean unknown, not skipped
        mean = g["value"].transform("mean").where(g["value"].transform("count") == size)
        cens = g["censored"].transform("max")  # "" < "<" < ">": a censored mark if any
        d = d.assign(value=mean, censored=cens, _from=g["collected_at"].transform("min"),
                     _until=g["collected_at"].transform("max"))  # (the draw's time span)
        keep = first_of_group
    return d[keep], n_repeats, conflicts


def _first_or_last(d, repeats):
    """``_one_per_analyte`` for "first" and "last" on arrays: one stable sort (the same
    order as sorting by draw, analyte, time and source_row), groups by their bounds."""
    import pandas as pd

    names = sorted(d["analyte"].unique())  # analyte codes in the order of the texts
    code = pd.Categorical(d["analyte"], categories=names).codes
    order = np.lexsort((d["source_row"].to_numpy(), d["_t"].to_numpy(), code,
                        d["_draw"].to_numpy()))
    draw, code = d["_draw"].to_numpy()[order], code[order]
    n = len(order)
    new = np.ones(n, dtype=bool)
    new[1:] = (draw[1:] != draw[:-1]) | (code[1:] != code[:-1])
    group = np.cumsum(new) - 1
    groups = int(group[-1]) + 1 if n else 0
    value = d["value"].to_numpy(dtype=float)[order]
    multi = np.bincount(group, minlength=groups)[group] > 1  # rows of groups of 2 or more
    several = np.unique(group[multi])
    distinct = np.maximum(_distinct_per_group(group[multi], value[multi], groups)[several], 1)
    marks = pd.factorize(d["censored"])[0][order][multi].astype(float)
    distinct += _distinct_per_group(group[multi], marks, groups)[several] - 1
    conflicts = int((distinct > 1).sum())
    keep = new if repeats == "first" else np.r_[new[1:], True][:n]
    return d.iloc[order[keep]], n - groups, conflicts


def _distinct_per_group(group, x, groups):
    """Distinct values (NaN not counted, as ``nunique``) of ``x`` in each group."""
    o = np.lexsort((x, group))  # NaN last within a group
    g, v = group[o], x[o]
    new = np.ones(len(o), dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (v[1:] != v[:-1])
    return np.bincount(g[new & ~np.isnan(v)], minlength=groups)


def _wide(d, by, analytes):
    """(draw x analyte) -> one row per draw, in patient and time order."""
    import pandas as pd

    draws = d.groupby("_draw", sort=True)
    info = pd.DataFrame({"patient_id": draws["patient_id"].first()})
    if by == "specimen":
        info["specimen_id"] = draws["specimen_id"].first()
    info["collected_at"] = draws["_from" if "_from" in d.columns else "collected_at"].min()
    info["collected_until"] = draws["_until" if "_until" in d.columns else
                                    "collected_at"].max()
    info["n_results"] = draws.size()
    info["_first_row"] = draws["source_row"].min()
    try:
        info = info.sort_values(["patient_id", "collected_at", "_first_row"], kind="stable")
    except TypeError:  # patient ids of mixed types: order of appearance
        info = info.sort_values(["_first_row"], kind="stable")
    draw = info.index.to_numpy()
    pos = np.full(int(draw.max()) + 1 if len(draw) else 0, -1, dtype=np.int64)
    pos[draw] = np.arange(len(info))  # draw number -> row of the output
    row = pos[d["_draw"].to_numpy()]
    col = pd.Categorical(d["analyte"], categories=analytes).codes
    shape = (len(info), len(analytes))
    value = np.full(shape, np.nan)
    value[row, col] = d["value"].to_numpy(dtype=float)
    marks = np.array(["", "<", ">"], dtype=object)  # read_lab_results' censoring marks
    side = pd.Categorical(d["censored"], categories=marks).codes
    cens = np.zeros(shape, dtype=np.int64)
    if (side >= 0).all():  # as codes (texts built by Arrow), else as objects
        cens[row, col] = side
    else:
        marks, cens = None, np.full(shape, "", dtype=object)
        cens[row, col] = d["censored"].to_numpy(dtype=object)
    src = np.full(shape, -1, dtype=np.int64)
    src[row, col] = d["source_row"].to_numpy(dtype=np.int64)
    return wide_frame(info, analytes, value, cens, marks, src)


def wide_frame(info, analytes, value, cens, marks, src):
    """The frame of draws: ``info`` (patient, specimen, times, n_results) and, per analyte
    (columns of the draws x analytes arrays), its value, censoring (codes into ``marks``,
    or texts when ``marks`` is None) and source row (-1: none). Also used by the SQL path
    of ``pair_export``, so both build the same columns and types."""
    import pandas as pd

    out = {c: info[c].to_numpy() for c in info.columns if c != "_first_row"}
    for k, a in enumerate(analytes):
        out[a] = value[:, k]
        out[f"{a}_censored"] = (pd.array(cens[:, k], dtype="string") if marks is None else
                                take_text(cens[:, k], marks))
        out[f"{a}_source_row"] = pd.arrays.IntegerArray(src[:, k].copy(), src[:, k] < 0)
    return pd.DataFrame(out)


def take_text(codes, texts, dtype="string"):
    """``pd.array(texts[codes], dtype=dtype)`` (code -1: <NA>), built by Arrow from the
    codes, without an array of Python strings per row."""
    import pandas as pd
    import pyarrow as pa

    codes = np.asarray(codes)
    taken = pa.array(list(texts), type=pa.large_string()).take(pa.array(codes,
                                                                         mask=codes < 0))
    return pd.array(taken, dtype=dtype)


def as_written(d, rows=None):
    """Codes of the value and unit as written (``raw_value``, ``raw_unit``) of the results
    without a value (``censored="nan"``: "<20" and "<30" are two results, not copies),
    one code for all others; None when there is no such result or no ``raw_value``
    (then missing values are equal, as ``DataFrame.duplicated`` compares them).
    ``rows``: of these rows only."""
    import pandas as pd

    if "raw_value" not in d.columns:
        return None
    missing = d["value"].isna().to_numpy()
    if rows is not None:
        among = np.zeros(len(d), dtype=bool)
        among[rows] = True
        missing = missing & among
    if not missing.any():
        return None
    text = d["raw_value"].astype("string")
    if "raw_unit" in d.columns:
        text = text.fillna("") + "\x1f" + d["raw_unit"].astype("string").fillna("")
    codes = pd.factorize(text.where(missing))[0]
    return codes if rows is None else codes[rows]


def duplicated(codes):
    """``DataFrame.duplicated(keep="first")`` of columns given as codes (``pd.factorize``:
    equal values one code, missing values -1), as a boolean array."""
    import pandas as pd

    return pd.Series(fold(codes)).duplicated(keep="first").to_numpy(dtype=bool)


def fold(codes):
    """One int64 key per row from columns of codes: rows have the same key exactly when
    they have the same codes (key * size + code; renumbered by a hash only when the next
    fold could overflow int64)."""
    import pandas as pd

    n = len(codes[0]) if codes else 0
    key, top = np.zeros(n, dtype=np.int64), 1  # top: an upper bound of key + 1
    for c in codes:
        c = np.asarray(c, dtype=np.int64) + 1  # -1 (missing) -> 0
        size = int(c.max()) + 1 if n else 1
        if top * size >= 2**62:
            key = pd.factorize(key)[0]
            top = int(key.max()) + 1 if n else 1
        key, top = key * size + c, top * size
    return key
