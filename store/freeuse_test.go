package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kiebot/kiebot/store"
)

func freeJob(userID int64, key string, limit int) store.NewJob {
	nj := newJob(userID, 250, key) // the price is what it is worth; nothing is held
	nj.Free, nj.FreeDailyLimit = true, limit
	return nj
}

func TestFreeLimitAndGivingAUseBack(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 41)
	b.user(t, b.s, 1, 0) // no money needed for free jobs

	var jobs []store.Job
	for i := range 3 {
		j, _, err := b.s.CreateJob(b.ctx, freeJob(1, fmt.Sprint(i), 3))
		if err != nil {
			t.Fatalf("free job %d: %v", i, err)
		}
		jobs = append(jobs, j)
	}
	if _, _, err := b.s.CreateJob(b.ctx, freeJob(1, "over", 3)); !errors.Is(err, store.ErrFreeLimit) {
		t.Fatalf("fourth free job: %v, want ErrFreeLimit", err)
	}
	if n, _ := b.s.FreeUsedToday(b.ctx, 1); n != 3 {
		t.Fatalf("FreeUsedToday = %d, want 3", n)
	}
	wantBalance(t, b.s, 1, 0, 0)

	// Success keeps the use; failure and expiry give it back.
	finishes := []struct {
		outcome store.JobState
		want    int
	}{{store.JobSucceeded, 3}, {store.JobFailed, 2}, {store.JobExpired, 1}}
	for i, f := range finishes {
		if _, err := b.s.FinishJob(b.ctx, store.FinishParams{JobID: jobs[i].ID, Outcome: f.outcome}); err != nil {
			t.Fatal(err)
		}
		if n, _ := b.s.FreeUsedToday(b.ctx, 1); n != f.want {
			t.Fatalf("after %s: FreeUsedToday = %d, want %d", f.outcome, n, f.want)
		}
	}
	// A repeated finish does not give a second use back.
	if _, err := b.s.FinishJob(b.ctx, store.FinishParams{JobID: jobs[1].ID, Outcome: store.JobFailed}); !errors.Is(err, store.ErrAlreadySettled) {
		t.Fatal(err)
	}
	if n, _ := b.s.FreeUsedToday(b.ctx, 1); n != 1 {
		t.Fatalf("FreeUsedToday = %d after a repeated finish, want 1", n)
	}
	if _, _, err := b.s.CreateJob(b.ctx, freeJob(1, "again", 3)); err != nil {
		t.Fatalf("free job after uses came back: %v", err)
	}
	if _, _, err := b.s.CreateJob(b.ctx, freeJob(1, "zero", 0)); !errors.Is(err, store.ErrFreeLimit) {
		t.Fatalf("limit 0: %v", err)
	}
	wantBalance(t, b.s, 1, 0, 0)
	auditOK(t, b.pool, 41)
}

// A job that fails after midnight gives its use back to the day it took
// it from, not to today.
func TestFreeUseReturnsToItsOwnDay(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 42)
	b.user(t, b.s, 1, 0)
	old, _, err := b.s.CreateJob(b.ctx, freeJob(1, "old", 1))
	if err != nil {
		t.Fatal(err)
	}
	// Move that use to yesterday, as if the job were created then.
	if _, err := b.pool.Exec(b.ctx, `
		UPDATE free_usage SET day = day - 1 WHERE bot_id = 42;
		UPDATE jobs SET free_day = free_day - 1 WHERE bot_id = 42`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.s.CreateJob(b.ctx, freeJob(1, "today", 1)); err != nil {
		t.Fatalf("today's free job: %v", err)
	}
	if _, err := b.s.FinishJob(b.ctx, store.FinishParams{JobID: old.ID, Outcome: store.JobFailed}); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.s.FreeUsedToday(b.ctx, 1); n != 1 {
		t.Fatalf("today's uses = %d, want 1 (yesterday's job gave back yesterday's)", n)
	}
	var yesterday int
	if err := b.pool.QueryRow(b.ctx, `SELECT used FROM free_usage WHERE bot_id = 42 AND day < (now() AT TIME ZONE 'UTC')::date`).Scan(&yesterday); err != nil || yesterday != 0 {
		t.Fatalf("yesterday's uses = %d, %v; want 0", yesterday, err)
	}
}

func TestFreeLimitHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 43)
	b.user(t, b.s, 1, 0)
	const tries, limit = 10, 4
	errs := make([]error, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = b.s.CreateJob(b.ctx, freeJob(1, fmt.Sprint(i), limit))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, store.ErrFreeLimit) {
			t.Fatal(err)
		}
	}
	if n, _ := b.s.FreeUsedToday(b.ctx, 1); ok != limit || n != limit {
		t.Fatalf("%d free jobs created, %d uses counted; want %d", ok, n, limit)
	}
}
