package shop

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/store"
)

// Not parallel: see the note in broadcast_test.go.

// When Kie's last known balance cannot cover an order — counting what the
// orders still running will take — the order is refused as temporarily
// unavailable before anything is held or uploaded; the admins hear of
// the low balance and of the refusal; once the balance is read again
// after a top-up, orders go through.
func TestOrderRefusedWhenKieCannotCoverIt(t *testing.T) {
	const admin, welcome = 7200, 10_00
	s := newShop(t, shopOptions{welcome: welcome, admins: []int64{admin}, kieEvery: time.Hour, kieBelow: kie.CreditsFromInt(1000)})
	ctx := actorstest.Context(t, time.Minute)
	s.addKnownUser(ctx, admin, "en")
	s.kie.SetCredits(1.2) // z-image costs 0.8: one order, not two at once
	s.kie.SetScript("z-image", kietest.Script{Generating: time.Hour})
	s.startShop("a", shopOptions{})
	kw := s.parts["a"].kieWatch
	if err := waitUntil(ctx, func() (bool, error) {
		_, _, err := kw.Balance(ctx)
		return err == nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	credits, at, err := kw.Balance(ctx)
	if err != nil || credits != kie.Credits(1_200_000) || at.IsZero() {
		t.Fatalf("Balance = %s at %v, %v", credits, at, err)
	}
	if _, err := s.Bot.WaitMessage(ctx, admin, func(m telegramtest.Message) bool {
		return strings.Contains(m.Text, "balance is down to 1.2 credits")
	}); err != nil {
		t.Fatal(err)
	}

	// Ann taps her confirmation twice: one order, which the balance covers;
	// the second tap is the same order, not a new one it cannot.
	first := s.newClient(ctx, "Ann", "en")
	taken := first.mustOrder("z-image")
	label := mustButton(t, taken, "✅")
	var taps []string
	for range 2 {
		id, err := first.u.Press(taken.ID, label)
		if err != nil {
			t.Fatal(err)
		}
		taps = append(taps, id)
	}
	for _, id := range taps {
		if _, err := s.Bot.WaitCallbackAnswer(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	s.waitJobState(ctx, store.JobRunning)
	since := first.mark()
	first.u.SendCommand("balance") // answered after the tap's messages
	first.waitNew(since, "Balance")
	if n := s.received(first.u.ID(), "temporarily unavailable"); n != 0 {
		t.Fatalf("a repeated tap was refused:\n%s", first.transcript())
	}

	c := s.newClient(ctx, "Bob", "en")
	confirmation := c.mustOrder("z-image")
	uploads, creates := s.kie.Count(kietest.RouteUploadStream), s.kie.Count(kietest.RouteCreateTask)
	since = c.mark()
	c.confirm(confirmation)
	c.waitNew(since, "Generation is temporarily unavailable")
	if avail, held := c.balance(); avail != welcome || held != 0 {
		t.Fatalf("the refused user has %d available, %d held", avail, held)
	}
	if js := jobsOf(s.jobs(ctx), c.u.ID()); len(js) != 0 {
		t.Fatalf("a refused order made jobs %+v", js)
	}
	if s.kie.Count(kietest.RouteUploadStream) != uploads || s.kie.Count(kietest.RouteCreateTask) != creates {
		t.Fatal("a refused order reached Kie")
	}
	if _, err := s.Bot.WaitMessage(ctx, admin, func(m telegramtest.Message) bool {
		return strings.Contains(m.Text, "An order for 0.8 credits was refused") && strings.Contains(m.Text, "0.8 of it taken")
	}); err != nil {
		t.Fatal(err)
	}
	report, err := store.Audit(ctx, s.st.Pool(), 0)
	if err != nil || !report.OK() {
		t.Fatalf("audit: %v %s", err, report)
	}

	// Kie is topped up; a reading (the console's refresh) lets orders in.
	s.kie.SetCredits(500)
	if got, _, err := kw.Refresh(ctx); err != nil || got != kie.CreditsFromInt(500) {
		t.Fatalf("Refresh = %s, %v", got, err)
	}
	confirmation = c.mustOrder("z-image")
	since = c.mark()
	c.confirm(confirmation)
	c.waitNew(since, "accepted")
	if js := jobsOf(s.jobs(ctx), c.u.ID()); len(js) != 1 {
		t.Fatalf("jobs after the top-up %+v", js)
	}
}

// A balance never read, or read too long ago, is unknown: orders pass.
func TestKieCheckAllowsWhenTheBalanceIsUnknown(t *testing.T) {
	s := newShop(t, shopOptions{})
	ctx := actorstest.Context(t, time.Minute)
	s.startShop("a", shopOptions{}) // the watch is off
	kw := s.parts["a"].kieWatch
	if _, _, err := kw.Balance(ctx); !errors.Is(err, ErrBalanceUnknown) {
		t.Fatalf("Balance before any reading: %v", err)
	}
	if err := kw.Check(ctx, kie.CreditsFromInt(100), "k"); err != nil {
		t.Fatalf("Check with no reading = %v", err)
	}
	if _, err := s.st.SaveKieBalance(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := kw.Check(ctx, kie.CreditsFromInt(100), "k"); !errors.Is(err, ErrKieFundsShort) {
		t.Fatalf("Check with a fresh empty reading = %v", err)
	}
	if _, err := s.st.Pool().Exec(ctx, `UPDATE kie_balance SET read_at = now() - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	if err := kw.Check(ctx, kie.CreditsFromInt(100), "k"); err != nil {
		t.Fatalf("Check with a stale reading = %v", err)
	}
}
