#!/usr/bin/env python3
"""Independent computation of the pulse-survey comparison used by pulse_test.go.

Wave 1 and wave 2 answers are listed below exactly as in the test. Mean change
uses Welch's standard error sqrt(s1^2/n1 + s2^2/n2) with sample variances;
shares use the unpooled two-proportion standard error; eNPS follows Rocks (2016).
Run: python3 testdata/enps/pulse.py
"""
from math import sqrt, erfc
from statistics import NormalDist, mean, variance

z = NormalDist().inv_cdf(0.975)
w1 = {"agree": [5, 4, 3, 2, 4, 5], "yesno": [1, 1, 0, 1, 0], "enps": [10, 9, 7, 3, 8]}
w2 = {"agree": [5, 5, 4, 4, 3, 4, 5], "yesno": [1, 1, 1, 0, 1, 1, 1], "enps": [10, 10, 9, 8, 7, 6, 10]}
fav = {"agree": 4, "yesno": 1, "enps": 9}
width = {"agree": 4, "yesno": 1, "enps": 10}


def clamp(x, lo, hi):
    return min(hi, max(lo, x))


def prop(p1, n1, p2, n2, lim=1):
    se = sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return ["%.12g" % v for v in (p2 - p1, se, clamp(p2 - p1 - z * se, -lim, lim), clamp(p2 - p1 + z * se, -lim, lim))]


print("participation", prop(6 / 8, 8, 7 / 8, 8))
for q in ("enps", "agree", "yesno"):
    a, b = w1[q], w2[q]
    se = sqrt(variance(a) / len(a) + variance(b) / len(b))
    ch = mean(b) - mean(a)
    print(q, "mean", ["%.12g" % v for v in (ch, se, clamp(ch - z * se, -width[q], width[q]), clamp(ch + z * se, -width[q], width[q]))])
    f1 = sum(x >= fav[q] for x in a) / len(a)
    f2 = sum(x >= fav[q] for x in b) / len(b)
    print(q, "fav", prop(f1, len(a), f2, len(b)))


def nps(xs):
    n = len(xs)
    p = sum(x >= 9 for x in xs) / n
    d = sum(x <= 6 for x in xs) / n
    return 100 * (p - d), ((p + d) - (p - d) ** 2) / n


s1, v1 = nps(w1["enps"])
s2, v2 = nps(w2["enps"])
se = 100 * sqrt(v1 + v2)
ch = s2 - s1
print("enps", ["%.12g" % v for v in (ch, se, ch - z * se, ch + z * se, ch / se, erfc(abs(ch / se) / sqrt(2)))])
