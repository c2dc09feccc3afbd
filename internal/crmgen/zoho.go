package main

import (
	"strconv"
	"time"
)

// Zoho CRM: a Deals module export and the Deals' Stage History (one row per
// stage a deal entered, with the amount, probability and closing date of
// that moment, how long it stayed and where it moved to), both written the
// way a user with a European locale sees them: dd/MM/yyyy dates, 24-hour
// times in Europe/Berlin without an offset, amounts with '.' grouping and
// ',' decimals. deals_unicode.txt is deals.csv as Excel's "Unicode Text"
// saves it. See FORMATS.md.

var zohoZone = mustZone("Europe/Berlin")

func zohoPopulation() *population {
	return &population{
		zone: zohoZone,
		pipes: []pipeline{
			{name: "Standard", share: 3, won: "Closed Won", lost: []string{"Closed Lost", "Closed Lost to Competition"},
				stages: []stage{
					{name: "Qualification", prob: 10}, {name: "Needs Analysis", prob: 20},
					{name: "Value Proposition", prob: 40}, {name: "Id. Decision Makers", prob: 60},
					{name: "Proposal/Price Quote", prob: 75}, {name: "Negotiation/Review", prob: 90},
				}},
			{name: "Channel Partners", share: 1, won: "Closed Won", lost: []string{"Closed Lost"},
				stages: []stage{
					{name: "Qualification", prob: 10}, {name: "Proposal/Price Quote", prob: 75},
					{name: "Negotiation/Review", prob: 90},
				}},
		},
		n:       320,
		reentry: true,
		edits:   editRates{amount: 0.15, closeDate: 0.2},
		currencies: []currency{
			{code: "EUR", exp: 2, share: 5, min: 800, max: 150000},
			{code: "USD", exp: 2, share: 2, min: 800, max: 150000},
			{code: "GBP", exp: 2, share: 1, min: 600, max: 120000},
			{code: "CHF", exp: 2, share: 1, min: 800, max: 150000},
		},
		owners: []string{"Katrin Vogel", "Mathieu Laurent", "Sofia Esposito", "Jan de Vries", "Marta Nowak"},
		sources: []string{
			"Advertisement", "Cold Call", "Employee Referral", "External Referral", "Partner",
			"Trade Show", "Web Download", "Web Research", "Chat",
		},
		kinds:         []string{"New Business", "Existing Business"},
		lostReasons:   []string{"Price", "Competitor", "No budget", "Requirements not met", "Timing"},
		closeSetsDate: true,
	}
}

func zohoDate(d date) string { return d.time().Format("02/01/2006") }

func zohoTime(t time.Time) string { return t.In(zohoZone).Format("02/01/2006 15:04") }

func zohoMoney(minor int64) string { return grouped(minor, 2, '.', ',') }

func zohoID(seq int) string {
	return "zcrm_" + strconv.FormatInt(5_725_767_000_000_300_000+int64(seq)*37, 10)
}

func zohoFiles(p *population, deals []deal, _ *rng) []fileOut {
	label := func(d *deal, e event) string {
		pl := p.pipes[d.pipe]
		switch e.kind {
		case evWon:
			return pl.won
		case evLost:
			return d.lostLabel
		}
		return pl.stages[e.stage].name
	}
	header := []string{
		"Record Id", "Deal Owner", "Deal Name", "Account Name", "Pipeline", "Stage", "Amount",
		"Currency", "Closing Date", "Probability (%)", "Expected Revenue", "Lead Source", "Type",
		"Reason For Loss", "Created Time", "Modified Time",
	}
	rows := [][]string{header}
	for i := range deals {
		d := &deals[i]
		st := d.last()
		rows = append(rows, []string{
			zohoID(d.seq), d.owner, d.name, d.account, p.pipes[d.pipe].name, label(d, st),
			zohoMoney(st.amount), d.currency.code, zohoDate(st.expect), strconv.Itoa(st.prob),
			zohoMoney(st.amount * int64(st.prob) / 100), d.source, d.kind, d.lostReason,
			zohoTime(d.created), zohoTime(st.at),
		})
	}

	hheader := []string{
		"Record Id", "Deal Name", "Stage", "Amount", "Probability (%)", "Expected Revenue",
		"Closing Date", "Duration (Days)", "Modified Time", "Modified By", "Moved To",
	}
	hrows := [][]string{hheader}
	for i := range deals {
		d := &deals[i]
		// rows for stage entries and the close; field-only saves have none
		var entries []event
		for _, e := range d.events {
			if e.kind == evStage || e.kind == evWon || e.kind == evLost {
				entries = append(entries, e)
			}
		}
		for j, e := range entries {
			days, moved := "", ""
			if j+1 < len(entries) {
				next := entries[j+1]
				days = strconv.Itoa(int(next.at.Sub(e.at) / (24 * time.Hour)))
				moved = label(d, next)
			}
			hrows = append(hrows, []string{
				zohoID(d.seq), d.name, label(d, e), zohoMoney(e.amount), strconv.Itoa(e.prob),
				zohoMoney(e.amount * int64(e.prob) / 100), zohoDate(e.expect), days,
				zohoTime(e.at), e.by, moved,
			})
		}
	}
	csv := csvStyle{sep: ',', crlf: true}
	return []fileOut{
		{"zoho/deals.csv", encode(utf8BOM, writeTable(csv, rows))},
		{"zoho/stage_history.csv", encode(utf8BOM, writeTable(csv, hrows))},
		{"zoho/deals_unicode.txt", encode(utf16LEBOM, writeTable(csvStyle{sep: '\t', crlf: true}, rows))},
	}
}
