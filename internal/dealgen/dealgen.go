// Package dealgen generates synthetic deals with realistic stage histories
// and attributes, deterministically from a seed. It feeds the benchmarks,
// the fuzz corpora and the examples of the funnel module.
package dealgen

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// Stages are the stages of the generated funnel, in order.
var Stages = []funnel.Stage{"Lead", "Qualified", "Proposal", "Negotiation"}

// Funnel returns the funnel of [Stages].
func Funnel() *funnel.Funnel {
	f, err := funnel.New(Stages...)
	if err != nil {
		panic(err) // Stages are valid
	}
	return f
}

var (
	sources    = []string{"web", "referral", "event", "outbound", "partner", ""}
	industries = []string{"software", "retail", "finance", "health", "manufacturing"}
	regions    = []string{"EMEA", "NA", "APAC", "LATAM"}
	products   = []string{"Basic", "Pro", "Enterprise"}
	owners     = []string{"ana", "ben", "chen", "dara", "eli", "fay", "gus", "hana"}
	campaigns  = []string{"spring", "summer", "webinar", "none"}
	lostWhy    = []string{"price", "competitor", "no decision", "timing"}
)

// Options shape the generated deals. The zero Options give deals created
// over 2024 in UTC.
type Options struct {
	Start time.Time     // first creation time; zero means 2024-01-01 UTC
	Span  time.Duration // creation times spread over Span; zero means 365 days
}

// Generate returns n deals generated from seed. Each deal enters the first
// stage at creation and moves forward with stage-dependent probabilities
// (with occasional skips and backward moves), then is won, lost or left
// open; amounts are whole cents between 500.00 and about 200,000.00.
func Generate(n int, seed uint64, opts Options) []funnel.Deal {
	if opts.Start.IsZero() {
		opts.Start = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)
	}
	if opts.Span <= 0 {
		opts.Span = 365 * 24 * time.Hour
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	deals := make([]funnel.Deal, n)
	// one backing array for all histories
	hist := make([]funnel.StageChange, 0, n*3)
	for i := range deals {
		d := &deals[i]
		d.ID = "D" + strconv.Itoa(i+1)
		d.Account = "A" + strconv.Itoa(r.IntN(n/3+1)+1)
		d.Created = opts.Start.Add(time.Duration(r.Int64N(int64(opts.Span)))).Truncate(time.Second)
		d.Amount = decimal.New(50000+r.Int64N(20000000), -2)
		d.Currency = "USD"
		d.Attrs = funnel.Attributes{
			Source: sources[r.IntN(len(sources))], Industry: industries[r.IntN(len(industries))],
			Owner: owners[r.IntN(len(owners))], Region: regions[r.IntN(len(regions))],
			Product: products[r.IntN(len(products))], Campaign: campaigns[r.IntN(len(campaigns))],
		}
		start := len(hist)
		at := d.Created
		stage := 0
		hist = append(hist, funnel.StageChange{Stage: Stages[0], At: at})
		for {
			at = at.Add(time.Duration(1+r.IntN(20*24*3600)) * time.Second)
			u := r.Float64()
			switch {
			case u < 0.50 && stage < len(Stages)-1: // advance (sometimes skipping one)
				stage++
				if stage < len(Stages)-1 && r.IntN(20) == 0 {
					stage++
				}
			case u < 0.53 && stage > 0: // move back
				stage--
			case u < 0.75: // won
				d.Outcome, d.Closed = funnel.Won, at
			case u < 0.92: // lost
				d.Outcome, d.Closed = funnel.Lost, at
				d.LostReason = lostWhy[r.IntN(len(lostWhy))]
			default: // still open
			}
			if d.Outcome != funnel.Open || u >= 0.92 {
				break
			}
			hist = append(hist, funnel.StageChange{Stage: Stages[stage], At: at})
		}
		d.History = hist[start:len(hist):len(hist)]
		d.Stage = d.History[len(d.History)-1].Stage
	}
	return deals
}
