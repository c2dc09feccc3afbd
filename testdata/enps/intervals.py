#!/usr/bin/env python3
"""Independent computation of eNPS expectations used by enps_test.go and
pulse/pulse_test.go (the (2, 2, 1) and (4, 2, 1) rows: waves 1 and 2 of the
pulse tests).

Formulas from Rocks (2016), "Interval Estimation for the Net Promoter Score",
The American Statistician 70(4): per-answer variance v = (p + d) - (p - d)^2,
SE = sqrt(v / n); adjusted Wald adds 3/4 promoter, 3/2 passive and 3/4
detractor (n + 3). The normal quantile comes from Python's statistics module.
Run: python3 testdata/enps/intervals.py
"""
from math import sqrt, erfc
from statistics import NormalDist


def z(conf):
    return NormalDist().inv_cdf(0.5 + conf / 2)


def clamp(x, lo, hi):
    return min(hi, max(lo, x))


def wald(P, Pa, D, conf, adjusted):
    n = P + Pa + D
    if adjusted:
        P, D, n = P + 0.75, D + 0.75, n + 3
    p, d = P / n, D / n
    c = p - d
    se = sqrt(((p + d) - c * c) / n)
    zz = z(conf)
    return 100 * c, 100 * se, clamp(100 * (c - zz * se), -100, 100), clamp(100 * (c + zz * se), -100, 100)


def compare(b, a, conf):
    def pv(P, Pa, D):
        n = P + Pa + D
        p, d = P / n, D / n
        return 100 * (p - d), ((p + d) - (p - d) ** 2) / n
    sb, vb = pv(*b)
    sa, va = pv(*a)
    se = 100 * sqrt(vb + va)
    zz = z(conf)
    ch = sa - sb
    zt = ch / se if se else 0
    p = erfc(abs(zt) / sqrt(2)) if se else 0
    return ch, se, clamp(ch - zz * se, -200, 200), clamp(ch + zz * se, -200, 200), zt, p


for case in [(2, 2, 1, 0.95), (4, 2, 1, 0.95), (8, 7, 5, 0.95), (1, 0, 0, 0.95), (10, 0, 0, 0.90), (0, 0, 3, 0.95), (2, 1, 1, 0.80), (45, 30, 25, 0.99)]:
    for adj in (False, True):
        print("interval", case, "adjusted" if adj else "wald", ["%.12g" % x for x in wald(*case[:3], case[3], adj)])
for b, a, conf in [((8, 7, 5), (12, 5, 3), 0.95), ((5, 0, 0), (0, 0, 5), 0.95), ((45, 30, 25), (30, 30, 40), 0.95), ((3, 3, 3), (3, 3, 3), 0.9)]:
    print("compare", b, a, conf, ["%.12g" % x for x in compare(b, a, conf)])
