"""BCT on data no heavier-tailed than the normal: tau -> infinity, the BCCG limit.

The t distribution tends to the normal as its degrees of freedom grow, so BCT with tau ->
infinity is BCCG (Rigby & Stasinopoulos 2006, Stat. Model. 6:209-229, section 2). On
near-normal data the BCT likelihood rises for ever with tau. Before, the functions of tau
alone lost their digits as tau grew (differences of log-gammas, digammas, trigammas: the
expected information of log tau was 23 times too large at tau = 1e6 and negative at 1e14,
the log-tau score's constant wrong from 1e8, the log normalising constant by 18 at 1e16),
so the log-tau step was driven by rounding: tau walked to ~1e16 and the fit raised
``FloatingPointError: non-finite working values for L`` (constant tau) or ``LinAlgError``
(a smooth tau), for data simulated from BCCG with n = 1,000 and 3,000.

Outside references: 60-digit mpmath for the functions of tau; known truth for the fits
(data simulated from a BCCG, a Box-Cox normal, with L = -0.5, M = 15 - 0.05 age, S = 0.12:
its quantiles are those of the simulated distribution).
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from scipy.special import ndtri

from labstats.stats import fit_lms
from labstats.stats._bct import STUDENT_T
from labstats.stats._lms import bccg_value
from tests.stats.test_bcpe_fit import _caller_warnings

TAU_MAX = 1e6  # labstats.stats._bct.TAU_MAX, the cap of the fit's tau
L_TRUE, S_TRUE = -0.5, 0.12
GRID = np.linspace(22.0, 78.0, 29)


def _exact(tau):
    """lognorm, dig and tt of ``StudentT`` (see its constants and info) in 60 digits
    beyond the ~log10(tau) that their differences cancel."""
    mp.mp.dps = 60 + int(np.log10(tau))
    tau = mp.mpf(tau)
    a = tau / 2
    lognorm = mp.loggamma(a + 0.5) - mp.loggamma(a) - mp.log(tau) / 2 - mp.log(mp.pi) / 2
    dig = (mp.digamma(a + 0.5) - mp.digamma(a)) / 2 - 1 / (2 * tau)
    tt = tau**2 / 4 * (mp.psi(1, a) - mp.psi(1, a + 0.5)
                       - 2 * (tau + 5) / (tau * (tau + 1) * (tau + 3)))
    return float(lognorm), float(dig), float(tt)


@pytest.mark.parametrize("tau", [30.0, 1e3, 1e4, 2e4, 1e6, 1e10, 1e16, 1e300])
def test_functions_of_tau_against_mpmath(tau):
    """To 1e-12 relative above 1e4 (series in 1/tau; measured <= 2e-16); below it the
    direct differences (measured: dig 4e-8 and tt 1.2e-6 at tau = 1e4). Before: tt 23x
    too large at 1e6, dig off by 3.7e-4 at 1e6 and by 16x at 1e8, lognorm by 18 at 1e16."""
    lognorm, dig, tt = _exact(tau)
    c, info = STUDENT_T.constants(tau), STUDENT_T.info(tau)
    rel = 1e-12 if tau > 1e4 else 1e-5
    assert float(c["lognorm"]) == pytest.approx(lognorm, rel=1e-11)
    assert float(c["dig"]) == pytest.approx(dig, rel=rel)
    assert float(info["tt"]) == pytest.approx(tt, rel=rel)
    if tau >= 1e3:  # I_LL / S^2 = 7/4 - 4/tau + 14.5/tau^2 + ... (BCCG's 7/4 in the limit)
        assert float(info["ll"]) == pytest.approx(1.75 - 4.0 / tau, rel=1e-15, abs=15.0 / tau / tau)


def simulate_bccg(n, seed):
    """Known truth: the Box-Cox normal of L, M, S above (truncation 1/(S|L|) = 16.7 SDs out:
    negligible)."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(20.0, 80.0, n)
    z = rng.standard_normal(n)
    return age, (15.0 - 0.05 * age) * (1.0 + L_TRUE * S_TRUE * z) ** (1.0 / L_TRUE)


def _centiles(table, qs=(3, 50, 97)):
    return np.array([np.asarray(table.value_at(np.full(GRID.size, ndtri(q / 100)), GRID))
                     for q in qs])


def test_near_normal_data_fit_at_the_cap_as_bccg():
    """n = 1,000 from a BCCG (seed 7: raised FloatingPointError before; tau reached 1e16).
    Now tau stops at TAU_MAX = 1e6, one warning at the caller's line says so, and P3, P50,
    P97 at 29 ages equal the BCCG fit's to 1e-5 relative (measured 2.1e-7), and are as
    close to the simulated distribution's as the BCCG fit's (both 3.4% at worst: the
    sampling error of n = 1,000)."""
    age, y = simulate_bccg(1000, 7)
    bct, msgs = _caller_warnings(lambda: fit_lms(age, y, family="bct"), __file__)
    assert len(msgs) == 1
    assert "tau runs off to infinity" in msgs[0] and "held at 1e+06" in msgs[0]
    assert "family='bccg'" in msgs[0] and "unreliable" not in msgs[0]
    assert bct.diagnostics.summary.iloc[0]["converged"]
    assert np.all(bct.parameters(GRID)["tau"] == TAU_MAX)
    bccg = fit_lms(age, y, family="bccg")
    got, limit = _centiles(bct), _centiles(bccg)
    truth = np.array([bccg_value(ndtri(q / 100), L_TRUE, 15.0 - 0.05 * GRID, S_TRUE)
                      for q in (3, 50, 97)])
    np.testing.assert_allclose(got, limit, rtol=1e-5)
    err_bct, err_bccg = np.abs(got / truth - 1).max(), np.abs(limit / truth - 1).max()
    assert err_bct < 0.04 and err_bct <= err_bccg + 1e-5
    # the BCT fit's deviance is the BCCG fit's (t_1e6 is the normal): to 1e-6 relative
    dev = (bct.diagnostics.summary.iloc[0]["deviance"], bccg.diagnostics.summary.iloc[0]["deviance"])
    assert dev[0] == pytest.approx(dev[1], rel=1e-6)


def test_near_normal_data_with_a_smooth_tau_do_not_crash():
    """df={"T": 3} on the same kind of data (seed 0: LinAlgError before, the information of
    log tau negative): tau held at or below the cap at every age, and the warning names the
    ages held there and fewer df for tau."""
    age, y = simulate_bccg(1000, 0)
    fit, msgs = _caller_warnings(lambda: fit_lms(age, y, family="bct", df={"T": 3}),
                                 __file__)
    tau = fit.parameters(GRID)["tau"]
    assert tau.max() == TAU_MAX and tau.min() < TAU_MAX
    tau_msgs = [m for m in msgs if "tau = " in m]
    assert len(tau_msgs) == 1 and "held at 1e+06 at some ages" in tau_msgs[0]
    assert "fewer df for tau" in tau_msgs[0]
    assert np.isfinite(fit.diagnostics.residuals).all()
