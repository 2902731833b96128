# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Androgens in the adult population, by sex and age
#
# **Question.** How are total testosterone (TT), SHBG, calculated free testosterone (FT), the
# free androgen index (FAI) and estradiol distributed in adults by sex and age, and does the
# picture change when FT rather than TT is used? Two men with the same TT can differ in FT
# through SHBG, and SHBG rises with age.
#
# **Data.** `labstats.load_cohort()`: by default real NHANES 2013-2016 from the extract
# shipped with labstats (`labstats.load_nhanes`, no download; 2013-2014 and 2015-2016 pooled,
# weights divided by 2 as NCHS prescribes). `labstats report --data synthetic` (or
# `LABSTATS_DATA=synthetic`) runs it on the calibrated synthetic cohort
# (`make_cohort(n=20000, seed=0)`: equal weights and random PSUs and strata, so its design
# standard errors are those of a simple random sample); `--data PATH` on a folder of CDC
# files downloaded with `labstats.fetch_nhanes()` (the same numbers as the extract).
#
# **Reproduced (asserted).** R survey 4.1-1 (`svymean`, `svyquantile`) on the data the
# notebook ran on (`tests/reference/make_notebook_reference.R`, which writes one file of R
# values for NHANES and one for the synthetic cohort); on NHANES also the R survey value of
# `SOURCES.md` (mean TT of men 20+ in 2013-2014, 412.65 ng/dL, SE 4.273).
# **Run time:** a few seconds (measured with `labstats report`, 2026-11-30: under 3 s).

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

import labstats
from labstats.stats import SurveyDesign, age_groups, describe, format_table

sns.set_theme(style="whitegrid")
HORMONES = ["free_testosterone", "bioavailable_testosterone", "free_androgen_index",
            "free_estradiol"]
cohort = labstats.derive(labstats.load_cohort(), HORMONES,
                         options={"free_testosterone": {"output_unit": "pmol/L"}})
DATA = cohort.attrs["data"]
cohort["age_band"] = age_groups(cohort["age"], [20, 40, 60])
cohort["age5"] = age_groups(cohort["age"], list(range(20, 80, 5)))
design = SurveyDesign(cohort, weights="weight_hormone", strata="strata", psu="psu",
                      lonely_psu="adjust")
adults = design.subset(cohort["age"] >= 20)
print(f"{DATA}: {len(cohort):,} rows; {adults.subset(cohort.shbg.notna()).mean('shbg').n_obs[0]:,}"
      " adults with SHBG")

# %% [markdown]
# ## 1. Table 1
#
# Survey-weighted means and medians (95 % CIs: Student's t on the design degrees of freedom
# for means, Woodruff for medians). Units: TT and SHBG nmol/L, FT pmol/L (Vermeulen 1999,
# measured albumin), FAI = 100 TT/SHBG, estradiol pmol/L. Each sex-by-age group is a domain
# of the full design, as R's `svyby` does.

# %%
VARIABLES = ["total_testosterone", "shbg", "free_testosterone", "free_androgen_index",
             "estradiol"]
table1 = describe(cohort, VARIABLES, by=["sex", "age_band"], design=adults)
format_table(table1, 2)

# %% [markdown]
# The same estimators in R (`svymean(~free_testosterone, subset(des, adult & sex == "male"),
# na.rm = TRUE)`, etc., scripts in `tests/reference/`) give the same numbers to
# floating-point precision; on NHANES 2013-2014, the mean TT of men 20+ equals the
# `svymean` of SOURCES.md.

# %%
by_sex = describe(cohort, VARIABLES, by="sex", design=adults, statistics=("mean",))
REFERENCE = {"synthetic": "r_survey_synthetic.csv", "nhanes": "r_survey_nhanes_notebooks.csv"}
ref = pd.read_csv(Path("..") / "tests" / "reference" / REFERENCE[DATA], comment="#",
                  dtype={"notebook": str})
r = ref[(ref.notebook == "02") & (ref.statistic == "mean")]
got = by_sex.merge(r, left_on=["sex", "variable"], right_on=["domain", "variable"])
scale = np.where(got.variable == "free_testosterone", 1000.0, 1.0)  # R file: nmol/L
assert len(got) == 8
np.testing.assert_allclose(got.estimate_x, got.estimate_y * scale, rtol=1e-9)
np.testing.assert_allclose(got.se_x, got.se_y * scale, rtol=1e-6)
if DATA == "nhanes":
    men13 = design.subset((cohort.sex == "male") & (cohort.age >= 20)
                          & (cohort.cycle == "2013-2014"))
    tt = men13.mean(labstats.convert(cohort.total_testosterone, "total_testosterone", "nmol/L",
                                     "ng/dL"))
    assert abs(tt.estimate[0] - 412.65) < 0.01 and abs(tt.se[0] - 4.273) < 0.001
by_sex[["sex", "variable", "estimate", "se", "ci_low", "ci_high", "n_obs"]]

# %% [markdown]
# ## 2. Percentile curves by age
#
# Survey-weighted 5th, 25th, 50th, 75th and 95th percentiles (R's default `qrule="math"`) in
# 5-year age bands, with their 95 % Woodruff intervals as bands.

# %%
PROBS = [0.05, 0.25, 0.5, 0.75, 0.95]
curves = adults.quantile(["total_testosterone", "shbg", "free_testosterone"], PROBS,
                         by=["sex", "age5"])
curves["age"] = curves["age5"].astype(str).str[:2].astype(int) + 2.5
curves["percentile"] = (100 * curves["q"]).round().astype(int)
curves["variable"] = curves["variable"].map({"total_testosterone": "TT [nmol/L]",
                                             "shbg": "SHBG [nmol/L]",
                                             "free_testosterone": "free T [pmol/L]"})
COLORS = dict(zip([5, 25, 50, 75, 95], sns.color_palette("viridis", 5), strict=True))


def _band(data, **kws):
    for p, d in data.groupby("percentile"):
        plt.fill_between(d["age"], d["ci_low"], d["ci_high"], color=COLORS[p], alpha=0.25, lw=0)


g = sns.relplot(data=curves, x="age", y="estimate", hue="percentile", row="variable",
                col="sex", kind="line", palette=COLORS, height=2.6, aspect=1.5,
                facet_kws={"sharey": False})
g.map_dataframe(_band)
g.set_axis_labels("age [years]", "weighted percentile")
g.set_titles("{row_name}, {col_name}")
title = g.figure.suptitle(f"{cohort.attrs['description']}: survey-weighted percentiles "
                          "(weight_hormone)", y=1.01)

# %% [markdown]
# In men, median TT changes little with age while median FT falls steadily: SHBG rises
# with age and binds a growing share of TT. The R medians of FT in men by age band, and the
# ratio of the oldest to the youngest band for TT and FT:

# %%
men = adults.subset(cohort.sex == "male")
medians = men.quantile(["total_testosterone", "free_testosterone"], 0.5, by="age_band")
r = ref[(ref.notebook == "02") & (ref.statistic == "quantile_0.5")]
ft = medians[medians.variable == "free_testosterone"]
np.testing.assert_allclose(ft.estimate, 1000 * r.estimate, rtol=1e-9)
np.testing.assert_allclose(ft[["ci_low", "ci_high"]], 1000 * r[["ci_low", "ci_high"]], rtol=1e-9)
wide = medians.pivot(index="variable", columns="age_band", values="estimate")
wide["60+ / 20-39"] = wide["60+"] / wide["20-39"]
assert wide.loc["free_testosterone", "60+ / 20-39"] < wide.loc["total_testosterone", "60+ / 20-39"]
wide

# %% [markdown]
# ## 3. Same total T, different free T
#
# Men whose TT lies within ±1 nmol/L of 15 nmol/L: their FT still spans a wide range, set by
# SHBG.

# %%
window = cohort[(cohort.sex == "male") & (cohort.age >= 20)
                & cohort.total_testosterone.between(14, 16) & cohort.free_testosterone.notna()]
source = {"nhanes": "NHANES 2013-2016", "synthetic": "synthetic cohort"}[DATA]
fig, ax = plt.subplots(figsize=(6, 4))
sns.scatterplot(data=window, x="shbg", y="free_testosterone", hue="age_band", s=12, alpha=0.6,
                ax=ax)
ax.set(xscale="log", xlabel="SHBG [nmol/L], log scale", ylabel="free T [pmol/L]",
       title=f"{len(window):,} men 20+ with TT 14-16 nmol/L ({source}, unweighted)")
ax.set_xticks([10, 20, 50, 100, 200], labels=["10", "20", "50", "100", "200"], minor=False)
ax.minorticks_off()
ax.legend(title="age [years]")
spread = window.free_testosterone.quantile([0.05, 0.95])
print(f"FT 5th-95th percentile at the same TT: {spread.iloc[0]:.0f}-{spread.iloc[1]:.0f} pmol/L")
assert spread.iloc[1] / spread.iloc[0] > 1.5

# %% [markdown]
# How often does ranking men by FT rather than TT move them to another quartile? Quartile
# limits are survey-weighted; the share is a weighted proportion (logit CI).

# %%
adult_men = (cohort.sex == "male") & (cohort.age >= 20)
cuts = {v: men.quantile(v, [0.25, 0.5, 0.75]).estimate.to_numpy()
        for v in ("total_testosterone", "free_testosterone")}
quartile = {v: pd.cut(cohort[v], [-np.inf, *cuts[v], np.inf], labels=["Q1", "Q2", "Q3", "Q4"])
            for v in cuts}
cohort["ft_quartile_differs"] = (quartile["total_testosterone"].astype(str)
                                 != quartile["free_testosterone"].astype(str)).where(
    cohort.free_testosterone.notna() & adult_men)
moved = men.proportion("ft_quartile_differs")
moved[["estimate", "ci_low", "ci_high", "n_obs"]]

# %%
crosstab = pd.crosstab(quartile["total_testosterone"][adult_men],
                       quartile["free_testosterone"][adult_men],
                       values=cohort.weight_hormone[adult_men], aggfunc="sum", normalize=True)
fig, ax = plt.subplots(figsize=(4.5, 4))
sns.heatmap(100 * crosstab, annot=True, fmt=".1f", cmap="crest", cbar=False, ax=ax)
ax.set(xlabel="free T quartile", ylabel="total T quartile",
       title="weighted % of adult men (diagonal: same quartile)")
assert 0.2 < moved.estimate[0] < 0.8

# %% [markdown]
# **Reading.** In this cohort a sizeable share of men fall in a different quartile by FT than by
# TT; the age gradient is steeper for FT than for TT. These are descriptive statements about a
# calculated quantity (Vermeulen's equation with measured albumin), not about any diagnosis;
# notebook 03 shows how much the calculation itself depends on the chosen model.
