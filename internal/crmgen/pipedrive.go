package main

import (
	"strconv"
	"time"
)

// Pipedrive: the deals spreadsheet export ("Deal - <field>" columns, status
// Open/Won/Lost in its own column, won and lost times apart) and the deals'
// change log as the /v1/deals/{id}/flow API returns it, flattened to CSV:
// one row per dealChange, newest first, stage changes among value, expected
// close date, status and lost reason changes. See FORMATS.md.

func pipedrivePopulation() *population {
	return &population{
		zone: mustZone("Europe/London"),
		pipes: []pipeline{
			{name: "Sales pipeline", id: 1, share: 3, won: "Won", lost: []string{"Lost"},
				stages: []stage{
					{name: "Qualified", prob: 10, id: 1}, {name: "Contact Made", prob: 20, id: 2},
					{name: "Demo Scheduled", prob: 40, id: 3}, {name: "Proposal Made", prob: 60, id: 4},
					{name: "Negotiations Started", prob: 80, id: 5},
				}},
			{name: "Partnerships", id: 2, share: 1, won: "Won", lost: []string{"Lost"},
				stages: []stage{
					{name: "Qualified", prob: 10, id: 6}, {name: "Contact Made", prob: 20, id: 7},
					{name: "Proposal Made", prob: 60, id: 8}, {name: "Negotiations Started", prob: 80, id: 9},
				}},
		},
		n:       380,
		reentry: true,
		edits:   editRates{amount: 0.25, closeDate: 0.25},
		currencies: []currency{
			{code: "EUR", exp: 2, share: 4, min: 500, max: 80000},
			{code: "USD", exp: 2, share: 3, min: 500, max: 90000},
			{code: "GBP", exp: 2, share: 2, min: 400, max: 60000},
			{code: "SEK", exp: 2, share: 1, min: 5000, max: 800000},
			{code: "JPY", exp: 0, share: 1, min: 80000, max: 12000000},
		},
		owners:      []string{"Liis Tamm", "Oskar Berg", "Hannah Schmidt", "Luca Romano", "Aoife Byrne"},
		sources:     []string{""},
		kinds:       []string{""},
		lostReasons: []string{"Price too high", "Competitor", "No budget", "Unresponsive", "Timing"},
	}
}

func pdTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

func pdDate(d date) string { return d.time().Format("2006-01-02") }

func pipedriveFiles(p *population, deals []deal, r *rng) []fileOut {
	header := []string{
		"Deal - ID", "Deal - Title", "Deal - Organization", "Deal - Owner", "Deal - Value",
		"Deal - Currency of Value", "Deal - Pipeline", "Deal - Stage", "Deal - Status",
		"Deal - Deal created", "Deal - Expected close date", "Deal - Won time", "Deal - Lost time",
		"Deal - Deal closed on", "Deal - Lost reason",
	}
	rows := [][]string{header}
	id := func(d *deal) string { return strconv.Itoa(1001 + d.seq) }
	for i := range deals {
		d := &deals[i]
		pl := p.pipes[d.pipe]
		st := d.last()
		status, wonAt, lostAt, closedAt := "Open", "", "", ""
		switch d.outcome {
		case won:
			status, wonAt, closedAt = "Won", pdTime(d.closed), pdTime(d.closed)
		case lost:
			status, lostAt, closedAt = "Lost", pdTime(d.closed), pdTime(d.closed)
		}
		rows = append(rows, []string{
			id(d), d.name, d.account, d.owner, decimal(st.amount, d.currency.exp, true), d.currency.code,
			pl.name, pl.stages[st.stage].name, status, pdTime(d.created), pdDate(st.expect),
			wonAt, lostAt, closedAt, d.lostReason,
		})
	}
	deal := writeTable(csvStyle{sep: ','}, rows)

	fheader := []string{
		"id", "item_id", "log_time", "field_key", "old_value", "new_value",
		"old_value_formatted", "new_value_formatted", "change_source",
	}
	frows := [][]string{fheader}
	change := 500_000
	for i := range deals {
		d := &deals[i]
		pl := p.pipes[d.pipe]
		var out [][]string
		add := func(at time.Time, key, old, nw, oldF, newF string) {
			change += 1 + r.intN(40)
			src := "app"
			if r.chance(0.15) {
				src = "api"
			}
			out = append(out, []string{strconv.Itoa(change), id(d), pdTime(at), key, old, nw, oldF, newF, src})
		}
		for j := 1; j < len(d.events); j++ {
			prev, e := d.events[j-1], d.events[j]
			switch e.kind {
			case evStage:
				a, b := pl.stages[prev.stage], pl.stages[e.stage]
				add(e.at, "stage_id", strconv.Itoa(a.id), strconv.Itoa(b.id), a.name, b.name)
				if e.amount != prev.amount {
					add(e.at, "value", decimal(prev.amount, d.currency.exp, true), decimal(e.amount, d.currency.exp, true), "", "")
				}
			case evAmount:
				add(e.at, "value", decimal(prev.amount, d.currency.exp, true), decimal(e.amount, d.currency.exp, true), "", "")
			case evCloseDate:
				add(e.at, "expected_close_date", pdDate(prev.expect), pdDate(e.expect), "", "")
			case evWon:
				add(e.at, "status", "open", "won", "", "")
			case evLost:
				add(e.at, "status", "open", "lost", "", "")
				add(e.at, "lost_reason", "", d.lostReason, "", "")
			}
		}
		// the flow endpoint lists a deal's updates newest first
		for j := len(out) - 1; j >= 0; j-- {
			frows = append(frows, out[j])
		}
	}
	flow := writeTable(csvStyle{sep: ','}, frows)
	return []fileOut{
		{"pipedrive/deals.csv", encode(utf8BOM, deal)},
		{"pipedrive/deal_flow.csv", encode(utf8Plain, flow)},
	}
}
