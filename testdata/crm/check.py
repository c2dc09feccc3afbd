#!/usr/bin/env python3
"""Independent cross-check of the library's figures over the CRM sample exports.

The files are read as testdata/crm/PROVENANCE.md and internal/crmgen/FORMATS.md describe them
(which column or row is a deal's pipeline, outcome, entries and close; see the table in
PROVENANCE.md), and the figures are defined by the library's documentation (the doc comments of
the root package: Report, StageReport, Policy, Options.AsOf, Deal.At, DurationStats), never by
its code. Per CRM and pipeline this writes check.json beside this script (sorted keys, one
object per CRM) and prints a short table; csvimport's TestCheckScript reads every sample with
its preset and compares the library's report of each pipeline with these figures, for equality.

Python 3 standard library only. Run from the repository root:

    python3 testdata/crm/check.py

CI runs it and checks that check.json is unchanged (git diff --exit-code).

check.json: {crm: {"crm", "seed", "export_time_utc", "deals", "pipelines": [...],
"pipelines_without_as_of": [...]}}, each pipeline {"pipeline", "deals", "won", "lost", "open",
"win_rate", "won_in_order", "stages": [{"stage", "entered", "reached_in_order", "time_latest",
"time_total", "untimed"}]}, time_latest and time_total {"count", "seconds_sum",
"seconds_median"}.

Definitions, for one pipeline with open stages S1 ... Sn (order below):

- entry, close: as PROVENANCE.md defines them (the creation is an entry into the stage the deal
  is created in; field-only history rows are not entries; moving to won or lost is the close).
- as of (Options.AsOf, Deal.At): "pipelines" are the figures as of the export time
  (export_time_utc): an entry or a close after it has not happened, and a deal whose close is
  after it is open. "pipelines_without_as_of" are the figures with no as-of time: the deals as
  they are. (The samples have no event after the export time, so only the time in stage of open
  deals differs between the two.)
- deals, won, lost, open: the deals of the pipeline by outcome (Report.Deals, Won, Lost, Open).
- win_rate: won / (won + lost), null when no deal is closed (Report.WinRate, closed basis).
- entered (StageReport.Entered): deals with at least one entry into the stage.
- reached_in_order (StageReport.Reached under the InOrder policy): a deal's entries are walked
  in time order; an entry into the next stage reaches it, an entry into a stage already reached
  changes nothing, and an entry into a stage beyond the next one (a skip) ends the walk, so a
  deal whose first entry is past S1 reaches none. reached_in_order of Sk counts the deals that
  reach Sk.
- won_in_order (the Reached of the report's won row): won deals that reach Sn in order.
- visit of a stage: from an entry into it to the deal's next entry; after the deal's last
  entry, to its close when won or lost, or, when open, to the as-of time (StageReport.TimeLatest:
  "A visit ends at the next stage entry, ..., at the close time, or at AsOf for an open deal").
  Durations are whole seconds, truncated (DurationStats.Add).
- untimed (StageReport.Untimed): deals that entered the stage with a visit of it of unknown
  length: with no as-of time, the visit an open deal is in. Such a deal is left out of both
  time figures of that stage (also its other, ended visits of it).
- time_latest (StageReport.TimeLatest): one duration per timed deal that entered the stage, that
  of its latest visit; time_total (StageReport.TimeTotal): one per timed deal, the sum of all its
  visits of the stage. count is the number of deals, seconds_sum the total of the durations, and
  seconds_median their median: the 50th percentile by linear interpolation between closest ranks
  (DurationStats.Percentiles), the mean of the two middle values for an even count; 0 when none.

Stage order. PROVENANCE.md speaks of "S1 ... Sn in the order `stages` lists
them" without listing the orders; they are taken from FORMATS.md where it gives one (HubSpot's
default Sales Pipeline, Salesforce's default stage picklist, Pipedrive's stage ids, Close's
status lists, Zoho's default stages), each restricted to the stages the pipeline's files show.
HubSpot's Renewals pipeline has no documented order; its order is derived from the data (the
order most deals first enter the stages in), and for every pipeline that derived order is also
computed and must agree with the documented one (a warning is printed otherwise).

Times: every local time is converted to UTC (zone per CRM from PROVENANCE.md) before any
subtraction. zoneinfo is used when the system has the tz database; the US and EU daylight-saving
rules are also coded here and both conversions must agree.
"""

import csv
import io
import json
import os
import sys
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20250301
EXPORT_TIME = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
EXPORT_TIME_TEXT = "2025-03-01T12:00:00Z"

WARNINGS = []


def warn(msg):
    WARNINGS.append(msg)


# --------------------------------------------------------------------------------------------
# Time zones

try:
    from zoneinfo import ZoneInfo  # Python 3.9+

    def _zone(name):
        try:
            return ZoneInfo(name)
        except Exception:  # no tz database on this system
            return None
except ImportError:  # pragma: no cover
    def _zone(name):
        return None


def _nth_sunday(year, month, n):
    d = datetime(year, month, 1)
    d += timedelta(days=(6 - d.weekday()) % 7)  # first Sunday
    return d + timedelta(weeks=n - 1)


def _last_sunday(year, month):
    d = datetime(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() + 1) % 7)


# (standard offset hours, rule)
RULES = {
    "America/New_York": (-5, "us"),
    "America/Chicago": (-6, "us"),
    "America/Los_Angeles": (-8, "us"),
    "Europe/London": (0, "eu"),
    "Europe/Berlin": (1, "eu"),
    "UTC": (0, None),
}


def _rule_to_utc(naive, zone):
    """Local wall-clock time -> aware UTC by the post-2007 US / EU daylight-saving rules."""
    std, rule = RULES[zone]
    y = naive.year
    if rule is None:
        return naive.replace(tzinfo=timezone.utc)
    if rule == "us":
        # DST from the second Sunday of March 02:00 local standard time to the first Sunday of
        # November 02:00 local daylight time (instants given here as naive UTC).
        start = _nth_sunday(y, 3, 2) + timedelta(hours=2 - std)
        end = _nth_sunday(y, 11, 1) + timedelta(hours=2 - (std + 1))
    else:
        # EU: DST from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC.
        start = _last_sunday(y, 3) + timedelta(hours=1)
        end = _last_sunday(y, 10) + timedelta(hours=1)
    u_std = naive - timedelta(hours=std)  # the instant if the wall time is standard time
    u_dst = naive - timedelta(hours=std + 1)  # ... if it is daylight time
    std_ok = not (start <= u_std < end)
    dst_ok = start <= u_dst < end
    if std_ok and dst_ok:
        raise ValueError("%s is ambiguous in %s" % (naive, zone))
    if not std_ok and not dst_ok:
        raise ValueError("%s is in the spring-forward gap of %s" % (naive, zone))
    off = std + (1 if dst_ok else 0)
    return (naive - timedelta(hours=off)).replace(tzinfo=timezone.utc)


_ZONES = {}


def to_utc(naive, zone):
    """Convert a naive local wall-clock time in zone to an aware UTC datetime."""
    ruled = _rule_to_utc(naive, zone)
    if zone not in _ZONES:
        _ZONES[zone] = _zone(zone)
    tz = _ZONES[zone]
    if tz is not None:
        a = naive.replace(tzinfo=tz, fold=0)
        b = naive.replace(tzinfo=tz, fold=1)
        if a.utcoffset() != b.utcoffset():
            raise ValueError("%s is ambiguous or in a gap in %s" % (naive, zone))
        z = a.astimezone(timezone.utc)
        if z != ruled:
            raise ValueError("zoneinfo and the coded rules disagree on %s %s: %s vs %s"
                             % (naive, zone, z, ruled))
    return ruled


def parse_local(text, fmt, zone):
    return to_utc(datetime.strptime(text.strip(), fmt), zone)


def parse_offset_time(text):
    """'2024-01-02 22:36:00.000000+00:00' or '2024-01-02T22:36:00.000000+00:00' -> UTC."""
    t = text.strip()
    sign_pos = max(t.rfind("+"), t.rfind("-"))
    if sign_pos < 10:
        raise ValueError("no UTC offset in %r" % text)
    base, off = t[:sign_pos], t[sign_pos:]
    base = base.replace("T", " ")
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in base else "%Y-%m-%d %H:%M:%S"
    naive = datetime.strptime(base, fmt)
    sign = 1 if off[0] == "+" else -1
    hh, mm = off[1:].split(":")
    delta = timedelta(hours=int(hh), minutes=int(mm))
    return (naive - sign * delta).replace(tzinfo=timezone.utc)


# --------------------------------------------------------------------------------------------
# Reading files


def read_text(path, encoding):
    with open(path, "rb") as f:
        raw = f.read()
    if encoding == "utf-16":
        if not raw.startswith(b"\xff\xfe"):
            warn("%s: no UTF-16LE byte order mark" % path)
        text = raw.decode("utf-16")  # honours and strips the BOM
    elif encoding == "utf-8-sig":
        text = raw.decode("utf-8-sig")
    else:
        text = raw.decode(encoding)
    return text


def read_table(path, encoding="utf-8", delimiter=","):
    """Rows as lists (header first), from a file read whole in the given encoding."""
    text = read_text(path, encoding)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def dicts(rows):
    head = rows[0]
    out = []
    for r in rows[1:]:
        if len(r) != len(head):
            raise ValueError("row of %d cells under a header of %d: %r" % (len(r), len(head), r))
        out.append(dict(zip(head, r)))
    return out


def read_salesforce_report(path):
    """A Salesforce report CSV (Windows-1252): data rows, then a blank line and the footer."""
    rows = read_table(path, "cp1252")
    head = rows[0]
    data = []
    i = 1
    while i < len(rows) and rows[i] and any(c != "" for c in rows[i]):
        data.append(rows[i])
        i += 1
    footer = [r for r in rows[i:] if r]
    if not footer or not footer[0][0].startswith("Grand Totals ("):
        raise ValueError("%s: no Grand Totals row after the data" % path)
    n = int(footer[0][0][len("Grand Totals ("):].split()[0])
    if n != len(data):
        raise ValueError("%s: Grand Totals says %d records, %d data rows" % (path, n, len(data)))
    if len(footer) != 6:
        warn("%s: footer has %d non-blank rows, expected 6" % (path, len(footer)))
    return dicts([head] + data)


# --------------------------------------------------------------------------------------------
# The metrics (PROVENANCE.md, "truth.json")


class Deal(object):
    def __init__(self, did, pipeline, outcome):
        self.id = did
        self.pipeline = pipeline
        self.outcome = outcome  # 'won', 'lost', 'open' at export time
        self.entries = []  # (utc, stage)
        self.close = None  # (utc, 'won'|'lost')

    def add_entry(self, t, stage):
        self.entries.append((t, stage))

    def set_close(self, t, kind):
        if self.close is not None:
            warn("deal %s closes twice (%s, %s)" % (self.id, self.close, (t, kind)))
            if t >= self.close[0]:
                return
        self.close = (t, kind)


def median(values):
    v = sorted(values)
    n = len(v)
    if n == 0:
        return 0
    if n % 2:
        m = v[n // 2]
    else:
        m = (v[n // 2 - 1] + v[n // 2]) / 2
    if m == int(m):
        m = int(m)
    return m


def visits(deal):
    """(stage, start, end or None) for each visit, from entries and the close."""
    events = sorted(deal.entries)
    for a, b in zip(events, events[1:]):
        if a[0] == b[0]:
            warn("deal %s has two entries at %s" % (deal.id, a[0]))
        if a[1] == b[1]:
            warn("deal %s enters %s twice in a row" % (deal.id, a[1]))
    out = []
    for i, (t, s) in enumerate(events):
        end = events[i + 1][0] if i + 1 < len(events) else None
        if deal.close is not None and deal.close[0] > t and (end is None or deal.close[0] < end):
            end = deal.close[0]
        if deal.close is not None and end is None and deal.close[0] <= t:
            warn("deal %s has an entry at or after its close" % deal.id)
        out.append((s, t, end))
    return out


def derived_order(deals, stages):
    """Stages ordered by how often deals first-enter one before another (pairwise wins)."""
    before = {}
    for d in deals:
        first = {}
        for t, s in d.entries:
            if s not in first or t < first[s]:
                first[s] = t
        for a in first:
            for b in first:
                if first[a] < first[b]:
                    before[(a, b)] = before.get((a, b), 0) + 1
    score = {s: sum(1 for o in stages if o != s and before.get((s, o), 0) > before.get((o, s), 0))
             for s in stages}
    return sorted(stages, key=lambda s: (-score[s], s))


def as_of(deal, t):
    """The deal as it stood at t: entries after t not yet made, a close after t not yet made
    (the deal is open then)."""
    if t is None:  # no as-of time: the deal as it is
        return deal
    d = Deal(deal.id, deal.pipeline, deal.outcome)
    d.entries = [e for e in deal.entries if e[0] <= t]
    if deal.close is not None and deal.close[0] <= t:
        d.close = deal.close
    elif deal.outcome != "open":
        d.outcome = "open"
    return d


def stage_times(deal, as_of_time):
    """stage -> (latest visit's seconds, all visits' seconds) of one deal, and the set of stages
    with a visit of unknown length. A visit runs from an entry to the deal's next entry, or, after
    its last entry, to its close (won or lost) or, open, to the as-of time."""
    events = sorted(deal.entries)
    times, untimed = {}, set()
    for i, (t, s) in enumerate(events):
        if i + 1 < len(events):
            end = events[i + 1][0]
        elif deal.close is not None:
            end = deal.close[0]
        else:
            end = as_of_time  # None: no as-of time, the visit has no known end
        if end is None or end < t:
            untimed.add(s)
            continue
        secs = (end - t).total_seconds()
        if secs != int(secs):
            warn("deal %s: visit of %s lasts %s s" % (deal.id, s, secs))
        secs = int(secs)  # whole seconds, truncated
        total = times.get(s, (0, 0))[1]
        times[s] = (secs, total + secs)
    return times, untimed


def time_figures(values):
    return {"count": len(values), "seconds_sum": sum(values), "seconds_median": median(values)}


def pipeline_figures(name, deals, order, as_of_time):
    deals = [as_of(d, as_of_time) for d in deals]
    fig = {"pipeline": name, "deals": len(deals)}
    for k in ("won", "lost", "open"):
        fig[k] = sum(1 for d in deals if d.outcome == k)
    fig["win_rate"] = (fig["won"] / (fig["won"] + fig["lost"])) if fig["won"] + fig["lost"] else None
    stages = []
    latest = {s: [] for s in order}
    total = {s: [] for s in order}
    untimed = {s: 0 for s in order}
    firsts = []
    for d in deals:
        first = {}
        for t, s in d.entries:
            if s not in order:
                raise ValueError("deal %s enters %r, not an open stage of %s" % (d.id, s, name))
            if s not in first or t < first[s]:
                first[s] = t
        firsts.append(first)
        times, unknown = stage_times(d, as_of_time)
        for s in first:
            if s in unknown:
                untimed[s] += 1
            else:
                latest[s].append(times[s][0])
                total[s].append(times[s][1])

    def reached_in_order(deal):
        """How many of the stages S1 ... Sn the deal reaches under the in-order policy: its
        entries walked in time order, an entry into the next stage reaches it, an entry into a
        stage already reached changes nothing, and an entry into a stage beyond the next one
        (a skip) ends the walk."""
        r = 0
        for _, s in sorted(deal.entries):
            k = order.index(s)
            if k == r:
                r += 1
            elif k > r:
                break
        return r

    reached = [reached_in_order(d) for d in deals]

    for k, s in enumerate(order):
        stages.append({
            "stage": s,
            "entered": sum(1 for f in firsts if s in f),
            "reached_in_order": sum(1 for r in reached if r > k),
            "time_latest": time_figures(latest[s]),
            "time_total": time_figures(total[s]),
            "untimed": untimed[s],
        })
    fig["stages"] = stages
    fig["won_in_order"] = sum(1 for d, r in zip(deals, reached)
                              if d.outcome == "won" and r == len(order))
    return fig


def crm_figures(crm, deals, pipelines, documented_orders):
    """pipelines: names in output order; documented_orders: name -> full stage order or None."""
    for d in deals:
        for t, _ in d.entries:
            if t > EXPORT_TIME:
                warn("%s deal %s: entry after the export time" % (crm, d.id))
        if d.close and d.close[0] > EXPORT_TIME:
            warn("%s deal %s: close after the export time" % (crm, d.id))
        if d.close is None and d.outcome != "open":
            warn("%s deal %s: %s at export but no close in the history" % (crm, d.id, d.outcome))
        if d.close is not None and d.close[1] != d.outcome:
            warn("%s deal %s: history closes %s, export says %s"
                 % (crm, d.id, d.close[1], d.outcome))
        if not d.entries:
            warn("%s deal %s: no entry" % (crm, d.id))
    names = set(d.pipeline for d in deals)
    if names - set(pipelines):
        warn("%s: unexpected pipelines %s" % (crm, sorted(names - set(pipelines))))
    out, plain = [], []
    for p in pipelines:
        pd = [d for d in deals if d.pipeline == p]
        seen = set(s for d in pd for _, s in d.entries)
        derived = derived_order(pd, sorted(seen))
        doc = documented_orders.get(p)
        if doc is None:
            order = derived
        else:
            extra = seen - set(doc)
            if extra:
                raise ValueError("%s %s: stages %s not in the documented order"
                                 % (crm, p, sorted(extra)))
            order = [s for s in doc if s in seen]
            if order != derived:
                warn("%s %s: documented order %s, data suggest %s" % (crm, p, order, derived))
        out.append(pipeline_figures(p, pd, order, EXPORT_TIME))
        plain.append(pipeline_figures(p, pd, order, None))
    return {"crm": crm, "seed": SEED, "export_time_utc": EXPORT_TIME_TEXT, "deals": len(deals),
            "pipelines": out, "pipelines_without_as_of": plain}


# --------------------------------------------------------------------------------------------
# HubSpot


def hubspot():
    zone = "America/New_York"
    fmt = "%Y-%m-%d %H:%M"
    rows = dicts(read_table(os.path.join(HERE, "hubspot", "deals.csv"), "utf-8"))
    head = list(rows[0].keys())
    # stage columns: Date entered "<stage> (<pipeline>)" (also the older single-quote spelling)
    stage_cols = {}  # pipeline -> stage -> {kind: column}
    for col in head:
        for kind in ("Date entered ", "Date exited ", "Cumulative time in ", "Latest time in "):
            if col.startswith(kind):
                label = col[len(kind):]
                if label[:1] in "\"'" and label[-1:] == label[:1]:
                    label = label[1:-1]
                stage, _, pipe = label.rpartition(" (")
                pipe = pipe[:-1]
                stage_cols.setdefault(pipe, {}).setdefault(stage, {})[kind.strip()] = col
    closed = ("Closed Won", "Closed Lost")
    deals = []
    cum_checked = cum_bad = 0
    for r in rows:
        p = r["Pipeline"]
        st = r["Deal Stage"]
        outcome = "won" if st == "Closed Won" else "lost" if st == "Closed Lost" else "open"
        if (r["Is Closed Won"] == "true") != (outcome == "won"):
            warn("hubspot %s: Is Closed Won %s, stage %s" % (r["Record ID"], r["Is Closed Won"], st))
        d = Deal(r["Record ID"], p, outcome)
        for stage, cols in stage_cols[p].items():
            v = r[cols["Date entered"]]
            if not v:
                continue
            t = parse_local(v, fmt, zone)
            if stage in closed:
                d.set_close(t, "won" if stage == "Closed Won" else "lost")
            else:
                d.add_entry(t, stage)
        # other pipelines' columns stay empty
        for op, sc in stage_cols.items():
            if op != p:
                for cols in sc.values():
                    if any(r[c] for c in cols.values()):
                        warn("hubspot %s: columns of pipeline %s filled" % (d.id, op))
        created = parse_local(r["Create Date"], fmt, zone)
        if d.entries and min(d.entries)[0] != created:
            warn("hubspot %s: first entry %s is not Create Date %s" % (d.id, min(d.entries), created))
        if outcome != "open" and d.close and parse_local(r["Close Date"], fmt, zone) != d.close[0]:
            warn("hubspot %s: Close Date differs from the closed stage's Date entered" % d.id)
        # side check of the UTC arithmetic: Cumulative time in = Date exited - Date entered
        for stage, cols in stage_cols[p].items():
            cv = r.get(cols.get("Cumulative time in", ""), "")
            ev = r[cols["Date entered"]]
            xv = r[cols.get("Date exited", "")] if "Date exited" in cols else ""
            if cv and ev and xv:
                cum_checked += 1
                secs = (parse_local(xv, fmt, zone) - parse_local(ev, fmt, zone)).total_seconds()
                if int(cv) != secs:
                    cum_bad += 1
        deals.append(d)
    if cum_bad:
        warn("hubspot: %d of %d Cumulative time in values differ from exited - entered in UTC"
             % (cum_bad, cum_checked))
    pipes = ["Sales Pipeline", "Renewals"]
    doc = {"Sales Pipeline": ["Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
                              "Decision Maker Bought-In", "Contract Sent"],
           "Renewals": None}  # not documented: derived from the data
    # every open stage of a pipeline has its columns, entered or not
    fig = crm_figures("hubspot", deals, pipes, doc)
    for pf in fig["pipelines"]:
        have = set(s["stage"] for s in pf["stages"])
        allst = set(stage_cols[pf["pipeline"]]) - set(closed)
        if allst - have:
            warn("hubspot %s: stages with columns but no entry: %s" % (pf["pipeline"], allst - have))
    return fig, {"cumulative_checked": cum_checked, "cumulative_mismatch": cum_bad}


# --------------------------------------------------------------------------------------------
# Salesforce

SF_PICKLIST = ["Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
               "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
               "Negotiation/Review"]


def salesforce():
    zone = "America/Los_Angeles"
    opps = read_salesforce_report(os.path.join(HERE, "salesforce", "opportunities.csv"))
    hist = read_salesforce_report(os.path.join(HERE, "salesforce", "opportunity_history.csv"))
    deals = {}
    order = []
    for r in opps:
        st = r["Stage"]
        outcome = "won" if st == "Closed Won" else "lost" if st == "Closed Lost" else "open"
        won, closed = r["Won"] == "1", r["Closed"] == "1"
        if (won, closed) != (outcome == "won", outcome != "open"):
            warn("salesforce %s: Won/Closed %s/%s, stage %s" % (r["Opportunity ID"], r["Won"],
                                                               r["Closed"], st))
        deals[r["Opportunity ID"]] = Deal(r["Opportunity ID"], r["Opportunity Record Type"], outcome)
        order.append(r["Opportunity ID"])
    by_opp = {}
    for i, r in enumerate(hist):
        by_opp.setdefault(r["Opportunity ID"], []).append(
            (parse_local(r["Last Modified"], "%m/%d/%Y %I:%M %p", zone), i, r))
    stats = {"creations": 0, "stage_changes": 0, "field_only": 0}
    for oid, rs in by_opp.items():
        d = deals.get(oid)
        if d is None:
            warn("salesforce: history of unknown opportunity %s" % oid)
            continue
        rs.sort(key=lambda x: (x[0], x[1]))
        prev = None
        for t, _, r in rs:
            if r["Opportunity Record Type"] != d.pipeline:
                warn("salesforce %s: record type differs in history" % oid)
            st = r["Stage"]
            if prev is None:
                stats["creations"] += 1
                if r["From Stage"] != "":
                    warn("salesforce %s: first history row has From Stage %r" % (oid, r["From Stage"]))
            elif st == prev:
                stats["field_only"] += 1
                if r["From Stage"] != st:
                    warn("salesforce %s: field-only row with From Stage %r" % (oid, r["From Stage"]))
                continue
            else:
                stats["stage_changes"] += 1
                if r["From Stage"] != prev:
                    warn("salesforce %s: From Stage %r, previous row %r" % (oid, r["From Stage"], prev))
            if st in ("Closed Won", "Closed Lost"):
                if d.close is None:
                    d.set_close(t, "won" if st == "Closed Won" else "lost")
            else:
                d.add_entry(t, st)
            prev = st
    fig = crm_figures("salesforce", [deals[o] for o in order], ["New Business", "Renewal"],
                      {"New Business": SF_PICKLIST, "Renewal": SF_PICKLIST})
    return fig, stats


# --------------------------------------------------------------------------------------------
# Pipedrive


def pipedrive():
    fmt = "%Y-%m-%d %H:%M:%S"
    rows = dicts(read_table(os.path.join(HERE, "pipedrive", "deals.csv"), "utf-8-sig"))
    flow = dicts(read_table(os.path.join(HERE, "pipedrive", "deal_flow.csv"), "utf-8"))
    by_deal = {}
    for i, r in enumerate(flow):
        by_deal.setdefault(r["item_id"], []).append((parse_local(r["log_time"], fmt, "UTC"), i, r))
    stage_ids = {}  # pipeline -> {name: id}
    deals = []
    for r in rows:
        status = r["Deal - Status"].lower()
        if status not in ("open", "won", "lost"):
            raise ValueError("pipedrive status %r" % r["Deal - Status"])
        p = r["Deal - Pipeline"]
        d = Deal(r["Deal - ID"], p, status)
        items = sorted(by_deal.get(d.id, []), key=lambda x: (x[0], -x[1]))  # file: newest first
        changes = [(t, it) for t, _, it in items if it["field_key"] == "stage_id"]
        ids = stage_ids.setdefault(p, {})
        for _, it in changes:
            for n, v in ((it["old_value_formatted"], it["old_value"]),
                         (it["new_value_formatted"], it["new_value"])):
                if ids.setdefault(n, int(v)) != int(v):
                    warn("pipedrive %s: stage %s has ids %s and %s" % (p, n, ids[n], v))
        created = parse_local(r["Deal - Deal created"], fmt, "UTC")
        first = changes[0][1]["old_value_formatted"] if changes else r["Deal - Stage"]
        d.add_entry(created, first)
        prev = first
        for t, it in changes:
            if it["old_value_formatted"] != prev:
                warn("pipedrive %s: stage change from %r, previous %r"
                     % (d.id, it["old_value_formatted"], prev))
            d.add_entry(t, it["new_value_formatted"])
            prev = it["new_value_formatted"]
        if prev != r["Deal - Stage"]:
            warn("pipedrive %s: last stage %r, Deal - Stage %r" % (d.id, prev, r["Deal - Stage"]))
        if status == "won":
            d.set_close(parse_local(r["Deal - Won time"], fmt, "UTC"), "won")
        elif status == "lost":
            d.set_close(parse_local(r["Deal - Lost time"], fmt, "UTC"), "lost")
        # the flow's status change agrees with the won/lost time
        for t, _, it in items:
            if it["field_key"] == "status" and it["new_value"] in ("won", "lost"):
                if d.close is None or (t, it["new_value"]) != d.close:
                    warn("pipedrive %s: status change %s at %s vs close %s"
                         % (d.id, it["new_value"], t, d.close))
        if created > min(d.entries)[0] or (items and items[0][0] < created):
            warn("pipedrive %s: flow item before Deal created" % d.id)
        deals.append(d)
    doc = {p: sorted(ids, key=lambda n: ids[n]) for p, ids in stage_ids.items()}
    # stages seen only as Deal - Stage of deals without stage changes would be missing from doc
    for d in deals:
        for _, s in d.entries:
            if s not in doc.get(d.pipeline, []):
                raise ValueError("pipedrive stage %r of %s has no id" % (s, d.pipeline))
    fig = crm_figures("pipedrive", deals, ["Sales pipeline", "Partnerships"], doc)
    return fig, {p: ids for p, ids in stage_ids.items()}


# --------------------------------------------------------------------------------------------
# Close

CLOSE_ORDER = {"Sales": ["Discovery", "Demo Completed", "Proposal Sent", "Contract Sent"],
               "Expansion": ["Expansion Scoping", "Expansion Proposal"]}


def close():
    opps = dicts(read_table(os.path.join(HERE, "close", "opportunities.csv"), "utf-8"))
    chg = dicts(read_table(os.path.join(HERE, "close", "opportunity_status_changes.csv"), "utf-8"))
    by_opp = {}
    for i, r in enumerate(chg):
        by_opp.setdefault(r["opportunity_id"], []).append((parse_offset_time(r["date_created"]), i, r))
    deals = []
    for r in opps:
        st = r["status_type"]
        outcome = {"active": "open", "won": "won", "lost": "lost"}[st]
        d = Deal(r["id"], r["pipeline_name"], outcome)
        items = sorted(by_opp.get(d.id, []), key=lambda x: (x[0], -x[1]))  # file: newest first
        created = parse_offset_time(r["date_created"])
        first = items[0][2]["old_status_label"] if items else r["status_label"]
        d.add_entry(created, first)
        prev = first
        for t, _, it in items:
            if it["old_status_label"] != prev:
                warn("close %s: change from %r, previous %r" % (d.id, it["old_status_label"], prev))
            if it["lead_id"] != r["lead_id"]:
                warn("close %s: change of another lead" % d.id)
            nt = it["new_status_type"]
            if nt == "active":
                d.add_entry(t, it["new_status_label"])
            elif nt in ("won", "lost"):
                d.set_close(t, nt)
            else:
                raise ValueError("close new_status_type %r" % nt)
            prev = it["new_status_label"]
        if prev != r["status_label"]:
            warn("close %s: last status %r, status_label %r" % (d.id, prev, r["status_label"]))
        if items and items[0][0] < created:
            warn("close %s: status change before date_created" % d.id)
        deals.append(d)
    unknown = set(by_opp) - set(d.id for d in deals)
    if unknown:
        warn("close: status changes of %d unknown opportunities" % len(unknown))
    return crm_figures("close", deals, ["Sales", "Expansion"], CLOSE_ORDER), {}


# --------------------------------------------------------------------------------------------
# Zoho

ZOHO_DEFAULT = ["Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
                "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review"]
ZOHO_CLOSED = {"Closed Won": "won", "Closed Lost": "lost", "Closed Lost to Competition": "lost"}


def zoho_deal_rows(which):
    if which == "csv":
        return dicts(read_table(os.path.join(HERE, "zoho", "deals.csv"), "utf-8-sig"))
    return dicts(read_table(os.path.join(HERE, "zoho", "deals_unicode.txt"), "utf-16", "\t"))


def zoho(which="csv"):
    zone = "Europe/Berlin"
    fmt = "%d/%m/%Y %H:%M"
    rows = zoho_deal_rows(which)
    hist = dicts(read_table(os.path.join(HERE, "zoho", "stage_history.csv"), "utf-8-sig"))
    by_deal = {}
    for i, r in enumerate(hist):
        by_deal.setdefault(r["Record Id"], []).append((parse_local(r["Modified Time"], fmt, zone), i, r))
    deals = []
    dur_checked = dur_bad = 0
    for r in rows:
        st = r["Stage"]
        outcome = ZOHO_CLOSED.get(st, "open")
        d = Deal(r["Record Id"], r["Pipeline"], outcome)
        items = sorted(by_deal.get(d.id, []), key=lambda x: (x[0], x[1]))
        for k, (t, _, it) in enumerate(items):
            s = it["Stage"]
            if s in ZOHO_CLOSED:
                d.set_close(t, ZOHO_CLOSED[s])
            else:
                d.add_entry(t, s)
            nxt = items[k + 1] if k + 1 < len(items) else None
            if it["Moved To"] != (nxt[2]["Stage"] if nxt else ""):
                warn("zoho %s: Moved To %r" % (d.id, it["Moved To"]))
            if nxt is not None:
                dur_checked += 1
                if it["Duration (Days)"] != str(int((nxt[0] - t).total_seconds() // 86400)):
                    dur_bad += 1
            elif it["Duration (Days)"] != "":
                warn("zoho %s: Duration (Days) on the current stage" % d.id)
        if items and items[-1][2]["Stage"] != st:
            warn("zoho %s: last history stage %r, Stage %r" % (d.id, items[-1][2]["Stage"], st))
        created = parse_local(r["Created Time"], fmt, zone)
        if items and items[0][0] != created:
            warn("zoho %s: first history row %s is not Created Time %s" % (d.id, items[0][0], created))
        deals.append(d)
    if dur_bad:
        warn("zoho: %d of %d Duration (Days) differ from the whole days between rows in UTC"
             % (dur_bad, dur_checked))
    fig = crm_figures("zoho", deals, ["Standard", "Channel Partners"],
                      {"Standard": ZOHO_DEFAULT, "Channel Partners": ZOHO_DEFAULT})
    return fig, {"duration_checked": dur_checked, "duration_mismatch": dur_bad}, rows


# --------------------------------------------------------------------------------------------


def main():
    result = {}
    notes = {}
    for name, fn in (("hubspot", hubspot), ("salesforce", salesforce), ("pipedrive", pipedrive),
                     ("close", close)):
        result[name], notes[name] = fn()
    result["zoho"], notes["zoho"], zrows = zoho("csv")
    zu, _, urows = zoho("unicode")
    same_rows = zrows == urows
    same_figures = zu == result["zoho"]

    with open(os.path.join(HERE, "check.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, sort_keys=True, indent=2, ensure_ascii=False)
        f.write("\n")

    w = sys.stdout.write
    w("%-10s %-16s %5s %4s %4s %4s %7s %6s\n"
      % ("crm", "pipeline", "deals", "won", "lost", "open", "winrate", "wonIO"))
    for crm in ("hubspot", "salesforce", "pipedrive", "close", "zoho"):
        for p in result[crm]["pipelines"]:
            w("%-10s %-16s %5d %4d %4d %4d %7.4f %6d\n"
              % (crm, p["pipeline"], p["deals"], p["won"], p["lost"], p["open"],
                 p["win_rate"] if p["win_rate"] is not None else float("nan"), p["won_in_order"]))
            for s in p["stages"]:
                w("    %-26s entered %4d  in_order %4d  latest %4d %11d %9s  total %4d %11d %9s"
                  "  untimed %d\n"
                  % (s["stage"], s["entered"], s["reached_in_order"],
                     s["time_latest"]["count"], s["time_latest"]["seconds_sum"],
                     s["time_latest"]["seconds_median"], s["time_total"]["count"],
                     s["time_total"]["seconds_sum"], s["time_total"]["seconds_median"],
                     s["untimed"]))
    w("side checks: %s\n" % json.dumps(notes, sort_keys=True))
    w("zoho deals_unicode.txt: rows identical to deals.csv: %s; figures identical: %s\n"
      % (same_rows, same_figures))
    for m in WARNINGS:
        w("warning: %s\n" % m)
    return 0 if same_figures else 1


if __name__ == "__main__":
    sys.exit(main())
