package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/kiebot/kiebot/store"
)

// ids are the rows a corruption case works on.
type ids struct {
	user, job, topUp, otherJob int64
}

func TestAuditReportsEachDiscrepancy(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 1)
	paidJob := func(t *testing.T, s *store.Store, user int64) int64 {
		j, _, err := s.CreateJob(b.ctx, newJob(user, 300, fmt.Sprintf("job-%d-%d", user, rand.Int())))
		if err != nil {
			t.Fatal(err)
		}
		return j.ID
	}
	topUp := func(t *testing.T, s *store.Store, charge string) int64 {
		top, err := s.CreateTopUp(b.ctx, store.NewTopUp{UserID: 1, Stars: 10, Kopecks: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if charge != "" {
			if _, _, err := s.CompleteTopUp(b.ctx, store.CompleteParams{Payload: top.Payload, UserID: 1, Stars: 10, ChargeID: charge}); err != nil {
				t.Fatal(err)
			}
		}
		return top.ID
	}
	finish := func(t *testing.T, s *store.Store, job int64, o store.JobState) {
		if _, err := s.FinishJob(b.ctx, store.FinishParams{JobID: job, Outcome: o}); err != nil {
			t.Fatal(err)
		}
	}

	// exec runs one corrupting statement.
	type exec func(sql string, args ...any)
	tests := []struct {
		name    string
		setup   func(t *testing.T, s *store.Store) ids
		corrupt func(x exec, bot int64, id ids)
		want    []string
	}{
		{"balance differs from entries",
			func(t *testing.T, s *store.Store) ids { return ids{user: 1} },
			func(x exec, bot int64, id ids) {
				x(`UPDATE bot_users SET balance_kopecks = balance_kopecks + 1 WHERE bot_id = $1 AND user_id = $2`, bot, id.user)
			},
			[]string{store.CheckBalance}},
		{"held differs from entries",
			func(t *testing.T, s *store.Store) ids { return ids{user: 1, job: paidJob(t, s, 1)} },
			func(x exec, bot int64, id ids) {
				x(`UPDATE bot_users SET held_kopecks = held_kopecks - 1 WHERE bot_id = $1 AND user_id = $2`, bot, id.user)
			},
			[]string{store.CheckHeld}},
		{"finished job never settled",
			func(t *testing.T, s *store.Store) ids { return ids{user: 1, job: paidJob(t, s, 1)} },
			func(x exec, bot int64, id ids) {
				x(`UPDATE jobs SET state = 'failed', finished_at = now() WHERE bot_id = $1 AND id = $2`, bot, id.job)
			},
			[]string{store.CheckSettlement}},
		{"finished job released twice",
			func(t *testing.T, s *store.Store) ids {
				j := paidJob(t, s, 1)
				paidJob(t, s, 1) // so the held amount can absorb a second release
				finish(t, s, j, store.JobFailed)
				return ids{user: 1, job: j}
			},
			func(x exec, bot int64, id ids) {
				x(`INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, held_change_kopecks, idem_key, job_id)
				   VALUES ($1, $2, 'release', 300, -300, 'forged', $3)`, bot, id.user, id.job)
				x(`UPDATE bot_users SET balance_kopecks = balance_kopecks + 300, held_kopecks = held_kopecks - 300
				    WHERE bot_id = $1 AND user_id = $2`, bot, id.user)
			},
			[]string{store.CheckSettlement}},
		{"succeeded job released, not captured",
			func(t *testing.T, s *store.Store) ids {
				j := paidJob(t, s, 1)
				finish(t, s, j, store.JobFailed)
				return ids{user: 1, job: j}
			},
			func(x exec, bot int64, id ids) {
				x(`UPDATE jobs SET state = 'succeeded' WHERE bot_id = $1 AND id = $2`, bot, id.job)
			},
			[]string{store.CheckSettlement}},
		{"unfinished job with a settlement",
			func(t *testing.T, s *store.Store) ids {
				j := paidJob(t, s, 1)
				finish(t, s, j, store.JobSucceeded)
				return ids{user: 1, job: j}
			},
			func(x exec, bot int64, id ids) {
				x(`UPDATE jobs SET state = 'running', finished_at = NULL WHERE bot_id = $1 AND id = $2`, bot, id.job)
			},
			[]string{store.CheckSettlement}},
		{"paid job without a hold",
			func(t *testing.T, s *store.Store) ids { return ids{user: 1} },
			func(x exec, bot int64, id ids) {
				x(`INSERT INTO jobs (bot_id, user_id, chat_id, model_id, price_kopecks, idempotency_key, deadline)
				   VALUES ($1, $2, $2, 'm', 300, 'no-hold', now())`, bot, id.user)
			},
			[]string{store.CheckHold}},
		{"free job with money",
			func(t *testing.T, s *store.Store) ids {
				j, _, err := s.CreateJob(b.ctx, freeJob(1, "free", 5))
				if err != nil {
					t.Fatal(err)
				}
				return ids{user: 1, job: j.ID}
			},
			func(x exec, bot int64, id ids) {
				x(`INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, held_change_kopecks, idem_key, job_id)
				   VALUES ($1, $2, 'hold', -100, 100, 'forged', $3)`, bot, id.user, id.job)
				x(`UPDATE bot_users SET balance_kopecks = balance_kopecks - 100, held_kopecks = held_kopecks + 100
				    WHERE bot_id = $1 AND user_id = $2`, bot, id.user)
			},
			[]string{store.CheckHold}},
		{"paid top-up without its credit",
			func(t *testing.T, s *store.Store) ids { return ids{user: 1, topUp: topUp(t, s, "")} },
			func(x exec, bot int64, id ids) {
				x(`UPDATE topups SET state = 'paid', charge_id = 'forged' WHERE bot_id = $1 AND id = $2`, bot, id.topUp)
			},
			[]string{store.CheckTopUp}},
		{"paid top-up credited twice",
			func(t *testing.T, s *store.Store) ids { return ids{user: 1, topUp: topUp(t, s, "c")} },
			func(x exec, bot int64, id ids) {
				x(`INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, idem_key, topup_id)
				   VALUES ($1, $2, 'topup', 1000, 'again', $3)`, bot, id.user, id.topUp)
				x(`UPDATE bot_users SET balance_kopecks = balance_kopecks + 1000 WHERE bot_id = $1 AND user_id = $2`, bot, id.user)
			},
			[]string{store.CheckTopUp}},
		{"refunded top-up without its refund",
			func(t *testing.T, s *store.Store) ids { return ids{user: 1, topUp: topUp(t, s, "c")} },
			func(x exec, bot int64, id ids) {
				x(`UPDATE topups SET state = 'refunded', refunded_at = now() WHERE bot_id = $1 AND id = $2`, bot, id.topUp)
			},
			[]string{store.CheckTopUp}},
		{"refund under way without its debit",
			func(t *testing.T, s *store.Store) ids { return ids{user: 1, topUp: topUp(t, s, "c")} },
			func(x exec, bot int64, id ids) {
				x(`UPDATE topups SET state = 'refunding' WHERE bot_id = $1 AND id = $2`, bot, id.topUp)
			},
			[]string{store.CheckTopUp}},
		{"refunded top-up with an unexplained shortfall",
			func(t *testing.T, s *store.Store) ids {
				id := topUp(t, s, "c")
				if _, _, err := s.HoldTopUpRefund(b.ctx, "c"); err != nil {
					t.Fatal(err)
				}
				if _, _, err := s.ConfirmTopUpRefund(b.ctx, "c"); err != nil {
					t.Fatal(err)
				}
				return ids{user: 1, topUp: id}
			},
			func(x exec, bot int64, id ids) {
				x(`UPDATE topups SET refund_shortfall_kopecks = 1 WHERE bot_id = $1 AND id = $2`, bot, id.topUp)
			},
			[]string{store.CheckTopUp}},
		{"entry booked to another user's job",
			func(t *testing.T, s *store.Store) ids {
				b.user(t, s, 2, 1000)
				return ids{user: 1, otherJob: paidJob(t, s, 2)}
			},
			func(x exec, bot int64, id ids) {
				x(`INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, idem_key, job_id)
				   VALUES ($1, $2, 'adjustment', 5, 'x', $3)`, bot, id.user, id.otherJob)
				x(`UPDATE bot_users SET balance_kopecks = balance_kopecks + 5 WHERE bot_id = $1 AND user_id = $2`, bot, id.user)
			},
			[]string{store.CheckEntryOwner}},
	}
	t.Run("cases", func(t *testing.T) {
		for i, tt := range tests {
			botID := int64(100 + i)
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				s := store.New(b.pool, botID)
				b.user(t, s, 1, 5000)
				id := tt.setup(t, s)
				auditOK(t, b.pool, botID) // clean before the corruption
				tt.corrupt(func(sql string, args ...any) {
					if _, err := b.pool.Exec(b.ctx, sql, args...); err != nil {
						t.Fatalf("corrupt: %s: %v", sql, err)
					}
				}, botID, id)
				r, err := store.Audit(b.ctx, b.pool, botID)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, p := range r.Problems {
					got = append(got, p.Check)
					if p.BotID != botID {
						t.Errorf("problem of bot %d reported in bot %d's audit", p.BotID, botID)
					}
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("audit found %v, want %v:\n%s", got, tt.want, r)
				}
				t.Log(r)
			})
		}
	})
	// Auditing every bot at once finds every case's problem.
	r, err := store.Audit(b.ctx, b.pool, 0)
	if err != nil {
		t.Fatal(err)
	}
	bots := map[int64]bool{}
	for _, p := range r.Problems {
		bots[p.BotID] = true
	}
	if len(bots) != len(tests) {
		t.Fatalf("audit of all bots found problems in %d bots, want %d:\n%s", len(bots), len(tests), r)
	}
}

func TestAuditReportsNegativeAmounts(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 2)
	b.user(t, b.s, 1, 5000)
	// Only a broken schema lets a balance go negative; the audit still says so.
	for _, sql := range []string{
		`ALTER TABLE bot_users DROP CONSTRAINT balance_not_negative, DROP CONSTRAINT held_not_negative`,
		`INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, idem_key) VALUES (2, 1, 'adjustment', -6000, 'overdraw')`,
		`UPDATE bot_users SET balance_kopecks = balance_kopecks - 6000 WHERE bot_id = 2 AND user_id = 1`,
	} {
		if _, err := b.pool.Exec(b.ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	r, err := store.Audit(b.ctx, b.pool, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) != 1 || r.Problems[0].Check != store.CheckBalance {
		t.Fatalf("audit of a negative balance:\n%s", r)
	}
}

// TestRandomMoneyTraffic runs many goroutines doing random credits,
// debits, top-ups, refunds, job creations (double taps, free jobs, limits)
// and finishes on a few users, some inside caller transactions. Afterwards
// the audit is clean, every balance is non-negative and each user's money
// matches a model kept from the operations' results.
func TestRandomMoneyTraffic(t *testing.T) {
	t.Parallel()
	const (
		botID      = 3
		users      = 4
		goroutines = 8
		ops        = 60
	)
	b := setupMoney(t, botID)
	for u := int64(1); u <= users; u++ {
		b.user(t, b.s, u, 0)
	}
	seed := rand.Uint64()
	t.Logf("seed %d", seed)

	var (
		mu      sync.Mutex
		total   = map[int64]int64{} // available + held, per user
		jobs    []int64
		charges []string
	)
	pickJob := func(r *rand.Rand) (int64, bool) {
		mu.Lock()
		defer mu.Unlock()
		if len(jobs) == 0 {
			return 0, false
		}
		return jobs[r.IntN(len(jobs))], true
	}
	expected := func(err error, allowed ...error) {
		if err == nil {
			return
		}
		for _, a := range allowed {
			if errors.Is(err, a) {
				return
			}
		}
		t.Errorf("unexpected error: %v", err)
	}

	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(g)))
			type tap struct {
				key  string
				user int64
			}
			var taps []tap
			for i := range ops {
				user := int64(1 + r.IntN(users))
				key := fmt.Sprintf("g%d-%d", g, i)
				// Some operations run inside a caller's transaction, as the
				// conversation actor does. An operation returns what it did
				// to the model, applied once its transaction committed.
				run := func(op func(q moneyOps) (func(), error)) {
					var apply func()
					var err error
					if r.IntN(3) > 0 {
						apply, err = op(b.s)
					} else {
						err = b.s.InTx(b.ctx, func(tx *store.Tx) (err error) {
							apply, err = op(tx)
							return err
						})
					}
					expected(err)
					if err == nil && apply != nil {
						mu.Lock()
						apply()
						mu.Unlock()
					}
				}
				switch r.IntN(7) {
				case 0:
					amount := int64(1 + r.IntN(500))
					run(func(q moneyOps) (func(), error) {
						_, err := q.Credit(b.ctx, store.CreditParams{UserID: user, Kind: store.KindAdjustment, Amount: amount, Key: key})
						return func() { total[user] += amount }, err
					})
				case 1:
					amount := int64(1 + r.IntN(300))
					run(func(q moneyOps) (func(), error) {
						_, err := q.Debit(b.ctx, store.DebitParams{UserID: user, Kind: store.KindAdjustment, Amount: amount, Key: key})
						if errors.Is(err, store.ErrInsufficientFunds) {
							return nil, nil
						}
						return func() { total[user] -= amount }, err
					})
				case 2:
					stars := int64(1 + r.IntN(20))
					top, err := b.s.CreateTopUp(b.ctx, store.NewTopUp{UserID: user, Stars: stars, Kopecks: stars * 150})
					expected(err)
					for range 1 + r.IntN(2) { // Telegram may deliver successful_payment twice
						run(func(q moneyOps) (func(), error) {
							got, credited, err := q.CompleteTopUp(b.ctx, store.CompleteParams{Payload: top.Payload, UserID: user, Stars: stars, ChargeID: key})
							if !credited {
								return nil, err
							}
							return func() { total[user] += got.Kopecks; charges = append(charges, key) }, err
						})
					}
				case 3:
					if len(taps) > 0 && r.IntN(4) == 0 {
						again := taps[r.IntN(len(taps))] // a double tap
						key, user = again.key, again.user
					}
					taps = append(taps, tap{key, user})
					nj := newJob(user, int64(1+r.IntN(400)), key)
					nj.Free, nj.FreeDailyLimit = r.IntN(5) == 0, 3
					if r.IntN(2) == 0 {
						nj.MaxRunning = 3
					}
					run(func(q moneyOps) (func(), error) {
						j, created, err := q.CreateJob(b.ctx, nj)
						if errors.Is(err, store.ErrInsufficientFunds) || errors.Is(err, store.ErrFreeLimit) || errors.Is(err, store.ErrTooManyJobs) {
							return nil, nil
						}
						if !created {
							return nil, err
						}
						return func() { jobs = append(jobs, j.ID) }, err
					})
				case 4, 5:
					id, ok := pickJob(r)
					if !ok {
						continue
					}
					outcome := []store.JobState{store.JobSucceeded, store.JobFailed, store.JobExpired}[r.IntN(3)]
					if r.IntN(2) == 0 {
						expected(b.s.MarkSubmitting(b.ctx, id), store.ErrJobState)
						expected(b.s.MarkRunning(b.ctx, id, "task-"+key), store.ErrJobState)
					}
					run(func(q moneyOps) (func(), error) {
						j, err := q.FinishJob(b.ctx, store.FinishParams{JobID: id, Outcome: outcome})
						if errors.Is(err, store.ErrAlreadySettled) {
							return nil, nil
						}
						if outcome != store.JobSucceeded || j.Free {
							return nil, err
						}
						return func() { total[j.UserID] -= j.PriceKopecks }, err
					})
				case 6:
					mu.Lock()
					var charge string
					if len(charges) > 0 {
						charge = charges[r.IntN(len(charges))]
					}
					mu.Unlock()
					if charge == "" {
						continue
					}
					// A refund in its steps, Telegram's answer drawn at random;
					// one left under way is resumed (or settled by another
					// goroutine) by a later draw.
					answer := r.IntN(3)
					run(func(q moneyOps) (func(), error) {
						top, debited, err := q.HoldTopUpRefund(b.ctx, charge)
						if errors.Is(err, store.ErrInsufficientFunds) || errors.Is(err, store.ErrAlreadyRefunded) {
							return nil, nil
						}
						if err != nil {
							return nil, err
						}
						var change int64
						if debited {
							change -= top.Kopecks
						}
						switch answer {
						case 0: // Telegram refunded
							if _, _, err := q.ConfirmTopUpRefund(b.ctx, charge); err != nil && !errors.Is(err, store.ErrRefundNotHeld) {
								return nil, err
							}
						case 1: // Telegram refused
							_, err := q.AbortTopUpRefund(b.ctx, charge)
							switch {
							case err == nil:
								change += top.Kopecks
							case !errors.Is(err, store.ErrRefundNotHeld) && !errors.Is(err, store.ErrAlreadyRefunded):
								return nil, err
							}
						}
						return func() { total[top.UserID] += change }, nil
					})
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	r := auditOK(t, b.pool, botID) // with holds still open
	t.Logf("%s", r)

	// Release what is still held; then every user's balance is the model's.
	open, err := b.s.UnfinishedJobs(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range open {
		if !j.State.Final() {
			if _, err := b.s.FinishJob(b.ctx, store.FinishParams{JobID: j.ID, Outcome: store.JobExpired}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for u := int64(1); u <= users; u++ {
		wantBalance(t, b.s, u, total[u], 0)
	}
	auditOK(t, b.pool, botID)
}

// moneyOps is what the randomized test calls, on the pool or in a
// transaction.
type moneyOps interface {
	Credit(ctx context.Context, p store.CreditParams) (store.Entry, error)
	Debit(ctx context.Context, p store.DebitParams) (store.Entry, error)
	CompleteTopUp(ctx context.Context, p store.CompleteParams) (store.TopUp, bool, error)
	HoldTopUpRefund(ctx context.Context, chargeID string) (store.TopUp, bool, error)
	ConfirmTopUpRefund(ctx context.Context, chargeID string) (store.TopUp, bool, error)
	AbortTopUpRefund(ctx context.Context, chargeID string) (store.TopUp, error)
	CreateJob(ctx context.Context, nj store.NewJob) (store.Job, bool, error)
	FinishJob(ctx context.Context, p store.FinishParams) (store.Job, error)
}
