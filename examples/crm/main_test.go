package main

import (
	"strings"
	"testing"
)

// TestRun reads every sample as the program does and checks what it says
// of the reading and of the in-order policy.
func TestRun(t *testing.T) {
	for _, a := range accounts {
		var out strings.Builder
		if err := run(&out, a, "../../testdata/crm"); err != nil {
			t.Fatalf("%s: %v", a.crm, err)
		}
		text := out.String()
		for _, want := range []string{"Read ", " 0 skipped", "Policy in-order leaves out", "In order: the won row counts"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: no %q in\n%s", a.crm, want, text)
			}
		}
		if strings.Contains(text, "\n  skipped: ") {
			t.Errorf("%s: rows skipped:\n%s", a.crm, text)
		}
	}
}
