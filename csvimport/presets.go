package csvimport

import (
	"time"

	"golang.org/x/text/encoding/charmap"
)

// The presets below are Mapping values for the exports of five CRMs, as
// their public documentation (and public code that reads real exports)
// shows them. Each doc comment gives the sources, by their keys in the
// repository's internal/crmgen/FORMATS.md, which lists them with their
// addresses and how sure each detail is; testdata/crm holds a synthetic
// export of each. Where an account's export differs (translated column
// labels, custom fields, another locale or time zone), copy the preset
// and change the fields that differ: every field is documented on
// [DealMapping], [HistoryMapping] and [Options].

// HubSpot returns the mapping of a HubSpot deals export with all
// properties (CSV, from the deals index page or the Exports API [H7]).
// Columns are property labels [H2][H3]: Record ID, Pipeline, Deal Stage,
// Amount, Create Date, Close Date (the expected close date of an open
// deal, set when the deal closes [H4]), Deal owner, Original Source Type,
// Closed Lost Reason, Is Closed Won, Deal Type. The outcome is in the
// stage (Closed Won, Closed Lost: probability 1 and 0 [H5][H8]); Is
// Closed Won is read as a check of it.
//
// Stage history is in the deals file: one `Date entered "<stage>
// (<pipeline>)"` column per stage of every pipeline (also spelled with
// single quotes [H2]), filled with the latest entry [H1]; the Closed Won
// and Closed Lost columns give the close time. Re-entries are not in the
// export: a deal that entered a stage twice shows the second entry only.
// Stage labels repeat across pipelines [H2][H5], so the Pipeline column
// says which funnel a deal is read against.
//
// Times are written in the account's time zone (Settings, Account
// Defaults [H6]) without an offset: set Options.Location. The layout
// (2024-03-05 14:02) is the samples' assumption; amounts are plain
// numbers in the deal's currency [H2][H3].
func HubSpot() Mapping {
	return Mapping{
		Name: "HubSpot deals export",
		Deals: DealMapping{
			ID: "Record ID", Pipeline: "Pipeline", Stage: "Deal Stage",
			Won: []string{"Closed Won"}, Lost: []string{"Closed Lost"}, WonFlag: "Is Closed Won",
			Created: "Create Date", CloseDate: "Close Date", Amount: "Amount",
			Owner: "Deal owner", Source: "Original Source Type", LostReason: "Closed Lost Reason",
			Custom: map[string]string{"deal_type": "Deal Type"},
			StageDateColumns: []string{
				`Date entered "{stage} ({pipeline})"`,
				`Date entered '{stage} ({pipeline})'`,
			},
		},
		Options: Options{
			Layouts: []string{"2006-01-02 15:04", time.DateOnly, time.DateTime, time.RFC3339Nano},
		},
		LocalTimes: true,
	}
}

// Salesforce returns the mapping of two Salesforce report exports
// (Details Only, CSV [S13]): an opportunity report and an Opportunity
// History report.
//
// The opportunity report's columns are field labels [S6][S7]: Opportunity
// ID, Account Name, Opportunity Owner, Stage (Closed Won and Closed Lost
// close the deal [S7][S8]), Won and Closed (IsWon, IsClosed, read as a
// check of the stage [S6]), Amount, Probability (%) (the deal's own
// probability), Created Date, Close Date (the expected close date while
// open [S1][S6]), Lead Source, Type, Fiscal Period and Fiscal Year (the
// org's fiscal calendar [S6][S12], kept as the attributes "fiscal_period"
// and "fiscal_year"). The pipeline is the Opportunity Record Type (the
// sales process). Loss Reason is not a standard field: it stands for the
// custom field most orgs add.
//
// The history report has one row per save that changed the stage,
// amount, probability or close date, with the then-current values of all
// of them [S1][S2], at Last Modified [S4][S5]: only the rows whose stage
// differs from the previous row's are stage entries; the others become the
// deal's amount, probability and expected-close history. The first row
// of a stage change into Closed Won or Closed Lost gives the close time.
//
// Report exports quote every value, show amounts with the currency symbol
// and grouping ($12,500.00 [S11]), and end with a footer (Grand Totals
// (N records), the report title, copyright, confidentiality line
// [S9][S10][S11]), which Options.Footer reads and checks. Dates follow
// the exporting user's locale and zone (en_US: 3/5/2024, 3/5/2024 2:02
// PM): set Options.Location to the user's zone, and change the layouts
// for another locale. The file encoding is Windows-1252 here, as Excel on
// Windows reads it; an export saved as UTF-8 needs Options.Encoding nil.
func Salesforce() Mapping {
	amounts := AmountFormat{Grouping: true, Symbols: true}
	return Mapping{
		Name: "Salesforce opportunity and opportunity history reports",
		Deals: DealMapping{
			ID: "Opportunity ID", Account: "Account Name", Owner: "Opportunity Owner",
			Pipeline: "Opportunity Record Type", Stage: "Stage",
			Won: []string{"Closed Won"}, Lost: []string{"Closed Lost"}, WonFlag: "Won", ClosedFlag: "Closed",
			Created: "Created Date", CloseDate: "Close Date",
			Amount: "Amount", AmountFormat: amounts,
			Probability: "Probability (%)", ProbabilityPercent: true,
			Source: "Lead Source", LostReason: "Loss Reason",
			Custom: map[string]string{"type": "Type", "fiscal_period": "Fiscal Period", "fiscal_year": "Fiscal Year"},
		},
		History: HistoryMapping{
			DealID: "Opportunity ID", At: "Last Modified", Stage: "Stage", FromStage: "From Stage",
			Pipeline: "Opportunity Record Type",
			Amount:   "Amount", Probability: "Probability (%)", ExpectedClose: "Close Date",
			AmountFormat: amounts, ProbabilityPercent: true,
		},
		Options: Options{
			Encoding: charmap.Windows1252,
			Layouts:  []string{"1/2/2006 3:04 PM", "1/2/2006", "1/2/2006 15:04", time.RFC3339Nano},
			Footer:   "Grand Totals",
		},
		LocalTimes: true,
	}
}

// Pipedrive returns the mapping of a Pipedrive deals spreadsheet export
// and the deals' flow. Export columns are "<Entity> - <Field>" in the
// user's language (English here) [P7][P8]: Deal - ID, Deal - Organization,
// Deal - Owner, Deal - Pipeline, Deal - Stage, Deal - Status (open, won,
// lost: the outcome is apart from the stage, and a closed deal keeps its
// stage [P2]), Deal - Value with Deal - Currency of Value (deals in many
// currencies [P2][P8]), Deal - Deal created, Deal - Won time and Deal -
// Lost time (kept apart [P1]), Deal - Expected close date (stays the
// expected date [P2]), Deal - Lost reason. Stages belong to a pipeline
// and their names repeat across pipelines [P3].
//
// Stage history is not in the export; it is the flow of each deal (GET
// /v1/deals/{id}/flow, newest first [P4][P5]), one row per field change,
// flattened to id, item_id (the deal), log_time, field_key, old_value,
// new_value, old_value_formatted, new_value_formatted: stage_id rows are
// stage changes (the stage names are the formatted values), status rows
// close or reopen the deal, value and expected_close_date rows become the
// deal's amount and expected-close history; other fields are counted. A
// deal's first stage is the old stage of its earliest stage change, or its
// current stage. Times are UTC without an offset, as the API writes them
// [P2][P3][P6].
func Pipedrive() Mapping {
	return Mapping{
		Name: "Pipedrive deals export and deal flow",
		Deals: DealMapping{
			ID: "Deal - ID", Account: "Deal - Organization", Owner: "Deal - Owner",
			Pipeline: "Deal - Pipeline", Stage: "Deal - Stage",
			Outcome: "Deal - Status", Won: []string{"Won"}, Lost: []string{"Lost"}, Open: []string{"Open"},
			Created: "Deal - Deal created", WonAt: "Deal - Won time", LostAt: "Deal - Lost time",
			ExpectedClose: "Deal - Expected close date",
			Amount:        "Deal - Value", Currency: "Deal - Currency of Value",
			LostReason: "Deal - Lost reason",
		},
		History: HistoryMapping{
			DealID: "item_id", At: "log_time", Field: "field_key", Value: "new_value",
			Stage: "new_value_formatted", FromStage: "old_value_formatted",
			Fields: map[string]HistoryField{
				"stage_id": HistoryStage, "status": HistoryStatus,
				"value": HistoryAmount, "expected_close_date": HistoryExpectedClose,
			},
		},
		Options: Options{
			Layouts: []string{time.DateTime, time.DateOnly, time.RFC3339Nano},
		},
	}
}

// Close returns the mapping of a Close opportunity export (CSV, API field
// names, date_format original [C1]) and the opportunities' status changes
// (OpportunityStatusChange activities [C4][C6]).
//
// Export columns: id, lead_name, user_name, pipeline_name [C3],
// status_label (the org's own status names), status_type (active, won or
// lost: the outcome [C5][C6]), value in cents with value_currency and
// value_period (one_time, monthly or annual: recurring values are kept
// as exported, counted per period in the read report, and the period is
// the attribute "value_period" [C6]), confidence (percent [C2][C5]),
// date_won (the expected close date of an active opportunity [C2][C6]),
// date_lost, date_created. A closed opportunity's status_label names its
// closed status; its last stage is the last active status of its history.
//
// The status changes, flattened to id, date_created, lead_id,
// opportunity_id, old_status_label, old_status_type, new_status_label,
// new_status_type, are stage entries (new_status_type active) and closes
// (won, lost); an opportunity's first status is the old status of its
// earliest change, or its current one. Times carry their offset
// (2024-01-02 22:36:00.000000+00:00 in the export, RFC 3339 in the
// activities [C1][C6]).
func Close() Mapping {
	return Mapping{
		Name: "Close opportunity export and status changes",
		Deals: DealMapping{
			ID: "id", Account: "lead_name", Owner: "user_name", Pipeline: "pipeline_name",
			Stage: "status_label", Outcome: "status_type",
			Won: []string{"won"}, Lost: []string{"lost"}, Open: []string{"active"},
			Created: "date_created", CloseDate: "date_won", LostAt: "date_lost",
			Amount: "value", Currency: "value_currency", AmountFormat: AmountFormat{MinorUnits: true},
			AmountPeriod: "value_period", AmountPeriodFactors: map[string]int64{"one_time": 1},
			Probability: "confidence", ProbabilityPercent: true,
			Custom: map[string]string{"value_period": "value_period"},
		},
		History: HistoryMapping{
			DealID: "opportunity_id", At: "date_created",
			Stage: "new_status_label", FromStage: "old_status_label", Outcome: "new_status_type",
		},
		Options: Options{
			Layouts: []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, time.DateOnly},
		},
	}
}

// Zoho returns the mapping of a Zoho CRM Deals export and its Stage
// History, for a user with a European locale. Columns are field labels
// [Z1][Z12]: Record Id, Deal Owner, Account Name, Pipeline (stage names
// repeat across pipelines [Z10]), Stage (Closed Won, Closed Lost and
// Closed Lost to Competition close the deal [Z3]), Amount with Currency,
// Closing Date (the expected close date [Z1]), Probability (%) [Z2], Lead
// Source, Type, Reason For Loss, Created Time. Zoho's empty picklist
// value, -None-, reads as unknown.
//
// The Stage History (a picklist tracker on the deal stage [Z4][Z5][Z6],
// exported as its own file [Z7]) has a row per stage entered, closed
// stages included, at Modified Time, with the amount, probability and
// closing date then: the rows into Closed stages give the close time,
// and the amounts and dates the deal's field history.
//
// Dates and numbers follow the user's locale [Z9]: here 31/03/2024,
// 31/03/2024 10:15 in the user's zone (set Options.Location) and
// 74.750,00; for a US locale use the layouts 01/02/2006 and
// 01/02/2006 03:04 PM and AmountFormat{Grouping: true}. Excel's "Unicode
// Text" save of the export (UTF-16, tab-separated) reads with the deals
// File's Comma '\t' (the encoding is told from the file).
func Zoho() Mapping {
	amounts := AmountFormat{Decimal: ',', Grouping: true}
	none := ValueRule{Missing: []string{"-None-"}}
	return Mapping{
		Name: "Zoho CRM deals export and stage history",
		Deals: DealMapping{
			ID: "Record Id", Account: "Account Name", Owner: "Deal Owner", Pipeline: "Pipeline",
			Stage: "Stage", Won: []string{"Closed Won"}, Lost: []string{"Closed Lost", "Closed Lost to Competition"},
			Created: "Created Time", CloseDate: "Closing Date",
			Amount: "Amount", Currency: "Currency", AmountFormat: amounts,
			Probability: "Probability (%)", ProbabilityPercent: true,
			Source: "Lead Source", LostReason: "Reason For Loss",
			Custom: map[string]string{"type": "Type"},
			Values: map[string]ValueRule{"Lead Source": none, "Type": none, "Reason For Loss": none},
		},
		History: HistoryMapping{
			DealID: "Record Id", At: "Modified Time", Stage: "Stage",
			Amount: "Amount", Probability: "Probability (%)", ExpectedClose: "Closing Date",
			AmountFormat: amounts, ProbabilityPercent: true,
		},
		Options: Options{
			Layouts: []string{"02/01/2006 15:04", "02/01/2006", "02/01/2006 15:04:05", time.RFC3339Nano},
		},
		LocalTimes: true,
	}
}
