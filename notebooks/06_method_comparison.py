# %% [markdown]
# # Method comparison and reference intervals
#
# **Question.** How do two methods for the same quantity agree, and what interval holds the
# central 95 % of a reference population?
#
# **Data.** Embedded: the peak-flow readings of Bland & Altman (Lancet 1986, Table 1), and a
# grid of total testosterone and SHBG values on which two free-testosterone binding models are
# compared. No network, no files. Run time: a few seconds.
#
# **Published numbers reproduced (asserted):** Bland & Altman 1986: mean difference -2.1 L/min,
# limits of agreement -79.7 to 75.5 L/min (mean -/+ 2 SD). CLSI EP28-A3c Appendix B robust
# interval of 20 calcium values: 9.05 to 10.20 mg/dL.

# %%
import numpy as np
import pandas as pd

import labstats
from labstats.plotting import bland_altman_plot, method_comparison_plot
from labstats.stats import (
    bland_altman,
    concordance,
    deming,
    passing_bablok,
    ratio_summary,
    reference_interval,
)

# %% [markdown]
# ## 1. Bland & Altman (1986): Wright vs mini Wright peak flow meter (L/min)

# %%
wright = np.array([494, 395, 516, 434, 476, 557, 413, 442, 650, 433, 417, 656, 267, 478, 178,
                   423, 427], dtype=float)
mini = np.array([512, 430, 520, 428, 500, 600, 364, 380, 658, 445, 432, 626, 260, 477, 259,
                 350, 451], dtype=float)
ba = bland_altman(mini, wright, multiplier=2, ci_method="bland_altman_1986")
ba

# %%
est = ba.set_index("statistic")["estimate"]
assert round(est["bias"], 1) == -2.1
assert abs(est["loa_lower"] - -79.7) < 0.1 and abs(est["loa_upper"] - 75.5) < 0.1

# %%
ax = bland_altman_plot(mini, wright)
ax.set_title("Wright minus mini Wright (L/min), 95 % limits with exact CIs")

# %% [markdown]
# ## 2. Two free-testosterone models on a grid
#
# Vermeulen (1999) and Södergård (1982) binding models, albumin 43 g/L, total T 2-35 nmol/L,
# SHBG 10-100 nmol/L. With no measured free T at hand, this compares the two calculations with
# each other; it says nothing about which is closer to equilibrium dialysis.

# %%
tt, shbg = np.meshgrid(np.linspace(2, 35, 12), np.linspace(10, 100, 12))
tt, shbg = tt.ravel(), shbg.ravel()
ft_v = labstats.free_testosterone(tt, shbg, method="vermeulen1999")
ft_s = labstats.free_testosterone(tt, shbg, method="sodergard1982")
pd.concat([passing_bablok(ft_v, ft_s), deming(ft_v, ft_s), concordance(ft_v, ft_s)])

# %%
bland_altman(ft_v, ft_s, log=True)

# %%
method_comparison_plot(ft_v, ft_s, result=passing_bablok(ft_v, ft_s))

# %% [markdown]
# ## 3. Calculated / measured ratios (the Fiers et al. 2018 summary)
#
# Fiers et al. (JCEM 2018) report the median ratio of calculated to dialysis-measured free T:
# 1.19 (2.5-97.5 %: 0.90-1.47) for Vermeulen. With measured values, `ratio_summary(calculated,
# measured, covariates={"shbg": ...})` gives the same summary. Here, the Södergård/Vermeulen
# ratio on the grid, and how it depends on SHBG:

# %%
ratio_summary(ft_s, ft_v, covariates={"shbg": shbg, "total_testosterone": tt})

# %% [markdown]
# ## 4. Reference intervals
#
# The CLSI EP28-A3c Appendix B example (20 calcium values, mg/dL) by the robust method:

# %%
calcium = np.array([8.9, 9.2] + [9.4] * 2 + [9.5] * 3 + [9.6] * 4 + [9.7] * 5 + [9.8]
                   + [9.9] * 2 + [10.2])
robust = reference_interval(calcium, method="robust", transform=None, n_boot=500)
robust

# %%
assert np.allclose(robust.estimate, [9.049545, 10.199396], atol=5e-6)
