package shop

import (
	"context"
	"errors"
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
		balance, _, err := tx.Balance(ctx, userID)
		if err != nil {
			return nil, err
		}
		sh.log.Info("shop: top-up credited", "user_id", userID, "stars", t.Stars, "kopecks", t.Kopecks, "charge_id", t.ChargeID)
		return []telegram.Op{screenOp(chatID, fsm.PaymentReceived(lang, t.Kopecks, balance))}, nil
	}}
}

// refunded books a refund Telegram reports (refunded_payment): it debits
// what the top-up credited, once; a refund we made ourselves is already
// booked and changes nothing here.
func (sh *Shop) refunded(userID, chatID int64, lang fsm.Lang, rp *models.RefundedPayment) actors.Step {
	return actors.Step{Apply: func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
		t, err := tx.RefundTopUp(ctx, rp.TelegramPaymentChargeID)
		switch {
		case errors.Is(err, store.ErrAlreadyRefunded), errors.Is(err, store.ErrNotFound):
			return nil, nil
		case errors.Is(err, store.ErrInsufficientFunds):
			sh.log.Error("shop: STARS REFUNDED but the top-up was already spent; needs an operator",
				"user_id", userID, "charge_id", rp.TelegramPaymentChargeID)
			return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyRefundSpent))}, nil
		case err != nil:
			return nil, err
		}
		balance, _, err := tx.Balance(ctx, userID)
		if err != nil {
			return nil, err
		}
		return []telegram.Op{screenOp(chatID, fsm.PaymentRefunded(lang, t.Kopecks, balance))}, nil
	}}
}

// adminRefund (/refund <charge id> [reason], admins only) returns a
// top-up's Stars and debits what it credited — refused when the balance
// was already spent. Telegram is called first; the debit follows in the
// update's transaction (a retry after a crash finds the charge already
// refunded and only books the debit), and so does its audit row.
func (sh *Shop) adminRefund(ctx context.Context, adminID, chatID int64, lang fsm.Lang, arg string) (actors.Step, error) {
	chargeID, reason, _ := strings.Cut(strings.TrimSpace(arg), " ")
	audit := func(ctx context.Context, tx *store.Tx, t store.TopUp) error {
		after, _, err := tx.Balance(ctx, t.UserID)
		if err != nil {
			return err
		}
		return sh.op.RecordTopUpRefund(ctx, tx, operator.TopUpRefund{Request: operator.Request{AdminID: adminID, Reason: strings.TrimSpace(reason)},
			TopUp: t, Before: after + t.Kopecks, After: after})
	}
	reply := func(text string) (actors.Step, error) {
		return actors.Step{Ops: []telegram.Op{textOp(chatID, text)}}, nil
	}
	if chargeID == "" {
		return reply(fsm.T(lang, fsm.KeyAdminRefundHelp))
	}
	t, err := sh.cfg.Store.TopUpByChargeID(ctx, chargeID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return reply(fsm.T(lang, fsm.KeyAdminRefundNo, "unknown charge id"))
	case err != nil:
		return actors.Step{}, err
	case t.State != store.TopUpPaid:
		return reply(fsm.T(lang, fsm.KeyAdminRefundNo, "the top-up is "+string(t.State)))
	}
	balance, _, err := sh.cfg.Store.Balance(ctx, t.UserID)
	if err != nil {
		return actors.Step{}, err
	}
	if balance < t.Kopecks {
		return reply(fsm.T(lang, fsm.KeyAdminRefundNo, "the balance was already spent ("+pricing.FormatRUB(balance)+" left of "+pricing.FormatRUB(t.Kopecks)+")"))
	}
	_, err = sh.cfg.Telegram.Bot.RefundStarPayment(ctx, &bot.RefundStarPaymentParams{UserID: t.UserID, TelegramPaymentChargeID: chargeID})
	if err != nil && !strings.Contains(err.Error(), "ALREADY_REFUNDED") {
		if retryable(err) {
			return actors.Step{}, err
		}
		return reply(fsm.T(lang, fsm.KeyAdminRefundNo, "Telegram refused: "+fsm.Escape(err.Error())))
	}
	return actors.Step{Apply: func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
		t, err := tx.RefundTopUp(ctx, chargeID)
		if errors.Is(err, store.ErrAlreadyRefunded) {
			// Telegram's refunded_payment notice for this very refund was
			// booked first (it races this transaction); the payer was told
			// then. The admin still gets the answer.
			t, err := tx.TopUpByChargeID(ctx, chargeID)
			if err != nil {
				return nil, err
			}
			if err := audit(ctx, tx, t); err != nil {
				return nil, err
			}
			return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyAdminRefunded, t.Stars, pricing.FormatRUB(t.Kopecks), t.UserID))}, nil
		}
		if err != nil {
			sh.log.Error("shop: STARS REFUNDED but the debit failed; needs an operator", "charge_id", chargeID, "err", err)
			return nil, err
		}
		if err := audit(ctx, tx, t); err != nil {
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
		return []telegram.Op{
			textOp(chatID, fsm.T(lang, fsm.KeyAdminRefunded, t.Stars, pricing.FormatRUB(t.Kopecks), t.UserID)),
			screenOp(payer.ChatID, fsm.PaymentRefunded(fsm.LangOf(payer.Language), t.Kopecks, payerBalance)),
		}, nil
	}}, nil
}
