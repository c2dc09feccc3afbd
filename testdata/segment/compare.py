#!/usr/bin/env python3
"""Independent values for the segment comparisons and rankings of
segment_test.go (TestSegmentCompare, TestSegmentRankAndCompare,
TestSegmentWriteText): Python 3 standard
library only, from the formulas, not from the library's code.

Run from the repository root:

    python3 testdata/segment/compare.py

and compare the printed lines with the expectations in segment_test.go.

- z: the two-sided normal quantile, statistics.NormalDist().inv_cdf((1+c)/2).
- Wilson score interval (Wilson 1927):
  (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), with the bound
  at x = 0 (x = n) exactly 0 (1).
- Newcombe's hybrid score interval of pA - pB (Newcombe 1998, method 10):
  lo = d - sqrt((pA-lA)^2 + (uB-pB)^2), hi = d + sqrt((uA-pA)^2 + (pB-lB)^2),
  clamped to [-1, 1].
- Two-proportion z-test with the pooled rate; p = erfc(|z|/sqrt 2).
- Fisher's exact test, two-sided: the hypergeometric probabilities of every
  table with the observed margins, from exact integers (math.comb), summed
  over the tables no more likely than the observed one (relative tolerance
  1e-7, as R's fisher.test).
- Cochran's rule for the automatic choice: Fisher when
  min(nA, nB) * min(p, 1-p) < 5 with the pooled p.
- Benjamini-Hochberg adjusted p-values (Benjamini and Hochberg 1995,
  JRSS B 57, the step-up rule): for m p-values sorted increasing,
  q_(i) = min over j >= i of min(1, m p_(j) / j), computed here by the
  definition (a minimum over every j >= i, no running minimum), for the
  rankings of TestSegmentRankAndCompare and TestSegmentRankAdjusted: each
  segment against the rest, the verdict on q.
"""
import math
from fractions import Fraction
from statistics import NormalDist


def z_of(conf):
    return NormalDist().inv_cdf((1 + conf) / 2)


def wilson(x, n, z):
    p = x / n
    z2 = z * z
    center = p + z2 / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    den = 1 + z2 / n
    lo, hi = (center - half) / den, (center + half) / den
    if x == 0:
        lo = 0.0
    if x == n:
        hi = 1.0
    return max(lo, 0.0), min(hi, 1.0)


def newcombe(x1, n1, x2, n2, z):
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    return max(-1.0, d - math.hypot(p1 - l1, u2 - p2)), min(1.0, d + math.hypot(u1 - p1, p2 - l2))


def ztest(x1, n1, x2, n2):
    p = (x1 + x2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    zs = (x1 / n1 - x2 / n2) / se
    return zs, math.erfc(abs(zs) / math.sqrt(2))


def fisher(x1, n1, x2, n2):
    m = x1 + x2
    lo, hi = max(0, m - n2), min(n1, m)
    total = math.comb(n1 + n2, m)
    probs = {x: Fraction(math.comb(n1, x) * math.comb(n2, m - x), total) for x in range(lo, hi + 1)}
    limit = probs[x1] * (1 + Fraction(1, 10**7))
    return float(min(Fraction(1), sum(p for p in probs.values() if p <= limit)))


def small_expected(x1, n1, x2, n2):
    p = (x1 + x2) / (n1 + n2)
    return min(n1, n2) * min(p, 1 - p) < 5


def bh(ps):
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    q = [0.0] * m
    for r, i in enumerate(order, start=1):
        q[i] = min(min(1.0, m * ps[order[j - 1]] / j) for j in range(r, m + 1))
    return q


def test(x1, n1, x2, n2, conf=0.95, method="auto", min_sample=30):
    """The comparison of x1/n1 with x2/n2 made alone: method, z, p, verdict."""
    d = x1 / n1 - x2 / n2
    if method == "auto":
        method = "fisher" if small_expected(x1, n1, x2, n2) else "z-test"
    if method == "fisher":
        zs, p = 0.0, fisher(x1, n1, x2, n2)
    else:
        zs, p = ztest(x1, n1, x2, n2)
    if n1 < min_sample or n2 < min_sample:
        verdict = "withheld"
    elif p >= 1 - conf or d == 0:
        verdict = "no difference"
    else:
        verdict = "higher" if d > 0 else "lower"
    return method, zs, p, verdict


def rank_rest(name, rows, conf=0.95, min_sample=30):
    """Each (won, closed) row against the rest of the rows, adjusted together."""
    won, closed = sum(r[0] for r in rows), sum(r[1] for r in rows)
    tests = []
    for x, n in rows:
        if n == 0 or closed - n == 0:
            tests.append(None)
            continue
        tests.append((x, n, won - x, closed - n) + test(x, n, won - x, closed - n, conf, min_sample=min_sample))
    defined = [t for t in tests if t is not None]
    qs = bh([t[6] for t in defined])
    print(f"-- {name}")
    k = 0
    for t in tests:
        if t is None:
            print("undefined")
            continue
        x1, n1, x2, n2, method, zs, p, verdict = t
        q = qs[k]
        k += 1
        if verdict in ("higher", "lower") and not q < 1 - conf:
            verdict = "no difference"
        lo, hi = newcombe(x1, n1, x2, n2, z_of(conf))
        print(f"{x1}/{n1} vs {x2}/{n2}: diff {x1 / n1 - x2 / n2!r} interval [{lo!r}, {hi!r}] {method} z {zs!r} p {p!r} q {q!r} {verdict}")


def compare(name, x1, n1, x2, n2, conf=0.95, method="auto", min_sample=30):
    z = z_of(conf)
    d = x1 / n1 - x2 / n2
    lo, hi = newcombe(x1, n1, x2, n2, z)
    if method == "auto":
        method = "fisher" if small_expected(x1, n1, x2, n2) else "z-test"
    if method == "fisher":
        zs, p = 0.0, fisher(x1, n1, x2, n2)
    else:
        zs, p = ztest(x1, n1, x2, n2)
    if n1 < min_sample or n2 < min_sample:
        verdict = "withheld"
    elif p >= 1 - conf or d == 0:
        verdict = "no difference"
    else:
        verdict = "higher" if d > 0 else "lower"
    print(f"{name}: {x1}/{n1} vs {x2}/{n2}: diff {d!r} interval [{lo!r}, {hi!r}] {method} z {zs!r} p {p!r} {verdict}")


print("== comparisons (TestSegmentCompare)")
compare("z-test, higher", 45, 100, 30, 100)
compare("Fisher forced", 45, 100, 30, 100, method="fisher")
compare("99%", 45, 100, 30, 100, conf=0.99, method="z-test")
compare("expected count 2.5", 0, 40, 5, 40)
compare("all won", 50, 50, 50, 50)
compare("all won, z-test", 50, 50, 50, 50, method="z-test")
compare("under the minimum sample", 5, 20, 50, 100)
compare("minimum sample 20", 5, 20, 50, 100, min_sample=20)
compare("expected count exactly 5", 3, 10, 8, 12, min_sample=1)
compare("tiny Fisher", 1, 3, 0, 3, min_sample=1)
compare("a million each", 500000, 1000000, 499000, 1000000)

print("== Wilson intervals at 90% (TestSegmentWriteText), in percent to one place")
z = z_of(0.90)
for x, n in [(3, 4), (2, 3), (5, 7)]:
    lo, hi = wilson(x, n, z)
    print(f"{x}/{n}: {100 * lo:.1f}%..{100 * hi:.1f}%")

print("== Wilson intervals at 95% (TestSegmentRankAndCompare)")
z = z_of(0.95)
for x, n in [(6, 8), (3, 4), (1, 2), (9, 12)]:
    lo, hi = wilson(x, n, z)
    print(f"{x}/{n}: [{lo!r}, {hi!r}]")

print("== rankings, each segment against the rest, BH-adjusted")
rank_rest("TestSegmentRankAndCompare", [(3, 4), (6, 8), (1, 2), (0, 0)])
rank_rest("TestSegmentRankAdjusted", [(32, 100), (45, 100), (48, 100), (56, 100), (44, 90), (3, 5), (0, 0)])
