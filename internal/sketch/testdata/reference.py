#!/usr/bin/env python3
"""Independent reference values for the sketch's table tests.

Run from this folder:  python3 reference.py
It prints the bucket index and representative of a few values under the
DDSketch logarithmic mapping, computed with 60-digit decimal arithmetic
(Python's decimal module) instead of float64 logarithms:

    a'    = a - 2^-32                     (internal accuracy margin)
    gamma = (1 + a') / (1 - a')
    index = ceil(ln(x) / ln(gamma))
    rep   = 2 * gamma^index / (gamma + 1)   (bucket representative)

and the PERCENTILE.INC quantiles of small data sets whose inner order
statistics are bucket representatives.
"""
from decimal import Decimal, getcontext
import math

getcontext().prec = 60


def params(a):
    ai = Decimal(a) - Decimal(2) ** -32
    gamma = (1 + ai) / (1 - ai)
    return gamma, gamma.ln()


def index(a, x):
    _, lng = params(a)
    q = Decimal(x).ln() / lng
    return math.ceil(q)


def rep(a, i):
    gamma, lng = params(a)
    return 2 * (lng * i).exp() / (gamma + 1)


def fmt(d):
    return float(d).hex() if False else repr(float(d))


CASES = [
    (0.01, "1"), (0.01, "2"), (0.01, "0.5"), (0.01, "100"), (0.01, "0.001"),
    (0.01, "123.45"), (0.01, "1000000000"), (0.01, "1.0202"), (0.01, "1.0203"),
    (0.05, "10"), (0.05, "0.1"), (0.1, "3600"),
]
print("// bucket index and representative")
for a, x in CASES:
    i = index(a, x)
    print('{%s, %s, %d, %s},' % (a, x, i, fmt(rep(a, i))))

# extremes of the float64 range at a = 0.01
for name, x in [("MaxFloat64", Decimal(2) ** 1024 - Decimal(2) ** 971), ("2^-1022", Decimal(2) ** -1022)]:
    print("// %s: index %d" % (name, index(0.01, x)))


def perc_inc(xs, p):
    xs = sorted(xs)
    h = (len(xs) - 1) * Decimal(p)
    k = int(h)
    f = h - k
    if k + 1 >= len(xs):
        return xs[k]
    return xs[k] + f * (xs[k + 1] - xs[k])


# Quantiles of {1, 100, 10000} and {-5, 2, 7, 1e6} at a = 0.01 where the inner
# order statistics are replaced by their bucket representatives (the extremes
# are exact): these are the sketch's estimates.
print("// sketch estimates")
for vals, ps in [((1, 100, 10000), ("0.25", "0.5", "0.75")),
                 ((-5, 2, 7, 1000000), ("0.2", "0.5", "0.9"))]:
    est = [Decimal(vals[0])]
    for v in vals[1:-1]:
        r = rep(0.01, index(0.01, abs(v)))
        est.append(r if v > 0 else -r)
    est.append(Decimal(vals[-1]))
    for p in ps:
        print("%s p=%s -> %s" % (vals, p, fmt(perc_inc(est, p))))
