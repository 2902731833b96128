"""Statistics for lab data: method comparison and reference intervals (tidy results)."""

from labstats.stats.agreement import (
    bland_altman,
    concordance,
    deming,
    passing_bablok,
    ratio_summary,
)

__all__ = [
    "bland_altman",
    "concordance",
    "deming",
    "passing_bablok",
    "ratio_summary",
]
