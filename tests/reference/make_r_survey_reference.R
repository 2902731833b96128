# Survey-weighted reference limits for tests/stats/test_reference_survey.py (run by hand from
# tests/reference/; needs the team's ../shared NHANES files; the tests never need R):
#   Rscript make_r_survey_reference.R /work/shared/data/nhanes
# R 4.2.2, survey 4.1-1 (Debian r-cran-survey). NHANES 2013-2014 + 2015-2016 pooled,
# WTMEC2YR / 2, men aged >= 20 y with a total testosterone (LBXTST, ng/dL) as a domain.
suppressMessages({library(survey); library(foreign)})
dir <- commandArgs(trailingOnly = TRUE)[1]
demo <- rbind(read.xport(file.path(dir, "DEMO_H.XPT"))[, c("SEQN", "RIAGENDR", "RIDAGEYR",
                                                          "SDMVPSU", "SDMVSTRA", "WTMEC2YR")],
              read.xport(file.path(dir, "DEMO_I.XPT"))[, c("SEQN", "RIAGENDR", "RIDAGEYR",
                                                          "SDMVPSU", "SDMVSTRA", "WTMEC2YR")])
tst <- rbind(read.xport(file.path(dir, "TST_H.XPT"))[, c("SEQN", "LBXTST")],
             read.csv(xzfile(file.path(dir, "TST_I.csv.xz")))[, c("SEQN", "LBXTST")])
d <- merge(demo, tst, by = "SEQN", all.x = TRUE)
d <- d[d$WTMEC2YR > 0, ]
d$w <- d$WTMEC2YR / 2
d$men20 <- d$RIAGENDR == 1 & d$RIDAGEYR >= 20 & !is.na(d$LBXTST)
des <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~w, nest = TRUE, data = d)
q <- svyquantile(~LBXTST, subset(des, men20), c(0.025, 0.975), ci = TRUE, alpha = 0.10,
                 qrule = "math")
ci <- confint(q)
out <- data.frame(limit = c("lower", "upper"), q = c(0.025, 0.975),
                  estimate = coef(q), ci_low = ci[, 1], ci_high = ci[, 2],
                  n_obs = sum(d$men20))
cat("# source: R 4.2.2 survey 4.1-1 svyquantile(~LBXTST, subset(des, men >= 20), c(.025, .975), ci = TRUE, alpha = 0.10, qrule = 'math') on pooled NHANES 2013-2016 (tests/reference/make_r_survey_reference.R)\n",
    file = "r_survey_reference_interval.csv")
suppressWarnings(write.table(out, "r_survey_reference_interval.csv", sep = ",", row.names = FALSE,
                             append = TRUE))
print(out)
