package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// Overruns count towards taking a model off sale only above the tolerance
// and only since an admin last switched the model back on; the system's
// switch is audited once however often it is repeated.
func TestCostOverrunsSinceReview(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(storetest.NewPool(t), 71)
	for i, billed := range []int64{1_050_000, 2_000_000} { // +5 %, +100 %
		ok, err := st.RecordCostOverrun(ctx, store.CostOverrun{JobID: int64(i + 1), ModelID: "m", QuotedMicro: 1_000_000, BilledMicro: billed})
		if err != nil || !ok {
			t.Fatalf("record %d: %v, %v", i, ok, err)
		}
	}
	if ok, err := st.RecordCostOverrun(ctx, store.CostOverrun{JobID: 1, ModelID: "m", QuotedMicro: 1_000_000, BilledMicro: 1_050_000}); err != nil || ok {
		t.Fatalf("a job recorded twice: %v, %v", ok, err)
	}
	if _, err := st.RecordCostOverrun(ctx, store.CostOverrun{JobID: 3, ModelID: "m", QuotedMicro: 5, BilledMicro: 5}); err == nil {
		t.Fatal("a bill equal to its quote recorded as an overrun")
	}
	if n, err := st.CostOverrunsSinceReview(ctx, "m", 10); err != nil || n != 1 {
		t.Fatalf("over 10%%: %d, %v", n, err)
	}
	if n, _ := st.CostOverrunsSinceReview(ctx, "m", 0); n != 2 {
		t.Fatalf("over 0%%: %d", n)
	}
	for range 2 {
		if _, err := st.TakeOffSaleForCost(ctx, "m", "too dear", "2"); err != nil {
			t.Fatal(err)
		}
	}
	as, _, err := st.AdminActions(ctx, store.AdminActionFilter{})
	if err != nil || len(as) != 1 || as[0].AdminID != store.SystemActor || as[0].Action != "model_off" {
		t.Fatalf("audit: %+v, %v", as, err)
	}
	// An admin reviews it and switches it on: older overruns no longer count.
	if _, _, err := st.SetModelSwitch(ctx, store.ModelSwitch{ModelID: "m", Off: false, AdminID: 900}); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.CostOverrunsSinceReview(ctx, "m", 0); n != 0 {
		t.Fatalf("after the review: %d", n)
	}
}

// The catalogue sync's runs: the last one, the last successful one and its
// prices.
func TestCatalogueSyncRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(storetest.NewPool(t), 72)
	if _, _, _, err := st.LastCatalogueSync(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before any run: %v", err)
	}
	a, err := st.StartCatalogueSync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.FinishCatalogueSync(ctx, a.ID, "ok", map[string]string{"m": "4 credits"}, ""); err != nil {
		t.Fatal(err)
	}
	b, _ := st.StartCatalogueSync(ctx)
	if err := st.FinishCatalogueSync(ctx, b.ID, "", nil, "kie down"); err != nil {
		t.Fatal(err)
	}
	last, ok, found, err := st.LastCatalogueSync(ctx)
	if err != nil || !found || last.ID != b.ID || last.Failure != "kie down" || !last.FinishedAt.IsZero() ||
		ok.ID != a.ID || ok.Prices["m"] != "4 credits" || ok.FinishedAt.IsZero() {
		t.Fatalf("last %+v, last ok %+v (%t), %v", last, ok, found, err)
	}
}
