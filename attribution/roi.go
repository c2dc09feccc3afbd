package attribution

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"
)

// A CampaignCost is what one campaign cost in one period. The zero value is
// invalid (it has no campaign).
type CampaignCost struct {
	Campaign string          // campaign name, as in [Touch.Campaign]
	Period   string          // any period label, such as "2024-03"
	Amount   decimal.Decimal // non-negative, same currency as revenue
}

// A Figure is a quotient that may be undefined. The zero Figure is
// undefined.
type Figure struct {
	Value   decimal.Decimal // the quotient, rounded to DivScale places; zero when undefined
	Defined bool            // false when the denominator is zero
}

// MarshalJSON encodes the figure as a decimal string, or null when it is
// undefined.
func (f Figure) MarshalJSON() ([]byte, error) {
	if !f.Defined {
		return []byte("null"), nil
	}
	return json.Marshal(f.Value)
}

// UnmarshalJSON decodes a figure written by [Figure.MarshalJSON].
func (f *Figure) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Figure{}
		return nil
	}
	var v decimal.Decimal
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Figure{Value: v, Defined: true}
	return nil
}

// String returns the value, or "n/a" when undefined.
func (f Figure) String() string {
	if !f.Defined {
		return "n/a"
	}
	return f.Value.String()
}

// quo returns num/den rounded to DivScale places, undefined if den is zero.
func quo(num, den decimal.Decimal) Figure {
	if den.IsZero() {
		return Figure{}
	}
	return Figure{Value: num.DivRound(den, DivScale), Defined: true}
}

// CampaignROI is the return and efficiency of one campaign under one
// attribution model.
type CampaignROI struct {
	Campaign string `json:"campaign"`
	// Cost is the sum of the campaign's cost rows, each counted once
	// whatever the number of journeys that touch the campaign.
	Cost decimal.Decimal `json:"cost"`
	// Credit is the campaign's attributed credit.
	Credit Credit `json:"credit"`
	// ROI = (Credit.Revenue - Cost) / Cost; undefined for zero cost.
	ROI Figure `json:"roi"`
	// CostPerLead = Cost / Credit.Leads; undefined for zero leads.
	CostPerLead Figure `json:"cost_per_lead"`
	// CostPerOpportunity = Cost / Credit.Opportunities.
	CostPerOpportunity Figure `json:"cost_per_opportunity"`
	// CostPerWon = Cost / Credit.Conversions: customer acquisition cost.
	CostPerWon Figure `json:"cost_per_won"`
}

// ROIReport is the campaign ROI table of one attribution.
type ROIReport struct {
	Model Model `json:"model"`
	// Campaigns has one row per campaign that has a cost or credit, in
	// ascending campaign order.
	Campaigns []CampaignROI `json:"campaigns"`
	// Total has every cost and the credit of every journey, attributed or
	// not (its Campaign is empty): the blended ROI and acquisition costs.
	Total CampaignROI `json:"total"`
}

type roiJSON ROIReport

// MarshalJSON encodes the report in the library's one style, with [] for
// no campaigns.
func (r ROIReport) MarshalJSON() ([]byte, error) {
	if r.Campaigns == nil {
		r.Campaigns = []CampaignROI{}
	}
	return json.Marshal(roiJSON(r))
}

func newROI(campaign string, cost decimal.Decimal, c Credit) CampaignROI {
	return CampaignROI{
		Campaign:           campaign,
		Cost:               cost,
		Credit:             c,
		ROI:                quo(c.Revenue.Sub(cost), cost),
		CostPerLead:        quo(cost, c.Leads),
		CostPerOpportunity: quo(cost, c.Opportunities),
		CostPerWon:         quo(cost, c.Conversions),
	}
}

// ROI joins an attribution by campaign with campaign costs:
// ROI = (attributed revenue - cost) / cost, and cost per attributed lead,
// opportunity and won deal (customer acquisition cost). Costs are summed
// per campaign over periods, so a campaign's cost counts once however many
// journeys join to it.
//
// It returns an error wrapping [ErrInvalidParam] if r is not by campaign,
// [ErrInvalidCost] for a cost without campaign, [ErrNegativeAmount] for a
// negative cost and [ErrDuplicateCost] for a second cost of the same
// campaign and period; the message names the cost row.
func ROI(r *Result, costs []CampaignCost) (*ROIReport, error) {
	if r.By != ByCampaign {
		return nil, fmt.Errorf("attribution: roi needs an attribution by campaign, not by %v: %w", r.By, ErrInvalidParam)
	}
	type cp struct{ campaign, period string }
	seen := make(map[cp]int, len(costs))
	cost := make(map[string]decimal.Decimal)
	var total decimal.Decimal
	for i, c := range costs {
		if c.Campaign == "" {
			return nil, fmt.Errorf("attribution: cost row %d: %w", i, ErrInvalidCost)
		}
		if c.Amount.IsNegative() {
			return nil, fmt.Errorf("attribution: cost row %d (campaign %q, period %q): %w", i, c.Campaign, c.Period, ErrNegativeAmount)
		}
		k := cp{c.Campaign, c.Period}
		if j, dup := seen[k]; dup {
			return nil, fmt.Errorf("attribution: cost rows %d and %d (campaign %q, period %q): %w", j, i, c.Campaign, c.Period, ErrDuplicateCost)
		}
		seen[k] = i
		cost[c.Campaign] = cost[c.Campaign].Add(c.Amount)
		total = total.Add(c.Amount)
	}
	names := make([]string, 0, len(r.Keys)+len(cost))
	credit := make(map[string]Credit, len(r.Keys))
	for _, k := range r.Keys {
		names = append(names, k.Key)
		credit[k.Key] = k.Credit
	}
	for c := range cost {
		names = append(names, c)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	rep := &ROIReport{Model: r.Model, Campaigns: make([]CampaignROI, len(names))}
	for i, n := range names {
		rep.Campaigns[i] = newROI(n, cost[n], credit[n])
	}
	rep.Total = newROI("", total, r.Total)
	return rep, nil
}
