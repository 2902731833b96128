# Reference values of R's survey package for the notebooks (notebooks/02, 04, 05), on the data
# they run on: the embedded NHANES 2013-2016 cohort (the default) or the synthetic cohort.
#
# The notebooks assert that labstats reproduces these numbers on load_cohort() (1e-9 relative
# on estimates, 1e-6 on SEs; quantiles 1e-12); R is not needed when they run. NHANES: the
# extract shipped with labstats, 2013-2014 and 2015-2016 pooled (weights / 2, as NCHS
# prescribes), the same frame as read_nhanes() on the CDC files
# (tests/datasets/test_embedded.py). Regenerate by hand, from the project root (R with the
# survey package; Debian 12: apt-get install r-cran-survey):
#     .venv/bin/python -c "import labstats; labstats.derive(labstats.load_cohort('nhanes')).to_csv('/tmp/nhanes_cohort.csv', index=False, float_format='%.17g')"
#     Rscript tests/reference/make_notebook_reference.R nhanes /tmp/nhanes_cohort.csv
#     .venv/bin/python -c "import labstats; labstats.derive(labstats.make_cohort(20000, 0)).to_csv('/tmp/cohort.csv', index=False, float_format='%.17g')"
#     Rscript tests/reference/make_notebook_reference.R synthetic /tmp/cohort.csv
# Writes tests/reference/r_survey_nhanes_notebooks.csv, or r_survey_synthetic.csv (the same
# numbers, to the last digit, as the synthetic-only script it replaced, make_synthetic_reference.R).
# Versions used: R 4.2.2, survey 4.1-1.
#
# Computed as the notebooks compute them. NHANES, unlike the synthetic cohort, holds children,
# missing values and zero weights, so the rules below matter there:
# - design: svydesign(id=~psu, strata=~strata, weights=~weight_hormone, nest=TRUE) and the same
#   with weight_fasting, missing fasting weights set to 0 (notebook 04: weight_fasting.fillna(0));
#   options(survey.lonely.psu = "adjust") as the notebooks' lonely_psu="adjust";
# - domains are subsets of the full design (svymean/svyquantile on subset(), as labstats'
#   design.subset() and describe(by=)); adults are age >= 20 (notebooks 02 and 04);
# - missing values are left out within each domain (na.rm = TRUE, labstats' default);
# - quantiles: qrule = "math" (R's default), Woodruff CIs; CLSI limits: quantile(type = 6);
# - a pandas comparison with a missing value is False, so filters use ok() below; notebook 05
#   keeps men without a fasting glucose (~(glucose >= 7.0)).
# Free testosterone is computed by labstats and read from the CSV (nmol/L); HOMA-IR, TyG and
# CKD-EPI 2021 eGFR are computed here, independently, from their published equations.
suppressPackageStartupMessages(library(survey))
options(digits = 17, survey.lonely.psu = "adjust")
args <- commandArgs(trailingOnly = TRUE)
data <- if (length(args)) args[1] else "nhanes"
made_from <- c(
  nhanes = "labstats.derive(labstats.load_cohort('nhanes')): NHANES 2013-2016, the embedded extract",
  synthetic = "labstats.derive(labstats.make_cohort(20000, 0)): the synthetic cohort")
if (!data %in% names(made_from)) stop("first argument: nhanes or synthetic, got ", data)
d <- read.csv(if (length(args) > 1) args[2] else
  c(nhanes = "/tmp/nhanes_cohort.csv", synthetic = "/tmp/cohort.csv")[[data]])
out <- file.path("tests", "reference", c(nhanes = "r_survey_nhanes_notebooks.csv",
                                         synthetic = "r_survey_synthetic.csv")[[data]])

rows <- list()
add <- function(notebook, domain, variable, statistic, estimate, se, ci_low, ci_high) {
  rows[[length(rows) + 1]] <<- data.frame(
    notebook = notebook, domain = domain, variable = variable, statistic = statistic,
    estimate = as.numeric(estimate), se = as.numeric(se), ci_low = as.numeric(ci_low),
    ci_high = as.numeric(ci_high))
}
ok <- function(x) !is.na(x) & x  # TRUE/FALSE, a missing comparison FALSE (as in pandas)

d$adult <- d$age >= 20
d$adult_man <- d$sex == "male" & d$adult
d$age_band <- cut(d$age, c(20, 40, 60, Inf), right = FALSE, labels = c("20-39", "40-59", "60+"))
# HOMA-IR (Matthews 1985): insulin pmol/L / 6.00 -> uU/mL (NCHS LBDINSI factor)
d$homa_ir <- d$glucose * (d$insulin / 6) / 22.5
# TyG (Simental-Mendia 2008): ln(TG [mg/dL] x FPG [mg/dL] / 2); 88.57 and 18.016 mg/dL per mmol/L
d$tyg_index <- log(d$triglycerides * 88.57 * d$glucose * 18.016 / 2)
# CKD-EPI 2021 (Inker 2021), men: 142 min(Scr/0.9,1)^-0.302 max(Scr/0.9,1)^-1.200 0.9938^age;
# umol/L -> mg/dL with creatinine 113.12 g/mol as labstats.units does (NCHS's 88.4 differs by 2e-5)
scr <- d$creatinine * 113.12 / 10000
d$egfr <- 142 * pmin(scr / 0.9, 1)^-0.302 * pmax(scr / 0.9, 1)^-1.200 * 0.9938^d$age
d$egfr[!ok(d$adult_man)] <- NA  # only men 20+ are used
d$weight_fasting[is.na(d$weight_fasting)] <- 0

hormone <- svydesign(id = ~psu, strata = ~strata, weights = ~weight_hormone, nest = TRUE, data = d)
fasting <- svydesign(id = ~psu, strata = ~strata, weights = ~weight_fasting, nest = TRUE, data = d)

# notebook 02: adults (20+), means by sex; median free T of men by age band
for (v in c("total_testosterone", "shbg", "free_testosterone", "free_androgen_index")) {
  for (s in c("female", "male")) {
    dm <- subset(hormone, adult & sex == s)
    m <- svymean(as.formula(paste0("~", v)), dm, na.rm = TRUE)
    ci <- confint(m, df = degf(dm))
    add("02", s, v, "mean", coef(m), SE(m), ci[1], ci[2])
  }
}
for (b in levels(d$age_band)) {
  dm <- subset(hormone, adult_man & age_band == b)
  q <- svyquantile(~free_testosterone, dm, 0.5, ci = TRUE, se = TRUE, qrule = "math",
                   na.rm = TRUE)[[1]]
  add("02", paste0("male ", b), "free_testosterone", "quantile_0.5", q[1, 1], q[1, 4], q[1, 2],
      q[1, 3])
}

# notebook 04: men 20+, quartiles of calculated free T (hormone weights); HOMA-IR and TyG by
# quartile with the fasting weights, eGFR with the hormone weights
cuts <- svyquantile(~free_testosterone, subset(hormone, adult_man), c(0.25, 0.5, 0.75),
                    qrule = "math", na.rm = TRUE)[[1]][, 1]
for (k in 1:3) add("04", "male", "free_testosterone", sprintf("quantile_%g", k / 4), cuts[k],
                   NA, NA, NA)
d$ft_quartile <- cut(d$free_testosterone, c(-Inf, cuts, Inf), labels = c("Q1", "Q2", "Q3", "Q4"))
fasting <- update(fasting, ft_quartile = d$ft_quartile)
hormone <- update(hormone, ft_quartile = d$ft_quartile)
for (v in c("homa_ir", "tyg_index", "egfr")) {
  des <- if (v == "egfr") hormone else fasting
  for (g in c("Q1", "Q2", "Q3", "Q4")) {
    dm <- subset(des, adult_man & ft_quartile == g)
    m <- svymean(as.formula(paste0("~", v)), dm, na.rm = TRUE)
    ci <- confint(m, df = degf(dm))
    add("04", paste0("male ", g), v, "mean", coef(m), SE(m), ci[1], ci[2])
  }
}

# notebook 05: healthy young men (20-39 y, BMI 18.5-<30 kg/m2, HbA1c < 6.5 %, fasting glucose
# not >= 7.0 mmol/L where measured, free T present): CLSI nonparametric limits,
# quantile(type = 6), by 10-year band, and the survey-weighted 2.5th/97.5th percentiles with
# 90 % Woodruff CIs from the full design restricted to them
healthy <- ok(d$sex == "male" & d$age >= 20 & d$age <= 39.999 & d$bmi >= 18.5 & d$bmi < 30
              & d$hba1c < 6.5) & !ok(d$glucose >= 7.0) & !is.na(d$free_testosterone)
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
writeLines(c(paste0("# Generated by tests/reference/make_notebook_reference.R (",
                    R.version.string, ", survey ", packageVersion("survey"), ") on"),
             paste0("# ", made_from[[data]], " (", nrow(d), " rows); see that script.")), con)
write.csv(res, con, row.names = FALSE)
close(con)
cat("wrote", nrow(res), "rows to", out, "\n")
