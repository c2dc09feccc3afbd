#!/usr/bin/env python3
"""Independent values for the tests of a segment's deal size and time to
win against the rest of the deals (funnel.SegmentTests): segment_test.go's
TestSegmentRestTests, TestSegmentWriteText, and the examples
ExampleSegmentTests and ExampleSegmentReport_WriteText. From the
definitions, not from the library's code.

Run from the repository root with Debian's system Python (python3-scipy):

    /usr/bin/python3 testdata/segment/rest.py > testdata/segment/rest_py.txt

TestSegmentRestTests reads rest_py.txt (verdicts with "-" for a space);
the other tests carry the printed figures, rounded as their text prints
them.

- Deal size: Welch's t-test of the natural logs of the won amounts, the
  segment (A) against every other won deal (B), with
  scipy.stats.ttest_ind(equal_var=False) (the same test as R's t.test,
  whose default is Welch's); the Welch-Satterthwaite degrees of freedom
  and the interval of the ratio of geometric means,
  exp(diff -+ t_((1+c)/2, df) se), from their formulas, the t quantile
  to 40 digits with mpmath.
- The permutation test of the arithmetic means: every split of the pooled
  won amounts into groups of the segment's size, enumerated with
  itertools.combinations, in exact fractions: p = the share of splits
  with |mean A - mean B| at least the observed one (as
  scipy.stats.permutation_test with n_resamples=inf; the library is
  exact when the splits number at most 1999).
- Time to win: the log-rank test (R's survival::survdiff, rho = 0) by
  its definition, in exact fractions: a won deal an event at its cycle,
  a lost deal censored at its cycle, an open deal censored at its age at
  the as-of time; at each event time t, E_A += d n_A / n and
  V += d (n_A/n) (n_B/n) (n-d)/(n-1), with the deals censored at t still
  at risk at t; chi2 = (O_A - E_A)^2 / V, p = erfc(|z| / sqrt 2).
- Benjamini-Hochberg adjusted p-values by the definition: for m p-values
  sorted increasing, q_(i) = min over j >= i of min(1, m p_(j) / j), each
  test's over the rows where it is defined.
- Verdicts: withheld when a side has fewer than the minimum sample
  (positive won amounts; timed deals); else no difference unless
  q < 1 - confidence, then higher or lower (A's geometric mean, or A's
  time to win: longer means z < 0, higher).
- A test is undefined where its statistic is: Welch's with fewer than two
  positive amounts on a side or no variance on either, the log-rank test
  with no variance (no event while both groups have deals at risk).
"""
import itertools
import math
from fractions import Fraction

import mpmath as mp
import numpy as np
import scipy.stats as st

DAY = 86400


def g(x):
    return repr(float(x))


def bh(ps):
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    rank = {i: r for r, i in enumerate(order, start=1)}
    return [min(min(1.0, m * ps[order[j - 1]] / j) for j in range(rank[i], m + 1)) for i in range(m)]


def t_quantile(p, df):
    """Student's t quantile to 40 digits (mpmath, python3-mpmath): the root
    of the CDF 1 - I_(df/(df+x^2))(df/2, 1/2) / 2 = p. SciPy 1.10's
    t.ppf is off by about 1e-9 relative at df near 1."""
    with mp.workdps(40):
        nu = mp.mpf(df)
        cdf = lambda x: 1 - mp.betainc(nu / 2, mp.mpf(1) / 2, 0, nu / (nu + x * x), regularized=True) / 2
        return float(mp.findroot(lambda x: cdf(x) - mp.mpf(p), float(st.t.ppf(p, df))))


def welch(a, b, conf):
    la, lb = np.log(a), np.log(b)
    r = st.ttest_ind(la, lb, equal_var=False)
    va, vb = np.var(la, ddof=1) / len(la), np.var(lb, ddof=1) / len(lb)
    df = (va + vb) ** 2 / (va ** 2 / (len(la) - 1) + vb ** 2 / (len(lb) - 1))
    diff = np.mean(la) - np.mean(lb)
    q = t_quantile((1 + conf) / 2, df)
    se = math.sqrt(va + vb)
    return math.exp(diff), math.exp(diff - q * se), math.exp(diff + q * se), r.statistic, df, r.pvalue, diff


def permutation(a, b):
    pool = [Fraction(x) for x in a + b]
    n, k = len(pool), len(a)
    total = sum(pool)

    def stat(idx):
        sa = sum(pool[i] for i in idx)
        return abs(sa / k - (total - sa) / (n - k))

    obs = stat(range(k))
    splits = list(itertools.combinations(range(n), k))
    hits = sum(1 for s in splits if stat(s) >= obs)
    diff = Fraction(sum(a), k) - Fraction(sum(b), n - k)
    return diff, len(splits), Fraction(hits, len(splits))


def logrank(a, b):
    """a, b: lists of (duration, event) pairs."""
    times = sorted({t for t, e in a + b if e})
    ea, v = Fraction(0), Fraction(0)
    for t in times:
        na = sum(1 for x, _ in a if x >= t)
        nb = sum(1 for x, _ in b if x >= t)
        d = sum(1 for x, e in a + b if e and x == t)
        n = na + nb
        ea += Fraction(d * na, n)
        if n > 1:
            v += Fraction(d * na * nb * (n - d), n * n * (n - 1))
    oa = sum(1 for _, e in a if e)
    ob = sum(1 for _, e in b if e)
    if v == 0:
        return oa, ob, None
    z = (oa - ea) / math.sqrt(v)
    return oa, ob, (float(ea), float(oa + ob - ea), float(v), float((oa - ea) ** 2 / v), z, math.erfc(abs(z) / math.sqrt(2)))


def verdict(na, nb, min_sample, q, conf, direction):
    if na < min_sample or nb < min_sample:
        return "withheld"
    if not q < 1 - conf or direction == 0:
        return "no difference"
    return "higher" if direction > 0 else "lower"


def rest_tests(name, rows, conf, min_sample):
    """rows: name -> (won amounts, durations as (seconds, event) pairs)."""
    print(f"-- {name}")
    names = list(rows)
    size, cycle = {}, {}
    for r in names:
        won = rows[r][0]
        other = [x for o in names if o != r for x in rows[o][0]]
        a = [x for x in won if x > 0]
        b = [x for x in other if x > 0]
        if len(a) >= 2 and len(b) >= 2 and (np.var(np.log(a)) > 0 or np.var(np.log(b)) > 0):
            size[r] = (len(won), len(other), len(won) - len(a), len(other) - len(b)) + welch(a, b, conf) + permutation(won, other)
        timed = rows[r][1]
        others = [x for o in names if o != r for x in rows[o][1]]
        cycle[r] = (len(timed), len(others)) + logrank(timed, others)
    ks = [r for r in names if r in size]
    qs = dict(zip(ks, bh([size[r][9] for r in ks])))
    for r in names:
        if r not in size:
            print("size", r, "undefined")
            continue
        na, nb, za, zb, ratio, lo, hi, t, df, p, diff, pdiff, splits, pp = size[r]
        v = verdict(na - za, nb - zb, min_sample, qs[r], conf, diff)
        print("size", r, na, nb, za, zb, g(ratio), g(lo), g(hi), g(t), g(df), g(p), g(qs[r]), v.replace(" ", "-"), g(pdiff), splits, g(pp))
    ks = [r for r in names if cycle[r][4] is not None]
    qs = dict(zip(ks, bh([cycle[r][4][5] for r in ks])))
    for r in names:
        na, nb, oa, ob, res = cycle[r]
        if res is None:
            print("cycle", r, na, nb, oa, ob, "undefined")
            continue
        ea, eb, var, chi2, z, p = res
        v = verdict(na, nb, min_sample, qs[r], conf, -z)
        print("cycle", r, na, nb, oa, ob, g(ea), g(eb), g(var), g(chi2), g(z), g(p), g(qs[r]), v.replace(" ", "-"))


def deals(won, lost=(), open_ages=()):
    """Won amounts with their cycles in days, lost cycles, open ages."""
    return [a for a, _ in won], [(c * DAY, True) for _, c in won] + [(c * DAY, False) for c in lost] + [(c * DAY, False) for c in open_ages]


# TestSegmentRestTests and ExampleSegmentTests: three sources, as of day
# 60; confidence 0.95, minimum sample 2.
rest_tests("three sources", {
    "web": deals([(1200, 10), (800, 12), (15000, 30), (950, 8), (2300, 45)], lost=[6, 20], open_ages=[20]),
    "ads": deals([(900, 3), (700, 6), (1000, 9)], lost=[2, 4], open_ages=[5]),
    "event": deals([(5100, 25), (780, 60), (0, 30)], lost=[12]),
}, 0.95, 2)

# TestSegmentWriteText: a (3 won, 1 lost) against the other row (2 won, 1
# lost), every deal 10 closed after a day, no as-of time; 90%, minimum 30.
rest_tests("write text", {
    "a": deals([(10, 1)] * 3, lost=[1]),
    "other": deals([(10, 1)] * 2, lost=[1]),
}, 0.90, 30)

# ExampleSegmentReport_WriteText: the sources of exSegDeals, no as-of
# time (open deals untimed).
rest_tests("example sources", {
    "web": deals([(1000, 10), (2000, 20)], lost=[3]),
    "referral": deals([(3000, 10)], lost=[2]),
    "event": deals([], lost=[1]),
    "unknown": deals([]),
}, 0.95, 30)
