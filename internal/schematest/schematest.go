// Package schematest checks the library's JSON output against the JSON
// Schema in the repository's schema folder, in tests.
package schematest

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var (
	once     sync.Once
	compiler *jsonschema.Compiler
	cache    sync.Map // definition name -> *jsonschema.Schema
)

// path returns the schema file of the repository.
func path() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "schema", "funnel.schema.json")
}

// Check marshals v to JSON and validates it against the schema's
// definition def ("report", "rate" ...).
func Check(t testing.TB, def string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	CheckJSON(t, def, b)
}

// CheckJSON validates the JSON document b against the schema's definition
// def.
func CheckJSON(t testing.TB, def string, b []byte) {
	t.Helper()
	if err := Validate(def, b); err != nil {
		t.Errorf("output does not match schema definition %q: %v\n%s", def, err, b)
	}
}

// Validate validates the JSON document b against the schema's definition
// def.
func Validate(def string, b []byte) error {
	once.Do(func() {
		compiler = jsonschema.NewCompiler()
		compiler.DefaultDraft(jsonschema.Draft2020)
		compiler.AssertFormat()
	})
	var sch *jsonschema.Schema
	if s, ok := cache.Load(def); ok {
		sch = s.(*jsonschema.Schema)
	} else {
		s, err := compiler.Compile(path() + "#/$defs/" + def)
		if err != nil {
			return err
		}
		cache.Store(def, s)
		sch = s
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return sch.Validate(doc)
}
