package forecast

import (
	"encoding/json"
	"io"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// VelocityInputs are the four inputs of pipeline velocity. They should
// share one period and one definition of the deals counted.
type VelocityInputs struct {
	// Opportunities is the number of open opportunities.
	Opportunities int64 `json:"opportunities"`
	// WinRate is the win rate on the closed basis, won / (won + lost).
	WinRate funnel.Ratio `json:"win_rate"`
	// DealSize is the average won amount.
	DealSize decimal.Decimal `json:"deal_size"`
	// Cycle is the average sales cycle of won deals (JSON cycle_seconds).
	Cycle time.Duration `json:"-"`
}

// VelocityOf returns the velocity inputs of a report: its open deals,
// closed-basis win rate, mean won amount and mean won sales cycle.
func VelocityOf(r funnel.Report) VelocityInputs {
	return VelocityInputs{Opportunities: r.Open, WinRate: r.WinRate.Ratio, DealSize: r.DealSize.Mean, Cycle: r.CycleWon.Mean}
}

// secondsPerDay converts a cycle in seconds to days.
const secondsPerDay = 86400

// Velocity returns the pipeline velocity, money per day:
//
//	V = opportunities × win rate × average deal size / average cycle (days)
//
// the sales-velocity formula of Salesforce's and HubSpot's guides, with
// the cycle in whole seconds, rounded half away from zero to 10 places. It
// returns false when the win rate is undefined or the cycle is shorter
// than one second.
func (in VelocityInputs) Velocity() (decimal.Decimal, bool) {
	sec := int64(in.Cycle / time.Second)
	if !in.WinRate.Defined() || sec <= 0 {
		return decimal.Decimal{}, false
	}
	num := decimal.NewFromInt(in.Opportunities).Mul(decimal.NewFromInt(in.WinRate.Num)).Mul(in.DealSize).Mul(decimal.NewFromInt(secondsPerDay))
	den := decimal.NewFromInt(in.WinRate.Den).Mul(decimal.NewFromInt(sec))
	return num.DivRound(den, 10), true
}

type velocityInputsJSON struct {
	velocityInputsAlias
	Cycle json.Number `json:"cycle_seconds"`
}

type velocityInputsAlias VelocityInputs

// MarshalJSON encodes the inputs with the cycle in seconds.
func (in VelocityInputs) MarshalJSON() ([]byte, error) {
	return json.Marshal(velocityInputsJSON{velocityInputsAlias(in), secs(in.Cycle)})
}

// UnmarshalJSON decodes inputs written by [VelocityInputs.MarshalJSON].
func (in *VelocityInputs) UnmarshalJSON(b []byte) error {
	var o velocityInputsJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	c, err := parseSecs(o.Cycle)
	if err != nil {
		return err
	}
	*in = VelocityInputs(o.velocityInputsAlias)
	in.Cycle = c
	return nil
}

// A VelocityChange splits the change of pipeline velocity between two
// periods into the contributions of its four inputs.
type VelocityChange struct {
	From   VelocityInputs  `json:"from_inputs"`
	To     VelocityInputs  `json:"to_inputs"`
	Before decimal.Decimal `json:"before"` // the velocity of From, money per day
	After  decimal.Decimal `json:"after"`  // the velocity of To
	Change decimal.Decimal `json:"change"` // After - Before
	// Volume, WinRate, DealSize and Cycle are the contributions of the
	// inputs, each rounded to 10 places; they sum to Change up to that
	// rounding. A longer cycle contributes negatively.
	Volume   decimal.Decimal `json:"volume"`
	WinRate  decimal.Decimal `json:"win_rate"`
	DealSize decimal.Decimal `json:"deal_size"`
	Cycle    decimal.Decimal `json:"cycle"`
}

// lnScale is the precision of the logarithms of the decomposition.
const lnScale = 24

// Decompose splits the change of velocity from one set of inputs to
// another with the logarithmic mean Divisia index (LMDI-I; Ang 2005, "The
// LMDI approach to decomposition analysis: a practical guide", Energy
// Policy 33): since V = N × W × S / L, the contribution of input x is
//
//	L(V1, V0) × ln(x1 / x0)
//
// (with a minus sign for the cycle L), where L(a, b) = (a - b) / (ln a -
// ln b) and L(a, a) = a, the logarithmic mean. The contributions add up
// to V1 - V0 with no residual term: ln V1 - ln V0 is taken as the sum of
// the inputs' logarithm ratios. It returns false when a velocity is
// undefined or an input is zero in either period (a logarithm of zero).
func Decompose(from, to VelocityInputs) (VelocityChange, bool) {
	v0, ok0 := from.Velocity()
	v1, ok1 := to.Velocity()
	if !ok0 || !ok1 || v0.Sign() <= 0 || v1.Sign() <= 0 {
		return VelocityChange{}, false
	}
	lnRatio := func(a, b decimal.Decimal) (decimal.Decimal, bool) {
		if a.Sign() <= 0 || b.Sign() <= 0 {
			return decimal.Decimal{}, false
		}
		la, err1 := a.Ln(lnScale)
		lb, err2 := b.Ln(lnScale)
		return la.Sub(lb), err1 == nil && err2 == nil
	}
	frac := func(r funnel.Ratio) decimal.Decimal {
		return decimal.NewFromInt(r.Num).DivRound(decimal.NewFromInt(r.Den), lnScale)
	}
	lnN, ok1 := lnRatio(decimal.NewFromInt(to.Opportunities), decimal.NewFromInt(from.Opportunities))
	lnW, ok2 := lnRatio(frac(to.WinRate), frac(from.WinRate))
	lnS, ok3 := lnRatio(to.DealSize, from.DealSize)
	lnL, ok4 := lnRatio(decimal.NewFromInt(int64(to.Cycle/time.Second)), decimal.NewFromInt(int64(from.Cycle/time.Second)))
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return VelocityChange{}, false
	}
	c := VelocityChange{From: from, To: to, Before: v0, After: v1, Change: v1.Sub(v0)}
	weight := v0 // L(v1, v0)
	if lnV := lnN.Add(lnW).Add(lnS).Sub(lnL); !v1.Equal(v0) && !lnV.IsZero() {
		weight = c.Change.DivRound(lnV, lnScale)
	}
	c.Volume = weight.Mul(lnN).Round(10)
	c.WinRate = weight.Mul(lnW).Round(10)
	c.DealSize = weight.Mul(lnS).Round(10)
	c.Cycle = weight.Mul(lnL).Neg().Round(10)
	return c, true
}

// WriteText writes the two velocities and the contributions.
func (c VelocityChange) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Pipeline velocity %s -> %s per day (change %s)\n", money(c.Before), money(c.After), money(c.Change))
	ew.printf("  volume    %s (%d -> %d opportunities)\n", money(c.Volume), c.From.Opportunities, c.To.Opportunities)
	ew.printf("  win rate  %s (%s -> %s)\n", money(c.WinRate), pct(c.From.WinRate), pct(c.To.WinRate))
	ew.printf("  deal size %s (%s -> %s)\n", money(c.DealSize), money(c.From.DealSize), money(c.To.DealSize))
	ew.printf("  cycle     %s (%s -> %s days)\n", money(c.Cycle), days(1, c.From.Cycle), days(1, c.To.Cycle))
	return ew.err
}
