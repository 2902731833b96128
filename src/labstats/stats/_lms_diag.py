"""Diagnostics of a centile fit (Q-statistics, worm plots) and design-based replicate weights.

* Q-statistics (Royston & Wright 2000): residuals cut into G age groups; per group the
  standardised mean Z1 = sqrt(n) mean, variance Z2 (Wilson-Hilferty cube root of the
  variance with divisor n), skewness Z3 (D'Agostino) and kurtosis Z4 (Anscombe-Glynn);
  Q_j = sum over groups of Z_j^2, referred to chi-square with G - edf(M), G - (edf(S)+1)/2,
  G - edf(L) and G - edf(tau) (G without a tau curve) degrees of freedom (the convention
  of gamlss' ``Q.stats``).
* Worm plot (van Buuren & Fredriks 2001): per age group, the ordered residuals minus their
  normal quantiles against those quantiles, with the pointwise 95% band
  +-1.96 sqrt(p(1-p)/n) / phi(q).
* Rao-Wu (1988) bootstrap replicate weights: in each stratum draw n_h - 1 of its n_h PSUs
  with replacement; weight x n_h/(n_h - 1) x times drawn (R survey's ``subbootweights``).

References
----------
.. [1] P. Royston and E. M. Wright, "Goodness-of-fit statistics for age-specific reference
   intervals," Stat. Med., vol. 19, no. 21, pp. 2943-2962, 2000.
.. [2] S. van Buuren and M. Fredriks, "Worm plot: a simple diagnostic device for modelling
   growth reference curves," Stat. Med., vol. 20, no. 8, pp. 1259-1277, 2001,
   doi:10.1002/sim.746.
.. [3] J. N. K. Rao and C. F. J. Wu, "Resampling inference with complex survey data,"
   J. Am. Stat. Assoc., vol. 83, no. 401, pp. 231-241, 1988.
"""

from __future__ import annotations

import numpy as np


def _age_groups(age: np.ndarray, groups: int) -> np.ndarray:
    """Group number 0..G-1 by equal-count age groups (ties kept together)."""
    order = np.argsort(age, kind="stable")
    g = np.empty(age.size, dtype=np.int64)
    g[order] = (np.arange(age.size) * groups) // age.size
    # ties: every row of one age in the group of its first occurrence
    first = np.searchsorted(age[order], age, side="left")
    return g[order][first]


def qstats(age, resid, edf: dict, groups: int = 10):
    """Q-statistics of Royston & Wright (2000) as a DataFrame (one row per statistic)."""
    import pandas as pd
    from scipy import stats

    ok = np.isfinite(resid) & np.isfinite(age)
    age, r = age[ok], resid[ok]
    g = _age_groups(age, groups)
    rows = []
    for k in np.unique(g):
        x = r[g == k]
        n = x.size
        s = np.sqrt(np.mean((x - x.mean()) ** 2))
        c = 2.0 / (9.0 * (n - 1))
        z3 = stats.skewtest(x).statistic if n >= 8 else np.nan
        z4 = stats.kurtosistest(x).statistic if n >= 20 else np.nan
        rows.append((age[g == k].min(), age[g == k].max(), n, np.sqrt(n) * x.mean(),
                     (s ** (2.0 / 3.0) - (1.0 - c)) / np.sqrt(c), z3, z4))
    per = pd.DataFrame(rows, columns=["age_low", "age_high", "n", "z1", "z2", "z3", "z4"])
    G = len(per)
    # Q4: G - edf(tau) when tau was fitted (BCPE), G otherwise (gamlss' Q.stats)
    dfs = {"z1": G - edf["M"], "z2": G - (edf["S"] + 1.0) / 2.0, "z3": G - edf["L"],
           "z4": G - edf.get("T", 0.0)}
    out = []
    for j, name in (("z1", "Q1 mean"), ("z2", "Q2 variance"), ("z3", "Q3 skewness"),
                    ("z4", "Q4 kurtosis")):
        q = float(np.nansum(per[j] ** 2))
        out.append({"statistic": name, "Q": q, "df": dfs[j],
                    "p_value": float(stats.chi2.sf(q, dfs[j])) if dfs[j] > 0 else np.nan})
    return pd.DataFrame(out), per


def worm(age, resid, groups: int = 4):
    """Worm-plot data: group, age range, normal quantile, deviation, 95% band."""
    import pandas as pd
    from scipy.special import ndtri
    from scipy.stats import norm

    ok = np.isfinite(resid) & np.isfinite(age)
    age, r = age[ok], resid[ok]
    g = _age_groups(age, groups)
    parts = []
    for k in np.unique(g):
        x = np.sort(r[g == k])
        n = x.size
        p = (np.arange(1, n + 1) - (0.375 if n <= 10 else 0.5)) / (n + (0.25 if n <= 10 else 0.0))
        q = ndtri(p)
        band = 1.96 * np.sqrt(p * (1 - p) / n) / norm.pdf(q)
        parts.append(pd.DataFrame({"group": int(k), "age_low": age[g == k].min(),
                                   "age_high": age[g == k].max(), "quantile": q,
                                   "deviation": x - q, "band_low": -band, "band_high": band}))
    return pd.concat(parts, ignore_index=True)


def rao_wu_weights(w: np.ndarray, stratum: np.ndarray, psu: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """One Rao-Wu bootstrap replicate of the weights ``w`` (n_h - 1 PSUs per stratum).

    Strata with a single PSU keep their weights (they contribute no between-PSU variance).
    """
    n_psu = int(psu.max()) + 1
    psu_stratum = np.zeros(n_psu, dtype=np.int64)
    psu_stratum[psu] = stratum
    factor = np.ones(n_psu)
    for h in np.unique(psu_stratum):
        members = np.flatnonzero(psu_stratum == h)
        nh = members.size
        if nh < 2:
            continue
        drawn = np.bincount(rng.integers(0, nh, nh - 1), minlength=nh)
        factor[members] = drawn * nh / (nh - 1.0)
    return w * factor[psu]
