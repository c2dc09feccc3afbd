package main

import (
	"slices"
	"strconv"
	"time"
)

// HubSpot: a deals export of all properties, with the stage history in the
// wide "Date entered / Date exited / Cumulative time in" columns HubSpot
// keeps per stage and pipeline. See FORMATS.md, section HubSpot.

var hubspotZone = mustZone("America/New_York")

func hubspotPopulation() *population {
	return &population{
		zone: hubspotZone,
		pipes: []pipeline{
			{name: "Sales Pipeline", share: 2, won: "Closed Won", lost: []string{"Closed Lost"},
				stages: []stage{
					{name: "Appointment Scheduled", prob: 20}, {name: "Qualified To Buy", prob: 40},
					{name: "Presentation Scheduled", prob: 60}, {name: "Decision Maker Bought-In", prob: 80},
					{name: "Contract Sent", prob: 90},
				}},
			{name: "Renewals", share: 1, won: "Closed Won", lost: []string{"Closed Lost"},
				stages: []stage{
					{name: "Renewal Upcoming", prob: 30}, {name: "Qualified To Buy", prob: 50},
					{name: "Contract Sent", prob: 90},
				}},
		},
		n:          300,
		reentry:    false, // the wide form keeps one entry per stage: see FORMATS.md
		currencies: []currency{{code: "USD", exp: 2, share: 1, min: 1500, max: 120000}},
		owners:     []string{"Maya Patel", "Jordan Lee", "Chris Okafor", "Priya Raman", "Sam Whitaker", "Elena Brooks"},
		sources: []string{
			"Organic Search", "Paid Search", "Email Marketing", "Social Media", "Referrals",
			"Direct Traffic", "Offline Sources", "Paid Social",
		},
		kinds:         []string{"New Business", "Existing Business"},
		lostReasons:   []string{"Price", "Competitor", "No decision", "Timing", "Went dark"},
		closeSetsDate: true,
	}
}

func hubspotTime(t time.Time) string { return t.In(hubspotZone).Format("2006-01-02 15:04") }

func hubspotFiles(p *population, deals []deal, _ *rng) []fileOut {
	type wideCol struct {
		label       string
		kind        int // 0 entered, 1 exited, 2 cumulative
		pipe, stage int // stage: index into open stages, or -1 won, -2 lost
	}
	var wide []wideCol
	for pi, pl := range p.pipes {
		labels := make([]string, 0, len(pl.stages)+2)
		for _, s := range pl.stages {
			labels = append(labels, s.name)
		}
		labels = append(labels, pl.won, pl.lost[0])
		for si, l := range labels {
			st := si
			switch si {
			case len(pl.stages):
				st = -1
			case len(pl.stages) + 1:
				st = -2
			}
			q := `"` + l + " (" + pl.name + `)"`
			wide = append(wide,
				wideCol{"Date entered " + q, 0, pi, st},
				wideCol{"Date exited " + q, 1, pi, st},
				wideCol{"Cumulative time in " + q, 2, pi, st})
		}
	}
	// an all-properties export lists properties by label, not by stage order
	slices.SortStableFunc(wide, func(a, b wideCol) int {
		switch {
		case a.label < b.label:
			return -1
		case a.label > b.label:
			return 1
		}
		return 0
	})

	header := []string{
		"Record ID", "Deal Name", "Pipeline", "Deal Stage", "Amount", "Close Date",
		"Create Date", "Deal owner", "Deal Type", "Original Source Type", "Closed Lost Reason",
		"Is Closed Won",
	}
	for _, w := range wide {
		header = append(header, w.label)
	}
	rows := [][]string{header}
	for i := range deals {
		d := &deals[i]
		pl := p.pipes[d.pipe]
		st := d.last()
		stageLabel := pl.stages[st.stage].name
		closeDate := time.Date(st.expect.y, st.expect.m, st.expect.d, 0, 0, 0, 0, hubspotZone)
		switch d.outcome {
		case won:
			stageLabel, closeDate = pl.won, d.closed
		case lost:
			stageLabel, closeDate = pl.lost[0], d.closed
		}
		row := []string{
			strconv.Itoa(17_000_000_000 + d.seq*7919 + 1000),
			d.name, pl.name, stageLabel, decimal(st.amount, d.currency.exp, true),
			hubspotTime(closeDate), hubspotTime(d.created), d.owner, d.kind, d.source,
			d.lostReason, strconv.FormatBool(d.outcome == won),
		}
		vs := d.visits() // at most one per stage: HubSpot samples never re-enter a stage
		for _, w := range wide {
			cell := ""
			if w.pipe == d.pipe {
				switch {
				case w.stage >= 0:
					for _, v := range vs {
						if v.stage != w.stage {
							continue
						}
						switch w.kind {
						case 0:
							cell = hubspotTime(v.start)
						case 1:
							if !v.end.IsZero() {
								cell = hubspotTime(v.end)
							}
						case 2:
							if !v.end.IsZero() {
								cell = strconv.FormatInt(int64(v.end.Sub(v.start)/time.Second), 10)
							}
						}
					}
				case w.kind == 0 && ((w.stage == -1 && d.outcome == won) || (w.stage == -2 && d.outcome == lost)):
					cell = hubspotTime(d.closed)
				}
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
	}
	return []fileOut{{"hubspot/deals.csv", encode(utf8Plain, writeTable(csvStyle{sep: ',', crlf: true}, rows))}}
}
