package main

import (
	"encoding/json"
	"slices"
	"time"
)

// truth is the ground truth of one sample, computed from the generator's
// model of each deal (never from the exported files). PROVENANCE.md in
// testdata/crm defines every field.
type truth struct {
	CRM        string          `json:"crm"`
	Seed       uint64          `json:"seed"`
	ExportTime string          `json:"export_time_utc"`
	Deals      int             `json:"deals"`
	Pipelines  []pipelineTruth `json:"pipelines"`
}

type pipelineTruth struct {
	Pipeline   string       `json:"pipeline"`
	Deals      int          `json:"deals"`
	Won        int          `json:"won"`
	Lost       int          `json:"lost"`
	Open       int          `json:"open"`
	WonInOrder int          `json:"won_in_order"`
	Stages     []stageTruth `json:"stages"`
}

type stageTruth struct {
	Stage          string  `json:"stage"`
	Entered        int     `json:"entered"`
	EnteredInOrder int     `json:"entered_in_order"`
	TimedVisits    int     `json:"timed_visits"`
	SecondsSum     int64   `json:"seconds_sum"`
	SecondsMedian  float64 `json:"seconds_median"`
}

// visit is one stay of a deal in an open stage.
type visit struct {
	stage      int
	start, end time.Time // end is zero while the deal is still in the stage
}

// visits returns the deal's stays in open stages, in order. A stay begins at
// an entry into the stage (the first at creation) and ends at the deal's
// next stage entry or at its close (won or lost); field-only saves do not
// end it. The stay an open deal is in when exported has no end.
func (d *deal) visits() []visit {
	var out []visit
	for _, e := range d.events {
		switch e.kind {
		case evStage:
			if n := len(out); n > 0 && out[n-1].end.IsZero() {
				out[n-1].end = e.at
			}
			out = append(out, visit{stage: e.stage, start: e.at})
		case evWon, evLost:
			out[len(out)-1].end = e.at
		}
	}
	return out
}

// firstEntries returns, per stage, the time of the deal's first entry into
// it (zero if it never entered).
func (d *deal) firstEntries(nStages int) []time.Time {
	first := make([]time.Time, nStages)
	for _, v := range d.visits() {
		if first[v.stage].IsZero() {
			first[v.stage] = v.start
		}
	}
	return first
}

// inOrderThrough reports whether the deal entered stages 0..k and its first
// entries into them strictly increase in stage order.
func inOrderThrough(first []time.Time, k int) bool {
	for j := 0; j <= k; j++ {
		if first[j].IsZero() || (j > 0 && !first[j].After(first[j-1])) {
			return false
		}
	}
	return true
}

func computeTruth(crm string, seed uint64, p *population, deals []deal) truth {
	t := truth{CRM: crm, Seed: seed, ExportTime: exportTime.Format(time.RFC3339), Deals: len(deals)}
	for pi, pl := range p.pipes {
		pt := pipelineTruth{Pipeline: pl.name}
		n := len(pl.stages)
		durations := make([][]int64, n)
		stages := make([]stageTruth, n)
		for k, s := range pl.stages {
			stages[k].Stage = s.name
		}
		for i := range deals {
			d := &deals[i]
			if d.pipe != pi {
				continue
			}
			pt.Deals++
			first := d.firstEntries(n)
			switch d.outcome {
			case won:
				pt.Won++
				if inOrderThrough(first, n-1) {
					pt.WonInOrder++
				}
			case lost:
				pt.Lost++
			default:
				pt.Open++
			}
			for k := range n {
				if !first[k].IsZero() {
					stages[k].Entered++
				}
				if inOrderThrough(first, k) {
					stages[k].EnteredInOrder++
				}
			}
			for _, v := range d.visits() {
				if v.end.IsZero() {
					continue
				}
				durations[v.stage] = append(durations[v.stage], int64(v.end.Sub(v.start)/time.Second))
			}
		}
		for k := range n {
			ds := durations[k]
			stages[k].TimedVisits = len(ds)
			for _, x := range ds {
				stages[k].SecondsSum += x
			}
			stages[k].SecondsMedian = median(ds)
		}
		pt.Stages = stages
		t.Pipelines = append(t.Pipelines, pt)
	}
	return t
}

// median is the middle value of xs, or the mean of the two middle values
// when len(xs) is even; 0 for no values.
func median(xs []int64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return float64(s[m])
	}
	return float64(s[m-1]+s[m]) / 2
}

func (t truth) marshal() []byte {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		panic(err) // plain structs of strings and numbers
	}
	return append(b, '\n')
}
