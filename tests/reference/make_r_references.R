# Independent reference values for tests/stats/test_reference.py and test_agreement.py.
# Run by hand from tests/reference/ (the tests never need R):
#   Rscript make_r_references.R
# R 4.2.2 (Debian bookworm), epiR 2.0.57, car 3.1-1 (Debian packages r-cran-epir, r-cran-car).
suppressMessages({library(epiR); library(car)})
out <- data.frame(case = character(), statistic = character(), value = numeric())
add <- function(case, statistic, value) {
  out <<- rbind(out, data.frame(case = case, statistic = statistic, value = value))
}

# 1. Lin's CCC on the Bland & Altman (1986) peak-flow data (x = mini, y = Wright)
pf <- read.csv("bland_altman_1986_pefr.csv", comment.char = "#")
cc <- epi.ccc(pf$mini1, pf$wright1, ci = "z-transform", conf.level = 0.95)
add("pefr_ccc", "ccc", cc$rho.c$est)
add("pefr_ccc", "ci_low", cc$rho.c$lower)
add("pefr_ccc", "ci_high", cc$rho.c$upper)
add("pefr_ccc", "bias_correction", cc$C.b)

# 2. Exact CI of the Bland-Altman limits (non-central t, Carkeet 2015) with R's qt(ncp=)
d <- pf$wright1 - pf$mini1; n <- length(d); z <- qnorm(0.975)
k <- qt(c(0.025, 0.975), df = n - 1, ncp = z * sqrt(n)) / sqrt(n)
add("pefr_exact", "loa_upper_ci_low", mean(d) + k[1] * sd(d))
add("pefr_exact", "loa_upper_ci_high", mean(d) + k[2] * sd(d))
add("pefr_exact", "loa_lower_ci_low", mean(d) - k[2] * sd(d))
add("pefr_exact", "loa_lower_ci_high", mean(d) - k[1] * sd(d))

# 3. Nonparametric reference limits: CLSI rank p(n+1) = R quantile type 6
ri <- read.csv("ri_sample.csv", comment.char = "#")
for (s in c("F", "M", "all")) {
  v <- if (s == "all") ri$value else ri$value[ri$sex == s]
  q <- quantile(v, c(0.025, 0.975), type = 6, names = FALSE)
  add(paste0("ri_", s), "lower", q[1]); add(paste0("ri_", s), "upper", q[2])
  # 4. Box-Cox lambda by maximum likelihood
  add(paste0("ri_", s), "boxcox_lambda", unname(powerTransform(v, family = "bcPower")$lambda))
  # 5. Parametric limits after Box-Cox with car's lambda: mean -/+ 1.96 SD, back-transformed
  lam <- unname(powerTransform(v, family = "bcPower")$lambda)
  y <- bcPower(v, lam); m <- mean(y); sdv <- sd(y)
  inv <- function(t) if (abs(lam) < 1e-12) exp(t) else (lam * t + 1)^(1 / lam)
  add(paste0("ri_", s), "parametric_lower", inv(m - qnorm(0.975) * sdv))
  add(paste0("ri_", s), "parametric_upper", inv(m + qnorm(0.975) * sdv))
}
write.csv(out, "r_references.csv", row.names = FALSE)
