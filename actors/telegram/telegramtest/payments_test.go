package telegramtest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

func starsInvoice(chatID int64) *bot.SendInvoiceParams {
	return &bot.SendInvoiceParams{
		ChatID: chatID, Title: "100 credits", Description: "Top up your balance",
		Payload: "topup:42:100", Currency: "XTR", Prices: []models.LabeledPrice{{Label: "100 credits", Amount: 50}},
	}
}

func TestStarsPaymentAndRefund(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	b := newClient(t, srv, testToken)

	inv, err := b.SendInvoice(ctx, starsInvoice(alice.ID()))
	if err != nil {
		t.Fatalf("SendInvoice: %v", err)
	}
	if inv.Invoice == nil || inv.Invoice.Currency != "XTR" || inv.Invoice.TotalAmount != 50 {
		t.Fatalf("invoice message = %+v", inv.Invoice)
	}
	if got := tg.Invoices(); len(got) != 1 || got[0].Payload != "topup:42:100" || got[0].MessageID != inv.ID {
		t.Errorf("recorded invoices = %+v", got)
	}

	type payResult struct {
		p   telegramtest.Payment
		err error
	}
	paid := make(chan payResult, 1)
	go func() {
		p, err := alice.Pay(ctx, inv.ID)
		paid <- payResult{p, err}
	}()

	// The bot sees the pre-checkout query and approves it.
	var q *models.PreCheckoutQuery
	offset := int64(0)
	for q == nil {
		ups := mustGetUpdates(t, ctx, srv, map[string]any{"timeout": 5, "offset": offset})
		for _, u := range ups {
			offset = u.ID + 1
			q = u.PreCheckoutQuery
		}
	}
	if q.InvoicePayload != "topup:42:100" || q.TotalAmount != 50 || q.Currency != "XTR" || q.From.ID != alice.ID() {
		t.Errorf("pre-checkout query = %+v", q)
	}
	if ok, err := b.AnswerPreCheckoutQuery(ctx, &bot.AnswerPreCheckoutQueryParams{PreCheckoutQueryID: q.ID, OK: true}); err != nil || !ok {
		t.Fatalf("AnswerPreCheckoutQuery: %v", err)
	}
	res := <-paid
	if res.err != nil || res.p.ChargeID == "" || res.p.TotalAmount != 50 {
		t.Fatalf("Pay: %+v, %v", res.p, res.err)
	}
	// A second answer to the same query is too late.
	if _, err := b.AnswerPreCheckoutQuery(ctx, &bot.AnswerPreCheckoutQueryParams{PreCheckoutQueryID: q.ID, OK: true}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("second pre-checkout answer: %v, want 400", err)
	}

	ups := mustGetUpdates(t, ctx, srv, map[string]any{"offset": offset})
	if len(ups) != 1 || ups[0].Message == nil || ups[0].Message.SuccessfulPayment == nil {
		t.Fatalf("updates after payment = %+v", ups)
	}
	sp := ups[0].Message.SuccessfulPayment
	if sp.TelegramPaymentChargeID != res.p.ChargeID || sp.InvoicePayload != "topup:42:100" || sp.TotalAmount != 50 {
		t.Errorf("successful_payment = %+v", sp)
	}
	offset = ups[0].ID + 1

	refund := &bot.RefundStarPaymentParams{UserID: alice.ID(), TelegramPaymentChargeID: sp.TelegramPaymentChargeID}
	if ok, err := b.RefundStarPayment(ctx, refund); err != nil || !ok {
		t.Fatalf("RefundStarPayment: %v", err)
	}
	if _, err := b.RefundStarPayment(ctx, refund); !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "CHARGE_ALREADY_REFUNDED") {
		t.Errorf("second refund: %v, want CHARGE_ALREADY_REFUNDED", err)
	}
	if _, err := b.RefundStarPayment(ctx, &bot.RefundStarPaymentParams{UserID: alice.ID(), TelegramPaymentChargeID: "nope"}); !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "CHARGE_NOT_FOUND") {
		t.Errorf("unknown charge: %v, want CHARGE_NOT_FOUND", err)
	}
	if r := tg.Refunds(); len(r) != 1 || r[0].ChargeID != sp.TelegramPaymentChargeID || r[0].TotalAmount != 50 {
		t.Errorf("refunds = %+v", r)
	}
	if p := tg.Payments(); len(p) != 1 || !p[0].Refunded {
		t.Errorf("payments = %+v", p)
	}
	ups = mustGetUpdates(t, ctx, srv, map[string]any{"offset": offset})
	if len(ups) != 1 || ups[0].Message.RefundedPayment == nil || ups[0].Message.RefundedPayment.TelegramPaymentChargeID != sp.TelegramPaymentChargeID {
		t.Errorf("refund notice updates = %+v", ups)
	}
}

func TestPreCheckoutDeclinedAndLate(t *testing.T) {
	t.Parallel()
	srv := telegramtest.NewUnstartedServer()
	srv.Options.PreCheckoutTimeout = 200 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	tg := srv.AddBot(testToken)
	alice := tg.AddUser(telegramtest.UserConfig{ID: 42})
	ctx := testCtx(t)
	b := newClient(t, srv, testToken)
	inv, err := b.SendInvoice(ctx, starsInvoice(alice.ID()))
	if err != nil {
		t.Fatal(err)
	}

	// Declined.
	qid, err := alice.Checkout(inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.AnswerPreCheckoutQuery(ctx, &bot.AnswerPreCheckoutQueryParams{PreCheckoutQueryID: qid, OK: false}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("ok=false without error_message: %v, want 400", err)
	}
	if _, err := b.AnswerPreCheckoutQuery(ctx, &bot.AnswerPreCheckoutQueryParams{PreCheckoutQueryID: qid, OK: false, ErrorMessage: "sold out"}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.CompletePayment(qid); !errors.Is(err, telegramtest.ErrPaymentDeclined) {
		t.Errorf("CompletePayment after decline: %v, want ErrPaymentDeclined", err)
	}

	// Unanswered past the deadline: the user gives up and a late answer is refused.
	qid, err = alice.Checkout(inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tg.WaitPreCheckoutAnswer(ctx, qid); !errors.Is(err, telegramtest.ErrPreCheckoutTimeout) {
		t.Fatalf("WaitPreCheckoutAnswer: %v, want ErrPreCheckoutTimeout", err)
	}
	_, err = b.AnswerPreCheckoutQuery(ctx, &bot.AnswerPreCheckoutQueryParams{PreCheckoutQueryID: qid, OK: true})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "query is too old") {
		t.Errorf("late answer: %v, want query is too old", err)
	}
	if p := tg.Payments(); len(p) != 0 {
		t.Errorf("payments = %+v, want none", p)
	}
	if _, err := alice.Pay(context.Background(), 999); err == nil {
		t.Error("paying a message that is not an invoice succeeded")
	}
}

func TestSendInvoiceValidation(t *testing.T) {
	t.Parallel()
	srv, _, alice := setup(t)
	ctx := testCtx(t)
	b := newClient(t, srv, testToken)

	tests := []struct {
		name   string
		modify func(p *bot.SendInvoiceParams)
		want   string
	}{
		{"valid", func(*bot.SendInvoiceParams) {}, ""},
		{"fiat currency", func(p *bot.SendInvoiceParams) { p.Currency = "RUB" }, "CURRENCY_INVALID"},
		{"provider token with XTR", func(p *bot.SendInvoiceParams) { p.ProviderToken = "123:TEST" }, "PAYMENT_PROVIDER_INVALID"},
		{"two prices", func(p *bot.SendInvoiceParams) {
			p.Prices = append(p.Prices, models.LabeledPrice{Label: "tip", Amount: 1})
		}, "STARS_INVOICE_INVALID"},
		{"zero amount", func(p *bot.SendInvoiceParams) { p.Prices[0].Amount = 0 }, "CURRENCY_TOTAL_AMOUNT_INVALID"},
		{"empty payload", func(p *bot.SendInvoiceParams) { p.Payload = "" }, "INVOICE_PAYLOAD_INVALID"},
		{"payload of 129 bytes", func(p *bot.SendInvoiceParams) { p.Payload = strings.Repeat("p", 129) }, "INVOICE_PAYLOAD_INVALID"},
		{"payload of 128 bytes", func(p *bot.SendInvoiceParams) { p.Payload = strings.Repeat("p", 128) }, ""},
		{"title of 33 characters", func(p *bot.SendInvoiceParams) { p.Title = strings.Repeat("т", 33) }, "INVOICE_TITLE_INVALID"},
		{"title of 32 characters", func(p *bot.SendInvoiceParams) { p.Title = strings.Repeat("т", 32) }, ""},
		{"description of 256 characters", func(p *bot.SendInvoiceParams) { p.Description = strings.Repeat("д", 256) }, "INVOICE_DESCRIPTION_INVALID"},
		{"tips", func(p *bot.SendInvoiceParams) { p.MaxTipAmount = 10 }, "STARS_INVOICE_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := starsInvoice(alice.ID())
			tt.modify(p)
			_, err := b.SendInvoice(ctx, p)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("SendInvoice: %v", err)
				}
				return
			}
			if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("SendInvoice error = %v, want 400 %s", err, tt.want)
			}
		})
	}
}
