package actors

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-telegram/bot"

	"github.com/kiebot/kiebot/store"
)

// IngestConfig configures the leader's term: how updates come in (polling
// or webhook) and what processes them.
type IngestConfig struct {
	Mode          string // "polling" or "webhook"
	WebhookURL    string // webhook mode: the full URL Telegram calls
	WebhookSecret string
	Telegram      *Telegram
	Store         *store.Store
	Logger        *slog.Logger
	Metrics       *Metrics
	// Poller and Dispatcher are built per term from these.
	Poller     PollerConfig
	Dispatcher DispatcherConfig
	// Jobs, if set, runs beside the dispatcher for the term (the jobs
	// actor); it must return once ctx ends.
	Jobs func(ctx context.Context, t Term) error
	// Wake connects the local poller to the local dispatcher.
	Wake chan struct{}
}

// Ingest is the ingest supervisor: it is the leader's TermFunc. It sets up
// Telegram for the mode, runs the poller (polling mode), the dispatcher and
// the jobs actor, and on the way out stops them in order — ingest first,
// then processing — and waits for each.
type Ingest struct {
	cfg IngestConfig
	log *slog.Logger
}

// NewIngest validates cfg; bad wiring panics.
func NewIngest(cfg IngestConfig) *Ingest {
	if cfg.Telegram == nil || cfg.Store == nil || cfg.Logger == nil || cfg.Metrics == nil {
		panic("actors.NewIngest: Telegram, Store, Logger and Metrics are required")
	}
	if cfg.Mode != "polling" && cfg.Mode != "webhook" {
		panic(fmt.Sprintf("actors.NewIngest: mode %q", cfg.Mode))
	}
	return &Ingest{cfg: cfg, log: cfg.Logger.With("component", "ingest")}
}

// Run is one term's work.
func (in *Ingest) Run(ctx context.Context, t Term) error {
	log := in.log.With("epoch", t.Epoch)
	if err := in.prepareTelegram(ctx, log); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}

	fatal := make(chan error, 3)
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
	dispatcher := NewDispatcher(dcfg)
	stopDispatcher := stage("dispatcher", dispatcher.Run)
	stopJobs := func() {}
	if in.cfg.Jobs != nil {
		stopJobs = stage("jobs", func(ctx context.Context) error { return in.cfg.Jobs(ctx, t) })
	}
	stopPoller := func() {}
	if in.cfg.Mode == "polling" {
		pcfg := in.cfg.Poller
		pcfg.Sink = &Inbox{Store: in.cfg.Store, Metrics: in.cfg.Metrics, Source: "poll", Stored: in.cfg.Wake}
		stopPoller = stage("poller", NewPoller(pcfg).Run)
	}
	log.Info("ingest: leading", "mode", in.cfg.Mode)

	var err error
	select {
	case <-ctx.Done():
	case err = <-fatal:
		log.Error("ingest: stopping the term", "err", err)
	}
	stopPoller() // stop ingest first: nothing new comes in
	stopDispatcher()
	stopJobs()
	log.Info("ingest: stopped")
	return err
}

// prepareTelegram makes Telegram deliver updates the way this mode needs:
// polling deletes a webhook (keeping pending updates); webhook mode sets
// the webhook when its URL or secret changed. Retried until done, since a
// leader that cannot do this cannot ingest anything.
func (in *Ingest) prepareTelegram(ctx context.Context, log *slog.Logger) error {
	for attempt := 1; ; attempt++ {
		err := in.prepareOnce(ctx, log)
		if err == nil {
			return nil
		}
		if errors.Is(err, bot.ErrorUnauthorized) {
			return fmt.Errorf("%w: %v", ErrTelegramUnauthorized, err)
		}
		wait := backoff(attempt, 500*time.Millisecond, 30*time.Second)
		if ra, ok := RetryAfter(err); ok {
			wait = ra
		}
		log.Error("ingest: cannot set up update delivery; retrying", "mode", in.cfg.Mode, "err", err, "attempt", attempt, "sleep_duration", wait)
		if !sleepCtx(ctx, wait) {
			return ctx.Err()
		}
	}
}

func (in *Ingest) prepareOnce(ctx context.Context, log *slog.Logger) error {
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
	log.Info("ingest: webhook set", "url", in.cfg.WebhookURL)
	return store.SetWebhookFingerprint(cctx, in.cfg.Store.Pool(), in.cfg.Store.BotID(), want)
}

// webhookFingerprint identifies a webhook setting without storing the
// secret itself.
func webhookFingerprint(url, secret string) string {
	h := sha256.Sum256([]byte(url + "\x00" + secret))
	return hex.EncodeToString(h[:16])
}
