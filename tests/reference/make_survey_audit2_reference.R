# Reference values of R's survey package for tests/stats/test_survey_audit2.py (second audit
# of SurveyDesign: domains that are empty, hold one row or reach one PSU of a stratum, a domain
# variable with missing values, zero and very unequal weights, a lonely stratum under each
# survey.lonely.psu option, proportions by each svyciprop method, quantiles by each qrule and
# interval.type, at q = 0 and 1 and with ties).
#
# Run by hand from the project root (R with the survey package; Debian 12:
# apt-get install r-base-core r-cran-survey); the tests never need R:
#     Rscript tests/reference/make_survey_audit2_reference.R
# Writes tests/reference/r_survey_audit2_data.csv (the design below, built by arithmetic, no
# random numbers), tests/reference/r_survey_audit2.csv (write.csv, 15 significant digits) and
# tests/reference/r_survey_audit2_departures.csv (see its section at the end).
# Versions used: R 4.2.2 Patched (2022-11-10 r83330), survey 4.1-1 (Debian 12).
suppressPackageStartupMessages(library(survey))
out_dir <- file.path("tests", "reference")

# 5 strata; S4 has a single PSU (lonely); PSU 2 of S3 holds only zero weights
npsu <- c(S1 = 3, S2 = 2, S3 = 2, S4 = 1, S5 = 2)
d <- do.call(rbind, lapply(seq_along(npsu), function(i) do.call(rbind, lapply(
  seq_len(npsu[[i]]), function(p) data.frame(h = names(npsu)[i], psu = p,
                                             k = seq_len(2 + (3 * i + p) %% 4))))))
d$k <- NULL
d$id <- seq_len(nrow(d))
d$w <- c(0.1, 1, 10, 100, 1000)[1 + (d$id * 3) %% 5] * (1 + (d$id %% 3) / 2)  # very unequal
d$w[d$id %% 11 == 4] <- 0                                  # zero weights
d$w[d$h == "S3" & d$psu == 2] <- 0                          # a PSU of zero weights
d$y <- (d$id * 7) %% 9                                     # ties
d$y[d$id %% 10 == 7] <- NA                                 # missing values
d$b <- as.numeric(d$y >= 5)
# domains: "one" a single row, "c" only PSU 1 of S1 and of S2, "z" only zero weights,
# NA: rows in no domain
d$dom <- ifelse(d$id %% 2 == 0, "a", "b")
d$dom[d$h %in% c("S1", "S2") & d$psu == 1] <- "c"
d$dom[d$h %in% c("S1", "S2") & d$psu == 1 & is.na(d$y)] <- "a"
d$dom[d$id == 20] <- "one"
d$dom[d$id %% 8 == 5] <- NA
d$dom[d$w == 0 & d$h == "S3"] <- "z"
write.csv(d, file.path(out_dir, "r_survey_audit2_data.csv"), row.names = FALSE)

rows <- list()
add <- function(case, lonely, group, statistic, estimate, se = NA, ci_low = NA, ci_high = NA,
                df = NA, deff = NA) {
  rows[[length(rows) + 1]] <<- data.frame(design = design_name, case = case, lonely = lonely,
    group = group,
    statistic = statistic, estimate = as.numeric(estimate), se = as.numeric(se),
    ci_low = as.numeric(ci_low), ci_high = as.numeric(ci_high), df = as.numeric(df),
    deff = as.numeric(deff))
}
doms <- c("all", "a", "b", "c", "one", "z")
dom_design <- function(des, g) if (g == "all") des else subset(des, dom == g)

# "strat": the stratified clustered design; "srs": weights only (id = ~1); "clus": the PSUs
# numbered across strata, without strata. The lonely PSU option matters only for "strat".
d$psu_all <- match(paste(d$h, d$psu), unique(paste(d$h, d$psu)))
designs <- list(
  strat = function() svydesign(id = ~psu, strata = ~h, weights = ~w, nest = TRUE, data = d),
  srs = function() svydesign(id = ~1, weights = ~w, data = d),
  clus = function() svydesign(id = ~psu_all, weights = ~w, data = d))
for (design_name in names(designs)) for (lonely in c("remove", "adjust", "average", "certainty")) {
  if (design_name != "strat" && lonely != "remove") next
  options(survey.lonely.psu = lonely)
  des <- designs[[design_name]]()
  for (g in doms) {
    dd <- dom_design(des, g)
    if (g == "z") {  # a domain of zero weights only: R's estimates are NaN
      m <- svymean(~y, dd, na.rm = TRUE)
      add("mean", lonely, g, "mean", coef(m), SE(m), df = degf(dd))
      tt <- svytotal(~y, dd, na.rm = TRUE)
      add("total", lonely, g, "total", coef(tt), SE(tt), df = degf(dd))
      next
    }
    m <- svymean(~y, dd, na.rm = TRUE, deff = TRUE)
    add("mean", lonely, g, "mean", coef(m), SE(m), df = degf(dd), deff = deff(m))
    tt <- svytotal(~y, dd, na.rm = TRUE, deff = TRUE)
    add("total", lonely, g, "total", coef(tt), SE(tt), df = degf(dd), deff = deff(tt))
    r <- svyratio(~y, ~w, dd, na.rm = TRUE)
    add("ratio", lonely, g, "ratio", r$ratio, sqrt(r$var), df = degf(dd))
    for (method in c("logit", "beta", "mean", "xlogit", "asin")) {
      p <- suppressWarnings(svyciprop(~b, dd, method = method, na.rm = TRUE))
      ci <- attr(p, "ci")
      add("prop", lonely, g, method, p, sqrt(attr(p, "var")), ci[1], ci[2], degf(dd))
    }
    for (qrule in c("math", "school", "hf5", "hf6", "hf7", "hf8", "hf9")) {
      for (itype in c("mean", "beta", "xlogit", "asin")) {
        for (q in c(0, 0.25, 0.5, 0.9, 1)) {
          qq <- tryCatch(suppressWarnings(svyquantile(~y, dd, q, ci = TRUE, na.rm = TRUE,
                                             qrule = qrule, interval.type = itype))[[1]],
                         error = function(e) NULL)  # R refuses to interpolate one value
          if (is.null(qq)) next
          add(paste("quantile", qrule, itype, q), lonely, g, "quantile", qq[1, 1], qq[1, 4],
              qq[1, 2], qq[1, 3], degf(dd[!is.na(dd$variables$y), ]))
        }
      }
    }
  }
}
# lonely.psu = "fail": a domain that does not reach the lonely stratum S4 has an estimate,
# one that reaches it fails ("Stratum (S4) has only one PSU at stage 1")
options(survey.lonely.psu = "fail")
design_name <- "strat"
des <- designs$strat()
for (g in c("a", "c")) {
  m <- tryCatch(svymean(~y, subset(des, dom == g), na.rm = TRUE), error = function(e) NULL)
  if (is.null(m)) add("mean", "fail", g, "error", NA) else add("mean", "fail", g, "mean",
                                                               coef(m), SE(m))
}
# domains R's loop above does not reach (lonely.psu = "remove", strat only): "none" holds no
# row (subset() keeps no row: R's svymean gives 0, SE 0), "na" only rows whose y is missing
# (each with a positive weight), and a ratio whose denominator is 0 in domain "b"
options(survey.lonely.psu = "remove")
design_name <- "strat"
des <- designs$strat()
tryadd <- function(case, g, statistic, expr) {
  v <- tryCatch(expr, error = function(e) NULL)
  if (is.null(v)) return(add(case, "remove", g, "error", NA))
  if (inherits(v, "svyratio")) return(add(case, "remove", g, statistic, v$ratio, sqrt(v$var)))
  add(case, "remove", g, statistic, coef(v), SE(v))
}
for (g in c("none", "na")) {
  dd <- if (g == "none") subset(des, dom %in% "nobody") else subset(des, is.na(y))
  tryadd("mean", g, "mean", svymean(~y, dd, na.rm = TRUE))
  tryadd("total", g, "total", svytotal(~y, dd, na.rm = TRUE))
  tryadd("ratio", g, "ratio", svyratio(~y, ~w, dd, na.rm = TRUE))
  for (i in length(rows) - 0:2) rows[[i]]$df <- degf(dd)
}
d$x0 <- ifelse(d$dom %in% "b", 0, d$w)
des <- svydesign(id = ~psu, strata = ~h, weights = ~w, nest = TRUE, data = d)
tryadd("ratio0", "b", "ratio", svyratio(~y, ~x0, subset(des, dom == "b"), na.rm = TRUE))
# proportions of 0 % and 100 %: domains "zeros" (b == 0) and "ones" (b == 1)
for (design_name in c("strat", "srs")) {
  des <- designs[[design_name]]()
  for (g in c("zeros", "ones")) {
    dd <- subset(des, b %in% (g == "ones"))
    for (method in c("logit", "beta", "mean", "xlogit", "asin")) {
      p <- suppressWarnings(svyciprop(~b, dd, method = method, na.rm = TRUE))
      ci <- attr(p, "ci")
      add("prop", "remove", g, method, p, sqrt(attr(p, "var")), ci[1], ci[2], degf(dd))
    }
  }
}
res <- do.call(rbind, rows)
res[] <- lapply(res, function(v) if (is.numeric(v)) signif(v, 15) else v)
write.csv(res, file.path(out_dir, "r_survey_audit2.csv"), row.names = FALSE)

# ---- r_survey_audit2_departures.csv: where labstats departs from survey 4.1-1 on purpose ----
# The same rows (design, case, lonely, group, statistic) computed by R with two corrections,
# each written here from its definition:
# 1. qrule "math"/"school" below the first step of the weighted CDF (p < F(min)): the smallest
#    value. survey 4.1-1 returns the second smallest there, so its quantile function is not
#    monotone (x = 1, 2, 3, equal weights: 2 at p = 0.3, 1 at p = 1/3). Otherwise as survey's
#    rules: the last cumulative weight <= p * sum(w) (long-double sums, as R's cumsum and sum);
#    p exactly on it: that value ("math") or the midpoint with the next ("school"); else the
#    next value. Passed to svyquantile(qrule = <function>), so R's own Woodruff interval is used.
# 2. interval "asin" (svyciprop and svyquantile): the angle asin(sqrt(p)) -/+ t SE / (2
#    sqrt(p (1 - p))) clamped to [0, pi/2], where sin^2 rises; survey 4.1-1 takes sin^2 beyond
#    it, which folds back (limits in reverse order, or excluding the estimate). Computed here
#    from R's svymean of the indicator (the proportion, or y <= the quantile, as Woodruff
#    1952), its SE and degf; the quantile limits are the rule at the clamped probabilities.
inverse_cdf <- function(average) function(x, w, p) {
  keep <- w != 0
  x <- x[keep]; w <- w[keep]
  o <- order(x); x <- x[o]; cw <- cumsum(w[o]); total <- sum(w)
  sapply(p, function(pp) {
    pos <- sum(cw <= pp * total)
    if (pos == 0) return(x[1])
    nxt <- min(pos + 1, length(x))
    if (pp - cw[pos] / total == 0) (if (average) (x[pos] + x[nxt]) / 2 else x[pos]) else x[nxt]
  })
}
rule_fn <- list(math = inverse_cdf(FALSE), school = inverse_cdf(TRUE), hf5 = survey:::qrule_hf5,
                hf6 = survey:::qrule_hf6, hf7 = survey:::qrule_hf7, hf8 = survey:::qrule_hf8,
                hf9 = survey:::qrule_hf9)
asin_ci <- function(p, se, df) {
  eta <- asin(sqrt(p)); s <- se / (2 * sqrt(p * (1 - p)))
  sin(pmin(pmax(eta + c(-1, 1) * qt(0.975, df) * s, 0), pi / 2))^2
}
woodruff_asin <- function(dd, rule, q) {  # dd without missing y
  x <- dd$variables$y; w <- weights(dd)
  qhat <- rule(x, w, q)
  m <- svymean(~ind, update(dd, ind = as.numeric(y <= qhat)))
  plim <- asin_ci(coef(m)[[1]], SE(m)[[1]], degf(dd))
  lim <- if (anyNA(plim)) c(NA, NA) else rule(x, w, plim)
  c(qhat, lim, diff(lim) / (2 * qt(0.975, degf(dd))))
}
rows <- list()
for (design_name in names(designs)) for (lonely in c("remove", "adjust", "average", "certainty")) {
  if (design_name != "strat" && lonely != "remove") next
  options(survey.lonely.psu = lonely)
  des <- designs[[design_name]]()
  for (g in setdiff(doms, "z")) {
    dd <- dom_design(des, g)
    m <- svymean(~b, dd, na.rm = TRUE)
    ci <- asin_ci(coef(m)[[1]], SE(m)[[1]], degf(dd))
    add("prop", lonely, g, "asin", coef(m), SE(m), ci[1], ci[2], degf(dd))
    dy <- dd[!is.na(dd$variables$y), ]
    for (qrule in names(rule_fn)) for (itype in c("mean", "beta", "xlogit", "asin")) {
      if (!(qrule %in% c("math", "school")) && itype != "asin") next
      for (q in c(0, 0.25, 0.5, 0.9, 1)) {
        qq <- tryCatch(suppressWarnings(if (itype == "asin") woodruff_asin(dy, rule_fn[[qrule]], q)
                                        else svyquantile(~y, dy, q, ci = TRUE, qrule = rule_fn[[qrule]],
                                                         interval.type = itype)[[1]][1, ]),
                       error = function(e) NULL)  # R refuses to interpolate one value
        if (is.null(qq)) next
        add(paste("quantile", qrule, itype, q), lonely, g, "quantile", qq[1], qq[4], qq[2], qq[3],
            degf(dy))
      }
    }
  }
}
res <- do.call(rbind, rows)
res[] <- lapply(res, function(v) if (is.numeric(v)) signif(v, 15) else v)
write.csv(res, file.path(out_dir, "r_survey_audit2_departures.csv"), row.names = FALSE)
