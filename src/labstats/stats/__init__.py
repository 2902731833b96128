"""Statistics for lab data, as tidy DataFrames.

* Survey-weighted estimation that agrees with R's survey package: :class:`SurveyDesign`
  (mean, total, ratio, proportion, quantile; domains by ``subset``), ``describe`` (the
  "Table 1"), ``age_groups``, ``format_table``.
* Reference intervals (CLSI EP28-A3c and survey-weighted): ``reference_interval``,
  ``reference_outliers``, ``partition_test``.
* Indirect reference intervals from routine data (refineR, reflimR, kosmic, TMC types):
  ``indirect_reference_interval``.
* Method comparison: ``bland_altman``, ``passing_bablok``, ``deming``, ``concordance``,
  ``ratio_summary``.
* Imprecision: ``propagate_imprecision`` (delta method, Monte Carlo).
* Centile curves and z-scores: ``LMSTable`` (LMS z-scores, centiles, values at z;
  ``labstats.datasets.cdc_growth_lms`` for the CDC growth charts), ``fit_lms``
  (penalised-likelihood LMS/BCCG, BCPE or BCT fit, survey-weighted), ``LMSPTable`` (with
  the BCPE or BCT kurtosis parameter tau).

>>> from labstats.stats import SurveyDesign, describe, age_groups
"""

from labstats.stats._lmsp import LMSPTable
from labstats.stats.agreement import (
    bland_altman,
    concordance,
    deming,
    passing_bablok,
    ratio_summary,
)
from labstats.stats.centiles import LMSTable, fit_lms
from labstats.stats.describe import age_groups, describe, format_table
from labstats.stats.design import SurveyDesign
from labstats.stats.imprecision import propagate_imprecision
from labstats.stats.indirect import indirect_reference_interval
from labstats.stats.reference import (
    partition_test,
    reference_interval,
    reference_outliers,
)

__all__ = [
    "LMSPTable",
    "LMSTable",
    "SurveyDesign",
    "age_groups",
    "bland_altman",
    "concordance",
    "deming",
    "describe",
    "fit_lms",
    "format_table",
    "indirect_reference_interval",
    "partition_test",
    "passing_bablok",
    "propagate_imprecision",
    "ratio_summary",
    "reference_interval",
    "reference_outliers",
]
