"""Statistics for lab data: method comparison and reference intervals (tidy results)."""

from labstats.stats.agreement import (
    bland_altman,
    concordance,
    deming,
    passing_bablok,
    ratio_summary,
)
from labstats.stats.reference import (
    partition_test,
    reference_interval,
    reference_outliers,
)

__all__ = [
    "bland_altman",
    "concordance",
    "deming",
    "partition_test",
    "passing_bablok",
    "ratio_summary",
    "reference_interval",
    "reference_outliers",
]
