package pricing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// fakeCatalogue implements CatalogueSource from maps, recording calls.
type fakeCatalogue struct {
	models  []CatalogueModel
	schemas map[string]string
	prices  map[string]string
	calls   []string
}

func (f *fakeCatalogue) ListModels(context.Context) ([]CatalogueModel, error) {
	f.calls = append(f.calls, "list")
	return f.models, nil
}

func (f *fakeCatalogue) ModelSchema(ctx context.Context, id string) (json.RawMessage, error) {
	f.calls = append(f.calls, "schema "+id)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, ok := f.schemas[id]
	if !ok {
		return nil, errors.New("404 model not supported")
	}
	if s == "" {
		return nil, nil
	}
	return json.RawMessage(s), nil
}

func (f *fakeCatalogue) ModelPrice(_ context.Context, id string) (string, error) {
	f.calls = append(f.calls, "price "+id)
	return f.prices[id], nil
}

// openapi wraps an input schema the way Kie publishes it, with the input
// object behind a $ref as in the per-model documents.
func openapi(path, input string) string {
	return fmt.Sprintf(`{"openapi":"3.1.0","paths":{%q:{"post":{"requestBody":{"content":{"application/json":{"schema":{
	  "type":"object","required":["model"],
	  "properties":{"model":{"type":"string","enum":["x"]},"callBackUrl":{"type":"string","format":"uri"},
	                "input":{"$ref":"#/components/schemas/Input"}}}}}}}}},
	  "components":{"schemas":{"Input":%s}}}`, path, input)
}

const editInput = `{"type":"object","required":["prompt","image_urls","aspect_ratio","num_images"],"properties":{
  "prompt":{"type":"string","maxLength":3000},
  "image_urls":{"type":"array","description":"Accepted types: image/jpeg, image/png; Max size: 10.0MB","items":{"type":"string","format":"uri"},"maxItems":14},
  "aspect_ratio":{"type":"string","enum":["1:1","16:9"],"default":"1:1"},
  "num_images":{"type":"string","enum":["1","2","4"]},
  "guidance":{"type":["number","null"],"minimum":0,"maximum":20},
  "shots":{"type":"array","items":{"type":"object"}}
}}`

func TestSyncTypesSchemasAndTrustsOnlyUnambiguousPrices(t *testing.T) {
	t.Parallel()
	src := &fakeCatalogue{
		models: []CatalogueModel{
			{ID: "acme/edit", Title: "Acme Edit", TaskTypes: []string{"Image to Image"}, PricingDesc: "4 credits per image ($0.02)"},
			{ID: "acme/video", Title: "Acme Video", TaskTypes: []string{"Text to Video"}},
			{ID: "acme/clip", Title: "Acme Clip", TaskTypes: []string{"Text to Video"}, PricingDesc: "12 credits per video"},
			{ID: "acme/family", Title: "Acme Family", TaskTypes: []string{"Text to Video"}, PricingDesc: "60 credits"},
			{ID: "acme/unsynced", Title: "Acme Unsynced", TaskTypes: []string{"Text to Image"}, PricingDesc: "2 credits"},
		},
		schemas: map[string]string{
			"acme/edit":     openapi("/api/v1/jobs/createTask", editInput),
			"acme/video":    openapi("/api/v1/jobs/createTask", `{"type":"object","properties":{"prompt":{"type":"string"}}}`),
			"acme/clip":     openapi("/api/v1/jobs/createTask", `{"type":"object","required":["duration"],"properties":{"duration":{"type":"string","enum":["5","10"]}}}`),
			"acme/family":   openapi("/api/v1/veo/generate", `{"type":"object","properties":{"prompt":{"type":"string"}}}`),
			"acme/unsynced": "",
		},
		prices: map[string]string{"acme/video": "A 5-second video costs 160 credits (0.80 USD)"},
	}
	cur := []byte(`quantity_fields: [num_images]
models:
  acme/edit:
    name: {en: Acme Edit, ru: Акме правка}
    description: {en: Edits images., ru: Правит картинки.}
`)
	f, err := Sync(context.Background(), src, SyncOptions{Curation: cur})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]ModelSpec{}
	for _, m := range f.Models {
		got[m.ID] = m
	}

	edit := got["acme/edit"]
	if !edit.Enabled || len(edit.Modes) != 1 || edit.Modes[0].Credits != 4*MicroPerCredit {
		t.Fatalf("acme/edit: enabled %t, modes %+v, disabled %+v", edit.Enabled, edit.Modes, edit.Disabled)
	}
	// The prose is kept whole for ProposeConfirmations, and the price it gave
	// is marked unreviewed: the audit refuses to sell it.
	if edit.PricingDesc != "4 credits per image ($0.02)" || edit.Modes[0].Origin != OriginLiveProse || edit.Family != FamilyMarket {
		t.Errorf("acme/edit: prose %q, origin %q, family %q", edit.PricingDesc, edit.Modes[0].Origin, edit.Family)
	}
	if d := Audit(f); !slices.ContainsFunc(d, func(d Defect) bool { return d.Model == "acme/edit" && d.Code == DefectUnsourcedPrice }) {
		t.Errorf("the audit would sell a price read from prose: %v", d)
	}
	if edit.Name.RU != "Акме правка" || edit.Category != ImageToImage || edit.Output != MediaImage || edit.Endpoint != CreateTaskEndpoint {
		t.Errorf("acme/edit metadata: %+v", edit)
	}
	var names []string
	fields := map[string]Field{}
	for _, fl := range edit.Fields {
		names = append(names, fl.Name)
		fields[fl.Name] = fl
	}
	// Document order kept; the object list (shots) dropped as uncollectable.
	if !slices.Equal(names, []string{"prompt", "image_urls", "aspect_ratio", "num_images", "guidance"}) {
		t.Errorf("fields %v", names)
	}
	if im := fields["image_urls"]; im.Type != KindFile || !im.Multiple || im.Media != MediaImage || im.MaxCount != 14 || im.MaxBytes != 10_000_000 || im.MinCount != 1 {
		t.Errorf("image_urls: %+v", im)
	}
	if ar := fields["aspect_ratio"]; ar.Type != KindEnum || ar.Default == nil || *ar.Default != "1:1" {
		t.Errorf("aspect_ratio: %+v", ar)
	}
	if n := fields["num_images"]; !slices.Equal(n.Values, []string{"1"}) {
		t.Errorf("num_images not pinned: %+v", n)
	}
	if g := fields["guidance"]; g.Type != KindNumber || g.Min != "0" || g.Max != "20" || g.Required {
		t.Errorf("guidance: %+v", g)
	}
	if p := fields["prompt"]; p.Type != KindString || p.MaxLength != 3000 || !p.Required {
		t.Errorf("prompt: %+v", p)
	}

	for id, code := range map[string]DisabledCode{
		"acme/video":    DisabledUnmapped, // "5-second ... 160 credits": the 5 qualifies the price
		"acme/clip":     DisabledUnmapped, // flat price, but duration offers 5 and 10
		"acme/family":   DisabledEndpoint,
		"acme/unsynced": DisabledSchema,
	} {
		m := got[id]
		if m.Enabled || m.Disabled == nil || m.Disabled.Code != code {
			t.Errorf("%s: enabled %t, disabled %+v, want code %s", id, m.Enabled, m.Disabled, code)
		}
	}
	// The price endpoint is asked only when the listing has no pricingDesc.
	if slices.Contains(src.calls, "price acme/edit") || !slices.Contains(src.calls, "price acme/video") {
		t.Errorf("calls %v", src.calls)
	}
	if _, err := New(f); err == nil || !strings.Contains(err.Error(), "missing-name") {
		t.Errorf("a sync result without Russian names must fail the audit, got %v", err)
	}
}

func TestSyncStopsOnCancellation(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src := &fakeCatalogue{models: []CatalogueModel{{ID: "a"}}, schemas: map[string]string{}}
	if _, err := Sync(ctx, src, SyncOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestParsePricingDesc(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string // credits, or "" when refused
	}{
		{"4 credits per image", "4"},
		{"Each image costs 6.5 credits ($0.0325).", "6.5"},
		{"0.8 credit per generation, about 0.004 USD", "0.8"},
		{"A 5-second video costs 160 credits (0.80 USD)", ""},
		{"18 credits (1K/2K), 24 credits (4K)", ""},
		{"From 12 credits", ""},
		{"12 credits per second of video", ""},
		{"Price varies: 10 credits", ""},
		{"6 credits per characters block", ""},
		{"2 credits, billed per minutes", ""},
		{"", ""},
		{"free", ""},
		{"0 credits", ""},
	} {
		c, why := parsePricingDesc(tc.in)
		got := ""
		if why == "" {
			got = c.String()
		}
		if got != tc.want {
			t.Errorf("parsePricingDesc(%q) = %q (%s), want %q", tc.in, got, why, tc.want)
		}
	}
}
