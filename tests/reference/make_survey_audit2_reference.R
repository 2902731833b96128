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
# random numbers) and tests/reference/r_survey_audit2.csv (write.csv, 15 significant digits).
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
res <- do.call(rbind, rows)
res[] <- lapply(res, function(v) if (is.numeric(v)) signif(v, 15) else v)
write.csv(res, file.path(out_dir, "r_survey_audit2.csv"), row.names = FALSE)
