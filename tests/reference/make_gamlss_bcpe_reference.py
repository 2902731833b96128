"""Reference BCPE values and fits by the Python port of gamlss (test-only ORACLE; run by hand).

gamlss 0.1.0 (PyPI; github.com/fzhao70/gamlss-python; GPL-3.0-only, a port of R gamlss
5.5-0 / gamlss.dist 6.1-1) is never imported by labstats nor a dependency: this script ran
it once and stored its output (the pattern of ``make_gamlss_reference.py`` for BCCG).

1. ``gamlss_bcpe_dist_reference.csv.xz``: ``dBCPE`` (log density), ``pBCPE`` and ``qBCPE``
   of the Box-Cox power exponential (Rigby & Stasinopoulos 2004, truncated as gamlss
   defines it) on a grid: M = 10; L in {-2, -0.5, 0, 0.5, 2}; S in {0.05, 0.2, 0.6};
   tau in {0.8, 1, 1.5, 2, 3, 6}; p in {0.001, 0.03, 0.25, 0.5, 0.75, 0.97, 0.999}. The
   density and CDF are evaluated at the quantiles. Columns: L, M, S, tau, p, y (qBCPE),
   logpdf (dBCPE log=True), cdf (pBCPE at y).
2. ``gamlss_bcpe_fit_reference.csv.xz``: BCPEo (log mu, log sigma, identity nu, log tau)
   fitted by maximum likelihood with gamlss' RS algorithm to a deviance change below 1e-10,
   mu, sigma and nu cubic B-splines of age on 4 equal intervals over the age range widened
   by 1% (7 columns, b1..b6 after the intercept), tau a constant (``tau_formula="~1"``).
   labstats' ``_lms_fit.fit_one(..., family="bcpe")`` fits the same model with df 7 for
   L, M, S (no penalty) and df 1 for tau. Cases:

   * ``simulated``: 2,000 draws from a BCPE with linear mu, sigma, nu in age 2-20 and
     tau = 1.5 (seed 2024);
   * ``nhanes_tt_men``: total testosterone (nmol/L) of the same 1,500 men aged 20-80 as
     the BCCG reference (``load_nhanes()``, seed 1), MEC/hormone weights rescaled to mean 1.

   Columns: case, age, y, w, mu, sigma, nu, tau (fitted values per row), p3, p50, p97
   (``qBCPEo``), deviance (global deviance of the case).

Usage (from the project root, gamlss installed by hand: ``pip install gamlss==0.1.0``)::

    python tests/reference/make_gamlss_bcpe_reference.py
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_gamlss_reference import basis  # noqa: E402  (the same fixed basis as for BCCG)
from make_gamlss_reference import cases as bccg_cases  # noqa: E402

DIST = HERE / "gamlss_bcpe_dist_reference.csv.xz"
FIT = HERE / "gamlss_bcpe_fit_reference.csv.xz"


def dist_grid(gl, family="BCPE", taus=(0.8, 1.0, 1.5, 2.0, 3.0, 6.0)) -> pd.DataFrame:
    """d, p and q of ``family`` ("BCPE" or "BCT") on the grid of the module docstring."""
    rows = list(itertools.product([-2.0, -0.5, 0.0, 0.5, 2.0], [10.0], [0.05, 0.2, 0.6],
                                  list(taus),
                                  [0.001, 0.03, 0.25, 0.5, 0.75, 0.97, 0.999]))
    g = pd.DataFrame(rows, columns=["L", "M", "S", "tau", "p"])
    args = {"mu": g["M"].to_numpy(), "sigma": g["S"].to_numpy(), "nu": g["L"].to_numpy(),
            "tau": g["tau"].to_numpy()}
    g["y"] = getattr(gl, f"q{family}")(g["p"].to_numpy(), **args)
    g["logpdf"] = getattr(gl, f"d{family}")(g["y"].to_numpy(), log=True, **args)
    g["cdf"] = getattr(gl, f"p{family}")(g["y"].to_numpy(), **args)
    return g


def cases(gl, family="BCPE", tau=1.5) -> dict:
    rng = np.random.default_rng(2024)
    n = 2000
    age = rng.uniform(2, 20, n)
    mu, sigma, nu = 16 + 0.3 * (age - 2), 0.08 + 0.004 * age, -1.5 + 0.05 * age
    y = getattr(gl, f"q{family}")(rng.uniform(size=n), mu=mu, sigma=sigma, nu=nu, tau=tau)
    sim = pd.DataFrame({"age": age, "y": y, "w": 1.0})
    tt = bccg_cases()["nhanes_tt_men"]  # the same 1,500 men as the BCCG reference
    return {"simulated": sim, "nhanes_tt_men": tt}


def main(family="BCPE", taus=(0.8, 1.0, 1.5, 2.0, 3.0, 6.0), tau=1.5, dist=DIST,
         fit=FIT, smooth_tau=()) -> int:
    """Write both files for ``family`` ("BCPE"; "BCT" from make_gamlss_bct_reference);
    the cases named in ``smooth_tau`` are fitted a second time with log tau on the same
    basis as the other parameters (case name + "_smooth_tau")."""
    import gamlss as gl

    dist_grid(gl, family, taus).to_csv(dist, index=False, float_format="%.17g")
    print(f"wrote {dist}")
    parts = []
    runs = [(name, frame, False) for name, frame in cases(gl, family, tau).items()]
    runs += [(name, frame, True) for name, frame, _ in runs if name in smooth_tau]
    for name, frame, smooth in runs:
        B = basis(frame["age"].to_numpy())
        data = frame.assign(**{f"b{j}": B[:, j] for j in range(1, B.shape[1])})
        terms = " + ".join(f"b{j}" for j in range(1, B.shape[1]))
        name = name + "_smooth_tau" if smooth else name
        m = gl.gamlss(f"y ~ {terms}", sigma_formula=f"~ {terms}", nu_formula=f"~ {terms}",
                      tau_formula=f"~ {terms}" if smooth else "~1",
                      family=getattr(gl, f"{family}o")(), data=data,
                      weights=data["w"].to_numpy(),
                      control=gl.gamlss_control(c_crit=1e-10, n_cyc=1000, trace=False),
                      i_control=gl.glim_control(cc=1e-10, cyc=200, bf_tol=1e-10))
        p = {k: np.asarray(getattr(m, f"{k}_fv")) for k in ("mu", "sigma", "nu", "tau")}
        out = frame.assign(case=name, **p, deviance=float(m.G_deviance))
        for q in (3, 50, 97):
            out[f"p{q}"] = getattr(gl, f"q{family}o")(q / 100, **p)
        parts.append(out[["case", "age", "y", "w", "mu", "sigma", "nu", "tau", "p3", "p50",
                          "p97", "deviance"]])
        print(name, "deviance", float(m.G_deviance), "tau", p["tau"][0])
    pd.concat(parts, ignore_index=True).to_csv(fit, index=False, float_format="%.17g")
    print(f"wrote {fit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
