# Independent check of the CDNOW customer cohorts (Log.Cohorts, monthly, in
# UTC, as of 1998-06-30): for each acquisition month, the customers whose
# first purchase falls in it, the number of them who bought in each month
# since, and the cohort's cumulative revenue through each month.
# Plain Python, no library; reads the raw log. Run from the repository root:
#
#   python3 clv/testdata/cdnow_cohorts.py > clv/testdata/cdnow_cohorts.txt
#
# Output: one line per cohort and age: cohort month, age, size, active,
# cumulative revenue (exact, in cents).
from collections import defaultdict

rows = []
with open("testdata/cdnow/CDNOW_sample.txt") as f:
    for line in f:
        _, cust, day, _, amount = line.split()
        dollars, _, cents = amount.partition(".")
        rows.append((cust, int(day[:4]), int(day[4:6]), int(dollars) * 100 + int((cents + "00")[:2])))

def month(y, m):
    return y * 12 + m - 1

first = {}
for cust, y, m, _ in rows:
    k = month(y, m)
    first[cust] = min(first.get(cust, k), k)
last = month(1998, 6)
size = defaultdict(int)
for c, k in first.items():
    size[k] += 1
active = defaultdict(set)
revenue = defaultdict(int)
for cust, y, m, cents in rows:
    c0 = first[cust]
    age = month(y, m) - c0
    active[(c0, age)].add(cust)
    revenue[(c0, age)] += cents
for c0 in sorted(size):
    cum = 0
    for age in range(last - c0 + 1):
        cum += revenue[(c0, age)]
        print("%04d-%02d %d %d %d %d" % (c0 // 12, c0 % 12 + 1, age, size[c0], len(active[(c0, age)]), cum))
