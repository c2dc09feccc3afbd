# Independent check of package trend's time to convert (Conversion): the
# Kaplan-Meier quantiles (midpoint rule, log-log intervals) of each group
# and the log-rank comparisons of segments and periods, with R's survival
# package (Therneau).
#
# Run (Debian: apt-get install -y r-base-core r-cran-survival):
#
#   Rscript trend/testdata/convert.R > trend/testdata/convert_r.txt
#
# convert_test.go builds deals whose time from creation to a win is the
# survival::aml data (Miller 1981; status 1 = won, 0 = lost at that time),
# the maintained group created in January 2024 with custom attribute
# x = Maintained at creation, the others in February with x =
# Nonmaintained, and compares its report with these figures: per group
# (all, each x) the quantiles at 25, 50, 75 and 90%, and survdiff of each
# group against the rest (which is the other group, and, by creation
# month, February against January).
library(survival)
g <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
probs <- c(0.25, 0.5, 0.75, 0.9)
cat("data", paste(aml$time, aml$status, as.character(aml$x), sep = ":", collapse = " "), "\n")
km <- function(name, d) {
  fit <- survfit(Surv(time, status) ~ 1, data = d, conf.type = "log-log", conf.int = 0.95)
  q <- quantile(fit, probs = probs)
  cat("group", name, "\n")
  for (j in seq_along(probs)) {
    cat("km", 100 * probs[j], g(q$quantile[j]), g(q$lower[j]), g(q$upper[j]), "\n")
  }
}
km("all", aml)
for (lv in levels(aml$x)) km(lv, subset(aml, x == lv))
for (lv in levels(aml$x)) {
  grp <- factor(ifelse(aml$x == lv, "a", "b"))
  s <- survdiff(Surv(time, status) ~ grp, data = aml)
  cat("logrank", lv, s$obs[1], g(s$exp[1]), s$obs[2], g(s$exp[2]), g(s$var[1, 1]), g(s$chisq),
      g(pchisq(s$chisq, 1, lower.tail = FALSE)), "\n")
}
