package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

func newJob(userID, price int64, key string) store.NewJob {
	return store.NewJob{
		UserID: userID, ChatID: userID, ModelID: "flux-kontext", Category: "image", Output: "image",
		Params:         map[string]string{"prompt": "a cat", "aspect": "1:1"},
		Inputs:         map[string][]string{"image": {"https://kie.example/f/1.png"}},
		FileIDs:        map[string][]string{"image": {"AgAD1"}},
		PriceKopecks:   price,
		IdempotencyKey: key,
		Deadline:       time.Now().Add(time.Hour),
	}
}

func TestHoldCaptureRelease(t *testing.T) {
	t.Parallel()
	tests := []struct {
		outcome     store.JobState
		wantBalance int64
	}{
		{store.JobSucceeded, 1000 - 300},
		{store.JobFailed, 1000},
		{store.JobExpired, 1000},
	}
	b := setupMoney(t, 31)
	for i, tt := range tests {
		t.Run(string(tt.outcome), func(t *testing.T) {
			t.Parallel()
			user := int64(i + 1)
			b.user(t, b.s, user, 1000)
			j, created, err := b.s.CreateJob(b.ctx, newJob(user, 300, "k"+fmt.Sprint(user)))
			if err != nil || !created || j.State != store.JobQueued {
				t.Fatalf("CreateJob = %+v, %v, %v", j, created, err)
			}
			if j.Params["prompt"] != "a cat" || j.Inputs["image"][0] != "https://kie.example/f/1.png" || j.FileIDs["image"][0] != "AgAD1" {
				t.Fatalf("job did not keep its inputs: %+v", j)
			}
			wantBalance(t, b.s, user, 700, 300)

			fin, err := b.s.FinishJob(b.ctx, store.FinishParams{JobID: j.ID, Outcome: tt.outcome, ResultURLs: []string{"https://r/1"}, FailCode: "x"})
			if err != nil || fin.State != tt.outcome || fin.FinishedAt.IsZero() {
				t.Fatalf("FinishJob = %+v, %v", fin, err)
			}
			wantBalance(t, b.s, user, tt.wantBalance, 0)

			// A second finish, with either outcome, changes nothing.
			for _, again := range []store.JobState{store.JobSucceeded, store.JobFailed} {
				if _, err := b.s.FinishJob(b.ctx, store.FinishParams{JobID: j.ID, Outcome: again}); !errors.Is(err, store.ErrAlreadySettled) {
					t.Fatalf("second FinishJob(%s) = %v, want ErrAlreadySettled", again, err)
				}
			}
			wantBalance(t, b.s, user, tt.wantBalance, 0)
			es, _ := b.s.RecentEntries(b.ctx, user, 10)
			if len(es) != 3 || es[1].Kind != store.KindHold || es[1].JobID != j.ID {
				t.Fatalf("entries: %+v", es)
			}
		})
	}
	t.Cleanup(func() { auditOK(t, b.pool, 31) })
}

func TestFinishJobConcurrentlySettlesOnce(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 32)
	b.user(t, b.s, 1, 1000)
	j, _, err := b.s.CreateJob(b.ctx, newJob(1, 400, "k"))
	if err != nil {
		t.Fatal(err)
	}
	outcomes := []store.JobState{store.JobSucceeded, store.JobFailed, store.JobExpired, store.JobSucceeded, store.JobFailed, store.JobFailed}
	errs := make([]error, len(outcomes))
	var wg sync.WaitGroup
	for i, o := range outcomes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = b.s.FinishJob(b.ctx, store.FinishParams{JobID: j.ID, Outcome: o})
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won == -1:
			won = i
		case !errors.Is(err, store.ErrAlreadySettled):
			t.Fatalf("finish %d: %v", i, err)
		}
	}
	if won == -1 {
		t.Fatal("no finish won")
	}
	want := int64(1000)
	if outcomes[won] == store.JobSucceeded {
		want = 600
	}
	wantBalance(t, b.s, 1, want, 0)
	auditOK(t, b.pool, 32)
}

func TestCreateJobTwiceWithOneKey(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 33)
	b.user(t, b.s, 1, 1000)
	b.user(t, b.s, 2, 1000)

	first, created, err := b.s.CreateJob(b.ctx, newJob(1, 300, "tap-1"))
	if err != nil || !created {
		t.Fatal(created, err)
	}
	again, created, err := b.s.CreateJob(b.ctx, newJob(1, 999, "tap-1"))
	if err != nil || created || again.ID != first.ID || again.PriceKopecks != 300 {
		t.Fatalf("repeat = %+v, created %v, %v", again, created, err)
	}
	wantBalance(t, b.s, 1, 700, 300)
	// A tap can be recognised before anything is prepared for the job.
	if j, err := b.s.UserJobByKey(b.ctx, 1, "tap-1"); err != nil || j.ID != first.ID {
		t.Fatalf("UserJobByKey = %+v, %v", j, err)
	}
	for _, c := range []struct {
		user int64
		key  string
	}{{2, "tap-1"}, {1, "tap-none"}} {
		if _, err := b.s.UserJobByKey(b.ctx, c.user, c.key); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("UserJobByKey(%d, %q): %v, want ErrNotFound", c.user, c.key, err)
		}
	}
	if _, _, err := b.s.CreateJob(b.ctx, newJob(2, 300, "tap-1")); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("another user's key: %v, want ErrDuplicate", err)
	}
	wantBalance(t, b.s, 2, 1000, 0)

	// Two goroutines tapping at once: one job, one hold.
	const taps = 8
	ids := make([]int64, taps)
	createdN := make([]bool, taps)
	var wg sync.WaitGroup
	for i := range taps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j, c, err := b.s.CreateJob(b.ctx, newJob(2, 300, "tap-2"))
			if err != nil {
				t.Error(err)
			}
			ids[i], createdN[i] = j.ID, c
		}()
	}
	wg.Wait()
	n := 0
	for i := range taps {
		if ids[i] != ids[0] {
			t.Fatalf("taps got jobs %v", ids)
		}
		if createdN[i] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d taps report creating the job", n)
	}
	wantBalance(t, b.s, 2, 700, 300)
	if running, _ := b.s.RunningJobs(b.ctx, 2); running != 1 {
		t.Fatalf("%d jobs for one tap", running)
	}
	auditOK(t, b.pool, 33)
}

func TestCreateJobRefusalsWriteNothing(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 34)
	b.user(t, b.s, 1, 500)

	if _, _, err := b.s.CreateJob(b.ctx, newJob(1, 501, "short")); !errors.Is(err, store.ErrInsufficientFunds) {
		t.Fatalf("short of money: %v", err)
	}
	if _, _, err := b.s.CreateJob(b.ctx, newJob(42, 1, "nobody")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	bad := newJob(1, 0, "zero")
	if _, _, err := b.s.CreateJob(b.ctx, bad); err == nil {
		t.Fatal("a paid job with price 0 was created")
	}
	wantBalance(t, b.s, 1, 500, 0)
	if js, _ := b.s.RecentJobs(b.ctx, 1, 10); len(js) != 0 {
		t.Fatalf("refused jobs were written: %+v", js)
	}
	// The refused key is free for the retry after a top-up.
	if _, created, err := b.s.CreateJob(b.ctx, newJob(1, 500, "short")); err != nil || !created {
		t.Fatalf("retry: %v, %v", created, err)
	}
	wantBalance(t, b.s, 1, 0, 500)
	auditOK(t, b.pool, 34)
}

func TestMaxRunning(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 35)
	b.user(t, b.s, 1, 10_000)
	limited := func(key string) store.NewJob { nj := newJob(1, 100, key); nj.MaxRunning = 2; return nj }

	a, _, err := b.s.CreateJob(b.ctx, limited("a"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.s.CreateJob(b.ctx, limited("b")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.s.CreateJob(b.ctx, limited("c")); !errors.Is(err, store.ErrTooManyJobs) {
		t.Fatalf("third job: %v, want ErrTooManyJobs", err)
	}
	// A double tap of a job already created is not a new job.
	if _, created, err := b.s.CreateJob(b.ctx, limited("b")); err != nil || created {
		t.Fatalf("repeat at the limit: %v, %v", created, err)
	}
	unlimited := newJob(1, 100, "admin") // MaxRunning 0
	if _, _, err := b.s.CreateJob(b.ctx, unlimited); err != nil {
		t.Fatalf("no limit: %v", err)
	}
	if _, err := b.s.FinishJob(b.ctx, store.FinishParams{JobID: a.ID, Outcome: store.JobFailed}); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.s.RunningJobs(b.ctx, 1); n != 2 {
		t.Fatalf("RunningJobs = %d, want 2", n)
	}
	// Still 2 unfinished (b and admin): the limit holds until one more ends.
	if _, _, err := b.s.CreateJob(b.ctx, limited("c")); !errors.Is(err, store.ErrTooManyJobs) {
		t.Fatalf("job over the limit: %v", err)
	}
	wantBalance(t, b.s, 1, 10_000-200, 200)

	// Concurrent creations cannot overshoot the limit.
	b.user(t, b.s, 2, 10_000)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nj := newJob(2, 100, fmt.Sprintf("c%d", i))
			nj.MaxRunning = 3
			_, _, errs[i] = b.s.CreateJob(b.ctx, nj)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, store.ErrTooManyJobs) {
			t.Fatal(err)
		}
	}
	if n, _ := b.s.RunningJobs(b.ctx, 2); ok != 3 || n != 3 {
		t.Fatalf("%d creations succeeded, %d running; want 3", ok, n)
	}
	auditOK(t, b.pool, 35)
}

func TestJobTransitionsAreCompareAndSet(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 36)
	b.user(t, b.s, 1, 1000)
	j, _, _ := b.s.CreateJob(b.ctx, newJob(1, 100, "k"))

	steps := []struct {
		name string
		call func() error
		want error
	}{
		{"running before submitting", func() error { return b.s.MarkRunning(b.ctx, j.ID, "t1") }, store.ErrJobState},
		{"poll before running", func() error { return b.s.RecordPoll(b.ctx, j.ID, time.Now(), "") }, store.ErrJobState},
		{"unknown before submitting", func() error { return b.s.MarkSubmitUnknown(b.ctx, j.ID, "x") }, store.ErrJobState},
		{"submitting", func() error { return b.s.MarkSubmitting(b.ctx, j.ID) }, nil},
		{"submitting twice", func() error { return b.s.MarkSubmitting(b.ctx, j.ID) }, store.ErrJobState},
		{"unknown", func() error { return b.s.MarkSubmitUnknown(b.ctx, j.ID, "timeout") }, nil},
		{"late callback: running", func() error { return b.s.MarkRunning(b.ctx, j.ID, "task-1") }, nil},
		{"running again, same task", func() error { return b.s.MarkRunning(b.ctx, j.ID, "task-1") }, nil},
		{"running again, other task", func() error { return b.s.MarkRunning(b.ctx, j.ID, "task-2") }, store.ErrJobState},
		{"poll", func() error { return b.s.RecordPoll(b.ctx, j.ID, time.Now().Add(time.Hour), "generating") }, nil},
		{"progress message", func() error { return b.s.SetProgressMessage(b.ctx, j.ID, 777) }, nil},
		{"unknown job", func() error { return b.s.MarkSubmitting(b.ctx, j.ID+1000) }, store.ErrNotFound},
	}
	for _, st := range steps {
		if err := st.call(); !errors.Is(err, st.want) || (st.want == nil && err != nil) {
			t.Fatalf("%s: %v, want %v", st.name, err, st.want)
		}
	}
	got, err := b.s.JobByTaskID(b.ctx, "task-1")
	if err != nil || got.ID != j.ID || got.State != store.JobRunning || got.Stage != "generating" || got.Polls != 1 ||
		got.ProgressMessageID != 777 || got.UnknownCause != "timeout" || got.SubmittedAt.IsZero() || got.RunningAt.IsZero() {
		t.Fatalf("job = %+v, %v", got, err)
	}
	if _, err := b.s.JobByTaskID(b.ctx, "task-2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown task: %v", err)
	}
	if _, err := b.s.MarkDelivered(b.ctx, j.ID); !errors.Is(err, store.ErrJobState) {
		t.Fatalf("delivered before finishing: %v", err)
	}
	if _, err := b.s.FinishJob(b.ctx, store.FinishParams{JobID: j.ID, Outcome: store.JobRunning}); err == nil {
		t.Fatal("finished as running")
	}
	if _, err := b.s.FinishJob(b.ctx, store.FinishParams{JobID: j.ID, Outcome: store.JobSucceeded, ResultURLs: []string{"u1", "u2"}, CreditsConsumedMicro: 5_500_000}); err != nil {
		t.Fatal(err)
	}
	if err := b.s.RecordPoll(b.ctx, j.ID, time.Now(), ""); !errors.Is(err, store.ErrJobState) {
		t.Fatalf("poll after finish: %v", err)
	}
	if first, err := b.s.MarkDelivered(b.ctx, j.ID); err != nil || !first {
		t.Fatalf("first delivery: %v, %v", first, err)
	}
	if first, err := b.s.MarkDelivered(b.ctx, j.ID); err != nil || first {
		t.Fatalf("second delivery: %v, %v", first, err)
	}
	got, _ = b.s.Job(b.ctx, j.ID)
	if len(got.ResultURLs) != 2 || got.CreditsConsumedMicro != 5_500_000 || got.DeliveredAt.IsZero() || !got.NextPollAt.IsZero() {
		t.Fatalf("finished job = %+v", got)
	}
	auditOK(t, b.pool, 36)
}

func TestJobQueries(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 37)
	b.user(t, b.s, 1, 10_000)
	b.user(t, b.s, 2, 10_000)
	create := func(user int64, key string) store.Job {
		t.Helper()
		j, _, err := b.s.CreateJob(b.ctx, newJob(user, 100, key))
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	queued := create(1, "queued")
	due := create(1, "due")
	later := create(2, "later")
	undelivered := create(1, "undelivered")
	delivered := create(2, "delivered")
	failed := create(1, "failed")
	now := time.Now()
	for _, j := range []store.Job{due, later} {
		if err := b.s.MarkSubmitting(b.ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		if err := b.s.MarkRunning(b.ctx, j.ID, fmt.Sprintf("task-%d", j.ID)); err != nil {
			t.Fatal(err)
		}
	}
	_ = b.s.RecordPoll(b.ctx, due.ID, now.Add(-time.Second), "")
	_ = b.s.RecordPoll(b.ctx, later.ID, now.Add(time.Hour), "")
	for _, j := range []store.Job{undelivered, delivered} {
		if _, err := b.s.FinishJob(b.ctx, store.FinishParams{JobID: j.ID, Outcome: store.JobSucceeded}); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = b.s.MarkDelivered(b.ctx, delivered.ID)
	_, _ = b.s.FinishJob(b.ctx, store.FinishParams{JobID: failed.ID, Outcome: store.JobFailed})
	// A failure whose notice was sent is done; one whose notice was not
	// (failed, below) is reloaded so the user hears about it.

	ids := func(js []store.Job, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, j := range js {
			s += fmt.Sprintf("%d ", j.ID)
		}
		return s
	}
	want := func(js ...store.Job) string { return ids(js, nil) }

	if got, w := ids(b.s.UnfinishedJobs(b.ctx)), want(queued, due, later, undelivered, failed); got != w {
		t.Errorf("UnfinishedJobs = %s, want %s", got, w)
	}
	idList := func(js ...store.Job) []int64 {
		var out []int64
		for _, j := range js {
			out = append(out, j.ID)
		}
		return out
	}
	for _, c := range []struct {
		limit int
		want  []int64
	}{{2, idList(queued, due)}, {4, idList(queued, due, later, undelivered)}, {10, idList(queued, due, later, undelivered, failed)}} {
		if got, err := b.s.UnfinishedJobIDs(b.ctx, c.limit); err != nil || !slices.Equal(got, c.want) {
			t.Errorf("UnfinishedJobIDs(%d) = %v, %v; want %v", c.limit, got, err, c.want)
		}
	}
	if got, w := ids(b.s.JobsDue(b.ctx, now, 10)), want(due); got != w {
		t.Errorf("JobsDue = %s, want %s", got, w)
	}
	if got, w := ids(b.s.RecentJobs(b.ctx, 1, 3)), want(failed, undelivered, due); got != w {
		t.Errorf("RecentJobs = %s, want %s", got, w)
	}
	if n, _ := b.s.RunningJobs(b.ctx, 1); n != 2 {
		t.Errorf("RunningJobs(1) = %d, want 2", n)
	}
	if _, err := b.s.UserJob(b.ctx, 2, queued.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("user 2 loads user 1's job: %v", err)
	}
	if j, err := b.s.UserJob(b.ctx, 1, queued.ID); err != nil || j.ID != queued.ID {
		t.Errorf("UserJob = %+v, %v", j, err)
	}
	auditOK(t, b.pool, 37)
}

// A finished job's results are recorded one at a time, in order, each at
// most once, so a retry resumes after the last one recorded.
func TestMarkResultDone(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 38)
	b.user(t, b.s, 1, 1000)
	j, _, err := b.s.CreateJob(b.ctx, newJob(1, 100, "multi"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.s.MarkResultDone(b.ctx, j.ID, 0, false); !errors.Is(err, store.ErrJobState) {
		t.Fatalf("a result of an unfinished job: %v", err)
	}
	if _, err := b.s.FinishJob(b.ctx, store.FinishParams{JobID: j.ID, Outcome: store.JobSucceeded, ResultURLs: []string{"a", "b", "c"}}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		index   int
		lost    bool
		wantErr error
		done    int
		lostN   int
	}{
		{1, false, store.ErrJobState, 0, 0}, // skipping the first
		{0, false, nil, 1, 0},
		{0, true, nil, 1, 0}, // a repeat changes nothing
		{1, true, nil, 2, 1},
		{1, true, nil, 2, 1},
		{2, false, nil, 3, 1},
	}
	for _, st := range steps {
		err := b.s.MarkResultDone(b.ctx, j.ID, st.index, st.lost)
		if (st.wantErr == nil) != (err == nil) || (st.wantErr != nil && !errors.Is(err, st.wantErr)) {
			t.Fatalf("MarkResultDone(%d, %v) = %v, want %v", st.index, st.lost, err, st.wantErr)
		}
		got, err := b.s.Job(b.ctx, j.ID)
		if err != nil || got.ResultsDelivered != st.done || got.ResultsLost != st.lostN {
			t.Fatalf("after MarkResultDone(%d, %v): %d done, %d lost (%v); want %d, %d", st.index, st.lost, got.ResultsDelivered, got.ResultsLost, err, st.done, st.lostN)
		}
	}
}

// BenchmarkCreateAndFinishJob measures one paid job's money path: create
// with hold, then finish with capture (two transactions).
func BenchmarkCreateAndFinishJob(b *testing.B) {
	mb := moneyBundle{ctx: context.Background(), pool: storetest.NewPool(b)}
	mb.s = store.New(mb.pool, 99)
	if _, _, err := mb.s.TouchUser(mb.ctx, store.SeenUser{ID: 1, ChatID: 1}); err != nil {
		b.Fatal(err)
	}
	if _, err := mb.s.Credit(mb.ctx, store.CreditParams{UserID: 1, Kind: store.KindAdjustment, Amount: int64(b.N) * 100, Key: "seed"}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		j, _, err := mb.s.CreateJob(mb.ctx, newJob(1, 100, fmt.Sprint("bench-", i)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := mb.s.FinishJob(mb.ctx, store.FinishParams{JobID: j.ID, Outcome: store.JobSucceeded}); err != nil {
			b.Fatal(err)
		}
	}
}
