package telegramtest

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// Stars subscriptions: createInvoiceLink with subscription_period (30 days,
// at most 10000 Stars, as Telegram requires), paid through the link, renewed
// by Telegram each period with a recurring successful_payment (no
// pre-checkout), and cancelled with editUserStarSubscription.

const (
	subscriptionPeriod = 2592000 // the only period Telegram accepts
	maxSubscription    = 10000   // Stars a period at most
)

// handleCreateInvoiceLink validates like sendInvoice (Stars only) and
// returns a link; an invoice with subscription_period is a subscription.
func (b *Bot) handleCreateInvoiceLink(c *call) response {
	title, desc, payload := c.p.str("title"), c.p.str("description"), c.p.str("payload")
	if n := utf8.RuneCountInString(title); n == 0 || n > maxInvoiceTitle {
		return fail(badRequest("INVOICE_TITLE_INVALID"))
	}
	if n := utf8.RuneCountInString(desc); n == 0 || n > maxInvoiceDesc {
		return fail(badRequest("INVOICE_DESCRIPTION_INVALID"))
	}
	if n := len(payload); n == 0 || n > maxInvoicePayload {
		return fail(badRequest("INVOICE_PAYLOAD_INVALID"))
	}
	if c.p.str("currency") != "XTR" {
		return fail(badRequest("CURRENCY_INVALID"))
	}
	if c.p.str("provider_token") != "" {
		return fail(badRequest("PAYMENT_PROVIDER_INVALID"))
	}
	var prices []models.LabeledPrice
	if present, jerr := c.p.json("prices", &prices); !present || jerr != nil {
		return fail(badRequest("can't parse prices JSON object"))
	}
	if len(prices) != 1 || prices[0].Amount <= 0 {
		return fail(badRequest("STARS_INVOICE_INVALID"))
	}
	period, err := c.p.int("subscription_period")
	if err != nil {
		return fail(err)
	}
	if period != 0 && (period != subscriptionPeriod || prices[0].Amount > maxSubscription) {
		return fail(badRequest("SUBSCRIPTION_PERIOD_INVALID"))
	}
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	link := fmt.Sprintf("https://t.me/$fake_invoice_%d_%d", b.id, len(b.links)+1)
	inv := &Invoice{Title: title, Description: desc, Payload: payload, Currency: "XTR", Prices: prices, TotalAmount: prices[0].Amount,
		Time: time.Now(), Link: link, SubscriptionPeriod: period}
	b.links[link] = inv
	b.invoices = append(b.invoices, *inv)
	return ok(link)
}

// handleEditUserStarSubscription cancels (or re-enables) a user's
// subscription, named by its first payment's charge id.
func (b *Bot) handleEditUserStarSubscription(c *call) response {
	userID, _, err := c.p.int64("user_id")
	if err != nil {
		return fail(err)
	}
	if !c.p.has("is_canceled") {
		return fail(badRequest("Bad Request: parameter \"is_canceled\" is required"))
	}
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := b.subs[c.p.str("telegram_payment_charge_id")]
	if sub == nil || sub.UserID != userID {
		return fail(badRequest("CHARGE_ID_INVALID"))
	}
	sub.Canceled = c.p.bool("is_canceled")
	c.chatID = userID
	return ok(true)
}

// CheckoutLink starts paying an invoice link: it queues a
// pre_checkout_query, as Checkout does for an invoice message.
func (u *User) CheckoutLink(link string) (string, error) {
	b := u.bot
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := b.links[link]
	if inv == nil {
		return "", fmt.Errorf("checkout: %q is not an invoice link of bot %d", link, b.id)
	}
	b.nextCheckout++
	id := fmt.Sprintf("%d%09d", b.id, b.nextCheckout)
	b.checkouts[id] = &checkoutState{id: id, user: u, invoice: inv, deadline: time.Now().Add(s.opts.PreCheckoutTimeout)}
	from := u.model
	b.enqueueLocked(&models.Update{PreCheckoutQuery: &models.PreCheckoutQuery{
		ID: id, From: &from, Currency: inv.Currency, TotalAmount: inv.TotalAmount, InvoicePayload: inv.Payload,
	}})
	return id, nil
}

// PayLink pays an invoice link: pre-checkout, the bot's answer, then the
// successful_payment (the first of a subscription's, not recurring).
func (u *User) PayLink(ctx context.Context, link string) (Payment, error) {
	qid, err := u.CheckoutLink(link)
	if err != nil {
		return Payment{}, err
	}
	ans, err := u.bot.WaitPreCheckoutAnswer(ctx, qid)
	if err != nil {
		return Payment{}, err
	}
	if !ans.OK {
		return Payment{}, fmt.Errorf("pay invoice link: %w: %s", ErrPaymentDeclined, ans.ErrorMessage)
	}
	return u.CompletePayment(qid)
}

// RenewSubscription is Telegram charging the next period of a subscription
// that is not cancelled: a recurring successful_payment with a fresh charge
// id and the new end of the period, queued as an update.
func (b *Bot) RenewSubscription(firstChargeID string) (Payment, error) {
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := b.subs[firstChargeID]
	switch {
	case sub == nil:
		return Payment{}, fmt.Errorf("renew: no subscription %q", firstChargeID)
	case sub.Canceled:
		return Payment{}, fmt.Errorf("renew: subscription %q is cancelled", firstChargeID)
	}
	u := b.users[sub.UserID]
	sub.PaidUntil = sub.PaidUntil.Add(time.Duration(sub.Period) * time.Second)
	sub.Payments++
	p := &Payment{
		ChargeID: fmt.Sprintf("stxfake%d_%d", b.id, len(b.paymentOrder)+1), UserID: sub.UserID, Currency: "XTR",
		TotalAmount: sub.Stars, Payload: sub.Payload, Time: time.Now(), IsRecurring: true, SubscriptionExpirationDate: int(sub.PaidUntil.Unix()),
	}
	ch := b.chatLocked(u)
	r := &msgRecord{kind: kindPaid, payment: p}
	ch.add(r)
	p.MessageID = r.id
	b.payments[p.ChargeID] = p
	b.paymentOrder = append(b.paymentOrder, p.ChargeID)
	msg := b.renderLocked(ch, r)
	b.enqueueLocked(&models.Update{Message: &msg})
	return *p, nil
}

// RedeliverPayment queues the successful_payment message of chargeID
// again, as a second update (its id is returned): what a duplicated
// delivery looks like to the bot.
func (b *Bot) RedeliverPayment(chargeID string) (int64, error) {
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	p := b.payments[chargeID]
	if p == nil {
		return 0, fmt.Errorf("redeliver: no payment %q", chargeID)
	}
	ch := b.chats[p.UserID]
	r := ch.get(p.MessageID)
	if r == nil {
		return 0, fmt.Errorf("redeliver: payment %q has no message", chargeID)
	}
	msg := b.renderLocked(ch, r)
	id, _ := b.enqueueLocked(&models.Update{Message: &msg})
	return id, nil
}

// Subscription returns the subscription whose first charge is chargeID.
func (b *Bot) Subscription(chargeID string) (StarSubscription, bool) {
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := b.subs[chargeID]
	if sub == nil {
		return StarSubscription{}, false
	}
	return *sub, true
}
