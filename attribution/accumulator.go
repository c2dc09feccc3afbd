package attribution

import (
	"fmt"
	"iter"
	"math/big"
	"slices"

	"github.com/shopspring/decimal"
)

// The five metrics of a Credit, in units.
const (
	mLeads = iota
	mOpps
	mConvs
	mPipeline
	mRevenue
	numMetrics
)

// units holds one value per metric in integer units (10^-CountScale for
// counts, 10^-MoneyScale for money). The zero value is all zero.
type units [numMetrics]big.Int

func (u *units) add(v *units) {
	for m := range u {
		u[m].Add(&u[m], &v[m])
	}
}

func (u *units) credit(moneyScale int32) Credit {
	d := func(m int, scale int32) decimal.Decimal {
		return decimal.NewFromBigInt(new(big.Int).Set(&u[m]), -scale)
	}
	return Credit{
		Leads:         d(mLeads, CountScale),
		Opportunities: d(mOpps, CountScale),
		Conversions:   d(mConvs, CountScale),
		Pipeline:      d(mPipeline, moneyScale),
		Revenue:       d(mRevenue, moneyScale),
	}
}

// oneJourney is one journey in count units.
var oneJourney = big.NewInt(1_000_000) // 10^CountScale

// An Accumulator attributes journeys one at a time for one model. The zero
// Accumulator is ready to use and attributes with [Linear] and the zero
// [Options]; [NewAccumulator] chooses another model or options.
//
// Rule-based models keep one running credit per key. [Markov] keeps the
// transition counts of its chain and [Shapley] the totals per set of keys;
// both learn their weights when [Accumulator.Result] is called. Either way
// the state is exact integers, so merging accumulators built on any split
// of the journeys gives exactly the one-pass result.
//
// An Accumulator is not safe for concurrent mutation: give each goroutine
// its own and combine them with [Accumulator.Merge].
type Accumulator struct {
	model Model
	opts  Options
	ready bool // opts normalized

	keys  []string
	keyID map[string]int32

	credit       []units // rule-based models, per key ID
	total        units
	unattributed units

	// Markov: transition counts between states (packed key-ID tuples, 0
	// is the start state) and the journeys ending in each state.
	trans map[[2]uint64]int64
	ends  map[uint64]*markovEnd
	// Shapley: metric totals per set of key IDs (bit i = key ID i).
	sets map[uint64]*units
	// overflow reports more keys than the model can represent.
	overflow bool

	// scratch
	w   []float64
	ids []int32
	amt units
	tmp big.Int
	sp  splitter
}

// NewAccumulator returns an empty accumulator for model m. It returns an
// error wrapping [ErrInvalidParam] for an unknown model or invalid options.
func NewAccumulator(m Model, opts Options) (*Accumulator, error) {
	if m < 0 || m >= numModels {
		return nil, fmt.Errorf("attribution: %v: %w", m, ErrInvalidParam)
	}
	o, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	return &Accumulator{model: m, opts: o, ready: true}, nil
}

// Attribute attributes every journey of the sequence with model m. It
// stops at the first invalid journey and returns its *[JourneyError], or
// an error wrapping [ErrInvalidParam], [ErrTooManyKeys] or
// [ErrTooManyStates].
func Attribute(journeys iter.Seq[Journey], m Model, opts Options) (*Result, error) {
	a, err := NewAccumulator(m, opts)
	if err != nil {
		return nil, err
	}
	for j := range journeys {
		if err := a.Add(j); err != nil {
			return nil, err
		}
	}
	return a.Result()
}

func (a *Accumulator) init() {
	if !a.ready {
		a.opts = a.options()
		a.ready = true
	}
}

// options returns the normalized options without modifying a.
func (a *Accumulator) options() Options {
	if a.ready {
		return a.opts
	}
	o, _ := Options{}.normalize() // the zero Options are valid
	return o
}

// Model returns the accumulator's model.
func (a *Accumulator) Model() Model { return a.model }

// key returns the ID of key k, registering it if new.
func (a *Accumulator) key(k string) int32 {
	if id, ok := a.keyID[k]; ok {
		return id
	}
	if a.keyID == nil {
		a.keyID = make(map[string]int32)
	}
	id := int32(len(a.keys))
	a.keys = append(a.keys, k)
	a.keyID[k] = id
	if a.model < Markov {
		a.credit = append(a.credit, units{})
	}
	return id
}

func (a *Accumulator) keyOf(t *Touch) string {
	if a.opts.By == ByCampaign {
		if t.Campaign == "" {
			return NoCampaign
		}
		return t.Campaign
	}
	return t.Channel
}

// Add attributes one journey. It returns a *[JourneyError] for an invalid
// journey and then leaves the accumulator unchanged.
func (a *Accumulator) Add(j Journey) error {
	a.init()
	if err := validate(&j, a.opts.MoneyScale); err != nil {
		return err
	}
	u := &a.amt
	for m := range u {
		u[m].SetInt64(0)
	}
	u[mLeads].Set(oneJourney)
	if j.Opportunity {
		u[mOpps].Set(oneJourney)
		if !j.Pipeline.IsZero() {
			u[mPipeline].Set(j.Pipeline.Shift(a.opts.MoneyScale).BigInt())
		}
	}
	if j.Converted {
		u[mConvs].Set(oneJourney)
		if !j.Revenue.IsZero() {
			u[mRevenue].Set(j.Revenue.Shift(a.opts.MoneyScale).BigInt())
		}
	}
	a.total.add(u)
	n := len(j.Touches)
	if n == 0 {
		a.unattributed.add(u)
		return nil
	}
	a.ids = grow(a.ids, n)
	for i := range j.Touches {
		a.ids[i] = a.key(a.keyOf(&j.Touches[i]))
	}
	switch a.model {
	case Markov:
		a.addPath(a.ids, u)
	case Shapley:
		a.addSet(a.ids, u)
	default:
		a.w = grow(a.w, n)
		ruleWeights(a.model, &a.opts, &j, a.w)
		a.sp.setWeights(a.w)
		for m := range u {
			a.sp.split(&u[m], &a.tmp, func(i int, share *big.Int) {
				c := &a.credit[a.ids[i]][m]
				c.Add(c, share)
			})
		}
	}
	return nil
}

// Merge adds the journeys of o to a; o is not modified. It returns an
// error wrapping [ErrIncompatible], and leaves a unchanged, if the two
// accumulators differ in model or options, and one wrapping
// [ErrInvalidParam] if o or a is nil.
func (a *Accumulator) Merge(o *Accumulator) error {
	if a == nil || o == nil {
		return fmt.Errorf("attribution: merging a nil accumulator: %w", ErrInvalidParam)
	}
	a.init()
	oo := o.options()
	if a.model != o.model || !a.opts.equal(oo) {
		return fmt.Errorf("attribution: merge %v %+v into %v %+v: %w", o.model, oo, a.model, a.opts, ErrIncompatible)
	}
	remap := make([]int32, len(o.keys))
	for i, k := range o.keys {
		remap[i] = a.key(k)
	}
	a.total.add(&o.total)
	a.unattributed.add(&o.unattributed)
	a.overflow = a.overflow || o.overflow
	switch a.model {
	case Markov:
		a.mergeMarkov(o, remap)
	case Shapley:
		a.mergeShapley(o, remap)
	default:
		for i := range o.credit {
			a.credit[remap[i]].add(&o.credit[i])
		}
	}
	return nil
}

// Result returns the attribution of the journeys added so far; a is not
// modified. It returns an error wrapping [ErrTooManyKeys] or
// [ErrTooManyStates] if a Shapley or Markov model has more keys or states
// than it can solve.
func (a *Accumulator) Result() (*Result, error) {
	opts := a.options()
	order := make([]int32, len(a.keys)) // key IDs in key order
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int {
		if a.keys[x] < a.keys[y] {
			return -1
		}
		if a.keys[x] > a.keys[y] {
			return 1
		}
		return 0
	})
	rank := make([]int32, len(a.keys)) // key ID -> position in order
	for r, id := range order {
		rank[id] = int32(r)
	}
	credit := make([]*units, len(a.keys)) // by rank
	switch a.model {
	case Markov, Shapley:
		var w [numMetrics][]float64
		var err error
		if a.model == Markov {
			w, err = a.markovWeights(rank)
		} else {
			w, err = a.shapleyWeights(rank)
		}
		if err != nil {
			return nil, err
		}
		for i := range credit {
			credit[i] = new(units)
		}
		var attributed, tmp big.Int
		var sp splitter
		for m := range numMetrics {
			attributed.Sub(&a.total[m], &a.unattributed[m])
			if attributed.Sign() == 0 {
				continue
			}
			if !slices.ContainsFunc(w[m], func(x float64) bool { return x > 0 }) {
				// Cannot happen for a chain or game with successes;
				// kept so that a degenerate input still sums exactly.
				for i := range w[m] {
					w[m][i] = 1
				}
			}
			sp.setWeights(w[m])
			sp.split(&attributed, &tmp, func(i int, share *big.Int) {
				credit[i][m].Add(&credit[i][m], share)
			})
		}
	default:
		for id := range a.credit {
			credit[rank[id]] = &a.credit[id]
		}
	}
	r := &Result{
		Model:        a.model,
		By:           opts.By,
		Keys:         make([]KeyCredit, len(order)),
		Unattributed: a.unattributed.credit(opts.MoneyScale),
		Total:        a.total.credit(opts.MoneyScale),
	}
	for i, id := range order {
		r.Keys[i] = KeyCredit{Key: a.keys[id], Credit: credit[i].credit(opts.MoneyScale)}
	}
	return r, nil
}
