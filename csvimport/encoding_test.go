package csvimport

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/charmap"
)

// utf16File encodes s as UTF-16 in the given byte order, with or without a
// byte-order mark, with the standard library's encoder.
func utf16File(s string, big, bom bool) string {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xfeff}, units...)
	}
	var b bytes.Buffer
	for _, u := range units {
		if big {
			b.WriteByte(byte(u >> 8))
			b.WriteByte(byte(u))
		} else {
			b.WriteByte(byte(u))
			b.WriteByte(byte(u >> 8))
		}
	}
	return b.String()
}

// TestEncodings checks byte-order marks and encodings: a UTF-8 BOM before
// a quoted header, UTF-16 of either byte order with or without a BOM, and
// Windows-1252 when the caller names it.
func TestEncodings(t *testing.T) {
	text := "\"id\",\"stage\",\"owner\"\r\n1,Lead,Zoë\r\n2,Demo,Łukasz\r\n"
	m := DealMapping{ID: "id", Stage: "stage", Owner: "owner"}
	want := []string{"Zoë", "Łukasz"}
	for _, tt := range []struct {
		name, in, enc string
	}{
		{"UTF-8 BOM, quoted header", "\ufeff" + text, ""},
		{"UTF-16LE BOM", utf16File(text, false, true), "UTF-16LE"},
		{"UTF-16BE BOM", utf16File(text, true, true), "UTF-16BE"},
		{"UTF-16LE", utf16File(text, false, false), "UTF-16LE"},
		{"UTF-16BE", utf16File(text, true, false), "UTF-16BE"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			deals, rep, err := ReadDeals(strings.NewReader(tt.in), "f.csv", testFunnel(t), m, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range deals {
				got = append(got, d.Attrs.Owner)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("owners (-want +got):\n%s", diff)
			}
			if rep.Encoding != tt.enc {
				t.Errorf("report encoding %q, want %q", rep.Encoding, tt.enc)
			}
		})
	}
	cp1252 := "id,stage,owner\n1,Lead,Zo\xeb\n2,Demo,Fran\xe7ois \x80\n"
	deals, _, err := ReadDeals(strings.NewReader(cp1252), "f.csv", testFunnel(t), m, Options{Encoding: charmap.Windows1252})
	if err != nil || len(deals) != 2 || deals[0].Attrs.Owner != "Zoë" || deals[1].Attrs.Owner != "François €" {
		t.Errorf("Windows-1252: %v, %v", deals, err)
	}
	// a second BOM (files joined together) is named in the error
	_, _, err = ReadDeals(strings.NewReader("\ufeff\ufeff\"id\",stage\n"), "f.csv", testFunnel(t), m, Options{})
	if !errors.Is(err, ErrRow) || !strings.Contains(err.Error(), "byte-order mark") {
		t.Errorf("double BOM error = %v", err)
	}
}
