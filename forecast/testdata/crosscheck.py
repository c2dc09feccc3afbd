#!/usr/bin/env python3
"""Independent cross-check of the forecast package.

Run from this folder with the Python 3.11 standard library only:

    python3 crosscheck.py

It prints the hand-worked constants the tests quote (Wilson bounds, LMDI
contributions), generates a population of deals with field histories
(crosscheck_deals.json), and computes from them, with its own
implementation of the definitions in the package documentation (deals as
of a date, the stage-rate learner, the weighted pipeline, the forecast by
period with its cumulative rounding, the backtest's Brier score, pipeline
changes between two dates), the figures the Go test
TestCrossCheck compares with (crosscheck_expected.json). Both files are
committed; rerun the script and `git diff` them to check.
"""

import json
import math
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal, ROUND_HALF_UP, getcontext
from fractions import Fraction
from statistics import NormalDist

getcontext().prec = 60
UTC = timezone.utc
STAGES = ["Lead", "Qualified", "Proposal", "Negotiation"]


def z_of(level):
    return NormalDist().inv_cdf((1 + level) / 2)


def wilson(x, n, level=0.95):
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
    """Round half away from zero to 10 places (amounts are positive)."""
    return Decimal(x).quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)


def frac_q10(f):
    """A non-negative Fraction rounded half up to 10 places."""
    return (Decimal(f.numerator) / Decimal(f.denominator)).quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)


def bound10(p):
    return Decimal(math.floor(min(max(p, 0.0), 1.0) * 1e10 + 0.5)) / Decimal(10**10)


def hand_constants():
    print("Wilson 95%%: 2/4 %.10f-%.10f, 2/3 %.10f-%.10f, 1/1 %.10f-%.10f" % (wilson(2, 4) + wilson(2, 3) + wilson(1, 1)))
    print("Wilson 50%%: 2/4 %.4f-%.4f" % wilson(2, 4, 0.5))
    print("pipeline by hand: A 110 x %s = %s, B lo %s hi %s" % (
        bound10(wilson(2, 4)[0]), 110 * bound10(wilson(2, 4)[0]),
        300 * bound10(wilson(2, 3)[0]) + 6, 300 * bound10(wilson(2, 3)[1]) + 6))

    def velocity(n, num, den, size, days):
        return Fraction(n) * Fraction(num, den) * Fraction(size) / days

    v0, v1 = velocity(7, 3, 10, "1234.56", 33), velocity(9, 2, 5, "999.99", 41)
    ln = {
        "volume": math.log(9 / 7), "win_rate": math.log(0.4 / 0.3),
        "deal_size": math.log(999.99 / 1234.56), "cycle": -math.log(41 / 33),
    }
    w = float(v1 - v0) / math.log(float(v1) / float(v0))
    print("LMDI odd case: change %.10f" % float(v1 - v0), {k: round(w * v, 10) for k, v in ln.items()})
    print("LMDI 125 ln 2 = %.10f" % (125 * math.log(2)))


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ") if t else "0001-01-01T00:00:00Z"


def parse(s):
    if s.startswith("0001-"):
        return None
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


CATS = ["", "", "", "Pipeline", "Best Case", "BEST_CASE", "commit", "Forecast", "Omitted", "Not forecasted", "bogus"]
OWNERS = ["ana", "ben", "chen"]


def generate(n, seed):
    r = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    deals = []
    for i in range(n):
        created = start + timedelta(seconds=r.randrange(300 * 86400))
        amount = Decimal(r.randrange(1000, 500000)) / 100
        d = {"id": "x%d" % i, "created": created, "amount": amount, "outcome": "open", "closed": None,
             "expected_close": None, "probability": None, "category": r.choice(CATS),
             "history": [], "changes": [], "attributes": {"owner": r.choice(OWNERS)}}
        at, k = created, 0
        d["history"].append(("Lead", at))
        while True:
            at = at + timedelta(seconds=1 + r.randrange(25 * 86400))
            u = r.random()
            if u < 0.45 and k < len(STAGES) - 1:
                k += 1
                d["history"].append((STAGES[k], at))
                continue
            if u < 0.48 and k > 0:
                k -= 1
                d["history"].append((STAGES[k], at))
                continue
            if u < 0.70:
                d["outcome"], d["closed"] = "won", at
            elif u < 0.88:
                d["outcome"], d["closed"] = "lost", at
            break
        last = d["closed"] or d["history"][-1][1]
        # field history: amount revisions, expected close dates, own
        # probabilities, categories, owners
        ch = []
        if r.random() < 0.3:
            t1 = created + (last - created) * r.random()
            old = Decimal(r.randrange(1000, 500000)) / 100
            ch.append(("amount", created, old, None, ""))
            ch.append(("amount", t1, amount, None, ""))
        if r.random() < 0.6:
            ec = created + timedelta(days=r.randrange(10, 200))
            ch.append(("expected_close", created, None, ec, ""))
            if r.random() < 0.5:
                ec2 = ec + timedelta(days=r.randrange(-20, 60))
                ch.append(("expected_close", created + (last - created) * r.random(), None, ec2, ""))
                ec = ec2
            d["expected_close"] = ec
        if r.random() < 0.15:
            p = Decimal(r.randrange(0, 101)) / 100
            ch.append(("probability", created + (last - created) * r.random(), p, None, ""))
            d["probability"] = p
        if r.random() < 0.2:
            t1 = created + (last - created) * r.random()
            ch.append(("attribute", created, None, None, d["attributes"]["owner"]))
            new = r.choice(OWNERS)
            ch.append(("attribute", t1, None, None, new))
            d["attributes"]["owner"] = new
        ch.sort(key=lambda c: c[1])
        d["changes"] = ch
        d["stage"] = d["history"][-1][0]
        deals.append(d)
    return deals


def to_json(d):
    out = {"id": d["id"], "created": iso(d["created"]), "amount": str(d["amount"]), "outcome": d["outcome"],
           "closed": iso(d["closed"]), "stage": d["stage"], "category": d["category"],
           "history": [{"stage": s, "at": iso(t)} for s, t in d["history"]], "attributes": d["attributes"], "changes": []}
    if d["expected_close"]:
        out["expected_close"] = iso(d["expected_close"])
    if d["probability"] is not None:
        out["probability"] = str(d["probability"])
    for f, t, amt, tm, text in d["changes"]:
        c = {"field": f, "at": iso(t)}
        if f == "attribute":
            c["key"] = "owner"
        if amt is not None:
            c["amount"] = str(amt)
        if tm is not None:
            c["time"] = iso(tm)
        if text:
            c["text"] = text
        out["changes"].append(c)
    return out


def at(d, t):
    """The deal as it stood at t (funnel.Deal.At), or None."""
    if t < d["created"]:
        return None
    e = dict(d)
    e["attributes"] = dict(d["attributes"])
    fields = {}
    for f, ct, amt, tm, text in d["changes"]:
        fields.setdefault(f, []).append((ct, amt, tm, text))
    for f, lst in fields.items():
        kept = [c for c in lst if c[0] <= t]
        ct, amt, tm, text = kept[-1] if kept else lst[0]
        if f == "amount":
            e["amount"] = amt
        elif f == "expected_close":
            e["expected_close"] = tm
        elif f == "probability":
            e["probability"] = amt
        elif f == "attribute":
            e["attributes"]["owner"] = text
    e["changes"] = [c for c in d["changes"] if c[1] <= t]
    if d["closed"] is not None and d["closed"] <= t:
        return e
    e["outcome"], e["closed"] = "open", None
    hist = [h for h in d["history"] if h[1] <= t]
    if not hist:
        e["stage"], e["history"] = d["history"][0][0], []
        e["entries"] = [(d["history"][0][0], None)]
    else:
        e["history"] = hist
        e["stage"] = hist[-1][0]
    return e


def entries(e):
    return e.get("entries") or e["history"]


def category(name):
    if name == "":
        return "pipeline"
    key = "".join(ch for ch in name.lower() if ch not in " _-\t")
    table = {"pipeline": "pipeline", "bestcase": "best case", "best": "best case", "commit": "commit", "forecast": "commit",
             "committed": "commit", "omitted": "omitted", "omit": "omitted", "notforecasted": "omitted"}
    return table.get(key)


def learn(deals, t, segment=None):
    rates = {s: [0, 0] for s in STAGES}
    segs = {}
    towin = {s: [] for s in STAGES}
    for d in deals:
        e = at(d, t)
        if e is None or e["outcome"] == "open":
            continue
        won = e["outcome"] == "won"
        entered = {s for s, _ in entries(e)}
        for s in entered:
            rates[s][1] += 1
            rates[s][0] += won
            if segment:
                sr = segs.setdefault(e["attributes"][segment], {x: [0, 0] for x in STAGES})
                sr[s][1] += 1
                sr[s][0] += won
        if won:
            seen = set()
            for s, ht in reversed(entries(e)):
                if s in seen:
                    continue
                seen.add(s)
                if ht is not None:
                    towin[s].append(int((e["closed"] - ht).total_seconds()))
    for s in STAGES:
        towin[s].sort()
    return rates, segs, towin


def rate_for(rates, segs, stage, seg, min_segment):
    if seg in segs and segs[seg][stage][1] >= max(min_segment, 1):
        return segs[seg][stage]
    if rates[stage][1] > 0:
        return rates[stage]
    return None


def month_starts(t, n):
    y, m = t.year, t.month
    out = []
    for _ in range(n + 1):
        out.append(datetime(y, m, 1, tzinfo=UTC))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def forecast(deals, asof, periods, segment=None, min_segment=30):
    rates, segs, towin = learn(deals, asof, segment)
    stage_rows = {s: {"deals": 0, "amount": Decimal(0), "weighted": Decimal(0), "lo": Decimal(0), "hi": Decimal(0),
                      "overridden": 0, "unweighted": 0} for s in STAGES}
    cats = {c: [0, Decimal(0), Decimal(0)] for c in ["closed", "commit", "best case", "pipeline", "omitted"]}
    skipped = 0
    starts = month_starts(asof, periods)
    bounds = [int(s.timestamp()) for s in starts]
    rows = [Decimal(0)] * periods
    dated = [0] * periods
    later, untimed, overdue, spread, later_dated = Decimal(0), Decimal(0), 0, 0, 0
    asof_s = int(asof.timestamp())
    for d in deals:
        e = at(d, asof)
        if e is None:
            continue
        if e["outcome"] == "won":
            cats["closed"][0] += 1
            cats["closed"][1] += e["amount"]
            cats["closed"][2] += e["amount"]
            continue
        if e["outcome"] == "lost":
            continue
        c = category(e["category"])
        if c is None:
            skipped += 1
            continue
        stage = entries(e)[-1][0]
        row = stage_rows[stage]
        row["deals"] += 1
        row["amount"] += e["amount"]
        cats[c][0] += 1
        cats[c][1] += e["amount"]
        if e["probability"] is not None:
            w = e["amount"] * e["probability"]
            lo = hi = w
            row["overridden"] += 1
        else:
            seg = e["attributes"][segment] if segment else None
            rc = rate_for(rates, segs, stage, seg, min_segment)
            if rc is None:
                row["unweighted"] += 1
                continue
            p = frac_q10(Fraction(rc[0], rc[1]))
            w = e["amount"] * p
            blo, bhi = wilson(rc[0], rc[1])
            lo, hi = e["amount"] * bound10(blo), e["amount"] * bound10(bhi)
        row["weighted"] += w
        row["lo"] += lo
        row["hi"] += hi
        cats[c][2] += w
        # by period
        ec = e["expected_close"]
        if ec is not None:
            if ec < asof:
                overdue += 1
                dated[0] += 1
                rows[0] += w
                continue
            sec = int(ec.timestamp())
            j = max(i for i in range(len(bounds)) if bounds[i] <= sec)
            if j >= periods:
                later += w
                later_dated += 1
            else:
                rows[j] += w
                dated[j] += 1
            continue
        entry = entries(e)[-1][1]
        s = towin[stage]
        if entry is None or not s:
            untimed += w
            continue
        e0 = int(entry.timestamp())
        elapsed = asof_s - e0
        rem = [x for x in s if x > elapsed]
        if not rem:
            overdue += 1
            rows[0] += w
            continue
        spread += 1
        prev = Decimal(0)
        for j in range(periods):
            cnt = sum(1 for x in rem if e0 + x < bounds[j + 1])
            cum = w if cnt == len(rem) else (w * cnt / len(rem)).quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)
            rows[j] += cum - prev
            prev = cum
        later += w - prev
    total = sum((r["weighted"] for r in stage_rows.values()), Decimal(0))
    return {
        "rates": [[rates[s][0], rates[s][1]] for s in STAGES],
        "time_to_win_count": [len(towin[s]) for s in STAGES],
        "time_to_win_median": [median(towin[s]) for s in STAGES],
        "stages": [{"stage": s, "deals": r["deals"], "amount": str(r["amount"]), "weighted": str(r["weighted"]),
                    "weighted_lo": str(r["lo"]), "weighted_hi": str(r["hi"]), "overridden": r["overridden"],
                    "unweighted": r["unweighted"]} for s, r in stage_rows.items()],
        "categories": {k: [v[0], str(v[1]), str(v[2])] for k, v in cats.items()},
        "weighted": str(total),
        "skipped": skipped,
        "periods": [{"start": iso(starts[j]), "dated": dated[j], "expected": str(rows[j])} for j in range(periods)],
        "later": str(later), "later_dated": later_dated, "untimed": str(untimed), "overdue": overdue, "spread": spread,
    }


def median(s):
    if not s:
        return None
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def backtest(deals, cutoffs, asof):
    out = []
    total, total_n = Fraction(0), 0
    for c in cutoffs:
        rates, _, _ = learn(deals, c)
        scored = unres = unw = 0
        pred, act = Decimal(0), Decimal(0)
        sq = Fraction(0)
        for d in deals:
            e = at(d, c)
            if e is None or e["outcome"] != "open":
                continue
            stage = entries(e)[-1][0]
            if rates[stage][1] == 0:
                unw += 1
                continue
            final = at(d, asof)
            if final["outcome"] == "open":
                unres += 1
                continue
            p = frac_q10(Fraction(rates[stage][0], rates[stage][1]))
            y = 1 if final["outcome"] == "won" else 0
            scored += 1
            pred += e["amount"] * p
            if y:
                act += final["amount"]
            sq += (Fraction(p) - y) ** 2
        total += sq
        total_n += scored
        out.append({"at": iso(c), "rates": [[rates[s][0], rates[s][1]] for s in STAGES], "scored": scored, "unresolved": unres,
                    "unweighted": unw, "predicted": str(pred), "actual": str(act),
                    "brier": float(sq / scored) if scored else None})
    return {"cutoffs": out, "brier": float(total / total_n) if total_n else None}


def changes(deals, t1, t2, asof):
    names = ["new", "advanced", "moved back", "pushed", "pulled in", "won", "lost", "increased", "decreased"]
    counts = {n: [0, Decimal(0), Decimal(0)] for n in names}
    open_from, open_to = [0, Decimal(0)], [0, Decimal(0)]
    unchanged = closed_before = created_after = 0
    rows = 0
    for d in deals:
        if at(d, asof) is None:
            continue  # created after the as-of time: not in the data
        b = at(d, t2)
        if b is None:
            created_after += 1
            continue
        a = at(d, t1)
        if a is not None and a["outcome"] != "open":
            closed_before += 1
            continue
        flags = set()
        if b["outcome"] == "open":
            open_to[0] += 1
            open_to[1] += b["amount"]
        from_amt = Decimal(0)
        if a is None:
            flags.add("new")
        else:
            open_from[0] += 1
            open_from[1] += a["amount"]
            from_amt = a["amount"]
            ka, kb = STAGES.index(entries(a)[-1][0]), STAGES.index(entries(b)[-1][0])
            if kb > ka:
                flags.add("advanced")
            elif kb < ka:
                flags.add("moved back")
            if b["outcome"] == "open" and a["expected_close"] and b["expected_close"]:
                if b["expected_close"] > a["expected_close"]:
                    flags.add("pushed")
                elif b["expected_close"] < a["expected_close"]:
                    flags.add("pulled in")
            if b["amount"] > a["amount"]:
                flags.add("increased")
            elif b["amount"] < a["amount"]:
                flags.add("decreased")
        if b["outcome"] == "won":
            flags.add("won")
        elif b["outcome"] == "lost":
            flags.add("lost")
        if not flags:
            unchanged += 1
            continue
        rows += 1
        for f in flags:
            counts[f][0] += 1
            counts[f][1] += b["amount"]
            counts[f][2] += b["amount"] - from_amt
    return {"rows": rows, "counts": [[n, counts[n][0], str(counts[n][1]), str(counts[n][2])] for n in names],
            "open_from": [open_from[0], str(open_from[1])], "open_to": [open_to[0], str(open_to[1])],
            "unchanged": unchanged, "closed_before": closed_before, "created_after": created_after}


def main():
    hand_constants()
    deals = generate(600, 20240601)
    with open("crosscheck_deals.json", "w") as f:
        json.dump([to_json(d) for d in deals], f, indent=1)
        f.write("\n")
    asof = datetime(2024, 9, 15, 12, 0, 0, tzinfo=UTC)
    expected = {
        "as_of": iso(asof),
        "forecast": forecast(deals, asof, 6),
        "forecast_by_owner": forecast(deals, asof, 6, segment="owner", min_segment=5),
        "backtest": backtest(deals, [datetime(2024, 4, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 8, 1, tzinfo=UTC)], asof),
        "changes": changes(deals, datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 8, 1, tzinfo=UTC), asof),
    }
    with open("crosscheck_expected.json", "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print("wrote crosscheck_deals.json (%d deals) and crosscheck_expected.json" % len(deals))


if __name__ == "__main__":
    main()
