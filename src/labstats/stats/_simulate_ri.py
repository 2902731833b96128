"""Simulated routine-lab data with a known reference interval, after RIbench's design.

Ammer et al. 2022 (Clin Chem 68:1410-24, doi:10.1093/clinchem/hvac142) benchmark
indirect methods on mixtures of a non-pathological (NP) distribution with a known
2.5th-97.5th percentile interval and pathological values. This generator follows that
design with numpy's seeded RNG (RIbench's R seeds cannot be reproduced bit for bit):

* NP: x = BoxCox^-1(N(mu, sigma), lambda) + shift, the ten analytes of RIbench's
  specification table (``ANALYTES``: normal, skewed, heavily skewed, shifted), values
  outside the Box-Cox range redrawn (the truncated model).
* Pathological fraction ``p_path`` (0-0.6), split left:right by ``side`` ("both" 1:1,
  "left", "right"), each an untransformed normal placed by ``overlap``: its mean lies
  ``overlap`` NP-interval half-widths beyond the NP limit on its side (0.5 high,
  1 medium, 2 low overlap), its SD 0.5 half-widths; left values below the smallest
  reportable value are redrawn (a truncated normal), not piled up at it. RIbench moves the pathological
  mean by a per-analyte overlap column whose exact definition we could not verify, so
  this placement is our own, documented here.
* 0.1 % uniform noise on [0, 10 URL] and rounding to the analyte's decimals, as RIbench.
* Optional detection limit ``lod_quantile``: values below that quantile of the mixture
  are reported as censored (flag True, value = the LOD).

``true_interval`` gives the exact NP percentiles (from the model, not from a sample).
"""

from __future__ import annotations

import numpy as np

from labstats.stats._ri_model import inv_bc, model_quantile

#: RIbench specification (Ammer et al. 2022, Table 1 / RIbench SpecificationTestSets.csv
#: as transcribed in the team's digest): lambda, mu, sigma, shift, decimals.
ANALYTES = {
    "Hb": (1.0, 13.0 - 1.0, 1.0204, 0.0, 1),
    "Ca": (1.0, 1.3254, 0.0894, 0.0, 2),
    "FT4": (0.432, 5.4709, 0.5171, 0.0, 1),
    "AST": (0.0, 3.0972, 0.2338, 0.0, 0),
    "LACT": (0.0, 0.048, 0.378, 0.0, 1),
    "GGT": (0.0, 3.1073, 0.4106, 0.0, 0),
    "TSH": (0.0, 0.0, 0.7073, 0.0, 2),
    "IgE": (0.0, 2.571, 1.1047, 0.0, 0),
    "CRP": (0.0, -1.1237, 1.6618, 0.0, 1),
    "LDH": (0.0613, 4.7345, 0.3882, 100.0, 0),
}
#: Shape class of each analyte (RIbench's grouping).
SHAPE = {"Hb": "normal", "Ca": "normal", "FT4": "normal", "AST": "skewed", "LACT": "skewed",
         "GGT": "skewed", "TSH": "heavily skewed", "IgE": "heavily skewed",
         "CRP": "heavily skewed", "LDH": "shifted"}


def true_interval(analyte: str, limits=(0.025, 0.975)):
    """Exact NP percentiles of ``analyte`` (the truncated Box-Cox normal's quantiles)."""
    lam, mu, sigma, shift, _ = ANALYTES[analyte]
    return model_quantile(np.asarray(limits, float), lam, mu, sigma, shift)


def _np_values(rng, analyte, n):
    lam, mu, sigma, shift, _ = ANALYTES[analyte]
    out = np.empty(0)
    while out.size < n:
        y = rng.normal(mu, sigma, 2 * (n - out.size) + 10)
        if lam > 1e-9:
            y = y[y > -1.0 / lam]
        out = np.r_[out, inv_bc(y, lam) + shift]
    return out[:n]


def _positive_normal(rng, mean, sd, n, low):
    """Normal values redrawn until all are >= ``low`` (lab results are positive)."""
    out = np.empty(0)
    while out.size < n:
        v = rng.normal(mean, sd, 2 * (n - out.size) + 10)
        out = np.r_[out, v[v >= low]]
    return out[:n]


def simulate(analyte: str, n: int, *, p_path: float = 0.0, side: str = "both",
             overlap: float = 1.0, lod_quantile: float | None = None, seed: int = 0):
    """One simulated data set.

    Returns
    -------
    dict
        ``values`` (float array, shuffled), ``censored`` (bool array), ``uncensored``
        (the values before the detection limit was applied), ``is_np`` (bool:
        drawn from the NP distribution), ``truth`` (lower, upper), ``lod`` (or None),
        ``analyte``, ``shape``, ``n``, ``p_path``, ``side``, ``overlap``.
    """
    rng = np.random.default_rng(seed)
    lam, mu, sigma, shift, dec = ANALYTES[analyte]
    lo, hi = true_interval(analyte)
    med = float(model_quantile(0.5, lam, mu, sigma, shift))
    n_path = int(round(p_path * n))
    if side == "both":
        n_left = n_path // 2
    else:
        n_left = n_path if side == "left" else 0
    n_right = n_path - n_left
    n_np = n - n_path
    x_np = _np_values(rng, analyte, n_np)
    half_l, half_r = med - lo, hi - med
    x_l = _positive_normal(rng, lo - overlap * half_l, 0.5 * half_l, n_left, 10.0 ** -dec)
    x_r = rng.normal(hi + overlap * half_r, 0.5 * half_r, n_right)
    x = np.r_[x_np, x_l, x_r]
    is_np = np.r_[np.ones(n_np, bool), np.zeros(n_path, bool)]
    noise = rng.random(n) < 0.001
    x[noise] = rng.uniform(0, 10 * hi, noise.sum())
    is_np[noise] = False
    x = np.round(np.maximum(x, 10.0 ** -dec), dec)
    order = rng.permutation(n)
    x, is_np = x[order], is_np[order]
    raw = x.copy()
    cens = np.zeros(n, bool)
    lod = None
    if lod_quantile is not None:
        lod = float(np.quantile(x, lod_quantile))
        cens = x < lod
        x = np.where(cens, lod, x)
    return {"values": x, "censored": cens, "uncensored": raw, "is_np": is_np, "truth": (float(lo), float(hi)),
            "lod": lod, "analyte": analyte, "shape": SHAPE[analyte], "n": n,
            "p_path": p_path, "side": side, "overlap": overlap}
