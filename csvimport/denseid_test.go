package csvimport

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// numericIDs returns IDs as exports number deals, mixed with what must
// not be read as those numbers: leading zeros, signs, numbers too large
// for the dense slice (early, so that they land in the general
// structure, and asked for again once the slice has grown past them),
// and text.
func numericIDs(n int) []string {
	rng := rand.New(rand.NewPCG(3, 4))
	ids := []string{"5000000", "0", "00", "007", "7", "+7", "-7", "4294967296", "2147483646", "2147483647", "99999999999", "x1"}
	for i := range n {
		switch r := rng.IntN(100); {
		case r < 10:
			ids = append(ids, ids[rng.IntN(len(ids))]) // a repeat
		case r < 12:
			ids = append(ids, "0"+strconv.Itoa(i))
		case r < 14:
			ids = append(ids, strconv.Itoa(rng.IntN(1<<30)))
		default:
			ids = append(ids, strconv.Itoa(i+1))
		}
	}
	return append(ids, "5000000", "007", "2147483647")
}

// TestIDIndex checks the dense index against a map.
func TestIDIndex(t *testing.T) {
	var x idIndex
	want := map[string]int32{}
	for _, id := range numericIDs(300_000) {
		got, ok := x.get([]byte(id))
		w, wok := want[id]
		if ok != wok || got != w {
			t.Fatalf("get(%q) = %d, %v; want %d, %v", id, got, ok, w, wok)
		}
		if !ok {
			i := int32(len(want))
			want[id] = i
			if dense := x.put([]byte(id), i); dense {
				if v, _ := denseID(id); denseName(v) != id {
					t.Fatalf("%q kept densely spells %q", id, denseName(v))
				}
			}
		}
	}
	if x.numeric == 0 || len(x.dense) < 300_000 {
		t.Errorf("%d numbers in the map, dense slice of %d: the test does not reach both", x.numeric, len(x.dense))
	}
}

// TestIDSetNumbers checks the ID set's dense slice against a map.
func TestIDSetNumbers(t *testing.T) {
	s := newIDSet(0)
	want := map[string]int{}
	for line, id := range numericIDs(300_000) {
		line += 2
		first, seen := want[id]
		if !seen {
			want[id] = line
		}
		if got := s.add(id, s.hash([]byte(id)), line); got != first {
			t.Fatalf("add(%q, %d) = %d, want %d", id, line, got, first)
		}
	}
	if s.numeric == 0 || s.held < 250_000 {
		t.Errorf("%d numbers in the slots, %d dense: the test does not reach both", s.numeric, s.held)
	}
}

func TestDenseID(t *testing.T) {
	for _, c := range []struct {
		id string
		v  uint32
		ok bool
	}{{"0", 0, true}, {"1", 1, true}, {"1000000", 1000000, true}, {"2147483646", 2147483646, true},
		{"2147483647", 0, false}, {"", 0, false}, {"01", 0, false}, {"00", 0, false}, {"-1", 0, false},
		{"+1", 0, false}, {"1 ", 0, false}, {"1a", 0, false}, {"12345678901", 0, false}, {"９", 0, false}} {
		if v, ok := denseID(c.id); v != c.v || ok != c.ok {
			t.Errorf("denseID(%q) = %d, %v; want %d, %v", c.id, v, ok, c.v, c.ok)
		}
	}
}

// BenchmarkIDSet adds 1,000,000 IDs: numbers (the dense slice) and the
// same as text (the slots).
func BenchmarkIDSet(b *testing.B) {
	for _, kind := range []string{"numbers", "text"} {
		ids := make([]string, 1_000_000)
		for i := range ids {
			ids[i] = strconv.Itoa(i + 1)
			if kind == "text" {
				ids[i] = "D" + ids[i]
			}
		}
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s := newIDSet(1024)
				for line, id := range ids {
					if s.add(id, s.hashString(id), line+2) != 0 {
						b.Fatal("duplicate")
					}
				}
			}
		})
	}
}

// TestZoneTable checks that times come back from the history's compact
// form as they went in: the zero time, UTC, a named zone, the zones that
// parsing makes up for offsets (a new one per time, told apart by offset),
// and the overflow past the zones a row can index.
func TestZoneTable(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	var in []time.Time
	in = append(in, time.Time{}, time.Date(2024, 3, 10, 12, 0, 0, 5, time.UTC), time.Date(1969, 7, 20, 20, 17, 0, 0, ny))
	for i := range 200 {
		v, err := time.Parse(time.RFC3339, fmt.Sprintf("2024-01-02T03:04:05+%02d:%02d", i%14, (i*15)%60))
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, v)
	}
	defer func(m int) { maxZones = m }(maxZones)
	for _, max := range []int{zoneExtra - 1, 3} {
		maxZones = max
		zt := &zoneTable{}
		for i, v := range in {
			sec, nsec, zone := zt.set(v)
			got := zt.get(sec, nsec, zone)
			name, off := v.Zone()
			gname, goff := got.Zone()
			if !got.Equal(v) || got.IsZero() != v.IsZero() || name != gname || off != goff {
				t.Fatalf("time %d: %v came back as %v", i, v, got)
			}
		}
		if max == zoneExtra-1 && (len(zt.zones) > 60 || len(zt.extra) > 0) {
			t.Errorf("%d zones and %d extra times for 56 offsets", len(zt.zones), len(zt.extra))
		}
		if max == 3 && (len(zt.zones) != 3 || len(zt.extra) < 150) {
			t.Errorf("%d zones and %d extra times past a bound of 3 zones", len(zt.zones), len(zt.extra))
		}
	}
}

// FuzzDenseID checks that an ID is read as a number exactly when it
// spells that number canonically: the number spells it back.
func FuzzDenseID(f *testing.F) {
	for _, s := range []string{"0", "7", "007", "2147483646", "2147483647", "-1", "1e3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := denseID(s)
		n, err := strconv.ParseUint(s, 10, 64)
		canonical := err == nil && strconv.FormatUint(n, 10) == s && n <= maxDenseID
		if ok != canonical || (ok && (uint64(v) != n || denseName(v) != s)) {
			t.Fatalf("denseID(%q) = %d, %v; canonical %v", s, v, ok, canonical)
		}
		if b, bok := denseID([]byte(s)); b != v || bok != ok {
			t.Fatalf("denseID of the bytes of %q = %d, %v; of the string %d, %v", s, b, bok, v, ok)
		}
	})
}
