package clv

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

func scanOf(t testing.TB, opts funnel.Options) *funnel.Scan {
	t.Helper()
	f, err := funnel.New("Lead", "Won")
	if err != nil {
		t.Fatal(err)
	}
	s, err := funnel.NewScan(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func won(id, account, amount string, created, closed time.Time) funnel.Deal {
	return funnel.Deal{ID: id, Account: account, Amount: dec(amount), Currency: "USD", Outcome: funnel.Won,
		Stage: "Won", Created: created, Closed: closed}
}

// handDeals are deals whose log is worked out by hand: acme won 1000 and
// 500, beta 200; the lost and open deals are not purchases; deal 6 is in
// another currency and deal 7 has no account.
func handDeals() []funnel.Deal {
	return []funnel.Deal{
		won("1", "acme", "1000", at(2024, 1, 1, 0), at(2024, 1, 10, 0)),
		{ID: "2", Account: "acme", Amount: dec("700"), Currency: "USD", Outcome: funnel.Lost, Stage: "Lead", Created: at(2024, 1, 1, 0), Closed: at(2024, 1, 12, 0)},
		{ID: "3", Account: "beta", Amount: dec("900"), Currency: "USD", Outcome: funnel.Open, Stage: "Lead", Created: at(2024, 2, 1, 0)},
		won("4", "acme", "500", at(2024, 2, 1, 0), at(2024, 3, 1, 0)),
		won("5", "beta", "200", at(2024, 2, 1, 0), at(2024, 2, 20, 0)),
		{ID: "6", Account: "beta", Amount: dec("50"), Currency: "EUR", Outcome: funnel.Won, Stage: "Won", Created: at(2024, 2, 1, 0), Closed: at(2024, 2, 21, 0)},
		won("7", "", "80", at(2024, 2, 1, 0), at(2024, 2, 22, 0)),
	}
}

// TestDealLog checks the won-deal log by hand, with the skipped deal and
// the won deal without an account counted.
func TestDealLog(t *testing.T) {
	s := scanOf(t, funnel.Options{Mode: funnel.Lenient, Currency: "USD"})
	a, err := FromDeals(s, slices.Values(handDeals()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Historical(decimal.NewFromInt(1))
	if err != nil {
		t.Fatal(err)
	}
	in := a.Input()
	if in.Read != 7 || in.Counted != 6 || in.Skipped.Count != 1 || !errors.Is(in.Skipped.Examples[0].Err, funnel.ErrCurrencyMismatch) {
		t.Errorf("Input = %+v", in)
	}
	want := Historical{
		Input: in, Log: LogSummary{Customers: 2, Transactions: 3, Currency: "USD", WonNoAccount: 1},
		MarginRate: dec("1"), Revenue: dec("1700"), Margin: dec("1700"),
		Customers: []CustomerValue{
			{"acme", 2, dec("1500"), dec("1500"), at(2024, 1, 10, 0), at(2024, 3, 1, 0)},
			{"beta", 1, dec("200"), dec("200"), at(2024, 2, 20, 0), at(2024, 2, 20, 0)},
		},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("Historical of won deals (-want +got):\n%s", diff)
	}
	// Strict mode stops at the deal in another currency.
	strict := scanOf(t, funnel.Options{Currency: "USD", Workers: 1})
	if _, err := FromDeals(strict, slices.Values(handDeals())); !errors.Is(err, funnel.ErrCurrencyMismatch) {
		t.Errorf("strict: %v, want ErrCurrencyMismatch", err)
	}
	if _, err := FromDeals(s, nil); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil stream: %v", err)
	}
	if _, err := NewDealLog(nil); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil scan: %v", err)
	}
	// Won deals without a close time, accepted by the scan, are counted.
	undated := scanOf(t, funnel.Options{Currency: "USD", UndatedClose: true})
	d := won("8", "acme", "5", at(2024, 1, 1, 0), time.Time{})
	b, _ := NewDealLog(undated)
	if err := b.Add(d); err != nil {
		t.Fatal(err)
	}
	if h, _ := b.Historical(decimal.NewFromInt(1)); h.Log.WonUndated != 1 || len(h.Customers) != 0 {
		t.Errorf("undated won deal: %+v", h.Log)
	}
}

// TestDealLogAsOf checks that the log sees deals as they stood at AsOf: a
// deal won after AsOf was open then and is no purchase; a deal created
// after AsOf is counted as future; the RFM holdout cannot end after AsOf.
func TestDealLogAsOf(t *testing.T) {
	asOf := at(2024, 2, 25, 0)
	s := scanOf(t, funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: asOf})
	deals := append(handDeals(), won("9", "gamma", "999", at(2024, 3, 1, 0), at(2024, 3, 2, 0)))
	a, err := FromDeals(s, slices.Values(deals))
	if err != nil {
		t.Fatal(err)
	}
	h, err := a.Historical(decimal.NewFromInt(1))
	if err != nil {
		t.Fatal(err)
	}
	// acme's second win (1 March) is after AsOf; gamma was created after it.
	wantRows := []CustomerValue{
		{"acme", 1, dec("1000"), dec("1000"), at(2024, 1, 10, 0), at(2024, 1, 10, 0)},
		{"beta", 1, dec("200"), dec("200"), at(2024, 2, 20, 0), at(2024, 2, 20, 0)},
	}
	if diff := cmp.Diff(wantRows, h.Customers); diff != "" || h.Input.Future != 1 {
		t.Errorf("as of %v (-want +got):\n%s\nfuture %d", asOf, diff, h.Input.Future)
	}
	c, err := a.Cohorts()
	if err != nil || !c.AsOf.Equal(asOf) || len(c.Cohorts) != 2 || len(c.Cohorts[0].Ages) != 2 {
		t.Errorf("cohorts as of %v: %+v, %v", asOf, c, err)
	}
	if _, err := a.RFM(RFMOptions{CalibrationEnd: at(2024, 2, 1, 0), HoldoutEnd: at(2024, 3, 1, 0), Unit: 24 * time.Hour}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("holdout after AsOf: %v, want ErrInvalidParam", err)
	}
	if r, err := a.RFM(RFMOptions{CalibrationEnd: at(2024, 2, 1, 0), HoldoutEnd: at(2024, 2, 24, 0), Unit: 24 * time.Hour}); err != nil || len(r.Customers) != 1 || r.Later != 1 {
		t.Errorf("RFM as of %v: %+v, %v", asOf, r, err)
	}
}

// genDeals returns generated deals (accounts shared by several deals, a
// few invalid ones mixed in).
func genDeals(n int, seed uint64) []funnel.Deal {
	deals := dealgen.Generate(n, seed, dealgen.Options{})
	for i := 0; i < len(deals); i += 17 {
		deals[i].Currency = "EUR"
	}
	for i := range deals {
		if deals[i].Currency != "EUR" {
			deals[i].Currency = "USD"
		}
	}
	return deals
}

type dealResults struct {
	Historical Historical
	Cohorts    Cohorts
	RFM        RFM
	Retention  Retention
	Tracking   Tracking
	Bytes      []byte
}

func dealSummaries(t testing.TB, a *DealLog) dealResults {
	t.Helper()
	h, err := a.Historical(dec("0.4"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Cohorts()
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.RFM(RFMOptions{CalibrationEnd: at(2024, 9, 30, 0), HoldoutEnd: at(2024, 11, 30, 0), Unit: 7 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ret, err := a.Retention()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := a.Tracking(paperBGNBD, TrackingOptions{CalibrationEnd: at(2024, 9, 30, 0), End: at(2024, 11, 30, 0), Unit: 7 * 24 * time.Hour, Period: funnel.Week})
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return dealResults{h, c, r, ret, tr, b}
}

// ignoreExamples ignores which skipped deals are kept as examples: parts
// read apart number their deals from 0 each.
var ignoreExamples = cmpopts.IgnoreFields(funnel.Skipped{}, "Examples")

// TestDealLogMergeProperty splits generated deals at random cut points
// into up to five parts, builds each part's log (some through their
// binary encoding), merges them in random order and compares every result
// and the encoding with one pass; a parallel run equals a serial one.
func TestDealLogMergeProperty(t *testing.T) {
	deals := genDeals(3000, 11)
	zones := []*time.Location{time.UTC, mustZone(t, "America/Santiago")}
	for zi, loc := range zones {
		opts := funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: at(2024, 12, 1, 0), Location: loc, Period: funnel.Week, Workers: 1}
		s := scanOf(t, opts)
		one, err := FromDeals(s, slices.Values(deals))
		if err != nil {
			t.Fatal(err)
		}
		want := dealSummaries(t, one)
		rng := rand.New(rand.NewPCG(uint64(zi), 5))
		for trial := range 8 {
			k := 1 + rng.IntN(5)
			cuts := []int{0, len(deals)}
			for range k - 1 {
				cuts = append(cuts, rng.IntN(len(deals)+1))
			}
			slices.Sort(cuts)
			var parts []*DealLog
			for i := 0; i+1 < len(cuts); i++ {
				p, err := FromDeals(s, slices.Values(deals[cuts[i]:cuts[i+1]]))
				if err != nil {
					t.Fatal(err)
				}
				if rng.IntN(2) == 0 {
					b, _ := p.MarshalBinary()
					var q DealLog
					if err := q.UnmarshalBinary(b); err != nil {
						t.Fatal(err)
					}
					p = &q
				}
				parts = append(parts, p)
			}
			rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
			whole, _ := NewDealLog(s)
			for _, p := range parts {
				if err := whole.Merge(p); err != nil {
					t.Fatal(err)
				}
			}
			got := dealSummaries(t, whole)
			if diff := cmp.Diff(want, got, ignoreExamples, cmpopts.EquateErrors(), cmpopts.IgnoreFields(dealResults{}, "Bytes")); diff != "" {
				t.Fatalf("zone %v trial %d, %d parts: merged results differ (-one pass +merged):\n%s", loc, trial, len(parts), diff)
			}
			wb, _ := one.log.MarshalBinary()
			gb, _ := whole.log.MarshalBinary()
			if !slices.Equal(wb, gb) {
				t.Fatalf("zone %v trial %d: the merged log's transactions encode differently", loc, trial)
			}
		}
		opts.Workers = 2
		par, err := FromDeals(scanOf(t, opts), slices.Values(deals))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, dealSummaries(t, par), cmpopts.EquateErrors()); diff != "" {
			t.Errorf("zone %v: parallel run differs from serial:\n%s", loc, diff)
		}
	}
}

func mustZone(t testing.TB, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestDealLogMergeErrors checks the merge rules of the accumulator.
func TestDealLogMergeErrors(t *testing.T) {
	s := scanOf(t, funnel.Options{Currency: "USD"})
	a, _ := NewDealLog(s)
	other, _ := NewDealLog(scanOf(t, funnel.Options{Currency: "EUR"}))
	for name, tc := range map[string]struct {
		o    funnel.Accumulator
		want error
	}{
		"nil":        {nil, funnel.ErrInvalidParam},
		"self":       {a, funnel.ErrInvalidParam},
		"nil log":    {(*DealLog)(nil), funnel.ErrInvalidParam},
		"other scan": {other, funnel.ErrIncompatible},
		"tally":      {funnel.NewTally(s), funnel.ErrIncompatible},
	} {
		if err := a.Merge(tc.o); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	b, _ := other.MarshalBinary()
	if err := a.UnmarshalBinary(b); !errors.Is(err, funnel.ErrIncompatible) {
		t.Errorf("decoding another scan's log: %v, want ErrIncompatible", err)
	}
	if a.Fresh().Scan() != s {
		t.Errorf("Fresh has another scan")
	}
}

// TestHistoricalSummaryTop works the distribution and the ranking of five
// customers' values out by hand: sorted 10, 20, 20, 40, 100; total 190,
// mean 38; quartiles at ranks 1 and 3 (20 and 40), median rank 2 (20),
// 90th percentile at rank 3.6: 40 + 0.6 x 60 = 76.
func TestHistoricalSummaryTop(t *testing.T) {
	cv := func(id, rev string) CustomerValue { return CustomerValue{ID: id, Revenue: dec(rev)} }
	h := Historical{Customers: []CustomerValue{cv("a", "40"), cv("b", "20"), cv("c", "100"), cv("d", "10"), cv("e", "20")}}
	want := funnel.MoneySummary{Count: 5, Total: dec("190"), Mean: dec("38"), Min: dec("10"), P25: dec("20"),
		Median: dec("20"), P75: dec("40"), P90: dec("76"), Max: dec("100")}
	if diff := cmp.Diff(want, h.Summary(), cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}
	ids := func(cs []CustomerValue) []string {
		out := []string{}
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	for _, c := range []struct {
		n    int
		want []string
	}{{0, []string{}}, {1, []string{"c"}}, {3, []string{"c", "a", "b"}}, {4, []string{"c", "a", "b", "e"}}, {9, []string{"c", "a", "b", "e", "d"}}} {
		if diff := cmp.Diff(c.want, ids(h.Top(c.n))); diff != "" {
			t.Errorf("Top(%d) (-want +got):\n%s", c.n, diff)
		}
	}
	if s := (&Historical{}).Summary(); s.Count != 0 || !s.Total.IsZero() {
		t.Errorf("Summary of no customers: %+v", s)
	}
}

// TestHistoricalTopProperty compares Top with a full sort of random
// values with many ties.
func TestHistoricalTopProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for range 200 {
		var h Historical
		for i := range rng.IntN(40) {
			h.Customers = append(h.Customers, CustomerValue{ID: fmt.Sprintf("c%03d", i), Revenue: decimal.New(rng.Int64N(8), -1)})
		}
		all := slices.Clone(h.Customers)
		slices.SortStableFunc(all, func(a, b CustomerValue) int { return b.Revenue.Cmp(a.Revenue) }) // IDs ascend already
		n := rng.IntN(12)
		want := append([]CustomerValue{}, all[:min(n, len(all))]...)
		if diff := cmp.Diff(want, h.Top(n), cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
			t.Fatalf("Top(%d) of %d (-sorted +got):\n%s", n, len(all), diff)
		}
	}
}
