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
}
