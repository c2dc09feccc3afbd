"""Independent check of package trend's completed-duration figures and
Freedman-Diaconis histogram bins (Conversion), with NumPy.

Run with Debian's system Python (python3-numpy):

    /usr/bin/python3 trend/testdata/convert.py > trend/testdata/convert_py.txt

convert_test.go reads convert_py.txt. For each set of completed durations
in seconds (the won deals of R's survival::aml, in days, as convert.R
uses them; and a log-normal sample drawn with a fixed seed) it gives the
mean, numpy.percentile (linear interpolation) at 25, 50, 75 and 90, and
numpy.histogram with bins="fd" (Freedman and Diaconis 1981: width
2 IQR / cbrt(n)).
"""
import numpy as np

DAY = 86400
# survival::aml: (weeks as days here, status, group)
aml = [(9, 1, "M"), (13, 1, "M"), (13, 0, "M"), (18, 1, "M"), (23, 1, "M"), (28, 0, "M"), (31, 1, "M"),
       (34, 1, "M"), (45, 0, "M"), (48, 1, "M"), (161, 0, "M"), (5, 1, "N"), (5, 1, "N"), (8, 1, "N"),
       (8, 1, "N"), (12, 1, "N"), (16, 0, "N"), (23, 1, "N"), (27, 1, "N"), (30, 1, "N"), (33, 1, "N"),
       (43, 1, "N"), (45, 1, "N")]
sets = {
    "all": [t * DAY for t, s, _ in aml if s == 1],
    "Maintained": [t * DAY for t, s, x in aml if s == 1 and x == "M"],
    "Nonmaintained": [t * DAY for t, s, x in aml if s == 1 and x == "N"],
}
rng = np.random.default_rng(20240101)
sets["lognormal"] = [int(v) for v in np.round(rng.lognormal(mean=np.log(20 * DAY), sigma=0.8, size=300))]


def g(x):
    return repr(float(x))


for name, x in sets.items():
    a = np.array(x, dtype=np.int64)
    print("set", name)
    print("values", " ".join(str(v) for v in x))
    print("mean", g(np.mean(a)))
    print("percentiles", " ".join(g(np.percentile(a, p)) for p in (25, 50, 75, 90)))
    counts, edges = np.histogram(a, bins="fd")
    print("counts", " ".join(str(c) for c in counts))
    print("edges", " ".join(g(e) for e in edges))
