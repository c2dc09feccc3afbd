package forecast_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func d24(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, time.UTC) }

// waterfallDeals are one deal per bucket of the second quarter of 2024's
// waterfall from 15 March to 15 May (as of 1 June), and a few that stay
// or fall outside. Every expected close date in the quarter unless said.
func waterfallDeals() []funnel.Deal {
	ec := func(at time.Time, to time.Time) funnel.FieldChange {
		return funnel.FieldChange{Field: funnel.FieldExpectedClose, At: at, Time: to}
	}
	amt := func(at time.Time, a string) funnel.FieldChange {
		return funnel.FieldChange{Field: funnel.FieldAmount, At: at, Amount: dec(a)}
	}
	own := func(at time.Time, o string) funnel.FieldChange {
		return funnel.FieldChange{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: at, Text: o}
	}
	jan := d24(1, 1)
	open := func(id, amount, owner string, close time.Time, changes ...funnel.FieldChange) funnel.Deal {
		return funnel.Deal{ID: id, Created: jan, Amount: dec(amount), ExpectedClose: close, History: hist("A", jan),
			Attrs: funnel.Attributes{Owner: owner}, Changes: changes}
	}
	w1 := open("w1", "850", "ana", d24(5, 1), amt(jan, "800"), amt(d24(4, 19), "850"))
	w1.Outcome, w1.Closed, w1.History = funnel.Won, d24(4, 20), hist("A", jan, "B", d24(4, 10))
	l1 := open("l1", "900", "ben", d24(5, 1))
	l1.Outcome, l1.Closed = funnel.Lost, d24(5, 1)
	x1 := open("x1", "50", "chen", d24(2, 1))
	x1.Outcome, x1.Closed = funnel.Won, d24(2, 1)
	late := open("late1", "1400", "ben", d24(6, 1))
	late.Outcome, late.Closed = funnel.Won, d24(5, 20)
	n1 := open("n1", "100", "ana", d24(5, 20))
	n1.Created, n1.History = d24(4, 1), hist("A", d24(4, 1))
	n2 := open("n2", "150", "chen", d24(8, 1))
	n2.Created, n2.History = d24(4, 1), hist("A", d24(4, 1))
	f1 := open("f1", "10", "ana", d24(6, 20))
	f1.Created, f1.History = d24(6, 10), hist("A", d24(6, 10))
	return []funnel.Deal{
		n1, n2,
		open("p1", "200", "ben", d24(6, 10), ec(jan, d24(7, 15)), ec(d24(4, 10), d24(6, 10))),
		open("m1", "300", "chen", d24(6, 20), ec(jan, d24(3, 20)), ec(d24(4, 1), d24(6, 20))),
		open("d1", "400", "chen", d24(6, 1), ec(jan, time.Time{}), ec(d24(4, 5), d24(6, 1))),
		open("r1", "500", "ben", d24(6, 1), own(jan, "ana"), own(d24(4, 20), "ben")),
		open("i1", "650", "ana", d24(6, 1), amt(jan, "600"), amt(d24(4, 2), "650")),
		open("c1", "610", "ben", d24(6, 1), amt(jan, "700"), amt(d24(4, 2), "610")),
		w1, l1,
		open("po1", "1000", "ana", d24(7, 10), ec(jan, d24(6, 1)), ec(d24(4, 15), d24(7, 10))),
		open("mb1", "1100", "ben", d24(3, 30), ec(jan, d24(6, 1)), ec(d24(4, 20), d24(3, 30))),
		open("u1", "1200", "chen", time.Time{}, ec(jan, d24(6, 1)), ec(d24(5, 1), time.Time{})),
		open("s1", "1300", "ana", d24(6, 1)),
		x1, f1, late,
	}
}

func waterfallScan(t testing.TB) *funnel.Scan {
	return scanOf(t, mustFunnel(t, "A", "B"), funnel.Options{AsOf: d24(6, 1), Period: funnel.Quarter})
}

// wd is a listed deal, written out by hand.
func wd(id, amount, from, to, fromAmt, toAmt string, fromClose, toClose time.Time, o funnel.Outcome) forecast.WaterfallDeal {
	z := func(s string) decimal.Decimal {
		if s == "" {
			return decimal.Decimal{}
		}
		return dec(s)
	}
	return forecast.WaterfallDeal{ID: id, Amount: dec(amount), FromStage: funnel.Stage(from), ToStage: funnel.Stage(to),
		FromAmount: z(fromAmt), ToAmount: dec(toAmt), FromClose: fromClose, ToClose: toClose, Outcome: o}
}

// flows builds the rows of a waterfall from the non-empty ones, given in
// Flow order by hand.
func flows(rows map[forecast.Flow]forecast.FlowRow) []forecast.FlowRow {
	out := make([]forecast.FlowRow, 13)
	for i := range out {
		out[i] = forecast.FlowRow{Flow: forecast.Flow(i), Amount: decimal.Zero, Listed: []forecast.WaterfallDeal{}}
		if r, ok := rows[forecast.Flow(i)]; ok {
			r.Flow = forecast.Flow(i)
			out[i] = r
		}
	}
	return out
}

func fr(deals, effect int64, amount string, listed ...forecast.WaterfallDeal) forecast.FlowRow {
	return forecast.FlowRow{Deals: deals, Effect: effect, Amount: dec(amount), Listed: listed}
}

func TestWaterfallHandWorked(t *testing.T) {
	s := waterfallScan(t)
	r, err := forecast.Flows(s, values(waterfallDeals()), forecast.WaterfallOptions{From: d24(3, 15), To: d24(5, 15), Close: d24(5, 5), By: []string{funnel.AttrOwner}})
	if err != nil {
		t.Fatal(err)
	}
	jun1, o := d24(6, 1), funnel.Open
	var (
		n1  = wd("n1", "100", "", "A", "", "100", time.Time{}, d24(5, 20), o)
		p1  = wd("p1", "200", "A", "A", "200", "200", d24(7, 15), d24(6, 10), o)
		m1  = wd("m1", "300", "A", "A", "300", "300", d24(3, 20), d24(6, 20), o)
		d1  = wd("d1", "400", "A", "A", "400", "400", time.Time{}, jun1, o)
		r1  = wd("r1", "500", "A", "A", "500", "500", jun1, jun1, o)
		i1  = wd("i1", "50", "A", "A", "600", "650", jun1, jun1, o)
		c1  = wd("c1", "-90", "A", "A", "700", "610", jun1, jun1, o)
		w1  = wd("w1", "-800", "A", "B", "800", "850", d24(5, 1), d24(5, 1), funnel.Won)
		l1  = wd("l1", "-900", "A", "A", "900", "900", d24(5, 1), d24(5, 1), funnel.Lost)
		po1 = wd("po1", "-1000", "A", "A", "1000", "1000", jun1, d24(7, 10), o)
		mb1 = wd("mb1", "-1100", "A", "A", "1100", "1100", jun1, d24(3, 30), o)
		u1  = wd("u1", "-1200", "A", "A", "1200", "1200", jun1, time.Time{}, o)
	)
	r1out := r1
	r1out.Amount = dec("-500")
	want := forecast.WaterfallReport{
		From: d24(3, 15), To: d24(5, 15), Start: d24(4, 1), End: d24(7, 1), Period: funnel.Quarter, Location: "UTC",
		// start: r1 i1 c1 w1 l1 po1 mb1 u1 s1 late1; end: n1 p1 m1 d1
		// r1 i1 c1 s1 late1
		Total: forecast.WaterfallFlow{StartDeals: 10, StartAmount: dec("9500"), EndDeals: 9, EndAmount: dec("5460"), Stayed: 5,
			Flows: flows(map[forecast.Flow]forecast.FlowRow{
				forecast.FlowCreated: fr(1, 1, "100", n1), forecast.FlowPulledIn: fr(1, 1, "200", p1), forecast.FlowMovedForward: fr(1, 1, "300", m1),
				forecast.FlowDated: fr(1, 1, "400", d1), forecast.FlowIncreased: fr(1, 0, "50", i1), forecast.FlowDecreased: fr(1, 0, "-90", c1),
				forecast.FlowWon: fr(1, -1, "-800", w1), forecast.FlowLost: fr(1, -1, "-900", l1), forecast.FlowPushedOut: fr(1, -1, "-1000", po1),
				forecast.FlowMovedBack: fr(1, -1, "-1100", mb1), forecast.FlowUndated: fr(1, -1, "-1200", u1),
			})},
		Segments: []forecast.WaterfallSegment{
			{Key: "owner", Value: "ana", Flow: forecast.WaterfallFlow{StartDeals: 5, StartAmount: dec("4200"), EndDeals: 3, EndAmount: dec("2050"), Stayed: 2,
				Flows: flows(map[forecast.Flow]forecast.FlowRow{
					forecast.FlowCreated: fr(1, 1, "100", n1), forecast.FlowIncreased: fr(1, 0, "50", i1), forecast.FlowWon: fr(1, -1, "-800", w1),
					forecast.FlowPushedOut: fr(1, -1, "-1000", po1), forecast.FlowReassignedOut: fr(1, -1, "-500", r1out),
				})}},
			{Key: "owner", Value: "ben", Flow: forecast.WaterfallFlow{StartDeals: 4, StartAmount: dec("4100"), EndDeals: 4, EndAmount: dec("2710"), Stayed: 2,
				Flows: flows(map[forecast.Flow]forecast.FlowRow{
					forecast.FlowPulledIn: fr(1, 1, "200", p1), forecast.FlowReassignedIn: fr(1, 1, "500", r1), forecast.FlowDecreased: fr(1, 0, "-90", c1),
					forecast.FlowLost: fr(1, -1, "-900", l1), forecast.FlowMovedBack: fr(1, -1, "-1100", mb1),
				})}},
			{Key: "owner", Value: "chen", Flow: forecast.WaterfallFlow{StartDeals: 1, StartAmount: dec("1200"), EndDeals: 2, EndAmount: dec("700"),
				Flows: flows(map[forecast.Flow]forecast.FlowRow{
					forecast.FlowMovedForward: fr(1, 1, "300", m1), forecast.FlowDated: fr(1, 1, "400", d1), forecast.FlowUndated: fr(1, -1, "-1200", u1),
				})}},
		},
		Outside: 2,
		Input:   funnel.Input{Read: 17, Counted: 16, Future: 1, Skipped: funnel.Skipped{Reasons: []funnel.ReasonCount{}, Examples: []funnel.DealError{}}},
	}
	if diff := cmp.Diff(want, r, cmpOpts...); diff != "" {
		t.Errorf("waterfall (-want +got):\n%s", diff)
	}
	roundTripJSON(t, r)
	checkSchema(t, "waterfall_report", r)
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Pipeline waterfall of 2024-Q2", "pulled in", "+200.00", "-1200.00", "owner=ben: 4 (4100.00)", "reassigned in +1 (+500.00)"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, b.String())
		}
	}
}

// checkWaterfall checks that a waterfall reconciles exactly.
func checkWaterfall(t *testing.T, name string, w forecast.WaterfallFlow) {
	t.Helper()
	n, a := w.StartDeals, w.StartAmount
	var out int64
	for _, f := range w.Flows {
		n += f.Effect
		a = a.Add(f.Amount)
		if f.Effect < 0 {
			out -= f.Effect
		}
		var sum decimal.Decimal
		for _, d := range f.Listed {
			sum = sum.Add(d.Amount)
		}
		if int64(len(f.Listed)) == f.Deals && !sum.Equal(f.Amount) {
			t.Errorf("%s %s: listed deals sum to %s, bucket %s", name, f.Flow, sum, f.Amount)
		}
	}
	if n != w.EndDeals || !a.Equal(w.EndAmount) {
		t.Errorf("%s: start %d %s + flows = %d %s, end %d %s", name, w.StartDeals, w.StartAmount, n, a, w.EndDeals, w.EndAmount)
	}
	if w.StartDeals != w.Stayed+out {
		t.Errorf("%s: start %d deals, stayed %d, out %d", name, w.StartDeals, w.Stayed, out)
	}
}

// TestWaterfallReconciles checks on generated histories that every
// waterfall, total and per owner, reconciles exactly in deals and money,
// and that its start and end are the pipelines counted directly from
// each deal as it stood at each date.
func TestWaterfallReconciles(t *testing.T) {
	f := mustFunnel(t, genStages...)
	for seed := range uint64(12) {
		deals := genDeals(400, seed)
		asOf := genStart.AddDate(0, 0, 200+int(seed)*10)
		period := []funnel.Period{funnel.Month, funnel.Quarter, funnel.Year}[seed%3]
		s := scanOf(t, f, funnel.Options{AsOf: asOf, Period: period})
		from, to := asOf.AddDate(0, -2, int(seed)), asOf.AddDate(0, 0, -int(seed))
		close := asOf.AddDate(0, 0, int(seed*7)%60)
		opts := forecast.WaterfallOptions{From: from, To: to, Close: close, By: []string{funnel.AttrOwner}, List: 1 + int(seed%3)}
		r, err := forecast.Flows(s, values(deals), opts)
		if err != nil {
			t.Fatal(err)
		}
		checkWaterfall(t, "total", r.Total)
		var segStart, segEnd int64
		for _, sg := range r.Segments {
			checkWaterfall(t, sg.Value, sg.Flow)
			segStart += sg.Flow.StartDeals
			segEnd += sg.Flow.EndDeals
			for _, fl := range sg.Flow.Flows {
				if len(fl.Listed) > opts.List {
					t.Errorf("%d deals listed, at most %d", len(fl.Listed), opts.List)
				}
			}
		}
		// the pipeline at each date, counted from Deal.At directly
		start, end := periodStart(period, close), period.Next(close, time.UTC)
		var wantStart, wantEnd int64
		var amtStart, amtEnd decimal.Decimal
		for _, d := range deals {
			cur, ok := d.At(asOf)
			if !ok {
				continue
			}
			in := func(t time.Time) (bool, decimal.Decimal) {
				x, ok := cur.At(t)
				return ok && x.Outcome == funnel.Open && !x.ExpectedClose.IsZero() && !x.ExpectedClose.Before(start) && x.ExpectedClose.Before(end), x.Amount
			}
			if ok, a := in(from); ok {
				wantStart++
				amtStart = amtStart.Add(a)
			}
			if ok, a := in(to); ok {
				wantEnd++
				amtEnd = amtEnd.Add(a)
			}
		}
		if r.Total.StartDeals != wantStart || !r.Total.StartAmount.Equal(amtStart) || r.Total.EndDeals != wantEnd || !r.Total.EndAmount.Equal(amtEnd) {
			t.Errorf("seed %d: start %d %s end %d %s, counted directly %d %s, %d %s", seed, r.Total.StartDeals, r.Total.StartAmount,
				r.Total.EndDeals, r.Total.EndAmount, wantStart, amtStart, wantEnd, amtEnd)
		}
		if segStart != wantStart || segEnd != wantEnd {
			t.Errorf("seed %d: segments start %d end %d, total %d %d", seed, segStart, segEnd, wantStart, wantEnd)
		}
		if wantStart == 0 || wantEnd == 0 {
			t.Errorf("seed %d: empty pipeline (%d, %d): the test checks nothing", seed, wantStart, wantEnd)
		}
	}
}

func periodStart(p funnel.Period, t time.Time) time.Time { return p.Start(t, time.UTC) }

// TestWaterfallListsLargest checks that a bucket lists its largest deals
// and counts them all.
func TestWaterfallListsLargest(t *testing.T) {
	s := waterfallScan(t)
	var deals []funnel.Deal
	for i, a := range []string{"5", "70", "3", "70", "9"} {
		deals = append(deals, funnel.Deal{ID: "n" + string(rune('a'+i)), Created: d24(4, 1), Amount: dec(a), ExpectedClose: d24(5, 1), History: hist("A", d24(4, 1))})
	}
	r, err := forecast.Flows(s, values(deals), forecast.WaterfallOptions{From: d24(3, 1), To: d24(5, 1), Close: d24(4, 1), List: 2})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Total.Flows[forecast.FlowCreated]
	got := []string{}
	for _, d := range c.Listed {
		got = append(got, d.ID+" "+d.Amount.String())
	}
	// ties of 70 by ID
	if diff := cmp.Diff([]string{"nb 70", "nd 70"}, got); diff != "" || c.Deals != 5 || !c.Amount.Equal(dec("157")) {
		t.Errorf("created: %d deals %s, listed (-want +got):\n%s", c.Deals, c.Amount, diff)
	}
}

func TestWaterfallAsOf(t *testing.T) {
	// changes after the as-of time do not move the waterfall
	s := waterfallScan(t)
	opts := forecast.WaterfallOptions{From: d24(3, 15), To: d24(5, 15), Close: d24(5, 5), By: []string{funnel.AttrOwner}}
	want, err := forecast.Flows(s, values(waterfallDeals()), opts)
	if err != nil {
		t.Fatal(err)
	}
	later := waterfallDeals()
	for i := range later {
		d := &later[i]
		if !d.Created.Before(d24(6, 5)) {
			continue
		}
		// a field without a history had its value all along: record it
		// at creation before changing it
		var ch []funnel.FieldChange
		hasAmount, hasOwner := false, false
		for _, c := range d.Changes {
			hasAmount = hasAmount || c.Field == funnel.FieldAmount
			hasOwner = hasOwner || c.Field == funnel.FieldAttr
		}
		if !hasAmount {
			ch = append(ch, funnel.FieldChange{Field: funnel.FieldAmount, At: d.Created, Amount: d.Amount})
		}
		if !hasOwner {
			ch = append(ch, funnel.FieldChange{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: d.Created, Text: d.Attrs.Owner})
		}
		d.Changes = append(append(ch, d.Changes...), funnel.FieldChange{Field: funnel.FieldAmount, At: d24(6, 5), Amount: dec("1")},
			funnel.FieldChange{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: d24(6, 6), Text: "zed"})
		d.Amount, d.Attrs.Owner = dec("1"), "zed"
		if d.Outcome == funnel.Open {
			d.Outcome, d.Closed = funnel.Lost, d24(6, 20)
		}
	}
	got, err := forecast.Flows(s, values(later), opts)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
		t.Errorf("changes after the as-of time moved the waterfall (-before +after):\n%s", diff)
	}
}

func TestWaterfallEdges(t *testing.T) {
	s := waterfallScan(t)
	ok := forecast.WaterfallOptions{From: d24(3, 15), To: d24(5, 15), Close: d24(5, 5)}
	for name, o := range map[string]forecast.WaterfallOptions{
		"dates":       {From: d24(5, 15), To: d24(3, 15), Close: d24(5, 5)},
		"after as of": {From: d24(3, 15), To: d24(6, 15), Close: d24(5, 5)},
		"no period":   {From: d24(3, 15), To: d24(5, 15)},
		"repeated by": {From: ok.From, To: ok.To, Close: ok.Close, By: []string{"owner", "owner"}},
		"empty by":    {From: ok.From, To: ok.To, Close: ok.Close, By: []string{""}},
		"many by":     {From: ok.From, To: ok.To, Close: ok.Close, By: []string{"a", "b", "c", "d", "e"}},
		"list":        {From: ok.From, To: ok.To, Close: ok.Close, List: forecast.MaxListed + 1},
	} {
		if _, err := forecast.NewWaterfall(s, o); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := forecast.NewWaterfall(nil, ok); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil scan: %v", err)
	}
	if _, err := forecast.Flows(s, nil, ok); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil stream: %v", err)
	}
	// empty input: a zero waterfall with every bucket
	r, err := forecast.Flows(s, values(nil), ok)
	if err != nil || len(r.Total.Flows) != 13 || r.Total.StartDeals != 0 || !r.Total.EndAmount.IsZero() {
		t.Errorf("empty: %+v %v", r.Total, err)
	}
	roundTripJSON(t, r)
	checkSchema(t, "waterfall_report", r)
	for f := forecast.FlowCreated; f <= forecast.FlowReassignedOut; f++ {
		roundTripJSON(t, f)
	}
	if _, err := forecast.Flow(13).MarshalText(); !errors.Is(err, funnel.ErrInvalidParam) || forecast.Flow(13).String() != "Flow(13)" {
		t.Errorf("invalid flow: %v %s", err, forecast.Flow(13))
	}
	var fl forecast.Flow
	if err := fl.UnmarshalText([]byte("sideways")); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("unknown flow: %v", err)
	}
	// one huge amount
	huge := funnel.Deal{ID: "h", Created: d24(4, 1), Amount: dec("123456789012345678901234567890.01"), ExpectedClose: d24(5, 1), History: hist("A", d24(4, 1))}
	r, err = forecast.Flows(s, values([]funnel.Deal{huge}), ok)
	if err != nil || !r.Total.EndAmount.Equal(huge.Amount) || !r.Total.Flows[forecast.FlowCreated].Amount.Equal(huge.Amount) {
		t.Errorf("huge: %+v %v", r.Total, err)
	}
}
