# Reference values of R's survey package for tests/stats/test_design_audit.py (the audit of
# SurveyDesign's edge cases: weights not scaled to persons, PSU labels, a frame changed after
# the design was built, several variables with missing values, lonely PSUs reached through a
# zero-weight row inside by= groups).
#
# Run by hand from the project root (R with the survey package; Debian 12:
# apt-get install r-base-core r-cran-survey); the tests never need R:
#     Rscript tests/reference/make_survey_audit_reference.R
# Writes tests/reference/r_survey_audit_data.csv (the 58-row design below, built by arithmetic,
# no random numbers) and tests/reference/r_survey_audit.csv (15 significant digits, write.csv).
# Versions used: R 4.2.2 Patched (2022-11-10 r83330), survey 4.1-1 (Debian 12).
suppressPackageStartupMessages(library(survey))
out_dir <- file.path("tests", "reference")

# 7 strata; D and F have a single PSU (lonely); PSU labels 1, 2, 3 restart in every stratum
npsu <- c(A = 3, B = 2, C = 2, D = 1, E = 2, F = 1, G = 2)
d <- do.call(rbind, lapply(seq_along(npsu), function(i) do.call(rbind, lapply(
  seq_len(npsu[[i]]), function(p) data.frame(h = names(npsu)[i], psu = p,
                                             k = seq_len(3 + (i + p) %% 4))))))
d$k <- NULL
d$id <- seq_len(nrow(d))
d$w <- round(0.5 + ((d$id * 37) %% 71) / 20, 2)
d$w[d$id %% 13 == 6] <- 0                                  # zero weights
d$y <- round(4 + ((d$id * 7919) %% 997) / 80, 1)
d$y[d$id %% 9 == 3] <- NA                                  # missing values
d$x <- 1 + (d$id %% 7) / 2
d$x[d$id %% 5 == 0] <- NA                                  # missing elsewhere than y
# groups: "k" reaches lonely stratum D only through a zero-weight row
d$g <- ifelse(d$id %% 2 == 0, "u", "v")
d$g[d$h == "D"] <- "u"
d$w[d$h == "D"][1] <- 0
d$g[d$h == "D"][1] <- "k"
d$g[d$h == "A"][1:3] <- "k"
write.csv(d, file.path(out_dir, "r_survey_audit_data.csv"), row.names = FALSE)

rows <- list()
add <- function(case, group, statistic, estimate, se = NA, deff = NA, df = NA) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, group = group, statistic = statistic,
    estimate = as.numeric(estimate), se = as.numeric(se), deff = as.numeric(deff),
    df = as.numeric(df))
}
options(survey.lonely.psu = "adjust")

# 1. weights scaled to sum to 1 (fewer "persons" than rows): svymean's deff is NA (with the
# warning "Sample size greater than population size"), svytotal's and svyratio's negative
d$w1 <- d$w / sum(d$w)
for (wt in c("w", "w1")) {
  des <- svydesign(id = ~psu, strata = ~h, weights = as.formula(paste0("~", wt)), nest = TRUE,
                   data = d)
  m <- suppressWarnings(svymean(~y, des, na.rm = TRUE, deff = TRUE))
  add(paste0("deff_", wt), "all", "mean", coef(m), SE(m), deff(m), degf(des))
  tt <- svytotal(~y, des, na.rm = TRUE, deff = TRUE)
  add(paste0("deff_", wt), "all", "total", coef(tt), SE(tt), deff(tt), degf(des))
  r <- svyratio(~y, ~x, des, na.rm = TRUE, deff = TRUE)
  add(paste0("deff_", wt), "all", "ratio", r$ratio, sqrt(r$var), attr(r, "deff"), degf(des))
}

# 2. PSU labels as text (a data frame column has one type: "1" and 1 cannot both occur)
dc <- d
dc$psu <- as.character(dc$psu)
des <- svydesign(id = ~psu, strata = ~h, weights = ~w, nest = TRUE, data = dc)
m <- svymean(~y, des, na.rm = TRUE)
add("labels", "all", "mean", coef(m), SE(m), NA, degf(des))

# 3. several variables: one call per variable, and R's joint complete cases
des <- svydesign(id = ~psu, strata = ~h, weights = ~w, nest = TRUE, data = d)
for (v in c("y", "x")) {
  m <- svymean(as.formula(paste0("~", v)), des, na.rm = TRUE)
  add("separate", "all", paste0("mean_", v), coef(m), SE(m), NA, degf(des))
}
m <- svymean(~y + x, des, na.rm = TRUE)
add("joint", "all", "mean_y", coef(m)[1], SE(m)[1])
add("joint", "all", "mean_x", coef(m)[2], SE(m)[2])
# a text variable: svymean gives the share of each category
m <- svymean(~g, des)
for (lev in c("k", "u", "v")) add("categorical", lev, "share", coef(m)[paste0("g", lev)],
                                   SE(m)[paste0("g", lev)], NA, degf(des))

# 4. lonely PSUs by group (svyby's domains = subset() per group) under every option
for (lp in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = lp)
  des <- svydesign(id = ~psu, strata = ~h, weights = ~w, nest = TRUE, data = d)
  for (grp in c("k", "u", "v")) {
    D <- des[d$g == grp, ]                           # = subset(des, g == grp)
    m <- svymean(~y, D, na.rm = TRUE)
    add(paste0("lonely_", lp), grp, "mean", coef(m), SE(m), NA, degf(D))
    tt <- svytotal(~y, D, na.rm = TRUE)
    add(paste0("lonely_", lp), grp, "total", coef(tt), SE(tt), NA, degf(D))
    q <- svyquantile(~y, D, 0.5, na.rm = TRUE, ci = TRUE, se = TRUE)[[1]]
    add(paste0("lonely_", lp), grp, "median", q[1, 1], q[1, 4], NA,
        degf(D[!is.na(D$variables$y), ]))
  }
}
options(survey.lonely.psu = "fail")

# 5. reference limits on equal weights, where p * sum(w) falls exactly on a step of the CDF:
# svyquantile at 0.025/0.975 (coverage 0.95, n = 40) and 0.05/0.95 (coverage 0.90, n = 20)
for (cv in list(c(0.95, 40), c(0.90, 20))) {
  eq <- data.frame(y = seq_len(cv[2]), w = 1)
  p <- round(c(0.5 - cv[1] / 2, 0.5 + cv[1] / 2), 12)  # 0.025, 0.975 as one types them
  q <- svyquantile(~y, svydesign(id = ~1, weights = ~w, data = eq), p, qrule = "math",
                   ci = FALSE)[[1]]
  add(paste0("equal_weights_n", cv[2]), "all", "lower", q[1])
  add(paste0("equal_weights_n", cv[2]), "all", "upper", q[2])
}
write.csv(do.call(rbind, rows), file.path(out_dir, "r_survey_audit.csv"), row.names = FALSE)
