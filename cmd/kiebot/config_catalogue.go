package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// rawCatalogue is the environment of the catalogue's checks — Kie's bills
// against our quotes, the daily catalogue sync — as go-envconfig reads it
// (rawConfig.Catalogue).
type rawCatalogue struct {
	CostTolerance string `env:"COST_OVERRUN_TOLERANCE, default=10"`
	CostOffAfter  string `env:"COST_OVERRUN_OFF_AFTER, default=1"`
	SyncEvery     string `env:"CATALOGUE_SYNC_EVERY, default=24h"`
}

// CatalogueConfig configures the cost reconciliation and the catalogue
// sync.
type CatalogueConfig struct {
	// CostTolerancePct: a job Kie billed more than this many percent over
	// its quote counts towards taking its model off sale (every overrun is
	// recorded and alerted).
	CostTolerancePct int64
	// CostOffAfter such jobs since an admin last switched the model on take
	// it off sale; 0: never.
	CostOffAfter int
	// SyncEvery is how often the leader compares Kie's catalogue with what
	// is on sale; 0: never.
	SyncEvery time.Duration
}

// parseCatalogue validates raw, adding every problem to problems.
func parseCatalogue(raw rawCatalogue, problems *[]error) CatalogueConfig {
	bad := func(format string, args ...any) { *problems = append(*problems, fmt.Errorf(format, args...)) }
	var c CatalogueConfig
	if n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(raw.CostTolerance), "%"), 10, 64); err != nil || n < 0 || n > 1000 {
		bad("COST_OVERRUN_TOLERANCE %q: want a whole percentage from 0 to 1000", raw.CostTolerance)
	} else {
		c.CostTolerancePct = n
	}
	switch s := strings.TrimSpace(raw.CostOffAfter); {
	case strings.EqualFold(s, "off"):
	default:
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 1000 {
			bad("COST_OVERRUN_OFF_AFTER %q: want a number of jobs from 0 (never) to 1000, or off", raw.CostOffAfter)
			break
		}
		c.CostOffAfter = n
	}
	if s := strings.TrimSpace(raw.SyncEvery); s != "0" && !strings.EqualFold(s, "off") {
		c.SyncEvery = parseDuration(problems, "CATALOGUE_SYNC_EVERY", s)
		if c.SyncEvery > 0 && c.SyncEvery < time.Hour {
			bad("CATALOGUE_SYNC_EVERY %s: at least 1h (it reads Kie's whole catalogue at 1 request/s), or 0 to turn it off", c.SyncEvery)
		}
	}
	return c
}

// summary is the start-up log's view of c.
func (c CatalogueConfig) summary() [][2]string {
	off, sync := "never", "off"
	if c.CostOffAfter > 0 {
		off = fmt.Sprintf("after %d job(s) over %d%%", c.CostOffAfter, c.CostTolerancePct)
	}
	if c.SyncEvery > 0 {
		sync = "every " + c.SyncEvery.String()
	}
	return [][2]string{
		{"COST_OVERRUN_TOLERANCE", strconv.FormatInt(c.CostTolerancePct, 10) + "%"},
		{"COST_OVERRUN_OFF_AFTER", off},
		{"CATALOGUE_SYNC_EVERY", sync},
	}
}
