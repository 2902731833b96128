"""The CDC 2000 growth charts as :class:`labstats.stats.LMSTable` objects.

The LMS parameters ship with labstats (``cdc_growth_lms.csv.gz``, public domain, built by
``scripts/make_cdc_growth_data.py`` from the reference data of CDC's cdcanthro package).
"""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["cdc_growth_lms"]

#: measure -> (unit, description)
CDC_MEASURES = {
    "bmi": ("kg/m2", "BMI-for-age, 2-20 years"),
    "weight": ("kg", "weight-for-age, 0-20 years"),
    "height": ("cm", "stature-for-age (standing height), 2-20 years"),
    "head_circumference": ("cm", "head circumference-for-age, 0-36 months"),
    "length": ("cm", "recumbent length-for-age, 0-36 months"),
}
_FILE = Path(__file__).with_name("cdc_growth_lms.csv.gz")
SOURCE = ("CDC 2000 growth charts (Kuczmarski et al., Vital Health Stat 11(246), 2002; "
          "public domain), LMS parameters as distributed in CDC's cdcanthro v0.1.3")


@functools.cache
def _rows() -> dict:
    import csv
    import gzip

    out: dict = {}
    with gzip.open(_FILE, "rt", encoding="utf-8") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        for r in csv.DictReader(lines):
            cols = out.setdefault(r["measure"], {k: [] for k in ("sex", "age", "L", "M", "S")})
            cols["sex"].append(int(r["sex"]))
            cols["age"].append(float(r["age_months"]))  # float(): CDC's digits, exactly
            for k in "LMS":
                cols[k].append(float(r[k]))
    return out


def cdc_growth_lms(measure: str = "bmi"):
    """A CDC 2000 growth chart as an :class:`~labstats.stats.LMSTable` (ages in months).

    Parameters
    ----------
    measure : {"bmi", "weight", "height", "head_circumference", "length"}
        BMI-for-age (kg/m2; 23.5-240 months), weight-for-age (kg; 0-240), stature-for-age
        (cm; 23.5-240), head circumference-for-age (cm; 0-36.5) or recumbent
        length-for-age (cm; 0-36.5).

    Returns
    -------
    labstats.stats.LMSTable
        By sex, ``age_unit="months"``, L, M and S linearly interpolated between the
        reference ages (24.5, 25.5, ... months), as CDC's programs do.

    Notes
    -----
    Age convention: CDC's SAS program and cdcanthro use the age in months as given; CDC
    advises ages to a fraction of a month, and adding 0.5 to ages in completed months
    (NHANES RIDEXAGM), so that a child of 24 completed months is scored at 24.5.
    cdcanthro scores only 24 <= age < 240 months; these tables cover their full
    published range (for weight from birth). Reproduces CDC's cdcanthro z-scores,
    centiles and modified z-scores for NHANES children to 1e-9
    (``tests/stats/test_centiles_cdc.py``).

    References
    ----------
    .. [1] R. J. Kuczmarski et al., "2000 CDC growth charts for the United States: methods
       and development," Vital Health Stat 11, no. 246, 2002.

    Examples
    --------
    >>> bmi = cdc_growth_lms("bmi")
    >>> bmi.age_unit, bmi.unit
    ('months', 'kg/m2')
    >>> round(float(bmi.parameters(24.5, "male")["M"].iloc[0]), 8)
    16.54777487
    """
    if measure not in CDC_MEASURES:
        raise ValueError(f"measure: {measure!r} is not a CDC growth chart; choose one of "
                         f"{', '.join(map(repr, CDC_MEASURES))}")
    from labstats.stats.centiles import LMSTable

    c = _rows()[measure]
    return LMSTable(c["age"], c["L"], c["M"], c["S"], sex=c["sex"], age_unit="months",
                    measure=measure, unit=CDC_MEASURES[measure][0], family="lms",
                    source=SOURCE)


def _bmi_for_age(bmi, age_months, sex, what: str):
    """CDC BMI-for-age z-score or centile for derive(): ``age_months`` in completed months
    (NHANES RIDEXAGM) scored at age_months + 0.5, ages 24-239 completed months only."""
    import numpy as np

    from labstats._validate import like_inputs, to_float_array

    months = to_float_array(age_months, "age_months")
    age = months + 0.5
    in_range = (age >= 24.0) & (age < 240.0)
    table = cdc_growth_lms("bmi")
    y = to_float_array(bmi, "bmi")
    outside = int(np.count_nonzero(~in_range & ~np.isnan(age) & ~np.isnan(y)))
    if outside and what == "z":  # once per derive (the centile has the same rows)
        from labstats._validate import warn

        warn(f"{outside} row{'s' if outside > 1 else ''} with BMI outside 24-239 completed "
             f"months: CDC BMI-for-age is defined for ages 2-19 y, bmi_zscore and "
             f"bmi_centile set to NaN there")
    score = table.zscore if what == "z" else table.centile
    out = np.asarray(score(np.where(in_range, y, np.nan), np.where(in_range, age, 100.0),
                           sex), float)
    return like_inputs(np.where(in_range, out, np.nan), bmi, age_months, sex)


def bmi_zscore_cdc(bmi, age_months, sex):
    """CDC 2000 BMI-for-age z-score of children 2-19 years (what ``derive`` adds as
    ``bmi_zscore``).

    ``age_months`` is in completed months, as NHANES publishes it (RIDEXAGM): following
    CDC's advice the child is scored at ``age_months + 0.5`` (24 completed months at 24.5),
    and as CDC's SAS program and cdcanthro, only 24 <= age + 0.5 < 240 months is scored
    (NaN outside: adults, infants and missing ages). For ages given to a fraction of a
    month use ``cdc_growth_lms("bmi").zscore`` directly.

    >>> round(bmi_zscore_cdc(16.54777487, 24, "male"), 9)  # the median at 24.5 months
    0.0
    """
    return _bmi_for_age(bmi, age_months, sex, "z")


def bmi_centile_cdc(bmi, age_months, sex):
    """CDC 2000 BMI-for-age centile (0-100) of children 2-19 years (``derive``'s
    ``bmi_centile``); ages as :func:`bmi_zscore_cdc`."""
    return _bmi_for_age(bmi, age_months, sex, "centile")
