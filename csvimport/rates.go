package csvimport

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// A Rate is a dated exchange rate: from its date on (until the pair's next
// rate), one unit of From is worth Rate units of To.
type Rate struct {
	From string          `json:"from"`
	To   string          `json:"to"`
	Date time.Time       `json:"date"`
	Rate decimal.Decimal `json:"rate"`
}

// Rates is a table of dated exchange rates (see [NewRates], [ReadRates]).
// A Rates is immutable and safe for concurrent use.
type Rates struct {
	pairs map[[2]string][]Rate // by (from, to), sorted by date
}

// NewRates checks rates and returns them as a table: currency codes of
// three upper-case letters, From and To distinct, a date, a positive rate,
// and one rate per pair and date. An invalid rate is an error wrapping
// [ErrRate] that names it.
func NewRates(rates []Rate) (*Rates, error) {
	t := &Rates{pairs: map[[2]string][]Rate{}}
	for i, r := range rates {
		switch {
		case !isCode(r.From) || !isCode(r.To):
			return nil, fmt.Errorf("%w %d (%s to %s): currency codes are three upper-case letters (ISO 4217)", ErrRate, i, r.From, r.To)
		case r.From == r.To:
			return nil, fmt.Errorf("%w %d: from %s to itself", ErrRate, i, r.From)
		case r.Date.IsZero():
			return nil, fmt.Errorf("%w %d (%s to %s): no date", ErrRate, i, r.From, r.To)
		case r.Rate.Sign() <= 0:
			return nil, fmt.Errorf("%w %d (%s to %s on %s): the rate %s is not positive", ErrRate, i, r.From, r.To, r.Date.Format(time.DateOnly), r.Rate)
		case r.Rate.Exponent() < -funnel.MaxAmountExponent || r.Rate.Exponent() > funnel.MaxAmountExponent || r.Rate.NumDigits() > 40:
			return nil, fmt.Errorf("%w %d (%s to %s): the rate %s has too many digits", ErrRate, i, r.From, r.To, r.Rate)
		}
		k := [2]string{r.From, r.To}
		t.pairs[k] = append(t.pairs[k], r)
	}
	for k, list := range t.pairs {
		slices.SortStableFunc(list, func(a, b Rate) int { return a.Date.Compare(b.Date) })
		for i := 1; i < len(list); i++ {
			if list[i].Date.Equal(list[i-1].Date) {
				return nil, fmt.Errorf("%w: two rates from %s to %s on %s", ErrRate, k[0], k[1], list[i].Date.Format(time.DateOnly))
			}
		}
	}
	return t, nil
}

func isCode(s string) bool {
	return len(s) == 3 && isUpper(s[0]) && isUpper(s[1]) && isUpper(s[2])
}

// Rate returns the rate from one currency to another in force at t: the
// pair's latest rate dated at or before t. It reports false when the table
// has none.
func (t *Rates) Rate(from, to string, at time.Time) (Rate, bool) {
	if t == nil {
		return Rate{}, false
	}
	list := t.pairs[[2]string{from, to}]
	i, found := slices.BinarySearchFunc(list, at, func(r Rate, at time.Time) int { return r.Date.Compare(at) })
	if found {
		return list[i], true
	}
	if i == 0 {
		return Rate{}, false
	}
	return list[i-1], true
}

// Convert returns amount, in from, converted to to at the rate in force at
// t (amount x rate, exact), and the rate used. A missing rate is an error
// wrapping [ErrCurrency] that names the pair and the date.
func (t *Rates) Convert(amount decimal.Decimal, from, to string, at time.Time) (decimal.Decimal, Rate, error) {
	if from == to {
		return amount, Rate{From: from, To: to, Rate: decimal.New(1, 0)}, nil
	}
	r, ok := t.Rate(from, to, at)
	if !ok {
		return decimal.Decimal{}, Rate{}, fmt.Errorf("%w: no rate from %s to %s on or before %s", ErrCurrency, from, to, at.Format(time.DateOnly))
	}
	return amount.Mul(r.Rate), r, nil
}

// A RatesMapping names the columns of an exchange-rate table: one row per
// rate, the date it applies from, the currencies and the rate (one From is
// Rate To).
type RatesMapping struct {
	Date, From, To, Rate string
}

// ReadRates reads an exchange-rate table with a header row. Times are
// opts.Layouts in opts.Location, rates plain decimals (or as opts says for
// a rate column written like an amount: see [ParseAmount]). Every problem
// names the file, line and column; in strict mode the first stops the
// read, in lenient mode bad rows are skipped and reported. Two rates of a
// pair on one date are an error ([ErrRate]).
func ReadRates(r io.Reader, file string, m RatesMapping, opts Options) (*Rates, *Report, error) {
	if m.Date == "" || m.From == "" || m.To == "" || m.Rate == "" {
		return nil, nil, fmt.Errorf("%w: RatesMapping needs the Date, From, To and Rate columns", ErrMapping)
	}
	rd, err := newReader(r, file, opts)
	if err != nil {
		return nil, nil, err
	}
	var dc, fc, tc, rc int
	for _, c := range []struct {
		dst  *int
		name string
	}{{&dc, m.Date}, {&fc, m.From}, {&tc, m.To}, {&rc, m.Rate}} {
		if *c.dst, err = rd.column(c.name); err != nil {
			return nil, nil, err
		}
	}
	times := newTimeParser(opts)
	var rates []Rate
	lines := map[[2]string]map[int64]int{}
	for {
		ok, err := rd.next()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		perr := func() *ParseError {
			var x Rate
			for _, c := range []struct {
				dst *string
				col int
			}{{&x.From, fc}, {&x.To, tc}} {
				v := strings.ToUpper(string(rd.get(c.col)))
				if !isCode(v) {
					return rd.at(c.col, fmt.Errorf("%w: %q is not a currency code of three letters (ISO 4217)", ErrRate, v))
				}
				*c.dst = v
			}
			if x.From == x.To {
				return rd.at(tc, fmt.Errorf("%w: from %s to itself", ErrRate, x.From))
			}
			dv := rd.get(dc)
			if len(dv) == 0 {
				return rd.at(dc, ErrEmpty)
			}
			t, err := times.parse(dv)
			if err != nil {
				return rd.at(dc, err)
			}
			x.Date = t
			a, err := parseAmount(rd.get(rc), 0)
			if err != nil {
				return rd.at(rc, err)
			}
			if a.Sign() <= 0 {
				return rd.at(rc, fmt.Errorf("%w: the rate %s is not positive", ErrRate, a))
			}
			k := [2]string{x.From, x.To}
			if lines[k] == nil {
				lines[k] = map[int64]int{}
			}
			if first, dup := lines[k][t.UnixNano()]; dup {
				return rd.at(dc, fmt.Errorf("%w: a second rate from %s to %s on %s (first on line %d)", ErrRate, x.From, x.To, t.Format(time.DateOnly), first))
			}
			lines[k][t.UnixNano()] = rd.line
			x.Rate = a
			rates = append(rates, x)
			return nil
		}()
		if perr != nil {
			if err := rd.fail(perr); err != nil {
				return nil, nil, err
			}
			continue
		}
		rd.rep.Kept++
	}
	t, err := NewRates(rates)
	if err != nil {
		return nil, nil, err
	}
	return t, rd.report(), nil
}

// A Conversion is one exchange rate used to read deals in the reporting
// currency, and the number of deals converted at it.
type Conversion struct {
	Rate  Rate `json:"rate"`
	Deals int  `json:"deals"`
}

// converter reads deals in a reporting currency.
type converter struct {
	to    string
	rates *Rates
	uses  map[convKey]*Conversion
}

type convKey struct {
	from string
	date int64
}

func newConverter(to string, rates *Rates) *converter {
	return &converter{to: to, rates: rates, uses: map[convKey]*Conversion{}}
}

// convert converts the deal's amount and amount history to the reporting
// currency, at the rate in force on its close time (closed deals), its
// expected close date (open deals) or else its creation, as Salesforce's
// dated exchange rates apply the rate of an opportunity's close date.
func (c *converter) convert(d *funnel.Deal) error {
	if d.Currency == "" {
		return fmt.Errorf("%w: the deal (ID %q) has no currency and the reading is in %s (map DealMapping.Currency or set DefaultCurrency)", ErrCurrency, d.ID, c.to)
	}
	if c.rates == nil {
		return fmt.Errorf("%w: the deal (ID %q) is in %s and the reading is in %s: give Options.Rates with %s to %s rates, or read without Options.Currency and break the figures down by currency (ByCurrency)", ErrCurrency, d.ID, d.Currency, c.to, d.Currency, c.to)
	}
	at := d.Closed
	if at.IsZero() {
		at = d.ExpectedClose
	}
	if at.IsZero() {
		at = d.Created
	}
	if at.IsZero() {
		return fmt.Errorf("%w: the deal (ID %q) in %s has no close, expected close or creation date to pick a %s to %s rate by", ErrCurrency, d.ID, d.Currency, d.Currency, c.to)
	}
	a, r, err := c.rates.Convert(d.Amount, d.Currency, c.to, at)
	if err != nil {
		return fmt.Errorf("%w: no rate from %s to %s on or before %s, for the deal (ID %q)", ErrCurrency, d.Currency, c.to, at.Format(time.DateOnly), d.ID)
	}
	d.Amount = a
	if len(d.Changes) > 0 {
		ch := slices.Clone(d.Changes)
		for i := range ch {
			if ch[i].Field == funnel.FieldAmount {
				ch[i].Amount = ch[i].Amount.Mul(r.Rate)
			}
		}
		d.Changes = ch
	}
	k := convKey{d.Currency, r.Date.UnixNano()}
	u := c.uses[k]
	if u == nil {
		u = &Conversion{Rate: r}
		c.uses[k] = u
	}
	u.Deals++
	d.Currency = c.to
	return nil
}

// used returns the conversions made, by currency and date.
func (c *converter) used() []Conversion {
	out := []Conversion{}
	for _, u := range c.uses {
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b Conversion) int {
		return cmp.Or(strings.Compare(a.Rate.From, b.Rate.From), a.Rate.Date.Compare(b.Rate.Date))
	})
	return out
}
