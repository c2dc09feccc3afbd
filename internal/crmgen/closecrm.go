package main

import (
	"slices"
	"strconv"
	"time"
)

// Close: an opportunity export (CSV, API field names as columns, the
// export's "original" date format) and the OpportunityStatusChange
// activities as the API lists them, flattened to CSV. Values are integers
// in cents with a value period (one_time, monthly, annual); statuses have a
// type (active, won, lost) and belong to a pipeline. See FORMATS.md.

func closePopulation() *population {
	return &population{
		zone: mustZone("America/Chicago"),
		pipes: []pipeline{
			{name: "Sales", share: 3, won: "Won", lost: []string{"Lost"},
				stages: []stage{
					{name: "Discovery", prob: 10}, {name: "Demo Completed", prob: 30},
					{name: "Proposal Sent", prob: 60}, {name: "Contract Sent", prob: 80},
				}},
			{name: "Expansion", share: 1, won: "Expanded", lost: []string{"Not Expanded"},
				stages: []stage{
					{name: "Expansion Scoping", prob: 20}, {name: "Expansion Proposal", prob: 60},
				}},
		},
		n:       260,
		reentry: true,
		edits:   editRates{amount: 0.15, closeDate: 0.15},
		currencies: []currency{
			{code: "USD", exp: 2, share: 9, min: 100, max: 40000},
			{code: "GBP", exp: 2, share: 1, min: 100, max: 30000},
		},
		periods:       []string{"one_time", "monthly", "annual"},
		owners:        []string{"Ava Moreno", "Ben Carter", "Chloe Nguyen", "Diego Santos"},
		sources:       []string{""},
		kinds:         []string{""},
		lostReasons:   []string{""},
		closeSetsDate: true,
	}
}

// closeExportTime is the export's "original" date format: date, time with
// microseconds, and the UTC offset.
func closeExportTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000-07:00") }

// closeAPITime is the API's own ISO 8601 form.
func closeAPITime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000-07:00") }

func closeFiles(p *population, deals []deal, r *rng) []fileOut {
	leads := make([]string, len(deals))
	oppos := make([]string, len(deals))
	for i := range deals {
		leads[i] = "lead_" + randBase62(r, 43)
		oppos[i] = "oppo_" + randBase62(r, 43)
	}
	label := func(d *deal, e event) (string, string) {
		pl := p.pipes[d.pipe]
		switch e.kind {
		case evWon:
			return pl.won, "won"
		case evLost:
			return pl.lost[0], "lost"
		}
		return pl.stages[e.stage].name, "active"
	}

	header := []string{
		"id", "lead_id", "lead_name", "status_label", "status_type", "pipeline_name", "value",
		"value_currency", "value_period", "confidence", "date_won", "date_lost", "date_created",
		"date_updated", "user_name",
	}
	rows := [][]string{header}
	for i := range deals {
		d := &deals[i]
		st := d.last()
		lab, typ := label(d, st)
		dateWon, dateLost := pdDate(st.expect), "" // an active opportunity's date_won is its expected close
		if d.outcome == lost {
			dateWon, dateLost = "", pdDate(st.expect)
		}
		rows = append(rows, []string{
			oppos[i], leads[i], d.account, lab, typ, p.pipes[d.pipe].name,
			strconv.FormatInt(st.amount, 10), d.currency.code, d.period, strconv.Itoa(st.prob),
			dateWon, dateLost, closeExportTime(d.created), closeExportTime(st.at), d.owner,
		})
	}
	opps := writeTable(csvStyle{sep: ','}, rows)

	type change struct {
		at  time.Time
		row []string
	}
	var changes []change
	for i := range deals {
		d := &deals[i]
		for j := 1; j < len(d.events); j++ {
			prev, e := d.events[j-1], d.events[j]
			if e.kind != evStage && e.kind != evWon && e.kind != evLost {
				continue
			}
			ol, ot := label(d, prev)
			nl, nt := label(d, e)
			changes = append(changes, change{e.at, []string{
				"acti_" + randBase62(r, 43), closeAPITime(e.at), leads[i], oppos[i],
				ol, ot, nl, nt, d.owner,
			}})
		}
	}
	// the activity API lists newest first; ties keep the deal order
	slices.SortStableFunc(changes, func(a, b change) int { return b.at.Compare(a.at) })
	crows := [][]string{{
		"id", "date_created", "lead_id", "opportunity_id", "old_status_label", "old_status_type",
		"new_status_label", "new_status_type", "created_by_name",
	}}
	for _, c := range changes {
		crows = append(crows, c.row)
	}
	return []fileOut{
		{"close/opportunities.csv", encode(utf8Plain, opps)},
		{"close/opportunity_status_changes.csv", encode(utf8Plain, writeTable(csvStyle{sep: ','}, crows))},
	}
}
