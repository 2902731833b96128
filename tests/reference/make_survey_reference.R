# Reference values of R's survey package for tests/stats/test_design.py.
#
# Run by hand from the project root (needs ../shared/data and R with the survey package;
# Debian 12: apt-get install r-base-core r-cran-survey):
#     Rscript tests/reference/make_survey_reference.R
# Writes tests/reference/r_survey_*.csv. Versions used: R 4.2.2, survey 4.1-1 (Debian 12).
# Every estimate carries 17 significant digits; the tests never need R.
suppressPackageStartupMessages({library(survey); library(foreign)})
options(digits = 17)
shared <- file.path("..", "shared", "data")
nh <- file.path(shared, "nhanes")
out_dir <- file.path("tests", "reference")

rows <- list()
add <- function(case, domain, variable, statistic, estimate, se, ci_low, ci_high, df,
                deff = NA_real_, n_obs = NA_real_, n_pop = NA_real_) {
  rows[[length(rows) + 1]] <<- data.frame(
    case = case, domain = domain, variable = variable, statistic = statistic,
    estimate = as.numeric(estimate), se = as.numeric(se), ci_low = as.numeric(ci_low),
    ci_high = as.numeric(ci_high), df = as.numeric(df), deff = as.numeric(deff),
    n_obs = as.numeric(n_obs), n_pop = as.numeric(n_pop))
}
fml <- function(v) as.formula(paste0("~", v))
tcrit <- function(df) qt(0.975, df)

# All estimators of one variable in one domain design `d` (a subset of the full design).
estimate_all <- function(case, domain, d, v, quantiles = c(0.1, 0.5, 0.9),
                         rules = c("math", "hf7"), prop = NULL, ratio_to = NULL) {
  f <- fml(v)
  ok <- !is.na(d$variables[[v]])
  n_obs <- sum(ok & weights(d) != 0)
  n_pop <- sum(weights(d)[ok])
  df <- degf(d)
  m <- svymean(f, d, na.rm = TRUE, deff = TRUE)
  ci <- confint(m, df = df)
  add(case, domain, v, "mean", coef(m), SE(m), ci[1], ci[2], df, deff(m), n_obs, n_pop)
  tt <- svytotal(f, d, na.rm = TRUE, deff = TRUE)
  ci <- confint(tt, df = df)
  add(case, domain, v, "total", coef(tt), SE(tt), ci[1], ci[2], df, deff(tt), n_obs, n_pop)
  dq <- d[ok, ]
  for (rule in rules) {
    q <- svyquantile(f, d, quantiles, na.rm = TRUE, ci = TRUE, se = TRUE, qrule = rule)[[1]]
    for (k in seq_along(quantiles)) {
      add(case, domain, v, sprintf("quantile_%s_%g", rule, quantiles[k]), q[k, 1], q[k, 4],
          q[k, 2], q[k, 3], degf(dq), NA, n_obs, n_pop)
    }
  }
  if (!is.null(ratio_to)) {
    r <- svyratio(f, fml(ratio_to), d, na.rm = TRUE, deff = TRUE)
    ok2 <- ok & !is.na(d$variables[[ratio_to]])
    se <- sqrt(as.numeric(r$var))
    add(case, domain, paste0(v, "/", ratio_to), "ratio", r$ratio, se,
        r$ratio - tcrit(df) * se, r$ratio + tcrit(df) * se, df, attr(r, "deff"),
        sum(ok2 & weights(d) != 0), sum(weights(d)[ok2]))
  }
  if (!is.null(prop)) {
    # prop: an R expression string such as "LBXTST < 300"
    pf <- as.formula(paste0("~I(", prop, ")"))
    for (meth in c("logit", "beta", "mean", "xlogit", "asin")) {
      p <- svyciprop(pf, d, method = meth, na.rm = TRUE)
      ci <- attr(p, "ci")
      add(case, domain, prop, paste0("proportion_", meth), coef(p), SE(p), ci[1], ci[2],
          df, NA, n_obs, n_pop)
    }
  }
}

# ---- 1. survey's own nhanes example (../shared/data/r-survey-nhanes.csv) -------------------
ex <- read.csv(file.path(shared, "r-survey-nhanes.csv"))
ex$idx <- seq_len(nrow(ex))
ex$y <- ((ex$idx * 7919) %% 997) / 10                 # deterministic, with ties
ex$y[ex$idx %% 11 == 0] <- NA                           # missing values
ex$x <- (ex$idx %% 13) + 1                              # denominator of a ratio
ex_domains <- function(case, des) {
  estimate_all(case, "all", des, "y", prop = "y < 20", ratio_to = "x")
  estimate_all(case, "all", des, "HI_CHOL", rules = "math", quantiles = 0.5)
  for (r in sort(unique(ex$race))) {
    estimate_all(case, paste0("race=", r), subset(des, race == r), "y", prop = "y < 20",
                 ratio_to = "x")
  }
  for (a in sort(unique(ex$agecat))) for (s in 1:2) {
    estimate_all(case, paste0("RIAGENDR=", s, "&agecat=", a),
                 subset(des, RIAGENDR == s & agecat == a), "y")
  }
  # a domain present in only some strata
  estimate_all(case, "stratum<=79&race=4", subset(des, SDMVSTRA <= 79 & race == 4), "y")
}
des <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = ex)
ex_domains("example", des)

# zero weights on every 17th row
ez <- ex
ez$WTMEC2YR[ez$idx %% 17 == 0] <- 0
desz <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = ez)
estimate_all("zero_weights", "all", desz, "y", prop = "y < 20", ratio_to = "x")
estimate_all("zero_weights", "race=4", subset(desz, race == 4), "y")

# weights only; strata without PSUs
des1 <- svydesign(id = ~1, weights = ~WTMEC2YR, data = ex)
estimate_all("no_strata_no_psu", "all", des1, "y", ratio_to = "x")
estimate_all("no_strata_no_psu", "race=4", subset(des1, race == 4), "y")
des2 <- svydesign(id = ~1, strata = ~SDMVSTRA, weights = ~WTMEC2YR, data = ex)
estimate_all("strata_no_psu", "all", des2, "y")
estimate_all("strata_no_psu", "race=4", subset(des2, race == 4), "y")

# lonely PSUs: keep only PSU 1 of strata 75 and 89 (single-PSU strata)
el <- ex[!(ex$SDMVSTRA %in% c(75, 89) & ex$SDMVPSU != 1), ]
for (lp in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = lp)
  desl <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE,
                    data = el)
  case <- paste0("lonely_", lp)
  estimate_all(case, "all", desl, "y", prop = "y < 20", ratio_to = "x")
  for (r in sort(unique(el$race))) {
    estimate_all(case, paste0("race=", r), subset(desl, race == r), "y")
  }
  estimate_all(case, "stratum<=79&race=4", subset(desl, SDMVSTRA <= 79 & race == 4), "y")
  estimate_all(case, "stratum>=80&race=4", subset(desl, SDMVSTRA >= 80 & race == 4), "y")
}
options(survey.lonely.psu = "fail")

write.csv(do.call(rbind, rows), file.path(out_dir, "r_survey_example.csv"), row.names = FALSE)
rows <- list()

# ---- 2. NHANES 2013-2014 and 2015-2016 (../shared/data/nhanes) ---------------------------
read_cycle <- function(s) {
  demo <- read.xport(file.path(nh, paste0("DEMO_", s, ".XPT")))
  demo <- demo[, c("SEQN", "RIAGENDR", "RIDAGEYR", "WTMEC2YR", "SDMVSTRA", "SDMVPSU")]
  tst <- if (s == "H") read.xport(file.path(nh, "TST_H.XPT")) else
    read.csv(xzfile(file.path(nh, paste0("TST_", s, ".csv.xz"))))
  bio <- read.xport(file.path(nh, paste0("BIOPRO_", s, ".XPT")))
  d <- merge(demo, tst[, c("SEQN", "LBXTST", "LBXSHBG")], by = "SEQN", all.x = TRUE)
  merge(d, bio[, c("SEQN", "LBDSALSI")], by = "SEQN", all.x = TRUE)
}
age_group <- function(age) cut(age, c(20, 30, 40, 50, 60, 70, Inf), right = FALSE,
                               labels = c("20-29", "30-39", "40-49", "50-59", "60-69", "70+"))
options(survey.lonely.psu = "adjust")
h <- read_cycle("H")
dh <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = h)
men <- subset(dh, RIAGENDR == 1 & RIDAGEYR >= 20)
for (v in c("LBXTST", "LBXSHBG", "LBDSALSI")) {
  estimate_all("nhanes_2013_2014", "men20+", men, v,
               prop = if (v == "LBXTST") "LBXTST < 300" else NULL,
               ratio_to = if (v == "LBXTST") "LBXSHBG" else NULL)
}
estimate_all("nhanes_2013_2014", "women20+", subset(dh, RIAGENDR == 2 & RIDAGEYR >= 20),
             "LBXTST")

p <- rbind(h, read_cycle("I"))
p$WTMEC4YR <- p$WTMEC2YR / 2
p$age_group <- age_group(p$RIDAGEYR)
dp <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC4YR, nest = TRUE, data = p)
for (s in 1:2) for (a in levels(p$age_group)) {
  d <- subset(dp, RIAGENDR == s & age_group == a)
  dom <- paste0("RIAGENDR=", s, "&age_group=", a)
  estimate_all("nhanes_2013_2016", dom, d, "LBXTST", quantiles = 0.5,
               prop = "LBXTST < 300", ratio_to = "LBXSHBG")
  estimate_all("nhanes_2013_2016", dom, d, "LBDSALSI", quantiles = 0.5)
}
write.csv(do.call(rbind, rows), file.path(out_dir, "r_survey_nhanes.csv"), row.names = FALSE)

# ---- 3. options on survey's example: quantile rules and CI types, level 0.90, na.rm=FALSE ----
opt <- list()
add_opt <- function(domain, variable, statistic, q, rule, interval, level, na_rm, estimate, se,
                    ci_low, ci_high) {
  opt[[length(opt) + 1]] <<- data.frame(
    domain = domain, variable = variable, statistic = statistic, q = q, rule = rule,
    interval = interval, level = level, na_rm = na_rm, estimate = as.numeric(estimate),
    se = as.numeric(se), ci_low = as.numeric(ci_low), ci_high = as.numeric(ci_high))
}
options(survey.lonely.psu = "fail")
ex$y2 <- ((ex$idx * 7919) %% 997) / 10
ex$y2[ex$race == 4 & ex$idx %% 11 == 0] <- NA           # missing only among race 4
des <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = ex)
qs <- c(0.1, 0.5, 0.9)
for (dom in c("all", "race=4")) {
  d <- if (dom == "all") des else subset(des, race == 4)
  for (rule in c("school", "hf5", "hf6", "hf8", "hf9")) {
    q <- svyquantile(~y, d, qs, na.rm = TRUE, ci = TRUE, se = TRUE, qrule = rule)[[1]]
    for (k in 1:3) add_opt(dom, "y", "quantile", qs[k], rule, "mean", 0.95, TRUE,
                           q[k, 1], q[k, 4], q[k, 2], q[k, 3])
  }
  for (it in c("beta", "xlogit", "asin")) {
    q <- svyquantile(~y, d, qs, na.rm = TRUE, ci = TRUE, se = TRUE, interval.type = it)[[1]]
    for (k in 1:3) add_opt(dom, "y", "quantile", qs[k], "math", it, 0.95, TRUE,
                           q[k, 1], q[k, 4], q[k, 2], q[k, 3])
  }
  q <- svyquantile(~y, d, 0.5, na.rm = TRUE, ci = TRUE, se = TRUE, alpha = 0.1)[[1]]
  add_opt(dom, "y", "quantile", 0.5, "math", "mean", 0.90, TRUE, q[1, 1], q[1, 4], q[1, 2],
          q[1, 3])
  m <- svymean(~y, d, na.rm = TRUE)
  ci <- confint(m, level = 0.90, df = degf(d))
  add_opt(dom, "y", "mean", NA, NA, NA, 0.90, TRUE, coef(m), SE(m), ci[1], ci[2])
  for (meth in c("beta", "logit")) {
    p <- svyciprop(~I(y < 20), d, method = meth, level = 0.90, na.rm = TRUE)
    add_opt(dom, "y < 20", paste0("proportion_", meth), NA, NA, NA, 0.90, TRUE, coef(p),
            SE(p), attr(p, "ci")[1], attr(p, "ci")[2])
  }
}
for (r in sort(unique(ex$race))) {
  m <- svymean(~y2, subset(des, race == r))                # na.rm = FALSE
  ci <- confint(m, df = degf(subset(des, race == r)))
  add_opt(paste0("race=", r), "y2", "mean", NA, NA, NA, 0.95, FALSE, coef(m), SE(m), ci[1],
          ci[2])
}
write.csv(do.call(rbind, opt), file.path(out_dir, "r_survey_options.csv"), row.names = FALSE)
