"""Independent check of the deal-size test of package trend's series
(AmountComparison between two months), with SciPy.

Run with Debian's system Python (python3-scipy):

    /usr/bin/python3 trend/testdata/series.py > trend/testdata/series_py.txt

series_test.go builds won deals with these amounts, January's and
February's, and compares the February row's test against January with:
Welch's t-test on the natural logs (scipy.stats.ttest_ind(equal_var=False);
degrees of freedom by Welch-Satterthwaite and the 95% interval of the
ratio of geometric means exp(diff ± t.ppf(0.975, df) se)), and the exact
permutation p-value of |mean(Feb) - mean(Jan)| (scipy.stats.permutation_test,
all C(22, 10) splits) that the Monte Carlo test must come near.
"""
import math

import numpy as np
import scipy.stats as st

jan = [1200, 800, 15000, 950, 2300, 640, 5100, 780, 1900, 12500, 3000, 720]
feb = [900, 700, 1000, 650, 1100, 480, 2000, 760, 830, 990]


def g(x):
    return repr(float(x))


la, lb = np.log(feb), np.log(jan)
r = st.ttest_ind(la, lb, equal_var=False)
va, vb = np.var(la, ddof=1) / len(la), np.var(lb, ddof=1) / len(lb)
df = (va + vb) ** 2 / (va ** 2 / (len(la) - 1) + vb ** 2 / (len(lb) - 1))
diff = np.mean(la) - np.mean(lb)
q = st.t.ppf(0.975, df)
se = math.sqrt(va + vb)
print("jan", " ".join(str(x) for x in jan))
print("feb", " ".join(str(x) for x in feb))
print("welch", g(math.exp(diff)), g(math.exp(diff - q * se)), g(math.exp(diff + q * se)), g(r.statistic), g(df), g(r.pvalue))


def stat(x, y, axis=-1):
    return np.abs(np.mean(x, axis=axis) - np.mean(y, axis=axis))


p = st.permutation_test((np.array(feb, float), np.array(jan, float)), stat, permutation_type="independent",
                        alternative="greater", n_resamples=np.inf, vectorized=True, batch=20000)
print("permutation", g(np.mean(feb) - np.mean(jan)), len(p.null_distribution), g(p.pvalue))
