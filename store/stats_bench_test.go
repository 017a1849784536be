package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// BenchmarkStats30Days times the console's statistics over a month of a
// busy bot's books: 20 000 users, 100 000 jobs and their 200 000 ledger
// entries spread over 60 days, plus a second bot's rows of the same size
// that every query must skip.
func BenchmarkStats30Days(b *testing.B) {
	ctx := context.Background()
	pool := storetest.NewPool(b)
	for _, bot := range []int64{1, 2} {
		for _, sql := range []string{
			`INSERT INTO bot_users (bot_id, user_id, chat_id, created_at, last_seen_at)
			SELECT $1, u, u, now() - (u % 60) * interval '1 day', now() - (u % 30) * interval '1 day' FROM generate_series(1, 20000) u`,
			`INSERT INTO jobs (bot_id, user_id, chat_id, model_id, price_kopecks, cost_micro_credits, credits_consumed_micro,
			                  idempotency_key, state, deadline, created_at, finished_at, fail_code)
			SELECT $1, 1 + j % 20000, 1 + j % 20000, 'model-' || (j % 40), 1000, 4000000, CASE WHEN j % 3 = 0 THEN 4000000 ELSE 0 END,
			       'k' || j, CASE WHEN j % 10 = 0 THEN 'failed' ELSE 'succeeded' END, now(),
			       now() - (j % 60) * interval '1 day', now() - (j % 60) * interval '1 day' + interval '1 minute',
			       CASE WHEN j % 10 = 0 THEN 'code-' || (j % 7) ELSE '' END
			  FROM generate_series(1, 100000) j`,
			`INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, held_change_kopecks, idem_key, job_id, created_at)
			SELECT $1, user_id, 'hold', -1000, 1000, 'h' || id, id, created_at FROM jobs WHERE bot_id = $1`,
			`INSERT INTO ledger_entries (bot_id, user_id, kind, amount_kopecks, held_change_kopecks, idem_key, job_id, created_at)
			SELECT $1, user_id, CASE WHEN state = 'succeeded' THEN 'capture' ELSE 'release' END,
			       CASE WHEN state = 'succeeded' THEN 0 ELSE 1000 END, -1000, 's' || id, id, finished_at FROM jobs WHERE bot_id = $1`,
			`ANALYZE`,
		} {
			args := []any{bot}
			if sql == "ANALYZE" {
				args = nil
			}
			if _, err := pool.Exec(ctx, sql, args...); err != nil {
				b.Fatal(err)
			}
		}
	}
	s := store.New(pool, 1)
	now := time.Now()
	b.ResetTimer()
	for b.Loop() {
		st, err := s.Stats(ctx, now.Add(-30*24*time.Hour), now)
		if err != nil || st.Captured.Count == 0 {
			b.Fatalf("%+v %v", st.Captured, err)
		}
	}
}
