package clv

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// FuzzBGNBD checks the BG/NBD predictions' invariants for arbitrary
// parameters and summaries: either a typed error, or finite values with
// P(alive) and P(n) in [0, 1] and E >= 0. Seeds come from the closed-form
// tests and the degenerate cases.
func FuzzBGNBD(f *testing.F) {
	f.Add(0.243, 4.414, 0.793, 2.426, 2, 30.43, 38.86, 39.0, 1)
	f.Add(0.243, 4.414, 0.793, 2.426, 200, 38.0, 39.0, 39.0, 100)
	f.Add(0.243, 4.414, 0.793, 2.426, 0, 0.0, 0.0, 39.0, 0)
	f.Add(1.0, 1.0, 1.0, 1.0, 1, 2.0, 3.0, 1.0, 1)
	f.Add(0.0, 1.0, 1.0, 1.0, 1, 2.0, 1.0, -1.0, -1)
	f.Add(1e-300, 1e300, 50.0, 1e-9, 5000, 1e-6, 1e6, 1e6, 3)
	f.Fuzz(func(t *testing.T, r, alpha, a, b float64, x int, tx, T, h float64, n int) {
		m := BGNBD{R: r, Alpha: alpha, A: a, B: b}
		c := Customer{Frequency: x % 100_000, Recency: tx, T: T}
		kinds := []error{funnel.ErrInvalidParam, ErrInvalidCustomer, ErrUndefined}
		ok := func(err error) bool {
			for _, k := range kinds {
				if errors.Is(err, k) {
					return true
				}
			}
			return false
		}
		if ll, err := m.LogLikelihood(c); err != nil && !ok(err) || err == nil && !finite(ll) {
			t.Fatalf("LogLikelihood(%+v, %+v) = %v, %v", m, c, ll, err)
		}
		if p, err := m.PAlive(c); err != nil && !ok(err) || err == nil && !(p >= 0 && p <= 1) {
			t.Fatalf("PAlive(%+v, %+v) = %v, %v", m, c, p, err)
		}
		if e, err := m.ExpectedPurchases(c, h); err != nil && !ok(err) || err == nil && !(e >= 0 && finite(e)) {
			t.Fatalf("ExpectedPurchases(%+v, %+v, %v) = %v, %v", m, c, h, e, err)
		}
		if p, err := m.ProbPurchases(c, n%1000, h); err != nil && !ok(err) || err == nil && !(p >= 0 && p <= 1) {
			t.Fatalf("ProbPurchases(%+v, %+v, %d, %v) = %v, %v", m, c, n, h, p, err)
		}
	})
}

// FuzzFitSBG checks that the sBG fit never panics and either returns
// finite positive parameters or a typed error, for arbitrary counts.
func FuzzFitSBG(f *testing.F) {
	f.Add([]byte{100, 63, 47, 38, 33, 29, 26, 24})
	f.Add([]byte{100, 100})
	f.Add([]byte{100, 0})
	f.Add([]byte{1, 1, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := make([]int, len(b))
		for i, v := range b {
			s[i] = int(v)
		}
		fit, err := FitSBG(s)
		if err != nil {
			if !errors.Is(err, funnel.ErrInvalidParam) && !errors.Is(err, ErrNoData) && !errors.Is(err, ErrNotConverged) {
				t.Fatalf("FitSBG(%v) error %v of no documented kind", s, err)
			}
			return
		}
		p := fit.Params
		if !(p.Alpha > 0 && p.Beta > 0) || math.IsInf(p.Alpha+p.Beta, 0) || !finite(fit.LogLik) {
			t.Fatalf("FitSBG(%v) = %+v", s, fit)
		}
	})
}

// FuzzFitBGNBD fits tiny customer sets built from bytes: no panic, and
// either a typed error or finite positive parameters.
func FuzzFitBGNBD(f *testing.F) {
	f.Add([]byte{2, 30, 39, 0, 0, 39, 1, 2, 20})
	f.Add([]byte{0, 0, 10})
	f.Add([]byte{3, 20, 39})
	f.Add([]byte{5, 5, 5, 5, 5, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		var cs []Customer
		for i := 0; i+2 < len(b) && len(cs) < 50; i += 3 {
			c := Customer{Frequency: int(b[i] % 20), Recency: float64(b[i+1]), T: float64(b[i+2])}
			if c.Frequency == 0 {
				c.Recency = 0
			}
			cs = append(cs, c)
		}
		fit, err := FitBGNBD(cs)
		if err != nil {
			if !errors.Is(err, ErrInvalidCustomer) && !errors.Is(err, ErrNoData) && !errors.Is(err, ErrNotConverged) {
				t.Fatalf("FitBGNBD(%v) error %v of no documented kind", cs, err)
			}
			return
		}
		p := fit.Params
		for _, v := range []float64{p.R, p.Alpha, p.A, p.B, fit.StdErr.R, fit.StdErr.Alpha, fit.StdErr.A, fit.StdErr.B, fit.LogLik} {
			if !finite(v) {
				t.Fatalf("FitBGNBD(%v) = %+v", cs, fit)
			}
		}
	})
}

// fuzzLogSeeds are encodings of small logs, for the decoders' corpora.
func fuzzLogSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, l := range []*Log{{}, handLog(t), logOf(t, Transaction{"z", at(2024, 1, 1, 0), dec("1e30")}, Transaction{"z", at(2024, 1, 1, 0), dec("1.50")}, Transaction{"z", at(2024, 1, 1, 0), dec("1.5")})} {
		b, err := l.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	santiago, _ := NewLog(LogOptions{Location: mustZone(t, "America/Santiago"), Confidence: 0.9})
	_ = santiago.Add(Transaction{"a", at(2024, 4, 7, 3), dec("2")})
	b, _ := santiago.MarshalBinary()
	return append(out, b)
}

// FuzzLogDecode decodes arbitrary bytes as a [Log]: never a panic or a
// huge allocation; what decodes re-encodes to bytes that decode to the
// same log, and its analyses run.
func FuzzLogDecode(f *testing.F) {
	for _, b := range fuzzLogSeeds(f) {
		f.Add(b)
		for _, n := range []int{1, 4, len(b) / 2, len(b) - 1} {
			if n > 0 && n < len(b) {
				f.Add(b[:n])
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var l Log
		if err := l.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, funnel.ErrInvalidParam) && !errors.Is(err, funnel.ErrIncompatible) {
				t.Fatalf("error %v of no documented kind", err)
			}
			return
		}
		e1, err := l.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var m Log
		if err := m.UnmarshalBinary(e1); err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		e2, _ := m.MarshalBinary()
		if !bytes.Equal(e1, e2) {
			t.Fatalf("encoding not stable")
		}
		if _, err := l.Historical(decimal.NewFromInt(1)); err != nil {
			t.Fatal(err)
		}
		if _, err := l.RFM(RFMOptions{CalibrationEnd: at(2024, 3, 1, 0), Unit: 24 * time.Hour}); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzDealLogDecode decodes arbitrary bytes as a [DealLog], seeded with
// the encodings of logs of generated deals and their truncations.
func FuzzDealLogDecode(f *testing.F) {
	s := scanOf(f, funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: at(2024, 12, 1, 0)})
	for _, n := range []int{0, 3, 40} {
		a, err := FromDeals(s, slices.Values(genDeals(n, uint64(n))))
		if err != nil {
			f.Fatal(err)
		}
		b, _ := a.MarshalBinary()
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[:len(b)-1])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var a DealLog
		if err := a.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, funnel.ErrInvalidParam) && !errors.Is(err, funnel.ErrIncompatible) {
				t.Fatalf("error %v of no documented kind", err)
			}
			return
		}
		e1, _ := a.MarshalBinary()
		var c DealLog
		if err := c.UnmarshalBinary(e1); err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if e2, _ := c.MarshalBinary(); !bytes.Equal(e1, e2) {
			t.Fatalf("encoding not stable")
		}
		if h, err := a.Historical(decimal.NewFromInt(1)); err != nil || h.Log.Transactions+h.Log.WonNoAccount+h.Log.WonUndated > h.Input.Counted {
			t.Fatalf("Historical: %+v, %v", h.Log, err)
		}
	})
}

// FuzzRFM builds logs from arbitrary bytes and checks invariants: no
// error for valid options, 0 <= t_x <= T, x = 0 implies t_x = 0, values
// add up to at most the customer's total, customers kept + later = all,
// and the log split at its middle and merged gives the same summary.
func FuzzRFM(f *testing.F) {
	f.Add([]byte{0, 0, 10, 20, 0, 0, 18, 5, 0, 10, 9, 10, 0, 20, 9, 30, 1, 30, 23, 9})
	f.Add([]byte{})
	f.Add([]byte{1, 40, 0, 1})
	f.Add([]byte{2, 255, 255, 255, 2, 255, 255, 255})
	f.Fuzz(func(t *testing.T, b []byte) {
		var txs []Transaction
		for i := 0; i+3 < len(b); i += 4 {
			txs = append(txs, Transaction{
				Customer: string('a' + rune(b[i]%4)),
				Time:     at(2024, 1, 1+int(b[i+1]), int(b[i+2]%24)),
				Amount:   decimal.New(int64(b[i+3]), -1),
			})
		}
		opts := RFMOptions{CalibrationEnd: at(2024, 3, 1, 0), HoldoutEnd: at(2024, 6, 1, 0), Unit: 7 * 24 * time.Hour}
		whole := logOf(t, txs...)
		got, err := whole.RFM(opts)
		if err != nil {
			t.Fatal(err)
		}
		hist, err := whole.Historical(decimal.NewFromInt(1))
		if err != nil {
			t.Fatal(err)
		}
		total := map[string]decimal.Decimal{}
		for _, h := range hist.Customers {
			total[h.ID] = h.Revenue
		}
		if int64(len(got.Customers))+got.Later != int64(whole.Len()) {
			t.Fatalf("%d customers + %d later != %d", len(got.Customers), got.Later, whole.Len())
		}
		for _, r := range got.Customers {
			if r.Recency < 0 || r.Recency > r.T || (r.Frequency == 0 && r.Recency != 0) || r.Holdout < 0 {
				t.Fatalf("bad record %+v", r)
			}
			if r.FirstValue.Add(r.RepeatValue).Add(r.HoldoutValue).GreaterThan(total[r.ID]) {
				t.Fatalf("record %+v exceeds total %s", r, total[r.ID])
			}
		}
		a, c := logOf(t, txs[:len(txs)/2]...), logOf(t, txs[len(txs)/2:]...)
		if err := a.Merge(c); err != nil {
			t.Fatal(err)
		}
		merged, err := a.RFM(opts)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, merged); diff != "" {
			t.Fatalf("merge differs:\n%s", diff)
		}
	})
}

// FuzzRetention builds logs from arbitrary bytes (customers, times over
// two years in a zone with daylight saving at midnight, amounts from zero
// to huge) and checks the invariants of [Log.Retention] and
// [Log.Tracking]: no error for valid options, every period reconciles
// exactly, new customers over the periods are the customers, the counts of
// the tracking add up to its totals, and a split log merged (one part
// through its encoding) gives the same results.
func FuzzRetention(f *testing.F) {
	f.Add([]byte{0, 0, 10, 20, 0, 0, 18, 5, 0, 10, 9, 10, 0, 20, 9, 30, 1, 30, 23, 9}, uint8(0))
	f.Add([]byte{}, uint8(1))
	f.Add([]byte{1, 40, 0, 1, 1, 41, 0, 0}, uint8(2))
	f.Add([]byte{2, 255, 255, 255, 2, 255, 255, 255, 3, 0, 0, 200}, uint8(3))
	f.Fuzz(fuzzRetentionBody)
}

// havana is a zone whose clock skips midnight for daylight saving.
var havana = func() *time.Location {
	loc, err := time.LoadLocation("America/Havana")
	if err != nil {
		panic(err)
	}
	return loc
}()

func fuzzRetentionBody(t *testing.T, b []byte, period uint8) {
	loc := havana
	var txs []Transaction
	for i := 0; i+3 < len(b); i += 4 {
		amt := decimal.New(int64(b[i+3]), -int32(b[i]%3))
		if b[i+3] == 255 {
			amt = amt.Shift(30)
		}
		txs = append(txs, Transaction{
			Customer: string('a' + rune(b[i]%6)),
			Time:     time.Date(2023, 1, 1, 0, 0, 0, 0, loc).Add(time.Duration(b[i+1])*71*time.Hour + time.Duration(b[i+2])*time.Minute),
			Amount:   amt,
		})
	}
	build := func(part []Transaction) *Log {
		l, _ := NewLog(LogOptions{Location: loc})
		for _, tx := range part {
			if err := l.Add(tx); err != nil {
				t.Fatal(err)
			}
		}
		return l
	}
	p := funnel.Period(period % 5)
	opts := CohortOptions{Period: p, AsOf: time.Date(2024, 6, 30, 0, 0, 0, 0, loc)}
	whole := build(txs)
	got, err := whole.Retention(opts)
	if err != nil {
		t.Fatal(err)
	}
	checkReconciles(t, got)
	var news int64
	for _, row := range got.Periods {
		news += row.New.Customers
	}
	if news+got.Later != got.Log.Customers {
		t.Fatalf("%d new + %d later != %d customers", news, got.Later, got.Log.Customers)
	}
	topts := TrackingOptions{CalibrationEnd: time.Date(2023, 12, 31, 0, 0, 0, 0, loc), End: opts.AsOf, Unit: 7 * 24 * time.Hour, Period: p}
	tr, err := whole.Tracking(paperBGNBD, topts)
	if err != nil {
		t.Fatal(err)
	}
	var sumA int64
	for _, r := range tr.Rows {
		sumA += r.Actual
		if r.Expected < -1e-9 || !finite(r.CumExpected) {
			t.Fatalf("bad tracking row %+v", r)
		}
	}
	if n := len(tr.Rows); n > 0 && sumA != tr.Rows[n-1].CumActual || tr.Customers+tr.Later != got.Log.Customers {
		t.Fatalf("tracking totals do not add up: %+v", tr)
	}
	a, c := build(txs[:len(txs)/2]), build(txs[len(txs)/2:])
	enc, _ := c.MarshalBinary()
	var d Log
	if err := d.UnmarshalBinary(enc); err != nil {
		t.Fatal(err)
	}
	mustMerge(t, a, &d)
	merged, err := a.Retention(opts)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, merged); diff != "" {
		t.Fatalf("merged retention differs:\n%s", diff)
	}
	mt, err := a.Tracking(paperBGNBD, topts)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tr, mt); diff != "" {
		t.Fatalf("merged tracking differs:\n%s", diff)
	}
}
