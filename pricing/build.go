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
//  2. A model on no endpoint family the bot drives (createTask, or Suno's
//     generate where the curation moves it there), or whose output is not a
//     file the bot can send, is disabled. Such a reason wins over a
//     curation's price reason, so a price confirmed later cannot enable it.
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
//  9. A table may be per unit (curation basis) only where every mapped
//     row's notes state that unit, e.g. "Turbo-1.0s-720p" for a second.
//  10. Every price field's options get labels in words from the curation's
//     option_labels, and each mode's label is built from them.
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

// curateEndpoint moves a model to the family the curation names.
func curateEndpoint(spec *ModelSpec, e curatedEndpoint) error {
	if strings.TrimSpace(e.Why) == "" {
		return errors.New("curation moves its endpoint without saying why")
	}
	switch e.Family {
	case FamilySuno:
		spec.Endpoint = SunoGenerateEndpoint
	case FamilyMarket:
		spec.Endpoint = CreateTaskEndpoint
	default:
		return fmt.Errorf("curation names unknown endpoint family %q", e.Family)
	}
	if e.Outputs < 0 {
		return fmt.Errorf("curation says a task gives %d outputs", e.Outputs)
	}
	if e.Outputs > 1 {
		spec.Outputs = e.Outputs
	}
	spec.Notes = append(spec.Notes, fmt.Sprintf("endpoint family %s: %s", e.Family, e.Why))
	return nil
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
	if e := c.Endpoint; e != nil {
		if err := curateEndpoint(&spec, *e); err != nil {
			return ModelSpec{}, err
		}
	}
	spec.Family = familyOf(spec.Endpoint)
	fields, hard, err := b.fields(cm, c, &spec)
	if err != nil {
		return ModelSpec{}, err
	}
	spec.Fields = fields
	// Hard reasons are ones no price can fix; they are all kept in mind so
	// that a model disabled "for its price" never hides one (an operator's
	// confirmed price may enable a model disabled for its price alone).
	block := func(code DisabledCode, format string, args ...any) {
		if hard == nil {
			hard = &DisabledSpec{Code: code, Reason: fmt.Sprintf(format, args...)}
		}
	}
	if spec.Family == "" {
		block(DisabledEndpoint, "uses %s, not %s or %s: the job pipeline drives those endpoint families only", spec.Endpoint, CreateTaskEndpoint, SunoGenerateEndpoint)
	}
	if !spec.Output.Deliverable() {
		block(DisabledOutput, "its output (%s) is not a file the bot can deliver", spec.Output)
	}
	disabled := hard
	if c.Disable != nil {
		if c.Disable.Reason == "" || c.Disable.Code == "" {
			return ModelSpec{}, errors.New("curation disables it without a code and reason")
		}
		disabled = &DisabledSpec{Code: c.Disable.Code, Reason: c.Disable.Reason}
		if hard != nil && c.Disable.Code.Priceable() {
			disabled = &DisabledSpec{Code: hard.Code, Reason: hard.Reason + "; and " + c.Disable.Reason}
		}
	}
	disable := func(code DisabledCode, format string, args ...any) {
		if disabled == nil {
			disabled = &DisabledSpec{Code: code, Reason: fmt.Sprintf(format, args...)}
		}
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
	if err := b.labelOptions(&spec); err != nil {
		return ModelSpec{}, err
	}
	if err := labelModes(&spec); err != nil {
		return ModelSpec{}, err
	}
	spec.Disabled = disabled
	spec.Enabled = disabled == nil
	return spec, nil
}
