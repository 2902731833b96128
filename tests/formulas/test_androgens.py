"""Tests for labstats.formulas.androgens (free / bioavailable testosterone, FAI).

External references:
* ISSAM "Free & Bioavailable Testosterone calculator - explanation and examples",
  issam.ch/freetesuit.html (Fiers T, Kaufman JM; the Vermeulen 1999 group): the worked
  example TT 288.4 ng/dL (10 nmol/L), SHBG 40 nmol/L, albumin 4.3 g/dL ->
  N - 1 = 22.43, a = 23.43e9, b = 53.43, FT = 1.7388e-10 mol/L = 1.74 %, 5.02 ng/dL,
  bioavailable T 118 ng/dL. Transcribed here, so these tests run without ../shared.
* tests/reference/test_vectors.csv and peer_outputs_*.csv (copies of ../shared): outputs of
  independent implementations run unmodified (source cited in each row).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labstats
from labstats.formulas import (
    BINDING_MODELS,
    bioavailable_testosterone,
    free_androgen_index,
    free_testosterone,
    testosterone_fractions,
)
from labstats.formulas._binding import quadratic_root
from tests.conftest import REFERENCE, parse_inputs, vectors

# --- the published worked example ----------------------------------------------------


def test_issam_worked_example_free_t_molar():
    # ISSAM page: FT = 1.7388e-10 mol/L (5 significant digits).
    got = free_testosterone(288.4, 40.0, 4.3, total_testosterone_unit="ng/dL",
                            albumin_unit="g/dL", output_unit="pmol/L")
    assert got * 1e-12 == pytest.approx(1.7388e-10, abs=0.00005e-10 + 1.7388e-10 * 2e-4)


def test_issam_worked_example_free_t_percent():
    # ISSAM page: 1.74 % (rounded to 0.01 %).
    assert free_testosterone(10.0, 40.0, 4.3, albumin_unit="g/dL",
                             output_unit="%") == pytest.approx(1.74, abs=0.005)


def test_issam_worked_example_free_t_ng_dl():
    # ISSAM page: 5.02 ng/dL.
    got = free_testosterone(10.0, 40.0, 43.0, output_unit="ng/dL")
    assert got == pytest.approx(5.02, abs=0.005)


def test_issam_worked_example_bioavailable_ng_dl():
    # ISSAM page: "Bio T = 118 ng/dL" (5.02 x 23.43 rounded to an integer).
    got = bioavailable_testosterone(10.0, 40.0, 43.0, output_unit="ng/dL")
    assert round(got) == 118


def test_issam_worked_example_quadratic_coefficients():
    # ISSAM page: N - 1 = 22.43; a = 23.43e9 L/mol; b = 53.43 (4 significant digits).
    model = labstats.formulas.BINDING_MODELS["vermeulen1999"]
    n = 1 + model.k_albumin * 43.0 / model.albumin_molar_mass
    assert n - 1 == pytest.approx(22.43, abs=0.005)
    assert model.k_shbg * n == pytest.approx(23.43e9, abs=0.005e9)
    assert n + model.k_shbg * (40e-9 - 10e-9) == pytest.approx(53.43, abs=0.005)


def test_vermeulen_albumin_molarity_statement():
    # Vermeulen 1999 text: "43 g/L (6.2 x 10^-4 mol/L)".
    model = labstats.formulas.BINDING_MODELS["vermeulen1999"]
    assert 43.0 / model.albumin_molar_mass == pytest.approx(6.2e-4, abs=0.05e-4)


# --- independent implementations -----------------------------------------------------

_FT = {"vermeulen_1999_free_t": free_testosterone,
       "vermeulen_1999_bioavailable_t": bioavailable_testosterone}


@pytest.mark.parametrize("row", list(vectors("vermeulen_1999_").query(
    "method in ['vermeulen_1999_free_t', 'vermeulen_1999_bioavailable_t'] and "
    "expected_unit == 'nmol/L'").itertuples()), ids=lambda r: f"{r.method}:{r.inputs[:30]}")
def test_vermeulen_matches_issam_port_and_quoted_values(row):
    """ISSAM port (diego-rivera-cr/testosterone-calculator @0ea0ff1) converts albumin with
    1.45e-4 mol/L per g/dL, i.e. a molar mass of 10/1.45e-4 = 68,966 g/mol; with that molar
    mass labstats must agree to 1e-6, and with the default 69,000 to 0.05 %. Values quoted
    second-hand from ISSAM (0.258 nmol/L) are printed to 3 digits."""
    x = parse_inputs(row.inputs)
    args = (x["tt"][0], x["shbg"][0], x["albumin"][0])
    f = _FT[row.method]
    if row.source.startswith("PEER-RUN"):
        assert f(*args, albumin_molar_mass=10 / 1.45e-4) == pytest.approx(
            float(row.expected_output), rel=1e-6)
        assert f(*args) == pytest.approx(float(row.expected_output), rel=5e-4)
    else:
        assert f(*args) == pytest.approx(float(row.expected_output), abs=0.0005)


@pytest.mark.parametrize("row", list(vectors("emadi_konjin_2003").itertuples()),
                         ids=lambda r: r.method)
def test_emadi_konjin_regression_guard(row):
    """Regression guard only: test_vectors.csv says no independent source was found."""
    f = free_testosterone if "free" in row.method else bioavailable_testosterone
    assert f(10.0, 40.0, 43.0, method="emadi_konjin2003") == pytest.approx(
        float(row.expected_output), rel=1e-4)


def _peer_grid(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / name)


def test_sodergard_matches_uk_biobank_grid():
    """tcameronwaller/uk_biobank @7240119 (Södergård 1982 constants, albumin 66,472.2 g/mol,
    de Ronde quadratic = exact cubic minus a ~1e-17 term): agreement to 2e-6 relative
    (FORMULAS.md measured about 1e-6 between that quadratic and the exact cubic)."""
    g = _peer_grid("peer_outputs_ukbiobank_sodergard.csv")
    kw = dict(method="sodergard1982", albumin_molar_mass=66_472.2)
    ft = free_testosterone(g.tt_nmol_L, g.shbg_nmol_L, g.albumin_g_L, **kw)
    bat = bioavailable_testosterone(g.tt_nmol_L, g.shbg_nmol_L, g.albumin_g_L, **kw)
    np.testing.assert_allclose(ft, g.free_t_nmol_L, rtol=2e-6)
    np.testing.assert_allclose(bat, g.bioavailable_t_nmol_L, rtol=2e-6)


def test_mass_action_saturable_matches_outlabs_grid():
    """nmillrr/outlabs @0d290fd calc_ft_vermeulen: Vermeulen constants with albumin
    66,430 g/mol and saturable 1:1 albumin, solved with brentq -> agree to 1e-5."""
    g = _peer_grid("peer_outputs_outlabs.csv")
    ft = free_testosterone(g.tt_nmol_L, g.shbg_nmol_L, g.albumin_g_L, method="mass_action",
                           k_shbg=1e9, k_albumin=3.6e4, albumin_molar_mass=66_430,
                           albumin_binding="saturable")
    np.testing.assert_allclose(ft, g.vermeulen_free_t_nmol_L, rtol=1e-5)
    # Its bioavailable T is TT - SHBG-bound T of the same model.
    bat = bioavailable_testosterone(g.tt_nmol_L, g.shbg_nmol_L, g.albumin_g_L,
                                    method="mass_action", k_shbg=1e9, k_albumin=3.6e4,
                                    albumin_molar_mass=66_430, albumin_binding="saturable")
    np.testing.assert_allclose(bat, g.bioavailable_t_nmol_L, rtol=1e-5)


def test_outlabs_default_molar_mass_differs_from_vermeulen_as_documented():
    """PEERS.md: outlabs (MW 66,430) is up to 3.3 % below Vermeulen with 69,000."""
    g = _peer_grid("peer_outputs_outlabs.csv")
    ft = free_testosterone(g.tt_nmol_L, g.shbg_nmol_L, g.albumin_g_L)
    dev = (g.vermeulen_free_t_nmol_L - ft) / ft
    assert dev.min() == pytest.approx(-0.033, abs=0.002)


def test_hybrid_constants_match_freee2simulator_free_t():
    """pmapcat/freee2simulator @ae5d6cd: free T with K_SHBG 1.0e9 (Vermeulen) and K_alb 4.06e4
    (Södergård), albumin / 66,500, printed to 5 decimals (nmol/L)."""
    g = _peer_grid("peer_outputs_freee2simulator.csv")
    ft = free_testosterone(g.tt_nmol_L, g.shbg_nmol_L, g.albumin_g_L, method="mass_action",
                           k_shbg=1.0e9, k_albumin=4.06e4, albumin_molar_mass=66_500)
    np.testing.assert_allclose(ft, g.free_t_nmol_L, atol=0.5e-5 + 1e-12, rtol=5e-4)


def test_free_androgen_index_definition():
    # Wilke & Utley 1987: FAI = 100 x TT / SHBG (nmol/L): 10 / 40 -> 25.
    assert free_androgen_index(10.0, 40.0) == 25.0


# --- behaviour shared by every formula ------------------------------------------------


def test_same_container_out_and_index_kept(container):
    tt, shbg = container([10.0, 20.0]), container([40.0, 30.0])
    out = free_testosterone(tt, shbg)
    np.testing.assert_allclose(np.asarray(out), [free_testosterone(10.0, 40.0),
                                                 free_testosterone(20.0, 30.0)], rtol=1e-14)
    if isinstance(tt, pd.Series):
        assert out.index.equals(tt.index) and out.name == "free_testosterone"
    else:
        assert isinstance(out, np.ndarray)


def test_scalar_in_gives_float_out():
    assert isinstance(free_testosterone(10.0, 40.0), float)


def test_nan_propagates_and_no_row_is_dropped():
    tt = pd.Series([10.0, np.nan, 20.0, 15.0], index=list("abcd"))
    shbg = pd.Series([40.0, 30.0, np.nan, 30.0], index=list("abcd"))
    out = bioavailable_testosterone(tt, shbg, method="sodergard1982")
    assert out.isna().tolist() == [False, True, True, False]
    assert list(out.index) == list("abcd")


def test_inputs_are_not_modified():
    tt = np.array([10.0, 20.0])
    s = pd.Series([40.0, 30.0])
    tt0, s0 = tt.copy(), s.copy()
    free_testosterone(tt, s, total_testosterone_unit="ng/dL" if False else "nmol/L")
    free_testosterone(tt * 28.842, s, total_testosterone_unit="ng/dL")
    np.testing.assert_array_equal(tt, tt0)
    pd.testing.assert_series_equal(s, s0)


def test_series_with_different_indexes_is_an_error():
    with pytest.raises(ValueError, match="different indexes.*align"):
        free_testosterone(pd.Series([10.0], index=["a"]), pd.Series([40.0], index=["b"]))


def test_ng_dl_input_gives_same_answer_as_nmol_l():
    got = free_testosterone(288.42, 40.0, total_testosterone_unit="ng/dL")
    assert got == pytest.approx(free_testosterone(10.0, 40.0), rel=1e-12)


def test_albumin_in_umol_l_is_used_as_molar_directly():
    # 623.1884 µmol/L is 43 g/L at 69,000 g/mol: no molar mass enters.
    got = free_testosterone(10.0, 40.0, 43.0 / 69_000 * 1e6, albumin_unit="µmol/L")
    assert got == pytest.approx(free_testosterone(10.0, 40.0, 43.0), rel=1e-12)


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(total_testosterone=[10.0, -1.0]), r"total_testosterone: 1 negative value.*-1\.0 at index 1"),
    (dict(total_testosterone=[10.0, 450.0]),
     r"total_testosterone: 450\.0 at index 1 is implausible for nmol/L.*"
     r'total_testosterone_unit="ng/dL"'),
    (dict(total_testosterone=["<0.5"]), r"'<0\.5' at index 0.*read_lab_export"),
    (dict(albumin=[4.3, 4.1]), r'albumin: 4\.3 at index 0 is implausible for g/L.*albumin_unit="g/dL"'),
    (dict(total_testosterone=pd.Series([10.0, 450.0], index=["p01", "p03"])),
     r"450\.0 at index 'p03'"),
])
def test_bad_input_message_names_argument_value_and_fix(kwargs, message):
    args = dict(total_testosterone=[10.0, 20.0], shbg=[40.0, 30.0], albumin=43.0)
    args.update(kwargs)
    n = len(args["total_testosterone"])
    args["shbg"] = args["shbg"][:n] if not isinstance(args["shbg"], float) else args["shbg"]
    if isinstance(args["total_testosterone"], pd.Series):
        args["shbg"] = pd.Series([40.0, 30.0], index=args["total_testosterone"].index)
    with pytest.raises(ValueError, match=message):
        free_testosterone(args["total_testosterone"], args["shbg"], args["albumin"])


@pytest.mark.parametrize(("method", "message"), [
    ("vermuelen", r"unknown method 'vermuelen'; valid methods are vermeulen1999, sodergard1982"),
    ("zakharov2015", r"'zakharov2015' is not available: .*supplement"),
])
def test_unknown_or_unavailable_method_lists_valid_ones(method, message):
    with pytest.raises(ValueError, match=message):
        free_testosterone(10.0, 40.0, method=method)


def test_unknown_unit_lists_accepted_ones():
    with pytest.raises(ValueError, match=r"unknown unit 'ng/L' for testosterone; accepted units "
                                         r"are nmol/L, ng/dL"):
        free_testosterone(10.0, 40.0, total_testosterone_unit="ng/L")


def test_plausibility_can_be_relaxed_for_real_extreme_values():
    with labstats.plausibility("warn"), pytest.warns(labstats.LabstatsWarning, match="450"):
        free_testosterone(450.0, 40.0)


# --- numerics ----------------------------------------------------------------------


@pytest.mark.parametrize(("tt", "shbg", "alb"), [
    (1e-4, 1000.0, 10.0), (0.01, 800.0, 43.0),      # b >> 4aTT: -b + sqrt() would cancel
    (140.0, 0.5, 43.0), (150.0, 0.0, 10.0),         # b < 0: b + sqrt() would cancel
    (1e5, 0.0, 10.0),                               # far outside physiology (plausibility off)
])
def test_stable_root_agrees_with_50_digit_reference(tt, shbg, alb):
    """Both the compiled kernel and the numpy fallback must match mpmath to a few ulps."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    n = 1 + mpmath.mpf(3.6e4) * mpmath.mpf(alb) / 69000
    a, b = n, n + (mpmath.mpf(shbg) - mpmath.mpf(tt))  # k_T = 1 L/nmol
    exact = float((-b + mpmath.sqrt(b * b + 4 * a * mpmath.mpf(tt))) / (2 * a))
    with labstats.plausibility("ignore"):
        got = free_testosterone(tt, shbg, alb)
    assert got == pytest.approx(exact, rel=1e-14)
    fallback = quadratic_root(np.float64(tt), np.float64(shbg), float(n), 1.0)
    assert float(fallback) == pytest.approx(exact, rel=1e-14)


def test_compiled_kernels_and_numpy_fallback_agree(monkeypatch):
    rng = np.random.default_rng(7)
    tt, shbg = rng.uniform(0.05, 90, 500), rng.uniform(0, 300, 500)
    alb = rng.uniform(20, 60, 500)
    jit = {m: bioavailable_testosterone(tt, shbg, alb, method=m) for m in BINDING_MODELS}
    monkeypatch.setenv("LABSTATS_NO_NUMBA", "1")
    for m, v in jit.items():
        np.testing.assert_allclose(bioavailable_testosterone(tt, shbg, alb, method=m), v,
                                   rtol=1e-13)


def test_zero_total_gives_zero_free_and_zero_shbg_gives_tt_over_n():
    assert free_testosterone(0.0, 40.0) == 0.0
    n = 1 + 3.6e4 * 43.0 / 69_000
    assert free_testosterone(10.0, 0.0) == pytest.approx(10.0 / n, rel=1e-14)


def test_fractions_frame_sums_to_total_and_keeps_index():
    tt = pd.Series([10.0, 25.0], index=["x", "y"])
    fr = testosterone_fractions(tt, [40.0, 20.0])
    assert list(fr.index) == ["x", "y"]
    np.testing.assert_allclose(fr.free + fr.albumin_bound + fr.shbg_bound, tt, rtol=1e-12)
    # ISSAM: albumin-bound / free = N - 1 = 22.43
    assert (fr.albumin_bound / fr.free).iloc[0] == pytest.approx(22.43, abs=0.005)


@pytest.mark.parametrize("func", ["free_testosterone", "bioavailable_testosterone",
                                  "testosterone_fractions"])
def test_docstring_cites_each_binding_method_and_its_albumin_molar_mass(func):
    # Each method's own paper (its DOI as in BINDING_MODELS), not only Vermeulen 1999, and
    # a statement per method of what is known of its albumin molar mass.
    import re

    from labstats.formulas import BINDING_MODELS

    doc = getattr(labstats, func).__doc__
    for method, model in BINDING_MODELS.items():
        doi = re.search(r"doi:(\S+)", model.reference).group(1)
        assert doi in doc, (method, doi)
        assert f"* ``{method}``:" in doc
    assert "salting-out" in doc  # emadi_konjin2003 was fitted to bioavailable T
