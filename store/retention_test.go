package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kiebot/kiebot/store"
)

const day = 24 * time.Hour

// execSQL runs sql on pool: the tests age rows by moving their times back.
func execSQL(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// purgeAll calls purge until a batch comes back short, checking that no
// batch exceeds limit, and returns each batch's count.
func purgeAll(t *testing.T, purge func(context.Context, time.Duration, int) (int64, error), age time.Duration, limit int) []int64 {
	t.Helper()
	var batches []int64
	for {
		n, err := purge(context.Background(), age, limit)
		if err != nil {
			t.Fatal(err)
		}
		if n > int64(limit) {
			t.Fatalf("a batch of %d rows, limit %d", n, limit)
		}
		batches = append(batches, n)
		if n < int64(limit) || len(batches) > 100 {
			return batches
		}
	}
}

func TestPurgeInboxDeletesOnlyOldProcessedUpdates(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 61)
	other := store.New(b.pool, 62)
	for id := int64(1); id <= 8; id++ {
		storeOne(t, b.s, id, 5)
	}
	storeOne(t, other, 1, 5)
	for _, id := range []int64{1, 2, 3, 4, 5, 6} {
		if err := b.s.MarkProcessed(b.ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.s.RecordFailure(b.ctx, 8, "gave up", true); err != nil {
		t.Fatal(err)
	}
	if err := other.MarkProcessed(b.ctx, 1); err != nil {
		t.Fatal(err)
	}
	// 1-5 and the failed 8 were processed 8 days ago, 6 a day ago; 7 was
	// received a month ago and is still pending. Bot 62's update is old too.
	execSQL(t, b.pool, `UPDATE inbox SET processed_at = now() - interval '8 days' WHERE update_id IN (1, 2, 3, 4, 5, 8)`)
	execSQL(t, b.pool, `UPDATE inbox SET processed_at = now() - interval '1 day' WHERE update_id = 6`)
	execSQL(t, b.pool, `UPDATE inbox SET received_at = now() - interval '30 days' WHERE update_id = 7`)

	batches := purgeAll(t, b.s.PurgeInbox, 7*day, 4)
	if fmt.Sprint(batches) != "[4 2]" {
		t.Fatalf("batches %v, want [4 2]: the six updates processed over 7 days ago, at most 4 at a time", batches)
	}
	for id, want := range map[int64]bool{1: false, 5: false, 8: false, 6: true, 7: true} {
		if stored, _, _, err := b.s.UpdateState(b.ctx, id); err != nil || stored != want {
			t.Errorf("update %d stored %v (err %v), want %v", id, stored, err, want)
		}
	}
	if stored, _, _, _ := other.UpdateState(b.ctx, 1); !stored {
		t.Error("bot 61's purge deleted bot 62's update")
	}
}

func TestExpireInvoicesLeavesPayableAndPaidOnesAndAnExpiredOneStillCredits(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 63)
	b.user(t, b.s, 1, 0)
	newTopUp := func(valid time.Duration) store.TopUp {
		top, err := b.s.CreateTopUp(b.ctx, store.NewTopUp{UserID: 1, Stars: 50, Kopecks: 5000, ValidFor: valid})
		if err != nil {
			t.Fatal(err)
		}
		return top
	}
	abandoned := newTopUp(0)       // created 3 days ago, valid for a day
	longLived := newTopUp(7 * day) // created 3 days ago, still payable
	young := newTopUp(0)           // created a day ago, already past its validity
	paid := newTopUp(0)            // created 3 days ago and paid
	execSQL(t, b.pool, `UPDATE topups SET created_at = created_at - interval '3 days', expires_at = expires_at - interval '3 days' WHERE id IN ($1, $2, $3)`,
		abandoned.ID, longLived.ID, paid.ID)
	execSQL(t, b.pool, `UPDATE topups SET created_at = created_at - interval '1 day', expires_at = now() - interval '1 minute' WHERE id = $1`, young.ID)
	if _, credited, err := b.s.CompleteTopUp(b.ctx, store.CompleteParams{Payload: paid.Payload, UserID: 1, Stars: 50, ChargeID: "charge-paid"}); err != nil || !credited {
		t.Fatalf("pay %d: credited %v, %v", paid.ID, credited, err)
	}
	entries := count(t, b.pool, `SELECT count(*) FROM ledger_entries WHERE bot_id = 63`)

	if batches := purgeAll(t, b.s.ExpireInvoices, 2*day, 10); fmt.Sprint(batches) != "[1]" {
		t.Fatalf("expired %v, want [1]: only the abandoned invoice", batches)
	}
	for _, c := range []struct {
		top  store.TopUp
		want store.TopUpState
	}{{abandoned, store.TopUpExpired}, {longLived, store.TopUpPending}, {young, store.TopUpPending}, {paid, store.TopUpPaid}} {
		if got, err := b.s.TopUpByPayload(b.ctx, c.top.Payload); err != nil || got.State != c.want {
			t.Errorf("top-up %d is %s (%v), want %s", c.top.ID, got.State, err, c.want)
		}
	}
	if n := count(t, b.pool, `SELECT count(*) FROM ledger_entries WHERE bot_id = 63`); n != entries {
		t.Fatalf("expiring invoices wrote %d ledger entries", n-entries)
	}

	// Pre-checkout refuses it as expired (not as "already paid")...
	if err := b.s.CheckTopUp(b.ctx, abandoned.Payload, 1, 50); !errors.Is(err, store.ErrTopUpExpired) {
		t.Fatalf("CheckTopUp of an expired invoice = %v, want ErrTopUpExpired", err)
	}
	// ...but should Telegram charge it anyway, the user gets the money.
	top, credited, err := b.s.CompleteTopUp(b.ctx, store.CompleteParams{Payload: abandoned.Payload, UserID: 1, Stars: 50, ChargeID: "charge-late"})
	if err != nil || !credited || top.ID != abandoned.ID || top.State != store.TopUpPaid {
		t.Fatalf("CompleteTopUp of an expired invoice = %+v, credited %v, %v; want it paid and credited", top, credited, err)
	}
	wantBalance(t, b.s, 1, 10000, 0)
	auditOK(t, b.pool, 63)
}

func TestPurgeConversationsOfIdleUsersOnly(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 64)
	for user := int64(1); user <= 5; user++ {
		b.user(t, b.s, user, 1000)
		if err := b.s.SaveConversation(b.ctx, user, "menu", []byte(`{"n":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	// 4 has a job still running; 5 belongs to another bot's purge below.
	if _, _, err := b.s.CreateJob(b.ctx, newJob(4, 100, "running-4")); err != nil {
		t.Fatal(err)
	}
	done, _, err := b.s.CreateJob(b.ctx, newJob(1, 100, "done-1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.FinishJob(b.ctx, store.FinishParams{JobID: done.ID, Outcome: store.JobSucceeded}); err != nil {
		t.Fatal(err)
	}
	// 1, 4 and 5: idle for 100 days, conversation as old. 2: idle as long,
	// but its conversation changed yesterday (a job's result moved it on).
	// 3: wrote yesterday.
	execSQL(t, b.pool, `UPDATE bot_users SET last_seen_at = now() - interval '100 days' WHERE bot_id = 64 AND user_id IN (1, 2, 4, 5)`)
	execSQL(t, b.pool, `UPDATE conversations SET updated_at = now() - interval '100 days' WHERE bot_id = 64 AND user_id IN (1, 3, 4, 5)`)
	execSQL(t, b.pool, `UPDATE conversations SET updated_at = now() - interval '1 day' WHERE bot_id = 64 AND user_id = 2`)
	execSQL(t, b.pool, `UPDATE bot_users SET last_seen_at = now() - interval '1 day' WHERE bot_id = 64 AND user_id = 3`)
	kept := func() string {
		return fmt.Sprint(count(t, b.pool, `SELECT count(*) FROM bot_users WHERE bot_id = 64`),
			count(t, b.pool, `SELECT count(*) FROM ledger_entries WHERE bot_id = 64`),
			count(t, b.pool, `SELECT count(*) FROM jobs WHERE bot_id = 64`))
	}
	before := kept()

	if n, err := store.New(b.pool, 65).PurgeConversations(b.ctx, 90*day, 10); err != nil || n != 0 {
		t.Fatalf("another bot's purge deleted %d conversations (%v)", n, err)
	}
	if batches := purgeAll(t, b.s.PurgeConversations, 90*day, 1); fmt.Sprint(batches) != "[1 1 0]" {
		t.Fatalf("batches %v, want [1 1 0]: users 1 and 5, one at a time", batches)
	}
	for user, want := range map[int64]bool{1: false, 5: false, 2: true, 3: true, 4: true} {
		_, err := b.s.Conversation(b.ctx, user)
		if got := err == nil; got != want || (err != nil && !errors.Is(err, store.ErrNotFound)) {
			t.Errorf("user %d: conversation kept %v (%v), want %v", user, got, err, want)
		}
	}
	if after := kept(); after != before {
		t.Fatalf("users, ledger entries, jobs: %s before, %s after; want all kept", before, after)
	}
	wantBalance(t, b.s, 1, 900, 0)
	auditOK(t, b.pool, 64)
}

func TestPurgeOutboxDeletesOnlyStaleCalls(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 66)
	old, err := b.s.EnqueueOps(b.ctx, 1, [][]byte{[]byte(`{"n":1}`), []byte(`{"n":2}`), []byte(`{"n":3}`)})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := b.s.EnqueueOps(b.ctx, 1, [][]byte{[]byte(`{"n":4}`)})
	if err != nil {
		t.Fatal(err)
	}
	otherBot, err := store.New(b.pool, 67).EnqueueOps(b.ctx, 1, [][]byte{[]byte(`{"n":5}`)})
	if err != nil {
		t.Fatal(err)
	}
	execSQL(t, b.pool, `UPDATE outbox SET created_at = now() - interval '2 days' WHERE id = ANY($1) OR id = ANY($2)`, old, otherBot)

	if batches := purgeAll(t, b.s.PurgeOutbox, day, 2); fmt.Sprint(batches) != "[2 1]" {
		t.Fatalf("batches %v, want [2 1]", batches)
	}
	ops, err := b.s.PendingOps(b.ctx, 1)
	if err != nil || len(ops) != 1 || ops[0].ID != fresh[0] {
		t.Fatalf("left %+v (%v), want only the fresh call %d", ops, err, fresh[0])
	}
	if ops, _ := store.New(b.pool, 67).PendingOps(b.ctx, 1); len(ops) != 1 {
		t.Fatalf("bot 66's purge touched bot 67's outbox: %d left", len(ops))
	}
}

func TestRetainRunsEveryEnabledPurgeToTheEnd(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 68)
	b.user(t, b.s, 1, 0)
	for id := int64(1); id <= 5; id++ {
		storeOne(t, b.s, id, 1)
		if err := b.s.MarkProcessed(b.ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.s.SaveConversation(b.ctx, 1, "menu", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.EnqueueOps(b.ctx, 1, [][]byte{[]byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	top, err := b.s.CreateTopUp(b.ctx, store.NewTopUp{UserID: 1, Stars: 1, Kopecks: 100})
	if err != nil {
		t.Fatal(err)
	}
	execSQL(t, b.pool, `UPDATE inbox SET processed_at = now() - interval '30 days' WHERE bot_id = 68`)
	execSQL(t, b.pool, `UPDATE topups SET created_at = now() - interval '30 days', expires_at = now() - interval '29 days' WHERE bot_id = 68`)
	execSQL(t, b.pool, `UPDATE outbox SET created_at = now() - interval '30 days' WHERE bot_id = 68`)
	execSQL(t, b.pool, `UPDATE conversations SET updated_at = now() - interval '365 days' WHERE bot_id = 68`)
	execSQL(t, b.pool, `UPDATE bot_users SET last_seen_at = now() - interval '365 days' WHERE bot_id = 68`)

	// Conversations are off (zero age): kept however old.
	r := store.Retention{Inbox: 7 * day, Invoices: 2 * day, Outbox: day, Batch: 2}
	rep, err := b.s.Retain(b.ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.RetentionReport{Inbox: 5, Invoices: 1, Outbox: 1}); rep != want {
		t.Fatalf("Retain = %+v, want %+v", rep, want)
	}
	if _, err := b.s.Conversation(b.ctx, 1); err != nil {
		t.Fatalf("a disabled purge deleted a conversation: %v", err)
	}
	if got, _ := b.s.TopUpByPayload(b.ctx, top.Payload); got.State != store.TopUpExpired {
		t.Fatalf("top-up is %s, want expired", got.State)
	}
	if rep, err := b.s.Retain(b.ctx, r); err != nil || rep != (store.RetentionReport{}) {
		t.Fatalf("a second pass = %+v, %v; want nothing left to do", rep, err)
	}

	ctx, cancel := context.WithCancel(b.ctx)
	cancel()
	if _, err := b.s.Retain(ctx, r); !errors.Is(err, context.Canceled) {
		t.Fatalf("Retain with a cancelled context = %v, want context.Canceled", err)
	}
}
