package shop

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/shop/operator"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// PreCheckout implements actors.PreCheckoutHandler: the invoice must be one of our
// pending top-ups, for this user and exactly this many Stars.
func (sh *Shop) PreCheckout(ctx context.Context, q *models.PreCheckoutQuery) string {
	lang := fsm.RU
	var payer store.User
	if q.From != nil {
		lang, payer, _, _ = language(ctx, sh.cfg.Store, q.From.ID, q.From.LanguageCode)
	}
	if q.Currency != "XTR" || q.From == nil {
		return fsm.PreCheckoutRefusal(lang, "unknown")
	}
	if payer.Banned() && !sh.isAdmin(q.From.ID) {
		// Nothing is charged; an invoice sent before the ban cannot be paid.
		sh.log.Info("shop: pre-checkout of a banned user refused", "user_id", q.From.ID)
		return fsm.PreCheckoutRefusal(lang, "suspended")
	}
	err := sh.cfg.Store.CheckTopUp(ctx, q.InvoicePayload, q.From.ID, int64(q.TotalAmount))
	switch {
	case err == nil:
		return ""
	case errors.Is(err, store.ErrTopUpExpired):
		return fsm.PreCheckoutRefusal(lang, "expired")
	case errors.Is(err, store.ErrTopUpMismatch):
		// The store has one sentinel for both; say which, or another
		// user's invoice would be refused as "the amount does not match".
		if t, terr := sh.cfg.Store.TopUpByPayload(ctx, q.InvoicePayload); terr == nil && t.UserID != q.From.ID {
			sh.log.Warn("shop: pre-checkout for another user's invoice refused", "user_id", q.From.ID, "invoiced_to", t.UserID)
			return fsm.PreCheckoutRefusal(lang, "user")
		}
		return fsm.PreCheckoutRefusal(lang, "amount")
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrTopUpNotPending):
		sh.log.Warn("shop: pre-checkout for an unknown or used invoice refused", "user_id", q.From.ID, "err", err)
		return fsm.PreCheckoutRefusal(lang, "unknown")
	default:
		// Refusing is safe: nothing is charged and the user can pay again.
		sh.log.Error("shop: cannot check a pre-checkout query; refusing it", "user_id", q.From.ID, "err", err)
		return fsm.PreCheckoutRefusal(lang, "unknown")
	}
}

// paid credits a successful Stars payment, exactly once per charge id.
func (sh *Shop) paid(userID, chatID int64, lang fsm.Lang, sp *models.SuccessfulPayment) actors.Step {
	return actors.Step{Apply: func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
		if sp.Currency != "XTR" {
			sh.log.Error("shop: a successful payment in an unexpected currency; not credited", "user_id", userID, "currency", sp.Currency)
			return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyPaymentUnknown))}, nil
		}
		t, credited, err := tx.CompleteTopUp(ctx, store.CompleteParams{
			Payload: sp.InvoicePayload, UserID: userID, Stars: int64(sp.TotalAmount),
			ChargeID: sp.TelegramPaymentChargeID, ProviderChargeID: sp.ProviderPaymentChargeID,
		})
		switch {
		case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrTopUpMismatch):
			sh.log.Error("shop: PAYMENT WITHOUT A MATCHING INVOICE; not credited, needs an operator",
				"user_id", userID, "charge_id", sp.TelegramPaymentChargeID, "stars", sp.TotalAmount, "err", err)
			return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyPaymentUnknown))}, nil
		case err != nil:
			return nil, err
		case !credited:
			return nil, nil // Telegram delivered the same payment again
		}
		// What the top-up earned (a promo bonus, a referrer's reward),
		// keyed by it, in the transaction that credited it.
		earned, err := sh.afterTopUp(ctx, tx, t, chatID, lang)
		if err != nil {
			return nil, err
		}
		balance, _, err := tx.Balance(ctx, userID)
		if err != nil {
			return nil, err
		}
		if t.Method == store.MethodSubscription {
			return sh.subscriptionPaid(ctx, tx, t, sp, chatID, lang, balance)
		}
		sh.log.Info("shop: top-up credited", "user_id", userID, "stars", t.Stars, "kopecks", t.Kopecks, "charge_id", t.ChargeID)
		return append([]telegram.Op{screenOp(chatID, fsm.PaymentReceived(lang, t.Kopecks, balance))}, earned...), nil
	}}
}

// refunded books a refund Telegram reports (refunded_payment). For a
// refund of ours under way it only confirms it (the money was taken back
// before Telegram was asked) and tells the payer, unless our own
// confirmation did first; a notice for a refund already booked changes
// nothing. A refund Telegram made on its own (a dispute, say) takes back
// what the balance still has of the top-up, never below zero; what it
// cannot is logged for an operator.
func (sh *Shop) refunded(userID, chatID int64, lang fsm.Lang, rp *models.RefundedPayment) actors.Step {
	return actors.Step{Apply: func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
		b, err := tx.BookTelegramRefund(ctx, rp.TelegramPaymentChargeID)
		switch {
		case errors.Is(err, store.ErrAlreadyRefunded):
			return nil, nil
		case errors.Is(err, store.ErrNotFound):
			sh.log.Warn("shop: Telegram refunded a payment we have no top-up for", "user_id", userID, "charge_id", rp.TelegramPaymentChargeID)
			return nil, nil
		case err != nil:
			return nil, err
		}
		t := b.TopUp
		// What the top-up earned goes back with it.
		earned, err := sh.afterRefund(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		balance, _, err := tx.Balance(ctx, userID)
		if err != nil {
			return nil, err
		}
		if b.Ours {
			sh.log.Info("shop: Telegram confirmed our refund", "user_id", userID, "charge_id", t.ChargeID)
			return append([]telegram.Op{screenOp(chatID, fsm.PaymentRefunded(lang, t.Kopecks, balance))}, earned...), nil
		}
		sh.log.Warn("shop: Telegram refunded a top-up on its own; debited what was left",
			"user_id", userID, "charge_id", t.ChargeID, "stars", t.Stars, "taken_kopecks", b.Taken, "shortfall_kopecks", b.Shortfall)
		ops := []telegram.Op{screenOp(chatID, fsm.PaymentRefunded(lang, b.Taken, balance))}
		if b.Shortfall > 0 {
			sh.log.Error("shop: STARS REFUNDED but part of the top-up was already spent; needs an operator",
				"user_id", userID, "charge_id", t.ChargeID, "shortfall_kopecks", b.Shortfall)
			ops = append(ops, textOp(chatID, fsm.T(lang, fsm.KeyRefundSpent)))
		}
		return append(ops, earned...), nil
	}}
}

// adminRefund (/refund <charge id> [reason], admins only) returns a
// top-up's Stars and takes back what it credited — refused when the
// balance no longer covers it. The money comes back first, in its own
// transaction committed before Telegram is asked (store.HoldTopUpRefund),
// together with the refund's audit row: a payer confirming an order
// meanwhile finds the balance short, so Stars are never returned for money
// spent. Then Telegram is asked; its yes (or "already refunded") confirms
// the refund in the update's transaction, its no for good gives the money
// back (audited too). The early write breaks the handler's rule that
// Handle only reads, deliberately and safely: it is keyed and resumable,
// so a retry of the update (a crash, a transient Telegram error) finds the
// refund under way and asks Telegram again.
func (sh *Shop) adminRefund(ctx context.Context, adminID, chatID int64, lang fsm.Lang, arg string) (actors.Step, error) {
	chargeID, reason, _ := strings.Cut(strings.TrimSpace(arg), " ")
	reason = strings.TrimSpace(reason)
	// audit records the refund's money movement (before → after) in the
	// transaction that moves it; key says which movement it is.
	audit := func(ctx context.Context, tx *store.Tx, t store.TopUp, key string, before, after int64) error {
		return sh.op.RecordTopUpRefund(ctx, tx, operator.TopUpRefund{
			Request: operator.Request{AdminID: adminID, Key: key, Reason: reason},
			TopUp:   t, Before: before, After: after})
	}
	reply := func(text string) (actors.Step, error) {
		return actors.Step{Ops: []telegram.Op{textOp(chatID, text)}}, nil
	}
	if chargeID == "" {
		return reply(fsm.T(lang, fsm.KeyAdminRefundHelp))
	}
	var t store.TopUp
	err := sh.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		var debited bool
		var err error
		t, debited, err = tx.HoldTopUpRefund(ctx, chargeID)
		if err != nil || !debited {
			return err // a refund already under way was audited when it was held
		}
		after, _, err := tx.Balance(ctx, t.UserID)
		if err != nil {
			return err
		}
		return audit(ctx, tx, t, "refund:"+chargeID+":"+strconv.Itoa(t.RefundAttempts), after+t.Kopecks, after)
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return reply(fsm.T(lang, fsm.KeyAdminRefundNo, "unknown charge id"))
	case errors.Is(err, store.ErrAlreadyRefunded):
		return reply(fsm.T(lang, fsm.KeyAdminRefundNo, "the top-up is "+string(store.TopUpRefunded)))
	case errors.Is(err, store.ErrNotStars):
		return reply(fsm.T(lang, fsm.KeyAdminRefundNo, "a manual transfer, not a Stars payment: correct the balance on the user's card instead"))
	case errors.Is(err, store.ErrInsufficientFunds):
		t, terr := sh.cfg.Store.TopUpByChargeID(ctx, chargeID)
		if terr != nil {
			return actors.Step{}, terr
		}
		balance, _, berr := sh.cfg.Store.Balance(ctx, t.UserID)
		if berr != nil {
			return actors.Step{}, berr
		}
		return reply(fsm.T(lang, fsm.KeyAdminRefundNo, "the balance was already spent ("+pricing.FormatRUB(balance)+" left of "+pricing.FormatRUB(t.Kopecks)+")"))
	case err != nil:
		return actors.Step{}, err
	}
	_, err = sh.cfg.Telegram.Bot.RefundStarPayment(ctx, &bot.RefundStarPaymentParams{UserID: t.UserID, TelegramPaymentChargeID: chargeID})
	switch {
	case err == nil, strings.Contains(err.Error(), "CHARGE_ALREADY_REFUNDED"):
		return actors.Step{Apply: sh.confirmRefund(chatID, lang, chargeID)}, nil
	case retryable(err):
		// The money stays taken back; the retry asks Telegram again (as
		// does a later /refund, should the retries run out).
		sh.log.Warn("shop: refund under way, Telegram did not answer; the money stays taken back until it does (a /refund again resumes it)",
			"user_id", t.UserID, "charge_id", chargeID, "err", err)
		return actors.Step{}, err
	}
	refusal := err.Error()
	return actors.Step{Apply: func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
		t, err := tx.AbortTopUpRefund(ctx, chargeID)
		if errors.Is(err, store.ErrAlreadyRefunded) {
			// Telegram's notice says the Stars went back after all.
			sh.log.Warn("shop: Telegram refused a refund it reports done; keeping it refunded", "charge_id", chargeID, "refusal", refusal)
			return sh.confirmRefund(chatID, lang, chargeID)(ctx, tx)
		}
		if err != nil {
			return nil, err
		}
		after, _, err := tx.Balance(ctx, t.UserID)
		if err != nil {
			return nil, err
		}
		if err := audit(ctx, tx, t, "refund-undo:"+chargeID+":"+strconv.Itoa(t.RefundAttempts), after-t.Kopecks, after); err != nil {
			return nil, err
		}
		sh.log.Warn("shop: Telegram refused a refund; the money is back on the balance", "user_id", t.UserID, "charge_id", chargeID, "refusal", refusal)
		return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyAdminRefundNo, "Telegram refused: "+fsm.Escape(refusal)))}, nil
	}}, nil
}

// confirmRefund books Telegram's yes to our refund and answers the admin;
// the payer is told by whichever of this and Telegram's refunded_payment
// notice confirms the refund first.
func (sh *Shop) confirmRefund(chatID int64, lang fsm.Lang, chargeID string) func(context.Context, *store.Tx) ([]telegram.Op, error) {
	return func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
		t, confirmed, err := tx.ConfirmTopUpRefund(ctx, chargeID)
		if err != nil {
			return nil, err
		}
		ops := []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyAdminRefunded, t.Stars, pricing.FormatRUB(t.Kopecks), t.UserID))}
		if !confirmed {
			return ops, nil
		}
		earned, err := sh.afterRefund(ctx, tx, t) // what the top-up earned goes back with it
		if err != nil {
			return nil, err
		}
		payerBalance, _, err := tx.Balance(ctx, t.UserID)
		if err != nil {
			return nil, err
		}
		payer, err := tx.User(ctx, t.UserID)
		if err != nil {
			return nil, err
		}
		sh.log.Info("shop: top-up refunded by an admin", "user_id", t.UserID, "stars", t.Stars, "kopecks", t.Kopecks, "charge_id", chargeID)
		ops = append(ops, screenOp(payer.ChatID, fsm.PaymentRefunded(fsm.LangOf(payer.Language), t.Kopecks, payerBalance)))
		return append(ops, earned...), nil
	}
}
