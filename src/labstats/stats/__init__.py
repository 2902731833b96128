"""Survey-weighted statistics: :class:`SurveyDesign` and the "Table 1" helpers.

>>> from labstats.stats import SurveyDesign, describe, age_groups
"""

from labstats.stats.describe import age_groups, describe, format_table
from labstats.stats.design import SurveyDesign

__all__ = ["SurveyDesign", "age_groups", "describe", "format_table"]
