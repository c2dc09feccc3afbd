package attribution_test

import (
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel/attribution"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

var t0 = time.Date(2024, time.March, 1, 0, 0, 0, 0, time.UTC)

func day(n int) time.Time { return t0.AddDate(0, 0, n) }

// tc is a touch on channel ch at day d (campaign "c-"+ch).
func tc(ch string, d int) attribution.Touch {
	return attribution.Touch{Campaign: "c-" + ch, Channel: ch, At: day(d)}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// cr builds a Credit from leads, opportunities, conversions, pipeline and
// revenue.
func cr(leads, opps, convs, pipe, rev string) attribution.Credit {
	return attribution.Credit{
		Leads: dec(leads), Opportunities: dec(opps), Conversions: dec(convs),
		Pipeline: dec(pipe), Revenue: dec(rev),
	}
}

func kc(key string, c attribution.Credit) attribution.KeyCredit {
	return attribution.KeyCredit{Key: key, Credit: c}
}

var zero = attribution.Credit{}

// won is a converted journey with an opportunity of the same amount.
func won(id, amount string, ts ...attribution.Touch) attribution.Journey {
	return attribution.Journey{ID: id, Touches: ts, Opportunity: true, Pipeline: dec(amount), Converted: true, Revenue: dec(amount)}
}

// abc is one won journey A(day 0), B(day 1), C(day 2) with an opportunity
// of 200.00 created on day 1 and revenue 100.00.
var abc = attribution.Journey{
	ID: "abc", Touches: []attribution.Touch{tc("A", 0), tc("B", 1), tc("C", 2)},
	Opportunity: true, OpportunityAt: day(1), Pipeline: dec("200.00"),
	Converted: true, Revenue: dec("100.00"),
}

// abcTotal is the total of abc: one lead, opportunity and conversion.
var abcTotal = cr("1", "1", "1", "200", "100")

// linearABC is abc split in thirds: 1,000,000 count units give 333,333
// each and the unit left over goes to the earliest touch; 20000 cents of
// pipeline give 6666 each and the two cents left to A and B; 10000 cents
// of revenue give 3333 each and the cent left to A.
var linearABC = []attribution.KeyCredit{
	kc("A", cr("0.333334", "0.333334", "0.333334", "66.67", "33.34")),
	kc("B", cr("0.333333", "0.333333", "0.333333", "66.67", "33.33")),
	kc("C", cr("0.333333", "0.333333", "0.333333", "66.66", "33.33")),
}

type modelCase struct {
	name     string
	model    attribution.Model
	opts     attribution.Options
	journeys []attribution.Journey
	want     *attribution.Result
}

// Every expectation below is worked out by hand in the comment of its row
// (shares, then the largest-remainder rounding of 1,000,000 count units and
// of the cents).
var modelCases = []modelCase{
	{
		name: "empty input", model: attribution.Linear,
		want: &attribution.Result{Model: attribution.Linear},
	},
	{
		name: "journey without touches is unattributed", model: attribution.Linear,
		journeys: []attribution.Journey{won("x", "5.00")},
		want: &attribution.Result{
			Model: attribution.Linear, Unattributed: cr("1", "1", "1", "5", "5"), Total: cr("1", "1", "1", "5", "5"),
		},
	},
	{
		name: "linear thirds", model: attribution.Linear, journeys: []attribution.Journey{abc},
		want: &attribution.Result{Model: attribution.Linear, Keys: linearABC, Total: abcTotal},
	},
	{
		// All of it to A; B and C were seen and get zero.
		name: "first touch", model: attribution.FirstTouch, journeys: []attribution.Journey{abc},
		want: &attribution.Result{Model: attribution.FirstTouch, Total: abcTotal, Keys: []attribution.KeyCredit{
			kc("A", abcTotal), kc("B", zero), kc("C", zero),
		}},
	},
	{
		name: "last touch", model: attribution.LastTouch, journeys: []attribution.Journey{abc},
		want: &attribution.Result{Model: attribution.LastTouch, Total: abcTotal, Keys: []attribution.KeyCredit{
			kc("A", zero), kc("B", zero), kc("C", abcTotal),
		}},
	},
	{
		// No direct touch: the last touch, C.
		name: "last non-direct without direct", model: attribution.LastNonDirect, journeys: []attribution.Journey{abc},
		want: &attribution.Result{Model: attribution.LastNonDirect, Total: abcTotal, Keys: []attribution.KeyCredit{
			kc("A", zero), kc("B", zero), kc("C", abcTotal),
		}},
	},
	{
		// A, B, direct: B is the last non-direct touch.
		name: "last non-direct skips direct", model: attribution.LastNonDirect,
		journeys: []attribution.Journey{won("j", "10.00", tc("A", 0), tc("B", 1), tc("direct", 2))},
		want: &attribution.Result{Model: attribution.LastNonDirect, Total: cr("1", "1", "1", "10", "10"), Keys: []attribution.KeyCredit{
			kc("A", zero), kc("B", cr("1", "1", "1", "10", "10")), kc("direct", zero),
		}},
	},
	{
		// Only direct touches: the last one.
		name: "last non-direct all direct", model: attribution.LastNonDirect,
		opts:     attribution.Options{Direct: []string{"typed", "bookmark"}},
		journeys: []attribution.Journey{won("j", "10.00", tc("typed", 0), tc("bookmark", 1))},
		want: &attribution.Result{Model: attribution.LastNonDirect, Total: cr("1", "1", "1", "10", "10"), Keys: []attribution.KeyCredit{
			kc("bookmark", cr("1", "1", "1", "10", "10")), kc("typed", zero),
		}},
	},
	{
		// 40/20/40 of 1, 200 and 100.
		name: "position-based three touches", model: attribution.PositionBased, journeys: []attribution.Journey{abc},
		want: &attribution.Result{Model: attribution.PositionBased, Total: abcTotal, Keys: []attribution.KeyCredit{
			kc("A", cr("0.4", "0.4", "0.4", "80", "40")),
			kc("B", cr("0.2", "0.2", "0.2", "40", "20")),
			kc("C", cr("0.4", "0.4", "0.4", "80", "40")),
		}},
	},
	{
		// Two touches: 40/40 rescaled to 50/50.
		name: "position-based two touches", model: attribution.PositionBased,
		journeys: []attribution.Journey{won("j", "0.03", tc("A", 0), tc("B", 1))},
		want: &attribution.Result{Model: attribution.PositionBased, Total: cr("1", "1", "1", "0.03", "0.03"), Keys: []attribution.KeyCredit{
			kc("A", cr("0.5", "0.5", "0.5", "0.02", "0.02")), // 1.5 cents: the tie goes to the earlier touch
			kc("B", cr("0.5", "0.5", "0.5", "0.01", "0.01")),
		}},
	},
	{
		// Middle-only weights give a two-touch journey nothing: split equally.
		name: "position-based middle only on two touches", model: attribution.PositionBased,
		opts:     attribution.Options{U: attribution.UWeights{Middle: 1}},
		journeys: []attribution.Journey{won("j", "1.00", tc("A", 0), tc("B", 1))},
		want: &attribution.Result{Model: attribution.PositionBased, Total: cr("1", "1", "1", "1", "1"), Keys: []attribution.KeyCredit{
			kc("A", cr("0.5", "0.5", "0.5", "0.5", "0.5")),
			kc("B", cr("0.5", "0.5", "0.5", "0.5", "0.5")),
		}},
	},
	{
		// Custom 50/0/50 on three touches.
		name: "position-based custom weights", model: attribution.PositionBased,
		opts:     attribution.Options{U: attribution.UWeights{First: 1, Last: 1}},
		journeys: []attribution.Journey{won("j", "1.00", tc("A", 0), tc("B", 1), tc("C", 2))},
		want: &attribution.Result{Model: attribution.PositionBased, Total: cr("1", "1", "1", "1", "1"), Keys: []attribution.KeyCredit{
			kc("A", cr("0.5", "0.5", "0.5", "0.5", "0.5")),
			kc("B", zero),
			kc("C", cr("0.5", "0.5", "0.5", "0.5", "0.5")),
		}},
	},
	{
		// Opportunity on B, no middle touch: 30/30/30 rescaled to thirds,
		// the same as linear.
		name: "w-shaped three touches", model: attribution.WShaped, journeys: []attribution.Journey{abc},
		want: &attribution.Result{Model: attribution.WShaped, Keys: linearABC, Total: abcTotal},
	},
	{
		// A .3, B .1 (middle), C .3 (opportunity, created between day 2
		// and day 3), D .3.
		name: "w-shaped four touches", model: attribution.WShaped,
		journeys: []attribution.Journey{func() attribution.Journey {
			j := won("j", "100.00", tc("A", 0), tc("B", 1), tc("C", 2), tc("D", 3))
			j.OpportunityAt = day(2).Add(12 * time.Hour)
			return j
		}()},
		want: &attribution.Result{Model: attribution.WShaped, Total: cr("1", "1", "1", "100", "100"), Keys: []attribution.KeyCredit{
			kc("A", cr("0.3", "0.3", "0.3", "30", "30")),
			kc("B", cr("0.1", "0.1", "0.1", "10", "10")),
			kc("C", cr("0.3", "0.3", "0.3", "30", "30")),
			kc("D", cr("0.3", "0.3", "0.3", "30", "30")),
		}},
	},
	{
		// Opportunity at the first touch's time: A .3+.3, B and C .05, D .3.
		name: "w-shaped opportunity on the first touch", model: attribution.WShaped,
		journeys: []attribution.Journey{func() attribution.Journey {
			j := won("j", "100.00", tc("A", 0), tc("B", 1), tc("C", 2), tc("D", 3))
			j.OpportunityAt = day(0)
			return j
		}()},
		want: &attribution.Result{Model: attribution.WShaped, Total: cr("1", "1", "1", "100", "100"), Keys: []attribution.KeyCredit{
			kc("A", cr("0.6", "0.6", "0.6", "60", "60")),
			kc("B", cr("0.05", "0.05", "0.05", "5", "5")),
			kc("C", cr("0.05", "0.05", "0.05", "5", "5")),
			kc("D", cr("0.3", "0.3", "0.3", "30", "30")),
		}},
	},
	{
		// No opportunity time: .3, .05, .05, .3 rescaled by 1/.7 to 3/7,
		// 1/14, 1/14, 3/7. Counts: 428571.43, 71428.57 (x2), 428571.43:
		// the two units left go to the larger remainders, B and C.
		// Cents: 4285.71, 714.29 (x2), 4285.71: the two cents left go to
		// A and D.
		name: "w-shaped without opportunity time", model: attribution.WShaped,
		journeys: []attribution.Journey{won("j", "100.00", tc("A", 0), tc("B", 1), tc("C", 2), tc("D", 3))},
		want: &attribution.Result{Model: attribution.WShaped, Total: cr("1", "1", "1", "100", "100"), Keys: []attribution.KeyCredit{
			kc("A", cr("0.428571", "0.428571", "0.428571", "42.86", "42.86")),
			kc("B", cr("0.071429", "0.071429", "0.071429", "7.14", "7.14")),
			kc("C", cr("0.071429", "0.071429", "0.071429", "7.14", "7.14")),
			kc("D", cr("0.428571", "0.428571", "0.428571", "42.86", "42.86")),
		}},
	},
	{
		// Half-life one day, ages 2, 1, 0 days: weights 1/4, 1/2, 1,
		// i.e. 1/7, 2/7, 4/7. Counts 142857.14, 285714.29, 571428.57: the
		// unit left goes to C. Pipeline 20000 cents: 2857.14, 5714.29,
		// 11428.57: the cent left to C. Revenue 10000: 1428.57, 2857.14,
		// 5714.29: the cent left to A.
		name: "time decay", model: attribution.TimeDecay, opts: attribution.Options{HalfLife: 24 * time.Hour},
		journeys: []attribution.Journey{abc},
		want: &attribution.Result{Model: attribution.TimeDecay, Total: abcTotal, Keys: []attribution.KeyCredit{
			kc("A", cr("0.142857", "0.142857", "0.142857", "28.57", "14.29")),
			kc("B", cr("0.285714", "0.285714", "0.285714", "57.14", "28.57")),
			kc("C", cr("0.571429", "0.571429", "0.571429", "114.29", "57.14")),
		}},
	},
	{
		// Same time: equal weights.
		name: "time decay tie", model: attribution.TimeDecay,
		journeys: []attribution.Journey{won("j", "1.00", tc("A", 0), tc("B", 0))},
		want: &attribution.Result{Model: attribution.TimeDecay, Total: cr("1", "1", "1", "1", "1"), Keys: []attribution.KeyCredit{
			kc("A", cr("0.5", "0.5", "0.5", "0.5", "0.5")),
			kc("B", cr("0.5", "0.5", "0.5", "0.5", "0.5")),
		}},
	},
	{
		// A, B, A: A holds two thirds. Per touch 333334, 333333, 333333
		// units -> A 666667; cents 3334, 3333, 3333 -> A 6667.
		name: "linear repeated key", model: attribution.Linear,
		journeys: []attribution.Journey{won("j", "100.00", tc("A", 0), tc("B", 1), tc("A", 2))},
		want: &attribution.Result{Model: attribution.Linear, Total: cr("1", "1", "1", "100", "100"), Keys: []attribution.KeyCredit{
			kc("A", cr("0.666667", "0.666667", "0.666667", "66.67", "66.67")),
			kc("B", cr("0.333333", "0.333333", "0.333333", "33.33", "33.33")),
		}},
	},
	{
		// 1234567890123456789001 cents (beyond 64 bits) in thirds:
		// 411522630041152263000 each and the cent left to A.
		name: "linear huge amount", model: attribution.Linear,
		journeys: []attribution.Journey{won("j", "12345678901234567890.01", tc("A", 0), tc("B", 1), tc("C", 2))},
		want: &attribution.Result{Model: attribution.Linear, Total: cr("1", "1", "1", "12345678901234567890.01", "12345678901234567890.01"), Keys: []attribution.KeyCredit{
			kc("A", cr("0.333334", "0.333334", "0.333334", "4115226300411522630.01", "4115226300411522630.01")),
			kc("B", cr("0.333333", "0.333333", "0.333333", "4115226300411522630", "4115226300411522630")),
			kc("C", cr("0.333333", "0.333333", "0.333333", "4115226300411522630", "4115226300411522630")),
		}},
	},
	{
		// MoneyScale 4: 1.0000 in thirds is 0.3334, 0.3333, 0.3333.
		name: "money scale", model: attribution.Linear, opts: attribution.Options{MoneyScale: 4},
		journeys: []attribution.Journey{won("j", "1.0000", tc("A", 0), tc("B", 1), tc("C", 2))},
		want: &attribution.Result{Model: attribution.Linear, Total: cr("1", "1", "1", "1", "1"), Keys: []attribution.KeyCredit{
			kc("A", cr("0.333334", "0.333334", "0.333334", "0.3334", "0.3334")),
			kc("B", cr("0.333333", "0.333333", "0.333333", "0.3333", "0.3333")),
			kc("C", cr("0.333333", "0.333333", "0.333333", "0.3333", "0.3333")),
		}},
	},
	{
		// By campaign: the campaign without a name goes to NoCampaign.
		name: "by campaign", model: attribution.FirstTouch, opts: attribution.Options{By: attribution.ByCampaign},
		journeys: []attribution.Journey{
			won("j1", "10.00", attribution.Touch{Channel: "A", At: day(0)}, tc("B", 1)),
			won("j2", "5.00", tc("B", 0)),
		},
		want: &attribution.Result{Model: attribution.FirstTouch, By: attribution.ByCampaign, Total: cr("2", "2", "2", "15", "15"), Keys: []attribution.KeyCredit{
			kc(attribution.NoCampaign, cr("1", "1", "1", "10", "10")),
			kc("c-B", cr("1", "1", "1", "5", "5")),
		}},
	},
	{
		// One journey A, B, C: P(conversion) = 1 and removing any key
		// makes it 0, so every removal effect is 1: thirds, as linear.
		name: "markov one journey", model: attribution.Markov, journeys: []attribution.Journey{abc},
		want: &attribution.Result{Model: attribution.Markov, Keys: linearABC, Total: abcTotal},
	},
	{
		// Shapley of one coalition {A,B,C}: a third each, as linear.
		name: "shapley one journey", model: attribution.Shapley, journeys: []attribution.Journey{abc},
		want: &attribution.Result{Model: attribution.Shapley, Keys: linearABC, Total: abcTotal},
	},
	{
		// Paths A,B (won 30.00, pipeline 100.00), A (lost), B (won 60.00,
		// pipeline 50.00). Conversion chain: start->A 2/3, start->B 1/3,
		// A->B 1/2, A->null 1/2, B->conv 1. P = 2/3*1/2 + 1/3 = 2/3;
		// without A 1/3 (RE 1/2), without B 0 (RE 1): weights 1/3, 2/3.
		// Conversions 2,000,000 units: 666666.67 and 1333333.33 -> the
		// unit left to A. Revenue: every won path ends in B with mean
		// reward 45, so its removal effects are the same: 30.00 and
		// 60.00. Opportunities and pipeline likewise: 50.00 and 100.00.
		// Lead chain (every end is a success): P = 1, without A 1/3,
		// without B 1/3: RE 2/3 each, 1.5 leads each.
		name: "markov first order", model: attribution.Markov,
		journeys: []attribution.Journey{
			{ID: "1", Touches: []attribution.Touch{tc("A", 0), tc("B", 1)}, Opportunity: true, Pipeline: dec("100"), Converted: true, Revenue: dec("30")},
			{ID: "2", Touches: []attribution.Touch{tc("A", 0)}},
			{ID: "3", Touches: []attribution.Touch{tc("B", 0)}, Opportunity: true, Pipeline: dec("50"), Converted: true, Revenue: dec("60")},
		},
		want: &attribution.Result{Model: attribution.Markov, Total: cr("3", "2", "2", "150", "90"), Keys: []attribution.KeyCredit{
			kc("A", cr("1.5", "0.666667", "0.666667", "50", "30")),
			kc("B", cr("1.5", "1.333333", "1.333333", "100", "60")),
		}},
	},
	{
		// Paths A,B (won 20.00), B,A (lost), A (won 10.00), first order.
		// A exits: B, end, end (1/3 each); B exits: end, A (1/2 each).
		// Conversions: x_A = x_B/3 + 1/3, x_B = 1/2 + x_A/2 -> x_A =
		// 3/5, x_B = 4/5, P = 2/3*3/5 + 1/3*4/5 = 2/3. Without A: 1/3*1/2
		// = 1/6 (RE 3/4); without B: 2/3*1/3 = 2/9 (RE 2/3). Weights
		// 9/17, 8/17: 1058823.53 / 941176.47 units -> A gets the unit.
		// Revenue (reward 10/3 on leaving A, 20/2 on leaving B): x_A =
		// x_B/3 + 10/3, x_B = x_A/2 + 10 -> x_A = 8, x_B = 14, V = 10;
		// without A: 1/3*10 (RE 2/3); without B: 2/3*10/3 (RE 7/9).
		// Weights 6/13, 7/13: 1384.62 / 1615.38 cents -> A gets the cent.
		// Leads (every end counts): P = 1, without A 1/6 (RE 5/6),
		// without B 2/3*2/3 (RE 5/9): 3/5, 2/5.
		name: "markov first order with loop back", model: attribution.Markov,
		journeys: loopBack,
		want: &attribution.Result{Model: attribution.Markov, Total: cr("3", "0", "2", "0", "30"), Keys: []attribution.KeyCredit{
			kc("A", cr("1.8", "0", "1.058824", "0", "13.85")),
			kc("B", cr("1.2", "0", "0.941176", "0", "16.15")),
		}},
	},
	{
		// Same paths, second order: states (A), (B), (A,B), (B,A).
		// start->(A) 2/3, (A)->(A,B) 1/2, (A)->end 1/2 (won 10.00),
		// (A,B)->end (won 20.00), start->(B) 1/3 -> (B,A) -> end (lost).
		// Conversions: P = 2/3. Without A nothing converts (RE 1);
		// without B: 2/3*1/2 = 1/3 (RE 1/2). Weights 2/3, 1/3:
		// 1.333333 / 0.666667 (the unit to the larger remainder, B).
		// Revenue: x_(A) = 1/2*20 + 1/2*10 = 15, V = 10; without A 0 (RE
		// 1), without B 2/3*5 (RE 2/3): 3/5, 2/5 of 30.00. Leads: without
		// A 0 (RE 1), without B 1/3 (RE 2/3): 3/5, 2/5.
		name: "markov second order", model: attribution.Markov, opts: attribution.Options{MarkovOrder: 2},
		journeys: loopBack,
		want: &attribution.Result{Model: attribution.Markov, Total: cr("3", "0", "2", "0", "30"), Keys: []attribution.KeyCredit{
			kc("A", cr("1.8", "0", "1.333333", "0", "18")),
			kc("B", cr("1.2", "0", "0.666667", "0", "12")),
		}},
	},
	{
		// Sets {A,B} won 100.00, {A} won 50.00, {B,C} won 30.00, {C}
		// lead only. v(A)=50, v(AB)=150, v(AC)=50, v(BC)=30, v(ABC)=180,
		// others 0. phi_A = 50/3 + 150/6 + 50/6 + 150/3 = 100; phi_B =
		// 0/3 + (150-50)/6 + (30-0)/6 + (180-50)/3 = 65; phi_C = 15.
		// Conversions: A 1/2+1 = 1.5, B 1/2+1/2 = 1, C 1/2. Leads: the
		// same plus {C}: C 1.5.
		name: "shapley three keys", model: attribution.Shapley,
		journeys: []attribution.Journey{
			{ID: "1", Touches: []attribution.Touch{tc("A", 0), tc("B", 1), tc("A", 2)}, Converted: true, Revenue: dec("100")},
			{ID: "2", Touches: []attribution.Touch{tc("A", 0)}, Converted: true, Revenue: dec("50")},
			{ID: "3", Touches: []attribution.Touch{tc("C", 0), tc("B", 1)}, Converted: true, Revenue: dec("30")},
			{ID: "4", Touches: []attribution.Touch{tc("C", 0)}},
		},
		want: &attribution.Result{Model: attribution.Shapley, Total: cr("4", "0", "3", "0", "180"), Keys: []attribution.KeyCredit{
			kc("A", cr("1.5", "0", "1.5", "0", "100")),
			kc("B", cr("1", "0", "1", "0", "65")),
			kc("C", cr("1.5", "0", "0.5", "0", "15")),
		}},
	},
}

var loopBack = []attribution.Journey{
	{ID: "1", Touches: []attribution.Touch{tc("A", 0), tc("B", 1)}, Converted: true, Revenue: dec("20")},
	{ID: "2", Touches: []attribution.Touch{tc("B", 0), tc("A", 1)}},
	{ID: "3", Touches: []attribution.Touch{tc("A", 0)}, Converted: true, Revenue: dec("10")},
}

func TestModels(t *testing.T) {
	for _, tt := range modelCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := attribution.Attribute(slices.Values(tt.journeys), tt.model, tt.opts)
			if err != nil {
				t.Fatalf("Attribute(%v) error = %v", tt.model, err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Attribute(%v) mismatch (-want +got):\n%s", tt.model, diff)
			}
		})
	}
}
