# Independent check of Log.Tracking on CDNOW: the data of the tracking plot
# of Fader, Hardie & Lee (2005, "Counting Your Customers the Easy Way",
# Figure 1), cumulative repeat transactions week by week over the 39-week
# calibration and 39-week holdout periods, actual and expected.
#
# Plain Python for the counts; SciPy's hyp2f1 for the expectation, on the
# untransformed formula of the paper (eq. 7), at the published parameters
# r = 0.243, alpha = 4.414, a = 0.793, b = 2.426. Run from the repository
# root with a Python that has SciPy (Debian: python3-scipy):
#
#   /usr/bin/python3 clv/testdata/cdnow_tracking.py > clv/testdata/cdnow_tracking.txt
#
# Weeks are the paper's: week w covers days 7(w-1) .. 7w-1 counted from
# 1997-01-01, so that week 39 ends on 1997-09-30 and week 78 on
# 1998-06-30. A customer first buying on day d0 has, at the end of day D,
# an age of (D - d0) / 7 weeks (ages between calendar days, as the CDNOW
# summary measures T). Repeat transactions are purchase days after the
# first. Output: one line per week: week, actual cumulative repeat
# transactions, expected cumulative repeat transactions (%.10f).
import datetime
from collections import defaultdict
from scipy.special import hyp2f1

r, al, a, b = 0.243, 4.414, 0.793, 2.426

def expected_new(t):
    # E[X(t)] = (a+b-1)/(a-1) [1 - (al/(al+t))^r 2F1(r, b; a+b-1; t/(al+t))]
    if t == 0:
        return 0.0
    return (a + b - 1) / (a - 1) * (1 - (al / (al + t)) ** r * hyp2f1(r, b, a + b - 1, t / (al + t)))

origin = datetime.date(1997, 1, 1)
days = defaultdict(set)
with open("testdata/cdnow/CDNOW_sample.txt") as f:
    for line in f:
        _, cust, day, _, _ = line.split()
        d = datetime.date(int(day[:4]), int(day[4:6]), int(day[6:]))
        days[cust].add((d - origin).days)

first = {c: min(ds) for c, ds in days.items()}
repeat_days = sorted(d for c, ds in days.items() for d in ds if d != first[c])
births = defaultdict(int)
for d0 in first.values():
    births[d0] += 1

for week in range(1, 79):
    end = 7 * week - 1  # the week's last day
    actual = sum(1 for d in repeat_days if d <= end)
    exp = sum(n * expected_new((end - d0) / 7) for d0, n in births.items() if d0 <= end)
    print("%d %d %.10f" % (week, actual, exp))
