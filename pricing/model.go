package pricing

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// Mode is one price: the credits Kie charges for one combination of
// price-field values (When), per task or per unit of a measured quantity
// (Basis). A model without price fields has a single mode with an empty
// When. Every mode says where its price comes from (Origin).
type Mode struct {
	// Label is the English label users see: the chosen options in words
	// ("10 s · 1080p", "with sound · 5 s"), then the unit for a per-unit
	// price ("480p · per second"). It is empty for a model's only per-task
	// price, which has no option to name. Labels holds it in both languages.
	Label   string            `json:"label"`
	Labels  Label             `json:"labels,omitzero"`
	Credits Credits           `json:"credits"` // per task, or per unit of Basis
	When    map[string]string `json:"when,omitempty"`
	// Basis is how Credits are counted; nil means per task.
	Basis *Basis `json:"basis,omitempty"`
	// Source is "<price table>: <notes>" for an official price, or the
	// operator's source for a confirmed one.
	Source string `json:"source"`
	// Origin is where the price comes from; Confirmed says who confirmed an
	// operator price, when, and from what.
	Origin    Origin     `json:"origin"`
	Confirmed *Confirmed `json:"confirmed,omitempty"`
}

// Origin says where a price comes from.
type Origin string

// The origins of a price. Only official and operator prices are ever sold.
const (
	// OriginOfficial is Kie's official price table (pricing/source).
	OriginOfficial Origin = "official"
	// OriginOperator is a price an operator confirmed (see Confirmation).
	OriginOperator Origin = "operator"
	// OriginLiveProse is Kie's live catalogue prose as `registry sync` read
	// it: unreviewed, for a person to turn into confirmations, never sold.
	OriginLiveProse Origin = "kie-live-prose"
)

// Confirmed records an operator's confirmation of a price.
type Confirmed struct {
	Source string    `json:"source"` // URL of Kie's pricing page, or a note
	At     time.Time `json:"at"`
	By     string    `json:"by"`
}

func (m Mode) clone() Mode {
	m.When = maps.Clone(m.When)
	if m.Basis != nil {
		b := *m.Basis
		m.Basis = &b
	}
	if m.Confirmed != nil {
		c := *m.Confirmed
		m.Confirmed = &c
	}
	return m
}

// LabelIn returns the label in lang ("ru" or "en").
func (m Mode) LabelIn(lang string) string {
	if l := m.Labels.In(lang); l != "" {
		return l
	}
	return m.Label
}

// PriceBasis returns how the mode's credits are counted (Unit PerTask for a
// flat price).
func (m Mode) PriceBasis() Basis {
	if m.Basis == nil {
		return Basis{Unit: PerTask}
	}
	return *m.Basis
}

// matches reports whether every price field the mode names has the value
// given in p. Fields absent from p do not match.
func (m Mode) matches(p Params) bool {
	for k, v := range m.When {
		if p[k] != v {
			return false
		}
	}
	return true
}

// compatible reports whether the mode agrees with every value in p for the
// given price fields (fields not in p are free).
func (m Mode) compatible(p Params, priceFields []string) bool {
	for _, k := range priceFields {
		if v, ok := p[k]; ok && m.When[k] != v {
			return false
		}
	}
	return true
}

// Params holds a user's choices as canonical text (Field.Parse's output):
// enum values, "true"/"false", plain decimals. Files are passed separately.
type Params map[string]string

// Errors from mode selection.
var (
	// ErrUnpriced: the combination of price-field values has no official
	// price (e.g. Hailuo 2.3 at 10 s and 1080p). The UI should offer only
	// Model.Choices, which never lead here.
	ErrUnpriced = errors.New("no official price for this combination")
	// ErrIncomplete: a price field has no value yet.
	ErrIncomplete = errors.New("price option not chosen")
)

// Model is one registry entry. It is immutable: accessors return copies.
type Model struct {
	spec     ModelSpec
	cheapest Credits
}

func newModel(spec ModelSpec) *Model {
	m := &Model{spec: spec}
	slices.SortStableFunc(m.spec.Modes, func(a, b Mode) int {
		return cmp.Or(cmp.Compare(a.Credits, b.Credits), strings.Compare(a.Label, b.Label))
	})
	if len(m.spec.Modes) > 0 {
		m.cheapest = m.spec.Modes[0].Credits
	}
	return m
}

// ID is Kie's model id, sent as createTask's "model".
func (m *Model) ID() string { return m.spec.ID }

// Category is the menu the model belongs to.
func (m *Model) Category() Category { return m.spec.Category }

// Output is what the model produces.
func (m *Model) Output() Media { return m.spec.Output }

// Endpoint is the Kie path the model is created on.
func (m *Model) Endpoint() string { return m.spec.Endpoint }

// Family is the endpoint family that creates and reads the model's tasks:
// FamilyMarket (createTask/recordInfo) or FamilySuno (generate/record-info).
func (m *Model) Family() Family { return m.spec.Family }

// Outputs is how many result files one task delivers (Suno: two tracks).
func (m *Model) Outputs() int { return max(m.spec.Outputs, 1) }

// PerUnit reports whether any of the model's prices depends on a measured
// quantity, so a quote needs Pricer.QuoteQuantity.
func (m *Model) PerUnit() bool {
	for _, md := range m.spec.Modes {
		if md.PriceBasis().PerUnit() {
			return true
		}
	}
	return false
}

// BasisFor returns how the price of a complete parameter set is counted, so
// the caller knows what to measure: the duration of the file in
// Basis.Field, or the length of its text. See ModeFor for the errors.
func (m *Model) BasisFor(p Params) (Basis, error) {
	md, err := m.ModeFor(p)
	if err != nil {
		return Basis{}, err
	}
	return md.PriceBasis(), nil
}

// Name returns the display name in lang ("ru" or "en").
func (m *Model) Name(lang string) string { return m.spec.Name.In(lang) }

// Description returns the one-line description in lang.
func (m *Model) Description(lang string) string { return m.spec.Description.In(lang) }

// Enabled reports whether the bot may sell the model.
func (m *Model) Enabled() bool { return m.spec.Enabled }

// DisabledReason says why a disabled model is not sold ("" when enabled).
func (m *Model) DisabledReason() string {
	if m.spec.Disabled == nil {
		return ""
	}
	return m.spec.Disabled.Reason
}

// Spec returns a deep copy of the model's registry entry.
func (m *Model) Spec() ModelSpec { return m.spec.clone() }

// Fields returns the inputs in schema order.
func (m *Model) Fields() []Field {
	out := make([]Field, len(m.spec.Fields))
	for i, f := range m.spec.Fields {
		out[i] = f.clone()
	}
	return out
}

// Field returns the named input.
func (m *Model) Field(name string) (Field, bool) {
	for _, f := range m.spec.Fields {
		if f.Name == name {
			return f.clone(), true
		}
	}
	return Field{}, false
}

// Modes returns the price modes, cheapest first.
func (m *Model) Modes() []Mode {
	out := make([]Mode, len(m.spec.Modes))
	for i, md := range m.spec.Modes {
		out[i] = md.clone()
	}
	return out
}

// Cheapest returns the cheapest mode (the "from" price). ok is false for a
// model without prices, which is never enabled.
func (m *Model) Cheapest() (Mode, bool) {
	if len(m.spec.Modes) == 0 {
		return Mode{}, false
	}
	return m.spec.Modes[0].clone(), true
}

// PriceFields lists the fields whose values select the price mode.
func (m *Model) PriceFields() []string {
	var out []string
	for _, f := range m.spec.Fields {
		if f.Price {
			out = append(out, f.Name)
		}
	}
	return out
}

// ModeFor picks the price mode for a complete parameter set. Every price
// field must be set (single-value ones are filled in); values are checked
// and canonicalised with Field.Parse, so "TRUE" selects the same mode as
// "true". The combination must have an official price.
func (m *Model) ModeFor(p Params) (Mode, error) {
	want := Params{}
	for _, f := range m.spec.Fields {
		if !f.Price {
			continue
		}
		raw, ok := p[f.Name]
		if !ok {
			if v, fixed := f.Fixed(); fixed {
				want[f.Name] = v
				continue
			}
			return Mode{}, fmt.Errorf("price mode for %s: field %s: %w", m.spec.ID, f.Name, ErrIncomplete)
		}
		v, err := f.Parse(raw)
		if err != nil {
			return Mode{}, fmt.Errorf("price mode for %s: %w", m.spec.ID, err)
		}
		want[f.Name] = v
	}
	for _, md := range m.spec.Modes {
		if md.matches(want) {
			return md.clone(), nil
		}
	}
	return Mode{}, fmt.Errorf("price mode for %s with %s: %w", m.spec.ID, describe(want, m.PriceFields()), ErrUnpriced)
}

func describe(p Params, keys []string) string {
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+p[k])
	}
	return strings.Join(parts, " ")
}

// Choice is one option of a field with the cheapest price it leads to.
type Choice struct {
	Value string
	From  Credits // cheapest mode compatible with this value and the earlier choices
	Unit  Unit    // what From is counted per (PerTask for a flat price)
}

// Choices lists the options of an enum or bool field that still have an
// official price given the choices made so far (other fields in chosen),
// each with its "from" price. A value whose every combination with chosen is
// unpriced is left out, so a UI that offers only Choices never reaches
// ErrUnpriced. Nil for fields without options.
func (m *Model) Choices(field string, chosen Params) []Choice {
	f, ok := m.Field(field)
	if !ok {
		return nil
	}
	others := slices.DeleteFunc(m.PriceFields(), func(n string) bool { return n == field })
	var out []Choice
	for _, v := range f.Options() {
		best, unit, found := Credits(0), PerTask, false
		for _, md := range m.spec.Modes {
			if f.Price && md.When[field] != v {
				continue
			}
			if !md.compatible(chosen, others) {
				continue
			}
			if !found || md.Credits < best {
				best, unit, found = md.Credits, md.PriceBasis().Unit, true
			}
		}
		if found {
			out = append(out, Choice{Value: v, From: best, Unit: unit})
		}
	}
	return out
}

// Input validates a complete set of choices and files and returns the JSON
// "input" object for createTask: enum and string values as strings, bools as
// booleans, numbers as json.Number, files as a URL or a URL list. Single-value
// fields are filled in; required fields must be present; the price-field
// combination must be priced. Errors are *FieldError or wrap ErrUnpriced.
func (m *Model) Input(p Params, files map[string][]string) (map[string]any, error) {
	known := map[string]bool{}
	out := map[string]any{}
	full := maps.Clone(p)
	if full == nil {
		full = Params{}
	}
	for _, f := range m.spec.Fields {
		known[f.Name] = true
		if f.Type == KindFile {
			urls := files[f.Name]
			if len(urls) < f.MinCount || (f.Required && !f.Multiple && len(urls) == 0) {
				return nil, &FieldError{Field: f.Name, Err: ErrTooFewFiles, Min: fmt.Sprint(max(f.MinCount, 1))}
			}
			if len(urls) > f.maxFiles() {
				return nil, &FieldError{Field: f.Name, Err: ErrTooManyFiles, Max: fmt.Sprint(f.maxFiles())}
			}
			switch {
			case f.Multiple && (len(urls) > 0 || f.Required):
				out[f.Name] = append([]string{}, urls...)
			case len(urls) == 1:
				out[f.Name] = urls[0]
			}
			continue
		}
		raw, ok := p[f.Name]
		if !ok {
			if v, fixed := f.Fixed(); fixed && (f.Required || f.Price) {
				raw, ok = v, true
				full[f.Name] = v
			}
		}
		if !ok {
			if f.Required {
				return nil, &FieldError{Field: f.Name, Err: ErrRequired}
			}
			continue
		}
		v, err := f.Parse(raw)
		if err != nil {
			return nil, err
		}
		full[f.Name] = v
		switch f.Type {
		case KindBool:
			out[f.Name] = v == "true"
		case KindInteger, KindNumber:
			out[f.Name] = json.Number(v)
		default:
			out[f.Name] = v
		}
	}
	for k := range p {
		if !known[k] {
			return nil, &FieldError{Field: k, Err: ErrUnknownField}
		}
	}
	for k := range files {
		if !known[k] {
			return nil, &FieldError{Field: k, Err: ErrUnknownField}
		}
	}
	if _, err := m.ModeFor(full); err != nil {
		return nil, err
	}
	return out, nil
}

// sortModelsByPrice orders models cheapest first, ties by id.
func sortModelsByPrice(ms []*Model) {
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].cheapest != ms[j].cheapest {
			return ms[i].cheapest < ms[j].cheapest
		}
		return ms[i].spec.ID < ms[j].spec.ID
	})
}
