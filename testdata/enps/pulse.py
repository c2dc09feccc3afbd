#!/usr/bin/env python3
"""Independent computation of the pulse-survey figures used by pulse/pulse_test.go
(TestReportHandWorked, TestCompareWaves).

Wave 1 and wave 2 answers are listed below exactly as in the test (the
functions wave1 and wave2). Shares carry Wilson intervals and their changes
Newcombe's interval with Fisher's exact test or the pooled z-test (Cochran's
rule); means carry Student t intervals and their changes the Welch z-test; the
eNPS change follows Rocks (2016). Only the standard library is needed.
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


# --- Wave reports and comparisons of package pulse (pulse/pulse_test.go) ---
# Favourable shares and participation carry Wilson intervals; changes use
# the library's one two-proportion comparison: Newcombe's hybrid score
# interval, and Fisher's exact test when an expected count is below 5
# (Cochran's rule), the pooled z-test otherwise. Means carry the Student t
# interval (t quantile by bisection on the t density integrated with
# Simpson's rule) and changes of means the Welch z-test.
from math import comb, lgamma, exp, pi


def wilson(x, n, zz):
    p = x / n
    c = p + zz * zz / (2 * n)
    h = zz * sqrt(p * (1 - p) / n + zz * zz / (4 * n * n))
    d = 1 + zz * zz / n
    lo, hi = (c - h) / d, (c + h) / d
    if x == 0:
        lo = 0.0
    if x == n:
        hi = 1.0
    return max(lo, 0.0), min(hi, 1.0)


def fisher(x1, n1, x2, n2):
    m = x1 + x2
    def pr(x):
        return comb(n1, x) * comb(n2, m - x)
    obs = pr(x1)
    xs = range(max(0, m - n2), min(n1, m) + 1)
    tot = sum(pr(x) for x in xs)
    return min(1.0, sum(pr(x) for x in xs if pr(x) <= obs * (1 + 1e-7)) / tot)


def compare_rates(x1, n1, x2, n2, zz=z):
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, zz)
    l2, u2 = wilson(x2, n2, zz)
    d = p1 - p2
    lo = max(-1, d - sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2))
    hi = min(1, d + sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))
    pool = (x1 + x2) / (n1 + n2)
    if min(n1, n2) * min(pool, 1 - pool) < 5:
        return "fisher", d, lo, hi, 0.0, fisher(x1, n1, x2, n2)
    se = sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
    zt = d / se if se else 0.0
    return "z-test", d, lo, hi, zt, erfc(abs(zt) / sqrt(2))


def t_quantile(q, nu):
    c = exp(lgamma((nu + 1) / 2) - lgamma(nu / 2)) / sqrt(nu * pi)
    def cdf(x):  # P(T <= x) for x >= 0, Simpson's rule on [0, x]
        k = 2000
        h = x / k
        f = lambda t: c * (1 + t * t / nu) ** (-(nu + 1) / 2)
        s = f(0) + f(x) + sum((4 if i % 2 else 2) * f(i * h) for i in range(1, k))
        return 0.5 + s * h / 3
    lo, hi = 0.0, 100.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if cdf(mid) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def fmt(*xs):
    return ["%.12g" % x if isinstance(x, float) else x for x in xs]


lohi = {"agree": (1, 5), "yesno": (0, 1), "enps": (0, 10)}
for name, w in (("wave1", w1), ("wave2", w2)):
    for q in ("enps", "agree", "yesno"):
        xs = w[q]
        n = len(xs)
        f = sum(x >= fav[q] for x in xs)
        m, sd = mean(xs), sqrt(variance(xs))
        half = t_quantile(0.975, n - 1) * sd / sqrt(n)
        lo, hi = lohi[q]
        print(name, q, "favourable", f, n, fmt(*wilson(f, n, z)), "mean", fmt(m, sd, max(lo, m - half), min(hi, m + half)))
print("participation change", fmt(*compare_rates(7, 8, 6, 8)))
for q in ("enps", "agree", "yesno"):
    a, b = w2[q], w1[q]
    fa, fb = sum(x >= fav[q] for x in a), sum(x >= fav[q] for x in b)
    print(q, "favourable change", fmt(*compare_rates(fa, len(a), fb, len(b))))
    se = sqrt(variance(a) / len(a) + variance(b) / len(b))
    ch = mean(a) - mean(b)
    print(q, "mean change", fmt(ch, se, max(-width[q], ch - z * se), min(width[q], ch + z * se), ch / se, erfc(abs(ch / se) / sqrt(2))))
print("participation wave1", fmt(*wilson(6, 8, z)), "wave2", fmt(*wilson(7, 8, z)))

# --- The change's tests adjusted together (Benjamini and Hochberg 1995) ---
# Compare tests, at once, participation and in the company row and in the
# one group row ("") each question's favourable share, mean and (enps only)
# eNPS: 15 tests. BH by the definition q_(i) = min over j >= i of
# min(1, m p_(j) / j). Verdicts at confidence 0.6 with minimum sample 1:
# a difference stands only where q < 0.4 (TestCompareWavesAdjusted).


def bh(ps):
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    q = [0.0] * m
    for r, i in enumerate(order, start=1):
        q[i] = min(min(1.0, m * ps[order[j - 1]] / j) for j in range(r, m + 1))
    return q


tests = [("participation", "favourable", compare_rates(7, 8, 6, 8)[1], compare_rates(7, 8, 6, 8)[5])]
for row in ("company", "group"):
    for q in ("enps", "agree", "yesno"):
        a, b = w2[q], w1[q]
        fa, fb = sum(x >= fav[q] for x in a), sum(x >= fav[q] for x in b)
        r = compare_rates(fa, len(a), fb, len(b))
        tests.append((row + " " + q, "favourable", r[1], r[5]))
        se = sqrt(variance(a) / len(a) + variance(b) / len(b))
        ch = mean(a) - mean(b)
        tests.append((row + " " + q, "mean", ch, erfc(abs(ch / se) / sqrt(2))))
        if q == "enps":
            s1, v1 = nps(b)
            s2, v2 = nps(a)
            d = s2 - s1
            tests.append((row + " " + q, "enps", d, erfc(abs(d / (100 * sqrt(v1 + v2))) / sqrt(2))))
qs = bh([t[3] for t in tests])
for (name, kind, d, p), q in zip(tests, qs):
    alone = "no difference" if p >= 0.4 or d == 0 else ("higher" if d > 0 else "lower")
    together = alone if alone == "no difference" or q < 0.4 else "no difference"
    print("adjusted", name, kind, "p %r q %r alone %s together %s" % (p, q, alone, together))
