#!/usr/bin/env python3
"""Exact two-sided Fisher p-values of tables whose hypergeometric
probabilities tie exactly, for TestFisherTies (internal/stat/stat_test.go).

Python 3 standard library only, with exact rational arithmetic
(fractions.Fraction and math.comb): no floating point until the final
p-value. The p-value sums P(x) = C(n1, x) C(n2, m - x) / C(n1 + n2, m),
m = x1 + x2, over every x with P(x) <= P(x1), ties included exactly, which
is what R's fisher.test intends with its relative tolerance of 1e-7 (R
documentation ?fisher.test: "tables with probability less than or equal
to that of the observed table"). In these tables a tie lies on the other
side of the observed table, and log-gamma rounding puts the tied table a
few ulps above the observed one: without a tolerance it would be left
out.

Run: python3 internal/stat/testdata/fisher_ties.py
"""
from fractions import Fraction
from math import comb


def fisher(x1, n1, x2, n2):
    m = x1 + x2
    xs = range(max(0, m - n2), min(n1, m) + 1)
    total = comb(n1 + n2, m)
    pr = {x: Fraction(comb(n1, x) * comb(n2, m - x), total) for x in xs}
    ties = [x for x in xs if x != x1 and pr[x] == pr[x1]]
    p = sum(v for v in pr.values() if v <= pr[x1])
    no_ties = p - sum(pr[x] for x in ties)
    return p, ties, no_ties


for x1, n1, x2, n2 in [(0, 2, 5, 8), (1, 2, 2, 8), (1, 2, 3, 11), (0, 2, 7, 12)]:
    p, ties, no_ties = fisher(x1, n1, x2, n2)
    print(f"{x1}/{n1} vs {x2}/{n2}: p = {p} = {float(p)!r}, tied x {ties}, without the ties {float(no_ties)!r}")
