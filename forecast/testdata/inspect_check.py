#!/usr/bin/env python3
"""Independent cross-check of the pipeline inspection analyses.

Run from this folder with the Python 3.11 standard library only:

    python3 inspect_check.py

It reuses the deal generator and the deal-as-of-a-date rebuild of
crosscheck.py (the same 600 deals as crosscheck_deals.json), and computes
from the definitions in the package documentation, with exact fractions
where the Go code is exact:

  - the pipeline waterfall of August 2024 between 1 June and 1 September,
    total and per owner (every bucket's deals and amount, start, end);
  - the risk flags as of 15 September 2024 (stage p75 and won-cycle p90
    by PERCENTILE.INC, exactly in nanoseconds; each deal's flags);
  - the forecast range of September 2024 with given stage probabilities:
    the lattice (the amounts' greatest common divisor, or the grid of the
    documented rule), the exact distribution by convolution in fractions,
    its percentiles and the probability of reaching three quotas;
  - the logistic regression of the win-probability model (the same
    features, standardized alike, the same penalty), fitted by Newton's
    method, with each open deal's probability.

It writes inspect_expected.json, which TestInspectCrossCheck compares
with; rerun the script and `git diff` the file to check.
"""

import json
import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

from crosscheck import STAGES, at, category, entries, generate, iso

UTC = timezone.utc
ASOF = datetime(2024, 9, 15, 12, 0, 0, tzinfo=UTC)


def secs(a, b):
    """Whole seconds from a to b (b not before a), as the Go code counts."""
    return int((b - a).total_seconds() // 1)


# ---------------------------------------------------------------- waterfall

FLOWS = ["created", "pulled in", "moved forward", "dated", "reassigned in", "increased", "decreased",
         "won", "lost", "pushed out", "moved back", "undated", "reassigned out"]


def position(e, start, end):
    if e is None:
        return "absent"
    if e["outcome"] != "open":
        return "closed"
    ec = e["expected_close"]
    if ec is None:
        return "undated"
    if ec < start:
        return "before"
    if ec < end:
        return "in"
    return "after"


def new_flow():
    return {"start": [0, Decimal(0)], "end": [0, Decimal(0)], "stayed": 0, "flows": {f: [0, Decimal(0)] for f in FLOWS}}


def waterfall(deals, t1, t2, start, end):
    total = new_flow()
    segs = {}
    for d in deals:
        if at(d, ASOF) is None:
            continue
        a, b = at(d, t1), at(d, t2)
        pa, pb = position(a, start, end), position(b, start, end)
        if pa != "in" and pb != "in":
            continue
        ga = a["attributes"]["owner"] if a is not None else None
        gb = b["attributes"]["owner"]
        places = [(total, pa == "in", pb == "in")]
        if pa == "in" and pb == "in" and ga == gb:
            places.append((segs.setdefault(ga, new_flow()), True, True))
        else:
            if pa == "in":
                places.append((segs.setdefault(ga, new_flow()), True, False))
            if pb == "in":
                places.append((segs.setdefault(gb, new_flow()), False, True))
        for g, in_a, in_b in places:
            if in_a:
                g["start"][0] += 1
                g["start"][1] += a["amount"]
            if in_b:
                g["end"][0] += 1
                g["end"][1] += b["amount"]
            if in_a and in_b:
                g["stayed"] += 1
                delta = b["amount"] - a["amount"]
                if delta != 0:
                    f = "increased" if delta > 0 else "decreased"
                    g["flows"][f][0] += 1
                    g["flows"][f][1] += delta
            elif in_a:
                if pb == "in":
                    f = "reassigned out"
                else:
                    f = {"after": "pushed out", "before": "moved back", "undated": "undated"}.get(pb) or b["outcome"]
                g["flows"][f][0] += 1
                g["flows"][f][1] -= a["amount"]
            else:
                if pa == "in":
                    f = "reassigned in"
                else:
                    f = {"after": "pulled in", "before": "moved forward", "undated": "dated", "absent": "created"}[pa]
                g["flows"][f][0] += 1
                g["flows"][f][1] += b["amount"]

    def out(g):
        return {"start": [g["start"][0], str(g["start"][1])], "end": [g["end"][0], str(g["end"][1])], "stayed": g["stayed"],
                "flows": [[f, g["flows"][f][0], str(g["flows"][f][1])] for f in FLOWS]}
    return {"total": out(total), "segments": {k: out(v) for k, v in sorted(segs.items())}}


# --------------------------------------------------------------------- risk

def percentile_ns(values, k):
    """PERCENTILE.INC of whole seconds, in nanoseconds, exactly."""
    v = sorted(values)
    h = Fraction((len(v) - 1) * k, 100)
    i = math.floor(h)
    x = Fraction(v[i])
    if h > i:
        x += (h - i) * (v[i + 1] - v[i])
    return int(x * 10**9)


def risk(deals, stall_days, min_sample=30):
    visits = {s: [] for s in STAGES}
    cycles = []
    opened = []
    for d in deals:
        e = at(d, ASOF)
        if e is None:
            continue
        ent = entries(e)
        for (s, t), (_, t2) in zip(ent, ent[1:]):
            if t is not None and t2 is not None:
                visits[s].append(secs(t, t2))
        last_s, last_t = ent[-1]
        if e["outcome"] != "open":
            if last_t is not None:
                visits[last_s].append(secs(last_t, e["closed"]))
            if e["outcome"] == "won":
                cycles.append(secs(e["created"], e["closed"]))
            continue
        opened.append((e, last_s, last_t))
    thr = {s: percentile_ns(v, 75) if len(v) >= min_sample else None for s, v in visits.items()}
    cyc = percentile_ns(cycles, 90) if len(cycles) >= min_sample else None
    flagged = {}
    for e, s, t in opened:
        in_stage = secs(t, ASOF) * 10**9 if t is not None else None
        age = secs(e["created"], ASOF) * 10**9
        flags = []
        if in_stage is not None and in_stage > stall_days * 86400 * 10**9:
            flags.append("stalled")
        if thr[s] is not None and in_stage is not None and in_stage > thr[s]:
            flags.append("slow")
        if e["expected_close"] is not None and e["expected_close"] < ASOF:
            flags.append("overdue")
        pushes, prev, seen = 0, None, False
        peak = e["amount"]
        for f, ct, amt, tm, text in e["changes"]:
            if f == "amount" and amt > peak:
                peak = amt
            if f == "expected_close":
                if seen and prev is not None and tm > prev:
                    pushes += 1
                prev, seen = tm, True
        if pushes >= 2:
            flags.append("pushed")
        if e["amount"] < peak:
            flags.append("cut")
        if cyc is not None and age > cyc:
            flags.append("aged")
        if flags:
            flagged[e["id"]] = "+".join(flags)
    return {"thresholds_ns": [thr[s] for s in STAGES], "visits": [len(visits[s]) for s in STAGES], "cycle_ns": cyc,
            "won_cycles": len(cycles), "open": len(opened), "flagged": flagged}


# -------------------------------------------------------------------- range

def forecast_range(deals, probs, start, end, quotas, cells):
    won = Decimal(0)
    bets = []  # (amount in cents, probability as a Fraction)
    mean = Decimal(0)
    for d in deals:
        e = at(d, ASOF)
        if e is None:
            continue
        if e["outcome"] == "open" and category(e["category"]) is None:
            continue  # an unknown category is skipped, as for the pipeline
        if e["outcome"] == "won":
            if start <= e["closed"] < end:
                won += e["amount"]
            continue
        if e["outcome"] == "lost":
            continue
        ec = e["expected_close"]
        if ec is None:
            continue
        if ec < ASOF:
            ec = ASOF
        if not (start <= ec < end):
            continue
        p = e["probability"] if e["probability"] is not None else probs.get(entries(e)[-1][0])
        if p is None:
            continue
        mean += e["amount"] * p
        bets.append((int(e["amount"] * 100), Fraction(p)))
    sure = sum(c for c, p in bets if p == 1)
    fixed = [(c, p) for c, p in bets if 0 < p < 1 and c > 0]
    g = 0
    for c, _ in fixed:
        g = math.gcd(g, c)
    g = g or 1
    total = sum(c for c, _ in fixed) // g
    unit = g
    if total > cells:
        unit = g * -(-total // cells)
    units, bound = [], 0
    for c, p in fixed:
        q, r = divmod(c, unit)
        if 2 * r >= unit:
            q, r = q + 1, r - unit
        units.append(q)
        bound += abs(r)
    dist = {0: Fraction(1)}
    for (c, p), u in zip(fixed, units):
        nxt = {}
        for s, v in dist.items():
            nxt[s] = nxt.get(s, 0) + v * (1 - p)
            nxt[s + u] = nxt.get(s + u, 0) + v * p
        dist = nxt
    keys = sorted(dist)
    offset = int(won * 100) + sure

    def money(cents):
        return str(Decimal(cents) / 100)

    def quantile(q):
        c = Fraction(0)
        for s in keys:
            c += dist[s]
            if c >= q:
                return s
        return keys[-1]
    pct = [[k, money(offset + quantile(Fraction(k, 100)) * unit)] for k in [5, 10, 25, 50, 75, 90, 95]]
    chances = []
    for qt in quotas:
        need = Decimal(qt) * 100 - offset
        s_min = max(0, math.ceil(Fraction(need) / unit))
        chances.append([qt, float(sum(v for s, v in dist.items() if s >= s_min))])
    return {"deals": len(bets), "won": str(won), "mean": str(mean + won), "exact": bound == 0, "unit": money(unit),
            "error_bound": money(bound), "points": keys[-1] + 1, "percentiles": pct, "quotas": chances}


# ------------------------------------------------------------------ scoring

def features(e, t, attrs):
    hist = e["history"]
    in_stage = -1
    if hist and hist[-1][1] is not None and hist[-1][1] <= t:
        in_stage = secs(hist[-1][1], t)
    age = secs(e["created"], t)
    overdue = e["expected_close"] is not None and e["expected_close"] < t
    pushes, prev, seen = 0, None, False
    peak = e["amount"]
    for f, ct, amt, tm, text in e["changes"]:
        if f == "amount" and amt > peak:
            peak = amt
        if f == "expected_close":
            if seen and prev is not None and tm > prev:
                pushes += 1
            prev, seen = tm, True
    return {"k": STAGES.index(entries(e)[-1][0]), "num": [
        math.log1p(in_stage / 86400) if in_stage > 0 else 0.0,
        math.log1p(age / 86400) if age > 0 else 0.0,
        float(min(pushes, 1000)),
        math.log1p(float(e["amount"])),
        1.0 if overdue else 0.0,
        1.0 if e["amount"] < peak else 0.0,
    ], "levels": [e["attributes"].get(a, "") for a in attrs]}


def solve(a, b):
    """Solves a x = b by Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[r][c] != 0:
                f = m[r][c] / m[c][c]
                for j in range(c, n + 1):
                    m[r][j] -= f * m[c][j]
    return [m[i][n] / m[i][i] for i in range(n)]


def scoring(deals, attrs, snapshots, lam=1.0, max_levels=20):
    rows = []
    for d in deals:
        e = at(d, ASOF)
        if e is None or e["outcome"] == "open":
            continue
        for t in snapshots:
            x = at(d, t)
            if x is not None and x["outcome"] == "open":
                rows.append((features(x, t, attrs), 1.0 if e["outcome"] == "won" else 0.0))
    n = len(rows)
    nn = 6
    mean = [sum(r[0]["num"][j] for r in rows) / n for j in range(nn)]
    sd = []
    for j in range(nn):
        s = math.sqrt(sum((r[0]["num"][j] - mean[j]) ** 2 for r in rows) / max(n - 1, 1))
        sd.append(s if n > 1 and s > 1e-9 * max(1, abs(mean[j])) else 0.0)
    levels = []
    for a in range(len(attrs)):
        cnt = {}
        for r in rows:
            cnt[r[0]["levels"][a]] = cnt.get(r[0]["levels"][a], 0) + 1
        levels.append(sorted(cnt, key=lambda v: (-cnt[v], v))[:max_levels])
    ns = len(STAGES)
    dim = 1 + ns + nn + sum(len(l) for l in levels)

    def encode(f):
        x = [0.0] * dim
        x[0] = 1.0
        x[1 + f["k"]] = 1.0
        for j in range(nn):
            x[1 + ns + j] = (f["num"][j] - mean[j]) / sd[j] if sd[j] > 0 else 0.0
        base = 1 + ns + nn
        for a, l in enumerate(levels):
            if f["levels"][a] in l:
                x[base + l.index(f["levels"][a])] = 1.0
            base += len(l)
        return x
    X = [encode(r[0]) for r in rows]
    y = [r[1] for r in rows]
    pen = [1e-4 * lam] + [lam] * (dim - 1)
    beta = [0.0] * dim
    for _ in range(100):
        g = [pen[j] * beta[j] for j in range(dim)]
        h = [[0.0] * dim for _ in range(dim)]
        for j in range(dim):
            h[j][j] = pen[j]
        for xi, yi in zip(X, y):
            z = sum(b * v for b, v in zip(beta, xi))
            p = 1 / (1 + math.exp(-z))
            w = p * (1 - p)
            nz = [j for j, v in enumerate(xi) if v != 0]
            for j in nz:
                g[j] += (p - yi) * xi[j]
                for k in nz:
                    h[j][k] += w * xi[j] * xi[k]
        step = solve(h, g)
        beta = [b - s for b, s in zip(beta, step)]
        if max(abs(s) for s in step) < 1e-12:
            break
    names = [["intercept", ""]] + [["stage", s] for s in STAGES] + [[f, ""] for f in
                                                                     ["days in stage", "age", "pushes", "amount", "overdue", "cut"]]
    for a, l in enumerate(levels):
        names += [[attrs[a], v] for v in l]
    probs = {}
    for d in deals:
        e = at(d, ASOF)
        if e is None or e["outcome"] != "open":
            continue
        z = sum(b * v for b, v in zip(beta, encode(features(e, ASOF, attrs))))
        probs[e["id"]] = 1 / (1 + math.exp(-z))
    return {"rows": n, "won": int(sum(y)), "coefficients": [[nm[0], nm[1], b] for nm, b in zip(names, beta)], "probabilities": probs}


def month(y, m):
    return datetime(y, m, 1, tzinfo=UTC)


def main():
    deals = generate(600, 20240601)
    probs = {"Lead": Decimal("0.1"), "Qualified": Decimal("0.25"), "Proposal": Decimal("0.5"), "Negotiation": Decimal("0.7")}
    snapshots = [month(2023, 10), month(2023, 11), month(2023, 12)] + [month(2024, m) for m in range(1, 10)]
    expected = {
        "as_of": iso(ASOF),
        "waterfall": waterfall(deals, month(2024, 6), month(2024, 9), month(2024, 8), month(2024, 9)),
        "risk": risk(deals, 30),
        "range": forecast_range(deals, probs, month(2024, 9), month(2024, 10), ["20000", "30000", "40000"], 1 << 18),
        "range_exact": forecast_range(deals, {"Negotiation": Decimal("0.5"), "Proposal": Decimal("0.25")}, month(2024, 10), month(2024, 11),
                                      ["1000", "5000"], 1 << 22),
        "scoring": scoring(deals, ["owner"], snapshots),
    }
    with open("inspect_expected.json", "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote inspect_expected.json")


if __name__ == "__main__":
    main()
