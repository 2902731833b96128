"""Datasets: NHANES reader and downloader, laboratory exports, a synthetic cohort.

* ``read_nhanes(directory, cycles, components)`` - CDC public-use files -> one tidy row
  per participant, canonical units, below-LOD flags and design variables.
* ``fetch_nhanes(cycles, components, cache_dir)`` - download them safely into a cache.
* ``load_nhanes(cycles)`` - the same frame, offline, from the NHANES extract shipped
  with labstats (2011-2012, 2013-2014, 2015-2016, 2021-2023; all participants).
* ``load_cohort(data)`` - the synthetic cohort, NHANES 2013-2016 from the embedded
  extract (``data="nhanes"``), or from a folder of CDC files (``data=PATH``); what the
  notebooks use (``LABSTATS_DATA``).
* ``make_cohort(n, seed)`` - a synthetic adult cohort calibrated to NHANES 2013-2016,
  with the same columns; the embedded default data of labstats (no download needed).
* ``read_lab_export(path_or_frame, ...)`` - CSV/Excel/Parquet lab exports with unit
  headers, decimal commas and censored results ("<0.5").
* ``derive(frame)`` - add free/bioavailable testosterone, FAI, free estradiol, ...
* ``cdc_growth_lms(measure)`` - the CDC 2000 growth charts (BMI, weight, stature, length,
  head circumference for age) as ``labstats.stats.LMSTable`` objects.
* ``list_datasets()`` - what is available, with source and licence.

``data/README.md`` of the repository documents each dataset and its columns.
"""

from __future__ import annotations

from pathlib import Path

from labstats.datasets.derive import DERIVED, derive, register_derived
from labstats.datasets.embedded import load_nhanes
from labstats.datasets.fetch import fetch_nhanes
from labstats.datasets.growth import cdc_growth_lms
from labstats.datasets.labfile import LabExportError, read_lab_export
from labstats.datasets.load import load_cohort
from labstats.datasets.nhanes import COLUMNS, read_nhanes, read_nhanes_file
from labstats.datasets.synthetic import make_cohort

__all__ = [
    "COLUMNS",
    "DERIVED",
    "LabExportError",
    "cdc_growth_lms",
    "derive",
    "fetch_nhanes",
    "list_datasets",
    "load_cohort",
    "load_nhanes",
    "make_cohort",
    "read_lab_export",
    "read_nhanes",
    "read_nhanes_file",
    "register_derived",
]


def list_datasets():
    """The datasets labstats reads or makes, with source, licence and citation.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``function``, ``description``, ``source``, ``licence``,
        ``citation`` (from ``registry.csv``).

    Examples
    --------
    >>> list_datasets()["name"].tolist()
    ['nhanes', 'nhanes_extract', 'synthetic_cohort', 'cdc_growth_lms']
    """
    import pandas as pd

    return pd.read_csv(Path(__file__).with_name("registry.csv"), comment="#")
