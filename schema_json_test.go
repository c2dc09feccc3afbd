package funnel_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/funnelmetrics/funnel/internal/schematest"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSegmentsMatchSchema checks segmented reports, their rows, rankings
// and comparisons (of rates, and the rows' tests of deal size and time to
// win against the rest) against the schema and through a JSON round trip: one
// with skipped and future deals and an other row, one of a few deals by
// hand with an unknown segment, and one of no deals.
func TestSegmentsMatchSchema(t *testing.T) {
	_, _, rich := richReport(t)
	hand := []funnel.Deal{
		segDeal("1", "web", funnel.Won, "100", 0, 5),
		segDeal("2", "web", funnel.Lost, "50", 1, 4),
		segDeal("3", "", funnel.Open, "70", 2, 0),
		segDeal("4", "ads", funnel.Won, "10.50", 2, 9),
		{ID: "5", Stage: "Nowhere", Currency: "USD", Created: segDays(3)}, // skipped
	}
	s := scanOf(t, segFunnel(t), funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: segDays(6)})
	byKey := compute(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrSource)}, ByKey: true, TestRest: true}, hand)
	if byKey.Input.Skipped.Count != 1 || byKey.Input.Future != 0 {
		t.Fatalf("hand segmentation input %+v", byKey.Input)
	}
	amount, err := funnel.ByAmount(dec("20"), dec("80"))
	if err != nil {
		t.Fatal(err)
	}
	empty := compute(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrSource), amount}, TopK: 1}, nil)
	for name, r := range map[string]funnel.SegmentReport{"rich": rich, "by key": byKey, "empty": empty} {
		t.Run(name, func(t *testing.T) {
			roundTrip(t, "segment_report", r)
			for _, row := range r.Rows {
				roundTrip(t, "segment_row", row)
				roundTrip(t, "segment_tests", row.Rest)
				roundTrip(t, "amount_comparison", row.Rest.DealSize)
				roundTrip(t, "duration_comparison", row.Rest.CycleWon)
			}
			ranks, err := r.Rank(winRateOf)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, "segment_rank_row", funnel.RankRow{Label: "(other)"})
			for _, k := range ranks {
				roundTrip(t, "segment_rank_row", k)
			}
			for i := range r.Rows {
				c, err := r.CompareRest(i, winRateOf)
				if err != nil {
					t.Fatal(err)
				}
				roundTrip(t, "comparison", c)
			}
		})
	}
}

// TestENPSMatchSchema checks eNPS scores and comparisons against the schema
// and through a JSON round trip: no answers, skips only, one answer, a
// unanimous set, skips counted as passives, and comparisons that are
// undefined, untested, withheld under the minimum sample and tested.
func TestENPSMatchSchema(t *testing.T) {
	score := func(o funnel.ENPSOptions, answers ...funnel.ENPSAnswer) funnel.ENPSScore {
		t.Helper()
		s, err := funnel.ENPSOf(slices.Values(answers), o)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	var many []funnel.ENPSAnswer
	for i := range 120 {
		many = append(many, funnel.ENPSAnswer(i%11), funnel.ENPSAnswer((i*7)%11))
		if i%9 == 0 {
			many = append(many, funnel.ENPSSkipped)
		}
	}
	none := score(funnel.ENPSOptions{})
	skips := score(funnel.ENPSOptions{}, funnel.ENPSSkipped, funnel.ENPSSkipped)
	one := score(funnel.ENPSOptions{}, 9)
	unanimous := score(funnel.ENPSOptions{}, 10, 10, 9)
	passive := score(funnel.ENPSOptions{SkippedAsPassive: true}, many...)
	plain := score(funnel.ENPSOptions{}, many...)
	bands := score(funnel.ENPSOptions{Bands: funnel.ENPSBands{PassiveMin: 6, PromoterMin: 8}}, many...)
	for _, s := range []funnel.ENPSScore{none, skips, one, unanimous, passive, plain, bands} {
		roundTrip(t, "enps_score", s)
	}
	for _, c := range [][2]funnel.ENPSScore{{none, plain}, {unanimous, unanimous}, {one, plain}, {plain, bands}, {passive, plain}} {
		for _, test := range []funnel.Test{{}, {Confidence: 0.9, MinSample: 2}} {
			cmpr, err := funnel.CompareENPS(c[0], c[1], test)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, "enps_comparison", cmpr)
		}
	}
}

// TestSchemaDefinitions compiles the schema and every one of its
// definitions, and requires every definition to be named by a test of the
// module (a string literal of a _test.go file, as the schematest calls
// and their tables name them; nested modules do not count) or referred to
// by another definition, and
// every object definition to be closed (additionalProperties false) with
// required properties it declares.
func TestSchemaDefinitions(t *testing.T) {
	const file = "schema/funnel.schema.json"
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Defs) == 0 {
		t.Fatal("the schema has no definitions")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Compile(abs); err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	for name := range doc.Defs {
		if _, err := c.Compile(abs + "#/$defs/" + name); err != nil {
			t.Errorf("definition %s does not compile: %v", name, err)
		}
	}

	// definitions referred to by another
	referred := map[string]bool{}
	refRE := regexp.MustCompile(`"\$ref":\s*"#/\$defs/([^"]+)"`)
	for name, d := range doc.Defs {
		for _, m := range refRE.FindAllStringSubmatch(string(d), -1) {
			if m[1] != name {
				referred[m[1]] = true
			}
			if _, ok := doc.Defs[m[1]]; !ok {
				t.Errorf("definition %s refers to %s, which the schema does not define", name, m[1])
			}
		}
	}
	// definitions named by a test
	named := map[string]bool{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(".", func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && path != "." {
			if e.Name() == "testdata" || strings.HasPrefix(e.Name(), ".") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module: its tests do not run here
			}
		}
		if e.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					if _, ok := doc.Defs[s]; ok {
						named[s] = true
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range doc.Defs {
		if !named[name] && !referred[name] {
			t.Errorf("definition %s is neither checked by a test nor referred to by another definition", name)
		}
	}

	// strictness of object definitions, at any depth
	var strict func(where string, v any)
	strict = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok || v["type"] == "object" {
				if v["additionalProperties"] != false {
					t.Errorf("%s: an object without additionalProperties false", where)
				}
				req, _ := v["required"].([]any)
				for _, r := range req {
					if _, ok := props[r.(string)]; !ok {
						t.Errorf("%s: required %v is not a property", where, r)
					}
				}
			}
			for k, e := range v {
				strict(where+"/"+k, e)
			}
		case []any:
			for i, e := range v {
				strict(where+"/"+strconv.Itoa(i), e)
			}
		}
	}
	for name, d := range doc.Defs {
		var v any
		if err := json.Unmarshal(d, &v); err != nil {
			t.Fatal(err)
		}
		strict(name, v)
	}
}

// TestSchemaChecksRealOutput makes sure the schema check is not vacuous: a
// valid report passes its definition and fails another's.
func TestSchemaChecksRealOutput(t *testing.T) {
	r, err := funnel.Compute(dealgen.Funnel(), slices.Values(dealgen.Generate(30, 2, dealgen.Options{})),
		funnel.Options{Currency: "USD", AsOf: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	if err := schematest.Validate("report", b); err != nil {
		t.Fatalf("report: %v", err)
	}
	if schematest.Validate("segment_report", b) == nil || schematest.Validate("trend_report", b) == nil {
		t.Errorf("a funnel report passes the definition of another type")
	}
	if schematest.Validate("no_such_definition", b) == nil {
		t.Errorf("an unknown definition validates")
	}
}

// TestEnumsMatchSchema checks that the root's enums encode, by name, to
// exactly the names their schema definitions list, and that an invalid
// value does not encode.
func TestEnumsMatchSchema(t *testing.T) {
	raw, err := os.ReadFile("schema/funnel.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs map[string]struct {
			Enum []string `json:"enum"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		def     string
		values  []any
		invalid any
	}{
		{"mode", []any{funnel.Strict, funnel.Lenient}, funnel.Mode(9)},
		{"policy", []any{funnel.InOrder, funnel.AnyStage, funnel.DirectNext}, funnel.Policy(9)},
		{"period", []any{funnel.Month, funnel.Day, funnel.Week, funnel.Quarter, funnel.Year}, funnel.Period(9)},
		{"method", []any{funnel.Auto, funnel.ZTest, funnel.Fisher}, funnel.Method(9)},
		{"verdict", []any{funnel.Withheld, funnel.NoDifference, funnel.Higher, funnel.Lower}, funnel.Verdict(9)},
		{"outcome", []any{funnel.Open, funnel.Won, funnel.Lost}, funnel.Outcome(9)},
		{"trend_value_at", []any{funnel.AtCurrent, funnel.AtCreation, funnel.AtClose}, funnel.ValueAt(9)},
	} {
		var got []string
		for _, v := range c.values {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%s %v: %v", c.def, v, err)
			}
			schematest.CheckJSON(t, c.def, b)
			var name string
			_ = json.Unmarshal(b, &name)
			got = append(got, name)
		}
		want := slices.Sorted(slices.Values(doc.Defs[c.def].Enum))
		if slices.Sort(got); !slices.Equal(got, want) {
			t.Errorf("%s: the values encode to %q, the schema lists %q", c.def, got, want)
		}
		if b, err := json.Marshal(c.invalid); err == nil {
			t.Errorf("%s: invalid value %v encodes to %s", c.def, c.invalid, b)
		}
	}
}
