package shop

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"strings"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/internal/retry"
	"github.com/kiebot/kiebot/actors/telegram"

	"golang.org/x/time/rate"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
)

// AlertsConfig configures the alerts to admins.
type AlertsConfig struct {
	Store    *store.Store
	Telegram *telegram.Client
	Logger   *slog.Logger
	AdminIDs []int64 // who is told; none: alerts are only logged
	// Window: one alert key goes out at most once per Window, across
	// instances and restarts; default 1 hour.
	Window time.Duration
	// PerMinute caps the alerts of all keys together that one instance
	// sends (each to every admin), so a storm of distinct keys cannot
	// flood the admins' chats or the bot's sending budget; default 6, in
	// bursts of up to 6. Alerts over the cap are logged, not sent, and go
	// out on their next occurrence.
	PerMinute int
	// ModelFailures of a model's last ModelJobs finished jobs (within a
	// day) failing raise an alert; 0 turns the check off. Run checks every
	// CheckEvery (default 1 minute).
	ModelFailures, ModelJobs int
	CheckEvery               time.Duration
	// Leadership: tell the admins when an instance starts leading (off by
	// default: deploys make it routine). Instance names this instance.
	Leadership bool
	Instance   string
}

// Alerter tells the bot's admins about what needs an operator: Kie's
// balance running low, a model failing, a money update that keeps
// failing, optionally a change of leader. Every alert has a key; a key is
// sent at most once per Window, decided in the database (store.ClaimAlert)
// so that neither a second instance nor a restart repeats it.
//
// Alerts are sent with direct Bot API calls, not through the outbox. The
// outbox serves a user's conversation: its ops are made by the leader's
// dispatcher for that user, in order with the user's own updates, and
// exist so a state change and its reply happen exactly once. An alert has
// no update to be exactly-once with — it only needs to be de-duplicated,
// which the claim does — and it must still arrive when the thing it
// reports is the dispatcher failing (a money update that keeps failing),
// and from whichever instance noticed. A crash between the claim and the
// sends loses that alert for one window; an alert no admin received is
// unclaimed at once, so its next occurrence goes out.
type Alerter struct {
	cfg     AlertsConfig
	log     *slog.Logger
	limiter *rate.Limiter
}

// NewAlerter validates cfg; bad wiring panics.
func NewAlerter(cfg AlertsConfig) *Alerter {
	if cfg.Store == nil || cfg.Telegram == nil || cfg.Logger == nil {
		panic("shop.NewAlerter: Store, Telegram and Logger are required")
	}
	cfg.Window = cmp.Or(cfg.Window, time.Hour)
	cfg.PerMinute = cmp.Or(cfg.PerMinute, 6)
	cfg.CheckEvery = cmp.Or(cfg.CheckEvery, time.Minute)
	if cfg.ModelFailures > 0 && cfg.ModelJobs < cfg.ModelFailures {
		panic(fmt.Sprintf("shop.NewAlerter: %d failures of the last %d jobs can never happen", cfg.ModelFailures, cfg.ModelJobs))
	}
	return &Alerter{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "alerts"),
		limiter: rate.NewLimiter(rate.Limit(float64(cfg.PerMinute)/60), cfg.PerMinute),
	}
}

// Alert keys. A key names one condition; its text may change between
// occurrences (the latest balance, say) without defeating de-duplication.
const (
	AlertKieBalanceLow    = "kie_balance_low"
	AlertKieRefusing      = "kie_refusing_orders"
	AlertKieUnreadable    = "kie_balance_unreadable"
	alertModelPrefix      = "model_failing:"
	alertMoneyPrefix      = "money_update_stuck:"
	alertLeadershipPrefix = "leadership:"
)

// Alert sends text (rendered per admin language) to every admin unless
// key went out less than Window ago. It reports whether it sent the alert
// to at least one admin; an alert held back (de-duplicated, over the rate
// cap, or no admins) is not an error. Every alert is logged either way.
func (a *Alerter) Alert(ctx context.Context, key string, text func(fsm.Lang) string) (bool, error) {
	log := a.log.With("alert", key)
	en := text(fsm.EN)
	log.Warn("alerts: alert", "text", stripTags(en), "admins", len(a.cfg.AdminIDs))
	if len(a.cfg.AdminIDs) == 0 {
		return false, nil
	}
	if !a.limiter.Allow() {
		log.Warn("alerts: over the rate cap; not sent")
		return false, nil
	}
	claim, err := a.cfg.Store.ClaimAlert(ctx, key, a.cfg.Window, en)
	if err != nil {
		return false, fmt.Errorf("alert %s: %w", key, err)
	}
	if !claim.Send {
		log.Debug("alerts: sent within the window; held back")
		return false, nil
	}
	reached := 0
	var lastErr error
	for _, admin := range a.cfg.AdminIDs {
		lang, u, known, _ := language(ctx, a.cfg.Store, admin, "")
		chat := admin
		if known {
			chat = u.ChatID
		}
		msg := text(lang)
		if claim.Suppressed > 0 {
			msg += "\n" + fsm.T(lang, fsm.KeyAlertSuppressed, claim.Suppressed)
		}
		if err := a.send(ctx, chat, msg); err != nil {
			log.Error("alerts: cannot tell an admin", "admin_id", admin, "err", err)
			lastErr = err
			continue
		}
		reached++
	}
	if reached == 0 {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := a.cfg.Store.UnclaimAlert(uctx, key, claim.Prev); err != nil {
			log.Error("alerts: cannot unclaim an alert no admin received; it waits out the window", "err", err)
		}
		return false, fmt.Errorf("alert %s reached no admin: %w", key, lastErr)
	}
	return true, nil
}

// send makes one alert's Bot API call, waiting out a 429 or a transient
// failure up to twice.
func (a *Alerter) send(ctx context.Context, chatID int64, text string) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err = a.cfg.Telegram.Perform(sctx, telegram.SendOp(chatID, text, nil))
		cancel()
		if err == nil || errors.Is(err, telegram.ErrPermanent) {
			return err
		}
		wait := retry.Backoff(attempt, time.Second, 10*time.Second)
		if ra, ok := telegram.RetryAfter(err); ok {
			wait = min(ra, 30*time.Second)
		}
		if !retry.Sleep(ctx, wait) {
			return ctx.Err()
		}
	}
	return err
}

// MoneyUpdateStuck is what the engine's stuck-update hook calls when an
// update that moves money (a payment, a refund) has failed attempts times
// in a row: the admins are told once per update and window.
func (a *Alerter) MoneyUpdateStuck(ctx context.Context, userID, updateID int64, kind string, attempts int, err error) {
	cause := "?"
	if err != nil {
		cause = cutRunes(err.Error(), 300)
	}
	_, aerr := a.Alert(ctx, fmt.Sprintf("%s%d", alertMoneyPrefix, updateID), func(lang fsm.Lang) string {
		return fsm.T(lang, fsm.KeyAlertMoneyStuck, updateID, fsm.Escape(kind), userID, attempts, fsm.Escape(cause))
	})
	if aerr != nil {
		a.log.Error("alerts: a stuck money update could not be reported", "update_id", updateID, "user_id", userID, "err", aerr)
	}
}

// Run is the alerts' leader-only worker: it announces the term when
// Leadership is on and checks models' failure rates every CheckEvery.
func (a *Alerter) Run(ctx context.Context, t actors.Term) error {
	if a.cfg.Leadership {
		_, err := a.Alert(ctx, fmt.Sprintf("%s%d", alertLeadershipPrefix, t.Epoch), func(lang fsm.Lang) string {
			return fsm.T(lang, fsm.KeyAlertLeader, fsm.Escape(a.cfg.Instance), t.Epoch)
		})
		if err != nil && ctx.Err() == nil {
			a.log.Error("alerts: cannot announce the term", "epoch", t.Epoch, "err", err)
		}
	}
	if a.cfg.ModelFailures <= 0 {
		<-ctx.Done()
		return nil
	}
	tick := time.NewTicker(a.cfg.CheckEvery)
	defer tick.Stop()
	for {
		a.CheckModels(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// CheckModels alerts about every model with ModelFailures or more failures
// among its last ModelJobs finished jobs.
func (a *Alerter) CheckModels(ctx context.Context) {
	if a.cfg.ModelFailures <= 0 {
		return
	}
	failing, err := a.cfg.Store.FailingModels(ctx, a.cfg.ModelFailures, a.cfg.ModelJobs)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Error("alerts: cannot check the models' failures", "err", err)
		}
		return
	}
	for _, m := range failing {
		_, err := a.Alert(ctx, alertModelPrefix+m.ModelID, func(lang fsm.Lang) string {
			return fsm.T(lang, fsm.KeyAlertModelFailing, fsm.Escape(m.ModelID), m.Failed, m.Finished)
		})
		if err != nil && ctx.Err() == nil {
			a.log.Error("alerts: cannot report a failing model", "model", m.ModelID, "err", err)
		}
	}
}

// stripTags turns Telegram HTML into the text it shows: tags dropped,
// entities decoded (approximately Telegram's own parse, for logs and
// length checks; Telegram has the last word).
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}

// cutRunes bounds s to n runes, marking a cut with "…".
func cutRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
