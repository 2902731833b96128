# Reference values of R's survey package on the synthetic cohort, for the notebooks.
#
# The notebooks (notebooks/02, 04, 05) assert that labstats reproduces these numbers on
# make_cohort(n=20000, seed=0); R is not needed when they run. Regenerate by hand, from the
# project root (R with the survey package; Debian 12: apt-get install r-cran-survey):
#     .venv/bin/python -c "import labstats; labstats.derive(labstats.make_cohort(20000, 0)).to_csv('/tmp/cohort.csv', index=False, float_format='%.17g')"
#     Rscript tests/reference/make_synthetic_reference.R /tmp/cohort.csv
# Writes tests/reference/r_survey_synthetic.csv. Versions used: R 4.2.2, survey 4.1-1.
# Design: svydesign(id=~psu, strata=~strata, weights=~weight_hormone (or weight_fasting),
# nest=TRUE). Free testosterone is computed by labstats and read from the CSV; HOMA-IR, TyG
# and CKD-EPI 2021 eGFR are computed here, independently, from their published equations.
suppressPackageStartupMessages(library(survey))
options(digits = 17)
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(if (length(args)) args[1] else "/tmp/cohort.csv")
out <- file.path("tests", "reference", "r_survey_synthetic.csv")

rows <- list()
add <- function(notebook, domain, variable, statistic, estimate, se, ci_low, ci_high) {
  rows[[length(rows) + 1]] <<- data.frame(
    notebook = notebook, domain = domain, variable = variable, statistic = statistic,
    estimate = as.numeric(estimate), se = as.numeric(se), ci_low = as.numeric(ci_low),
    ci_high = as.numeric(ci_high))
}

men <- d$sex == "male"
d$age_band <- cut(d$age, c(20, 40, 60, Inf), right = FALSE, labels = c("20-39", "40-59", "60+"))
# HOMA-IR (Matthews 1985): insulin pmol/L / 6.00 -> uU/mL (NCHS LBDINSI factor)
d$homa_ir <- d$glucose * (d$insulin / 6) / 22.5
# TyG (Simental-Mendia 2008): ln(TG [mg/dL] x FPG [mg/dL] / 2); 88.57 and 18.016 mg/dL per mmol/L
d$tyg_index <- log(d$triglycerides * 88.57 * d$glucose * 18.016 / 2)
# CKD-EPI 2021 (Inker 2021), men: 142 min(Scr/0.9,1)^-0.302 max(Scr/0.9,1)^-1.200 0.9938^age;
# umol/L -> mg/dL with creatinine 113.12 g/mol as labstats.units does (NCHS's 88.4 differs by 2e-5)
scr <- d$creatinine * 113.12 / 10000
d$egfr <- 142 * pmin(scr / 0.9, 1)^-0.302 * pmax(scr / 0.9, 1)^-1.200 * 0.9938^d$age
d$egfr[!men] <- NA

hormone <- svydesign(id = ~psu, strata = ~strata, weights = ~weight_hormone, nest = TRUE, data = d)
fasting <- svydesign(id = ~psu, strata = ~strata, weights = ~weight_fasting, nest = TRUE, data = d)

# notebook 02: means by sex; median free T of men by age band
for (v in c("total_testosterone", "shbg", "free_testosterone", "free_androgen_index")) {
  for (s in c("female", "male")) {
    m <- svymean(as.formula(paste0("~", v)), subset(hormone, sex == s))
    ci <- confint(m, df = degf(subset(hormone, sex == s)))
    add("02", s, v, "mean", coef(m), SE(m), ci[1], ci[2])
  }
}
for (b in levels(d$age_band)) {
  dm <- subset(hormone, sex == "male" & age_band == b)
  q <- svyquantile(~free_testosterone, dm, 0.5, ci = TRUE, se = TRUE, qrule = "math")[[1]]
  add("02", paste0("male ", b), "free_testosterone", "quantile_0.5", q[1, 1], q[1, 4], q[1, 2],
      q[1, 3])
}

# notebook 04: men, quartiles of calculated free T (hormone weights), then HOMA-IR and TyG
# (fasting weights) and eGFR by quartile
cuts <- svyquantile(~free_testosterone, subset(hormone, sex == "male"), c(0.25, 0.5, 0.75),
                    qrule = "math")[[1]][, 1]
for (k in 1:3) add("04", "male", "free_testosterone", sprintf("quantile_%g", k / 4), cuts[k],
                   NA, NA, NA)
d$ft_quartile <- cut(d$free_testosterone, c(-Inf, cuts, Inf), labels = c("Q1", "Q2", "Q3", "Q4"))
fasting <- update(fasting, ft_quartile = d$ft_quartile)
for (v in c("homa_ir", "tyg_index", "egfr")) {
  for (g in c("Q1", "Q2", "Q3", "Q4")) {
    dm <- subset(fasting, sex == "male" & ft_quartile == g)
    m <- svymean(as.formula(paste0("~", v)), dm)
    ci <- confint(m, df = degf(dm))
    add("04", paste0("male ", g), v, "mean", coef(m), SE(m), ci[1], ci[2])
  }
}

# notebook 05: healthy young men (20-39 y, BMI 18.5-<30 kg/m2, HbA1c < 6.5 %, glucose < 7.0
# mmol/L): CLSI nonparametric limits, quantile(type = 6), by 10-year band, and the
# survey-weighted 2.5th/97.5th percentiles with 90 % Woodruff CIs
healthy <- men & d$age < 40 & d$bmi >= 18.5 & d$bmi < 30 & d$hba1c < 6.5 & d$glucose < 7.0
for (b in c("20-29", "30-39")) {
  lo <- as.numeric(substr(b, 1, 2))
  x <- d$free_testosterone[healthy & d$age >= lo & d$age < lo + 10]
  p <- quantile(x, c(0.025, 0.975), type = 6)
  add("05", paste0("healthy men ", b), "free_testosterone", "quantile_type6_0.025", p[1], NA, NA, NA)
  add("05", paste0("healthy men ", b), "free_testosterone", "quantile_type6_0.975", p[2], NA, NA, NA)
}
hormone <- update(hormone, healthy = healthy)
q <- svyquantile(~free_testosterone, subset(hormone, healthy), c(0.025, 0.975), ci = TRUE,
                 se = TRUE, qrule = "math", alpha = 0.10)[[1]]
for (k in 1:2) add("05", "healthy men 20-39", "free_testosterone",
                   sprintf("quantile_math_%g", c(0.025, 0.975)[k]), q[k, 1], q[k, 4], q[k, 2], q[k, 3])

res <- do.call(rbind, rows)
con <- file(out, "w")
writeLines(c("# Generated by tests/reference/make_synthetic_reference.R (R 4.2.2, survey 4.1-1) on",
             "# labstats.derive(labstats.make_cohort(20000, 0)); see that script for the R code."), con)
write.csv(res, con, row.names = FALSE)
close(con)
cat("wrote", nrow(res), "rows to", out, "\n")
