"""The NHANES extract shipped inside labstats: real data, offline, no download.

``nhanes_extract.parquet`` (beside this file) holds, for every participant of NHANES
2011-2012, 2013-2014, 2015-2016 and 2021-2023 (41,835 people, all ages), the frame
``read_nhanes`` builds from the CDC files, each cycle read on its own (weights of that
cycle, 2011-2012 testosterone as published). ``_build_extract.py`` rebuilds it from the
CDC files; ``tests/datasets/test_embedded.py`` proves the rebuild identical and checks
the shipped file against the CDC codebook counts (``nhanes_counts.csv``) without them.
"""

from __future__ import annotations

import functools
from pathlib import Path

from labstats.datasets._nhanes_layout import CYCLES
from labstats.datasets.nhanes import _resolve_cycles, pool_cycles

__all__ = ["DEFAULT_CYCLES", "EXTRACT", "EXTRACT_CYCLES", "load_nhanes"]

#: The shipped file (Parquet, zstd).
EXTRACT = Path(__file__).with_name("nhanes_extract.parquet")
#: The cycles it holds.
EXTRACT_CYCLES = tuple(CYCLES)
#: What ``load_nhanes()`` returns without ``cycles``: the three continuous 2-year cycles
#: of 2011-2016, pooled. 2021-2023 is kept apart (see ``load_nhanes``).
DEFAULT_CYCLES = ("2011-2012", "2013-2014", "2015-2016")


@functools.lru_cache(maxsize=1)
def _table():
    import pandas as pd

    if not EXTRACT.is_file():
        raise FileNotFoundError(
            f"{EXTRACT}: the embedded NHANES extract is missing from this installation of "
            f"labstats; reinstall labstats, or read the CDC files with "
            f"labstats.read_nhanes(labstats.fetch_nhanes(...))")
    return pd.read_parquet(EXTRACT)


def extract_table():
    """The shipped table as stored: every cycle unpooled, testosterone unbridged (a copy)."""
    return _table().copy()


def load_nhanes(cycles=None, *, bridge_testosterone: bool | None = None):
    """Real NHANES data shipped with labstats: the harmonised frame of ``read_nhanes``, offline.

    Parameters
    ----------
    cycles : str or sequence of str, optional
        Any of "2011-2012", "2013-2014", "2015-2016", "2021-2023" (or G, H, I, L). Default
        ``DEFAULT_CYCLES``: 2011-2012, 2013-2014 and 2015-2016, pooled. 2021-2023 is only
        returned when asked for: it was run under a new sample design after the 2020
        interruption, NCHS advises care when combining it with earlier cycles, and it has
        no biochemistry, fasting, lipid, HbA1c or body-measure files in this extract
        (those columns are NaN for it). Pooling it with other cycles warns.
    bridge_testosterone : bool, optional
        Apply CDC's method-bridging equation to 2011-2012 testosterone (as
        ``read_nhanes``). Default: when 2011-2012 is pooled with a later cycle (NCHS
        advises it before pooling), not when 2011-2012 is returned alone (as published).

    Returns
    -------
    pandas.DataFrame
        Exactly what ``read_nhanes(folder_of_CDC_files, cycles,
        bridge_testosterone=...)`` returns (same columns ``COLUMNS``, canonical units,
        below-LOD flags, ``psu``, ``strata``, ``weight_exam``, ``weight_fasting``,
        ``weight_hormone``, ``cycle``), one row per participant of each cycle's DEMO file,
        children included. **Weights are divided by the number of cycles returned**, as
        NCHS prescribes for pooled 2-year cycles. ``attrs`` records the cycles, whether
        testosterone was bridged, and the source.

    Raises
    ------
    ValueError
        For an unknown or repeated cycle.

    Warns
    -----
    LabstatsWarning
        When 2021-2023 is pooled with earlier cycles, and when 2011-2012 is pooled with
        later cycles with ``bridge_testosterone=False``.

    Notes
    -----
    The extract is rebuilt from the CDC files by ``python -m
    labstats.datasets._build_extract <folder>`` with ``read_nhanes`` and tested identical
    to it; its row and value counts equal the CDC codebooks, and the survey-weighted mean
    testosterone of men 20+ in 2013-2014 equals R survey's (412.65 ng/dL)
    (``tests/datasets/test_embedded.py``). Other cycles and components:
    ``labstats.fetch_nhanes`` then ``labstats.read_nhanes``.

    The divisor is the number of cycles returned, also for an analyte some of them did
    not measure (SHBG and estradiol: not in 2011-2012). Means, quantiles and proportions
    are unaffected (the factor is constant), but population totals and ``n_pop`` of such
    an analyte are too small by that factor: for them, pool only the cycles that measured
    it, as NCHS divides by the number of cycles pooled (see the last example).

    NHANES public-use data are
    in the public domain [1]_; ``data/README.md`` lists what is and is not included.

    References
    ----------
    .. [1] Centers for Disease Control and Prevention, National Center for Health
       Statistics, "National Health and Nutrition Examination Survey data,"
       Hyattsville, MD, 2011-2023. [Online]. Available: https://wwwn.cdc.gov/nchs/nhanes/

    Examples
    --------
    >>> nh = load_nhanes()
    >>> len(nh), nh["cycle"].unique().tolist()
    (29902, ['2011-2012', '2013-2014', '2015-2016'])
    >>> round(float(nh["weight_exam"].sum()) / 1e6, 1)  # millions of people, 2011-2016
    311.4
    >>> men = load_nhanes("2013-2014").query("sex == 'male' and age >= 20")
    >>> int(men["total_testosterone"].notna().sum())
    2533
    >>> adults_shbg = nh["shbg"].notna() & (nh["age"] >= 20)  # measured 2013-2016 only
    >>> round(float(nh.loc[adults_shbg, "weight_hormone"].sum()) / 1e6)  # weights / 3
    135
    >>> hi = load_nhanes(["2013-2014", "2015-2016"])  # the cycles with SHBG: weights / 2
    >>> round(float(hi.loc[hi["shbg"].notna() & (hi["age"] >= 20), "weight_hormone"].sum()) / 1e6)
    203
    """
    labels = [c.label for c in _resolve_cycles(DEFAULT_CYCLES if cycles is None else cycles)]
    table = _table()
    frames = [table[table["cycle"] == label].reset_index(drop=True) for label in labels]
    if bridge_testosterone is None:
        bridge_testosterone = "2011-2012" in labels and len(labels) > 1
    out = pool_cycles(frames, labels, bridge_testosterone=bool(bridge_testosterone))
    out.attrs.update({
        "source": "NHANES extract embedded in labstats (load_nhanes)",
        "cycles": labels,
        "testosterone_bridged": bool(bridge_testosterone and "2011-2012" in labels),
        "weights_divided_by": len(labels),
        "description": f"NHANES {', '.join(labels)} (embedded extract, "
                       f"{len(out):,} participants)",
    })
    return out
