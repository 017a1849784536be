package pricing

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// BuildSources are the raw bytes of the three source files.
type BuildSources struct {
	Catalogue []byte // kie-models-catalogue.json
	Prices    []byte // kie-official-prices.yaml
	Curation  []byte // curation.yaml
}

// BuildReport summarises a build for the operator.
type BuildReport struct {
	Summary
	// UnusedTables are price tables no model maps (they price models the
	// catalogue does not list, e.g. midjourney/api).
	UnusedTables []string
}

// Build derives the registry from the sources. It is pure and
// deterministic: the same bytes in give the same file out.
//
// Rules, in the order they apply to each catalogue model:
//  1. Curation must name and describe every model and may disable it with a
//     reason (human judgement, e.g. "billed per second of input audio").
//  2. A model off /api/v1/jobs/createTask, or whose output is not a file the
//     bot can send, is disabled.
//  3. A model without a curated price mapping is disabled when Kie's table
//     has no entry for it; if the table has one, the build fails: a human
//     must map it or disable it.
//  4. Every row of a mapped table is either mapped onto input values or
//     ignored with a reason; a row the curation does not mention fails the
//     build, so a new row in Kie's table cannot slip through.
//  5. Rows selecting the same inputs with different credits are a conflict:
//     the higher price is kept and recorded (never undercharge).
//  6. The fields the rows select on become price fields: required, and
//     restricted to the priced values. Enum values without a price are
//     removed and recorded; never guessed.
//  7. Quantity fields (num_images) are pinned to 1: the table prices one
//     output per task.
//  8. Any model left without a price mode is disabled.
func Build(src BuildSources) (RegistryFile, BuildReport, error) {
	cat, err := decodeCatalogue(src.Catalogue)
	if err != nil {
		return RegistryFile{}, BuildReport{}, err
	}
	prices, err := decodePrices(src.Prices)
	if err != nil {
		return RegistryFile{}, BuildReport{}, err
	}
	cur, err := decodeCuration(src.Curation)
	if err != nil {
		return RegistryFile{}, BuildReport{}, err
	}
	tables := map[string]priceTable{}
	for _, t := range prices.Models {
		if _, dup := tables[t.ID]; dup {
			return RegistryFile{}, BuildReport{}, fmt.Errorf("price table %s listed twice", t.ID)
		}
		tables[t.ID] = t
	}
	b := builder{cur: cur, tables: tables, used: map[string]bool{}}
	f := RegistryFile{
		Format: FileFormat,
		Sources: []SourceInfo{
			{Name: SourceCatalogue, SHA256: digest(src.Catalogue)},
			{Name: SourcePrices, SHA256: digest(src.Prices), Note: "last updated " + prices.LastUpdated},
			{Name: SourceCuration, SHA256: digest(src.Curation)},
		},
	}
	var problems []error
	seen := map[string]bool{}
	for _, cm := range cat {
		if seen[cm.ID] {
			problems = append(problems, fmt.Errorf("catalogue lists %s twice", cm.ID))
			continue
		}
		seen[cm.ID] = true
		spec, err := b.model(cm)
		if err != nil {
			problems = append(problems, fmt.Errorf("model %s: %w", cm.ID, err))
			continue
		}
		f.Models = append(f.Models, spec)
	}
	for id := range cur.Models {
		if !seen[id] {
			problems = append(problems, fmt.Errorf("curation describes %s, which the catalogue does not list", id))
		}
	}
	if len(problems) > 0 {
		sortErrors(problems)
		return RegistryFile{}, BuildReport{}, fmt.Errorf("build registry: %w", errors.Join(problems...))
	}
	slices.SortFunc(f.Models, func(a, b ModelSpec) int { return strings.Compare(a.ID, b.ID) })
	if defects := Audit(f); len(defects) > 0 {
		msgs := make([]string, len(defects))
		for i, d := range defects {
			msgs[i] = d.String()
		}
		return RegistryFile{}, BuildReport{}, fmt.Errorf("build registry: audit: %s", strings.Join(msgs, "; "))
	}
	rep := BuildReport{Summary: Summarize(f)}
	for id := range tables {
		if !b.used[id] {
			rep.UnusedTables = append(rep.UnusedTables, id)
		}
	}
	sort.Strings(rep.UnusedTables)
	return f, rep, nil
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func sortErrors(errs []error) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
}

// builder holds the decoded sources during one Build.
type builder struct {
	cur    curation
	tables map[string]priceTable
	used   map[string]bool // tables some model maps
}

// model builds one entry. An error is a source or curation bug (the build
// fails); a model that cannot be sold is returned disabled with a reason.
func (b *builder) model(cm catalogueModel) (ModelSpec, error) {
	c, ok := b.cur.Models[cm.ID]
	if !ok {
		return ModelSpec{}, errors.New("no curation entry (names, description, price mapping or reason to disable)")
	}
	spec := ModelSpec{
		ID:          cm.ID,
		Output:      Media(cm.Output),
		Endpoint:    cm.Endpoint,
		Name:        c.Name,
		Description: c.Description,
		Category:    c.Category,
	}
	if spec.Category == "" {
		spec.Category = b.cur.Categories[cm.Category]
	}
	if !spec.Category.Valid() {
		return ModelSpec{}, fmt.Errorf("catalogue category %q maps to no known category", cm.Category)
	}
	if !spec.Output.Valid() {
		return ModelSpec{}, fmt.Errorf("output %q is not a known media kind", cm.Output)
	}
	fields, disabled, err := b.fields(cm, c, &spec)
	if err != nil {
		return ModelSpec{}, err
	}
	spec.Fields = fields
	disable := func(code DisabledCode, format string, args ...any) {
		if disabled == nil {
			disabled = &DisabledSpec{Code: code, Reason: fmt.Sprintf(format, args...)}
		}
	}
	if c.Disable != nil {
		if c.Disable.Reason == "" || c.Disable.Code == "" {
			return ModelSpec{}, errors.New("curation disables it without a code and reason")
		}
		disabled = &DisabledSpec{Code: c.Disable.Code, Reason: c.Disable.Reason}
	}
	if spec.Endpoint != CreateTaskEndpoint {
		disable(DisabledEndpoint, "uses %s, not %s: the job pipeline drives createTask only", spec.Endpoint, CreateTaskEndpoint)
	}
	if !spec.Output.Deliverable() {
		disable(DisabledOutput, "its output (%s) is not a file the bot can deliver", spec.Output)
	}
	switch {
	case len(c.Price) > 0:
		if err := b.prices(&spec, c.Price); err != nil {
			return ModelSpec{}, err
		}
	case disabled == nil:
		if _, ok := b.tables[cm.ID]; ok {
			return ModelSpec{}, fmt.Errorf("price table %s exists but curation neither maps nor disables it", cm.ID)
		}
		disable(DisabledNoPriceTable, "Kie's official price table has no entry for %s", cm.ID)
	}
	if len(spec.Modes) == 0 {
		disable(DisabledUnmapped, "no official price maps onto its inputs")
	}
	spec.Disabled = disabled
	spec.Enabled = disabled == nil
	return spec, nil
}
