package actors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/store"
)

// maxAttempts is how often an update is tried before the user gets an
// apology and the update is marked failed (never retried forever).
const maxAttempts = 3

// userActor owns one user's conversation: it processes that user's
// updates one at a time, in order, and sends the resulting Bot API calls.
type userActor struct {
	userID  int64
	mailbox chan store.PendingUpdate // closed by the dispatcher only
	d       *Dispatcher
	session Session
	loaded  bool
	log     *slog.Logger

	inflight int // updates routed and not yet done; owned by the dispatcher goroutine
}

// actorEvent tells the dispatcher what an actor did.
type actorEvent struct {
	userID   int64
	updateID int64 // done with this update (processed, failed or left for later)
	idle     bool  // nothing to do for IdleTimeout: may I exit?
	bypass   bool  // handled outside the user's actor (pre-checkout)
}

func (a *userActor) run(ctx context.Context) {
	idle := time.NewTimer(a.d.cfg.IdleTimeout)
	defer idle.Stop()
	a.flush(ctx) // ops a previous leader committed but did not send
	for {
		select {
		case <-ctx.Done():
			return
		case u, ok := <-a.mailbox:
			if !ok {
				return
			}
			a.process(ctx, u)
			a.flush(ctx)
			a.d.notify(ctx, actorEvent{userID: a.userID, updateID: u.UpdateID})
		case <-idle.C:
			a.d.notify(ctx, actorEvent{userID: a.userID, idle: true})
		}
		if !idle.Stop() {
			select {
			case <-idle.C:
			default:
			}
		}
		idle.Reset(a.d.cfg.IdleTimeout)
	}
}

// process handles one update with retries; after maxAttempts it records
// the failure and apologises, in one transaction.
func (a *userActor) process(ctx context.Context, u store.PendingUpdate) {
	var err error
	for attempt := u.Attempts + 1; attempt <= maxAttempts; attempt++ {
		if ctx.Err() != nil {
			return // left in the inbox for the next leader
		}
		err = a.try(ctx, u)
		if err == nil {
			a.d.cfg.Metrics.UpdatesDone.WithLabelValues("processed").Inc()
			a.d.cfg.Metrics.UpdateSeconds.Observe(time.Since(u.ReceivedAt).Seconds())
			return
		}
		if errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
			if _, processed, _, serr := a.d.cfg.Store.UpdateState(ctx, u.UpdateID); serr == nil && processed {
				return // processed already (a duplicate dispatch): nothing to do
			}
		}
		a.log.Error("conversation: update failed", "update_id", u.UpdateID, "kind", u.Kind, "attempt", attempt, "err", err)
		if attempt < maxAttempts {
			// Counted in the database, so a poison update is not retried
			// forever across failovers either.
			if rerr := a.d.cfg.Store.RecordFailure(ctx, u.UpdateID, err.Error(), false); rerr != nil {
				a.log.Warn("conversation: cannot count a failed attempt", "update_id", u.UpdateID, "err", rerr)
			}
			if !sleepCtx(ctx, time.Duration(attempt)*200*time.Millisecond) {
				return
			}
		}
	}
	a.d.cfg.Metrics.UpdatesDone.WithLabelValues("failed").Inc()
	apology := a.d.cfg.Handler.Apology(ctx, a.userID)
	err = a.d.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RecordFailure(ctx, u.UpdateID, err.Error(), true); err != nil {
			return err
		}
		enc, err := encodeOps(apology)
		if err != nil {
			return err
		}
		_, err = tx.EnqueueOps(ctx, a.userID, enc)
		return err
	})
	if err != nil {
		a.log.Error("conversation: could not record a failed update; it stays pending", "update_id", u.UpdateID, "err", err)
	}
}

// try is one attempt: handler, then one transaction with the state, the
// processed mark and the ops. A handler panic is an error, not a crash.
func (a *userActor) try(ctx context.Context, u store.PendingUpdate) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v\n%s", r, debug.Stack())
		}
	}()
	if !a.loaded {
		if err := a.load(ctx); err != nil {
			return err
		}
	}
	var upd models.Update
	if err := json.Unmarshal(u.Payload, &upd); err != nil {
		return fmt.Errorf("decode update %d: %w", u.UpdateID, err)
	}
	step, err := a.d.cfg.Handler.Handle(ctx, a.session, &upd)
	if err != nil {
		return err
	}
	if step.State == "" {
		step.State, step.Data = a.session.State, a.session.Data
	}
	err = a.d.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		ops := step.Ops
		if step.Apply != nil {
			more, err := step.Apply(ctx, tx)
			if err != nil {
				return err
			}
			ops = append(ops[:len(ops):len(ops)], more...)
		}
		if u.UserID != 0 && step.State != "" {
			if err := tx.SaveConversation(ctx, a.userID, step.State, step.Data); err != nil {
				return err
			}
		}
		if err := tx.MarkProcessed(ctx, u.UpdateID); err != nil {
			return err
		}
		enc, err := encodeOps(ops)
		if err != nil {
			return err
		}
		_, err = tx.EnqueueOps(ctx, a.userID, enc)
		return err
	})
	if err != nil {
		return err
	}
	a.session.State, a.session.Data = step.State, step.Data
	if step.AfterCommit != nil {
		step.AfterCommit()
	}
	return nil
}

func (a *userActor) load(ctx context.Context) error {
	a.session = Session{UserID: a.userID}
	if a.userID == 0 {
		a.loaded = true
		return nil
	}
	c, err := a.d.cfg.Store.Conversation(ctx, a.userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		a.session.State, a.session.Data = c.State, c.Data
	}
	a.loaded = true
	return nil
}

// flush sends the user's committed ops in order. Each call runs to the end
// even if ctx ends meanwhile (so a call Telegram accepted is also deleted),
// but no new call starts after ctx ended: what is left is sent by the next
// leader. A transient failure stops the flush to keep the order.
func (a *userActor) flush(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	ops, err := a.d.cfg.Store.PendingOps(ctx, a.userID)
	if err != nil {
		a.log.Error("conversation: cannot read pending ops", "err", err)
		return
	}
	for _, o := range ops {
		if ctx.Err() != nil {
			return
		}
		var op Op
		if err := json.Unmarshal(o.Op, &op); err != nil {
			a.log.Error("conversation: dropping an undecodable op", "op_id", o.ID, "err", err)
			a.deleteOp(ctx, o.ID)
			continue
		}
		if !a.perform(ctx, op) {
			return
		}
		a.deleteOp(ctx, o.ID)
	}
}

// perform makes one call, honouring 429s a few times; it reports whether
// the op is finished (done or given up) and may be deleted.
func (a *userActor) perform(ctx context.Context, op Op) bool {
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.d.cfg.SendTimeout)
		err := a.d.cfg.Telegram.Perform(cctx, op)
		cancel()
		if err == nil {
			return true
		}
		if errors.Is(err, errPermanent) {
			a.log.Warn("conversation: Bot API call refused; dropped", "op", op.Kind, "err", err)
			a.d.cfg.Metrics.TelegramErrors.WithLabelValues(op.Kind).Inc()
			return true
		}
		a.d.cfg.Metrics.TelegramErrors.WithLabelValues(op.Kind).Inc()
		wait := backoff(attempt, 500*time.Millisecond, 10*time.Second)
		if ra, ok := RetryAfter(err); ok {
			a.d.cfg.Metrics.RateLimited429.Inc()
			wait = ra
		}
		if attempt >= 5 {
			a.log.Error("conversation: Bot API call keeps failing; will retry later", "op", op.Kind, "err", err)
			return false
		}
		if !sleepCtx(ctx, wait) {
			return false
		}
	}
}

func (a *userActor) deleteOp(ctx context.Context, id int64) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := a.d.cfg.Store.DeleteOp(dctx, id); err != nil {
		a.log.Error("conversation: cannot delete a sent op; it may be sent again", "op_id", id, "err", err)
	}
}
