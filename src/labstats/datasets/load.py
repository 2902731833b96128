"""One switch between the synthetic cohort, the embedded NHANES extract and CDC files.

Notebooks and scripts call ``load_cohort()`` and so never duplicate the choice; the
environment variable ``LABSTATS_DATA`` (set by ``labstats report --data``) flips it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA_CHOICES", "DEFAULT_DATA", "NHANES_CYCLES", "default_data", "load_cohort"]

#: Named values accepted by ``load_cohort(data=)`` and ``LABSTATS_DATA``; any other value
#: is taken as a folder of CDC NHANES files.
DATA_CHOICES = ("nhanes", "synthetic")
#: What ``load_cohort()`` reads when neither ``data`` nor ``LABSTATS_DATA`` says: real data.
DEFAULT_DATA = "nhanes"
#: The NHANES cycles of ``load_cohort("nhanes")`` and ``load_cohort(PATH)``: the two with
#: total testosterone, SHBG and albumin by the current methods, to which the synthetic
#: cohort is calibrated.
NHANES_CYCLES = ("2013-2014", "2015-2016")


def default_data() -> str:
    """``LABSTATS_DATA`` if set (``"nhanes"``, ``"synthetic"`` or a folder), else ``"nhanes"``.

    Examples
    --------
    >>> import os
    >>> default_data() == (os.environ.get("LABSTATS_DATA") or "nhanes")
    True
    """
    return os.environ.get("LABSTATS_DATA") or DEFAULT_DATA


def load_cohort(data: str | os.PathLike | None = None, *, n: int = 20_000, seed: int = 0,
                directory=None):
    """The cohort an analysis runs on: real NHANES 2013-2016 (default), or synthetic.

    Parameters
    ----------
    data : {"nhanes", "synthetic"} or path, optional
        ``"nhanes"``: NHANES 2013-2016 from the extract shipped with labstats
        (:func:`load_nhanes`; real data, no download). ``"synthetic"``: the calibrated
        synthetic cohort. A path: NHANES 2013-2016 read from that folder of CDC files
        (:func:`read_nhanes`). Default: the environment variable ``LABSTATS_DATA``, else
        ``"nhanes"``.
    n : int, default 20000
        Rows of the synthetic cohort (ignored for NHANES).
    seed : int, default 0
        Seed of the synthetic cohort (ignored for NHANES).
    directory : str or os.PathLike, optional
        With ``data="nhanes"``: read the CDC files in this folder instead of the
        embedded extract (the same as ``data=directory``).

    Returns
    -------
    pandas.DataFrame
        The columns of ``labstats.datasets.COLUMNS``. Synthetic: ``make_cohort(n, seed)``
        (adults 20-80, equal weights, random ``psu``/``strata``). NHANES: all
        participants of 2013-2014 and 2015-2016, weights divided by 2 as NCHS prescribes
        for pooled cycles; the embedded extract and the CDC files give identical frames.
        ``frame.attrs["data"]`` is ``"synthetic"`` or ``"nhanes"``; for NHANES
        ``frame.attrs["source"]`` says which (the extract, or the folder); and
        ``frame.attrs["description"]`` says it in words, with the number of rows (the
        index page of ``labstats report`` shows it for each notebook).

    Raises
    ------
    ValueError
        If ``data`` (or ``LABSTATS_DATA``) is neither a named choice nor an existing
        folder.
    FileNotFoundError
        If a folder of CDC files lacks DEMO_H/DEMO_I; the message says to run
        ``labstats.fetch_nhanes()`` first.

    Notes
    -----
    A thin switch over :func:`make_cohort`, :func:`load_nhanes` and :func:`read_nhanes`,
    which carry their own validation (NHANES counts against the CDC codebooks, weighted
    means against R survey). No network access.

    Examples
    --------
    >>> cohort = load_cohort("synthetic", n=500, seed=1)
    >>> len(cohort), cohort.attrs["data"], sorted(cohort["sex"].unique())
    (500, 'synthetic', ['female', 'male'])
    >>> cohort.attrs["description"]
    'synthetic cohort (make_cohort(500, seed=1))'
    >>> nh = load_cohort("nhanes")
    >>> len(nh), nh.attrs["source"]
    (20146, 'NHANES extract embedded in labstats (load_nhanes)')
    >>> nh.attrs["description"]
    'NHANES 2013-2016 (embedded extract, 20,146 participants)'
    """
    if data is None:
        data = default_data()
    key = str(data).strip().lower() if isinstance(data, str) else None
    if key == "synthetic":
        from labstats.datasets.synthetic import make_cohort

        frame = make_cohort(n, seed)
    elif key == "nhanes" and directory is None:
        from labstats.datasets.embedded import load_nhanes

        frame = load_nhanes(NHANES_CYCLES)
    elif key == "nhanes" or Path(data).is_dir():
        frame = _read_pooled_nhanes(directory if key == "nhanes" else data)
    else:
        raise ValueError(f"data must be one of {', '.join(map(repr, DATA_CHOICES))} or a folder "
                         f"of CDC NHANES files (argument or environment variable "
                         f"LABSTATS_DATA); got {data!r}, which is neither")
    frame.attrs["data"] = "synthetic" if key == "synthetic" else "nhanes"
    frame.attrs["description"] = (
        f"synthetic cohort (make_cohort({n}, seed={seed}))" if key == "synthetic" else
        f"NHANES 2013-2016 (embedded extract, {len(frame):,} participants)"
        if frame.attrs["source"].startswith("NHANES extract") else
        f"NHANES 2013-2016 ({frame.attrs['source']}, {len(frame):,} participants)")
    return frame


def _read_pooled_nhanes(directory):
    from labstats.datasets.nhanes import _find_file, read_nhanes

    folder = Path(directory)
    if not folder.is_dir() or any(_find_file(folder, f"DEMO_{s}") is None for s in ("H", "I")):
        raise FileNotFoundError(
            f"NHANES 2013-2016 files not found in {folder}. Download them once with "
            f"labstats.fetch_nhanes({list(NHANES_CYCLES)}, cache_dir=...) into that folder "
            f"(it needs DEMO_H.XPT, DEMO_I.XPT, TST_H.XPT, ...), or use data='nhanes' for the "
            f"extract shipped with labstats, or data='synthetic'.")
    frame = read_nhanes(folder, NHANES_CYCLES)
    frame.attrs["source"] = f"CDC files in {folder}"
    return frame
