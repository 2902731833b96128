"""Datasets: NHANES reader and downloader, laboratory exports, a synthetic cohort.

* ``read_nhanes(directory, cycles, components)`` - CDC public-use files -> one tidy row
  per participant, canonical units, below-LOD flags and design variables.
* ``fetch_nhanes(cycles, components, cache_dir)`` - download them safely into a cache.
* ``load_nhanes(cycles)`` - the same frame, offline, from the NHANES extract shipped
  with labstats (2011-2012, 2013-2014, 2015-2016, 2021-2023; all participants).
* ``load_cohort(data)`` - NHANES 2013-2016 from the embedded extract (``data="nhanes"``,
  the default), from a folder of CDC files (``data=PATH``), or the synthetic cohort
  (``data="synthetic"``); what the notebooks use (``LABSTATS_DATA``).
* ``make_cohort(n, seed)`` - a synthetic adult cohort calibrated to NHANES 2013-2016,
  with the same columns (no download needed).
* ``read_lab_export(path_or_frame, ...)`` - CSV/Excel/Parquet lab exports with unit
  headers, decimal commas and censored results ("<0.5").
* ``read_lab_results(source, ...)`` - long exports (one row per result: MIMIC-IV
  ``labevents``, LIS dumps) -> tidy results in canonical units, every row accounted for;
  ``pair_results(results, by=...)`` -> one row per draw, ready for ``derive``;
  ``counts(results)`` -> what was read, reported, excluded (pandas or Dask).
* ``make_lab_results(n_patients, seed)`` - a synthetic long export with its ground truth.
* ``pair_export(source, output)`` - the same reading and pairing out of core (DuckDB), for a
  Parquet export larger than memory.
* ``derive(frame)`` - add free/bioavailable testosterone, FAI, free estradiol, ...
* ``cdc_growth_lms(measure)`` - the CDC 2000 growth charts (BMI, weight, stature, length,
  head circumference for age) as ``labstats.stats.LMSTable`` objects.
* ``list_datasets()`` - what is available, with source and licence.

``data/README.md`` of the repository documents each dataset and its columns.
"""

from __future__ import annotations

from pathlib import Path

from labstats._engines import pair_export
from labstats.datasets.derive import DERIVED, derive, register_derived
from labstats.datasets.embedded import load_nhanes
from labstats.datasets.fetch import fetch_nhanes
from labstats.datasets.growth import cdc_growth_lms
from labstats.datasets.labfile import LabExportError, read_lab_export
from labstats.datasets.load import load_cohort
from labstats.datasets.nhanes import COLUMNS, read_nhanes, read_nhanes_file
from labstats.datasets.routine import counts, pair_results, read_lab_results
from labstats.datasets.synthetic import make_cohort
from labstats.datasets.synthetic_routine import make_lab_results

__all__ = [
    "COLUMNS",
    "DERIVED",
    "LabExportError",
    "cdc_growth_lms",
    "counts",
    "derive",
    "fetch_nhanes",
    "list_datasets",
    "load_cohort",
    "load_nhanes",
    "make_cohort",
    "make_lab_results",
    "pair_export",
    "pair_results",
    "read_lab_export",
    "read_lab_results",
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
    ['nhanes', 'nhanes_extract', 'synthetic_cohort', 'synthetic_lab_results', 'cdc_growth_lms']
    """
    import pandas as pd

    return pd.read_csv(Path(__file__).with_name("registry.csv"), comment="#")
