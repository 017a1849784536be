package operator_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kiebot/kiebot/actors/shop/operator"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

const (
	admin      = 500
	otherAdmin = 501
)

type bundle struct {
	ctx  context.Context
	pool *pgxpool.Pool
	st   *store.Store
	svc  *operator.Service
}

func setup(t *testing.T, botID int64) bundle {
	t.Helper()
	pool := storetest.NewPool(t)
	pricer, err := pricing.NewPricer(pricing.Default(), pricing.Config{USDRUBRate: "95"})
	if err != nil {
		t.Fatal(err)
	}
	return bundle{ctx: context.Background(), pool: pool, st: store.New(pool, botID),
		svc: operator.New(operator.Config{AdminIDs: []int64{admin, otherAdmin}, Pricer: pricer})}
}

// user creates userID with balance kopecks.
func (b bundle) user(t *testing.T, userID, balance int64) {
	t.Helper()
	if _, _, err := b.st.TouchUser(b.ctx, store.SeenUser{ID: userID, ChatID: userID, FirstName: "U", Username: fmt.Sprint("user", userID)}); err != nil {
		t.Fatal(err)
	}
	if balance > 0 {
		if _, err := b.st.Credit(b.ctx, store.CreditParams{UserID: userID, Kind: store.KindAdjustment, Amount: balance, Key: fmt.Sprint("seed:", userID)}); err != nil {
			t.Fatal(err)
		}
	}
}

// in runs fn in a transaction of its own, as a web handler would.
func (b bundle) in(fn func(tx *store.Tx) error) error { return b.st.InTx(b.ctx, fn) }

func (b bundle) balance(t *testing.T, userID int64) int64 {
	t.Helper()
	a, _, err := b.st.Balance(b.ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (b bundle) actions(t *testing.T) []store.AdminAction {
	t.Helper()
	as, _, err := b.svc.AuditLog(b.ctx, b.st, store.AdminActionFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func (b bundle) auditOK(t *testing.T) {
	t.Helper()
	r, err := store.Audit(b.ctx, b.pool, 0)
	if err != nil || !r.OK() {
		t.Fatalf("ledger audit: %v %s", err, r)
	}
}

// succeededJob creates a paid job of userID and finishes it successfully.
func (b bundle) succeededJob(t *testing.T, userID, price int64, key string) store.Job {
	t.Helper()
	j, _, err := b.st.CreateJob(b.ctx, store.NewJob{UserID: userID, ChatID: userID, ModelID: "z-image", PriceKopecks: price,
		IdempotencyKey: key, Deadline: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if j, err = b.st.FinishJob(b.ctx, store.FinishParams{JobID: j.ID, Outcome: store.JobSucceeded, ResultURLs: []string{"https://r/1"}}); err != nil {
		t.Fatal(err)
	}
	return j
}

func req(key, reason string) operator.Request {
	return operator.Request{AdminID: admin, Key: key, Reason: reason}
}

// Each change writes its audit row — who, what, about whom, before and
// after, why — in its own transaction.
func TestEveryChangeIsAudited(t *testing.T) {
	t.Parallel()
	b := setup(t, 81)
	b.user(t, 1, 500)
	job := b.succeededJob(t, 1, 200, "j1")

	steps := []struct {
		name string
		do   func(tx *store.Tx) error
		want store.AdminAction
	}{
		{"adjust", func(tx *store.Tx) error {
			_, err := b.svc.AdjustBalance(b.ctx, tx, operator.Adjust{Request: req("a", "goodwill"), UserID: 1, Amount: 150})
			return err
		}, store.AdminAction{Action: operator.ActionAdjust, TargetUserID: 1, Before: "300", After: "450", Reason: "goodwill"}},
		{"refund job", func(tx *store.Tx) error {
			_, err := b.svc.RefundJob(b.ctx, tx, operator.JobRefund{Request: req("r", "blurry"), JobID: job.ID})
			return err
		}, store.AdminAction{Action: operator.ActionRefundJob, TargetUserID: 1, Target: fmt.Sprint(job.ID), Before: "450", After: "650", Reason: "blurry"}},
		{"ban", func(tx *store.Tx) error {
			_, err := b.svc.Ban(b.ctx, tx, operator.BanRequest{Request: req("b", "spam"), UserID: 1})
			return err
		}, store.AdminAction{Action: operator.ActionBan, TargetUserID: 1, Before: "active", After: "banned", Reason: "spam"}},
		{"unban", func(tx *store.Tx) error {
			_, err := b.svc.Unban(b.ctx, tx, operator.BanRequest{Request: req("u", "appeal"), UserID: 1})
			return err
		}, store.AdminAction{Action: operator.ActionUnban, TargetUserID: 1, Before: "banned", After: "active", Reason: "appeal"}},
		{"message", func(tx *store.Tx) error {
			_, err := b.svc.MessageUser(b.ctx, tx, operator.Message{Request: req("m", ""), UserID: 1, Text: "  <b>hi</b>  "})
			return err
		}, store.AdminAction{Action: operator.ActionMessage, TargetUserID: 1, After: "<b>hi</b>"}},
		{"model off", func(tx *store.Tx) error {
			_, err := b.svc.SwitchModel(b.ctx, tx, operator.Switch{Request: req("o", "kie outage"), ModelID: "z-image", Off: true})
			return err
		}, store.AdminAction{Action: operator.ActionModelOff, Target: "z-image", Before: "on", After: "off", Reason: "kie outage"}},
		{"model on", func(tx *store.Tx) error {
			_, err := b.svc.SwitchModel(b.ctx, tx, operator.Switch{Request: req("n", "fixed"), ModelID: "z-image"})
			return err
		}, store.AdminAction{Action: operator.ActionModelOn, Target: "z-image", Before: "off", After: "on", Reason: "fixed"}},
	}
	for i, s := range steps {
		if err := b.in(s.do); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		as := b.actions(t)
		if len(as) != i+1 {
			t.Fatalf("%s: %d audit rows", s.name, len(as))
		}
		got := as[0]
		if got.AdminID != admin || got.Action != s.want.Action || got.TargetUserID != s.want.TargetUserID || got.Before != s.want.Before ||
			got.After != s.want.After || got.Reason != s.want.Reason || (s.want.Target != "" && got.Target != s.want.Target) || got.CreatedAt.IsZero() {
			t.Errorf("%s: audited %+v, want %+v", s.name, got, s.want)
		}
	}
	b.auditOK(t)
}

// When the audit row cannot be written, the change it records is undone
// with it: no change goes unaudited.
func TestAChangeWhoseAuditFailsIsRolledBack(t *testing.T) {
	t.Parallel()
	b := setup(t, 82)
	b.user(t, 1, 500)
	job := b.succeededJob(t, 1, 200, "j1")
	if _, err := b.pool.Exec(b.ctx, `
		CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit is down'; END $$;
		CREATE TRIGGER fail_audit BEFORE INSERT ON admin_actions FOR EACH ROW EXECUTE FUNCTION fail_audit();`); err != nil {
		t.Fatal(err)
	}
	changes := map[string]func(tx *store.Tx) error{
		"adjust": func(tx *store.Tx) error {
			_, err := b.svc.AdjustBalance(b.ctx, tx, operator.Adjust{Request: req("a", "x"), UserID: 1, Amount: 150})
			return err
		},
		"refund": func(tx *store.Tx) error {
			_, err := b.svc.RefundJob(b.ctx, tx, operator.JobRefund{Request: req("r", "x"), JobID: job.ID})
			return err
		},
		"ban": func(tx *store.Tx) error {
			_, err := b.svc.Ban(b.ctx, tx, operator.BanRequest{Request: req("b", "x"), UserID: 1})
			return err
		},
		"model": func(tx *store.Tx) error {
			_, err := b.svc.SwitchModel(b.ctx, tx, operator.Switch{Request: req("o", "x"), ModelID: "z-image", Off: true})
			return err
		},
	}
	for name, change := range changes {
		if err := b.in(change); err == nil || !strings.Contains(err.Error(), "audit is down") {
			t.Errorf("%s with a failing audit: %v", name, err)
		}
	}
	u, _ := b.st.User(b.ctx, 1)
	off, _ := b.st.ModelSwitchedOff(b.ctx, "z-image")
	entries, _ := b.st.RecentEntries(b.ctx, 1, 10)
	if got := b.balance(t, 1); got != 300 || u.Banned() || off || len(entries) != 3 {
		t.Fatalf("after failed audits: balance %d, banned %t, model off %t, %d entries", got, u.Banned(), off, len(entries))
	}
	b.auditOK(t)
}

// A double tap (the same key again) is ErrAlreadyDone and changes
// nothing; the transaction it ran in stays usable.
func TestTheSameKeyTwiceIsOneAction(t *testing.T) {
	t.Parallel()
	b := setup(t, 83)
	b.user(t, 1, 500)
	job := b.succeededJob(t, 1, 200, "j1")
	twice := map[string]func(tx *store.Tx) error{
		"adjust": func(tx *store.Tx) error {
			_, err := b.svc.AdjustBalance(b.ctx, tx, operator.Adjust{Request: req("a", "x"), UserID: 1, Amount: -100})
			return err
		},
		"refund": func(tx *store.Tx) error {
			_, err := b.svc.RefundJob(b.ctx, tx, operator.JobRefund{Request: req("r", "x"), JobID: job.ID})
			return err
		},
		"ban": func(tx *store.Tx) error {
			_, err := b.svc.Ban(b.ctx, tx, operator.BanRequest{Request: req("b", "x"), UserID: 1})
			return err
		},
		"message": func(tx *store.Tx) error {
			_, err := b.svc.MessageUser(b.ctx, tx, operator.Message{Request: req("m", ""), UserID: 1, Text: "hello"})
			return err
		},
		"model": func(tx *store.Tx) error {
			_, err := b.svc.SwitchModel(b.ctx, tx, operator.Switch{Request: req("o", "x"), ModelID: "z-image", Off: true})
			return err
		},
	}
	for name, change := range twice {
		if err := b.in(change); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		err := b.in(func(tx *store.Tx) error {
			if err := change(tx); !errors.Is(err, operator.ErrAlreadyDone) {
				return fmt.Errorf("second %s: %v", name, err)
			}
			// The transaction still works after the refusal.
			_, _, err := tx.Balance(b.ctx, 1)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := b.balance(t, 1); got != 300-100+200 {
		t.Fatalf("balance %d", got)
	}
	if as := b.actions(t); len(as) != len(twice) {
		t.Fatalf("%d audit rows for %d actions", len(as), len(twice))
	}
	b.auditOK(t)
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t, 84)
	b.user(t, 1, 500)
	b.user(t, admin, 0)
	b.user(t, otherAdmin, 0)
	failed, _, _ := b.st.CreateJob(b.ctx, store.NewJob{UserID: 1, ChatID: 1, ModelID: "z-image", PriceKopecks: 50, IdempotencyKey: "f", Deadline: time.Now().Add(time.Hour)})
	if _, err := b.st.FinishJob(b.ctx, store.FinishParams{JobID: failed.ID, Outcome: store.JobFailed}); err != nil {
		t.Fatal(err)
	}
	stranger := operator.Request{AdminID: 1, Key: "s", Reason: "x"}
	cases := []struct {
		name string
		do   func(tx *store.Tx) error
		want error
	}{
		{"not an admin", func(tx *store.Tx) error {
			_, err := b.svc.AdjustBalance(b.ctx, tx, operator.Adjust{Request: stranger, UserID: 1, Amount: 1})
			return err
		}, operator.ErrNotAdmin},
		{"no reason", func(tx *store.Tx) error {
			_, err := b.svc.AdjustBalance(b.ctx, tx, operator.Adjust{Request: req("k1", "  "), UserID: 1, Amount: 1})
			return err
		}, operator.ErrNoReason},
		{"reason too long", func(tx *store.Tx) error {
			_, err := b.svc.Ban(b.ctx, tx, operator.BanRequest{Request: req("k2", strings.Repeat("я", operator.MaxReason+1)), UserID: 1})
			return err
		}, operator.ErrTooLong},
		{"zero amount", func(tx *store.Tx) error {
			_, err := b.svc.AdjustBalance(b.ctx, tx, operator.Adjust{Request: req("k3", "x"), UserID: 1, Amount: 0})
			return err
		}, operator.ErrBadAmount},
		{"huge amount", func(tx *store.Tx) error {
			_, err := b.svc.AdjustBalance(b.ctx, tx, operator.Adjust{Request: req("k4", "x"), UserID: 1, Amount: operator.MaxAmount + 1})
			return err
		}, operator.ErrBadAmount},
		{"below zero", func(tx *store.Tx) error {
			_, err := b.svc.AdjustBalance(b.ctx, tx, operator.Adjust{Request: req("k5", "x"), UserID: 1, Amount: -100_000})
			return err
		}, operator.ErrBelowZero},
		{"unknown user", func(tx *store.Tx) error {
			_, err := b.svc.AdjustBalance(b.ctx, tx, operator.Adjust{Request: req("k6", "x"), UserID: 77, Amount: 5})
			return err
		}, operator.ErrUserUnknown},
		{"ban oneself", func(tx *store.Tx) error {
			_, err := b.svc.Ban(b.ctx, tx, operator.BanRequest{Request: req("k7", "x"), UserID: admin})
			return err
		}, operator.ErrAdminTarget},
		{"ban another admin", func(tx *store.Tx) error {
			_, err := b.svc.Ban(b.ctx, tx, operator.BanRequest{Request: req("k8", "x"), UserID: otherAdmin})
			return err
		}, operator.ErrAdminTarget},
		{"unban someone not banned", func(tx *store.Tx) error {
			_, err := b.svc.Unban(b.ctx, tx, operator.BanRequest{Request: req("k9", "x"), UserID: 1})
			return err
		}, operator.ErrNotBanned},
		{"empty message", func(tx *store.Tx) error {
			_, err := b.svc.MessageUser(b.ctx, tx, operator.Message{Request: req("k10", ""), UserID: 1, Text: " \n "})
			return err
		}, operator.ErrEmptyMessage},
		{"refund a failed job", func(tx *store.Tx) error {
			_, err := b.svc.RefundJob(b.ctx, tx, operator.JobRefund{Request: req("k11", "x"), JobID: failed.ID})
			return err
		}, operator.ErrNotRefundable},
		{"refund an unknown job", func(tx *store.Tx) error {
			_, err := b.svc.RefundJob(b.ctx, tx, operator.JobRefund{Request: req("k12", "x"), JobID: 424242})
			return err
		}, operator.ErrJobUnknown},
		{"switch on a model shipped disabled", func(tx *store.Tx) error {
			_, err := b.svc.SwitchModel(b.ctx, tx, operator.Switch{Request: req("k13", "x"), ModelID: "bytedance/seedance-1.5-pro"})
			return err
		}, operator.ErrShippedOff},
		{"unknown model", func(tx *store.Tx) error {
			_, err := b.svc.SwitchModel(b.ctx, tx, operator.Switch{Request: req("k14", "x"), ModelID: "no/such"})
			return err
		}, operator.ErrModelUnknown},
		{"switch on a model that is on", func(tx *store.Tx) error {
			_, err := b.svc.SwitchModel(b.ctx, tx, operator.Switch{Request: req("k15", "x"), ModelID: "z-image"})
			return err
		}, operator.ErrUnchanged},
	}
	for _, c := range cases {
		// Each refusal leaves the transaction usable: it still commits a
		// write of its own.
		err := b.in(func(tx *store.Tx) error {
			if err := c.do(tx); !errors.Is(err, c.want) {
				return fmt.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
			_, err := tx.Credit(b.ctx, store.CreditParams{UserID: 1, Kind: store.KindAdjustment, Amount: 1, Key: "after:" + c.name})
			return err
		})
		if err != nil {
			t.Error(err)
		}
	}
	if got := b.balance(t, 1); got != 500-50+50+int64(len(cases)) {
		t.Errorf("balance %d after %d refusals", got, len(cases))
	}
	if as := b.actions(t); len(as) != 0 {
		t.Fatalf("refusals audited: %+v", as)
	}
	b.auditOK(t)
}

// Two admins adjust one user at once: credits both land; two debits that
// cannot both fit leave one refused, never a lost update nor a negative
// balance.
func TestTwoAdminsAdjustOneUserAtOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, 85)
	b.user(t, 1, 100)
	race := func(amount int64, round string) []error {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, who := range []int64{admin, otherAdmin} {
			wg.Go(func() {
				errs[i] = b.in(func(tx *store.Tx) error {
					_, err := b.svc.AdjustBalance(b.ctx, tx, operator.Adjust{
						Request: operator.Request{AdminID: who, Key: fmt.Sprint(round, who), Reason: "race"}, UserID: 1, Amount: amount})
					return err
				})
			})
		}
		wg.Wait()
		return errs
	}
	if errs := race(70, "credit"); errs[0] != nil || errs[1] != nil {
		t.Fatalf("credits: %v", errs)
	}
	if got := b.balance(t, 1); got != 240 {
		t.Fatalf("balance %d after two credits of 70 on 100", got)
	}
	errs := race(-150, "debit")
	refused := 0
	for _, err := range errs {
		switch {
		case errors.Is(err, operator.ErrBelowZero):
			refused++
		case err != nil:
			t.Fatal(err)
		}
	}
	if refused != 1 || b.balance(t, 1) != 90 {
		t.Fatalf("two debits of 150 on 240: %d refused, balance %d", refused, b.balance(t, 1))
	}
	as := b.actions(t)
	if len(as) != 3 || as[0].Before != "240" || as[0].After != "90" {
		t.Fatalf("audit: %+v", as)
	}
	b.auditOK(t)
}
