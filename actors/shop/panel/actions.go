package panel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kiebot/kiebot/actors/shop"
	"github.com/kiebot/kiebot/actors/shop/operator"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
)

// The changes. Each is one call of the operator service (or the
// broadcasts API) in one transaction with its audit row, keyed by the
// form's idempotency key, so a form posted twice changes nothing more.
// The outcome comes back to the page as a flash key.

// request is what every change form carries.
func request(r *http.Request, s *session) operator.Request {
	return operator.Request{AdminID: s.AdminID, Key: "panel:" + strings.TrimSpace(r.PostForm.Get("key")), Reason: r.PostForm.Get("reason")}
}

// outcome maps a change's error to the flash shown; err is returned when
// it is a failure rather than a refusal.
func outcome(err error) (flash string, _ error) {
	if err == nil {
		return "panel.f_done", nil
	}
	for _, r := range []struct {
		err  error
		flag string
	}{
		{operator.ErrAlreadyDone, "panel.f_already"},
		{operator.ErrBelowZero, "panel.r_below_zero"},
		{operator.ErrAdminTarget, "panel.r_admin"},
		{operator.ErrAlreadyBanned, "panel.r_banned"},
		{operator.ErrNotBanned, "panel.r_not_banned"},
		{operator.ErrJobRefunded, "panel.r_refunded"},
		{operator.ErrNotRefundable, "panel.r_not_refundable"},
		{operator.ErrUserUnknown, "panel.r_unknown"},
		{operator.ErrJobUnknown, "panel.r_unknown"},
		{operator.ErrModelUnknown, "panel.r_unknown"},
		{operator.ErrShippedOff, "panel.r_shipped_off"},
		{operator.ErrUnchanged, "panel.r_unchanged"},
		{operator.ErrNoReason, "panel.r_reason"},
		{operator.ErrTooLong, "panel.r_too_long"},
		{operator.ErrBadAmount, "panel.r_amount"},
		{operator.ErrEmptyMessage, "panel.r_empty"},
		{operator.ErrNotAdmin, "panel.r_forbidden"},
		{errBadForm, "panel.r_invalid"},
		{store.ErrBroadcastState, "panel.r_state"},
		{store.ErrBroadcastActive, "panel.r_active"},
		{shop.ErrInvalidDraft, "panel.r_invalid"},
		{shop.ErrBadContent, "panel.r_content"},
	} {
		if errors.Is(err, r.err) {
			return r.flag, nil
		}
	}
	return "", err
}

var errBadForm = errors.New("invalid form field")

// notify queues a notice to the user in tx (their outbox).
func notify(ctx context.Context, tx *store.Tx, u store.User, screen func(fsm.Lang) fsm.Screen) error {
	enc, err := telegram.EncodeOps([]telegram.Op{shop.ScreenOp(u.ChatID, screen(fsm.LangOf(u.Language)))})
	if err != nil {
		return fmt.Errorf("encode notice: %w", err)
	}
	_, err = tx.EnqueueOps(ctx, u.ID, enc)
	return err
}

// change runs fn in a transaction and sends the browser back to page with
// its outcome. A refusal rolls back nothing but itself (the operator's
// savepoint); a failure is an error page.
func (p *Panel) change(w http.ResponseWriter, r *http.Request, s *session, page string, fn func(ctx context.Context, tx *store.Tx) error) error {
	ctx, cancel := reqCtx(r)
	defer cancel()
	var refusal error
	err := p.st.InTx(ctx, func(tx *store.Tx) error {
		if err := fn(ctx, tx); err != nil {
			if _, ferr := outcome(err); ferr != nil {
				return err
			}
			refusal = err
		}
		return nil
	})
	if err != nil {
		return err
	}
	flash, _ := outcome(refusal)
	if refusal != nil {
		p.log.Info("panel: change refused", "admin_id", s.AdminID, "path", r.URL.Path, "err", refusal)
	}
	redirect(w, r, page, flash)
	return nil
}

func (p *Panel) adjust(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	back := "users/" + strconv.FormatInt(id, 10)
	return p.change(w, r, s, back, func(ctx context.Context, tx *store.Tx) error {
		amount, err := parseRoubles(r.PostForm.Get("amount"))
		if err != nil {
			return fmt.Errorf("%w: %w", operator.ErrBadAmount, err)
		}
		done, err := p.op.AdjustBalance(ctx, tx, operator.Adjust{Request: request(r, s), UserID: id, Amount: amount})
		if err != nil {
			return err
		}
		return notify(ctx, tx, done.User, func(l fsm.Lang) fsm.Screen { return fsm.BalanceAdjusted(l, amount, done.Change.After) })
	})
}

func (p *Panel) ban(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.banOrUnban(w, r, s, true)
}

func (p *Panel) unban(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.banOrUnban(w, r, s, false)
}

func (p *Panel) banOrUnban(w http.ResponseWriter, r *http.Request, s *session, ban bool) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return p.change(w, r, s, "users/"+strconv.FormatInt(id, 10), func(ctx context.Context, tx *store.Tx) error {
		b := operator.BanRequest{Request: request(r, s), UserID: id}
		if ban {
			_, err := p.op.Ban(ctx, tx, b)
			return err
		}
		_, err := p.op.Unban(ctx, tx, b)
		return err
	})
}

func (p *Panel) message(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return p.change(w, r, s, "users/"+strconv.FormatInt(id, 10), func(ctx context.Context, tx *store.Tx) error {
		text := r.PostForm.Get("text")
		u, err := p.op.MessageUser(ctx, tx, operator.Message{Request: request(r, s), UserID: id, Text: text})
		if err != nil {
			return err
		}
		// The operator trimmed it; the user gets what was audited.
		text = strings.TrimSpace(text)
		return notify(ctx, tx, u, func(l fsm.Lang) fsm.Screen { return fsm.SupportMessage(l, text) })
	})
}

func (p *Panel) refund(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return p.change(w, r, s, "jobs/"+strconv.FormatInt(id, 10), func(ctx context.Context, tx *store.Tx) error {
		done, err := p.op.RefundJob(ctx, tx, operator.JobRefund{Request: request(r, s), JobID: id})
		if err != nil {
			return err
		}
		return notify(ctx, tx, done.User, func(l fsm.Lang) fsm.Screen {
			return fsm.OrderRefunded(l, done.Job.ID, done.Job.PriceKopecks, done.Change.After)
		})
	})
}

func (p *Panel) switchModel(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.change(w, r, s, "models", func(ctx context.Context, tx *store.Tx) error {
		var off bool
		switch r.PostForm.Get("state") {
		case "off":
			off = true
		case "on":
		default:
			return errBadForm
		}
		_, err := p.op.SwitchModel(ctx, tx, operator.Switch{Request: request(r, s), ModelID: r.PostForm.Get("model"), Off: off})
		return err
	})
}
