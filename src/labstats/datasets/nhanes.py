"""Read NHANES public-use files into one tidy, documented frame per participant.

The CDC files (SAS transport ``.XPT``, or CSV conversions of them) are read with
pyreadstat, never ``pandas.read_sas``: the latter returns 5.4e-79 for every 0
(pandas issue #50670), which erases the below-detection-limit comment codes.
Each cycle is joined on ``SEQN`` to its demographic file (``DEMO``), so the result
has exactly one row per participant of ``DEMO``; a lab file with a participant
missing from ``DEMO``, or a duplicated ``SEQN``, is an error, never a lost row.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from labstats._validate import warn
from labstats.datasets._nhanes_checks import (
    _XPT_MAGIC,
    _flag,
    _incomplete,
    _read_csv_bytes,
    _redownload,
    check_demo_cycle,
    check_pool_inputs,
)
from labstats.datasets._nhanes_layout import (
    COLUMNS,
    COMPONENTS,
    CYCLES,
    Cycle,
    _resolve_components,
    _resolve_cycles,
    _source,
)
from labstats.units import convert

__all__ = ["COLUMNS", "CYCLES", "COMPONENTS", "pool_cycles", "read_nhanes", "read_nhanes_file"]


_FLAGS = ("total_testosterone_below_lod", "estradiol_below_lod", "shbg_below_lod",
          "insulin_below_lod")
_FASTING = ("GLU", "INS", "TRIGLY")

# CDC method-bridging equation (TST_H documentation page): new = 1.021 x old + 0.182, with
# testosterone in ng/dL, NHANES' reporting unit. Our notes (SOURCES.md) say "in ng/mL"; the
# data say ng/dL: an intercept of 0.182 ng/mL (18.2 ng/dL) would lift the median of children
# aged 6-10 from 3.3 ng/dL (2011-2012) to about 21, where 2013-2014 and 2015-2016 measured
# 3.5 and 3.6 (tests/datasets/test_embedded.py::test_bridging_intercept_is_in_ng_dl).
_BRIDGE_SLOPE, _BRIDGE_INTERCEPT_NG_DL = 1.021, 0.182


def _find_file(directory: Path, stem: str) -> Path | None:
    """``stem`` + .XPT/.xpt/.csv/.csv.xz/.csv.gz in ``directory`` (case-insensitive); two
    such files (``TST_H.XPT`` and ``TST_H.xpt`` or ``TST_H.csv``) are an error."""
    wanted = {f"{stem}.{ext}".lower() for ext in ("xpt", "csv", "csv.xz", "csv.gz")}
    if not directory.is_dir():
        return None
    hits = sorted(p for p in directory.iterdir() if p.name.lower() in wanted)
    if len(hits) > 1:
        raise ValueError(f"{directory}: {len(hits)} files hold {stem}: "
                         f"{', '.join(p.name for p in hits)}; keep one of them in the folder "
                         f"(move the others elsewhere) so it is clear which one is read")
    return hits[0] if hits else None


def read_nhanes_file(path, *, check_counts: bool = True):
    """Read one NHANES file exactly as published: XPT (pyreadstat) or its CSV conversion.

    A file that is not whole is refused, never read in part: see Notes.

    Parameters
    ----------
    path : str or os.PathLike
        A CDC ``.XPT`` file, or a ``.csv``/``.csv.xz``/``.csv.gz`` conversion of one.
    check_counts : bool, default True
        Compare the number of records with the CDC codebook count of the file (known for
        the files of 2011-2016 and for DEMO_L and TST_L; the file is recognised by its
        name, e.g. ``TST_H.XPT``, or by the data set name inside an XPT file). Pass False
        only for a file CDC has re-released with another number of records, or for a
        test file of your own that carries a CDC name.

    Returns
    -------
    pandas.DataFrame
        The CDC variables unchanged (upper-case names), one row per file record.

    Raises
    ------
    ValueError
        If the file is not a SAS transport file (e.g. an HTML error page), is truncated
        or corrupt, has a record count other than the CDC codebook's, or has no ``SEQN``
        column. The message names the file, the records found and expected, and the
        ``labstats.fetch_nhanes`` call that downloads it again.
    FileNotFoundError
        If ``path`` does not exist.

    Notes
    -----
    Checks, in order: an XPT file must be a whole number of 80-byte records, with a
    complete header and a complete last observation (only blank padding may follow
    it); a CSV conversion must end with a line break, close its quotes and have no line
    with fewer fields than its header (a ragged line is an error, never NaN padding);
    then the record count must equal the CDC codebook count (``nhanes_counts.csv`` in
    the package). A cut falling exactly between two records (for TST_H: every tenth
    observation is also an 80-byte boundary) is caught only by the count, so for the
    files whose count is not known, e.g. most of 2021-2023, such a cut cannot be
    detected; pass ``sha256=`` to ``fetch_nhanes`` to pin a download.

    Examples
    --------
    A file in CDC's format (here a small one written for the example; the real
    ``TST_H.XPT`` has 8,291 records and is checked against that count):

    >>> import pathlib, tempfile
    >>> import pandas as pd, pyreadstat
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "TST_Z.XPT"
    >>> pyreadstat.write_xport(pd.DataFrame({"SEQN": [1.0, 2.0], "LBXTST": [412.6, 25.1]}),
    ...                        str(path), table_name="TST_Z")
    >>> read_nhanes_file(path)
       SEQN  LBXTST
    0     1   412.6
    1     2    25.1
    """
    import pandas as pd

    from labstats.datasets import _nhanes_checks as checks

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such NHANES file")
    stem = checks.file_stem(path)
    if path.name.lower().endswith(".xpt"):
        import pyreadstat

        with open(path, "rb") as fh:
            head = fh.read(len(_XPT_MAGIC))
        if head != _XPT_MAGIC:
            hint = " (it looks like an HTML page)" if head.lstrip()[:1] == b"<" else ""
            raise ValueError(f"{path}: not a SAS transport (XPT) file{hint}; download it again "
                             f"with labstats.fetch_nhanes or from the CDC page")
        try:
            records, member = checks.xpt_records(path)
        except checks.IncompleteFileError as exc:
            raise _incomplete(path, exc, stem) from None
        if checks.expected_records(stem) is None and member:
            stem = member.upper()
        try:
            # latin1: some labels hold "µ" or Windows quotes (TST_L, DEMO_L).
            frame, _ = pyreadstat.read_xport(str(path), encoding="latin1")
        except Exception as exc:  # pyreadstat raises its own ReadstatError
            raise ValueError(f"{path}: corrupt or truncated XPT file ({exc}); "
                             f"{_redownload(stem)}") from exc
        if records >= 0 and len(frame) != records:
            raise _incomplete(path, f"{len(frame):,} records were read but the file holds "
                                    f"{records:,} observations", stem)
    else:
        try:
            raw = _read_csv_bytes(path)
            checks.check_csv_text(raw)
            frame = pd.read_csv(io.BytesIO(raw))
        except checks.IncompleteFileError as exc:
            raise _incomplete(path, exc, stem) from None
        except Exception as exc:  # ParserError, EOFError, LZMAError, BadGzipFile, ...
            raise ValueError(f"{path}: corrupt or truncated CSV file ({type(exc).__name__}: "
                             f"{exc}); {_redownload(stem)}") from exc
    expected = checks.expected_records(stem) if check_counts else None
    if expected is not None and len(frame) != expected:
        raise ValueError(
            f"{path}: {len(frame):,} records, but CDC's {stem} has {expected:,} (CDC "
            f"codebook count): the file is truncated or is not the published {stem}. "
            f"{_redownload(stem)}. If CDC has re-released {stem} with another number of "
            f"records, pass check_counts=False")
    frame.columns = [str(c).upper() for c in frame.columns]
    if "SEQN" not in frame.columns:
        raise ValueError(f"{path}: no SEQN column; columns are {', '.join(frame.columns[:12])}")
    seqn = frame["SEQN"]
    if seqn.isna().any() or (seqn % 1 != 0).any():
        raise ValueError(f"{path}: SEQN has missing or non-integer values")
    frame["SEQN"] = seqn.astype("int64")
    dup = frame["SEQN"].duplicated(keep=False)
    if dup.any():
        first = int(frame.loc[dup, "SEQN"].iloc[0])
        raise ValueError(f"{path}: {int(dup.sum())} rows share a participant id; SEQN {first} "
                         f"appears more than once (one row per participant is expected)")
    return frame


def _floats(frame, name: str, path: Path):
    """Column ``name`` of an NHANES file as float64; text in it (a CSV conversion written with
    SAS's "." for missing) is an error naming the file, the column and a participant."""
    import pandas as pd

    column = frame[name]
    if column.dtype.kind in "fiub":
        return column.to_numpy(dtype=float)
    values = pd.to_numeric(column, errors="coerce")
    text = (values.isna() & column.notna()).to_numpy(dtype=bool)
    if text.any():
        i = int(np.flatnonzero(text)[0])
        raise ValueError(
            f"{path}: column {name} holds text: {column.iloc[i]!r} for SEQN "
            f"{int(frame['SEQN'].iloc[i])} ({int(text.sum())} such cell"
            f"{'s' if text.sum() > 1 else ''}); NHANES values are numbers. Convert the file "
            f"again and leave missing values empty (SAS writes '.'), or read the CDC .XPT file")
    return values.to_numpy(dtype=float)


def _read_cycle(directory: Path, cycle: Cycle, components: list[str], check_counts: bool):
    import pandas as pd

    demo_path = _find_file(directory, f"DEMO_{cycle.suffix}")
    if demo_path is None:
        raise FileNotFoundError(
            f"no DEMO_{cycle.suffix}.XPT (demographics of {cycle.label}) in {directory}; every "
            f"cycle needs it. Download it with labstats.datasets.fetch_nhanes("
            f"['{cycle.label}']) or by hand from https://wwwn.cdc.gov/nchs/nhanes/ into that "
            f"folder")
    demo = read_nhanes_file(demo_path, check_counts=check_counts)
    for name in ("RIAGENDR", "RIDAGEYR", "WTMEC2YR", "SDMVPSU", "SDMVSTRA"):
        if name not in demo.columns:
            raise ValueError(f"{demo_path}: missing column {name}; is this a DEMO file?")
    check_demo_cycle(demo, demo_path, cycle)
    n = len(demo)
    sex = demo["RIAGENDR"].to_numpy()
    if not np.isin(sex, (1, 2)).all():
        raise ValueError(f"{demo_path}: RIAGENDR holds codes other than 1 and 2")
    preg = demo["RIDEXPRG"].to_numpy() if "RIDEXPRG" in demo.columns else np.full(n, np.nan)
    months = (_floats(demo, "RIDEXAGM", demo_path) if "RIDEXAGM" in demo.columns
              else np.full(n, np.nan))
    out = {
        "seqn": demo["SEQN"].to_numpy(),
        "cycle": np.full(n, cycle.label, dtype=object),
        "sex": np.where(sex == 1, "male", "female").astype(object),
        "age": _floats(demo, "RIDAGEYR", demo_path),
        "age_months": months,
        "pregnant": _flag(np.where(preg == 1, 1, np.where(preg == 2, 0, np.nan))),
    }
    for col in COLUMNS:
        if col not in out and col not in _FLAGS and not col.startswith(("psu", "strata", "weight_")):
            out[col] = np.full(n, np.nan)
    for flag in _FLAGS:  # <NA> until a comment code says otherwise
        out[flag] = pd.arrays.BooleanArray(np.zeros(n, bool), np.ones(n, bool))
    out["psu"] = demo["SDMVPSU"].astype("int64").to_numpy()
    out["strata"] = demo["SDMVSTRA"].astype("int64").to_numpy()
    out["weight_exam"] = _floats(demo, "WTMEC2YR", demo_path)
    out["weight_fasting"] = np.full(n, np.nan)
    out["weight_hormone"] = (out["weight_exam"].copy() if cycle.suffix != "L"
                             else np.full(n, np.nan))
    seqn = pd.Index(out["seqn"])
    absent, unmarked = [], []
    for component in components[1:]:
        source, variables = _source(cycle, component)
        if not variables or (source != component and source in components):
            continue
        stem = f"{source}_{cycle.suffix}"
        path = _find_file(directory, stem)
        if path is None:
            absent.append(f"{stem}.XPT ({', '.join(v.column for v in variables)})")
            continue
        frame = read_nhanes_file(path, check_counts=check_counts)
        pos = seqn.get_indexer(frame["SEQN"])
        if (pos < 0).any():
            raise ValueError(f"{path}: {int((pos < 0).sum())} participants are not in "
                             f"{demo_path.name} (first SEQN {int(frame['SEQN'][pos < 0].iloc[0])})"
                             f"; are the files from the same cycle?")
        for var in variables:
            name = next((v for v in var.names if v in frame.columns), None)
            if name is None:
                raise ValueError(f"{path}: missing column {var.names[0]} ({var.column}); "
                                 f"columns are {', '.join(frame.columns)}")
            values = _floats(frame, name, path)
            if var.analyte is not None:
                values = convert(values, var.analyte, var.unit, COLUMNS[var.column][0])
            out[var.column][pos] = values
            if var.comment and var.comment in frame.columns:
                flag = out[f"{var.column}_below_lod"]
                flag[pos] = _flag(_floats(frame, var.comment, path))
            elif var.comment:
                unmarked.append(f"{path.name} has no {var.comment} ({var.column}_below_lod)")
        if component in _FASTING and "WTSAF2YR" in frame.columns:
            out["weight_fasting"][pos] = _floats(frame, "WTSAF2YR", path)
        elif component in _FASTING:
            unmarked.append(f"{path.name} has no WTSAF2YR (weight_fasting)")
        if component == "TST" and cycle.suffix == "L":
            if "WTPH2YR" not in frame.columns:
                raise ValueError(f"{path}: missing column WTPH2YR (phlebotomy weight)")
            out["weight_hormone"][pos] = _floats(frame, "WTPH2YR", path)
    if unmarked:
        warn(f"{cycle.label}: {'; '.join(unmarked)}: CDC's file has it; those values stay "
             f"<NA>/NaN. Read the CDC .XPT file or convert it with all its columns")
    if absent:
        warn(f"{cycle.label}: not found in {directory}: {'; '.join(absent)}. These "
                      f"columns are NaN for this cycle; fetch_nhanes() downloads the files")
    return pd.DataFrame(out, columns=list(COLUMNS))


def read_nhanes(directory=None, cycles=("2013-2014", "2015-2016"), components=None, *,
                bridge_testosterone: bool = False, check_counts: bool = True):
    """Read NHANES public-use files into one harmonised row per participant.

    Parameters
    ----------
    directory : str or os.PathLike, optional
        Folder holding the CDC files (``DEMO_H.XPT``, ``TST_H.XPT``, ...; CSV
        conversions such as ``TST_I.csv.xz`` are read too). Default: the environment
        variable ``LABSTATS_DATA_DIR``, else the cache of ``fetch_nhanes``.
    cycles : sequence of str, default ("2013-2014", "2015-2016")
        Any of "2011-2012", "2013-2014", "2015-2016", "2021-2023" (or G, H, I, L).
    components : sequence of str, optional
        CDC file prefixes to join to DEMO: "TST", "BIOPRO", "GLU", "INS", "TRIGLY",
        "HDL", "TCHOL", "GHB", "BMX". Default all. Columns of components not read are NaN.
        "INS" for 2011-2012 reads insulin from GLU_G (there is no INS_G).
    bridge_testosterone : bool, default False
        Apply CDC's method-bridging equation to 2011-2012 testosterone
        (new = 1.021 x old + 0.182 ng/dL, weighted Deming on 139 samples, TST_H
        documentation), to compare or pool it with 2013-2014 and later. Never applied
        unless asked; pooling 2011-2012 with later cycles without it warns.
    check_counts : bool, default True
        Refuse a file whose record count differs from its CDC codebook count (see
        ``read_nhanes_file``); False only for a re-released file or test files.

    Returns
    -------
    pandas.DataFrame
        One row per participant of each cycle's DEMO file (all ages, including
        children and interview-only participants), in file order, cycles in the order
        given; the columns of ``labstats.datasets.nhanes.COLUMNS``:
        ``seqn``, ``cycle``, ``sex``, ``age`` [years], ``age_months``, ``pregnant``,
        ``total_testosterone`` [nmol/L], ``estradiol`` [pmol/L], ``shbg`` [nmol/L],
        ``albumin`` [g/L], ``creatinine`` [µmol/L], ``glucose`` [mmol/L], ``insulin``
        [pmol/L], ``triglycerides``, ``ldl_cholesterol``, ``hdl_cholesterol``,
        ``total_cholesterol`` [mmol/L], ``hba1c`` [%], ``bmi`` [kg/m²], ``waist`` [cm],
        ``weight`` [kg], ``height`` [cm], below-LOD flags ``<analyte>_below_lod``
        (nullable boolean), and the design variables ``psu``, ``strata``,
        ``weight_exam``, ``weight_fasting``, ``weight_hormone``.

    Raises
    ------
    FileNotFoundError
        If a cycle's DEMO file is absent (it is needed for every row).
    ValueError
        For an unknown cycle or component, a file that is not XPT, is truncated or
        holds another number of records than its CDC codebook (``read_nhanes_file``), a
        duplicated SEQN, a lab participant missing from DEMO, a missing variable, a
        DEMO file whose pseudo-strata are another cycle's (a renamed file), or two files
        of one name in ``directory`` (``TST_H.XPT`` and ``TST_H.csv``).

    Warns
    -----
    LabstatsWarning
        For each component file absent from ``directory`` (its columns are NaN, e.g.
        albumin for 2021-2023), for a file (e.g. a CSV conversion) without a comment
        code or ``WTSAF2YR`` that CDC's file has (its flag stays <NA>, ``weight_fasting``
        NaN), and when 2011-2012 testosterone is pooled with later cycles without
        ``bridge_testosterone``.

    Notes
    -----
    Weights follow NCHS analytic guidance: ``weight_exam`` (WTMEC2YR) for exam and
    lab analytes, ``weight_fasting`` (WTSAF2YR) for glucose, insulin, triglycerides
    and LDL, ``weight_hormone`` (WTPH2YR in 2021-2023) for sex steroids. **When several
    cycles are read, every weight is divided by the number of cycles**, as NCHS
    prescribes for pooled 2-year cycles, so a pooled frame estimates the population
    of the pooled period. Values below the lower limit of detection are as NCHS
    stores them (LLOD/sqrt(2)) and flagged. Age is top-coded at 80. Conversions to
    canonical units use ``labstats.units.convert`` (insulin: 6.00 pmol/L per µU/mL,
    the factor of LBDINSI). Row counts, non-missing counts and below-LOD counts equal
    the CDC codebooks (``tests/datasets/test_nhanes.py``), and the weighted means of
    testosterone, SHBG and albumin of men 20+ in 2013-2014 equal R survey's svymean
    (412.65 ng/dL, 41.702 nmol/L, 43.728 g/L).

    Size: 2013-2014 alone is 10,175 rows x 31 columns (2015-2016: 9,971; 2011-2012:
    9,756; 2021-2023: 11,933). First adults of 2013-2014 (rounded)::

         seqn   sex   age  total_testosterone   shbg  albumin  weight_exam
        73557  male  69.0               12.31  62.45     41.0     13481.04
        73558  male  54.0                6.08  29.16     47.0     24471.77
        73559  male  72.0               15.50  54.60     37.0     57193.29

    References
    ----------
    .. [1] Centers for Disease Control and Prevention, National Center for Health
       Statistics, "National Health and Nutrition Examination Survey data,"
       Hyattsville, MD, 2011-2023. [Online]. Available: https://wwwn.cdc.gov/nchs/nhanes/
    .. [2] T. C. Chen, J. Clark, M. K. Riddles, L. K. Mohadjer and T. H. I. Fakhouri,
       "National Health and Nutrition Examination Survey, 2015-2018: sample design and
       estimation procedures," Vital Health Stat., ser. 2, no. 184, 2020 (weights and
       their combination across cycles).
    .. [3] pandas-dev/pandas issue #50670 (``read_sas`` returns 5.397605e-79 for 0).

    Examples
    --------
    The column dictionary gives each column's unit and source variable:

    >>> COLUMNS["total_testosterone"]
    ('nmol/L', 'total testosterone, ID-LC-MS/MS (LBXTST, ng/dL)')

    With the CDC files in a folder (not shipped with labstats, so not run as a doctest;
    ``labstats.load_nhanes()`` gives the same frame offline)::

        nh = read_nhanes("nhanes_files/", ["2013-2014"], components=["TST"])
        len(nh), int(nh["total_testosterone"].notna().sum())  # (10175, 7559)
    """
    cyc = _resolve_cycles(cycles)
    comps = _resolve_components(components)
    if directory is None:
        from labstats.datasets.fetch import default_cache_dir

        directory = os.environ.get("LABSTATS_DATA_DIR") or default_cache_dir()
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(
            f"{directory}: no such folder. Download the files with "
            f"labstats.datasets.fetch_nhanes(), or put the CDC .XPT files in a folder and "
            f"pass it (or set LABSTATS_DATA_DIR)")
    frames = [_read_cycle(directory, c, comps, check_counts) for c in cyc]
    return pool_cycles(frames, [c.label for c in cyc], bridge_testosterone=bridge_testosterone,
                       testosterone="TST" in comps)


def _bridge(total_testosterone):
    """CDC's forward bridging equation on testosterone in nmol/L (the canonical unit)."""
    intercept = convert(_BRIDGE_INTERCEPT_NG_DL, "testosterone", "ng/dL",
                        COLUMNS["total_testosterone"][0])
    return _BRIDGE_SLOPE * total_testosterone + intercept


def pool_cycles(frames, labels, *, bridge_testosterone: bool = False, testosterone: bool = True):
    """Stack frames of single cycles (each as ``read_nhanes`` returns one cycle) as NCHS pools.

    The one pooling path of ``read_nhanes`` and ``load_nhanes``: warns when 2011-2012
    testosterone is pooled with later cycles unbridged and when 2021-2023 is pooled with
    earlier cycles; applies the bridging equation to the 2011-2012 rows if asked; and,
    for more than one cycle, divides every weight by the number of cycles.

    Parameters
    ----------
    frames : sequence of pandas.DataFrame
        One frame per cycle, with its own (unpooled) weights and unbridged testosterone.
    labels : sequence of str
        The cycle of each frame, e.g. "2013-2014"; it must be the frame's ``cycle``.
    bridge_testosterone : bool, default False
        Apply CDC's bridging equation to the 2011-2012 rows.
    testosterone : bool, default True
        Whether testosterone is among the columns read (else no bridging warning).

    Returns
    -------
    pandas.DataFrame
        The frames stacked in the order given, with a fresh index.

    Raises
    ------
    ValueError
        If ``labels`` and ``frames`` differ in number, a frame's ``cycle`` column is not
        its label (a frame of several cycles, or mislabelled), a frame is already pooled
        (``attrs["weights_divided_by"]`` > 1, as ``load_nhanes`` of several cycles
        sets), or 2011-2012 testosterone already bridged is to be bridged again: each
        would divide the weights by a wrong number or bridge the wrong rows, silently.

    Examples
    --------
    >>> from labstats.datasets import load_nhanes
    >>> both = pool_cycles([load_nhanes("2013-2014"), load_nhanes("2015-2016")],
    ...                    ["2013-2014", "2015-2016"])
    >>> round(float(both["weight_exam"].sum()) / 1e6, 1)  # (311.2 + 316.5) / 2 million
    313.9
    """
    import pandas as pd

    labels = list(labels)
    check_pool_inputs(frames, labels, bridge_testosterone)
    if testosterone and "2011-2012" in labels and len(labels) > 1 and not bridge_testosterone:
        warn("2011-2012 testosterone was measured by an older method (about 3.9 % lower); "
             "pass bridge_testosterone=True to apply CDC's bridging equation before pooling "
             "it with later cycles")
    if "2021-2023" in labels and len(labels) > 1:
        warn("2021-2023 was run under a new design (a new sample design after the "
             "2020 interruption); NCHS advises care when combining it with earlier cycles")
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()
    dup = out["seqn"].duplicated()
    if dup.any():
        raise ValueError(f"seqn {int(out['seqn'][dup].iloc[0])} appears in two cycles; "
                         f"are two cycles' files mixed up?")
    if bridge_testosterone:
        old = (out["cycle"] == "2011-2012").to_numpy()
        tt = out["total_testosterone"].to_numpy(dtype=float, copy=True)
        tt[old] = _bridge(tt[old])
        out["total_testosterone"] = tt
    if len(labels) > 1:
        for w in ("weight_exam", "weight_fasting", "weight_hormone"):
            out[w] = out[w] / len(labels)
    return out
