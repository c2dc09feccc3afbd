#!/usr/bin/env python3
"""Independent computation of the heatmap figures used by pulse/table_test.go
(TestHeatmapHandWorked, TestHeatmapBlocksTwoReports).

The confidentiality rules are implemented here from their description in the
doc comment of Table.Heatmap (rules 1 to 4: minimum group, each breakdown's
complement, the pools of the joint table grown by the cheapest merge, and the
one-sided pools), the figures from their textbook formulas: Wilson intervals
for shares (Wilson 1927), Student t intervals for means (the t quantile by
bisection on the regularized incomplete beta function, evaluated by its
continued fraction), the adjusted Wald interval of the eNPS (Rocks 2016).
Only the standard library is needed.
Run: python3 testdata/enps/heatmap.py
"""
from math import sqrt, lgamma, exp, log
from statistics import NormalDist

Z = NormalDist().inv_cdf(0.975)


def wilson(x, n):
    p = x / n
    c = p + Z * Z / (2 * n)
    h = Z * sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    d = 1 + Z * Z / n
    lo, hi = (c - h) / d, (c + h) / d
    return (0.0 if x == 0 else max(lo, 0.0)), (1.0 if x == n else min(hi, 1.0))


def betacf(a, b, x):
    # Continued fraction of the incomplete beta function (modified Lentz).
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        de = d * c
        h *= de
        if abs(de - 1) < 1e-16:
            break
    return h


def ibeta(a, b, x):
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1 - x))
    if x < (a + 1) / (a + b + 2):
        return front * betacf(a, b, x) / a
    return 1 - front * betacf(b, a, 1 - x) / b


def t_cdf(t, nu):
    x = nu / (nu + t * t)
    tail = 0.5 * ibeta(nu / 2, 0.5, x)
    return 1 - tail if t > 0 else tail


def t_quantile(q, nu):
    lo, hi = 0.0, 1000.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf(mid, nu) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


SCALES = {"enps": (0, 10, 9), "tools": (1, 5, 4)}  # lo, hi, favourable from


def figures(q, answers, skips):
    lo, hi, fav = SCALES[q]
    n = len(answers)
    out = {"answered": n, "skipped": skips, "counts": [answers.count(v) for v in range(lo, hi + 1)]}
    f = sum(a >= fav for a in answers)
    out["favourable"] = (f, n) + wilson(f, n)
    m = sum(answers) / n
    sd = sqrt(sum((a - m) ** 2 for a in answers) / (n - 1))
    half = t_quantile(0.975, n - 1) * sd / sqrt(n)
    out["mean"] = (m, sd, max(lo, m - half), min(hi, m + half))
    if q == "enps":
        P = sum(a >= 9 for a in answers)
        D = sum(a <= 6 for a in answers)
        N = n + 3
        p, d = (P + 0.75) / N, (D + 0.75) / N
        c = p - d
        se = sqrt(((p + d) - c * c) / N)
        out["enps"] = (P, n - P - D, D, 100 * (P - D) / n,
                       max(-100, 100 * (c - Z * se)), min(100, 100 * (c + Z * se)))
    return out


def fmt(x):
    if isinstance(x, float):
        return "%.12g" % x
    if isinstance(x, (tuple, list)):
        return "(" + ", ".join(fmt(v) for v in x) + ")"
    return str(x)


# --- The rules of Table.Heatmap, from its documentation ---------------------

def suppress_1d(total, answered, mn):
    """Rules 1 to 3 of Waves.Report for one breakdown: group -> state."""
    names = sorted(answered)
    out = {g: ("too few" if answered[g] < mn else "shown") for g in names}
    held = [g for g in names if out[g] != "shown" and answered[g] > 0]
    if held and (len(held) == 1 or sum(answered[g] for g in held) < mn):
        best = min((g for g in names if out[g] == "shown"), key=lambda g: (answered[g], g))
        out[best] = "complement"
    return out


def heatmap_states(people, attrs, groups, q, mn, strict=False):
    """people: list of dicts with the attributes and the answers (None: skip).
    groups: attr -> every group name. Returns (company state, attr -> group -> state)."""
    ans = [p for p in people if p[q] is not None]
    if len(ans) < mn:
        return "too few", {a: {g: "too few" for g in groups[a]} for a in attrs}
    answered = {a: {g: sum(1 for p in ans if p[a] == g) for g in groups[a]} for a in attrs}
    state = {a: suppress_1d(len(ans), answered[a], mn) for a in attrs}
    order = {a: sorted(groups[a]) for a in attrs}

    def pools():
        ps = {}
        for p in ans:
            lab = tuple(order[a].index(p[a]) if state[a][p[a]] == "shown" else -1 for a in attrs)
            ps.setdefault(lab, []).append(p)
        return dict(sorted(ps.items()))

    def short(lab, members):
        if -1 not in lab and not strict:
            return False
        if len(members) < mn:
            return True
        return any(l == -1 and len({p[a] for p in members}) < 2 for a, l in zip(attrs, lab))

    while True:
        ps = pools()
        failing = [lab for lab, m in ps.items() if short(lab, m)]
        if not failing:
            break
        lab = failing[0]
        best = None
        for other in ps:
            if other == lab:
                continue
            hide = []
            for a, x, y in zip(attrs, lab, other):
                if x != y:
                    hide += [(a, order[a][v]) for v in (x, y) if v >= 0]
            cost = (sum(answered[a][g] for a, g in hide), len(hide))
            if best is None or cost < best[0]:
                best = (cost, hide)
        for a, g in best[1]:
            state[a][g] = "complement"
    lo, hi, fav = SCALES[q]
    for lab, members in pools().items():
        if -1 in lab:
            xs = [p[q] for p in members]
            two = any(x >= fav for x in xs) and any(x < fav for x in xs)
            if q == "enps":
                two = two and len({(x >= 9) - (x <= 6) for x in xs}) >= 2
            if not two:
                return "withheld", {a: {g: "withheld" for g in groups[a]} for a in attrs}
    return "shown", state


def person(team, loc, enps, tools):
    return {"team": team, "loc": loc, "enps": enps, "tools": tools}


def show(title, people, attrs, groups, invited):
    print("==", title)
    for q in ("enps", "tools"):
        company, states = heatmap_states(people, attrs, groups, q, 5)
        print(q, "company", company, fmt(figures(q, [p[q] for p in people if p[q] is not None],
                                               sum(p[q] is None for p in people))))
        for a in attrs:
            for g in sorted(groups[a]):
                mem = [p for p in people if p[a] == g]
                line = [q, a, g, states[a][g]]
                if states[a][g] == "shown":
                    line.append(fmt(figures(q, [p[q] for p in mem if p[q] is not None], sum(p[q] is None for p in mem))))
                print(*line)
    print("participation company", len(people), invited[None], fmt(wilson(len(people), invited[None])))
    for a in attrs:
        for g in sorted(groups[a]):
            r = sum(1 for p in people if p[a] == g)
            n = invited[a][g]
            print("participation", a, g, r, n, fmt(wilson(r, n)) if n else "n/a")


# TestHeatmapHandWorked: four teams over two offices (design invited, no
# respondents); legal and hr are too few, and ops is hidden so that each
# office's hidden answers come from two teams and number at least five.
hand = [
    person("eng", "Paris", 9, 4), person("eng", "Paris", 10, 5), person("eng", "Paris", 8, 4),
    person("eng", "Paris", 6, 3), person("eng", "Paris", 9, 5),
    person("eng", "Lisbon", 7, 4), person("eng", "Lisbon", 10, 4), person("eng", "Lisbon", 3, 2),
    person("eng", "Lisbon", 9, 5), person("eng", "Lisbon", 8, 3),
    person("ops", "Paris", 10, 5), person("ops", "Paris", 6, 2), person("ops", "Paris", 9, 4), person("ops", "Paris", 7, 3),
    person("ops", "Lisbon", 8, 4), person("ops", "Lisbon", 9, 4), person("ops", "Lisbon", 5, 1), person("ops", "Lisbon", 10, 5),
    person("legal", "Paris", 4, 2), person("legal", "Lisbon", 9, 5),
    person("hr", "Paris", 10, 4), person("hr", "Lisbon", 2, 1), person("hr", "Lisbon", None, 3),
]
show("hand-worked", hand, ["team", "loc"],
     {"team": {"eng", "ops", "legal", "hr", "design"}, "loc": {"Paris", "Lisbon"}},
     {None: 30, "team": {"eng": 12, "ops": 10, "legal": 2, "hr": 4, "design": 2}, "loc": {"Paris": 15, "Lisbon": 15}})

# TestHeatmapBlocksTwoReports: Lisbon is ops's six people; legal (3) and ops
# are hidden by team. Published as two reports, legal = company - sales - Lisbon.
attack = ([person("legal", "Paris", *a) for a in [(2, 1), (3, 2), (10, 5)]] +
          [person("ops", "Lisbon", *a) for a in [(9, 4), (10, 5), (7, 3), (8, 4), (6, 2), (9, 5)]] +
          [person("sales", "Paris", *a) for a in [(10, 5), (9, 4), (3, 2), (7, 4), (8, None), (10, 5), (9, 4)]])
for q in ("enps", "tools"):
    lo, hi, _ = SCALES[q]
    def hist(ps):
        return [sum(1 for p in ps if p[q] == v) for v in range(lo, hi + 1)]
    company = hist(attack)
    sales = hist([p for p in attack if p["team"] == "sales"])
    lisbon = hist([p for p in attack if p["loc"] == "Lisbon"])
    print("attack", q, "company - sales - Lisbon =", [c - s - l for c, s, l in zip(company, sales, lisbon)],
          "legal =", hist([p for p in attack if p["team"] == "legal"]))
    print("attack heatmap", q, heatmap_states(attack, ["team", "loc"], {"team": {"legal", "ops", "sales"}, "loc": {"Paris", "Lisbon"}}, q, 5))

# The examples of pulse/example_test.go (ExampleReport_WriteText,
# ExampleHeatmap_WriteText, ExampleCoverage_WriteText): figures printed in
# their text output.
legal = [(2, 1), (3, 2), (10, 5)]
ops = [(9, 4), (10, 5), (7, 3), (8, 4), (6, 2), (9, 5)]
sales = [(10, 5), (9, 4), (3, 2), (7, 4), (8, None), (10, 5), (9, 4)]
for name, rows in (("company", legal + ops + sales), ("sales", sales)):
    for i, q in enumerate(("enps", "tools")):
        xs = [r[i] for r in rows if r[i] is not None]
        print("example report", name, q, fmt(figures(q, xs, len(rows) - len(xs))))
print("example report participation 16/20", fmt(wilson(16, 20)))
print("example heatmap participation 23/28", fmt(wilson(23, 28)))
for x, n in ((3, 5), (2, 2), (3, 4), (1, 2)):
    print("example coverage", x, n, fmt(wilson(x, n)))
