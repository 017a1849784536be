package operator_test

import (
	"context"
	"errors"
	"math"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/shop/operator"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		panic(err)
	}
	return t
}

type fixedBalance struct {
	credits kie.Credits
	at      time.Time
}

func (f fixedBalance) KieBalance(context.Context) (kie.Credits, time.Time, error) {
	return f.credits, f.at, nil
}

func TestPeriodBoundsAreMoscowDays(t *testing.T) {
	t.Parallel()
	svc := operator.New(operator.Config{Pricer: mustPricer(t)})
	for _, c := range []struct {
		now  string // UTC
		p    operator.Period
		from string // UTC
	}{
		{"2026-03-10 09:00:00", operator.Today, "2026-03-09 21:00:00"},
		{"2026-03-09 21:00:00", operator.Today, "2026-03-09 21:00:00"}, // Moscow midnight exactly
		{"2026-03-09 20:59:59", operator.Today, "2026-03-08 21:00:00"}, // a second before it: still yesterday
		{"2026-03-10 09:00:00", operator.Week, "2026-03-03 21:00:00"},
		{"2026-03-10 09:00:00", operator.Month, "2026-02-08 21:00:00"},
	} {
		from, to := svc.Bounds(c.p, utc(c.now))
		if !from.Equal(utc(c.from)) || !to.Equal(utc(c.now)) {
			t.Errorf("%s at %s: [%s, %s), want from %s", c.p, c.now, from.UTC(), to.UTC(), c.from)
		}
	}
}

func mustPricer(t *testing.T) *pricing.Pricer {
	t.Helper()
	p, err := pricing.NewPricer(pricing.Default(), pricing.Config{USDRUBRate: "95"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Hand-made books around a Moscow midnight (2026-03-09 21:00 UTC), with
// every answer computed by hand in the comments.
func TestStatsFromHandMadeBooks(t *testing.T) {
	t.Parallel()
	b := setup(t, 86)
	now := utc("2026-03-10 09:00:00") // 12:00 in Moscow
	svc := operator.New(operator.Config{Pricer: mustPricer(t), Now: func() time.Time { return now },
		Kie: fixedBalance{credits: kie.CreditsFromInt(1000), at: now}})
	exec := func(sql string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := b.pool.QueryRow(b.ctx, sql+` RETURNING 1`, args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return id
	}
	user := func(id int64, created, seen string) {
		exec(`INSERT INTO bot_users (bot_id, user_id, chat_id, created_at, last_seen_at) VALUES (86, $1, $1, $2, $3)`, id, utc(created), utc(seen))
	}
	user(1, "2026-03-01 10:00:00", "2026-03-09 20:59:59") // 30d; seen yesterday (Moscow)
	user(2, "2026-03-09 21:00:00", "2026-03-09 21:00:00") // new today, at Moscow midnight exactly
	user(3, "2026-02-01 10:00:00", "2026-02-01 10:00:00") // older than 30 days; active today through its conversation
	user(4, "2026-03-05 10:00:00", "2026-03-05 10:00:00") // 7d
	exec(`INSERT INTO conversations (bot_id, user_id, state, updated_at) VALUES (86, 3, 'menu', $1)`, utc("2026-03-10 08:00:00"))

	var seq int
	entry := func(userID int64, kind string, amount, held int64, at string, jobID, topUpID, adminID int64) {
		seq++
		exec(`INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, held_change_kopecks, idem_key, job_id, topup_id, admin_id, created_at)
		      VALUES (86, $1, $2, $3, $4, $5, nullif($6::bigint, 0), nullif($7::bigint, 0), nullif($8::bigint, 0), $9)`,
			userID, kind, amount, held, "e"+string(rune('a'+seq)), jobID, topUpID, adminID, utc(at))
	}
	topUp := func(userID, kopecks int64, at string) {
		var id int64
		if err := b.pool.QueryRow(b.ctx, `INSERT INTO topups (bot_id, user_id, stars, kopecks, payload, state, charge_id, expires_at, paid_at)
			VALUES (86, $1, 1, $2, $3, 'paid', $3, $4, $4) RETURNING id`, userID, kopecks, "c"+string(rune('a'+seq)), utc(at)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		entry(userID, "topup", kopecks, 0, at, 0, id, 0)
	}
	topUp(1, 100_00, "2026-03-09 20:59:59") // yesterday
	topUp(2, 50_00, "2026-03-09 21:00:00")  // today
	topUp(4, 200_00, "2026-03-05 10:00:00") // 7d
	topUp(3, 30_00, "2026-02-05 10:00:00")  // older than 30 days

	job := func(userID int64, model, state string, price, costMicro, consumedMicro int64, free bool, created, finished, failCode string) int64 {
		var id int64
		var fin, day any
		if finished != "" {
			fin = utc(finished)
		}
		if free {
			day = utc(created)
		}
		if err := b.pool.QueryRow(b.ctx, `INSERT INTO jobs (bot_id, user_id, chat_id, model_id, price_kopecks, cost_micro_credits, credits_consumed_micro,
			free, free_day, idempotency_key, state, deadline, created_at, finished_at, fail_code)
			VALUES (86, $1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12) RETURNING id`,
			userID, model, price, costMicro, consumedMicro, free, day, model+created, state, utc(created), fin, failCode).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	// J1: today, paid 10 ₽, Kie reported 4 credits.
	j1 := job(2, "z-image", "succeeded", 10_00, 5_000_000, 4_000_000, false, "2026-03-10 06:00:00", "2026-03-10 06:01:00", "")
	entry(2, "capture", 0, -10_00, "2026-03-10 06:01:00", j1, 0, 0)
	// J2: created yesterday, finished today, paid 20 ₽, Kie reported nothing: the quoted 8 credits.
	j2 := job(1, "z-image", "succeeded", 20_00, 8_000_000, 0, false, "2026-03-09 20:59:00", "2026-03-09 21:00:30", "")
	entry(1, "capture", 0, -20_00, "2026-03-09 21:00:30", j2, 0, 0)
	entry(1, "job_refund", 20_00, 0, "2026-03-10 07:00:00", j2, 0, admin) // refunded by an admin today
	// J3: 7d, failed (rejected), Kie still charged 1.5 credits.
	j3 := job(1, "flux", "failed", 15_00, 3_000_000, 1_500_000, false, "2026-03-08 10:00:00", "2026-03-08 10:05:00", "rejected:400")
	entry(1, "release", 15_00, -15_00, "2026-03-08 10:05:00", j3, 0, 0)
	// J4: 7d, expired, nothing charged.
	job(4, "flux", "expired", 15_00, 3_000_000, 0, false, "2026-03-05 11:00:00", "2026-03-05 11:20:00", "timeout")
	// J5: 7d, free, quoted 2 credits.
	job(4, "z-image", "succeeded", 0, 2_000_000, 0, true, "2026-03-06 10:00:00", "2026-03-06 10:01:00", "")
	// J6: today, still running.
	job(2, "z-image", "running", 10_00, 5_000_000, 0, false, "2026-03-10 08:00:00", "", "")
	// J7: older than 30 days.
	j7 := job(3, "z-image", "succeeded", 10_00, 5_000_000, 5_000_000, false, "2026-02-01 10:00:00", "2026-02-01 10:01:00", "")
	entry(3, "capture", 0, -10_00, "2026-02-01 10:01:00", j7, 0, 0)
	// Admin adjustments: +5 ₽ yesterday, −2 ₽ today; a Stars refund in 7d.
	entry(1, "admin_adjust", 5_00, 0, "2026-03-09 12:00:00", 0, 0, admin)
	entry(2, "admin_adjust", -2_00, 0, "2026-03-10 08:30:00", 0, 0, admin)
	var topUp4 int64
	if err := b.pool.QueryRow(b.ctx, `SELECT id FROM topups WHERE bot_id = 86 AND user_id = 4`).Scan(&topUp4); err != nil {
		t.Fatal(err)
	}
	entry(4, "refund", -200_00, 0, "2026-03-07 10:00:00", 0, topUp4, 0)

	// One credit costs 0.005 $ × 95 = 47.5 kopecks.
	stars := func(n int, k int64) []store.MethodStat {
		return []store.MethodStat{{Method: "stars", Sum: store.Sum{Count: n, Kopecks: k}}}
	}
	want := map[operator.Period]operator.Stats{
		operator.Today: {Stats: store.Stats{
			NewUsers: 1, ActiveUsers: 2, PayingUsers: 1, // user 2; users 2 and 3; user 2
			TopUps:   stars(1, 50_00),
			Captured: store.Sum{Count: 2, Kopecks: 30_00}, JobRefunds: store.Sum{Count: 1, Kopecks: 20_00},
			Adjustments:  store.Sum{Count: 1, Kopecks: -2_00},
			KiePaidMicro: 12_000_000, // J1 4 + J2 8
			JobsByState:  map[store.JobState]int{"succeeded": 1, "running": 1},
			Models:       []store.ModelStat{{ModelID: "z-image", Finished: 2, Succeeded: 2, QuotedMicro: 5_000_000, BilledMicro: 4_000_000}},
		}, KieKopecks: 570, KiePaidKopecks: 570, MarginKopecks: 30_00 - 20_00 - 570},
		operator.Week: {Stats: store.Stats{
			NewUsers: 2, ActiveUsers: 4, PayingUsers: 3,
			TopUps:   stars(3, 350_00),
			Captured: store.Sum{Count: 2, Kopecks: 30_00}, JobRefunds: store.Sum{Count: 1, Kopecks: 20_00},
			TopUpRefund: store.Sum{Count: 1, Kopecks: 200_00}, Adjustments: store.Sum{Count: 2, Kopecks: 3_00},
			KiePaidMicro: 12_000_000, KieFreeMicro: 2_000_000, KieFailedMicro: 1_500_000,
			JobsByState: map[store.JobState]int{"succeeded": 3, "failed": 1, "expired": 1, "running": 1},
			Models: []store.ModelStat{{ModelID: "z-image", Finished: 3, Succeeded: 3, QuotedMicro: 5_000_000, BilledMicro: 4_000_000},
				{ModelID: "flux", Finished: 2, Failures: []store.Reason{{Reason: "rejected:400", Count: 1}, {Reason: "timeout", Count: 1}},
					QuotedMicro: 3_000_000, BilledMicro: 1_500_000}},
		}, KieKopecks: 736, KiePaidKopecks: 570, MarginKopecks: 30_00 - 20_00 - 736}, // 15.5 credits = 736.25 kopecks
		operator.Month: {Stats: store.Stats{
			NewUsers: 3, ActiveUsers: 4, PayingUsers: 3,
			TopUps:   stars(3, 350_00),
			Captured: store.Sum{Count: 2, Kopecks: 30_00}, JobRefunds: store.Sum{Count: 1, Kopecks: 20_00},
			TopUpRefund: store.Sum{Count: 1, Kopecks: 200_00}, Adjustments: store.Sum{Count: 2, Kopecks: 3_00},
			KiePaidMicro: 12_000_000, KieFreeMicro: 2_000_000, KieFailedMicro: 1_500_000,
			JobsByState: map[store.JobState]int{"succeeded": 3, "failed": 1, "expired": 1, "running": 1},
			Models: []store.ModelStat{{ModelID: "z-image", Finished: 3, Succeeded: 3, QuotedMicro: 5_000_000, BilledMicro: 4_000_000},
				{ModelID: "flux", Finished: 2, Failures: []store.Reason{{Reason: "rejected:400", Count: 1}, {Reason: "timeout", Count: 1}},
					QuotedMicro: 3_000_000, BilledMicro: 1_500_000}},
		}, KieKopecks: 736, KiePaidKopecks: 570, MarginKopecks: 30_00 - 20_00 - 736},
	}
	for p, w := range want {
		got, err := svc.Stats(b.ctx, b.st, p)
		if err != nil {
			t.Fatal(err)
		}
		from, _ := svc.Bounds(p, now)
		w.Period, w.Stats.From, w.Stats.To, w.Rates = p, from, now, true
		// Kie's balance and pace are the same for every period: 15.5
		// credits in the 6.5 days since the week began, 1000 left.
		w.KieBalance, w.KieAt, w.Spend7Micro, w.DaysLeft = kie.CreditsFromInt(1000), now, 15_500_000, 1000*6.5/15.5
		if math.Abs(got.DaysLeft-w.DaysLeft) > 1e-9 {
			t.Errorf("%s: %f days left, want %f", p, got.DaysLeft, w.DaysLeft)
		}
		got.DaysLeft = w.DaysLeft
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s:\n got %+v\nwant %+v", p, got, w)
		}
	}

	// Half a minute after Moscow midnight the day holds only what happened
	// since: user 2 and J2's capture, not the day before.
	svc = operator.New(operator.Config{Pricer: mustPricer(t), Now: func() time.Time { return utc("2026-03-09 21:00:31") }})
	got, err := svc.Stats(b.ctx, b.st, operator.Today)
	if err != nil {
		t.Fatal(err)
	}
	if got.NewUsers != 1 || got.PayingUsers != 1 || got.Captured != (store.Sum{Count: 1, Kopecks: 20_00}) || len(got.JobsByState) != 0 ||
		!errors.Is(got.KieErr, operator.ErrNoKieBalance) || got.DaysLeft >= 0 {
		t.Fatalf("just after midnight: %+v", got)
	}
}

type countingCredits struct{ calls atomic.Int32 }

func (c *countingCredits) Credits(context.Context) (kie.Credits, error) {
	return kie.CreditsFromInt(int64(100 + c.calls.Add(1))), nil
}

func TestKieCreditsAreCachedBriefly(t *testing.T) {
	t.Parallel()
	now := utc("2026-03-10 09:00:00")
	src := &countingCredits{}
	k := operator.NewKieCredits(src, time.Minute, func() time.Time { return now })
	for range 3 {
		if c, at, err := k.KieBalance(context.Background()); err != nil || c != kie.CreditsFromInt(101) || !at.Equal(utc("2026-03-10 09:00:00")) {
			t.Fatalf("balance %v at %v, %v", c, at, err)
		}
		now = now.Add(20 * time.Second)
	}
	if c, _, _ := k.KieBalance(context.Background()); c != kie.CreditsFromInt(102) || src.calls.Load() != 2 {
		t.Fatalf("after the TTL: %v, %d calls", c, src.calls.Load())
	}
}
