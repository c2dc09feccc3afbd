package target_test

import (
	"bytes"
	"encoding/json"
	"github.com/funnelmetrics/funnel/internal/aliastest"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/funnelmetrics/funnel/internal/schematest"
	"github.com/funnelmetrics/funnel/target"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// genTargets are targets for the generated funnel, one of each kind a
// bottleneck reads, from two sets.
func genTargets() []target.Set {
	return []target.Set{
		{Name: "team", Targets: []target.Target{
			{Metric: target.StepConversion, Stage: "Qualified", Value: dec("0.7")},
			{Metric: target.StepConversion, Stage: "won", Value: dec("0.6")},
			{Metric: target.TimeInStageDays, Stage: "Proposal", Bound: target.AtMost, Value: dec("12")},
			{Metric: target.WinRate, Value: dec("0.3")},
		}},
		{Name: "peers", Source: "made up", Benchmark: true, Targets: []target.Target{
			{Metric: target.StepConversion, Stage: "Proposal", Value: dec("0.55"), Period: time.Date(2024, 3, 1, 0, 0, 0, 0, mustLoad("America/Havana"))},
			{Metric: target.StepConversion, Stage: "Negotiation", Value: dec("0.8")},
			{Metric: target.TimeInStageDays, Stage: "Lead", Bound: target.AtLeast, Value: dec("1")},
		}},
	}
}

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// propCase is one scan and options of the property tests.
type propCase struct {
	name string
	s    *funnel.Scan
	opts target.Options
}

func propCases(t testing.TB) []propCase {
	f := dealgen.Funnel()
	asOf := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	return []propCase{
		{"no as-of", mustScan(t, f, funnel.Options{Mode: funnel.Lenient, Currency: "USD", UndatedClose: true}), target.Options{Targets: genTargets()}},
		{"stalls, window", mustScan(t, f, funnel.Options{Mode: funnel.Lenient, Currency: "USD", UndatedClose: true, AsOf: asOf,
			Window: 90 * dayLen, Location: mustLoad("America/Santiago")}), target.Options{Targets: genTargets(), StallAfter: 21 * dayLen}},
		{"any stage, 90%", mustScan(t, f, funnel.Options{Mode: funnel.Lenient, Currency: "USD", UndatedClose: true, AsOf: asOf.AddDate(0, 3, 0),
			Policy: funnel.AnyStage, Test: funnel.Test{Confidence: 0.9, MinSample: 10}}), target.Options{Targets: genTargets()[1:], StallAfter: 7 * dayLen}},
	}
}

// propDeals returns generated deals with undated ones mixed in, and
// invalid ones when mixed is true.
func propDeals(n int, seed uint64, mixed bool) []funnel.Deal {
	deals := dealgen.Generate(n, seed, dealgen.Options{})
	for i := 3; i < len(deals); i += 29 {
		deals[i].Created = time.Time{}
		for j := range deals[i].History {
			if j%2 == 0 {
				deals[i].History[j].At = time.Time{} // unknown entry times
			}
		}
	}
	for i := 7; i < len(deals); i += 31 {
		if deals[i].Outcome != funnel.Open {
			deals[i].Closed = time.Time{}
		}
	}
	if mixed {
		for i := 0; i < len(deals); i += 17 {
			deals[i].Currency = "EUR"
		}
		for i := 5; i < len(deals); i += 23 {
			deals[i].Stage = "Nowhere"
		}
	}
	return deals
}

func newB(t testing.TB, c propCase) *target.Bottleneck {
	t.Helper()
	b, err := target.NewBottleneck(c.s, c.opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func encode(t testing.TB, b *target.Bottleneck) []byte {
	t.Helper()
	data, err := b.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var ignoreExamples = cmpopts.IgnoreFields(funnel.Skipped{}, "Examples")

// TestMergeOfAnySplit splits the deals at random into parts, accumulates
// each part, merges the parts (some through their binary encoding, into a
// zero value or a built one) and compares with one pass: the same bytes
// for valid deals, the same ranking with invalid ones (but for which
// skipped deals are kept as examples: parts number their deals from 0
// each).
func TestMergeOfAnySplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	trials := 6
	if testing.Short() {
		trials = 2
	}
	for ci, c := range propCases(t) {
		for _, mixed := range []bool{false, true} {
			deals := propDeals(300, uint64(ci)+11, mixed)
			whole := newB(t, c)
			for _, d := range deals {
				_ = whole.Add(d)
			}
			wantBytes := encode(t, whole)
			want := whole.Ranking()
			for trial := range trials {
				k := 1 + trial%5
				parts := make([]*target.Bottleneck, k)
				for i := range parts {
					parts[i] = newB(t, c)
				}
				for _, d := range deals {
					_ = parts[rng.IntN(k)].Add(d)
				}
				merged := newB(t, c)
				for i, p := range parts {
					before := encode(t, p)
					src := p
					switch i % 3 {
					case 1: // through the encoding into a zero value
						src = new(target.Bottleneck)
						if err := src.UnmarshalBinary(before); err != nil {
							t.Fatalf("%s: decode part: %v", c.name, err)
						}
					case 2: // through the encoding into a built one
						src = newB(t, c)
						if err := src.UnmarshalBinary(before); err != nil {
							t.Fatalf("%s: decode part: %v", c.name, err)
						}
					}
					if err := merged.Merge(src); err != nil {
						t.Fatalf("%s: merge: %v", c.name, err)
					}
					if !bytes.Equal(before, encode(t, p)) {
						t.Fatalf("%s: merge modified its argument", c.name)
					}
				}
				if !mixed && !bytes.Equal(wantBytes, encode(t, merged)) {
					t.Errorf("%s: encoding of %d merged parts differs from one pass", c.name, k)
				}
				opts := append([]cmp.Option{}, cmpOpts...)
				if mixed {
					opts = append(opts, ignoreExamples)
				}
				if diff := cmp.Diff(want, merged.Ranking(), opts...); diff != "" {
					t.Errorf("%s mixed=%v: ranking of %d merged parts differs (-one pass +merged):\n%s", c.name, mixed, k, diff)
				}
			}
		}
	}
}

// TestRunParallel checks that a parallel run gives the serial run's
// ranking, bytes and skipped examples.
func TestRunParallel(t *testing.T) {
	f := dealgen.Funnel()
	deals := propDeals(3000, 21, true)
	for _, workers := range []int{2, 3, 8} {
		o := funnel.Options{Mode: funnel.Lenient, Currency: "USD", UndatedClose: true, AsOf: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)}
		o.Workers = 1
		serial := mustScan(t, f, o)
		o.Workers = workers
		parallel := mustScan(t, f, o)
		opts := target.Options{Targets: genTargets(), StallAfter: 14 * dayLen}
		a, _ := target.NewBottleneck(serial, opts)
		b, _ := target.NewBottleneck(parallel, opts)
		tally := funnel.NewTally(parallel)
		if err := serial.Run(values(deals), a); err != nil {
			t.Fatal(err)
		}
		if err := parallel.Run(values(deals), b, tally); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(encode(t, a), encode(t, b)) {
			t.Errorf("%d workers: encoding differs from serial", workers)
		}
		if diff := cmp.Diff(a.Ranking(), b.Ranking(), cmpOpts...); diff != "" {
			t.Errorf("%d workers: ranking differs (-serial +parallel):\n%s", workers, diff)
		}
		if diff := cmp.Diff(tally.Report(), b.Ranking().Report, cmpOpts...); diff != "" {
			t.Errorf("%d workers: the ranking's report differs from a tally's of the same pass:\n%s", workers, diff)
		}
	}
	// strict: the first invalid deal stops both alike
	o := funnel.Options{Currency: "USD", UndatedClose: true, Workers: 4}
	_, err := target.Rank(mustScan(t, f, o), values(deals), target.Options{})
	o.Workers = 1
	_, err1 := target.Rank(mustScan(t, f, o), values(deals), target.Options{})
	if err == nil || err.Error() != err1.Error() {
		t.Errorf("strict errors %v and %v", err, err1)
	}
}

// TestResultsDoNotAlias mutates every slice of every result, then
// computes the results again: nothing a result holds is the
// accumulator's, the report's or the set's own.
func TestResultsDoNotAlias(t *testing.T) {
	c := propCases(t)[1]
	deals := propDeals(200, 4, true)
	b := newB(t, c)
	for _, d := range deals[:150] {
		_ = b.Add(d)
	}
	before, err := json.Marshal(b.Ranking())
	if err != nil {
		t.Fatal(err)
	}
	r := b.Ranking()
	if len(r.Input.Skipped.Examples) == 0 || len(r.Steps[0].Reasons) == 0 {
		t.Fatal("the test needs skipped deals and reasons")
	}
	aliastest.Scribble(&r)
	after, err := json.Marshal(b.Ranking())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the ranking changed after a copy was scribbled")
	}
	if c.s.Funnel().Stage(0) != "Lead" {
		t.Error("the funnel changed")
	}
	for _, d := range deals[150:] {
		_ = b.Add(d)
	}
	if in := b.Ranking().Input; in.Read != 200 {
		t.Errorf("after scribbling, adding gives %+v", in)
	}

	// an evaluation shares nothing with its report or set
	rep := b.Ranking().Report
	set := genTargets()[0]
	repBefore, _ := json.Marshal(rep)
	setBefore, _ := json.Marshal(set)
	e, err := set.Evaluate(rep, "", time.Time{}, c.s.Options().Test)
	if err != nil {
		t.Fatal(err)
	}
	eBefore, _ := json.Marshal(e)
	aliastest.Scribble(&e)
	repAfter, _ := json.Marshal(rep)
	setAfter, _ := json.Marshal(set)
	if !bytes.Equal(repBefore, repAfter) || !bytes.Equal(setBefore, setAfter) {
		t.Error("scribbling an evaluation changed its report or set")
	}
	e2, _ := set.Evaluate(rep, "", time.Time{}, c.s.Options().Test)
	if eAfter, _ := json.Marshal(e2); !bytes.Equal(eBefore, eAfter) {
		t.Error("evaluations differ")
	}
	// the set the bottleneck was built with is its own
	sets := genTargets()
	b2 := newB(t, propCase{s: c.s, opts: target.Options{Targets: sets, StallAfter: c.opts.StallAfter}})
	for _, d := range deals {
		_ = b2.Add(d)
	}
	r1, _ := json.Marshal(b2.Ranking())
	aliastest.Scribble(&sets)
	if r2, _ := json.Marshal(b2.Ranking()); !bytes.Equal(r1, r2) {
		t.Error("scribbling the caller's sets changed the ranking")
	}
}

// roundTrip encodes v to JSON, validates it against the schema
// definition def (unless ""), decodes it into dst and compares.
func roundTrip(t *testing.T, name, def string, v, dst any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if def != "" {
		schematest.CheckJSON(t, def, b)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, b)
	}
	got := reflect.ValueOf(dst).Elem().Interface()
	if diff := cmp.Diff(v, got, cmpOpts...); diff != "" {
		t.Errorf("%s: JSON round trip differs (-before +after):\n%s", name, diff)
	}
	if b2, _ := json.Marshal(got); !bytes.Equal(b, b2) {
		t.Errorf("%s: re-encoding differs", name)
	}
}

// TestJSONRoundTrip encodes every result type to JSON, validates it
// against the schema and decodes it back.
func TestJSONRoundTrip(t *testing.T) {
	for _, c := range propCases(t) {
		b := newB(t, c)
		for _, d := range propDeals(300, 8, true) {
			_ = b.Add(d)
		}
		r := b.Ranking()
		roundTrip(t, c.name+" ranking", "target_ranking", r, new(target.Ranking))
		roundTrip(t, c.name+" step", "target_step", r.Steps[0], new(target.Step))
		for _, set := range genTargets() {
			roundTrip(t, c.name+" set", "target_set", set, new(target.Set))
			e, err := set.Evaluate(r.Report, "EMEA", time.Date(2024, 3, 1, 0, 0, 0, 0, mustLoad("America/Havana")), c.s.Options().Test)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, c.name+" evaluation", "target_evaluation", e, new(target.Evaluation))
			for _, res := range e.Results {
				roundTrip(t, c.name+" result", "target_result", res, new(target.Result))
				roundTrip(t, c.name+" observation", "target_observation", res.Observed, new(target.Observation))
				roundTrip(t, c.name+" target", "target", res.Target, new(target.Target))
			}
		}
	}
	// empty results: [] for lists, null for undefined values
	f := mustFunnel(t, "A")
	r, err := target.Rank(mustScan(t, f, funnel.Options{}), values(nil), target.Options{})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, "empty ranking", "target_ranking", r, new(target.Ranking))
	// zero values are not output, but decode back too
	roundTrip(t, "zero ranking", "", target.Ranking{}, new(target.Ranking))
	roundTrip(t, "zero evaluation", "", target.Evaluation{}, new(target.Evaluation))
	roundTrip(t, "zero set", "target_set", target.Set{}, new(target.Set))
	roundTrip(t, "no data", "target_result", target.Result{Target: target.Target{Metric: target.WinRate}}, new(target.Result))
	data, _ := json.Marshal(r)
	for _, w := range []string{`"reasons":["conversion A to won: no decided deals"]`, `"stall_after_seconds":0.000000000`,
		`"conversion_target":null`, `"examples":[]`, `"steps":[{`} {
		if !bytes.Contains(data, []byte(w)) {
			t.Errorf("ranking JSON lacks %s: %s", w, data)
		}
	}
	data, _ = json.Marshal(target.Set{})
	if string(data) != `{"name":"","source":"","benchmark":false,"targets":[]}` {
		t.Errorf("empty set JSON %s", data)
	}
	data, _ = json.Marshal(target.Result{Target: target.Target{Metric: target.DealSize, Value: dec("10")}})
	if want := `{"target":{"metric":"deal_size","stage":"","segment":"","period":null,"bound":"at_least","value":"10"},"set":"","source":"","benchmark":false,` +
		`"observed":{"defined":false,"value":"0","n":0},"attainment":null,"gap":null,"status":"no data"}`; string(data) != want {
		t.Errorf("result JSON\n%s\nwant\n%s", data, want)
	}
	// invalid values do not encode or decode
	if _, err := json.Marshal(target.Target{Metric: "x"}); err == nil {
		t.Error("a target of an unknown metric encoded")
	}
	if _, err := json.Marshal(target.Result{Status: 9}); err == nil {
		t.Error("a result of status 9 encoded")
	}
	for _, bad := range []string{`{"stall_after_seconds":"x"}`, `{"stall_after_seconds":1e30}`, `{"stall_after_seconds":0.0000000001}`,
		`{"steps":[{"conversion_target":{"target":{"metric":"x","value":"1"}}}]}`} {
		if err := json.Unmarshal([]byte(bad), new(target.Ranking)); err == nil {
			t.Errorf("ranking %s decoded", bad)
		}
	}
	if err := json.Unmarshal([]byte(`{"status":"great"}`), new(target.Result)); err == nil {
		t.Error("status great decoded")
	}
}
