package actors

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kiebot/kiebot/actors/internal/retry"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/go-telegram/bot"

	"github.com/kiebot/kiebot/store"
)

// TermSupervisorConfig configures the leader's term: how updates come in
// (polling or webhook), what processes them, and the leader-only workers
// that run beside them.
type TermSupervisorConfig struct {
	Mode          string // "polling" or "webhook"
	WebhookURL    string // webhook mode: the full URL Telegram calls
	WebhookSecret string
	Telegram      *telegram.Client
	Store         *store.Store
	Logger        *slog.Logger
	Metrics       *Metrics
	// Poller and Dispatcher are built per term from these.
	Poller     PollerConfig
	Dispatcher DispatcherConfig
	// Workers run beside the dispatcher for the term (the shop's jobs
	// actor, say): started after it, stopped after it, in order. Each must
	// return once ctx ends; an error it returns before that ends the term.
	Workers []Worker
	// Wake connects the local poller to the local dispatcher.
	Wake chan struct{}
}

// Worker is leader-only work that lives for one term.
type Worker struct {
	Name string
	Run  func(ctx context.Context, t Term) error
}

// TermSupervisor runs one leadership term: it is the leader's TermFunc. It
// sets Telegram up for the mode, starts the dispatcher (with its per-user
// actors), the workers and, in polling mode, the poller; when the term
// ends it stops them in order — the poller first, so nothing new comes in,
// then the dispatcher, then the workers — and waits for each before it
// returns, so the leader never reports standby with any of them running.
type TermSupervisor struct {
	cfg TermSupervisorConfig
	log *slog.Logger
}

// NewTermSupervisor validates cfg; bad wiring panics.
func NewTermSupervisor(cfg TermSupervisorConfig) *TermSupervisor {
	if cfg.Telegram == nil || cfg.Store == nil || cfg.Logger == nil || cfg.Metrics == nil {
		panic("actors.NewTermSupervisor: Telegram, Store, Logger and Metrics are required")
	}
	if cfg.Mode != "polling" && cfg.Mode != "webhook" {
		panic(fmt.Sprintf("actors.NewTermSupervisor: mode %q", cfg.Mode))
	}
	for _, w := range cfg.Workers {
		if w.Name == "" || w.Run == nil {
			panic("actors.NewTermSupervisor: every worker needs a Name and Run")
		}
	}
	return &TermSupervisor{cfg: cfg, log: cfg.Logger.With("component", "term")}
}

// Run is one term's work.
func (in *TermSupervisor) Run(ctx context.Context, t Term) error {
	log := in.log.With("epoch", t.Epoch)
	if err := in.prepareTelegram(ctx, log); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}

	fatal := make(chan error, 2+len(in.cfg.Workers))
	stage := func(name string, run func(context.Context) error) (stop func()) {
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := run(sctx); err != nil && sctx.Err() == nil {
				fatal <- fmt.Errorf("%s: %w", name, err)
			}
		}()
		return func() { cancel(); <-done }
	}

	dcfg := in.cfg.Dispatcher
	dcfg.Wake = in.cfg.Wake
	var feed *directFeed
	if in.cfg.Mode == "polling" {
		feed = newDirectFeed()
		dcfg.direct = feed
	}
	dispatcher := NewDispatcher(dcfg)
	stopDispatcher := stage("dispatcher", dispatcher.Run)
	stopWorkers := make([]func(), 0, len(in.cfg.Workers))
	for _, w := range in.cfg.Workers {
		stopWorkers = append(stopWorkers, stage(w.Name, func(ctx context.Context) error { return w.Run(ctx, t) }))
	}
	stopPoller := func() {}
	if in.cfg.Mode == "polling" {
		pcfg := in.cfg.Poller
		pcfg.Sink = &Inbox{Store: in.cfg.Store, Metrics: in.cfg.Metrics, Source: "poll", Stored: in.cfg.Wake, Trace: pcfg.Trace}
		pcfg.direct = feed
		stopPoller = stage("poller", NewPoller(pcfg).Run)
	}
	log.Info("term: leading", "mode", in.cfg.Mode)

	var err error
	select {
	case <-ctx.Done():
	case err = <-fatal:
		log.Error("term: stopping", "err", err)
	}
	stopPoller() // stop ingest first: nothing new comes in
	stopDispatcher()
	for _, stop := range stopWorkers {
		stop()
	}
	log.Info("term: stopped")
	return err
}

// prepareTelegram makes Telegram deliver updates the way this mode needs:
// polling deletes a webhook (keeping pending updates); webhook mode sets
// the webhook when its URL or secret changed. Retried until done, since a
// leader that cannot do this cannot ingest anything.
func (in *TermSupervisor) prepareTelegram(ctx context.Context, log *slog.Logger) error {
	for attempt := 1; ; attempt++ {
		err := in.prepareOnce(ctx, log)
		if err == nil {
			return nil
		}
		if errors.Is(err, bot.ErrorUnauthorized) {
			return fmt.Errorf("%w: %v", ErrTelegramUnauthorized, err)
		}
		wait := retry.Backoff(attempt, 500*time.Millisecond, 30*time.Second)
		if ra, ok := telegram.RetryAfter(err); ok {
			wait = ra
		}
		log.Error("term: cannot set up update delivery; retrying", "mode", in.cfg.Mode, "err", err, "attempt", attempt, "sleep_duration", wait)
		if !retry.Sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

func (in *TermSupervisor) prepareOnce(ctx context.Context, log *slog.Logger) error {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if in.cfg.Mode == "polling" {
		if _, err := in.cfg.Telegram.Bot.DeleteWebhook(cctx, &bot.DeleteWebhookParams{DropPendingUpdates: false}); err != nil {
			return fmt.Errorf("delete webhook: %w", err)
		}
		return store.SetWebhookFingerprint(cctx, in.cfg.Store.Pool(), in.cfg.Store.BotID(), "")
	}
	want := webhookFingerprint(in.cfg.WebhookURL, in.cfg.WebhookSecret)
	have, err := store.WebhookFingerprint(cctx, in.cfg.Store.Pool(), in.cfg.Store.BotID())
	if err != nil {
		return err
	}
	info, err := in.cfg.Telegram.Bot.GetWebhookInfo(cctx)
	if err != nil {
		return fmt.Errorf("get webhook info: %w", err)
	}
	if have == want && info.URL == in.cfg.WebhookURL {
		return nil
	}
	if _, err := in.cfg.Telegram.Bot.SetWebhook(cctx, &bot.SetWebhookParams{
		URL: in.cfg.WebhookURL, SecretToken: in.cfg.WebhookSecret, DropPendingUpdates: false, MaxConnections: 40,
	}); err != nil {
		return fmt.Errorf("set webhook: %w", err)
	}
	log.Info("term: webhook set", "url", in.cfg.WebhookURL)
	return store.SetWebhookFingerprint(cctx, in.cfg.Store.Pool(), in.cfg.Store.BotID(), want)
}

// webhookFingerprint identifies a webhook setting without storing the
// secret itself.
func webhookFingerprint(url, secret string) string {
	h := sha256.Sum256([]byte(url + "\x00" + secret))
	return hex.EncodeToString(h[:16])
}
