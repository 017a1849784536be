package shop

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store"
)

// referralTerms: 50 ₽ on the first top-up and 10% of each.
var referralTerms = store.ReferralTerms{Bonus: 50_00, Percent: 10}

var inviteLinkRE = regexp.MustCompile(`https://t\.me/([A-Za-z0-9_]+)\?start=ref_([a-z0-9]+)`)

// inviteCode opens the "Invite friends" screen from the menu and returns
// the code its link carries.
func (c *client) inviteCode() string {
	c.t.Helper()
	since := c.mark()
	c.u.SendCommand("start")
	c.mustScreen(since)
	since = c.mark()
	c.press("Invite friends")
	screen := c.waitNew(since, "Your link")
	m := inviteLinkRE.FindStringSubmatch(screen.Text)
	if m == nil {
		c.t.Fatalf("no invite link on %q", screen.Text)
	}
	if want := c.s.Bot.Me().Username; m[1] != want {
		c.t.Fatalf("link to @%s, want @%s", m[1], want)
	}
	return m[2]
}

// referralEntries counts a user's entries of a kind.
func (s *shop) entriesOf(ctx context.Context, userID int64, kind string) int {
	s.T.Helper()
	var n int
	if err := s.st.Pool().QueryRow(ctx, `SELECT count(*) FROM ledger_entries WHERE user_id = $1 AND kind = $2`, userID, kind).Scan(&n); err != nil {
		s.T.Fatal(err)
	}
	return n
}

// redeliver sends a payment's successful_payment again, as Telegram may,
// and waits until it is processed.
func (c *client) redeliver(pay telegramtest.Payment) {
	c.t.Helper()
	from := c.u.Model()
	id, _ := c.s.Bot.SendUpdate(models.Update{Message: &models.Message{
		ID: pay.MessageID, From: &from, Chat: models.Chat{ID: c.u.ID(), Type: models.ChatTypePrivate}, Date: int(time.Now().Unix()),
		SuccessfulPayment: &models.SuccessfulPayment{Currency: "XTR", TotalAmount: pay.TotalAmount, InvoicePayload: pay.Payload,
			TelegramPaymentChargeID: pay.ChargeID, ProviderPaymentChargeID: pay.ProviderChargeID},
	}})
	c.s.waitProcessed(c.ctx, id)
}

// An invite link carries a code, not the Telegram id; a new user who
// follows it is bound to the inviter and both are told; each of the
// friend's paid top-ups pays the inviter — the bonus once, the share each
// time — exactly once even when Telegram delivers the payment twice; the
// screen counts the friend and the earnings.
func TestShopReferralInviteAndRewards(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{growth: GrowthConfig{Referral: referralTerms}})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	ann := s.newClient(ctx, "Ann", "en")
	code := ann.inviteCode()
	if strings.Contains(code, strconv.FormatInt(ann.u.ID(), 10)) {
		t.Fatalf("the invite code %q carries the Telegram id %d", code, ann.u.ID())
	}

	bob := s.newClient(ctx, "Bob <b>", "en")
	annSince := ann.mark()
	bob.u.SendCommand("start", "ref_"+code)
	bob.waitText("You came by a friend's invitation")
	ann.waitNew(annSince, "Bob <b> joined by your link") // the fake shows the text as the user sees it
	if ref, err := s.st.ReferrerOf(ctx, bob.u.ID()); err != nil || ref.ReferrerID != ann.u.ID() {
		t.Fatalf("Bob's referrer = %+v, %v", ref, err)
	}

	annSince = ann.mark()
	pay := bob.topUpStars("100") // 100,00 ₽
	ann.waitNew(annSince, "Reward for a friend you invited: +60,00")
	bob.waitText("The friend who invited you was rewarded")
	bob.redeliver(pay)
	bob.redeliver(pay)
	if n := s.entriesOf(ctx, ann.u.ID(), "referral"); n != 1 {
		t.Fatalf("%d referral rewards for one top-up", n)
	}
	if n := ann.countSent(hasText("Reward for a friend")); n != 1 {
		t.Fatalf("Ann told %d times\n%s", n, ann.transcript())
	}
	annSince = ann.mark()
	bob.topUpStars("50")
	ann.waitNew(annSince, "Reward for a friend you invited: +5,00")
	if avail, _ := ann.balance(); avail != 65_00 {
		t.Fatalf("Ann's balance %d, want 65,00", avail)
	}
	annSince = ann.mark()
	ann.u.SendCommand("invite")
	screen := ann.waitNew(annSince, "Friends joined: 1")
	for _, want := range []string{"Friends who paid: 1", "Earned: 65,00", "for a friend's first top-up", "10% of each"} {
		if !strings.Contains(screen.Text, want) {
			t.Errorf("invite screen lacks %q: %s", want, screen.Text)
		}
	}
	s.checkBooks(ctx)
}

// A referral binds only a user new to the bot, never to themselves and
// never in a loop, and an unknown code binds nobody — each told why. A
// welcome balance and a promo code earn the inviter nothing: only paid
// top-ups do.
func TestShopReferralRefusals(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{welcome: 10_00, admins: []int64{refundAdminID}, growth: GrowthConfig{Referral: referralTerms}})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	ann := s.newClient(ctx, "Ann", "en")
	code := ann.inviteCode()

	since := ann.mark()
	ann.u.SendCommand("start", "ref_"+code)
	ann.waitNew(since, "This is your own invite link")

	carl := s.newClient(ctx, "Carl", "en")
	since = carl.mark()
	carl.u.SendCommand("start")
	carl.mustScreen(since)
	carl.u.SendCommand("start", "ref_"+code)
	carl.waitNew(since, "Invitations work only for people new to this bot")

	dan := s.newClient(ctx, "Dan", "en")
	dan.u.SendCommand("start", "ref_nosuchcode")
	dan.waitText("This invite link is not valid")

	// Bob joins by Ann's link; Ann following Bob's link would be a loop.
	bob := s.newClient(ctx, "Bob", "en")
	bob.u.SendCommand("start", "ref_"+code)
	bob.waitText("You came by a friend's invitation")
	bobCode := bob.inviteCode()
	since = ann.mark()
	ann.u.SendCommand("start", "ref_"+bobCode)
	ann.waitNew(since, "Invitations work only for people new to this bot")
	if _, err := s.st.ReferrerOf(ctx, ann.u.ID()); err == nil {
		t.Fatal("Ann was bound to the friend she invited")
	}
	for _, c := range []*client{ann, carl, dan} {
		if _, err := s.st.ReferrerOf(ctx, c.u.ID()); err == nil {
			t.Fatalf("%d was bound", c.u.ID())
		}
	}

	// Bob's welcome balance and a promo credit pay Ann nothing.
	admin := s.newClientAs(ctx, refundAdminID, "Boss")
	since = admin.mark()
	admin.u.SendCommand("promonew", "FREE50", "50", "10")
	admin.waitNew(since, "Promo code created")
	since = bob.mark()
	bob.u.SendCommand("promo", "free50")
	bob.waitNew(since, "redeemed: +50,00")
	if avail, _ := bob.balance(); avail != 60_00 {
		t.Fatalf("Bob's balance %d, want welcome + promo", avail)
	}
	s.waitInboxDrained(ctx)
	if n := s.entriesOf(ctx, ann.u.ID(), "referral"); n != 0 {
		t.Fatalf("%d rewards without a paid top-up", n)
	}
	s.checkBooks(ctx)
}

// The reward is paid once when the friend's payment is delivered again
// after a failover, to the new leader.
func TestShopReferralRewardOnceAcrossFailover(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{ttl: actorstest.TTL, growth: GrowthConfig{Referral: referralTerms}})
	ctx := actorstest.Context(t, 90*time.Second)
	live := map[string]*actorstest.Instance{"a": s.startShop("a", shopOptions{})}
	leader := s.waitLeader(ctx, live)
	live["b"] = s.startShop("b", shopOptions{})
	ann := s.newClient(ctx, "Ann", "en")
	code := ann.inviteCode()
	bob := s.newClient(ctx, "Bob", "en")
	bob.u.SendCommand("start", "ref_"+code)
	bob.waitText("You came by a friend's invitation")
	since := ann.mark()
	pay := bob.topUpStars("100")
	ann.waitNew(since, "+60,00")

	live[leader].Stop(t)
	delete(live, leader)
	if next := s.waitLeader(ctx, live); next == leader {
		t.Fatalf("leader still %s", next)
	}
	bob.redeliver(pay)
	s.waitInboxDrained(ctx)
	if n := s.entriesOf(ctx, ann.u.ID(), "referral"); n != 1 {
		t.Fatalf("%d rewards after a failover", n)
	}
	if avail, _ := ann.balance(); avail != 60_00 {
		t.Fatalf("Ann's balance %d", avail)
	}
	if n := ann.countSent(hasText("Reward for a friend")); n != 1 {
		t.Fatalf("Ann told %d times", n)
	}
	s.checkBooks(ctx)
}

// A refunded top-up takes its reward back: what the inviter still has of
// it, the rest logged and told; Telegram's notice after our refund takes
// nothing more.
func TestShopRefundTakesTheReferralRewardBack(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{refundAdminID}, growth: GrowthConfig{Referral: referralTerms}})
	ctx := actorstest.Context(t, 60*time.Second)
	s.startShop("a", shopOptions{})
	admin := s.newClientAs(ctx, refundAdminID, "Boss")
	admin.u.SendCommand("start")
	admin.mustScreen(mark{})
	ann := s.newClient(ctx, "Ann", "en")
	code := ann.inviteCode()
	bob := s.newClient(ctx, "Bob", "en")
	bob.u.SendCommand("start", "ref_"+code)
	bob.waitText("You came by a friend's invitation")
	since := ann.mark()
	pay := bob.topUpStars("100")
	ann.waitNew(since, "+60,00")
	// Ann spends 40 of her 60.
	if _, err := s.st.Debit(ctx, store.DebitParams{UserID: ann.u.ID(), Kind: store.KindAdjustment, Amount: 40_00, Key: "spent"}); err != nil {
		t.Fatal(err)
	}

	since = ann.mark()
	adminSince := admin.mark()
	admin.u.SendCommand("refund", pay.ChargeID)
	admin.waitNew(adminSince, "Refunded: 100 ⭐")
	msg := ann.waitNew(since, "was taken back")
	if !strings.Contains(msg.Text, "its reward −20,00") || !strings.Contains(msg.Text, "(40,00") || !strings.Contains(msg.Text, "had been spent") {
		t.Errorf("the shortfall is not told: %q", msg.Text)
	}
	bob.waitText("Payment refunded: −100,00")
	// Telegram's own notice of the refund.
	from := bob.u.Model()
	id, _ := s.Bot.SendUpdate(models.Update{Message: &models.Message{
		ID: 7000, From: &from, Chat: models.Chat{ID: bob.u.ID(), Type: models.ChatTypePrivate}, Date: int(time.Now().Unix()),
		RefundedPayment: &models.RefundedPayment{Currency: "XTR", TotalAmount: pay.TotalAmount, InvoicePayload: pay.Payload, TelegramPaymentChargeID: pay.ChargeID},
	}})
	s.waitProcessed(ctx, id)
	if n := s.entriesOf(ctx, ann.u.ID(), "referral_back"); n != 1 {
		t.Fatalf("%d take-backs", n)
	}
	if avail, _ := ann.balance(); avail != 0 {
		t.Fatalf("Ann's balance %d after the take-back", avail)
	}
	if n := ann.countSent(hasText("was taken back")); n != 1 {
		t.Fatalf("Ann told %d times", n)
	}
	s.checkBooks(ctx)
}
