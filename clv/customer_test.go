package clv

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCustomerIndex adds transactions of customers named in many ways
// (numbers in order, out of order and far apart, numbers a log of few
// customers keeps out of its dense index and later ones it takes in,
// names that look like numbers but are not written as one: "007", "-3",
// "+4", "1e3", ten digits) and checks every customer's index against a
// map numbering the names in the order they first appear, in the log as
// built, as merged into another and as decoded (whose indexes follow the
// names' order).
func TestCustomerIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	var ascending, shuffled, far, mixed []string
	for i := range 3000 {
		ascending = append(ascending, strconv.Itoa(i+1), strconv.Itoa(i+1)) // twice: the last customer again
		shuffled = append(shuffled, strconv.Itoa(1+rng.IntN(50_000)))
		far = append(far, strconv.Itoa(rng.IntN(1_000_000_000)))
	}
	odd := []string{"0", "00", "007", "7", "-3", "+4", "4", "1e3", "1000", "1000000000", "999999999", " 5", "5", "5 ",
		"a", "A1", "１", "12345678901234567890"}
	for i := range 4000 {
		switch i % 4 {
		case 0:
			mixed = append(mixed, odd[rng.IntN(len(odd))])
		case 1:
			mixed = append(mixed, strconv.Itoa(rng.IntN(100)))
		case 2:
			mixed = append(mixed, "acct-"+strconv.Itoa(rng.IntN(500)))
		default:
			mixed = append(mixed, strconv.Itoa(rng.IntN(3_000_000))) // beyond the room of a small log, within that of a large one
		}
	}
	// far numbers first, so that the log indexes some numbers by map,
	// then numbers it can index densely
	farThenNear := append(append([]string{}, far[:200]...), shuffled...)
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, set := range map[string][]string{"ascending": ascending, "shuffled": shuffled, "far": far, "mixed": mixed, "far then near": farThenNear} {
		want := map[string]int32{}
		var order []string
		var l Log
		for i, n := range set {
			if _, ok := want[n]; !ok {
				want[n] = int32(len(order))
				order = append(order, n)
			}
			if err := l.AddScaled(n, at.Add(time.Duration(i)*time.Hour), int64(i), -2); err != nil {
				t.Fatal(err)
			}
			if got := l.txns.at(i).cust; got != want[n] {
				t.Fatalf("%s: transaction %d of %q has customer %d, want %d", name, i, n, got, want[n])
			}
		}
		check := func(how string, l *Log, want map[string]int32, order []string) {
			t.Helper()
			if diff := cmp.Diff(order, l.names); diff != "" {
				t.Fatalf("%s, %s: names (-want +got):\n%s", name, how, diff)
			}
			for n, c := range want {
				if got, ok := l.find(n); !ok || got != c {
					t.Fatalf("%s, %s: %q found as %d, %v, want %d", name, how, n, got, ok, c)
				}
			}
			for _, n := range append(odd, "2000000000", "3000001", "999999998", "acct-x") {
				if _, in := want[n]; in {
					continue
				}
				if c, ok := l.find(n); ok {
					t.Fatalf("%s, %s: %q, not a customer, found as %d", name, how, n, c)
				}
			}
		}
		check("added", &l, want, order)

		// merged into a log that has some of the customers already
		var m Log
		mwant := map[string]int32{}
		var morder []string
		for _, n := range []string{"1", "zz", "7", "1000000000", "42"} {
			mwant[n] = int32(len(morder))
			morder = append(morder, n)
			if err := m.AddScaled(n, at, 1, 0); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range order {
			if _, ok := mwant[n]; !ok {
				mwant[n] = int32(len(morder))
				morder = append(morder, n)
			}
		}
		if err := m.Merge(&l); err != nil {
			t.Fatal(err)
		}
		check("merged", &m, mwant, morder)

		// decoded: the customers in ascending order of name
		b, err := l.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var d Log
		if err := d.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		sorted := append([]string{}, order...)
		slicesSort(sorted)
		dwant := map[string]int32{}
		for i, n := range sorted {
			dwant[n] = int32(i)
		}
		check("decoded", &d, dwant, sorted)
	}
}

// slicesSort sorts names by insertion, as their bytes order them: a
// route of its own to the order the encoding writes.
func slicesSort(names []string) {
	for i := 1; i < len(names); i++ {
		for j := i; j > 0 && names[j] < names[j-1]; j-- {
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
}

// TestDenseNumber checks which names read as numbers, against
// strconv: exactly those strconv.Itoa writes, of at most 9 digits.
func TestDenseNumber(t *testing.T) {
	names := []string{"", "0", "1", "9", "10", "00", "01", "-1", "+1", "1 ", " 1", "1a", "a", "999999999", "1000000000",
		"123456789", "0123456789", "١", "1.0", "1e2", "\x00"}
	for range 2000 {
		names = append(names, strconv.Itoa(rand.IntN(2_000_000_000)))
	}
	for _, n := range names {
		v, err := strconv.Atoi(n)
		want := err == nil && v >= 0 && strconv.Itoa(v) == n && len(n) <= 9
		got, ok := denseNumber(n)
		if ok != want || (ok && got != v) {
			t.Errorf("denseNumber(%q) = %d, %v; want %v (%d)", n, got, ok, want, v)
		}
	}
}
