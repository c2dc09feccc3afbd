#!/usr/bin/env python3
"""Independent check of the tests of changes in package trend.

Run with the standard library only:

    python3 trend/testdata/trend.py

It prints the figures that metric_test.go compares with Report.Metric:
the two-proportion z-test with the pooled rate, two-sided, and Newcombe's
hybrid score interval of the difference (Newcombe 1998, method 10, from
Wilson intervals); the conditional test of two Poisson counts
(Przyborowski and Wilenski 1940) by its normal approximation; and the
Wilson intervals of the cohort rates of cohort_test.go.
"""
from math import erfc, sqrt
from statistics import NormalDist


def z_of(level):
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson(x, n, z):
    p = x / n
    centre = p + z * z / (2 * n)
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    den = 1 + z * z / n
    lo, hi = (centre - half) / den, (centre + half) / den
    if x == 0:
        lo = 0.0
    if x == n:
        hi = 1.0
    return max(lo, 0.0), min(hi, 1.0)


def two_proportions(x1, n1, x2, n2, level):
    p1, p2 = x1 / n1, x2 / n2
    p = (x1 + x2) / (n1 + n2)
    z = (p1 - p2) / sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    zq = z_of(level)
    l1, u1 = wilson(x1, n1, zq)
    l2, u2 = wilson(x2, n2, zq)
    d = p1 - p2
    lo = max(-1.0, d - sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2))
    hi = min(1.0, d + sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))
    return z, erfc(abs(z) / sqrt(2)), lo, hi


def poisson(a, b, la, lb):
    n = a + b
    share = la / (la + lb)
    z = (a - n * share) / sqrt(n * share * (1 - share))
    return share, z, erfc(abs(z) / sqrt(2))


def main():
    # March 2024 60/100 won against February 40/100, at 99%
    z, p, lo, hi = two_proportions(60, 100, 40, 100, 0.99)
    print("rates 60/100 vs 40/100 at 0.99: z=%r p=%r lo=%r hi=%r" % (z, p, lo, hi))
    # 30 deals in March 2024 (31 days) against 10 in February (29 days)
    share, z, p = poisson(30, 10, 31 * 86400, 29 * 86400)
    print("counts 30 (31 d) vs 10 (29 d): share=%r z=%r p=%r" % (share, z, p))
    # the same, March cut at the as-of time 2024-03-16 00:00 (15 days)
    share, z, p = poisson(30, 10, 15 * 86400, 29 * 86400)
    print("counts 30 (15 d) vs 10 (29 d): share=%r z=%r p=%r" % (share, z, p))
    # cohort rates of cohort_test.go at 0.95
    for x, n in [(1, 4), (2, 4), (0, 2), (1, 2)]:
        lo, hi = wilson(x, n, z_of(0.95))
        print("wilson %d/%d at 0.95: lo=%r hi=%r" % (x, n, lo, hi))


main()
