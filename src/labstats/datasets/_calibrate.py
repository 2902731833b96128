"""Derive the synthetic cohort's calibration figures from the real NHANES files.

Run by hand (it needs the CDC files, not shipped with labstats)::

    python -m labstats.datasets._calibrate ../shared/data/nhanes

It writes ``cohort_calibration.json`` beside this file: for adults aged 20-80 of
NHANES 2013-2014 and 2015-2016 (pooled, weights halved as NCHS prescribes; pregnant
women excluded), by sex and age band, the survey-weighted quantiles of each analyte
(exam weight WTMEC2YR; fasting weight WTSAF2YR for glucose, insulin, triglycerides and
LDL) and the survey-weighted Spearman correlation matrix (pairwise complete), plus the
weighted age distribution by sex and the population total. LDL's figures are stored for
reference (the tests compare with them): ``make_cohort`` does not draw LDL but computes it
from total and HDL cholesterol and triglycerides, as NCHS computes LBDLDL (Friedewald).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

#: Analytes of the synthetic cohort (columns of read_nhanes).
ANALYTES = ("total_testosterone", "estradiol", "shbg", "albumin", "creatinine", "glucose",
            "insulin", "triglycerides", "ldl_cholesterol", "hdl_cholesterol",
            "total_cholesterol", "hba1c", "bmi", "waist")
FASTING = ("glucose", "insulin", "triglycerides", "ldl_cholesterol")
#: Age bands [years], inclusive; 80 is the NHANES top code ("80 or older").
AGE_BANDS = ((20, 29), (30, 39), (40, 49), (50, 59), (60, 69), (70, 80))
#: Probabilities at which quantiles are stored.
PROBABILITIES = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45,
                 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995,
                 0.999)
OUTPUT = Path(__file__).with_name("cohort_calibration.json")


def weighted_quantiles(x, w, probs) -> np.ndarray:
    """Weighted quantiles by linear interpolation of the mid-point weighted CDF."""
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(probs, cdf, x)


def _weighted_ranks(x, w) -> np.ndarray:
    """Mid-point weighted CDF of each value (ties share their mean rank)."""
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cum = np.cumsum(ws)
    # ties: each distinct value gets the mid-point of its block
    starts = np.r_[True, xs[1:] != xs[:-1]]
    block = np.cumsum(starts) - 1
    hi = np.zeros(block[-1] + 1)
    np.maximum.at(hi, block, cum)
    lo = hi - np.bincount(block, weights=ws)
    ranks = np.empty_like(x)
    ranks[order] = (lo[block] + hi[block]) / 2 / cum[-1]
    return ranks


def weighted_spearman(x, y, w) -> float:
    """Survey-weighted Spearman correlation: weighted Pearson of weighted ranks."""
    rx, ry = _weighted_ranks(x, w), _weighted_ranks(y, w)
    mx, my = np.average(rx, weights=w), np.average(ry, weights=w)
    cov = np.average((rx - mx) * (ry - my), weights=w)
    return float(cov / np.sqrt(np.average((rx - mx) ** 2, weights=w)
                               * np.average((ry - my) ** 2, weights=w)))


def _weight(frame, analyte):
    return frame["weight_fasting" if analyte in FASTING else "weight_exam"].to_numpy()


def calibrate(directory) -> dict:
    """The calibration figures as a JSON-ready dict."""
    from labstats.datasets.nhanes import COLUMNS, read_nhanes

    nh = read_nhanes(directory, ("2013-2014", "2015-2016"))
    pregnant = nh["pregnant"].fillna(False).to_numpy(dtype=bool)
    adults = nh[(nh["age"] >= 20).to_numpy() & (nh["weight_exam"] > 0).to_numpy() & ~pregnant]
    out = {
        "description": "Survey-weighted calibration figures of labstats.make_cohort",
        "source": "NHANES 2013-2014 and 2015-2016 (CDC/NCHS public-use files DEMO, TST, "
                  "BIOPRO, GLU, INS, TRIGLY, HDL, TCHOL, GHB, BMX; public domain), adults "
                  "20-80 years, pregnant women excluded, weights WTMEC2YR/2 and WTSAF2YR/2",
        "generated_by": "python -m labstats.datasets._calibrate <folder with the CDC files>",
        "analytes": list(ANALYTES),
        "units": {a: COLUMNS[a][0] for a in ANALYTES},
        "probabilities": list(PROBABILITIES),
        "age_bands": [list(b) for b in AGE_BANDS],
        "population": float(adults["weight_exam"].sum()),
        "age_weights": {},
        "below_lod_fill": {},
        "cells": [],
    }
    for a in ("total_testosterone", "estradiol", "shbg", "insulin"):
        flagged = adults.loc[adults[f"{a}_below_lod"].fillna(False).to_numpy(dtype=bool), a]
        out["below_lod_fill"][a] = float(flagged.max()) if len(flagged) else None
    ages = np.arange(20, 81)
    for sex in ("male", "female"):
        s = adults[adults["sex"] == sex]
        out["age_weights"][sex] = [float(s.loc[s["age"] == a, "weight_exam"].sum())
                                   for a in ages]
        for lo, hi in AGE_BANDS:
            cell = s[(s["age"] >= lo) & (s["age"] <= hi)]
            quant, n_obs = {}, {}
            for a in ANALYTES:
                w = _weight(cell, a)
                ok = cell[a].notna().to_numpy() & (w > 0)
                n_obs[a] = int(ok.sum())
                quant[a] = weighted_quantiles(cell[a].to_numpy()[ok], w[ok],
                                              PROBABILITIES).tolist()
            rho = np.eye(len(ANALYTES))
            for i, a in enumerate(ANALYTES):
                for j in range(i + 1, len(ANALYTES)):
                    b = ANALYTES[j]
                    w = _weight(cell, a if a in FASTING else b)
                    ok = (cell[a].notna() & cell[b].notna()).to_numpy() & (w > 0)
                    rho[i, j] = rho[j, i] = weighted_spearman(
                        cell[a].to_numpy()[ok], cell[b].to_numpy()[ok], w[ok])
            out["cells"].append({"sex": sex, "age_band": [lo, hi], "n_obs": n_obs,
                                 "quantiles": quant, "spearman": rho.round(6).tolist()})
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m labstats.datasets._calibrate <folder with the NHANES files>")
        return 2
    figures = calibrate(argv[0])
    OUTPUT.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
