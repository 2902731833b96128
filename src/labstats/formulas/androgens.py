"""Calculated free and bioavailable testosterone, and the free androgen index.

Binding models share one mass-action engine (``_binding``); they differ in their
association constants, the albumin molar mass and whether albumin binding saturates.
``BINDING_MODELS`` lists them with their sources; ``method="mass_action"`` takes the
constants from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np

from labstats import constants as c
from labstats._validate import as_concentration, as_constant, broadcast_rows, like_inputs
from labstats.formulas import _binding
from labstats.formulas._common import percent_of_total, warn_rows
from labstats.units import ANALYTES, resolve_unit

__all__ = [
    "BINDING_MODELS",
    "BindingModel",
    "bioavailable_testosterone",
    "free_androgen_index",
    "free_testosterone",
    "testosterone_fractions",
]


@dataclass(frozen=True)
class BindingModel:
    """Constants of a testosterone binding model.

    Attributes
    ----------
    k_shbg, k_albumin : float
        Association constants of testosterone with SHBG and albumin [L/mol].
    albumin_molar_mass : float
        [g/mol] used to turn albumin in g/L into mol/L.
    albumin_binding : {"linear", "saturable"}
        Linear: albumin-bound = K_A [Alb] FT (albumin in large excess, Vermeulen 1999).
        Saturable: one site per albumin, exact mass action.
    reference : str
    """
    k_shbg: float
    k_albumin: float
    albumin_molar_mass: float
    albumin_binding: str
    reference: str


#: Published testosterone binding models, by method id.
BINDING_MODELS = MappingProxyType({
    "vermeulen1999": BindingModel(
        c.K_SHBG_T_VERMEULEN_1999, c.K_ALB_T_VERMEULEN_1999,
        c.ALBUMIN_MOLAR_MASS_VERMEULEN_1999, "linear",
        "A. Vermeulen, L. Verdonck and J. M. Kaufman, J. Clin. Endocrinol. Metab., vol. 84, "
        "no. 10, pp. 3666-3672, 1999, doi:10.1210/jcem.84.10.6079"),
    "sodergard1982": BindingModel(
        c.K_SHBG_T_SODERGARD_1982, c.K_ALB_T_SODERGARD_1982,
        c.ALBUMIN_MOLAR_MASS_VERMEULEN_1999, "saturable",
        "R. Södergård, T. Bäckström, V. Shanbhag and H. Carstensen, J. Steroid Biochem., "
        "vol. 16, no. 6, pp. 801-810, 1982, doi:10.1016/0022-4731(82)90038-3"),
    "emadi_konjin2003": BindingModel(
        c.K_SHBG_T_EMADI_KONJIN_2003, c.K_ALB_T_EMADI_KONJIN_2003,
        c.ALBUMIN_MOLAR_MASS_VERMEULEN_1999, "linear",
        "P. Emadi-Konjin, J. Bain and I. L. Bromberg, Clin. Biochem., vol. 36, no. 8, "
        "pp. 591-596, 2003, doi:10.1016/S0009-9120(03)00076-6"),
    "ross2005": BindingModel(
        c.K_SHBG_T_ROSS_2005, c.K_ALB_T_ROSS_2005,
        c.ALBUMIN_MOLAR_MASS_VERMEULEN_1999, "linear",
        "H. A. Ross, E. J. Meuleman and F. C. G. J. Sweep, Clin. Chem. Lab. Med., vol. 43, "
        "no. 6, pp. 613-616, 2005, doi:10.1515/CCLM.2005.106"),
})

# Published methods deliberately not implemented, and why (asked for by name, they
# raise an error that says so instead of "unknown method").
_NOT_IMPLEMENTED = {
    "zakharov2015": "the allosteric model's microscopic constants are in the paper's "
                    "supplement, which has not been obtained",
    "mazer2009": "the 15 association constants of the spreadsheet model have not been obtained "
                 "from the primary paper",
    "ly2005": "the empirical coefficients have not been obtained from the primary paper",
    "sartorius2009": "the equation has not been obtained from the primary paper",
    "nanjee_wheeler1985": "the equation has not been obtained from the primary paper",
    "morris2004": "the equation has not been obtained from the primary paper",
}


def _methods_text() -> str:
    return ", ".join([*BINDING_MODELS, "mass_action"])


def resolve_model(method: str, k_shbg=None, k_albumin=None, albumin_molar_mass=None,
                  albumin_binding=None) -> BindingModel:
    """The model of ``method`` with the caller's overrides applied."""
    if method == "mass_action":
        if k_shbg is None or k_albumin is None:
            raise ValueError('method="mass_action" needs k_shbg and k_albumin [L/mol]')
        model = BindingModel(
            k_shbg, k_albumin, c.ALBUMIN_MOLAR_MASS_VERMEULEN_1999 if albumin_molar_mass is None
            else albumin_molar_mass, albumin_binding or "linear", "caller-supplied constants")
    elif method in BINDING_MODELS:
        model = BINDING_MODELS[method]
        over = {k: v for k, v in dict(k_shbg=k_shbg, k_albumin=k_albumin,
                                      albumin_molar_mass=albumin_molar_mass,
                                      albumin_binding=albumin_binding).items() if v is not None}
        model = replace(model, **over)
    elif method in _NOT_IMPLEMENTED:
        raise ValueError(f"method {method!r} is not available: {_NOT_IMPLEMENTED[method]}. "
                         f"Available methods: {_methods_text()}")
    else:
        raise ValueError(f"unknown method {method!r}; valid methods are {_methods_text()}")
    if model.albumin_binding not in ("linear", "saturable"):
        raise ValueError(f"albumin_binding must be 'linear' or 'saturable', "
                         f"got {model.albumin_binding!r}")
    return replace(model, **check_constants(k_shbg=model.k_shbg, k_albumin=model.k_albumin,
                                            albumin_molar_mass=model.albumin_molar_mass))


def check_constants(**constants) -> dict:
    """Binding constants by keyword (``k_shbg``, ``k_albumin`` [L/mol],
    ``albumin_molar_mass`` [g/mol]), each checked by ``labstats._validate.as_constant``."""
    out = {}
    for name, v in constants.items():
        if name == "albumin_molar_mass":
            out[name] = as_constant(v, name, unit="g/mol", low=ALBUMIN_MOLAR_MASS_RANGE[0],
                                    high=ALBUMIN_MOLAR_MASS_RANGE[1], hint=_MOLAR_MASS_HINT)
        else:
            out[name] = as_constant(v, name, unit="L/mol")
    return out


#: Accepted albumin molar masses [g/mol]: published values are 66,000-69,400; a value in
#: kDa (69) or mg/mol would make every result wrong by orders of magnitude.
ALBUMIN_MOLAR_MASS_RANGE = (50_000.0, 100_000.0)
_MOLAR_MASS_HINT = ("Human serum albumin is 66,000-69,000 g/mol (e.g. 69000, not 69 kDa); "
                    "Vermeulen 1999 uses 69,000.")


def check_albumin_given(albumin) -> None:
    """``albumin=None`` is ambiguous (the default, or all missing?): an error, not NaN."""
    if albumin is None:
        raise ValueError(f"albumin=None: omit albumin to use {c.DEFAULT_ALBUMIN_G_L:g} g/L, "
                         f"the value Vermeulen 1999 proposes when albumin was not measured, "
                         f"or pass the measured values (NaN where missing gives NaN there)")


def _inputs(total_testosterone, shbg, albumin, tt_unit, shbg_unit, albumin_unit, model):
    check_albumin_given(albumin)
    tt = as_concentration(total_testosterone, "total_testosterone", unit=tt_unit)
    sb = as_concentration(shbg, "shbg", unit=shbg_unit)
    # Albumin stays in g/L (no copy when given in g/L); the molar mass enters k_a.
    alb = as_concentration(albumin, "albumin", unit=albumin_unit,
                           molar_mass=model.albumin_molar_mass)
    broadcast_rows([tt, sb, alb], ["total_testosterone", "shbg", "albumin"])  # no outer product
    return tt, sb, alb


def _fractions(tt, sb, alb, model, *, bioavailable: bool = True):
    """Free and bioavailable T [nmol/L] (two arrays; the second None if not wanted)."""
    k_s = model.k_shbg * 1e-9  # L/nmol
    if model.albumin_binding == "linear":
        return _binding.linear_model(tt, sb, alb, k_s, model.k_albumin / model.albumin_molar_mass,
                                     bioavailable=bioavailable)
    alb_nmol = alb * (1e9 / model.albumin_molar_mass)
    return _binding.saturable_model(tt, sb, alb_nmol, k_s, model.k_albumin * 1e-9)


def _to_output(x, tt, output_unit):
    """nmol/L -> ``output_unit``; "%" gives percent of total testosterone."""
    if output_unit == "%":
        return percent_of_total(x, tt, "total testosterone")
    a = ANALYTES["testosterone"]
    unit = resolve_unit(output_unit, a)
    return x if unit == "nmol/L" else x / a.factor(unit)


_SHARED_PARAMS = r"""
    Parameters
    ----------
    total_testosterone : float, array_like or pandas.Series
        Total serum testosterone. [nmol/L, or ``total_testosterone_unit``]
    shbg : float, array_like or pandas.Series
        Sex hormone-binding globulin. [nmol/L]
    albumin : float, array_like or pandas.Series, default 43.0
        Serum albumin. [g/L, or ``albumin_unit``] The default is the value Vermeulen
        1999 proposes when albumin was not measured; ``None`` raises (it would otherwise
        read as a missing value and give NaN in every row).
    method : str, default "vermeulen1999"
        Binding model: one of ``BINDING_MODELS`` ("vermeulen1999", "sodergard1982",
        "emadi_konjin2003", "ross2005") or "mass_action" with ``k_shbg`` and
        ``k_albumin`` from the caller.
    total_testosterone_unit, shbg_unit, albumin_unit : str
        Units of the inputs, any listed in ``labstats.units.ANALYTES``.
    output_unit : str, default "nmol/L"
        Any testosterone unit, or "%" for percent of total testosterone (NaN, with a
        ``LabstatsWarning``, where total testosterone is 0).
    k_shbg, k_albumin : float, optional
        Override the model's association constants. [L/mol]
    albumin_molar_mass : float, optional
        Override the model's albumin molar mass, 69,000 g/mol for every method (see
        Notes for what is known of each paper's own value). [g/mol]
    albumin_binding : {"linear", "saturable"}, optional
        Override how albumin binding is modelled.
"""


def free_testosterone(total_testosterone, shbg, albumin=c.DEFAULT_ALBUMIN_G_L, *,
                      method: str = "vermeulen1999", total_testosterone_unit: str = "nmol/L",
                      shbg_unit: str = "nmol/L", albumin_unit: str = "g/L",
                      output_unit: str = "nmol/L", k_shbg: float | None = None,
                      k_albumin: float | None = None, albumin_molar_mass: float | None = None,
                      albumin_binding: str | None = None):
    r"""Calculated free testosterone (cFT) by a mass-action binding model [1]_-[4]_.

    With linear albumin binding (Vermeulen 1999, Appendix) and
    :math:`N = 1 + K_A [\mathrm{Alb}]`:

    .. math::
        K_T N \, FT^2 + \{N + K_T([\mathrm{SHBG}] - TT)\} \, FT - TT = 0

    solved for its positive root without cancellation. With saturable albumin
    (``sodergard1982``) the exact one-site mass balance is solved by Newton's method.
    {params}
    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Free testosterone. [nmol/L, or ``output_unit``] Same container as the inputs;
        a Series keeps its index and is named ``free_testosterone``. NaN wherever an
        input is NaN.

    Raises
    ------
    ValueError
        If a value is non-numeric, negative or implausible for its unit, or the method
        is unknown.

    Notes
    -----
    {method_notes}
    The model assumes no other steroid occupies SHBG in quantity; Vermeulen 1999 warns
    that it is unreliable in pregnancy, with high DHT or with mesterolone.
    Validated against the worked example of the ISSAM calculator (same group as
    [1]_; issam.ch/freetesuit.html), a port of the ISSAM calculator
    (diego-rivera-cr/testosterone-calculator @0ea0ff1) and, for ``sodergard1982``,
    tcameronwaller/uk_biobank @7240119; see ``tests/formulas/test_androgens.py``.

    References
    ----------
{ref}
    Examples
    --------
    The ISSAM worked example (TT 10 nmol/L, SHBG 40 nmol/L, albumin 4.3 g/dL):

    >>> round(free_testosterone(10.0, 40.0, 4.3, albumin_unit="g/dL"), 5)
    0.17388
    >>> round(free_testosterone(288.4, 40.0, output_unit="%", total_testosterone_unit="ng/dL"), 2)
    1.74
    >>> tt = pd.Series([15.0, None], index=["p01", "p02"])
    >>> free_testosterone(tt, 30.0).round(4)
    p01    0.3256
    p02       NaN
    Name: free_testosterone, dtype: float64
    """
    model = resolve_model(method, k_shbg, k_albumin, albumin_molar_mass, albumin_binding)
    tt, sb, alb = _inputs(total_testosterone, shbg, albumin, total_testosterone_unit,
                          shbg_unit, albumin_unit, model)
    free, _ = _fractions(tt, sb, alb, model, bioavailable=False)
    return like_inputs(_to_output(free, tt, output_unit), total_testosterone, shbg, albumin,
                       name="free_testosterone")


def bioavailable_testosterone(total_testosterone, shbg, albumin=c.DEFAULT_ALBUMIN_G_L, *,
                              method: str = "vermeulen1999",
                              total_testosterone_unit: str = "nmol/L",
                              shbg_unit: str = "nmol/L", albumin_unit: str = "g/L",
                              output_unit: str = "nmol/L", k_shbg: float | None = None,
                              k_albumin: float | None = None,
                              albumin_molar_mass: float | None = None,
                              albumin_binding: str | None = None):
    r"""Calculated bioavailable testosterone: free plus albumin-bound [1]_-[4]_.

    With linear albumin binding :math:`BAT = N \cdot FT`, :math:`N = 1 + K_A[\mathrm{Alb}]`;
    with saturable binding :math:`BAT = FT + K_A[\mathrm{Alb}]FT/(1 + K_A FT)`.
    {params}
    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Bioavailable (non-SHBG-bound) testosterone. [nmol/L, or ``output_unit``]
        Same container as the inputs; a Series is named ``bioavailable_testosterone``.

    Raises
    ------
    ValueError
        If a value is non-numeric, negative or implausible for its unit.

    Notes
    -----
    {method_notes}
    Validated as ``free_testosterone``.

    References
    ----------
{ref}
    Examples
    --------
    >>> round(bioavailable_testosterone(10.0, 40.0, 43.0), 4)
    4.0749
    >>> round(bioavailable_testosterone(288.4, 40.0, 4.3, total_testosterone_unit="ng/dL",
    ...       albumin_unit="g/dL", output_unit="ng/dL"))
    118
    """
    model = resolve_model(method, k_shbg, k_albumin, albumin_molar_mass, albumin_binding)
    tt, sb, alb = _inputs(total_testosterone, shbg, albumin, total_testosterone_unit,
                          shbg_unit, albumin_unit, model)
    _, bat = _fractions(tt, sb, alb, model)
    return like_inputs(_to_output(bat, tt, output_unit), total_testosterone, shbg, albumin,
                       name="bioavailable_testosterone")


def _free_and_bioavailable(*args, **kwargs):
    """``(free_testosterone(...), bioavailable_testosterone(...))`` of the same arguments in
    one pass, as ``derive`` wants both: the inputs are read and checked once and the binding
    model solved once. Each result equals that of its own function, bit for bit."""
    import inspect

    try:
        bound = inspect.signature(free_testosterone).bind(*args, **kwargs)
    except TypeError:
        free_testosterone(*args, **kwargs)  # raises with the function's own message
        raise
    bound.apply_defaults()
    p = bound.arguments
    model = resolve_model(p["method"], p["k_shbg"], p["k_albumin"], p["albumin_molar_mass"],
                          p["albumin_binding"])
    tt, sb, alb = _inputs(p["total_testosterone"], p["shbg"], p["albumin"],
                          p["total_testosterone_unit"], p["shbg_unit"], p["albumin_unit"], model)
    free, bat = _fractions(tt, sb, alb, model)
    given = p["total_testosterone"], p["shbg"], p["albumin"]
    return tuple(like_inputs(_to_output(x, tt, p["output_unit"]), *given, name=name)
                 for x, name in ((free, "free_testosterone"), (bat, "bioavailable_testosterone")))


def testosterone_fractions(total_testosterone, shbg, albumin=c.DEFAULT_ALBUMIN_G_L, *,
                           method: str = "vermeulen1999", total_testosterone_unit: str = "nmol/L",
                           shbg_unit: str = "nmol/L", albumin_unit: str = "g/L",
                           output_unit: str = "nmol/L", k_shbg: float | None = None,
                           k_albumin: float | None = None,
                           albumin_molar_mass: float | None = None,
                           albumin_binding: str | None = None):
    r"""All testosterone fractions at once, as a DataFrame [1]_-[4]_.

    Columns ``free``, ``albumin_bound``, ``shbg_bound``, ``bioavailable`` (in
    ``output_unit``) and ``free_percent`` (% of total; NaN with a ``LabstatsWarning`` where
    the total is 0). By construction ``free + albumin_bound + shbg_bound`` is the total.
    {params}
    Returns
    -------
    pandas.DataFrame
        One row per input row; the index of a Series input is kept (else a RangeIndex).

    Notes
    -----
    {method_notes}
    References
    ----------
{ref}
    Examples
    --------
    >>> testosterone_fractions([10.0], [40.0]).round(4)
         free  albumin_bound  shbg_bound  bioavailable  free_percent
    0  0.1739         3.9010      5.9251        4.0749        1.7388
    """
    import pandas as pd

    if output_unit == "%":
        raise ValueError('output_unit="%" does not apply here; free_percent is always given')
    model = resolve_model(method, k_shbg, k_albumin, albumin_molar_mass, albumin_binding)
    tt, sb, alb = _inputs(total_testosterone, shbg, albumin, total_testosterone_unit,
                          shbg_unit, albumin_unit, model)
    free, bat = _fractions(tt, sb, alb, model)
    tt_b = np.broadcast_to(tt, free.shape)
    cols = {
        "free": free,
        "albumin_bound": bat - free,
        "shbg_bound": tt_b - bat,
        "bioavailable": bat,
    }
    out = {k: np.atleast_1d(_to_output(v, tt_b, output_unit)) for k, v in cols.items()}
    out["free_percent"] = np.atleast_1d(percent_of_total(free, tt_b, "total testosterone"))
    index = None
    for x in (total_testosterone, shbg, albumin):
        if type(x).__name__ == "Series":
            like_inputs(free, total_testosterone, shbg, albumin)  # checks indexes agree
            index = x.index
            break
    return pd.DataFrame(out, index=index)


def free_androgen_index(total_testosterone, shbg, *, total_testosterone_unit: str = "nmol/L",
                        shbg_unit: str = "nmol/L"):
    r"""Free androgen index, :math:`FAI = 100 \cdot TT / \mathrm{SHBG}` [1]_.

    Parameters
    ----------
    total_testosterone : float, array_like or pandas.Series
        Total serum testosterone. [nmol/L, or ``total_testosterone_unit``]
    shbg : float, array_like or pandas.Series
        Sex hormone-binding globulin. [nmol/L]
    total_testosterone_unit, shbg_unit : str
        Units of the inputs. TT is converted to nmol/L first: an FAI computed from
        ng/dL would be 28.8 times too large.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        FAI. [dimensionless] A Series is named ``free_androgen_index``. SHBG of 0
        gives infinity (NaN if TT is 0 too), with a ``LabstatsWarning`` giving the
        number of such rows.

    Notes
    -----
    Vermeulen 1999 showed the FAI/free-T ratio varies with SHBG, so the FAI is a poor
    index of free testosterone in men; it is given for comparison with the literature.

    References
    ----------
    .. [1] T. J. Wilke and D. J. Utley, "Total testosterone, free-androgen index,
       calculated free testosterone, and free testosterone by analog RIA compared in
       hirsute women and in otherwise-normal women with altered binding of sex-hormone-
       binding globulin," Clin. Chem., vol. 33, no. 8, pp. 1372-1375, 1987,
       doi:10.1093/clinchem/33.8.1372.

    Examples
    --------
    >>> free_androgen_index(10.0, 40.0)
    25.0
    >>> free_androgen_index(288.42, 40.0, total_testosterone_unit="ng/dL")
    25.0
    """
    tt = as_concentration(total_testosterone, "total_testosterone", unit=total_testosterone_unit)
    sb = as_concentration(shbg, "shbg", unit=shbg_unit)
    broadcast_rows([tt, sb], ["total_testosterone", "shbg"])  # no outer product
    with np.errstate(divide="ignore", invalid="ignore"):
        fai = np.multiply(c.FAI_SCALE, tt)  # (100 TT) / SHBG, the second step in place
        fai = np.divide(fai, sb, out=fai) if fai.ndim and fai.shape == sb.shape else fai / sb
    zero = sb == 0.0
    if zero.any():  # an infinite index would pass silently into means and models
        warn_rows(int(np.count_nonzero(np.broadcast_to(zero, np.shape(fai)))),
                  "with SHBG 0: the free androgen index (100 x TT / SHBG) is infinite there "
                  "(NaN where TT is 0 too); exclude or impute such SHBG results")
    return like_inputs(fai, total_testosterone, shbg, name="free_androgen_index")


free_androgen_index.says_infinite = True  # its own warning names SHBG 0 (derive adds none)
_REF_TEXT = """    .. [1] A. Vermeulen, L. Verdonck and J. M. Kaufman, "A critical evaluation of simple
       methods for the estimation of free testosterone in serum," J. Clin. Endocrinol.
       Metab., vol. 84, no. 10, pp. 3666-3672, 1999, doi:10.1210/jcem.84.10.6079
       (``vermeulen1999``).
    .. [2] R. Södergård, T. Bäckström, V. Shanbhag and H. Carstensen, "Calculation of free
       and bound fractions of testosterone and estradiol-17 beta to human plasma proteins
       at body temperature," J. Steroid Biochem., vol. 16, no. 6, pp. 801-810, 1982,
       doi:10.1016/0022-4731(82)90038-3 (``sodergard1982``).
    .. [3] P. Emadi-Konjin, J. Bain and I. L. Bromberg, "Evaluation of an algorithm for
       calculation of serum 'bioavailable' testosterone (BAT)," Clin. Biochem., vol. 36,
       no. 8, pp. 591-596, 2003, doi:10.1016/S0009-9120(03)00076-6 (``emadi_konjin2003``).
    .. [4] H. A. Ross, E. J. Meuleman and F. C. G. J. Sweep, "A simple method for
       estimating equilibrium constants for serum testosterone binding resulting in an
       optimal free testosterone index for use in elderly men," Clin. Chem. Lab. Med.,
       vol. 43, no. 6, pp. 613-616, 2005, doi:10.1515/CCLM.2005.106 (``ross2005``).
"""

#: What is known of each method's albumin molar mass, and the caveat of emadi_konjin2003.
_METHOD_NOTES = """Albumin molar mass, by method (every method here uses 69,000 g/mol unless
    ``albumin_molar_mass`` is given; it moves free T by up to about 3 % between 66,500 and
    69,000):

    * ``vermeulen1999``: 69,000 g/mol, from [1]_ ("43 g/L (6.2 x 10^-4 mol/L)") and the
      ISSAM calculator of the same group.
    * ``emadi_konjin2003``: 69,000 g/mol as its published algorithm is reproduced
      (N = 1 + 0.1884 x albumin [g/L]) by secondary descriptions; [3]_ itself not read.
    * ``sodergard1982``: not known. [2]_ has not been read; implementations citing it
      use 66,472.2 (tcameronwaller/uk_biobank) or 66,500 g/mol (pmapcat/freee2simulator).
      69,000 is kept so that the methods differ only in their constants.
    * ``ross2005``: not known. [4]_ fitted the constants of Vermeulen's model (abstract
      read); 69,000 g/mol, Vermeulen's value, is assumed.

    ``emadi_konjin2003`` was fitted to bioavailable testosterone measured by ammonium
    sulphate precipitation (salting-out), not to free testosterone: its free T is a
    by-product of that fit, not validated against equilibrium dialysis, and departs from
    the other models' in either direction (TT 10, SHBG 40 nmol/L: 0.187 vs Vermeulen's
    0.174 nmol/L; TT 20, SHBG 20: 0.946 vs 0.550). Use it for bioavailable T.
"""

for _f in (free_testosterone, bioavailable_testosterone, testosterone_fractions):
    _f.__doc__ = _f.__doc__.replace("{params}", _SHARED_PARAMS).replace(
        "{ref}", _REF_TEXT).replace("{method_notes}", _METHOD_NOTES)
