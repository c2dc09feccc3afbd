"""Independent check of internal/stat's Welch test, permutation test and
Woolf odds-ratio interval, with SciPy.

Run with Debian's system Python (python3-scipy):

    /usr/bin/python3 internal/stat/testdata/tests.py > internal/stat/testdata/tests_py.txt

py_test.go reads tests_py.txt.

Welch: scipy.stats.ttest_ind(a, b, equal_var=False) for t and p, with the
Welch-Satterthwaite degrees of freedom and the 95% interval of the
difference from Student's quantile (scipy.stats.t.ppf), on R's sleep data (Cushny and Peebles 1905, the example of R's
?t.test: t = -1.8608, df = 17.776, p = 0.07939) and on the natural logs of
two sets of deal amounts.
Permutation: scipy.stats.permutation_test with permutation_type
"independent", statistic |mean(a) - mean(b)| and alternative "greater",
enumerated exactly (n_resamples = inf).
Odds ratio: scipy.stats.contingency.odds_ratio(kind="sample") and its
confidence_interval (the normal approximation of the log odds ratio,
Woolf's).
"""
import math

import numpy as np
import scipy.stats as st
from scipy.stats.contingency import odds_ratio


def g(x):
    return repr(float(x))


def welch(name, a, b):
    r = st.ttest_ind(a, b, equal_var=False)
    # SciPy 1.10 gives neither the degrees of freedom nor the interval:
    # they are the Welch-Satterthwaite formula with Student's quantile
    # (R's t.test in tests.R checks them too)
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    diff = np.mean(a) - np.mean(b)
    q = st.t.ppf(0.975, df)
    print("welch", name)
    print("a", " ".join(g(x) for x in a))
    print("b", " ".join(g(x) for x in b))
    print("result", g(diff), g(r.statistic), g(df), g(r.pvalue), g(diff - q * math.sqrt(va + vb)), g(diff + q * math.sqrt(va + vb)))


sleep1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
sleep2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
welch("sleep", sleep1, sleep2)
amounts_a = [1200, 800, 15000, 950, 2300, 640, 5100, 780, 1900, 12500, 3000, 720]
amounts_b = [900, 700, 1000, 650, 1100, 480, 2000, 760, 830, 990]
welch("log_amounts", [math.log(x) for x in amounts_a], [math.log(x) for x in amounts_b])


def perm(name, a, b):
    def stat(x, y, axis=-1):
        return np.abs(np.mean(x, axis=axis) - np.mean(y, axis=axis))
    r = st.permutation_test((a, b), stat, permutation_type="independent", alternative="greater",
                            n_resamples=np.inf, vectorized=True)
    print("perm", name)
    print("a", " ".join(g(x) for x in a))
    print("b", " ".join(g(x) for x in b))
    print("result", g(np.mean(a) - np.mean(b)), len(r.null_distribution), g(r.pvalue))


perm("small", [1200, 800, 15000], [900, 700, 1000, 650])
perm("ties", [5, 5, 7, 9, 12], [5, 7, 7, 8, 30])
perm("skewed", amounts_a[:8], amounts_b[:12])

for t in [((12, 5), (7, 20)), ((30, 70), (45, 55)), ((3, 97), (1, 99)), ((250, 750), (180, 820))]:
    r = odds_ratio(np.array(t), kind="sample")
    ci = r.confidence_interval(0.95)
    (a, b), (c, d) = t
    print("oddsratio", a, b, c, d, g(r.statistic), g(ci.low), g(ci.high))
