package forecast_test

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// genStages are the stages of the generated deals (those of mergeScans).
var genStages = []funnel.Stage{"Lead", "Qualified", "Proposal", "Negotiation"}

var genOwners = []string{"ana", "ben", "chen", "dara"}

var genStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// genDeals returns n deals with stage histories and field histories,
// generated from seed: created over 300 days from 1 January 2024, each
// moves through the stages (forward, sometimes back) with its expected
// close date pushed, pulled in, cleared and set again, its amount revised,
// its owner reassigned and, for some, its own probability set, until it
// is won, lost or left open. Amounts are whole cents; every time is a
// whole second.
func genDeals(n int, seed uint64) []funnel.Deal {
	r := rand.New(rand.NewPCG(seed, seed^0xda3e39cb94b95bdb))
	deals := make([]funnel.Deal, n)
	for i := range deals {
		d := &deals[i]
		d.ID = "g" + strconv.Itoa(i)
		d.Created = genStart.Add(time.Duration(r.Int64N(300*86400)) * time.Second)
		at := d.Created
		k := 0
		amount := decimal.New(1000+r.Int64N(5_000_000), -2)
		owner := genOwners[r.IntN(len(genOwners))]
		var ec time.Time
		d.History = []funnel.StageChange{{Stage: genStages[0], At: at}}
		if r.IntN(8) > 0 {
			ec = at.Add(time.Duration(20+r.IntN(120)) * 24 * time.Hour)
			d.Changes = append(d.Changes, funnel.FieldChange{Field: funnel.FieldExpectedClose, At: at, Time: ec})
		}
		if r.IntN(3) == 0 {
			d.Changes = append(d.Changes, funnel.FieldChange{Field: funnel.FieldAmount, At: at, Amount: amount})
		}
		if r.IntN(4) == 0 {
			d.Changes = append(d.Changes, funnel.FieldChange{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: at, Text: owner})
		}
		for done := false; !done; {
			at = at.Add(time.Duration(1+r.Int64N(20*86400)) * time.Second)
			switch u := r.Float64(); {
			case u < 0.33:
				if k < len(genStages)-1 {
					k++
					d.History = append(d.History, funnel.StageChange{Stage: genStages[k], At: at})
				}
			case u < 0.37:
				if k > 0 {
					k--
					d.History = append(d.History, funnel.StageChange{Stage: genStages[k], At: at})
				}
			case u < 0.49: // pushed
				if !ec.IsZero() {
					ec = ec.Add(time.Duration(5+r.IntN(60)) * 24 * time.Hour)
					d.Changes = append(d.Changes, funnel.FieldChange{Field: funnel.FieldExpectedClose, At: at, Time: ec})
				}
			case u < 0.54: // pulled in, or dated
				if ec.IsZero() {
					ec = at.Add(time.Duration(10+r.IntN(90)) * 24 * time.Hour)
				} else {
					ec = ec.Add(-time.Duration(5+r.IntN(40)) * 24 * time.Hour)
				}
				d.Changes = append(d.Changes, funnel.FieldChange{Field: funnel.FieldExpectedClose, At: at, Time: ec})
			case u < 0.555: // cleared
				if !ec.IsZero() {
					ec = time.Time{}
					d.Changes = append(d.Changes, funnel.FieldChange{Field: funnel.FieldExpectedClose, At: at})
				}
			case u < 0.63: // resized
				f := decimal.New(60+r.Int64N(80), -2)
				amount = amount.Mul(f).Round(2)
				d.Changes = append(d.Changes, funnel.FieldChange{Field: funnel.FieldAmount, At: at, Amount: amount})
			case u < 0.66: // reassigned
				owner = genOwners[r.IntN(len(genOwners))]
				d.Changes = append(d.Changes, funnel.FieldChange{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: at, Text: owner})
			case u < 0.68:
				p := decimal.New(r.Int64N(101), -2)
				d.Probability = decimal.NewNullDecimal(p)
				d.Changes = append(d.Changes, funnel.FieldChange{Field: funnel.FieldProbability, At: at, Amount: p})
			case u < 0.80:
				d.Outcome, d.Closed, done = funnel.Won, at, true
			case u < 0.92:
				d.Outcome, d.Closed, done = funnel.Lost, at, true
			default:
				done = true
			}
		}
		d.Stage = d.History[len(d.History)-1].Stage
		d.Amount, d.ExpectedClose, d.Attrs.Owner = amount, ec, owner
	}
	return deals
}

// changeLater records a change of a field after the deal's other changes
// and sets the field's current value: a field with no history had its
// current value all along, so that value is recorded at the deal's
// creation first.
func changeLater(d *funnel.Deal, c funnel.FieldChange) {
	has := false
	for _, o := range d.Changes {
		has = has || (o.Field == c.Field && o.Key == c.Key)
	}
	ch := append([]funnel.FieldChange{}, d.Changes...)
	if !has {
		first := funnel.FieldChange{Field: c.Field, Key: c.Key, At: d.Created}
		switch c.Field {
		case funnel.FieldAmount:
			first.Amount = d.Amount
		case funnel.FieldExpectedClose:
			first.Time = d.ExpectedClose
		case funnel.FieldAttr:
			first.Text = d.Attrs.Get(c.Key)
		}
		ch = append([]funnel.FieldChange{first}, ch...)
	}
	d.Changes = append(ch, c)
	switch c.Field {
	case funnel.FieldAmount:
		d.Amount = c.Amount
	case funnel.FieldExpectedClose:
		d.ExpectedClose = c.Time
	case funnel.FieldAttr:
		if c.Key == funnel.AttrOwner {
			d.Attrs.Owner = c.Text
		}
	}
}
