# Independent check of Log.Retention on CDNOW, monthly, in UTC, through
# 1998-06-30: per month, the revenue movements of the customers from the
# previous month (opening, new, reactivated, expansion, contraction,
# churn, retained, closing) with their customer counts, and the ratio-
# estimator intervals of the gross and net revenue retention.
#
# Definitions (ChartMogul's MRR movements; Chargebee's gross and net
# revenue retention): with x a customer's revenue in the previous month
# and y in this one, a customer active in both is retained (expansion
# y - x if y > x, contraction x - y if y < x), active only in the previous
# one churned (x), active only in this one new (first purchase) or
# reactivated (y). GRR = sum min(x, y) / sum x, NRR = sum y / sum x over
# the previous month's customers; their interval is R +- z se with
# se^2 = sum (y_i - R x_i)^2 / (n - 1) / n / xbar^2 (Cochran 1977, 6.3).
#
# Plain Python (money in integer cents), no library. Run from the
# repository root:
#
#   python3 clv/testdata/cdnow_retention.py > clv/testdata/cdnow_retention.txt
#
# Output: one line per month: month; then customers and cents of opening,
# new, reactivated, expansion, contraction, churn, retained, closing; then
# GRR lo, hi and NRR lo, hi (%.12f, "-" when undefined).
import math
from collections import defaultdict
from statistics import NormalDist

rev = defaultdict(lambda: defaultdict(int))  # customer -> month -> cents
with open("testdata/cdnow/CDNOW_sample.txt") as f:
    for line in f:
        _, cust, day, _, amount = line.split()
        dollars, _, cents = amount.partition(".")
        month = int(day[:4]) * 12 + int(day[4:6]) - 1
        rev[cust][month] += int(dollars) * 100 + int((cents + "00")[:2])

months = range(1997 * 12, 1998 * 12 + 6)
z = NormalDist().inv_cdf(0.975)
for m in months:
    mv = {k: [0, 0] for k in ["opening", "new", "reactivated", "expansion", "contraction", "churn", "retained", "closing"]}
    pairs = []
    for cust, byMonth in rev.items():
        x, y = byMonth.get(m - 1), byMonth.get(m)
        def add(k, v):
            mv[k][0] += 1
            mv[k][1] += v
        if x is not None:
            add("opening", x)
            pairs.append((x, 0 if y is None else y))
        if y is not None:
            add("closing", y)
        if x is not None and y is not None:
            add("retained", y)
            if y > x:
                add("expansion", y - x)
            elif y < x:
                add("contraction", x - y)
        elif x is not None:
            add("churn", x)
        elif y is not None:
            if min(byMonth) == m:
                add("new", y)
            else:
                add("reactivated", y)
    out = ["%04d-%02d" % (m // 12, m % 12 + 1)]
    for k in ["opening", "new", "reactivated", "expansion", "contraction", "churn", "retained", "closing"]:
        out += [str(mv[k][0]), str(mv[k][1])]
    n = len(pairs)
    sx = sum(x for x, _ in pairs)
    if n >= 2 and sx > 0:
        xbar = sx / n
        for name, num, lo_clamp, hi_clamp in [("grr", lambda x, y: min(x, y), 0, 1), ("nrr", lambda x, y: y, 0, math.inf)]:
            R = sum(num(x, y) for x, y in pairs) / sx
            sd2 = sum((num(x, y) - R * x) ** 2 for x, y in pairs) / (n - 1)
            se = math.sqrt(sd2 / n) / xbar
            out += ["%.12f" % max(lo_clamp, R - z * se), "%.12f" % min(hi_clamp, R + z * se)]
    else:
        out += ["-"] * 4
    print(" ".join(out))
