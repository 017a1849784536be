package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Business statistics for the operator: SQL aggregates over the ledger,
// jobs and users of one period, never counters kept on the side (those
// reset with a restart and drift from the books).

// Stats is one period [From, To) of the bot's business.
type Stats struct {
	From, To time.Time

	NewUsers    int // first contact in the period
	ActiveUsers int // wrote to the bot (any update) since From; see Stats' doc
	PayingUsers int // topped up in the period

	TopUps []MethodStat // credited top-ups by payment method, largest first

	// Ledger movements of the period by kind: count and kopecks (positive).
	Captured    Sum // jobs paid: revenue
	TopUpRefund Sum // Stars top-ups refunded
	JobRefunds  Sum // succeeded jobs refunded by an admin
	Adjustments Sum // admin corrections, net (may be negative)
	Welcome     Sum // welcome bonuses given

	// What Kie charged for the jobs that finished in the period, in
	// micro-credits: Kie's reported creditsConsumed, or for a success Kie
	// reported nothing for, the quoted cost.
	KiePaidMicro   int64 // succeeded paid jobs (the revenue's cost)
	KieFreeMicro   int64 // succeeded free-tier jobs (given away)
	KieFailedMicro int64 // failed or expired jobs Kie still reported a charge for

	JobsByState map[JobState]int // jobs created in the period
	Models      []ModelStat      // up to 10 models with the most jobs finished in the period
}

// KieMicro is everything Kie charged for the period's finished jobs.
func (s Stats) KieMicro() int64 { return s.KiePaidMicro + s.KieFreeMicro + s.KieFailedMicro }

// Sum is a number of ledger entries and their total in kopecks.
type Sum struct {
	Count   int
	Kopecks int64
}

// MethodStat is the credited top-ups of one payment method.
type MethodStat struct {
	Method string // "stars"; card, SBP, subscriptions once they exist
	Sum
}

// ModelStat is how one model's finished jobs ended.
type ModelStat struct {
	ModelID   string
	Finished  int
	Succeeded int
	Failures  []Reason // most frequent first, at most 3
	// The quoted Kie credits and what Kie billed (creditsConsumed), in
	// micro-credits, over the finished jobs Kie reported a charge for.
	QuotedMicro, BilledMicro int64
}

// Reason is a failure reason (Kie's fail code, else the final state) and
// how many jobs ended with it.
type Reason struct {
	Reason string
	Count  int
}

// Stats aggregates [from, to). Active users are those whose last update
// (bot_users.last_seen_at, refreshed when an idle user writes again, or
// their conversation's updated_at, refreshed by every step that changes
// it) is at or after from: exact for a period that ends now, which is the
// only kind the console asks for.
func (q *queries) Stats(ctx context.Context, from, to time.Time) (Stats, error) {
	s := Stats{From: from, To: to, JobsByState: map[JobState]int{}}
	for _, step := range []func(context.Context, *Stats) error{q.statsUsers, q.statsMoney, q.statsTopUps, q.statsKie, q.statsJobs, q.statsModels} {
		if err := step(ctx, &s); err != nil {
			return Stats{}, fmt.Errorf("stats %s – %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
		}
	}
	return s, nil
}

func (q *queries) statsUsers(ctx context.Context, s *Stats) error {
	err := q.db.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE u.created_at >= $2 AND u.created_at < $3),
		       count(*) FILTER (WHERE greatest(u.last_seen_at, c.updated_at) >= $2 AND u.created_at < $3),
		       (SELECT count(DISTINCT e.user_id) FROM ledger_entries e
		         WHERE e.bot_id = $1 AND e.kind = 'topup' AND e.created_at >= $2 AND e.created_at < $3)
		  FROM bot_users u LEFT JOIN conversations c ON c.bot_id = u.bot_id AND c.user_id = u.user_id
		 WHERE u.bot_id = $1`, q.botID, s.From, s.To).Scan(&s.NewUsers, &s.ActiveUsers, &s.PayingUsers)
	if err != nil {
		return fmt.Errorf("count users: %w", interpret(err))
	}
	return nil
}

func (q *queries) statsMoney(ctx context.Context, s *Stats) error {
	rows, err := q.db.Query(ctx, `
		SELECT kind, count(*), coalesce(sum(amount_kopecks), 0)::bigint, coalesce(sum(held_change_kopecks), 0)::bigint
		  FROM ledger_entries WHERE bot_id = $1 AND created_at >= $2 AND created_at < $3
		 GROUP BY kind`, q.botID, s.From, s.To)
	if err != nil {
		return fmt.Errorf("sum the ledger: %w", interpret(err))
	}
	var (
		kind         EntryKind
		n            int
		amount, held int64
	)
	_, err = pgx.ForEachRow(rows, []any{&kind, &n, &amount, &held}, func() error {
		switch kind {
		case KindCapture:
			s.Captured = Sum{n, -held}
		case KindRefund:
			s.TopUpRefund = Sum{n, -amount}
		case KindJobRefund:
			s.JobRefunds = Sum{n, amount}
		case KindAdminAdjust:
			s.Adjustments = Sum{n, amount}
		case KindWelcome:
			s.Welcome = Sum{n, amount}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sum the ledger: %w", interpret(err))
	}
	return nil
}

func (q *queries) statsTopUps(ctx context.Context, s *Stats) error {
	rows, err := q.db.Query(ctx, `
		SELECT t.method, count(*), coalesce(sum(e.amount_kopecks), 0)::bigint
		  FROM ledger_entries e JOIN topups t ON t.bot_id = e.bot_id AND t.id = e.topup_id
		 WHERE e.bot_id = $1 AND e.kind = 'topup' AND e.created_at >= $2 AND e.created_at < $3
		 GROUP BY t.method ORDER BY 3 DESC, 1`, q.botID, s.From, s.To)
	if err != nil {
		return fmt.Errorf("sum top-ups: %w", interpret(err))
	}
	var m MethodStat
	_, err = pgx.ForEachRow(rows, []any{&m.Method, &m.Count, &m.Kopecks}, func() error {
		s.TopUps = append(s.TopUps, m)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sum top-ups: %w", interpret(err))
	}
	return nil
}

// kieMicro is what Kie charged for a finished job: its reported
// creditsConsumed, else for a success the quoted cost (Kie charges for
// results), else nothing.
const kieMicro = `CASE WHEN credits_consumed_micro > 0 THEN credits_consumed_micro
	WHEN state = 'succeeded' THEN cost_micro_credits ELSE 0 END`

func (q *queries) statsKie(ctx context.Context, s *Stats) error {
	err := q.db.QueryRow(ctx, `
		SELECT coalesce(sum(`+kieMicro+`) FILTER (WHERE state = 'succeeded' AND NOT free), 0)::bigint,
		       coalesce(sum(`+kieMicro+`) FILTER (WHERE state = 'succeeded' AND free), 0)::bigint,
		       coalesce(sum(`+kieMicro+`) FILTER (WHERE state <> 'succeeded'), 0)::bigint
		  FROM jobs WHERE bot_id = $1 AND finished_at >= $2 AND finished_at < $3`, q.botID, s.From, s.To,
	).Scan(&s.KiePaidMicro, &s.KieFreeMicro, &s.KieFailedMicro)
	if err != nil {
		return fmt.Errorf("sum kie costs: %w", interpret(err))
	}
	return nil
}

func (q *queries) statsJobs(ctx context.Context, s *Stats) error {
	rows, err := q.db.Query(ctx, `SELECT state, count(*) FROM jobs WHERE bot_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY state`,
		q.botID, s.From, s.To)
	if err != nil {
		return fmt.Errorf("count jobs: %w", interpret(err))
	}
	var (
		state JobState
		n     int
	)
	_, err = pgx.ForEachRow(rows, []any{&state, &n}, func() error {
		s.JobsByState[state] = n
		return nil
	})
	if err != nil {
		return fmt.Errorf("count jobs: %w", interpret(err))
	}
	return nil
}

// topModels is how many models the statistics rank.
const topModels = 10

func (q *queries) statsModels(ctx context.Context, s *Stats) error {
	rows, err := q.db.Query(ctx, `
		WITH m AS (
			SELECT model_id, count(*) AS finished, count(*) FILTER (WHERE state = 'succeeded') AS succeeded,
			       coalesce(sum(cost_micro_credits) FILTER (WHERE credits_consumed_micro > 0), 0)::bigint AS quoted,
			       coalesce(sum(credits_consumed_micro), 0)::bigint AS billed
			  FROM jobs WHERE bot_id = $1 AND finished_at >= $2 AND finished_at < $3
			 GROUP BY model_id ORDER BY 2 DESC, 1 LIMIT $4
		), r AS (
			SELECT j.model_id, CASE WHEN j.fail_code <> '' THEN j.fail_code ELSE j.state END AS reason, count(*) AS n
			  FROM jobs j JOIN m USING (model_id)
			 WHERE j.bot_id = $1 AND j.finished_at >= $2 AND j.finished_at < $3 AND j.state <> 'succeeded'
			 GROUP BY 1, 2
		)
		SELECT m.model_id, m.finished, m.succeeded, m.quoted, m.billed, coalesce(r.reason, ''), coalesce(r.n, 0)
		  FROM m LEFT JOIN r USING (model_id)
		 ORDER BY m.finished DESC, m.model_id, r.n DESC, r.reason`, q.botID, s.From, s.To, topModels)
	if err != nil {
		return fmt.Errorf("rank models: %w", interpret(err))
	}
	var (
		model, reason       string
		finished, succ, cnt int
		quoted, billed      int64
	)
	_, err = pgx.ForEachRow(rows, []any{&model, &finished, &succ, &quoted, &billed, &reason, &cnt}, func() error {
		if len(s.Models) == 0 || s.Models[len(s.Models)-1].ModelID != model {
			s.Models = append(s.Models, ModelStat{ModelID: model, Finished: finished, Succeeded: succ, QuotedMicro: quoted, BilledMicro: billed})
		}
		m := &s.Models[len(s.Models)-1]
		if reason != "" && len(m.Failures) < 3 {
			m.Failures = append(m.Failures, Reason{Reason: reason, Count: cnt})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("rank models: %w", interpret(err))
	}
	return nil
}

// KieSpend is what Kie charged, in micro-credits, for the jobs that
// finished in [from, to): the burn rate the Kie balance is measured by.
func (q *queries) KieSpend(ctx context.Context, from, to time.Time) (int64, error) {
	var micro int64
	err := q.db.QueryRow(ctx, `SELECT coalesce(sum(`+kieMicro+`), 0)::bigint FROM jobs WHERE bot_id = $1 AND finished_at >= $2 AND finished_at < $3`,
		q.botID, from, to).Scan(&micro)
	if err != nil {
		return 0, fmt.Errorf("sum kie spend: %w", interpret(err))
	}
	return micro, nil
}
