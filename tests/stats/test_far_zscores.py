"""BCPE and BCT normal scores far in the tails: finite, from the log of the tail probability.

Before, ``_bcpe.zscore`` was Phi^-1(F) of the CDF in plain probabilities: F (or 1 - F)
rounds to 0 below ~1e-308, and Phi^-1(0) is infinite, so every value beyond |z| ~ 38 had a
score of +-inf (for BCPE with tau = 4, from a Box-Cox z of ~30). gamlss' ``z.scores`` /
``centiles.pred(type="z-scores")`` document the same quantity, qnorm of the model's CDF;
computed in probabilities it gives +-Inf there as well (R's qnorm(0) is -Inf). labstats now
takes such tails in logs (``FAR_TAIL``), which keeps them finite and ordered.

Outside reference: 40-digit mpmath evaluation of the definitions (the regularised upper
incomplete gamma function for the power exponential, the regularised incomplete beta
function for Student's t, the truncation of gamlss' BCPE/BCT), with the normal score solved
from log Phi(-|z|) = log p in mpmath (no double-precision underflow there).
"""

from __future__ import annotations

import warnings

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtri

from labstats.stats import LMSPTable, LMSTable, _bcpe


def _pe_tail(t, tau):
    c = mp.sqrt(2 ** (-2 / tau) * mp.gamma(1 / tau) / mp.gamma(3 / tau))
    return mp.gammainc(1 / tau, abs(t / c) ** tau / 2, mp.inf, regularized=True) / 2


def _t_tail(t, tau):
    return mp.betainc(tau / 2, mp.mpf(1) / 2, 0, tau / (tau + t * t), regularized=True) / 2


def _exact_z(y, L, S, tau, family):
    """Normal score of y (M = 1) in 40-digit arithmetic."""
    mp.mp.dps = 40
    tail = _pe_tail if family == "bcpe" else _t_tail
    y, L, S, tau = (mp.mpf(v) for v in (y, L, S, tau))
    z = mp.log(y) / S if L == 0 else (y**L - 1) / (L * S)
    cut = tail(1 / (S * abs(L)), tau) if L != 0 else mp.mpf(0)
    p = (tail(z, tau) - (cut if (L > 0) == (z < 0) and L != 0 else 0)) / (1 - cut)
    lp = mp.log(p)
    r = mp.findroot(lambda u: mp.log(mp.ncdf(-u)) - lp, mp.sqrt(-2 * lp))
    return float(-r if z < 0 else r)


# (family, tau, L, S, y): both tails, L = 0, > 0, < 0, BCPE tau 0.5-4, BCT tau 30-1000
CASES = [("bcpe", 4.0, 0.0, 0.1, np.exp(3.0)), ("bcpe", 4.0, 0.0, 0.1, np.exp(-3.0)),
         ("bcpe", 2.0, 0.0, 0.1, np.exp(5.0)), ("bcpe", 3.0, 0.5, 0.1, 20.0),
         ("bcpe", 3.0, -0.5, 0.1, 0.02), ("bcpe", 8.0, 1.0, 0.05, 0.05),
         ("bcpe", 0.5, 0.0, 0.05, 1e300),
         ("bct", 30.0, 0.0, 0.1, 1e300), ("bct", 30.0, 2.0, 0.1, 1e150),
         ("bct", 200.0, 0.0, 0.1, 1e50), ("bct", 1000.0, -1.0, 0.1, 1e-200),
         ("bct", 1000.0, 0.0, 0.05, 1e20)]


@pytest.mark.parametrize("family,tau,L,S,y", CASES)
def test_far_tail_scores_against_mpmath(family, tau, L, S, y):
    """Scores of 20 to 18,000 (were +-inf from |z| ~ 38) to 1e-12 relative (measured: at
    most 1e-14, at z = -18,245; 8e-16 elsewhere)."""
    table = LMSPTable([0.0, 10.0], [L, L], [1.0, 1.0], [S, S], [tau, tau], family=family,
                      age_unit="years")
    got = float(table.zscore(y, 5.0))
    assert np.isfinite(got)
    assert got == pytest.approx(_exact_z(y, L, S, tau, family), rel=1e-12)


@pytest.mark.parametrize("tau,t,rel", [(1e5, 36.0, 1e-12), (6e5, 40.0, 1e-12),
                                       (1e6, 36.0, 3e-7), (1e6, 60.0, 1e-12)])
def test_bct_far_tail_of_a_large_tau_against_mpmath(tau, t, rel):
    """log P(T > t) where it underflows, for BCT's large tau (labstats' own fits reach tau
    = 1e6, its cap): the series was cut at 2,000 terms, so for tau of 1e5 and more the tail
    came out too small without a word (relative error 1.2e-4 at tau 1e6, 2.3e-3 at 1e7 in
    log P; a z-score of 36.55 where the Box-Cox z was 36.0 at tau 1e15, found by a review).
    Now the series runs to convergence, or, beyond 20,000 terms, the normal limit of R's
    pt for large df takes over (1.4e-7 at tau 1e6, 1.4e-9 at 1e7). 60-digit mpmath."""
    from labstats.stats._bct import StudentT

    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(60):
        x = mpmath.mpf(tau) / (mpmath.mpf(tau) + mpmath.mpf(t) ** 2)
        exact = float(mpmath.log(mpmath.betainc(mpmath.mpf(tau) / 2, mpmath.mpf(1) / 2, 0, x,
                                                regularized=True) / 2))
    assert float(StudentT.log_half_tail(np.log(t), tau)) == pytest.approx(exact, rel=rel)


def test_bct_scores_of_a_huge_tau_are_the_box_cox_z():
    """tau = 1.07e15 (a fit of log-normal data reached it before tau was capped): the t is
    the normal to 1e-15, so the score is the Box-Cox z across the far tail's start (it
    jumped from 35.5 to 36.55 at z = 36)."""
    table = LMSPTable([0.0, 10.0], [0.0, 0.0], [1.0, 1.0], [0.1, 0.1], [1.07e15, 1.07e15],
                      family="bct", age_unit="years")
    z = np.array([30.0, 35.0, 35.5, 36.0, 38.0, 40.0])
    np.testing.assert_allclose(table.zscore(np.exp(0.1 * z), np.full(z.size, 5.0)), z,
                               rtol=1e-9)


def test_tau_two_far_scores_are_the_box_cox_z():
    """BCPE with tau = 2 and L = 0 is the log-normal: its score is log(y/M)/S exactly, here
    up to 7,000 (the normal score from log Phi, scipy's ndtri_exp)."""
    y = np.exp(np.array([-700.0, -100.0, -4.0, 3.0, 40.0, 700.0]))
    z = _bcpe.zscore(y, 0.0, 1.0, 0.1, 2.0)
    np.testing.assert_allclose(z, np.log(y) / 0.1, rtol=1e-13)


@settings(max_examples=200, deadline=None)
@given(family=st.sampled_from(["bcpe", "bct"]), L=st.floats(-3.0, 3.0),
       S=st.floats(0.02, 0.8), data=st.data(),
       logs=st.lists(st.floats(-700.0, 700.0), min_size=2, max_size=20, unique=True))
def test_scores_are_finite_and_increase_with_the_value(family, L, S, data, logs):
    """For values 1e-304 .. 1e304 times the median, the score is finite and does not
    decrease as the value grows (BCPE tau 0.7-8, BCT tau 1-1000). Left out: values whose
    Box-Cox z is within 1e-12 of the truncation point -1/(S L) (L > 0, y <~ M
    1e-12^(1/L)), the model's lower end in double precision, where F is 0 and the score
    -inf (see LMSPTable.zscore); and, for BCPE, |L log(y/M)| > 130, whose scores, ~|z/c|^
    (tau/2), can exceed the largest double (e.g. L = -1, S = 0.5, tau = 22, y = e^-65 M:
    a score of 1e313)."""
    tau = data.draw(st.floats(0.7, 8.0) if family == "bcpe" else st.floats(1.0, 1000.0))
    logs = np.sort(np.asarray(logs))
    logs = logs[(L * logs > np.log(1e-12)) & ((family == "bct") | (np.abs(L * logs) < 130))]
    y = np.append(np.exp(logs), np.inf)  # and +inf: its score is the limit, +inf
    with np.errstate(all="ignore"):
        z = _bcpe.zscore(y, L, 1.0, S, tau, _bcpe.kernel(family))
    assert np.all(np.isfinite(z[:-1])) and z[-1] == np.inf
    assert np.all(np.diff(z) >= 0)


TABLES = {"bcpe": lambda *a: LMSPTable(*a, [1.5, 1.5], family="bcpe", age_unit="years"),
          "bct": lambda *a: LMSPTable(*a, [5.0, 5.0], family="bct", age_unit="years"),
          "bccg": lambda *a: LMSTable(*a, family="bccg", age_unit="years")}


@pytest.mark.parametrize("family", TABLES)
@pytest.mark.parametrize("L", [-0.5, 0.0, 0.5])
def test_infinite_and_missing_values(family, L):
    """+inf: z = +inf and centile 100 (F(inf) = 1: the limit of the increasing score) in
    every family and for every L; before, BCPE and BCT gave NaN (with a numpy
    RuntimeWarning from inside labstats for L <= 0), and BCCG 1/(S|L|) = 20 for L < 0. NaN
    stays NaN. -inf, like 0 and any negative value (outside the positive support), raises
    the ValueError that names the value and its row. No warning of any kind."""
    table = TABLES[family]([0.0, 10.0], [L, L], [10.0, 10.0], [0.1, 0.1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = table.zscore(np.array([np.inf, 12.0, np.nan]), 5.0)
        c = table.centile(np.array([np.inf, 12.0, np.nan]), 5.0)
        assert z[0] == np.inf and np.isfinite(z[1]) and np.isnan(z[2])
        assert c[0] == 100.0 and 50.0 < c[1] < 100.0 and np.isnan(c[2])
        assert float(table.zscore(np.inf, 5.0)) == np.inf
        for bad in (-np.inf, 0.0, -1.0):
            with pytest.raises(ValueError, match=rf"value\(s\) <= 0 \(first {bad}"):
                table.zscore(np.array([12.0, bad]), 5.0)


def test_cdc_lms_formula_keeps_its_limit_at_infinity():
    """family="lms" is CDC's literal formula ((y/M)^L - 1)/(L S), not a distribution's
    normal score: at +inf its limit, +inf for L >= 0 and 1/(S|L|) for L < 0 (unchanged)."""
    for L, want in ((0.5, np.inf), (0.0, np.inf), (-0.5, 20.0)):
        t = LMSTable([0.0, 10.0], [L, L], [10.0, 10.0], [0.1, 0.1], family="lms",
                     age_unit="years")
        assert float(t.zscore(np.inf, 5.0)) == pytest.approx(want)


# --- value_at far out: z -> value -> z ----------------------------------------------------

def _exact_value(zn, L, S, tau, family):
    """The quantile at Phi(zn) (M = 1, a side without a cut) in 40 digits: t from the
    kernel's tail = Phi(-|zn|) (1 - the mass cut off on the other side) (mpmath's root in
    log t), then the Box-Cox value."""
    mp.mp.dps = 40
    tail = _pe_tail if family == "bcpe" else _t_tail
    cut = tail(1 / (mp.mpf(S) * abs(L)), mp.mpf(tau)) if L != 0 else mp.mpf(0)
    target = mp.log(mp.ncdf(-abs(mp.mpf(zn))) * (1 - cut))
    guess = -target / tau if family == "bct" and tau < 30 else mp.log(-2 * target) / 2
    u = mp.findroot(lambda u: mp.log(tail(mp.exp(u), mp.mpf(tau))) - target, guess)
    t = mp.exp(u) if zn > 0 else -mp.exp(u)
    return float(mp.exp(S * t) if L == 0 else (1 + L * S * t) ** (1 / mp.mpf(L)))


@pytest.mark.parametrize("family,tau,L,zn", [
    ("bcpe", 4.0, 0.0, -100.0), ("bcpe", 1.5, 0.5, 60.0), ("bct", 30.0, -1.0, -40.0),
    ("bct", 1000.0, -0.5, -50.0), ("bct", 1.02, 2.0, 34.0), ("bct", 1.05, -1.0, -35.0)])
def test_far_values_against_mpmath(family, tau, L, zn):
    """Beyond |z| ~ 37.5 value_at was NaN (the tail Phi(-|z|) rounds to 0), and for BCT
    with tau ~ 1 wrong from |z| ~ 27 (x = tau/(tau + t^2) underflows: the z of the value
    returned was 26.7 for 34); now from the tail's logarithm, to 1e-12 relative (measured
    <= 1.2e-13; z -> value -> z over 3,000 random tables: <= 9e-15)."""
    table = LMSPTable([0.0, 10.0], [L, L], [1.0, 1.0], [0.1, 0.1], [tau, tau], family=family,
                      age_unit="years")
    assert float(table.value_at(zn, 5.0)) == pytest.approx(_exact_value(zn, L, 0.1, tau, family),
                                                        rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(family=st.sampled_from(["bcpe", "bct"]), L=st.floats(-2.0, 2.0), S=st.floats(0.02, 0.5),
       data=st.data(), zs=st.lists(st.floats(-1e4, 1e4), min_size=2, max_size=20, unique=True))
def test_values_round_trip_and_never_decrease(family, L, S, data, zs):
    """value(z) is never NaN and never decreases in z (0 at -inf, inf at +inf); on a side
    without a cut (z > 0 for L >= 0, z < 0 for L <= 0) z -> value -> z holds to 1e-11
    wherever the value is a normal double (not 0, inf or subnormal), |z| up to 1e4. On a
    cut side the value reaches the end of the Box-Cox range (documented in _bcpe.value)."""
    tau = data.draw(st.floats(0.7, 8.0) if family == "bcpe" else st.floats(1.0, 1000.0))
    kern = _bcpe.kernel(family)
    z = np.concatenate([[-np.inf], np.sort(zs), [np.inf]])
    y = _bcpe.value(z, L, 1.0, S, tau, kern)
    assert not np.any(np.isnan(y)) and np.all(y[1:] >= y[:-1])
    assert y[0] == 0.0 and y[-1] == np.inf
    free = np.where(z > 0, L >= 0, L <= 0) & (y > 1e-300) & (y < 1e300) & np.isfinite(z)
    free &= np.abs(z) > 1.0  # (near the median the cut's side decides nothing)
    with np.errstate(all="ignore"):
        back = _bcpe.zscore(y[free], L, 1.0, S, tau, kern)
    np.testing.assert_allclose(back, z[free], rtol=1e-11)


@pytest.mark.parametrize("family,tau,L,S", [("bcpe", 1.5, 0.5, 0.1), ("bct", 5.0, 0.5, 0.1),
                                            ("bct", 1000.0, 0.5, 0.1), ("bct", 3.0, -1.0, 0.3)])
def test_cut_side_round_trip_and_its_documented_end(family, tau, L, S):
    """On the side with a cut (LMSPTable.value_at's Notes): z -> value -> z to 1e-10 while
    Phi(z) is at least 1e-6 of the mass cut off (measured <= 2.4e-10);
    far beyond, the value is the end of the Box-Cox range in double precision (0 for L > 0,
    inf for L < 0), never NaN (before: NaN past the cut by rounding, e.g. BCT tau 1000 at
    z = -30)."""
    kern = _bcpe.kernel(family)
    inside, below, above = _bcpe._truncation(L, S, tau, kern)
    side = 1.0 if L > 0 else -1.0  # z < 0 is the cut side for L > 0
    z = side * ndtri(1e-6 * (below if L > 0 else above) / inside)
    y = _bcpe.value(z, L, 10.0, S, tau, kern)
    assert float(_bcpe.zscore(y, L, 10.0, S, tau, kern)) == pytest.approx(z, rel=1e-9)
    far = _bcpe.value(-side * 1e3, L, 10.0, S, tau, kern)
    assert (far < 1e-10) if L > 0 else (far == np.inf)
