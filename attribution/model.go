package attribution

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// A Model is an attribution model. The zero Model is [Linear].
type Model int

// The attribution models. For a journey with touches t1..tn the
// rule-based models give the shares below. Single-touch, linear,
// position-based, time-decay and last non-direct click are the classic
// Google Analytics (Universal Analytics) models; the U and W shapes with
// 40/20/40 and 30/30/30/10 are Marketo Measure's (formerly Bizible). The
// data-driven models cite their papers.
const (
	// Linear gives 1/n to each touch.
	Linear Model = iota
	// FirstTouch gives everything to t1.
	FirstTouch
	// LastTouch gives everything to tn.
	LastTouch
	// LastNonDirect gives everything to the last touch whose channel is
	// not one of [Options.Direct]; if every touch is direct, to tn.
	LastNonDirect
	// PositionBased (U-shaped) gives [UWeights.First] to t1,
	// [UWeights.Last] to tn and splits [UWeights.Middle] equally over
	// t2..t(n-1). Default 40/20/40.
	PositionBased
	// WShaped gives [WWeights.First] to t1, [WWeights.Opportunity] to the
	// opportunity-creation touch (the last touch at or before
	// [Journey.OpportunityAt]), [WWeights.Last] to tn and splits
	// [WWeights.Middle] over the other touches. Default 30/30/30/10.
	WShaped
	// TimeDecay weighs touch i by 2^(-(t_n - t_i)/h), h the half-life
	// ([Options.HalfLife], default 7 days as in Google's former time-decay
	// model), normalised to sum to 1.
	TimeDecay
	// Markov is the removal-effect model on an absorbing Markov chain of
	// order [Options.MarkovOrder] over keys (Anderl, Becker, von Wangenheim
	// and Schumann 2016, "Mapping the customer journey", IJRM 33(3)). A
	// state is the tuple of the last MarkovOrder keys; every journey is a
	// path from the start state to an exit. For each metric, leaving the
	// chain from a state earns that metric (1 per lead, opportunity or
	// conversion, the amount for pipeline and revenue), and V is the
	// expected reward from the start state, solved exactly as
	// V = ((I - Q)^-1 r)[start] by LU decomposition, not by simulation.
	// RE(k) = (V - V(k removed)) / V, where removing k sends every state
	// that contains k to the null exit, and key k gets RE(k)/sum(RE) of
	// the metric's attributed total. For counts V is the success
	// probability of the classic model; for money it is the expected value.
	Markov
	// Shapley gives key k its Shapley value
	// phi(k) = sum over S in K\{k} of |S|!(|K|-|S|-1)!/|K|! (v(S+k) - v(S)),
	// where v(S) is the total (conversions, revenue, ...) of the journeys
	// whose set of keys is a subset of S (Zhao et al. 2018, "Shapley value
	// methods for attribution modeling in online advertising",
	// arXiv:1804.05327). It is computed exactly from the worth of all
	// 2^|K| coalitions and returns an error wrapping [ErrTooManyKeys]
	// beyond [MaxShapleyKeys] keys. With this worth function the value
	// equals each journey's total split equally over its distinct keys
	// (Zhao et al.'s simplified form), which the tests use as a check.
	Shapley
	numModels
)

var modelNames = [...]string{
	Linear:        "linear",
	FirstTouch:    "first-touch",
	LastTouch:     "last-touch",
	LastNonDirect: "last-non-direct",
	PositionBased: "position-based",
	WShaped:       "w-shaped",
	TimeDecay:     "time-decay",
	Markov:        "markov",
	Shapley:       "shapley",
}

// Models returns every model, in declaration order.
func Models() []Model {
	m := make([]Model, numModels)
	for i := range m {
		m[i] = Model(i)
	}
	return m
}

// String returns the model's name, such as "w-shaped", or "Model(12)" for
// an unknown value.
func (m Model) String() string {
	if m >= 0 && m < numModels {
		return modelNames[m]
	}
	return fmt.Sprintf("Model(%d)", int(m))
}

// ParseModel returns the model named s (as printed by [Model.String],
// case-insensitive). It returns an error wrapping [ErrInvalidParam] for an
// unknown name.
func ParseModel(s string) (Model, error) {
	for i, n := range modelNames {
		if strings.EqualFold(s, n) {
			return Model(i), nil
		}
	}
	return 0, fmt.Errorf("attribution: model %q: %w", s, ErrInvalidParam)
}

// MarshalText returns the model's name. It returns an error wrapping
// [ErrInvalidParam] for an unknown value.
func (m Model) MarshalText() ([]byte, error) {
	if m < 0 || m >= numModels {
		return nil, fmt.Errorf("attribution: %v: %w", m, ErrInvalidParam)
	}
	return []byte(modelNames[m]), nil
}

// UnmarshalText sets m to the model named by b, as [ParseModel] does.
func (m *Model) UnmarshalText(b []byte) error {
	v, err := ParseModel(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// A Dimension says what the credit is given to. The zero Dimension is
// [ByChannel].
type Dimension int

const (
	// ByChannel credits channels.
	ByChannel Dimension = iota
	// ByCampaign credits campaigns; touches without one go to
	// [NoCampaign].
	ByCampaign
)

// String returns "channel" or "campaign", or "Dimension(n)".
func (d Dimension) String() string {
	switch d {
	case ByChannel:
		return "channel"
	case ByCampaign:
		return "campaign"
	}
	return fmt.Sprintf("Dimension(%d)", int(d))
}

// MarshalText encodes the dimension as "channel" or "campaign". It returns
// an error wrapping [ErrInvalidParam] for another value.
func (d Dimension) MarshalText() ([]byte, error) {
	if d != ByChannel && d != ByCampaign {
		return nil, fmt.Errorf("attribution: %v: %w", d, ErrInvalidParam)
	}
	return []byte(d.String()), nil
}

// UnmarshalText decodes "channel" or "campaign".
func (d *Dimension) UnmarshalText(b []byte) error {
	switch string(b) {
	case "channel":
		*d = ByChannel
	case "campaign":
		*d = ByCampaign
	default:
		return fmt.Errorf("attribution: dimension %q: %w", b, ErrInvalidParam)
	}
	return nil
}

// UWeights are the shares of the [PositionBased] model. The zero value
// means the default 0.4 / 0.2 / 0.4. Weights need not add up to 1: the
// shares of each journey are rescaled to sum to 1, which also covers
// journeys of one or two touches (50/50 for two touches by default).
type UWeights struct {
	First, Middle, Last float64
}

// WWeights are the shares of the [WShaped] model. The zero value means the
// default 0.3 / 0.3 / 0.3 / 0.1. Roles that fall on the same touch add up;
// shares without a touch (no middle touches, no opportunity time) are
// dropped and the rest rescaled to sum to 1.
type WWeights struct {
	First, Opportunity, Last, Middle float64
}

// Options configure an attribution. The zero Options attribute by channel
// with the defaults given on each field.
type Options struct {
	// By chooses channels or campaigns as keys. Default [ByChannel].
	By Dimension
	// Direct lists the channel names that [LastNonDirect] skips. Nil means
	// {"direct"}; an empty non-nil slice means no channel is direct. Names
	// are compared exactly.
	Direct []string
	// U are the [PositionBased] weights.
	U UWeights
	// W are the [WShaped] weights.
	W WWeights
	// HalfLife is the [TimeDecay] half-life. Zero means 7 days.
	HalfLife time.Duration
	// MarkovOrder is the order of the [Markov] chain: a state is the last
	// MarkovOrder keys of the path. Zero means 1; at most [MaxMarkovOrder].
	MarkovOrder int
	// MoneyScale is the number of decimal places money is split in. Zero
	// means [DefaultMoneyScale]; at most [MaxMoneyScale]. Amounts with
	// more places are rejected with [ErrAmountScale].
	MoneyScale int32
}

// normalize returns o with defaults filled in, or an error wrapping
// ErrInvalidParam.
func (o Options) normalize() (Options, error) {
	bad := func(field string, v any) (Options, error) {
		return Options{}, fmt.Errorf("attribution: option %s = %v: %w", field, v, ErrInvalidParam)
	}
	if o.By != ByChannel && o.By != ByCampaign {
		return bad("By", o.By)
	}
	if o.Direct == nil {
		o.Direct = []string{"direct"}
	} else {
		o.Direct = slices.Clone(o.Direct)
		slices.Sort(o.Direct)
		o.Direct = slices.Compact(o.Direct)
	}
	if o.U == (UWeights{}) {
		o.U = UWeights{First: 0.4, Middle: 0.2, Last: 0.4}
	}
	for _, w := range []float64{o.U.First, o.U.Middle, o.U.Last} {
		if !(w >= 0 && w <= math.MaxFloat32) {
			return bad("U", o.U)
		}
	}
	if o.W == (WWeights{}) {
		o.W = WWeights{First: 0.3, Opportunity: 0.3, Last: 0.3, Middle: 0.1}
	}
	for _, w := range []float64{o.W.First, o.W.Opportunity, o.W.Last, o.W.Middle} {
		if !(w >= 0 && w <= math.MaxFloat32) {
			return bad("W", o.W)
		}
	}
	if o.HalfLife == 0 {
		o.HalfLife = 7 * 24 * time.Hour
	}
	if o.HalfLife < 0 {
		return bad("HalfLife", o.HalfLife)
	}
	if o.MarkovOrder == 0 {
		o.MarkovOrder = 1
	}
	if o.MarkovOrder < 1 || o.MarkovOrder > MaxMarkovOrder {
		return bad("MarkovOrder", o.MarkovOrder)
	}
	if o.MoneyScale == 0 {
		o.MoneyScale = DefaultMoneyScale
	}
	if o.MoneyScale < 0 || o.MoneyScale > MaxMoneyScale {
		return bad("MoneyScale", o.MoneyScale)
	}
	return o, nil
}

// equal reports whether two normalized option sets are the same.
func (o Options) equal(p Options) bool {
	return o.By == p.By && slices.Equal(o.Direct, p.Direct) && o.U == p.U && o.W == p.W &&
		o.HalfLife == p.HalfLife && o.MarkovOrder == p.MarkovOrder && o.MoneyScale == p.MoneyScale
}

// ruleWeights writes the share of each touch of j under a rule-based model
// into w (len(w) == len(j.Touches) > 0). The weights are non-negative and
// not all zero.
func ruleWeights(m Model, o *Options, j *Journey, w []float64) {
	n := len(w)
	clear(w)
	switch m {
	case FirstTouch:
		w[0] = 1
	case LastTouch:
		w[n-1] = 1
	case LastNonDirect:
		k := n - 1
		for i := n - 1; i >= 0; i-- {
			if !slices.Contains(o.Direct, j.Touches[i].Channel) {
				k = i
				break
			}
		}
		w[k] = 1
	case PositionBased:
		if n == 1 {
			w[0] = 1
			break
		}
		w[0] += o.U.First
		w[n-1] += o.U.Last
		for i := 1; i < n-1; i++ {
			w[i] = o.U.Middle / float64(n-2)
		}
	case WShaped:
		if n == 1 {
			w[0] = 1
			break
		}
		opp := -1
		if at := j.OpportunityAt; !at.IsZero() {
			for i := n - 1; i >= 0; i-- {
				if !j.Touches[i].At.After(at) {
					opp = i
					break
				}
			}
		}
		mid := n - 2
		if opp > 0 && opp < n-1 {
			mid--
		}
		for i := 1; i < n-1; i++ {
			if i != opp {
				w[i] = o.W.Middle / float64(mid)
			}
		}
		w[0] += o.W.First
		w[n-1] += o.W.Last
		if opp >= 0 {
			w[opp] += o.W.Opportunity
		}
	case TimeDecay:
		last := j.Touches[n-1].At
		h := float64(o.HalfLife)
		for i := range w {
			w[i] = math.Exp2(-float64(last.Sub(j.Touches[i].At)) / h)
		}
	default: // Linear
		for i := range w {
			w[i] = 1
		}
	}
	for _, x := range w {
		if x > 0 {
			return
		}
	}
	// The configured weights gave this journey nothing (for example a
	// middle-only U shape on two touches): split it equally.
	for i := range w {
		w[i] = 1
	}
}
