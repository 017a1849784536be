package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kiebot/kiebot/store"
)

func (b moneyBundle) promo(t *testing.T, np store.NewPromo) store.PromoCode {
	t.Helper()
	if np.CreatedBy == 0 {
		np.CreatedBy = 999
	}
	p, err := b.s.CreatePromo(b.ctx, np)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// 100 users redeeming a code with 10 uses left, each in their own
// transaction at the same moment: exactly 10 are credited, the other 90
// told it is used up, and the books agree.
func TestRedeemPromoRace(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 94)
	const users = 100
	for id := int64(1); id <= users; id++ {
		b.user(t, b.s, id, 0)
	}
	p := b.promo(t, store.NewPromo{Code: "race", Kind: store.PromoCredit, Amount: 100_00, MaxUses: 12})
	for id := int64(1001); id <= 1002; id++ { // two uses taken before: 10 left
		b.user(t, b.s, id, 0)
		if _, _, err := b.s.RedeemPromo(b.ctx, id, "RACE", store.PromoLimit{}); err != nil {
			t.Fatal(err)
		}
	}
	var (
		wg               sync.WaitGroup
		mu               sync.Mutex
		credited, usedUp int
		start            = make(chan struct{})
	)
	for id := int64(1); id <= users; id++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := b.s.InTx(b.ctx, func(tx *store.Tx) error {
				_, _, err := tx.RedeemPromo(b.ctx, id, "race", store.PromoLimit{Failures: 5, Window: time.Hour})
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				credited++
			case errors.Is(err, store.ErrPromoUsedUp):
				usedUp++
			default:
				t.Errorf("user %d: %v", id, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if credited != 10 || usedUp != 90 {
		t.Fatalf("%d credited, %d used up; want 10 and 90", credited, usedUp)
	}
	var entries, sum int64
	if err := b.pool.QueryRow(b.ctx, `SELECT count(*), coalesce(sum(amount_kopecks), 0) FROM ledger_entries WHERE bot_id = 94 AND kind = 'promo' AND user_id <= $1`, users).Scan(&entries, &sum); err != nil {
		t.Fatal(err)
	}
	if entries != 10 || sum != 10*100_00 {
		t.Fatalf("%d promo entries of %d kopecks", entries, sum)
	}
	if got, _ := b.s.PromoByCode(b.ctx, p.Code); got.Used != 12 {
		t.Fatalf("used = %d", got.Used)
	}
	auditOK(t, b.pool, 94)
}

// Each refusal is its own error, changes nothing, and only wrong codes
// count toward the guessing limit, which lasts its window.
func TestRedeemPromoRefusals(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 95)
	b.user(t, b.s, 1, 0)
	b.user(t, b.s, 2, 0)
	limit := store.PromoLimit{Failures: 3, Window: time.Hour}
	b.promo(t, store.NewPromo{Code: "ONE", Kind: store.PromoCredit, Amount: 500, MaxUses: 1})
	b.promo(t, store.NewPromo{Code: "OLD", Kind: store.PromoCredit, Amount: 500, MaxUses: 5, ExpiresAt: time.Now().Add(-time.Minute)})
	b.promo(t, store.NewPromo{Code: "GONE", Kind: store.PromoCredit, Amount: 500, MaxUses: 5})
	if _, changed, err := b.s.DisablePromo(b.ctx, "gone", 999); err != nil || !changed {
		t.Fatalf("disable = %t, %v", changed, err)
	}
	if _, changed, _ := b.s.DisablePromo(b.ctx, "gone", 999); changed {
		t.Fatal("disabled twice")
	}
	if _, _, err := b.s.RedeemPromo(b.ctx, 1, "one", limit); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		code string
		want error
	}{
		{"ONE", store.ErrPromoAlreadyUsed}, {"OLD", store.ErrPromoExpired}, {"GONE", store.ErrPromoDisabled},
	} {
		if _, _, err := b.s.RedeemPromo(b.ctx, 1, tc.code, limit); !errors.Is(err, tc.want) {
			t.Errorf("%s = %v, want %v", tc.code, err, tc.want)
		}
	}
	if _, _, err := b.s.RedeemPromo(b.ctx, 2, "one", limit); !errors.Is(err, store.ErrPromoUsedUp) {
		t.Errorf("used up = %v", err)
	}
	wantBalance(t, b.s, 1, 500, 0)
	wantBalance(t, b.s, 2, 0, 0)
	// Refusals above did not count; three wrong codes do.
	for _, code := range []string{"NOPE", "x", "ALSO-NOPE"} {
		if _, _, err := b.s.RedeemPromo(b.ctx, 2, code, limit); !errors.Is(err, store.ErrPromoUnknown) {
			t.Fatalf("%q = %v", code, err)
		}
	}
	b.promo(t, store.NewPromo{Code: "GOOD", Kind: store.PromoCredit, Amount: 700, MaxUses: 5})
	if _, _, err := b.s.RedeemPromo(b.ctx, 2, "GOOD", limit); !errors.Is(err, store.ErrPromoRateLimited) {
		t.Fatalf("after three wrong codes = %v", err)
	}
	if _, _, err := b.s.RedeemPromo(b.ctx, 1, "GOOD", limit); err != nil {
		t.Fatalf("another user is limited too: %v", err)
	}
	if _, err := b.pool.Exec(b.ctx, `UPDATE promo_failures SET at = at - interval '61 minutes' WHERE bot_id = 95`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.s.RedeemPromo(b.ctx, 2, "GOOD", limit); err != nil {
		t.Fatalf("after the window = %v", err)
	}
	if _, err := b.s.CreatePromo(b.ctx, store.NewPromo{Code: "good", Kind: store.PromoCredit, Amount: 1, MaxUses: 1, CreatedBy: 1}); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("a code created twice: %v", err)
	}
	auditOK(t, b.pool, 95)
}

// A bonus code waits for the next paid top-up, pays its percentage on it
// once, and goes back with the top-up when it is refunded.
func TestPromoBonus(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 96)
	b.user(t, b.s, 1, 0)
	b.promo(t, store.NewPromo{Code: "PLUS20", Kind: store.PromoBonus, Percent: 20, MaxUses: 5})
	r, _, err := b.s.RedeemPromo(b.ctx, 1, "plus20", store.PromoLimit{})
	if err != nil || r.State != store.RedemptionPending {
		t.Fatalf("redeem = %+v, %v", r, err)
	}
	wantBalance(t, b.s, 1, 0, 0)
	auditOK(t, b.pool, 96)
	top := b.paidTopUp(t, 1, 10000, "bonus-c1")
	r, p, applied, err := b.s.ApplyPromoBonus(b.ctx, top)
	if err != nil || !applied || r.Amount != 2000 || p.Code != "PLUS20" {
		t.Fatalf("apply = %+v, %t, %v", r, applied, err)
	}
	if _, _, applied, _ := b.s.ApplyPromoBonus(b.ctx, top); applied {
		t.Fatal("applied twice")
	}
	next := b.paidTopUp(t, 1, 10000, "bonus-c2")
	if _, _, applied, _ := b.s.ApplyPromoBonus(b.ctx, next); applied {
		t.Fatal("one redemption paid two top-ups")
	}
	wantBalance(t, b.s, 1, 22000, 0)
	auditOK(t, b.pool, 96)
	if _, err := b.s.BookTelegramRefund(b.ctx, "bonus-c1"); err != nil {
		t.Fatal(err)
	}
	back, taken, shortfall, err := b.s.TakeBackPromoBonus(b.ctx, top.ID)
	if err != nil || !taken || back.TakenBack != 2000 || shortfall != 0 {
		t.Fatalf("take back = %+v, %t, %d, %v", back, taken, shortfall, err)
	}
	if _, taken, _, _ := b.s.TakeBackPromoBonus(b.ctx, top.ID); taken {
		t.Fatal("taken back twice")
	}
	wantBalance(t, b.s, 1, 10000, 0)
	auditOK(t, b.pool, 96)
}
