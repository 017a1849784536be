package shop

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// Not parallel: see the note in broadcast_test.go.

// metricValue finds a gathered sample by name and labels ("" value: any).
func metricValue(t *testing.T, families []*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue next
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue(), true
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// The business metrics are the database's totals, the same on every
// instance: checked here against queries of the source tables.
func TestBusinessMetricsReadTheDatabase(t *testing.T) {
	ctx := context.Background()
	st := storetest.NewStore(t, 71)
	d := seedBusiness(ctx, t, st)
	pay := func(user, stars int64, charge string) {
		t.Helper()
		top, err := st.CreateTopUp(ctx, store.NewTopUp{UserID: user, Stars: stars, Kopecks: stars * 150})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.CompleteTopUp(ctx, store.CompleteParams{Payload: top.Payload, UserID: user, Stars: stars, ChargeID: charge}); err != nil {
			t.Fatal(err)
		}
	}
	reg := actors.NewMetrics("test", nil).Registry
	reg.MustRegister(NewBusinessMetrics(st, slog.New(slog.DiscardHandler), time.Hour))
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := func(name string, labels map[string]string, sql string, args ...any) {
		t.Helper()
		var v float64
		if err := st.Pool().QueryRow(ctx, sql, args...).Scan(&v); err != nil {
			t.Fatal(err)
		}
		got, ok := metricValue(t, families, name, labels)
		if !ok || got != v {
			t.Errorf("%s%v = %v (present %v); the database says %v", name, labels, got, ok, v)
		}
	}
	stars := map[string]string{"method": "stars"}
	want("kiebot_topups_total", stars, `SELECT count(*) FROM topups WHERE charge_id IS NOT NULL`)
	want("kiebot_topup_kopecks_total", stars, `SELECT sum(kopecks) FROM topups WHERE charge_id IS NOT NULL`)
	want("kiebot_refunds_total", map[string]string{"kind": "stars"}, `SELECT count(*) FROM topups WHERE state = 'refunded'`)
	want("kiebot_refund_kopecks_total", map[string]string{"kind": "stars"}, `SELECT sum(kopecks) FROM topups WHERE state = 'refunded'`)
	want("kiebot_refund_kopecks_total", map[string]string{"kind": "job_release"}, `SELECT sum(price_kopecks) FROM jobs WHERE state IN ('failed', 'expired')`)
	for _, c := range []struct{ model, outcome string }{{"z-image", "succeeded"}, {"z-image", "failed"}, {"veo", "expired"}} {
		want("kiebot_jobs_finished_total", map[string]string{"model": c.model, "outcome": c.outcome},
			`SELECT count(*) FROM jobs WHERE model_id = $1 AND state = $2`, c.model, c.outcome)
	}
	want("kiebot_sales_kopecks_total", map[string]string{"model": "z-image"}, `SELECT sum(price_kopecks) FROM jobs WHERE model_id = 'z-image' AND state = 'succeeded'`)
	want("kiebot_sales_kopecks_total", map[string]string{"model": "veo"}, `SELECT 0`)
	want("kiebot_kie_balance_credits", nil, `SELECT credits_micro / 1e6 FROM kie_balance`)
	want("kiebot_kie_balance_read_timestamp_seconds", nil, `SELECT floor(extract(epoch FROM read_at) * 1000) / 1000 FROM kie_balance`)
	want("kiebot_broadcast_active", map[string]string{"state": "sending"}, `SELECT 1`)
	want("kiebot_broadcast_active", map[string]string{"state": "paused"}, `SELECT 0`)
	for _, state := range []string{"pending", "attempting", "sent", "unknown"} {
		want("kiebot_broadcast_recipients", map[string]string{"state": state},
			`SELECT count(*) FROM broadcast_recipients WHERE broadcast_id = $1 AND state = $2`, d.ID, state)
	}

	// Within the cache a scrape does not query again; /metrics serves it.
	pay(1, 1000, "c4")
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if body := rec.Body.String(); !strings.Contains(body, `kiebot_topups_total{method="stars"} 3`) {
		t.Fatalf("/metrics:\n%s", body)
	}
	// Another instance (a fresh collector) reads the new totals.
	other := actors.NewMetrics("test", nil).Registry
	other.MustRegister(NewBusinessMetrics(st, slog.New(slog.DiscardHandler), time.Hour))
	families, _ = other.Gather()
	if v, _ := metricValue(t, families, "kiebot_topups_total", stars); v != 4 {
		t.Fatalf("a second instance reports %v top-ups; want 4", v)
	}
}

// seedBusiness gives bot 71's store one of each business figure: paid
// and refunded top-ups, jobs finished every way, Kie's balance and a
// sending broadcast with recipients in several states, which it returns.
func seedBusiness(ctx context.Context, t *testing.T, st *store.Store) store.Broadcast {
	t.Helper()
	for u := int64(1); u <= 3; u++ {
		if _, _, err := st.TouchUser(ctx, store.SeenUser{ID: u, ChatID: u}); err != nil {
			t.Fatal(err)
		}
	}
	pay := func(user, stars int64, charge string) {
		t.Helper()
		top, err := st.CreateTopUp(ctx, store.NewTopUp{UserID: user, Stars: stars, Kopecks: stars * 150})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.CompleteTopUp(ctx, store.CompleteParams{Payload: top.Payload, UserID: user, Stars: stars, ChargeID: charge}); err != nil {
			t.Fatal(err)
		}
	}
	pay(1, 100, "c1")
	pay(2, 50, "c2")
	pay(3, 10, "c3")
	if _, _, err := st.HoldTopUpRefund(ctx, "c3"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.ConfirmTopUpRefund(ctx, "c3"); err != nil {
		t.Fatal(err)
	}
	finish := func(user int64, model string, price int64, outcome store.JobState) {
		t.Helper()
		j, _, err := st.CreateJob(ctx, store.NewJob{UserID: user, ChatID: user, ModelID: model, PriceKopecks: price,
			IdempotencyKey: fmt.Sprint(model, user, price, outcome), Deadline: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.FinishJob(ctx, store.FinishParams{JobID: j.ID, Outcome: outcome}); err != nil {
			t.Fatal(err)
		}
	}
	finish(1, "z-image", 1_00, store.JobSucceeded)
	finish(1, "z-image", 2_00, store.JobSucceeded)
	finish(2, "z-image", 3_00, store.JobFailed)
	finish(2, "veo", 40_00, store.JobExpired)
	if _, err := st.SaveKieBalance(ctx, 812_500_000); err != nil {
		t.Fatal(err)
	}
	_, lease, err := store.ClaimLease(ctx, st.Pool(), store.ClaimParams{BotID: 71, Holder: "t", InstanceStartedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := st.CreateBroadcast(ctx, store.NewBroadcast{Text: "x", CreatedBy: 1})
	if _, err := st.MarkBroadcastPreviewed(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.StartBroadcast(ctx, d.ID, store.ProgressRef{}); err != nil {
		t.Fatal(err)
	}
	claimed, _, err := st.ClaimRecipients(ctx, d.ID, lease.Epoch, 2)
	if err != nil || len(claimed) != 2 {
		t.Fatal(claimed, err)
	}
	if _, err := st.RecordRecipient(ctx, d.ID, lease.Epoch, claimed[0].UserID, store.RecipientSent, ""); err != nil {
		t.Fatal(err)
	}

	return d
}
