"""One switch between the embedded synthetic cohort and the real NHANES files.

Notebooks and scripts call ``load_cohort()`` and so never duplicate the choice; the
environment variable ``LABSTATS_DATA`` (set by ``labstats report --data``) flips it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA_CHOICES", "NHANES_CYCLES", "load_cohort"]

#: Values accepted by ``load_cohort(data=)`` and the ``LABSTATS_DATA`` variable.
DATA_CHOICES = ("synthetic", "nhanes")
#: The NHANES cycles read by ``load_cohort("nhanes")``: the two with total testosterone,
#: SHBG and albumin by the current methods, to which the synthetic cohort is calibrated.
NHANES_CYCLES = ("2013-2014", "2015-2016")


def load_cohort(data: str | None = None, *, n: int = 20_000, seed: int = 0, directory=None):
    """The cohort an analysis runs on: synthetic by default, NHANES 2013-2016 on request.

    Parameters
    ----------
    data : {"synthetic", "nhanes"}, optional
        Which cohort. Default: the environment variable ``LABSTATS_DATA``, else
        ``"synthetic"``.
    n : int, default 20000
        Rows of the synthetic cohort (ignored for NHANES).
    seed : int, default 0
        Seed of the synthetic cohort (ignored for NHANES).
    directory : str or os.PathLike, optional
        Folder of the NHANES files. Default: ``LABSTATS_DATA_DIR``, else the cache of
        :func:`labstats.datasets.fetch_nhanes`.

    Returns
    -------
    pandas.DataFrame
        The columns of ``labstats.datasets.COLUMNS``. Synthetic: ``make_cohort(n, seed)``
        (adults 20-80, equal weights, random ``psu``/``strata``). NHANES:
        ``read_nhanes(directory, ("2013-2014", "2015-2016"))`` (all participants of
        both cycles, weights divided by 2 as NCHS prescribes for pooled cycles). The
        choice is recorded in ``frame.attrs["data"]``.

    Raises
    ------
    ValueError
        If ``data`` (or ``LABSTATS_DATA``) is not one of ``DATA_CHOICES``.
    FileNotFoundError
        If ``data="nhanes"`` and the files are absent; the message says to run
        ``labstats.datasets.fetch_nhanes()`` first.

    Notes
    -----
    A thin switch over :func:`make_cohort` and :func:`read_nhanes`, which carry their
    own validation (NHANES counts against the CDC codebooks, weighted means against R
    survey). No network access: NHANES must have been fetched before.

    Examples
    --------
    >>> cohort = load_cohort("synthetic", n=500, seed=1)
    >>> len(cohort), cohort.attrs["data"], sorted(cohort["sex"].unique())
    (500, 'synthetic', ['female', 'male'])
    """
    if data is None:
        data = os.environ.get("LABSTATS_DATA") or "synthetic"
    key = str(data).strip().lower()
    if key not in DATA_CHOICES:
        raise ValueError(f"data must be one of {', '.join(map(repr, DATA_CHOICES))} (argument "
                         f"or environment variable LABSTATS_DATA); got {data!r}")
    if key == "synthetic":
        from labstats.datasets.synthetic import make_cohort

        frame = make_cohort(n, seed)
    else:
        frame = _read_pooled_nhanes(directory)
    frame.attrs["data"] = key
    return frame


def _read_pooled_nhanes(directory):
    from labstats.datasets.fetch import default_cache_dir
    from labstats.datasets.nhanes import _find_file, read_nhanes

    folder = Path(directory) if directory is not None else default_cache_dir()
    if not folder.is_dir() or any(_find_file(folder, f"DEMO_{s}") is None for s in ("H", "I")):
        raise FileNotFoundError(
            f"NHANES 2013-2016 files not found in {folder}. Download them once with "
            f"labstats.datasets.fetch_nhanes() (or point LABSTATS_DATA_DIR / directory= at a "
            f"folder holding DEMO_H.XPT, TST_H.XPT, ...), or use data='synthetic'.")
    return read_nhanes(folder, NHANES_CYCLES)
