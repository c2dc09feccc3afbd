#!/usr/bin/env python3
"""Independent check of the reverse funnel (package plan).

Run from this folder with the Python 3.11 standard library only:

    python3 check.py

It prints:

  1. the Wilson intervals of the hand-worked plan of plan_test.go (2 of 5,
     2 of 4, 1 of 2 at 95%) and the needed counts at their bounds for a
     target of 10,000 at a deal size of 2,000;
  2. the reverse funnel of ExampleReverse, computed straight from the raw
     Maven CRM export (../../testdata/maven-crm/sales_pipeline.csv): as of
     1 January 2018, P(win | entered stage) = won / closed, the mean won
     close value, the needed counts and their intervals for a target of
     1,500,000, the median days to win from Engaging, the agents at 150
     engagements each, and the two what-ifs.

Compare with the example's output; decimals are rounded as the Go code
documents (10 places, halves away from zero; the what-ifs' factors to 16).
"""

import csv
import math
from datetime import datetime, timedelta
from decimal import Decimal, ROUND_HALF_UP, getcontext
from fractions import Fraction
from statistics import NormalDist

getcontext().prec = 60
Z = NormalDist().inv_cdf(0.975)


def wilson(x, n):
    p = x / n
    c = p + Z * Z / (2 * n)
    h = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    d = 1 + Z * Z / n
    lo, hi = (c - h) / d, (c + h) / d
    if x == 0:
        lo = 0.0
    if x == n:
        hi = 1.0
    return max(lo, 0.0), min(hi, 1.0)


def q(d, places=10):
    return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def plan(target, size, won, closed):
    p = q(Decimal(won) / Decimal(closed))
    lo, hi = wilson(won, closed)
    lo10, hi10 = q(Decimal(repr(lo))), q(Decimal(repr(hi)))
    need = q(target / (size * p))
    need_lo = q(target / (size * hi10))
    need_hi = q(target / (size * lo10)) if lo10 > 0 else None
    return p, need, need_lo, need_hi, lo, hi


def hand():
    print("hand-worked plan: target 10000, deal size 2000")
    for x, n in [(2, 5), (2, 4), (1, 2)]:
        p, need, lo, hi, wlo, whi = plan(Decimal(10000), Decimal(2000), x, n)
        print("  %d/%d: Wilson %r %r; needed %s (%s .. %s)" % (x, n, wlo, whi, need, lo, hi))


def day(s):
    return datetime.strptime(s, "%Y-%m-%d")


def maven():
    rows = list(csv.DictReader(open("../../testdata/maven-crm/sales_pipeline.csv")))
    won = [r for r in rows if r["deal_stage"] == "Won"]
    closed = [r for r in rows if r["deal_stage"] in ("Won", "Lost")]
    engaged = [r for r in closed if r["engage_date"]]
    target = Decimal(1500000)
    size = q(sum(Decimal(r["close_value"]) for r in won) / len(won))
    wins = q(target / size)
    print("Maven: %d closed deals, %d won, %d closed with an engage date; deal size %s, wins %s" % (len(closed), len(won), len(engaged), size, wins))
    stages = [("Prospecting", len(won), len(closed)), ("Engaging", sum(1 for r in engaged if r["deal_stage"] == "Won"), len(engaged))]
    needs = {}
    for name, x, n in stages:
        p, need, lo, hi, _, _ = plan(target, size, x, n)
        needs[name] = (p, need, lo, hi)
        print("  %-11s P(win) %s (%d/%d) needed %s (%s .. %s)" % (name, p, x, n, need, lo, hi))
    # days to win from Engaging: close - engage of won deals, median
    # (PERCENTILE.INC)
    to_win = sorted(int((day(r["close_date"]) - day(r["engage_date"])).total_seconds()) for r in won)
    h = Fraction(len(to_win) - 1, 2)
    i = math.floor(h)
    med = Fraction(to_win[i]) + (h - i) * (to_win[min(i + 1, len(to_win) - 1)] - to_win[i])
    lag = timedelta(seconds=float(med))
    print("  median time to win from Engaging %s days: enter from %s to %s" % (float(med) / 86400, (datetime(2018, 1, 1) - lag).date(),
                                                                              (datetime(2018, 4, 1) - lag).date()))
    reps = q(needs["Engaging"][1] / 150)
    print("  agents at 150: %s (%d whole)" % (reps, math.ceil(reps)))
    # +5 points at the step out of Engaging, the last stage: its step is
    # its rate
    s = needs["Engaging"][0]
    factor = q((s + Decimal("0.05")) / s, 16)
    print("  +5 points: effect %s" % (q(target * factor) - target))
    # 10 days off the mean won cycle (engage to close), in whole seconds
    cyc = [int((day(r["close_date"]) - day(r["engage_date"])).total_seconds()) for r in won]
    mean_ns = (Fraction(sum(cyc)) * 10**9 / len(cyc))
    mean_ns = math.floor(mean_ns + Fraction(1, 2))
    l = mean_ns // 10**9
    y = 10 * 86400
    factor = q(Decimal(l) / Decimal(l - y), 16)
    print("  mean won cycle %.1f days; 10 days shorter: effect %s" % (mean_ns / 1e9 / 86400, q(target * factor) - target))


if __name__ == "__main__":
    hand()
    maven()
