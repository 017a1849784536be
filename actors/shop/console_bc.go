package shop

import (
	"context"
	"errors"
	"strings"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
)

// The console's broadcasts: the machine composes a draft (fsm/admin_bc.go);
// here its preview is sent, its start and controls are carried out in the
// update's transaction through Broadcasts, and broadcastFacts answers the
// section's reads. The leader's sender does the sending.

// previewBroadcast carries out a PreviewBroadcast: the draft goes to the
// admin's chat exactly as recipients will get it (Telegram judges its HTML
// there; nothing is stored), and the machine is stepped again with the
// outcome, which decides the next screen. res's outputs come first.
func (sh *Shop) previewBroadcast(ctx context.Context, env fsm.Env, res fsm.Result, c fsm.PreviewBroadcast, chatID int64) (fsm.Result, error) {
	out := fsm.Outcome{}
	switch err := sh.cfg.Broadcasts.PreviewDraft(ctx, draftOf(c.Draft, env.UserID), chatID); {
	case err == nil:
	case errors.Is(err, ErrInvalidDraft), errors.Is(err, ErrBadContent):
		msg := err.Error()
		for _, prefix := range []string{ErrInvalidDraft.Error() + ": ", ErrBadContent.Error() + ": "} {
			if i := strings.Index(msg, prefix); i >= 0 {
				msg = msg[i+len(prefix):]
			}
		}
		out.Refused = msg
		sh.log.Info("shop: broadcast preview refused", "admin_id", env.UserID, "err", err)
	default:
		if ctx.Err() != nil {
			return fsm.Result{}, err
		}
		out.Refused, out.Transient = telegramDescription(err), true
		sh.log.Warn("shop: cannot send a broadcast preview", "admin_id", env.UserID, "err", err)
	}
	next, err := fsm.Step(env, res.State, res.Data, fsm.Input{Kind: fsm.InputOutcome, Outcome: &out})
	if err != nil {
		return fsm.Result{}, err
	}
	next.Out = append(res.Out, next.Out...)
	return next, nil
}

// draftOf is the broadcast API's draft of the machine's.
func draftOf(d fsm.BroadcastDraft, adminID int64) Draft {
	out := Draft{Text: d.Text, Photo: d.Photo, CreatedBy: adminID,
		Audience: store.Audience{PayingOnly: d.Audience.PayingOnly, ActiveDays: d.Audience.ActiveDays, Language: d.Audience.Language}}
	if d.ButtonURL != "" {
		out.Button = &LinkButton{Text: d.ButtonText, URL: d.ButtonURL}
	}
	return out
}

// launchBroadcast starts a confirmed draft in the update's transaction;
// the confirmation becomes its progress message, which the sender edits.
// A second tap on the same confirmation does nothing.
func (sh *Shop) launchBroadcast(ctx context.Context, tx *store.Tx, c fsm.LaunchBroadcast, adminID, chatID int64, lang fsm.Lang, in fsm.Input) ([]telegram.Op, error) {
	if !sh.isAdmin(adminID) {
		return nil, nil // demoted since the screen was shown: the machine shows them the menu
	}
	bcs := sh.cfg.Broadcasts
	if done, err := bcs.Launched(ctx, tx, c.Key); err != nil || done {
		return nil, err
	}
	progress := store.ProgressRef{ChatID: chatID, MessageID: int64(in.MessageID)}
	bc, err := bcs.Launch(ctx, tx, draftOf(c.Draft, adminID), progress, c.Key)
	switch {
	case errors.Is(err, store.ErrBroadcastActive), errors.Is(err, ErrInvalidDraft):
		sh.log.Info("shop: broadcast start refused", "admin_id", adminID, "err", err)
		why := err.Error()
		if errors.Is(err, store.ErrBroadcastActive) {
			why = fsm.T(lang, fsm.KeyBcBusy, 0, "")
			if active, aerr := tx.ActiveBroadcast(ctx); aerr == nil {
				why = fsm.T(lang, fsm.KeyBcBusy, active.ID, fsm.T(lang, stateKey(active.State)))
			}
		}
		return []telegram.Op{sh.replace(chatID, in, fsm.BroadcastRefused(lang, why))}, nil
	case err != nil:
		return nil, err
	}
	v, err := viewOf(ctx, tx, bc)
	if err != nil {
		return nil, err
	}
	return []telegram.Op{sh.replace(chatID, in, fsm.BroadcastStatus(lang, v))}, nil
}

// controlBroadcast pauses, resumes or cancels a broadcast in the update's
// transaction and shows its status in place of the pressed message (and
// on its progress message, if that is another one). A control that no
// longer applies shows the status as it is.
func (sh *Shop) controlBroadcast(ctx context.Context, tx *store.Tx, c fsm.ControlBroadcast, adminID, chatID int64, lang fsm.Lang, in fsm.Input) ([]telegram.Op, error) {
	if !sh.isAdmin(adminID) {
		return nil, nil
	}
	bc, err := sh.cfg.Broadcasts.Control(ctx, tx, c.ID, adminID, c.Kind, c.Key)
	if errors.Is(err, store.ErrBroadcastState) {
		bc, err = tx.Broadcast(ctx, c.ID)
	}
	if err != nil {
		return nil, err
	}
	v, err := viewOf(ctx, tx, bc)
	if err != nil {
		return nil, err
	}
	s := fsm.BroadcastStatus(lang, v)
	ops := []telegram.Op{sh.replace(chatID, in, s)}
	if bc.ProgressMessageID != 0 && (bc.ProgressChatID != chatID || bc.ProgressMessageID != int64(in.MessageID)) {
		plang, _, _, err := language(ctx, sh.cfg.Store, bc.ProgressChatID, "")
		if err != nil {
			return nil, err
		}
		ops = append(ops, editOp(bc.ProgressChatID, int(bc.ProgressMessageID), fsm.BroadcastStatus(plang, v)))
	}
	return ops, nil
}

func stateKey(s store.BroadcastState) fsm.Key {
	switch s {
	case store.BroadcastReady:
		return fsm.KeyBroadcastReady
	case store.BroadcastSending:
		return fsm.KeyBroadcastSending
	case store.BroadcastPaused:
		return fsm.KeyBroadcastPaused
	case store.BroadcastDone:
		return fsm.KeyBroadcastDone
	case store.BroadcastCancelled:
		return fsm.KeyBroadcastCancelled
	}
	return fsm.KeyBroadcastDraft
}

// broadcastReader is what viewOf reads counts with: the store or a
// transaction.
type broadcastReader interface {
	BroadcastCounts(ctx context.Context, id int64) (store.BroadcastCounts, error)
}

// viewOf is the machine's view of a stored broadcast, with its counts.
func viewOf(ctx context.Context, r broadcastReader, bc store.Broadcast) (fsm.BroadcastView, error) {
	c, err := r.BroadcastCounts(ctx, bc.ID)
	if err != nil {
		return fsm.BroadcastView{}, err
	}
	return fsm.BroadcastView{
		ID: bc.ID, State: string(bc.State), Text: bc.Text, Photo: bc.Photo != "", ButtonText: bc.ButtonText, ButtonURL: bc.ButtonURL,
		Audience:  fsm.Audience{PayingOnly: bc.Audience.PayingOnly, ActiveDays: bc.Audience.ActiveDays, Language: bc.Audience.Language},
		CreatedBy: bc.CreatedBy, CreatedAt: bc.CreatedAt, StartedAt: bc.StartedAt, FinishedAt: bc.FinishedAt, Recipients: bc.Recipients,
		Sent: c.Sent, Failed: c.Failed, Blocked: c.Blocked, Skipped: c.Skipped, Unknown: c.Unknown, Left: c.Left(),
	}, nil
}

// broadcastFacts answers the broadcasts section's reads (fsm.BroadcastFacts)
// for one Step, on the pool.
type broadcastFacts struct {
	ctx context.Context
	st  *store.Store
}

func (f broadcastFacts) Broadcasts(n int) ([]fsm.BroadcastView, error) {
	list, err := f.st.RecentBroadcasts(f.ctx, n)
	if err != nil {
		return nil, err
	}
	out := make([]fsm.BroadcastView, 0, len(list))
	for _, bc := range list {
		v, err := viewOf(f.ctx, f.st, bc)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (f broadcastFacts) Broadcast(id int64) (fsm.BroadcastView, bool, error) {
	return f.found(f.st.Broadcast(f.ctx, id))
}

func (f broadcastFacts) ActiveBroadcast() (fsm.BroadcastView, bool, error) {
	return f.found(f.st.ActiveBroadcast(f.ctx))
}

func (f broadcastFacts) found(bc store.Broadcast, err error) (fsm.BroadcastView, bool, error) {
	if errors.Is(err, store.ErrNotFound) {
		return fsm.BroadcastView{}, false, nil
	}
	if err != nil {
		return fsm.BroadcastView{}, false, err
	}
	v, err := viewOf(f.ctx, f.st, bc)
	return v, err == nil, err
}

func (f broadcastFacts) CountAudience(a fsm.Audience) (int64, error) {
	return f.st.CountAudience(f.ctx, store.Audience{PayingOnly: a.PayingOnly, ActiveDays: a.ActiveDays, Language: a.Language})
}

// broadcastStep wires a broadcast command into the step: its part of the
// transaction and the sender's wake-up after the commit.
func (sh *Shop) broadcastStep(step *actors.Step, apply func(context.Context, *store.Tx) ([]telegram.Op, error)) {
	first := step.Apply
	step.Apply = func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
		var ops []telegram.Op
		if first != nil {
			var err error
			if ops, err = first(ctx, tx); err != nil {
				return nil, err
			}
		}
		more, err := apply(ctx, tx)
		return append(ops, more...), err
	}
	step.AfterCommit = sh.cfg.Broadcasts.Kick
}
