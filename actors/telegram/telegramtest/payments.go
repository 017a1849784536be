package telegramtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// Errors of the user-side payment flow.
var (
	// ErrPaymentDeclined: the bot answered the pre-checkout query with ok=false.
	ErrPaymentDeclined = errors.New("telegramtest: pre-checkout query declined by the bot")
	// ErrPreCheckoutTimeout: the bot did not answer within Options.PreCheckoutTimeout.
	ErrPreCheckoutTimeout = errors.New("telegramtest: pre-checkout query not answered in time")
)

// checkoutState is a pre_checkout_query waiting for the bot.
type checkoutState struct {
	id       string
	user     *User
	invoice  *Invoice
	deadline time.Time
	answer   *PreCheckoutAnswer
	expired  bool
}

// handleSendInvoice accepts Telegram Stars invoices only: currency XTR, an
// empty provider token, exactly one price, no tips; payload 1-128 bytes,
// title 1-32 and description 1-255 characters.
func (b *Bot) handleSendInvoice(c *call) response {
	chatID, err := b.chatIDParam(c.p)
	if err != nil {
		return fail(err)
	}
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
	currency := c.p.str("currency")
	if currency != "XTR" {
		// Only Stars are faked; a fiat invoice would need a provider.
		return fail(badRequest("CURRENCY_INVALID"))
	}
	if c.p.str("provider_token") != "" {
		return fail(badRequest("PAYMENT_PROVIDER_INVALID"))
	}
	var prices []models.LabeledPrice
	if present, jerr := c.p.json("prices", &prices); !present || jerr != nil {
		return fail(badRequest("can't parse prices JSON object"))
	}
	if len(prices) != 1 {
		return fail(badRequest("STARS_INVOICE_INVALID"))
	}
	if prices[0].Amount <= 0 {
		return fail(badRequest("CURRENCY_TOTAL_AMOUNT_INVALID"))
	}
	if maxTip, _ := c.p.int("max_tip_amount"); maxTip != 0 || c.p.has("suggested_tip_amounts") {
		return fail(badRequest("STARS_INVOICE_INVALID"))
	}
	mk, err := parseReplyMarkup(c.p)
	if err != nil {
		return fail(err)
	}
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := b.chatForSendLocked(chatID)
	if err != nil {
		return fail(err)
	}
	inv := &Invoice{
		ChatID: chatID, Title: title, Description: desc, Payload: payload, Currency: currency,
		Prices: prices, TotalAmount: prices[0].Amount, StartParameter: c.p.str("start_parameter"), Time: time.Now(),
	}
	r := &msgRecord{fromBot: true, kind: kindInvoice, invoice: inv, markup: mk.inline}
	ch.add(r)
	inv.MessageID = r.id
	b.invoices = append(b.invoices, *inv)
	c.chatID, c.messageID = chatID, r.id
	return ok(b.renderLocked(ch, r))
}

func (b *Bot) handleAnswerPreCheckoutQuery(c *call) response {
	id := c.p.str("pre_checkout_query_id")
	okParam := c.p.bool("ok")
	errMsg := c.p.str("error_message")
	if !okParam && strings.TrimSpace(errMsg) == "" {
		return fail(badRequest("ERROR_MESSAGE_EMPTY"))
	}
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	q := b.checkouts[id]
	if q == nil || q.answer != nil || q.expired || time.Now().After(q.deadline) {
		if q != nil {
			q.expired = q.answer == nil
		}
		return fail(badRequest(descQueryTooOld))
	}
	q.answer = &PreCheckoutAnswer{QueryID: id, OK: okParam, ErrorMessage: errMsg, Time: time.Now()}
	c.chatID = q.user.id
	return ok(true)
}

func (b *Bot) handleRefundStarPayment(c *call) response {
	userID, _, err := c.p.int64("user_id")
	if err != nil {
		return fail(err)
	}
	charge := c.p.str("telegram_payment_charge_id")
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	p := b.payments[charge]
	if p == nil || p.UserID != userID {
		return fail(badRequest("CHARGE_NOT_FOUND"))
	}
	if p.Refunded {
		return fail(badRequest("CHARGE_ALREADY_REFUNDED"))
	}
	p.Refunded = true
	b.refunds = append(b.refunds, Refund{ChargeID: charge, UserID: userID, Currency: p.Currency,
		TotalAmount: p.TotalAmount, Payload: p.Payload, Time: time.Now()})
	// Telegram tells the bot with a refunded_payment service message.
	u := b.users[userID]
	ch := b.chatLocked(u)
	r := &msgRecord{kind: kindRefunded, payment: p}
	ch.add(r)
	msg := b.renderLocked(ch, r)
	b.enqueueLocked(&models.Update{Message: &msg})
	c.chatID = userID
	return ok(true)
}

// Checkout starts paying an invoice the bot sent to this user: it queues a
// pre_checkout_query and returns its id. Follow with Bot.WaitPreCheckoutAnswer
// and CompletePayment, or use Pay for the whole flow.
func (u *User) Checkout(invoiceMessageID int) (string, error) {
	b := u.bot
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := b.chats[u.id]
	var r *msgRecord
	if ch != nil {
		r = ch.get(invoiceMessageID)
	}
	if r == nil || r.kind != kindInvoice || r.deleted {
		return "", fmt.Errorf("checkout: message %d in chat %d is not an invoice", invoiceMessageID, u.id)
	}
	b.nextCheckout++
	id := fmt.Sprintf("%d%09d", b.id, b.nextCheckout)
	inv := r.invoice
	b.checkouts[id] = &checkoutState{id: id, user: u, invoice: inv, deadline: time.Now().Add(s.opts.PreCheckoutTimeout)}
	from := u.model
	b.enqueueLocked(&models.Update{PreCheckoutQuery: &models.PreCheckoutQuery{
		ID: id, From: &from, Currency: inv.Currency, TotalAmount: inv.TotalAmount, InvoicePayload: inv.Payload,
	}})
	return id, nil
}

// WaitPreCheckoutAnswer waits for the bot's answer to a pre_checkout_query.
// It fails with ErrPreCheckoutTimeout once Telegram's deadline
// (Options.PreCheckoutTimeout) has passed unanswered.
func (b *Bot) WaitPreCheckoutAnswer(ctx context.Context, queryID string) (PreCheckoutAnswer, error) {
	s := b.srv
	s.mu.Lock()
	q := b.checkouts[queryID]
	s.mu.Unlock()
	if q == nil {
		return PreCheckoutAnswer{}, fmt.Errorf("wait pre-checkout answer: unknown query %q", queryID)
	}
	dctx, cancel := context.WithDeadline(ctx, q.deadline)
	defer cancel()
	var ans PreCheckoutAnswer
	err := s.WaitFor(dctx, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if q.answer != nil {
			ans = *q.answer
			return true
		}
		return false
	})
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			s.mu.Lock()
			q.expired = q.answer == nil
			s.mu.Unlock()
			return PreCheckoutAnswer{}, ErrPreCheckoutTimeout
		}
		return PreCheckoutAnswer{}, fmt.Errorf("wait pre-checkout answer %s: %w", queryID, err)
	}
	return ans, nil
}

// CompletePayment finishes a checkout the bot approved: the user's chat gets
// a successful_payment message (queued as an update) with a fresh
// telegram_payment_charge_id.
func (u *User) CompletePayment(queryID string) (Payment, error) {
	b := u.bot
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	q := b.checkouts[queryID]
	switch {
	case q == nil || q.user != u:
		return Payment{}, fmt.Errorf("complete payment: unknown query %q for user %d", queryID, u.id)
	case q.answer == nil:
		return Payment{}, fmt.Errorf("complete payment %s: the bot has not answered the pre-checkout query", queryID)
	case !q.answer.OK:
		return Payment{}, fmt.Errorf("complete payment %s: %w: %s", queryID, ErrPaymentDeclined, q.answer.ErrorMessage)
	}
	delete(b.checkouts, queryID)
	inv := q.invoice
	p := &Payment{
		ChargeID:         fmt.Sprintf("stxfake%d_%d", b.id, len(b.paymentOrder)+1),
		ProviderChargeID: "",
		UserID:           u.id,
		InvoiceMessageID: inv.MessageID,
		Currency:         inv.Currency,
		TotalAmount:      inv.TotalAmount,
		Payload:          inv.Payload,
		Time:             time.Now(),
	}
	if inv.SubscriptionPeriod > 0 {
		until := p.Time.Add(time.Duration(inv.SubscriptionPeriod) * time.Second)
		p.SubscriptionExpirationDate = int(until.Unix())
		b.subs[p.ChargeID] = &StarSubscription{FirstChargeID: p.ChargeID, UserID: u.id, Payload: inv.Payload, Stars: inv.TotalAmount,
			Period: inv.SubscriptionPeriod, PaidUntil: until, Payments: 1}
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

// Pay runs the whole Stars payment for an invoice message: pre_checkout_query,
// wait for the bot's answer, then successful_payment. A declined query
// returns an error wrapping ErrPaymentDeclined with the bot's message.
func (u *User) Pay(ctx context.Context, invoiceMessageID int) (Payment, error) {
	qid, err := u.Checkout(invoiceMessageID)
	if err != nil {
		return Payment{}, err
	}
	ans, err := u.bot.WaitPreCheckoutAnswer(ctx, qid)
	if err != nil {
		return Payment{}, err
	}
	if !ans.OK {
		return Payment{}, fmt.Errorf("pay invoice %d: %w: %s", invoiceMessageID, ErrPaymentDeclined, ans.ErrorMessage)
	}
	return u.CompletePayment(qid)
}
