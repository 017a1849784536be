package actors

import (
	"context"
	"log/slog"
	"time"

	"github.com/kiebot/kiebot/store"
)

// Retention is the leader-only worker that purges what the bot no longer
// needs, in bounded batches (store.Retain): processed updates, abandoned
// invoices (expired, never deleted), idle conversations and stale outbox
// rows. The ledger, jobs and paid top-ups are kept forever. It runs once
// at the start of each term and then every Every; the purges are by age,
// so a new leader simply carries on where the old one stopped.
type Retention struct {
	Store  *store.Store
	Policy store.Retention
	Every  time.Duration // 0: never runs
	Logger *slog.Logger
	// Ran, if set, is told every pass's outcome (tests wait on it).
	Ran func(store.RetentionReport, error)
}

// Run purges until ctx ends.
func (r *Retention) Run(ctx context.Context, _ Term) error {
	if r.Every <= 0 {
		<-ctx.Done()
		return nil
	}
	log := r.Logger.With("component", "retention")
	tick := time.NewTicker(r.Every)
	defer tick.Stop()
	for {
		rep, err := r.Store.Retain(ctx, r.Policy)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.Error("retention: a purge failed; the next pass retries", "err", err, "sleep_duration", r.Every)
		case rep != store.RetentionReport{}:
			log.Info("retention: purged", "inbox", rep.Inbox, "invoices_expired", rep.Invoices,
				"conversations", rep.Conversations, "outbox", rep.Outbox, "manual_expired", rep.Manual)
		}
		if r.Ran != nil {
			r.Ran(rep, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
