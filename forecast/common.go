package forecast

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/format"
	"github.com/funnelmetrics/funnel/internal/jsonstyle"
	"github.com/funnelmetrics/funnel/internal/textout"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// ProbabilityPlaces is the number of decimal places of a learned win
// probability: won / closed is rounded half away from zero to this many
// places before it weighs any amount, so that every weighted figure is an
// exact decimal and the figures of one analysis add up exactly (stage rows
// to the total, periods to the weighted pipeline).
const ProbabilityPlaces = 10

// MaxSegments is the largest number of distinct segment values (values of
// the segment attribute) a learner, pipeline or backtest keeps; past it
// their results are an error wrapping [funnel.ErrInvalidParam], so that
// memory stays bounded on hostile input.
const MaxSegments = 10_000

var one = decimal.NewFromInt(1)

// errPrefix is the prefix of the package's error messages.
const errPrefix = "forecast: "

func invalid(format string, args ...any) error {
	return fmt.Errorf(errPrefix+format+": %w", append(args, funnel.ErrInvalidParam)...)
}

func incompatible(format string, args ...any) error {
	return fmt.Errorf(errPrefix+format+": %w", append(args, funnel.ErrIncompatible)...)
}

// mergeable checks that o is a non-nil accumulator of type T, not a
// itself, built for an equal scan.
func mergeable[T funnel.Accumulator](a funnel.Accumulator, o funnel.Accumulator) (T, error) {
	var zero T
	if a == nil || any(a) == any(zero) {
		return zero, invalid("merging into a nil %T", a)
	}
	if o == nil {
		return zero, invalid("merging nil")
	}
	ot, ok := o.(T)
	if !ok {
		return zero, incompatible("merging %T into %T", o, a)
	}
	if any(ot) == any(zero) {
		return zero, invalid("merging a nil %T", o)
	}
	if any(ot) == any(a) {
		return zero, invalid("merging %T into itself", a)
	}
	if !a.Scan().Equal(o.Scan()) {
		return zero, incompatible("merging accumulators of different scans")
	}
	return ot, nil
}

// rate returns r with its Wilson interval at the level.
func rate(r funnel.Ratio, level float64) funnel.Rate {
	iv, err := r.Wilson(funnel.Confidence(level))
	if err != nil {
		return funnel.Rate{Ratio: r}
	}
	return funnel.Rate{Ratio: r, Interval: iv}
}

// probOf returns won / closed rounded to ProbabilityPlaces.
func probOf(c counts) decimal.Decimal {
	return decimal.NewFromInt(c.won).DivRound(decimal.NewFromInt(c.closed), ProbabilityPlaces)
}

// boundDecimal returns p in [0, 1] as a decimal rounded to
// ProbabilityPlaces.
func boundDecimal(p float64) decimal.Decimal {
	if math.IsNaN(p) {
		return decimal.Decimal{}
	}
	return decimal.New(int64(math.Round(min(max(p, 0), 1)*1e10)), -ProbabilityPlaces)
}

// secondsBetween returns the whole seconds from a to b (b not before a),
// truncated.
func secondsBetween(a, b time.Time) int64 {
	d := b.Unix() - a.Unix()
	if b.Nanosecond() < a.Nanosecond() {
		d--
	}
	return d
}

// A firstError is the error of the first deal (in stream order) an
// accumulator rejected on top of the scan's validation.
type firstError struct {
	set bool
	seq int64
	err funnel.DealError
}

func (f *firstError) note(seq int64, e *funnel.DealError) {
	if !f.set || seq < f.seq {
		*f = firstError{true, seq, *e}
	}
}

func (f *firstError) merge(o *firstError) {
	if o.set {
		f.note(o.seq, &o.err)
	}
}

func (f *firstError) error() error {
	if !f.set {
		return nil
	}
	e := f.err
	return &e
}

func (f *firstError) encode(w *wire.Writer) {
	w.Bool(f.set)
	if f.set {
		w.Varint(f.seq)
		b, _ := json.Marshal(f.err)
		w.String(string(b))
	}
}

func (f *firstError) decode(r *wire.Reader) {
	*f = firstError{}
	if !r.Bool() {
		return
	}
	f.set = true
	f.seq = r.Varint()
	s := r.String()
	if r.Err() == nil && json.Unmarshal([]byte(s), &f.err) != nil {
		r.Fail("bad deal error")
	}
}

// seqOf returns the stream position of v, or the intake's count of deals
// read when unknown.
func seqOf(v *funnel.View, in *funnel.Intake) int64 {
	if v.Seq >= 0 {
		return v.Seq
	}
	b := in.Input()
	return b.Read
}

// skip counts v as a skipped deal with the error e in the intake.
func skip(in *funnel.Intake, v *funnel.View, e *funnel.DealError) {
	w := *v
	w.Err = e
	in.Note(&w)
}

// writeHeader starts an encoding: the kind, the version and the scan.
func writeHeader(w *wire.Writer, kind string, version uint64, s *funnel.Scan) {
	w.Header(kind, version)
	b, _ := s.AppendBinary(nil)
	w.String(string(b))
}

// readHeader reads what writeHeader wrote and returns the scan: the
// receiver's own when it has one (which must equal the encoded one).
func readHeader(r *wire.Reader, kind string, version uint64, own *funnel.Scan) (*funnel.Scan, error) {
	if v := r.Header(kind); r.Err() == nil && v != version {
		r.Fail("%s version %d", kind, v)
	}
	b := r.String()
	if err := r.Err(); err != nil {
		return nil, decodeErr(err)
	}
	s, rest, err := funnel.DecodeScan([]byte(b))
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, decodeErr(fmt.Errorf("%w: bytes after the scan", wire.ErrFormat))
	}
	if own != nil {
		if !own.Equal(s) {
			return nil, incompatible("decoding an accumulator of another scan")
		}
		return own, nil
	}
	return s, nil
}

func decodeErr(err error) error {
	return fmt.Errorf(errPrefix+"%w: %w", funnel.ErrInvalidParam, err)
}

// finish checks that the whole input was read.
func finish(r *wire.Reader) error {
	if err := r.End(); err != nil {
		return decodeErr(err)
	}
	return nil
}

// canonical rejects data that decoded but is not the encoding the
// decoded value writes (a reordered list, a number in a longer form), so
// that every accepted encoding re-encodes to the same bytes.
func canonical(data []byte, m interface{ MarshalBinary() ([]byte, error) }) error {
	b, err := m.MarshalBinary()
	if err != nil || !bytes.Equal(b, data) {
		return decodeErr(fmt.Errorf("%w: not in canonical form", wire.ErrFormat))
	}
	return nil
}

// decoded ends an UnmarshalBinary: the whole input was read (finish) and
// is the encoding the decoded out writes (canonical).
func decoded(r *wire.Reader, data []byte, out interface{ MarshalBinary() ([]byte, error) }) error {
	if err := finish(r); err != nil {
		return err
	}
	return canonical(data, out)
}

// readLearner reads the learner an accumulator encodes after its intake
// into *l, the accumulator's own learner (nil when it learns none: then
// nothing is read, nor after a failed read): the decoded one must have the
// same options.
func readLearner(r *wire.Reader, s *funnel.Scan, l **Learner) error {
	if *l == nil || r.Err() != nil {
		return nil
	}
	got, err := decodeLearner(r, s)
	if err != nil {
		return err
	}
	if got.opts != (*l).opts {
		return decodeErr(wire.ErrFormat)
	}
	*l = got
	return nil
}

// blob writes a nested encoding.
func blob(w *wire.Writer, m interface{ MarshalBinary() ([]byte, error) }) {
	b, _ := m.MarshalBinary()
	w.String(string(b))
}

// unblob reads a nested encoding into m.
func unblob(r *wire.Reader, m interface{ UnmarshalBinary([]byte) error }) {
	b := r.String()
	if r.Err() != nil {
		return
	}
	if err := m.UnmarshalBinary([]byte(b)); err != nil {
		r.Fail("%v", err)
	}
}

// writeMoney writes a MoneyStats as a nested encoding.
func writeMoney(w *wire.Writer, m *funnel.MoneyStats) { blob(w, m) }

func readMoney(r *wire.Reader) funnel.MoneyStats {
	var m funnel.MoneyStats
	unblob(r, &m)
	if e := m.Sum().Exponent(); r.Err() == nil && (e < -wire.MaxExponent || e > wire.MaxExponent) {
		r.Fail("amount exponent %d", e)
	}
	return m
}

// A bitSet is a set of flags, bit i standing for the flag of name i.
type bitSet interface{ ~uint8 | ~uint16 }

// setString returns the names of the bits of v joined by "+" in the order
// of names, or none when v has no bit; the bits beyond names print as
// kind(N), N their value.
func setString[T bitSet](v T, names []string, none, kind string) string {
	if v == 0 {
		return none
	}
	var parts []string
	for i, n := range names {
		if v&(T(1)<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if rest := v &^ (T(1)<<len(names) - 1); rest != 0 {
		parts = append(parts, fmt.Sprintf("%s(%d)", kind, rest))
	}
	return strings.Join(parts, "+")
}

// setText is the MarshalText of a bitSet: its setString, or an error
// "<what> N" wrapping funnel.ErrInvalidParam for bits beyond names.
func setText[T bitSet](v T, names []string, none, what string) ([]byte, error) {
	if v&^(T(1)<<len(names)-1) != 0 {
		return nil, invalid("%s %d", what, v)
	}
	return []byte(setString(v, names, none, "")), nil
}

// parseSet is the UnmarshalText of a bitSet: it reads into *v what setText
// wrote, and only that (each name once, in the order of names); other text
// is an error naming what (whats when the names are out of order) and
// wrapping funnel.ErrInvalidParam, and leaves *v as it was.
func parseSet[T bitSet](v *T, b []byte, names []string, none, what, whats string) error {
	s := string(b)
	if s == none {
		*v = 0
		return nil
	}
	var out T
	for _, part := range strings.Split(s, "+") {
		i := slices.Index(names, part)
		if i < 0 || out&(T(1)<<i) != 0 {
			return invalid("%s %q", what, s)
		}
		out |= T(1) << i
	}
	if setString(out, names, none, "") != s {
		return invalid("%s %q not in canonical order", whats, s)
	}
	*v = out
	return nil
}

// sortedKeys returns the keys of m in the order cmp gives.
func sortedKeys[K comparable, V any](m map[K]V, c func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, c)
	return keys
}

// The JSON style of the library (see [jsonstyle]), under the names the
// package's files use.

func timePtr(t time.Time) *time.Time { return jsonstyle.Time(t) }

func timeOf(t *time.Time) time.Time { return jsonstyle.TimeOf(t) }

func secs(d time.Duration) json.Number { return jsonstyle.Seconds(d) }

func parseSecs(n json.Number) (time.Duration, error) {
	return jsonstyle.ParseSeconds(n, "forecast", funnel.ErrInvalidParam)
}

// errWriter keeps the first write error (see [textout.Keep]); the
// package's WriteText methods use it under this name.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) { return textout.Keep(&e.err, e.w, p) }

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

// pct formats a rate as "66.7%", or "n/a".
func pct(r funnel.Ratio) string { return format.Ratio(r) }

// ci formats an interval as "95% CI 18.1%..45.4%", or "".
func ci(iv funnel.Interval) string {
	if !iv.Defined {
		return ""
	}
	return fmt.Sprintf("%s CI %.1f%%..%.1f%%", format.Level(iv.Confidence), 100*iv.Lo, 100*iv.Hi)
}

func money(d decimal.Decimal) string { return d.StringFixed(2) }

// writeInput writes what was left out and skipped.
func writeInput(ew *errWriter, in funnel.Input) {
	ew.printf("\nDeals read %d, counted %d", in.Read, in.Counted)
	if in.Future > 0 {
		ew.printf(", created after the as-of time %d", in.Future)
	}
	ew.printf(", skipped %d\n", in.Skipped.Count)
	for _, c := range in.Skipped.Reasons {
		ew.printf("  %6d  %s\n", c.Count, c.Reason)
	}
	for _, e := range in.Skipped.Examples {
		ew.printf("  e.g. %s\n", e.Error())
	}
}

// checkInput checks that decoded counts add up, and gives empty lists
// for null ones.
func checkInput(in *funnel.Input) error {
	sk := &in.Skipped
	var sum int64
	for _, r := range sk.Reasons {
		if r.Count <= 0 {
			return invalid("input reason count %d", r.Count)
		}
		sum += r.Count
	}
	if in.Read < 0 || in.Counted < 0 || in.Future < 0 || sk.Count < 0 || in.Read != in.Counted+in.Future+sk.Count || sum != sk.Count ||
		len(sk.Examples) > 20 || int64(len(sk.Examples)) > sk.Count {
		return invalid("input counts do not add up")
	}
	if sk.Reasons == nil {
		sk.Reasons = []funnel.ReasonCount{}
	}
	if sk.Examples == nil {
		sk.Examples = []funnel.DealError{}
	}
	return nil
}

// cloneInput returns a copy of in that shares no slices with it.
func cloneInput(in funnel.Input) funnel.Input {
	in.Skipped.Reasons = append([]funnel.ReasonCount{}, in.Skipped.Reasons...)
	in.Skipped.Examples = append([]funnel.DealError{}, in.Skipped.Examples...)
	return in
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func jsonParse(s string, v any) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return invalid("%v", err)
	}
	return nil
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func newTable(w io.Writer) *tabwriter.Writer { return textout.NewTable(w) }

// days formats a duration in days with one decimal, or "n/a" when there
// is none.
func days(n int64, d time.Duration) string {
	if n == 0 {
		return "n/a"
	}
	return format.Days(d)
}

func orUnknown(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
