package pricing

import (
	"regexp"
	"strings"
	"testing"
)

// Every option label in the shipped registry names the option in words: a
// clip length ("10 s"), a resolution ("1080p", "2K"), a quality, speed or
// sound setting from the curation's vocabulary, or the unit of a per-unit
// price. Table notes ("1.0s", "Lite-5.0s-720p", "default-…") never reach a
// user, and a model's only per-task price has no label at all.
func TestShippedOptionLabelsAreWords(t *testing.T) {
	t.Parallel()
	cur, err := decodeCuration(readSources(t).Curation)
	if err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{}
	for _, rule := range cur.OptionLabels {
		for _, l := range rule.Values {
			words[l.EN], words[l.RU] = true, true
		}
	}
	for _, u := range Units()[1:] {
		words[u.Phrase().EN], words[u.Phrase().RU] = true, true
	}
	seconds := regexp.MustCompile(`^[0-9]+(\.[0-9]+)?[ \x{00a0}][sс]$`)
	resolution := regexp.MustCompile(`^[0-9]+(p|K)$`)
	notes := regexp.MustCompile(`[0-9]\.0s|secondss|default|per task|^-|-$|[A-Za-z]-[0-9]`)
	meaningful := func(part string) bool {
		return seconds.MatchString(part) || resolution.MatchString(part) || words[part]
	}
	checked := 0
	for _, m := range Default().All() {
		spec := m.Spec()
		for _, f := range spec.Fields {
			if !f.Price {
				continue
			}
			for _, v := range f.Options() {
				l, ok := f.OptionLabels[v]
				if !ok || !meaningful(l.EN) || !meaningful(l.RU) {
					t.Errorf("%s: option %s=%q is labelled %+v", m.ID(), f.Name, v, l)
				}
			}
		}
		for _, md := range spec.Modes {
			checked++
			if md.Label != md.Labels.EN || (md.Label == "") != (md.Labels.RU == "") {
				t.Errorf("%s: label %q does not match labels %+v", m.ID(), md.Label, md.Labels)
			}
			named := len(md.When) > 0 || md.PriceBasis().PerUnit()
			if !named {
				if md.Label != "" {
					t.Errorf("%s: the only per-task price is labelled %q; it has no option to name", m.ID(), md.Label)
				}
				continue
			}
			for _, l := range []string{md.Labels.EN, md.Labels.RU} {
				if notes.MatchString(l) {
					t.Errorf("%s: label %q reads like a price-table note", m.ID(), l)
				}
				for _, part := range strings.Split(l, " · ") {
					if !meaningful(part) {
						t.Errorf("%s: label %q has %q, which is not a duration, resolution, quality, count or unit", m.ID(), l, part)
					}
				}
			}
		}
	}
	if z, _ := Default().Model("z-image"); z != nil {
		if md, _ := z.Cheapest(); md.Label != "" {
			t.Errorf("z-image's only price is labelled %q", md.Label)
		}
	}
	if checked < 150 {
		t.Fatalf("only %d modes checked", checked)
	}
}
