package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kiebot/kiebot/store"
)

// refs hands out the given references in turn.
func refs(rs ...string) func() (string, error) {
	i := 0
	return func() (string, error) {
		r := rs[min(i, len(rs)-1)]
		i++
		return r, nil
	}
}

// A request draws its reference again on a clash and cancels the user's
// older request still awaiting a receipt; a receipt moves it to
// submitted once; an approval credits one 'manual' top-up once, which
// the Stars refund refuses; a decided request cannot be decided again;
// the audit stays clean.
func TestManualTopUpLifecycle(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 61)
	b.user(t, b.s, 1, 0)
	b.user(t, b.s, 2, 0)
	first, err := b.s.CreateManualTopUp(b.ctx, store.NewManualTopUp{UserID: 1, Kopecks: 1500_00, ValidFor: time.Hour, Reference: refs("KB-222222")})
	if err != nil || first.State != store.ManualAwaiting || first.Reference != "KB-222222" {
		t.Fatalf("first request %+v, %v", first, err)
	}
	second, err := b.s.CreateManualTopUp(b.ctx, store.NewManualTopUp{UserID: 1, Kopecks: 3000_00, ValidFor: time.Hour, Reference: refs("KB-222222", "KB-333333")})
	if err != nil || second.Reference != "KB-333333" {
		t.Fatalf("second request %+v, %v (the clash must draw again)", second, err)
	}
	if m, _ := b.s.ManualTopUp(b.ctx, first.ID); m.State != store.ManualCancelled {
		t.Fatalf("the older request is %s, want cancelled", m.State)
	}
	if got, err := b.s.AwaitingManualTopUp(b.ctx, 1); err != nil || got.ID != second.ID {
		t.Fatalf("awaiting = %+v, %v", got, err)
	}
	if _, err := b.s.SubmitReceipt(b.ctx, first.ID, 1, store.Receipt{FileID: "f1", FileKind: "photo"}); !errors.Is(err, store.ErrManualNotAwaiting) {
		t.Fatalf("receipt for a cancelled request: %v", err)
	}
	if _, err := b.s.SubmitReceipt(b.ctx, second.ID, 2, store.Receipt{FileID: "f1", FileKind: "photo"}); !errors.Is(err, store.ErrManualNotAwaiting) {
		t.Fatalf("receipt by another user: %v", err)
	}
	if _, _, err := b.s.ApproveManualTopUp(b.ctx, second.ID, 99); !errors.Is(err, store.ErrManualDecided) {
		t.Fatalf("approval without a receipt: %v", err)
	}
	sha := make([]byte, 32)
	sha[0] = 7
	sub, err := b.s.SubmitReceipt(b.ctx, second.ID, 1, store.Receipt{FileID: "f1", FileUniqueID: "u1", FileKind: "photo", SHA256: sha,
		DHash: 0xF0F0, HasDHash: true, Flags: []string{"wrong_amount"}, Report: "r"})
	if err != nil || sub.State != store.ManualSubmitted || !sub.HasDHash || sub.DHash != 0xF0F0 || len(sub.Flags) != 1 {
		t.Fatalf("submitted = %+v, %v", sub, err)
	}
	if _, err := b.s.SubmitReceipt(b.ctx, second.ID, 1, store.Receipt{FileID: "f2", FileKind: "photo"}); !errors.Is(err, store.ErrManualNotAwaiting) {
		t.Fatalf("a second receipt: %v", err)
	}
	pending, more, err := b.s.PendingManualTopUps(b.ctx, 10)
	if err != nil || more || len(pending) != 1 || pending[0].ID != second.ID {
		t.Fatalf("pending = %+v %v %v", pending, more, err)
	}
	// A new receipt finds this one by file id, by hash, and by a near dHash.
	for _, q := range []struct {
		uid   string
		sha   []byte
		dhash uint64
	}{{"u1", nil, 0}, {"", sha, 0}, {"", nil, 0xF0F1}} {
		got, err := b.s.EarlierReceipts(b.ctx, 0, q.uid, q.sha, q.dhash, q.dhash != 0, 6)
		if err != nil || len(got) != 1 || got[0].ID != second.ID || got[0].SameFileID != (q.uid != "") {
			t.Fatalf("earlier receipts for %+v = %+v, %v", q, got, err)
		}
	}
	if got, _ := b.s.EarlierReceipts(b.ctx, 0, "", nil, 0x0F0F_0000_0000, true, 6); len(got) != 0 {
		t.Fatalf("a far dHash matched %+v", got)
	}

	m, c, err := b.s.ApproveManualTopUp(b.ctx, second.ID, 99)
	if err != nil || m.State != store.ManualApproved || m.TopUpID == 0 || m.DecidedBy != 99 || c.Before != 0 || c.After != 3000_00 {
		t.Fatalf("approved = %+v %+v, %v", m, c, err)
	}
	wantBalance(t, b.s, 1, 3000_00, 0)
	if _, _, err := b.s.ApproveManualTopUp(b.ctx, second.ID, 98); !errors.Is(err, store.ErrManualDecided) {
		t.Fatalf("a second approval: %v", err)
	}
	if _, err := b.s.RejectManualTopUp(b.ctx, second.ID, 98, "late"); !errors.Is(err, store.ErrManualDecided) {
		t.Fatalf("a rejection after the approval: %v", err)
	}
	wantBalance(t, b.s, 1, 3000_00, 0)
	top, err := b.s.TopUpByChargeID(b.ctx, m.ChargeID())
	if err != nil || top.Method != store.MethodManual || top.Stars != 0 || top.Kopecks != 3000_00 || top.State != store.TopUpPaid {
		t.Fatalf("the manual top-up %+v, %v", top, err)
	}
	if _, _, err := b.s.HoldTopUpRefund(b.ctx, m.ChargeID()); !errors.Is(err, store.ErrNotStars) {
		t.Fatalf("a Stars refund of a transfer: %v", err)
	}
	wantBalance(t, b.s, 1, 3000_00, 0)
	rep, err := store.Audit(b.ctx, b.pool, 61)
	if err != nil || !rep.OK() {
		t.Fatalf("audit: %v\n%s", err, rep)
	}
}

// The audit finds money that a photo alone would have credited: a
// 'manual' top-up with no approved request.
func TestAuditFindsManualTopUpWithoutApproval(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 62)
	b.user(t, b.s, 1, 0)
	if _, err := b.pool.Exec(b.ctx, `
		WITH t AS (INSERT INTO topups (bot_id, user_id, stars, kopecks, payload, state, charge_id, expires_at, paid_at, method)
		           VALUES (62, 1, 0, 500, 'manual:404', 'paid', 'manual:404', now(), now(), 'manual') RETURNING id)
		INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, idem_key, topup_id) SELECT 62, 1, 'topup', 500, 'topup:manual:404', id FROM t`); err != nil {
		t.Fatal(err)
	}
	if _, err := b.pool.Exec(b.ctx, `UPDATE bot_users SET balance_kopecks = 500 WHERE bot_id = 62 AND user_id = 1`); err != nil {
		t.Fatal(err)
	}
	rep, err := store.Audit(b.ctx, b.pool, 62)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Check != store.CheckManual {
		t.Fatalf("audit:\n%s", rep)
	}
}

// Requests still awaiting a receipt expire once past their validity;
// submitted ones never do (an admin decides them).
func TestExpireManualTopUps(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 63)
	b.user(t, b.s, 1, 0)
	b.user(t, b.s, 2, 0)
	b.user(t, b.s, 3, 0)
	old, _ := b.s.CreateManualTopUp(b.ctx, store.NewManualTopUp{UserID: 1, Kopecks: 100, ValidFor: time.Microsecond, Reference: refs("KB-444444")})
	sent, _ := b.s.CreateManualTopUp(b.ctx, store.NewManualTopUp{UserID: 2, Kopecks: 100, ValidFor: time.Microsecond, Reference: refs("KB-555555")})
	fresh, _ := b.s.CreateManualTopUp(b.ctx, store.NewManualTopUp{UserID: 3, Kopecks: 100, ValidFor: time.Hour, Reference: refs("KB-666666")})
	if _, err := b.pool.Exec(b.ctx, `UPDATE manual_topups SET state = 'submitted', file_id = 'f' WHERE id = $1`, sent.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.AwaitingManualTopUp(b.ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a request past its validity still awaits: %v", err)
	}
	rep, err := b.s.Retain(b.ctx, store.Retention{Manual: time.Microsecond})
	if err != nil || rep.Manual != 1 {
		t.Fatalf("retention %+v, %v", rep, err)
	}
	for id, want := range map[int64]store.ManualState{old.ID: store.ManualExpired, sent.ID: store.ManualSubmitted, fresh.ID: store.ManualAwaiting} {
		if m, _ := b.s.ManualTopUp(b.ctx, id); m.State != want {
			t.Fatalf("request %d is %s, want %s", id, m.State, want)
		}
	}
}
