package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SystemActor is the admin id the shop itself acts under in the audit log
// and the model switches: a model taken off sale because Kie billed more
// than we quoted was switched off by no person. Telegram ids are positive,
// so it is never a real admin.
const SystemActor int64 = -1

// CostOverrun is a job Kie billed more for than we quoted.
type CostOverrun struct {
	JobID       int64
	ModelID     string
	QuotedMicro int64 // the quote's Kie credits (jobs.cost_micro_credits)
	BilledMicro int64 // Kie's creditsConsumed
}

// RecordCostOverrun records o once per job; inserted is false when it was
// recorded before (a finish seen twice).
func (q *queries) RecordCostOverrun(ctx context.Context, o CostOverrun) (inserted bool, err error) {
	if o.BilledMicro <= o.QuotedMicro {
		return false, fmt.Errorf("record cost overrun of job %d: billed %d is not over quoted %d", o.JobID, o.BilledMicro, o.QuotedMicro)
	}
	tag, err := q.db.Exec(ctx, `
		INSERT INTO cost_overruns (bot_id, job_id, model_id, quoted_micro, billed_micro) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (bot_id, job_id) DO NOTHING`, q.botID, o.JobID, o.ModelID, o.QuotedMicro, o.BilledMicro)
	if err != nil {
		return false, fmt.Errorf("record cost overrun of job %d: %w", o.JobID, interpret(err))
	}
	return tag.RowsAffected() == 1, nil
}

// CostOverrunsSinceReview counts modelID's overruns of more than
// tolerancePct percent since an admin last switched the model back on
// (every one, if no one ever did): the jobs that count towards taking it
// off sale.
func (q *queries) CostOverrunsSinceReview(ctx context.Context, modelID string, tolerancePct int64) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `
		SELECT count(*) FROM cost_overruns o
		 WHERE o.bot_id = $1 AND o.model_id = $2
		   AND o.billed_micro * 100 > o.quoted_micro * (100 + $3)
		   AND o.created_at > coalesce((SELECT s.changed_at FROM model_switches s
		                                 WHERE s.bot_id = $1 AND s.model_id = $2 AND NOT s.off), '-infinity')`,
		q.botID, modelID, tolerancePct).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count cost overruns of %s: %w", modelID, interpret(err))
	}
	return n, nil
}

// TakeOffSaleForCost switches modelID off as the system because Kie
// billed more than quoted too often (SwitchOffAsSystem); key (the job)
// makes a repeat record once.
func (s *Store) TakeOffSaleForCost(ctx context.Context, modelID, reason, key string) (changed bool, err error) {
	return s.SwitchOffAsSystem(ctx, modelID, reason, "cost:"+key)
}

// ModelCost is what one model's jobs were quoted and billed, for jobs Kie
// reported a charge for.
type ModelCost struct {
	ModelID                  string
	Jobs                     int
	QuotedMicro, BilledMicro int64
	Overruns                 int // jobs billed more than quoted
}

// ModelCosts compares quotes with Kie's bills per model over the jobs that
// finished in the last days days with a reported charge, most billed
// first.
func (q *queries) ModelCosts(ctx context.Context, days int) ([]ModelCost, error) {
	rows, err := q.db.Query(ctx, `
		SELECT model_id, count(*), coalesce(sum(cost_micro_credits), 0)::bigint, coalesce(sum(credits_consumed_micro), 0)::bigint,
		       count(*) FILTER (WHERE credits_consumed_micro > cost_micro_credits)
		  FROM jobs
		 WHERE bot_id = $1 AND finished_at >= now() - make_interval(days => $2) AND credits_consumed_micro > 0
		 GROUP BY model_id ORDER BY 4 DESC, 1 LIMIT 20`, q.botID, days)
	if err != nil {
		return nil, fmt.Errorf("compare model costs: %w", interpret(err))
	}
	var out []ModelCost
	var c ModelCost
	_, err = pgx.ForEachRow(rows, []any{&c.ModelID, &c.Jobs, &c.QuotedMicro, &c.BilledMicro, &c.Overruns}, func() error {
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("compare model costs: %w", interpret(err))
	}
	return out, nil
}
