"""Input checks of SurveyDesign that are about a survey design (private): domain masks and
the design effect's domain of definition."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labstats._validate import warn
from labstats.stats._variance import plain


def mask_to_bool(mask: pd.Series, labels) -> np.ndarray:
    """True/False per row of a domain mask; missing values are False, anything else an error."""
    if mask.dtype == bool:
        return mask.to_numpy()
    if mask.dtype.name == "boolean":
        return mask.fillna(False).to_numpy(bool)
    missing = mask.isna().to_numpy()
    is_flag = mask.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy(bool)
    bad = ~(missing | is_flag)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"mask: {int(bad.sum())} values are not True/False (dtype {mask.dtype}); the "
            f"first is {plain(mask.iloc[pos])!r} at index {plain(labels[pos])!r}. Pass a "
            "boolean condition, e.g. df['pregnant'].eq(1) or df['age'] >= 20.")
    return np.where(missing, False, mask.to_numpy(object)).astype(bool)


def deff_where_defined(deff, n_pop, n_obs):
    """``deff``, NaN (with a warning) where the weights sum to fewer persons than rows.

    The design effect compares with simple random sampling without replacement of ``n_obs``
    rows from ``n_pop`` persons, whose variance carries ``(n_pop - n_obs)``: below zero it
    is no variance. R's svymean gives NA there and warns; its svytotal and svyratio print
    the negative ratio.
    """
    small = np.asarray(n_pop < n_obs)
    if small.any():
        first = int(np.flatnonzero(small)[0])
        where = f" (in {int(small.sum())} of {small.size} groups)" if small.size > 1 else ""
        warn(f"deff: the weights sum to {float(np.atleast_1d(n_pop)[first]):.6g} persons for "
             f"{int(np.atleast_1d(n_obs)[first])} rows{where}, fewer persons than rows, so "
             "the design effect (against simple random sampling without replacement from "
             "that many persons) is undefined: deff is NaN, as R's svymean gives NA "
             "('Sample size greater than population size'). Weights should count the "
             "persons each row represents (e.g. NHANES WTMEC2YR); estimates and standard "
             "errors do not depend on their scale.")
    return np.where(small, np.nan, deff)
