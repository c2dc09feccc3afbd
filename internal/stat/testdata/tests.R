# Independent check of internal/stat's log-rank test and Benjamini-Hochberg
# adjustment, with R (the survival package, Therneau, and stats::p.adjust).
#
# Run (Debian: apt-get install -y r-base-core r-cran-survival):
#
#   Rscript internal/stat/testdata/tests.R > internal/stat/testdata/tests_r.txt
#
# r_test.go reads tests_r.txt: every data set with R's figures.
#
# Log-rank: survdiff(Surv(time, status) ~ group) (rho = 0) on
#   - aml (Miller 1981; the survdiff example of ?survdiff: maintained vs
#     non-maintained chemotherapy),
#   - ovarian (Edmunson et al. 1979; ?survdiff: treatment rx 1 vs 2),
#   - a small hand-made set with ties between the groups and censorings
#     tied with events.
# BH: p.adjust(p, method = "BH") on
#   - the 15 p-values of Benjamini and Hochberg (1995), section 4.3,
#   - the example of ?p.adjust (set.seed(123); 50 normal p-values),
#   - a set with ties and ones.
# Welch: t.test(a, b) (var.equal = FALSE, R's default) on the sleep data
#   (Cushny and Peebles 1905, the example of ?t.test) and on the logs of
#   the deal amounts of tests.py.
library(survival)
g <- function(x) sprintf("%.17g", x)
lr <- function(name, time, status, group) {
  group <- factor(group)
  s <- survdiff(Surv(time, status) ~ group)
  lv <- levels(group)
  a <- group == lv[1]
  cat("logrank", name, "\n")
  cat("a", paste(time[a], status[a], sep = ":", collapse = " "), "\n")
  cat("b", paste(time[!a], status[!a], sep = ":", collapse = " "), "\n")
  cat("result", s$obs[1], g(s$exp[1]), s$obs[2], g(s$exp[2]), g(s$var[1, 1]), g(s$chisq),
      g(pchisq(s$chisq, 1, lower.tail = FALSE)), "\n")
}
lr("aml", aml$time, aml$status, aml$x)
lr("ovarian", ovarian$futime, ovarian$fustat, ovarian$rx)
lr("ties", c(1, 2, 2, 3, 5, 5, 8, 1, 2, 2, 4, 5, 7, 7),
   c(1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1),
   c(1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2))
bh <- function(name, p) {
  cat("bh", name, "\n")
  cat("p", g(p), "\n")
  cat("adjusted", g(p.adjust(p, method = "BH")), "\n")
}
bh("bh1995", c(0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
               0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000))
set.seed(123)
x <- rnorm(50, mean = c(rep(0, 25), rep(3, 25)))
bh("padjust_example", 2 * pnorm(sort(-abs(x))))
bh("ties", c(0.04, 0.01, 0.04, 1, 0.2, 0.01, 1, 0.5))
welch <- function(name, a, b) {
  w <- t.test(a, b)
  cat("welch", name, "\n")
  cat("result", g(mean(a) - mean(b)), g(w$statistic), g(w$parameter), g(w$p.value), g(w$conf.int[1]), g(w$conf.int[2]), "\n")
}
welch("sleep", sleep$extra[sleep$group == 1], sleep$extra[sleep$group == 2])
welch("log_amounts", log(c(1200, 800, 15000, 950, 2300, 640, 5100, 780, 1900, 12500, 3000, 720)),
      log(c(900, 700, 1000, 650, 1100, 480, 2000, 760, 830, 990)))
