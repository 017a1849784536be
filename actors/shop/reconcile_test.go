package shop

import (
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// When the fake Kie bills more than we quoted, the job is recorded, the
// admins are told the job, the model and the difference, and — over the
// tolerance — the model goes off sale at once, switched off and audited as
// the system, until an admin switches it back on. An overrun within the
// tolerance is told and recorded but sells on.
func TestReconcileTakesAModelKieBillsMoreForOffSale(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}, welcome: 100_00, reconcile: ReconcileConfig{TolerancePct: 10}})
	ctx := actorstest.Context(t, 120*time.Second)
	admin := s.newClientAs(ctx, consoleAdmin, "Boss")
	// z-image is quoted 0.8 credits; Kie bills 1.2 (+50 %). Seedream is
	// quoted 5; Kie bills 5.2 (+4 %).
	s.kie.AddModel(kietest.Model{ID: "z-image", Output: kietest.Image, Price: 1.2})
	s.kie.AddModel(kietest.Model{ID: "bytedance/seedream", Output: kietest.Image, Price: 5.2})
	s.startShop("a", shopOptions{})
	if err := s.TG.WaitFor(ctx, func() bool { return s.LeaderName() == "a" }); err != nil {
		t.Fatal(err)
	}
	s.waitListeners(ctx, 1)
	ann := s.newClient(ctx, "Ann", "en")
	admin.cmdScreen("start") // the admin is known, in English

	for _, id := range []string{"bytedance/seedream", "z-image"} {
		screen := ann.mustOrder(id)
		since := ann.mark()
		ann.confirm(screen)
		ann.waitResult(since)
	}
	js := s.waitSettled(ctx)
	if len(js) != 2 || js[0].State != "succeeded" || js[1].State != "succeeded" {
		t.Fatalf("jobs: %+v", js)
	}
	// The users paid the quotes; the overruns are the shop's loss, not theirs.
	if js[1].Price != s.mustQuote(t, "z-image") {
		t.Fatalf("z-image charged %d, quoted %d", js[1].Price, s.mustQuote(t, "z-image"))
	}
	alerts := func(sub string) int {
		n := 0
		for _, m := range s.Bot.Messages(consoleAdmin) {
			if strings.Contains(m.Text, sub) {
				n++
			}
		}
		return n
	}
	if err := waitUntil(ctx, func() (bool, error) { return alerts("is off sale: Kie billed") == 1, nil }); err != nil {
		t.Fatalf("no off-sale alert: %v\n%v", err, s.Bot.Messages(consoleAdmin))
	}
	if alerts("Kie billed order #2 (z-image) more than we quoted: 0.8 credits quoted, 1.2 billed, 0.4 more (+50%)") != 1 ||
		alerts("Kie billed order #1 (bytedance/seedream) more than we quoted: 5 credits quoted, 5.2 billed, 0.2 more (+4%)") != 1 {
		t.Fatalf("overrun alerts: %+v", s.Bot.Messages(consoleAdmin))
	}
	if err := waitUntil(ctx, func() (bool, error) { return s.catalogue("a").Off()["z-image"], nil }); err != nil {
		t.Fatal(err)
	}
	if s.catalogue("a").Off()["bytedance/seedream"] {
		t.Fatal("an overrun within the tolerance took the model off sale")
	}
	sw, err := s.st.ModelSwitches(ctx)
	if err != nil || len(sw) != 1 || sw[0].ModelID != "z-image" || !sw[0].Off || sw[0].AdminID != store.SystemActor ||
		!strings.Contains(sw[0].Reason, "#2, 1.2 credits billed for 0.8 quoted") {
		t.Fatalf("switches: %+v, %v", sw, err)
	}
	if as := s.adminActions(ctx, "model_off", 0); len(as) != 1 || as[0].AdminID != store.SystemActor || as[0].Target != "z-image" {
		t.Fatalf("audit: %+v", as)
	}
	var overruns int
	if err := s.st.Pool().QueryRow(ctx, `SELECT count(*) FROM cost_overruns`).Scan(&overruns); err != nil || overruns != 2 {
		t.Fatalf("%d overruns recorded (%v), want 2", overruns, err)
	}
	if _, err := ann.orderUpTo("z-image"); err == nil {
		t.Fatal("z-image is still on sale")
	}
	// The console's statistics show quoted against billed.
	stats := admin.cmdScreen("stats")
	if !strings.Contains(stats.Text, "Kie: quoted 0.8 · billed 1.2 credits ⚠️") {
		t.Fatalf("stats: %q", stats.Text)
	}
	s.checkBooks(ctx)
}

// mustQuote is the user price of a model's cheapest flat mode.
func (s *shop) mustQuote(t *testing.T, id string) int64 {
	t.Helper()
	q, err := s.pricer.Quote(id, pricing.Params{})
	if err != nil {
		q, err = s.pricer.From(id)
	}
	if err != nil {
		t.Fatal(err)
	}
	return q.Kopecks
}

// The balance watch checks that Kie's balance falls by what the jobs say:
// a job billed as reported leaves no gap; credits spent behind the shop's
// back (another user of the key) are reported.
func TestKieWatchReportsABalanceGap(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}, welcome: 100_00, kieEvery: time.Hour})
	ctx := actorstest.Context(t, 120*time.Second)
	admin := s.newClientAs(ctx, consoleAdmin, "Boss")
	s.kie.SetCredits(1000)
	s.startShop("a", shopOptions{})
	kw := s.parts["a"].kieWatch
	if err := waitUntil(ctx, func() (bool, error) { _, _, err := kw.Balance(ctx); return err == nil, nil }); err != nil {
		t.Fatal(err)
	}
	admin.cmdScreen("start")
	ann := s.newClient(ctx, "Ann", "en")
	screen := ann.mustOrder("z-image")
	since := ann.mark()
	ann.confirm(screen)
	ann.waitResult(since)
	s.waitSettled(ctx)
	if got, _, err := kw.Refresh(ctx); err != nil || got != kie.Credits(999_200_000) {
		t.Fatalf("Refresh = %s, %v", got, err)
	}
	gaps := func() int { return s.received(consoleAdmin, "unaccounted for") }
	if n := gaps(); n != 0 {
		t.Fatalf("a balance that fell by the job's bill was reported: %d", n)
	}
	s.kie.SetCredits(999.2 - 50)
	if _, _, err := kw.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bot.WaitMessage(ctx, consoleAdmin, func(m telegramtest.Message) bool {
		return strings.Contains(m.Text, "fell by 50 credits since the last reading, but the orders finished meanwhile account for only 0: 50 credits unaccounted for")
	}); err != nil {
		t.Fatalf("no gap alert: %v", err)
	}
}
