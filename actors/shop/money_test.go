package shop

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store"
)

// waitInboxDrained waits until every stored update has been processed.
func (s *shop) waitInboxDrained(ctx context.Context) {
	s.T.Helper()
	err := waitUntil(ctx, func() (bool, error) {
		var n int
		err := s.st.Pool().QueryRow(ctx, `SELECT count(*) FROM inbox WHERE processed_at IS NULL AND NOT failed`).Scan(&n)
		return n == 0, err
	})
	if err != nil {
		s.T.Fatalf("inbox not drained: %v", err)
	}
}

// waitInboxHas waits until the inbox holds update id and it is processed.
func (s *shop) waitProcessed(ctx context.Context, updateID int64) {
	s.T.Helper()
	err := waitUntil(ctx, func() (bool, error) {
		_, processed, _, err := s.st.UpdateState(ctx, updateID)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return processed, err
	})
	if err != nil {
		s.T.Fatalf("update %d not processed: %v", updateID, err)
	}
}

// topUps counts the ledger's top-up credits of a user.
func (s *shop) topUpCredits(ctx context.Context, userID int64) int {
	s.T.Helper()
	var n int
	if err := s.st.Pool().QueryRow(ctx, `SELECT count(*) FROM ledger_entries WHERE user_id = $1 AND kind = 'topup'`, userID).Scan(&n); err != nil {
		s.T.Fatal(err)
	}
	return n
}

// countSent counts the bot's messages to the user that satisfy match.
func (c *client) countSent(match func(telegramtest.Message) bool) int {
	n := 0
	for _, m := range c.s.Bot.Sent(c.u.ID()) {
		if match(m) {
			n++
		}
	}
	return n
}

func hasText(sub string) func(telegramtest.Message) bool {
	return func(m telegramtest.Message) bool {
		return strings.Contains(m.Text, sub) || strings.Contains(m.Caption, sub)
	}
}

// A user without money: the confirmation offers a top-up instead of ✅;
// the Stars payment is approved at pre-checkout and credited once, even
// when Telegram delivers successful_payment twice; back at the order the
// generation runs and is paid from the top-up.
func TestShopShortBalanceTopUpThenGenerate(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	c := s.newClient(ctx, "Ann", "en")

	confirmation := c.mustOrder("z-image")
	if _, ok := button(confirmation, containing("✅")); ok {
		t.Fatalf("a confirm button with no money: %q %v", confirmation.Text, confirmation.Buttons())
	}
	if !strings.Contains(confirmation.Text, "short") {
		t.Errorf("confirmation does not say the balance is short: %q", confirmation.Text)
	}
	packages, err := c.tapOn(confirmation, "⭐ Top up")
	if err != nil {
		t.Fatalf("%v\n%s", err, c.transcript())
	}
	since := c.mark()
	if _, err := c.tap(packages, mustButton(t, packages, "⭐ 50")); err != nil {
		t.Fatal(err)
	}
	inv, err := s.Bot.WaitMessage(ctx, c.u.ID(), func(m telegramtest.Message) bool { return since.changed(m) && m.Invoice != nil })
	if err != nil {
		t.Fatalf("no invoice: %v\n%s", err, c.transcript())
	}
	if inv.Invoice.Currency != "XTR" || inv.Invoice.TotalAmount != 50 {
		t.Fatalf("invoice %+v", inv.Invoice)
	}
	pay, err := c.u.Pay(ctx, inv.ID)
	if err != nil {
		t.Fatalf("pay: %v\n%s", err, c.transcript())
	}
	c.waitNew(since, "Payment received: +50,00")

	// Telegram delivers the same successful_payment again.
	from := c.u.Model()
	dupID, _ := s.Bot.SendUpdate(models.Update{Message: &models.Message{
		ID: pay.MessageID, From: &from, Chat: models.Chat{ID: c.u.ID(), Type: models.ChatTypePrivate}, Date: int(time.Now().Unix()),
		SuccessfulPayment: &models.SuccessfulPayment{Currency: "XTR", TotalAmount: pay.TotalAmount, InvoicePayload: pay.Payload,
			TelegramPaymentChargeID: pay.ChargeID, ProviderPaymentChargeID: pay.ProviderChargeID},
	}})
	s.waitProcessed(ctx, dupID)
	if n := s.topUpCredits(ctx, c.u.ID()); n != 1 {
		t.Fatalf("%d top-up credits for one payment", n)
	}
	if n := c.countSent(hasText("Payment received")); n != 1 {
		t.Fatalf("told %d times about one payment", n)
	}
	if avail, _ := c.balance(); avail != 50_00 {
		t.Fatalf("balance %d after a 50-Star top-up", avail)
	}

	// Back to the order: now it can be confirmed.
	confirmation, err = c.tapOn(packages, "↩️ Back to the order")
	if err != nil {
		t.Fatalf("%v\n%s", err, c.transcript())
	}
	since = c.mark()
	c.confirm(confirmation)
	c.waitResult(since)
	js := s.waitSettled(ctx)
	if len(js) != 1 || js[0].State != string(store.JobSucceeded) {
		t.Fatalf("jobs %+v", js)
	}
	if avail, held := c.balance(); avail != 50_00-js[0].Price || held != 0 {
		t.Fatalf("balance %d held %d, want %d", avail, held, 50_00-js[0].Price)
	}
	s.checkBooks(ctx)
}

func mustButton(t *testing.T, m telegramtest.Message, sub string) string {
	t.Helper()
	label, ok := button(m, containing(sub))
	if !ok {
		t.Fatalf("no button %q on %q: %v", sub, m.Text, m.Buttons())
	}
	return label
}

// Invoices the bot did not issue (or issued for another amount or user)
// are refused at pre-checkout, so Telegram charges nothing; a
// successful_payment nobody can match is never credited and the user is
// pointed to /paysupport. The genuine invoice still pays, once.
func TestShopPreCheckoutRefusesForgedInvoices(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	ann := s.newClient(ctx, "Ann", "en")
	bob := s.newClient(ctx, "Bob", "en")

	// Ann asks for a genuine 100-Star invoice.
	since := ann.mark()
	ann.u.SendCommand("topup")
	packages := ann.mustScreen(since)
	if _, err := ann.tap(packages, mustButton(t, packages, "⭐ 100")); err != nil {
		t.Fatal(err)
	}
	genuine, err := s.Bot.WaitMessage(ctx, ann.u.ID(), func(m telegramtest.Message) bool { return m.Invoice != nil })
	if err != nil {
		t.Fatalf("no invoice: %v\n%s", err, ann.transcript())
	}
	var payload string
	for _, inv := range s.Bot.Invoices() {
		if inv.MessageID == genuine.ID {
			payload = inv.Payload
		}
	}

	// Invoices made outside the shop, straight through the Bot API.
	tg, err := telegram.New(telegram.Config{APIURL: s.TG.URL, Token: actorstest.BotToken, Logger: s.opts.logger})
	if err != nil {
		t.Fatal(err)
	}
	forge := func(c *client, payload string, stars int) int {
		t.Helper()
		before := len(s.Bot.Invoices())
		op := telegram.Op{Kind: telegram.OpInvoice, ChatID: c.u.ID(), Invoice: &telegram.InvoiceOp{Title: "Top-up", Description: "forged", Payload: payload, Stars: stars, Label: "x"}}
		if err := tg.Perform(ctx, op); err != nil {
			t.Fatal(err)
		}
		return s.Bot.Invoices()[before].MessageID
	}
	for _, tc := range []struct {
		name    string
		c       *client
		payload string
		stars   int
		refusal string
	}{
		{"unknown payload", ann, "topup:forged-payload", 100, "not found"},
		{"wrong amount", ann, payload, 1, "does not match"},
		{"another user's invoice", bob, payload, 100, "belongs to another user"},
	} {
		_, err := tc.c.u.Pay(ctx, forge(tc.c, tc.payload, tc.stars))
		if !errors.Is(err, telegramtest.ErrPaymentDeclined) || !strings.Contains(err.Error(), tc.refusal) {
			t.Errorf("%s: pay = %v, want declined with %q", tc.name, err, tc.refusal)
		}
	}

	// A successful_payment for a payload we never issued.
	from := ann.u.Model()
	id, _ := s.Bot.SendUpdate(models.Update{Message: &models.Message{
		ID: 9999, From: &from, Chat: models.Chat{ID: ann.u.ID(), Type: models.ChatTypePrivate}, Date: int(time.Now().Unix()),
		SuccessfulPayment: &models.SuccessfulPayment{Currency: "XTR", TotalAmount: 500, InvoicePayload: "topup:never-issued", TelegramPaymentChargeID: "stxforged1"},
	}})
	s.waitProcessed(ctx, id)
	ann.waitText("could not find its invoice")
	if avail, _ := ann.balance(); avail != 0 || s.topUpCredits(ctx, ann.u.ID()) != 0 {
		t.Fatalf("an unmatched payment credited %d", avail)
	}

	// The genuine invoice pays once.
	since = ann.mark()
	if _, err := ann.u.Pay(ctx, genuine.ID); err != nil {
		t.Fatalf("genuine invoice: %v\n%s", err, ann.transcript())
	}
	ann.waitNew(since, "Payment received: +100,00")
	if avail, _ := ann.balance(); avail != 100_00 {
		t.Fatalf("balance %d after 100 Stars", avail)
	}
	if avail, _ := bob.balance(); avail != 0 {
		t.Fatalf("Bob has %d", avail)
	}
	// Paying the same invoice again is refused: it is used.
	if _, err := ann.u.Pay(ctx, genuine.ID); !errors.Is(err, telegramtest.ErrPaymentDeclined) {
		t.Fatalf("second payment of one invoice: %v", err)
	}
	s.checkBooks(ctx)
}

// topUpStars pays for a package through the menus and returns the payment.
func (c *client) topUpStars(stars string) telegramtest.Payment {
	c.t.Helper()
	since := c.mark()
	c.u.SendCommand("topup")
	packages := c.mustScreen(since)
	label, ok := button(packages, containing("⭐ "+stars+" "))
	if !ok {
		c.t.Fatalf("no %s-Star package: %v", stars, packages.Buttons())
	}
	since = c.mark()
	if _, err := c.tap(packages, label); err != nil {
		c.t.Fatal(err)
	}
	inv, err := c.s.Bot.WaitMessage(c.ctx, c.u.ID(), func(m telegramtest.Message) bool { return since.changed(m) && m.Invoice != nil })
	if err != nil {
		c.t.Fatalf("no invoice: %v\n%s", err, c.transcript())
	}
	pay, err := c.u.Pay(c.ctx, inv.ID)
	if err != nil {
		c.t.Fatalf("pay: %v\n%s", err, c.transcript())
	}
	c.waitNew(since, "Payment received")
	return pay
}

// An admin refunds a top-up: the Stars go back through Telegram, the
// credit is debited once (Telegram's refunded_payment notice changes
// nothing more), and the user is told. A top-up already spent is not
// refunded, and /refund is nobody else's command.
func TestShopAdminRefundsATopUp(t *testing.T) {
	t.Parallel()
	const adminID = 4343
	s := newShop(t, shopOptions{admins: []int64{adminID}})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	ann := s.newClient(ctx, "Ann", "en")
	admin := s.newClientAs(ctx, adminID, "Boss")
	admin.u.SendCommand("start")
	admin.mustScreen(mark{})

	kept := ann.topUpStars("50")
	refunded := ann.topUpStars("100")
	if avail, _ := ann.balance(); avail != 150_00 {
		t.Fatalf("balance %d after two top-ups", avail)
	}

	// Ann cannot refund herself.
	since := ann.mark()
	ann.u.SendCommand("refund", refunded.ChargeID)
	ann.mustScreen(since)

	since = ann.mark()
	adminSince := admin.mark()
	admin.u.SendCommand("refund", refunded.ChargeID)
	ann.waitNew(since, "Payment refunded: −100,00")
	if err := waitUntil(ctx, func() (bool, error) { return len(s.Bot.Refunds()) == 1, nil }); err != nil {
		t.Fatal(err)
	}
	s.waitInboxDrained(ctx)
	if avail, _ := ann.balance(); avail != 50_00 {
		t.Fatalf("balance %d after refunding 100 of 150", avail)
	}
	var refunds int
	if err := s.st.Pool().QueryRow(ctx, `SELECT count(*) FROM ledger_entries WHERE user_id = $1 AND kind = 'refund'`, ann.u.ID()).Scan(&refunds); err != nil {
		t.Fatal(err)
	}
	if refunds != 1 || ann.countSent(hasText("Payment refunded")) != 1 {
		t.Fatalf("%d refund entries, %d notices for one refund\n%s", refunds, ann.countSent(hasText("Payment refunded")), ann.transcript())
	}
	admin.waitNew(adminSince, "Refunded: 100 ⭐")

	// Spend most of the rest, then try to refund it: refused.
	confirmation := ann.mustOrder("z-image")
	since = ann.mark()
	ann.confirm(confirmation)
	ann.waitResult(since)
	s.waitSettled(ctx)
	adminSince = admin.mark()
	admin.u.SendCommand("refund", kept.ChargeID)
	admin.waitNew(adminSince, "already spent")
	if n := len(s.Bot.Refunds()); n != 1 {
		t.Fatalf("%d Stars refunds", n)
	}
	s.checkBooks(ctx)
}

// Issue 9 #2 end to end: a payment that arrives while the database refuses
// to book it (an outage outlasting the usual three attempts) is not given
// up with an apology: it is retried, the admins are alerted once the bound
// is reached, and once the database is back it is credited exactly once.
func TestShopPaymentDuringAnOutageIsCreditedOnceAndAlerted(t *testing.T) {
	const adminID = 7_000_001
	s := newShop(t, shopOptions{admins: []int64{adminID}, moneyStuckAfter: 4})
	s.Bot.AddUser(telegramtest.UserConfig{ID: adminID, FirstName: "Admin", LanguageCode: "en"})
	ctx := actorstest.Context(t, 120*time.Second)
	s.startShop("a", shopOptions{})
	c := s.newClient(ctx, "Ann", "en")
	confirmation := c.mustOrder("z-image")
	packages, err := c.tapOn(confirmation, "⭐ Top up")
	if err != nil {
		t.Fatalf("%v\n%s", err, c.transcript())
	}
	since := c.mark()
	if _, err := c.tap(packages, mustButton(t, packages, "⭐ 50")); err != nil {
		t.Fatal(err)
	}
	inv, err := s.Bot.WaitMessage(ctx, c.u.ID(), func(m telegramtest.Message) bool { return since.changed(m) && m.Invoice != nil })
	if err != nil {
		t.Fatalf("no invoice: %v\n%s", err, c.transcript())
	}
	// The outage: every attempt to mark a top-up paid fails.
	if _, err := s.Admin.Exec(ctx, `
		CREATE FUNCTION kiebot_test_outage() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'simulated outage'; END $$;
		CREATE TRIGGER kiebot_test_outage BEFORE UPDATE ON topups FOR EACH ROW EXECUTE FUNCTION kiebot_test_outage();`); err != nil {
		t.Fatal(err)
	}
	since = c.mark()
	if _, err := c.u.Pay(ctx, inv.ID); err != nil {
		t.Fatalf("pay: %v\n%s", err, c.transcript())
	}
	if _, err := s.Bot.WaitMessage(ctx, adminID, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "successful_payment") }); err != nil {
		t.Fatalf("no alert reached the admin: %v", err)
	}
	if n := s.topUpCredits(ctx, c.u.ID()); n != 0 {
		t.Fatalf("%d credits during the outage", n)
	}
	if _, err := s.Admin.Exec(ctx, `DROP TRIGGER kiebot_test_outage ON topups`); err != nil {
		t.Fatal(err)
	}
	c.waitNew(since, "Payment received: +50,00")
	if n := s.topUpCredits(ctx, c.u.ID()); n != 1 {
		t.Fatalf("%d top-up credits for one payment", n)
	}
	if n := c.countSent(hasText("Payment received")); n != 1 {
		t.Fatalf("told %d times about one payment", n)
	}
	if avail, _ := c.balance(); avail != 50_00 {
		t.Fatalf("balance %d after a 50-Star top-up", avail)
	}
	var failed bool
	var attempts int
	if err := s.Admin.QueryRow(ctx, `SELECT failed, attempts FROM inbox WHERE bot_id = $1 AND payload ? 'message' AND payload->'message' ? 'successful_payment'`,
		s.BotID).Scan(&failed, &attempts); err != nil {
		t.Fatal(err)
	}
	if failed || attempts < 4 {
		t.Fatalf("the payment's inbox row: failed %v after %d attempts; want booked after at least 4", failed, attempts)
	}
	s.checkBooks(ctx)
}
