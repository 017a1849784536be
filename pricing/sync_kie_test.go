package pricing_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/pricing"
)

// kieSource adapts the kie client as cmd/kiebot does for `registry sync`.
type kieSource struct{ c *kie.Client }

func (k kieSource) ListModels(ctx context.Context) ([]pricing.CatalogueModel, error) {
	ms, err := k.c.ListModels(ctx)
	var out []pricing.CatalogueModel
	for _, m := range ms {
		out = append(out, pricing.CatalogueModel{ID: m.Model, Title: m.Title, TaskTypes: m.TaskTypes, PricingDesc: m.PricingDesc})
	}
	return out, err
}

func (k kieSource) ModelSchema(ctx context.Context, id string) (json.RawMessage, error) {
	s, err := k.c.ModelSchema(ctx, id)
	return s.OpenAPI, err
}

func (k kieSource) ModelPrice(ctx context.Context, id string) (string, error) {
	p, err := k.c.ModelPrice(ctx, id)
	return p.PricingDesc, err
}

// Sync against the fake Kie server over real HTTP: flat prose prices are
// taken, anything with two prices or a rate is disabled.
func TestSyncOverHTTPWithKieTest(t *testing.T) {
	t.Parallel()
	srv := kietest.NewServer()
	t.Cleanup(srv.Close)
	client, err := kie.New(kie.Config{APIKey: kietest.DefaultAPIKey, BaseURL: srv.URL, CatalogueInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f, err := pricing.Sync(context.Background(), kieSource{client}, pricing.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]pricing.ModelSpec{}
	for _, m := range f.Models {
		got[m.ID] = m
	}
	for id, want := range map[string]string{
		"google/nano-banana":                  "4",   // "4 credits per image"
		"z-image":                             "0.8", // "0.8 credits per image"
		"seedream/4.5-edit":                   "6.5",
		"nano-banana-pro":                     "", // "18 credits (1K/2K), 24 credits (4K)"
		"kling-2.6/text-to-video":             "", // "55 credits per 5 s, 110 per 10 s"
		"elevenlabs/text-to-speech-turbo-2-5": "", // "6 credits per 1000 characters"
	} {
		m, ok := got[id]
		if !ok {
			t.Errorf("%s missing from the sync", id)
			continue
		}
		price := ""
		if m.Enabled {
			price = m.Modes[0].Credits.String()
		}
		if price != want {
			t.Errorf("%s: enabled=%t price %q (disabled: %+v), want %q", id, m.Enabled, price, m.Disabled, want)
		}
		if m.Endpoint != pricing.CreateTaskEndpoint || len(m.Fields) == 0 {
			t.Errorf("%s: endpoint %q, fields %+v", id, m.Endpoint, m.Fields)
		}
	}
	// A Suno version's schema is Suno's own endpoint: the sync records the
	// family, keeps the prose whole, and leaves its flat price unreviewed.
	v4 := got["V4"]
	if v4.Endpoint != pricing.SunoGenerateEndpoint || v4.Family != pricing.FamilySuno || v4.PricingDesc == "" || len(v4.Fields) == 0 {
		t.Errorf("V4: endpoint %q family %q prose %q fields %+v, disabled %+v", v4.Endpoint, v4.Family, v4.PricingDesc, v4.Fields, v4.Disabled)
	}
	for _, fl := range v4.Fields {
		if fl.Name == "model" || fl.Name == "callBackUrl" {
			t.Errorf("V4: the body's %s became an input", fl.Name)
		}
	}
}

// Once an operator confirms Suno's price, the registry's V4 entry drives
// the Suno client end to end: its Input is a body Suno accepts, the task
// makes Model.Outputs() tracks, and the fake bills what the quote says.
func TestConfirmedSunoRunsOnTheSunoEndpoints(t *testing.T) {
	t.Parallel()
	reg, rep := pricing.Default().WithConfirmations([]pricing.Confirmation{{
		Kind: pricing.ConfirmPrice, ModelID: "V4", Unit: pricing.PerTask, CreditsPerUnit: 12 * pricing.MicroPerCredit,
		Source: "https://docs.kie.ai/suno-api/generate-music", ConfirmedAt: time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC), ConfirmedBy: "tg:42",
	}})
	if len(rep.Applied) != 1 {
		t.Fatal(rep.Rejected)
	}
	m, err := reg.Model("V4")
	if err != nil || m.Family() != pricing.FamilySuno {
		t.Fatalf("V4: %v, family %q", err, m.Family())
	}
	p, err := pricing.NewPricer(reg, pricing.Config{USDRUBRate: "90"})
	if err != nil {
		t.Fatal(err)
	}
	params := pricing.Params{"prompt": "a calm piano track", "customMode": "false", "instrumental": "true", "style": "ambient", "title": "Calm"}
	q, err := p.Quote(m.ID(), params)
	if err != nil {
		t.Fatal(err)
	}
	input, err := m.Input(params, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := kietest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetCredits(100)
	client, err := kie.New(kie.Config{APIKey: kietest.DefaultAPIKey, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ct, err := client.GenerateMusic(context.Background(), kie.GenerateMusicRequest{Model: m.ID(), CallbackURL: "https://bot.example.com/kie/callback?job=1", Input: input})
	if err != nil {
		t.Fatal(err)
	}
	srv.Advance(10 * time.Minute)
	task, err := client.MusicRecordInfo(context.Background(), ct.TaskID)
	if err != nil || task.Err() != nil {
		t.Fatalf("%+v %v", task, err)
	}
	if len(task.Result.URLs) != m.Outputs() || m.Outputs() != 2 {
		t.Errorf("%d tracks delivered, registry says %d", len(task.Result.URLs), m.Outputs())
	}
	if spent := 100 - srv.Credits(); pricing.Credits(spent*pricing.MicroPerCredit) != q.Credits {
		t.Errorf("Kie billed %v credits, the quote said %s", spent, q.Credits)
	}
}
