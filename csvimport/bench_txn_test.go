package csvimport

import (
	"bytes"
	"testing"

	"github.com/funnelmetrics/funnel/internal/cputime"
)

// BenchmarkTransactions reads the transactions of the peers-like sample
// (about 210,000 rows of 20,000 accounts, in the peers' shape) into a
// clv.Log: with ReadTransactions, serially and on two workers,
// and, for a ratio within one run, with the route it replaces (RecordReader, Record.Text, Time and Amount, clv.Log.Add). Run
// it with -cpu=1,2 for one core and all cores.
func BenchmarkTransactions(b *testing.B) {
	_, rest := peersSample()
	txns := rest[1]
	want := bytes.Count(txns, []byte{'\n'}) - 1
	b.Run("RecordReader", func(b *testing.B) {
		b.SetBytes(int64(len(txns)))
		b.ReportAllocs()
		cputime.Report(b, func() {
			l, _, err := slowTransactions(txns, "transactions.csv", txnMapping, Options{})
			if err != nil || l.Count() != want {
				b.Fatal(err, l.Count(), want)
			}
		})
	})
	for _, split := range []bool{false, true} {
		name := "ReadTransactions"
		if split {
			name += "/workers=2"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(txns)))
			b.ReportAllocs()
			o := Options{}
			if split {
				o.Workers = 2
			}
			cputime.Report(b, func() {
				l, _, err := ReadTransactions(bytes.NewReader(txns), "transactions.csv", txnMapping, o)
				if err != nil || l.Count() != want {
					b.Fatal(err, l.Count(), want)
				}
			})
		})
	}
}
