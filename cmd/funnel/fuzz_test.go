package main

import (
	"os"
	"strings"
	"testing"
)

// FuzzMapping parses mapping files: it never panics, an error names the
// file, and a mapping it accepts has stages and the id and stage columns.
func FuzzMapping(f *testing.F) {
	for _, p := range []string{"testdata/mapping.json", "testdata/bad-mapping.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte(`{"stages":["A"],"deals":{"id":"i","stage":"s"},"csv":{"comma":"ab"}}`))
	f.Add([]byte(`{"stages":[1]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseMapping(b, "m.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "m.json") {
				t.Errorf("error without the file: %v", err)
			}
			return
		}
		if len(m.Stages) == 0 || m.Deals.ID == "" || m.Deals.Stage == "" {
			t.Errorf("accepted %+v", m)
		}
		_, _ = m.funnelOf()
		_, _ = m.csvOptions(0)
		_ = m.Deals.dealMapping()
	})
}

// FuzzColumnNumber finds a column in the first bytes of a file: never a
// panic, and a number in 0..the header's length.
func FuzzColumnNumber(f *testing.F) {
	f.Add([]byte("id,amount,stage\nD1,12x,Won\n"), "amount")
	f.Add([]byte("\ufeffid;\"am\"\"ount\"\n"), "am\"ount")
	f.Add([]byte("\"unterminated"), "x")
	f.Fuzz(func(t *testing.T, head []byte, name string) {
		n := columnNumber(head, name)
		if n < 0 || n > len(head)+1 {
			t.Errorf("column %d of a %d-byte header", n, len(head))
		}
	})
}
