"""Calculated free and bioavailable estradiol, optionally with testosterone competing for SHBG.

Estradiol binds SHBG and albumin like testosterone (``_binding``); the Södergård 1982
constants are the only E2 constants with a verified source here. When total
testosterone is given, testosterone occupies SHBG sites:

* ``competition="one_way"`` (de Ronde 2005, Rinaldi 2002): free T is computed first,
  ignoring E2 (whose molar concentration is 3-4 orders of magnitude lower in men); the
  E2 balance with free SHBG ``[SHBG]/(1 + K_T FT + K_E FE2)`` is then an exact
  quadratic in FE2.
* ``competition="mutual"``: the two balances are solved jointly (alternating exact
  solves to a fixed point), which matters when E2 is high (pregnancy).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from labstats import constants as c
from labstats._validate import as_concentration, broadcast_rows, like_inputs
from labstats.formulas import _binding
from labstats.formulas._common import percent_of_total
from labstats.formulas.androgens import check_albumin_given, check_constants, resolve_model
from labstats.units import ANALYTES, resolve_unit

__all__ = ["ESTRADIOL_BINDING_MODELS", "bioavailable_estradiol", "free_estradiol"]


@dataclass(frozen=True)
class EstradiolModel:
    """Constants of an estradiol binding model ([L/mol], [g/mol]) and its T partner."""

    k_shbg: float
    k_albumin: float
    albumin_molar_mass: float
    testosterone_method: str
    reference: str


#: Published estradiol binding models, by method id.
ESTRADIOL_BINDING_MODELS = MappingProxyType({
    "sodergard1982": EstradiolModel(
        c.K_SHBG_E2_SODERGARD_1982, c.K_ALB_E2_SODERGARD_1982,
        c.ALBUMIN_MOLAR_MASS_VERMEULEN_1999, "sodergard1982",
        "R. Södergård, T. Bäckström, V. Shanbhag and H. Carstensen, J. Steroid Biochem., "
        "vol. 16, no. 6, pp. 801-810, 1982, doi:10.1016/0022-4731(82)90038-3"),
})

_COMPETITION = ("one_way", "mutual")


def _solve(estradiol, shbg, albumin, total_testosterone, *, method, estradiol_unit, shbg_unit,
           albumin_unit, total_testosterone_unit, competition, k_shbg, k_albumin,
           albumin_molar_mass, testosterone_method):
    if method not in ESTRADIOL_BINDING_MODELS:
        raise ValueError(f"unknown method {method!r}; valid methods are "
                         f"{', '.join(ESTRADIOL_BINDING_MODELS)}")
    if competition not in _COMPETITION:
        raise ValueError(f"competition must be one of {_COMPETITION}, got {competition!r}")
    m = ESTRADIOL_BINDING_MODELS[method]
    check_albumin_given(albumin)
    # None means "the model's value"; anything else (0 included) is checked, never ignored.
    k = check_constants(
        k_shbg=m.k_shbg if k_shbg is None else k_shbg,
        k_albumin=m.k_albumin if k_albumin is None else k_albumin,
        albumin_molar_mass=m.albumin_molar_mass if albumin_molar_mass is None
        else albumin_molar_mass)
    mm = k["albumin_molar_mass"]
    k_e = k["k_shbg"] * 1e-9  # L/nmol
    k_ea = k["k_albumin"] * 1e-9
    e2 = as_concentration(estradiol, "estradiol", unit=estradiol_unit, to="nmol/L")
    sb = as_concentration(shbg, "shbg", unit=shbg_unit)
    alb = as_concentration(albumin, "albumin", unit=albumin_unit, to="µmol/L", molar_mass=mm) * 1e3
    broadcast_rows([e2, sb, alb], ["estradiol", "shbg", "albumin"])  # no outer product
    n_e = 1.0 + k_ea * alb  # E2: albumin in large excess, linear

    if total_testosterone is None:
        def kernel(e, s, ne):
            f = _binding.quadratic_root(e, s, ne, k_e)
            return f, ne * f
        return _binding.blockwise(kernel, e2, sb, n_e, n_out=2)

    tm = resolve_model(testosterone_method or m.testosterone_method, albumin_molar_mass=mm)
    tt = as_concentration(total_testosterone, "total_testosterone", unit=total_testosterone_unit)
    broadcast_rows([e2, sb, alb, tt], ["estradiol", "shbg", "albumin", "total_testosterone"])
    k_t, k_ta = tm.k_shbg * 1e-9, tm.k_albumin * 1e-9
    sat = tm.albumin_binding == "saturable"

    def kernel(e, s, ne, a, t):
        ft = _binding.solve_free(t, s, a, k_t, k_ta, sat)
        fe = _binding.quadratic_root(e, s, ne, k_e, 1.0 + k_t * ft)
        if competition == "mutual":
            for _ in range(200):
                ft = _binding.solve_free(t, s, a, k_t, k_ta, sat, 1.0 + k_e * fe)
                fe_new = _binding.quadratic_root(e, s, ne, k_e, 1.0 + k_t * ft)
                with np.errstate(invalid="ignore"):
                    done = ~(np.abs(fe_new - fe) > 1e-14 * np.abs(fe_new))
                fe = fe_new
                if done.all():
                    break
        return fe, ne * fe

    return _binding.blockwise(kernel, e2, sb, n_e, alb, tt, n_out=2)


def _out(x, output_unit, e2, estradiol_unit):
    if output_unit == "%":
        e2n = as_concentration(e2, "estradiol", unit=estradiol_unit, to="nmol/L",
                               column_check=False)  # checked once already, in _solve
        return percent_of_total(x, e2n, "estradiol")
    a = ANALYTES["estradiol"]
    return x * a.factor("nmol/L") / a.factor(resolve_unit(output_unit, a))


_PARAMS = r"""
    Parameters
    ----------
    estradiol : float, array_like or pandas.Series
        Total serum estradiol. [pmol/L, or ``estradiol_unit``]
    shbg : float, array_like or pandas.Series
        Sex hormone-binding globulin. [nmol/L]
    albumin : float, array_like or pandas.Series, default 43.0
        Serum albumin. [g/L, or ``albumin_unit``] ``None`` raises (it would read as a
        missing value and give NaN in every row); omit it for 43 g/L.
    total_testosterone : float, array_like or pandas.Series, optional
        Total testosterone. [nmol/L, or ``total_testosterone_unit``] When given,
        testosterone competes with estradiol for SHBG; when None it is ignored.
    method : str, default "sodergard1982"
        Estradiol binding constants (``ESTRADIOL_BINDING_MODELS``).
    competition : {"one_way", "mutual"}, default "one_way"
        How testosterone competition is modelled (see the module docstring).
    testosterone_method : str, optional
        Binding model for testosterone; default the estradiol method's partner
        (``sodergard1982``).
    estradiol_unit, shbg_unit, albumin_unit, total_testosterone_unit : str
        Units of the inputs.
    output_unit : str, default "pmol/L"
        Any estradiol unit, or "%" for percent of total estradiol (NaN, with a
        ``LabstatsWarning``, where estradiol is 0).
    k_shbg, k_albumin : float, optional
        Override the E2 association constants. [L/mol]
    albumin_molar_mass : float, optional
        [g/mol], default 69,000, Vermeulen 1999's value. Södergård 1982's own value is
        not known here (the paper has not been read); the implementations validated
        against in Notes use 66,472.2 and 66,500, which the examples pass explicitly.
"""


def free_estradiol(estradiol, shbg, albumin=c.DEFAULT_ALBUMIN_G_L, *, total_testosterone=None,
                   method: str = "sodergard1982", competition: str = "one_way",
                   testosterone_method: str | None = None, estradiol_unit: str = "pmol/L",
                   shbg_unit: str = "nmol/L", albumin_unit: str = "g/L",
                   total_testosterone_unit: str = "nmol/L", output_unit: str = "pmol/L",
                   k_shbg: float | None = None, k_albumin: float | None = None,
                   albumin_molar_mass: float | None = None):
    r"""Calculated free estradiol by mass action, with optional testosterone competition [1]_.

    With :math:`N_E = 1 + K_{E,A}[\mathrm{Alb}]` and :math:`M = 1 + K_T FT`
    (:math:`M = 1` without testosterone):

    .. math::
        K_E N_E \, FE_2^2 + \{N_E M + K_E([\mathrm{SHBG}] - E_2)\} FE_2 - E_2 M = 0
    {params}
    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Free estradiol. [pmol/L, or ``output_unit``] A Series is named ``free_estradiol``.

    Raises
    ------
    ValueError
        If a value is non-numeric, negative or implausible for its unit.

    Notes
    -----
    Validated against tcameronwaller/uk_biobank @7240119 (one-way competition, after
    correcting two documented slips of that code) and pmapcat/freee2simulator @ae5d6cd
    (no competition); see ``tests/formulas/test_estrogens.py``. The one-way form
    follows W. de Ronde et al., J. Clin. Endocrinol. Metab., vol. 90, no. 1,
    pp. 157-162, 2005, and S. Rinaldi et al., Cancer Epidemiol. Biomarkers Prev.,
    vol. 11, no. 10, pp. 1065-1071, 2002.

    References
    ----------
    .. [1] {ref}

    Examples
    --------
    >>> round(free_estradiol(100.0, 60.0, 43.0, albumin_molar_mass=66_500), 2)
    2.12
    >>> round(free_estradiol(50.0, 30.0, total_testosterone=1.0, albumin_molar_mass=66_472.2), 4)
    1.3324
    """
    fe, _ = _solve(estradiol, shbg, albumin, total_testosterone, method=method,
                   estradiol_unit=estradiol_unit, shbg_unit=shbg_unit, albumin_unit=albumin_unit,
                   total_testosterone_unit=total_testosterone_unit, competition=competition,
                   k_shbg=k_shbg, k_albumin=k_albumin, albumin_molar_mass=albumin_molar_mass,
                   testosterone_method=testosterone_method)
    return like_inputs(_out(fe, output_unit, estradiol, estradiol_unit), estradiol, shbg, albumin,
                       total_testosterone, name="free_estradiol")


def bioavailable_estradiol(estradiol, shbg, albumin=c.DEFAULT_ALBUMIN_G_L, *,
                           total_testosterone=None, method: str = "sodergard1982",
                           competition: str = "one_way", testosterone_method: str | None = None,
                           estradiol_unit: str = "pmol/L", shbg_unit: str = "nmol/L",
                           albumin_unit: str = "g/L", total_testosterone_unit: str = "nmol/L",
                           output_unit: str = "pmol/L", k_shbg: float | None = None,
                           k_albumin: float | None = None,
                           albumin_molar_mass: float | None = None):
    r"""Calculated bioavailable (free + albumin-bound) estradiol, :math:`N_E \cdot FE_2` [1]_.
    {params}
    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Bioavailable estradiol. [pmol/L, or ``output_unit``] A Series is named
        ``bioavailable_estradiol``.

    Raises
    ------
    ValueError
        If a value is non-numeric, negative or implausible for its unit.

    References
    ----------
    .. [1] {ref}

    Examples
    --------
    >>> round(bioavailable_estradiol(50.0, 30.0, total_testosterone=1.0,
    ...                              albumin_molar_mass=66_472.2), 3)
    37.619
    """
    _, be = _solve(estradiol, shbg, albumin, total_testosterone, method=method,
                   estradiol_unit=estradiol_unit, shbg_unit=shbg_unit, albumin_unit=albumin_unit,
                   total_testosterone_unit=total_testosterone_unit, competition=competition,
                   k_shbg=k_shbg, k_albumin=k_albumin, albumin_molar_mass=albumin_molar_mass,
                   testosterone_method=testosterone_method)
    return like_inputs(_out(be, output_unit, estradiol, estradiol_unit), estradiol, shbg, albumin,
                       total_testosterone, name="bioavailable_estradiol")


_REF = ESTRADIOL_BINDING_MODELS["sodergard1982"].reference + "."
for _f in (free_estradiol, bioavailable_estradiol):
    _f.__doc__ = _f.__doc__.replace("{params}", _PARAMS).replace("{ref}", _REF)
