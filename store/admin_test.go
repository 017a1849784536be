package store_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

const testAdmin = 900

func TestAdminAdjust(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 61)
	b.user(t, b.s, 1, 500)

	c, err := b.s.AdminAdjust(b.ctx, store.AdminAdjustParams{UserID: 1, AdminID: testAdmin, Amount: 150, Key: "adj:a", Note: "goodwill"})
	if err != nil || c.Before != 500 || c.After != 650 || c.Entry.Kind != store.KindAdminAdjust || c.Entry.AdminID != testAdmin {
		t.Fatalf("credit: %+v, %v", c, err)
	}
	if _, err := b.s.AdminAdjust(b.ctx, store.AdminAdjustParams{UserID: 1, AdminID: testAdmin, Amount: 150, Key: "adj:a"}); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("repeated key: %v", err)
	}
	if _, err := b.s.AdminAdjust(b.ctx, store.AdminAdjustParams{UserID: 1, AdminID: testAdmin, Amount: -651, Key: "adj:b"}); !errors.Is(err, store.ErrInsufficientFunds) {
		t.Fatalf("debit below zero: %v", err)
	}
	c, err = b.s.AdminAdjust(b.ctx, store.AdminAdjustParams{UserID: 1, AdminID: testAdmin, Amount: -650, Key: "adj:c"})
	if err != nil || c.After != 0 {
		t.Fatalf("debit to zero: %+v, %v", c, err)
	}
	if _, err := b.s.AdminAdjust(b.ctx, store.AdminAdjustParams{UserID: 2, AdminID: testAdmin, Amount: 1, Key: "adj:d"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	wantBalance(t, b.s, 1, 0, 0)

	// The database itself refuses an admin entry without its admin, and
	// an admin's id on any other kind.
	for _, sql := range []string{
		`INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, idem_key) VALUES (61, 1, 'admin_adjust', 5, 'x1')`,
		`INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, idem_key, admin_id) VALUES (61, 1, 'adjustment', 5, 'x2', 900)`,
		`INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, idem_key, admin_id) VALUES (61, 1, 'job_refund', 5, 'x3', 900)`,
	} {
		if _, err := b.pool.Exec(b.ctx, sql); err == nil || !strings.Contains(err.Error(), "violates check constraint") {
			t.Errorf("%s: %v", sql, err)
		}
	}
	auditOK(t, b.pool, 61)
}

// Two admins adjusting one user at once: both land, each "before" is what
// the other left, and the sum is exact.
func TestAdminAdjustConcurrently(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 62)
	b.user(t, b.s, 1, 1000)
	const n = 20
	var wg sync.WaitGroup
	changes := make([]store.BalanceChange, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			amount := int64(10)
			if i%2 == 1 {
				amount = -30
			}
			errs[i] = b.s.InTx(b.ctx, func(tx *store.Tx) error {
				var err error
				changes[i], err = tx.AdminAdjust(b.ctx, store.AdminAdjustParams{UserID: 1, AdminID: testAdmin + int64(i%2), Amount: amount, Key: fmt.Sprintf("race:%d", i)})
				return err
			})
		})
	}
	wg.Wait()
	// In ledger order, each adjustment starts where the previous one ended.
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("adjustment %d: %v", i, errs[i])
		}
	}
	slices.SortFunc(changes, func(a, b store.BalanceChange) int { return cmp.Compare(a.Entry.ID, b.Entry.ID) })
	balance := int64(1000)
	for _, c := range changes {
		if c.Before != balance || c.After != c.Before+c.Entry.Amount {
			t.Fatalf("adjustment %+v after a balance of %d", c, balance)
		}
		balance = c.After
	}
	wantBalance(t, b.s, 1, 1000+10*10-30*10, 0)
	auditOK(t, b.pool, 62)
}

func TestRefundJob(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 63)
	b.user(t, b.s, 1, 1000)
	job := func(key string, outcome store.JobState, free bool) store.Job {
		t.Helper()
		nj := newJob(1, 300, key)
		if free {
			nj.Free, nj.PriceKopecks, nj.FreeDailyLimit = true, 0, 5
		}
		j, _, err := b.s.CreateJob(b.ctx, nj)
		if err != nil {
			t.Fatal(err)
		}
		if outcome != "" {
			if j, err = b.s.FinishJob(b.ctx, store.FinishParams{JobID: j.ID, Outcome: outcome, ResultURLs: []string{"https://r/1"}}); err != nil {
				t.Fatal(err)
			}
		}
		return j
	}
	ok := job("ok", store.JobSucceeded, false)
	wantBalance(t, b.s, 1, 700, 0)
	j, c, err := b.s.RefundJob(b.ctx, ok.ID, testAdmin, "bad result")
	if err != nil || j.ID != ok.ID || c.Before != 700 || c.After != 1000 || c.Entry.Kind != store.KindJobRefund || c.Entry.JobID != ok.ID {
		t.Fatalf("refund: %+v %+v %v", j, c, err)
	}
	if _, _, err := b.s.RefundJob(b.ctx, ok.ID, testAdmin+1, "again"); !errors.Is(err, store.ErrJobRefunded) {
		t.Fatalf("second refund: %v", err)
	}
	for name, id := range map[string]int64{
		"failed":  job("failed", store.JobFailed, false).ID,
		"running": job("running", "", false).ID,
		"free":    job("free", store.JobSucceeded, true).ID,
	} {
		if _, _, err := b.s.RefundJob(b.ctx, id, testAdmin, ""); !errors.Is(err, store.ErrNotRefundable) {
			t.Errorf("%s job: %v", name, err)
		}
	}
	lost := job("lost", store.JobSucceeded, false)
	if _, err := b.s.Credit(b.ctx, store.CreditParams{UserID: 1, Kind: store.KindAdjustment, Amount: 300, Key: fmt.Sprintf("result-lost:%d", lost.ID)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.s.RefundJob(b.ctx, lost.ID, testAdmin, ""); !errors.Is(err, store.ErrNotRefundable) || !strings.Contains(err.Error(), "lost") {
		t.Fatalf("job whose lost result was credited back: %v", err)
	}
	if _, _, err := b.s.RefundJob(b.ctx, 999999, testAdmin, ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
	auditOK(t, b.pool, 63)

	// The audit catches a refund of a job that never took money, written
	// around the store.
	failed, _, _ := b.s.CreateJob(b.ctx, newJob(1, 100, "f2"))
	if _, err := b.s.FinishJob(b.ctx, store.FinishParams{JobID: failed.ID, Outcome: store.JobFailed}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.pool.Exec(b.ctx, `
		WITH e AS (INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, idem_key, job_id, admin_id)
		           VALUES (63, 1, 'job_refund', 100, 'forged', $1, 900) RETURNING amount_kopecks)
		UPDATE bot_users SET balance_kopecks = balance_kopecks + (SELECT amount_kopecks FROM e) WHERE bot_id = 63 AND user_id = 1`, failed.ID); err != nil {
		t.Fatal(err)
	}
	r, err := store.Audit(b.ctx, b.pool, 63)
	if err != nil || len(r.Problems) != 1 || r.Problems[0].Check != store.CheckJobRefund || r.Problems[0].JobID != failed.ID {
		t.Fatalf("audit of a forged refund: %v %s", err, r)
	}
}

func TestAdminActionsLog(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 64)
	for i := range 25 {
		a := store.AdminAction{AdminID: testAdmin + int64(i%2), Action: "ban", TargetUserID: int64(1 + i%3), Before: "active", After: "banned",
			Reason: fmt.Sprint("r", i), Key: fmt.Sprint("k", i)}
		if _, err := b.s.RecordAdminAction(b.ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	// A repeated key records nothing and leaves the transaction usable.
	err := b.s.InTx(b.ctx, func(tx *store.Tx) error {
		if _, err := tx.RecordAdminAction(b.ctx, store.AdminAction{AdminID: testAdmin, Action: "ban", Key: "k3"}); !errors.Is(err, store.ErrDuplicate) {
			return fmt.Errorf("repeated key: %v", err)
		}
		_, err := tx.RecordAdminAction(b.ctx, store.AdminAction{AdminID: testAdmin, Action: "unban", Key: "k-last"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	all, more, err := b.s.AdminActions(b.ctx, store.AdminActionFilter{Limit: 10})
	if err != nil || len(all) != 10 || !more || all[0].Key != "k-last" || all[1].Key != "k24" {
		t.Fatalf("first page: %d rows, more %t, %v", len(all), more, err)
	}
	last, more, err := b.s.AdminActions(b.ctx, store.AdminActionFilter{Limit: 10, Offset: 20})
	if err != nil || len(last) != 6 || more || last[5].Key != "k0" {
		t.Fatalf("last page: %+v, more %t, %v", last, more, err)
	}
	mine, _, _ := b.s.AdminActions(b.ctx, store.AdminActionFilter{AdminID: testAdmin + 1, Limit: 100})
	about, _, _ := b.s.AdminActions(b.ctx, store.AdminActionFilter{UserID: 2, Limit: 100})
	both, _, _ := b.s.AdminActions(b.ctx, store.AdminActionFilter{AdminID: testAdmin, UserID: 2, Limit: 100})
	if len(mine) != 12 || len(about) != 8 || len(both) != 4 {
		t.Fatalf("filters: by admin %d, about user %d, both %d", len(mine), len(about), len(both))
	}
	for _, sql := range []string{`UPDATE admin_actions SET reason = 'x'`, `DELETE FROM admin_actions`, `TRUNCATE admin_actions`} {
		if _, err := b.pool.Exec(b.ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", sql, err)
		}
	}
}

func TestBansAndUsernames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t, 65)
	for _, u := range []store.SeenUser{{ID: 1, ChatID: 1, Username: "Ann_Old"}, {ID: 2, ChatID: 2, Username: "bob"}} {
		if _, _, err := s.TouchUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// The username moved to user 3, who was seen after user 1.
	if _, _, err := s.TouchUser(ctx, store.SeenUser{ID: 3, ChatID: 3, Username: "ann_old"}); err != nil {
		t.Fatal(err)
	}
	if u, err := s.UserByUsername(ctx, "@ANN_old"); err != nil || u.ID != 3 {
		t.Fatalf("by username: %+v, %v", u, err)
	}
	if _, err := s.UserByUsername(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown username: %v", err)
	}

	u, err := s.BanUser(ctx, 2, testAdmin, "spam")
	if err != nil || !u.Banned() || u.BannedBy != testAdmin || u.BanReason != "spam" {
		t.Fatalf("ban: %+v, %v", u, err)
	}
	if _, err := s.BanUser(ctx, 2, testAdmin, "again"); !errors.Is(err, store.ErrAlreadyBanned) {
		t.Fatalf("second ban: %v", err)
	}
	if u, _ := s.User(ctx, 2); !u.Banned() || u.BanReason != "spam" {
		t.Fatalf("loaded: %+v", u)
	}
	if _, _, err := s.SetModelSwitch(ctx, store.ModelSwitch{ModelID: "z-image", Off: true, AdminID: testAdmin}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user        int64
		model       string
		banned, off bool
	}{{2, "flux", true, false}, {1, "z-image", false, true}, {2, "z-image", true, true}, {1, "flux", false, false}, {99, "flux", false, false}} {
		if banned, off, err := s.OrderBlocks(ctx, c.user, c.model); err != nil || banned != c.banned || off != c.off {
			t.Errorf("OrderBlocks(%d, %s) = %t, %t, %v", c.user, c.model, banned, off, err)
		}
	}
	if u, err = s.UnbanUser(ctx, 2); err != nil || u.Banned() {
		t.Fatalf("unban: %+v, %v", u, err)
	}
	if _, err := s.UnbanUser(ctx, 2); !errors.Is(err, store.ErrNotBanned) {
		t.Fatalf("second unban: %v", err)
	}
	if _, err := s.BanUser(ctx, 99, testAdmin, ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ban unknown user: %v", err)
	}
}

func TestModelSwitchesNotify(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn := storetest.NewDatabase(t)
	s := store.New(storetest.OpenPool(t, dsn), 66)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+store.ModelsChannel); err != nil {
		t.Fatal(err)
	}

	before, changed, err := s.SetModelSwitch(ctx, store.ModelSwitch{ModelID: "z-image", Off: true, Reason: "kie outage", AdminID: testAdmin})
	if err != nil || !changed || before.Off || !before.ChangedAt.IsZero() {
		t.Fatalf("switch off: %+v %t %v", before, changed, err)
	}
	n, err := conn.WaitForNotification(ctx)
	if err != nil || n.Payload != "66" {
		t.Fatalf("notification: %+v, %v", n, err)
	}
	if _, changed, _ := s.SetModelSwitch(ctx, store.ModelSwitch{ModelID: "z-image", Off: true, AdminID: testAdmin}); changed {
		t.Fatal("switching an off model off again changed it")
	}
	if off, err := s.ModelSwitchedOff(ctx, "z-image"); err != nil || !off {
		t.Fatalf("switched off = %t, %v", off, err)
	}
	if off, err := s.ModelSwitchedOff(ctx, "flux"); err != nil || off {
		t.Fatalf("never switched = %t, %v", off, err)
	}
	before, changed, err = s.SetModelSwitch(ctx, store.ModelSwitch{ModelID: "z-image", Off: false, Reason: "back", AdminID: testAdmin + 1})
	if err != nil || !changed || !before.Off || before.Reason != "kie outage" {
		t.Fatalf("switch on: %+v %t %v", before, changed, err)
	}
	list, err := s.ModelSwitches(ctx)
	if err != nil || len(list) != 1 || list[0].Off || list[0].AdminID != testAdmin+1 {
		t.Fatalf("switches: %+v, %v", list, err)
	}
}
