"""Reference BCCG fits by the Python port of gamlss (test-only ORACLE; run by hand).

gamlss 0.1.0 (PyPI; github.com/fzhao70/gamlss-python; GPL-3.0-only, a port of R gamlss
5.5-0 / gamlss.dist 6.1-1) is never imported by labstats nor a dependency: this script ran
it once and stored its output in ``gamlss_bccgo_reference.csv.xz`` (the project's pattern for
R references). 0.1.0 has no ``pb()`` smoother, so the comparison is on a fixed basis: every
parameter of the BCCGo family (log mu, log sigma, identity nu; Rigby & Stasinopoulos 2004)
is a cubic B-spline of age on 4 equal intervals over the age range widened by 1% on each
side (7 columns, passed to gamlss as data columns b1..b6 after the intercept), fitted by
maximum likelihood with gamlss' RS algorithm to a deviance change below 1e-10. labstats'
``_lms_fit.fit_one`` fits the same model with no penalty (df = 7 = number of coefficients).

Cases:
* ``simulated``: 2,000 draws from a BCCG with linear mu, sigma, nu in age 2-20 (seed 2024).
* ``nhanes_tt_men``: total testosterone (nmol/L) of 1,500 men aged 20-80 drawn (seed 1)
  from the NHANES 2011-2016 extract embedded in labstats (``load_nhanes()``), with their
  MEC/hormone weights ``weight_hormone`` rescaled to mean 1 (gamlss ``weights=``).

Columns: case, age, y, w, mu, sigma, nu (gamlss' fitted values per row), p3, p50, p97
(``qBCCGo`` at 0.03/0.5/0.97), deviance (gamlss' global deviance of the case).

Usage (from the project root, gamlss installed by hand: ``pip install gamlss==0.1.0``)::

    python tests/reference/make_gamlss_reference.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.interpolate import BSpline
from scipy.special import ndtr, ndtri

OUT = Path(__file__).with_name("gamlss_bccgo_reference.csv.xz")
N_INTERVALS = 4


def basis(age: np.ndarray) -> np.ndarray:
    lo, hi = age.min(), age.max()
    span = hi - lo
    lo, hi = lo - 0.01 * span, hi + 0.01 * span
    step = (hi - lo) / N_INTERVALS
    knots = lo + step * np.arange(-3, N_INTERVALS + 4)
    return BSpline.design_matrix(age, knots, 3).toarray()


def cases() -> dict:
    rng = np.random.default_rng(2024)
    n = 2000
    age = rng.uniform(2, 20, n)
    mu, sigma, nu = 16 + 0.3 * (age - 2), 0.08 + 0.004 * age, -1.5 + 0.05 * age
    z = ndtri(rng.uniform(size=n) * ndtr(1 / (sigma * np.abs(nu))))
    sim = pd.DataFrame({"age": age, "y": mu * (1 + nu * sigma * z) ** (1 / nu), "w": 1.0})
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    import labstats

    d = labstats.load_nhanes()
    men = d[(d["sex"] == "male") & d["total_testosterone"].notna() & d["age"].between(20, 80)]
    men = men.sample(1500, random_state=1)
    tt = pd.DataFrame({"age": men["age"].to_numpy(float),
                       "y": men["total_testosterone"].to_numpy(float),
                       "w": (men["weight_hormone"] / men["weight_hormone"].mean()).to_numpy()})
    return {"simulated": sim, "nhanes_tt_men": tt}


def main() -> int:
    import gamlss as gl

    parts = []
    for name, frame in cases().items():
        B = basis(frame["age"].to_numpy())
        data = frame.assign(**{f"b{j}": B[:, j] for j in range(1, B.shape[1])})
        terms = " + ".join(f"b{j}" for j in range(1, B.shape[1]))
        m = gl.gamlss(f"y ~ {terms}", sigma_formula=f"~ {terms}", nu_formula=f"~ {terms}",
                      family=gl.BCCGo(), data=data, weights=data["w"].to_numpy(),
                      control=gl.gamlss_control(c_crit=1e-10, n_cyc=500, trace=False),
                      i_control=gl.glim_control(cc=1e-10, cyc=200, bf_tol=1e-10))
        p = {"mu": np.asarray(m.mu_fv), "sigma": np.asarray(m.sigma_fv),
             "nu": np.asarray(m.nu_fv)}  # fitted values (no re-fit for prediction)
        out = frame.assign(case=name, mu=p["mu"], sigma=p["sigma"], nu=p["nu"],
                           deviance=float(m.G_deviance))
        for q in (3, 50, 97):
            out[f"p{q}"] = gl.qBCCGo(q / 100, mu=p["mu"], sigma=p["sigma"], nu=p["nu"])
        parts.append(out[["case", "age", "y", "w", "mu", "sigma", "nu", "p3", "p50", "p97",
                          "deviance"]])
    pd.concat(parts, ignore_index=True).to_csv(OUT, index=False, float_format="%.17g")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
