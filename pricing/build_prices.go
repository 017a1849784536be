package pricing

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// candidate is one official row mapped onto a model's inputs.
type candidate struct {
	when    map[string]string
	credits Credits
	label   string // the row's notes ("per task" without notes)
	source  string
	basis   *Basis // nil: per task
}

// prices maps the curated price tables onto spec's inputs and fills Modes,
// marks the price fields and removes unpriced options (rules 4–6 of Build).
func (b *builder) prices(spec *ModelSpec, sources []curatedPrice) error {
	var cands []candidate
	for _, src := range sources {
		cs, err := b.mapTable(spec, src)
		if err != nil {
			return err
		}
		cands = append(cands, cs...)
	}
	priceFields, err := checkSelections(spec, cands)
	if err != nil {
		return err
	}
	spec.Modes, spec.PriceConflicts = mergeCandidates(cands, priceFields)
	for _, name := range priceFields {
		i := slices.IndexFunc(spec.Fields, func(f Field) bool { return f.Name == name })
		restrictToPriced(spec, &spec.Fields[i], spec.Modes)
	}
	slices.SortStableFunc(spec.Modes, func(a, b Mode) int {
		return cmp.Or(cmp.Compare(a.Credits, b.Credits), strings.Compare(a.Source, b.Source))
	})
	return nil
}

// curatedBasisOf checks a table's per-unit basis against the model: the
// measured input must exist, be required, and be of the kind the unit
// counts (a duration of an audio or video file, the length of a text).
func curatedBasisOf(spec *ModelSpec, cb *curatedBasis) (*Basis, error) {
	if cb == nil {
		return nil, nil
	}
	if strings.TrimSpace(cb.Why) == "" {
		return nil, errors.New("curation prices it per unit without saying why")
	}
	b := Basis{Unit: cb.Unit, Field: cb.Field}
	if err := checkBasis(spec.Fields, b); err != nil {
		return nil, err
	}
	return &b, nil
}

// checkBasis reports why a per-unit basis cannot measure its field.
func checkBasis(fields []Field, b Basis) error {
	if !b.Unit.Valid() || b.Unit == PerTask {
		return fmt.Errorf("basis unit %q is not a per-unit price (one of %v)", b.Unit, Units()[1:])
	}
	i := slices.IndexFunc(fields, func(f Field) bool { return f.Name == b.Field })
	if i < 0 {
		return fmt.Errorf("basis measures %q, which is not one of its inputs", b.Field)
	}
	f := fields[i]
	switch b.Unit.Measures() {
	case QuantitySeconds:
		if f.Type != KindFile || (f.Media != MediaAudio && f.Media != MediaVideo) || f.Multiple {
			return fmt.Errorf("basis %s measures %s, which is not a single audio or video file", b.Unit, f.Name)
		}
	case QuantityCharacters:
		if f.Type != KindString {
			return fmt.Errorf("basis %s measures %s, which is not a text input", b.Unit, f.Name)
		}
	}
	if !f.Required && f.MinCount == 0 {
		return fmt.Errorf("basis measures %s, which is optional: without it nothing could be quoted", f.Name)
	}
	return nil
}

// oneSecondRE finds a one-second duration in a row's notes ("1.0s",
// "Turbo-1.0s-720p", "1s"), the table's way of pricing a single second.
var oneSecondRE = regexp.MustCompile(`(^|[^0-9.])1(\.0+)?\s?s(ec(ond)?)?([^a-z]|$)`)

// thousandCharsRE finds "1000 characters" / "1,000 chars" / "1K characters".
var thousandCharsRE = regexp.MustCompile(`(?i)(^|[^0-9])(1[ ,]?000|1k)\s*char`)

// statesUnit reports whether a row's notes say it prices one unit of u.
func statesUnit(notes string, u Unit) bool {
	switch u.Measures() {
	case QuantitySeconds:
		return oneSecondRE.MatchString(strings.ToLower(notes))
	case QuantityCharacters:
		return thousandCharsRE.MatchString(notes)
	}
	return false
}

// mapTable turns the rows of one price table into candidates. Every row
// must be mapped or ignored, and every mapping must name a real row.
func (b *builder) mapTable(spec *ModelSpec, src curatedPrice) ([]candidate, error) {
	t, ok := b.tables[src.Table]
	if !ok {
		return nil, fmt.Errorf("curation maps price table %s, which does not exist", src.Table)
	}
	if src.Table != spec.ID && strings.TrimSpace(src.Why) == "" {
		return nil, fmt.Errorf("curation prices it from table %s without saying why", src.Table)
	}
	basis, err := curatedBasisOf(spec, src.Basis)
	if err != nil {
		return nil, fmt.Errorf("price table %s: %w", src.Table, err)
	}
	b.used[src.Table] = true
	spec.PriceTables = append(spec.PriceTables, src.Table)
	var out []candidate
	rows := map[string]bool{}
	for _, row := range t.Modes {
		rows[row.Notes] = true
		when, mapped := src.Modes[row.Notes]
		if !mapped {
			if _, ignored := src.Ignore[row.Notes]; ignored || src.IgnoreRest != "" {
				continue
			}
			return nil, fmt.Errorf("row %q of price table %s is neither mapped nor ignored", row.Notes, t.ID)
		}
		if !unitFits(row.Unit, spec.Output) {
			return nil, fmt.Errorf("row %q of price table %s bills per %q, which does not fit a %s model; disable it (code %s) instead",
				row.Notes, t.ID, row.Unit, spec.Output, DisabledPriceBasis)
		}
		if row.Credits <= 0 {
			return nil, fmt.Errorf("row %q of price table %s costs %s credits", row.Notes, t.ID, row.Credits)
		}
		if basis != nil && !statesUnit(row.Notes, basis.Unit) {
			return nil, fmt.Errorf("row %q of price table %s does not state a price %s; only such rows may be priced per unit",
				row.Notes, t.ID, basis.Unit.Phrase().EN)
		}
		label := row.Notes
		if label == "" {
			label = "per task"
		}
		out = append(out, candidate{
			when:    maps.Clone(when),
			credits: row.Credits,
			label:   label,
			source:  fmt.Sprintf("%s: %s", t.ID, label),
			basis:   basis,
		})
	}
	for _, set := range []map[string]string{keysOf(src.Modes), src.Ignore} {
		for notes := range set {
			if !rows[notes] {
				return nil, fmt.Errorf("curation names row %q, which price table %s does not have", notes, t.ID)
			}
		}
	}
	return out, nil
}

func keysOf(m map[string]map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k := range m {
		out[k] = ""
	}
	return out
}

// unitFits reports whether a row's billing unit means "per task" for this
// model. Per-image rows for an audio or video model (Kie's table says
// "image" for Suno and ElevenLabs) do not: their billing basis is unknown.
func unitFits(unit string, out Media) bool {
	switch unit {
	case "image":
		return out == MediaImage
	case "video":
		return out == MediaVideo
	case "upscale", "removal":
		return true
	}
	return false
}

// checkSelections verifies the fields the rows select on and returns them in
// schema order: each must exist and be an enum, bool or still-untyped
// string, each value must be allowed by the schema, and every row must fix
// every one of them (a row that leaves one open would be ambiguous).
func checkSelections(spec *ModelSpec, cands []candidate) ([]string, error) {
	byName := map[string]Field{}
	for _, f := range spec.Fields {
		byName[f.Name] = f
	}
	selected := map[string]bool{}
	for _, c := range cands {
		for k, v := range c.when {
			f, ok := byName[k]
			if !ok {
				return nil, fmt.Errorf("row %q selects %s, which is not one of its inputs", c.label, k)
			}
			switch f.Type {
			case KindEnum:
				if !slices.Contains(f.Values, v) {
					return nil, fmt.Errorf("row %q needs %s=%q, which the schema does not allow %v", c.label, k, v, f.Values)
				}
			case KindBool:
				if v != "true" && v != "false" {
					return nil, fmt.Errorf("row %q needs bool %s=%q", c.label, k, v)
				}
			case KindString: // no enum in the schema: the priced values become the options
			default:
				return nil, fmt.Errorf("row %q selects on %s input %s", c.label, f.Type, k)
			}
			selected[k] = true
		}
	}
	var names []string
	for _, f := range spec.Fields {
		if selected[f.Name] {
			names = append(names, f.Name)
		}
	}
	for _, c := range cands {
		for _, k := range names {
			if _, ok := c.when[k]; !ok {
				return nil, fmt.Errorf("row %q leaves price input %s open", c.label, k)
			}
		}
	}
	return names, nil
}

// mergeCandidates folds rows that select the same inputs. Equal prices merge
// silently; different prices are a conflict resolved to the higher one,
// because undercharging loses money on every sale and overcharging by a
// table error is visible and refundable.
func mergeCandidates(cands []candidate, priceFields []string) ([]Mode, []PriceConflict) {
	var order []string
	groups := map[string][]candidate{}
	for _, c := range cands {
		key := describe(Params(c.when), priceFields)
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], c)
	}
	var modes []Mode
	var conflicts []PriceConflict
	for _, key := range order {
		g := groups[key]
		kept := g[0]
		var all []Credits
		for _, c := range g {
			if c.credits > kept.credits {
				kept = c
			}
			all = append(all, c.credits)
		}
		slices.Sort(all)
		all = slices.Compact(all)
		if len(all) > 1 {
			conflicts = append(conflicts, PriceConflict{Mode: kept.label, Credits: all, Kept: kept.credits})
		}
		modes = append(modes, Mode{Credits: kept.credits, When: kept.when, Basis: kept.basis, Source: kept.source, Origin: OriginOfficial})
	}
	return modes, conflicts
}

// restrictToPriced makes f a price field whose options are exactly the
// priced values, recording any removed enum value.
func restrictToPriced(spec *ModelSpec, f *Field, modes []Mode) {
	priced := map[string]bool{}
	for _, m := range modes {
		priced[m.When[f.Name]] = true
	}
	switch f.Type {
	case KindEnum:
		var kept []string
		for _, v := range f.Values {
			if priced[v] {
				kept = append(kept, v)
			} else {
				spec.RemovedOptions = append(spec.RemovedOptions, RemovedOption{Field: f.Name, Value: v, Reason: "no official price"})
			}
		}
		f.Values = kept
	case KindBool:
		if len(priced) == 1 {
			for v := range priced {
				f.Values = []string{v}
			}
			spec.RemovedOptions = append(spec.RemovedOptions, RemovedOption{Field: f.Name, Value: otherBool(f.Values[0]), Reason: "no official price"})
		}
	case KindString:
		f.Type, f.OpenEnum = KindEnum, true
		f.MinLength, f.MaxLength = 0, 0
		f.Values = slices.SortedFunc(maps.Keys(priced), naturalCompare)
		spec.Notes = append(spec.Notes, fmt.Sprintf("input %s has no enum in the schema; its options are the priced values %v", f.Name, f.Values))
	}
	f.Price = true
	f.Required = true
}

func otherBool(v string) string {
	if v == "true" {
		return "false"
	}
	return "true"
}

// naturalCompare orders "5" < "10" and "480p" < "1080p" by their leading
// number, then as text.
func naturalCompare(a, b string) int {
	na, ra := leadingInt(a)
	nb, rb := leadingInt(b)
	if ra && rb && na != nb {
		return cmp.Compare(na, nb)
	}
	return strings.Compare(a, b)
}

func leadingInt(s string) (int, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.Atoi(s[:i])
	return n, err == nil
}
