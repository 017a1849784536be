package pricing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// FileFormat is the registry file's format version.
const FileFormat = 1

// RegistryFile is the on-disk registry: pricing/registry.json as written by
// `kiebot registry build` (and, for review, by `registry sync`).
type RegistryFile struct {
	Format  int          `json:"format"`
	Sources []SourceInfo `json:"sources,omitempty"`
	Models  []ModelSpec  `json:"models"`
}

// SourceInfo names an input the file was built from, with its SHA-256, so a
// reviewer can tell which data produced which registry.
type SourceInfo struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256,omitempty"`
	Note   string `json:"note,omitempty"`
}

// ModelSpec is one model as the file stores it.
type ModelSpec struct {
	ID          string        `json:"id"`
	Category    Category      `json:"category"`
	Output      Media         `json:"output"`
	Endpoint    string        `json:"endpoint"`
	Family      Family        `json:"family,omitempty"`  // "" when the endpoint is no family the bot drives
	Outputs     int           `json:"outputs,omitempty"` // result files per task; 0 means 1
	Name        Label         `json:"name"`
	Description Label         `json:"description"`
	Enabled     bool          `json:"enabled"`
	Disabled    *DisabledSpec `json:"disabled,omitempty"`
	// PriceTables are the official price-table ids the modes came from.
	PriceTables []string `json:"price_tables,omitempty"`
	Fields      []Field  `json:"fields"`
	Modes       []Mode   `json:"modes,omitempty"`
	// RemovedOptions records enum values taken out for lack of a price.
	RemovedOptions []RemovedOption `json:"removed_options,omitempty"`
	// PriceConflicts records modes priced more than once with different
	// credits; the higher price is kept so the bot never undercharges.
	PriceConflicts []PriceConflict `json:"price_conflicts,omitempty"`
	// Notes record the curation's other decisions (an omitted input, a
	// borrowed enum), each with its reason.
	Notes []string `json:"notes,omitempty"`
	// PricingDesc is Kie's live prose price, kept verbatim by `registry
	// sync` for ProposeConfirmations. The build never sets it.
	PricingDesc string `json:"pricing_desc,omitempty"`
}

// Family is a group of Kie endpoints that create and read tasks the same way.
type Family string

// The endpoint families the bot can drive.
const (
	// FamilyMarket is the unified job API: POST /api/v1/jobs/createTask,
	// GET /api/v1/jobs/recordInfo, result in resultJson.resultUrls.
	FamilyMarket Family = "market"
	// FamilySuno is Suno music: POST /api/v1/generate (callBackUrl
	// required), GET /api/v1/generate/record-info, result in
	// data.response.sunoData[] (two tracks per task).
	FamilySuno Family = "suno"
)

// SunoGenerateEndpoint is the path Suno tasks are created on.
const SunoGenerateEndpoint = "/api/v1/generate"

// familyOf names the family an endpoint belongs to ("" for others).
func familyOf(endpoint string) Family {
	switch endpoint {
	case CreateTaskEndpoint:
		return FamilyMarket
	case SunoGenerateEndpoint:
		return FamilySuno
	}
	return ""
}

// DisabledCode classifies why a model is not sold.
type DisabledCode string

// The reasons a model is disabled.
const (
	DisabledNoPriceTable DisabledCode = "no-price-table"    // Kie's price table has no entry for it
	DisabledUnmapped     DisabledCode = "price-unmapped"    // price rows do not map onto its inputs
	DisabledPriceBasis   DisabledCode = "price-basis"       // billed per second/unit of an input we cannot price up front
	DisabledEndpoint     DisabledCode = "endpoint"          // not on /api/v1/jobs/createTask
	DisabledOutput       DisabledCode = "output"            // output the bot cannot deliver
	DisabledInput        DisabledCode = "input"             // an input the bot cannot collect
	DisabledSchema       DisabledCode = "schema-incomplete" // a required input has no usable definition
	DisabledOperator     DisabledCode = "operator"          // taken off sale by an operator (see Confirmation)
)

// Priceable reports whether a model disabled for this reason can be put on
// sale by an operator-confirmed price: the reason is a missing or unclear
// price, not something a price cannot fix (an endpoint, an output, an input).
func (c DisabledCode) Priceable() bool {
	switch c {
	case DisabledNoPriceTable, DisabledUnmapped, DisabledPriceBasis:
		return true
	}
	return false
}

// DisabledSpec says why a model is disabled, in words an operator can act on.
type DisabledSpec struct {
	Code   DisabledCode `json:"code"`
	Reason string       `json:"reason"`
}

// RemovedOption is an enum value removed because no price covers it.
type RemovedOption struct {
	Field  string `json:"field"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// PriceConflict is a mode listed with different prices; Kept is the higher.
type PriceConflict struct {
	Mode    string    `json:"mode"`
	Credits []Credits `json:"credits"`
	Kept    Credits   `json:"kept"`
}

func (f RegistryFile) clone() RegistryFile {
	f.Sources = slices.Clone(f.Sources)
	ms := make([]ModelSpec, len(f.Models))
	for i, m := range f.Models {
		ms[i] = m.clone()
	}
	f.Models = ms
	return f
}

func (s ModelSpec) clone() ModelSpec {
	s.PriceTables = slices.Clone(s.PriceTables)
	if s.Disabled != nil {
		d := *s.Disabled
		s.Disabled = &d
	}
	fs := make([]Field, len(s.Fields))
	for i, f := range s.Fields {
		fs[i] = f.clone()
	}
	s.Fields = fs
	ms := make([]Mode, len(s.Modes))
	for i, m := range s.Modes {
		ms[i] = m.clone()
	}
	s.Modes = ms
	s.RemovedOptions = slices.Clone(s.RemovedOptions)
	pc := make([]PriceConflict, len(s.PriceConflicts))
	for i, c := range s.PriceConflicts {
		c.Credits = slices.Clone(c.Credits)
		pc[i] = c
	}
	s.PriceConflicts = pc
	s.Notes = slices.Clone(s.Notes)
	return s
}

// DecodeFile reads a registry file strictly: unknown keys are errors, so a
// misspelt key in a hand-edited file is not silently dropped.
func DecodeFile(data []byte) (RegistryFile, error) {
	var f RegistryFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return RegistryFile{}, fmt.Errorf("decode registry: %w", err)
	}
	if f.Format != FileFormat {
		return RegistryFile{}, fmt.Errorf("decode registry: format %d, want %d", f.Format, FileFormat)
	}
	return f, nil
}

// Encode writes the file in its canonical form: two-space indent, no HTML
// escaping, trailing newline. Models are sorted by id, so the same inputs
// always give the same bytes.
func (f RegistryFile) Encode() ([]byte, error) {
	f.Models = slices.Clone(f.Models)
	slices.SortFunc(f.Models, func(a, b ModelSpec) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("encode registry: %w", err)
	}
	return buf.Bytes(), nil
}
