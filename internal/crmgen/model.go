package main

import (
	"math"
	"slices"
	"time"
)

// The generator's own model of a deal. Every export and every truth.json is
// written from these values; nothing is ever read back from a CSV file.

// outcome is how a deal ends.
type outcome int

const (
	open outcome = iota
	won
	lost
)

// stage is an open (not yet won or lost) stage of a pipeline.
type stage struct {
	name string
	prob int // default probability in percent
	id   int // numeric id where the CRM has one (Pipedrive stage_id)
}

// pipeline is one funnel: its open stages in order and the labels that
// mean won and lost (stages in HubSpot, Salesforce and Zoho; statuses in
// Close; Pipedrive keeps the outcome in a status column instead).
type pipeline struct {
	name   string
	id     int
	stages []stage
	won    string
	lost   []string // lost[0] is the usual lost label
	share  int      // relative share of the deals
}

// evKind is what an event records.
type evKind int

const (
	evStage     evKind = iota // the deal enters stages[stage]
	evAmount                  // the amount changes, nothing else
	evCloseDate               // the expected close date changes, nothing else
	evProb                    // the probability is overridden, nothing else
	evWon                     // the deal is won (its last event)
	evLost                    // the deal is lost (its last event)
)

// date is a calendar date with no time zone.
type date struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time, loc *time.Location) date {
	y, m, d := t.In(loc).Date()
	return date{y, m, d}
}

func (d date) addDays(n int) date {
	t := time.Date(d.y, d.m, d.d+n, 12, 0, 0, 0, time.UTC)
	return date{t.Year(), t.Month(), t.Day()}
}

func (d date) time() time.Time { return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, time.UTC) }

// event is one change to a deal, with the deal's fields as they are just
// after it. Times are UTC and whole minutes, and strictly increase within a
// deal, so no two events of one deal share a timestamp in any export.
type event struct {
	at     time.Time
	kind   evKind
	stage  int   // stage index after the event
	amount int64 // amount after the event, in minor units of the deal's currency
	expect date  // (expected) close date after the event
	prob   int   // probability after the event
	by     string
}

// deal is one generated deal.
type deal struct {
	seq        int
	pipe       int
	account    string
	name       string
	owner      string
	source     string
	kind       string // New Business / Existing Business and the like
	currency   currency
	period     string // Close's value_period
	created    time.Time
	events     []event // events[0] is the entry into the first stage at created
	outcome    outcome
	closed     time.Time // won or lost time (zero while open)
	lostReason string
	lostLabel  string // which lost stage or status (Zoho has two)
}

// last returns the deal's state after its last event.
func (d *deal) last() event { return d.events[len(d.events)-1] }

// currency is a currency a population draws amounts in.
type currency struct {
	code     string
	exp      int   // digits of the minor unit: 2 for EUR, 0 for JPY
	share    int   // relative share of the deals
	min, max int64 // range of initial amounts, in major units
}

func (c currency) unit() int64 { return int64(math.Pow10(c.exp)) }

// editRates are the chances, per interval between two stage events, that
// the deal gets an amount-only, close-date-only or probability-only save.
type editRates struct{ amount, closeDate, prob float64 }

// population describes the deals of one CRM sample.
type population struct {
	zone          *time.Location // the sales team's zone: business hours and calendar dates
	pipes         []pipeline
	n             int
	reentry       bool // false: a deal never enters the same stage twice
	edits         editRates
	currencies    []currency
	periods       []string // Close value periods, drawn uniformly; nil for none
	owners        []string
	sources       []string
	kinds         []string
	lostReasons   []string
	closeSetsDate bool // closing moves the close date to the day of closing
	editors       []string
}

var (
	createdFrom = time.Date(2024, time.January, 2, 0, 0, 0, 0, time.UTC)
	createdDays = 415 // creation dates run from createdFrom to mid-February 2025
	// exportTime is when every sample was "exported": events after it have
	// not happened, so those deals are open.
	exportTime = time.Date(2025, time.March, 1, 12, 0, 0, 0, time.UTC)
)

// simulate generates the population's deals, numbered in creation order.
// Each deal has its own forked generator, so the draws of one deal never
// shift those of the next.
func simulate(p *population, r *rng) []deal {
	deals := make([]deal, p.n)
	for i := range deals {
		deals[i] = simDeal(p, i, r.fork())
	}
	// number the deals in creation order, as a CRM assigns its ids
	slices.SortStableFunc(deals, func(a, b deal) int { return a.created.Compare(b.created) })
	for i := range deals {
		deals[i].seq = i
	}
	return deals
}

// businessTime returns a moment on local date d at a working hour
// (08:00-17:59 in the team's zone), moved past weekends. Working hours keep
// every local time away from the night-time daylight-saving changes, so an
// export that writes local times without an offset is never ambiguous.
func businessTime(d date, loc *time.Location, r *rng) time.Time {
	t := time.Date(d.y, d.m, d.d, 12, 0, 0, 0, loc)
	for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
		t = t.AddDate(0, 0, 1)
	}
	y, m, dd := t.Date()
	return time.Date(y, m, dd, r.between(8, 17), r.intN(60), 0, 0, loc).UTC()
}

// between returns a working-hours moment strictly between a and b, or
// false when three tries find none.
func businessBetween(a, b time.Time, loc *time.Location, r *rng) (time.Time, bool) {
	da, db := dateOf(a, loc), dateOf(b, loc)
	days := int(db.time().Sub(da.time()).Hours() / 24)
	for range 3 {
		t := businessTime(da.addDays(r.between(0, days)), loc, r)
		if t.After(a) && t.Before(b) {
			return t, true
		}
	}
	return time.Time{}, false
}

func pickShare[T any](r *rng, xs []T, share func(T) int) T {
	total := 0
	for _, x := range xs {
		total += share(x)
	}
	k := r.intN(total)
	for _, x := range xs {
		if k < share(x) {
			return x
		}
		k -= share(x)
	}
	return xs[len(xs)-1]
}

func simDeal(p *population, seq int, r *rng) deal {
	pi := 0
	{
		idx := make([]int, len(p.pipes))
		for i := range idx {
			idx[i] = i
		}
		pi = pickShare(r, idx, func(i int) int { return p.pipes[i].share })
	}
	pl := p.pipes[pi]
	cur := pickShare(r, p.currencies, func(c currency) int { return c.share })
	d := deal{
		seq: seq, pipe: pi, currency: cur,
		owner:  pick(r, p.owners),
		source: pick(r, p.sources),
		kind:   pick(r, p.kinds),
	}
	if p.periods != nil {
		d.period = pick(r, p.periods)
	}
	d.account = accountName(r)
	d.name = d.account + " - " + pick(r, products)
	d.created = businessTime(dateOf(createdFrom, p.zone).addDays(r.intN(createdDays)), p.zone, r)

	// initial amount: log-uniform between min and max, rounded to 50 major
	// units, with cents on some deals
	lo, hi := math.Log(float64(cur.min)), math.Log(float64(cur.max))
	major := int64(math.Exp(lo+r.float()*(hi-lo))/50+0.5) * 50
	if major < 50 {
		major = 50
	}
	amount := major * cur.unit()
	if cur.exp > 0 && r.chance(0.2) {
		amount += int64(r.intN(int(cur.unit())))
	}

	start := 0
	if len(pl.stages) > 2 && r.chance(0.08) {
		start = 1 // created straight into the second stage: the first is skipped
	}
	ev := event{
		at: d.created, kind: evStage, stage: start, amount: amount,
		expect: dateOf(d.created, p.zone).addDays(r.between(30, 100)),
		prob:   pl.stages[start].prob, by: d.owner,
	}
	d.events = append(d.events, ev)
	visited := map[int]bool{start: true}
	at := d.created

	for step := 0; step < 14; step++ {
		gap := 1 + r.intN(18)
		if r.chance(0.35) {
			gap += r.intN(40)
		}
		next := businessTime(dateOf(at, p.zone).addDays(gap), p.zone, r)
		if !next.Before(exportTime) {
			break // still open when exported
		}
		d.events = append(d.events, edits(p, &d, at, next, r)...)

		st := d.last()
		i, n := st.stage, len(pl.stages)
		var kind evKind
		target := i
		u := r.float()
		if i == n-1 { // the last open stage: win, lose or go back
			switch {
			case u < 0.55:
				kind = evWon
			case u < 0.85:
				kind = evLost
			default:
				kind, target = evStage, back(p, visited, i)
			}
		} else {
			switch {
			case u < 0.60:
				kind, target = evStage, i+1
			case u < 0.67: // skips a stage
				kind, target = evStage, min(i+2, n-1)
			case u < 0.81:
				kind = evLost
			case u < 0.85: // won early: the later stages are skipped
				kind = evWon
			case u < 0.93:
				kind, target = evStage, back(p, visited, i)
			default:
				kind, target = evStage, i+1
			}
		}
		if kind == evStage && target < 0 { // nowhere to go back to: move on
			target = i + 1
		}
		if kind == evStage && !p.reentry {
			// never enter a stage twice: go on to the next stage not yet entered
			for target < n && target > i && visited[target] {
				target++
			}
		}
		if kind == evStage && target >= n { // past the last stage: the deal is won
			kind = evWon
		}

		ev := st
		ev.at, ev.kind, ev.by = next, kind, d.owner
		switch kind {
		case evStage:
			ev.stage = target
			ev.prob = pl.stages[target].prob
			if r.chance(0.1) { // a stage change saved together with a new amount
				ev.amount = newAmount(ev.amount, cur, r)
			}
			visited[target] = true
		case evWon, evLost:
			d.closed = next
			if kind == evWon {
				d.outcome, ev.prob = won, 100
			} else {
				d.outcome, ev.prob = lost, 0
				d.lostReason = pick(r, p.lostReasons)
				d.lostLabel = pl.lost[0]
				if len(pl.lost) > 1 && d.lostReason == "Competitor" {
					d.lostLabel = pl.lost[1]
				}
			}
			if p.closeSetsDate {
				ev.expect = dateOf(next, p.zone)
			}
		}
		d.events = append(d.events, ev)
		at = next
		if kind == evWon || kind == evLost {
			break
		}
	}
	return d
}

// back returns the stage a backward move from i goes to, or -1. With
// re-entries allowed it is the previous stage; without, the nearest earlier
// stage the deal has never entered (a stage it skipped).
func back(p *population, visited map[int]bool, i int) int {
	if i == 0 {
		return -1
	}
	if p.reentry {
		return i - 1
	}
	for j := i - 1; j >= 0; j-- {
		if !visited[j] {
			return j
		}
	}
	return -1
}

// edits returns the field-only saves between two stage events, in order.
func edits(p *population, d *deal, a, b time.Time, r *rng) []event {
	var out []event
	st := d.last()
	try := func(rate float64, kind evKind) {
		if rate == 0 || !r.chance(rate) {
			return
		}
		t, ok := businessBetween(a, b, p.zone, r)
		if !ok {
			return
		}
		for _, e := range out {
			if e.at.Equal(t) {
				return
			}
		}
		out = append(out, event{at: t, kind: kind})
	}
	try(p.edits.amount, evAmount)
	try(p.edits.closeDate, evCloseDate)
	try(p.edits.prob, evProb)
	// order by time, then fill in the state each save leaves
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].at.Before(out[j-1].at); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	for i := range out {
		e := st
		e.at, e.kind = out[i].at, out[i].kind
		e.by = d.owner
		if len(p.editors) > 0 && r.chance(0.3) {
			e.by = pick(r, p.editors)
		}
		switch e.kind {
		case evAmount:
			e.amount = newAmount(e.amount, d.currency, r)
		case evCloseDate:
			e.expect = e.expect.addDays(r.between(7, 45))
		case evProb:
			e.prob = min(95, max(5, e.prob+pick(r, []int{-10, -5, 5, 10})))
		}
		out[i] = e
		st = e
	}
	return out
}

// newAmount returns a changed amount: 70% to 140% of a, in whole tens of
// major units, never equal to a and never below 50 major units.
func newAmount(a int64, c currency, r *rng) int64 {
	u := c.unit() * 10
	for {
		f := 0.7 + 0.7*r.float()
		n := int64(float64(a)*f/float64(u)+0.5) * u
		if n < 50*c.unit() {
			n = 50 * c.unit()
		}
		if n != a {
			return n
		}
	}
}

var products = []string{
	"Platform License", "Analytics Add-on", "Onboarding Package", "Support Plan",
	"Data Migration", "Team Seats", "Enterprise Upgrade", "Pilot",
}

var (
	accountStems = []string{
		"Northwind", "Blue Harbor", "Kestrel", "Alder", "Quarry", "Lumen", "Oakridge",
		"Saffron", "Tidewater", "Granite", "Vantage", "Juniper", "Halcyon", "Meridian",
		"Copperline", "Fernhill", "Ironbark", "Solstice", "Brightwater", "Pinecrest",
	}
	accountTrades = []string{
		"Logistics", "Foods", "Analytics", "Health", "Labs", "Retail", "Energy",
		"Systems", "Partners", "Textiles", "Robotics", "Media",
	}
	accountForms = []string{"Inc.", "LLC", "GmbH", "Ltd", "SARL", "AB", "BV", "Co."}
	// accounts whose names need careful quoting or a non-ASCII encoding; every
	// character is in Windows-1252.
	accountSpecial = []string{
		"Müller & Söhne GmbH", "Société d'Emballage Générale SARL", "Café Niño S.L.",
		"Ålesund Fiskeri AS", `Smith, Jones & "Partners" LLC`, "Žilina Strojárne s.r.o.",
		"Straße 7 Medien GmbH", "O'Brien Freight Ltd",
	}
)

func accountName(r *rng) string {
	if r.chance(0.12) {
		return pick(r, accountSpecial)
	}
	return pick(r, accountStems) + " " + pick(r, accountTrades) + " " + pick(r, accountForms)
}
