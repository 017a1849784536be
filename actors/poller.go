package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kiebot/kiebot/actors/internal/retry"
	"github.com/kiebot/kiebot/actors/telegram"
	"github.com/kiebot/kiebot/store"

	"github.com/go-telegram/bot"
)

// UpdateSink takes a batch of updates and must make it durable before it
// returns nil: the poller confirms the batch to Telegram on its next call.
type UpdateSink interface {
	StoreUpdates(ctx context.Context, batch []telegram.RawUpdate) error
}

// ErrTelegramUnauthorized means Telegram rejected the bot token: nothing
// will work until the operator fixes TELEGRAM_BOT_TOKEN.
var ErrTelegramUnauthorized = errors.New("telegram rejected the bot token (401): check TELEGRAM_BOT_TOKEN")

// PollerConfig configures a Poller.
type PollerConfig struct {
	Telegram *telegram.Client
	Sink     UpdateSink
	Logger   *slog.Logger
	Metrics  *Metrics
	// PollTimeout is getUpdates' long-poll timeout; default 25s.
	PollTimeout time.Duration
	// Limit is the batch size, 1-100; default 100.
	Limit int
	// MaxBackoff caps the wait after errors; default 30s.
	MaxBackoff time.Duration
	// OnPoll, if set, is called before every getUpdates, and OnStop when
	// Run returns (tests observe the poller with them).
	OnPoll func()
	OnStop func()
	// Trace, if set, sees every update polled and stored.
	Trace TraceFunc
	// SpillAfter is how long a batch handed to the dispatcher directly may
	// take before the poller stores its unfinished updates in the inbox
	// and polls on; default 50ms.
	SpillAfter time.Duration

	direct *directFeed // set by the term supervisor in polling mode
}

// Poller is the leader's getUpdates loop. Each batch is handed to the sink,
// which stores it durably, before the next getUpdates confirms it; so an
// update is never confirmed to Telegram before it is safe.
type Poller struct {
	cfg PollerConfig
	log *slog.Logger
}

// NewPoller returns a poller; it does nothing until Run.
func NewPoller(cfg PollerConfig) *Poller {
	if cfg.Telegram == nil || cfg.Sink == nil || cfg.Logger == nil || cfg.Metrics == nil {
		panic("actors.NewPoller: Telegram, Sink, Logger and Metrics are required")
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 25 * time.Second
	}
	if cfg.Limit <= 0 || cfg.Limit > 100 {
		cfg.Limit = 100
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.SpillAfter <= 0 {
		cfg.SpillAfter = 50 * time.Millisecond
	}
	return &Poller{cfg: cfg, log: cfg.Logger.With("component", "poller")}
}

// Run polls until ctx ends (returning nil) or Telegram rejects the token
// (returning ErrTelegramUnauthorized). Every other error is retried: 409
// and network errors with jittered exponential backoff, 429 after the
// retry_after Telegram asked for.
func (p *Poller) Run(ctx context.Context) error {
	var offset int64 // 0: start from every unconfirmed update; the inbox dedupes by update_id
	var failures int
	// The term's first batch may hold updates an earlier leader left
	// unconfirmed, perhaps processed: it goes through the inbox, which
	// drops those it has, rather than to handlers. (Beyond the first 100,
	// such an update is handled and then refused by its commit.)
	catchingUp := true
	p.log.Info("poller: started")
	defer func() {
		p.log.Info("poller: stopped")
		if p.cfg.OnStop != nil {
			p.cfg.OnStop()
		}
	}()
	for {
		if ctx.Err() != nil {
			return nil
		}
		if p.cfg.OnPoll != nil {
			p.cfg.OnPoll()
		}
		batch, err := p.cfg.Telegram.GetUpdates(ctx, offset, p.cfg.PollTimeout, p.cfg.Limit)
		if err == nil && len(batch) > 0 {
			if p.cfg.Trace != nil {
				for _, u := range batch {
					p.cfg.Trace.mark(StagePolled, u.ID)
				}
			}
			if p.cfg.direct != nil && !catchingUp {
				err = p.deliver(ctx, batch)
			} else {
				err = p.store(ctx, batch)
			}
		}
		if err == nil {
			catchingUp = false
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			failures++
			wait, fatal := p.classify(err, failures)
			if fatal != nil {
				p.log.Error("poller: stopping", "err", fatal)
				return fatal
			}
			if !retry.Sleep(ctx, wait) {
				return nil
			}
			continue
		}
		failures = 0
		for _, u := range batch {
			offset = max(offset, u.ID+1)
		}
	}
}

// store makes the batch durable in the inbox.
func (p *Poller) store(ctx context.Context, batch []telegram.RawUpdate) error {
	if err := p.cfg.Sink.StoreUpdates(ctx, batch); err != nil {
		return fmt.Errorf("store %d updates: %w", len(batch), err)
	}
	if p.cfg.direct != nil {
		p.cfg.direct.stored.Add(1)
	}
	return nil
}

// deliver hands the batch to the dispatcher and returns once every update
// in it is durable: committed by its step, or stored here after
// SpillAfter. A batch with an update that is not a user's message or
// callback query goes to the inbox whole, so a user's updates keep their
// order. If ctx ends first it returns nil with the rest unconfirmed:
// Telegram gives them to the next leader.
func (p *Poller) deliver(ctx context.Context, batch []telegram.RawUpdate) error {
	now := time.Now()
	b := directBatch{updates: make([]store.PendingUpdate, 0, len(batch)), done: make(chan int64, len(batch)), refused: make(chan struct{})}
	for _, u := range batch {
		_, kind, user, err := classify(u.JSON)
		if err != nil || user == 0 || (kind != KindMessage && kind != KindCallbackQuery) {
			return p.store(ctx, batch)
		}
		b.updates = append(b.updates, store.PendingUpdate{UpdateID: u.ID, UserID: user, Kind: kind, Payload: u.JSON, ReceivedAt: now, Unstored: true})
	}
	select {
	case p.cfg.direct.batches <- b:
	case <-ctx.Done():
		return nil
	}
	for _, u := range batch {
		p.cfg.Trace.mark(StageStored, u.ID)
	}
	left := make(map[int64]bool, len(batch))
	for _, u := range batch {
		left[u.ID] = true
	}
	spill := time.NewTimer(p.cfg.SpillAfter)
	defer spill.Stop()
	for len(left) > 0 {
		select {
		case id := <-b.done:
			delete(left, id)
			continue
		case <-ctx.Done():
			return nil
		case <-b.refused:
		case <-spill.C:
		}
		rest := make([]telegram.RawUpdate, 0, len(left))
		for _, u := range batch {
			if left[u.ID] {
				rest = append(rest, u)
			}
		}
		return p.store(ctx, rest)
	}
	return nil
}

func (p *Poller) classify(err error, failures int) (time.Duration, error) {
	switch {
	case errors.Is(err, bot.ErrorUnauthorized):
		return 0, fmt.Errorf("%w: %v", ErrTelegramUnauthorized, err)
	case errors.Is(err, bot.ErrorConflict):
		p.cfg.Metrics.Conflicts409.Inc()
		wait := retry.Backoff(failures, time.Second, p.cfg.MaxBackoff)
		p.log.Warn("poller: conflict: another getUpdates or a webhook is active; backing off", "err", err, "attempt", failures, "sleep_duration", wait)
		return wait, nil
	}
	if ra, ok := telegram.RetryAfter(err); ok {
		p.cfg.Metrics.RateLimited429.Inc()
		p.log.Warn("poller: rate limited by Telegram", "retry_after", ra)
		return ra, nil
	}
	wait := retry.Backoff(failures, 500*time.Millisecond, p.cfg.MaxBackoff)
	p.log.Error("poller: getUpdates failed; retrying", "err", err, "attempt", failures, "sleep_duration", wait)
	return wait, nil
}
