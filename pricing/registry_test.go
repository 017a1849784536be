package pricing

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestRegistriesAreFreshAndImmutable(t *testing.T) {
	t.Parallel()
	r1, r2 := Default(), Default()
	m1, err := r1.Model("kling-2.6/text-to-video")
	if err != nil {
		t.Fatal(err)
	}
	fs := m1.Fields()
	fs[3].Values[0] = "999"
	modes := m1.Modes()
	modes[0].When["duration"] = "999"
	modes[0].Credits = 0
	spec := m1.Spec()
	spec.Modes[0].Credits = 0
	for _, r := range []*Registry{r1, r2} {
		m, _ := r.Model("kling-2.6/text-to-video")
		d, _ := m.Field("duration")
		if d.Values[0] != "5" {
			t.Fatalf("a caller's copy changed the registry: %v", d.Values)
		}
		if md, _ := m.Cheapest(); md.Credits != 55*MicroPerCredit || md.When["duration"] != "5" {
			t.Fatalf("a caller's copy changed the modes: %+v", md)
		}
	}
	ms := r1.Models()
	ms[0] = nil
	if r1.Models()[0] == nil {
		t.Fatal("Models must return a fresh slice")
	}
}

func TestModelLookupSuggestsAndExplains(t *testing.T) {
	t.Parallel()
	r := Default()
	for _, tc := range []struct{ in, want string }{
		{"google/nano-bananna", "google/nano-banana"},
		{"nano-banana", "google/nano-banana"},
		{"Kling-2.6/Text-To-Vide", "kling-2.6/text-to-video"},
		{"something-else-entirely", ""},
	} {
		_, err := r.Model(tc.in)
		var ue *UnknownModelError
		if !errors.As(err, &ue) || !errors.Is(err, ErrUnknownModel) || ue.Suggestion != tc.want {
			t.Errorf("Model(%q) = %v, want suggestion %q", tc.in, err, tc.want)
		}
		if tc.want != "" && !strings.Contains(err.Error(), "did you mean") {
			t.Errorf("Model(%q): message %q lacks the suggestion", tc.in, err)
		}
	}
	_, err := r.Model("veo3_fast")
	var de *DisabledModelError
	if !errors.As(err, &de) || !errors.Is(err, ErrModelDisabled) || !strings.Contains(de.Reason, "/api/v1/veo/generate") {
		t.Errorf("disabled model: %v", err)
	}
	if m, ok := r.Lookup("veo3_fast"); !ok || m.Enabled() {
		t.Error("Lookup must return disabled models too")
	}
}

func TestListingsAreCheapestFirst(t *testing.T) {
	t.Parallel()
	r := Default()
	ms := r.Models()
	for i := 1; i < len(ms); i++ {
		a, _ := ms[i-1].Cheapest()
		b, _ := ms[i].Cheapest()
		if a.Credits > b.Credits || (a.Credits == b.Credits && ms[i-1].ID() > ms[i].ID()) {
			t.Fatalf("%s (%s) listed before %s (%s)", ms[i-1].ID(), a.Credits, ms[i].ID(), b.Credits)
		}
	}
	total := 0
	for _, cc := range r.Categories() {
		in := r.ByCategory(cc.Category)
		if len(in) != cc.Count || cc.Count == 0 || cc.Category.Label().RU == "" {
			t.Errorf("category %s: count %d, listed %d", cc.Category, cc.Count, len(in))
		}
		for _, m := range in {
			if m.Category() != cc.Category || !m.Enabled() {
				t.Errorf("%s listed under %s", m.ID(), cc.Category)
			}
		}
		total += cc.Count
	}
	if total != len(ms) {
		t.Errorf("categories count %d models, Models lists %d", total, len(ms))
	}
	for _, m := range r.All() {
		if m.Name("ru") == "" || m.Name("en") == "" || m.Description("ru") == "" || m.Description("en") == "" {
			t.Errorf("%s lacks a name or description", m.ID())
		}
	}
}

// completeInput fills every field of m for one mode with a valid value.
func completeInput(m *Model, md Mode) (Params, map[string][]string) {
	p, files := Params{}, map[string][]string{}
	for _, f := range m.Fields() {
		switch {
		case f.Price:
			p[f.Name] = md.When[f.Name]
		case f.Type == KindFile:
			n := max(f.MinCount, 1)
			for i := range n {
				files[f.Name] = append(files[f.Name], fmt.Sprintf("https://tempfile.example/%s-%d", f.Name, i))
			}
		case f.Type == KindString:
			p[f.Name] = strings.Repeat("a", max(f.MinLength, 3))
		case f.Type == KindEnum, f.Type == KindBool:
			p[f.Name] = f.Options()[0]
		case f.Type == KindInteger, f.Type == KindNumber:
			p[f.Name] = "1"
			if f.Min != "" {
				p[f.Name] = f.Min
			}
		}
	}
	return p, files
}

// For every official mode of every enabled model, a complete input is
// accepted, selects exactly that mode and has JSON-ready types.
func TestEveryModeIsReachableWithAValidInput(t *testing.T) {
	t.Parallel()
	r := Default()
	for _, m := range r.Models() {
		for _, md := range m.Modes() {
			p, files := completeInput(m, md)
			in, err := m.Input(p, files)
			if err != nil {
				t.Errorf("%s %q: %v", m.ID(), md.Label, err)
				continue
			}
			got, err := m.ModeFor(p)
			if err != nil || got.Label != md.Label || got.Credits != md.Credits {
				t.Errorf("%s: params %v select %q (%v), want %q", m.ID(), p, got.Label, err, md.Label)
			}
			for _, f := range m.Fields() {
				v, ok := in[f.Name]
				if f.Required && !ok {
					t.Errorf("%s: required %s missing from input", m.ID(), f.Name)
				}
				if !ok {
					continue
				}
				var typeOK bool
				switch f.Type {
				case KindBool:
					_, typeOK = v.(bool)
				case KindInteger, KindNumber:
					_, typeOK = v.(json.Number)
				case KindFile:
					if f.Multiple {
						_, typeOK = v.([]string)
					} else {
						_, typeOK = v.(string)
					}
				default:
					_, typeOK = v.(string)
				}
				if !typeOK {
					t.Errorf("%s: %s (%s) sent as %T", m.ID(), f.Name, f.Type, v)
				}
			}
		}
	}
}

func TestInputRejectsWhatKieWouldRefuse(t *testing.T) {
	t.Parallel()
	r := Default()
	m, _ := r.Model("kling-2.6/image-to-video")
	md, _ := m.Cheapest()
	p, files := completeInput(m, md)
	for name, mutate := range map[string]func(Params, map[string][]string) error{
		"unknown field":  func(p Params, _ map[string][]string) error { p["colour"] = "red"; return ErrUnknownField },
		"missing prompt": func(p Params, _ map[string][]string) error { delete(p, "prompt"); return ErrRequired },
		"no image":       func(_ Params, f map[string][]string) error { delete(f, "image_urls"); return ErrTooFewFiles },
		"two images": func(_ Params, f map[string][]string) error {
			f["image_urls"] = []string{"a", "b"}
			return ErrTooManyFiles
		},
		"long prompt": func(p Params, _ map[string][]string) error {
			p["prompt"] = strings.Repeat("я", 1001)
			return ErrTooLong
		},
		"bad duration": func(p Params, _ map[string][]string) error { p["duration"] = "7"; return ErrNotInEnum },
	} {
		pp, ff := Params{}, map[string][]string{}
		for k, v := range p {
			pp[k] = v
		}
		for k, v := range files {
			ff[k] = slices.Clone(v)
		}
		want := mutate(pp, ff)
		if _, err := m.Input(pp, ff); !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", name, err, want)
		}
	}
	// A single-value field is filled in: num_images is pinned to "1".
	imagen, _ := r.Model("google/imagen4-fast")
	in, err := imagen.Input(Params{"prompt": "a cat"}, nil)
	if err != nil || in["num_images"] != "1" {
		t.Errorf("imagen4-fast input %v, %v: want num_images \"1\"", in, err)
	}
}

func TestChoicesOfferOnlyPricedCombinations(t *testing.T) {
	t.Parallel()
	r := Default()
	m, _ := r.Model("hailuo/02-image-to-video-standard") // no row for 6 s at 768P
	values := func(cs []Choice) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Value+"@"+c.From.String())
		}
		return out
	}
	for _, tc := range []struct {
		field  string
		chosen Params
		want   []string
	}{
		{"duration", nil, []string{"6@12", "10@20"}},
		{"duration", Params{"resolution": "768P"}, []string{"10@50"}},
		{"resolution", Params{"duration": "6"}, []string{"512P@12"}},
		{"resolution", Params{"duration": "10"}, []string{"512P@20", "768P@50"}},
		{"prompt_optimizer", Params{"duration": "10"}, []string{"false@20", "true@20"}},
	} {
		if got := values(m.Choices(tc.field, tc.chosen)); !slices.Equal(got, tc.want) {
			t.Errorf("Choices(%s, %v) = %v, want %v", tc.field, tc.chosen, got, tc.want)
		}
	}
	p := mustPricer(t, r, Config{USDRUBRate: "100", Markup: "2"})
	pc, err := p.Choices("hailuo/02-image-to-video-standard", "resolution", Params{"duration": "10"})
	if err != nil || len(pc) != 2 || pc[0].FromKopecks != 2000 || pc[1].FromKopecks != 5000 {
		t.Errorf("priced choices %+v, %v", pc, err)
	}
}

// The shipped table confirms no audio, lip-sync or music price, so those
// models are off sale, each for its price alone (an operator confirmation
// can put it on sale) and with what the table does say: the lip-sync rows'
// 15 s limit, Suno's family and two tracks. The one per-unit price the
// table does confirm, Wan 2.2 Animate Move per second, is on sale.
func TestShippedAudioAwaitsConfirmation(t *testing.T) {
	t.Parallel()
	reg := Default()
	for _, id := range []string{
		"elevenlabs/audio-isolation", "elevenlabs/sound-effect-v2", "elevenlabs/text-to-speech-turbo-2-5",
		"V4", "kling/ai-avatar-v1-pro", "kling/v1-avatar-standard", "infinitalk/from-audio",
		"wan/2-2-a14b-speech-to-video-turbo", "topaz/video-upscale",
	} {
		m, ok := reg.Lookup(id)
		if !ok || m.Enabled() {
			t.Errorf("%s: known %t, enabled %t", id, ok, ok && m.Enabled())
			continue
		}
		if d := m.Spec().Disabled; !d.Code.Priceable() || !strings.Contains(d.Reason, "confirmation") {
			t.Errorf("%s: disabled %+v; want a price reason that says a confirmation can lift it", id, d)
		}
	}
	for _, id := range []string{"kling/ai-avatar-v1-pro", "kling/v1-avatar-standard", "infinitalk/from-audio"} {
		m, _ := reg.Lookup(id)
		if f, _ := m.Field("audio_url"); f.MaxSeconds != 15 {
			t.Errorf("%s: audio_url limit %d s, want the rows' 15 s", id, f.MaxSeconds)
		}
	}
	v4, _ := reg.Lookup("V4")
	if v4.Family() != FamilySuno || v4.Endpoint() != SunoGenerateEndpoint || v4.Outputs() != 2 {
		t.Errorf("V4: family %q endpoint %q outputs %d", v4.Family(), v4.Endpoint(), v4.Outputs())
	}
	for _, name := range []string{"prompt", "customMode", "instrumental", "style", "title"} {
		if _, ok := v4.Field(name); !ok {
			t.Errorf("V4 lacks input %s", name)
		}
	}
	move, err := reg.Model("wan/2-2-animate-move")
	if err != nil || !move.PerUnit() {
		t.Fatalf("animate move: %v, per unit %t", err, move != nil && move.PerUnit())
	}
	b, err := move.BasisFor(Params{"resolution": "720p"})
	if err != nil || b != (Basis{Unit: PerOutputSecond, Field: "video_url"}) {
		t.Errorf("animate move basis %+v %v", b, err)
	}
	for _, m := range reg.All() {
		if m.Family() == "" && m.Enabled() {
			t.Errorf("%s is on sale on endpoint %s, which no family drives", m.ID(), m.Endpoint())
		}
	}
}
