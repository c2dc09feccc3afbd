"""Independent check of the ratio estimator's interval (funnel.MoneyRate).

Computes R = sum(y) / sum(x) over n deals and the delta-method interval
R +- z sqrt(s_d^2 / (n xbar^2)), d_i = y_i - R x_i, s_d^2 = sum(d_i^2)/(n-1)
(Cochran 1977, "Sampling Techniques", 3rd ed., section 6.3), clamped to
[0, 1], from each deal's own (x, y), not from the library's shortcut
through sums of squares. Python standard library only.

Run: python3 testdata/ratio/ratio_estimator.py
"""
from statistics import NormalDist


def interval(pairs, level=0.95):
    n = len(pairs)
    sx = sum(x for x, _ in pairs)
    sy = sum(y for _, y in pairs)
    r = sy / sx
    xbar = sx / n
    sd2 = sum((y - r * x) ** 2 for x, y in pairs) / (n - 1)
    se = (sd2 / n) ** 0.5 / xbar
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return max(0.0, r - z * se), min(1.0, r + z * se)


# handDeals of metrics_test.go: (amount at the step's start row, amount if
# the deal took the step, else 0)
cases = {
    # B from A: w1, w2, l1, o1, o2, r1; w2 and o2 did not reach B
    "step value B": [(100, 100), (300, 0), (50, 50), (200, 200), (0, 0), (80, 80)],
    # C from B: w1, l1, o1, r1; l1 and o1 did not reach C
    "step value C": [(100, 100), (50, 0), (200, 0), (80, 80)],
    # won from C: w1, r1; r1 was lost
    "step value won": [(100, 100), (80, 0)],
    # the value win rate: w1, w2 won, l1, r1 lost
    "win rate value": [(100, 100), (300, 300), (50, 0), (80, 0)],
    # TestStepValueInterval: B from A over eight open deals, amounts with
    # mixed decimal places; d3, d6 and d8 stayed at A
    "interval B": [(120.50, 120.50), (80, 80), (300, 0), (45.25, 45.25), (200, 200), (60, 0), (150, 150), (95.75, 0)],
    # won from B: none of the five won
    "interval won": [(120.50, 0), (80, 0), (45.25, 0), (200, 0), (150, 0)],
    # ExampleReport_WriteText's value funnel: Qualified from Lead (D-3
    # stayed at Lead), Proposal from Qualified (D-2 was lost there)
    "example Qualified": [(1200, 1200), (800, 800), (500, 0)],
    "example Proposal": [(1200, 1200), (800, 0)],
}
for name, pairs in cases.items():
    lo, hi = interval(pairs)
    print(f"{name}: {sum(y for _, y in pairs)}/{sum(x for x, _ in pairs)} lo {lo!r} hi {hi!r}")
