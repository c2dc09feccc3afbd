#!/usr/bin/env python3
"""Counts what reading each CRM sample should report, from the raw files.

An independent route to the figures that csvimport's read reports give for
the samples (written from the reading rules as csvimport's documentation
states them, with Python's csv module, not from the Go code):

  - per deals file: data rows (footer rows excluded), rows per pipeline,
    the record count a footer states, and three notes: deals without stage
    rows in the history (they entered their stage when created), closed
    deals whose stage column names a closed status (Close), and amounts
    per period other than one_time (Close);
  - per history file: rows, stage entries, closes, rows that repeat the
    deal's stage (saves of other fields), field changes per field (each
    deal's first recorded value included) and rows of fields not read.

History rule: each deal's rows are sorted by time (stably); a row whose
stage (or status type) is a won or lost value closes the deal, unless it is
already closed that way; another stage is an entry when it differs from the
previous row's or the deal was closed; the same stage again is a save of
other fields. The FromStage of a deal's first stage row, when it is set and
differs, is one more entry (the stage the deal was created in).

Run from the repository root:

    python3 testdata/crm/read_counts.py > testdata/crm/read_counts.json

TestReadCounts (csvimport) compares the read reports with read_counts.json.
"""

import csv
import json
import os
import sys
from datetime import datetime
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))


def rows_of(path, encoding, footer=None):
    with open(os.path.join(HERE, path), encoding=encoding, newline="") as f:
        rows = [r for r in csv.reader(f) if any(c.strip() for c in r)]
    header = [h.strip() for h in rows[0]]
    data, foot = [], []
    for r in rows[1:]:
        if foot or (footer and r and r[0].startswith(footer)):
            foot.append(r)
            continue
        data.append(dict(zip(header, r)))
    count = None
    if foot:
        first = foot[0][0]
        if "(" in first and "records)" in first:
            count = int(first.split("(")[1].split()[0])
    return data, count


def money(s):
    s = s.replace("$", "").replace(",", "").strip()
    return Decimal(s) if s else None


def eu_money(s):
    s = s.replace(".", "").replace(",", ".").strip()
    return Decimal(s) if s else None


def history_counts(rows, key, at, stage, won, lost, from_stage=None, status_type=None,
                   snapshot=None, field=None, fields=None):
    """snapshot: {name: (column, parse)}; field/fields: one field per row."""
    per = {}
    for i, r in enumerate(rows):
        per.setdefault(r[key], []).append((at(r), i, r))
    entries = closes = unchanged = 0
    changes, other = {}, {}
    for deal, lst in per.items():
        lst.sort(key=lambda x: (x[0], x[1]))
        prev, closed, first, last_close = None, False, True, None
        last_values = {}
        for _, _, r in lst:
            kind = None  # stage row: the stage; "won"/"lost"
            if field is not None:
                fk = r[field]
                what = fields.get(fk)
                if what == "stage":
                    kind = r[stage]
                elif what == "status":
                    v = r["new_value"].lower()
                    kind = v if v in ("won", "lost") else "open"
                elif what is None:
                    other[fk] = other.get(fk, 0) + 1
                elif r["new_value"] != "":
                    changes[what] = changes.get(what, 0) + 1
            else:
                kind = r[stage]
                if status_type and r[status_type] in ("won", "lost"):
                    kind = r[status_type]
                for name, (col, parse) in snapshot.items():
                    v = parse(r[col]) if r[col] != "" else None
                    if v is None:
                        continue
                    if name not in last_values or last_values[name] != v:
                        changes[name] = changes.get(name, 0) + 1
                        last_values[name] = v
            if kind is None:
                continue
            outcome = "won" if kind in won else "lost" if kind in lost else None
            if kind == "open":
                if closed and prev is not None:
                    entries += 1
                    closed = False
                continue
            fr = r[from_stage] if from_stage else ""
            if first and fr and fr not in won and fr not in lost and (outcome is not None or fr != kind):
                entries += 1
                prev = fr
                first = False
            if outcome is not None:
                if closed and last_close == outcome:
                    unchanged += 1
                    continue
                closes += 1
                closed, last_close = True, outcome
                continue
            first = False
            if kind == prev and not closed:
                unchanged += 1
                continue
            entries += 1
            prev, closed = kind, False
    return {
        "entries": entries, "closes": closes, "unchanged": unchanged,
        "field_changes": [{"reason": k, "count": v} for k, v in sorted(changes.items(), key=lambda x: (-x[1], x[0]))],
        "other_fields": [{"reason": k, "count": v} for k, v in sorted(other.items(), key=lambda x: (-x[1], x[0]))],
    }, per


def deals_counts(rows, pipeline_col, footer_count):
    per = {}
    for r in rows:
        per[r[pipeline_col]] = per.get(r[pipeline_col], 0) + 1
    out = {
        "rows": len(rows),
        "pipelines": [{"reason": k, "count": v} for k, v in sorted(per.items())],
        "footer_records": footer_count,
    }
    return out


def main():
    result = {}

    # HubSpot: no history file
    rows, fc = rows_of("hubspot/deals.csv", "utf-8")
    result["hubspot"] = {"deals": deals_counts(rows, "Pipeline", fc)}

    # Salesforce: snapshot rows, Windows-1252, footers
    rows, fc = rows_of("salesforce/opportunities.csv", "cp1252", "Grand Totals")
    hrows, hfc = rows_of("salesforce/opportunity_history.csv", "cp1252", "Grand Totals")
    sf_time = lambda r: datetime.strptime(r["Last Modified"], "%m/%d/%Y %I:%M %p")
    sf_date = lambda s: datetime.strptime(s, "%m/%d/%Y")
    counts, _ = history_counts(hrows, "Opportunity ID", sf_time, "Stage", {"Closed Won"}, {"Closed Lost"},
                               from_stage="From Stage",
                               snapshot={"amount": ("Amount", money), "probability": ("Probability (%)", Decimal),
                                         "expected_close": ("Close Date", sf_date)})
    result["salesforce"] = {"deals": deals_counts(rows, "Opportunity Record Type", fc),
                            "history": dict(rows=len(hrows), footer_records=hfc, **counts)}

    # Pipedrive: one field per row, newest first
    rows, fc = rows_of("pipedrive/deals.csv", "utf-8-sig")
    hrows, _ = rows_of("pipedrive/deal_flow.csv", "utf-8")
    pd_time = lambda r: datetime.strptime(r["log_time"], "%Y-%m-%d %H:%M:%S")
    counts, per = history_counts(hrows, "item_id", pd_time, "new_value_formatted", {"won"}, {"lost"},
                                 from_stage="old_value_formatted", field="field_key",
                                 fields={"stage_id": "stage", "status": "status", "value": "amount",
                                         "expected_close_date": "expected_close"})
    with_stage = {d for d, lst in per.items() if any(r["field_key"] == "stage_id" for _, _, r in lst)}
    d = deals_counts(rows, "Deal - Pipeline", fc)
    d["no_stage_rows"] = sum(1 for r in rows if r["Deal - ID"] not in with_stage)
    result["pipedrive"] = {"deals": d, "history": dict(rows=len(hrows), footer_records=None, **counts)}

    # Close: status changes, status type as the outcome
    rows, fc = rows_of("close/opportunities.csv", "utf-8")
    hrows, _ = rows_of("close/opportunity_status_changes.csv", "utf-8")
    cl_time = lambda r: datetime.fromisoformat(r["date_created"])
    counts, per = history_counts(hrows, "opportunity_id", cl_time, "new_status_label", {"won"}, {"lost"},
                                 from_stage="old_status_label", status_type="new_status_type", snapshot={})
    d = deals_counts(rows, "pipeline_name", fc)
    d["no_stage_rows"] = sum(1 for r in rows if r["id"] not in per)
    d["closed_status_in_stage"] = sum(1 for r in rows if r["status_type"] in ("won", "lost"))
    d["periods"] = {p: sum(1 for r in rows if r["value_period"] == p) for p in ("monthly", "annual")}
    result["close"] = {"deals": d, "history": dict(rows=len(hrows), footer_records=None, **counts)}

    # Zoho: a row per stage entered, European numbers
    rows, fc = rows_of("zoho/deals.csv", "utf-8-sig")
    hrows, _ = rows_of("zoho/stage_history.csv", "utf-8-sig")
    zo_time = lambda r: datetime.strptime(r["Modified Time"], "%d/%m/%Y %H:%M")
    zo_date = lambda s: datetime.strptime(s, "%d/%m/%Y")
    counts, _ = history_counts(hrows, "Record Id", zo_time, "Stage", {"Closed Won"},
                               {"Closed Lost", "Closed Lost to Competition"},
                               snapshot={"amount": ("Amount", eu_money), "probability": ("Probability (%)", Decimal),
                                         "expected_close": ("Closing Date", zo_date)})
    result["zoho"] = {"deals": deals_counts(rows, "Pipeline", fc),
                      "history": dict(rows=len(hrows), footer_records=None, **counts)}

    json.dump(result, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
