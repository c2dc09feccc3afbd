#!/usr/bin/env python3
"""Independent cross-check of the target package.

Run from this folder with the Python 3 standard library only:

    python3 crosscheck.py            # writes the two JSON files below
    python3 crosscheck.py --wilson   # prints the Wilson bounds the tests quote

It generates a population of deals with stage histories, amount changes,
deals created, moved on, won and lost after the as-of time, entries of
unknown time and a few invalid deals (crosscheck_deals.json), and computes
from them, with its own implementation of the definitions in the package
documentation and the funnel package's (each deal as it stood at the
as-of time, in-order stage reach, decided conversion, drop-off, leakage,
the latest time in stage, stalled deals, Wilson intervals, target
verdicts under the minimum sample, the ranking's four keys), the figures
TestCrossCheck compares with (crosscheck_expected.json). Both files are
committed; rerun the script and `git diff` them to check.
"""

import json
import math
import random
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal, ROUND_HALF_UP, getcontext
from fractions import Fraction
from statistics import NormalDist

getcontext().prec = 80
UTC = timezone.utc
STAGES = ["Lead", "Qualified", "Proposal"]
N = len(STAGES)
AS_OF = datetime(2024, 7, 1, tzinfo=UTC)
STALL = timedelta(days=20)
LEVEL = 0.95
MIN_SAMPLE = 30
ZERO = "0001-01-01T00:00:00Z"

# the targets of the check: step conversions (one shadowed by an earlier
# set), times in stage, and report-level targets for Evaluate
SETS = [
    {"name": "team", "source": "", "benchmark": False, "targets": [
        {"metric": "step_conversion", "stage": "Qualified", "bound": "at_least", "value": "0.75"},
        {"metric": "step_conversion", "stage": "won", "bound": "at_least", "value": "0.45"},
        {"metric": "time_in_stage_days", "stage": "Qualified", "bound": "at_most", "value": "9"},
        {"metric": "win_rate", "bound": "at_least", "value": "0.4"},
        {"metric": "deal_size", "bound": "at_least", "value": "1500"},
        {"metric": "deals_created", "bound": "at_least", "value": "500"},
        {"metric": "cumulative_conversion", "stage": "Proposal", "bound": "at_least", "value": "0.3"},
        {"metric": "time_in_stage_days", "stage": "Lead", "bound": "at_most", "value": "4"},
    ]},
    {"name": "peers", "source": "made up", "benchmark": True, "targets": [
        {"metric": "step_conversion", "stage": "Qualified", "bound": "at_least", "value": "0.99"},
        {"metric": "step_conversion", "stage": "Proposal", "bound": "at_least", "value": "0.6"},
        {"metric": "time_in_stage_days", "stage": "Proposal", "bound": "at_most", "value": "30"},
    ]},
]


def z_of(level):
    return NormalDist().inv_cdf((1 + level) / 2)


def wilson(x, n, level=LEVEL):
    z = z_of(level)
    p = x / n
    center = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    den = 1 + z * z / n
    lo, hi = (center - half) / den, (center + half) / den
    if x == 0:
        lo = 0.0
    if x == n:
        hi = 1.0
    return max(lo, 0.0), min(hi, 1.0)


def q10(x):
    """Round half away from zero to 10 places (x >= 0)."""
    return Decimal(x).quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)


def frac_q10(f):
    sign = -1 if f < 0 else 1
    f = abs(f)
    d = (Decimal(f.numerator) / Decimal(f.denominator)).quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)
    return sign * d


def iso(t):
    return ZERO if t is None else t.strftime("%Y-%m-%dT%H:%M:%SZ")


def dec_text(d):
    """A decimal as Go's decimal.String() writes it: no exponent, no
    trailing zeros dropped beyond what the value holds."""
    s = format(d, "f")
    return s


def generate(seed=20240701, n=520):
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    deals = []
    for i in range(n):
        created = start + timedelta(hours=rng.randrange(0, 220 * 24))
        t = created
        hist = [("Lead", t)]
        # advance with stage-dependent chances; entries every few days
        for k, p in ((1, 0.62), (2, 0.5)):
            if rng.random() < p:
                t = t + timedelta(hours=rng.randrange(24, 24 * 25))
                hist.append((STAGES[k], t))
            else:
                break
        r = rng.random()
        last = len(hist) - 1
        closed = None
        if last == 2 and r < 0.45:
            outcome = "won"
        elif r < 0.7:
            outcome = "lost"
        else:
            outcome = "open"
        if outcome != "open":
            closed = t + timedelta(hours=rng.randrange(1, 24 * 30))
        amount = Decimal(rng.randrange(50000, 500000)) / 100
        d = {"id": "x%03d" % i, "created": created, "amount": amount, "outcome": outcome, "closed": closed,
             "history": hist, "changes": []}
        if i % 11 == 0:
            # the amount was first another, revised once
            at = created + timedelta(days=rng.randrange(1, 120))
            d["changes"] = [("amount", created, amount / 2), ("amount", at, amount)]
        if i % 37 == 5:
            # an entry of unknown time: reached, but not timed
            j = rng.randrange(len(hist))
            hist[j] = (hist[j][0], None)
        if i % 53 == 7 and len(hist) == 1 and outcome == "open":
            # no history at all: its stage is its only entry, untimed
            d["history"] = []
            d["stage"] = "Lead"
        deals.append(d)
    # invalid deals: an unknown stage, skipped in lenient mode
    for i in range(3):
        deals.append({"id": "bad%d" % i, "created": start, "amount": Decimal(1), "outcome": "open", "closed": None,
                      "history": [("Nowhere", start)], "changes": []})
    return deals


def to_json(d):
    out = {"id": d["id"], "created": iso(d["created"]), "amount": dec_text(d["amount"]),
           "outcome": d["outcome"], "closed": iso(d["closed"]),
           "history": [{"stage": s, "at": iso(t)} for s, t in d["history"]], "attributes": {}}
    if d.get("stage"):
        out["stage"] = d["stage"]
    if d["changes"]:
        out["changes"] = [{"field": f, "at": iso(t), "amount": dec_text(v)} for f, t, v in d["changes"]]
    return out


def as_of(d, a):
    """The deal as it stood at a, or None when it did not exist yet."""
    start = d["created"]
    if start is None:
        start = next((t for _, t in d["history"] if t is not None), None)
    if start is None:
        start = d["closed"]
    if start is not None and a < start:
        return None
    d = dict(d)
    if d["changes"]:
        kept = [c for c in d["changes"] if c[1] is None or c[1] <= a]
        d["amount"] = kept[-1][2] if kept else d["changes"][0][2]
    if start is None or (d["closed"] is not None and d["closed"] <= a):
        return d
    d["outcome"], d["closed"] = "open", None
    cut = len(d["history"])
    for i, (_, t) in enumerate(d["history"]):
        if t is not None and a < t:
            cut = i
            break
    if cut == 0 and d["history"]:
        d["stage"], d["history"] = d["history"][0][0], []
    elif cut < len(d["history"]):
        d["history"] = d["history"][:cut]
    return d


def entries(d):
    if not d["history"]:
        return [(STAGES.index(d["stage"]), None)]
    return [(STAGES.index(s), t) for s, t in d["history"]]


def reach(d):
    """In-order reach: the number of funnel rows reached (won is row N)."""
    nxt = 0
    for k, _ in entries(d):
        if k > nxt:
            break
        if k == nxt:
            nxt += 1
    if d["outcome"] == "won" and nxt == N:
        nxt += 1
    return nxt


def median_seconds(xs):
    """PERCENTILE.INC median of whole seconds, as nanoseconds."""
    xs = sorted(xs)
    m = len(xs)
    if m % 2:
        return xs[m // 2] * 10**9
    return (xs[m // 2 - 1] + xs[m // 2]) * 10**9 // 2


def compute(deals):
    read = len(deals)
    future = skipped = 0
    valid = []
    for d in deals:
        if any(s not in STAGES for s, _ in d["history"]):
            skipped += 1
            continue
        v = as_of(d, AS_OF)
        if v is None:
            future += 1
            continue
        valid.append(v)
    reached = [0] * (N + 1)
    pending = [0] * N
    lost, lost_value = [0] * N, [Decimal(0)] * N
    open_, open_value = [0] * N, [Decimal(0)] * N
    stalled, stalled_value, untimed_stall = [0] * N, [Decimal(0)] * N, [0] * N
    latest = [[] for _ in range(N)]
    won_amounts = []
    won = lost_n = 0
    for d in valid:
        r = reach(d)
        for k in range(r):
            reached[k] += 1
        for k in range(min(r, N)):
            if r == k + 1 and d["outcome"] == "open":
                pending[k] += 1
        es = entries(d)
        last_k, last_t = es[-1]
        if d["outcome"] == "lost":
            lost_n += 1
            lost[last_k] += 1
            lost_value[last_k] += d["amount"]
        elif d["outcome"] == "won":
            won += 1
            won_amounts.append(d["amount"])
        else:
            open_[last_k] += 1
            open_value[last_k] += d["amount"]
            if last_t is None:
                untimed_stall[last_k] += 1
            elif AS_OF - last_t > STALL:
                stalled[last_k] += 1
                stalled_value[last_k] += d["amount"]
        # latest visit per stage; a stage with a visit of unknown length
        # is untimed for the deal
        last_len, bad = {}, set()
        for i, (k, t) in enumerate(es):
            if i + 1 < len(es):
                end = es[i + 1][1]
            elif d["outcome"] != "open":
                end = d["closed"]
            else:
                end = AS_OF
            if t is None or end is None or end < t:
                bad.add(k)
                continue
            last_len[k] = int((end - t).total_seconds())
        for k in set(k for k, _ in es):
            if k not in bad:
                latest[k].append(last_len[k])
    return {"read": read, "future": future, "skipped": skipped, "valid": valid, "reached": reached, "pending": pending,
            "lost": lost, "lost_value": lost_value, "open": open_, "open_value": open_value, "stalled": stalled,
            "stalled_value": stalled_value, "untimed_stall": untimed_stall, "latest": latest, "won": won,
            "lost_n": lost_n, "won_amounts": won_amounts}


def find(metric, stage):
    for s in SETS:
        for t in s["targets"]:
            if t["metric"] == metric and t.get("stage", "") == stage:
                return t, s
    return None, None


def verdict(met, significant, n):
    if met:
        return "met"
    if significant and n >= MIN_SAMPLE:
        return "missed"
    return "watch"


def time_result(c, k, t):
    xs = c["latest"][k]
    if not xs:
        return "no data", None
    med = median_seconds(xs)
    days = frac_q10(Fraction(med, 86400 * 10**9))
    value = Decimal(t["value"])
    met = days <= value if t["bound"] == "at_most" else days >= value
    return verdict(met, True, len(xs)), str(days)


def ranking(c):
    steps = []
    for k in range(N):
        to = STAGES[k + 1] if k + 1 < N else "won"
        nk, nk1 = c["reached"][k], c["reached"][k + 1]
        dec_den = nk - c["pending"][k]
        s = {"from": STAGES[k], "to": to, "conversion": [nk1, nk], "decided": [nk1, dec_den],
             "drop_off": nk - nk1, "pending": c["pending"][k], "dropped": nk - nk1 - c["pending"][k],
             "lost": c["lost"][k], "lost_value": str(c["lost_value"][k]), "open": c["open"][k],
             "open_value": str(c["open_value"][k]), "stalled": c["stalled"][k],
             "stalled_value": str(c["stalled_value"][k]), "stall_untimed": c["untimed_stall"][k],
             "time_count": len(c["latest"][k]),
             "time_median_ns": median_seconds(c["latest"][k]) if c["latest"][k] else None,
             "interval": list(wilson(nk1, dec_den)) if dec_den else None,
             "conversion_status": None, "conversion_set": None, "time_status": None,
             "shortfall": "0", "significant": False}
        t, st = find("step_conversion", to)
        if t is not None:
            value = Fraction(Decimal(t["value"]))
            if dec_den == 0:
                status = "no data"
            else:
                met = Fraction(nk1, dec_den) >= value
                lo, hi = wilson(nk1, dec_den)
                status = verdict(met, hi < float(value), dec_den)
                if status in ("watch", "missed"):
                    s["shortfall"] = str(Decimal(t["value"]) * dec_den - nk1)
                    s["significant"] = status == "missed"
            s["conversion_status"], s["conversion_set"] = status, st["name"]
        t, st = find("time_in_stage_days", STAGES[k])
        if t is not None:
            s["time_status"], _ = time_result(c, k, t)
        steps.append(s)
    order = {s["from"]: i for i, s in enumerate(steps)}
    steps.sort(key=lambda s: (not s["significant"], -(Decimal(s["shortfall"]) + s["stalled"]), -s["dropped"], order[s["from"]]))
    return steps


def evaluation(c):
    """Evaluate the team set on the report (every segment, every period)."""
    out = []
    team = SETS[0]
    for t in team["targets"]:
        m, value = t["metric"], Decimal(t["value"])
        if m == "win_rate":
            num, den = c["won"], c["won"] + c["lost_n"]
            obs = (str(frac_q10(Fraction(num, den))), den, list(wilson(num, den)))
            met = Fraction(num, den) >= Fraction(value)
            status = verdict(met, wilson(num, den)[1] < float(value), den)
        elif m == "cumulative_conversion":
            k = STAGES.index(t["stage"])
            num, den = c["reached"][k], c["reached"][0]
            obs = (str(frac_q10(Fraction(num, den))), den, list(wilson(num, den)))
            status = verdict(Fraction(num, den) >= Fraction(value), wilson(num, den)[1] < float(value), den)
        elif m == "deal_size":
            xs = c["won_amounts"]
            mean = q10(sum(xs) / len(xs))
            obs = (str(mean), len(xs), None)
            status = verdict(mean >= value, True, len(xs))
        elif m == "deals_created":
            n = len(c["valid"])
            obs = (str(n), n, None)
            status = verdict(n >= value, True, n)
        elif m == "time_in_stage_days":
            k = STAGES.index(t["stage"])
            status, days = time_result(c, k, t)
            obs = (days, len(c["latest"][k]), None)
        else:
            continue
        out.append({"metric": m, "stage": t.get("stage", ""), "value": obs[0], "n": obs[1], "interval": obs[2], "status": status})
    return out


def main():
    if "--wilson" in sys.argv:
        for x, n, level in [(3, 10, .95), (30, 100, .95), (12, 40, .95), (0, 20, .95), (2, 3, .95), (2, 4, .95), (1, 6, .95),
                            (2, 4, .8), (1, 6, .8), (18, 63, .95), (9, 15, .95), (63, 103, .95), (9, 15, .5), (4238, 6711, .95)]:
            lo, hi = wilson(x, n, level)
            print("%d/%d at %g: %.10f-%.10f" % (x, n, level, lo, hi))
        return
    deals = generate()
    for d in deals:
        d.setdefault("stage", "")
    with open("crosscheck_deals.json", "w") as f:
        json.dump([to_json(d) for d in deals], f, indent=1)
        f.write("\n")
    c = compute(deals)
    expected = {"as_of": iso(AS_OF), "stall_after_days": STALL.days, "sets": SETS,
                "input": {"read": c["read"], "counted": len(c["valid"]), "future": c["future"], "skipped": c["skipped"]},
                "steps": ranking(c), "evaluation": evaluation(c)}
    with open("crosscheck_expected.json", "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
