package actors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/kiebot/kiebot/actors/internal/retry"
	"github.com/kiebot/kiebot/actors/telegram"

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
	unsent  []store.OutboxOp // committed ops not yet sent, in order
	sent    []int64          // outbox ids sent but not yet deleted
	touched *store.SeenUser  // the sender as last written
	saved   bool             // session is what the database holds
	version int64            // the conversation's version as read or last saved (store.NoConversation: none)
	// afterUncertain is the AfterCommit of a step whose commit failed in a
	// way that may have committed (the answer was lost); it runs if the
	// update turns out processed.
	afterUncertain func()
	log            *slog.Logger

	inflight int // updates routed and not yet done; owned by the dispatcher goroutine
}

// actorEvent tells the dispatcher what an actor did.
type actorEvent struct {
	userID   int64
	updateID int64 // done with this update (processed, failed or left for later)
	durable  bool  // the update's effect, or its failure, is committed (or it is stored)
	idle     bool  // nothing to do for IdleTimeout: may I exit?
	bypass   bool  // handled outside the user's actor (pre-checkout)
	caughtUp bool  // the actor has sent (or tried) what was pending at its start
}

func (a *userActor) run(ctx context.Context) {
	idle := time.NewTimer(a.d.cfg.IdleTimeout)
	defer idle.Stop()
	defer a.deleteSent(ctx)
	// Ops a previous leader (or an earlier actor) committed but did not send.
	if ops, err := a.d.cfg.Store.PendingOps(ctx, a.userID); err != nil {
		a.log.Error("conversation: cannot read pending ops", "err", err)
	} else {
		a.unsent = ops
	}
	a.flush(ctx)
	a.d.notify(ctx, actorEvent{userID: a.userID, caughtUp: true})
	for {
		select {
		case <-ctx.Done():
			return
		case u, ok := <-a.mailbox:
			if !ok {
				return
			}
			a.d.cfg.Trace.mark(StageStarted, u.UpdateID)
			durable := a.process(ctx, u)
			a.flush(ctx)
			a.d.cfg.Trace.mark(StageSent, u.UpdateID)
			a.d.notify(ctx, actorEvent{userID: a.userID, updateID: u.UpdateID, durable: durable})
		case <-idle.C:
			if len(a.unsent) > 0 {
				a.flush(ctx) // Telegram was failing: try again before going idle
				break
			}
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
// the failure and apologises, in one transaction. An update the handler
// says must not be dropped (a payment) is never given up: it is retried
// with backoff until it succeeds or the term ends (the next leader goes
// on). It reports whether the update is durable: done, or at least in the
// inbox.
func (a *userActor) process(ctx context.Context, u store.PendingUpdate) (durable bool) {
	defer func() { durable = durable || !u.Unstored }()
	var upd models.Update
	decodeErr := json.Unmarshal(u.Payload, &upd)
	if decodeErr != nil {
		decodeErr = fmt.Errorf("decode update %d: %w", u.UpdateID, decodeErr)
	}
	money := ""
	if c, ok := a.d.cfg.Handler.(MoneyClassifier); ok && decodeErr == nil {
		money = c.MustNotDrop(&upd)
	}
	var err error
	conflicts := 0
	// At least one attempt, even when earlier leaders spent them all but
	// could not record the final failure: there is no failure to record
	// without one (and err would be nil).
	attempt := u.Attempts + 1
	if money == "" {
		attempt = min(attempt, maxAttempts)
	}
	for ; money != "" || attempt <= maxAttempts; attempt++ {
		if ctx.Err() != nil {
			return // left in the inbox for the next leader
		}
		err = decodeErr
		if err == nil {
			err = a.try(ctx, u, &upd)
		}
		if err == nil {
			a.d.cfg.Metrics.UpdatesDone.WithLabelValues("processed").Inc()
			a.d.cfg.Metrics.UpdateSeconds.Observe(time.Since(u.ReceivedAt).Seconds())
			return true
		}
		if errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
			if _, processed, _, serr := a.d.cfg.Store.UpdateState(ctx, u.UpdateID); serr == nil && processed {
				// Processed already: by an earlier attempt whose commit
				// answer was lost, or by another actor. Either way what
				// this actor holds may be stale: read it all again.
				a.resync(ctx)
				return true
			}
		}
		if errors.Is(err, store.ErrConflict) && conflicts < maxAttempts {
			// The conversation changed since it was read: read it again
			// and recompute the step, without counting an attempt.
			conflicts++
			a.loaded = false
			attempt--
			continue
		}
		if ctx.Err() != nil {
			return // the term ended mid-attempt: not the update's fault
		}
		wait := time.Duration(attempt) * 200 * time.Millisecond
		if money != "" {
			a.log.Error("conversation: an update that must not be dropped failed; retrying until it succeeds",
				"update_id", u.UpdateID, "kind", money, "attempt", attempt, "err", err)
			a.d.cfg.Metrics.MoneyRetries.WithLabelValues(money).Inc()
			if a.d.cfg.Stuck != nil && attempt%a.d.cfg.StuckAfter == 0 {
				a.d.cfg.Stuck(ctx, a.userID, u.UpdateID, money, attempt, err)
			}
			wait = retry.Backoff(attempt, 200*time.Millisecond, a.d.cfg.MaxRetryWait)
		} else {
			a.log.Error("conversation: update failed", "update_id", u.UpdateID, "kind", u.Kind, "attempt", attempt, "err", err)
		}
		a.store(ctx, &u) // so its attempts are counted, and it survives this leader
		if money != "" || attempt < maxAttempts {
			// Counted in the database, so a poison update is not retried
			// forever across failovers either.
			if rerr := a.d.cfg.Store.RecordFailure(ctx, u.UpdateID, err.Error(), false); rerr != nil {
				a.log.Warn("conversation: cannot count a failed attempt", "update_id", u.UpdateID, "err", rerr)
			}
			if !retry.Sleep(ctx, wait) {
				return
			}
		}
	}
	a.d.cfg.Metrics.UpdatesDone.WithLabelValues("failed").Inc()
	cause := "attempts spent"
	if err != nil {
		cause = err.Error()
	}
	apology := a.d.cfg.Handler.Apology(ctx, a.userID)
	var committed []store.OutboxOp
	err = a.d.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		committed = committed[:0]
		if err := tx.RecordFailure(ctx, u.UpdateID, cause, true); err != nil {
			return err
		}
		enc, err := telegram.EncodeOps(apology)
		if err != nil {
			return err
		}
		ids, err := tx.EnqueueOps(ctx, a.userID, enc)
		for i, id := range ids {
			committed = append(committed, store.OutboxOp{ID: id, UserID: a.userID, Op: enc[i]})
		}
		return err
	})
	if err != nil {
		a.log.Error("conversation: could not record a failed update; it stays pending", "update_id", u.UpdateID, "err", err)
		return
	}
	a.unsent = append(a.unsent, committed...)
	return true
}

// store puts an update handed over directly by the poller into the inbox
// (unprocessed): retried or failed, it is then an ordinary stored update.
func (a *userActor) store(ctx context.Context, u *store.PendingUpdate) {
	if !u.Unstored {
		return
	}
	_, err := a.d.cfg.Store.StoreUpdates(ctx, "poll", []store.InboxUpdate{{UpdateID: u.UpdateID, UserID: u.UserID, Kind: u.Kind, Payload: u.Payload}})
	if err != nil {
		a.log.Warn("conversation: cannot store a failing update", "update_id", u.UpdateID, "err", err)
		return
	}
	u.Unstored = false
}

// try is one attempt: handler, then one transaction with the state, the
// processed mark and the ops. A handler panic is an error, not a crash.
func (a *userActor) try(ctx context.Context, u store.PendingUpdate, upd *models.Update) (err error) {
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
	step, err := a.d.cfg.Handler.Handle(ctx, a.session, upd)
	if err != nil {
		return err
	}
	if step.State == "" {
		step.State, step.Data = a.session.State, a.session.Data
	}
	enc, err := telegram.EncodeOps(step.Ops)
	if err != nil {
		return err
	}
	w := store.StepWrites{
		UpdateID: u.UpdateID, UserID: a.userID, Touch: Sender(upd),
		SaveState: u.UserID != 0 && step.State != "", State: step.State, Data: step.Data,
		Ops: enc, SentOps: a.sent, CheckVersion: true, Version: a.version,
	}
	if u.Unstored {
		w.Unstored = &store.InboxUpdate{UpdateID: u.UpdateID, UserID: u.UserID, Kind: u.Kind, Payload: u.Payload}
		w.Source = "poll"
	}
	// Skip writes that change nothing: the sender as this actor last
	// recorded them, the state as it was loaded or last saved.
	if w.Touch != nil && a.touched != nil && *w.Touch == *a.touched {
		w.Touch = nil
	}
	if w.SaveState && a.saved && w.State == a.session.State && bytes.Equal(w.Data, a.session.Data) {
		w.SaveState = false
	}
	var ids []int64
	if step.Apply == nil {
		ids, err = a.d.cfg.Store.CommitStep(ctx, w)
	} else {
		err = a.d.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
			more, err := step.Apply(ctx, tx)
			if err != nil {
				return err
			}
			moreEnc, err := telegram.EncodeOps(more)
			if err != nil {
				return err
			}
			w := w
			w.Ops = append(w.Ops[:len(w.Ops):len(w.Ops)], moreEnc...)
			enc = w.Ops
			ids, err = tx.CommitStep(ctx, w)
			return err
		})
	}
	if err == nil && a.d.cfg.commitFault != nil {
		err = a.d.cfg.commitFault(u.UpdateID) // tests: the commit's answer is lost
	}
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
			a.afterUncertain = step.AfterCommit // it may have committed
		}
		return err
	}
	a.afterUncertain = nil
	a.d.cfg.Trace.mark(StageCommitted, u.UpdateID)
	a.sent = nil
	if w.Touch != nil {
		a.touched = w.Touch
	}
	if w.SaveState {
		a.saved = true
		a.version = max(a.version+1, 0) // NoConversation+1 is the new row's 0
	}
	for i, id := range ids {
		a.unsent = append(a.unsent, store.OutboxOp{ID: id, UserID: a.userID, Op: enc[i]})
	}
	a.session.State, a.session.Data = step.State, step.Data
	if step.AfterCommit != nil {
		step.AfterCommit()
	}
	return nil
}

func (a *userActor) load(ctx context.Context) error {
	a.session = Session{UserID: a.userID}
	a.saved, a.version = false, store.NoConversation
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
		a.saved, a.version = true, c.Version
	}
	a.loaded = true
	return nil
}

// resync forgets what the actor holds of the conversation and its unsent
// ops once an update it tried turns out processed: the session is read
// again before the next update, the ops committed and not yet sent are
// read again (so a lost commit answer neither drops nor delays replies),
// and the uncertain step's AfterCommit runs.
func (a *userActor) resync(ctx context.Context) {
	a.loaded = false
	a.touched = nil
	ops, err := a.d.cfg.Store.PendingOps(ctx, a.userID)
	if err != nil {
		a.log.Error("conversation: cannot read pending ops again", "err", err)
	} else {
		sent := make(map[int64]bool, len(a.sent))
		for _, id := range a.sent {
			sent[id] = true
		}
		a.unsent = a.unsent[:0]
		for _, o := range ops {
			if !sent[o.ID] {
				a.unsent = append(a.unsent, o)
			}
		}
	}
	if after := a.afterUncertain; after != nil {
		a.afterUncertain = nil
		after()
	}
}

// flush sends the user's committed ops in order. Each call runs to the end
// even if ctx ends meanwhile (so a call Telegram accepted is also deleted),
// but no new call starts after ctx ended: what is left is sent by the next
// leader. A transient failure stops the flush to keep the order.
func (a *userActor) flush(ctx context.Context) {
	for len(a.unsent) > 0 {
		if ctx.Err() != nil {
			return
		}
		o := a.unsent[0]
		var op telegram.Op
		if err := json.Unmarshal(o.Op, &op); err != nil {
			a.log.Error("conversation: dropping an undecodable op", "op_id", o.ID, "err", err)
		} else if !a.perform(ctx, op) {
			return // kept, in order, for the next flush
		}
		// Deleted with the user's next update (one round trip saved per
		// call), or when the actor exits, or when many have piled up.
		a.sent = append(a.sent, o.ID)
		a.unsent = a.unsent[1:]
	}
	if len(a.sent) >= 32 {
		a.deleteSent(ctx)
	}
}

// perform makes one call, honouring 429s a few times; it reports whether
// the op is finished (done or given up) and may be deleted.
func (a *userActor) perform(ctx context.Context, op telegram.Op) bool {
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.d.cfg.SendTimeout)
		err := a.d.cfg.Telegram.Perform(cctx, op)
		cancel()
		if err == nil {
			return true
		}
		if errors.Is(err, telegram.ErrPermanent) {
			a.log.Warn("conversation: Bot API call refused; dropped", "op", op.Kind, "err", err)
			a.d.cfg.Metrics.TelegramErrors.WithLabelValues(op.Kind).Inc()
			return true
		}
		a.d.cfg.Metrics.TelegramErrors.WithLabelValues(op.Kind).Inc()
		wait := retry.Backoff(attempt, 500*time.Millisecond, 10*time.Second)
		if ra, ok := telegram.RetryAfter(err); ok {
			a.d.cfg.Metrics.RateLimited429.Inc()
			wait = ra
		}
		if attempt >= 5 {
			a.log.Error("conversation: Bot API call keeps failing; will retry later", "op", op.Kind, "err", err)
			return false
		}
		if !retry.Sleep(ctx, wait) {
			return false
		}
	}
}

// deleteSent deletes the outbox rows of calls already made. It runs even
// after ctx ended (the actor is exiting): a sent call left in the outbox
// would be made again by the next leader.
func (a *userActor) deleteSent(ctx context.Context) {
	if len(a.sent) == 0 {
		return
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := a.d.cfg.Store.DeleteOps(dctx, a.sent); err != nil {
		a.log.Error("conversation: cannot delete sent ops; they may be sent again", "ops", len(a.sent), "err", err)
		return
	}
	a.sent = nil
}
