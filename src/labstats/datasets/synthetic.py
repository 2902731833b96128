"""A seeded synthetic cohort of adults calibrated to survey-weighted NHANES 2013-2016.

Marginal distributions come from stored survey-weighted quantiles per sex and age band;
the dependence between analytes from stored survey-weighted Spearman correlations, via
a Gaussian copula. Everything is vectorised: 1 million rows take about a second.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

__all__ = ["calibration", "make_cohort"]

_CALIBRATION = Path(__file__).with_name("cohort_calibration.json")
#: Analytes whose NHANES 2013-2016 results jump from the fill value LLOD/sqrt(2) to the
#: detection limit LLOD (TST_H/TST_I: testosterone 0.75 ng/dL, estradiol 2.994 pg/mL; no
#: result between them). The quantile function interpolated between its knots would put
#: results below the LLOD that are not flagged, so those are set to the fill value and
#: flagged, as NCHS writes them. Not insulin: its 2013-2014 assay measured results below
#: the 2015-2016 fill value (4.26 pmol/L), so the pooled data have no such gap.
_LOD_GAP = ("total_testosterone", "estradiol")
#: The analyte computed from the others, not drawn (NCHS's LBDLDL is Friedewald's LDL).
_COMPUTED = "ldl_cholesterol"


@functools.lru_cache(maxsize=1)
def calibration() -> dict:
    """The stored calibration figures (``cohort_calibration.json``), read once.

    >>> cal = calibration()
    >>> cal["age_bands"][0], len(cal["cells"])
    ([20, 29], 12)
    """
    return json.loads(_CALIBRATION.read_text(encoding="utf-8"))


def _copula_cholesky(spearman) -> np.ndarray:
    """Cholesky factor of the normal-scale correlation matching Spearman ``rho``.

    Pearson's relation for the bivariate normal, r = 2 sin(pi rho / 6); a matrix made of
    pairwise estimates may not be positive definite, so its eigenvalues are floored.
    """
    r = 2.0 * np.sin(np.pi * np.asarray(spearman) / 6.0)
    vals, vecs = np.linalg.eigh(r)
    r = (vecs * np.maximum(vals, 1e-6)) @ vecs.T
    d = np.sqrt(np.diag(r))
    return np.linalg.cholesky(r / np.outer(d, d))


def make_cohort(n: int = 10_000, seed: int = 0, *, age_range=(20, 80)):
    """A seeded, realistic synthetic cohort of adults with the columns of ``read_nhanes``.

    Parameters
    ----------
    n : int, default 10000
        Number of participants.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same seed gives the same cohort.
    age_range : tuple of int, default (20, 80)
        Youngest and oldest age [years], within 20-80 (80 means 80 or older, as in
        NHANES).

    Returns
    -------
    pandas.DataFrame
        ``n`` rows, the columns of ``labstats.datasets.nhanes.COLUMNS`` in canonical
        units: ``seqn`` (1..n), ``cycle`` ("synthetic"), ``sex``, ``age`` [years],
        ``pregnant`` (False for women 20-44, <NA> otherwise), the 14 analytes, present
        in every row except HDL and LDL cholesterol (see Notes; ``weight``, ``height``
        and ``age_months`` are not simulated and are NaN), below-LOD flags (True at the
        NHANES fill value LLOD/sqrt(2); a testosterone or estradiol drawn between it and
        the LLOD is that fill value, as no result lies between them in NHANES; insulin's
        flag is never True: NHANES 2015-2016 has one result at its fill value 4.26
        pmol/L in 3,191 (INS_I), and values drawn from a continuous distribution do not
        land on it), and design variables: ``psu`` (1-2), ``strata`` (1-15), and equal
        weights ``weight_exam`` = ``weight_fasting`` = ``weight_hormone`` summing to the
        NHANES 2013-2016 adult population of ``age_range`` (about 229 million at 20-80).

    Raises
    ------
    ValueError
        If ``n`` is negative or ``age_range`` is outside 20-80.

    Notes
    -----
    Sex and age follow the survey-weighted age distribution of each sex. Within each
    sex and 10-year age band, each analyte follows its survey-weighted quantile
    function (27 probabilities from 0.1 % to 99.9 %, interpolated on the log scale), and
    analytes are joined by a Gaussian copula whose correlations reproduce the
    survey-weighted Spearman correlations of the real data. Calibration figures and
    the script deriving them: ``cohort_calibration.json``, ``_calibrate.py``.

    LDL cholesterol is not drawn: it is computed from the row's total and HDL
    cholesterol and triglycerides as NCHS computes NHANES's LBDLDL, by Friedewald's
    TC - HDL - TG/5 in mg/dL (TG/2.183 in mmol/L; ``labstats.ldl_cholesterol``), and
    is missing where NCHS leaves it missing, above 400 mg/dL (4.52 mmol/L) of
    triglycerides (237 rows of 20,000 at seed 0), and where HDL is missing or the
    result would not be positive (2 rows; NHANES 2011-2016 has none). So LDL + HDL <
    total cholesterol in every row. An HDL cholesterol not below its total
    cholesterol (an impossible pair from the copula's tails, 5 rows of 20,000 at seed 0)
    is missing.

    Reproduced (tested against the real files): age-band medians of the 13 drawn
    analytes within 3 % and the TT-SHBG rank correlation within 0.05. LDL follows from
    the other lipids, so it reproduces NHANES's LDL (fasting subsample, about 350
    adults per cell) within that figure's sampling error, not to 3 %: at 200,000 rows,
    its medians within 6.7 %, its quantiles within 2.7 design-based standard errors of
    NHANES's (on average 0.7 standard error above: NHANES's fasting subsample has a
    lower non-HDL cholesterol than its whole exam sample), and its rank correlations
    within 0.18 (2.8 standard errors). Not reproduced: missing-value patterns,
    values beyond the 0.1 % / 99.9 % quantiles, dependence on age within a band,
    non-monotone dependence, pregnancy, children, and the survey design itself: psu
    and strata are assigned at random, so design-based standard errors are those of
    a simple random sample.

    References
    ----------
    .. [1] R. B. Nelsen, *An Introduction to Copulas*, 2nd ed. New York, NY, USA:
       Springer, 2006, doi:10.1007/0-387-28678-0 (Gaussian copula).
    .. [2] W. H. Kruskal, "Ordinal measures of association," J. Amer. Statist. Assoc.,
       vol. 53, no. 284, pp. 814-861, 1958, doi:10.2307/2281954
       (Spearman rho of the bivariate normal: rho = (6/pi) arcsin(r/2)).
    .. [3] W. T. Friedewald, R. I. Levy and D. S. Fredrickson, "Estimation of the
       concentration of low-density lipoprotein cholesterol in plasma, without use of the
       preparative ultracentrifuge," Clin. Chem., vol. 18, no. 6, pp. 499-502, 1972,
       doi:10.1093/clinchem/18.6.499.
    .. [4] Centers for Disease Control and Prevention, National Center for Health
       Statistics, "National Health and Nutrition Examination Survey data,
       2013-2016," Hyattsville, MD. Available: https://wwwn.cdc.gov/nchs/nhanes/

    Examples
    --------
    >>> make_cohort(3, seed=0)[["sex", "age", "total_testosterone", "shbg"]].round(2)
          sex   age  total_testosterone   shbg
    0  female  75.0                0.49   74.23
    1    male  20.0               25.17   33.06
    2    male  64.0               20.79  101.31
    >>> cohort = make_cohort(1000, seed=1)
    >>> cohort.shape
    (1000, 31)
    >>> sorted(cohort["sex"].unique())
    ['female', 'male']
    >>> bool(make_cohort(5, seed=3).equals(make_cohort(5, seed=3)))
    True
    """
    import pandas as pd
    from scipy.special import ndtri

    from labstats._validate import as_count
    from labstats.datasets.nhanes import COLUMNS

    n = as_count(n, "n", low=0, what="people in the cohort")
    lo_age, hi_age = (as_count(a, "age_range", low=0, what="whole years") for a in age_range)
    if not 20 <= lo_age <= hi_age <= 80:
        raise ValueError(f"age_range must lie within 20-80 years, got {tuple(age_range)}")
    cal = calibration()
    rng = np.random.default_rng(seed)
    ages = np.arange(20, 81)
    keep = (ages >= lo_age) & (ages <= hi_age)
    weights = {s: np.asarray(cal["age_weights"][s]) * keep for s in ("male", "female")}
    total = weights["male"].sum() + weights["female"].sum()
    is_male = rng.random(n) < weights["male"].sum() / total
    analytes = cal["analytes"]
    # LDL is not drawn but computed from the row's lipids, as NCHS computes it. Drawn by the
    # copula, it made impossible profiles (LDL + HDL above TC in 7.6 % of rows), and its
    # correlations, estimated on the fasting subsample, made 5 of the 12 matrices not
    # positive definite (LDL is almost a linear function of TC, HDL and TG).
    drawn = [j for j, a in enumerate(analytes) if a != _COMPUTED]
    # One float block: age, the analytes, then the three weights (no copies later).
    block = np.empty((len(analytes) + 4, n))
    block[1 + analytes.index(_COMPUTED)] = 0.0  # computed after the draw
    age = block[0]
    for sex, mask in (("male", is_male), ("female", ~is_male)):
        cdf = np.cumsum(weights[sex]) / weights[sex].sum()
        age[mask] = ages[np.minimum(np.searchsorted(cdf, rng.random(mask.sum()), "right"),
                                    len(ages) - 1)]
    # Gaussian copula: interpolate the log-quantiles against normal scores directly.
    z_knots = ndtri(np.asarray(cal["probabilities"]))
    for cell in cal["cells"]:
        lo, hi = cell["age_band"]
        rows = np.flatnonzero((is_male == (cell["sex"] == "male")) & (age >= lo) & (age <= hi))
        if rows.size == 0:
            continue
        spearman = np.asarray(cell["spearman"])[np.ix_(drawn, drawn)]
        z = _copula_cholesky(spearman) @ rng.standard_normal((len(drawn), rows.size))
        for zj, j in zip(z, drawn, strict=True):
            logq = np.log(np.asarray(cell["quantiles"][analytes[j]]))
            block[1 + j, rows] = np.interp(zj, z_knots, logq)
    np.exp(block[1:1 + len(analytes)], out=block[1:1 + len(analytes)])
    for a in _LOD_GAP:  # below the detection limit LLOD = fill sqrt(2): the fill value
        row, fill = block[1 + analytes.index(a)], cal["below_lod_fill"][a]
        row[(row > fill) & (row < fill * np.sqrt(2.0))] = fill
    # Each row stands for an equal share of the adult population in age_range.
    block[1 + len(analytes):] = total / max(n, 1)
    names = ["age", *analytes, "weight_exam", "weight_fasting", "weight_hormone"]
    frame = pd.DataFrame(block.T, columns=names, copy=False)
    # the copula's tails can pair a high HDL with a low total cholesterol: impossible, so
    # that HDL is missing (5 rows in 20,000 at seed 0), not a negative non-HDL cholesterol
    frame.loc[frame["hdl_cholesterol"] >= frame["total_cholesterol"], "hdl_cholesterol"] = np.nan
    frame[_COMPUTED] = _friedewald_as_nchs(frame["total_cholesterol"].to_numpy(),
                                           frame["hdl_cholesterol"].to_numpy(),
                                           frame["triglycerides"].to_numpy())
    frame.insert(0, "seqn", np.arange(1, n + 1, dtype=np.int64))
    frame.insert(1, "cycle", _strings(np.zeros(n, np.int8), ["synthetic"]))
    frame.insert(2, "sex", _strings(is_male.astype(np.int8), ["female", "male"]))
    frame.insert(4, "pregnant", pd.arrays.BooleanArray(np.zeros(n, bool),
                                                       is_male | (age > 44)))
    for a, fill in cal["below_lod_fill"].items():
        values = frame[a].to_numpy()
        if not fill:
            flag = np.zeros(n, bool)
        elif a in _LOD_GAP:  # at a fill value (2013-2014's is a little lower) or below
            flag = values <= fill * (1 + 1e-9)
        else:  # insulin: below the fill value are 2013-2014 results, measured
            flag = np.abs(values - fill) <= 1e-9 * fill
        frame[f"{a}_below_lod"] = pd.arrays.BooleanArray(flag, np.zeros(n, bool))
    frame["psu"] = rng.integers(1, 3, n)
    frame["strata"] = rng.integers(1, 16, n)
    for col in COLUMNS:  # not simulated (body weight and height; months: adults only): NaN
        if col not in frame.columns:
            frame[col] = np.nan
    return frame[list(COLUMNS)]


def _friedewald_as_nchs(tc, hdl, tg):
    """LDL cholesterol [mmol/L] as NCHS computes NHANES LBDLDL: Friedewald's TC - HDL - TG/5
    in mg/dL (TG/2.183 in mmol/L), for TG up to 400 mg/dL; NaN above (NCHS leaves it
    missing), where HDL is missing, and where the result is not positive (TG/2.183 not below
    the non-HDL cholesterol: an impossible profile NHANES 2013-2016 never reports)."""
    from labstats import constants
    from labstats.units import convert

    tg_mg = convert(1.0, "triglycerides", "mmol/L", "mg/dL")  # 88.57 mg/dL per mmol/L
    chol_mg = convert(1.0, "total_cholesterol", "mmol/L", "mg/dL")  # 38.665
    ldl = tc - hdl
    ldl -= tg * (tg_mg / chol_mg / constants.FRIEDEWALD_TG_DIVISOR_MG_DL)
    # 400 mg/dL itself is computed, as NCHS does (ldl_cholesterol's inclusive limit)
    ldl[(tg * tg_mg > constants.FRIEDEWALD_TG_LIMIT_MG_DL * (1 + 1e-12)) | ~(ldl > 0)] = np.nan
    return ldl


def _strings(codes, labels):
    """Text column from integer codes, built in Arrow (much faster than Python strings)."""
    import pandas as pd
    import pyarrow as pa

    arr = pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(labels)).cast(pa.string())
    target = pd.Series(["x"]).dtype  # what read_nhanes's text columns get: str or object
    if isinstance(target, np.dtype):  # object: pandas 2 without the future string option
        return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)
    return pd.array(arr, dtype=target)
