package shop

import (
	"context"
	"errors"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
)

// The Stars subscription. Subscribing creates a pending top-up of method
// "subscription" (the invoice) and sends an invoice link with Telegram's
// 30-day subscription_period. Its first payment and every renewal arrive
// as successful_payment and are credited by paid (payments.go) like any
// Stars payment — once per telegram_payment_charge_id, a renewal being a
// second charge of the same invoice — and recorded here for the status
// screen. Cancelling calls editUserStarSubscription with the first
// payment's charge id.

// SubscriptionPlan configures the monthly plan.
type SubscriptionPlan struct {
	Stars   int64 // a month, at most 10000 (Telegram's limit)
	Kopecks int64 // credited each month
}

// subscriptionPeriod is the seconds Telegram requires for subscription_period.
const subscriptionPeriod = int(30 * 24 * time.Hour / time.Second)

func (sh *Shop) subOn() bool {
	p := sh.cfg.Subscription
	return p != nil && p.Stars > 0 && p.Kopecks > 0
}

// subscribe records the invoice and sends its link, in the update's
// transaction; a user subscribed already is told so.
func (sh *Shop) subscribe(c fsm.Subscribe, userID, chatID int64, lang fsm.Lang) func(context.Context, *store.Tx) ([]telegram.Op, error) {
	return func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
		if refused, err := sh.refusedForBan(ctx, tx, userID, chatID, lang); refused != nil || err != nil {
			return refused, err
		}
		if !sh.subOn() || c.Stars != sh.cfg.Subscription.Stars || c.Kopecks != sh.cfg.Subscription.Kopecks {
			return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeySubOff))}, nil // the plan changed since the screen
		}
		switch s, err := tx.UserSubscription(ctx, userID); {
		case err == nil && s.Renews(sh.cfg.Now()):
			return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeySubAlready))}, nil
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
		t, err := tx.CreateTopUp(ctx, store.NewTopUp{UserID: userID, Stars: c.Stars, Kopecks: c.Kopecks, Method: store.MethodSubscription})
		if err != nil {
			return nil, err
		}
		text, title, desc, label, button := fsm.SubscriptionInvoice(lang, c.Stars, c.Kopecks)
		return []telegram.Op{{Kind: telegram.OpInvoiceLink, ChatID: chatID, Text: text, Invoice: &telegram.InvoiceOp{
			Title: title, Description: desc, Payload: t.Payload, Stars: int(c.Stars), Label: label,
			SubscriptionPeriod: subscriptionPeriod, PayButton: button}}}, nil
	}
}

// subscriptionPaid records a credited payment of a subscription invoice
// and returns what to tell the user.
func (sh *Shop) subscriptionPaid(ctx context.Context, tx *store.Tx, t store.TopUp, sp *models.SuccessfulPayment, chatID int64, lang fsm.Lang, balance int64) ([]telegram.Op, error) {
	var until time.Time
	if sp.SubscriptionExpirationDate > 0 {
		until = time.Unix(int64(sp.SubscriptionExpirationDate), 0)
	}
	s, err := tx.RecordSubscriptionPayment(ctx, t, until)
	if err != nil {
		return nil, err
	}
	sh.log.Info("shop: subscription payment credited", "user_id", t.UserID, "charge_id", t.ChargeID, "kopecks", t.Kopecks,
		"recurring", sp.IsRecurring, "until", s.ExpiresAt, "payments", s.Payments)
	return []telegram.Op{screenOp(chatID, fsm.SubscriptionPaid(lang, t.Kopecks, balance, s.ExpiresAt, sp.IsRecurring || s.Payments > 1))}, nil
}

// changeSubscription stops (or restarts) the renewals: Telegram first
// (editUserStarSubscription, I/O outside the transaction; a transient
// failure retries the update), then the record, in the update's
// transaction.
func (sh *Shop) changeSubscription(ctx context.Context, step actors.Step, c fsm.CancelSubscription, userID, chatID int64, lang fsm.Lang) (actors.Step, error) {
	s, err := sh.cfg.Store.UserSubscription(ctx, userID)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && (!s.Active(sh.cfg.Now()) || s.ChargeID == "")):
		step.Ops = append(step.Ops, textOp(chatID, fsm.T(lang, fsm.KeySubNone)))
		return step, nil
	case err != nil:
		return actors.Step{}, err
	}
	_, err = sh.cfg.Telegram.Bot.EditUserStarSubscription(ctx, &bot.EditUserStarSubscriptionParams{
		UserID: userID, TelegramPaymentChargeID: s.ChargeID, IsCanceled: !c.Resume})
	switch {
	case err != nil && retryable(err):
		return actors.Step{}, err
	case err != nil:
		sh.log.Warn("shop: Telegram refused to change a subscription", "user_id", userID, "charge_id", s.ChargeID, "err", err)
		step.Ops = append(step.Ops, textOp(chatID, fsm.T(lang, fsm.KeySubFailed)))
		return step, nil
	}
	first := step.Apply
	step.Apply = func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
		ops, err := first(ctx, tx)
		if err != nil {
			return nil, err
		}
		s, err := tx.SetSubscriptionCancelled(ctx, userID, s.TopUpID, !c.Resume)
		if err != nil {
			return nil, err
		}
		sh.log.Info("shop: subscription renewal changed", "user_id", userID, "cancelled", !c.Resume, "until", s.ExpiresAt)
		return append(ops, screenOp(chatID, fsm.SubscriptionChanged(lang, c.Resume, s.ExpiresAt))), nil
	}
	return step, nil
}

// subscriptionFacts answers the subscription screens' reads.
type subscriptionFacts struct {
	ctx    context.Context
	st     *store.Store
	userID int64
	now    time.Time
}

func subView(s store.Subscription) fsm.SubscriptionView {
	return fsm.SubscriptionView{UserID: s.UserID, Stars: s.Stars, Kopecks: s.Kopecks, ExpiresAt: s.ExpiresAt,
		Cancelled: !s.CancelledAt.IsZero(), Payments: s.Payments}
}

func (f subscriptionFacts) Subscription() (fsm.SubscriptionView, bool, error) {
	s, err := f.st.UserSubscription(f.ctx, f.userID)
	if errors.Is(err, store.ErrNotFound) {
		return fsm.SubscriptionView{}, false, nil
	}
	if err != nil {
		return fsm.SubscriptionView{}, false, err
	}
	return subView(s), true, nil
}

func (f subscriptionFacts) Subscribers(limit int) (int, []fsm.SubscriptionView, error) {
	n, latest, err := f.st.ActiveSubscriptions(f.ctx, limit)
	if err != nil {
		return 0, nil, err
	}
	out := make([]fsm.SubscriptionView, 0, len(latest))
	for _, s := range latest {
		v := subView(s)
		if u, err := f.st.User(f.ctx, s.UserID); err == nil {
			v.UserName, v.Username = u.FirstName, u.Username
		}
		out = append(out, v)
	}
	return n, out, nil
}
