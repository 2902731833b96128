"""``partition_test``: do subgroups need separate reference intervals? (Re-exported by
:mod:`labstats.stats.reference`, where it belongs; a module of its own for file size.)"""

from __future__ import annotations

import numpy as np

from labstats._validate import _is_series, common_index, to_float_array
from labstats.stats._common import check_method, no_inf

__all__ = ["partition_test"]


def partition_test(values, groups, *, method: str = "harris_boyd", coverage: float = 0.95):
    r"""Do subgroups need separate reference intervals?

    Parameters
    ----------
    values : array_like or pandas.Series
        Reference values [any unit]; for ``"harris_boyd"`` they should be near
        Gaussian (transform them first).
    groups : array_like or pandas.Series
        Subgroup label of each value (exactly two groups, of at least 2 values each, for
        ``"harris_boyd"``). A Series must have the index of a Series ``values``; a missing
        label of a value raises ``ValueError`` (it is never left out silently).
    method : {"harris_boyd", "lahti"}
        ``"harris_boyd"`` [1]_: partition when
        :math:`z = |\bar x_1 - \bar x_2| / \sqrt{s_1^2/n_1 + s_2^2/n_2}` exceeds
        :math:`z^* = 3\sqrt{(n_1+n_2)/240}` or the larger SD exceeds 1.5 times the
        smaller. ``"lahti"`` [2]_: the share of each subgroup outside each combined
        nonparametric limit; partition when any share is above 4.1 % or below 0.9 %,
        no partition when all lie within 1.8-3.2 % (for a 95 % interval). Values equal
        to a limit (rounded results) count outside it with the weight that puts exactly
        2.5 % of all values outside (ties broken at random), not as inside.
    coverage : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        Long rows ``group, statistic, estimate`` and a ``decision`` column
        ("partition", "no_partition" or "marginal").

    Notes
    -----
    Decision rules transcribed from [1]_ and [2]_; checked by laws (identical groups
    are not split, well-separated groups are), not against published data.

    References
    ----------
    .. [1] E. K. Harris and J. C. Boyd, "On dividing reference data into subgroups to
       produce separate reference ranges," Clin. Chem., vol. 36, no. 2, pp. 265-270,
       1990, doi:10.1093/clinchem/36.2.265.
    .. [2] A. Lahti, P. Hyltoft Petersen, J. C. Boyd, P. Rustad, P. Laake and
       H. E. Solberg, "Partitioning of nongaussian-distributed biochemical reference
       data into subgroups," Clin. Chem., vol. 50, no. 5, pp. 891-900, 2004,
       doi:10.1373/clinchem.2003.027953.

    Examples
    --------
    >>> v = np.r_[np.linspace(10, 20, 60), np.linspace(30, 40, 60)]
    >>> g = ["f"] * 60 + ["m"] * 60
    >>> partition_test(v, g).decision.iloc[0]
    'partition'
    """
    import pandas as pd

    from labstats.stats.reference import _rank_quantile, tail_probabilities

    check_method(method, ("harris_boyd", "lahti"))
    x = np.atleast_1d(to_float_array(values, "values"))
    no_inf(x, values, "values")
    common_index(groups, values, names=("groups", "values"))
    g = np.asarray(groups.to_numpy() if _is_series(groups) else groups, dtype=object)
    if g.shape != x.shape:
        raise ValueError(f"groups has {g.size} labels and values has {x.size}")
    ok = ~np.isnan(x)
    unlabelled = ok & np.asarray(pd.isna(g), bool)
    if unlabelled.any():
        from labstats._validate import _label

        pos = int(np.flatnonzero(unlabelled)[0])
        raise ValueError(f"groups: {int(unlabelled.sum())} missing label"
                         f"{'s' if unlabelled.sum() > 1 else ''}; the first at index "
                         f"{_label(values if _is_series(values) else groups, pos)!r} "
                         f"(value {float(x[pos])!r}). Give every value its subgroup, or leave "
                         "those values out explicitly (values[groups.notna()]).")
    x, g = x[ok], g[ok]
    labels = sorted(set(g.tolist()), key=str)
    if method == "harris_boyd":
        if len(labels) != 2:
            raise ValueError(f"harris_boyd compares exactly two groups, got {len(labels)}: "
                             f"{labels}; use method='lahti' or compare pairs")
        a, b = x[g == labels[0]], x[g == labels[1]]
        for lab, v in ((labels[0], a), (labels[1], b)):
            if v.size < 2:
                raise ValueError(f"harris_boyd: group {lab!r} has {v.size} value"
                                 f"{'s' if v.size != 1 else ''}; each group needs at least 2 "
                                 "(its SD enters the test), and far more for a reference "
                                 "interval (CLSI: 120)")
        z = abs(a.mean() - b.mean()) / np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        z_star = 3 * np.sqrt((a.size + b.size) / 240)
        sds = sorted([a.std(ddof=1), b.std(ddof=1)])
        ratio = sds[1] / sds[0]
        decision = "partition" if (z > z_star or ratio > 1.5) else "no_partition"
        name = f"{labels[0]} vs {labels[1]}"
        return pd.DataFrame({"group": name, "statistic": ["z", "z_critical", "sd_ratio"],
                             "estimate": [z, z_star, ratio], "decision": decision})
    xs = np.sort(x)
    p_lo, p_hi = tail_probabilities(coverage)
    lo, hi = _rank_quantile(xs, p_lo), _rank_quantile(xs, p_hi)
    tail = (1 - coverage) / 2
    # values equal to a limit (rounded data: 20 % of the values can sit on it) count
    # outside with the weight that puts exactly ``tail`` of the combined values outside,
    # i.e. ties broken at random; else identical subgroups of integer results showed
    # 0.6 % below the lower limit and were "partitioned"
    w_lo = _tie_weight(np.mean(x < lo), np.mean(x == lo), tail)
    w_hi = _tie_weight(np.mean(x > hi), np.mean(x == hi), tail)
    rows = []
    for lab in labels:
        v = x[g == lab]
        for stat, share in (("below_lower", np.mean(v < lo) + w_lo * np.mean(v == lo)),
                            ("above_upper", np.mean(v > hi) + w_hi * np.mean(v == hi))):
            if share > tail * 4.1 / 2.5 or share < tail * 0.9 / 2.5:
                dec = "partition"
            elif tail * 1.8 / 2.5 <= share <= tail * 3.2 / 2.5:
                dec = "no_partition"
            else:
                dec = "marginal"
            rows.append({"group": lab, "statistic": stat, "estimate": share, "decision": dec})
    return pd.DataFrame(rows)


def _tie_weight(outside, at, tail):
    """Share of the values equal to a limit that counts as outside it (0 without ties)."""
    return float(np.clip((tail - outside) / at, 0.0, 1.0)) if at > 0 else 0.0
