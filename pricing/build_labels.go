package pricing

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Mode labels are what a user reads on a model's card and confirmation:
// the chosen options in words, never the price table's notes ("1.0s-2K",
// "default-5.0s-720p"). The curation names each price input's options
// (option_labels); the build writes them onto the fields and composes each
// mode's label from them, so a new table note cannot leak to users.

var (
	secondsValueRE    = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	resolutionValueRE = regexp.MustCompile(`^[0-9]+[pPkK]$`)
)

// labelOptions fills OptionLabels for every enum and bool input the
// curation has labels for. A price field without them fails the build.
func (b *builder) labelOptions(spec *ModelSpec) error {
	for i := range spec.Fields {
		f := &spec.Fields[i]
		if f.Type != KindEnum && f.Type != KindBool {
			continue
		}
		rule, ok := b.cur.OptionLabels[f.Name]
		if !ok {
			if f.Price {
				return fmt.Errorf("price input %s has no option_labels in the curation: its options would reach users as raw values", f.Name)
			}
			continue
		}
		labels := map[string]Label{}
		for _, v := range f.Options() {
			l, err := optionLabel(rule, v)
			if err != nil {
				if !f.Price {
					continue // a non-price option is shown by the flows as it is
				}
				return fmt.Errorf("price input %s: %w", f.Name, err)
			}
			labels[v] = l
		}
		// Options removed for lack of a price keep their words, for the
		// day an operator's confirmed price brings one back.
		for _, r := range spec.RemovedOptions {
			if r.Field == f.Name {
				if l, err := optionLabel(rule, r.Value); err == nil {
					labels[r.Value] = l
				}
			}
		}
		if len(labels) > 0 {
			f.OptionLabels = labels
		}
	}
	return nil
}

// optionLabel names one option by the curation's rule.
func optionLabel(rule curatedOptionLabels, v string) (Label, error) {
	if l, ok := rule.Values[v]; ok {
		if strings.TrimSpace(l.RU) == "" || strings.TrimSpace(l.EN) == "" {
			return Label{}, fmt.Errorf("option %q has an empty label", v)
		}
		return l, nil
	}
	switch {
	case rule.Seconds && secondsValueRE.MatchString(v):
		return Label{RU: v + "\u00a0с", EN: v + " s"}, nil
	case rule.Resolution && resolutionValueRE.MatchString(v):
		r := v
		if strings.HasSuffix(r, "P") {
			r = strings.ToLower(r)
		}
		return Label{RU: r, EN: r}, nil
	}
	return Label{}, fmt.Errorf("option %q has no label", v)
}

// labelModes composes every mode's label from its options' labels and its
// basis, then orders the modes as the registry lists them.
func labelModes(spec *ModelSpec) error {
	for i := range spec.Modes {
		l, err := modeLabel(spec.Fields, spec.Modes[i])
		if err != nil {
			return err
		}
		spec.Modes[i].Labels = l
		spec.Modes[i].Label = l.EN
	}
	sortModes(spec.Modes)
	return nil
}

// sortModes orders modes cheapest first, ties by label (as newModel does).
func sortModes(ms []Mode) {
	slices.SortStableFunc(ms, func(a, b Mode) int {
		return cmp.Or(cmp.Compare(a.Credits, b.Credits), strings.Compare(a.Label, b.Label), strings.Compare(a.Source, b.Source))
	})
}

// modeLabel is "<duration> · <resolution> · <other options>", then the unit
// of a per-unit price: "10 s · 1080p", "with sound · 5 s" → "5 s · with
// sound", "480p · per second". A model's only per-task price, with no
// option to name, has an empty label (the card then says "per generation").
func modeLabel(fields []Field, md Mode) (Label, error) {
	type part struct {
		rank, index int
		label       Label
	}
	var parts []part
	for i, f := range fields {
		v, ok := md.When[f.Name]
		if !ok {
			continue
		}
		l, ok := f.OptionLabels[v]
		if !ok {
			return Label{}, fmt.Errorf("mode %q: option %s=%q has no label", md.Source, f.Name, v)
		}
		parts = append(parts, part{labelRank(f.Name), i, l})
	}
	slices.SortFunc(parts, func(a, b part) int { return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.index, b.index)) })
	var ru, en []string
	for _, p := range parts {
		ru, en = append(ru, p.label.RU), append(en, p.label.EN)
	}
	if b := md.PriceBasis(); b.PerUnit() {
		ph := b.Unit.Phrase()
		ru, en = append(ru, ph.RU), append(en, ph.EN)
	}
	return Label{RU: strings.Join(ru, " · "), EN: strings.Join(en, " · ")}, nil
}

// labelRank puts the clip length first and the resolution second, the way
// video prices are usually read ("10 s · 1080p · with sound").
func labelRank(name string) int {
	switch {
	case name == "duration" || name == "n_frames":
		return 0
	case strings.Contains(name, "resolution"):
		return 1
	}
	return 2
}
