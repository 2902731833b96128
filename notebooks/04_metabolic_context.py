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
# # Metabolic context of androgen status in men
#
# **Question.** How do insulin resistance (HOMA-IR), the triglyceride-glucose index (TyG),
# lipids and kidney function (eGFR) differ across men grouped by calculated free
# testosterone (FT), once the survey weights are used?
#
# **Data.** Men 20+ of `labstats.load_cohort()`: by default real NHANES 2013-2016 from the
# extract shipped with labstats (no download; two cycles pooled, weights divided by 2);
# `labstats report --data synthetic` (or `LABSTATS_DATA=synthetic`) for the calibrated
# synthetic cohort (`make_cohort(n=20000, seed=0)`: equal weights, random PSUs, so design
# standard errors are those of a simple random sample); `--data PATH` for a folder of CDC
# files downloaded with `labstats.fetch_nhanes()`.
# FT quartiles use the hormone weights; fasting measures (glucose, insulin, triglycerides)
# the fasting-subsample weights, zero for participants outside that subsample.
#
# **Reproduced (asserted).** Matthews et al. 1985: fasting insulin 5 µU/mL with glucose
# 4.5 mmol/L is HOMA-IR 1. National Kidney Foundation CKD-EPI 2021 calculator: creatinine
# 1.2 mg/dL, 55 years, male → 71 mL/min/1.73 m². R survey 4.1-1 on the data the notebook
# ran on (`tests/reference/make_notebook_reference.R`, which computes HOMA-IR, TyG and eGFR
# itself from the published equations): quartile limits and means by quartile.
# **Run time:** a few seconds (measured with `labstats report`, 2026-11-30: under 3 s).

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D

import labstats
from labstats.stats import SurveyDesign, age_groups, describe, format_table

sns.set_theme(style="whitegrid")

# %% [markdown]
# ## 1. The formulas, checked against their published anchors

# %%
assert labstats.homa_ir(4.5, 5.0, insulin_unit="µIU/mL") == 1.0          # Matthews 1985
assert round(labstats.egfr(creatinine=1.2, creatinine_unit="mg/dL", age=55,
                           sex="male")) == 71                              # NKF, CKD-EPI 2021

# %% [markdown]
# ## 2. The cohort and its derived measures
#
# HOMA-IR (insulin pmol/L → µU/mL with NCHS's 6.00), TyG = ln(TG·FPG/2) in mg/dL
# (Simental-Mendía 2008), non-HDL cholesterol, and eGFR by the race-free CKD-EPI 2021
# creatinine equation.

# %%
cohort = labstats.derive(labstats.load_cohort(), ["free_testosterone"],
                         options={"free_testosterone": {"output_unit": "pmol/L"}})
DATA = cohort.attrs["data"]
cohort = cohort.assign(
    homa_ir=labstats.homa_ir(cohort.glucose, cohort.insulin),
    tyg_index=labstats.tyg_index(cohort.triglycerides, cohort.glucose),
    non_hdl_cholesterol=labstats.non_hdl_cholesterol(cohort.total_cholesterol,
                                                     cohort.hdl_cholesterol),
    egfr=labstats.egfr(creatinine=cohort.creatinine, age=cohort.age.where(cohort.age >= 18),
                       sex=cohort.sex),
    weight_fasting=cohort.weight_fasting.fillna(0.0),
    age_band=age_groups(cohort.age, [20, 40, 60]))
adult_men = (cohort.sex == "male") & (cohort.age >= 20)
hormone = SurveyDesign(cohort, weights="weight_hormone", strata="strata", psu="psu",
                       lonely_psu="adjust").subset(adult_men)
fasting = SurveyDesign(cohort, weights="weight_fasting", strata="strata", psu="psu",
                       lonely_psu="adjust").subset(adult_men)
print(f"{DATA}: {int(adult_men.sum()):,} men aged 20+")

# %% [markdown]
# ## 3. Androgen status: survey-weighted quartiles of FT and of total T
#
# Quartiles are a description of this population, not clinical categories.

# %%
LABELS = ["Q1", "Q2", "Q3", "Q4"]
cuts = {v: hormone.quantile(v, [0.25, 0.5, 0.75]).estimate.to_numpy()
        for v in ("free_testosterone", "total_testosterone")}
cohort["ft_quartile"] = pd.cut(cohort.free_testosterone, [-np.inf, *cuts["free_testosterone"],
                                                          np.inf], labels=LABELS)
cohort["tt_quartile"] = pd.cut(cohort.total_testosterone, [-np.inf, *cuts["total_testosterone"],
                                                           np.inf], labels=LABELS)
pd.DataFrame(cuts, index=["25th", "50th", "75th"])

# %% [markdown]
# ## 4. Metabolic measures by FT quartile
#
# Survey-weighted means with 95 % CIs (fasting weights for HOMA-IR and TyG, hormone weights
# for the rest). Units: HOMA-IR and TyG none, triglycerides, HDL and non-HDL cholesterol
# mmol/L, eGFR mL/min/1.73 m², BMI kg/m², age years.

# %%
FASTING = ["homa_ir", "tyg_index", "triglycerides"]
OTHER = ["hdl_cholesterol", "non_hdl_cholesterol", "egfr", "bmi", "age"]
by_ft = pd.concat([describe(cohort, FASTING, by="ft_quartile", design=fasting),
                   describe(cohort, OTHER, by="ft_quartile", design=hormone)],
                  ignore_index=True)
format_table(by_ft[by_ft.statistic == "mean"], 2)

# %% [markdown]
# The same quartile limits and means in R (`svyquantile(~free_testosterone, ..., qrule="math")`,
# then `svymean(~homa_ir, subset(des_fasting, adult_man & ft_quartile == "Q1"), na.rm = TRUE)`,
# ...):

# %%
REFERENCE = {"synthetic": "r_survey_synthetic.csv", "nhanes": "r_survey_nhanes_notebooks.csv"}
ref = pd.read_csv(Path("..") / "tests" / "reference" / REFERENCE[DATA], comment="#",
                  dtype={"notebook": str}).query("notebook == '04'")
r_cuts = ref[ref.statistic.str.startswith("quantile")].estimate.to_numpy()
np.testing.assert_allclose(cuts["free_testosterone"], 1000 * r_cuts, rtol=1e-12)
r = ref[ref.statistic == "mean"].assign(ft_quartile=lambda d: d.domain.str[-2:])
got = by_ft[by_ft.statistic == "mean"].astype({"ft_quartile": str}).merge(
    r, on=["ft_quartile", "variable"])
assert len(got) == 12
np.testing.assert_allclose(got.estimate_x, got.estimate_y, rtol=1e-9)
np.testing.assert_allclose(got.se_x, got.se_y, rtol=1e-6)
print("labstats = R survey for", ", ".join(sorted(got.variable.unique())))

# %% [markdown]
# ## 5. Free T or total T?
#
# The same measures by quartile of FT and of TT, side by side:

# %%
by_tt = pd.concat([describe(cohort, FASTING, by="tt_quartile", design=fasting,
                            statistics=("mean",)),
                   describe(cohort, OTHER, by="tt_quartile", design=hormone,
                            statistics=("mean",))], ignore_index=True)
both = pd.concat([by_ft[by_ft.statistic == "mean"].rename(columns={"ft_quartile": "quartile"})
                  .assign(grouping="free T"),
                  by_tt.rename(columns={"tt_quartile": "quartile"}).assign(grouping="total T")])
PANELS = {"homa_ir": "HOMA-IR (no unit)", "tyg_index": "TyG index (no unit)",
          "hdl_cholesterol": "HDL cholesterol [mmol/L]", "egfr": "eGFR [mL/min/1.73 m²]"}
both = both[both.variable.isin(PANELS)].assign(variable=lambda d: d.variable.map(PANELS))
g = sns.FacetGrid(both, col="variable", hue="grouping", sharey=False, height=2.8, aspect=0.9)
g.map_dataframe(lambda data, color, **k: plt.errorbar(
    data.quartile.astype(str), data.estimate,
    yerr=[data.estimate - data.ci_low, data.ci_high - data.estimate], color=color,
    marker="o", capsize=3))
g.add_legend(legend_data={k: Line2D([], [], color=c, marker="o") for k, c in
                         zip(["free T", "total T"], sns.color_palette(), strict=False)},
             title="quartiles of")
g.set_titles("{col_name}")
g.set_axis_labels("quartile", "survey-weighted mean (95 % CI)")
title = g.figure.suptitle(f"men 20+, {cohort.attrs['description']}", y=1.03)

# %% [markdown]
# ## 6. Age is part of the picture
#
# FT falls with age and so does eGFR: the eGFR gradient across FT quartiles mostly reflects
# age. Within 20-year age bands the gradient is much flatter:

# %%
egfr_age = hormone.mean("egfr", by=["age_band", "ft_quartile"])
wide = egfr_age.pivot(index="age_band", columns="ft_quartile", values="estimate")
wide["Q4 - Q1"] = wide["Q4"] - wide["Q1"]
overall = by_ft.query("variable == 'egfr' and statistic == 'mean'").set_index("ft_quartile")
gap_all = overall.estimate["Q4"] - overall.estimate["Q1"]
print(f"Q4 - Q1 eGFR, all ages: {gap_all:.1f} mL/min/1.73 m²")
assert wide["Q4 - Q1"].abs().max() < gap_all
wide

# %%
# what the reading below says, asserted: Q1 - Q4 gradients by FT and by TT quartiles
means = {k: d.pivot_table(index="variable", columns=col, values="estimate", observed=True)
         for k, d, col in (("free T", by_ft[by_ft.statistic == "mean"], "ft_quartile"),
                           ("total T", by_tt, "tt_quartile"))}
gradient = pd.DataFrame({k: m["Q4"] - m["Q1"] for k, m in means.items()})
assert (gradient.loc[["homa_ir", "tyg_index"], "free T"] < 0).all()
assert gradient.loc["hdl_cholesterol", "free T"] > 0
for v in ("homa_ir", "tyg_index", "hdl_cholesterol"):
    assert abs(gradient.loc[v, "total T"]) > abs(gradient.loc[v, "free T"]), v
assert abs(gradient.loc["egfr", "free T"]) > abs(gradient.loc["egfr", "total T"])
gradient.loc[["homa_ir", "tyg_index", "hdl_cholesterol", "egfr"]].round(2)

# %% [markdown]
# **Reading.** Lower FT goes with higher HOMA-IR and TyG and lower HDL cholesterol. For
# these measures the gradient is steeper across quartiles of total T than of FT: SHBG is
# low in insulin resistance and adiposity, which lowers TT more than FT. For eGFR it is the
# other way round, and mostly age. These are survey-weighted cross-sectional associations
# in NHANES (or in the calibrated synthetic cohort), not effects: adiposity, age and illness
# influence both sides.
