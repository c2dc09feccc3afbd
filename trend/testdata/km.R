# Independent check of the Kaplan-Meier curves, Greenwood log(-log)
# intervals and midpoint-rule quantiles of package trend, with R's survival
# package (Therneau), the reference implementation of the rule.
#
# Run (Debian: apt-get install r-base-core r-cran-survival):
#
#   Rscript trend/testdata/km.R > trend/testdata/km.txt
#
# km_test.go reads km.txt and compares every figure (times in days).
# Data sets: the hand-worked one of the tests, the aml data of the survival
# package (Miller 1981, maintained and non-maintained chemotherapy; status
# 1 = event), uncensored sets (the median is the usual median), a curve
# that sits on 0.5 to its last time, and ties.
library(survival)
sets <- list(
  hand = list(time = c(3, 1, 2, 3, 3, 4, 5, 6), status = c(1, 1, 0, 1, 0, 0, 1, 0)),
  aml_maintained = with(subset(aml, x == "Maintained"), list(time = time, status = status)),
  aml_nonmaintained = with(subset(aml, x == "Nonmaintained"), list(time = time, status = status)),
  even = list(time = c(4, 1, 3, 2), status = c(1, 1, 1, 1)),
  odd = list(time = c(5, 1, 3), status = c(1, 1, 1)),
  flat_end = list(time = c(1, 2, 3, 4), status = c(1, 1, 0, 0)),
  ties = list(time = c(2, 2, 5, 5, 5, 7), status = c(1, 1, 1, 0, 1, 1))
)
g <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
for (name in names(sets)) {
  s <- sets[[name]]
  fit <- survfit(Surv(s$time, s$status) ~ 1, conf.type = "log-log", conf.int = 0.95)
  cat("set", name, paste(s$time, s$status, sep = ":", collapse = " "), "\n")
  for (i in seq_along(fit$time)) {
    cat("step", g(fit$time[i]), fit$n.risk[i], fit$n.event[i], fit$n.censor[i],
        g(fit$surv[i]), g(fit$lower[i]), g(fit$upper[i]), "\n")
  }
  q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
  for (j in 1:3) {
    cat("quantile", c(0.25, 0.5, 0.75)[j], g(q$quantile[j]), g(q$lower[j]), g(q$upper[j]), "\n")
  }
}
