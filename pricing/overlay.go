package pricing

import (
	"cmp"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
)

// OverlayReport says what WithConfirmations did with each confirmation.
type OverlayReport struct {
	Applied []Confirmation
	// Superseded are older prices for the same model and option as a newer
	// one: the newest confirmation wins.
	Superseded []Confirmation
	// Rejected are confirmations that do not apply to this registry (the
	// model left the catalogue, Kie's table now prices it, …), each with
	// the reason. The registry is built without them.
	Rejected []*ConfirmationError
}

// WithConfirmations returns a new registry: r with the operator's
// confirmations applied; r itself is unchanged. The rules:
//
//   - A price applies only where Kie's official table has no price for that
//     model and option; one that collides with an official price is
//     rejected (ErrConfirmOfficial), so the embedded registry can never be
//     silently overridden. A newer price for the same model and option
//     replaces an older one.
//   - A price may put a model on sale that is disabled for its price
//     (DisabledCode.Priceable: no table, unmapped rows, unclear basis), or
//     add an option to a model on sale. A model disabled for anything a
//     price cannot fix (endpoint, output, inputs, an operator's disable)
//     stays off sale.
//   - A disable takes the whole model, or every mode matching its Option,
//     off sale. Disables apply after all prices, whatever their dates:
//     narrowing always wins; delete the disable to undo it.
//
// Each confirmation is checked and applied on its own (a bad one is
// reported in Rejected and the rest still apply) and the result passes the
// same audit as the embedded registry. Every confirmed price carries its
// source, date and author (Mode.Origin, Mode.Confirmed). Rebuilding the
// shipped registry with a handful of confirmations takes a few milliseconds
// (BenchmarkWithConfirmations), so the shop can rebuild whenever an admin
// confirms and swap the result in.
func (r *Registry) WithConfirmations(cs []Confirmation) (*Registry, OverlayReport) {
	var rep OverlayReport
	f := r.file.clone()
	index := make(map[string]int, len(f.Models))
	for i, m := range f.Models {
		index[m.ID] = i
	}
	medians := categoryMedians(f.Models)

	var prices, disables []Confirmation
	for _, c := range cs {
		if e := c.validate(); e != nil {
			rep.Rejected = append(rep.Rejected, e)
			continue
		}
		if _, ok := index[c.ModelID]; !ok {
			rep.Rejected = append(rep.Rejected, &ConfirmationError{Confirmation: c, Err: &UnknownModelError{ID: c.ModelID, Suggestion: r.suggest(c.ModelID)}})
			continue
		}
		if c.Kind == ConfirmPrice {
			prices = append(prices, c)
		} else {
			disables = append(disables, c)
		}
	}
	// Newest price per model and option wins; older ones are superseded.
	slices.SortStableFunc(prices, func(a, b Confirmation) int { return a.ConfirmedAt.Compare(b.ConfirmedAt) })
	latest := map[string]int{}
	for i, c := range prices {
		latest[c.ModelID+"\x00"+c.OptionKey()] = i
	}
	apply := func(c Confirmation, change func(*ModelSpec) *ConfirmationError) {
		i := index[c.ModelID]
		trial := f.Models[i].clone()
		if e := change(&trial); e != nil {
			rep.Rejected = append(rep.Rejected, e)
			return
		}
		var defects []string
		auditModel(trial, func(id string, code DefectCode, format string, args ...any) {
			defects = append(defects, fmt.Sprintf("%s: %s", code, fmt.Sprintf(format, args...)))
		})
		if len(defects) > 0 {
			rep.Rejected = append(rep.Rejected, refuse(c, ErrConfirmDefect, "%s", strings.Join(defects, "; ")))
			return
		}
		f.Models[i] = trial
		rep.Applied = append(rep.Applied, c)
	}
	for i, c := range prices {
		if latest[c.ModelID+"\x00"+c.OptionKey()] != i {
			rep.Superseded = append(rep.Superseded, c)
			continue
		}
		apply(c, func(s *ModelSpec) *ConfirmationError { return applyPrice(s, c, medians[s.Category]) })
	}
	slices.SortStableFunc(disables, func(a, b Confirmation) int { return a.ConfirmedAt.Compare(b.ConfirmedAt) })
	for _, c := range disables {
		apply(c, func(s *ModelSpec) *ConfirmationError { return applyDisable(s, c) })
	}
	// A price a disable took off sale again is reported as such, not as
	// applied.
	rep.Applied = slices.DeleteFunc(rep.Applied, func(c Confirmation) bool {
		if c.Kind != ConfirmPrice {
			return false
		}
		m := f.Models[index[c.ModelID]]
		sold := m.Enabled && slices.ContainsFunc(m.Modes, func(md Mode) bool {
			return md.Origin == OriginOperator && maps.Equal(md.When, map[string]string(c.Option))
		})
		if !sold {
			rep.Rejected = append(rep.Rejected, refuse(c, ErrConfirmOverruled, ""))
		}
		return !sold
	})
	if len(rep.Applied) == 0 {
		return r, rep
	}
	f.Sources = append(f.Sources, SourceInfo{Name: "operator confirmations", Note: fmt.Sprintf("%d applied over the registry above", len(rep.Applied))})
	out, err := New(f)
	if err != nil {
		// Each confirmation passed the audit on its own and the one
		// cross-model check (absurd prices) measures against official
		// prices only, so this is not expected; keep the registry as it was.
		for _, c := range rep.Applied {
			rep.Rejected = append(rep.Rejected, refuse(c, ErrConfirmDefect, "%v", err))
		}
		rep.Applied = nil
		return r, rep
	}
	return out, rep
}

// CheckConfirmation reports whether c would apply to r, for an admin
// console to refuse a bad confirmation before storing it. nil means
// WithConfirmations would apply it (or, for an older price, that a newer
// one for the same option already exists).
func (r *Registry) CheckConfirmation(c Confirmation) error {
	_, rep := r.WithConfirmations([]Confirmation{c})
	if len(rep.Rejected) > 0 {
		return rep.Rejected[0]
	}
	return nil
}

// categoryMedians is the median official per-task price of each
// category's enabled models: the yardstick for an implausible price (see
// AbsurdFactor). Only official prices count, so confirmed prices can never
// move it.
func categoryMedians(models []ModelSpec) map[Category]*big.Rat {
	by := map[Category][]Credits{}
	for _, m := range models {
		if !m.Enabled {
			continue
		}
		for _, md := range m.Modes {
			if perTask(md) && md.Origin == OriginOfficial {
				by[m.Category] = append(by[m.Category], md.Credits)
			}
		}
	}
	out := map[Category]*big.Rat{}
	for c, cs := range by {
		out[c] = median(cs)
	}
	return out
}

// applyPrice adds or replaces an operator price on one model.
func applyPrice(s *ModelSpec, c Confirmation, med *big.Rat) *ConfirmationError {
	if !s.Enabled && (s.Disabled == nil || !s.Disabled.Code.Priceable()) {
		reason := "no reason recorded"
		if s.Disabled != nil {
			reason = fmt.Sprintf("%s: %s", s.Disabled.Code, s.Disabled.Reason)
		}
		return refuse(c, ErrConfirmNotPriceable, "%s", reason)
	}
	fields := map[string]*Field{}
	for i := range s.Fields {
		fields[s.Fields[i].Name] = &s.Fields[i]
	}
	var priceFields []string
	for _, f := range s.Fields {
		if f.Price {
			priceFields = append(priceFields, f.Name)
		}
	}
	keys := slices.Sorted(maps.Keys(c.Option))
	switch {
	case len(priceFields) > 0 && !slices.Equal(keys, slices.Sorted(slices.Values(priceFields))):
		return refuse(c, ErrConfirmUnknownOption, "its price depends on %s: name a value for each", strings.Join(priceFields, ", "))
	case len(priceFields) == 0 && len(keys) > 0 && len(s.Modes) > 0:
		return refuse(c, ErrConfirmUnknownOption, "it has one price for every option; an option cannot be priced apart")
	}
	for _, k := range keys {
		f, ok := fields[k]
		if !ok {
			return refuse(c, ErrConfirmUnknownOption, "it has no input %q", k)
		}
		if e := checkOptionValue(s, f, c, c.Option[k]); e != nil {
			return e
		}
	}
	for _, md := range s.Modes {
		if md.Origin == OriginOfficial && maps.Equal(md.When, map[string]string(c.Option)) {
			return refuse(c, ErrConfirmOfficial, "the official price is %s credits %s (%s)", md.Credits, md.PriceBasis().Unit.Phrase().EN, md.Source)
		}
	}
	var basis *Basis
	if c.Unit != PerTask {
		b, e := confirmedBasis(s, c)
		if e != nil {
			return e
		}
		basis = &b
	} else if med != nil && med.Sign() > 0 && c.CreditsPerUnit.Rat().Cmp(new(big.Rat).Mul(med, big.NewRat(AbsurdFactor, 1))) > 0 {
		return refuse(c, ErrConfirmAbsurd, "%s credits is over %d× the %s median of %s", c.CreditsPerUnit, AbsurdFactor, s.Category, ratString(med))
	}

	// Make the named inputs price inputs offering the confirmed values.
	for _, k := range keys {
		usePriceValue(s, fields[k], c.Option[k])
	}
	s.Modes = slices.DeleteFunc(s.Modes, func(md Mode) bool {
		return md.Origin == OriginOperator && maps.Equal(md.When, map[string]string(c.Option))
	})
	conf := c.confirmed()
	md := Mode{Credits: c.CreditsPerUnit, Basis: basis, Source: describeConfirmed(conf), Origin: OriginOperator, Confirmed: conf}
	if len(c.Option) > 0 {
		md.When = maps.Clone(map[string]string(c.Option))
	}
	s.Modes = append(s.Modes, md)
	if err := labelModes(s); err != nil {
		return refuse(c, ErrConfirmUnknownOption, "%v", err)
	}
	if !s.Enabled {
		s.Notes = append(s.Notes, fmt.Sprintf("put on sale by an operator confirmation (was disabled, %s: %s)", s.Disabled.Code, s.Disabled.Reason))
		s.Enabled, s.Disabled = true, nil
	}
	return nil
}

// checkOptionValue accepts a value the input offers, one the build removed
// for lack of a price, or any value of a free-text input (the operator's
// source says Kie accepts it).
func checkOptionValue(s *ModelSpec, f *Field, c Confirmation, v string) *ConfirmationError {
	switch {
	case f.Type == KindString || f.OpenEnum:
		if strings.TrimSpace(v) == "" || v != strings.TrimSpace(v) {
			return refuse(c, ErrConfirmUnknownOption, "%s needs a value", f.Name)
		}
	case f.Type == KindEnum || f.Type == KindBool:
		allowed := f.Options()
		for _, r := range s.RemovedOptions {
			if r.Field == f.Name && !slices.Contains(allowed, r.Value) {
				allowed = append(allowed, r.Value)
			}
		}
		if f.Type == KindBool {
			allowed = []string{"false", "true"}
		}
		if !slices.Contains(allowed, v) {
			return refuse(c, ErrConfirmUnknownOption, "%s=%q is not one of %v", f.Name, v, allowed)
		}
	default:
		return refuse(c, ErrConfirmUnknownOption, "input %s (%s) is not a choice a price can depend on", f.Name, f.Type)
	}
	return nil
}

// usePriceValue makes f a price input that offers v: a newly priced input
// offers only confirmed values (the others are recorded as removed); an
// existing one gets v back if the build had removed it.
func usePriceValue(s *ModelSpec, f *Field, v string) {
	why := "no price: not confirmed by an operator"
	if !f.Price {
		switch f.Type {
		case KindEnum, KindBool:
			for _, o := range f.Options() {
				if o != v {
					s.RemovedOptions = append(s.RemovedOptions, RemovedOption{Field: f.Name, Value: o, Reason: why})
				}
			}
		case KindString:
			f.Type, f.OpenEnum, f.MinLength, f.MaxLength = KindEnum, true, 0, 0
			s.Notes = append(s.Notes, fmt.Sprintf("input %s has no enum in the schema; its options are the confirmed values", f.Name))
		}
		f.Values = []string{v}
		f.Price, f.Required = true, true
	} else if !slices.Contains(f.Options(), v) {
		f.Values = append(f.Options(), v)
		if f.Type == KindBool {
			f.Values = slices.Sorted(slices.Values(f.Values))
		}
	}
	s.RemovedOptions = slices.DeleteFunc(s.RemovedOptions, func(r RemovedOption) bool { return r.Field == f.Name && r.Value == v })
	if _, ok := f.OptionLabels[v]; !ok {
		if f.OptionLabels == nil {
			f.OptionLabels = map[string]Label{}
		}
		f.OptionLabels[v] = fallbackOptionLabel(f.Name, v)
	}
}

// fallbackOptionLabel names an option the curation had no label for: a
// duration or a resolution in the usual words, anything else as it is.
func fallbackOptionLabel(name, v string) Label {
	if labelRank(name) == 0 && secondsValueRE.MatchString(v) {
		l, _ := optionLabel(curatedOptionLabels{Seconds: true}, v)
		return l
	}
	if l, err := optionLabel(curatedOptionLabels{Resolution: true}, v); err == nil {
		return l
	}
	return Label{RU: v, EN: v}
}

// confirmedBasis picks and checks the input a per-unit price is measured on.
func confirmedBasis(s *ModelSpec, c Confirmation) (Basis, *ConfirmationError) {
	field := c.Field
	if field == "" {
		if c.Unit == PerOutputSecond {
			return Basis{}, refuse(c, ErrConfirmUnmeasurable, "name the input whose length the result follows (field)")
		}
		var candidates []string
		for _, f := range s.Fields {
			fits := checkBasis(s.Fields, Basis{Unit: c.Unit, Field: f.Name}) == nil
			if fits {
				candidates = append(candidates, f.Name)
			}
		}
		if len(candidates) != 1 {
			return Basis{}, refuse(c, ErrConfirmUnmeasurable, "%d inputs could be measured for %s (%v): name one (field)", len(candidates), c.Unit, candidates)
		}
		field = candidates[0]
	}
	b := Basis{Unit: c.Unit, Field: field}
	if err := checkBasis(s.Fields, b); err != nil {
		return Basis{}, refuse(c, ErrConfirmUnmeasurable, "%v", err)
	}
	return b, nil
}

// applyDisable takes a model, or the modes matching c.Option, off sale.
func applyDisable(s *ModelSpec, c Confirmation) *ConfirmationError {
	conf := c.confirmed()
	why := fmt.Sprintf("taken off sale by %s on %s: %s", conf.By, conf.At.Format("2006-01-02"), conf.Source)
	if len(c.Option) == 0 {
		if s.Disabled != nil {
			why += fmt.Sprintf(" (already off sale, %s: %s)", s.Disabled.Code, s.Disabled.Reason)
		}
		s.Enabled, s.Disabled = false, &DisabledSpec{Code: DisabledOperator, Reason: why}
		return nil
	}
	fields := map[string]Field{}
	for _, f := range s.Fields {
		fields[f.Name] = f
	}
	for k, v := range c.Option {
		f, ok := fields[k]
		if !ok || !f.Price {
			return refuse(c, ErrConfirmUnknownOption, "%s does not choose its price", k)
		}
		if !slices.Contains(f.Options(), v) {
			return refuse(c, ErrConfirmUnknownOption, "%s=%q is not one of %v", k, v, f.Options())
		}
	}
	before := len(s.Modes)
	s.Modes = slices.DeleteFunc(s.Modes, func(md Mode) bool {
		for k, v := range c.Option {
			if md.When[k] != v {
				return false
			}
		}
		return true
	})
	if len(s.Modes) == before {
		return refuse(c, ErrConfirmNothing, "no price has %s", c.OptionKey())
	}
	if len(s.Modes) == 0 {
		// Nothing left to sell: the model goes off sale, its inputs as they were.
		s.Enabled, s.Disabled = false, &DisabledSpec{Code: DisabledOperator, Reason: why}
		return nil
	}
	for i := range s.Fields {
		f := &s.Fields[i]
		if !f.Price {
			continue
		}
		var kept []string
		for _, v := range f.Options() {
			if slices.ContainsFunc(s.Modes, func(md Mode) bool { return md.When[f.Name] == v }) {
				kept = append(kept, v)
			} else {
				s.RemovedOptions = append(s.RemovedOptions, RemovedOption{Field: f.Name, Value: v, Reason: why})
			}
		}
		f.Values = kept
	}
	return nil
}

// OperatorPrice is one operator-confirmed price of an enabled model, for
// `registry audit`.
type OperatorPrice struct {
	Model   string
	Label   string
	Credits Credits
	Unit    Unit
	Source  string
	At      string // date confirmed, YYYY-MM-DD
	By      string
}

func operatorPrices(models []ModelSpec) []OperatorPrice {
	var out []OperatorPrice
	for _, m := range models {
		if !m.Enabled {
			continue
		}
		for _, md := range m.Modes {
			if md.Origin != OriginOperator || md.Confirmed == nil {
				continue
			}
			out = append(out, OperatorPrice{
				Model: m.ID, Label: md.Label, Credits: md.Credits, Unit: md.PriceBasis().Unit,
				Source: md.Confirmed.Source, At: md.Confirmed.At.Format("2006-01-02"), By: md.Confirmed.By,
			})
		}
	}
	slices.SortFunc(out, func(a, b OperatorPrice) int {
		return cmp.Or(strings.Compare(a.Model, b.Model), strings.Compare(a.Label, b.Label))
	})
	return out
}
