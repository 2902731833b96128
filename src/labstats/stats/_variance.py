"""Taylor-linearisation machinery shared by the survey estimators (private).

Everything here works on integer codes: ``stratum`` (0..H-1) per row, ``psu`` (0..P-1) per
row with the PSUs of one stratum numbered contiguously, and a group code per row (-1 = the
row is not used). Group sums are ``np.bincount`` over combined keys; there is no Python loop
over rows or PSUs. The formulas are those of R's ``survey:::onestrat`` (survey 4.1-1) for a
one-stage, with-replacement design, which is what ``svydesign(id=~psu, strata=~stratum,
weights=~w, nest=TRUE)`` describes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labstats._validate import check_label_kinds

LONELY_PSU = ("fail", "remove", "adjust", "certainty", "average")

# keys up to this many cells are counted with a dense bincount, beyond it with np.unique
_DENSE_LIMIT = 1 << 25


def _key_index(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of ``key`` (sorted) and, per element, its position among them."""
    if size <= _DENSE_LIMIT:
        seen = np.bincount(key, minlength=size) > 0
        distinct = np.flatnonzero(seen)
        position = np.cumsum(seen) - 1
        return distinct, position[key]
    return np.unique(key, return_inverse=True)


def plain(value):
    """A numpy scalar as the Python scalar (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def first_bad(frame: pd.DataFrame, column: str, bad: np.ndarray, what: str, fix: str):
    """Raise ValueError naming the column, the count, the first bad value, its label, the fix."""
    pos = int(np.flatnonzero(bad)[0])
    raise ValueError(f"{column}: {int(bad.sum())} {what}; the first is "
                     f"{plain(frame[column].iloc[pos])!r} at index "
                     f"{plain(frame.index[pos])!r}. {fix}")


class Layout:
    """Strata and PSU codes of a design, with the PSU counts of the full design."""

    def __init__(self, stratum: np.ndarray, psu: np.ndarray, stratum_labels, lonely_psu: str):
        self.stratum = stratum
        self.psu = psu
        self.n_strata = int(stratum.max()) + 1 if len(stratum) else 0
        self.n_psu = int(psu.max()) + 1 if len(psu) else 0
        psu_stratum = np.zeros(self.n_psu, dtype=np.int64)
        psu_stratum[psu] = stratum
        self.psu_stratum = psu_stratum
        #: PSUs per stratum in the whole sample (R: fpc$sampsize), however a domain is cut
        self.n_h = np.bincount(psu_stratum, minlength=self.n_strata).astype(float)
        self.stratum_labels = stratum_labels
        self.lonely_psu = lonely_psu

    def degf(self, code: np.ndarray, rows: np.ndarray, n_groups: int) -> np.ndarray:
        """Design degrees of freedom per group: PSUs minus strata among ``rows`` (R: degf)."""
        g = code[rows]
        psus, _ = _key_index(g * self.n_psu + self.psu[rows], n_groups * self.n_psu)
        strata, _ = _key_index(g * self.n_strata + self.stratum[rows], n_groups * self.n_strata)
        n_p = np.bincount(psus // self.n_psu, minlength=n_groups)
        n_s = np.bincount(strata // self.n_strata, minlength=n_groups)
        return (n_p - n_s).astype(float)

    def variance(self, code: np.ndarray, z: np.ndarray, n_groups: int) -> np.ndarray:
        """Variance of the group totals of the linearised scores ``z``.

        ``code`` holds the group of each row used by the estimator (-1 elsewhere); ``z`` the
        row's score (any value where code is -1). Strata and PSUs of the full design that a
        group does not reach count as PSUs with a zero total, as in R's ``subset()`` of a
        survey design: the variance is computed within the full design.
        """
        rows = code >= 0
        g, zr = code[rows], z[rows]
        P, H = self.n_psu, self.n_strata
        distinct, where = _key_index(g * P + self.psu[rows], n_groups * P)
        total = np.bincount(where, weights=zr, minlength=len(distinct))  # PSU totals
        ge, he = distinct // P, self.psu_stratum[distinct % P]
        gh = ge * H + he
        cells = n_groups * H
        s = np.bincount(gh, weights=total, minlength=cells)
        k = np.bincount(gh, minlength=cells)
        n_h = np.tile(self.n_h, n_groups)
        mean = s / n_h
        # sum of squared deviations from the stratum mean, zero-total PSUs included
        ss = np.bincount(gh, weights=(total - mean[gh]) ** 2, minlength=cells)
        ss = ss + (n_h - k) * mean**2
        lonely = n_h == 1
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(lonely, 0.0, ss * n_h / (n_h - 1))
        present = k > 0
        if lonely.any():
            v = self._lonely(v, s, lonely, present)
        v = v.reshape(n_groups, H)
        if self.lonely_psu == "average":
            pres = present.reshape(n_groups, H)
            bad = (lonely.reshape(n_groups, H) & pres).sum(axis=1)
            n_present = pres.sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.nansum(v, axis=1) * n_present / (n_present - bad)
        return v.sum(axis=1)

    def _lonely(self, v, s, lonely, present):
        mode = self.lonely_psu
        hit = lonely & present
        if mode == "fail" and hit.any():
            h = int(np.flatnonzero(hit)[0] % self.n_strata)
            raise ValueError(
                f"stratum {plain(self.stratum_labels[h])!r} has only one PSU, so its variance "
                "cannot be estimated (lonely_psu='fail'). Pass lonely_psu='adjust' (centre "
                "it at the grand mean), 'average', 'remove' or 'certainty' to SurveyDesign, "
                "as R's options(survey.lonely.psu=...) does.")
        if mode == "adjust":  # R: the single PSU total is not centred (grand mean 0)
            return np.where(lonely, s**2, v)
        if mode == "average":
            return np.where(hit, np.nan, v)
        return v  # remove / certainty: the stratum adds nothing (one-stage designs)


def layout_from_frame(data: pd.DataFrame, strata, psu, nest: bool, lonely_psu: str) -> Layout:
    """Integer strata and PSU codes of ``data`` (PSUs numbered stratum by stratum)."""
    n = len(data)
    if strata is None:
        s_code, s_labels = np.zeros(n, dtype=np.int64), np.array([1])
    else:
        if data[strata].isna().any():
            first_bad(data, strata, data[strata].isna().to_numpy(), "missing strata",
                      "Every row needs its stratum.")
        check_label_kinds(data[strata], strata)
        s_code, s_labels = pd.factorize(data[strata], sort=True)
    if psu is None:  # each row is its own PSU, numbered stratum by stratum
        p_code = np.empty(n, dtype=np.int64)
        p_code[np.argsort(s_code, kind="stable")] = np.arange(n)
    else:
        if data[psu].isna().any():
            first_bad(data, psu, data[psu].isna().to_numpy(), "missing PSUs",
                      "Every row needs its PSU.")
        check_label_kinds(data[psu], psu)
        p_raw, p_labels = pd.factorize(data[psu], sort=True)
        pairs = pd.DataFrame({"h": s_code, "p": p_raw})
        p_code = pairs.groupby(["h", "p"], sort=True).ngroup().to_numpy()
        if not nest:
            per_psu = pairs.groupby("p")["h"].nunique()
            if (per_psu > 1).any():
                label = p_labels[per_psu.index[per_psu > 1][0]]
                raise ValueError(f"psu: PSU {plain(label)!r} appears in more than one "
                                 "stratum. If PSU labels restart in each stratum (as "
                                 "NHANES' SDMVPSU), pass nest=True.")
    return Layout(np.asarray(s_code, dtype=np.int64), p_code.astype(np.int64),
                  np.asarray(s_labels), lonely_psu)
