"""Reference BCT values and fits by the Python port of gamlss (test-only ORACLE; run by hand).

gamlss 0.1.0 (PyPI; github.com/fzhao70/gamlss-python; GPL-3.0-only, a port of R gamlss
5.5-0 / gamlss.dist 6.1-1) is never imported by labstats nor a dependency: this script ran
it once and stored its output, through ``make_gamlss_bcpe_reference.py`` (the same grid
of L, S and p, cases and fixed basis, with the family "BCT" and its own taus).

1. ``gamlss_bct_dist_reference.csv.xz``: ``dBCT`` (log density), ``pBCT`` and ``qBCT`` of
   the Box-Cox t (Rigby & Stasinopoulos 2006, truncated as gamlss defines it) on a grid:
   M = 10; L in {-2, -0.5, 0, 0.5, 2}; S in {0.05, 0.2, 0.6}; tau in {0.8, 1, 2, 5, 10,
   30, 1000}; p in {0.001, 0.03, 0.25, 0.5, 0.75, 0.97, 0.999}. The density and CDF are
   evaluated at the quantiles. Columns: L, M, S, tau, p, y (qBCT), logpdf (dBCT
   log=True), cdf (pBCT at y). (L = 0, S = 0.6, tau = 0.8 overflows at p = 0.001/0.999.)
2. ``gamlss_bct_fit_reference.csv.xz``: BCTo (log mu, log sigma, identity nu, log tau)
   fitted exactly as ``make_gamlss_bcpe_reference.py`` fits BCPEo (the same fixed 7-column
   basis, constant tau, the same two cases and columns), the simulated case drawn from a
   BCT with tau = 5; and case ``simulated_smooth_tau``: the simulated data again with log
   tau on the same 7-column basis (``tau_formula="~ b1 + ... + b6"``). labstats'
   ``_lms_fit.fit_one(..., family="bct")`` fits the same models (df 7 for T in the last).

Usage (from the project root, gamlss installed by hand: ``pip install gamlss==0.1.0``)::

    python tests/reference/make_gamlss_bct_reference.py
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_gamlss_bcpe_reference as bcpe  # noqa: E402  (the same grid, cases and fits)

DIST = HERE / "gamlss_bct_dist_reference.csv.xz"
FIT = HERE / "gamlss_bct_fit_reference.csv.xz"


def main() -> int:
    warnings.simplefilter("ignore")  # the port's overflow warnings on the grid's extremes
    return bcpe.main("BCT", taus=(0.8, 1.0, 2.0, 5.0, 10.0, 30.0, 1000.0), tau=5.0,
                     dist=DIST, fit=FIT, smooth_tau=("simulated",))


if __name__ == "__main__":
    sys.exit(main())
