package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kiebot/kiebot/store"
)

// paidTopUp has userID pay a top-up of kopecks under charge.
func (b moneyBundle) paidTopUp(t *testing.T, userID, kopecks int64, charge string) store.TopUp {
	t.Helper()
	inv, err := b.s.CreateTopUp(b.ctx, store.NewTopUp{UserID: userID, Stars: 50, Kopecks: kopecks})
	if err != nil {
		t.Fatal(err)
	}
	top, credited, err := b.s.CompleteTopUp(b.ctx, store.CompleteParams{Payload: inv.Payload, UserID: userID, Stars: 50, ChargeID: charge})
	if err != nil || !credited {
		t.Fatalf("complete top-up: %v (credited %t)", err, credited)
	}
	return top
}

// The binding rules: once, never oneself, never a loop, never a user who
// paid or ordered before, never to an unknown referrer.
func TestBindReferralRules(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 91)
	for _, id := range []int64{1, 2, 3, 4, 5} {
		b.user(t, b.s, id, 0)
	}
	if _, err := b.s.BindReferral(b.ctx, 1, 1); !errors.Is(err, store.ErrSelfReferral) {
		t.Fatalf("self = %v", err)
	}
	if r, err := b.s.BindReferral(b.ctx, 2, 1); err != nil || r.ReferrerID != 1 {
		t.Fatalf("bind 2←1 = %+v, %v", r, err)
	}
	if _, err := b.s.BindReferral(b.ctx, 2, 3); !errors.Is(err, store.ErrAlreadyReferred) {
		t.Fatalf("second binding = %v", err)
	}
	if _, err := b.s.BindReferral(b.ctx, 3, 2); err != nil {
		t.Fatal(err)
	}
	// 1 invited 2, 2 invited 3: 1 following 3's link would close a loop.
	if _, err := b.s.BindReferral(b.ctx, 1, 3); !errors.Is(err, store.ErrReferralLoop) {
		t.Fatalf("loop 1←3 = %v", err)
	}
	if _, err := b.s.BindReferral(b.ctx, 1, 2); !errors.Is(err, store.ErrReferralLoop) {
		t.Fatalf("loop 1←2 = %v", err)
	}
	b.paidTopUp(t, 4, 1000, "bind-c4")
	if _, err := b.s.BindReferral(b.ctx, 4, 1); !errors.Is(err, store.ErrNotNewUser) {
		t.Fatalf("a payer = %v", err)
	}
	if _, err := b.s.BindReferral(b.ctx, 5, 99); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown referrer = %v", err)
	}
	code, err := b.s.InviteCode(b.ctx, 1)
	if err != nil || len(code) != 8 {
		t.Fatalf("code %q, %v", code, err)
	}
	if again, _ := b.s.InviteCode(b.ctx, 1); again != code {
		t.Fatalf("code changed: %q then %q", code, again)
	}
	if id, err := b.s.ReferrerByCode(b.ctx, code); err != nil || id != 1 {
		t.Fatalf("ReferrerByCode = %d, %v", id, err)
	}
	if code == "1" || code == fmt.Sprint(b.s.BotID()) {
		t.Fatalf("the code is an id: %q", code)
	}
}

// A referee's top-ups earn the referrer the bonus on the first and the
// share of each, once per top-up however often asked; a refund takes the
// reward back, what is left of it when it was spent; the audit agrees at
// every step and catches a reward paid twice.
func TestReferralRewardsOnceAndTakenBack(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 92)
	b.user(t, b.s, 1, 0)
	b.user(t, b.s, 2, 0)
	if _, err := b.s.BindReferral(b.ctx, 2, 1); err != nil {
		t.Fatal(err)
	}
	terms := store.ReferralTerms{Bonus: 5000, Percent: 10}
	first := b.paidTopUp(t, 2, 10000, "ref-c1")
	r, paid, err := b.s.RewardReferral(b.ctx, first, terms)
	if err != nil || !paid || r.Bonus != 5000 || r.Share != 1000 || r.ReferrerID != 1 {
		t.Fatalf("first reward = %+v, %t, %v", r, paid, err)
	}
	for range 3 { // a duplicate update, a new leader, a retry
		if _, paid, err := b.s.RewardReferral(b.ctx, first, terms); err != nil || paid {
			t.Fatalf("reward again = %t, %v", paid, err)
		}
	}
	wantBalance(t, b.s, 1, 6000, 0)
	second := b.paidTopUp(t, 2, 20000, "ref-c2")
	if r, paid, err := b.s.RewardReferral(b.ctx, second, terms); err != nil || !paid || r.Bonus != 0 || r.Share != 2000 {
		t.Fatalf("second reward = %+v, %t, %v", r, paid, err)
	}
	wantBalance(t, b.s, 1, 8000, 0)
	if s, err := b.s.ReferralStats(b.ctx, 1); err != nil || s.Joined != 1 || s.Paid != 1 || s.Earned != 8000 {
		t.Fatalf("stats = %+v, %v", s, err)
	}
	auditOK(t, b.pool, 92)

	// The referrer spends all but 1500; the first top-up is refunded.
	if _, err := b.s.Debit(b.ctx, store.DebitParams{UserID: 1, Kind: store.KindAdjustment, Amount: 6500, Key: "spend"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.BookTelegramRefund(b.ctx, "ref-c1"); err != nil {
		t.Fatal(err)
	}
	back, taken, err := b.s.TakeBackReferral(b.ctx, first.ID)
	if err != nil || !taken || back.TakenBack != 1500 || back.Shortfall != 4500 {
		t.Fatalf("take back = %+v, %t, %v", back, taken, err)
	}
	if _, taken, err := b.s.TakeBackReferral(b.ctx, first.ID); err != nil || taken {
		t.Fatalf("take back again = %t, %v", taken, err)
	}
	wantBalance(t, b.s, 1, 0, 0)
	if s, _ := b.s.ReferralStats(b.ctx, 1); s.Earned != 6500 {
		t.Fatalf("earned after the refund = %d", s.Earned)
	}
	// A refunded top-up earns nothing, even asked again.
	refunded, _ := b.s.TopUpByChargeID(b.ctx, "ref-c1")
	if _, paid, _ := b.s.RewardReferral(b.ctx, refunded, terms); paid {
		t.Fatal("a refunded top-up was rewarded")
	}
	auditOK(t, b.pool, 92)

	// A reward paid twice (a bug) is caught.
	if _, err := b.s.Credit(b.ctx, store.CreditParams{UserID: 1, Kind: store.KindAdjustment, Amount: 1, Key: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.pool.Exec(b.ctx, `INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, idem_key) VALUES (92, 1, 'referral', 2000, 'referral:bogus')`); err != nil {
		t.Fatal(err)
	}
	if _, err := b.pool.Exec(b.ctx, `UPDATE bot_users SET balance_kopecks = balance_kopecks + 2000 WHERE bot_id = 92 AND user_id = 1`); err != nil {
		t.Fatal(err)
	}
	rep, err := store.Audit(b.ctx, b.pool, 92)
	if err != nil || rep.OK() {
		t.Fatalf("audit missed a stray reward: %v %s", err, rep)
	}
	for _, p := range rep.Problems {
		if p.Check != store.CheckReferral {
			t.Errorf("unexpected problem %s", p)
		}
	}
}

// The share stops REFERRAL_DAYS after the binding; the bonus does not
// depend on it; no terms, no reward; a user without a referrer earns
// nobody anything.
func TestReferralPeriod(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 93)
	for _, id := range []int64{1, 2, 3} {
		b.user(t, b.s, id, 0)
	}
	if _, err := b.s.BindReferral(b.ctx, 2, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := b.pool.Exec(b.ctx, `UPDATE referrals SET created_at = now() - interval '31 days' WHERE bot_id = 93`); err != nil {
		t.Fatal(err)
	}
	top := b.paidTopUp(t, 2, 10000, "per-c1")
	if _, paid, _ := b.s.RewardReferral(b.ctx, top, store.ReferralTerms{}); paid {
		t.Fatal("zero terms paid")
	}
	if r, paid, err := b.s.RewardReferral(b.ctx, top, store.ReferralTerms{Bonus: 100, Percent: 10, Days: 30}); err != nil || !paid || r.Share != 0 || r.Bonus != 100 {
		t.Fatalf("after the period = %+v, %t, %v", r, paid, err)
	}
	late := b.paidTopUp(t, 2, 10000, "per-c2")
	if _, paid, _ := b.s.RewardReferral(b.ctx, late, store.ReferralTerms{Bonus: 100, Percent: 10, Days: 30}); paid {
		t.Fatal("a top-up after the period earned a share")
	}
	if r, paid, _ := b.s.RewardReferral(b.ctx, late, store.ReferralTerms{Percent: 10}); !paid || r.Share != 1000 {
		t.Fatalf("forever = %+v, %t", r, paid)
	}
	own := b.paidTopUp(t, 3, 10000, "per-c3")
	if _, paid, _ := b.s.RewardReferral(b.ctx, own, store.ReferralTerms{Bonus: 100, Percent: 10}); paid {
		t.Fatal("a top-up without a referrer paid someone")
	}
	auditOK(t, b.pool, 93)
}
