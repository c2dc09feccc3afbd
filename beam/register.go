package funnelbeam

import (
	"context"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/funnelmetrics/funnel"
)

// The Beam registrations of the pipeline's functions, types and coders:
// the workers find them by name, without reflection on the hot path.
func init() {
	register.DoFn4x1[context.Context, fileio.ReadableFile, func(string, funnel.Deal), func(string), error](&readFn{})
	register.Emitter2[string, funnel.Deal]()
	register.Emitter1[string]()
	register.Combiner3[*accumulator, funnel.Deal, []byte](&combineFn{})
	register.DoFn4x1[context.Context, string, func(*[]byte) bool, func(*bool) bool, error](&writeFn{})
	register.DoFn4x1[context.Context, string, func(*string) bool, func(*bool) bool, error](&writeImportFn{})
	register.Iter1[[]byte]()
	register.Iter1[string]()
	register.Iter1[bool]()
	register.Function2x0(markKeys)
	register.Emitter2[string, bool]()
	register.Function1x2(importKey)
	beam.RegisterCoder(reflect.TypeFor[funnel.Deal](), encodeDeal, decodeDeal)
	beam.RegisterCoder(reflect.TypeFor[*accumulator](), encodeAccumulator, decodeAccumulator)
}
