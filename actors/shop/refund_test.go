package shop

import (
	"context"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store"
)

// refundSetup is a shop with an admin and a payer who topped up 100 Stars
// (100,00 ₽).
type refundSetup struct {
	s     *shop
	ctx   context.Context
	admin *client
	payer *client
	pay   telegramtest.Payment
}

const refundAdminID = 4343

func newRefundSetup(t *testing.T) refundSetup {
	t.Helper()
	s := newShop(t, shopOptions{admins: []int64{refundAdminID}})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	admin := s.newClientAs(ctx, refundAdminID, "Boss")
	admin.u.SendCommand("start")
	admin.mustScreen(mark{})
	payer := s.newClient(ctx, "Ann", "en")
	pay := payer.topUpStars("100")
	if avail, _ := payer.balance(); avail != 100_00 {
		t.Fatalf("balance %d after a 100-Star top-up", avail)
	}
	return refundSetup{s: s, ctx: ctx, admin: admin, payer: payer, pay: pay}
}

// refund sends /refund for the payer's charge and waits for the admin's
// answer containing want.
func (r refundSetup) refund(want string) telegramtest.Message {
	r.s.T.Helper()
	since := r.admin.mark()
	r.admin.u.SendCommand("refund", r.pay.ChargeID)
	return r.admin.waitNew(since, want)
}

// notice is Telegram's refunded_payment service message for the payer's
// charge, as it arrives when Telegram refunds.
func (r refundSetup) notice() int64 {
	from := r.payer.u.Model()
	id, _ := r.s.Bot.SendUpdate(models.Update{Message: &models.Message{
		ID: 7000, From: &from, Chat: models.Chat{ID: r.payer.u.ID(), Type: models.ChatTypePrivate}, Date: int(time.Now().Unix()),
		RefundedPayment: &models.RefundedPayment{Currency: "XTR", TotalAmount: r.pay.TotalAmount, InvoicePayload: r.pay.Payload,
			TelegramPaymentChargeID: r.pay.ChargeID},
	}})
	return id
}

// topUp is the payer's top-up as the store has it.
func (r refundSetup) topUp() store.TopUp {
	r.s.T.Helper()
	t, err := r.s.st.TopUpByChargeID(r.ctx, r.pay.ChargeID)
	if err != nil {
		r.s.T.Fatal(err)
	}
	return t
}

// ledger counts the payer's entries of a kind.
func (r refundSetup) ledger(kind string) int {
	r.s.T.Helper()
	var n int
	if err := r.s.st.Pool().QueryRow(r.ctx, `SELECT count(*) FROM ledger_entries WHERE user_id = $1 AND kind = $2`, r.payer.u.ID(), kind).Scan(&n); err != nil {
		r.s.T.Fatal(err)
	}
	return n
}

// The payer confirms an order while the admin's refundStarPayment is on
// its way. The money was taken back before Telegram was asked, so the
// order finds the balance short, Telegram refunds, the admin is told so,
// and the books agree with Telegram: refunded once, nothing spent.
func TestShopAdminRefundWhileThePayerSpends(t *testing.T) {
	t.Parallel()
	r := newRefundSetup(t)
	s, ctx := r.s, r.ctx
	confirmation := r.payer.mustOrder("z-image")
	label := mustButton(t, confirmation, "✅")

	hold := s.Bot.Hold("refundStarPayment")
	adminSince := r.admin.mark()
	r.admin.u.SendCommand("refund", r.pay.ChargeID)
	if err := s.TG.WaitFor(ctx, func() bool { return hold.Waiting() == 1 }); err != nil {
		t.Fatalf("refundStarPayment never called: %v\n%s", err, r.admin.transcript())
	}
	// Telegram is refunding now; the payer spends.
	if _, err := r.payer.tap(confirmation, label); err != nil {
		t.Fatal(err)
	}
	hold.Open()
	r.admin.waitNew(adminSince, "Refunded: 100 ⭐")
	r.payer.waitText("Payment refunded: −100,00")
	s.waitInboxDrained(ctx)

	if n := len(s.Bot.Refunds()); n != 1 {
		t.Fatalf("%d Stars refunds", n)
	}
	if js := s.jobs(ctx); len(js) != 0 {
		t.Fatalf("an order was paid from money being refunded: %+v", js)
	}
	if avail, held := r.payer.balance(); avail != 0 || held != 0 {
		t.Fatalf("balance %d held %d after refunding everything", avail, held)
	}
	if top := r.topUp(); top.State != store.TopUpRefunded || r.ledger("refund") != 1 {
		t.Fatalf("top-up %s with %d refund entries", top.State, r.ledger("refund"))
	}
	if n := r.payer.countSent(hasText("Payment refunded")); n != 1 {
		t.Fatalf("payer told %d times\n%s", n, r.payer.transcript())
	}
	if n := r.admin.countSent(hasText("already spent")); n != 0 {
		t.Fatalf("admin told the money was spent\n%s", r.admin.transcript())
	}
	s.checkBooks(ctx)
}

// Telegram refuses the refund for good: the money taken back is credited
// back (a keyed reversal), the admin is told why, and a later /refund can
// still go through, with keys of its own.
func TestShopAdminRefundRefusedByTelegram(t *testing.T) {
	t.Parallel()
	r := newRefundSetup(t)
	s, ctx := r.s, r.ctx
	s.Bot.InjectError("refundStarPayment", 1, 400, "Bad Request: REFUND_NOT_ALLOWED", 0)
	r.refund("Telegram refused")
	s.waitInboxDrained(ctx)
	if avail, _ := r.payer.balance(); avail != 100_00 {
		t.Fatalf("balance %d after a refused refund, want it all back", avail)
	}
	if top := r.topUp(); top.State != store.TopUpPaid || r.ledger("refund") != 1 || r.ledger("adjustment") != 1 {
		t.Fatalf("top-up %s with %d refunds and %d reversals", top.State, r.ledger("refund"), r.ledger("adjustment"))
	}
	if n := r.payer.countSent(hasText("refunded")); n != 0 {
		t.Fatalf("payer told of a refund that did not happen\n%s", r.payer.transcript())
	}
	s.checkBooks(ctx)

	r.refund("Refunded: 100 ⭐")
	r.payer.waitText("Payment refunded: −100,00")
	s.waitInboxDrained(ctx)
	if avail, _ := r.payer.balance(); avail != 0 || len(s.Bot.Refunds()) != 1 || r.ledger("refund") != 2 {
		t.Fatalf("balance %d, %d Stars refunds, %d refund entries after the second attempt", avail, len(s.Bot.Refunds()), r.ledger("refund"))
	}
	s.checkBooks(ctx)
}

// An instance crashes after taking the money back and before (or just
// after) Telegram refunded: the books are consistent meanwhile, and the
// admin's retry converges — Telegram refunds, or says it already has.
func TestShopAdminRefundResumesAfterACrash(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// refundedBefore: Telegram had refunded before the crash (its
		// notice lost), so the retry hears CHARGE_ALREADY_REFUNDED.
		refundedBefore bool
	}{{"before the call", false}, {"after the call", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRefundSetup(t)
			s, ctx := r.s, r.ctx
			// Step one ran; the instance died before the rest.
			if _, debited, err := s.st.HoldTopUpRefund(ctx, r.pay.ChargeID); err != nil || !debited {
				t.Fatalf("hold: %v, %v", debited, err)
			}
			if avail, _ := r.payer.balance(); avail != 0 {
				t.Fatalf("balance %d while the refund is under way", avail)
			}
			s.checkBooks(ctx)
			if tc.refundedBefore {
				s.Bot.InjectError("refundStarPayment", 1, 400, "Bad Request: CHARGE_ALREADY_REFUNDED", 0)
			}
			r.refund("Refunded: 100 ⭐")
			r.payer.waitText("Payment refunded: −100,00")
			s.waitInboxDrained(ctx)
			if top := r.topUp(); top.State != store.TopUpRefunded || r.ledger("refund") != 1 || r.ledger("adjustment") != 0 {
				t.Fatalf("top-up %s with %d refunds and %d reversals", top.State, r.ledger("refund"), r.ledger("adjustment"))
			}
			if avail, _ := r.payer.balance(); avail != 0 {
				t.Fatalf("balance %d", avail)
			}
			if n := r.payer.countSent(hasText("Payment refunded")); n != 1 {
				t.Fatalf("payer told %d times\n%s", n, r.payer.transcript())
			}
			s.checkBooks(ctx)
		})
	}
}

// Telegram's refunded_payment notice in every order against our own
// refund: arriving after we took the money back but before Telegram
// answered us, it confirms the refund and takes nothing more; arriving
// again later, it changes nothing. The payer is told once.
func TestShopRefundNoticeDuringOurRefund(t *testing.T) {
	t.Parallel()
	r := newRefundSetup(t)
	s, ctx := r.s, r.ctx
	hold := s.Bot.Hold("refundStarPayment")
	adminSince := r.admin.mark()
	r.admin.u.SendCommand("refund", r.pay.ChargeID)
	if err := s.TG.WaitFor(ctx, func() bool { return hold.Waiting() == 1 }); err != nil {
		t.Fatal(err)
	}
	s.waitProcessed(ctx, r.notice())
	r.payer.waitText("Payment refunded: −100,00")
	if top := r.topUp(); top.State != store.TopUpRefunded {
		t.Fatalf("top-up %s after Telegram's notice", top.State)
	}
	hold.Open()
	r.admin.waitNew(adminSince, "Refunded: 100 ⭐")
	s.waitInboxDrained(ctx) // the fake's own notice, too
	s.waitProcessed(ctx, r.notice())
	if avail, _ := r.payer.balance(); avail != 0 || r.ledger("refund") != 1 {
		t.Fatalf("balance %d, %d refund entries", avail, r.ledger("refund"))
	}
	if n := r.payer.countSent(hasText("Payment refunded")); n != 1 {
		t.Fatalf("payer told %d times\n%s", n, r.payer.transcript())
	}
	s.checkBooks(ctx)
}

// A refund Telegram made on its own (a dispute): its notice takes back
// what the balance still has — all of it, or what is left when part was
// spent, never below zero — and says what could not be taken back. An
// admin's /refund afterwards is refused: the Stars are gone already.
func TestShopRefundNoticeWithoutOurRefund(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		spend bool
	}{{"whole balance", false}, {"partly spent", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRefundSetup(t)
			s, ctx := r.s, r.ctx
			var price int64
			if tc.spend {
				confirmation := r.payer.mustOrder("z-image")
				since := r.payer.mark()
				r.payer.confirm(confirmation)
				r.payer.waitResult(since)
				price = s.waitSettled(ctx)[0].Price
			}
			s.waitProcessed(ctx, r.notice())
			r.payer.waitText("Payment refunded")
			// The user's next update is answered after every message of this one.
			since := r.payer.mark()
			r.payer.u.SendCommand("balance")
			r.payer.waitNew(since, "Balance: 0,00")
			top := r.topUp()
			if top.State != store.TopUpRefunded || top.RefundShortfall != price {
				t.Fatalf("top-up %s, shortfall %d, want refunded short of %d", top.State, top.RefundShortfall, price)
			}
			if avail, held := r.payer.balance(); avail != 0 || held != 0 {
				t.Fatalf("balance %d held %d", avail, held)
			}
			if spent := r.payer.countSent(hasText("already been spent")); (spent == 1) != tc.spend {
				t.Fatalf("told %d times the top-up was spent\n%s", spent, r.payer.transcript())
			}
			s.checkBooks(ctx)
			r.refund("the top-up is refunded")
			if n := len(s.Bot.Refunds()); n != 0 {
				t.Fatalf("%d Stars refunds through the bot", n)
			}
			s.checkBooks(ctx)
		})
	}
}
