package shop

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"
)

const promoAdminID = 4545

// promoShop is a shop with an admin who has opened the console.
func promoShop(t *testing.T, opts shopOptions) (*shop, context.Context, *client) {
	t.Helper()
	opts.admins = append(opts.admins, promoAdminID)
	s := newShop(t, opts)
	ctx := actorstest.Context(t, 90*time.Second)
	s.startShop("a", shopOptions{})
	admin := s.newClientAs(ctx, promoAdminID, "Boss")
	return s, ctx, admin
}

// command sends /name args and waits for the bot's next message
// containing want.
func (c *client) command(want, name string, args ...string) string {
	c.t.Helper()
	since := c.mark()
	c.u.SendCommand(name, args...)
	return c.waitNew(since, want).Text
}

// Admins create codes in the console (audited), list them, see their
// redemptions and withdraw them; to anyone else the commands do not
// exist. Users redeem by /promo CODE, the menu button and a deep link;
// every refusal has its own message; wrong codes are limited per user.
func TestShopPromoCodes(t *testing.T) {
	t.Parallel()
	s, ctx, admin := promoShop(t, shopOptions{growth: GrowthConfig{PromoFailures: 3}})
	admin.command("Promo code created", "promonew", "SPRING", "100", "50", "30")
	admin.command("Promo code created", "promonew", "ONCE", "10,50", "1")
	admin.command("Promo code created", "promonew", "OLD", "5", "5", "1")
	admin.command("Promo code created", "promonew", "GONE", "5", "5")
	admin.command("exists already", "promonew", "spring", "1", "1")
	admin.command("Not done", "promonew", "SPRING2", "0", "5")
	admin.command("Not done", "promonew", "X", "5", "5")
	admin.command("Promo code withdrawn", "promooff", "gone")
	admin.command("withdrawn before", "promooff", "GONE")
	if _, err := s.st.Pool().Exec(ctx, `UPDATE promo_codes SET expires_at = now() - interval '1 second' WHERE code = 'OLD'`); err != nil {
		t.Fatal(err)
	}

	ann := s.newClient(ctx, "Ann", "en")
	if text := ann.command("I understand commands", "promonew", "MINE", "100", "5"); strings.Contains(text, "created") {
		t.Fatal("a user created a code")
	}
	ann.command("I understand commands", "promos")
	ann.command("redeemed: +100,00", "promo", "spring")
	ann.command("You have already redeemed this promo code", "promo", "SPRING")
	ann.command("This promo code has expired", "promo", "OLD")
	ann.command("This promo code has been withdrawn", "promo", "GONE")

	// The menu button, then the code as a message.
	since := ann.mark()
	ann.u.SendCommand("start")
	ann.mustScreen(since)
	since = ann.mark()
	ann.press("Promo code")
	ann.waitNew(since, "Send the promo code")
	since = ann.mark()
	ann.u.SendText("once")
	ann.waitNew(since, "redeemed: +10,50")

	bob := s.newClient(ctx, "Bob", "en")
	since = bob.mark()
	bob.u.SendCommand("start", "promo_ONCE")
	bob.waitNew(since, "This promo code is used up")
	bob.command("redeemed: +100,00", "start", "promo_SPRING") // a deep link
	for range 3 {
		bob.command("There is no such promo code", "promo", "SPRUNG")
	}
	bob.command("Too many wrong promo codes", "promo", "SPRING") // even a right one now
	// Admins are not limited.
	for range 4 {
		admin.command("There is no such promo code", "promo", "NOPE")
	}
	admin.command("redeemed: +100,00", "promo", "SPRING")

	list := admin.command("Promo codes", "promos")
	for _, want := range []string{"SPRING — +100,00", " 3/50,", "ONCE — +10,50", " 1/1,", "GONE", "withdrawn", "expired"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}
	info := admin.command("Redemptions", "promoinfo", "spring")
	for _, id := range []int64{ann.u.ID(), bob.u.ID(), promoAdminID} {
		if !strings.Contains(info, strconv.FormatInt(id, 10)) {
			t.Errorf("redemptions lack user %d:\n%s", id, info)
		}
	}
	var audited int
	if err := s.st.Pool().QueryRow(ctx, `SELECT count(*) FROM admin_actions WHERE action IN ('promo_create', 'promo_disable')`).Scan(&audited); err != nil {
		t.Fatal(err)
	}
	if audited != 5 { // four codes made, one withdrawn
		t.Errorf("%d audited promo changes, want 5", audited)
	}
	if avail, _ := ann.balance(); avail != 110_50 {
		t.Errorf("Ann's balance %d", avail)
	}
	s.checkBooks(ctx)
}

// 100 users send /promo for a code with 10 uses left at the same moment:
// exactly 10 are credited and the other 90 told it is used up.
func TestShopPromoRace(t *testing.T) {
	t.Parallel()
	s, ctx, admin := promoShop(t, shopOptions{})
	admin.command("Promo code created", "promonew", "RACE", "25", "12")
	admin.command("redeemed", "promo", "RACE")
	first := s.newClient(ctx, "First", "en")
	first.command("redeemed", "promo", "RACE") // two uses taken: 10 left
	clients := make([]*client, 100)
	for i := range clients {
		clients[i] = s.newClient(ctx, "Racer", "en")
	}
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() { c.u.SendCommand("promo", "race") })
	}
	wg.Wait()
	s.waitInboxDrained(ctx)
	credited, usedUp := 0, 0
	// Replies are sent after the commit: wait until every racer has one.
	_ = waitUntil(ctx, func() (bool, error) {
		credited, usedUp = 0, 0
		for _, c := range clients {
			credited += c.countSent(hasText("redeemed: +25,00"))
			usedUp += c.countSent(hasText("used up"))
		}
		return credited+usedUp >= len(clients), nil
	})
	if credited != 10 || usedUp != 90 {
		t.Fatalf("%d credited, %d told used up; want 10 and 90", credited, usedUp)
	}
	var entries int
	if err := s.st.Pool().QueryRow(ctx, `SELECT count(*) FROM ledger_entries WHERE kind = 'promo'`).Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if entries != 12 {
		t.Fatalf("%d promo credits, want 12", entries)
	}
	s.checkBooks(ctx)
}

// A bonus code adds its percentage to the next paid top-up, once, and a
// refund of that top-up takes the bonus back.
func TestShopPromoBonusOnTopUp(t *testing.T) {
	t.Parallel()
	s, ctx, admin := promoShop(t, shopOptions{})
	admin.command("Promo code created", "promonew", "PLUS20", "20%", "10")
	ann := s.newClient(ctx, "Ann", "en")
	ann.command("+20% on your next top-up", "promo", "plus20")
	since := ann.mark()
	pay := ann.topUpStars("100")
	ann.waitNew(since, "PLUS20 bonus: +20,00")
	ann.redeliver(pay)
	ann.topUpStars("50")
	if avail, _ := ann.balance(); avail != 170_00 {
		t.Fatalf("balance %d, want 100 + 20 + 50", avail)
	}
	since = ann.mark()
	admin.command("Refunded: 100 ⭐", "refund", pay.ChargeID)
	ann.waitNew(since, "taken back: −20,00")
	if avail, _ := ann.balance(); avail != 50_00 {
		t.Fatalf("balance %d after the refund", avail)
	}
	s.checkBooks(ctx)
}

// A campaign link records a new user's source, once; a user who knew the
// bot before is not counted; /sources shows users, payers and revenue.
func TestShopCampaignSources(t *testing.T) {
	t.Parallel()
	s, ctx, admin := promoShop(t, shopOptions{})
	admin.command("Nobody has come by a tagged link", "sources")
	ann := s.newClient(ctx, "Ann", "en")
	ann.command("What shall we make", "start", "src_tg_ads")
	ann.command("What shall we make", "start", "src_other") // not her first contact
	bob := s.newClient(ctx, "Bob", "en")
	bob.command("What shall we make", "start", "src_TG_ads")
	carl := s.newClient(ctx, "Carl", "en")
	carl.command("What shall we make", "start")
	carl.command("What shall we make", "start", "src_late")
	ann.topUpStars("100")
	stats := admin.command("Sources", "sources")
	if !strings.Contains(stats, "tg_ads — 2, 1, 100,00") {
		t.Errorf("sources:\n%s", stats)
	}
	for _, no := range []string{"other", "late"} {
		if strings.Contains(stats, no) {
			t.Errorf("%s counted:\n%s", no, stats)
		}
	}
	// Today's statistics in the console show the same.
	today := admin.command("Sources (tag", "stats")
	if !strings.Contains(today, "tg_ads — 2, 1, 100,00") || strings.Contains(today, "late") {
		t.Errorf("statistics:\n%s", today)
	}
	s.checkBooks(ctx)
}
