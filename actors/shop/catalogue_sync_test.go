package shop

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// The sync compares a changed fake catalogue with what is on sale: a new
// model is listed (and not sold), a removed one and one whose inputs
// changed are taken off sale as the system, a changed prose price is
// reported on the next run, and nothing is put on sale.
func TestCatalogueSyncDiff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(storetest.NewPool(t), 81)
	pricer, err := pricing.NewPricer(pricing.Default(), pricing.Config{USDRUBRate: "95"})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	cat := NewCatalogue(CatalogueConfig{Store: st, Pricer: pricer, Logger: log})
	if err := cat.Load(ctx); err != nil {
		t.Fatal(err)
	}
	ks := kietest.NewServer()
	t.Cleanup(ks.Close)
	for _, m := range pricer.Registry().Models() {
		ks.AddModel(kietest.Model{ID: m.ID(), NoSchema: true, PricingDesc: "4 credits per task"})
	}
	ks.RemoveModel("z-image")
	ks.AddModel(kietest.Model{ID: "acme/new-model", NoSchema: true, PricingDesc: "5 credits per image"})
	ks.AddModel(kietest.Model{ID: "bytedance/seedream", Required: []string{"caption"}, PricingDesc: "4 credits per task"})
	kc, err := kie.New(kie.Config{APIKey: ks.APIKey, BaseURL: ks.URL, CatalogueInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sync := NewCatalogueSync(CatalogueSyncConfig{Store: st, Source: KieCatalogue{Client: kc}, Catalogue: cat, Logger: log})
	rep, err := sync.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The fake also lists its own default models (Suno's), unknown here.
	if !slices.Contains(rep.New, "acme/new-model") || slices.Contains(rep.New, "google/nano-banana") || !slices.Equal(rep.Removed, []string{"z-image"}) ||
		len(rep.SchemaChanged) != 1 || rep.SchemaChanged[0].ModelID != "bytedance/seedream" || len(rep.PriceChanged) != 0 {
		t.Fatalf("report %+v", rep)
	}
	if d := strings.Join(rep.SchemaChanged[0].Changes, "; "); !strings.Contains(d, "input prompt is gone") || !strings.Contains(d, "Kie now requires input caption") {
		t.Fatalf("schema changes %q", d)
	}
	if err := cat.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if off := cat.Off(); !off["z-image"] || !off["bytedance/seedream"] || len(off) != 2 {
		t.Fatalf("off sale: %v", off)
	}
	if _, ok := cat.Pricer().Registry().Lookup("acme/new-model"); ok {
		t.Fatal("a new model went on sale")
	}
	sw, _ := st.ModelSwitches(ctx)
	for _, s := range sw {
		if s.AdminID != store.SystemActor {
			t.Fatalf("switched by %d, not the system", s.AdminID)
		}
	}
	// Kie rewrites a prose price: the next run reports it, and changes no price.
	ks.AddModel(kietest.Model{ID: "acme/new-model", NoSchema: true, PricingDesc: "6 credits per image"})
	rep, err = sync.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.PriceChanged) != 1 || rep.PriceChanged[0] != (ProseChange{ModelID: "acme/new-model", Before: "5 credits per image", After: "6 credits per image"}) ||
		len(rep.Removed) != 0 || len(rep.SchemaChanged) != 0 {
		t.Fatalf("second report %+v", rep)
	}
	if text := rep.Text("en"); !strings.Contains(text, "Kie's prose price changed (1; our prices are unchanged)") {
		t.Fatalf("report text %q", text)
	}
	last, _, _, err := st.LastCatalogueSync(ctx)
	if err != nil || last.FinishedAt.IsZero() || !strings.Contains(last.Report, "acme/new-model") {
		t.Fatalf("stored run %+v, %v", last, err)
	}
}

// Run syncs at once when no run is recorded; a later leader counts the
// period from the run recorded in the database (its clock two hours on: due).
func TestCatalogueSyncRunsWhenDue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(storetest.NewPool(t), 82)
	pricer, err := pricing.NewPricer(pricing.Default(), pricing.Config{USDRUBRate: "95"})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	cat := NewCatalogue(CatalogueConfig{Store: st, Pricer: pricer, Logger: log})
	ks := kietest.NewServer()
	t.Cleanup(ks.Close)
	kc, err := kie.New(kie.Config{APIKey: ks.APIKey, BaseURL: ks.URL, CatalogueInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runs := func() int {
		var n int
		if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM catalogue_syncs WHERE bot_id = 82 AND finished_at IS NOT NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for leader, now := range []func() time.Time{time.Now, func() time.Time { return time.Now().Add(2 * time.Hour) }} {
		sync := NewCatalogueSync(CatalogueSyncConfig{Store: st, Source: KieCatalogue{Client: kc}, Catalogue: cat, Logger: log, Every: time.Hour, Now: now})
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- sync.Run(rctx, actors.Term{}) }()
		if err := waitUntil(ctx, func() (bool, error) { return runs() == leader+1, nil }); err != nil {
			t.Fatalf("leader %d: %v", leader, err)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
