package stat

import (
	"bufio"
	"cmp"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// refBlock is one data set of testdata/tests_r.txt or tests_py.txt: its
// kind and name, then its lines by their first word.
type refBlock struct {
	kind, name string
	lines      map[string][]string
}

func readRef(t *testing.T, file string) []refBlock {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []refBlock
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		w := strings.Fields(sc.Text())
		if len(w) == 0 {
			continue
		}
		switch w[0] {
		case "logrank", "bh", "welch", "perm":
			out = append(out, refBlock{kind: w[0], name: w[1], lines: map[string][]string{}})
		case "oddsratio":
			out = append(out, refBlock{kind: w[0], lines: map[string][]string{"result": w[1:]}})
		default:
			out[len(out)-1].lines[w[0]] = w[1:]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func floats(t *testing.T, w []string) []float64 {
	t.Helper()
	out := make([]float64, len(w))
	for i, s := range w {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = v
	}
	return out
}

// ties turns "time:status" words into a sample of Ties.
func ties(t *testing.T, w []string) []Tie {
	t.Helper()
	by := map[int64]*Tie{}
	for _, p := range w {
		ts, st, _ := strings.Cut(p, ":")
		at, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		x := by[at]
		if x == nil {
			x = &Tie{At: at}
			by[at] = x
		}
		if st == "1" {
			x.Events++
		} else {
			x.Censored++
		}
	}
	var out []Tie
	for _, x := range by {
		out = append(out, *x)
	}
	slices.SortFunc(out, func(a, b Tie) int { return cmp.Compare(a.At, b.At) })
	return out
}

var approx = cmpopts.EquateApprox(1e-12, 1e-14)

// TestLogRankAgainstR compares the log-rank test with R's
// survival::survdiff (testdata/tests.R): the aml and ovarian examples of
// ?survdiff and a set with ties.
func TestLogRankAgainstR(t *testing.T) {
	n := 0
	for _, b := range readRef(t, "testdata/tests_r.txt") {
		if b.kind != "logrank" {
			continue
		}
		n++
		r := floats(t, b.lines["result"])
		want := LogRank{Defined: true, ObservedA: int64(r[0]), ExpectedA: r[1], ObservedB: int64(r[2]), ExpectedB: r[3], Variance: r[4], ChiSquare: r[5], P: r[6]}
		want.Z = (float64(want.ObservedA) - want.ExpectedA) / math.Sqrt(want.Variance)
		got := LogRankTest(ties(t, b.lines["a"]), ties(t, b.lines["b"]))
		if diff := gocmp.Diff(want, got, approx); diff != "" {
			t.Errorf("%s: log-rank differs from survdiff (-R +ours):\n%s", b.name, diff)
		}
		// the test is symmetric: swapping the samples flips Z only
		sw := LogRankTest(ties(t, b.lines["b"]), ties(t, b.lines["a"]))
		if math.Abs(sw.Z+got.Z) > 1e-12 || math.Abs(sw.P-got.P) > 1e-12 {
			t.Errorf("%s: swapped samples give Z %v p %v", b.name, sw.Z, sw.P)
		}
	}
	if n != 3 {
		t.Fatalf("%d log-rank sets in tests_r.txt", n)
	}
}

// TestBHAgainstR compares BH with R's p.adjust(method = "BH")
// (testdata/tests.R): the example of Benjamini and Hochberg (1995), the
// example of ?p.adjust, and ties.
func TestBHAgainstR(t *testing.T) {
	n := 0
	for _, b := range readRef(t, "testdata/tests_r.txt") {
		if b.kind != "bh" {
			continue
		}
		n++
		p := floats(t, b.lines["p"])
		before := append([]float64(nil), p...)
		if diff := gocmp.Diff(floats(t, b.lines["adjusted"]), BH(p), approx); diff != "" {
			t.Errorf("%s: BH differs from p.adjust (-R +ours):\n%s", b.name, diff)
		}
		if !gocmp.Equal(before, p) {
			t.Errorf("%s: BH modified its argument", b.name)
		}
	}
	if n != 3 {
		t.Fatalf("%d BH sets in tests_r.txt", n)
	}
}

// TestWelchAgainstRAndSciPy compares Welch's test with R's t.test and
// scipy.stats.ttest_ind(equal_var=False) (testdata/tests.R, tests.py).
func TestWelchAgainstRAndSciPy(t *testing.T) {
	py := map[string]refBlock{}
	for _, b := range readRef(t, "testdata/tests_py.txt") {
		if b.kind == "welch" {
			py[b.name] = b
		}
	}
	n := 0
	for _, b := range readRef(t, "testdata/tests_r.txt") {
		if b.kind != "welch" {
			continue
		}
		p, ok := py[b.name]
		if !ok {
			t.Fatalf("%s: not in tests_py.txt", b.name)
		}
		n++
		a, c := MomentsOf(floats(t, p.lines["a"])), MomentsOf(floats(t, p.lines["b"]))
		got := WelchTest(a, c, 0.95)
		for _, src := range []refBlock{b, p} {
			r := floats(t, src.lines["result"])
			want := Welch{Defined: true, Diff: r[0], T: r[1], DF: r[2], P: r[3], Lo: r[4], Hi: r[5], SE: r[0] / r[1]}
			if diff := gocmp.Diff(want, got, cmpopts.EquateApprox(1e-9, 1e-12)); diff != "" {
				t.Errorf("%s: Welch differs (-reference +ours):\n%s", b.name, diff)
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d Welch sets", n)
	}
}

// TestPermutationAgainstSciPy compares the permutation test with
// scipy.stats.permutation_test enumerated exactly (testdata/tests.py):
// exactly when the splits are few enough, and within sampling error with
// Monte Carlo draws when they are not.
func TestPermutationAgainstSciPy(t *testing.T) {
	n := 0
	for _, b := range readRef(t, "testdata/tests_py.txt") {
		if b.kind != "perm" {
			continue
		}
		n++
		a, c := floats(t, b.lines["a"]), floats(t, b.lines["b"])
		r := floats(t, b.lines["result"])
		splits := int64(r[1])
		// exact
		got := PermutationTest(a, c, splits, 1, 1<<30)
		want := Permutation{Defined: true, Diff: r[0], Method: PermExact, Resamples: splits, P: r[2]}
		if diff := gocmp.Diff(want, got, cmpopts.EquateApprox(1e-12, 1e-9)); diff != "" {
			t.Errorf("%s: exact permutation test differs from SciPy (-SciPy +ours):\n%s", b.name, diff)
		}
		// Monte Carlo: 20,000 draws put p within 4 standard errors
		const draws = 20000
		if splits > draws {
			mc := PermutationTest(a, c, draws, 7, 1<<30)
			se := math.Sqrt(r[2] * (1 - r[2]) / draws)
			if mc.Method != PermMonteCarlo || mc.Resamples != draws || math.Abs(mc.P-r[2]) > 4*se+1.0/draws {
				t.Errorf("%s: Monte Carlo p %v (%s), exact %v", b.name, mc.P, mc.Method, r[2])
			}
			again := PermutationTest(append([]float64(nil), a...), c, draws, 7, 1<<30)
			if again != mc {
				t.Errorf("%s: the same seed gives %v then %v", b.name, mc, again)
			}
		}
	}
	if n != 3 {
		t.Fatalf("%d permutation sets", n)
	}
}

// TestOddsRatioAgainstSciPy compares Woolf's interval with
// scipy.stats.contingency.odds_ratio (testdata/tests.py).
func TestOddsRatioAgainstSciPy(t *testing.T) {
	n := 0
	for _, b := range readRef(t, "testdata/tests_py.txt") {
		if b.kind != "oddsratio" {
			continue
		}
		n++
		r := floats(t, b.lines["result"])
		got := OddsRatioWoolf(int64(r[0]), int64(r[1]), int64(r[2]), int64(r[3]), Z(0.95))
		want := OddsRatio{Defined: true, Value: r[4], Lo: r[5], Hi: r[6]}
		if diff := gocmp.Diff(want, got, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
			t.Errorf("table %v: odds ratio differs from SciPy (-SciPy +ours):\n%s", r[:4], diff)
		}
	}
	if n != 4 {
		t.Fatalf("%d odds-ratio tables", n)
	}
}
