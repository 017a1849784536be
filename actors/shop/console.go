package shop

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/shop/operator"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// The operator console in Telegram: the conversation machine draws its
// screens (fsm/admin*.go), consoleFacts answers their reads and act carries
// out the changes an admin confirms, through the operator service, in the
// update's own transaction — so each change, its audit row, the admin's
// outcome message and the user's notice commit together, exactly once.
// Bans are enforced here too: a banned user's updates stop at suspended.

// suspended answers a banned user: one polite message (a callback's
// answer for a button) and nothing else, not even a state change. A
// banned user who floods gets no more replies than the rate limit allows.
func (sh *Shop) suspended(userID, chatID int64, lang fsm.Lang, in fsm.Input) actors.Step {
	if !sh.allow(userID) {
		if in.Kind == fsm.InputCallback {
			return actors.Step{Ops: []telegram.Op{telegram.AnswerOp(in.CallbackID, "")}}
		}
		return actors.Step{}
	}
	s := fsm.Suspended(lang, sh.cfg.SupportContact)
	if in.Kind == fsm.InputCallback {
		op := telegram.AnswerOp(in.CallbackID, cutAnswer(s.Text))
		op.Alert = true
		return actors.Step{Ops: []telegram.Op{op}}
	}
	return actors.Step{Ops: []telegram.Op{screenOp(chatID, s)}}
}

// cutAnswer bounds a callback answer to Telegram's 200 characters.
func cutAnswer(s string) string {
	r := []rune(s)
	if len(r) <= 200 {
		return s
	}
	return string(r[:199]) + "…"
}

// refusedForBan is the in-transaction check of a write a user asked for
// (an order, an invoice): a ban committed after the update was read still
// stops it. It returns the ops to send instead, or nil to go on.
func (sh *Shop) refusedForBan(ctx context.Context, tx *store.Tx, userID, chatID int64, lang fsm.Lang) ([]telegram.Op, error) {
	u, err := tx.User(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil // a new user: not banned
	}
	if err != nil {
		return nil, err
	}
	if !u.Banned() || sh.isAdmin(userID) {
		return nil, nil
	}
	return []telegram.Op{screenOp(chatID, fsm.Suspended(lang, sh.cfg.SupportContact))}, nil
}

// act carries out a confirmed AdminAct and shows its outcome in place of
// the confirmation. A repeat of a change already made (a double tap) adds
// nothing: the machine has answered the tap. Refusals are shown; any other
// error aborts the update, which is retried.
func (sh *Shop) act(ctx context.Context, tx *store.Tx, a fsm.AdminAct, adminID, chatID int64, lang fsm.Lang, in fsm.Input) ([]telegram.Op, error) {
	req := operator.Request{AdminID: adminID, Key: a.Key, Reason: a.Reason}
	var (
		res    fsm.AdminResult
		notice []telegram.Op
		err    error
	)
	switch a.Kind {
	case fsm.ActAdjust:
		var done operator.Adjusted
		done, err = sh.op.AdjustBalance(ctx, tx, operator.Adjust{Request: req, UserID: a.UserID, Amount: a.Amount})
		if err == nil {
			res = result(done.User, done.Change.Before, done.Change.After)
			notice = append(notice, screenOp(done.User.ChatID, fsm.BalanceAdjusted(fsm.LangOf(done.User.Language), a.Amount, done.Change.After)))
		}
	case fsm.ActBan, fsm.ActUnban:
		var u store.User
		b := operator.BanRequest{Request: req, UserID: a.UserID}
		if a.Kind == fsm.ActBan {
			u, err = sh.op.Ban(ctx, tx, b)
		} else {
			u, err = sh.op.Unban(ctx, tx, b)
		}
		res = result(u, 0, 0)
	case fsm.ActMessage:
		var u store.User
		u, err = sh.op.MessageUser(ctx, tx, operator.Message{Request: req, UserID: a.UserID, Text: a.Text})
		if err == nil {
			res = result(u, 0, 0)
			notice = append(notice, screenOp(u.ChatID, fsm.SupportMessage(fsm.LangOf(u.Language), a.Text)))
		}
	case fsm.ActRefund:
		var done operator.RefundedJob
		done, err = sh.op.RefundJob(ctx, tx, operator.JobRefund{Request: req, JobID: a.JobID})
		if err == nil {
			res = result(done.User, done.Change.Before, done.Change.After)
			notice = append(notice, screenOp(done.User.ChatID,
				fsm.OrderRefunded(fsm.LangOf(done.User.Language), done.Job.ID, done.Job.PriceKopecks, done.Change.After)))
		}
	case fsm.ActModelOff, fsm.ActModelOn:
		_, err = sh.op.SwitchModel(ctx, tx, operator.Switch{Request: req, ModelID: a.ModelID, Off: a.Kind == fsm.ActModelOff})
	case fsm.ActManualApprove:
		var done operator.ManualDone
		done, err = sh.op.ApproveManual(ctx, tx, operator.ManualDecision{Request: req, ID: a.ManualID})
		if err == nil {
			res = result(done.User, done.Change.Before, done.Change.After)
			notice = append(notice, screenOp(done.User.ChatID,
				fsm.ManualApproved(fsm.LangOf(done.User.Language), done.Manual.ID, done.Manual.Kopecks, done.Change.After)))
			// A confirmed transfer is real money: it earns a referrer's
			// reward and a waiting promo bonus like a Stars top-up, keyed
			// by the top-up, in the transaction that credited it.
			var earned []telegram.Op
			earned, err = sh.manualEarned(ctx, tx, done)
			notice = append(notice, earned...)
		}
	case fsm.ActManualReject:
		var done operator.ManualDone
		done, err = sh.op.RejectManual(ctx, tx, operator.ManualDecision{Request: req, ID: a.ManualID})
		if err == nil {
			res = result(done.User, 0, 0)
			notice = append(notice, screenOp(done.User.ChatID,
				fsm.ManualRejected(fsm.LangOf(done.User.Language), done.Manual.ID, a.Reason, sh.cfg.SupportContact)))
		}
	case fsm.ActConfirmPrice:
		if a.Price == nil {
			return nil, fmt.Errorf("price confirmation of %s without its price", a.ModelID)
		}
		_, err = sh.op.ConfirmPrice(ctx, tx, operator.PriceConfirm{Request: req, Confirmation: a.Price.Confirmation(a.ModelID, adminID)})
	default:
		return nil, fmt.Errorf("unknown admin act %q", a.Kind)
	}
	switch {
	case errors.Is(err, operator.ErrAlreadyDone):
		return nil, nil
	case err != nil:
		refusal, detail, ok := refusalOf(err)
		if !ok {
			return nil, err
		}
		res.Refused, res.Detail = refusal, detail
		if err := sh.refusalContext(ctx, tx, a, &res); err != nil {
			return nil, err
		}
		sh.log.Info("shop: admin change refused", "admin_id", adminID, "act", a.Kind, "refusal", refusal, "err", err)
	}
	return append([]telegram.Op{sh.replace(chatID, in, fsm.AdminOutcome(lang, a, res))}, notice...), nil
}

// replace shows s in place of the message whose button was pressed, or as
// a new message for an input without one.
func (sh *Shop) replace(chatID int64, in fsm.Input, s fsm.Screen) telegram.Op {
	if in.Kind == fsm.InputCallback && in.MessageID > 0 {
		return editOp(chatID, in.MessageID, s)
	}
	return screenOp(chatID, s)
}

func result(u store.User, before, after int64) fsm.AdminResult {
	return fsm.AdminResult{UserID: u.ID, UserName: u.FirstName, Username: u.Username, Before: before, After: after}
}

// refusalContext fills in who a refused change was about, and what the
// balance is for a debit refused as too large.
func (sh *Shop) refusalContext(ctx context.Context, tx *store.Tx, a fsm.AdminAct, res *fsm.AdminResult) error {
	if a.UserID == 0 {
		return nil
	}
	u, err := tx.User(ctx, a.UserID)
	if errors.Is(err, store.ErrNotFound) {
		res.UserID = a.UserID
		return nil
	}
	if err != nil {
		return err
	}
	*res = fsm.AdminResult{Refused: res.Refused, Detail: res.Detail, UserID: u.ID, UserName: u.FirstName, Username: u.Username}
	if res.Refused == fsm.RefusedBelowZero {
		avail, _, err := tx.Balance(ctx, a.UserID)
		if err != nil {
			return err
		}
		res.Detail = pricing.FormatRUB(avail)
	}
	return nil
}

// refusalOf maps the operator service's refusals to what the outcome
// screen explains; ok is false for a failure that is not a refusal.
func refusalOf(err error) (fsm.AdminRefusal, string, bool) {
	for _, r := range []struct {
		err error
		why fsm.AdminRefusal
	}{
		{operator.ErrBelowZero, fsm.RefusedBelowZero},
		{operator.ErrAdminTarget, fsm.RefusedAdmin},
		{operator.ErrAlreadyBanned, fsm.RefusedAlreadyBanned},
		{operator.ErrNotBanned, fsm.RefusedNotBanned},
		{operator.ErrJobRefunded, fsm.RefusedRefunded},
		{operator.ErrNotRefundable, fsm.RefusedNotRefundable},
		{operator.ErrUserUnknown, fsm.RefusedUnknownUser},
		{operator.ErrJobUnknown, fsm.RefusedUnknownJob},
		{operator.ErrShippedOff, fsm.RefusedShippedOff},
		{operator.ErrUnchanged, fsm.RefusedUnchanged},
		{operator.ErrNotAdmin, fsm.RefusedForbidden},
		{operator.ErrDecided, fsm.RefusedDecided},
		{operator.ErrManualUnknown, fsm.RefusedInvalid},
		{operator.ErrModelUnknown, fsm.RefusedInvalid},
		{operator.ErrPriceRefused, fsm.RefusedInvalid},
		{operator.ErrNoReason, fsm.RefusedInvalid},
		{operator.ErrTooLong, fsm.RefusedInvalid},
		{operator.ErrBadAmount, fsm.RefusedInvalid},
		{operator.ErrEmptyMessage, fsm.RefusedInvalid},
	} {
		if errors.Is(err, r.err) {
			// The words after the sentinel's own are the detail ("the job
			// is failed"); without any, the whole message.
			detail := err.Error()
			if i := strings.LastIndex(detail, r.err.Error()+": "); i >= 0 {
				detail = detail[i+len(r.err.Error())+2:]
			}
			return r.why, detail, true
		}
	}
	return "", "", false
}
