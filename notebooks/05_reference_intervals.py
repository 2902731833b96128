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
# # A reference interval for calculated free testosterone in young men
#
# **Question.** What interval holds the central 95 % of calculated free testosterone (FT) in
# healthy men aged 20-39, by the CLSI EP28-A3c nonparametric method; does it need separate
# limits for 20-29 and 30-39; and how does it compare with the survey-weighted percentiles
# of the same men?
#
# **Data.** `labstats.load_cohort()`: by default real NHANES 2013-2016 from the extract
# shipped with labstats (no download; two cycles pooled, weights divided by 2), where the
# weights matter; `labstats report --data synthetic` (or `LABSTATS_DATA=synthetic`) for the
# calibrated synthetic cohort (`make_cohort(n=20000, seed=0)`, equal weights: the
# survey-weighted percentiles then coincide with unweighted ones up to the quantile rule);
# `--data PATH` for a folder of CDC files downloaded with `labstats.fetch_nhanes()`. FT by
# Vermeulen 1999 with measured albumin, in pmol/L. An interval computed here describes this
# population; it becomes a clinical reference interval only through a laboratory's own
# verification (EP28, ch. 9).
#
# **Reproduced (asserted).** CLSI EP28-A3c Table 8: for n = 120 the 90 % CI of the 2.5th
# percentile runs from rank 1 to rank 7. CLSI EP28-A3c Appendix B: robust interval of
# 20 calcium values 9.05-10.20 mg/dL. R 4.2.2 `quantile(type = 6)` and survey 4.1-1
# `svyquantile` on the data the notebook ran on (`tests/reference/make_notebook_reference.R`).
# **Run time:** a few seconds (measured with `labstats report`, 2026-11-30: under 3 s).

# %%
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

import labstats
from labstats.stats import (
    SurveyDesign,
    age_groups,
    partition_test,
    reference_interval,
    reference_outliers,
)
from labstats.stats.reference import order_statistic_ranks

sns.set_theme(style="whitegrid")

# %% [markdown]
# ## 1. The method, checked on CLSI's own numbers
#
# The nonparametric limit is the value of rank p(n + 1); its 90 % CI is bounded by the
# order statistics whose ranks the binomial distribution gives (EP28-A3c Table 8). With
# fewer than 120 values CLSI advises the robust method of Horn, Pesce & Copeland (1998),
# shown on the 20 calcium values of Appendix B. These values are reported to 0.1 mg/dL
# and tied: a few bootstrap resamples hold more than half of one value, so they have no
# scale (MAD 0) and are left out of the CI; labstats says how many (printed below).

# %%
assert order_statistic_ranks(120, 0.025) == (1, 7)
assert order_statistic_ranks(120, 0.975) == (114, 120)
calcium = np.array([8.9, 9.2] + [9.4] * 2 + [9.5] * 3 + [9.6] * 4 + [9.7] * 5 + [9.8]
                   + [9.9] * 2 + [10.2])
with warnings.catch_warnings(record=True) as said:  # the resamples left out, shown as text
    warnings.simplefilter("always")
    robust = reference_interval(calcium, method="robust", transform=None, n_boot=500)
assert np.allclose(robust.estimate.round(2), [9.05, 10.20])
assert all("left out of the CI" in str(w.message) for w in said)
print(*(f"labstats: {w.message}" for w in said), sep="\n")
robust

# %% [markdown]
# ## 2. The reference sample
#
# Men 20-39 years, BMI 18.5 to < 30 kg/m² (neither underweight nor obese by the WHO adult
# classification: WHO Technical Report Series 894, 2000, Table 2.1), HbA1c < 6.5 % and
# fasting glucose, where measured, < 7.0 mmol/L (below the diagnostic thresholds of diabetes
# in non-pregnant adults: American Diabetes Association, Standards of Care in Diabetes,
# Diabetes Care 2024;47(Suppl 1):S20-S42, doi:10.2337/dc24-S002). With TT, SHBG and albumin
# present. These screening limits select a sample; they are not limits for individuals.

# %%
HORMONES = ["free_testosterone", "bioavailable_testosterone", "free_androgen_index",
            "free_estradiol"]
cohort = labstats.derive(labstats.load_cohort(), HORMONES,
                         options={"free_testosterone": {"output_unit": "pmol/L"}})
DATA = cohort.attrs["data"]
cohort["decade"] = age_groups(cohort.age, [20, 30, 40], last_open=False)
healthy = ((cohort.sex == "male") & cohort.age.between(20, 39.999) & (cohort.bmi >= 18.5)
           & (cohort.bmi < 30) & (cohort.hba1c < 6.5) & ~(cohort.glucose >= 7.0)
           & cohort.free_testosterone.notna())
ref_men = cohort[healthy]
print(f"{DATA}: {len(ref_men):,} reference men "
      f"({', '.join(f'{k}: {v:,}' for k, v in ref_men.decade.value_counts().sort_index().items())})")

# %% [markdown]
# Outliers: EP28 asks for them to be examined, not removed blindly. Tukey's fences on the
# Box-Cox scale flag a few values in each tail of such a skewed, large sample:

# %%
flags = reference_outliers(ref_men.free_testosterone, method="tukey")
print(f"{len(flags)} of {len(ref_men):,} values flagged; kept (they are plausible values of "
      "the same distribution, as a look at them shows)")
flags.sort_values("value")

# %% [markdown]
# ## 3. One interval, or one per decade?
#
# Harris & Boyd (1990) compare the subgroup means on a near-Gaussian scale (here log FT)
# against z* = 3 √(n/240); Lahti et al. (2004) look at how many of each subgroup fall
# outside the combined limits.

# %%
log_ft = np.log(ref_men.free_testosterone)
pd.concat([partition_test(log_ft, ref_men.decade.astype(str)),
           partition_test(ref_men.free_testosterone, ref_men.decade.astype(str),
                          method="lahti")])

# %% [markdown]
# ## 4. Nonparametric limits by decade, and for 20-39 combined
#
# Rank p(n + 1) interpolation (R's `quantile(type = 6)`), 90 % CIs from order statistics.

# %%
by_decade = reference_interval(ref_men.free_testosterone, by=ref_men.decade.astype(str))
combined = reference_interval(ref_men.free_testosterone).assign(decade="20-39")
nonpar = pd.concat([by_decade, combined], ignore_index=True)
nonpar[["decade", "limit", "estimate", "ci_low", "ci_high", "n"]]

# %%
REFERENCE = {"synthetic": "r_survey_synthetic.csv", "nhanes": "r_survey_nhanes_notebooks.csv"}
ref = pd.read_csv(Path("..") / "tests" / "reference" / REFERENCE[DATA], comment="#",
                  dtype={"notebook": str}).query("notebook == '05'")
r6 = ref[ref.statistic.str.startswith("quantile_type6")]
np.testing.assert_allclose(by_decade.estimate, 1000 * r6.estimate, rtol=1e-12)
print("nonparametric limits = R quantile(type = 6)")

# %% [markdown]
# ## 5. Other estimators, and the survey-weighted percentiles
#
# Parametric (after Box-Cox), bootstrap and robust limits for the same men, and the
# survey-weighted 2.5th and 97.5th percentiles (R's `svyquantile`, `qrule="math"`) with 90 %
# Woodruff CIs from the full design restricted to the reference men.

# %%
design = SurveyDesign(cohort, weights="weight_hormone", strata="strata", psu="psu",
                      lonely_psu="adjust")
survey = reference_interval("free_testosterone", design=design.subset(healthy))
methods = {"nonparametric": combined,
           "parametric": reference_interval(ref_men.free_testosterone, method="parametric"),
           "bootstrap": reference_interval(ref_men.free_testosterone, method="bootstrap",
                                           n_boot=500),
           "robust": reference_interval(ref_men.free_testosterone, method="robust",
                                        n_boot=200),
           "survey-weighted": survey}
compare = pd.concat([r.assign(estimator=k) for k, r in methods.items()], ignore_index=True)
rs = ref[ref.statistic.str.startswith("quantile_math")]
np.testing.assert_allclose(survey.estimate, 1000 * rs.estimate, rtol=1e-12)
np.testing.assert_allclose(survey[["ci_low", "ci_high"]], 1000 * rs[["ci_low", "ci_high"]],
                           rtol=1e-12)
compare.pivot(index="estimator", columns="limit", values=["estimate", "ci_low", "ci_high"])

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 4), gridspec_kw={"width_ratios": [3, 1.4, 1.4]})
sns.histplot(data=ref_men, x="free_testosterone", hue="decade", element="step",
             stat="density", common_norm=False, ax=axes[0])
palette = dict(zip(["20-29", "30-39"], sns.color_palette(), strict=False))
for _, row in by_decade.iterrows():
    color = palette[row.decade]
    axes[0].axvspan(row.ci_low, row.ci_high, color=color, alpha=0.25)
    axes[0].axvline(row.estimate, color=color, ls="--")
axes[0].set(xlabel="free T [pmol/L]", title="limits (dashed) and 90 % CIs, by decade")
for ax, limit in zip(axes[1:], ["lower", "upper"], strict=True):
    d = compare[compare.limit == limit]
    ax.errorbar(d.estimate, d.estimator, xerr=[d.estimate - d.ci_low, d.ci_high - d.estimate],
                fmt="o", capsize=3)
    ax.set(xlabel="free T [pmol/L]", title=f"{limit} limit, 20-39")
axes[2].set_yticklabels([])
fig.suptitle(f"limits computed here (CLSI EP28-A3c) for {len(ref_men):,} screened men 20-39 of\n"
             f"{cohort.attrs['description']}; not a clinical reference interval")
fig.tight_layout()

# %% [markdown]
# **Reading.** The estimators agree within the uncertainty of their limits; the upper
# limit is the less precise, as it is for any right-skewed analyte. With equal weights
# (synthetic cohort) the survey-weighted percentiles differ from the nonparametric ones only
# through the quantile rule; with NHANES the weights and the clustered design widen the
# CIs. Whether the decades need separate limits is decided by the partition tests above,
# and depends on the sample size as much as on the difference.
