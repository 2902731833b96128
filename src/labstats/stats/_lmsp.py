"""``LMSPTable``: an LMS table with a fourth, kurtosis parameter tau (BCPE or BCT).

A subclass of :class:`labstats.stats.LMSTable` so that the LMS/BCCG tables keep their
contract (and their compiled scoring) unchanged; only the scoring methods differ, through
the Box-Cox functions of ``_bcpe`` with the family's kernel (power exponential: BCPE,
Rigby & Stasinopoulos 2004; Student's t: BCT, 2006). One class for both families, told
apart by ``family``: the methods, and what they mean, are the same.
"""

from __future__ import annotations

import numpy as np

from labstats._validate import as_sex, common_index, like_inputs, to_float_array
from labstats.stats import _bcpe
from labstats.stats.centiles import LMSTable

__all__ = ["LMSPTable"]


class LMSPTable(LMSTable):
    """L, M, S and tau (kurtosis) at reference ages: Box-Cox power exponential or Box-Cox t.

    ``family="bcpe"``: the BCPE distribution of Rigby & Stasinopoulos (2004), truncated to
    positive values as gamlss' ``BCPE`` defines it: ``z = ((y/M)^L - 1)/(L S)`` follows
    the power exponential distribution of unit variance with shape tau (tau = 2: normal,
    so the table scores as the BCCG ``LMSTable``; tau < 2: heavier tails; tau > 2:
    lighter); its distribution function uses the regularised incomplete gamma function.
    ``family="bct"``: the Box-Cox t of Rigby & Stasinopoulos (2006), truncated as gamlss'
    ``BCT``: z follows Student's t with tau degrees of freedom (heavier tails than the
    normal, the more so the smaller tau; tau -> infinity: the BCCG), through the
    regularised incomplete beta function. :func:`fit_lms` with ``family="bcpe"`` or
    ``"bct"`` returns one. All methods of :class:`LMSTable` apply; z-scores are the normal
    scores Phi^-1(F(y)) and ``value_at(z)`` the quantile at Phi(z).

    Parameters
    ----------
    age, L, M, S : array_like
        As :class:`LMSTable` (M is the median when the truncation is negligible).
    tau : array_like
        Kurtosis parameter (> 0) at each reference age: the power exponential's shape
        (BCPE) or the t's degrees of freedom (BCT).
    sex : array_like, optional
        As :class:`LMSTable`.
    age_unit : str, default "months"
        Unit of ``age``.
    measure, unit, source : str, optional
        Informative, as :class:`LMSTable`.
    family : {"bcpe", "bct"}, default "bcpe"
        The distribution of z (attribute ``family``).

    Notes
    -----
    Between reference ages L, M, S and tau are interpolated linearly, or evaluated on the
    fitted curves of :func:`fit_lms`. ``modified_zscore`` uses the distribution's median and
    its values at z = -2 and +2 (CDC's definition with the family's quantiles). Validated
    against the GPL Python port of gamlss (density, CDF and quantile to 1e-12;
    tests/stats/test_bcpe.py, tests/stats/test_bct.py).

    References
    ----------
    .. [1] R. A. Rigby and D. M. Stasinopoulos, "Smooth centile curves for skew and
       kurtotic data modelled using the Box-Cox power exponential distribution," Stat.
       Med., vol. 23, no. 19, pp. 3053-3076, 2004, doi:10.1002/sim.1861.
    .. [2] R. A. Rigby and D. M. Stasinopoulos, "Using the Box-Cox t distribution in
       GAMLSS to model skewness and kurtosis," Stat. Model., vol. 6, no. 3, pp. 209-229,
       2006, doi:10.1191/1471082X06st122oa.

    Examples
    --------
    >>> t = LMSPTable(age=[20.0, 80.0], L=[0.5, 0.5], M=[18.0, 12.0], S=[0.35, 0.4],
    ...               tau=[1.5, 1.5], age_unit="years")
    >>> round(float(t.value_at(0.0, 50.0)), 4)  # the median at 50 y
    15.0
    >>> round(float(t.centile(t.value_at(1.88, 50.0), 50.0)), 3)  # Phi(1.88) = 96.995%
    96.995
    >>> round(float(t.zscore(25.0, 50.0)), 4)
    1.5587

    With tau = 2 the table scores as the BCCG ``LMSTable``:

    >>> args = ([20.0, 80.0], [0.5, 0.5], [18.0, 12.0], [0.35, 0.4])
    >>> normal = LMSPTable(*args, tau=[2.0, 2.0], age_unit="years")
    >>> bccg = LMSTable(*args, family="bccg", age_unit="years")
    >>> round(float(normal.zscore(25.0, 50.0)), 6), round(float(bccg.zscore(25.0, 50.0)), 6)
    (1.55197, 1.55197)

    A Box-Cox t table with 5 degrees of freedom (t_5 is not rescaled to unit variance):
    about the same median (the truncation moves it slightly), far wider extreme centiles.

    >>> bct = LMSPTable(*args, tau=[5.0, 5.0], family="bct", age_unit="years")
    >>> bct.family, round(float(bct.value_at(0.0, 50.0)), 2)
    ('bct', 15.01)
    >>> round(float(bct.value_at(2.5, 50.0)), 2), round(float(normal.value_at(2.5, 50.0)), 2)
    (44.16, 32.36)
    """

    def __init__(self, age, L, M, S, tau, sex=None, *, age_unit: str = "months",
                 measure=None, unit=None, source=None, family: str = "bcpe", _curves=None,
                 _tau_curves=None):
        if family not in ("bcpe", "bct"):
            raise ValueError(f"family: 'bcpe' or 'bct'; got {family!r}")
        super().__init__(age, L, M, S, sex, age_unit=age_unit, measure=measure, unit=unit,
                         family="bccg", source=source, _curves=_curves)
        self.family, self._kern = family, _bcpe.kernel(family)
        a = to_float_array(age, "age").ravel()
        t = to_float_array(tau, "tau").ravel()
        if t.size != a.size:
            raise ValueError(f"tau: {t.size} values for {a.size} ages")
        if not (np.isfinite(t) & (t > 0)).all():
            bad = int(np.flatnonzero(~(np.isfinite(t) & (t > 0)))[0])
            raise ValueError(f"tau: must be finite and > 0; row {bad} is {t[bad]}")
        sx = None if sex is None else as_sex(sex, "sex").ravel()
        self._tau = {}
        for code in self._points:
            rows = np.ones(a.size, bool) if code is None else sx == code
            order = np.argsort(a[rows], kind="stable")
            ages, taus = a[rows][order], t[rows][order]
            if _tau_curves is not None:
                self._tau[code] = _tau_curves[code]
            else:
                self._tau[code] = (lambda x, ages=ages, taus=taus: np.interp(x, ages, taus))

    def __repr__(self) -> str:
        return "LMSPTable" + super().__repr__().removeprefix("LMSTable")

    def _tau_at(self, age, sex, shape):
        """tau at ``age`` for ``sex``, broadcast to ``shape`` (ages outside: NaN elsewhere)."""
        a = np.broadcast_to(to_float_array(age, "age"), shape).ravel()
        out = np.full(a.size, np.nan)
        if None in self._tau:
            lo, hi = self.age_range(None)
            return self._tau[None](np.clip(a, lo, hi)).reshape(shape)
        s = np.broadcast_to(as_sex(sex, "sex"), shape).ravel()
        for code, f in self._tau.items():
            rows = s == code
            if rows.any():
                lo, hi = self._points[code][0][[0, -1]]
                out[rows] = f(np.clip(a[rows], lo, hi))
        return out.reshape(shape)

    def _params(self, age, sex, *others):
        (L, M, S), shape = self._lms_at(age, sex, *others)
        return L, M, S, self._tau_at(age, sex, shape), shape

    def zscore(self, value, age, sex=None):
        """z-score Phi^-1(F(y)) of ``value`` at ``age`` (BCPE or BCT distribution).

        Parameters
        ----------
        value : float, array_like or pandas.Series
            Measurements (> 0).
        age : float, array_like or pandas.Series
            Ages in ``age_unit``.
        sex : str, int, array_like or pandas.Series, optional
            As ``LMSTable.zscore``.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            Like the inputs; NaN where an input is missing or the age is outside the table.

        Notes
        -----
        A tail probability below 1e-280 (beyond about ``|z|`` = 36) is computed from its
        logarithm, so that values far out keep finite, ordered scores (as the normal
        quantile of a probability that rounds to 0 they would be infinite; checked against
        40-digit mpmath up to z = 18,000). The score is -inf only for a value whose Box-Cox
        z is the truncation point -1/(S L) in double precision (L > 0 and the value below
        about M 1e-16^(1/L): the lower end of the model), and +-inf where it would exceed
        the largest double. A value of +inf scores +inf (centile 100), the limit of the
        increasing score, for every L; a missing value scores NaN; a value <= 0 (-inf
        included) is outside the distribution's support and raises ValueError, naming it.

        Examples
        --------
        >>> t = LMSPTable([0, 10], [0.0, 0.0], [10.0, 10.0], [0.1, 0.1], [1.0, 1.0],
        ...               age_unit="years")
        >>> round(float(t.zscore(10.0, 5.0)), 6)  # at the median
        0.0
        """
        y = self._value_array(value)
        L, M, S, T, shape = self._params(age, sex, y)
        return like_inputs(_bcpe.zscore(np.broadcast_to(y, shape), L, M, S, T, self._kern), value, age, sex)

    def centile(self, value, age, sex=None):
        """Centile (0-100) of ``value`` at ``age``: 100 F(y). Arguments as :meth:`zscore`."""
        y = self._value_array(value)
        L, M, S, T, shape = self._params(age, sex, y)
        return like_inputs(100.0 * _bcpe.cdf(np.broadcast_to(y, shape), L, M, S, T, self._kern), value,
                           age, sex)

    def value_at(self, z, age, sex=None):
        """The value at z-score ``z``: the quantile at probability Phi(z); 0 at z = -inf,
        inf at +inf, NaN where z is missing.

        On the side of the median without a cut (above it for L >= 0, below it for
        L <= 0) a tail probability Phi(-``|z|``) below 1e-280 (BCPE; ``|z|`` > ~36) or 1e-20 (BCT)
        is inverted from its logarithm, so that ``zscore(value_at(z)) == z`` (to 1e-11;
        measured 9e-15) for ``|z|`` up to 1e4 and beyond, wherever the value is a double; past
        that it is 0 or inf (overflow: a Box-Cox t with few degrees of freedom reaches 1e308
        times M at moderate z). On a side with a cut (below the median for L > 0, above it
        for L < 0: the model's values end at 0, or at infinity, where the Box-Cox z is
        -1/(S L)) the value is that end, 0 or inf, in double precision once Phi(z) falls
        below ~1e-16 of the probability cut off there; the round trip holds to 1e-9
        while Phi(z) is above 1e-6 of it, and loses digits beyond (measured: 1e-8 at 1e-8
        of it, 1e-4 at 1e-12; tests/stats/test_far_zscores.py).

        >>> t = LMSPTable([0, 10], [0.0, 0.0], [10.0, 10.0], [0.1, 0.1], [2.0, 2.0],
        ...               age_unit="years")
        >>> round(float(t.value_at(1.0, 5.0)), 6)  # tau = 2, L = 0: 10 exp(0.1)
        11.051709
        """
        zz = to_float_array(z, "z")
        L, M, S, T, shape = self._params(age, sex, zz)
        return like_inputs(_bcpe.value(np.broadcast_to(zz, shape), L, M, S, T, self._kern), z, age, sex)

    def modified_zscore(self, value, age, sex=None):
        """CDC's modified z-score with the BCPE (BCT) quantiles: (y - P50) / (SD2 / 2), SD2 the
        distance from the median to the value at z = +2 (above it) or -2 (below)."""
        y = self._value_array(value)
        L, M, S, T, shape = self._params(age, sex, y)
        y = np.broadcast_to(y, shape)
        med, up, lo = (_bcpe.value(q, L, M, S, T, self._kern) for q in (0.0, 2.0, -2.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(y < med, (y - med) / (0.5 * (med - lo)), (y - med) / (0.5 * (up - med)))
        return like_inputs(out, value, age, sex)

    def parameters(self, age, sex=None):
        """L, M, S and tau at ``age``, as a DataFrame.

        >>> t = LMSPTable([0, 10], [1.0, 0.0], [10.0, 20.0], [0.1, 0.2], [1.0, 3.0],
        ...               age_unit="years")
        >>> t.parameters([5.0]).round(3).to_dict("list")
        {'L': [0.5], 'M': [15.0], 'S': [0.15], 'tau': [2.0]}
        """
        import pandas as pd

        index = common_index(age, sex)
        L, M, S, T, _ = self._params(age, sex)
        return pd.DataFrame({"L": L.ravel(), "M": M.ravel(), "S": S.ravel(), "tau": T.ravel()},
                            index=index)

    def to_frame(self):
        """The reference rows as a DataFrame: ``sex``, ``age``, ``L``, ``M``, ``S``, ``tau``."""
        from labstats.stats.centiles import _SEX_NAMES

        frame = super().to_frame()
        frame["tau"] = np.nan
        for code, f in self._tau.items():
            rows = (frame["sex"] == _SEX_NAMES[code]) if code is not None else slice(None)
            frame.loc[rows, "tau"] = f(frame.loc[rows, "age"].to_numpy(float))
        return frame
