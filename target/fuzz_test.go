package target_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/target"
	"github.com/google/go-cmp/cmp"
)

// parseSeeds are documents of the parser's tests.
var parseSeeds = []string{
	`{"name": "peers", "source": "Peer survey 2024", "benchmark": true, "targets": [
		{"metric": "win_rate", "bound": "at_least", "value": "0.2"},
		{"metric": "step_conversion", "stage": "B", "segment": "EMEA", "bound": "at_least", "value": 0.5},
		{"metric": "cycle_days", "period": "2024-01-01T00:00:00Z", "bound": "at_most", "value": "30"},
		{"metric": "deal_size", "period": null, "value": 1.5e3}]}`,
	`{}`, ``, `null`, `{"name": "x"} {}`, `{"targets": [{"metric": "happiness", "value": "1"}]}`,
	`{"targets": [{"metric": "time_in_stage_days", "stage": "Demo", "bound": "at_most", "value": "1e-30"}]}`,
	`{"targets": [{"metric": "deal_size", "value": "1e-999999999"}]}`,
	`{"targets": [{"metric": "win_rate", "value": "0.5", "value": "2"}]}`,
	`{"targets": [{"metric": "win_rate", "period": "2024-03-10T00:00:00-05:00", "value": 1}]}`,
}

// FuzzParse checks that Parse never panics, fails only with an *Error
// wrapping ErrInvalid, and that a parsed set validates, encodes and
// parses back to an equal set with the same encoding.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := target.Parse(bytes.NewReader(data))
		if err != nil {
			var te *target.Error
			if !errors.As(err, &te) || !errors.Is(err, target.ErrInvalid) || !errors.Is(err, funnel.ErrInvalidParam) {
				t.Fatalf("error %v is not an *Error wrapping ErrInvalid", err)
			}
			if len(err.Error()) > 1000 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("parsed set does not validate: %v", err)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := target.Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("re-parsing %s: %v", b, err)
		}
		if diff := cmp.Diff(s, back); diff != "" {
			t.Fatalf("parse(encode(s)) differs:\n%s", diff)
		}
		if b2, _ := json.Marshal(back); !bytes.Equal(b, b2) {
			t.Fatalf("re-encoding differs:\n%s\n%s", b, b2)
		}
		// evaluating any valid set never fails on a valid report
		if _, err := s.Evaluate(fuzzReport, "EMEA", time.Time{}, funnel.Test{}); err != nil {
			t.Fatalf("evaluate: %v", err)
		}
		if _, err := target.NewBottleneck(fuzzScan, target.Options{Targets: []target.Set{s}}); err != nil {
			t.Fatalf("a bottleneck of a valid set: %v", err)
		}
	})
}

var (
	fuzzScan   *funnel.Scan
	fuzzReport funnel.Report
)

func init() {
	f, _ := funnel.New("A", "B", "C")
	fuzzScan, _ = funnel.NewScan(f, funnel.Options{AsOf: day(20)})
	fuzzReport, _ = funnel.Compute(f, values(handDeals()), funnel.Options{AsOf: day(20)})
}

// FuzzBottleneckDecode checks the binary decoder: an error wrapping
// ErrInvalidParam or ErrIncompatible, or an analysis that re-encodes to
// the same bytes, decodes again, ranks without panicking into JSON that
// encodes, and merges into a fresh one to the same ranking.
func FuzzBottleneckDecode(f *testing.F) {
	for _, c := range propCases(f) {
		for _, n := range []int{0, 1, 12} {
			b := newB(f, c)
			for _, d := range propDeals(n, uint64(n)+1, true) {
				_ = b.Add(d)
			}
			data := encode(f, b)
			f.Add(data)
			f.Add(data[:len(data)/2])
			f.Add(data[:len(data)-1])
		}
	}
	hs := mustScan(f, mustFunnel(f, "A", "B", "C"), funnel.Options{AsOf: day(43)})
	b, _ := target.NewBottleneck(hs, target.Options{Targets: handTargets(), StallAfter: 30 * dayLen})
	for _, d := range bottleneckDeals() {
		_ = b.Add(d)
	}
	f.Add(encode(f, b))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b target.Bottleneck
		if err := b.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, funnel.ErrInvalidParam) && !errors.Is(err, funnel.ErrIncompatible) {
				t.Fatalf("decode error %v wraps neither sentinel", err)
			}
			return
		}
		enc := encode(t, &b)
		if !bytes.Equal(enc, data) {
			t.Fatal("decode-encode changes the bytes")
		}
		var b2 target.Bottleneck
		if err := b2.UnmarshalBinary(enc); err != nil {
			t.Fatalf("decoding a re-encoding: %v", err)
		}
		r1 := b.Ranking()
		j1, err := json.Marshal(r1)
		if err != nil {
			t.Fatalf("ranking JSON: %v", err)
		}
		_ = r1.String()
		fresh := b.Fresh()
		if err := fresh.Merge(&b); err != nil {
			t.Fatal(err)
		}
		// skipped examples are compared apart: an intake keeps examples of
		// the same position and ID in the order it meets them, which a
		// hostile encoding can set otherwise
		j2, _ := json.Marshal(fresh.(*target.Bottleneck).Ranking())
		if !bytes.Equal(withoutExamples(t, j1), withoutExamples(t, j2)) {
			t.Fatal("a fresh analysis merged with the decoded one ranks otherwise")
		}
	})
}

// withoutExamples drops the skipped examples from a JSON document.
func withoutExamples(t *testing.T, b []byte) []byte {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			delete(x, "examples")
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	out, _ := json.Marshal(v)
	return out
}

// FuzzResultJSON checks the JSON decoders of the result types: never a
// panic, and a decoded value encodes, decodes and encodes again to the
// same bytes.
func FuzzResultJSON(f *testing.F) {
	r, _ := target.Rank(fuzzScan, values(handDeals()), target.Options{Targets: handTargets()})
	rb, _ := json.Marshal(r)
	f.Add(rb)
	e, _ := handTargets()[0].Evaluate(fuzzReport, "", time.Time{}, funnel.Test{})
	eb, _ := json.Marshal(e)
	f.Add(eb)
	f.Add([]byte(`{"stall_after_seconds":"1.5","steps":[{"reasons":null,"time_target":null}]}`))
	f.Add([]byte(`{"period":"2024-01-01T00:00:00Z","results":[{"status":"met","attainment":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		stable(t, data, new(target.Ranking), func() any { return new(target.Ranking) })
		stable(t, data, new(target.Evaluation), func() any { return new(target.Evaluation) })
	})
}

// stable decodes data into v; when that works, v must encode, decode
// into a fresh value and encode to the same bytes.
func stable(t *testing.T, data []byte, v any, fresh func() any) {
	if json.Unmarshal(data, v) != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encoding a decoded %T: %v", v, err)
	}
	w := fresh()
	if err := json.Unmarshal(b, w); err != nil {
		t.Fatalf("decoding an encoding of %T: %v\n%s", v, err, b)
	}
	b2, err := json.Marshal(w)
	if err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("%T: encode-decode-encode differs: %v\n%s\n%s", v, err, b, b2)
	}
}
