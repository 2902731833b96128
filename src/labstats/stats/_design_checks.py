"""Input checks of SurveyDesign that are about a survey design (private): domain masks, the
analysis variables, the frame the design was built on, and the design effect's domain of
definition."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labstats._validate import to_float_array, warn
from labstats.stats._variance import first_bad, plain


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


def variable_values(data: pd.DataFrame, variable):
    """The name and float values of an analysis variable (a column or a Series on the
    data's index); booleans as 0/1, missing as NaN; text and infinite values raise."""
    if isinstance(variable, pd.Series):
        if not variable.index.equals(data.index):
            raise ValueError(f"{variable.name}: its index differs from the design's data.")
        name = str(variable.name)
        values = variable
    else:
        if variable not in data.columns:
            raise ValueError(f"variable: column {variable!r} is not in the design's data.")
        name, values = str(variable), data[variable]
    if values.dtype == bool or values.dtype.name == "boolean":
        return name, values.astype("Float64").to_numpy(float, na_value=np.nan)
    if values.dtype == object:  # booleans with missing values, e.g. (x < 3).where(...)
        flags = values.dropna()
        if len(flags) and flags.map(type).isin([bool, np.bool_]).all():
            return name, values.map({True: 1.0, False: 0.0}).to_numpy(float)
    y = to_float_array(values, name, fix=(
        "A survey variable must hold numbers (0/1 for a share). For the share of each "
        f"category, as R's svymean(~{name}) gives it, pass an indicator per category to "
        f"proportion(), e.g. df[{name!r}].eq(level), or group with by={name!r}; for "
        "results such as '<0.5' use labstats.read_lab_export() first."))
    if np.isinf(y).any():
        first_bad(pd.DataFrame({name: values}), name, np.isinf(y), "infinite values",
                  "An infinite value is not a measurement: correct it, or replace it "
                  "with NaN to leave it out (na_rm=True).")
    return name, y


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


class FrameGuard:
    """The rows and design columns a SurveyDesign was built on, to refuse a frame changed since.

    The design pairs every row with its weight, stratum and PSU by position (as R's svydesign
    keeps its own copy of the data). Analysis and grouping columns are read from the frame
    at each call, so columns added or replaced later can be used; a sort, drop or new index
    in place, or a changed weight, stratum or PSU, raises ``ValueError`` instead of pairing
    values with another row's weight.
    """

    def __init__(self, data: pd.DataFrame, columns: dict):
        self.index = data.index
        self.columns = {arg: (col, data[col].copy()) for arg, col in columns.items()
                        if col is not None}

    def check(self, data: pd.DataFrame) -> None:
        fix = ("Build the design again on the frame as it is now, SurveyDesign(data, ...); to "
               "sort or filter, work on a copy (sorted = data.sort_values(...)) or use subset().")
        if data.index is not self.index and not data.index.equals(self.index):
            n0, n1 = len(self.index), len(data)
            how = (f"{n0} rows then, {n1} now" if n1 != n0 else
                   f"the {n1} rows are in another order or under another index")
            raise ValueError(f"data: the rows of the design's data changed after the design "
                             f"was built ({how}): every row is paired with its weight, "
                             f"stratum and PSU by position. {fix}")
        for arg, (col, kept) in self.columns.items():
            now = data[col] if col in data.columns else None
            if now is not None and now.equals(kept):
                continue
            if now is None:
                what = "is no longer in the frame"
            else:
                differ = np.flatnonzero(now.to_numpy(object) != kept.to_numpy(object))
                pos = int(differ[0]) if differ.size else 0
                what = (f"first at index {plain(data.index[pos])!r}: {plain(kept.iloc[pos])!r} "
                        f"then, {plain(now.iloc[pos])!r} now" if differ.size else
                        f"dtype {kept.dtype} then, {now.dtype} now")
            raise ValueError(f"{arg}: column {col!r} of the design's data changed after the "
                             f"design was built ({what}). {fix}")

    @staticmethod
    def keep(data: pd.DataFrame, by: list):
        """The grouping columns as they are, to know later whether they were replaced."""
        return data[by].copy() if by else None

    @staticmethod
    def same(data: pd.DataFrame, by: list, kept) -> bool:
        return not by or (all(b in data.columns for b in by) and data[by].equals(kept))
