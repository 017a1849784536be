package shop

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net"
	"strings"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/internal/retry"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/go-telegram/bot"
	"golang.org/x/time/rate"

	"github.com/kiebot/kiebot/store"
)

// maxSendAttempts bounds the tries of a recipient whose sends fail with
// errors that certainly sent nothing (Telegram's 5xx, a refused
// connection); then it is failed.
const maxSendAttempts = 3

// senderHooks let tests perturb the sender; nil fields do nothing.
type senderHooks struct {
	// beforeSend runs before each recipient's Bot API call. Returning
	// false makes the sender die there as a killed process would: it
	// records nothing more and returns when its term ends, leaving its
	// claimed batch attempting.
	beforeSend func(r store.Recipient) bool
	// idle runs each time the sender, with nothing to send, starts to wait.
	idle func()
}

// Run is the sender, a leader-only term worker: one goroutine that sends
// the active broadcast to its recipients, Rate messages a second.
//
// # Never twice
//
// Each batch of recipients is claimed (pending → attempting, stamped
// with this term's epoch) and committed before any of them is sent;
// after each send its outcome is written (sent, failed, blocked). A
// claim succeeds only while this term is the lease's current one, and
// only for recipients still pending, so no two senders — not a new
// leader and an old one that has not noticed it lost — ever hold the
// same recipient. When this sender stops cleanly (a pause, a 429, the
// term ending) it returns the recipients it did not try to pending. When
// it dies instead, the next term's sender finds its recipients still
// attempting and marks them unknown: each may or may not have got the
// message, and they are never sent again. That is the price of never
// twice: a crash costs at most BatchSize recipients their message (a
// clean stop costs none), and Progress reports them as unknown.
//
// # The sending budget
//
// Telegram lets a bot send about 30 messages a second in all. The sender
// is a single goroutine behind a token bucket of Rate per second
// (default 25, progress edits included) whose burst is a twentieth of it,
// at least one — so no second ever sees more than 1.05 × Rate + 1 calls,
// while a late wake-up at high rates is made up — and however many
// recipients are pending a broadcast never takes more than Rate of that
// budget. Replies to users, each sent by its own user's actor, keep the
// remaining ~5 a second, far more than conversations use at once. A 429
// pauses the whole sender for its retry_after (the recipients in hand go
// back to pending), which leaves the whole budget to the replies while
// Telegram is cross.
func (b *Broadcasts) Run(ctx context.Context, t actors.Term) error {
	limit, burst := rate.Limit(b.cfg.Rate), max(1, int(b.cfg.Rate/20))
	if math.IsInf(b.cfg.Rate, 1) {
		limit, burst = rate.Inf, 1
	}
	s := &sender{b: b, epoch: t.Epoch, log: b.log.With("epoch", t.Epoch), limiter: rate.NewLimiter(limit, burst), noEdits: map[int64]bool{}}
	tick := time.NewTicker(b.cfg.CheckEvery)
	defer tick.Stop()
	for {
		progressed := s.round(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if progressed {
			continue
		}
		if s.b.hooks.idle != nil {
			s.b.hooks.idle()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-b.wake:
		case <-tick.C:
		}
	}
}

// sender is one term's sending state; only Run's goroutine touches it.
type sender struct {
	b         *Broadcasts
	epoch     int64
	log       *slog.Logger
	limiter   *rate.Limiter
	abandoned bool           // the earlier terms' attempts are marked unknown
	lastEdit  time.Time      // of the progress message
	noEdits   map[int64]bool // broadcasts whose progress message Telegram will not edit
}

// round sends the active broadcast until nothing is left to claim. It
// reports whether it got anywhere, so Run waits only when idle.
func (s *sender) round(ctx context.Context) bool {
	st := s.b.cfg.Store
	if !s.abandoned {
		n, err := st.AbandonAttempts(ctx, s.epoch)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("broadcast: cannot settle an earlier term's attempts; retrying", "err", err)
			}
			return false
		}
		if n > 0 {
			s.log.Warn("broadcast: recipients an earlier term was sending to when it died are marked unknown and will not be sent again", "count", n)
		}
		s.abandoned = true
	}
	bc, err := st.ActiveBroadcast(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false
	case err != nil:
		if ctx.Err() == nil {
			s.log.Error("broadcast: cannot look for a broadcast to send", "err", err)
		}
		return false
	case bc.State != store.BroadcastSending:
		return false
	}
	return s.send(ctx, bc)
}

// send claims and sends batches of bc until none is left (or it is
// paused, cancelled, or the term ends), then finishes it and shows the
// admin the outcome.
func (s *sender) send(ctx context.Context, bc store.Broadcast) (progressed bool) {
	st := s.b.cfg.Store
	log := s.log.With("broadcast_id", bc.ID)
	for ctx.Err() == nil {
		batch, skipped, err := st.ClaimRecipients(ctx, bc.ID, s.epoch, s.b.cfg.BatchSize)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("broadcast: cannot claim recipients; retrying", "err", err)
			}
			return progressed
		}
		if len(batch) == 0 && skipped == 0 {
			break
		}
		progressed = true
		if !s.sendBatch(ctx, bc, batch, log) {
			return progressed
		}
		s.showProgress(ctx, bc.ID, false, log)
	}
	if ctx.Err() != nil {
		return progressed
	}
	// Nothing to claim: every recipient has an outcome, or the broadcast
	// was paused or cancelled, or this term is over.
	done, err := st.FinishBroadcast(ctx, bc.ID)
	if err != nil {
		log.Error("broadcast: cannot mark the broadcast done", "err", err)
		return progressed
	}
	if done {
		p, _ := s.b.Progress(ctx, bc.ID)
		log.Info("broadcast: done", "sent", p.Sent, "failed", p.Failed, "blocked", p.Blocked, "skipped", p.Skipped, "unknown", p.Unknown)
	}
	if progressed || done {
		s.showProgress(ctx, bc.ID, true, log)
	}
	return progressed || done
}

// sendBatch sends to each claimed recipient in turn at the sender's rate.
// It reports false when the sender must stop (the term ended).
func (s *sender) sendBatch(ctx context.Context, bc store.Broadcast, batch []store.Recipient, log *slog.Logger) bool {
	for i, r := range batch {
		if err := s.limiter.Wait(ctx); err != nil {
			s.release(ctx, bc.ID, batch[i:], log)
			return false
		}
		if h := s.b.hooks.beforeSend; h != nil && !h(r) {
			<-ctx.Done() // dead: nothing more is recorded
			return false
		}
		// Once made, a call is let finish (bounded) even if the term ends
		// meanwhile: cutting it off would turn a clear answer into an
		// unknown outcome.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.b.cfg.SendTimeout)
		err := s.b.deliver(sctx, r.ChatID, bc)
		cancel()
		outcome, wait := classifySend(err)
		var now store.BroadcastState
		switch outcome {
		case sendWait:
			log.Warn("broadcast: Telegram asks to wait; pausing the sender", "sleep_duration", wait, "err", err)
			s.release(ctx, bc.ID, batch[i:], log)
			return retry.Sleep(ctx, wait)
		case sendRetry:
			if r.Attempts < maxSendAttempts {
				log.Warn("broadcast: a send failed without reaching the user; retrying later", "user_id", r.UserID, "attempt", r.Attempts, "err", err)
				s.record(ctx, bc.ID, r, store.RecipientPending, err, log)
				s.release(ctx, bc.ID, batch[i+1:], log)
				return retry.Sleep(ctx, retry.Backoff(r.Attempts, time.Second, 30*time.Second))
			}
			now = s.record(ctx, bc.ID, r, store.RecipientFailed, err, log)
		default:
			now = s.record(ctx, bc.ID, r, outcome.state(), err, log)
		}
		if now != store.BroadcastSending {
			// Paused or cancelled meanwhile (or unknown: the write failed):
			// the rest of the batch waits, untried.
			s.release(ctx, bc.ID, batch[i+1:], log)
			return true
		}
	}
	return true
}

// record writes a recipient's outcome, even as the term ends, and returns
// the broadcast's state as the write saw it ("" when it failed).
func (s *sender) record(ctx context.Context, id int64, r store.Recipient, state store.RecipientState, sendErr error, log *slog.Logger) store.BroadcastState {
	detail := ""
	if sendErr != nil {
		detail = telegramDescription(sendErr)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	now, err := s.b.cfg.Store.RecordRecipient(rctx, id, s.epoch, r.UserID, state, detail)
	if err != nil {
		// Left attempting, the recipient becomes unknown at the next term:
		// never sent again, as it must not be.
		log.Error("broadcast: cannot record a send's outcome", "user_id", r.UserID, "outcome", state, "err", err)
		return ""
	}
	return now
}

// release returns recipients the sender did not try to pending.
func (s *sender) release(ctx context.Context, id int64, rs []store.Recipient, log *slog.Logger) {
	if len(rs) == 0 {
		return
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.UserID
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.b.cfg.Store.ReleaseRecipients(rctx, id, s.epoch, ids); err != nil {
		log.Error("broadcast: cannot return untried recipients; the next term marks them unknown", "count", len(ids), "err", err)
	}
}

// showProgress edits the admin's progress message: at most every
// ProgressEvery while sending, and always when final. Edits share the
// sender's rate; one Telegram refuses is not tried again this term.
func (s *sender) showProgress(ctx context.Context, id int64, final bool, log *slog.Logger) {
	if s.noEdits[id] || (!final && s.b.cfg.Now().Sub(s.lastEdit) < s.b.cfg.ProgressEvery) {
		return
	}
	bc, err := s.b.cfg.Store.Broadcast(ctx, id)
	if err != nil || bc.ProgressMessageID == 0 {
		return
	}
	if err := s.limiter.Wait(ctx); err != nil {
		return
	}
	s.lastEdit = s.b.cfg.Now()
	err = s.b.showProgress(ctx, bc)
	switch outcome, wait := classifySend(err); {
	case err == nil:
	case outcome == sendWait:
		log.Warn("broadcast: Telegram asks to wait; pausing the sender", "sleep_duration", wait)
		retry.Sleep(ctx, wait)
	case outcome == sendFailed || outcome == sendBlocked:
		log.Warn("broadcast: the progress message cannot be edited; not trying again", "err", err)
		s.noEdits[id] = true
	default:
		log.Warn("broadcast: cannot update the progress message", "err", err)
	}
}

// sendOutcome is what a send's error says happened.
type sendOutcome int

const (
	sendOK      sendOutcome = iota
	sendFailed              // Telegram refused for good (400, 404): not sent
	sendBlocked             // 403: the user blocked the bot
	sendUnknown             // the call may have reached Telegram: maybe sent
	sendWait                // 429 (or the token refused): nothing sent; the whole sender waits
	sendRetry               // nothing sent (Telegram's 5xx, a refused connection): try again later
)

func (o sendOutcome) state() store.RecipientState {
	switch o {
	case sendOK:
		return store.RecipientSent
	case sendFailed:
		return store.RecipientFailed
	case sendBlocked:
		return store.RecipientBlocked
	}
	return store.RecipientUnknown
}

// classifySend sorts a Bot API call's error by whether the message can
// have been sent. Only answers from Telegram itself, and connections that
// were never made, say "not sent"; anything else — a timeout, a reset, a
// body cut off — might have been delivered, and is unknown.
func classifySend(err error) (sendOutcome, time.Duration) {
	if err == nil {
		return sendOK, 0
	}
	if wait, ok := telegram.RetryAfter(err); ok {
		return sendWait, wait
	}
	var migrate *bot.MigrateError
	var opErr *net.OpError
	switch {
	case errors.Is(err, bot.ErrorForbidden):
		return sendBlocked, 0
	case errors.Is(err, bot.ErrorBadRequest), errors.Is(err, bot.ErrorNotFound), errors.As(err, &migrate):
		return sendFailed, 0
	case errors.Is(err, bot.ErrorUnauthorized):
		// The token itself is refused: no recipient's fault. Wait; the
		// term ends anyway if Telegram keeps refusing it.
		return sendWait, time.Minute
	case errors.Is(err, bot.ErrorConflict), strings.Contains(err.Error(), "error response from telegram"):
		return sendRetry, 0
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return sendRetry, 0
	}
	return sendUnknown, 0
}
