package shop

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// Not parallel: see the note in broadcast_test.go.

// alertsBundle is two instances' Alerters on one database and one fake
// Bot API, with two admins.
type alertsBundle struct {
	s      *shop
	ctx    context.Context
	admins []int64
	a, b   *Alerter
}

func setupAlerts(t *testing.T, cfg AlertsConfig) alertsBundle {
	t.Helper()
	s := newShop(t, shopOptions{})
	ctx := actorstest.Context(t, time.Minute)
	admins := []int64{7001, 7002}
	s.addKnownUser(ctx, admins[0], "ru")
	s.addKnownUser(ctx, admins[1], "en")
	build := func() *Alerter {
		tg, err := telegram.New(telegram.Config{APIURL: s.TG.URL, Token: s.Token, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		c := cfg
		c.Store, c.Telegram, c.Logger, c.AdminIDs = store.New(storetest.OpenPool(t, s.DSN), s.BotID), tg, testLogger(t), admins
		return NewAlerter(c)
	}
	return alertsBundle{s: s, ctx: ctx, admins: admins, a: build(), b: build()}
}

// got counts the messages containing sub each admin received.
func (ab alertsBundle) got(sub string) []int {
	out := make([]int, len(ab.admins))
	for i, id := range ab.admins {
		out[i] = ab.s.received(id, sub)
	}
	return out
}

func text(s string) func(fsm.Lang) string { return func(fsm.Lang) string { return s } }

// One alert key reaches every admin once per window, whichever instance
// raises it and however often; the next one after the window says how
// many were held back.
func TestAlertsAreDeduplicatedAcrossInstances(t *testing.T) {
	ab := setupAlerts(t, AlertsConfig{Window: time.Hour})
	for range 3 {
		for _, al := range []*Alerter{ab.a, ab.b} {
			if _, err := al.Alert(ab.ctx, "disk", text("⚠️ disk full")); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := ab.got("disk full"); got[0] != 1 || got[1] != 1 {
		t.Fatalf("admins got %v alerts; want one each", got)
	}
	if sent, _ := ab.a.Alert(ab.ctx, "cpu", text("⚠️ cpu hot")); !sent {
		t.Fatal("another key was held back")
	}
	if _, err := ab.s.st.Pool().Exec(ab.ctx, `UPDATE admin_alerts SET last_sent_at = now() - interval '2 hours' WHERE key = 'disk'`); err != nil {
		t.Fatal(err)
	}
	if sent, err := ab.b.Alert(ab.ctx, "disk", text("⚠️ disk full")); !sent || err != nil {
		t.Fatalf("after the window: sent %v, %v", sent, err)
	}
	if got := ab.got("disk full"); got[0] != 2 || got[1] != 2 {
		t.Fatalf("admins got %v alerts after the window; want two each", got)
	}
	// The repeat count, in each admin's language.
	if ab.s.received(ab.admins[0], "повторов с прошлого уведомления: 5") != 1 || ab.s.received(ab.admins[1], "repeats since the last alert: 5") != 1 {
		t.Fatalf("no repeat count: %+v", ab.s.Bot.Sent(ab.admins[1]))
	}
}

// An alert no admin could receive is unclaimed, so it goes out next time;
// an admin who blocked the bot does not stop the others getting it.
func TestAlertsNoAdminReceivedAreRetried(t *testing.T) {
	ab := setupAlerts(t, AlertsConfig{})
	ab.s.Bot.User(ab.admins[0]).Block()
	if sent, err := ab.a.Alert(ab.ctx, "k", text("one admin")); !sent || err != nil {
		t.Fatalf("with one admin reachable: sent %v, %v", sent, err)
	}
	ab.s.Bot.User(ab.admins[1]).Block()
	if sent, err := ab.a.Alert(ab.ctx, "k2", text("nobody")); sent || err == nil {
		t.Fatalf("with nobody reachable: sent %v, %v; want an error", sent, err)
	}
	ab.s.Bot.User(ab.admins[1]).Unblock()
	if sent, err := ab.b.Alert(ab.ctx, "k2", text("nobody")); !sent || err != nil {
		t.Fatalf("the unclaimed alert was held back: %v, %v", sent, err)
	}
}

// Distinct keys together are capped per instance, so a storm of them
// cannot flood the admins.
func TestAlertsAreRateLimited(t *testing.T) {
	ab := setupAlerts(t, AlertsConfig{PerMinute: 3})
	sent := 0
	for _, key := range []string{"a", "b", "c", "d", "e"} {
		ok, err := ab.a.Alert(ab.ctx, key, text("storm "+key))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			sent++
		}
	}
	if sent != 3 {
		t.Fatalf("%d of 5 alerts sent at 3 a minute", sent)
	}
	// What was over the cap was not claimed: another instance sends it.
	if ok, _ := ab.b.Alert(ab.ctx, "d", text("storm d")); !ok {
		t.Fatal("an alert dropped over the cap was recorded as sent")
	}
}

// The engine's stuck-update hook: one alert per update, whatever the
// number of attempts reported, with the error escaped.
func TestMoneyUpdateStuck(t *testing.T) {
	ab := setupAlerts(t, AlertsConfig{})
	for attempts := 5; attempts <= 7; attempts++ {
		ab.a.MoneyUpdateStuck(ab.ctx, 55, 900100, "successful_payment", attempts, errors.New(`insert <topup>: "deadlock"`))
	}
	ab.b.MoneyUpdateStuck(ab.ctx, 56, 900101, "refunded_payment", 5, nil)
	m, ok := ab.s.Bot.LastSent(ab.admins[1])
	if got := ab.got("900100"); got[0] != 1 || got[1] != 1 || !ok {
		t.Fatalf("alerts for update 900100: %v", got)
	}
	if got := ab.got("900101"); got[1] != 1 || !strings.Contains(m.Text, "refunded_payment") {
		t.Fatalf("alerts for update 900101: %v, last %q", got, m.Text)
	}
	first := ab.s.Bot.Sent(ab.admins[1])[0]
	if !strings.Contains(first.Text, `insert <topup>: "deadlock"`) || !strings.Contains(first.Text, "5 attempts") {
		t.Fatalf("the alert reads %q", first.Text)
	}
}

// A model failing at least X of its last N jobs is reported once per window.
func TestModelFailureAlert(t *testing.T) {
	ab := setupAlerts(t, AlertsConfig{ModelFailures: 3, ModelJobs: 5})
	for i, state := range []string{"succeeded", "failed", "failed", "expired", "failed"} {
		if _, err := ab.s.st.Pool().Exec(ab.ctx, `
			INSERT INTO jobs (bot_id, user_id, chat_id, model_id, price_kopecks, idempotency_key, state, deadline, finished_at)
			VALUES ($1, $2, $2, 'flaky-model', 0, $3, $4, now(), now() - make_interval(secs => $5))`,
			ab.s.BotID, ab.admins[0], "k"+string(rune('a'+i)), state, 10-i); err != nil {
			t.Fatal(err)
		}
	}
	ab.a.CheckModels(ab.ctx)
	ab.b.CheckModels(ab.ctx)
	if got := ab.got("flaky-model"); got[0] != 1 || got[1] != 1 {
		t.Fatalf("model alerts %v", got)
	}
	if m, _ := ab.s.Bot.LastSent(ab.admins[1]); !strings.Contains(m.Text, "4 of its last 5 orders failed") {
		t.Fatalf("the alert reads %q", m.Text)
	}
}

// With leadership alerts on, the admins hear which instance leads.
func TestLeadershipAlert(t *testing.T) {
	const admin int64 = 7100
	s := newShop(t, shopOptions{admins: []int64{admin}, alerts: AlertsConfig{Leadership: true}})
	ctx := actorstest.Context(t, time.Minute)
	s.Bot.AddUser(telegramtest.UserConfig{ID: admin, LanguageCode: "en"})
	s.startShop("a", shopOptions{})
	if _, err := s.Bot.WaitMessage(ctx, admin, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "a (срок 1)") }); err != nil {
		t.Fatal(err)
	}
}
