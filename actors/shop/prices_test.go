package shop

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/store"
)

const ttsModel = "elevenlabs/text-to-speech-turbo-2-5"

// An admin confirms the price of a model the registry ships disabled for
// its price: without a source the console refuses to confirm it; with one
// it is stored and audited, and the model goes on sale on every instance
// (each catalogue rebuilds its registry on the NOTIFY) at the confirmed
// price, per started 1,000 characters of the user's text.
func TestConsoleConfirmedPriceGoesOnSaleEverywhere(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}, welcome: 100_00})
	ctx := actorstest.Context(t, 120*time.Second)
	s.startShop("a", shopOptions{})
	if err := s.TG.WaitFor(ctx, func() bool { return s.LeaderName() == "a" }); err != nil {
		t.Fatal(err)
	}
	s.startShop("b", shopOptions{})
	s.waitListeners(ctx, 2)
	ann := s.newClient(ctx, "Ann", "en")
	if _, err := ann.orderUpTo(ttsModel); err == nil {
		t.Fatal("the speech model is on sale before any confirmation")
	}
	admin := s.newClientAs(ctx, consoleAdmin, "Boss")

	// No source: shown, refused, nothing to confirm.
	noSource := admin.cmdScreen("confirmprice", ttsModel, "6", "1000-characters")
	if !strings.Contains(noSource.Text, "source is required") {
		t.Fatalf("a confirmation without a source: %q", noSource.Text)
	}
	if _, ok := button(noSource, containing("✅ Confirm")); ok {
		t.Fatalf("a confirmation without a source can be confirmed: %+v", noSource.Buttons())
	}
	// An official price cannot be overridden either.
	official := admin.cmdScreen("confirmprice", "z-image", "0.1", "task", "https://kie.ai/pricing")
	if _, ok := button(official, containing("✅ Confirm")); ok || !strings.Contains(official.Text, "official") {
		t.Fatalf("a confirmation over an official price: %q", official.Text)
	}

	conf := admin.cmdScreen("confirmprice", ttsModel, "6", "1000-characters:text", "2026-12-01", "https://kie.ai/elevenlabs-tts", "turbo row")
	if !strings.Contains(conf.Text, "6 credits per 1,000 characters") || !strings.Contains(conf.Text, "5,70") {
		t.Fatalf("confirmation screen: %q", conf.Text)
	}
	if out := admin.mustTap(conf, "✅ Confirm"); !strings.Contains(out.Text, "on sale on every instance") {
		t.Fatalf("confirm outcome: %q", out.Text)
	}
	for _, inst := range []string{"a", "b"} {
		if err := waitUntil(ctx, func() (bool, error) {
			m, ok := s.catalogue(inst).Pricer().Registry().Lookup(ttsModel)
			return ok && m.Enabled(), nil
		}); err != nil {
			t.Fatalf("instance %s never put the model on sale: %v", inst, err)
		}
	}
	stored, err := s.st.PriceConfirmations(ctx)
	if err != nil || len(stored) != 1 || stored[0].CreditsMicro != 6_000_000 || stored[0].Unit != "1000-characters" || stored[0].Field != "text" ||
		stored[0].AdminID != consoleAdmin || stored[0].Source != "https://kie.ai/elevenlabs-tts turbo row" {
		t.Fatalf("stored confirmations: %+v, %v", stored, err)
	}
	as := s.adminActions(ctx, "confirm_price", 0)
	if len(as) != 1 || as[0].Target != ttsModel || !strings.Contains(as[0].After, "6 credits per 1,000 characters") {
		t.Fatalf("audit: %+v", as)
	}

	// The user orders it: 21 characters are one block of 1,000.
	screen := ann.mustOrder(ttsModel)
	if !strings.Contains(screen.Text, "× 5,70") {
		t.Fatalf("the confirmation shows no per-unit basis: %q", screen.Text)
	}
	since := ann.mark()
	ann.confirm(screen)
	ann.waitResult(since)
	js := s.waitSettled(ctx)
	if len(js) != 1 || js[0].Price != 570 || js[0].State != "succeeded" {
		t.Fatalf("jobs: %+v", js)
	}

	// The models list says which prices are official and which confirmed.
	models := admin.cmdScreen("models")
	for range 20 {
		if strings.Contains(models.Text, ttsModel) {
			break
		}
		models = admin.mustTap(models, "Next ▶️")
	}
	if !strings.Contains(models.Text, "0 from Kie's table, 1 confirmed by an operator") || !strings.Contains(models.Text, "tg:7070 2026-12-01") {
		t.Fatalf("models list: %q", models.Text)
	}
	if p := s.catalogue("a").Pricer(); p.Registry().File().Sources[len(p.Registry().File().Sources)-1].Name != "operator confirmations" {
		t.Fatal("the live registry does not name the confirmations among its sources")
	}
	s.checkBooks(ctx)
}

// Suno music goes on sale with an operator's per-task price and runs on
// Suno's own endpoints (generate, generate/record-info, its callbacks):
// the user is asked for every input Suno may need, is charged the quote,
// and gets both tracks, each as an audio file titled as they asked and
// performed by the model.
func TestShopSellsSunoMusicAsTwoTracks(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}, welcome: 100_00, callbacks: true})
	ctx := actorstest.Context(t, 120*time.Second)
	s.startShop("a", shopOptions{})
	if err := s.TG.WaitFor(ctx, func() bool { return s.LeaderName() == "a" }); err != nil {
		t.Fatal(err)
	}
	s.waitListeners(ctx, 1)
	ann := s.newClient(ctx, "Ann", "en")
	if m := ann.cmdScreen("start"); strings.Contains(m.Text, "audio") {
		t.Fatalf("the welcome offers audio before any is on sale: %q", m.Text)
	}
	if _, err := s.st.AddPriceConfirmation(ctx, store.PriceConfirmation{Kind: "price", ModelID: "V4", Unit: "task", CreditsMicro: 12_000_000,
		Source: "https://docs.kie.ai/suno-api/generate-music", ConfirmedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), AdminID: consoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if err := waitUntil(ctx, func() (bool, error) {
		m, ok := s.catalogue("a").Pricer().Registry().Lookup("V4")
		return ok && m.Enabled(), nil
	}); err != nil {
		t.Fatal(err)
	}
	if m := ann.cmdScreen("start"); !strings.Contains(m.Text, "audio — speech, sounds and music") {
		t.Fatalf("the welcome does not mention audio on sale: %q", m.Text)
	}
	screen := ann.mustOrder("V4")
	since := ann.mark()
	ann.confirm(screen)
	ann.waitResult(since)
	js := s.waitSettled(ctx)
	// 12 credits × $0.005 × 95 ₽ × 2 = 11,40 ₽.
	if len(js) != 1 || js[0].State != "succeeded" || js[0].Price != 1140 {
		t.Fatalf("jobs: %+v", js)
	}
	var tracks []string
	for _, m := range s.Bot.Messages(ann.u.ID()) {
		if m.Audio != nil {
			tracks = append(tracks, m.Audio.Title+" by "+m.Audio.Performer)
		}
	}
	want := []string{testPrompt + " (1/2) by Suno V4 music", testPrompt + " (2/2) by Suno V4 music"}
	if !slices.Equal(tracks, want) {
		t.Fatalf("tracks %q, want %q\n%s", tracks, want, ann.transcript())
	}
	if n := s.kie.Count(kietest.RouteSunoGenerate); n != 1 {
		t.Fatalf("%d Suno generate calls, want 1", n)
	}
	s.checkBooks(ctx)
}
