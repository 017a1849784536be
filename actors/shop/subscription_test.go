package shop

import (
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// The monthly plan end to end on the fake Bot API: the invoice link
// carries Telegram's 30-day subscription_period; the first payment and a
// renewal each credit the plan's kopecks once, however often Telegram
// delivers them; the status screen shows the period paid for; cancelling
// stops Telegram's renewals (editUserStarSubscription) and resuming
// restarts them; the books, the statistics by method and /subscribers agree.
func TestSubscriptionPaymentsRenewalAndCancel(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{admins: []int64{consoleAdmin}, sub: &SubscriptionPlan{Stars: 500, Kopecks: 600_00}})
	ctx := actorstest.Context(t, 3*time.Minute)
	s.startShop("a", shopOptions{})
	ann := s.newClient(ctx, "Ann", "en")
	ann.cmdScreen("start")

	top := ann.cmdScreen("topup")
	screen := ann.mustTap(top, "Monthly plan: 500 ⭐")
	if !strings.Contains(screen.Text, pricing.FormatRUB(600_00)+" credited to your balance every month") ||
		!strings.Contains(screen.Text, "one-off top-up of the same Stars would give "+pricing.FormatRUB(500_00)) {
		t.Fatalf("plan screen %q", screen.Text)
	}
	link := ann.mustTap(screen, "Subscribe for 500")
	var url string
	for _, b := range link.Buttons() {
		if strings.HasPrefix(b.Text, "Pay 500") {
			url = b.URL
		}
	}
	if url == "" {
		t.Fatalf("no pay button with a link on %q: %+v", link.Text, link.Buttons())
	}
	invs := s.Bot.Invoices()
	if len(invs) != 1 || invs[0].SubscriptionPeriod != 2592000 || invs[0].TotalAmount != 500 || invs[0].Link != url {
		t.Fatalf("invoices %+v", invs)
	}

	first, err := ann.u.PayLink(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	ann.waitText("Subscribed: +" + pricing.FormatRUB(600_00))
	id, err := s.Bot.RedeliverPayment(first.ChargeID)
	if err != nil {
		t.Fatal(err)
	}
	s.waitProcessed(ctx, id)
	if avail, _ := ann.balance(); avail != 600_00 {
		t.Fatalf("balance %d after the first payment (delivered twice)", avail)
	}
	status := ann.cmdScreen("subscription")
	if !strings.Contains(status.Text, "Your subscription is active until") {
		t.Fatalf("status %q", status.Text)
	}

	renewal, err := s.Bot.RenewSubscription(first.ChargeID)
	if err != nil {
		t.Fatal(err)
	}
	ann.waitText("Subscription renewed: +" + pricing.FormatRUB(600_00))
	if id, err = s.Bot.RedeliverPayment(renewal.ChargeID); err != nil {
		t.Fatal(err)
	}
	s.waitProcessed(ctx, id)
	if avail, _ := ann.balance(); avail != 1200_00 {
		t.Fatalf("balance %d after a renewal (delivered twice)", avail)
	}
	if es := s.kindEntries(ctx, ann.u.ID(), store.KindTopUp); len(es) != 2 {
		t.Fatalf("%d top-up entries for two payments", len(es))
	}
	sub, err := s.st.UserSubscription(ctx, ann.u.ID())
	if err != nil || sub.Payments != 2 || sub.ChargeID != first.ChargeID || sub.ExpiresAt.Unix() != int64(renewal.SubscriptionExpirationDate) {
		t.Fatalf("subscription %+v, %v (renewal until %d)", sub, err, renewal.SubscriptionExpirationDate)
	}

	status = ann.cmdScreen("subscription")
	cancelled := ann.mustTap(status, "Cancel the renewal")
	if !strings.Contains(cancelled.Text, "The renewal is cancelled") {
		t.Fatalf("cancel answer %q", cancelled.Text)
	}
	if ts, _ := s.Bot.Subscription(first.ChargeID); !ts.Canceled {
		t.Fatal("Telegram's subscription not cancelled")
	}
	if _, err := s.Bot.RenewSubscription(first.ChargeID); err == nil {
		t.Fatal("a cancelled subscription renewed")
	}
	status = ann.cmdScreen("subscription")
	if !strings.Contains(status.Text, "Renewal cancelled: the subscription lasts until") {
		t.Fatalf("status after cancelling %q", status.Text)
	}
	resumed := ann.mustTap(status, "Resume the renewal")
	if !strings.Contains(resumed.Text, "The renewal is back on") {
		t.Fatalf("resume answer %q", resumed.Text)
	}
	if ts, _ := s.Bot.Subscription(first.ChargeID); ts.Canceled {
		t.Fatal("Telegram's subscription still cancelled")
	}

	stats, err := s.st.Stats(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range stats.TopUps {
		found = found || (m.Method == "subscription" && m.Count == 2 && m.Kopecks == 1200_00)
	}
	if !found {
		t.Fatalf("stats by method %+v", stats.TopUps)
	}
	boss := s.newClientAs(ctx, consoleAdmin, "Boss")
	boss.cmdScreen("start")
	if subs := boss.cmdScreen("subscribers"); !strings.Contains(subs.Text, "Subscribers: 1 active") || !strings.Contains(subs.Text, "Ann") {
		t.Fatalf("subscribers %q", subs.Text)
	}
	s.checkBooks(ctx)
}
