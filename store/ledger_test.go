package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// moneyBundle is a store with users ready to hold money.
type moneyBundle struct {
	ctx  context.Context
	pool *pgxpool.Pool
	s    *store.Store
}

func setupMoney(t *testing.T, botID int64) moneyBundle {
	t.Helper()
	pool := storetest.NewPool(t)
	return moneyBundle{ctx: context.Background(), pool: pool, s: store.New(pool, botID)}
}

// user creates userID with balance kopecks (via an adjustment entry).
func (b moneyBundle) user(t *testing.T, s *store.Store, userID, balance int64) {
	t.Helper()
	if _, _, err := s.TouchUser(b.ctx, store.SeenUser{ID: userID, ChatID: userID, FirstName: "U"}); err != nil {
		t.Fatal(err)
	}
	if balance > 0 {
		if _, err := s.Credit(b.ctx, store.CreditParams{UserID: userID, Kind: store.KindAdjustment, Amount: balance, Key: fmt.Sprintf("seed:%d", userID)}); err != nil {
			t.Fatal(err)
		}
	}
}

func wantBalance(t *testing.T, s *store.Store, userID, available, held int64) {
	t.Helper()
	a, h, err := s.Balance(context.Background(), userID)
	if err != nil || a != available || h != held {
		t.Fatalf("user %d balance = %d available, %d held (err %v); want %d, %d", userID, a, h, err, available, held)
	}
}

// auditOK fails the test unless the audit of botID finds nothing.
func auditOK(t *testing.T, pool *pgxpool.Pool, botID int64) store.AuditReport {
	t.Helper()
	r, err := store.Audit(context.Background(), pool, botID)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("audit: %s", r)
	}
	return r
}

func TestCreditAndDebit(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 11)
	b.user(t, b.s, 1, 0)

	steps := []struct {
		name    string
		credit  *store.CreditParams
		debit   *store.DebitParams
		wantErr error
		want    int64 // balance afterwards
	}{
		{"welcome", &store.CreditParams{UserID: 1, Kind: store.KindWelcome, Amount: 500, Key: "w"}, nil, nil, 500},
		{"adjustment up", &store.CreditParams{UserID: 1, Kind: store.KindAdjustment, Amount: 250, Key: "a1"}, nil, nil, 750},
		{"repeated key", &store.CreditParams{UserID: 1, Kind: store.KindAdjustment, Amount: 999, Key: "a1"}, nil, store.ErrDuplicate, 750},
		{"adjustment down", nil, &store.DebitParams{UserID: 1, Kind: store.KindAdjustment, Amount: 700, Key: "a2"}, nil, 50},
		{"overdraw", nil, &store.DebitParams{UserID: 1, Kind: store.KindAdjustment, Amount: 51, Key: "a3"}, store.ErrInsufficientFunds, 50},
		{"overdraw key unused", nil, &store.DebitParams{UserID: 1, Kind: store.KindAdjustment, Amount: 50, Key: "a3"}, nil, 0},
		{"unknown user", &store.CreditParams{UserID: 99, Kind: store.KindAdjustment, Amount: 1, Key: "u99"}, nil, store.ErrNotFound, 0},
	}
	for _, st := range steps {
		var err error
		if st.credit != nil {
			_, err = b.s.Credit(b.ctx, *st.credit)
		} else {
			_, err = b.s.Debit(b.ctx, *st.debit)
		}
		if !errors.Is(err, st.wantErr) || (st.wantErr == nil && err != nil) {
			t.Fatalf("%s: err = %v, want %v", st.name, err, st.wantErr)
		}
		wantBalance(t, b.s, 1, st.want, 0)
	}
	es, err := b.s.RecentEntries(b.ctx, 1, 10)
	if err != nil || len(es) != 4 {
		t.Fatalf("entries = %d, %v; want 4", len(es), err)
	}
	if es[0].Key != "a3" || es[0].Amount != -50 || es[3].Kind != store.KindWelcome {
		t.Fatalf("entries not newest first: %+v", es)
	}
	auditOK(t, b.pool, 11)
}

func TestCreditAndDebitRejectBadParams(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 12)
	b.user(t, b.s, 1, 100)
	bad := []struct {
		name string
		call func() error
	}{
		{"credit of kind hold", func() error {
			_, err := b.s.Credit(b.ctx, store.CreditParams{UserID: 1, Kind: store.KindHold, Amount: 1, Key: "k1"})
			return err
		}},
		{"zero credit", func() error {
			_, err := b.s.Credit(b.ctx, store.CreditParams{UserID: 1, Kind: store.KindAdjustment, Key: "k2"})
			return err
		}},
		{"credit without key", func() error {
			_, err := b.s.Credit(b.ctx, store.CreditParams{UserID: 1, Kind: store.KindAdjustment, Amount: 1})
			return err
		}},
		{"topup without top-up", func() error {
			_, err := b.s.Credit(b.ctx, store.CreditParams{UserID: 1, Kind: store.KindTopUp, Amount: 1, Key: "k3"})
			return err
		}},
		{"debit of kind welcome", func() error {
			_, err := b.s.Debit(b.ctx, store.DebitParams{UserID: 1, Kind: store.KindWelcome, Amount: 1, Key: "k4"})
			return err
		}},
		{"negative debit", func() error {
			_, err := b.s.Debit(b.ctx, store.DebitParams{UserID: 1, Kind: store.KindAdjustment, Amount: -5, Key: "k5"})
			return err
		}},
	}
	for _, c := range bad {
		if err := c.call(); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	wantBalance(t, b.s, 1, 100, 0)
	auditOK(t, b.pool, 12)
}

func TestGrantWelcomeOnce(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 13)
	b.user(t, b.s, 1, 0)
	if granted, err := b.s.GrantWelcome(b.ctx, 1, 0); err != nil || granted {
		t.Fatalf("amount 0: granted %v, %v", granted, err)
	}
	if granted, err := b.s.GrantWelcome(b.ctx, 1, 300); err != nil || !granted {
		t.Fatalf("first: granted %v, %v", granted, err)
	}
	if granted, err := b.s.GrantWelcome(b.ctx, 1, 300); err != nil || granted {
		t.Fatalf("second: granted %v, %v", granted, err)
	}
	wantBalance(t, b.s, 1, 300, 0)
}

// A refused money movement inside the caller's transaction must leave that
// transaction usable: the conversation actor still commits its reply.
func TestRefusalInsideCallerTransactionKeepsItUsable(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 14)
	b.user(t, b.s, 1, 100)
	err := b.s.InTx(b.ctx, func(tx *store.Tx) error {
		if _, err := tx.Debit(b.ctx, store.DebitParams{UserID: 1, Kind: store.KindAdjustment, Amount: 101, Key: "too much"}); !errors.Is(err, store.ErrInsufficientFunds) {
			return fmt.Errorf("debit = %v, want ErrInsufficientFunds", err)
		}
		if granted, err := tx.GrantWelcome(b.ctx, 1, 5); err != nil || !granted {
			return fmt.Errorf("welcome after refusal: %v, %v", granted, err)
		}
		return tx.SetLanguage(b.ctx, 1, "en")
	})
	if err != nil {
		t.Fatal(err)
	}
	wantBalance(t, b.s, 1, 105, 0)
	if u, _ := b.s.User(b.ctx, 1); u.Language != "en" {
		t.Fatal("the caller's own write was lost")
	}
	// And a caller that rolls back takes the money movement with it.
	_ = b.s.InTx(b.ctx, func(tx *store.Tx) error {
		if _, err := tx.Credit(b.ctx, store.CreditParams{UserID: 1, Kind: store.KindAdjustment, Amount: 1000, Key: "rolled back"}); err != nil {
			t.Error(err)
		}
		return errors.New("abandon")
	})
	wantBalance(t, b.s, 1, 105, 0)
	auditOK(t, b.pool, 14)
}

func TestLedgerIsAppendOnly(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 15)
	b.user(t, b.s, 1, 100)
	for _, sql := range []string{
		`UPDATE ledger_entries SET amount_kopecks = 1000000`,
		`DELETE FROM ledger_entries`,
		`TRUNCATE ledger_entries`,
	} {
		if _, err := b.pool.Exec(b.ctx, sql); err == nil {
			t.Errorf("%s: allowed", sql)
		}
	}
	wantBalance(t, b.s, 1, 100, 0)
}

func TestBotsNeverSeeEachOthersMoney(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 21)
	other := store.New(b.pool, 22)
	b.user(t, b.s, 1, 1000)
	b.user(t, other, 1, 10) // same Telegram user id in another bot

	// The same keys in both bots are independent.
	for _, s := range []*store.Store{b.s, other} {
		if granted, err := s.GrantWelcome(b.ctx, 1, 7); err != nil || !granted {
			t.Fatalf("bot %d welcome: %v, %v", s.BotID(), granted, err)
		}
	}
	j, _, err := b.s.CreateJob(b.ctx, newJob(1, 900, "tap"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.CreateJob(b.ctx, newJob(1, 900, "tap")); !errors.Is(err, store.ErrInsufficientFunds) {
		t.Fatalf("bot 22 job paid from bot 21's balance? err = %v", err)
	}
	if _, err := other.Job(b.ctx, j.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("bot 22 sees bot 21's job: %v", err)
	}
	if _, err := other.FinishJob(b.ctx, store.FinishParams{JobID: j.ID, Outcome: store.JobFailed}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("bot 22 finished bot 21's job: %v", err)
	}
	top, _ := b.s.CreateTopUp(b.ctx, store.NewTopUp{UserID: 1, Stars: 10, Kopecks: 1500})
	if err := other.CheckTopUp(b.ctx, top.Payload, 1, 10); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("bot 22 accepts bot 21's invoice: %v", err)
	}
	wantBalance(t, b.s, 1, 107, 900)
	wantBalance(t, other, 1, 17, 0)
	if es, _ := other.RecentEntries(b.ctx, 1, 10); len(es) != 2 {
		t.Fatalf("bot 22 lists %d entries, want its own 2", len(es))
	}
	r21, r22 := auditOK(t, b.pool, 21), auditOK(t, b.pool, 22)
	if r21.Jobs != 1 || r22.Jobs != 0 || r21.Users != 1 {
		t.Fatalf("audit scopes: bot 21 %+v, bot 22 %+v", r21, r22)
	}
}
