"""Tests for labstats.plotting: the plots draw what the tidy results say."""

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from labstats.plotting import (
    bland_altman_plot,
    indirect_reference_interval_plot,
    method_comparison_plot,
)
from labstats.stats import bland_altman, deming

matplotlib.use("Agg")
PEFR = pd.read_csv(Path(__file__).parent / "reference" / "bland_altman_1986_pefr.csv",
                   comment="#")


def test_bland_altman_plot_draws_bias_and_limits():
    import matplotlib.pyplot as plt

    res = bland_altman(PEFR.mini1, PEFR.wright1)
    ax = bland_altman_plot(PEFR.mini1, PEFR.wright1, result=res)
    levels = sorted(line.get_ydata()[0] for line in ax.get_lines())
    want = sorted([*res.set_index("statistic").loc[["bias", "loa_lower", "loa_upper"],
                                                   "estimate"], 0.0])
    assert levels == pytest.approx(want)
    assert len(ax.collections[0].get_offsets()) == 17
    plt.close(ax.figure)


@pytest.mark.parametrize("given", [False, True])
def test_bland_altman_ratio_plot_names_a_non_positive_value_by_the_callers_label(given):
    # The plot paired x and y and passed the pairs on: bland_altman named the 0.0 at
    # position 2 of the pairs (the NaN pair left out), not at 'd'; with result= given it
    # divided by the 0.0 (a RuntimeWarning and a point off the log axis), silently.
    x = pd.Series([np.nan, 10.0, 12.0, 0.0, 14.0, 11.0], index=list("abcdef"))
    y = pd.Series([1.0, 11.0, 12.5, 3.0, 15.0, 10.5], index=list("abcdef"))
    res = bland_altman(x.drop("d"), y.drop("d"), log=True) if given else None
    with pytest.raises(ValueError, match=r"^x: 1 value\(s\) at or below 0; the first is 0\.0 "
                                         r"at index 'd'\. log=True analyses ln\(y\)"):
        bland_altman_plot(x, y, result=res, log=True)


def test_method_comparison_plot_uses_the_given_fit():
    import matplotlib.pyplot as plt

    x = np.linspace(1, 10, 12)
    y = 2 * x + 1 + np.sin(x) * 0.1
    res = deming(x, y)
    ax = method_comparison_plot(x, y, result=res)
    fit = [line for line in ax.get_lines() if line.get_label() == "fit"][0]
    gx, gy = fit.get_data()
    slope = res.set_index("statistic").loc["slope", "estimate"]
    assert (gy[-1] - gy[0]) / (gx[-1] - gx[0]) == pytest.approx(slope)
    plt.close(ax.figure)


def test_method_comparison_band_of_x_of_both_signs_holds_every_pairing():
    """x from -10 to 10 (a Deming fit with an intercept CI): the band paired the CI ends as
    for x >= 0 (steeper slope, lower intercept), too narrow for x < 0; it now holds the
    lines of both pairings at every point."""
    import matplotlib.pyplot as plt

    x = np.linspace(-10, 10, 21)
    y = 1.1 * x + 0.5 + np.sin(3 * x)
    res = deming(x, y).set_index("statistic")
    ax = method_comparison_plot(x, y, result=res.reset_index())
    band = ax.collections[-1].get_paths()[0].vertices
    grid = np.linspace(min(x.min(), y.min()), max(x.max(), y.max()), 100)
    (s_lo, i_lo), (s_hi, i_hi) = (res.loc[["slope", "intercept"], c] for c in
                                  ("ci_low", "ci_high"))
    lines = np.vstack([i + s * grid for i in (i_lo, i_hi) for s in (s_lo, s_hi)])
    top, bottom = band[:, 1].max(), band[:, 1].min()
    assert top == pytest.approx(lines.max()) and bottom == pytest.approx(lines.min())
    plt.close(ax.figure)


def test_indirect_plot_draws_the_result_limits_and_scaled_model():
    import matplotlib.pyplot as plt

    from labstats.stats import indirect_reference_interval
    from labstats.stats._simulate_ri import simulate

    d = simulate("GGT", 5000, p_path=0.2, side="right", seed=1)
    res = indirect_reference_interval(d["values"], method="reflim", bootstrap=20, seed=1)
    ax = indirect_reference_interval_plot(d["values"], result=res)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert lines["lower limit"].get_xdata()[0] == pytest.approx(res["estimate"].iloc[0])
    assert lines["upper limit"].get_xdata()[0] == pytest.approx(res["estimate"].iloc[1])
    gx, gy = lines["non-pathological model"].get_data()
    area = np.sum(0.5 * (gy[1:] + gy[:-1]) * np.diff(gx))  # ~ the non-pathological share
    assert area == pytest.approx(1 - res["p_pathological"].iloc[0], abs=0.03)
    plt.close(ax.figure)


def test_indirect_plot_refuses_several_partitions():
    from labstats.stats import indirect_reference_interval
    from labstats.stats._simulate_ri import simulate

    x = simulate("Hb", 4000, seed=2)["values"]
    res = indirect_reference_interval(x, method="reflim", by=["a", "b"] * 2000, bootstrap=0)
    with pytest.raises(ValueError, match="result has 4 rows; pass the two rows of one"):
        indirect_reference_interval_plot(x, result=res)


def test_import_labstats_plotting_is_light():
    import subprocess
    import sys

    code = ("import sys, labstats.plotting, labstats.stats; "
            "print(any(m in sys.modules for m in ('matplotlib', 'seaborn', 'statsmodels')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_centile_plot_draws_the_table_centiles_and_bands():
    """The lines are the table's values at the centiles (CDC BMI-for-age, girls), the band
    is the fit's bootstrap interval."""
    from labstats.datasets import cdc_growth_lms
    from labstats.plotting import centile_plot

    bmi = cdc_growth_lms("bmi")
    ax = centile_plot(bmi, [60.0, 120.0], [16.0, 18.0], sex="F", centiles=(3, 50, 97))
    line = {ln.get_label(): ln for ln in ax.get_lines()}
    x, y = line["P97"].get_data()
    np.testing.assert_allclose(y, bmi.value_at(1.8807936081512509, x, "female"))
    assert ax.get_xlabel() == "age (months)"
    ci = pd.DataFrame({"sex": "female", "age": [100.0, 150.0], "centile": 50,
                       "ci_low": [15.0, 17.0], "ci_high": [17.0, 19.0]})
    ax = centile_plot(bmi, sex="female", centiles=(50,), ci=ci)
    assert len(ax.collections) == 1  # one band
    import matplotlib.pyplot as plt

    plt.close("all")
