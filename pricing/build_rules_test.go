package pricing

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// A tiny source set: one video model whose table has a duplicate row with a
// different price and no row for one enum value.
const (
	ruleCatalogue = `[
 {"model_id": "v/one", "category": "t2v", "output_media": "video", "display_name": "V One",
  "endpoint": "/api/v1/jobs/createTask",
  "catalogue_price_usd_per_generation": 100.0,
  "input_fields": [
   {"name": "prompt", "type": "string", "required": true, "max": 500, "is_file_input": false, "example": "a cat"},
   {"name": "duration", "type": "string", "required": false, "enum": ["5", "10", "15"], "is_file_input": false,
    "typed_spec": {"type": "enum", "required": false, "values": ["5", "10", "15"]}, "example": "5"},
   {"name": "num_images", "type": "string", "required": false, "enum": ["1", "2"], "is_file_input": false, "example": "1"},
   {"name": "image_url", "type": "string", "required": true, "is_file_input": true, "example": "https://example.com/image.jpg"}
  ]}
]`
	rulePrices = `models:
- id: v/one
  type: t2v
  modes:
  - {unit: video, credits: 22.5, official_usd: 0.1125, notes: Std-5.0s}
  - {unit: video, credits: 50.0, official_usd: 0.25, notes: Std-10.0s}
  - {unit: video, credits: 30.0, official_usd: 0.15, notes: Std-5.0s}
`
	ruleCuration = `categories: {t2v: text-to-video}
quantity_fields: [num_images]
option_labels:
  duration: {seconds: true}
models:
  v/one:
    name: {en: V One, ru: Ви один}
    description: {en: A video model., ru: Видеомодель.}
    price:
      - table: v/one
        modes:
          Std-5.0s: {duration: "5"}
          Std-10.0s: {duration: "10"}
`
)

func ruleSources() BuildSources {
	return BuildSources{Catalogue: []byte(ruleCatalogue), Prices: []byte(rulePrices), Curation: []byte(ruleCuration)}
}

func TestBuildRules(t *testing.T) {
	t.Parallel()
	f, rep, err := Build(ruleSources())
	if err != nil {
		t.Fatal(err)
	}
	m := f.Models[0]
	if !m.Enabled || rep.Enabled != 1 {
		t.Fatalf("model not enabled: %+v", m.Disabled)
	}
	// Conflicting duplicate: the higher price is kept and recorded.
	if len(m.PriceConflicts) != 1 || m.PriceConflicts[0].Kept != 30*MicroPerCredit ||
		!slices.Equal(m.PriceConflicts[0].Credits, []Credits{22_500_000, 30 * MicroPerCredit}) {
		t.Errorf("conflict: %+v", m.PriceConflicts)
	}
	byName := map[string]Field{}
	for _, fl := range m.Fields {
		byName[fl.Name] = fl
	}
	// The unpriced option is removed, the price field made required.
	if d := byName["duration"]; !slices.Equal(d.Values, []string{"5", "10"}) || !d.Price || !d.Required {
		t.Errorf("duration: %+v", d)
	}
	// The quantity input is pinned to 1.
	if n := byName["num_images"]; !slices.Equal(n.Values, []string{"1"}) || !n.Required {
		t.Errorf("num_images: %+v", n)
	}
	removed := map[string]bool{}
	for _, r := range m.RemovedOptions {
		removed[r.Field+"="+r.Value] = true
	}
	if !removed["duration=15"] || !removed["num_images=2"] || len(removed) != 2 {
		t.Errorf("removed options: %+v", m.RemovedOptions)
	}
	// The file input's example placeholder is not a default; its media comes from the name.
	if img := byName["image_url"]; img.Type != KindFile || img.Media != MediaImage || img.Default != nil || img.MaxCount != 1 {
		t.Errorf("image_url: %+v", img)
	}
	if _, err := New(f); err != nil {
		t.Errorf("built registry does not load: %v", err)
	}
}

// The catalogue's USD price is never read: changing it changes nothing but
// the recorded source digest.
func TestBuildIgnoresCataloguePrices(t *testing.T) {
	t.Parallel()
	a, _, err := Build(ruleSources())
	if err != nil {
		t.Fatal(err)
	}
	src := ruleSources()
	src.Catalogue = bytes.Replace(src.Catalogue, []byte(`"catalogue_price_usd_per_generation": 100.0`), []byte(`"catalogue_price_usd_per_generation": 0.0001`), 1)
	b, _, err := Build(src)
	if err != nil {
		t.Fatal(err)
	}
	a.Sources, b.Sources = nil, nil
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatal("the catalogue price influenced the registry")
	}
}

func TestBuildRefusesUnreviewedData(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		edit   func(*BuildSources)
		expect string
	}{
		{"new row in the price table", func(s *BuildSources) {
			s.Prices = append(s.Prices, []byte("  - {unit: video, credits: 80.0, notes: Std-15.0s}\n")...)
		}, `row "Std-15.0s" of price table v/one is neither mapped nor ignored`},
		{"mapping names a missing row", func(s *BuildSources) {
			s.Curation = bytes.Replace(s.Curation, []byte(`Std-10.0s: {duration: "10"}`), []byte(`Std-10.0s: {duration: "10"}
          Std-20.0s: {duration: "15"}`), 1)
		}, `names row "Std-20.0s"`},
		{"value outside the schema enum", func(s *BuildSources) {
			s.Curation = bytes.Replace(s.Curation, []byte(`{duration: "10"}`), []byte(`{duration: "12"}`), 1)
		}, `not allow`},
		{"table exists but is not mapped", func(s *BuildSources) {
			s.Curation = []byte(strings.Split(string(s.Curation), "    price:")[0])
		}, "neither maps nor disables it"},
		{"per-image unit on a video model", func(s *BuildSources) {
			s.Prices = bytes.ReplaceAll(s.Prices, []byte("unit: video"), []byte("unit: image"))
		}, "does not fit a video model"},
		{"misspelt curation key", func(s *BuildSources) {
			s.Curation = bytes.Replace(s.Curation, []byte("description:"), []byte("descripton:"), 1)
		}, "descripton"},
		{"price input without option labels", func(s *BuildSources) {
			s.Curation = bytes.Replace(s.Curation, []byte("  duration: {seconds: true}\n"), nil, 1)
		}, "price input duration has no option_labels"},
		{"per-second basis on rows that price a clip", func(s *BuildSources) {
			s.Curation = bytes.Replace(s.Curation, []byte("      - table: v/one\n"), []byte(`      - table: v/one
        basis: {unit: input-second, field: image_url, why: test}
`), 1)
		}, "not a single audio or video file"},
		{"model without curation", func(s *BuildSources) {
			s.Curation = []byte("categories: {t2v: text-to-video}\nmodels: {}\n")
		}, "no curation entry"},
	} {
		src := ruleSources()
		tc.edit(&src)
		if _, _, err := Build(src); err == nil || !strings.Contains(err.Error(), tc.expect) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.expect)
		}
	}
}

func TestBuildDisablesWithReasons(t *testing.T) {
	t.Parallel()
	src := ruleSources()
	src.Prices = []byte("models: []\n")
	src.Curation = []byte(strings.Split(string(src.Curation), "    price:")[0])
	f, _, err := Build(src)
	if err != nil {
		t.Fatal(err)
	}
	if m := f.Models[0]; m.Enabled || m.Disabled == nil || m.Disabled.Code != DisabledNoPriceTable {
		t.Fatalf("model without a price table: %+v", m.Disabled)
	}
	src = ruleSources()
	src.Catalogue = bytes.Replace(src.Catalogue, []byte("/api/v1/jobs/createTask"), []byte("/api/v1/veo/generate"), 1)
	f, _, err = Build(src)
	if err != nil {
		t.Fatal(err)
	}
	if m := f.Models[0]; m.Enabled || m.Disabled.Code != DisabledEndpoint {
		t.Fatalf("model on another endpoint: %+v", m.Disabled)
	}
}

func TestBuildIsReproducible(t *testing.T) {
	t.Parallel()
	src := readSources(t)
	var outs [][]byte
	for range 3 {
		f, _, err := Build(src)
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.Encode()
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b)
	}
	if !bytes.Equal(outs[0], outs[1]) || !bytes.Equal(outs[1], outs[2]) {
		t.Fatal("same sources built different registries")
	}
}

// A table is priced per unit only where the curation says so and every
// mapped row's notes state that unit: "Turbo-1.0s-720p" prices one second,
// "Turbo-5.0s-720p" a clip.
func TestBuildPerSecondBasisNeedsRowsThatSaySo(t *testing.T) {
	t.Parallel()
	catalogue := `[
 {"model_id": "w/move", "category": "v2v", "output_media": "video", "display_name": "W Move",
  "endpoint": "/api/v1/jobs/createTask",
  "input_fields": [
   {"name": "video_url", "type": "string", "required": true, "is_file_input": true},
   {"name": "resolution", "type": "string", "required": true, "enum": ["480p", "720p"], "is_file_input": false}
  ]}
]`
	prices := `models:
- id: w/move
  modes:
  - {unit: video, credits: 12.0, notes: Turbo-1.0s-480p}
  - {unit: video, credits: 24.0, notes: Turbo-1.0s-720p}
`
	curation := `categories: {v2v: video-to-video}
option_labels:
  resolution: {resolution: true}
models:
  w/move:
    name: {en: W Move, ru: Вэ мув}
    description: {en: Moves., ru: Двигает.}
    price:
      - table: w/move
        basis: {unit: output-second, field: video_url, why: "the rows price one second"}
        modes:
          Turbo-1.0s-480p: {resolution: 480p}
          Turbo-1.0s-720p: {resolution: 720p}
`
	f, _, err := Build(BuildSources{Catalogue: []byte(catalogue), Prices: []byte(prices), Curation: []byte(curation)})
	if err != nil {
		t.Fatal(err)
	}
	m := f.Models[0]
	if !m.Enabled || len(m.Modes) != 2 {
		t.Fatalf("w/move: enabled %t, modes %+v", m.Enabled, m.Modes)
	}
	for _, md := range m.Modes {
		if b := md.PriceBasis(); b.Unit != PerOutputSecond || b.Field != "video_url" || md.Origin != OriginOfficial {
			t.Errorf("mode %q: basis %+v, origin %q", md.Label, b, md.Origin)
		}
	}
	if m.Modes[0].Label != "480p · per second" || m.Modes[0].Labels.RU != "480p · за секунду" {
		t.Errorf("labels %q / %q", m.Modes[0].Label, m.Modes[0].Labels.RU)
	}
	for name, edit := range map[string]func(string, string) (string, string){
		"a clip row": func(p, c string) (string, string) {
			return strings.Replace(p, "Turbo-1.0s-720p", "Turbo-5.0s-720p", 1), strings.Replace(c, "Turbo-1.0s-720p", "Turbo-5.0s-720p", 1)
		},
		"no reason": func(p, c string) (string, string) {
			return p, strings.Replace(c, `why: "the rows price one second"`, `why: ""`, 1)
		},
		"a text field for seconds": func(p, c string) (string, string) {
			return p, strings.Replace(c, "field: video_url", "field: resolution", 1)
		},
	} {
		p, c := edit(prices, curation)
		if _, _, err := Build(BuildSources{Catalogue: []byte(catalogue), Prices: []byte(p), Curation: []byte(c)}); err == nil {
			t.Errorf("%s: built without an error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}
