// Command crmgen writes synthetic CRM exports in the shapes HubSpot,
// Salesforce, Pipedrive, Close and Zoho CRM give them (column names, date
// and amount formats, encodings, report footers, stage-history forms; see
// FORMATS.md beside this file), with a truth.json per CRM computed from the
// generator's own model of each deal.
//
// Usage:
//
//	go run ./internal/crmgen -out testdata/crm [-seed N]
//
// The output is a pure function of the seed: the committed files under
// testdata/crm are the default seed's, and TestCommittedFilesMatch checks
// that they regenerate byte for byte.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	_ "time/tzdata" // the same zone rules on every machine
)

// DefaultSeed is the seed of the committed sample files.
const DefaultSeed uint64 = 20250301

// crm is one CRM's sample: its population and the writer of its files.
type crm struct {
	name  string
	pop   func() *population
	files func(p *population, deals []deal, r *rng) []fileOut
}

var crms = []crm{
	{"hubspot", hubspotPopulation, hubspotFiles},
	{"salesforce", salesforcePopulation, salesforceFiles},
	{"pipedrive", pipedrivePopulation, pipedriveFiles},
	{"close", closePopulation, closeFiles},
	{"zoho", zohoPopulation, zohoFiles},
}

// generate returns every file of every CRM for seed. Each CRM draws from
// its own generator derived from the seed and its position, so changing
// one CRM's population leaves the others' files alone.
func generate(seed uint64) []fileOut {
	var out []fileOut
	for i, c := range crms {
		r := newRNG(seed ^ uint64(i+1)*0x632be59bd9b4e019)
		p := c.pop()
		deals := simulate(p, r.fork())
		out = append(out, c.files(p, deals, r.fork())...)
		out = append(out, fileOut{c.name + "/truth.json", computeTruth(c.name, seed, p, deals).marshal()})
	}
	return out
}

func writeAll(dir string, files []fileOut) error {
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	out := flag.String("out", "testdata/crm", "directory to write the samples into")
	seed := flag.Uint64("seed", DefaultSeed, "seed of the synthetic population")
	flag.Parse()
	if err := writeAll(*out, generate(*seed)); err != nil {
		fmt.Fprintln(os.Stderr, "crmgen:", err)
		os.Exit(1)
	}
}
