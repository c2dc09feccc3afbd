package forecast_test

import (
	"testing"

	"github.com/funnelmetrics/funnel/internal/schematest"
)

// checkSchema validates v's JSON against the schema definition def.
func checkSchema(t *testing.T, def string, v any) {
	t.Helper()
	schematest.Check(t, def, v)
}
